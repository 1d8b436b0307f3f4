#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest: LOOKUP, GETATTR and READDIR answered in the kernel from what the
# test file system published, with exact daemon request counts; results
# identical attached and detached; invalidation; local changes; search
# permission; directory handles made by the module (OPENDIR answered in the
# kernel, the daemon's OPENDIR sent only when a request needs its handle).
. "$top_srcdir/tests/vm/lib.sh"

load_module || bail "insmod failed"
fs_start a || bail "test fs did not start"
M=$W/a.mnt
expire() { sleep 1.3; } # past the kernel's own 1 s entry/attr timeouts

# --- warm stat of 1,000 files ---------------------------------------------
mkdir "$M/many"
(cd "$M/many" && for i in $(seq 0 999); do : > f$i; done)
ok $? "created 1,000 files"
# CREATE publishes nothing here: the names are published by the LOOKUPs of
# a first pass, which must all reach the daemon, so it waits out the
# kernel's timeouts of the entries made by CREATE too.
expire
l0=$(stat_get a lookup)
"$VMTOOL" statfiles "$M/many" 1000 > /dev/null
ok "$(( $(stat_get a lookup) - l0 >= 1000 ? 0 : 1 ))" "first stats after the kernel timeouts: each LOOKUP reaches the daemon"
expire
l0=$(stat_get a lookup); g0=$(stat_get a getattr)
"$VMTOOL" statfiles "$M/many" 1000 > "$W/warm"
ok $? "warm stat of 1,000 files succeeds"
diag "$(cat "$W/warm")"
is "$(( $(stat_get a lookup) - l0 ))" 0 "warm stats after the kernel timeouts: 0 LOOKUP reach the daemon"
is "$(( $(stat_get a getattr) - g0 ))" 0 "warm stats: 0 GETATTR reach the daemon"

# --- negative lookups -----------------------------------------------------
for i in $(seq 100); do stat "$M/many/nope$i" 2>/dev/null; done
l0=$(stat_get a lookup)
n=0
for i in $(seq 100); do stat "$M/many/nope$i" 2>/dev/null && n=$((n + 1)); done
is "$n" 0 "negative names stay absent"
is "$(( $(stat_get a lookup) - l0 ))" 0 "100 negative lookups: 0 reach the daemon"

# --- ls -l / ls -lR of a cached tree --------------------------------------
for d in d1 d2 d3; do
	mkdir -p "$M/tree/$d"
	for i in $(seq 20); do echo "$d$i" > "$M/tree/$d/file$i"; done
	ln -s file1 "$M/tree/$d/link"
done
ls -lR "$M/tree" > "$W/lsR.cold"
ls -l "$M/tree/d1" > /dev/null
expire
r0=$(reqs a)
snapshot a "$W/s0"
ls -lR "$M/tree" > "$W/lsR.warm"
is "$(( $(reqs a) - r0 ))" 0 "ls -lR of a cached tree: 0 READDIR/LOOKUP/GETATTR reach the daemon"
diag "daemon requests during ls -lR: $(delta a "$W/s0")"
"$top_builddir/client/extfusectl" stats | sed 's/^/# /' 
expire
r0=$(reqs a)
ls -l "$M/tree/d2" > /dev/null
is "$(( $(reqs a) - r0 ))" 0 "ls -l of a cached directory: 0 requests reach the daemon"
cmp -s "$W/lsR.cold" "$W/lsR.warm"
ok $? "cached listing identical to the daemon's"

# --- attached vs detached: field by field ---------------------------------
fields='%n %i %f %s %b %u %g %h %X %Y %Z %N'
snap() { (cd "$M" && find . | sort | xargs stat -c "$fields"; ls -lRn .) > "$1"; }
expire
snap "$W/att"
is "$(ctl a detach)" "ok 0" "detach"
expire
snap "$W/det"
cmp -s "$W/att" "$W/det"
ok $? "stat fields and listings identical attached and detached ($(wc -l < "$W/att") lines)"
diff "$W/att" "$W/det" | head -5 | sed 's/^/# /'
is "$(ctl a attach)" "ok 0" "attach again"

# --- invalidation -----------------------------------------------------------
F=many/f5
stat "$M/$F" > /dev/null
expire
stat "$M/$F" > /dev/null
is "$(ctl a setmode $F 600)" "ok 0" "change f5 behind the kernel's back"
expire
is "$(stat -c %a "$M/$F")" 644 "without invalidation the cached mode is served (as stock FUSE within its timeouts)"
l0=$(stat_get a lookup); g0=$(stat_get a getattr)
is "$(ctl a inval $F)" "ok 0" "invalidate f5"
is "$(stat -c %a "$M/$F")" 600 "after invalidation the new mode is seen"
ok "$(( $(stat_get a lookup) + $(stat_get a getattr) - l0 - g0 > 0 ? 0 : 1 ))" "after invalidation the request reached the daemon"

# --- local changes never leave stale answers ------------------------------
for i in 10 11 12 13; do stat "$M/many/f$i" > /dev/null; done
expire
for i in 10 11 12 13; do stat "$M/many/f$i" > /dev/null; done
chmod 640 "$M/many/f10"
truncate -s 100 "$M/many/f11"
mv "$M/many/f12" "$M/many/g12"
rm "$M/many/f13"
expire
is "$(stat -c %a "$M/many/f10")" 640 "chmod: new mode after the kernel timeouts"
is "$(stat -c %s "$M/many/f11")" 100 "truncate: new size after the kernel timeouts"
stat "$M/many/f12" > /dev/null 2>&1
ok $(( ! $? )) "rename: old name gone"
is "$(stat -c %i "$M/many/g12")" "$(ctl a stats > /dev/null; stat -c %i "$M/many/g12")" "rename: new name resolves"
stat "$M/many/f13" > /dev/null 2>&1
ok $(( ! $? )) "unlink: name gone"
ls "$M/many" | grep -q -x f13
ok $(( ! $? )) "unlink: name gone from the listing"
ls "$M/many" | grep -q -x g12
ok $? "rename: new name in the listing"

# --- search permission ------------------------------------------------------
mkdir -m 700 "$M/private"
echo secret > "$M/private/s"
chmod 755 "$M"
stat "$M/private/s" > /dev/null
expire
stat "$M/private/s" > /dev/null
expire
setpriv --reuid 65534 --regid 65534 --clear-groups stat "$M/private/s" > "$W/perm" 2>&1
ok $(( ! $? )) "uid 65534 without search permission cannot resolve a cached name"
grep -q 'Permission denied' "$W/perm"
ok $? "... with EACCES"
setpriv --reuid 65534 --regid 65534 --clear-groups stat "$M/many/f1" > /dev/null 2>&1
ok $? "uid 65534 resolves names in a searchable directory"

# --- directory handles -----------------------------------------------------
# The test fs checks every directory handle it is sent (a handle it never
# gave is a violation); dirs_open is how many it gave and has not seen
# released.
ext_get() { # ext_get OP FIELD: the extension's counter
	"$top_builddir/client/extfusectl" stats --json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["ops"][sys.argv[1]][sys.argv[2]])' "$1" "$2"
}
released() { # released N: wait for the daemon to hold N open directories
	local i
	for i in $(seq 50); do
		[ "$(stat_get a dirs_open)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
dirs0=$(stat_get a dirs_open)
ls "$M/tree/d1" > /dev/null # its listing, published again since the attach
expire
o0=$(stat_get a opendir); r0=$(stat_get a releasedir); q0=$(reqs a)
h0=$(ext_get opendir hits)
ls "$M/tree/d1" > /dev/null
is "$(( $(stat_get a opendir) - o0 ))" 0 "ls of a cached directory: no OPENDIR reaches the daemon"
is "$(( $(ext_get opendir hits) - h0 ))" 1 "... the extension allowed it"
is "$(( $(stat_get a releasedir) - r0 ))" 0 "... and no RELEASEDIR (the daemon never opened it)"
is "$(( $(reqs a) - q0 ))" 0 "... nor any READDIR"

mkdir "$M/fresh"
for i in 1 2 3; do : > "$M/fresh/f$i"; done
expire
stat "$M/fresh" > /dev/null # its attributes, after the creations
expire
o0=$(stat_get a opendir); r0=$(stat_get a releasedir); h0=$(ext_get opendir hits)
q0=$(( $(stat_get a readdir) + $(stat_get a readdirplus) ))
is "$("$VMTOOL" dirop list "$M/fresh")" 5 "a directory never listed: its 5 entries, from the daemon"
is "$(( $(ext_get opendir hits) - h0 ))" 1 "... opened in the kernel"
is "$(( $(stat_get a opendir) - o0 ))" 1 "... and in the daemon once its READDIR needed it"
ok "$(( $(stat_get a readdir) + $(stat_get a readdirplus) - q0 > 0 ? 0 : 1 ))" "... which the READDIR reached with the daemon's handle"
released "$dirs0"
ok $? "... released in the daemon"
is "$(( $(stat_get a releasedir) - r0 ))" 1 "... by one RELEASEDIR"

for op in fsync:OK:fsyncdir ioctl:ENOTTY:ioctl getflags:ENOTTY:ioctl; do
	IFS=: read -r what want daemon_op <<< "$op"
	expire
	o0=$(stat_get a opendir); c0=$(stat_get a "$daemon_op")
	is "$("$VMTOOL" dirop "$what" "$M/tree/d1")" "$want" "$what on a directory opened in the kernel: $want"
	is "$(( $(stat_get a "$daemon_op") - c0 ))" 1 "... the daemon got its ${daemon_op^^}"
	ok "$(( $(stat_get a opendir) - o0 >= 1 ? 0 : 1 ))" "... after its own OPENDIR"
	released "$dirs0"
	ok $? "... and released it"
done

expire
o0=$(stat_get a opendir); r0=$(stat_get a releasedir)
exec 5< "$M/tree/d2"
exec 6< "$M/tree/d3"
is "$(ctl a detach)" "ok 0" "detach with two directories opened in the kernel"
is "$("$VMTOOL" dirop list 5)" 23 "a handle made before the detach lists the directory from the daemon"
exec 5<&-
exec 6<&-
released "$dirs0"
ok $? "both closed: the daemon holds no handle"
is "$(( $(stat_get a opendir) - o0 )) $(( $(stat_get a releasedir) - r0 ))" "1 1" \
	"one OPENDIR and one RELEASEDIR reached it (the unread directory never did)"
is "$(ctl a attach)" "ok 0" "attach again"

chmod 700 "$M/tree/d1"
expire
stat "$M/tree/d1" > /dev/null
expire
o0=$(stat_get a opendir); p0=$(ext_get opendir perm_refused)
setpriv --reuid 65534 --regid 65534 --clear-groups ls "$M/tree/d1" > /dev/null 2>&1
is "$(( $(ext_get opendir perm_refused) - p0 ))" 1 "uid 65534 without read permission: not opened in the kernel"
is "$(( $(stat_get a opendir) - o0 ))" 1 "... its OPENDIR went to the daemon"
chmod 755 "$M/tree/d1"
released "$dirs0"
ok $? "no directory handle left in the daemon"

# --- extended attributes the daemon refuses by name ------------------------
# ls -l reads security.selinux of every name.  A daemon that answers that
# read by the name alone (Gluster's bridge without --selinux) says so in
# the configuration, and the kernel gets the same answer without it.
CTL=$top_builddir/client/extfusectl
xattr_err() { getfattr --absolute-names -n "$1" "$2" 2>&1 >/dev/null | grep -c 'No such attribute'; }
"$CTL" config absent_selinux=on >/dev/null
ok $? "config: security.selinux absent by name"
expire
ls -l "$M/tree/d2" > /dev/null # the names and their attributes, again
x0=$(stat_get a getxattr_security); h0=$(ext_get getxattr hits)
ls -l "$M/tree/d2" > /dev/null
is "$(( $(stat_get a getxattr_security) - x0 ))" 0 "ls -l: no GETXATTR of security.selinux reaches the daemon"
is "$(( $(ext_get getxattr hits) - h0 ))" $(( $(ls -A "$M/tree/d2" | wc -l) + 1 )) \
	"... the extension answered one for the directory and each of its names"
is "$(xattr_err security.selinux "$M/tree/d2/file1")" 1 "getfattr security.selinux: ENODATA, as the daemon says"
x0=$(stat_get a getxattr)
is "$(xattr_err user.note "$M/tree/d2/file1")" 1 "getfattr user.note: ENODATA ..."
is "$(( $(stat_get a getxattr) - x0 ))" 1 "... from the daemon (another name)"
x0=$(stat_get a getxattr_security)
xattr_err security.capability "$M/tree/d2/file1" > /dev/null
is "$(( $(stat_get a getxattr_security) - x0 ))" 1 "security.capability, not said absent: from the daemon"
"$CTL" config absent_selinux=off >/dev/null
x0=$(stat_get a getxattr_security)
is "$(xattr_err security.selinux "$M/tree/d2/file1")" 1 "absent_selinux off: getfattr security.selinux ENODATA ..."
is "$(( $(stat_get a getxattr_security) - x0 ))" 1 "... from the daemon"

mod=$("$VMTOOL" query | head -1)
diag "module: $mod"
diag "daemon: $(ctl a stats | tr '\n' ' ')"
is "$(mod_get refused)" 0 "no reply refused by the module"
fs_stop a
ok $? "test fs exits cleanly (no violations)"
dmesg_clean
ok $? "no kernel warnings"
tap_done
