#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest: the kernel keeps what the extension answered until the value's
# expiry (kernel timeouts "expiry"), so a warm stat and a repeated
# negative lookup reach neither the daemon nor the module; and whatever
# retires the values also reaches the kernel: after a flush, a
# configuration change (both move the epoch) and a detach, a change the
# kernel was never told about is seen by the very next stat, and so is a
# name another client created where the kernel kept a negative dentry.
. "$top_srcdir/tests/vm/lib.sh"

CTL=$top_builddir/client/extfusectl
load_module || bail "insmod failed"
fs_start a --cache-sec 600 || bail "test fs did not start"
M=$W/a.mnt
conn=$(mod_get conn)
"$CTL" config "$conn" entry_timeout=expiry attr_timeout=expiry > /dev/null
ok $? "kernel timeouts set to the values' expiry"
"$CTL" config "$conn" | grep -q '^attr_timeout *expiry$'
ok $? "extfusectl config shows them"

mkdir "$M/d" && echo x > "$M/d/f"
mode() { stat -c %a "$M/d/f"; }
# warm: the daemon's own 1 s answers lapse and the daemon answers (and
# publishes) again; once those lapse too, the extension answers the
# revalidations with the long validity.
warm() {
	local r0
	sleep 1.3
	mode > /dev/null
	sleep 1.3
	r0=$(reqs a)
	mode > /dev/null
	is "$(( $(reqs a) - r0 ))" 0 "$1: the revalidations were answered in the kernel"
}

warm "first"
sleep 1.3
r0=$(reqs a) s0=$(mod_get seen)
mode > /dev/null
is "$(( $(reqs a) - r0 ))/$(( $(mod_get seen) - s0 ))" 0/0 \
	"past the daemon's 1 s: the kernel's caches answer (no daemon, no module)"

# Negative lookups: the daemon's ENOENT publishes the negative entry, the
# extension's answer carries the validity, the kernel keeps the dentry.
stat "$M/d/nx" > /dev/null 2>&1
stat "$M/d/nx" > /dev/null 2>&1
ok $(( $? != 0 ? 0 : 1 )) "a missing name is missing"
r0=$(reqs a) s0=$(mod_get seen)
for i in 1 2 3; do stat "$M/d/nx" > /dev/null 2>&1; done
is "$(( $(reqs a) - r0 ))/$(( $(mod_get seen) - s0 ))" 0/0 \
	"negative lookups: the kernel's negative dentry answers (no daemon, no module)"
is "$(ctl a remote-create d nx)" "ok 0" "another client creates the name"
stat "$M/d/nx" > /dev/null 2>&1
ok $? "the new name is seen at once"

# Every name under d was expired with it: the kernel learns f again.
warm "after the creation"

is "$(ctl a setmode d/f 600)" "ok 0" "mode 600 behind the kernel's back"
is "$(mode)" 644 "the kernel keeps the mode it was told"
"$CTL" flush "$conn" > /dev/null
ok $? "extfusectl flush"
is "$(mode)" 600 "after the flush the next stat sees the change"

warm "after the flush"
is "$(ctl a setmode d/f 640)" "ok 0" "mode 640 behind the kernel's back"
is "$(mode)" 600 "the kernel keeps the mode it was told"
"$CTL" config "$conn" dirs=off > /dev/null
ok $? "configuration changed (the epoch moves)"
is "$(mode)" 640 "after the epoch moved the next stat sees the change"

# A LOOKUP answered just after an expiry (here: the extension, after the
# daemon republished) keeps its long validity unless the module expires
# the connection again: it does 100 ms and 1 s after every expiry.
warm "after the configuration change"
is "$(ctl a setmode d/f 604)" "ok 0" "mode 604 behind the kernel's back"
is "$(mode)" 640 "the kernel keeps the mode it was told"
"$CTL" detach "$M" > /dev/null
ok $? "extfusectl detach"
is "$(mode)" 604 "after the detach the next stat sees the change"

# A reply applied just after an expiry, here the daemon's with a long
# validity of its own, stands for one that crossed it (FUSE protects
# attributes, not dentries): the module expires the connection again
# 100 ms and 1 s after every expiry, so the kernel asks again.
fs_start b --cache-sec 600 --kernel-timeout 600 || bail "test fs b did not start"
Mb=$W/b.mnt
connb=$(mountpoint -d "$Mb" | cut -d: -f2)
seen_b() { "$VMTOOL" query | awk -v c="$connb" '$2 == c { for (i = 1; i < NF; i++) if ($i == "seen") print $(i + 1) }'; }
echo x > "$Mb/g" && stat "$Mb/g" > /dev/null
"$CTL" flush "$connb" > /dev/null
ok $? "extfusectl flush of b"
t0=$(date +%s%N)
stat "$Mb/g" > /dev/null # the daemon answers: valid for 600 s
diag "answered $(( ($(date +%s%N) - t0) / 1000000 )) ms after the flush"
sleep 1.5
s0=$(seen_b)
stat "$Mb/g" > /dev/null
s1=$(seen_b)
[ -n "$s0" ] && [ "$s1" -gt "$s0" ]
ok $? "that answer was expired again: the next stat reaches the module ($s0 -> $s1)"
fs_stop b
ok $? "test fs b exits cleanly"

fs_stop a
ok $? "test fs exits cleanly (no violations)"
dmesg_clean
ok $? "no kernel warnings"
tap_done
