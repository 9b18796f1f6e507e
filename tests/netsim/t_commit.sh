#!/bin/sh
# netsim locks, commit, confirmed commit 1.0/1.1, timeout, persist, cancel (commit.py).
. "$(dirname "$0")/common.sh"
exec /usr/bin/python3 -B "$NETSIM_TESTS/commit.py"
