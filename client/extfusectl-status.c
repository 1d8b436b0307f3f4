// SPDX-License-Identifier: GPL-2.0
/* extfusectl status: the module, its attached and the pinned connections. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "extfusectl.h"

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

int cmd_status(struct ctl *ctl, int argc, char **argv)
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

