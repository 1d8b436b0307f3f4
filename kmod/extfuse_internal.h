/* SPDX-License-Identifier: GPL-2.0 */
/*
 * extfuse.ko internals: the hooks on the FUSE request path, the per
 * connection attachments, and the control device.
 */
#ifndef EXTFUSE_INTERNAL_H
#define EXTFUSE_INTERNAL_H

#undef pr_fmt
#define pr_fmt(fmt) "extfuse: " fmt

#include <linux/types.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/bpf.h>

#include "compat.h"
#include "extfuse_abi.h"

/* Per-CPU counters of one attachment (struct extfuse_conn_info). */
struct extfuse_counters {
	u64 seen;
	u64 answered;
	u64 forwarded;
	u64 refused;
	u64 forget_adjusted;
	u64 forget_dropped;
};

/*
 * One FUSE connection with an extension.  Readers walk the list inside
 * rcu_read_lock_trace(), the section the program runs in, so one grace
 * period of RCU-tasks-trace covers both the attachment and the program.
 */
struct extfuse_att {
	struct list_head node; /* extfuse_atts, RCU */
	struct list_head reap; /* private list of a detach */
	struct fuse_conn *fc; /* a reference is held */
	struct bpf_prog __rcu *prog;
	struct extfuse_counters __percpu *stats;
	u32 conn_id;
	bool detached; /* DETACH: no answers; FORGETs still rewritten */
	/* The connection's caches expired again after an expiry (conn.c). */
	struct delayed_work reexpire;
	unsigned long reexpire_from; /* jiffies of the last expiry */
};

#define EXTFUSE_STAT_INC(att, field) this_cpu_inc((att)->stats->field)

/* conn.c */
int extfuse_conn_init(void);
void extfuse_conn_exit(void);
bool extfuse_conn_any(void);
struct extfuse_att *extfuse_att_find(struct fuse_conn *fc);
int extfuse_attach(const struct extfuse_attach *req, u32 *conn_id);
int extfuse_detach(const struct extfuse_attach *req);
int extfuse_conn_of(const struct extfuse_attach *req, u32 *conn_id);
int extfuse_query(struct extfuse_conn_info *info);
void extfuse_reap_soon(void);
void extfuse_reap(void);
int extfuse_expire_conn(u32 conn_id, u64 dir);

/* kcache.c: the kernel's own attributes and dentries of a connection. */
void extfuse_kcache_expire(struct fuse_conn *fc, u64 dir);

/* run.c: one extension run on a context built by the caller. */
struct extfuse_req *extfuse_ctx_alloc(gfp_t gfp);
void extfuse_ctx_free(struct extfuse_req *ctx);
void extfuse_ctx_init(struct extfuse_req *ctx, struct fuse_conn *fc, u32 op);
void extfuse_prog_run(struct bpf_prog *prog, struct extfuse_req *ctx);
int extfuse_run_init(void);
void extfuse_run_exit(void);

/* request.c: the decisions, called by the hooks in hook.c. */
bool extfuse_intercept(struct fuse_mount *fm, struct fuse_args *args,
		       ssize_t *ret);
u64 extfuse_forget_filter(struct fuse_conn *fc, u64 nodeid, u64 nlookup);
bool extfuse_opcode_hooked(u32 opcode);
bool extfuse_background(struct fuse_mount *fm, struct fuse_args *args,
			int *ret);

/* dirfh.c: directory handles of OPENDIRs answered in the kernel. */
bool extfuse_dirfh_any(void);
int extfuse_dirfh_new(struct fuse_conn *fc, u64 nodeid,
		      const struct fuse_open_in *in, u64 *fh);
int extfuse_dirfh_resolve(struct fuse_mount *fm, struct fuse_args *args);
bool extfuse_dirfh_release(struct fuse_mount *fm, struct fuse_args *args);
void extfuse_dirfh_exit(void);

/* hook.c: a request of the module's own, past the hooks. */
ssize_t extfuse_send_request(struct fuse_mount *fm, struct fuse_args *args);

/* dev.c */
int extfuse_dev_init(void);
void extfuse_dev_exit(void);

#endif /* EXTFUSE_INTERNAL_H */
