// SPDX-License-Identifier: GPL-2.0
/*
 * vmtool: small helpers for the guest tests of extfuse.ko.
 *
 *   vmtool query                      one line per attached connection
 *   vmtool sync                       EXTFUSE_IOC_SYNC
 *   vmtool attach-bad CONN-PATH KIND  an attach that must fail; prints errno
 *        KIND: magic, flags, size, notfuse, socketfilter, notsleepable, noprobe
 *   vmtool statfiles DIR N [force]    statx DIR/f0..f(N-1); ns per call
 *   vmtool fstatloop PATH N           statx(fd, AT_STATX_FORCE_SYNC) N times
 *   vmtool statloop PATH N            statx(PATH) N times; ns per call
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "libextfuse.h"

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int query(void)
{
	struct extfuse_conn_info ci;

	for (__u32 i = 0;; i++) {
		if (extfuse_query(i, &ci))
			break;
		printf("conn %u prog %u seen %llu answered %llu forwarded %llu refused %llu forget_adjusted %llu forget_dropped %llu\n",
		       ci.conn_id, ci.prog_id, (unsigned long long)ci.seen,
		       (unsigned long long)ci.answered,
		       (unsigned long long)ci.forwarded,
		       (unsigned long long)ci.refused,
		       (unsigned long long)ci.forget_adjusted,
		       (unsigned long long)ci.forget_dropped);
	}
	return 0;
}

/* A two-instruction program "return 0" of type, sleepable or not. */
static int tiny_prog(enum bpf_prog_type type, bool sleepable)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .prog_flags = sleepable ? BPF_F_SLEEPABLE : 0);

	return bpf_prog_load(type, "vmtool_tiny", "GPL", insns, 2, &o);
}

static int attach_bad(const char *path, const char *kind)
{
	struct extfuse_attach a = {
		.magic = EXTFUSE_MAGIC,
		.abi_version = EXTFUSE_ABI_VERSION,
		.size = sizeof(a),
	};
	int dev, err;

	a.conn_fd = open(!strcmp(kind, "notfuse") ? "/" : path, O_RDONLY);
	a.prog_fd = tiny_prog(BPF_PROG_TYPE_SYSCALL, true);
	if (!strcmp(kind, "magic"))
		a.magic ^= 1;
	else if (!strcmp(kind, "flags"))
		a.flags = 1;
	else if (!strcmp(kind, "size"))
		a.size = 8;
	else if (!strcmp(kind, "socketfilter"))
		a.prog_fd = tiny_prog(BPF_PROG_TYPE_SOCKET_FILTER, false);
	else if (!strcmp(kind, "notsleepable"))
		a.prog_fd = tiny_prog(BPF_PROG_TYPE_SYSCALL, false);
	else if (strcmp(kind, "noprobe") && strcmp(kind, "notfuse"))
		return fprintf(stderr, "unknown kind %s\n", kind), 2;
	if (a.prog_fd < 0 && !strcmp(kind, "notsleepable")) {
		/* Kernels that only load sleepable SYSCALL programs. */
		printf("NOLOAD\n");
		return 0;
	}
	if (a.conn_fd < 0 || a.prog_fd < 0)
		return perror("set-up"), 1;
	dev = open(EXTFUSE_DEVICE, O_RDWR);
	if (dev < 0)
		return perror(EXTFUSE_DEVICE), 1;
	err = ioctl(dev, EXTFUSE_IOC_ATTACH, &a) ? errno : 0;
	printf("%s\n", err ? strerrorname_np(err) : "OK");
	return 0;
}

static int statfiles(const char *dir, long n, bool force)
{
	int flags = force ? AT_STATX_FORCE_SYNC : AT_STATX_SYNC_AS_STAT;
	unsigned long long t0, t1;
	struct statx stx;
	char path[4096];
	long bad = 0;

	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		if (statx(AT_FDCWD, path, flags, STATX_BASIC_STATS, &stx))
			bad++;
	}
	t1 = now_ns();
	printf("%.0f ns/stat over %ld files, %ld failed\n",
	       (double)(t1 - t0) / n, n, bad);
	return bad ? 1 : 0;
}

static int statloop(const char *path, long n, bool fd_force)
{
	unsigned long long t0, t1;
	struct statx stx;
	long bad = 0;
	int fd = -1;

	if (fd_force) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return perror(path), 1;
	}
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int r = fd_force ? statx(fd, "", AT_EMPTY_PATH | AT_STATX_FORCE_SYNC,
					 STATX_BASIC_STATS, &stx) :
				   statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx);
		if (r)
			bad++;
	}
	t1 = now_ns();
	printf("%.0f ns/stat over %ld calls, %ld failed\n",
	       (double)(t1 - t0) / n, n, bad);
	if (fd >= 0)
		close(fd);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "query"))
		return query();
	if (argc >= 2 && !strcmp(argv[1], "sync"))
		return extfuse_sync() ? 1 : 0;
	if (argc == 4 && !strcmp(argv[1], "attach-bad"))
		return attach_bad(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "statfiles"))
		return statfiles(argv[2], atol(argv[3]),
				 argc > 4 && !strcmp(argv[4], "force"));
	if (argc == 4 && !strcmp(argv[1], "statloop"))
		return statloop(argv[2], atol(argv[3]), false);
	if (argc == 4 && !strcmp(argv[1], "fstatloop"))
		return statloop(argv[2], atol(argv[3]), true);
	fprintf(stderr, "usage: see the comment at the top of vmtool.c\n");
	return 2;
}
