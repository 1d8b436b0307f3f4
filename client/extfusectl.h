/* SPDX-License-Identifier: GPL-2.0 */
/* extfusectl: what the command files share with main and each other. */
#ifndef EXTFUSECTL_H
#define EXTFUSECTL_H

#include <stdbool.h>
#include "libextfuse.h"

/* Exit codes: documented in --help and extfusectl(8). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_NO_MODULE = 3,
	EXIT_NO_CONN = 4,
};

struct ctl {
	const char *pin_root;
	bool verbose;
};

/* extfusectl-args.c */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int lib_code(int err);
int cmd_args(int argc, char **argv, int min, int max, bool *json,
	     const char *synopsis);

/* extfusectl-conns.c */
struct names {
	char **v;
	size_t n;
};

void names_free(struct names *nm);
int list_conns(const struct ctl *ctl, struct names *nm);
int open_conn(const struct ctl *ctl, const char *arg, struct extfuse **ef);

/* extfusectl-config.c */
void print_config(const char *conn, const struct extfuse_config *c);

/* The commands, one file each (flush lives with config). */
int cmd_status(struct ctl *ctl, int argc, char **argv);
int cmd_stats(struct ctl *ctl, int argc, char **argv);
int cmd_dump(struct ctl *ctl, int argc, char **argv);
int cmd_flush(struct ctl *ctl, int argc, char **argv);
int cmd_config(struct ctl *ctl, int argc, char **argv);
int cmd_attach(struct ctl *ctl, int argc, char **argv);
int cmd_detach(struct ctl *ctl, int argc, char **argv);

#endif /* EXTFUSECTL_H */
