#!/bin/sh
# Device-model checks: the vendor YANG subsets in yang/devices/<vendor>/ are what
# every payload the drivers emit is validated against, so this script holds them
# to four promises.
#
#  1. Each module passes yanglint on its own with no output at all (no warning),
#     and says in its description that it is a netstitch subset.
#  2. All modules of all vendors load together into one libyang context (the
#     simulator does exactly that), alone and with yang/ietf, again with no output.
#  3. Every positive payload in tests/devices/payloads/<vendor>/ validates in that
#     shared context: skel-*.xml (the docs/vendors.md skeletons, made complete) and
#     full-*.xml (our richer examples) as configuration (-t config); state-*.get.xml
#     as <get> data (-t get); state-*.reply.xml as the reply to the matching
#     state-*.rpc.xml (-t nc-reply).
#  4. Every neg-*.xml is rejected, and for the reason its "<!-- expect: TEXT -->"
#     line names (TEXT must appear in yanglint's error output), so a negative
#     payload cannot pass by failing for an unrelated typo.
#
# Run from the top of the tree (make check does). Exit 0 pass, 77 skip, 1 fail.
set -u
TOP=${TOP:-$(pwd)}
DEV="$TOP/yang/devices"
PAY="$TOP/tests/devices/payloads"
VENDORS="junos iosxr sros vrp openconfig eos"

if ! command -v yanglint >/dev/null 2>&1; then
    echo "yanglint not installed"
    exit 77
fi

pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

ok() {
    pass=$((pass + 1))
}

bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
    [ -s "$tmp/out" ] && sed 's/^/    /' "$tmp/out" | head -n 20
}

# Search path: every vendor directory plus the IETF modules.
paths="-p $TOP/yang/ietf"
mods=""
for v in $VENDORS; do
    paths="$paths -p $DEV/$v"
    for m in "$DEV/$v"/*.yang; do
        [ -f "$m" ] || continue
        mods="$mods $m"
    done
done

if [ -z "$mods" ]; then
    echo "no device modules found under $DEV"
    exit 1
fi

# 1. Each module alone: clean, and marked as a netstitch subset.
nmods=0
for m in $mods; do
    nmods=$((nmods + 1))
    # shellcheck disable=SC2086
    # -i -i: every module implemented, as in the simulator; identities used in
    # defaults and XPath must come from implemented modules
    # (libyang rejects or warns about them otherwise).
    yanglint -D -i -i $paths "$m" >"$tmp/out" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || [ -s "$tmp/out" ]; then
        bad "yanglint $m (rc=$rc, output above must be empty)"
    else
        ok
    fi
    if grep -q "netstitch subset" "$m" && grep -q "^ *revision \"\{0,1\}[0-9]\{4\}-" "$m"; then
        ok
    else
        : >"$tmp/out"
        bad "$m: description must say 'netstitch subset' and carry the upstream revision"
    fi
    # The file name must be <module>@<revision>.yang, as in the vendor trees.
    name=$(sed -n 's/^ *\(sub\)\{0,1\}module \([^ {]*\).*/\2/p' "$m" | head -n 1)
    rev=$(sed -n 's/^ *revision "\{0,1\}\([0-9]\{4\}-[0-9-]*\)"\{0,1\} *{.*/\1/p' "$m" | head -n 1)
    if [ "$(basename "$m")" = "$name@$rev.yang" ]; then
        ok
    else
        : >"$tmp/out"
        bad "$m: file name should be $name@$rev.yang"
    fi
done

# 2. All modules of all vendors in one context.
# shellcheck disable=SC2086
yanglint -D $paths $mods >"$tmp/out" 2>&1
rc=$?
if [ $rc -ne 0 ] || [ -s "$tmp/out" ]; then
    bad "all $nmods device modules together in one context (rc=$rc)"
else
    ok
fi

# The same, together with the IETF NETCONF modules the client and simulator load.
# shellcheck disable=SC2086
# ietf-netconf-notifications@2012-02-06 draws a known libyang XPath warning of its
# own (../confirm-event); only that one is tolerated.
yanglint -D $paths "$TOP"/yang/ietf/*.yang $mods >"$tmp/all" 2>&1
rc=$?
grep -v 'ietf-netconf-notifications:netconf-confirmed-commit' "$tmp/all" >"$tmp/out"
if [ $rc -ne 0 ] || [ -s "$tmp/out" ]; then
    bad "device modules plus yang/ietf in one context (rc=$rc)"
else
    ok
fi

# 3 and 4. Payloads, each validated in the shared context.
npay=0
for v in $VENDORS; do
    d="$PAY/$v"
    # A vendor whose models are not written yet has nothing to validate against.
    ls "$DEV/$v"/*.yang >/dev/null 2>&1 || continue
    [ -d "$d" ] || { : >"$tmp/out"; bad "missing payload directory $d"; continue; }
    nv=0
    for f in "$d"/skel-*.xml "$d"/full-*.xml; do
        [ -f "$f" ] || continue
        nv=$((nv + 1))
        # shellcheck disable=SC2086
        yanglint -D $paths -t config -e $mods "$f" >"$tmp/out" 2>&1
        rc=$?
        if [ $rc -ne 0 ] || [ -s "$tmp/out" ]; then
            bad "$v/$(basename "$f") should validate as config (rc=$rc)"
        else
            ok
        fi
    done
    for f in "$d"/state-*.get.xml; do
        [ -f "$f" ] || continue
        nv=$((nv + 1))
        # shellcheck disable=SC2086
        yanglint -D $paths -t get $mods "$f" >"$tmp/out" 2>&1
        rc=$?
        if [ $rc -ne 0 ] || [ -s "$tmp/out" ]; then
            bad "$v/$(basename "$f") should validate as <get> data (rc=$rc)"
        else
            ok
        fi
    done
    for f in "$d"/state-*.reply.xml; do
        [ -f "$f" ] || continue
        nv=$((nv + 1))
        r="${f%.reply.xml}.rpc.xml"
        # shellcheck disable=SC2086
        yanglint -D $paths -t nc-reply -R "$r" $mods "$f" >"$tmp/out" 2>&1
        rc=$?
        if [ $rc -ne 0 ] || [ -s "$tmp/out" ]; then
            bad "$v/$(basename "$f") should validate as the reply to $(basename "$r") (rc=$rc)"
        else
            ok
        fi
    done
    nneg=0
    for f in "$d"/neg-*.xml; do
        [ -f "$f" ] || continue
        nv=$((nv + 1))
        nneg=$((nneg + 1))
        expect=$(sed -n 's/^<!-- expect: \(.*\) -->$/\1/p' "$f" | head -n 1)
        if [ -z "$expect" ]; then
            : >"$tmp/out"
            bad "$v/$(basename "$f") has no '<!-- expect: ... -->' line"
            continue
        fi
        type=config
        case "$f" in *.get.xml) type=get ;; esac
        # shellcheck disable=SC2086
        yanglint -D $paths -t $type -e $mods "$f" >"$tmp/out" 2>&1
        rc=$?
        if [ $rc -eq 0 ]; then
            bad "$v/$(basename "$f") must be rejected but validated"
        elif ! grep -qF -- "$expect" "$tmp/out"; then
            bad "$v/$(basename "$f") rejected, but not with '$expect'"
        else
            ok
        fi
    done
    if [ "$nneg" -lt 4 ]; then
        : >"$tmp/out"
        bad "$v: only $nneg negative payloads (want at least 4)"
    fi
    npay=$((npay + nv))
done

echo "device models: $nmods modules, $npay payloads"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
