// SPDX-License-Identifier: GPL-2.0
/*
 * Asking the extension what it would answer the kernel, without the kernel:
 * for tools and tests that check what a mount would be served.
 */
#include <errno.h>
#include <string.h>
#include "internal.h"

/*
 * An answered LOOKUP counted one kernel-served lookup of the node it named;
 * no kernel holds it, so give it back through the FORGET rewrite, as the
 * kernel's own FORGET would.
 */
static int give_back_lookup(struct extfuse *ef, int prog_fd, __u64 nodeid)
{
	struct extfuse_req forget;
	int err;

	ef_req_init(&forget, FUSE_FORGET, nodeid);
	forget.nlookup = 1;
	err = ef_run(ef, prog_fd, &forget);
	if (err)
		return err;
	if (forget.verdict == EXTFUSE_VERDICT_ERROR || forget.nlookup != 0)
		return ef_err(-EIO,
			      "%s: the served count of %llu was not given back",
			      ef->conn_id, (unsigned long long)nodeid);
	return 0;
}

int extfuse_ask(struct extfuse *ef, struct extfuse_req *req)
{
	struct extfuse_config cfg;
	int prog_fd, err;

	if (!ef || !req)
		return ef_err(-EINVAL, "extfuse_ask: handle or request is NULL");
	if (req->opcode != FUSE_LOOKUP && req->opcode != FUSE_GETATTR &&
	    req->opcode != FUSE_READDIR && req->opcode != FUSE_READDIRPLUS)
		return ef_err(-EINVAL, "extfuse_ask: opcode %u is not a query",
			      req->opcode);
	prog_fd = extfuse_prog_fd(ef);
	if (prog_fd < 0)
		return prog_fd;
	req->now_ns = extfuse_now_ns();
	/* Asked as the connection the maps serve. */
	err = ef_read_config(ef, &cfg);
	if (err)
		return err;
	req->conn_id = cfg.conn_id;
	err = ef_run(ef, prog_fd, req);
	if (err)
		return err;
	if (req->opcode == FUSE_LOOKUP &&
	    req->verdict == EXTFUSE_VERDICT_ANSWER && req->out.entry.nodeid)
		return give_back_lookup(ef, prog_fd, req->out.entry.nodeid);
	return 0;
}
