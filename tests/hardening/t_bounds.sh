#!/bin/sh
# Resource bounds: hostile inputs of every kind end with a clear error (or a clean
# result) within bounded time and memory, never a crash. Each case runs the CLI under
# GNU time and checks the exit status (1 or 2, never a signal), the diagnostic code or
# message, the elapsed time and the peak RSS (bounds doubled under the sanitizers).
set -u
cd "$TOP"
[ -x /usr/bin/time ] || { echo "SKIP: GNU time (/usr/bin/time) not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3
EX=examples/twcc-ccx-aws
fail=0
mem_mb=400; secs=20
[ -n "${NST_SANITIZED:-}" ] && { mem_mb=1200; secs=60; }

# run NAME WANT_RC PATTERN CMD...: PATTERN must appear in stdout+stderr. $MEM (MB)
# overrides the memory bound of one case.
run() {
    name=$1; want=$2; pat=$3; shift 3
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" > "$tmp/out" 2>&1
    rc=$?
    set -- $(tail -n 1 "$tmp/time")
    el=${1%.*}; kb=$2
    if [ "$rc" != "$want" ]; then
        echo "FAIL: $name: exit $rc, want $want"; tail -n 5 "$tmp/out"; fail=1
    elif ! grep -q -- "$pat" "$tmp/out"; then
        echo "FAIL: $name: no '$pat' in:"; tail -n 5 "$tmp/out"; fail=1
    elif [ "$el" -ge "$secs" ] || [ "$kb" -gt $((${MEM:-$mem_mb} * 1024)) ]; then
        echo "FAIL: $name: ${el}s, ${kb} KB (bounds ${secs}s, ${MEM:-$mem_mb} MB)"; fail=1
    else
        echo "ok: $name (${el}s, $((kb / 1024)) MB)"
    fi
}

# --- services -------------------------------------------------------------------
$PY - "$tmp" "$EX/service.xml" <<'PYEOF'
import sys
tmp, ex = sys.argv[1], sys.argv[2]
base = open(ex).read()
i = base.index("<device>")
decl = '<?xml version="1.0" encoding="UTF-8"?>'
def w(name, text):
    open("%s/%s" % (tmp, name), "w").write(text)
# 100 MB of real content: a million extra routers.
dev = "  <device>\n    <name>pad-%d</name>\n    <vendor>junos</vendor>\n" \
      "    <role>site-edge</role>\n  </device>\n"
with open(tmp + "/big100.xml", "w") as f:
    f.write(base[:i])
    n = 0
    while n * 80 < 100 * 1024 * 1024:
        f.write(dev % n)
        n += 1
    f.write(base[i:])
# A million VLANs: one connection with a million dot1q hops (compact JSON, ~70 MB).
with open(tmp + "/vlans.json", "w") as f:
    f.write('{"netstitch-intercloud:intercloud":{"connection":[{"name":"c","hop":[')
    f.write(",".join('{"seq":%d,"segment":"s1","encapsulation":{"dot1q":{"vlan":%d}}}'
                     % (k + 1, k % 4094 + 1) for k in range(1000000)))
    f.write(']}]}}\n')
# 20 MB in one comment (over libxml2's 10 MB text limit) and in one description.
w("comment.xml", base[:i] + "<!-- " + "x" * (20 << 20) + " -->\n" + base[i:])
w("longname.xml", base.replace("<name>twcc-edge</name>", "<name>" + "n" * (20 << 20) + "</name>", 1))
# Deep nesting: XML 1e6 levels, JSON 1e7 levels.
n = 1000000
w("deep.xml", '<intercloud xmlns="urn:netstitch:yang:intercloud">' + "<a>" * n + "</a>" * n + "</intercloud>")
n = 10000000
w("deep.json", '{"netstitch-intercloud:intercloud":{"x":' + "[" * n + "]" * n + "}}")
# Entity expansion (billion laughs) and an external entity.
ents = '<!ENTITY l0 "lol">' + "".join('<!ENTITY l%d "%s">' % (k, ("&l%d;" % (k - 1)) * 10)
                                       for k in range(1, 10))
w("laughs.xml", decl + "\n<!DOCTYPE intercloud [" + ents + "]>\n" +
  base.replace(decl, "").replace("<name>twcc-edge</name>", "<name>&l9;</name>", 1))
w("xxe.xml", decl + '\n<!DOCTYPE intercloud [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' +
  base.replace(decl, "").replace("<name>twcc-edge</name>", "<name>&x;</name>", 1))
PYEOF
NS=$NETSTITCH
run "100 MB service" 1 "INPUT-TOO-LARGE" "$NS" check "$tmp/big100.xml"
run "a million VLANs" 1 "INPUT-TOO-LARGE" "$NS" check "$tmp/vlans.json"
run "limit lowered by NST_MAX_INPUT_BYTES" 1 "INPUT-TOO-LARGE" \
    env NST_MAX_INPUT_BYTES=1000 "$NS" check "$EX/service.xml"
run "20 MB comment (libxml2 text limit)" 0 "0 error(s)" "$NS" check "$tmp/comment.xml"
# libyang holds a value in several forms (about 25 times its size): bounded by the input
# limit. The diagnostic quotes it cut to 1 KiB.
MEM=$((mem_mb * 2)) run "20 MB name" 1 "YANG-INVALID-VALUE" "$NS" check "$tmp/longname.xml"
[ "$(wc -c < "$tmp/out")" -lt 10000 ] || { echo "FAIL: 20 MB name: $(wc -c < "$tmp/out") bytes of output"; fail=1; }
run "XML nested a million deep" 1 "YANG-UNKNOWN-NODE" "$NS" check "$tmp/deep.xml"
run "JSON nested ten million deep" 1 "YANG-UNKNOWN-NODE" "$NS" check "$tmp/deep.json"
run "billion laughs" 1 "XML-SYNTAX" "$NS" check "$tmp/laughs.xml"
run "external entity" 1 "XML-SYNTAX" "$NS" check "$tmp/xxe.xml"
grep -q "root:" "$tmp/out" && { echo "FAIL: /etc/passwd content in the output"; fail=1; }
mkfifo "$tmp/fifo.xml"
run "service is a FIFO" 2 "IO-READ" timeout 10 "$NS" check "$tmp/fifo.xml"
run "service is /dev/zero" 2 "IO-READ" timeout 10 "$NS" check /dev/zero

# --- inventories ------------------------------------------------------------------
$PY - "$tmp" <<'PYEOF'
import sys
tmp = sys.argv[1]
ents = '<!ENTITY l0 "lol">' + "".join('<!ENTITY l%d "%s">' % (k, ("&l%d;" % (k - 1)) * 10)
                                       for k in range(1, 10))
open(tmp + "/inv-laughs.xml", "w").write(
    '<!DOCTYPE inventory [' + ents + ']><inventory xmlns="urn:netstitch:yang:inventory">'
    '<device><name>&l9;</name><address>127.0.0.1</address><user>u</user>'
    '<host-key><trust-on-first-use/></host-key></device></inventory>')
n = 1000000
open(tmp + "/inv-deep.xml", "w").write('<inventory xmlns="urn:netstitch:yang:inventory">' +
                                       "<a>" * n + "</a>" * n + "</inventory>")
PYEOF
mkdir -p "$tmp/pl"
cp "$TOP/tests/fuzz/corpus/payload/twcc-edge.xml" "$tmp/pl/twcc-edge.xml"
truncate -s 100M "$tmp/inv100.xml"
run "100 MB inventory" 2 "16 MiB" "$NS" push --inventory "$tmp/inv100.xml" \
    --payloads "$tmp/pl" --state-dir "$tmp/st"
run "inventory billion laughs" 2 "XML-SYNTAX\|Document Type" "$NS" push \
    --inventory "$tmp/inv-laughs.xml" --payloads "$tmp/pl" --state-dir "$tmp/st"
run "inventory nested a million deep" 2 "YANG-UNKNOWN-NODE\|not found" "$NS" push \
    --inventory "$tmp/inv-deep.xml" --payloads "$tmp/pl" --state-dir "$tmp/st"

# --- payload files (push --payloads) ------------------------------------------------
cat > "$tmp/inv.xml" <<'XMLEOF'
<inventory xmlns="urn:netstitch:yang:inventory">
  <device><name>twcc-edge</name><address>127.0.0.1</address><port>9</port><user>u</user>
    <host-key><trust-on-first-use/></host-key></device>
</inventory>
XMLEOF
rm -f "$tmp/pl/twcc-edge.xml"
mkfifo "$tmp/pl/twcc-edge.xml"
run "payload is a FIFO" 2 "not a regular file" timeout 10 "$NS" push --inventory "$tmp/inv.xml" \
    --payloads "$tmp/pl" --state-dir "$tmp/st"
rm -f "$tmp/pl/twcc-edge.xml"
ln -s /dev/zero "$tmp/pl/twcc-edge.xml"
run "payload is /dev/zero" 2 "not a regular file" timeout 10 "$NS" push \
    --inventory "$tmp/inv.xml" --payloads "$tmp/pl" --state-dir "$tmp/st"
rm -f "$tmp/pl/twcc-edge.xml"
truncate -s 100M "$tmp/pl/twcc-edge.xml"
run "100 MB payload" 2 "larger than 32 MiB" "$NS" push --inventory "$tmp/inv.xml" \
    --payloads "$tmp/pl" --state-dir "$tmp/st"

# --- saved configurations (diff --offline) and diff --payloads ----------------------
mkdir -p "$tmp/off" "$tmp/dpl"
mkfifo "$tmp/off/twcc-edge.xml"
ln -s /dev/zero "$tmp/off/ccx-pe.xml"
truncate -s 100M "$tmp/off/partner-ccx.xml"
run "saved configurations: FIFO, /dev/zero, 100 MB" 1 "ccx-pe.xml: not a regular file" \
    timeout 20 "$NS" diff --offline "$tmp/off" --no-state --state-dir "$tmp/st" "$EX/service.xml"
grep -q "twcc-edge.xml: not a regular file" "$tmp/out" || { echo "FAIL: FIFO not refused"; fail=1; }
grep -q "partner-ccx.xml: larger than 32 MiB" "$tmp/out" || { echo "FAIL: 100 MB read"; fail=1; }
mkfifo "$tmp/dpl/twcc-edge.xml"
# An unusable payload is an input error: exit 2, nothing compared (issue 16).
run "diff --payloads: a FIFO" 2 "cannot use" timeout 20 "$NS" diff --offline "$tmp/dpl" \
    --payloads "$tmp/dpl" --no-state --state-dir "$tmp/st" "$EX/service.xml"

# --- templates -----------------------------------------------------------------------
mkdir -p "$tmp/tpl/iosxr"
$PY -c "import sys; open(sys.argv[1], 'w').write('<template><!-- ' + 'x' * (100 << 20) + ' --></template>')" \
    "$tmp/tpl/iosxr/bgp.xml"
run "100 MB template" 1 "TEMPLATE-ERROR\|larger than" "$NS" compile --templates "$tmp/tpl" \
    "$EX/service.xml"
f='<?foreach {//*}?>'; e='<?end?>'
printf '<template>\n%s%s%s%s%s%s%s<x a="{@name}"/>%s%s%s%s%s%s%s\n</template>\n' \
    "$f" "$f" "$f" "$f" "$f" "$f" "$f" "$e" "$e" "$e" "$e" "$e" "$e" "$e" \
    > "$tmp/tpl/iosxr/bgp.xml"
run "template foreach bomb" 1 "more than 1048576 steps" "$NS" compile --templates "$tmp/tpl" \
    "$EX/service.xml"
printf '<!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<template><x>&b;</x></template>\n' \
    > "$tmp/tpl/iosxr/bgp.xml"
run "template with a DOCTYPE" 1 "TEMPLATE-ERROR" "$NS" compile --templates "$tmp/tpl" \
    "$EX/service.xml"
exit $fail
