#!/bin/sh
# push, rollback and recover on the command line against examples/simnet.sh (six
# simulated routers of the shipped example on loopback):
#   - --format json of push, rollback (also --list) and recover (one document, also when
#     nothing is interrupted) parses, with the outcome and devices;
#   - progress: on a terminal (a pty) one live status line, redrawn with \r ESC[K,
#     showing the phase and devices, erased at the end, a failed step kept as a line;
#     stdout (the report) never carries an escape sequence; in a pipe no escape
#     sequence at all but the plain step log; TERM=dumb and -q give no display;
#   - --jobs 1 works.
# The first push goes through the service lifecycle (diff, then push the changes); the
# later ones repeat the same service, so they use --no-state (push the whole payloads)
# to run a real transaction each time. These pushes skip the health gate (--no-health:
# this test is about the report and the progress display; tests/push/t_health.sh tests
# the gate).
set -u
cd "$TOP"
ex=examples/twcc-ccx-aws
fail=0
tmp=$(mktemp -d)
net=$tmp/net
cleanup() {
    sh examples/simnet.sh stop "$net" > /dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }
command -v python3 > /dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
command -v ssh-keygen > /dev/null 2>&1 || { echo "ssh-keygen is not installed"; exit 77; }
[ -x "${NETSIM:-}" ] || { echo "netstitch-netsim is not built"; exit 77; }
start=$(date +%s)
NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$ex/service.xml" > "$tmp/simnet.out" 2>&1 \
    || { cat "$tmp/simnet.out"; echo "FAIL: simnet did not start"; exit 1; }
INV=$net/inventory.xml
ST=$tmp/state
esc=$(printf '\033')

# In a pipe: the plain log, no escape sequence.
"$NETSTITCH" push "$ex/service.xml" --no-health --inventory "$INV" --state-dir "$ST" > "$tmp/p1.out" \
    2> "$tmp/p1.err" || no "push: $(cat "$tmp/p1.err" | tail -3)"
grep -q "$esc" "$tmp/p1.err" "$tmp/p1.out" && no "escape sequence in a pipe"
grep -q '^netstitch: == prepare$' "$tmp/p1.err" || no "no step log in a pipe"
grep -q '^netstitch:    partner-ccx: edit-config ok$' "$tmp/p1.err" || no "step log line"
grep -q '^push .*: committed on every device$' "$tmp/p1.out" || no "push report"

# JSON report, quiet.
"$NETSTITCH" push "$ex/service.xml" --no-health --inventory "$INV" --state-dir "$ST" --no-state \
    --format json -q --jobs 1 > "$tmp/p2.json" 2> "$tmp/p2.err" || no "push --format json"
[ -s "$tmp/p2.err" ] && no "push -q wrote on stderr: $(cat "$tmp/p2.err")"
python3 - "$tmp/p2.json" <<'PY' || no "push --format json content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "push" and d["outcome"] == "committed" and d["exit"] == 0, d
assert [x["name"] for x in d["devices"]] == ["twcc-edge", "twaren-border", "twaren-taichung",
                                             "partner-ccx", "ccx-pe", "ccx-transit"]
assert all(x["state"] == "committed" and x["error"] is None for x in d["devices"]), d
assert d["transaction"], d
PY
txid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["transaction"])' \
    "$tmp/p2.json")

# On a terminal: the live line.
python3 tests/cli/ptyrun.py "$tmp/p3.out" "$tmp/p3.err" "$NETSTITCH" push --no-health "$ex/service.xml" \
    --inventory "$INV" --state-dir "$ST" --no-state || no "push on a terminal"
python3 - "$tmp/p3.out" "$tmp/p3.err" <<'PY' || no "progress display on a terminal"
import sys
out, err = (open(f, "rb").read().decode() for f in sys.argv[1:3])
assert "\033" not in out and out.startswith("push "), out
frames = err.split("\r\033[K")
assert err.startswith("\r\033[K") and err.endswith("\r\033[K"), repr(err[-80:])
assert "\n" not in err, "a successful push prints no permanent line: %r" % err
for want in ("netstitch: connect: ", "netstitch: prepare: 6/6 devices, ",
             "netstitch: commit: ", "netstitch: confirm: ",
             "| partner-ccx edit-config ok"):
    assert any(want in f for f in frames), (want, frames[:5])
assert "netstitch: ==" not in err
PY
PTYRUN_TERM=dumb python3 tests/cli/ptyrun.py "$tmp/p4.out" "$tmp/p4.err" "$NETSTITCH" push \
    "$ex/service.xml" --no-health --inventory "$INV" --state-dir "$ST" --no-state || no "push with TERM=dumb"
grep -q "$esc" "$tmp/p4.err" && no "TERM=dumb must not get the live line"
grep -q 'netstitch: == commit' "$tmp/p4.err" || no "TERM=dumb gets the plain log"
python3 tests/cli/ptyrun.py "$tmp/p5.out" "$tmp/p5.err" "$NETSTITCH" push -q --no-health "$ex/service.xml" \
    --inventory "$INV" --state-dir "$ST" --no-state || no "push -q on a terminal"
[ -s "$tmp/p5.err" ] && no "push -q on a terminal wrote: $(cat -v "$tmp/p5.err" | head -c 200)"

# A failure on a terminal: the failed step stays on the screen, the report says it.
port=$(sed -n '/<name>ccx-pe</,/<\/device>/s|.*<port>\(.*\)</port>.*|\1|p' "$INV")
sed "s|<port>$port</port>|<port>1</port>|" "$INV" > "$tmp/badinv.xml"
python3 tests/cli/ptyrun.py "$tmp/p6.out" "$tmp/p6.err" "$NETSTITCH" push --no-health "$ex/service.xml" \
    --inventory "$tmp/badinv.xml" --state-dir "$ST" --no-state
rc=$?
[ $rc = 1 ] || no "push with an unreachable device: exit $rc, want 1"
tr '\r' '\n' < "$tmp/p6.err" | grep -q 'netstitch: ccx-pe: connect failed$' \
    || no "the failed step is not kept: $(cat -v "$tmp/p6.err" | tail -c 300)"
grep -q 'ccx-pe .*connect' "$tmp/p6.out" || no "the report names ccx-pe"

# rollback and recover, JSON.
"$NETSTITCH" rollback "$txid" --inventory "$INV" --state-dir "$ST" --format json -q \
    > "$tmp/r.json" 2> "$tmp/r.err" || no "rollback --format json: $(cat "$tmp/r.err")"
"$NETSTITCH" recover "$txid" --inventory "$INV" --state-dir "$ST" --format json -q \
    > "$tmp/v.json" 2> "$tmp/v.err" || no "recover --format json: $(cat "$tmp/v.err")"
"$NETSTITCH" recover --inventory "$INV" --state-dir "$ST" --format json > "$tmp/v0.json" \
    2> "$tmp/v0.err" || no "recover --format json, nothing interrupted: $(cat "$tmp/v0.err")"
"$NETSTITCH" rollback --list --state-dir "$ST" --format json > "$tmp/l.json" \
    || no "rollback --list --format json"
python3 - "$tmp/r.json" "$tmp/v.json" "$tmp/v0.json" "$tmp/l.json" "$txid" <<'PY' \
    || no "rollback/recover --format json content"
import json, sys
r, v, v0, l = (json.load(open(f)) for f in sys.argv[1:5])
txid = sys.argv[5]
assert r["command"] == "rollback" and r["outcome"] == "committed" and r["exit"] == 0, r
assert len(r["devices"]) == 6, r
assert v["command"] == "recover" and v["exit"] == 0 and len(v["transactions"]) == 1, v
assert v["transactions"][0]["outcome"] == "nothing-to-do", v
assert v["transactions"][0]["transaction"] == txid, v
assert v0 == {"command": "recover", "transactions": [], "exit": 0}, v0
assert l["command"] == "rollback" and l["exit"] == 0, l
mine = [t for t in l["transactions"] if t["id"] == txid]
assert mine and mine[0]["kind"] == "push" and mine[0]["outcome"] == "committed", l
assert len(mine[0]["devices"]) == 6, mine
back = [t for t in l["transactions"] if t.get("rollback-of") == txid]
assert back and back[0]["kind"] == "rollback" and back[0]["id"] == r["transaction"], l
PY
"$NETSTITCH" rollback --list --state-dir "$ST" > "$tmp/list" || no "rollback --list"
grep -q "^$txid push committed " "$tmp/list" || no "rollback --list lacks $txid"
[ $fail = 0 ] && echo "t_push_ui: ok in $(($(date +%s) - start)) s"
exit $fail
