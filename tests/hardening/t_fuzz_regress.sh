#!/bin/sh
# Every fuzz harness (tests/fuzz/harnesses.txt) built without libFuzzer, with
# tests/fuzz/replay.c as its main, by the suite's own compiler and flags ($CC, $SAN under
# make check-asan), then fed every kept crash input (tests/fuzz/regress/NAME/) and every
# seed (tests/fuzz/corpus/NAME/). A crash, a sanitizer report, an abort() of a harness
# invariant or a hang (60 s per harness) fails the test.
set -u
cd "$TOP"
out="$TOP/$BUILD/fuzz-replay"
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
PKGS="libyang libnetconf2 libssh libxml-2.0 sqlite3 libpq zlib"
CPPFLAGS="-D_DEFAULT_SOURCE -D_GNU_SOURCE -Iinclude -Icompiler -Idrivers -Inetconf -Inetsim \
 -Itests/fuzz -DNST_SRCDIR=\"$TOP\""
WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wsign-compare \
 -Werror"
NETSIM_OBJS=$(ls "$BUILD"/obj/netsim/*.o 2>/dev/null | grep -v '/main\.o$')
[ -f "$BUILD/libnetstitch.a" ] || { echo "FAIL: $BUILD/libnetstitch.a not built"; exit 1; }
fail=0; n=0
while read -r name extra dict maxlen; do
    case $name in ''|'#'*) continue ;; esac
    objs=""
    if [ "$extra" = netsim ]; then
        [ -n "$NETSIM_OBJS" ] || { echo "FAIL: $BUILD/obj/netsim not built"; fail=1; continue; }
        objs=$NETSIM_OBJS
    fi
    bin="$out/fz_$name"
    # shellcheck disable=SC2086
    ${CC:-cc} -std=c11 -O1 -g ${SAN:-} $WARN $CPPFLAGS $(pkg-config --cflags $PKGS) \
        tests/fuzz/replay.c "tests/fuzz/fz_$name.c" $objs "$BUILD/libnetstitch.a" \
        $(pkg-config --libs $PKGS) -lpthread -o "$bin" 2> "$tmp/cc.err" \
        || { echo "FAIL: cannot build fz_$name:"; cat "$tmp/cc.err"; fail=1; continue; }
    dirs="tests/fuzz/corpus/$name"
    [ -d "tests/fuzz/regress/$name" ] && dirs="$dirs tests/fuzz/regress/$name"
    # shellcheck disable=SC2086
    TMPDIR="$tmp" timeout 60 "$bin" $dirs > "$tmp/out" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL: fz_$name exit $rc"; tail -n 30 "$tmp/out"; fail=1
    else
        echo "fz_$name: $(tail -n 1 "$tmp/out")"
    fi
    n=$((n + 1))
done < tests/fuzz/harnesses.txt
[ "$n" -ge 7 ] || { echo "FAIL: only $n harnesses"; fail=1; }
exit $fail
