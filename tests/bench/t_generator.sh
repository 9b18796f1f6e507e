#!/bin/sh
# The benchmark's service generator (bench/gen-service.py) at small sizes:
#   - N = 1, 2, 6, 7 and 13 (one router; the smallest ring; every vendor once; the first
#     ring with a router of each vendor and a second Junos; two EOS routers) each give a
#     service that `netstitch check` passes with no error and no warning;
#   - exactly 10 connections per router, and the features it promises are there: QinQ
#     hops, stitches, LDP and BGP VPLS, BGP sessions to clouds and between routers, every
#     vendor (EOS included);
#   - it is deterministic (same N, same bytes);
#   - N = 7 compiles: every router gets a payload (VPLS, BGP and stitches render for all
#     six drivers);
#   - a bad N is refused.
set -u
cd "$TOP"
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "no /usr/bin/python3"; exit 77; }
gen=bench/gen-service.py
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }

for n in 1 2 6 7 13; do
    f=$tmp/s$n.xml
    $PY $gen $n -o "$f" || { no "generate N=$n"; continue; }
    # Diagnostics on stdout, the summary line on stderr.
    "$NETSTITCH" check "$f" > "$tmp/check$n" 2> "$tmp/sum$n"
    rc=$?
    [ $rc = 0 ] || no "check N=$n exit $rc: $(grep -v ' note ' "$tmp/check$n" | head -5)"
    grep -q '^0 error(s), 0 warning(s), [0-9]* note(s)$' "$tmp/sum$n" ||
        no "check N=$n: $(cat "$tmp/sum$n")"
    grep -v ' note ' "$tmp/check$n" | grep -q . && no "check N=$n: $(grep -v ' note ' "$tmp/check$n")"
    conns=$(grep -c '^  <connection>$' "$f")
    [ "$conns" = $((10 * n)) ] || no "N=$n: $conns connections, want $((10 * n))"
    devs=$(grep -c '^  <device>$' "$f")
    [ "$devs" = "$n" ] || no "N=$n: $devs devices"
done

# Features at N=13 (every vendor at least twice).
f=$tmp/s13.xml
for want in '<qinq><s-tag>' '<stitch>' '<signalling>ldp</signalling>' \
            '<signalling>bgp</signalling>' '<peer-site>' '<peer-device>' \
            '<kind>mpls-core</kind>' '<platform>eos</platform>' '<vendor>junos</vendor>' \
            '<vendor>iosxr</vendor>' '<vendor>sros</vendor>' '<vendor>vrp</vendor>' \
            '<vendor>openconfig</vendor>' '<kind>aws</kind>'; do
    grep -q "$want" "$f" || no "N=13 lacks $want"
done
# A single router has no ring: no VPLS, no peering, still 10 connections.
grep -q '<vpls>' "$tmp/s1.xml" && no "N=1 has a VPLS"
grep -q '<peer-device>' "$tmp/s1.xml" && no "N=1 has a peering"

$PY $gen 13 > "$tmp/again.xml" || no "generate to stdout"
cmp -s "$tmp/again.xml" "$f" || no "N=13 not deterministic"

"$NETSTITCH" compile "$tmp/s7.xml" -o "$tmp/out7" > "$tmp/compile7" 2>&1 ||
    no "compile N=7: $(grep -v ' note ' "$tmp/compile7" | head -5)"
[ "$(ls "$tmp/out7" 2>/dev/null | grep -c '\.xml$')" = 7 ] || no "compile N=7: payloads"
grep -q '^wrote 7 of 7 devices' "$tmp/compile7" || no "compile N=7 summary"
for v in junos iosxr sros vrp openconfig eos; do
    grep -q "^r[0-9]*-$v  *$v  *compiled$" "$tmp/compile7" || no "compile N=7: no $v router"
done

$PY $gen 0 > /dev/null 2>&1 && no "N=0 accepted"
$PY $gen x > /dev/null 2>&1 && no "N=x accepted"

[ $fail = 0 ] && echo "generator: ok"
exit $fail
