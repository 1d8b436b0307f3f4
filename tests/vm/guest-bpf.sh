#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest: the extension's own test suite (tests/bpf) on the guest's kernel,
# the oldest kernel the module supports, whose verifier and helpers differ
# from the host's.
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
echo "# kernel $(uname -r)"
exec "$top_builddir/tests/bpf/test_extension"
