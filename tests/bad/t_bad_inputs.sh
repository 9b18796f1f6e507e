#!/bin/sh
# The bad-input catalogue: every case must produce exactly the diagnostics (severity,
# code, line, path) or messages and the exit status in its .expect file. Kinds, one
# directory each (tests/bad/expect.py runs them): cases/ services, inventory/
# inventories, templates/ user templates, saved/ saved running configurations (diff
# --offline), payloads/ payload files (push --payloads). Regenerate the inputs with
# tests/bad/gen-cases.py (cases/i11-*.xml are written by hand: issue 11's own services);
# the .expect files are reviewed by hand (print one with:
# tests/bad/expect.py $NETSTITCH CASE --print).
set -u
cd "$TOP"
n=0; bad=0
for f in tests/bad/cases/*.xml tests/bad/cases/*.json tests/bad/inventory/*.xml \
    tests/bad/inventory/*.json tests/bad/templates/*.xml tests/bad/saved/*.xml \
    tests/bad/payloads/*.xml; do
    [ -f "$f" ] || continue
    n=$((n+1))
    /usr/bin/python3 tests/bad/expect.py "$NETSTITCH" "$f" || bad=$((bad+1))
done
echo "$n cases, $bad mismatches"
[ "$n" -ge 80 ] || { echo "catalogue shrank below 80 cases"; exit 1; }
[ "$bad" -eq 0 ]
