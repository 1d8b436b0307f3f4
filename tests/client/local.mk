# SPDX-License-Identifier: GPL-2.0
# libextfuse and extfusectl against real pinned BPF maps and the real
# extension (root; a bpf filesystem of their own where none is mounted).
CLIENT_TEST_LIBS = $(top_builddir)/client/libextfuse.la $(LIBBPF_LIBS) \
	-lpthread

check_PROGRAMS += client/test-libextfuse client/extfuse-pub
client_test_libextfuse_SOURCES = client/test-libextfuse.c client/bpffs.h
client_test_libextfuse_LDADD = $(CLIENT_TEST_LIBS)
client_extfuse_pub_SOURCES = client/extfuse-pub.c
client_extfuse_pub_LDADD = $(CLIENT_TEST_LIBS)

TESTS += client/test-libextfuse client/test-extfusectl.sh
EXTRA_DIST += client/test-extfusectl.sh
