#!/bin/sh
# t_kill9_pg.sh: t_kill9.sh (kill -9 at every progress event of a push and of its recover,
# then recover to all-or-nothing) with the PostgreSQL state store of a throw-away cluster.
KILL9_BACKEND=postgresql
export KILL9_BACKEND
exec sh "$TOP/tests/hardening/t_kill9.sh"
