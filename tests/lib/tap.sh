# SPDX-License-Identifier: GPL-2.0
# A minimal TAP producer for the shell tests.  Source it; end with tap_done.
tap_n=0
tap_failed=0

ok() { # ok COND-EXIT-STATUS DESCRIPTION...
	local rc=$1
	shift
	tap_n=$((tap_n + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $tap_n - $*"
	else
		echo "not ok $tap_n - $*"
		tap_failed=$((tap_failed + 1))
	fi
}

is() { # is GOT WANT DESCRIPTION...
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$@"
	else
		ok 1 "$@"
		echo "#   got '$got', want '$want'"
	fi
}

diag() { echo "# $*"; }

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

bail() { echo "Bail out! $*"; exit 1; }

# tap_bpffs DIR: a bpf file system on DIR, mounted when DIR has none.
# Call tap_bpffs_release from the EXIT trap, after removing the test's own
# pins: it unmounts only what tap_bpffs mounted.
tap_bpffs_mounted=
tap_bpffs() {
	[ "$(stat -f -c %T "$1" 2>/dev/null)" = bpf_fs ] && return 0
	mount -t bpf bpf "$1" || skip_all "cannot mount a bpf filesystem on $1"
	tap_bpffs_mounted=$1
}

# A test running beside this one may have pinned there since: such a file
# system stays mounted.  (The kernel itself puts maps.debug and
# progs.debug into every new one.)
tap_bpffs_release() {
	local m=$tap_bpffs_mounted
	[ -n "$m" ] || return 0
	tap_bpffs_mounted=
	if ls -A "$m" 2>/dev/null | grep -qvx 'maps\.debug\|progs\.debug'; then
		diag "left the bpf filesystem on $m mounted: it holds others' pins"
		return 0
	fi
	umount "$m" || umount -l "$m"
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
