#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Warm-stat benchmark of extfuse.ko in the QEMU guest (figures only).
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/run-vm.sh" "$here/guest-bench.sh"
