#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# performance/extfuse on a real two-node replica-2 cluster: one volume set
# puts the translator into the live client graph; stat/ls through the mount
# fill the maps with exactly what stat(2) returns; changes made through a
# second mount and through libgfapi delete the affected map entries on the
# upcall and the accelerated mount sees them at once; the translator caps
# expiry without cache-invalidation; volume set off removes it.
#
# Needs root, glusterd and /dev/fuse; mounts bpffs if need be.  Without
# the extfuse kernel module (this host) the kernel does not answer from the
# maps, so this tests the daemon side; kernel-served answers are tested in
# the VM.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/cluster/lib.sh"

VOL=gv0

cl_host_setup extfuse-cluster 2 DUMP GFAPI
cl_peer_two 20 || bail "node 2 did not become a peer"
cl_replica_volume $VOL || bail "volume create failed"
# md-cache, upcalls and their 600 s timeouts.
cl_set 1 volume set $VOL group metadata-cache >/dev/null ||
	bail "group metadata-cache failed"
cl_cli 1 volume start $VOL >/dev/null || bail "volume start failed"

cl_mount mntA $VOL || bail "mount A failed"
cl_mount mntB $VOL || bail "mount B failed"
A=$CL_B/mntA
B=$CL_B/mntB
CONN=$(cl_conn mntA)
PINS=/sys/fs/bpf/extfuse/$CONN
LOGA=$CL_B/log-mntA.log
diag "mount A is FUSE connection $CONN"

mkdir "$A/d" && echo hello >"$A/d/f1" && echo world >"$A/d/f2" &&
	echo more >"$A/d/f3" && mkdir "$A/d/sub" || bail "cannot populate"

# dump_counter KEY: a counter of the translator in the last statedump.
dump_counter() {
	cl_extfuse_section "$CL_B/last-dump" | sed -n "s/^$1=//p" | head -n 1
}

graph_has_extfuse() { # MOUNT-NAME
	cl_statedump "$1" "$CL_B/last-dump" &&
		cl_extfuse_section "$CL_B/last-dump" | grep -q .
}

# --- 1. one volume set inserts the translator into the live graph ------
gen0=$(grep -c 'performance/extfuse' \
	"$(cl_gd_dir 1)/glusterd/vols/$VOL/$VOL.tcp-fuse.vol")
is "$gen0" 0 "the client volfile has no extfuse before the option"
cl_set 1 volume set $VOL user.extfuse on >/dev/null
ok $? "volume set $VOL user.extfuse on"
cl_wait 30 grep -q 'type performance/extfuse' \
	"$(cl_gd_dir 1)/glusterd/vols/$VOL/$VOL.tcp-fuse.vol"
ok $? "the hook's regeneration put the translator into the FUSE volfile"
cl_wait 30 grep -q 'type performance/extfuse' \
	"$(cl_gd_dir 2)/glusterd/vols/$VOL/trusted-$VOL.tcp-fuse.vol"
ok $? "and into the trusted FUSE volfile of the other node"
VF=$(cl_gd_dir 1)/glusterd/vols/$VOL/$VOL.tcp-fuse.vol
# vf_option VOLUME-TYPE OPTION: an option of the volume of that type.
vf_option() {
	awk -v t="$1" -v o="$2" '$1 == "volume" { cur = 0 }
		$1 == "type" && $2 == t { cur = 1 }
		cur && $1 == "option" && $2 == o { print $3 }' "$VF"
}
probe_child=$(awk '$1 == "volume" { v = $2 }
	$1 == "type" && $2 == "performance/extfuse-probe" { p = v }
	$1 == "subvolumes" && v == p { print $2 }' "$VF")
dht=$(awk '$1 == "volume" { v = $2 }
	$1 == "type" && $2 == "cluster/distribute" { print v }' "$VF")
[ -n "$dht" ] && [ "$probe_child" = "$dht" ]
ok $? "its probe sits right above the cluster translator ($dht)"
is "$(vf_option performance/extfuse md-cache-timeout)" \
	"$(vf_option performance/md-cache md-cache-timeout)" \
	"the translator has md-cache's own timeout"
# The client switches graphs on its next request.
cl_wait 30 sh -c "ls '$A' >/dev/null && test -d '$PINS'"
ok $? "the live client loaded it and pinned its maps under $PINS"
cl_wait 10 grep -q 'maps of connection '"$CONN"' pinned' "$LOGA"
ok $? "client log reports the maps"
if [ -e /dev/extfuse ]; then
	cl_wait 10 grep -q 'extension attached to FUSE connection' "$LOGA"
	ok $? "client log reports the extension attached"
else
	cl_wait 10 grep -q 'kernel module is not loaded' "$LOGA"
	ok $? "client log warns that the kernel module is missing"
	is "$(grep -c 'kernel module is not loaded' "$LOGA")" 1 \
		"and only once"
fi
graph_has_extfuse mntA
ok $? "statedump of the live graph has the extfuse section"

# The bridge refuses reads of security.selinux (and security.capability)
# by the name alone unless mounted with --selinux (or --capability): the
# configuration says which, so the kernel can give the same answer.
config_line() { "$EXTFUSECTL" config "$1" | grep "^$2 "; }
is "$(config_line "$CONN" absent_selinux) / $(config_line "$CONN" absent_capability)" \
	"absent_selinux on / absent_capability on" \
	"a plain mount: both security names absent by name"
for opt in selinux capability; do
	cl_mount "mnt-$opt" $VOL --$opt || bail "mount with --$opt failed"
	c=$(cl_conn "mnt-$opt")
	cl_wait 30 sh -c "ls '$CL_B/mnt-$opt' >/dev/null &&
		'$EXTFUSECTL' config $c >/dev/null 2>&1"
	got="$(config_line "$c" absent_selinux) / $(config_line "$c" absent_capability)"
	case $opt in
	selinux) want="absent_selinux off / absent_capability off" ;;
	capability) want="absent_selinux on / absent_capability off" ;;
	esac
	is "$got" "$want" "a mount with --$opt: the bridge reads $([ $opt = selinux ] && echo both || echo it) from the volume"
	umount "$CL_B/mnt-$opt" || bail "unmount mnt-$opt"
	cl_wait 20 sh -c "! kill -0 $(cat "$CL_B/mnt-$opt.pid") 2>/dev/null"
done

# --- 2. lookups, stats and listings are mirrored -----------------------
sleep 1.2 # the kernel's 1 s caches expire: requests reach the client
stat "$A/d" "$A/d/f1" "$A/d/f2" "$A/d/f3" "$A/d/sub" >/dev/null
ls -l "$A/d" >/dev/null
for f in d d/f1 d/f2 d/f3 d/sub; do
	out=$("$DUMP" compare "$CONN" "$A" "$f")
	rc=$?
	ok $rc "map attributes of $f equal stat(2) field by field"
	[ $rc = 0 ] || diag "$out"
done
DIR=$("$DUMP" resolve "$CONN" d)
F1=$("$DUMP" resolve "$CONN" d/f1)
F2=$("$DUMP" resolve "$CONN" d/f2)
F3=$("$DUMP" resolve "$CONN" d/f3)
[ -n "$DIR" ] && [ -n "$F1" ] && [ -n "$F2" ] && [ -n "$F3" ]
ok $? "entries root/d and d/f1..f3 are published"
cl_wait 5 "$DUMP" has-dir "$CONN" "$DIR"
ok $? "the listing of d is published"
if [ -x "${EXTFUSECTL:-}" ]; then
	"$EXTFUSECTL" dump "$CONN" >"$CL_B/ctl-dump" 2>&1
	rc=$?
	grep -q f2 "$CL_B/ctl-dump" && [ $rc = 0 ]
	ok $? "extfusectl dump $CONN shows the mirrored names"
fi
stat "$A/d/nothere" >/dev/null 2>&1
"$DUMP" entries "$CONN" | grep -q "^$DIR nothere 0 1\$"
ok $? "a negative entry is published for a missing name"

# --- 3. changes elsewhere: upcalls delete what went stale --------------
# chmod through the second mount: the attributes of f1 go.
sleep 1.2
stat "$A/d/f1" >/dev/null
"$DUMP" has-attr "$CONN" "$F1"
ok $? "f1 has attributes before the remote chmod"
chmod 600 "$B/d/f1"
cl_wait 5 sh -c "! '$DUMP' has-attr '$CONN' '$F1'"
ok $? "the chmod upcall deleted the attributes of f1"
is "$(stat -c %a "$A/d/f1")" 600 "first stat on A after the remote chmod sees 600"

# truncate through libgfapi.
sleep 1.2
stat "$A/d/f2" >/dev/null
"$DUMP" has-attr "$CONN" "$F2"
ok $? "f2 has attributes before the gfapi truncate"
"$GFAPI" 127.1.1.2 $VOL "$CL_B/gfapi.log" truncate /d/f2 1234
ok $? "gfapi truncate"
cl_wait 5 sh -c "! '$DUMP' has-attr '$CONN' '$F2'"
ok $? "the truncate upcall deleted the attributes of f2"
is "$(stat -c %s "$A/d/f2")" 1234 "first stat on A after the gfapi truncate sees the new size"

# rename through the second mount: the old name goes, at once, also
# from the kernel's dentry cache (FUSE_NOTIFY_INVAL_ENTRY).
sleep 1.2
stat "$A/d/f3" >/dev/null
"$DUMP" has-entry "$CONN" "$DIR" f3
ok $? "entry d/f3 published before the remote rename"
mv "$B/d/f3" "$B/d/f3b"
cl_wait 5 sh -c "! '$DUMP' has-entry '$CONN' '$DIR' f3"
ok $? "the rename upcall deleted entry d/f3"
"$DUMP" has-dir "$CONN" "$DIR"
[ $? != 0 ]
ok $? "and the listing of d"
stat "$A/d/f3" >/dev/null 2>&1
[ $? != 0 ]
ok $? "first stat of the old name on A fails at once"
[ "$(stat -c %s "$A/d/f3b" 2>/dev/null)" = 5 ]
ok $? "the new name is there"

# unlink through libgfapi.
sleep 1.2
stat "$A/d/f1" >/dev/null
"$DUMP" has-entry "$CONN" "$DIR" f1
ok $? "entry d/f1 published before the gfapi unlink"
"$GFAPI" 127.1.1.1 $VOL "$CL_B/gfapi.log" unlink /d/f1
ok $? "gfapi unlink"
cl_wait 5 sh -c "! '$DUMP' has-entry '$CONN' '$DIR' f1"
ok $? "the unlink upcall deleted entry d/f1"
stat "$A/d/f1" >/dev/null 2>&1
[ $? != 0 ]
ok $? "first stat of the unlinked name on A fails at once"

# create through libgfapi, where A had looked and found nothing.
sleep 1.2
stat "$A/d/new" >/dev/null 2>&1
stat "$A/d" >/dev/null
"$DUMP" has-attr "$CONN" "$DIR"
ok $? "d has attributes before the gfapi create"
"$GFAPI" 127.1.1.2 $VOL "$CL_B/gfapi.log" create /d/new
ok $? "gfapi create"
cl_wait 5 sh -c "! '$DUMP' has-attr '$CONN' '$DIR'"
ok $? "the create upcall on the parent deleted the attributes of d"
stat "$A/d/new" >/dev/null 2>&1
ok $? "first stat on A after the gfapi create finds the new file"

# --- 3b. expiry counts from the servers' reply, not from md-cache's ----
# md-cache (600 s) answers from what it fetched earlier; a value must still
# expire within the invalidation window of the servers' reply.
# ci_timeout SECONDS: set the volume's window; wait until client A has it.
ci_timeout() {
	cl_set 1 volume set $VOL features.cache-invalidation-timeout "$1" \
		>/dev/null &&
		cl_wait 30 sh -c "ls '$A' >/dev/null; grep -q 'option cache-invalidation-timeout using set value $1' '$LOGA'"
}
ci_timeout 10
ok $? "the client took a 10 s invalidation window"
# At the root: the entry of d may be too old itself by now.
echo aged >"$B/aged"
sleep 1.2
stat "$A/aged" >/dev/null # unknown to A: its lookup reaches the servers
AGED=$("$DUMP" resolve "$CONN" aged)
left0=$("$DUMP" attr-left "$CONN" "$AGED")
[ -n "$left0" ] && [ "$left0" -gt 7000 ] && [ "$left0" -le 10000 ]
ok $? "attributes fetched from the servers expire with the window (${left0:-no} ms left)"
sleep 4
stat "$A/aged" >/dev/null # past the kernel's 1 s: md-cache answers
left1=$("$DUMP" attr-left "$CONN" "$AGED")
[ -n "$left1" ] && [ "$left1" -le $((left0 - 3500)) ]
ok $? "md-cache's later answer does not extend them (${left1:-no} ms left)"
sleep $(((left1 + 1999) / 1000))
stat "$A/aged" >/dev/null # md-cache still answers, but too late
left2=$("$DUMP" attr-left "$CONN" "$AGED")
[ -z "$left2" ] || [ "$left2" -le 0 ]
ok $? "past the window nothing servable is published (${left2:-no} ms left)"
graph_has_extfuse mntA && [ "$(dump_counter too_old_skipped)" -gt 0 ]
ok $? "the statedump counts what was too old to publish ($(dump_counter too_old_skipped))"
ci_timeout 600
ok $? "back to the 600 s window"

# --- 4. statedump counters --------------------------------------------
sleep 2 # the sweeper unpins the nodes whose names went
graph_has_extfuse mntA
ok $? "statedump taken"
for k in published_attrs published_entries published_negatives \
	published_dirs invalidations upcalls kernel_entry_notifications \
	pins unpins; do
	v=$(dump_counter "$k")
	[ -n "$v" ] && [ "$v" -gt 0 ]
	ok $? "statedump counter $k is positive ($v)"
done

v=$(dump_counter errors)
is "$v" 0 "statedump counter errors is 0"
diag "listings published $(dump_counter published_dirs)," \
	"READDIRs at cookies not ours $(dump_counter foreign_dir_cookies)"

# --- 5. options, reconfigured live through user.extfuse.<option> ------
count() { "$DUMP" "$1" "$CONN" | wc -l; }
cl_set 1 volume set $VOL user.extfuse.negative-cache off >/dev/null
ok $? "volume set user.extfuse.negative-cache off"
cl_wait 30 sh -c "ls '$A' >/dev/null; grep -q 'option negative-cache using set value off' '$LOGA'"
ok $? "the client reconfigured negative-cache live"
sleep 1.2
stat "$A/d/absent1" >/dev/null 2>&1
"$DUMP" entries "$CONN" | grep -q "^$DIR absent1 "
[ $? != 0 ]
ok $? "no negative entry is published with negative-cache off"
cl_set 1 volume set $VOL user.extfuse.enable off >/dev/null
cl_wait 30 sh -c "ls '$A' >/dev/null; [ \$('$DUMP' attrs '$CONN' | wc -l) = 0 ]"
ok $? "enable off empties the maps"
sleep 1.2
stat "$A/d" "$A/d/f2" >/dev/null
is "$(count attrs)" 0 "and nothing is published while disabled"
cl_set 1 volume set $VOL user.extfuse.enable on >/dev/null
cl_wait 30 sh -c "ls '$A' >/dev/null; grep -q 'option enable using set value on' '$LOGA'"
sleep 1.2
stat "$A/d/f2" >/dev/null
[ "$(count attrs)" -gt 0 ]
ok $? "enable on publishes again"

# --- 6. a graph switch (readdir-ahead joins the graph) -----------------
# The new graph's translator takes the maps over when it starts; the
# bridge moves to that graph only once its clients are up, which can be
# seconds later on a loaded host, and until then the old graph (which
# publishes nothing any more) answers.
n0=$(grep -c 'switched to graph' "$LOGA")
cl_set 1 volume set $VOL performance.readdir-ahead on >/dev/null
ok $? "volume set performance.readdir-ahead on"
cl_wait 30 sh -c "ls '$A' >/dev/null; grep -q 'taking over the maps of connection $CONN' '$LOGA' &&
	[ \$(grep -c 'switched to graph' '$LOGA') -gt $n0 ]"
ok $? "the new graph's translator took the maps over, the bridge switched"
sleep 1.2
stat "$A/d" "$A/d/f2" >/dev/null
ls -l "$A/d" >/dev/null
cl_wait 5 "$DUMP" has-dir "$CONN" "$("$DUMP" resolve "$CONN" d)"
ok $? "listings read through readdir-ahead are published"
out=$("$DUMP" compare "$CONN" "$A" d/f2)
rc=$?
ok $rc "and attributes still equal stat(2) after the switch"
[ $rc = 0 ] || diag "$out"
if graph_has_extfuse mntA; then
	diag "with readdir-ahead: listings published" \
		"$(dump_counter published_dirs), READDIRs at cookies not" \
		"ours $(dump_counter foreign_dir_cookies)"
fi
DIR=$("$DUMP" resolve "$CONN" d)

# --- 7. without cache-invalidation the expiry is capped ---------------
cl_set 1 volume set $VOL features.cache-invalidation off >/dev/null
ok $? "volume set features.cache-invalidation off"
cl_wait 30 sh -c "ls '$A' >/dev/null; grep -q 'features.cache-invalidation is off' '$LOGA'"
ok $? "the client logs that it caps expiry at md-cache-timeout"
cl_set 1 volume set $VOL features.cache-invalidation on >/dev/null

# --- 8. volume set off removes it -------------------------------------
cl_set 1 volume set $VOL user.extfuse off >/dev/null
ok $? "volume set $VOL user.extfuse off"
cl_wait 30 sh -c "! grep -q 'type performance/extfuse' \
	'$(cl_gd_dir 1)/glusterd/vols/$VOL/$VOL.tcp-fuse.vol'"
ok $? "the translator left the FUSE volfile"
cl_wait 30 sh -c "ls '$A' >/dev/null; ! test -d '$PINS'"
ok $? "the client removed its maps"
! graph_has_extfuse mntA
ok $? "the live graph no longer has the translator"
stat "$A/d/f2" >/dev/null
ok $? "the mount keeps working"

# --- 9. no CRITICAL line, pins gone at unmount ------------------------
cl_set 1 volume set $VOL user.extfuse on >/dev/null
cl_wait 30 sh -c "ls '$A' >/dev/null && test -d '$PINS'"
ok $? "enabled again"
umount "$A"
cl_wait 20 sh -c "! kill -0 $(cat "$CL_B/mntA.pid") 2>/dev/null"
ok $? "client A exited on unmount"
test ! -e "$PINS"
ok $? "its pins are gone"
crit=$(cat "$LOGA" "$CL_B/log-mntB.log" | grep -c '\] C \[')
is "$crit" 0 "client logs have no CRITICAL line"
errs=$(cat "$LOGA" "$CL_B/log-mntB.log" | grep '\] E \[' | grep -c extfuse)
is "$errs" 0 "client logs have no error from extfuse"

tap_done
