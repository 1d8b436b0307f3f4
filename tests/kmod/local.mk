# SPDX-License-Identifier: GPL-2.0
# The module's build helpers, without a kernel (the module itself is
# tested in the QEMU guest: vm/).
TESTS += kmod/test-fuse-src.sh
EXTRA_DIST += kmod/test-fuse-src.sh
