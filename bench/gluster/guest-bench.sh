#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of bench/gluster/run.sh (runs inside tests/vm/run-vm.sh).
# Two glusterds, replica 2 on ramdisks, one volume and four client mounts:
#   stock  default options
#   t600   default options, mounted with 600 s kernel attr/entry timeouts
#   mdc    `group metadata-cache`
#   efx    `group metadata-cache` and user.extfuse on (the translator in
#          the client graph, extfuse.ko loaded)
# Each workload runs once to warm up, then twice measured, each after the
# kernel's own 1 s timeouts expired.
# Requests reaching the daemon are counted by the client's io-stats
# (interval dumps).  Prints "RESULT key=value ..." lines; asserts nothing.
#
# usage: guest-bench.sh STATLOOP [FILES] [GITFILES]
set -u
. "$top_srcdir/tests/lib/tap.sh" # tap_bpffs, which the cluster helpers use
. "$top_srcdir/tests/cluster/lib.sh"

STATLOOP=${1:?usage: guest-bench.sh STATLOOP [FILES] [GITFILES]}
NFILES=${2:-500}
NGIT=${3:-100}
NDIRS=20
CTL=$top_builddir/client/extfusectl

die() {
	echo "Bail out! $*"
	exit 1
}
diag() { echo "# $*"; }

CL_B=$(mktemp -d /tmp/extfuse-bench.XXXXXX) || die "mktemp"
cl_snapshot_system
trap 'cl_teardown; grep -q "^extfuse " /proc/modules && rmmod extfuse' EXIT
export LD_LIBRARY_PATH=$top_builddir/client/.libs
export HOME=$CL_B GIT_CONFIG_NOSYSTEM=1
W=$CL_B/work
mkdir -p "$W"

# --- cluster ------------------------------------------------------------
cl_guest_cluster 524288 || die "no cluster (the guest's stderr says why)"

# One volume, options added between phases (each phase mounts afresh):
#   1. defaults: mounts stock and t600 (600 s kernel timeouts)
#   2. + group metadata-cache: mount mdc
#   3. + user.extfuse on: mount efx (the translator in its graph)
# The tree is made once, through the stock mount.
VOL=bv
cl_replica_volume $VOL || die "volume create"
cl_set 1 volume set $VOL diagnostics.count-fop-hits on >/dev/null &&
	cl_set 1 volume set $VOL diagnostics.latency-measurement on >/dev/null ||
	die "io-stats options"
cl_set 1 volume start $VOL >/dev/null || die "volume start"

mnt() { # NAME [CLIENT OPTIONS...]
	local m=$CL_B/mnt-$1 n=$1
	shift
	mkdir -p "$m"
	glusterfs --volfile-server=127.1.1.1 --volfile-id=$VOL "$@" \
		--log-file="$CL_B/log-mnt-$n.log" --pid-file="$CL_B/mnt-$n.pid" \
		"$m" || return 1
	cl_wait 20 mountpoint -q "$m" && cl_wait 20 stat "$m/." &&
		cl_wait 60 bricks_up "$n"
}
# A brick that connects after the measurements began sends the client a
# subvolume event: md-cache and the translator drop everything, and the
# pass that follows goes to the servers.  Measure only with both bricks up.
bricks_up() {
	[ "$(grep -c 'Connected, attached to remote volume' \
		"$CL_B/log-mnt-$1.log")" -ge 2 ]
}
unmnt() { # NAME: unmount and wait for the client to exit
	local pid
	pid=$(cat "$CL_B/mnt-$1.pid")
	umount "$CL_B/mnt-$1" || return 1
	cl_wait 30 sh -c "! kill -0 $pid 2>/dev/null"
}
mnt stock || die "mount stock"
mnt t600 --attribute-timeout=600 --entry-timeout=600 || die "mount t600"
diag "cluster up"

# --- the trees: NFILES files in NDIRS directories, and a git repository ---
per=$((NFILES / NDIRS))
mktree() ( # MOUNT
	set -e
	mkdir "$1/ctl" "$1/bench"
	for d in $(seq 0 $((NDIRS - 1))); do
		mkdir "$1/bench/d$d"
		for f in $(seq 0 $((per - 1))); do
			echo "$d.$f" >"$1/bench/d$d/f$f"
		done
	done
)
repo=$W/repo
mkdir -p "$repo" && (
	set -e
	cd "$repo"
	git init -q
	for d in $(seq 0 9); do
		mkdir "src$d"
		for f in $(seq 0 $((NGIT / 10 - 1))); do
			printf 'int f%d_%d(void) { return %d; }\n' "$d" "$f" "$f" \
				>"src$d/f$f.c"
		done
	done
	git add .
	git -c user.name=bench -c user.email=bench@localhost commit -qm tree
	git repack -qad && git prune
) || die "git repository"
t0=$(date +%s)
mktree "$CL_B/mnt-stock" && cp -a "$repo" "$CL_B/mnt-stock/repo" ||
	die "cannot make the tree"
mklists() { # CONFIG
	local m=$CL_B/mnt-$1
	find "$m/bench" -type f | sort >"$W/stat-$1"
	[ "$(wc -l <"$W/stat-$1")" -eq $((per * NDIRS)) ] ||
		die "tree on $1 incomplete"
	sed 's/$/.none/' "$W/stat-$1" >"$W/neg-$1"
}
mklists stock
mklists t600
diag "tree made in $(($(date +%s) - t0)) s: $((per * NDIRS)) files, git $NGIT files"

# --- counting -------------------------------------------------------------
# iodump CONFIG: the io-stats interval since the previous dump, as
# "FOP COUNT" lines.  The file is NAME.<io-stats name>; its last section is
# the interval.
iodump() {
	local name f
	name=bench-$1-$BASHPID-$RANDOM
	setfattr -n trusted.io-stats-dump -v "$name" "$CL_B/mnt-$1/ctl" ||
		return 1
	f=$(ls -d /var/run/gluster/"$name"* 2>/dev/null | head -n 1)
	[ -n "$f" ] || f=$(ls -d /tmp/"$name"* 2>/dev/null | head -n 1)
	[ -n "$f" ] || return 1
	awk '/Interval/ { sec++; delete c }
		$1 ~ /^[A-Z][A-Z_]+$/ && $2 ~ /^[0-9]+$/ { c[$1] = $2 }
		END { for (k in c) print k, c[k] }' "$f"
	rm -f "$f"
}

khits() {
	[ "$1" = efx ] || { echo 0; return; }
	"$CTL" stats "$EFX_CONN" | awk '$1 == "total" { print $2 }'
}
# The extension's epoch: it moves when everything cached is dropped (a
# subvolume event, a graph switch, a flush), which explains a slow pass.
epoch() {
	[ "$1" = efx ] || { echo 0; return; }
	"$CTL" config "$EFX_CONN" | awk '$1 == "epoch" { print $2 }'
}

# Requests of one dump-to-dump interval with nothing run: subtracted.
declare -A BASE
baseline() { # CONFIG
	iodump "$1" >/dev/null || die "io-stats dump on $1"
	sleep 1.5
	BASE[$1]=$(iodump "$1" | awk '{ printf "%s:%s ", $1, $2 }')
	diag "baseline $1: ${BASE[$1]}"
}

# counts CONFIG DUMP-OUTPUT: total, LOOKUP and per-fop requests, minus the
# baseline.
counts() {
	awk -v base="${BASE[$1]}" '
		BEGIN {
			n = split(base, b, " ")
			for (i = 1; i <= n; i++) {
				split(b[i], kv, ":")
				z[kv[1]] = kv[2]
			}
		}
		{
			v = $2 - z[$1]
			if (v <= 0)
				next
			t += v
			if ($1 == "LOOKUP")
				l = v
			d = d sep $1 ":" v
			sep = ","
		}
		END { printf "reqs=%d lookups=%d detail=%s", t, l, d == "" ? "-" : d }' <<<"$2"
}

# work CONFIG TEST: one run of the workload; prints its time in ns.
work() {
	local m=$CL_B/mnt-$1 t0 t1
	case $2 in
	stat) "$STATLOOP" "$W/stat-$1" | awk '{ print $1 }' ;;
	neg) "$STATLOOP" "$W/neg-$1" | awk '{ print $1 }' ;;
	lsR)
		t0=$(date +%s%N)
		ls -lR "$m/bench" >/dev/null
		t1=$(date +%s%N)
		echo $((t1 - t0))
		;;
	git)
		t0=$(date +%s%N)
		git -C "$m/repo" --no-optional-locks status --porcelain >/dev/null
		t1=$(date +%s%N)
		echo $((t1 - t0))
		;;
	esac
}

# measure CONFIG...: every workload on each mount in turn.  One warm-up
# run (fills md-cache, lets the translator publish; git refreshes its
# index there, the measured runs take no lock), then two measured runs,
# each after the kernel's own timeouts expired.
measure() {
	local t c p ns h0 h1 d e0
	for c in "$@"; do
		baseline "$c"
	done
	for t in stat neg lsR git; do
		for c in "$@"; do
			[ "$t" = git ] &&
				git -C "$CL_B/mnt-$c/repo" status >/dev/null
			ns=$(work "$c" "$t")
			diag "$t $c warm-up: $ns ns"
			for p in 1 2; do
				sleep 1.5
				iodump "$c" >/dev/null
				h0=$(khits "$c")
				e0=$(epoch "$c")
				ns=$(work "$c" "$t")
				h1=$(khits "$c")
				d=$(iodump "$c")
				[ "$(epoch "$c")" = "$e0" ] ||
					diag "$t $c pass $p: the extension's epoch moved (everything cached was dropped)"
				echo "RESULT cfg=$c test=$t pass=$p ns=$ns $(counts "$c" "$d") khits=$((h1 - h0))"
			done
		done
	done
}

EFX_CONN=
measure stock t600
unmnt stock && unmnt t600 || die "unmount stock"
cl_set 1 volume set $VOL group metadata-cache >/dev/null || die "group"
mnt mdc || die "mount mdc"
mklists mdc
measure mdc
unmnt mdc || die "unmount mdc"
cl_set 1 volume set $VOL user.extfuse on >/dev/null || die "user.extfuse"
# The hook regenerates the volfiles once more (the filter reads the info,
# written after the first regeneration); its retries can run out under
# emulation, so ask for that regeneration here too.  Mount once it is done.
has_xl() {
	grep -q '^[[:space:]]*type[[:space:]]*performance/extfuse' \
		"$CL_B/n1/glusterd/vols/$VOL/$VOL.tcp-fuse.vol"
}
if ! cl_wait 30 has_xl; then
	diag "translator not in the volfile after 30 s: regenerating"
	cl_set 1 volume set $VOL user.extfuse-gen "$(date +%s%N)" >/dev/null
	cl_wait 90 has_xl || die "the translator is not in the client volfile"
fi
mnt efx || die "mount efx"
EFX_CONN=$(mountpoint -d "$CL_B/mnt-efx" | cut -d: -f2)
CL_CONNS=$EFX_CONN
cl_wait 120 sh -c "ls '$CL_B/mnt-efx' >/dev/null; grep -q \
	'extension attached to FUSE connection $EFX_CONN' '$CL_B/log-mnt-efx.log'" ||
	die "the extension was not attached to the efx mount"
diag "extension attached to connection $EFX_CONN"
mklists efx
measure efx
"$CTL" stats "$EFX_CONN" | sed 's/^/# /'
echo "RESULT done files=$((per * NDIRS)) gitfiles=$NGIT"
exit 0
