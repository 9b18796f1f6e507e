#!/bin/sh
# make install PREFIX=X after make (issue 16):
#   - the objects that embed PREFIX are rebuilt (a stamp holds PREFIX), so the installed
#     command does not look under the old prefix;
#   - the installed tree is relocatable: moved elsewhere, `netstitch check` finds the
#     models in BIN/../share/netstitch/yang, the moved copy's, before the compiled-in
#     paths (proved by breaking the moved copy's model: check must then fail to load it).
set -u
cd "$TOP"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }
b="$tmp/build"
# A build directory of our own, so the suite's build/ is not rebuilt under it.
make -s BUILD="$b" PREFIX="$tmp/first" all > "$tmp/make1" 2>&1 || { cat "$tmp/make1"; exit 1; }
make BUILD="$b" PREFIX="$tmp/inst" install > "$tmp/make2" 2>&1 || { cat "$tmp/make2"; exit 1; }
grep -q 'obj/compiler/ctx.o' "$tmp/make2" || no "install with another PREFIX did not rebuild ctx.o"
grep -q "PREFIX=$tmp/inst" "$b/paths.stamp" || no "stamp: $(cat "$b/paths.stamp")"
make BUILD="$b" PREFIX="$tmp/inst" all > "$tmp/make3" 2>&1
grep -q 'obj/compiler/ctx.o' "$tmp/make3" && no "an unchanged PREFIX rebuilt ctx.o"
mv "$tmp/inst" "$tmp/moved"
sed 's/twcc-aws/relocate-probe/g' examples/twcc-ccx-aws/service.xml > "$tmp/svc.xml"
(cd / && "$tmp/moved/bin/netstitch" check "$tmp/svc.xml") > "$tmp/c1" 2>&1 ||
    no "moved install: check failed: $(tail -n 3 "$tmp/c1")"
echo 'this is not YANG' >> "$tmp/moved/share/netstitch/yang/netstitch-intercloud.yang"
(cd / && "$tmp/moved/bin/netstitch" check "$tmp/svc.xml") > "$tmp/c2" 2>&1 &&
    no "the moved command did not read its own share/netstitch/yang"
[ $fail = 0 ] && echo "t_install_relocate: ok"
exit $fail
