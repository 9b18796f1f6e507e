# common.sh: shared setup for tests/push/t_*.sh (sourced, POSIX sh).
#
# Starts a yuma123 lab (tests/lab/lab.sh: a and b with :candidate and :confirmed-commit:1.1,
# c with :writable-running only), writes an inventory for it and payloads for the toy
# lab-net model, and offers helpers:
#   snap FILE            every device's running config via ncclient (tests/push/nc.py)
#   run_push NAME ARGS   netstitch push ARGS; stdout/stderr in $WORK/NAME.{out,err}; $RC
#   start_paused EVENT NAME ARGS   the same in the background, stopped at EVENT (the
#                        NETSTITCH_TEST_PAUSE hook of cmd_push.c); resume / kill later
#   assert_same A B      two snapshots are identical
#   no_secrets FILES     neither the BGP key nor a password occurs in the files
#   $PY $STATEPY STATE ...  read the state store (tests/push/state.py)
#   netsim_up SPECS      netstitch-netsim devices next to (or instead of) the yuma lab
# Everything runs on loopback under a mktemp directory removed on exit.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
NETSTITCH=${NETSTITCH:-$TOP/$BUILD/netstitch}
LAB_SH=$TOP/tests/lab/lab.sh
NCPY=$TOP/tests/push/nc.py
STATEPY=$TOP/tests/push/state.py
PY=/usr/bin/python3

skip() {
    echo "SKIP: $*"
    exit 77
}
fail() {
    echo "FAIL: $*"
    exit 1
}

[ -x "$PY" ] || skip "missing $PY"
$PY -c 'import ncclient, lxml' 2>/dev/null || skip "python3-ncclient missing"
[ -x "$NETSTITCH" ] || fail "$NETSTITCH not built"

WORK=$(mktemp -d /tmp/nst-push.XXXXXX)
# The password user's netconf-subsystem must reach the lab's sockets below it.
chmod 0711 "$WORK"
STATE=$WORK/state
HOLDERS=""
BGKIDS=""
cleanup() {
    for f in $HOLDERS; do rm -f "$f"; done
    for p in $BGKIDS; do kill -9 "$p" 2>/dev/null; done
    [ -d "$WORK/lab" ] && sh "$LAB_SH" stop "$WORK/lab" >/dev/null 2>&1
    if [ -n "${NETSIM_PID:-}" ]; then
        kill "$NETSIM_PID" 2>/dev/null
        wait "$NETSIM_PID" 2>/dev/null
    fi
    # A PostgreSQL cluster of tests/push/pg.sh.
    command -v pg_down >/dev/null 2>&1 && pg_down
    if [ -n "${KEEP_WORK:-}" ]; then
        echo "work dir kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# A BGP key with XML-special characters: it must be escaped on the wire and scrubbed
# everywhere else.
NST_TEST_BGP_KEY='Bgp-K3y&<s3cret>'
export NST_TEST_BGP_KEY

lab_up() {
    [ "$(id -u)" = 0 ] || skip "needs root (sshd, the password user)"
    for x in /usr/sbin/netconfd /usr/sbin/sshd; do
        [ -x "$x" ] || skip "missing $x"
    done
    sh "$LAB_SH" start "$WORK/lab" --password-user >"$WORK/lab.log" 2>&1 \
        || { cat "$WORK/lab.log"; fail "lab did not start"; }
    set -a
    . "$WORK/lab/lab.env"
    set +a
    LAB_PASSWORD=$(cat "$LAB_PASSWORD_FILE")
    # A wrong password in a 0600 file, for the authentication failure.
    printf 'wrong-%s\n' "$LAB_PASSWORD" >"$WORK/wrong-password"
    chmod 0600 "$WORK/wrong-password"
}

# gen_inv FILE: the lab's inventory. Overrides: INV_A_FP (a's pinned fingerprint),
# INV_B_PORT, INV_B_HK (b's host-key case, XML), INV_C_PWFILE, INV_C_PORT; INV_EXTRA is
# added inside <inventory> (e.g. `ns_devices_xml`). Connect and RPC timeouts are generous
# (30 s): on a loaded CI machine a session setup through sshd and yuma takes seconds, and no
# test here waits for them to expire.
gen_inv() {
    cat >"$1" <<EOF
<inventory xmlns="urn:netstitch:yang:inventory">
  <device>
    <name>a</name><address>127.0.0.1</address><port>$LAB_DEV_a_PORT</port><user>root</user>
    <auth><private-key>$LAB_CLIENT_KEY_ED25519</private-key></auth>
    <host-key><fingerprint>${INV_A_FP:-$LAB_HOSTKEY_ED25519_SHA256}</fingerprint></host-key>
    <timeouts><connect>30</connect><rpc>30</rpc><commit>10</commit></timeouts>
  </device>
  <device>
    <name>b</name><address>127.0.0.1</address><port>${INV_B_PORT:-$LAB_DEV_b_PORT}</port>
    <user>root</user>
    <auth><private-key>$LAB_CLIENT_KEY_ED25519</private-key></auth>
    <host-key>${INV_B_HK:-<known-hosts-file>$LAB_KNOWN_HOSTS</known-hosts-file>}</host-key>
    <timeouts><connect>30</connect><rpc>30</rpc><commit>10</commit></timeouts>
  </device>
  <device>
    <name>c</name><address>127.0.0.1</address><port>${INV_C_PORT:-$LAB_DEV_c_PORT}</port>
    <user>$LAB_PASSWORD_USER</user>
    <auth><password>file:${INV_C_PWFILE:-$LAB_PASSWORD_FILE}</password></auth>
    <host-key><known-hosts-file>$LAB_KNOWN_HOSTS</known-hosts-file></host-key>
    <timeouts><connect>30</connect><rpc>30</rpc><commit>10</commit></timeouts>
  </device>
  <secret><name>bgp-key</name><source>env:NST_TEST_BGP_KEY</source></secret>
${INV_EXTRA:-}
</inventory>
EOF
}

# gen_payloads DIR IFNAME [MTU]: the same change for a, b and c: an interface (its
# description carries the BGP key placeholder), a VLAN and a BGP neighbor whose leafref
# needs the interface from the same edit.
gen_payloads() {
    mkdir -p "$1"
    for d in a b c; do
        cat >"$1/$d.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <interfaces xmlns="urn:netstitch:lab:net">
    <interface>
      <name>$2</name>
      <description>peer key \$NST_SECRET{bgp-key}</description>
      <mtu>${3:-9000}</mtu>
    </interface>
  </interfaces>
  <vlans xmlns="urn:netstitch:lab:net"><vlan><id>200</id><name>$2-vlan</name></vlan></vlans>
  <bgp xmlns="urn:netstitch:lab:net">
    <neighbor><address>192.0.2.1</address><remote-as>64512</remote-as>
      <local-interface>$2</local-interface></neighbor>
  </bgp>
</config>
EOF
    done
}

# netsim_up "NAME:PROFILE[:KEY=VALUE,...] ...": start netstitch-netsim with these devices
# (user admin, a generated client key, one RSA host key; KEY=VALUE lines are added to the
# device's section, e.g. modules-dir=..., candidate=no). Sets NS (its directory), NS_FP
# (host key fingerprint), NS_NAMES, NETSIM_PID and LAB_DEV_<name>_PORT ('-' as '_').
netsim_up() {
    NETSIM=${NETSIM:-$TOP/$BUILD/netstitch-netsim}
    [ -x "$NETSIM" ] || skip "netsim not built ($NETSIM)"
    NS=$WORK/netsim
    mkdir -p "$NS"
    ssh-keygen -q -t ed25519 -N '' -f "$NS/hostkey" || fail "ssh-keygen"
    ssh-keygen -q -t ed25519 -N '' -f "$NS/client" || fail "ssh-keygen"
    NS_FP=$(ssh-keygen -lf "$NS/hostkey.pub" | awk '{print $2}')
    for attempt in 1 2 3; do
        n=$(echo "$1" | wc -w)
        ports=$($PY -c "
import socket
ss = [socket.socket() for _ in range($n)]
for s in ss: s.bind(('127.0.0.1', 0))
print(' '.join(str(s.getsockname()[1]) for s in ss))")
        NS_NAMES=""
        i=0
        {
            echo "statedir = $NS/state"
            for spec in $1; do
                i=$((i + 1))
                d=${spec%%:*}
                rest=${spec#*:}
                prof=${rest%%:*}
                extra=""
                [ "$rest" != "$prof" ] && extra=${rest#*:}
                port=$(echo "$ports" | cut -d' ' -f$i)
                NS_NAMES="$NS_NAMES $d"
                v=$(echo "$d" | tr '-' '_')
                eval "LAB_DEV_${v}_PORT=$port; export LAB_DEV_${v}_PORT"
                printf '\n[device %s]\nport = %s\nprofile = %s\nhostkey = %s\n' \
                    "$d" "$port" "$prof" "$NS/hostkey"
                printf 'authorized-key = %s\nuser = admin\n' "$NS/client.pub"
                [ -n "$extra" ] && echo "$extra" | tr ',' '\n' | sed 's/=/ = /'
            done
        } >"$NS/netsim.conf"
        rm -rf "$NS/state"
        "$NETSIM" -c "$NS/netsim.conf" >"$NS/netsim.out" 2>&1 &
        NETSIM_PID=$!
        # Loading vendor models for several devices takes seconds on a loaded machine.
        end=$(($(date +%s) + 120))
        while [ ! -f "$NS/state/ready" ] && kill -0 "$NETSIM_PID" 2>/dev/null \
            && [ "$(date +%s)" -lt "$end" ]; do
            sleep 0.02
        done
        [ -f "$NS/state/ready" ] && return 0
        kill "$NETSIM_PID" 2>/dev/null
        wait "$NETSIM_PID" 2>/dev/null
        NETSIM_PID=""
        # Another process may have taken a port between the probe and netsim's bind.
        grep -q "in use" "$NS/netsim.out" || break
    done
    cat "$NS/netsim.out"
    fail "netsim did not start"
}

# ns_devices_xml: inventory <device> entries for the netsim devices (connect timeout 30 s,
# as gen_inv; RPC and commit timeouts NS_RPC_TIMEOUT, default 5 s).
ns_devices_xml() {
    for d in $NS_NAMES; do
        v=$(echo "$d" | tr '-' '_')
        eval "port=\$LAB_DEV_${v}_PORT"
        echo "  <device><name>$d</name><address>127.0.0.1</address><port>$port</port>"
        echo "    <user>admin</user><auth><private-key>$NS/client</private-key></auth>"
        echo "    <host-key><fingerprint>$NS_FP</fingerprint></host-key>"
        echo "    <timeouts><connect>30</connect><rpc>${NS_RPC_TIMEOUT:-5}</rpc>"
        echo "      <commit>${NS_RPC_TIMEOUT:-5}</commit></timeouts></device>"
    done
}

snap() {
    $PY "$NCPY" dump "$1" a b c || fail "ncclient could not read the devices"
}

assert_same() {
    if ! cmp -s "$1" "$2"; then
        echo "--- $1"
        cat "$1"
        echo "--- $2"
        cat "$2"
        fail "${3:-running configuration differs}"
    fi
}

assert_rc() {
    [ "$RC" = "$1" ] || {
        echo "--- stdout"
        cat "$WORK/$2.out"
        echo "--- stderr"
        tail -n 40 "$WORK/$2.err"
        fail "$2: exit status $RC, expected $1"
    }
}

assert_grep() {
    grep -qF -- "$1" "$2" || {
        echo "--- $2"
        cat "$2"
        fail "'$1' not in $2"
    }
}

# no_secrets FILE...: no BGP key (raw or XML-escaped) and no lab password anywhere.
no_secrets() {
    esc='Bgp-K3y&amp;&lt;s3cret&gt;'
    for f in "$@"; do
        [ -e "$f" ] || continue
        for s in "$NST_TEST_BGP_KEY" "$esc" "${LAB_PASSWORD:-}"; do
            if [ -n "$s" ] && grep -rqF -- "$s" "$f"; then
                grep -rlF -- "$s" "$f"
                fail "a secret leaked into $f"
            fi
        done
    done
}

# These labs simulate no BGP, so push runs without the health gate (tests/push/t_health.sh
# tests the gate against examples/simnet.sh, whose netsim computes BGP state).
run_push() {
    name=$1
    shift
    "$NETSTITCH" push --no-health "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
    RC=$?
}

run_cmd() {
    name=$1
    shift
    "$NETSTITCH" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
    RC=$?
}

# start_paused EVENT NAME ARGS...: netstitch ARGS in the background, stopped at EVENT.
start_paused() {
    ev=$1
    name=$2
    shift 2
    PAUSE=$WORK/pause-$name
    rm -rf "$PAUSE"
    mkdir -p "$PAUSE"
    NETSTITCH_TEST_PAUSE=$ev NETSTITCH_TEST_PAUSE_DIR=$PAUSE \
        "$NETSTITCH" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    BG=$!
    BGKIDS="$BGKIDS $BG"
    end=$(($(date +%s) + 120))
    while [ ! -f "$PAUSE/paused" ]; do
        if [ "$(date +%s)" -ge "$end" ] || ! kill -0 "$BG" 2>/dev/null; then
            cat "$WORK/$name.err"
            fail "$name never reached $ev"
        fi
        sleep 0.05
    done
}

resume() {
    touch "$PAUSE/resume"
    wait "$BG"
    RC=$?
}

# hold_lock DEV DS: another NETCONF session locks DS of DEV until release_lock.
hold_lock() {
    LOCKFLAG=$WORK/lock-$1-$2
    rm -f "$LOCKFLAG"
    $PY "$NCPY" hold-lock "$1" "$2" "$LOCKFLAG" 2>"$WORK/holder.err" &
    HOLDER=$!
    HOLDERS="$HOLDERS $LOCKFLAG"
    end=$(($(date +%s) + 120))
    while [ ! -s "$LOCKFLAG" ]; do
        [ "$(date +%s)" -lt "$end" ] && kill -0 "$HOLDER" 2>/dev/null || {
            cat "$WORK/holder.err"
            fail "could not lock $2 of $1"
        }
        sleep 0.05
    done
}

release_lock() {
    rm -f "$LOCKFLAG"
    wait "$HOLDER"
}
