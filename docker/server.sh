#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A Gluster server of the compose cluster.  The first one (FIRST=yes)
# probes the others and creates and starts the replica-3 volume $VOL.
set -eu
VOL=${VOL:-gv0}
mkdir -p /bricks/b
glusterd --no-daemon --log-file=- &
gd=$!
until gluster --mode=script volume list >/dev/null 2>&1; do sleep 1; done
if [ "${FIRST:-no}" = yes ] && ! gluster volume info "$VOL" >/dev/null 2>&1; then
	for peer in $PEERS; do
		until gluster peer probe "$peer"; do sleep 2; done
	done
	until [ "$(gluster peer status | grep -c 'Peer in Cluster')" -eq \
		"$(echo $PEERS | wc -w)" ]; do sleep 1; done
	bricks="$(hostname):/bricks/b"
	for peer in $PEERS; do bricks="$bricks $peer:/bricks/b"; done
	gluster --mode=script volume create "$VOL" replica 3 $bricks force
	gluster --mode=script volume set "$VOL" group metadata-cache
	gluster --mode=script volume start "$VOL"
	gluster --mode=script volume set "$VOL" user.extfuse on
fi
wait "$gd"
