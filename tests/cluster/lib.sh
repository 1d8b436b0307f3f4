# SPDX-License-Identifier: GPL-2.0
# A throw-away Gluster cluster on loopback addresses 127.1.1.N: glusterds
# with private working directories, bricks and mounts under one mktemp
# directory.  cl_teardown (run it from an EXIT trap) stops everything by
# pid file and puts the system back as it was: the translator and filter
# installed for the test are removed (or the previous ones restored), and
# what Gluster writes to fixed system paths is deleted.

CL_B=
CL_NODES=0
CL_XLATOR_DST=
CL_PROBE_DST=
CL_NOTIFY_DST=
CL_FILTER_DST=
CL_FILTER_DIR_MADE=
CL_SYS_DIRS="/var/run/gluster /var/lib/glusterd"
CL_CONNS=

cl_skip_unless_possible() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (glusterd, FUSE mounts, bpffs)"
	for p in glusterd gluster glusterfs mountpoint; do
		command -v "$p" >/dev/null 2>&1 || skip_all "$p not installed"
	done
	[ -c /dev/fuse ] || skip_all "no /dev/fuse"
	ip -4 addr show lo 2>/dev/null | grep -q '127\.' ||
		skip_all "no loopback interface"
}

# Remember what the fixed system paths hold, to remove only what we add.
cl_snapshot_system() {
	local d
	for d in $CL_SYS_DIRS; do
		if [ -d "$d" ]; then
			ls -A "$d" >"$CL_B/sys.$(echo "$d" | tr / _)"
		fi
	done
}

cl_restore_system() {
	local d f snap
	for d in $CL_SYS_DIRS; do
		snap=$CL_B/sys.$(echo "$d" | tr / _)
		[ -d "$d" ] || continue
		if [ ! -f "$snap" ]; then
			rm -rf "$d"
			continue
		fi
		ls -A "$d" | while read -r f; do
			grep -qxF "$f" "$snap" || rm -rf "${d:?}/$f"
		done
	done
}

# cl_install FILE DEST: install FILE, keeping what was there.
cl_install() {
	if [ -e "$2" ]; then
		cp -a "$2" "$CL_B/saved.$(basename "$2")" || return 1
	fi
	install -m 0755 "$1" "$2"
}

cl_uninstall() {
	local saved=$CL_B/saved.$(basename "$1")
	if [ -e "$saved" ]; then
		cp -a "$saved" "$1"
	else
		rm -f "$1"
	fi
}

# The translator goes where glusterd's volfiles name it; the filter into
# the directory glusterd runs filters from; bpffs onto /sys/fs/bpf if
# missing (cl_teardown releases it).
cl_install_extfuse() { # XLATOR_SO FILTER
	local xd
	# The translator pins its maps under /sys/fs/bpf/extfuse.
	tap_bpffs /sys/fs/bpf
	xd=$(glusterfs --print-xlatordir) || return 1
	[ -d "$xd/performance" ] || return 1
	CL_XLATOR_DST=$xd/performance/extfuse.so
	cl_install "$1" "$CL_XLATOR_DST" || return 1
	# Its probe is built next to it.
	CL_PROBE_DST=$xd/performance/extfuse-probe.so
	cl_install "$(dirname "$1")/extfuse-probe.so" "$CL_PROBE_DST" ||
		return 1
	# And the bricks' notifier.
	CL_NOTIFY_DST=$xd/performance/extfuse-notify.so
	cl_install "$(dirname "$1")/extfuse-notify.so" "$CL_NOTIFY_DST" ||
		return 1
	if [ ! -d "$xd/../filter" ]; then
		mkdir "$xd/../filter" || return 1
		CL_FILTER_DIR_MADE=$(cd "$xd/../filter" && pwd)
	fi
	CL_FILTER_DST=$(cd "$xd/../filter" && pwd)/extfuse-filter
	cl_install "$2" "$CL_FILTER_DST"
}

# cl_host_setup NAME NODES [PIECE...]: how every host cluster test starts.
# Names the built pieces (XLATOR_SO, DUMP, ASK, GFAPI, EXTFUSECTL; the
# EXTFUSE_* variables override them), bails unless the translator and each
# variable named by PIECE are built, lets client processes find the fresh
# libextfuse, makes
# the private directory CL_B with the teardown trap, installs the
# translator and filter, and starts NODES glusterds with the hook.
cl_host_setup() {
	local name=$1 nodes=$2 f
	shift 2
	cl_skip_unless_possible
	XLATOR_SO=${EXTFUSE_XLATOR_SO:-$top_builddir/xlator/.libs/extfuse.so}
	DUMP=${EXTFUSE_DUMP:-$top_builddir/tests/cluster/efx-dump}
	ASK=${EXTFUSE_ASK:-$top_builddir/tests/cluster/efx-ask}
	GFAPI=${GFAPI_OPS:-$top_builddir/tests/cluster/gfapi-ops}
	EXTFUSECTL=${EXTFUSECTL:-$top_builddir/client/extfusectl}
	for f in XLATOR_SO "$@"; do
		[ -f "${!f}" ] || bail "$f: ${!f} is not built"
	done
	f=${EXTFUSE_LIBDIR:-$top_builddir/client/.libs}
	export LD_LIBRARY_PATH=$f${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	CL_B=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX") || bail "mktemp"
	trap cl_teardown EXIT
	trap 'exit 1' INT TERM
	cl_snapshot_system
	cl_install_extfuse "$XLATOR_SO" "$top_srcdir/xlator/extfuse-filter" ||
		bail "cannot install the translator and filter"
	cl_start_glusterds "$nodes" "$top_srcdir/xlator/S60extfuse-regen" ||
		bail "glusterd did not start"
}

cl_gd_dir() { echo "$CL_B/n$1"; }

# cl_peer_two SECONDS: node 1 probes node 2 and waits until it is a peer.
cl_peer_two() {
	cl_cli 1 peer probe 127.1.1.2 >/dev/null || return 1
	cl_wait "$1" sh -c "gluster --glusterd-sock=$(cl_gd_dir 1)/glusterd/gd.sock \
		--log-file=$CL_B/probe.log peer status | grep -q 'Peer in Cluster'"
}

# cl_replica_volume VOL: a replica-2 volume on the bricks of nodes 1 and 2.
cl_replica_volume() {
	cl_set 1 volume create "$1" replica 2 \
		"127.1.1.1:$(cl_gd_dir 1)/bricks/b" \
		"127.1.1.2:$(cl_gd_dir 2)/bricks/b" force >/dev/null
}

# cl_guest_cluster RAMDISK-KB: inside the QEMU guest (tests/vm/run-vm.sh),
# whose root is a throw-away overlay: the translator, its probe and the
# filter installed where glusterd looks, extfuse.ko loaded, and two peered
# glusterds whose bricks go on ext4 ramdisks (user xattrs) under
# $CL_B/nN/bricks.  Says on stderr what failed.
cl_guest_cluster() {
	local xd i
	cl_guest_fail() { echo "cl_guest_cluster: $*" >&2; return 1; }
	ip link set lo up || cl_guest_fail "no loopback" || return
	tap_bpffs /sys/fs/bpf
	xd=$(glusterfs --print-xlatordir)
	install -m 0755 "$top_builddir/xlator/.libs/extfuse.so" \
		"$top_builddir/xlator/.libs/extfuse-probe.so" \
		"$top_builddir/xlator/.libs/extfuse-notify.so" \
		"$xd/performance/" && mkdir -p "$xd/../filter" &&
		install -m 0755 "$top_srcdir/xlator/extfuse-filter" \
			"$xd/../filter/" ||
		cl_guest_fail "cannot install the translator" || return
	# glusterd runs the Python gsyncd many times at start: far too slow.
	printf '#!/bin/sh\n[ "$1" = --version ] && echo "gsyncd.py 4.0.0"\nexit 0\n' \
		>"$(dirname "$(dirname "$xd")")/gsyncd" ||
		cl_guest_fail "gsyncd stub" || return
	modprobe brd rd_nr=2 rd_size="$1" &&
		modprobe -a crc32c_generic ext4 || cl_guest_fail "no ramdisks" ||
		return
	for i in 1 2; do
		mkdir -p "$CL_B/n$i/bricks"
		mkfs.ext4 -q -F "/dev/ram$((i - 1))" &&
			mount "/dev/ram$((i - 1))" "$CL_B/n$i/bricks" ||
			cl_guest_fail "brick file system" || return
	done
	insmod "$EXTFUSE_KO" || cl_guest_fail "insmod extfuse.ko" || return
	cl_start_glusterds 2 "$top_srcdir/xlator/S60extfuse-regen" ||
		cl_guest_fail "glusterd did not start" || return
	cl_peer_two 60 || cl_guest_fail "node 2 did not become a peer"
}

cl_cli() { # NODE ARGS...
	local b
	b=$(cl_gd_dir "$1")
	shift
	gluster --mode=script --glusterd-sock="$b/glusterd/gd.sock" \
		--log-file="$b/log/cli.log" "$@"
}

# cl_set NODE ARGS...: a volume command that waits its turn: glusterd
# refuses it while another transaction (such as the hook's) holds the lock.
cl_set() {
	local end=$(($(date +%s) + 30)) out
	while :; do
		out=$(cl_cli "$@" 2>&1) && return 0
		case "$out" in
		*"Another transaction"* | *"Locking failed"*) ;;
		*)
			echo "$out" >&2
			return 1
			;;
		esac
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.5
	done
}

cl_start_glusterds() { # N HOOK
	local i b
	CL_NODES=$1
	for i in $(seq 1 "$1"); do
		b=$(cl_gd_dir "$i")
		mkdir -p "$b/glusterd/hooks/1/set/post" \
			"$b/glusterd/hooks/1/reset/post" \
			"$b/glusterd/hooks/1/start/pre" "$b/run/gluster" \
			"$b/log" "$b/bricks"
		[ -d /var/lib/glusterd/groups ] &&
			cp -a /var/lib/glusterd/groups "$b/glusterd/"
		install -m 0755 "$2" "$b/glusterd/hooks/1/set/post/"
		install -m 0755 "$2" "$b/glusterd/hooks/1/reset/post/"
		install -m 0755 "$2" "$b/glusterd/hooks/1/start/pre/"
		glusterd \
			--xlator-option "management.working-directory=$b/glusterd" \
			--xlator-option "management.transport.socket.bind-address=127.1.1.$i" \
			--xlator-option "management.run-directory=$b/run/gluster" \
			--xlator-option "management.glusterd-sockfile=$b/glusterd/gd.sock" \
			--xlator-option "management.logging-directory=$b/log" \
			--log-file="$b/log/glusterd.log" \
			--pid-file="$b/glusterd.pid" || return 1
	done
	for i in $(seq 1 "$1"); do
		cl_wait 30 cl_cli "$i" volume list || return 1
	done
}

# cl_wait SECONDS COMMAND...: poll until COMMAND succeeds.
cl_wait() {
	local end=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

cl_mount() { # NAME VOLUME [CLIENT OPTION...]
	local m=$CL_B/$1 name=$1 vol=$2
	shift 2
	mkdir -p "$m"
	glusterfs --volfile-server=127.1.1.1 --volfile-id="$vol" "$@" \
		--log-file="$CL_B/log-$name.log" --pid-file="$CL_B/$name.pid" \
		"$m" || { echo "cl_mount $name: glusterfs failed" >&2; return 1; }
	if ! cl_wait 20 mountpoint -q "$m" || ! cl_wait 20 stat "$m/."; then
		echo "cl_mount $name: not usable after 20 s; its log ends:" >&2
		tail -n 5 "$CL_B/log-$name.log" >&2
		return 1
	fi
	CL_CONNS="$CL_CONNS $(cl_conn "$name")"
}

# The FUSE connection number of a mount (minor of st_dev).
cl_conn() { mountpoint -d "$CL_B/$1" | cut -d: -f2; }

# cl_extfuse_section DUMP: the performance/extfuse section of a client
# statedump, named after the translator's type and volume name.
cl_extfuse_section() {
	sed -n '\%^\[performance/extfuse\.[^] ]*\]$%,/^\[/p' "$1"
}

# cl_statedump MOUNT-NAME OUT: a statedump of the mount's client into OUT.
cl_statedump() {
	local pid dump
	pid=$(cat "$CL_B/$1.pid") && kill -USR1 "$pid" || return 1
	sleep 1
	dump=$(ls -t /var/run/gluster/glusterdump."$pid".dump.* 2>/dev/null |
		head -n 1)
	[ -n "$dump" ] && cp "$dump" "$2"
}

cl_pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

cl_kill_pidfile() {
	local pid
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	cl_wait 10 sh -c "! kill -0 $pid 2>/dev/null" ||
		kill -9 "$pid" 2>/dev/null
}

cl_teardown() {
	local m i b f c
	[ -n "$CL_B" ] && [ -d "$CL_B" ] || return 0
	# A dead client leaves a mount that stat() cannot see: use the table.
	awk -v b="$CL_B/" 'index($2, b) == 1 { print $2 }' /proc/mounts |
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
	if [ -n "${EXTFUSE_TEST_KEEP:-}" ]; then
		mkdir -p "$EXTFUSE_TEST_KEEP" &&
			find "$CL_B" -name '*.log' -exec cp --backup=numbered \
				-t "$EXTFUSE_TEST_KEEP" {} + 2>/dev/null
	fi
	for f in "$CL_B"/mnt*.pid; do
		[ -f "$f" ] && cl_kill_pidfile "$f"
	done
	if [ "$CL_NODES" -gt 0 ] && cl_pid_alive "$(cl_gd_dir 1)/glusterd.pid"; then
		for v in $(cl_cli 1 volume list 2>/dev/null); do
			timeout 60 gluster --mode=script \
				--glusterd-sock="$(cl_gd_dir 1)/glusterd/gd.sock" \
				--log-file="$CL_B/teardown-cli.log" \
				volume stop "$v" force >/dev/null 2>&1
		done
	fi
	# Bricks, self-heal daemons, glusterds: every pid file we caused.
	find "$CL_B" -name '*.pid' ! -name 'mnt*.pid' ! -name glusterd.pid \
		2>/dev/null | while read -r f; do cl_kill_pidfile "$f"; done
	for i in $(seq 1 "$CL_NODES"); do
		cl_kill_pidfile "$(cl_gd_dir "$i")/glusterd.pid"
	done
	for c in $CL_CONNS; do
		[ -n "$c" ] && rm -rf "/sys/fs/bpf/extfuse/$c"
	done
	rmdir /sys/fs/bpf/extfuse 2>/dev/null
	tap_bpffs_release
	[ -n "$CL_XLATOR_DST" ] && cl_uninstall "$CL_XLATOR_DST"
	[ -n "$CL_PROBE_DST" ] && cl_uninstall "$CL_PROBE_DST"
	[ -n "$CL_NOTIFY_DST" ] && cl_uninstall "$CL_NOTIFY_DST"
	[ -n "$CL_FILTER_DST" ] && cl_uninstall "$CL_FILTER_DST"
	[ -n "$CL_FILTER_DIR_MADE" ] && rmdir "$CL_FILTER_DIR_MADE" 2>/dev/null
	cl_restore_system
	rm -rf "$CL_B"
}

# cl_brick NODE VOL N: the HOST:PATH of brick N of VOL on node NODE, as
# cl_distrep_volume names them.
cl_brick() { echo "127.1.1.$1:$(cl_gd_dir "$1")/bricks/$2-$3"; }

# cl_distrep_volume VOL: a 2x2 distribute-replicate volume, four bricks
# across nodes 1 and 2; each replica pair spans both nodes.
cl_distrep_volume() {
	cl_set 1 volume create "$1" replica 2 \
		"$(cl_brick 1 "$1" 1)" "$(cl_brick 2 "$1" 1)" \
		"$(cl_brick 1 "$1" 2)" "$(cl_brick 2 "$1" 2)" force >/dev/null
}

# cl_two_clients VOL replica|distrep: the usual bed of a host test: node 2
# peered, VOL created of that kind with group metadata-cache, started and
# with the translator on, mounted as mntA and mntB.  Sets A, B and CONN
# (mount A's FUSE connection) and waits for A's pinned maps; bails on any
# failure.
cl_two_clients() {
	cl_peer_two 20 || bail "node 2 did not become a peer"
	case $2 in
	replica) cl_replica_volume "$1" ;;
	distrep) cl_distrep_volume "$1" ;;
	*) bail "cl_two_clients: unknown volume kind '$2'" ;;
	esac || bail "volume create failed"
	cl_set 1 volume set "$1" group metadata-cache >/dev/null ||
		bail "group metadata-cache failed"
	cl_cli 1 volume start "$1" >/dev/null || bail "volume start failed"
	cl_set 1 volume set "$1" user.extfuse on >/dev/null ||
		bail "user.extfuse on"
	cl_mount mntA "$1" || bail "mount A failed"
	cl_mount mntB "$1" || bail "mount B failed"
	A=$CL_B/mntA
	B=$CL_B/mntB
	CONN=$(cl_conn mntA)
	cl_wait 30 sh -c "ls '$A' >/dev/null && test -d /sys/fs/bpf/extfuse/$CONN" ||
		bail "client A did not pin its maps"
}

# cl_brick_pid VOL HOST:PATH: the pid of a running brick process, or
# nothing when the brick is down.
cl_brick_pid() {
	cl_cli 1 volume status "$1" "$2" --xml 2>/dev/null |
		awk -F'[<>]' '$2 == "status" { up = $3 }
			$2 == "pid" && up == 1 && $3 > 0 { print $3; exit }'
}

# cl_kill_brick VOL HOST:PATH: kill a brick process outright, as a crash
# would, and wait until it is gone.
cl_kill_brick() {
	local pid
	pid=$(cl_brick_pid "$1" "$2")
	[ -n "$pid" ] || return 1
	kill -KILL "$pid" || return 1
	cl_wait 10 cl_pid_gone "$pid"
}

cl_pid_gone() { ! kill -0 "$1" 2>/dev/null; }

cl_brick_up() { [ -n "$(cl_brick_pid "$1" "$2")" ]; }

# cl_start_force VOL SECONDS HOST:PATH...: volume start force, then wait
# until each named brick runs again.
cl_start_force() {
	local vol=$1 secs=$2 b
	shift 2
	cl_set 1 volume start "$vol" force >/dev/null || return 1
	for b in "$@"; do
		cl_wait "$secs" cl_brick_up "$vol" "$b" || return 1
	done
}
