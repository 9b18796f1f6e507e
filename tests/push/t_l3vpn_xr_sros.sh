#!/bin/sh
# t_l3vpn_xr_sros.sh: the L3VPN multipoint goldens of IOS-XR and SR OS (issue 14,
# tests/compile/multipoint/l3vpn-{sros,iosxr}.xml) through push, diff and delete on
# simulated routers (netsim validates every edit against yang/devices):
#   - SR OS: pe-sr1 gets the VPRN (service id 4700, customer 1, AS, bgp-ipvpn mpls with
#     auto-bind-tunnel any) with its QinQ and null SAP interfaces and both CE neighbours in
#     the VPRN's BGP, while the AWS session stays in router Base; pe-xr9 gets the VRF;
#   - IOS-XR: pe-xr1 (VRF sessions only) gets router bgp 4200000100 with the VRF and its
#     four-byte-AS route target; pe-xr2 gets ONE router bgp entry holding the AWS neighbour
#     and the VRF's CE neighbour;
#   - a second diff finds nothing to do; delete leaves no VPRN or VRF behind.
set -u
cd "$TOP" || exit 2
tmp=$(mktemp -d)
trap 'sh examples/simnet.sh stop "$tmp/net-sr" > /dev/null 2>&1;
      sh examples/simnet.sh stop "$tmp/net-xr" > /dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }

# push_case NAME SERVICE: start a simulated network for SERVICE, push it, diff again.
push_case() {
    net=$tmp/net-$1
    if ! NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$2" > "$tmp/simnet-$1" 2>&1; then
        echo "simnet did not start:"; cat "$tmp/simnet-$1"; exit 1
    fi
    I="--inventory $net/inventory.xml --state-dir $tmp/state-$1 -q"
    "$NETSTITCH" push "$2" $I > "$tmp/push-$1" 2>&1 || { no "$1: push failed"; tail "$tmp/push-$1"; }
    "$NETSTITCH" diff "$2" $I > "$tmp/diff-$1" 2>&1 ||
        { no "$1: not idempotent (diff exit $?)"; tail "$tmp/diff-$1"; }
}
run() { cat "$tmp/net-$1/state/$2/running.xml" 2> /dev/null; }
# XPath $3 over $1's running configuration of device $2 (its top-level elements under one
# root; write element names as *[local-name()='x'], spelled here as L(x)).
xp() {
    { echo '<r>'; run "$1" "$2"; echo '</r>'; } |
        xmllint --xpath "$(echo "$3" | sed "s/L(\([a-z0-9-]*\))/*[local-name()='\1']/g")" - 2> /dev/null
}
command -v xmllint > /dev/null 2>&1 || { echo "xmllint is not installed (libxml2-utils)"; exit 77; }

sr=tests/compile/multipoint/l3vpn-sros.xml
push_case sr "$sr"
vprn=$(xp sr pe-sr1 '//L(service)/L(vprn)')
[ -n "$vprn" ] || no "pe-sr1 has no VPRN"
for want in '<service-name>sr-l3</service-name>' '<service-id>4700</service-id>' \
    '<customer>1</customer>' '<autonomous-system>64700</autonomous-system>' \
    '<route-distinguisher>192.0.2.31:4700</route-distinguisher>' \
    '<community>target:64700:4700</community>' '<resolution>any</resolution>' \
    '<sap-id>1/1/1:300.100</sap-id>' '<sap-id>1/1/2</sap-id>' \
    '<ip-address>10.255.71.2</ip-address>' '<ip-address>10.255.71.6</ip-address>'; do
    echo "$vprn" | grep -q "$want" || no "pe-sr1's VPRN lacks $want"
done
echo "$vprn" | grep -q '169.254.41.1' && no "the AWS session leaked into the VPRN"
[ "$(xp sr pe-sr1 "count(//L(router)[L(router-name)='Base']/L(bgp)/L(neighbor)[L(ip-address)='169.254.41.1'])")" = 1 ] ||
    no "pe-sr1's Base router lost the AWS session"
[ "$(xp sr pe-sr1 "count(//L(router)/L(interface)[starts-with(L(port), '1/1/1:') or L(port)='1/1/2'])")" = 0 ] ||
    no "a VPRN circuit of pe-sr1 is also a Base router interface"
[ "$(xp sr pe-sr1 "string(//L(port)[L(port-id)='1/1/1']/L(ethernet)/L(mode))")" = access ] ||
    no "pe-sr1 port 1/1/1 (VPRN SAPs only) is not in access mode"
run sr pe-xr9 | grep -q '<vrf-name>sr-l3</vrf-name>' || no "pe-xr9 has no VRF sr-l3"

xr=tests/compile/multipoint/l3vpn-iosxr.xml
push_case xr "$xr"
BGP="//L(router)/L(bgp)/L(as)"
[ "$(xp xr pe-xr1 "string($BGP/L(as-number))")" = 4200000100 ] || no "pe-xr1 has no router bgp 4200000100"
[ "$(xp xr pe-xr1 "count($BGP/L(vrfs)/L(vrf)[L(vrf-name)='xr-l3']/L(neighbors)/L(neighbor))")" = 2 ] ||
    no "pe-xr1's router bgp has no vrf xr-l3 with its two CE neighbours"
[ "$(xp xr pe-xr1 "count(//L(vrfs)/L(vrf)//L(four-byte-as-rt)[L(as-number)='4200000100'][L(index)='4300'])")" = 2 ] ||
    no "pe-xr1's VRF has no four-byte-AS route target 4200000100:4300 (import and export)"
[ "$(xp xr pe-xr2 "count($BGP)")" = 1 ] || no "pe-xr2 has $(xp xr pe-xr2 "count($BGP)") router bgp AS entries, want 1"
[ "$(xp xr pe-xr2 "count($BGP/L(neighbors)/L(neighbor)[L(neighbor-address)='169.254.40.1'])")" = 1 ] ||
    no "pe-xr2's router bgp lacks the AWS neighbour"
[ "$(xp xr pe-xr2 "count($BGP/L(vrfs)/L(vrf)/L(neighbors)/L(neighbor)[L(neighbor-address)='10.255.61.10'])")" = 1 ] ||
    no "pe-xr2's router bgp lacks the VRF's CE neighbour"
[ "$(xp xr pe-xr2 "string(//L(interfaces)/L(interface)[L(interface-name)='GigabitEthernet0/0/0/3']/L(vrf))")" = xr-l3 ] ||
    no "pe-xr2's untagged circuit is not in the VRF"

# Delete: no VPRN or VRF left anywhere.
for c in sr:$sr xr:$xr; do
    name=${c%%:*}; svc=${c#*:}
    "$NETSTITCH" delete "$svc" --inventory "$tmp/net-$name/inventory.xml" \
        --state-dir "$tmp/state-$name" -q > "$tmp/del-$name" 2>&1 ||
        { no "$name: delete failed"; tail "$tmp/del-$name"; }
done
run sr pe-sr1 | grep -q '<vprn>' && no "pe-sr1 keeps its VPRN after delete"
for d in sr:pe-xr9 xr:pe-xr1 xr:pe-xr2; do
    run "${d%%:*}" "${d#*:}" | grep -q '<vrf-name>' && no "${d#*:} keeps a VRF after delete"
done
[ $fail = 0 ] && echo "t_l3vpn_xr_sros: ok"
exit $fail
