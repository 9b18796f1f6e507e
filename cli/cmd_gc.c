/*
 * cmd_gc.c: `netstitch gc --keep N | --older-than AGE [--dry-run] [--state-dir DIR|URL]
 * [--format text|json]`: delete old finished transactions (their snapshots, edits and
 * journals) from the state store. Never deleted: running or interrupted transactions
 * (recover needs them) and the transaction whose ownership record a service has now.
 * A deleted transaction can no longer be rolled back or shown.
 *
 * Exit status: 0 done, 2 usage or the store cannot be opened.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static void
gc_usage(FILE *out)
{
    fputs("usage: netstitch gc --keep N | --older-than AGE [options]\n"
          "\n"
          "Delete old finished transactions from the state store; they can no longer be\n"
          "rolled back. Running and interrupted ones, and those a service's ownership\n"
          "record names, are kept.\n"
          "  --keep N               keep the N newest transactions, delete the others\n"
          "  --older-than AGE       delete those started more than AGE ago (30m, 12h, 7d)\n"
          "  --dry-run              only say what would be deleted\n"
          "  --state-dir DIR|URL    the state store (--state is the same)\n"
          "  --format text|json     text (default) or one JSON document\n"
          "  --yang-dir DIR         netstitch's YANG models\n"
          "\n"
          "Exit status: 0 done, 2 usage error or the store cannot be opened.\n",
          out);
}

int
cmd_gc(int argc, char **argv)
{
    static const struct option opts[] = {
        {"keep", required_argument, NULL, 'k'},
        {"older-than", required_argument, NULL, 'o'},
        {"dry-run", no_argument, NULL, 'n'},
        CLI_HIST_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *state = NULL, *yang_dir = NULL;
    long long age = -1, keep = -1, cutoff;
    int c, fmt = OUT_TEXT, dry = 0, first = 1;
    size_t deleted = 0, kept = 0, n;
    struct nst_ctx *ctx = NULL;
    struct nst_history *h = NULL;
    char *end;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            keep = strtoll(optarg, &end, 10);
            if (*end || end == optarg || keep < 0) {
                fprintf(stderr, "netstitch gc: --keep needs a number, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'o':
            if (cli_hist_parse_age(optarg, &age)) {
                fprintf(stderr,
                        "netstitch gc: --older-than needs an age (30m, 12h, 7d), not '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'n':
            dry = 1;
            break;
        case 's':
        case 'f':
        case 'y':
            if (cli_hist_opt(c, optarg, "gc", &state, &fmt, &yang_dir)) {
                return EXIT_USAGE;
            }
            break;
        case 'h':
            gc_usage(stdout);
            return EXIT_CLEAN;
        default:
            gc_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc || (keep < 0) == (age < 0)) {
        fprintf(stderr, "netstitch gc: %s\n",
                optind != argc ? "unexpected argument"
                               : "give exactly one of --keep and --older-than");
        gc_usage(stderr);
        return EXIT_USAGE;
    }
    h = cli_hist_open_new(yang_dir, state, "gc", &ctx);
    if (!h) {
        return EXIT_USAGE;
    }
    n = nst_history_count(h);
    cutoff = age >= 0 ? (long long)time(NULL) * 1000 - age : 0;
    if (fmt == OUT_JSON) {
        printf("{\"command\": \"gc\", \"exit\": 0, \"dry_run\": %s, \"deleted\": [",
               dry ? "true" : "false");
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = nst_history_field(h, i, NST_HISTORY_ID);
        int old = keep >= 0 ? (long long)(n - i) > keep : nst_history_time(h, i, 0) < cutoff;
        const char *o = nst_history_field(h, i, NST_HISTORY_OUTCOME);

        if (!old) {
            continue;
        }
        if (dry ? (!strcmp(o, "running") || !strcmp(o, "interrupted"))
                : nst_history_delete(h, id) != NST_OK) {
            if (fmt != OUT_JSON) {
                printf("kept    %s: %s\n", id, dry ? "not finished" : nst_history_message(h));
            }
            kept++;
            continue;
        }
        if (fmt == OUT_JSON) {
            printf("%s\n  ", first ? "" : ",");
            cli_json_str(stdout, id);
        } else {
            printf("%s %s\n", dry ? "would delete" : "deleted", id);
        }
        first = 0;
        deleted++;
    }
    if (fmt == OUT_JSON) {
        printf("%s], \"kept\": %zu}\n", first ? "" : "\n", kept);
    } else {
        fprintf(stderr, "netstitch gc: %s %zu transaction%s of %s, kept %zu that %s\n",
                dry ? "would delete" : "deleted", deleted, deleted == 1 ? "" : "s",
                nst_history_location(h), kept, kept == 1 ? "is still needed" : "are still needed");
    }
    nst_history_free(h);
    nst_ctx_free(ctx);
    return EXIT_CLEAN;
}
