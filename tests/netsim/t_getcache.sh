#!/bin/sh
# netsim's kept filtered <get-config> replies never outlive a change of the datastore
# (getcache.py).
. "$(dirname "$0")/common.sh"
exec /usr/bin/python3 -B "$NETSIM_TESTS/getcache.py"
