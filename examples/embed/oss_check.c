/*
 * oss_check.c: the smallest embedding of libnetstitch (oss_provision.c does the whole job).
 *
 * Load a service, check it, and hand every diagnostic to the OSS's own ticketing
 * as structured records (here: printed as tab-separated fields); if it is clean,
 * compile it and report how many devices the change touches. Build against the
 * installed library with:  cc oss_check.c $(pkg-config --cflags --libs netstitch)
 *
 * Usage: oss_check SERVICE.xml|.json   (exit 0 clean, 1 problems, 2 failure)
 */
#include <stdio.h>
#include <string.h>

#include "netstitch.h"

/* The library never prints: its log messages arrive here. */
static void
on_log(enum nst_severity level, const char *msg, void *user)
{
    FILE *log = user;

    fprintf(log, "[netstitch %s] %s\n", nst_severity_name(level), msg);
}

int
main(int argc, char **argv)
{
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;
    struct nst_compiled *comp = NULL;
    char *ir = NULL;
    nst_err err;
    size_t i, devices = 0;
    int rc = 0;
    const char *p;

    if (argc != 2) {
        fprintf(stderr, "usage: %s SERVICE\n", argv[0]);
        return 2;
    }
    if (nst_ctx_new(NULL, &ctx) != NST_OK) {
        fprintf(stderr, "cannot create a netstitch context\n");
        return 2;
    }
    nst_ctx_set_log_cb(ctx, on_log, stderr);
    err = nst_service_load(ctx, argv[1], NST_FORMAT_AUTO, &svc);
    if (err == NST_OK) {
        err = nst_service_check(svc);
    }
    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        printf("%s\t%s\t%s:%u\t%s\t%s\t%s\n", nst_severity_name(nst_diag_severity(d)),
               nst_diag_code(d), nst_diag_file(d) ? nst_diag_file(d) : "-", nst_diag_line(d),
               nst_diag_device(d) ? nst_diag_device(d) : "-",
               nst_diag_path(d) ? nst_diag_path(d) : "-", nst_diag_message(d));
    }
    if (err == NST_ECHECK || err == NST_EINPUT) {
        rc = 1;
        goto cleanup;
    }
    if (err != NST_OK) {
        fprintf(stderr, "netstitch: %s\n", nst_strerror(err));
        rc = 2;
        goto cleanup;
    }
    if (nst_service_compile(svc, &comp) != NST_OK || nst_compiled_ir(comp, &ir) != NST_OK) {
        fprintf(stderr, "compile failed\n");
        rc = 2;
        goto cleanup;
    }
    for (p = ir; (p = strstr(p, "<device ")) != NULL; p++) {
        devices++;
    }
    printf("clean: %zu devices to configure (libnetstitch %s)\n", devices, nst_version());

cleanup:
    nst_free_string(ir);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    return rc;
}
