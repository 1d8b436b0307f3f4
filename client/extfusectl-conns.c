// SPDX-License-Identifier: GPL-2.0
/* extfusectl: the connections pinned under the pin root, and opening one. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "extfusectl.h"

void names_free(struct names *nm)
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
int list_conns(const struct ctl *ctl, struct names *nm)
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

int open_conn(const struct ctl *ctl, const char *arg, struct extfuse **ef)
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
