// SPDX-License-Identifier: GPL-2.0
/*
 * efx-dump: read the ExtFUSE maps of one FUSE connection for the cluster
 * tests, and compare a mirrored attribute with what stat(2) returns.
 *
 *   efx-dump attrs CONN             nodeid and attributes, one per line
 *   efx-dump entries CONN           parent name nodeid flags
 *   efx-dump dirs CONN              dir kind nentries
 *   efx-dump resolve CONN REL       nodeid of REL, following the entries
 *   efx-dump has-attr CONN NODEID   exit 0 if NODEID has attributes
 *   efx-dump attr-left CONN NODEID  ms until NODEID's attributes expire
 *   efx-dump has-entry CONN PARENT NAME
 *   efx-dump has-dir CONN NODEID    exit 0 if NODEID has a listing
 *   efx-dump compare CONN MNT REL   attributes of REL equal stat(MNT/REL)
 *   efx-dump hits CONN              requests the kernel answered (all ops)
 *   efx-dump version CONN NODEID    NODEID's version counter
 *   efx-dump stamp CONN NODEID      "VERSION EPOCH": what a request wound
 *                                   now would be published with
 *
 * Exit status: 0 yes/ok, 1 no/mismatch, 2 usage or system error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "libextfuse.h"

static struct extfuse *ef;

static int print_attr(__u64 nodeid, const struct extfuse_attr_val *v,
		      void *arg __attribute__((unused)))
{
	const struct fuse_attr *a = &v->attr;

	printf("%llu ino=%llu mode=%o nlink=%u uid=%u gid=%u size=%llu "
	       "blocks=%llu blksize=%u rdev=%u atime=%llu.%09u "
	       "mtime=%llu.%09u ctime=%llu.%09u\n",
	       (unsigned long long)nodeid, (unsigned long long)a->ino, a->mode,
	       a->nlink, a->uid, a->gid, (unsigned long long)a->size,
	       (unsigned long long)a->blocks, a->blksize, a->rdev,
	       (unsigned long long)a->atime, a->atimensec,
	       (unsigned long long)a->mtime, a->mtimensec,
	       (unsigned long long)a->ctime, a->ctimensec);
	return 0;
}

static int print_entry(const struct extfuse_entry_key *k,
		       const struct extfuse_entry_val *v,
		       void *arg __attribute__((unused)))
{
	printf("%llu %s %llu %u\n", (unsigned long long)k->parent, k->name,
	       (unsigned long long)v->nodeid, v->flags);
	return 0;
}

static int print_dir(const struct extfuse_dir_key *k,
		     const struct extfuse_dir_val *v,
		     void *arg __attribute__((unused)))
{
	printf("%llu %u %u\n", (unsigned long long)k->dir, k->kind,
	       v->nentries);
	return 0;
}

/* Follow the published entries from the root (nodeid 1). */
static int resolve(const char *rel, __u64 *nodeid)
{
	char *path = strdup(rel), *save = NULL, *c;
	struct extfuse_entry_val val;
	__u64 n = 1;
	int ret = 0;

	if (!path)
		return -ENOMEM;
	for (c = strtok_r(path, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		ret = extfuse_read_entry(ef, n, c, &val);
		if (ret < 0)
			break;
		if (val.flags & EXTFUSE_ENTRY_NEGATIVE) {
			ret = -ENOENT;
			break;
		}
		n = val.nodeid;
	}
	free(path);
	*nodeid = n;
	return ret;
}

#define CMP(what, a, b)                                                        \
	do {                                                                   \
		if ((unsigned long long)(a) != (unsigned long long)(b)) {      \
			printf("%s: map %llu, stat %llu\n", what,              \
			       (unsigned long long)(a),                        \
			       (unsigned long long)(b));                       \
			bad++;                                                 \
		}                                                              \
	} while (0)

static int compare(const char *mnt, const char *rel)
{
	struct extfuse_attr_val v;
	char path[4096];
	struct stat st;
	__u64 nodeid;
	int bad = 0;

	snprintf(path, sizeof(path), "%s/%s", mnt, rel);
	if (lstat(path, &st) < 0) {
		perror(path);
		return 2;
	}
	if (resolve(rel, &nodeid) < 0) {
		printf("%s: no entry in the map\n", rel);
		return 1;
	}
	if (extfuse_read_attr(ef, nodeid, &v) < 0) {
		printf("%s: nodeid %llu has no attributes in the map\n", rel,
		       (unsigned long long)nodeid);
		return 1;
	}
	CMP("ino", v.attr.ino, st.st_ino);
	CMP("mode", v.attr.mode, st.st_mode);
	CMP("nlink", v.attr.nlink, st.st_nlink);
	CMP("uid", v.attr.uid, st.st_uid);
	CMP("gid", v.attr.gid, st.st_gid);
	CMP("size", v.attr.size, st.st_size);
	CMP("blocks", v.attr.blocks, st.st_blocks);
	CMP("blksize", v.attr.blksize, st.st_blksize);
	CMP("rdev", v.attr.rdev, st.st_rdev);
	CMP("atime", v.attr.atime, st.st_atim.tv_sec);
	CMP("atimensec", v.attr.atimensec, st.st_atim.tv_nsec);
	CMP("mtime", v.attr.mtime, st.st_mtim.tv_sec);
	CMP("mtimensec", v.attr.mtimensec, st.st_mtim.tv_nsec);
	CMP("ctime", v.attr.ctime, st.st_ctim.tv_sec);
	CMP("ctimensec", v.attr.ctimensec, st.st_ctim.tv_nsec);
	if (!bad)
		printf("%s: nodeid %llu: all fields equal\n", rel,
		       (unsigned long long)nodeid);
	return bad ? 1 : 0;
}

static int hits(void)
{
	struct extfuse_stats st[EXTFUSE_SOP_COUNT];
	unsigned long long n = 0;
	int i;

	if (extfuse_read_stats(ef, st) < 0)
		return 2;
	for (i = 0; i < EXTFUSE_SOP_COUNT; i++)
		n += st[i].hits;
	printf("%llu\n", n);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: efx-dump attrs|entries|dirs CONN\n"
		"       efx-dump resolve CONN REL\n"
		"       efx-dump has-attr|has-dir|attr-left CONN NODEID\n"
		"       efx-dump has-entry CONN PARENT NAME\n"
		"       efx-dump compare CONN MNT REL\n"
		"       efx-dump hits CONN\n"
		"       efx-dump version CONN NODEID\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct extfuse_entry_val ev;
	struct extfuse_attr_val av;
	struct extfuse_dir_val dv;
	const char *cmd;
	__u64 n;
	int ret;

	if (argc < 3)
		return usage();
	cmd = argv[1];
	ret = extfuse_open(argv[2], NULL, &ef);
	if (ret < 0) {
		fprintf(stderr, "efx-dump: connection %s: %s\n", argv[2],
			strerror(-ret));
		return 2;
	}
	if (!strcmp(cmd, "attrs"))
		ret = extfuse_foreach_attr(ef, print_attr, NULL) < 0 ? 2 : 0;
	else if (!strcmp(cmd, "entries"))
		ret = extfuse_foreach_entry(ef, print_entry, NULL) < 0 ? 2 : 0;
	else if (!strcmp(cmd, "dirs"))
		ret = extfuse_foreach_dir(ef, print_dir, NULL) < 0 ? 2 : 0;
	else if (!strcmp(cmd, "resolve") && argc == 4)
		ret = resolve(argv[3], &n) < 0
			      ? 1
			      : (printf("%llu\n", (unsigned long long)n), 0);
	else if (!strcmp(cmd, "has-attr") && argc == 4) {
		n = strtoull(argv[3], NULL, 0);
		ret = extfuse_read_attr(ef, n, &av) < 0 ? 1 : 0;
	} else if (!strcmp(cmd, "attr-left") && argc == 4) {
		n = strtoull(argv[3], NULL, 0);
		ret = extfuse_read_attr(ef, n, &av) < 0 ? 1 : 0;
		if (!ret)
			printf("%lld\n", ((long long)av.expiry_ns -
					  (long long)extfuse_now_ns()) /
						 1000000);
	} else if (!strcmp(cmd, "has-dir") && argc == 4) {
		n = strtoull(argv[3], NULL, 0);
		ret = extfuse_read_dir(ef, n, EXTFUSE_DIR_PLUS, &dv) < 0 ? 1 : 0;
	} else if (!strcmp(cmd, "has-entry") && argc == 5) {
		n = strtoull(argv[3], NULL, 0);
		ret = extfuse_read_entry(ef, n, argv[4], &ev) < 0 ? 1 : 0;
	} else if ((!strcmp(cmd, "version") || !strcmp(cmd, "stamp")) &&
		   argc == 4) {
		struct extfuse_stamp st;

		n = strtoull(argv[3], NULL, 0);
		ret = extfuse_stamp(ef, n, &st) < 0 ? 2 : 0;
		if (!ret)
			printf(!strcmp(cmd, "version") ? "%llu\n" : "%llu %llu\n",
			       (unsigned long long)st.version,
			       (unsigned long long)st.epoch);
	} else if (!strcmp(cmd, "hits"))
		ret = hits();
	else if (!strcmp(cmd, "compare") && argc == 5)
		ret = compare(argv[3], argv[4]);
	else
		ret = usage();
	extfuse_close(ef);
	return ret;
}
