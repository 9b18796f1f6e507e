/*
 * cmd_services.c: `netstitch services [--state-dir DIR|URL] [--format text|json]`: the
 * services the state store has ownership records of: the transaction that made each
 * record, the devices it owns configuration on, and whether an interrupted push left it
 * uncertain (docs/diff.md).
 *
 * Exit status: 0 listed (possibly nothing), 2 usage or the store cannot be opened.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
services_usage(FILE *out)
{
    fputs("usage: netstitch services [options]\n"
          "\n"
          "List the services the state store owns configuration for.\n"
          "  --state-dir DIR|URL    the state store (--state is the same)\n"
          "  --format text|json     text (default) or one JSON document\n"
          "  --yang-dir DIR         netstitch's YANG models\n"
          "\n"
          "Exit status: 0 listed, 2 usage error or the store cannot be opened.\n",
          out);
}

int
cmd_services(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_HIST_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *state = NULL, *yang_dir = NULL;
    int c, fmt = OUT_TEXT, rc = EXIT_CLEAN;
    struct nst_ctx *ctx = NULL;
    struct nst_history *h = NULL;
    char **names = NULL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
        case 'f':
        case 'y':
            if (cli_hist_opt(c, optarg, "services", &state, &fmt, &yang_dir)) {
                return EXIT_USAGE;
            }
            break;
        case 'h':
            services_usage(stdout);
            return EXIT_CLEAN;
        default:
            services_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "netstitch services: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    h = cli_hist_open_new(yang_dir, state, "services", &ctx);
    if (!h || nst_history_services(h, &names)) {
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (fmt == OUT_JSON) {
        printf("{\"command\": \"services\", \"exit\": 0, \"store\": ");
        cli_json_str(stdout, nst_history_location(h));
        printf(", \"services\": [");
    }
    for (size_t i = 0; names[i]; i++) {
        char *txid = NULL, *devs = NULL;
        int uncertain = 0;

        if (nst_history_service(h, names[i], &txid, &devs, &uncertain)) {
            fprintf(stderr, "netstitch services: %s\n", nst_history_message(h));
            rc = EXIT_USAGE;
            continue;
        }
        if (fmt == OUT_JSON) {
            printf("%s\n  {\"name\": ", i ? "," : "");
            cli_json_str(stdout, names[i]);
            printf(", \"transaction\": ");
            cli_json_str(stdout, *txid ? txid : NULL);
            printf(", \"uncertain\": %s, \"devices\": [", uncertain ? "true" : "false");
            for (char *d = devs, *e; d && *d; d = e ? e + 1 : NULL) {
                e = strchr(d, ',');
                if (e) {
                    *e = '\0';
                }
                printf("%s", d == devs ? "" : ", ");
                cli_json_str(stdout, d);
            }
            printf("]}");
        } else {
            printf("%-24s %s  %s%s\n", names[i], *txid ? txid : "-", *devs ? devs : "-",
                   uncertain ? "  (uncertain: an interrupted push; the next push settles it)" : "");
        }
        nst_free_string(txid);
        nst_free_string(devs);
    }
    if (fmt == OUT_JSON) {
        printf("%s]}\n", names[0] ? "\n" : "");
    } else if (!names[0]) {
        fprintf(stderr, "netstitch services: no service owns anything in %s\n",
                nst_history_location(h));
    }

cleanup:
    nst_txn_list_free(names);
    nst_history_free(h);
    nst_ctx_free(ctx);
    return rc;
}
