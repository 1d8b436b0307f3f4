#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kmod/fuse-src.sh, which every build of extfuse.ko (make, DKMS) runs
# first: it refuses kernels outside the supported series and sources of
# another version, and reads which fs/fuse layout the source has.  Fake
# kernel build directories and sources stand in for the real ones.
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$here/../..}"
. "$top_srcdir/tests/lib/tap.sh"
FUSE_SRC=$top_srcdir/kmod/fuse-src.sh

tmp=$(mktemp -d) || bail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

# kdir VERSION: a build directory whose `make kernelversion` says VERSION.
kdir() {
	mkdir -p "$tmp/kdir-$1"
	printf 'kernelversion:\n\t@echo %s\n' "$1" >"$tmp/kdir-$1/Makefile"
	echo "$tmp/kdir-$1"
}

# ksrc VERSION FUSE_I_H_LINES: a source tree of VERSION.
ksrc() {
	local d=$tmp/src-$1-$$-$(date +%N)
	mkdir -p "$d/fs/fuse"
	printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = %s\n' \
		"$(echo "$1" | cut -d. -f1)" "$(echo "$1" | cut -d. -f2)" \
		"$(echo "$1" | cut -d. -f3)" >"$d/Makefile"
	printf '%s\n' "$2" >"$d/fs/fuse/fuse_i.h"
	echo "$d"
}

# run KDIR KSRC: fuse-src.sh into a fresh directory; its output in $tmp/out.
run() {
	rm -rf "$tmp/gen"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		sh "$FUSE_SRC" "$1" "$2" "$tmp/gen" >"$tmp/out" 2>&1
}

for v in 6.5.0 6.10.3 6.13.1 5.10.0 6.121.0; do
	run "$(kdir $v)" "$(ksrc $v '')"
	rc=$?
	[ $rc != 0 ] && grep -q "Linux $v is not supported: extfuse.ko builds only for Linux 6.1 and 6.12" "$tmp/out"
	ok $? "Linux $v is refused with a clear message" || sed 's/^/#   /' "$tmp/out"
done

run "$(kdir 6.12.118)" "$(ksrc 6.12.117 '')"
[ $? != 0 ] && grep -q 'is version 6.12.117, the headers in .* are 6.12.118' "$tmp/out"
ok $? "a 6.12.117 source for 6.12.118 headers is refused" || sed 's/^/#   /' "$tmp/out"

run "$(kdir 6.1.192)" "$(ksrc 6.1.192 'ssize_t fuse_simple_request(struct fuse_mount *fm, struct fuse_args *args);')"
ok $? "a 6.1 source is accepted" || sed 's/^/#   /' "$tmp/out"
grep -q '^/\* EXTFUSE_HAVE_IDMAP_REQUEST: not' "$tmp/gen/extfuse_fuse_config.h" &&
	grep -q '^/\* EXTFUSE_HAVE_AP_FOLIOS: not' "$tmp/gen/extfuse_fuse_config.h"
ok $? "6.1 layout: fuse_simple_request, READDIR in pages"

run "$(kdir 6.12.118)" "$(ksrc 6.12.118 'ssize_t __fuse_simple_request(struct mnt_idmap *idmap,
	bool uses_folios;')"
ok $? "a 6.12 source is accepted" || sed 's/^/#   /' "$tmp/out"
grep -qx '#define EXTFUSE_HAVE_IDMAP_REQUEST 1' "$tmp/gen/extfuse_fuse_config.h" &&
	grep -qx '#define EXTFUSE_HAVE_AP_FOLIOS 1' "$tmp/gen/extfuse_fuse_config.h"
ok $? "6.12 layout: __fuse_simple_request with an idmap, READDIR in folios"
[ -f "$tmp/gen/fuse_i.h" ]
ok $? "the private FUSE headers are copied"

tap_done
