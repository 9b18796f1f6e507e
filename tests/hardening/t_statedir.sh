#!/bin/sh
# State directory safety, through the command: created 0700 with every file 0600 even
# under umask 000; refused (exit 2, nothing touched) when group/world-writable, not a
# directory, a symbolic link or owned by another user; and the device locks: while one
# push holds a router, a second push to it, under the same or another inventory name,
# exits 5 naming the router and the holder, and touches nothing; a push to other routers
# runs meanwhile.
. "$TOP/tests/push/common.sh"
start=$(date +%s)
MODELS=$TOP/tests/netsim/models/a
NSA=urn:netstitch:netsim:test-a
M="modules-dir=$MODELS"
netsim_up "p:iosxr:$M q:iosxr:$M"
DEVS="p q"
export LAB_CLIENT_KEY_ED25519=$NS/client NC_USER=admin
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    ns_devices_xml
    # The same router as p under another name.
    echo "$(ns_devices_xml | sed -n '1,5p' | sed 's|<name>p</name>|<name>p-alias</name>|')"
    echo '<secret><name>bgp-key</name><source>env:NST_TEST_BGP_KEY</source></secret>'
    echo '</inventory>'
} >"$INV"
grep -q '<name>p-alias</name>' "$INV" || fail "inventory alias"
payload() {
    mkdir -p "$1"
    cat >"$1/$2.xml" <<XML
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <system xmlns="$NSA"><authentication-key>\$NST_SECRET{bgp-key}</authentication-key></system>
  <interfaces xmlns="$NSA"><interface><name>ge-0/0/1</name><mtu>$3</mtu></interface></interfaces>
</config>
XML
}
payload "$WORK/pp" p 9000
payload "$WORK/qq" q 9000
payload "$WORK/alias" p-alias 9100

# 1. Created private under umask 000.
ST=$WORK/new/state
(umask 000 && "$NETSTITCH" push --inventory "$INV" --state-dir "$ST" --payloads "$WORK/pp" \
    >"$WORK/u.out" 2>"$WORK/u.err")
RC=$?
assert_rc 0 u
bad=$(find "$ST" -path '*/.fetch-*/*' -prune -o \( -type f ! -perm 0600 -print \) -o \
    \( -type d ! -perm 0700 -print \))
[ -z "$bad" ] || { ls -la $bad; fail "umask 000: state entries not 0600/0700"; }
no_secrets "$ST" "$WORK/u.out" "$WORK/u.err"
echo "ok: created 0700/0600 under umask 000, no secret in it"

# 2. Unsafe state directories are refused before any device is touched.
refused() {
    name=$(echo "$1" | tr ' ' '-')
    run_push "$name" --inventory "$INV" --state-dir "$2" --payloads "$WORK/pp"
    assert_rc 2 "$name"
    grep -q "$3" "$WORK/$name.err" "$WORK/$name.out" || {
        cat "$WORK/$name.err"
        fail "$name: no '$3'"
    }
    [ "$(grep -c 'rpc=edit-config' "$NS/state/p/rpc.log")" = "$edits" ] \
        || fail "$name: p was edited"
    echo "ok: $name refused"
}
edits=$(grep -c 'rpc=edit-config' "$NS/state/p/rpc.log")
mkdir -p "$WORK/ww" && chmod 0777 "$WORK/ww"
refused world-writable "$WORK/ww" "writable"
mkdir -p "$WORK/gw" && chmod 0770 "$WORK/gw"
refused group-writable "$WORK/gw" "writable"
# A symbolic link is followed (a state directory on another disk), but what it points
# to is checked.
ln -s "$WORK/ww" "$WORK/link"
refused "symlink to a world-writable directory" "$WORK/link" "writable"
: >"$WORK/file"
refused not-a-directory "$WORK/file" "directory"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    mkdir -p "$WORK/theirs" && chmod 0700 "$WORK/theirs" && chown nobody "$WORK/theirs"
    refused other-owner "$WORK/theirs" "owned\|owner"
fi

# 3. Device locks: p held by a paused push.
STATE=$WORK/state
start_paused p:snapshot hold push --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/pp"
HOLD=$BG
HOLD_PAUSE=$PAUSE
edits=$(grep -c 'rpc=edit-config' "$NS/state/p/rpc.log")
run_push second --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/pp"
assert_rc 5 second
assert_grep "device p (127.0.0.1:" "$WORK/second.out"
grep -q "another netstitch process (pid $HOLD," "$WORK/second.out" || {
    cat "$WORK/second.err"
    fail "second: the holder's pid $HOLD is not named"
}
run_push alias --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/alias"
assert_rc 5 alias
assert_grep "another netstitch process (pid $HOLD," "$WORK/alias.out"
[ "$(grep -c 'rpc=edit-config' "$NS/state/p/rpc.log")" = "$edits" ] || fail "p was edited"
echo "ok: a second push to p (also as p-alias) exits 5 and touches nothing"
run_push other --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/qq"
assert_rc 0 other
echo "ok: a push to q runs meanwhile"
PAUSE=$HOLD_PAUSE
BG=$HOLD
resume
[ "$RC" = 0 ] || { cat "$WORK/hold.err"; fail "the held push: exit $RC"; }
run_push third --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/pp"
assert_rc 0 third
echo "ok: the lock goes with its push"
no_secrets "$STATE" "$WORK"/*.out "$WORK"/*.err
echo "t_statedir: ok in $(($(date +%s) - start)) s"
