#!/bin/sh
# A service `check` accepts must compile (issue 11, defect 6: a four-byte-AS route target
# passed check and then stopped the IOS-XR driver with INTERNAL). Every service of the
# bad-input catalogue (tests/bad/cases), the compile golden set (tests/compile) and the
# shipped example with its broken variants is checked; each one whose check exits 0 is
# compiled with -o, which must exit 0 and write every device. A compile that fails, or an
# INTERNAL diagnostic anywhere, fails the test. The count of services compiled is a floor,
# so the test cannot pass by checking nothing.
set -u
cd "$TOP"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0; compiled=0; bad=0
for f in tests/bad/base.xml tests/bad/cases/*.xml tests/bad/cases/*.json tests/compile/*/*.xml \
    examples/twcc-ccx-aws/service.xml examples/twcc-ccx-aws/service.json \
    examples/twcc-ccx-aws/broken/*.xml examples/enterprise-wan/*.xml \
    examples/enterprise-wan/broken/*.xml; do
    [ -f "$f" ] || continue
    n=$((n+1))
    "$NETSTITCH" check "$f" > "$tmp/check.out" 2>&1
    rc=$?
    if grep -q ' INTERNAL:' "$tmp/check.out"; then
        echo "FAIL: check $f reports INTERNAL:"; cat "$tmp/check.out"; bad=$((bad+1)); continue
    fi
    [ "$rc" -eq 0 ] || continue
    rm -rf "$tmp/out"
    if ! "$NETSTITCH" compile "$f" -o "$tmp/out" > "$tmp/compile.out" 2>&1; then
        echo "FAIL: check passes but compile fails: $f"; grep -v ' note ' "$tmp/compile.out"
        bad=$((bad+1)); continue
    fi
    if grep -q 'INTERNAL' "$tmp/compile.out"; then
        echo "FAIL: compile $f reports INTERNAL"; bad=$((bad+1)); continue
    fi
    compiled=$((compiled+1))
done
echo "$n services, $compiled passed check and compiled, $bad failures"
[ "$compiled" -ge 10 ] || { echo "fewer than 10 services compiled: the test lost its inputs"; exit 1; }
[ "$bad" -eq 0 ]
