// SPDX-License-Identifier: GPL-2.0
/*
 * libextfuse against real pinned maps and the real extension program:
 * what is published is read back from the maps and served by running the
 * program with BPF_PROG_TEST_RUN, as the kernel module would.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "libextfuse.h"
#include "bpffs.h"

#define SEC_NS 1000000000ull

static char root[PATH_MAX];

/* ---- log capture ---- */

static int log_count;
static char last_msg[1024];
static int libbpf_msgs;

static void capture(enum extfuse_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)arg;
	log_count++;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
	if (!strncmp(msg, "libbpf:", 7))
		libbpf_msgs++;
}

/* The call returned want and passed a message to the log callback. */
#define is_logged(call, want, what)                                  \
	do {                                                         \
		int _before = log_count;                             \
		tap_is((call), (want), what);                        \
		tap_ok(log_count > _before, "%s: message logged (%s)", \
		       what, last_msg);                              \
	} while (0)

/* ---- helpers ---- */

static __u64 later(void)
{
	return extfuse_now_ns() + 60 * SEC_NS;
}

static struct fuse_attr mkattr(__u64 ino, __u32 mode)
{
	struct fuse_attr a;

	memset(&a, 0, sizeof(a));
	a.ino = ino;
	a.mode = mode;
	a.nlink = 1;
	a.size = 4096;
	a.blksize = 4096;
	return a;
}

static int map_fd(struct extfuse *ef, const char *name)
{
	return extfuse_map_fd(ef, name);
}

static void req_init(struct extfuse_req *req, __u32 op, __u64 nodeid)
{
	extfuse_req_init(req, op, nodeid);
	req->now_ns = extfuse_now_ns();
	req->flags = EXTFUSE_REQ_CAP_SEARCH;
}

/* Run the extension on req as the kernel module would. */
static int run(struct extfuse *ef, struct extfuse_req *req)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = req,
		    .ctx_size_in = sizeof(*req));

	return bpf_prog_test_run_opts(extfuse_prog_fd(ef), &o);
}

static int serve_getattr(struct extfuse *ef, __u64 node, struct fuse_attr *out)
{
	struct extfuse_req req;

	req_init(&req, FUSE_GETATTR, node);
	if (run(ef, &req))
		return -1;
	if (out)
		*out = req.out.attr.attr;
	return req.verdict;
}

static int serve_lookup(struct extfuse *ef, __u64 parent, const char *name,
			struct extfuse_req *req)
{
	req_init(req, FUSE_LOOKUP, parent);
	req->namelen = strlen(name);
	memcpy(req->name, name, req->namelen);
	if (run(ef, req))
		return -1;
	return req->verdict;
}

static int count_keys(int fd, size_t ksz, bool (*match)(const void *key))
{
	unsigned char prev[512], key[512];
	bool have = false;
	int n = 0;

	while (!bpf_map_get_next_key(fd, have ? prev : NULL, key)) {
		if (!match || match(key))
			n++;
		memcpy(prev, key, ksz);
		have = true;
	}
	return n;
}

static __u64 match_dir;

static bool chunk_of_dir(const void *key)
{
	return ((const struct extfuse_chunk_key *)key)->dir == match_dir;
}

static int chunks_of(struct extfuse *ef, __u64 dir)
{
	match_dir = dir;
	return count_keys(map_fd(ef, EXTFUSE_MAP_CHUNKS),
			  sizeof(struct extfuse_chunk_key), chunk_of_dir);
}

static int keys_in(struct extfuse *ef, const char *map, size_t ksz)
{
	return count_keys(map_fd(ef, map), ksz, NULL);
}

static bool attr_present(struct extfuse *ef, __u64 node)
{
	struct extfuse_attr_val v;

	return !bpf_map_lookup_elem(map_fd(ef, EXTFUSE_MAP_ATTRS), &node, &v);
}

static bool header(struct extfuse *ef, __u64 dir, __u32 kind,
		   struct extfuse_dir_val *v)
{
	struct extfuse_dir_key k = { .dir = dir, .kind = kind };

	return !bpf_map_lookup_elem(map_fd(ef, EXTFUSE_MAP_DIRS), &k, v);
}

static int entry_lookup(struct extfuse *ef, __u64 parent, const char *name,
			struct extfuse_entry_val *v)
{
	struct extfuse_entry_key k;

	memset(&k, 0, sizeof(k));
	k.parent = parent;
	strcpy(k.name, name);
	return bpf_map_lookup_elem(map_fd(ef, EXTFUSE_MAP_ENTRIES), &k, v);
}

static __u64 version_of(struct extfuse *ef, __u64 node)
{
	struct extfuse_stamp st;

	extfuse_stamp(ef, node, &st);
	return st.version;
}

static struct extfuse *create(const char *id, __u32 max_entries,
			      __u32 max_chunks)
{
	struct extfuse_opts o = { .sz = sizeof(o), .pin_root = root,
				  .max_entries = max_entries,
				  .max_chunks = max_chunks };
	struct extfuse *ef = NULL;
	int err = extfuse_create(id, &o, &ef);

	if (err) {
		tap_diag("create %s: %d (%s)", id, err, last_msg);
		tap_bail("cannot create a connection");
	}
	return ef;
}

/* ---- connection ids, options, create ---- */

static void test_conn_ids(void)
{
	static const char *const bad[] = { "", ".", "..", "a/b", "a b",
					   "x\n", "caf\xc3\xa9" };
	struct extfuse_opts o = { .sz = sizeof(o), .pin_root = root };
	struct extfuse *ef = (void *)1;
	char long_id[70];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_logged(extfuse_create(bad[i], &o, &ef), -EINVAL,
			  "create refuses a bad connection id");
		tap_ok(ef == NULL, "no handle for a bad id");
		tap_is(extfuse_open(bad[i], root, &ef), -EINVAL,
		       "open refuses a bad connection id");
		tap_is(extfuse_remove(bad[i], root), -EINVAL,
		       "remove refuses a bad connection id");
	}
	tap_is(extfuse_create(NULL, &o, &ef), -EINVAL, "NULL id refused");
	memset(long_id, 'a', sizeof(long_id));
	long_id[65] = '\0';
	tap_is(extfuse_create(long_id, &o, &ef), -EINVAL, "65-char id refused");
	long_id[64] = '\0';
	tap_is(extfuse_open(long_id, root, &ef), -ENOENT,
	       "64-char id accepted (and not found)");
	tap_is(extfuse_create("x", &o, NULL), -EINVAL, "NULL out refused");
}

static void test_opts(void)
{
	struct {
		struct extfuse_opts o;
		__u64 extra;
	} big = { .o = { .sz = sizeof(big), .pin_root = root }, .extra = 1 };
	struct extfuse_opts o = { .sz = 0, .pin_root = root };
	struct extfuse *ef;

	is_logged(extfuse_create("o1", &o, &ef), -EINVAL, "opts.sz 0 refused");
	o.sz = sizeof(o);
	o.flags = 0x80;
	is_logged(extfuse_create("o1", &o, &ef), -EINVAL,
		  "unknown config flags refused");
	tap_is(extfuse_create("o1", &big.o, &ef), -EINVAL,
	       "unknown trailing options refused");
	big.extra = 0;
	tap_is(extfuse_create("o1", &big.o, &ef), 0,
	       "zero trailing options accepted");
	extfuse_close(ef);
	tap_is(extfuse_remove("o1", root), 0, "o1 removed");
}

static void test_pins(struct extfuse *ef)
{
	static const char *const pins[] = {
		EXTFUSE_MAP_ENTRIES, EXTFUSE_MAP_ATTRS,	 EXTFUSE_MAP_DIRS,
		EXTFUSE_MAP_CHUNKS,  EXTFUSE_MAP_VERS,	 EXTFUSE_MAP_SERVED,
		EXTFUSE_MAP_STATS,   EXTFUSE_MAP_CONFIG, EXTFUSE_PROG_PIN,
	};
	char path[PATH_MAX + 64], parent[PATH_MAX];
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	struct stat sb;
	size_t i;

	snprintf(path, sizeof(path), "%s/c1", root);
	tap_ok(!stat(path, &sb) && S_ISDIR(sb.st_mode) &&
		       (sb.st_mode & 07777) == 0700,
	       "connection directory has mode 0700");
	snprintf(parent, sizeof(parent), "%s", root);
	*strrchr(parent, '/') = '\0';
	tap_ok(!stat(parent, &sb) && (sb.st_mode & 07777) == 0700,
	       "missing pin root components are created with mode 0700");
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/c1/%s", root, pins[i]);
		tap_ok(!access(path, F_OK), "%s is pinned", pins[i]);
	}
	for (i = 0; i < 8; i++)
		tap_ok(map_fd(ef, pins[i]) >= 0, "map fd of %s", pins[i]);
	is_logged(map_fd(ef, "extfuse_nope"), -ENOENT, "unknown map name");
	tap_ok(extfuse_prog_fd(ef) >= 0, "program fd");
	tap_ok(!strcmp(extfuse_conn_id(ef), "c1"), "connection id");
	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(map_fd(ef, EXTFUSE_MAP_ENTRIES), &info, &len);
	tap_is(info.max_entries, 1024, "max_entries applied to entries");
	len = sizeof(info);
	bpf_obj_get_info_by_fd(map_fd(ef, EXTFUSE_MAP_VERS), &info, &len);
	tap_is(info.max_entries, 1024, "max_entries applied to versions");
	len = sizeof(info);
	bpf_obj_get_info_by_fd(map_fd(ef, EXTFUSE_MAP_CHUNKS), &info, &len);
	tap_is(info.max_entries, 256, "max_chunks applied to chunks");
}

static void test_create_twice(void)
{
	struct extfuse_opts o = { .sz = sizeof(o), .pin_root = root };
	char path[PATH_MAX + 64];
	struct extfuse *ef;

	is_logged(extfuse_create("c1", &o, &ef), -EEXIST,
		  "create over existing pins refused");
	snprintf(path, sizeof(path), "%s/c1/%s", root, EXTFUSE_MAP_ATTRS);
	tap_ok(!access(path, F_OK), "existing pins left alone");
}

static void test_default_config(struct extfuse *ef)
{
	struct extfuse_config c;

	tap_is(extfuse_get_config(ef, &c), 0, "get_config");
	tap_is(c.magic, EXTFUSE_MAGIC, "config magic");
	tap_is(c.flags,
	       EXTFUSE_CFG_ENABLED | EXTFUSE_CFG_NEGATIVE | EXTFUSE_CFG_DIRS,
	       "default flags: all on");
	tap_is(c.entry_timeout_ns, SEC_NS, "default entry timeout 1 s");
	tap_is(c.attr_timeout_ns, SEC_NS, "default attr timeout 1 s");
	tap_is(c.epoch, 1, "epoch starts at 1");
}

/* ---- attributes ---- */

static void test_attr_bad(struct extfuse *ef)
{
	struct fuse_attr a = mkattr(2, S_IFREG | 0644);
	struct extfuse_stamp st;

	extfuse_stamp(ef, 2, &st);
	is_logged(extfuse_publish_attr(ef, 0, &a, 0, later(), &st), -EINVAL,
		  "attr: nodeid 0 refused");
	a.mode = 0644;
	is_logged(extfuse_publish_attr(ef, 2, &a, 0, later(), &st), -EINVAL,
		  "attr: mode without file type refused");
	a.mode = S_IFREG | 0644;
	tap_is(extfuse_publish_attr(ef, 2, &a, 0x10, later(), &st), -EINVAL,
	       "attr: unknown flags refused");
	tap_is(extfuse_publish_attr(ef, 2, NULL, 0, later(), &st), -EINVAL,
	       "attr: NULL attr refused");
	tap_is(extfuse_publish_attr(ef, 2, &a, 0, later(), NULL), -EINVAL,
	       "attr: NULL stamp refused");
	tap_is(extfuse_publish_attr(ef, 2, &a, 0, 0, &st), -EINVAL,
	       "attr: expiry 0 refused");
	tap_ok(!attr_present(ef, 2), "attr: nothing stored by refused calls");
	tap_is(extfuse_stamp(ef, 0, &st), -EINVAL, "stamp of node 0 refused");
}

static void test_attr(struct extfuse *ef)
{
	struct fuse_attr a = mkattr(5, S_IFREG | 0640), got;
	struct extfuse_attr_val v;
	struct extfuse_stamp st;
	__u64 exp = later(), node = 5;

	tap_is(extfuse_stamp(ef, 5, &st), 0, "stamp");
	tap_ok(st.version == 0 && st.epoch == 1, "fresh stamp: version 0, epoch 1");
	a.uid = 1000;
	tap_is(extfuse_publish_attr(ef, 5, &a, 0, exp, &st), 0, "publish attr");
	tap_is(bpf_map_lookup_elem(map_fd(ef, EXTFUSE_MAP_ATTRS), &node, &v),
	       0, "attr in the map");
	tap_ok(!memcmp(&v.attr, &a, sizeof(a)) && v.expiry_ns == exp &&
		       v.version == 0 && v.epoch == 1 && v.flags == 0,
	       "attr value as published");
	tap_is(serve_getattr(ef, 5, &got), EXTFUSE_VERDICT_ANSWER,
	       "the extension serves the attr");
	tap_ok(got.ino == 5 && got.uid == 1000, "served attr is ours");

	node = 6;
	tap_is(extfuse_publish_attr(ef, 6, &a, EXTFUSE_ATTR_MAY_HAVE_ACL, exp,
				    &st),
	       0, "publish attr with MAY_HAVE_ACL");
	bpf_map_lookup_elem(map_fd(ef, EXTFUSE_MAP_ATTRS), &node, &v);
	tap_is(v.flags, EXTFUSE_ATTR_MAY_HAVE_ACL, "attr flags pass through");

	/* a stamp read before an invalidation is refused after it */
	extfuse_stamp(ef, 5, &st);
	tap_is(extfuse_invalidate_node(ef, 5), 0, "invalidate node");
	tap_ok(!attr_present(ef, 5), "invalidated attr gone");
	tap_is(serve_getattr(ef, 5, NULL), EXTFUSE_VERDICT_PASS,
	       "invalidated attr not served");
	tap_is(version_of(ef, 5), st.version + 1, "version bumped by one");
	is_logged(extfuse_publish_attr(ef, 5, &a, 0, exp, &st), -ESTALE,
		  "publish with a pre-invalidation stamp refused");
	tap_ok(!attr_present(ef, 5), "refused publish stored nothing");
	extfuse_stamp(ef, 5, &st);
	tap_is(extfuse_publish_attr(ef, 5, &a, 0, exp, &st), 0,
	       "publish with a fresh stamp");
	tap_is(serve_getattr(ef, 5, NULL), EXTFUSE_VERDICT_ANSWER,
	       "fresh attr served");

	/* a change seen by the extension (SETATTR) also moves the stamp */
	{
		struct extfuse_req req;

		extfuse_stamp(ef, 5, &st);
		req_init(&req, FUSE_SETATTR, 5);
		run(ef, &req);
		tap_is(extfuse_publish_attr(ef, 5, &a, 0, exp, &st), -ESTALE,
		       "publish racing with a kernel-side SETATTR refused");
	}
	tap_is(extfuse_invalidate_node(ef, 0), -EINVAL,
	       "invalidate node 0 refused");
	tap_is(extfuse_invalidate_node(ef, 777), 0,
	       "invalidating an unknown node is not an error");
}

/* ---- entries ---- */

static void publish_dir_attr(struct extfuse *ef, __u64 dir)
{
	struct fuse_attr a = mkattr(dir, S_IFDIR | 0755);
	struct extfuse_stamp st;

	extfuse_stamp(ef, dir, &st);
	if (extfuse_publish_attr(ef, dir, &a, 0, later(), &st))
		tap_bail("cannot publish directory attributes");
}

static void test_entry_bad(struct extfuse *ef)
{
	struct extfuse_stamp st;
	char name[300];

	extfuse_stamp(ef, 1, &st);
	is_logged(extfuse_publish_entry(ef, 1, "", 100, 0, later(), &st),
		  -EINVAL, "entry: empty name refused");
	tap_is(extfuse_publish_entry(ef, 1, "a/b", 100, 0, later(), &st),
	       -EINVAL, "entry: name with '/' refused");
	tap_is(extfuse_publish_entry(ef, 1, ".", 100, 0, later(), &st),
	       -EINVAL, "entry: '.' refused");
	tap_is(extfuse_publish_negative(ef, 1, "..", later(), &st), -EINVAL,
	       "entry: '..' refused");
	memset(name, 'n', 256);
	name[256] = '\0';
	is_logged(extfuse_publish_entry(ef, 1, name, 100, 0, later(), &st),
		  -ENAMETOOLONG, "entry: 256-byte name refused");
	tap_is(extfuse_publish_negative(ef, 1, name, later(), &st),
	       -ENAMETOOLONG, "negative: 256-byte name refused");
	name[255] = '\0';
	tap_is(extfuse_publish_entry(ef, 1, name, 100, 0, later(), &st), 0,
	       "entry: 255-byte name accepted");
	tap_is(extfuse_publish_entry(ef, 0, "x", 100, 0, later(), &st),
	       -EINVAL, "entry: parent 0 refused");
	tap_is(extfuse_publish_entry(ef, 1, "x", 0, 0, later(), &st), -EINVAL,
	       "entry: positive entry with nodeid 0 refused");
	tap_is(extfuse_publish_entry(ef, 1, NULL, 100, 0, later(), &st),
	       -EINVAL, "entry: NULL name refused");
	tap_is(extfuse_publish_entry(ef, 1, "x", 100, 0, later(), NULL),
	       -EINVAL, "entry: NULL stamp refused");
	tap_ok(entry_lookup(ef, 1, "x", &(struct extfuse_entry_val){ 0 }) ==
		       -ENOENT,
	       "entry: refused calls stored nothing");
}

static void test_entries(struct extfuse *ef)
{
	struct fuse_attr child = mkattr(100, S_IFREG | 0644);
	struct extfuse_entry_val v;
	struct extfuse_stamp st, cst;
	struct extfuse_req req;
	__u64 exp = later();

	publish_dir_attr(ef, 1);
	extfuse_stamp(ef, 100, &cst);
	extfuse_publish_attr(ef, 100, &child, 0, exp, &cst);
	extfuse_stamp(ef, 1, &st);
	tap_is(extfuse_publish_entry(ef, 1, "hello", 100, 7, exp, &st), 0,
	       "publish entry");
	tap_is(entry_lookup(ef, 1, "hello", &v), 0,
	       "entry found under a zero-padded key");
	tap_ok(v.nodeid == 100 && v.generation == 7 && v.flags == 0 &&
		       v.expiry_ns == exp && v.version == st.version &&
		       v.epoch == st.epoch,
	       "entry value as published");
	tap_is(serve_lookup(ef, 1, "hello", &req), EXTFUSE_VERDICT_ANSWER,
	       "the extension answers the lookup");
	tap_ok(req.out.entry.nodeid == 100 && req.out.entry.generation == 7 &&
		       req.out.entry.attr.ino == 100,
	       "lookup answer is ours");

	tap_is(extfuse_publish_negative(ef, 1, "missing", exp, &st), 0,
	       "publish negative entry");
	tap_is(entry_lookup(ef, 1, "missing", &v), 0, "negative entry found");
	tap_ok(v.nodeid == 0 && v.flags == EXTFUSE_ENTRY_NEGATIVE,
	       "negative entry: nodeid 0, NEGATIVE flag");
	tap_is(serve_lookup(ef, 1, "missing", &req), EXTFUSE_VERDICT_ERROR,
	       "the extension answers the negative lookup");
	tap_is(req.error, -ENOENT, "with -ENOENT");

	/* invalidate (1, "hello"): the entry, the parent's attrs go */
	extfuse_stamp(ef, 1, &st);
	tap_is(extfuse_invalidate_entry(ef, 1, "hello"), 0, "invalidate entry");
	tap_is(entry_lookup(ef, 1, "hello", &v), -ENOENT,
	       "invalidated entry gone");
	tap_ok(!attr_present(ef, 1), "parent attributes dropped too");
	tap_ok(version_of(ef, 1) > st.version, "parent version bumped");
	is_logged(extfuse_publish_entry(ef, 1, "hello", 100, 7, exp, &st),
		  -ESTALE, "entry with a pre-invalidation stamp refused");
	tap_is(extfuse_publish_negative(ef, 1, "hello", exp, &st), -ESTALE,
	       "negative with a pre-invalidation stamp refused");
	tap_is(entry_lookup(ef, 1, "hello", &v), -ENOENT,
	       "refused publish stored nothing");
	tap_is(extfuse_invalidate_entry(ef, 1, "never-there"), 0,
	       "invalidating a missing entry is not an error");
	tap_is(extfuse_invalidate_entry(ef, 1, "a/b"), -EINVAL,
	       "invalidate entry: bad name refused");
	tap_is(extfuse_invalidate_entry(ef, 0, "a"), -EINVAL,
	       "invalidate entry: parent 0 refused");
	tap_is(extfuse_invalidate_entry(ef, 1, NULL), -EINVAL,
	       "invalidate entry: NULL name refused");
}

/* ---- directory listings ---- */

#define NENTS 300

static char ent_names[NENTS][64];
static struct extfuse_dirent ents[NENTS];

static void make_ents(void)
{
	int i;

	for (i = 0; i < NENTS; i++) {
		snprintf(ent_names[i], sizeof(ent_names[i]),
			 "file-%03d-%.*s", i, i % 40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN");
		ents[i].name = ent_names[i];
		ents[i].ino = 1000 + i;
		ents[i].off = (i + 1) * 10ull;
		ents[i].type = i % 3 ? DT_REG : DT_DIR;
	}
}

/* Check one record of a chunk buffer; returns its size or 0. */
static size_t check_record(const __u8 *p, size_t left, __u32 kind, int i)
{
	size_t skip = kind == EXTFUSE_DIR_PLUS ?
			      offsetof(struct fuse_direntplus, dirent) :
			      0;
	const struct fuse_dirent *d = (const void *)(p + skip);
	static const struct fuse_entry_out zero;
	size_t rec;

	if (left < skip + FUSE_NAME_OFFSET)
		return 0;
	rec = FUSE_DIRENT_ALIGN(skip + FUSE_NAME_OFFSET + d->namelen);
	if (rec > left || i >= NENTS || d->namelen != strlen(ents[i].name) ||
	    memcmp(d->name, ents[i].name, d->namelen) ||
	    d->off != ents[i].off || d->ino != ents[i].ino ||
	    d->type != ents[i].type)
		return 0;
	if (skip && memcmp(p, &zero, sizeof(zero)))
		return 0;
	return rec;
}

/* Walk the chain of (dir, kind): every record as published, in order. */
static void check_chain(struct extfuse *ef, __u64 dir, __u32 kind, int n)
{
	struct extfuse_chunk_key key = { .dir = dir, .kind = kind };
	static struct extfuse_chunk_val c;
	struct extfuse_dir_val hdr;
	bool ok = true, eof = false;
	int i = 0, chunks = 0;
	__u64 expect_key = 0;
	size_t pos, rec;

	tap_ok(header(ef, dir, kind, &hdr), "listing header (kind %u)", kind);
	tap_is(hdr.nentries, n, "header counts the entries");
	while (ok && !eof && chunks <= 64) {
		key.offset = expect_key;
		if (bpf_map_lookup_elem(map_fd(ef, EXTFUSE_MAP_CHUNKS), &key,
					&c)) {
			ok = false;
			break;
		}
		chunks++;
		ok = c.listing_id == hdr.listing_id &&
		     c.len <= EXTFUSE_CHUNK_BUF_SIZE;
		for (pos = 0; ok && pos < c.len; pos += rec, i++) {
			rec = check_record(c.buf + pos, c.len - pos, kind, i);
			ok = rec != 0;
		}
		if (c.flags & EXTFUSE_CHUNK_EOF) {
			eof = true;
			ok = ok && c.len == 0 &&
			     key.offset == (n ? ents[n - 1].off : 0);
		} else {
			/* the next chunk is keyed by the last entry's off */
			ok = ok && i > 0 && c.next_offset == ents[i - 1].off;
			expect_key = c.next_offset;
		}
	}
	tap_ok(ok && eof, "chain of kind %u: records in order, keyed by d_off, EOF chunk last",
	       kind);
	tap_is(i, n, "chain holds every entry");
	tap_is(chunks, hdr.nchunks, "header counts the chunks");
}

/* Read the listing through the extension as the kernel does. */
static int readdir_all(struct extfuse *ef, __u64 dir, __u32 op, int *calls)
{
	size_t skip = op == FUSE_READDIRPLUS ?
			      offsetof(struct fuse_direntplus, dirent) :
			      0;
	static struct extfuse_req req;
	__u64 off = 0;
	int i = 0;

	for (*calls = 0; *calls < 64; (*calls)++) {
		size_t pos = 0, rec;

		req_init(&req, op, dir);
		req.offset = off;
		req.size = 4096;
		if (run(ef, &req) || req.verdict != EXTFUSE_VERDICT_ANSWER)
			return -1;
		if (req.out_size == 0)
			return i;
		for (; pos < req.out_size; pos += rec, i++) {
			const struct fuse_dirent *d =
				(const void *)(req.out.dirbuf + pos + skip);

			rec = check_record(req.out.dirbuf + pos,
					   req.out_size - pos,
					   op == FUSE_READDIRPLUS, i);
			if (!rec)
				return -1;
			off = d->off;
		}
	}
	return -1;
}

static void test_dir_bad(struct extfuse *ef)
{
	struct extfuse_dirent e[2] = { { "a", 1, 10, DT_REG },
				       { "b", 2, 20, DT_REG } };
	struct extfuse_dir_val before, after;
	struct extfuse_stamp st;
	char longname[300];

	header(ef, 10, EXTFUSE_DIR_PLAIN, &before);
	extfuse_stamp(ef, 10, &st);
	e[0].off = 0;
	is_logged(extfuse_publish_dir(ef, 10, e, 2, later(), &st), -EINVAL,
		  "dir: off 0 refused");
	e[0].off = 20;
	tap_is(extfuse_publish_dir(ef, 10, e, 2, later(), &st), -EINVAL,
	       "dir: equal offs refused");
	e[0].off = 30;
	tap_is(extfuse_publish_dir(ef, 10, e, 2, later(), &st), -EINVAL,
	       "dir: decreasing offs refused");
	e[0].off = 10;
	memset(longname, 'l', 256);
	longname[256] = '\0';
	e[1].name = longname;
	is_logged(extfuse_publish_dir(ef, 10, e, 2, later(), &st),
		  -ENAMETOOLONG, "dir: 256-byte name refused");
	e[1].name = "x/y";
	tap_is(extfuse_publish_dir(ef, 10, e, 2, later(), &st), -EINVAL,
	       "dir: name with '/' refused");
	e[1].name = "";
	tap_is(extfuse_publish_dir(ef, 10, e, 2, later(), &st), -EINVAL,
	       "dir: empty name refused");
	e[1].name = "b";
	e[1].type = 16;
	tap_is(extfuse_publish_dir(ef, 10, e, 2, later(), &st), -EINVAL,
	       "dir: type beyond DT_* refused");
	e[1].type = DT_REG;
	tap_is(extfuse_publish_dir(ef, 0, e, 2, later(), &st), -EINVAL,
	       "dir: directory 0 refused");
	tap_is(extfuse_publish_dir(ef, 10, NULL, 2, later(), &st), -EINVAL,
	       "dir: NULL entries refused");
	tap_ok(header(ef, 10, EXTFUSE_DIR_PLAIN, &after) &&
		       after.listing_id == before.listing_id,
	       "dir: refused calls left the listing alone");
}

static void test_dirs(struct extfuse *ef)
{
	struct extfuse_dirent dots[2] = { { ".", 10, 1, DT_DIR },
					  { "..", 1, 2, DT_DIR } };
	struct extfuse_dir_val hdr;
	struct extfuse_stamp st;
	int calls, n;

	make_ents();
	publish_dir_attr(ef, 10);
	extfuse_stamp(ef, 10, &st);
	tap_is(extfuse_publish_dir(ef, 10, ents, NENTS, later(), &st), 0,
	       "publish a %d-entry listing", NENTS);
	check_chain(ef, 10, EXTFUSE_DIR_PLAIN, NENTS);
	check_chain(ef, 10, EXTFUSE_DIR_PLUS, NENTS);
	header(ef, 10, EXTFUSE_DIR_PLAIN, &hdr);
	tap_ok(hdr.nchunks > 2, "listing spans several chunks (%u)",
	       hdr.nchunks);
	n = readdir_all(ef, 10, FUSE_READDIR, &calls);
	tap_is(n, NENTS, "READDIR through the extension returns every entry");
	tap_is(calls, hdr.nchunks - 1, "one READDIR per chunk, then EOF");
	tap_is(readdir_all(ef, 10, FUSE_READDIRPLUS, &calls), NENTS,
	       "READDIRPLUS through the extension returns every entry");
	test_dir_bad(ef);

	/* republish shorter: the old chain's tail is deleted */
	extfuse_stamp(ef, 10, &st);
	tap_is(extfuse_publish_dir(ef, 10, ents, 5, later(), &st), 0,
	       "republish a 5-entry listing");
	check_chain(ef, 10, EXTFUSE_DIR_PLAIN, 5);
	tap_is(chunks_of(ef, 10), 4, "no chunk of the longer listing is left");

	/* invalidate_dir: headers and chains gone, old stamp refused */
	extfuse_stamp(ef, 10, &st);
	tap_is(extfuse_invalidate_dir(ef, 10), 0, "invalidate dir");
	tap_ok(!header(ef, 10, EXTFUSE_DIR_PLAIN, &hdr) &&
		       !header(ef, 10, EXTFUSE_DIR_PLUS, &hdr),
	       "both listing headers gone");
	tap_is(chunks_of(ef, 10), 0, "the chunk chains are gone");
	tap_ok(attr_present(ef, 10), "the directory's attributes stay");
	is_logged(extfuse_publish_dir(ef, 10, ents, NENTS, later(), &st),
		  -ESTALE, "listing with a pre-invalidation stamp refused");
	tap_ok(!header(ef, 10, EXTFUSE_DIR_PLAIN, &hdr) && !chunks_of(ef, 10),
	       "refused listing stored nothing");

	/* invalidate_node and invalidate_entry drop listings too */
	extfuse_stamp(ef, 10, &st);
	extfuse_publish_dir(ef, 10, ents, NENTS, later(), &st);
	tap_is(extfuse_invalidate_node(ef, 10), 0, "invalidate node of a dir");
	tap_ok(!header(ef, 10, EXTFUSE_DIR_PLUS, &hdr) && !chunks_of(ef, 10),
	       "invalidate node drops the listing and its chunks");
	extfuse_stamp(ef, 10, &st);
	extfuse_publish_dir(ef, 10, ents, NENTS, later(), &st);
	tap_is(extfuse_invalidate_entry(ef, 10, ent_names[3]), 0,
	       "invalidate an entry of a listed dir");
	tap_ok(!header(ef, 10, EXTFUSE_DIR_PLAIN, &hdr) && !chunks_of(ef, 10),
	       "invalidate entry drops the parent's listing and chunks");

	/* empty listing: only the EOF chunk; "." and ".." allowed */
	extfuse_stamp(ef, 11, &st);
	tap_is(extfuse_publish_dir(ef, 11, NULL, 0, later(), &st), 0,
	       "publish an empty listing");
	check_chain(ef, 11, EXTFUSE_DIR_PLAIN, 0);
	tap_is(readdir_all(ef, 11, FUSE_READDIR, &calls), 0,
	       "empty listing served as EOF");
	extfuse_stamp(ef, 12, &st);
	tap_is(extfuse_publish_dir(ef, 12, dots, 2, later(), &st), 0,
	       "listing with . and .. accepted");
}

static void test_dir_nospace(void)
{
	struct extfuse *ef = create("tiny", 64, 4);
	struct extfuse_dir_val hdr;
	struct extfuse_stamp st;

	extfuse_stamp(ef, 10, &st);
	is_logged(extfuse_publish_dir(ef, 10, ents, NENTS, later(), &st),
		  -ENOSPC, "listing larger than the chunk map refused");
	tap_ok(!header(ef, 10, EXTFUSE_DIR_PLAIN, &hdr) && !chunks_of(ef, 10),
	       "nothing stored");
	tap_is(extfuse_publish_dir(ef, 10, ents, 3, later(), &st), 0,
	       "a small listing fits");
	tap_is(chunks_of(ef, 10), 4, "and fills the chunk map");

	/*
	 * A MKDIR seen by the extension drops the listing headers of 10 and
	 * leaves its chunks behind (one deleted here: 3 orphans, 1 free).
	 * Publishing dir 20 then fills the map in the middle of a listing:
	 * the sweep must drop the orphans and keep the half-written listing.
	 */
	{
		struct extfuse_chunk_key k = { .dir = 10, .offset = 30,
					       .kind = EXTFUSE_DIR_PLUS };
		struct extfuse_req req;
		int calls;

		bpf_map_delete_elem(map_fd(ef, EXTFUSE_MAP_CHUNKS), &k);
		req_init(&req, FUSE_MKDIR, 10);
		req.namelen = 3;
		memcpy(req.name, "new", 3);
		run(ef, &req);
		tap_ok(!header(ef, 10, EXTFUSE_DIR_PLAIN, &hdr) &&
			       chunks_of(ef, 10) == 3,
		       "kernel-side MKDIR left 3 orphan chunks");
		publish_dir_attr(ef, 20);
		extfuse_stamp(ef, 20, &st);
		tap_is(extfuse_publish_dir(ef, 20, ents, 3, later(), &st), 0,
		       "publish into a chunk map full of orphans");
		tap_is(chunks_of(ef, 10), 0, "orphans swept");
		tap_is(readdir_all(ef, 20, FUSE_READDIR, &calls), 3,
		       "the listing written across the sweep is whole (plain)");
		tap_is(readdir_all(ef, 20, FUSE_READDIRPLUS, &calls), 3,
		       "and whole (plus)");
		/* Full of 20's servable listing: 20 is evicted for 30. */
		publish_dir_attr(ef, 30);
		extfuse_stamp(ef, 30, &st);
		tap_is(extfuse_publish_dir(ef, 30, ents, 3, later(), &st), 0,
		       "publish into a chunk map full of a servable listing");
		tap_ok(!header(ef, 20, EXTFUSE_DIR_PLAIN, &hdr) &&
			       readdir_all(ef, 30, FUSE_READDIR, &calls) == 3,
		       "the older listing was evicted, the new one is whole");
	}
	extfuse_close(ef);
	extfuse_remove("tiny", root);
}

/* ---- lifetime ---- */

static void test_release(struct extfuse *ef)
{
	int sfd = map_fd(ef, EXTFUSE_MAP_SERVED);
	__u64 node = 100, two = 2, zero = 0, count = 9, v;

	extfuse_invalidate_node(ef, 100); /* gives it a version */
	tap_ok(version_of(ef, 100) > 0, "node 100 has a version");
	bpf_map_update_elem(sfd, &node, &two, BPF_ANY);
	tap_is(extfuse_served(ef, 100, &count), 0, "served");
	tap_is(count, 2, "served count read");
	is_logged(extfuse_release_node(ef, 100), -EBUSY,
		  "release refused while served");
	tap_is(bpf_map_lookup_elem(sfd, &node, &v), 0, "served count kept");
	bpf_map_update_elem(sfd, &node, &zero, BPF_ANY);
	tap_is(extfuse_release_node(ef, 100), 0, "release at count 0");
	tap_ok(bpf_map_lookup_elem(sfd, &node, &v) == 0 && v == 0,
	       "served counter kept at 0");
	tap_ok(bpf_map_lookup_elem(map_fd(ef, EXTFUSE_MAP_VERS), &node, &v) ==
			       0 &&
		       v > 0,
	       "version kept for the life of the maps");
	tap_is(extfuse_served(ef, 4242, &count), 0, "served of unknown node");
	tap_is(count, 0, "reads 0");
	tap_is(extfuse_release_node(ef, 4242), 0, "release of unknown node");
	tap_is(extfuse_release_node(ef, 0), -EINVAL, "release of node 0");
	tap_is(extfuse_served(ef, 1, NULL), -EINVAL, "served: NULL count");
}

/*
 * A schedule point inside the library, to reproduce an interleaving
 * deterministically: libextfuse's calls to bpf_map_delete_elem() reach this
 * definition first (the executable comes first in symbol lookup), which
 * runs the armed step once and then does the real delete.
 */
static void (*before_delete)(void);

int bpf_map_delete_elem(int fd, const void *key)
{
	static int (*real)(int fd, const void *key);
	void (*step)(void) = before_delete;

	if (!real)
		real = (int (*)(int, const void *))dlsym(RTLD_NEXT,
							 "bpf_map_delete_elem");
	if (!real)
		return -ENOSYS;
	if (step) {
		before_delete = NULL;
		step();
	}
	return real(fd, key);
}

static struct extfuse *race_ef;
static int race_verdict = -1;

/* The daemon publishes (500, "x") -> 501 again and the kernel answers a
 * LOOKUP of it. */
static void republish_and_serve(void)
{
	struct fuse_attr a = mkattr(501, S_IFREG | 0644);
	struct extfuse_stamp st;
	struct extfuse_req req;

	extfuse_stamp(race_ef, 501, &st);
	extfuse_publish_attr(race_ef, 501, &a, 0, later(), &st);
	extfuse_stamp(race_ef, 500, &st);
	extfuse_publish_entry(race_ef, 500, "x", 501, 1, later(), &st);
	race_verdict = serve_lookup(race_ef, 500, "x", &req);
}

/*
 * A served count may only go away through FORGET.  The release reads the
 * count of node 501 as 0; before it is done, the node is published again
 * and the kernel is served a lookup of it.  The kernel's FORGET of that
 * lookup must still be absorbed: sent on, it would take a lookup the
 * daemon never gave, and the daemon would free a node the kernel holds.
 */
static void test_release_races_serve(struct extfuse *ef)
{
	struct extfuse_req forget;
	__u64 count = 9;

	publish_dir_attr(ef, 500);
	race_ef = ef;
	race_verdict = -1;
	before_delete = republish_and_serve;
	tap_is(extfuse_release_node(ef, 501), 0,
	       "release of node 501 at count 0");
	before_delete = NULL;
	tap_is(race_verdict, EXTFUSE_VERDICT_ANSWER,
	       "a lookup of 501 was served inside the release");
	req_init(&forget, FUSE_FORGET, 501);
	forget.nlookup = 1;
	tap_ok(run(ef, &forget) == 0 && forget.verdict == EXTFUSE_VERDICT_PASS,
	       "FORGET(501, 1) runs");
	tap_is(forget.nlookup, 0,
	       "the served lookup is absorbed, not sent to the daemon");
	tap_ok(extfuse_served(ef, 501, &count) == 0 && count == 0,
	       "count of 501 back to 0");
	extfuse_invalidate_entry(ef, 500, "x");
}

/* Only extfuse_forget_node() deletes a count, and only a zero. */
static void test_forget_node(struct extfuse *ef)
{
	int sfd = map_fd(ef, EXTFUSE_MAP_SERVED);
	__u64 node = 502, two = 2, zero = 0, v;

	bpf_map_update_elem(sfd, &node, &two, BPF_ANY);
	is_logged(extfuse_forget_node(ef, 502), -EBUSY,
		  "forget_node refused while served");
	tap_ok(bpf_map_lookup_elem(sfd, &node, &v) == 0 && v == 2,
	       "the count is kept");
	bpf_map_update_elem(sfd, &node, &zero, BPF_ANY);
	tap_is(extfuse_release_node(ef, 502), 0, "release at count 0");
	tap_is(bpf_map_lookup_elem(sfd, &node, &v), 0,
	       "release keeps the zero count");
	tap_is(extfuse_forget_node(ef, 502), 0, "forget_node at count 0");
	tap_is(bpf_map_lookup_elem(sfd, &node, &v), -ENOENT,
	       "the count is deleted");
	tap_is(extfuse_forget_node(ef, 502), 0, "forget_node of unknown node");
	tap_is(extfuse_forget_node(ef, 0), -EINVAL, "forget_node of node 0");
	tap_is(extfuse_forget_node(NULL, 502), -EINVAL,
	       "forget_node: NULL handle");
}

/*
 * A negative entry retired by a version bump stays retired after its
 * parent is released: a version that restarted would bring it back.
 */
static void test_release_keeps_retired(struct extfuse *ef)
{
	struct extfuse_stamp st;
	struct extfuse_req req;

	publish_dir_attr(ef, 300); /* searchable: a LOOKUP checks it */
	extfuse_stamp(ef, 300, &st);
	tap_is(extfuse_publish_negative(ef, 300, "later", later(), &st), 0,
	       "negative published under node 300");
	extfuse_req_init(&req, FUSE_LOOKUP, 300);
	req.flags = EXTFUSE_REQ_CAP_SEARCH;
	req.namelen = strlen("later");
	memcpy(req.name, "later", req.namelen);
	tap_ok(extfuse_ask(ef, &req) == 0 &&
		       req.verdict == EXTFUSE_VERDICT_ERROR &&
		       req.error == -ENOENT,
	       "ask: the extension answers ENOENT");
	extfuse_invalidate_node(ef, 300); /* another client created it */
	tap_is(extfuse_release_node(ef, 300), 0, "node 300 released");
	publish_dir_attr(ef, 300); /* the daemon learns its attributes anew */
	tap_ok(extfuse_ask(ef, &req) == 0 &&
		       req.verdict == EXTFUSE_VERDICT_PASS,
	       "the retired negative is not served after the release");
	tap_is(extfuse_ask(ef, NULL), -EINVAL, "ask: NULL request refused");
}

/* ---- stats, config ---- */

static void test_stats(struct extfuse *ef)
{
	struct extfuse_stats st[EXTFUSE_SOP_COUNT], *per;
	int fd = map_fd(ef, EXTFUSE_MAP_STATS);
	int n = libbpf_num_possible_cpus(), cpu;
	__u32 op = EXTFUSE_SOP_READDIR;
	bool ok = true;

	per = calloc(n, sizeof(*per));
	for (cpu = 0; cpu < n; cpu++) {
		per[cpu].hits = cpu + 1;
		per[cpu].forget_kept = 10;
	}
	bpf_map_update_elem(fd, &op, per, BPF_ANY);
	tap_is(extfuse_read_stats(ef, st), 0, "read stats");
	tap_is(st[EXTFUSE_SOP_READDIR].hits, (__u64)n * (n + 1) / 2,
	       "hits summed over %d CPUs", n);
	tap_is(st[EXTFUSE_SOP_READDIR].forget_kept, 10ull * n,
	       "forget_kept summed");
	tap_is(extfuse_reset_stats(ef), 0, "reset stats");
	extfuse_read_stats(ef, st);
	for (op = 0; op < EXTFUSE_SOP_COUNT; op++)
		ok = ok && !st[op].hits && !st[op].misses && !st[op].errors;
	tap_ok(ok, "all zero after reset");
	publish_dir_attr(ef, 20);
	serve_getattr(ef, 20, NULL);
	serve_getattr(ef, 21, NULL);
	extfuse_read_stats(ef, st);
	tap_ok(st[EXTFUSE_SOP_GETATTR].hits == 1 &&
		       st[EXTFUSE_SOP_GETATTR].misses == 1,
	       "counts of real extension runs");
	tap_is(extfuse_read_stats(ef, NULL), -EINVAL, "read_stats: NULL");
	free(per);
}

static void test_config(struct extfuse *ef)
{
	struct extfuse_config c, orig, got;
	struct extfuse_stamp st;
	struct extfuse_req req;

	publish_dir_attr(ef, 30);
	extfuse_get_config(ef, &orig);
	c = orig;
	c.flags = EXTFUSE_CFG_ENABLED | EXTFUSE_CFG_DIRS;
	c.entry_timeout_ns = 500000000;
	c.attr_timeout_ns = 2 * SEC_NS;
	c.epoch = 0;
	tap_is(extfuse_set_config(ef, &c), 0, "set config");
	extfuse_get_config(ef, &got);
	tap_ok(got.flags == c.flags && got.entry_timeout_ns == 500000000 &&
		       got.attr_timeout_ns == 2 * SEC_NS &&
		       got.magic == EXTFUSE_MAGIC,
	       "config read back");
	tap_ok(got.epoch > orig.epoch, "epoch moved forward (%llu -> %llu)",
	       (unsigned long long)orig.epoch, (unsigned long long)got.epoch);
	tap_is(serve_getattr(ef, 30, NULL), EXTFUSE_VERDICT_PASS,
	       "values published before are no longer served");
	extfuse_stamp(ef, 1, &st);
	publish_dir_attr(ef, 1);
	extfuse_publish_negative(ef, 1, "nope", later(), &st);
	tap_is(serve_lookup(ef, 1, "nope", &req), EXTFUSE_VERDICT_PASS,
	       "negative entries not served with NEGATIVE off");
	c.magic = 0;
	is_logged(extfuse_set_config(ef, &c), -EINVAL, "bad magic refused");
	c.magic = EXTFUSE_MAGIC;
	c.flags = 0x100;
	tap_is(extfuse_set_config(ef, &c), -EINVAL, "unknown flags refused");
	extfuse_get_config(ef, &c);
	tap_is(c.flags, EXTFUSE_CFG_ENABLED | EXTFUSE_CFG_DIRS,
	       "refused set_config changed nothing");
	orig.epoch = 0;
	tap_is(extfuse_set_config(ef, &orig), 0, "restore config");
	tap_is(extfuse_get_config(ef, NULL), -EINVAL, "get_config: NULL");
}

/*
 * Maps named after a connection carry its id in the configuration: the
 * id the module binds them to at attach.  No write of the daemon side
 * changes it, and the self-repair restores it.
 */
static int getattr_from(struct extfuse *ef, __u64 node, __u32 conn)
{
	struct extfuse_req req;

	req_init(&req, FUSE_GETATTR, node);
	req.conn_id = conn;
	return run(ef, &req) ? -1 : req.verdict;
}

static void test_bound_conn(void)
{
	struct extfuse *ef = create("7", 0, 0);
	int cfd = map_fd(ef, EXTFUSE_MAP_CONFIG);
	struct extfuse_config c, want = { .flags = EXTFUSE_CFG_ENABLED };
	__u32 zero = 0;

	extfuse_get_config(ef, &c);
	tap_is(c.conn_id, 7, "maps of connection 7: the configuration says 7");
	c.conn_id = 9;
	tap_is(extfuse_set_config(ef, &c), 0, "set config naming connection 9");
	extfuse_get_config(ef, &c);
	tap_is(c.conn_id, 7, "... still bound to 7");
	publish_dir_attr(ef, 70);
	tap_is(getattr_from(ef, 70, 7), EXTFUSE_VERDICT_ANSWER,
	       "a request of connection 7: answered");
	tap_is(getattr_from(ef, 70, 8), EXTFUSE_VERDICT_PASS,
	       "a request of connection 8: sent to the daemon");
	c.conn_id = 9;
	bpf_map_update_elem(cfd, &zero, &c, BPF_ANY);
	tap_is(getattr_from(ef, 70, 7), EXTFUSE_VERDICT_PASS,
	       "bound to another connection (bpf write): nothing served");
	tap_is(extfuse_repair_config(ef, &want, NULL), 1,
	       "repair: a configuration bound elsewhere is rewritten");
	extfuse_get_config(ef, &c);
	tap_is(c.conn_id, 7, "... bound to 7 again");
	extfuse_close(ef);
	tap_is(extfuse_remove("7", root), 0, "remove 7");
}

/* Bytes from a fixed seed: what a stray write might leave. */
static void garbage(void *buf, size_t len, unsigned int seed)
{
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = seed >> 16;
	}
}

static void test_repair_config(struct extfuse *ef)
{
	int cfd = map_fd(ef, EXTFUSE_MAP_CONFIG), sfd = map_fd(ef, EXTFUSE_MAP_SERVED);
	struct extfuse_config want = { .flags = EXTFUSE_CFG_ENABLED |
						EXTFUSE_CFG_NEGATIVE |
						EXTFUSE_CFG_DIRS,
				       .entry_timeout_ns = SEC_NS,
				       .attr_timeout_ns = SEC_NS };
	struct extfuse_config good, bad, found, got;
	__u64 node = 81, three = 3, v = 0;
	struct extfuse_stamp st;
	struct extfuse *other;
	__u32 zero = 0;

	publish_dir_attr(ef, 80);
	bpf_map_update_elem(sfd, &node, &three, BPF_ANY);
	extfuse_get_config(ef, &good);
	tap_is(extfuse_repair_config(ef, &want, NULL), 0,
	       "repair: a well-formed configuration is left alone");
	extfuse_get_config(ef, &got);
	tap_ok(!memcmp(&got, &good, sizeof(got)), "and unchanged");
	tap_is(serve_getattr(ef, 80, NULL), EXTFUSE_VERDICT_ANSWER,
	       "and its values still served");

	extfuse_stamp(ef, 80, &st);
	garbage(&bad, sizeof(bad), 7);
	bpf_map_update_elem(cfd, &zero, &bad, BPF_ANY);
	is_logged(extfuse_open("c1", root, &other), -EPROTO,
		  "overwritten configuration: open refused");
	tap_is(serve_getattr(ef, 80, NULL), EXTFUSE_VERDICT_PASS,
	       "overwritten configuration: nothing served");
	tap_is(extfuse_repair_config(ef, &want, &found), 1, "repaired");
	tap_ok(!memcmp(&found, &bad, sizeof(found)), "found: what was there");
	extfuse_get_config(ef, &got);
	tap_ok(got.magic == EXTFUSE_MAGIC && got.flags == want.flags &&
		       got.entry_timeout_ns == SEC_NS &&
		       got.attr_timeout_ns == SEC_NS,
	       "the configuration is written again");
	tap_ok(got.epoch > good.epoch && got.epoch != bad.epoch,
	       "with an epoch past the last good one (%llu -> %llu)",
	       (unsigned long long)good.epoch, (unsigned long long)got.epoch);
	tap_is(keys_in(ef, EXTFUSE_MAP_ATTRS, 8), 0,
	       "the caches of overwritten maps are dropped");
	tap_ok(bpf_map_lookup_elem(sfd, &node, &v) == 0 && v == 3,
	       "served counts stay");
	tap_is(extfuse_publish_attr(ef, 80, &(struct fuse_attr){ .ino = 80,
		       .mode = S_IFDIR | 0755, .nlink = 2 }, 0, later(), &st),
	       -ESTALE, "a publish stamped before the repair is refused");
	publish_dir_attr(ef, 80);
	tap_is(serve_getattr(ef, 80, NULL), EXTFUSE_VERDICT_ANSWER,
	       "values published after the repair are served");
	tap_is(extfuse_open("c1", root, &other), 0, "open works again");
	extfuse_close(other);

	/* the epoch found is never reused, whatever it is */
	good = got;
	bad = got;
	bad.magic = 0;
	bad.epoch = good.epoch + 2 * (1ull << 32);
	bpf_map_update_elem(cfd, &zero, &bad, BPF_ANY);
	tap_is(extfuse_repair_config(ef, &want, NULL), 1,
	       "a zero magic is repaired");
	extfuse_get_config(ef, &got);
	tap_ok(got.epoch != bad.epoch && got.epoch > good.epoch,
	       "not with the epoch found");
	bad = got;
	bad.flags |= 0x80;
	bpf_map_update_elem(cfd, &zero, &bad, BPF_ANY);
	tap_is(extfuse_repair_config(ef, &want, NULL), 1,
	       "unknown flags are repaired");

	tap_is(extfuse_repair_config(ef, NULL, NULL), -EINVAL,
	       "repair: NULL configuration");
	want.flags = 0x100;
	is_logged(extfuse_repair_config(ef, &want, NULL), -EINVAL,
		  "repair: unknown flags wanted");
	v = 0;
	bpf_map_update_elem(sfd, &node, &v, BPF_ANY);
}

/* ---- flush, walks ---- */

static void test_flush(struct extfuse *ef)
{
	int sfd = map_fd(ef, EXTFUSE_MAP_SERVED);
	__u64 node = 100, one = 1, v;
	struct extfuse_stamp st;

	publish_dir_attr(ef, 40);
	extfuse_stamp(ef, 40, &st);
	extfuse_publish_entry(ef, 40, "f", 100, 1, later(), &st);
	extfuse_publish_negative(ef, 40, "g", later(), &st);
	extfuse_publish_dir(ef, 40, ents, NENTS, later(), &st);
	bpf_map_update_elem(sfd, &node, &one, BPF_ANY);
	tap_ok(keys_in(ef, EXTFUSE_MAP_ENTRIES,
		       sizeof(struct extfuse_entry_key)) > 0 &&
		       chunks_of(ef, 40) > 0,
	       "caches filled");
	tap_is(extfuse_flush(ef), 0, "flush");
	tap_is(keys_in(ef, EXTFUSE_MAP_ENTRIES,
		       sizeof(struct extfuse_entry_key)),
	       0, "entries empty");
	tap_is(keys_in(ef, EXTFUSE_MAP_ATTRS, 8), 0, "attrs empty");
	tap_is(keys_in(ef, EXTFUSE_MAP_DIRS, sizeof(struct extfuse_dir_key)),
	       0, "listing headers empty");
	tap_is(keys_in(ef, EXTFUSE_MAP_CHUNKS,
		       sizeof(struct extfuse_chunk_key)),
	       0, "chunks empty");
	tap_is(bpf_map_lookup_elem(sfd, &node, &v), 0, "served counts stay");
	tap_is(v, 1, "served count intact");
	is_logged(extfuse_publish_entry(ef, 40, "f", 100, 1, later(), &st),
		  -ESTALE, "publish with a pre-flush stamp refused");
	extfuse_stamp(ef, 40, &st);
	tap_is(extfuse_publish_entry(ef, 40, "f", 100, 1, later(), &st), 0,
	       "publish with a post-flush stamp");
	v = 0;
	bpf_map_update_elem(sfd, &node, &v, BPF_ANY);
	tap_is(extfuse_flush(NULL), -EINVAL, "flush: NULL");
}

static int count_attr(__u64 n, const struct extfuse_attr_val *v, void *arg)
{
	(void)n;
	(void)v;
	return ++*(int *)arg == 2 ? 42 : 0;
}

static int count_entry(const struct extfuse_entry_key *k,
		       const struct extfuse_entry_val *v, void *arg)
{
	(void)k;
	(void)v;
	++*(int *)arg;
	return 0;
}

static int count_dir(const struct extfuse_dir_key *k,
		     const struct extfuse_dir_val *v, void *arg)
{
	(void)v;
	*(int *)arg += k->dir == 50;
	return 0;
}

static void test_foreach(struct extfuse *ef)
{
	struct extfuse_stamp st;
	int n = 0;

	extfuse_flush(ef);
	publish_dir_attr(ef, 50);
	publish_dir_attr(ef, 51);
	publish_dir_attr(ef, 52);
	extfuse_stamp(ef, 50, &st);
	extfuse_publish_entry(ef, 50, "a", 51, 0, later(), &st);
	extfuse_publish_entry(ef, 50, "b", 52, 0, later(), &st);
	extfuse_publish_dir(ef, 50, ents, 3, later(), &st);
	tap_is(extfuse_foreach_attr(ef, count_attr, &n), 42,
	       "a callback's non-zero return stops the walk and is returned");
	tap_is(n, 2, "walk stopped at once");
	n = 0;
	tap_is(extfuse_foreach_entry(ef, count_entry, &n), 0, "entry walk");
	tap_is(n, 2, "entry walk saw both entries");
	n = 0;
	tap_is(extfuse_foreach_dir(ef, count_dir, &n), 0, "dir walk");
	tap_is(n, 2, "dir walk saw both kinds");
	tap_is(extfuse_foreach_dir(ef, NULL, NULL), -EINVAL, "NULL callback");
}

/* ---- reading back ---- */

static void test_read_values(struct extfuse *ef)
{
	struct fuse_attr a = mkattr(61, S_IFREG | 0600);
	struct extfuse_entry_val ev;
	struct extfuse_attr_val av;
	struct extfuse_dir_val dv, raw;
	struct extfuse_stamp st;
	__u64 exp = later();
	char name[300];

	publish_dir_attr(ef, 60);
	extfuse_stamp(ef, 61, &st);
	extfuse_publish_attr(ef, 61, &a, EXTFUSE_ATTR_MAY_HAVE_ACL, exp, &st);
	tap_is(extfuse_read_attr(ef, 61, &av), 0, "read_attr");
	tap_ok(!memcmp(&av.attr, &a, sizeof(a)) && av.expiry_ns == exp &&
		       av.version == st.version && av.epoch == st.epoch &&
		       av.flags == EXTFUSE_ATTR_MAY_HAVE_ACL,
	       "read_attr: the value as published");
	is_logged(extfuse_read_attr(ef, 62, &av), -ENOENT,
		  "read_attr: nothing for an unknown node");
	is_logged(extfuse_read_attr(ef, 0, &av), -EINVAL,
		  "read_attr: node 0 refused");
	tap_is(extfuse_read_attr(ef, 61, NULL), -EINVAL, "read_attr: NULL");

	extfuse_stamp(ef, 60, &st);
	extfuse_publish_entry(ef, 60, "x", 61, 3, exp, &st);
	extfuse_publish_negative(ef, 60, "gone", exp, &st);
	tap_is(extfuse_read_entry(ef, 60, "x", &ev), 0, "read_entry");
	tap_ok(ev.nodeid == 61 && ev.generation == 3 && ev.flags == 0 &&
		       ev.expiry_ns == exp && ev.version == st.version,
	       "read_entry: the value as published");
	tap_is(extfuse_read_entry(ef, 60, "gone", &ev), 0,
	       "read_entry of a negative entry");
	tap_ok(ev.nodeid == 0 && ev.flags == EXTFUSE_ENTRY_NEGATIVE,
	       "read_entry: negative");
	is_logged(extfuse_read_entry(ef, 60, "y", &ev), -ENOENT,
		  "read_entry: nothing for an unknown name");
	is_logged(extfuse_read_entry(ef, 60, "a/b", &ev), -EINVAL,
		  "read_entry: name with '/' refused");
	memset(name, 'n', 256);
	name[256] = '\0';
	tap_is(extfuse_read_entry(ef, 60, name, &ev), -ENAMETOOLONG,
	       "read_entry: 256-byte name refused");
	tap_is(extfuse_read_entry(ef, 60, NULL, &ev), -EINVAL,
	       "read_entry: NULL name");
	tap_is(extfuse_read_entry(ef, 0, "x", &ev), -EINVAL,
	       "read_entry: parent 0");

	extfuse_publish_dir(ef, 60, ents, NENTS, exp, &st);
	tap_is(extfuse_read_dir(ef, 60, EXTFUSE_DIR_PLUS, &dv), 0, "read_dir");
	tap_ok(header(ef, 60, EXTFUSE_DIR_PLUS, &raw) &&
		       !memcmp(&dv, &raw, sizeof(dv)) &&
		       dv.nentries == NENTS && dv.expiry_ns == exp,
	       "read_dir: the header as stored");
	is_logged(extfuse_read_dir(ef, 62, EXTFUSE_DIR_PLAIN, &dv), -ENOENT,
		  "read_dir: nothing for an unlisted directory");
	is_logged(extfuse_read_dir(ef, 60, 2, &dv), -EINVAL,
		  "read_dir: unknown kind refused");
}

struct got_dirents {
	int n;
	bool same; /* every record equals ents[i] */
	int stop_at; /* return 7 at this record, if non-zero */
};

static int got_dirent(const struct extfuse_dirent *e, void *arg)
{
	struct got_dirents *g = arg;

	g->same = g->same && g->n < NENTS &&
		  !strcmp(e->name, ents[g->n].name) && e->ino == ents[g->n].ino &&
		  e->off == ents[g->n].off && e->type == ents[g->n].type;
	return ++g->n == g->stop_at ? 7 : 0;
}

static void test_read_listing(struct extfuse *ef)
{
	struct got_dirents g = { .same = true };
	struct extfuse_dir_val plain, plus;
	struct extfuse_stamp st;
	__u32 kind;

	for (kind = EXTFUSE_DIR_PLAIN; kind <= EXTFUSE_DIR_PLUS; kind++) {
		g = (struct got_dirents){ .same = true };
		tap_is(extfuse_foreach_dirent(ef, 60, kind, 0, got_dirent, &g),
		       0, "foreach_dirent of the current listing (kind %u)",
		       kind);
		tap_ok(g.n == NENTS && g.same,
		       "every record as published, in order (%d)", g.n);
	}
	extfuse_read_dir(ef, 60, EXTFUSE_DIR_PLAIN, &plain);
	extfuse_read_dir(ef, 60, EXTFUSE_DIR_PLUS, &plus);
	g = (struct got_dirents){ .same = true, .stop_at = 5 };
	tap_is(extfuse_foreach_dirent(ef, 60, EXTFUSE_DIR_PLAIN,
				      plain.listing_id, got_dirent, &g),
	       7, "a callback's non-zero return stops the walk and is returned");
	tap_is(g.n, 5, "walk stopped at once");
	g = (struct got_dirents){ .same = true };
	is_logged(extfuse_foreach_dirent(ef, 60, EXTFUSE_DIR_PLAIN,
					 plus.listing_id, got_dirent, &g),
		  -ESTALE, "another listing's id: stale");
	tap_is(g.n, 0, "no record of another listing");

	/* republished shorter: the old listing is gone */
	extfuse_stamp(ef, 60, &st);
	extfuse_publish_dir(ef, 60, ents, 5, later(), &st);
	g = (struct got_dirents){ .same = true };
	tap_is(extfuse_foreach_dirent(ef, 60, EXTFUSE_DIR_PLAIN,
				      plain.listing_id, got_dirent, &g),
	       -ESTALE, "a listing replaced meanwhile: stale");
	g = (struct got_dirents){ .same = true };
	tap_is(extfuse_foreach_dirent(ef, 60, EXTFUSE_DIR_PLAIN, 0, got_dirent,
				      &g),
	       0, "the listing that replaced it");
	tap_ok(g.n == 5 && g.same, "has its 5 records");

	extfuse_stamp(ef, 63, &st);
	extfuse_publish_dir(ef, 63, NULL, 0, later(), &st);
	g = (struct got_dirents){ .same = true };
	tap_is(extfuse_foreach_dirent(ef, 63, EXTFUSE_DIR_PLUS, 0, got_dirent,
				      &g),
	       0, "an empty listing");
	tap_is(g.n, 0, "has no record");
	is_logged(extfuse_foreach_dirent(ef, 64, EXTFUSE_DIR_PLAIN, 0,
					 got_dirent, &g),
		  -ENOENT, "no listing");
	tap_is(extfuse_foreach_dirent(ef, 60, 5, 0, got_dirent, &g), -EINVAL,
	       "unknown kind refused");
	tap_is(extfuse_foreach_dirent(ef, 60, EXTFUSE_DIR_PLAIN, 0, NULL, NULL),
	       -EINVAL, "NULL callback refused");
}

/* Append a plain record to c (no checks: this writes malformed ones). */
static void put_raw(struct extfuse_chunk_val *c, const char *name,
		    size_t namelen, __u64 off)
{
	struct fuse_dirent *d = (struct fuse_dirent *)(c->buf + c->len);

	d->ino = off;
	d->off = off;
	d->namelen = namelen;
	d->type = DT_REG;
	memcpy(d->name, name, strlen(name));
	c->len += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
}

enum bad_kind { BAD_LEN, BAD_NAMELEN, BAD_PAST_END, BAD_SLASH, BAD_CHAIN };

/*
 * Dir 70: a header and a well-formed first chunk (records file-000, off
 * 10), then a second chunk at offset 10 made malformed as told.
 */
static void write_bad_listing(struct extfuse *ef, enum bad_kind bad)
{
	static struct extfuse_chunk_val c;
	struct extfuse_chunk_key key = { .dir = 70, .kind = EXTFUSE_DIR_PLAIN };
	struct extfuse_dir_key dk = { .dir = 70, .kind = EXTFUSE_DIR_PLAIN };
	struct extfuse_dir_val hdr = { .listing_id = 77, .expiry_ns = later(),
				       .nchunks = 3, .nentries = 2 };
	int cfd = map_fd(ef, EXTFUSE_MAP_CHUNKS);

	bpf_map_update_elem(map_fd(ef, EXTFUSE_MAP_DIRS), &dk, &hdr, BPF_ANY);
	memset(&c, 0, sizeof(c));
	c.listing_id = 77;
	put_raw(&c, ents[0].name, strlen(ents[0].name), ents[0].off);
	c.next_offset = ents[0].off;
	bpf_map_update_elem(cfd, &key, &c, BPF_ANY);

	memset(&c, 0, sizeof(c));
	c.listing_id = 77;
	key.offset = ents[0].off;
	put_raw(&c, ents[1].name, strlen(ents[1].name), ents[1].off);
	c.next_offset = ents[1].off;
	switch (bad) {
	case BAD_LEN:
		c.len = EXTFUSE_CHUNK_BUF_SIZE + 8;
		break;
	case BAD_NAMELEN:
		put_raw(&c, "", 0, 30);
		break;
	case BAD_PAST_END:
		put_raw(&c, "abc", 3, 30);
		c.len -= 8;
		break;
	case BAD_SLASH:
		put_raw(&c, "a/b", 3, 30);
		break;
	case BAD_CHAIN:
		c.next_offset = key.offset; /* points at itself */
		break;
	}
	bpf_map_update_elem(cfd, &key, &c, BPF_ANY);
}

static void test_read_malformed(struct extfuse *ef)
{
	static const char *const what[] = {
		[BAD_LEN] = "chunk longer than a reply",
		[BAD_NAMELEN] = "record with an empty name",
		[BAD_PAST_END] = "record past the chunk's end",
		[BAD_SLASH] = "name with a '/'",
		[BAD_CHAIN] = "chain that does not end",
	};
	struct got_dirents g;
	int bad;

	for (bad = BAD_LEN; bad <= BAD_CHAIN; bad++) {
		write_bad_listing(ef, bad);
		g = (struct got_dirents){ .same = true };
		is_logged(extfuse_foreach_dirent(ef, 70, EXTFUSE_DIR_PLAIN, 0,
						 got_dirent, &g),
			  -EPROTO, what[bad]);
		/* BAD_CHAIN: the chunk is well-formed, only its link is not */
		tap_is(g.n, bad == BAD_CHAIN ? 2 : 1,
		       "%s: records before the malformed chunk only",
		       what[bad]);
	}
	extfuse_invalidate_dir(ef, 70);
}

static int got_served(__u64 node, __u64 count, void *arg)
{
	__u64 *counts = arg; /* of nodes 0..99 */

	if (node < 100)
		counts[node] = count;
	return 0;
}

static int stop_served(__u64 node, __u64 count, void *arg)
{
	(void)node;
	(void)count;
	++*(int *)arg;
	return -EINTR;
}

static void test_read_served(struct extfuse *ef)
{
	__u64 counts[100] = { 0 };
	struct extfuse_req req;
	int n = 0;

	/* node 61 named by 60/x, both with attributes: lookups are served */
	serve_lookup(ef, 60, "x", &req);
	serve_lookup(ef, 60, "x", &req);
	tap_is(extfuse_foreach_served(ef, got_served, counts), 0,
	       "foreach_served");
	tap_is(counts[61], 2, "two lookups served by the extension");
	tap_is(extfuse_foreach_served(ef, stop_served, &n), -EINTR,
	       "a callback's error stops the walk and is returned");
	tap_is(n, 1, "walk stopped at once");
	tap_is(extfuse_foreach_served(ef, NULL, NULL), -EINVAL,
	       "NULL callback refused");
	/* hand the lookups back, as FORGET would, for the tests after */
	req_init(&req, FUSE_FORGET, 61);
	req.nlookup = 2;
	run(ef, &req);
}

static void test_read(struct extfuse *ef)
{
	test_read_values(ef);
	test_read_listing(ef);
	test_read_malformed(ef);
	test_read_served(ef);
}

/* ---- kernel module control ---- */

static void test_module(struct extfuse *ef)
{
	struct extfuse_conn_info info;
	__u32 id = 0;
	int fd;

	if (!access(EXTFUSE_DEVICE, F_OK)) {
		tap_diag("%s exists: module tests need a host without it",
			 EXTFUSE_DEVICE);
		return;
	}
	tap_ok(!extfuse_module_loaded(), "module not loaded here");
	fd = open(root, O_RDONLY | O_DIRECTORY);
	is_logged(extfuse_attach(ef, fd, &id), -ENODEV,
		  "attach without the module");
	tap_ok(strstr(last_msg,
		      "extfuse kernel module not loaded (/dev/extfuse missing)") !=
		       NULL,
	       "clear message: %s", last_msg);
	tap_is(extfuse_detach(fd), -ENODEV, "detach without the module");
	tap_is(extfuse_query(0, &info), -ENODEV, "query without the module");
	tap_is(extfuse_sync(), -ENODEV, "sync without the module");
	tap_is(extfuse_attach(ef, -1, &id), -EINVAL, "attach: bad fd");
	close(fd);
}

/* ---- open, private program, layout checks, removal ---- */

static void test_open(struct extfuse *ef1)
{
	struct fuse_attr a = mkattr(60, S_IFREG | 0600);
	char path[PATH_MAX + 64];
	struct extfuse_stamp st;
	struct extfuse *ef2, *ef3;

	is_logged(extfuse_open("nope", root, &ef2), -ENOENT,
		  "open of a missing connection");
	tap_is(extfuse_open("c1", root, &ef2), 0, "open c1 again");
	tap_ok(extfuse_prog_fd(ef2) >= 0, "pinned program opened");
	extfuse_stamp(ef2, 60, &st);
	extfuse_publish_attr(ef2, 60, &a, 0, later(), &st);
	tap_ok(attr_present(ef1, 60), "publish through one handle, seen by the other");
	tap_is(serve_getattr(ef1, 60, NULL), EXTFUSE_VERDICT_ANSWER,
	       "and served");
	extfuse_close(ef2);

	/* no program pinned: invalidations load a private copy */
	ef3 = create("c2", 0, 0);
	extfuse_close(ef3);
	snprintf(path, sizeof(path), "%s/c2/%s", root, EXTFUSE_PROG_PIN);
	unlink(path);
	tap_is(extfuse_open("c2", root, &ef3), 0,
	       "open without a pinned program");
	tap_is(extfuse_prog_fd(ef3), -ENOENT, "no program fd");
	extfuse_stamp(ef3, 61, &st);
	tap_is(extfuse_invalidate_node(ef3, 61), 0,
	       "invalidation works without a pinned program");
	tap_is(version_of(ef3, 61), st.version + 1, "and bumped the version");
	tap_is(extfuse_attach(ef3, 0, NULL), -ENOENT,
	       "attach without a program refused");
	extfuse_close(ef3);
	tap_is(extfuse_remove("c2", root), 0, "remove c2");

	/* a pinned map of the wrong layout is refused */
	ef3 = create("c3", 0, 0);
	extfuse_close(ef3);
	snprintf(path, sizeof(path), "%s/c3/%s", root, EXTFUSE_MAP_ATTRS);
	unlink(path);
	{
		int fd = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 8, 16, 4,
					NULL);

		bpf_obj_pin(fd, path);
		close(fd);
	}
	is_logged(extfuse_open("c3", root, &ef3), -EPROTO,
		  "map with the wrong value size refused");
	tap_is(extfuse_remove("c3", root), 0, "remove c3");

	/* a directory without pins is not a connection */
	snprintf(path, sizeof(path), "%s/bogus", root);
	mkdir(path, 0700);
	tap_is(extfuse_open("bogus", root, &ef3), -ENOENT,
	       "directory without pins refused");
	tap_is(extfuse_remove("bogus", root), 0, "remove an empty directory");
}

static void test_vers_full(void)
{
	struct extfuse *ef = create("small", 4, 0);
	struct extfuse_attr_val av;
	struct fuse_attr a = mkattr(1, S_IFREG | 0644);
	struct extfuse_stamp st, before;
	__u64 n;

	for (n = 1; n <= 4; n++)
		extfuse_invalidate_node(ef, n);
	extfuse_stamp(ef, 9, &before);
	tap_is(before.epoch, 1, "versions map full, epoch still 1");
	tap_is(extfuse_invalidate_node(ef, 5), 0,
	       "invalidation with the versions map full");
	extfuse_stamp(ef, 9, &st);
	tap_is(st.epoch, 2, "the epoch moved instead");
	tap_is(extfuse_publish_attr(ef, 9, &a, 0, later(), &before), -ESTALE,
	       "so every older stamp is refused");

	/* a full cache makes room by sweeping what cannot be served */
	for (n = 11; n <= 14; n++)
		extfuse_publish_attr(ef, n, &a, 0, extfuse_now_ns() - 1, &st);
	tap_is(keys_in(ef, EXTFUSE_MAP_ATTRS, 8), 4, "attrs map full");
	tap_is(extfuse_publish_attr(ef, 15, &a, 0, later(), &st), 0,
	       "publish into a full map of expired values");
	tap_is(keys_in(ef, EXTFUSE_MAP_ATTRS, 8), 1, "expired values swept");
	for (n = 16; n <= 18; n++)
		extfuse_publish_attr(ef, n, &a, 0, later(), &st);
	tap_is(extfuse_publish_attr(ef, 19, &a, 0, later(), &st), 0,
	       "a map full of servable values evicts some of them");
	tap_ok(keys_in(ef, EXTFUSE_MAP_ATTRS, 8) == 4 &&
		       extfuse_read_attr(ef, 19, &av) == 0,
	       "and holds the new value");
	extfuse_close(ef);
	extfuse_remove("small", root);
}

/* ---- threads ---- */

struct worker {
	struct extfuse *ef;
	__u64 base;
	int bad;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct fuse_attr a = mkattr(1, S_IFREG | 0644);
	struct extfuse_stamp st;
	int i, err;

	for (i = 0; i < 300; i++) {
		__u64 node = w->base + i % 7;

		extfuse_stamp(w->ef, node, &st);
		err = extfuse_publish_attr(w->ef, node, &a, 0, later(), &st);
		if (err && err != -ESTALE)
			w->bad++;
		if (i % 5 == 0 && extfuse_invalidate_node(w->ef, node))
			w->bad++;
		if (i % 97 == 0 && extfuse_flush(w->ef))
			w->bad++;
	}
	return NULL;
}

static void test_threads(struct extfuse *ef)
{
	struct worker w[4];
	pthread_t t[4];
	int i, bad = 0;

	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ .ef = ef, .base = 1000 * (i + 1) };
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].bad;
	}
	tap_is(bad, 0, "4 threads publishing, invalidating, flushing: no errors");
}

static void test_log(void)
{
	extfuse_log_fn prev = extfuse_set_log(NULL, NULL);
	struct bpf_object *obj;
	char junk[64] = "definitely not an ELF file";
	int before;

	tap_ok(prev == capture, "set_log returns the previous callback");
	tap_ok(extfuse_set_log(capture, NULL) == NULL,
	       "the default callback reads as NULL");
	/* libbpf's own messages are routed to the callback too */
	before = libbpf_msgs;
	obj = bpf_object__open_mem(junk, sizeof(junk), NULL);
	tap_ok(libbpf_get_error(obj) && libbpf_msgs > before,
	       "libbpf's own messages reach the callback (%s)", last_msg);
}

int main(void)
{
	const char *base;
	struct extfuse *ef;
	char path[PATH_MAX + 64];

	tap_plan_unknown();
	base = bpffs_setup();
	snprintf(root, sizeof(root), "%s/sub/root", base);
	extfuse_set_log(capture, NULL);

	test_conn_ids();
	test_opts();
	ef = create("c1", 1024, 256);
	test_pins(ef);
	test_create_twice();
	test_default_config(ef);
	test_attr_bad(ef);
	test_attr(ef);
	test_entry_bad(ef);
	test_entries(ef);
	test_dirs(ef);
	test_dir_nospace();
	test_release(ef);
	test_release_keeps_retired(ef);
	test_release_races_serve(ef);
	test_forget_node(ef);
	test_stats(ef);
	test_config(ef);
	test_repair_config(ef);
	test_bound_conn();
	test_flush(ef);
	test_foreach(ef);
	test_read(ef);
	test_module(ef);
	test_open(ef);
	test_vers_full();
	test_threads(ef);
	test_log();

	extfuse_close(ef);
	tap_is(extfuse_remove("c1", root), 0, "remove c1");
	snprintf(path, sizeof(path), "%s/c1", root);
	tap_ok(access(path, F_OK) && errno == ENOENT, "c1 directory gone");
	is_logged(extfuse_remove("c1", root), -ENOENT, "remove again");
	tap_is(extfuse_open("c1", root, &ef), -ENOENT, "open after remove");
	extfuse_close(NULL);
	return tap_done();
}
