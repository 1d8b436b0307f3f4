// SPDX-License-Identifier: GPL-2.0
/*
 * performance/extfuse: node records, pins, the names published per node
 * and the sweeper.
 *
 * Lifetime: an inode named by a published entry is pinned (inode_ref) and
 * the names published for it are recorded in its inode context.  A pin is
 * dropped only after its names were deleted, a grace period passed
 * (extfuse_sync) and the kernel holds no kernel-served lookups of it
 * (extfuse_release_node), by the sweeper thread, and only if it was not
 * pinned again since the sweep began.  Its served count goes only when the
 * inode is destroyed (extfuse_forget_node).
 *
 * Deleting an entry runs the extension (BPF_PROG_TEST_RUN), so it never
 * happens under priv->lock: names are taken off their node under the lock
 * and deleted after it; the sweeper waits for those deletions
 * (priv->unpublishing) before it starts a grace period or unpins.
 */
#include <errno.h>
#include <string.h>

#include <glusterfs/glusterfs.h>
#include <glusterfs/xlator.h>
#include <glusterfs/inode.h>

#include "extfuse.h"
#include "extfuse-mem-types.h"

/*
 * Changes made to the maps by this process, per node (hashed): when the
 * last version bump of one ended, and how many are under way.  A reply
 * that could not read a node's stamp before its request was wound (a
 * READDIRP entry: the names are learnt from the reply) reads it after,
 * and the stamp stands for one read when the servers were asked only if
 * no bump of the node ended since then and none is under way (see
 * design.md, "Entries and attributes a listing brings").  Bumps made in
 * the kernel need no record: every request that the extension bumps for
 * reaches this translator, whose reply bumps again here.
 */
#define EFX_CHANGE_SLOTS 16384u

static struct efx_change_slot {
	uint64_t ended_ns;
	uint32_t busy;
} efx_changes[EFX_CHANGE_SLOTS];

static struct efx_change_slot *efx_change_slot(uint64_t nodeid)
{
	/* Inode addresses: the low bits are alignment. */
	return &efx_changes[((nodeid >> 6) ^ (nodeid >> 18)) %
			    EFX_CHANGE_SLOTS];
}

void efx_change_begin(uint64_t nodeid)
{
	__atomic_add_fetch(&efx_change_slot(nodeid)->busy, 1, __ATOMIC_SEQ_CST);
}

void efx_change_end(uint64_t nodeid)
{
	struct efx_change_slot *slot = efx_change_slot(nodeid);
	uint64_t now = extfuse_now_ns();
	uint64_t old = __atomic_load_n(&slot->ended_ns, __ATOMIC_SEQ_CST);

	while (old < now &&
	       !__atomic_compare_exchange_n(&slot->ended_ns, &old, now, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	__atomic_sub_fetch(&slot->busy, 1, __ATOMIC_SEQ_CST);
}

/* A bump of nodeid may have ended at or after since_ns (0: unknown). */
bool efx_changed_since(uint64_t nodeid, uint64_t since_ns)
{
	struct efx_change_slot *slot = efx_change_slot(nodeid);

	return !since_ns || __atomic_load_n(&slot->busy, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&slot->ended_ns, __ATOMIC_SEQ_CST) >= since_ns;
}

/* Only inodes of this graph's table are FUSE nodeids of the bridge. */
bool efx_inode_ok(xlator_t *this, inode_t *inode)
{
	xlator_t *top;

	if (!inode || !this->graph)
		return false;
	top = this->graph->top;
	return top && inode->table == top->itable;
}

/* Called with priv->lock held. */
static struct efx_node *efx_node_get(xlator_t *this, inode_t *inode,
				     bool create)
{
	struct efx_node *node = NULL;
	uint64_t v = 0;

	if (inode_ctx_get(inode, this, &v) == 0 && v)
		return (struct efx_node *)(uintptr_t)v;
	if (!create)
		return NULL;
	node = GF_CALLOC(1, sizeof(*node), gf_extfuse_mt_node);
	if (!node)
		return NULL;
	INIT_LIST_HEAD(&node->release);
	INIT_LIST_HEAD(&node->plist);
	INIT_LIST_HEAD(&node->names);
	INIT_LIST_HEAD(&node->cookies);
	node->inode = inode;
	node->nodeid = efx_nodeid(inode);
	v = (uint64_t)(uintptr_t)node;
	if (inode_ctx_set(inode, this, &v) != 0) {
		GF_FREE(node);
		return NULL;
	}
	return node;
}

/* The context makes forget tell us before the address is reused. */
struct efx_node *efx_node_track(xlator_t *this, inode_t *inode)
{
	struct efx_priv *priv = efx_priv(this);
	struct efx_node *node;

	pthread_mutex_lock(&priv->lock);
	node = efx_node_get(this, inode, true);
	pthread_mutex_unlock(&priv->lock);
	return node;
}

/*
 * Whether a LOOKUP under directory inode may ask the servers for its
 * attributes now: at most once per EFX_ASK_ATTRS_NS, so a directory whose
 * attributes cannot be published costs one STAT a period, not one a name.
 */
bool efx_node_may_ask_attrs(xlator_t *this, inode_t *inode)
{
	struct efx_priv *priv = efx_priv(this);
	uint64_t now = extfuse_now_ns();
	struct efx_node *node;
	bool may = false;

	pthread_mutex_lock(&priv->lock);
	node = efx_node_get(this, inode, true);
	if (node && (!node->attrs_asked_ns ||
		     now - node->attrs_asked_ns >= EFX_ASK_ATTRS_NS)) {
		node->attrs_asked_ns = now;
		may = true;
	}
	pthread_mutex_unlock(&priv->lock);
	return may;
}

/* Called with priv->lock held: queue a pinned node without names. */
static void efx_node_maybe_release(struct efx_priv *priv, struct efx_node *node)
{
	if (node->pinned && !node->nnames && !node->queued) {
		list_add_tail(&node->release, &priv->releasing);
		node->queued = true;
	}
}

/*
 * Called with priv->lock held: move every name of node to gone, for
 * efx_names_delete() once the lock is released.  The caller counts each
 * such batch in priv->unpublishing.
 */
static void efx_names_take(struct efx_priv *priv, struct efx_node *node,
			   struct list_head *gone)
{
	list_splice_init(&node->names, gone);
	node->nnames = 0;
	efx_node_maybe_release(priv, node);
}

/*
 * Delete the names in gone from the maps (ef NULL: the maps were flushed),
 * free them, and end the unpublishing begun when they were taken.
 */
static void efx_names_delete(struct extfuse *ef, struct efx_priv *priv,
			     struct list_head *gone)
{
	struct efx_name *nm, *tmp;
	int ret = 0;

	list_for_each_entry_safe (nm, tmp, gone, list) {
		if (ef) {
			efx_change_begin(nm->parent);
			ret = extfuse_invalidate_entry(ef, nm->parent,
						       nm->name);
			efx_change_end(nm->parent);
		}
		if (ret < 0)
			GF_ATOMIC_INC(priv->c.errors);
		else
			GF_ATOMIC_INC(priv->c.invalidations);
		list_del(&nm->list);
		GF_FREE(nm);
	}
	pthread_mutex_lock(&priv->lock);
	if (--priv->unpublishing == 0)
		pthread_cond_broadcast(&priv->unpublished);
	pthread_mutex_unlock(&priv->lock);
}

/* Delete (parent, name) if it was published for inode. */
void efx_name_forget(xlator_t *this, inode_t *inode, uint64_t parent,
		     const char *name)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_ef(priv);
	struct efx_node *node;
	struct efx_name *nm, *tmp;

	if (!ef || !name)
		return;
	/* The map may hold the name for another inode, or a negative. */
	efx_change_begin(parent);
	efx_count_ret(this, extfuse_invalidate_entry(ef, parent, name),
		      "invalidate entry");
	efx_change_end(parent);
	if (!inode)
		return;
	pthread_mutex_lock(&priv->lock);
	node = efx_node_get(this, inode, false);
	if (node) {
		list_for_each_entry_safe (nm, tmp, &node->names, list) {
			if (nm->parent != parent || strcmp(nm->name, name))
				continue;
			list_del(&nm->list);
			node->nnames--;
			GF_FREE(nm);
			GF_ATOMIC_INC(priv->c.invalidations);
		}
		efx_node_maybe_release(priv, node);
	}
	pthread_mutex_unlock(&priv->lock);
}

/* Unpublish every name of inode (the caller holds a reference to it). */
void efx_node_unpublish(xlator_t *this, inode_t *inode)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_ef(priv);
	struct efx_node *node;
	struct list_head gone;

	INIT_LIST_HEAD(&gone);
	pthread_mutex_lock(&priv->lock);
	node = efx_node_get(this, inode, false);
	if (!node) {
		pthread_mutex_unlock(&priv->lock);
		return;
	}
	efx_names_take(priv, node, &gone);
	priv->unpublishing++;
	pthread_mutex_unlock(&priv->lock);
	efx_names_delete(ef, priv, &gone);
}

/* Unpublish every name of every pinned node (ef NULL: maps flushed). */
void efx_unpublish_pinned(struct efx_priv *priv, struct extfuse *ef)
{
	struct efx_node *node;
	struct list_head gone;

	INIT_LIST_HEAD(&gone);
	pthread_mutex_lock(&priv->lock);
	list_for_each_entry (node, &priv->pinned, plist)
		efx_names_take(priv, node, &gone);
	priv->unpublishing++;
	pthread_mutex_unlock(&priv->lock);
	efx_names_delete(ef, priv, &gone);
}

unsigned int efx_count_pinned(struct efx_priv *priv)
{
	struct efx_node *node;
	unsigned int n = 0;

	pthread_mutex_lock(&priv->lock);
	list_for_each_entry (node, &priv->pinned, plist)
		n++;
	pthread_mutex_unlock(&priv->lock);
	return n;
}

/*
 * A reference to every pinned inode, for telling the kernel about each
 * outside priv->lock.  Returns how many are in *out (free with
 * efx_inodes_put); 0 and NULL when there are none or memory is short.
 */
size_t efx_pinned_inodes(struct efx_priv *priv, inode_t ***out)
{
	struct efx_node *node;
	inode_t **inodes = NULL;
	size_t n = 0;

	pthread_mutex_lock(&priv->lock);
	list_for_each_entry (node, &priv->pinned, plist)
		n++;
	if (n)
		inodes = GF_CALLOC(n, sizeof(*inodes), gf_common_mt_char);
	n = 0;
	if (inodes)
		list_for_each_entry (node, &priv->pinned, plist)
			inodes[n++] = inode_ref(node->inode);
	pthread_mutex_unlock(&priv->lock);
	*out = inodes;
	return n;
}

void efx_inodes_put(inode_t **inodes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		inode_unref(inodes[i]);
	GF_FREE(inodes);
}

void efx_node_invalidate(xlator_t *this, inode_t *inode)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_ef(priv);
	int ret;

	if (!ef || !inode || !efx_inode_ok(this, inode))
		return;
	efx_change_begin(efx_nodeid(inode));
	ret = extfuse_invalidate_node(ef, efx_nodeid(inode));
	efx_change_end(efx_nodeid(inode));
	if (ret < 0)
		GF_ATOMIC_INC(priv->c.errors);
	else
		GF_ATOMIC_INC(priv->c.invalidations);
}

/* Pin inode and record (parent, name) before the entry can be served. */
int efx_pin_name(xlator_t *this, inode_t *inode, uint64_t parent,
		 const char *name)
{
	struct efx_priv *priv = efx_priv(this);
	size_t len = strlen(name);
	struct efx_node *node;
	struct efx_name *nm;
	int ret = 0;

	pthread_mutex_lock(&priv->lock);
	node = efx_node_get(this, inode, true);
	if (!node) {
		ret = -ENOMEM;
		goto out;
	}
	list_for_each_entry (nm, &node->names, list)
		if (nm->parent == parent && !strcmp(nm->name, name))
			goto pinned;
	nm = GF_CALLOC(1, sizeof(*nm) + len + 1, gf_extfuse_mt_name);
	if (!nm) {
		ret = -ENOMEM;
		goto out;
	}
	nm->parent = parent;
	memcpy(nm->name, name, len + 1);
	list_add_tail(&nm->list, &node->names);
	node->nnames++;
pinned:
	node->sweepable = false;
	if (!node->pinned) {
		node->inode = inode_ref(inode);
		node->pinned = true;
		list_add_tail(&node->plist, &priv->pinned);
		GF_ATOMIC_INC(priv->c.pins);
	}
	if (node->queued) {
		list_del_init(&node->release);
		node->queued = false;
	}
out:
	pthread_mutex_unlock(&priv->lock);
	return ret;
}

/*
 * Called with priv->lock held: wait until every name taken off a node is
 * out of the maps (a few runs of the extension).
 */
static void efx_wait_unpublished(struct efx_priv *priv)
{
	while (priv->unpublishing)
		pthread_cond_wait(&priv->unpublished, &priv->lock);
}

/*
 * Called with priv->lock held: the node queued under nodeid, if unnamed
 * and not pinned since the sweep took its id.  A node pinned again may have
 * been published, served and unnamed after the grace period: its count was
 * read too early, and the next sweep looks again.
 */
static struct efx_node *efx_releasable(struct efx_priv *priv, uint64_t nodeid)
{
	struct efx_node *node;

	efx_wait_unpublished(priv);
	list_for_each_entry (node, &priv->releasing, release)
		if (node->nodeid == nodeid && !node->nnames && node->sweepable)
			return node;
	return NULL;
}

/* Unpin nodes whose names are gone once the kernel cannot hold them. */
void efx_sweep(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_ef(priv);
	struct efx_node *node;
	uint64_t *ids = NULL;
	size_t n = 0, i;
	inode_t *inode;
	int ret;

	if (!ef)
		return;
	pthread_mutex_lock(&priv->lock);
	/* The grace period below must follow every deletion. */
	efx_wait_unpublished(priv);
	list_for_each_entry (node, &priv->releasing, release)
		n++;
	if (n)
		ids = GF_MALLOC(n * sizeof(*ids), gf_common_mt_char);
	n = 0;
	if (ids)
		list_for_each_entry (node, &priv->releasing, release) {
			ids[n++] = node->nodeid;
			node->sweepable = true;
		}
	pthread_mutex_unlock(&priv->lock);
	if (!n)
		goto out;
	/* A grace period: no extension run still holds an entry we deleted.
	 * Unattached, no extension runs and nothing was served. */
	ret = efx_conn_attached() ? extfuse_sync() : 0;
	if (ret < 0) {
		GF_ATOMIC_INC(priv->c.errors);
		goto out;
	}
	for (i = 0; i < n; i++) {
		ret = extfuse_release_node(ef, ids[i]);
		if (ret == -EBUSY) {
			GF_ATOMIC_INC(priv->c.busy);
			continue;
		}
		if (ret < 0) {
			GF_ATOMIC_INC(priv->c.errors);
			continue;
		}
		inode = NULL;
		pthread_mutex_lock(&priv->lock);
		node = efx_releasable(priv, ids[i]);
		if (node) {
			list_del_init(&node->release);
			node->queued = false;
			node->pinned = false;
			list_del_init(&node->plist);
			inode = node->inode;
		}
		pthread_mutex_unlock(&priv->lock);
		if (inode) {
			GF_ATOMIC_INC(priv->c.unpins);
			inode_unref(inode); /* may call efx_forget */
		}
	}
out:
	GF_FREE(ids);
}

/* The inode is being destroyed: its address may be reused next. */
int32_t efx_forget(xlator_t *this, inode_t *inode)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef;
	struct efx_node *node;
	struct list_head gone;
	uint64_t v = 0;
	bool pinned;

	if (inode_ctx_del(inode, this, &v) != 0 || !v)
		return 0;
	node = (struct efx_node *)(uintptr_t)v;
	/* No fd can present its cookies any more: fds hold the inode. */
	efx_cookies_free(node);
	if (!priv) {
		GF_FREE(node);
		return 0;
	}
	ef = efx_ef(priv);
	INIT_LIST_HEAD(&gone);
	pthread_mutex_lock(&priv->lock);
	pinned = node->pinned;
	efx_names_take(priv, node, &gone);
	if (node->queued)
		list_del_init(&node->release);
	list_del_init(&node->plist);
	priv->unpublishing++;
	pthread_mutex_unlock(&priv->lock);
	efx_names_delete(ef, priv, &gone);
	if (ef) {
		efx_change_begin(node->nodeid);
		efx_count_ret(this, extfuse_invalidate_node(ef, node->nodeid),
			      "invalidate node");
		efx_change_end(node->nodeid);
		/* Unpinned by the sweeper: no entry named it since its count
		 * read 0, so the count cannot move and may go before the
		 * address is reused.  Still pinned (the table is torn
		 * down): an entry may have just been served; keep it. */
		if (!pinned)
			efx_count_ret(this,
				      extfuse_forget_node(ef, node->nodeid),
				      "forget served count");
	}
	GF_FREE(node);
	return 0;
}

/* inode_invalidate(): the node's data or attributes changed. */
int32_t efx_invalidate(xlator_t *this, inode_t *inode)
{
	/* A repeat is for the kernel: the maps were cleaned the first time,
	 * and what was published since is current. */
	if (this->private && !efx_resending)
		efx_node_invalidate(this, inode);
	return 0;
}
