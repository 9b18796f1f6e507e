/*
 * compile.c: the compile pipeline, read in one function (nst_service_compile):
 *
 *   checked model --lower_service--> IR document --drivers--> per-device payload + CLI
 *
 * This file owns the result object. Rendering per vendor lives in drivers/.
 */
#include <string.h>

#include "alloc.h"
#include "compile.h"
#include "driver.h"
#include "lower.h"
#include "service.h"

NST_API nst_err
nst_service_compile(struct nst_service *svc, struct nst_compiled **out)
{
    struct nst_compiled *c;
    nst_err ret;
    size_t i;

    if (!svc || !out || !svc->check) {
        return NST_EINVAL;
    }
    c = nst_calloc(1, sizeof *c);
    if (!c) {
        return NST_ENOMEM;
    }
    c->svc = svc;
    ret = lower_service(svc, &c->ir);
    if (ret) {
        goto cleanup;
    }
    c->ndevices = svc->model->ndevices;
    c->devices = nst_calloc(c->ndevices ? c->ndevices : 1, sizeof *c->devices);
    if (!c->devices) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    for (i = 0; i < c->ndevices; i++) {
        c->devices[i].name = svc->model->devices[i].name;
        c->devices[i].driver = svc->model->devices[i].drv->name;
    }

cleanup:
    if (ret) {
        nst_compiled_free(c);
        return ret;
    }
    *out = c;
    return NST_OK;
}

NST_API void
nst_compiled_free(struct nst_compiled *c)
{
    size_t i;

    if (!c) {
        return;
    }
    for (i = 0; i < c->ndevices; i++) {
        nst_free(c->devices[i].payload);
        nst_free(c->devices[i].cli);
    }
    nst_free(c->devices);
    xmlFreeDoc(c->ir);
    nst_free(c);
}

NST_API nst_err
nst_compiled_ir(const struct nst_compiled *c, char **xml)
{
    xmlChar *buf = NULL;
    int len = 0;

    if (!c || !xml) {
        return NST_EINVAL;
    }
    xmlDocDumpFormatMemoryEnc(c->ir, &buf, &len, "UTF-8", 1);
    if (!buf) {
        return NST_ENOMEM;
    }
    *xml = nst_strndup((const char *)buf, (size_t)len);
    xmlFree(buf);
    return *xml ? NST_OK : NST_ENOMEM;
}

NST_API void
nst_free_string(char *s)
{
    nst_free(s);
}
