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
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_TEMPLATE_DIRS 32

static void
usage(FILE *out)
{
    fputs("usage: netstitch compile [--emit ir] [--inventory INV] [-o DIR] [--templates DIR]...\n"
          "                         [--yang-dir DIR] SERVICE\n"
          "\n"
          "Check SERVICE, then compile it into each router's configuration.\n"
          "  -o DIR           write DIR/<device>.xml (NETCONF payload), DIR/<device>.cli\n"
          "                   (native CLI) and DIR/plan.json\n"
          "  --emit ir        print the per-device intermediate representation (XML)\n"
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

        if (nst_compiled_device_payload(comp, i)) {
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

/* Devices of the service that the inventory does not list: push will refuse them. */
static void
missing_devices(FILE *out, const struct nst_compiled *comp, const struct nst_inventory *inv)
{
    size_t i, j, n = nst_compiled_device_count(comp), m = nst_inventory_device_count(inv);

    for (i = 0; i < n; i++) {
        const char *name = nst_compiled_device_name(comp, i);

        for (j = 0; j < m && strcmp(name, nst_inventory_device_name(inv, j)); j++) {
        }
        if (j == m) {
            fprintf(out,
                    "netstitch compile: warning: device %s is not in the inventory; "
                    "push needs it\n",
                    name);
        }
    }
}

int
cmd_compile(int argc, char **argv)
{
    static const struct option opts[] = {
        {"emit", required_argument, NULL, 'e'},
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
    char *ir = NULL;
    int c, rc = EXIT_CLEAN;
    nst_err err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'e':
            emit = optarg;
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
    if (optind != argc - 1 || (emit && strcmp(emit, "ir"))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (nst_ctx_new(yang_dir, &ctx)) {
        fprintf(stderr, "netstitch compile: cannot load the netstitch YANG models\n");
        return EXIT_USAGE;
    }
    err = nst_service_load(ctx, argv[optind], NST_FORMAT_AUTO, &svc);
    if (!err) {
        err = nst_service_check(svc);
    }
    if (err) {
        rc = err == NST_EIO ? EXIT_USAGE : EXIT_ERRORS;
        cli_print_diags(stderr, ctx, OUT_TEXT, 0, "compile", rc);
        goto cleanup;
    }
    /* Compile needs nothing from the inventory; when given, it is validated now so
     * that push does not fail on it later. */
    if (inventory) {
        err = nst_inventory_load(ctx, inventory, NST_FORMAT_AUTO, &inv);
        if (err) {
            rc = err == NST_EIO ? EXIT_USAGE : EXIT_ERRORS;
            cli_print_diags(stderr, ctx, OUT_TEXT, 0, "compile", rc);
            goto cleanup;
        }
    }
    err = nst_service_compile_with_templates(svc, ntdirs ? tdirs : NULL, ntdirs, &comp);
    if (err) {
        rc = err == NST_ENOMEM ? EXIT_USAGE : EXIT_ERRORS;
        cli_print_diags(stderr, ctx, OUT_TEXT, 0, "compile", rc);
        fprintf(stderr, "netstitch compile: %s\n", nst_strerror(err));
        goto cleanup;
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
        err = nst_compiled_write(comp, outdir);
        if (err) {
            fprintf(stderr, "netstitch compile: cannot write %s: %s\n", outdir, nst_strerror(err));
            rc = EXIT_USAGE;
            goto cleanup;
        }
    }
    if (!emit) {
        summary(stdout, comp, outdir);
    }
    if (inv) {
        missing_devices(stderr, comp, inv);
    }

cleanup:
    nst_inventory_free(inv);
    nst_free_string(ir);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    return rc;
}
