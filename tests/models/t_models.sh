#!/bin/sh
# The service and inventory models are clean under yanglint (no warnings), and the
# example's instances load in both encodings; a broken instance is rejected.
set -u
cd "$TOP"
fail=0
for m in yang/netstitch-intercloud.yang yang/netstitch-inventory.yang; do
    out=$(yanglint -p yang/ietf "$m" 2>&1)
    [ -z "$out" ] || { echo "yanglint $m: $out"; fail=1; }
    # The model reformatted by yanglint must still parse (no yanglint-only extensions).
    yanglint -p yang/ietf -f yang "$m" >/dev/null 2>&1 || { echo "yanglint -f yang $m failed"; fail=1; }
done
for i in examples/twcc-ccx-aws/service.xml examples/twcc-ccx-aws/service.json; do
    yanglint -p yang/ietf -t config yang/netstitch-intercloud.yang "$i" || { echo "invalid: $i"; fail=1; }
done
for i in examples/twcc-ccx-aws/inventory.xml examples/twcc-ccx-aws/inventory.json; do
    yanglint -p yang/ietf -t config yang/netstitch-inventory.yang "$i" || { echo "invalid: $i"; fail=1; }
done
# The JSON twins are the XML instances converted: keep them in step.
for n in service inventory; do
    m=yang/netstitch-intercloud.yang; [ $n = inventory ] && m=yang/netstitch-inventory.yang
    yanglint -p yang/ietf -t config -f json "$m" examples/twcc-ccx-aws/$n.xml |
        cmp -s - examples/twcc-ccx-aws/$n.json || { echo "examples/twcc-ccx-aws/$n.json is stale"; fail=1; }
done
# Issue 14: the augmenting modules are clean too; every shipped on-ramp profile validates
# against netstitch-onramp; the new examples load with the modules they use; a profile
# with an MTU outside the ip-mtu range is rejected.
AUG="yang/netstitch-intercloud.yang yang/netstitch-onramp.yang yang/netstitch-exchange.yang yang/netstitch-qinq.yang yang/netstitch-redundancy.yang yang/netstitch-multipoint.yang"
for m in yang/netstitch-onramp.yang yang/netstitch-exchange.yang yang/netstitch-qinq.yang \
    yang/netstitch-redundancy.yang yang/netstitch-multipoint.yang; do
    out=$(yanglint -p yang/ietf -p yang "$m" 2>&1)
    [ -z "$out" ] || { echo "yanglint $m: $out"; fail=1; }
    yanglint -p yang/ietf -p yang -f yang "$m" >/dev/null 2>&1 || { echo "yanglint -f yang $m failed"; fail=1; }
done
n=0
for i in yang/onramps/*.xml; do
    n=$((n + 1))
    # shellcheck disable=SC2086
    yanglint -p yang/ietf -p yang -t config $AUG "$i" || { echo "invalid profile: $i"; fail=1; }
done
[ "$n" -ge 4 ] || { echo "only $n on-ramp profile files"; fail=1; }
for i in examples/azure-expressroute/service.xml examples/gcp-interconnect/service.xml \
    examples/ibm-direct-link/service.xml examples/twcc-ccx-aws/service-multi-cvlan.xml \
    tests/compile/qinq/qinq-bundle.xml \
    examples/enterprise-wan/service.xml examples/enterprise-wan/service-hub-spoke.xml \
    tests/compile/multipoint/mp-*.xml; do
    # shellcheck disable=SC2086
    yanglint -p yang/ietf -p yang -t config $AUG "$i" || { echo "invalid: $i"; fail=1; }
done
badp=$(mktemp --suffix=.xml)
sed "s|<allowed>1440</allowed>|<allowed>12</allowed>|" yang/onramps/gcp-interconnect.xml > "$badp"
grep -q "<allowed>12</allowed>" "$badp" || { echo "the bad profile edit did not apply"; fail=1; }
# shellcheck disable=SC2086
if yanglint -p yang/ietf -p yang -t config $AUG "$badp" 2>/dev/null; then
    echo "a profile with ip-mtu 12 was accepted"; fail=1
fi
rm -f "$badp"
# Issue 14, multipoint: an instance with the multipoint module loaded but no multipoint VPN
# is the base model's (every example above and the shipped one validate with it loaded);
# a multipoint VPN with one attachment circuit, or a route-target on an LDP one, is refused.
# shellcheck disable=SC2086
yanglint -p yang/ietf -p yang -t config $AUG examples/twcc-ccx-aws/service.xml ||
    { echo "the shipped example does not validate with netstitch-multipoint loaded"; fail=1; }
badm=$(mktemp --suffix=.xml)
awk '/<attachment-circuit><name>rnd/{skip=3} skip>0{skip--; next} {print}' \
    examples/enterprise-wan/service.xml | sed '/<attachment-circuit><name>factory/,/<\/attachment-circuit>/d;/<attachment-circuit><name>port-office/,/<\/attachment-circuit>/d;/<attachment-circuit><name>branch/,/<\/attachment-circuit>/d' > "$badm"
[ "$(grep -c '<attachment-circuit>' "$badm")" = 1 ] || { echo "the one-circuit edit did not apply"; fail=1; }
# shellcheck disable=SC2086
if yanglint -p yang/ietf -p yang -t config $AUG "$badm" 2>/dev/null; then
    echo "a multipoint VPN with one attachment circuit was accepted"; fail=1
fi
sed 's|<vpls-id>4100</vpls-id>|<vpls-id>4100</vpls-id><route-target>65000:1</route-target>|' \
    examples/enterprise-wan/service.xml > "$badm"
# shellcheck disable=SC2086
if yanglint -p yang/ietf -p yang -t config $AUG "$badm" 2>/dev/null; then
    echo "a route-target on an LDP multipoint VPN was accepted"; fail=1
fi
rm -f "$badm"
# A secret value cannot be put in the inventory: only env:NAME or file:/path.
bad=$(mktemp --suffix=.xml); trap 'rm -f "$bad"' EXIT
sed 's|env:NST_AWS_DX_BGP_KEY|s3cret|' examples/twcc-ccx-aws/inventory.xml > "$bad"
if yanglint -p yang/ietf -t config yang/netstitch-inventory.yang "$bad" 2>/dev/null; then
    echo "inventory accepted a literal secret"; fail=1
fi
exit $fail
