#!/bin/sh
# bash completion (completion/netstitch.bash), driven the way bash drives it: set
# COMP_WORDS/COMP_CWORD, call the function `complete -p netstitch` names, read COMPREPLY.
#   - commands, `help` + command, options per command, --opt=value;
#   - values: --format (text|json, graph: dot|json), --emit ir;
#   - files: SERVICE and --inventory complete .xml/.json files and directories only;
#     --state-dir, --templates, --payloads, --yang-dir and compile -o complete directories;
#   - rollback/recover complete transaction ids from `netstitch rollback --list`, honouring
#     --state-dir on the line (a stub netstitch on PATH records the call).
set -u
cd "$TOP"
command -v bash > /dev/null 2>&1 || { echo "bash is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/files/sub.d" "$tmp/files/state" "$tmp/bin"
touch "$tmp/files/svc.xml" "$tmp/files/svc.json" "$tmp/files/notes.txt" "$tmp/files/inv.xml"
cat > "$tmp/bin/netstitch" <<'STUB'
#!/bin/sh
echo "$*" > "$(dirname "$0")/called"
echo "20261121-190932-718181-2d0d push committed a,b"
echo "20261121-191500-000001-abcd rollback committed a,b"
STUB
chmod +x "$tmp/bin/netstitch"

cat > "$tmp/t.bash" <<'EOF_BASH'
set -u
. "$TOP/completion/netstitch.bash"
fail=0
spec=$(complete -p netstitch) || { echo "FAIL: no completion for netstitch"; exit 1; }
fn=$(echo "$spec" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
# expect "WORDS..." "EXPECTED SORTED REPLIES": the last word is the one completed.
expect() {
    local words=$1 want=$2 got
    read -r -a COMP_WORDS <<< "$words"
    [[ $words == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    "$fn" netstitch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')
    if [[ $got != "$want" ]]; then
        echo "FAIL: '$words' completed to '$got', want '$want'"
        fail=1
    fi
}
expect "netstitch " \
    "--help --version cancel check compile confirm delete diff graph help push recover rollback status version"
expect "netstitch co" "compile confirm"
expect "netstitch r" "recover rollback"
expect "netstitch d" "delete diff"
expect "netstitch diff --format " "cli json tree xml"
expect "netstitch diff --color " "always auto never"
expect "netstitch delete --d" "--dry-run"
expect "netstitch help gr" "graph"
expect "netstitch check --f" "--format"
expect "netstitch push --d" "--dry-run"
expect "netstitch rollback --l" "--list"
expect "netstitch recover --a" "--abort"
expect "netstitch graph --s" "--svg"
expect "netstitch compile --format " "json text"
expect "netstitch graph --format " "dot json"
expect "netstitch status --format " "json prometheus text"
expect "netstitch status --w" "--watch"
expect "netstitch push --no-h" "--no-health"
expect "netstitch push --confirm-w" "--confirm-window"
expect "netstitch cancel --w" "--wait"
expect "netstitch graph --format = j" "json"
expect "netstitch compile --emit " "ir"
expect "netstitch push --jobs " ""
expect "netstitch version " ""
cd "$WORKDIR/files"
expect "netstitch check " "inv.xml state sub.d svc.json svc.xml"
expect "netstitch check s" "state sub.d svc.json svc.xml"
expect "netstitch push svc.xml --inventory i" "inv.xml"
expect "netstitch push svc.xml --state-dir s" "state sub.d"
expect "netstitch compile -o s" "state sub.d"
expect "netstitch diff svc.xml --offline s" "state sub.d"
expect "netstitch graph --svg n" "notes.txt"
PATH="$WORKDIR/bin:$PATH"
expect "netstitch rollback 2026" "20261121-190932-718181-2d0d 20261121-191500-000001-abcd"
expect "netstitch recover --state-dir state 20261121-19" \
    "20261121-190932-718181-2d0d 20261121-191500-000001-abcd"
grep -q -- "rollback --list --state-dir state" "$WORKDIR/bin/called" \
    || { echo "FAIL: txid completion did not pass --state-dir: $(cat "$WORKDIR/bin/called")"; fail=1; }
exit $fail
EOF_BASH
TOP=$TOP WORKDIR=$tmp bash "$tmp/t.bash" && echo "t_completion: ok"
