#!/bin/sh
# t_live_reply.sh: how the live diff reads a router's running configuration
# (sess_get_config_text(): its <get-config> goes past libnetconf2 through the relay, with
# a message-id of the relay's, and the <data> text is taken as the router sent it when
# relay.h says it parses to the same tree; else the reply is parsed whole as libnetconf2
# would). Two simulated routers (examples/simnet.sh: pe1 Junos, pe2 IOS-XR); pe1 answers
# <get-config> through netsim's `reply raw` fault (netsim/hostile.c) where a case needs it:
#   - the session is a light one (session.h): no <get-schema>, one <get-config>,
#     <close-session> at the end;
#   - the request carries the relay's message-id (2000000001 and up), not libnetconf2's:
#     a reply that echoes it in pe1's interface description shows it in the diff;
#   - the same configuration in a reply the relay takes as text and in one it does not
#     (a namespace declared on <rpc-reply>, as Junos does) gives the same diff in every
#     format;
#   - an <rpc-error> reply: the device's error, exit 1, pe2 still compared;
#   - no reply within the RPC timeout; a reply that is not XML: the reason, exit 1;
#   - afterwards the plain diff is what it was at the start.
set -u
cd "$TOP"
. tests/diff/common.sh
start=$(date +%s)
"$PY" tests/diff/gen-service.py --pes 2 > "$tmp/svc.xml"
NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$tmp/svc.xml" > "$tmp/simnet.out" 2>&1 \
    || { cat "$tmp/simnet.out"; echo "FAIL: simnet did not start"; exit 1; }
INV=$net/inventory.xml
ST=$tmp/state
P1=$net/state/pe1
run() {
    name=$1
    shift
    "$NETSTITCH" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
    RC=$?
}
want_rc() {
    [ "$RC" = "$1" ] || no "$2: exit $RC, want $1: $(tail -5 "$tmp/$2.err")"
}
# fault LINE: pe1's faults file (written whole, then moved in place).
fault() {
    printf '%s\n' "$1" > "$P1/faults.tmp" && mv "$P1/faults.tmp" "$P1/faults"
}
L="--inventory $INV --state-dir $ST --no-state -q"

# pe1 holds something of its own on the service's port, so that the diff has a leaf to
# show from its running configuration.
mkdir -p "$tmp/seed"
cat > "$tmp/seed/pe1.xml" << 'EOF'
<configuration xmlns="http://yang.juniper.net/junos/conf/root">
  <interfaces xmlns="http://yang.juniper.net/junos/conf/interfaces">
    <interface><name>ge-0/0/1</name><description>seeded</description></interface>
  </interfaces>
</configuration>
EOF
run seed push --payloads "$tmp/seed" --inventory "$INV" --state-dir "$ST" -q
want_rc 0 seed
grep -q '<description>seeded</description>' "$P1/running.xml" || no "seed not on pe1"

for f in tree json; do
    run base.$f diff "$tmp/svc.xml" $L --format $f
    want_rc 3 base.$f
done
grep -q 'seeded' "$tmp/base.tree.out" || no "the seeded description is not in the diff"
# The diff's session on pe2 (a light one, session.h): no <get-schema> or yang-library
# <get> (no libnetconf2 context to fill), one <get-config>, closed with <close-session>.
sid=$(grep 'event=session-start' "$net/state/pe2/rpc.log" | tail -1 | sed 's/.* sid=\([0-9]*\) .*/\1/')
grep " sid=$sid " "$net/state/pe2/rpc.log" > "$tmp/pe2.session"
grep -q 'rpc=get-schema\|rpc=get ' "$tmp/pe2.session" \
    && no "the diff's session asked for schemas: $(cat "$tmp/pe2.session")"
[ "$(grep -c 'rpc=get-config source=running filter=subtree -> ok' "$tmp/pe2.session")" = 1 ] \
    || no "the diff's session: not one filtered <get-config>: $(cat "$tmp/pe2.session")"
grep -q 'rpc=close-session -> ok' "$tmp/pe2.session" && grep -q 'session-end reason=closed' "$tmp/pe2.session" \
    || no "the diff's session did not end with <close-session>: $(cat "$tmp/pe2.session")"

# A reply of pe1's whole running configuration, with $MSGID (netsim puts the request's
# message-id there) in the seeded description; ATTRS go on <rpc-reply>.
raw() { # raw FILE ATTRS
    {
        printf '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" %s message-id="$MSGID"><data>' "$2"
        sed 's|<description>seeded</description>|<description>id-$MSGID</description>|' \
            "$P1/running.xml"
        printf '</data></rpc-reply>'
    } > "$P1/$1"
}
raw plain.xml ""
raw decl.xml 'xmlns:junos="http://xml.juniper.net/junos/*/junos"'

fault "reply raw get-config plain.xml"
for f in tree cli xml json; do
    run plain.$f diff "$tmp/svc.xml" $L --format $f
    want_rc 3 plain.$f
done
grep -q 'id-20000000[0-9][0-9]' "$tmp/plain.tree.out" \
    || no "the <get-config> did not carry the relay's message-id: $(grep 'id-' "$tmp/plain.tree.out")"
fault "reply raw get-config decl.xml"
for f in tree cli xml json; do
    run decl.$f diff "$tmp/svc.xml" $L --format $f
    want_rc 3 decl.$f
    cmp -s "$tmp/plain.$f.out" "$tmp/decl.$f.out" \
        || no "$f: a reply taken as text and one parsed whole differ: $(diff "$tmp/plain.$f.out" "$tmp/decl.$f.out" | head -5)"
done

# An <rpc-error>.
cat > "$P1/error.xml" << 'EOF'
<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="$MSGID"><rpc-error><error-type>application</error-type><error-tag>operation-failed</error-tag><error-severity>error</error-severity><error-message>running is being rebuilt</error-message></rpc-error></rpc-reply>
EOF
fault "reply raw get-config error.xml"
run err diff "$tmp/svc.xml" $L --format json
want_rc 1 err
"$PY" - "$tmp/err.out" << 'PY' || no "rpc-error: $(cat "$tmp/err.out" | head -c 600)"
import json, sys
d = {x["name"]: x for x in json.load(open(sys.argv[1]))["devices"]}
assert d["pe1"]["status"] == "error", d["pe1"]
assert "running is being rebuilt" in d["pe1"]["error"], d["pe1"]
assert "operation-failed" in d["pe1"]["error"], d["pe1"]
assert d["pe2"]["status"] == "changes", d["pe2"]
PY

# No reply within the RPC timeout (2 s here).
sed 's|<rpc>10</rpc>|<rpc>2</rpc>|' "$INV" > "$tmp/inv2.xml"
fault "delay 4000 get-config"
t0=$(date +%s)
run slow diff "$tmp/svc.xml" --inventory "$tmp/inv2.xml" --state-dir "$ST" --no-state
el=$(($(date +%s) - t0))
want_rc 1 slow
grep -q 'pe1.*no reply to <get-config> within 2000 ms' "$tmp/slow.err" \
    || no "timeout: $(cat "$tmp/slow.err")"
[ "$el" -le 8 ] || no "timeout: the diff took $el s"

# Not XML.
fault "reply garbage get-config"
run garbage diff "$tmp/svc.xml" --inventory "$INV" --state-dir "$ST" --no-state
want_rc 1 garbage
grep -q 'pe1.*not well-formed' "$tmp/garbage.err" || no "garbage: $(cat "$tmp/garbage.err")"

rm -f "$P1/faults"
for f in tree json; do
    run again.$f diff "$tmp/svc.xml" $L --format $f
    want_rc 3 again.$f
    cmp -s "$tmp/base.$f.out" "$tmp/again.$f.out" || no "$f: the diff changed after the faults"
done

echo "t_live_reply: $(($(date +%s) - start)) s"
exit $fail
