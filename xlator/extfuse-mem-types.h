/* SPDX-License-Identifier: GPL-2.0 */
/* Memory accounting types of performance/extfuse and its probe. */
#ifndef EXTFUSE_MEM_TYPES_H
#define EXTFUSE_MEM_TYPES_H

#include <glusterfs/mem-types.h>

enum gf_extfuse_mem_types {
	gf_extfuse_mt_priv = gf_common_mt_end + 1,
	gf_extfuse_mt_node,
	gf_extfuse_mt_name,
	gf_extfuse_mt_local,
	gf_extfuse_mt_listing,
	gf_extfuse_mt_probe_mark,
	gf_extfuse_mt_probe_priv,
	gf_extfuse_mt_recheck,
	gf_extfuse_mt_probe_entry,
	gf_extfuse_mt_end
};

#endif /* EXTFUSE_MEM_TYPES_H */
