// SPDX-License-Identifier: GPL-2.0
/*
 * The clock of every expiry: CLOCK_MONOTONIC, which the kernel module also
 * reads (ktime_get_ns) to fill extfuse_req.now_ns.
 */
#include <time.h>
#include "internal.h"

__u64 extfuse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}
