// SPDX-License-Identifier: GPL-2.0
/*
 * Costs of the extension and of libextfuse with 10^5 entries in the maps:
 *  - one extension run per opcode, hit and miss, through BPF_PROG_TEST_RUN:
 *    wall time per call (syscall included) and the kernel's own run time
 *    (kernel.bpf_stats_enabled);
 *  - one publish and one invalidation through libextfuse.
 * Prints figures; asserts nothing about speed.
 *
 * usage: bench_extension [ENTRIES] [ITERATIONS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "libextfuse.h"

#define SEC_NS 1000000000ull
#define DIR_NODE 2ull
#define FIRST_CHILD 0x10000ull

static int prog_fd;

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * SEC_NS + ts.tv_nsec;
}

static int set_bpf_stats(int on)
{
	int fd = open("/proc/sys/kernel/bpf_stats_enabled", O_WRONLY);
	int ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, on ? "1" : "0", 1) == 1;
	close(fd);
	return ok ? 0 : -EIO;
}

static void prog_stats(__u64 *run_ns, __u64 *runs)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	*run_ns = *runs = 0;
	if (!bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
		*run_ns = info.run_time_ns;
		*runs = info.run_cnt;
	}
}

static void req_init(struct extfuse_req *r, __u32 opcode, __u64 nodeid,
		     const char *name)
{
	extfuse_req_init(r, opcode, nodeid);
	r->size = EXTFUSE_DIRBUF_SIZE;
	if (name) {
		r->namelen = strlen(name);
		memcpy(r->name, name, r->namelen);
	}
}

/* Run one request n times; print wall and kernel time per run. */
static void bench_req(const char *label, struct extfuse_req *tmpl, int n,
		      int want_verdict)
{
	static struct extfuse_req r;
	__u64 k0, c0, k1, c1, t0, t1;
	int bad = 0;

	prog_stats(&k0, &c0);
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &r,
			    .ctx_size_in = sizeof(r));

		r = *tmpl;
		r.now_ns = now_ns();
		if (bpf_prog_test_run_opts(prog_fd, &opts) ||
		    r.verdict != want_verdict)
			bad++;
	}
	t1 = now_ns();
	prog_stats(&k1, &c1);
	printf("%-28s %9.3f us/call  %9.3f us/run in kernel%s\n", label,
	       (t1 - t0) / 1000.0 / n,
	       c1 > c0 ? (k1 - k0) / 1000.0 / (c1 - c0) : 0.0,
	       bad ? "  (UNEXPECTED VERDICTS)" : "");
}

static int publish_all(struct extfuse *ef, int entries, __u64 expiry)
{
	struct extfuse_stamp st;
	struct fuse_attr a = { .mode = S_IFDIR | 0755, .nlink = 2 };
	char name[32];
	int err;

	err = extfuse_stamp(ef, DIR_NODE, &st);
	if (!err)
		err = extfuse_publish_attr(ef, DIR_NODE, &a, 0, expiry, &st);
	for (int i = 0; !err && i < entries; i++) {
		__u64 node = FIRST_CHILD + i;

		a.ino = node;
		a.mode = S_IFREG | 0644;
		a.nlink = 1;
		a.size = i;
		snprintf(name, sizeof(name), "file-%06d", i);
		err = extfuse_publish_attr(ef, node, &a, 0, expiry, &st);
		if (!err)
			err = extfuse_publish_entry(ef, DIR_NODE, name, node,
						    1, expiry, &st);
	}
	return err;
}

static void bench_lib(struct extfuse *ef, int entries, int n)
{
	struct fuse_attr a = { .mode = S_IFREG | 0644, .nlink = 1 };
	struct extfuse_dirent ents[64];
	__u64 expiry = now_ns() + 3600 * SEC_NS, t0, t1;
	struct extfuse_stamp st;
	char names[64][16];

	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		__u64 node = FIRST_CHILD + (i % entries);

		extfuse_stamp(ef, node, &st);
		a.ino = node;
		extfuse_publish_attr(ef, node, &a, 0, expiry, &st);
	}
	t1 = now_ns();
	printf("%-28s %9.3f us/call\n", "stamp + publish_attr",
	       (t1 - t0) / 1000.0 / n);

	extfuse_stamp(ef, DIR_NODE, &st);
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "file-%06d", i % entries);
		extfuse_publish_entry(ef, DIR_NODE, name,
				      FIRST_CHILD + (i % entries), 1, expiry,
				      &st);
	}
	t1 = now_ns();
	printf("%-28s %9.3f us/call\n", "publish_entry",
	       (t1 - t0) / 1000.0 / n);

	for (int i = 0; i < 64; i++) {
		snprintf(names[i], sizeof(names[i]), "f%02d", i);
		ents[i] = (struct extfuse_dirent){ .name = names[i],
						   .ino = 100 + i,
						   .off = i + 1,
						   .type = 8 };
	}
	t0 = now_ns();
	for (int i = 0; i < n / 10; i++) {
		extfuse_stamp(ef, DIR_NODE + 1, &st);
		extfuse_publish_dir(ef, DIR_NODE + 1, ents, 64, expiry, &st);
	}
	t1 = now_ns();
	printf("%-28s %9.3f us/call\n", "publish_dir (64 names)",
	       (t1 - t0) / 1000.0 / (n / 10));

	t0 = now_ns();
	for (int i = 0; i < n; i++)
		extfuse_invalidate_node(ef, FIRST_CHILD + (i % entries));
	t1 = now_ns();
	printf("%-28s %9.3f us/call\n", "invalidate_node",
	       (t1 - t0) / 1000.0 / n);

	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "file-%06d", i % entries);
		extfuse_invalidate_entry(ef, DIR_NODE, name);
	}
	t1 = now_ns();
	printf("%-28s %9.3f us/call\n", "invalidate_entry",
	       (t1 - t0) / 1000.0 / n);
}

int main(int argc, char **argv)
{
	int entries = argc > 1 ? atoi(argv[1]) : 100000;
	int n = argc > 2 ? atoi(argv[2]) : 200000;
	struct extfuse_opts opts = { .sz = sizeof(opts) };
	char root[] = "/sys/fs/bpf/extfuse-bench-XXXXXX";
	struct extfuse_req r;
	struct extfuse *ef;
	int err;

	if (entries < 1 || n < 10) {
		fprintf(stderr, "usage: %s [ENTRIES>=1] [ITERATIONS>=10]\n",
			argv[0]);
		return 2;
	}
	if (!mkdtemp(root)) {
		perror("bench_extension: mkdtemp under /sys/fs/bpf");
		return 1;
	}
	opts.pin_root = root;
	opts.max_entries = entries + 1024;
	err = extfuse_create("bench", &opts, &ef);
	if (err) {
		fprintf(stderr, "bench_extension: extfuse_create: %s\n",
			strerror(-err));
		rmdir(root);
		return 1;
	}
	prog_fd = extfuse_prog_fd(ef);
	err = publish_all(ef, entries, now_ns() + 3600 * SEC_NS);
	if (err)
		fprintf(stderr, "bench_extension: publishing: %s\n",
			strerror(-err));
	printf("maps hold %d entries and %d attributes; %d runs each\n",
	       entries, entries + 1, n);
	if (set_bpf_stats(1))
		printf("(kernel run time unavailable: cannot enable bpf_stats)\n");

	req_init(&r, FUSE_GETATTR, FIRST_CHILD + entries / 2, NULL);
	bench_req("GETATTR hit", &r, n, EXTFUSE_VERDICT_ANSWER);
	req_init(&r, FUSE_GETATTR, FIRST_CHILD + entries + 5, NULL);
	bench_req("GETATTR miss", &r, n, EXTFUSE_VERDICT_PASS);
	{
		char name[32];

		snprintf(name, sizeof(name), "file-%06d", entries / 2);
		req_init(&r, FUSE_LOOKUP, DIR_NODE, name);
	}
	bench_req("LOOKUP hit", &r, n, EXTFUSE_VERDICT_ANSWER);
	req_init(&r, FUSE_LOOKUP, DIR_NODE, "no-such-name");
	bench_req("LOOKUP miss", &r, n, EXTFUSE_VERDICT_PASS);
	{
		struct extfuse_dirent ents[40];
		struct extfuse_stamp st;
		char names[40][16];

		for (int i = 0; i < 40; i++) {
			snprintf(names[i], sizeof(names[i]), "entry%02d", i);
			ents[i] = (struct extfuse_dirent){
				.name = names[i], .ino = 50 + i,
				.off = i + 1, .type = 8 };
		}
		extfuse_stamp(ef, DIR_NODE, &st);
		extfuse_publish_dir(ef, DIR_NODE, ents, 40,
				    now_ns() + 3600 * SEC_NS, &st);
	}
	req_init(&r, FUSE_READDIR, DIR_NODE, NULL);
	bench_req("READDIR hit (40 names)", &r, n, EXTFUSE_VERDICT_ANSWER);
	req_init(&r, FUSE_READDIRPLUS, DIR_NODE, NULL);
	bench_req("READDIRPLUS hit (40 names)", &r, n, EXTFUSE_VERDICT_ANSWER);
	req_init(&r, FUSE_READDIR, DIR_NODE + 7, NULL);
	bench_req("READDIR miss", &r, n, EXTFUSE_VERDICT_PASS);
	req_init(&r, FUSE_FORGET, FIRST_CHILD + entries / 2, NULL);
	r.nlookup = 1;
	bench_req("FORGET", &r, n, EXTFUSE_VERDICT_PASS);
	req_init(&r, FUSE_SETATTR, FIRST_CHILD + 1, NULL);
	bench_req("SETATTR (invalidates)", &r, n, EXTFUSE_VERDICT_PASS);
	set_bpf_stats(0);

	bench_lib(ef, entries, n / 4);

	extfuse_close(ef);
	extfuse_remove("bench", root);
	rmdir(root);
	return 0;
}
