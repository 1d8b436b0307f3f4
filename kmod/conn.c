// SPDX-License-Identifier: GPL-2.0
/*
 * Attachments: which FUSE connection runs which extension.
 *
 * An attachment holds a reference on its struct fuse_conn, so the pointer
 * that requests are matched with (fm->fc) cannot be freed and reused by
 * another connection while attached.  A connection ends (unmount, daemon
 * exit, abort through fusectl) by fuse_abort_conn(), which clears
 * fc->connected; it never tells us.  Rather than hooking more of fuse.ko,
 * disconnected attachments are reaped: at every ioctl, when a request
 * arrives on one, and by a periodic work item while any attachment exists.
 * Until reaped, a disconnected attachment never runs its program.
 *
 * The FORGET rewrite must outlive every lookup the extension served, or the
 * daemon would get counts it never gave out.  So an attachment stays until
 * its connection ends: DETACH only stops the answers (the program still
 * sees modifying requests and FORGETs), a replacement program must count
 * in the same served-count map, and each attachment holds a reference on
 * this module, so that rmmod is refused while any exists.
 *
 * The maps of a program serve one connection: no two live attachments may
 * share a configuration or served-count map, and the configuration records
 * the connection id, which the extension compares with each request's.
 */
#include "extfuse_internal.h"

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate_trace.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#define EXTFUSE_REAP_INTERVAL (2 * HZ)

static LIST_HEAD(extfuse_atts);
static DEFINE_MUTEX(extfuse_lock);
static void extfuse_reap_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(extfuse_reaper, extfuse_reap_work);

bool extfuse_conn_any(void)
{
	return !list_empty(&extfuse_atts);
}

/* Caller holds rcu_read_lock_trace() or extfuse_lock. */
struct extfuse_att *extfuse_att_find(struct fuse_conn *fc)
{
	struct extfuse_att *att;

	list_for_each_entry_rcu(att, &extfuse_atts, node,
				rcu_read_lock_trace_held() ||
				lockdep_is_held(&extfuse_lock)) {
		if (att->fc == fc)
			return att;
	}
	return NULL;
}

static void extfuse_att_free(struct extfuse_att *att)
{
	struct bpf_prog *prog = rcu_dereference_protected(att->prog, 1);

	cancel_delayed_work_sync(&att->reexpire);
	if (prog)
		bpf_prog_put(prog);
	fuse_conn_put(att->fc);
	free_percpu(att->stats);
	kfree(att);
}

/* Unlink the attachments of connections that ended, then free them (and
 * their module references) after a grace period. */
void extfuse_reap(void)
{
	struct extfuse_att *att, *tmp;
	LIST_HEAD(dead);
	int n = 0;

	mutex_lock(&extfuse_lock);
	list_for_each_entry_safe(att, tmp, &extfuse_atts, node) {
		if (READ_ONCE(att->fc->connected))
			continue;
		list_del_rcu(&att->node);
		list_add(&att->reap, &dead);
		n++;
	}
	mutex_unlock(&extfuse_lock);
	if (!n)
		return;
	/* Readers walk the list inside rcu_read_lock_trace(). */
	synchronize_rcu_tasks_trace();
	list_for_each_entry_safe(att, tmp, &dead, reap) {
		pr_info("connection %u ended: attachment removed\n",
			att->conn_id);
		extfuse_att_free(att);
		/* exit cancels the reaper synchronously: safe for the last. */
		module_put(THIS_MODULE);
	}
}

void extfuse_reap_soon(void)
{
	mod_delayed_work(system_wq, &extfuse_reaper, 0);
}

static void extfuse_reap_work(struct work_struct *work)
{
	extfuse_reap();
	if (extfuse_conn_any())
		schedule_delayed_work(&extfuse_reaper, EXTFUSE_REAP_INTERVAL);
}

/* The connection of the daemon's /dev/fuse fd. */
static struct fuse_conn *extfuse_conn_of_dev(struct file *file, u32 *conn_id)
{
	struct fuse_dev *fud = READ_ONCE(file->private_data);

	if (!fud)
		return ERR_PTR(-ENOTCONN); /* not mounted yet */
	if (!fud->fc || !fud->fc->dev)
		return ERR_PTR(-EPROTO);
	*conn_id = MINOR(fud->fc->dev);
	return fud->fc;
}

/* The connection of a file or directory on a FUSE mount. */
static struct fuse_conn *extfuse_conn_of_mount(struct file *file,
					       u32 *conn_id)
{
	struct super_block *sb = file_inode(file)->i_sb;
	struct fuse_mount *fm;

	if (sb->s_magic != FUSE_SUPER_MAGIC)
		return ERR_PTR(-EBADF);
	fm = get_fuse_mount_super(sb);
	/* The layout check: both sides must name each other. */
	if (!fm || !fm->fc || fm->sb != sb || fm->fc->dev != sb->s_dev) {
		pr_err("struct fuse_mount/fuse_conn layout does not match this kernel\n");
		return ERR_PTR(-EPROTO);
	}
	*conn_id = MINOR(sb->s_dev);
	return fm->fc;
}

/* Find the connection of fd and take a reference on it. */
static struct fuse_conn *extfuse_conn_get_fd(int fd, u32 *conn_id)
{
	struct fd f = fdget(fd);
	struct file *file = extfuse_fd_file(f);
	struct fuse_conn *fc;

	if (!file)
		return ERR_PTR(-EBADF);
	if (file->f_op == &fuse_dev_operations)
		fc = extfuse_conn_of_dev(file, conn_id);
	else
		fc = extfuse_conn_of_mount(file, conn_id);
	if (!IS_ERR(fc)) {
		if (READ_ONCE(fc->connected))
			fuse_conn_get(fc);
		else
			fc = ERR_PTR(-ENOTCONN);
	}
	fdput(f);
	return fc;
}

static int extfuse_check_header(const struct extfuse_attach *req)
{
	if (req->magic != EXTFUSE_MAGIC ||
	    req->abi_version != EXTFUSE_ABI_VERSION ||
	    req->size != sizeof(*req))
		return -EPROTO;
	return 0;
}

static int extfuse_check_attach(const struct extfuse_attach *req)
{
	return extfuse_check_header(req) ?:
	       (req->flags & ~EXTFUSE_ATTACH_ANY_OWNER ? -EINVAL : 0);
}

/* Which connection conn_fd belongs to: what an attach through it binds. */
int extfuse_conn_of(const struct extfuse_attach *req, u32 *conn_id)
{
	struct fuse_conn *fc;
	int err = extfuse_check_header(req);

	if (err)
		return err;
	fc = extfuse_conn_get_fd(req->conn_fd, conn_id);
	if (IS_ERR(fc))
		return PTR_ERR(fc);
	fuse_conn_put(fc);
	return 0;
}

/*
 * A connection mounted by anyone but root of the initial user namespace
 * is refused unless asked for: the root daemon's extension would answer
 * for a file system it does not serve, and give its nodeids away.
 */
static int extfuse_check_owner(struct fuse_conn *fc, u32 flags)
{
	if (flags & EXTFUSE_ATTACH_ANY_OWNER)
		return 0;
	if (fc->user_ns != &init_user_ns || !uid_eq(fc->user_id, GLOBAL_ROOT_UID))
		return -EPERM;
	return 0;
}

/* The map called name among prog's maps, or NULL. */
static struct bpf_map *extfuse_prog_map(struct bpf_prog *prog,
					const char *name)
{
	struct bpf_prog_aux *aux = prog->aux;
	struct bpf_map *map = NULL;
	u32 i;

	mutex_lock(&aux->used_maps_mutex);
	for (i = 0; i < aux->used_map_cnt; i++) {
		if (!strcmp(aux->used_maps[i]->name, name)) {
			map = aux->used_maps[i];
			break;
		}
	}
	mutex_unlock(&aux->used_maps_mutex);
	return map;
}

/* The served-count map of prog: the one its FORGET rewrite takes from. */
static struct bpf_map *extfuse_served_map(struct bpf_prog *prog)
{
	return extfuse_prog_map(prog, EXTFUSE_MAP_SERVED);
}

/* Does prog use map (when map is not NULL)? */
static bool extfuse_prog_uses(struct bpf_prog *prog, struct bpf_map *map,
			      const char *name)
{
	return map && extfuse_prog_map(prog, name) == map;
}

/*
 * Bind prog's maps to the connection fc: no other live connection may use
 * its configuration or its served counts (-EBUSY: their nodeids and counts
 * are that connection's), and the configuration records conn_id, which the
 * extension compares with every request's (written only when write is
 * set, once the attach cannot fail).  Caller holds extfuse_lock.
 */
static int extfuse_bind(struct fuse_conn *fc, u32 conn_id,
			struct bpf_prog *prog, bool write)
{
	struct bpf_map *cfg = extfuse_prog_map(prog, EXTFUSE_MAP_CONFIG);
	struct bpf_map *served = extfuse_served_map(prog);
	struct extfuse_config *val;
	struct extfuse_att *att;
	u32 zero = 0;

	list_for_each_entry(att, &extfuse_atts, node) {
		struct bpf_prog *p = rcu_dereference_protected(
			att->prog, lockdep_is_held(&extfuse_lock));

		if (att->fc == fc || !READ_ONCE(att->fc->connected) || !p)
			continue;
		if (extfuse_prog_uses(p, cfg, EXTFUSE_MAP_CONFIG) ||
		    extfuse_prog_uses(p, served, EXTFUSE_MAP_SERVED)) {
			pr_warn("program %u: its maps are bound to connection %u: refused on connection %u\n",
				prog->aux->id, att->conn_id, conn_id);
			return -EBUSY;
		}
	}
	if (!cfg)
		return 0; /* no configuration: nothing is served by it */
	if (cfg->map_type != BPF_MAP_TYPE_ARRAY ||
	    cfg->value_size != sizeof(*val) || cfg->max_entries < 1)
		return -EINVAL;
	/* An array's values stay where they are for the map's life. */
	val = cfg->ops->map_lookup_elem(cfg, &zero);
	if (!val)
		return -EINVAL;
	if (write)
		WRITE_ONCE(val->conn_id, conn_id);
	return 0;
}

/* Ask the program which ABI it speaks; it must write the header back. */
static int extfuse_probe(struct bpf_prog *prog)
{
	struct extfuse_req *ctx = extfuse_ctx_alloc(GFP_KERNEL);
	int err = 0;

	if (!ctx)
		return -ENOMEM;
	extfuse_ctx_init(ctx, NULL, EXTFUSE_OP_PROBE);
	ctx->magic = 0;
	ctx->abi_version = 0;
	rcu_read_lock_trace();
	extfuse_prog_run(prog, ctx);
	rcu_read_unlock_trace();
	if (ctx->magic != EXTFUSE_MAGIC ||
	    ctx->abi_version != EXTFUSE_ABI_VERSION) {
		pr_warn("program %u does not speak ABI %u (magic %#x, abi %u)\n",
			prog->aux->id, EXTFUSE_ABI_VERSION, ctx->magic,
			ctx->abi_version);
		err = -EPROTO;
	}
	extfuse_ctx_free(ctx);
	return err;
}

static struct bpf_prog *extfuse_prog_get(int fd)
{
	struct bpf_prog *prog;
	int err = 0;

	prog = bpf_prog_get_type_dev(fd, BPF_PROG_TYPE_SYSCALL, false);
	if (IS_ERR(prog))
		return prog;
	if (!extfuse_prog_sleepable(prog))
		err = -EINVAL;
	else if (prog->aux->max_ctx_offset > sizeof(struct extfuse_req))
		err = -E2BIG;
	else
		err = extfuse_probe(prog);
	if (err) {
		bpf_prog_put(prog);
		return ERR_PTR(err);
	}
	return prog;
}

/*
 * FUSE refuses the attributes of a reply that crossed an expiry
 * (attr_version), not its dentry's validity: a LOOKUP answered from the
 * old state, by a run that read the old epoch (the grace period covers
 * the run, not the caller that applies its answer) or by the daemon, may
 * set it after the expiry.  So the connection's caches are expired again
 * EXTFUSE_REEXPIRE_SOON and EXTFUSE_REEXPIRE_LATE after the last expiry.
 * A new expiry restarts the pair: it expires everything itself.
 */
#define EXTFUSE_REEXPIRE_SOON msecs_to_jiffies(100)
#define EXTFUSE_REEXPIRE_LATE msecs_to_jiffies(1000)

/* Run again at from + after, or now if that is past. */
static void extfuse_reexpire_at(struct extfuse_att *att, unsigned long from,
				unsigned long after)
{
	unsigned long now = jiffies;

	mod_delayed_work(system_wq, &att->reexpire,
			 time_before(now, from + after) ? from + after - now : 0);
}

/*
 * Every expiry at from needs a run that begins at from + SOON or later and
 * one at from + LATE or later.  from is read after this run's expiry: a
 * restart meanwhile is seen, and its pair is scheduled from its own time.
 */
static void extfuse_reexpire_work(struct work_struct *work)
{
	struct extfuse_att *att = container_of(to_delayed_work(work),
					       struct extfuse_att, reexpire);
	unsigned long began = jiffies, from;

	if (!READ_ONCE(att->fc->connected))
		return;
	extfuse_kcache_expire(att->fc, 0);
	from = READ_ONCE(att->reexpire_from);
	if (time_before(began, from + EXTFUSE_REEXPIRE_SOON))
		extfuse_reexpire_at(att, from, EXTFUSE_REEXPIRE_SOON);
	else if (time_before(began, from + EXTFUSE_REEXPIRE_LATE))
		extfuse_reexpire_at(att, from, EXTFUSE_REEXPIRE_LATE);
}

static void extfuse_reexpire_soon(struct extfuse_att *att)
{
	unsigned long from = jiffies;

	WRITE_ONCE(att->reexpire_from, from);
	extfuse_reexpire_at(att, from, EXTFUSE_REEXPIRE_SOON);
}

/* Expire every cache of fc now, and again after the replies that crossed
 * this expiry were applied (while fc is still attached). */
static void extfuse_expire_all(struct fuse_conn *fc)
{
	struct extfuse_att *att;

	extfuse_kcache_expire(fc, 0);
	mutex_lock(&extfuse_lock);
	att = extfuse_att_find(fc);
	if (att)
		extfuse_reexpire_soon(att);
	mutex_unlock(&extfuse_lock);
}

static struct extfuse_att *extfuse_att_new(struct fuse_conn *fc, u32 conn_id)
{
	struct extfuse_att *att = kzalloc(sizeof(*att), GFP_KERNEL);

	if (!att)
		return NULL;
	att->stats = alloc_percpu(struct extfuse_counters);
	if (!att->stats) {
		kfree(att);
		return NULL;
	}
	att->fc = fc;
	att->conn_id = conn_id;
	INIT_DELAYED_WORK(&att->reexpire, extfuse_reexpire_work);
	return att;
}

/*
 * A replacement must take FORGET counts from the map its predecessor
 * counted served lookups in: -EBUSY otherwise.
 */
static int extfuse_replace(struct extfuse_att *att, struct bpf_prog *prog,
			   struct bpf_prog **old)
{
	struct bpf_prog *cur;

	cur = rcu_dereference_protected(att->prog,
					lockdep_is_held(&extfuse_lock));
	if (extfuse_served_map(cur) != extfuse_served_map(prog)) {
		pr_warn("connection %u: program %u counts served lookups in another map than program %u: refused\n",
			att->conn_id, prog->aux->id, cur->aux->id);
		return -EBUSY;
	}
	*old = rcu_replace_pointer(att->prog, prog,
				   lockdep_is_held(&extfuse_lock));
	WRITE_ONCE(att->detached, false);
	return 0;
}

/* Install prog on fc (the references on both pass to the attachment). */
static int extfuse_install(struct fuse_conn *fc, u32 conn_id,
			   struct bpf_prog *prog)
{
	struct extfuse_att *att, *fresh;
	struct bpf_prog *old = NULL;
	int err = 0;

	fresh = extfuse_att_new(fc, conn_id);
	if (!fresh)
		return -ENOMEM;
	mutex_lock(&extfuse_lock);
	att = extfuse_att_find(fc);
	err = extfuse_bind(fc, conn_id, prog, false);
	if (err) {
		att = NULL;
	} else if (att) {
		err = extfuse_replace(att, prog, &old);
	} else {
		/* The ioctl's open file pins the module meanwhile. */
		__module_get(THIS_MODULE);
		rcu_assign_pointer(fresh->prog, prog);
		list_add_tail_rcu(&fresh->node, &extfuse_atts);
	}
	if (!err)
		extfuse_bind(fc, conn_id, prog, true);
	mutex_unlock(&extfuse_lock);
	if (err) {
		free_percpu(fresh->stats);
		kfree(fresh);
		return err;
	}
	if (att) {
		/* Re-attach: the connection reference stays with att. */
		free_percpu(fresh->stats);
		kfree(fresh);
		fuse_conn_put(fc);
		/* A sleepable program is freed after a tasks-trace grace period. */
		bpf_prog_put(old);
	}
	schedule_delayed_work(&extfuse_reaper, EXTFUSE_REAP_INTERVAL);
	pr_info("%s connection %u: program %u\n",
		att ? "replaced on" : "attached to", conn_id, prog->aux->id);
	return 0;
}

int extfuse_attach(const struct extfuse_attach *req, u32 *conn_id)
{
	struct bpf_prog *prog;
	struct fuse_conn *fc;
	int err;

	err = extfuse_check_attach(req);
	if (err)
		return err;
	fc = extfuse_conn_get_fd(req->conn_fd, conn_id);
	if (IS_ERR(fc))
		return PTR_ERR(fc);
	err = extfuse_check_owner(fc, req->flags);
	if (err) {
		fuse_conn_put(fc);
		return err;
	}
	prog = extfuse_prog_get(req->prog_fd);
	if (IS_ERR(prog)) {
		fuse_conn_put(fc);
		return PTR_ERR(prog);
	}
	err = extfuse_install(fc, *conn_id, prog);
	if (err) {
		bpf_prog_put(prog);
		fuse_conn_put(fc);
	}
	return err;
}

/*
 * Stop answering on a connection.  The attachment stays, with its program,
 * until the connection ends: FORGETs of lookups it served are still taken
 * off the served counts, and modifying requests still invalidate.
 */
int extfuse_detach(const struct extfuse_attach *req)
{
	struct extfuse_att *att;
	struct fuse_conn *fc;
	bool found = false;
	u32 conn_id;

	if (extfuse_check_header(req))
		return -EPROTO;
	fc = extfuse_conn_get_fd(req->conn_fd, &conn_id);
	if (IS_ERR(fc))
		return PTR_ERR(fc);
	mutex_lock(&extfuse_lock);
	att = extfuse_att_find(fc);
	if (att && !att->detached) {
		WRITE_ONCE(att->detached, true);
		found = true;
	}
	mutex_unlock(&extfuse_lock);
	if (!found) {
		fuse_conn_put(fc);
		return -ENOENT;
	}
	/* No run that may still answer survives the call. */
	synchronize_rcu_tasks_trace();
	/* Nothing keeps what the kernel was told current from now on. */
	extfuse_expire_all(fc);
	fuse_conn_put(fc);
	pr_info("connection %u: detached (FORGETs rewritten until it ends)\n",
		conn_id);
	return 0;
}

/* EXTFUSE_IOC_EXPIRE: the kernel's caches of attached connection conn_id
 * (with dir, the names under that directory). */
int extfuse_expire_conn(u32 conn_id, u64 dir)
{
	struct fuse_conn *fc = NULL;
	struct extfuse_att *att;

	mutex_lock(&extfuse_lock);
	list_for_each_entry(att, &extfuse_atts, node) {
		if (att->conn_id == conn_id && READ_ONCE(att->fc->connected)) {
			fc = fuse_conn_get(att->fc);
			break;
		}
	}
	mutex_unlock(&extfuse_lock);
	if (!fc)
		return -ENOENT;
	/*
	 * Runs that read the old epoch have ended before the caches go.  A
	 * directory's names follow an upcall, as the bridge's INVAL_ENTRY
	 * does, without waiting (there is one per change of another client).
	 */
	if (dir) {
		/* The translator sends a directory's names again itself. */
		extfuse_kcache_expire(fc, dir);
	} else {
		synchronize_rcu_tasks_trace();
		extfuse_expire_all(fc);
	}
	fuse_conn_put(fc);
	return 0;
}

static void extfuse_sum(struct extfuse_att *att, struct extfuse_conn_info *info)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct extfuse_counters *c = per_cpu_ptr(att->stats, cpu);

		info->seen += READ_ONCE(c->seen);
		info->answered += READ_ONCE(c->answered);
		info->forwarded += READ_ONCE(c->forwarded);
		info->refused += READ_ONCE(c->refused);
		info->forget_adjusted += READ_ONCE(c->forget_adjusted);
		info->forget_dropped += READ_ONCE(c->forget_dropped);
	}
}

int extfuse_query(struct extfuse_conn_info *info)
{
	struct extfuse_att *att;
	u32 i = 0;
	int err = -ENOENT;

	mutex_lock(&extfuse_lock);
	list_for_each_entry(att, &extfuse_atts, node) {
		struct bpf_prog *prog;

		if (i++ != info->index)
			continue;
		prog = rcu_dereference_protected(att->prog,
						 lockdep_is_held(&extfuse_lock));
		info->conn_id = att->conn_id;
		info->prog_id = prog ? prog->aux->id : 0;
		if (att->detached)
			info->flags |= EXTFUSE_CONN_DETACHED;
		extfuse_sum(att, info);
		err = 0;
		break;
	}
	mutex_unlock(&extfuse_lock);
	return err;
}

int extfuse_conn_init(void)
{
	return 0;
}

/* Module exit: no attachment is left (each holds a module reference). */
void extfuse_conn_exit(void)
{
	cancel_delayed_work_sync(&extfuse_reaper);
	WARN_ON_ONCE(extfuse_conn_any());
}
