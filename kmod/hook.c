// SPDX-License-Identifier: GPL-2.0
/*
 * The hooks: one IP-modifying ftrace_ops on fuse_simple_request() (the
 * __fuse_simple_request() behind it on 6.12, see compat.h),
 * fuse_simple_background() (for RELEASEDIR only) and fuse_queue_forget() of
 * fuse.ko.  The callback runs with preemption off,
 * so it only decides and moves regs->ip to a replacement with the same
 * signature; everything else happens in the replacement, in the caller's
 * process context.
 */
#include "extfuse_internal.h"

#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/ftrace.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/utsname.h>
#include <generated/utsrelease.h>

static ssize_t (*orig_simple_request)(EXTFUSE_SIMPLE_REQUEST_PARAMS);
static int (*orig_simple_background)(struct fuse_mount *fm,
				     struct fuse_args *args, gfp_t gfp);
static void (*orig_queue_forget)(struct fuse_conn *fc,
				 struct fuse_forget_link *fl, u64 nodeid,
				 u64 nlookup);

/*
 * Where ftrace calls the callback from: the __fentry__ call of each
 * function, which is not its first byte when the kernel begins functions
 * with an ENDBR (IBT).
 */
static unsigned long fsr_ip, fsb_ip, fqf_ip;

/*
 * Calls redirected into this module and not yet returned.  Exit waits for
 * it to drop to zero, so that no task is left inside (or about to return
 * into) the module's text.
 */
static atomic_t extfuse_inflight = ATOMIC_INIT(0);
static bool extfuse_unloading;

static void extfuse_inflight_put(void)
{
	if (atomic_dec_and_test(&extfuse_inflight))
		wake_up_var(&extfuse_inflight);
}

/* The replacements: same signatures as the originals, which they call for
 * whatever request.c leaves to the daemon. */
static ssize_t notrace
extfuse_simple_request(EXTFUSE_SIMPLE_REQUEST_PARAMS)
{
	ssize_t ret;

	if (!extfuse_intercept(fm, args, &ret))
		ret = orig_simple_request(EXTFUSE_SIMPLE_REQUEST_ARGS);
	extfuse_inflight_put();
	return ret;
}

static int notrace extfuse_simple_background(struct fuse_mount *fm,
					     struct fuse_args *args, gfp_t gfp)
{
	int ret;

	if (!extfuse_background(fm, args, &ret))
		ret = orig_simple_background(fm, args, gfp);
	extfuse_inflight_put();
	return ret;
}

/* Past the hooks, as fuse_simple_request() sends it. */
ssize_t extfuse_send_request(struct fuse_mount *fm, struct fuse_args *args)
{
#ifdef EXTFUSE_HAVE_IDMAP_REQUEST
	struct mnt_idmap *idmap = &invalid_mnt_idmap;
#endif

	return orig_simple_request(EXTFUSE_SIMPLE_REQUEST_ARGS);
}

static void notrace extfuse_queue_forget(struct fuse_conn *fc,
					 struct fuse_forget_link *fl,
					 u64 nodeid, u64 nlookup)
{
	u64 send = extfuse_forget_filter(fc, nodeid, nlookup);

	/* The callee owns the link: free it as the original does when the
	 * connection is gone. */
	if (send)
		orig_queue_forget(fc, fl, nodeid, send);
	else
		kfree(fl);
	extfuse_inflight_put();
}

/* kallsyms_lookup_name() is not exported: a kprobe resolves it once. */
static unsigned long extfuse_lookup_name(const char *name)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long (*lookup)(const char *name);

	if (register_kprobe(&kp) < 0)
		return 0;
	lookup = (void *)kp.addr;
	unregister_kprobe(&kp);
	return lookup ? lookup(name) : 0;
}

static bool extfuse_want(unsigned long ip, struct pt_regs *regs)
{
	if (ip == fqf_ip)
		return true;
	/* Both take the arguments second. */
	if (ip == fsb_ip)
		return ((struct fuse_args *)regs->si)->opcode == FUSE_RELEASEDIR;
	return extfuse_opcode_hooked(extfuse_regs_fuse_args(regs)->opcode);
}

static void notrace extfuse_ftrace_cb(unsigned long ip,
				      unsigned long parent_ip,
				      struct ftrace_ops *op,
				      struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	/* Our own calls of the originals go through untouched. */
	if (!regs || within_module(parent_ip, THIS_MODULE))
		return;
	/* Handles outlive their attachment: see dirfh.c. */
	if (READ_ONCE(extfuse_unloading) ||
	    (!extfuse_conn_any() && !extfuse_dirfh_any()))
		return;
	if (!extfuse_want(ip, regs))
		return;
	atomic_inc(&extfuse_inflight);
	if (ip == fsr_ip)
		regs->ip = (unsigned long)extfuse_simple_request;
	else if (ip == fsb_ip)
		regs->ip = (unsigned long)extfuse_simple_background;
	else
		regs->ip = (unsigned long)extfuse_queue_forget;
}

static struct ftrace_ops extfuse_ops = {
	.func = extfuse_ftrace_cb,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		 FTRACE_OPS_FL_RECURSION,
};

static int extfuse_resolve(void)
{
	unsigned long (*locate)(unsigned long ip);
	unsigned long fsr, fsb, fqf;

	fsr = extfuse_lookup_name(EXTFUSE_SIMPLE_REQUEST_SYMBOL);
	fsb = extfuse_lookup_name("fuse_simple_background");
	fqf = extfuse_lookup_name("fuse_queue_forget");
	if (!fsr || !fsb || !fqf) {
		pr_err("cannot find %s/fuse_simple_background/fuse_queue_forget: is fuse.ko loaded and built from the same source?\n",
		       EXTFUSE_SIMPLE_REQUEST_SYMBOL);
		return -ENOENT;
	}
	/* ftrace_location() is not exported; the symbol is. */
	locate = (void *)extfuse_lookup_name("ftrace_location");
	fsr_ip = locate ? locate(fsr) : 0;
	fsb_ip = locate ? locate(fsb) : 0;
	fqf_ip = locate ? locate(fqf) : 0;
	if (!fsr_ip || !fsb_ip || !fqf_ip) {
		pr_err("%s/fuse_simple_background/fuse_queue_forget cannot be traced\n",
		       EXTFUSE_SIMPLE_REQUEST_SYMBOL);
		return -ENOENT;
	}
	orig_simple_request = (void *)fsr;
	orig_simple_background = (void *)fsb;
	orig_queue_forget = (void *)fqf;
	return 0;
}

/*
 * The private FUSE structures come from the source this module was built
 * with.  The build refuses a source whose version differs from the
 * headers'; here the running kernel must be the one of those headers.
 */
static int extfuse_check_kernel(void)
{
	if (strcmp(init_utsname()->release, UTS_RELEASE)) {
		pr_err("built for %s, running %s: refusing to load\n",
		       UTS_RELEASE, init_utsname()->release);
		return -EINVAL;
	}
	return 0;
}

static int extfuse_hook_install(void)
{
	int err;

	err = ftrace_set_filter_ip(&extfuse_ops, fsr_ip, 0, 0);
	if (!err)
		err = ftrace_set_filter_ip(&extfuse_ops, fsb_ip, 0, 0);
	if (!err)
		err = ftrace_set_filter_ip(&extfuse_ops, fqf_ip, 0, 0);
	if (!err)
		err = register_ftrace_function(&extfuse_ops);
	if (err) {
		pr_err("cannot hook the FUSE request path: %d\n", err);
		ftrace_free_filter(&extfuse_ops);
	}
	return err;
}

static void extfuse_hook_remove(void)
{
	WRITE_ONCE(extfuse_unloading, true);
	unregister_ftrace_function(&extfuse_ops);
	ftrace_free_filter(&extfuse_ops);
	/* Requests already redirected finish normally (a daemon may hold them). */
	wait_var_event(&extfuse_inflight, !atomic_read(&extfuse_inflight));
	/* A task preempted between the final decrement and its return. */
	synchronize_rcu_tasks();
}

static int __init extfuse_init(void)
{
	int err;

	err = extfuse_check_kernel();
	if (!err)
		err = extfuse_resolve();
	if (err)
		return err;
	err = extfuse_run_init();
	if (err)
		return err;
	err = extfuse_conn_init();
	if (err)
		goto out_run;
	err = extfuse_hook_install();
	if (err)
		goto out_conn;
	err = extfuse_dev_init();
	if (err)
		goto out_hook;
	pr_info("hooked %s, fuse_simple_background and fuse_queue_forget (ABI %u, context %zu bytes)\n",
		EXTFUSE_SIMPLE_REQUEST_SYMBOL, EXTFUSE_ABI_VERSION,
		sizeof(struct extfuse_req));
	return 0;

out_hook:
	extfuse_hook_remove();
out_conn:
	extfuse_conn_exit();
out_run:
	extfuse_run_exit();
	return err;
}

static void __exit extfuse_exit(void)
{
	extfuse_dev_exit();
	extfuse_hook_remove();
	extfuse_conn_exit();
	extfuse_dirfh_exit();
	extfuse_run_exit();
	pr_info("unloaded\n");
}

module_init(extfuse_init);
module_exit(extfuse_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ExtFUSE: answer FUSE requests with a BPF extension");
MODULE_SOFTDEP("pre: fuse");
