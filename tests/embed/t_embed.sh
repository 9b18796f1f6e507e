#!/bin/sh
# examples/embed builds against the shared library the way an integrator builds it
# (header + -lnetstitch only) and gives the expected answers on the example.
set -u
cd "$TOP"
tmp=$(mktemp -d)
trap 'sh examples/simnet.sh stop "$tmp/net" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
# ${CC} ${SAN}: make check-asan's library needs the sanitizer runtime of the same compiler.
${CC:-cc} -std=c11 -Wall -Wextra -Werror ${SAN:-} -Iinclude examples/embed/oss_check.c \
    -o "$tmp/oss_check" -L"$BUILD" -lnetstitch || exit 1
export LD_LIBRARY_PATH="$TOP/$BUILD"
out=$("$tmp/oss_check" examples/twcc-ccx-aws/service.xml); rc=$?
[ $rc -eq 0 ] || { echo "clean example: exit $rc"; echo "$out"; exit 1; }
echo "$out" | grep -q '^clean: 6 devices to configure' || { echo "$out"; exit 1; }
echo "$out" | grep -q '^note	BW-BOTTLENECK	' || { echo "no bottleneck note: $out"; exit 1; }
out=$("$tmp/oss_check" examples/twcc-ccx-aws/broken/twcc-ccx-aws-mtu-1496.xml); rc=$?
[ $rc -eq 1 ] || { echo "broken example: exit $rc"; exit 1; }
echo "$out" | grep -q "^error	MTU-FIXED-SEGMENT	examples/twcc-ccx-aws/broken/twcc-ccx-aws-mtu-1496.xml:274	-	/netstitch-intercloud:intercloud/connection\[name='twcc-aws'\]/hop\[seq='6'\]	" \
    || { echo "$out"; exit 1; }
# The whole job through the library: diff, push with callbacks, diff again.
${CC:-cc} -std=c11 -Wall -Wextra -Werror ${SAN:-} -Iinclude examples/embed/oss_provision.c \
    -o "$tmp/oss_provision" -L"$BUILD" -lnetstitch || exit 1
sh examples/simnet.sh start "$tmp/net" examples/twcc-ccx-aws/service.xml || exit 1
out=$("$tmp/oss_provision" examples/twcc-ccx-aws/service.xml "$tmp/net/inventory.xml" "$tmp/state")
rc=$?
[ $rc -eq 0 ] || { echo "provision: exit $rc"; echo "$out"; exit 1; }
echo "$out" | grep -q '^diff: 6 of 6 devices need changes' || { echo "$out"; exit 1; }
echo "$out" | grep -Eq '^push [0-9-]+[a-z0-9-]*: committed after [0-9]+ progress events' \
    || { echo "$out"; exit 1; }
echo "$out" | grep -q '^after push: 0 devices need changes' || { echo "$out"; exit 1; }
# The routers really have it: the SR OS QinQ port went to 1522.
grep -q '<mtu>1522</mtu>' "$tmp/net/state/ccx-pe/running.xml" || { echo "ccx-pe unchanged"; exit 1; }
exit 0
