#!/bin/sh
# The five-site enterprise WAN (issue 14, examples/enterprise-wan): a multipoint VPN
# defined by its attachment circuits on five PEs of five vendors.
#   - service.xml (full mesh) and service-hub-spoke.xml check clean (exit 0, no warning),
#     name the worst pair of sites with its figure, and compile for every PE;
#   - the IR gives each PE one VPLS instance with its attachment circuit: in the full mesh
#     a pseudowire to each of the four other PEs, in hub-and-spoke one per spoke (to the
#     hub) and the hub's four marked spoke;
#   - service-l3vpn.xml, the same offices as a routed layer-3 VPN, checks clean and gives
#     each PE one VRF, one routed circuit and one eBGP neighbour toward the office;
#   - each broken variant exits 1 with the code of what it breaks, at the line of the
#     offending node, with the hint (-v).
set -u
: "${NETSTITCH:?}" "${TOP:?}"
cd "$TOP" || exit 2
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }

for f in examples/enterprise-wan/service.xml examples/enterprise-wan/service-hub-spoke.xml; do
    "$NETSTITCH" check "$f" >"$tmp/out" 2>&1 || { no "$f does not check clean:"; cat "$tmp/out"; }
    grep -q ' warning ' "$tmp/out" && { no "$f has warnings:"; grep ' warning ' "$tmp/out"; }
    # Taipei-Taichung has two equally short core paths; the worse crosses the 1600-byte
    # leased wave: 1600 - 26 = 1574.
    grep -q "note MP-WORST-PAIR: .*10 attachment-circuit pairs; the worst, taipei (pe-taipei) to taichung (pe-taichung), carries IP MTU 1574 (core segment core-taichung-kaohsiung)" "$tmp/out" ||
        { no "$f: the worst pair is not taipei-taichung at 1574:"; cat "$tmp/out"; }
    rm -rf "$tmp/c"
    "$NETSTITCH" compile "$f" -o "$tmp/c" >"$tmp/out" 2>&1 || { no "$f does not compile:"; cat "$tmp/out"; }
    for d in pe-taipei pe-hsinchu pe-taichung pe-kaohsiung pe-tainan; do
        [ -s "$tmp/c/$d.xml" ] || no "$f: no payload for $d"
    done
    "$NETSTITCH" compile --emit ir "$f" >"$tmp/ir.xml" 2>/dev/null || no "$f: --emit ir failed"
    for d in pe-taipei pe-hsinchu pe-taichung pe-kaohsiung pe-tainan; do
        v=$(xmllint --xpath "count(/ir/device[@name='$d']/vpls)" "$tmp/ir.xml")
        a=$(xmllint --xpath "count(/ir/device[@name='$d']/vpls/ac)" "$tmp/ir.xml")
        nb=$(xmllint --xpath "count(/ir/device[@name='$d']/vpls/neighbor)" "$tmp/ir.xml")
        sp=$(xmllint --xpath "count(/ir/device[@name='$d']/vpls/neighbor[@spoke='true'])" "$tmp/ir.xml")
        [ "$v" = 1 ] && [ "$a" = 1 ] || no "$f: $d has $v VPLS instances with $a attachment circuits, want 1 and 1"
        case "$f:$d" in
            *hub-spoke.xml:pe-taipei) want="4 4" ;;
            *hub-spoke.xml:*) want="1 0" ;;
            *) want="4 0" ;;
        esac
        [ "$nb $sp" = "$want" ] || no "$f: $d has $nb pseudowires ($sp spoke), want $want"
    done
done
# A spoke's one pseudowire goes to the hub's router id.
"$NETSTITCH" compile --emit ir examples/enterprise-wan/service-hub-spoke.xml >"$tmp/ir.xml" 2>/dev/null
[ "$(xmllint --xpath "string(/ir/device[@name='pe-hsinchu']/vpls/neighbor/@address)" "$tmp/ir.xml")" = 192.0.2.1 ] ||
    no "pe-hsinchu's pseudowire does not go to the hub pe-taipei (192.0.2.1)"

# The same five offices as a layer-3 VPN (kind l3vpn): clean, the worst pair across the
# leased wave at 1600 - 8 (two labels, no inner Ethernet header), every PE compiles, and
# each PE's IR has one VRF with the office's routed circuit and one eBGP neighbour (the
# office's router, its own private AS), and no global <bgp> (its only session is the VRF's).
f=examples/enterprise-wan/service-l3vpn.xml
"$NETSTITCH" check "$f" >"$tmp/out" 2>&1 || { no "$f does not check clean:"; cat "$tmp/out"; }
grep -q ' warning ' "$tmp/out" && { no "$f has warnings:"; grep ' warning ' "$tmp/out"; }
grep -q "note MP-WORST-PAIR: .*10 attachment-circuit pairs; the worst, taipei (pe-taipei) to taichung (pe-taichung), carries IP MTU 1592 (core segment core-taichung-kaohsiung)" "$tmp/out" ||
    { no "$f: the worst pair is not taipei-taichung at 1592:"; cat "$tmp/out"; }
rm -rf "$tmp/c"
"$NETSTITCH" compile "$f" -o "$tmp/c" >"$tmp/out" 2>&1 || { no "$f does not compile:"; cat "$tmp/out"; }
"$NETSTITCH" compile --emit ir "$f" >"$tmp/ir.xml" 2>/dev/null || no "$f: --emit ir failed"
asn=65101
for d in pe-taipei pe-hsinchu pe-taichung pe-kaohsiung pe-tainan; do
    [ -s "$tmp/c/$d.xml" ] || no "$f: no payload for $d"
    got=$(xmllint --xpath "concat(count(/ir/device[@name='$d']/vrf), ' ', count(/ir/device[@name='$d']/vrf/ac), ' ', count(/ir/device[@name='$d']/vrf/neighbor), ' ', string(/ir/device[@name='$d']/vrf/neighbor/@peer-as), ' ', count(/ir/device[@name='$d']/bgp), ' ', count(/ir/device[@name='$d']/port/subif[@kind='l3'][@vrf='corp-l3']))" "$tmp/ir.xml")
    [ "$got" = "1 1 1 $asn 0 1" ] || no "$f: $d has vrf/ac/neighbor/peer-as/bgp/subif $got, want 1 1 1 $asn 0 1"
    asn=$((asn + 1))
done

# variant -> code, line
while read -r f code line; do
    [ -n "$f" ] || continue
    "$NETSTITCH" check -v "examples/enterprise-wan/broken/$f" >"$tmp/out" 2>&1
    rc=$?
    [ "$rc" = 1 ] || no "$f exits $rc, not 1"
    grep -q "^examples/enterprise-wan/broken/$f:$line: error $code: " "$tmp/out" ||
        { no "$f does not report $code at line $line:"; cat "$tmp/out"; }
    grep -A3 " error $code: " "$tmp/out" | grep -q '^    hint: ' || no "$f: $code has no hint"
done <<'LIST'
wan-encap-mismatch.xml MP-ENCAP-MISMATCH 82
wan-wave-1500.xml MP-PAIR-MTU 77
wan-overlap.xml IP-OVERLAP 10
wan-hub-openconfig.xml MP-SPOKE-PW-UNSUPPORTED 81
wan-no-core-path.xml MP-NO-CORE-PATH 62
l3-ce-backbone-asn.xml MP-L3-CE-ASN 85
l3-link-overlap.xml IP-OVERLAP 88
l3-hub-spoke.xml MP-L3-HUB-UNSUPPORTED 66
l3-eos-pe.xml MP-L3-UNSUPPORTED 86
l3-ce-outside.xml MP-L3-CE-SUBNET 82
LIST
grep -q "error MP-PAIR-MTU: multipoint corp-wan: taipei (pe-taipei) and taichung (pe-taichung) can exchange at most IP MTU 1474 (core segment core-taichung-kaohsiung), less than the VPN's ip-mtu 1500" \
    <<EOF2 || no "the wave-1500 variant does not name taipei-taichung at 1474"
$("$NETSTITCH" check examples/enterprise-wan/broken/wan-wave-1500.xml 2>&1)
EOF2

# A core port too small for the VPN is raised within its max-mtu on the path that needs it:
# pe-taipei's core port to pe-hsinchu at 1514 must carry 1500 + 40 (pseudowire) + 4 (the
# MPLS reserve Junos keeps), and the IR marks it a core port.
sed 's|<port><name>et-0/0/1</name><description>core to pe-hsinchu</description><bandwidth>100000000</bandwidth><mtu>9192</mtu>|<port><name>et-0/0/1</name><description>core to pe-hsinchu</description><bandwidth>100000000</bandwidth><mtu>1514</mtu>|' \
    examples/enterprise-wan/service.xml > "$tmp/core.xml"
"$NETSTITCH" check "$tmp/core.xml" > "$tmp/out" 2>&1 || { no "the core-raise variant does not check clean"; cat "$tmp/out"; }
grep -q "note MP-MTU-RAISE: pe-taipei port et-0/0/1: MTU 1514 -> 1544 (junos meaning) for multipoint corp-wan" "$tmp/out" ||
    { no "no MP-MTU-RAISE for pe-taipei's core port:"; cat "$tmp/out"; }
"$NETSTITCH" compile --emit ir "$tmp/core.xml" 2> /dev/null |
    grep -q '<port name="et-0/0/1" mtu-before="1514" mtu="1544" mtu-change="true" mtu-needed="1544" core="true">' ||
    no "the IR does not raise pe-taipei's core port to 1544"

# The same core port under the routed WAN needs only 1500 + 8 (two labels) + 14 (the core's
# Ethernet header) + 4 (Junos' reserve) = 1526: no customer Ethernet header, no control word.
sed 's|<port><name>et-0/0/1</name><description>core to pe-hsinchu</description><bandwidth>100000000</bandwidth><mtu>9192</mtu>|<port><name>et-0/0/1</name><description>core to pe-hsinchu</description><bandwidth>100000000</bandwidth><mtu>1514</mtu>|' \
    examples/enterprise-wan/service-l3vpn.xml > "$tmp/core3.xml"
"$NETSTITCH" check "$tmp/core3.xml" > "$tmp/out" 2>&1 || { no "the routed core-raise variant does not check clean"; cat "$tmp/out"; }
grep -q "note MP-MTU-RAISE: pe-taipei port et-0/0/1: MTU 1514 -> 1526 (junos meaning) for multipoint corp-l3" "$tmp/out" ||
    { no "no MP-MTU-RAISE to 1526 for pe-taipei's core port under the l3vpn:"; cat "$tmp/out"; }
"$NETSTITCH" compile --emit ir "$tmp/core3.xml" 2> /dev/null |
    grep -q '<port name="et-0/0/1" mtu-before="1514" mtu="1526" mtu-change="true" mtu-needed="1526" core="true">' ||
    no "the IR does not raise pe-taipei's core port to 1526 under the l3vpn"

[ "$fail" = 0 ] && echo "ok: enterprise WAN multipoint examples and their broken variants"
exit "$fail"
