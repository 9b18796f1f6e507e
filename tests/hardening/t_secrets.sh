#!/bin/sh
# Secrets. The example's VRP router twcc-edge, simulated by netsim, takes an SSH password
# and already holds a BGP key of its own (Dev1ce-0wn-K3y) where the service puts its
# key; the service's key and the password come from 0600 files.
#   - diff (tree, json, xml) shows the router's own key redacted and never the service's;
#   - push (text and json), rollback --list, rollback, recover print no secret;
#   - the state directory holds no secret of netstitch; the router's own key only in the
#     snapshot it must restore (dev-*.before.xml), and rollback restores it;
#   - a router that echoes the key in an <rpc-error> (raw and XML-escaped) has it scrubbed
#     from the report, the journal and the log;
#   - after a push through the API and nst_txn_free(), no copy of the key (raw or escaped)
#     or of the password is left in the process's memory (labtest_secrets).
. "$TOP/tests/push/common.sh"
start=$(date +%s)
LT=$TOP/$BUILD/tests/labtest_secrets
[ -x "$LT" ] || fail "$LT not built"
PW='S3cr3t-Pa55-w0rd'
KEY='Bgp-K3y&<s3cret>'
KEY_ESC='Bgp-K3y&amp;&lt;s3cret&gt;'
OWN='Dev1ce-0wn-K3y'
SVC=$TOP/examples/twcc-ccx-aws/service.xml
# The example's VRP router: its payload carries the BGP key as $NST_SECRET{bgp-twcc-ccx};
# the router starts with the same configuration holding a key of its own.
"$NETSTITCH" compile "$SVC" -o "$WORK/all" >/dev/null 2>&1 || fail "compile"
mkdir -p "$WORK/p"
cp "$WORK/all/twcc-edge.xml" "$WORK/p/twcc-edge.xml"
grep -q 'NST_SECRET{bgp-twcc-ccx}' "$WORK/p/twcc-edge.xml" || fail "no key placeholder"
sed "s|\$NST_SECRET{bgp-twcc-ccx}|$OWN|; s|<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">||; s|</config>||" \
    "$WORK/p/twcc-edge.xml" >"$WORK/startup.xml"
netsim_up "twcc-edge:vrp:startup=$WORK/startup.xml,password=$PW"
X=$NS/state/twcc-edge
export LAB_CLIENT_KEY_ED25519=$NS/client NC_USER=admin
printf '%s\n' "$PW" >"$WORK/pw"
printf '%s\n' "$KEY" >"$WORK/key"
chmod 0600 "$WORK/pw" "$WORK/key"
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    ns_devices_xml | sed "s|<auth><private-key>[^<]*</private-key></auth>|<auth><password>file:$WORK/pw</password></auth>|"
    echo "<secret><name>bgp-twcc-ccx</name><source>file:$WORK/key</source></secret>"
    echo '</inventory>'
} >"$INV"
grep -q "<password>file:" "$INV" || fail "inventory without password auth"
grep -qF "$OWN" "$X/running.xml" || fail "the router does not hold its own key"

# clean NAME FILE...: none of the secrets, nor the router's own key, in FILE...
clean() {
    name=$1
    shift
    for f in "$@"; do
        for s in "$KEY" "$KEY_ESC" "$PW" "$OWN"; do
            if grep -qF -- "$s" "$f"; then
                grep -nF -- "$s" "$f" | head -3
                fail "$name: a secret in $f"
            fi
        done
    done
}

# 1. diff: the router's own key redacted, never shown.
for fmt in tree json xml; do
    run_cmd "diff-$fmt" diff "$SVC" --inventory "$INV" --payloads "$WORK/p" --no-state \
        --state-dir "$STATE" --format "$fmt" --color never
    [ "$RC" = 3 ] || { cat "$WORK/diff-$fmt.out" "$WORK/diff-$fmt.err"; fail "diff $fmt: exit $RC"; }
    clean "diff $fmt" "$WORK/diff-$fmt.out" "$WORK/diff-$fmt.err"
done
assert_grep "********" "$WORK/diff-tree.out"
echo "ok: diff in three formats shows no key, the router's own redacted"

# 2. push, text and json, then rollback --list and rollback.
run_push push --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p"
assert_rc 0 push
clean push "$WORK/push.out" "$WORK/push.err"
TX=$(sed -n 's/^push \([^:]*\): .*/\1/p' "$WORK/push.out")
grep -qF "<password-text>$KEY_ESC</password-text>" "$X/running.xml" \
    || fail "the key did not reach the router"
run_cmd list rollback --list --state-dir "$STATE"
clean list "$WORK/list.out" "$WORK/list.err"
run_cmd rb rollback "$TX" --inventory "$INV" --state-dir "$STATE" --format json
assert_rc 0 rb
clean rollback "$WORK/rb.out" "$WORK/rb.err"
grep -qF "<password-text>$OWN</password-text>" "$X/running.xml" \
    || fail "rollback did not give the router its own key back"
run_cmd rec recover --inventory "$INV" --state-dir "$STATE"
clean recover "$WORK/rec.out" "$WORK/rec.err"
echo "ok: push, rollback --list, rollback, recover print no secret; rollback restored the router's key"

# 3. The state directory: no secret of netstitch; the router's key only in snapshots (and
#    the rollback that restores one).
for s in "$KEY" "$KEY_ESC" "$PW"; do
    ! grep -rqF -- "$s" "$STATE" || { grep -rlF -- "$s" "$STATE"; fail "a secret in the state directory"; }
done
# A rollback's payload restores the snapshot, so it carries the key too. The store is read
# with Python's own sqlite3 (tests/push/state.py).
$PY "$STATEPY" "$STATE" grep "$OWN" >"$WORK/own-key.where" || fail "cannot read the state store"
while read -r kind scope owner name; do
    case $kind:$scope:$name in
        record:T:dev-*.before.xml | record:T:dev-*.after.xml) ;;
        record:T:dev-*.payload.xml) $PY "$STATEPY" "$STATE" record "$owner" plan \
            | grep -q '^kind rollback' || fail "the router's own key in a push payload: $owner $name" ;;
        *) fail "the router's own key outside a snapshot: $kind $scope $owner $name" ;;
    esac
done <"$WORK/own-key.where"
grep -q '^record T .* dev-0.before.xml$' "$WORK/own-key.where" \
    || fail "the snapshot lost the router's key"
echo "ok: the state directory holds the router's key only in the snapshot to restore"

# 4. A router that echoes the key in an rpc-error.
cat >"$X/echo.xml" <<XML
<rpc-reply message-id="\$MSGID" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><rpc-error><error-type>application</error-type><error-tag>invalid-value</error-tag><error-severity>error</error-severity><error-path>/huawei-network-instance:network-instance/instances/instance[name='$KEY_ESC']</error-path><error-message>bad key $KEY_ESC (was $OWN)</error-message><error-info><bad-element>$KEY_ESC</bad-element></error-info></rpc-error></rpc-reply>
XML
printf 'reply raw edit-config echo.xml\n' >"$X/faults"
for fmt in text json; do
    run_push "echo-$fmt" --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p" \
        --format "$fmt"
    assert_rc 1 "echo-$fmt"
    grep -q "bad key" "$WORK/echo-$fmt.out" || { cat "$WORK/echo-$fmt.out"; fail "echo: no error shown"; }
    for s in "$KEY" "$KEY_ESC" "$PW"; do
        ! grep -qF -- "$s" "$WORK/echo-$fmt.out" "$WORK/echo-$fmt.err" \
            || fail "echo $fmt: the key echoed by the router was not scrubbed"
    done
done
rm -f "$X/faults"
for s in "$KEY" "$KEY_ESC" "$PW"; do
    ! grep -rqF -- "$s" "$STATE" || { grep -rlF -- "$s" "$STATE"; fail "echo: a secret in the state directory"; }
done
echo "ok: a key echoed in an rpc-error is scrubbed from the report, journal and log"

# 5. Memory.
# (common.sh exports the same key for other tests: not in this process's environment.
# AddressSanitizer's allocator ignores M_PERTURB; its own fill does the same.)
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}max_free_fill_size=16777216:free_fill_byte=90" \
    env -u NST_TEST_BGP_KEY "$LT" "$INV" "$WORK/p" twcc-edge "$WORK/lt-state" "$WORK/key" \
    "$WORK/pw" >"$WORK/lt.out" 2>&1 \
    || { cat "$WORK/lt.out"; fail "labtest_secrets"; }
cat "$WORK/lt.out"
echo "t_secrets: ok in $(($(date +%s) - start)) s"
