#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# One line for a whole test run, "N passed, N failed, N skipped", counted
# over every TAP result in the .trs files that the test driver wrote: a
# skipped test (1..0 # SKIP) and a skipped case (ok N # SKIP) each count
# one.  XFAIL counts as passed; XPASS and ERROR (a crash, a bail-out) as
# failed.  With --fail-on-skip it also exits 1 when anything skipped and
# names what did: on a machine set up for the tests a skip is a missing step.
#
# usage: tap-summary.sh [--fail-on-skip] TRS-FILE...
fail_on_skip=no
if [ "${1:-}" = --fail-on-skip ]; then
	fail_on_skip=yes
	shift
fi
if [ $# -eq 0 ]; then
	echo "usage: $0 [--fail-on-skip] TRS-FILE..." >&2
	exit 2
fi
for f; do
	if [ ! -r "$f" ]; then
		echo "tap-summary: $f: no results (was the test run?)" >&2
		exit 2
	fi
done

awk -v fail_on_skip="$fail_on_skip" '
/^:test-result:/ {
	r = $2
	if (r == "PASS" || r == "XFAIL")
		passed++
	else if (r == "SKIP") {
		skipped++
		if (!(FILENAME in named)) {
			named[FILENAME] = 1
			list[++n] = FILENAME
		}
	} else
		failed++
}
END {
	printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
	if (fail_on_skip != "yes" || !skipped)
		exit failed ? 1 : 0
	for (i = 1; i <= n; i++) {
		lf = list[i]
		sub(/\.trs$/, ".log", lf)
		while ((getline line < lf) > 0)
			if (line ~ /^(ok|1\.\.0).*# *[Ss][Kk][Ii][Pp]/)
				print "skipped: " lf ": " line
		close(lf)
	}
	exit 1
}' "$@"
