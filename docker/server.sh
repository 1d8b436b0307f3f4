#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A Gluster server of the compose cluster.  The first one (FIRST=yes)
# probes the others (PEERS), creates and starts the replica volume $VOL
# with one brick per server, and turns ExtFUSE on with one volume set.
# Every wait is bounded by WAIT seconds; a failed step stops the container.
set -eu
VOL=${VOL:-gv0}
WAIT=${WAIT:-90}

die() {
	echo "server.sh: $*" >&2
	exit 1
}

# retry CMD...: run CMD once a second until it succeeds, for WAIT seconds.
retry() {
	tries=$WAIT
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 1
	done
}

peers_in_cluster() {
	[ "$(gluster peer status | grep -c 'Peer in Cluster')" -eq "$1" ]
}

mkdir -p /bricks/b
# Its warnings and errors go to the container's output (docker compose logs).
glusterd --no-daemon --log-level=WARNING --log-file=- &
gd=$!
trap 'kill "$gd" 2>/dev/null; wait "$gd"; exit 0' TERM INT
retry gluster --mode=script volume list >/dev/null 2>&1 ||
	die "glusterd did not answer within ${WAIT}s"

if [ "${FIRST:-no}" = yes ] &&
	! gluster --mode=script volume info "$VOL" >/dev/null 2>&1; then
	bricks="$(hostname):/bricks/b"
	n=1
	for peer in $PEERS; do
		retry gluster --mode=script peer probe "$peer" ||
			die "cannot probe $peer"
		bricks="$bricks $peer:/bricks/b"
		n=$((n + 1))
	done
	retry peers_in_cluster $((n - 1)) ||
		die "the peers did not join within ${WAIT}s"
	# force: the bricks are directories on the container's volume.
	# shellcheck disable=SC2086 # one argument per brick
	gluster --mode=script volume create "$VOL" replica "$n" $bricks force ||
		die "cannot create $VOL"
	# md-cache with cache invalidation, which ExtFUSE relies on.
	gluster --mode=script volume set "$VOL" group metadata-cache ||
		die "cannot set group metadata-cache"
	gluster --mode=script volume start "$VOL" || die "cannot start $VOL"
	gluster --mode=script volume set "$VOL" user.extfuse on ||
		die "cannot turn ExtFUSE on"
	echo "server.sh: $VOL started: replica $n, user.extfuse on"
fi
wait "$gd"
