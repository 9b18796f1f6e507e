/*
 * cmd_rollback.c: `netstitch rollback TXID --inventory INV [options]` and
 * `netstitch rollback --list [--state-dir DIR]`.
 *
 * Rollback restores, on every device of a past transaction, the running configuration
 * that transaction saved before it changed anything. It runs as a new transaction with
 * all of push's guarantees (and can itself be rolled back). Only the top-level elements
 * the transaction touched are restored. Exit statuses as for push (cmd_push.c).
 *
 * Relative ids: `--last` is the newest transaction that committed (a push, delete or
 * rollback), `-N` the N-th newest (`-1` is `--last`), found in the history (nst_history).
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
rollback_usage(FILE *out)
{
    fputs("usage: netstitch rollback TXID|--last|-N --inventory INV [options]\n"
          "       netstitch rollback --list [--state-dir DIR] [--format text|json]\n"
          "\n"
          "Restore the configuration every device of transaction TXID had before it,\n"
          "as one all-or-nothing transaction.\n"
          "  --inventory INV        how to reach the devices\n"
          "  --state-dir DIR|URL    the state store (default ~/.local/state/netstitch;\n"
          "                         --state is the same)\n"
          "  --last, -N             the newest (N-th newest) committed transaction\n"
          "  --comment TEXT         why, for the history (netstitch log)\n"
          "  --dry-run              prepare and validate everywhere, show what each device\n"
          "                         would be sent (secrets as placeholders), commit nothing\n"
          "  --diff-format FMT      that diff as tree (default), cli, xml or json (also\n"
          "                         without --dry-run: what was sent)\n"
          "  --list                 list the transactions, oldest first (json: one document;\n"
          "                         `netstitch log` shows more)\n"
          "  --force                also restore a transaction that did not commit, and undo\n"
          "                         its changes even where a later transaction changed the\n"
          "                         same configuration since\n"
          "  --jobs N, --confirm-timeout SEC, --no-validate, --format text|json,\n"
          "  -q/--quiet, --yang-dir DIR  as for push\n"
          "\n"
          "Exit status: as for push (0 restored everywhere, 1 failed and undone, 2 usage,\n"
          "4 incomplete, 5 busy), 6 refused: a later transaction changed the same\n"
          "configuration (nothing changed; see --force).\n",
          out);
}

/* One --list line, "TXID KIND OUTCOME dev,dev,... [key=value...]", as a JSON object. */
static void
rollback_list_json(const char *line, int first)
{
    char *copy = strdup(line), *save = NULL, *tok;
    static const char *const keys[] = {"id", "kind", "outcome"};
    int field = 0;

    printf("%s\n  {", first ? "" : ",");
    for (tok = copy ? strtok_r(copy, " ", &save) : NULL; tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');

        if (field < 3) {
            printf("%s\"%s\": ", field ? ", " : "", keys[field]);
            cli_json_str(stdout, tok);
        } else if (field == 3 && !eq) {
            printf(", \"devices\": [");
            for (char *d = tok, *c; d; d = c ? c + 1 : NULL) {
                c = strchr(d, ',');
                if (c) {
                    *c = '\0';
                }
                printf("%s", d == tok ? "" : ", ");
                cli_json_str(stdout, d);
            }
            printf("]");
        } else if (eq) {
            /* Extra facts such as rollback-of=TXID, under their own key. */
            *eq = '\0';
            printf(", ");
            cli_json_str(stdout, tok);
            printf(": ");
            cli_json_str(stdout, eq + 1);
        }
        field++;
    }
    printf("}");
    free(copy);
}

/* The @nth newest committed push, delete or rollback (1: the newest), into @id. */
static int
rollback_relative(struct nst_ctx *ctx, const char *state, long nth, char *id, size_t len)
{
    struct nst_history *h = cli_hist_open(ctx, state, "rollback");
    long seen = 0;

    if (!h) {
        return EXIT_USAGE;
    }
    for (size_t i = nst_history_count(h); i-- > 0;) {
        if (strcmp(nst_history_field(h, i, NST_HISTORY_OUTCOME), "committed") ||
            !strcmp(nst_history_field(h, i, NST_HISTORY_KIND), "recover")) {
            continue;
        }
        if (++seen == nth) {
            snprintf(id, len, "%s", nst_history_field(h, i, NST_HISTORY_ID));
            nst_history_free(h);
            return EXIT_CLEAN;
        }
    }
    fprintf(stderr, "netstitch rollback: %s has %ld committed transaction%s, not %ld\n",
            nst_history_location(h), seen, seen == 1 ? "" : "s", nth);
    nst_history_free(h);
    return EXIT_USAGE;
}

/* --list: one line per transaction (text), or one JSON document. */
static int
rollback_list(struct nst_ctx *ctx, const char *state_dir, int fmt)
{
    static const char empty[] = "<inventory xmlns=\"urn:netstitch:yang:inventory\"/>";
    struct nst_inventory *inv = NULL;
    struct nst_txn *txn = NULL;
    char **ids = NULL, *line;
    int rc = EXIT_CLEAN;

    if (nst_inventory_load_mem(ctx, empty, NST_FORMAT_XML, NULL, &inv) ||
        nst_txn_new(ctx, inv, &txn) || nst_txn_set_state_dir(txn, state_dir) ||
        nst_txn_list(txn, NST_TXN_LIST_ALL, &ids)) {
        fprintf(stderr, "netstitch rollback: %s\n",
                txn && *nst_txn_message(txn) ? nst_txn_message(txn)
                                             : "cannot read the state directory");
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (fmt == OUT_JSON) {
        printf("{\"command\": \"rollback\", \"exit\": 0, \"transactions\": [");
    }
    for (size_t i = 0, n = 0; ids[i]; i++) {
        if (!nst_txn_describe(txn, ids[i], &line)) {
            if (fmt == OUT_JSON) {
                rollback_list_json(line, !n++);
            } else {
                printf("%s\n", line);
            }
            nst_free_string(line);
        }
    }
    if (fmt == OUT_JSON) {
        printf("%s]}\n", ids[0] ? "\n" : "");
    }

cleanup:
    nst_txn_list_free(ids);
    nst_txn_free(txn);
    nst_inventory_free(inv);
    return rc;
}

int
cmd_rollback(int argc, char **argv)
{
    static const struct option opts[] = {
        {"inventory", required_argument, NULL, 'i'},
        {"state-dir", required_argument, NULL, 's'},
        {"state", required_argument, NULL, 's'},
        {"last", no_argument, NULL, 'L'},
        {"dry-run", no_argument, NULL, 'n'},
        {"diff-format", required_argument, NULL, 'D'},
        {"comment", required_argument, NULL, 'C'},
        {"jobs", required_argument, NULL, 'j'},
        {"confirm-timeout", required_argument, NULL, 't'},
        {"no-validate", no_argument, NULL, 'V'},
        {"force", no_argument, NULL, 'F'},
        {"list", no_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"yang-dir", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *inv_path = NULL, *state_dir = NULL, *yang_dir = NULL, *comment = NULL, *txid = NULL;
    char relid[64];
    long nth = 0;
    int dry = 0, diff_fmt = -2; /* unset: tree with --dry-run and a text report */
    char *shown = NULL;
    unsigned flags = 0, jobs = 0;
    unsigned long confirm = 0;
    int c, quiet = 0, list = 0, fmt = OUT_TEXT, rc;
    struct nst_ctx *ctx = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_txn *txn = NULL;
    void *progress = NULL;
    unsigned long num;
    nst_err err;

    /* -N (a relative id) looks like an option: take it out first. */
    for (int a = 1; a < argc; a++) {
        char *e = NULL;
        long v = argv[a][0] == '-' && argv[a][1] >= '1' && argv[a][1] <= '9'
                     ? strtol(argv[a] + 1, &e, 10)
                     : 0;

        if (v > 0 && e && !*e) {
            if (nth) {
                fprintf(stderr, "netstitch rollback: one relative transaction at a time\n");
                return EXIT_USAGE;
            }
            nth = v;
            memmove(&argv[a], &argv[a + 1], (size_t)(argc - a) * sizeof *argv);
            argc--;
            a--;
        }
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            inv_path = optarg;
            break;
        case 'L':
            if (nth && nth != 1) {
                fprintf(stderr, "netstitch rollback: --last and -%ld together\n", nth);
                return EXIT_USAGE;
            }
            nth = 1;
            break;
        case 'C':
            comment = optarg;
            break;
        case 'n':
            flags |= NST_TXN_DRY_RUN;
            dry = 1;
            break;
        case 'D':
            diff_fmt = cli_parse_diff_format(optarg);
            if (diff_fmt < 0) {
                fprintf(stderr, "netstitch rollback: --diff-format is tree, cli, xml or json\n");
                return EXIT_USAGE;
            }
            break;
        case 's':
            state_dir = optarg;
            break;
        case 'j':
            if (cli_parse_number("rollback", "--jobs", optarg, 1, UINT_MAX, NULL, &num)) {
                return EXIT_USAGE;
            }
            jobs = (unsigned)num;
            break;
        case 't':
            if (cli_parse_number("rollback", "--confirm-timeout", optarg, 1, 86400, "seconds",
                                 &confirm)) {
                return EXIT_USAGE;
            }
            break;
        case 'V':
            flags |= NST_TXN_NO_VALIDATE;
            break;
        case 'F':
            flags |= NST_TXN_FORCE;
            break;
        case 'l':
            list = 1;
            break;
        case 'f':
            fmt = cli_parse_format(optarg);
            if (fmt < 0) {
                fprintf(stderr, "netstitch rollback: --format is text or json, not '%s'\n", optarg);
                rollback_usage(stderr);
                return EXIT_USAGE;
            }
            break;
        case 'q':
            quiet = 1;
            break;
        case 'y':
            yang_dir = optarg;
            break;
        case 'h':
            rollback_usage(stdout);
            return EXIT_CLEAN;
        default:
            rollback_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!list && !inv_path) {
        fprintf(stderr, "netstitch rollback: --inventory is needed to reach the devices\n");
        rollback_usage(stderr);
        return EXIT_USAGE;
    }
    if (list ? optind != argc || nth : (optind != argc - (nth ? 0 : 1))) {
        fprintf(stderr, "netstitch rollback: %s\n",
                list             ? "--list takes no transaction"
                : optind == argc ? "which transaction? (a TXID, --last or -N)"
                : nth            ? "a TXID and a relative transaction together"
                                 : "one transaction at a time");
        rollback_usage(stderr);
        return EXIT_USAGE;
    }
    txid = nth ? NULL : argv[optind];
    if (cli_state_missing(state_dir, "rollback")) {
        return EXIT_USAGE;
    }
    if (nst_ctx_new(yang_dir, &ctx)) {
        fprintf(stderr, "netstitch rollback: cannot load the netstitch YANG models\n");
        return EXIT_USAGE;
    }
    if (list) {
        rc = rollback_list(ctx, state_dir, fmt);
        nst_ctx_free(ctx);
        return rc;
    }
    if (nth) {
        rc = rollback_relative(ctx, state_dir, nth, relid, sizeof relid);
        if (rc) {
            nst_ctx_free(ctx);
            return rc;
        }
        txid = relid;
        if (!quiet) {
            fprintf(stderr, "netstitch rollback: rolling back %s\n", txid);
        }
    }
    err = nst_inventory_load(ctx, inv_path, NST_FORMAT_AUTO, &inv);
    if (err) {
        cli_print_diags(stderr, ctx, OUT_TEXT, 0, "rollback", EXIT_USAGE);
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (nst_txn_new(ctx, inv, &txn) || nst_txn_set_state_dir(txn, state_dir)) {
        rc = EXIT_USAGE;
        goto cleanup;
    }
    nst_txn_set_jobs(txn, jobs);
    nst_txn_set_confirm_timeout(txn, (uint32_t)confirm);
    nst_txn_set_flags(txn, flags);
    progress = cli_txn_progress_new(quiet);
    cli_txn_attach_progress(txn, progress);
    nst_txn_set_note(txn, NST_TXN_NOTE_COMMENT, comment);
    err = nst_txn_rollback(txn, txid);
    rc = err == NST_ECONFLICT ? EXIT_DRIFT : cli_txn_exit(txn, err);
    if (err && nst_txn_outcome(txn) == NST_TXN_NOT_RUN) {
        fprintf(stderr, "netstitch rollback: %s\n",
                *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(err));
        if (rc == EXIT_USAGE || rc == EXIT_TXN_BUSY) {
            goto cleanup;
        }
    }
    cli_txn_report(stdout, txn, "rollback", rc, (enum out_format)fmt);
    if (diff_fmt == -2) {
        diff_fmt = dry && fmt == OUT_TEXT ? NST_DIFF_FORMAT_TREE : -1;
    }
    /* What the rollback would send (or sent): the reverse diff in the diff format asked
     * for, or the restore payload where there is no reverse diff. */
    if (diff_fmt >= 0 && nst_txn_outcome(txn) != NST_TXN_NOT_RUN) {
        if (nst_txn_diff_print(txn, (enum nst_diff_format)diff_fmt, 0, &shown)) {
            fprintf(stderr, "netstitch rollback: cannot show the diff: out of memory\n");
        } else {
            fputs(shown, stdout);
        }
    }

cleanup:
    nst_free_string(shown);
    nst_txn_free(txn);
    free(progress);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
    return rc;
}
