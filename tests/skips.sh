# skips.sh: declared skips, sourced by tests/run.sh and tests/hardening/asan-subset.sh.
#
# A test exits 77 when it cannot run here (a tool or a privilege is missing). A green
# `make check` must mean every test ran, so a skip counts as a failure unless it is
# declared expected for that test on this machine: NST_EXPECTED_SKIPS names a file with
# one line per expected skip,
#     <test name as printed by run.sh>  <reason, required>
# e.g. `lab/t_session  no root on this CI runner: the lab needs its own sshd`, with `#`
# comments and blank lines allowed. CI on the 2-core Debian machine, as root with
# scripts/install-deps.sh run, declares none. A declared test that does not skip is only
# reported (the declaration is stale), never failed.
#
# skip_reason NAME: print the declared reason and return 0, or return 1 if undeclared.
# A declaration without a reason, or a NST_EXPECTED_SKIPS naming no readable file, does
# not count: a skip must say why.
skip_reason() {
    [ -n "${NST_EXPECTED_SKIPS:-}" ] || return 1
    [ -r "$NST_EXPECTED_SKIPS" ] || {
        echo "NST_EXPECTED_SKIPS=$NST_EXPECTED_SKIPS is not a readable file" >&2; return 1; }
    awk -v n="$1" '
        /^[ \t]*(#|$)/ { next }
        $1 == n { sub(/^[ \t]*[^ \t]+[ \t]*/, ""); if ($0 != "") { print; found = 1; exit } }
        END { exit found ? 0 : 1 }' "$NST_EXPECTED_SKIPS"
}
