#!/bin/sh
# netsim fault injection: reject edit/commit, drop session, delays, runtime changes (faults.py).
. "$(dirname "$0")/common.sh"
exec /usr/bin/python3 -B "$NETSIM_TESTS/faults.py"
