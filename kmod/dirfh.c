// SPDX-License-Identifier: GPL-2.0
/*
 * Directory handles made by the module.  When the extension allows an
 * OPENDIR, the kernel gets a handle of this module's instead of the
 * daemon's, and the daemon hears of the directory only if a request needs
 * its handle: a READDIR(PLUS) the extension could not answer, FSYNCDIR or
 * IOCTL.  Then the module sends the daemon's OPENDIR first, with the
 * opener's credentials, and rewrites the handle of that request and of every
 * later one, RELEASEDIR included.  A handle the daemon never opened is
 * released here: its RELEASEDIR is never sent.
 *
 * No handle of this module may reach the daemon: Gluster's bridge takes a
 * handle for a pointer.  Handles carry EXTFUSE_DIRFH_TAG in their top bits,
 * which no user-space pointer has; a tagged handle this module does not
 * know fails its request with EBADF instead of being sent.
 *
 * A handle lives from the OPENDIR it answers to the RELEASEDIR of the same
 * struct fuse_file: every request in between holds the file, so a handle
 * found in the table stays valid while its request runs.  Each handle holds
 * a reference on this module (the hooks must see its RELEASEDIR).
 */
#include "extfuse_internal.h"

#include <linux/cred.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

/* The tag in the top half, the table index in the bottom half. */
#define EXTFUSE_DIRFH_TAG 0xef5e000000000000ULL
#define EXTFUSE_DIRFH_TAG_MASK 0xffffffff00000000ULL

struct extfuse_dirfh {
	struct fuse_conn *fc; /* not a reference: the file holds the mount */
	u64 nodeid;
	struct fuse_open_in in; /* of the OPENDIR answered */
	const struct cred *cred; /* the opener's */
	struct mutex lock; /* one OPENDIR to the daemon at a time */
	bool opened; /* daemon_fh is the daemon's handle */
	u64 daemon_fh;
};

static DEFINE_XARRAY_ALLOC1(extfuse_dirfhs);
static u32 extfuse_dirfh_next;

bool extfuse_dirfh_any(void)
{
	return !xa_empty(&extfuse_dirfhs);
}

static bool extfuse_dirfh_tagged(u64 fh)
{
	return (fh & EXTFUSE_DIRFH_TAG_MASK) == EXTFUSE_DIRFH_TAG;
}

static void extfuse_dirfh_free(struct extfuse_dirfh *d)
{
	put_cred(d->cred);
	kfree(d);
	module_put(THIS_MODULE);
}

/* A handle for an OPENDIR of nodeid (argument in), answered here. */
int extfuse_dirfh_new(struct fuse_conn *fc, u64 nodeid,
		      const struct fuse_open_in *in, u64 *fh)
{
	struct extfuse_dirfh *d;
	u32 id;
	int err;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->fc = fc;
	d->nodeid = nodeid;
	d->in = *in;
	mutex_init(&d->lock);
	err = xa_alloc_cyclic(&extfuse_dirfhs, &id, d, xa_limit_32b,
			      &extfuse_dirfh_next, GFP_KERNEL);
	if (err < 0) {
		kfree(d);
		return err;
	}
	d->cred = get_current_cred();
	__module_get(THIS_MODULE);
	*fh = EXTFUSE_DIRFH_TAG | id;
	return 0;
}

/* The daemon's OPENDIR for d, as the opener would have sent it. */
static int extfuse_dirfh_open(struct fuse_mount *fm, struct extfuse_dirfh *d)
{
	struct fuse_open_in in = d->in;
	struct fuse_open_out out = {};
	const struct cred *old;
	FUSE_ARGS(args);
	ssize_t err;

	args.opcode = FUSE_OPENDIR;
	args.nodeid = d->nodeid;
	args.in_numargs = 1;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	args.out_numargs = 1;
	args.out_args[0].size = sizeof(out);
	args.out_args[0].value = &out;
	old = override_creds(d->cred);
	err = extfuse_send_request(fm, &args);
	revert_creds(old);
	if (err)
		return err;
	if (extfuse_dirfh_tagged(out.fh)) {
		pr_warn_ratelimited("the daemon's OPENDIR gave handle %llx, which looks like one of ours\n",
				    out.fh);
		return -EPROTO;
	}
	d->daemon_fh = out.fh;
	d->opened = true;
	return 0;
}

/* The handle field of a request's first argument (each begins with it). */
static u64 *extfuse_fh_of(struct fuse_args *args)
{
	if (args->in_numargs < 1 || args->in_args[0].size < sizeof(u64))
		return NULL;
	return (u64 *)args->in_args[0].value;
}

/*
 * The module's handle a request carries: 0 when it carries none (*fhp is
 * then NULL or a daemon's handle), 1 with *dp set, or -EBADF for a tagged
 * handle of fm this module does not know.
 */
static int extfuse_dirfh_of(struct fuse_mount *fm, struct fuse_args *args,
			    u64 **fhp, struct extfuse_dirfh **dp)
{
	u64 *fh = extfuse_fh_of(args);
	struct extfuse_dirfh *d;

	*fhp = fh;
	if (!fh || !extfuse_dirfh_tagged(*fh))
		return 0;
	d = xa_load(&extfuse_dirfhs, (u32)*fh);
	if (!d || d->fc != fm->fc) {
		pr_warn_ratelimited("opcode %u: unknown handle %llx not sent\n",
				    args->opcode, *fh);
		return -EBADF;
	}
	*dp = d;
	return 1;
}

/*
 * READDIR(PLUS), FSYNCDIR or IOCTL about to reach the daemon: give it the
 * daemon's handle, opening the directory there first if need be.  0 to
 * send the request, or the error to fail it with.
 */
int extfuse_dirfh_resolve(struct fuse_mount *fm, struct fuse_args *args)
{
	struct extfuse_dirfh *d;
	u64 *fh;
	int err;

	err = extfuse_dirfh_of(fm, args, &fh, &d);
	if (err <= 0)
		return err;
	err = 0;
	mutex_lock(&d->lock);
	if (!d->opened)
		err = extfuse_dirfh_open(fm, d);
	if (!err)
		*fh = d->daemon_fh;
	mutex_unlock(&d->lock);
	return err;
}

/*
 * RELEASEDIR: true to send it (with the daemon's handle), false when the
 * daemon never opened the directory.  The handle is gone either way.
 */
bool extfuse_dirfh_release(struct fuse_mount *fm, struct fuse_args *args)
{
	struct extfuse_dirfh *d;
	bool send;
	u64 *fh;
	int ours;

	ours = extfuse_dirfh_of(fm, args, &fh, &d);
	if (ours <= 0)
		return ours == 0;
	xa_erase(&extfuse_dirfhs, (u32)*fh);
	send = d->opened;
	if (send)
		*fh = d->daemon_fh;
	extfuse_dirfh_free(d);
	return send;
}

/* Module exit: every handle holds a module reference, so none is left. */
void extfuse_dirfh_exit(void)
{
	WARN_ON_ONCE(!xa_empty(&extfuse_dirfhs));
	xa_destroy(&extfuse_dirfhs);
}
