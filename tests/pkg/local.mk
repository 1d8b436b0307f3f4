# SPDX-License-Identifier: GPL-2.0
# The Debian packages: built with dpkg-buildpackage, checked where their
# files land, linted, and installed and purged next to a running glusterd.
TESTS += pkg/debian.sh
EXTRA_DIST += pkg/debian.sh
