#!/bin/sh
# t_relay.sh: the relay's connect rules (netconf/relay.c) against a real yuma123 device.
#   - lost first request: with NETSTITCH_TEST_RELAY_PAUSE_MS=0 the relay sends the first
#     request right behind the client hello, as a loaded device receives them. yuma123
#     then often never answers it (docs/vendors.md B.3: 2 of 6 connects hung for
#     libnetconf2's 300 s before the fix). Every one of RUNS (20) dry-run pushes must connect,
#     each well inside its 20 s connect timeout, the lost ones by a retry on a new channel;
#   - the same for RUNS live diffs (light sessions: the first request is the diff's own
#     <get-config>);
#   - a hung device (netconfd stopped: SSH answers, NETCONF never does): the connect
#     fails as a timeout within its connect timeout (3 s), not after 300 s.
# The payload is this test's own: one interface of the toy lab-net model.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
NETSTITCH=${NETSTITCH:-$TOP/$BUILD/netstitch}
LAB_SH=$TOP/tests/lab/lab.sh
RUNS=${RUNS:-20}

skip() {
    echo "SKIP: $*"
    exit 77
}
fail() {
    echo "FAIL: $*"
    exit 1
}
[ "$(id -u)" = 0 ] || skip "needs root (sshd)"
for x in /usr/sbin/netconfd /usr/sbin/sshd; do
    [ -x "$x" ] || skip "missing $x"
done
[ -x "$NETSTITCH" ] || fail "$NETSTITCH not built"

W=$(mktemp -d /tmp/nst-relay.XXXXXX)
chmod 0711 "$W"
cleanup() {
    [ -d "$W/lab" ] && sh "$LAB_SH" resume-device "$W/lab" a >/dev/null 2>&1
    sh "$LAB_SH" stop "$W/lab" >/dev/null 2>&1
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

start=$(date +%s)
sh "$LAB_SH" start "$W/lab" --devices "a:lab-net.yang:candidate" >"$W/lab.log" 2>&1 \
    || { cat "$W/lab.log"; fail "lab did not start"; }
. "$W/lab/lab.env"

# inv FILE CONNECT-S
inv() {
    cat >"$1" <<EOF
<inventory xmlns="urn:netstitch:yang:inventory">
  <device>
    <name>a</name><address>127.0.0.1</address><port>$LAB_DEV_a_PORT</port><user>root</user>
    <auth><private-key>$LAB_CLIENT_KEY_ED25519</private-key></auth>
    <host-key><fingerprint>$LAB_HOSTKEY_ED25519_SHA256</fingerprint></host-key>
    <timeouts><connect>$2</connect><rpc>30</rpc><commit>30</commit></timeouts>
  </device>
</inventory>
EOF
}
inv "$W/inv.xml" 20
inv "$W/inv-short.xml" 3
mkdir -p "$W/p"
cat >"$W/p/a.xml" <<'EOF'
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <interfaces xmlns="urn:netstitch:lab:net">
    <interface><name>ge-0/0/5</name><description>relay probe</description><mtu>1400</mtu></interface>
  </interfaces>
</config>
EOF
sessions() {
    n=$(grep -c 'created OK' "$LAB_DEV_a_LOG" 2>/dev/null)
    echo "${n:-0}"
}

# 1. The first request right behind the hello, RUNS times.
before=$(sessions)
i=0
while [ $i -lt $RUNS ]; do
    s=$(date +%s)
    # 60 s is far beyond the connect timeout; the old relay hung here for 300 s.
    NETSTITCH_TEST_RELAY_PAUSE_MS=0 timeout 60 "$NETSTITCH" push --inventory "$W/inv.xml" \
        --state-dir "$W/state" --payloads "$W/p" --dry-run >"$W/run.out" 2>"$W/run.err"
    rc=$?
    secs=$(($(date +%s) - s))
    [ $rc -eq 0 ] || { cat "$W/run.out" "$W/run.err"; tail -n 20 "$LAB_DEV_a_LOG"; \
        fail "run $i: rc $rc after $secs s"; }
    grep -q 'a: connect ok' "$W/run.err" || fail "run $i: no 'a: connect ok'"
    i=$((i + 1))
done
retries=$(($(sessions) - before - RUNS))
echo "ok: $RUNS connects with the first request behind the hello ($retries retried)"

# 1b. The same for the live diff, whose light session's first request is its own
# <get-config> (session.h, relay_connected_light()): lost ones are retried the same way.
cp -r "$TOP/yang" "$W/yang"
mkdir -p "$W/yang/devices/lab"
cp "$TOP/tests/lab/models/lab-net.yang" "$W/yang/devices/lab/"
before=$(sessions)
i=0
while [ $i -lt $RUNS ]; do
    s=$(date +%s)
    NETSTITCH_TEST_RELAY_PAUSE_MS=0 timeout 60 "$NETSTITCH" diff --payloads "$W/p" --name probe \
        --no-state --inventory "$W/inv.xml" --state-dir "$W/state" --yang-dir "$W/yang" \
        >"$W/diff.out" 2>"$W/diff.err"
    rc=$?
    secs=$(($(date +%s) - s))
    [ $rc -eq 0 ] || [ $rc -eq 3 ] || { cat "$W/diff.out" "$W/diff.err"; \
        tail -n 20 "$LAB_DEV_a_LOG"; fail "diff $i: rc $rc after $secs s"; }
    grep -q 'mtu' "$W/diff.out" || [ $rc -eq 0 ] || fail "diff $i: no change shown"
    i=$((i + 1))
done
retries=$(($(sessions) - before - RUNS))
echo "ok: $RUNS live diffs with their <get-config> behind the hello ($retries retried)"

# 2. A hung device: bounded by the connect timeout.
sh "$LAB_SH" pause-device "$W/lab" a
s=$(date +%s)
timeout 120 "$NETSTITCH" push --inventory "$W/inv-short.xml" --state-dir "$W/state" \
    --payloads "$W/p" --dry-run >"$W/hung.out" 2>"$W/hung.err"
rc=$?
secs=$(($(date +%s) - s))
sh "$LAB_SH" resume-device "$W/lab" a
[ $rc -eq 1 ] || { cat "$W/hung.out" "$W/hung.err"; fail "hung device: rc $rc (want 1)"; }
grep -q 'device a failed at connect: timeout' "$W/hung.out" \
    || { cat "$W/hung.out"; fail "hung device: not reported as a connect timeout"; }
# 3 s of connect timeout; the rest is process start and the report.
[ $secs -le 30 ] || fail "hung device: the connect took $secs s (timeout 3 s)"
echo "ok: a hung device fails at connect after $secs s (connect timeout 3 s)"
echo "t_relay: ok in $(($(date +%s) - start)) s"
