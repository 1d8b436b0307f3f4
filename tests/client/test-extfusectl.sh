#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# extfusectl against connections published by extfuse-pub into a private
# pin root (real BPF maps).  Needs root; mounts a bpf filesystem of its own
# when none is on /sys/fs/bpf.
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$here/../..}"
: "${top_builddir:=$top_srcdir}"
: "${EXTFUSECTL:=$top_builddir/client/extfusectl}"
PUB=$top_builddir/tests/client/extfuse-pub
. "$top_srcdir/tests/lib/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (BPF maps, bpffs)"
[ -x "$EXTFUSECTL" ] || bail "extfusectl not built: $EXTFUSECTL"
[ -x "$PUB" ] || bail "helper not built: $PUB"
command -v python3 >/dev/null || skip_all "needs python3 to parse JSON"

base= mnt= tmp=
cleanup() {
	[ -n "$base" ] && rm -rf "$base"
	tap_bpffs_release
	[ -n "$mnt" ] && rmdir "$mnt"
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

tmp=$(mktemp -d) || bail "mktemp failed"
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ]; then
	base=$(mktemp -d /sys/fs/bpf/extfuse-test-XXXXXX) || bail "mktemp in bpffs"
else
	mnt=$(mktemp -d) || bail "mktemp failed"
	tap_bpffs "$mnt"
	base=$mnt/t
	mkdir "$base"
fi
root=$base/pins

# run ARGS...: extfusectl with our pin root; sets $rc, $tmp/out, $tmp/err
run() {
	"$EXTFUSECTL" --pin-root "$root" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
has() { grep -qF -- "$1" "$tmp/$2"; }
# expect CODE DESCRIPTION: $rc is CODE and, for errors, stderr says something
expect() {
	is "$rc" "$1" "$2 (exit $1)"
	if [ "$1" -ne 0 ]; then
		[ -s "$tmp/err" ]
		ok $? "$2: message on stderr: $(head -n 1 "$tmp/err")"
	fi
}

# ---- no connection yet ----
run stats
expect 4 "stats with nothing pinned"
has "no connection pinned" err
ok $? "says no connection is pinned"

"$PUB" "$root" c1
ok $? "helper published connection c1"

# ---- stats ----
run stats
expect 0 "stats"
is "$(awk '$1 == "lookup" { print $2 "/" $3 }' "$tmp/out")" "1/1" \
	"stats: lookup hits/misses"
is "$(awk '$1 == "getattr" { print $2 "/" $3 }' "$tmp/out")" "1/1" \
	"stats: getattr hits/misses"
has "module: not loaded" out
ok $? "stats: the module's counters are missing, and it says why"

run stats --json
expect 0 "stats --json"
python3 -m json.tool "$tmp/out" >/dev/null 2>&1
ok $? "stats --json is valid JSON"
got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
o = d["ops"]
print(d["connection"], o["lookup"]["hits"], o["getattr"]["misses"],
      d["total"]["hits"], len(o), d["module"])' "$tmp/out")
is "$got" "c1 1 1 2 9 None" \
	"stats --json: connection, counters, totals, 9 ops, no module"
run stats c1 --json
expect 0 "stats CONN --json"
python3 -m json.tool "$tmp/out" >/dev/null 2>&1
ok $? "stats CONN --json is valid JSON"

# ---- dump ----
run dump c1
expect 0 "dump"
has 'entries: 4' out
ok $? "dump: 4 entries"
has '1/"hello" -> node 100 gen 7  expires in' out
ok $? "dump: positive entry with time to expiry"
has '1/"missing" -> negative' out
ok $? "dump: negative entry"
grep -F '101/"inner"' "$tmp/out" | grep -qF '[stale: version 0, now 1]'
ok $? "dump: entry under an invalidated dir shows as stale"
grep -F '1/"hello"' "$tmp/out" | grep -qF '[current]'
ok $? "dump: current entry shows as current"
has 'node 100: reg mode 0644 ino 100 size 12 nlink 1 uid 1000 gid 1000' out
ok $? "dump: attributes"
grep -F 'node 101:' "$tmp/out" | grep -qF '[may-have-acl]'
ok $? "dump: ACL flag"
has 'dir 1 plain: listing' out && has 'dir 1 plus: listing' out
ok $? "dump: both listings"
has 'off 3 ino 100 reg "hello"' out
ok $? "dump: listing records"
has 'served: 1' out && has '  node 100: 1' out
ok $? "dump: served count of node 100"

# ---- config ----
run config c1
expect 0 "config (show)"
has 'entry_timeout  1s' out && has 'negative       on' out
ok $? "config shows the defaults"
run config c1 entry_timeout=250ms negative=off
expect 0 "config set"
has 'entry_timeout  250ms' out && has 'negative       off' out
ok $? "config shows the new values"
run config entry_timeout=1.5s
expect 0 "config set without CONN"
has 'entry_timeout  1500ms' out
ok $? "fractional seconds"
run config c1 attr_timeout=expiry
expect 0 "config set to the values' expiry"
has 'attr_timeout   expiry' out
ok $? "config shows expiry"
run config c1 absent_selinux=on absent_capability=off
expect 0 "config set: the security names the daemon refuses by name"
has 'absent_selinux on' out && has 'absent_capability off' out
ok $? "config shows them"
run config c1 bogus=1
expect 2 "config: unknown key"
run config c1 enabled=maybe
expect 2 "config: bad boolean"
run config c1 attr_timeout=-1s
expect 2 "config: negative duration"
run config c1 attr_timeout=5parsecs
expect 2 "config: bad unit"
run config c1 negative
expect 2 "config: a setting without '='"
run config negative
expect 4 "config: a first word without '=' names the connection"

# ---- status, module ----
if [ -e /dev/extfuse ]; then
	diag "/dev/extfuse exists: skipping the module-missing checks"
else
	run status
	is "$rc" 3 "status without the module (exit 3)"
	has 'module: not loaded (/dev/extfuse missing)' out
	ok $? "status: module not loaded"
	has 'pinned connections: 1' out && has 'c1: enabled, program pinned' out
	ok $? "status: the pinned connection"
	run attach c1 "$tmp"
	expect 3 "attach without the module"
	has 'extfuse kernel module not loaded (/dev/extfuse missing)' err
	ok $? "attach: clear message"
	run detach "$tmp"
	expect 3 "detach without the module"
fi
run attach c1 "$tmp/nonexistent"
expect 1 "attach to a missing mount point"
run attach nosuch "$tmp"
expect 4 "attach an unknown connection"

# ---- flush ----
run flush
expect 0 "flush (the only connection)"
run dump
expect 0 "dump after flush"
has 'entries: 0' out && has 'attrs: 0' out && has 'listings: 0' out
ok $? "flush emptied the caches"
has '  node 100: 1' out
ok $? "served counts survive a flush"

# ---- bad arguments ----
run
expect 2 "no command"
run bogus
expect 2 "unknown command"
has "unknown command 'bogus'" err
ok $? "names the unknown command"
run --bogus stats
expect 2 "unknown global option"
"$EXTFUSECTL" --pin-root >"$tmp/out" 2>"$tmp/err"
rc=$?
expect 2 "--pin-root without a value"
run stats --bogus
expect 2 "unknown stats option"
run stats a b
expect 2 "stats: too many arguments"
run dump a b
expect 2 "dump: too many arguments"
run flush --json
expect 2 "flush does not take --json"
run status extra
expect 2 "status: too many arguments"
run attach c1
expect 2 "attach: missing argument"
run detach
expect 2 "detach: missing argument"
run stats 'bad/name'
expect 2 "invalid connection name"
run stats nosuch
expect 4 "unknown connection"
has "no connection 'nosuch'" err
ok $? "names the unknown connection"
"$EXTFUSECTL" --pin-root "$tmp/none" stats >"$tmp/out" 2>"$tmp/err"
rc=$?
expect 4 "pin root that does not exist"

# ---- several connections ----
"$PUB" "$root" c2
ok $? "helper published connection c2"
run stats
expect 2 "stats without CONN with two connections"
has "name one" err
ok $? "asks to name one"
run stats c2
expect 0 "stats c2"
run status
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]
ok $? "status with two connections"
has 'pinned connections: 2' out
ok $? "status lists both"

# ---- a malformed listing ----
"$PUB" "$root" c3 corrupt
ok $? "helper published connection c3 with a malformed chunk"
run dump c3
expect 0 "dump of a malformed listing"
has '(malformed chunk after offset 0)' out
ok $? "dump: marks the malformed chunk in the listing"
has 'malformed listing of directory 1 (plain)' err
ok $? "dump: says what is malformed: $(head -n 1 "$tmp/err")"
has 'dir 1 plus: listing' out && has 'off 3 ino 100 reg "hello"' out
ok $? "dump: the other listing is still shown"

# ---- help, version ----
run --version
expect 0 "--version"
has "extfusectl " out
ok $? "prints the version"
run --help
expect 0 "--help"
has "Exit status:" out && has "3  the extfuse kernel module is not loaded" out &&
	has "4  no such connection" out
ok $? "--help documents the exit codes"

tap_done
