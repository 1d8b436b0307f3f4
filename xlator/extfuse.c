// SPDX-License-Identifier: GPL-2.0
/*
 * performance/extfuse: the translator (extfuse.h tells what it does and
 * where its parts live).  Options, init and fini, reconfigure, notify,
 * the statedump and the tables, and what every fop uses: whether to
 * mirror at all, the expiry rule, the frame locals.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glusterfs/glusterfs.h>
#include <glusterfs/xlator.h>
#include <glusterfs/defaults.h>
#include <glusterfs/logging.h>
#include <glusterfs/statedump.h>
#include <glusterfs/upcall-utils.h>
#include <glusterfs/common-utils.h>

#include "extfuse.h"
#include "extfuse-probe.h"
#include "extfuse-mem-types.h"
#include "extfuse-messages.h"

/* The handle to publish through, or NULL when nothing may be mirrored. */
struct extfuse *efx_active(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);

	if (!priv || !priv->enable || priv->ino32 || !priv->probe)
		return NULL;
	if (!efx_conn_owned_by(this))
		return NULL;
	return efx_ef(priv);
}

/*
 * The expiry rule: a value lives at most the window (the smaller of the
 * servers' cache-invalidation-timeout and md-cache-timeout) counted from
 * the time the servers were asked for it, as the probe recorded it; md-cache
 * may hand out a value fetched long before.  asked_ns 0 (never, or unknown)
 * and a window already past both give 0: nothing is published.
 */
uint64_t efx_expiry_from(xlator_t *this, uint64_t asked_ns)
{
	struct efx_priv *priv = efx_priv(this);
	uint64_t window = __atomic_load_n(&priv->expiry_ns, __ATOMIC_RELAXED);

	if (asked_ns && asked_ns + window > extfuse_now_ns())
		return asked_ns + window;
	GF_ATOMIC_INC(priv->c.too_old);
	return 0;
}

void efx_count_ret(xlator_t *this, int ret, const char *what)
{
	struct efx_priv *priv = efx_priv(this);

	if (ret == -ESTALE) {
		GF_ATOMIC_INC(priv->c.refused);
	} else if (ret < 0) {
		GF_ATOMIC_INC(priv->c.errors);
		gf_msg_debug(this->name, -ret, "%s failed", what);
	}
}

static void efx_stamp(xlator_t *this, inode_t *inode, struct extfuse_stamp *st,
		      bool *ok)
{
	struct extfuse *ef = efx_active(this);

	*ok = false;
	if (!ef || !efx_inode_ok(this, inode))
		return;
	*ok = extfuse_stamp(ef, efx_nodeid(inode), st) == 0;
}

/* ---- frame locals ---------------------------------------------------- */

static struct efx_local *efx_local_new(call_frame_t *frame, xlator_t *this)
{
	struct efx_local *local;

	local = GF_CALLOC(1, sizeof(*local), gf_extfuse_mt_local);
	if (local)
		local->inval_seq =
			(uint64_t)GF_ATOMIC_GET(efx_priv(this)->inval_seq);
	frame->local = local;
	return local;
}

void efx_local_free(struct efx_local *local)
{
	if (!local)
		return;
	if (local->inode)
		inode_unref(local->inode);
	if (local->parent)
		inode_unref(local->parent);
	if (local->parent2)
		inode_unref(local->parent2);
	if (local->inode2)
		inode_unref(local->inode2);
	GF_FREE(local->name);
	GF_FREE(local->name2);
	loc_wipe(&local->ploc);
	loc_wipe(&local->rloc);
	if (local->lookup_xdata)
		dict_unref(local->lookup_xdata);
	if (local->held_xdata)
		dict_unref(local->held_xdata);
	if (local->held_inode)
		inode_unref(local->held_inode);
	GF_FREE(local);
}

/* A local whether or not anything is mirrored (listings translate their
 * cookies always); the stamp of inode when it is. */
struct efx_local *efx_prepare_always(call_frame_t *frame, xlator_t *this,
				     inode_t *inode)
{
	struct efx_local *local = efx_local_new(frame, this);

	if (local && inode) {
		local->inode = inode_ref(inode);
		efx_stamp(this, inode, &local->st, &local->have_st);
	}
	return local;
}

/* Read the stamps a callback will publish with (before winding). */
struct efx_local *efx_prepare(call_frame_t *frame, xlator_t *this,
			      inode_t *inode, inode_t *parent, const char *name)
{
	struct efx_local *local;

	if (!efx_active(this))
		return NULL;
	local = efx_local_new(frame, this);
	if (!local)
		return NULL;
	if (inode) {
		local->inode = inode_ref(inode);
		efx_stamp(this, inode, &local->st, &local->have_st);
	}
	if (parent) {
		local->parent = inode_ref(parent);
		efx_stamp(this, parent, &local->pst, &local->have_pst);
	}
	if (name)
		local->name = gf_strdup(name);
	return local;
}

/* ---- libextfuse and the extension's configuration ------------------- */

static void efx_log_cb(enum extfuse_log_level level, const char *msg, void *arg)
{
	const char *name = arg;

	switch (level) {
	case EXTFUSE_LOG_ERROR:
		gf_msg(name, GF_LOG_ERROR, 0, EXTFUSE_MSG_LIBEXTFUSE, "%s",
		       msg);
		break;
	case EXTFUSE_LOG_WARN:
		gf_msg(name, GF_LOG_WARNING, 0, EXTFUSE_MSG_LIBEXTFUSE, "%s",
		       msg);
		break;
	default:
		gf_msg_debug(name, 0, "%s", msg);
		break;
	}
}

/*
 * How long the kernel may keep an answer of the extension.  A timeout
 * given on the command line is the administrator's.  Otherwise, when the
 * servers report changes (every value then dies by an upcall, which also
 * reaches the kernel, or by an epoch move, which the module makes the
 * kernel forget), until the value's expiry; else the bridge's 1 s.
 */
static uint64_t efx_kernel_timeout_ns(xlator_t *this, double secs)
{
	struct efx_priv *priv = efx_priv(this);

	if (secs >= 0)
		return (uint64_t)(secs * 1e9);
	if (priv->server_ci && efx_conn_kernel_expires())
		return EXTFUSE_TIMEOUT_EXPIRY;
	return NSEC_PER_SEC;
}

/*
 * Whether the mount's FUSE bridge has option key on: set on the command
 * line (arg), or in the bridge's own options.  Unsure counts as on.
 */
static bool efx_fuse_option_on(xlator_t *this, char *key, int arg)
{
	xlator_t *bridge = this->ctx->root;

	if (arg)
		return true;
	if (!bridge || !bridge->type || strcmp(bridge->type, "mount/fuse") ||
	    !bridge->options)
		return true;
	return dict_get_str_boolean(bridge->options, key, 0) != 0;
}

/* The configuration the options ask for (the epoch is the library's). */
void efx_wanted_config(xlator_t *this, struct extfuse_config *cfg)
{
	struct efx_priv *priv = efx_priv(this);
	cmd_args_t *args = &this->ctx->cmd_args;

	memset(cfg, 0, sizeof(*cfg));
	cfg->magic = EXTFUSE_MAGIC;
	if (priv->enable && !priv->ino32)
		cfg->flags |= EXTFUSE_CFG_ENABLED;
	/* Stock Gluster caches no misses and no listings without upcalls. */
	if (priv->negative && priv->server_ci)
		cfg->flags |= EXTFUSE_CFG_NEGATIVE;
	if (priv->dirs && priv->server_ci)
		cfg->flags |= EXTFUSE_CFG_DIRS;
	/* The bridge refuses these reads by name unless mounted with
	 * --selinux (both) or --capability (the latter). */
	if (!efx_fuse_option_on(this, "selinux", args->selinux)) {
		cfg->flags |= EXTFUSE_CFG_ABSENT_SELINUX;
		if (!efx_fuse_option_on(this, "capability", args->capability))
			cfg->flags |= EXTFUSE_CFG_ABSENT_CAPABILITY;
	}
	cfg->entry_timeout_ns =
		efx_kernel_timeout_ns(this, args->fuse_entry_timeout);
	cfg->attr_timeout_ns =
		efx_kernel_timeout_ns(this, args->fuse_attribute_timeout);
}

void efx_apply_config(xlator_t *this, struct extfuse *ef)
{
	struct extfuse_config cfg, cur;
	int ret;

	efx_wanted_config(this, &cfg);
	/* Setting it moves the epoch, which retires every value: only when
	 * something changed (most reconfigurations are of other options). */
	if (extfuse_get_config(ef, &cur) == 0 && cur.flags == cfg.flags &&
	    cur.entry_timeout_ns == cfg.entry_timeout_ns &&
	    cur.attr_timeout_ns == cfg.attr_timeout_ns)
		return;
	ret = extfuse_set_config(ef, &cfg);
	if (ret < 0)
		gf_msg(this->name, GF_LOG_ERROR, -ret, EXTFUSE_MSG_CONFIG,
		       "cannot configure the extension");
}

/* ---- options --------------------------------------------------------- */

/* How long a published value lives (see extfuse_abi.h, Expiry). */
static void efx_update_expiry(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	time_t secs = priv->mdc_timeout;

	/* md-cache's own clamp without its cache-invalidation option. */
	if (!priv->mdc_ci && secs > EFX_MDC_PLAIN_MAX)
		secs = EFX_MDC_PLAIN_MAX;
	/* Bricks keep access times in whole seconds: a registration may end
	 * up to a second before the window counted from our wind time. */
	if (priv->server_ci && priv->ci_timeout - 1 < secs)
		secs = priv->ci_timeout - 1;
	if (priv->timeout_cap < secs)
		secs = priv->timeout_cap;
	if (secs < 0)
		secs = 0;
	__atomic_store_n(&priv->expiry_ns, (uint64_t)secs * NSEC_PER_SEC,
			 __ATOMIC_RELAXED);
	gf_msg_debug(this->name, 0, "published values live %ld s", (long)secs);
	if (priv->server_ci || priv->warned_ci)
		return;
	priv->warned_ci = true;
	gf_msg(this->name, GF_LOG_WARNING, 0, EXTFUSE_MSG_NO_INVALIDATION,
	       "features.cache-invalidation is off: changes made by other "
	       "clients are not reported, so no missing names and no listings "
	       "are mirrored, and attributes and names live at most %ld s, "
	       "as in md-cache",
	       (long)secs);
}

static void efx_reconfigured(xlator_t *this, bool flush)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = NULL;

	efx_update_expiry(this);
	/* Also when disabled: the extension must learn that too. */
	if (efx_conn_owned_by(this))
		ef = efx_ef(priv);
	if (!ef)
		return;
	efx_apply_config(this, ef);
	if (flush)
		efx_count_ret(this, extfuse_flush(ef), "flush");
}

static int32_t efx_reconfigure(xlator_t *this, dict_t *options)
{
	struct efx_priv *priv = efx_priv(this);
	bool enable = priv->enable, negative = priv->negative;
	bool dirs = priv->dirs;
	time_t old_cap = priv->timeout_cap;
	time_t old_ci = priv->ci_timeout, old_mdc = priv->mdc_timeout;
	bool old_sci = priv->server_ci, old_mdc_ci = priv->mdc_ci;

	GF_OPTION_RECONF("enable", priv->enable, options, bool, err);
	GF_OPTION_RECONF("negative-cache", priv->negative, options, bool, err);
	GF_OPTION_RECONF("dir-cache", priv->dirs, options, bool, err);
	GF_OPTION_RECONF("max-entries", priv->max_entries, options, uint32,
			 err);
	GF_OPTION_RECONF("timeout-cap", priv->timeout_cap, options, time, err);
	GF_OPTION_RECONF("cache-invalidation", priv->server_ci, options, bool,
			 err);
	GF_OPTION_RECONF("cache-invalidation-timeout", priv->ci_timeout,
			 options, time, err);
	GF_OPTION_RECONF("md-cache-timeout", priv->mdc_timeout, options, time,
			 err);
	GF_OPTION_RECONF("md-cache-invalidation", priv->mdc_ci, options, bool,
			 err);
	if (priv->server_ci != old_sci || priv->mdc_ci != old_mdc_ci)
		priv->warned_ci = false;
	/* Anything that shortens what may be served drops what is there. */
	efx_reconfigured(this, (enable && !priv->enable) ||
				       (negative && !priv->negative) ||
				       (dirs && !priv->dirs) ||
				       priv->timeout_cap < old_cap ||
				       priv->ci_timeout < old_ci ||
				       priv->mdc_timeout < old_mdc ||
				       (old_sci && !priv->server_ci) ||
				       (old_mdc_ci && !priv->mdc_ci));
	return 0;
err:
	return -1;
}

/* The bridge squashes inode numbers with enable-ino32: not mirrored. */
static void efx_check_ino32(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);

	priv->ino32 = this->ctx->cmd_args.enable_ino32 != 0;
	if (priv->ino32)
		gf_msg(this->name, GF_LOG_WARNING, 0, EXTFUSE_MSG_INO32,
		       "the mount uses enable-ino32: nothing is mirrored");
	priv->may_have_acl = this->ctx->cmd_args.acl != 0;
}

/* The probe the volfile filter puts above the cluster translator. */
static xlator_t *efx_find_probe(xlator_t *this)
{
	xlator_t *xl;

	for (xl = FIRST_CHILD(this); xl && xl->children; xl = FIRST_CHILD(xl))
		if (xl->type && !strcmp(xl->type, EXTFUSE_PROBE_TYPE))
			return xl;
	return NULL;
}

static int32_t efx_init(xlator_t *this)
{
	struct efx_priv *priv;
	int ret;

	if (!this->children || this->children->next) {
		gf_msg(this->name, GF_LOG_ERROR, 0, EXTFUSE_MSG_INIT_FAILED,
		       "performance/extfuse needs exactly one child");
		return -1;
	}
	priv = GF_CALLOC(1, sizeof(*priv), gf_extfuse_mt_priv);
	if (!priv)
		return -1;
	pthread_mutex_init(&priv->lock, NULL);
	pthread_cond_init(&priv->cond, NULL);
	pthread_cond_init(&priv->unpublished, NULL);
	INIT_LIST_HEAD(&priv->releasing);
	INIT_LIST_HEAD(&priv->pinned);
	INIT_LIST_HEAD(&priv->recheck_soon);
	INIT_LIST_HEAD(&priv->recheck_late);
	GF_OPTION_INIT("enable", priv->enable, bool, err);
	GF_OPTION_INIT("negative-cache", priv->negative, bool, err);
	GF_OPTION_INIT("dir-cache", priv->dirs, bool, err);
	GF_OPTION_INIT("max-entries", priv->max_entries, uint32, err);
	GF_OPTION_INIT("timeout-cap", priv->timeout_cap, time, err);
	GF_OPTION_INIT("cache-invalidation", priv->server_ci, bool, err);
	GF_OPTION_INIT("cache-invalidation-timeout", priv->ci_timeout, time,
		       err);
	GF_OPTION_INIT("md-cache-timeout", priv->mdc_timeout, time, err);
	GF_OPTION_INIT("md-cache-invalidation", priv->mdc_ci, bool, err);
	this->private = priv;
	priv->probe = efx_find_probe(this);
	if (!priv->probe)
		gf_msg(this->name, GF_LOG_ERROR, 0, EXTFUSE_MSG_NO_PROBE,
		       "no " EXTFUSE_PROBE_TYPE " below: without it the age of "
		       "what md-cache answers is unknown, so nothing is "
		       "mirrored (the volfile filter inserts both)");
	efx_check_ino32(this);
	efx_update_expiry(this);
	/* Process-wide, and may outlive this instance: no pointer into it. */
	extfuse_set_log(efx_log_cb, (void *)"extfuse");

	/* Only a FUSE client has a mount to accelerate. */
	if (!this->ctx->cmd_args.mount_point)
		return 0;
	ret = gf_thread_create(&priv->thread, NULL, efx_worker, this,
			       "extfuse");
	if (ret) {
		gf_msg(this->name, GF_LOG_WARNING, ret, EXTFUSE_MSG_INIT_FAILED,
		       "cannot start the extfuse thread: pass-through only");
		return 0;
	}
	priv->thread_started = true;
	return 0;
err:
	pthread_mutex_destroy(&priv->lock);
	pthread_cond_destroy(&priv->cond);
	pthread_cond_destroy(&priv->unpublished);
	GF_FREE(priv);
	this->private = NULL;
	return -1;
}

static void efx_fini(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);

	if (!priv)
		return;
	pthread_mutex_lock(&priv->lock);
	priv->stop = true;
	pthread_cond_broadcast(&priv->cond);
	pthread_mutex_unlock(&priv->lock);
	if (priv->thread_started)
		pthread_join(priv->thread, NULL);
	efx_recheck_drop(priv);
	efx_conn_remove(this, false);
	/* Pins and node records go with the inode table. */
	this->private = NULL;
	pthread_mutex_destroy(&priv->lock);
	pthread_cond_destroy(&priv->cond);
	pthread_cond_destroy(&priv->unpublished);
	GF_FREE(priv);
}

static int32_t efx_notify(xlator_t *this, int32_t event, void *data, ...)
{
	struct gf_upcall *up = data;

	if (event == GF_EVENT_UPCALL && up && this->private &&
	    up->event_type == GF_UPCALL_CACHE_INVALIDATION)
		efx_upcall(this, up);
	else if (this->private && efx_probe_is_reset_event(event))
		efx_subvol_event(this);
	return default_notify(this, event, data);
}

static int32_t efx_mem_acct_init(xlator_t *this)
{
	return xlator_mem_acct_init(this, gf_extfuse_mt_end + 1);
}

/* ---- statedump ------------------------------------------------------- */

static int32_t efx_priv_dump(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	char key[GF_DUMP_MAX_BUF_LEN];

	if (!priv)
		return 0;
	gf_proc_dump_build_key(key, this->type, "%s", this->name);
	gf_proc_dump_add_section("%s", key);
	gf_proc_dump_write("enable", "%d", priv->enable);
	gf_proc_dump_write("connection", "%s",
			   priv->conn_id[0] ? priv->conn_id : "(none)");
	gf_proc_dump_write("maps", "%s", efx_ef(priv) ? "yes" : "no");
	gf_proc_dump_write("owner", "%d", efx_conn_owned_by(this));
	gf_proc_dump_write("attached", "%d", efx_conn_attached());
	gf_proc_dump_write("expiry_seconds", "%" PRIu64,
			   (uint64_t)(priv->expiry_ns / NSEC_PER_SEC));
	gf_proc_dump_write("published_attrs", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.attrs));
	gf_proc_dump_write("published_entries", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.entries));
	gf_proc_dump_write("published_negatives", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.negatives));
	gf_proc_dump_write("published_dirs", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.dirs));
	gf_proc_dump_write("foreign_dir_cookies", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.dirs_foreign));
	gf_proc_dump_write("invalidations", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.invalidations));
	gf_proc_dump_write("upcalls", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.upcalls));
	gf_proc_dump_write("kernel_entry_notifications", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.kernel_notified));
	gf_proc_dump_write("kernel_rechecks", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.rechecks));
	gf_proc_dump_write("recheck_overflows", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.recheck_overflows));
	gf_proc_dump_write("replies_crossing_invalidation", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.crossed));
	gf_proc_dump_write("names_looked_up_again", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.relinks));
	gf_proc_dump_write("looked_up_past_md_cache", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.refetches));
	gf_proc_dump_write("pins", "%" PRIu64, GF_ATOMIC_GET(priv->c.pins));
	gf_proc_dump_write("unpins", "%" PRIu64, GF_ATOMIC_GET(priv->c.unpins));
	gf_proc_dump_write("release_busy", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.busy));
	gf_proc_dump_write("config_repairs", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.config_repairs));
	gf_proc_dump_write("refused_publishes", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.refused));
	gf_proc_dump_write("too_old_skipped", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.too_old));
	gf_proc_dump_write("subvolume_flushes", "%" PRIu64,
			   GF_ATOMIC_GET(priv->c.subvol_flushes));
	gf_proc_dump_write("probe", "%s",
			   priv->probe ? priv->probe->name : "(none)");
	gf_proc_dump_write("errors", "%" PRIu64, GF_ATOMIC_GET(priv->c.errors));
	return 0;
}

/* ---- tables ---------------------------------------------------------- */

static struct xlator_fops efx_fops = {
	.lookup = efx_lookup,
	.stat = efx_stat,
	.fstat = efx_fstat,
	.setattr = efx_setattr,
	.fsetattr = efx_fsetattr,
	.writev = efx_writev,
	.truncate = efx_truncate,
	.ftruncate = efx_ftruncate,
	.fallocate = efx_fallocate,
	.discard = efx_discard,
	.zerofill = efx_zerofill,
	.readv = efx_readv,
	.open = efx_open,
	.setxattr = efx_setxattr,
	.fsetxattr = efx_fsetxattr,
	.removexattr = efx_removexattr,
	.fremovexattr = efx_fremovexattr,
	.create = efx_create,
	.mkdir = efx_mkdir,
	.mknod = efx_mknod,
	.symlink = efx_symlink,
	.link = efx_link,
	.unlink = efx_unlink,
	.rmdir = efx_rmdir,
	.rename = efx_rename,
	.readdirp = efx_readdirp,
	.readdir = efx_readdir,
};

static struct xlator_cbks efx_cbks = {
	.forget = efx_forget,
	.invalidate = efx_invalidate,
	.releasedir = efx_releasedir,
};

static struct xlator_dumpops efx_dumpops = {
	.priv = efx_priv_dump,
};

static struct volume_options efx_options[] = {
	{.key = {"enable"},
	 .type = GF_OPTION_TYPE_BOOL,
	 .default_value = "on",
	 .op_version = {1},
	 .flags = OPT_FLAG_SETTABLE | OPT_FLAG_CLIENT_OPT,
	 .description = "Mirror entries, attributes and listings into the "
			"ExtFUSE maps."},
	{.key = {"max-entries"},
	 .type = GF_OPTION_TYPE_INT,
	 .min = 1024,
	 .max = 16777216,
	 .default_value = "131072",
	 .op_version = {1},
	 .flags = OPT_FLAG_SETTABLE | OPT_FLAG_CLIENT_OPT,
	 .description = "Capacity of each map (entries, attributes, "
			"listings); read when the maps are created."},
	{.key = {"negative-cache"},
	 .type = GF_OPTION_TYPE_BOOL,
	 .default_value = "on",
	 .op_version = {1},
	 .flags = OPT_FLAG_SETTABLE | OPT_FLAG_CLIENT_OPT,
	 .description = "Mirror names that do not exist."},
	{.key = {"dir-cache"},
	 .type = GF_OPTION_TYPE_BOOL,
	 .default_value = "on",
	 .op_version = {1},
	 .flags = OPT_FLAG_SETTABLE | OPT_FLAG_CLIENT_OPT,
	 .description = "Mirror directory listings."},
	{.key = {"timeout-cap"},
	 .type = GF_OPTION_TYPE_TIME,
	 .min = 0,
	 .max = 3600,
	 .default_value = "600",
	 .op_version = {1},
	 .flags = OPT_FLAG_SETTABLE | OPT_FLAG_CLIENT_OPT,
	 .description = "Upper bound, in seconds, on how long a mirrored "
			"value may be served."},
	{.key = {"cache-invalidation"},
	 .type = GF_OPTION_TYPE_BOOL,
	 .default_value = "off",
	 .op_version = {1},
	 .flags = OPT_FLAG_CLIENT_OPT,
	 .description = "Whether the bricks send upcalls "
			"(features.cache-invalidation; set by the volfile "
			"filter)."},
	{.key = {"cache-invalidation-timeout"},
	 .type = GF_OPTION_TYPE_TIME,
	 .min = 0,
	 .max = 3600,
	 .default_value = "60",
	 .op_version = {1},
	 .flags = OPT_FLAG_CLIENT_OPT,
	 .description = "features.cache-invalidation-timeout of the volume "
			"(set by the volfile filter)."},
	{.key = {"md-cache-timeout"},
	 .type = GF_OPTION_TYPE_TIME,
	 .min = 0,
	 .max = 600,
	 .default_value = "1",
	 .op_version = {1},
	 .flags = OPT_FLAG_CLIENT_OPT,
	 .description = "performance.md-cache-timeout of the volume (set by "
			"the volfile filter)."},
	{.key = {"md-cache-invalidation"},
	 .type = GF_OPTION_TYPE_BOOL,
	 .default_value = "off",
	 .op_version = {1},
	 .flags = OPT_FLAG_CLIENT_OPT,
	 .description = "md-cache's own cache-invalidation option "
			"(performance.cache-invalidation, set by the volfile "
			"filter): without it md-cache keeps values at most "
			"60 s."},
	{.key = {NULL}},
};

xlator_api_t xlator_api = {
	.init = efx_init,
	.fini = efx_fini,
	.notify = efx_notify,
	.reconfigure = efx_reconfigure,
	.mem_acct_init = efx_mem_acct_init,
	.op_version = {1},
	.dumpops = &efx_dumpops,
	.fops = &efx_fops,
	.cbks = &efx_cbks,
	.options = efx_options,
	.identifier = "extfuse",
	.category = GF_TECH_PREVIEW,
};
