/*
 * cmd_compile.c: `netstitch compile SERVICE [--inventory INV] [-o DIR] [--templates DIR]...
 *                [--emit ir]`
 *
 * Loads and checks the service (any error stops here, printed as by `check`), then
 * compiles it: the per-device IR, rendered by each vendor's driver into a NETCONF payload
 * and native CLI, validated against the device models. `-o DIR` writes DIR/<device>.xml,
 * DIR/<device>.cli and DIR/plan.json; `--emit ir` prints the IR instead. Without either,
 * the command only reports what it would write. `--inventory` is optional: when given
 * it is validated (yang/netstitch-inventory.yang) and devices it lacks are named.
 * `--format json` prints one JSON document on stdout instead: on failure the diagnostics
 * (as `check --format json`), on success the devices, what was written and the plan.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_TEMPLATE_DIRS 32

static void
usage(FILE *out)
{
    fputs("usage: netstitch compile [--emit ir] [--format text|json] [--inventory INV] [-o DIR]\n"
          "                         [--templates DIR]... [--yang-dir DIR] SERVICE\n"
          "\n"
          "Check SERVICE, then compile it into each router's configuration.\n"
          "  -o, --output DIR write DIR/<device>.xml (NETCONF payload), DIR/<device>.cli\n"
          "                   (native CLI) and DIR/plan.json\n"
          "  --emit ir        print the per-device intermediate representation (XML)\n"
          "  --format text|json  the report's format (default text); json: one document\n"
          "                   with the devices, the files written and the plan\n"
          "  --templates DIR  look for templates in DIR first (repeatable; then\n"
          "                   NST_TEMPLATE_PATH, then the built-in templates)\n"
          "  --inventory INV  validate the inventory too (push needs it; compile does not)\n"
          "  --yang-dir DIR   netstitch's YANG models\n"
          "\n"
          "Exit status: 0 compiled, 1 errors in the service or its templates, 2 usage or\n"
          "I/O error.\n",
          out);
}

/* One line per device: compiled, or pending with the reason. */
static void
summary(FILE *out, const struct nst_compiled *comp, const char *dir)
{
    size_t i, n = nst_compiled_device_count(comp), done = 0;

    for (i = 0; i < n; i++) {
        const char *name = nst_compiled_device_name(comp, i);
        const char *drv = nst_compiled_device_driver(comp, i);

        if (nst_compiled_device_rendered(comp, i)) {
            fprintf(out, "%-20s %-10s compiled\n", name, drv);
            done++;
        } else {
            fprintf(out, "%-20s %-10s pending: the %s driver renders no templates yet\n", name, drv,
                    drv);
        }
    }
    if (dir) {
        fprintf(out, "wrote %zu of %zu devices and plan.json to %s\n", done, n, dir);
    }
}

/* Device @name is in the inventory (always true without one). */
static int
in_inventory(const struct nst_inventory *inv, const char *name)
{
    size_t j, m = nst_inventory_device_count(inv);

    for (j = 0; j < m && strcmp(name, nst_inventory_device_name(inv, j)); j++) {
    }
    return !inv || j < m;
}

/* Devices of the service that the inventory does not list: push will refuse them. */
static void
missing_devices(FILE *out, const struct nst_compiled *comp, const struct nst_inventory *inv)
{
    size_t i, n = nst_compiled_device_count(comp);

    for (i = 0; i < n; i++) {
        const char *name = nst_compiled_device_name(comp, i);

        if (!in_inventory(inv, name)) {
            fprintf(out,
                    "netstitch compile: warning: device %s is not in the inventory; "
                    "push needs it\n",
                    name);
        }
    }
}

/* --format json on success: the devices, where they went, and the plan itself. */
static void
json_report(FILE *out, struct nst_ctx *ctx, const struct nst_compiled *comp, const char *dir,
            const struct nst_inventory *inv, const char *plan)
{
    size_t i, n = nst_compiled_device_count(comp);

    fprintf(out,
            "{\"command\": \"compile\", \"exit\": 0, \"errors\": %zu, \"warnings\": %zu, "
            "\"notes\": %zu, \"output\": ",
            nst_diag_count_severity(ctx, NST_SEV_ERROR),
            nst_diag_count_severity(ctx, NST_SEV_WARNING),
            nst_diag_count_severity(ctx, NST_SEV_NOTE));
    cli_json_str(out, dir);
    fputs(", \"devices\": [", out);
    for (i = 0; i < n; i++) {
        const char *name = nst_compiled_device_name(comp, i);

        fprintf(out, "%s\n  {\"name\": ", i ? "," : "");
        cli_json_str(out, name);
        fputs(", \"driver\": ", out);
        cli_json_str(out, nst_compiled_device_driver(comp, i));
        fprintf(out, ", \"status\": \"%s\", \"in-inventory\": %s}",
                nst_compiled_device_rendered(comp, i) ? "compiled" : "pending",
                !inv                      ? "null"
                : in_inventory(inv, name) ? "true"
                                          : "false");
    }
    fprintf(out, "%s], \"plan\": %s}\n", n ? "\n " : "", plan);
}

int
cmd_compile(int argc, char **argv)
{
    static const struct option opts[] = {
        {"emit", required_argument, NULL, 'e'},
        {"format", required_argument, NULL, 'f'},
        {"inventory", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        {"templates", required_argument, NULL, 't'},
        {"yang-dir", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *emit = NULL, *yang_dir = NULL, *outdir = NULL, *inventory = NULL;
    const char *tdirs[MAX_TEMPLATE_DIRS];
    size_t ntdirs = 0;
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;
    struct nst_compiled *comp = NULL;
    struct nst_inventory *inv = NULL;
    char *ir = NULL, *plan = NULL;
    int c, rc = EXIT_CLEAN, fmt = OUT_TEXT, written = 0;
    enum nst_stage stage = NST_STAGE_LOAD;
    nst_err err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'e':
            emit = optarg;
            break;
        case 'f':
            fmt = cli_parse_format(optarg);
            if (fmt < 0) {
                fprintf(stderr, "netstitch compile: unknown format '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'i':
            inventory = optarg;
            break;
        case 'o':
            outdir = optarg;
            break;
        case 't':
            if (ntdirs == MAX_TEMPLATE_DIRS) {
                fprintf(stderr, "netstitch compile: at most %d --templates\n", MAX_TEMPLATE_DIRS);
                return EXIT_USAGE;
            }
            tdirs[ntdirs++] = optarg;
            break;
        case 'y':
            yang_dir = optarg;
            break;
        case 'h':
            usage(stdout);
            return EXIT_CLEAN;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || (emit && strcmp(emit, "ir")) || (emit && fmt == OUT_JSON)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (nst_ctx_new(yang_dir, &ctx)) {
        fprintf(stderr, "netstitch compile: cannot load the netstitch YANG models\n");
        return EXIT_USAGE;
    }
    /* The pipeline, load -> check -> lower -> render, in one library call. */
    /* The render state stays with the result, whose freeing the exit skips (below). With
     * -o, each device's files are written as it is rendered, into the set that
     * nst_compiled_write() puts in place below; nothing else reads the texts. */
    err = nst_compile_file_to(ctx, argv[optind], NST_FORMAT_AUTO, ntdirs ? tdirs : NULL, ntdirs,
                              NST_COMPILE_KEEP_RENDER | NST_COMPILE_WRITE_ONLY |
                                  (emit || fmt == OUT_JSON ? 0 : NST_COMPILE_NO_IR),
                              outdir, &stage, &svc, &comp);
    if (err) {
        if (stage <= NST_STAGE_CHECK) {
            rc = err == NST_EIO ? EXIT_USAGE : EXIT_ERRORS;
        } else {
            rc = err == NST_ENOMEM ? EXIT_USAGE : EXIT_ERRORS;
        }
        cli_print_diags(fmt == OUT_JSON ? stdout : stderr, ctx, (enum out_format)fmt, 0, "compile",
                        rc);
        /* A coded diagnostic (PAYLOAD-INVALID, TEMPLATE-ERROR...) is the whole story: the
         * library's return code is for callers that do not read the diagnostics. */
        if (stage > NST_STAGE_CHECK && !nst_diag_count_severity(ctx, NST_SEV_ERROR)) {
            fprintf(stderr, "netstitch compile: %s\n", nst_strerror(err));
        }
        goto cleanup;
    }
    /* Compile needs nothing from the inventory; when given, it is validated now so
     * that push does not fail on it later. */
    if (inventory) {
        err = nst_inventory_load(ctx, inventory, NST_FORMAT_AUTO, &inv);
        if (err) {
            rc = err == NST_EIO ? EXIT_USAGE : EXIT_ERRORS;
            cli_print_diags(fmt == OUT_JSON ? stdout : stderr, ctx, (enum out_format)fmt, 0,
                            "compile", rc);
            goto cleanup;
        }
    }
    if (emit) {
        err = nst_compiled_ir(comp, &ir);
        if (err) {
            fprintf(stderr, "netstitch compile: %s\n", nst_strerror(err));
            rc = EXIT_USAGE;
            goto cleanup;
        }
        fputs(ir, stdout);
    }
    if (outdir) {
        /* All or nothing: a failure leaves DIR as it was; IO-WRITE names the file. */
        err = nst_compiled_write(comp, outdir);
        written = 1;
        if (err) {
            rc = EXIT_USAGE;
            if (nst_diag_count_severity(ctx, NST_SEV_ERROR)) {
                cli_print_diags(fmt == OUT_JSON ? stdout : stderr, ctx, (enum out_format)fmt, 0,
                                "compile", rc);
            } else {
                fprintf(stderr, "netstitch compile: cannot write %s: %s\n", outdir,
                        nst_strerror(err));
            }
            goto cleanup;
        }
    }
    if (fmt == OUT_JSON) {
        err = nst_compiled_plan(comp, &plan);
        if (err) {
            fprintf(stderr, "netstitch compile: %s\n", nst_strerror(err));
            rc = EXIT_USAGE;
            goto cleanup;
        }
        json_report(stdout, ctx, comp, outdir, inv, plan);
    } else if (!emit) {
        summary(stdout, comp, outdir);
    }
    if (inv) {
        missing_devices(stderr, comp, inv);
    }

cleanup:
    nst_inventory_free(inv);
    nst_free_string(ir);
    nst_free_string(plan);
    /* A result not written (an error before the write) takes the files written while it
     * rendered with it (nst_compile_file_to()). */
    if (outdir && comp && !written) {
        nst_compiled_free(comp);
        comp = NULL;
    }
    /* The process exits next: the result, the service and the context (tens of
     * thousands of blocks at 100 routers) are left to the exit, except where a leak
     * check must see them freed. */
    if (cli_free_at_exit()) {
        nst_compiled_free(comp);
        nst_service_free(svc);
        nst_ctx_free(ctx);
    }
    return rc;
}
