# push_race.sh: two pushes of one service racing, made deterministic (docs/push.md, "Two
# pushes of the same service"); sourced by t_push_race.sh (SQLite state directory) and
# t_push_race_pg.sh (PostgreSQL) after common.sh, with STORE set to the store option. A push
# reads the service's ownership record without the service lock, then reads the devices; a
# push of the same service by another process that commits in between makes the first one
# see that change as drift. It must be told to run again (exit 5, "applied by another
# netstitch process while this diff ran"), not refused as drift (exit 6), and must change
# nothing. Two Junos routers of netstitch-netsim, the example's payloads as the service
# "race":
#   - push p1 (the record's first generation);
#   - A pushes p2 with --jobs 1 (its diff reads twaren-border, then twaren-taichung) while
#     twaren-border delays A's <get-config> by 5 s;
#   - in those 5 s, B pushes p3 to twaren-taichung only (--limit) and commits;
#   - A then reads twaren-taichung, finds B's change against the record it read: exit 5,
#     neither router touched by A; run again, A goes through.
# Then the other order: B commits between A's diff and A's service lock: exit 5, "since
# this diff was made".
EX=$TOP/examples/twcc-ccx-aws
NS_RPC_TIMEOUT=20
netsim_up "twaren-border:junos twaren-taichung:junos"
export LAB_CLIENT_KEY_ED25519=$NS/client NC_USER=admin
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    ns_devices_xml
    echo '</inventory>'
} >"$INV"
"$NETSTITCH" compile -o "$WORK/out" "$EX/service.xml" >/dev/null 2>&1 || fail "compile"
for v in 1 2 3; do
    mkdir -p "$WORK/p$v"
    for d in twaren-border twaren-taichung; do
        sed "s|VPLS twaren-ccx<|VPLS twaren-ccx (generation $v)<|" "$WORK/out/$d.xml" \
            >"$WORK/p$v/$d.xml"
    done
done
grep -q "generation 2" "$WORK/p2/twaren-taichung.xml" || fail "the variants do not differ"
dump() {
    $PY "$NCPY" dump "$1" twaren-border twaren-taichung || fail "ncclient could not read the devices"
}
P="--inventory $INV $STORE --name race"

run_push first $P --payloads "$WORK/p1"
assert_rc 0 first
dump "$WORK/first"

# b_pushes NAME: B pushes p3 to twaren-taichung only (--limit) and commits, while A (pid
# $A) is held; A must still be running afterwards.
b_pushes() {
    run_push "$1-b" $P --payloads "$WORK/p3" --limit twaren-taichung
    assert_rc 0 "$1-b"
    kill -0 "$A" 2>/dev/null || fail "$1: inconclusive: A finished before B had committed (machine too slow?)"
}
# A pushes p2 with --jobs 1 while twaren-border delays its <get-config> by 5 s; once that
# delay fired, B pushes (B's requests are not delayed; A's sleeps on).
log=$NS/state/twaren-border/rpc.log
printf 'delay 5000 get-config\n' >"$NS/state/twaren-border/faults.tmp"
mv "$NS/state/twaren-border/faults.tmp" "$NS/state/twaren-border/faults"
n0=$(wc -l <"$log")
"$NETSTITCH" push --no-health $P --payloads "$WORK/p2" --jobs 1 >"$WORK/a.out" 2>"$WORK/a.err" &
A=$!
BGKIDS="$BGKIDS $A"
end=$(($(date +%s) + 60))
until tail -n +"$((n0 + 1))" "$log" | grep -q "kind=delay .*rpc=get-config -> fired"; do
    kill -0 "$A" 2>/dev/null || { cat "$WORK/a.err"; fail "A ended before its get-config"; }
    [ "$(date +%s)" -lt "$end" ] || fail "A never sent its get-config"
    sleep 0.05
done
rm -f "$NS/state/twaren-border/faults"
b_pushes a
dump "$WORK/after-b"
wait "$A"
RC=$?
assert_rc 5 a
assert_grep "service race was applied by another netstitch process while this diff ran" "$WORK/a.err"
grep -rq "drift" "$WORK/a.out" "$WORK/a.err" && fail "A reported drift: $(cat "$WORK/a.out" "$WORK/a.err")"
dump "$WORK/after-a"
assert_same "$WORK/after-b" "$WORK/after-a" "A changed a router"
grep -q "generation 3" "$WORK/after-a" || fail "B's change is not on twaren-taichung"
grep -q "generation 2" "$WORK/after-a" && fail "A's change reached a router"

run_push again $P --payloads "$WORK/p2"
assert_rc 0 again
dump "$WORK/again"
grep -q "generation 2" "$WORK/again" || fail "run again: A's change is not there"
grep -q "generation [13]" "$WORK/again" && fail "run again: an older generation is left"
echo "ok: a push whose diff saw another push's change: exit 5, nothing changed"

# The other order: A's diff read both routers before B's change and found no drift, and
# B commits between A's diff and A's service lock (A held there by the test hook's
# "diffed" event, docs/push.md). A must find the record moved when it takes the lock:
# exit 5, "since this diff was made", nothing changed by A.
start_paused diffed a2 push --no-health $P --payloads "$WORK/p1"
A=$BG
b_pushes a2
dump "$WORK/after-b2"
resume
assert_rc 5 a2
assert_grep "was applied by another netstitch process since this diff was made" "$WORK/a2.err"
dump "$WORK/after-a2"
assert_same "$WORK/after-b2" "$WORK/after-a2" "A changed a router"
grep -q "generation 1" "$WORK/after-a2" && fail "A's change reached a router"
echo "ok: a push whose record moved between its diff and its lock: exit 5, nothing changed"
