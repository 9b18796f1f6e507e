#!/bin/sh
# t_kill9_gate_pg.sh: t_kill9_gate.sh (kill -9 at every step of the health gate, then
# recover to all-or-nothing with the gate's outcome on record) with the PostgreSQL state
# store of a throw-away cluster (tests/push/pg.sh).
KILL9_BACKEND=postgresql
export KILL9_BACKEND
exec sh "$TOP/tests/hardening/t_kill9_gate.sh"
