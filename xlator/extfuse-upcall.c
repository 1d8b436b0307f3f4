// SPDX-License-Identifier: GPL-2.0
/*
 * performance/extfuse: cache-invalidation upcalls.  What another client
 * changed is deleted from the maps, and the kernel's own caches (dentries,
 * attributes, pages) are told through the FUSE bridge.
 */
#include <glusterfs/glusterfs.h>
#include <glusterfs/xlator.h>
#include <glusterfs/logging.h>
#include <glusterfs/inode.h>
#include <glusterfs/upcall-utils.h>

#include "extfuse.h"
#include "extfuse-mem-types.h"

/* Upcall flags after which a cached name may no longer lead to the inode. */
#define EFX_UP_NAME_FLAGS                                                      \
	(UP_NLINK | UP_RENAME | UP_FORGET | UP_INVAL_ATTR | UP_EXPLICIT_LOOKUP)
/* Upcall flags after which the kernel's dentries of the inode are wrong. */
#define EFX_UP_ENTRY_FLAGS (UP_NLINK | UP_RENAME | UP_FORGET)

/*
 * FUSE_NOTIFY_INVAL_INODE through the bridge (its invalidate callback).
 * Never for the root: the bridge takes nodeid 1 for an inode address
 * there and would crash.
 */
static void efx_kernel_inval_inode(inode_t *inode)
{
	if (!__is_root_gfid(inode->gfid))
		inode_invalidate(inode);
}

/*
 * Another client changed directory inode: a name created there may be a
 * negative dentry the kernel keeps, and the upcall does not say which.
 * The module expires every name under it (the bridge can only name the
 * dentries of an inode).
 */
static void efx_kernel_inval_names(xlator_t *this, inode_t *inode)
{
	struct extfuse *ef = efx_ef(efx_priv(this));

	if (ef && inode->ia_type == IA_IFDIR && efx_conn_kernel_expires() &&
	    efx_inode_ok(this, inode))
		efx_count_ret(this, extfuse_expire_dir(ef, efx_nodeid(inode)),
			      "expire names");
}

/* Ask the bridge for FUSE_NOTIFY_INVAL_ENTRY of every name of inode. */
static void efx_kernel_inval_entries(xlator_t *this, inode_table_t *itable,
				     inode_t *inode)
{
	struct efx_priv *priv = efx_priv(this);
	xlator_t *old_this;
	int ret;

	if (!itable->invalidator_fn || !itable->invalidator_xl)
		return;
	old_this = THIS;
	THIS = itable->invalidator_xl;
	ret = itable->invalidator_fn(itable->invalidator_xl, inode);
	THIS = old_this;
	if (ret == 0)
		GF_ATOMIC_INC(priv->c.kernel_notified);
}

/* What efx_recheck_* names, sent to the kernel now. */
static void efx_kernel_inval(xlator_t *this, inode_table_t *itable,
			     inode_t *inode, unsigned int what)
{
	if (what & EFX_RECHECK_ENTRIES)
		efx_kernel_inval_entries(this, itable, inode);
	if (what & EFX_RECHECK_INODE)
		efx_kernel_inval_inode(inode);
	if (what & EFX_RECHECK_NAMES)
		efx_kernel_inval_names(this, inode);
}

/*
 * Sending again.  FUSE protects attributes from a reply that crosses an
 * invalidation (attr_version), not dentries: a LOOKUP answered from the
 * old state, by the extension (which read the maps before they were
 * cleaned) or by this process (wound before the change), may install its
 * dentry's validity after the kernel dropped it, and that validity can
 * last until the value's expiry.  So every invalidation is sent again
 * EFX_RECHECK_SOON_NS and EFX_RECHECK_LATE_NS after the first, and a
 * reply of this process that crossed one is followed by the same pair
 * (efx_recheck_crossed).  The queue is bounded; past it, everything the
 * kernel holds of the mount is invalidated at those times instead.
 */
#define EFX_RECHECK_SOON_NS (100 * 1000 * 1000ull)
#define EFX_RECHECK_LATE_NS NSEC_PER_SEC
#define EFX_RECHECK_MAX 4096

__thread bool efx_resending;

static struct efx_recheck *efx_recheck_first(struct list_head *head)
{
	return list_empty(head)
		       ? NULL
		       : list_first_entry(head, struct efx_recheck, list);
}

/* The clock of the worker's pthread_cond_timedwait(). */
uint64_t efx_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * Queued invalidations carry the time of the first send rounded up to the
 * next tick, and one of the same node (or "everything") in the same tick
 * is merged: the upcalls of one change come from every replica at once,
 * and an overflowing queue adds at most one "everything" per tick.
 */
#define EFX_RECHECK_TICK_NS (10 * 1000 * 1000ull)

static void efx_recheck_queue(xlator_t *this, inode_t *inode, unsigned int what)
{
	struct efx_priv *priv = efx_priv(this);
	struct efx_recheck *r, *last;
	uint64_t tick;

	if (!priv->thread_started || !efx_ef(priv))
		return;
	tick = (efx_realtime_ns() / EFX_RECHECK_TICK_NS + 1) *
	       EFX_RECHECK_TICK_NS;
	pthread_mutex_lock(&priv->lock);
	if (inode && priv->nrechecks >= EFX_RECHECK_MAX) {
		GF_ATOMIC_INC(priv->c.recheck_overflows);
		inode = NULL;
		what = EFX_RECHECK_ALL;
	}
	last = list_empty(&priv->recheck_soon)
		       ? NULL
		       : list_last_entry(&priv->recheck_soon,
					 struct efx_recheck, list);
	if (last && last->first_ns == tick && last->inode == inode) {
		last->what |= what;
		pthread_mutex_unlock(&priv->lock);
		return;
	}
	r = GF_CALLOC(1, sizeof(*r), gf_extfuse_mt_recheck);
	if (!r) {
		pthread_mutex_unlock(&priv->lock);
		GF_ATOMIC_INC(priv->c.errors);
		return;
	}
	r->inode = inode ? inode_ref(inode) : NULL;
	r->what = what;
	r->first_ns = tick;
	if (!last)
		pthread_cond_broadcast(&priv->cond);
	list_add_tail(&r->list, &priv->recheck_soon);
	priv->nrechecks++;
	pthread_mutex_unlock(&priv->lock);
}

/* Every pinned node, and the module's expiry of the whole mount. */
static void efx_kernel_inval_all(xlator_t *this, inode_table_t *itable)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_ef(priv);
	inode_t **inodes;
	size_t n, i;

	if (ef && efx_conn_kernel_expires())
		efx_count_ret(this, extfuse_expire_kernel(ef), "expire kernel");
	if (!itable)
		return;
	n = efx_pinned_inodes(priv, &inodes);
	for (i = 0; i < n; i++) {
		efx_kernel_inval_entries(this, itable, inodes[i]);
		efx_kernel_inval_inode(inodes[i]);
	}
	efx_inodes_put(inodes, n);
}

static void efx_recheck_send(xlator_t *this, struct efx_recheck *r)
{
	inode_table_t *itable = NULL;

	if (this->graph && this->graph->top)
		itable = ((xlator_t *)this->graph->top)->itable;
	GF_ATOMIC_INC(efx_priv(this)->c.rechecks);
	gf_msg_debug(this->name, 0, "invalidation sent again: %s what=0x%x",
		     r->inode ? uuid_utoa(r->inode->gfid) : "everything",
		     r->what);
	efx_resending = true;
	if (r->what & EFX_RECHECK_ALL)
		efx_kernel_inval_all(this, itable);
	else if (itable)
		efx_kernel_inval(this, itable, r->inode, r->what);
	efx_resending = false;
}

/* When the next send is due (CLOCK_REALTIME ns), 0: none.  Under lock. */
uint64_t efx_recheck_due_locked(struct efx_priv *priv)
{
	struct efx_recheck *soon = efx_recheck_first(&priv->recheck_soon);
	struct efx_recheck *late = efx_recheck_first(&priv->recheck_late);
	uint64_t a = soon ? soon->first_ns + EFX_RECHECK_SOON_NS : 0;
	uint64_t b = late ? late->first_ns + EFX_RECHECK_LATE_NS : 0;

	if (!a || (b && b < a))
		return b;
	return a;
}

/* The worker: send what is due. */
void efx_recheck_run(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	struct efx_recheck *r;
	uint64_t now;

	pthread_mutex_lock(&priv->lock);
	for (;;) {
		now = efx_realtime_ns();
		r = efx_recheck_first(&priv->recheck_soon);
		if (r && r->first_ns + EFX_RECHECK_SOON_NS <= now) {
			list_del_init(&r->list);
			pthread_mutex_unlock(&priv->lock);
			efx_recheck_send(this, r);
			pthread_mutex_lock(&priv->lock);
			list_add_tail(&r->list, &priv->recheck_late);
			continue;
		}
		r = efx_recheck_first(&priv->recheck_late);
		if (r && r->first_ns + EFX_RECHECK_LATE_NS <= now) {
			list_del_init(&r->list);
			priv->nrechecks--;
			pthread_mutex_unlock(&priv->lock);
			efx_recheck_send(this, r);
			if (r->inode)
				inode_unref(r->inode);
			GF_FREE(r);
			pthread_mutex_lock(&priv->lock);
			continue;
		}
		break;
	}
	pthread_mutex_unlock(&priv->lock);
}

/* fini: the worker has stopped; nothing is sent any more. */
void efx_recheck_drop(struct efx_priv *priv)
{
	struct efx_recheck *r, *tmp;
	struct list_head *lists[] = {&priv->recheck_soon, &priv->recheck_late};
	size_t i;

	for (i = 0; i < 2; i++) {
		list_for_each_entry_safe (r, tmp, lists[i], list) {
			list_del(&r->list);
			if (r->inode)
				inode_unref(r->inode);
			GF_FREE(r);
		}
	}
	priv->nrechecks = 0;
}

/*
 * A LOOKUP or READDIRP reply of this process, about to go up to the
 * kernel: if an invalidation was sent since it was wound, the reply may
 * carry the state from before it, and the kernel will apply it after.
 */
void efx_recheck_crossed(xlator_t *this, struct efx_local *local,
			 inode_t *inode, inode_t *parent)
{
	struct efx_priv *priv = efx_priv(this);

	if (!local ||
	    (uint64_t)GF_ATOMIC_GET(priv->inval_seq) == local->inval_seq)
		return;
	GF_ATOMIC_INC(priv->c.crossed);
	if (inode)
		efx_recheck_queue(this, inode,
				  EFX_RECHECK_ENTRIES | EFX_RECHECK_INODE |
					  (inode->ia_type == IA_IFDIR
						   ? EFX_RECHECK_NAMES
						   : 0));
	if (parent)
		efx_recheck_queue(this, parent,
				  EFX_RECHECK_INODE | EFX_RECHECK_NAMES);
}

static void efx_upcall_parent(xlator_t *this, inode_table_t *itable,
			      struct iatt *pst)
{
	inode_t *parent;

	if (!pst || gf_uuid_is_null(pst->ia_gfid))
		return;
	parent = inode_find(itable, pst->ia_gfid);
	if (!parent)
		return;
	efx_node_invalidate(this, parent);
	efx_kernel_inval(this, itable, parent,
			 EFX_RECHECK_INODE | EFX_RECHECK_NAMES);
	efx_recheck_queue(this, parent, EFX_RECHECK_INODE | EFX_RECHECK_NAMES);
	inode_unref(parent);
}

void efx_upcall(xlator_t *this, struct gf_upcall *up)
{
	struct efx_priv *priv = efx_priv(this);
	struct gf_upcall_cache_invalidation *ci = up->data;
	inode_table_t *itable;
	inode_t *inode;
	unsigned int what;

	GF_ATOMIC_INC(priv->c.upcalls);
	if (!ci || !this->graph || !this->graph->top)
		return;
	itable = ((xlator_t *)this->graph->top)->itable;
	if (!itable)
		return;
	gf_msg_trace(this->name, 0, "upcall gfid=%s flags=0x%x",
		     uuid_utoa(up->gfid), ci->flags);
	/* Before anything is cleaned: a reply wound earlier crossed it. */
	GF_ATOMIC_INC(priv->inval_seq);
	inode = inode_find(itable, up->gfid);
	if (inode) {
		efx_node_invalidate(this, inode);
		if (ci->flags & EFX_UP_NAME_FLAGS)
			efx_node_unpublish(this, inode);
	}
	if (ci->flags & UP_PARENT_DENTRY_FLAGS) {
		efx_upcall_parent(this, itable, &ci->p_stat);
		if (ci->flags & UP_RENAME_FLAGS)
			efx_upcall_parent(this, itable, &ci->oldp_stat);
	}
	if (!inode)
		return;
	what = 0;
	if (ci->flags & EFX_UP_ENTRY_FLAGS)
		what |= EFX_RECHECK_ENTRIES;
	/* Not for atime alone: it would also drop the page cache. */
	if (ci->flags & ~UP_ATIME)
		what |= EFX_RECHECK_INODE | EFX_RECHECK_NAMES;
	if (what) {
		efx_kernel_inval(this, itable, inode, what);
		efx_recheck_queue(this, inode, what);
	}
	inode_unref(inode);
}

/*
 * A subvolume went down or came back: upcalls sent meanwhile are lost and a
 * restarted brick has no registrations, so nothing cached before may be
 * served.  The epoch retires every value in the maps and every publish in
 * flight; the probe already refuses what was fetched before the event.  The
 * kernel drops its own dentries and attributes of every node we named.
 */
void efx_subvol_event(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef;
	inode_table_t *itable = NULL;
	inode_t **inodes;
	size_t n, i;

	if (!efx_conn_owned_by(this))
		return;
	ef = efx_ef(priv);
	if (!ef)
		return;
	GF_ATOMIC_INC(priv->c.subvol_flushes);
	efx_count_ret(this, extfuse_flush(ef), "flush");
	if (this->graph && this->graph->top)
		itable = ((xlator_t *)this->graph->top)->itable;
	if (!itable)
		return;
	GF_ATOMIC_INC(priv->inval_seq);
	n = efx_pinned_inodes(priv, &inodes);
	for (i = 0; i < n; i++) {
		efx_kernel_inval_entries(this, itable, inodes[i]);
		efx_kernel_inval_inode(inodes[i]);
	}
	efx_inodes_put(inodes, n);
	/* The flush expired the mount once, after its grace period; a reply
	 * that crossed it is caught by the same pair of sends. */
	efx_recheck_queue(this, NULL, EFX_RECHECK_ALL);
}
