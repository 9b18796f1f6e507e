/*
 * cmd_status.c: `netstitch status SERVICE --inventory INV`: is the service's network
 * working now? One line per BGP session of the service (device, peer, state, uptime,
 * prefixes received and accepted per family, the expectation and whether it is met),
 * read from the routers by the library's health check (netconf/health.c, docs/push.md
 * "The health gate"). The same check gates `push`.
 *
 * Formats: text (default), json, prometheus (OpenMetrics text, for node_exporter's
 * textfile collector or a Prometheus scrape through a file). --watch SEC repeats every
 * SEC seconds (stability is then judged over the rounds too); --count N stops after N
 * rounds. Exit status: 0 every gated session healthy, 1 not, 2 usage or input error.
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void
status_usage(FILE *out)
{
    fputs("usage: netstitch status SERVICE --inventory INV [options]\n"
          "\n"
          "Read every BGP session of SERVICE from its routers: state, uptime, prefixes\n"
          "received and accepted, and whether the service's expectation is met\n"
          "(docs/push.md, \"The health gate\").\n"
          "  --inventory INV        how to reach the devices\n"
          "  --format FMT           text (default), json or prometheus (OpenMetrics)\n"
          "  --watch SEC            repeat every SEC seconds until interrupted\n"
          "  --count N              with --watch: stop after N rounds\n"
          "  --state-dir DIR        known host keys and schema cache (default\n"
          "                         ~/.local/state/netstitch)\n"
          "  --yang-dir DIR         netstitch's YANG models\n"
          "\n"
          "Exit status: 0 every session healthy, 1 some session not healthy (or a device\n"
          "could not report its state), 2 usage or input error.\n",
          out);
}

int
cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {
        {"inventory", required_argument, NULL, 'i'},
        {"format", required_argument, NULL, 'f'},
        {"watch", required_argument, NULL, 'w'},
        {"count", required_argument, NULL, 'c'},
        {"state-dir", required_argument, NULL, 's'},
        {"yang-dir", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *inv_path = NULL, *state_dir = NULL, *yang_dir = NULL;
    enum nst_health_format fmt = NST_HEALTH_TEXT;
    unsigned long watch = 0, count = 0, round;
    struct nst_ctx *ctx = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_service *svc = NULL;
    struct nst_health *h = NULL;
    int c, rc = EXIT_USAGE;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            inv_path = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "text")) {
                fmt = NST_HEALTH_TEXT;
            } else if (!strcmp(optarg, "json")) {
                fmt = NST_HEALTH_JSON;
            } else if (!strcmp(optarg, "prometheus") || !strcmp(optarg, "openmetrics")) {
                fmt = NST_HEALTH_PROMETHEUS;
            } else {
                fprintf(stderr, "netstitch status: --format is text, json or prometheus\n");
                return EXIT_USAGE;
            }
            break;
        case 'w':
            if (cli_parse_number("status", "--watch", optarg, 1, 86400, "seconds", &watch)) {
                return EXIT_USAGE;
            }
            break;
        case 'c':
            if (cli_parse_number("status", "--count", optarg, 1, ULONG_MAX, NULL, &count)) {
                return EXIT_USAGE;
            }
            break;
        case 's':
            state_dir = optarg;
            break;
        case 'y':
            yang_dir = optarg;
            break;
        case 'h':
            status_usage(stdout);
            return EXIT_CLEAN;
        default:
            status_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !inv_path) {
        status_usage(stderr);
        return EXIT_USAGE;
    }
    if (nst_ctx_new(yang_dir, &ctx)) {
        fprintf(stderr, "netstitch status: cannot load the netstitch YANG models\n");
        return EXIT_USAGE;
    }
    if (nst_service_load(ctx, argv[optind], NST_FORMAT_AUTO, &svc) || nst_service_check(svc)) {
        cli_print_diags(stderr, ctx, OUT_TEXT, 0, "status", EXIT_USAGE);
        fprintf(stderr, "netstitch status: the service has errors\n");
        goto cleanup;
    }
    if (nst_inventory_load(ctx, inv_path, NST_FORMAT_AUTO, &inv)) {
        cli_print_diags(stderr, ctx, OUT_TEXT, 0, "status", EXIT_USAGE);
        fprintf(stderr, "netstitch status: cannot use the inventory %s\n", inv_path);
        goto cleanup;
    }
    if (nst_health_new(svc, inv, &h)) {
        fprintf(stderr, "netstitch status: out of memory\n");
        goto cleanup;
    }
    for (round = 1;; round++) {
        char *text = NULL;
        nst_err err = nst_health_check(h, state_dir);

        if (err) {
            fprintf(stderr, "netstitch status: %s\n",
                    *nst_health_message(h) ? nst_health_message(h) : nst_strerror(err));
            rc = EXIT_USAGE;
            break;
        }
        if (nst_health_print(h, fmt, &text)) {
            fprintf(stderr, "netstitch status: out of memory\n");
            rc = EXIT_USAGE;
            break;
        }
        fputs(text, stdout);
        fflush(stdout);
        nst_free_string(text);
        rc = nst_health_ok(h) ? EXIT_CLEAN : EXIT_ERRORS;
        if (!watch || (count && round >= count)) {
            break;
        }
        sleep((unsigned)watch);
    }

cleanup:
    nst_health_free(h);
    nst_inventory_free(inv);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    return rc;
}
