#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Provide the private FUSE headers (fs/fuse/*.h) of the kernel that KDIR
# builds for, taken from a kernel source tree or tarball (KSRC), and refuse
# a source whose version differs from the headers'.
#
# usage: fuse-src.sh KDIR KSRC OUTDIR
#   KSRC: a source tree, a linux-source-*.tar.xz, or empty for Debian's
#   /usr/src/linux-source-VERSION.PATCHLEVEL.tar.xz (or its unpacked tree).
set -eu

die() {
	echo "fuse-src.sh: error: $*" >&2
	exit 1
}

[ $# -eq 3 ] || die "usage: $0 KDIR KSRC OUTDIR"
kdir=$1
ksrc=$2
out=$3

# VERSION.PATCHLEVEL.SUBLEVEL from a kernel Makefile.
mkver() {
	sed -n -e 's/^VERSION *= *\([0-9]*\).*/V=\1/p' \
		-e 's/^PATCHLEVEL *= *\([0-9]*\).*/P=\1/p' \
		-e 's/^SUBLEVEL *= *\([0-9]*\).*/S=\1/p' "$1" |
		awk -F= '{ v[$1] = $2 } END { if (v["V"] != "" && v["P"] != "") print v["V"] "." v["P"] "." (v["S"] == "" ? 0 : v["S"]) }'
}

[ -d "$kdir" ] || die "kernel build directory $kdir not found (install linux-headers-\$(uname -r) or pass KDIR=)"
# A clean environment: a parent make's flags would add directory messages.
hver=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$kdir" kernelversion 2>/dev/null |
	grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | tail -n 1) || hver=
case $hver in
[0-9]*.[0-9]*.[0-9]*) ;;
*) die "cannot read the kernel version of $kdir" ;;
esac
vp=${hver%.*}

if [ -z "$ksrc" ]; then
	for c in "/usr/src/linux-source-$vp.tar.xz" "/usr/src/linux-source-$vp"; do
		if [ -e "$c" ]; then
			ksrc=$c
			break
		fi
	done
	[ -n "$ksrc" ] || die "no kernel source for $vp: install the Debian package linux-source-$vp or pass KSRC="
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/extfuse-ksrc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -d "$ksrc" ]; then
	src=$ksrc
else
	[ -f "$ksrc" ] || die "KSRC $ksrc is neither a directory nor a file"
	top=$(basename "$ksrc")
	top=${top%.tar.xz}
	tar -xJf "$ksrc" -C "$tmp" "$top/Makefile" "$top/fs/fuse" ||
		die "cannot extract $top/fs/fuse from $ksrc"
	src=$tmp/$top
fi
[ -f "$src/fs/fuse/fuse_i.h" ] || die "$src/fs/fuse/fuse_i.h not found"
sver=$(mkver "$src/Makefile")
[ "$sver" = "$hver" ] ||
	die "kernel source $ksrc is version ${sver:-unknown}, the headers in $kdir are $hver: the private FUSE structures would not match"

mkdir -p "$out"
cp "$src"/fs/fuse/*.h "$out/"
echo "$hver $ksrc" > "$out/VERSION"
echo "fuse-src.sh: FUSE headers of $hver from $ksrc"
