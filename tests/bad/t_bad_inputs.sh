#!/bin/sh
# The bad-input catalogue: every case under tests/bad/cases must produce exactly the
# diagnostics (severity, code, line, path) and the exit status in its .expect file.
# Regenerate the inputs with tests/bad/gen-cases.py; the .expect files are reviewed
# by hand (print one with: tests/bad/expect.py $NETSTITCH CASE --print).
set -u
cd "$TOP"
n=0; bad=0
for f in tests/bad/cases/*.xml tests/bad/cases/*.json; do
    n=$((n+1))
    /usr/bin/python3 tests/bad/expect.py "$NETSTITCH" "$f" || bad=$((bad+1))
done
echo "$n cases, $bad mismatches"
[ "$n" -ge 40 ] || { echo "catalogue shrank below 40 cases"; exit 1; }
[ "$bad" -eq 0 ]
