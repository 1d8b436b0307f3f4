/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libextfuse: the daemon side of ExtFUSE.
 *
 * One struct extfuse handle owns the extension program and the maps of one
 * FUSE connection, pinned in bpffs under <pin_root>/<conn_id>/ (mode 0700).
 * The daemon publishes what it knows (entries, attributes, directory
 * listings) with an expiry and the version stamp it read before asking its
 * servers; the extension answers the kernel from these maps.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure, after passing a message to the log callback.  Nothing here exits
 * or aborts.  Handles are safe to use from several threads.
 */
#ifndef LIBEXTFUSE_H
#define LIBEXTFUSE_H

#include <stddef.h>
#include <stdbool.h>
#include "extfuse_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EXTFUSE_PIN_ROOT "/sys/fs/bpf/extfuse"

enum extfuse_log_level {
	EXTFUSE_LOG_ERROR,
	EXTFUSE_LOG_WARN,
	EXTFUSE_LOG_INFO,
	EXTFUSE_LOG_DEBUG,
};

typedef void (*extfuse_log_fn)(enum extfuse_log_level level, const char *msg,
			       void *arg);

/*
 * Route messages (and libbpf's) to fn; NULL restores the default, which
 * prints errors and warnings to stderr.  Returns the previous callback.
 */
extfuse_log_fn extfuse_set_log(extfuse_log_fn fn, void *arg);

struct extfuse;

struct extfuse_opts {
	size_t sz; /* sizeof(struct extfuse_opts) */
	const char *pin_root; /* NULL: EXTFUSE_PIN_ROOT */
	__u32 max_entries; /* entries, attrs, dirs, versions; 0: 131072 */
	__u32 max_chunks; /* directory chunks; 0: 16384 */
	__u32 flags; /* EXTFUSE_CFG_*; 0: serving on, no ABSENT_* */
	__u32 pad;
	__u64 entry_timeout_ns; /* given to the kernel per answer; 0: 1 s */
	__u64 attr_timeout_ns; /* 0: 1 s */
};

/*
 * Load the extension, create its maps and pin both under
 * <pin_root>/<conn_id>/.  conn_id is a short name ([A-Za-z0-9._-], for
 * example the FUSE connection number).  Fails with -EEXIST if the directory
 * holds pins already; extfuse_remove() clears it.
 */
int extfuse_create(const char *conn_id, const struct extfuse_opts *opts,
		   struct extfuse **out);

/* Open the pinned maps of an existing connection (pin_root NULL: default). */
int extfuse_open(const char *conn_id, const char *pin_root,
		 struct extfuse **out);

/* Close the handle; the pins stay. NULL is allowed. */
void extfuse_close(struct extfuse *ef);

/* Unpin everything under <pin_root>/<conn_id>/ and remove the directory. */
int extfuse_remove(const char *conn_id, const char *pin_root);

/* The extension program's fd (-ENOENT for a handle without one). */
int extfuse_prog_fd(const struct extfuse *ef);

/* The fd of a map by its name in extfuse.bpf.c ("extfuse_attrs", ...). */
int extfuse_map_fd(const struct extfuse *ef, const char *name);

const char *extfuse_conn_id(const struct extfuse *ef);

/* CLOCK_MONOTONIC in ns: the clock of every expiry. */
__u64 extfuse_now_ns(void);

/* What a publish must carry: the node's version before the request. */
struct extfuse_stamp {
	__u64 version;
	__u64 epoch;
};

/* Read a node's stamp.  Call it before sending the request whose reply
 * will be published. */
int extfuse_stamp(struct extfuse *ef, __u64 nodeid, struct extfuse_stamp *st);

/*
 * Publishing.  expiry_ns is absolute CLOCK_MONOTONIC; st is the stamp of
 * the node (attrs) or of the parent directory (entries, listings) read
 * before the request.  A publish whose stamp is already out of date is
 * refused with -ESTALE, and stores nothing.  A full map makes room: first
 * by sweeping expired and stale values, then by evicting servable ones (a
 * sixteenth of the map; listings whole).  Only a listing larger than the
 * chunk map is refused (-ENOSPC); a listing whose names do not fit in
 * extfuse_names is published without them (its misses go to the daemon).
 */
int extfuse_publish_attr(struct extfuse *ef, __u64 nodeid,
			 const struct fuse_attr *attr, __u32 flags,
			 __u64 expiry_ns, const struct extfuse_stamp *st);

int extfuse_publish_entry(struct extfuse *ef, __u64 parent, const char *name,
			  __u64 nodeid, __u64 generation, __u64 expiry_ns,
			  const struct extfuse_stamp *parent_st);

int extfuse_publish_negative(struct extfuse *ef, __u64 parent,
			     const char *name, __u64 expiry_ns,
			     const struct extfuse_stamp *parent_st);

struct extfuse_dirent {
	const char *name;
	__u64 ino; /* inode number shown to readdir */
	__u64 off; /* the daemon's d_off cookie for this entry */
	__u32 type; /* DT_* */
};

/*
 * Publish a whole listing of dir, both as READDIR and READDIRPLUS replies
 * (the latter with nodeid 0 in every entry).  Entries keep their order and
 * their d_off cookies; offs must be non-zero and increasing.
 */
int extfuse_publish_dir(struct extfuse *ef, __u64 dir,
			const struct extfuse_dirent *ents, size_t n,
			__u64 expiry_ns, const struct extfuse_stamp *st);

/*
 * Invalidation.  Each drops what it names and bumps the versions involved,
 * so that a publish already under way is refused.  Missing entries are not
 * an error.
 */
int extfuse_invalidate_node(struct extfuse *ef, __u64 nodeid); /* attrs, listing */
int extfuse_invalidate_entry(struct extfuse *ef, __u64 parent, const char *name);
int extfuse_invalidate_dir(struct extfuse *ef, __u64 dir); /* listing */
/* Drop every cached entry, attribute and listing; served counts stay. */
int extfuse_flush(struct extfuse *ef);

/*
 * Lifetime (docs/design.md).  extfuse_served() reads how many lookups of
 * nodeid the kernel answered and FORGET has not handed back.
 * extfuse_release_node() is called once the node is no longer published, a
 * grace period has passed (extfuse_sync()) and no request on the node is
 * in flight in the daemon: it fails with -EBUSY while the count is
 * non-zero, and otherwise drops the node's attributes and listings.  It
 * never deletes the count: only FORGET takes a count down, and only
 * extfuse_forget_node() deletes a count of 0, when the daemon destroys the
 * node and no entry has named it since a release succeeded (-EBUSY, and
 * the count stays, if it is not 0).  Versions stay for the life of the
 * maps.
 */
int extfuse_served(struct extfuse *ef, __u64 nodeid, __u64 *count);
int extfuse_release_node(struct extfuse *ef, __u64 nodeid);
int extfuse_forget_node(struct extfuse *ef, __u64 nodeid);

/* Statistics summed over CPUs, indexed by enum extfuse_stat_op. */
int extfuse_read_stats(struct extfuse *ef,
		       struct extfuse_stats stats[EXTFUSE_SOP_COUNT]);
int extfuse_reset_stats(struct extfuse *ef);

/* extfuse_set_config() also moves the epoch: everything published before
 * it is no longer served (a timeout change included). */
int extfuse_get_config(struct extfuse *ef, struct extfuse_config *cfg);
int extfuse_set_config(struct extfuse *ef, const struct extfuse_config *cfg);

/*
 * Self-repair.  If the configuration is malformed (magic not
 * EXTFUSE_MAGIC, or unknown flags: the map was overwritten), write want's
 * flags and timeouts again with an epoch past every epoch this handle saw,
 * and drop every cached entry, attribute and listing, so that nothing
 * stored before is served.  Returns 0 if the configuration was well formed
 * (nothing changed), 1 if it was repaired (found, unless NULL, receives
 * what was there), or a negative errno.
 */
int extfuse_repair_config(struct extfuse *ef,
			  const struct extfuse_config *want,
			  struct extfuse_config *found);

/*
 * Reading the caches back (for dumps and tools): values as they are
 * stored, whether the extension would serve them or not (compare their
 * version and epoch with extfuse_stamp()).  A missing value is -ENOENT.
 * kind is an enum extfuse_dir_kind.
 */
int extfuse_read_attr(struct extfuse *ef, __u64 nodeid,
		      struct extfuse_attr_val *val);
int extfuse_read_entry(struct extfuse *ef, __u64 parent, const char *name,
		       struct extfuse_entry_val *val);
/* The header of a listing. */
int extfuse_read_dir(struct extfuse *ef, __u64 dir, __u32 kind,
		     struct extfuse_dir_val *val);

/* Walk the caches.  A callback returning non-zero stops the walk and its
 * value is returned. */
typedef int (*extfuse_entry_cb)(const struct extfuse_entry_key *key,
				const struct extfuse_entry_val *val, void *arg);
typedef int (*extfuse_attr_cb)(__u64 nodeid, const struct extfuse_attr_val *val,
			       void *arg);
typedef int (*extfuse_dir_cb)(const struct extfuse_dir_key *key,
			      const struct extfuse_dir_val *val, void *arg);
typedef int (*extfuse_served_cb)(__u64 nodeid, __u64 count, void *arg);
int extfuse_foreach_entry(struct extfuse *ef, extfuse_entry_cb cb, void *arg);
int extfuse_foreach_attr(struct extfuse *ef, extfuse_attr_cb cb, void *arg);
int extfuse_foreach_dir(struct extfuse *ef, extfuse_dir_cb cb, void *arg);
/* Every served counter (see extfuse_served()), zeros included: only
 * extfuse_forget_node() deletes one. */
int extfuse_foreach_served(struct extfuse *ef, extfuse_served_cb cb,
			   void *arg);

/*
 * The records of listing listing_id of (dir, kind), in order, by following
 * its chunks; listing_id 0 reads the listing the header names now.  ent
 * and its name are valid during the call only.  -ESTALE when the listing
 * was replaced or dropped while being read (chunks of it are missing),
 * -EPROTO for malformed chunks (none of a malformed chunk's records is
 * handed out).
 */
typedef int (*extfuse_dirent_cb)(const struct extfuse_dirent *ent, void *arg);
int extfuse_foreach_dirent(struct extfuse *ef, __u64 dir, __u32 kind,
			   __u64 listing_id, extfuse_dirent_cb cb, void *arg);

/*
 * What the extension would answer the kernel for req (LOOKUP, GETATTR,
 * READDIR, READDIRPLUS; filled by the caller after extfuse_req_init(), with
 * the caller's uid, gid and flags), without a kernel and without changing
 * what is served: an answered LOOKUP's served count is given back at once.
 * The verdict and reply are in req.
 */
int extfuse_ask(struct extfuse *ef, struct extfuse_req *req);

/*
 * Kernel module control (/dev/extfuse).  All return -ENODEV with a clear
 * message when the module is not loaded.
 */
bool extfuse_module_loaded(void);
/*
 * conn_fd: the daemon's /dev/fuse fd, or any fd on the mount.  Refused
 * (-EXDEV) unless it belongs to the connection the handle is named after;
 * -EBUSY when the maps are bound to another live connection.
 */
int extfuse_attach(struct extfuse *ef, int conn_fd, __u32 *conn_id);
/* The connection id of conn_fd (-ENOTCONN before it is mounted). */
int extfuse_conn_of(int conn_fd, __u32 *conn_id);
int extfuse_detach(int conn_fd);
/* index 0, 1, ...; -ENOENT past the last attached connection. */
int extfuse_query(__u32 index, struct extfuse_conn_info *info);
/* Wait for every extension run in progress to end (a grace period). */
int extfuse_sync(void);
/*
 * Make the kernel ask again for everything it was told on the connection
 * of ef (EXTFUSE_IOC_EXPIRE), after the runs in progress ended.  Every
 * epoch move does this itself.  -ENOENT: the connection is not attached;
 * -ENODEV: no module; -ENOTTY: a module without it (the kernel then keeps
 * its answers for as long as their validity: give it short ones).
 */
int extfuse_expire_kernel(struct extfuse *ef);
/* The same for the names under directory dir only, negative ones
 * included: after another client changed the directory. */
int extfuse_expire_dir(struct extfuse *ef, __u64 dir);

#ifdef __cplusplus
}
#endif

#endif /* LIBEXTFUSE_H */
