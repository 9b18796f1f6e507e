/*
 * txn_report.c: what push, delete, rollback and recover print about a transaction
 * (cli.h: cli_txn_*): progress on stderr (a live line on a terminal, log lines
 * otherwise), the report on stdout (text or JSON), and the exit status for an outcome.
 *
 * Test hook (documented in docs/push.md): with NETSTITCH_TEST_PAUSE=EVENT and
 * NETSTITCH_TEST_PAUSE_DIR=DIR, the command stops at the first progress event matching
 * EVENT ("PHASE" when a phase starts, "DEVICE:STEP" when a step finished), creates
 * DIR/paused and waits until DIR/resume exists. Tests use it to drop sessions or kill the
 * process at an exact point of the transaction.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct cli_progress {
    int quiet;
    struct cli_display display; /* on a terminal: a live status line (progress.c) */
};

static void cli_txn_health_json(FILE *out, const struct nst_txn *txn);

/* The test hook (cmd_push.c, docs/push.md): the first event of the process matching
 * NETSTITCH_TEST_PAUSE creates $NETSTITCH_TEST_PAUSE_DIR/paused (the pid) and waits until
 * $NETSTITCH_TEST_PAUSE_DIR/resume exists (at most 120 s). Events come from the workers'
 * progress callbacks and from the command itself ("diffed"). */
void
cli_test_pause(const char *event)
{
    static atomic_int paused;
    const char *at = getenv("NETSTITCH_TEST_PAUSE"), *dir = getenv("NETSTITCH_TEST_PAUSE_DIR");
    char path[4096];
    FILE *f;
    struct timespec ts = {0, 20 * 1000 * 1000};

    if (!at || !dir || strcmp(at, event) || atomic_exchange(&paused, 1)) {
        return;
    }
    snprintf(path, sizeof path, "%s/paused", dir);
    f = fopen(path, "w");
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/resume", dir);
    for (int i = 0; i < 120 * 50 && access(path, F_OK); i++) {
        nanosleep(&ts, NULL);
    }
}

static void
cli_progress_cb(enum nst_txn_phase phase, const char *device, const char *step, const char *result,
                void *user)
{
    struct cli_progress *p = user;
    char event[256];

    /* A terminal gets the live line; a pipe or file gets the plain log lines. */
    cli_display_event(&p->display, nst_txn_phase_name(phase), device, step, result);
    if (!device) {
        if (!p->quiet && !p->display.active) {
            fprintf(stderr, "netstitch: == %s\n", nst_txn_phase_name(phase));
        }
        cli_test_pause(nst_txn_phase_name(phase));
        return;
    }
    if (!p->quiet && !p->display.active) {
        fprintf(stderr, "netstitch:    %s: %s %s\n", device, step, result);
    }
    snprintf(event, sizeof event, "%s:%s", device, step);
    cli_test_pause(event);
}

void *
cli_txn_progress_new(int quiet)
{
    struct cli_progress *p = calloc(1, sizeof *p);

    if (p) {
        p->quiet = quiet;
        if (!quiet) {
            cli_display_init(&p->display, NULL);
        }
    }
    return p;
}

void
cli_txn_attach_progress(struct nst_txn *txn, void *progress)
{
    if (progress) {
        nst_txn_set_progress_cb(txn, cli_progress_cb, progress);
    }
}

int
cli_txn_exit(const struct nst_txn *txn, nst_err err)
{
    switch (nst_txn_outcome(txn)) {
    case NST_TXN_COMMITTED:
    case NST_TXN_DRY_RUN_OK:
    case NST_TXN_NOTHING_TO_DO:
        return EXIT_CLEAN;
    case NST_TXN_ABORTED:
        return EXIT_ERRORS;
    case NST_TXN_INCOMPLETE:
        return EXIT_TXN_INCOMPLETE;
    case NST_TXN_NOT_RUN:
        break;
    }
    if (err == NST_EBUSY) {
        return EXIT_TXN_BUSY;
    }
    return err ? EXIT_USAGE : EXIT_CLEAN;
}

static const char *
cli_outcome_text(enum nst_txn_outcome o, const char *command)
{
    switch (o) {
    case NST_TXN_COMMITTED:
        return "committed on every device";
    case NST_TXN_DRY_RUN_OK:
        return "dry run: every device accepted the change; nothing was committed";
    case NST_TXN_ABORTED:
        if (!strcmp(command, "recover")) {
            return "undone; every device was verified back at its configuration from before";
        }
        return "FAILED; every device was verified back at its configuration from before";
    case NST_TXN_INCOMPLETE:
        return "FAILED and INCOMPLETE: some device may still carry the change";
    case NST_TXN_NOTHING_TO_DO:
        return "nothing to do";
    case NST_TXN_NOT_RUN:
        break;
    }
    return "not run; no device was touched";
}

void
cli_txn_report(FILE *out, const struct nst_txn *txn, const char *command, int exit_code,
               enum out_format fmt)
{
    size_t n = nst_txn_device_count(txn), w = 6;
    const char *id = nst_txn_id(txn);

    if (fmt == OUT_JSON) {
        static const struct {
            const char *key;
            enum nst_txn_err_field f;
        } fields[] = {
            {"step", NST_TXN_ERR_STEP},
            {"kind", NST_TXN_ERR_KIND},
            {"message", NST_TXN_ERR_MESSAGE},
            {"error_tag", NST_TXN_ERR_TAG},
            {"error_app_tag", NST_TXN_ERR_APP_TAG},
            {"error_path", NST_TXN_ERR_PATH},
        };

        fprintf(out, "{\"command\": ");
        cli_json_str(out, command);
        fprintf(out, ", \"transaction\": ");
        if (id) {
            cli_json_str(out, id);
        } else {
            fputs("null", out);
        }
        fprintf(out, ", \"outcome\": ");
        cli_json_str(out, nst_txn_outcome_name(nst_txn_outcome(txn)));
        fprintf(out, ", \"exit\": %d, \"message\": ", exit_code);
        cli_json_str(out, nst_txn_message(txn));
        fprintf(out, ", \"code\": ");
        cli_json_str(out, nst_txn_code(txn));
        fprintf(out, ", \"devices\": [");
        for (size_t i = 0; i < n; i++) {
            fprintf(out, "%s\n  {\"name\": ", i ? "," : "");
            cli_json_str(out, nst_txn_device_name(txn, i));
            fprintf(out, ", \"method\": ");
            cli_json_str(out, nst_txn_method_name(nst_txn_device_method(txn, i)));
            fprintf(out, ", \"state\": ");
            cli_json_str(out, nst_txn_dev_state_name(nst_txn_device_state(txn, i)));
            fprintf(out, ", \"error\": ");
            if (*nst_txn_device_error(txn, i, NST_TXN_ERR_TEXT)) {
                fputc('{', out);
                for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
                    fprintf(out, "%s\"%s\": ", k ? ", " : "", fields[k].key);
                    cli_json_str(out, nst_txn_device_error(txn, i, fields[k].f));
                }
                fputc('}', out);
            } else {
                fputs("null", out);
            }
            fprintf(out, ", \"undo_error\": ");
            cli_json_str(out, nst_txn_device_error(txn, i, NST_TXN_ERR_UNDO));
            if (nst_txn_outcome(txn) == NST_TXN_DRY_RUN_OK) {
                /* A dry run says what it would have sent (secrets as placeholders). */
                fprintf(out, ", \"edit\": ");
                cli_json_str(out, nst_txn_device_payload(txn, i));
            }
            fputc('}', out);
        }
        fprintf(out, "%s], \"health\": ", n ? "\n" : "");
        cli_txn_health_json(out, txn);
        fprintf(out, "}\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(nst_txn_device_name(txn, i));

        if (l > w) {
            w = l;
        }
    }
    {
        size_t undo_errors = 0;

        for (size_t i = 0; i < n; i++) {
            undo_errors += *nst_txn_device_error(txn, i, NST_TXN_ERR_UNDO) != '\0';
        }
        if (nst_txn_outcome(txn) == NST_TXN_ABORTED && undo_errors) {
            /* An undo step failed (a timeout, a dropped session) on a device whose running
             * configuration was never changed (its edit was in the candidate): running is
             * as before, but that device was not verified, nor its candidate cleaned.
             * Never the "every device was verified back" headline. */
            fprintf(out,
                    "%s %s: FAILED; the undo failed on %zu device%s (see below): its running "
                    "configuration was never changed, but it was not verified\n",
                    command, id ? id : "(no transaction)", undo_errors,
                    undo_errors == 1 ? "" : "s");
        } else {
            fprintf(out, "%s %s: %s\n", command, id ? id : "(no transaction)",
                    cli_outcome_text(nst_txn_outcome(txn), command));
        }
    }
    if (*nst_txn_message(txn)) {
        fprintf(out, "  error: %s\n", nst_txn_message(txn));
    }
    if (nst_txn_outcome(txn) == NST_TXN_NOT_RUN) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *e = nst_txn_device_error(txn, i, NST_TXN_ERR_TEXT);
        const char *u = nst_txn_device_error(txn, i, NST_TXN_ERR_UNDO);

        fprintf(out, "  %-*s  %-18s %-10s%s%s\n", (int)w, nst_txn_device_name(txn, i),
                nst_txn_method_name(nst_txn_device_method(txn, i)),
                nst_txn_dev_state_name(nst_txn_device_state(txn, i)), *e ? "  " : "", e);
        if (*u) {
            fprintf(out, "  %-*s  undo failed: %s\n", (int)w, "", u);
        }
    }
    if (nst_txn_health(txn)) {
        const struct nst_health *h = nst_txn_health(txn);
        char line[1024];

        fprintf(out, "  health gate: %s\n",
                !strncmp(nst_txn_health_report(txn), "passed", 6) ? "passed" : "FAILED");
        for (size_t i = 0; i < nst_health_session_count(h); i++) {
            fprintf(out, "    %s\n", nst_health_session_summary(h, i, line, sizeof line));
        }
    }
    if (nst_txn_outcome(txn) == NST_TXN_INCOMPLETE && id) {
        fprintf(out,
                "  run `netstitch recover %s --inventory ...` to finish the undo; "
                "confirmed commits also expire on the devices\n",
                id);
    }
}

/* The gate's outcome and every session's final state, or null when no gate ran. */
static void
cli_txn_health_json(FILE *out, const struct nst_txn *txn)
{
    const struct nst_health *h = nst_txn_health(txn);
    char *text = NULL;

    if (!h || nst_health_print(h, NST_HEALTH_JSON, &text)) {
        fputs("null", out);
        return;
    }
    fprintf(out, "{\"gate\": ");
    cli_json_str(out, nst_txn_health_report(txn));
    /* The check's own JSON object, without its trailing newline. */
    for (size_t l = strlen(text); l && text[l - 1] == '\n'; l--) {
        text[l - 1] = '\0';
    }
    fprintf(out, ", \"check\": %s}", text);
    nst_free_string(text);
}
