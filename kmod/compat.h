/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernels extfuse.ko builds for, and one helper for each difference
 * between them that the module meets.  Everything the module touches in
 * fs/fuse (checked against both kernels' fuse_i.h, dev.c, dir.c, readdir.c):
 *
 *   hooked: fuse_simple_request() (6.1) / __fuse_simple_request() (6.12,
 *     where fuse_simple_request() is an inline that passes an idmap first),
 *     fuse_queue_forget() (same signature; the callee frees the link);
 *   struct fuse_args: opcode, nodeid, in_numargs, in_args[], out_numargs,
 *     out_args[], out_argvar, out_pages (same names in both);
 *   struct fuse_args_pages: the single READDIR page, in pages/descs (6.1)
 *     or, when uses_folios is set, folios/folio_descs (6.12);
 *   struct fuse_conn: connected, initialized, conn_error, dev, user_ns,
 *     user_id, pid_ns; struct fuse_mount: fc, sb; struct fuse_dev: fc;
 *   fuse_conn_get/put, fuse_dev_operations, get_fuse_mount_super,
 *     get_node_id, fuse_is_bad, find_inode_rcu, inode_wrong_type;
 *   dcache: a dentry's children (d_subdirs/d_child, d_children/d_sib);
 *   bpf: prog->aux->used_maps (under used_maps_mutex), max_ctx_offset, id,
 *     and the sleepable flag, in aux (6.1) or in the prog itself (6.12).
 *
 * Outside the kernel core, fuse-src.sh reads the FUSE source it copies and
 * writes extfuse_fuse_config.h: stable updates of one kernel series have
 * changed fs/fuse (Debian's 6.12 moved READDIR to folios).
 */
#ifndef EXTFUSE_COMPAT_H
#define EXTFUSE_COMPAT_H

#include <linux/version.h>
#include <linux/bpf.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/ptrace.h>

#include "fuse_i.h"
#include "extfuse_fuse_config.h"

#define EXTFUSE_KERNEL_SERIES(v, p)                      \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(v, p, 0) && \
	 LINUX_VERSION_CODE < KERNEL_VERSION(v, (p) + 1, 0))

/*
 * The module reads private FUSE structures and patches the FUSE request
 * path: it is only built for the kernels it was checked on.
 */
#if !EXTFUSE_KERNEL_SERIES(6, 1) && !EXTFUSE_KERNEL_SERIES(6, 12)
#error "extfuse.ko supports Linux 6.1 and 6.12 only (Debian 12 and 13 kernels); this kernel's FUSE internals were never checked"
#endif

#ifdef EXTFUSE_HAVE_IDMAP_REQUEST
/* The function behind fuse_simple_request(), and its arguments. */
#define EXTFUSE_SIMPLE_REQUEST_SYMBOL "__fuse_simple_request"
#define EXTFUSE_SIMPLE_REQUEST_PARAMS \
	struct mnt_idmap *idmap, struct fuse_mount *fm, struct fuse_args *args
#define EXTFUSE_SIMPLE_REQUEST_ARGS idmap, fm, args

static inline struct fuse_args *extfuse_regs_fuse_args(struct pt_regs *regs)
{
	return (struct fuse_args *)regs->dx; /* third argument */
}
#else
#define EXTFUSE_SIMPLE_REQUEST_SYMBOL "fuse_simple_request"
#define EXTFUSE_SIMPLE_REQUEST_PARAMS \
	struct fuse_mount *fm, struct fuse_args *args
#define EXTFUSE_SIMPLE_REQUEST_ARGS fm, args

static inline struct fuse_args *extfuse_regs_fuse_args(struct pt_regs *regs)
{
	return (struct fuse_args *)regs->si; /* second argument */
}
#endif

/* struct fd became an opaque word with fd_file() in 6.12. */
static inline struct file *extfuse_fd_file(struct fd f)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return fd_file(f);
#else
	return f.file;
#endif
}

/* The sleepable flag moved from prog->aux to prog (6.10). */
static inline bool extfuse_prog_sleepable(const struct bpf_prog *prog)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return prog->sleepable;
#else
	return prog->aux->sleepable;
#endif
}

/*
 * The one output page of a READDIR(PLUS) request, with the offset and
 * length the kernel gave it; NULL for any other layout.
 */
static inline struct page *extfuse_ap_out_page(struct fuse_args_pages *ap,
					       unsigned int *offset,
					       unsigned int *length)
{
#ifdef EXTFUSE_HAVE_AP_FOLIOS
	if (ap->uses_folios) {
		if (ap->num_folios != 1 || !ap->folios || !ap->folios[0] ||
		    !ap->folio_descs || folio_test_large(ap->folios[0]))
			return NULL;
		*offset = ap->folio_descs[0].offset;
		*length = ap->folio_descs[0].length;
		return folio_page(ap->folios[0], 0);
	}
#endif
	if (ap->num_pages != 1 || !ap->pages || !ap->pages[0] || !ap->descs)
		return NULL;
	*offset = ap->descs[0].offset;
	*length = ap->descs[0].length;
	return ap->pages[0];
}

/*
 * The children of a dentry, walked under its d_lock: a list through
 * d_child (6.1) or an hlist through d_sib (6.8 on).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define extfuse_for_each_child(child, parent) \
	hlist_for_each_entry(child, &(parent)->d_children, d_sib)
#else
#define extfuse_for_each_child(child, parent) \
	list_for_each_entry(child, &(parent)->d_subdirs, d_child)
#endif

#endif /* EXTFUSE_COMPAT_H */
