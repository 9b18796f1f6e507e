/*
 * check_run.h: the one helper the checker's unit tests share (test_onramp, test_qinq,
 * test_redundancy, test_shared): load a service from text and check it, with the
 * context's diagnostics cleared first, so a test reads only this run's findings.
 */
#ifndef NST_TEST_CHECK_RUN_H
#define NST_TEST_CHECK_RUN_H

#include <string.h>

#include "netstitch.h"

/* Load @text (XML, named "t.xml" in diagnostics) into @ctx and check it; the service is
 * freed. Returns the load's error, else the check's (NST_OK or NST_ECHECK). */
static inline nst_err
run(struct nst_ctx *ctx, const char *text)
{
    struct nst_service *svc = NULL;
    nst_err err;

    nst_diag_clear(ctx);
    err = nst_service_load_mem(ctx, text, strlen(text), NST_FORMAT_XML, "t.xml", &svc);
    if (err == NST_OK) {
        err = nst_service_check(svc);
    }
    nst_service_free(svc);
    return err;
}

#endif
