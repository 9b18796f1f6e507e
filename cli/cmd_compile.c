/*
 * cmd_compile.c: `netstitch compile SERVICE [--inventory INV] [-o DIR] [--emit ir]`
 *
 * Loads and checks the service (any error stops here, printed as by `check`), then
 * lowers it to the per-device IR. `--emit ir` prints the IR.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
usage(FILE *out)
{
    fputs("usage: netstitch compile [--emit ir] [--inventory INV] [-o DIR] [--yang-dir DIR] SERVICE\n"
          "\n"
          "Check SERVICE, then lower it to what each router must have.\n"
          "  --emit ir        print the per-device intermediate representation (XML)\n"
          "  --inventory INV  the inventory (addresses, secrets references)\n"
          "  -o DIR           write the outputs into DIR\n"
          "\n"
          "Exit status: 0 compiled, 1 errors in the service, 2 usage or I/O error.\n",
          out);
}

int
cmd_compile(int argc, char **argv)
{
    static const struct option opts[] = {
        {"emit", required_argument, NULL, 'e'},
        {"inventory", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        {"yang-dir", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *emit = NULL, *yang_dir = NULL;
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;
    struct nst_compiled *comp = NULL;
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
        case 'o':
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
    err = nst_service_compile(svc, &comp);
    if (!err && emit) {
        err = nst_compiled_ir(comp, &ir);
        if (!err) {
            fputs(ir, stdout);
        }
    }
    if (err) {
        fprintf(stderr, "netstitch compile: %s\n", nst_strerror(err));
        rc = EXIT_ERRORS;
    }

cleanup:
    nst_free_string(ir);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    return rc;
}
