# tests/diff/common.sh: the set-up the live-diff scripts share (sourced after `cd "$TOP"`):
# a temporary directory $tmp removed at exit with every simulated lab under it ($net is
# the first; a script may start more as $tmp/net2 and so on), no() recording a failure in
# $fail, $PY, and the prerequisites (ssh-keygen, the netsim binary in $NETSIM: exit 77,
# a skip, without them).
fail=0
tmp=$(mktemp -d)
net=$tmp/net
cleanup() {
    for lab in "$tmp"/net*; do
        [ -d "$lab" ] && sh examples/simnet.sh stop "$lab" > /dev/null 2>&1
    done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
no() {
    echo "FAIL: $*"
    fail=1
}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
command -v ssh-keygen > /dev/null 2>&1 || { echo "ssh-keygen is not installed"; exit 77; }
[ -x "${NETSIM:-}" ] || { echo "netstitch-netsim is not built"; exit 77; }
