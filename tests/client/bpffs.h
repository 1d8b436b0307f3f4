/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A private pin root for the libextfuse tests: a fresh directory under
 * /sys/fs/bpf, or, when no bpffs is mounted there, a bpffs of our own on a
 * temporary directory (unmounted again at exit).  Skips the test when not
 * root or when no bpffs can be had.
 */
#ifndef EXTFUSE_TEST_BPFFS_H
#define EXTFUSE_TEST_BPFFS_H

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "tap.h"

static char bpffs_base[PATH_MAX]; /* what we remove at exit */
static char bpffs_mnt[PATH_MAX]; /* set when we mounted a bpffs */

/* rm -r for the few levels a pin root has (pins are plain files). */
static void bpffs_rm_tree(int dfd, const char *name, int depth)
{
	struct dirent *d;
	DIR *dir;
	int fd;

	if (!unlinkat(dfd, name, 0) || depth > 8)
		return;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((d = readdir(dir)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			bpffs_rm_tree(fd, d->d_name, depth + 1);
	closedir(dir);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

static void bpffs_cleanup(void)
{
	if (bpffs_base[0]) {
		bpffs_rm_tree(AT_FDCWD, bpffs_base, 0);
		bpffs_base[0] = '\0';
	}
	if (bpffs_mnt[0]) {
		umount2(bpffs_mnt, MNT_DETACH);
		rmdir(bpffs_mnt);
		bpffs_mnt[0] = '\0';
	}
}

static void bpffs_on_signal(int sig)
{
	(void)sig;
	exit(1); /* runs bpffs_cleanup */
}

static bool bpffs_is(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && (unsigned long)sfs.f_type == BPF_FS_MAGIC;
}

/* Returns the base directory; the test puts its pin roots inside. */
static const char *bpffs_setup(void)
{
	if (geteuid() != 0)
		tap_skip_all("needs root (BPF maps, bpffs)");
	atexit(bpffs_cleanup);
	signal(SIGINT, bpffs_on_signal);
	signal(SIGTERM, bpffs_on_signal);
	signal(SIGHUP, bpffs_on_signal);
	signal(SIGPIPE, bpffs_on_signal); /* reader gone: still clean up */
	if (bpffs_is("/sys/fs/bpf")) {
		strcpy(bpffs_base, "/sys/fs/bpf/extfuse-test-XXXXXX");
		if (!mkdtemp(bpffs_base)) {
			bpffs_base[0] = '\0';
			tap_bail("mkdtemp under /sys/fs/bpf failed");
		}
		return bpffs_base;
	}
	strcpy(bpffs_mnt, "/tmp/extfuse-bpffs-XXXXXX");
	if (!mkdtemp(bpffs_mnt)) {
		bpffs_mnt[0] = '\0';
		tap_bail("mkdtemp failed");
	}
	if (mount("bpf", bpffs_mnt, "bpf", 0, "mode=0700")) {
		rmdir(bpffs_mnt);
		bpffs_mnt[0] = '\0';
		tap_skip_all("cannot mount a bpf filesystem");
	}
	snprintf(bpffs_base, sizeof(bpffs_base), "%s/t", bpffs_mnt);
	if (mkdir(bpffs_base, 0700))
		tap_bail("mkdir in the private bpffs failed");
	return bpffs_base;
}

#endif /* EXTFUSE_TEST_BPFFS_H */
