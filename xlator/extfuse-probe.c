// SPDX-License-Identifier: GPL-2.0
/*
 * performance/extfuse-probe: records, per inode, when the servers were last
 * asked about it and what they said (see extfuse-probe.h).  It changes no
 * request and no reply.  The volfile filter places it right above the
 * cluster translator; performance/extfuse, above md-cache, reads it.
 *
 * A mark is the wind time of the request, taken before the servers saw it.
 * Replies may come back out of order: a mark only moves forward, and the
 * attributes always go with their own time.
 */
#include <time.h>

#include <glusterfs/xlator.h>
#include <glusterfs/defaults.h>
#include <glusterfs/inode.h>
#include <glusterfs/iatt.h>
#include <glusterfs/gf-dirent.h>
#include <glusterfs/upcall-utils.h>

#include "extfuse-probe.h"
#include "extfuse-mem-types.h"
#include "extfuse-messages.h"

static uint64_t probe_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The wind time travels as the cookie (a pointer holds 64 bits here). */
#define PROBE_COOKIE() ((void *)(uintptr_t)probe_now_ns())
#define PROBE_TIME(cookie) ((uint64_t)(uintptr_t)(cookie))

/* Attributes worth recording: a reply's own, not a placeholder. */
static const struct iatt *probe_iatt(const struct iatt *ia)
{
	if (!ia || ia->ia_type == IA_INVAL ||
	    gf_uuid_is_null((unsigned char *)ia->ia_gfid))
		return NULL;
	return ia;
}

/* The probe's record of inode, created on first use; inode->lock held. */
static struct efx_probe_mark *probe_mark_get(xlator_t *this, inode_t *inode)
{
	struct efx_probe_mark *m;
	uint64_t v = 0;

	if (__inode_ctx_get(inode, this, &v) == 0 && v)
		return (struct efx_probe_mark *)(uintptr_t)v;
	m = GF_CALLOC(1, sizeof(*m), gf_extfuse_mt_probe_mark);
	v = (uint64_t)(uintptr_t)m;
	if (m && __inode_ctx_set(inode, this, &v) != 0) {
		GF_FREE(m);
		m = NULL;
	}
	return m;
}

/*
 * On a distributed volume a directory lives on every subvolume, and a
 * name in it on one: each brick reports the changes it makes only to the
 * clients registered there.  So what a request says about a directory
 * counts only when the request reached every subvolume (LOOKUP, STAT,
 * SETATTR of a directory do; CREATE-like requests, READDIR and the
 * postparent of an entry request reach one), and its attributes too: the
 * cluster translator merges them from all subvolumes only then.
 */
static bool probe_partial_dir(xlator_t *this, inode_t *inode,
			      const struct iatt *ia, bool whole)
{
	struct efx_probe_priv *priv = this->private;

	if (whole || !priv || !priv->spread)
		return false;
	return (inode && inode->ia_type == IA_IFDIR) ||
	       (ia && ia->ia_type == IA_IFDIR);
}

static void probe_mark_one(xlator_t *this, inode_t *inode, uint64_t t,
			   const struct iatt *ia, bool registered, bool whole)
{
	struct efx_probe_mark *m;

	/* A reply about another file (a gfid the inode does not have). */
	if (ia && !gf_uuid_is_null(inode->gfid) &&
	    gf_uuid_compare(inode->gfid, (unsigned char *)ia->ia_gfid))
		ia = NULL;
	if (!ia && !registered)
		return;
	if (probe_partial_dir(this, inode, ia, whole))
		return;
	LOCK(&inode->lock);
	m = probe_mark_get(this, inode);
	if (m && registered && t > m->asked_ns)
		m->asked_ns = t;
	if (m && ia && t >= m->attr_ns) {
		m->attr_ns = t;
		m->attr_print = efx_iatt_print(ia);
	}
	UNLOCK(&inode->lock);
}

/*
 * The servers answered a request wound at t with inode under a name
 * (efx_name_hash) in the directory whose gfid is parent: the name leads to
 * it.
 */
static void probe_mark_named(xlator_t *this, inode_t *inode, uint64_t t,
			     const unsigned char *parent, uint64_t name_hash)
{
	struct efx_probe_mark *m;

	if (!inode)
		return;
	LOCK(&inode->lock);
	m = probe_mark_get(this, inode);
	if (m && t > m->named_ns) {
		m->named_ns = t;
		gf_uuid_copy(m->named_parent, (unsigned char *)parent);
		m->named_hash = name_hash;
	}
	UNLOCK(&inode->lock);
}

/*
 * Record a reply wound at t: about inode (may be NULL), with attributes ia
 * (may be NULL).  registered: the servers now report changes of inode to
 * this client (the inode the upcall translator registers for that request).
 * whole: the request reached every subvolume that holds inode (see
 * probe_partial_dir).  named_in: the gfid of the directory in which the
 * reply names inode, by the name whose efx_name_hash() is name_hash
 * (NULL: none).  Attributes and the name are also
 * recorded on the inode linked for their gfid, which a fresh inode of a
 * LOOKUP or READDIRP entry is merged into, and which postparent names.
 */
static void probe_mark_req(xlator_t *this, inode_t *inode, uint64_t t,
			   const struct iatt *ia, bool registered, bool whole,
			   const unsigned char *named_in, uint64_t name_hash)
{
	inode_table_t *itable = NULL;
	inode_t *linked = NULL;

	ia = probe_iatt(ia);
	if (inode)
		probe_mark_one(this, inode, t, ia, registered, whole);
	if (!ia)
		return;
	if (named_in)
		probe_mark_named(this, inode, t, named_in, name_hash);
	if (this->graph && this->graph->top)
		itable = ((xlator_t *)this->graph->top)->itable;
	if (itable)
		linked = inode_find(itable, (unsigned char *)ia->ia_gfid);
	if (!linked)
		return;
	if (linked != inode) {
		probe_mark_one(this, linked, t, ia, registered && inode, whole);
		if (named_in)
			probe_mark_named(this, linked, t, named_in, name_hash);
	}
	inode_unref(linked);
}

/* A request on one inode: the cluster translator sends those about a
 * directory to every subvolume. */
static void probe_mark(xlator_t *this, inode_t *inode, uint64_t t,
		       const struct iatt *ia, bool registered)
{
	probe_mark_req(this, inode, t, ia, registered, true, NULL, 0);
}

/* A request that may reach one subvolume only (an entry request, or a
 * READDIR), about inode, here the directory or an entry in it. */
static void probe_mark_part(xlator_t *this, inode_t *inode, uint64_t t,
			    const struct iatt *ia, bool registered)
{
	probe_mark_req(this, inode, t, ia, registered, false, NULL, 0);
}

/* Attributes of a directory that the reply names only by its gfid. */
static void probe_mark_parent(xlator_t *this, uint64_t t,
			      const struct iatt *postparent)
{
	probe_mark_part(this, NULL, t, postparent, false);
}

/* ---- lookup and attributes ---------------------------------------------- */

static int32_t probe_lookup_cbk(call_frame_t *frame, void *cookie,
				xlator_t *this, int32_t op_ret,
				int32_t op_errno, inode_t *inode,
				struct iatt *buf, dict_t *xdata,
				struct iatt *postparent)
{
	uint64_t hash = (uint64_t)(uintptr_t)frame->local;
	const unsigned char *parent;

	frame->local = NULL;
	if (op_ret >= 0) {
		/* A LOOKUP by gfid names nothing. */
		parent = hash && probe_iatt(postparent) ? postparent->ia_gfid
							: NULL;
		probe_mark_req(this, inode, PROBE_TIME(cookie), buf, true, true,
			       parent, hash);
		probe_mark_parent(this, PROBE_TIME(cookie), postparent);
	}
	STACK_UNWIND_STRICT(lookup, frame, op_ret, op_errno, inode, buf, xdata,
			    postparent);
	return 0;
}

static int32_t probe_lookup(call_frame_t *frame, xlator_t *this, loc_t *loc,
			    dict_t *xdata)
{
	/* The name's hash rides in frame->local, cleared before unwinding. */
	if (loc->name && loc->parent)
		frame->local = (void *)(uintptr_t)efx_name_hash(loc->name);
	STACK_WIND_COOKIE(frame, probe_lookup_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->lookup,
			  loc, xdata);
	return 0;
}

/*
 * Requests on one inode that return its attributes.  The inode rides in
 * frame->local (the caller's loc or fd keeps it alive until the unwind);
 * it is cleared before unwinding, as the frame would free it otherwise.
 */
static void probe_node_reply(call_frame_t *frame, void *cookie, xlator_t *this,
			     int32_t op_ret, const struct iatt *ia)
{
	inode_t *inode = frame->local;

	frame->local = NULL;
	if (op_ret >= 0)
		probe_mark(this, inode, PROBE_TIME(cookie), ia, true);
}

static int32_t probe_stat_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno,
			      struct iatt *buf, dict_t *xdata)
{
	probe_node_reply(frame, cookie, this, op_ret, buf);
	STACK_UNWIND_STRICT(stat, frame, op_ret, op_errno, buf, xdata);
	return 0;
}

static int32_t probe_stat(call_frame_t *frame, xlator_t *this, loc_t *loc,
			  dict_t *xdata)
{
	frame->local = loc->inode;
	STACK_WIND_COOKIE(frame, probe_stat_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->stat, loc,
			  xdata);
	return 0;
}

static int32_t probe_fstat(call_frame_t *frame, xlator_t *this, fd_t *fd,
			   dict_t *xdata)
{
	frame->local = fd->inode;
	STACK_WIND_COOKIE(frame, probe_stat_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->fstat, fd,
			  xdata);
	return 0;
}

/* setattr, fsetattr, truncate, ftruncate and writev share a callback type. */
static int32_t probe_post_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno,
			      struct iatt *pre, struct iatt *post,
			      dict_t *xdata)
{
	probe_node_reply(frame, cookie, this, op_ret, post);
	STACK_UNWIND_STRICT(setattr, frame, op_ret, op_errno, pre, post, xdata);
	return 0;
}

static int32_t probe_setattr(call_frame_t *frame, xlator_t *this, loc_t *loc,
			     struct iatt *stbuf, int32_t valid, dict_t *xdata)
{
	frame->local = loc->inode;
	STACK_WIND_COOKIE(frame, probe_post_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->setattr,
			  loc, stbuf, valid, xdata);
	return 0;
}

static int32_t probe_fsetattr(call_frame_t *frame, xlator_t *this, fd_t *fd,
			      struct iatt *stbuf, int32_t valid, dict_t *xdata)
{
	frame->local = fd->inode;
	STACK_WIND_COOKIE(frame, probe_post_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->fsetattr,
			  fd, stbuf, valid, xdata);
	return 0;
}

static int32_t probe_truncate(call_frame_t *frame, xlator_t *this, loc_t *loc,
			      off_t offset, dict_t *xdata)
{
	frame->local = loc->inode;
	STACK_WIND_COOKIE(frame, probe_post_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->truncate,
			  loc, offset, xdata);
	return 0;
}

static int32_t probe_ftruncate(call_frame_t *frame, xlator_t *this, fd_t *fd,
			       off_t offset, dict_t *xdata)
{
	frame->local = fd->inode;
	STACK_WIND_COOKIE(frame, probe_post_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->ftruncate,
			  fd, offset, xdata);
	return 0;
}

static int32_t probe_writev(call_frame_t *frame, xlator_t *this, fd_t *fd,
			    struct iovec *vector, int32_t count, off_t off,
			    uint32_t flags, struct iobref *iobref,
			    dict_t *xdata)
{
	frame->local = fd->inode;
	STACK_WIND_COOKIE(frame, probe_post_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->writev,
			  fd, vector, count, off, flags, iobref, xdata);
	return 0;
}

/* ---- names -------------------------------------------------------------- */

/* Where a new name goes, kept in frame->local until the reply (the
 * caller's loc keeps the parent alive). */
struct probe_entry {
	inode_t *parent;
	uint64_t name_hash;
};

static struct probe_entry *probe_entry_new(loc_t *loc)
{
	struct probe_entry *pe;

	if (!loc->parent || !loc->name)
		return NULL;
	pe = GF_MALLOC(sizeof(*pe), gf_extfuse_mt_probe_entry);
	if (pe) {
		pe->parent = loc->parent;
		pe->name_hash = efx_name_hash(loc->name);
	}
	return pe;
}

/*
 * CREATE, MKDIR, MKNOD, SYMLINK: the new inode's attributes; the servers
 * register the parent (in frame->local).
 */
static void probe_entry_reply(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, inode_t *inode,
			      const struct iatt *buf,
			      const struct iatt *postparent)
{
	struct probe_entry *pe = frame->local;
	inode_t *parent = pe ? pe->parent : NULL;

	frame->local = NULL;
	if (op_ret >= 0) {
		probe_mark_req(this, inode, PROBE_TIME(cookie), buf, false,
			       true, parent ? parent->gfid : NULL,
			       pe ? pe->name_hash : 0);
		probe_mark_part(this, parent, PROBE_TIME(cookie), postparent,
				true);
	}
	GF_FREE(pe);
}

static int32_t probe_entry_cbk(call_frame_t *frame, void *cookie,
			       xlator_t *this, int32_t op_ret, int32_t op_errno,
			       inode_t *inode, struct iatt *buf,
			       struct iatt *preparent, struct iatt *postparent,
			       dict_t *xdata)
{
	probe_entry_reply(frame, cookie, this, op_ret, inode, buf, postparent);
	STACK_UNWIND_STRICT(mkdir, frame, op_ret, op_errno, inode, buf,
			    preparent, postparent, xdata);
	return 0;
}

static int32_t probe_mkdir(call_frame_t *frame, xlator_t *this, loc_t *loc,
			   mode_t mode, mode_t umask, dict_t *xdata)
{
	frame->local = probe_entry_new(loc);
	STACK_WIND_COOKIE(frame, probe_entry_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->mkdir,
			  loc, mode, umask, xdata);
	return 0;
}

static int32_t probe_mknod(call_frame_t *frame, xlator_t *this, loc_t *loc,
			   mode_t mode, dev_t rdev, mode_t umask, dict_t *xdata)
{
	frame->local = probe_entry_new(loc);
	STACK_WIND_COOKIE(frame, probe_entry_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->mknod,
			  loc, mode, rdev, umask, xdata);
	return 0;
}

static int32_t probe_symlink(call_frame_t *frame, xlator_t *this,
			     const char *linkpath, loc_t *loc, mode_t umask,
			     dict_t *xdata)
{
	frame->local = probe_entry_new(loc);
	STACK_WIND_COOKIE(frame, probe_entry_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->symlink,
			  linkpath, loc, umask, xdata);
	return 0;
}

static int32_t probe_create_cbk(call_frame_t *frame, void *cookie,
				xlator_t *this, int32_t op_ret,
				int32_t op_errno, fd_t *fd, inode_t *inode,
				struct iatt *buf, struct iatt *preparent,
				struct iatt *postparent, dict_t *xdata)
{
	probe_entry_reply(frame, cookie, this, op_ret, inode, buf, postparent);
	STACK_UNWIND_STRICT(create, frame, op_ret, op_errno, fd, inode, buf,
			    preparent, postparent, xdata);
	return 0;
}

static int32_t probe_create(call_frame_t *frame, xlator_t *this, loc_t *loc,
			    int32_t flags, mode_t mode, mode_t umask, fd_t *fd,
			    dict_t *xdata)
{
	frame->local = probe_entry_new(loc);
	STACK_WIND_COOKIE(frame, probe_create_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->create,
			  loc, flags, mode, umask, fd, xdata);
	return 0;
}

/* LINK: the servers register the linked inode (in frame->local). */
static int32_t probe_link_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno, inode_t *inode,
			      struct iatt *buf, struct iatt *preparent,
			      struct iatt *postparent, dict_t *xdata)
{
	probe_node_reply(frame, cookie, this, op_ret, buf);
	if (op_ret >= 0)
		probe_mark_parent(this, PROBE_TIME(cookie), postparent);
	STACK_UNWIND_STRICT(link, frame, op_ret, op_errno, inode, buf,
			    preparent, postparent, xdata);
	return 0;
}

static int32_t probe_link(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
			  loc_t *newloc, dict_t *xdata)
{
	frame->local = oldloc->inode;
	STACK_WIND_COOKIE(frame, probe_link_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->link,
			  oldloc, newloc, xdata);
	return 0;
}

/* UNLINK and RMDIR: md-cache takes the parent's new attributes. */
static int32_t probe_remove_cbk(call_frame_t *frame, void *cookie,
				xlator_t *this, int32_t op_ret,
				int32_t op_errno, struct iatt *preparent,
				struct iatt *postparent, dict_t *xdata)
{
	if (op_ret >= 0)
		probe_mark_parent(this, PROBE_TIME(cookie), postparent);
	STACK_UNWIND_STRICT(unlink, frame, op_ret, op_errno, preparent,
			    postparent, xdata);
	return 0;
}

static int32_t probe_unlink(call_frame_t *frame, xlator_t *this, loc_t *loc,
			    int xflags, dict_t *xdata)
{
	STACK_WIND_COOKIE(frame, probe_remove_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->unlink,
			  loc, xflags, xdata);
	return 0;
}

static int32_t probe_rmdir(call_frame_t *frame, xlator_t *this, loc_t *loc,
			   int flags, dict_t *xdata)
{
	STACK_WIND_COOKIE(frame, probe_remove_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->rmdir,
			  loc, flags, xdata);
	return 0;
}

/* RENAME: the servers register the renamed inode (in frame->local). */
static int32_t probe_rename_cbk(call_frame_t *frame, void *cookie,
				xlator_t *this, int32_t op_ret,
				int32_t op_errno, struct iatt *buf,
				struct iatt *preoldparent,
				struct iatt *postoldparent,
				struct iatt *prenewparent,
				struct iatt *postnewparent, dict_t *xdata)
{
	probe_node_reply(frame, cookie, this, op_ret, buf);
	if (op_ret >= 0) {
		probe_mark_parent(this, PROBE_TIME(cookie), postoldparent);
		probe_mark_parent(this, PROBE_TIME(cookie), postnewparent);
	}
	STACK_UNWIND_STRICT(rename, frame, op_ret, op_errno, buf, preoldparent,
			    postoldparent, prenewparent, postnewparent, xdata);
	return 0;
}

static int32_t probe_rename(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
			    loc_t *newloc, dict_t *xdata)
{
	frame->local = oldloc->inode;
	STACK_WIND_COOKIE(frame, probe_rename_cbk, PROBE_COOKIE(),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->rename,
			  oldloc, newloc, xdata);
	return 0;
}

/* ---- listings ----------------------------------------------------------- */

/*
 * The servers register the directory; a listing is as old as its first
 * request (offset 0), kept per fd; READDIRP entries carry attributes.
 */
static void probe_listing_reply(call_frame_t *frame, void *cookie,
				xlator_t *this, int32_t op_ret,
				gf_dirent_t *entries)
{
	fd_t *fd = frame->local;
	uint64_t t = PROBE_TIME(cookie);
	gf_dirent_t *e;

	frame->local = NULL;
	if (op_ret < 0)
		return;
	probe_mark_part(this, fd->inode, t, NULL, true);
	if (!entries)
		return;
	list_for_each_entry (e, &entries->list, list) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		/* The entry names its inode in the directory. */
		probe_mark_req(this, e->inode, t, &e->d_stat, false, false,
			       fd->inode->gfid, efx_name_hash(e->d_name));
	}
}

static int32_t probe_readdirp_cbk(call_frame_t *frame, void *cookie,
				  xlator_t *this, int32_t op_ret,
				  int32_t op_errno, gf_dirent_t *entries,
				  dict_t *xdata)
{
	probe_listing_reply(frame, cookie, this, op_ret, entries);
	STACK_UNWIND_STRICT(readdirp, frame, op_ret, op_errno, entries, xdata);
	return 0;
}

static int32_t probe_readdir_cbk(call_frame_t *frame, void *cookie,
				 xlator_t *this, int32_t op_ret,
				 int32_t op_errno, gf_dirent_t *entries,
				 dict_t *xdata)
{
	/* Plain READDIR entries carry no attributes. */
	probe_listing_reply(frame, cookie, this, op_ret, NULL);
	STACK_UNWIND_STRICT(readdir, frame, op_ret, op_errno, entries, xdata);
	return 0;
}

static void *probe_listing_wind(xlator_t *this, call_frame_t *frame, fd_t *fd,
				off_t off)
{
	void *cookie = PROBE_COOKIE();

	if (off == 0)
		fd_ctx_set(fd, this, PROBE_TIME(cookie));
	frame->local = fd;
	return cookie;
}

static int32_t probe_readdirp(call_frame_t *frame, xlator_t *this, fd_t *fd,
			      size_t size, off_t off, dict_t *xdata)
{
	STACK_WIND_COOKIE(frame, probe_readdirp_cbk,
			  probe_listing_wind(this, frame, fd, off),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->readdirp,
			  fd, size, off, xdata);
	return 0;
}

static int32_t probe_readdir(call_frame_t *frame, xlator_t *this, fd_t *fd,
			     size_t size, off_t off, dict_t *xdata)
{
	STACK_WIND_COOKIE(frame, probe_readdir_cbk,
			  probe_listing_wind(this, frame, fd, off),
			  FIRST_CHILD(this), FIRST_CHILD(this)->fops->readdir,
			  fd, size, off, xdata);
	return 0;
}

/* ---- upcalls ------------------------------------------------------------- */

/*
 * md-cache takes the attributes an upcall carries as its own.  They are
 * the servers' word, but an upcall renews nothing: the servers keep
 * reporting to this client only from its last request, so the attributes
 * count from asked_ns.  Nothing is recorded for an inode never asked about.
 */
static void probe_upcall_attrs(xlator_t *this, inode_table_t *itable,
			       const unsigned char *gfid, const struct iatt *ia)
{
	struct efx_probe_mark *m;
	inode_t *inode;
	uint64_t v = 0;

	if (!probe_iatt(ia) || gf_uuid_compare((unsigned char *)gfid,
					       (unsigned char *)ia->ia_gfid))
		return;
	inode = inode_find(itable, (unsigned char *)gfid);
	if (!inode)
		return;
	LOCK(&inode->lock);
	if (__inode_ctx_get(inode, this, &v) == 0 && v) {
		m = (struct efx_probe_mark *)(uintptr_t)v;
		if (m->asked_ns) {
			m->attr_ns = m->asked_ns;
			m->attr_print = efx_iatt_print(ia);
		}
	}
	UNLOCK(&inode->lock);
	inode_unref(inode);
}

/*
 * A name of the inode moved or went elsewhere: md-cache may still answer a
 * LOOKUP of the old name from its cache (the client's inode table keeps
 * the old dentry), so an entry naming the inode is only true again once
 * the servers answered a LOOKUP wound after this.
 */
static void probe_upcall_unnamed(xlator_t *this, inode_table_t *itable,
				 const unsigned char *gfid)
{
	struct efx_probe_mark *m;
	inode_t *inode;

	inode = inode_find(itable, (unsigned char *)gfid);
	if (!inode)
		return;
	LOCK(&inode->lock);
	m = probe_mark_get(this, inode);
	if (m)
		m->unnamed_ns = probe_now_ns();
	UNLOCK(&inode->lock);
	inode_unref(inode);
}

/*
 * An upcall about a directory: its names may lead elsewhere now (another
 * client renamed over one: Gluster reports that to the directory's clients
 * only, and the bricks' notifier reports it as a change of the directory).
 * The client's inode table keeps the old dentry and md-cache may answer a
 * LOOKUP of the name with the replaced inode, so an entry in the directory
 * is only true again once the servers answered a LOOKUP of it wound after
 * this.
 */
static void probe_upcall_entries(xlator_t *this, inode_table_t *itable,
				 const unsigned char *gfid, bool is_dir)
{
	struct efx_probe_mark *m;
	inode_t *inode;

	if (gf_uuid_is_null((unsigned char *)gfid))
		return;
	inode = inode_find(itable, (unsigned char *)gfid);
	if (!inode)
		return;
	LOCK(&inode->lock);
	m = NULL;
	if (is_dir || inode->ia_type == IA_IFDIR)
		m = probe_mark_get(this, inode);
	if (m)
		m->entries_ns = probe_now_ns();
	UNLOCK(&inode->lock);
	inode_unref(inode);
}

static void probe_upcall(xlator_t *this, struct gf_upcall *up)
{
	struct gf_upcall_cache_invalidation *ci = up->data;
	inode_table_t *itable;

	if (!ci || !this->graph || !this->graph->top)
		return;
	itable = ((xlator_t *)this->graph->top)->itable;
	if (!itable)
		return;
	if (ci->flags & (UP_RENAME | UP_NLINK | UP_FORGET))
		probe_upcall_unnamed(this, itable, up->gfid);
	probe_upcall_entries(this, itable, up->gfid, false);
	if (ci->flags & UP_PARENT_DENTRY_FLAGS) {
		probe_upcall_entries(this, itable, ci->p_stat.ia_gfid, true);
		probe_upcall_entries(this, itable, ci->oldp_stat.ia_gfid, true);
	}
	probe_upcall_attrs(this, itable, up->gfid, &ci->stat);
	probe_upcall_attrs(this, itable, ci->p_stat.ia_gfid, &ci->p_stat);
	probe_upcall_attrs(this, itable, ci->oldp_stat.ia_gfid, &ci->oldp_stat);
}

static int32_t probe_notify(xlator_t *this, int32_t event, void *data, ...)
{
	struct efx_probe_priv *priv = this->private;
	struct gf_upcall *up = data;

	if (event == GF_EVENT_UPCALL && up &&
	    up->event_type == GF_UPCALL_CACHE_INVALIDATION)
		probe_upcall(this, up);
	else if (priv && efx_probe_is_reset_event(event))
		__atomic_store_n(&priv->reset_ns, probe_now_ns(),
				 __ATOMIC_RELEASE);
	return default_notify(this, event, data);
}

/* ---- lifetime ----------------------------------------------------------- */

static int32_t probe_forget(xlator_t *this, inode_t *inode)
{
	uint64_t v = 0;

	if (inode_ctx_del(inode, this, &v) == 0 && v)
		GF_FREE((void *)(uintptr_t)v);
	return 0;
}

/* The fd context holds a time: nothing to free. */
static int32_t probe_releasedir(xlator_t *this, fd_t *fd)
{
	uint64_t v;

	fd_ctx_del(fd, this, &v);
	return 0;
}

static int32_t probe_init(xlator_t *this)
{
	struct efx_probe_priv *priv;
	xlator_t *child;

	if (!this->children || this->children->next) {
		gf_msg(this->name, GF_LOG_ERROR, 0, EXTFUSE_MSG_INIT_FAILED,
		       "performance/extfuse-probe needs exactly one child");
		return -1;
	}
	priv = GF_CALLOC(1, sizeof(*priv), gf_extfuse_mt_probe_priv);
	if (!priv)
		return -1;
	child = FIRST_CHILD(this);
	/* glusterd puts cluster/distribute on top of every volume, with one
	 * subvolume when the volume is not distributed. */
	priv->spread = child->type &&
		       !strncmp(child->type, "cluster/", strlen("cluster/")) &&
		       strcmp(child->type, "cluster/replicate") &&
		       strcmp(child->type, "cluster/disperse") &&
		       child->children && child->children->next;
	this->private = priv;
	return 0;
}

static void probe_fini(xlator_t *this)
{
	GF_FREE(this->private);
	this->private = NULL;
}

static int32_t probe_mem_acct_init(xlator_t *this)
{
	return xlator_mem_acct_init(this, gf_extfuse_mt_end + 1);
}

static struct xlator_fops probe_fops = {
	.lookup = probe_lookup,
	.stat = probe_stat,
	.fstat = probe_fstat,
	.setattr = probe_setattr,
	.fsetattr = probe_fsetattr,
	.truncate = probe_truncate,
	.ftruncate = probe_ftruncate,
	.writev = probe_writev,
	.mkdir = probe_mkdir,
	.mknod = probe_mknod,
	.symlink = probe_symlink,
	.create = probe_create,
	.link = probe_link,
	.unlink = probe_unlink,
	.rmdir = probe_rmdir,
	.rename = probe_rename,
	.readdirp = probe_readdirp,
	.readdir = probe_readdir,
};

static struct xlator_cbks probe_cbks = {
	.forget = probe_forget,
	.releasedir = probe_releasedir,
};

static struct volume_options probe_options[] = {
	{.key = {NULL}},
};

xlator_api_t xlator_api = {
	.init = probe_init,
	.fini = probe_fini,
	.notify = probe_notify,
	.mem_acct_init = probe_mem_acct_init,
	.op_version = {1},
	.fops = &probe_fops,
	.cbks = &probe_cbks,
	.options = probe_options,
	.identifier = "extfuse-probe",
	.category = GF_TECH_PREVIEW,
};
