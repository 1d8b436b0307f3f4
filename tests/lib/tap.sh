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

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
