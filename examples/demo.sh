#!/bin/sh
# make demo: the main job on the shipped example. For now: check it, then show that
# each broken variant is caught (they reproduce the real failures of the build-out).
set -u
NETSTITCH=${BUILD:-build}/netstitch
EX=examples/twcc-ccx-aws
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "netstitch check $EX/service.xml  (TWCC -> TWAREN VPLS -> partner stitch -> CCX -> AWS DX)"
"$NETSTITCH" check -v "$EX/service.xml"
rc=$?
[ $rc -eq 0 ] || { echo "demo: the shipped example should check clean (exit $rc)"; exit 1; }

for v in mtu-1496 overlap bgp-mismatch; do
    f="$EX/broken/twcc-ccx-aws-$v.xml"
    say "netstitch check $f"
    sed -n 's/.*BROKEN VARIANT: \(.*\) -->/  (\1)/p' "$f" | fold -s -w 100
    "$NETSTITCH" check "$f" 2>/dev/null | grep -v " note "
    rc=$?
    "$NETSTITCH" check "$f" >/dev/null 2>&1
    [ $? -eq 1 ] || { echo "demo: $f should fail the check"; exit 1; }
done
say "done: the example is clean; every broken variant was caught"
