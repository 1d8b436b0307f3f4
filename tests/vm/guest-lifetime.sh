#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest: lifetime stress.  Concurrent create/unlink/rename/stat/ls loops
# while drop_caches evicts inodes; the test file system must never receive
# a nodeid it has freed, never a FORGET larger than its own count, and all
# counts (its own and the kernel-served ones) must balance to zero.  The
# same after a DETACH: the FORGET rewrite goes on until the connection ends.
. "$top_srcdir/tests/vm/lib.sh"

DURATION=${STRESS_SECONDS:-40}
load_module || bail "insmod failed"
fs_start a --balanced || bail "test fs did not start"
M=$W/a.mnt
mkdir "$M/s"
for i in $(seq 0 49); do echo $i > "$M/s/c$i"; done

end=$(( $(date +%s) + DURATION ))
loop() { while [ "$(date +%s)" -lt "$end" ]; do "$@"; done; }
creator() { echo x > "$M/s/c$((RANDOM % 100))" 2>/dev/null; }
unlinker() { rm -f "$M/s/c$((RANDOM % 100))" 2>/dev/null; }
renamer() { mv -f "$M/s/c$((RANDOM % 100))" "$M/s/c$((RANDOM % 100))" 2>/dev/null; }
stater() { stat "$M/s/c$((RANDOM % 100))" > /dev/null 2>&1; ls -l "$M/s" > /dev/null 2>&1; }
dropper() { echo 2 > /proc/sys/vm/drop_caches; sleep 0.3; }
pids=
for f in creator unlinker renamer stater stater dropper; do
	loop $f &
	pids="$pids $!"
done
wait $pids
ok 0 "stress ran for ${DURATION}s"
diag "module: $("$VMTOOL" query)"
diag "daemon: $(ctl a stats | tr '\n' ' ')"

# Let the kernel hand everything back, then the counts must balance.
cd /
for i in $(seq 60); do
	echo 2 > /proc/sys/vm/drop_caches
	sleep 0.5
	u=$(ctl a check | awk '$1 == "unbalanced" { print $2 }')
	[ "$u" = 0 ] && break
done
ctl a check > "$W/check"
is "$(awk '$1 == "unbalanced" { print $2 }' "$W/check")" 0 "after eviction every lookup count (daemon and kernel-served) is zero"
grep '^node' "$W/check" | head -5 | sed 's/^/# /'
is "$(stat_get a violations)" 0 "no request named a freed nodeid, no FORGET exceeded a count"
fa=$(mod_get forget_adjusted); fd=$(mod_get forget_dropped)
diag "FORGETs rewritten: adjusted $fa, dropped $fd"
ok $(( fa + fd > 0 ? 0 : 1 )) "kernel-served lookups were handed back by rewritten FORGETs"
fs_stop a
ok $? "test fs: balanced at unmount, no violations"

# --- lookups served, then DETACH, then the kernel forgets them ----------------
fs_start d --balanced || bail "test fs did not start"
M=$W/d.mnt
mkdir "$M/s"
for i in $(seq 0 19); do echo $i > "$M/s/f$i"; done
ls "$M/s" > /dev/null # publishes every entry of s
sleep 1.3 # past the kernel's own entry timeouts: LOOKUPs again
for i in $(seq 0 19); do stat "$M/s/f$i" > /dev/null; done
nserved=$(ctl d check | grep -c 'served [1-9]')
ok $(( nserved > 0 ? 0 : 1 )) "lookups of $nserved nodes were served in the kernel"
is "$(ctl d detach)" "ok 0" "detach with served lookups outstanding"
cd /
for i in $(seq 60); do
	echo 2 > /proc/sys/vm/drop_caches
	sleep 0.5
	u=$(ctl d check | awk '$1 == "unbalanced" { print $2 }')
	[ "$u" = 0 ] && break
done
is "$(ctl d check | awk '$1 == "unbalanced" { print $2 }')" 0 "after detach and eviction every count is zero"
is "$(stat_get d violations)" 0 "no FORGET after detach exceeded the daemon's count"
fs_stop d
ok $? "test fs: balanced at unmount, no violations"
dmesg_clean
ok $? "no kernel warnings"
tap_done
