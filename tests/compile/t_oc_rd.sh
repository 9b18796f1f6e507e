#!/bin/sh
# Regression (found by the benchmark): a BGP VPLS whose vpls-id gives a route
# distinguisher number OpenConfig's upstream pattern rejects (1008) must still compile:
# the lowering moves it to the next number the pattern accepts (1100).
set -u
cd "$TOP"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sed -e 's/<vpls-id>20000510</<vpls-id>1008</' tests/compile/openconfig/oc-features.xml > "$tmp/s.xml"
grep -q '<vpls-id>1008<' "$tmp/s.xml" || { echo "fixture changed"; exit 1; }
"$NETSTITCH" compile "$tmp/s.xml" -o "$tmp/out" >/dev/null || exit 1
grep -q '<route-distinguisher>10.255.9.1:1100</route-distinguisher>' "$tmp/out/oc-pe1.xml" || exit 1
exit 0
