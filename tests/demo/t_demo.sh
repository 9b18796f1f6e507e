#!/bin/sh
# The README's first command keeps working: the whole demo (check, compile, simulated
# network, push, read back) runs to its end.
set -u
cd "$TOP"
out=$(BUILD="$BUILD" sh examples/demo.sh 2>&1); rc=$?
[ $rc -eq 0 ] || { printf '%s\n' "$out" | tail -30; exit 1; }
printf '%s\n' "$out" | grep -q "committed on every device" || { printf '%s\n' "$out" | tail -30; exit 1; }
printf '%s\n' "$out" | grep -q "<mtu>1522</mtu>" || { echo "ccx-pe did not get the QinQ MTU"; exit 1; }
# The push passed the health gate; status read the sessions back: the AWS VPC accepted at
# CCX from AWS and at TWCC via CCX, TWCC's 192.168.0.0/24 at CCX.
printf '%s\n' "$out" | grep -q "health gate: passed" || { echo "the push did not pass the gate"; exit 1; }
printf '%s\n' "$out" | grep -Eq '^ccx-to-twcc +ccx-transit .* Established .* 1 +1 +>=1 +ok' \
    || { echo "status did not show 192.168.0.0/24 arriving at ccx-transit"; exit 1; }
printf '%s\n' "$out" | grep -Eq '^ccx-to-aws +ccx-transit +169.254.100.1 \(aws\) +Established .* 1 +1 ' \
    || { echo "status did not show ccx-to-aws Established with 1 prefix"; exit 1; }
printf '%s\n' "$out" | grep -Eq '^twcc-to-ccx +twcc-edge .* Established .* 1 +1 ' \
    || { echo "status did not show 10.22.22.0/24 arriving at twcc-edge"; exit 1; }
# The broken push was held back by the gate.
printf '%s\n' "$out" | grep -q "ccx-to-aws (ccx-transit -> 169.254.100.1): state Active" \
    || { echo "the health gate did not name the AWS session"; exit 1; }
exit 0
