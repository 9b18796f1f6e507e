#!/bin/sh
# t_multipoint.sh: the five-site enterprise WAN (issue 14, a multipoint VPN) through push,
# diff and rollback on simulated routers of its five vendors: one transaction gives every
# PE its VPLS instance, attachment circuit and pseudowires; a second diff finds nothing to
# do; the configuration is really on the routers (each PE's running configuration holds the
# VPN and its four peers' router ids in the full mesh); then the hub-and-spoke variant
# replaces it after a delete (a branch PE keeps only the hub's pseudowire, the hub gets
# spoke pseudowires), and rolling that push back leaves no trace of it on any PE.
set -u
cd "$TOP" || exit 2
tmp=$(mktemp -d)
net=$tmp/net
trap 'sh examples/simnet.sh stop "$net" > /dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }
svc=examples/enterprise-wan/service.xml
if ! NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$svc" > "$tmp/simnet" 2>&1; then
    echo "simnet did not start:"; cat "$tmp/simnet"; exit 1
fi
I="--inventory $net/inventory.xml --state-dir $tmp/state -q"
"$NETSTITCH" push "$svc" $I > "$tmp/push" 2>&1 || { no "push failed"; tail "$tmp/push"; }
"$NETSTITCH" diff "$svc" $I > "$tmp/diff" 2>&1 || { no "not idempotent (diff exit $?)"; tail "$tmp/diff"; }
run() { cat "$net/state/$1/running.xml" 2> /dev/null; }
for d in pe-taipei pe-hsinchu pe-taichung pe-kaohsiung pe-tainan; do
    run "$d" | grep -q 'corp-wan' || no "$d has no VPN corp-wan"
done
for rid in 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5; do
    run pe-taipei | grep -q "$rid" || no "pe-taipei has no pseudowire to $rid"
done
run pe-taichung | grep -q '<mesh-sdp>' || no "pe-taichung has no mesh-sdp"
run pe-taichung | grep -q '1/1/1:300.100' || no "pe-taichung has no QinQ SAP 1/1/1:300.100"
run pe-kaohsiung | grep -q '<vsi-id>4100</vsi-id>' || no "pe-kaohsiung's VSI has no vsi-id 4100"
# The same VPN as hub-and-spoke (the variant names it corp-wan-hub: another service).
"$NETSTITCH" delete "$svc" $I > "$tmp/del" 2>&1 || { no "delete failed"; tail "$tmp/del"; }
hs=examples/enterprise-wan/service-hub-spoke.xml
"$NETSTITCH" push "$hs" $I > "$tmp/push2" 2>&1 || { no "hub-and-spoke push failed"; tail "$tmp/push2"; }
"$NETSTITCH" diff "$hs" $I > "$tmp/diff2" 2>&1 || no "hub-and-spoke not idempotent"
run pe-taipei | grep -q 'local-switching' || no "the hub pe-taipei has no spoke mesh group"
run pe-hsinchu | grep -q '192.0.2.3' && no "spoke pe-hsinchu still has a pseudowire to pe-taichung"
run pe-hsinchu | grep -q '192.0.2.1' || no "spoke pe-hsinchu has no pseudowire to the hub"
run pe-tainan | grep -q 'corp-wan-hub' || no "pe-tainan has no VPN corp-wan-hub"
tx=$("$NETSTITCH" rollback --list --state-dir "$tmp/state" 2>/dev/null | awk '$2 == "push" {t = $1} END {print t}')
[ -n "$tx" ] || no "no push transaction recorded"
"$NETSTITCH" rollback "$tx" $I > "$tmp/rb" 2>&1 || { no "rollback failed"; tail "$tmp/rb"; }
for d in pe-taipei pe-hsinchu pe-taichung pe-kaohsiung pe-tainan; do
    run "$d" | grep -q 'corp-wan-hub' && no "$d keeps corp-wan-hub after rollback"
done
[ $fail = 0 ] && echo "t_multipoint: ok"
exit $fail
