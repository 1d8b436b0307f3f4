#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The compose client: mounts $VOL from $SERVER on /mnt/$VOL and stays up.
set -eu
VOL=${VOL:-gv0}
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mkdir -p "/mnt/$VOL"
until glusterfs --volfile-server="$SERVER" --volfile-id="$VOL" \
	--log-file=/var/log/glusterfs/mnt.log "/mnt/$VOL" &&
	mountpoint -q "/mnt/$VOL"; do
	sleep 2
done
echo "mounted $SERVER:$VOL on /mnt/$VOL; try: extfusectl stats"
trap 'umount "/mnt/$VOL"; exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
