#!/bin/sh
# t_hints.sh: every command-line option a diagnostic hint (compiler/diag_codes.def) tells
# the user to pass exists: some command's --help lists it. INPUT-FORMAT's hint once said
# "pass --input-format", an option no command has. Also: the hint of an undecidable input
# format is the one printed (check -v) for a file that is neither XML nor JSON.
set -u
cd "$TOP"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }

for c in check compile push rollback recover graph diff delete; do
    "$NETSTITCH" "$c" --help 2>&1
done > "$tmp/help"
grep -q -- '--inventory' "$tmp/help" || no "the --help texts look empty"
n=0
for opt in $(sed -n '/^X(/,/)$/p' compiler/diag_codes.def | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    n=$((n + 1))
    grep -q -- "$opt\\b" "$tmp/help" || no "a hint in diag_codes.def names $opt, which no command has"
done

printf 'hello\n' > "$tmp/service.txt"
"$NETSTITCH" check -v "$tmp/service.txt" > "$tmp/out" 2>&1
[ $? = 1 ] || no "check of a file that is neither XML nor JSON must exit 1"
grep -q "error INPUT-FORMAT: cannot tell the format of $tmp/service.txt" "$tmp/out" &&
    grep -q "hint: a service is XML (starting with '<') or JSON (starting with '{'); name the file .xml or .json" \
        "$tmp/out" || no "INPUT-FORMAT and its hint: $(cat "$tmp/out")"
grep -q -- '--input-format' "$tmp/out" && no "the hint names --input-format"

[ $fail = 0 ] && echo "t_hints: ok ($n options named by hints)"
exit $fail
