#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The compose FUSE client: mounts $VOL from $SERVER on /mnt/$VOL (retrying
# for WAIT seconds while the servers set the volume up) and stays up.
set -eu
VOL=${VOL:-gv0}
WAIT=${WAIT:-120}
mnt=/mnt/$VOL

# The maps are pinned here; docker-compose.yml shares the host's bpffs.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
# The module's control device, when the host has the module loaded.
if [ -r /sys/class/misc/extfuse/dev ] && [ ! -e /dev/extfuse ]; then
	IFS=: read -r major minor </sys/class/misc/extfuse/dev
	mknod -m 0600 /dev/extfuse c "$major" "$minor"
fi
mkdir -p "$mnt"
pidfile=/run/glusterfs-$VOL.pid

# Unmount, then let the client process finish: it removes its pinned maps
# on the way out, and would be killed unfinished once this script ends.
stop() {
	umount "$mnt" 2>/dev/null || true
	tries=10
	while [ "$tries" -gt 0 ] && [ -f "$pidfile" ] &&
		kill -0 "$(cat "$pidfile")" 2>/dev/null; do
		sleep 1
		tries=$((tries - 1))
	done
}
trap 'stop; exit 0' TERM INT

left=$WAIT
until glusterfs --volfile-server="$SERVER" --volfile-id="$VOL" \
	--log-file="/var/log/glusterfs/mnt-$VOL.log" --pid-file="$pidfile" \
	"$mnt" && mountpoint -q "$mnt"; do
	# A mount whose volume was not ready: take it away before retrying.
	stop
	left=$((left - 2))
	if [ "$left" -le 0 ]; then
		echo "client.sh: cannot mount $SERVER:$VOL within ${WAIT}s" >&2
		exit 1
	fi
	sleep 2
done
echo "client.sh: mounted $SERVER:$VOL on $mnt; try: extfusectl stats"
while :; do
	sleep 3600 &
	wait $! || true
done
