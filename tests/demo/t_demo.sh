#!/bin/sh
# The README's first command keeps working: the whole demo (check, compile, simulated
# network, push, read back) runs to its end.
set -u
cd "$TOP"
out=$(BUILD="$BUILD" sh examples/demo.sh 2>&1); rc=$?
[ $rc -eq 0 ] || { printf '%s\n' "$out" | tail -30; exit 1; }
printf '%s\n' "$out" | grep -q "committed on every device" || { printf '%s\n' "$out" | tail -30; exit 1; }
printf '%s\n' "$out" | grep -q "<mtu>1522</mtu>" || { echo "ccx-pe did not get the QinQ MTU"; exit 1; }
exit 0
