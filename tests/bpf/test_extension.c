// SPDX-License-Identifier: GPL-2.0
/*
 * The extension program on the real kernel: fresh maps from the skeleton,
 * requests run through BPF_PROG_TEST_RUN, results read back from the
 * context and the maps.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "extfuse_abi.h"
#include "extfuse.skel.h"
#include "tap.h"

#define SEC_NS 1000000000ull
#define NOW (1000 * SEC_NS) /* the context's clock: tests set it */
#define ROOT 1ull
#define DIR_A 0x1000ull
#define FILE_B 0x2000ull
#define FILE_C 0x3000ull

static struct extfuse_bpf *skel;
static int prog_fd;

static int map_fd(struct bpf_map *map)
{
	return bpf_map__fd(map);
}

static void req_init(struct extfuse_req *r, __u32 opcode, __u64 nodeid)
{
	extfuse_req_init(r, opcode, nodeid);
	r->now_ns = NOW;
	r->uid = 1000;
	r->gid = 1000;
	r->size = EXTFUSE_DIRBUF_SIZE;
	r->verdict = -1; /* the program must set it */
}

static void req_name(struct extfuse_req *r, const char *name)
{
	r->namelen = strlen(name);
	memset(r->name, 0, sizeof(r->name));
	memcpy(r->name, name, r->namelen < sizeof(r->name) ? r->namelen : 0);
}

/* Runs the program; returns its return value, fails the test on a
 * syscall error. */
static int run(struct extfuse_req *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = r,
		    .ctx_size_in = sizeof(*r));
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	if (err) {
		tap_diag("BPF_PROG_TEST_RUN: %s", strerror(errno));
		return -100000;
	}
	return (int)opts.retval;
}

static struct extfuse_stats stats(enum extfuse_stat_op op)
{
	int ncpu = libbpf_num_possible_cpus();
	struct extfuse_stats per[ncpu], sum = { 0 };
	__u32 key = op;

	if (bpf_map_lookup_elem(map_fd(skel->maps.extfuse_stats), &key, per))
		tap_bail("cannot read stats");
	for (int i = 0; i < ncpu; i++) {
		sum.hits += per[i].hits;
		sum.misses += per[i].misses;
		sum.expired += per[i].expired;
		sum.stale += per[i].stale;
		sum.perm_refused += per[i].perm_refused;
		sum.errors += per[i].errors;
		sum.invalidations += per[i].invalidations;
		sum.forget_kept += per[i].forget_kept;
	}
	return sum;
}

static void set_config(__u32 flags, __u64 epoch)
{
	struct extfuse_config cfg = {
		.magic = EXTFUSE_MAGIC,
		.flags = flags,
		.entry_timeout_ns = 2 * SEC_NS,
		.attr_timeout_ns = 3 * SEC_NS,
		.epoch = epoch,
	};
	__u32 zero = 0;

	bpf_map_update_elem(map_fd(skel->maps.extfuse_config), &zero, &cfg,
			    BPF_ANY);
}

#define ALL_ON (EXTFUSE_CFG_ENABLED | EXTFUSE_CFG_NEGATIVE | EXTFUSE_CFG_DIRS)

static __u64 version_of(__u64 nodeid)
{
	__u64 v = 0;

	bpf_map_lookup_elem(map_fd(skel->maps.extfuse_vers), &nodeid, &v);
	return v;
}

static __u64 epoch_now(void)
{
	struct extfuse_config cfg;
	__u32 zero = 0;

	bpf_map_lookup_elem(map_fd(skel->maps.extfuse_config), &zero, &cfg);
	return cfg.epoch;
}

static struct fuse_attr make_attr(__u64 ino, __u32 mode, __u32 uid, __u32 gid)
{
	struct fuse_attr a = {
		.ino = ino,
		.size = ino * 3,
		.blocks = 8,
		.atime = 11,
		.mtime = 12,
		.ctime = 13,
		.atimensec = 21,
		.mtimensec = 22,
		.ctimensec = 23,
		.mode = mode,
		.nlink = 1,
		.uid = uid,
		.gid = gid,
		.blksize = 4096,
	};
	return a;
}

static void put_attr(__u64 nodeid, struct fuse_attr a, __u64 expiry,
		     __u32 flags)
{
	struct extfuse_attr_val v = {
		.attr = a,
		.expiry_ns = expiry,
		.version = version_of(nodeid),
		.epoch = epoch_now(),
		.flags = flags,
	};

	if (bpf_map_update_elem(map_fd(skel->maps.extfuse_attrs), &nodeid, &v,
				BPF_ANY))
		tap_bail("cannot publish attr");
}

static void entry_key(struct extfuse_entry_key *k, __u64 parent,
		      const char *name)
{
	memset(k, 0, sizeof(*k));
	k->parent = parent;
	strncpy(k->name, name, sizeof(k->name) - 1);
}

static void put_entry(__u64 parent, const char *name, __u64 nodeid,
		      __u64 expiry)
{
	struct extfuse_entry_key k;
	struct extfuse_entry_val v = {
		.nodeid = nodeid,
		.generation = nodeid + 7,
		.expiry_ns = expiry,
		.version = version_of(parent),
		.epoch = epoch_now(),
		.flags = nodeid ? 0 : EXTFUSE_ENTRY_NEGATIVE,
	};

	entry_key(&k, parent, name);
	if (bpf_map_update_elem(map_fd(skel->maps.extfuse_entries), &k, &v,
				BPF_ANY))
		tap_bail("cannot publish entry");
}

static bool has_entry(__u64 parent, const char *name)
{
	struct extfuse_entry_key k;
	struct extfuse_entry_val v;

	entry_key(&k, parent, name);
	return !bpf_map_lookup_elem(map_fd(skel->maps.extfuse_entries), &k,
				    &v);
}

static bool has_attr(__u64 nodeid)
{
	struct extfuse_attr_val v;

	return !bpf_map_lookup_elem(map_fd(skel->maps.extfuse_attrs), &nodeid,
				    &v);
}

static __u64 served(__u64 nodeid)
{
	__u64 n = 0;

	bpf_map_lookup_elem(map_fd(skel->maps.extfuse_served), &nodeid, &n);
	return n;
}

/* A standard tree: / (0755 root) -> a/ (0750 uid 1000 gid 100) -> b, c. */
static void publish_tree(void)
{
	__u64 exp = NOW + 10 * SEC_NS;

	put_attr(ROOT, make_attr(1, S_IFDIR | 0755, 0, 0), exp, 0);
	put_attr(DIR_A, make_attr(10, S_IFDIR | 0750, 1000, 100), exp, 0);
	put_attr(FILE_B, make_attr(20, S_IFREG | 0644, 1000, 100), exp, 0);
	put_attr(FILE_C, make_attr(30, S_IFREG | 0600, 1000, 100), exp, 0);
	put_entry(ROOT, "a", DIR_A, exp);
	put_entry(DIR_A, "b", FILE_B, exp);
	put_entry(DIR_A, "c", FILE_C, exp);
	put_entry(DIR_A, "missing", 0, exp);
}

static void test_probe_and_context(void)
{
	struct extfuse_req r;
	struct extfuse_stats before = stats(EXTFUSE_SOP_OTHER);

	memset(&r, 0, sizeof(r));
	r.opcode = EXTFUSE_OP_PROBE;
	run(&r);
	tap_is(r.magic, EXTFUSE_MAGIC, "probe: magic written back");
	tap_is(r.abi_version, EXTFUSE_ABI_VERSION, "probe: ABI version");
	tap_is(r.ctx_size, sizeof(r), "probe: context size");
	tap_is(r.verdict, EXTFUSE_VERDICT_ANSWER, "probe: answered");

	req_init(&r, FUSE_GETATTR, FILE_B);
	r.magic = 0x12345678;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "bad magic: sent to daemon");
	req_init(&r, FUSE_GETATTR, FILE_B);
	r.abi_version = EXTFUSE_ABI_VERSION + 1;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "other ABI version: sent to daemon");
	req_init(&r, FUSE_GETATTR, FILE_B);
	r.ctx_size = sizeof(r) - 8;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "wrong context size: sent to daemon");
	req_init(&r, FUSE_FORGET, FILE_B);
	r.magic = 0;
	r.nlookup = 3;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_ERROR,
	       "FORGET with a bad context: nothing is sent (count kept)");
	tap_is(stats(EXTFUSE_SOP_OTHER).errors - before.errors, 4,
	       "bad contexts counted as errors");

	/* A context shorter than the program reads is refused by the kernel. */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &r, .ctx_size_in = 64);
	tap_ok(bpf_prog_test_run_opts(prog_fd, &opts) != 0,
	       "context smaller than the program's accesses is refused");
}

static void test_getattr(void)
{
	struct extfuse_stats s0 = stats(EXTFUSE_SOP_GETATTR), s1;
	struct fuse_attr want = make_attr(20, S_IFREG | 0644, 1000, 100);
	struct extfuse_req r;

	req_init(&r, FUSE_GETATTR, 0x9999);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "GETATTR miss: sent to daemon");

	req_init(&r, FUSE_GETATTR, FILE_B);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_ANSWER, "GETATTR hit: answered");
	tap_ok(!memcmp(&r.out.attr.attr, &want, sizeof(want)),
	       "GETATTR hit: attributes exactly as published");
	tap_is(r.out_size, sizeof(struct fuse_attr_out), "GETATTR: reply size");
	tap_is(r.out.attr.attr_valid, 3, "GETATTR: attr_valid = configured 3 s");
	tap_is(r.out.attr.attr_valid_nsec, 0, "GETATTR: attr_valid_nsec");

	/* Timeout capped by the expiry: 1.5 s left. */
	r.now_ns = NOW + 10 * SEC_NS - 3 * SEC_NS / 2;
	r.verdict = -1;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_ANSWER, "GETATTR 1.5 s before expiry: answered");
	tap_ok(r.out.attr.attr_valid == 1 &&
		       r.out.attr.attr_valid_nsec == 500000000,
	       "GETATTR: kernel timeout capped at the remaining 1.5 s");

	r.now_ns = NOW + 10 * SEC_NS;
	r.verdict = -1;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "GETATTR at expiry: sent to daemon");

	req_init(&r, FUSE_GETATTR, 0);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "GETATTR of nodeid 0: sent to daemon");

	s1 = stats(EXTFUSE_SOP_GETATTR);
	tap_is(s1.hits - s0.hits, 2, "GETATTR stats: 2 hits");
	tap_is(s1.misses - s0.misses, 1, "GETATTR stats: 1 miss");
	tap_is(s1.expired - s0.expired, 1, "GETATTR stats: 1 expired");
	tap_is(s1.errors - s0.errors, 1, "GETATTR stats: 1 error");
}

/* GETXATTR of name under config flags, from connection conn: the verdict,
 * and the error. */
static int getxattr_on(__u32 flags, __u32 conn, const char *name,
		       __s32 *error)
{
	struct extfuse_req r;

	set_config(flags, epoch_now());
	req_init(&r, FUSE_GETXATTR, FILE_B);
	req_name(&r, name);
	r.conn_id = conn;
	run(&r);
	*error = r.error;
	return r.verdict;
}

static int getxattr_as(__u32 flags, const char *name, __s32 *error)
{
	return getxattr_on(ALL_ON | flags, 0, name, error);
}

static void test_getxattr(void)
{
	const __u32 both = EXTFUSE_CFG_ABSENT_SELINUX |
			   EXTFUSE_CFG_ABSENT_CAPABILITY;
	struct extfuse_stats s0 = stats(EXTFUSE_SOP_GETXATTR), s1;
	__u64 epoch = epoch_now();
	__s32 err;

	tap_is(getxattr_as(both, "security.selinux", &err),
	       EXTFUSE_VERDICT_ERROR,
	       "GETXATTR security.selinux, absent by name: answered");
	tap_is(err, -ENODATA, "... with ENODATA");
	tap_is(getxattr_as(both, "security.capability", &err),
	       EXTFUSE_VERDICT_ERROR,
	       "GETXATTR security.capability, absent by name: answered");
	tap_is(err, -ENODATA, "... with ENODATA");
	tap_is(getxattr_as(EXTFUSE_CFG_ABSENT_CAPABILITY, "security.selinux",
			   &err),
	       EXTFUSE_VERDICT_PASS,
	       "GETXATTR security.selinux, the daemon looks: sent on");
	tap_is(getxattr_as(EXTFUSE_CFG_ABSENT_SELINUX, "security.capability",
			   &err),
	       EXTFUSE_VERDICT_PASS,
	       "GETXATTR security.capability, the daemon looks: sent on");
	tap_is(getxattr_as(both, "user.selinux", &err), EXTFUSE_VERDICT_PASS,
	       "GETXATTR of another name: sent on");
	tap_is(getxattr_as(both, "security.selinuxx", &err),
	       EXTFUSE_VERDICT_PASS, "GETXATTR of a longer name: sent on");
	tap_is(getxattr_as(both, "security.selinu", &err),
	       EXTFUSE_VERDICT_PASS, "GETXATTR of a prefix: sent on");
	tap_is(getxattr_as(both, "security.system", &err),
	       EXTFUSE_VERDICT_PASS, "GETXATTR of a same-length name: sent on");
	tap_is(getxattr_as(both, "security.selinux", &err),
	       EXTFUSE_VERDICT_ERROR, "(the same name again: answered)");

	/* Serving switched off, or the maps bound to another connection. */
	tap_is(getxattr_on(both, 0, "security.selinux", &err),
	       EXTFUSE_VERDICT_PASS, "GETXATTR while serving is off: sent on");
	tap_is(getxattr_on(ALL_ON | both, 77, "security.selinux", &err),
	       EXTFUSE_VERDICT_PASS,
	       "GETXATTR from another connection: sent on");

	s1 = stats(EXTFUSE_SOP_GETXATTR);
	tap_is(s1.hits - s0.hits, 3, "GETXATTR stats: 3 hits");
	tap_is(s1.misses - s0.misses, 6, "GETXATTR stats: 6 misses");
	set_config(ALL_ON, epoch);
}

static void test_malformed_attr(void)
{
	struct fuse_attr bad = make_attr(77, 0644 /* no type */, 0, 0);
	struct extfuse_req r;

	put_attr(0x7777, bad, NOW + SEC_NS, 0);
	req_init(&r, FUSE_GETATTR, 0x7777);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS,
	       "attr without a file type in the map: not served");
	bpf_map_delete_elem(map_fd(skel->maps.extfuse_attrs),
			    &(__u64){ 0x7777 });
}

static void test_lookup(void)
{
	struct extfuse_stats s0 = stats(EXTFUSE_SOP_LOOKUP), s1;
	struct fuse_attr want = make_attr(20, S_IFREG | 0644, 1000, 100);
	struct extfuse_req r;

	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "b");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_ANSWER, "LOOKUP hit: answered");
	tap_is(r.out.entry.nodeid, FILE_B, "LOOKUP: nodeid");
	tap_is(r.out.entry.generation, FILE_B + 7, "LOOKUP: generation");
	tap_ok(!memcmp(&r.out.entry.attr, &want, sizeof(want)),
	       "LOOKUP: child attributes as published");
	tap_is(r.out.entry.entry_valid, 2, "LOOKUP: entry_valid 2 s");
	tap_is(r.out.entry.attr_valid, 3, "LOOKUP: attr_valid 3 s");
	tap_is(r.out_size, sizeof(struct fuse_entry_out), "LOOKUP: reply size");
	tap_is(served(FILE_B), 1, "LOOKUP: one kernel-served lookup counted");
	run(&r);
	tap_is(served(FILE_B), 2, "LOOKUP again: two counted");

	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "missing");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_ERROR, "negative LOOKUP: error verdict");
	tap_is(r.error, -ENOENT, "negative LOOKUP: -ENOENT");
	tap_ok(r.out_size == sizeof(struct fuse_entry_out) &&
		       r.out.entry.nodeid == 0 && r.out.entry.entry_valid == 2,
	       "negative LOOKUP: an entry of nodeid 0 valid for the entry timeout");

	set_config(ALL_ON & ~EXTFUSE_CFG_NEGATIVE, epoch_now());
	r.verdict = -1;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS,
	       "negative LOOKUP with negative caching off: sent to daemon");
	set_config(ALL_ON, epoch_now());

	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "nothere");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "LOOKUP of an unknown name: miss");

	req_init(&r, FUSE_LOOKUP, 0x5555);
	req_name(&r, "b");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS,
	       "LOOKUP in a parent without cached attributes: miss");

	/* Entry present but the child's attributes are gone. */
	put_entry(DIR_A, "orphan", 0x6666, NOW + SEC_NS);
	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "orphan");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS,
	       "LOOKUP whose child has no attributes: miss");
	tap_is(served(0x6666), 0, "nothing counted for an unserved lookup");

	/* Entry expired while the attributes are still fresh. */
	put_entry(DIR_A, "old", FILE_C, NOW);
	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "old");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "expired entry: sent to daemon");

	/* The entry outlives the child's attributes: attr_valid follows
	 * the attributes' own expiry. */
	put_attr(FILE_C, make_attr(30, S_IFREG | 0600, 1000, 100),
		 NOW + SEC_NS / 2, 0);
	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "c");
	run(&r);
	tap_ok(r.verdict == EXTFUSE_VERDICT_ANSWER &&
		       r.out.entry.attr_valid == 0 &&
		       r.out.entry.attr_valid_nsec == SEC_NS / 2,
	       "LOOKUP: attr_valid capped by the attributes' expiry");

	s1 = stats(EXTFUSE_SOP_LOOKUP);
	tap_is(s1.hits - s0.hits, 4, "LOOKUP stats: 4 hits");
	tap_is(s1.misses - s0.misses, 4, "LOOKUP stats: 4 misses");
	tap_is(s1.expired - s0.expired, 1, "LOOKUP stats: 1 expired");
}

static void test_bad_names(void)
{
	struct extfuse_stats s0 = stats(EXTFUSE_SOP_LOOKUP);
	struct extfuse_req r;

	req_init(&r, FUSE_LOOKUP, DIR_A);
	memset(r.name, 'x', sizeof(r.name));
	r.namelen = EXTFUSE_NAME_MAX + 1;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "name too long: sent to daemon");

	req_init(&r, FUSE_LOOKUP, DIR_A);
	r.namelen = 0;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "empty name: sent to daemon");

	req_init(&r, FUSE_LOOKUP, DIR_A);
	memset(r.name, 'b', sizeof(r.name));
	r.namelen = 1;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "unterminated name: sent to daemon");

	req_init(&r, FUSE_LOOKUP, DIR_A);
	memcpy(r.name, "b\0c", 4);
	r.namelen = 3;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "NUL inside the name: sent to daemon");

	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "a/b");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "'/' inside the name: sent to daemon");

	req_init(&r, FUSE_LOOKUP, 0);
	req_name(&r, "b");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "parent nodeid 0: sent to daemon");

	tap_is(stats(EXTFUSE_SOP_LOOKUP).errors - s0.errors, 6,
	       "malformed lookups counted as errors");

	/* Garbage after the terminating NUL does not hide a cached name. */
	req_init(&r, FUSE_LOOKUP, DIR_A);
	memset(r.name, 'z', sizeof(r.name));
	r.name[0] = 'b';
	r.name[1] = '\0';
	r.namelen = 1;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_ANSWER,
	       "garbage after the NUL is ignored: answered");

	/* The longest legal name. */
	char longname[EXTFUSE_NAME_MAX + 1];

	memset(longname, 'L', EXTFUSE_NAME_MAX);
	longname[EXTFUSE_NAME_MAX] = '\0';
	put_entry(DIR_A, longname, FILE_B, NOW + SEC_NS);
	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, longname);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_ANSWER, "255-byte name: answered");
}

/* Lookup of "b" in a directory with the given owner, group and mode. */
static int lookup_as(__u32 mode, __u32 flags_attr, __u32 uid, __u32 gid,
		     const __u32 *groups, __u32 ngroups, __u32 req_flags)
{
	struct extfuse_req r;

	put_attr(DIR_A, make_attr(10, S_IFDIR | mode, 1000, 100),
		 NOW + 10 * SEC_NS, flags_attr);
	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "b");
	r.uid = uid;
	r.gid = gid;
	r.flags = req_flags;
	r.ngroups = ngroups;
	for (__u32 i = 0; i < ngroups && i < EXTFUSE_MAX_GROUPS; i++)
		r.groups[i] = groups[i];
	run(&r);
	return r.verdict;
}

static void test_permission(void)
{
	struct extfuse_stats s0 = stats(EXTFUSE_SOP_LOOKUP);
	const __u32 sup[] = { 7, 8, 100 };
	const __u32 many[EXTFUSE_MAX_GROUPS] = { 1, 2, 3, 4, 5, 6, 7, 8,
						 9, 10, 11, 12, 13, 14, 15,
						 100 };
	const int A = EXTFUSE_VERDICT_ANSWER, P = EXTFUSE_VERDICT_PASS;

	tap_is(lookup_as(0700, 0, 1000, 1, NULL, 0, 0), A, "owner with u+x: answered");
	tap_is(lookup_as(0070, 0, 1000, 100, NULL, 0, 0), P,
	       "owner without u+x but in the group: refused (owner class wins)");
	tap_is(lookup_as(0010, 0, 2000, 100, NULL, 0, 0), A, "group member with g+x: answered");
	tap_is(lookup_as(0701, 0, 2000, 100, NULL, 0, 0), P,
	       "group member without g+x but o+x: refused (group class wins)");
	tap_is(lookup_as(0010, 0, 2000, 5, sup, 3, 0), A,
	       "supplementary group with g+x: answered");
	tap_is(lookup_as(0010, 0, 2000, 5, many, EXTFUSE_MAX_GROUPS, 0), A,
	       "supplementary group in the last slot: answered");
	tap_is(lookup_as(0010, 0, 2000, 5, sup, 2, 0), P,
	       "group beyond ngroups is not used: refused");
	tap_is(lookup_as(0001, 0, 2000, 5, NULL, 0, 0), A, "other with o+x: answered");
	tap_is(lookup_as(0770, 0, 2000, 5, NULL, 0, 0), P, "other without o+x: refused");
	tap_is(lookup_as(0700, 0, 2000, 5, NULL, 0, EXTFUSE_REQ_CAP_SEARCH), A,
	       "caller with CAP_DAC_READ_SEARCH: answered");
	tap_is(lookup_as(0001, 0, 2000, 5, NULL, 0, EXTFUSE_REQ_GROUPS_TRUNCATED), P,
	       "truncated groups and g+x != o+x: unsure, refused");
	tap_is(lookup_as(0011, 0, 2000, 5, NULL, 0, EXTFUSE_REQ_GROUPS_TRUNCATED), A,
	       "truncated groups but g+x == o+x: answered");
	tap_is(lookup_as(0755, EXTFUSE_ATTR_MAY_HAVE_ACL, 1000, 100, NULL, 0, 0), P,
	       "parent that may carry ACLs: sent to daemon");
	tap_is(stats(EXTFUSE_SOP_LOOKUP).perm_refused - s0.perm_refused, 6,
	       "permission refusals counted");
	put_attr(DIR_A, make_attr(10, S_IFDIR | 0750, 1000, 100),
		 NOW + 10 * SEC_NS, 0);

	/* A parent that is not a directory is malformed. */
	struct extfuse_req r;

	req_init(&r, FUSE_LOOKUP, FILE_B);
	req_name(&r, "b");
	put_entry(FILE_B, "b", FILE_C, NOW + SEC_NS);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "LOOKUP under a regular file: sent to daemon");
}

/* OPENDIR of a directory with the given owner, group and mode. */
static int opendir_as(__u32 mode, __u32 flags_attr, __u32 uid, __u32 gid,
		      __u32 req_flags, struct extfuse_req *r)
{
	put_attr(DIR_A, make_attr(10, S_IFDIR | mode, 1000, 100),
		 NOW + 10 * SEC_NS, flags_attr);
	req_init(r, FUSE_OPENDIR, DIR_A);
	r->uid = uid;
	r->gid = gid;
	r->flags = req_flags;
	memset(&r->out, 0xa5, sizeof(r->out));
	run(r);
	return r->verdict;
}

/* OPENDIR is allowed where the daemon would allow it: read permission. */
static void test_opendir(void)
{
	struct extfuse_stats s0 = stats(EXTFUSE_SOP_OPENDIR);
	const int A = EXTFUSE_VERDICT_ANSWER, P = EXTFUSE_VERDICT_PASS;
	struct extfuse_req r;

	tap_is(opendir_as(0500, 0, 1000, 1, 0, &r), A, "OPENDIR: owner with u+r: allowed");
	tap_ok(r.out_size == sizeof(struct fuse_open_out) && r.out.open.fh == 0 &&
		       r.out.open.open_flags == 0,
	       "OPENDIR: an empty fuse_open_out (the module makes the handle)");
	tap_is(opendir_as(0100, 0, 1000, 1, 0, &r), P,
	       "OPENDIR: owner with u+x only: sent to daemon");
	tap_is(opendir_as(0040, 0, 2000, 100, 0, &r), A, "OPENDIR: group with g+r: allowed");
	tap_is(opendir_as(0704, 0, 2000, 100, 0, &r), P,
	       "OPENDIR: group without g+r but o+r: sent to daemon (group class wins)");
	tap_is(opendir_as(0004, 0, 2000, 5, 0, &r), A, "OPENDIR: other with o+r: allowed");
	tap_is(opendir_as(0771, 0, 2000, 5, 0, &r), P, "OPENDIR: other without o+r: sent to daemon");
	tap_is(opendir_as(0700, 0, 2000, 5, EXTFUSE_REQ_CAP_SEARCH, &r), A,
	       "OPENDIR: CAP_DAC_READ_SEARCH: allowed");
	tap_is(opendir_as(0004, 0, 2000, 5, EXTFUSE_REQ_GROUPS_TRUNCATED, &r), P,
	       "OPENDIR: truncated groups and g+r != o+r: sent to daemon");
	tap_is(opendir_as(0755, EXTFUSE_ATTR_MAY_HAVE_ACL, 1000, 100, 0, &r), P,
	       "OPENDIR: directory that may carry ACLs: sent to daemon");
	tap_is(stats(EXTFUSE_SOP_OPENDIR).perm_refused - s0.perm_refused, 5,
	       "OPENDIR: permission refusals counted");
	put_attr(DIR_A, make_attr(10, S_IFDIR | 0750, 1000, 100),
		 NOW + 10 * SEC_NS, 0);

	req_init(&r, FUSE_OPENDIR, FILE_B);
	run(&r);
	tap_is(r.verdict, P, "OPENDIR of a regular file: sent to daemon");
	req_init(&r, FUSE_OPENDIR, 999999);
	run(&r);
	tap_is(r.verdict, P, "OPENDIR of a directory without attributes: sent to daemon");
	put_attr(DIR_A, make_attr(10, S_IFDIR | 0750, 1000, 100), NOW - 1, 0);
	req_init(&r, FUSE_OPENDIR, DIR_A);
	run(&r);
	tap_is(r.verdict, P, "OPENDIR on expired attributes: sent to daemon");
	put_attr(DIR_A, make_attr(10, S_IFDIR | 0750, 1000, 100),
		 NOW + 10 * SEC_NS, 0);
	set_config(ALL_ON & ~EXTFUSE_CFG_DIRS, epoch_now());
	req_init(&r, FUSE_OPENDIR, DIR_A);
	run(&r);
	tap_is(r.verdict, P, "OPENDIR with listings off: sent to daemon");
	set_config(ALL_ON, epoch_now());
	put_attr(DIR_A, make_attr(10, S_IFDIR | 0750, 1000, 100),
		 NOW + 10 * SEC_NS, 0);
	req_init(&r, FUSE_OPENDIR, DIR_A);
	run(&r);
	tap_is(r.verdict, A, "OPENDIR allowed again with listings on");
}

/* Versions: a publish stamped before a change is never served. */
static void test_versions(void)
{
	struct extfuse_stats s0 = stats(EXTFUSE_SOP_GETATTR);
	struct extfuse_attr_val stale;
	struct extfuse_req r;
	__u64 v0 = version_of(FILE_B), key = FILE_B;

	/* A daemon reads the stamp, sends GETATTR; meanwhile a SETATTR. */
	req_init(&r, FUSE_SETATTR, FILE_B);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "SETATTR: still sent to the daemon");
	tap_is(version_of(FILE_B), v0 + 1, "SETATTR bumped the node's version");
	tap_ok(!has_attr(FILE_B), "SETATTR dropped the cached attributes");

	/* The racing reply arrives with the old stamp. */
	stale.attr = make_attr(20, S_IFREG | 0644, 1000, 100);
	stale.expiry_ns = NOW + SEC_NS;
	stale.version = v0;
	stale.epoch = epoch_now();
	stale.flags = 0;
	bpf_map_update_elem(map_fd(skel->maps.extfuse_attrs), &key, &stale,
			    BPF_ANY);
	req_init(&r, FUSE_GETATTR, FILE_B);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS,
	       "reply published with the pre-change stamp: not served");
	tap_is(stats(EXTFUSE_SOP_GETATTR).stale - s0.stale, 1, "counted as stale");

	/* A reply stamped after the change is served. */
	put_attr(FILE_B, make_attr(20, S_IFREG | 0600, 1000, 100),
		 NOW + 10 * SEC_NS, 0);
	r.verdict = -1;
	run(&r);
	tap_ok(r.verdict == EXTFUSE_VERDICT_ANSWER &&
		       (r.out.attr.attr.mode & 07777) == 0600,
	       "reply stamped after the change: served with the new mode");

	/* Another epoch makes everything stale. */
	set_config(ALL_ON, epoch_now() + 1);
	r.verdict = -1;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "epoch moved: nothing served");
	publish_tree();
}

static void test_modify(void)
{
	struct extfuse_req r;
	__u64 va = version_of(DIR_A), vc = version_of(FILE_C);

	req_init(&r, FUSE_UNLINK, DIR_A);
	req_name(&r, "c");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "UNLINK: sent to the daemon");
	tap_ok(!has_entry(DIR_A, "c"), "UNLINK dropped the name");
	tap_ok(!has_attr(DIR_A), "UNLINK dropped the parent's attributes");
	tap_ok(!has_attr(FILE_C), "UNLINK dropped the child's attributes (nlink)");
	tap_ok(version_of(DIR_A) > va && version_of(FILE_C) > vc,
	       "UNLINK bumped parent and child versions");
	tap_ok(has_entry(DIR_A, "b") && has_attr(FILE_B),
	       "UNLINK left other names alone");
	publish_tree();

	req_init(&r, FUSE_CREATE, DIR_A);
	req_name(&r, "missing");
	run(&r);
	tap_ok(!has_entry(DIR_A, "missing"), "CREATE dropped the negative entry");

	publish_tree();
	put_entry(ROOT, "z", FILE_C, NOW + SEC_NS);
	req_init(&r, FUSE_RENAME2, DIR_A);
	req_name(&r, "b");
	r.nodeid2 = ROOT;
	r.namelen2 = 1;
	strcpy(r.name2, "z");
	run(&r);
	tap_ok(!has_entry(DIR_A, "b") && !has_entry(ROOT, "z"),
	       "RENAME2 dropped the old and the replaced name");
	tap_ok(!has_attr(DIR_A) && !has_attr(ROOT),
	       "RENAME2 dropped both parents' attributes");
	tap_ok(!has_attr(FILE_B) && !has_attr(FILE_C),
	       "RENAME2 dropped the moved and the replaced node's attributes");

	publish_tree();
	req_init(&r, FUSE_LINK, ROOT);
	req_name(&r, "hard");
	r.nodeid2 = FILE_B;
	run(&r);
	tap_ok(!has_attr(ROOT) && !has_attr(FILE_B) && has_attr(FILE_C),
	       "LINK dropped the new parent and the target, nothing else");

	publish_tree();
	__u32 ops[] = { FUSE_WRITE, FUSE_FALLOCATE, FUSE_SETXATTR,
			FUSE_REMOVEXATTR };
	bool all = true;

	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		put_attr(FILE_B, make_attr(20, S_IFREG | 0644, 1000, 100),
			 NOW + SEC_NS, 0);
		req_init(&r, ops[i], FILE_B);
		run(&r);
		all = all && !has_attr(FILE_B) && r.verdict == EXTFUSE_VERDICT_PASS;
	}
	tap_ok(all, "WRITE, FALLOCATE, SETXATTR, REMOVEXATTR drop the node's attributes");

	publish_tree();
	req_init(&r, FUSE_MKDIR, DIR_A);
	r.namelen = 3; /* unterminated garbage */
	memset(r.name, 'q', sizeof(r.name));
	run(&r);
	tap_ok(!has_attr(DIR_A), "MKDIR with a bad name still drops the parent");
	publish_tree();
}

/* ---- Directory listings -------------------------------------------- */

struct dent {
	const char *name;
	__u64 ino, off;
	__u32 type;
};

/* Format one record of the given kind; returns its size. */
static size_t put_dirent(__u8 *buf, __u32 kind, const struct dent *d)
{
	size_t namelen = strlen(d->name), hdr = 0, rec;
	struct fuse_dirent *de;

	if (kind == EXTFUSE_DIR_PLUS) {
		hdr = sizeof(struct fuse_entry_out);
		memset(buf, 0, hdr);
	}
	de = (struct fuse_dirent *)(buf + hdr);
	de->ino = d->ino;
	de->off = d->off;
	de->namelen = namelen;
	de->type = d->type;
	memcpy(de->name, d->name, namelen);
	rec = FUSE_DIRENT_ALIGN(hdr + FUSE_NAME_OFFSET + namelen);
	memset(buf + hdr + FUSE_NAME_OFFSET + namelen, 0,
	       rec - hdr - FUSE_NAME_OFFSET - namelen);
	return rec;
}

static void put_chunk(__u64 dir, __u32 kind, __u64 offset, __u64 next,
		      __u64 listing, const struct dent *d, int n, __u32 flags,
		      struct extfuse_chunk_val *out)
{
	struct extfuse_chunk_key k = { .dir = dir, .offset = offset, .kind = kind };
	struct extfuse_chunk_val *v = out;

	memset(v, 0, sizeof(*v));
	v->listing_id = listing;
	v->next_offset = next;
	v->flags = flags;
	for (int i = 0; i < n; i++)
		v->len += put_dirent(v->buf + v->len, kind, &d[i]);
	bpf_map_update_elem(map_fd(skel->maps.extfuse_chunks), &k, v, BPF_ANY);
}

static void put_dir(__u64 dir, __u32 kind, __u64 listing, __u64 expiry)
{
	struct extfuse_dir_key k = { .dir = dir, .kind = kind };
	struct extfuse_dir_val v = {
		.listing_id = listing,
		.expiry_ns = expiry,
		.version = version_of(dir),
		.epoch = epoch_now(),
		.nchunks = 3,
		.nentries = 3,
	};

	bpf_map_update_elem(map_fd(skel->maps.extfuse_dirs), &k, &v, BPF_ANY);
}

static int readdir_at(__u32 kind, __u64 offset, __u32 size,
		      struct extfuse_req *r)
{
	req_init(r, kind == EXTFUSE_DIR_PLUS ? FUSE_READDIRPLUS : FUSE_READDIR,
		 DIR_A);
	r->offset = offset;
	r->size = size;
	run(r);
	return r->verdict;
}

static void test_readdir_kind(__u32 kind)
{
	const char *k = kind == EXTFUSE_DIR_PLUS ? "READDIRPLUS" : "READDIR";
	const struct dent first[] = { { ".", 10, 0x11, 4 },
				      { "..", 1, 0x22, 4 } };
	const struct dent second[] = { { "b", 20, 0x7fff0001, 8 } };
	static struct extfuse_chunk_val c1, c2, c3;
	struct extfuse_req r;

	put_chunk(DIR_A, kind, 0, 0x22, 42, first, 2, 0, &c1);
	put_chunk(DIR_A, kind, 0x22, 0x7fff0001, 42, second, 1, 0, &c2);
	put_chunk(DIR_A, kind, 0x7fff0001, 0, 42, NULL, 0, EXTFUSE_CHUNK_EOF,
		  &c3);
	put_dir(DIR_A, kind, 42, NOW + SEC_NS);

	tap_is(readdir_at(kind, 0, 4096, &r), EXTFUSE_VERDICT_ANSWER,
	       "%s offset 0: answered", k);
	tap_ok(r.out_size == c1.len && !memcmp(r.out.dirbuf, c1.buf, c1.len),
	       "%s first chunk: bytes as published", k);
	tap_is(readdir_at(kind, 0x22, 4096, &r), EXTFUSE_VERDICT_ANSWER,
	       "%s continues at the daemon's cookie", k);
	tap_ok(r.out_size == c2.len && !memcmp(r.out.dirbuf, c2.buf, c2.len),
	       "%s second chunk: bytes as published", k);
	tap_ok(readdir_at(kind, 0x7fff0001, 4096, &r) == EXTFUSE_VERDICT_ANSWER &&
		       r.out_size == 0,
	       "%s at the last cookie: empty reply (end of directory)", k);
	tap_is(readdir_at(kind, 0x11, 4096, &r), EXTFUSE_VERDICT_PASS,
	       "%s at a cookie inside a chunk: the daemon continues", k);
	tap_is(readdir_at(kind, 0, c1.len - 1, &r), EXTFUSE_VERDICT_PASS,
	       "%s with a buffer smaller than the chunk: sent to daemon", k);

	/* A chunk of another listing (a publish half done) is not served. */
	put_chunk(DIR_A, kind, 0x22, 0x7fff0001, 41, second, 1, 0, &c2);
	tap_is(readdir_at(kind, 0x22, 4096, &r), EXTFUSE_VERDICT_PASS,
	       "%s chunk of an older listing: not served", k);

	/* A chunk claiming more than the reply area holds. */
	c2.len = EXTFUSE_CHUNK_BUF_SIZE + 8;
	c2.listing_id = 42;
	bpf_map_update_elem(map_fd(skel->maps.extfuse_chunks),
			    &(struct extfuse_chunk_key){ .dir = DIR_A,
							 .offset = 0x22,
							 .kind = kind },
			    &c2, BPF_ANY);
	tap_is(readdir_at(kind, 0x22, 4096, &r), EXTFUSE_VERDICT_PASS,
	       "%s chunk larger than the reply area: refused", k);

	/* A full chunk of exactly EXTFUSE_CHUNK_BUF_SIZE bytes is copied
	 * whole. */
	memset(c2.buf, 0xab, sizeof(c2.buf));
	c2.len = EXTFUSE_CHUNK_BUF_SIZE;
	bpf_map_update_elem(map_fd(skel->maps.extfuse_chunks),
			    &(struct extfuse_chunk_key){ .dir = DIR_A,
							 .offset = 0x22,
							 .kind = kind },
			    &c2, BPF_ANY);
	tap_ok(readdir_at(kind, 0x22, 4096, &r) == EXTFUSE_VERDICT_ANSWER &&
		       r.out_size == EXTFUSE_CHUNK_BUF_SIZE &&
		       !memcmp(r.out.dirbuf, c2.buf, EXTFUSE_CHUNK_BUF_SIZE),
	       "%s full chunk copied whole", k);

	req_init(&r, kind == EXTFUSE_DIR_PLUS ? FUSE_READDIRPLUS : FUSE_READDIR,
		 DIR_A);
	r.now_ns = NOW + SEC_NS;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "%s listing expired: sent to daemon", k);

	set_config(ALL_ON & ~EXTFUSE_CFG_DIRS, epoch_now());
	tap_is(readdir_at(kind, 0, 4096, &r), EXTFUSE_VERDICT_PASS,
	       "%s with directory caching off: sent to daemon", k);
	set_config(ALL_ON, epoch_now());

	/* A change in the directory drops the listing. */
	req_init(&r, FUSE_MKNOD, DIR_A);
	req_name(&r, "new");
	run(&r);
	tap_is(readdir_at(kind, 0, 4096, &r), EXTFUSE_VERDICT_PASS,
	       "%s after MKNOD in the directory: sent to daemon", k);
	publish_tree();
}

static void test_readdir(void)
{
	struct extfuse_stats p0 = stats(EXTFUSE_SOP_READDIR), p1;

	test_readdir_kind(EXTFUSE_DIR_PLAIN);
	test_readdir_kind(EXTFUSE_DIR_PLUS);
	p1 = stats(EXTFUSE_SOP_READDIR);
	tap_is(p1.hits - p0.hits, 4, "READDIR stats: 4 hits");
	tap_is(p1.errors - p0.errors, 1, "READDIR stats: 1 error (oversized chunk)");
	tap_is(p1.stale - p0.stale, 1, "READDIR stats: 1 stale chunk");
}

/* ---- misses answered from a complete listing ---------------------- */

#define DIR_L 0x7000ull

static void put_name(__u64 dir, const char *name, __u64 listing)
{
	union {
		char c[EXTFUSE_NAME_BUF];
		__u64 w[EXTFUSE_NAME_WORDS];
	} b = { 0 };
	struct extfuse_name_key k = { .dir = dir };
	struct extfuse_name_val v = { .listing_id = listing };

	strncpy(b.c, name, EXTFUSE_NAME_MAX);
	k.hash = extfuse_name_hash(b.w);
	bpf_map_update_elem(map_fd(skel->maps.extfuse_names), &k, &v, BPF_ANY);
}

static void put_names_hdr(__u64 dir, __u64 listing, __u64 expiry)
{
	struct extfuse_dir_key k = { .dir = dir, .kind = EXTFUSE_DIR_NAMES };
	struct extfuse_dir_val v = {
		.listing_id = listing,
		.expiry_ns = expiry,
		.version = version_of(dir),
		.epoch = epoch_now(),
	};

	bpf_map_update_elem(map_fd(skel->maps.extfuse_dirs), &k, &v, BPF_ANY);
}

/* The verdict of LOOKUP(dir, name) and its error. */
static int lookup_verdict(__u64 dir, const char *name, __s32 *error)
{
	struct extfuse_req r;

	req_init(&r, FUSE_LOOKUP, dir);
	req_name(&r, name);
	run(&r);
	*error = r.error;
	return r.verdict;
}

static bool answered_missing(__u64 dir, const char *name)
{
	__s32 err;

	return lookup_verdict(dir, name, &err) == EXTFUSE_VERDICT_ERROR &&
	       err == -ENOENT;
}

static bool passed(__u64 dir, const char *name)
{
	__s32 err;

	return lookup_verdict(dir, name, &err) == EXTFUSE_VERDICT_PASS;
}

static void test_listed_misses(void)
{
	__u64 exp = NOW + 10 * SEC_NS;
	struct extfuse_req r;

	put_attr(DIR_L, make_attr(70, S_IFDIR | 0755, 1000, 100), exp, 0);
	tap_ok(passed(DIR_L, "ghost"),
	       "no complete listing: a name without entry goes to the daemon");

	put_name(DIR_L, "here", 100);
	put_name(DIR_L, "there", 100);
	put_names_hdr(DIR_L, 100, exp);
	tap_ok(answered_missing(DIR_L, "ghost"),
	       "complete listing: a name not in it is answered ENOENT");
	tap_ok(passed(DIR_L, "here"),
	       "a listed name without entry goes to the daemon");
	tap_ok(answered_missing(DIR_L, "her"),
	       "a prefix of a listed name is missing");

	put_name(DIR_L, "there", 101);
	tap_ok(passed(DIR_L, "there"),
	       "a name rewritten by a newer listing still counts");
	put_name(DIR_L, "gone", 99);
	tap_ok(answered_missing(DIR_L, "gone"),
	       "a name left by an older listing does not");

	set_config(ALL_ON & ~EXTFUSE_CFG_NEGATIVE, epoch_now());
	tap_ok(passed(DIR_L, "ghost"), "negative caching off: daemon");
	set_config(ALL_ON & ~EXTFUSE_CFG_DIRS, epoch_now());
	tap_ok(passed(DIR_L, "ghost"), "directory caching off: daemon");
	set_config(ALL_ON, epoch_now());

	put_attr(DIR_L, make_attr(70, S_IFDIR | 0700, 2000, 200), exp, 0);
	tap_ok(passed(DIR_L, "ghost"),
	       "caller may not search the directory: daemon");
	put_attr(DIR_L, make_attr(70, S_IFDIR | 0755, 1000, 100), exp, 0);

	put_names_hdr(DIR_L, 100, NOW);
	tap_ok(passed(DIR_L, "ghost"), "expired listing: daemon");
	put_names_hdr(DIR_L, 100, exp);

	/* Every request that can add a name retires the completeness. */
	req_init(&r, FUSE_CREATE, DIR_L);
	req_name(&r, "ghost");
	run(&r);
	put_attr(DIR_L, make_attr(70, S_IFDIR | 0755, 1000, 100), exp, 0);
	tap_ok(passed(DIR_L, "ghost"), "after a CREATE in it: daemon");
	put_names_hdr(DIR_L, 100, exp);
	req_init(&r, FUSE_RENAME, FILE_B);
	req_name(&r, "x");
	r.nodeid2 = DIR_L;
	r.namelen2 = 5;
	memcpy(r.name2, "ghost", 5);
	run(&r);
	put_attr(DIR_L, make_attr(70, S_IFDIR | 0755, 1000, 100), exp, 0);
	tap_ok(passed(DIR_L, "ghost"), "after a RENAME into it: daemon");
	put_names_hdr(DIR_L, 100, exp);
	req_init(&r, FUSE_LINK, DIR_L);
	req_name(&r, "ghost");
	r.nodeid2 = FILE_B;
	run(&r);
	put_attr(DIR_L, make_attr(70, S_IFDIR | 0755, 1000, 100), exp, 0);
	tap_ok(passed(DIR_L, "ghost"), "after a LINK into it: daemon");
	put_names_hdr(DIR_L, 100, exp);
	req_init(&r, EXTFUSE_OP_INVAL_DIR, DIR_L);
	run(&r);
	tap_ok(passed(DIR_L, "ghost"), "after an invalidation (upcall): daemon");
	put_attr(DIR_L, make_attr(70, S_IFDIR | 0755, 1000, 100), exp, 0);
	put_names_hdr(DIR_L, 100, exp);
	tap_ok(answered_missing(DIR_L, "ghost"),
	       "published again at the new version: answered");
}

static void test_forget(void)
{
	struct extfuse_req r;
	__u64 key = FILE_B, three = 3;

	bpf_map_update_elem(map_fd(skel->maps.extfuse_served), &key, &three,
			    BPF_ANY);
	req_init(&r, FUSE_FORGET, FILE_B);
	r.nlookup = 2;
	run(&r);
	tap_ok(r.verdict == EXTFUSE_VERDICT_PASS && r.nlookup == 0,
	       "FORGET 2 of 3 kernel-served: nothing for the daemon");
	tap_is(served(FILE_B), 1, "FORGET: 1 kernel-served left");
	req_init(&r, FUSE_FORGET, FILE_B);
	r.nlookup = 5;
	run(&r);
	tap_ok(r.nlookup == 4, "FORGET 5 with 1 kernel-served: 4 go to the daemon");
	tap_is(served(FILE_B), 0, "FORGET: count back to 0");
	req_init(&r, FUSE_FORGET, 0x4242);
	r.nlookup = 7;
	run(&r);
	tap_ok(r.verdict == EXTFUSE_VERDICT_PASS && r.nlookup == 7,
	       "FORGET of a node never served: unchanged");
	tap_is(stats(EXTFUSE_SOP_FORGET).forget_kept, 3,
	       "FORGET stats: 3 lookups kept in the kernel");
}

/* Maps bound to one connection answer no other's queries. */
static void test_binding(void)
{
	struct extfuse_config cfg;
	__u64 key = FILE_B, three = 3;
	struct extfuse_stats e0 = stats(EXTFUSE_SOP_OTHER);
	struct extfuse_req r;
	__u32 zero = 0;
	int cfd = map_fd(skel->maps.extfuse_config);

	publish_tree(); /* earlier tests may have retired FILE_B */
	bpf_map_lookup_elem(cfd, &zero, &cfg);
	cfg.conn_id = 41;
	bpf_map_update_elem(cfd, &zero, &cfg, BPF_ANY);
	req_init(&r, FUSE_GETATTR, FILE_B);
	r.conn_id = 42;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS,
	       "GETATTR from connection 42, maps bound to 41: sent to daemon");
	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "b");
	r.conn_id = 42;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS,
	       "LOOKUP from another connection: sent to daemon");
	tap_is(served(FILE_B), 0, "... and counted nothing");
	tap_is(stats(EXTFUSE_SOP_OTHER).errors - e0.errors, 2,
	       "both counted as errors");
	req_init(&r, FUSE_GETATTR, FILE_B);
	r.conn_id = 41;
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_ANSWER,
	       "GETATTR from the bound connection: answered");
	/* The counts belong to the one live connection the module allows. */
	bpf_map_update_elem(map_fd(skel->maps.extfuse_served), &key, &three,
			    BPF_ANY);
	req_init(&r, FUSE_FORGET, FILE_B);
	r.conn_id = 42;
	r.nlookup = 3;
	run(&r);
	tap_ok(r.verdict == EXTFUSE_VERDICT_PASS && r.nlookup == 0,
	       "FORGET is rewritten whatever the binding says");
	cfg.conn_id = 0;
	bpf_map_update_elem(cfd, &zero, &cfg, BPF_ANY);
}

static void test_inval_ops(void)
{
	struct extfuse_req r;
	int dropped;

	publish_tree();
	req_init(&r, EXTFUSE_OP_INVAL_NODE, FILE_B);
	dropped = run(&r);
	tap_ok(r.verdict == EXTFUSE_VERDICT_ANSWER && dropped == 1 &&
		       !has_attr(FILE_B),
	       "INVAL_NODE dropped the attributes");
	req_init(&r, EXTFUSE_OP_INVAL_ENTRY, DIR_A);
	req_name(&r, "c");
	run(&r);
	tap_ok(!has_entry(DIR_A, "c") && has_entry(DIR_A, "b") &&
		       has_attr(FILE_C) && !has_attr(DIR_A),
	       "INVAL_ENTRY dropped the name and the parent, not the child");
	publish_tree();
	put_dir(DIR_A, EXTFUSE_DIR_PLAIN, 5, NOW + SEC_NS);
	req_init(&r, EXTFUSE_OP_INVAL_DIR, DIR_A);
	dropped = run(&r);
	tap_ok(dropped == 1 && has_attr(DIR_A),
	       "INVAL_DIR dropped the listing and kept the attributes");
	req_init(&r, EXTFUSE_OP_INVAL_NODE, 0);
	run(&r);
	tap_ok(r.verdict == EXTFUSE_VERDICT_ERROR && r.error == -EINVAL,
	       "INVAL of nodeid 0: -EINVAL");
}

static void test_switches(void)
{
	struct extfuse_req r;
	struct extfuse_config cfg = { 0 };
	__u32 zero = 0;

	set_config(ALL_ON & ~EXTFUSE_CFG_ENABLED, epoch_now());
	req_init(&r, FUSE_GETATTR, FILE_B);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "switched off: nothing served");

	req_init(&r, FUSE_SETATTR, FILE_B);
	run(&r);
	tap_ok(!has_attr(FILE_B), "switched off: changes still invalidate");

	bpf_map_update_elem(map_fd(skel->maps.extfuse_config), &zero, &cfg,
			    BPF_ANY);
	publish_tree();
	req_init(&r, FUSE_GETATTR, FILE_B);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "uninitialised config: nothing served");
	set_config(ALL_ON, 1);
	publish_tree();

	req_init(&r, FUSE_OPEN, FILE_B);
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS, "other opcodes: sent to daemon");
}

/* Full maps: a lookup that cannot be counted is not served; a version
 * that cannot be stored moves the epoch. */
static void test_full_maps(void)
{
	struct extfuse_bpf *small = extfuse_bpf__open();
	struct extfuse_bpf *saved = skel;
	struct extfuse_req r;
	__u64 e0;

	if (!small) {
		tap_ok(0, "open a second skeleton");
		return;
	}
	bpf_map__set_max_entries(small->maps.extfuse_served, 1);
	bpf_map__set_max_entries(small->maps.extfuse_vers, 1);
	if (extfuse_bpf__load(small)) {
		tap_ok(0, "load a skeleton with tiny maps");
		extfuse_bpf__destroy(small);
		return;
	}
	skel = small;
	prog_fd = bpf_program__fd(skel->progs.extfuse_handle);
	set_config(ALL_ON, 1);
	publish_tree();
	put_entry(DIR_A, "c", FILE_C, NOW + SEC_NS);

	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "b");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_ANSWER, "tiny served map: first node counted");
	req_init(&r, FUSE_LOOKUP, DIR_A);
	req_name(&r, "c");
	run(&r);
	tap_is(r.verdict, EXTFUSE_VERDICT_PASS,
	       "served map full: lookup not answered (it could not be counted)");
	tap_is(served(FILE_C), 0, "nothing counted for it");

	e0 = epoch_now();
	req_init(&r, FUSE_SETATTR, FILE_B);
	run(&r);
	req_init(&r, FUSE_SETATTR, FILE_C);
	run(&r);
	tap_ok(epoch_now() > e0, "versions map full: the epoch moved instead");

	extfuse_bpf__destroy(small);
	skel = saved;
	prog_fd = bpf_program__fd(skel->progs.extfuse_handle);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int main(void)
{
	tap_plan_unknown();
	if (geteuid() != 0)
		tap_skip_all("needs root to load BPF programs");
	libbpf_set_print(quiet);
	skel = extfuse_bpf__open_and_load();
	if (!skel)
		tap_bail("cannot load the extension (see libbpf messages)");
	prog_fd = bpf_program__fd(skel->progs.extfuse_handle);
	set_config(ALL_ON, 1);
	publish_tree();

	test_probe_and_context();
	test_getattr();
	test_getxattr();
	test_malformed_attr();
	test_lookup();
	test_bad_names();
	test_permission();
	test_opendir();
	test_versions();
	test_modify();
	test_readdir();
	test_listed_misses();
	test_forget();
	test_binding();
	test_inval_ops();
	test_switches();
	test_full_maps();

	extfuse_bpf__destroy(skel);
	return tap_done();
}
