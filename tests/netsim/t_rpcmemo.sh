#!/bin/sh
# netsim answers a request it has seen before (apart from the message-id) from kept parse
# copies exactly as from a fresh parse (rpcmemo.py, netsim/rpcmemo.c).
. "$(dirname "$0")/common.sh"
exec /usr/bin/python3 -B "$NETSIM_TESTS/rpcmemo.py"
