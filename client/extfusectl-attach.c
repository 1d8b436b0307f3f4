// SPDX-License-Identifier: GPL-2.0
/* extfusectl attach and detach: a connection's extension on a FUSE mount. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "extfusectl.h"

static int open_mountpoint(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return fail(EXIT_FAILED, "cannot open mount point %s: %s", path,
			    strerror(errno));
	return 0;
}

/* Module first: without it nothing below can work. */
static int check_fuse_mount(int fd, const char *path)
{
	struct statfs sfs;

	if (!extfuse_module_loaded())
		return fail(EXIT_NO_MODULE,
			    "extfuse kernel module not loaded (%s missing)",
			    EXTFUSE_DEVICE);
	if (fstatfs(fd, &sfs))
		return fail(EXIT_FAILED, "%s: %s", path, strerror(errno));
	if ((unsigned long)sfs.f_type != FUSE_SUPER_MAGIC)
		return fail(EXIT_FAILED, "%s is not a FUSE mount", path);
	return 0;
}

/*
 * The path names a mount, which may not be the mount of CONN (another file
 * system mounted over it, a mistyped name): the maps of CONN must never
 * answer for another connection.
 */
static int check_conn_of(int fd, const char *path, const char *conn)
{
	__u32 id;
	char want[16];
	int err = extfuse_conn_of(fd, &id);

	if (err)
		return lib_code(err);
	snprintf(want, sizeof(want), "%u", id);
	if (strcmp(want, conn))
		return fail(EXIT_FAILED,
			    "%s is not the mount of connection %s: it is FUSE connection %u (refused)",
			    path, conn, id);
	return 0;
}

int cmd_attach(struct ctl *ctl, int argc, char **argv)
{
	struct extfuse *ef;
	int fd, code, err;
	__u32 id = 0;

	code = cmd_args(argc, argv, 2, 2, NULL, "attach CONN MOUNTPOINT");
	if (code)
		return code;
	argv += optind;
	code = open_conn(ctl, argv[0], &ef);
	if (code)
		return code;
	code = open_mountpoint(argv[1], &fd);
	if (code) {
		extfuse_close(ef);
		return code;
	}
	code = check_fuse_mount(fd, argv[1]);
	if (!code)
		code = check_conn_of(fd, argv[1], extfuse_conn_id(ef));
	if (!code) {
		err = extfuse_attach(ef, fd, &id);
		code = err ? lib_code(err) : EXIT_OK;
	}
	if (!code)
		printf("attached %s to %s (FUSE connection %u)\n",
		       extfuse_conn_id(ef), argv[1], id);
	close(fd);
	extfuse_close(ef);
	return code;
}

int cmd_detach(struct ctl *ctl, int argc, char **argv)
{
	int fd, code, err;

	(void)ctl;
	code = cmd_args(argc, argv, 1, 1, NULL, "detach MOUNTPOINT");
	if (code)
		return code;
	argv += optind;
	code = open_mountpoint(argv[0], &fd);
	if (code)
		return code;
	code = check_fuse_mount(fd, argv[0]);
	if (!code) {
		err = extfuse_detach(fd);
		code = err ? lib_code(err) : EXIT_OK;
	}
	if (!code)
		printf("detached %s\n", argv[0]);
	close(fd);
	return code;
}

