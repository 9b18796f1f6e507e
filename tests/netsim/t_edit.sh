#!/bin/sh
# netsim <edit-config> engine, copy-config, filters, validation at commit time (edit.py).
. "$(dirname "$0")/common.sh"
exec /usr/bin/python3 -B "$NETSIM_TESTS/edit.py"
