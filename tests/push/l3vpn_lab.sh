#!/bin/sh
# l3vpn_lab.sh: sourced by t_l3vpn.sh and t_l3vpn_v6.sh (run by tests/run.sh, TOP and
# NETSIM set): the routed enterprise WAN (examples/enterprise-wan/service-l3vpn.xml) on
# five simulated PEs started by examples/simnet.sh (BGP answered after 500 ms), stopped and
# cleaned up on exit (KEEP_WORK keeps the directory). Gives: $tmp, $net, $svc, $PES, $PY,
# $I (inventory, state, -q), $GATE (the gate's options), $tmp/bgp.conf.orig (the outside
# world simnet.sh wrote), fail/no, set_bgp FILE (netsim rereads bgp.conf when it is
# replaced), run DEV (its running configuration), snap FILE (every PE's), and
# ce_gets CE PREFIX... (the external peer CE, a site's router, receives exactly these
# prefixes over an Established session in VRF corp-l3; netsim's view from outside).
set -u
cd "$TOP" || exit 2
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
net=$tmp/net
trap 'sh examples/simnet.sh stop "$net" > /dev/null 2>&1; [ -n "${KEEP_WORK:-}" ] && echo "kept $tmp" || rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }
[ -x "${NETSIM:-}" ] || { echo "netstitch-netsim is not built"; exit 77; }
svc=examples/enterprise-wan/service-l3vpn.xml
PES="pe-taipei pe-hsinchu pe-taichung pe-kaohsiung pe-tainan"
if ! NETSIM_BGP_DELAY_MS=500 NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$svc" \
    > "$tmp/simnet" 2>&1; then
    echo "simnet did not start:"; cat "$tmp/simnet"; exit 1
fi
I="--inventory $net/inventory.xml --state-dir $tmp/state -q"
GATE="--health-deadline 8 --health-interval 200"
cp "$net/bgp.conf" "$tmp/bgp.conf.orig"
set_bgp() {
    cp "$1" "$net/bgp.conf.new" && mv "$net/bgp.conf.new" "$net/bgp.conf"
}
run() { cat "$net/state/$1/running.xml" 2> /dev/null; }
snap() { for d in $PES; do echo "== $d"; run "$d"; done > "$1"; }
ce_gets() {
    c=$1; shift
    f=$net/state/bgp-external/$c
    got=$(sed -n 's/^prefix //p' "$f" 2> /dev/null | sort | tr '\n' ' ')
    want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || no "the CE $c receives [$got], want [$want]"
    grep -q '^session .* corp-l3 .* Established$' "$f" 2> /dev/null \
        || no "the CE $c: no Established session: $(cat "$f" 2> /dev/null)"
}
