// SPDX-License-Identifier: GPL-2.0
/*
 * efx-ask: what the extension of one FUSE connection would answer the
 * kernel, asked through libextfuse (extfuse_ask) as root.  Hosts without
 * the kernel module use it to check what a mount would be served.
 *
 *   efx-ask getattr CONN NODEID       "mode=%o uid= gid= size= nlink="
 *   efx-ask lookup CONN PARENT NAME   "nodeid=N mode=%o ..." or "ENOENT"
 *   efx-ask lookup CONN PARENT NAME UID   the same, asked by UID (fsuid and
 *                                     fsgid UID, no groups) instead of root
 *   efx-ask readdir CONN DIR          "D_OFF NAME" a line, read as the
 *                                     kernel reads (READDIR from offset 0,
 *                                     then from the last d_off, to the end)
 *
 * Exit status: 0 answered in the kernel, 1 sent to the daemon, 2 error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libextfuse.h"

static void print_attr(const struct fuse_attr *a)
{
	printf("mode=%o uid=%u gid=%u size=%llu nlink=%u\n", a->mode, a->uid,
	       a->gid, (unsigned long long)a->size, a->nlink);
}

static int report(const struct extfuse_req *req)
{
	switch (req->verdict) {
	case EXTFUSE_VERDICT_PASS:
		return 1;
	case EXTFUSE_VERDICT_ERROR:
		printf("%s\n", req->error == -ENOENT ? "ENOENT" :
						      strerror(-req->error));
		return 0;
	case EXTFUSE_VERDICT_ANSWER:
		break;
	default:
		fprintf(stderr, "efx-ask: verdict %d\n", req->verdict);
		return 2;
	}
	if (req->opcode == FUSE_GETATTR) {
		print_attr(&req->out.attr.attr);
	} else if (req->out.entry.nodeid == 0) {
		printf("ENOENT\n");
	} else {
		printf("nodeid=%llu ", (unsigned long long)req->out.entry.nodeid);
		print_attr(&req->out.entry.attr);
	}
	return 0;
}

/*
 * A whole listing as the kernel asks for it, each reply checked as the
 * module checks it: 0 when the extension answered every request.
 */
static int ask_readdir(struct extfuse *ef, __u64 dir)
{
	struct extfuse_req req;
	__u64 off = 0;
	int ret;

	for (;;) {
		const struct fuse_dirent *d;
		size_t at = 0;

		extfuse_req_init(&req, FUSE_READDIR, dir);
		req.offset = off;
		req.size = EXTFUSE_DIRBUF_SIZE;
		ret = extfuse_ask(ef, &req);
		if (ret < 0) {
			fprintf(stderr, "efx-ask: %s\n", strerror(-ret));
			return 2;
		}
		if (req.verdict != EXTFUSE_VERDICT_ANSWER)
			return 1;
		if (req.out_size == 0)
			return 0;
		while (at + FUSE_NAME_OFFSET <= req.out_size) {
			d = (const struct fuse_dirent *)(req.out.dirbuf + at);
			if (at + FUSE_DIRENT_SIZE(d) > req.out_size ||
			    d->off <= off) {
				fprintf(stderr, "efx-ask: bad record at %zu\n",
					at);
				return 2;
			}
			printf("%llu %.*s\n", (unsigned long long)d->off,
			       (int)d->namelen, d->name);
			off = d->off;
			at += FUSE_DIRENT_SIZE(d);
		}
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: efx-ask getattr CONN NODEID\n"
			"       efx-ask lookup CONN PARENT NAME [UID]\n"
			"       efx-ask readdir CONN DIR\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct extfuse_req req;
	struct extfuse *ef;
	long uid = -1;
	char *end;
	int ret;

	if (argc == 4 && !strcmp(argv[1], "readdir")) {
		ret = extfuse_open(argv[2], NULL, &ef);
		if (ret < 0) {
			fprintf(stderr, "efx-ask: connection %s: %s\n", argv[2],
				strerror(-ret));
			return 2;
		}
		ret = ask_readdir(ef, strtoull(argv[3], NULL, 0));
		extfuse_close(ef);
		return ret;
	}
	if (argc == 6 && !strcmp(argv[1], "lookup")) {
		uid = strtol(argv[5], &end, 10);
		if (*end || uid < 0 || uid > 0xfffffffeL) {
			fprintf(stderr, "efx-ask: bad uid %s\n", argv[5]);
			return 2;
		}
		argc--;
	}
	if (argc == 4 && !strcmp(argv[1], "getattr")) {
		extfuse_req_init(&req, FUSE_GETATTR,
				 strtoull(argv[3], NULL, 0));
	} else if (argc == 5 && !strcmp(argv[1], "lookup") &&
		   strlen(argv[4]) < sizeof(req.name)) {
		extfuse_req_init(&req, FUSE_LOOKUP, strtoull(argv[3], NULL, 0));
		req.namelen = strlen(argv[4]);
		memcpy(req.name, argv[4], req.namelen);
	} else {
		return usage();
	}
	if (uid < 0) {
		req.flags = EXTFUSE_REQ_CAP_SEARCH; /* asked as root */
	} else {
		req.uid = uid;
		req.gid = uid;
	}
	ret = extfuse_open(argv[2], NULL, &ef);
	if (ret < 0) {
		fprintf(stderr, "efx-ask: connection %s: %s\n", argv[2],
			strerror(-ret));
		return 2;
	}
	ret = extfuse_ask(ef, &req);
	extfuse_close(ef);
	if (ret < 0) {
		fprintf(stderr, "efx-ask: %s\n", strerror(-ret));
		return 2;
	}
	return report(&req);
}
