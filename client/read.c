// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the caches back as they are stored, servable or not: one value,
 * walks over a whole map, the records of a listing.  For dumps and tools.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "internal.h"

static const char *kind_name(__u32 kind)
{
	return kind == EXTFUSE_DIR_PLUS ? "plus" : "plain";
}

/* Look up one value; a missing one is an expected answer, not an error. */
static int read_one(struct extfuse *ef, enum ef_map m, const void *key,
		    void *val, __u64 node, const char *name)
{
	int err = bpf_map_lookup_elem(ef->map_fd[m], key, val);

	if (err == -ENOENT)
		return ef_debug_err(err, "%s: %s holds nothing for %llu%s%s",
				    ef->conn_id, ef_maps[m].name,
				    (unsigned long long)node, name ? "/" : "",
				    name ? name : "");
	if (err)
		return ef_err(err, "%s: reading %s for %llu%s%s failed: %s",
			      ef->conn_id, ef_maps[m].name,
			      (unsigned long long)node, name ? "/" : "",
			      name ? name : "", strerror(-err));
	return 0;
}

static int check_args(const struct extfuse *ef, const void *out, __u64 node,
		      const char *fn)
{
	if (!ef || !out)
		return ef_err(-EINVAL, "%s: NULL argument", fn);
	if (!node)
		return ef_err(-EINVAL, "%s: nodeid 0", fn);
	return 0;
}

static int check_kind(__u32 kind, const char *fn)
{
	if (kind != EXTFUSE_DIR_PLAIN && kind != EXTFUSE_DIR_PLUS)
		return ef_err(-EINVAL, "%s: listing kind %u is not %d or %d",
			      fn, kind, EXTFUSE_DIR_PLAIN, EXTFUSE_DIR_PLUS);
	return 0;
}

int extfuse_read_attr(struct extfuse *ef, __u64 nodeid,
		      struct extfuse_attr_val *val)
{
	int err = check_args(ef, val, nodeid, "extfuse_read_attr");

	if (!err)
		err = read_one(ef, EF_ATTRS, &nodeid, val, nodeid, NULL);
	return err;
}

int extfuse_read_entry(struct extfuse *ef, __u64 parent, const char *name,
		       struct extfuse_entry_val *val)
{
	struct extfuse_entry_key key;
	int err = check_args(ef, val, parent, "extfuse_read_entry");

	if (!err)
		err = ef_check_name(name, false);
	if (err)
		return err;
	memset(&key, 0, sizeof(key)); /* the whole key is hashed */
	key.parent = parent;
	strcpy(key.name, name);
	return read_one(ef, EF_ENTRIES, &key, val, parent, name);
}

int extfuse_read_dir(struct extfuse *ef, __u64 dir, __u32 kind,
		     struct extfuse_dir_val *val)
{
	struct extfuse_dir_key key = { .dir = dir, .kind = kind };
	int err = check_args(ef, val, dir, "extfuse_read_dir");

	if (!err)
		err = check_kind(kind, "extfuse_read_dir");
	if (!err)
		err = read_one(ef, EF_DIRS, &key, val, dir, NULL);
	return err;
}

/* ---- Walks over a whole map ----------------------------------------- */

struct walk_cb {
	extfuse_entry_cb entry;
	extfuse_attr_cb attr;
	extfuse_dir_cb dir;
	extfuse_served_cb served;
	void *arg;
};

static int entry_cb(const void *key, const void *val, void *arg)
{
	struct walk_cb *w = arg;

	return w->entry(key, val, w->arg);
}

static int attr_cb(const void *key, const void *val, void *arg)
{
	struct walk_cb *w = arg;

	return w->attr(*(const __u64 *)key, val, w->arg);
}

/* Listings only: a names header has no records. */
static int dir_cb(const void *key, const void *val, void *arg)
{
	const struct extfuse_dir_key *k = key;
	struct walk_cb *w = arg;

	if (k->kind == EXTFUSE_DIR_NAMES)
		return 0;
	return w->dir(key, val, w->arg);
}

static int served_cb(const void *key, const void *val, void *arg)
{
	struct walk_cb *w = arg;

	return w->served(*(const __u64 *)key, *(const __u64 *)val, w->arg);
}

static int walk_map(struct extfuse *ef, enum ef_map m, struct walk_cb *w,
		    bool have_cb, int (*fn)(const void *, const void *, void *))
{
	if (!ef || !have_cb)
		return ef_err(-EINVAL, "extfuse_foreach_*: NULL argument");
	return ef_walk(ef->map_fd[m], ef_maps[m].key_size,
		       ef_maps[m].value_size, ef_walk_bound(ef, m), fn, w);
}

int extfuse_foreach_entry(struct extfuse *ef, extfuse_entry_cb cb, void *arg)
{
	struct walk_cb w = { .entry = cb, .arg = arg };

	return walk_map(ef, EF_ENTRIES, &w, cb != NULL, entry_cb);
}

int extfuse_foreach_attr(struct extfuse *ef, extfuse_attr_cb cb, void *arg)
{
	struct walk_cb w = { .attr = cb, .arg = arg };

	return walk_map(ef, EF_ATTRS, &w, cb != NULL, attr_cb);
}

int extfuse_foreach_dir(struct extfuse *ef, extfuse_dir_cb cb, void *arg)
{
	struct walk_cb w = { .dir = cb, .arg = arg };

	return walk_map(ef, EF_DIRS, &w, cb != NULL, dir_cb);
}

int extfuse_foreach_served(struct extfuse *ef, extfuse_served_cb cb,
			   void *arg)
{
	struct walk_cb w = { .served = cb, .arg = arg };

	return walk_map(ef, EF_SERVED, &w, cb != NULL, served_cb);
}

/* ---- The records of a listing --------------------------------------- */

struct dirent_walk {
	struct extfuse *ef;
	__u64 dir;
	__u32 kind;
	__u64 listing_id;
	__u64 at; /* offset of the last chunk read */
	__u64 next; /* and of the one it points to */
	bool final; /* the walk's result is ours or the callback's: pass it on */
	extfuse_dirent_cb cb;
	void *arg;
};

static int bad_chunk(struct dirent_walk *w, __u64 offset, size_t pos,
		     const char *why)
{
	w->final = true;
	return ef_err(-EPROTO,
		      "%s: malformed listing of directory %llu (%s): chunk at offset %llu, byte %zu: %s",
		      w->ef->conn_id, (unsigned long long)w->dir,
		      kind_name(w->kind), (unsigned long long)offset, pos, why);
}

static size_t header_skip(__u32 kind)
{
	/* READDIRPLUS records start with an entry_out */
	return kind == EXTFUSE_DIR_PLUS ?
		       offsetof(struct fuse_direntplus, dirent) : 0;
}

/* Check a whole chunk before any of its records is handed out. */
static int check_chunk(struct dirent_walk *w, __u64 offset,
		       const struct extfuse_chunk_val *c)
{
	size_t pos = 0, skip = header_skip(w->kind);
	const struct fuse_dirent *d;

	if (c->len > EXTFUSE_CHUNK_BUF_SIZE)
		return bad_chunk(w, offset, 0, "longer than a reply");
	while (pos < c->len) {
		if (c->len - pos < skip + FUSE_NAME_OFFSET)
			return bad_chunk(w, offset, pos,
					 "record header past the end");
		d = (const struct fuse_dirent *)(c->buf + pos + skip);
		if (!d->namelen || d->namelen > EXTFUSE_NAME_MAX)
			return bad_chunk(w, offset, pos,
					 "name length out of range");
		if (ef_dirent_size(w->kind, d->namelen) > c->len - pos)
			return bad_chunk(w, offset, pos, "record past the end");
		if (memchr(d->name, '\0', d->namelen) ||
		    memchr(d->name, '/', d->namelen))
			return bad_chunk(w, offset, pos,
					 "name holds a NUL or a '/'");
		pos += ef_dirent_size(w->kind, d->namelen);
	}
	return 0;
}

static int deliver(struct dirent_walk *w, const struct extfuse_chunk_val *c)
{
	size_t pos = 0, skip = header_skip(w->kind);
	char name[EXTFUSE_NAME_BUF];
	const struct fuse_dirent *d;
	struct extfuse_dirent ent;
	int ret;

	while (pos < c->len) {
		d = (const struct fuse_dirent *)(c->buf + pos + skip);
		memcpy(name, d->name, d->namelen);
		name[d->namelen] = '\0';
		ent = (struct extfuse_dirent){ .name = name, .ino = d->ino,
					       .off = d->off, .type = d->type };
		ret = w->cb(&ent, w->arg);
		if (ret) {
			w->final = true;
			return ret;
		}
		pos += ef_dirent_size(w->kind, d->namelen);
	}
	return 0;
}

static int dirent_chunk(const struct extfuse_chunk_key *key,
			const struct extfuse_chunk_val *c, void *arg)
{
	struct dirent_walk *w = arg;
	int err;

	if (c->listing_id != w->listing_id)
		return -ENOENT; /* another listing's chunk: ours is gone */
	err = check_chunk(w, key->offset, c);
	if (!err)
		err = deliver(w, c);
	w->at = key->offset;
	w->next = c->next_offset;
	return err;
}

int extfuse_foreach_dirent(struct extfuse *ef, __u64 dir, __u32 kind,
			   __u64 listing_id, extfuse_dirent_cb cb, void *arg)
{
	struct dirent_walk w = { .ef = ef, .dir = dir, .kind = kind,
				 .listing_id = listing_id, .cb = cb,
				 .arg = arg };
	struct extfuse_chunk_val *c;
	struct extfuse_dir_val hdr;
	int err;

	err = check_args(ef, cb, dir, "extfuse_foreach_dirent");
	if (!err)
		err = check_kind(kind, "extfuse_foreach_dirent");
	if (!err && !listing_id) {
		err = extfuse_read_dir(ef, dir, kind, &hdr);
		w.listing_id = hdr.listing_id;
	}
	if (err)
		return err;
	c = malloc(sizeof(*c));
	if (!c)
		return ef_err(-ENOMEM, "out of memory");
	err = ef_walk_chain(ef, dir, kind, c, dirent_chunk, &w);
	free(c);
	if (w.final || !err)
		return err;
	if (err == -ENOENT)
		return ef_debug_err(-ESTALE,
				    "%s: listing %llu of directory %llu (%s) is gone: no chunk of it at offset %llu",
				    ef->conn_id, (unsigned long long)w.listing_id,
				    (unsigned long long)dir, kind_name(kind),
				    (unsigned long long)w.next);
	if (err == -EPROTO)
		return ef_err(err,
			      "%s: malformed listing of directory %llu (%s): the chain does not end (chunk at offset %llu points to %llu)",
			      ef->conn_id, (unsigned long long)dir,
			      kind_name(kind), (unsigned long long)w.at,
			      (unsigned long long)w.next);
	return err;
}
