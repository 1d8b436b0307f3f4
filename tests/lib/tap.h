/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal TAP producer for the C tests. */
#ifndef EXTFUSE_TAP_H
#define EXTFUSE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count, tap_failed;

static inline void tap_plan_unknown(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
}

static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

static inline int tap_is_at(long long got, long long want, const char *file,
			    int line, const char *fmt, ...)
{
	va_list ap;
	int ok = got == want;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok) {
		tap_failed++;
		printf("#   got %lld, want %lld (%s:%d)\n", got, want, file, line);
	}
	return ok;
}

/* tap_is(got, want, format, ...): passes when the integers are equal. */
#define tap_is(got, want, ...)                                              \
	tap_is_at((long long)(got), (long long)(want), __FILE__, __LINE__,   \
		  __VA_ARGS__)

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Skip the whole file (for example: not root, no bpffs). */
static inline void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

static inline void tap_bail(const char *why)
{
	printf("Bail out! %s\n", why);
	exit(1);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif /* EXTFUSE_TAP_H */
