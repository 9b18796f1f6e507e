#!/bin/sh
# t_push_race_pg.sh: two pushes of one service racing (tests/push/push_race.sh) on the
# PostgreSQL state store, a throw-away cluster started here (tests/push/pg.sh): the record
# and the service lock are the database's (advisory locks), not flock()s.
. "$TOP/tests/push/common.sh"
. "$TOP/tests/push/pg.sh"
pg_up
STORE="--state $PG_URL"
. "$TOP/tests/push/push_race.sh"
echo "t_push_race_pg: ok"
