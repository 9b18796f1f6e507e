#!/bin/sh
# t_l3vpn_vrp_oc.sh: the multipoint L3VPN (issue 14, netstitch-multipoint kind l3vpn) through
# push, diff and delete on simulated Huawei VRP and OpenConfig routers (netsim validates every
# edit against yang/devices). For each golden service (tests/compile/multipoint/l3vpn-vrp.xml,
# l3vpn-oc.xml): one transaction gives every PE its VPN instance / L3VRF with route
# distinguisher and route target, the attachment circuits bound to it and the CE sessions in
# the VRF's BGP (next to a public session on one PE); a second diff finds nothing to do; the
# running configurations hold all of it; delete leaves no trace of the VPN on any PE.
set -u
cd "$TOP" || exit 2
tmp=$(mktemp -d)
net=$tmp/net
trap 'sh examples/simnet.sh stop "$net" > /dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }
run() { cat "$net/state/$1/running.xml" 2> /dev/null; }
has() { run "$1" | tr -d ' \n' | grep -q "$2" || no "$1: no $3"; }

start() {
    if ! NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$1" > "$tmp/simnet" 2>&1; then
        echo "simnet did not start:"; cat "$tmp/simnet"; exit 1
    fi
}
cycle() { # SERVICE: push, idempotent diff; the checks follow in the caller
    I="--inventory $net/inventory.xml --state-dir $tmp/state -q"
    "$NETSTITCH" push "$1" $I > "$tmp/push" 2>&1 || { no "push of $1 failed"; tail "$tmp/push"; }
    "$NETSTITCH" diff "$1" $I > "$tmp/diff" 2>&1 || { no "$1 not idempotent (diff exit $?)"; tail "$tmp/diff"; }
}
gone() { # SERVICE DEVICE...: delete, then no device keeps the VPN
    svc=$1; shift
    "$NETSTITCH" delete "$svc" $I > "$tmp/del" 2>&1 || { no "delete of $svc failed"; tail "$tmp/del"; }
    for d in "$@"; do
        run "$d" | grep -q 'corp-l3' && no "$d keeps corp-l3 after delete"
        run "$d" | grep -q '4[34]00' && no "$d keeps the route target or RD after delete"
    done
}

# Huawei VRP: two PEs, one with a public peer too.
svc=tests/compile/multipoint/l3vpn-vrp.xml
start "$svc"
cycle "$svc"
has pe-a '<instance><name>corp-l3</name>' "VPN instance corp-l3"
has pe-a '<route-distinguisher>192.0.2.11:4300</route-distinguisher>' "RD 192.0.2.11:4300"
has pe-a '<value>64600:4300</value><type>export-extcommunity</type>' "export vpn-target"
has pe-a '<value>64600:4300</value><type>import-extcommunity</type>' "import vpn-target"
has pe-a '<name>GigabitEthernet0/1/0.100</name>.*<vrf-name>corp-l3</vrf-name>' "sub-interface bound to corp-l3"
has pe-a '<peer><address>10.255.20.2</address><remote-as>65201</remote-as>' "VRF peer to the hq CE"
has pe-a '<peer><address>192.0.2.65</address><remote-as>65010</remote-as>' "public peer to campus"
has pe-a '<as>64600</as>' "BGP AS 64600"
has pe-b '<name>GigabitEthernet0/1/0</name>.*<vrf-name>corp-l3</vrf-name>' "main interface bound to corp-l3"
has pe-b '<peer><address>10.255.20.10</address><remote-as>65203</remote-as>' "VRF peer to the lab CE"
has pe-b '<as>64600</as>' "BGP AS 64600 (VRF sessions only)"
[ "$(run pe-a | grep -c '<as>64600</as>')" = 1 ] || no "pe-a: not exactly one BGP AS"
gone "$svc" pe-a pe-b
sh examples/simnet.sh stop "$net" > /dev/null 2>&1
rm -rf "$net" "$tmp/state"

# OpenConfig: two PEs, one with a default-instance session too.
svc=tests/compile/multipoint/l3vpn-oc.xml
start "$svc"
cycle "$svc"
has pe-c '<name>corp-l3</name><type[^>]*>[a-z-]*:L3VRF</type>' "L3VRF corp-l3"
has pe-c '<route-distinguisher>192.0.2.21:4400</route-distinguisher>' "RD 192.0.2.21:4400"
has pe-c '<export-route-target>64600:4400</export-route-target>' "export route target"
has pe-c '<import-route-target>64600:4400</import-route-target>' "import route target"
has pe-c '<id>Ethernet1.100</id>' "circuit Ethernet1.100 in the VRF"
has pe-c '<id>Ethernet4.0</id>' "circuit Ethernet4.0 in the VRF"
has pe-c '<neighbor-address>10.255.30.2</neighbor-address>' "VRF neighbour to the hq CE"
has pe-c '<neighbor-address>192.0.2.67</neighbor-address>' "default-instance neighbour to campus"
has pe-d '<neighbor-address>10.255.30.10</neighbor-address>' "VRF neighbour to the branch CE"
gone "$svc" pe-c pe-d

[ $fail = 0 ] && echo "t_l3vpn_vrp_oc: ok"
exit $fail
