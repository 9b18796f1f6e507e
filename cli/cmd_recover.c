/*
 * cmd_recover.c: `netstitch recover [TXID...] --inventory INV [--abort] [options]`.
 *
 * Finishes or undoes transactions a crash (or kill -9) interrupted. Without TXID every
 * interrupted transaction of the state directory is recovered, oldest first. For each,
 * the journal decides: after a durable "confirm" decision the pending confirmed commits
 * are confirmed with their persist id (roll forward); otherwise, or with --abort, or when
 * rolling forward fails on any device, every device is undone and verified against its
 * snapshot. --forget sends nothing and only marks the transaction finished, for a device
 * that stays unreachable after the operator made it consistent by hand.
 *
 * Exit status: 0 every transaction is consistent again (or there was nothing to do),
 * 2 usage or state-directory error, 4 some device is still not restored, 5 a transaction
 * is still being run by a live netstitch process. The worst status of all transactions
 * is returned. With --format json, stdout is one document: {"command": "recover", "exit",
 * "transactions": [the report of each transaction, as push prints it]}.
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
recover_usage(FILE *out)
{
    fputs("usage: netstitch recover [TXID...] --inventory INV [options]\n"
          "\n"
          "Finish or undo transactions that were interrupted (crash, kill -9, power loss).\n"
          "  --inventory INV        how to reach the devices\n"
          "  --state-dir DIR        where transactions are kept (default\n"
          "                         ~/.local/state/netstitch)\n"
          "  --abort                undo even a transaction that had decided to confirm\n"
          "  --forget               send nothing: only mark the transaction finished (after\n"
          "                         the devices were made consistent by hand)\n"
          "  --jobs N, --format text|json, -q/--quiet, --yang-dir DIR   as for push\n"
          "\n"
          "Exit status: 0 consistent again or nothing to do, 2 usage, 4 some device not\n"
          "restored, 5 the transaction is still running in another netstitch.\n",
          out);
}

static int
recover_one(struct nst_ctx *ctx, struct nst_inventory *inv, const char *state_dir, const char *id,
            unsigned flags, unsigned jobs, int quiet, int fmt, size_t *reported)
{
    struct nst_txn *txn = NULL;
    void *progress = NULL;
    nst_err err;
    int rc;

    if (nst_txn_new(ctx, inv, &txn) || nst_txn_set_state_dir(txn, state_dir)) {
        nst_txn_free(txn);
        return EXIT_USAGE;
    }
    nst_txn_set_jobs(txn, jobs);
    nst_txn_set_flags(txn, flags);
    progress = cli_txn_progress_new(quiet);
    cli_txn_attach_progress(txn, progress);
    err = nst_txn_recover(txn, id);
    rc = cli_txn_exit(txn, err);
    if (nst_txn_outcome(txn) == NST_TXN_ABORTED) {
        /* For recover, undoing everything is a success: the network is consistent. */
        rc = EXIT_CLEAN;
    }
    if (fmt == OUT_JSON) {
        /* Every transaction is an entry of the one document, also one not run. */
        if (nst_txn_outcome(txn) == NST_TXN_NOT_RUN) {
            fprintf(stderr, "netstitch recover: %s: %s\n", id,
                    *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(err));
        }
        fputs((*reported)++ ? ",\n" : "\n", stdout);
        cli_txn_report(stdout, txn, "recover", rc, (enum out_format)fmt);
    } else if (nst_txn_outcome(txn) == NST_TXN_NOT_RUN) {
        fprintf(stderr, "netstitch recover: %s: %s\n", id,
                *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(err));
    } else if (nst_txn_outcome(txn) == NST_TXN_NOTHING_TO_DO) {
        if (!quiet) {
            printf("recover %s: nothing to do (%s)\n", id, nst_txn_message(txn));
        }
    } else {
        cli_txn_report(stdout, txn, "recover", rc, (enum out_format)fmt);
    }
    nst_txn_free(txn);
    free(progress);
    return rc;
}

int
cmd_recover(int argc, char **argv)
{
    static const struct option opts[] = {
        {"inventory", required_argument, NULL, 'i'},
        {"state-dir", required_argument, NULL, 's'},
        {"jobs", required_argument, NULL, 'j'},
        {"abort", no_argument, NULL, 'A'},
        {"forget", no_argument, NULL, 'G'},
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"yang-dir", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *inv_path = NULL, *state_dir = NULL, *yang_dir = NULL;
    unsigned flags = 0, jobs = 0;
    int c, quiet = 0, fmt = OUT_TEXT, rc = EXIT_CLEAN;
    struct nst_ctx *ctx = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_txn *lister = NULL;
    char **ids = NULL;
    unsigned long num;
    size_t reported = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            inv_path = optarg;
            break;
        case 's':
            state_dir = optarg;
            break;
        case 'j':
            if (cli_parse_number("recover", "--jobs", optarg, 1, UINT_MAX, NULL, &num)) {
                return EXIT_USAGE;
            }
            jobs = (unsigned)num;
            break;
        case 'A':
            flags |= NST_TXN_ABORT;
            break;
        case 'G':
            flags |= NST_TXN_FORGET;
            break;
        case 'f':
            fmt = cli_parse_format(optarg);
            if (fmt < 0) {
                recover_usage(stderr);
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
            recover_usage(stdout);
            return EXIT_CLEAN;
        default:
            recover_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!inv_path) {
        fprintf(stderr, "netstitch recover: --inventory is needed to reach the devices\n");
        recover_usage(stderr);
        return EXIT_USAGE;
    }
    if (cli_state_missing(state_dir, "recover")) {
        return EXIT_USAGE;
    }
    if (nst_ctx_new(yang_dir, &ctx)) {
        fprintf(stderr, "netstitch recover: cannot load the netstitch YANG models\n");
        return EXIT_USAGE;
    }
    if (nst_inventory_load(ctx, inv_path, NST_FORMAT_AUTO, &inv)) {
        cli_print_diags(stderr, ctx, OUT_TEXT, 0, "recover", EXIT_USAGE);
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (fmt == OUT_JSON) {
        fputs("{\"command\": \"recover\", \"transactions\": [", stdout);
    }
    if (optind == argc) {
        if (nst_txn_new(ctx, inv, &lister) || nst_txn_set_state_dir(lister, state_dir) ||
            nst_txn_list(lister, NST_TXN_LIST_INTERRUPTED, &ids)) {
            fprintf(stderr, "netstitch recover: %s\n",
                    lister && *nst_txn_message(lister) ? nst_txn_message(lister)
                                                       : "cannot read the state directory");
            rc = EXIT_USAGE;
        } else if (!ids[0] && !quiet) {
            /* Name the location: a wrong --state-dir is the likeliest reason for nothing. */
            struct nst_history *h = NULL;

            if (!nst_history_open(ctx, state_dir, &h) && !nst_history_count(h)) {
                fprintf(stderr, "netstitch recover: %s holds no transaction at all\n",
                        nst_history_location(h));
            } else {
                fprintf(stderr, "netstitch recover: no interrupted transaction in %s\n",
                        h ? nst_history_location(h) : "the state store");
            }
            nst_history_free(h);
        }
        for (size_t i = 0; ids && ids[i]; i++) {
            int r = recover_one(ctx, inv, state_dir, ids[i], flags, jobs, quiet, fmt, &reported);

            rc = r > rc ? r : rc;
        }
    } else {
        for (int i = optind; i < argc; i++) {
            int r = recover_one(ctx, inv, state_dir, argv[i], flags, jobs, quiet, fmt, &reported);

            rc = r > rc ? r : rc;
        }
    }
    if (fmt == OUT_JSON) {
        printf("%s], \"exit\": %d}\n", reported ? "\n" : "", rc);
    }

cleanup:
    nst_txn_list_free(ids);
    nst_txn_free(lister);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
    return rc;
}
