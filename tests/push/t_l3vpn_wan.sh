#!/bin/sh
# t_l3vpn_wan.sh: the five-vendor routed enterprise WAN (examples/enterprise-wan/
# service-l3vpn.xml: Junos, IOS-XR, SR OS, VRP and OpenConfig PEs in one layer-3 VPN) through
# push, diff and delete on simulated routers (netsim validates every edit against each
# vendor's device models). One transaction commits all five; every PE's running
# configuration then has the VPN with its route distinguisher ROUTER-ID:4200, the route
# target 64600:4200 and its office's router as a neighbour; a second diff finds nothing to
# do; delete leaves no trace of the VPN anywhere.
set -u
cd "$TOP" || exit 2
tmp=$(mktemp -d)
net=$tmp/net
trap 'sh examples/simnet.sh stop "$net" > /dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }
run() { cat "$net/state/$1/running.xml" 2> /dev/null; }

svc=examples/enterprise-wan/service-l3vpn.xml
if ! NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$svc" > "$tmp/simnet" 2>&1; then
    echo "simnet did not start:"; cat "$tmp/simnet"; exit 1
fi
I="--inventory $net/inventory.xml --state-dir $tmp/state -q"
"$NETSTITCH" push "$svc" $I > "$tmp/push" 2>&1 || { no "push failed"; tail "$tmp/push"; }
[ "$(grep -c 'confirmed-commit *committed' "$tmp/push")" = 5 ] || { no "not all five PEs committed"; cat "$tmp/push"; }
"$NETSTITCH" diff "$svc" $I > "$tmp/diff" 2>&1 || { no "not idempotent (diff exit $?)"; tail "$tmp/diff"; }

n=1
for d in pe-taipei pe-hsinchu pe-taichung pe-kaohsiung pe-tainan; do
    ce=10.255.10.$((4 * n - 2))
    run "$d" | grep -q 'corp-l3' || no "$d: no VPN corp-l3"
    # IOS-XR's model splits both: the RD's address and index, the route target's AS and index.
    flat=$(run "$d" | tr -d ' \n')
    case "$flat" in
        *"192.0.2.$n:4200"* | *"<ipv4-address>192.0.2.$n</ipv4-address><index>4200</index>"*) ;;
        *) no "$d: no route distinguisher 192.0.2.$n:4200" ;;
    esac
    case "$flat" in
        *64600:4200* | *"<as-number>64600</as-number><index>4200</index>"*) ;;
        *) no "$d: no route target 64600:4200" ;;
    esac
    run "$d" | grep -q ">$ce<" || no "$d: no neighbour $ce (the office's router)"
    n=$((n + 1))
done

"$NETSTITCH" delete "$svc" $I > "$tmp/del" 2>&1 || { no "delete failed"; tail "$tmp/del"; }
for d in pe-taipei pe-hsinchu pe-taichung pe-kaohsiung pe-tainan; do
    run "$d" | grep -q 'corp-l3' && no "$d keeps corp-l3 after delete"
    run "$d" | grep -q '4200' && no "$d keeps the route target or RD after delete"
done

[ $fail = 0 ] && echo "t_l3vpn_wan: ok"
exit $fail
