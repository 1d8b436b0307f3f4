// SPDX-License-Identifier: GPL-2.0
/*
 * extfusectl: inspect and control ExtFUSE connections.  This file reads
 * the global options and hands over to a command; each command has its
 * own file.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "extfusectl.h"

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

/* ---- Messages, arguments -------------------------------------------- */

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("extfusectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'extfusectl --help'.\n", stderr);
	return EXIT_USAGE;
}

int fail(int code, const char *fmt, ...)
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
int lib_code(int err)
{
	if (err == -ENODEV)
		return EXIT_NO_MODULE;
	return EXIT_FAILED;
}

/*
 * Parse a command's options (only --json, and only where json is given)
 * and check that it got min..max arguments; they start at argv[optind].
 */
int cmd_args(int argc, char **argv, int min, int max, bool *json,
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

/* ---- Connections ---------------------------------------------------- */

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

