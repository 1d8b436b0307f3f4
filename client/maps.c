// SPDX-License-Identifier: GPL-2.0
/*
 * The maps: what each must look like, counters, the configuration and its
 * epoch, walks, sweeps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include "internal.h"

const struct ef_map_desc ef_maps[EF_NMAPS] = {
	[EF_ENTRIES] = { EXTFUSE_MAP_ENTRIES, BPF_MAP_TYPE_HASH,
			 BPF_MAP_TYPE_LRU_HASH,
			 sizeof(struct extfuse_entry_key),
			 sizeof(struct extfuse_entry_val) },
	[EF_ATTRS] = { EXTFUSE_MAP_ATTRS, BPF_MAP_TYPE_HASH,
		       BPF_MAP_TYPE_LRU_HASH, sizeof(__u64),
		       sizeof(struct extfuse_attr_val) },
	[EF_DIRS] = { EXTFUSE_MAP_DIRS, BPF_MAP_TYPE_HASH,
		      BPF_MAP_TYPE_LRU_HASH, sizeof(struct extfuse_dir_key),
		      sizeof(struct extfuse_dir_val) },
	[EF_CHUNKS] = { EXTFUSE_MAP_CHUNKS, BPF_MAP_TYPE_HASH,
			BPF_MAP_TYPE_LRU_HASH, sizeof(struct extfuse_chunk_key),
			sizeof(struct extfuse_chunk_val) },
	[EF_NAMES] = { EXTFUSE_MAP_NAMES, BPF_MAP_TYPE_HASH,
		       BPF_MAP_TYPE_LRU_HASH, sizeof(struct extfuse_name_key),
		       sizeof(struct extfuse_name_val) },
	[EF_VERS] = { EXTFUSE_MAP_VERS, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_HASH,
		      sizeof(__u64), sizeof(__u64) },
	[EF_SERVED] = { EXTFUSE_MAP_SERVED, BPF_MAP_TYPE_HASH,
			BPF_MAP_TYPE_HASH, sizeof(__u64), sizeof(__u64) },
	[EF_STATS] = { EXTFUSE_MAP_STATS, BPF_MAP_TYPE_PERCPU_ARRAY,
		       BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
		       sizeof(struct extfuse_stats) },
	[EF_CONFIG] = { EXTFUSE_MAP_CONFIG, BPF_MAP_TYPE_ARRAY,
			BPF_MAP_TYPE_ARRAY, sizeof(__u32),
			sizeof(struct extfuse_config) },
};

int ef_lookup_u64(int fd, __u64 key, __u64 *val)
{
	int err = bpf_map_lookup_elem(fd, &key, val);

	if (err == -ENOENT) {
		*val = 0;
		return 0;
	}
	if (err)
		return ef_err(err, "map lookup of %llu failed: %s",
			      (unsigned long long)key, strerror(-err));
	return 0;
}

/* Well formed: initialised, and no switch this library does not know. */
bool ef_config_ok(const struct extfuse_config *cfg)
{
	return cfg->magic == EXTFUSE_MAGIC && !(cfg->flags & ~EF_CFG_ALL);
}

static void note_epoch(struct extfuse *ef, const struct extfuse_config *cfg)
{
	__u64 hi = __atomic_load_n(&ef->epoch_hi, __ATOMIC_RELAXED);

	if (!ef_config_ok(cfg))
		return;
	while (cfg->epoch > hi &&
	       !__atomic_compare_exchange_n(&ef->epoch_hi, &hi, cfg->epoch,
					    true, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

int ef_read_config(struct extfuse *ef, struct extfuse_config *cfg)
{
	__u32 zero = 0;
	int err;

	err = bpf_map_lookup_elem(ef->map_fd[EF_CONFIG], &zero, cfg);
	if (err)
		return ef_err(err, "%s: cannot read the configuration: %s",
			      ef->conn_id, strerror(-err));
	note_epoch(ef, cfg);
	return 0;
}

static int lock_epoch(struct extfuse *ef)
{
	pthread_mutex_lock(&ef->lock);
	if (flock(ef->dir_fd, LOCK_EX)) {
		int err = -errno;

		pthread_mutex_unlock(&ef->lock);
		return ef_err(err, "%s: cannot lock %s: %s", ef->conn_id,
			      ef->dir, strerror(-err));
	}
	return 0;
}

static void unlock_epoch(struct extfuse *ef)
{
	flock(ef->dir_fd, LOCK_UN);
	pthread_mutex_unlock(&ef->lock);
}

/*
 * The connection the maps are bound to: the one they are named after (the
 * kernel module writes the same id at attach), or, for maps not named
 * after a connection, whatever the configuration says.  No write of the
 * configuration may change it.
 */
__u32 ef_bound_conn(const struct extfuse *ef, __u32 current)
{
	unsigned long v;
	char *end;

	if (ef->conn_id[0] < '1' || ef->conn_id[0] > '9')
		return current;
	errno = 0;
	v = strtoul(ef->conn_id, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return current;
	return (__u32)v;
}

/* Write cfg as the configuration; the epoch lock is held. */
static int store_config(struct extfuse *ef, const struct extfuse_config *cfg)
{
	__u32 zero = 0;
	int err;

	err = bpf_map_update_elem(ef->map_fd[EF_CONFIG], &zero, cfg, BPF_ANY);
	if (err)
		return ef_err(err, "%s: cannot write the configuration: %s",
			      ef->conn_id, strerror(-err));
	note_epoch(ef, cfg);
	return 0;
}

/*
 * Write the configuration (next, or the current one when next is NULL)
 * with the epoch moved forward by EF_EPOCH_STEP: every value published
 * before stops being served.  See EF_EPOCH_STEP for why the step is large.
 */
int ef_move_epoch(struct extfuse *ef, const struct extfuse_config *next)
{
	struct extfuse_config cur, cfg;
	int err;

	err = lock_epoch(ef);
	if (err)
		return err;
	err = ef_read_config(ef, &cur);
	if (!err) {
		cfg = next ? *next : cur;
		cfg.magic = EXTFUSE_MAGIC;
		cfg.conn_id = ef_bound_conn(ef, cur.conn_id);
		cfg.epoch = cur.epoch + EF_EPOCH_STEP;
		err = store_config(ef, &cfg);
	}
	unlock_epoch(ef);
	/* The kernel keeps answers for as long as it was told: they must go
	 * with the values behind them. */
	if (!err)
		extfuse_expire_kernel(ef);
	return err;
}

/*
 * If the configuration is malformed, write want with an epoch that nothing
 * read from the malformed one decides: two steps past the highest epoch
 * this handle saw well formed (beyond every bump the extension made since),
 * and not the epoch found.  Returns 1 when it wrote, 0 when the
 * configuration was well formed.
 */
int ef_repair_config(struct extfuse *ef, const struct extfuse_config *want,
		     struct extfuse_config *found)
{
	struct extfuse_config cur, cfg;
	int err;

	err = lock_epoch(ef);
	if (err)
		return err;
	err = ef_read_config(ef, &cur);
	if (err || (ef_config_ok(&cur) &&
		    cur.conn_id == ef_bound_conn(ef, cur.conn_id)))
		goto out;
	cfg = *want;
	cfg.magic = EXTFUSE_MAGIC;
	cfg.conn_id = ef_bound_conn(ef, 0);
	cfg.epoch = __atomic_load_n(&ef->epoch_hi, __ATOMIC_RELAXED) +
		    2 * EF_EPOCH_STEP;
	if (cfg.epoch == cur.epoch)
		cfg.epoch += EF_EPOCH_STEP;
	err = store_config(ef, &cfg);
	if (err)
		goto out;
	if (found)
		*found = cur;
	err = 1;
out:
	unlock_epoch(ef);
	if (err == 1)
		extfuse_expire_kernel(ef);
	return err;
}

/*
 * Call fn on every (key, value) of a hash map.  A key deleted under our
 * feet makes the kernel restart the walk, so it is bounded.
 */
int ef_walk(int fd, __u32 key_size, __u32 value_size, __u32 bound,
	    int (*fn)(const void *key, const void *val, void *arg), void *arg)
{
	unsigned char *prev, *key, *val;
	bool have = false;
	int err = 0;
	__u32 n;

	prev = malloc(2 * key_size + value_size);
	if (!prev)
		return ef_err(-ENOMEM, "out of memory");
	key = prev + key_size;
	val = key + key_size;
	for (n = 0; n < bound; n++) {
		err = bpf_map_get_next_key(fd, have ? prev : NULL, key);
		if (err == -ENOENT) {
			err = 0;
			break;
		}
		if (err) {
			ef_err(err, "map walk failed: %s", strerror(-err));
			break;
		}
		err = bpf_map_lookup_elem(fd, key, val);
		if (!err)
			err = fn(key, val, arg);
		else if (err == -ENOENT)
			err = 0;
		else
			ef_err(err, "map lookup failed: %s", strerror(-err));
		if (err)
			break;
		memcpy(prev, key, key_size);
		have = true;
	}
	free(prev);
	return err;
}

/* Enough steps for a walk that restarts now and then. */
__u32 ef_walk_bound(const struct extfuse *ef, enum ef_map m)
{
	__u64 b = (__u64)ef->max_entries[m] * 4 + 64;

	return b > UINT32_MAX ? UINT32_MAX : (__u32)b;
}

/* Delete every key of map m: take the next key before deleting one. */
int ef_clear_map(struct extfuse *ef, enum ef_map m)
{
	__u32 ksz = ef_maps[m].key_size, n, bound = ef_walk_bound(ef, m);
	int fd = ef->map_fd[m], err = 0, del;
	unsigned char *cur, *next;
	bool have = false;

	cur = malloc(2 * ksz);
	if (!cur)
		return ef_err(-ENOMEM, "out of memory");
	next = cur + ksz;
	for (n = 0; n < bound; n++) {
		err = bpf_map_get_next_key(fd, have ? cur : NULL, next);
		if (have) {
			del = bpf_map_delete_elem(fd, cur);
			if (del && del != -ENOENT) {
				err = ef_err(del, "%s: delete failed: %s",
					     ef_maps[m].name, strerror(-del));
				break;
			}
		}
		if (err == -ENOENT && !have) {
			err = 0;
			break;
		}
		if (err == -ENOENT) {
			/* one more pass for anything added meanwhile */
			have = false;
			continue;
		}
		if (err) {
			ef_err(err, "%s: walk failed: %s", ef_maps[m].name,
			       strerror(-err));
			break;
		}
		memcpy(cur, next, ksz);
		have = true;
	}
	if (n == bound)
		ef_log(EXTFUSE_LOG_WARN,
		       "%s: %s still filling up while being cleared",
		       ef->conn_id, ef_maps[m].name);
	free(cur);
	return err;
}

/*
 * Follow the chunk chain of (dir, kind) from offset 0 and call fn on each
 * chunk, read into val (the caller's buffer: chunks are large).  Returns 0
 * after the EOF chunk, -ENOENT where a chunk is missing (no chain at all
 * included), -EPROTO when an offset does not grow or the chain is longer
 * than the map, fn's non-zero value, or a lookup error (logged).  Only
 * lookup errors are logged: which ends are normal is the caller's call.
 */
int ef_walk_chain(struct extfuse *ef, __u64 dir, __u32 kind,
		  struct extfuse_chunk_val *val,
		  int (*fn)(const struct extfuse_chunk_key *key,
			    const struct extfuse_chunk_val *val, void *arg),
		  void *arg)
{
	struct extfuse_chunk_key key = { .dir = dir, .kind = kind };
	int fd = ef->map_fd[EF_CHUNKS], err;
	__u32 n;

	for (n = 0; n <= ef->max_entries[EF_CHUNKS]; n++) {
		err = bpf_map_lookup_elem(fd, &key, val);
		if (err == -ENOENT)
			return err;
		if (err)
			return ef_err(err, "%s: chunk lookup of directory %llu failed: %s",
				      ef->conn_id, (unsigned long long)dir,
				      strerror(-err));
		err = fn(&key, val, arg);
		if (err)
			return err;
		if (val->flags & EXTFUSE_CHUNK_EOF)
			return 0;
		/* offsets only grow along a chain: anything else is no chain */
		if (val->next_offset <= key.offset)
			return -EPROTO;
		key.offset = val->next_offset;
	}
	return -EPROTO;
}

static int drop_chunk(const struct extfuse_chunk_key *key,
		      const struct extfuse_chunk_val *val, void *arg)
{
	struct extfuse *ef = arg;
	int err = bpf_map_delete_elem(ef->map_fd[EF_CHUNKS], key);

	(void)val;
	if (err && err != -ENOENT)
		ef_err(err, "%s: dropping the chunks of %llu failed: %s",
		       ef->conn_id, (unsigned long long)key->dir,
		       strerror(-err));
	return err;
}

/* Delete the chunk chain of (dir, kind), from offset 0 to where it ends. */
int ef_drop_chunks(struct extfuse *ef, __u64 dir, __u32 kind)
{
	struct extfuse_chunk_val *val;
	int err;

	val = malloc(sizeof(*val));
	if (!val)
		return ef_err(-ENOMEM, "out of memory");
	err = ef_walk_chain(ef, dir, kind, val, drop_chunk, ef);
	free(val);
	/* a chain ends at a missing chunk or a bad offset, too */
	return err == -ENOENT || err == -EPROTO ? 0 : err;
}

/* Keys that a sweep found unservable. */
struct sweep {
	struct extfuse *ef;
	enum ef_map m;
	__u64 keep; /* listing being written: its header is not there yet */
	struct extfuse_config cfg;
	__u64 now;
	unsigned char *keys;
	size_t n, cap;
};

static int sweep_add(struct sweep *s, const void *key)
{
	__u32 ksz = ef_maps[s->m].key_size;
	unsigned char *k;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		k = realloc(s->keys, s->cap * ksz);
		if (!k)
			return ef_err(-ENOMEM, "out of memory");
		s->keys = k;
	}
	memcpy(s->keys + s->n++ * ksz, key, ksz);
	return 0;
}

static bool servable(struct sweep *s, __u64 node, __u64 expiry, __u64 version,
		     __u64 epoch)
{
	__u64 cur;

	if (expiry <= s->now || epoch != s->cfg.epoch)
		return false;
	if (ef_lookup_u64(s->ef->map_fd[EF_VERS], node, &cur))
		return true; /* unsure: keep it */
	return cur == version;
}

static int sweep_chunk(struct sweep *s, const struct extfuse_chunk_key *k,
		       const struct extfuse_chunk_val *v)
{
	struct extfuse_dir_key dk = { .dir = k->dir, .kind = k->kind };
	struct extfuse_dir_val hdr;
	int err;

	if (s->keep && v->listing_id == s->keep)
		return 0;
	err = bpf_map_lookup_elem(s->ef->map_fd[EF_DIRS], &dk, &hdr);
	if (err == -ENOENT || (!err && hdr.listing_id != v->listing_id))
		return sweep_add(s, k);
	return 0;
}

/*
 * A name counts only for a header of its listing or an older one; without
 * a header, a listing being written (at most EF_PUBLISH_MAX_NS old, ids are
 * clock based) may need it yet.
 */
#define EF_PUBLISH_MAX_NS (60ull * 1000000000ull)

static int sweep_name(struct sweep *s, const struct extfuse_name_key *k,
		      const struct extfuse_name_val *v)
{
	struct extfuse_dir_key dk = { .dir = k->dir,
				      .kind = EXTFUSE_DIR_NAMES };
	struct extfuse_dir_val hdr;
	int err;

	if (s->keep && v->listing_id == s->keep)
		return 0;
	err = bpf_map_lookup_elem(s->ef->map_fd[EF_DIRS], &dk, &hdr);
	if ((!err && hdr.listing_id > v->listing_id) ||
	    (err == -ENOENT && v->listing_id + EF_PUBLISH_MAX_NS < s->now))
		return sweep_add(s, k);
	return 0;
}

static int sweep_one(const void *key, const void *val, void *arg)
{
	struct sweep *s = arg;
	const struct extfuse_entry_val *e = val;
	const struct extfuse_attr_val *a = val;
	const struct extfuse_dir_val *d = val;
	const struct extfuse_entry_key *ek = key;
	const struct extfuse_dir_key *dk = key;
	bool ok = true;

	switch (s->m) {
	case EF_ENTRIES:
		ok = servable(s, ek->parent, e->expiry_ns, e->version,
			      e->epoch);
		break;
	case EF_ATTRS:
		ok = servable(s, *(const __u64 *)key, a->expiry_ns, a->version,
			      a->epoch);
		break;
	case EF_DIRS:
		ok = servable(s, dk->dir, d->expiry_ns, d->version, d->epoch);
		break;
	case EF_CHUNKS:
		return sweep_chunk(s, key, val);
	case EF_NAMES:
		return sweep_name(s, key, val);
	default:
		break;
	}
	return ok ? 0 : sweep_add(s, key);
}

/* Keys an eviction takes, up to batch. */
struct evict {
	enum ef_map m;
	__u64 keep;
	size_t batch;
	struct sweep s;
};

#define EF_EVICT_STOP 1

static int evict_one(const void *key, const void *val, void *arg)
{
	struct evict *e = arg;
	const struct extfuse_dir_key *dk = key;
	const struct extfuse_dir_val *dv = val;
	int err;

	/* Listings go whole, by their headers; names never alone. */
	if (e->m == EF_CHUNKS &&
	    (dk->kind == EXTFUSE_DIR_NAMES || dv->listing_id == e->keep))
		return 0;
	err = sweep_add(&e->s, key);
	if (err)
		return err;
	return e->s.n >= e->batch ? EF_EVICT_STOP : 0;
}

/*
 * A full map that holds only servable values: delete some of them (a
 * sixteenth of the map, first found), which is always safe (the kernel
 * then asks the daemon).  Chunks go by whole listings: their headers are
 * deleted and the chunks swept.  The names of listings are not evicted
 * (a name missing from them would read as absent): their publish fails
 * instead, and the directory's misses go to the daemon.  Returns how many
 * values went.
 */
int ef_evict(struct extfuse *ef, enum ef_map m, __u64 keep_listing)
{
	enum ef_map walked = m == EF_CHUNKS ? EF_DIRS : m;
	struct evict e = { .m = m, .keep = keep_listing, .s.m = walked };
	__u32 ksz = ef_maps[walked].key_size;
	size_t i;
	int err;

	if (m != EF_ENTRIES && m != EF_ATTRS && m != EF_DIRS && m != EF_CHUNKS)
		return 0;
	e.batch = ef->max_entries[m] / 16;
	if (m == EF_CHUNKS)
		e.batch = 64; /* listings, each of up to thousands of chunks */
	if (e.batch == 0)
		e.batch = 1;
	err = ef_walk(ef->map_fd[walked], ksz, ef_maps[walked].value_size,
		      ef_walk_bound(ef, walked), evict_one, &e);
	for (i = 0; (err == 0 || err == EF_EVICT_STOP) && i < e.s.n; i++)
		bpf_map_delete_elem(ef->map_fd[walked], e.s.keys + i * ksz);
	free(e.s.keys);
	if (err && err != EF_EVICT_STOP)
		return err;
	ef_log(EXTFUSE_LOG_INFO, "%s: %s full, evicted %zu %s", ef->conn_id,
	       ef_maps[m].name, e.s.n, m == EF_CHUNKS ? "listings" : "values");
	if (m == EF_CHUNKS)
		return ef_sweep(ef, EF_CHUNKS, keep_listing);
	return (int)(e.s.n > INT32_MAX ? INT32_MAX : e.s.n);
}

/*
 * Make room in a full cache map by deleting what can no longer be served
 * (expired, stale, or chunks of a dead listing).  Chunks of keep_listing
 * stay.  A listing another thread is writing may lose chunks: readers
 * then miss, which is safe.  Returns how many values went.
 */
int ef_sweep(struct extfuse *ef, enum ef_map m, __u64 keep_listing)
{
	struct sweep s = { .ef = ef, .m = m, .keep = keep_listing };
	__u32 ksz = ef_maps[m].key_size;
	int err;
	size_t i;

	err = ef_read_config(ef, &s.cfg);
	if (err)
		return err;
	s.now = extfuse_now_ns();
	err = ef_walk(ef->map_fd[m], ksz, ef_maps[m].value_size,
		      ef_walk_bound(ef, m), sweep_one, &s);
	for (i = 0; !err && i < s.n; i++)
		bpf_map_delete_elem(ef->map_fd[m], s.keys + i * ksz);
	free(s.keys);
	if (err)
		return err;
	ef_log(EXTFUSE_LOG_INFO, "%s: %s full, swept %zu unservable values",
	       ef->conn_id, ef_maps[m].name, s.n);
	return (int)(s.n > INT32_MAX ? INT32_MAX : s.n);
}
