/*
 * cmd_delete.c: `netstitch delete SERVICE --inventory INV [options]`: the service
 * lifecycle (apply.c) with an empty target.
 *
 * Delete and `push SERVICE` both run the live diff (the library's nst_diff, docs/diff.md) and push
 * its result in one transaction (docs/push.md), so a push of a service sends exactly what
 * `netstitch diff` shows: the nodes to create or change, and nc:operation="delete" for what the
 * service owned and no longer generates. Steps:
 *   1. diff every device (the service's devices, and those it owned before);
 *   2. refuse, touching nothing, when a device could not be compared, or when
 *      configuration netstitch owns was changed outside it (drift) unless --force;
 *   3. nothing to change: no transaction; the ownership record is brought up to date;
 *   4. else push the changed devices only, and record the new ownership when the
 *      transaction committed.
 * `delete` is the same with an empty target: everything the service created goes,
 * pre-existing configuration gets its original value back, and configuration of other
 * services or of nobody stays.
 *
 * Exit status (as push): 0 done (or nothing to do), 1 failed (rolled back everywhere, or
 * a device could not be compared: nothing touched), 2 usage or input error, 4 failed and
 * not everything could be restored, 5 busy, 6 drift refused (nothing touched).
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static void
delete_usage(FILE *out)
{
    fputs("usage: netstitch delete SERVICE --inventory INV [options]\n"
          "\n"
          "Remove everything the service configured, in one all-or-nothing transaction:\n"
          "what netstitch created goes, what existed before gets its original value back,\n"
          "configuration netstitch does not own is never touched. SERVICE is the service\n"
          "file or its name (see --name); the file itself need not exist any more.\n"
          "  --inventory INV        how to reach the devices\n"
          "  --name NAME            the service's name (default: derived from SERVICE)\n"
          "  --force                also overwrite owned configuration changed outside\n"
          "                         netstitch (drift)\n"
          "  --state-dir DIR|URL    the state store: ownership records, snapshots, history\n"
          "                         (a directory, or postgresql://...; --state is the same)\n"
          "  --comment TEXT         why, for the history (netstitch log)\n"
          "  --jobs N               at most N devices at once (default: all, up to 256)\n"
          "  --confirm-timeout SEC  device-side rollback timer of the confirmed commit\n"
          "  --dry-run              prepare and validate everywhere, then discard; first\n"
          "                         print the diff it would send\n"
          "  --diff-format FMT      that diff as tree (default), cli, xml or json\n"
          "  --no-validate          never send <validate>\n"
          "  --format text|json     the report's format (default text)\n"
          "  -q, --quiet            no progress on stderr\n"
          "  --yang-dir DIR         netstitch's YANG models\n"
          "\n"
          "Exit status: 0 deleted (or nothing to do), 1 failed and rolled back everywhere\n"
          "(or a device could not be read: nothing touched), 2 usage or input error, 4\n"
          "failed and not everything could be restored (run `netstitch recover`), 5 busy,\n"
          "6 drift (nothing touched; see --force).\n",
          out);
}

int
cmd_delete(int argc, char **argv)
{
    static const struct option opts[] = {
        {"inventory", required_argument, NULL, 'i'},
        {"name", required_argument, NULL, 'N'},
        {"force", no_argument, NULL, 'F'},
        {"state-dir", required_argument, NULL, 's'},
        {"state", required_argument, NULL, 's'},
        {"comment", required_argument, NULL, 'C'},
        {"diff-format", required_argument, NULL, 'D'},
        {"jobs", required_argument, NULL, 'j'},
        {"confirm-timeout", required_argument, NULL, 't'},
        {"dry-run", no_argument, NULL, 'n'},
        {"no-validate", no_argument, NULL, 'V'},
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"yang-dir", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_apply o;
    const char *inv_path = NULL, *yang_dir = NULL;
    unsigned long confirm = 0;
    int c, quiet = 0, rc = EXIT_CLEAN, fmt;
    struct nst_ctx *ctx = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_txn *txn = NULL;
    struct nst_diff *d = NULL;
    void *progress = NULL;
    char name[256];
    unsigned long num;
    struct stat sb;
    nst_err err;

    memset(&o, 0, sizeof o);
    o.fmt = OUT_TEXT;
    o.diff_fmt = -2; /* unset: tree with --dry-run and a text report */
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            inv_path = optarg;
            break;
        case 'N':
            o.name = optarg;
            break;
        case 'C':
            o.comment = optarg;
            break;
        case 'D':
            o.diff_fmt = cli_parse_diff_format(optarg);
            if (o.diff_fmt < 0) {
                fprintf(stderr, "netstitch delete: --diff-format is tree, cli, xml or json\n");
                return EXIT_USAGE;
            }
            break;
        case 'F':
            o.force = 1;
            break;
        case 's':
            o.state_dir = optarg;
            break;
        case 'j':
            if (cli_parse_number("delete", "--jobs", optarg, 1, UINT_MAX, NULL, &num)) {
                return EXIT_USAGE;
            }
            o.jobs = (unsigned)num;
            break;
        case 't':
            if (cli_parse_number("delete", "--confirm-timeout", optarg, 1, 86400, "seconds",
                                 &confirm)) {
                return EXIT_USAGE;
            }
            break;
        case 'n':
            o.txn_flags |= NST_TXN_DRY_RUN;
            break;
        case 'V':
            o.txn_flags |= NST_TXN_NO_VALIDATE;
            break;
        case 'f':
            fmt = cli_parse_format(optarg);
            if (fmt < 0) {
                delete_usage(stderr);
                return EXIT_USAGE;
            }
            o.fmt = (enum out_format)fmt;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'y':
            yang_dir = optarg;
            break;
        case 'h':
            delete_usage(stdout);
            return EXIT_CLEAN;
        default:
            delete_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !inv_path) {
        delete_usage(stderr);
        return EXIT_USAGE;
    }
    /* SERVICE: a file (its name is derived as for push) or the name itself. */
    if (!o.name && stat(argv[optind], &sb)) {
        o.name = argv[optind];
    }
    cli_service_name(argv[optind], o.name, name, sizeof name);
    if (nst_ctx_new(yang_dir, &ctx)) {
        fprintf(stderr, "netstitch delete: cannot load the netstitch YANG models\n");
        return EXIT_USAGE;
    }
    if (nst_diff_new(ctx, name, &d)) {
        fprintf(stderr, "netstitch delete: '%s' cannot name a service; use --name\n", name);
        rc = EXIT_USAGE;
        goto cleanup;
    }
    err = nst_inventory_load(ctx, inv_path, NST_FORMAT_AUTO, &inv);
    if (err) {
        cli_print_diags(stderr, ctx, OUT_TEXT, 0, "delete", EXIT_USAGE);
        fprintf(stderr, "netstitch delete: cannot use the inventory %s\n", inv_path);
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (nst_txn_new(ctx, inv, &txn) || nst_txn_set_state_dir(txn, o.state_dir) ||
        nst_diff_set_inventory(d, inv) || nst_diff_set_state_dir(d, o.state_dir)) {
        rc = EXIT_USAGE;
        goto cleanup;
    }
    nst_txn_set_jobs(txn, o.jobs);
    nst_txn_set_confirm_timeout(txn, (uint32_t)confirm);
    nst_txn_set_flags(txn, o.txn_flags);
    nst_diff_set_jobs(d, o.jobs);
    progress = cli_txn_progress_new(quiet);
    cli_txn_attach_progress(txn, progress);
    err = nst_diff_run(d);
    if (err) {
        fprintf(stderr, "netstitch delete: %s\n",
                *nst_diff_message(d) ? nst_diff_message(d) : nst_strerror(err));
        /* Applied by another process while the diff ran: busy, run again. */
        rc = err == NST_EBUSY ? EXIT_TXN_BUSY : EXIT_USAGE;
        goto cleanup;
    }
    if (!nst_diff_device_count(d)) {
        fprintf(stderr,
                "netstitch delete: service %s owns nothing (never pushed, or already "
                "deleted)\n",
                name);
    }
    if (o.diff_fmt == -2) {
        o.diff_fmt =
            (o.txn_flags & NST_TXN_DRY_RUN) && o.fmt == OUT_TEXT ? NST_DIFF_FORMAT_TREE : -1;
    }
    rc = cli_diff_apply(d, txn, "delete", name, &o);

cleanup:
    nst_diff_free(d);
    nst_txn_free(txn);
    free(progress);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
    return rc;
}
