# SPDX-License-Identifier: GPL-2.0
# Shared by the guest sides of bench/gluster/run.sh (guest-bench.sh,
# guest-dirs.sh): mounts, request counting through the client's io-stats,
# and the measuring loop.  The caller runs bench_setup, sets VOL, and
# defines work CONFIG TEST (prints the run's time in ns) and, if a
# workload needs it, prepare CONFIG TEST (run before its warm-up).
# A configuration named tmpfs is a local file system: no daemon to count.

die() {
	echo "Bail out! $*"
	exit 1
}
diag() { echo "# $*"; }

CTL=$top_builddir/client/extfusectl

# bench_setup NAME: the private directory CL_B, with the work directory W,
# torn down at exit (the module unloaded too), and the build's libextfuse
# for the tools.
bench_setup() {
	CL_B=$(mktemp -d "/tmp/extfuse-$1.XXXXXX") || die "mktemp"
	CL_CONNS=
	cl_snapshot_system
	trap 'cl_teardown; grep -q "^extfuse " /proc/modules && rmmod extfuse' EXIT
	export LD_LIBRARY_PATH=$top_builddir/client/.libs
	W=$CL_B/work
	mkdir -p "$W"
}

# mnt NAME [CLIENT OPTIONS...]: mount VOL on $CL_B/mnt-NAME and wait until
# both bricks are connected.
mnt() {
	local m=$CL_B/mnt-$1 n=$1
	shift
	mkdir -p "$m"
	glusterfs --volfile-server=127.1.1.1 --volfile-id=$VOL "$@" \
		--log-file="$CL_B/log-mnt-$n.log" --pid-file="$CL_B/mnt-$n.pid" \
		"$m" || return 1
	cl_wait 20 mountpoint -q "$m" && cl_wait 20 stat "$m/." &&
		cl_wait 60 bricks_up "$n"
}
# A brick that connects after the measurements began sends the client a
# subvolume event: md-cache and the translator drop everything, and the
# pass that follows goes to the servers.  Measure only with all bricks up.
BRICKS=${BRICKS:-2}
bricks_up() {
	[ "$(grep -c 'Connected, attached to remote volume' \
		"$CL_B/log-mnt-$1.log")" -ge "$BRICKS" ]
}
unmnt() { # NAME: unmount and wait for the client to exit
	local pid
	pid=$(cat "$CL_B/mnt-$1.pid")
	umount "$CL_B/mnt-$1" || return 1
	cl_wait 30 sh -c "! kill -0 $pid 2>/dev/null"
}

# iodump CONFIG: the io-stats interval since the previous dump, as
# "FOP COUNT" lines.  The file is NAME.<io-stats name>; its last section is
# the interval.  The mount needs a directory "ctl" at its root.
iodump() {
	local name f
	[ "$1" = tmpfs ] && return 0
	name=bench-$1-$BASHPID-$RANDOM
	setfattr -n trusted.io-stats-dump -v "$name" "$CL_B/mnt-$1/ctl" ||
		return 1
	f=$(ls -d /var/run/gluster/"$name"* 2>/dev/null | head -n 1)
	[ -n "$f" ] || f=$(ls -d /tmp/"$name"* 2>/dev/null | head -n 1)
	[ -n "$f" ] || return 1
	awk '/Interval/ { sec++; delete c }
		$1 ~ /^[A-Z][A-Z_]+$/ && $2 ~ /^[0-9]+$/ { c[$1] = $2 }
		END { for (k in c) print k, c[k] }' "$f"
	rm -f "$f"
}

# Runs of the extension on an extfuse mount (configurations efx*).
khits() {
	case $1 in efx*) ;; *) echo 0; return ;; esac
	"$CTL" stats "$(mountpoint -d "$CL_B/mnt-$1" | cut -d: -f2)" |
		awk '$1 == "total" { print $2 }'
}
# The extension's epoch: it moves when everything cached is dropped (a
# subvolume event, a graph switch, a flush), which explains a slow pass.
epoch() {
	case $1 in efx*) ;; *) echo 0; return ;; esac
	"$CTL" config "$(mountpoint -d "$CL_B/mnt-$1" | cut -d: -f2)" |
		awk '$1 == "epoch" { print $2 }'
}

# Requests of one dump-to-dump interval with nothing run: subtracted.
declare -A BASE
baseline() { # CONFIG
	iodump "$1" >/dev/null || die "io-stats dump on $1"
	sleep 1.5
	BASE[$1]=$(iodump "$1" | awk '{ printf "%s:%s ", $1, $2 }')
	diag "baseline $1: ${BASE[$1]}"
}

# counts CONFIG DUMP-OUTPUT: total, LOOKUP and per-fop requests, minus the
# baseline.
counts() {
	awk -v base="${BASE[$1]}" '
		BEGIN {
			n = split(base, b, " ")
			for (i = 1; i <= n; i++) {
				split(b[i], kv, ":")
				z[kv[1]] = kv[2]
			}
		}
		{
			v = $2 - z[$1]
			if (v <= 0)
				next
			t += v
			if ($1 == "LOOKUP")
				l = v
			d = d sep $1 ":" v
			sep = ","
		}
		END { printf "reqs=%d lookups=%d detail=%s", t, l, d == "" ? "-" : d }' <<<"$2"
}

prepare() { :; }
# passes TEST: how many measured runs it gets (a caller may redefine it).
passes() { echo 2; }

# measure "TEST..." CONFIG...: every workload on each mount in turn.  One
# warm-up run (fills md-cache, lets the translator publish), then the
# measured runs (passes TEST), each after the kernel's own 1 s timeouts
# expired.  Prints "RESULT cfg= test= pass= ns= reqs= lookups= detail=
# khits=".
measure() {
	local tests=$1 t c p ns h0 h1 d e0
	shift
	for c in "$@"; do
		baseline "$c"
	done
	for t in $tests; do
		for c in "$@"; do
			prepare "$c" "$t"
			ns=$(work "$c" "$t")
			diag "$t $c warm-up: $ns ns"
			for p in $(seq "$(passes "$t")"); do
				sleep 1.5
				iodump "$c" >/dev/null
				h0=$(khits "$c")
				e0=$(epoch "$c")
				ns=$(work "$c" "$t")
				h1=$(khits "$c")
				d=$(iodump "$c")
				[ "$(epoch "$c")" = "$e0" ] ||
					diag "$t $c pass $p: the extension's epoch moved (everything cached was dropped)"
				echo "RESULT cfg=$c test=$t pass=$p ns=$ns $(counts "$c" "$d") khits=$((h1 - h0))"
			done
		done
	done
}

# mount_extfuse NAME: user.extfuse on for VOL, then mount NAME once the
# translator is in the client volfile and attach to its connection.
mount_extfuse() {
	cl_set 1 volume set $VOL user.extfuse on >/dev/null || die "user.extfuse"
	# The hook regenerates the volfiles once more (the filter reads the
	# info, written after the first regeneration); its retries can run
	# out under emulation, so ask for that regeneration here too.
	if ! cl_wait 30 has_xl; then
		diag "translator not in the volfile after 30 s: regenerating"
		cl_set 1 volume set $VOL user.extfuse-gen "$(date +%s%N)" >/dev/null
		cl_wait 90 has_xl || die "the translator is not in the client volfile"
	fi
	mnt "$1" || die "mount $1"
	local conn
	conn=$(mountpoint -d "$CL_B/mnt-$1" | cut -d: -f2)
	CL_CONNS="$CL_CONNS $conn"
	cl_wait 120 sh -c "ls '$CL_B/mnt-$1' >/dev/null; grep -q \
		'extension attached to FUSE connection $conn' '$CL_B/log-mnt-$1.log'" ||
		die "the extension was not attached to the $1 mount"
	diag "extension attached to connection $conn"
}
has_xl() {
	grep -q '^[[:space:]]*type[[:space:]]*performance/extfuse' \
		"$CL_B/n1/glusterd/vols/$VOL/$VOL.tcp-fuse.vol"
}
