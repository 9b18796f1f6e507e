#!/bin/sh
# t_unit.sh: the device-free tests of push/rollback/recover (tests/unit/labtest_txn_unit.c:
# payload helpers, inventory, secrets, state directory, API errors, allocation failures).
# Built like a unit test, run from here because its name marks it as this area's.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
BIN=$TOP/$BUILD/tests/labtest_txn_unit
[ -x "$BIN" ] || { echo "FAIL: $BIN not built (make tests)"; exit 1; }
exec "$BIN"
