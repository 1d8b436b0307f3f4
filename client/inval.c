// SPDX-License-Identifier: GPL-2.0
/* Invalidation, flushing and node lifetime. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "internal.h"

/*
 * Invalidations run the extension itself (EXTFUSE_OP_INVAL_*) through
 * BPF_PROG_TEST_RUN.  The extension bumps versions with an atomic add on
 * the map value, so a bump from here and one from a request in the kernel
 * can never overwrite each other: a version only ever grows, and a stamp
 * read before the invalidation can never match again.  (A read, +1,
 * update from user space could lose a concurrent kernel bump.)
 */
static int run_inval(struct extfuse *ef, __u32 op, __u64 nodeid,
		     const char *name)
{
	struct extfuse_req req;
	int fd, err;

	fd = ef_inval_prog(ef);
	if (fd < 0)
		return fd;
	ef_req_init(&req, op, nodeid);
	if (name) {
		req.namelen = strlen(name);
		memcpy(req.name, name, req.namelen);
	}
	err = ef_run(ef, fd, &req);
	if (err)
		return err;
	if (req.verdict == EXTFUSE_VERDICT_ERROR)
		return ef_err(req.error ? req.error : -EIO,
			      "%s: the extension refused the invalidation of %llu: %s",
			      ef->conn_id, (unsigned long long)nodeid,
			      strerror(req.error ? -req.error : EIO));
	if (req.verdict != EXTFUSE_VERDICT_ANSWER)
		return ef_err(-EPROTO,
			      "%s: the extension ignored the invalidation of %llu (ABI mismatch?)",
			      ef->conn_id, (unsigned long long)nodeid);
	return 0;
}

/* The extension drops the listing headers; the chains are ours to drop. */
static int drop_chains(struct extfuse *ef, __u64 dir)
{
	int err = ef_drop_chunks(ef, dir, EXTFUSE_DIR_PLAIN);
	int err2 = ef_drop_chunks(ef, dir, EXTFUSE_DIR_PLUS);

	return err ? err : err2;
}

static int check_node(struct extfuse *ef, __u64 nodeid, const char *fn)
{
	if (!ef)
		return ef_err(-EINVAL, "%s: handle is NULL", fn);
	if (!nodeid)
		return ef_err(-EINVAL, "%s: nodeid 0", fn);
	return 0;
}

int extfuse_invalidate_node(struct extfuse *ef, __u64 nodeid)
{
	int err = check_node(ef, nodeid, "extfuse_invalidate_node");

	if (!err)
		err = run_inval(ef, EXTFUSE_OP_INVAL_NODE, nodeid, NULL);
	if (!err)
		err = drop_chains(ef, nodeid);
	return err;
}

int extfuse_invalidate_entry(struct extfuse *ef, __u64 parent, const char *name)
{
	int err = check_node(ef, parent, "extfuse_invalidate_entry");

	if (!err)
		err = ef_check_name(name, false);
	if (!err)
		err = run_inval(ef, EXTFUSE_OP_INVAL_ENTRY, parent, name);
	if (!err)
		err = drop_chains(ef, parent);
	return err;
}

int extfuse_invalidate_dir(struct extfuse *ef, __u64 dir)
{
	int err = check_node(ef, dir, "extfuse_invalidate_dir");

	if (!err)
		err = run_inval(ef, EXTFUSE_OP_INVAL_DIR, dir, NULL);
	if (!err)
		err = drop_chains(ef, dir);
	return err;
}

/* Empty every cache map; the caller moved the epoch first, so that every
 * publish under way is refused. */
int ef_clear_caches(struct extfuse *ef)
{
	static const enum ef_map caches[] = { EF_DIRS, EF_ENTRIES, EF_ATTRS,
					      EF_CHUNKS, EF_NAMES };
	int err, ret = 0;
	size_t i;

	for (i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		err = ef_clear_map(ef, caches[i]);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

int extfuse_flush(struct extfuse *ef)
{
	int err;

	if (!ef)
		return ef_err(-EINVAL, "extfuse_flush: handle is NULL");
	err = ef_move_epoch(ef, NULL);
	if (!err)
		err = ef_clear_caches(ef);
	if (!err)
		ef_log(EXTFUSE_LOG_INFO, "%s: flushed", ef->conn_id);
	return err;
}

int extfuse_served(struct extfuse *ef, __u64 nodeid, __u64 *count)
{
	int err = check_node(ef, nodeid, "extfuse_served");

	if (!err && !count)
		err = ef_err(-EINVAL, "extfuse_served: count is NULL");
	if (!err)
		err = ef_lookup_u64(ef->map_fd[EF_SERVED], nodeid, count);
	return err;
}

static int delete_if_there(struct extfuse *ef, enum ef_map m, const void *key)
{
	int err = bpf_map_delete_elem(ef->map_fd[m], key);

	if (err && err != -ENOENT)
		return ef_err(err, "%s: delete from %s failed: %s",
			      ef->conn_id, ef_maps[m].name, strerror(-err));
	return 0;
}

/*
 * The node is no longer published: drop its attributes and listings.  Its
 * served count stays even at 0: a publish and a kernel-served LOOKUP may
 * come between our read and any delete, and an increment on a deleted
 * element is lost (see extfuse_forget_node()).  Its version stays for the
 * life of the maps: a version that restarted would bring back what an
 * earlier bump retired (negative entries and entries under the node, stamps
 * in flight).  A full versions map moves the epoch instead (see
 * bump_version).
 */
int extfuse_release_node(struct extfuse *ef, __u64 nodeid)
{
	struct extfuse_dir_key dk = { .dir = nodeid };
	__u64 count;
	int err;

	err = extfuse_served(ef, nodeid, &count);
	if (err)
		return err;
	if (count)
		return ef_debug_err(-EBUSY,
				    "%s: node %llu still has %llu kernel-served lookups",
				    ef->conn_id, (unsigned long long)nodeid,
				    (unsigned long long)count);
	err = delete_if_there(ef, EF_ATTRS, &nodeid);
	for (dk.kind = EXTFUSE_DIR_PLAIN; !err && dk.kind <= EXTFUSE_DIR_PLUS;
	     dk.kind++)
		err = delete_if_there(ef, EF_DIRS, &dk);
	if (!err)
		err = drop_chains(ef, nodeid);
	return err;
}

/*
 * The daemon destroys the node, so its id may name another node next.
 * The caller guarantees that no entry has named it since a release saw
 * its count at 0 after a grace period: then nothing can increment the
 * count any more, and deleting a zero is safe.  A non-zero count is kept
 * (-EBUSY): the kernel still holds lookups, and only FORGET may take them.
 */
int extfuse_forget_node(struct extfuse *ef, __u64 nodeid)
{
	__u64 count;
	int err;

	err = check_node(ef, nodeid, "extfuse_forget_node");
	if (!err)
		err = extfuse_served(ef, nodeid, &count);
	if (err)
		return err;
	if (count)
		return ef_err(-EBUSY,
			      "%s: node %llu destroyed with %llu kernel-served lookups: count kept",
			      ef->conn_id, (unsigned long long)nodeid,
			      (unsigned long long)count);
	return delete_if_there(ef, EF_SERVED, &nodeid);
}
