// SPDX-License-Identifier: GPL-2.0
/*
 * performance/extfuse: directory fops.  The replies of one READDIR(P) pass
 * over a directory are collected on its fd, from offset 0 to the end, and
 * the whole listing is published once complete.
 */
#include <errno.h>
#include <string.h>

#include <glusterfs/glusterfs.h>
#include <glusterfs/xlator.h>
#include <glusterfs/defaults.h>
#include <glusterfs/gf-dirent.h>

#include "extfuse.h"
#include "extfuse-probe.h"
#include "extfuse-mem-types.h"

#define EFX_MAX_LISTING 65536 /* longer listings are not mirrored */

static void efx_listing_reset(struct efx_listing *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		GF_FREE((char *)l->ents[i].name);
	l->n = 0;
	l->valid = false;
}

static void efx_listing_free(struct efx_listing *l)
{
	if (!l)
		return;
	efx_listing_reset(l);
	GF_FREE(l->ents);
	GF_FREE(l);
}

static struct efx_listing *efx_listing_get(xlator_t *this, fd_t *fd)
{
	struct efx_listing *l = NULL;
	uint64_t v = 0;

	LOCK(&fd->lock);
	if (__fd_ctx_get(fd, this, &v) == 0 && v) {
		l = (struct efx_listing *)(uintptr_t)v;
	} else {
		l = GF_CALLOC(1, sizeof(*l), gf_extfuse_mt_listing);
		if (l && __fd_ctx_set(fd, this, (uint64_t)(uintptr_t)l)) {
			GF_FREE(l);
			l = NULL;
		}
	}
	UNLOCK(&fd->lock);
	return l;
}

/*
 * Continue at off: a listing continues from the cookie of an entry it
 * holds (the bridge may have sent fewer entries than it received).
 */
static bool efx_listing_seek(struct efx_listing *l, uint64_t off)
{
	size_t i;

	if (!l->valid)
		return false;
	if (off == l->next_off)
		return true;
	for (i = l->n; i-- > 0;) {
		if (l->ents[i].off != off)
			continue;
		while (l->n > i + 1)
			GF_FREE((char *)l->ents[--l->n].name);
		l->next_off = off;
		return true;
	}
	return false;
}

static int efx_listing_add(struct efx_listing *l, gf_dirent_t *entries)
{
	gf_dirent_t *e;
	struct extfuse_dirent *d;

	list_for_each_entry (e, &entries->list, list) {
		if (l->n >= EFX_MAX_LISTING || e->d_off == 0)
			return -E2BIG;
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 64;
			/* Gluster's realloc does not take NULL. */
			void *p = l->ents ? GF_REALLOC(l->ents,
						       cap * sizeof(*l->ents))
					  : GF_MALLOC(cap * sizeof(*l->ents),
						      gf_extfuse_mt_listing);

			if (!p)
				return -ENOMEM;
			l->ents = p;
			l->cap = cap;
		}
		d = &l->ents[l->n];
		d->name = gf_strdup(e->d_name);
		if (!d->name)
			return -ENOMEM;
		d->ino = e->d_ino;
		d->off = e->d_off;
		d->type = e->d_type;
		l->n++;
		l->next_off = e->d_off;
	}
	return 0;
}

static bool efx_listing_ordered(const struct efx_listing *l)
{
	size_t i;

	for (i = 1; i < l->n; i++)
		if (l->ents[i].off <= l->ents[i - 1].off)
			return false;
	return l->n > 0;
}

static void efx_listing_reply(xlator_t *this, struct efx_local *local, fd_t *fd,
			      int32_t op_ret, gf_dirent_t *entries)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_active(this);
	struct efx_listing *l, done = {0};
	uint64_t started, expiry;
	int ret;

	if (!ef || !priv->dirs || !priv->server_ci || !local || !fd ||
	    !efx_inode_ok(this, fd->inode))
		return;
	l = efx_listing_get(this, fd);
	if (!l)
		return;
	/* Outside fd->lock, which fd_ctx_get() takes. */
	started = efx_probe_listing_ns(priv->probe, fd);
	LOCK(&fd->lock);
	if (local->offset == 0) {
		efx_listing_reset(l);
		l->valid = local->have_st;
		l->st = local->st;
		l->next_off = 0;
	} else if (!efx_listing_seek(l, local->offset)) {
		l->valid = false;
	}
	if (!l->valid || op_ret < 0) {
		efx_listing_reset(l);
	} else if (op_ret > 0) {
		if (efx_listing_add(l, entries) < 0)
			efx_listing_reset(l);
	} else if (!efx_listing_ordered(l)) {
		/* libextfuse wants increasing cookies; brick file systems
		 * need not hand them out in order. */
		GF_ATOMIC_INC(priv->c.dirs_unordered);
		efx_listing_reset(l);
	} else {
		/* Complete (so not empty).  Publishing runs the extension:
		 * take the entries and publish them after unlocking, while
		 * the fd may already collect its next listing. */
		done = *l;
		memset(l, 0, sizeof(*l));
	}
	UNLOCK(&fd->lock);
	if (!done.n)
		return;
	/* As old as its first request to the servers. */
	expiry = efx_expiry_from(this, started);
	/* Its forget must retire the listing before the address is reused. */
	if (expiry && !efx_node_track(this, fd->inode))
		expiry = 0;
	if (expiry) {
		ret = extfuse_publish_dir(ef, efx_nodeid(fd->inode), done.ents,
					  done.n, expiry, &done.st);
		if (ret == 0)
			GF_ATOMIC_INC(priv->c.dirs);
		else
			efx_count_ret(this, ret, "publish listing");
	}
	efx_listing_reset(&done);
	GF_FREE(done.ents);
}

/*
 * READDIRP entries carry each name's attributes as the servers have them
 * now, and md-cache takes them: an attribute change that reached no upcall
 * (an ACL set elsewhere changes the mode, and its upcall carries no
 * attributes) is then answered by the client.  What was published for
 * such a node, and differs, must go too.
 */
static void efx_readdirp_attrs(xlator_t *this, fd_t *fd, gf_dirent_t *entries)
{
	struct extfuse *ef = efx_active(this);
	struct extfuse_attr_val av;
	struct fuse_attr fa;
	gf_dirent_t *e;
	inode_t *inode;

	if (!ef || !fd || !fd->inode || !fd->inode->table)
		return;
	list_for_each_entry (e, &entries->list, list) {
		if (e->d_stat.ia_type == IA_INVAL ||
		    gf_uuid_is_null(e->d_stat.ia_gfid))
			continue;
		inode = inode_find(fd->inode->table, e->d_stat.ia_gfid);
		if (!inode)
			continue;
		if (efx_inode_ok(this, inode) &&
		    extfuse_read_attr(ef, efx_nodeid(inode), &av) == 0) {
			efx_iatt_to_attr(this, &e->d_stat, &fa);
			/* Reads move atime alone: not a change. */
			fa.atime = av.attr.atime;
			fa.atimensec = av.attr.atimensec;
			if (memcmp(&fa, &av.attr, sizeof(fa)))
				efx_node_invalidate(this, inode);
		}
		inode_unref(inode);
	}
}

/*
 * READDIRP and READDIR: the same parameters and callback.  The callback
 * gets the fd as its cookie; the stamp of the directory is read at the
 * start of a listing (offset 0).
 */
#define EFX_IS_PLUS(fop) (sizeof(#fop) == sizeof("readdirp"))

#define EFX_LISTING_FOP(fop)                                                   \
	static int32_t efx_##fop##_cbk(call_frame_t *frame, void *cookie,      \
				       xlator_t *this, int32_t op_ret,         \
				       int32_t op_errno, gf_dirent_t *entries, \
				       dict_t *xdata)                          \
	{                                                                      \
		struct efx_local *local = frame->local;                        \
                                                                               \
		if (op_ret > 0 && EFX_IS_PLUS(fop))                            \
			efx_readdirp_attrs(this, cookie, entries);             \
		efx_listing_reply(this, local, cookie, op_ret, entries);       \
		EFX_UNWIND(fop, frame, local, op_ret, op_errno, entries,       \
			   xdata);                                             \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	int32_t efx_##fop(call_frame_t *frame, xlator_t *this, fd_t *fd,       \
			  size_t size, off_t off, dict_t *xdata)               \
	{                                                                      \
		struct efx_local *local;                                       \
                                                                               \
		local = efx_prepare(frame, this, off == 0 ? fd->inode : NULL,  \
				    NULL, NULL);                               \
		if (local)                                                     \
			local->offset = off;                                   \
		STACK_WIND_COOKIE(                                             \
			frame, efx_##fop##_cbk, fd, FIRST_CHILD(this),         \
			FIRST_CHILD(this)->fops->fop, fd, size, off, xdata);   \
		return 0;                                                      \
	}

EFX_LISTING_FOP(readdirp)
EFX_LISTING_FOP(readdir)

int32_t efx_releasedir(xlator_t *this, fd_t *fd)
{
	uint64_t v = 0;

	if (fd_ctx_del(fd, this, &v) == 0 && v)
		efx_listing_free((struct efx_listing *)(uintptr_t)v);
	return 0;
}
