// SPDX-License-Identifier: GPL-2.0
/* Messages of libextfuse and of libbpf, routed to one callback. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "internal.h"

#define EF_MSG_MAX 1024

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static extfuse_log_fn log_fn;
static void *log_arg;

static void deliver(enum extfuse_log_level level, const char *msg)
{
	extfuse_log_fn fn;
	void *arg;

	pthread_mutex_lock(&log_lock);
	fn = log_fn;
	arg = log_arg;
	pthread_mutex_unlock(&log_lock);
	if (fn)
		fn(level, msg, arg);
	else if (level <= EXTFUSE_LOG_WARN)
		fprintf(stderr, "libextfuse: %s\n", msg);
}

static void vlog(enum extfuse_log_level level, const char *fmt, va_list ap)
{
	char msg[EF_MSG_MAX];
	size_t len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	deliver(level, msg);
}

void ef_log(enum extfuse_log_level level, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
	errno = saved;
}

int ef_err(int err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(EXTFUSE_LOG_ERROR, fmt, ap);
	va_end(ap);
	errno = saved;
	return err;
}

int ef_debug_err(int err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(EXTFUSE_LOG_DEBUG, fmt, ap);
	va_end(ap);
	errno = saved;
	return err;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum extfuse_log_level ours;

	switch (level) {
	case LIBBPF_WARN:
		ours = EXTFUSE_LOG_WARN;
		break;
	case LIBBPF_INFO:
		ours = EXTFUSE_LOG_INFO;
		break;
	default:
		ours = EXTFUSE_LOG_DEBUG;
		break;
	}
	vlog(ours, fmt, ap);
	return 0;
}

static pthread_once_t hook_once = PTHREAD_ONCE_INIT;

static void hook(void)
{
	libbpf_set_print(libbpf_print);
}

/* libbpf's printer is global: take it when we first need libbpf. */
void ef_hook_libbpf(void)
{
	pthread_once(&hook_once, hook);
}

extfuse_log_fn extfuse_set_log(extfuse_log_fn fn, void *arg)
{
	extfuse_log_fn old;

	pthread_mutex_lock(&log_lock);
	old = log_fn;
	log_fn = fn;
	log_arg = fn ? arg : NULL;
	pthread_mutex_unlock(&log_lock);
	ef_hook_libbpf();
	return old;
}
