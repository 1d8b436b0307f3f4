// SPDX-License-Identifier: GPL-2.0
/*
 * performance/extfuse: directory fops.  The replies of one READDIR(P) pass
 * over a directory are collected on its fd, from offset 0 to the end, and
 * the whole listing is published once complete.
 *
 * Cookies.  The kernel continues a listing from the d_off of the last
 * entry it took, and the module accepts a reply from the extension only
 * if its offsets grow past the request's.  The servers' cookies need not
 * grow (on cluster/distribute those of the subvolumes interleave), so the
 * kernel sees positions instead: the cookie of the entry at position p
 * (1, 2, ...) of listing gen is EFX_COOKIE(gen, p), gen unique per pass
 * over a directory.  The servers' cookie of every position is kept on the
 * fd that read it and, for a published listing, on the directory's node,
 * where a READDIR that reaches the daemon after the kernel was served from
 * the maps finds it.  A cookie no table knows (given before this
 * translator was in the graph) goes down unchanged, and so do the replies.
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

#define EFX_MAX_LISTING (1u << 20) /* longer listings are not mirrored */

/* Positions below 2^32, generations below 2^31: cookies stay positive. */
#define EFX_POS_BITS 32
#define EFX_POS_MAX ((1ull << EFX_POS_BITS) - 1)
#define EFX_GEN_MAX ((1ull << (63 - EFX_POS_BITS)) - 1)
#define EFX_COOKIE(gen, pos) (((gen) << EFX_POS_BITS) | (pos))
/* Published listings of a directory whose cookies stay known. */
#define EFX_COOKIE_TABLES 2

static uint64_t efx_new_gen(void)
{
	static uint64_t last;
	uint64_t gen = __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);

	return (gen & EFX_GEN_MAX) ? gen & EFX_GEN_MAX : 1;
}

static bool efx_cookie_split(uint64_t cookie, uint64_t *gen, size_t *pos)
{
	*gen = cookie >> EFX_POS_BITS;
	*pos = cookie & EFX_POS_MAX;
	return *gen && *gen <= EFX_GEN_MAX && *pos;
}

static void efx_listing_drop_ents(struct efx_listing *l, size_t keep)
{
	while (l->n > keep)
		GF_FREE((char *)l->ents[--l->n].name);
}

static void efx_listing_reset(struct efx_listing *l)
{
	efx_listing_drop_ents(l, 0);
	l->valid = false;
}

static void efx_listing_free(struct efx_listing *l)
{
	if (!l)
		return;
	efx_listing_reset(l);
	GF_FREE(l->ents);
	GF_FREE(l->offs);
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

/* Grow *arr (of *cap elements of size) to hold want; Gluster's realloc
 * does not take NULL. */
static int efx_grow(void **arr, size_t *cap, size_t want, size_t size)
{
	size_t ncap = *cap ? *cap : 64;
	void *p;

	if (want <= *cap)
		return 0;
	while (ncap < want)
		ncap *= 2;
	p = *arr ? GF_REALLOC(*arr, ncap * size)
		 : GF_MALLOC(ncap * size, gf_extfuse_mt_listing);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* ---- the cookie tables of a directory's published listings ---------- */

void efx_cookies_free(struct efx_node *node)
{
	struct efx_cookies *c, *tmp;

	list_for_each_entry_safe (c, tmp, &node->cookies, list) {
		list_del(&c->list);
		GF_FREE(c);
	}
	node->ncookies = 0;
}

/* Keep the cookies of listing l on the directory's node, before any
 * kernel can be served its positions. */
static int efx_cookies_keep(xlator_t *this, inode_t *dir,
			    const struct efx_listing *l)
{
	struct efx_priv *priv = efx_priv(this);
	struct efx_node *node;
	struct efx_cookies *c, *old = NULL;

	c = GF_MALLOC(sizeof(*c) + l->noffs * sizeof(c->off[0]),
		      gf_extfuse_mt_listing);
	if (!c)
		return -ENOMEM;
	c->gen = l->gen;
	c->n = l->noffs;
	memcpy(c->off, l->offs, l->noffs * sizeof(c->off[0]));
	node = efx_node_track(this, dir);
	if (!node) {
		GF_FREE(c);
		return -ENOMEM;
	}
	pthread_mutex_lock(&priv->lock);
	list_add(&c->list, &node->cookies);
	if (++node->ncookies > EFX_COOKIE_TABLES) {
		old = list_last_entry(&node->cookies, struct efx_cookies, list);
		list_del(&old->list);
		node->ncookies--;
	}
	pthread_mutex_unlock(&priv->lock);
	GF_FREE(old);
	return 0;
}

/*
 * The servers' cookies of positions 1..pos of the published listing gen of
 * dir, in a new array; NULL when no table holds them.
 */
static uint64_t *efx_cookies_find(xlator_t *this, inode_t *dir, uint64_t gen,
				  size_t pos)
{
	struct efx_priv *priv = efx_priv(this);
	struct efx_cookies *c;
	struct efx_node *node;
	uint64_t *offs = NULL, v = 0;

	pthread_mutex_lock(&priv->lock);
	if (inode_ctx_get(dir, this, &v) == 0 && v) {
		node = (struct efx_node *)(uintptr_t)v;
		list_for_each_entry (c, &node->cookies, list) {
			if (c->gen != gen || pos > c->n)
				continue;
			offs = GF_MALLOC(pos * sizeof(*offs),
					 gf_extfuse_mt_listing);
			if (offs)
				memcpy(offs, c->off, pos * sizeof(*offs));
			break;
		}
	}
	pthread_mutex_unlock(&priv->lock);
	return offs;
}

/*
 * The servers' cookie for a READDIR at the kernel's cookie off, and where
 * the reply goes in the fd's listing (local->gen, local->pos); local->gen
 * 0: not ours, passed on unchanged.
 */
static uint64_t efx_listing_wind(xlator_t *this, fd_t *fd,
				 struct efx_local *local, off_t off)
{
	struct efx_listing *l = efx_listing_get(this, fd);
	uint64_t gen, real = off, *found = NULL;
	size_t pos = 0;
	bool ours = false;

	if (!l)
		return real;
	if (off != 0 && efx_cookie_split(off, &gen, &pos)) {
		LOCK(&fd->lock);
		ours = l->gen == gen && pos <= l->noffs;
		UNLOCK(&fd->lock);
		/* Served from the maps: the directory keeps the cookies. */
		if (!ours)
			found = efx_cookies_find(this, fd->inode, gen, pos);
	}
	LOCK(&fd->lock);
	if (off == 0) {
		efx_listing_reset(l);
		l->gen = efx_new_gen();
		l->noffs = 0;
		l->valid = local->have_st;
		l->st = local->st;
		local->gen = l->gen;
		local->pos = 0;
	} else if (found) {
		/* Without the names, which this fd never read. */
		efx_listing_reset(l);
		GF_FREE(l->offs);
		l->offs = found;
		l->offs_cap = pos;
		l->noffs = pos;
		l->gen = gen;
		found = NULL;
	} else if (!ours || l->gen != gen || pos > l->noffs) {
		GF_ATOMIC_INC(efx_priv(this)->c.dirs_foreign);
		pos = 0;
	}
	if (off != 0 && pos) {
		/* The bridge may have passed on fewer entries than it got. */
		l->noffs = pos;
		if (l->valid && l->n >= pos)
			efx_listing_drop_ents(l, pos);
		else
			efx_listing_reset(l);
		local->gen = gen;
		local->pos = pos;
		real = l->offs[pos - 1];
	}
	UNLOCK(&fd->lock);
	GF_FREE(found);
	return real;
}

/* The directory's stamp for the entries this request's reply publishes
 * (read at every offset: a listing's first stamp may be old by now). */
static void efx_listing_stamp(xlator_t *this, fd_t *fd, struct efx_local *local)
{
	struct extfuse *ef = efx_active(this);

	local->have_pst =
		ef && efx_inode_ok(this, fd->inode) &&
		extfuse_stamp(ef, efx_nodeid(fd->inode), &local->pst) == 0;
}

static int efx_listing_add(struct efx_listing *l, gf_dirent_t *e, size_t pos)
{
	struct extfuse_dirent *d;

	if (pos > EFX_MAX_LISTING ||
	    efx_grow((void **)&l->ents, &l->cap, l->n + 1, sizeof(*l->ents)))
		return -E2BIG;
	d = &l->ents[l->n];
	d->name = gf_strdup(e->d_name);
	if (!d->name)
		return -ENOMEM;
	d->ino = e->d_ino;
	d->off = EFX_COOKIE(l->gen, pos);
	d->type = e->d_type;
	l->n++;
	return 0;
}

/*
 * Record the servers' cookies of a reply and give the kernel positions
 * instead; collect the entries for publishing.  fd->lock held.  -errno
 * when the cookies cannot be kept: the reply must then fail.
 */
static int efx_listing_take(struct efx_listing *l, struct efx_local *local,
			    gf_dirent_t *entries)
{
	size_t pos = local->pos;
	gf_dirent_t *e;

	/* Another pass on this fd began meanwhile: only the positions. */
	if (l->gen != local->gen || l->noffs != local->pos) {
		list_for_each_entry (e, &entries->list, list) {
			if (++pos > EFX_POS_MAX)
				return -EOVERFLOW;
			e->d_off = EFX_COOKIE(local->gen, pos);
		}
		return 0;
	}
	list_for_each_entry (e, &entries->list, list) {
		if (++pos > EFX_POS_MAX)
			return -EOVERFLOW;
		if (efx_grow((void **)&l->offs, &l->offs_cap, pos,
			     sizeof(l->offs[0])))
			return -ENOMEM;
		l->offs[pos - 1] = e->d_off;
		l->noffs = pos;
		if (l->valid && efx_listing_add(l, e, pos) < 0)
			efx_listing_reset(l);
		e->d_off = EFX_COOKIE(local->gen, pos);
	}
	return 0;
}

/* Publish the complete listing of fd (its own copy: the fd may start
 * another pass meanwhile). */
static void efx_listing_publish(xlator_t *this, fd_t *fd,
				struct efx_listing *done)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_active(this);
	uint64_t started, expiry;
	int ret;

	if (!ef || !priv->dirs || !priv->server_ci ||
	    !efx_inode_ok(this, fd->inode))
		return;
	started = efx_probe_listing_ns(priv->probe, fd);
	/*
	 * Its stamp was read when the kernel's first READDIR was wound, which
	 * readdir-ahead answers from what it prefetched at OPENDIR: a change
	 * of the directory in between moved the version before the stamp
	 * was read.  So no change may have ended since the servers were
	 * first asked.
	 */
	if (efx_changed_since(efx_nodeid(fd->inode), started))
		return;
	/* As old as its first request to the servers. */
	expiry = efx_expiry_from(this, started);
	/* Its forget must retire the listing before the address is reused;
	 * a READDIR of the daemon must find its positions. */
	if (!expiry || efx_cookies_keep(this, fd->inode, done))
		return;
	ret = extfuse_publish_dir(ef, efx_nodeid(fd->inode), done->ents,
				  done->n, expiry, &done->st);
	if (ret == 0)
		GF_ATOMIC_INC(priv->c.dirs);
	else
		efx_count_ret(this, ret, "publish listing");
}

/* -errno when the reply must fail (its cookies could not be kept). */
static int efx_listing_reply(xlator_t *this, struct efx_local *local, fd_t *fd,
			     int32_t op_ret, gf_dirent_t *entries)
{
	struct efx_listing *l, done = {0};
	int ret = 0;

	if (!local || !fd || !local->gen || op_ret < 0)
		return 0;
	l = efx_listing_get(this, fd);
	if (!l)
		return op_ret > 0 ? -ENOMEM : 0;
	LOCK(&fd->lock);
	if (op_ret > 0) {
		ret = efx_listing_take(l, local, entries);
	} else if (l->valid && l->gen == local->gen && l->noffs == local->pos &&
		   l->n == l->noffs && l->n) {
		/* Complete.  Publishing runs the extension: take a copy
		 * and publish it after unlocking. */
		done.gen = l->gen;
		done.st = l->st;
		done.ents = l->ents;
		done.n = done.cap = l->n;
		l->ents = NULL;
		l->n = l->cap = 0;
		l->valid = false;
		done.offs = GF_MALLOC(l->noffs * sizeof(done.offs[0]),
				      gf_extfuse_mt_listing);
		if (done.offs) {
			memcpy(done.offs, l->offs,
			       l->noffs * sizeof(done.offs[0]));
			done.noffs = l->noffs;
		}
	}
	UNLOCK(&fd->lock);
	if (done.n && done.offs)
		efx_listing_publish(this, fd, &done);
	efx_listing_reset(&done);
	GF_FREE(done.ents);
	GF_FREE(done.offs);
	return ret;
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
		/* "." and "..": the directory being listed and its parent.
		 * Their attributes reach the kernel through LOOKUP and
		 * GETATTR only, and dropping the directory's here would
		 * retire the very listing this pass is collecting. */
		if (e->d_stat.ia_type == IA_INVAL ||
		    gf_uuid_is_null(e->d_stat.ia_gfid) ||
		    !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
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
 * READDIRP entries as entries and attributes, so that a LOOKUP or GETATTR
 * of a listed name can be answered in the kernel.  Only for replies of
 * the pass the fd is reading (the listing's start time is the fd's).
 */
static void efx_readdirp_entries(xlator_t *this, struct efx_local *local,
				 fd_t *fd, gf_dirent_t *entries)
{
	struct efx_priv *priv = efx_priv(this);
	struct efx_listing *l;
	uint64_t listed_ns;
	gf_dirent_t *e;
	bool current;

	if (!local || !local->have_pst || !local->gen || !fd ||
	    !efx_active(this))
		return;
	l = efx_listing_get(this, fd);
	if (!l)
		return;
	LOCK(&fd->lock);
	current = l->gen == local->gen;
	UNLOCK(&fd->lock);
	listed_ns = efx_probe_listing_ns(priv->probe, fd);
	if (!current || !listed_ns)
		return;
	/* Once the directory's stamp is out of date every entry would be
	 * refused, and each refusal bumps the directory again. */
	list_for_each_entry (e, &entries->list, list)
		if (efx_publish_dirent(this, fd->inode, &local->pst, listed_ns,
				       e) == -ESTALE)
			break;
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
		int ret;                                                       \
                                                                               \
		if (op_ret > 0 && EFX_IS_PLUS(fop))                            \
			efx_readdirp_attrs(this, cookie, entries);             \
		if (op_ret > 0 && EFX_IS_PLUS(fop))                            \
			efx_readdirp_entries(this, local, cookie, entries);    \
		ret = efx_listing_reply(this, local, cookie, op_ret, entries); \
		if (op_ret > 0 && EFX_IS_PLUS(fop))                            \
			efx_recheck_crossed(this, local,                       \
					    ((fd_t *)cookie)->inode, NULL);    \
		if (ret < 0) {                                                 \
			op_ret = -1;                                           \
			op_errno = -ret;                                       \
		}                                                              \
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
		local = efx_prepare_always(frame, this,                        \
					   off == 0 ? fd->inode : NULL);       \
		if (!local) {                                                  \
			/* The kernel's cookie means nothing below. */         \
			STACK_UNWIND_STRICT(fop, frame, -1, ENOMEM, NULL,      \
					    NULL);                             \
			return 0;                                              \
		}                                                              \
		local->offset = off;                                           \
		if (EFX_IS_PLUS(fop))                                          \
			efx_listing_stamp(this, fd, local);                    \
		off = efx_listing_wind(this, fd, local, off);                  \
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
