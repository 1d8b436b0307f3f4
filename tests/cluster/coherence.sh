#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The randomized two-client differential coherence test (tests/cluster/
# coherence.c) on a two-node cluster, on a replica-2 volume and on a
# 2x2 distribute-replicate volume, both with group
# metadata-cache (upcalls on, 600 s windows) and performance/extfuse.
# Mount A is checked against what a gfapi client and a second FUSE mount
# do; each volume gets five segments of operations on one tree, with
# events between them:
#
#   1 warm-up   2 one brick killed   3 brick restarted (start force;
#     in the guest, once self-heal finished)
#   4 graph switch (readdir-ahead on)   5 unrelated option
#     (diagnostics.client-log-level)
#
# An answer still wrong 200 ms after the operation is a failure; the
# segment's seed is printed with it.  The program also reads the bricks'
# directories: an answer that one brick's copy gives while the replicas
# disagree (not healed yet) is what a stock client may read, not stale.  On this host (no kernel module) the
# mount's view comes from the client and the kernel's 1 s caches, i.e. it
# is stock Gluster's answer, and what the kernel would answer is checked
# by running A's pinned extension on the maps: the rule is "never staler
# than stock" (coherence --view-is-stock), so what A's client itself gets
# wrong is printed and counted, and an extension answer fails when it is
# still wrong at the bound while A's client answers right.
#
#   COHERENCE_SEED=N       base seed (segment k uses N + k); 6000 by
#                          default, the seed make check runs
#   COHERENCE_OPS=N        operations per segment (default 400: 2,000 per
#                          volume)
#   COHERENCE_VOLUMES=L    which volumes: "replica distrep" (default),
#                          "replica" or "distrep"
#   COHERENCE_BENCH=N      instead: N operations on a replica volume
#                          mounted stock, with group metadata-cache and
#                          with extfuse, stale counts printed, no events
#   COHERENCE_BOUND_MS=N   the bound (default 200)
#
# In the QEMU guest (vm-coherence.test, which sets EXTFUSE_KO) the cluster
# runs on ramdisks with extfuse.ko loaded, and A's view is what the kernel
# answers: the extension's answers and what it let the kernel keep, checked
# against the truth itself.
#
# Needs root, glusterd, /dev/fuse and bpffs.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/cluster/lib.sh"

# Arguments VAR=VALUE set the COHERENCE_* variables below (the QEMU guest
# passes no environment).
for a; do
	case $a in
	COHERENCE_*=*) export "${a?}" ;;
	*) bail "usage: coherence.sh [COHERENCE_VAR=VALUE...]" ;;
	esac
done
PROG=${COHERENCE:-$top_builddir/tests/cluster/coherence}
SEED=${COHERENCE_SEED:-6000}
OPS=${COHERENCE_OPS:-400}
VOLUMES=${COHERENCE_VOLUMES:-replica distrep}
BENCH=${COHERENCE_BENCH:-}
BOUND_MS=${COHERENCE_BOUND_MS:-200}

case "$SEED$OPS$BENCH$BOUND_MS" in
*[!0-9]*) bail "COHERENCE_SEED, _OPS, _BENCH and _BOUND_MS are numbers" ;;
esac
for v in $VOLUMES; do
	case $v in
	replica | distrep) ;;
	*) bail "COHERENCE_VOLUMES: replica or distrep, not $v" ;;
	esac
done
if [ -n "${EXTFUSE_KO:-}" ]; then
	# In the QEMU guest (vm-coherence.test): extfuse.ko answers for A.
	[ -x "$PROG" ] || bail "PROG: $PROG is not built"
	export LD_LIBRARY_PATH=$top_builddir/client/.libs
	CL_B=$(mktemp -d /tmp/coherence.XXXXXX) || bail "mktemp"
	cl_snapshot_system
	trap 'cl_teardown; grep -q "^extfuse " /proc/modules && rmmod extfuse' EXIT
	cl_guest_cluster 524288 || bail "no cluster (the guest's stderr says why)"
else
	cl_host_setup coherence 2 PROG
	cl_peer_two 20 || bail "node 2 did not become a peer"
fi
# Without the module A's view is its client's answer: stock Gluster's.
VIEW=
[ -e /dev/extfuse ] || VIEW=--view-is-stock
diag "base seed $SEED (COHERENCE_SEED=$SEED reproduces), bound ${BOUND_MS} ms"

segment=0
BRICKS=()

# use_bricks VOL KIND: the program reads VOL's bricks (all local here) to
# tell an answer the replicas disagree about from a stale one.
use_bricks() {
	local i n
	BRICKS=()
	for i in 1 2; do
		[ "$2" = distrep ] || [ "$i" = 1 ] || continue
		for n in 1 2; do
			BRICKS+=(--brick "$(cl_brick $n "$1" $i | cut -d: -f2-)")
		done
	done
}

# run_segment VOL LABEL ARGS...: one run of the program on mount A (and
# the second mount); its findings become TAP diagnostics.
run_segment() {
	local vol=$1 label=$2 seed out rc
	shift 2
	segment=$((segment + 1))
	seed=$((SEED + segment))
	out=$CL_B/segment-$segment.out
	timeout 600 "$PROG" --volume "$vol" --mount "$CL_B/mntA-$vol" \
		--mount2 "$CL_B/mntC-$vol" --dir tree --seed "$seed" \
		--bound-ms $BOUND_MS --gfapi-log "$CL_B/gfapi-$vol.log" \
		--label "$vol/$label" --maps on --counts $VIEW "${BRICKS[@]}" \
		"$@" \
		>"$out" 2>&1
	rc=$?
	sed 's/^# //; s/^/# /' "$out"
	ok $rc "$vol, $label: every answer right within ${BOUND_MS} ms" \
		"(seed $seed)"
}

# healed: no brick of the volume under test (BRICKS) holds an index entry
# of a pending heal (each index directory keeps one base file).
healed() {
	local b d
	for b in "${BRICKS[@]}"; do
		[ "$b" != --brick ] || continue
		for d in xattrop dirty entry-changes; do
			ls "$b/.glusterfs/indices/$d" 2>/dev/null |
				grep -qv "^$d-" && return 1
		done
	done
	return 0
}

# graph_switched VOL: client A has loaded a new graph since the mark.
graph_switched() {
	[ "$(grep -c 'taking over the maps' "$CL_B/log-mntA-$1.log")" \
		-gt "$2" ]
}

# reconnected VOL N: client A has logged more than N connections.
reconnected() {
	[ "$(grep -c 'attached to remote volume' "$CL_B/log-mntA-$1.log")" -gt "$2" ]
}

# setup_volume VOL KIND [extfuse|mdcache|stock]
setup_volume() {
	local vol=$1 kind=$2 mode=${3:-extfuse}
	# Bricks named after the volume: each run makes a new one.
	case $kind in
	replica)
		cl_set 1 volume create "$vol" replica 2 \
			"$(cl_brick 1 "$vol" 1)" "$(cl_brick 2 "$vol" 1)" \
			force >/dev/null
		;;
	distrep) cl_distrep_volume "$vol" ;;
	esac || return 1
	if [ "$mode" != stock ]; then
		cl_set 1 volume set "$vol" group metadata-cache >/dev/null ||
			return 1
	fi
	if [ "$mode" = extfuse ]; then
		cl_set 1 volume set "$vol" user.extfuse on >/dev/null ||
			return 1
	fi
	cl_set 1 volume start "$vol" >/dev/null || return 1
	cl_mount "mntA-$vol" "$vol" && cl_mount "mntC-$vol" "$vol"
}

stop_volume() {
	umount "$CL_B/mntA-$1" "$CL_B/mntC-$1"
	cl_set 1 volume stop "$1" force >/dev/null
}

# topology VOL KIND BRICK: the five segments and their events; BRICK is
# the one killed and restarted.
topology() {
	local vol=$1 kind=$2 brick=$3 n
	setup_volume "$vol" "$kind"
	n=$?
	ok $n "$vol: $kind volume with metadata-cache and extfuse, mounted"
	[ $n = 0 ] || return
	# The program is pinned last.
	cl_wait 30 test -e "/sys/fs/bpf/extfuse/$(cl_conn "mntA-$vol")/prog"
	ok $? "$vol: mount A pinned its maps and extension"
	use_bricks "$vol" "$kind"

	run_segment "$vol" "warm-up" --ops "$OPS"

	cl_kill_brick "$vol" "$brick"
	ok $? "$vol: brick $brick killed"
	run_segment "$vol" "one brick down" --ops "$OPS"

	n=$(grep -c 'attached to remote volume' "$CL_B/log-mntA-$vol.log")
	cl_start_force "$vol" 30 "$brick"
	ok $? "$vol: volume start force brought the brick back"
	cl_wait 30 reconnected "$vol" "$n"
	ok $? "$vol: client A reconnected to it"
	if [ -z "$VIEW" ]; then
		# While a heal runs, a client reads whichever replica it
		# trusts and stock Gluster keeps what it read; with no stock
		# answer to compare with, the guest checks what is served
		# once the bricks agree again (docs/design.md).
		cl_wait 300 healed
		ok $? "$vol: the self-heal daemon healed the restarted brick"
	fi
	run_segment "$vol" "brick restarted" --ops "$OPS"

	n=$(grep -c 'taking over the maps' "$CL_B/log-mntA-$vol.log")
	cl_set 1 volume set "$vol" performance.readdir-ahead on >/dev/null
	ok $? "$vol: volume set performance.readdir-ahead on"
	cl_wait 30 sh -c "ls '$CL_B/mntA-$vol' >/dev/null" &&
		cl_wait 30 graph_switched "$vol" "$n"
	ok $? "$vol: client A switched to the new graph"
	run_segment "$vol" "graph switch" --ops "$OPS"

	cl_set 1 volume set "$vol" diagnostics.client-log-level WARNING \
		>/dev/null
	ok $? "$vol: volume set diagnostics.client-log-level WARNING"
	# Clients reconfigure when glusterd tells them; give it a moment.
	cl_wait 30 grep -q 'log-level WARNING' \
		"$(cl_gd_dir 1)/glusterd/vols/$vol/$vol.tcp-fuse.vol"
	ls "$CL_B/mntA-$vol" >/dev/null
	sleep 2
	run_segment "$vol" "unrelated option" --ops "$OPS"
	stop_volume "$vol"
}

bench() {
	local vol mode maps
	for mode in stock mdcache extfuse; do
		vol=bench$mode
		setup_volume "$vol" replica "$mode"
		ok $? "$vol: replica volume ($mode) mounted"
		maps=off
		if [ $mode = extfuse ]; then
			# The extension's answers are counted too.
			maps=on
			cl_wait 30 test -e \
				"/sys/fs/bpf/extfuse/$(cl_conn "mntA-$vol")/prog"
		fi
		segment=$((segment + 1))
		timeout 3600 "$PROG" --volume "$vol" \
			--mount "$CL_B/mntA-$vol" --mount2 "$CL_B/mntC-$vol" \
			--dir tree --seed "$SEED" --bound-ms $BOUND_MS \
			--gfapi-log "$CL_B/gfapi-$vol.log" --label "$mode" \
			--maps $maps --bench --ops "$BENCH" --max-failures 10 |
			sed 's/^# //; s/^/# /'
		ok "${PIPESTATUS[0]}" "$vol: benchmark ran"
		stop_volume "$vol"
	done
}

if [ -n "$BENCH" ]; then
	bench
else
	for v in $VOLUMES; do
		case $v in
		replica) topology gvr replica "$(cl_brick 2 gvr 1)" ;;
		distrep) topology gvd distrep "$(cl_brick 2 gvd 1)" ;;
		esac
	done
fi
tap_done
