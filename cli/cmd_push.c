/*
 * cmd_push.c: `netstitch push SERVICE --inventory INV [options]` (or `--payloads DIR`), and the
 * report and progress printing that `rollback` and `recover` share (cli.h: cli_txn_*).
 *
 * Push changes every device in one transaction (the library's nst_txn, docs/push.md):
 * connect, lock, snapshot, edit, validate, confirmed commit, confirm; any failure undoes
 * everything. This file only gathers the inputs, prints progress on stderr and the
 * report on stdout (text, or JSON with --format json), and maps the outcome to the exit
 * status:
 *   0  committed everywhere (or --dry-run: every device accepted the edit)
 *   1  failed; every device was verified back at its configuration from before
 *   2  usage, input, inventory, payload or state-directory problem: nothing was touched
 *   4  failed and some device could not be restored or verified: run `netstitch recover`
 *   5  a device is being changed by another netstitch process, or an interrupted
 *      transaction on it awaits `netstitch recover`: nothing was touched
 *
 * Payloads: by default the SERVICE is loaded, checked and compiled in memory (nothing is
 * pushed if it has errors, or if a device's driver renders no payload). With --payloads
 * DIR the payloads are DIR/<device>.xml for every XML file of DIR (what `netstitch compile
 * -o DIR` writes, possibly edited); a SERVICE given as well is still checked first.
 *
 * Test hook (documented in docs/push.md): with NETSTITCH_TEST_PAUSE=EVENT and
 * NETSTITCH_TEST_PAUSE_DIR=DIR, the command stops at the first progress event matching
 * EVENT ("PHASE" when a phase starts, "DEVICE:STEP" when a step finished), creates
 * DIR/paused and waits until DIR/resume exists. Tests use it to drop sessions or kill the
 * process at an exact point of the transaction.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* The largest payload file --payloads reads (the library's default service size limit). */
#define PUSH_PAYLOAD_MAX (32L << 20)

struct cli_progress {
    int quiet;
    const char *pause_at;
    const char *pause_dir;
    int paused;
    struct cli_display display; /* on a terminal: a live status line (progress.c) */
};

static void cli_txn_health_json(FILE *out, const struct nst_txn *txn);

static void
cli_test_pause(struct cli_progress *p, const char *event)
{
    char path[4096];
    FILE *f;
    struct timespec ts = {0, 20 * 1000 * 1000};

    if (!p->pause_at || !p->pause_dir || p->paused || strcmp(p->pause_at, event)) {
        return;
    }
    p->paused = 1;
    snprintf(path, sizeof path, "%s/paused", p->pause_dir);
    f = fopen(path, "w");
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/resume", p->pause_dir);
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
        cli_test_pause(p, nst_txn_phase_name(phase));
        return;
    }
    if (!p->quiet && !p->display.active) {
        fprintf(stderr, "netstitch:    %s: %s %s\n", device, step, result);
    }
    snprintf(event, sizeof event, "%s:%s", device, step);
    cli_test_pause(p, event);
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
        p->pause_at = getenv("NETSTITCH_TEST_PAUSE");
        p->pause_dir = getenv("NETSTITCH_TEST_PAUSE_DIR");
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
    if (err == NST_EENV) {
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
    fprintf(out, "%s %s: %s\n", command, id ? id : "(no transaction)",
            cli_outcome_text(nst_txn_outcome(txn), command));
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

/*
 * The confirm window (--confirm-window SEC). The push runs in a child process forked before
 * any session exists (libnetconf2 and the session relay use threads, which a fork would
 * lose); the child holds the sessions through the window. When the window opens, the
 * child prints the pending report on the shared stdout, tells the parent through a pipe
 * and detaches (new session, standard streams to /dev/null); the parent exits
 * EXIT_TXN_WINDOW. `netstitch confirm|cancel TXID` ends the window; so does its end.
 */
struct push_window {
    int fd; /* write end of the pipe to the parent */
    unsigned secs;
    int fmt;
};

static void
push_window_open(const struct nst_txn *txn, void *user)
{
    struct push_window *w = user;
    const char *id = nst_txn_id(txn);
    int null;

    if (w->fmt == OUT_JSON) {
        printf("{\"command\": \"push\", \"transaction\": ");
        cli_json_str(stdout, id);
        printf(", \"outcome\": \"pending\", \"exit\": %d, \"window_s\": %u, \"health\": ",
               EXIT_TXN_WINDOW, w->secs);
        cli_json_str(stdout, nst_txn_health_report(txn));
        printf(", \"devices\": [");
        for (size_t i = 0; i < nst_txn_device_count(txn); i++) {
            printf("%s{\"name\": ", i ? ", " : "");
            cli_json_str(stdout, nst_txn_device_name(txn, i));
            printf(", \"method\": ");
            cli_json_str(stdout, nst_txn_method_name(nst_txn_device_method(txn, i)));
            printf("}");
        }
        printf("]}\n");
    } else {
        printf("push %s: committed on every device, NOT confirmed: confirm window open for %u s\n",
               id, w->secs);
        if (*nst_txn_health_report(txn)) {
            printf("  health gate: %s\n", nst_txn_health_report(txn));
        }
        for (size_t i = 0; i < nst_txn_device_count(txn); i++) {
            printf("  %-16s %s\n", nst_txn_device_name(txn, i),
                   nst_txn_method_name(nst_txn_device_method(txn, i)));
        }
        printf("  keep it:  netstitch confirm %s\n"
               "  undo it:  netstitch cancel %s\n"
               "  when the window ends without either, every device is rolled back\n",
               id, id);
    }
    fflush(stdout);
    fflush(stderr);
    if (write(w->fd, "W", 1) != 1) {
        /* The parent is gone; the window goes on regardless. */
    }
    close(w->fd);
    w->fd = -1;
    setsid();
    null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2) {
            close(null);
        }
    }
}

/* Fork for a confirm window: returns 0 in the child (which goes on with the push), or, in
 * the parent, the exit status to return (the window opened, or the child's own status). */
static int
push_window_fork(struct push_window *w, int *is_child)
{
    int pfd[2];
    pid_t pid;
    char c;
    int status;

    *is_child = 0;
    fflush(NULL);
    if (pipe(pfd)) {
        fprintf(stderr, "netstitch push: pipe: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "netstitch push: fork: %s\n", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return EXIT_USAGE;
    }
    if (pid == 0) {
        close(pfd[0]);
        w->fd = pfd[1];
        *is_child = 1;
        /* A terminal's hang-up must not end the window. */
        signal(SIGHUP, SIG_IGN);
        return 0;
    }
    close(pfd[1]);
    if (read(pfd[0], &c, 1) == 1 && c == 'W') {
        close(pfd[0]);
        return EXIT_TXN_WINDOW;
    }
    close(pfd[0]);
    if (waitpid(pid, &status, 0) < 0) {
        return EXIT_USAGE;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_USAGE;
}

/* Read DIR/<device>.xml for every XML file of DIR, in name order, into the push. */
static int
push_add_dir(struct nst_txn *txn, const char *dir)
{
    struct dirent **ents = NULL;
    int n, rc = EXIT_CLEAN, added = 0;

    n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "netstitch push: cannot read %s: %s\n", dir, strerror(errno));
        return EXIT_USAGE;
    }
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t len = strlen(name);
        char path[4096], dev[256];
        FILE *f;
        char *buf = NULL;
        size_t cap = 0, got = 0;
        nst_err err;

        if (rc || len < 5 || strcmp(name + len - 4, ".xml") || name[0] == '.' ||
            len - 4 >= sizeof dev) {
            continue;
        }
        memcpy(dev, name, len - 4);
        dev[len - 4] = '\0';
        snprintf(path, sizeof path, "%s/%s", dir, name);
        /* O_NONBLOCK: opening a FIFO must not wait for a writer (refused below). */
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

        f = fd < 0 ? NULL : fdopen(fd, "r");
        if (!f) {
            if (fd >= 0) {
                close(fd);
            }
            fprintf(stderr, "netstitch push: cannot read %s: %s\n", path, strerror(errno));
            rc = EXIT_USAGE;
            continue;
        }
        /* A FIFO or a device (a link to /dev/zero) would block or never end, a huge file
         * would take all memory: only regular files up to the service size limit. */
        struct stat st;

        if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || st.st_size > PUSH_PAYLOAD_MAX) {
            fprintf(stderr, "netstitch push: %s: %s\n", path,
                    S_ISREG(st.st_mode) ? "larger than 32 MiB" : "not a regular file");
            fclose(f);
            rc = EXIT_USAGE;
            continue;
        }
        for (;;) {
            if (got + 4096 + 1 > cap) {
                char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);

                if (!nb) {
                    break;
                }
                buf = nb;
            }
            size_t r = fread(buf + got, 1, cap - got - 1, f);

            got += r;
            if (!r) {
                break;
            }
        }
        fclose(f);
        if (!buf) {
            rc = EXIT_USAGE;
            continue;
        }
        buf[got] = '\0';
        err = nst_txn_add_payload(txn, dev, NULL, buf);
        free(buf);
        if (err) {
            fprintf(stderr, "netstitch push: %s: %s\n", path,
                    *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(err));
            rc = EXIT_USAGE;
            continue;
        }
        added++;
    }
    for (int i = 0; i < n; i++) {
        free(ents[i]);
    }
    free(ents);
    if (!rc && !added) {
        fprintf(stderr, "netstitch push: no <device>.xml payload in %s\n", dir);
        rc = EXIT_USAGE;
    }
    return rc;
}

/* Add every device's payload of the service compiled in memory. */
static int
push_add_compiled(struct nst_txn *txn, const struct nst_compiled *comp)
{
    size_t n = nst_compiled_device_count(comp);
    nst_err err;

    for (size_t i = 0; i < n; i++) {
        const char *name = nst_compiled_device_name(comp, i);
        const char *payload = nst_compiled_device_payload(comp, i);

        if (!payload) {
            fprintf(stderr,
                    "netstitch push: device %s: the %s driver renders no NETCONF payload "
                    "yet; nothing was pushed\n",
                    name, nst_compiled_device_driver(comp, i));
            return EXIT_USAGE;
        }
        err = nst_txn_add_payload(txn, name, nst_compiled_device_driver(comp, i), payload);
        if (err) {
            fprintf(stderr, "netstitch push: %s\n",
                    *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(err));
            return EXIT_USAGE;
        }
    }
    if (!n) {
        fprintf(stderr, "netstitch push: the service has no device\n");
        return EXIT_USAGE;
    }
    return EXIT_CLEAN;
}

static void
push_usage(FILE *out)
{
    fputs("usage: netstitch push SERVICE --inventory INV [options]\n"
          "       netstitch push [SERVICE] --inventory INV --payloads DIR [options]\n"
          "\n"
          "Change every device in one all-or-nothing NETCONF transaction: lock, edit,\n"
          "validate, confirmed commit, then confirm everywhere; any failure anywhere\n"
          "undoes every device (docs/push.md). SERVICE is checked and compiled first.\n"
          "  --inventory INV        how to reach the devices, where secrets come from\n"
          "  --payloads DIR         push DIR/<device>.xml instead of compiling\n"
          "  --templates DIR        templates for the compile (repeatable, as for compile)\n"
          "  --state-dir DIR        snapshots, plans, journals (default\n"
          "                         ~/.local/state/netstitch)\n"
          "  --jobs N               at most N devices at once (default 8)\n"
          "  --confirm-timeout SEC  device-side rollback timer of the confirmed commit\n"
          "                         (default: the largest commit timeout + 60)\n"
          "  --dry-run              prepare and validate everywhere, then discard\n"
          "  --name NAME            the service's name for its ownership record (default:\n"
          "                         the file's name; docs/diff.md)\n"
          "  --force                overwrite owned configuration changed outside netstitch\n"
          "  --no-state             push the whole compiled payloads; record no ownership\n"
          "  --no-validate          never send <validate>\n"
          "  --no-health            confirm without waiting for the BGP sessions\n"
          "  --confirm-window SEC   leave the confirmed commit pending for up to SEC s and\n"
          "                         exit 7; `netstitch confirm|cancel TXID` ends it\n"
          "  --health-deadline SEC  how long the health gate waits (default 60)\n"
          "  --health-interval MS   how often it polls (default 500)\n"
          "  --format text|json     the report's format (default text)\n"
          "  -q, --quiet            no progress on stderr\n"
          "  --yang-dir DIR         netstitch's YANG models\n"
          "\n"
          "Exit status: 0 committed, 1 failed and rolled back everywhere, 2 usage or input\n"
          "error (nothing touched; also when the health gate fails: rolled back), 4 failed and not "
          "everything could be restored (run\n"
          "`netstitch recover`), 7 confirm window open, 5 devices busy with another netstitch or "
          "awaiting recover\n"
          "(nothing touched), 6 drift: configuration netstitch set was changed outside it\n"
          "(nothing touched; see --force).\n",
          out);
}

int
cmd_push(int argc, char **argv)
{
    static const struct option opts[] = {
        {"inventory", required_argument, NULL, 'i'},
        {"payloads", required_argument, NULL, 'p'},
        {"state-dir", required_argument, NULL, 's'},
        {"jobs", required_argument, NULL, 'j'},
        {"confirm-timeout", required_argument, NULL, 't'},
        {"dry-run", no_argument, NULL, 'n'},
        {"no-validate", no_argument, NULL, 'V'},
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"yang-dir", required_argument, NULL, 'y'},
        {"templates", required_argument, NULL, 'T'},
        {"name", required_argument, NULL, 'N'}, /* lifecycle (cmd_delete.c) */
        {"force", no_argument, NULL, 'F'},      /* lifecycle: overwrite drift */
        {"no-state", no_argument, NULL, 'S'},   /* lifecycle: push the payloads as they are */
        {"no-health", no_argument, NULL, 'H'},
        {"health-deadline", required_argument, NULL, 'D'},
        {"health-interval", required_argument, NULL, 'I'},
        {"confirm-window", required_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *inv_path = NULL, *payloads = NULL, *state_dir = NULL, *yang_dir = NULL;
    const char *tdirs[16];
    size_t ntdirs = 0;
    struct nst_compiled *comp = NULL;
    unsigned flags = 0, jobs = 0;
    unsigned long confirm = 0;
    int c, quiet = 0, fmt = OUT_TEXT, rc = EXIT_CLEAN, force = 0, no_state = 0, no_health = 0;
    unsigned long hl_deadline = 0, hl_interval = 0;
    struct nst_health *health = NULL;
    struct push_window window = {-1, 0, OUT_TEXT};
    int is_child = 0;
    const char *svc_name = NULL;
    struct nst_ctx *ctx = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_service *svc = NULL;
    struct nst_txn *txn = NULL;
    void *progress = NULL;
    char *end;
    enum nst_stage stage = NST_STAGE_LOAD;
    nst_err err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            inv_path = optarg;
            break;
        case 'p':
            payloads = optarg;
            break;
        case 's':
            state_dir = optarg;
            break;
        case 'j':
            jobs = (unsigned)strtoul(optarg, &end, 10);
            if (*end || !jobs) {
                fprintf(stderr, "netstitch push: --jobs needs a positive number\n");
                return EXIT_USAGE;
            }
            break;
        case 't':
            confirm = strtoul(optarg, &end, 10);
            if (*end || !confirm || confirm > 86400) {
                fprintf(stderr, "netstitch push: --confirm-timeout needs 1..86400 seconds\n");
                return EXIT_USAGE;
            }
            break;
        case 'n':
            flags |= NST_TXN_DRY_RUN;
            break;
        case 'V':
            flags |= NST_TXN_NO_VALIDATE;
            break;
        case 'f':
            fmt = cli_parse_format(optarg);
            if (fmt < 0) {
                push_usage(stderr);
                return EXIT_USAGE;
            }
            break;
        case 'q':
            quiet = 1;
            break;
        case 'y':
            yang_dir = optarg;
            break;
        case 'T':
            if (ntdirs == sizeof tdirs / sizeof tdirs[0]) {
                fprintf(stderr, "netstitch push: at most 16 --templates\n");
                return EXIT_USAGE;
            }
            tdirs[ntdirs++] = optarg;
            break;
        case 'N':
            svc_name = optarg;
            break;
        case 'F':
            force = 1;
            break;
        case 'S':
            no_state = 1;
            break;
        case 'H':
            no_health = 1;
            break;
        case 'D':
            hl_deadline = strtoul(optarg, &end, 10);
            if (*end || !hl_deadline || hl_deadline > 3600) {
                fprintf(stderr, "netstitch push: --health-deadline needs 1..3600 seconds\n");
                return EXIT_USAGE;
            }
            break;
        case 'W':
            window.secs = (unsigned)strtoul(optarg, &end, 10);
            if (*end || !window.secs || window.secs > 86400) {
                fprintf(stderr, "netstitch push: --confirm-window needs 1..86400 seconds\n");
                return EXIT_USAGE;
            }
            break;
        case 'I':
            hl_interval = strtoul(optarg, &end, 10);
            if (*end || hl_interval < 10 || hl_interval > 60000) {
                fprintf(stderr, "netstitch push: --health-interval needs 10..60000 ms\n");
                return EXIT_USAGE;
            }
            break;
        case 'h':
            push_usage(stdout);
            return EXIT_CLEAN;
        default:
            push_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc - 1 || !inv_path || (!payloads && optind != argc - 1)) {
        push_usage(stderr);
        return EXIT_USAGE;
    }
    if (nst_ctx_new(yang_dir, &ctx)) {
        fprintf(stderr, "netstitch push: cannot load the netstitch YANG models\n");
        return EXIT_USAGE;
    }
    if (optind == argc - 1) {
        /* The pipeline, load -> check -> lower -> render, in one library call; with
         * --payloads the service is only checked (the payloads are its compiled form). */
        err = nst_compile_file(ctx, argv[optind], NST_FORMAT_AUTO, tdirs, ntdirs,
                               payloads ? NST_COMPILE_CHECK_ONLY : 0, &stage, &svc,
                               payloads ? NULL : &comp);
        if (err) {
            cli_print_diags(stderr, ctx, OUT_TEXT, 0, "push", EXIT_USAGE);
            if (stage <= NST_STAGE_CHECK) {
                fprintf(stderr, "netstitch push: the service has errors; nothing was pushed\n");
            } else {
                fprintf(stderr, "netstitch push: compile failed: %s\n", nst_strerror(err));
            }
            rc = EXIT_USAGE;
            goto cleanup;
        }
    }
    err = nst_inventory_load(ctx, inv_path, NST_FORMAT_AUTO, &inv);
    if (err) {
        cli_print_diags(stderr, ctx, OUT_TEXT, 0, "push", EXIT_USAGE);
        fprintf(stderr, "netstitch push: cannot use the inventory %s\n", inv_path);
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
    /* The health gate (docs/push.md): a service with BGP sessions is confirmed only once
     * they are Established with the prefixes they should receive. */
    if (svc && !no_health && !(flags & NST_TXN_DRY_RUN)) {
        if (nst_health_new(svc, inv, &health)) {
            rc = EXIT_USAGE;
            goto cleanup;
        }
        if (nst_health_session_count(health)) {
            nst_health_set_timing(health, (unsigned)hl_interval, (unsigned)hl_deadline * 1000);
            nst_txn_set_health(txn, health);
        }
    }
    if (window.secs && !(flags & NST_TXN_DRY_RUN)) {
        window.fmt = fmt;
        rc = push_window_fork(&window, &is_child);
        if (!is_child) {
            goto cleanup;
        }
        nst_txn_set_confirm_window(txn, window.secs, push_window_open, &window);
    }
    progress = cli_txn_progress_new(quiet);
    cli_txn_attach_progress(txn, progress);
    if (!payloads && !no_state) {
        /* The service lifecycle (cmd_delete.c, docs/diff.md): diff the devices, refuse drift
         * unless --force, push only the changes (and the removal of what the service no
         * longer generates), record what the service now owns. */
        struct cli_apply ap = {svc_name, state_dir, jobs,  tdirs,
                               ntdirs,   force,     flags, (enum out_format)fmt};

        rc = cli_push_service(ctx, inv, txn, comp, argv[optind], &ap);
        goto cleanup;
    }
    rc = payloads ? push_add_dir(txn, payloads) : push_add_compiled(txn, comp);
    if (rc) {
        goto cleanup;
    }
    err = nst_txn_push(txn);
    rc = cli_txn_exit(txn, err);
    if (err && nst_txn_outcome(txn) == NST_TXN_NOT_RUN && fmt == OUT_JSON) {
        fprintf(stderr, "netstitch push: %s\n",
                *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(err));
    }
    cli_txn_report(stdout, txn, "push", rc, (enum out_format)fmt);

cleanup:
    if (window.fd >= 0) {
        close(window.fd);
    }
    nst_txn_free(txn);
    nst_health_free(health);
    free(progress);
    nst_compiled_free(comp);
    nst_inventory_free(inv);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    return rc;
}
