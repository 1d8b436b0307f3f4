// SPDX-License-Identifier: GPL-2.0
/*
 * vmtool: small helpers for the guest tests of extfuse.ko.
 *
 *   vmtool query                      one line per attached connection
 *   vmtool sync                       EXTFUSE_IOC_SYNC
 *   vmtool attach-bad CONN-PATH KIND  an attach that must fail; prints errno
 *        KIND: magic, flags, size, notfuse, socketfilter, notsleepable,
 *        noprobe, otherserved (a program counting in another served map)
 *   vmtool attach-pinned PROG PATH    attach the pinned program PROG to
 *        the connection of PATH with the raw ioctl; prints OK or the errno
 *   vmtool statfiles DIR N [force]    statx DIR/f0..f(N-1); ns per call
 *   vmtool fstatloop PATH N           statx(fd, AT_STATX_FORCE_SYNC) N times
 *   vmtool fcachedloop PATH N         statx(fd) N times (the kernel's cache)
 *   vmtool statloop PATH N            statx(PATH) N times; ns per call
 *   vmtool rawconn MODE MNT           a FUSE connection with no daemon but
 *        this tool, and a program that answers every GETATTR: prints what
 *        a forced stat of MNT gets (OK, an errno name, or BLOCKED).
 *        MODE: noinit (INIT never answered), initerr (INIT failed),
 *        userns (mounted in a user namespace that maps only root, attached
 *        with EXTFUSE_ATTACH_ANY_OWNER; the caller's fsuid is 1000),
 *        foreign (the same mount, attached without that flag)
 *   vmtool dirop OP PATH|FD           one operation on a directory handle:
 *        fsync, ioctl (a command no file system knows), getflags
 *        (FS_IOC_GETFLAGS, which FUSE sends on a handle of its own), or
 *        list (getdents to the end; PATH may be an inherited fd number);
 *        prints OK, the entry count for list, or the errno name
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/fs.h>
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
		printf("conn %u prog %u detached %u seen %llu answered %llu forwarded %llu refused %llu forget_adjusted %llu forget_dropped %llu\n",
		       ci.conn_id, ci.prog_id,
		       !!(ci.flags & EXTFUSE_CONN_DETACHED),
		       (unsigned long long)ci.seen,
		       (unsigned long long)ci.answered,
		       (unsigned long long)ci.forwarded,
		       (unsigned long long)ci.refused,
		       (unsigned long long)ci.forget_adjusted,
		       (unsigned long long)ci.forget_dropped);
	}
	return 0;
}

static int answer_all_prog(int served_fd);

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

static int attach_fd(int conn_fd, int prog_fd, __u32 flags);

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
		a.flags = 1u << 31;
	else if (!strcmp(kind, "size"))
		a.size = 8;
	else if (!strcmp(kind, "socketfilter"))
		a.prog_fd = tiny_prog(BPF_PROG_TYPE_SOCKET_FILTER, false);
	else if (!strcmp(kind, "notsleepable"))
		a.prog_fd = tiny_prog(BPF_PROG_TYPE_SYSCALL, false);
	else if (!strcmp(kind, "otherserved"))
		a.prog_fd = answer_all_prog(bpf_map_create(
			BPF_MAP_TYPE_HASH, EXTFUSE_MAP_SERVED, 8, 8, 16, NULL));
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

static int attach_pinned(const char *pin, const char *path)
{
	int conn = open(path, O_RDONLY | O_CLOEXEC), prog = bpf_obj_get(pin);
	int err;

	if (conn < 0 || prog < 0)
		return perror("set-up"), 1;
	err = attach_fd(conn, prog, 0);
	printf("%s\n", err ? strerrorname_np(-err) : "OK");
	return 0;
}

#define CTX_OFF(field) ((short)offsetof(struct extfuse_req, field))
#define ATTR_OFF(field)                                              \
	((short)(offsetof(struct extfuse_req, out.attr) +            \
		 offsetof(struct fuse_attr_out, attr) +              \
		 offsetof(struct fuse_attr, field)))
#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define STX(sz, d, o, s) INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)

/*
 * A sleepable SYSCALL program that speaks the ABI and answers every
 * GETATTR with a directory: what a careless extension would do.  With
 * served_fd >= 0 it also uses that map (as its served counts).
 */
static int answer_all_prog(int served_fd)
{
	struct bpf_insn insns[] = {
		INSN(BPF_LD | BPF_DW | BPF_IMM, 4, BPF_PSEUDO_MAP_FD, 0, served_fd),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 1, CTX_OFF(opcode), 0),
		/* 32-bit compares: imm is sign-extended in 64-bit ones */
		INSN(BPF_JMP32 | BPF_JNE | BPF_K, 2, 0, 5, (int)EXTFUSE_OP_PROBE),
		MOV_IMM(3, EXTFUSE_MAGIC),
		STX(BPF_W, 1, CTX_OFF(magic), 3),
		MOV_IMM(3, EXTFUSE_ABI_VERSION),
		STX(BPF_H, 1, CTX_OFF(abi_version), 3),
		INSN(BPF_JMP | BPF_JA, 0, 0, 9, 0),
		INSN(BPF_JMP32 | BPF_JNE | BPF_K, 2, 0, 8, FUSE_GETATTR),
		MOV_IMM(3, EXTFUSE_VERDICT_ANSWER),
		STX(BPF_W, 1, CTX_OFF(verdict), 3),
		MOV_IMM(3, sizeof(struct fuse_attr_out)),
		STX(BPF_W, 1, CTX_OFF(out_size), 3),
		MOV_IMM(3, S_IFDIR | 0755),
		STX(BPF_W, 1, ATTR_OFF(mode), 3),
		MOV_IMM(3, 1),
		STX(BPF_DW, 1, ATTR_OFF(ino), 3),
		MOV_IMM(0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_flags = BPF_F_SLEEPABLE);
	int skip = served_fd < 0 ? 2 : 0;

	return bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "vmtool_answer", "GPL",
			     insns + skip,
			     sizeof(insns) / sizeof(insns[0]) - skip, &o);
}

static int attach_fd(int conn_fd, int prog_fd, __u32 flags)
{
	struct extfuse_attach a = {
		.magic = EXTFUSE_MAGIC,
		.abi_version = EXTFUSE_ABI_VERSION,
		.size = sizeof(a),
		.conn_fd = conn_fd,
		.prog_fd = prog_fd,
		.flags = flags,
	};
	int dev = open(EXTFUSE_DEVICE, O_RDWR | O_CLOEXEC), err;

	if (dev < 0)
		return -errno;
	err = ioctl(dev, EXTFUSE_IOC_ATTACH, &a) ? -errno : 0;
	close(dev);
	return err;
}

static int fuse_mount_fd(const char *mnt)
{
	char opts[128];
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("vmtool", mnt, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Answer (or fail, with error) the INIT request waiting on fd. */
static int fuse_answer_init(int fd, int error)
{
	static char buf[1 << 20];
	struct fuse_in_header *in = (void *)buf;
	struct {
		struct fuse_out_header h;
		struct fuse_init_out o;
	} r = { 0 };
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < (ssize_t)sizeof(*in) || in->opcode != FUSE_INIT)
		return -1;
	r.h.unique = in->unique;
	r.h.error = error;
	r.h.len = error ? sizeof(r.h) : sizeof(r);
	r.o.major = FUSE_KERNEL_VERSION;
	r.o.minor = 31;
	r.o.max_write = 4096;
	return write(fd, &r, r.h.len) == (ssize_t)r.h.len ? 0 : -1;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * A chrooted process may not create a user namespace, and the guest runs
 * its tests chrooted into /newroot of PID 1's root (guest-init): that
 * prefix, or "" when not chrooted.
 */
static const char *chroot_prefix(void)
{
	struct stat a, b;

	if (stat("/", &a) || stat("/proc/1/root", &b))
		return "";
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino ? "" : "/newroot";
}

/*
 * A child in a new user namespace that maps only root (to root) and a
 * mount namespace of its own mounts FUSE on mnt and sends back the
 * /dev/fuse fd; it stays until killed.  *mntns: its mount namespace,
 * *prefix: where the caller's tree is in it.
 */
static int userns_mount(const char *mnt, pid_t *pid, int *mntns,
			const char **prefix)
{
	int sv[2], fd;
	char path[PATH_MAX];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	*prefix = chroot_prefix();
	*pid = fork();
	if (*pid == 0) {
		const char *pre = *prefix;
		char p[3][PATH_MAX];

		close(sv[0]);
		if (*pre && (chroot("/proc/1/root") || chdir("/")))
			_exit(1);
		snprintf(p[0], PATH_MAX, "%s/proc/self/setgroups", pre);
		snprintf(p[1], PATH_MAX, "%s/proc/self/uid_map", pre);
		snprintf(p[2], PATH_MAX, "%s/proc/self/gid_map", pre);
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) ||
		    write_file(p[0], "deny") || write_file(p[1], "0 0 1") ||
		    write_file(p[2], "0 0 1") ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    chroot(*pre ? pre : "/") || chdir("/"))
			_exit(1);
		fd = fuse_mount_fd(mnt);
		if (fd < 0 || send_fd(sv[1], fd))
			_exit(1);
		pause();
		_exit(0);
	}

	close(sv[1]);
	fd = recv_fd(sv[0]);
	close(sv[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)*pid);
	*mntns = fd < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	return *mntns < 0 ? -1 : fd;
}

/*
 * Forced stat of mnt in a child; its result, or BLOCKED after 3 s.  The
 * child must not hold the /dev/fuse fd (fuse_fd): closing the last one is
 * what aborts the connection and frees a blocked caller.
 */
static void stat_in_child(int fuse_fd, const char *mnt, int mntns,
			  const char *prefix, uid_t fsuid, char *out,
			  size_t len, pid_t *pid)
{
	struct pollfd p;
	int pfd[2];
	ssize_t n;

	if (pipe(pfd)) {
		snprintf(out, len, "PIPE");
		return;
	}
	*pid = fork();
	if (*pid == 0) {
		struct statx stx;
		const char *r = "OK";

		close(fuse_fd);
		close(pfd[0]);
		if (mntns >= 0 &&
		    (setns(mntns, CLONE_NEWNS) ||
		     (*prefix && chroot(prefix)) || chdir("/")))
			r = "SETNS";
		else {
			setfsgid(fsuid);
			setfsuid(fsuid);
			if (statx(AT_FDCWD, mnt, AT_STATX_FORCE_SYNC,
				  STATX_BASIC_STATS, &stx))
				r = strerrorname_np(errno);
		}
		n = write(pfd[1], r, strlen(r));
		_exit(n < 0);
	}
	close(pfd[1]);
	p = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
	if (poll(&p, 1, 3000) == 1 && (n = read(pfd[0], out, len - 1)) > 0)
		out[n] = '\0';
	else
		snprintf(out, len, "BLOCKED");
	close(pfd[0]);
}

static int rawconn(const char *mode, const char *mnt)
{
	bool foreign = !strcmp(mode, "foreign");
	bool userns = foreign || !strcmp(mode, "userns");
	pid_t helper = 0, caller = 0;
	int fd, prog, err, mntns = -1;
	const char *prefix = "";
	char res[64] = "";

	if (strcmp(mode, "noinit") && strcmp(mode, "initerr") && !userns)
		return fprintf(stderr, "unknown mode %s\n", mode), 2;
	prog = answer_all_prog(-1);
	if (prog < 0)
		return perror("program"), 1;
	fd = userns ? userns_mount(mnt, &helper, &mntns, &prefix) :
		      fuse_mount_fd(mnt);
	if (fd < 0)
		return perror("mount"), 1;
	err = attach_fd(fd, prog, userns && !foreign ? EXTFUSE_ATTACH_ANY_OWNER : 0);
	if (err) {
		printf("ATTACH-%s\n", strerrorname_np(-err));
	} else {
		if (strcmp(mode, "noinit") &&
		    fuse_answer_init(fd, userns ? 0 : -EPROTO))
			return perror("INIT"), 1;
		stat_in_child(fd, mnt, mntns, prefix, userns ? 1000 : 0, res,
			      sizeof(res), &caller);
		printf("%s\n", res);
	}
	/* Closing the last /dev/fuse fd aborts the connection: a blocked
	 * caller returns. */
	close(fd);
	if (caller > 0) {
		if (!strcmp(res, "BLOCKED"))
			kill(caller, SIGKILL); /* the wait for INIT is killable */
		waitpid(caller, NULL, 0);
	}
	if (helper > 0) {
		kill(helper, SIGKILL);
		waitpid(helper, NULL, 0);
	} else {
		umount2(mnt, MNT_DETACH);
	}
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

enum statloop_mode { BY_PATH, BY_FD_FORCED, BY_FD_CACHED };

static int statloop(const char *path, long n, enum statloop_mode mode)
{
	bool by_fd = mode != BY_PATH;
	int sync = mode == BY_FD_FORCED ? AT_STATX_FORCE_SYNC : 0;
	unsigned long long t0, t1;
	struct statx stx;
	long bad = 0;
	int fd = -1;

	if (by_fd) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return perror(path), 1;
	}
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int r = by_fd ? statx(fd, "", AT_EMPTY_PATH | sync,
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

/* A directory fd: an inherited one given by number, or PATH opened. */
static int dir_fd(const char *arg)
{
	char *end;
	long fd = strtol(arg, &end, 10);

	if (*arg && !*end)
		return dup((int)fd);
	return open(arg, O_RDONLY | O_DIRECTORY);
}

static int dirop(const char *op, const char *arg)
{
	char buf[4096];
	long n, entries = 0;
	int fd = dir_fd(arg), flags, r = 0;

	if (fd < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	if (!strcmp(op, "fsync")) {
		r = fsync(fd);
	} else if (!strcmp(op, "ioctl")) {
		r = ioctl(fd, _IO('x', 0x7e), 0);
	} else if (!strcmp(op, "getflags")) {
		r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
	} else if (!strcmp(op, "list")) {
		lseek(fd, 0, SEEK_SET);
		while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				struct linux_dirent64 {
					uint64_t ino;
					int64_t off;
					unsigned short reclen;
					unsigned char type;
					char name[];
				} *d = (void *)(buf + off);

				entries++;
				off += d->reclen;
			}
		}
		r = n < 0 ? -1 : 0;
	} else {
		fprintf(stderr, "dirop: unknown operation %s\n", op);
		close(fd);
		return 2;
	}
	if (r < 0)
		printf("%s\n", strerrorname_np(errno));
	else if (!strcmp(op, "list"))
		printf("%ld\n", entries);
	else
		printf("OK\n");
	close(fd);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "dirop"))
		return dirop(argv[2], argv[3]);
	if (argc >= 2 && !strcmp(argv[1], "query"))
		return query();
	if (argc >= 2 && !strcmp(argv[1], "sync"))
		return extfuse_sync() ? 1 : 0;
	if (argc == 4 && !strcmp(argv[1], "attach-pinned"))
		return attach_pinned(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "attach-bad"))
		return attach_bad(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "statfiles"))
		return statfiles(argv[2], atol(argv[3]),
				 argc > 4 && !strcmp(argv[4], "force"));
	if (argc == 4 && !strcmp(argv[1], "statloop"))
		return statloop(argv[2], atol(argv[3]), BY_PATH);
	if (argc == 4 && !strcmp(argv[1], "fstatloop"))
		return statloop(argv[2], atol(argv[3]), BY_FD_FORCED);
	if (argc == 4 && !strcmp(argv[1], "fcachedloop"))
		return statloop(argv[2], atol(argv[3]), BY_FD_CACHED);
	if (argc == 4 && !strcmp(argv[1], "rawconn"))
		return rawconn(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of vmtool.c\n");
	return 2;
}
