#!/bin/sh
# The man pages render without a single groff warning (groff -man -ww, every warning
# category), each names itself in .TH as its file name says, each has NAME, SYNOPSIS,
# DESCRIPTION and SEE ALSO, every page a SEE ALSO names (netstitch*) exists, and
# `man -l` formats each one (when man-db is installed); `make install` (DESTDIR) puts
# them and the bash completion where man and bash-completion look.
set -u
cd "$TOP"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }
command -v groff > /dev/null 2>&1 || { echo "groff is not installed"; exit 77; }

n=0
for page in man/*.1; do
    n=$((n + 1))
    base=$(basename "$page" .1)
    groff -man -Tutf8 -ww -z "$page" > "$tmp/out" 2> "$tmp/err"
    [ $? = 0 ] || no "$page: groff failed"
    [ -s "$tmp/err" ] && { no "$page: groff warnings:"; sed 's/^/    /' "$tmp/err"; }
    want=$(echo "$base" | tr a-z A-Z | sed 's/-/\\\\-/g')
    grep -q "^\.TH $want 1 " "$page" || no "$page: .TH does not say $want"
    for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
        grep -q "^\.SH $s\$" "$page" || no "$page: no $s section"
    done
    for ref in $(sed -n '/^\.SH SEE ALSO/,/^\.SH/p' "$page" | grep -o 'netstitch[a-z\\-]*' \
        | sed 's/\\-/-/g' | sort -u); do
        [ -f "man/$ref.1" ] || no "$page refers to $ref(1), which does not exist"
    done
    if command -v man > /dev/null 2>&1; then
        MANWIDTH=80 MAN_KEEP_FORMATTING= man -l "$page" > "$tmp/rendered" 2> "$tmp/err" \
            || no "$page: man -l failed"
        grep -q '^NAME' "$tmp/rendered" || no "$page: man -l shows no NAME"
        [ -s "$tmp/err" ] && { no "$page: man -l complained:"; sed 's/^/    /' "$tmp/err"; }
    fi
done
[ $n -ge 7 ] || no "expected netstitch.1 and a page per command, found $n pages"

# make install puts the pages where man finds them, and the completion where
# bash-completion loads it from.
if command -v make > /dev/null 2>&1; then
    make -s NST_DEPS_DONE=1 BUILD="$BUILD" DESTDIR="$tmp/root" install > "$tmp/install.out" 2>&1 \
        || { no "make install failed:"; tail -5 "$tmp/install.out"; }
    share=$tmp/root/usr/local/share
    for page in man/*.1; do
        cmp -s "$page" "$share/man/man1/$(basename "$page")" || no "make install lacks $page"
    done
    cmp -s completion/netstitch.bash "$share/bash-completion/completions/netstitch" \
        || no "make install lacks the bash completion"
    if command -v man > /dev/null 2>&1; then
        MANWIDTH=80 man -M "$share/man" netstitch-graph 2> /dev/null | grep -q 'netstitch-graph' \
            || no "man -M PREFIX/share/man netstitch-graph finds nothing"
    fi
fi
# Without man or make the remaining checks ran; skip instead of passing.
for tool in man make; do
    if [ $fail = 0 ] && ! command -v $tool > /dev/null 2>&1; then
        echo "$tool is not installed: the pages were not rendered or installed with it"
        exit 77
    fi
done
[ $fail = 0 ] && echo "t_man: ok ($n pages)"
exit $fail
