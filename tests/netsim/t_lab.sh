#!/bin/sh
# netsim as a lab: many devices and profiles in one command, auth, the libnetconf2 C client
# (build/tests/labtest_netsim), crash and SIGTERM, config errors, check mode (lab.py).
. "$(dirname "$0")/common.sh"
exec /usr/bin/python3 -B "$NETSIM_TESTS/lab.py"
