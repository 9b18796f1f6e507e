/*
 * apply.c: the service lifecycle of the command line, shared by `push SERVICE`
 * (cli_push_service) and `delete` (cmd_delete.c): push a run diff's changes in one
 * transaction and record the ownership (cli_diff_apply), with the reports of the runs
 * that need no transaction or are refused.
 *
 * Steps: the diff ran (every device of the service, and those it owned before); refuse,
 * touching nothing, when a device could not be compared, or when configuration netstitch
 * owns was changed outside it (drift) unless --force; nothing to change: no transaction,
 * the ownership record is brought up to date; else push the changed devices only, and
 * record the new ownership when the transaction committed.
 *
 * Not here: argument parsing (cmd_push.c, cmd_delete.c), the transaction report
 * (txn_report.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

/* The largest payload file read (the library's default service size limit). */
#define APPLY_PAYLOAD_MAX (32L << 20)

/* The JSON report of a run that needed no transaction. */
static void
apply_report_nothing(FILE *out, const char *command, enum out_format fmt, const char *message)
{
    if (fmt == OUT_JSON) {
        fprintf(out,
                "{\"command\": \"%s\", \"transaction\": null, \"outcome\": \"nothing-to-do\", "
                "\"exit\": 0, \"message\": ",
                command);
        cli_json_str(out, message);
        fputs(", \"devices\": []}\n", out);
    } else {
        fprintf(out, "%s: %s\n", command, message);
    }
}

/* The JSON report of a run refused before any transaction: every device and its error. */
static void
apply_report_refused(FILE *out, const char *command, const struct nst_diff *d, int exit_code,
                     const char *message)
{
    size_t n = nst_diff_device_count(d);

    fprintf(out,
            "{\"command\": \"%s\", \"transaction\": null, \"outcome\": \"not-run\", "
            "\"exit\": %d, \"message\": ",
            command, exit_code);
    cli_json_str(out, message);
    fputs(", \"devices\": [", out);
    for (size_t i = 0; i < n; i++) {
        unsigned st = nst_diff_device_status(d, i);

        fprintf(out, "%s\n  {\"name\": ", i ? "," : "");
        cli_json_str(out, nst_diff_device_name(d, i));
        fprintf(out, ", \"state\": \"untouched\", \"drift\": %s, \"error\": ",
                (st & NST_DIFF_DEV_DRIFT) ? "true" : "false");
        if (st & NST_DIFF_DEV_ERROR) {
            cli_json_str(out, nst_diff_device_error(d, i));
        } else {
            fputs("null", out);
        }
        fputc('}', out);
    }
    fprintf(out, "%s]}\n", n ? "\n" : "");
}

int
cli_diff_apply(struct nst_diff *d, struct nst_txn *txn, const char *command, const char *service,
               const struct cli_apply *o)
{
    size_t n = nst_diff_device_count(d), changes = 0, drift = 0, errors = 0, added = 0;
    char *text = NULL;
    nst_err err;
    int rc;

    for (size_t i = 0; i < n; i++) {
        unsigned st = nst_diff_device_status(d, i);

        changes += (st & NST_DIFF_DEV_CHANGES) != 0;
        drift += (st & NST_DIFF_DEV_DRIFT) != 0;
        errors += (st & NST_DIFF_DEV_ERROR) != 0;
    }
    if (errors) {
        cli_diff_summary(stderr, command, service, d);
        fprintf(stderr, "netstitch %s: %zu device%s could not be compared; nothing was changed\n",
                command, errors, errors == 1 ? "" : "s");
        if (o->fmt == OUT_JSON) {
            apply_report_refused(stdout, command, d, EXIT_ERRORS,
                                 "a device could not be compared; nothing was changed");
        }
        return EXIT_ERRORS;
    }
    for (size_t i = 0; i < n; i++) {
        if ((nst_diff_device_status(d, i) & NST_DIFF_DEV_FOREIGN) && !o->force) {
            fprintf(stderr,
                    "netstitch %s: %s; nothing was changed. Push from the store that owns it, "
                    "or run %s again with --force to adopt it.\n",
                    command, nst_diff_message(d), command);
            if (o->fmt == OUT_JSON) {
                apply_report_refused(stdout, command, d, EXIT_DRIFT,
                                     "foreign: configuration with netstitch's marks that this "
                                     "state store has no record of; nothing was changed (see "
                                     "--force)");
            }
            return EXIT_DRIFT;
        }
    }
    if (drift && !o->force && !o->redeploy) {
        if (!nst_diff_print(d, NST_DIFF_FORMAT_TREE, 0, &text)) {
            fputs(text, stderr);
        }
        nst_free_string(text);
        fprintf(stderr,
                "netstitch %s: configuration netstitch set on %zu device%s was changed outside "
                "netstitch (drift, the '!' lines); nothing was changed. Review it with `netstitch "
                "diff`, then run %s again with --force to overwrite it.\n",
                command, drift, drift == 1 ? "" : "s", command);
        if (o->fmt == OUT_JSON) {
            apply_report_refused(stdout, command, d, EXIT_DRIFT,
                                 "drift: configuration netstitch set was changed outside it; "
                                 "nothing was changed (see --force)");
        }
        return EXIT_DRIFT;
    }
    if (!changes && !o->redeploy) {
        /* Nothing to send; a dry run records nothing either. */
        if (!(o->txn_flags & NST_TXN_DRY_RUN) && n) {
            err = nst_diff_apply_begin(d, NULL, &added);
            if (!err) {
                err = nst_diff_apply_end(d, NULL);
            }
            if (err) {
                fprintf(stderr, "netstitch %s: %s\n", command,
                        *nst_diff_message(d) ? nst_diff_message(d) : nst_strerror(err));
                return err == NST_EBUSY ? EXIT_TXN_BUSY : EXIT_USAGE;
            }
        }
        apply_report_nothing(stdout, command, o->fmt,
                             !strcmp(command, "delete")
                                 ? "nothing to do: no device holds configuration of the service"
                                 : "nothing to do: every device already has the service's "
                                   "configuration");
        return EXIT_CLEAN;
    }
    /* A dry run shows what it would send, in the diff format asked for. */
    if ((o->txn_flags & NST_TXN_DRY_RUN) && o->diff_fmt >= 0) {
        if (!nst_diff_print(d, (enum nst_diff_format)o->diff_fmt, 0, &text)) {
            fputs(text, stdout);
        }
        nst_free_string(text);
        text = NULL;
    }
    /* The history row: which service, delete or push, the operator's comment. */
    if (nst_txn_set_note(txn, NST_TXN_NOTE_SERVICE, service) ||
        nst_txn_set_note(txn, NST_TXN_NOTE_DELETE, !strcmp(command, "delete") ? "yes" : NULL) ||
        nst_txn_set_note(txn, NST_TXN_NOTE_COMMENT, o->comment)) {
        fprintf(stderr, "netstitch %s: cannot record the transaction's history fields\n", command);
        return EXIT_USAGE;
    }
    /* Between the diff and the service lock (tests hold a push here: push_race.sh). */
    cli_test_pause("diffed");
    err = nst_diff_apply_begin(d, txn, &added);
    if (err) {
        fprintf(stderr, "netstitch %s: %s\n", command,
                *nst_diff_message(d) ? nst_diff_message(d) : nst_strerror(err));
        nst_diff_apply_end(d, txn);
        return err == NST_EBUSY ? EXIT_TXN_BUSY : EXIT_USAGE;
    }
    err = nst_txn_push(txn);
    rc = cli_txn_exit(txn, err);
    if (err && nst_txn_outcome(txn) == NST_TXN_NOT_RUN && o->fmt == OUT_JSON) {
        fprintf(stderr, "netstitch %s: %s\n", command,
                *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(err));
    }
    if (nst_diff_apply_end(d, txn)) {
        fprintf(stderr, "netstitch %s: %s\n", command, nst_diff_message(d));
    }
    cli_txn_report(stdout, txn, command, rc, o->fmt);
    return rc;
}

/* The rest of a push, by SERVICE or by --payloads, once @d holds the targets: the
 * options, the diff against the routers, then cli_diff_apply(). */
static int
apply_run(struct nst_diff *d, struct nst_txn *txn, const char *name, const struct cli_apply *o)
{
    nst_err err;

    nst_diff_set_jobs(d, o->jobs);
    nst_diff_set_flags(d, o->redeploy ? NST_DIFF_REDEPLOY : 0);
    if (nst_diff_set_limit(d, o->limit, o->nlimit)) {
        return EXIT_USAGE;
    }
    err = nst_diff_run(d);
    if (err) {
        fprintf(stderr, "netstitch push: %s\n",
                *nst_diff_message(d) ? nst_diff_message(d) : nst_strerror(err));
        /* Another process applied the service while the diff ran: busy, as when that is
         * found under the service lock (nst_diff_apply_begin()). */
        return err == NST_EBUSY ? EXIT_TXN_BUSY : EXIT_USAGE;
    }
    return cli_diff_apply(d, txn, "push", name, o);
}

int
cli_push_service(struct nst_ctx *ctx, const struct nst_inventory *inv, struct nst_txn *txn,
                 const struct nst_compiled *comp, const char *path, const struct cli_apply *o)
{
    struct nst_diff *d = NULL;
    char name[256];
    int rc;

    cli_service_name(path, o->name, name, sizeof name);
    if (nst_diff_new(ctx, name, &d)) {
        fprintf(stderr,
                "netstitch push: '%s' cannot name a service (letters, digits, '.', '_', '-'); "
                "use --name\n",
                name);
        return EXIT_USAGE;
    }
    if (!nst_compiled_device_count(comp)) {
        fprintf(stderr, "netstitch push: the service has no device\n");
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (cli_diff_add_compiled(d, NULL, comp) || nst_diff_set_inventory(d, inv) ||
        nst_diff_set_state_dir(d, o->state_dir)) {
        rc = EXIT_USAGE;
        goto cleanup;
    }
    rc = apply_run(d, txn, name, o);

cleanup:
    nst_diff_free(d);
    return rc;
}

int
cli_limit_add(const char *arg, const char **list, size_t *n, size_t max, char *buf, size_t buflen,
              size_t *used)
{
    for (const char *p = arg; *p;) {
        size_t len = strcspn(p, ",");

        if (len) {
            if (*n == max || *used + len + 1 > buflen) {
                return -1;
            }
            memcpy(buf + *used, p, len);
            buf[*used + len] = '\0';
            list[(*n)++] = buf + *used;
            *used += len + 1;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

int
cli_parse_diff_format(const char *s)
{
    static const struct {
        const char *name;
        enum nst_diff_format fmt;
    } all[] = {{"tree", NST_DIFF_FORMAT_TREE},
               {"cli", NST_DIFF_FORMAT_CLI},
               {"xml", NST_DIFF_FORMAT_XML},
               {"json", NST_DIFF_FORMAT_JSON}};

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!strcmp(s, all[i].name)) {
            return (int)all[i].fmt;
        }
    }
    return -1;
}

/* Read one payload file: a regular file, not a FIFO or device, up to the size limit. */
static char *
apply_read_file(const char *path, const char *command)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (refused below). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    ssize_t r;

    if (fd < 0) {
        fprintf(stderr, "netstitch %s: cannot read %s: %s\n", command, path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > APPLY_PAYLOAD_MAX) {
        fprintf(stderr, "netstitch %s: %s: %s\n", command, path,
                S_ISREG(st.st_mode) ? "larger than 32 MiB" : "not a regular file");
        close(fd);
        return NULL;
    }
    buf = malloc((size_t)st.st_size + 1);
    while (buf && got < (size_t)st.st_size &&
           (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0) {
        got += (size_t)r;
    }
    close(fd);
    if (buf) {
        buf[got] = '\0';
    }
    return buf;
}

int
cli_payload_dir(const char *dir, const char *command,
                int (*add)(void *user, const char *device, const char *text, const char *path),
                void *user)
{
    struct dirent **ents = NULL;
    int n, rc = EXIT_CLEAN, added = 0;

    n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "netstitch %s: cannot read %s: %s\n", command, dir, strerror(errno));
        return EXIT_USAGE;
    }
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t len = strlen(name);
        char path[4096], dev[256], *text;

        if (rc || len < 5 || strcmp(name + len - 4, ".xml") || name[0] == '.' ||
            len - 4 >= sizeof dev) {
            continue;
        }
        memcpy(dev, name, len - 4);
        dev[len - 4] = '\0';
        snprintf(path, sizeof path, "%s/%s", dir, name);
        text = apply_read_file(path, command);
        if (!text || add(user, dev, text, path)) {
            rc = EXIT_USAGE;
        }
        free(text);
        added++;
    }
    for (int i = 0; i < n; i++) {
        free(ents[i]);
    }
    free(ents);
    if (!rc && !added) {
        fprintf(stderr, "netstitch %s: no <device>.xml payload in %s\n", command, dir);
        rc = EXIT_USAGE;
    }
    return rc;
}

int
cli_payload_dir_service(const char *dir, char *buf, size_t len)
{
    char path[4096], svc[4096], *text, *p, *e;
    int rc = -1;

    snprintf(path, sizeof path, "%s/plan.json", dir);
    if (access(path, F_OK)) {
        return -1;
    }
    text = apply_read_file(path, "push");
    /* Our own output: "service": "PATH" near the top. */
    p = text ? strstr(text, "\"service\": \"") : NULL;
    if (p) {
        p += strlen("\"service\": \"");
        e = strchr(p, '"');
        if (e && (size_t)(e - p) < sizeof svc && !memchr(p, '\\', (size_t)(e - p))) {
            snprintf(svc, sizeof svc, "%.*s", (int)(e - p), p);
            rc = cli_service_name(svc, NULL, buf, len);
        }
    }
    free(text);
    return rc;
}

/* push --payloads DIR: the diff, and the drivers DIR/plan.json names per device (compile
 * -o writes it), so the record and the CLI-format diffs know each device's vendor. */
struct apply_payloads {
    struct nst_diff *d;
    json_t *plan; /* NULL without plan.json */
};

static const char *
apply_plan_driver(const json_t *plan, const char *device)
{
    const json_t *devs = json_object_get(plan, "devices"), *v;
    size_t i;

    json_array_foreach(devs, i, v)
    {
        const char *n = json_string_value(json_object_get(v, "name"));
        const char *drv = json_string_value(json_object_get(v, "driver"));

        if (n && drv && !strcmp(n, device)) {
            return drv;
        }
    }
    return NULL;
}

static int
apply_add_target(void *user, const char *device, const char *text, const char *path)
{
    struct apply_payloads *ap = user;

    if (nst_diff_add_target(ap->d, device, ap->plan ? apply_plan_driver(ap->plan, device) : NULL,
                            text)) {
        fprintf(stderr, "netstitch push: cannot use %s\n", path);
        return -1;
    }
    return 0;
}

int
cli_push_payloads(struct nst_ctx *ctx, const struct nst_inventory *inv, struct nst_txn *txn,
                  const char *name, const char *dir, const struct cli_apply *o)
{
    struct nst_diff *d = NULL;
    struct apply_payloads ap = {0};
    char plan_path[4096];
    int rc;

    (void)ctx;
    if (nst_diff_new(ctx, name, &d)) {
        fprintf(stderr,
                "netstitch push: '%s' cannot name a service (letters, digits, '.', '_', '-'); "
                "use --name\n",
                name);
        return EXIT_USAGE;
    }
    snprintf(plan_path, sizeof plan_path, "%s/plan.json", dir);
    ap.d = d;
    ap.plan = access(plan_path, F_OK) ? NULL : json_load_file(plan_path, 0, NULL);
    rc = cli_payload_dir(dir, "push", apply_add_target, &ap);
    json_decref(ap.plan);
    if (!rc && (nst_diff_set_inventory(d, inv) || nst_diff_set_state_dir(d, o->state_dir))) {
        rc = EXIT_USAGE;
    }
    if (rc) {
        goto cleanup;
    }
    rc = apply_run(d, txn, name, o);

cleanup:
    nst_diff_free(d);
    return rc;
}
