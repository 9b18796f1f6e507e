# bash completion for netstitch(1): subcommands, their options, and the files, directories
# and values each option takes. Installed to share/bash-completion/completions/netstitch;
# to try it from the source tree: `. completion/netstitch.bash`.
#
# Kept in step with each command's --help by tests/cli/t_completion.sh.

_netstitch_commands="check compile push rollback recover graph diff delete status confirm cancel log
    show services gc help version"

# The options of one subcommand.
_netstitch_options() {
    case $1 in
    check) echo "--format --verbose -v --yang-dir --help -h" ;;
    compile) echo "--emit --format --inventory --output -o --templates --yang-dir --help -h" ;;
    push) echo "--inventory --payloads --templates --state-dir --state --comment --jobs -j
                --confirm-timeout --dry-run --diff-format --limit --name --force --no-state --redeploy
                --no-validate --no-health --health-deadline --health-interval --confirm-window
                --format --quiet -q --yang-dir --help -h" ;;
    rollback) echo "--inventory --state-dir --state --last --comment --dry-run --diff-format --list --force --jobs -j
                    --confirm-timeout --no-validate --format --quiet -q --yang-dir --help -h" ;;
    recover) echo "--inventory --state-dir --abort --forget --jobs -j --format --quiet -q
                   --yang-dir --help -h" ;;
    graph) echo "--connection --format --output -o --svg --yang-dir --help -h" ;;
    diff) echo "--inventory --offline --format --name --payloads --templates --state-dir
                --no-state --limit --jobs -j --color --quiet -q --yang-dir --help -h" ;;
    confirm | cancel) echo "--state-dir --wait --format --help -h" ;;
    status) echo "--inventory --format --watch --count --state-dir --yang-dir --help -h" ;;
    delete) echo "--inventory --name --force --state-dir --state --comment --diff-format --jobs -j
                  --confirm-timeout --dry-run --no-validate --format --quiet -q --yang-dir
                  --help -h" ;;
    log) echo "--service --device --since --until --state-dir --state --format --yang-dir
               --help -h" ;;
    show | services) echo "--state-dir --state --format --yang-dir --help -h" ;;
    gc) echo "--keep --older-than --dry-run --state-dir --state --format --yang-dir --help -h" ;;
    esac
}

# Service, inventory and payload files: XML and JSON, and directories to descend into.
_netstitch_files() {
    local cur=$1 restore
    restore=$(shopt -p extglob)
    shopt -s extglob
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -d -- "$cur") $(compgen -f -X '!*.@(xml|json|XML|JSON)' -- "$cur"))
    eval "$restore"
}

# Transaction ids of the state store (--state-dir or --state on the line, else the default).
_netstitch_txids() {
    local cur=$1 state="" i
    for ((i = 2; i < ${#COMP_WORDS[@]}; i++)); do
        if [[ ${COMP_WORDS[i]} == --state-dir || ${COMP_WORDS[i]} == --state ]] &&
            [[ $((i + 1)) -lt ${#COMP_WORDS[@]} ]]; then
            state=${COMP_WORDS[i + 1]}
        fi
    done
    COMPREPLY+=($(compgen -W "$(netstitch rollback --list ${state:+--state-dir "$state"} \
        2>/dev/null | cut -d' ' -f1)" -- "$cur"))
}

_netstitch() {
    local cur prev cmd i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    # --opt=value: bash splits at '=', so the option is two words back.
    if [[ $cur == = ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        cur=""
    elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$_netstitch_commands --help --version" -- "$cur"))
        return 0
    fi
    cmd=${COMP_WORDS[1]}

    # Values of options.
    case $prev in
    --diff-format)
        COMPREPLY=($(compgen -W "tree cli xml json" -- "$cur"))
        return 0
        ;;
    --format)
        if [[ $cmd == graph ]]; then
            COMPREPLY=($(compgen -W "dot json" -- "$cur"))
        elif [[ $cmd == diff ]]; then
            COMPREPLY=($(compgen -W "tree cli xml json" -- "$cur"))
        elif [[ $cmd == status ]]; then
            COMPREPLY=($(compgen -W "text json prometheus" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "text json" -- "$cur"))
        fi
        return 0
        ;;
    --emit)
        COMPREPLY=($(compgen -W "ir" -- "$cur"))
        return 0
        ;;
    --color)
        COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
        return 0
        ;;
    --inventory)
        _netstitch_files "$cur"
        return 0
        ;;
    --yang-dir | --templates | --state-dir | --state | --payloads | --offline)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -d -- "$cur"))
        return 0
        ;;
    -o | --output)
        compopt -o filenames 2>/dev/null
        if [[ $cmd == compile ]]; then
            COMPREPLY=($(compgen -d -- "$cur"))
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return 0
        ;;
    --svg)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
        ;;
    --jobs | -j | --confirm-timeout | --connection | --name | --comment | --service | --device | \
        --since | --until | --keep | --older-than | --limit | --watch | --count | \
        --health-deadline | --health-interval | --confirm-window | --wait)
        return 0
        ;;
    esac

    case $cmd in
    help)
        [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "$_netstitch_commands" -- "$cur"))
        return 0
        ;;
    version)
        return 0
        ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_netstitch_options "$cmd")" -- "$cur"))
        return 0
    fi
    case $cmd in
    check | compile | push | graph | diff | delete | status)
        _netstitch_files "$cur"
        ;;
    rollback | recover | show | confirm | cancel)
        _netstitch_txids "$cur"
        ;;
    esac
    return 0
}

complete -F _netstitch netstitch
