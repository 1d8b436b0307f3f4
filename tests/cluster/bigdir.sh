#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A directory of 100,000 entries on a 2x2 distribute-replicate volume
# (metadata-cache group): listed, stat'ed, its listing and its misses
# answered from the maps; and a client whose maps hold 20,000 values
# (user.extfuse.max-entries) makes room by eviction, without errors.
# BIGDIR_N changes the number of entries.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/cluster/lib.sh"

VOL=gv0
N=${BIGDIR_N:-100000}
case $N in
'' | *[!0-9]*) bail "BIGDIR_N must be a number, not '$N'" ;;
esac

cl_host_setup extfuse-bigdir 2 DUMP ASK
command -v python3 >/dev/null || bail "python3 is needed"
cl_two_clients $VOL distrep

# counter MOUNT NAME: a counter of the translator in a fresh statedump
# (with 100,000 inodes in the table, it takes a while to be written).
counter() {
	local pid dump v i old
	pid=$(cat "$CL_B/$1.pid") || return 1
	old=$(ls /var/run/gluster/glusterdump."$pid".dump.* 2>/dev/null)
	kill -USR1 "$pid" || return 1
	for i in $(seq 60); do
		sleep 1
		dump=$(ls -t /var/run/gluster/glusterdump."$pid".dump.* \
			2>/dev/null | head -n 1)
		[ -n "$dump" ] && ! echo "$old" | grep -qxF "$dump" || continue
		v=$(cl_extfuse_section "$dump" | sed -n "s/^$2=//p" | head -n 1)
		[ -n "$v" ] && echo "$v" && return 0
	done
	return 1
}

# stat_all DIR: stat every entry-* name in DIR in one process, after the
# kernel's own 1 s caches expired: each is a LOOKUP the daemon answers
# and the translator publishes.  Prints how many stat()s succeeded.
stat_all() {
	sleep 1.2
	python3 - "$1" "$N" <<'EOF'
import os, sys
d, n, ok = sys.argv[1], int(sys.argv[2]), 0
for i in range(n):
    try:
        os.stat(os.path.join(d, "entry-%06d" % i))
        ok += 1
    except OSError:
        pass
print(ok)
EOF
}

# Through B, in four processes: one MKNOD (and one LOOKUP) per name.
mkdir "$B/big" || bail "mkdir big"
start=$(date +%s)
python3 - "$B/big" "$N" <<'EOF' || bail "cannot create the entries"
import os, stat, sys
from multiprocessing import Pool
d, n = sys.argv[1], int(sys.argv[2])
def make(lo):
    for i in range(lo, min(lo + 1000, n)):
        os.mknod(os.path.join(d, "entry-%06d" % i), stat.S_IFREG | 0o644)
with Pool(4) as p:
    p.map(make, range(0, n, 1000))
EOF
diag "$N entries created in $(($(date +%s) - start)) s"

sleep 1.2
is "$(ls "$A/big" | wc -l)" "$N" "A lists $N entries"
BIG=$("$DUMP" resolve "$CONN" big)
"$DUMP" has-dir "$CONN" "$BIG"
ok $? "the listing of big is published"
is "$("$ASK" readdir "$CONN" "$BIG" | wc -l)" $((N + 2)) \
	"every READDIR of it would be answered in the kernel ($N names, . and ..)"
is "$("$ASK" lookup "$CONN" "$BIG" no-such-entry)" ENOENT \
	"a missing name in it is answered from the listing"
start=$(date +%s)
is "$(ls -l "$A/big" | grep -c ' entry-')" "$N" "ls -l on A stats all $N"
diag "ls -l took $(($(date +%s) - start)) s"
start=$(date +%s)
is "$(stat_all "$A/big")" "$N" "stat of every entry on A"
diag "took $(($(date +%s) - start)) s"
is "$(counter mntA errors)" 0 "and the translator counted no error"
sleep 1.2
ENT=$("$DUMP" resolve "$CONN" big/entry-050000 2>/dev/null)
[ -n "$ENT" ] && [ "$N" -gt 50000 ] || ENT=$("$DUMP" resolve "$CONN" big/entry-000001)
out=$("$ASK" getattr "$CONN" "$ENT")
ok $? "a stat'ed entry's attributes would be answered in the kernel ($out)"
if command -v bpftool >/dev/null; then
	for m in extfuse_entries extfuse_attrs extfuse_chunks extfuse_names; do
		diag "$m: $(bpftool map show pinned "/sys/fs/bpf/extfuse/$CONN/$m" |
			grep -o 'memlock [0-9]*B')"
	done
fi

# --- max-entries pressure: eviction, not failure ------------------------
cl_set 1 volume set $VOL user.extfuse.max-entries 20000 >/dev/null ||
	bail "max-entries 20000"
cl_wait 30 grep -q 'option max-entries using set value 20000' \
	"$CL_B/log-mntA.log" || diag "A did not log the new max-entries"
cl_mount mntC $VOL || bail "mount C failed"
C=$CL_B/mntC
CONNC=$(cl_conn mntC)
cl_wait 30 sh -c "ls '$C' >/dev/null && test -d /sys/fs/bpf/extfuse/$CONNC" ||
	bail "client C did not pin its maps"
sleep 1.2
is "$(ls -l "$C/big" | grep -c ' entry-')" "$N" \
	"with maps of 20,000 values, ls -l on C lists all $N"
is "$(stat_all "$C/big")" "$N" "and stat of every entry works"
is "$(counter mntC errors)" 0 "the full maps made room: no error counted"
n=$("$DUMP" attrs "$CONNC" | wc -l)
[ "$n" -gt 1000 ] && [ "$n" -le 20000 ]
ok $? "C's attributes map holds at most 20,000 ($n)"
if [ "$N" -gt 20000 ]; then
	BIGC=$("$DUMP" resolve "$CONNC" big)
	out=$("$ASK" lookup "$CONNC" "$BIGC" no-such-entry)
	[ "$out" != ENOENT ]
	ok $? "its names do not fit: misses in big go to the daemon (${out:-nothing})"
fi
stat "$C/big/entry-000003" >/dev/null
E3=$("$DUMP" resolve "$CONNC" big/entry-000003)
"$ASK" getattr "$CONNC" "$E3" >/dev/null
ok $? "a value published after the evictions is answered"

tap_done
