// SPDX-License-Identifier: GPL-2.0
/*
 * performance/extfuse: mirrors what the FUSE client learns (entries,
 * attributes, directory listings) into the ExtFUSE BPF maps of its own FUSE
 * connection, so that the kernel can answer LOOKUP, GETATTR and READDIR
 * without a round trip to this process, and deletes what went stale when a
 * change is made here or an upcall reports one made elsewhere.
 *
 * The translator sits right below the top of the FUSE client graph (above
 * md-cache), so the inodes it sees are the FUSE bridge's and a nodeid is
 * the inode's address (root: 1), exactly as the bridge numbers them.
 * Its probe (extfuse-probe.c), right above the cluster translator, tells
 * when the servers were last asked about an inode: a value lives at most
 * the servers' invalidation window counted from then (efx_expiry_from).
 *
 * Lifetime: an inode named by a published entry is pinned (inode_ref) and
 * the names published for it are recorded in its inode context.  A pin is
 * dropped only after its names were deleted, a grace period passed
 * (extfuse_sync) and the kernel holds no kernel-served lookups of it
 * (extfuse_release_node), by the sweeper thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <glusterfs/glusterfs.h>
#include <glusterfs/xlator.h>
#include <glusterfs/defaults.h>
#include <glusterfs/logging.h>
#include <glusterfs/inode.h>
#include <glusterfs/iatt.h>
#include <glusterfs/statedump.h>
#include <glusterfs/upcall-utils.h>
#include <glusterfs/common-utils.h>

#include "libextfuse.h"
#include "extfuse-probe.h"
#include "extfuse-mem-types.h"
#include "extfuse-messages.h"

#define EFX_SWEEP_SECONDS 1
#define EFX_MAX_LISTING 65536 /* longer listings are not mirrored */
#define NSEC_PER_SEC 1000000000ull

/* Upcall flags after which a cached name may no longer lead to the inode. */
#define EFX_UP_NAME_FLAGS                                                      \
	(UP_NLINK | UP_RENAME | UP_FORGET | UP_INVAL_ATTR | UP_EXPLICIT_LOOKUP)
/* Upcall flags after which the kernel's dentries of the inode are wrong. */
#define EFX_UP_ENTRY_FLAGS (UP_NLINK | UP_RENAME | UP_FORGET)

struct efx_name {
	struct list_head list;
	uint64_t parent;
	char name[];
};

/* Per inode record, in the inode context of this translator. */
struct efx_node {
	struct list_head release; /* on priv->releasing while queued */
	struct list_head plist; /* on priv->pinned while pinned */
	struct list_head names; /* entries published that answer this node */
	inode_t *inode; /* referenced only while pinned */
	uint64_t nodeid;
	unsigned int nnames;
	bool pinned;
	bool queued;
};

/* A READDIR(P) listing being collected on one fd. */
struct efx_listing {
	struct extfuse_stamp st;
	uint64_t next_off;
	size_t n, cap;
	struct extfuse_dirent *ents;
	bool valid;
};

struct efx_counters {
	gf_atomic_t attrs;
	gf_atomic_t entries;
	gf_atomic_t negatives;
	gf_atomic_t dirs;
	gf_atomic_t dirs_unordered;
	gf_atomic_t invalidations;
	gf_atomic_t upcalls;
	gf_atomic_t kernel_notified;
	gf_atomic_t pins;
	gf_atomic_t unpins;
	gf_atomic_t busy;
	gf_atomic_t refused;
	gf_atomic_t too_old; /* not published: fetched too long ago */
	gf_atomic_t errors;
};

struct efx_priv {
	pthread_mutex_t lock; /* nodes, names, release queue */
	pthread_cond_t cond;
	struct list_head releasing;
	struct list_head pinned;
	struct extfuse *ef; /* NULL: pass-through */
	pthread_t thread;
	bool thread_started;
	bool stop;
	char conn_id[16];
	bool attached;
	/* options */
	bool enable;
	bool negative;
	bool dirs;
	uint32_t max_entries;
	time_t timeout_cap;
	bool server_ci;
	time_t ci_timeout;
	time_t mdc_timeout;
	bool ino32;
	bool may_have_acl;
	bool warned_ci;
	uint64_t expiry_ns; /* derived: how long a published value lives */
	xlator_t *probe; /* extfuse-probe below; NULL: nothing is mirrored */
	struct efx_counters c;
};

/* What a fop hands to its callback. */
struct efx_local {
	struct extfuse_stamp st; /* of the node */
	struct extfuse_stamp pst; /* of the (old) parent */
	inode_t *inode;
	inode_t *parent;
	inode_t *parent2;
	char *name;
	char *name2;
	off_t offset;
	bool have_st;
	bool have_pst;
};

/*
 * The maps belong to the FUSE connection, not to one graph: after a graph
 * switch the new instance of this translator takes them over.  All
 * instances live in the same shared object, so this is process-wide.
 */
static struct {
	pthread_mutex_t lock;
	struct extfuse *ef;
	xlator_t *owner;
	char conn_id[16];
	bool attached;
	bool exiting; /* the process is in exit(): create nothing more */
	bool warned_no_module; /* one warning per process, not per graph */
} efx_conn = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- helpers --------------------------------------------------------- */

static inline struct efx_priv *efx_priv(xlator_t *this)
{
	return this->private;
}

static inline struct extfuse *efx_ef(struct efx_priv *priv)
{
	return __atomic_load_n(&priv->ef, __ATOMIC_ACQUIRE);
}

/* The handle to publish through, or NULL when nothing may be mirrored. */
static struct extfuse *efx_active(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);

	if (!priv || !priv->enable || priv->ino32 || !priv->probe)
		return NULL;
	if (__atomic_load_n(&efx_conn.owner, __ATOMIC_ACQUIRE) != this)
		return NULL;
	return efx_ef(priv);
}

static uint64_t efx_nodeid(inode_t *inode)
{
	if (!inode)
		return 0;
	if (__is_root_gfid(inode->gfid))
		return 1;
	return (uint64_t)(uintptr_t)inode;
}

/* Only inodes of this graph's table are FUSE nodeids of the bridge. */
static bool efx_inode_ok(xlator_t *this, inode_t *inode)
{
	xlator_t *top;

	if (!inode || !this->graph)
		return false;
	top = this->graph->top;
	return top && inode->table == top->itable;
}

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

/*
 * The expiry rule: a value lives at most the window (the smaller of the
 * servers' cache-invalidation-timeout and md-cache-timeout) counted from
 * the time the servers were asked for it, as the probe recorded it; md-cache
 * may hand out a value fetched long before.  asked_ns 0 (never, or unknown)
 * and a window already past both give 0: nothing is published.
 */
static uint64_t efx_expiry_from(xlator_t *this, uint64_t asked_ns)
{
	struct efx_priv *priv = efx_priv(this);
	uint64_t window = __atomic_load_n(&priv->expiry_ns, __ATOMIC_RELAXED);

	if (asked_ns && asked_ns + window > extfuse_now_ns())
		return asked_ns + window;
	GF_ATOMIC_INC(priv->c.too_old);
	return 0;
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

static void efx_count_ret(xlator_t *this, int ret, const char *what)
{
	struct efx_priv *priv = efx_priv(this);

	if (ret == -ESTALE) {
		GF_ATOMIC_INC(priv->c.refused);
	} else if (ret < 0) {
		GF_ATOMIC_INC(priv->c.errors);
		gf_msg_debug(this->name, -ret, "%s failed", what);
	}
}

static void efx_stamp(xlator_t *this, inode_t *inode, struct extfuse_stamp *st,
		      bool *ok)
{
	struct extfuse *ef = efx_active(this);

	*ok = false;
	if (!ef || !efx_inode_ok(this, inode))
		return;
	*ok = extfuse_stamp(ef, efx_nodeid(inode), st) == 0;
}

/* ---- per-inode records ----------------------------------------------- */

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
	node->inode = inode;
	node->nodeid = efx_nodeid(inode);
	v = (uint64_t)(uintptr_t)node;
	if (inode_ctx_set(inode, this, &v) != 0) {
		GF_FREE(node);
		return NULL;
	}
	return node;
}

/* Called with priv->lock held: queue a pinned node without names. */
static void efx_node_maybe_release(struct efx_priv *priv, struct efx_node *node)
{
	if (node->pinned && !node->nnames && !node->queued) {
		list_add_tail(&node->release, &priv->releasing);
		node->queued = true;
	}
}

/* Called with priv->lock held: delete one published name. */
static void efx_name_drop(struct extfuse *ef, struct efx_priv *priv,
			  struct efx_node *node, struct efx_name *nm)
{
	int ret = 0;

	if (ef)
		ret = extfuse_invalidate_entry(ef, nm->parent, nm->name);
	if (ret < 0)
		GF_ATOMIC_INC(priv->c.errors);
	else
		GF_ATOMIC_INC(priv->c.invalidations);
	list_del(&nm->list);
	node->nnames--;
	GF_FREE(nm);
}

/* Called with priv->lock held: delete every name published for node. */
static void efx_names_drop_all(struct extfuse *ef, struct efx_priv *priv,
			       struct efx_node *node)
{
	struct efx_name *nm, *tmp;

	list_for_each_entry_safe (nm, tmp, &node->names, list)
		efx_name_drop(ef, priv, node, nm);
	efx_node_maybe_release(priv, node);
}

/* Delete (parent, name) if it was published for inode. */
static void efx_name_forget(xlator_t *this, inode_t *inode, uint64_t parent,
			    const char *name)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_ef(priv);
	struct efx_node *node;
	struct efx_name *nm, *tmp;

	if (!ef || !name)
		return;
	/* The map may hold the name for another inode, or a negative. */
	efx_count_ret(this, extfuse_invalidate_entry(ef, parent, name),
		      "invalidate entry");
	if (!inode)
		return;
	pthread_mutex_lock(&priv->lock);
	node = efx_node_get(this, inode, false);
	if (node) {
		list_for_each_entry_safe (nm, tmp, &node->names, list)
			if (nm->parent == parent && !strcmp(nm->name, name))
				efx_name_drop(NULL, priv, node, nm);
		efx_node_maybe_release(priv, node);
	}
	pthread_mutex_unlock(&priv->lock);
}

static void efx_node_invalidate(xlator_t *this, inode_t *inode)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_ef(priv);
	int ret;

	if (!ef || !inode || !efx_inode_ok(this, inode))
		return;
	ret = extfuse_invalidate_node(ef, efx_nodeid(inode));
	if (ret < 0)
		GF_ATOMIC_INC(priv->c.errors);
	else
		GF_ATOMIC_INC(priv->c.invalidations);
}

/* ---- publishing ------------------------------------------------------ */

static void efx_publish_attr(xlator_t *this, inode_t *inode, struct iatt *buf,
			     const struct extfuse_stamp *st)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_active(this);
	struct fuse_attr fa;
	struct efx_node *node;
	uint64_t expiry;
	int ret;

	if (!ef || !efx_inode_ok(this, inode))
		return;
	if (!efx_iatt_ok(buf, inode)) {
		/* The change happened but its result is unknown. */
		efx_node_invalidate(this, inode);
		return;
	}
	/* The context makes forget tell us before the address is reused. */
	pthread_mutex_lock(&priv->lock);
	node = efx_node_get(this, inode, true);
	pthread_mutex_unlock(&priv->lock);
	if (!node) {
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

/* Pin inode and record (parent, name) before the entry can be served. */
static int efx_pin_name(xlator_t *this, inode_t *inode, uint64_t parent,
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

/* ---- frame locals ---------------------------------------------------- */

static struct efx_local *efx_local_new(call_frame_t *frame)
{
	struct efx_local *local;

	local = GF_CALLOC(1, sizeof(*local), gf_extfuse_mt_local);
	frame->local = local;
	return local;
}

static void efx_local_free(struct efx_local *local)
{
	if (!local)
		return;
	if (local->inode)
		inode_unref(local->inode);
	if (local->parent)
		inode_unref(local->parent);
	if (local->parent2)
		inode_unref(local->parent2);
	GF_FREE(local->name);
	GF_FREE(local->name2);
	GF_FREE(local);
}

/* Take the local off the frame: STACK_DESTROY would mem_put() it. */
static struct efx_local *efx_local_take(call_frame_t *frame)
{
	struct efx_local *local = frame->local;

	frame->local = NULL;
	return local;
}

/* Read the stamps a callback will publish with (before winding). */
static struct efx_local *efx_prepare(call_frame_t *frame, xlator_t *this,
				     inode_t *inode, inode_t *parent,
				     const char *name)
{
	struct efx_local *local;

	if (!efx_active(this))
		return NULL;
	local = efx_local_new(frame);
	if (!local)
		return NULL;
	if (inode) {
		local->inode = inode_ref(inode);
		efx_stamp(this, inode, &local->st, &local->have_st);
	}
	if (parent) {
		local->parent = inode_ref(parent);
		efx_stamp(this, parent, &local->pst, &local->have_pst);
	}
	if (name)
		local->name = gf_strdup(name);
	return local;
}

#define EFX_UNWIND(fop, frame, local, params...)                               \
	do {                                                                   \
		efx_local_take(frame);                                         \
		STACK_UNWIND_STRICT(fop, frame, params);                       \
		efx_local_free(local);                                         \
	} while (0)

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

static int32_t efx_lookup(call_frame_t *frame, xlator_t *this, loc_t *loc,
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

static int32_t efx_stat(call_frame_t *frame, xlator_t *this, loc_t *loc,
			dict_t *xdata)
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

static int32_t efx_fstat(call_frame_t *frame, xlator_t *this, fd_t *fd,
			 dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_fstat_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->fstat, fd, xdata);
	return 0;
}

static int32_t efx_setattr_cbk(call_frame_t *frame, void *cookie,
			       xlator_t *this, int32_t op_ret, int32_t op_errno,
			       struct iatt *pre, struct iatt *post,
			       dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_node_reply(this, local, op_ret, post);
	EFX_UNWIND(setattr, frame, local, op_ret, op_errno, pre, post, xdata);
	return 0;
}

static int32_t efx_setattr(call_frame_t *frame, xlator_t *this, loc_t *loc,
			   struct iatt *stbuf, int32_t valid, dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, NULL, NULL);
	STACK_WIND(frame, efx_setattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->setattr, loc, stbuf, valid, xdata);
	return 0;
}

static int32_t efx_fsetattr_cbk(call_frame_t *frame, void *cookie,
				xlator_t *this, int32_t op_ret,
				int32_t op_errno, struct iatt *pre,
				struct iatt *post, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_node_reply(this, local, op_ret, post);
	EFX_UNWIND(fsetattr, frame, local, op_ret, op_errno, pre, post, xdata);
	return 0;
}

static int32_t efx_fsetattr(call_frame_t *frame, xlator_t *this, fd_t *fd,
			    struct iatt *stbuf, int32_t valid, dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_fsetattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->fsetattr, fd, stbuf, valid, xdata);
	return 0;
}

static int32_t efx_writev_cbk(call_frame_t *frame, void *cookie, xlator_t *this,
			      int32_t op_ret, int32_t op_errno,
			      struct iatt *pre, struct iatt *post,
			      dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_node_reply(this, local, op_ret, post);
	EFX_UNWIND(writev, frame, local, op_ret, op_errno, pre, post, xdata);
	return 0;
}

static int32_t efx_writev(call_frame_t *frame, xlator_t *this, fd_t *fd,
			  struct iovec *vector, int32_t count, off_t off,
			  uint32_t flags, struct iobref *iobref, dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_writev_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->writev, fd, vector, count, off,
		   flags, iobref, xdata);
	return 0;
}

static int32_t efx_truncate_cbk(call_frame_t *frame, void *cookie,
				xlator_t *this, int32_t op_ret,
				int32_t op_errno, struct iatt *pre,
				struct iatt *post, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_node_reply(this, local, op_ret, post);
	EFX_UNWIND(truncate, frame, local, op_ret, op_errno, pre, post, xdata);
	return 0;
}

static int32_t efx_truncate(call_frame_t *frame, xlator_t *this, loc_t *loc,
			    off_t offset, dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, NULL, NULL);
	STACK_WIND(frame, efx_truncate_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->truncate, loc, offset, xdata);
	return 0;
}

static int32_t efx_ftruncate_cbk(call_frame_t *frame, void *cookie,
				 xlator_t *this, int32_t op_ret,
				 int32_t op_errno, struct iatt *pre,
				 struct iatt *post, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_node_reply(this, local, op_ret, post);
	EFX_UNWIND(ftruncate, frame, local, op_ret, op_errno, pre, post, xdata);
	return 0;
}

static int32_t efx_ftruncate(call_frame_t *frame, xlator_t *this, fd_t *fd,
			     off_t offset, dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_ftruncate_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->ftruncate, fd, offset, xdata);
	return 0;
}

static int32_t efx_fallocate_cbk(call_frame_t *frame, void *cookie,
				 xlator_t *this, int32_t op_ret,
				 int32_t op_errno, struct iatt *pre,
				 struct iatt *post, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_node_reply(this, local, op_ret, post);
	EFX_UNWIND(fallocate, frame, local, op_ret, op_errno, pre, post, xdata);
	return 0;
}

static int32_t efx_fallocate(call_frame_t *frame, xlator_t *this, fd_t *fd,
			     int32_t keep_size, off_t offset, size_t len,
			     dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_fallocate_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->fallocate, fd, keep_size, offset,
		   len, xdata);
	return 0;
}

static int32_t efx_discard_cbk(call_frame_t *frame, void *cookie,
			       xlator_t *this, int32_t op_ret, int32_t op_errno,
			       struct iatt *pre, struct iatt *post,
			       dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_node_reply(this, local, op_ret, post);
	EFX_UNWIND(discard, frame, local, op_ret, op_errno, pre, post, xdata);
	return 0;
}

static int32_t efx_discard(call_frame_t *frame, xlator_t *this, fd_t *fd,
			   off_t offset, size_t len, dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_discard_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->discard, fd, offset, len, xdata);
	return 0;
}

static int32_t efx_zerofill_cbk(call_frame_t *frame, void *cookie,
				xlator_t *this, int32_t op_ret,
				int32_t op_errno, struct iatt *pre,
				struct iatt *post, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_node_reply(this, local, op_ret, post);
	EFX_UNWIND(zerofill, frame, local, op_ret, op_errno, pre, post, xdata);
	return 0;
}

static int32_t efx_zerofill(call_frame_t *frame, xlator_t *this, fd_t *fd,
			    off_t offset, off_t len, dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_zerofill_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->zerofill, fd, offset, len, xdata);
	return 0;
}

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

static int32_t efx_readv(call_frame_t *frame, xlator_t *this, fd_t *fd,
			 size_t size, off_t offset, uint32_t flags,
			 dict_t *xdata)
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

static int32_t efx_open(call_frame_t *frame, xlator_t *this, loc_t *loc,
			int32_t flags, fd_t *fd, dict_t *xdata)
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
static int32_t efx_xattr_cbk(call_frame_t *frame, void *cookie,
			     xlator_t *this, int32_t op_ret, int32_t op_errno,
			     dict_t *xdata)
{
	struct efx_local *local = frame->local;

	if (local)
		efx_node_invalidate(this, local->inode);
	EFX_UNWIND(setxattr, frame, local, op_ret, op_errno, xdata);
	return 0;
}

static int32_t efx_setxattr(call_frame_t *frame, xlator_t *this, loc_t *loc,
			    dict_t *dict, int32_t flags, dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, NULL, NULL);
	STACK_WIND(frame, efx_xattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->setxattr, loc, dict, flags, xdata);
	return 0;
}

static int32_t efx_fsetxattr(call_frame_t *frame, xlator_t *this, fd_t *fd,
			     dict_t *dict, int32_t flags, dict_t *xdata)
{
	efx_prepare(frame, this, fd->inode, NULL, NULL);
	STACK_WIND(frame, efx_xattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->fsetxattr, fd, dict, flags, xdata);
	return 0;
}

static int32_t efx_removexattr(call_frame_t *frame, xlator_t *this, loc_t *loc,
			       const char *name, dict_t *xdata)
{
	efx_prepare(frame, this, loc->inode, NULL, NULL);
	STACK_WIND(frame, efx_xattr_cbk, FIRST_CHILD(this),
		   FIRST_CHILD(this)->fops->removexattr, loc, name, xdata);
	return 0;
}

static int32_t efx_fremovexattr(call_frame_t *frame, xlator_t *this, fd_t *fd,
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

static int32_t efx_create(call_frame_t *frame, xlator_t *this, loc_t *loc,
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

static int32_t efx_mkdir(call_frame_t *frame, xlator_t *this, loc_t *loc,
			 mode_t mode, mode_t umask, dict_t *xdata)
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

static int32_t efx_mknod(call_frame_t *frame, xlator_t *this, loc_t *loc,
			 mode_t mode, dev_t rdev, mode_t umask, dict_t *xdata)
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

static int32_t efx_symlink(call_frame_t *frame, xlator_t *this,
			   const char *linkpath, loc_t *loc, mode_t umask,
			   dict_t *xdata)
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

static int32_t efx_link(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
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

static int32_t efx_unlink(call_frame_t *frame, xlator_t *this, loc_t *loc,
			  int xflag, dict_t *xdata)
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

static int32_t efx_rmdir(call_frame_t *frame, xlator_t *this, loc_t *loc,
			 int flags, dict_t *xdata)
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

static int32_t efx_rename(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
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

/* ---- directory listings ---------------------------------------------- */

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
	struct efx_listing *l;
	uint64_t started, expiry;
	int ret;

	if (!ef || !priv->dirs || !local || !fd ||
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
		/* As old as its first request to the servers. */
		expiry = efx_expiry_from(this, started);
		if (expiry) {
			ret = extfuse_publish_dir(ef, efx_nodeid(fd->inode),
						  l->ents, l->n, expiry,
						  &l->st);
			if (ret == 0)
				GF_ATOMIC_INC(priv->c.dirs);
			else
				efx_count_ret(this, ret, "publish listing");
		}
		efx_listing_reset(l);
	}
	UNLOCK(&fd->lock);
}

static int32_t efx_readdirp_cbk(call_frame_t *frame, void *cookie,
				xlator_t *this, int32_t op_ret,
				int32_t op_errno, gf_dirent_t *entries,
				dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_listing_reply(this, local, cookie, op_ret, entries);
	EFX_UNWIND(readdirp, frame, local, op_ret, op_errno, entries, xdata);
	return 0;
}

static int32_t efx_readdirp(call_frame_t *frame, xlator_t *this, fd_t *fd,
			    size_t size, off_t off, dict_t *xdata)
{
	struct efx_local *local;

	local = efx_prepare(frame, this, off == 0 ? fd->inode : NULL, NULL,
			    NULL);
	if (local)
		local->offset = off;
	STACK_WIND_COOKIE(frame, efx_readdirp_cbk, fd, FIRST_CHILD(this),
			  FIRST_CHILD(this)->fops->readdirp, fd, size, off,
			  xdata);
	return 0;
}

static int32_t efx_readdir_cbk(call_frame_t *frame, void *cookie,
			       xlator_t *this, int32_t op_ret, int32_t op_errno,
			       gf_dirent_t *entries, dict_t *xdata)
{
	struct efx_local *local = frame->local;

	efx_listing_reply(this, local, cookie, op_ret, entries);
	EFX_UNWIND(readdir, frame, local, op_ret, op_errno, entries, xdata);
	return 0;
}

static int32_t efx_readdir(call_frame_t *frame, xlator_t *this, fd_t *fd,
			   size_t size, off_t off, dict_t *xdata)
{
	struct efx_local *local;

	local = efx_prepare(frame, this, off == 0 ? fd->inode : NULL, NULL,
			    NULL);
	if (local)
		local->offset = off;
	STACK_WIND_COOKIE(frame, efx_readdir_cbk, fd, FIRST_CHILD(this),
			  FIRST_CHILD(this)->fops->readdir, fd, size, off,
			  xdata);
	return 0;
}

static int32_t efx_releasedir(xlator_t *this, fd_t *fd)
{
	uint64_t v = 0;

	if (fd_ctx_del(fd, this, &v) == 0 && v)
		efx_listing_free((struct efx_listing *)(uintptr_t)v);
	return 0;
}

/* ---- inode callbacks ------------------------------------------------- */

/* The inode is being destroyed: its address may be reused next. */
static int32_t efx_forget(xlator_t *this, inode_t *inode)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef;
	struct efx_node *node;
	uint64_t v = 0;

	if (inode_ctx_del(inode, this, &v) != 0 || !v)
		return 0;
	node = (struct efx_node *)(uintptr_t)v;
	if (!priv) {
		GF_FREE(node);
		return 0;
	}
	ef = efx_ef(priv);
	pthread_mutex_lock(&priv->lock);
	efx_names_drop_all(ef, priv, node);
	if (node->queued)
		list_del_init(&node->release);
	list_del_init(&node->plist);
	pthread_mutex_unlock(&priv->lock);
	if (ef)
		efx_count_ret(this, extfuse_invalidate_node(ef, node->nodeid),
			      "invalidate node");
	GF_FREE(node);
	return 0;
}

/* inode_invalidate(): the node's data or attributes changed. */
static int32_t efx_invalidate(xlator_t *this, inode_t *inode)
{
	if (this->private)
		efx_node_invalidate(this, inode);
	return 0;
}

/* ---- upcalls --------------------------------------------------------- */

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

static void efx_upcall(xlator_t *this, struct gf_upcall *up)
{
	struct efx_priv *priv = efx_priv(this);
	struct gf_upcall_cache_invalidation *ci = up->data;
	struct extfuse *ef = efx_ef(priv);
	inode_table_t *itable;
	struct efx_node *node;
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
		if (ci->flags & EFX_UP_NAME_FLAGS) {
			pthread_mutex_lock(&priv->lock);
			node = efx_node_get(this, inode, false);
			if (node)
				efx_names_drop_all(ef, priv, node);
			pthread_mutex_unlock(&priv->lock);
		}
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
	if (ci->flags & ~UP_ATIME)
		efx_kernel_inval_inode(inode);
	inode_unref(inode);
}

/* ---- connection, maps and the sweeper -------------------------------- */

static void efx_log_cb(enum extfuse_log_level level, const char *msg, void *arg)
{
	const char *name = arg;

	switch (level) {
	case EXTFUSE_LOG_ERROR:
		gf_msg(name, GF_LOG_ERROR, 0, EXTFUSE_MSG_LIBEXTFUSE, "%s",
		       msg);
		break;
	case EXTFUSE_LOG_WARN:
		gf_msg(name, GF_LOG_WARNING, 0, EXTFUSE_MSG_LIBEXTFUSE, "%s",
		       msg);
		break;
	default:
		gf_msg_debug(name, 0, "%s", msg);
		break;
	}
}

/* mountinfo escapes blanks and backslashes as \ooo. */
static void efx_unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] &&
		    s[3]) {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/*
 * The FUSE connection id of the mount (minor of its st_dev), read from
 * mountinfo: stat() of the mount point would be a FUSE request to this
 * very process.  Returns -ENOENT while the mount is not there.
 */
static int efx_mount_conn(const char *mnt, unsigned int *conn)
{
	char line[4096], point[PATH_MAX], fstype[256];
	unsigned int maj, min;
	int ret = -ENOENT;
	char *dash;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min,
			   point) != 3)
			continue;
		dash = strstr(line, " - ");
		if (!dash || sscanf(dash + 3, "%255s", fstype) != 1)
			continue;
		efx_unescape(point);
		if (strcmp(point, mnt) || strncmp(fstype, "fuse", 4))
			continue;
		*conn = min; /* the last match is the top mount */
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* A FUSE timeout of the command line; negative: the bridge's 1 s. */
static uint64_t efx_fuse_timeout_ns(double secs)
{
	if (secs < 0)
		secs = 1.0;
	return (uint64_t)(secs * 1e9);
}

static void efx_apply_config(xlator_t *this, struct extfuse *ef)
{
	struct efx_priv *priv = efx_priv(this);
	cmd_args_t *args = &this->ctx->cmd_args;
	struct extfuse_config cfg;
	int ret;

	ret = extfuse_get_config(ef, &cfg);
	if (ret < 0)
		goto err;
	cfg.flags = 0;
	if (priv->enable && !priv->ino32)
		cfg.flags |= EXTFUSE_CFG_ENABLED;
	if (priv->negative)
		cfg.flags |= EXTFUSE_CFG_NEGATIVE;
	if (priv->dirs)
		cfg.flags |= EXTFUSE_CFG_DIRS;
	/* The kernel caches what it is told exactly as long as for the
	 * bridge's own replies. */
	cfg.entry_timeout_ns = efx_fuse_timeout_ns(args->fuse_entry_timeout);
	cfg.attr_timeout_ns = efx_fuse_timeout_ns(args->fuse_attribute_timeout);
	ret = extfuse_set_config(ef, &cfg);
	if (ret == 0)
		return;
err:
	gf_msg(this->name, GF_LOG_ERROR, -ret, EXTFUSE_MSG_CONFIG,
	       "cannot configure the extension");
}

/* The maps were flushed under a graph: let its sweeper unpin all. */
static void efx_disown(xlator_t *old)
{
	struct efx_priv *op = old->private;
	struct efx_node *node;

	pthread_mutex_lock(&op->lock);
	list_for_each_entry (node, &op->pinned, plist)
		efx_names_drop_all(NULL, op, node);
	pthread_mutex_unlock(&op->lock);
}

static int efx_open_maps(xlator_t *this, unsigned int conn)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse_opts opts = {.sz = sizeof(opts)};
	struct extfuse *ef = NULL;
	xlator_t *old = NULL;
	char id[16];
	int ret = 0;

	snprintf(id, sizeof(id), "%u", conn);
	opts.max_entries = priv->max_entries;
	pthread_mutex_lock(&efx_conn.lock);
	if (__atomic_load_n(&efx_conn.exiting, __ATOMIC_SEQ_CST)) {
		pthread_mutex_unlock(&efx_conn.lock);
		return -ESHUTDOWN;
	}
	if (efx_conn.ef && !strcmp(efx_conn.conn_id, id)) {
		/* A graph switch: what the old graph published is gone. */
		ef = efx_conn.ef;
		old = efx_conn.owner;
		extfuse_flush(ef);
		gf_msg(this->name, GF_LOG_INFO, 0, EXTFUSE_MSG_GRAPH_SWITCH,
		       "taking over the maps of connection %s", id);
	} else {
		ret = extfuse_create(id, &opts, &ef);
		if (ret == -EEXIST) {
			/* Left over by a client of an earlier mount. */
			extfuse_remove(id, NULL);
			ret = extfuse_create(id, &opts, &ef);
		}
		if (ret == 0 &&
		    __atomic_load_n(&efx_conn.exiting, __ATOMIC_SEQ_CST)) {
			/* exit() began while the pins were being made. */
			extfuse_remove(id, NULL);
			pthread_mutex_unlock(&efx_conn.lock);
			return -ESHUTDOWN;
		}
		if (ret < 0) {
			pthread_mutex_unlock(&efx_conn.lock);
			gf_msg(this->name, GF_LOG_WARNING, -ret,
			       EXTFUSE_MSG_MAPS_FAILED,
			       "cannot create the maps of connection %s: "
			       "pass-through only",
			       id);
			return ret;
		}
		efx_conn.ef = ef;
		snprintf(efx_conn.conn_id, sizeof(efx_conn.conn_id), "%s", id);
		gf_msg(this->name, GF_LOG_INFO, 0, EXTFUSE_MSG_MAPS_CREATED,
		       "maps of connection %s pinned under %s/%s", id,
		       EXTFUSE_PIN_ROOT, id);
	}
	snprintf(priv->conn_id, sizeof(priv->conn_id), "%s", id);
	efx_apply_config(this, ef);
	__atomic_store_n(&priv->ef, ef, __ATOMIC_RELEASE);
	__atomic_store_n(&efx_conn.owner, this, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&efx_conn.lock);
	if (old && old != this && old->private)
		efx_disown(old);
	return 0;
}

static void efx_attach(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	const char *mnt = this->ctx->cmd_args.mount_point;
	__u32 conn = 0;
	int fd, ret;

	if (!extfuse_module_loaded()) {
		if (!__atomic_exchange_n(&efx_conn.warned_no_module, true,
					 __ATOMIC_RELAXED))
			gf_msg(this->name, GF_LOG_WARNING, 0,
			       EXTFUSE_MSG_NO_MODULE,
			       "the extfuse kernel module is not loaded: the "
			       "maps are kept up to date, but every request "
			       "still reaches this client");
		return;
	}
	pthread_mutex_lock(&efx_conn.lock);
	if (efx_conn.attached) {
		pthread_mutex_unlock(&efx_conn.lock);
		return;
	}
	/* Opening the mount is served by the bridge: never from init. */
	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		ret = extfuse_attach(efx_ef(priv), fd, &conn);
		close(fd); /* an open fd would make umount fail */
	}
	efx_conn.attached = ret == 0;
	pthread_mutex_unlock(&efx_conn.lock);
	if (ret == 0)
		gf_msg(this->name, GF_LOG_INFO, 0, EXTFUSE_MSG_ATTACHED,
		       "extension attached to FUSE connection %u", conn);
	else
		gf_msg(this->name, GF_LOG_WARNING, -ret,
		       EXTFUSE_MSG_ATTACH_FAILED,
		       "cannot attach the extension: every request still "
		       "reaches this client");
}

/* Detach the extension from the mount (the module must be loaded). */
static void efx_detach(xlator_t *this)
{
	const char *mnt = this->ctx->cmd_args.mount_point;
	int fd;

	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	extfuse_detach(fd);
	close(fd);
}

/* Remove the pins of the connection (disabled, unmount, exit). */
static bool efx_conn_remove(xlator_t *this)
{
	pthread_mutex_lock(&efx_conn.lock);
	/* A newer graph's instance may have taken the maps over meanwhile. */
	if (efx_conn.owner != this) {
		pthread_mutex_unlock(&efx_conn.lock);
		return false;
	}
	if (efx_conn.attached)
		efx_detach(this);
	efx_conn.attached = false;
	if (efx_conn.ef) {
		/*
		 * Not closed: instances of older graphs may still sweep
		 * their pins through it, and closed fds get reused.  Its
		 * maps die with the last fd; a handle is left per cycle.
		 */
		efx_conn.ef = NULL;
		extfuse_remove(efx_conn.conn_id, NULL);
		gf_msg(this->name, GF_LOG_INFO, 0, EXTFUSE_MSG_REMOVED,
		       "maps of connection %s removed", efx_conn.conn_id);
		efx_conn.conn_id[0] = '\0';
	}
	__atomic_store_n(&efx_conn.owner, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&efx_conn.lock);
	return true;
}

static void efx_sweep(xlator_t *this);

/*
 * A graph newer than ours is active.  init() runs before the graph it
 * belongs to becomes ctx->active (and after a switch the mount exists
 * already), so "not the active graph" alone also describes a graph still
 * being built, which must not remove the maps it just took over.  Graph
 * ids only grow.
 */
static bool efx_superseded(xlator_t *this)
{
	glusterfs_graph_t *active = __atomic_load_n(&this->ctx->active,
						    __ATOMIC_ACQUIRE);

	return active && this->graph && active->id > this->graph->id;
}

/*
 * A newer graph is active and no instance of it took the maps over
 * (extfuse was turned off): delete every entry, unpin
 * what the kernel does not hold, and remove the maps.  A node the kernel
 * still holds through kernel-served lookups stays pinned for the life of
 * the process: freeing it would let a later request name a freed inode.
 */
static void efx_retire(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_ef(priv);
	struct efx_node *node;
	unsigned int kept = 0;

	if (__atomic_load_n(&efx_conn.owner, __ATOMIC_ACQUIRE) != this ||
	    !efx_superseded(this))
		return;
	pthread_mutex_lock(&priv->lock);
	list_for_each_entry (node, &priv->pinned, plist)
		efx_names_drop_all(ef, priv, node);
	pthread_mutex_unlock(&priv->lock);
	efx_sweep(this);
	pthread_mutex_lock(&priv->lock);
	list_for_each_entry (node, &priv->pinned, plist)
		kept++;
	pthread_mutex_unlock(&priv->lock);
	if (kept)
		gf_msg(this->name, GF_LOG_WARNING, 0,
		       EXTFUSE_MSG_RELEASE_FAILED,
		       "%u nodes are still held by the kernel and stay "
		       "referenced",
		       kept);
	/* Whether removed here or taken over, the handle is not ours. */
	efx_conn_remove(this);
	__atomic_store_n(&priv->ef, NULL, __ATOMIC_RELEASE);
}

/* Unpin nodes whose names are gone once the kernel cannot hold them. */
static void efx_sweep(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_ef(priv);
	struct efx_node *node, *tmp;
	uint64_t *ids = NULL;
	size_t n = 0, i;
	inode_t *inode;
	int ret;

	if (!ef)
		return;
	pthread_mutex_lock(&priv->lock);
	list_for_each_entry (node, &priv->releasing, release)
		n++;
	if (n)
		ids = GF_MALLOC(n * sizeof(*ids), gf_common_mt_char);
	n = 0;
	if (ids)
		list_for_each_entry (node, &priv->releasing, release)
			ids[n++] = node->nodeid;
	pthread_mutex_unlock(&priv->lock);
	if (!n)
		goto out;
	/* A grace period: no extension run still holds an entry we deleted.
	 * Unattached, no extension runs and nothing was served. */
	ret = efx_conn.attached ? extfuse_sync() : 0;
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
		list_for_each_entry_safe (node, tmp, &priv->releasing,
					  release) {
			if (node->nodeid != ids[i] || node->nnames)
				continue;
			list_del_init(&node->release);
			node->queued = false;
			node->pinned = false;
			list_del_init(&node->plist);
			inode = node->inode;
			break;
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

static void *efx_thread(void *arg)
{
	xlator_t *this = arg;
	struct efx_priv *priv = efx_priv(this);
	const char *mnt = this->ctx->cmd_args.mount_point;
	unsigned int conn = 0;
	bool started = false;
	struct timespec ts;

	THIS = this;
	pthread_mutex_lock(&priv->lock);
	while (!priv->stop) {
		pthread_mutex_unlock(&priv->lock);
		if (!started && mnt && efx_mount_conn(mnt, &conn) == 0) {
			started = true;
			if (efx_open_maps(this, conn) == 0)
				efx_attach(this);
		}
		if (started) {
			efx_sweep(this);
			efx_retire(this);
		}
		pthread_mutex_lock(&priv->lock);
		if (priv->stop)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		if (started) {
			ts.tv_sec += EFX_SWEEP_SECONDS;
		} else {
			ts.tv_nsec += 100 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
		}
		pthread_cond_timedwait(&priv->cond, &priv->lock, &ts);
	}
	pthread_mutex_unlock(&priv->lock);
	return NULL;
}

/*
 * glusterfs leaves through exit() on unmount, without fini, while the
 * threads of every graph still run: one of them may be creating the pins
 * right now (the directory appears before the maps are complete), for a
 * graph that never became active.  Stop new creations, then wait for the
 * one in progress, which holds the lock, so that whatever it pinned is
 * removed here or by itself.  The wait is bounded: exit must not hang on
 * a thread stuck in a FUSE request.
 */
static void __attribute__((destructor)) efx_at_exit(void)
{
	struct timespec ts;
	bool locked;

	__atomic_store_n(&efx_conn.exiting, true, __ATOMIC_SEQ_CST);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	locked = pthread_mutex_timedlock(&efx_conn.lock, &ts) == 0;
	if (efx_conn.ef && efx_conn.conn_id[0])
		extfuse_remove(efx_conn.conn_id, NULL);
	efx_conn.ef = NULL;
	if (locked)
		pthread_mutex_unlock(&efx_conn.lock);
}

/* ---- options --------------------------------------------------------- */

/* How long a published value lives (see extfuse_abi.h, Expiry). */
static void efx_update_expiry(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	time_t secs = priv->mdc_timeout;

	if (priv->server_ci) {
		if (priv->ci_timeout < secs)
			secs = priv->ci_timeout;
	} else if (!priv->warned_ci) {
		priv->warned_ci = true;
		gf_msg(this->name, GF_LOG_WARNING, 0,
		       EXTFUSE_MSG_NO_INVALIDATION,
		       "features.cache-invalidation is off: changes made by "
		       "other clients are not reported, so mirrored values "
		       "live at most performance.md-cache-timeout (%ld s)",
		       (long)priv->mdc_timeout);
	}
	if (priv->timeout_cap < secs)
		secs = priv->timeout_cap;
	if (secs < 0)
		secs = 0;
	__atomic_store_n(&priv->expiry_ns, (uint64_t)secs * NSEC_PER_SEC,
			 __ATOMIC_RELAXED);
	gf_msg_debug(this->name, 0, "published values live %ld s", (long)secs);
}

static void efx_reconfigured(xlator_t *this, bool flush)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = NULL;

	efx_update_expiry(this);
	/* Also when disabled: the extension must learn that too. */
	if (__atomic_load_n(&efx_conn.owner, __ATOMIC_ACQUIRE) == this)
		ef = efx_ef(priv);
	if (!ef)
		return;
	efx_apply_config(this, ef);
	if (flush)
		efx_count_ret(this, extfuse_flush(ef), "flush");
}

static int32_t efx_reconfigure(xlator_t *this, dict_t *options)
{
	struct efx_priv *priv = efx_priv(this);
	bool enable = priv->enable, negative = priv->negative;
	bool dirs = priv->dirs;
	time_t old_cap = priv->timeout_cap;
	time_t old_ci = priv->ci_timeout, old_mdc = priv->mdc_timeout;
	bool old_sci = priv->server_ci;

	GF_OPTION_RECONF("enable", priv->enable, options, bool, err);
	GF_OPTION_RECONF("negative-cache", priv->negative, options, bool, err);
	GF_OPTION_RECONF("dir-cache", priv->dirs, options, bool, err);
	GF_OPTION_RECONF("max-entries", priv->max_entries, options, uint32,
			 err);
	GF_OPTION_RECONF("timeout-cap", priv->timeout_cap, options, time, err);
	GF_OPTION_RECONF("cache-invalidation", priv->server_ci, options, bool,
			 err);
	GF_OPTION_RECONF("cache-invalidation-timeout", priv->ci_timeout,
			 options, time, err);
	GF_OPTION_RECONF("md-cache-timeout", priv->mdc_timeout, options, time,
			 err);
	if (priv->server_ci != old_sci)
		priv->warned_ci = false;
	/* Anything that shortens what may be served drops what is there. */
	efx_reconfigured(this, (enable && !priv->enable) ||
				       (negative && !priv->negative) ||
				       (dirs && !priv->dirs) ||
				       priv->timeout_cap < old_cap ||
				       priv->ci_timeout < old_ci ||
				       priv->mdc_timeout < old_mdc ||
				       (old_sci && !priv->server_ci));
	return 0;
err:
	return -1;
}

/* The bridge squashes inode numbers with enable-ino32: not mirrored. */
static void efx_check_ino32(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);

	priv->ino32 = this->ctx->cmd_args.enable_ino32 != 0;
	if (priv->ino32)
		gf_msg(this->name, GF_LOG_WARNING, 0, EXTFUSE_MSG_INO32,
		       "the mount uses enable-ino32: nothing is mirrored");
	priv->may_have_acl = this->ctx->cmd_args.acl != 0;
}

/* The probe the volfile filter puts above the cluster translator. */
static xlator_t *efx_find_probe(xlator_t *this)
{
	xlator_t *xl;

	for (xl = FIRST_CHILD(this); xl && xl->children; xl = FIRST_CHILD(xl))
		if (xl->type && !strcmp(xl->type, EXTFUSE_PROBE_TYPE))
			return xl;
	return NULL;
}

static int32_t efx_init(xlator_t *this)
{
	struct efx_priv *priv;
	int ret;

	if (!this->children || this->children->next) {
		gf_msg(this->name, GF_LOG_ERROR, 0, EXTFUSE_MSG_INIT_FAILED,
		       "performance/extfuse needs exactly one child");
		return -1;
	}
	priv = GF_CALLOC(1, sizeof(*priv), gf_extfuse_mt_priv);
	if (!priv)
		return -1;
	pthread_mutex_init(&priv->lock, NULL);
	pthread_cond_init(&priv->cond, NULL);
	INIT_LIST_HEAD(&priv->releasing);
	INIT_LIST_HEAD(&priv->pinned);
	GF_OPTION_INIT("enable", priv->enable, bool, err);
	GF_OPTION_INIT("negative-cache", priv->negative, bool, err);
	GF_OPTION_INIT("dir-cache", priv->dirs, bool, err);
	GF_OPTION_INIT("max-entries", priv->max_entries, uint32, err);
	GF_OPTION_INIT("timeout-cap", priv->timeout_cap, time, err);
	GF_OPTION_INIT("cache-invalidation", priv->server_ci, bool, err);
	GF_OPTION_INIT("cache-invalidation-timeout", priv->ci_timeout, time,
		       err);
	GF_OPTION_INIT("md-cache-timeout", priv->mdc_timeout, time, err);
	this->private = priv;
	priv->probe = efx_find_probe(this);
	if (!priv->probe)
		gf_msg(this->name, GF_LOG_ERROR, 0, EXTFUSE_MSG_NO_PROBE,
		       "no " EXTFUSE_PROBE_TYPE " below: without it the age of "
		       "what md-cache answers is unknown, so nothing is "
		       "mirrored (the volfile filter inserts both)");
	efx_check_ino32(this);
	efx_update_expiry(this);
	/* Process-wide, and may outlive this instance: no pointer into it. */
	extfuse_set_log(efx_log_cb, (void *)"extfuse");

	/* Only a FUSE client has a mount to accelerate. */
	if (!this->ctx->cmd_args.mount_point)
		return 0;
	ret = gf_thread_create(&priv->thread, NULL, efx_thread, this,
			       "extfuse");
	if (ret) {
		gf_msg(this->name, GF_LOG_WARNING, ret, EXTFUSE_MSG_INIT_FAILED,
		       "cannot start the extfuse thread: pass-through only");
		return 0;
	}
	priv->thread_started = true;
	return 0;
err:
	pthread_mutex_destroy(&priv->lock);
	pthread_cond_destroy(&priv->cond);
	GF_FREE(priv);
	this->private = NULL;
	return -1;
}

static void efx_fini(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);

	if (!priv)
		return;
	pthread_mutex_lock(&priv->lock);
	priv->stop = true;
	pthread_cond_broadcast(&priv->cond);
	pthread_mutex_unlock(&priv->lock);
	if (priv->thread_started)
		pthread_join(priv->thread, NULL);
	efx_conn_remove(this);
	/* Pins and node records go with the inode table. */
	this->private = NULL;
	pthread_mutex_destroy(&priv->lock);
	pthread_cond_destroy(&priv->cond);
	GF_FREE(priv);
}

static int32_t efx_notify(xlator_t *this, int32_t event, void *data, ...)
{
	struct gf_upcall *up = data;

	if (event == GF_EVENT_UPCALL && up && this->private &&
	    up->event_type == GF_UPCALL_CACHE_INVALIDATION)
		efx_upcall(this, up);
	return default_notify(this, event, data);
}

static int32_t efx_mem_acct_init(xlator_t *this)
{
	return xlator_mem_acct_init(this, gf_extfuse_mt_end + 1);
}

/* ---- statedump ------------------------------------------------------- */

static int32_t efx_priv_dump(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	char key[GF_DUMP_MAX_BUF_LEN];

	if (!priv)
		return 0;
	gf_proc_dump_build_key(key, "xlator.performance.extfuse", "priv");
	gf_proc_dump_add_section("%s", key);
	gf_proc_dump_write("enable", "%d", priv->enable);
	gf_proc_dump_write("connection", "%s",
			   priv->conn_id[0] ? priv->conn_id : "(none)");
	gf_proc_dump_write("maps", "%s", efx_ef(priv) ? "yes" : "no");
	gf_proc_dump_write("owner", "%d",
			   __atomic_load_n(&efx_conn.owner, __ATOMIC_ACQUIRE) ==
				   this);
	gf_proc_dump_write("attached", "%d", efx_conn.attached);
	gf_proc_dump_write("expiry_seconds", "%" PRIu64,
			   (uint64_t)(priv->expiry_ns / NSEC_PER_SEC));
	gf_proc_dump_write("published_attrs", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.attrs));
	gf_proc_dump_write("published_entries", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.entries));
	gf_proc_dump_write("published_negatives", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.negatives));
	gf_proc_dump_write("published_dirs", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.dirs));
	gf_proc_dump_write("unordered_dirs_skipped", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.dirs_unordered));
	gf_proc_dump_write("invalidations", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.invalidations));
	gf_proc_dump_write("upcalls", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.upcalls));
	gf_proc_dump_write("kernel_entry_notifications", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.kernel_notified));
	gf_proc_dump_write("pins", "%" PRIu64, GF_ATOMIC_GET(priv->c.pins));
	gf_proc_dump_write("unpins", "%" PRIu64, GF_ATOMIC_GET(priv->c.unpins));
	gf_proc_dump_write("release_busy", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.busy));
	gf_proc_dump_write("refused_publishes", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.refused));
	gf_proc_dump_write("too_old_skipped", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.too_old));
	gf_proc_dump_write("probe", "%s",
			   priv->probe ? priv->probe->name : "(none)");
	gf_proc_dump_write("errors", "%" PRIu64, GF_ATOMIC_GET(priv->c.errors));
	return 0;
}

/* ---- tables ---------------------------------------------------------- */

static struct xlator_fops efx_fops = {
	.lookup = efx_lookup,
	.stat = efx_stat,
	.fstat = efx_fstat,
	.setattr = efx_setattr,
	.fsetattr = efx_fsetattr,
	.writev = efx_writev,
	.truncate = efx_truncate,
	.ftruncate = efx_ftruncate,
	.fallocate = efx_fallocate,
	.discard = efx_discard,
	.zerofill = efx_zerofill,
	.readv = efx_readv,
	.open = efx_open,
	.setxattr = efx_setxattr,
	.fsetxattr = efx_fsetxattr,
	.removexattr = efx_removexattr,
	.fremovexattr = efx_fremovexattr,
	.create = efx_create,
	.mkdir = efx_mkdir,
	.mknod = efx_mknod,
	.symlink = efx_symlink,
	.link = efx_link,
	.unlink = efx_unlink,
	.rmdir = efx_rmdir,
	.rename = efx_rename,
	.readdirp = efx_readdirp,
	.readdir = efx_readdir,
};

static struct xlator_cbks efx_cbks = {
	.forget = efx_forget,
	.invalidate = efx_invalidate,
	.releasedir = efx_releasedir,
};

static struct xlator_dumpops efx_dumpops = {
	.priv = efx_priv_dump,
};

static struct volume_options efx_options[] = {
	{.key = {"enable"},
	 .type = GF_OPTION_TYPE_BOOL,
	 .default_value = "on",
	 .op_version = {1},
	 .flags = OPT_FLAG_SETTABLE | OPT_FLAG_CLIENT_OPT,
	 .description = "Mirror entries, attributes and listings into the "
			"ExtFUSE maps."},
	{.key = {"max-entries"},
	 .type = GF_OPTION_TYPE_INT,
	 .min = 1024,
	 .max = 16777216,
	 .default_value = "131072",
	 .op_version = {1},
	 .flags = OPT_FLAG_SETTABLE | OPT_FLAG_CLIENT_OPT,
	 .description = "Capacity of each map (entries, attributes, "
			"listings); read when the maps are created."},
	{.key = {"negative-cache"},
	 .type = GF_OPTION_TYPE_BOOL,
	 .default_value = "on",
	 .op_version = {1},
	 .flags = OPT_FLAG_SETTABLE | OPT_FLAG_CLIENT_OPT,
	 .description = "Mirror names that do not exist."},
	{.key = {"dir-cache"},
	 .type = GF_OPTION_TYPE_BOOL,
	 .default_value = "on",
	 .op_version = {1},
	 .flags = OPT_FLAG_SETTABLE | OPT_FLAG_CLIENT_OPT,
	 .description = "Mirror directory listings."},
	{.key = {"timeout-cap"},
	 .type = GF_OPTION_TYPE_TIME,
	 .min = 0,
	 .max = 3600,
	 .default_value = "600",
	 .op_version = {1},
	 .flags = OPT_FLAG_SETTABLE | OPT_FLAG_CLIENT_OPT,
	 .description = "Upper bound, in seconds, on how long a mirrored "
			"value may be served."},
	{.key = {"cache-invalidation"},
	 .type = GF_OPTION_TYPE_BOOL,
	 .default_value = "off",
	 .op_version = {1},
	 .flags = OPT_FLAG_CLIENT_OPT,
	 .description = "Whether the bricks send upcalls "
			"(features.cache-invalidation; set by the volfile "
			"filter)."},
	{.key = {"cache-invalidation-timeout"},
	 .type = GF_OPTION_TYPE_TIME,
	 .min = 0,
	 .max = 3600,
	 .default_value = "60",
	 .op_version = {1},
	 .flags = OPT_FLAG_CLIENT_OPT,
	 .description = "features.cache-invalidation-timeout of the volume "
			"(set by the volfile filter)."},
	{.key = {"md-cache-timeout"},
	 .type = GF_OPTION_TYPE_TIME,
	 .min = 0,
	 .max = 600,
	 .default_value = "1",
	 .op_version = {1},
	 .flags = OPT_FLAG_CLIENT_OPT,
	 .description = "performance.md-cache-timeout of the volume (set by "
			"the volfile filter)."},
	{.key = {NULL}},
};

xlator_api_t xlator_api = {
	.init = efx_init,
	.fini = efx_fini,
	.notify = efx_notify,
	.reconfigure = efx_reconfigure,
	.mem_acct_init = efx_mem_acct_init,
	.op_version = {1},
	.dumpops = &efx_dumpops,
	.fops = &efx_fops,
	.cbks = &efx_cbks,
	.options = efx_options,
	.identifier = "extfuse",
	.category = GF_TECH_PREVIEW,
};
