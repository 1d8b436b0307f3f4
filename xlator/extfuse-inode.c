// SPDX-License-Identifier: GPL-2.0
/*
 * performance/extfuse: inode fops.  Replies that carry a node's attributes
 * (lookup, stat, reads, changes) publish them, a lookup also publishes the
 * entry or its absence; a change whose result is unknown, or that moves
 * names, deletes what it made stale.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <glusterfs/glusterfs.h>
#include <glusterfs/xlator.h>
#include <glusterfs/defaults.h>
#include <glusterfs/inode.h>
#include <glusterfs/iatt.h>
#include <glusterfs/common-utils.h>

#include "extfuse.h"
#include "extfuse-probe.h"

static bool efx_iatt_ok(struct iatt *buf, inode_t *inode)
{
	if (!buf || buf->ia_type == IA_INVAL || buf->ia_ino == 0 ||
	    gf_uuid_is_null(buf->ia_gfid))
		return false;
	return gf_uuid_is_null(inode->gfid) ||
	       gf_uuid_compare(inode->gfid, buf->ia_gfid) == 0;
}

/*
 * The FUSE bridge's own conversion, field by field, including its
 * override of the block size with the client's page size.
 */
static void efx_iatt_to_attr(xlator_t *this, const struct iatt *st,
			     struct fuse_attr *fa)
{
	memset(fa, 0, sizeof(*fa));
	fa->ino = st->ia_ino;
	fa->size = st->ia_size;
	fa->blocks = st->ia_blocks;
	fa->atime = st->ia_atime;
	fa->mtime = st->ia_mtime;
	fa->ctime = st->ia_ctime;
	fa->atimensec = st->ia_atime_nsec;
	fa->mtimensec = st->ia_mtime_nsec;
	fa->ctimensec = st->ia_ctime_nsec;
	fa->mode = st_mode_from_ia(st->ia_prot, st->ia_type);
	fa->nlink = st->ia_nlink;
	fa->uid = st->ia_uid;
	fa->gid = st->ia_gid;
	fa->rdev = makedev(ia_major(st->ia_rdev), ia_minor(st->ia_rdev));
	fa->blksize = this->ctx->page_size;
}

/* Attributes buf of inode: only if they are what the servers last said. */
static uint64_t efx_attr_expiry(xlator_t *this, inode_t *inode,
				const struct iatt *buf)
{
	struct efx_probe_mark m;

	if (!efx_probe_read(efx_priv(this)->probe, inode, &m) ||
	    m.attr_print != efx_iatt_print(buf))
		m.attr_ns = 0;
	return efx_expiry_from(this, m.attr_ns);
}

/*
 * A name leading to inode: from the last reply that named it (its attributes
 * come with every such reply) or after which its upcalls report unlink and
 * rename, whichever is later.
 */
static uint64_t efx_entry_expiry(xlator_t *this, inode_t *inode)
{
	struct efx_probe_mark m;

	if (!efx_probe_read(efx_priv(this)->probe, inode, &m))
		return efx_expiry_from(this, 0);
	return efx_expiry_from(this,
			       m.attr_ns > m.asked_ns ? m.attr_ns : m.asked_ns);
}

/*
 * No such name in parent: only the parent's upcalls report a creation, and
 * a failed LOOKUP registers nothing, so from the parent's registration.
 */
static uint64_t efx_negative_expiry(xlator_t *this, inode_t *parent)
{
	struct efx_probe_mark m;

	if (!efx_probe_read(efx_priv(this)->probe, parent, &m))
		m.asked_ns = 0;
	return efx_expiry_from(this, m.asked_ns);
}

/* ---- publishing ------------------------------------------------------ */

static void efx_publish_attr(xlator_t *this, inode_t *inode, struct iatt *buf,
			     const struct extfuse_stamp *st)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_active(this);
	struct fuse_attr fa;
	uint64_t expiry;
	int ret;

	if (!ef || !efx_inode_ok(this, inode))
		return;
	if (!efx_iatt_ok(buf, inode)) {
		/* The change happened but its result is unknown. */
		efx_node_invalidate(this, inode);
		return;
	}
	if (!efx_node_track(this, inode)) {
		GF_ATOMIC_INC(priv->c.errors);
		return;
	}
	expiry = efx_attr_expiry(this, inode, buf);
	if (!expiry)
		return;
	efx_iatt_to_attr(this, buf, &fa);
	ret = extfuse_publish_attr(
		ef, efx_nodeid(inode), &fa,
		priv->may_have_acl ? EXTFUSE_ATTR_MAY_HAVE_ACL : 0, expiry, st);
	if (ret == 0)
		GF_ATOMIC_INC(priv->c.attrs);
	else
		efx_count_ret(this, ret, "publish attr");
}

static void efx_publish_entry(xlator_t *this, inode_t *parent, const char *name,
			      inode_t *inode, const struct extfuse_stamp *pst)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_active(this);
	uint64_t pnode = efx_nodeid(parent), expiry;
	int ret;

	if (!ef || !name || strlen(name) > EXTFUSE_NAME_MAX ||
	    !efx_inode_ok(this, parent) || !efx_inode_ok(this, inode))
		return;
	expiry = efx_entry_expiry(this, inode);
	if (!expiry)
		return;
	if (efx_pin_name(this, inode, pnode, name) < 0) {
		GF_ATOMIC_INC(priv->c.errors);
		return;
	}
	ret = extfuse_publish_entry(ef, pnode, name, efx_nodeid(inode), 0,
				    expiry, pst);
	if (ret == 0) {
		GF_ATOMIC_INC(priv->c.entries);
		return;
	}
	efx_count_ret(this, ret, "publish entry");
	efx_name_forget(this, inode, pnode, name);
}

static void efx_publish_negative(xlator_t *this, inode_t *parent,
				 const char *name,
				 const struct extfuse_stamp *pst)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_active(this);
	uint64_t expiry;
	int ret;

	if (!ef || !priv->negative || !name ||
	    strlen(name) > EXTFUSE_NAME_MAX || !efx_inode_ok(this, parent))
		return;
	expiry = efx_negative_expiry(this, parent);
	if (!expiry)
		return;
	ret = extfuse_publish_negative(ef, efx_nodeid(parent), name, expiry,
				       pst);
	if (ret == 0)
		GF_ATOMIC_INC(priv->c.negatives);
	else
		efx_count_ret(this, ret, "publish negative");
}

/* ---- lookup and attribute fops --------------------------------------- */

static int32_t efx_lookup_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno, inode_t *inode,
			      struct iatt *buf, dict_t *xdata,
			      struct iatt *postparent)
{
	struct efx_local *local = frame->local;
	inode_t *linked = NULL;

	if (!local)
		goto unwind;
	if (op_ret == 0 && inode && efx_iatt_ok(buf, inode)) {
		/*
		 * Link now, as the bridge will: the inode it answers with
		 * is the linked one, which differs from ours when another
		 * lookup linked the gfid first.  Linking is idempotent.
		 */
		linked = inode_link(inode, local->parent, local->name, buf);
		if (linked && local->have_st && linked == local->inode)
			efx_publish_attr(this, linked, buf, &local->st);
		if (linked && local->have_pst && local->name)
			efx_publish_entry(this, local->parent, local->name,
					  linked, &local->pst);
		if (linked)
			inode_unref(linked);
	} else if (op_ret < 0 && op_errno == ENOENT && local->have_pst &&
		   local->name) {
		efx_publish_negative(this, local->parent, local->name,
				     &local->pst);
	}
unwind:
	EFX_UNWIND(lookup, frame, local, op_ret, op_errno, inode, buf, xdata,
		   postparent);
	return 0;
}

int32_t efx_lookup(call_frame_t *frame, xlator_t *this, loc_t *loc,
		   dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, loc->parent, loc->name);
	STACK_WIND(frame, efx_lookup_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->lookup, loc, xdata);
	return 0;
}

/* A reply that carries the node's fresh attributes. */
static void efx_node_reply(xlator_t *this, struct efx_local *local,
			   int32_t op_ret, struct iatt *post)
{
	if (!local || !local->inode)
		return;
	if (op_ret >= 0 && local->have_st)
		efx_publish_attr(this, local->inode, post, &local->st);
	else
		efx_node_invalidate(this, local->inode);
}

static int32_t efx_stat_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			    int32_t op_ret, int32_t op_errno, struct iatt *buf,
			    dict_t *xdata)
{
	struct efx_local *local = frame->local;

	if (local && op_ret == 0 && local->have_st)
		efx_publish_attr(this, local->inode, buf, &local->st);
	EFX_UNWIND(stat, frame, local, op_ret, op_errno, buf, xdata);
	return 0;
}

int32_t efx_stat(call_frame_t *frame, xlator_t *this, loc_t *loc, dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, NULL, NULL);
	STACK_WIND(frame, efx_stat_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->stat, loc, xdata);
	return 0;
}

static int32_t efx_fstat_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			     int32_t op_ret, int32_t op_errno, struct iatt *buf,
			     dict_t *xdata)
{
	struct efx_local *local = frame->local;

	if (local && op_ret == 0 && local->have_st)
		efx_publish_attr(this, local->inode, buf, &local->st);
	EFX_UNWIND(fstat, frame, local, op_ret, op_errno, buf, xdata);
	return 0;
}

int32_t efx_fstat(call_frame_t *frame, xlator_t *this, fd_t *fd, dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_fstat_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->fstat, fd, xdata);
	return 0;
}

/*
 * A change whose reply carries the node's attributes before and after it:
 * publish those after, or drop the node when the change failed.  Defines
 * efx_FOP() on the node of TARGET (its loc or fd) and its callback; PARAMS
 * are the fop's parameters after this, in parentheses, ARGS their names.
 */
#define EFX_PREPOST_FOP(fop, target, params, args)                             \
	static int32_t efx_##fop##_cbk(call_frame_t *frame, void *cookie,      \
				       xlator_t *this, int32_t op_ret,         \
				       int32_t op_errno, struct iatt *pre,     \
				       struct iatt *post, dict_t *xdata)       \
	{                                                                      \
		struct efx_local *local = frame->local;                        \
                                                                               \
		efx_node_reply(this, local, op_ret, post);                     \
		EFX_UNWIND(fop, frame, local, op_ret, op_errno, pre, post,     \
			   xdata);                                             \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	int32_t efx_##fop(call_frame_t *frame, xlator_t *this,                 \
			  EFX_LIST params)                                     \
	{                                                                      \
		efx_prepare(frame, this, (target)->inode, NULL, NULL);         \
		STACK_WIND(frame, efx_##fop##_cbk, FIRST_CHILD(this),          \
			   FIRST_CHILD(this)->fops->fop, EFX_LIST args);       \
		return 0;                                                      \
	}

#define EFX_LIST(...) __VA_ARGS__

/* The parameter lists are not expressions, whatever clang-format says. */
/* clang-format off */
EFX_PREPOST_FOP(setattr, loc,
		(loc_t *loc, struct iatt *stbuf, int32_t valid, dict_t *xdata),
		(loc, stbuf, valid, xdata))
EFX_PREPOST_FOP(fsetattr, fd,
		(fd_t *fd, struct iatt *stbuf, int32_t valid, dict_t *xdata),
		(fd, stbuf, valid, xdata))
EFX_PREPOST_FOP(writev, fd,
		(fd_t *fd, struct iovec *vector, int32_t count, off_t off,
		 uint32_t flags, struct iobref *iobref, dict_t *xdata),
		(fd, vector, count, off, flags, iobref, xdata))
EFX_PREPOST_FOP(truncate, loc, (loc_t *loc, off_t offset, dict_t *xdata),
		(loc, offset, xdata))
EFX_PREPOST_FOP(ftruncate, fd, (fd_t *fd, off_t offset, dict_t *xdata),
		(fd, offset, xdata))
EFX_PREPOST_FOP(fallocate, fd,
		(fd_t *fd, int32_t keep_size, off_t offset, size_t len,
		 dict_t *xdata),
		(fd, keep_size, offset, len, xdata))
EFX_PREPOST_FOP(discard, fd,
		(fd_t *fd, off_t offset, size_t len, dict_t *xdata),
		(fd, offset, len, xdata))
EFX_PREPOST_FOP(zerofill, fd,
		(fd_t *fd, off_t offset, off_t len, dict_t *xdata),
		(fd, offset, len, xdata))
/* clang-format on */

/* A read returns the node's attributes (atime may have moved). */
static int32_t efx_readv_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			     int32_t op_ret, int32_t op_errno,
			     struct iovec *vector, int32_t count,
			     struct iatt *stbuf, struct iobref *iobref,
			     dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_node_reply(this, local, op_ret, stbuf);
	EFX_UNWIND(readv, frame, local, op_ret, op_errno, vector, count, stbuf,
		   iobref, xdata);
	return 0;
}

int32_t efx_readv(call_frame_t *frame, xlator_t *this, fd_t *fd, size_t size,
		  off_t offset, uint32_t flags, dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_readv_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->readv, fd, size, offset, flags,
		   xdata);
	return 0;
}

/* open(O_TRUNC) truncates without returning the attributes. */
static int32_t efx_open_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			    int32_t op_ret, int32_t op_errno, fd_t *fd,
			    dict_t *xdata)
{
	struct efx_local *local = frame->local;

	if (local)
		efx_node_invalidate(this, local->inode);
	EFX_UNWIND(open, frame, local, op_ret, op_errno, fd, xdata);
	return 0;
}

int32_t efx_open(call_frame_t *frame, xlator_t *this, loc_t *loc, int32_t flags,
		 fd_t *fd, dict_t *xdata)
{
	if (!(flags & O_TRUNC)) {
		STACK_WIND_TAIL(frame, FIRST_CHILD(this),
				FIRST_CHILD(this)->fops->open, loc, flags, fd,
				xdata);
		return 0;
	}
	efx_prepare(frame, this, loc->inode, NULL, NULL);
	STACK_WIND(frame, efx_open_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->open, loc, flags, fd, xdata);
	return 0;
}

/*
 * Extended attributes can change the mode (ACLs): drop the node.  One
 * callback serves setxattr, fsetxattr, removexattr and fremovexattr, whose
 * callbacks have the same type.
 */
static int32_t efx_xattr_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			     int32_t op_ret, int32_t op_errno, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	if (local)
		efx_node_invalidate(this, local->inode);
	EFX_UNWIND(setxattr, frame, local, op_ret, op_errno, xdata);
	return 0;
}

int32_t efx_setxattr(call_frame_t *frame, xlator_t *this, loc_t *loc,
		     dict_t *dict, int32_t flags, dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, NULL, NULL);
	STACK_WIND(frame, efx_xattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->setxattr, loc, dict, flags, xdata);
	return 0;
}

int32_t efx_fsetxattr(call_frame_t *frame, xlator_t *this, fd_t *fd,
		      dict_t *dict, int32_t flags, dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_xattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->fsetxattr, fd, dict, flags, xdata);
	return 0;
}

int32_t efx_removexattr(call_frame_t *frame, xlator_t *this, loc_t *loc,
			const char *name, dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, NULL, NULL);
	STACK_WIND(frame, efx_xattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->removexattr, loc, name, xdata);
	return 0;
}

int32_t efx_fremovexattr(call_frame_t *frame, xlator_t *this, fd_t *fd,
			 const char *name, dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_xattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->fremovexattr, fd, name, xdata);
	return 0;
}

/* ---- namespace fops -------------------------------------------------- */

/*
 * A new name in a directory: the directory's attributes and listing are
 * dropped (which also retires its cached entries, through its version),
 * and the new node's attributes are published when the bridge will answer
 * with the inode we stamped.
 */
static void efx_new_name(xlator_t *this, struct efx_local *local,
			 int32_t op_ret, inode_t *inode, struct iatt *buf)
{
	inode_t *linked;

	if (!local)
		return;
	efx_node_invalidate(this, local->parent);
	if (local->name && local->parent)
		efx_name_forget(this, NULL, efx_nodeid(local->parent),
				local->name);
	if (op_ret < 0 || !inode || !local->have_st || !efx_iatt_ok(buf, inode))
		return;
	linked = inode_link(inode, local->parent, local->name, buf);
	if (!linked)
		return;
	if (linked == local->inode)
		efx_publish_attr(this, linked, buf, &local->st);
	inode_unref(linked);
}

static int32_t efx_create_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno, fd_t *fd,
			      inode_t *inode, struct iatt *buf,
			      struct iatt *preparent, struct iatt *postparent,
			      dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_new_name(this, local, op_ret, inode, buf);
	EFX_UNWIND(create, frame, local, op_ret, op_errno, fd, inode, buf,
		   preparent, postparent, xdata);
	return 0;
}

int32_t efx_create(call_frame_t *frame, xlator_t *this, loc_t *loc,
		   int32_t flags, mode_t mode, mode_t umask, fd_t *fd,
		   dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, loc->parent, loc->name);
	STACK_WIND(frame, efx_create_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->create, loc, flags, mode, umask, fd,
		   xdata);
	return 0;
}

static int32_t efx_mkdir_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			     int32_t op_ret, int32_t op_errno, inode_t *inode,
			     struct iatt *buf, struct iatt *preparent,
			     struct iatt *postparent, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_new_name(this, local, op_ret, inode, buf);
	EFX_UNWIND(mkdir, frame, local, op_ret, op_errno, inode, buf, preparent,
		   postparent, xdata);
	return 0;
}

int32_t efx_mkdir(call_frame_t *frame, xlator_t *this, loc_t *loc, mode_t mode,
		  mode_t umask, dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, loc->parent, loc->name);
	STACK_WIND(frame, efx_mkdir_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->mkdir, loc, mode, umask, xdata);
	return 0;
}

static int32_t efx_mknod_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			     int32_t op_ret, int32_t op_errno, inode_t *inode,
			     struct iatt *buf, struct iatt *preparent,
			     struct iatt *postparent, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_new_name(this, local, op_ret, inode, buf);
	EFX_UNWIND(mknod, frame, local, op_ret, op_errno, inode, buf, preparent,
		   postparent, xdata);
	return 0;
}

int32_t efx_mknod(call_frame_t *frame, xlator_t *this, loc_t *loc, mode_t mode,
		  dev_t rdev, mode_t umask, dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, loc->parent, loc->name);
	STACK_WIND(frame, efx_mknod_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->mknod, loc, mode, rdev, umask,
		   xdata);
	return 0;
}

static int32_t efx_symlink_cbk(call_frame_t *frame, void *cookie,
			       xlator_t *this, int32_t op_ret, int32_t op_errno,
			       inode_t *inode, struct iatt *buf,
			       struct iatt *preparent, struct iatt *postparent,
			       dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_new_name(this, local, op_ret, inode, buf);
	EFX_UNWIND(symlink, frame, local, op_ret, op_errno, inode, buf,
		   preparent, postparent, xdata);
	return 0;
}

int32_t efx_symlink(call_frame_t *frame, xlator_t *this, const char *linkpath,
		    loc_t *loc, mode_t umask, dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, loc->parent, loc->name);
	STACK_WIND(frame, efx_symlink_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->symlink, linkpath, loc, umask,
		   xdata);
	return 0;
}

/* link: the target gains a name (nlink, ctime change) in a directory. */
static int32_t efx_link_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			    int32_t op_ret, int32_t op_errno, inode_t *inode,
			    struct iatt *buf, struct iatt *preparent,
			    struct iatt *postparent, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	if (local) {
		efx_node_invalidate(this, local->parent);
		efx_name_forget(this, NULL, efx_nodeid(local->parent),
				local->name);
		efx_node_reply(this, local, op_ret, buf);
	}
	EFX_UNWIND(link, frame, local, op_ret, op_errno, inode, buf, preparent,
		   postparent, xdata);
	return 0;
}

int32_t efx_link(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
		 loc_t *newloc, dict_t *xdata)
{
	efx_prepare(frame, this, oldloc->inode, newloc->parent, newloc->name);
	STACK_WIND(frame, efx_link_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->link, oldloc, newloc, xdata);
	return 0;
}

/* unlink, rmdir: the name goes, the node's nlink and ctime change. */
static void efx_gone_name(xlator_t *this, struct efx_local *local)
{
	if (!local)
		return;
	efx_node_invalidate(this, local->parent);
	if (local->parent && local->name)
		efx_name_forget(this, local->inode, efx_nodeid(local->parent),
				local->name);
	efx_node_invalidate(this, local->inode);
}

static int32_t efx_unlink_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno,
			      struct iatt *preparent, struct iatt *postparent,
			      dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_gone_name(this, local);
	EFX_UNWIND(unlink, frame, local, op_ret, op_errno, preparent,
		   postparent, xdata);
	return 0;
}

int32_t efx_unlink(call_frame_t *frame, xlator_t *this, loc_t *loc, int xflag,
		   dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, loc->parent, loc->name);
	STACK_WIND(frame, efx_unlink_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->unlink, loc, xflag, xdata);
	return 0;
}

static int32_t efx_rmdir_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			     int32_t op_ret, int32_t op_errno,
			     struct iatt *preparent, struct iatt *postparent,
			     dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_gone_name(this, local);
	EFX_UNWIND(rmdir, frame, local, op_ret, op_errno, preparent, postparent,
		   xdata);
	return 0;
}

int32_t efx_rmdir(call_frame_t *frame, xlator_t *this, loc_t *loc, int flags,
		  dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, loc->parent, loc->name);
	STACK_WIND(frame, efx_rmdir_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->rmdir, loc, flags, xdata);
	return 0;
}

static int32_t efx_rename_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno,
			      struct iatt *buf, struct iatt *preoldparent,
			      struct iatt *postoldparent,
			      struct iatt *prenewparent,
			      struct iatt *postnewparent, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	if (local) {
		efx_gone_name(this, local);
		efx_node_invalidate(this, local->parent2);
		if (local->parent2 && local->name2)
			efx_name_forget(this, NULL, efx_nodeid(local->parent2),
					local->name2);
	}
	EFX_UNWIND(rename, frame, local, op_ret, op_errno, buf, preoldparent,
		   postoldparent, prenewparent, postnewparent, xdata);
	return 0;
}

int32_t efx_rename(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
		   loc_t *newloc, dict_t *xdata)
{
	struct efx_local *local;

	local = efx_prepare(frame, this, oldloc->inode, oldloc->parent,
			    oldloc->name);
	if (local && newloc->parent) {
		local->parent2 = inode_ref(newloc->parent);
		local->name2 = newloc->name ? gf_strdup(newloc->name) : NULL;
	}
	STACK_WIND(frame, efx_rename_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->rename, oldloc, newloc, xdata);
	return 0;
}
