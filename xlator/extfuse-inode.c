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
void efx_iatt_to_attr(xlator_t *this, const struct iatt *st,
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
 * Whether name in parent still leads to the inode marked m, as far as the
 * servers told: md-cache answers a LOOKUP from whatever inode the table
 * links under the name, and the upcalls of another client's rename name
 * inodes, never names, so that link can outlive the name.  The servers
 * must have named the inode last under this very name (an inode with
 * several names is looked up again as each is used in turn).
 */
static bool efx_name_current(xlator_t *this, inode_t *parent, const char *name,
			     const struct efx_probe_mark *m)
{
	struct efx_probe_mark pm;

	/* A name moved away since the servers last named it. */
	if (m->unnamed_ns && m->named_ns <= m->unnamed_ns)
		return false;
	if (m->named_hash != efx_name_hash(name) ||
	    gf_uuid_compare((unsigned char *)m->named_parent, parent->gfid))
		return false;
	/* The directory's names changed since: the name may now lead to
	 * another inode. */
	return !efx_probe_read(efx_priv(this)->probe, parent, &pm) ||
	       m->named_ns > pm.entries_ns;
}

/*
 * A name in parent leading to inode: from the last reply that named it (its
 * attributes come with every such reply) or after which its upcalls report
 * unlink and rename, whichever is later.
 */
static uint64_t efx_entry_expiry(xlator_t *this, inode_t *parent,
				 const char *name, inode_t *inode)
{
	struct efx_probe_mark m;

	if (!efx_probe_read(efx_priv(this)->probe, inode, &m))
		return efx_expiry_from(this, 0);
	if (!efx_name_current(this, parent, name, &m))
		return 0;
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

/* -ESTALE when the parent's stamp is out of date; 0 otherwise. */
static int efx_publish_entry(xlator_t *this, inode_t *parent, const char *name,
			     inode_t *inode, const struct extfuse_stamp *pst)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_active(this);
	uint64_t pnode = efx_nodeid(parent), expiry;
	int ret;

	if (!ef || !name || strlen(name) > EXTFUSE_NAME_MAX ||
	    !efx_inode_ok(this, parent) || !efx_inode_ok(this, inode))
		return 0;
	expiry = efx_entry_expiry(this, parent, name, inode);
	if (!expiry)
		return 0;
	if (!efx_node_track(this, parent) ||
	    efx_pin_name(this, inode, pnode, name) < 0) {
		GF_ATOMIC_INC(priv->c.errors);
		return 0;
	}
	ret = extfuse_publish_entry(ef, pnode, name, efx_nodeid(inode), 0,
				    expiry, pst);
	if (ret == 0) {
		GF_ATOMIC_INC(priv->c.entries);
		return 0;
	}
	efx_count_ret(this, ret, "publish entry");
	efx_name_forget(this, inode, pnode, name);
	return ret == -ESTALE ? ret : 0;
}

static void efx_publish_negative(xlator_t *this, inode_t *parent,
				 const char *name,
				 const struct extfuse_stamp *pst)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_active(this);
	uint64_t expiry;
	int ret;

	if (!ef || !priv->negative || !priv->server_ci || !name ||
	    strlen(name) > EXTFUSE_NAME_MAX || !efx_inode_ok(this, parent))
		return;
	expiry = efx_negative_expiry(this, parent);
	if (!expiry)
		return;
	/* Its forget must retire the name before the address is reused. */
	if (!efx_node_track(this, parent)) {
		GF_ATOMIC_INC(priv->c.errors);
		return;
	}
	ret = extfuse_publish_negative(ef, efx_nodeid(parent), name, expiry,
				       pst);
	if (ret == 0)
		GF_ATOMIC_INC(priv->c.negatives);
	else
		efx_count_ret(this, ret, "publish negative");
}

/*
 * One entry of a READDIRP reply, published as a LOOKUP of its name would
 * be (design.md, "Entries and attributes a listing brings").  dst is the
 * directory's stamp read when the request was wound; listed_ns when the
 * listing was first asked of the servers (readdir-ahead's prefetch
 * included).  The entry's stamp cannot be read before the request (its
 * name is learnt from the reply), so it is read now and stands only if no
 * bump of the node ended since the servers sent these attributes.
 * -ESTALE: the directory changed, no entry of this reply can be published.
 */
int efx_publish_dirent(xlator_t *this, inode_t *dir,
		       const struct extfuse_stamp *dst, uint64_t listed_ns,
		       gf_dirent_t *e)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_active(this);
	struct extfuse_stamp st;
	struct efx_probe_mark m;
	inode_t *linked;
	uint64_t nodeid;
	int ret;

	if (!ef || !e->inode || !strcmp(e->d_name, ".") ||
	    !strcmp(e->d_name, "..") || strlen(e->d_name) > EXTFUSE_NAME_MAX ||
	    !efx_iatt_ok(&e->d_stat, e->inode) || !efx_inode_ok(this, dir))
		return 0;
	/* A name created, removed or moved since the listing began. */
	if (efx_changed_since(efx_nodeid(dir), listed_ns))
		return -ESTALE;
	/*
	 * Link as the bridge will (fuse_readdirp_cbk links every entry it
	 * passes on): the nodeid the kernel is given is the linked inode's.
	 * Linking is idempotent; the bridge counts the kernel's lookup of
	 * what it passes on, and the extension counts its own in served[].
	 */
	linked = inode_link(e->inode, dir, e->d_name, &e->d_stat);
	if (!linked)
		return 0;
	nodeid = efx_nodeid(linked);
	if (linked == e->inode && efx_inode_ok(this, linked) &&
	    efx_probe_read(priv->probe, linked, &m) &&
	    m.attr_print == efx_iatt_print(&e->d_stat) &&
	    extfuse_stamp(ef, nodeid, &st) == 0 && st.epoch == dst->epoch &&
	    !efx_changed_since(nodeid, m.attr_ns))
		efx_publish_attr(this, linked, &e->d_stat, &st);
	ret = efx_publish_entry(this, dir, e->d_name, linked, dst);
	inode_unref(linked);
	return ret;
}

/* ---- what each reply does ------------------------------------------- */

static void efx_lookup_reply(xlator_t *this, struct efx_local *local,
			     int32_t op_ret, int32_t op_errno, inode_t *inode,
			     struct iatt *buf, struct iatt *postparent)
{
	inode_t *linked = NULL;

	if (!local)
		return;
	/*
	 * The parent's attributes decide search permission in the kernel.
	 * A kernel that keeps the parent's dentry and attributes for long
	 * (--entry-timeout, --attribute-timeout) never looks it up again,
	 * so they come from here too, or its missing names and children
	 * could not be answered in the kernel.  A lookup md-cache answered
	 * carries no parent attributes; those are not trusted.
	 */
	if (local->parent && local->have_pst && postparent &&
	    efx_iatt_ok(postparent, local->parent))
		efx_publish_attr(this, local->parent, postparent, &local->pst);
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
	} else if (op_ret < 0 && op_errno == ENOENT && local->name) {
		/* The name no longer leads to the inode we knew: unpin it. */
		if (local->inode && !gf_uuid_is_null(local->inode->gfid) &&
		    local->parent)
			efx_name_forget(this, local->inode,
					efx_nodeid(local->parent), local->name);
		if (local->have_pst)
			efx_publish_negative(this, local->parent, local->name,
					     &local->pst);
	}
}

/* A successful read of the node's attributes. */
static void efx_attr_reply(xlator_t *this, struct efx_local *local,
			   int32_t op_ret, struct iatt *buf)
{
	if (local && op_ret == 0 && local->have_st)
		efx_publish_attr(this, local->inode, buf, &local->st);
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

/*
 * A change whose reply carries the node's new attributes.  Requests wound
 * before the reply (a STAT that crosses it) were stamped with the version
 * of then and may still bring the old attributes back; so the version
 * moves now, after the reply, as it moved before the request was sent
 * (in the kernel).  The new attributes are published with the moved stamp
 * only when nothing else moved it since this request was wound: then no
 * other change can be in flight whose reply is older than ours.
 */
static void efx_change_reply(xlator_t *this, struct efx_local *local,
			     int32_t op_ret, struct iatt *post)
{
	struct extfuse *ef = efx_active(this);
	struct extfuse_stamp now, after;
	uint64_t nodeid;

	if (!local || !local->inode)
		return;
	nodeid = efx_nodeid(local->inode);
	if (op_ret < 0 || !ef || !local->have_st ||
	    !efx_inode_ok(this, local->inode) ||
	    extfuse_stamp(ef, nodeid, &now) < 0 ||
	    now.version != local->st.version || now.epoch != local->st.epoch) {
		efx_node_invalidate(this, local->inode);
		return;
	}
	efx_node_invalidate(this, local->inode);
	if (extfuse_stamp(ef, nodeid, &after) < 0 ||
	    after.version != now.version + 1 || after.epoch != now.epoch)
		return;
	efx_publish_attr(this, local->inode, post, &after);
}

/* A change to the node whose result the reply does not carry. */
static void efx_node_changed(xlator_t *this, struct efx_local *local)
{
	if (local)
		efx_node_invalidate(this, local->inode);
}

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

/* link: the target gains a name (nlink, ctime change) in a directory. */
static void efx_link_reply(xlator_t *this, struct efx_local *local,
			   int32_t op_ret, struct iatt *buf)
{
	if (!local)
		return;
	efx_node_invalidate(this, local->parent);
	efx_name_forget(this, NULL, efx_nodeid(local->parent), local->name);
	efx_change_reply(this, local, op_ret, buf);
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

/* rename: the old name goes, the new one may have named another node. */
static void efx_renamed(xlator_t *this, struct efx_local *local)
{
	if (!local)
		return;
	efx_gone_name(this, local);
	efx_node_invalidate(this, local->parent2);
	/* A replaced node loses its name (and its pin) and a link. */
	if (local->parent2 && local->name2)
		efx_name_forget(this, local->inode2, efx_nodeid(local->parent2),
				local->name2);
	efx_node_invalidate(this, local->inode2);
}

/* ---- the fops -------------------------------------------------------- */

#define EFX_LIST(...) __VA_ARGS__

/*
 * efx_FOP_cbk(): run REPLY, which may use this, local, op_ret, op_errno
 * and the callback's own parameters, then unwind.  PARAMS are those
 * parameters after op_errno, in parentheses; ARGS their names.
 */
#define EFX_CBK(fop, reply, params, args)                                      \
	static int32_t efx_##fop##_cbk(call_frame_t *frame, void *cookie,      \
				       xlator_t *this, int32_t op_ret,         \
				       int32_t op_errno, EFX_LIST params)      \
	{                                                                      \
		struct efx_local *local = frame->local;                        \
                                                                               \
		reply;                                                         \
		EFX_UNWIND(fop, frame, local, op_ret, op_errno,                \
			   EFX_LIST args);                                     \
		return 0;                                                      \
	}

/*
 * efx_FOP(): read the stamps of NODE and PARENT and keep NAME for the
 * callback (efx_prepare), then wind to efx_FOP_cbk().  PARAMS are the
 * fop's parameters after this, in parentheses; ARGS their names.
 */
#define EFX_WIND(fop, node, parent, name, params, args)                        \
	int32_t efx_##fop(call_frame_t *frame, xlator_t *this,                 \
			  EFX_LIST params)                                     \
	{                                                                      \
		efx_prepare(frame, this, node, parent, name);                  \
		STACK_WIND(frame, efx_##fop##_cbk, FIRST_CHILD(this),          \
			   FIRST_CHILD(this)->fops->fop, EFX_LIST args);       \
		return 0;                                                      \
	}

/* The parameter lists are not expressions, whatever clang-format says. */
/* clang-format off */

/* A change whose reply carries the node's attributes before and after. */
#define EFX_PREPOST_FOP(fop, node, params, args)                               \
	EFX_CBK(fop, efx_change_reply(this, local, op_ret, post),              \
		(struct iatt *pre, struct iatt *post, dict_t *xdata),          \
		(pre, post, xdata))                                            \
	EFX_WIND(fop, node, NULL, NULL, params, args)

/* Extended attributes can change the mode (ACLs): drop the node. */
#define EFX_XATTR_FOP(fop, node, params, args)                                 \
	EFX_CBK(fop, efx_node_changed(this, local), (dict_t *xdata), (xdata))  \
	EFX_WIND(fop, node, NULL, NULL, params, args)

/* mkdir, mknod, symlink: a new node under a new name. */
#define EFX_NEW_NAME_FOP(fop, params, args)                                    \
	EFX_CBK(fop, efx_new_name(this, local, op_ret, inode, buf),            \
		(inode_t *inode, struct iatt *buf, struct iatt *preparent,     \
		 struct iatt *postparent, dict_t *xdata),                      \
		(inode, buf, preparent, postparent, xdata))                    \
	EFX_WIND(fop, loc->inode, loc->parent, loc->name, params, args)

EFX_CBK(stat, efx_attr_reply(this, local, op_ret, buf),
	(struct iatt *buf, dict_t *xdata), (buf, xdata))
EFX_WIND(stat, loc->inode, NULL, NULL, (loc_t *loc, dict_t *xdata),
	 (loc, xdata))
EFX_CBK(fstat, efx_attr_reply(this, local, op_ret, buf),
	(struct iatt *buf, dict_t *xdata), (buf, xdata))
EFX_WIND(fstat, fd->inode, NULL, NULL, (fd_t *fd, dict_t *xdata),
	 (fd, xdata))

/* A read returns the node's attributes (atime may have moved). */
EFX_CBK(readv, efx_node_reply(this, local, op_ret, stbuf),
	(struct iovec *vector, int32_t count, struct iatt *stbuf,
	 struct iobref *iobref, dict_t *xdata),
	(vector, count, stbuf, iobref, xdata))
EFX_WIND(readv, fd->inode, NULL, NULL,
	 (fd_t *fd, size_t size, off_t offset, uint32_t flags, dict_t *xdata),
	 (fd, size, offset, flags, xdata))

EFX_PREPOST_FOP(setattr, loc->inode,
		(loc_t *loc, struct iatt *stbuf, int32_t valid, dict_t *xdata),
		(loc, stbuf, valid, xdata))
EFX_PREPOST_FOP(fsetattr, fd->inode,
		(fd_t *fd, struct iatt *stbuf, int32_t valid, dict_t *xdata),
		(fd, stbuf, valid, xdata))
EFX_PREPOST_FOP(writev, fd->inode,
		(fd_t *fd, struct iovec *vector, int32_t count, off_t off,
		 uint32_t flags, struct iobref *iobref, dict_t *xdata),
		(fd, vector, count, off, flags, iobref, xdata))
EFX_PREPOST_FOP(truncate, loc->inode,
		(loc_t *loc, off_t offset, dict_t *xdata),
		(loc, offset, xdata))
EFX_PREPOST_FOP(ftruncate, fd->inode,
		(fd_t *fd, off_t offset, dict_t *xdata),
		(fd, offset, xdata))
EFX_PREPOST_FOP(fallocate, fd->inode,
		(fd_t *fd, int32_t keep_size, off_t offset, size_t len,
		 dict_t *xdata),
		(fd, keep_size, offset, len, xdata))
EFX_PREPOST_FOP(discard, fd->inode,
		(fd_t *fd, off_t offset, size_t len, dict_t *xdata),
		(fd, offset, len, xdata))
EFX_PREPOST_FOP(zerofill, fd->inode,
		(fd_t *fd, off_t offset, off_t len, dict_t *xdata),
		(fd, offset, len, xdata))

EFX_XATTR_FOP(setxattr, loc->inode,
	      (loc_t *loc, dict_t *dict, int32_t flags, dict_t *xdata),
	      (loc, dict, flags, xdata))
EFX_XATTR_FOP(fsetxattr, fd->inode,
	      (fd_t *fd, dict_t *dict, int32_t flags, dict_t *xdata),
	      (fd, dict, flags, xdata))
EFX_XATTR_FOP(removexattr, loc->inode,
	      (loc_t *loc, const char *name, dict_t *xdata),
	      (loc, name, xdata))
EFX_XATTR_FOP(fremovexattr, fd->inode,
	      (fd_t *fd, const char *name, dict_t *xdata),
	      (fd, name, xdata))

/* open(O_TRUNC) truncates without returning the attributes. */
EFX_CBK(open, efx_node_changed(this, local), (fd_t *fd, dict_t *xdata),
	(fd, xdata))

EFX_CBK(create, efx_new_name(this, local, op_ret, inode, buf),
	(fd_t *fd, inode_t *inode, struct iatt *buf, struct iatt *preparent,
	 struct iatt *postparent, dict_t *xdata),
	(fd, inode, buf, preparent, postparent, xdata))
EFX_WIND(create, loc->inode, loc->parent, loc->name,
	 (loc_t *loc, int32_t flags, mode_t mode, mode_t umask, fd_t *fd,
	  dict_t *xdata),
	 (loc, flags, mode, umask, fd, xdata))
EFX_NEW_NAME_FOP(mkdir,
		 (loc_t *loc, mode_t mode, mode_t umask, dict_t *xdata),
		 (loc, mode, umask, xdata))
EFX_NEW_NAME_FOP(mknod,
		 (loc_t *loc, mode_t mode, dev_t rdev, mode_t umask,
		  dict_t *xdata),
		 (loc, mode, rdev, umask, xdata))
EFX_NEW_NAME_FOP(symlink,
		 (const char *linkpath, loc_t *loc, mode_t umask,
		  dict_t *xdata),
		 (linkpath, loc, umask, xdata))

EFX_CBK(link, efx_link_reply(this, local, op_ret, buf),
	(inode_t *inode, struct iatt *buf, struct iatt *preparent,
	 struct iatt *postparent, dict_t *xdata),
	(inode, buf, preparent, postparent, xdata))
EFX_WIND(link, oldloc->inode, newloc->parent, newloc->name,
	 (loc_t *oldloc, loc_t *newloc, dict_t *xdata),
	 (oldloc, newloc, xdata))

EFX_CBK(unlink, efx_gone_name(this, local),
	(struct iatt *preparent, struct iatt *postparent, dict_t *xdata),
	(preparent, postparent, xdata))
EFX_WIND(unlink, loc->inode, loc->parent, loc->name,
	 (loc_t *loc, int xflag, dict_t *xdata), (loc, xflag, xdata))
EFX_CBK(rmdir, efx_gone_name(this, local),
	(struct iatt *preparent, struct iatt *postparent, dict_t *xdata),
	(preparent, postparent, xdata))
EFX_WIND(rmdir, loc->inode, loc->parent, loc->name,
	 (loc_t *loc, int flags, dict_t *xdata), (loc, flags, xdata))

EFX_CBK(rename, efx_renamed(this, local),
	(struct iatt *buf, struct iatt *preoldparent,
	 struct iatt *postoldparent, struct iatt *prenewparent,
	 struct iatt *postnewparent, dict_t *xdata),
	(buf, preoldparent, postoldparent, prenewparent, postnewparent,
	 xdata))
/* clang-format on */

/* ---- lookup, and a registration renewed on a miss ------------------- */

/*
 * A LOOKUP of a name whose parent can be asked about below every cache
 * (efx_ask_parent), with what is published then: the parent's stamp, the
 * maps and a window.
 */
static bool efx_may_ask_parent(xlator_t *this, struct efx_local *local)
{
	struct efx_priv *priv = efx_priv(this);

	return local && local->loc && local->name && local->parent &&
	       local->have_pst && priv->probe && efx_active(this) &&
	       __atomic_load_n(&priv->expiry_ns, __ATOMIC_RELAXED) &&
	       efx_inode_ok(this, local->parent);
}

/*
 * A negative entry lives only as long as the servers report creations in
 * its parent to us, which they do for a while after we asked them about
 * the parent itself; a failed LOOKUP registers nothing.  A kernel that
 * keeps the parent's dentry for long (--entry-timeout) never asks about
 * the parent again, and neither does one whose parent md-cache answers
 * (a directory made here), so every miss under it would reach us.  Then,
 * before the miss is answered, the parent is asked about below every
 * cache (a STAT through the probe, which registers it) and the name
 * looked up again: a miss that follows the registration is published.
 * One extra pair of round trips per directory and window.
 */
static bool efx_want_refresh(xlator_t *this, struct efx_local *local,
			     int32_t op_ret, int32_t op_errno)
{
	struct efx_priv *priv = efx_priv(this);
	struct efx_probe_mark m;
	uint64_t window;

	if (op_ret >= 0 || op_errno != ENOENT ||
	    !efx_may_ask_parent(this, local) || !priv->negative ||
	    !priv->server_ci || strlen(local->name) > EXTFUSE_NAME_MAX)
		return false;
	window = __atomic_load_n(&priv->expiry_ns, __ATOMIC_RELAXED);
	if (!window) /* reconfigured meanwhile */
		return false;
	if (!efx_probe_read(priv->probe, local->parent, &m))
		m.asked_ns = 0;
	/* Renewed once half the window has gone. */
	return !m.asked_ns || m.asked_ns + window / 2 < extfuse_now_ns();
}

/*
 * The parent's attributes decide every LOOKUP under it in the kernel (search
 * permission).  An upcall about the directory retires them, and a LOOKUP of
 * a name seldom brings them back: md-cache's answers carry none, and on a
 * distributed volume the postparent is one subvolume's.  Only a request
 * about the directory itself does, which the kernel may not send for long
 * (a working directory, or the root, is not looked up again).  So a name
 * looked up here whose parent's attributes are not served asks for them
 * before the reply goes up: a STAT through the probe, below every cache,
 * at most once per directory and EFX_ASK_ATTRS_NS.
 */
static bool efx_want_parent_attrs(xlator_t *this, struct efx_local *local,
				  int32_t op_ret)
{
	struct extfuse *ef = efx_active(this);
	struct extfuse_attr_val val;
	struct extfuse_stamp st;
	uint64_t pnode;

	if (op_ret < 0 || !ef || !efx_may_ask_parent(this, local))
		return false;
	pnode = efx_nodeid(local->parent);
	if (extfuse_read_attr(ef, pnode, &val) == 0 &&
	    extfuse_stamp(ef, pnode, &st) == 0 && val.version == st.version &&
	    val.epoch == st.epoch && val.expiry_ns > extfuse_now_ns())
		return false;
	return efx_node_may_ask_attrs(this, local->parent);
}

static int32_t efx_lookup_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno, inode_t *inode,
			      struct iatt *buf, dict_t *xdata,
			      struct iatt *postparent);

/* Answer the caller with the reply held while the parent was asked about. */
static void efx_held_unwind(call_frame_t *frame, struct efx_local *local)
{
	inode_t *inode =
		local->held_inode ? local->held_inode : local->loc->inode;
	bool found = local->held_ret >= 0;

	efx_recheck_crossed(frame->this, local, found ? inode : NULL,
			    local->parent);
	EFX_UNWIND(lookup, frame, local, local->held_ret, local->held_errno,
		   inode, found ? &local->held_buf : NULL, local->held_xdata,
		   &local->held_postparent);
}

static int32_t efx_relookup_cbk(call_frame_t *frame, void *cookie,
				xlator_t *this, int32_t op_ret,
				int32_t op_errno, inode_t *inode,
				struct iatt *buf, dict_t *xdata,
				struct iatt *postparent)
{
	struct efx_local *local = frame->local;

	if (op_ret < 0 && op_errno == ENOENT)
		efx_publish_negative(this, local->parent, local->name,
				     &local->pst);
	/* The miss stands: the caller was answered by the first lookup. */
	efx_held_unwind(frame, local);
	return 0;
}

/* The parent's STAT: its attributes are published with the stamp read
 * before the LOOKUP was wound; a miss is looked up again. */
static int32_t efx_parent_stat_cbk(call_frame_t *frame, void *cookie,
				   xlator_t *this, int32_t op_ret,
				   int32_t op_errno, struct iatt *buf,
				   dict_t *xdata)
{
	struct efx_local *local = frame->local;
	xlator_t *probe = efx_priv(this)->probe;

	if (op_ret == 0)
		efx_publish_attr(this, local->parent, buf, &local->pst);
	if (op_ret < 0 || !probe || local->held_ret >= 0) {
		efx_held_unwind(frame, local);
		return 0;
	}
	STACK_WIND(frame, efx_relookup_cbk, probe, probe->fops->lookup,
		   local->loc, NULL);
	return 0;
}

/* Hold the LOOKUP reply and STAT the parent through the probe. */
static bool efx_ask_parent(call_frame_t *frame, xlator_t *this,
			   struct efx_local *local, int32_t op_ret,
			   int32_t op_errno, inode_t *inode, struct iatt *buf,
			   dict_t *xdata, struct iatt *postparent)
{
	xlator_t *probe = efx_priv(this)->probe;

	if (op_ret >= 0 && (!inode || !buf))
		return false;
	local->ploc.inode = inode_ref(local->parent);
	gf_uuid_copy(local->ploc.gfid, local->parent->gfid);
	if (inode_path(local->parent, NULL, (char **)&local->ploc.path) < 0) {
		loc_wipe(&local->ploc);
		return false;
	}
	local->held_ret = op_ret;
	local->held_errno = op_errno;
	if (op_ret >= 0) {
		local->held_inode = inode_ref(inode);
		local->held_buf = *buf;
	}
	local->held_xdata = xdata ? dict_ref(xdata) : NULL;
	if (postparent)
		local->held_postparent = *postparent;
	STACK_WIND(frame, efx_parent_stat_cbk, probe, probe->fops->stat,
		   &local->ploc, NULL);
	return true;
}

/*
 * md-cache answered a LOOKUP of a name (its answers carry no parent
 * attributes) with the inode the table links under it, and the servers
 * have not named that inode there since the directory's names last
 * changed: another client may have moved it away and put something else
 * under the name, and md-cache would go on answering with the old inode
 * (to the kernel too) for as long as that inode lives elsewhere.  The name
 * is looked up again with a fresh inode, which no cache knows, as the
 * bridge does after a revalidation failed.
 */
static bool efx_relink(call_frame_t *frame, xlator_t *this,
		       struct efx_local *local, int32_t op_ret, inode_t *inode,
		       struct iatt *postparent)
{
	struct efx_probe_mark m;

	if (!local || local->relinked || op_ret < 0 || !local->loc ||
	    !local->name || !local->parent || !inode ||
	    inode != local->loc->inode || __is_root_gfid(inode->gfid) ||
	    (postparent && !gf_uuid_is_null(postparent->ia_gfid)) ||
	    !efx_probe_read(efx_priv(this)->probe, inode, &m) ||
	    efx_name_current(this, local->parent, local->name, &m))
		return false;
	if (loc_copy(&local->rloc, local->loc) < 0)
		return false;
	inode_unref(local->rloc.inode);
	local->rloc.inode = inode_new(local->parent->table);
	if (!local->rloc.inode) {
		loc_wipe(&local->rloc);
		return false;
	}
	gf_uuid_clear(local->rloc.gfid);
	local->relinked = true;
	local->loc = &local->rloc;
	GF_ATOMIC_INC(efx_priv(this)->c.relinks);
	STACK_WIND(frame, efx_lookup_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->lookup, &local->rloc,
		   local->lookup_xdata);
	return true;
}

/*
 * A subvolume event makes the probe refuse everything fetched before it,
 * but md-cache goes on answering from what it holds until its timeout (it
 * forgets on a subvolume going down, counted in whole seconds, never on
 * one coming back): nothing it answers about such an inode could be
 * published for that long.  The LOOKUP is made again with a key md-cache
 * does not cache, which takes it to the servers: md-cache and the maps
 * both get what the servers say now.  Once per request.
 */
static bool efx_refetch(call_frame_t *frame, xlator_t *this,
			struct efx_local *local, int32_t op_ret, inode_t *inode)
{
	struct efx_priv *priv = efx_priv(this);
	dict_t *xdata;

	if (!local || local->refetched || op_ret < 0 || !local->loc ||
	    !inode || !efx_active(this) ||
	    !efx_probe_attrs_before_reset(priv->probe, inode))
		return false;
	xdata = local->lookup_xdata ? dict_copy_with_ref(local->lookup_xdata,
							 NULL)
				    : dict_new();
	if (!xdata)
		return false;
	if (dict_set_int32(xdata, EFX_REFETCH_KEY, 1) != 0) {
		dict_unref(xdata);
		return false;
	}
	local->refetched = true;
	GF_ATOMIC_INC(priv->c.refetches);
	STACK_WIND(frame, efx_lookup_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->lookup, local->loc, xdata);
	dict_unref(xdata);
	return true;
}

static int32_t efx_lookup_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno, inode_t *inode,
			      struct iatt *buf, dict_t *xdata,
			      struct iatt *postparent)
{
	struct efx_local *local = frame->local;

	if (efx_relink(frame, this, local, op_ret, inode, postparent) ||
	    efx_refetch(frame, this, local, op_ret, inode))
		return 0;
	efx_lookup_reply(this, local, op_ret, op_errno, inode, buf, postparent);
	if ((efx_want_refresh(this, local, op_ret, op_errno) ||
	     efx_want_parent_attrs(this, local, op_ret)) &&
	    efx_ask_parent(frame, this, local, op_ret, op_errno, inode, buf,
			   xdata, postparent))
		return 0;
	efx_recheck_crossed(this, local, op_ret >= 0 ? inode : NULL,
			    local ? local->parent : NULL);
	EFX_UNWIND(lookup, frame, local, op_ret, op_errno, inode, buf, xdata,
		   postparent);
	return 0;
}

int32_t efx_lookup(call_frame_t *frame, xlator_t *this, loc_t *loc,
		   dict_t *xdata)
{
	struct efx_local *local;

	local = efx_prepare(frame, this, loc->inode, loc->parent, loc->name);
	if (local) {
		local->loc = loc;
		if (xdata)
			local->lookup_xdata = dict_ref(xdata);
	}
	STACK_WIND(frame, efx_lookup_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->lookup, loc, xdata);
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

int32_t efx_rename(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
		   loc_t *newloc, dict_t *xdata)
{
	struct efx_local *local;

	local = efx_prepare(frame, this, oldloc->inode, oldloc->parent,
			    oldloc->name);
	if (local && newloc->parent) {
		local->parent2 = inode_ref(newloc->parent);
		local->name2 = newloc->name ? gf_strdup(newloc->name) : NULL;
		if (newloc->inode)
			local->inode2 = inode_ref(newloc->inode);
	}
	STACK_WIND(frame, efx_rename_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->rename, oldloc, newloc, xdata);
	return 0;
}
