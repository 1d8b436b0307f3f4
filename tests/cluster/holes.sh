#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Coherence holes, one section each, on a two-node replica-2 cluster (and a
# 2x2 distribute-replicate volume for distributed volumes) with
# the metadata-cache group (600 s windows): after each event, what the
# extension would answer the kernel (efx-ask, through BPF_PROG_TEST_RUN)
# must never be older than what stock Gluster returns.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/cluster/lib.sh"

VOL=gv0

cl_host_setup extfuse-holes 2 DUMP ASK EXTFUSECTL GFAPI
cl_two_clients $VOL replica
diag "mount A is FUSE connection $CONN"

resolve() { "$DUMP" resolve "$CONN" "$1"; }

# served_mode NODEID: the mode the kernel would be served, or "-".
served_mode() {
	local out
	out=$("$ASK" getattr "$CONN" "$1") || { echo -; return; }
	echo "$out" | sed -n 's/^mode=[0-7]*\([0-7][0-7][0-7]\) .*/\1/p'
}

# --- 1. a brick restart: registrations and upcalls are lost -----------
echo data >"$B/f" && chmod 644 "$B/f" || bail "cannot create f"
sleep 1.2
stat "$A/f" >/dev/null
F=$("$DUMP" resolve "$CONN" f)
is "$(served_mode "$F")" 644 "before the restart the kernel would be served f's 644"
connected() { grep -c 'Connected, attached' "$CL_B/log-mntA.log"; }
before=$(connected)
# md-cache counts its cache's age against the last child-down in whole
# seconds: a value fetched in the second of the kill would still count.
sleep 1.1
B1="127.1.1.1:$(cl_gd_dir 1)/bricks/b"
B2="127.1.1.2:$(cl_gd_dir 2)/bricks/b"
cl_kill_brick $VOL "$B1" && cl_kill_brick $VOL "$B2" &&
	cl_start_force $VOL 60 "$B1" "$B2"
ok $? "both bricks killed and started again"
cl_wait 60 sh -c "[ \$(grep -c 'Connected, attached' '$CL_B/log-mntA.log') -ge $((before + 2)) ]"
ok $? "client A reconnected to both bricks"
chmod 600 "$B/f"
sleep 2
mode=$(served_mode "$F")
[ "$mode" != 644 ]
ok $? "after the restart and a remote chmod, 644 is not served (served: $mode)"
# What the client process itself answers is md-cache's business.
diag "stat on A answers $(stat -c %a "$A/f")"

# --- 1b. one brick restarted: md-cache answers from before it comes back -
# A child going down makes md-cache drop what it held, but what it fetched
# from the other brick meanwhile it keeps after the brick comes back, for
# its whole timeout, while the probe refuses everything from before.  A
# LOOKUP it answers so is made again past it: the next one is served.
echo data >"$B/g" && chmod 644 "$B/g" || bail "cannot create g"
sleep 1.2
stat "$A/g" >/dev/null
G=$(resolve g)
before=$(connected)
sleep 1.1 # md-cache's child-down time is in whole seconds
cl_kill_brick $VOL "$B1" || bail "cannot kill $B1"
sleep 1.2
stat "$A/g" >/dev/null # md-cache fetches it again, from the other brick
cl_start_force $VOL 60 "$B1"
ok $? "one brick killed and started again"
cl_wait 60 sh -c "[ \$(grep -c 'Connected, attached' '$CL_B/log-mntA.log') -ge $((before + 1)) ]"
ok $? "client A reconnected to it"
sleep 1.2
stat "$A/g" >/dev/null # md-cache answers with what it fetched meanwhile
is "$(served_mode "$G")" 644 "a LOOKUP md-cache answers from before the brick came back is published again"
cl_statedump mntA "$CL_B/dump-1b" &&
	cl_extfuse_section "$CL_B/dump-1b" | grep -qx 'looked_up_past_md_cache=[1-9][0-9]*'
ok $? "... looked up again past md-cache (statedump)"

# --- 2. versions never restart: a failed rmdir releases the directory --
mkdir "$B/r" || bail "mkdir r" # unknown to A: its lookup reaches the servers
sleep 1.2
stat "$A/r" >/dev/null
stat "$A/r/x" >/dev/null 2>&1
R=$("$DUMP" resolve "$CONN" r)
is "$("$ASK" lookup "$CONN" "$R" x)" ENOENT "a negative entry r/x would be served"
echo new >"$B/r/x" # the upcall on r retires the negative entry
sleep 1
rmdir "$A/r" 2>/dev/null
[ $? != 0 ]
ok $? "rmdir of the non-empty r fails"
sleep 3 # the sweeper releases r, whose name went with the rmdir
stat "$A/r" >/dev/null # its attributes are published again
out=$("$ASK" lookup "$CONN" "$R" x)
[ "$out" != ENOENT ]
ok $? "the retired negative entry r/x is not served again (served: ${out:-nothing})"
is "$(cat "$A/r/x" 2>/dev/null)" new "A reads r/x"

# --- 7. pins never outlive their names ---------------------------------
# counter NAME: a counter of the translator in a fresh statedump of A.
counter() {
	cl_statedump mntA "$CL_B/dump" &&
		cl_extfuse_section "$CL_B/dump" | sed -n "s/^$1=//p" | head -n 1
}
mkdir "$A/p" || bail "mkdir p"
held0=$(($(counter pins) - $(counter unpins)))
for i in $(seq 40); do
	echo "$i" >"$A/p/tmp"
	# Evict the kernel's dentries: each name is looked up, so published.
	echo 2 >/proc/sys/vm/drop_caches
	stat "$A/p/tmp" "$A/p/target" >/dev/null 2>&1
	mv "$A/p/tmp" "$A/p/target"
done
sleep 3 # the sweeper unpins what lost its names
held=$(($(counter pins) - $(counter unpins)))
[ "$held" -le $((held0 + 4)) ]
ok $? "create/rename-over loop: pins - unpins stays bounded ($held0 -> $held)"

# --- 10. invalidations are sent again -------------------------------
# A LOOKUP answered from the old state (by the extension, or by the daemon
# wound before the upcall) may install its dentry after the kernel was
# told to drop it; every upcall's invalidation is therefore sent again
# 100 ms and 1 s later.
echo x >"$B/rc" || bail "cannot create rc"
sleep 1.2
stat "$A/rc" >/dev/null # registers A for rc's upcalls
sleep 1.2 # whatever earlier sections queued has been sent
re0=$(counter kernel_rechecks)
[ -n "$re0" ]
ok $? "the statedump counts invalidations sent again (${re0:-missing})"
chmod 600 "$B/rc"
sleep 0.5
re1=$(counter kernel_rechecks)
[ -n "$re1" ] && [ "$re1" -gt "${re0:-0}" ]
ok $? "a remote chmod's invalidation is sent again after 100 ms ($re0 -> $re1)"
sleep 1.5
re2=$(counter kernel_rechecks)
[ -n "$re2" ] && [ "$re2" -gt "${re1:-0}" ]
ok $? "and again after 1 s ($re1 -> $re2)"
rm "$B/rc"
sleep 2
re3=$(counter kernel_rechecks)
[ -n "$re3" ] && [ "$re3" -ge $((${re2:-0} + 2)) ]
ok $? "a remote rm's invalidations are sent again twice ($re2 -> $re3)"
is "$(counter recheck_overflows)" 0 "no recheck queue overflow"
is "$(counter errors)" 0 "no errors"

# --- 3. a rename or link into a directory --------------------------------
# The servers report a rename to the clients registered on the moved
# inode; A knows only the new parent (a missing name, a listing).
gfapi() { "$GFAPI" 127.1.1.1 $VOL "$CL_B/gfapi.log" "$@"; }
# negative_entry DIR NAME: A lists DIR and looks the missing NAME up, so
# that the extension would answer ENOENT for it.  Sets NODE to DIR's node.
negative_entry() {
	sleep 1.2
	ls "$A/$1" >/dev/null
	stat "$A/$1/$2" >/dev/null 2>&1
	NODE=$(resolve "$1")
	is "$("$ASK" lookup "$CONN" "$NODE" "$2")" ENOENT \
		"a negative entry $1/$2 would be served"
}
# appeared DIR NAME CHANGE: once another client's CHANGE made DIR/NAME
# exist, the extension no longer answers ENOENT for it (NODE is DIR's).
appeared() {
	local out
	sleep 1 # upcall latency, generously
	out=$("$ASK" lookup "$CONN" "$NODE" "$2")
	[ "$out" != ENOENT ]
	ok $? "after $3, $1/$2 is not answered ENOENT (answered: ${out:-nothing})"
}
mkdir "$B/src3" "$B/dst3" && echo x >"$B/src3/x" && echo y >"$B/src3/y" ||
	bail "cannot populate src3"
negative_entry dst3 x
D3=$NODE
"$DUMP" has-dir "$CONN" "$D3"
ok $? "a listing of dst3 is published"
gfapi rename /src3/x /dst3/x
ok $? "another client (gfapi) renames src3/x into dst3"
appeared dst3 x "the rename into dst3"
is "$(cat "$A/dst3/x" 2>/dev/null)" x "A reads dst3/x"
negative_entry dst3 y
gfapi link /src3/y /dst3/y
ok $? "another client (gfapi) links src3/y into dst3"
appeared dst3 y "the link into dst3"
# An unlink of a name A only ever saw in a listing: Gluster reports it to
# the directory's clients (no help needed, but it must stay so).
echo z >"$B/dst3/z" || bail "cannot create dst3/z"
sleep 1.2
ls "$A/dst3" >/dev/null
"$DUMP" has-dir "$CONN" "$D3"
ok $? "a listing of dst3 with z is published"
gfapi unlink /dst3/z
ok $? "another client (gfapi) unlinks dst3/z"
sleep 1
! "$DUMP" has-dir "$CONN" "$D3"
ok $? "after the unlink, the listing of dst3 is dropped"
grep -q 'type performance/extfuse-notify$' \
	"$(cl_gd_dir 1)/glusterd/vols/$VOL/$VOL.127.1.1.1."*.vol
ok $? "the bricks' volfiles have performance/extfuse-notify"

# --- 12. a directory without its gfid handle ------------------------------
# Gluster's posix drops a directory's gfid handle before renaming it and
# restores it only when the rename succeeds, so a failed rename leaves the
# directory without one; the notifier's report of a rename into it must
# still go out.
brick_handle() { # PATH: brick 1's gfid handle of PATH is there
	local b g u
	b=$(cl_gd_dir 1)/bricks/b
	g=$(getfattr -n trusted.gfid -e hex "$b/$1" 2>/dev/null |
		sed -n 's/^trusted.gfid=0x//p')
	u=$(echo "$g" | sed -E 's/(.{8})(.{4})(.{4})(.{4})(.{12})/\1-\2-\3-\4-\5/')
	[ -n "$g" ] && [ -L "$b/.glusterfs/${g:0:2}/${g:2:2}/$u" ]
}
mkdir -p "$B/h12/in" "$B/full12/f" "$B/src12" && echo x >"$B/src12/x" ||
	bail "cannot populate h12"
! gfapi rename /h12 /full12 2>/dev/null
ok $? "another client's rename of h12 over the non-empty full12 fails"
! brick_handle h12
ok $? "h12 has no gfid handle on the brick any more (Gluster's behaviour)"
negative_entry h12 x
gfapi rename /src12/x /h12/x
ok $? "another client (gfapi) renames src12/x into h12"
appeared h12 x "the rename into h12"
is "$(cat "$A/h12/x" 2>/dev/null)" x "A reads h12/x"

# --- 13. a rename over a name ----------------------------------------------
# Another client renames over a name A looked up.  Gluster reports it to
# the clients of the moved inode and of the directories, not to those of
# the replaced inode, which A's inode table still finds under the name, so
# md-cache answers A's next LOOKUP of it with the replaced inode.  That
# answer must not be published again.
mkdir "$B/dst13" "$B/src13" "$B/oth13" && echo x >"$B/dst13/c" &&
	ln "$B/dst13/c" "$B/oth13/c" && echo yy >"$B/src13/d" ||
	bail "cannot populate dst13"
sleep 1.2
stat "$A/dst13/c" "$A/oth13/c" >/dev/null
N13=$(resolve dst13)
OLD13=$(resolve dst13/c)
out=$("$ASK" lookup "$CONN" "$N13" c)
is "${out%% *}" "nodeid=$OLD13" "dst13/c would be answered with its inode"
gfapi rename /src13/d /dst13/c
ok $? "another client (gfapi) renames src13/d over dst13/c"
sleep 1.2 # upcall latency, and the kernel's own dentry timeout
stat "$A/dst13/c" >/dev/null
diag "A's client answers dst13/c with size $(stat -c %s "$A/dst13/c") (3 is right)"
out=$("$ASK" lookup "$CONN" "$N13" c)
[ "${out%% *}" != "nodeid=$OLD13" ]
ok $? "after it and A's lookup, the replaced inode is not answered for dst13/c (answered: ${out:-nothing})"

# --- 15. a name moved away while its inode lives on ------------------------
# Another client renames f away (to g) and makes a directory f.  A still
# holds the old inode (an open file here; a kernel-served lookup or a pin
# does the same), so A's inode table keeps linking it under f, and once
# md-cache holds its attributes again (A used it, and looked it up as g),
# md-cache answers A's LOOKUP of f with it: the old file, for as long as
# it lives.  A must see the directory, and the extension must not answer
# f with the old inode.
mkdir "$B/dst15" && echo data >"$B/dst15/f" || bail "cannot populate dst15"
sleep 1.2
exec 7<"$A/dst15/f" || bail "cannot open dst15/f on A"
N15=$(resolve dst15)
OLD15=$(resolve dst15/f)
gfapi rename /dst15/f /dst15/g && gfapi mkdir /dst15/f
ok $? "another client (gfapi) renames dst15/f to g and makes a directory f"
sleep 1 # upcall latency, generously
stat -L /dev/fd/7 "$A/dst15/g" >/dev/null
is "$(stat -c %F "$A/dst15/f" 2>&1)" directory "A sees the directory dst15/f"
out=$("$ASK" lookup "$CONN" "$N15" f)
[ "${out%% *}" != "nodeid=$OLD15" ]
ok $? "the old inode is not answered for dst15/f (answered: ${out:-nothing})"
exec 7<&-

# --- 16. a rename over one of two names ----------------------------------
# Another client renames over one name of an inode that has two: the inode
# lives on under the other with one link less.  Gluster reports the rename
# to the clients of the moved inode and of the directories, never to those
# of the replaced one; the bricks' notifier reports it.
mkdir "$B/dst16" "$B/src16" "$B/oth16" && echo x >"$B/dst16/c" &&
	ln "$B/dst16/c" "$B/oth16/c" && echo yy >"$B/src16/d" ||
	bail "cannot populate dst16"
sleep 1.2
stat "$A/dst16/c" "$A/oth16/c" >/dev/null
N16=$(resolve oth16/c)
served_nlink() { "$ASK" getattr "$CONN" "$1" | sed -n 's/.* nlink=\([0-9]*\).*/\1/p'; }
is "$(served_nlink "$N16")" 2 "before the rename, oth16/c would be served with 2 links"
gfapi rename /src16/d /dst16/c
ok $? "another client (gfapi) renames src16/d over dst16/c"
sleep 1 # upcall latency, generously
n=$(served_nlink "$N16")
[ "$n" != 2 ]
ok $? "after it, 2 links are not served for oth16/c (served: ${n:-nothing})"
is "$(stat -c %h "$A/oth16/c")" 1 "A sees oth16/c with 1 link"

# --- 14. an ACL set by another client --------------------------------------
# Setting an access ACL changes the mode; Gluster's upcall translator
# reports the xattr only to clients that asked for it, and the mode never.
# The bricks' notifier reports it as a change of the inode.
echo x >"$B/acl14" && chmod 751 "$B/acl14" || bail "cannot create acl14"
sleep 1.2
stat "$A/acl14" >/dev/null
N14=$(resolve acl14)
is "$(served_mode "$N14")" 751 "before the ACL, the kernel would be served acl14's 751"
gfapi acl /acl14 722
ok $? "another client (gfapi) sets an access ACL on acl14 (mode 722)"
sleep 1 # upcall latency, generously
mode=$(served_mode "$N14")
[ "$mode" != 751 ]
ok $? "after the ACL, 751 is not served (served: $mode)"
diag "A's client answers acl14 with $(stat -c %a "$A/acl14") (722 is right)"

# --- 6. a reply that crosses a local change --------------------------------
# A STAT wound before a SETATTR carries the stamp read then; once the
# SETATTR's reply has come back, that stamp must not be current any more,
# whatever order the replies arrive in.
mkdir -m 755 "$B/s6" || bail "mkdir s6"
sleep 1.2
stat "$A/s6" >/dev/null
stat "$A/s6/x" >/dev/null 2>&1
S6=$(resolve s6)
is "$("$ASK" lookup "$CONN" "$S6" x 1000)" ENOENT "uid 1000 may search s6 (755): its missing x would be answered"
st0=$("$DUMP" stamp "$CONN" "$S6")
chmod 700 "$A/s6"
st1=$("$DUMP" stamp "$CONN" "$S6")
[ -n "$st0" ] && [ "$st0" != "$st1" ]
ok $? "a reply stamped before chmod 700 is no longer current after it returns ($st0 -> $st1)"
out=$("$ASK" lookup "$CONN" "$S6" x 1000)
[ $? = 1 ]
ok $? "after chmod 700, uid 1000 is refused in the kernel at once (answered: ${out:-nothing})"
is "$(served_mode "$S6")" 700 "the chmod's own reply is published (700)"

# --- 9. long kernel timeouts: negative lookups still answered ------------
# With 600 s kernel timeouts a directory the kernel learnt from a listing
# is never looked up again, so its attributes must come from elsewhere.
cl_mount mnt9 $VOL --entry-timeout=600 --attribute-timeout=600 ||
	bail "mount with 600 s timeouts failed"
A9=$CL_B/mnt9
CONN9=$(cl_conn mnt9)
cl_wait 30 sh -c "ls '$A9' >/dev/null && test -e /sys/fs/bpf/extfuse/$CONN9/prog" ||
	bail "the 600 s mount did not pin its maps"
mkdir "$B/n9" && echo f >"$B/n9/f" || bail "cannot populate n9"
sleep 1.2
ls -l "$A9" >/dev/null # n9 comes from READDIRPLUS, with a 600 s dentry
for pass in 1 2; do
	stat "$A9/n9/missing" >/dev/null 2>&1
done
N9=$("$DUMP" entries "$CONN9" | awk '$2 == "missing" { print $1; exit }')
[ -n "$N9" ]
ok $? "the 600 s mount published the negative entry n9/missing (parent ${N9:-none})"
out=$("$ASK" lookup "$CONN9" "${N9:-0}" missing)
is "$out" ENOENT "its kernel would answer n9/missing ENOENT itself"
t0=$(date +%s%N)
for i in $(seq 200); do stat "$A9/n9/missing" >/dev/null 2>&1; done
diag "200 negative lookups on the 600 s mount: $((($(date +%s%N) - t0) / 200000)) us each (daemon-served on this host)"
umount "$A9"

# --- graph switch: warm stats answered in the kernel again -----------------
mkdir "$B/gs" && for i in $(seq 10); do echo "$i" >"$B/gs/f$i"; done ||
	bail "cannot populate gs"
gs_files() { for i in $(seq 10); do echo "$A/gs/f$i"; done; }
sleep 1.2
# By name, not by a glob: a listing would bring the names to the kernel
# without a LOOKUP.
gs_files | xargs stat >/dev/null
# served_count: how many of gs/f1..f10 the kernel would be served.
served_count() {
	local i n=0 f
	for i in $(seq 10); do
		f=$(resolve "gs/f$i") || continue
		[ "$(served_mode "$f")" != - ] && n=$((n + 1))
	done
	echo $n
}
is "$(served_count)" 10 "before the graph switch, all 10 stats would be answered in the kernel"
n0=$(grep -c 'taking over the maps' "$CL_B/log-mntA.log")
cl_set 1 volume set $VOL performance.readdir-ahead on >/dev/null
ok $? "volume set performance.readdir-ahead on (a graph switch)"
cl_wait 30 sh -c "ls '$A' >/dev/null; [ \$(grep -c 'taking over the maps' '$CL_B/log-mntA.log') -gt $n0 ]"
ok $? "client A switched graphs and took over the maps"
# The glusterd hook may regenerate the volfiles once more: wait until no
# graph switch came for 3 s.
switches() { grep -c 'switched to graph' "$CL_B/log-mntA.log"; }
end=$(($(date +%s) + 30))
while :; do
	k=$(switches)
	ls "$A" >/dev/null
	sleep 3
	[ "$(switches)" = "$k" ] || [ "$(date +%s)" -ge "$end" ] && break
done
diag "client A ran $(switches) graphs"
for pass in 1 2; do
	sleep 1.2 # the kernel's own 1 s caches expire: every stat asks
	gs_files | xargs stat >/dev/null
done
n=$(served_count)
is "$n" 10 "after a graph switch and two warm passes, all 10 stats would be answered in the kernel"
cl_set 1 volume set $VOL performance.readdir-ahead off >/dev/null

# --- 8. an option that changes nothing served flushes nothing ----------
epoch() { "$EXTFUSECTL" config "$CONN" | sed -n "s/^epoch *//p"; }
volfile_changes() { grep -c 'Volume file changed' "$CL_B/log-mntA.log"; }
echo g >"$B/g" && chmod 640 "$B/g" || bail "cannot create g"
sleep 1.2
stat "$A/g" >/dev/null # unknown to A: its lookup reaches the servers
G=$(resolve g)
is "$(served_mode "$G")" 640 "g's attributes would be served"
e0=$(epoch)
v0=$(volfile_changes)
cl_set 1 volume set $VOL diagnostics.client-log-level WARNING >/dev/null
ok $? "volume set diagnostics.client-log-level WARNING"
cl_wait 30 sh -c "[ \$(grep -c 'Volume file changed' '$CL_B/log-mntA.log') -gt $v0 ]"
ok $? "client A fetched the new volfile"
sleep 3 # the hook's regeneration, if any, and the client's reconfiguration
e1=$(epoch)
[ -n "$e0" ] && [ "$e0" = "$e1" ]
ok $? "the epoch did not move ($e0 -> $e1)"
is "$(served_mode "$G")" 640 "g's attributes would still be served"

# --- 5. cache invalidation off: nothing stock Gluster would not cache ---
cl_set 1 volume set $VOL features.cache-invalidation off >/dev/null &&
	cl_set 1 volume set $VOL performance.cache-invalidation off >/dev/null
ok $? "cache invalidation off on the servers and in md-cache"
cl_wait 30 sh -c "ls '$A' >/dev/null; grep -q 'live at most 60 s' '$CL_B/log-mntA.log'"
ok $? "client A took it: values live at most md-cache's 60 s"
mkdir -p "$B/q" && echo q >"$B/q/here" || bail "cannot populate q"
sleep 1.2
stat "$A/q/here" >/dev/null
stat "$A/q/missing" >/dev/null 2>&1
ls "$A/q" >/dev/null
Q=$(resolve q)
out=$("$ASK" lookup "$CONN" "$Q" missing)
[ $? = 1 ]
ok $? "a missing name is not answered in the kernel (answered: ${out:-nothing})"
! "$DUMP" has-dir "$CONN" "$Q"
ok $? "no listing of q is published"
HERE=$(resolve q/here)
left=$("$DUMP" attr-left "$CONN" "$HERE")
[ -n "$left" ] && [ "$left" -le 60000 ]
ok $? "attributes live at most 60 s (${left:-no} ms left)"
cl_set 1 volume set $VOL features.cache-invalidation on >/dev/null &&
	cl_set 1 volume set $VOL performance.cache-invalidation on >/dev/null

# --- 4. distributed volumes: a registration covers what it reached ------
# A 2x2 distribute-replicate volume with 6 s windows (5 s served): a
# directory lives on both subvolumes, a name in it on one.  A CREATE renews
# the directory's registration on one subvolume only, so a missing name
# hashed to the other must not be served past the lookup that registered
# the directory everywhere.
DV=gv4
cl_distrep_volume $DV && cl_set 1 volume set $DV group metadata-cache >/dev/null &&
	cl_set 1 volume set $DV features.cache-invalidation-timeout 6 >/dev/null &&
	cl_set 1 volume set $DV performance.md-cache-timeout 6 >/dev/null &&
	cl_cli 1 volume start $DV >/dev/null &&
	cl_set 1 volume set $DV user.extfuse on >/dev/null ||
	bail "distribute-replicate volume $DV"
cl_mount mntC $DV && cl_mount mntD $DV || bail "mounts of $DV"
C=$CL_B/mntC
D=$CL_B/mntD
CONNC=$(cl_conn mntC)
cl_wait 30 sh -c "ls '$C' >/dev/null && test -d /sys/fs/bpf/extfuse/$CONNC" ||
	bail "client C did not pin its maps"
mkdir "$D/d" && touch $(seq -f "$D/d/n%g" 16) || bail "cannot populate d"
brick_path() { cl_brick 1 $DV "$1" | cut -d: -f2-; }
# subvolume N's names: on its brick of node 1
names_on() { ls "$(brick_path "$1")/d" | grep '^n' | head -n 1; }
NAME1=$(names_on 1)
NAME2=$(names_on 2)
[ -n "$NAME1" ] && [ -n "$NAME2" ] || bail "no names on both subvolumes"
rm -f "$D"/d/n*
diag "$NAME1 hashes to subvolume 1, $NAME2 to subvolume 2"
sleep 1.2
stat "$C/d" >/dev/null # unknown to C: the lookup registers d everywhere
t0=$(date +%s.%N)
stat "$C/d/$NAME2" >/dev/null 2>&1
DD=$("$DUMP" resolve "$CONNC" d)
is "$("$ASK" lookup "$CONNC" "$DD" "$NAME2")" ENOENT \
	"after a lookup of d, its missing names are answered in the kernel"
sleep 4
touch "$C/d/$NAME1" # registers d again on subvolume 1 only
stat "$C/d/$NAME2" >/dev/null 2>&1
diag "right after: $NAME2 answered ${out:-$("$ASK" lookup "$CONNC" "$DD" "$NAME2")}"
# Subvolume 2 forgets C's registration 6 s after the lookup (whole seconds).
sleep "$(echo "$t0 + 7.2 - $(date +%s.%N)" | bc)"
echo new >"$D/d/$NAME2"
sleep 0.5
out=$("$ASK" lookup "$CONNC" "$DD" "$NAME2")
[ "$out" != ENOENT ]
ok $? "a name created on the subvolume the CREATE missed is not answered missing (answered: ${out:-nothing})"
is "$(cat "$C/d/$NAME2" 2>/dev/null)" new "C reads the new name"

# --- 11. a start right after user.extfuse on: the bricks have the notifier
# A brick keeps the graph it started with, and the regeneration that puts
# the notifier into the brick volfiles runs after the option's transaction,
# so a start may come first.  That window is made to last: the brick
# volfiles written before the option are put back once it is on.
NV=gvn
nv_volfiles() { echo "$(cl_gd_dir "$1")/glusterd/vols/$NV/$NV".127.1.1.*.vol; }
notifier_in() { grep -q 'type performance/extfuse-notify$' "$@"; }
# Every brick volfile of both nodes has the notifier (each node's hook
# regenerates its own, in its own time).
nv_regenerated() {
	local f
	for f in $(nv_volfiles 1) $(nv_volfiles 2); do
		notifier_in "$f" || return 1
	done
}
cl_set 1 volume create $NV replica 2 "$(cl_brick 1 $NV 1)" \
	"$(cl_brick 2 $NV 1)" force >/dev/null || bail "create $NV"
mkdir -p "$CL_B/nv1" "$CL_B/nv2"
cp $(nv_volfiles 1) "$CL_B/nv1/" && cp $(nv_volfiles 2) "$CL_B/nv2/" &&
	cl_set 1 volume set $NV user.extfuse on >/dev/null &&
	cl_wait 30 nv_regenerated &&
	cp "$CL_B"/nv1/* "$(cl_gd_dir 1)/glusterd/vols/$NV/" &&
	cp "$CL_B"/nv2/* "$(cl_gd_dir 2)/glusterd/vols/$NV/" &&
	! notifier_in $(nv_volfiles 1) $(nv_volfiles 2)
ok $? "$NV: user.extfuse on, brick volfiles as before the regeneration"
cl_set 1 volume start $NV >/dev/null
ok $? "$NV: started"
cl_wait 20 sh -c "grep -q 'Final graph' $(cl_gd_dir 1)/log/bricks/*-$NV-1.log && grep -q 'Final graph' $(cl_gd_dir 2)/log/bricks/*-$NV-1.log"
notifier_in "$(cl_gd_dir 1)"/log/bricks/*-$NV-1.log &&
	notifier_in "$(cl_gd_dir 2)"/log/bricks/*-$NV-1.log
ok $? "$NV: both bricks started with performance/extfuse-notify in their graph"
cl_set 1 volume stop $NV force >/dev/null

tap_done
