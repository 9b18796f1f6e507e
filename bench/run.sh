#!/bin/sh
# make bench: BUILD=build sh bench/run.sh [bench.py options]; BENCH_QUICK=1 for a fast subset.
# What is measured: bench/README.md; results and analysis: docs/PERFORMANCE.md.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
for t in "$TOP/$BUILD/netstitch" "$TOP/$BUILD/netstitch-netsim"; do
    [ -x "$t" ] || { echo "bench: $t missing: run make first" >&2; exit 2; }
done
command -v yanglint >/dev/null || { echo "bench: yanglint (the baseline) is missing" >&2; exit 2; }
for t in /usr/bin/python3 /usr/bin/time; do
    [ -x $t ] || { echo "bench: $t is missing" >&2; exit 2; }
done
exec /usr/bin/python3 "$TOP/bench/bench.py" --top "$TOP" --build "$BUILD" "$@"
