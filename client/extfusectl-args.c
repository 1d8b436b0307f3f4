// SPDX-License-Identifier: GPL-2.0
/* extfusectl: messages, exit codes, checking a command's arguments. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include "extfusectl.h"

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
