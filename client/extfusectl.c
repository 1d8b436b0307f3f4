// SPDX-License-Identifier: GPL-2.0
/* extfusectl: inspect and control ExtFUSE connections. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include "libextfuse.h"

/* Exit codes: documented in --help and extfusectl(8). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_NO_MODULE = 3,
	EXIT_NO_CONN = 4,
};

#define NSEC 1000000000.0

struct ctl {
	const char *pin_root;
	bool verbose;
};

static const char usage_text[] =
	"Usage: extfusectl [--pin-root DIR] [-v] COMMAND [ARGS]\n"
	"\n"
	"Inspect and control ExtFUSE connections: BPF extensions that answer\n"
	"FUSE LOOKUP, GETATTR and READDIR requests in the kernel.\n"
	"\n"
	"Commands:\n"
	"  status                     module state, attached and pinned connections\n"
	"  stats [--json] [CONN]      per-operation counters of a connection\n"
	"  dump [CONN]                cached entries, attributes, listings, served counts\n"
	"  flush [CONN]               drop everything cached (served counts stay)\n"
	"  config [CONN] [KEY=VALUE...]  show or change the configuration:\n"
	"                             enabled, negative, dirs (on/off),\n"
	"                             entry_timeout, attr_timeout (e.g. 1s, 250ms)\n"
	"  attach CONN MOUNTPOINT     attach the connection's extension to a FUSE mount\n"
	"  detach MOUNTPOINT          detach the extension from a FUSE mount\n"
	"\n"
	"CONN is a connection name under the pin root; it may be left out when\n"
	"exactly one connection is pinned.\n"
	"\n"
	"Options:\n"
	"  --pin-root DIR   where connections are pinned (default " EXTFUSE_PIN_ROOT ")\n"
	"  -v, --verbose    also print informational and libbpf messages\n"
	"  -h, --help       print this help\n"
	"  -V, --version    print the version\n"
	"\n"
	"Exit status:\n"
	"  0  success\n"
	"  1  the operation failed\n"
	"  2  usage error (bad command, option or argument)\n"
	"  3  the extfuse kernel module is not loaded (/dev/extfuse missing);\n"
	"     status also returns 3 when it found nothing else wrong\n"
	"  4  no such connection (or none pinned)\n";

static const char *const op_names[EXTFUSE_SOP_COUNT] = {
	[EXTFUSE_SOP_LOOKUP] = "lookup",
	[EXTFUSE_SOP_GETATTR] = "getattr",
	[EXTFUSE_SOP_READDIR] = "readdir",
	[EXTFUSE_SOP_READDIRPLUS] = "readdirplus",
	[EXTFUSE_SOP_MODIFY] = "modify",
	[EXTFUSE_SOP_FORGET] = "forget",
	[EXTFUSE_SOP_OTHER] = "other",
};

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("extfusectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'extfusectl --help'.\n", stderr);
	return EXIT_USAGE;
}

static int fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("extfusectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static void log_cb(enum extfuse_log_level level, const char *msg, void *arg)
{
	const struct ctl *ctl = arg;

	if (level <= EXTFUSE_LOG_WARN || ctl->verbose)
		fprintf(stderr, "extfusectl: %s\n", msg);
}

/* Exit code for a library error (the library printed why). */
static int lib_code(int err)
{
	if (err == -ENODEV)
		return EXIT_NO_MODULE;
	return EXIT_FAILED;
}

/* ---- Connections ---------------------------------------------------- */

struct names {
	char **v;
	size_t n;
};

static void names_free(struct names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	nm->v = NULL;
	nm->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_conn_dir(int rootfd, const char *name)
{
	char path[NAME_MAX + 32];

	if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
		return false;
	snprintf(path, sizeof(path), "%s/%s", name, EXTFUSE_MAP_CONFIG);
	return faccessat(rootfd, path, F_OK, 0) == 0;
}

/* Connections pinned under the pin root, sorted; none if it is missing. */
static int list_conns(const struct ctl *ctl, struct names *nm)
{
	struct dirent *d;
	char **v;
	DIR *dir;

	nm->v = NULL;
	nm->n = 0;
	dir = opendir(ctl->pin_root);
	if (!dir && errno == ENOENT)
		return 0;
	if (!dir)
		return fail(EXIT_FAILED, "cannot read %s: %s", ctl->pin_root,
			    strerror(errno));
	while ((d = readdir(dir))) {
		if (!is_conn_dir(dirfd(dir), d->d_name))
			continue;
		v = realloc(nm->v, (nm->n + 1) * sizeof(*v));
		if (!v || !(v[nm->n] = strdup(d->d_name))) {
			nm->v = v ? v : nm->v;
			closedir(dir);
			names_free(nm);
			return fail(EXIT_FAILED, "out of memory");
		}
		nm->v = v;
		nm->n++;
	}
	closedir(dir);
	qsort(nm->v, nm->n, sizeof(*nm->v), cmp_str);
	return 0;
}

/* Pick the connection named by arg, or the only one pinned. */
static int pick_conn(const struct ctl *ctl, const char *arg, char **out)
{
	struct names nm;
	int code;

	if (arg) {
		*out = strdup(arg);
		return *out ? 0 : fail(EXIT_FAILED, "out of memory");
	}
	code = list_conns(ctl, &nm);
	if (code)
		return code;
	if (nm.n == 0)
		code = fail(EXIT_NO_CONN, "no connection pinned under %s",
			    ctl->pin_root);
	else if (nm.n > 1)
		code = usage_error("%zu connections pinned under %s (%s, %s%s): name one",
				   nm.n, ctl->pin_root, nm.v[0], nm.v[1],
				   nm.n > 2 ? ", ..." : "");
	else
		*out = strdup(nm.v[0]);
	if (!code && !*out)
		code = fail(EXIT_FAILED, "out of memory");
	names_free(&nm);
	return code;
}

static int open_conn(const struct ctl *ctl, const char *arg,
		     struct extfuse **ef)
{
	char *name = NULL;
	int code, err;

	code = pick_conn(ctl, arg, &name);
	if (code)
		return code;
	err = extfuse_open(name, ctl->pin_root, ef);
	free(name);
	if (err == -EINVAL)
		return EXIT_USAGE;
	if (err == -ENOENT)
		return EXIT_NO_CONN;
	return err ? EXIT_FAILED : 0;
}

/* ---- Formatting ----------------------------------------------------- */

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

static void put_duration(__u64 ns)
{
	if (ns % 1000000000ull == 0)
		printf("%llus", (unsigned long long)(ns / 1000000000ull));
	else if (ns % 1000000ull == 0)
		printf("%llums", (unsigned long long)(ns / 1000000ull));
	else if (ns % 1000ull == 0)
		printf("%lluus", (unsigned long long)(ns / 1000ull));
	else
		printf("%lluns", (unsigned long long)ns);
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

/*
 * Parse a command's options (only --json, and only where json is given)
 * and check that it got min..max arguments; they start at argv[optind].
 */
static int cmd_args(int argc, char **argv, int min, int max, bool *json,
		    const char *synopsis)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c, n;

	optind = 0; /* reset getopt for the command's own options */
	while ((c = getopt_long(argc, argv, "", json ? opts : opts + 1,
				NULL)) != -1) {
		if (c != 'j')
			return usage_error("%s: unknown option '%s'", argv[0],
					   argv[optind - 1]);
		*json = true;
	}
	n = argc - optind;
	if (n < min)
		return usage_error("%s: missing argument (usage: extfusectl %s)",
				   argv[0], synopsis);
	if (n > max)
		return usage_error("%s: too many arguments (usage: extfusectl %s)",
				   argv[0], synopsis);
	return 0;
}

/* ---- stats ---------------------------------------------------------- */

#define STAT_FIELDS(X)                                                      \
	X(hits) X(misses) X(expired) X(stale) X(perm_refused) X(errors)     \
	X(invalidations) X(forget_kept)

static void add_stats(struct extfuse_stats *t, const struct extfuse_stats *s)
{
#define ADD(f) t->f += s->f;
	STAT_FIELDS(ADD)
#undef ADD
}

static void json_stats(const struct extfuse_stats *s)
{
	const char *sep = "";

	printf("{");
#define JSON(f)                                                      \
	printf("%s\"" #f "\": %llu", sep, (unsigned long long)s->f); \
	sep = ", ";
	STAT_FIELDS(JSON)
#undef JSON
	printf("}");
}

/*
 * The module's counters of the FUSE connection named conn (connections
 * are named by their number): 0, -ENOENT when it is not attached, or
 * -ENODEV without the module.
 */
static int module_counters(const char *conn, struct extfuse_conn_info *info)
{
	unsigned long id;
	char *end;
	__u32 i;

	if (!extfuse_module_loaded())
		return -ENODEV;
	errno = 0;
	id = strtoul(conn, &end, 10);
	if (errno || *end || end == conn)
		return -ENOENT;
	for (i = 0; extfuse_query(i, info) == 0; i++)
		if (info->conn_id == id)
			return 0;
	return -ENOENT;
}

#define MODULE_FIELDS(X) \
	X(seen) X(answered) X(forwarded) X(refused) X(forget_adjusted) \
	X(forget_dropped)

static void print_module(const char *conn, bool json)
{
	struct extfuse_conn_info info;
	int err = module_counters(conn, &info);
	const char *sep = "";

	if (json) {
		if (err) {
			printf("null");
			return;
		}
		printf("{");
#define JSON(f)                                                            \
	printf("%s\"" #f "\": %llu", sep, (unsigned long long)info.f); \
	sep = ", ";
		MODULE_FIELDS(JSON)
#undef JSON
		printf("}");
		return;
	}
	if (err == -ENODEV) {
		printf("module: not loaded\n");
		return;
	}
	if (err) {
		printf("module: connection not attached\n");
		return;
	}
	printf("module:");
#define TEXT(f) printf(" " #f " %llu", (unsigned long long)info.f);
	MODULE_FIELDS(TEXT)
#undef TEXT
	printf("\n");
}

static void print_json(const char *conn,
		       const struct extfuse_stats st[EXTFUSE_SOP_COUNT],
		       const struct extfuse_stats *total)
{
	int op;

	/* connection names are [A-Za-z0-9._-]: no escaping needed */
	printf("{\n  \"connection\": \"%s\",\n  \"ops\": {\n", conn);
	for (op = 0; op < EXTFUSE_SOP_COUNT; op++) {
		printf("    \"%s\": ", op_names[op]);
		json_stats(&st[op]);
		printf("%s\n", op < EXTFUSE_SOP_COUNT - 1 ? "," : "");
	}
	printf("  },\n  \"total\": ");
	json_stats(total);
	printf(",\n  \"module\": ");
	print_module(conn, true);
	printf("\n}\n");
}

static void table_row(const char *name, const struct extfuse_stats *s)
{
	printf("%-12s", name);
#define COL(f) printf(" %*llu", (int)sizeof(#f) > 8 ? (int)sizeof(#f) - 1 : 8, \
		      (unsigned long long)s->f);
	STAT_FIELDS(COL)
#undef COL
	printf("\n");
}

static void print_table(const char *conn,
			const struct extfuse_stats st[EXTFUSE_SOP_COUNT],
			const struct extfuse_stats *total)
{
	int op;

	printf("connection %s\n%-12s", conn, "op");
#define HDR(f) printf(" %*s", (int)sizeof(#f) > 8 ? (int)sizeof(#f) - 1 : 8, #f);
	STAT_FIELDS(HDR)
#undef HDR
	printf("\n");
	for (op = 0; op < EXTFUSE_SOP_COUNT; op++)
		table_row(op_names[op], &st[op]);
	table_row("total", total);
	print_module(conn, false);
}

static int cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	struct extfuse_stats st[EXTFUSE_SOP_COUNT], total = { 0 };
	bool json = false;
	struct extfuse *ef;
	int op, code;

	code = cmd_args(argc, argv, 0, 1, &json, "stats [--json] [CONN]");
	if (code)
		return code;
	code = open_conn(ctl, optind < argc ? argv[optind] : NULL, &ef);
	if (code)
		return code;
	code = extfuse_read_stats(ef, st) ? EXIT_FAILED : EXIT_OK;
	if (!code) {
		for (op = 0; op < EXTFUSE_SOP_COUNT; op++)
			add_stats(&total, &st[op]);
		if (json)
			print_json(extfuse_conn_id(ef), st, &total);
		else
			print_table(extfuse_conn_id(ef), st, &total);
	}
	extfuse_close(ef);
	return code;
}

/* ---- dump ----------------------------------------------------------- */

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

static void dump_records(const struct extfuse_chunk_val *c, __u32 kind)
{
	size_t pos = 0, skip = 0;
	const struct fuse_dirent *e;
	char name[EXTFUSE_NAME_BUF];

	if (kind == EXTFUSE_DIR_PLUS)
		skip = offsetof(struct fuse_direntplus, dirent);
	while (pos + skip + FUSE_NAME_OFFSET <= c->len) {
		e = (const void *)(c->buf + pos + skip);
		if (pos + skip + FUSE_NAME_OFFSET + e->namelen > c->len ||
		    e->namelen > EXTFUSE_NAME_MAX) {
			printf("      (malformed record at byte %zu)\n", pos);
			return;
		}
		memcpy(name, e->name, e->namelen);
		name[e->namelen] = '\0';
		printf("      off %llu ino %llu %s ", (unsigned long long)e->off,
		       (unsigned long long)e->ino, type_name(e->type));
		put_name(stdout, name);
		printf("\n");
		pos += FUSE_DIRENT_ALIGN(skip + FUSE_NAME_OFFSET + e->namelen);
	}
}

/* Print the names of a listing by following its chunk chain. */
static void dump_chain(struct dump *d, const struct dir_item *it)
{
	struct extfuse_chunk_key key = { .dir = it->k.dir, .kind = it->k.kind };
	int fd = extfuse_map_fd(d->ef, EXTFUSE_MAP_CHUNKS);
	struct extfuse_chunk_val *c = malloc(sizeof(*c));
	__u32 n;

	if (!c)
		return;
	for (n = 0; n <= it->v.nchunks; n++) {
		if (bpf_map_lookup_elem(fd, &key, c) ||
		    c->listing_id != it->v.listing_id) {
			printf("      (chain broken at offset %llu)\n",
			       (unsigned long long)key.offset);
			break;
		}
		dump_records(c, it->k.kind);
		if ((c->flags & EXTFUSE_CHUNK_EOF) ||
		    c->next_offset <= key.offset)
			break;
		key.offset = c->next_offset;
	}
	free(c);
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
		dump_chain(d, it);
	}
}

static int dump_served(struct dump *d)
{
	int fd = extfuse_map_fd(d->ef, EXTFUSE_MAP_SERVED);
	__u64 key, next, count;
	bool have = false;
	size_t n = 0;

	d->n = 0;
	while (!bpf_map_get_next_key(fd, have ? &key : NULL, &next)) {
		key = next;
		have = true;
		if (!bpf_map_lookup_elem(fd, &key, &count) &&
		    collect(d, &key, sizeof(key), &count, sizeof(count)))
			return -ENOMEM;
		if (++n > (1u << 24))
			break;
	}
	qsort(d->items, d->n, d->size, cmp_attr);
	printf("served: %zu\n", d->n);
	for (n = 0; n < d->n; n++) {
		__u64 *p = (__u64 *)((unsigned char *)d->items + n * d->size);

		printf("  node %llu: %llu\n", (unsigned long long)p[0],
		       (unsigned long long)p[1]);
	}
	return 0;
}

static void print_config(const char *conn, const struct extfuse_config *c)
{
	printf("connection %s\n", conn);
	printf("enabled        %s\n",
	       c->flags & EXTFUSE_CFG_ENABLED ? "on" : "off");
	printf("negative       %s\n",
	       c->flags & EXTFUSE_CFG_NEGATIVE ? "on" : "off");
	printf("dirs           %s\n", c->flags & EXTFUSE_CFG_DIRS ? "on" : "off");
	printf("entry_timeout  ");
	put_duration(c->entry_timeout_ns);
	printf("\nattr_timeout   ");
	put_duration(c->attr_timeout_ns);
	printf("\nepoch          %llu\n", (unsigned long long)c->epoch);
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

static int cmd_dump(struct ctl *ctl, int argc, char **argv)
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

/* ---- flush, config -------------------------------------------------- */

static int cmd_flush(struct ctl *ctl, int argc, char **argv)
{
	struct extfuse *ef;
	int code;

	code = cmd_args(argc, argv, 0, 1, NULL, "flush [CONN]");
	if (code)
		return code;
	code = open_conn(ctl, optind < argc ? argv[optind] : NULL, &ef);
	if (code)
		return code;
	code = extfuse_flush(ef) ? EXIT_FAILED : EXIT_OK;
	if (!code)
		printf("flushed %s\n", extfuse_conn_id(ef));
	extfuse_close(ef);
	return code;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

/* "1.5s", "250ms", "10us", "100ns"; a bare number is seconds. */
static int parse_duration(const char *s, __u64 *ns)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 },
		      { "us", 1e3 }, { "ns", 1 } };
	char *end;
	double v;
	size_t i;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		v *= units[i].mult;
		if (v > 1e18)
			return -ERANGE;
		*ns = (__u64)(v + 0.5);
		return 0;
	}
	return -EINVAL;
}

static int set_flag(struct extfuse_config *c, __u32 flag, const char *key,
		    const char *val)
{
	bool on;

	if (parse_bool(val, &on))
		return usage_error("config: %s: '%s' is not on/off", key, val);
	c->flags = on ? (c->flags | flag) : (c->flags & ~flag);
	return 0;
}

static int set_timeout(__u64 *field, const char *key, const char *val)
{
	int err = parse_duration(val, field);

	if (err == -ERANGE)
		return usage_error("config: %s: '%s' is too large", key, val);
	if (err)
		return usage_error("config: %s: '%s' is not a duration (e.g. 1s, 250ms)",
				   key, val);
	return 0;
}

static int apply_setting(struct extfuse_config *c, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[32];
	size_t len;

	len = eq ? (size_t)(eq - kv) : 0;
	if (!eq || !len || len >= sizeof(key))
		return usage_error("config: '%s' is not KEY=VALUE", kv);
	memcpy(key, kv, len);
	key[len] = '\0';
	if (!strcmp(key, "enabled"))
		return set_flag(c, EXTFUSE_CFG_ENABLED, key, eq + 1);
	if (!strcmp(key, "negative"))
		return set_flag(c, EXTFUSE_CFG_NEGATIVE, key, eq + 1);
	if (!strcmp(key, "dirs"))
		return set_flag(c, EXTFUSE_CFG_DIRS, key, eq + 1);
	if (!strcmp(key, "entry_timeout"))
		return set_timeout(&c->entry_timeout_ns, key, eq + 1);
	if (!strcmp(key, "attr_timeout"))
		return set_timeout(&c->attr_timeout_ns, key, eq + 1);
	return usage_error("config: unknown key '%s' (enabled, negative, dirs, entry_timeout, attr_timeout)",
			   key);
}

static int cmd_config(struct ctl *ctl, int argc, char **argv)
{
	const char *conn = NULL;
	struct extfuse_config cfg;
	struct extfuse *ef;
	int i, code;

	code = cmd_args(argc, argv, 0, argc, NULL,
			"config [CONN] [KEY=VALUE...]");
	if (code)
		return code;
	i = optind;
	if (i < argc && !strchr(argv[i], '='))
		conn = argv[i++];
	code = open_conn(ctl, conn, &ef);
	if (code)
		return code;
	code = extfuse_get_config(ef, &cfg) ? EXIT_FAILED : EXIT_OK;
	if (!code && i == argc)
		goto show;
	for (; !code && i < argc; i++)
		code = apply_setting(&cfg, argv[i]);
	if (!code)
		code = extfuse_set_config(ef, &cfg) ? EXIT_FAILED : EXIT_OK;
show:
	if (!code && !extfuse_get_config(ef, &cfg))
		print_config(extfuse_conn_id(ef), &cfg);
	extfuse_close(ef);
	return code;
}

/* ---- status, attach, detach ----------------------------------------- */

static int count_cb(const void *k, const void *v, void *arg)
{
	(void)k;
	(void)v;
	(*(size_t *)arg)++;
	return 0;
}

static int entry_count(const struct extfuse_entry_key *k,
		       const struct extfuse_entry_val *v, void *arg)
{
	return count_cb(k, v, arg);
}

static int attr_count(__u64 n, const struct extfuse_attr_val *v, void *arg)
{
	return count_cb(&n, v, arg);
}

static int dir_count(const struct extfuse_dir_key *k,
		     const struct extfuse_dir_val *v, void *arg)
{
	return count_cb(k, v, arg);
}

static int status_conn(const struct ctl *ctl, const char *name)
{
	size_t entries = 0, attrs = 0, dirs = 0;
	struct extfuse_config cfg;
	struct extfuse *ef;
	int err;

	err = extfuse_open(name, ctl->pin_root, &ef);
	if (err) {
		printf("  %s: cannot open (%s)\n", name, strerror(-err));
		return EXIT_FAILED;
	}
	err = extfuse_get_config(ef, &cfg);
	if (!err)
		err = extfuse_foreach_entry(ef, entry_count, &entries);
	if (!err)
		err = extfuse_foreach_attr(ef, attr_count, &attrs);
	if (!err)
		err = extfuse_foreach_dir(ef, dir_count, &dirs);
	if (!err)
		printf("  %s: %s, program %s, %zu entries, %zu attrs, %zu listings\n",
		       name, cfg.flags & EXTFUSE_CFG_ENABLED ? "enabled" :
							      "disabled",
		       extfuse_prog_fd(ef) >= 0 ? "pinned" : "not pinned",
		       entries, attrs, dirs);
	else
		printf("  %s: cannot read (%s)\n", name, strerror(-err));
	extfuse_close(ef);
	return err ? EXIT_FAILED : EXIT_OK;
}

static int status_module(void)
{
	struct extfuse_conn_info info;
	__u32 i;
	int err;

	if (!extfuse_module_loaded()) {
		printf("module: not loaded (%s missing)\n", EXTFUSE_DEVICE);
		return EXIT_NO_MODULE;
	}
	printf("module: loaded\nattached connections:\n");
	for (i = 0;; i++) {
		err = extfuse_query(i, &info);
		if (err)
			break;
		printf("  conn %u: prog id %u, seen %llu, answered %llu, forwarded %llu, refused %llu, forget adjusted %llu, dropped %llu\n",
		       info.conn_id, info.prog_id,
		       (unsigned long long)info.seen,
		       (unsigned long long)info.answered,
		       (unsigned long long)info.forwarded,
		       (unsigned long long)info.refused,
		       (unsigned long long)info.forget_adjusted,
		       (unsigned long long)info.forget_dropped);
	}
	if (i == 0)
		printf("  none\n");
	return err == -ENOENT ? EXIT_OK : lib_code(err);
}

static int cmd_status(struct ctl *ctl, int argc, char **argv)
{
	int mod, code;
	struct names nm;
	size_t i;

	code = cmd_args(argc, argv, 0, 0, NULL, "status");
	if (code)
		return code;
	mod = status_module();
	printf("pin root: %s\npinned connections: ", ctl->pin_root);
	if (list_conns(ctl, &nm))
		return EXIT_FAILED;
	printf("%zu\n", nm.n);
	for (i = 0; i < nm.n; i++)
		if (status_conn(ctl, nm.v[i]))
			code = EXIT_FAILED;
	names_free(&nm);
	return code ? code : mod;
}

static int open_mountpoint(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return fail(EXIT_FAILED, "cannot open mount point %s: %s", path,
			    strerror(errno));
	return 0;
}

/* Module first: without it nothing below can work. */
static int check_fuse_mount(int fd, const char *path)
{
	struct statfs sfs;

	if (!extfuse_module_loaded())
		return fail(EXIT_NO_MODULE,
			    "extfuse kernel module not loaded (%s missing)",
			    EXTFUSE_DEVICE);
	if (fstatfs(fd, &sfs))
		return fail(EXIT_FAILED, "%s: %s", path, strerror(errno));
	if ((unsigned long)sfs.f_type != FUSE_SUPER_MAGIC)
		return fail(EXIT_FAILED, "%s is not a FUSE mount", path);
	return 0;
}

static int cmd_attach(struct ctl *ctl, int argc, char **argv)
{
	struct extfuse *ef;
	int fd, code, err;
	__u32 id = 0;

	code = cmd_args(argc, argv, 2, 2, NULL, "attach CONN MOUNTPOINT");
	if (code)
		return code;
	argv += optind;
	code = open_conn(ctl, argv[0], &ef);
	if (code)
		return code;
	code = open_mountpoint(argv[1], &fd);
	if (code) {
		extfuse_close(ef);
		return code;
	}
	code = check_fuse_mount(fd, argv[1]);
	if (!code) {
		err = extfuse_attach(ef, fd, &id);
		code = err ? lib_code(err) : EXIT_OK;
	}
	if (!code)
		printf("attached %s to %s (FUSE connection %u)\n",
		       extfuse_conn_id(ef), argv[1], id);
	close(fd);
	extfuse_close(ef);
	return code;
}

static int cmd_detach(struct ctl *ctl, int argc, char **argv)
{
	int fd, code, err;

	(void)ctl;
	code = cmd_args(argc, argv, 1, 1, NULL, "detach MOUNTPOINT");
	if (code)
		return code;
	argv += optind;
	code = open_mountpoint(argv[0], &fd);
	if (code)
		return code;
	code = check_fuse_mount(fd, argv[0]);
	if (!code) {
		err = extfuse_detach(fd);
		code = err ? lib_code(err) : EXIT_OK;
	}
	if (!code)
		printf("detached %s\n", argv[0]);
	close(fd);
	return code;
}

/* ---- main ----------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(struct ctl *ctl, int argc, char **argv);
} commands[] = {
	{ "status", cmd_status }, { "stats", cmd_stats },
	{ "dump", cmd_dump },	  { "flush", cmd_flush },
	{ "config", cmd_config }, { "attach", cmd_attach },
	{ "detach", cmd_detach },
};

static int parse_global(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin-root", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!*optarg)
				return usage_error("--pin-root: empty directory");
			ctl->pin_root = optarg;
			break;
		case 'v':
			ctl->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case 'V':
			printf("extfusectl %s (ExtFUSE ABI %d)\n",
			       PACKAGE_VERSION, EXTFUSE_ABI_VERSION);
			return -1;
		case ':':
			return usage_error("option %s needs an argument",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl ctl = { .pin_root = EXTFUSE_PIN_ROOT };
	size_t i;
	int code;

	code = parse_global(&ctl, argc, argv);
	if (code)
		return code < 0 ? EXIT_OK : code;
	if (optind >= argc)
		return usage_error("no command given");
	extfuse_set_log(log_cb, &ctl);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		argv += optind;
		argc -= optind;
		return commands[i].fn(&ctl, argc, argv);
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
