/*
 * cmd_check.c: `netstitch check [--format text|json] [-v] FILE...`
 *
 * Loads each service file, runs every semantic check and prints every diagnostic.
 * Exit 0 when no file has errors (warnings and notes allowed), 1 when any has,
 * 2 on a usage or I/O error (an unreadable file, models not found).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
usage(FILE *out)
{
    fputs("usage: netstitch check [--format text|json] [-v] [--yang-dir DIR] FILE...\n"
          "\n"
          "Load a service instance (XML or JSON) and report every problem: MTU budget in\n"
          "each vendor's meaning, VLAN/TPID and stitch points, overlapping prefixes on the\n"
          "whole path, BGP sessions (ASNs, both ends agree, AWS Direct Connect rules) and\n"
          "the bandwidth bottleneck.\n"
          "\n"
          "  --format text|json  output format (default text)\n"
          "  -v, --verbose       show the source line and a hint under each diagnostic\n"
          "  --yang-dir DIR      where netstitch's YANG models are\n"
          "\n"
          "Exit status: 0 clean (warnings allowed), 1 errors found, 2 usage or I/O error.\n",
          out);
}

int
cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"verbose", no_argument, NULL, 'v'},
        {"yang-dir", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum out_format fmt = OUT_TEXT;
    const char *yang_dir = NULL;
    struct nst_ctx *ctx = NULL;
    int verbose = 0, c, i, rc = EXIT_CLEAN, io = 0;
    nst_err err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_parse_format(optarg) < 0) {
                fprintf(stderr, "netstitch check: unknown format '%s'\n", optarg);
                return EXIT_USAGE;
            }
            fmt = (enum out_format)cli_parse_format(optarg);
            break;
        case 'v':
            verbose = 1;
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
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    err = nst_ctx_new(yang_dir, &ctx);
    if (err) {
        fprintf(stderr, "netstitch check: cannot load the netstitch YANG models: %s\n",
                nst_strerror(err));
        return EXIT_USAGE;
    }
    for (i = optind; i < argc; i++) {
        struct nst_service *svc = NULL;

        /* The pipeline's first two stages, load -> check (nst_compile_file). */
        err = nst_compile_file(ctx, argv[i], NST_FORMAT_AUTO, NULL, 0, NST_COMPILE_CHECK_ONLY,
                               NULL, &svc, NULL);
        if (err == NST_EIO) {
            io = 1;
        }
        if (err && err != NST_ECHECK && err != NST_EINPUT && err != NST_EIO) {
            fprintf(stderr, "netstitch check: %s: %s\n", argv[i], nst_strerror(err));
            io = 1;
        }
        nst_service_free(svc);
    }
    if (io) {
        rc = EXIT_USAGE;
    } else if (nst_diag_count_severity(ctx, NST_SEV_ERROR)) {
        rc = EXIT_ERRORS;
    }
    cli_print_diags(stdout, ctx, fmt, verbose, "check", rc);
    if (fmt == OUT_TEXT) {
        fprintf(stderr, "%zu error(s), %zu warning(s), %zu note(s)\n",
                nst_diag_count_severity(ctx, NST_SEV_ERROR),
                nst_diag_count_severity(ctx, NST_SEV_WARNING),
                nst_diag_count_severity(ctx, NST_SEV_NOTE));
    }
    nst_ctx_free(ctx);
    return rc;
}
