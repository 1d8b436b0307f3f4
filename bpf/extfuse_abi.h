/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ExtFUSE extension ABI: the one definition shared by the extension programs
 * (BPF), the kernel module, libextfuse, extfusectl and the Gluster translator.
 *
 * The kernel module builds a struct extfuse_req for every intercepted FUSE
 * request and runs the connection's BPF_PROG_TYPE_SYSCALL extension on it.
 * The extension answers from the maps below, which the daemon side fills
 * through libextfuse.  Everything is fixed width with explicit padding, so
 * BPF, kernel and user space agree on every offset.
 *
 * Bump EXTFUSE_ABI_VERSION on any incompatible change.
 */
#ifndef EXTFUSE_ABI_H
#define EXTFUSE_ABI_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/fuse.h>

#define EXTFUSE_MAGIC 0x45584655u /* "EXFU" */
#define EXTFUSE_ABI_VERSION 5

#define EXTFUSE_NAME_MAX 255 /* longer names always go to the daemon */
#define EXTFUSE_NAME_BUF (EXTFUSE_NAME_MAX + 1)
#define EXTFUSE_MAX_GROUPS 16 /* supplementary groups passed in the context */
#define EXTFUSE_DIRBUF_SIZE 4096 /* READDIR(PLUS) reply area; fuse asks PAGE_SIZE */
/*
 * Bytes of reply a listing chunk holds: a chunk element (the kernel's
 * 48-byte element header and allocator link, key and value) then fits a
 * 4 KiB slab; at 4096 it would take 8 KiB.
 */
#define EXTFUSE_CHUNK_BUF_SIZE 3968

/* Verdicts written by the extension into extfuse_req.verdict. */
enum extfuse_verdict {
	EXTFUSE_VERDICT_PASS = 0, /* send the request to the daemon (default) */
	EXTFUSE_VERDICT_ANSWER = 1, /* the reply area holds the answer */
	EXTFUSE_VERDICT_ERROR = 2, /* fail the request with extfuse_req.error */
};

/*
 * Pseudo opcodes, never sent by FUSE.  PROBE: the module asks the program
 * which ABI it was built for (it writes magic and abi_version back).  The
 * INVAL_* ones let the daemon side invalidate through the program (with
 * BPF_PROG_TEST_RUN), so that version bumps are atomic with the kernel's:
 * INVAL_NODE drops nodeid's attributes and listings, INVAL_ENTRY drops
 * (nodeid, name) and the parent's attributes and listings, INVAL_DIR drops
 * nodeid's listings; each bumps the versions of what it drops.
 */
#define EXTFUSE_OP_PROBE 0xEF000001u
#define EXTFUSE_OP_INVAL_NODE 0xEF000002u
#define EXTFUSE_OP_INVAL_ENTRY 0xEF000003u
#define EXTFUSE_OP_INVAL_DIR 0xEF000004u

/* extfuse_req.flags, set by the caller (kernel module or test). */
#define EXTFUSE_REQ_CAP_SEARCH (1u << 0) /* caller may bypass DAC search checks */
#define EXTFUSE_REQ_GROUPS_TRUNCATED (1u << 1) /* more groups than fit in groups[] */

/*
 * The context of one extension run.
 *
 * Inputs, by opcode (FUSE_* from <linux/fuse.h>):
 *   LOOKUP                  nodeid = parent, name
 *   GETATTR                 nodeid
 *   GETXATTR                nodeid, name = the attribute's name
 *   OPENDIR                 nodeid = directory
 *   READDIR, READDIRPLUS    nodeid = directory, fh, offset, size
 *   FORGET                  nodeid, nlookup (the module splits BATCH_FORGET)
 *   SETATTR, WRITE, FALLOCATE, SETXATTR, REMOVEXATTR   nodeid
 *   CREATE, MKNOD, MKDIR, SYMLINK, UNLINK, RMDIR       nodeid = parent, name
 *   LINK                    nodeid = new parent, name = new name, nodeid2 = target
 *   RENAME, RENAME2         nodeid = old parent, name = old name,
 *                           nodeid2 = new parent, name2 = new name
 * name and name2 are NUL terminated, namelen excludes the NUL, and the
 * bytes after the NUL are zero.
 *
 * Outputs: verdict; error (negative errno) for EXTFUSE_VERDICT_ERROR; the
 * reply in out (entry for LOOKUP, attr for GETATTR, dirbuf for READDIR*)
 * with out_size bytes valid; OPENDIR's ANSWER only says that the caller
 * may open the directory without asking the daemon (the module makes the
 * handle and sends the daemon's OPENDIR when a request needs it); a
 * LOOKUP's -ENOENT may come with an entry of nodeid 0 (out_size bytes),
 * whose entry_valid the kernel keeps the negative dentry for; GETXATTR is
 * answered only with the error -ENODATA; nlookup for FORGET (what is left
 * to send to the daemon, 0 = nothing); abi_version for EXTFUSE_OP_PROBE.
 *
 * conn_id: the kernel module sets it to the connection the request came
 * from.  LOOKUP, GETATTR, GETXATTR, OPENDIR and READDIR* are answered only
 * when it equals extfuse_config.conn_id, the connection the maps are bound
 * to.
 */
struct extfuse_req {
	__u32 magic; /* EXTFUSE_MAGIC */
	__u16 abi_version; /* EXTFUSE_ABI_VERSION of the caller */
	__u16 ctx_size; /* sizeof(struct extfuse_req) of the caller */
	__u32 opcode;
	__u32 flags; /* EXTFUSE_REQ_* */
	__s32 verdict; /* out: enum extfuse_verdict */
	__s32 error; /* out: negative errno */
	__u64 nodeid;
	__u64 now_ns; /* CLOCK_MONOTONIC, the clock of every expiry */
	__u32 uid; /* caller's fsuid */
	__u32 gid; /* caller's fsgid */
	__u32 pid;
	__u32 ngroups; /* valid entries in groups[] */
	__u32 groups[EXTFUSE_MAX_GROUPS];
	__u64 fh; /* READDIR: file handle */
	__u64 offset; /* READDIR: d_off cookie to continue from */
	__u64 nlookup; /* FORGET: in = kernel's count, out = count to send */
	__u64 nodeid2; /* LINK, RENAME: see above */
	__u32 size; /* READDIR: bytes the kernel asked for */
	__u32 namelen;
	__u32 namelen2;
	__u32 out_size; /* out: valid bytes in out */
	__u32 conn_id; /* the request's connection; 0 outside the kernel */
	__u32 pad;
	char name[EXTFUSE_NAME_BUF];
	char name2[EXTFUSE_NAME_BUF];
	union {
		struct fuse_entry_out entry;
		struct fuse_attr_out attr;
		struct fuse_open_out open;
		__u8 dirbuf[EXTFUSE_DIRBUF_SIZE];
	} out;
};

/* Fill the header of a new context; every other field is zero. */
static inline void extfuse_req_init(struct extfuse_req *req, __u32 opcode,
				    __u64 nodeid)
{
	__builtin_memset(req, 0, sizeof(*req));
	req->magic = EXTFUSE_MAGIC;
	req->abi_version = EXTFUSE_ABI_VERSION;
	req->ctx_size = sizeof(*req);
	req->opcode = opcode;
	req->nodeid = nodeid;
}

/* Does mode carry one of the seven file types the kernel accepts? */
static inline int extfuse_mode_has_type(__u32 mode)
{
	switch (mode & 0170000) {
	case 0100000: /* regular file */
	case 0040000: /* directory */
	case 0120000: /* symbolic link */
	case 0020000: /* character device */
	case 0060000: /* block device */
	case 0010000: /* fifo */
	case 0140000: /* socket */
		return 1;
	}
	return 0;
}

/*
 * The requests that change metadata: the extension sees them before the
 * daemon does, drops what they make wrong and bumps versions; they are
 * always sent on to the daemon.
 */
static inline int extfuse_op_modifies(__u32 opcode)
{
	switch (opcode) {
	case FUSE_SETATTR:
	case FUSE_WRITE:
	case FUSE_FALLOCATE:
	case FUSE_SETXATTR:
	case FUSE_REMOVEXATTR:
	case FUSE_CREATE:
	case FUSE_MKNOD:
	case FUSE_MKDIR:
	case FUSE_SYMLINK:
	case FUSE_LINK:
	case FUSE_UNLINK:
	case FUSE_RMDIR:
	case FUSE_RENAME:
	case FUSE_RENAME2:
		return 1;
	}
	return 0;
}

/* ---- Maps ----------------------------------------------------------- */

/*
 * Map names (also their pin names under <pin root>/<connection>/; the
 * program is pinned as "prog").  Kernel object names have 15 characters.
 */
#define EXTFUSE_MAP_ENTRIES "extfuse_entries" /* hash, entry_key -> entry_val */
#define EXTFUSE_MAP_ATTRS "extfuse_attrs" /* hash, nodeid -> attr_val */
#define EXTFUSE_MAP_DIRS "extfuse_dirs" /* hash, dir_key -> dir_val */
#define EXTFUSE_MAP_CHUNKS "extfuse_chunks" /* hash, chunk_key -> chunk_val */
#define EXTFUSE_MAP_NAMES "extfuse_names" /* hash, name_key -> name_val */
#define EXTFUSE_MAP_VERS "extfuse_vers" /* hash, nodeid -> __u64 version */
#define EXTFUSE_MAP_SERVED "extfuse_served" /* hash, nodeid -> __u64 count */
#define EXTFUSE_MAP_STATS "extfuse_stats" /* per-CPU array of extfuse_stats */
#define EXTFUSE_MAP_CONFIG "extfuse_config" /* array[1] of extfuse_config */
#define EXTFUSE_PROG_PIN "prog"

/*
 * Expiry: every cached value carries expiry_ns (CLOCK_MONOTONIC) and is never
 * served at or after it.  Publishers set it to at most the time of the server
 * reply plus min(features.cache-invalidation-timeout,
 * performance.md-cache-timeout), because a server only sends invalidations to
 * clients that contacted it within that window.
 *
 * Versions: extfuse_vers holds a counter per nodeid, bumped by the
 * extension before any request that changes the node reaches the daemon.  A
 * publisher reads the node's version before it sends its own request and
 * stores it in the value; the extension serves a value only while its
 * version equals the node's current one, so a reply that raced with a change
 * is never served.  A missing counter reads as 0.  When the versions map is
 * full, the extension bumps the global epoch in extfuse_config instead,
 * which every value also records.
 */

/* extfuse_entries: (parent, name) -> child, or a negative entry. */
struct extfuse_entry_key {
	__u64 parent;
	char name[EXTFUSE_NAME_BUF]; /* NUL padded */
};

#define EXTFUSE_ENTRY_NEGATIVE (1u << 0) /* the name does not exist */

struct extfuse_entry_val {
	__u64 nodeid; /* 0 for a negative entry */
	__u64 generation;
	__u64 expiry_ns;
	__u64 version; /* version of the parent when published */
	__u64 epoch;
	__u32 flags; /* EXTFUSE_ENTRY_* */
	__u32 pad;
};

/* extfuse_attrs: nodeid -> attributes, exactly as the daemon would reply. */
#define EXTFUSE_ATTR_MAY_HAVE_ACL (1u << 0) /* permission checks go to the daemon */

struct extfuse_attr_val {
	struct fuse_attr attr;
	__u64 expiry_ns;
	__u64 version; /* version of the node when published */
	__u64 epoch;
	__u32 flags; /* EXTFUSE_ATTR_* */
	__u32 pad;
};

/*
 * Directory listings.  extfuse_dirs holds one header per (directory, kind);
 * extfuse_chunks holds the listing as ready-made reply buffers, keyed by
 * the d_off cookie the kernel sends to continue: 0 for the first chunk, then
 * the d_off of the last entry of the previous chunk, so a READDIR that
 * misses the cache continues at the daemon.  The cookies are the daemon's,
 * strictly increasing within a listing (the Gluster translator hands out
 * positions and maps them back to the servers' cookies).  The listing ends
 * with an empty chunk (len 0, EXTFUSE_CHUNK_EOF).  A chunk is served only
 * while its listing_id equals its header's; a header is served only while
 * fresh and at the directory's current version.  READDIRPLUS chunks carry
 * nodeid 0 in every entry_out so that no inode is instantiated.
 */
enum extfuse_dir_kind {
	EXTFUSE_DIR_PLAIN = 0, /* struct fuse_dirent records */
	EXTFUSE_DIR_PLUS = 1, /* struct fuse_direntplus records */
	EXTFUSE_DIR_NAMES = 2, /* header only: every name is in extfuse_names */
};

struct extfuse_dir_key {
	__u64 dir;
	__u32 kind; /* enum extfuse_dir_kind */
	__u32 pad;
};

struct extfuse_dir_val {
	__u64 listing_id; /* unique per publish */
	__u64 expiry_ns;
	__u64 version; /* version of the directory when published */
	__u64 epoch;
	__u32 nchunks;
	__u32 nentries;
};

struct extfuse_chunk_key {
	__u64 dir;
	__u64 offset; /* cookie this chunk continues from */
	__u32 kind;
	__u32 pad;
};

#define EXTFUSE_CHUNK_EOF (1u << 0) /* last chunk: an empty reply */

struct extfuse_chunk_val {
	__u64 listing_id;
	__u64 next_offset; /* key of the following chunk */
	__u32 len; /* valid bytes in buf, <= EXTFUSE_CHUNK_BUF_SIZE */
	__u32 flags; /* EXTFUSE_CHUNK_* */
	__u8 buf[EXTFUSE_CHUNK_BUF_SIZE];
};

/*
 * Misses answered from a complete listing.  A header of kind
 * EXTFUSE_DIR_NAMES says: every name of directory dir, as of its version,
 * is in extfuse_names under (dir, extfuse_name_hash(name)) with a
 * listing_id at least the header's.  While that header is fresh and
 * current, a LOOKUP of a name with no entry and no such element is
 * answered ENOENT.  Ids grow with every publish, so an element rewritten
 * by a newer listing still counts as present, and one left by an older
 * listing as absent; a hash collision can only make a missing name look
 * present (the daemon answers then).
 */
struct extfuse_name_key {
	__u64 dir;
	__u64 hash; /* extfuse_name_hash() of the NUL-padded name */
};

struct extfuse_name_val {
	__u64 listing_id; /* of the EXTFUSE_DIR_NAMES header it was written for */
};

#define EXTFUSE_NAME_WORDS (EXTFUSE_NAME_BUF / 8)
#define EXTFUSE_NAME_HASH_INIT 0xcbf29ce484222325ull

/* One step of the name hash over word w of the NUL-padded name. */
static inline __u64 extfuse_name_hash_step(__u64 h, __u64 w)
{
	h ^= w;
	h *= 0x100000001b3ull;
	return h ^ (h >> 29);
}

/* The hash of a name held NUL padded in EXTFUSE_NAME_WORDS words. */
static inline __u64 extfuse_name_hash(const __u64 *words)
{
	__u64 h = EXTFUSE_NAME_HASH_INIT;
	int i;

	for (i = 0; i < EXTFUSE_NAME_WORDS; i++)
		h = extfuse_name_hash_step(h, words[i]);
	return h;
}

/*
 * extfuse_served: nodeid -> lookups answered in the kernel and not yet
 * handed back by FORGET.  The extension increments it in the same run that
 * answers a LOOKUP, and takes FORGET counts off it (see docs/design.md); the
 * daemon keeps a node pinned while its count is non-zero.  Only FORGET
 * takes a count down; only the daemon side deletes a counter, at 0, when it
 * destroys the node (no entry has named it since a grace period).
 */

/* extfuse_stats: per-CPU array indexed by enum extfuse_stat_op. */
enum extfuse_stat_op {
	EXTFUSE_SOP_LOOKUP,
	EXTFUSE_SOP_GETATTR,
	EXTFUSE_SOP_READDIR,
	EXTFUSE_SOP_READDIRPLUS,
	EXTFUSE_SOP_OPENDIR,
	EXTFUSE_SOP_GETXATTR,
	EXTFUSE_SOP_MODIFY, /* requests that change metadata */
	EXTFUSE_SOP_FORGET,
	EXTFUSE_SOP_OTHER,
	EXTFUSE_SOP_COUNT,
};

struct extfuse_stats {
	__u64 hits; /* answered in the kernel */
	__u64 misses; /* nothing cached */
	__u64 expired; /* cached, but past expiry */
	__u64 stale; /* cached, but the version or epoch moved */
	__u64 perm_refused; /* caller may not search the parent (read, OPENDIR) */
	__u64 errors; /* malformed context or map contents */
	__u64 invalidations; /* entries dropped before a change */
	__u64 forget_kept; /* FORGET counts taken off (served in the kernel) */
};

/* extfuse_config: a one-element array. */
#define EXTFUSE_CFG_ENABLED (1u << 0)
#define EXTFUSE_CFG_NEGATIVE (1u << 1) /* serve negative entries */
#define EXTFUSE_CFG_DIRS (1u << 2) /* serve directory listings, open directories */
/*
 * The daemon answers a read of security.selinux (security.capability) with
 * ENODATA by its name alone, never asking the file: Gluster's FUSE bridge
 * on a mount without the selinux (capability) option.  The extension then
 * gives the same answer (docs/design.md, "Extended attributes").
 */
#define EXTFUSE_CFG_ABSENT_SELINUX (1u << 3)
#define EXTFUSE_CFG_ABSENT_CAPABILITY (1u << 4)
#define EXTFUSE_CFG_ALL                                                    \
	(EXTFUSE_CFG_ENABLED | EXTFUSE_CFG_NEGATIVE | EXTFUSE_CFG_DIRS |   \
	 EXTFUSE_CFG_ABSENT_SELINUX | EXTFUSE_CFG_ABSENT_CAPABILITY)

/*
 * A kernel timeout of the configuration meaning "until the value's
 * expiry": safe only while every event that retires values also reaches
 * the kernel's caches (see docs/design.md, "What the kernel keeps").
 */
#define EXTFUSE_TIMEOUT_EXPIRY (~0ULL)

struct extfuse_config {
	__u32 magic; /* EXTFUSE_MAGIC once initialised; else nothing is served */
	__u32 flags; /* EXTFUSE_CFG_* */
	__u64 entry_timeout_ns; /* entry_valid given to the kernel (capped by expiry) */
	__u64 attr_timeout_ns; /* attr_valid given to the kernel (capped by expiry) */
	__u64 epoch; /* bumped when the versions map is full */
	__u32 conn_id; /* the connection the maps serve; 0: none yet */
	__u32 pad;
};

/*
 * Binding: at attach the kernel module writes the connection id into
 * conn_id, and refuses (EBUSY) a program whose config or served-count map
 * is already used by another live connection.  The daemon side writes the
 * same id (its maps are named after the connection) and never another.
 */

/* ---- Control device /dev/extfuse ------------------------------------ */

#define EXTFUSE_DEVICE "/dev/extfuse"
#define EXTFUSE_IOC_TYPE 0xEF

struct extfuse_attach {
	__u32 magic; /* EXTFUSE_MAGIC */
	__u16 abi_version; /* EXTFUSE_ABI_VERSION */
	__u16 size; /* sizeof(struct extfuse_attach) */
	__s32 conn_fd; /* the daemon's /dev/fuse fd, or an fd on the mount */
	__s32 prog_fd; /* BPF_PROG_TYPE_SYSCALL program, sleepable */
	__u32 flags; /* EXTFUSE_ATTACH_* */
	__u32 conn_id; /* out: connection id (minor of the mount's st_dev) */
};

/*
 * Attach also to a connection that root of the initial user namespace did
 * not mount (refused with EPERM otherwise).
 */
#define EXTFUSE_ATTACH_ANY_OWNER (1u << 0)

struct extfuse_conn_info {
	__u32 magic;
	__u16 abi_version;
	__u16 size;
	__u32 index; /* in: 0.. to enumerate attached connections */
	__u32 conn_id; /* out */
	__u32 prog_id; /* out: BPF program id */
	__u32 flags; /* out: EXTFUSE_CONN_* */
	__u64 seen; /* requests the module saw */
	__u64 answered; /* answered in the kernel */
	__u64 forwarded; /* sent to the daemon */
	__u64 refused; /* extension replies that failed validation */
	__u64 forget_adjusted; /* FORGETs whose count was reduced */
	__u64 forget_dropped; /* FORGETs not sent at all */
};

/* Detached: nothing is answered; FORGETs are rewritten until the end. */
#define EXTFUSE_CONN_DETACHED (1u << 0)

#define EXTFUSE_IOC_ATTACH _IOWR(EXTFUSE_IOC_TYPE, 1, struct extfuse_attach)
#define EXTFUSE_IOC_DETACH _IOW(EXTFUSE_IOC_TYPE, 2, struct extfuse_attach)
#define EXTFUSE_IOC_QUERY _IOWR(EXTFUSE_IOC_TYPE, 3, struct extfuse_conn_info)
/* Wait until every extension run that started before the call has ended. */
#define EXTFUSE_IOC_SYNC _IO(EXTFUSE_IOC_TYPE, 4)
/* The connection of conn_fd (out: conn_id); prog_fd and flags are unused. */
#define EXTFUSE_IOC_CONN_OF _IOWR(EXTFUSE_IOC_TYPE, 5, struct extfuse_attach)

/*
 * The values behind the kernel's answers were retired wholesale (the epoch
 * moved): after every extension run that started before the call has
 * ended, the kernel's attributes and dentries of every mount of the
 * attached connection conn_id are marked expired, so that what it was
 * told with a long validity is asked again.  With EXTFUSE_EXPIRE_DIR,
 * only the names under directory nodeid, negative ones included (another
 * client changed it; the servers do not say which name).  ENOENT: no such
 * attachment.
 */
struct extfuse_expire {
	__u32 magic; /* EXTFUSE_MAGIC */
	__u16 abi_version; /* EXTFUSE_ABI_VERSION */
	__u16 size; /* sizeof(struct extfuse_expire) */
	__u32 conn_id;
	__u32 flags; /* EXTFUSE_EXPIRE_* */
	__u64 nodeid; /* EXTFUSE_EXPIRE_DIR: the directory; 0 otherwise */
};

#define EXTFUSE_EXPIRE_DIR (1u << 0)

#define EXTFUSE_IOC_EXPIRE _IOW(EXTFUSE_IOC_TYPE, 6, struct extfuse_expire)

/* ---- Layout checks -------------------------------------------------- */

#ifdef __cplusplus
#define EXTFUSE_ASSERT_SIZE(type, bytes) \
	static_assert(sizeof(type) == (bytes), #type " size changed")
#else
#define EXTFUSE_ASSERT_SIZE(type, bytes) \
	_Static_assert(sizeof(type) == (bytes), #type " size changed")
#endif

EXTFUSE_ASSERT_SIZE(struct fuse_attr, 88);
EXTFUSE_ASSERT_SIZE(struct fuse_entry_out, 128);
EXTFUSE_ASSERT_SIZE(struct fuse_attr_out, 104);
EXTFUSE_ASSERT_SIZE(struct extfuse_req, 4784);
EXTFUSE_ASSERT_SIZE(struct extfuse_entry_key, 264);
EXTFUSE_ASSERT_SIZE(struct extfuse_entry_val, 48);
EXTFUSE_ASSERT_SIZE(struct extfuse_attr_val, 120);
EXTFUSE_ASSERT_SIZE(struct extfuse_dir_key, 16);
EXTFUSE_ASSERT_SIZE(struct extfuse_dir_val, 40);
EXTFUSE_ASSERT_SIZE(struct extfuse_chunk_key, 24);
EXTFUSE_ASSERT_SIZE(struct extfuse_chunk_val, 3992);
EXTFUSE_ASSERT_SIZE(struct extfuse_name_key, 16);
EXTFUSE_ASSERT_SIZE(struct extfuse_name_val, 8);
EXTFUSE_ASSERT_SIZE(struct extfuse_stats, 64);
EXTFUSE_ASSERT_SIZE(struct extfuse_config, 40);
EXTFUSE_ASSERT_SIZE(struct extfuse_attach, 24);
EXTFUSE_ASSERT_SIZE(struct extfuse_conn_info, 72);
EXTFUSE_ASSERT_SIZE(struct extfuse_expire, 24);

#endif /* EXTFUSE_ABI_H */
