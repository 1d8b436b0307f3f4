// SPDX-License-Identifier: GPL-2.0
/* Publishing: stamps, attributes, entries and directory listings. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "internal.h"

int ef_check_name(const char *name, bool dots_allowed)
{
	size_t len;

	if (!name)
		return ef_err(-EINVAL, "name missing");
	len = strnlen(name, EXTFUSE_NAME_BUF);
	if (len == 0)
		return ef_err(-EINVAL, "empty name");
	if (len > EXTFUSE_NAME_MAX)
		return ef_err(-ENAMETOOLONG, "name '%.32s...' longer than %d bytes",
			      name, EXTFUSE_NAME_MAX);
	if (strchr(name, '/'))
		return ef_err(-EINVAL, "name '%s' contains '/'", name);
	if (!dots_allowed && (!strcmp(name, ".") || !strcmp(name, "..")))
		return ef_err(-EINVAL, "name '%s' cannot be cached", name);
	return 0;
}

int extfuse_stamp(struct extfuse *ef, __u64 nodeid, struct extfuse_stamp *st)
{
	struct extfuse_config cfg;
	__u64 version;
	int err;

	if (!ef || !st)
		return ef_err(-EINVAL, "extfuse_stamp: NULL argument");
	if (!nodeid)
		return ef_err(-EINVAL, "extfuse_stamp: nodeid 0");
	err = ef_read_config(ef, &cfg);
	if (!err)
		err = ef_lookup_u64(ef->map_fd[EF_VERS], nodeid, &version);
	if (err)
		return err;
	st->version = version;
	st->epoch = cfg.epoch;
	return 0;
}

/* -ESTALE when node's version or the epoch moved since st was read. */
static int check_stamp(struct extfuse *ef, __u64 node,
		       const struct extfuse_stamp *st, const char *what)
{
	struct extfuse_stamp cur;
	int err;

	err = extfuse_stamp(ef, node, &cur);
	if (err)
		return err;
	if (cur.version != st->version || cur.epoch != st->epoch)
		return ef_debug_err(-ESTALE,
				    "%s: %s of %llu not published: stamp %llu/%llu, now %llu/%llu",
				    ef->conn_id, what, (unsigned long long)node,
				    (unsigned long long)st->version,
				    (unsigned long long)st->epoch,
				    (unsigned long long)cur.version,
				    (unsigned long long)cur.epoch);
	return 0;
}

/*
 * Store, making room once by sweeping what cannot be served anymore
 * (keeping the chunks of listing keep).
 */
static int store_keep(struct extfuse *ef, enum ef_map m, const void *key,
		      const void *val, __u64 keep)
{
	int err = bpf_map_update_elem(ef->map_fd[m], key, val, BPF_ANY);

	if (err == -E2BIG || err == -ENOMEM) {
		/* What cannot be served first, then what can. */
		if (ef_sweep(ef, m, keep) > 0 || ef_evict(ef, m, keep) > 0)
			err = bpf_map_update_elem(ef->map_fd[m], key, val,
						  BPF_ANY);
	}
	if (err == -E2BIG)
		return ef_err(-ENOSPC, "%s: %s is full (%u entries)",
			      ef->conn_id, ef_maps[m].name,
			      ef->max_entries[m]);
	if (err)
		return ef_err(err, "%s: cannot update %s: %s", ef->conn_id,
			      ef_maps[m].name, strerror(-err));
	return 0;
}

static int store(struct extfuse *ef, enum ef_map m, const void *key,
		 const void *val)
{
	return store_keep(ef, m, key, val, 0);
}


static int check_common(struct extfuse *ef, const void *p,
			const struct extfuse_stamp *st, __u64 expiry_ns,
			const char *fn)
{
	if (!ef || !p || !st)
		return ef_err(-EINVAL, "%s: NULL argument", fn);
	if (!expiry_ns)
		return ef_err(-EINVAL, "%s: expiry_ns is 0", fn);
	return 0;
}

int extfuse_publish_attr(struct extfuse *ef, __u64 nodeid,
			 const struct fuse_attr *attr, __u32 flags,
			 __u64 expiry_ns, const struct extfuse_stamp *st)
{
	struct extfuse_attr_val val;
	int err;

	err = check_common(ef, attr, st, expiry_ns, "extfuse_publish_attr");
	if (err)
		return err;
	if (!nodeid)
		return ef_err(-EINVAL, "extfuse_publish_attr: nodeid 0");
	if (!extfuse_mode_has_type(attr->mode))
		return ef_err(-EINVAL, "node %llu: mode 0%o has no file type",
			      (unsigned long long)nodeid, attr->mode);
	if (flags & ~EXTFUSE_ATTR_MAY_HAVE_ACL)
		return ef_err(-EINVAL, "node %llu: unknown attribute flags 0x%x",
			      (unsigned long long)nodeid, flags);
	err = check_stamp(ef, nodeid, st, "attributes");
	if (err)
		return err;
	memset(&val, 0, sizeof(val));
	val.attr = *attr;
	val.expiry_ns = expiry_ns;
	val.version = st->version;
	val.epoch = st->epoch;
	val.flags = flags;
	return store(ef, EF_ATTRS, &nodeid, &val);
}

static int publish_name(struct extfuse *ef, __u64 parent, const char *name,
			__u64 nodeid, __u64 generation, __u32 flags,
			__u64 expiry_ns, const struct extfuse_stamp *st)
{
	struct extfuse_entry_key key;
	struct extfuse_entry_val val;
	int err;

	err = check_common(ef, name, st, expiry_ns, "extfuse_publish_entry");
	if (!err)
		err = ef_check_name(name, false);
	if (err)
		return err;
	if (!parent)
		return ef_err(-EINVAL, "entry '%s': parent 0", name);
	if (!nodeid && !(flags & EXTFUSE_ENTRY_NEGATIVE))
		return ef_err(-EINVAL, "entry '%s': nodeid 0", name);
	err = check_stamp(ef, parent, st, "entry in directory");
	if (err)
		return err;
	memset(&key, 0, sizeof(key)); /* the whole key is hashed */
	key.parent = parent;
	strcpy(key.name, name);
	memset(&val, 0, sizeof(val));
	val.nodeid = nodeid;
	val.generation = generation;
	val.expiry_ns = expiry_ns;
	val.version = st->version;
	val.epoch = st->epoch;
	val.flags = flags;
	return store(ef, EF_ENTRIES, &key, &val);
}

int extfuse_publish_entry(struct extfuse *ef, __u64 parent, const char *name,
			  __u64 nodeid, __u64 generation, __u64 expiry_ns,
			  const struct extfuse_stamp *parent_st)
{
	return publish_name(ef, parent, name, nodeid, generation, 0,
			    expiry_ns, parent_st);
}

int extfuse_publish_negative(struct extfuse *ef, __u64 parent,
			     const char *name, __u64 expiry_ns,
			     const struct extfuse_stamp *parent_st)
{
	return publish_name(ef, parent, name, 0, 0, EXTFUSE_ENTRY_NEGATIVE,
			    expiry_ns, parent_st);
}

/* ---- Directory listings --------------------------------------------- */

/*
 * Unique per publish in this process, and clock-based so that another
 * process would have to publish within the same nanosecond to collide.
 */
static __u64 new_listing_id(void)
{
	static __u64 last;
	__u64 old = __atomic_load_n(&last, __ATOMIC_RELAXED), id;

	do {
		id = extfuse_now_ns();
		if (id <= old)
			id = old + 1;
	} while (!__atomic_compare_exchange_n(&last, &old, id, false,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return id;
}

/* How many chunks a listing takes, EOF chunk included. */
static size_t count_chunks(const struct extfuse_dirent *ents, size_t n,
			   __u32 kind)
{
	size_t i, len = 0, chunks = 1;

	for (i = 0; i < n; i++) {
		size_t rec = ef_dirent_size(kind, strlen(ents[i].name));

		if (len + rec > EXTFUSE_CHUNK_BUF_SIZE) {
			chunks++;
			len = 0;
		}
		len += rec;
	}
	return chunks + (n > 0);
}

static int check_dirents(struct extfuse *ef, __u64 dir,
			 const struct extfuse_dirent *ents, size_t n)
{
	__u64 prev = 0;
	size_t i, need;
	int err;

	if (n && !ents)
		return ef_err(-EINVAL, "extfuse_publish_dir: entries missing");
	if (!dir)
		return ef_err(-EINVAL, "extfuse_publish_dir: directory 0");
	for (i = 0; i < n; i++) {
		err = ef_check_name(ents[i].name, true);
		if (err)
			return err;
		if (ents[i].off <= prev)
			return ef_err(-EINVAL,
				      "directory %llu, entry %zu '%s': off %llu not above the previous %llu",
				      (unsigned long long)dir, i, ents[i].name,
				      (unsigned long long)ents[i].off,
				      (unsigned long long)prev);
		if (ents[i].type > 15)
			return ef_err(-EINVAL,
				      "directory %llu, entry '%s': type %u is not a DT_* value",
				      (unsigned long long)dir, ents[i].name,
				      ents[i].type);
		prev = ents[i].off;
	}
	need = count_chunks(ents, n, EXTFUSE_DIR_PLUS) +
	       count_chunks(ents, n, EXTFUSE_DIR_PLAIN);
	if (need > ef->max_entries[EF_CHUNKS])
		return ef_err(-ENOSPC,
			      "directory %llu: %zu entries need %zu chunks, the map holds %u",
			      (unsigned long long)dir, n, need,
			      ef->max_entries[EF_CHUNKS]);
	return 0;
}

/* Offsets of chunks written, or of an older chain to clean up. */
struct offs {
	__u64 *v;
	size_t n, cap;
};

static int offs_add(struct offs *o, __u64 off)
{
	__u64 *v;

	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 16;
		v = realloc(o->v, o->cap * sizeof(*v));
		if (!v)
			return ef_err(-ENOMEM, "out of memory");
		o->v = v;
	}
	o->v[o->n++] = off;
	return 0;
}

struct listing {
	struct extfuse *ef;
	__u64 dir;
	__u32 kind;
	__u64 id;
	struct extfuse_chunk_key key; /* of the chunk being filled */
	struct extfuse_chunk_val *val;
	struct offs written;
	struct offs old;
};

static int note_old(const struct extfuse_chunk_key *key,
		    const struct extfuse_chunk_val *val, void *arg)
{
	(void)val;
	return offs_add(arg, key->offset);
}

/* The chain a reader can reach now, to delete what the new one leaves. */
static int collect_old(struct listing *l)
{
	int err = ef_walk_chain(l->ef, l->dir, l->kind, l->val, note_old,
				&l->old);

	return err == -ENOENT || err == -EPROTO ? 0 : err;
}

static void chunk_start(struct listing *l, __u64 offset)
{
	memset(l->val, 0, sizeof(*l->val));
	l->val->listing_id = l->id;
	l->key.offset = offset;
}

static int chunk_write(struct listing *l, __u64 next, __u32 flags)
{
	int err;

	l->val->next_offset = next;
	l->val->flags = flags;
	err = offs_add(&l->written, l->key.offset);
	if (!err)
		err = store_keep(l->ef, EF_CHUNKS, &l->key, l->val, l->id);
	return err;
}

static void put_record(struct listing *l, const struct extfuse_dirent *e,
		       size_t namelen)
{
	unsigned char *p = l->val->buf + l->val->len;
	struct fuse_dirent *d;

	/* READDIRPLUS: entry_out stays zero, nodeid 0 included */
	if (l->kind == EXTFUSE_DIR_PLUS)
		p += offsetof(struct fuse_direntplus, dirent);
	d = (struct fuse_dirent *)p;
	d->ino = e->ino;
	d->off = e->off;
	d->namelen = namelen;
	d->type = e->type;
	memcpy(d->name, e->name, namelen);
	l->val->len += ef_dirent_size(l->kind, namelen);
}

static int write_chunks(struct listing *l, const struct extfuse_dirent *ents,
			size_t n)
{
	__u64 last = 0;
	size_t i;
	int err;

	chunk_start(l, 0);
	for (i = 0; i < n; i++) {
		size_t namelen = strlen(ents[i].name);

		if (l->val->len + ef_dirent_size(l->kind, namelen) >
		    EXTFUSE_CHUNK_BUF_SIZE) {
			err = chunk_write(l, last, 0);
			if (err)
				return err;
			chunk_start(l, last);
		}
		put_record(l, &ents[i], namelen);
		last = ents[i].off;
	}
	if (n) {
		err = chunk_write(l, last, 0);
		if (err)
			return err;
		chunk_start(l, last);
	}
	return chunk_write(l, 0, EXTFUSE_CHUNK_EOF);
}

static bool was_written(const struct listing *l, __u64 off)
{
	size_t i;

	for (i = 0; i < l->written.n; i++)
		if (l->written.v[i] == off)
			return true;
	return false;
}

/* Drop what the old chain has beyond the new one (unless republished). */
static void drop_old(struct listing *l)
{
	struct extfuse_chunk_key key = { .dir = l->dir, .kind = l->kind };
	size_t i;

	for (i = 0; i < l->old.n; i++) {
		key.offset = l->old.v[i];
		if (was_written(l, key.offset))
			continue;
		if (!bpf_map_lookup_elem(l->ef->map_fd[EF_CHUNKS], &key,
					 l->val) &&
		    l->val->listing_id != l->id)
			bpf_map_delete_elem(l->ef->map_fd[EF_CHUNKS], &key);
	}
}

/* Failure: leave nothing of this listing behind, old or new. */
static void drop_listing(struct listing *l)
{
	struct extfuse_dir_key dk = { .dir = l->dir, .kind = l->kind };
	struct extfuse_chunk_key key = { .dir = l->dir, .kind = l->kind };
	size_t i;

	bpf_map_delete_elem(l->ef->map_fd[EF_DIRS], &dk);
	for (i = 0; i < l->written.n; i++) {
		key.offset = l->written.v[i];
		bpf_map_delete_elem(l->ef->map_fd[EF_CHUNKS], &key);
	}
	l->id = 0; /* matches no chunk: drop_old() deletes all */
	l->written.n = 0;
	drop_old(l);
}

static int publish_kind(struct listing *l, const struct extfuse_dirent *ents,
			size_t n, __u64 expiry_ns,
			const struct extfuse_stamp *st)
{
	struct extfuse_dir_key dk = { .dir = l->dir, .kind = l->kind };
	struct extfuse_dir_val hdr = {
		.listing_id = l->id,
		.expiry_ns = expiry_ns,
		.version = st->version,
		.epoch = st->epoch,
		.nentries = n,
	};
	int err;

	err = collect_old(l);
	if (!err)
		err = write_chunks(l, ents, n);
	if (err)
		return err;
	/* the header last: a reader never meets a half-written listing */
	hdr.nchunks = l->written.n;
	err = store(l->ef, EF_DIRS, &dk, &hdr);
	if (!err)
		drop_old(l);
	return err;
}

static void listing_free(struct listing *l)
{
	free(l->written.v);
	free(l->old.v);
	l->written = (struct offs){ 0 };
	l->old = (struct offs){ 0 };
}

/*
 * Every name of the listing into extfuse_names, then the header that says
 * they are all there (extfuse_abi.h).  A name that does not fit leaves the
 * header out: the listing is still served, misses go to the daemon.
 */
static int publish_names(struct extfuse *ef, __u64 dir,
			 const struct extfuse_dirent *ents, size_t n,
			 __u64 expiry_ns, const struct extfuse_stamp *st)
{
	struct extfuse_dir_key dk = { .dir = dir, .kind = EXTFUSE_DIR_NAMES };
	struct extfuse_dir_val hdr = {
		.listing_id = new_listing_id(),
		.expiry_ns = expiry_ns,
		.version = st->version,
		.epoch = st->epoch,
		.nentries = n,
	};
	struct extfuse_name_val val = { .listing_id = hdr.listing_id };
	struct extfuse_name_key key = { .dir = dir };
	union {
		char c[EXTFUSE_NAME_BUF];
		__u64 w[EXTFUSE_NAME_WORDS];
	} name;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		memset(&name, 0, sizeof(name));
		strcpy(name.c, ents[i].name); /* checked: <= NAME_MAX */
		key.hash = extfuse_name_hash(name.w);
		err = store_keep(ef, EF_NAMES, &key, &val, hdr.listing_id);
		if (err)
			return err;
	}
	/* A change since the stamp may have removed or added a name. */
	err = check_stamp(ef, dir, st, "names of listing");
	return err ? err : store(ef, EF_DIRS, &dk, &hdr);
}

int extfuse_publish_dir(struct extfuse *ef, __u64 dir,
			const struct extfuse_dirent *ents, size_t n,
			__u64 expiry_ns, const struct extfuse_stamp *st)
{
	static const __u32 kinds[] = { EXTFUSE_DIR_PLAIN, EXTFUSE_DIR_PLUS };
	struct listing l[2];
	int err, k;

	err = check_common(ef, ef, st, expiry_ns, "extfuse_publish_dir");
	if (!err)
		err = check_dirents(ef, dir, ents, n);
	if (!err)
		err = check_stamp(ef, dir, st, "listing");
	if (err)
		return err;
	memset(l, 0, sizeof(l));
	l[0].val = malloc(sizeof(*l[0].val));
	if (!l[0].val)
		return ef_err(-ENOMEM, "out of memory");
	for (k = 0; k < 2; k++) {
		l[k].ef = ef;
		l[k].dir = dir;
		l[k].kind = kinds[k];
		l[k].id = new_listing_id();
		l[k].val = l[0].val;
		l[k].key = (struct extfuse_chunk_key){ .dir = dir,
						       .kind = kinds[k] };
		err = publish_kind(&l[k], ents, n, expiry_ns, st);
		if (err)
			break;
	}
	if (err) {
		for (; k >= 0; k--)
			drop_listing(&l[k]);
	} else if (publish_names(ef, dir, ents, n, expiry_ns, st)) {
		ef_log(EXTFUSE_LOG_DEBUG,
		       "%s: listing of %llu published without its names",
		       ef->conn_id, (unsigned long long)dir);
	}
	listing_free(&l[0]);
	listing_free(&l[1]);
	free(l[0].val);
	return err;
}
