/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What performance/extfuse-probe records and performance/extfuse reads.
 *
 * The probe sits right above the cluster translators, below every caching
 * translator, so each request it sees reaches the servers.  The servers
 * send cache-invalidation upcalls about an inode only to clients that
 * asked about it within cache-invalidation-timeout; md-cache answers from
 * what it fetched up to md-cache-timeout earlier.  So what a value may be
 * served for counts from when the servers were last asked, which only the
 * probe can tell.  Times are CLOCK_MONOTONIC ns taken when the request was
 * wound (never later than the servers saw it), the clock of every expiry.
 */
#ifndef EXTFUSE_PROBE_H
#define EXTFUSE_PROBE_H

#include <stdint.h>
#include <glusterfs/xlator.h>
#include <glusterfs/inode.h>
#include <glusterfs/iatt.h>

#define EXTFUSE_PROBE_TYPE "performance/extfuse-probe"

/*
 * Per inode, in the probe's inode context (a pointer, under inode->lock).
 * A zero time is "never".
 */
struct efx_probe_mark {
	uint64_t attr_ns; /* last reply that carried its attributes */
	uint64_t attr_print; /* efx_iatt_print() of those attributes */
	uint64_t asked_ns; /* last request after which the servers report its
			    * changes to this client (upcall registration) */
	uint64_t named_ns; /* last reply of the servers that named it (a
			    * LOOKUP, a creation, a READDIRP entry) */
	uint64_t unnamed_ns; /* arrival of the last upcall that moved or
			      * removed one of its names */
	uuid_t named_parent; /* the directory of that name */
	uint64_t named_hash; /* efx_name_hash() of the name */
	uint64_t entries_ns; /* a directory: arrival of the last upcall about
			      * it, after which its names may lead elsewhere */
};

/* A name as the marks keep it (never 0). */
static inline uint64_t efx_name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	while (*name) {
		h ^= (unsigned char)*name++;
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;
}

/*
 * The probe's private state.  reset_ns: the last time a subvolume went down
 * or came up.  Upcalls sent while this client was cut off are lost and a
 * restarted brick has no registrations, so nothing learnt before it counts.
 */
struct efx_probe_priv {
	uint64_t reset_ns;
	/* The child spreads names over several subvolumes: a request about a
	 * directory may reach only some of the bricks that hold it. */
	bool spread;
};

/* A subvolume went down or came back: every registration may be lost. */
static inline bool efx_probe_is_reset_event(int32_t event)
{
	switch (event) {
	case GF_EVENT_CHILD_DOWN:
	case GF_EVENT_CHILD_UP:
	case GF_EVENT_SOME_DESCENDENT_DOWN:
	case GF_EVENT_SOME_DESCENDENT_UP:
		return true;
	default:
		return false;
	}
}

static inline uint64_t efx_probe_reset_ns(xlator_t *probe)
{
	struct efx_probe_priv *priv = probe ? probe->private : NULL;

	return priv ? __atomic_load_n(&priv->reset_ns, __ATOMIC_ACQUIRE) : 0;
}

/*
 * A fingerprint of what a reply says about an inode, to tell whether
 * attributes a cache hands out are the ones last fetched from the servers.
 * Never 0.
 */
static inline uint64_t efx_iatt_print(const struct iatt *ia)
{
	const uint64_t f[] = {
		ia->ia_ino,
		ia->ia_size,
		ia->ia_blocks,
		ia->ia_atime,
		ia->ia_mtime,
		ia->ia_ctime,
		ia->ia_atime_nsec,
		ia->ia_mtime_nsec,
		ia->ia_ctime_nsec,
		ia->ia_nlink,
		ia->ia_uid,
		ia->ia_gid,
		ia->ia_rdev,
		ia->ia_type,
		st_mode_from_ia(ia->ia_prot, ia->ia_type),
	};
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, word-wise */
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		h ^= f[i];
		h *= 0x100000001b3ull;
	}
	return h | 1;
}

/* The probe's record of inode as stored, reset or not; false if none. */
static inline bool efx_probe_read_raw(xlator_t *probe, inode_t *inode,
				      struct efx_probe_mark *out)
{
	uint64_t v = 0;
	bool found = false;

	if (!probe || !inode)
		return false;
	LOCK(&inode->lock);
	if (__inode_ctx_get(inode, probe, &v) == 0 && v) {
		*out = *(struct efx_probe_mark *)(uintptr_t)v;
		found = true;
	}
	UNLOCK(&inode->lock);
	return found;
}

/*
 * The probe's record of inode; false when it has none.  Times from before
 * the last reset read as "never".
 */
static inline bool efx_probe_read(xlator_t *probe, inode_t *inode,
				  struct efx_probe_mark *out)
{
	uint64_t reset;

	if (!probe)
		return false;
	reset = efx_probe_reset_ns(probe);
	if (!efx_probe_read_raw(probe, inode, out))
		return false;
	if (out->attr_ns <= reset)
		out->attr_ns = 0;
	if (out->asked_ns <= reset)
		out->asked_ns = 0;
	return true;
}

/*
 * Whether the probe's record of inode holds attributes fetched before the
 * last reset: a cache above that still hands them out answers from before
 * it.
 */
static inline bool efx_probe_attrs_before_reset(xlator_t *probe,
						inode_t *inode)
{
	struct efx_probe_mark m;

	return efx_probe_read_raw(probe, inode, &m) && m.attr_ns &&
	       m.attr_ns <= efx_probe_reset_ns(probe);
}

/*
 * Per directory fd, in the probe's fd context: when the listing being read
 * on it was started (its request at offset 0).
 */
static inline uint64_t efx_probe_listing_ns(xlator_t *probe, fd_t *fd)
{
	uint64_t v = 0;

	if (!probe || !fd || fd_ctx_get(fd, probe, &v) != 0)
		return 0;
	return v > efx_probe_reset_ns(probe) ? v : 0;
}

#endif /* EXTFUSE_PROBE_H */
