#!/bin/sh
# t_session.sh: the NETCONF session layer (netconf/session.c) against a real yuma123 lab.
#
# Starts a three-device lab (tests/lab/lab.sh), an ssh-agent holding the lab's client RSA
# key, runs tests/unit/labtest_session.c against it, then reads the final device state
# with ncclient as an independent client. Everything is stopped on exit, also on failure.
# Needs root (sshd privilege separation dir, the nctest password user); skips otherwise.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
BIN=$TOP/$BUILD/tests/labtest_session
LAB_SH=$TOP/tests/lab/lab.sh

skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (sshd, useradd)"
for x in /usr/sbin/netconfd /usr/sbin/sshd /usr/bin/ssh-agent /usr/bin/python3; do
    [ -x "$x" ] || skip "missing $x"
done
/usr/bin/python3 -c 'import ncclient' 2>/dev/null || skip "python3-ncclient missing"
[ -x "$BIN" ] || { echo "FAIL: $BIN not built (make tests)"; exit 1; }

LAB=$(mktemp -d /tmp/nst-lab.XXXXXX)
AGENT_PID=""
cleanup() {
    sh "$LAB_SH" stop "$LAB" || true
    [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
    rm -rf "$LAB"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

start=$(date +%s)
sh "$LAB_SH" start "$LAB" --password-user || { echo "FAIL: lab did not start"; exit 1; }
set -a
. "$LAB/lab.env"
set +a
export LAB_SH

# A key the lab does not authorize (and whose public half serves as a "changed" host key).
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$LAB/stranger" || exit 1
export LT_STRANGER_KEY="$LAB/stranger"

# An agent holding the RSA client key, for SESS_AUTH_AGENT.
eval "$(ssh-agent -s -a "$LAB/agent.sock")" >/dev/null || exit 1
AGENT_PID=$SSH_AGENT_PID
ssh-add -q "$LAB_CLIENT_KEY_RSA" 2>/dev/null || { echo "FAIL: ssh-add"; exit 1; }
export SSH_AUTH_SOCK

"$BIN"
rc=$?
if [ $rc -ne 0 ]; then
    echo "FAIL: labtest_session rc=$rc"
    for d in $LAB_DEVICES; do
        echo "--- netconfd $d (tail)"
        tail -n 15 "$LAB/dev/$d/netconfd.log"
    done
    echo "--- sshd (tail)"
    tail -n 20 "$LAB/ssh/sshd.log"
    exit 1
fi

# Independent check with another client: the final state the C tests leave behind.
/usr/bin/python3 - <<PYEOF || { echo "FAIL: ncclient final-state check"; exit 1; }
import sys
sys.path.insert(0, "$TOP/tests/push")
import nc  # its connect() survives yuma's lost first request and a loaded machine

NS = "urn:netstitch:lab:net"
def running(dev):
    with nc.connect(dev) as m:
        return m.get_config(source="running",
                            filter=("subtree", '<interfaces xmlns="%s"/>' % NS)).data_xml

a = running("a")
b = running("b")
c = running("c")
problems = []
if "<name>lt-commit</name>" not in a or "<mtu>9000</mtu>" not in a:
    problems.append("a: confirmed commit of lt-commit mtu 9000 missing")
if "lt-f1" in a or "lt-discard" in a or "lt-range" in a:
    problems.append("a: leftovers from filter/discard/range tests")
if "lt-cancel" in b or "lt-unconfirmed" in b:
    problems.append("b: a cancelled or unconfirmed commit survived")
if "lt-direct" in c:
    problems.append("c: running survived a netconfd crash+restart (should be the seed)")
for p in problems:
    print("ncclient:", p)
sys.exit(1 if problems else 0)
PYEOF
echo "t_session: ok in $(( $(date +%s) - start )) s"
exit 0
