// SPDX-License-Identifier: GPL-2.0
/*
 * gfapi-ops: change a volume through libgfapi, i.e. as a client that is
 * not a FUSE mount, so that FUSE clients learn of it only by upcalls.
 *
 *   gfapi-ops HOST VOL LOGFILE OP PATH [ARG]
 *   OP: chmod MODE | truncate SIZE | rename NEWPATH | link NEWPATH |
 *       unlink | create | mkdir | rmdir | acl MODE
 *   acl sets a minimal access ACL (owner, group, others) equal to MODE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <stdint.h>
#include <glusterfs/api/glfs.h>

/* The kernel's xattr form of a POSIX ACL: a version, then entries. */
struct acl_xattr_entry {
	uint16_t tag, perm;
	uint32_t id;
};

static int set_acl(glfs_t *fs, const char *path, unsigned long mode)
{
	const uint16_t tags[3] = {0x01, 0x04, 0x20}; /* owner, group, other */
	struct {
		uint32_t version;
		struct acl_xattr_entry e[3];
	} acl;
	int i;

	acl.version = htole32(2);
	for (i = 0; i < 3; i++) {
		acl.e[i].tag = htole16(tags[i]);
		acl.e[i].perm = htole16((mode >> (6 - 3 * i)) & 7);
		acl.e[i].id = htole32(0xffffffff);
	}
	return glfs_setxattr(fs, path, "system.posix_acl_access", &acl,
			     sizeof(acl), 0);
}

static int run(glfs_t *fs, const char *op, const char *path, const char *arg)
{
	glfs_fd_t *fd;

	if (!strcmp(op, "chmod") && arg)
		return glfs_chmod(fs, path, strtoul(arg, NULL, 8));
	if (!strcmp(op, "truncate") && arg)
		return glfs_truncate(fs, path, strtoll(arg, NULL, 0));
	if (!strcmp(op, "rename") && arg)
		return glfs_rename(fs, path, arg);
	if (!strcmp(op, "link") && arg)
		return glfs_link(fs, path, arg);
	if (!strcmp(op, "acl") && arg)
		return set_acl(fs, path, strtoul(arg, NULL, 8));
	if (!strcmp(op, "unlink"))
		return glfs_unlink(fs, path);
	if (!strcmp(op, "mkdir"))
		return glfs_mkdir(fs, path, 0755);
	if (!strcmp(op, "rmdir"))
		return glfs_rmdir(fs, path);
	if (!strcmp(op, "create")) {
		fd = glfs_creat(fs, path, O_RDWR | O_EXCL, 0644);
		if (!fd)
			return -1;
		return glfs_close(fd);
	}
	errno = EINVAL;
	return -1;
}

int main(int argc, char **argv)
{
	glfs_t *fs;
	int ret;

	if (argc < 6) {
		fprintf(stderr, "usage: gfapi-ops HOST VOL LOGFILE OP PATH "
				"[ARG]\n");
		return 2;
	}
	fs = glfs_new(argv[2]);
	if (!fs) {
		perror("glfs_new");
		return 2;
	}
	if (glfs_set_volfile_server(fs, "tcp", argv[1], 24007) ||
	    glfs_set_logging(fs, argv[3], 7) || glfs_init(fs)) {
		perror("glfs_init");
		glfs_fini(fs);
		return 2;
	}
	ret = run(fs, argv[4], argv[5], argc > 6 ? argv[6] : NULL);
	if (ret)
		fprintf(stderr, "gfapi-ops: %s %s: %s\n", argv[4], argv[5],
			strerror(errno));
	glfs_fini(fs);
	return ret ? 1 : 0;
}
