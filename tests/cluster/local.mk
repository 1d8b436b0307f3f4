# SPDX-License-Identifier: GPL-2.0
# performance/extfuse on real glusterds: on this host (the daemon side,
# maps and upcalls) and in the QEMU guest with the kernel module.
check_PROGRAMS += cluster/efx-dump cluster/efx-ask cluster/gfapi-ops cluster/coherence
cluster_efx_dump_SOURCES = cluster/efx-dump.c
cluster_efx_dump_LDADD = $(top_builddir)/client/libextfuse.la
cluster_efx_ask_SOURCES = cluster/efx-ask.c
cluster_efx_ask_LDADD = $(top_builddir)/client/libextfuse.la
cluster_gfapi_ops_SOURCES = cluster/gfapi-ops.c
cluster_gfapi_ops_CFLAGS = $(AM_CFLAGS) $(GFAPI_CFLAGS)
cluster_gfapi_ops_LDADD = $(GFAPI_LIBS)
cluster_coherence_SOURCES = cluster/coherence.c
cluster_coherence_CFLAGS = $(AM_CFLAGS) $(GFAPI_CFLAGS)
cluster_coherence_LDADD = $(top_builddir)/client/libextfuse.la $(GFAPI_LIBS)

TESTS += cluster/extfuse-cluster.sh cluster/holes.sh cluster/vm-gluster.test \
	cluster/vm-gluster-6.12.test cluster/compose.sh
EXTRA_DIST += cluster/extfuse-cluster.sh cluster/holes.sh cluster/vm-gluster.test \
	cluster/vm-gluster-6.12.test \
	cluster/guest-gluster.sh cluster/compose.sh cluster/lib.sh \
	cluster/coherence.sh
TESTS += cluster/self-repair.sh cluster/dirs.sh cluster/bigdir.sh
EXTRA_DIST += cluster/self-repair.sh cluster/dirs.sh cluster/bigdir.sh

# The randomized two-client coherence test (five segments of operations
# with a brick killed and restarted, a graph switch and an unrelated
# option between them) on a replica volume and on a 2x2
# distribute-replicate one, with the fixed base seed 6000 in make check:
# on this host with the translator alone (400 operations a segment,
# 200 ms bound), and in the QEMU guest with the kernel module answering
# for mount A (100 operations a segment, 1 s bound: every request is
# 10-50 times slower under emulation; about sixteen minutes).  Seed 6000
# once found a directory whose gfid handle Gluster had dropped, which the
# bricks' notifier then failed to report (docs/design.md,
# performance/extfuse-notify).  `make -C tests coherence` and `make -C
# tests vm-coherence` run them with a fresh seed (or COHERENCE_SEED),
# COHERENCE_OPS, COHERENCE_VOLUMES and, on the host, COHERENCE_BENCH as in
# cluster/coherence.sh.
TESTS += cluster/coherence.sh cluster/vm-coherence.test
EXTRA_DIST += cluster/vm-coherence.test
coherence: $(check_PROGRAMS)
	COHERENCE_SEED=$${COHERENCE_SEED:-$$(date +%s)} \
		top_srcdir='$(abs_top_srcdir)' \
		top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(srcdir)/cluster/coherence.sh
vm-coherence: $(check_PROGRAMS)
	COHERENCE_SEED=$${COHERENCE_SEED:-$$(date +%s)} \
		top_srcdir='$(abs_top_srcdir)' \
		top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(srcdir)/cluster/vm-coherence.test

.PHONY: coherence vm-coherence
