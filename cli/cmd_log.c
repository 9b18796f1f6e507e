/*
 * cmd_log.c: `netstitch log [--service S] [--device D] [--since T] [--until T]
 * [--state-dir DIR|URL] [--format text|json]`: the transactions of the state store,
 * oldest first: time, id, kind, outcome, user@host, service, devices, comment.
 *
 * Exit status: 0 listed (possibly nothing), 2 usage or the store cannot be opened.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
log_usage(FILE *out)
{
    fputs("usage: netstitch log [options]\n"
          "\n"
          "List the transactions of the state store, oldest first (docs/push.md, History).\n"
          "  --service NAME         only transactions of this service\n"
          "  --device NAME          only transactions that touched this device\n"
          "  --since T, --until T   only those started in this window; T is a date\n"
          "                         (2026-12-01, 2026-12-01T10:00:00, UTC) or an age\n"
          "                         (90s, 30m, 12h, 7d)\n"
          "  --state-dir DIR|URL    the state store (default ~/.local/state/netstitch;\n"
          "                         --state is the same)\n"
          "  --format text|json     text (default) or one JSON document\n"
          "  --yang-dir DIR         netstitch's YANG models\n"
          "\n"
          "Exit status: 0 listed, 2 usage error or the store cannot be opened.\n",
          out);
}

int
cmd_log(int argc, char **argv)
{
    static const struct option opts[] = {
        {"service", required_argument, NULL, 'S'},
        {"device", required_argument, NULL, 'D'},
        {"since", required_argument, NULL, 'a'},
        {"until", required_argument, NULL, 'b'},
        CLI_HIST_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *service = NULL, *device = NULL, *state = NULL, *yang_dir = NULL;
    long long since = 0, until = 0;
    int c, fmt = OUT_TEXT, first = 1;
    struct nst_ctx *ctx = NULL;
    struct nst_history *h = NULL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            service = optarg;
            break;
        case 'D':
            device = optarg;
            break;
        case 'a':
        case 'b':
            if (cli_hist_parse_time(optarg, c == 'a' ? &since : &until)) {
                fprintf(stderr, "netstitch log: --%s: '%s' is neither a date nor an age\n",
                        c == 'a' ? "since" : "until", optarg);
                return EXIT_USAGE;
            }
            break;
        case 's':
        case 'f':
        case 'y':
            if (cli_hist_opt(c, optarg, "log", &state, &fmt, &yang_dir)) {
                return EXIT_USAGE;
            }
            break;
        case 'h':
            log_usage(stdout);
            return EXIT_CLEAN;
        default:
            log_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "netstitch log: unexpected argument '%s'\n", argv[optind]);
        log_usage(stderr);
        return EXIT_USAGE;
    }
    h = cli_hist_open_new(yang_dir, state, "log", &ctx);
    if (!h) {
        return EXIT_USAGE;
    }
    if (fmt == OUT_JSON) {
        printf("{\"command\": \"log\", \"exit\": 0, \"store\": ");
        cli_json_str(stdout, nst_history_location(h));
        printf(", \"transactions\": [");
    }
    for (size_t i = 0; i < nst_history_count(h); i++) {
        long long t = nst_history_time(h, i, 0);
        const char *svc = nst_history_field(h, i, NST_HISTORY_SERVICE);
        const char *cm = nst_history_field(h, i, NST_HISTORY_COMMENT);
        const char *rb = nst_history_field(h, i, NST_HISTORY_ROLLBACK_OF);
        char when[32];

        if ((service && strcmp(svc, service)) ||
            (device &&
             !cli_hist_has_device(nst_history_field(h, i, NST_HISTORY_DEVICES), device)) ||
            (since && t < since) || (until && t > until)) {
            continue;
        }
        if (fmt == OUT_JSON) {
            printf("%s\n  ", first ? "" : ",");
            cli_hist_row_json(stdout, h, i);
            first = 0;
            continue;
        }
        cli_hist_time(t, when, sizeof when);
        printf("%s  %s  %-8s %-13s %s@%s  %s  %s%s%s%s%s\n", when,
               nst_history_field(h, i, NST_HISTORY_ID), nst_history_field(h, i, NST_HISTORY_KIND),
               nst_history_field(h, i, NST_HISTORY_OUTCOME),
               nst_history_field(h, i, NST_HISTORY_USER), nst_history_field(h, i, NST_HISTORY_HOST),
               *svc ? svc : "-", nst_history_field(h, i, NST_HISTORY_DEVICES),
               *rb ? "  rollback-of=" : "", rb, *cm ? "  # " : "", cm);
        first = 0;
    }
    if (fmt == OUT_JSON) {
        printf("%s]}\n", first ? "" : "\n");
    } else if (first) {
        fprintf(stderr, "netstitch log: no transaction%s in %s\n",
                service || device || since || until ? " matches" : "", nst_history_location(h));
    }
    nst_history_free(h);
    nst_ctx_free(ctx);
    return EXIT_CLEAN;
}
