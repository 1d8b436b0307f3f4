#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# performance/extfuse repairs an overwritten configuration map by itself:
# random bytes written over extfuse_config (which left the kernel answering
# nothing until the mount was made again) are found by the translator's
# worker within seconds; it writes the configuration again with a new
# epoch, drops every cached value (nothing from overwritten maps is
# trusted), counts the repair in its statedump and logs it once.  Values
# learnt afterwards are served again.
#
# Needs root, glusterd, /dev/fuse, bpffs and bpftool.  One glusterd, one
# brick: the repair is the client's business.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/cluster/lib.sh"

VOL=gv0

command -v bpftool >/dev/null 2>&1 || skip_all "bpftool not installed"
cl_host_setup extfuse-repair 1 DUMP ASK EXTFUSECTL
cl_set 1 volume create $VOL "127.1.1.1:$(cl_gd_dir 1)/bricks/b" force \
	>/dev/null || bail "volume create failed"
cl_set 1 volume set $VOL group metadata-cache >/dev/null ||
	bail "group metadata-cache failed"
cl_set 1 volume set $VOL user.extfuse on >/dev/null ||
	bail "volume set user.extfuse on failed"
cl_cli 1 volume start $VOL >/dev/null || bail "volume start failed"
cl_mount mntA $VOL || bail "mount failed"
A=$CL_B/mntA
CONN=$(cl_conn mntA)
PINS=/sys/fs/bpf/extfuse/$CONN
LOGA=$CL_B/log-mntA.log
cl_wait 30 sh -c "ls '$A' >/dev/null && test -e '$PINS/extfuse_config'" ||
	bail "the client did not pin its maps under $PINS"
mkdir "$A/d" && echo hello >"$A/d/f" || bail "cannot populate"

# dump_counter KEY: a counter of the translator in a fresh statedump.
dump_counter() {
	local pid=$(cat "$CL_B/mntA.pid") dump
	kill -USR1 "$pid" || return 1
	sleep 1
	dump=$(ls -t /var/run/gluster/glusterdump."$pid".dump.* 2>/dev/null |
		head -n 1)
	[ -n "$dump" ] || return 1
	cl_extfuse_section "$dump" | sed -n "s/^$1=//p" | head -n 1
}

# overwrite_config: random bytes over the whole configuration.
overwrite_config() {
	local bytes size
	size=$(bpftool -j map show pinned "$PINS/extfuse_config" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["bytes_value"])')
	bytes=$(head -c "$size" /dev/urandom | od -An -v -tx1)
	bpftool map update pinned "$PINS/extfuse_config" key hex 00 00 00 00 \
		value hex $bytes
}

config_ok() { "$EXTFUSECTL" stats "$CONN" >/dev/null 2>&1; }

# served_getattr: the extension answers GETATTR of d/f from the maps.
served_getattr() { "$ASK" getattr "$CONN" "$F" >/dev/null 2>&1; }

# --- 1. a value is served before ----------------------------------------
sleep 1.2 # the kernel's 1 s caches expire: requests reach the client
stat "$A/d" "$A/d/f" >/dev/null
F=$("$DUMP" resolve "$CONN" d/f)
[ -n "$F" ] || bail "d/f was not published"
cl_wait 5 served_getattr
ok $? "the attributes of d/f are served from the maps"
config_ok
ok $? "extfusectl stats reads the configuration"
is "$(dump_counter config_repairs)" 0 "no repair counted yet"

# --- 2. the configuration is overwritten, and repaired ------------------
overwrite_config
ok $? "random bytes written over extfuse_config"
cl_wait 5 config_ok
ok $? "the configuration is valid again within seconds"
served_getattr
[ $? = 1 ]
ok $? "nothing published before the repair is served"
is "$(dump_counter config_repairs)" 1 "the statedump counts the repair"
is "$(grep -c 'was overwritten' "$LOGA")" 1 "the client log reports it once"
sleep 1.2
stat "$A/d/f" >/dev/null
cl_wait 5 served_getattr
ok $? "after a fresh stat the attributes of d/f are served again"
out=$("$DUMP" compare "$CONN" "$A" d/f)
rc=$?
ok $rc "and equal stat(2) field by field"
[ $rc = 0 ] || diag "$out"

# --- 3. each overwrite is one repair ------------------------------------
overwrite_config
cl_wait 5 config_ok
ok $? "a second overwrite is repaired too"
is "$(dump_counter config_repairs)" 2 "and counted"
is "$(grep -c 'was overwritten' "$LOGA")" 2 "and logged once more"
sleep 3
is "$(dump_counter config_repairs)" 2 "a valid configuration is left alone"

stat "$A/d/f" >/dev/null
ok $? "the mount keeps working"
crit=$(grep -c '\] C \[' "$LOGA")
is "$crit" 0 "the client log has no CRITICAL line"
umount "$A"
cl_wait 20 sh -c "! kill -0 $(cat "$CL_B/mntA.pid") 2>/dev/null"
ok $? "the client exited on unmount"
test ! -e "$PINS"
ok $? "its pins are gone"

tap_done
