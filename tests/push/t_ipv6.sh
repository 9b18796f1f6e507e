#!/bin/sh
# t_ipv6.sh: the dual-stack example (issue 13) through push, diff and rollback on simulated
# routers of all six vendors: one transaction applies the IPv6 addresses, neighbours,
# prefix filters, origination and knobs; a second diff finds nothing to do; the IPv6
# configuration is really on the routers (twcc-edge's and ccx-transit's running
# configurations hold the IPv6 neighbours); rolling the transaction back leaves no IPv6
# configuration anywhere. Then every vendor's dual-stack golden service is pushed to its
# simulated router and found in sync.
set -u
cd "$TOP"
tmp=$(mktemp -d)
net=$tmp/net
trap 'sh examples/simnet.sh stop "$net" > /dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }
svc=examples/twcc-ccx-aws/dual-stack/service.xml
if ! NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$svc" > "$tmp/simnet" 2>&1; then
    echo "simnet did not start:"; cat "$tmp/simnet"; exit 1
fi
# --no-health: netsim simulates IPv4 BGP only (examples/simnet.sh), so the gate would
# see the IPv6 sessions Active; this test is about the configuration, t_health about BGP.
I="--inventory $net/inventory.xml --state-dir $tmp/state -q"
P="--no-health"
"$NETSTITCH" push "$svc" $I $P > "$tmp/push" 2>&1 || { no "push failed"; tail "$tmp/push"; }
"$NETSTITCH" diff "$svc" $I > "$tmp/diff" 2>&1 || { no "not idempotent (diff exit $?)"; tail "$tmp/diff"; }
grep -q '2001:db8:3053::' "$net/state/twcc-edge/running.xml" || no "twcc-edge has no IPv6 peer"
grep -q '2001:db8:c0::' "$net/state/twcc-edge/running.xml" || no "twcc-edge does not originate the IPv6 /48"
grep -q '2001:db8:ffff:100::1' "$net/state/ccx-transit/running.xml" || no "ccx-transit has no IPv6 peer to AWS"
tx=$("$NETSTITCH" rollback --list --state-dir "$tmp/state" 2>/dev/null | awk '$2 == "push" {print $1; exit}')
[ -n "$tx" ] || no "no push transaction recorded"
"$NETSTITCH" rollback "$tx" $I > "$tmp/rb" 2>&1 || { no "rollback failed"; tail "$tmp/rb"; }
for d in twcc-edge twaren-border twaren-taichung partner-ccx ccx-pe ccx-transit; do
    grep -q '2001:db8' "$net/state/$d/running.xml" 2> /dev/null && no "$d keeps IPv6 after rollback"
done
sh examples/simnet.sh stop "$net" > /dev/null 2>&1
# Every vendor's dual-stack and BGP-knob golden service (tests/compile/*/*-dual-stack.xml):
# pushed to its simulated router and in sync on a second diff, so each knob's payload is
# accepted by the device model and reads back the same.
for ds in tests/compile/*/*-dual-stack.xml; do
    d=$tmp/$(basename "$ds" .xml)
    if ! NETSIM=$NETSIM sh examples/simnet.sh start "$d" "$ds" > "$d.log" 2>&1; then
        no "simnet did not start for $ds"; continue
    fi
    J="--inventory $d/inventory.xml --state-dir $d/state -q"
    "$NETSTITCH" push "$ds" $J --no-health > "$d.push" 2>&1 || { no "push of $ds failed"; tail -3 "$d.push"; }
    "$NETSTITCH" diff "$ds" $J > "$d.diff" 2>&1 || no "$ds not in sync after push"
    sh examples/simnet.sh stop "$d" > /dev/null 2>&1
done
[ $fail = 0 ] && echo "t_ipv6: ok"
exit $fail
