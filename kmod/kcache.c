// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own caches of a connection.  What the extension answers,
 * the kernel keeps for the validity the answer carried, which may be as
 * long as the value's expiry, negative dentries included.  When the values
 * behind such answers are retired wholesale (the daemon side moves the
 * epoch, or the extension stops answering), the kernel must not keep
 * serving them: every inode's attributes and every dentry of the
 * connection's mounts are marked expired, so the next use asks again
 * (LOOKUP, GETATTR), as after FUSE's own notifications.  When another
 * client changed a directory, the names under it go the same way: the
 * servers report a creation only on the parent, without the name.
 */
#include "extfuse_internal.h"

#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/stat.h>

/* FUSE keeps a dentry's expiry in d_fsdata itself on 64-bit kernels. */
#if BITS_PER_LONG < 64
#error "extfuse: dentry times are kept in d_fsdata only on 64-bit kernels"
#endif

/* Names under dir, negative ones included: no inode leads to those. */
static void extfuse_children_expire(struct dentry *dir)
{
	struct dentry *child;

	spin_lock(&dir->d_lock);
	extfuse_for_each_child(child, dir) {
		if (!(child->d_flags & DCACHE_DENTRY_CURSOR))
			WRITE_ONCE(child->d_fsdata, NULL);
	}
	spin_unlock(&dir->d_lock);
}

static void extfuse_inode_expire(struct fuse_conn *fc, struct inode *inode)
{
	struct fuse_inode *fi = get_fuse_inode(inode);
	struct dentry *alias;

	/* A newer attr_version also discards replies still in flight. */
	spin_lock(&fi->lock);
	fi->attr_version = atomic64_inc_return(&fc->attr_version);
	fi->i_time = 0;
	spin_unlock(&fi->lock);
	set_mask_bits(&fi->inval_mask, 0, STATX_BASIC_STATS);

	spin_lock(&inode->i_lock);
	hlist_for_each_entry(alias, &inode->i_dentry, d_u.d_alias) {
		WRITE_ONCE(alias->d_fsdata, NULL); /* time 0: expired */
		/* The alias's d_lock nests inside i_lock, as in d_find_alias. */
		if (S_ISDIR(inode->i_mode))
			extfuse_children_expire(alias);
	}
	spin_unlock(&inode->i_lock);
}

/* Every inode of sb, each held by a reference while it is changed. */
static void extfuse_sb_expire(struct fuse_conn *fc, struct super_block *sb)
{
	struct inode *inode, *prev = NULL;

	spin_lock(&sb->s_inode_list_lock);
	list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		spin_lock(&inode->i_lock);
		if (inode->i_state & (I_FREEING | I_WILL_FREE | I_NEW)) {
			spin_unlock(&inode->i_lock);
			continue;
		}
		__iget(inode);
		spin_unlock(&inode->i_lock);
		spin_unlock(&sb->s_inode_list_lock);

		extfuse_inode_expire(fc, inode);
		/* The held inode keeps our place in the list. */
		iput(prev);
		prev = inode;
		cond_resched();
		spin_lock(&sb->s_inode_list_lock);
	}
	spin_unlock(&sb->s_inode_list_lock);
	iput(prev);
}

static int extfuse_nodeid_test(struct inode *inode, void *data)
{
	return get_node_id(inode) == *(u64 *)data;
}

/* The names under directory nodeid of sb (its attributes stay). */
static void extfuse_dir_expire(struct super_block *sb, u64 nodeid)
{
	struct inode *inode;
	struct dentry *alias;

	inode = ilookup5(sb, (unsigned long)nodeid, extfuse_nodeid_test,
			 &nodeid);
	if (!inode)
		return;
	if (S_ISDIR(inode->i_mode)) {
		spin_lock(&inode->i_lock);
		hlist_for_each_entry(alias, &inode->i_dentry, d_u.d_alias)
			extfuse_children_expire(alias);
		spin_unlock(&inode->i_lock);
	}
	iput(inode);
}

/*
 * Expire the kernel's attributes and dentries on every mount of fc, or
 * with dir, only the names under directory dir.  Call outside
 * rcu_read_lock_trace(): iput() may evict and send a FORGET.
 */
void extfuse_kcache_expire(struct fuse_conn *fc, u64 dir)
{
	struct fuse_mount *fm;

	down_read(&fc->killsb);
	list_for_each_entry(fm, &fc->mounts, fc_entry) {
		if (!fm->sb)
			continue;
		if (dir)
			extfuse_dir_expire(fm->sb, dir);
		else
			extfuse_sb_expire(fc, fm->sb);
	}
	up_read(&fc->killsb);
}
