// SPDX-License-Identifier: GPL-2.0
/*
 * coherence: a randomized two-client differential test of what a FUSE
 * mount of a Gluster volume answers while another client changes it.
 *
 * Client B (libgfapi, and optionally a second FUSE mount given with
 * --mount2) runs random operations on a small tree under the volume root:
 *
 *   DIR, DIR/x, DIR/x/y       x, y in { a, b, c, d }: 21 places
 *
 * After each operation B reads the truth of the whole tree (glfs_lstat of
 * every place whose parent is a directory, and the listing of every
 * directory) with its own md-cache switched off, and compares it with:
 *
 *  - the view of client A, the FUSE mount (lstat of every place, present
 *    or not, and readdir of every directory);
 *  - what the kernel would answer for A, when A's ExtFUSE maps are pinned:
 *    LOOKUP of every place, GETATTR of every node known for a place, and
 *    READDIR/READDIRPLUS of every directory, run through A's own pinned
 *    extension program with BPF_PROG_TEST_RUN exactly as the kernel
 *    module runs it.  The maps are checked before A is asked, because A's
 *    lookups republish fresh values over stale ones.
 *
 * An answer may be wrong for at most the upcall latency bound (--bound-ms,
 * 200 ms by default) after the operation returned; an answer still wrong
 * then is a failure, printed with the seed, the operation and expected
 * against got.  The seed is printed at start and with every failure.
 *
 * With the kernel module loaded (the QEMU guest) A's view is itself served
 * by the extension, and both checks apply unchanged.
 *
 * Without it (--view-is-stock), A's view is what A's Gluster client
 * answers, i.e. stock Gluster with the volume's options: the rule is then
 * "never staler than stock".  What A's view gets wrong is stock Gluster's
 * own incoherence (say, a directory renamed while a brick is down, or the
 * mode md-cache keeps after another client's ACL): printed as STOCK lines
 * and counted, not failed.  An extension answer still wrong at the bound
 * fails unless A's client gives the very same answer then (counted as
 * "as stock").
 *
 * The bricks' directories (--brick, one per brick, when they are local)
 * settle one more case: while the bricks of a replica set disagree about a
 * place (a change made while one was down, not healed yet), a stock client
 * may read either, so at the bound an answer one of them gives is not
 * stale (counted as "replicas disagreed").
 *
 * Exit status: 0 coherent, 1 failures, 2 usage or system error.
 */
#define _GNU_SOURCE /* strerrorname_np */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <glusterfs/api/glfs.h>

#include "libextfuse.h"

/* ---- The tree ----------------------------------------------------- */

#define NNAMES 4
static const char *const names[NNAMES] = {"a", "b", "c", "d"};
#define NSLOTS (1 + NNAMES + NNAMES * NNAMES)

/* The test's directory under the volume root, and room for a path in it. */
#define TOP_MAX 64
#define REL_MAX (TOP_MAX + 8)
static const char *top = "coh";

static int slot_depth(int s)
{
	return s == 0 ? 0 : s <= NNAMES ? 1 : 2;
}

static int slot_parent(int s)
{
	return s == 0 ? -1 : s <= NNAMES ? 0 : 1 + (s - 1 - NNAMES) / NNAMES;
}

static const char *slot_name(int s)
{
	if (s == 0)
		return top;
	return names[s <= NNAMES ? s - 1 : (s - 1 - NNAMES) % NNAMES];
}

static int slot_child(int dir, int i)
{
	return dir == 0 ? 1 + i : 1 + NNAMES + (dir - 1) * NNAMES + i;
}

/* The path of s relative to the volume root, without a leading slash. */
static const char *slot_rel(int s, char *buf, size_t n)
{
	if (s == 0)
		snprintf(buf, n, "%s", top);
	else if (s <= NNAMES)
		snprintf(buf, n, "%s/%s", top, slot_name(s));
	else
		snprintf(buf, n, "%s/%s/%s", top, slot_name(slot_parent(s)),
			 slot_name(s));
	return buf;
}

/* ---- Options, randomness, time ------------------------------------ */

static struct {
	const char *server, *volume, *mount, *mount2, *gfapi_log, *label;
	const char *conn;
	int maps; /* -1 auto, 0 off, 1 on */
	unsigned long long seed;
	long ops, bound_ms, max_failures;
	bool counts, bench, verbose;
	bool view_is_stock; /* A's view comes from its client, not the kernel */
	const char *bricks[8]; /* the bricks' directories (--brick) */
	int nbricks;
} opt = {
	.server = "127.1.1.1",
	.gfapi_log = "/dev/null",
	.label = "",
	.maps = -1,
	.ops = 500,
	.bound_ms = 200,
	.max_failures = 20,
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: the sequence depends on the seed alone */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() >> 33) % n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* ---- Attributes that must agree ----------------------------------- */

struct fattr {
	uint32_t mode, uid, gid, nlink;
	uint64_t size, ino;
};

static struct fattr fattr_of_stat(const struct stat *st)
{
	return (struct fattr){st->st_mode,
			      st->st_uid,
			      st->st_gid,
			      (uint32_t)st->st_nlink,
			      (uint64_t)st->st_size,
			      (uint64_t)st->st_ino};
}

static struct fattr fattr_of_fuse(const struct fuse_attr *a)
{
	return (struct fattr){a->mode,	a->uid,	 a->gid,
			      a->nlink, a->size, a->ino};
}

static int fattr_fmt(const struct fattr *a, char *buf, size_t n)
{
	return snprintf(buf, n,
			"ino=%" PRIu64 " mode=%o uid=%u gid=%u "
			"nlink=%u size=%" PRIu64,
			a->ino, a->mode, a->uid, a->gid, a->nlink, a->size);
}

/* The size of a directory is the bricks' business, not a coherence
 * question: compared for everything else. */
static bool fattr_same(const struct fattr *want, const struct fattr *got)
{
	return want->mode == got->mode && want->uid == got->uid &&
	       want->gid == got->gid && want->nlink == got->nlink &&
	       want->ino == got->ino &&
	       (S_ISDIR(want->mode) || want->size == got->size);
}

/* ---- Truth, read through B ---------------------------------------- */

struct truth {
	bool unknown[NSLOTS]; /* B cannot read it either (e.g. EIO) */
	bool exists[NSLOTS];
	struct fattr attr[NSLOTS];
	unsigned list[NSLOTS]; /* bit i: names[i] is listed */
	char extra[NSLOTS][64]; /* a listed name outside the pool */
};

static glfs_t *fs;
static unsigned long unreadable_told[NSLOTS];

static bool is_dir(const struct truth *tr, int s)
{
	return s >= 0 && tr->exists[s] && S_ISDIR(tr->attr[s].mode);
}

static int name_index(const char *name)
{
	for (int i = 0; i < NNAMES; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

/* Add name to a listing; returns false for a name outside the pool. */
static bool list_add(unsigned *list, char *extra, size_t n, const char *name)
{
	int i;

	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return true;
	i = name_index(name);
	if (i >= 0) {
		*list |= 1u << i;
		return true;
	}
	if (!extra[0])
		snprintf(extra, n, "%s", name);
	return false;
}

static int read_truth(struct truth *tr)
{
	char rel[REL_MAX], path[REL_MAX + 1];
	struct dirent *de;
	struct stat st;
	glfs_fd_t *d;

	memset(tr, 0, sizeof(*tr));
	for (int s = 0; s < NSLOTS; s++) {
		if (s && !is_dir(tr, slot_parent(s)))
			continue;
		snprintf(path, sizeof(path), "/%s",
			 slot_rel(s, rel, sizeof(rel)));
		if (glfs_lstat(fs, path, &st) == 0) {
			tr->exists[s] = true;
			tr->attr[s] = fattr_of_stat(&st);
		} else if (errno != ENOENT) {
			/* Gluster's own trouble (split brain after a brick
			 * restart): nothing to compare against. */
			tr->unknown[s] = true;
			if (!unreadable_told[s]++)
				printf("# %struth: lstat %s: %s: not checked "
				       "while it lasts\n",
				       opt.label, path, strerror(errno));
			continue;
		}
		if (!is_dir(tr, s))
			continue;
		d = glfs_opendir(fs, path);
		if (!d) {
			tr->unknown[s] = true;
			if (!unreadable_told[s]++)
				printf("# %struth: opendir %s: %s: not checked "
				       "while it lasts\n",
				       opt.label, path, strerror(errno));
			continue;
		}
		while ((de = glfs_readdir(d)))
			list_add(&tr->list[s], tr->extra[s],
				 sizeof(tr->extra[s]), de->d_name);
		glfs_closedir(d);
	}
	return 0;
}

/* ---- What was found wrong ----------------------------------------- */

enum kind {
	K_VIEW_ATTR, /* A's lstat: wrong attributes */
	K_VIEW_POS, /* A's lstat finds a name that is gone */
	K_VIEW_NEG, /* A's lstat misses a name that exists */
	K_VIEW_LIST, /* A's readdir */
	K_VIEW_ERR, /* A's lstat or readdir failed otherwise */
	K_EXT_LOOKUP_ATTR, /* extension LOOKUP: wrong attributes or node */
	K_EXT_POS, /* extension LOOKUP: a name that is gone */
	K_EXT_NEG, /* extension LOOKUP: ENOENT for a name that exists */
	K_EXT_GETATTR, /* extension GETATTR */
	K_EXT_LIST, /* extension READDIR or READDIRPLUS */
	K_COUNT,
};

static const char *const kind_names[K_COUNT] = {
	"view-attr",	      "view-stale-positive", "view-stale-negative",
	"view-listing",	      "view-error",	     "ext-lookup-attr",
	"ext-stale-positive", "ext-stale-negative",  "ext-getattr",
	"ext-listing",
};

#define MAX_ISSUES 64

struct issues {
	int n;
	unsigned kinds; /* bit per enum kind */
	struct {
		enum kind kind;
		char text[400];
	} v[MAX_ISSUES];
};

static void __attribute__((format(printf, 3, 4)))
issue(struct issues *is, enum kind k, const char *fmt, ...)
{
	va_list ap;

	is->kinds |= 1u << k;
	if (is->n == MAX_ISSUES)
		return;
	is->v[is->n].kind = k;
	va_start(ap, fmt);
	vsnprintf(is->v[is->n].text, sizeof(is->v[is->n].text), fmt, ap);
	va_end(ap);
	is->n++;
}

static void attr_issue(struct issues *is, enum kind k, const char *what,
		       const struct fattr *want, const struct fattr *got)
{
	char w[160], g[160];

	fattr_fmt(want, w, sizeof(w));
	fattr_fmt(got, g, sizeof(g));
	issue(is, k, "%s: expected %s, got %s", what, w, g);
}

static void list_fmt(unsigned list, const char *extra, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < NNAMES; i++)
		if (list & (1u << i))
			len += snprintf(buf + len, n - len, "%s%s",
					len ? "," : "", names[i]);
	if (extra && extra[0])
		snprintf(buf + len, n - len, "%s%s+", len ? "," : "", extra);
	if (!buf[0])
		snprintf(buf, n, "(empty)");
}

static void list_issue(struct issues *is, enum kind k, const char *what,
		       unsigned want, unsigned got, const char *got_extra)
{
	char w[64], g[128];

	list_fmt(want, NULL, w, sizeof(w));
	list_fmt(got, got_extra, g, sizeof(g));
	issue(is, k, "%s: expected {%s}, got {%s}", what, w, g);
}

/* The last look before the bound: findings are final. */
static bool final_look;
static unsigned long stock_findings;

/*
 * What the checks count as they look (a look after the bound, to report a
 * failure, saves and restores them whole).  as_stock: extension answers
 * wrong exactly as A's client; replicas_differ: answers right for one
 * replica while the bricks disagreed; ext_*: answers the extension gave
 * during the checks, proof that they bite.
 */
static struct check_counts {
	unsigned long as_stock, replicas_differ;
	unsigned long ext_lookups, ext_negatives, ext_getattrs, ext_listings;
} counts;

/*
 * At the bound: do the bricks that hold s disagree about it, and does one
 * of them say what got says (the same inode as want)?  A brick counts the
 * gfid handle of a non-directory as one more link; DHT's link files
 * (mode ---------T, empty) are pointers, not copies.
 */
static bool replicas_allow(int s, const struct fattr *want,
			   const struct fattr *got)
{
	char rel[REL_MAX], path[4096];
	struct fattr b[8];
	bool differ = false, match = false;
	struct stat st;
	int n = 0;

	if (!final_look || !opt.nbricks || got->ino != want->ino)
		return false;
	slot_rel(s, rel, sizeof(rel));
	for (int i = 0; i < opt.nbricks; i++) {
		snprintf(path, sizeof(path), "%s/%s", opt.bricks[i], rel);
		if (lstat(path, &st) < 0 ||
		    (S_ISREG(st.st_mode) && (st.st_mode & 07777) == S_ISVTX &&
		     st.st_size == 0))
			continue;
		b[n] = fattr_of_stat(&st);
		b[n].ino = got->ino;
		if (!S_ISDIR(st.st_mode) && b[n].nlink > 1)
			b[n].nlink--;
		n++;
	}
	for (int i = 0; i < n; i++) {
		differ |= !fattr_same(&b[0], &b[i]);
		match |= fattr_same(&b[i], got);
	}
	counts.replicas_differ += differ && match;
	return differ && match;
}

/* ---- A's view, through the FUSE mount ----------------------------- */

static void check_view(const struct truth *tr, struct issues *is)
{
	char rel[REL_MAX], path[4096], what[300], desc[160];
	struct fattr got;
	struct dirent *de;
	struct stat st;
	unsigned list;
	char extra[64];
	DIR *d;

	lstat(opt.mount, &st); /* the root, as a path walk would */
	for (int s = 0; s < NSLOTS; s++) {
		if ((s && !is_dir(tr, slot_parent(s))) || tr->unknown[s])
			continue;
		slot_rel(s, rel, sizeof(rel));
		snprintf(path, sizeof(path), "%s/%s", opt.mount, rel);
		snprintf(what, sizeof(what), "lstat %s", rel);
		if (lstat(path, &st) < 0) {
			if (errno != ENOENT)
				issue(is, K_VIEW_ERR, "%s: %s", what,
				      strerror(errno));
			else if (tr->exists[s])
				issue(is, K_VIEW_NEG,
				      "%s: ENOENT, but it exists", what);
			continue;
		}
		got = fattr_of_stat(&st);
		if (!tr->exists[s]) {
			fattr_fmt(&got, desc, sizeof(desc));
			issue(is, K_VIEW_POS, "%s: found (%s), but it is gone",
			      what, desc);
			continue;
		}
		if (!fattr_same(&tr->attr[s], &got) &&
		    !replicas_allow(s, &tr->attr[s], &got))
			attr_issue(is, K_VIEW_ATTR, what, &tr->attr[s], &got);
		if (!is_dir(tr, s) || !S_ISDIR(st.st_mode))
			continue;
		d = opendir(path);
		if (!d) {
			issue(is, K_VIEW_ERR, "opendir %s: %s", rel,
			      strerror(errno));
			continue;
		}
		list = 0;
		extra[0] = '\0';
		while ((de = readdir(d)))
			list_add(&list, extra, sizeof(extra), de->d_name);
		closedir(d);
		if (list != tr->list[s] || strcmp(extra, tr->extra[s])) {
			snprintf(what, sizeof(what), "readdir %s", rel);
			list_issue(is, K_VIEW_LIST, what, tr->list[s], list,
				   extra);
		}
	}
}

/*
 * At the bound, with --view-is-stock: does A's client answer place s as
 * the extension did (present with attributes attr, or missing)?  Then the
 * extension is no staler than stock.
 */
static bool stock_says_entry(int s, bool exists, const struct fattr *attr)
{
	char rel[REL_MAX], path[4096];
	struct fattr view;
	struct stat st;
	bool same;

	if (!final_look || !opt.view_is_stock)
		return false;
	snprintf(path, sizeof(path), "%s/%s", opt.mount,
		 slot_rel(s, rel, sizeof(rel)));
	if (lstat(path, &st) < 0) {
		same = !exists && errno == ENOENT;
	} else {
		view = fattr_of_stat(&st);
		same = exists && fattr_same(attr, &view);
	}
	counts.as_stock += same;
	return same;
}

/* The same for a listing of s (complete, or its first chunks). */
static bool stock_says_list(int s, unsigned list, const char *extra,
			    bool complete)
{
	char rel[REL_MAX], path[4096], vextra[64] = "";
	struct dirent *de;
	unsigned vlist = 0;
	bool same;
	DIR *d;

	if (!final_look || !opt.view_is_stock)
		return false;
	snprintf(path, sizeof(path), "%s/%s", opt.mount,
		 slot_rel(s, rel, sizeof(rel)));
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d)))
		list_add(&vlist, vextra, sizeof(vextra), de->d_name);
	closedir(d);
	same = (complete ? list == vlist : !(list & ~vlist)) &&
	       !strcmp(extra, vextra);
	counts.as_stock += same;
	return same;
}

/* ---- What the kernel would answer, through the extension ---------- */

static struct extfuse *ef;

/*
 * What the extension answers A's kernel; extfuse_ask hands an answered
 * LOOKUP's served count back, so the daemon's pins are left as they were.
 */
static int run_ext(struct extfuse_req *req)
{
	int err;

	req->flags = EXTFUSE_REQ_CAP_SEARCH; /* A runs as root */
	err = extfuse_ask(ef, req);
	if (err < 0) {
		fprintf(stderr, "coherence: running the extension: %s\n",
			strerror(-err));
		return -1;
	}
	return 0;
}

/* Nodes per inode number, from every published attribute, servable or
 * not: a node's attributes carry its identity even when out of date. */
#define MAX_NODES 4096
static struct {
	__u64 nodeid, ino;
} known[MAX_NODES];
static int nknown;

static int collect_node(__u64 nodeid, const struct extfuse_attr_val *v,
			void *arg __attribute__((unused)))
{
	if (nknown < MAX_NODES) {
		known[nknown].nodeid = nodeid;
		known[nknown].ino = v->attr.ino;
		nknown++;
	}
	return 0;
}

#define MAX_IDS 8
struct ids {
	int n;
	__u64 id[MAX_IDS];
};

static void ids_add(struct ids *ids, __u64 id)
{
	for (int i = 0; i < ids->n; i++)
		if (ids->id[i] == id)
			return;
	if (ids->n < MAX_IDS)
		ids->id[ids->n++] = id;
}

/*
 * Read a listing as the kernel would, chunk by chunk from cookie 0.
 * Returns 1 when served to the end, 0 when not served at all, 2 when the
 * extension served a prefix only (the daemon would serve the rest).
 */
static int ext_listing(__u64 dir, __u32 opcode, unsigned *list, char *extra,
		       size_t n)
{
	static struct extfuse_req req;
	__u64 off = 0;
	char name[EXTFUSE_NAME_BUF];

	for (int chunk = 0; chunk < 64; chunk++) {
		size_t pos = 0;

		extfuse_req_init(&req, opcode, dir);
		req.offset = off;
		req.size = EXTFUSE_DIRBUF_SIZE;
		if (run_ext(&req) < 0 || req.verdict != EXTFUSE_VERDICT_ANSWER)
			return chunk ? 2 : 0;
		if (req.out_size == 0)
			return 1;
		while (pos < req.out_size) {
			const struct fuse_dirent *de;
			size_t len;

			if (opcode == FUSE_READDIRPLUS) {
				const struct fuse_direntplus *dp =
					(const void *)(req.out.dirbuf + pos);
				de = &dp->dirent;
				len = FUSE_DIRENTPLUS_SIZE(dp);
			} else {
				de = (const void *)(req.out.dirbuf + pos);
				len = FUSE_DIRENT_SIZE(de);
			}
			if (pos + len > req.out_size ||
			    de->namelen > EXTFUSE_NAME_MAX)
				break;
			memcpy(name, de->name, de->namelen);
			name[de->namelen] = '\0';
			list_add(list, extra, n, name);
			off = de->off;
			pos += len;
		}
	}
	return 2;
}

static void check_ext_listing(const struct truth *tr, int s, __u64 dir,
			      struct issues *is)
{
	static const __u32 ops[2] = {FUSE_READDIR, FUSE_READDIRPLUS};
	char rel[REL_MAX], what[320], extra[64];
	unsigned list;
	int r;

	for (int k = 0; k < 2; k++) {
		list = 0;
		extra[0] = '\0';
		r = ext_listing(dir, ops[k], &list, extra, sizeof(extra));
		if (r == 0)
			continue;
		counts.ext_listings++;
		snprintf(what, sizeof(what), "%s node %llu %s%s",
			 k ? "READDIRPLUS" : "READDIR", (unsigned long long)dir,
			 slot_rel(s, rel, sizeof(rel)),
			 r == 2 ? " (first chunks)" : "");
		if (!is_dir(tr, s)) {
			if (!stock_says_list(s, list, extra, r == 1))
				issue(is, K_EXT_LIST, "%s: served, but %s",
				      what,
				      tr->exists[s] ? "not a directory"
						    : "it is gone");
		} else if (((r == 1 && list != tr->list[s]) ||
			    (r == 2 && (list & ~tr->list[s])) ||
			    strcmp(extra, tr->extra[s])) &&
			   !stock_says_list(s, list, extra, r == 1)) {
			list_issue(is, K_EXT_LIST, what, tr->list[s], list,
				   extra);
		}
	}
}

static void check_ext_getattr(const struct truth *tr, int s, __u64 node,
			      struct issues *is)
{
	static struct extfuse_req req;
	char rel[REL_MAX], what[320];
	struct fattr got;

	extfuse_req_init(&req, FUSE_GETATTR, node);
	if (run_ext(&req) < 0 || req.verdict != EXTFUSE_VERDICT_ANSWER)
		return;
	counts.ext_getattrs++;
	got = fattr_of_fuse(&req.out.attr.attr);
	if (!fattr_same(&tr->attr[s], &got) &&
	    !replicas_allow(s, &tr->attr[s], &got) &&
	    !stock_says_entry(s, true, &got)) {
		snprintf(what, sizeof(what), "GETATTR node %llu (%s)",
			 (unsigned long long)node,
			 slot_rel(s, rel, sizeof(rel)));
		attr_issue(is, K_EXT_GETATTR, what, &tr->attr[s], &got);
	}
}

static void check_ext(const struct truth *tr, struct issues *is)
{
	static struct extfuse_req req;
	struct ids ids[NSLOTS];
	char rel[REL_MAX], what[320], desc[160];
	struct fattr got;

	nknown = 0;
	if (extfuse_foreach_attr(ef, collect_node, NULL) < 0) {
		issue(is, K_VIEW_ERR, "cannot read the attribute map");
		return;
	}
	memset(ids, 0, sizeof(ids));
	for (int s = 0; s < NSLOTS; s++) {
		int p = slot_parent(s);
		struct ids parents = {.n = 1, .id = {1}};

		if ((s && !is_dir(tr, p)) || tr->unknown[s])
			continue;
		if (s)
			parents = ids[p];
		slot_rel(s, rel, sizeof(rel));
		for (int i = 0; i < parents.n; i++) {
			extfuse_req_init(&req, FUSE_LOOKUP, parents.id[i]);
			req.namelen = strlen(slot_name(s));
			memcpy(req.name, slot_name(s), req.namelen);
			if (run_ext(&req) < 0)
				return;
			snprintf(what, sizeof(what), "LOOKUP %s (parent %llu)",
				 rel, (unsigned long long)parents.id[i]);
			if (req.verdict == EXTFUSE_VERDICT_ERROR) {
				counts.ext_negatives++;
				if (tr->exists[s] &&
				    !stock_says_entry(s, false, NULL))
					issue(is, K_EXT_NEG,
					      "%s: %s, but it exists", what,
					      strerror(-req.error));
				continue;
			}
			if (req.verdict != EXTFUSE_VERDICT_ANSWER)
				continue;
			counts.ext_lookups++;
			got = fattr_of_fuse(&req.out.entry.attr);
			if (!tr->exists[s]) {
				if (stock_says_entry(s, true, &got))
					continue;
				fattr_fmt(&got, desc, sizeof(desc));
				issue(is, K_EXT_POS,
				      "%s: served node %llu (%s), but it is "
				      "gone",
				      what,
				      (unsigned long long)req.out.entry.nodeid,
				      desc);
				continue;
			}
			if (!fattr_same(&tr->attr[s], &got) &&
			    !replicas_allow(s, &tr->attr[s], &got) &&
			    !stock_says_entry(s, true, &got))
				attr_issue(is, K_EXT_LOOKUP_ATTR, what,
					   &tr->attr[s], &got);
			ids_add(&ids[s], req.out.entry.nodeid);
		}
		if (!tr->exists[s])
			continue;
		for (int k = 0; k < nknown; k++)
			if (known[k].ino == tr->attr[s].ino)
				ids_add(&ids[s], known[k].nodeid);
		for (int i = 0; i < ids[s].n; i++) {
			check_ext_getattr(tr, s, ids[s].id[i], is);
			if (is_dir(tr, s))
				check_ext_listing(tr, s, ids[s].id[i], is);
		}
	}
}

/* ---- Operations by B ---------------------------------------------- */

enum op {
	OP_CREATE,
	OP_MKDIR,
	OP_SYMLINK,
	OP_LINK,
	OP_RENAME,
	OP_UNLINK,
	OP_RMDIR,
	OP_CHMOD,
	OP_CHOWN,
	OP_TRUNCATE,
	OP_WRITE,
	OP_SETXATTR,
	OP_ACL,
	OP_COUNT,
	OP_START = OP_COUNT, /* the check before the first operation */
};

static const char *const op_names[OP_COUNT + 1] = {
	"create", "mkdir", "symlink",  "link",	"rename",   "unlink", "rmdir",
	"chmod",  "chown", "truncate", "write", "setxattr", "acl",    "start",
};

static const unsigned op_weights[OP_COUNT] = {
	12, 10, 5, 6, 16, 10, 8, 8, 5, 6, 6, 4, 4,
};

struct opdesc {
	enum op op;
	int src, dst; /* slots */
	unsigned mode, uid, gid;
	long long size, off;
	bool via_mount2;
	char text[300]; /* for reports */
};

/* A random slot below an existing directory of depth 0 or 1. */
static int pick_slot(const struct truth *tr)
{
	int dirs[1 + NNAMES], n = 0, d;

	for (int s = 0; s <= NNAMES; s++)
		if (is_dir(tr, s))
			dirs[n++] = s;
	d = dirs[rnd_below(n)];
	return slot_child(d, rnd_below(NNAMES));
}

/* The ACL of the POSIX xattr format, version 2: owner, one named user,
 * owning group, mask, others.  Sets mode's group bits to the mask. */
static size_t make_acl(unsigned char *buf, unsigned *mode)
{
	static const struct {
		uint16_t tag;
		uint32_t id;
	} ents[5] = {{0x01, ~0u},
		     {0x02, 1000},
		     {0x04, ~0u},
		     {0x10, ~0u},
		     {0x20, ~0u}};
	unsigned perm[5];
	size_t len = 4;

	for (int i = 0; i < 5; i++)
		perm[i] = rnd_below(8);
	perm[0] |= 4; /* the owner can read */
	*mode = perm[0] << 6 | perm[3] << 3 | perm[4];
	buf[0] = 2;
	buf[1] = buf[2] = buf[3] = 0;
	for (int i = 0; i < 5; i++) {
		buf[len++] = ents[i].tag & 0xff;
		buf[len++] = ents[i].tag >> 8;
		buf[len++] = perm[i];
		buf[len++] = 0;
		for (int b = 0; b < 4; b++)
			buf[len++] = (ents[i].id >> (8 * b)) & 0xff;
	}
	return len;
}

static void pick_op(const struct truth *tr, struct opdesc *o)
{
	static const unsigned modes[] = {0644, 0600, 0755, 0700,
					 0640, 0444, 0711, 0750};
	static const unsigned ids[] = {0, 1000, 1001};
	unsigned total = 0, r;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < OP_COUNT; i++)
		total += op_weights[i];
	r = rnd_below(total);
	for (o->op = 0; r >= op_weights[o->op]; o->op++)
		r -= op_weights[o->op];
	o->src = pick_slot(tr);
	o->dst = pick_slot(tr);
	/* A directory with names in it goes no deeper than depth 1: the
	 * tree has 21 places. */
	for (int tries = 0; o->op == OP_RENAME && tries < 20; tries++) {
		if (!(is_dir(tr, o->src) && tr->list[o->src] &&
		      slot_depth(o->dst) == 2))
			break;
		o->dst = pick_slot(tr);
	}
	if (o->op == OP_RENAME && is_dir(tr, o->src) && tr->list[o->src] &&
	    slot_depth(o->dst) == 2)
		o->op = OP_RMDIR; /* fails: not empty */
	/* Gluster's bricks drop a link of the file on a rename between two
	 * names of one inode (nlink reads 0 afterwards): not our subject. */
	if ((o->op == OP_RENAME || o->op == OP_LINK) && tr->exists[o->src] &&
	    tr->exists[o->dst] && tr->attr[o->src].ino == tr->attr[o->dst].ino)
		o->op = OP_CHMOD;
	o->mode = modes[rnd_below(sizeof(modes) / sizeof(modes[0]))];
	o->uid = ids[rnd_below(3)];
	o->gid = ids[rnd_below(3)];
	o->size = rnd_below(10000);
	o->off = rnd_below(8192);
	o->via_mount2 = opt.mount2 && rnd_below(10) < 3;
}

static const char *errno_name(int err)
{
	const char *name = err ? strerrorname_np(err) : "0";

	return name ? name : "error";
}

/* Run o through gfapi or the second mount; returns 0 or an errno. */
static int run_op(struct opdesc *o)
{
	char srel[REL_MAX], drel[REL_MAX], src[4096], dst[4096], buf[4096];
	unsigned char acl[64];
	size_t acl_len;
	glfs_fd_t *gfd;
	int fd, ret = 0, err;
	bool m2 = o->via_mount2;

	slot_rel(o->src, srel, sizeof(srel));
	slot_rel(o->dst, drel, sizeof(drel));
	snprintf(src, sizeof(src), "%s/%s", m2 ? opt.mount2 : "", srel);
	snprintf(dst, sizeof(dst), "%s/%s", m2 ? opt.mount2 : "", drel);
	memset(buf, 'a' + o->op, sizeof(buf));
	errno = 0;
	switch (o->op) {
	case OP_CREATE:
		if (m2) {
			fd = open(src, O_CREAT | O_EXCL | O_WRONLY, o->mode);
			ret = fd < 0 ? -1 : close(fd);
		} else {
			gfd = glfs_creat(fs, src, O_EXCL | O_WRONLY, o->mode);
			ret = gfd ? glfs_close(gfd) : -1;
		}
		break;
	case OP_MKDIR:
		ret = m2 ? mkdir(src, o->mode) : glfs_mkdir(fs, src, o->mode);
		break;
	case OP_SYMLINK: /* target: a name of the pool, maybe dangling */
		ret = m2 ? symlink(slot_name(o->dst), src)
			 : glfs_symlink(fs, slot_name(o->dst), src);
		break;
	case OP_LINK:
		ret = m2 ? link(src, dst) : glfs_link(fs, src, dst);
		break;
	case OP_RENAME:
		ret = m2 ? rename(src, dst) : glfs_rename(fs, src, dst);
		break;
	case OP_UNLINK:
		ret = m2 ? unlink(src) : glfs_unlink(fs, src);
		break;
	case OP_RMDIR:
		ret = m2 ? rmdir(src) : glfs_rmdir(fs, src);
		break;
	case OP_CHMOD:
		ret = m2 ? chmod(src, o->mode) : glfs_chmod(fs, src, o->mode);
		break;
	case OP_CHOWN:
		ret = m2 ? lchown(src, o->uid, o->gid)
			 : glfs_lchown(fs, src, o->uid, o->gid);
		break;
	case OP_TRUNCATE:
		ret = m2 ? truncate(src, o->size)
			 : glfs_truncate(fs, src, o->size);
		break;
	case OP_WRITE:
		o->size = 1 + o->size % sizeof(buf);
		if (m2) {
			fd = open(src, O_WRONLY);
			ret = fd < 0 ? -1 : pwrite(fd, buf, o->size, o->off);
			err = errno;
			if (fd >= 0 && close(fd) < 0 && ret >= 0)
				err = errno, ret = -1;
		} else {
			gfd = glfs_open(fs, src, O_WRONLY);
			ret = !gfd ? -1
				   : glfs_pwrite(gfd, buf, o->size, o->off, 0,
						 NULL, NULL);
			err = errno;
			if (gfd && glfs_close(gfd) < 0 && ret >= 0)
				err = errno, ret = -1;
		}
		errno = err;
		break;
	case OP_SETXATTR:
		snprintf(buf, sizeof(buf), "v%llu",
			 (unsigned long long)o->size);
		ret = m2 ? lsetxattr(src, "user.coherence", buf, strlen(buf), 0)
			 : glfs_lsetxattr(fs, src, "user.coherence", buf,
					  strlen(buf), 0);
		break;
	case OP_ACL:
		acl_len = make_acl(acl, &o->mode);
		ret = m2 ? lsetxattr(src, "system.posix_acl_access", acl,
				     acl_len, 0)
			 : glfs_lsetxattr(fs, src, "system.posix_acl_access",
					  acl, acl_len, 0);
		break;
	default:
		break;
	}
	ret = ret < 0 ? (errno ? errno : EIO) : 0;
	switch (o->op) {
	case OP_LINK:
	case OP_RENAME:
		snprintf(o->text, sizeof(o->text), "%s %s %s", op_names[o->op],
			 srel, drel);
		break;
	case OP_SYMLINK:
		snprintf(o->text, sizeof(o->text), "symlink %s -> %s", srel,
			 slot_name(o->dst));
		break;
	case OP_CREATE:
	case OP_MKDIR:
	case OP_CHMOD:
	case OP_ACL:
		snprintf(o->text, sizeof(o->text), "%s %s %o", op_names[o->op],
			 srel, o->mode);
		break;
	case OP_CHOWN:
		snprintf(o->text, sizeof(o->text), "chown %s %u:%u", srel,
			 o->uid, o->gid);
		break;
	case OP_TRUNCATE:
		snprintf(o->text, sizeof(o->text), "truncate %s %lld", srel,
			 o->size);
		break;
	case OP_WRITE:
		snprintf(o->text, sizeof(o->text), "write %s %lld@%lld", srel,
			 o->size, o->off);
		break;
	default:
		snprintf(o->text, sizeof(o->text), "%s %s", op_names[o->op],
			 srel);
		break;
	}
	snprintf(o->text + strlen(o->text), sizeof(o->text) - strlen(o->text),
		 "%s = %s", m2 ? " (mount2)" : "", errno_name(ret));
	return ret;
}

/* ---- The run ------------------------------------------------------ */

/* ops per kind whose first look was wrong / still wrong at the bound */
static unsigned long first_wrong[K_COUNT], failed[K_COUNT];
static unsigned long failed_by_op[OP_COUNT + 1][K_COUNT];
static unsigned long ops_by_op[OP_COUNT + 1];
static long failed_ops;
/* How long after an operation its answers came right, at the latest:
 * the margin the bound leaves (answers wrong at the bound not counted). */
static uint64_t slowest_right_ns;
static long slowest_right_op = -1;

/*
 * What was still wrong after the previous operation.  A value that stays
 * wrong is reported at the operation after which it was first seen, and
 * then only counted, so that one stale value does not fill the report.
 */
static struct issues carried, carried_next;
static unsigned long carried_lines;

static bool is_carried(const char *text)
{
	for (int i = 0; i < carried.n; i++)
		if (!strcmp(carried.v[i].text, text))
			return true;
	return false;
}

static unsigned new_kinds(const struct issues *is)
{
	unsigned kinds = 0;

	for (int i = 0; i < is->n; i++)
		if (!is_carried(is->v[i].text))
			kinds |= 1u << is->v[i].kind;
	return kinds;
}

/* Check until right or the deadline; *first gets the new kinds of the
 * first look, is the last look's findings.  Returns when the last look
 * began. */
static uint64_t settle(void (*check)(const struct truth *, struct issues *),
		       const struct truth *tr, uint64_t deadline,
		       struct issues *is, unsigned *first)
{
	for (int look = 0;; look++) {
		uint64_t t = now_ns();

		final_look = t >= deadline;
		memset(is, 0, offsetof(struct issues, v));
		check(tr, is);
		if (look == 0)
			*first = new_kinds(is);
		if (!is->n || final_look)
			return t;
		sleep_ms(10);
	}
}

/* An answer that was wrong at first but came right before the bound: how
 * late (at the bound, an allowance may have passed it). */
static void note_right(uint64_t done, uint64_t deadline, uint64_t last_look,
		       unsigned first, const struct issues *is, long opno)
{
	if (!first || is->n || last_look < done || last_look >= deadline)
		return;
	if (last_look - done > slowest_right_ns) {
		slowest_right_ns = last_look - done;
		slowest_right_op = opno;
	}
}

/* Count and print what is wrong at the bound; returns the new kinds. */
static unsigned account(const struct opdesc *o, long opno, unsigned first,
			const struct issues *is, bool stock)
{
	unsigned kinds = new_kinds(is);

	if (stock) {
		/* Stock Gluster's own answers: told once, counted. */
		for (int i = 0; i < is->n; i++) {
			if (carried_next.n < MAX_ISSUES)
				carried_next.v[carried_next.n++] = is->v[i];
			if (is_carried(is->v[i].text))
				continue;
			stock_findings++;
			if (!opt.bench)
				printf("# STOCK %sseed=%llu op=%ld [%s] %s: "
				       "%s\n",
				       opt.label, opt.seed, opno, o->text,
				       kind_names[is->v[i].kind],
				       is->v[i].text);
		}
		return 0;
	}

	for (int k = 0; k < K_COUNT; k++) {
		if (first & (1u << k))
			first_wrong[k]++;
		if (kinds & (1u << k)) {
			failed[k]++;
			failed_by_op[o->op][k]++;
		}
	}
	for (int i = 0; i < is->n; i++) {
		if (carried_next.n < MAX_ISSUES)
			carried_next.v[carried_next.n++] = is->v[i];
		if (is_carried(is->v[i].text)) {
			carried_lines++;
			continue;
		}
		if (!opt.bench || failed_ops < opt.max_failures)
			printf("FAIL %sseed=%llu op=%ld [%s] %s: %s\n",
			       opt.label, opt.seed, opno, o->text,
			       kind_names[is->v[i].kind], is->v[i].text);
	}
	return kinds;
}

/* The tree as B read it after the last operation. */
static struct truth truth_now;

/*
 * After a failure at the bound, keep looking (up to 10 s after the
 * operation) to tell a late answer from a stale one in the report.  The
 * counters the checks keep are left as the bound's look set them.
 */
static void look_late(void (*check)(const struct truth *, struct issues *),
		      const struct truth *tr, uint64_t done, long opno,
		      const char *who)
{
	static struct issues late;
	struct check_counts saved = counts;
	uint64_t t;

	do {
		sleep_ms(50);
		t = now_ns();
		final_look = true;
		memset(&late, 0, offsetof(struct issues, v));
		check(tr, &late);
	} while (new_kinds(&late) && t - done < 10000000000ull);
	printf("FAIL %sop %ld, looked at later: %s %s %.0f ms after the "
	       "operation\n",
	       opt.label, opno, who, new_kinds(&late) ? "still wrong" : "right",
	       (t - done) / 1e6);
	counts = saved;
}

static int check_after(const struct opdesc *o, long opno, uint64_t done)
{
	uint64_t deadline = done + opt.bound_ms * 1000000ull;
	static struct issues is;
	unsigned first, k, kinds = 0;
	uint64_t t;

	if (read_truth(&truth_now) < 0)
		return -1;
	ops_by_op[o->op]++;
	carried_next.n = 0;
	if (ef) {
		t = settle(check_ext, &truth_now, deadline, &is, &first);
		note_right(done, deadline, t, first, &is, opno);
		k = account(o, opno, first, &is, false);
		kinds |= k;
		if (k && !opt.bench)
			look_late(check_ext, &truth_now, done, opno,
				  "the extension's answers");
	}
	t = settle(check_view, &truth_now, deadline, &is, &first);
	if (!opt.view_is_stock)
		note_right(done, deadline, t, first, &is, opno);
	k = account(o, opno, first, &is, opt.view_is_stock);
	kinds |= k;
	if (k && !opt.bench)
		look_late(check_view, &truth_now, done, opno, "A's view");
	memcpy(&carried, &carried_next, sizeof(carried));
	if (kinds)
		failed_ops++;
	return 0;
}

static void print_counts(long ops)
{
	if (ef)
		printf("# %sthe extension answered %lu lookups, %lu negative "
		       "lookups, %lu getattrs, %lu listings\n",
		       opt.label, counts.ext_lookups, counts.ext_negatives,
		       counts.ext_getattrs, counts.ext_listings);
	printf("# %s%lu findings carried over from an earlier operation\n",
	       opt.label, carried_lines);
	if (opt.view_is_stock)
		printf("# %sstock Gluster (A's client) wrong at the bound: %lu "
		       "findings; extension answers wrong exactly as A's "
		       "client: %lu\n",
		       opt.label, stock_findings, counts.as_stock);
	if (opt.nbricks)
		printf("# %sanswers right for one replica while the bricks "
		       "disagreed: %lu\n",
		       opt.label, counts.replicas_differ);
	printf("# %sstale answers in %ld operations (seed %llu, bound %ld "
	       "ms)\n",
	       opt.label, ops, opt.seed, opt.bound_ms);
	printf("# %-22s %10s %12s\n", "kind", "first-look", "after-bound");
	for (int k = 0; k < K_COUNT; k++)
		if (k < K_EXT_LOOKUP_ATTR || ef)
			printf("# %-22s %10lu %12lu\n", kind_names[k],
			       first_wrong[k], failed[k]);
	for (int op = 0; op <= OP_COUNT; op++) {
		char line[512];
		size_t len = 0;

		for (int k = 0; k < K_COUNT; k++)
			if (failed_by_op[op][k])
				len += snprintf(line + len, sizeof(line) - len,
						" %s=%lu", kind_names[k],
						failed_by_op[op][k]);
		if (len)
			printf("# after %s (%lu ops):%s\n", op_names[op],
			       ops_by_op[op], line);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: coherence --volume VOL --mount PATH [--server HOST]\n"
		"         [--mount2 PATH] [--dir NAME] [--seed N] [--ops N]\n"
		"         [--bound-ms MS] [--maps auto|on|off] [--conn ID]\n"
		"         [--max-failures N] [--gfapi-log FILE] [--label "
		"TEXT]\n"
		"         [--counts] [--bench] [--view-is-stock] "
		"[--brick DIR]... [-v]\n");
	exit(2);
}

static long num_arg(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < 0) {
		fprintf(stderr, "coherence: %s: not a number: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{"server", 1, NULL, 'S'},
		{"volume", 1, NULL, 'V'},
		{"mount", 1, NULL, 'm'},
		{"mount2", 1, NULL, 'M'},
		{"dir", 1, NULL, 'd'},
		{"seed", 1, NULL, 's'},
		{"ops", 1, NULL, 'n'},
		{"bound-ms", 1, NULL, 'b'},
		{"maps", 1, NULL, 'p'},
		{"conn", 1, NULL, 'c'},
		{"max-failures", 1, NULL, 'f'},
		{"gfapi-log", 1, NULL, 'l'},
		{"label", 1, NULL, 'L'},
		{"counts", 0, NULL, 'C'},
		{"bench", 0, NULL, 'B'},
		{"verbose", 0, NULL, 'v'},
		{"view-is-stock", 0, NULL, 'K'},
		{"brick", 1, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	static char label[128];
	int c;

	opt.seed = (unsigned long long)time(NULL) ^ (getpid() << 16);
	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 'S':
			opt.server = optarg;
			break;
		case 'V':
			opt.volume = optarg;
			break;
		case 'm':
			opt.mount = optarg;
			break;
		case 'M':
			opt.mount2 = optarg;
			break;
		case 'd':
			top = optarg;
			break;
		case 's':
			errno = 0;
			opt.seed = strtoull(optarg, NULL, 0);
			if (errno)
				usage();
			break;
		case 'n':
			opt.ops = num_arg(optarg, "--ops");
			break;
		case 'b':
			opt.bound_ms = num_arg(optarg, "--bound-ms");
			break;
		case 'f':
			opt.max_failures = num_arg(optarg, "--max-failures");
			break;
		case 'p':
			if (!strcmp(optarg, "auto"))
				opt.maps = -1;
			else if (!strcmp(optarg, "on"))
				opt.maps = 1;
			else if (!strcmp(optarg, "off"))
				opt.maps = 0;
			else
				usage();
			break;
		case 'c':
			opt.conn = optarg;
			break;
		case 'l':
			opt.gfapi_log = optarg;
			break;
		case 'L':
			snprintf(label, sizeof(label), "%s ", optarg);
			opt.label = label;
			break;
		case 'C':
			opt.counts = true;
			break;
		case 'B':
			opt.bench = opt.counts = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'K':
			opt.view_is_stock = true;
			break;
		case 'r':
			if (opt.nbricks == 8) {
				fprintf(stderr,
					"coherence: at most 8 bricks\n");
				exit(2);
			}
			opt.bricks[opt.nbricks++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !opt.volume || !opt.mount)
		usage();
	if (!top[0] || strlen(top) > TOP_MAX || strchr(top, '/') ||
	    !strcmp(top, ".") || !strcmp(top, "..")) {
		fprintf(stderr,
			"coherence: --dir must be one name of at most %d "
			"bytes\n",
			TOP_MAX);
		exit(2);
	}
	if (!opt.seed)
		opt.seed = 1; /* xorshift needs a non-zero state */
}

/* A's maps: pinned under the FUSE connection number of the mount. */
static int open_maps(void)
{
	char id[32];
	struct stat st;
	int ret;

	if (opt.maps == 0)
		return 0;
	if (opt.conn) {
		snprintf(id, sizeof(id), "%s", opt.conn);
	} else {
		if (stat(opt.mount, &st) < 0) {
			perror(opt.mount);
			return -1;
		}
		snprintf(id, sizeof(id), "%u", minor(st.st_dev));
	}
	extfuse_set_log(NULL, NULL);
	ret = extfuse_open(id, NULL, &ef);
	if (ret < 0) {
		ef = NULL;
		if (opt.maps < 0) {
			printf("# %sno ExtFUSE maps for connection %s: "
			       "checking the mount only\n",
			       opt.label, id);
			return 0;
		}
		fprintf(stderr, "coherence: maps of connection %s: %s\n", id,
			strerror(-ret));
		return -1;
	}
	if (extfuse_prog_fd(ef) < 0) {
		fprintf(stderr, "coherence: connection %s has no program\n",
			id);
		return -1;
	}
	printf("# %schecking the extension of connection %s too\n", opt.label,
	       id);
	return 0;
}

static int open_gfapi(void)
{
	char path[300];
	struct stat st;

	fs = glfs_new(opt.volume);
	if (!fs)
		return -1;
	/* B's own caches must not answer: the truth comes from the bricks. */
	if (glfs_set_volfile_server(fs, "tcp", opt.server, 24007) ||
	    glfs_set_xlator_option(fs, "*-md-cache", "md-cache-timeout", "0") ||
	    glfs_set_logging(fs, opt.gfapi_log, 3) || glfs_init(fs)) {
		fprintf(stderr, "coherence: gfapi %s:%s: %s\n", opt.server,
			opt.volume, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "/%s", top);
	if (glfs_lstat(fs, path, &st) < 0 &&
	    (errno != ENOENT || glfs_mkdir(fs, path, 0755) < 0)) {
		fprintf(stderr, "coherence: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t started = now_ns();
	struct opdesc o;
	long n;
	int ret = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	rng_state = opt.seed;
	printf("# %scoherence seed=%llu ops=%ld bound=%ld ms volume=%s "
	       "mount=%s%s%s\n",
	       opt.label, opt.seed, opt.ops, opt.bound_ms, opt.volume,
	       opt.mount, opt.mount2 ? " mount2=" : "",
	       opt.mount2 ? opt.mount2 : "");
	if (open_gfapi() < 0 || open_maps() < 0) {
		ret = 2;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.op = OP_START;
	snprintf(o.text, sizeof(o.text), "before the first operation");
	if (check_after(&o, 0, now_ns()) < 0) {
		ret = 2;
		goto out;
	}
	for (n = 1; n <= opt.ops; n++) {
		uint64_t done;

		if (!opt.bench && opt.max_failures &&
		    failed_ops >= opt.max_failures) {
			printf("# %sstopping after %ld failed operations\n",
			       opt.label, failed_ops);
			break;
		}
		pick_op(&truth_now, &o);
		run_op(&o);
		done = now_ns();
		if (opt.verbose)
			printf("# op %ld: %s\n", n, o.text);
		if (check_after(&o, n, done) < 0) {
			ret = 2;
			goto out;
		}
	}
	if (n > opt.ops)
		n = opt.ops;
	if (opt.counts)
		print_counts(n);
	printf("# %sseed=%llu: %ld operations in %.1f s, %ld with answers "
	       "still wrong %ld ms after the operation\n",
	       opt.label, opt.seed, n, (now_ns() - started) / 1e9, failed_ops,
	       opt.bound_ms);
	if (slowest_right_op >= 0)
		printf("# %sslowest answer to come right: %.0f ms after "
		       "operation %ld\n",
		       opt.label, slowest_right_ns / 1e6, slowest_right_op);
	if (failed_ops && !opt.bench)
		ret = 1;
out:
	if (ret == 2)
		printf("# %sseed=%llu: stopped by an error\n", opt.label,
		       opt.seed);
	extfuse_close(ef);
	if (fs)
		glfs_fini(fs);
	return ret;
}
