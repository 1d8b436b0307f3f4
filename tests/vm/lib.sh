# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the guest scripts (run inside the QEMU guest as root).
. "$top_srcdir/tests/lib/tap.sh"

TESTFS=$top_builddir/tests/fs/extfuse-testfs
VMTOOL=$top_builddir/tests/vm/vmtool
W=$(mktemp -d /tmp/extfuse-guest.XXXXXX)
chmod 755 "$W" # other uids walk through it in the permission tests
FS_NAMES=

guest_cleanup() {
	local n
	for n in $FS_NAMES; do
		umount -l "$W/$n.mnt" 2>/dev/null
		[ -f "$W/$n.pid" ] && kill -9 "$(cat "$W/$n.pid")" 2>/dev/null
	done
	grep -q '^extfuse ' /proc/modules && rmmod extfuse 2>/dev/null
	rm -rf "$W"
}
trap guest_cleanup EXIT

tap_bpffs /sys/fs/bpf # the guest is thrown away: no release

load_module() { insmod "$EXTFUSE_KO"; }

# fs_start NAME [testfs options]: mount a test file system on $W/NAME.mnt.
fs_start() {
	local n=$1 i
	shift
	mkdir -p "$W/$n.mnt"
	rm -f "$W/$n.ctl"
	mkfifo "$W/$n.ctl"
	"$TESTFS" "$W/$n.mnt" --ctl "$W/$n.ctl" --stats "$W/$n.final" "$@" \
		2> "$W/$n.err" &
	echo $! > "$W/$n.pid"
	FS_NAMES="$FS_NAMES $n"
	for i in $(seq 100); do
		# The control FIFO is served once the file system has set up
		# (and attached) its extension: one round trip waits for that.
		grep -q " $W/$n.mnt " /proc/self/mountinfo &&
			ctl "$n" stats > /dev/null && return 0
		kill -0 "$(cat "$W/$n.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "# testfs $n did not mount:"; sed 's/^/#   /' "$W/$n.err"
	return 1
}

# fs_stop NAME: unmount and wait; returns the daemon's exit status.
fs_stop() {
	local n=$1 pid rc
	pid=$(cat "$W/$n.pid")
	umount "$W/$n.mnt" || umount -l "$W/$n.mnt"
	wait "$pid"
	rc=$?
	grep VIOLATION "$W/$n.err" | head -20 | sed 's/^/# /'
	return $rc
}

# ctl NAME COMMAND...: run a control command, print the answer.
ctl() {
	local n=$1 ans i
	shift
	ans=$W/$n.ans.$$.$RANDOM
	echo "$* $ans" > "$W/$n.ctl"
	for i in $(seq 300); do
		[ -f "$ans" ] && { cat "$ans"; rm -f "$ans"; return 0; }
		sleep 0.1
	done
	echo "error timeout"
	return 1
}

# counts NAME: "lookup=N getattr=N ..." of the daemon, for eval.
stat_get() { ctl "$1" stats | awk -v k="$2" '$1 == k { print $2 }'; }

# snapshot NAME FILE / delta NAME FILE: per-opcode daemon counts since.
snapshot() { ctl "$1" stats > "$2"; }
delta() {
	ctl "$1" stats | awk 'NR == FNR { a[$1] = $2; next } $2 != a[$1] { printf "%s+%d ", $1, $2 - a[$1] }' "$2" -
}

# reqs NAME: lookup+getattr+readdir+readdirplus received so far.
reqs() {
	ctl "$1" stats | awk '$1 ~ /^(lookup|getattr|readdir|readdirplus)$/ { s += $2 } END { print s + 0 }'
}

# module counter of the first attached connection.
mod_get() { "$VMTOOL" query | head -1 | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

dmesg_clean() {
	! dmesg | grep -q -E 'BUG:|WARNING:|Oops|Call Trace|refcount_t|use-after-free'
}
