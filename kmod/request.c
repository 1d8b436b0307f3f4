// SPDX-License-Identifier: GPL-2.0
/*
 * What the hooks of fuse_simple_request() and fuse_queue_forget() decide:
 * build the context of a request, run the connection's extension, and apply
 * its verdict.  The hooks (hook.c) call in here; nothing here calls them.
 * Nothing the extension writes reaches the kernel unchecked: a reply that
 * FUSE would reject, or that would make it mark an inode bad, is refused
 * and the request goes to the daemon.
 */
#include "extfuse_internal.h"

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/rcupdate_trace.h>

/*
 * The fields of a request that its reply is checked against, kept apart
 * from the context: the extension may write anywhere in the context.
 */
struct extfuse_asked {
	u32 opcode;
	u32 size; /* READDIR: bytes the kernel asked for */
	u64 nodeid; /* LOOKUP: the parent */
	u64 offset; /* READDIR: the cookie to continue from */
};

/* What the request is to the extension. */
enum extfuse_class {
	EXTFUSE_NONE, /* not ours: straight to the daemon */
	EXTFUSE_QUERY, /* LOOKUP, GETATTR, GETXATTR, READDIR(PLUS), OPENDIR */
	EXTFUSE_MODIFY, /* always sent on; the extension invalidates first */
	EXTFUSE_FORGET, /* the count to send is rewritten */
};

bool extfuse_opcode_hooked(u32 opcode)
{
	switch (opcode) {
	case FUSE_LOOKUP:
	case FUSE_GETATTR:
	case FUSE_GETXATTR:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
	case FUSE_FORGET:
	case FUSE_COPY_FILE_RANGE: /* shown as a WRITE */
	case FUSE_OPEN: /* with O_TRUNC, shown as a SETATTR */
	case FUSE_OPENDIR:
	case FUSE_FSYNCDIR: /* these three: the handle (dirfh.c) */
	case FUSE_IOCTL:
	case FUSE_RELEASEDIR:
		return true;
	}
	return extfuse_op_modifies(opcode);
}

/* The in argument i, if the request has one of at least min bytes. */
static const void *extfuse_in(const struct fuse_args *args, unsigned int i,
			      size_t min)
{
	if (i >= args->in_numargs || args->in_args[i].size < min)
		return NULL;
	return args->in_args[i].value;
}

/*
 * Copy a NUL-terminated name argument.  Names longer than the context
 * holds are passed as empty: the extension then drops what belongs to the
 * parent, and such a name can never have been cached.
 */
static int extfuse_name(const struct fuse_args *args, unsigned int i,
			char *dst, u32 *len)
{
	const char *s = extfuse_in(args, i, 1);
	u32 n;

	if (!s)
		return -EINVAL;
	n = args->in_args[i].size - 1;
	if (s[n] != '\0')
		return -EINVAL;
	if (n > EXTFUSE_NAME_MAX)
		return 0;
	memcpy(dst, s, n);
	*len = n;
	return 0;
}

/* The page a READDIR(PLUS) reply goes to, and its place in that page. */
static struct page *extfuse_out_page(struct fuse_args *args,
				     unsigned int *offset, unsigned int *length)
{
	struct fuse_args_pages *ap;
	struct page *page;

	if (!args->out_pages || !args->out_argvar || args->out_numargs != 1)
		return NULL;
	ap = container_of(args, struct fuse_args_pages, args);
	page = extfuse_ap_out_page(ap, offset, length);
	if (!page || *offset > PAGE_SIZE || *length > PAGE_SIZE - *offset)
		return NULL;
	return page;
}

static int extfuse_fill_readdir(struct extfuse_req *ctx,
				struct fuse_args *args)
{
	const struct fuse_read_in *in = extfuse_in(args, 0, sizeof(*in));
	unsigned int offset, length;

	if (!in || !extfuse_out_page(args, &offset, &length))
		return -EINVAL;
	ctx->fh = in->fh;
	ctx->offset = in->offset;
	ctx->size = min3(in->size, args->out_args[0].size, length);
	return 0;
}

static int extfuse_fill_rename(struct extfuse_req *ctx,
			       struct fuse_args *args)
{
	/* fuse_rename_in and fuse_rename2_in both begin with newdir. */
	const struct fuse_rename_in *in = extfuse_in(args, 0, sizeof(*in));

	if (!in || args->in_numargs != 3)
		return -EINVAL;
	ctx->nodeid2 = in->newdir;
	return extfuse_name(args, 1, ctx->name, &ctx->namelen) ?:
	       extfuse_name(args, 2, ctx->name2, &ctx->namelen2);
}

static int extfuse_fill_link(struct extfuse_req *ctx, struct fuse_args *args)
{
	const struct fuse_link_in *in = extfuse_in(args, 0, sizeof(*in));

	if (!in)
		return -EINVAL;
	ctx->nodeid2 = in->oldnodeid;
	return extfuse_name(args, 1, ctx->name, &ctx->namelen);
}

/*
 * Requests that change metadata without a modifying opcode of the ABI are
 * shown to the extension as the change they make: COPY_FILE_RANGE writes
 * the destination, OPEN with O_TRUNC (atomic_o_trunc) truncates.
 */
static u32 extfuse_ctx_opcode(const struct fuse_args *args, u64 *nodeid)
{
	const struct fuse_copy_file_range_in *cp;
	const struct fuse_open_in *open;

	*nodeid = args->nodeid;
	switch (args->opcode) {
	case FUSE_COPY_FILE_RANGE:
		cp = extfuse_in(args, 0, sizeof(*cp));
		if (!cp)
			return 0;
		*nodeid = cp->nodeid_out;
		return FUSE_WRITE;
	case FUSE_OPEN:
		open = extfuse_in(args, 0, sizeof(*open));
		return open && (open->flags & O_TRUNC) ? FUSE_SETATTR : 0;
	}
	return args->opcode;
}

static enum extfuse_class extfuse_class_of(u32 op)
{
	switch (op) {
	case FUSE_LOOKUP:
	case FUSE_GETATTR:
	case FUSE_GETXATTR:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
	case FUSE_OPENDIR:
		return EXTFUSE_QUERY;
	case FUSE_FORGET:
		return EXTFUSE_FORGET;
	case 0:
	case FUSE_FSYNCDIR:
	case FUSE_IOCTL:
	case FUSE_RELEASEDIR:
		return EXTFUSE_NONE;
	}
	return EXTFUSE_MODIFY;
}

/* The request's own fields; -EINVAL for a shape this module does not know. */
static int extfuse_fill(struct extfuse_req *ctx, struct fuse_args *args)
{
	const struct fuse_forget_in *fin;

	switch (ctx->opcode) {
	case FUSE_LOOKUP:
		if (args->out_numargs != 1 ||
		    args->out_args[0].size != sizeof(struct fuse_entry_out))
			return -EINVAL;
		fallthrough;
	case FUSE_UNLINK:
	case FUSE_RMDIR:
	case FUSE_SYMLINK:
		return extfuse_name(args, 0, ctx->name, &ctx->namelen);
	case FUSE_GETATTR:
		if (args->out_numargs != 1 ||
		    args->out_args[0].size != sizeof(struct fuse_attr_out))
			return -EINVAL;
		return 0;
	case FUSE_GETXATTR:
		if (!extfuse_in(args, 0, sizeof(struct fuse_getxattr_in)))
			return -EINVAL;
		return extfuse_name(args, 1, ctx->name, &ctx->namelen);
	case FUSE_OPENDIR:
		if (!extfuse_in(args, 0, sizeof(struct fuse_open_in)) ||
		    args->out_numargs != 1 ||
		    args->out_args[0].size != sizeof(struct fuse_open_out))
			return -EINVAL;
		return 0;
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
		return extfuse_fill_readdir(ctx, args);
	case FUSE_FORGET:
		fin = extfuse_in(args, 0, sizeof(*fin));
		if (!fin)
			return -EINVAL;
		ctx->nlookup = fin->nlookup;
		return 0;
	case FUSE_CREATE:
	case FUSE_MKNOD:
	case FUSE_MKDIR:
		return extfuse_name(args, 1, ctx->name, &ctx->namelen);
	case FUSE_LINK:
		return extfuse_fill_link(ctx, args);
	case FUSE_RENAME:
	case FUSE_RENAME2:
		return extfuse_fill_rename(ctx, args);
	}
	return 0; /* SETATTR, WRITE, ...: the nodeid is all */
}

static int extfuse_inode_test(struct inode *inode, void *data)
{
	return get_node_id(inode) == *(u64 *)data;
}

/*
 * FUSE marks an inode bad (EIO from then on) when a reply gives it another
 * file type or generation.  A cached reply must never do that: check it
 * against the inode the kernel already has for nodeid, if any.  The lookup
 * takes no reference: an iput() here could evict the inode and send a
 * FORGET back through the hook from inside the extension's section.
 * Inodes are freed after an RCU grace period, so their fields may be read
 * under rcu_read_lock().
 */
static bool extfuse_inode_agrees(struct fuse_mount *fm, u64 nodeid, u32 mode,
				 const u64 *generation)
{
	struct inode *inode;
	bool ok = true;

	rcu_read_lock();
	inode = find_inode_rcu(fm->sb, (unsigned long)nodeid,
			       extfuse_inode_test, &nodeid);
	if (inode)
		ok = !(READ_ONCE(inode->i_state) & I_NEW) &&
		     !fuse_is_bad(inode) && !inode_wrong_type(inode, mode) &&
		     (!generation || inode->i_generation == *generation);
	rcu_read_unlock();
	return ok;
}

/* The checks of fuse_invalid_attr(), which fuse.ko does not export. */
static bool extfuse_attr_ok(const struct fuse_attr *attr)
{
	return extfuse_mode_has_type(attr->mode) && attr->size <= LLONG_MAX;
}

static int extfuse_answer_lookup(struct fuse_mount *fm, struct fuse_args *args,
				 const struct extfuse_asked *asked,
				 const struct extfuse_req *ctx)
{
	const struct fuse_entry_out *e = &ctx->out.entry;

	/* FUSE refuses a LOOKUP naming the root; one naming the parent makes
	 * a directory its own child. */
	if (ctx->out_size != sizeof(*e) || !e->nodeid ||
	    e->nodeid == FUSE_ROOT_ID || e->nodeid == asked->nodeid ||
	    !extfuse_attr_ok(&e->attr) ||
	    !extfuse_inode_agrees(fm, e->nodeid, e->attr.mode, &e->generation))
		return -EPROTO;
	memcpy(args->out_args[0].value, e, sizeof(*e));
	return 0;
}

static int extfuse_answer_getattr(struct fuse_mount *fm,
				  struct fuse_args *args,
				  const struct extfuse_asked *asked,
				  const struct extfuse_req *ctx)
{
	const struct fuse_attr_out *a = &ctx->out.attr;

	if (ctx->out_size != sizeof(*a) || !extfuse_attr_ok(&a->attr) ||
	    !extfuse_inode_agrees(fm, asked->nodeid, a->attr.mode, NULL))
		return -EPROTO;
	memcpy(args->out_args[0].value, a, sizeof(*a));
	return 0;
}

/*
 * The extension allowed the OPENDIR: the kernel gets a handle of the
 * module's (dirfh.c), and no caching flag, so that every READDIR comes
 * to the hook.
 */
static int extfuse_answer_opendir(struct fuse_mount *fm,
				  struct fuse_args *args,
				  const struct extfuse_asked *asked,
				  const struct extfuse_req *ctx)
{
	struct fuse_open_out *out = args->out_args[0].value;
	u64 fh;

	if (ctx->out_size != sizeof(*out) ||
	    extfuse_dirfh_new(fm->fc, asked->nodeid,
			      extfuse_in(args, 0, sizeof(struct fuse_open_in)),
			      &fh))
		return -EPROTO;
	memset(out, 0, sizeof(*out));
	out->fh = fh;
	return 0;
}

static bool extfuse_name_ok(const char *name, u32 len)
{
	return len >= 1 && len <= EXTFUSE_NAME_MAX && !memchr(name, '/', len) &&
	       !memchr(name, '\0', len);
}

/*
 * Every record of a READDIR(PLUS) reply: its header and then its whole
 * length inside the buffer before any field is trusted, a sane name, d_off
 * strictly increasing from the request's offset (an offset at or below it
 * makes getdents() start over forever); READDIRPLUS records must carry
 * nodeid 0, as a kernel-made lookup count would escape the FORGET rewrite.
 */
static bool extfuse_dirbuf_ok(const u8 *buf, u32 len, bool plus, u64 from)
{
	size_t head = plus ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
	const struct fuse_direntplus *dp;
	const struct fuse_dirent *d;
	u64 prev = from;
	size_t pos = 0, rec;

	while (pos < len) {
		if (len - pos < head)
			return false;
		dp = (const void *)(buf + pos);
		d = plus ? &dp->dirent : (const void *)(buf + pos);
		rec = FUSE_DIRENT_ALIGN(head + (size_t)d->namelen);
		if (rec > len - pos)
			return false;
		if (plus && dp->entry_out.nodeid)
			return false;
		if (!extfuse_name_ok(d->name, d->namelen) || d->off <= prev)
			return false;
		prev = d->off;
		pos += rec;
	}
	return true;
}

static int extfuse_answer_readdir(struct fuse_args *args,
				  const struct extfuse_asked *asked,
				  const struct extfuse_req *ctx, ssize_t *ret)
{
	unsigned int offset, length;
	struct page *page = extfuse_out_page(args, &offset, &length);
	u32 n = ctx->out_size;

	if (!page || n > asked->size || n > EXTFUSE_DIRBUF_SIZE ||
	    !extfuse_dirbuf_ok(ctx->out.dirbuf, n,
			       asked->opcode == FUSE_READDIRPLUS, asked->offset))
		return -EPROTO;
	if (n)
		memcpy_to_page(page, offset, (const char *)ctx->out.dirbuf, n);
	args->out_args[0].size = n;
	*ret = n;
	return 0;
}

static int extfuse_answer(struct fuse_mount *fm, struct fuse_args *args,
			  const struct extfuse_asked *asked,
			  const struct extfuse_req *ctx, ssize_t *ret)
{
	*ret = 0;
	switch (asked->opcode) {
	case FUSE_LOOKUP:
		return extfuse_answer_lookup(fm, args, asked, ctx);
	case FUSE_GETATTR:
		return extfuse_answer_getattr(fm, args, asked, ctx);
	case FUSE_OPENDIR:
		return extfuse_answer_opendir(fm, args, asked, ctx);
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
		return extfuse_answer_readdir(args, asked, ctx, ret);
	}
	return -EPROTO;
}

/* Errors an extension may give instead of the daemon. */
static bool extfuse_errno_ok(u32 op, s32 err)
{
	/* The one answer it may give for an extended attribute. */
	if (op == FUSE_GETXATTR)
		return err == -ENODATA;
	switch (err) {
	case -ENOENT:
	case -EACCES:
	case -EPERM:
	case -ENOTDIR:
	case -ENAMETOOLONG:
	case -ELOOP:
	case -EIO:
		return true;
	}
	return false;
}

/*
 * A LOOKUP's ENOENT that comes with a fuse_entry_out of nodeid 0: FUSE's
 * own form of a negative entry, which the kernel keeps as a negative
 * dentry for entry_valid.  Only the validity is taken from the context.
 */
static bool extfuse_negative_entry(struct fuse_args *args,
				   const struct extfuse_req *ctx)
{
	const struct fuse_entry_out *e = &ctx->out.entry;
	struct fuse_entry_out *out = args->out_args[0].value;

	if (ctx->out_size != sizeof(*e) || e->nodeid)
		return false;
	memset(out, 0, sizeof(*out));
	out->entry_valid = e->entry_valid;
	out->entry_valid_nsec = min_t(u32, e->entry_valid_nsec,
				      NSEC_PER_SEC - 1);
	return true;
}

/*
 * The extension counted a lookup of nodeid that the kernel will never see
 * (its answer was refused).  Hand it back as a FORGET of 1 that is not
 * sent: the daemon never gave that lookup either.
 */
static void extfuse_unserve(struct bpf_prog *prog, struct extfuse_req *ctx,
			    u64 nodeid)
{
	extfuse_ctx_init(ctx, NULL, FUSE_FORGET);
	ctx->nodeid = nodeid;
	ctx->nlookup = 1;
	extfuse_prog_run(prog, ctx);
}

/* Apply a query's verdict; true if the request was answered (*ret). */
static bool extfuse_apply_query(struct extfuse_att *att, struct bpf_prog *prog,
				struct fuse_mount *fm, struct fuse_args *args,
				const struct extfuse_asked *asked,
				struct extfuse_req *ctx, ssize_t *ret)
{
	u32 op = asked->opcode;
	s32 verdict = ctx->verdict;

	switch (verdict) {
	case EXTFUSE_VERDICT_PASS:
		return false;
	case EXTFUSE_VERDICT_ANSWER:
		if (!extfuse_answer(fm, args, asked, ctx, ret))
			return true;
		if (op == FUSE_LOOKUP && ctx->out.entry.nodeid)
			extfuse_unserve(prog, ctx, ctx->out.entry.nodeid);
		break;
	case EXTFUSE_VERDICT_ERROR:
		if (op == FUSE_LOOKUP && ctx->error == -ENOENT &&
		    extfuse_negative_entry(args, ctx)) {
			*ret = 0;
			return true;
		}
		if (extfuse_errno_ok(op, ctx->error)) {
			*ret = ctx->error;
			return true;
		}
		break;
	}
	EXTFUSE_STAT_INC(att, refused);
	pr_warn_ratelimited("connection %u: refused a reply to opcode %u (verdict %d)\n",
			    att->conn_id, op, verdict);
	return false;
}

/*
 * What is left of a FORGET of nlookup after the extension ran: 0 to send
 * nothing.  A count the extension could not account for is kept from the
 * daemon (ERROR), which can only leak a node, never free one too early.
 */
static u64 extfuse_forget_count(struct extfuse_att *att,
				const struct extfuse_req *ctx, u64 nlookup)
{
	u64 send;

	if (ctx->verdict == EXTFUSE_VERDICT_ERROR)
		send = 0;
	else if (ctx->verdict == EXTFUSE_VERDICT_PASS && ctx->nlookup <= nlookup)
		send = ctx->nlookup;
	else
		send = nlookup; /* nonsense: the kernel's own count */
	if (send == 0)
		EXTFUSE_STAT_INC(att, forget_dropped);
	else if (send < nlookup)
		EXTFUSE_STAT_INC(att, forget_adjusted);
	else if (ctx->verdict != EXTFUSE_VERDICT_PASS)
		EXTFUSE_STAT_INC(att, refused);
	return send;
}

/*
 * Run the extension of fc on ctx, inside rcu_read_lock_trace().  Returns
 * the attachment, or NULL when there is none (or it must not run).
 */
static struct extfuse_att *extfuse_run_att(struct extfuse_att *att,
					   struct extfuse_req *ctx,
					   struct bpf_prog **progp)
{
	struct bpf_prog *prog;

	EXTFUSE_STAT_INC(att, seen);
	prog = rcu_dereference_check(att->prog, rcu_read_lock_trace_held());
	if (!prog)
		return NULL;
	extfuse_prog_run(prog, ctx);
	*progp = prog;
	return att;
}

static struct extfuse_att *extfuse_att_live(struct fuse_conn *fc)
{
	struct extfuse_att *att = extfuse_att_find(fc);

	if (att && !READ_ONCE(fc->connected)) {
		extfuse_reap_soon();
		return NULL;
	}
	return att;
}

/*
 * What fuse_simple_request() would refuse or delay must not be answered
 * here: fuse_get_req() waits for INIT, fails a connection whose INIT failed
 * or that ended, and fails a caller whose fsuid or fsgid has no mapping in
 * the connection's user namespace (EOVERFLOW).  None of the queries is a
 * forced request (those take the munged ids instead).  The ids are the
 * context's as built, before the extension ran.
 */
static bool extfuse_may_answer(struct fuse_conn *fc,
			       const struct extfuse_req *ctx)
{
	if (ctx->uid == (u32)-1 || ctx->gid == (u32)-1)
		return false;
	if (!READ_ONCE(fc->initialized))
		return false;
	smp_rmb(); /* pairs with fuse_set_initialized(): INIT's outcome */
	return !fc->conn_error && READ_ONCE(fc->connected);
}

/* The decision for one request, inside rcu_read_lock_trace(). */
static bool extfuse_decide(struct extfuse_att *att, struct fuse_mount *fm,
			   struct fuse_args *args, struct extfuse_req *ctx,
			   ssize_t *ret)
{
	enum extfuse_class cls = extfuse_class_of(ctx->opcode);
	const struct extfuse_asked asked = {
		.opcode = ctx->opcode,
		.size = ctx->size,
		.nodeid = ctx->nodeid,
		.offset = ctx->offset,
	};
	struct fuse_forget_in *fin;
	struct bpf_prog *prog;
	u64 send;

	if (cls == EXTFUSE_QUERY &&
	    (READ_ONCE(att->detached) || !extfuse_may_answer(fm->fc, ctx))) {
		EXTFUSE_STAT_INC(att, seen);
		EXTFUSE_STAT_INC(att, forwarded);
		return false;
	}
	if (!extfuse_run_att(att, ctx, &prog)) {
		EXTFUSE_STAT_INC(att, forwarded);
		return false;
	}
	if (cls == EXTFUSE_QUERY &&
	    extfuse_apply_query(att, prog, fm, args, &asked, ctx, ret)) {
		EXTFUSE_STAT_INC(att, answered);
		return true;
	}
	if (cls == EXTFUSE_FORGET) {
		fin = (struct fuse_forget_in *)args->in_args[0].value;
		send = extfuse_forget_count(att, ctx, fin->nlookup);
		if (!send) {
			*ret = 0; /* a noreply request: nothing to wait for */
			return true;
		}
		fin->nlookup = send;
	}
	EXTFUSE_STAT_INC(att, forwarded);
	return false;
}

/* Returns true if the request was dealt with here, its result in *ret. */
bool extfuse_intercept(struct fuse_mount *fm, struct fuse_args *args,
			      ssize_t *ret)
{
	struct extfuse_req *ctx = NULL;
	struct extfuse_att *att;
	bool done = false;
	u64 nodeid;
	u32 op;

	switch (args->opcode) {
	case FUSE_RELEASEDIR:
		*ret = 0;
		return !extfuse_dirfh_release(fm, args);
	case FUSE_FSYNCDIR:
	case FUSE_IOCTL:
		*ret = extfuse_dirfh_resolve(fm, args);
		return *ret != 0;
	}
	op = extfuse_ctx_opcode(args, &nodeid);
	if (extfuse_class_of(op) == EXTFUSE_NONE)
		return false;
	rcu_read_lock_trace();
	att = extfuse_att_live(fm->fc);
	if (att)
		ctx = extfuse_ctx_alloc(GFP_KERNEL);
	if (ctx) {
		extfuse_ctx_init(ctx, fm->fc, op);
		ctx->nodeid = nodeid;
		if (!extfuse_fill(ctx, args))
			done = extfuse_decide(att, fm, args, ctx, ret);
		else
			pr_warn_ratelimited("unexpected arguments for opcode %u\n",
					    args->opcode);
	}
	rcu_read_unlock_trace();
	extfuse_ctx_free(ctx);
	/* Off to the daemon: with its handle (not in the section above,
	 * which a daemon's reply must not hold up). */
	if (!done && (op == FUSE_READDIR || op == FUSE_READDIRPLUS)) {
		*ret = extfuse_dirfh_resolve(fm, args);
		done = *ret != 0;
	}
	return done;
}

/* RELEASEDIR sent in the background: true if dealt with here (*ret). */
bool extfuse_background(struct fuse_mount *fm, struct fuse_args *args,
			int *ret)
{
	if (args->opcode != FUSE_RELEASEDIR || extfuse_dirfh_release(fm, args))
		return false;
	/* Not sent: the caller ends the request itself, as on failure. */
	*ret = -ENOENT;
	return true;
}

/* How many of nlookup to send for nodeid; nlookup when nothing is attached. */
u64 extfuse_forget_filter(struct fuse_conn *fc, u64 nodeid, u64 nlookup)
{
	struct extfuse_req *ctx = NULL;
	struct extfuse_att *att;
	struct bpf_prog *prog;
	u64 send = nlookup;

	rcu_read_lock_trace();
	att = extfuse_att_live(fc);
	/* Called from inode eviction, maybe in reclaim: no FS recursion. */
	if (att)
		ctx = extfuse_ctx_alloc(GFP_NOFS);
	if (ctx) {
		extfuse_ctx_init(ctx, fc, FUSE_FORGET);
		ctx->nodeid = nodeid;
		ctx->nlookup = nlookup;
		if (extfuse_run_att(att, ctx, &prog))
			send = extfuse_forget_count(att, ctx, nlookup);
	}
	rcu_read_unlock_trace();
	extfuse_ctx_free(ctx);
	return send;
}
