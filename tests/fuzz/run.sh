#!/bin/sh
# make fuzz: build every libFuzzer harness (clang -fsanitize=fuzzer,address,undefined)
# against an instrumented build of the library (and the simulator objects) in
# $FUZZ_BUILD (default build-fuzz), run each for FUZZ_SECONDS (default 60) from its
# seeds, and print executions, coverage and findings per harness. Inputs that crash,
# leak, hang or blow the memory limit are saved under $FUZZ_BUILD/fuzz/artifacts/NAME/;
# the run fails when there is any. Keep a fixed one as a regression input in
# tests/fuzz/regress/NAME/ (tests/fuzz/README.md).
#   FUZZ_SECONDS=N      seconds per harness
#   FUZZ_ONLY="a b"     only these harnesses
#   FUZZ_JOBS=N         libFuzzer -jobs/-workers per harness (default 1)
#   FUZZ_FLAGS="..."    extra libFuzzer flags
set -u
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
export TOP
FB=${FUZZ_BUILD:-build-fuzz}
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
command -v clang > /dev/null 2>&1 || { echo "fuzz: clang not found"; exit 2; }
rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null)
if [ ! -f "$rt" ] && ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a \
    > /dev/null 2>&1; then
    echo "fuzz: libFuzzer runtime missing (apt-get install libclang-rt-14-dev)"; exit 2
fi

SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
echo "== building the instrumented library and simulator objects in $FB"
make -s --no-print-directory NST_DEPS_DONE=1 BUILD="$FB" CC=clang WERROR=0 \
    OPT="-O1 -g -fno-omit-frame-pointer -gline-tables-only" SAN="$SAN" \
    "$FB/libnetstitch.a" "$FB/netstitch-netsim" || { echo "fuzz: build failed"; exit 2; }
CPPFLAGS="-D_DEFAULT_SOURCE -D_GNU_SOURCE -Iinclude -Icompiler -Idrivers -Inetconf -Inetsim \
 -Itests/fuzz -DNST_SRCDIR=\"$TOP\""
PKGS="libyang libnetconf2 libssh libxml-2.0 sqlite3 libpq zlib"
NETSIM_OBJS=$(ls "$FB"/obj/netsim/*.o | grep -v '/main\.o$')
mkdir -p "$FB/fuzz/bin" "$FB/fuzz/logs" "$FB/tmp"

# The seeds of a harness: its committed corpus, its kept regression inputs, and
# inputs the rest of the tree already has.
seeds() {
    echo "tests/fuzz/corpus/$1"
    [ -d "tests/fuzz/regress/$1" ] && echo "tests/fuzz/regress/$1"
    case $1 in
        service_xml) echo examples/twcc-ccx-aws examples/twcc-ccx-aws/broken tests/bad/cases ;;
        template) echo templates/iosxr templates/junos templates/sros templates/vrp \
                       templates/openconfig templates/eos ;;
        payload) echo tests/devices/payloads/iosxr tests/devices/payloads/junos ;;
    esac
}

status=0
report=""
while read -r name extra dict maxlen; do
    case $name in ''|'#'*) continue ;; esac
    if [ -n "${FUZZ_ONLY:-}" ]; then
        case " $FUZZ_ONLY " in *" $name "*) ;; *) continue ;; esac
    fi
    bin="$FB/fuzz/bin/fz_$name"
    objs=""
    [ "$extra" = netsim ] && objs=$NETSIM_OBJS
    # shellcheck disable=SC2086
    clang -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined $CPPFLAGS $(pkg-config --cflags $PKGS) \
        "tests/fuzz/fz_$name.c" $objs "$FB/libnetstitch.a" $(pkg-config --libs $PKGS) \
        -lpthread -o "$bin" || { echo "fuzz: cannot build fz_$name"; status=2; continue; }
    work="$FB/fuzz/corpus/$name"
    art="$FB/fuzz/artifacts/$name"
    mkdir -p "$work" "$art"
    log="$FB/fuzz/logs/$name.log"
    par=""
    [ "$JOBS" -gt 1 ] && par="-jobs=$JOBS -workers=$JOBS"
    echo "== fz_$name: ${SECS}s"
    # shellcheck disable=SC2046,SC2086
    TMPDIR="$TOP/$FB/tmp" "$bin" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=2048 \
        -max_len="$maxlen" -dict="tests/fuzz/dict/$dict" -artifact_prefix="$art/" \
        -print_final_stats=1 -close_fd_mask=3 $par ${FUZZ_FLAGS:-} "$work" $(seeds "$name") \
        > "$log" 2>&1
    rc=$?
    execs=$(grep -h 'stat::number_of_executed_units' "$log" "$FB"/fuzz/logs/fuzz-*.log \
                2>/dev/null | awk '{s += $2} END {print s + 0}')
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
    found=$(ls "$art" | wc -l)
    line=$(printf '%-14s execs %10s  cov %6s  ft %7s  corpus %6s  findings %s' "$name" \
        "$execs" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found")
    echo "$line"
    report="$report$line
"
    if [ "$found" -gt 0 ] || { [ $rc -ne 0 ] && [ "$JOBS" -eq 1 ]; }; then
        echo "   FINDINGS in $art (log: $log)"; status=1
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5 | sed 's/^/   /'
    fi
done < tests/fuzz/harnesses.txt
echo "== summary (${SECS}s each)"
printf '%s' "$report"
exit $status
