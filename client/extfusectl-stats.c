// SPDX-License-Identifier: GPL-2.0
/* extfusectl stats: the extension's per-operation counters, the module's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "extfusectl.h"

static const char *const op_names[EXTFUSE_SOP_COUNT] = {
	[EXTFUSE_SOP_LOOKUP] = "lookup",
	[EXTFUSE_SOP_GETATTR] = "getattr",
	[EXTFUSE_SOP_READDIR] = "readdir",
	[EXTFUSE_SOP_READDIRPLUS] = "readdirplus",
	[EXTFUSE_SOP_OPENDIR] = "opendir",
	[EXTFUSE_SOP_GETXATTR] = "getxattr",
	[EXTFUSE_SOP_MODIFY] = "modify",
	[EXTFUSE_SOP_FORGET] = "forget",
	[EXTFUSE_SOP_OTHER] = "other",
};

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

int cmd_stats(struct ctl *ctl, int argc, char **argv)
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

