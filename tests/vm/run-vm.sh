#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a Debian kernel (6.1 or 6.12) under QEMU (TCG) with the host root read-only
# over 9p and a tmpfs overlay, run a guest script as root, and print the
# TAP it wrote.  Results come back through a writable 9p share (a mktemp
# directory).  A hung guest is killed by a timeout and fails the test.
#
# usage: run-vm.sh GUEST-SCRIPT [ARGS...]
# env:   top_builddir, top_srcdir (set by make check), VM_TIMEOUT (s),
#        VM_MEM (MiB), VM_KVER (kernel version, default: the newest of
#        series VM_SERIES, default 6.1), VM_KROOT (a root where boot/ and
#        lib/modules/ of that kernel are unpacked, default /),
#        EXTFUSE_KO (default: kmod/extfuse.ko or kmod/VM_KVER/extfuse.ko,
#        whichever was built for VM_KVER), VM_KEEP=1 keeps the share.
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
top_builddir=$(cd "$top_builddir" && pwd)
: "${VM_TIMEOUT:=600}"
: "${VM_MEM:=2048}"

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

[ $# -ge 1 ] || { echo "usage: $0 GUEST-SCRIPT [ARGS...]" >&2; exit 2; }
script=$1
shift
case $script in /*) ;; *) script=$(pwd)/$script ;; esac
[ -r "$script" ] || { echo "Bail out! $script not found"; exit 1; }

[ "$(id -u)" = 0 ] || skip_all "needs root (9p export of /, QEMU)"
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (Debian: qemu-system-x86)"
command -v cpio >/dev/null || skip_all "cpio not installed"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && "$busybox" --list 2>/dev/null | grep -qx insmod ||
	skip_all "busybox (static, with insmod) not installed (Debian: busybox-static)"

kroot=${VM_KROOT:-}
series=${VM_SERIES:-6.1}

# The guest kernel: a vmlinuz-V of the series whose modules are installed,
# newest first; V must be the version the module was built for.
find_kver() {
	local k v
	for k in $(ls -1 "$kroot/boot/vmlinuz-$series".* 2>/dev/null | sort -rV); do
		v=${k#"$kroot"/boot/vmlinuz-}
		[ -d "$kroot/lib/modules/$v/kernel" ] && { echo "$v"; return; }
	done
}
kver=${VM_KVER:-$(find_kver)}
[ -n "$kver" ] && [ -r "$kroot/boot/vmlinuz-$kver" ] ||
	skip_all "no bootable $series kernel with modules in $kroot/boot (see scripts/setup-deps)"
vermagic() { modinfo -F vermagic "$1" 2>/dev/null | awk '{print $1}'; }
ko=${EXTFUSE_KO:-}
if [ -z "$ko" ]; then
	for ko in "$top_builddir/kmod/extfuse.ko" "$top_builddir/kmod/$kver/extfuse.ko"; do
		[ -f "$ko" ] && [ "$(vermagic "$ko")" = "$kver" ] && break
	done
fi
[ -f "$ko" ] || skip_all "extfuse.ko not built for $kver (kernel headers missing?)"
kover=$(vermagic "$ko")
[ "$kover" = "$kver" ] || skip_all "$ko is built for $kover, the guest kernel is $kver"

share=$(mktemp -d "${TMPDIR:-/tmp}/extfuse-vm.XXXXXX")
chmod 0755 "$share"
cleanup() {
	# timeout(1) runs QEMU in a process group of its own: kill its
	# child too, or QEMU outlives a test that was interrupted.
	if [ -n "${qpid:-}" ]; then
		pkill -9 -P "$qpid" 2>/dev/null
		kill -9 "$qpid" 2>/dev/null
	fi
	if [ "${VM_KEEP:-0}" = 1 ]; then
		echo "# share kept in $share" >&2
	else
		rm -rf "$share"
	fi
}
trap cleanup EXIT

# --- initramfs -----------------------------------------------------------
ird=$share/initramfs
mkdir -p "$ird"/{bin,dev,proc,sys,host,out,newroot,rw,lib/modules}
cp "$busybox" "$ird/bin/busybox"
for a in sh sed grep ln mount umount insmod mkdir chroot poweroff cat echo \
	sleep ls sync; do
	ln -s busybox "$ird/bin/$a"
done
# In dependency order for both kernels: 6.12's 9pnet needs netfs, whose
# fscache is part of it there.  busybox insmod takes only uncompressed
# modules (6.12's are xz); modules built in (6.12's fuse) are skipped.
mods="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p fuse overlay"
for m in $mods; do
	f=$(modinfo -b "${kroot:-/}" -k "$kver" -n "$m" 2>/dev/null) || {
		[ "$m" = fscache ] && continue
		echo "Bail out! module $m not found for $kver"
		exit 1
	}
	case $f in
	*.ko.xz) xz -dc "$f" > "$ird/lib/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" > "$ird/lib/modules/$m.ko" ;;
	*.ko.gz) gzip -dc "$f" > "$ird/lib/modules/$m.ko" ;;
	/*) cp "$f" "$ird/lib/modules/$m.ko" ;;
	*) ;; # built in
	esac || { echo "Bail out! cannot copy $f"; exit 1; }
done
echo "$mods" > "$ird/lib/modules/order"
cp "$here/guest-init" "$ird/init"
chmod 0755 "$ird/init"
(cd "$ird" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$share/initramfs.gz"
rm -rf "$ird"

# --- what the guest runs -------------------------------------------------
{
	echo "export top_srcdir='$top_srcdir' top_builddir='$top_builddir'"
	echo "export EXTFUSE_KO='$ko' VM_KVER='$kver'"
	# Each argument quoted, so that one with blanks stays one.
	printf 'export GUEST_ARGS=%q\n' "$(printf '%q ' "$@")"
	printf 'export GUEST_SCRIPT=%q\n' "$script"
} > "$share/env"
cat > "$share/run" <<'EOS'
#!/bin/bash
. /out/env
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
cd /
eval "set -- $GUEST_ARGS"
bash "$GUEST_SCRIPT" "$@" > /out/tap 2> /out/stderr
echo $? > /out/rc
EOS
chmod 0755 "$share/run"

console=$share/console.log
# tsc=unstable: under TCG, 6.12 finds the TSC stable and, late in boot,
# patches the sched_clock static branch while both vCPUs run; QEMU then
# sometimes executes the stale int3 of that patch and the guest dies
# ("Oops: int3" in sched_clock_cpu).  6.1 marks the TSC unstable by itself
# and never flips that branch: now both kernels run alike.
timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max \
	-m "$VM_MEM" -smp 2 -nographic -no-reboot \
	-kernel "$kroot/boot/vmlinuz-$kver" -initrd "$share/initramfs.gz" \
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 tsc=unstable" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$share,mount_tag=out,security_model=none,multidevs=remap" \
	-nic none > "$console" 2>&1 < /dev/null &
qpid=$!
# A guest kernel that panicked may hang instead of powering off (TCG):
# stop it at once rather than at the timeout.
while kill -0 "$qpid" 2>/dev/null; do
	if grep -q 'Kernel panic - not syncing' "$console" 2>/dev/null; then
		sleep 2 # the rest of the report
		pkill -9 -P "$qpid" 2>/dev/null
		kill -9 "$qpid" 2>/dev/null
		break
	fi
	sleep 1
done
wait "$qpid"
qrc=$?
qpid=

[ -f "$share/tap" ] && cat "$share/tap"
if [ "$qrc" -ne 0 ] || [ ! -f "$share/rc" ]; then
	echo "not ok - guest did not finish (qemu exit $qrc; 124 = timeout after ${VM_TIMEOUT}s, 137 = kernel panic)"
	echo "# ---- console ----"
	sed 's/^/# /' "$console" | tail -n 150
	echo "Bail out! guest failed"
	exit 1
fi
rc=$(cat "$share/rc")
if [ "$rc" -ne 0 ] || grep -q -E 'BUG:|Oops|WARNING:|Call Trace' "$console" "$share/dmesg" 2>/dev/null; then
	echo "# ---- guest stderr ----"
	sed 's/^/# /' "$share/stderr" | tail -n 80
	echo "# ---- dmesg / console ----"
	[ -f "$share/dmesg" ] && sed 's/^/# /' "$share/dmesg" | tail -n 80
	sed 's/^/# /' "$console" | tail -n 40
fi
if grep -q -E 'BUG:|Oops|WARNING:|Call Trace' "$share/dmesg" "$console" 2>/dev/null; then
	echo "not ok - kernel warnings in the guest (see above)"
	exit 1
fi
exit "$rc"
