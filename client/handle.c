// SPDX-License-Identifier: GPL-2.0
/* Handles: load and pin an extension, open pinned ones, remove them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "internal.h"
#include "extfuse.skel.h"

static bool conn_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* A printable copy of a rejected id for messages. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 4 < size; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(buf + i, s[i] ? "..." : "");
	return buf;
}

int ef_check_conn_id(const char *conn_id)
{
	char show[EF_CONN_ID_MAX + 4];
	size_t i, len;

	if (!conn_id)
		return ef_err(-EINVAL, "connection id missing");
	len = strlen(conn_id);
	if (len == 0 || len > EF_CONN_ID_MAX)
		return ef_err(-EINVAL,
			      "connection id '%s': must be 1 to %d characters",
			      printable(conn_id, show, sizeof(show)),
			      EF_CONN_ID_MAX);
	if (!strcmp(conn_id, ".") || !strcmp(conn_id, ".."))
		return ef_err(-EINVAL, "connection id '%s' is not allowed",
			      conn_id);
	for (i = 0; i < len; i++)
		if (!conn_char_ok(conn_id[i]))
			return ef_err(-EINVAL,
				      "connection id '%s': only A-Z a-z 0-9 . _ - are allowed",
				      printable(conn_id, show, sizeof(show)));
	return 0;
}

static int handle_new(const char *conn_id, const char *pin_root,
		      struct extfuse **out)
{
	struct extfuse *ef;
	int i, n;

	if (!pin_root || !*pin_root)
		pin_root = EXTFUSE_PIN_ROOT;
	ef = calloc(1, sizeof(*ef));
	if (!ef)
		return ef_err(-ENOMEM, "out of memory");
	n = snprintf(ef->dir, sizeof(ef->dir), "%s/%s", pin_root, conn_id);
	if (n < 0 || (size_t)n >= sizeof(ef->dir)) {
		free(ef);
		return ef_err(-ENAMETOOLONG, "pin root '%s': path too long",
			      pin_root);
	}
	strcpy(ef->conn_id, conn_id);
	ef->dir_fd = -1;
	ef->prog_fd = -1;
	ef->inval_fd = -1;
	for (i = 0; i < EF_NMAPS; i++)
		ef->map_fd[i] = -1;
	pthread_mutex_init(&ef->lock, NULL);
	*out = ef;
	return 0;
}

void extfuse_close(struct extfuse *ef)
{
	int i;

	if (!ef)
		return;
	for (i = 0; i < EF_NMAPS; i++)
		if (ef->map_fd[i] >= 0)
			close(ef->map_fd[i]);
	if (ef->prog_fd >= 0)
		close(ef->prog_fd);
	if (ef->dir_fd >= 0)
		close(ef->dir_fd);
	/* inval_fd is prog_fd or belongs to priv */
	extfuse_bpf__destroy(ef->priv);
	pthread_mutex_destroy(&ef->lock);
	free(ef);
}

/* mkdir -p, new components mode 0700. */
static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	char *p, c;

	if (!len)
		return ef_err(-EINVAL, "empty directory name");
	if (len >= sizeof(buf))
		return ef_err(-ENAMETOOLONG, "'%s': path too long", path);
	memcpy(buf, path, len + 1);
	for (p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return ef_err(-errno, "cannot create directory %s: %s",
				      buf, strerror(errno));
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

static int check_bpffs(const char *path)
{
	struct statfs sfs;

	if (statfs(path, &sfs))
		return ef_err(-errno, "%s: %s", path, strerror(errno));
	if ((unsigned long)sfs.f_type != BPF_FS_MAGIC)
		return ef_err(-EINVAL,
			      "%s is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)",
			      path);
	return 0;
}

static int dir_is_empty(int dfd, const char *path)
{
	struct dirent *d;
	int fd, ret = 1;
	DIR *dir;

	fd = dup(dfd);
	if (fd < 0)
		return ef_err(-errno, "%s: %s", path, strerror(errno));
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return ef_err(-errno, "%s: %s", path, strerror(errno));
	}
	while ((d = readdir(dir))) {
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
			ret = 0;
			break;
		}
	}
	closedir(dir);
	return ret;
}

/* Create (or take over an empty) <pin_root>/<conn_id>/ and open it. */
static int make_pin_dir(struct extfuse *ef, const char *root, bool *created)
{
	int err;

	err = mkdir_p(root);
	if (!err)
		err = check_bpffs(root);
	if (err)
		return err;
	*created = mkdir(ef->dir, 0700) == 0;
	if (!*created && errno != EEXIST)
		return ef_err(-errno, "cannot create %s: %s", ef->dir,
			      strerror(errno));
	ef->dir_fd = open(ef->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ef->dir_fd < 0)
		return ef_err(-errno, "cannot open %s: %s", ef->dir,
			      strerror(errno));
	if (*created)
		return 0;
	err = dir_is_empty(ef->dir_fd, ef->dir);
	if (err < 0)
		return err;
	if (!err)
		return ef_err(-EEXIST,
			      "%s holds pins already (extfuse_remove() clears it)",
			      ef->dir);
	return 0;
}

static int check_map(int fd, enum ef_map m, const char *where, __u32 *max)
{
	const struct ef_map_desc *d = &ef_maps[m];
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int err;

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return ef_err(err, "%s/%s: not a BPF map: %s", where, d->name,
			      strerror(-err));
	if ((info.type != d->type && info.type != d->alt_type) ||
	    info.key_size != d->key_size || info.value_size != d->value_size)
		return ef_err(-EPROTO,
			      "%s/%s: map type %u, key %u, value %u bytes; this library expects type %u, key %u, value %u (ABI mismatch)",
			      where, d->name, info.type, info.key_size,
			      info.value_size, d->type, d->key_size,
			      d->value_size);
	if ((m == EF_STATS && info.max_entries < EXTFUSE_SOP_COUNT) ||
	    (m == EF_CONFIG && info.max_entries < 1))
		return ef_err(-EPROTO, "%s/%s: only %u entries", where,
			      d->name, info.max_entries);
	*max = info.max_entries;
	return 0;
}

void ef_req_init(struct extfuse_req *req, __u32 opcode, __u64 nodeid)
{
	extfuse_req_init(req, opcode, nodeid);
	req->now_ns = extfuse_now_ns();
}

int ef_run(struct extfuse *ef, int prog_fd, struct extfuse_req *req)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = req,
		    .ctx_size_in = sizeof(*req));
	int err;

	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return ef_err(err, "%s: running the extension failed: %s",
			      ef->conn_id, strerror(-err));
	return 0;
}

static int write_config(struct extfuse *ef, const struct extfuse_opts *o)
{
	struct extfuse_config cfg = {
		.magic = EXTFUSE_MAGIC,
		.flags = o->flags,
		.entry_timeout_ns = o->entry_timeout_ns,
		.attr_timeout_ns = o->attr_timeout_ns,
		.epoch = 1,
		.conn_id = ef_bound_conn(ef, 0),
	};
	__u32 zero = 0;
	int err;

	err = bpf_map_update_elem(ef->map_fd[EF_CONFIG], &zero, &cfg, BPF_ANY);
	if (err)
		return ef_err(err, "%s: cannot initialise the configuration: %s",
			      ef->conn_id, strerror(-err));
	return 0;
}

static int dup_fd(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	if (nfd < 0)
		return ef_err(-errno, "dup: %s", strerror(errno));
	return nfd;
}

/* Take dup'ed fds of the loaded maps and program from skel. */
static int take_fds(struct extfuse *ef, struct extfuse_bpf *skel)
{
	struct bpf_map *map;
	int i, fd, err;

	for (i = 0; i < EF_NMAPS; i++) {
		map = bpf_object__find_map_by_name(skel->obj, ef_maps[i].name);
		if (!map)
			return ef_err(-EPROTO, "the extension has no map %s",
				      ef_maps[i].name);
		fd = dup_fd(bpf_map__fd(map));
		if (fd < 0)
			return fd;
		ef->map_fd[i] = fd;
		err = check_map(fd, i, ef->dir, &ef->max_entries[i]);
		if (err)
			return err;
	}
	fd = dup_fd(bpf_program__fd(skel->progs.extfuse_handle));
	if (fd < 0)
		return fd;
	ef->prog_fd = fd;
	ef->inval_fd = fd;
	return 0;
}

static int load_skel(struct extfuse_bpf **out, const struct extfuse_opts *o)
{
	struct extfuse_bpf *skel;
	int err;

	skel = extfuse_bpf__open();
	if (!skel)
		return ef_err(-errno, "cannot open the extension: %s",
			      strerror(errno));
	/* served is per node like the versions: it gets the same size */
	bpf_map__set_max_entries(skel->maps.extfuse_entries, o->max_entries);
	bpf_map__set_max_entries(skel->maps.extfuse_attrs, o->max_entries);
	bpf_map__set_max_entries(skel->maps.extfuse_dirs, o->max_entries);
	bpf_map__set_max_entries(skel->maps.extfuse_names, o->max_entries);
	bpf_map__set_max_entries(skel->maps.extfuse_vers, o->max_entries);
	bpf_map__set_max_entries(skel->maps.extfuse_served, o->max_entries);
	bpf_map__set_max_entries(skel->maps.extfuse_chunks, o->max_chunks);
	err = extfuse_bpf__load(skel);
	if (err) {
		extfuse_bpf__destroy(skel);
		return ef_err(err, "cannot load the extension: %s",
			      strerror(-err));
	}
	*out = skel;
	return 0;
}

static int pin_path(const struct extfuse *ef, const char *name, char *buf,
		    size_t size)
{
	int n = snprintf(buf, size, "%s/%s", ef->dir, name);

	if (n < 0 || (size_t)n >= size)
		return ef_err(-ENAMETOOLONG, "%s/%s: path too long", ef->dir,
			      name);
	return 0;
}

static void unpin_all(struct extfuse *ef, int npinned)
{
	int i;

	for (i = 0; i < npinned && i < EF_NMAPS; i++)
		unlinkat(ef->dir_fd, ef_maps[i].name, 0);
	if (npinned > EF_NMAPS)
		unlinkat(ef->dir_fd, EXTFUSE_PROG_PIN, 0);
}

static int pin_one(struct extfuse *ef, int fd, const char *name)
{
	char path[PATH_MAX];
	int err;

	err = pin_path(ef, name, path, sizeof(path));
	if (err)
		return err;
	err = bpf_obj_pin(fd, path);
	if (err)
		return ef_err(err, "cannot pin %s: %s", path, strerror(-err));
	return 0;
}

/* Pin the maps, then the program; on failure unpin what was pinned. */
static int pin_all(struct extfuse *ef)
{
	int i, err;

	for (i = 0; i < EF_NMAPS; i++) {
		err = pin_one(ef, ef->map_fd[i], ef_maps[i].name);
		if (err) {
			unpin_all(ef, i);
			return err;
		}
	}
	err = pin_one(ef, ef->prog_fd, EXTFUSE_PROG_PIN);
	if (err)
		unpin_all(ef, EF_NMAPS);
	return err;
}

static int copy_opts(const struct extfuse_opts *opts, struct extfuse_opts *o)
{
	const unsigned char *p;
	size_t i;

	memset(o, 0, sizeof(*o));
	if (opts) {
		/* a later version may grow the struct, never by pages */
		if (opts->sz < sizeof(size_t) || opts->sz > 4096)
			return ef_err(-EINVAL,
				      "extfuse_opts.sz must be sizeof(struct extfuse_opts), not %zu",
				      opts->sz);
		p = (const unsigned char *)opts;
		for (i = sizeof(*o); i < opts->sz; i++)
			if (p[i])
				return ef_err(-EINVAL,
					      "extfuse_opts: unknown options set (newer caller?)");
		memcpy(o, opts, opts->sz < sizeof(*o) ? opts->sz : sizeof(*o));
		o->sz = sizeof(*o);
	}
	if (o->flags & ~EF_CFG_ALL)
		return ef_err(-EINVAL, "extfuse_opts.flags: unknown bits 0x%x",
			      o->flags & ~EF_CFG_ALL);
	if (!o->flags)
		o->flags = EF_CFG_DEFAULT;
	if (!o->max_entries)
		o->max_entries = EF_DEFAULT_MAX_ENTRIES;
	if (!o->max_chunks)
		o->max_chunks = EF_DEFAULT_MAX_CHUNKS;
	if (!o->entry_timeout_ns)
		o->entry_timeout_ns = EF_DEFAULT_TIMEOUT_NS;
	if (!o->attr_timeout_ns)
		o->attr_timeout_ns = EF_DEFAULT_TIMEOUT_NS;
	return 0;
}

static int create_in(struct extfuse *ef, const struct extfuse_opts *o)
{
	struct extfuse_bpf *skel = NULL;
	int err;

	err = load_skel(&skel, o);
	if (err)
		return err;
	err = take_fds(ef, skel);
	extfuse_bpf__destroy(skel); /* the dup'ed fds keep everything */
	if (!err)
		err = write_config(ef, o);
	if (!err)
		err = pin_all(ef);
	return err;
}

int extfuse_create(const char *conn_id, const struct extfuse_opts *opts,
		   struct extfuse **out)
{
	struct extfuse_opts o;
	struct extfuse *ef;
	bool created = false;
	int err;

	if (!out)
		return ef_err(-EINVAL, "extfuse_create: out is NULL");
	*out = NULL;
	ef_hook_libbpf();
	err = ef_check_conn_id(conn_id);
	if (!err)
		err = copy_opts(opts, &o);
	if (!err)
		err = handle_new(conn_id, o.pin_root, &ef);
	if (err)
		return err;
	err = make_pin_dir(ef, o.pin_root && *o.pin_root ? o.pin_root :
							  EXTFUSE_PIN_ROOT,
			   &created);
	if (!err)
		err = create_in(ef, &o);
	if (err) {
		if (created)
			rmdir(ef->dir);
		extfuse_close(ef);
		return err;
	}
	ef_log(EXTFUSE_LOG_INFO, "%s: created and pinned under %s", conn_id,
	       ef->dir);
	*out = ef;
	return 0;
}

/* Ask the program which ABI it was built for. */
static int probe_prog(struct extfuse *ef, int fd, const char *path)
{
	struct extfuse_req req;
	int err;

	ef_req_init(&req, EXTFUSE_OP_PROBE, 0);
	req.magic = 0;
	req.abi_version = 0;
	err = ef_run(ef, fd, &req);
	if (err)
		return err;
	if (req.verdict != EXTFUSE_VERDICT_ANSWER ||
	    req.magic != EXTFUSE_MAGIC ||
	    req.abi_version != EXTFUSE_ABI_VERSION ||
	    req.ctx_size != sizeof(req))
		return ef_err(-EPROTO,
			      "%s: program built for ABI %u (context %u bytes); this library speaks ABI %u (%zu bytes)",
			      path, req.abi_version, req.ctx_size,
			      EXTFUSE_ABI_VERSION, sizeof(req));
	return 0;
}

static int open_prog(struct extfuse *ef)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	err = pin_path(ef, EXTFUSE_PROG_PIN, path, sizeof(path));
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd == -ENOENT) {
		ef_log(EXTFUSE_LOG_INFO, "%s: no program pinned", ef->dir);
		return 0;
	}
	if (fd < 0)
		return ef_err(fd, "cannot open %s: %s", path, strerror(-fd));
	ef->prog_fd = fd;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err || info.type != BPF_PROG_TYPE_SYSCALL)
		return ef_err(-EPROTO, "%s is not a BPF syscall program",
			      path);
	err = probe_prog(ef, fd, path);
	if (!err)
		ef->inval_fd = fd;
	return err;
}

static int open_maps(struct extfuse *ef)
{
	char path[PATH_MAX];
	int i, fd, err;

	for (i = 0; i < EF_NMAPS; i++) {
		err = pin_path(ef, ef_maps[i].name, path, sizeof(path));
		if (err)
			return err;
		fd = bpf_obj_get(path);
		if (fd == -ENOENT)
			return ef_err(-ENOENT, "%s: %s is not pinned",
				      ef->conn_id, path);
		if (fd < 0)
			return ef_err(fd, "cannot open %s: %s", path,
				      strerror(-fd));
		ef->map_fd[i] = fd;
		err = check_map(fd, i, ef->dir, &ef->max_entries[i]);
		if (err)
			return err;
	}
	return 0;
}

static int open_in(struct extfuse *ef)
{
	struct extfuse_config cfg;
	int err;

	ef->dir_fd = open(ef->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ef->dir_fd < 0 && errno == ENOENT)
		return ef_err(-ENOENT, "no connection '%s' (%s does not exist)",
			      ef->conn_id, ef->dir);
	if (ef->dir_fd < 0)
		return ef_err(-errno, "cannot open %s: %s", ef->dir,
			      strerror(errno));
	err = open_maps(ef);
	if (!err)
		err = ef_read_config(ef, &cfg);
	if (err)
		return err;
	if (cfg.magic != EXTFUSE_MAGIC)
		return ef_err(-EPROTO, "%s: configuration not initialised",
			      ef->dir);
	return open_prog(ef);
}

int extfuse_open(const char *conn_id, const char *pin_root,
		 struct extfuse **out)
{
	struct extfuse *ef;
	int err;

	if (!out)
		return ef_err(-EINVAL, "extfuse_open: out is NULL");
	*out = NULL;
	ef_hook_libbpf();
	err = ef_check_conn_id(conn_id);
	if (!err)
		err = handle_new(conn_id, pin_root, &ef);
	if (err)
		return err;
	err = open_in(ef);
	if (err) {
		extfuse_close(ef);
		return err;
	}
	*out = ef;
	return 0;
}

int extfuse_remove(const char *conn_id, const char *pin_root)
{
	char dir[PATH_MAX];
	struct dirent *d;
	int n, dfd, err = 0;
	DIR *dp;

	err = ef_check_conn_id(conn_id);
	if (err)
		return err;
	if (!pin_root || !*pin_root)
		pin_root = EXTFUSE_PIN_ROOT;
	n = snprintf(dir, sizeof(dir), "%s/%s", pin_root, conn_id);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return ef_err(-ENAMETOOLONG, "pin root '%s': path too long",
			      pin_root);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ef_err(-errno, "cannot remove %s: %s", dir,
			      strerror(errno));
	dp = fdopendir(dfd);
	if (!dp) {
		close(dfd);
		return ef_err(-errno, "%s: %s", dir, strerror(errno));
	}
	while ((d = readdir(dp))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (unlinkat(dfd, d->d_name, 0) && !err)
			err = ef_err(-errno, "cannot unpin %s/%s: %s", dir,
				     d->d_name, strerror(errno));
	}
	closedir(dp);
	if (!err && rmdir(dir))
		err = ef_err(-errno, "cannot remove %s: %s", dir,
			     strerror(errno));
	return err;
}

/* The program that runs invalidations, loaded privately if not pinned. */
static int load_private(struct extfuse *ef)
{
	struct extfuse_bpf *skel;
	struct bpf_map *map;
	int i, err;

	skel = extfuse_bpf__open();
	if (!skel)
		return ef_err(-errno, "cannot open the extension: %s",
			      strerror(errno));
	for (i = 0; i < EF_NMAPS; i++) {
		map = bpf_object__find_map_by_name(skel->obj, ef_maps[i].name);
		err = map ? bpf_map__reuse_fd(map, ef->map_fd[i]) : -EPROTO;
		if (err)
			goto fail;
	}
	err = extfuse_bpf__load(skel);
	if (err)
		goto fail;
	ef->priv = skel;
	__atomic_store_n(&ef->inval_fd,
			 bpf_program__fd(skel->progs.extfuse_handle),
			 __ATOMIC_RELEASE);
	return 0;
fail:
	extfuse_bpf__destroy(skel);
	return ef_err(err, "%s: cannot load a private extension for invalidations: %s",
		      ef->conn_id, strerror(-err));
}

int ef_inval_prog(struct extfuse *ef)
{
	int fd, err = 0;

	/* set once, never changed: no lock needed once it is there */
	fd = __atomic_load_n(&ef->inval_fd, __ATOMIC_ACQUIRE);
	if (fd >= 0)
		return fd;
	pthread_mutex_lock(&ef->lock);
	if (ef->inval_fd < 0)
		err = load_private(ef);
	fd = ef->inval_fd;
	pthread_mutex_unlock(&ef->lock);
	return err ? err : fd;
}

int extfuse_prog_fd(const struct extfuse *ef)
{
	if (!ef)
		return ef_err(-EINVAL, "extfuse_prog_fd: handle is NULL");
	if (ef->prog_fd < 0)
		return ef_debug_err(-ENOENT, "%s: no extension program",
				    ef->conn_id);
	return ef->prog_fd;
}

int extfuse_map_fd(const struct extfuse *ef, const char *name)
{
	int i;

	if (!ef || !name)
		return ef_err(-EINVAL, "extfuse_map_fd: NULL argument");
	for (i = 0; i < EF_NMAPS; i++)
		if (!strcmp(name, ef_maps[i].name))
			return ef->map_fd[i];
	return ef_err(-ENOENT, "no map named '%s'", name);
}

const char *extfuse_conn_id(const struct extfuse *ef)
{
	return ef ? ef->conn_id : NULL;
}
