#!/bin/sh
# Golden tests of `netstitch compile`: every driver and feature, byte for byte.
#
# Cases: the shipped example (examples/twcc-ccx-aws/service.xml), its multi-C-VLAN QinQ
# variant (service-multi-cvlan.xml), the Azure ExpressRoute and Google Cloud Interconnect
# examples, the five-site enterprise WAN (multipoint VPN, full mesh and hub-and-spoke, and
# the routed layer-3 VPN of the same five PEs), and
# every service under
# tests/compile/<area>/*.xml (per-vendor feature services, the five-vendor multipoint
# VPLS). For each case, `compile -o DIR` must exit 0 and DIR must equal
# tests/golden/compile/<case>/ exactly: the same file names (<device>.xml, <device>.cli,
# plan.json) and the same bytes. NST_GOLDEN_UPDATE=1 (make golden-update) rewrites the
# expected directories instead; review the diff.
#
# Also, for every case:
#   - a second compile gives the same bytes (determinism);
#   - every payload validates with yanglint, independently of libyang's use inside
#     netstitch, as a complete configuration against all device models;
#   - `compile --emit ir` validates against the IR schema (docs/ir.rng, xmllint) and
#     equals tests/golden/ir/<case>.xml byte for byte;
#   - no payload or CLI holds a secret: every auth-key-ref of the service appears only
#     as the placeholder $NST_SECRET{name}, and nothing else follows "authentication-key",
#     "password" or "encrypted" in the outputs.
set -u
cd "$TOP"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cases=""
for f in examples/twcc-ccx-aws/service.xml examples/twcc-ccx-aws/dual-stack/service.xml examples/twcc-ccx-aws/service-multi-cvlan.xml \
    examples/azure-expressroute/service.xml examples/gcp-interconnect/service.xml \
    examples/enterprise-wan/service.xml examples/enterprise-wan/service-hub-spoke.xml \
    examples/enterprise-wan/service-l3vpn.xml \
    examples/ibm-direct-link/service.xml tests/compile/*/*.xml; do
    [ -f "$f" ] && cases="$cases $f"
done

case_name() {
    if [ "$1" = examples/twcc-ccx-aws/service.xml ]; then
        echo twcc-ccx-aws
    elif [ "$1" = examples/twcc-ccx-aws/service-multi-cvlan.xml ]; then
        echo twcc-ccx-aws-multi-cvlan
    elif [ "$1" = examples/azure-expressroute/service.xml ]; then
        echo azure-expressroute
    elif [ "$1" = examples/gcp-interconnect/service.xml ]; then
        echo gcp-interconnect
    elif [ "$1" = examples/enterprise-wan/service.xml ]; then
        echo enterprise-wan
    elif [ "$1" = examples/enterprise-wan/service-hub-spoke.xml ]; then
        echo enterprise-wan-hub-spoke
    elif [ "$1" = examples/enterprise-wan/service-l3vpn.xml ]; then
        echo enterprise-wan-l3vpn
    elif [ "$1" = examples/ibm-direct-link/service.xml ]; then
        echo ibm-direct-link
    elif [ "$1" = examples/twcc-ccx-aws/dual-stack/service.xml ]; then
        echo twcc-ccx-aws-dual-stack
    else
        basename "$1" .xml
    fi
}

# yanglint over the payloads of one output directory.
paths="-p $TOP/yang/ietf"
mods=""
for d in "$TOP"/yang/devices/*/; do
    paths="$paths -p $d"
    mods="$mods $(ls "$d"*.yang)"
done
# Without yanglint the byte-for-byte comparisons still run, and the test then skips
# (exit 77) instead of passing: the payloads were not validated.
have_yanglint=0
command -v yanglint >/dev/null 2>&1 && have_yanglint=1
# The IR schema is checked with libxml2's xmllint (libxml2-utils): without it the test
# cannot check the IR at all, so it skips.
command -v xmllint >/dev/null 2>&1 || { echo "xmllint is not installed (libxml2-utils)"; exit 77; }

validate_payloads() {
    for x in "$1"/*.xml; do
        [ -f "$x" ] || continue
        # The payload is "<config ...>" NL body "</config>" NL; the body is the data.
        if head -n 1 "$x" | grep -q '/>$'; then
            continue
        fi
        sed '1d;$d' "$x" > "$tmp/body.xml"
        # shellcheck disable=SC2086
        if ! yanglint -i -i $paths -t config $mods "$tmp/body.xml" > "$tmp/yl" 2>&1 ||
           [ -s "$tmp/yl" ]; then
            echo "payload does not validate with yanglint: $x"
            sed 's/^/    /' "$tmp/yl" | head -n 10
            fail=1
        fi
    done
}

check_secrets() {
    svc=$1 dir=$2
    for ref in $(sed -n 's:.*<auth-key-ref>\(.*\)</auth-key-ref>.*:\1:p' "$svc" | sort -u); do
        grep -rq "\$NST_SECRET{$ref}" "$dir" || {
            echo "$(case_name "$svc"): no placeholder for secret $ref"; fail=1; }
    done
    if grep -rhE '(authentication-key|password|encrypted)' "$dir" --include='*.xml' \
           --include='*.cli' | grep -vqE '(\$NST_SECRET\{[^}]*\}|password-type|<password>|</password>)'; then
        echo "$(case_name "$svc"): a key that is not a placeholder:"
        grep -rhE '(authentication-key|password|encrypted)' "$dir" --include='*.xml' \
            --include='*.cli' | grep -vE '\$NST_SECRET\{' | sed 's/^/    /'
        fail=1
    fi
}

for svc in $cases; do
    name=$(case_name "$svc")
    out="$tmp/$name"
    exp="tests/golden/compile/$name"
    if ! "$NETSTITCH" compile "$svc" -o "$out" > "$tmp/stdout" 2> "$tmp/stderr"; then
        echo "compile failed: $svc"
        sed 's/^/    /' "$tmp/stderr" | head -n 20
        fail=1
        continue
    fi
    if ! "$NETSTITCH" compile --emit ir "$svc" > "$tmp/ir.xml" 2> "$tmp/stderr"; then
        echo "compile --emit ir failed: $svc"
        fail=1
    elif ! xmllint --noout --relaxng docs/ir.rng "$tmp/ir.xml" > "$tmp/rng" 2>&1; then
        echo "the IR of $svc does not validate against docs/ir.rng:"
        grep -v 'validates$' "$tmp/rng" | head -n 10 | sed 's/^/    /'
        fail=1
    fi
    if [ "${NST_GOLDEN_UPDATE:-}" = 1 ]; then
        rm -rf "$exp"
        mkdir -p "$exp" tests/golden/ir
        cp "$out"/* "$exp"/
        cp "$tmp/ir.xml" "tests/golden/ir/$name.xml"
        echo "updated $exp and tests/golden/ir/$name.xml"
        continue
    fi
    if ! diff -u "tests/golden/ir/$name.xml" "$tmp/ir.xml" > "$tmp/diff"; then
        echo "golden IR mismatch: $svc (expected tests/golden/ir/$name.xml)"
        head -n 40 "$tmp/diff"
        fail=1
    fi
    if ! diff -ru "$exp" "$out" > "$tmp/diff"; then
        echo "golden mismatch: $svc (expected $exp)"
        head -n 60 "$tmp/diff"
        fail=1
    fi
    "$NETSTITCH" compile "$svc" -o "$out.again" > /dev/null 2>&1
    diff -r "$out" "$out.again" > /dev/null || { echo "not deterministic: $svc"; fail=1; }
    [ $have_yanglint = 1 ] && validate_payloads "$out"
    check_secrets "$svc" "$out"
done

# The stitched QinQ of the example, on both sides of each stitch (docs/vendors.md A.2, A.6):
ex=tests/golden/compile/twcc-ccx-aws
if [ "${NST_GOLDEN_UPDATE:-}" != 1 ]; then
    # Junos: QinQ port at media MTU 1522, TPID per unit, both tags.
    grep -q '<mtu>1522</mtu>' "$ex/twaren-taichung.xml" &&
    grep -q '<outer>0x88a8.3100</outer>' "$ex/twaren-taichung.xml" &&
    grep -q '<inner>2101</inner>' "$ex/twaren-taichung.xml" || {
        echo "twaren-taichung: QinQ 0x88a8 3100/2101 at MTU 1522 missing"; fail=1; }
    # IOS-XR: dot1ad S3100/C2101 towards Taichung, dot1q 1100/2101 towards CCX, both pop 2.
    grep -q 'encapsulation dot1ad 3100 dot1q 2101' "$ex/partner-ccx.cli" &&
    grep -q 'encapsulation dot1q 1100 second-dot1q 2101' "$ex/partner-ccx.cli" &&
    [ "$(grep -c 'rewrite ingress tag pop 2 symmetric' "$ex/partner-ccx.cli")" = 2 ] || {
        echo "partner-ccx: the two QinQ attachment circuits or their pops are wrong"; fail=1; }
    # SR OS: QinQ port, SAP 1/1/1:1100.2101 joined with the null port, service MTU 1514.
    grep -q '<sap-id>1/1/1:1100.2101</sap-id>' "$ex/ccx-pe.xml" &&
    grep -q '<encap-type>qinq</encap-type>' "$ex/ccx-pe.xml" &&
    grep -q '<service-mtu>1514</service-mtu>' "$ex/ccx-pe.xml" || {
        echo "ccx-pe: QinQ SAP or service MTU wrong"; fail=1; }
fi
if [ $fail = 0 ] && [ $have_yanglint = 0 ]; then
    echo "yanglint is not installed (libyang2-tools): payloads compared but not validated"
    exit 77
fi
exit $fail
