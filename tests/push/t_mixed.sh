#!/bin/sh
# t_mixed.sh: one transaction across two NETCONF implementations: the yuma123 lab (a, b:
# candidate + confirmed-commit 1.1; c: running only; toy lab-net model) and two
# netstitch-netsim devices (j: junos profile, confirmed-commit 1.0; e: eos profile,
# candidate only; netsim test model). Each device gets a payload in its own model.
#   reject-commit   netsim's j refuses its commit: all five end as they started, the yuma
#                   devices included (cancel-commit, snapshot restore)
#   push            all five commit
#   rollback        all five back as before the push
. "$(dirname "$0")/common.sh"
start=$(date +%s)
lab_up
MODELS=$TOP/tests/netsim/models/a
netsim_up "j:junos:modules-dir=$MODELS e:eos:modules-dir=$MODELS"
INV_EXTRA=$(ns_devices_xml) gen_inv "$WORK/inv.xml"
INV=$WORK/inv.xml
gen_payloads "$WORK/p1" ge-0/0/7 9000
for d in j e; do
    cat >"$WORK/p1/$d.xml" <<EOF
<interfaces xmlns="urn:netstitch:netsim:test-a">
  <interface><name>ge-0/0/7</name><description>key \$NST_SECRET{bgp-key}</description>
    <mtu>9000</mtu></interface>
</interfaces>
EOF
done
msnap() {
    $PY "$NCPY" dump "$1.yuma" a b c || fail "ncclient (yuma)"
    NC_USER=admin LAB_CLIENT_KEY_ED25519=$NS/client $PY "$NCPY" dump "$1.ns" j e \
        || fail "ncclient (netsim)"
    cat "$1.yuma" "$1.ns" >"$1"
}
msnap "$WORK/before"

printf 'reject-commit\n' >"$NS/state/j/faults"
run_push reject --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p1" --jobs 1
rm -f "$NS/state/j/faults"
assert_rc 1 reject
assert_grep "device j failed at commit-confirmed: rpc-error: commit rejected by fault injection" \
    "$WORK/reject.out"
grep -q '^  a .*confirmed-commit   restored' "$WORK/reject.out" || fail "reject: a not restored"
grep -q '^  c .*running+restore    restored' "$WORK/reject.out" || fail "reject: c not restored"
grep -q '^  e .*candidate+restore  restored' "$WORK/reject.out" || fail "reject: e not restored"
msnap "$WORK/after-reject"
assert_same "$WORK/before" "$WORK/after-reject" "reject: a device did not end as it started"
echo "ok: a commit refused by netsim undoes the yuma devices too"

run_push push --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p1"
assert_rc 0 push
TX=$(sed -n 's/^push \([^:]*\): .*/\1/p' "$WORK/push.out")
msnap "$WORK/after-push"
[ "$(grep -c 'interface/name = ge-0/0/7' "$WORK/after-push")" = 5 ] \
    || fail "push: the change is not on all five devices"
run_cmd rb rollback "$TX" --inventory "$INV" --state-dir "$STATE"
assert_rc 0 rb
msnap "$WORK/after-rb"
assert_same "$WORK/before" "$WORK/after-rb" "rollback across yuma and netsim"
echo "ok: push and rollback across yuma and netsim"

no_secrets "$WORK"/*.out "$WORK"/*.err "$STATE"
echo "t_mixed: ok in $(($(date +%s) - start)) s"
