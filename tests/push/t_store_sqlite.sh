#!/bin/sh
# t_store_sqlite.sh: issue 16's lifecycle list (tests/push/store_lifecycle.sh) on the
# default SQLite state store (a state directory, as two users' processes share it).
. "$(dirname "$0")/common.sh"
start=$(date +%s)
STORE="--state-dir $STATE"
. "$TOP/tests/push/store_lifecycle.sh"
echo "t_store_sqlite: ok in $(($(date +%s) - start)) s"
