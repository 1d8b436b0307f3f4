#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest (see vm-gluster.test): performance/extfuse with the real kernel
# module.  Two glusterds, replica 2 on ramdisks, two FUSE mounts; after one
# volume set the kernel answers stat(2) from the maps with the daemon's own
# attributes; changes made through the other mount are seen at once; the
# FUSE lookup counts stay balanced (no CRITICAL line) through unmount.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/cluster/lib.sh"

DUMP=$top_builddir/tests/cluster/efx-dump
VOL=gv0
CL_B=$(mktemp -d /tmp/extfuse-gluster.XXXXXX) || bail "mktemp"
cl_snapshot_system
trap 'cl_teardown; grep -q "^extfuse " /proc/modules && rmmod extfuse' EXIT
export LD_LIBRARY_PATH=$top_builddir/client/.libs

cl_guest_cluster 262144 || bail "no cluster (the guest's stderr says why)"
cl_replica_volume $VOL || bail "volume create"
cl_set 1 volume set $VOL group metadata-cache >/dev/null || bail "group"
cl_set 1 volume start $VOL >/dev/null || bail "volume start"
cl_mount mntA $VOL || bail "mount A"
cl_mount mntB $VOL || bail "mount B"
A=$CL_B/mntA
B=$CL_B/mntB
CONN=$(cl_conn mntA)
LOGA=$CL_B/log-mntA.log

# Each graph's two client translators connect on their own, and one that
# connects after the bridge moved to its graph is a subvolume event, which
# drops everything cached (design.md, Subvolume events): measure only
# once every graph the bridge has switched to has both bricks connected.
bricks_connected() {
	[ "$(grep -c 'Connected, attached to remote volume' "$LOGA")" -ge \
		$((2 * $(grep -c 'switched to graph' "$LOGA"))) ]
}

# xlator_counters MOUNT-NAME: the translator's statedump section.
xlator_counters() {
	local pid dump
	pid=$(cat "$CL_B/$1.pid") && kill -USR1 "$pid" && sleep 2
	dump=$(ls -t /var/run/gluster/glusterdump."$pid".dump.* 2>/dev/null |
		head -n 1)
	[ -n "$dump" ] && cl_extfuse_section "$dump"
}

# Another FUSE file system mounted over A before the translator attaches
# (anyone who may write to the volume's root could): it must not get A's
# extension.  Requests reach A's client through a directory opened before.
exec 7<"$A"
mkfifo "$CL_B/top.ctl"
"$top_builddir/tests/fs/extfuse-testfs" "$A" --ctl "$CL_B/top.ctl" \
	--no-extfuse 2>"$CL_B/top.err" &
TOPPID=$!
cl_wait 20 sh -c "[ \"\$(mountpoint -d '$A' | cut -d: -f2)\" != '$CONN' ]"
ok $? "a test file system is mounted over A"
TOPCONN=$(mountpoint -d "$A" | cut -d: -f2)

cl_set 1 volume set $VOL user.extfuse on >/dev/null
ok $? "volume set $VOL user.extfuse on"
cl_wait 60 sh -c "ls /proc/self/fd/7/ >/dev/null; grep -q 'extension attached to FUSE connection' '$LOGA'"
# attached_line CONN: the module's line of that connection.
attached_line() { "$top_builddir/tests/vm/vmtool" query | awk -v c="$1" '$2 == c'; }
attach_logged() { grep -c -E "extension attached to FUSE connection $CONN([^0-9]|\$)" "$LOGA"; }
[ "$(attach_logged)" -ge 1 ] && [ -n "$(attached_line "$CONN")" ]
ok $? "the client attached the extension to its own connection"
is "$(attached_line "$TOPCONN")" "" "the connection mounted over it has no extension ($TOPCONN)"
test ! -e "/sys/fs/bpf/extfuse/$TOPCONN"
ok $? "and no maps"
umount "$A"
wait $TOPPID
ok $? "the test file system exits cleanly"
exec 7<&-

mkdir "$A/d" || bail "mkdir"
for i in $(seq 20); do echo "file $i" >"$A/d/f$i"; done
# Names, not a glob: a READDIRPLUS would refresh the kernel's dentries.
sheet() {
	(cd "$A/d" && stat -c '%n %i %f %h %u %g %s %b %o %X %Y %Z' \
		$(seq -f 'f%g' 20))
}
# forwarded_in: requests the module sent on to the daemon, from the
# output of extfusectl stats on stdin.
forwarded_in() {
	awk '$1 == "module:" { for (i = 2; i < NF; i++) if ($i == "forwarded") print $(i + 1) }'
}
# Requests the module sent on to the daemon for connection A.
forwarded() {
	"$top_builddir/client/extfusectl" stats "$CONN" | forwarded_in
}
cl_wait 60 bricks_connected || diag "not every brick connected"
sheet >"$CL_B/cold"
sleep 1.3 # past the kernel's own timeouts
sheet >/dev/null
sleep 1.3
h0=$("$DUMP" hits "$CONN") f0=$(forwarded)
sheet >"$CL_B/warm"
h1=$("$DUMP" hits "$CONN") f1=$(forwarded)
# The extension answers what the kernel asks, and the kernel keeps that
# until the value's expiry: a warm stat is one or the other.
[ -n "$f0" ] && [ $((f1 - f0)) -eq 0 ]
rc=$?
ok $rc "warm stats of 20 files were answered in the kernel ($((h1 - h0)) by the extension, $((f1 - f0)) sent to the daemon)"
if [ $rc != 0 ]; then
	diag "$("$top_builddir/client/extfusectl" stats "$CONN" 2>&1)"
	diag "$(xlator_counters mntA)"
fi
cmp -s "$CL_B/cold" "$CL_B/warm"
rc=$?
ok $rc "with the daemon's attributes, byte for byte"
[ $rc = 0 ] || diag "$(diff "$CL_B/cold" "$CL_B/warm")"

# A missing name: the kernel keeps the extension's negative answer as a
# negative dentry (no run of the extension for the next lookups), and a
# name created on B reaches A with the upcall all the same.
stat "$A/d/new1" >/dev/null 2>&1
stat "$A/d/new1" >/dev/null 2>&1
h0=$("$DUMP" hits "$CONN")
for i in 1 2 3; do stat "$A/d/new1" >/dev/null 2>&1; done
is "$(( $("$DUMP" hits "$CONN") - h0 ))" 0 "repeated lookups of a missing name stop at the kernel's negative dentry"
echo new >"$B/d/new1"
cl_wait 10 stat "$A/d/new1" >/dev/null 2>&1
ok $? "a name created on B is seen on A (within the upcall's latency)"

# The kernel keeps what the extension answered until the value's expiry:
# the upcall's notifications (the bridge sends them from its own thread)
# must reach it.  Each change is polled for within the upcall's latency.
chmod 600 "$B/d/f1"
cl_wait 10 sh -c "! '$DUMP' has-attr '$CONN' \$('$DUMP' resolve '$CONN' d/f1)"
cl_wait 10 sh -c "[ \$(stat -c %a '$A/d/f1') = 600 ]"
ok $? "a chmod on B is seen on A (within the upcall's latency)"
rm "$B/d/f2"
cl_wait 10 sh -c "! '$DUMP' has-entry '$CONN' \$('$DUMP' resolve '$CONN' d) f2"
cl_wait 10 sh -c "! stat '$A/d/f2'"
ok $? "a name removed on B is gone from A (within the upcall's latency)"
mv "$B/d/f3" "$B/d/f3b"
cl_wait 10 sh -c "! '$DUMP' has-entry '$CONN' \$('$DUMP' resolve '$CONN' d) f3"
cl_wait 10 sh -c "! stat '$A/d/f3'"
ok $? "a name renamed on B is gone from A (within the upcall's latency)"

# A graph switch: the new instance takes the maps over, the old one's
# names go through the extension, bumping their parents' versions (a
# publish of the old graph still under way is then never served).
cl_wait 60 bricks_connected || diag "not every brick connected"
cl_wait 10 sh -c "stat '$A/d' >/dev/null; '$DUMP' resolve '$CONN' d" ||
	diag "d is not published"
DIRID=$("$DUMP" resolve "$CONN" d)
v0=$("$DUMP" version "$CONN" "$DIRID")
cl_set 1 volume set $VOL performance.readdir-ahead on >/dev/null
cl_wait 60 sh -c "ls '$A' >/dev/null; grep -q 'taking over the maps of connection $CONN' '$LOGA'"
ok $? "graph switch: the new graph took the maps over"
cl_wait 10 sh -c "[ \$('$DUMP' version '$CONN' '$DIRID') -gt '$v0' ]"
ok $? "the old graph's names of d were unpublished with a version bump ($v0 -> $("$DUMP" version "$CONN" "$DIRID"))"

# Off, then on again: the same maps and served counts, attached again.
mod_flag() { attached_line "$CONN" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
cl_set 1 volume set $VOL user.extfuse off >/dev/null
cl_wait 60 sh -c "ls '$A' >/dev/null; grep -q 'extension of connection $CONN detached' '$LOGA'"
ok $? "off: the extension is detached, the maps stay"
is "$(mod_flag detached)" 1 "the module shows the connection detached"
n0=$(attach_logged)
sw0=$(grep -c 'switched to graph' "$LOGA")
cl_set 1 volume set $VOL user.extfuse on >/dev/null
for i in $(seq 60); do
	ls "$A" >/dev/null
	[ "$(attach_logged)" -gt "$n0" ] && break
	sleep 1
done
[ "$(attach_logged)" -gt "$n0" ]
ok $? "on again: attached again"
is "$(mod_flag detached)" 0 "the module answers for it again"
# The new graph's instance attaches as soon as it starts, but the bridge
# moves to the new graph only once its clients are up (under emulation,
# a loaded host can take tens of seconds): until then nothing is
# published.
cl_wait 90 sh -c "ls '$A' >/dev/null; [ \$(grep -c 'switched to graph' '$LOGA') -gt $sw0 ]"
ok $? "on again: the bridge moved to the new graph"
cl_wait 60 bricks_connected || diag "not every brick connected"
# Served again: a pass sends nothing to the daemon, and the extension has
# answered each name since (18 names and 2 negatives).  Not all in one
# pass: the kernel keeps an answer of the extension until the value's
# expiry, and an epoch move in the middle of a pass (a brick's
# notification may come just after its log line) retires what the daemon
# answered before it, so those names are answered a pass later.  The
# first pass is split so on purpose.
hon=$("$DUMP" hits "$CONN")
sleep 1.3
(cd "$A/d" && stat $(seq -f 'f%g' 10)) >/dev/null 2>&1
(cd / && "$top_builddir/client/extfusectl" flush "$CONN") >/dev/null
(cd "$A/d" && stat $(seq -f 'f%g' 11 20)) >/dev/null 2>&1
for i in $(seq 20); do
	sleep 1.3 # past the daemon's 1 s validities
	f0=$(forwarded)
	sheet >/dev/null 2>&1
	f1=$(forwarded) h1=$("$DUMP" hits "$CONN")
	[ -n "$f0" ] && [ $((f1 - f0)) = 0 ] && [ $((h1 - hon)) -ge 17 ] && break
done
[ -n "$f0" ] && [ $((f1 - f0)) = 0 ] && [ $((h1 - hon)) -ge 17 ]
rc=$?
ok $rc "stats answered in the kernel again ($((h1 - hon)) hits, pass $i sent $((f1 - f0)))"
if [ $rc != 0 ]; then
	# Per operation, and the values a stat of d/fN needs.
	DIRNOW=$("$DUMP" resolve "$CONN" d)
	# One more pass: did the kernel ask at all, and what would the
	# extension answer for d/f1?
	s0=$(cd / && "$top_builddir/client/extfusectl" stats "$CONN" 2>&1)
	sheet >/dev/null 2>&1
	s1=$(cd / && "$top_builddir/client/extfusectl" stats "$CONN" 2>&1)
	diag "one more pass, before: $(grep -E '^(lookup|getattr|module:)' <<<"$s0")"
	diag "after: $(grep -E '^(lookup|getattr|module:)' <<<"$s1")"
	diag "asked for d/f1: $(cd / && "$top_builddir/tests/cluster/efx-ask" lookup "$CONN" "$DIRNOW" f1 2>&1)"
	diag "$(cd / && "$top_builddir/client/extfusectl" stats "$CONN" 2>&1)"
	diag "$(cd / && "$top_builddir/client/extfusectl" dump "$CONN" 2>&1 |
		grep -E "^(entries|attrs):|^  1/\"d\"|^  $DIRNOW/\"f1\"|^  node (1|$DIRNOW):")"
	diag "$(xlator_counters mntA)"
fi
grep -q 'cannot attach the extension' "$LOGA"
ok $(( ! $? )) "no failed attach in the log"

# Long kernel timeouts: the kernel never looks a directory up again, yet
# its missing names are answered in the kernel (they went to the daemon,
# about 9 ms each under emulation, before the translator renewed the
# directory's registration on a miss).
cl_mount mnt9 $VOL --entry-timeout=600 --attribute-timeout=600 ||
	bail "mount with 600 s timeouts"
A9=$CL_B/mnt9
CONN9=$(cl_conn mnt9)
cl_wait 60 sh -c "ls '$A9' >/dev/null; grep -q 'extension attached to FUSE connection $CONN9' '$CL_B/log-mnt9.log'"
ok $? "the 600 s mount attached the extension"
mkdir "$B/n9" || bail "mkdir n9"
ls -l "$A9" >/dev/null # n9 comes from READDIRPLUS
missing() { (cd "$A9/n9" && stat $(seq -f 'none%g' 200) 2>&1 | grep -c 'No such'); }
missing >/dev/null # the daemon answers, and publishes
sleep 1.3
h0=$("$DUMP" hits "$CONN9")
t0=$(date +%s%N)
n=$(missing)
t1=$(date +%s%N)
h1=$("$DUMP" hits "$CONN9")
is "$n" 200 "200 missing names are missing on the 600 s mount"
[ $((h1 - h0)) -ge 200 ]
ok $? "the kernel answered them itself ($((h1 - h0)) hits, $(((t1 - t0) / 200000)) us each)"
umount "$A9"

# --- listings of a 2x2 distribute-replicate volume, in the kernel ------
DV=gv1
cl_distrep_volume $DV && cl_set 1 volume set $DV group metadata-cache >/dev/null &&
	cl_set 1 volume start $DV >/dev/null &&
	cl_set 1 volume set $DV user.extfuse on >/dev/null &&
	cl_mount mntC $DV && cl_mount mntD $DV || bail "volume $DV"
C=$CL_B/mntC
D=$CL_B/mntD
CONNC=$(cl_conn mntC)
cl_wait 60 sh -c "ls '$C' >/dev/null; grep -q 'extension attached to FUSE connection $CONNC' '$CL_B/log-mntC.log'"
ok $? "$DV: the client attached the extension"
mkdir "$D/big" && (cd "$D/big" && seq -f 'e%g' 300 | xargs touch) ||
	bail "cannot populate big"
# readdir_hits: READDIR and READDIRPLUS answered in the kernel on C.
readdir_hits() {
	"$top_builddir/client/extfusectl" stats "$CONNC" |
		awk '$1 == "readdir" || $1 == "readdirplus" { n += $2 } END { print n + 0 }'
}
sleep 1.3
ls "$C/big" >/dev/null # through the daemon: published
r0=$(readdir_hits)
ls -a "$C/big" | sort >"$CL_B/listed"
r1=$(readdir_hits)
[ $((r1 - r0)) -gt 0 ]
ok $? "$DV: ls of a 300-entry directory answered in the kernel ($((r1 - r0)) READDIRs)"
ls -a "$D/big" | sort | cmp -s - "$CL_B/listed"
ok $? "$DV: with the names B lists"
touch "$D/big/new"
sleep 0.5
ls "$C/big" | grep -qx new
ok $? "$DV: a name B creates retires the listing at once"

# --- ls -l, then a stat of every name: READDIRP entries in the kernel ----
# D's mkdir of lsl retires the root's attributes on C (its upcalls), and
# C's kernel never looks the root up again: the lookup of lsl that reaches
# C's daemon must bring them back, or the kernel's next lookup of lsl,
# like every lookup in the root, would reach the daemon too.
mkdir "$D/lsl" && (cd "$D/lsl" && seq -f 'n%g' 100 | xargs touch) ||
	bail "cannot populate lsl"
lsl_sheet() { stat -c '%n %i %f %h %s %Y' $(seq -f 'n%g' 100); }
sleep 1.3
ls -l "$C/lsl" >/dev/null
sleep 1.3 # past the kernel's own timeouts of the listing's dentries
# Counters read from /: the libtool wrapper's shell would look its $PWD up.
ctl_stats() { (cd / && "$top_builddir/client/extfusectl" stats "$CONNC"); }
ctl_stats >"$CL_B/lsl-stats0"
(cd "$C/lsl" && lsl_sheet >"$CL_B/lsl-C")
ctl_stats >"$CL_B/lsl-stats1"
f0=$(forwarded_in <"$CL_B/lsl-stats0") f1=$(forwarded_in <"$CL_B/lsl-stats1")
sent="no counts"
[ -n "$f0" ] && [ -n "$f1" ] && sent=$((f1 - f0))
is "$sent" 0 \
	"$DV: after ls -l, the lookup of the directory and a stat of each of its 100 names send nothing to the daemon"
# What went to the daemon, by operation.
[ "$sent" = 0 ] ||
	diff "$CL_B/lsl-stats0" "$CL_B/lsl-stats1" | sed 's/^/#   /'
(cd "$D/lsl" && lsl_sheet) | cmp -s - "$CL_B/lsl-C"
ok $? "$DV: with what B's stat says"

# --- ls -l reads security.selinux of every name --------------------------
# Gluster's bridge refuses that read by the name alone on a mount without
# --selinux: the kernel gets the same answer from the extension.
(cd / && "$top_builddir/client/extfusectl" config "$CONNC") |
	grep -qx 'absent_selinux on'
ok $? "$DV: a mount without --selinux says security.selinux is absent by name"
getxattr_hits() { ctl_stats | awk '$1 == "getxattr" { print $2 }'; }
sleep 1.3
g0=$(getxattr_hits)
ls -l "$C/lsl" >/dev/null
is "$(( $(getxattr_hits) - g0 ))" 101 \
	"$DV: ls -l: security.selinux of the directory and its 100 names answered in the kernel"

# --- directories opened in the kernel ------------------------------------
# A directory the extension holds current attributes of is opened in the
# kernel; Gluster's bridge, which takes a handle for a pointer, gets its own
# OPENDIR (and only its own handles) when a READDIR or FSYNCDIR needs it.
opendir_hits() { ctl_stats | awk '$1 == "opendir" { print $2 }'; }
VMTOOL=$top_builddir/tests/vm/vmtool
sleep 1.3
o0=$(opendir_hits)
ls -a "$C/lsl" | sort >"$CL_B/lsl-names-C"
[ $(($(opendir_hits) - o0)) -ge 1 ]
ok $? "$DV: ls of a listed directory opens it in the kernel"
ls -a "$D/lsl" | sort | cmp -s - "$CL_B/lsl-names-C"
ok $? "$DV: with the names B lists"
mkdir "$D/lazy" && (cd "$D/lazy" && seq -f 'z%g' 50 | xargs touch) ||
	bail "cannot populate lazy"
sleep 1.3
stat "$C/lazy" >/dev/null # its attributes, after the creations
sleep 1.3
o0=$(opendir_hits)
is "$("$VMTOOL" dirop list "$C/lazy")" 52 \
	"$DV: a directory opened in the kernel, never listed on C: its 52 entries from the daemon"
[ $(($(opendir_hits) - o0)) -ge 1 ]
ok $? "$DV: ... opened in the kernel first, then in the daemon for its READDIR"
is "$("$VMTOOL" dirop fsync "$C/lsl")" OK "$DV: fsync of a directory opened in the kernel"
exec 8<"$C/lazy"
exec 8<&- # never read: released in the kernel, never sent
kill -0 "$(cat "$CL_B/mntC.pid")" && ls "$C/lazy" >/dev/null
ok $? "$DV: client C still serves after all of them"

echo 2 >/proc/sys/vm/drop_caches
sheet >/dev/null 2>&1
umount "$A"
cl_wait 30 sh -c "! kill -0 $(cat "$CL_B/mntA.pid") 2>/dev/null"
ok $? "client A exited on unmount"
test ! -e "/sys/fs/bpf/extfuse/$CONN"
ok $? "its pins are gone"
is "$(grep -c '\] C \[' "$LOGA")" 0 "no CRITICAL line (FUSE lookup counts balanced)"
tap_done
