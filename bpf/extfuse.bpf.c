// SPDX-License-Identifier: GPL-2.0
/*
 * The ExtFUSE extension: answers FUSE LOOKUP, GETATTR, READDIR and
 * READDIRPLUS from maps that the daemon fills, and the GETXATTRs whose
 * answer the daemon gives by the name alone, drops what a modifying
 * request makes wrong before the request reaches the daemon, and takes the
 * lookups it answered off FORGET counts.
 *
 * It runs as a BPF_PROG_TYPE_SYSCALL program: the kernel module runs it per
 * request, tests and the daemon side run it with BPF_PROG_TEST_RUN.  The
 * context is struct extfuse_req (extfuse_abi.h).  The verifier only allows
 * constant offsets into the context, hence the copies to the stack.
 *
 * Rule of thumb: when anything is missing, out of date or unsure, leave the
 * verdict at PASS and let the daemon answer.
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "extfuse_abi.h"

#define E_NOENT 2
#define E_FAULT 14
#define E_INVAL 22
#define E_NODATA 61

#define MODE_TYPE 0170000
#define MODE_DIR 0040000
#define MODE_ROTH 0004 /* shifted by 3 for the group, 6 for the owner */
#define MODE_XOTH 0001
#define NSEC_PER_SEC 1000000000ull

/* Retries of the FORGET compare-and-swap before giving up (see forget). */
#define FORGET_CAS_TRIES 64

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 131072);
	__type(key, struct extfuse_entry_key);
	__type(value, struct extfuse_entry_val);
} extfuse_entries SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, struct extfuse_attr_val);
} extfuse_attrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 131072);
	__type(key, struct extfuse_dir_key);
	__type(value, struct extfuse_dir_val);
} extfuse_dirs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, struct extfuse_chunk_key);
	__type(value, struct extfuse_chunk_val);
} extfuse_chunks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 131072);
	__type(key, struct extfuse_name_key);
	__type(value, struct extfuse_name_val);
} extfuse_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, __u64);
} extfuse_vers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, __u64);
} extfuse_served SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXTFUSE_SOP_COUNT);
	__type(key, __u32);
	__type(value, struct extfuse_stats);
} extfuse_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct extfuse_config);
} extfuse_config SEC(".maps");

/* Why a cached value cannot be served. */
enum lookup_result {
	FOUND,
	MISSING,
	EXPIRED,
	STALE,
	BAD, /* malformed; already counted */
};

static __always_inline struct extfuse_stats *stats_of(__u32 sop)
{
	return bpf_map_lookup_elem(&extfuse_stats, &sop);
}

#define STAT_INC(stats, field)                                   \
	do {                                                     \
		struct extfuse_stats *_st = (stats);             \
		if (_st)                                         \
			__sync_fetch_and_add(&_st->field, 1);    \
	} while (0)

#define STAT_ADD(stats, field, n)                                \
	do {                                                     \
		struct extfuse_stats *_st = (stats);             \
		if (_st)                                         \
			__sync_fetch_and_add(&_st->field, (n));  \
	} while (0)

static __always_inline void count_result(struct extfuse_stats *st,
					 enum lookup_result r)
{
	switch (r) {
	case FOUND:
		break;
	case MISSING:
		STAT_INC(st, misses);
		break;
	case EXPIRED:
		STAT_INC(st, expired);
		break;
	case STALE:
		STAT_INC(st, stale);
		break;
	case BAD:
		break;
	}
}

static __always_inline __u64 node_version(__u64 nodeid)
{
	__u64 *v = bpf_map_lookup_elem(&extfuse_vers, &nodeid);

	return v ? *v : 0;
}

/*
 * Make every value published for nodeid with an older stamp unservable.
 * When the versions map is full, move the global epoch instead: that
 * invalidates everything, which is always safe.
 */
static __always_inline void bump_version(struct extfuse_config *cfg,
					 __u64 nodeid)
{
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&extfuse_vers, &nodeid);
	if (!v && bpf_map_update_elem(&extfuse_vers, &nodeid, &one,
				      BPF_NOEXIST) == 0)
		return;
	if (!v)
		v = bpf_map_lookup_elem(&extfuse_vers, &nodeid);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		__sync_fetch_and_add(&cfg->epoch, 1);
}

static __always_inline enum lookup_result
check_fresh(const struct extfuse_req *ctx, const struct extfuse_config *cfg,
	    __u64 expiry_ns, __u64 version, __u64 epoch, __u64 stamp_node)
{
	if (ctx->now_ns >= expiry_ns)
		return EXPIRED;
	if (epoch != cfg->epoch || version != node_version(stamp_node))
		return STALE;
	return FOUND;
}

/*
 * Values are read in place, and a hash map may reuse a freed element at
 * once: a value can change under the reader while the daemon replaces or
 * deletes it.  So every value is read into a snapshot, and the key is then
 * looked up again: the same element with the same contents means the
 * snapshot is consistent.  Any difference is a miss.
 */
struct attr_snap {
	struct fuse_attr attr;
	__u64 expiry_ns;
	__u64 version;
	__u64 epoch;
	__u32 flags;
};

#define ATTR_SAME(a, b)                                                     \
	((a).ino == (b).ino && (a).size == (b).size &&                      \
	 (a).blocks == (b).blocks && (a).atime == (b).atime &&              \
	 (a).mtime == (b).mtime && (a).ctime == (b).ctime &&                \
	 (a).atimensec == (b).atimensec && (a).mtimensec == (b).mtimensec && \
	 (a).ctimensec == (b).ctimensec && (a).mode == (b).mode &&          \
	 (a).nlink == (b).nlink && (a).uid == (b).uid && (a).gid == (b).gid && \
	 (a).rdev == (b).rdev && (a).blksize == (b).blksize &&              \
	 (a).flags == (b).flags)

/* Snapshot the attributes of nodeid and say whether they can be served. */
static __always_inline enum lookup_result
find_attr(const struct extfuse_req *ctx, const struct extfuse_config *cfg,
	  __u64 nodeid, struct attr_snap *s)
{
	const struct extfuse_attr_val *val, *again;

	val = bpf_map_lookup_elem(&extfuse_attrs, &nodeid);
	if (!val)
		return MISSING;
	s->attr = val->attr;
	s->expiry_ns = val->expiry_ns;
	s->version = val->version;
	s->epoch = val->epoch;
	s->flags = val->flags;
	again = bpf_map_lookup_elem(&extfuse_attrs, &nodeid);
	if (again != val || !ATTR_SAME(val->attr, s->attr) ||
	    val->expiry_ns != s->expiry_ns || val->version != s->version ||
	    val->epoch != s->epoch || val->flags != s->flags)
		return STALE;
	return check_fresh(ctx, cfg, s->expiry_ns, s->version, s->epoch,
			   nodeid);
}

/* Snapshot the entry of key; same rules as find_attr. */
static __always_inline enum lookup_result
find_entry(const struct extfuse_req *ctx, const struct extfuse_config *cfg,
	   const struct extfuse_entry_key *key, struct extfuse_entry_val *s)
{
	const struct extfuse_entry_val *val, *again;

	val = bpf_map_lookup_elem(&extfuse_entries, key);
	if (!val)
		return MISSING;
	*s = *val;
	again = bpf_map_lookup_elem(&extfuse_entries, key);
	if (again != val || val->nodeid != s->nodeid ||
	    val->generation != s->generation ||
	    val->expiry_ns != s->expiry_ns || val->version != s->version ||
	    val->epoch != s->epoch || val->flags != s->flags)
		return STALE;
	return check_fresh(ctx, cfg, s->expiry_ns, s->version, s->epoch,
			   key->parent);
}

/* How long the kernel may cache an answer: the configured timeout, never
 * beyond the value's expiry. */
static __always_inline __u64 kernel_timeout(__u64 timeout_ns, __u64 now_ns,
					    __u64 expiry_ns)
{
	__u64 left = expiry_ns - now_ns;

	return timeout_ns < left ? timeout_ns : left;
}

/* True when the caller is in group gid.  Unrolled: the verifier wants
 * constant offsets into the context. */
static __always_inline bool in_group(const struct extfuse_req *ctx, __u32 gid)
{
	__u32 n = ctx->ngroups;

	if (ctx->gid == gid)
		return true;
#pragma clang loop unroll(full)
	for (int i = 0; i < EXTFUSE_MAX_GROUPS; i++) {
		if (i < n && ctx->groups[i] == gid)
			return true;
	}
	return false;
}

/*
 * May the caller search (MODE_X*) or read (MODE_R*) directory dir?  Classic
 * POSIX: only the first class that matches counts; bit is the permission's
 * bit for others, shifted for the group and the owner.  *unsure is set when
 * the answer depends on groups the context did not carry.  The capability
 * flag covers both (CAP_DAC_READ_SEARCH, CAP_DAC_OVERRIDE).
 */
static __always_inline bool may_access_dir(const struct extfuse_req *ctx,
					   const struct fuse_attr *dir,
					   __u32 bit, bool *unsure)
{
	__u32 mode = dir->mode;

	*unsure = false;
	if (ctx->flags & EXTFUSE_REQ_CAP_SEARCH)
		return true;
	if (ctx->uid == dir->uid)
		return mode & (bit << 6);
	if (in_group(ctx, dir->gid))
		return mode & (bit << 3);
	if ((ctx->flags & EXTFUSE_REQ_GROUPS_TRUNCATED) &&
	    !(mode & (bit << 3)) != !(mode & bit))
		*unsure = true;
	return mode & bit;
}

/* A name being loaded from the context. */
struct name_buf {
	struct extfuse_entry_key key;
	__u32 len;
};

#define NAME_WORDS (EXTFUSE_NAME_BUF / 8)
#define BYTES_OF(c) (0x0101010101010101ull * (c))

/* Non-zero when any byte of v is zero. */
static __always_inline __u64 zero_byte_bits(__u64 v)
{
	return (v - BYTES_OF(0x01)) & ~v & BYTES_OF(0x80);
}

/* Mask of the low n bytes of a word, n in 0..9 (1 << 64 is undefined). */
static __always_inline __u64 low_bytes(__u64 n)
{
	return ((1ull << (n * 4)) << (n * 4)) - 1;
}

/*
 * Check the name in nb a word at a time, without branches, so that the
 * verifier walks the loop once rather than once per possible length: 1..255
 * bytes without NUL or '/', then a NUL.  The tail after the NUL is zeroed,
 * so a caller that left garbage there still finds the key.
 */
static __noinline int check_name(struct name_buf *nb)
{
	__u64 *words = (__u64 *)nb->key.name;
	__s64 len = nb->len;
	__u64 bad = 0;

#pragma clang loop unroll(disable)
	for (int w = 0; w < NAME_WORDS; w++) {
		__s64 d = len - w * 8; /* name bytes from this word on */
		__u64 v = words[w], past, keep, over, mask, nul, name;

		past = d >> 63; /* all ones when the word is past the NUL */
		keep = d & ~past; /* max(d, 0) */
		over = keep - 8;
		keep -= over & ~((__s64)over >> 63); /* min(keep, 8) */
		mask = low_bytes(keep);
		nul = low_bytes(keep + 1) & ~mask & ~past;
		/* bytes past the name read as 0x01: neither NUL nor '/' */
		name = (v & mask) | (BYTES_OF(0x01) & ~mask);
		bad |= zero_byte_bits(name) |
		       zero_byte_bits(name ^ BYTES_OF('/')) | (v & nul);
		words[w] = v & mask;
	}
	return bad ? -1 : 0;
}

/*
 * Copy name (or name2 when second) of the context into nb and check it.
 * Context fields are read with constant offsets only: the verifier refuses
 * a pointer into the context that carries an offset.
 */
static __always_inline int load_name(struct name_buf *nb,
				     const struct extfuse_req *ctx,
				     bool second)
{
	if (second) {
		nb->key.parent = ctx->nodeid2;
		nb->len = ctx->namelen2;
		__builtin_memcpy(nb->key.name, ctx->name2, EXTFUSE_NAME_BUF);
	} else {
		nb->key.parent = ctx->nodeid;
		nb->len = ctx->namelen;
		__builtin_memcpy(nb->key.name, ctx->name, EXTFUSE_NAME_BUF);
	}
	if (nb->key.parent == 0 || nb->len == 0 || nb->len > EXTFUSE_NAME_MAX)
		return -1;
	return check_name(nb);
}

/* The name hash of extfuse_abi.h over a checked (NUL-padded) name. */
static __noinline __u64 hash_name(const struct name_buf *nb)
{
	const __u64 *words = (const __u64 *)nb->key.name;
	__u64 h = EXTFUSE_NAME_HASH_INIT;

#pragma clang loop unroll(disable)
	for (int w = 0; w < EXTFUSE_NAME_WORDS; w++)
		h = extfuse_name_hash_step(h, words[w]);
	return h;
}

/* Load and check the LOOKUP name, then snapshot its entry; *hash: the
 * name's hash when it has none.  A separate frame: the 256-byte key is
 * dead once the entry is read. */
static __noinline enum lookup_result
lookup_name(const struct extfuse_req *ctx, const struct extfuse_config *cfg,
	    struct extfuse_entry_val *ent, __u64 *hash)
{
	enum lookup_result r;
	struct name_buf nb;

	if (load_name(&nb, ctx, false)) {
		STAT_INC(stats_of(EXTFUSE_SOP_LOOKUP), errors);
		return BAD;
	}
	r = find_entry(ctx, cfg, &nb.key, ent);
	if (r == MISSING)
		*hash = hash_name(&nb);
	return r;
}

/*
 * The name (of hash) has no entry: is it absent from a complete, current
 * listing of the parent?  FOUND when it is.  The header is looked up again
 * after the name (see find_attr); a name written by a newer listing than
 * the header's counts as present.
 */
static __noinline enum lookup_result
listed_absent(const struct extfuse_req *ctx, const struct extfuse_config *cfg,
	      __u64 hash)
{
	struct extfuse_dir_key dkey = { .dir = ctx->nodeid,
					.kind = EXTFUSE_DIR_NAMES };
	struct extfuse_name_key nkey = { .dir = ctx->nodeid, .hash = hash };
	const struct extfuse_name_val *name;
	const struct extfuse_dir_val *hdr;
	__u64 id, expiry, version, epoch;
	enum lookup_result r;

	if (!(cfg->flags & EXTFUSE_CFG_DIRS) ||
	    !(cfg->flags & EXTFUSE_CFG_NEGATIVE))
		return MISSING;
	hdr = bpf_map_lookup_elem(&extfuse_dirs, &dkey);
	if (!hdr)
		return MISSING;
	id = hdr->listing_id;
	expiry = hdr->expiry_ns;
	version = hdr->version;
	epoch = hdr->epoch;
	r = check_fresh(ctx, cfg, expiry, version, epoch, ctx->nodeid);
	if (r != FOUND)
		return r;
	name = bpf_map_lookup_elem(&extfuse_names, &nkey);
	if (name && name->listing_id >= id)
		return MISSING; /* listed: the daemon names it */
	if (bpf_map_lookup_elem(&extfuse_dirs, &dkey) != hdr ||
	    hdr->listing_id != id || hdr->expiry_ns != expiry ||
	    hdr->version != version || hdr->epoch != epoch)
		return STALE;
	return FOUND;
}

static __always_inline bool is_ctx_valid(const struct extfuse_req *ctx)
{
	return ctx->magic == EXTFUSE_MAGIC &&
	       ctx->abi_version == EXTFUSE_ABI_VERSION &&
	       ctx->ctx_size == sizeof(struct extfuse_req);
}

/* Count one kernel-served lookup of nodeid before answering with it. */
static __always_inline int count_served(__u64 nodeid)
{
	__u64 one = 1, *n;

	n = bpf_map_lookup_elem(&extfuse_served, &nodeid);
	if (!n) {
		if (bpf_map_update_elem(&extfuse_served, &nodeid, &one,
					BPF_NOEXIST) == 0)
			return 0;
		n = bpf_map_lookup_elem(&extfuse_served, &nodeid);
		if (!n)
			return -1; /* map full: cannot count, so cannot serve */
	}
	__sync_fetch_and_add(n, 1);
	return 0;
}

/*
 * Do the cached attributes of dir, fresh and current, show a directory
 * without ACLs that grants the caller the permission whose bit for others
 * is bit (see may_access_dir)?  Counts in st why not.
 */
static __noinline bool dir_grants(struct extfuse_req *ctx,
				  struct extfuse_config *cfg, __u64 dir,
				  __u32 bit, struct extfuse_stats *st)
{
	struct attr_snap attr;
	enum lookup_result r;
	bool unsure;

	r = find_attr(ctx, cfg, dir, &attr);
	if (r != FOUND) {
		count_result(st, r);
		return false;
	}
	if ((attr.attr.mode & MODE_TYPE) != MODE_DIR) {
		STAT_INC(st, errors);
		return false;
	}
	if ((attr.flags & EXTFUSE_ATTR_MAY_HAVE_ACL) ||
	    !may_access_dir(ctx, &attr.attr, bit, &unsure) || unsure) {
		STAT_INC(st, perm_refused);
		return false;
	}
	return true;
}

/*
 * LOOKUP, given what lookup_name() found for the name (found, ent).  Each value
 * is checked when it is read; the answer combines values that were each
 * current at some instant during this run, as if the request had been
 * answered at that instant.
 */
static __noinline int handle_lookup(struct extfuse_req *ctx,
				    struct extfuse_config *cfg,
				    enum lookup_result found,
				    const struct extfuse_entry_val *ent,
				    bool absent)
{
	struct extfuse_stats *st = stats_of(EXTFUSE_SOP_LOOKUP);
	struct attr_snap attr;
	enum lookup_result r;
	__u64 tmo;

	if (found != FOUND && !absent) {
		count_result(st, found);
		return EXTFUSE_VERDICT_PASS;
	}

	/* The parent's cached attributes decide search permission. */
	if (!dir_grants(ctx, cfg, ctx->nodeid, MODE_XOTH, st))
		return EXTFUSE_VERDICT_PASS;

	if (absent || (ent->flags & EXTFUSE_ENTRY_NEGATIVE)) {
		if (!(cfg->flags & EXTFUSE_CFG_NEGATIVE)) {
			STAT_INC(st, misses);
			return EXTFUSE_VERDICT_PASS;
		}
		/* With a validity, the kernel keeps a negative dentry. */
		tmo = kernel_timeout(cfg->entry_timeout_ns, ctx->now_ns,
				     ent->expiry_ns);
		ctx->out.entry.nodeid = 0;
		ctx->out.entry.entry_valid = tmo / NSEC_PER_SEC;
		ctx->out.entry.entry_valid_nsec = tmo % NSEC_PER_SEC;
		ctx->out_size = sizeof(struct fuse_entry_out);
		ctx->error = -E_NOENT;
		STAT_INC(st, hits);
		return EXTFUSE_VERDICT_ERROR;
	}
	if (ent->nodeid == 0) {
		STAT_INC(st, errors);
		return EXTFUSE_VERDICT_PASS;
	}

	r = find_attr(ctx, cfg, ent->nodeid, &attr);
	if (r != FOUND) {
		count_result(st, r);
		return EXTFUSE_VERDICT_PASS;
	}
	if (!extfuse_mode_has_type(attr.attr.mode)) {
		STAT_INC(st, errors);
		return EXTFUSE_VERDICT_PASS;
	}
	if (count_served(ent->nodeid)) {
		STAT_INC(st, errors);
		return EXTFUSE_VERDICT_PASS;
	}

	ctx->out.entry.nodeid = ent->nodeid;
	ctx->out.entry.generation = ent->generation;
	tmo = kernel_timeout(cfg->entry_timeout_ns, ctx->now_ns, ent->expiry_ns);
	ctx->out.entry.entry_valid = tmo / NSEC_PER_SEC;
	ctx->out.entry.entry_valid_nsec = tmo % NSEC_PER_SEC;
	tmo = kernel_timeout(cfg->attr_timeout_ns, ctx->now_ns, attr.expiry_ns);
	ctx->out.entry.attr_valid = tmo / NSEC_PER_SEC;
	ctx->out.entry.attr_valid_nsec = tmo % NSEC_PER_SEC;
	ctx->out.entry.attr = attr.attr;
	ctx->out_size = sizeof(struct fuse_entry_out);
	STAT_INC(st, hits);
	return EXTFUSE_VERDICT_ANSWER;
}

static __noinline int handle_getattr(struct extfuse_req *ctx,
				     struct extfuse_config *cfg)
{
	struct extfuse_stats *st = stats_of(EXTFUSE_SOP_GETATTR);
	struct attr_snap attr;
	enum lookup_result r;
	__u64 tmo;

	if (ctx->nodeid == 0) {
		STAT_INC(st, errors);
		return EXTFUSE_VERDICT_PASS;
	}
	r = find_attr(ctx, cfg, ctx->nodeid, &attr);
	if (r != FOUND) {
		count_result(st, r);
		return EXTFUSE_VERDICT_PASS;
	}
	if (!extfuse_mode_has_type(attr.attr.mode)) {
		STAT_INC(st, errors);
		return EXTFUSE_VERDICT_PASS;
	}
	tmo = kernel_timeout(cfg->attr_timeout_ns, ctx->now_ns, attr.expiry_ns);
	ctx->out.attr.attr_valid = tmo / NSEC_PER_SEC;
	ctx->out.attr.attr_valid_nsec = tmo % NSEC_PER_SEC;
	ctx->out.attr.dummy = 0;
	ctx->out.attr.attr = attr.attr;
	ctx->out_size = sizeof(struct fuse_attr_out);
	STAT_INC(st, hits);
	return EXTFUSE_VERDICT_ANSWER;
}

/* Whether the context's name is the constant s, of len bytes. */
static __always_inline bool name_is(const struct extfuse_req *ctx,
				    const char *s, __u32 len)
{
	__u8 diff = 0;

	if (ctx->namelen != len)
		return false;
#pragma clang loop unroll(full)
	for (__u32 i = 0; i < len; i++)
		diff |= ctx->name[i] ^ s[i];
	return !diff;
}

#define SELINUX_XATTR "security.selinux"
#define CAPABILITY_XATTR "security.capability"

/*
 * GETXATTR: answered only where the daemon's answer does not depend on the
 * file, the node or the caller: ENODATA for the security names that the
 * configuration says the daemon refuses by name.  Every other name, and
 * these while the daemon would look, go to the daemon.
 */
static __noinline int handle_getxattr(struct extfuse_req *ctx,
				      struct extfuse_config *cfg)
{
	struct extfuse_stats *st = stats_of(EXTFUSE_SOP_GETXATTR);
	__u32 flag = 0;

	if (name_is(ctx, SELINUX_XATTR, sizeof(SELINUX_XATTR) - 1))
		flag = EXTFUSE_CFG_ABSENT_SELINUX;
	else if (name_is(ctx, CAPABILITY_XATTR, sizeof(CAPABILITY_XATTR) - 1))
		flag = EXTFUSE_CFG_ABSENT_CAPABILITY;
	if (!flag || !(cfg->flags & flag)) {
		STAT_INC(st, misses);
		return EXTFUSE_VERDICT_PASS;
	}
	ctx->error = -E_NODATA;
	STAT_INC(st, hits);
	return EXTFUSE_VERDICT_ERROR;
}

/*
 * OPENDIR: the daemon would open the directory for a caller that may read
 * it.  Allowed here only on current attributes without an ACL; the module
 * makes the handle and opens the directory in the daemon when a request
 * that needs the daemon's handle comes (docs/design.md, "Directory
 * handles").
 */
static __noinline int handle_opendir(struct extfuse_req *ctx,
				     struct extfuse_config *cfg)
{
	struct extfuse_stats *st = stats_of(EXTFUSE_SOP_OPENDIR);

	if (!(cfg->flags & EXTFUSE_CFG_DIRS)) {
		STAT_INC(st, misses);
		return EXTFUSE_VERDICT_PASS;
	}
	if (!dir_grants(ctx, cfg, ctx->nodeid, MODE_ROTH, st))
		return EXTFUSE_VERDICT_PASS;
	__builtin_memset(&ctx->out.open, 0, sizeof(ctx->out.open));
	ctx->out_size = sizeof(struct fuse_open_out);
	STAT_INC(st, hits);
	return EXTFUSE_VERDICT_ANSWER;
}

/*
 * Copy len bytes of a chunk into the reply area, in blocks of 256 bytes with
 * constant offsets (then the chunk's last, shorter block): helpers may not
 * write into a SYSCALL program's context on newer kernels, and the verifier
 * refuses variable context offsets.
 */
#define DIRBUF_BLOCK 256
#define CHUNK_BLOCKS (EXTFUSE_CHUNK_BUF_SIZE / DIRBUF_BLOCK)
#define CHUNK_TAIL (EXTFUSE_CHUNK_BUF_SIZE % DIRBUF_BLOCK)

static __always_inline void copy_dirbuf(struct extfuse_req *ctx,
					const struct extfuse_chunk_val *chunk,
					__u32 len)
{
#pragma clang loop unroll(full)
	for (int i = 0; i < CHUNK_BLOCKS; i++) {
		if (i * DIRBUF_BLOCK < len)
			__builtin_memcpy(ctx->out.dirbuf + i * DIRBUF_BLOCK,
					 chunk->buf + i * DIRBUF_BLOCK,
					 DIRBUF_BLOCK);
	}
	if (CHUNK_TAIL && CHUNK_BLOCKS * DIRBUF_BLOCK < len)
		__builtin_memcpy(ctx->out.dirbuf + CHUNK_BLOCKS * DIRBUF_BLOCK,
				 chunk->buf + CHUNK_BLOCKS * DIRBUF_BLOCK,
				 CHUNK_TAIL);
}

/*
 * READDIR(PLUS) from the chunk at the requested cookie.  The header and the
 * chunk are looked up again after the copy (see find_attr): listing ids are
 * unique per publish, so the same elements with the same listing id mean
 * the bytes copied belong to one listing.
 */
static __noinline int handle_readdir(struct extfuse_req *ctx,
				     struct extfuse_config *cfg, __u32 kind)
{
	struct extfuse_stats *st = stats_of(kind == EXTFUSE_DIR_PLUS ?
						    EXTFUSE_SOP_READDIRPLUS :
						    EXTFUSE_SOP_READDIR);
	struct extfuse_dir_key dkey = { .dir = ctx->nodeid, .kind = kind };
	struct extfuse_chunk_key ckey = {
		.dir = ctx->nodeid,
		.offset = ctx->offset,
		.kind = kind,
	};
	const struct extfuse_chunk_val *chunk;
	const struct extfuse_dir_val *hdr;
	enum lookup_result r;
	__u64 listing;
	__u32 len;

	if (ctx->nodeid == 0) {
		STAT_INC(st, errors);
		return EXTFUSE_VERDICT_PASS;
	}
	if (!(cfg->flags & EXTFUSE_CFG_DIRS)) {
		STAT_INC(st, misses);
		return EXTFUSE_VERDICT_PASS;
	}
	hdr = bpf_map_lookup_elem(&extfuse_dirs, &dkey);
	if (!hdr) {
		STAT_INC(st, misses);
		return EXTFUSE_VERDICT_PASS;
	}
	listing = hdr->listing_id;
	r = check_fresh(ctx, cfg, hdr->expiry_ns, hdr->version, hdr->epoch,
			ctx->nodeid);
	if (r != FOUND) {
		count_result(st, r);
		return EXTFUSE_VERDICT_PASS;
	}
	chunk = bpf_map_lookup_elem(&extfuse_chunks, &ckey);
	if (!chunk) {
		/* e.g. the kernel stopped inside a chunk: the daemon goes on */
		STAT_INC(st, misses);
		return EXTFUSE_VERDICT_PASS;
	}
	len = chunk->len;
	if (chunk->listing_id != listing) {
		STAT_INC(st, stale);
		return EXTFUSE_VERDICT_PASS;
	}
	if (len > EXTFUSE_CHUNK_BUF_SIZE) {
		STAT_INC(st, errors);
		return EXTFUSE_VERDICT_PASS;
	}
	if (len > ctx->size) {
		STAT_INC(st, misses);
		return EXTFUSE_VERDICT_PASS;
	}
	copy_dirbuf(ctx, chunk, len);
	if (bpf_map_lookup_elem(&extfuse_dirs, &dkey) != hdr ||
	    bpf_map_lookup_elem(&extfuse_chunks, &ckey) != chunk ||
	    hdr->listing_id != listing || chunk->listing_id != listing ||
	    chunk->len != len) {
		STAT_INC(st, stale);
		return EXTFUSE_VERDICT_PASS;
	}
	ctx->out_size = len;
	STAT_INC(st, hits);
	return EXTFUSE_VERDICT_ANSWER;
}

/*
 * Drop both listings of dir; returns how many were cached.  Its names
 * header is retired by the version bump that comes with every call, and
 * swept as stale: one more delete here, on every path through every
 * modifying request, costs the verifier of older kernels too much.
 */
static __always_inline int drop_listings(struct extfuse_stats *st, __u64 dir)
{
	struct extfuse_dir_key dkey = { .dir = dir, .kind = EXTFUSE_DIR_PLAIN };
	int dropped = 0;

	if (bpf_map_delete_elem(&extfuse_dirs, &dkey) == 0)
		dropped++;
	dkey.kind = EXTFUSE_DIR_PLUS;
	if (bpf_map_delete_elem(&extfuse_dirs, &dkey) == 0)
		dropped++;
	return dropped;
}

/* Drop the attributes and listings of nodeid and bump its version;
 * returns how many values were cached. */
static __always_inline int drop_node(struct extfuse_config *cfg, __u64 nodeid)
{
	struct extfuse_stats *st = stats_of(EXTFUSE_SOP_MODIFY);
	int dropped;

	if (nodeid == 0)
		return 0;
	bump_version(cfg, nodeid);
	dropped = drop_listings(st, nodeid);
	if (bpf_map_delete_elem(&extfuse_attrs, &nodeid) == 0)
		dropped++;
	return dropped;
}

/*
 * Drop the name (parent, name) of the context (name2 when second), the
 * parent's attributes and listings, and, when with_child, the attributes of
 * the node the name pointed to (its nlink or ctime is about to change).  A
 * bad name still drops the parent.  Returns how many values were cached.
 */
static __always_inline int drop_name(struct extfuse_config *cfg,
				     const struct extfuse_req *ctx, bool second,
				     bool with_child)
{
	struct extfuse_entry_val *e;
	struct name_buf nb;
	int dropped;
	__u64 child;

	dropped = drop_node(cfg, second ? ctx->nodeid2 : ctx->nodeid);
	if (load_name(&nb, ctx, second)) {
		STAT_INC(stats_of(EXTFUSE_SOP_MODIFY), errors);
		return dropped;
	}
	e = bpf_map_lookup_elem(&extfuse_entries, &nb.key);
	if (!e)
		return dropped;
	child = e->nodeid;
	if (bpf_map_delete_elem(&extfuse_entries, &nb.key) == 0)
		dropped++;
	if (with_child)
		dropped += drop_node(cfg, child);
	return dropped;
}

/* Returns how many cached values the request made wrong. */
static __noinline int handle_modify(struct extfuse_req *ctx,
				    struct extfuse_config *cfg)
{
	int dropped = 0;

	switch (ctx->opcode) {
	case FUSE_SETATTR:
	case FUSE_WRITE:
	case FUSE_FALLOCATE:
	case FUSE_SETXATTR:
	case FUSE_REMOVEXATTR:
		dropped = drop_node(cfg, ctx->nodeid);
		break;
	case FUSE_CREATE:
	case FUSE_MKNOD:
	case FUSE_MKDIR:
	case FUSE_SYMLINK:
		dropped = drop_name(cfg, ctx, false, false);
		break;
	case FUSE_UNLINK:
	case FUSE_RMDIR:
		dropped = drop_name(cfg, ctx, false, true);
		break;
	case FUSE_LINK:
		dropped = drop_name(cfg, ctx, false, false);
		dropped += drop_node(cfg, ctx->nodeid2);
		break;
	case FUSE_RENAME:
	case FUSE_RENAME2:
		dropped = drop_name(cfg, ctx, false, true);
		dropped += drop_name(cfg, ctx, true, true);
		break;
	}
	return dropped;
}

/*
 * FORGET(nodeid, N): take min(N, served) off the kernel-served count and
 * leave the rest in ctx->nlookup for the daemon.  If the count cannot be
 * updated, fail: the module then sends nothing, which leaks a reference in
 * the daemon but can never make it free a node the kernel still holds.
 */
static __noinline int handle_forget(struct extfuse_req *ctx)
{
	struct extfuse_stats *st = stats_of(EXTFUSE_SOP_FORGET);
	__u64 nodeid = ctx->nodeid, want = ctx->nlookup, old, take;
	__u64 *served;

	served = bpf_map_lookup_elem(&extfuse_served, &nodeid);
	if (!served || want == 0)
		return EXTFUSE_VERDICT_PASS;
	for (int i = 0; i < FORGET_CAS_TRIES; i++) {
		old = *served;
		take = old < want ? old : want;
		if (take == 0)
			return EXTFUSE_VERDICT_PASS;
		if (__sync_val_compare_and_swap(served, old, old - take) ==
		    old) {
			ctx->nlookup = want - take;
			STAT_ADD(st, forget_kept, take);
			STAT_INC(st, hits);
			return EXTFUSE_VERDICT_PASS;
		}
	}
	ctx->error = -E_FAULT;
	STAT_INC(st, errors);
	return EXTFUSE_VERDICT_ERROR;
}

/* Invalidations requested by the daemon side through BPF_PROG_TEST_RUN;
 * returns how many cached values were dropped. */
static __noinline int handle_inval(struct extfuse_req *ctx,
				   struct extfuse_config *cfg)
{
	if (ctx->nodeid == 0)
		return -1;
	switch (ctx->opcode) {
	case EXTFUSE_OP_INVAL_NODE:
		return drop_node(cfg, ctx->nodeid);
	case EXTFUSE_OP_INVAL_ENTRY:
		return drop_name(cfg, ctx, false, false);
	case EXTFUSE_OP_INVAL_DIR:
		bump_version(cfg, ctx->nodeid);
		return drop_listings(stats_of(EXTFUSE_SOP_MODIFY),
				     ctx->nodeid);
	}
	return -1;
}

SEC("syscall")
int extfuse_handle(struct extfuse_req *ctx)
{
	struct extfuse_entry_val ent;
	struct extfuse_config *cfg;
	enum lookup_result r;
	__u64 hash = 0;
	__u32 zero = 0;
	bool absent;
	int dropped;

	ctx->verdict = EXTFUSE_VERDICT_PASS;
	ctx->error = 0;
	ctx->out_size = 0;
	if (ctx->opcode == EXTFUSE_OP_PROBE) {
		ctx->magic = EXTFUSE_MAGIC;
		ctx->abi_version = EXTFUSE_ABI_VERSION;
		ctx->ctx_size = sizeof(struct extfuse_req);
		ctx->verdict = EXTFUSE_VERDICT_ANSWER;
		return 0;
	}
	if (!is_ctx_valid(ctx)) {
		STAT_INC(stats_of(EXTFUSE_SOP_OTHER), errors);
		if (ctx->opcode == FUSE_FORGET) {
			/* unknown layout: keep the count, send nothing */
			ctx->verdict = EXTFUSE_VERDICT_ERROR;
			ctx->error = -E_INVAL;
		}
		return 0;
	}
	cfg = bpf_map_lookup_elem(&extfuse_config, &zero);
	if (!cfg)
		return 0;

	/* Bookkeeping runs even while serving is switched off. */
	switch (ctx->opcode) {
	case FUSE_FORGET:
		ctx->verdict = handle_forget(ctx);
		return 0;
	case EXTFUSE_OP_INVAL_NODE:
	case EXTFUSE_OP_INVAL_ENTRY:
	case EXTFUSE_OP_INVAL_DIR:
		dropped = handle_inval(ctx, cfg);
		if (dropped < 0) {
			STAT_INC(stats_of(EXTFUSE_SOP_OTHER), errors);
			ctx->verdict = EXTFUSE_VERDICT_ERROR;
			ctx->error = -E_INVAL;
			return 0;
		}
		STAT_ADD(stats_of(EXTFUSE_SOP_MODIFY), invalidations, dropped);
		ctx->verdict = EXTFUSE_VERDICT_ANSWER;
		return dropped;
	}
	if (extfuse_op_modifies(ctx->opcode)) {
		/* Always sent on to the daemon; the drops happen first. */
		dropped = handle_modify(ctx, cfg);
		STAT_ADD(stats_of(EXTFUSE_SOP_MODIFY), invalidations, dropped);
		return dropped;
	}

	if (cfg->magic != EXTFUSE_MAGIC || !(cfg->flags & EXTFUSE_CFG_ENABLED))
		return 0;
	/*
	 * The maps answer for the connection they are bound to, whose
	 * daemon's nodeids they hold, and for no other.  FORGETs and
	 * modifying requests ran above regardless: the module lets only one
	 * live connection use these maps, and its counts must balance.
	 */
	if (ctx->conn_id != cfg->conn_id) {
		STAT_INC(stats_of(EXTFUSE_SOP_OTHER), errors);
		return 0;
	}
	switch (ctx->opcode) {
	case FUSE_LOOKUP:
		/* Two stages, so that the name key and the attribute
		 * snapshots are never on the stack together. */
		r = lookup_name(ctx, cfg, &ent, &hash);
		absent = r == MISSING &&
			 listed_absent(ctx, cfg, hash) == FOUND;
		ctx->verdict = handle_lookup(ctx, cfg, r, &ent, absent);
		return 0;
	case FUSE_GETATTR:
		ctx->verdict = handle_getattr(ctx, cfg);
		return 0;
	case FUSE_GETXATTR:
		ctx->verdict = handle_getxattr(ctx, cfg);
		return 0;
	case FUSE_READDIR:
		ctx->verdict = handle_readdir(ctx, cfg, EXTFUSE_DIR_PLAIN);
		return 0;
	case FUSE_READDIRPLUS:
		ctx->verdict = handle_readdir(ctx, cfg, EXTFUSE_DIR_PLUS);
		return 0;
	case FUSE_OPENDIR:
		ctx->verdict = handle_opendir(ctx, cfg);
		return 0;
	}
	STAT_INC(stats_of(EXTFUSE_SOP_OTHER), misses);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
