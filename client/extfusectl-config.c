// SPDX-License-Identifier: GPL-2.0
/* extfusectl config and flush: change what a connection serves. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "extfusectl.h"

static void put_duration(__u64 ns)
{
	if (ns == EXTFUSE_TIMEOUT_EXPIRY)
		printf("expiry");
	else if (ns % 1000000000ull == 0)
		printf("%llus", (unsigned long long)(ns / 1000000000ull));
	else if (ns % 1000000ull == 0)
		printf("%llums", (unsigned long long)(ns / 1000000ull));
	else if (ns % 1000ull == 0)
		printf("%lluus", (unsigned long long)(ns / 1000ull));
	else
		printf("%lluns", (unsigned long long)ns);
}

void print_config(const char *conn, const struct extfuse_config *c)
{
	printf("connection %s\n", conn);
	printf("enabled        %s\n",
	       c->flags & EXTFUSE_CFG_ENABLED ? "on" : "off");
	printf("negative       %s\n",
	       c->flags & EXTFUSE_CFG_NEGATIVE ? "on" : "off");
	printf("dirs           %s\n", c->flags & EXTFUSE_CFG_DIRS ? "on" : "off");
	printf("absent_selinux %s\n",
	       c->flags & EXTFUSE_CFG_ABSENT_SELINUX ? "on" : "off");
	printf("absent_capability %s\n",
	       c->flags & EXTFUSE_CFG_ABSENT_CAPABILITY ? "on" : "off");
	printf("entry_timeout  ");
	put_duration(c->entry_timeout_ns);
	printf("\nattr_timeout   ");
	put_duration(c->attr_timeout_ns);
	printf("\nepoch          %llu\n", (unsigned long long)c->epoch);
}

int cmd_flush(struct ctl *ctl, int argc, char **argv)
{
	struct extfuse *ef;
	int code;

	code = cmd_args(argc, argv, 0, 1, NULL, "flush [CONN]");
	if (code)
		return code;
	code = open_conn(ctl, optind < argc ? argv[optind] : NULL, &ef);
	if (code)
		return code;
	code = extfuse_flush(ef) ? EXIT_FAILED : EXIT_OK;
	if (!code)
		printf("flushed %s\n", extfuse_conn_id(ef));
	extfuse_close(ef);
	return code;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

/* "1.5s", "250ms", "10us", "100ns"; a bare number is seconds. */
static int parse_duration(const char *s, __u64 *ns)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 },
		      { "us", 1e3 }, { "ns", 1 } };
	char *end;
	double v;
	size_t i;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		v *= units[i].mult;
		if (v > 1e18)
			return -ERANGE;
		*ns = (__u64)(v + 0.5);
		return 0;
	}
	return -EINVAL;
}

static int set_flag(struct extfuse_config *c, __u32 flag, const char *key,
		    const char *val)
{
	bool on;

	if (parse_bool(val, &on))
		return usage_error("config: %s: '%s' is not on/off", key, val);
	c->flags = on ? (c->flags | flag) : (c->flags & ~flag);
	return 0;
}

static int set_timeout(__u64 *field, const char *key, const char *val)
{
	int err;

	if (!strcmp(val, "expiry")) {
		*field = EXTFUSE_TIMEOUT_EXPIRY;
		return 0;
	}
	err = parse_duration(val, field);

	if (err == -ERANGE)
		return usage_error("config: %s: '%s' is too large", key, val);
	if (err)
		return usage_error("config: %s: '%s' is not a duration (e.g. 1s, 250ms) or 'expiry'",
				   key, val);
	return 0;
}

static int apply_setting(struct extfuse_config *c, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[32];
	size_t len;

	len = eq ? (size_t)(eq - kv) : 0;
	if (!eq || !len || len >= sizeof(key))
		return usage_error("config: '%s' is not KEY=VALUE", kv);
	memcpy(key, kv, len);
	key[len] = '\0';
	if (!strcmp(key, "enabled"))
		return set_flag(c, EXTFUSE_CFG_ENABLED, key, eq + 1);
	if (!strcmp(key, "negative"))
		return set_flag(c, EXTFUSE_CFG_NEGATIVE, key, eq + 1);
	if (!strcmp(key, "dirs"))
		return set_flag(c, EXTFUSE_CFG_DIRS, key, eq + 1);
	if (!strcmp(key, "absent_selinux"))
		return set_flag(c, EXTFUSE_CFG_ABSENT_SELINUX, key, eq + 1);
	if (!strcmp(key, "absent_capability"))
		return set_flag(c, EXTFUSE_CFG_ABSENT_CAPABILITY, key, eq + 1);
	if (!strcmp(key, "entry_timeout"))
		return set_timeout(&c->entry_timeout_ns, key, eq + 1);
	if (!strcmp(key, "attr_timeout"))
		return set_timeout(&c->attr_timeout_ns, key, eq + 1);
	return usage_error("config: unknown key '%s' (enabled, negative, dirs, absent_selinux, absent_capability, entry_timeout, attr_timeout)",
			   key);
}

int cmd_config(struct ctl *ctl, int argc, char **argv)
{
	const char *conn = NULL;
	struct extfuse_config cfg;
	struct extfuse *ef;
	int i, code;

	code = cmd_args(argc, argv, 0, argc, NULL,
			"config [CONN] [KEY=VALUE...]");
	if (code)
		return code;
	i = optind;
	if (i < argc && !strchr(argv[i], '='))
		conn = argv[i++];
	code = open_conn(ctl, conn, &ef);
	if (code)
		return code;
	code = extfuse_get_config(ef, &cfg) ? EXIT_FAILED : EXIT_OK;
	if (!code && i == argc)
		goto show;
	for (; !code && i < argc; i++)
		code = apply_setting(&cfg, argv[i]);
	if (!code)
		code = extfuse_set_config(ef, &cfg) ? EXIT_FAILED : EXIT_OK;
show:
	if (!code && !extfuse_get_config(ef, &cfg))
		print_config(extfuse_conn_id(ef), &cfg);
	extfuse_close(ef);
	return code;
}

