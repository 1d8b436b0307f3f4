# SPDX-License-Identifier: GPL-2.0
# extfuse.ko in a QEMU guest booting the distribution kernel (TCG).  Each
# test boots one guest; they skip where QEMU, the kernel image or the built
# module is missing.  `make -C tests vm-bench` prints the stat benchmark.
check_PROGRAMS += vm/vmtool
vm_vmtool_SOURCES = vm/vmtool.c
vm_vmtool_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE
vm_vmtool_LDADD = $(top_builddir)/client/libextfuse.la $(LIBBPF_LIBS)

VM_TESTS = vm/bpf.test vm/module.test vm/fs.test vm/lifetime.test vm/faults.test \
	vm/module-6.12.test
TESTS += $(VM_TESTS)
EXTRA_DIST += $(VM_TESTS) vm/README vm/run-vm.sh vm/guest-init vm/lib.sh vm/guest-bpf.sh \
	vm/guest-module.sh vm/guest-fs.sh vm/guest-lifetime.sh \
	vm/guest-faults.sh vm/guest-bench.sh vm/bench-stat.sh

vm-bench: $(check_PROGRAMS)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(srcdir)/vm/bench-stat.sh

.PHONY: vm-bench
