#!/bin/sh
# t_l3vpn_junos.sh: the multipoint L3VPN (issue 14, netstitch-multipoint kind l3vpn) through
# push, diff and delete on simulated Junos routers (netsim validates every edit against
# yang/devices/junos). The golden service tests/compile/multipoint/l3vpn-junos.xml: one
# transaction gives each of the three PEs its VRF routing instance (instance-type vrf, route
# distinguisher, vrf-target, vrf-table-label, the routed units, one external BGP group with
# a neighbour per site's router), the units' addresses and the per-site policies; pe-c keeps
# its global session beside the VRF's, and one AS. A second diff finds nothing to do; delete
# leaves no trace of the VPN on any PE, and pe-c's global session only goes with it.
set -u
cd "$TOP" || exit 2
tmp=$(mktemp -d)
net=$tmp/net
trap 'sh examples/simnet.sh stop "$net" > /dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }
run() { cat "$net/state/$1/running.xml" 2> /dev/null; }
has() { run "$1" | tr -d ' \n' | grep -q "$2" || no "$1: no $3"; }

svc=tests/compile/multipoint/l3vpn-junos.xml
if ! NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$svc" > "$tmp/simnet" 2>&1; then
    echo "simnet did not start:"; cat "$tmp/simnet"; exit 1
fi
I="--inventory $net/inventory.xml --state-dir $tmp/state -q"
"$NETSTITCH" push "$svc" $I > "$tmp/push" 2>&1 || { no "push of $svc failed"; tail "$tmp/push"; }
"$NETSTITCH" diff "$svc" $I > "$tmp/diff" 2>&1 || { no "$svc not idempotent (diff exit $?)"; tail "$tmp/diff"; }

has pe-a '<instance><name>corp-vpn</name>.*<instance-type>vrf</instance-type>' "VRF instance corp-vpn"
has pe-a '<interface><name>ge-0/0/0.0</name></interface><interface><name>ge-0/0/1.210</name></interface>' "both units in the VRF"
has pe-a '<route-distinguisher><rd-type>192.0.2.11:300</rd-type></route-distinguisher>' "RD 192.0.2.11:300"
has pe-a '<vrf-target><community>target:64600:300</community></vrf-target><vrf-table-label/>' "vrf-target and vrf-table-label"
has pe-a '<group><name>NS-corp-vpn</name><type>external</type><neighbor><name>10.255.20.1</name>' "the hq CE in the VRF's group"
has pe-a '<peer-as>65201</peer-as><local-address>10.255.20.0</local-address>' "hq peer AS and local address"
has pe-a '<neighbor><name>10.255.20.6</name>' "the plant CE in the VRF's group"
has pe-a '<unit><name>210</name>.*<address><name>10.255.20.5/30</name></address>' "the plant unit's address"
has pe-a '<autonomous-system><as-number>64600</as-number></autonomous-system>' "AS 64600 (VRF sessions only)"
has pe-b '<vlan-tags><outer>0x88a8.300</outer><inner>30</inner></vlan-tags>' "the QinQ unit of the dc site"
has pe-b '<neighbor><name>10.255.20.10</name>.*<peer-as>4200000203</peer-as>' "the dc CE with its four-byte AS"
has pe-c '<neighbor><name>10.255.20.14</name>' "the lab CE in the VRF"
has pe-c '<group><name>transit</name><type>external</type>' "the global transit session"
has pe-c '<policy-statement><name>NS-corp-vpn-lab-OUT</name>' "the lab export policy"
[ "$(run pe-c | grep -c '<as-number>64600</as-number>')" = 1 ] || no "pe-c: not exactly one AS"
# The global session is outside the VRF; the VRF's neighbours are not in the global BGP.
run pe-c | tr -d ' \n' | sed 's|<routing-instances.*</routing-instances>||' | grep -q '10.255.20.14' &&
    no "pe-c: the lab CE outside its VRF"

"$NETSTITCH" delete "$svc" $I > "$tmp/del" 2>&1 || { no "delete of $svc failed"; tail "$tmp/del"; }
for d in pe-a pe-b pe-c; do
    run "$d" | grep -q 'corp-vpn' && no "$d keeps corp-vpn after delete"
    run "$d" | grep -q 'target:64600:300' && no "$d keeps the route target after delete"
done
run pe-c | grep -q '<name>transit</name>' && no "pe-c keeps the service's transit session after delete"

[ $fail = 0 ] && echo "t_l3vpn_junos: ok"
exit $fail
