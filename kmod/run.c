// SPDX-License-Identifier: GPL-2.0
/*
 * Extension contexts and runs.  A context is ~4.8 KB: too big for the
 * stack of a FUSE request, so it comes from a slab cache backed by a small
 * mempool.  The pool matters for FORGET and for modifying requests: their
 * bookkeeping must run even under memory pressure, and mempool_alloc() with
 * a sleeping gfp waits for a free element instead of failing.  Contexts are
 * held only for one run, never across a call into the daemon.
 *
 * Most of a context is READDIR's reply area, and clearing all of it for
 * every request cost more than the run itself.  The cache's constructor
 * zeroes each object once, when its slab is made; a request then clears
 * only what it can use: the header, both names and the fixed-size replies,
 * and the whole reply area only for READDIR(PLUS).  What lies beyond was
 * written by earlier runs of an extension, never other kernel memory, and
 * no reply of the other opcodes is taken from there.
 */
#include "extfuse_internal.h"

#include <linux/slab.h>
#include <linux/mempool.h>
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/pid.h>
#include <linux/rcupdate_trace.h>
#include <linux/filter.h>
#include <linux/ktime.h>
#include <linux/kdev_t.h>

#define EXTFUSE_POOL_MIN 4

static struct kmem_cache *extfuse_ctx_cache;
static mempool_t *extfuse_ctx_pool;

struct extfuse_req *extfuse_ctx_alloc(gfp_t gfp)
{
	return mempool_alloc(extfuse_ctx_pool, gfp);
}

void extfuse_ctx_free(struct extfuse_req *ctx)
{
	if (ctx)
		mempool_free(ctx, extfuse_ctx_pool);
}

static void extfuse_ctx_creds(struct extfuse_req *ctx, struct fuse_conn *fc)
{
	const struct cred *cred = current_cred();
	const struct group_info *gi = cred->group_info;
	u32 i, n = gi ? gi->ngroups : 0;

	ctx->uid = from_kuid(fc->user_ns, cred->fsuid);
	ctx->gid = from_kgid(fc->user_ns, cred->fsgid);
	ctx->pid = pid_nr_ns(task_pid(current), fc->pid_ns);
	if (n > EXTFUSE_MAX_GROUPS) {
		ctx->flags |= EXTFUSE_REQ_GROUPS_TRUNCATED;
		n = EXTFUSE_MAX_GROUPS;
	}
	for (i = 0; i < n; i++)
		ctx->groups[i] = from_kgid(fc->user_ns, gi->gid[i]);
	ctx->ngroups = n;
	/*
	 * Either capability lets the caller search any directory.  Only the
	 * initial namespace counts: a capability that may not apply to the
	 * directory's owner sends the request to the daemon, never the reverse.
	 */
	if (ns_capable_noaudit(&init_user_ns, CAP_DAC_READ_SEARCH) ||
	    ns_capable_noaudit(&init_user_ns, CAP_DAC_OVERRIDE))
		ctx->flags |= EXTFUSE_REQ_CAP_SEARCH;
}

/* Bytes of a context that a request of op may read or answer in. */
static size_t extfuse_ctx_used(u32 op)
{
	switch (op) {
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
	case EXTFUSE_OP_PROBE: /* any program: the same as a user-space run */
		return sizeof(struct extfuse_req);
	}
	return offsetof(struct extfuse_req, out) +
	       max(sizeof(struct fuse_entry_out), sizeof(struct fuse_attr_out));
}

/* Header and caller of a context; the request's own fields are the caller's. */
void extfuse_ctx_init(struct extfuse_req *ctx, struct fuse_conn *fc, u32 op)
{
	memset(ctx, 0, extfuse_ctx_used(op));
	ctx->magic = EXTFUSE_MAGIC;
	ctx->abi_version = EXTFUSE_ABI_VERSION;
	ctx->ctx_size = sizeof(*ctx);
	ctx->opcode = op;
	ctx->verdict = EXTFUSE_VERDICT_PASS;
	ctx->now_ns = ktime_get_ns();
	if (fc) {
		ctx->conn_id = MINOR(fc->dev);
		extfuse_ctx_creds(ctx, fc);
	}
}

/*
 * Run prog on ctx as BPF_PROG_TEST_RUN runs a SYSCALL program.  The caller
 * holds rcu_read_lock_trace(), the section that keeps prog (and the
 * attachment it came from) alive; sleepable programs may block in it.
 */
void extfuse_prog_run(struct bpf_prog *prog, struct extfuse_req *ctx)
{
	bpf_prog_run_pin_on_cpu(prog, ctx);
}

static void extfuse_ctx_ctor(void *obj)
{
	memset(obj, 0, sizeof(struct extfuse_req));
}

int extfuse_run_init(void)
{
	extfuse_ctx_cache = kmem_cache_create("extfuse_req",
					      sizeof(struct extfuse_req), 0,
					      SLAB_HWCACHE_ALIGN,
					      extfuse_ctx_ctor);
	if (!extfuse_ctx_cache)
		return -ENOMEM;
	extfuse_ctx_pool = mempool_create_slab_pool(EXTFUSE_POOL_MIN,
						    extfuse_ctx_cache);
	if (!extfuse_ctx_pool) {
		kmem_cache_destroy(extfuse_ctx_cache);
		return -ENOMEM;
	}
	return 0;
}

void extfuse_run_exit(void)
{
	mempool_destroy(extfuse_ctx_pool);
	kmem_cache_destroy(extfuse_ctx_cache);
}
