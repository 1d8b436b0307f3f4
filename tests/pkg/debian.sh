#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Debian packages.  Builds them with dpkg-buildpackage from a copy of
# the distribution tree (what a release tarball holds), then:
#  - unpacks them into a scratch root and checks that every file lands
#    where Gluster (glusterfs --print-xlatordir), glusterd (its working
#    directory and hook directories) and pkg-config look, and that the
#    packaged extfusectl, library and headers work from there;
#  - builds the module from extfuse-dkms's source with DKMS, in a private
#    DKMS tree, for every installed 6.1 and 6.12 kernel with headers, and
#    checks that DKMS skips other kernels;
#  - runs lintian and fails on errors;
#  - installs and purges the non-DKMS packages with dpkg on this machine
#    while a private glusterd runs: glusterd keeps working, runs the
#    packaged filter once installed and not after the purge, and the purge
#    leaves nothing behind.  Skipped when a package is installed already.
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$here/../..}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/cluster/lib.sh"

PKGS="libextfuse0 libextfuse-dev extfuse-tools glusterfs-extfuse"
ALL_PKGS="$PKGS extfuse-dkms"

[ "$(id -u)" = 0 ] || skip_all "needs root (dpkg, glusterd)"
for p in dpkg-buildpackage dh dh_dkms lintian dkms glusterfs glusterd gluster make cc; do
	command -v "$p" >/dev/null 2>&1 ||
		skip_all "$p not installed (scripts/setup-deps installs it)"
done
[ -f "$top_builddir/Makefile" ] || bail "no configured build tree in $top_builddir"

tmp=
installed=
aside=
cleanup() {
	if [ -n "$installed" ]; then
		# shellcheck disable=SC2086
		dpkg_locked --purge $PKGS >/dev/null 2>&1
	fi
	cl_teardown
	for f in $aside; do
		mv "$tmp/aside$f" "$f" || echo "# $f is left in $tmp/aside" >&2
	done
	# What could not be put back stays in $tmp.
	if [ -n "$tmp" ] && [ -z "$(find "$tmp/aside" ! -type d 2>/dev/null)" ]; then
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

# dpkg_locked ARGS...: dpkg, waiting up to a minute for an apt-get or dpkg
# that another process runs.
dpkg_locked() {
	local end=$(($(date +%s) + 60))
	while :; do
		dpkg "$@" >"$tmp/dpkg.out" 2>&1 && return 0
		grep -q 'lock' "$tmp/dpkg.out" || break
		[ "$(date +%s)" -lt "$end" ] || break
		sleep 2
	done
	cat "$tmp/dpkg.out" >&2
	return 1
}

skip() { # skip DESCRIPTION: reason
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $*"
}

tmp=$(mktemp -d) || bail "mktemp failed"
CL_B=$tmp/cl
mkdir "$CL_B" || bail "mkdir failed"
# Before anything can write there: cl_teardown removes what is new in
# Gluster's fixed system directories.
cl_snapshot_system
ver=$(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")
[ -n "$ver" ] || bail "no PACKAGE_VERSION in $top_builddir/Makefile"
src=$tmp/extfuse-gluster-$ver
# The test runs under make: its flags are not for these builds.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"; }

# ---- build ----
t0=$(date +%s)
# Automake's distdir must be relative to the build tree.
rel=$(realpath --relative-to="$top_builddir" "$src")
mk -s -C "$top_builddir" distdir distdir="$rel" top_distdir="$rel" \
	>"$tmp/distdir.log" 2>&1
ok $? "make distdir: a copy of the distribution tree" ||
	{ tail -n 20 "$tmp/distdir.log" | sed 's/^/#   /'; exit 1; }
is "$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)" "$ver" \
	"debian/changelog has the version of configure.ac"

(cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	dpkg-buildpackage -us -uc -b -j2) >"$tmp/build.log" 2>&1
ok $? "dpkg-buildpackage -us -uc -b" ||
	{ tail -n 30 "$tmp/build.log" | sed 's/^/#   /'; exit 1; }
diag "built in $(($(date +%s) - t0)) s"

root=$tmp/root
mkdir "$root"
for p in $ALL_PKGS; do
	deb=$(ls "$tmp/${p}_${ver}_"*.deb 2>/dev/null)
	[ -f "$deb" ] && dpkg-deb -x "$deb" "$root"
	ok $? "package $p built and unpacked"
done

# ---- where the files land ----
xd=$(glusterfs --print-xlatordir)
for so in extfuse.so extfuse-probe.so extfuse-notify.so; do
	[ -f "$root$xd/performance/$so" ]
	ok $? "performance/$so in glusterfs --print-xlatordir ($xd)"
done
[ -x "$root$(dirname "$xd")/filter/extfuse-filter" ]
ok $? "volfile filter executable in $(dirname "$xd")/filter"

# glusterd's working directory (glusterd.vol) holds the hooks, under the
# version directory that glusterfs-server puts its own hooks in (the
# running glusterd below shows that it uses set and reset under it).
gdwd=$(sed -n 's/^ *option  *working-directory  *//p' /etc/glusterfs/glusterd.vol 2>/dev/null)
: "${gdwd:=/var/lib/glusterd}"
if dpkg -L glusterfs-server >/dev/null 2>&1; then
	dpkg -L glusterfs-server | grep -qxF "$gdwd/hooks/1/set/post"
	ok $? "glusterfs-server ships its hooks in $gdwd/hooks/1 too"
fi
for op in set reset; do
	h=$gdwd/hooks/1/$op/post
	[ -x "$root$h/S60extfuse-regen" ]
	ok $? "glusterd hook executable in $h"
done

ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
[ -x "$root/usr/sbin/extfusectl" ] &&
	[ -f "$root/usr/share/man/man8/extfusectl.8.gz" ]
ok $? "extfusectl and its man page"
LD_LIBRARY_PATH=$root/usr/lib/$ma "$root/usr/sbin/extfusectl" --help \
	>"$tmp/help.out" 2>&1
ok $? "the packaged extfusectl runs on the packaged library"
LD_LIBRARY_PATH=$root/usr/lib/$ma ldd "$root/usr/sbin/extfusectl" |
	grep -q "libextfuse.so.0 => $root/"
ok $? "extfusectl links libextfuse.so.0"

# The development package alone: header, ABI header, .so and .pc.
cat >"$tmp/use.c" <<'EOF'
#include <libextfuse.h>
int main(void)
{
	return extfuse_remove("0", "/nonexistent") < 0 ? 0 : 1;
}
EOF
PKG_CONFIG_SYSROOT_DIR=$root \
	PKG_CONFIG_LIBDIR=$root/usr/lib/$ma/pkgconfig:/usr/lib/$ma/pkgconfig:/usr/share/pkgconfig \
	pkg-config --cflags --libs libextfuse >"$tmp/pc.out" 2>&1
ok $? "pkg-config finds libextfuse.pc" || sed 's/^/#   /' "$tmp/pc.out"
# shellcheck disable=SC2046
cc -Wall -Werror -o "$tmp/use" "$tmp/use.c" $(cat "$tmp/pc.out") \
	>"$tmp/cc.out" 2>&1
ok $? "a program builds against libextfuse-dev with pkg-config" ||
	sed 's/^/#   /' "$tmp/cc.out"

# ---- dependencies and maintainer scripts ----
rel=$(basename "$(dirname "$xd")")
next=$(echo "$rel" | awk -F. -v OFS=. '{ $NF = $NF + 1; print }')
deps=$(dpkg-deb -f "$tmp/glusterfs-extfuse_${ver}_"*.deb Depends)
for p in glusterfs-common libglusterfs0; do
	echo "$deps" | grep -qF "$p (>= $rel)" &&
		echo "$deps" | grep -qF "$p (<< $next~)"
	ok $? "glusterfs-extfuse depends on $p of Gluster $rel only"
done
gv=$(dpkg-query -W -f='${Version}' glusterfs-common)
dpkg --compare-versions "$gv" ge "$rel" && dpkg --compare-versions "$gv" lt "$next~"
ok $? "the installed glusterfs-common $gv satisfies it"
for p in $PKGS; do
	rm -rf "$tmp/ctl" && dpkg-deb -e "$tmp/${p}_${ver}_"*.deb "$tmp/ctl" &&
		! grep -lE 'glusterd|systemctl|service|invoke-rc|kill' \
			"$tmp/ctl"/*inst "$tmp/ctl"/*rm 2>/dev/null
	ok $? "$p: no maintainer script touches glusterd"
done

# ---- DKMS ----
kt=$root/usr/src/extfuse-$ver
grep -qx "PACKAGE_VERSION=\"$ver\"" "$kt/dkms.conf" && ! grep -q @ "$kt/dkms.conf"
ok $? "dkms.conf of extfuse $ver in /usr/src/extfuse-$ver"
# Every installed kernel of a supported series with its headers; each
# series needs its linux-source package (scripts/setup-deps installs both).
dk="--dkmstree $tmp/dkms --sourcetree $root/usr/src --installtree $tmp/mods"
# No signing: DKMS would create a signing key in /var/lib/dkms.
export sign_file=/nonexistent
mkdir -p "$tmp/dkms" "$tmp/mods"
# shellcheck disable=SC2086
dkms add -m extfuse -v "$ver" $dk >"$tmp/dkms.log" 2>&1
ok $? "dkms add extfuse/$ver from the package" ||
	tail -n 20 "$tmp/dkms.log" | sed 's/^/#   /'
for series in 6.1 6.12; do
	kvers=$(cd /lib/modules 2>/dev/null && ls -d "$series".* 2>/dev/null |
		while read -r v; do [ -d "$v/build" ] && echo "$v"; done)
	if [ -z "$kvers" ] || [ ! -f "/usr/src/linux-source-$series.tar.xz" ]; then
		skip "DKMS build for $series: no $series kernel headers or no linux-source-$series"
		continue
	fi
	for kver in $kvers; do
		# shellcheck disable=SC2086
		dkms build -m extfuse -v "$ver" -k "$kver" $dk >>"$tmp/dkms.log" 2>&1
		ok $? "DKMS builds the module for $kver from the package" ||
			tail -n 20 "$tmp/dkms.log" | sed 's/^/#   /'
		# DKMS compresses it as the kernel's own modules (6.12: xz).
		ko=$(find "$tmp/dkms/extfuse/$ver/$kver" -name 'extfuse.ko*' 2>/dev/null)
		is "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" "$kver" \
			"the module is built for $kver"
	done
done
# A kernel outside the supported series is skipped (exit 77), which lets
# the package install anyway; so is one whose version only starts alike.
for kver in 6.99.0-test 6.10.0-test 6.121.0-test 5.1.0-test; do
	# shellcheck disable=SC2086
	dkms build -m extfuse -v "$ver" -k "$kver" $dk >>"$tmp/dkms.log" 2>&1
	is "$?" 77 "DKMS skips kernel $kver (not 6.1 or 6.12)"
done

# ---- lintian ----
# Its scratch files (left behind) go into $tmp with the rest.
TMPDIR=$tmp lintian --fail-on error "$tmp/extfuse-gluster_${ver}_"*.changes \
	>"$tmp/lintian.out" 2>&1
ok $? "lintian reports no errors" || grep '^E:' "$tmp/lintian.out" | sed 's/^/#   /'
grep -E '^(W|E):' "$tmp/lintian.out" | sed 's/^/# lintian: /'

# ---- install and purge with dpkg while glusterd runs ----
present=
for p in $PKGS; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
	*installed* | *config-files*) present="$present $p" ;;
	esac
done
# package_files_present: the files of the built packages (not their
# directories) that exist on this machine.
package_files_present() {
	local p f
	for p in $PKGS; do
		for f in $(dpkg-deb -c "$tmp/${p}_${ver}_"*.deb | awk '$1 !~ /^d/ { print substr($6, 2) }'); do
			[ -e "$f" ] || [ -L "$f" ] && echo "$f"
		done
	done
}

# A package file already on disk that no package owns (a translator copied
# in by hand, say) is set aside for the install and purge and put back by
# cleanup; one that a package owns is that package's, and is left alone.
owned=
unowned=
for f in $(package_files_present); do
	if dpkg-query -S "$f" >/dev/null 2>&1; then
		owned="$owned $f"
	else
		unowned="$unowned $f"
	fi
done
if [ -n "$present" ] || [ -n "$owned" ]; then
	skip "dpkg install and purge: already installed here:$present$owned"
	tap_done
	exit
fi
# cleanup puts back what aside names: only what was moved.
for f in $unowned; do
	mkdir -p "$tmp/aside${f%/*}" && mv "$f" "$tmp/aside$f" ||
		bail "cannot set $f aside"
	aside="$aside $f"
done
[ -z "$aside" ] || diag "set aside until the end (no package owns them):$aside"

cl_start_glusterds 1 "$root$gdwd/hooks/1/set/post/S60extfuse-regen"
ok $? "a private glusterd runs" || exit 1
b=$(cl_gd_dir 1)
# glusterd makes pre and post for every operation it runs hooks for.
for op in set reset; do
	[ -d "$b/glusterd/hooks/1/$op/pre" ]
	ok $? "glusterd runs hooks from hooks/1/$op"
done
vf=$b/glusterd/vols/pkgvol/pkgvol.tcp-fuse.vol
cl_set 1 volume create pkgvol "127.1.1.1:$b/bricks/b" force >/dev/null &&
	cl_set 1 volume set pkgvol user.extfuse on >/dev/null
ok $? "volume with user.extfuse on"
! grep -q 'type performance/extfuse' "$vf"
ok $? "no filter yet: the client volfile has no translator"

installed=yes
# shellcheck disable=SC2046
dpkg_locked -i $(for p in $PKGS; do echo "$tmp/${p}_${ver}_"*.deb; done)
ok $? "dpkg -i $PKGS"
cl_pid_alive "$b/glusterd.pid" && cl_cli 1 volume info pkgvol >/dev/null
ok $? "glusterd still answers after the install"
cl_set 1 volume set pkgvol performance.md-cache-timeout 2 >/dev/null &&
	grep -q 'type performance/extfuse$' "$vf" &&
	grep -q 'type performance/extfuse-probe$' "$vf"
ok $? "glusterd runs the packaged filter: translator and probe in the volfile"
ldconfig -p | grep -q 'libextfuse.so.0 '
ok $? "libextfuse.so.0 in the dynamic linker's cache"

# shellcheck disable=SC2086
dpkg_locked --purge $PKGS
ok $? "dpkg --purge $PKGS"
installed=
is "$(package_files_present | tr '\n' ' ')" "" "the purge leaves no package file behind"
cl_pid_alive "$b/glusterd.pid" && cl_cli 1 volume info pkgvol >/dev/null
ok $? "glusterd still answers after the purge"
cl_set 1 volume set pkgvol performance.md-cache-timeout 3 >/dev/null &&
	! grep -q 'type performance/extfuse' "$vf"
ok $? "after the purge the volfile has no translator"

tap_done
