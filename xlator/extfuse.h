/* SPDX-License-Identifier: GPL-2.0 */
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
 * Its parts, one job each, share this header:
 *   extfuse.c         the translator: options, init/fini, reconfigure,
 *                     notify, statedump, and what every fop uses (whether
 *                     to mirror, the expiry rule, frame locals);
 *   extfuse-inode.c   inode fops: lookup, attributes, reads, changes;
 *   extfuse-dir.c     directory fops and the assembly of listings;
 *   extfuse-upcall.c  upcalls and the kernel's own caches;
 *   extfuse-node.c    node records, pins, the names published per node,
 *                     the sweeper;
 *   extfuse-conn.c    the process-wide connection: finding the mount,
 *                     the maps, attaching, detaching, retiring.
 */
#ifndef EXTFUSE_H
#define EXTFUSE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <glusterfs/glusterfs.h>
#include <glusterfs/xlator.h>
#include <glusterfs/inode.h>
#include <glusterfs/iatt.h>
#include <glusterfs/gf-dirent.h>
#include <glusterfs/upcall-utils.h>

#include "libextfuse.h"

#define NSEC_PER_SEC 1000000000ull
/* At most one STAT a directory and period for its attributes (lookups). */
#define EFX_ASK_ATTRS_NS (NSEC_PER_SEC / 2)
/* md-cache keeps values at most this long without its cache-invalidation. */
#define EFX_MDC_PLAIN_MAX 60
/* A LOOKUP key no cache above the servers satisfies (efx_refetch). */
#define EFX_REFETCH_KEY "glusterfs.extfuse.refetch"

/* One name published for a node: (parent, name) in the entries map. */
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
	struct list_head cookies; /* efx_cookies of its published listings */
	unsigned int ncookies;
	bool pinned;
	bool queued;
	/* Not pinned again since the sweeper took its id: the grace
	 * period of that sweep followed the deletion of all its names. */
	bool sweepable;
	uint64_t attrs_asked_ns; /* last STAT for its attributes (lookups) */
};

/*
 * The daemon's cookies of one listing a published listing's cookies stand
 * for, by position (extfuse-dir.c); on the directory's node.
 */
struct efx_cookies {
	struct list_head list;
	uint64_t gen;
	size_t n;
	uint64_t off[];
};

/* A READDIR(P) listing being read on one fd. */
struct efx_listing {
	struct extfuse_stamp st;
	uint64_t gen; /* of the listing read on this fd; 0: none */
	size_t noffs, offs_cap;
	uint64_t *offs; /* the servers' cookie of each position */
	size_t n, cap;
	struct extfuse_dirent *ents; /* the entries, to publish */
	bool valid; /* ents hold every entry from offset 0 */
};

/*
 * A kernel invalidation sent again once replies that crossed it had time
 * to be applied (extfuse-upcall.c): on priv->recheck_soon, then
 * priv->recheck_late.
 */
struct efx_recheck {
	struct list_head list;
	inode_t *inode; /* referenced; NULL: every pinned node and the mount */
	uint64_t first_ns; /* when the first invalidation was sent */
	unsigned int what; /* EFX_RECHECK_* */
};

#define EFX_RECHECK_ENTRIES 1u /* the node's dentries */
#define EFX_RECHECK_INODE 2u /* the node's attributes and data */
#define EFX_RECHECK_NAMES 4u /* a directory's names, negative ones too */
#define EFX_RECHECK_ALL 8u /* every pinned node, the whole mount */

struct efx_counters {
	gf_atomic_t attrs;
	gf_atomic_t entries;
	gf_atomic_t negatives;
	gf_atomic_t dirs;
	gf_atomic_t dirs_foreign; /* READDIR at a cookie not ours */
	gf_atomic_t invalidations;
	gf_atomic_t upcalls;
	gf_atomic_t kernel_notified;
	gf_atomic_t pins;
	gf_atomic_t unpins;
	gf_atomic_t busy;
	gf_atomic_t refused;
	gf_atomic_t too_old; /* not published: fetched too long ago */
	gf_atomic_t subvol_flushes; /* a subvolume went down or came up */
	gf_atomic_t config_repairs; /* configuration found overwritten */
	gf_atomic_t errors;
	gf_atomic_t rechecks; /* invalidations sent again */
	gf_atomic_t recheck_overflows; /* queue full: everything instead */
	gf_atomic_t crossed; /* daemon replies that crossed an invalidation */
	gf_atomic_t relinks; /* LOOKUPs md-cache answered from a stale link */
	gf_atomic_t refetches; /* LOOKUPs md-cache answered from before a reset */
};

struct efx_priv {
	pthread_mutex_t lock; /* nodes, names, release queue */
	pthread_cond_t cond;
	struct list_head releasing;
	struct list_head pinned;
	/* Takes of names whose entries are still being deleted from the
	 * maps (outside the lock): the sweeper waits for them to end. */
	unsigned int unpublishing;
	pthread_cond_t unpublished; /* unpublishing dropped to 0 */
	/* Invalidations to send again (under lock), and how many. */
	struct list_head recheck_soon;
	struct list_head recheck_late;
	unsigned int nrechecks; /* ALL beyond EFX_RECHECK_MAX: one per tick */
	/* Moves at every invalidation the kernel is sent for an upcall or a
	 * subvolume event: a reply wound before it may carry the old state. */
	gf_atomic_t inval_seq;
	struct extfuse *ef; /* NULL: pass-through */
	pthread_t thread;
	bool thread_started;
	bool stop;
	char conn_id[16];
	/* options */
	bool enable;
	bool negative;
	bool dirs;
	uint32_t max_entries;
	time_t timeout_cap;
	bool server_ci;
	time_t ci_timeout;
	time_t mdc_timeout;
	bool mdc_ci; /* md-cache's own cache-invalidation option */
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
	inode_t *inode2; /* rename: the node the new name replaces */
	char *name;
	char *name2;
	off_t offset;
	uint64_t gen; /* listing the reply continues (0: not translated) */
	size_t pos; /* its position before this reply */
	uint64_t inval_seq; /* priv->inval_seq when wound */
	bool have_st;
	bool have_pst;
	/* lookup: the request, and its reply held back while the servers
	 * are asked about the parent (efx_lookup_cbk) */
	loc_t *loc;
	loc_t ploc;
	dict_t *lookup_xdata; /* the request's, for a second lookup */
	loc_t rloc; /* the name again, with a fresh inode (efx_relink) */
	bool relinked;
	bool refetched; /* looked up again past md-cache (efx_refetch) */
	int32_t held_ret;
	int32_t held_errno;
	inode_t *held_inode;
	struct iatt held_buf;
	dict_t *held_xdata;
	struct iatt held_postparent;
};

static inline struct efx_priv *efx_priv(xlator_t *this)
{
	return this->private;
}

static inline struct extfuse *efx_ef(struct efx_priv *priv)
{
	return __atomic_load_n(&priv->ef, __ATOMIC_ACQUIRE);
}

static inline uint64_t efx_nodeid(inode_t *inode)
{
	if (!inode)
		return 0;
	if (__is_root_gfid(inode->gfid))
		return 1;
	return (uint64_t)(uintptr_t)inode;
}

/* Take the local off the frame: STACK_DESTROY would mem_put() it. */
static inline struct efx_local *efx_local_take(call_frame_t *frame)
{
	struct efx_local *local = frame->local;

	frame->local = NULL;
	return local;
}

#define EFX_UNWIND(fop, frame, local, params...)                               \
	do {                                                                   \
		efx_local_take(frame);                                         \
		STACK_UNWIND_STRICT(fop, frame, params);                       \
		efx_local_free(local);                                         \
	} while (0)

/* extfuse.c: what every fop uses */
struct extfuse *efx_active(xlator_t *this);
uint64_t efx_expiry_from(xlator_t *this, uint64_t asked_ns);
void efx_count_ret(xlator_t *this, int ret, const char *what);
struct efx_local *efx_prepare(call_frame_t *frame, xlator_t *this,
			      inode_t *inode, inode_t *parent,
			      const char *name);
struct efx_local *efx_prepare_always(call_frame_t *frame, xlator_t *this,
				     inode_t *inode);
void efx_local_free(struct efx_local *local);
void efx_wanted_config(xlator_t *this, struct extfuse_config *cfg);
void efx_apply_config(xlator_t *this, struct extfuse *ef);

/* extfuse-inode.c */
void efx_iatt_to_attr(xlator_t *this, const struct iatt *st,
		      struct fuse_attr *fa);
int efx_publish_dirent(xlator_t *this, inode_t *dir,
		       const struct extfuse_stamp *dst, uint64_t listed_ns,
		       gf_dirent_t *e);
int32_t efx_lookup(call_frame_t *frame, xlator_t *this, loc_t *loc,
		   dict_t *xdata);
int32_t efx_stat(call_frame_t *frame, xlator_t *this, loc_t *loc,
		 dict_t *xdata);
int32_t efx_fstat(call_frame_t *frame, xlator_t *this, fd_t *fd, dict_t *xdata);
int32_t efx_setattr(call_frame_t *frame, xlator_t *this, loc_t *loc,
		    struct iatt *stbuf, int32_t valid, dict_t *xdata);
int32_t efx_fsetattr(call_frame_t *frame, xlator_t *this, fd_t *fd,
		     struct iatt *stbuf, int32_t valid, dict_t *xdata);
int32_t efx_writev(call_frame_t *frame, xlator_t *this, fd_t *fd,
		   struct iovec *vector, int32_t count, off_t off,
		   uint32_t flags, struct iobref *iobref, dict_t *xdata);
int32_t efx_truncate(call_frame_t *frame, xlator_t *this, loc_t *loc,
		     off_t offset, dict_t *xdata);
int32_t efx_ftruncate(call_frame_t *frame, xlator_t *this, fd_t *fd,
		      off_t offset, dict_t *xdata);
int32_t efx_fallocate(call_frame_t *frame, xlator_t *this, fd_t *fd,
		      int32_t keep_size, off_t offset, size_t len,
		      dict_t *xdata);
int32_t efx_discard(call_frame_t *frame, xlator_t *this, fd_t *fd, off_t offset,
		    size_t len, dict_t *xdata);
int32_t efx_zerofill(call_frame_t *frame, xlator_t *this, fd_t *fd,
		     off_t offset, off_t len, dict_t *xdata);
int32_t efx_readv(call_frame_t *frame, xlator_t *this, fd_t *fd, size_t size,
		  off_t offset, uint32_t flags, dict_t *xdata);
int32_t efx_open(call_frame_t *frame, xlator_t *this, loc_t *loc, int32_t flags,
		 fd_t *fd, dict_t *xdata);
int32_t efx_setxattr(call_frame_t *frame, xlator_t *this, loc_t *loc,
		     dict_t *dict, int32_t flags, dict_t *xdata);
int32_t efx_fsetxattr(call_frame_t *frame, xlator_t *this, fd_t *fd,
		      dict_t *dict, int32_t flags, dict_t *xdata);
int32_t efx_removexattr(call_frame_t *frame, xlator_t *this, loc_t *loc,
			const char *name, dict_t *xdata);
int32_t efx_fremovexattr(call_frame_t *frame, xlator_t *this, fd_t *fd,
			 const char *name, dict_t *xdata);
int32_t efx_create(call_frame_t *frame, xlator_t *this, loc_t *loc,
		   int32_t flags, mode_t mode, mode_t umask, fd_t *fd,
		   dict_t *xdata);
int32_t efx_mkdir(call_frame_t *frame, xlator_t *this, loc_t *loc, mode_t mode,
		  mode_t umask, dict_t *xdata);
int32_t efx_mknod(call_frame_t *frame, xlator_t *this, loc_t *loc, mode_t mode,
		  dev_t rdev, mode_t umask, dict_t *xdata);
int32_t efx_symlink(call_frame_t *frame, xlator_t *this, const char *linkpath,
		    loc_t *loc, mode_t umask, dict_t *xdata);
int32_t efx_link(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
		 loc_t *newloc, dict_t *xdata);
int32_t efx_unlink(call_frame_t *frame, xlator_t *this, loc_t *loc, int xflag,
		   dict_t *xdata);
int32_t efx_rmdir(call_frame_t *frame, xlator_t *this, loc_t *loc, int flags,
		  dict_t *xdata);
int32_t efx_rename(call_frame_t *frame, xlator_t *this, loc_t *oldloc,
		   loc_t *newloc, dict_t *xdata);

/* extfuse-dir.c */
int32_t efx_readdirp(call_frame_t *frame, xlator_t *this, fd_t *fd, size_t size,
		     off_t off, dict_t *xdata);
int32_t efx_readdir(call_frame_t *frame, xlator_t *this, fd_t *fd, size_t size,
		    off_t off, dict_t *xdata);
int32_t efx_releasedir(xlator_t *this, fd_t *fd);
void efx_cookies_free(struct efx_node *node);

/* extfuse-upcall.c */
void efx_upcall(xlator_t *this, struct gf_upcall *up);
void efx_subvol_event(xlator_t *this);
void efx_recheck_crossed(xlator_t *this, struct efx_local *local,
			 inode_t *inode, inode_t *parent);
void efx_recheck_run(xlator_t *this);
uint64_t efx_realtime_ns(void);
uint64_t efx_recheck_due_locked(struct efx_priv *priv);
/* Set while this thread sends an invalidation again. */
extern __thread bool efx_resending;
void efx_recheck_drop(struct efx_priv *priv);

/* extfuse-node.c */
void efx_change_begin(uint64_t nodeid);
void efx_change_end(uint64_t nodeid);
bool efx_changed_since(uint64_t nodeid, uint64_t since_ns);
bool efx_inode_ok(xlator_t *this, inode_t *inode);
struct efx_node *efx_node_track(xlator_t *this, inode_t *inode);
bool efx_node_may_ask_attrs(xlator_t *this, inode_t *inode);
int efx_pin_name(xlator_t *this, inode_t *inode, uint64_t parent,
		 const char *name);
void efx_name_forget(xlator_t *this, inode_t *inode, uint64_t parent,
		     const char *name);
void efx_node_unpublish(xlator_t *this, inode_t *inode);
void efx_unpublish_pinned(struct efx_priv *priv, struct extfuse *ef);
unsigned int efx_count_pinned(struct efx_priv *priv);
size_t efx_pinned_inodes(struct efx_priv *priv, inode_t ***out);
void efx_inodes_put(inode_t **inodes, size_t n);
void efx_node_invalidate(xlator_t *this, inode_t *inode);
void efx_sweep(xlator_t *this);
int32_t efx_forget(xlator_t *this, inode_t *inode);
int32_t efx_invalidate(xlator_t *this, inode_t *inode);

/* extfuse-conn.c */
void *efx_worker(void *arg);
bool efx_conn_owned_by(xlator_t *this);
bool efx_conn_attached(void);
bool efx_conn_kernel_expires(void);
bool efx_conn_remove(xlator_t *this, bool keep);

#endif /* EXTFUSE_H */
