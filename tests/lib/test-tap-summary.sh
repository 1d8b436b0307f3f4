#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tap-summary.sh over results written by automake's own TAP driver: a
# skipped file and a skipped case count one skip each, and --fail-on-skip
# fails and names them.
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$here/../..}"
. "$top_srcdir/tests/lib/tap.sh"
SUMMARY=$top_srcdir/tests/lib/tap-summary.sh
DRIVER=$top_srcdir/build-aux/tap-driver.sh
SHELL=${SHELL:-/bin/sh}
[ -r "$DRIVER" ] || bail "no $DRIVER (run autoreconf -fi)"

tmp=$(mktemp -d) || bail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP PIPE

# fixture NAME TAP-LINES...: run a test printing those lines through the
# driver, as make check does.
fixture() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$tmp/$name.tap"
	env AM_TAP_AWK="${AWK:-awk}" "$SHELL" "$DRIVER" --test-name "$name" \
		--log-file "$tmp/$name.log" --trs-file "$tmp/$name.trs" \
		--color-tests no --enable-hard-errors yes --expect-failure no \
		-- cat "$tmp/$name.tap" >/dev/null
}
fixture whole '1..0 # SKIP no such thing here'
fixture cases 'ok 1 - fine' 'ok 2 # SKIP not this one' \
	'not ok 3 # TODO later' 'ok 4 - fine too' '1..4'
fixture broken 'ok 1 - fine' 'not ok 2 - wrong' 'Bail out! gave up'

out=$("$SHELL" "$SUMMARY" "$tmp/whole.trs" "$tmp/cases.trs")
is "$?" 0 "skips alone do not fail"
is "$out" "3 passed, 0 failed, 2 skipped" \
	"a skipped file and a skipped case count one each; TODO passes"

out=$("$SHELL" "$SUMMARY" --fail-on-skip "$tmp/whole.trs" "$tmp/cases.trs")
is "$?" 1 "--fail-on-skip fails on a skip"
is "$(echo "$out" | head -n 1)" "3 passed, 0 failed, 2 skipped" \
	"--fail-on-skip prints the same line first"
echo "$out" | grep -q 'whole.log: 1\.\.0 # SKIP no such thing here$'
ok $? "--fail-on-skip names the skipped file"
echo "$out" | grep -q 'cases.log: ok 2 # SKIP not this one$'
ok $? "--fail-on-skip names the skipped case"

out=$("$SHELL" "$SUMMARY" --fail-on-skip "$tmp/cases.trs" "$tmp/broken.trs")
is "$?" 1 "a failure fails"
is "$(echo "$out" | head -n 1)" "4 passed, 2 failed, 1 skipped" \
	"a failed case and a bail-out count as failed"

"$SHELL" "$SUMMARY" "$tmp/missing.trs" 2>"$tmp/err"
is "$?" 2 "a missing result file is an error"
grep -q 'missing.trs: no results' "$tmp/err"
ok $? "that error names the file"

tap_done
