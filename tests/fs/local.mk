# SPDX-License-Identifier: GPL-2.0
# The in-memory test file system that the VM tests (tests/vm) mount: it
# publishes through libextfuse and audits the requests it receives.
check_PROGRAMS += fs/extfuse-testfs
fs_extfuse_testfs_SOURCES = fs/testfs.c
fs_extfuse_testfs_CPPFLAGS = $(AM_CPPFLAGS) $(FUSE3_CFLAGS) -D_GNU_SOURCE
fs_extfuse_testfs_LDADD = $(top_builddir)/client/libextfuse.la $(FUSE3_LIBS) \
	$(LIBBPF_LIBS) -lpthread
