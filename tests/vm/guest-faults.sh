#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest: faults.  Corrupted map values are refused (and counted):
# attributes, listings (bad records, a chunk that repeats its cookie),
# LOOKUP entries naming the root or the parent.  A daemon killed
# mid-workload leaves no hang, and the directories the module opened stay
# its own after the connection ended (rmmod refused until they close);
# rmmod waits for a request blocked in a stopped daemon.
. "$top_srcdir/tests/vm/lib.sh"

load_module || bail "insmod failed"
expire() { sleep 1.3; }

# --- corrupt cached attributes with bpftool ---------------------------------
fs_start c || bail "test fs did not start"
M=$W/c.mnt
echo data > "$M/f"
stat "$M/f" > /dev/null
expire
stat "$M/f" > /dev/null
conn=$(mod_get conn)
map=/sys/fs/bpf/extfuse/$conn/extfuse_attrs
ino=$(stat -c %i "$M/f")
key=$(printf '%016x' "$ino" | sed 's/../& /g' | awk '{ for (i = NF; i > 0; i--) printf "%s ", $i }')
# corrupt MODE: write the file type bits of fuse_attr.mode (offset 60).
corrupt() {
	bpftool -j map lookup pinned "$map" key hex $key |
		python3 -c 'import json,sys
v=[int(x,16) for x in json.load(sys.stdin)["value"]]
m=int(sys.argv[1],8)
v[60:64]=list(m.to_bytes(4,"little"))
print(" ".join("%02x"%b for b in v))' "$1" > "$W/val" &&
	bpftool map update pinned "$map" key hex $key value hex $(cat "$W/val")
}
# Refusals by the module, plus malformed values the extension itself
# declined (its "errors" counters of LOOKUP and GETATTR).
ext_err() {
	"$top_builddir/client/extfusectl" stats |
		awk '$1 == "lookup" || $1 == "getattr" { n += $7 } END { print n + 0 }'
}
refusals() { echo $(( $(mod_get refused) + $(ext_err) )); }
r0=$(refusals)
g0=$(reqs c)
corrupt 0644
ok $? "bpftool: attributes with no file type written"
"$VMTOOL" fstatloop "$M/f" 10 > /dev/null
ok $? "stat still works"
is "$(stat -c %F "$M/f")" "regular file" "the real type is seen"
# The first request that meets the value (the LOOKUP of open's path walk,
# or a GETATTR) is refused and goes to the daemon, which publishes the
# right value again: one refusal per corruption.
ok $(( $(reqs c) - g0 >= 1 ? 0 : 1 )) "the invalid value was not served: the daemon answered"
ok $(( $(refusals) - r0 >= 1 ? 0 : 1 )) "the refusal was counted ($(( $(refusals) - r0 )))"
r0=$(mod_get refused)
corrupt 040755
"$VMTOOL" fstatloop "$M/f" 10 > /dev/null
ok $? "stat works with a cached type that contradicts the inode"
is "$(cat "$M/f")" data "the inode was not marked bad"
ok $(( $(mod_get refused) - r0 >= 1 ? 0 : 1 )) "the module refused the type change ($(( $(mod_get refused) - r0 )))"

# --- corrupt cached directory chunks --------------------------------------
mkdir "$M/d" && : > "$M/d/a" && : > "$M/d/b" && : > "$M/d/c"
ls "$M/d" > "$W/ls0" # publishes the listing of d, both kinds
dino=$(stat -c %i "$M/d")
chunks=/sys/fs/bpf/extfuse/$conn/extfuse_chunks
# Every chunk of d made unservable: a READDIRPLUS record naming a nodeid
# (a kernel-made lookup the FORGET rewrite would never see), a READDIR
# name with a '/'.  The value starts with 24 bytes of header.
bpftool -j map dump pinned "$chunks" | python3 -c 'import json,sys
dino=int(sys.argv[1])
for e in json.load(sys.stdin):
    k=bytes(int(x,16) for x in e["key"]); v=[int(x,16) for x in e["value"]]
    if int.from_bytes(k[0:8],"little")!=dino: continue
    if int.from_bytes(k[16:20],"little")==1: v[24:32]=list((1).to_bytes(8,"little"))
    else: v[24+24]=ord("/")
    print(" ".join("%02x"%b for b in k), "|", " ".join("%02x"%b for b in v))' "$dino" > "$W/chunks"
n=0
while IFS='|' read -r k v; do
	bpftool map update pinned "$chunks" key hex $k value hex $v && n=$((n + 1))
done < "$W/chunks"
ok $(( n >= 2 ? 0 : 1 )) "bpftool: $n chunks of d corrupted (both kinds)"
r0=$(mod_get refused)
expire
ls "$M/d" > "$W/ls1"
ok $? "ls still works"
cmp -s "$W/ls0" "$W/ls1"
ok $? "the listing is the daemon's"
ok $(( $(mod_get refused) - r0 >= 1 ? 0 : 1 )) "the module refused the corrupted chunk ($(( $(mod_get refused) - r0 )))"
expire
ls -l "$M/d" > /dev/null
ok $? "ls -l works too"

# A chunk at the cookie the kernel continues from after the first chunk
# (of either kind: READDIRPLUS may be followed by READDIR), holding one
# record whose d_off is that cookie again: served, it sends getdents()
# back to the same cookie forever.
mkdir "$M/L"
for i in $(seq 100); do : > "$M/L/a-file-with-a-rather-long-name-$i"; done
ls "$M/L" > "$W/lsL0"
lino=$(stat -c %i "$M/L")
bpftool -j map dump pinned "$chunks" | python3 -c 'import json,sys
lino=int(sys.argv[1])
first={}
for e in json.load(sys.stdin):
    k=bytes(int(x,16) for x in e["key"]); v=bytes(int(x,16) for x in e["value"])
    if int.from_bytes(k[0:8],"little")==lino and int.from_bytes(k[8:16],"little")==0:
        first[int.from_bytes(k[16:20],"little")]=v
cookies={int.from_bytes(v[8:16],"little") for v in first.values()}
for kind,v in first.items():
    head=24+(128 if kind==1 else 0)
    namelen=int.from_bytes(v[head+16:head+20],"little")
    reclen=(head-24+24+namelen+7)//8*8
    for c in cookies:
        rec=bytearray(v[24:24+reclen]); rec[head-24+8:head-24+16]=c.to_bytes(8,"little")
        val=v[0:8]+(c+1).to_bytes(8,"little")+reclen.to_bytes(4,"little")+bytes(4)+bytes(rec)+bytes(len(v)-24-reclen)
        key=lino.to_bytes(8,"little")+c.to_bytes(8,"little")+kind.to_bytes(4,"little")+bytes(4)
        print(" ".join("%02x"%b for b in key), "|", " ".join("%02x"%b for b in val))' "$lino" > "$W/chunksL"
n=0
while IFS='|' read -r k v; do
	bpftool map update pinned "$chunks" key hex $k value hex $v && n=$((n + 1))
done < "$W/chunksL"
ok $(( n >= 2 ? 0 : 1 )) "bpftool: $n chunks of L repeat their own cookie"
r0=$(mod_get refused)
expire
timeout 30 ls "$M/L" > "$W/lsL1"
is "$?" 0 "ls of L ends (a chunk repeating its cookie is refused)"
cmp -s "$W/lsL0" "$W/lsL1"
ok $? "the listing of L is the daemon's"
ok $(( $(mod_get refused) - r0 >= 1 ? 0 : 1 )) "the module refused the looping chunk"

# A LOOKUP answer naming the root, then one naming the parent itself.
entries=/sys/fs/bpf/extfuse/$conn/extfuse_entries
mkdir "$M/e" && echo y > "$M/e/x"
xino=$(stat -c %i "$M/e/x")
eino=$(stat -c %i "$M/e")
expire
stat "$M" "$M/e" "$M/e/x" > /dev/null # (re)publishes the root, e, and e/x
le() { printf '%016x' "$1" | sed 's/../& /g' | awk '{ for (i = NF; i > 0; i--) printf "%s ", $i }'; }
ekey="$(le "$eino") $(printf 'x' | od -An -tx1) $(for i in $(seq 255); do printf '00 '; done)"
entry_names() {
	bpftool -j map lookup pinned "$entries" key hex $ekey |
		python3 -c 'import json,sys
v=[int(x,16) for x in json.load(sys.stdin)["value"]]
v[0:16]=list(int(sys.argv[1]).to_bytes(8,"little"))+[0]*8
print(" ".join("%02x"%b for b in v))' "$1" > "$W/eval" &&
	bpftool map update pinned "$entries" key hex $ekey value hex $(cat "$W/eval")
}
for target in root:1 parent:$eino; do
	entry_names "${target#*:}"
	ok $? "bpftool: the entry e/x names the ${target%%:*}"
	r0=$(mod_get refused)
	expire
	is "$(stat -c %i "$M/e/x" 2>&1)" "$xino" "stat e/x: the entry naming the ${target%%:*} is not served"
	ok $(( $(mod_get refused) - r0 >= 1 ? 0 : 1 )) "the module refused it"
done

fs_stop c
ok $? "test fs exits cleanly"

# --- rmmod while a request waits in a stopped daemon ----------------------
# b has no extension, but its requests pass through the module while any
# connection (h) is attached.  Once h has ended, rmmod may go on; it must
# wait for b's request to return.
fs_start b --no-extfuse || bail "test fs did not start"
fs_start h || bail "test fs did not start"
M=$W/b.mnt
echo x > "$M/g"
ctl b inval g > /dev/null
# Found before the daemon stops: stat of its mount point would wait too.
mountpoint -q /sys/fs/fuse/connections ||
	mount -t fusectl fusectl /sys/fs/fuse/connections
waiting=/sys/fs/fuse/connections/$(mountpoint -d "$M" | cut -d: -f2)/waiting
kill -STOP "$(cat "$W/b.pid")"
"$VMTOOL" fstatloop "$M/g" 1 > "$W/blocked" 2>&1 &
sp=$!
# Until the request is in the daemon's queue: a loaded host slows the guest.
for i in $(seq 300); do
	[ "$(cat "$waiting" 2>/dev/null || echo 0)" -ge 1 ] && break
	sleep 0.1
done
ok $(( $(cat "$waiting") >= 1 ? 0 : 1 )) "a request waits in the stopped daemon"
fs_stop h
ok $? "the attached test fs exits cleanly"
for i in $(seq 50); do
	[ "$("$VMTOOL" query | wc -l)" = 0 ] && break
	sleep 0.1
done
is "$("$VMTOOL" query | wc -l)" 0 "its attachment went with its connection"
(rmmod extfuse; echo "rc=$?" > "$W/rmmod") &
rp=$!
sleep 2
kill -0 $rp 2>/dev/null
ok $? "rmmod waits while a redirected request is in the daemon"
kill -CONT "$(cat "$W/b.pid")"
wait $sp
ok $? "the blocked request completes"
wait $rp
is "$(cat "$W/rmmod")" rc=0 "rmmod completes afterwards"
fs_stop b
load_module || bail "insmod failed"

# --- kill the daemon mid-workload -----------------------------------------
fs_start k || bail "test fs did not start"
M=$W/k.mnt
mkdir "$M/d"
for i in $(seq 0 49); do : > "$M/d/f$i"; done
ls "$M/d" > /dev/null # listed: opened in the kernel from now on
expire
exec 7< "$M/d" # never opened in the daemon
exec 8< "$M/d"
is "$("$VMTOOL" dirop fsync 8)" OK "a directory opened in the kernel, then in the daemon for FSYNCDIR"
(while :; do "$VMTOOL" statfiles "$M/d" 50 > /dev/null 2>&1 || break; done) &
wp=$!
sleep 2
kill -9 "$(cat "$W/k.pid")"
# Past the kernel's own 1 s caches, which answer without any request, as
# they do for a stock FUSE mount whose daemon died.
expire
timeout 30 stat "$M/d/f1" > "$W/dead" 2>&1
rc=$?
ok $(( rc != 0 && rc != 124 ? 0 : 1 )) "stat fails (does not hang) after the daemon died"
grep -q 'Transport endpoint is not connected' "$W/dead"
ok $? "... with ENOTCONN"
timeout 30 bash -c "wait $wp" 2>/dev/null; sleep 1
kill -0 $wp 2>/dev/null
ok $(( ! $? )) "the workload ended"
sleep 2.5
is "$("$VMTOOL" query | wc -l)" 0 "the dead connection's attachment was reaped"
# Their RELEASEDIRs still come through the module: it must stay loaded.
rmmod extfuse 2> /dev/null
ok $(( $? != 0 ? 0 : 1 )) "rmmod refused while directories opened by the module are open"
exec 7<&- 8<&-
umount "$M"
rmmod extfuse
ok $? "rmmod once they are closed"
load_module
ok $? "insmod again"
rmmod extfuse
dmesg_clean
ok $? "no kernel warnings"
tap_done
