#!/bin/sh
# t_self_contained.sh: the repository speaks of itself alone. No file points at a path
# outside it for facts (the vendor and NETCONF lab facts live in docs/vendors.md, with
# their sources), and every "docs/vendors.md A.N / B.N" citation names a section that
# exists.
set -u
cd "$TOP"
fail=0
no() { echo "FAIL: $*"; fail=1; }

if [ -d .git ] || [ -f .git ]; then
    files=$(git ls-files | grep -v '^tests/fuzz/\(regress\|corpus\)/')
else
    files=$(find . -type f ! -path './build*' ! -path './.git/*' ! -path './tests/fuzz/regress/*' \
        ! -path './tests/fuzz/corpus/*' | sed 's|^\./||')
fi
# shellcheck disable=SC2086
hits=$(printf '%s\n' $files | grep -v '^tests/docs/t_self_contained.sh$' |
    xargs grep -nIE '(/work/|/shared/reference|netconf-lab\.md|field-notes\.md)' 2>/dev/null)
[ -z "$hits" ] || no "paths outside the repository:
$hits"

# Sections are cited as A.N or B.N (the outside file's numbering, "§N", is gone).
# shellcheck disable=SC2086
old=$(printf '%s\n' $files | xargs grep -nIE 'vendors\.md (§|section )[0-9]' 2>/dev/null)
[ -z "$old" ] || no "cite docs/vendors.md sections as A.N or B.N:
$old"

# Every cited section of docs/vendors.md exists.
# shellcheck disable=SC2086
for ref in $(printf '%s\n' $files | xargs grep -ohIE 'vendors\.md [AB]\.[0-9]+' 2>/dev/null |
    sed 's/.* //' | sort -u); do
    grep -q "^## $ref " docs/vendors.md || no "docs/vendors.md has no section $ref"
done
[ $fail = 0 ] && echo "t_self_contained: ok"
exit $fail
