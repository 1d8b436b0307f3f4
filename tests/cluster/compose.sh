#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The docker-compose cluster for real: the image is built by the project's
# own Dockerfile and build, docker-compose.yml brings up three servers
# (replica 3, user.extfuse on with one volume set), a FUSE client and a
# libgfapi client, and the FUSE client is checked: the translator and its
# probe are in its graph, its maps are pinned in the host's bpffs, a change
# made through libgfapi is seen at once, extfusectl answers.  A server or
# client whose script fails makes this test fail.
#
# Needs root, dockerd, docker-compose and debootstrap (scripts/setup-deps).
# dockerd is started if none runs, and stopped afterwards.  No registry is
# needed: the Dockerfile's base is a Debian 12 image made here with
# debootstrap from this machine's own apt mirror, kept between runs as
# extfuse-base:bookworm (remove it with docker rmi to rebuild it).
# Containers, the network and the volumes are removed at the end, also
# when a step fails.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/lib/tap.sh"

PROJECT=efxcompose
BASE_IMAGE=extfuse-base:bookworm
IMAGE=extfuse-gluster:latest
VOL=gv0
MNT=/mnt/$VOL
CLIENT_LOG=/var/log/glusterfs/mnt-$VOL.log
GFAPI_LOG=/var/log/glusterfs/gfapi.log
# Bounds, in seconds: cluster start-up (the scripts' own WAIT is shorter),
# and building an image (downloads and the whole project build).
WAIT=${COMPOSE_WAIT:-240}
BUILD_WAIT=${COMPOSE_BUILD_WAIT:-1800}

[ "$(id -u)" = 0 ] || skip_all "needs root (dockerd, FUSE and bpffs in containers)"
for p in dockerd docker docker-compose debootstrap iptables-save; do
	command -v "$p" >/dev/null 2>&1 ||
		skip_all "$p not installed (scripts/setup-deps installs it)"
done
[ -c /dev/fuse ] || skip_all "no /dev/fuse"

W=$(mktemp -d "${TMPDIR:-/tmp}/extfuse-compose.XXXXXX") || bail "mktemp"
DOCKERD_PID=
UP=
CONN=

compose() {
	docker-compose -p "$PROJECT" -f "$top_srcdir/docker-compose.yml" "$@"
}

# Whatever this project left: containers, networks, volumes.
leftovers() {
	local f=label=com.docker.compose.project=$PROJECT
	docker ps -aq --filter "$f"
	docker network ls -q --filter "$f"
	docker volume ls -q --filter "$f"
}

stop_dockerd() {
	local left=30
	kill "$DOCKERD_PID" 2>/dev/null
	while kill -0 "$DOCKERD_PID" 2>/dev/null && [ "$left" -gt 0 ]; do
		sleep 1
		left=$((left - 1))
	done
	kill -9 "$DOCKERD_PID" 2>/dev/null
	wait "$DOCKERD_PID" 2>/dev/null
	# Put the host's network as it was: dockerd leaves its bridge, its
	# iptables chains and IP forwarding behind.
	ip link del docker0 2>/dev/null
	iptables-restore <"$W/iptables" 2>/dev/null
	sysctl -qw net.ipv4.ip_forward="$(cat "$W/ip_forward")" 2>/dev/null
}

cleanup() {
	if [ -n "$UP" ]; then
		timeout 120 docker-compose -p "$PROJECT" \
			-f "$top_srcdir/docker-compose.yml" \
			down -v --remove-orphans -t 10 >"$W/down-trap.log" 2>&1
	fi
	# Maps of a client that was killed before it could remove them.
	[ -n "$CONN" ] && rm -rf "/sys/fs/bpf/extfuse/$CONN"
	rmdir /sys/fs/bpf/extfuse 2>/dev/null
	tap_bpffs_release
	[ -n "$DOCKERD_PID" ] && stop_dockerd
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The last lines of every service's output, to show why something failed.
show_logs() {
	local s
	for s in server1 server2 server3 client gfapi; do
		diag "---- $s"
		compose logs --no-color --tail=25 "$s" 2>&1 | sed 's/^/#   /'
	done
}

# The URI that serves Debian SUITE in this machine's apt sources.
apt_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		case $f in
		*.sources) # deb822 stanzas, separated by blank lines
			awk -v s="$1" '
			function stanza() {
				if (types ~ /(^| )deb( |$)/ && enabled != "no" &&
				    (" " suites " ") ~ (" " s " ") && uri != "") {
					print uri
					exit
				}
				types = suites = uri = enabled = ""
			}
			/^[ \t]*$/ { stanza(); next }
			/^[ \t]*#/ { next }
			tolower($1) == "types:" { $1 = ""; types = $0 }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "suites:" { $1 = ""; suites = $0 }
			tolower($1) == "enabled:" { enabled = tolower($2) }
			END { stanza() }' "$f"
			;;
		*) # deb [options] URI SUITE COMPONENTS...
			awk -v s="$1" '
			$1 == "deb" {
				i = 2
				if ($i ~ /^\[/) {
					while ($i !~ /\]$/ && i < NF)
						i++
					i++
				}
				if ($(i + 1) == s) {
					print $i
					exit
				}
			}' "$f"
			;;
		esac
	done | head -n 1
}

# --- Docker engine -------------------------------------------------------
if docker info >/dev/null 2>&1; then
	diag "using the running Docker engine"
else
	if ! iptables-save >"$W/iptables" ||
		! sysctl -n net.ipv4.ip_forward >"$W/ip_forward"; then
		bail "cannot save the host's network settings"
	fi
	dockerd >"$W/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	left=30
	until docker info >/dev/null 2>&1; do
		if ! kill -0 "$DOCKERD_PID" 2>/dev/null || [ "$left" -le 0 ]; then
			sed 's/^/#   /' "$W/dockerd.log" | tail -n 20
			bail "dockerd did not start within 30s"
		fi
		sleep 1
		left=$((left - 1))
	done
	diag "started dockerd (pid $DOCKERD_PID); it is stopped at the end"
fi
ok 0 "the Docker engine answers"

# The client pins its maps in the host's bpffs, shared into its container.
tap_bpffs /sys/fs/bpf

# --- Images ----------------------------------------------------------------
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
	diag "base image $BASE_IMAGE: cached from an earlier run"
else
	mirror=$(apt_mirror bookworm)
	[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
	diag "building $BASE_IMAGE with debootstrap from $mirror"
	start=$SECONDS
	timeout "$BUILD_WAIT" debootstrap --variant=minbase bookworm \
		"$W/rootfs" "$mirror" >"$W/debootstrap.log" 2>&1 || {
		tail -n 20 "$W/debootstrap.log" | sed 's/^/#   /'
		bail "debootstrap failed"
	}
	rm -f "$W"/rootfs/var/cache/apt/archives/*.deb
	tar -C "$W/rootfs" -c . | docker import - "$BASE_IMAGE" >/dev/null ||
		bail "docker import failed"
	rm -rf "$W/rootfs"
	diag "base image built in $((SECONDS - start))s"
fi
ok 0 "base image $BASE_IMAGE"

# Leftovers of an interrupted run would clash with this one.
UP=1
compose down -v --remove-orphans -t 5 >/dev/null 2>&1

old_image=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null)
start=$SECONDS
timeout "$BUILD_WAIT" docker-compose -p "$PROJECT" \
	-f "$top_srcdir/docker-compose.yml" \
	build --build-arg BASE="$BASE_IMAGE" server1 >"$W/build.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || tail -n 30 "$W/build.log" | sed 's/^/#   /'
ok $rc "docker-compose build: the project's image $IMAGE ($((SECONDS - start))s)"
[ "$rc" -eq 0 ] || bail "no image"
new_image=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null)
# The image it replaces would only take space (its layers are shared).
if [ -n "$old_image" ] && [ "$old_image" != "$new_image" ]; then
	docker rmi "$old_image" >/dev/null 2>&1
fi

# --- The cluster -----------------------------------------------------------
start=$SECONDS
compose up -d --no-build >"$W/up.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$W/up.log"
ok $rc "docker-compose up: three servers, the FUSE client, the gfapi client"
[ "$rc" -eq 0 ] || bail "the cluster did not start"
is "$(docker network inspect -f '{{.Internal}} {{range .IPAM.Config}}{{.Subnet}}{{end}}' \
	"${PROJECT}_gluster" 2>&1)" "true 172.31.250.0/24" \
	"the cluster's network is internal, on the subnet the file declares"
CLIENT=$(compose ps -q client)
GFAPI=$(compose ps -q gfapi)
cexec() { docker exec "$CLIENT" "$@"; }
gexec() { docker exec "$GFAPI" "$@"; }

# wait_for WHAT CMD...: CMD succeeds within WAIT seconds while every
# container runs; a container that stopped (its script failed) ends it.
wait_for() {
	local what=$1 stopped
	shift
	while ! "$@" >/dev/null 2>&1; do
		stopped=$(docker ps -a --filter "label=com.docker.compose.project=$PROJECT" \
			--filter status=exited --filter status=dead \
			--format '{{.Names}} ({{.Status}})')
		if [ -n "$stopped" ]; then
			diag "stopped while waiting for $what: $stopped"
			return 1
		fi
		if [ $((SECONDS - start)) -ge "$WAIT" ]; then
			diag "no $what within ${WAIT}s"
			return 1
		fi
		sleep 2
	done
}

wait_for "client mount" cexec mountpoint -q "$MNT"
rc=$?
ok $rc "the client mounted $VOL on $MNT ($((SECONDS - start))s)"
[ "$rc" -eq 0 ] || { show_logs; bail "no client mount"; }

# A client that mounted before user.extfuse was set switches graphs on its
# next request: the translator has its maps once it pinned them.
in_graph() {
	cexec sh -c "stat $MNT >/dev/null; grep -q 'maps of connection [0-9]* pinned' $CLIENT_LOG"
}
wait_for "translator in the client's graph" in_graph
ok $? "the client's translator pinned its maps"
cexec grep -q '^ *[0-9]*: *type performance/extfuse$' "$CLIENT_LOG"
ok $? "performance/extfuse is in the client's graph"
cexec grep -q '^ *[0-9]*: *type performance/extfuse-probe$' "$CLIENT_LOG"
ok $? "performance/extfuse-probe is in the client's graph"

CONN=$(cexec mountpoint -d "$MNT" | cut -d: -f2)
diag "the client's mount is FUSE connection $CONN"
cexec test -d "/sys/fs/bpf/extfuse/$CONN/"
ok $? "its maps are pinned in the client under /sys/fs/bpf/extfuse/$CONN"
[ -n "$CONN" ] && [ -n "$(ls -A "/sys/fs/bpf/extfuse/$CONN" 2>/dev/null)" ]
ok $? "and seen in the host's bpffs (shared with the client)"

if [ -e /dev/extfuse ]; then
	cexec grep -q 'extension attached to FUSE connection' "$CLIENT_LOG"
	ok $? "the extension is attached: the kernel answers from the maps"
else
	diag "no extfuse kernel module on this host (kernel $(uname -r)):"
	diag "the client runs pass-through, every request reaches glusterfs;"
	diag "the maps are kept up to date but the kernel does not answer from them"
	cexec grep -q 'extfuse kernel module is not loaded' "$CLIENT_LOG"
	ok $? "the client says it runs pass-through without the module"
fi

# --- Changes from a second client: libgfapi, on its own machine -----------
gfapi() { gexec gfapi-ops server1 "$VOL" "$GFAPI_LOG" "$@"; }
cexec sh -c "echo hello >$MNT/f && stat $MNT/f >/dev/null"
ok $? "the client writes and looks up f"
cexec stat "$MNT/g" >/dev/null 2>&1
is $? 1 "the client looks up g and finds nothing"

gfapi chmod /f 600
ok $? "gfapi client: chmod f"
gfapi create /g
ok $? "gfapi client: create g"
is "$(cexec stat -c %a "$MNT/f")" 600 "the client sees the new mode of f at once"
cexec stat "$MNT/g" >/dev/null 2>&1
ok $? "the client sees g at once"
gexec grep -q '^ *[0-9]*: *type performance/extfuse$' "$GFAPI_LOG"
ok $? "the gfapi client's graph has performance/extfuse, as a pass-through"
# Why every gfapi machine needs the package: the volfile names the
# translator, and without it the graph cannot be built.
xd=$(gexec glusterfs --print-xlatordir)
gexec mv "$xd/performance/extfuse.so" /tmp/extfuse.so
gfapi create /h 2>/dev/null
is $? 2 "without the translator installed, the gfapi client cannot start"
gexec mv /tmp/extfuse.so "$xd/performance/extfuse.so"
gfapi create /h
ok $? "with it back, it can"

out=$(cexec extfusectl stats "$CONN" 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
[ "$rc" -eq 0 ] && echo "$out" | grep -q '^lookup'
ok $? "extfusectl stats $CONN answers in the client"

# --- Down ------------------------------------------------------------------
start=$SECONDS
compose down -v -t 20 >"$W/down.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$W/down.log"
ok $rc "docker-compose down -v ($((SECONDS - start))s)"
is "$(leftovers | wc -l)" 0 "no container, network or volume is left"
[ ! -e "/sys/fs/bpf/extfuse/$CONN" ]
ok $? "the client removed its pinned maps on the way out"
UP=
diag "${SECONDS}s in all"

tap_done
