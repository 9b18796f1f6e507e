/*
 * cmd_push.c: `netstitch push SERVICE --inventory INV [options]` (or `--payloads DIR`).
 * The transaction report and progress (cli_txn_*) are txn_report.c's; the service
 * lifecycle (cli_push_service, cli_push_payloads) is apply.c's.
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
 * EVENT ("PHASE" when a phase starts, "DEVICE:STEP" when a step finished, "diffed" between
 * the service lifecycle's diff and its service lock), creates
 * DIR/paused and waits until DIR/resume exists. Tests use it to drop sessions or kill the
 * process at an exact point of the transaction.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

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

static int
push_add_payload(void *user, const char *device, const char *text, const char *path)
{
    struct nst_txn *txn = user;
    nst_err err = nst_txn_add_payload(txn, device, NULL, text);

    if (err) {
        fprintf(stderr, "netstitch push: %s: %s\n", path,
                *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(err));
        return -1;
    }
    return 0;
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
          "  --payloads DIR         push DIR/<device>.xml instead of compiling; with the\n"
          "                         ownership record of --name, SERVICE or DIR/plan.json\n"
          "  --templates DIR        templates for the compile (repeatable, as for compile)\n"
          "  --state-dir DIR|URL    the state store: snapshots, journals, ownership, history\n"
          "                         (default ~/.local/state/netstitch/state.db; a\n"
          "                         postgresql:// URL for a team; --state is the same)\n"
          "  --comment TEXT         why, for the history (netstitch log)\n"
          "  --jobs N               at most N devices at once (default: all, up to 256)\n"
          "  --confirm-timeout SEC  device-side rollback timer of the confirmed commit\n"
          "                         (default: the largest commit timeout + 60)\n"
          "  --dry-run              prepare and validate everywhere, then discard; with the\n"
          "                         service lifecycle first print the diff it would send\n"
          "  --diff-format FMT      that diff as tree (default), cli, xml or json\n"
          "  --limit DEV[,DEV...]   change these devices only; the others keep their part of\n"
          "                         the ownership record (repeatable)\n"
          "  --name NAME            the service's name for its ownership record (default:\n"
          "                         the file's name; docs/diff.md)\n"
          "  --force                overwrite owned configuration changed outside netstitch\n"
          "  --no-state             push the whole payloads; record no ownership\n"
          "  --redeploy             also re-send the whole configuration of devices that\n"
          "                         are in sync (a replaced router); overwrites drift\n"
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
        {"state", required_argument, NULL, 's'},
        {"comment", required_argument, NULL, 'C'},
        {"redeploy", no_argument, NULL, 'R'},          /* lifecycle: re-send in-sync devices too */
        {"diff-format", required_argument, NULL, 'G'}, /* lifecycle: --dry-run's diff */
        {"limit", required_argument, NULL, 'L'},       /* lifecycle: these devices only */
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
    const char *svc_name = NULL, *comment = NULL;
    int redeploy = 0, diff_fmt = -2; /* unset: tree with --dry-run and a text report */
    const char *limit[256];
    char limit_buf[8192], svc_buf[256];
    size_t nlimit = 0, limit_used = 0;
    struct nst_ctx *ctx = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_service *svc = NULL;
    struct nst_txn *txn = NULL;
    void *progress = NULL;
    unsigned long num;
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
            if (cli_parse_number("push", "--jobs", optarg, 1, UINT_MAX, NULL, &num)) {
                return EXIT_USAGE;
            }
            jobs = (unsigned)num;
            break;
        case 't':
            if (cli_parse_number("push", "--confirm-timeout", optarg, 1, 86400, "seconds",
                                 &confirm)) {
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
                fprintf(stderr, "netstitch push: --format is text or json, not '%s'\n", optarg);
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
        case 'C':
            comment = optarg;
            break;
        case 'R':
            redeploy = 1;
            break;
        case 'L':
            if (cli_limit_add(optarg, limit, &nlimit, sizeof limit / sizeof limit[0], limit_buf,
                              sizeof limit_buf, &limit_used)) {
                fprintf(stderr, "netstitch push: too many --limit devices\n");
                return EXIT_USAGE;
            }
            break;
        case 'G':
            diff_fmt = cli_parse_diff_format(optarg);
            if (diff_fmt < 0) {
                fprintf(stderr, "netstitch push: --diff-format is tree, cli, xml or json\n");
                return EXIT_USAGE;
            }
            break;
        case 'H':
            no_health = 1;
            break;
        case 'D':
            if (cli_parse_number("push", "--health-deadline", optarg, 1, 3600, "seconds",
                                 &hl_deadline)) {
                return EXIT_USAGE;
            }
            break;
        case 'W':
            if (cli_parse_number("push", "--confirm-window", optarg, 1, 86400, "seconds", &num)) {
                return EXIT_USAGE;
            }
            window.secs = (unsigned)num;
            break;
        case 'I':
            if (cli_parse_number("push", "--health-interval", optarg, 10, 60000, "ms",
                                 &hl_interval)) {
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
    /* Say what is wrong in one line before the usage. */
    if (optind < argc - 1 || !inv_path || (!payloads && optind != argc - 1) ||
        ((redeploy || nlimit) && no_state)) {
        fprintf(stderr, "netstitch push: %s\n",
                optind < argc - 1    ? "one SERVICE at a time"
                : !inv_path          ? "--inventory is needed to reach the devices"
                : redeploy || nlimit ? "--redeploy and --limit need the ownership record "
                                       "(not --no-state)"
                                     : "which service? (a SERVICE file, or --payloads DIR)");
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
            } else if (nst_diag_count_severity(ctx, NST_SEV_ERROR)) {
                /* A coded diagnostic (PAYLOAD-INVALID, ...) said why, as for compile; the
                 * library's code (often NST_EINTERNAL) would add a false "internal error". */
                fprintf(stderr, "netstitch push: compile failed; nothing was pushed\n");
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
    if (diff_fmt == -2) {
        diff_fmt = (flags & NST_TXN_DRY_RUN) && fmt == OUT_TEXT ? NST_DIFF_FORMAT_TREE : -1;
    }
    if (!payloads && !no_state) {
        /* The service lifecycle (apply.c, docs/diff.md): diff the devices, refuse drift
         * unless --force, push only the changes (and the removal of what the service no
         * longer generates), record what the service now owns. */
        struct cli_apply ap = {
            svc_name, state_dir, jobs,     tdirs, ntdirs, force, flags, (enum out_format)fmt,
            comment,  redeploy,  diff_fmt, limit, nlimit};

        rc = cli_push_service(ctx, inv, txn, comp, argv[optind], &ap);
        goto cleanup;
    }
    if (payloads && !no_state) {
        /* The same lifecycle for payload files, when they name a service: --name, the
         * SERVICE given, or DIR/plan.json (what `netstitch compile -o DIR` wrote). */
        struct cli_apply ap = {
            svc_name, state_dir, jobs,     tdirs, ntdirs, force, flags, (enum out_format)fmt,
            comment,  redeploy,  diff_fmt, limit, nlimit};

        if (svc_name || optind == argc - 1 ||
            !cli_payload_dir_service(payloads, svc_buf, sizeof svc_buf)) {
            if (!svc_name) {
                if (optind == argc - 1) {
                    cli_service_name(argv[optind], NULL, svc_buf, sizeof svc_buf);
                }
                ap.name = svc_buf;
            }
            rc = cli_push_payloads(ctx, inv, txn, ap.name, payloads, &ap);
            goto cleanup;
        }
        if (redeploy || nlimit) {
            fprintf(stderr,
                    "netstitch push: --redeploy and --limit need the service's name (--name)\n");
            rc = EXIT_USAGE;
            goto cleanup;
        }
        if (!quiet) {
            fprintf(stderr,
                    "netstitch push: %s names no service (no --name, SERVICE or plan.json): "
                    "pushed as it is, without ownership, stale removal or drift refusal\n",
                    payloads);
        }
    }
    if (nst_txn_set_note(txn, NST_TXN_NOTE_COMMENT, comment)) {
        rc = EXIT_USAGE;
        goto cleanup;
    }
    rc = payloads ? cli_payload_dir(payloads, "push", push_add_payload, txn)
                  : push_add_compiled(txn, comp);
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
