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

# The randomized two-client coherence test (replica volume, 2,000
# operations, 200 ms bound).  Not in TESTS yet: some seeds still find an
# extension listing or negative entry staler than stock after a rename
# (docs/design.md, Known limitations).  `make -C tests coherence` runs it,
# with COHERENCE_SEED, COHERENCE_OPS, COHERENCE_VOLUMES (e.g. "replica
# distrep") and COHERENCE_BENCH as in cluster/coherence.sh.
coherence: $(check_PROGRAMS)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
		$(SHELL) $(srcdir)/cluster/coherence.sh

.PHONY: coherence
