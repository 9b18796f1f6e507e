/*
 * cmd_confirm.c: `netstitch confirm TXID` and `netstitch cancel TXID`: end the confirm
 * window of a push (`push --confirm-window SEC`, docs/push.md), Junos `commit confirmed`
 * semantics for a whole network. The process that holds the window's NETCONF sessions
 * (the detached push) is told through the transaction's directory (the library's
 * nst_txn_window_decide()); it confirms everywhere, or undoes everywhere, and this command
 * waits for it and reports the outcome.
 *
 * Exit status: 0 the push was confirmed (confirm) or undone everywhere (cancel); 1 the
 * other way round (a confirm that failed and was undone); 2 usage, no such transaction or
 * no window open; 4 the process holding the window is gone or did not finish: run
 * `netstitch recover TXID`.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
window_usage(FILE *out, const char *cmd)
{
    int confirm = !strcmp(cmd, "confirm");

    fprintf(out,
            "usage: netstitch %s TXID [options]\n"
            "\n"
            "%s the push TXID whose confirm window is open (see netstitch push):\n"
            "%s on every device, then report the outcome (docs/push.md).\n"
            "  --state-dir DIR        where the transaction is (default\n"
            "                         ~/.local/state/netstitch)\n"
            "  --wait SEC             how long to wait for the push to finish (default 300)\n"
            "  --format text|json     the report's format (default text)\n"
            "\n"
            "Exit status: 0 %s, %s2 usage error, no such\n"
            "transaction or no window open, 4 the process holding the window is gone or did\n"
            "not finish (run `netstitch recover TXID`).\n",
            cmd, confirm ? "Keep" : "Undo",
            confirm ? "the confirming commit" : "cancel-commit or restore",
            confirm ? "confirmed everywhere" : "undone everywhere",
            confirm ? "1 the confirm failed and\neverything was undone, " : "");
}

static int
window_cmd(int argc, char **argv, int confirm)
{
    static const struct option opts[] = {
        {"state-dir", required_argument, NULL, 's'},
        {"wait", required_argument, NULL, 'w'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = confirm ? "confirm" : "cancel", *state_dir = NULL;
    unsigned long wait_s = 300;
    int c, fmt = OUT_TEXT, rc;
    struct nst_ctx *ctx = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_txn *txn = NULL;
    nst_err err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            state_dir = optarg;
            break;
        case 'w':
            if (cli_parse_number(cmd, "--wait", optarg, 1, 86400, "seconds", &wait_s)) {
                return EXIT_USAGE;
            }
            break;
        case 'f':
            fmt = cli_parse_format(optarg);
            if (fmt < 0) {
                window_usage(stderr, cmd);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            window_usage(stdout, cmd);
            return EXIT_CLEAN;
        default:
            window_usage(stderr, cmd);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        window_usage(stderr, cmd);
        return EXIT_USAGE;
    }
    /* The transaction engine wants an inventory; the window needs none of it. */
    if (nst_ctx_new(NULL, &ctx) ||
        nst_inventory_load_mem(ctx, "<inventory xmlns=\"urn:netstitch:yang:inventory\"/>",
                               NST_FORMAT_XML, "(none)", &inv) ||
        nst_txn_new(ctx, inv, &txn) || nst_txn_set_state_dir(txn, state_dir)) {
        fprintf(stderr, "netstitch %s: cannot set up\n", cmd);
        rc = EXIT_USAGE;
        goto cleanup;
    }
    err = nst_txn_window_decide(txn, argv[optind], confirm, (uint32_t)wait_s);
    if (err == NST_EINVAL || err == NST_EIO || err == NST_ENOMEM) {
        fprintf(stderr, "netstitch %s: %s\n", cmd,
                *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(err));
        rc = EXIT_USAGE;
        goto cleanup;
    }
    switch (nst_txn_outcome(txn)) {
    case NST_TXN_COMMITTED:
        rc = confirm ? EXIT_CLEAN : EXIT_ERRORS;
        break;
    case NST_TXN_ABORTED:
        rc = confirm ? EXIT_ERRORS : EXIT_CLEAN;
        break;
    default:
        rc = EXIT_TXN_INCOMPLETE;
        break;
    }
    if (fmt == OUT_JSON) {
        printf("{\"command\": ");
        cli_json_str(stdout, cmd);
        printf(", \"transaction\": ");
        cli_json_str(stdout, argv[optind]);
        printf(", \"outcome\": ");
        cli_json_str(stdout, nst_txn_outcome_name(nst_txn_outcome(txn)));
        printf(", \"exit\": %d, \"message\": ", rc);
        cli_json_str(stdout, nst_txn_message(txn));
        printf("}\n");
    } else {
        printf("%s %s: %s\n", cmd, argv[optind],
               nst_txn_outcome(txn) == NST_TXN_COMMITTED ? "confirmed on every device"
               : nst_txn_outcome(txn) == NST_TXN_ABORTED
                   ? "undone; every device was verified back at its configuration from before"
                   : "INCOMPLETE");
        if (*nst_txn_message(txn)) {
            printf("  %s\n", nst_txn_message(txn));
        }
    }

cleanup:
    nst_txn_free(txn);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
    return rc;
}

int
cmd_confirm(int argc, char **argv)
{
    return window_cmd(argc, argv, 1);
}

int
cmd_cancel(int argc, char **argv)
{
    return window_cmd(argc, argv, 0);
}
