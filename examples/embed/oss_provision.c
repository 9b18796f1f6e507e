/*
 * oss_provision.c: the whole job as an OSS embeds it, through libnetstitch only.
 *
 *   load -> check -> compile -> diff against the live routers -> push (one transaction,
 *   with log and progress callbacks) -> diff again (must be empty)
 *
 * Build against the installed library:
 *     cc oss_provision.c $(pkg-config --cflags --libs netstitch)
 * Usage: oss_provision SERVICE INVENTORY STATE_DIR
 * Exit: 0 provisioned (or nothing to do), 1 the service has problems, 2 failure.
 */
#include <stdio.h>
#include <string.h>

#include "netstitch.h"

static void
on_log(enum nst_severity level, const char *msg, void *user)
{
    fprintf((FILE *)user, "[netstitch %s] %s\n", nst_severity_name(level), msg);
}

/* The OSS would update its work order here; this one counts the steps. */
static void
on_progress(enum nst_txn_phase phase, const char *device, const char *step, const char *result,
            void *user)
{
    unsigned *steps = user;

    (*steps)++;
    if (device && result && strcmp(result, "ok")) {
        printf("progress: %s %s %s: %s\n", nst_txn_phase_name(phase), device, step, result);
    }
}

/* Compare the compiled service with the routers; the diff owns nothing of @c. */
static nst_err
diff_against_network(struct nst_ctx *ctx, const struct nst_compiled *c,
                     const struct nst_inventory *inv, const char *state, struct nst_diff **out)
{
    struct nst_diff *d = NULL;
    nst_err err;
    size_t i;

    err = nst_diff_new(ctx, "oss-service", &d);
    if (!err) {
        err = nst_diff_set_inventory(d, inv);
    }
    if (!err) {
        err = nst_diff_set_state_dir(d, state);
    }
    for (i = 0; !err && i < nst_compiled_device_count(c); i++) {
        err = nst_diff_add_target(d, nst_compiled_device_name(c, i),
                                  nst_compiled_device_driver(c, i),
                                  nst_compiled_device_payload(c, i));
    }
    if (!err) {
        err = nst_diff_run(d);
    }
    if (err) {
        fprintf(stderr, "diff: %s\n", *nst_diff_message(d) ? nst_diff_message(d) : nst_strerror(err));
        nst_diff_free(d);
        return err;
    }
    *out = d;
    return NST_OK;
}

static size_t
devices_changing(const struct nst_diff *d)
{
    size_t i, n = 0;

    for (i = 0; i < nst_diff_device_count(d); i++) {
        n += (nst_diff_device_status(d, i) & NST_DIFF_DEV_CHANGES) != 0;
    }
    return n;
}

int
main(int argc, char **argv)
{
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;
    struct nst_compiled *comp = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_diff *d = NULL, *again = NULL;
    struct nst_txn *txn = NULL;
    unsigned steps = 0;
    size_t i, added = 0;
    char *tree = NULL;
    int rc = 2;
    nst_err err;

    if (argc != 4) {
        fprintf(stderr, "usage: %s SERVICE INVENTORY STATE_DIR\n", argv[0]);
        return 2;
    }
    if (nst_ctx_new(NULL, &ctx)) {
        return 2;
    }
    nst_ctx_set_log_cb(ctx, on_log, stderr);
    err = nst_service_load(ctx, argv[1], NST_FORMAT_AUTO, &svc);
    if (!err) {
        err = nst_service_check(svc);
    }
    if (err) {
        for (i = 0; i < nst_diag_count(ctx); i++) {
            const struct nst_diag *g = nst_diag_get(ctx, i);

            printf("problem: %s %s line %u\n", nst_diag_code(g), nst_diag_message(g),
                   nst_diag_line(g));
        }
        rc = err == NST_EIO ? 2 : 1;
        goto cleanup;
    }
    if (nst_service_compile(svc, &comp) || nst_inventory_load(ctx, argv[2], NST_FORMAT_AUTO, &inv)) {
        fprintf(stderr, "compile or inventory failed\n");
        goto cleanup;
    }
    if (diff_against_network(ctx, comp, inv, argv[3], &d)) {
        goto cleanup;
    }
    printf("diff: %zu of %zu devices need changes\n", devices_changing(d),
           nst_diff_device_count(d));
    if (!nst_diff_print(d, NST_DIFF_FORMAT_TREE, 0, &tree)) {
        printf("%s", tree);
    }
    if (nst_txn_new(ctx, inv, &txn) || nst_txn_set_state_dir(txn, argv[3])) {
        goto cleanup;
    }
    nst_txn_set_progress_cb(txn, on_progress, &steps);
    if (nst_diff_apply_begin(d, txn, &added)) {
        fprintf(stderr, "apply: %s\n", nst_diff_message(d));
        goto cleanup;
    }
    err = nst_txn_push(txn);
    nst_diff_apply_end(d, txn);
    printf("push %s: %s after %u progress events\n", nst_txn_id(txn),
           nst_txn_outcome_name(nst_txn_outcome(txn)), steps);
    for (i = 0; err && i < nst_txn_device_count(txn); i++) {
        printf("  %s: %s\n", nst_txn_device_name(txn, i),
               nst_txn_dev_state_name(nst_txn_device_state(txn, i)));
    }
    if (err) {
        goto cleanup;
    }
    /* Provisioned means the network now equals the service. */
    if (diff_against_network(ctx, comp, inv, argv[3], &again)) {
        goto cleanup;
    }
    printf("after push: %zu devices need changes\n", devices_changing(again));
    rc = devices_changing(again) ? 2 : 0;

cleanup:
    nst_free_string(tree);
    nst_diff_free(again);
    nst_diff_free(d);
    nst_txn_free(txn);
    nst_inventory_free(inv);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    return rc;
}
