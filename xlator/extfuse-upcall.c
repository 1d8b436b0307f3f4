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
	efx_kernel_inval_inode(parent);
	efx_kernel_inval_names(this, parent);
	inode_unref(parent);
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

void efx_upcall(xlator_t *this, struct gf_upcall *up)
{
	struct efx_priv *priv = efx_priv(this);
	struct gf_upcall_cache_invalidation *ci = up->data;
	inode_table_t *itable;
	inode_t *inode;

	GF_ATOMIC_INC(priv->c.upcalls);
	if (!ci || !this->graph || !this->graph->top)
		return;
	itable = ((xlator_t *)this->graph->top)->itable;
	if (!itable)
		return;
	gf_msg_trace(this->name, 0, "upcall gfid=%s flags=0x%x",
		     uuid_utoa(up->gfid), ci->flags);
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
	/* The kernel's own caches: dentries, then attributes and data. */
	if (ci->flags & EFX_UP_ENTRY_FLAGS)
		efx_kernel_inval_entries(this, itable, inode);
	/* Not for atime alone: it would also drop the page cache. */
	if (ci->flags & ~UP_ATIME) {
		efx_kernel_inval_inode(inode);
		efx_kernel_inval_names(this, inode);
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
	n = efx_pinned_inodes(priv, &inodes);
	for (i = 0; i < n; i++) {
		efx_kernel_inval_entries(this, itable, inodes[i]);
		efx_kernel_inval_inode(inodes[i]);
	}
	efx_inodes_put(inodes, n);
}
