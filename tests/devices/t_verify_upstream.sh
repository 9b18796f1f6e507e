#!/bin/sh
# scripts/verify-upstream.py checks the device-model subsets against the vendors' published
# YANG; the real upstream trees are not in the repository (CI has no network), so this test
# runs the tool against a stand-in "upstream": a copy of the VRP subset, first unchanged
# (every node must compare OK and every positive payload validate), then with the defect
# of issue 11 put back (router-id in the global base-process instead of the public
# instance): the tool must report the public-instance router-id MISSING, and a payload with
# the global router-id must be refused by the real subset while the changed copy takes it.
# Then bare SR OS payloads against a copy of the SR OS subset (the tool's <config> stripping).
#
# Exit 0 pass, 77 skip (no yanglint or python3), 1 fail.
set -u
TOP=${TOP:-$(pwd)}
command -v yanglint >/dev/null 2>&1 || { echo "yanglint not installed"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed"; exit 77; }
S="$TOP/scripts/verify-upstream.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

mkdir "$tmp/up"
cp "$TOP"/yang/devices/vrp/*.yang "$TOP"/yang/ietf/ietf-inet-types*.yang "$tmp/up/"
mods=""
for f in "$TOP"/yang/devices/vrp/*.yang; do
    m=$(basename "$f" .yang)
    mods="$mods ${m%@*}"
done
files=""
for f in "$tmp"/up/huawei-*.yang; do files="$files $(basename "$f")"; done

# 1. The subset against itself: every node OK.
python3 "$S" nodes --ours "$TOP/yang/devices/vrp:$TOP/yang/ietf" --upstream "$tmp/up" \
    --load-opt "-i -i" --load "$mods" >"$tmp/same" 2>&1
summary=$(tail -n 1 "$tmp/same")
case "$summary" in
    *"'DIFF': 0, 'MISSING': 0"*) ;;
    *) echo "FAIL: subset against itself: $summary"; grep -v '^OK' "$tmp/same" | head; fail=1 ;;
esac
n=$(grep -c '^OK ' "$tmp/same")
[ "$n" -ge 100 ] || { echo "FAIL: only $n nodes compared"; fail=1; }

# 2. Positive payloads validate against the copy; the global router-id does not.
# shellcheck disable=SC2086
python3 "$S" payloads --upstream "$tmp/up" --load "$files" \
    "$TOP"/tests/devices/payloads/vrp/skel-*.xml "$TOP"/tests/devices/payloads/vrp/full-*.xml \
    >"$tmp/pos" 2>&1 || { echo "FAIL: positive VRP payloads"; cat "$tmp/pos"; fail=1; }
# shellcheck disable=SC2086
if python3 "$S" payloads --upstream "$tmp/up" --load "$files" \
    "$TOP/tests/devices/payloads/vrp/neg-global-router-id.xml" >"$tmp/neg" 2>&1; then
    echo "FAIL: the global router-id validated"; fail=1
elif ! grep -q 'Node "router-id" not found as a child of "base-process"' "$tmp/neg"; then
    echo "FAIL: global router-id refused for another reason"; cat "$tmp/neg"; fail=1
fi

# 3. The old, wrong model as "upstream": router-id moved back to the global base-process.
python3 - "$tmp/up/huawei-bgp@2022-10-16.yang" <<'EOF'
import re, sys
fn = sys.argv[1]
s = open(fn).read()
leaf = re.search(r'\n        leaf router-id \{.*?\n        \}', s, re.S)
assert leaf, 'router-id leaf not found'
s = s[:leaf.start()] + s[leaf.end():]
s = s.replace('      leaf as {', '      leaf router-id {\n        type inet:ipv4-address-no-zone;\n'
              '        description "Router ID (the defect of issue 11).";\n      }\n'
              '      leaf as {', 1)
open(fn, 'w').write(s)
EOF
python3 "$S" nodes --ours "$TOP/yang/devices/vrp:$TOP/yang/ietf" --upstream "$tmp/up" \
    --load-opt "-i -i" --load "$mods" >"$tmp/old" 2>&1
if ! grep -q '^MISSING /huawei-network-instance:network-instance/instances/instance/huawei-bgp:bgp/base-process/router-id$' "$tmp/old"; then
    echo "FAIL: the misplaced router-id was not reported"; tail -n 3 "$tmp/old"; fail=1
fi
# shellcheck disable=SC2086
python3 "$S" payloads --upstream "$tmp/up" --load "$files" \
    "$TOP/tests/devices/payloads/vrp/neg-global-router-id.xml" >"$tmp/neg2" 2>&1 ||
    { echo "FAIL: the wrong model refused its own shape"; cat "$tmp/neg2"; fail=1; }

# 4. A bare SR OS payload (its top element is <configure>, not the NETCONF <config>
#    wrapper of a golden) validates against a stand-in SR OS upstream: the tool once
#    stripped "<configure ...>" as if it were "<config>" and called every such payload
#    invalid ("Missing XML namespace"). A broken copy must still be refused.
mkdir "$tmp/up-sros"
cp "$TOP"/yang/devices/sros/nokia-conf@*.yang "$TOP"/yang/ietf/ietf-inet-types*.yang "$tmp/up-sros/"
sconf=$(basename "$TOP"/yang/devices/sros/nokia-conf@*.yang)
python3 "$S" payloads --upstream "$tmp/up-sros" --load "$sconf" \
    "$TOP/tests/devices/payloads/sros/full-l3vpn.xml" >"$tmp/sros" 2>&1 ||
    { echo "FAIL: a bare SR OS payload"; cat "$tmp/sros"; fail=1; }
sed 's|<resolution>any</resolution>|<resolution>all</resolution>|' \
    "$TOP/tests/devices/payloads/sros/full-l3vpn.xml" > "$tmp/sros-bad.xml"
if python3 "$S" payloads --upstream "$tmp/up-sros" --load "$sconf" "$tmp/sros-bad.xml" \
    >"$tmp/sros-neg" 2>&1; then
    echo "FAIL: an invalid SR OS payload validated"; fail=1
elif ! grep -q 'Invalid enumeration value "all"' "$tmp/sros-neg"; then
    echo "FAIL: the invalid SR OS payload refused for another reason"; cat "$tmp/sros-neg"; fail=1
fi

[ "$fail" -eq 0 ] && echo "verify-upstream: $n VRP nodes compared; defect 3 detected"
exit "$fail"
