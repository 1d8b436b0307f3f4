// SPDX-License-Identifier: GPL-2.0
/* The kernel module's control device, /dev/extfuse. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "internal.h"

#define EF_NO_MODULE "extfuse kernel module not loaded (" EXTFUSE_DEVICE " missing)"

bool extfuse_module_loaded(void)
{
	struct stat sb;

	return stat(EXTFUSE_DEVICE, &sb) == 0 && S_ISCHR(sb.st_mode);
}

static int open_dev(void)
{
	int fd = open(EXTFUSE_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
		return ef_err(-ENODEV, EF_NO_MODULE);
	return ef_err(-errno, "cannot open %s: %s", EXTFUSE_DEVICE,
		      strerror(errno));
}

static int dev_ioctl(unsigned long cmd, void *arg, const char *what)
{
	int fd, ret, err = 0;

	fd = open_dev();
	if (fd < 0)
		return fd;
	ret = ioctl(fd, cmd, arg);
	if (ret < 0)
		err = -errno;
	close(fd);
	if (err == -ENOENT &&
	    (cmd == EXTFUSE_IOC_QUERY || cmd == EXTFUSE_IOC_EXPIRE))
		return ef_debug_err(err, "%s: no such connection", what);
	if (err == -ENOTCONN && cmd == EXTFUSE_IOC_CONN_OF)
		return ef_debug_err(err, "%s: not mounted (yet)", what);
	if (err)
		return ef_err(err, "%s failed: %s", what, strerror(-err));
	return 0;
}

static void attach_init(struct extfuse_attach *a, int conn_fd, int prog_fd)
{
	memset(a, 0, sizeof(*a));
	a->magic = EXTFUSE_MAGIC;
	a->abi_version = EXTFUSE_ABI_VERSION;
	a->size = sizeof(*a);
	a->conn_fd = conn_fd;
	a->prog_fd = prog_fd;
}

int extfuse_conn_of(int conn_fd, __u32 *conn_id)
{
	struct extfuse_attach a;
	int err;

	if (conn_fd < 0 || !conn_id)
		return ef_err(-EINVAL, "extfuse_conn_of: %s",
			      conn_id ? "bad connection fd" : "conn_id is NULL");
	attach_init(&a, conn_fd, -1);
	err = dev_ioctl(EXTFUSE_IOC_CONN_OF, &a, "connection lookup");
	if (err)
		return err;
	*conn_id = a.conn_id;
	return 0;
}

/*
 * The maps of a handle are named after the connection they serve, and the
 * extension answers only for the connection the module bound them to: a
 * file of another connection (a mount stacked over the expected one, a
 * mistyped CONN) is refused before anything is attached.
 */
int extfuse_attach(struct extfuse *ef, int conn_fd, __u32 *conn_id)
{
	struct extfuse_attach a;
	char id[16];
	__u32 conn;
	int err;

	if (!ef || conn_fd < 0)
		return ef_err(-EINVAL, "extfuse_attach: %s",
			      ef ? "bad connection fd" : "handle is NULL");
	if (ef->prog_fd < 0)
		return ef_err(-ENOENT, "%s: no extension program to attach",
			      ef->conn_id);
	err = extfuse_conn_of(conn_fd, &conn);
	if (err)
		return err;
	snprintf(id, sizeof(id), "%u", conn);
	if (strcmp(id, ef->conn_id))
		return ef_err(-EXDEV,
			      "attach refused: the maps are those of connection %s, the file belongs to FUSE connection %u",
			      ef->conn_id, conn);
	attach_init(&a, conn_fd, ef->prog_fd);
	err = dev_ioctl(EXTFUSE_IOC_ATTACH, &a, "attach");
	if (err)
		return err;
	if (conn_id)
		*conn_id = a.conn_id;
	ef_log(EXTFUSE_LOG_INFO, "%s: attached as FUSE connection %u",
	       ef->conn_id, a.conn_id);
	return 0;
}

int extfuse_detach(int conn_fd)
{
	struct extfuse_attach a;

	if (conn_fd < 0)
		return ef_err(-EINVAL, "extfuse_detach: bad connection fd");
	attach_init(&a, conn_fd, -1);
	return dev_ioctl(EXTFUSE_IOC_DETACH, &a, "detach");
}

int extfuse_query(__u32 index, struct extfuse_conn_info *info)
{
	int err;

	if (!info)
		return ef_err(-EINVAL, "extfuse_query: info is NULL");
	memset(info, 0, sizeof(*info));
	info->magic = EXTFUSE_MAGIC;
	info->abi_version = EXTFUSE_ABI_VERSION;
	info->size = sizeof(*info);
	info->index = index;
	err = dev_ioctl(EXTFUSE_IOC_QUERY, info, "query");
	return err;
}

int extfuse_sync(void)
{
	return dev_ioctl(EXTFUSE_IOC_SYNC, NULL, "sync");
}

static int expire(struct extfuse *ef, __u64 dir, const char *what)
{
	struct extfuse_expire x = {
		.magic = EXTFUSE_MAGIC,
		.abi_version = EXTFUSE_ABI_VERSION,
		.size = sizeof(x),
		.flags = dir ? EXTFUSE_EXPIRE_DIR : 0,
		.nodeid = dir,
	};
	unsigned long id;
	char *end;

	if (!ef)
		return ef_err(-EINVAL, "%s: handle is NULL", what);
	errno = 0;
	id = strtoul(ef->conn_id, &end, 10);
	/* Connections named otherwise (tests) are no FUSE connection. */
	if (errno || *end || end == ef->conn_id || id > UINT32_MAX)
		return ef_debug_err(-ENOENT, "%s: not a FUSE connection id",
				    ef->conn_id);
	if (!extfuse_module_loaded())
		return ef_debug_err(-ENODEV, EF_NO_MODULE);
	x.conn_id = (__u32)id;
	return dev_ioctl(EXTFUSE_IOC_EXPIRE, &x, "expire");
}

int extfuse_expire_kernel(struct extfuse *ef)
{
	return expire(ef, 0, "extfuse_expire_kernel");
}

int extfuse_expire_dir(struct extfuse *ef, __u64 dir)
{
	if (!dir)
		return ef_err(-EINVAL, "extfuse_expire_dir: nodeid 0");
	return expire(ef, dir, "extfuse_expire_dir");
}
