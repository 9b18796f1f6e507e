#!/bin/sh
# make demo: the main job on the shipped example, against a local simulated network.
#
#   1. check the service (and show that each broken variant of the real build-out is caught),
#   2. compile it: per-router NETCONF payloads and native CLI for five vendors,
#   3. start one simulated router per device (netstitch-netsim, each in its vendor's
#      profile, BGP computed from their configurations) and push the service to all of
#      them in one confirmed-commit transaction, confirmed once the BGP sessions are up,
#   4. show what the routers now run,
#   5. read the BGP sessions back (netstitch status: state and prefix counts, computed by
#      netsim from the routers' configuration and the simulated AWS peer),
#   6. push a broken variant (AWS's ASN mistyped): the health gate holds it back and every
#      router is rolled back; then stop the network.
set -u
BUILD=${BUILD:-build}
NETSTITCH=$BUILD/netstitch
EX=examples/twcc-ccx-aws
WORK=$(mktemp -d /tmp/netstitch-demo.XXXXXX)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() { sh examples/simnet.sh stop "$WORK/net" >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

say "1. netstitch check $EX/service.xml  (TWCC -> TWAREN VPLS -> partner stitch -> CCX -> AWS DX)"
"$NETSTITCH" check -v "$EX/service.xml" || { echo "demo: the shipped example should check clean"; exit 1; }
for v in mtu-1496 overlap bgp-mismatch; do
    f="$EX/broken/twcc-ccx-aws-$v.xml"
    say "   broken variant: $f"
    sed -n 's/.*BROKEN VARIANT: \(.*\) -->/  (\1)/p' "$f" | fold -s -w 100
    "$NETSTITCH" check "$f" 2>/dev/null | grep -v " note "
    "$NETSTITCH" check "$f" >/dev/null 2>&1
    [ $? -eq 1 ] || { echo "demo: $f should fail the check"; exit 1; }
done

say "2. netstitch compile $EX/service.xml -o $WORK/out"
"$NETSTITCH" compile "$EX/service.xml" -o "$WORK/out" || exit 1
ls -l "$WORK/out" | awk 'NR > 1 {printf "  %-24s %6d bytes\n", $9, $5}'
say "   the stitch at the partner site (IOS-XR), as an operator would type it:"
sed 's/^/    /' "$WORK/out/partner-ccx.cli"
say "   the Junos QinQ port toward the partner (1522 = IP 1500 + 14 + two tags):"
grep -E "xe-0/0/2 (mtu|unit)" "$WORK/out/twaren-taichung.cli" | sed 's/^/    /'

say "3. a simulated network: one netstitch-netsim router per device, in its vendor's profile"
sh examples/simnet.sh start "$WORK/net" "$EX/service.xml" || exit 1
awk '/^\[device/ {d=$2} /^port/ {p=$3} /^profile/ {printf "  %-16s 127.0.0.1:%s  %s\n", d, p, $3}' \
    "$WORK/net/netsim.conf" | tr -d ']'
say "   netstitch push $EX/service.xml --inventory <generated>"
say "   (confirmed only once every BGP session is Established with its prefixes: the health gate)"
"$NETSTITCH" push "$EX/service.xml" --inventory "$WORK/net/inventory.xml" \
    --state-dir "$WORK/state" -q
rc=$?
[ $rc -eq 0 ] || { echo "demo: push failed (exit $rc)"; exit 1; }

say "4. what the routers run now (read back from each simulated router)"
for d in twcc-edge twaren-border twaren-taichung partner-ccx ccx-pe ccx-transit; do
    printf '  %-16s %4d lines of running configuration\n' "$d" \
        "$(wc -l < "$WORK/net/state/$d/running.xml")"
done
say "   ccx-pe (SR OS) port toward the partner:"
sed -n '/<port-id>1\/1\/1</,/<\/port>/p' "$WORK/net/state/ccx-pe/running.xml" | sed 's/^/    /'
# The BGP keys went to the routers, never to the screen or the files netstitch wrote.
for key in "$WORK"/net/secrets/*; do
    if grep -rqF "$(cat "$key")" "$WORK/out" "$WORK/state"; then
        echo "demo: a BGP key leaked into netstitch's files"; exit 1
    fi
done

say "5. netstitch status: the BGP sessions, read from the routers"
# the gate has already waited for the sessions; status reads them again
"$NETSTITCH" status "$EX/service.xml" --inventory "$WORK/net/inventory.xml" --state-dir "$WORK/state"
say "   the same as OpenMetrics, for Prometheus or node_exporter's textfile collector:"
"$NETSTITCH" status "$EX/service.xml" --inventory "$WORK/net/inventory.xml" \
    --state-dir "$WORK/state" --format prometheus | grep -E '^netstitch_bgp_prefixes_accepted' \
    | sed 's/^/    /'

say "6. a broken push: the service says AWS is AS64513, the real DX gateway is AS64512"
sed 's|<asn>64512</asn>|<asn>64513</asn>|; s|<peer-asn>64512</peer-asn>|<peer-asn>64513</peer-asn>|' \
    "$EX/service.xml" > "$WORK/wrong-aws-asn.xml"
"$NETSTITCH" check "$WORK/wrong-aws-asn.xml" > /dev/null 2>&1 \
    || { echo "demo: the variant should pass the check (only the network can tell)"; exit 1; }
say "   it passes the check; netstitch push ... --health-deadline 5:"
"$NETSTITCH" push "$WORK/wrong-aws-asn.xml" --inventory "$WORK/net/inventory.xml" \
    --state-dir "$WORK/state" -q --health-deadline 5
rc=$?
[ $rc -eq 1 ] || { echo "demo: the health gate should have held the push back (exit $rc)"; exit 1; }
say "   held back by the health gate; the router it changed (ccx-transit) was rolled back"

say "done: checked, compiled for 5 vendors, pushed to 6 simulated routers in one transaction, BGP read back, a broken push held back"
