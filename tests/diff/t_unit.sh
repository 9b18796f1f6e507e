#!/bin/sh
# t_unit.sh: build tests/diff/diff_unit.c against the build's static library and run it:
# the ownership algebra of netconf/diff.c on small trees, its fast paths against the slow
# ones on compiled payloads and random changes of them, and allocation failures during an
# offline diff of the shipped example (no crash, every failure reported as such).
set -u
cd "$TOP"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
lib=$BUILD/libnetstitch.a
[ -f "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }
cc=${CC:-cc}
san=""
if [ -n "${NST_SANITIZED:-}" ]; then
    cc=clang
    san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
fi
pkgs="libyang libnetconf2 libssh libxml-2.0 sqlite3 libpq zlib"
# shellcheck disable=SC2046
$cc -std=c11 -D_GNU_SOURCE -D_DEFAULT_SOURCE -g $san -Wall -Wextra -Werror -Iinclude \
    -Icompiler -Idrivers -Inetconf $(pkg-config --cflags $pkgs) tests/diff/diff_unit.c "$lib" \
    $(pkg-config --libs $pkgs) -lpthread -o "$tmp/diff_unit" || { echo "FAIL: build"; exit 1; }
"$NETSTITCH" compile examples/twcc-ccx-aws/service.xml -o "$tmp/out" > /dev/null \
    || { echo "FAIL: compile"; exit 1; }
# One router of each vendor as the bench generates them (user-ordered lists, secrets), for
# the fast paths' differential checks.
python3 bench/gen-service.py 6 -o "$tmp/six.xml" --variant variant-A > /dev/null \
    && "$NETSTITCH" compile "$tmp/six.xml" -o "$tmp/six" > /dev/null \
    || { echo "FAIL: compile of the six-router service"; exit 1; }
"$tmp/diff_unit" examples/twcc-ccx-aws/service.xml "$tmp/out" "$tmp/state" "$tmp/six"
