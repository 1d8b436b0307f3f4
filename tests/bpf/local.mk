# SPDX-License-Identifier: GPL-2.0
# The extension program itself, run by the kernel through BPF_PROG_TEST_RUN.
check_PROGRAMS += bpf/test_extension
TESTS += bpf/test_extension
bpf_test_extension_SOURCES = bpf/test_extension.c
bpf_test_extension_LDADD = $(LIBBPF_LIBS)
bpf/test_extension.$(OBJEXT): $(top_builddir)/bpf/extfuse.skel.h
