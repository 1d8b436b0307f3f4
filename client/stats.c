// SPDX-License-Identifier: GPL-2.0
/* Statistics and the configuration. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "internal.h"

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	if (n <= 0)
		return ef_err(n ? n : -EINVAL, "cannot count possible CPUs");
	return n;
}

int extfuse_read_stats(struct extfuse *ef,
		       struct extfuse_stats stats[EXTFUSE_SOP_COUNT])
{
	struct extfuse_stats *per;
	int n, cpu, err = 0;
	__u32 op;

	if (!ef || !stats)
		return ef_err(-EINVAL, "extfuse_read_stats: NULL argument");
	n = ncpus();
	if (n < 0)
		return n;
	per = calloc(n, sizeof(*per));
	if (!per)
		return ef_err(-ENOMEM, "out of memory");
	memset(stats, 0, EXTFUSE_SOP_COUNT * sizeof(*stats));
	for (op = 0; op < EXTFUSE_SOP_COUNT && !err; op++) {
		err = bpf_map_lookup_elem(ef->map_fd[EF_STATS], &op, per);
		if (err) {
			ef_err(err, "%s: cannot read statistics: %s",
			       ef->conn_id, strerror(-err));
			break;
		}
		for (cpu = 0; cpu < n; cpu++) {
			struct extfuse_stats *s = &stats[op];
			const struct extfuse_stats *p = &per[cpu];

			s->hits += p->hits;
			s->misses += p->misses;
			s->expired += p->expired;
			s->stale += p->stale;
			s->perm_refused += p->perm_refused;
			s->errors += p->errors;
			s->invalidations += p->invalidations;
			s->forget_kept += p->forget_kept;
		}
	}
	free(per);
	return err;
}

int extfuse_reset_stats(struct extfuse *ef)
{
	struct extfuse_stats *zero;
	int n, err = 0;
	__u32 op;

	if (!ef)
		return ef_err(-EINVAL, "extfuse_reset_stats: handle is NULL");
	n = ncpus();
	if (n < 0)
		return n;
	zero = calloc(n, sizeof(*zero));
	if (!zero)
		return ef_err(-ENOMEM, "out of memory");
	for (op = 0; op < EXTFUSE_SOP_COUNT && !err; op++) {
		err = bpf_map_update_elem(ef->map_fd[EF_STATS], &op, zero,
					  BPF_ANY);
		if (err)
			ef_err(err, "%s: cannot reset statistics: %s",
			       ef->conn_id, strerror(-err));
	}
	free(zero);
	return err;
}

int extfuse_get_config(struct extfuse *ef, struct extfuse_config *cfg)
{
	if (!ef || !cfg)
		return ef_err(-EINVAL, "extfuse_get_config: NULL argument");
	return ef_read_config(ef, cfg);
}

/*
 * magic must be EXTFUSE_MAGIC; epoch is not taken from cfg: it moves
 * forward (see ef_move_epoch), so values published before stop being
 * served.  A plain write could undo an epoch bump of the extension.
 */
int extfuse_set_config(struct extfuse *ef, const struct extfuse_config *cfg)
{
	if (!ef || !cfg)
		return ef_err(-EINVAL, "extfuse_set_config: NULL argument");
	if (cfg->magic != EXTFUSE_MAGIC)
		return ef_err(-EINVAL,
			      "extfuse_set_config: magic 0x%x, expected 0x%x (start from extfuse_get_config())",
			      cfg->magic, EXTFUSE_MAGIC);
	if (cfg->flags & ~EF_CFG_ALL)
		return ef_err(-EINVAL, "extfuse_set_config: unknown flags 0x%x",
			      cfg->flags & ~EF_CFG_ALL);
	return ef_move_epoch(ef, cfg);
}

/*
 * Nothing in maps that were overwritten is trusted: after writing the
 * configuration again, every cached value goes too (served counts and
 * versions stay: only FORGET takes a count down, and versions only grow).
 */
int extfuse_repair_config(struct extfuse *ef,
			  const struct extfuse_config *want,
			  struct extfuse_config *found)
{
	struct extfuse_config cur;
	int ret, err;

	if (!ef || !want)
		return ef_err(-EINVAL, "extfuse_repair_config: NULL argument");
	if (want->flags & ~EF_CFG_ALL)
		return ef_err(-EINVAL,
			      "extfuse_repair_config: unknown flags 0x%x",
			      want->flags & ~EF_CFG_ALL);
	ret = ef_repair_config(ef, want, &cur);
	if (ret <= 0)
		return ret;
	if (found)
		*found = cur;
	ef_log(EXTFUSE_LOG_DEBUG,
	       "%s: configuration was malformed (magic 0x%x, flags 0x%x): written again",
	       ef->conn_id, cur.magic, cur.flags);
	err = ef_clear_caches(ef);
	return err ? err : 1;
}
