// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper for extfusectl: create connection CONN under PIN_ROOT,
 * publish a small known tree and run the extension on a few requests so
 * that its counters move.  The shell test checks what extfusectl shows.
 *
 *   node 1   dir   "hello" -> 100 (gen 7), "sub" -> 101, "missing" negative,
 *                  listing: . .. hello sub
 *   node 100 file, 12 bytes
 *   node 101 dir, may have ACLs; "inner" -> 100 published, then 101 is
 *                  invalidated, which leaves that entry stale
 * Extension runs: GETATTR 100 (hit), GETATTR 999 (miss),
 * LOOKUP 1/hello (hit, served[100] = 1), LOOKUP 101/nothere (miss: 101
 * has no listing; 1 has one, so 1/nothere would be answered ENOENT).
 * With "corrupt", the first chunk of node 1's plain listing then claims
 * more bytes than a reply holds, as a broken writer could leave it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "libextfuse.h"

#define MINUTE_NS (60ull * 1000000000ull)

static int attr(struct extfuse *ef, __u64 node, __u32 mode, __u64 size,
		__u32 flags)
{
	struct extfuse_stamp st;
	struct fuse_attr a;

	memset(&a, 0, sizeof(a));
	a.ino = node;
	a.mode = mode;
	a.size = size;
	a.nlink = S_ISDIR(mode) ? 2 : 1;
	a.uid = 1000;
	a.gid = 1000;
	return extfuse_stamp(ef, node, &st) ?:
		       extfuse_publish_attr(ef, node, &a, flags,
					    extfuse_now_ns() + MINUTE_NS, &st);
}

static int run(struct extfuse *ef, __u32 op, __u64 node, const char *name)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);
	static struct extfuse_req req;

	extfuse_req_init(&req, op, node);
	req.now_ns = extfuse_now_ns();
	req.flags = EXTFUSE_REQ_CAP_SEARCH;
	if (name) {
		req.namelen = strlen(name);
		memcpy(req.name, name, req.namelen);
	}
	o.ctx_in = &req;
	o.ctx_size_in = sizeof(req);
	return bpf_prog_test_run_opts(extfuse_prog_fd(ef), &o);
}

static int publish(struct extfuse *ef)
{
	static const struct extfuse_dirent ls[] = {
		{ ".", 1, 1, DT_DIR },
		{ "..", 1, 2, DT_DIR },
		{ "hello", 100, 3, DT_REG },
		{ "sub", 101, 4, DT_DIR },
	};
	__u64 exp = extfuse_now_ns() + MINUTE_NS;
	struct extfuse_stamp st, sub;

	return attr(ef, 1, S_IFDIR | 0755, 4096, 0) ?:
	       attr(ef, 100, S_IFREG | 0644, 12, 0) ?:
	       attr(ef, 101, S_IFDIR | 0750, 4096, EXTFUSE_ATTR_MAY_HAVE_ACL) ?:
	       extfuse_stamp(ef, 1, &st) ?:
	       extfuse_publish_entry(ef, 1, "hello", 100, 7, exp, &st) ?:
	       extfuse_publish_entry(ef, 1, "sub", 101, 1, exp, &st) ?:
	       extfuse_publish_negative(ef, 1, "missing", exp, &st) ?:
	       extfuse_publish_dir(ef, 1, ls, 4, exp, &st) ?:
	       extfuse_stamp(ef, 101, &sub) ?:
	       extfuse_publish_entry(ef, 101, "inner", 100, 7, exp, &sub) ?:
	       extfuse_invalidate_node(ef, 101) ?:
	       attr(ef, 101, S_IFDIR | 0750, 4096, EXTFUSE_ATTR_MAY_HAVE_ACL) ?:
	       extfuse_reset_stats(ef) ?:
	       run(ef, FUSE_GETATTR, 100, NULL) ?:
	       run(ef, FUSE_GETATTR, 999, NULL) ?:
	       run(ef, FUSE_LOOKUP, 1, "hello") ?:
	       run(ef, FUSE_LOOKUP, 101, "nothere");
}

static int corrupt(struct extfuse *ef)
{
	struct extfuse_chunk_key key = { .dir = 1, .kind = EXTFUSE_DIR_PLAIN };
	static struct extfuse_chunk_val c;
	int fd = extfuse_map_fd(ef, EXTFUSE_MAP_CHUNKS);

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, &c))
		return -ENOENT;
	c.len = EXTFUSE_CHUNK_BUF_SIZE + 64;
	return bpf_map_update_elem(fd, &key, &c, BPF_EXIST);
}

int main(int argc, char **argv)
{
	struct extfuse_opts o = { .sz = sizeof(o) };
	struct extfuse *ef;
	int err;

	if (argc != 3 && (argc != 4 || strcmp(argv[3], "corrupt"))) {
		fprintf(stderr, "usage: %s PIN_ROOT CONN [corrupt]\n", argv[0]);
		return 2;
	}
	o.pin_root = argv[1];
	err = extfuse_create(argv[2], &o, &ef);
	if (err)
		return 1;
	err = publish(ef);
	if (!err && argc == 4)
		err = corrupt(ef);
	if (err)
		fprintf(stderr, "%s: publishing failed: %s\n", argv[0],
			strerror(-err));
	extfuse_close(ef);
	return err ? 1 : 0;
}
