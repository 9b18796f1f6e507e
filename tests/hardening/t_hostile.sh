#!/bin/sh
# Hostile devices. Four netsim routers take one push: x (confirmed-commit 1.1), e
# (candidate + restore), r (running only) and h, which answers one RPC badly through
# netsim's `reply` faults (netsim/hostile.c): replies that crashed libyang 2.1.30 (an
# undeclared namespace prefix, or xmlns="", in <data>), malformed XML, a DOCTYPE with an entity bomb, a
# connection closed in the middle of the commit reply, a reply dribbled slower than the RPC
# timeout, a reply larger than the limit. Every case: netstitch neither crashes nor hangs
# (exit 1 within a bound), the report names h and why, and every router, h included, ends
# at its configuration from before (netsim's running.xml compared). Then a push after the
# hostile ones succeeds. Hostile answers to the health gate's BGP state read (an entity
# bomb, a reply over the limit, 100000-deep nesting, the wrong namespace, garbage, an
# <rpc-error>, a timeout, a flapping session) are tests/push/t_gate_faults.sh's, which runs
# them against the BGP-computing simulated network of the example.
. "$TOP/tests/push/common.sh"
start=$(date +%s)
MODELS=$TOP/tests/netsim/models/a
NSA=urn:netstitch:netsim:test-a
cat >"$WORK/startup.xml" <<XML
<system xmlns="$NSA"><hostname>sim</hostname></system>
<interfaces xmlns="$NSA"><interface><name>ge-0/0/0</name><mtu>1500</mtu></interface></interfaces>
XML
M="modules-dir=$MODELS,startup=$WORK/startup.xml"
netsim_up "x:iosxr:$M e:eos:$M r:generic:$M,candidate=no h:iosxr:$M"
DEVS="x e r h"
export LAB_CLIENT_KEY_ED25519=$NS/client NC_USER=admin
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    NS_RPC_TIMEOUT=2 ns_devices_xml
    echo '<secret><name>bgp-key</name><source>env:NST_TEST_BGP_KEY</source></secret>'
    echo '</inventory>'
} >"$INV"
mkdir -p "$WORK/p"
for d in $DEVS; do
    cat >"$WORK/p/$d.xml" <<XML
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <system xmlns="$NSA"><authentication-key>\$NST_SECRET{bgp-key}</authentication-key></system>
  <interfaces xmlns="$NSA"><interface><name>ge-0/0/1</name><mtu>9000</mtu></interface></interfaces>
</config>
XML
done
H=$NS/state/h
printf '<rpc-reply message-id="$MSGID" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data><i:s/><s/></data></rpc-reply>' \
    >"$H/prefix.xml"
printf '<rpc-reply message-id="$MSGID" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data><s xmlns=""/><s/></data></rpc-reply>' \
    >"$H/nons.xml"
printf '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rpc-reply message-id="$MSGID" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/>&c;</rpc-reply>' \
    >"$H/doctype.xml"

snap() {
    for d in $DEVS; do
        echo "== $d"
        cat "$NS/state/$d/running.xml"
        echo
    done >"$1"
}

# hostile NAME FAULT WANT [ENV...]: push with FAULT in h's faults file.
hostile() {
    name=$1
    printf '%s\n' "$2" >"$H/faults.tmp" && mv "$H/faults.tmp" "$H/faults"
    want=$3
    shift 3
    snap "$WORK/$name.before"
    fired=$(grep -c "event=fault kind=reply-" "$H/rpc.log")
    t0=$(date +%s)
    env "$@" "$NETSTITCH" push --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p" \
        >"$WORK/$name.out" 2>"$WORK/$name.err"
    RC=$?
    el=$(($(date +%s) - t0))
    rm -f "$H/faults"
    assert_rc 1 "$name"
    [ "$el" -le 20 ] || fail "$name: took $el s"
    [ "$(grep -c "event=fault kind=reply-" "$H/rpc.log")" -gt "$fired" ] \
        || fail "$name: the fault never fired"
    assert_grep "error: device h failed at" "$WORK/$name.out"
    assert_grep "$want" "$WORK/$name.out"
    snap "$WORK/$name.after"
    assert_same "$WORK/$name.before" "$WORK/$name.after" "$name: a router did not end as it started"
    no_secrets "$WORK/$name.out" "$WORK/$name.err"
    echo "ok: $name (${el}s)"
}

hostile undeclared-prefix "reply raw get-config prefix.xml" "undeclared namespace prefix"
hostile no-namespace "reply raw get-config nons.xml" "an element in no namespace"
hostile garbage-commit "reply garbage commit" "not well-formed"
hostile entity-bomb "reply raw edit-config doctype.xml" "a DOCTYPE"
hostile close-mid-commit "reply truncate commit" "closed the connection in the middle"
# The relay (2000 ms from the reply's first byte) or libnetconf2 (2000 ms for a complete
# reply, which the relay holds back until it has one) gives up first: either way 2000 ms.
hostile slow-get-config "reply slow get-config 500" "2000 ms"
hostile oversize-get-config "reply oversize get-config 2" "larger than 1000000 bytes" \
    NST_MAX_REPLY_BYTES=1000000
hostile garbage-confirm "reply garbage confirming-commit" "not well-formed"

# The routers are fine afterwards: a normal push commits everywhere.
run_push after --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p"
assert_rc 0 after
echo "t_hostile: ok in $(($(date +%s) - start)) s"
