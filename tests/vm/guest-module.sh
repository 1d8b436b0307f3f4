#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest: extfuse.ko loads, attaches (and refuses bad attachments), answers
# GETATTR in the kernel (never where FUSE itself would not answer), detaches,
# and refuses to unload until the attached connections have ended.
. "$top_srcdir/tests/vm/lib.sh"

load_module
ok $? "insmod extfuse.ko"
is "$(stat -c %a /dev/extfuse 2>/dev/null)" 600 "/dev/extfuse has mode 0600"
dmesg | grep -q -E 'extfuse: hooked (__)?fuse_simple_request'
ok $? "module reports its hooks"

fs_start a || bail "test fs did not start"
M=$W/a.mnt
is "$("$VMTOOL" query | wc -l)" 1 "one attached connection"
conn=$(mod_get conn)
is "$conn" "$(( $(stat -c %d "$M") & 255 ))" "conn_id is the minor of the mount's st_dev"

for k in magic:EPROTO flags:EINVAL size:EPROTO notfuse:EBADF \
	socketfilter:EINVAL notsleepable:EINVAL noprobe:EPROTO \
	otherserved:EBUSY; do
	r=$("$VMTOOL" attach-bad "$M" "${k%%:*}")
	[ "$r" = NOLOAD ] && r=EINVAL # refused by the BPF loader already
	is "$r" "${k#*:}" "attach refused: ${k%%:*}"
done
is "$("$VMTOOL" query | wc -l)" 1 "refusals left the attachment alone"

# Where fuse_simple_request() would wait or fail, a program that answers
# every GETATTR must not be asked.
mkdir "$W/raw"
is "$("$VMTOOL" rawconn noinit "$W/raw")" BLOCKED "before INIT's reply a GETATTR waits, unanswered"
is "$("$VMTOOL" rawconn initerr "$W/raw")" ECONNREFUSED "after a failed INIT: ECONNREFUSED, unanswered"
is "$("$VMTOOL" rawconn userns "$W/raw")" EOVERFLOW "a caller with no uid in the connection's user namespace: EOVERFLOW"
is "$("$VMTOOL" rawconn foreign "$W/raw")" ATTACH-EPERM "a connection not mounted by root of the initial namespace: refused"
is "$("$VMTOOL" query | wc -l)" 1 "the raw connections' attachments went with them"

echo hello > "$M/f"
stat "$M/f" > /dev/null
g0=$(stat_get a getattr)
a0=$(mod_get answered)
"$VMTOOL" fstatloop "$M/f" 500 > "$W/out" 
ok $? "500 forced fstat calls succeed"
is "$(( $(stat_get a getattr) - g0 ))" 0 "forced GETATTRs answered in the kernel: 0 reach the daemon"
ok "$(( $(mod_get answered) - a0 >= 500 ? 0 : 1 ))" "module counted >= 500 answers"
is "$(stat -c %s "$M/f")" 6 "size served right"
"$top_builddir/client/extfusectl" stats "$conn" > "$W/stats"
answered=$(awk '$1 == "module:" { for (i = 2; i < NF; i++) if ($i == "answered") print $(i + 1) }' "$W/stats")
ok $(( ${answered:-0} >= 500 ? 0 : 1 )) "extfusectl stats shows the module's answers ($answered)"
"$top_builddir/client/extfusectl" stats --json "$conn" |
	python3 -c 'import json, sys; m = json.load(sys.stdin)["module"]; sys.exit(not (m and m["answered"] >= 500 and m["seen"] >= m["answered"]))'
ok $? "extfusectl stats --json has the module's counters"

# --- the maps of a serve a's connection and no other -----------------------
fs_start b --no-extfuse || bail "test fs did not start"
connb=$(( $(stat -c %d "$W/b.mnt") & 255 ))
cfgmap=/sys/fs/bpf/extfuse/$conn/extfuse_config
# The configuration's conn_id (bytes 32..35), read or written with bpftool.
cfg_conn() {
	bpftool -j map lookup pinned "$cfgmap" key hex 00 00 00 00 |
		python3 -c 'import json, sys
v = bytes(int(x, 16) for x in json.load(sys.stdin)["value"])
print(int.from_bytes(v[32:36], "little"))'
}
set_cfg_conn() {
	bpftool -j map lookup pinned "$cfgmap" key hex 00 00 00 00 |
		python3 -c 'import json, sys
v = [int(x, 16) for x in json.load(sys.stdin)["value"]]
v[32:36] = list(int(sys.argv[1]).to_bytes(4, "little"))
print(" ".join("%02x" % b for b in v))' "$1" > "$W/cfg" &&
		bpftool map update pinned "$cfgmap" key hex 00 00 00 00 \
			value hex $(cat "$W/cfg")
}
is "$(cfg_conn)" "$conn" "the module bound a's maps to a's connection"
out=$("$top_builddir/client/extfusectl" attach "$conn" "$W/b.mnt" 2>&1)
ok $(( $? != 0 ? 0 : 1 )) "extfusectl attach of a's maps to b's mount refused"
echo "$out" | grep -q "is not the mount of connection $conn"
ok $? "... with a clear error ($out)"
is "$("$VMTOOL" attach-pinned "/sys/fs/bpf/extfuse/$conn/prog" "$W/b.mnt")" EBUSY \
	"the module refuses a's maps on b's connection while a lives"
is "$("$VMTOOL" query | wc -l)" 1 "b got no attachment"
set_cfg_conn "$connb"
ok $? "bpftool: a's maps bound to b's connection"
g0=$(stat_get a getattr)
"$VMTOOL" fstatloop "$M/f" 50 > /dev/null
is "$(( $(stat_get a getattr) - g0 ))" 50 "maps bound to another connection: all 50 GETATTRs reach a's daemon"
set_cfg_conn "$conn"
g0=$(stat_get a getattr)
"$VMTOOL" fstatloop "$M/f" 50 > /dev/null
is "$(( $(stat_get a getattr) - g0 ))" 0 "bound to a again: answered in the kernel"
fs_stop b
ok $? "test fs b exits cleanly"

is "$(ctl a detach)" "ok 0" "detach"
is "$("$VMTOOL" query | wc -l)" 1 "after detach the attachment stays (its FORGET rewrite)"
is "$(mod_get detached)" 1 "... marked detached"
g0=$(stat_get a getattr)
"$VMTOOL" fstatloop "$M/f" 50 > /dev/null
is "$(( $(stat_get a getattr) - g0 ))" 50 "detached: all 50 GETATTRs reach the daemon"
rmmod extfuse 2> /dev/null
ok $(( $? != 0 ? 0 : 1 )) "rmmod refused while a detached connection lives"
is "$(ctl a attach)" "ok 0" "attach again (the same served-count map)"
is "$(mod_get detached)" 0 "... no longer detached"
stat "$M/f" > /dev/null
"$VMTOOL" fstatloop "$M/f" 5 > /dev/null
g0=$(stat_get a getattr)
"$VMTOOL" fstatloop "$M/f" 50 > /dev/null
is "$(( $(stat_get a getattr) - g0 ))" 0 "re-attached: 0 GETATTRs reach the daemon"

# Unloading would stop the FORGET rewrite of an attached connection.
rmmod extfuse 2> "$W/rmmod.err"
ok $(( $? != 0 ? 0 : 1 )) "rmmod refused while a connection is attached"
diag "rmmod: $(cat "$W/rmmod.err")"
g0=$(stat_get a getattr)
"$VMTOOL" fstatloop "$M/f" 20 > /dev/null
is "$(( $(stat_get a getattr) - g0 ))" 0 "still answered after the refused rmmod"

fs_stop a
ok $? "test fs exits cleanly (no violations)"
sleep 2.5
is "$("$VMTOOL" query | wc -l)" 0 "attachment reaped after unmount"
rmmod extfuse
ok $? "rmmod after unmount"
dmesg_clean
ok $? "no kernel warnings"
tap_done
