#!/bin/sh
# t_api.sh: the public nst_txn_* API against the yuma lab (tests/unit/labtest_txn.c):
# progress events, error fields, concurrent transactions and busy devices, timings.
# Every transaction it commits it rolls back: ncclient checks the devices end as they began.
. "$(dirname "$0")/common.sh"
BIN=$TOP/$BUILD/tests/labtest_txn
[ -x "$BIN" ] || fail "$BIN not built (make tests)"
lab_up
snap "$WORK/before"
"$BIN" || fail "labtest_txn"
snap "$WORK/after"
assert_same "$WORK/before" "$WORK/after" "the API tests left changes behind"
no_secrets "$LAB_DIR/api-state"
grep -rqF 'api-K3y' "$LAB_DIR/api-state" && fail "the API test's key leaked into the state dir"
echo "t_api: ok"
