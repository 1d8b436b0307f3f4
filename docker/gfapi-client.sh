#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The compose libgfapi client: a machine that reaches the volume without a
# FUSE mount, as NFS-Ganesha, Samba or qemu do.  With this project
# installed, it builds the client graph that user.extfuse on produces (the
# translator is a pass-through outside a FUSE mount).  Try:
#   docker compose exec gfapi gfapi-ops server1 gv0 /dev/stderr create /f
set -eu
echo "gfapi-client.sh: ready; gfapi-ops HOST VOL LOGFILE OP PATH [ARG]"
trap 'exit 0' TERM INT
while :; do
	sleep 3600 &
	wait $! || true
done
