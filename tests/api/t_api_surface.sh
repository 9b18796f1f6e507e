#!/bin/sh
# The shared library's surface: only nst_ symbols exported, a versioned SONAME, the
# header compiles as C and as C++, and the pkg-config file describes the library.
set -u
cd "$TOP"
fail=0
so=$(ls "$BUILD"/libnetstitch.so.*.*.* | head -n 1)
extra=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {sub(/@.*/, "", $3); print $3}' | grep -v '^nst_' || true)
[ -z "$extra" ] || { echo "exported non-nst_ symbols: $extra"; fail=1; }
nm -D --defined-only "$so" | grep -q ' T nst_service_check@' || { echo "nst_service_check not exported"; fail=1; }
readelf -d "$so" | grep -q 'SONAME.*libnetstitch\.so\.[0-9]' || { echo "no versioned SONAME"; fail=1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '#include "netstitch.h"\nint main(void){ return nst_version() ? 0 : 1; }\n' > "$tmp/t.cc"
# ${SAN}: make check-asan's library needs the sanitizer runtime of the same compiler.
${CXX:-g++} -std=c++11 -Wall -Werror ${SAN:-} -Iinclude "$tmp/t.cc" -o "$tmp/tcc" -L"$BUILD" \
    -lnetstitch \
    || { echo "header does not compile as C++"; fail=1; }
LD_LIBRARY_PATH="$BUILD" "$tmp/tcc" || { echo "C++ program failed to run"; fail=1; }
grep -q '^Libs: .*-lnetstitch' "$BUILD/netstitch.pc" || { echo "pkg-config file lacks Libs"; fail=1; }
# Every void function of the header (each *_free and setter) is called with NULL by
# test_api's test_null_safety, so a new one cannot be added without that test.
body=$(sed -n '/^test_null_safety(/,/^}/p' tests/unit/test_api.c)
for f in $(sed -n 's/^NST_API void \(nst_[a-z_]*\)(.*/\1/p' include/netstitch.h); do
    printf '%s\n' "$body" | grep -q "^ *$f(NULL[,)]" ||
        { echo "test_api's test_null_safety does not call $f(NULL)"; fail=1; }
done
exit $fail
