// SPDX-License-Identifier: GPL-2.0
/*
 * statloop LIST: lstat(2) every path of LIST (one per line) inside this one
 * process and print "NS OK ENOENT OTHER": the wall time of the loop alone
 * (process start-up and reading the list excluded) and how the calls ended.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char **read_list(const char *file, size_t *n)
{
	char **v = NULL, *line = NULL;
	size_t cap = 0, len = 0;
	ssize_t got;
	FILE *f;

	f = fopen(file, "r");
	if (!f)
		return NULL;
	while ((got = getline(&line, &len, f)) > 0) {
		if (line[got - 1] == '\n')
			line[got - 1] = '\0';
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				break;
		}
		v[(*n)++] = strdup(line);
	}
	free(line);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	size_t n = 0, i, ok = 0, enoent = 0, other = 0;
	long long t0, t1;
	struct stat st;
	char **v;

	if (argc != 2) {
		fprintf(stderr, "usage: statloop LIST\n");
		return 2;
	}
	v = read_list(argv[1], &n);
	if (!v || !n) {
		fprintf(stderr, "statloop: %s: no paths\n", argv[1]);
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (!lstat(v[i], &st))
			ok++;
		else if (errno == ENOENT)
			enoent++;
		else
			other++;
	}
	t1 = now_ns();
	printf("%lld %zu %zu %zu\n", t1 - t0, ok, enoent, other);
	return 0;
}
