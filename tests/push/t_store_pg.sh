#!/bin/sh
# t_store_pg.sh: issue 16's lifecycle list (tests/push/store_lifecycle.sh) on the
# PostgreSQL state store, a throw-away cluster started here (tests/push/pg.sh); the two
# concurrent processes are two "hosts" (their own local directories, one database).
. "$TOP/tests/push/common.sh"
. "$TOP/tests/push/pg.sh"
start=$(date +%s)
pg_up
STORE="--state $PG_URL"
. "$TOP/tests/push/store_lifecycle.sh"
echo "t_store_pg: ok in $(($(date +%s) - start)) s"
