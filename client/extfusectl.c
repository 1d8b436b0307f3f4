// SPDX-License-Identifier: GPL-2.0
/*
 * extfusectl: inspect and control ExtFUSE connections.  This file reads
 * the global options and hands over to a command; each command has its
 * own file, and what they share is in extfusectl-args.c and
 * extfusectl-conns.c.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
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
	"                             enabled, negative, dirs, absent_selinux,\n"
	"                             absent_capability (on/off),\n"
	"                             entry_timeout, attr_timeout (e.g. 1s, 250ms,\n"
	"                             expiry)\n"
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

static void log_cb(enum extfuse_log_level level, const char *msg, void *arg)
{
	const struct ctl *ctl = arg;

	if (level <= EXTFUSE_LOG_WARN || ctl->verbose)
		fprintf(stderr, "extfusectl: %s\n", msg);
}

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

