#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest: warm-stat latency, statx in a loop inside one process, with the
# extension attached (kernel timeouts of 1 s, then until the values'
# expiry), detached (every stat after the kernel's 1 s timeouts goes to
# the daemon) and on tmpfs; negative lookups with the extension attached
# (until expiry) and on tmpfs; and the cost of one request through the
# module: forced GETATTRs of one open file (each one reaches
# fuse_simple_request), answered by the extension, then by the daemon, and
# the same statx answered from the kernel's attribute cache.  Prints
# figures; asserts nothing timed.
. "$top_srcdir/tests/vm/lib.sh"

N=${BENCH_FILES:-500}
CALLS=${BENCH_CALLS:-2000}
load_module || bail "insmod failed"
fs_start a || bail "test fs did not start"
M=$W/a.mnt
mkdir "$M/b" "$M/e" && (cd "$M/b" && for i in $(seq 0 $((N - 1))); do : > f$i; done)
mkdir "$W/tmpfs" && mount -t tmpfs tmpfs "$W/tmpfs"
mkdir "$W/tmpfs/e"
(cd "$W/tmpfs" && for i in $(seq 0 $((N - 1))); do : > f$i; done)
CTL=$top_builddir/client/extfusectl
conn=$(mod_get conn)

run() { # run LABEL DIR: three passes, each after the kernel timeouts
	local best= ns r0 p
	for p in 1 2 3; do
		sleep 1.3
		r0=$(reqs a)
		ns=$("$VMTOOL" statfiles "$2" "$N" | awk '{ print $1 }') # $M/e: all ENOENT
		echo "# $1 pass $p: $ns ns/stat, daemon requests $(( $(reqs a) - r0 ))"
		[ -z "$best" ] || [ "$ns" -lt "$best" ] && best=$ns
	done
	eval "$3=$best"
}
sleep 1.3 # past the timeouts of CREATE's entries: every name is looked up
"$VMTOOL" statfiles "$M/b" "$N" > /dev/null
run attached "$M/b" att
"$CTL" config "$conn" entry_timeout=expiry attr_timeout=expiry > /dev/null
sleep 1.3
"$VMTOOL" statfiles "$M/b" "$N" > /dev/null # the daemon publishes again
run "attached, kernel keeps answers until expiry" "$M/b" attx
"$VMTOOL" statfiles "$M/e" "$N" > /dev/null # the daemon publishes ENOENTs
run "negative, until expiry" "$M/e" negx
run "negative, tmpfs" "$W/tmpfs/e" negt

# forced NAME: best ns per forced GETATTR of $M/b/f0 over three loops.
forced() {
	local best= ns p
	for p in 1 2 3; do
		ns=$("$VMTOOL" fstatloop "$M/b/f0" "$CALLS" | awk '{ print $1 }')
		[ -z "$best" ] || [ "$ns" -lt "$best" ] && best=$ns
	done
	eval "$1=$best"
}
g0=$(stat_get a getattr)
forced fatt
fatt_daemon=$(( $(stat_get a getattr) - g0 ))
cached=$("$VMTOOL" fcachedloop "$M/b/f0" "$CALLS" | awk '{ print $1 }')
ctl a detach > /dev/null
g0=$(stat_get a getattr)
forced fdet
fdet_daemon=$(( $(stat_get a getattr) - g0 ))
echo "# one GETATTR, best of 3 loops of $CALLS: extension $fatt ns ($fatt_daemon reached the daemon), daemon $fdet ns ($fdet_daemon reached it), kernel attribute cache $cached ns"
echo "# module path per request (extension - cached): $(( fatt - cached )) ns; daemon round trip (daemon - cached): $(( fdet - cached )) ns"
run detached "$M/b" det
run tmpfs "$W/tmpfs" tmp
echo "# warm stat, best of 3, $N files: attached $att ns, until expiry $attx ns, detached $det ns, tmpfs $tmp ns"
echo "# negative lookups, best of 3: until expiry $negx ns, tmpfs $negt ns"
echo "# ratios to tmpfs: until expiry $(awk -v a="$attx" -v t="$tmp" 'BEGIN { printf "%.2f", a / t }'), negative $(awk -v a="$negx" -v t="$negt" 'BEGIN { printf "%.2f", a / t }')"
echo "# ratios: detached/attached $(awk -v a="$att" -v d="$det" 'BEGIN { printf "%.1f", d / a }'), attached/tmpfs $(awk -v a="$att" -v t="$tmp" 'BEGIN { printf "%.1f", a / t }')"
umount "$W/tmpfs"
fs_stop a
ok $? "benchmark ran"
tap_done
