#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of `bench/gluster/run.sh -d`: directories, on a replica-2 and
# on a 2x2 distribute-replicate volume in turn.  Each volume gets five
# client mounts, options added between them:
#   stock   default options
#   t600    default options, mounted with 600 s kernel attr/entry timeouts
#   mdc     `group metadata-cache`
#   nlc     `group metadata-cache` and `group nl-cache` (Gluster's own
#           negative-lookup cache)
#   efx     `group metadata-cache`, nl-cache off again, user.extfuse on
# and the same trees on tmpfs.  Workloads (each run once to warm up, then
# measured: find twice, lsl four times, php six times, each after the
# kernel's 1 s timeouts expired):
#   lsl     ls -l of one directory of BIG entries
#   find    find over a tree of TREE files printing each one's size (a
#           stat per name)
#   php     a PHP-style include loop: 100 names looked up along a search
#           path of 10 directories, found in the last one (900 misses)
# Prints "RESULT" lines (cfg is CONFIG-replica or CONFIG-distrep); asserts
# nothing.
#
# usage: guest-dirs.sh STATLOOP [BIG] [TREE]
set -u
. "$top_srcdir/tests/lib/tap.sh" # tap_bpffs, which the cluster helpers use
. "$top_srcdir/tests/cluster/lib.sh"
. "$top_srcdir/bench/gluster/lib.sh"

STATLOOP=${1:?usage: guest-dirs.sh STATLOOP [BIG] [TREE]}
NBIG=${2:-10000}
NTREE=${3:-20000}
NPATH=10
NPHP=100

bench_setup dirs
# 2 GiB ramdisks (131,072 inodes each): a 2x2 volume of the full sizes
# puts two bricks and nearly 60,000 inodes on each.
cl_guest_cluster 2097152 || die "no cluster (the guest's stderr says why)"

# mktrees ROOT: the three trees, made with as few processes as possible.
mktrees() (
	set -e
	cd "$1"
	mkdir -p ctl big tree php
	cd big
	seq -f "e%06g" 1 "$NBIG" | xargs touch
	cd ../tree
	local per=$((NTREE / 200)) a b
	for a in $(seq 0 19); do
		for b in $(seq 0 9); do
			mkdir -p "d$a/s$b"
			(cd "d$a/s$b" && seq -f "f%03g" 1 "$per" | xargs touch)
		done
	done
	cd ../php
	for a in $(seq 1 $NPATH); do mkdir "p$a"; done
	cd "p$NPATH"
	seq -f "inc%03g.php" 1 $NPHP | xargs touch
)
# The search-path lookups of one mount, in include order.
phplist() { # ROOT
	local n a
	for n in $(seq -f "inc%03g.php" 1 $NPHP); do
		for a in $(seq 1 $NPATH); do
			echo "$1/php/p$a/$n"
		done
	done
}

work() {
	local m=$CL_B/mnt-$1 t0 t1
	case $2 in
	lsl)
		t0=$(date +%s%N)
		ls -l "$m/big" >/dev/null
		t1=$(date +%s%N)
		echo $((t1 - t0))
		;;
	find)
		t0=$(date +%s%N)
		find "$m/tree" -printf '%s\n' >/dev/null
		t1=$(date +%s%N)
		echo $((t1 - t0))
		;;
	php) "$STATLOOP" "$W/php-$1" | awk '{ print $1 }' ;;
	esac
}

TESTS="lsl find php"
# Under emulation one pass can take half as long again as the next (a
# timer tick, the host): the short passes in the kernel get more of them.
passes() {
	case $1 in
	php) echo 6 ;;
	lsl) echo 4 ;;
	*) echo 2 ;;
	esac
}
volume() { # KIND
	local kind=$1 made t0
	VOL=d$kind
	case $kind in
	replica) cl_replica_volume $VOL && BRICKS=2 ;;
	distrep) cl_distrep_volume $VOL && BRICKS=4 ;;
	esac || die "volume create $VOL"
	cl_set 1 volume set $VOL diagnostics.count-fop-hits on >/dev/null &&
		cl_set 1 volume set $VOL diagnostics.latency-measurement on >/dev/null ||
		die "io-stats options"
	cl_set 1 volume start $VOL >/dev/null || die "volume start $VOL"
	mnt stock-$kind || die "mount stock-$kind"
	mnt t600-$kind --attribute-timeout=600 --entry-timeout=600 ||
		die "mount t600-$kind"
	t0=$(date +%s)
	mktrees "$CL_B/mnt-stock-$kind" || die "cannot make the trees on $VOL"
	made=$(find "$CL_B/mnt-t600-$kind/big" "$CL_B/mnt-t600-$kind/tree" \
		-type f | wc -l)
	[ "$made" -eq $((NBIG + NTREE / 200 * 200)) ] ||
		die "trees on $VOL incomplete ($made files)"
	diag "$VOL: trees made in $(($(date +%s) - t0)) s"
	phplist "$CL_B/mnt-stock-$kind" >"$W/php-stock-$kind"
	phplist "$CL_B/mnt-t600-$kind" >"$W/php-t600-$kind"
	measure "$TESTS" stock-$kind t600-$kind
	unmnt stock-$kind && unmnt t600-$kind || die "unmount stock-$kind"

	cl_set 1 volume set $VOL group metadata-cache >/dev/null || die "group"
	mnt mdc-$kind || die "mount mdc-$kind"
	phplist "$CL_B/mnt-mdc-$kind" >"$W/php-mdc-$kind"
	measure "$TESTS" mdc-$kind
	unmnt mdc-$kind || die "unmount mdc-$kind"

	cl_set 1 volume set $VOL group nl-cache >/dev/null || die "nl-cache"
	mnt nlc-$kind || die "mount nlc-$kind"
	phplist "$CL_B/mnt-nlc-$kind" >"$W/php-nlc-$kind"
	measure "$TESTS" nlc-$kind
	unmnt nlc-$kind || die "unmount nlc-$kind"

	cl_set 1 volume set $VOL performance.nl-cache off >/dev/null ||
		die "nl-cache off"
	mount_extfuse efx-$kind
	phplist "$CL_B/mnt-efx-$kind" >"$W/php-efx-$kind"
	measure "$TESTS" efx-$kind
	"$CTL" stats "$(mountpoint -d "$CL_B/mnt-efx-$kind" | cut -d: -f2)" |
		sed 's/^/# /'
	unmnt efx-$kind || die "unmount efx-$kind"
	drop_volume
}

# The volumes' bricks share the two ramdisks, and at the full sizes one
# volume takes most of their inodes (a file and a .glusterfs directory per
# name): the next volume gets them back.
drop_volume() {
	local bricks b
	bricks=$(cl_cli 1 volume info $VOL | sed -n 's/^Brick[0-9]*: [^:]*://p')
	[ -n "$bricks" ] || die "no bricks in the info of $VOL"
	cl_set 1 volume stop $VOL force >/dev/null &&
		cl_set 1 volume delete $VOL >/dev/null ||
		die "cannot delete $VOL"
	for b in $bricks; do
		rm -rf "$b" || die "cannot remove brick $b"
	done
}

volume replica
volume distrep

mkdir -p "$CL_B/mnt-tmpfs" &&
	mount -t tmpfs -o size=512m,nr_inodes=200k tmpfs "$CL_B/mnt-tmpfs" ||
	die "mount tmpfs"
mktrees "$CL_B/mnt-tmpfs" || die "cannot make the trees on tmpfs"
phplist "$CL_B/mnt-tmpfs" >"$W/php-tmpfs"
measure "$TESTS" tmpfs
umount "$CL_B/mnt-tmpfs"
echo "RESULT done big=$NBIG tree=$((NTREE / 200 * 200))"
exit 0
