#!/bin/sh
# t_store_pg.sh: issue 16's lifecycle list (tests/push/store_lifecycle.sh) on the
# PostgreSQL state store, a throw-away cluster started here (tests/push/pg.sh); the two
# concurrent processes are two "hosts" (their own local directories, one database).
. "$TOP/tests/push/common.sh"
. "$TOP/tests/push/pg.sh"
start=$(date +%s)
pg_up
STORE="--state $PG_URL"
# recover on an empty database says so and names it (the password, if any, left out).
printf '<inventory xmlns="urn:netstitch:yang:inventory"/>\n' >"$WORK/empty-inv.xml"
NETSTITCH_STATE_DIR=$WORK "$NETSTITCH" recover --inventory "$WORK/empty-inv.xml" $STORE \
    >"$WORK/rec0.out" 2>"$WORK/rec0.err"
RC=$?
assert_rc 0 rec0
grep -q "^netstitch recover: postgresql:///postgres?.* holds no transaction at all\$" \
    "$WORK/rec0.err" || fail "recover on an empty database: $(cat "$WORK/rec0.err")"
. "$TOP/tests/push/store_lifecycle.sh"
echo "t_store_pg: ok in $(($(date +%s) - start)) s"
