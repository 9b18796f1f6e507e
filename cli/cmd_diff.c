/*
 * cmd_diff.c: `netstitch diff SERVICE --inventory INV [--format tree|cli|xml|json]`
 *             `netstitch diff SERVICE --offline DIR`
 *
 * A dry run that changes nothing: the service is loaded, checked and compiled in memory,
 * every device's running configuration is read in parallel (only the subtrees the service
 * touches), and each is compared with what the service needs, restricted to what the
 * service manages (its payload now, and what it applied before: docs/diff.md). The diff
 * goes to stdout in the chosen format, coloured on a terminal; a one-line summary goes to
 * stderr. Exit status, for pipelines (like `git diff --exit-code`):
 *   0  no changes: every device already has the service's configuration
 *   1  errors: the service, or a device that could not be compared
 *   2  usage, input (inventory, --payloads, a missing --offline directory), state store
 *   3  changes pending
 *
 * The service's name (the key of its ownership record) is --name, else the file's base
 * name without extension, or the directory's name for a file called service.* (the
 * examples' layout). cli_service_name() is shared with push and delete.
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define DIFF_MAX_TEMPLATES 16

int
cli_service_name(const char *path, const char *given, char *buf, size_t len)
{
    char copy[4096], dir[4096], *base, *dot;

    if (given) {
        snprintf(buf, len, "%s", given);
        return 0;
    }
    snprintf(copy, sizeof copy, "%s", path);
    snprintf(dir, sizeof dir, "%s", path);
    base = basename(copy);
    dot = strrchr(base, '.');
    if (dot && dot != base) {
        *dot = '\0';
    }
    if (!strcmp(base, "service")) {
        char *d = dirname(dir);
        char *abs = realpath(d, NULL);

        snprintf(buf, len, "%s", basename(abs ? abs : d));
        free(abs);
    } else {
        snprintf(buf, len, "%s", base);
    }
    return 0;
}

static void
diff_usage(FILE *out)
{
    fputs("usage: netstitch diff SERVICE --inventory INV [options]\n"
          "       netstitch diff SERVICE --offline DIR [options]\n"
          "\n"
          "Show, without changing anything, what each router would get: its running\n"
          "configuration (only what the service touches) against what the service needs.\n"
          "  --inventory INV      how to reach the devices (offline: where secrets come from)\n"
          "  --offline DIR        compare with saved configurations DIR/<device>.xml\n"
          "  --format FMT         tree (default): +/- lines in braces; cli: the native CLI\n"
          "                       that applies it; xml: the NETCONF edit-config payloads;\n"
          "                       json: one document\n"
          "  --name NAME          the service's name in the state directory (default: the\n"
          "                       file's name, or its directory's for service.xml)\n"
          "  --payloads DIR       compare DIR/<device>.xml instead of compiling SERVICE\n"
          "  --templates DIR      templates for the compile (repeatable)\n"
          "  --state-dir DIR      where push records what each service applied\n"
          "  --no-state           ignore those records: compare only what the service\n"
          "                       generates now, remove nothing\n"
          "  --limit DEV[,DEV...]  compare these devices only (repeatable)\n"
          "  --jobs N             at most N devices at once (default: all, up to 256)\n"
          "  --color WHEN         auto (default: on a terminal), always, never\n"
          "  -q, --quiet          no summary on stderr\n"
          "  --yang-dir DIR       netstitch's YANG models\n"
          "\n"
          "Exit status: 0 no changes, 1 errors in the service or a device that could not\n"
          "be compared, 2 usage or input error (nothing compared), 3 changes pending.\n",
          out);
}

/* Read a whole file; NULL when it cannot be read, is not a regular file (a FIFO would
 * block, /dev/zero never end) or is larger than 32 MiB. */
static char *
diff_read_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    FILE *f = NULL;
    char *buf = NULL;
    size_t cap = 0, got = 0, r;

    if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size <= (32L << 20)) {
        f = fdopen(fd, "r");
    }
    if (!f) {
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    do {
        if (got + 4097 > cap) {
            char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);

            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + got, 1, cap - got - 1, f);
        got += r;
    } while (r);
    fclose(f);
    buf[got] = '\0';
    return buf;
}

/* Every DIR/<device>.xml as a target. */
static int
diff_add_payload_dir(struct nst_diff *d, const char *dir)
{
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, alphasort), rc = EXIT_CLEAN, added = 0;

    if (n < 0) {
        fprintf(stderr, "netstitch diff: cannot read %s\n", dir);
        return EXIT_USAGE;
    }
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t len = strlen(name);
        char path[4096], dev[256], *text;

        if (!rc && len > 4 && len - 4 < sizeof dev && !strcmp(name + len - 4, ".xml") &&
            name[0] != '.') {
            memcpy(dev, name, len - 4);
            dev[len - 4] = '\0';
            snprintf(path, sizeof path, "%s/%s", dir, name);
            text = diff_read_file(path);
            if (!text || nst_diff_add_target(d, dev, NULL, text)) {
                fprintf(stderr, "netstitch diff: cannot use %s\n", path);
                rc = EXIT_USAGE;
            }
            free(text);
            added++;
        }
        free(ents[i]);
    }
    free(ents);
    if (!rc && !added) {
        fprintf(stderr, "netstitch diff: no <device>.xml payload in %s\n", dir);
        rc = EXIT_USAGE;
    }
    return rc;
}

int
cli_diff_add_compiled(struct nst_diff *d, const struct nst_service *svc,
                      const struct nst_compiled *comp)
{
    size_t n = nst_compiled_device_count(comp);

    for (size_t i = 0; i < n; i++) {
        if (nst_diff_add_target(d, nst_compiled_device_name(comp, i),
                                nst_compiled_device_driver(comp, i),
                                nst_compiled_device_payload(comp, i))) {
            return EXIT_ERRORS;
        }
    }
    /* The MTU each port runs now, as the service declares it: the diff reports a router
     * that runs another (MTU-MISMATCH; the plan was made from the declared number). */
    n = svc ? nst_service_item_count(svc, NST_ITEM_PORT) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *dev = nst_service_item_text(svc, NST_ITEM_PORT, i, NST_FIELD_DEVICE);
        const char *port = nst_service_item_text(svc, NST_ITEM_PORT, i, NST_FIELD_NAME);
        uint64_t mtu = nst_service_item_number(svc, NST_ITEM_PORT, i, NST_FIELD_MTU);
        nst_err err;

        if (!dev || !port || !mtu) {
            continue;
        }
        err = nst_diff_add_port(d, dev, port, (uint32_t)mtu);
        /* A device without a target (pending driver) has no payload to compare. */
        if (err && err != NST_EINVAL) {
            return EXIT_ERRORS;
        }
    }
    return EXIT_CLEAN;
}

void
cli_diff_summary(FILE *out, const char *command, const char *service, const struct nst_diff *d)
{
    size_t n = nst_diff_device_count(d), changes = 0, drift = 0, errors = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned st = nst_diff_device_status(d, i);

        changes += (st & NST_DIFF_DEV_CHANGES) != 0;
        drift += (st & NST_DIFF_DEV_DRIFT) != 0;
        errors += (st & NST_DIFF_DEV_ERROR) != 0;
        if (st & NST_DIFF_DEV_ERROR) {
            fprintf(out, "netstitch %s: device %s: %s\n", command, nst_diff_device_name(d, i),
                    nst_diff_device_error(d, i));
        }
    }
    if (*nst_diff_message(d)) {
        fprintf(out, "netstitch %s: note: %s\n", command, nst_diff_message(d));
    }
    fprintf(out, "netstitch %s: service %s: %zu device%s, %zu with changes, %zu with drift%s",
            command, service, n, n == 1 ? "" : "s", changes, drift, errors ? ", " : "\n");
    if (errors) {
        fprintf(out, "%zu not compared\n", errors);
    }
}

int
cmd_diff(int argc, char **argv)
{
    static const struct option opts[] = {
        {"inventory", required_argument, NULL, 'i'},
        {"offline", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"name", required_argument, NULL, 'N'},
        {"payloads", required_argument, NULL, 'p'},
        {"templates", required_argument, NULL, 'T'},
        {"state-dir", required_argument, NULL, 's'},
        {"no-state", no_argument, NULL, 'S'},
        {"limit", required_argument, NULL, 'L'},
        {"jobs", required_argument, NULL, 'j'},
        {"color", required_argument, NULL, 'c'},
        {"colour", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"yang-dir", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *inv_path = NULL, *offline = NULL, *name = NULL, *payloads = NULL;
    const char *state_dir = NULL, *yang_dir = NULL, *tdirs[DIFF_MAX_TEMPLATES];
    const char *color = "auto";
    size_t ntdirs = 0;
    enum nst_diff_format fmt = NST_DIFF_FORMAT_TREE;
    unsigned flags = 0, jobs = 0;
    int c, quiet = 0, rc = EXIT_CLEAN, printed = 0;
    char msg[1024] = "";
    const char *limit[256];
    char limit_buf[8192];
    size_t nlimit = 0, limit_used = 0;
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;
    struct nst_compiled *comp = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_diff *d = NULL;
    char svc_name[256], *text = NULL;
    unsigned long num;
    enum nst_stage stage = NST_STAGE_LOAD;
    nst_err err;

    /* glibc grows a thread's malloc arena by what each allocation needs, an mprotect() a
     * few pages at a time: with a worker, a relay thread and the parsers of every device,
     * about 2700 calls in a diff of 50 routers. Each arena now starts with 4 MiB (and the
     * main one grows by as much): address space, not memory, until used. */
    mallopt(M_TOP_PAD, 4 << 20);
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            inv_path = optarg;
            break;
        case 'o':
            offline = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "tree")) {
                fmt = NST_DIFF_FORMAT_TREE;
            } else if (!strcmp(optarg, "cli")) {
                fmt = NST_DIFF_FORMAT_CLI;
            } else if (!strcmp(optarg, "xml")) {
                fmt = NST_DIFF_FORMAT_XML;
            } else if (!strcmp(optarg, "json")) {
                fmt = NST_DIFF_FORMAT_JSON;
            } else {
                fprintf(stderr, "netstitch diff: unknown format '%s' (tree, cli, xml, json)\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 'N':
            name = optarg;
            break;
        case 'p':
            payloads = optarg;
            break;
        case 'T':
            if (ntdirs == DIFF_MAX_TEMPLATES) {
                fprintf(stderr, "netstitch diff: at most %d --templates\n", DIFF_MAX_TEMPLATES);
                return EXIT_USAGE;
            }
            tdirs[ntdirs++] = optarg;
            break;
        case 's':
            state_dir = optarg;
            break;
        case 'S':
            flags |= NST_DIFF_NO_STATE;
            break;
        case 'L':
            if (cli_limit_add(optarg, limit, &nlimit, sizeof limit / sizeof limit[0], limit_buf,
                              sizeof limit_buf, &limit_used)) {
                fprintf(stderr, "netstitch diff: too many --limit devices\n");
                return EXIT_USAGE;
            }
            break;
        case 'j':
            if (cli_parse_number("diff", "--jobs", optarg, 1, UINT_MAX, NULL, &num)) {
                return EXIT_USAGE;
            }
            jobs = (unsigned)num;
            break;
        case 'c':
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
                fprintf(stderr, "netstitch diff: --color auto, always or never\n");
                return EXIT_USAGE;
            }
            color = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'y':
            yang_dir = optarg;
            break;
        case 'h':
            diff_usage(stdout);
            return EXIT_CLEAN;
        default:
            diff_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc - 1 || (!inv_path && !offline) || (optind == argc && !payloads) ||
        (optind == argc && !name)) {
        diff_usage(stderr);
        return EXIT_USAGE;
    }
    cli_service_name(optind < argc ? argv[optind] : "", name, svc_name, sizeof svc_name);
    if (nst_ctx_new(yang_dir, &ctx)) {
        fprintf(stderr, "netstitch diff: cannot load the netstitch YANG models\n");
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (nst_diff_new(ctx, svc_name, &d)) {
        fprintf(stderr,
                "netstitch diff: '%s' cannot name a service (letters, digits, '.', '_', '-'); "
                "use --name\n",
                svc_name);
        snprintf(msg, sizeof msg, "'%s' cannot name a service; use --name", svc_name);
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (nst_diff_set_limit(d, limit, nlimit)) {
        rc = EXIT_ERRORS;
        goto cleanup;
    }
    if (payloads) {
        /* The device models' context, then the payloads parsed into it on a second thread
         * while the service is checked and the inventory read: a parse per device less
         * for the run (nst_diff_preload()). Not needed: a failure here is the run's. */
        (void)nst_diff_preload(d, payloads);
    }
    if (optind < argc) {
        /* The pipeline, load -> check -> lower -> render, in one library call; with
         * --payloads the service is only checked (the payloads are the compiled form). */
        err = nst_compile_file(ctx, argv[optind], NST_FORMAT_AUTO, tdirs, ntdirs,
                               payloads ? NST_COMPILE_CHECK_ONLY : 0, &stage, &svc,
                               payloads ? NULL : &comp);
        if (err) {
            cli_print_diags(stderr, ctx, OUT_TEXT, 0, "diff", EXIT_ERRORS);
            snprintf(msg, sizeof msg, "the service has errors");
            if (stage <= NST_STAGE_CHECK) {
                fprintf(stderr, "netstitch diff: the service has errors\n");
            } else {
                fprintf(stderr, "netstitch diff: compile failed: %s\n", nst_strerror(err));
            }
            rc = EXIT_ERRORS;
            goto cleanup;
        }
    }
    if (inv_path) {
        err = nst_inventory_load(ctx, inv_path, NST_FORMAT_AUTO, &inv);
        if (err) {
            cli_print_diags(stderr, ctx, OUT_TEXT, 0, "diff", EXIT_ERRORS);
            fprintf(stderr, "netstitch diff: cannot use the inventory %s\n", inv_path);
            snprintf(msg, sizeof msg, "cannot use the inventory %s", inv_path);
            rc = EXIT_USAGE;
            goto cleanup;
        }
    }
    rc = payloads ? diff_add_payload_dir(d, payloads) : cli_diff_add_compiled(d, svc, comp);
    if (rc) {
        goto cleanup;
    }
    if ((offline && nst_diff_set_offline(d, offline)) || (inv && nst_diff_set_inventory(d, inv)) ||
        nst_diff_set_state_dir(d, state_dir)) {
        rc = EXIT_ERRORS;
        goto cleanup;
    }
    nst_diff_set_jobs(d, jobs);
    nst_diff_set_flags(d, flags);
    err = nst_diff_run(d);
    if (err) {
        /* A missing --offline directory, an unusable state store: nothing was compared. */
        snprintf(msg, sizeof msg, "%s",
                 *nst_diff_message(d) ? nst_diff_message(d) : nst_strerror(err));
        fprintf(stderr, "netstitch diff: %s\n", msg);
        rc = err == NST_EINVAL || err == NST_EIO || err == NST_EENV ? EXIT_USAGE : EXIT_ERRORS;
        goto cleanup;
    }
    if (!strcmp(color, "always") ||
        (!strcmp(color, "auto") && isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
         !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb")))) {
        flags |= NST_DIFF_COLOR;
    }
    if (nst_diff_print(d, fmt, flags & NST_DIFF_COLOR, &text)) {
        fprintf(stderr, "netstitch diff: out of memory\n");
        rc = EXIT_ERRORS;
        goto cleanup;
    }
    fputs(text, stdout);
    fflush(stdout);
    printed = 1;
    for (size_t i = 0; i < nst_diff_device_count(d); i++) {
        unsigned st = nst_diff_device_status(d, i);

        if (st & NST_DIFF_DEV_ERROR) {
            rc = EXIT_ERRORS;
        } else if ((st & NST_DIFF_DEV_CHANGES) && rc != EXIT_ERRORS) {
            rc = EXIT_PENDING;
        }
    }
    if (!quiet) {
        cli_diff_summary(stderr, "diff", svc_name, d);
    }

cleanup:
    /* --format json: a failed diff is one document too, with its exit status. */
    if (fmt == NST_DIFF_FORMAT_JSON && !printed && rc != EXIT_CLEAN) {
        cli_print_fail_json(stdout, ctx, "diff", rc, msg);
    }
    nst_free_string(text);
    /* The process exits next: the diff's trees, the service and the contexts are left to
     * the exit (cmd_compile.c does the same), except where a leak check must see them
     * freed; the diff still closes its state store and wipes its secrets. */
    if (cli_free_at_exit()) {
        nst_diff_free(d);
        nst_compiled_free(comp);
        nst_inventory_free(inv);
        nst_service_free(svc);
        nst_ctx_free(ctx);
    } else if (d) {
        nst_diff_set_flags(d, flags | NST_DIFF_EXITING);
        nst_diff_free(d);
    }
    return rc;
}
