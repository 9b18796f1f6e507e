#!/bin/sh
# The cloud on-ramp examples (issue 14): each shipped service checks clean (exit 0) and
# compiles for every vendor in it; each broken variant exits 1 with the code of the rule
# it breaks (one variant per cloud rule), and that code's hint is the provider's rule.
# Also the multi-C-VLAN variant of the TWCC example.
set -u
: "${NETSTITCH:?}" "${TOP:?}"
cd "$TOP" || exit 2
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for f in examples/azure-expressroute/service.xml examples/gcp-interconnect/service.xml \
    examples/ibm-direct-link/service.xml examples/twcc-ccx-aws/service-multi-cvlan.xml; do
    if ! "$NETSTITCH" check "$f" >"$tmp/out" 2>&1; then
        echo "FAIL: $f does not check clean:"; cat "$tmp/out"; fail=1
    fi
    if grep -q ' warning ' "$tmp/out"; then
        echo "FAIL: $f has warnings:"; grep ' warning ' "$tmp/out"; fail=1
    fi
    rm -rf "$tmp/c"
    if ! "$NETSTITCH" compile "$f" -o "$tmp/c" >"$tmp/out" 2>&1; then
        echo "FAIL: $f does not compile:"; cat "$tmp/out"; fail=1
    fi
done

# variant file -> the code it must report
while read -r f code; do
    [ -n "$f" ] || continue
    "$NETSTITCH" check --format json "$f" >"$tmp/out" 2>/dev/null
    rc=$?
    if [ "$rc" != 1 ]; then
        echo "FAIL: $f exits $rc, not 1"; fail=1
    fi
    if ! grep -q "\"code\":\"$code\"" "$tmp/out" && ! grep -q "\"code\": \"$code\"" "$tmp/out"; then
        echo "FAIL: $f does not report $code:"; cat "$tmp/out"; fail=1
    fi
done <<'LIST'
examples/azure-expressroute/broken/er-customer-asn-reserved.xml ONRAMP-CUSTOMER-ASN
examples/azure-expressroute/broken/er-subnet-29.xml ONRAMP-SUBNET-SIZE
examples/azure-expressroute/broken/er-addresses-swapped.xml ONRAMP-ADDRESS
examples/azure-expressroute/broken/er-one-leg.xml ONRAMP-LEGS
examples/azure-expressroute/broken/er-mtu-9000.xml ONRAMP-MTU
examples/azure-expressroute/broken/er-same-edge.xml ONRAMP-EDGE-DOMAIN
examples/azure-expressroute/broken/er-shared-port-mtu.xml SHARED-PORT-MTU
examples/azure-expressroute/broken/er-two-primaries.xml REDUNDANCY-ROLES
examples/gcp-interconnect/broken/gcp-not-link-local.xml ONRAMP-SUBNET-RANGE
examples/gcp-interconnect/broken/gcp-mtu-1400.xml ONRAMP-MTU
examples/gcp-interconnect/broken/gcp-same-edge-domain.xml ONRAMP-EDGE-DOMAIN
examples/gcp-interconnect/broken/gcp-partner-asn.xml ONRAMP-PROVIDER-ASN
examples/gcp-interconnect/broken/gcp-customer-asn-16550.xml ONRAMP-CUSTOMER-ASN
examples/ibm-direct-link/broken/ibm-customer-asn-13884.xml ONRAMP-CUSTOMER-ASN
examples/ibm-direct-link/broken/ibm-subnet-29.xml ONRAMP-SUBNET-SIZE
examples/ibm-direct-link/broken/ibm-provider-asn.xml ONRAMP-PROVIDER-ASN
examples/ibm-direct-link/broken/ibm-qinq.xml ONRAMP-ENCAPSULATION
examples/twcc-ccx-aws/broken/twcc-ccx-aws-dx-asn.xml AWS-DX-ASN
examples/twcc-ccx-aws/broken/twcc-ccx-aws-dx-mtu-9000.xml AWS-DX-MTU
examples/twcc-ccx-aws/broken/twcc-ccx-aws-dx-prefixes.xml AWS-DX-PREFIX-LIMIT
examples/twcc-ccx-aws/broken/twcc-ccx-aws-dx-qinq.xml AWS-DX-VLAN
LIST

# Google advises two attachments (no SLA with one) but does not refuse one: a warning.
"$NETSTITCH" check --format json examples/gcp-interconnect/broken/gcp-one-attachment.xml >"$tmp/out" 2>/dev/null
rc=$?
if [ "$rc" != 0 ] || ! grep -q '"code":"ONRAMP-LEGS-ADVISED"' "$tmp/out"; then
    echo "FAIL: one Google attachment: exit $rc, want 0 with ONRAMP-LEGS-ADVISED:"; cat "$tmp/out"; fail=1
fi

# A size rule names every size the provider allows, each as a prefix length.
"$NETSTITCH" check examples/ibm-direct-link/broken/ibm-subnet-29.xml >"$tmp/out" 2>&1
if ! grep -q 'IBM Cloud Direct Link peers on a /30 or /31 subnet, but link-subnet 172.16.120.0/29 is /29' "$tmp/out"; then
    echo "FAIL: the ONRAMP-SUBNET-SIZE message does not list /30 or /31:"; cat "$tmp/out"; fail=1
fi

# The hint of an on-ramp finding is the provider's rule, with its source.
"$NETSTITCH" check -v examples/azure-expressroute/broken/er-one-leg.xml >"$tmp/out" 2>&1
if ! grep -q 'hint: Azure ExpressRoute: .*both BGP sessions.*(https://learn.microsoft.com/' "$tmp/out"; then
    echo "FAIL: the ONRAMP-LEGS hint is not ExpressRoute's rule:"; cat "$tmp/out"; fail=1
fi

[ "$fail" = 0 ] && echo "ok: on-ramp examples and their broken variants"
exit "$fail"
