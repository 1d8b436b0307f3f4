# SPDX-License-Identifier: GPL-2.0
# extfuse.ko in a QEMU guest booting a distribution kernel (TCG), 6.1 and
# 6.12.  Each test boots one guest; they skip where QEMU, the kernel image
# or the built module is missing (scripts/setup-deps installs all).
# `make -C tests vm-bench` prints the stat benchmark.
check_PROGRAMS += vm/vmtool
vm_vmtool_SOURCES = vm/vmtool.c
vm_vmtool_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE
vm_vmtool_LDADD = $(top_builddir)/client/libextfuse.la $(LIBBPF_LIBS)

# Each also on Linux 6.12 (the *-6.12.test wrappers set VM_SERIES).
VM_TESTS = vm/bpf.test vm/module.test vm/fs.test vm/lifetime.test vm/faults.test \
	vm/kcache.test vm/bpf-6.12.test vm/module-6.12.test vm/fs-6.12.test \
	vm/lifetime-6.12.test vm/faults-6.12.test vm/kcache-6.12.test
TESTS += $(VM_TESTS)
EXTRA_DIST += $(VM_TESTS) vm/README vm/run-vm.sh vm/guest-init vm/lib.sh vm/guest-bpf.sh \
	vm/guest-module.sh vm/guest-fs.sh vm/guest-lifetime.sh \
	vm/guest-faults.sh vm/guest-kcache.sh vm/guest-bench.sh vm/bench-stat.sh

vm-bench: $(check_PROGRAMS)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(srcdir)/vm/bench-stat.sh

.PHONY: vm-bench
