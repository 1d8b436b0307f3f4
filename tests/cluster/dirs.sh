#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Directories on a 2x2 distribute-replicate volume (metadata-cache group):
# listings mirrored whatever the order of the bricks' cookies and retired
# by another client's changes, READDIRs that reach the daemon with the
# cookies the kernel was served, misses answered from complete listings,
# READDIRP entries mirrored as entries and attributes.  What the kernel
# would be answered is
# asked through efx-ask (BPF_PROG_TEST_RUN on the pinned extension).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/cluster/lib.sh"

VOL=gv0

cl_host_setup extfuse-dirs 2 DUMP ASK
command -v perl >/dev/null || bail "perl is needed"
cl_two_clients $VOL distrep

# served NODEID: the names the kernel would be served, sorted; fails when
# any READDIR of the listing would go to the daemon.
served() { "$ASK" readdir "$CONN" "$1" >"$CL_B/served" && cut -d' ' -f2- "$CL_B/served" | sort; }
truth() { ls -a "$B/$1" | sort; }
brick_names() { ls "$(cl_brick 1 $VOL "$1" | cut -d: -f2-)/$2" | wc -l; }

# --- 1. listings on a distributed volume --------------------------------
mkdir "$B/d" && (cd "$B/d" && seq -f 'file-%g' 300 | xargs touch) ||
	bail "cannot populate d"
n1=$(brick_names 1 d)
n2=$(brick_names 2 d)
[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ]
ok $? "names on both subvolumes ($n1 and $n2)"
sleep 1.2
ls "$A/d" >/dev/null
D=$("$DUMP" resolve "$CONN" d)
"$DUMP" has-dir "$CONN" "$D"
ok $? "the listing of d is published"
out=$(served "$D")
ok $? "every READDIR of d would be answered in the kernel"
[ "$out" = "$(truth d)" ]
ok $? "with exactly the names of d ($(echo "$out" | wc -l) served)"
is "$(ls "$A/d" | sort)" "$(ls "$B/d" | sort)" "A lists d as B does"

# The kernel continues at a cookie it was served; the daemon must take it
# (on a fresh fd, which never read the listing through the daemon).
cookie=$(sed -n '150p' "$CL_B/served" | cut -d' ' -f1)
rest=$(sed -n '151,$p' "$CL_B/served" | cut -d' ' -f2- | sort)
got=$(perl -e 'opendir(my $d, $ARGV[0]) or die; seekdir($d, $ARGV[1]);
	print "$_\n" for readdir($d);' "$A/d" "$cookie" | sort)
[ -n "$cookie" ] && [ "$got" = "$rest" ]
ok $? "a READDIR at a served cookie reaches the daemon and goes on from there"
# telldir/seekdir on one fd read through the daemon
same=$(perl -e 'opendir(my $d, $ARGV[0]) or die; readdir($d) for 1..100;
	my $p = telldir($d); my @a = readdir($d); seekdir($d, $p);
	my @b = readdir($d); print "@a" eq "@b" && @a ? "same" : "differ";' "$A/d")
is "$same" same "seekdir to a telldir cookie reads the same entries again"

# --- 2. another client's changes retire the listing ----------------------
retired() { # WHAT: the listing of d is no longer served, relisted after
	local rc
	sleep 0.5
	served "$D" >/dev/null
	rc=$?
	[ $rc = 1 ]
	ok $? "$1 retires the listing of d"
	sleep 1.2
	ls "$A/d" >/dev/null
	served "$D" >/dev/null
}
touch "$B/d/created"
retired "a create from B"
is "$(served "$D")" "$(truth d)" "listed again, it has the new name"
rm "$B/d/file-7"
retired "an unlink from B"
mv "$B/d/file-8" "$B/d/renamed"
retired "a rename in d from B"
is "$(served "$D")" "$(truth d)" "listed again, it has the renamed name"

# --- 3. misses answered from the complete listing ------------------------
sleep 1.2
ls "$A/d" >/dev/null
ask() { "$ASK" lookup "$CONN" "$D" "$1"; }
is "$(ask absent-name)" ENOENT "a name not in the listing is answered ENOENT"
"$DUMP" has-entry "$CONN" "$D" absent-name
[ $? = 1 ]
ok $? "without a negative entry of its own"
out=$(ask file-42)
[ "$out" != ENOENT ]
ok $? "a listed name A never looked up is not answered missing (answered: ${out:-nothing})"
echo x >"$B/d/absent-name"
sleep 0.5
out=$(ask absent-name)
[ "$out" != ENOENT ]
ok $? "B creates it: no longer answered missing (answered: ${out:-nothing})"
is "$(cat "$A/d/absent-name")" x "A reads it"
sleep 1.2
ls "$A/d" >/dev/null
is "$(ask other-name)" ENOENT "listed again: misses answered again"
mv "$B/d/file-9" "$B/d/other-name"
sleep 0.5
out=$(ask other-name)
[ "$out" != ENOENT ]
ok $? "B renames a name to it: no longer answered missing (answered: ${out:-nothing})"

# --- 5 (on gv0, run before 4). READDIRP entries as entries and attributes --
# Names B made and A never looked up: once A lists them with ls -l, the
# extension answers a LOOKUP and a GETATTR of each, with what stat(2)
# says.  ls -l itself sends no LOOKUP (the kernel keeps READDIRPLUS's
# dentries for a second): the entries come from the listing.  Files and a
# symlink; a subdirectory's READDIRP attributes come from one subvolume
# here and are not the merged ones, so it is left to its LOOKUP.
mkdir "$B/p" && (cd "$B/p" && seq -f 'f-%g' 60 | xargs touch &&
	chmod 640 f-2 && echo data >f-3 && ln -s f-1 link) ||
	bail "cannot populate p"
sleep 1.2
ls -l "$A/p" >/dev/null
P=$("$DUMP" resolve "$CONN" p)
total=0 entries=0 same=0 looked=0 got=0
for n in $(ls "$B/p"); do
	total=$((total + 1))
	"$DUMP" has-entry "$CONN" "$P" "$n" && entries=$((entries + 1))
	"$DUMP" compare "$CONN" "$B" "p/$n" >"$CL_B/cmp" && same=$((same + 1)) ||
		diag "$(cat "$CL_B/cmp")"
	out=$("$ASK" lookup "$CONN" "$P" "$n") && looked=$((looked + 1))
	node=$(echo "$out" | sed -n 's/^nodeid=\([0-9]*\) .*/\1/p')
	[ -n "$node" ] && "$ASK" getattr "$CONN" "$node" >/dev/null &&
		got=$((got + 1))
done
diag "of $total names listed: $entries entries, $same attributes equal to" \
	"stat(2), $looked LOOKUPs and $got GETATTRs answered in the kernel"
[ "$total" -gt 60 ] && [ "$entries" = "$total" ]
ok $? "every name A listed has its entry"
is "$same" "$total" "and attributes equal to stat(2) through B"
is "$looked" "$total" "a LOOKUP of each would be answered in the kernel"
is "$got" "$total" "and a GETATTR of each"

# Changed by B after A's listing: never answered as it was.
chmod 600 "$B/p/f-5"
rm "$B/p/f-6"
mv "$B/p/f-7" "$B/p/moved"
echo more >>"$B/p/f-3"
sleep 0.5
out=$("$ASK" lookup "$CONN" "$P" f-5)
[ $? = 1 ] || echo "$out" | grep -q ' mode=100600 '
ok $? "B's chmod: f-5 is not answered with its old mode (answered: ${out:-nothing})"
out=$("$ASK" lookup "$CONN" "$P" f-6)
[ $? = 1 ] || [ "$out" = ENOENT ]
ok $? "B's unlink: f-6 is not answered (answered: ${out:-nothing})"
out=$("$ASK" lookup "$CONN" "$P" f-7)
[ $? = 1 ] || [ "$out" = ENOENT ]
ok $? "B's rename: f-7 is not answered (answered: ${out:-nothing})"
out=$("$ASK" lookup "$CONN" "$P" f-3)
[ $? = 1 ] || echo "$out" | grep -q ' size=10 '
ok $? "B's append: f-3 is not answered with its old size (answered: ${out:-nothing})"
is "$(stat -c %a "$A/p/f-5")" 600 "A sees B's chmod"
[ ! -e "$A/p/f-6" ] && [ ! -e "$A/p/f-7" ] && [ -e "$A/p/moved" ]
ok $? "A sees B's unlink and rename"

# --- 6 (on gv0). what readdir-ahead prefetched ---------------------------
# readdir-ahead reads a directory ahead at OPENDIR and hands the kernel's
# READDIRPs what it holds: that reaches the maps only through those
# replies.  B changes the directory and a file in it between A's OPENDIR
# and A's first read: what was prefetched is older than the change, and
# must not be published as current.
n=$(grep -c 'taking over the maps' "$CL_B/log-mntA.log")
cl_set 1 volume set $VOL performance.readdir-ahead on >/dev/null ||
	bail "readdir-ahead on"
cl_wait 30 sh -c "ls '$A' >/dev/null &&
	[ \$(grep -c 'taking over the maps' '$CL_B/log-mntA.log') -gt $n ]" ||
	bail "A did not take the graph with readdir-ahead"
mkdir "$B/r" && (cd "$B/r" && seq -f 'r-%g' 30 | xargs touch) ||
	bail "cannot populate r"
sleep 1.2
ls -l "$A/r" >/dev/null
R=$("$DUMP" resolve "$CONN" r)
is "$(served "$R")" "$(truth r)" "through readdir-ahead: the listing of r is published"
"$DUMP" compare "$CONN" "$B" r/r-9 >/dev/null
ok $? "and its entries' attributes"
# around CMD...: A opens r, CMD runs through B, then A reads r
around() {
	perl -e 'opendir(my $d, shift) or die; select(undef, undef, undef, 0.3);
		system(@ARGV) == 0 or die; select(undef, undef, undef, 0.7);
		my @n = readdir($d);' "$A/r" "$@" ||
		bail "cannot read r around B's change"
}
around chmod 600 "$B/r/r-5"
out=$("$ASK" lookup "$CONN" "$R" r-5)
[ $? = 1 ] || echo "$out" | grep -q ' mode=100600 '
ok $? "r-5's mode prefetched before B's chmod is not served (answered: ${out:-nothing})"
around touch "$B/r/late"
out=$(served "$R")
[ $? = 1 ] || [ "$out" = "$(truth r)" ]
ok $? "a listing prefetched before B's create is not served as current"

# --- 7 (on gv0). a directory another client changed ----------------------
# B's chmod of wd retires wd's attributes on A (its upcall).  A's kernel,
# working in wd, never looks wd up again, and a lookup of a name in wd
# brings no attributes of wd when md-cache answers it: yet every lookup in
# wd needs them in the kernel (search permission).  What A's lookup of a
# name from inside wd sends (the kernel's GETATTR of wd for its permission
# check, or the translator's STAT of wd) must bring them back.
mkdir "$B/wd" && touch "$B/wd/a" || bail "cannot populate wd"
sleep 1.2
stat "$A/wd/a" >/dev/null
WD=$("$DUMP" resolve "$CONN" wd)
"$ASK" getattr "$CONN" "$WD" >/dev/null
ok $? "wd's attributes are served after a lookup in wd"
# A process works in wd from before the chmod; this shell does not (a
# shell started there looks its $PWD up again, and that LOOKUP of wd
# would bring wd's attributes back by itself).
mkfifo "$CL_B/wd-ready" "$CL_B/wd-go" || bail "mkfifo"
exec 4<>"$CL_B/wd-ready" 5<>"$CL_B/wd-go"
(cd "$A/wd" && echo >&4 && read -r -t 30 _ <&5 &&
	sleep 1.2 && stat a >/dev/null) & # 1.2 s: past the kernel's timeouts
inwd=$!
read -r -t 30 _ <&4 || bail "no process in wd"
chmod 700 "$B/wd"
cl_wait 10 sh -c "! '$ASK' getattr '$CONN' '$WD'"
retired=$?
echo >&5
wait $inwd || bail "stat a in wd"
exec 4>&- 5>&-
ok $retired "B's chmod of wd retires them on A"
out=$("$ASK" getattr "$CONN" "$WD")
ok $? "a lookup of a (md-cache's) from inside wd brings them back (${out:-none})"
"$ASK" lookup "$CONN" "$WD" a >/dev/null
ok $? "so the kernel's next lookup of a in wd is answered there"

# --- 4. a 4+2 disperse volume --------------------------------------------
EV=gv6
cl_set 1 volume create $EV disperse 6 redundancy 2 \
	$(for i in 1 2 3; do cl_brick 1 $EV $i; cl_brick 2 $EV $i; done) \
	force >/dev/null && cl_set 1 volume set $EV group metadata-cache >/dev/null &&
	cl_cli 1 volume start $EV >/dev/null &&
	cl_set 1 volume set $EV user.extfuse on >/dev/null &&
	cl_mount mntE $EV && cl_mount mntF $EV || bail "disperse volume $EV"
CONNE=$(cl_conn mntE)
cl_wait 30 sh -c "ls '$CL_B/mntE' >/dev/null && test -d /sys/fs/bpf/extfuse/$CONNE" ||
	bail "client E did not pin its maps"
mkdir "$CL_B/mntF/d" && (cd "$CL_B/mntF/d" && seq -f 'file-%g' 300 | xargs touch) ||
	bail "cannot populate $EV/d"
sleep 1.2
ls "$CL_B/mntE/d" >/dev/null
E=$("$DUMP" resolve "$CONNE" d)
"$ASK" readdir "$CONNE" "$E" >"$CL_B/servedE"
ok $? "$EV (4+2 disperse): every READDIR of d would be answered in the kernel"
is "$(cut -d' ' -f2- "$CL_B/servedE" | sort)" "$(ls -a "$CL_B/mntF/d" | sort)" \
	"$EV: with exactly the names of d"
is "$("$ASK" lookup "$CONNE" "$E" absent-name)" ENOENT \
	"$EV: a name not in the listing is answered ENOENT"

tap_done
