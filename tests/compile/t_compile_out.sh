#!/bin/sh
# `compile -o DIR` is all or nothing, and its errors are the real ones (issue 16):
#   - the set is built in a new directory next to DIR and renamed into place: a write that
#     fails half-way (a file size limit: EFBIG) leaves DIR exactly as an earlier compile
#     left it, and no temporary directory behind;
#   - the error is one IO-WRITE line naming the file that failed and the system's reason
#     ("File too large", "Permission denied"), never "input/output error"; exit 2;
#   - a second compile into DIR replaces the earlier set whole (a device file that the new
#     service no longer has is gone), and a DIR holding files compile does not write is
#     refused, untouched;
#   - a template that renders configuration the device models reject is reported by its
#     coded PAYLOAD-INVALID diagnostic alone (no "internal error" line after it), exit 1;
#     push of the same: the diagnostic and "nothing was pushed", exit 2.
set -u
cd "$TOP"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }

# A service of our own: the example's connection renamed, and a second variant without
# the transit device's payload change (same devices, other name).
sed 's/twcc-aws/outdir-probe/g' examples/twcc-ccx-aws/service.xml > "$tmp/svc.xml"
sed 's/twcc-aws/outdir-probe-2/g' examples/twcc-ccx-aws/service.xml > "$tmp/svc2.xml"

"$NETSTITCH" compile -o "$tmp/out" "$tmp/svc.xml" > /dev/null 2>&1 || no "first compile -o"
[ "$(ls "$tmp/out" | wc -l)" = 13 ] || no "first set: $(ls "$tmp/out")"
(cd "$tmp/out" && md5sum * > "$tmp/before.md5")

# 1. A failure half-way: files above 4 KiB cannot be written (RLIMIT_FSIZE, SIGXFSZ ignored,
# so write() fails with EFBIG). Several payloads are larger: the set cannot be completed.
(trap '' XFSZ; ulimit -f 8; exec "$NETSTITCH" compile -o "$tmp/out" "$tmp/svc2.xml") \
    > "$tmp/o1" 2> "$tmp/e1"
rc=$?
[ $rc = 2 ] || no "EFBIG: exit $rc, want 2"
grep -v ' note ' "$tmp/e1" > "$tmp/e1.err"
[ "$(wc -l < "$tmp/e1.err")" = 1 ] || no "EFBIG: want one error line, got: $(cat "$tmp/e1.err")"
grep -q "^$tmp/out/[a-z-]*\.xml: error IO-WRITE: cannot write $tmp/out/[a-z-]*\.xml: File too large\$" \
    "$tmp/e1.err" || no "EFBIG: the file and the reason: $(cat "$tmp/e1.err")"
grep -qi "input/output error\|internal" "$tmp/e1" && no "EFBIG: a vague error: $(cat "$tmp/e1")"
(cd "$tmp/out" && md5sum -c --quiet "$tmp/before.md5") > /dev/null 2>&1 ||
    no "EFBIG: the earlier set changed"
[ "$(ls "$tmp/out" | wc -l)" = 13 ] || no "EFBIG: the earlier set lost or gained files"
ls -A "$tmp" | grep -q '\.tmp' && no "EFBIG: a temporary directory was left: $(ls -A "$tmp")"

# 2. A second compile replaces the set whole: plan.json now names the new connection, and
# a file left from an older set of another service is gone.
cp "$tmp/out/ccx-pe.xml" "$tmp/out/retired-device.xml"
"$NETSTITCH" compile -o "$tmp/out/" "$tmp/svc2.xml" > /dev/null 2>&1 || no "second compile -o"
grep -q outdir-probe-2 "$tmp/out/plan.json" || no "second set not in place"
[ -e "$tmp/out/retired-device.xml" ] && no "a device file of the earlier set survived"
[ "$(ls "$tmp/out" | wc -l)" = 13 ] || no "second set: $(ls "$tmp/out")"
ls -A "$tmp" | grep -q '\.tmp' && no "a temporary directory was left: $(ls -A "$tmp")"

# 2b. DIR a symbolic link to an earlier set: the set it names is replaced, the link stays.
mkdir "$tmp/real"
"$NETSTITCH" compile -o "$tmp/real/set" "$tmp/svc.xml" > /dev/null 2>&1 || no "compile into real/set"
ln -s "$tmp/real/set" "$tmp/link"
"$NETSTITCH" compile -o "$tmp/link" "$tmp/svc2.xml" > /dev/null 2> "$tmp/e2b" ||
    no "compile through a link: $(grep -v ' note ' "$tmp/e2b")"
[ -L "$tmp/link" ] || no "the link was replaced"
grep -q outdir-probe-2 "$tmp/real/set/plan.json" || no "the linked set was not replaced"
[ "$(ls "$tmp/real/set" | wc -l)" = 13 ] || no "linked set: $(ls "$tmp/real/set")"
ls -A "$tmp/real" | grep -q '\.tmp' && no "a temporary directory was left: $(ls -A "$tmp/real")"

# 3. A directory that is not compile output is refused, and left alone.
mkdir "$tmp/home" && echo keep > "$tmp/home/notes.txt"
"$NETSTITCH" compile -o "$tmp/home" "$tmp/svc.xml" > /dev/null 2> "$tmp/e3"
rc=$?
[ $rc = 2 ] || no "foreign DIR: exit $rc, want 2"
grep -q "error IO-WRITE: cannot write $tmp/home: it holds notes.txt" "$tmp/e3" ||
    no "foreign DIR: message: $(grep -v ' note ' "$tmp/e3")"
[ "$(ls "$tmp/home")" = notes.txt ] || no "foreign DIR was changed: $(ls "$tmp/home")"

# 4. Permission denied is said so (as an unprivileged user when run as root; root writes
# anywhere).
mkdir "$tmp/ro"
chmod 0555 "$tmp/ro"
if [ "$(id -u)" = 0 ]; then
    if id nobody > /dev/null 2>&1 && command -v runuser > /dev/null 2>&1; then
        chmod 0755 "$tmp" && cp "$tmp/svc.xml" "$tmp/ro.xml" && chmod 0644 "$tmp/ro.xml"
        runuser -u nobody -- "$NETSTITCH" compile -o "$tmp/ro/out" "$tmp/ro.xml" \
            > /dev/null 2> "$tmp/e4"
        rc=$?
    else
        rc=skip
    fi
else
    "$NETSTITCH" compile -o "$tmp/ro/out" "$tmp/svc.xml" > /dev/null 2> "$tmp/e4"
    rc=$?
fi
if [ "$rc" != skip ]; then
    [ "$rc" = 2 ] || no "read-only parent: exit $rc, want 2"
    grep -q "error IO-WRITE: cannot write $tmp/ro/out: .*Permission denied\$" "$tmp/e4" ||
        no "read-only parent: message: $(grep -v ' note ' "$tmp/e4")"
    grep -qi "input/output error" "$tmp/e4" && no "read-only parent: input/output error"
fi
chmod 0755 "$tmp/ro"

# 5. A coded PAYLOAD-INVALID is the only error line: a user template for Junos whose
# element the Junos models do not have.
mkdir -p "$tmp/tpl/junos"
cat > "$tmp/tpl/junos/interfaces.xml" <<'EOF'
<?xml version="1.0"?>
<template>
  <configuration xmlns="http://yang.juniper.net/junos/conf/root">
    <interfaces xmlns="http://yang.juniper.net/junos/conf/interfaces">
      <no-such-knob>1</no-such-knob>
    </interfaces>
  </configuration>
</template>
EOF
"$NETSTITCH" compile --templates "$tmp/tpl" -o "$tmp/bad" "$tmp/svc.xml" > /dev/null 2> "$tmp/e5"
rc=$?
[ $rc = 1 ] || no "PAYLOAD-INVALID: exit $rc, want 1"
grep -v ' note ' "$tmp/e5" > "$tmp/e5.err"
grep -q "^$tmp/tpl/junos/interfaces.xml:[0-9]*: error PAYLOAD-INVALID: " "$tmp/e5.err" ||
    no "PAYLOAD-INVALID missing: $(cat "$tmp/e5.err")"
grep -v "error PAYLOAD-INVALID" "$tmp/e5.err" | grep -q . &&
    no "a second error line after PAYLOAD-INVALID: $(grep -v PAYLOAD-INVALID "$tmp/e5.err")"
[ -e "$tmp/bad" ] && no "PAYLOAD-INVALID: output directory was written"
# push compiles the same way: the diagnostic and one line saying nothing was pushed, never
# "internal error" (it printed "compile failed: internal error" after PAYLOAD-INVALID).
"$NETSTITCH" push --templates "$tmp/tpl" "$tmp/svc.xml" --inventory "$tmp/no-inventory.xml" \
    --state-dir "$tmp/push-state" > /dev/null 2> "$tmp/p5"
rc=$?
[ $rc = 2 ] || no "push with PAYLOAD-INVALID: exit $rc, want 2"
grep -q "error PAYLOAD-INVALID: " "$tmp/p5" || no "push: PAYLOAD-INVALID missing: $(cat "$tmp/p5")"
grep -qi "internal" "$tmp/p5" && no "push: an internal error after PAYLOAD-INVALID: $(grep -i internal "$tmp/p5")"
grep -q "^netstitch push: compile failed; nothing was pushed$" "$tmp/p5" \
    || no "push: no 'nothing was pushed' line: $(grep -v ' note ' "$tmp/p5")"
# The same in JSON: one document, the exit in it.
"$NETSTITCH" compile --format json --templates "$tmp/tpl" "$tmp/svc.xml" > "$tmp/j5" 2> "$tmp/je5"
rc=$?
[ $rc = 1 ] || no "PAYLOAD-INVALID json: exit $rc"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "compile" and d["exit"] == 1, d
assert {x["code"] for x in d["diagnostics"] if x["severity"] == "error"} == {"PAYLOAD-INVALID"}, d
' "$tmp/j5" || no "PAYLOAD-INVALID json document"
[ -s "$tmp/je5" ] && no "PAYLOAD-INVALID json: stderr: $(cat "$tmp/je5")"

[ $fail = 0 ] && echo "ok: compile -o is all or nothing; write errors name file and reason"
exit $fail
