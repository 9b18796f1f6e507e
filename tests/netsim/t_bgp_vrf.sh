#!/bin/sh
# t_bgp_vrf.sh: netsim's VRF (L3VPN) routing (netsim/bgp.c) on three simulated Junos PEs
# of one AS, from their startup configurations, read from outside as each external peer
# sees it (STATEDIR/bgp-external/NAME) and as each PE reports it (the reply of
# get-bgp-neighbor-information):
#   - pe1's global table and its VRF A both peer with an external at 10.0.0.2 from
#     10.0.0.1 (the same addresses, told apart by the description's device/vrf keys): both
#     Established, and the VRF's routes never reach the global peer (each VRF a table);
#   - VRF A on pe1 and pe2 (route target 65000:100 both ways) exchange their CEs' routes
#     over the modelled VPN-IPv4 iBGP; the CE's AS stays on the path (a CE whose AS is on
#     it does not get the route);
#   - VRF B on pe3 (65000:200) sees nobody's routes and nobody sees its;
#   - VRF C on pe3 imports 65000:100 but has no route distinguisher: it gets VRF A's routes,
#     exports nothing;
#   - an import policy in the VRF filters as in the global table (pe2 accepts only its
#     CE's 10.2.0.0/16, not the 10.99.0.0/16 the CE also announces);
#   - a Huawei VRP PE (the device-model payload of an L3VPN PE): its VPN instance's CE
#     session, peers and counts in the instance's state, its CE's route and the instance's
#     own network route (originated in the VRF, never in the global table) reach VRF A;
#     a CE sharing that CE's AS never gets its route (AS path loop);
#   - a Nokia SR OS PE (the device-model payload: a VPRN with two CEs): its CEs get what
#     their export policies let out, the VPRN's state counts; without auto-bind-tunnel
#     resolution the VPRN imports nothing from the other PEs (its exports still count);
#   - pe1's and pe2's VRF A made dual stack (an IPv6 unit address and a second CE over
#     IPv6): the IPv6 CEs' routes cross by route target, each CE gets its own family only,
#     and pe2 reports its IPv6 CE in A.inet6.0 with 1 advertised;
#   - changing pe3's VRF B's route target to 65000:100 (the description file untouched)
#     makes it exchange routes with VRF A once the change takes effect.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
NETSIM=${NETSIM:-$TOP/$BUILD/netstitch-netsim}
[ -x "$NETSIM" ] || { echo "netsim not built"; exit 77; }
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2> /dev/null; wait 2> /dev/null; rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }
cd "$tmp" || exit 2
ssh-keygen -q -t ed25519 -N '' -f hostkey && ssh-keygen -q -t ed25519 -N '' -f client

# pe DEV: a Junos PE of AS 65000 with the units $UNITS (UNIT=ADDRESS/LEN) on xe-0/0/0, a
# global neighbour $GLOBAL ("UNIT NEIGHBOR AS") and VRFs, one line each on stdin: "NAME RD
# RT UNIT CE CE-AS [only]" (RD "-": none; RT imported and exported, vrf-target community;
# only: the CE's import policy accepts 10.2.0.0/16 alone).
pe() {
    dev=$1
    {
        echo '<configuration xmlns="http://yang.juniper.net/junos/conf/root">'
        echo '<interfaces xmlns="http://yang.juniper.net/junos/conf/interfaces"><interface><name>xe-0/0/0</name><vlan-tagging/>'
        for u in $UNITS; do
            echo "<unit><name>${u%%=*}</name><vlan-id>${u%%=*}</vlan-id><family><inet><address><name>${u#*=}</name></address></inet></family></unit>"
        done
        echo '</interface></interfaces>'
        echo '<policy-options xmlns="http://yang.juniper.net/junos/conf/policy-options">'
        echo '<prefix-list><name>ONLY</name><prefix-list-item><name>10.2.0.0/16</name></prefix-list-item></prefix-list>'
        echo '<policy-statement><name>ONLY</name><term><name>a</name><from><prefix-list><name>ONLY</name></prefix-list></from><then><accept/></then></term><then><reject/></then></policy-statement>'
        echo '</policy-options>'
        if [ -n "${GLOBAL:-}" ]; then
            set -- $GLOBAL
            echo "<protocols xmlns=\"http://yang.juniper.net/junos/conf/protocols\"><bgp><group><name>G</name><type>external</type><neighbor><name>$2</name><peer-as>$3</peer-as></neighbor></group></bgp></protocols>"
        fi
        echo '<routing-instances xmlns="http://yang.juniper.net/junos/conf/routing-instances">'
        while read -r name rd rt unit ce ceas only; do
            echo "<instance><name>$name</name><instance-type>vrf</instance-type><interface><name>xe-0/0/0.$unit</name></interface>"
            [ "$rd" = - ] || echo "<route-distinguisher><rd-type>$rd</rd-type></route-distinguisher>"
            echo "<vrf-target><community>target:$rt</community></vrf-target>"
            echo "<protocols><bgp><group><name>NS</name><type>external</type><neighbor><name>$ce</name>"
            [ -n "$only" ] && echo "<import>ONLY</import>"
            echo "<peer-as>$ceas</peer-as></neighbor></group></bgp></protocols></instance>"
        done
        echo '</routing-instances>'
        echo '<routing-options xmlns="http://yang.juniper.net/junos/conf/routing-options"><autonomous-system><as-number>65000</as-number></autonomous-system></routing-options>'
        echo '</configuration>'
    } > "$dev.xml"
}
UNITS="10=10.0.0.1/30 11=10.0.0.1/30" GLOBAL="10 10.0.0.2 64999" pe pe1 <<EOF
A 192.0.2.1:1 65000:100 11 10.0.0.2 65101
EOF
UNITS="10=10.0.2.1/30" pe pe2 <<EOF
A 192.0.2.2:1 65000:100 10 10.0.2.2 65102 only
EOF
UNITS="10=10.0.3.1/30 11=10.0.4.1/30" pe pe3 <<EOF
B 192.0.2.3:2 65000:200 10 10.0.3.2 65103
C - 65000:100 11 10.0.4.2 65104
EOF
# vrp: a Huawei PE of the same AS, the device-model payload of an L3VPN PE (VPN instance
# corp-l3, route target 65000:100 both ways, its CE 10.255.10.10 of AS 65104 with a key,
# a public peer beside), its VPN instance also originating 10.77.0.0/16 (a network route
# of the instance's BGP, which belongs in the VRF's table, not the global one).
$PY - "$TOP/tests/devices/payloads/vrp/full-l3vpn.xml" vrp.xml <<'PY'
import sys
s = open(sys.argv[1]).read()
s = s[s.index("-->") + 3:]
old = "<afs>\n            <af>\n              <type>ipv4uni</type>\n            </af>"
assert s.count(old) == 1, "the VPN instance's ipv4uni af"
s = s.replace(old, "<afs><af><type>ipv4uni</type><ipv4-unicast><network-routes><network-route>"
              "<address>10.77.0.0</address><mask-length>16</mask-length></network-route>"
              "</network-routes></ipv4-unicast></af>")
open(sys.argv[2], "w").write(s)
PY
printf '%s\n' '$NST_SECRET{seoul-md5}' > seoul.key
# sros: a Nokia PE, the device-model payload of an L3VPN PE (VPRN sr-l3 with two CEs,
# auto-bind-tunnel resolution any, a Base router session beside), moved into AS 65000 and
# route target 65000:100.
sed -e '1{/^<!--.*-->$/d}' -e 's|64700|65000|g' -e 's|target:65000:4700|target:65000:100|' \
    "$TOP/tests/devices/payloads/sros/full-l3vpn.xml" > sros.xml
grep -q 'target:65000:100' sros.xml || { echo "FAIL: sros.xml"; exit 1; }
printf '%s\n' '$NST_SECRET{factory-md5}' > factory.key
ext() { # NAME DEVICE VRF AS ADDR PEER-ADDR PREFIX...
    n=$1 d=$2 v=$3 as=$4 a=$5 pa=$6
    shift 6
    printf '[external %s]\nasn = %s\naddress = %s\npeer-address = %s\npeer-as = 65000\ndevice = %s\nvrf = %s\n' \
        "$n" "$as" "$a" "$pa" "$d" "$v"
    for p in "$@"; do echo "announce = $p"; done
    echo
}
{
    echo "delay-ms = 200"
    ext glob pe1 - 64999 10.0.0.2 10.0.0.1 192.168.0.0/24
    ext ce1 pe1 A 65101 10.0.0.2 10.0.0.1 10.1.0.0/16 10.73.0.0/16
    ext ce2 pe2 A 65102 10.0.2.2 10.0.2.1 10.2.0.0/16 10.99.0.0/16
    ext ce3 pe3 B 65103 10.0.3.2 10.0.3.1 10.3.0.0/16
    ext ce4 pe3 C 65104 10.0.4.2 10.0.4.1 10.4.0.0/16
    ext seoul vrp corp-l3 65104 10.255.10.10 10.255.10.9 10.30.4.0/24
    echo "key-file = seoul.key"
    echo
    ext factory sros sr-l3 65301 10.255.71.2 10.255.71.1 10.71.0.0/16
    echo "key-file = factory.key"
    echo
    ext warehouse sros sr-l3 65302 10.255.71.6 10.255.71.5 10.72.0.0/16
} > bgp.conf
{
    echo "statedir = $tmp/state"
    echo "yang-root = $TOP/yang"
    echo "bgp = $tmp/bgp.conf"
} > n.conf
port=$((21000 + $$ % 20000))
for d in pe1 pe2 pe3 vrp sros; do
    while ss -Htln "sport = :$port" 2> /dev/null | grep -q .; do port=$((port + 1)); done
    prof=junos
    [ $d = vrp ] || [ $d = sros ] && prof=$d
    printf '\n[device %s]\nport = %s\nprofile = %s\nstartup = %s.xml\nhostkey = hostkey\nauthorized-key = client.pub\nuser = admin\n' \
        "$d" "$port" "$prof" "$d" >> n.conf
    port=$((port + 1))
done
"$NETSIM" -c n.conf > netsim.out 2>&1 &
pid=$!
i=0
while [ ! -e state/ready ]; do
    i=$((i + 1))
    if [ $i -gt 200 ] || ! kill -0 "$pid" 2> /dev/null; then
        echo "FAIL: netsim did not start"; cat netsim.out; exit 1
    fi
    sleep 0.05
done

# gets NAME PREFIX...: external NAME's session is Established and it gets exactly these.
gets() {
    n=$1; shift
    f=state/bgp-external/$n
    got=$(sed -n 's/^prefix //p' "$f" 2> /dev/null | sort | tr '\n' ' ')
    want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || no "$n gets [$got], want [$want]"
    grep -q ' Established$' "$f" 2> /dev/null || no "$n: not Established: $(cat "$f" 2> /dev/null)"
}
# wait until every external's file is there and the last change settled
sleep 1.5
A1="10.1.0.0/16 10.73.0.0/16" # ce1's (pe1, Junos: no import policy)
A2=10.2.0.0/16                # ce2's (pe2 accepts only it of the two)
AV="10.30.4.0/24 10.77.0.0/16" # vrp's CE's and vrp's own network route
AS="10.71.0.0/16 10.72.0.0/16" # sros's factory and warehouse CEs'
gets glob
gets ce1 $A2 $AV $AS
gets ce2 $A1 $AV $AS
gets ce3
# ce4 has the VRP CE's AS (65104): that CE's route has it on its path, so ce4 never gets it.
gets ce4 $A1 $A2 10.77.0.0/16 $AS
# The VRP CE gets what its PE's export filter lets out (10.30.5-7.0/24: none of these).
gets seoul
# The SR OS CEs get what their export policies let out: the other's prefix and 10.73.0.0/16.
gets factory 10.72.0.0/16 10.73.0.0/16
gets warehouse 10.71.0.0/16 10.73.0.0/16
grep -q '<instance><name>corp-l3</name><bgp xmlns="urn:huawei:yang:huawei-bgp"><base-process><peers>' \
    state/vrp/oper.xml || no "vrp does not report its VPN instance's peer: $(cat state/vrp/oper.xml)"
grep -q '<address>10.255.10.10</address><afs><af><type>ipv4uni</type><state><current-state>established</current-state><receive-prefix>1</receive-prefix><receive-active-prefix>1</receive-active-prefix><advertise-prefix>0</advertise-prefix>' \
    state/vrp/oper.xml || no "vrp's CE counts: $(cat state/vrp/oper.xml)"
grep -q '<service><vprn><service-name>sr-l3</service-name><bgp>' state/sros/oper.xml \
    || no "sros does not report its VPRN's neighbours: $(cat state/sros/oper.xml)"
grep -q '<ip-address>10.255.71.2</ip-address><statistics><session-state>Established</session-state><peer-as>65301</peer-as><received-paths>1</received-paths><family-prefix><ipv4><received>1</received><active>1</active><rejected>0</rejected><sent>2</sent></ipv4>' \
    state/sros/oper.xml || no "sros's factory CE counts: $(cat state/sros/oper.xml)"
grep -q '^session pe1 A 10.0.0.2 Established$' state/bgp-external/ce1 || no "ce1 is not pe1's VRF A neighbour"
grep -q '^session pe1 - 10.0.0.2 Established$' state/bgp-external/glob || no "glob is not pe1's global neighbour"
# pe2's state: its CE's session in VRF A, 2 received, 1 accepted (the import policy), 6
# advertised (ce1's two, vrp's two, sros's two; pe3's VRF C exports nothing).
r=state/pe2/rpc-reply/get-bgp-neighbor-information.xml
grep -q '<peer-cfg-rti>A</peer-cfg-rti><peer-state>Established</peer-state>' "$r" || no "pe2: $(cat "$r")"
grep -q '<name>A.inet.0</name><active-prefix-count>1</active-prefix-count><received-prefix-count>2</received-prefix-count><accepted-prefix-count>1</accepted-prefix-count><advertised-prefix-count>6</advertised-prefix-count>' "$r" \
    || no "pe2's counts: $(cat "$r")"
grep -q '<peer-cfg-rti>master</peer-cfg-rti>' state/pe1/rpc-reply/get-bgp-neighbor-information.xml \
    || no "pe1 does not report its global neighbour in master"

# pe3's VRF B joins 65000:100 (the router reconfigured: its running configuration changes,
# as after a commit): B and A now exchange routes, C (no RD) still exports nothing.
sed 's|<community>target:65000:200</community>|<community>target:65000:100</community>|' \
    state/pe3/running.xml > state/pe3/running.new && mv state/pe3/running.new state/pe3/running.xml
sleep 1
gets ce3 $A1 $A2 $AV $AS
gets ce1 $A2 10.3.0.0/16 $AV $AS
gets ce2 $A1 10.3.0.0/16 $AV $AS
# Two VRFs of one PE exchange nothing (Junos needs auto-export for that; not simulated).
gets ce4 $A1 $A2 10.77.0.0/16 $AS
gets glob

# sros's VPRN without auto-bind-tunnel resolution: the other PEs' routes do not resolve,
# so its CEs lose 10.73.0.0/16 (from pe1); what the VPRN exports still reaches the others.
sed 's|<resolution>any</resolution>|<resolution>disabled</resolution>|' \
    state/sros/running.xml > state/sros/running.new && mv state/sros/running.new state/sros/running.xml
sleep 1
gets factory 10.72.0.0/16
gets warehouse 10.71.0.0/16
gets ce1 $A2 10.3.0.0/16 $AV $AS

# 6VPE: pe1's and pe2's VRF A get an IPv6 address on their CE unit and a second CE
# neighbour over IPv6 with family inet6 unicast (as the Junos driver renders a dual-stack
# l3vpn circuit); their IPv6 CEs' routes cross by route target as the IPv4 ones do, each
# CE session carries its own family only (no IPv6 route reaches an IPv4 CE, none of IPv4
# an IPv6 CE).
for x in "pe1 11 2001:db8:ff::/127 2001:db8:ff::1 65101" "pe2 10 2001:db8:ff::2/127 2001:db8:ff::3 65102"; do
    set -- $x
    $PY - "state/$1/running.xml" "$2" "$3" "$4" "$5" <<'PY' || no "could not make $1's VRF A dual stack"
import re, sys
f, unit, addr, ce, asn = sys.argv[1:]
s = open(f).read()
# The running configuration as netsim wrote it (indented): the unit's </inet>, and the end
# of VRF A's group NS.
m = re.search(r"<unit>\s*<name>%s</name>.*?</inet>" % unit, s, re.S)
assert m, "unit " + unit
s = s[:m.end()] + "<inet6><address><name>%s</name></address></inet6>" % addr + s[m.end():]
m = re.search(r"<instance>\s*<name>A</name>.*?<group>\s*<name>NS</name>.*?(</group>)", s, re.S)
assert m, "VRF A's group NS"
s = s[:m.start(1)] + "<neighbor><name>%s</name><peer-as>%s</peer-as><family><inet6><unicast/></inet6></family></neighbor>" % (ce, asn) + s[m.start(1):]
open(f + ".new", "w").write(s)
PY
    mv "state/$1/running.xml.new" "state/$1/running.xml"
done
{
    cat bgp.conf
    echo
    ext ce1-6 pe1 A 65101 2001:db8:ff::1 2001:db8:ff:: 2001:db8:1::/48
    ext ce2-6 pe2 A 65102 2001:db8:ff::3 2001:db8:ff::2 2001:db8:2::/48
} > bgp.new && mv bgp.new bgp.conf
sleep 1.5
gets ce1-6 2001:db8:2::/48
gets ce2-6 2001:db8:1::/48
gets ce1 $A2 10.3.0.0/16 $AV $AS
grep -q '<name>A.inet6.0</name><active-prefix-count>1</active-prefix-count><received-prefix-count>1</received-prefix-count><accepted-prefix-count>1</accepted-prefix-count><advertised-prefix-count>1</advertised-prefix-count>' \
    state/pe2/rpc-reply/get-bgp-neighbor-information.xml \
    || no "pe2's IPv6 CE counts: $(cat state/pe2/rpc-reply/get-bgp-neighbor-information.xml)"

[ $fail = 0 ] && echo "t_bgp_vrf: ok"
exit $fail
