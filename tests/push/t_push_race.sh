#!/bin/sh
# t_push_race.sh: two pushes of one service racing (tests/push/push_race.sh) on the
# default SQLite state store (a state directory both processes share).
. "$(dirname "$0")/common.sh"
STORE="--state-dir $STATE"
. "$TOP/tests/push/push_race.sh"
echo "t_push_race: ok"
