#!/bin/sh
# The test driver behind `make check`: every unit test binary in $BUILD/tests, then every
# script tests/<area>/t_*.sh, through tests/runner.sh (NST_TEST_JOBS at a time, default 2;
# results printed in queue order). A script exits 0 (pass), 77 (skipped) or anything else
# (fail). A skip fails the run too unless it is declared expected on this machine
# (NST_EXPECTED_SKIPS, tests/skips.sh): a green make check means every test ran. Runs
# from the top of the tree.
set -u
BUILD=${BUILD:-build}
export BUILD
export TOP="$(pwd)"
export NETSTITCH="$TOP/$BUILD/netstitch"
export NETSIM="$TOP/$BUILD/netstitch-netsim"
. "$TOP/tests/skips.sh"
. "$TOP/tests/runner.sh"
script_name() {
    echo "$(basename "$(dirname "$1")")/$(basename "$1" .sh)"
}
# The scripts that take longest go first (each 30 to 60 s, mostly waiting for gate
# deadlines and simulated routers), so that the pool does not end on one of them.
LONG="tests/push/t_health.sh tests/push/t_gate_faults.sh tests/push/t_ipv6.sh
tests/hardening/t_kill9_gate_pg.sh tests/hardening/t_kill9_gate.sh tests/push/t_l3vpn_v6.sh
tests/push/t_l3vpn.sh tests/cli/t_install_relocate.sh tests/hardening/t_kill9_pg.sh
tests/push/t_undo_timeout.sh tests/diff/t_lifecycle.sh"
# Measures ratios of wall times: alone, after the rest.
SERIAL="tests/bench/t_bench_quick.sh"
for t in $LONG; do
    [ -f "$t" ] && job "$(script_name "$t")" sh "$t"
done
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    job "unit/$(basename "$t")" "$t"
done
for t in tests/*/t_*.sh; do
    [ -f "$t" ] || continue
    case " $(echo $LONG) " in *" $t "*) continue ;; esac
    case " $SERIAL " in
        *" $t "*) job_serial "$(script_name "$t")" sh "$t" ;;
        *) job "$(script_name "$t")" sh "$t" ;;
    esac
done
run_jobs ""
