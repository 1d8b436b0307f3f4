/* SPDX-License-Identifier: GPL-2.0 */
/* libextfuse internals shared by its source files; not installed. */
#ifndef EXTFUSE_INTERNAL_H
#define EXTFUSE_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include "libextfuse.h"

#define EF_CONN_ID_MAX 64
#define EF_DEFAULT_MAX_ENTRIES 131072
#define EF_DEFAULT_MAX_CHUNKS 16384
#define EF_DEFAULT_TIMEOUT_NS 1000000000ull
#define EF_CFG_ALL EXTFUSE_CFG_ALL
/* Serving on; nothing said about the daemon's extended attributes. */
#define EF_CFG_DEFAULT \
	(EXTFUSE_CFG_ENABLED | EXTFUSE_CFG_NEGATIVE | EXTFUSE_CFG_DIRS)

/*
 * How far user space moves the global epoch (flush, set_config).  The
 * extension bumps the epoch with an atomic add; user space can only read it
 * and write it back, so a bump by the extension between our read and write
 * is overwritten.  Moving by this much keeps the epoch strictly increasing
 * (every value ever stamped stays out of date) as long as the extension
 * bumps it fewer than 2^32 times inside that window, which takes
 * microseconds.  Writers in user space are serialised (mutex + flock).
 */
#define EF_EPOCH_STEP (1ull << 32)

enum ef_map {
	EF_ENTRIES,
	EF_ATTRS,
	EF_DIRS,
	EF_CHUNKS,
	EF_NAMES,
	EF_VERS,
	EF_SERVED,
	EF_STATS,
	EF_CONFIG,
	EF_NMAPS,
};

struct ef_map_desc {
	const char *name;
	__u32 type; /* BPF_MAP_TYPE_* */
	__u32 alt_type; /* also accepted (LRU variant), or the same */
	__u32 key_size;
	__u32 value_size;
};

/* maps.c: the maps this library expects */
extern const struct ef_map_desc ef_maps[EF_NMAPS];

struct extfuse_bpf;

struct extfuse {
	char conn_id[EF_CONN_ID_MAX + 1];
	char dir[PATH_MAX]; /* <pin_root>/<conn_id> */
	int dir_fd; /* flock()ed to serialise epoch writers across processes */
	int map_fd[EF_NMAPS];
	__u32 max_entries[EF_NMAPS];
	int prog_fd; /* the pinned extension, -1 if none */
	/*
	 * Invalidations run the extension with BPF_PROG_TEST_RUN so that
	 * version bumps are atomic with the kernel's.  Without a pinned
	 * program, a private instance sharing the pinned maps is loaded on
	 * first use.
	 */
	int inval_fd;
	struct extfuse_bpf *priv;
	pthread_mutex_t lock; /* priv, epoch writes */
	/* The highest epoch of a well-formed configuration this handle read
	 * or wrote: a repair moves past it, never trusting what it finds. */
	__u64 epoch_hi;
};

/* Bytes a record of a listing chunk takes (enum extfuse_dir_kind). */
static inline size_t ef_dirent_size(__u32 kind, size_t namelen)
{
	if (kind == EXTFUSE_DIR_PLUS)
		return FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + namelen);
	return FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
}

/* log.c */
void ef_log(enum extfuse_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Log at ERROR (or DEBUG for expected outcomes) and return err. */
int ef_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ef_debug_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ef_hook_libbpf(void);

/* handle.c */
int ef_check_conn_id(const char *conn_id);
__u32 ef_bound_conn(const struct extfuse *ef, __u32 current);
int ef_inval_prog(struct extfuse *ef);
int ef_run(struct extfuse *ef, int prog_fd, struct extfuse_req *req);
void ef_req_init(struct extfuse_req *req, __u32 opcode, __u64 nodeid);

/* maps.c */
int ef_lookup_u64(int fd, __u64 key, __u64 *val);
int ef_read_config(struct extfuse *ef, struct extfuse_config *cfg);
int ef_move_epoch(struct extfuse *ef, const struct extfuse_config *next);
bool ef_config_ok(const struct extfuse_config *cfg);
int ef_repair_config(struct extfuse *ef, const struct extfuse_config *want,
		     struct extfuse_config *found);
int ef_walk(int fd, __u32 key_size, __u32 value_size, __u32 bound,
	    int (*fn)(const void *key, const void *val, void *arg), void *arg);
__u32 ef_walk_bound(const struct extfuse *ef, enum ef_map m);
int ef_clear_map(struct extfuse *ef, enum ef_map m);
int ef_walk_chain(struct extfuse *ef, __u64 dir, __u32 kind,
		  struct extfuse_chunk_val *val,
		  int (*fn)(const struct extfuse_chunk_key *key,
			    const struct extfuse_chunk_val *val, void *arg),
		  void *arg);
int ef_drop_chunks(struct extfuse *ef, __u64 dir, __u32 kind);
int ef_sweep(struct extfuse *ef, enum ef_map m, __u64 keep_listing);
int ef_evict(struct extfuse *ef, enum ef_map m, __u64 keep_listing);

/* inval.c */
int ef_clear_caches(struct extfuse *ef);

/* publish.c */
int ef_check_name(const char *name, bool dots_allowed);

#endif /* EXTFUSE_INTERNAL_H */
