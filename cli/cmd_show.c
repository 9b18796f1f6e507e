/*
 * cmd_show.c: `netstitch show TXID [--state-dir DIR|URL] [--format text|json]`: one
 * transaction of the state store: its history row, its plan (per device: method and
 * address), the edit it sent to each device (the per-device diff, secrets as
 * placeholders), each device's result, and the journal.
 *
 * Exit status: 0 shown, 2 usage, unknown transaction or the store cannot be opened.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
show_usage(FILE *out)
{
    fputs("usage: netstitch show TXID [options]\n"
          "\n"
          "Show one transaction: who ran it and why, its plan, the edit sent to each\n"
          "device, each device's result and the journal (docs/push.md, History).\n"
          "  --state-dir DIR|URL    the state store (--state is the same)\n"
          "  --format text|json     text (default) or one JSON document\n"
          "  --yang-dir DIR         netstitch's YANG models\n"
          "\n"
          "Exit status: 0 shown, 2 usage error, unknown transaction or the store cannot be\n"
          "opened.\n",
          out);
}

/* Device @idx's final state in @journal ("" when none). */
static void
show_final(const char *journal, size_t idx, char *buf, size_t len)
{
    char pat[48];
    const char *p = journal, *hit;

    buf[0] = '\0';
    snprintf(pat, sizeof pat, " dev %zu final ", idx);
    while (p && (hit = strstr(p, pat))) {
        hit += strlen(pat);
        snprintf(buf, len, "%.*s", (int)strcspn(hit, " \n"), hit);
        p = hit;
    }
}

int
cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_HIST_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *state = NULL, *yang_dir = NULL, *id;
    int c, fmt = OUT_TEXT, rc = EXIT_CLEAN;
    struct nst_ctx *ctx = NULL;
    struct nst_history *h = NULL;
    char *plan = NULL, *journal = NULL;
    size_t i, ndev = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
        case 'f':
        case 'y':
            if (cli_hist_opt(c, optarg, "show", &state, &fmt, &yang_dir)) {
                return EXIT_USAGE;
            }
            break;
        case 'h':
            show_usage(stdout);
            return EXIT_CLEAN;
        default:
            show_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "netstitch show: %s\n",
                optind == argc ? "which transaction? (netstitch log lists them)"
                               : "one transaction id at a time");
        show_usage(stderr);
        return EXIT_USAGE;
    }
    id = argv[optind];
    h = cli_hist_open_new(yang_dir, state, "show", &ctx);
    if (!h) {
        rc = EXIT_USAGE;
        goto cleanup;
    }
    i = nst_history_find(h, id);
    if (i == (size_t)-1) {
        fprintf(stderr, "netstitch show: no transaction %s in %s\n", id, nst_history_location(h));
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (nst_history_text(h, id, NULL, &journal)) {
        fprintf(stderr, "netstitch show: %s\n", nst_history_message(h));
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (nst_history_text(h, id, "plan", &plan)) {
        plan = NULL; /* it stopped before its plan: nothing was changed */
    }
    if (fmt == OUT_JSON) {
        printf("{\"command\": \"show\", \"exit\": 0, \"transaction\": ");
        cli_hist_row_json(stdout, h, i);
        printf(", \"plan\": [");
    } else {
        char when[32], done[32];
        const char *cm = nst_history_field(h, i, NST_HISTORY_COMMENT);
        const char *svc = nst_history_field(h, i, NST_HISTORY_SERVICE);
        const char *rb = nst_history_field(h, i, NST_HISTORY_ROLLBACK_OF);

        cli_hist_time(nst_history_time(h, i, 0), when, sizeof when);
        cli_hist_time(nst_history_time(h, i, 1), done, sizeof done);
        printf("transaction %s\n  kind      %s%s%s\n  outcome   %s\n  by        %s@%s\n"
               "  started   %s\n  finished  %s\n  service   %s\n  comment   %s\n",
               id, nst_history_field(h, i, NST_HISTORY_KIND), *rb ? " of " : "", rb,
               nst_history_field(h, i, NST_HISTORY_OUTCOME),
               nst_history_field(h, i, NST_HISTORY_USER), nst_history_field(h, i, NST_HISTORY_HOST),
               when, done, *svc ? svc : "-", *cm ? cm : "-");
        if (!plan) {
            printf("  (no plan: it stopped before changing anything)\n");
        }
    }
    for (const char *l = plan; l && *l;) {
        const char *end = strchr(l, '\n');
        char line[1024], method[32], addr[256], name[256], res[32], rec[64];
        unsigned idx, port;
        char *payload = NULL;

        snprintf(line, sizeof line, "%.*s", (int)(end ? end - l : (long)strlen(l)), l);
        l = end ? end + 1 : NULL;
        if (sscanf(line, "device %u %31s %*d %*u %u %255s %255s", &idx, method, &port, addr,
                   name) != 5) {
            continue;
        }
        show_final(journal, idx, res, sizeof res);
        snprintf(rec, sizeof rec, "dev-%u.payload.xml", idx);
        if (nst_history_text(h, id, rec, &payload)) {
            payload = NULL;
        }
        if (fmt == OUT_JSON) {
            printf("%s\n  {\"device\": ", ndev ? "," : "");
            cli_json_str(stdout, name);
            printf(", \"method\": ");
            cli_json_str(stdout, method);
            printf(", \"address\": ");
            cli_json_str(stdout, addr);
            printf(", \"port\": %u, \"result\": ", port);
            cli_json_str(stdout, *res ? res : NULL);
            printf(", \"edit\": ");
            cli_json_str(stdout, payload);
            printf("}");
        } else {
            printf("\ndevice %s (%s port %u): %s, %s\n", name, addr, port, method,
                   *res ? res : "no result");
            if (payload) {
                printf("  edit sent:\n");
                for (const char *p = payload; *p;) {
                    size_t n = strcspn(p, "\n");

                    printf("    %.*s\n", (int)n, p);
                    p += n + (p[n] ? 1 : 0);
                }
            }
        }
        nst_free_string(payload);
        ndev++;
    }
    if (fmt == OUT_JSON) {
        printf("%s], \"journal\": [", ndev ? "\n" : "");
    } else {
        printf("\njournal:\n");
    }
    for (const char *p = journal, *first = journal; p && *p;) {
        size_t n = strcspn(p, "\n");

        if (fmt == OUT_JSON) {
            char line[2200];

            snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
            printf("%s\n  ", p == first ? "" : ",");
            cli_json_str(stdout, line);
        } else {
            printf("  %.*s\n", (int)n, p);
        }
        p += n + (p[n] ? 1 : 0);
    }
    if (fmt == OUT_JSON) {
        printf("%s]}\n", journal && *journal ? "\n" : "");
    }

cleanup:
    nst_free_string(plan);
    nst_free_string(journal);
    nst_history_free(h);
    nst_ctx_free(ctx);
    return rc;
}
