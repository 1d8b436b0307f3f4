#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Gluster side by side in one QEMU guest (tests/vm/run-vm.sh boots it):
# a stock mount, stock with `group metadata-cache`, stock with 600 s kernel
# timeouts, extfuse, and the same trees on tmpfs (in the table, not
# plotted).  Workloads: warm stat of every file of a tree, ls -lR of it,
# as many negative lookups, `git status` of a repository on the mount.
# Writes PREFIX.log (the guest's output), PREFIX.dat (ratios to the stock
# mount), PREFIX.png (gnuplot, when installed) and prints a table.
# Figures only: nothing here is a test.
#
# With -d, the directories benchmark instead (guest-dirs.sh): ls -l of a
# directory of BIG entries, find over a tree of TREE files and a PHP-style
# include loop, on a replica and a distribute-replicate volume, mounted
# stock, with 600 s timeouts, metadata-cache, nl-cache and extfuse, and on
# tmpfs; prints its table (times and requests) only.
#
# usage: run.sh [-f FILES] [-g GITFILES] [-o PREFIX] [-t TIMEOUT]
#        run.sh -d [-b BIG] [-n TREE] [-o PREFIX] [-t TIMEOUT]
# env:   top_srcdir, top_builddir (the build whose extfuse.ko, translator
#        and extfusectl run in the guest), CC.  Needs root and QEMU.
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
files=500
gitfiles=100
big=10000
tree=20000
dirs=
prefix=gluster-bench
timeout= # seconds of the guest: 2400, or 5400 with -d (59 min at its defaults)
usage() {
	echo "usage: $0 [-f FILES] [-g GITFILES] [-o PREFIX] [-t TIMEOUT]" >&2
	echo "       $0 -d [-b BIG] [-n TREE] [-o PREFIX] [-t TIMEOUT]" >&2
	exit 2
}
while getopts b:df:g:n:o:t:h o; do
	case $o in
	b) big=$OPTARG ;;
	d) dirs=1 ;;
	f) files=$OPTARG ;;
	g) gitfiles=$OPTARG ;;
	n) tree=$OPTARG ;;
	o) prefix=$OPTARG ;;
	t) timeout=$OPTARG ;;
	*) usage ;;
	esac
done
[ -n "$timeout" ] || timeout=$([ -n "$dirs" ] && echo 5400 || echo 2400)
for v in "$files" "$gitfiles" "$big" "$tree" "$timeout"; do
	case $v in '' | *[!0-9]*) usage ;; esac
done
[ "$files" -ge 20 ] && [ "$gitfiles" -ge 10 ] || {
	echo "$0: need at least 20 files and 10 git files" >&2
	exit 2
}
[ "$big" -ge 1 ] && [ "$tree" -ge 200 ] || {
	echo "$0: need at least 1 entry and 200 tree files" >&2
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

if [ -n "$dirs" ]; then
	echo "# booting the guest (directory of $big, tree of $tree files; takes minutes)" >&2
	set -- "$here/guest-dirs.sh" "$tmp/statloop" "$big" "$tree"
else
	echo "# booting the guest ($files files, git $gitfiles files; takes minutes)" >&2
	set -- "$here/guest-bench.sh" "$tmp/statloop" "$files" "$gitfiles"
fi
VM_TIMEOUT=$timeout VM_MEM=${VM_MEM:-3072} setsid \
	"$top_srcdir/tests/vm/run-vm.sh" "$@" >"$tmp/out" 2>&1 &
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
# requests of that pass and the extension's runs, as "TEST CFG NS REQS
# KHITS PASSES".
best() {
	awk '
	function kv(k,   i, a) {
		for (i = 2; i <= NF; i++) {
			split($i, a, "=")
			if (a[1] == k)
				return a[2]
		}
		return ""
	}
	$1 == "RESULT" && $2 != "done" {
		key = kv("test") " " kv("cfg")
		ns = kv("ns") + 0
		if (!(key in best) || ns < best[key]) {
			best[key] = ns
			reqs[key] = kv("reqs") + 0
			hits[key] = kv("khits") + 0
		}
		all[key] = all[key] " " sprintf("%.0f", ns)
		if (!(key in seen)) {
			seen[key] = 1
			order[++n] = key
		}
	}
	END {
		for (i = 1; i <= n; i++)
			print order[i], best[order[i]], reqs[order[i]], \
				hits[order[i]], all[order[i]]
	}' "$1"
}

if [ -n "$dirs" ]; then
	best "$tmp/out" >"$prefix.dat"
	# One row per workload and volume: ms (requests), then extfuse's
	# speed-up over metadata-cache and its time over tmpfs.
	awk -v big="$big" -v tree="$tree" '
		BEGIN {
			name["lsl"] = "ls -l, " big " entries"
			name["find"] = "find, " tree " files"
			name["php"] = "include path, 1,000 lookups"
			nc = split("stock t600 mdc nlc efx", C, " ")
			printf "| workload | volume | stock | 600 s | metadata-cache | nl-cache | extfuse | tmpfs | mdc / efx | efx / tmpfs |\n"
			printf "|---|---|---|---|---|---|---|---|---|---|\n"
		}
		{
			split($2, cv, "-")
			if ($2 == "tmpfs")
				tmpfs[$1] = $3
			else {
				ns[$1, cv[2], cv[1]] = $3
				rq[$1, cv[2], cv[1]] = $4
				vols[cv[2]] = 1
			}
			tests[$1] = 1
		}
		END {
			nt = split("lsl find php", T, " ")
			nv = split("replica distrep", V, " ")
			for (i = 1; i <= nt; i++)
				for (v = 1; v <= nv; v++) {
					if (!((T[i], V[v], "efx") in ns))
						continue
					printf "| %s | %s |", name[T[i]], V[v]
					for (c = 1; c <= nc; c++)
						printf " %.1f (%d) |", \
							ns[T[i], V[v], C[c]] / 1e6, \
							rq[T[i], V[v], C[c]]
					e = ns[T[i], V[v], "efx"]
					printf " %.1f | %.1fx | %.2fx |\n", tmpfs[T[i]] / 1e6, \
						e ? ns[T[i], V[v], "mdc"] / e : 0, \
						tmpfs[T[i]] ? e / tmpfs[T[i]] : 0
				}
		}' "$prefix.dat"
	grep '^# ' "$tmp/out" | grep -E 'trees made|warm-up' >&2
	echo "# data: $prefix.dat (TEST CFG BEST_NS REQS KHITS PASSES), guest output: $prefix.log" >&2
	exit 0
fi

# Ratios to the stock mount.
best "$tmp/out" | awk '
	{ best[$1 " " $2] = $3; reqs[$1 " " $2] = $4; hits[$1 " " $2] = $5
	  all[$1 " " $2] = ""; for (i = 6; i <= NF; i++) all[$1 " " $2] = all[$1 " " $2] " " $i }
	END {
		nt = split("stat neg lsR git", T, " ")
		nc = split("stock t600 mdc efx tmpfs", C, " ")
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
	}' >"$tmp/long"

# One row per workload for gnuplot: time ratios, then request ratios.
awk '!/^#/ && $2 != "tmpfs" { t[$1] = t[$1] " " $6; r[$1] = r[$1] " " $7; o[++n] = $1 }
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
