// SPDX-License-Identifier: GPL-2.0
/* The control device, /dev/extfuse: attach, detach, query, sync, conn_of,
 * expire. */
#include "extfuse_internal.h"

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate_trace.h>
#include <linux/uaccess.h>

/* ATTACH and CONN_OF: an extfuse_attach in, the same with its conn_id out. */
static long extfuse_ioc_conn_id(void __user *uarg,
				int (*op)(const struct extfuse_attach *, u32 *))
{
	struct extfuse_attach req;
	u32 conn_id = 0;
	int err;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	err = op(&req, &conn_id);
	if (err)
		return err;
	req.conn_id = conn_id;
	if (copy_to_user(uarg, &req, sizeof(req)))
		return -EFAULT;
	return 0;
}

static long extfuse_ioc_detach(void __user *uarg)
{
	struct extfuse_attach req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	return extfuse_detach(&req);
}

static long extfuse_ioc_query(void __user *uarg)
{
	struct extfuse_conn_info info;
	u32 index;
	int err;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.magic != EXTFUSE_MAGIC ||
	    info.abi_version != EXTFUSE_ABI_VERSION ||
	    info.size != sizeof(info))
		return -EPROTO;
	index = info.index;
	memset(&info, 0, sizeof(info));
	info.magic = EXTFUSE_MAGIC;
	info.abi_version = EXTFUSE_ABI_VERSION;
	info.size = sizeof(info);
	info.index = index;
	err = extfuse_query(&info);
	if (err)
		return err;
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long extfuse_ioc_expire(void __user *uarg)
{
	struct extfuse_expire req;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.magic != EXTFUSE_MAGIC ||
	    req.abi_version != EXTFUSE_ABI_VERSION || req.size != sizeof(req))
		return -EPROTO;
	if (req.flags & ~EXTFUSE_EXPIRE_DIR ||
	    !(req.flags & EXTFUSE_EXPIRE_DIR) != !req.nodeid)
		return -EINVAL;
	return extfuse_expire_conn(req.conn_id, req.nodeid);
}

static long extfuse_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* Connections that ended since the last call go first. */
	extfuse_reap();
	switch (cmd) {
	case EXTFUSE_IOC_ATTACH:
		return extfuse_ioc_conn_id(uarg, extfuse_attach);
	case EXTFUSE_IOC_DETACH:
		return extfuse_ioc_detach(uarg);
	case EXTFUSE_IOC_QUERY:
		return extfuse_ioc_query(uarg);
	case EXTFUSE_IOC_CONN_OF:
		return extfuse_ioc_conn_id(uarg, extfuse_conn_of);
	case EXTFUSE_IOC_SYNC:
		synchronize_rcu_tasks_trace();
		return 0;
	case EXTFUSE_IOC_EXPIRE:
		return extfuse_ioc_expire(uarg);
	}
	return -ENOTTY;
}

static const struct file_operations extfuse_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = extfuse_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice extfuse_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "extfuse",
	.fops = &extfuse_fops,
	.mode = 0600,
};

int extfuse_dev_init(void)
{
	return misc_register(&extfuse_misc);
}

void extfuse_dev_exit(void)
{
	misc_deregister(&extfuse_misc);
}
