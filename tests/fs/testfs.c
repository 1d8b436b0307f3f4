// SPDX-License-Identifier: GPL-2.0
/*
 * extfuse-testfs: a small in-memory FUSE file system (libfuse3 low level)
 * that publishes its LOOKUP, GETATTR and READDIR replies through libextfuse
 * and audits what the kernel sends it:
 *
 *  - it counts every request by opcode;
 *  - nodeids are never reused, and a request naming a node it has freed
 *    (or never made) is a violation;
 *  - it keeps lookup counts and checks that FORGET never hands back more
 *    than it gave, and (--balanced) that all counts are zero at exit;
 *  - every directory handle the kernel sends (READDIR, READDIRPLUS,
 *    FSYNCDIR, IOCTL, RELEASEDIR) must be one it gave for that directory
 *    and not yet released: a handle made by the module must never reach
 *    it;
 *  - a node it published stays pinned until extfuse_release_node()
 *    succeeds after extfuse_sync() (the lifetime protocol), and its served
 *    count goes (extfuse_forget_node()) only when the node is freed.
 *
 * Violations are logged to stderr as "VIOLATION: ..." and make it exit 1.
 * A control FIFO (--ctl) takes one command per line, each ending with the
 * path of a file for the answer (written atomically): stats, check,
 * setmode PATH OCTAL (a change the kernel is not told about), inval PATH,
 * attach, detach, remote-create DIR NAME (a file made by another client,
 * handled as the translator handles the servers' report of it: the
 * directory's cached values go, and the names the kernel keeps under it
 * are expired through the module).
 *
 * usage: extfuse-testfs MOUNTPOINT --ctl FIFO [--no-extfuse] [--balanced]
 *        [--pin-root DIR] [--cache-sec N] [--kernel-timeout SEC]
 *        [--stats FILE]
 */
#define FUSE_USE_VERSION 312
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fuse_lowlevel.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libextfuse.h"

#define ROOT_ID FUSE_ROOT_ID
/* The kernel's own entry/attr timeouts of the daemon's replies: 1 s as
 * stock, or --kernel-timeout. */
#define KTIMEOUT fs.ktimeout

struct child {
	char *name;
	uint64_t id;
};

struct node {
	uint64_t id;
	struct stat st;
	uint64_t parent; /* directories */
	uint64_t nlookup; /* lookups given to the kernel, not yet forgotten */
	struct child *kids;
	size_t nkids, capkids;
	char *link;
	char *data;
	int opens;
	bool pinned; /* published through libextfuse */
	bool releasing; /* waiting for extfuse_release_node() */
	uint64_t publishes; /* entries published naming it, ever */
	bool freed;
};

enum counter {
	C_LOOKUP, C_FORGET, C_GETATTR, C_SETATTR, C_READLINK, C_MKNOD,
	C_MKDIR, C_UNLINK, C_RMDIR, C_SYMLINK, C_RENAME, C_LINK, C_OPEN,
	C_READ, C_WRITE, C_RELEASE, C_OPENDIR, C_READDIR, C_READDIRPLUS,
	C_RELEASEDIR, C_CREATE, C_FSYNCDIR, C_IOCTL, C_GETXATTR,
	C_GETXATTR_SECURITY, C_OTHER, C_NCOUNT,
};

static const char *const counter_names[C_NCOUNT] = {
	"lookup", "forget", "getattr", "setattr", "readlink", "mknod",
	"mkdir", "unlink", "rmdir", "symlink", "rename", "link", "open",
	"read", "write", "release", "opendir", "readdir", "readdirplus",
	"releasedir", "create", "fsyncdir", "ioctl", "getxattr",
	"getxattr_security", "other",
};

/* Directory handles are DIRFH_BASE + an index into fs.dirfhs. */
#define DIRFH_BASE 0x4000

static struct {
	pthread_mutex_t lock;
	struct node **nodes; /* by id; freed nodes stay as tombstones */
	uint64_t nnodes, capnodes;
	atomic_ulong counts[C_NCOUNT];
	atomic_ulong forgotten; /* nlookup handed back by FORGET */
	atomic_ulong violations;
	uint64_t *dirfhs; /* the directory of each handle given, 0 once released */
	uint64_t ndirfhs, capdirfhs, dirs_open;
	struct extfuse *ef;
	bool attached;
	struct fuse_session *se;
	const char *mnt;
	const char *ctl;
	const char *stats;
	const char *pin_root;
	char conn_id[32];
	bool use_extfuse, balanced;
	uint64_t cache_ns;
	double ktimeout;
	atomic_bool stop;
} fs = { .lock = PTHREAD_MUTEX_INITIALIZER, .cache_ns = 60000000000ull };

static void violation(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&fs.violations, 1);
	fprintf(stderr, "VIOLATION: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void count(enum counter c)
{
	atomic_fetch_add(&fs.counts[c], 1);
}

/* ---- nodes (fs.lock held) ---------------------------------------------- */

static struct node *node_new(mode_t mode, uid_t uid, gid_t gid)
{
	struct node *n = calloc(1, sizeof(*n));
	struct timespec now;

	if (!n)
		return NULL;
	if (fs.nnodes == fs.capnodes) {
		uint64_t cap = fs.capnodes ? fs.capnodes * 2 : 1024;
		struct node **v = realloc(fs.nodes, cap * sizeof(*v));

		if (!v) {
			free(n);
			return NULL;
		}
		fs.nodes = v;
		fs.capnodes = cap;
	}
	n->id = fs.nnodes;
	fs.nodes[fs.nnodes++] = n;
	clock_gettime(CLOCK_REALTIME, &now);
	n->st.st_ino = n->id;
	n->st.st_mode = mode;
	n->st.st_nlink = S_ISDIR(mode) ? 2 : 1;
	n->st.st_uid = uid;
	n->st.st_gid = gid;
	n->st.st_blksize = 4096;
	n->st.st_atim = n->st.st_mtim = n->st.st_ctim = now;
	return n;
}

/* The node a request names; a violation if it was freed or never made. */
static struct node *node_get(uint64_t id, const char *op)
{
	struct node *n = id < fs.nnodes ? fs.nodes[id] : NULL;

	if (!n) {
		violation("%s names nodeid %" PRIu64 " that never existed", op,
			  id);
		return NULL;
	}
	if (n->freed) {
		violation("%s names nodeid %" PRIu64 " that was forgotten and freed",
			  op, id);
		return NULL;
	}
	return n;
}

static void touch(struct node *n, bool m)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	n->st.st_ctim = now;
	if (m)
		n->st.st_mtim = now;
}

static struct child *kid_find(struct node *dir, const char *name)
{
	for (size_t i = 0; i < dir->nkids; i++)
		if (!strcmp(dir->kids[i].name, name))
			return &dir->kids[i];
	return NULL;
}

static int kid_add(struct node *dir, const char *name, struct node *n)
{
	if (dir->nkids == dir->capkids) {
		size_t cap = dir->capkids ? dir->capkids * 2 : 16;
		struct child *v = realloc(dir->kids, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		dir->kids = v;
		dir->capkids = cap;
	}
	dir->kids[dir->nkids].name = strdup(name);
	if (!dir->kids[dir->nkids].name)
		return -ENOMEM;
	dir->kids[dir->nkids++].id = n->id;
	if (S_ISDIR(n->st.st_mode)) {
		dir->st.st_nlink++;
		n->parent = dir->id;
	}
	touch(dir, true);
	return 0;
}

/* Nothing names the node and nothing holds it: unlinked, forgotten, closed. */
static bool node_unused(const struct node *n)
{
	return !n->freed && n->st.st_nlink <= (S_ISDIR(n->st.st_mode) ? 1 : 0) &&
	       !n->nlookup && !n->opens;
}

/* Free a node that nothing can name any more: unused, and released by the
 * extension side. */
static void node_maybe_free(struct node *n)
{
	if (!node_unused(n))
		return;
	if (n->pinned) {
		n->releasing = true;
		return;
	}
	n->freed = true;
	if (fs.ef)
		extfuse_forget_node(fs.ef, n->id);
	for (size_t i = 0; i < n->nkids; i++)
		free(n->kids[i].name);
	free(n->kids);
	free(n->link);
	free(n->data);
	n->kids = NULL;
	n->link = n->data = NULL;
}

static void kid_del(struct node *dir, struct child *c)
{
	struct node *n = fs.nodes[c->id];

	free(c->name);
	*c = dir->kids[--dir->nkids];
	if (S_ISDIR(n->st.st_mode)) {
		dir->st.st_nlink--;
		n->st.st_nlink = 0;
	} else {
		n->st.st_nlink--;
	}
	touch(n, false);
	touch(dir, true);
	node_maybe_free(n);
}

/* POSIX search permission on dir for the caller of req. */
static bool may_search(fuse_req_t req, struct node *dir)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	mode_t m = dir->st.st_mode;
	gid_t groups[64];
	int n;

	if (c->uid == 0)
		return true;
	if (c->uid == dir->st.st_uid)
		return m & S_IXUSR;
	if (c->gid == dir->st.st_gid)
		return m & S_IXGRP;
	n = fuse_req_getgroups(req, 64, groups);
	for (int i = 0; i < n && i < 64; i++)
		if (groups[i] == dir->st.st_gid)
			return m & S_IXGRP;
	return m & S_IXOTH;
}

/* ---- publishing ---------------------------------------------------------- */

static uint64_t expiry(void)
{
	return extfuse_now_ns() + fs.cache_ns;
}

static void to_fuse_attr(const struct stat *st, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = st->st_ino;
	a->size = st->st_size;
	a->blocks = st->st_blocks;
	a->atime = st->st_atim.tv_sec;
	a->mtime = st->st_mtim.tv_sec;
	a->ctime = st->st_ctim.tv_sec;
	a->atimensec = st->st_atim.tv_nsec;
	a->mtimensec = st->st_mtim.tv_nsec;
	a->ctimensec = st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = st->st_rdev;
	a->blksize = st->st_blksize;
}

static bool publishing(void)
{
	return fs.ef && fs.attached;
}

static void publish_attr(struct node *n)
{
	struct extfuse_stamp st;
	struct fuse_attr a;

	if (!publishing() || n->freed || !n->st.st_nlink)
		return;
	if (extfuse_stamp(fs.ef, n->id, &st))
		return;
	to_fuse_attr(&n->st, &a);
	extfuse_publish_attr(fs.ef, n->id, &a, 0, expiry(), &st);
}

static void publish_entry(struct node *dir, const char *name, struct node *n)
{
	struct extfuse_stamp st;

	if (!publishing() || extfuse_stamp(fs.ef, dir->id, &st))
		return;
	if (!n) {
		extfuse_publish_negative(fs.ef, dir->id, name, expiry(), &st);
		return;
	}
	/* Pin first: a published node stays until released. */
	n->pinned = true;
	n->publishes++;
	if (extfuse_publish_entry(fs.ef, dir->id, name, n->id, 0, expiry(),
				  &st) == 0)
		publish_attr(n);
}

static int dirent_type(mode_t m)
{
	return (m & S_IFMT) >> 12;
}

static void publish_dir(struct node *dir)
{
	struct extfuse_dirent *ents;
	struct extfuse_stamp st;
	size_t n = dir->nkids + 2;

	if (!publishing() || extfuse_stamp(fs.ef, dir->id, &st))
		return;
	ents = calloc(n, sizeof(*ents));
	if (!ents)
		return;
	ents[0] = (struct extfuse_dirent){ ".", dir->id, 1, DT_DIR };
	ents[1] = (struct extfuse_dirent){ "..", dir->parent, 2, DT_DIR };
	for (size_t i = 0; i < dir->nkids; i++) {
		struct node *k = fs.nodes[dir->kids[i].id];

		ents[i + 2] = (struct extfuse_dirent){
			dir->kids[i].name, k->id, i + 3,
			dirent_type(k->st.st_mode) };
	}
	extfuse_publish_dir(fs.ef, dir->id, ents, n, expiry(), &st);
	free(ents);
	/* What a listing tells about its names, as a READDIRPLUS does. */
	for (size_t i = 0; i < dir->nkids; i++)
		publish_entry(dir, dir->kids[i].name,
			      fs.nodes[dir->kids[i].id]);
	publish_attr(dir);
}

/* After a change made here: drop what the extension may still hold. */
static void inval_entry(struct node *dir, const char *name)
{
	if (publishing())
		extfuse_invalidate_entry(fs.ef, dir->id, name);
}

static void inval_node(struct node *n)
{
	if (publishing())
		extfuse_invalidate_node(fs.ef, n->id);
}

/* ---- operations ---------------------------------------------------------- */

static void fill_entry(struct fuse_entry_param *e, struct node *n)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->id;
	e->attr = n->st;
	e->attr_timeout = KTIMEOUT;
	e->entry_timeout = KTIMEOUT;
	n->nlookup++;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	struct node *dir, *n = NULL;
	struct child *c;
	int err = 0;

	count(C_LOOKUP);
	pthread_mutex_lock(&fs.lock);
	dir = node_get(parent, "LOOKUP");
	if (!dir)
		err = EIO;
	else if (!S_ISDIR(dir->st.st_mode))
		err = ENOTDIR;
	else if (!may_search(req, dir))
		err = EACCES;
	if (!err) {
		c = kid_find(dir, name);
		n = c ? fs.nodes[c->id] : NULL;
		/* The extension checks search permission on the parent. */
		publish_attr(dir);
		publish_entry(dir, name, n);
		if (!n)
			err = ENOENT;
		else
			fill_entry(&e, n);
	}
	pthread_mutex_unlock(&fs.lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_entry(req, &e);
}

static void forget_one(uint64_t id, uint64_t nlookup)
{
	struct node *n = node_get(id, "FORGET");

	atomic_fetch_add(&fs.forgotten, nlookup);
	if (!n)
		return;
	if (nlookup > n->nlookup) {
		violation("FORGET(%" PRIu64 ", %" PRIu64 ") exceeds the %" PRIu64 " lookups given",
			  id, nlookup, n->nlookup);
		n->nlookup = 0;
	} else {
		n->nlookup -= nlookup;
	}
	node_maybe_free(n);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	count(C_FORGET);
	pthread_mutex_lock(&fs.lock);
	forget_one(ino, nlookup);
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t cnt,
			    struct fuse_forget_data *fd)
{
	pthread_mutex_lock(&fs.lock);
	for (size_t i = 0; i < cnt; i++) {
		count(C_FORGET);
		forget_one(fd[i].ino, fd[i].nlookup);
	}
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct node *n;
	struct stat st;

	(void)fi;
	count(C_GETATTR);
	pthread_mutex_lock(&fs.lock);
	n = node_get(ino, "GETATTR");
	if (n) {
		st = n->st;
		publish_attr(n);
	}
	pthread_mutex_unlock(&fs.lock);
	if (n)
		fuse_reply_attr(req, &st, KTIMEOUT);
	else
		fuse_reply_err(req, EIO);
}

static int set_size(struct node *n, off_t size)
{
	char *d;

	if (!S_ISREG(n->st.st_mode))
		return EINVAL;
	if (size > 64 << 20)
		return EFBIG;
	d = realloc(n->data, size ? size : 1);
	if (!d)
		return ENOMEM;
	if (size > n->st.st_size)
		memset(d + n->st.st_size, 0, size - n->st.st_size);
	n->data = d;
	n->st.st_size = size;
	n->st.st_blocks = (size + 511) / 512;
	return 0;
}

static void set_time(struct timespec *t, const struct timespec *v, bool now)
{
	if (now)
		clock_gettime(CLOCK_REALTIME, t);
	else
		*t = *v;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct node *n;
	struct stat st;
	int err = 0;

	(void)fi;
	count(C_SETATTR);
	pthread_mutex_lock(&fs.lock);
	n = node_get(ino, "SETATTR");
	if (!n)
		err = EIO;
	if (!err && (to_set & FUSE_SET_ATTR_SIZE))
		err = set_size(n, attr->st_size);
	if (!err) {
		if (to_set & FUSE_SET_ATTR_MODE)
			n->st.st_mode = (n->st.st_mode & S_IFMT) |
					(attr->st_mode & 07777);
		if (to_set & FUSE_SET_ATTR_UID)
			n->st.st_uid = attr->st_uid;
		if (to_set & FUSE_SET_ATTR_GID)
			n->st.st_gid = attr->st_gid;
		if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW))
			set_time(&n->st.st_atim, &attr->st_atim,
				 to_set & FUSE_SET_ATTR_ATIME_NOW);
		if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW))
			set_time(&n->st.st_mtim, &attr->st_mtim,
				 to_set & FUSE_SET_ATTR_MTIME_NOW);
		touch(n, to_set & FUSE_SET_ATTR_SIZE);
		inval_node(n);
		st = n->st;
	}
	pthread_mutex_unlock(&fs.lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_attr(req, &st, KTIMEOUT);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct node *n;
	char *s = NULL;

	count(C_READLINK);
	pthread_mutex_lock(&fs.lock);
	n = node_get(ino, "READLINK");
	if (n && n->link)
		s = strdup(n->link);
	pthread_mutex_unlock(&fs.lock);
	if (s)
		fuse_reply_readlink(req, s);
	else
		fuse_reply_err(req, n ? EINVAL : EIO);
	free(s);
}

/* Create name in parent; on success *e is the entry to reply. */
static int make_node(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, const char *link, const char *op,
		     struct fuse_entry_param *e)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	struct node *dir, *n;

	dir = node_get(parent, op);
	if (!dir)
		return EIO;
	if (!S_ISDIR(dir->st.st_mode))
		return ENOTDIR;
	if (strlen(name) > 255)
		return ENAMETOOLONG;
	if (kid_find(dir, name))
		return EEXIST;
	n = node_new(mode, c->uid, c->gid);
	if (!n)
		return ENOMEM;
	if (link) {
		n->link = strdup(link);
		n->st.st_size = strlen(link);
	}
	if (kid_add(dir, name, n)) {
		n->st.st_nlink = 0;
		node_maybe_free(n);
		return ENOMEM;
	}
	inval_entry(dir, name);
	fill_entry(e, n);
	return 0;
}

static void reply_made(fuse_req_t req, int err, struct fuse_entry_param *e)
{
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_entry(req, e);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	struct fuse_entry_param e;
	int err;

	(void)rdev;
	count(C_MKNOD);
	pthread_mutex_lock(&fs.lock);
	err = make_node(req, parent, name, mode, NULL, "MKNOD", &e);
	pthread_mutex_unlock(&fs.lock);
	reply_made(req, err, &e);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct fuse_entry_param e;
	int err;

	count(C_MKDIR);
	pthread_mutex_lock(&fs.lock);
	err = make_node(req, parent, name, S_IFDIR | (mode & 07777), NULL,
			"MKDIR", &e);
	pthread_mutex_unlock(&fs.lock);
	reply_made(req, err, &e);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	struct fuse_entry_param e;
	int err;

	count(C_SYMLINK);
	pthread_mutex_lock(&fs.lock);
	err = make_node(req, parent, name, S_IFLNK | 0777, link, "SYMLINK",
			&e);
	pthread_mutex_unlock(&fs.lock);
	reply_made(req, err, &e);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	int err;

	count(C_CREATE);
	pthread_mutex_lock(&fs.lock);
	err = make_node(req, parent, name, S_IFREG | (mode & 07777), NULL,
			"CREATE", &e);
	if (!err)
		fs.nodes[e.ino]->opens++;
	pthread_mutex_unlock(&fs.lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_create(req, &e, fi);
}

static int remove_name(fuse_ino_t parent, const char *name, bool dir,
		       const char *op)
{
	struct node *d, *n;
	struct child *c;

	d = node_get(parent, op);
	if (!d)
		return EIO;
	c = kid_find(d, name);
	if (!c)
		return ENOENT;
	n = fs.nodes[c->id];
	if (dir && !S_ISDIR(n->st.st_mode))
		return ENOTDIR;
	if (!dir && S_ISDIR(n->st.st_mode))
		return EISDIR;
	if (dir && n->nkids)
		return ENOTEMPTY;
	inval_entry(d, name);
	inval_node(n);
	kid_del(d, c);
	return 0;
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int err;

	count(C_UNLINK);
	pthread_mutex_lock(&fs.lock);
	err = remove_name(parent, name, false, "UNLINK");
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, err);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int err;

	count(C_RMDIR);
	pthread_mutex_lock(&fs.lock);
	err = remove_name(parent, name, true, "RMDIR");
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, err);
}

static int do_rename(fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		     const char *newname, unsigned int flags)
{
	struct node *d, *nd, *n;
	struct child *c, *t;

	d = node_get(parent, "RENAME");
	nd = node_get(newparent, "RENAME");
	if (!d || !nd)
		return EIO;
	if (flags & ~RENAME_NOREPLACE)
		return EINVAL;
	c = kid_find(d, name);
	if (!c)
		return ENOENT;
	n = fs.nodes[c->id];
	t = kid_find(nd, newname);
	if (t && t->id == n->id)
		return 0;
	if (t && (flags & RENAME_NOREPLACE))
		return EEXIST;
	if (t) {
		struct node *tn = fs.nodes[t->id];

		if (S_ISDIR(tn->st.st_mode) != S_ISDIR(n->st.st_mode))
			return S_ISDIR(tn->st.st_mode) ? EISDIR : ENOTDIR;
		if (S_ISDIR(tn->st.st_mode) && tn->nkids)
			return ENOTEMPTY;
		inval_node(tn);
		kid_del(nd, t);
	}
	inval_entry(d, name);
	inval_entry(nd, newname);
	inval_node(n);
	/* Unhook from the old directory (kid_del() may have moved it). */
	c = kid_find(d, name);
	free(c->name);
	*c = d->kids[--d->nkids];
	if (S_ISDIR(n->st.st_mode))
		d->st.st_nlink--;
	touch(d, true);
	touch(n, false);
	return kid_add(nd, newname, n) ? ENOMEM : 0;
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	int err;

	count(C_RENAME);
	pthread_mutex_lock(&fs.lock);
	err = do_rename(parent, name, newparent, newname, flags);
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, err);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	struct fuse_entry_param e;
	struct node *n, *d;
	int err = 0;

	count(C_LINK);
	pthread_mutex_lock(&fs.lock);
	n = node_get(ino, "LINK");
	d = node_get(newparent, "LINK");
	if (!n || !d)
		err = EIO;
	else if (S_ISDIR(n->st.st_mode))
		err = EPERM;
	else if (kid_find(d, newname))
		err = EEXIST;
	if (!err)
		err = kid_add(d, newname, n) ? ENOMEM : 0;
	if (!err) {
		n->st.st_nlink++;
		touch(n, false);
		inval_entry(d, newname);
		inval_node(n);
		fill_entry(&e, n);
	}
	pthread_mutex_unlock(&fs.lock);
	reply_made(req, err, &e);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node *n;
	int err = 0;

	count(C_OPEN);
	pthread_mutex_lock(&fs.lock);
	n = node_get(ino, "OPEN");
	if (!n)
		err = EIO;
	else if (fi->flags & O_TRUNC)
		err = set_size(n, 0);
	if (!err) {
		n->opens++;
		if (fi->flags & O_TRUNC) {
			touch(n, true);
			inval_node(n);
		}
	}
	pthread_mutex_unlock(&fs.lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_open(req, fi);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct node *n;

	(void)fi;
	count(C_RELEASE);
	pthread_mutex_lock(&fs.lock);
	n = node_get(ino, "RELEASE");
	if (n) {
		n->opens--;
		node_maybe_free(n);
	}
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, 0);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct node *n;
	char *buf = NULL;
	size_t len = 0;

	(void)fi;
	count(C_READ);
	pthread_mutex_lock(&fs.lock);
	n = node_get(ino, "READ");
	if (n && off < n->st.st_size) {
		len = (size_t)(n->st.st_size - off);
		if (len > size)
			len = size;
		buf = malloc(len ? len : 1);
		if (buf)
			memcpy(buf, n->data + off, len);
		else
			len = 0;
	}
	pthread_mutex_unlock(&fs.lock);
	if (!n)
		fuse_reply_err(req, EIO);
	else
		fuse_reply_buf(req, buf, len);
	free(buf);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct node *n;
	int err = 0;

	(void)fi;
	count(C_WRITE);
	pthread_mutex_lock(&fs.lock);
	n = node_get(ino, "WRITE");
	if (!n)
		err = EIO;
	else if (off + (off_t)size > n->st.st_size)
		err = set_size(n, off + size);
	if (!err) {
		memcpy(n->data + off, buf, size);
		touch(n, true);
		inval_node(n);
	}
	pthread_mutex_unlock(&fs.lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_write(req, size);
}

/* A new handle for directory ino; caller holds fs.lock.  0 when out of
 * memory. */
static uint64_t dirfh_new(uint64_t ino)
{
	if (fs.ndirfhs == fs.capdirfhs) {
		size_t cap = fs.capdirfhs ? 2 * fs.capdirfhs : 64;
		uint64_t *d = realloc(fs.dirfhs, cap * sizeof(*d));

		if (!d)
			return 0;
		fs.dirfhs = d;
		fs.capdirfhs = cap;
	}
	fs.dirfhs[fs.ndirfhs] = ino;
	fs.dirs_open++;
	return DIRFH_BASE + fs.ndirfhs++;
}

/* Is fh a handle this daemon gave for directory ino and has not seen
 * released?  Caller holds fs.lock. */
static bool dirfh_check(const char *op, uint64_t ino, uint64_t fh)
{
	if (fh < DIRFH_BASE || fh - DIRFH_BASE >= fs.ndirfhs) {
		violation("%s of directory %" PRIu64 " with handle %#" PRIx64 " that was never given",
			  op, ino, fh);
		return false;
	}
	if (fs.dirfhs[fh - DIRFH_BASE] != ino) {
		violation("%s of directory %" PRIu64 " with handle %#" PRIx64 " of %s %" PRIu64,
			  op, ino, fh,
			  fs.dirfhs[fh - DIRFH_BASE] ? "directory" : "released directory",
			  fs.dirfhs[fh - DIRFH_BASE]);
		return false;
	}
	return true;
}

/*
 * No node has extended attributes: every name reads as absent, and ACLs
 * are not supported (as Gluster's bridge without its acl option).  Reads of
 * security.* names are counted on their own too.
 */
static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	struct node *n;
	int err = ENODATA;

	(void)size;
	count(C_GETXATTR);
	if (!strncmp(name, "security.", 9))
		count(C_GETXATTR_SECURITY);
	if (!strncmp(name, "system.posix_acl_", 17))
		err = EOPNOTSUPP;
	pthread_mutex_lock(&fs.lock);
	n = node_get(ino, "GETXATTR");
	pthread_mutex_unlock(&fs.lock);
	fuse_reply_err(req, n ? err : EIO);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct node *n;

	count(C_OPENDIR);
	pthread_mutex_lock(&fs.lock);
	n = node_get(ino, "OPENDIR");
	if (n) {
		fi->fh = dirfh_new(ino);
		if (fi->fh)
			n->opens++;
	}
	pthread_mutex_unlock(&fs.lock);
	if (n && fi->fh)
		fuse_reply_open(req, fi);
	else
		fuse_reply_err(req, n ? ENOMEM : EIO);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	bool ok;

	count(C_RELEASEDIR);
	pthread_mutex_lock(&fs.lock);
	ok = dirfh_check("RELEASEDIR", ino, fi->fh);
	if (ok) {
		fs.dirfhs[fi->fh - DIRFH_BASE] = 0;
		fs.dirs_open--;
	}
	pthread_mutex_unlock(&fs.lock);
	if (!ok) {
		fuse_reply_err(req, EBADF);
		return;
	}
	op_release(req, ino, fi);
	atomic_fetch_sub(&fs.counts[C_RELEASE], 1);
}

/* Takes fs.lock to check fh; replies EBADF when it is not a good handle. */
static bool dirfh_ok(fuse_req_t req, const char *op, uint64_t ino, uint64_t fh)
{
	bool ok;

	pthread_mutex_lock(&fs.lock);
	ok = dirfh_check(op, ino, fh);
	pthread_mutex_unlock(&fs.lock);
	if (!ok)
		fuse_reply_err(req, EBADF);
	return ok;
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	(void)datasync;
	count(C_FSYNCDIR);
	if (dirfh_ok(req, "FSYNCDIR", ino, fi->fh))
		fuse_reply_err(req, 0);
}

/* No ioctl is supported; on a directory, the handle is checked first. */
static void op_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd,
		     void *arg, struct fuse_file_info *fi, unsigned int flags,
		     const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	(void)cmd;
	(void)arg;
	(void)in_buf;
	(void)in_bufsz;
	(void)out_bufsz;
	count(C_IOCTL);
	if (!(flags & FUSE_IOCTL_DIR) || dirfh_ok(req, "IOCTL", ino, fi->fh))
		fuse_reply_err(req, ENOTTY);
}

/* One READDIR(PLUS) reply from offset off: entry i has d_off i + 1. */
static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       bool plus)
{
	struct fuse_entry_param e;
	struct node *d, *k;
	char *buf = NULL;
	size_t len = 0;
	int err = 0;

	pthread_mutex_lock(&fs.lock);
	d = node_get(ino, plus ? "READDIRPLUS" : "READDIR");
	if (!d)
		err = EIO;
	else if (!S_ISDIR(d->st.st_mode))
		err = ENOTDIR;
	else if (!(buf = malloc(size)))
		err = ENOMEM;
	if (err)
		goto out;
	if (off == 0)
		publish_dir(d);
	for (size_t i = off; i < d->nkids + 2; i++) {
		const char *name = i == 0 ? "." : i == 1 ? ".." :
						 d->kids[i - 2].name;
		size_t r;

		k = i == 0 ? d : i == 1 ? fs.nodes[d->parent] :
			     fs.nodes[d->kids[i - 2].id];
		memset(&e, 0, sizeof(e));
		e.attr.st_ino = k->id;
		e.attr.st_mode = k->st.st_mode;
		if (plus && i >= 2) {
			e = (struct fuse_entry_param){ .ino = k->id,
						       .attr = k->st,
						       .attr_timeout = KTIMEOUT,
						       .entry_timeout = KTIMEOUT };
			r = fuse_add_direntry_plus(req, buf + len, size - len,
						   name, &e, i + 1);
		} else if (plus) {
			r = fuse_add_direntry_plus(req, buf + len, size - len,
						   name, &e, i + 1);
		} else {
			r = fuse_add_direntry(req, buf + len, size - len, name,
					      &e.attr, i + 1);
		}
		if (r > size - len)
			break;
		len += r;
		/* An entry with a nodeid is a lookup the kernel counts. */
		if (plus && i >= 2)
			k->nlookup++;
	}
out:
	pthread_mutex_unlock(&fs.lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, len);
	free(buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	count(C_READDIR);
	if (dirfh_ok(req, "READDIR", ino, fi->fh))
		do_readdir(req, ino, size, off, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	count(C_READDIRPLUS);
	if (dirfh_ok(req, "READDIRPLUS", ino, fi->fh))
		do_readdir(req, ino, size, off, true);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.symlink = op_symlink,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.rename = op_rename,
	.link = op_link,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.release = op_release,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_releasedir,
	.fsyncdir = op_fsyncdir,
	.ioctl = op_ioctl,
	.getxattr = op_getxattr,
	.create = op_create,
};

/* ---- lifetime: release pinned nodes nothing names any more -------------- */

/*
 * The lifetime protocol's step 4: a served count read after a grace
 * period proves that the kernel holds nothing through us only if no entry
 * named the node since before the grace period.  The read and the unpin
 * happen later, under fs.lock again: a node published meanwhile (its
 * publishes moved), or used again, is left for a later round.
 */
static void release_pending(void)
{
	struct { uint64_t id, publishes; } *cand = NULL;
	uint64_t n = 0;

	pthread_mutex_lock(&fs.lock);
	for (uint64_t i = 0; i < fs.nnodes; i++) {
		struct node *nd = fs.nodes[i];
		void *v;

		if (!nd || !nd->releasing || nd->freed)
			continue;
		if (!node_unused(nd)) {
			nd->releasing = false; /* node_maybe_free() sets it again */
			continue;
		}
		v = realloc(cand, (n + 1) * sizeof(*cand));
		if (!v)
			break;
		cand = v;
		cand[n].id = i;
		cand[n++].publishes = nd->publishes;
		inval_node(nd);
	}
	pthread_mutex_unlock(&fs.lock);
	if (!n)
		return;
	/* Every run that could still find an entry naming them has ended. */
	if (extfuse_sync() == 0) {
		pthread_mutex_lock(&fs.lock);
		for (uint64_t i = 0; i < n; i++) {
			struct node *nd = fs.nodes[cand[i].id];

			if (nd->releasing && node_unused(nd) &&
			    nd->publishes == cand[i].publishes &&
			    extfuse_release_node(fs.ef, nd->id) == 0) {
				nd->pinned = false;
				nd->releasing = false;
				node_maybe_free(nd);
			}
		}
		pthread_mutex_unlock(&fs.lock);
	}
	free(cand);
}

static void *janitor(void *arg)
{
	(void)arg;
	while (!atomic_load(&fs.stop)) {
		if (fs.ef)
			release_pending();
		usleep(100000);
	}
	return NULL;
}

/* ---- control ------------------------------------------------------------- */

static int write_answer(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	if (fclose(f))
		return -EIO;
	return rename(tmp, path) ? -errno : 0;
}

static char *stats_text(void)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	for (int i = 0; i < C_NCOUNT; i++)
		fprintf(f, "%s %lu\n", counter_names[i],
			atomic_load(&fs.counts[i]));
	fprintf(f, "forgotten %lu\nviolations %lu\nattached %d\n",
		atomic_load(&fs.forgotten), atomic_load(&fs.violations),
		fs.attached);
	pthread_mutex_lock(&fs.lock);
	fprintf(f, "dirs_open %" PRIu64 "\n", fs.dirs_open);
	pthread_mutex_unlock(&fs.lock);
	fclose(f);
	return s;
}

/* Nodes whose counts do not balance: lookups held by the daemon or served
 * by the kernel and not forgotten. */
static char *check_text(bool final)
{
	uint64_t unbalanced = 0, pinned = 0, live = 0;
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	pthread_mutex_lock(&fs.lock);
	for (uint64_t i = ROOT_ID + 1; i < fs.nnodes; i++) {
		struct node *n = fs.nodes[i];
		__u64 served = 0;

		if (!n || n->freed)
			continue;
		live++;
		pinned += n->pinned;
		if (fs.ef)
			extfuse_served(fs.ef, n->id, &served);
		if (n->nlookup || served) {
			unbalanced++;
			fprintf(f, "node %" PRIu64 " nlookup %" PRIu64 " served %llu\n",
				n->id, n->nlookup, (unsigned long long)served);
			if (final)
				violation("node %" PRIu64 ": %" PRIu64 " lookups and %llu kernel-served lookups never forgotten",
					  n->id, n->nlookup,
					  (unsigned long long)served);
		}
	}
	pthread_mutex_unlock(&fs.lock);
	fprintf(f, "unbalanced %" PRIu64 "\nlive %" PRIu64 "\npinned %" PRIu64 "\n",
		unbalanced, live, pinned);
	fclose(f);
	return s;
}

static struct node *resolve(const char *path)
{
	struct node *n = fs.nodes[ROOT_ID];
	char *p = strdup(path), *save = NULL, *tok;

	if (!p)
		return NULL;
	for (tok = strtok_r(p, "/", &save); tok && n;
	     tok = strtok_r(NULL, "/", &save)) {
		struct child *c = kid_find(n, tok);

		n = c ? fs.nodes[c->id] : NULL;
	}
	free(p);
	return n;
}

static int do_attach(bool on)
{
	int err;

	if (!fs.ef)
		return -ENOENT;
	if (on) {
		err = extfuse_attach(fs.ef, fuse_session_fd(fs.se), NULL);
	} else {
		err = extfuse_detach(fuse_session_fd(fs.se));
		if (!err)
			extfuse_flush(fs.ef);
	}
	if (!err)
		fs.attached = on;
	return err;
}

static char *run_command(char *line)
{
	char *argv[4] = { 0 }, *save = NULL, *out = NULL;
	int argc = 0, err = 0;
	struct node *n;

	for (char *t = strtok_r(line, " \t\n", &save); t && argc < 4;
	     t = strtok_r(NULL, " \t\n", &save))
		argv[argc++] = t;
	if (argc == 0)
		return NULL;
	if (!strcmp(argv[0], "stats"))
		return stats_text();
	if (!strcmp(argv[0], "check"))
		return check_text(false);
	if (!strcmp(argv[0], "attach") || !strcmp(argv[0], "detach")) {
		err = do_attach(argv[0][0] == 'a');
	} else if (!strcmp(argv[0], "setmode") && argc == 3) {
		pthread_mutex_lock(&fs.lock);
		n = resolve(argv[1]);
		if (n)
			n->st.st_mode = (n->st.st_mode & S_IFMT) |
					(strtoul(argv[2], NULL, 8) & 07777);
		pthread_mutex_unlock(&fs.lock);
		err = n ? 0 : -ENOENT;
	} else if (!strcmp(argv[0], "remote-create") && argc == 3) {
		struct node *k = NULL;

		pthread_mutex_lock(&fs.lock);
		n = resolve(argv[1]);
		err = !n || !S_ISDIR(n->st.st_mode) ? -ENOTDIR :
		      kid_find(n, argv[2]) ? -EEXIST : 0;
		if (!err && !(k = node_new(S_IFREG | 0644, 0, 0)))
			err = -ENOMEM;
		if (!err && kid_add(n, argv[2], k)) {
			k->st.st_nlink = 0;
			node_maybe_free(k);
			err = -ENOMEM;
		}
		if (!err)
			inval_node(n);
		pthread_mutex_unlock(&fs.lock);
		if (!err && publishing())
			err = extfuse_expire_dir(fs.ef, n->id);
	} else if (!strcmp(argv[0], "inval") && argc == 2) {
		uint64_t id = 0;

		pthread_mutex_lock(&fs.lock);
		n = resolve(argv[1]);
		if (n) {
			id = n->id;
			inval_node(n);
		}
		pthread_mutex_unlock(&fs.lock);
		/* The kernel's own cache, outside the lock (it may call us). */
		err = n ? fuse_lowlevel_notify_inval_inode(fs.se, id, 0, 0) : -ENOENT;
	} else {
		err = -EINVAL;
	}
	if (asprintf(&out, "%s %d\n", err ? "error" : "ok", err) < 0)
		return NULL;
	return out;
}

/* Lines "COMMAND [ARGS] ANSWER-PATH" on the FIFO. */
static void *control(void *arg)
{
	char line[PATH_MAX * 2];

	(void)arg;
	while (!atomic_load(&fs.stop)) {
		FILE *f = fopen(fs.ctl, "r");

		if (!f)
			break;
		while (fgets(line, sizeof(line), f)) {
			char *sp = strrchr(line, ' '), *ans, *nl;

			if (!sp)
				continue;
			*sp++ = '\0';
			nl = strchr(sp, '\n');
			if (nl)
				*nl = '\0';
			ans = run_command(line);
			write_answer(sp, ans ? ans : "error -12\n");
			free(ans);
		}
		fclose(f);
	}
	return NULL;
}

/* ---- set-up -------------------------------------------------------------- */

/* The connection number (minor of st_dev) from mountinfo: a stat() of the
 * mount point would wait for our own, not yet running, loop. */
static int conn_of_mount(const char *mnt, char *id, size_t len)
{
	char line[4096], real[PATH_MAX], mp[PATH_MAX];
	unsigned int maj, min;
	FILE *f;
	int found = 0;

	if (!realpath(mnt, real))
		return -errno;
	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) == 3 &&
		    !strcmp(mp, real)) {
			snprintf(id, len, "%u", min);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

static int setup_extfuse(void)
{
	struct extfuse_opts o = { .sz = sizeof(o), .pin_root = fs.pin_root };
	char dir[PATH_MAX];
	int err;

	err = conn_of_mount(fs.mnt, fs.conn_id, sizeof(fs.conn_id));
	if (err)
		return err;
	/* A previous run's pins on the same connection number. */
	snprintf(dir, sizeof(dir), "%s/%s",
		 fs.pin_root ? fs.pin_root : EXTFUSE_PIN_ROOT, fs.conn_id);
	if (access(dir, F_OK) == 0)
		extfuse_remove(fs.conn_id, fs.pin_root);
	err = extfuse_create(fs.conn_id, &o, &fs.ef);
	if (!err)
		err = do_attach(true);
	return err;
}

static void init_root(void)
{
	struct node *n;

	node_new(0, 0, 0); /* id 0: never valid */
	fs.nodes[0]->freed = true;
	n = node_new(S_IFDIR | 0755, 0, 0);
	n->parent = ROOT_ID;
}

static void usage(void)
{
	fprintf(stderr, "usage: extfuse-testfs MOUNTPOINT --ctl FIFO [--no-extfuse] [--balanced]\n"
			"       [--pin-root DIR] [--cache-sec N] [--kernel-timeout SEC]\n"
			"       [--stats FILE]\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ctl", required_argument, NULL, 'c' },
		{ "no-extfuse", no_argument, NULL, 'n' },
		{ "balanced", no_argument, NULL, 'b' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "cache-sec", required_argument, NULL, 't' },
		{ "kernel-timeout", required_argument, NULL, 'k' },
		{ "stats", required_argument, NULL, 's' },
		{ 0 },
	};
	char *end;
	int c;

	fs.use_extfuse = true;
	fs.ktimeout = 1.0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': fs.ctl = optarg; break;
		case 'n': fs.use_extfuse = false; break;
		case 'b': fs.balanced = true; break;
		case 'p': fs.pin_root = optarg; break;
		case 't': fs.cache_ns = strtoull(optarg, NULL, 10) * 1000000000ull; break;
		case 's': fs.stats = optarg; break;
		case 'k':
			fs.ktimeout = strtod(optarg, &end);
			if (*end || fs.ktimeout < 0) {
				fprintf(stderr, "extfuse-testfs: bad --kernel-timeout %s\n", optarg);
				exit(2);
			}
			break;
		default: usage();
		}
	}
	if (optind != argc - 1 || !fs.ctl)
		usage();
	fs.mnt = argv[optind];
}

int main(int argc, char **argv)
{
	char *fargv[] = { argv[0], "-o", "allow_other,fsname=extfuse-testfs,subtype=testfs", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_loop_config *cfg;
	pthread_t jan, ctl;
	char *s;
	int err;

	parse(argc, argv);
	init_root();
	fs.se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!fs.se || fuse_set_signal_handlers(fs.se) ||
	    fuse_session_mount(fs.se, fs.mnt)) {
		fprintf(stderr, "extfuse-testfs: cannot mount %s\n", fs.mnt);
		return 1;
	}
	if (fs.use_extfuse) {
		err = setup_extfuse();
		if (err) {
			fprintf(stderr, "extfuse-testfs: extfuse set-up failed: %s\n",
				strerror(-err));
			fuse_session_unmount(fs.se);
			return 1;
		}
	}
	pthread_create(&jan, NULL, janitor, NULL);
	pthread_create(&ctl, NULL, control, NULL);
	cfg = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(cfg, 16);
	err = fuse_session_loop_mt(fs.se, cfg);
	fuse_loop_cfg_destroy(cfg);
	atomic_store(&fs.stop, true);
	pthread_join(jan, NULL);
	/* Unblock the control thread's open() of the FIFO. */
	close(open(fs.ctl, O_WRONLY | O_NONBLOCK));
	pthread_cancel(ctl);
	pthread_join(ctl, NULL);
	fuse_session_unmount(fs.se);
	fuse_remove_signal_handlers(fs.se);
	fuse_session_destroy(fs.se);

	s = check_text(fs.balanced);
	if (s)
		fputs(s, stderr);
	free(s);
	s = stats_text();
	if (s && fs.stats)
		write_answer(fs.stats, s);
	free(s);
	if (fs.ef) {
		extfuse_close(fs.ef);
		extfuse_remove(fs.conn_id, fs.pin_root);
	}
	if (atomic_load(&fs.violations)) {
		fprintf(stderr, "extfuse-testfs: %lu VIOLATIONS\n",
			atomic_load(&fs.violations));
		return 1;
	}
	return err ? 1 : 0;
}
