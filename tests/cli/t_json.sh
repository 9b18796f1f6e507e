#!/bin/sh
# --format json of the reporting commands that need no network (push, rollback and
# recover are in t_push_ui.sh): check and compile, clean and broken, graph, delete of a
# service that owns nothing. Each prints exactly one JSON document on stdout that python3
# parses, whose "command" and "exit" match the command and its exit status, whatever the
# outcome. diff --offline (no changes: exit 0; changes: exit 3) parses too; its document
# has no "command"/"exit" yet.
set -u
cd "$TOP"
ex=examples/twcc-ccx-aws
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }
command -v python3 > /dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }

# json NAME WANT_EXIT COMMAND ARGS...: run, expect the status, parse stdout, check
# command/exit; the document is left in $tmp/NAME.json.
json() {
    name=$1 want=$2
    shift 2
    "$NETSTITCH" "$@" > "$tmp/$name.json" 2> "$tmp/$name.err"
    rc=$?
    [ $rc = "$want" ] || no "$name: exit $rc, want $want: $(head -c 300 "$tmp/$name.err")"
    python3 - "$tmp/$name.json" "$1" "$rc" <<'PY' || no "$name: stdout is not one JSON document"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == sys.argv[2], d["command"]
assert d["exit"] == int(sys.argv[3]), (d["exit"], sys.argv[3])
PY
}

json check-good 0 check --format json "$ex/service.xml"
json check-bad 1 check --format json "$ex/broken/twcc-ccx-aws-mtu-1496.xml"
json check-two 1 check --format json "$ex/service.xml" "$ex/broken/twcc-ccx-aws-overlap.xml"
json compile-good 0 compile --format json "$ex/service.xml"
json compile-out 0 compile --format json -o "$tmp/out" --inventory "$ex/inventory.xml" \
    "$ex/service.xml"
json compile-bad 1 compile --format json "$ex/broken/twcc-ccx-aws-mtu-1496.xml"
json graph-good 0 graph --format json "$ex/service.xml"
json graph-bad 0 graph --format json "$ex/broken/twcc-ccx-aws-bgp-mismatch.xml"

# diff (offline, against compile's own output: no changes; against nothing: changes) and
# delete of a service that owns nothing.
"$NETSTITCH" compile -o "$tmp/saved" "$ex/service.xml" > /dev/null 2>&1 || no "compile -o saved"
mkdir -p "$tmp/empty"
"$NETSTITCH" diff "$ex/service.xml" --offline "$tmp/saved" --inventory "$ex/inventory.xml" \
    --state-dir "$tmp/state" --format json > "$tmp/diff-same.json" 2> /dev/null
[ $? = 0 ] || no "diff --offline against its own compile must exit 0"
"$NETSTITCH" diff "$ex/service.xml" --offline "$tmp/empty" --inventory "$ex/inventory.xml" \
    --state-dir "$tmp/state" --format json > "$tmp/diff-empty.json" 2> /dev/null
[ $? = 3 ] || no "diff --offline against nothing must exit 3"
json delete-none 0 delete never-pushed --format json --inventory "$ex/inventory.xml" --state-dir "$tmp/state"
python3 - "$tmp/diff-same.json" "$tmp/diff-empty.json" <<'PY' || no "diff --format json"
import json, sys
same, empty = (json.load(open(f)) for f in sys.argv[1:3])
assert [d["status"] for d in same["devices"]] == ["in-sync"] * 6, same
assert all(d["changes"] for d in empty["devices"]) and len(empty["devices"]) == 6, empty
PY

python3 - "$tmp" "$ex" <<'PY' || no "JSON content"
import json, os, sys
tmp, ex = sys.argv[1:3]
ld = lambda n: json.load(open(os.path.join(tmp, n + ".json")))
d = ld("check-bad")
assert d["errors"] == 1 and d["notes"] == 5, d
err = [x for x in d["diagnostics"] if x["severity"] == "error"][0]
assert err["code"] == "MTU-FIXED-SEGMENT" and err["line"] == 274 and "1496" in err["message"]
assert err["path"].endswith("/hop[seq='6']"), err
assert ld("check-good")["errors"] == 0
assert ld("check-two")["errors"] == 2
c = ld("compile-good")
assert c["output"] is None and [x["status"] for x in c["devices"]] == ["compiled"] * 6, c
assert all(x["in-inventory"] is None for x in c["devices"])
assert c["plan"]["connections"][0]["max-ip-mtu"] == 1500, c["plan"]["connections"]
c = ld("compile-out")
assert c["output"].endswith("/out") and all(x["in-inventory"] for x in c["devices"]), c
assert json.load(open(os.path.join(c["output"], "plan.json"))) == c["plan"]
c = ld("compile-bad")
assert c["errors"] == 1 and "plan" not in c and c["diagnostics"], c
g = ld("graph-bad")
assert g["errors"] == 1 and len(g["devices"]) == 6, g
d = ld("delete-none")
assert d["outcome"] == "nothing-to-do" and d["devices"] == [], d
PY

# compile --emit ir cannot be JSON; an unknown format is a usage error everywhere.
"$NETSTITCH" compile --format json --emit ir "$ex/service.xml" > /dev/null 2>&1
[ $? = 2 ] || no "compile --format json --emit ir must be a usage error"
for c in check compile push rollback recover; do
    "$NETSTITCH" $c --format yaml "$ex/service.xml" > /dev/null 2>&1
    [ $? = 2 ] || no "$c --format yaml must be a usage error"
done
# A file name that is not UTF-8, or holds a control character, still gives valid JSON
# (the strings are encoded by jansson; a bad byte becomes U+FFFD).
bad="$tmp/bad$(printf '\377')name$(printf '\001').xml"
printf '<intercloud xmlns="urn:netstitch:yang:intercloud"><device>\n' > "$bad"
"$NETSTITCH" check --format json "$bad" > "$tmp/bad.json" 2> /dev/null
python3 - "$tmp/bad.json" <<'PY' || no "check --format json of a non-UTF-8 file name: $(cat "$tmp/bad.json")"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
f = d["diagnostics"][0]["file"]
assert f.endswith("/bad\ufffdname\u0001.xml"), repr(f)
assert d["diagnostics"][0]["code"] == "XML-SYNTAX", d
PY
[ $fail = 0 ] && echo "t_json: ok"
exit $fail
