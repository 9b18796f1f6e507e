#!/bin/sh
# Golden tests: the shipped example and its broken variants, checked, byte for byte
# against tests/golden/check/<name>.out (text output, then the exit status).
# NST_GOLDEN_UPDATE=1 (make golden-update) rewrites the expected files; review the diff.
set -u
cd "$TOP"
fail=0
for f in examples/twcc-ccx-aws/service.xml examples/twcc-ccx-aws/service.json \
         examples/twcc-ccx-aws/dual-stack/service.xml examples/twcc-ccx-aws/broken/*.xml; do
    name=$(basename "$f" | sed 's/\.[a-z]*$//')
    [ "$(basename "$f")" = service.json ] && name=service-json
    [ "$f" = examples/twcc-ccx-aws/dual-stack/service.xml ] && name=dual-stack
    exp=tests/golden/check/$name.out
    got=$("$NETSTITCH" check "$f" 2>/dev/null; echo "exit $?")
    if [ "${NST_GOLDEN_UPDATE:-}" = 1 ]; then
        printf '%s\n' "$got" > "$exp"; echo "updated $exp"; continue
    fi
    if ! printf '%s\n' "$got" | diff -u "$exp" - ; then
        echo "golden mismatch: $f"; fail=1
    fi
done
# Both encodings of the example must give the same diagnostics, line numbers aside.
a=$(sed -e 's/^[^ ]* //' tests/golden/check/service.out)
b=$(sed -e 's/^[^ ]* //' tests/golden/check/service-json.out)
[ "$a" = "$b" ] || { echo "XML and JSON instances disagree"; fail=1; }
# The broken variants must each fail (exit 1) with their own error code.
grep -q "error MTU-FIXED-SEGMENT: .*largest IP MTU this path can carry is 1496" \
    tests/golden/check/twcc-ccx-aws-mtu-1496.out || fail=1
grep -q "error IP-OVERLAP" tests/golden/check/twcc-ccx-aws-overlap.out || fail=1
grep -q "error BGP-PEER-ASN-MISMATCH" tests/golden/check/twcc-ccx-aws-bgp-mismatch.out || fail=1
# The dual-stack example passes; its broken variant fails on the IPv6 overlap of the hidden
# transit subnet with the VPC, naming both places (issue 13).
tail -1 tests/golden/check/dual-stack.out | grep -qx "exit 0" || fail=1
grep -q "error IP-OVERLAP: prefix of site aws 2001:db8:2222::/56 overlaps transit subnet twcc/gateway-edge6 2001:db8:2222:ff::/64 (examples/twcc-ccx-aws/broken/twcc-ccx-aws-ipv6-overlap.xml:31)" \
    tests/golden/check/twcc-ccx-aws-ipv6-overlap.out || fail=1
tail -1 tests/golden/check/twcc-ccx-aws-ipv6-overlap.out | grep -qx "exit 1" || fail=1
exit $fail
