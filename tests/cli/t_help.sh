#!/bin/sh
# The command line's self-description, kept in step across its four places:
#   - `netstitch` alone exits 2; `netstitch help` exits 0 and lists the commands;
#     `netstitch help nope` exits 2;
#   - for every listed command: `help CMD`, `CMD --help` and `CMD -h` exit 0 with the same
#     text on stdout, starting "usage: netstitch CMD" and stating the exit statuses; an
#     unknown option exits 2 with the usage on stderr and nothing on stdout;
#   - the long options a command's --help mentions are exactly those bash completion
#     offers for it (completion/netstitch.bash), and its man page man/netstitch-CMD.1
#     documents every one of them; netstitch(1) and the completion name every command.
set -u
cd "$TOP"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }

"$NETSTITCH" > "$tmp/out" 2> "$tmp/err"
[ $? = 2 ] || no "netstitch without a command must exit 2"
grep -q '^usage: netstitch' "$tmp/err" || no "netstitch alone prints the usage on stderr"
"$NETSTITCH" help > "$tmp/help" 2>&1 || no "netstitch help must exit 0"
"$NETSTITCH" --help | cmp -s - "$tmp/help" || no "netstitch --help differs from help"
"$NETSTITCH" help no-such-command > /dev/null 2> "$tmp/err"
[ $? = 2 ] || no "help of an unknown command must exit 2"
grep -q "no command 'no-such-command'" "$tmp/err" || no "help names the unknown command"
"$NETSTITCH" version | grep -Eq '^netstitch [0-9]+\.[0-9]+\.[0-9]+$' || no "version"

# The commands: the indented lines of `help` between "commands:" and the blank line.
cmds=$(sed -n '/^commands:/,/^$/p' "$tmp/help" | awk '/^  [a-z]/ {print $1}')
for c in check compile push rollback recover graph help version; do
    echo "$cmds" | grep -qx "$c" || no "help does not list $c"
done
compl_cmds=$(bash -c '. completion/netstitch.bash; echo $_netstitch_commands' | tr ' ' '\n')
[ "$(echo "$cmds" | sort)" = "$(echo "$compl_cmds" | sort)" ] \
    || no "completion commands ($compl_cmds) differ from help's ($cmds)"

# Long options in a text: --word tokens, once each, sorted; --help, which every command
# takes, need not be repeated in each usage.
longopts() { grep -oE -- '--[a-z][a-z-]*' "$1" | grep -vx -- --help | sort -u; }

for c in $cmds; do
    case $c in help | version) continue ;; esac
    "$NETSTITCH" help "$c" > "$tmp/$c.help" 2> "$tmp/err" || no "help $c must exit 0"
    "$NETSTITCH" "$c" --help > "$tmp/$c.long" 2>&1 || no "$c --help must exit 0"
    "$NETSTITCH" "$c" -h > "$tmp/$c.short" 2>&1 || no "$c -h must exit 0"
    cmp -s "$tmp/$c.help" "$tmp/$c.long" || no "help $c differs from $c --help"
    cmp -s "$tmp/$c.help" "$tmp/$c.short" || no "$c -h differs from $c --help"
    head -n 1 "$tmp/$c.help" | grep -q "^usage: netstitch $c" || no "$c --help: first line"
    grep -qi 'exit status' "$tmp/$c.help" || no "$c --help does not state the exit statuses"
    "$NETSTITCH" "$c" --no-such-option > "$tmp/out" 2> "$tmp/err"
    rc=$?
    # Every command, diff included (issue 16), exits 2 on a usage error.
    want=2
    [ $rc = $want ] || no "$c with an unknown option must exit $want, not $rc"
    [ -s "$tmp/out" ] && no "$c with an unknown option printed on stdout"
    grep -q "usage: netstitch $c" "$tmp/err" || no "$c: usage on stderr after a bad option"

    # --help and completion offer the same long options.
    longopts "$tmp/$c.help" > "$tmp/$c.helpopts"
    bash -c ". completion/netstitch.bash; _netstitch_options $c" | tr ' ' '\n' \
        | grep -- '^--' | grep -vx -- --help | sort -u > "$tmp/$c.complopts"
    [ -s "$tmp/$c.helpopts" ] || no "$c --help mentions no option"
    cmp -s "$tmp/$c.helpopts" "$tmp/$c.complopts" || {
        no "$c: --help and completion disagree:"
        diff "$tmp/$c.helpopts" "$tmp/$c.complopts" | sed 's/^/    /'
    }

    # The man page documents them (roff writes - as \-).
    page=man/netstitch-$c.1
    if [ ! -f "$page" ]; then
        no "no man page $page"
        continue
    fi
    sed 's/\\-/-/g' "$page" > "$tmp/$c.man"
    for o in $(cat "$tmp/$c.helpopts"); do
        grep -q -- "$o" "$tmp/$c.man" || no "$page does not document $o"
    done
    grep -q "^\.TH NETSTITCH\\\\-$(echo "$c" | tr a-z A-Z) 1" "$page" || no "$page: .TH line"
    grep -q "^\.BR netstitch\\\\-$c (1)" man/netstitch.1 || no "netstitch.1 does not refer to $c"
done
[ $fail = 0 ] && echo "t_help: ok ($(echo $cmds | wc -w) commands)"
exit $fail
