#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Gluster side by side in one QEMU guest (tests/vm/run-vm.sh boots it):
# a stock mount, stock with `group metadata-cache`, stock with 600 s kernel
# timeouts, and extfuse.  Workloads: warm stat of every file of a tree, ls
# -lR of it, as many negative lookups, `git status` of a repository on the
# mount.  Writes PREFIX.log (the guest's output), PREFIX.dat (ratios to the
# stock mount), PREFIX.png (gnuplot, when installed) and prints a table.
# Figures only: nothing here is a test.
#
# usage: run.sh [-f FILES] [-g GITFILES] [-o PREFIX] [-t TIMEOUT]
# env:   top_srcdir, top_builddir (the build whose extfuse.ko, translator
#        and extfusectl run in the guest), CC.  Needs root and QEMU.
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
files=500
gitfiles=100
prefix=gluster-bench
timeout=2400
usage() {
	echo "usage: $0 [-f FILES] [-g GITFILES] [-o PREFIX] [-t TIMEOUT]" >&2
	exit 2
}
while getopts f:g:o:t:h o; do
	case $o in
	f) files=$OPTARG ;;
	g) gitfiles=$OPTARG ;;
	o) prefix=$OPTARG ;;
	t) timeout=$OPTARG ;;
	*) usage ;;
	esac
done
for v in "$files" "$gitfiles" "$timeout"; do
	case $v in '' | *[!0-9]*) usage ;; esac
done
[ "$files" -ge 20 ] && [ "$gitfiles" -ge 10 ] || {
	echo "$0: need at least 20 files and 10 git files" >&2
	exit 2
}
for f in kmod/extfuse.ko xlator/.libs/extfuse.so xlator/.libs/extfuse-probe.so \
	client/extfusectl; do
	[ -e "$top_builddir/$f" ] || {
		echo "$0: $top_builddir/$f is not built" >&2
		exit 1
	}
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gluster-bench.XXXXXX") || exit 1
chmod 0755 "$tmp"
vmpid=
# run-vm.sh leads its own session; QEMU runs under timeout(1) in another
# process group of that session: stop every process of the session.
session_pids() { ps -eo pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'; }
cleanup() {
	local p
	if [ -n "$vmpid" ]; then
		for p in $(session_pids "$vmpid"); do kill -TERM "$p" 2>/dev/null; done
		sleep 2
		for p in $(session_pids "$vmpid"); do kill -KILL "$p" 2>/dev/null; done
		wait "$vmpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The guest sees the host's root read-only: a program built here runs there.
${CC:-cc} -O2 -Wall -o "$tmp/statloop" "$here/statloop.c" || exit 1

echo "# booting the guest ($files files, git $gitfiles files; takes minutes)" >&2
VM_TIMEOUT=$timeout VM_MEM=${VM_MEM:-3072} setsid \
	"$top_srcdir/tests/vm/run-vm.sh" "$here/guest-bench.sh" \
	"$tmp/statloop" "$files" "$gitfiles" >"$tmp/out" 2>&1 &
vmpid=$!
wait "$vmpid"
rc=$?
vmpid=
cp "$tmp/out" "$prefix.log"
if [ "$rc" -ne 0 ] || ! grep -q '^RESULT done' "$tmp/out"; then
	echo "$0: the guest failed (exit $rc); see $prefix.log" >&2
	tail -n 40 "$tmp/out" >&2
	exit 1
fi

# Best of the measured passes per (workload, configuration), with the
# requests of that pass; then ratios to the stock mount.
awk '
	function kv(s, k,   i, a) {
		for (i = 2; i <= NF; i++) {
			split($i, a, "=")
			if (a[1] == k)
				return a[2]
		}
		return ""
	}
	$1 == "RESULT" && $2 != "done" {
		key = kv("", "test") " " kv("", "cfg")
		ns = kv("", "ns") + 0
		if (!(key in best) || ns < best[key]) {
			best[key] = ns
			reqs[key] = kv("", "reqs") + 0
			hits[key] = kv("", "khits") + 0
		}
		all[key] = all[key] " " sprintf("%.0f", ns)
	}
	END {
		nt = split("stat neg lsR git", T, " ")
		nc = split("stock t600 mdc efx", C, " ")
		print "# test cfg best_ns reqs khits time_ratio reqs_ratio passes_ns"
		for (i = 1; i <= nt; i++) {
			s = T[i] " stock"
			for (j = 1; j <= nc; j++) {
				k = T[i] " " C[j]
				if (!(k in best))
					continue
				tr = best[s] ? best[k] / best[s] : 0
				rr = reqs[s] ? reqs[k] / reqs[s] : 0
				printf "%s %s %.0f %d %d %.4f %.4f%s\n", T[i], C[j], \
					best[k], reqs[k], hits[k], tr, rr, all[k]
			}
		}
	}' "$tmp/out" >"$tmp/long"

# One row per workload for gnuplot: time ratios, then request ratios.
awk '!/^#/ { t[$1] = t[$1] " " $6; r[$1] = r[$1] " " $7; o[++n] = $1 }
	END {
		print "# test  time: stock t600 mdc efx  requests: stock t600 mdc efx"
		for (i = 1; i <= n; i++)
			if (!(o[i] in done)) {
				done[o[i]] = 1
				print o[i] t[o[i]] r[o[i]]
			}
	}' "$tmp/long" >"$prefix.dat"
{
	echo "# long form:"
	sed 's/^/# /' "$tmp/long"
} >>"$prefix.dat"

if command -v gnuplot >/dev/null; then
	gnuplot <<EOF || echo "$0: gnuplot failed" >&2
set terminal pngcairo size 1100,480 noenhanced font ",10"
set output "$prefix.png"
set multiplot layout 1,2 title "Gluster in a QEMU TCG guest, one boot: ratio to the stock mount (= 1, dashed), log scale; $files files, git $gitfiles files"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [0.0001:3]
set grid ytics
set key outside bottom center horizontal
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2
set xtics ("warm stat" 0, "neg. lookup" 1, "ls -lR" 2, "git status" 3)
z(v) = v > 0 ? v : 0.00015
set title "wall time"
plot "$prefix.dat" using (z(\$3)) title "stock, 600 s timeouts", \
	'' using (z(\$4)) title "group metadata-cache", \
	'' using (z(\$5)) title "extfuse"
set title "requests reaching the daemon (a stub at 1.5e-4 = 0)"
plot "$prefix.dat" using (z(\$7)) title "stock, 600 s timeouts", \
	'' using (z(\$8)) title "group metadata-cache", \
	'' using (z(\$9)) title "extfuse"
unset multiplot
EOF
fi

# The table.
awk -v files="$files" '
	BEGIN {
		name["stat"] = "warm stat"; name["neg"] = "negative lookups"
		name["lsR"] = "ls -lR"; name["git"] = "git status"
		printf "| workload | mount | time, ms | x stock | requests | x stock | kernel hits |\n"
		printf "|---|---|---|---|---|---|---|\n"
	}
	!/^#/ {
		printf "| %s | %s | %.1f | %.3f | %d | %.3f | %d |\n", name[$1], $2, \
			$3 / 1e6, $6, $4, $7, $5
	}' "$tmp/long"
grep '^# ' "$tmp/out" | grep -E 'trees made|warm-up' >&2
echo "# data: $prefix.dat, plot: $prefix.png, guest output: $prefix.log" >&2
