// SPDX-License-Identifier: GPL-2.0
/*
 * extfusectl dump: the configuration and every cached value, sorted, with
 * its time to expiry and whether it would be served now.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "extfusectl.h"

#define NSEC 1000000000.0

static void put_name(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void put_expiry(__u64 expiry, __u64 now)
{
	if (expiry > now)
		printf("expires in %.3fs", (expiry - now) / NSEC);
	else
		printf("expired %.3fs ago", (now - expiry) / NSEC);
}

static const char *type_name(__u32 dt)
{
	static const char *const names[16] = {
		[0] = "unknown", [1] = "fifo", [2] = "chr", [4] = "dir",
		[6] = "blk", [8] = "reg", [10] = "lnk", [12] = "sock",
		[14] = "wht",
	};

	return dt < 16 && names[dt] ? names[dt] : "?";
}

static const char *mode_type(__u32 mode)
{
	return type_name((mode & S_IFMT) >> 12);
}

struct dump {
	struct extfuse *ef;
	struct extfuse_config cfg;
	__u64 now;
	void *items;
	size_t n, cap, size;
};

static int collect(struct dump *d, const void *a, size_t asz, const void *b,
		   size_t bsz)
{
	unsigned char *p;

	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		p = realloc(d->items, d->cap * d->size);
		if (!p)
			return -ENOMEM;
		d->items = p;
	}
	p = (unsigned char *)d->items + d->n++ * d->size;
	memcpy(p, a, asz);
	memcpy(p + asz, b, bsz);
	return 0;
}

struct entry_item {
	struct extfuse_entry_key k;
	struct extfuse_entry_val v;
};

struct attr_item {
	__u64 nodeid;
	struct extfuse_attr_val v;
};

struct dir_item {
	struct extfuse_dir_key k;
	struct extfuse_dir_val v;
};

static int entry_cb(const struct extfuse_entry_key *k,
		    const struct extfuse_entry_val *v, void *arg)
{
	return collect(arg, k, sizeof(*k), v, sizeof(*v));
}

static int attr_cb(__u64 nodeid, const struct extfuse_attr_val *v, void *arg)
{
	return collect(arg, &nodeid, sizeof(nodeid), v, sizeof(*v));
}

static int dir_cb(const struct extfuse_dir_key *k,
		  const struct extfuse_dir_val *v, void *arg)
{
	return collect(arg, k, sizeof(*k), v, sizeof(*v));
}

static int cmp_u64(__u64 a, __u64 b)
{
	return a < b ? -1 : a > b;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry_item *x = a, *y = b;

	return cmp_u64(x->k.parent, y->k.parent) ?:
		       strcmp(x->k.name, y->k.name);
}

static int cmp_attr(const void *a, const void *b)
{
	return cmp_u64(((const struct attr_item *)a)->nodeid,
		       ((const struct attr_item *)b)->nodeid);
}

static int cmp_dir(const void *a, const void *b)
{
	const struct dir_item *x = a, *y = b;

	return cmp_u64(x->k.dir, y->k.dir) ?: cmp_u64(x->k.kind, y->k.kind);
}

/* Why a value would not be served now, or "current". */
static void put_state(struct dump *d, __u64 node, __u64 version, __u64 epoch)
{
	struct extfuse_stamp st;

	if (extfuse_stamp(d->ef, node, &st))
		printf("  [state unknown]");
	else if (epoch != st.epoch)
		printf("  [stale: epoch %llu, now %llu]",
		       (unsigned long long)epoch, (unsigned long long)st.epoch);
	else if (version != st.version)
		printf("  [stale: version %llu, now %llu]",
		       (unsigned long long)version,
		       (unsigned long long)st.version);
	else
		printf("  [current]");
}

static void dump_entries(struct dump *d)
{
	struct entry_item *it;
	size_t i;

	qsort(d->items, d->n, d->size, cmp_entry);
	printf("entries: %zu\n", d->n);
	for (i = 0; i < d->n; i++) {
		it = (struct entry_item *)d->items + i;
		printf("  %llu/", (unsigned long long)it->k.parent);
		put_name(stdout, it->k.name);
		if (it->v.flags & EXTFUSE_ENTRY_NEGATIVE)
			printf(" -> negative  ");
		else
			printf(" -> node %llu gen %llu  ",
			       (unsigned long long)it->v.nodeid,
			       (unsigned long long)it->v.generation);
		put_expiry(it->v.expiry_ns, d->now);
		put_state(d, it->k.parent, it->v.version, it->v.epoch);
		printf("\n");
	}
}

static void dump_attrs(struct dump *d)
{
	const struct fuse_attr *a;
	struct attr_item *it;
	size_t i;

	qsort(d->items, d->n, d->size, cmp_attr);
	printf("attrs: %zu\n", d->n);
	for (i = 0; i < d->n; i++) {
		it = (struct attr_item *)d->items + i;
		a = &it->v.attr;
		printf("  node %llu: %s mode 0%o ino %llu size %llu nlink %u uid %u gid %u  ",
		       (unsigned long long)it->nodeid, mode_type(a->mode),
		       a->mode & 07777, (unsigned long long)a->ino,
		       (unsigned long long)a->size, a->nlink, a->uid, a->gid);
		put_expiry(it->v.expiry_ns, d->now);
		put_state(d, it->nodeid, it->v.version, it->v.epoch);
		if (it->v.flags & EXTFUSE_ATTR_MAY_HAVE_ACL)
			printf(" [may-have-acl]");
		printf("\n");
	}
}

static int put_dirent(const struct extfuse_dirent *e, void *arg)
{
	__u64 *last_off = arg;

	printf("      off %llu ino %llu %s ", (unsigned long long)e->off,
	       (unsigned long long)e->ino, type_name(e->type));
	put_name(stdout, e->name);
	printf("\n");
	*last_off = e->off;
	return 0;
}

/* Print the records of a listing; a broken one says where it broke. */
static void dump_listing(struct dump *d, const struct dir_item *it)
{
	__u64 last_off = 0; /* where the next chunk is keyed */
	int err;

	err = extfuse_foreach_dirent(d->ef, it->k.dir, it->k.kind,
				     it->v.listing_id, put_dirent, &last_off);
	if (err == -ESTALE)
		printf("      (chain broken at offset %llu)\n",
		       (unsigned long long)last_off);
	else if (err == -EPROTO)
		printf("      (malformed chunk after offset %llu)\n",
		       (unsigned long long)last_off);
	else if (err)
		printf("      (cannot read the listing: %s)\n", strerror(-err));
}

static void dump_dirs(struct dump *d)
{
	struct dir_item *it;
	size_t i;

	qsort(d->items, d->n, d->size, cmp_dir);
	printf("listings: %zu\n", d->n);
	for (i = 0; i < d->n; i++) {
		it = (struct dir_item *)d->items + i;
		printf("  dir %llu %s: listing %llu, %u entries in %u chunks  ",
		       (unsigned long long)it->k.dir,
		       it->k.kind == EXTFUSE_DIR_PLUS ? "plus" : "plain",
		       (unsigned long long)it->v.listing_id, it->v.nentries,
		       it->v.nchunks);
		put_expiry(it->v.expiry_ns, d->now);
		put_state(d, it->k.dir, it->v.version, it->v.epoch);
		printf("\n");
		dump_listing(d, it);
	}
}

static int served_cb(__u64 nodeid, __u64 count, void *arg)
{
	return collect(arg, &nodeid, sizeof(nodeid), &count, sizeof(count));
}

static int dump_served(struct dump *d)
{
	size_t n;
	int err;

	d->n = 0;
	err = extfuse_foreach_served(d->ef, served_cb, d);
	if (err)
		return err;
	qsort(d->items, d->n, d->size, cmp_attr);
	printf("served: %zu\n", d->n);
	for (n = 0; n < d->n; n++) {
		__u64 *p = (__u64 *)((unsigned char *)d->items + n * d->size);

		printf("  node %llu: %llu\n", (unsigned long long)p[0],
		       (unsigned long long)p[1]);
	}
	return 0;
}

static int run_dump(struct dump *d)
{
	int err;

	d->size = sizeof(struct entry_item);
	err = extfuse_foreach_entry(d->ef, entry_cb, d);
	if (!err)
		dump_entries(d);
	d->n = 0;
	d->size = sizeof(struct attr_item);
	if (!err)
		err = extfuse_foreach_attr(d->ef, attr_cb, d);
	if (!err)
		dump_attrs(d);
	d->n = 0;
	d->size = sizeof(struct dir_item);
	if (!err)
		err = extfuse_foreach_dir(d->ef, dir_cb, d);
	if (!err)
		dump_dirs(d);
	d->size = 2 * sizeof(__u64);
	if (!err)
		err = dump_served(d);
	if (err == -ENOMEM)
		fail(EXIT_FAILED, "out of memory");
	return err ? EXIT_FAILED : EXIT_OK;
}

int cmd_dump(struct ctl *ctl, int argc, char **argv)
{
	struct dump d = { 0 };
	int code;

	code = cmd_args(argc, argv, 0, 1, NULL, "dump [CONN]");
	if (code)
		return code;
	code = open_conn(ctl, optind < argc ? argv[optind] : NULL, &d.ef);
	if (code)
		return code;
	code = extfuse_get_config(d.ef, &d.cfg) ? EXIT_FAILED : EXIT_OK;
	if (!code) {
		d.now = extfuse_now_ns();
		print_config(extfuse_conn_id(d.ef), &d.cfg);
		code = run_dump(&d);
	}
	free(d.items);
	extfuse_close(d.ef);
	return code;
}

