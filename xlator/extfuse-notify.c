// SPDX-License-Identifier: GPL-2.0
/*
 * performance/extfuse-notify: the brick side of performance/extfuse.
 *
 * Gluster's upcall translator reports a rename or a link to the clients
 * registered on the inode that moved or gained a name, and reports nothing
 * to clients that only know the directories (they listed one, or found a
 * name missing in it).  Those clients would keep a listing or a negative
 * entry that the change made wrong, for the whole invalidation window.
 * Setting an access ACL changes the inode's mode, which the upcall
 * translator does not report at all (it reports xattr changes only to
 * clients that asked for that xattr): it is reported the same way, on the
 * inode.
 *
 * An unlink or rmdir usually reaches a directory's clients through the
 * inode's own registrations, but not always (the randomized test saw a
 * listing outlive an rmdir with a brick down): they are reported too.
 * A rename over a name reports nothing to the clients of the inode it
 * replaced, which lost a link and may live on under another name with
 * its link count changed: it is reported the same way, when it is still
 * there.
 *
 * This translator sits right above features/upcall in the brick graph
 * (the volfile filter puts it there).  After such a change succeeded, and
 * before its reply goes back, it sends an empty SETATTR (no attribute
 * set) on each directory whose entries changed, on behalf of the client
 * that made the change: the upcall translator then reports a change of
 * that directory to every other client registered on it.  An empty
 * SETATTR changes nothing on the brick (at most the directory's ctime,
 * which the change itself just moved).
 *
 * The SETATTR names the directory by its gfid, which storage/posix finds
 * through the directory's handle under .glusterfs.  Gluster's posix drops
 * that handle before it renames a directory and puts it back only when
 * the rename succeeded: after a failed rename (over a non-empty directory,
 * into itself) the directory has no handle until something heals it.  A
 * SETATTR by gfid that fails is therefore sent once more with the
 * directory's path as the brick's inode table knows it, which posix
 * resolves without the handle.  The gfid goes first: a handle always
 * names this directory, while the table may lag a moment behind a rename
 * of an ancestor.
 */
#include <errno.h>
#include <string.h>

#include <glusterfs/glusterfs.h>
#include <glusterfs/xlator.h>
#include <glusterfs/defaults.h>
#include <glusterfs/inode.h>
#include <glusterfs/iatt.h>
#include <glusterfs/glusterfs-acl.h>

#include "extfuse-mem-types.h"
#include "extfuse-messages.h"

/* The reply held back while the directories are reported. */
struct notify_local {
	glusterfs_fop_t fop;
	int32_t op_ret, op_errno;
	inode_t *inode; /* link: the inode the reply names */
	struct iatt buf, pre1, post1, pre2, post2;
	dict_t *xdata;
	loc_t dirs[3]; /* the inodes to report, in order */
	bool replaced[3]; /* the inode a rename replaced: may be gone */
	int ndirs, next;
};

static void notify_local_free(struct notify_local *local)
{
	if (!local)
		return;
	for (int i = 0; i < 3; i++)
		loc_wipe(&local->dirs[i]);
	if (local->xdata)
		dict_unref(local->xdata);
	GF_FREE(local);
}

/* A loc naming dir by its gfid: all a brick needs to find it. */
static int notify_add_dir(struct notify_local *local, inode_t *dir)
{
	loc_t *loc;

	if (!dir || gf_uuid_is_null(dir->gfid))
		return -1;
	if (local->ndirs && local->dirs[0].inode == dir)
		return 0; /* within one directory */
	loc = &local->dirs[local->ndirs];
	loc->inode = inode_ref(dir);
	gf_uuid_copy(loc->gfid, dir->gfid);
	local->ndirs++;
	return 0;
}

/*
 * Give loc its directory's absolute path from the brick's inode table;
 * false when it has one already (it was tried) or the table knows none.
 */
static bool notify_add_path(loc_t *loc)
{
	char *path = NULL;

	if (loc->path || inode_path(loc->inode, NULL, &path) < 0 || !path)
		return false;
	if (path[0] != '/') {
		GF_FREE(path);
		return false;
	}
	loc->path = path; /* loc_wipe frees it */
	return true;
}

static void notify_unwind(call_frame_t *frame)
{
	struct notify_local *local = frame->local;

	frame->local = NULL;
	switch (local->fop) {
	case GF_FOP_RENAME:
		STACK_UNWIND_STRICT(rename, frame, local->op_ret,
				    local->op_errno, &local->buf, &local->pre1,
				    &local->post1, &local->pre2, &local->post2,
				    local->xdata);
		break;
	case GF_FOP_UNLINK:
	case GF_FOP_RMDIR:
		/* the same callback type */
		STACK_UNWIND_STRICT(unlink, frame, local->op_ret,
				    local->op_errno, &local->pre1,
				    &local->post1, local->xdata);
		break;
	case GF_FOP_SETXATTR:
	case GF_FOP_FSETXATTR:
		/* the same callback type */
		STACK_UNWIND_STRICT(setxattr, frame, local->op_ret,
				    local->op_errno, local->xdata);
		break;
	default:
		STACK_UNWIND_STRICT(link, frame, local->op_ret, local->op_errno,
				    local->inode, &local->buf, &local->pre1,
				    &local->post1, local->xdata);
		break;
	}
	notify_local_free(local);
}

static int32_t notify_dir_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno,
			      struct iatt *pre, struct iatt *post,
			      dict_t *xdata);

/* The empty SETATTR that makes upcall report dir. */
static void notify_send(call_frame_t *frame, xlator_t *this, loc_t *dir)
{
	struct iatt none;

	memset(&none, 0, sizeof(none));
	STACK_WIND(frame, notify_dir_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->setattr, dir, &none, 0, NULL);
}

/* Report the next directory, or send the reply when all are done. */
static void notify_next(call_frame_t *frame, xlator_t *this)
{
	struct notify_local *local = frame->local;

	if (local->next >= local->ndirs) {
		notify_unwind(frame);
		return;
	}
	notify_send(frame, this, &local->dirs[local->next++]);
}

static int32_t notify_dir_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno,
			      struct iatt *pre, struct iatt *post,
			      dict_t *xdata)
{
	struct notify_local *local = frame->local;
	loc_t *dir = &local->dirs[local->next - 1];

	/* A replaced inode whose last link went has nothing to report. */
	if (local->replaced[local->next - 1]) {
		notify_next(frame, this);
		return 0;
	}
	/* The directory may have lost its handle: try its path, once. */
	if (op_ret < 0 && (op_errno == ENOENT || op_errno == ESTALE) &&
	    notify_add_path(dir)) {
		notify_send(frame, this, dir);
		return 0;
	}
	/* A failure is logged and changes nothing of the reply. */
	if (op_ret < 0)
		gf_msg(this->name, GF_LOG_WARNING, op_errno,
		       EXTFUSE_MSG_NOTIFY_FAILED,
		       "cannot report a change of directory %s to its clients",
		       dir->path ? dir->path : uuid_utoa(dir->gfid));
	notify_next(frame, this);
	return 0;
}

/*
 * Keep the reply of a change that succeeded and report its directories;
 * returns false (the caller unwinds at once) when there is nothing to do.
 */
static bool notify_start(call_frame_t *frame, xlator_t *this,
			 struct notify_local *local, int32_t op_ret,
			 int32_t op_errno, dict_t *xdata)
{
	if (op_ret < 0 || !local->ndirs)
		return false;
	local->op_ret = op_ret;
	local->op_errno = op_errno;
	local->xdata = xdata ? dict_ref(xdata) : NULL;
	notify_next(frame, this);
	return true;
}

static struct notify_local *notify_prepare(call_frame_t *frame,
					   glusterfs_fop_t fop, inode_t *dir1,
					   inode_t *dir2)
{
	struct notify_local *local;

	local = GF_CALLOC(1, sizeof(*local), gf_extfuse_mt_local);
	if (!local)
		return NULL;
	local->fop = fop;
	/* Without a directory to report, the change goes through as is. */
	if (notify_add_dir(local, dir1) < 0 ||
	    (dir2 && notify_add_dir(local, dir2) < 0)) {
		notify_local_free(local);
		return NULL;
	}
	frame->local = local;
	return local;
}

/* frame->local is ours: STACK_DESTROY must not mem_put() it. */
static struct notify_local *notify_take(call_frame_t *frame)
{
	struct notify_local *local = frame->local;

	frame->local = NULL;
	return local;
}

static int32_t notify_rename_cbk(call_frame_t *frame, void *cookie,
				 xlator_t *this, int32_t op_ret,
				 int32_t op_errno, struct iatt *buf,
				 struct iatt *preoldparent,
				 struct iatt *postoldparent,
				 struct iatt *prenewparent,
				 struct iatt *postnewparent, dict_t *xdata)
{
	struct notify_local *local = frame->local;

	if (local && op_ret >= 0) {
		local->buf = *buf;
		local->pre1 = *preoldparent;
		local->post1 = *postoldparent;
		local->pre2 = *prenewparent;
		local->post2 = *postnewparent;
		if (notify_start(frame, this, local, op_ret, op_errno, xdata))
			return 0;
	}
	notify_local_free(notify_take(frame));
	STACK_UNWIND_STRICT(rename, frame, op_ret, op_errno, buf, preoldparent,
			    postoldparent, prenewparent, postnewparent, xdata);
	return 0;
}

static int32_t notify_rename(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
			     loc_t *newloc, dict_t *xdata)
{
	struct notify_local *local;
	inode_t *replaced = newloc->inode;

	/* The new directory first: it gained a name. */
	local = notify_prepare(frame, GF_FOP_RENAME, newloc->parent,
			       oldloc->parent);
	/* The inode the new name led to, if any (a hard link of the moved
	 * inode itself is left alone: the rename changes nothing then). */
	if (local && replaced && replaced != oldloc->inode &&
	    notify_add_dir(local, replaced) == 0)
		local->replaced[local->ndirs - 1] = true;
	STACK_WIND(frame, notify_rename_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->rename, oldloc, newloc, xdata);
	return 0;
}

static int32_t notify_link_cbk(call_frame_t *frame, void *cookie,
			       xlator_t *this, int32_t op_ret, int32_t op_errno,
			       inode_t *inode, struct iatt *buf,
			       struct iatt *preparent, struct iatt *postparent,
			       dict_t *xdata)
{
	struct notify_local *local = frame->local;

	if (local && op_ret >= 0) {
		/* The caller's loc keeps the inode until the unwind. */
		local->inode = inode;
		local->buf = *buf;
		local->pre1 = *preparent;
		local->post1 = *postparent;
		if (notify_start(frame, this, local, op_ret, op_errno, xdata))
			return 0;
	}
	notify_local_free(notify_take(frame));
	STACK_UNWIND_STRICT(link, frame, op_ret, op_errno, inode, buf,
			    preparent, postparent, xdata);
	return 0;
}

static int32_t notify_link(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
			   loc_t *newloc, dict_t *xdata)
{
	notify_prepare(frame, GF_FOP_LINK, newloc->parent, NULL);
	STACK_WIND(frame, notify_link_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->link, oldloc, newloc, xdata);
	return 0;
}

/* unlink and rmdir share a callback type. */
static int32_t notify_remove_cbk(call_frame_t *frame, void *cookie,
				 xlator_t *this, int32_t op_ret,
				 int32_t op_errno, struct iatt *preparent,
				 struct iatt *postparent, dict_t *xdata)
{
	struct notify_local *local = frame->local;

	if (local && op_ret >= 0) {
		local->pre1 = *preparent;
		local->post1 = *postparent;
		if (notify_start(frame, this, local, op_ret, op_errno, xdata))
			return 0;
	}
	notify_local_free(notify_take(frame));
	STACK_UNWIND_STRICT(unlink, frame, op_ret, op_errno, preparent,
			    postparent, xdata);
	return 0;
}

static int32_t notify_unlink(call_frame_t *frame, xlator_t *this, loc_t *loc,
			     int xflag, dict_t *xdata)
{
	notify_prepare(frame, GF_FOP_UNLINK, loc->parent, NULL);
	STACK_WIND(frame, notify_remove_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->unlink, loc, xflag, xdata);
	return 0;
}

static int32_t notify_rmdir(call_frame_t *frame, xlator_t *this, loc_t *loc,
			    int flags, dict_t *xdata)
{
	notify_prepare(frame, GF_FOP_RMDIR, loc->parent, NULL);
	STACK_WIND(frame, notify_remove_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->rmdir, loc, flags, xdata);
	return 0;
}

/*
 * An access ACL: setting one changes the mode, but the upcall translator
 * reports an xattr change only to clients that asked for that xattr, and
 * never as a change of attributes.  Reported like a directory, on the
 * inode itself.
 */
static void notify_prepare_acl(call_frame_t *frame, glusterfs_fop_t fop,
			       inode_t *inode, dict_t *dict)
{
	if (dict && dict_get(dict, POSIX_ACL_ACCESS_XATTR))
		notify_prepare(frame, fop, inode, NULL);
}

/* setxattr and fsetxattr share a callback type. */
static int32_t notify_setxattr_cbk(call_frame_t *frame, void *cookie,
				   xlator_t *this, int32_t op_ret,
				   int32_t op_errno, dict_t *xdata)
{
	struct notify_local *local = frame->local;

	if (local && op_ret >= 0 &&
	    notify_start(frame, this, local, op_ret, op_errno, xdata))
		return 0;
	notify_local_free(notify_take(frame));
	STACK_UNWIND_STRICT(setxattr, frame, op_ret, op_errno, xdata);
	return 0;
}

static int32_t notify_setxattr(call_frame_t *frame, xlator_t *this, loc_t *loc,
			       dict_t *dict, int32_t flags, dict_t *xdata)
{
	notify_prepare_acl(frame, GF_FOP_SETXATTR, loc->inode, dict);
	STACK_WIND(frame, notify_setxattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->setxattr, loc, dict, flags, xdata);
	return 0;
}

static int32_t notify_fsetxattr(call_frame_t *frame, xlator_t *this, fd_t *fd,
				dict_t *dict, int32_t flags, dict_t *xdata)
{
	notify_prepare_acl(frame, GF_FOP_FSETXATTR, fd->inode, dict);
	STACK_WIND(frame, notify_setxattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->fsetxattr, fd, dict, flags, xdata);
	return 0;
}

static int32_t notify_init(xlator_t *this)
{
	if (!this->children || this->children->next) {
		gf_msg(this->name, GF_LOG_ERROR, 0, EXTFUSE_MSG_INIT_FAILED,
		       "performance/extfuse-notify needs exactly one child");
		return -1;
	}
	return 0;
}

static void notify_fini(xlator_t *this)
{
}

static int32_t notify_mem_acct_init(xlator_t *this)
{
	return xlator_mem_acct_init(this, gf_extfuse_mt_end + 1);
}

static struct xlator_fops notify_fops = {
	.rename = notify_rename,
	.link = notify_link,
	.unlink = notify_unlink,
	.rmdir = notify_rmdir,
	.setxattr = notify_setxattr,
	.fsetxattr = notify_fsetxattr,
};

static struct xlator_cbks notify_cbks = {};

static struct volume_options notify_options[] = {
	{.key = {NULL}},
};

xlator_api_t xlator_api = {
	.init = notify_init,
	.fini = notify_fini,
	.notify = default_notify,
	.mem_acct_init = notify_mem_acct_init,
	.op_version = {1},
	.fops = &notify_fops,
	.cbks = &notify_cbks,
	.options = notify_options,
	.identifier = "extfuse-notify",
	.category = GF_TECH_PREVIEW,
};
