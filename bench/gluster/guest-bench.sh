#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of bench/gluster/run.sh (runs inside tests/vm/run-vm.sh).
# Two glusterds, replica 2 on ramdisks, one volume and four client mounts:
#   stock  default options
#   t600   default options, mounted with 600 s kernel attr/entry timeouts
#   mdc    `group metadata-cache`
#   efx    `group metadata-cache` and user.extfuse on (the translator in
#          the client graph, extfuse.ko loaded)
#   tmpfs  the same trees on a tmpfs: the kernel alone, the bound to reach
# Each workload runs once to warm up, then twice measured, each after the
# kernel's own 1 s timeouts expired.
# Requests reaching the daemon are counted by the client's io-stats
# (interval dumps).  Prints "RESULT key=value ..." lines; asserts nothing.
#
# usage: guest-bench.sh STATLOOP [FILES] [GITFILES]
set -u
. "$top_srcdir/tests/lib/tap.sh" # tap_bpffs, which the cluster helpers use
. "$top_srcdir/tests/cluster/lib.sh"
. "$top_srcdir/bench/gluster/lib.sh"

STATLOOP=${1:?usage: guest-bench.sh STATLOOP [FILES] [GITFILES]}
NFILES=${2:-500}
NGIT=${3:-100}
NDIRS=20

bench_setup bench
export HOME=$CL_B GIT_CONFIG_NOSYSTEM=1

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

# git refreshes its index in the warm-up run; the measured runs take no
# lock.
prepare() {
	[ "$2" = git ] && git -C "$CL_B/mnt-$1/repo" status >/dev/null
	return 0
}
TESTS="stat neg lsR git"

measure "$TESTS" stock t600
unmnt stock && unmnt t600 || die "unmount stock"
cl_set 1 volume set $VOL group metadata-cache >/dev/null || die "group"
mnt mdc || die "mount mdc"
mklists mdc
measure "$TESTS" mdc
unmnt mdc || die "unmount mdc"
mount_extfuse efx
mklists efx
measure "$TESTS" efx
"$CTL" stats "$(mountpoint -d "$CL_B/mnt-efx" | cut -d: -f2)" | sed 's/^/# /'
# The same trees on tmpfs, in the same boot: what the kernel alone costs.
mkdir -p "$CL_B/mnt-tmpfs" && mount -t tmpfs -o size=256m tmpfs "$CL_B/mnt-tmpfs" ||
	die "mount tmpfs"
mktree "$CL_B/mnt-tmpfs" && cp -a "$repo" "$CL_B/mnt-tmpfs/repo" ||
	die "cannot make the tree on tmpfs"
mklists tmpfs
measure "$TESTS" tmpfs
umount "$CL_B/mnt-tmpfs"
echo "RESULT done files=$((per * NDIRS)) gitfiles=$NGIT"
exit 0
