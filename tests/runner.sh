# runner.sh: the job runner behind tests/run.sh and tests/hardening/asan-subset.sh
# (sourced, POSIX sh). A job is one unit-test binary or one test script; its exit status
# is 0 (pass), 77 (skip, which fails unless declared in tests/skips.sh) or anything else
# (fail). Jobs run NST_TEST_JOBS at a time (default 2: the CI machine has two cores and
# most scripts spend their time waiting for simulated routers, gate deadlines and
# sshd/netconfd start-up); jobs queued with `job_serial` run afterwards, one at a time
# and alone (the quick bench measures ratios, which a neighbour's load would skew). Each
# job's output is kept in a file and its result printed in queue order, so the log reads
# the same whatever the timing. A job is killed after NST_TEST_TIMEOUT seconds (300).
#
# Use: . tests/runner.sh; job NAME CMD [ARG...]; ...; job_serial NAME CMD...; run_jobs PREFIX
# run_jobs prints one PASS/FAIL/SKIP line per job (PREFIX before the name), the totals,
# and returns 0 only if nothing failed. Arguments must not contain spaces or newlines.

RUNNER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nst-run.XXXXXX") || exit 1
trap 'rm -rf "$RUNNER_DIR"' EXIT
: > "$RUNNER_DIR/queue"
: > "$RUNNER_DIR/serial"

job() {
    printf '%s\n' "$*" >> "$RUNNER_DIR/queue"
}

job_serial() {
    printf '%s\n' "$*" >> "$RUNNER_DIR/serial"
}

# runner_one N PREFIX NAME CMD...: run one job, leave its printed result in N.out and
# its verdict (pass, fail or skip, then the name) in N.st, written last.
runner_one() {
    n=$1; label=$2$3; name=$3; shift 3
    start=$(date +%s)
    # A hung test fails after NST_TEST_TIMEOUT seconds instead of stalling CI.
    out=$(timeout -k 10 "${NST_TEST_TIMEOUT:-300}" "$@" 2>&1); rc=$?
    [ $rc -eq 124 ] && out="$out
TIMEOUT after ${NST_TEST_TIMEOUT:-300}s"
    # cmocka exits 0 when a test called skip(): a unit binary's skip is a skip too.
    [ $rc -eq 0 ] && printf '%s' "$out" | grep -q '^\[  SKIPPED \]' && rc=77
    secs=$(( $(date +%s) - start ))
    {
        case $rc in
            0) skip_reason "$name" > /dev/null &&
                   echo "note: $name is declared as an expected skip but ran (NST_EXPECTED_SKIPS)"
               printf 'PASS %-40s %3ss\n' "$label" "$secs"
               st=pass ;;
            77) if why=$(skip_reason "$name"); then
                    printf 'SKIP %-40s (%s; declared: %s)\n' "$label" \
                        "$(printf '%s' "$out" | tail -n 1)" "$why"
                    st=skip
                else
                    printf 'FAIL %-40s undeclared skip (tests/skips.sh): %s\n' "$label" \
                        "$(printf '%s' "$out" | tail -n 1)"
                    st=fail
                fi ;;
            *) printf 'FAIL %-40s rc=%s (%ss)\n' "$label" "$rc" "$secs"
               printf '%s\n' "$out" | tail -n 60 | sed 's/^/    /'
               st=fail ;;
        esac
    } > "$RUNNER_DIR/$n.out"
    echo "$st $name" > "$RUNNER_DIR/$n.tmp" && mv "$RUNNER_DIR/$n.tmp" "$RUNNER_DIR/$n.st"
}

# runner_print N: print job N's result and count it.
runner_print() {
    cat "$RUNNER_DIR/$1.out"
    read -r st name < "$RUNNER_DIR/$1.st"
    case $st in
        pass) pass=$((pass + 1)) ;;
        skip) skip=$((skip + 1)) ;;
        *) fail=$((fail + 1)); failed="$failed $name" ;;
    esac
}

# runner_pool FILE JOBS PREFIX TAG: run the jobs listed in FILE, JOBS at a time, printing
# results in order as soon as every earlier job has finished (their files are TAG1, ...).
runner_pool() {
    file=$1; max=$2; prefix=$3; tag=$4
    total=$(wc -l < "$file")
    i=0; printed=0; running=0
    while [ $printed -lt $total ]; do
        while [ $running -lt $max ] && [ $i -lt $total ]; do
            i=$((i + 1))
            # shellcheck disable=SC2046 # the job's words, split on purpose
            runner_one "$tag$i" "$prefix" $(sed -n "${i}p" "$file") &
            running=$((running + 1))
        done
        sleep 0.2
        running=0
        j=$((printed + 1))
        while [ $j -le $i ]; do
            [ -e "$RUNNER_DIR/$tag$j.st" ] || running=$((running + 1))
            j=$((j + 1))
        done
        while [ $printed -lt $i ] && [ -e "$RUNNER_DIR/$tag$((printed + 1)).st" ]; do
            printed=$((printed + 1))
            runner_print "$tag$printed"
        done
    done
    wait
}

run_jobs() {
    prefix=${1:-}
    pass=0; fail=0; skip=0; failed=""
    runner_pool "$RUNNER_DIR/queue" "${NST_TEST_JOBS:-2}" "$prefix" p
    runner_pool "$RUNNER_DIR/serial" 1 "$prefix" s
    echo "== ${prefix%/}${prefix:+: }$pass passed, $fail failed, $skip skipped"
    [ -n "$failed" ] && echo "== ${prefix%/}${prefix:+ }failed:$failed"
    [ "$fail" -eq 0 ]
}
