// SPDX-License-Identifier: GPL-2.0
/*
 * performance/extfuse: the process-wide connection.  The worker thread of
 * each instance finds the daemon's own FUSE connection, creates its maps
 * or takes them over from an older graph, attaches the extension, and
 * retires an instance whose graph was superseded; the maps are removed
 * when the mount goes.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glusterfs/glusterfs.h>
#include <glusterfs/xlator.h>
#include <glusterfs/logging.h>

#include "extfuse.h"
#include "extfuse-messages.h"

#define EFX_SWEEP_SECONDS 1

/*
 * The maps belong to the FUSE connection, not to one graph: after a graph
 * switch the new instance of this translator takes them over.  All
 * instances live in the same shared object, so this is process-wide.
 */
static struct {
	pthread_mutex_t lock;
	struct extfuse *ef;
	xlator_t *owner;
	char conn_id[16];
	bool attached;
	bool kernel_expires; /* the module expires the kernel's caches */
	bool exiting; /* the process is in exit(): create nothing more */
	bool warned_no_module; /* one warning per process, not per graph */
	bool warned_conns; /* likewise: several /dev/fuse connections */
} efx_conn = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Whether this instance publishes into the connection's maps. */
bool efx_conn_owned_by(xlator_t *this)
{
	return __atomic_load_n(&efx_conn.owner, __ATOMIC_ACQUIRE) == this;
}

bool efx_conn_attached(void)
{
	return __atomic_load_n(&efx_conn.attached, __ATOMIC_RELAXED);
}

/* Whether every epoch move also reaches the kernel's caches. */
bool efx_conn_kernel_expires(void)
{
	return __atomic_load_n(&efx_conn.kernel_expires, __ATOMIC_RELAXED);
}

/* mountinfo escapes blanks and backslashes as \ooo. */
static void efx_unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] &&
		    s[3]) {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/*
 * The FUSE connection id of the mount (minor of its st_dev), read from
 * mountinfo: stat() of the mount point would be a FUSE request to this
 * very process.  Returns -ENOENT while the mount is not there.
 */
static int efx_mount_conn(const char *mnt, unsigned int *conn)
{
	char line[4096], point[PATH_MAX], fstype[256];
	unsigned int maj, min;
	int ret = -ENOENT;
	char *dash;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min,
			   point) != 3)
			continue;
		dash = strstr(line, " - ");
		if (!dash || sscanf(dash + 3, "%255s", fstype) != 1)
			continue;
		efx_unescape(point);
		if (strcmp(point, mnt) || strncmp(fstype, "fuse", 4))
			continue;
		*conn = min; /* the last match is the top mount */
		ret = 0;
	}
	fclose(f);
	return ret;
}

/*
 * The daemon's own /dev/fuse file descriptor and its connection id.  The
 * mount point cannot name the connection: a FUSE file system mounted over
 * it (by anyone who may write there) would be found instead.  The FUSE
 * bridge holds the only /dev/fuse file of this process; ask the module
 * which connection each one serves, and refuse if they are not all one.
 * -ENOENT while nothing is mounted yet.  The fd stays the bridge's.
 */
static int efx_fuse_fd(__u32 *conn)
{
	int fd, found = -ENOENT;
	struct dirent *de;
	struct stat sb;
	__u32 id;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    fd == dirfd(d) || fstat(fd, &sb) || !S_ISCHR(sb.st_mode) ||
		    major(sb.st_rdev) != 10 || minor(sb.st_rdev) != 229)
			continue;
		if (extfuse_conn_of(fd, &id))
			continue; /* not mounted yet */
		if (found >= 0 && id != *conn) {
			found = -EMLINK;
			break;
		}
		*conn = id;
		found = fd;
	}
	closedir(d);
	return found;
}

/*
 * The maps were flushed under a graph: let its sweeper unpin all.  Its
 * names go through the extension, as every unpublish does: each bumps
 * its parent's version, so that a publish of the old graph still under
 * way is never served once its record is gone.
 */
static void efx_disown(xlator_t *old, struct extfuse *ef)
{
	efx_unpublish_pinned(old->private, ef);
}

static int efx_open_maps(xlator_t *this, unsigned int conn)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse_opts opts = {.sz = sizeof(opts)};
	struct extfuse *ef = NULL;
	xlator_t *old = NULL;
	char id[16];
	int ret = 0;

	snprintf(id, sizeof(id), "%u", conn);
	opts.max_entries = priv->max_entries;
	pthread_mutex_lock(&efx_conn.lock);
	if (__atomic_load_n(&efx_conn.exiting, __ATOMIC_SEQ_CST)) {
		pthread_mutex_unlock(&efx_conn.lock);
		return -ESHUTDOWN;
	}
	if (efx_conn.ef && !strcmp(efx_conn.conn_id, id)) {
		/* A graph switch: what the old graph published is gone. */
		ef = efx_conn.ef;
		old = efx_conn.owner;
		extfuse_flush(ef);
		gf_msg(this->name, GF_LOG_INFO, 0, EXTFUSE_MSG_GRAPH_SWITCH,
		       "taking over the maps of connection %s", id);
	} else {
		ret = extfuse_create(id, &opts, &ef);
		if (ret == -EEXIST) {
			/* Left over by a client of an earlier mount. */
			extfuse_remove(id, NULL);
			ret = extfuse_create(id, &opts, &ef);
		}
		if (ret == 0 &&
		    __atomic_load_n(&efx_conn.exiting, __ATOMIC_SEQ_CST)) {
			/* exit() began while the pins were being made. */
			extfuse_remove(id, NULL);
			pthread_mutex_unlock(&efx_conn.lock);
			return -ESHUTDOWN;
		}
		if (ret < 0) {
			pthread_mutex_unlock(&efx_conn.lock);
			gf_msg(this->name, GF_LOG_WARNING, -ret,
			       EXTFUSE_MSG_MAPS_FAILED,
			       "cannot create the maps of connection %s: "
			       "pass-through only",
			       id);
			return ret;
		}
		efx_conn.ef = ef;
		snprintf(efx_conn.conn_id, sizeof(efx_conn.conn_id), "%s", id);
		gf_msg(this->name, GF_LOG_INFO, 0, EXTFUSE_MSG_MAPS_CREATED,
		       "maps of connection %s pinned under %s/%s", id,
		       EXTFUSE_PIN_ROOT, id);
	}
	snprintf(priv->conn_id, sizeof(priv->conn_id), "%s", id);
	efx_apply_config(this, ef);
	__atomic_store_n(&priv->ef, ef, __ATOMIC_RELEASE);
	__atomic_store_n(&efx_conn.owner, this, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&efx_conn.lock);
	if (old && old != this && old->private)
		efx_disown(old, ef);
	return 0;
}

static void efx_attach(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	__u32 conn = 0;
	int fd, ret;

	if (!extfuse_module_loaded()) {
		if (!__atomic_exchange_n(&efx_conn.warned_no_module, true,
					 __ATOMIC_RELAXED))
			gf_msg(this->name, GF_LOG_WARNING, 0,
			       EXTFUSE_MSG_NO_MODULE,
			       "the extfuse kernel module is not loaded: the "
			       "maps are kept up to date, but every request "
			       "still reaches this client");
		return;
	}
	pthread_mutex_lock(&efx_conn.lock);
	if (efx_conn.attached) {
		pthread_mutex_unlock(&efx_conn.lock);
		return;
	}
	fd = efx_fuse_fd(&conn);
	ret = fd < 0 ? fd : extfuse_attach(efx_ef(priv), fd, &conn);
	efx_conn.attached = ret == 0;
	/* A module that can expire the kernel's caches lets the kernel keep
	 * answers until their expiry (efx_wanted_config). */
	__atomic_store_n(&efx_conn.kernel_expires,
			 ret == 0 && extfuse_expire_kernel(efx_ef(priv)) == 0,
			 __ATOMIC_RELAXED);
	pthread_mutex_unlock(&efx_conn.lock);
	if (ret == 0) {
		gf_msg(this->name, GF_LOG_INFO, 0, EXTFUSE_MSG_ATTACHED,
		       "extension attached to FUSE connection %u", conn);
		efx_apply_config(this, efx_ef(priv));
	} else {
		gf_msg(this->name, GF_LOG_WARNING, -ret,
		       EXTFUSE_MSG_ATTACH_FAILED,
		       "cannot attach the extension: every request still "
		       "reaches this client");
	}
}

/* Detach the extension from the daemon's connection. */
static void efx_detach(void)
{
	__u32 conn = 0;
	int fd = efx_fuse_fd(&conn);

	if (fd >= 0)
		extfuse_detach(fd);
}

/*
 * Remove the pins of the connection (unmount, exit), or, with keep (the
 * translator was turned off) while the extension is attached, only stop
 * the answers and empty the caches: the module keeps rewriting FORGETs
 * into this served-count map until the connection ends, and only a
 * program counting in the same map may attach to it again.  Keeping the
 * maps lets a later graph with the translator take them over and attach
 * again, with the counts of the lookups still held.
 */
bool efx_conn_remove(xlator_t *this, bool keep)
{
	pthread_mutex_lock(&efx_conn.lock);
	/* A newer graph's instance may have taken the maps over meanwhile. */
	if (efx_conn.owner != this) {
		pthread_mutex_unlock(&efx_conn.lock);
		return false;
	}
	if (efx_conn.attached)
		efx_detach();
	if (keep && efx_conn.attached && efx_conn.ef) {
		efx_conn.attached = false;
		extfuse_flush(efx_conn.ef);
		gf_msg(this->name, GF_LOG_INFO, 0, EXTFUSE_MSG_REMOVED,
		       "extension of connection %s detached; its maps stay "
		       "until the mount goes (served lookups still counted)",
		       efx_conn.conn_id);
		__atomic_store_n(&efx_conn.owner, NULL, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&efx_conn.lock);
		return true;
	}
	efx_conn.attached = false;
	__atomic_store_n(&efx_conn.kernel_expires, false, __ATOMIC_RELAXED);
	if (efx_conn.ef) {
		/*
		 * Not closed: instances of older graphs may still sweep
		 * their pins through it, and closed fds get reused.  Its
		 * maps die with the last fd; a handle is left per cycle.
		 */
		efx_conn.ef = NULL;
		extfuse_remove(efx_conn.conn_id, NULL);
		gf_msg(this->name, GF_LOG_INFO, 0, EXTFUSE_MSG_REMOVED,
		       "maps of connection %s removed", efx_conn.conn_id);
		efx_conn.conn_id[0] = '\0';
	}
	__atomic_store_n(&efx_conn.owner, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&efx_conn.lock);
	return true;
}

/*
 * A graph newer than ours is active.  init() runs before the graph it
 * belongs to becomes ctx->active (and after a switch the mount exists
 * already), so "not the active graph" alone also describes a graph still
 * being built, which must not remove the maps it just took over.  Graph
 * ids only grow.
 */
static bool efx_superseded(xlator_t *this)
{
	glusterfs_graph_t *active =
		__atomic_load_n(&this->ctx->active, __ATOMIC_ACQUIRE);

	return active && this->graph && active->id > this->graph->id;
}

/*
 * A newer graph is active and no instance of it took the maps over
 * (extfuse was turned off): delete every entry, unpin
 * what the kernel does not hold, and remove the maps.  A node the kernel
 * still holds through kernel-served lookups stays pinned for the life of
 * the process: freeing it would let a later request name a freed inode.
 */
static void efx_retire(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	unsigned int kept;

	if (!efx_conn_owned_by(this) || !efx_superseded(this))
		return;
	efx_unpublish_pinned(priv, efx_ef(priv));
	efx_sweep(this);
	kept = efx_count_pinned(priv);
	if (kept)
		gf_msg(this->name, GF_LOG_WARNING, 0,
		       EXTFUSE_MSG_RELEASE_FAILED,
		       "%u nodes are still held by the kernel and stay "
		       "referenced",
		       kept);
	/* Whether removed here or taken over, the handle is not ours. */
	efx_conn_remove(this, true);
	__atomic_store_n(&priv->ef, NULL, __ATOMIC_RELEASE);
}

/*
 * The configuration is the extension's master switch: overwritten (a stray
 * map update, corruption), the kernel answers nothing until the mount is
 * made again, or answers under switches nobody set.  Write it again with a
 * new epoch; the library drops every cached value, so the names recorded
 * for pinned nodes go too, through the maps: each deletion bumps the
 * parent's version, so that a publish of such a name already under way is
 * never served once its record is gone (the sweeper may then unpin).
 */
static void efx_check_config(xlator_t *this)
{
	struct efx_priv *priv = efx_priv(this);
	struct extfuse *ef = efx_ef(priv);
	struct extfuse_config want, found;
	int ret;

	if (!ef || !efx_conn_owned_by(this))
		return;
	efx_wanted_config(this, &want);
	ret = extfuse_repair_config(ef, &want, &found);
	if (ret <= 0) {
		efx_count_ret(this, ret, "check configuration");
		return;
	}
	GF_ATOMIC_INC(priv->c.config_repairs);
	efx_unpublish_pinned(priv, ef);
	gf_msg(this->name, GF_LOG_WARNING, 0, EXTFUSE_MSG_CONFIG,
	       "the configuration of connection %s was overwritten (magic "
	       "0x%x, flags 0x%x): written again, every cached value dropped",
	       priv->conn_id, found.magic, found.flags);
}

/*
 * The connection to create the maps for.  With the module, the daemon's
 * own (the one an attach will bind them to); without it nothing is
 * attached, and the maps only serve extfusectl dump: the mount's entry in
 * mountinfo names them.
 */
static int efx_find_conn(const char *mnt, unsigned int *conn)
{
	__u32 id = 0;
	int fd;

	if (!extfuse_module_loaded())
		return efx_mount_conn(mnt, conn);
	fd = efx_fuse_fd(&id);
	if (fd == -EMLINK && !__atomic_exchange_n(&efx_conn.warned_conns, true,
						  __ATOMIC_RELAXED))
		gf_msg(THIS->name, GF_LOG_WARNING, EMLINK,
		       EXTFUSE_MSG_ATTACH_FAILED,
		       "this process serves more than one FUSE connection: "
		       "which is the mount's cannot be told, nothing attached");
	if (fd < 0)
		return fd;
	*conn = id;
	return 0;
}

/*
 * The worker of an instance: finds the mount's connection, then checks the
 * configuration and sweeps (and retires the instance once superseded)
 * every EFX_SWEEP_SECONDS.
 */
void *efx_worker(void *arg)
{
	xlator_t *this = arg;
	struct efx_priv *priv = efx_priv(this);
	const char *mnt = this->ctx->cmd_args.mount_point;
	unsigned int conn = 0;
	bool started = false;
	uint64_t now, next_sweep = 0, next_recheck, wake;
	struct timespec ts;

	THIS = this;
	pthread_mutex_lock(&priv->lock);
	while (!priv->stop) {
		pthread_mutex_unlock(&priv->lock);
		if (!started && mnt && efx_find_conn(mnt, &conn) == 0) {
			started = true;
			if (efx_open_maps(this, conn) == 0)
				efx_attach(this);
		}
		now = efx_realtime_ns();
		if (started && now >= next_sweep) {
			efx_check_config(this);
			efx_sweep(this);
			efx_retire(this);
			next_sweep = now + EFX_SWEEP_SECONDS * NSEC_PER_SEC;
		}
		efx_recheck_run(this);
		pthread_mutex_lock(&priv->lock);
		if (priv->stop)
			break;
		/* Not started: look for the mount again in 100 ms. */
		wake = started ? next_sweep : now + 100 * 1000 * 1000;
		/* Read under the lock: what is queued later signals cond. */
		next_recheck = efx_recheck_due_locked(priv);
		if (next_recheck && next_recheck < wake)
			wake = next_recheck;
		ts.tv_sec = wake / NSEC_PER_SEC;
		ts.tv_nsec = wake % NSEC_PER_SEC;
		if (wake > now)
			pthread_cond_timedwait(&priv->cond, &priv->lock, &ts);
	}
	pthread_mutex_unlock(&priv->lock);
	return NULL;
}

/*
 * glusterfs leaves through exit() on unmount, without fini, while the
 * threads of every graph still run: one of them may be creating the pins
 * right now (the directory appears before the maps are complete), for a
 * graph that never became active.  Stop new creations, then wait for the
 * one in progress, which holds the lock, so that whatever it pinned is
 * removed here or by itself.  The wait is bounded: exit must not hang on
 * a thread stuck in a FUSE request.
 */
static void __attribute__((destructor)) efx_at_exit(void)
{
	struct timespec ts;
	bool locked;

	__atomic_store_n(&efx_conn.exiting, true, __ATOMIC_SEQ_CST);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	locked = pthread_mutex_timedlock(&efx_conn.lock, &ts) == 0;
	if (efx_conn.ef && efx_conn.conn_id[0])
		extfuse_remove(efx_conn.conn_id, NULL);
	efx_conn.ef = NULL;
	if (locked)
		pthread_mutex_unlock(&efx_conn.lock);
}
