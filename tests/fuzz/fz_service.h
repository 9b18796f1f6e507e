/*
 * fz_service.h: the body of the service loader + checker harnesses (fz_service_xml.c,
 * fz_service_json.c define FZ_FORMAT and include this).
 *
 * One input is one service file: nst_service_load_mem() (libyang parse and validation,
 * the source map, the C model), then, when it loaded, nst_service_check() (every semantic
 * check) and a walk over the read-only query API and every diagnostic, which is what
 * `netstitch check` and `netstitch graph` do with it. One context serves every input;
 * its diagnostics are cleared in between.
 */
#include "fuzz.h"

#include "netstitch.h"

static struct nst_ctx *fz_ctx;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[512];

    (void)argc;
    (void)argv;
    fz_quiet_libyang();
    snprintf(dir, sizeof dir, "%s/yang", fz_top());
    if (nst_ctx_new(dir, &fz_ctx)) {
        fz_die("nst_ctx_new");
    }
    return 0;
}

static void
fz_walk(const struct nst_service *svc)
{
    int k, f;
    size_t i, n;
    volatile size_t sink = 0;

    /* Every field of every kind (unknown pairs must read NULL / 0), the first items only. */
    for (k = NST_ITEM_SITE; k <= NST_ITEM_STITCH; k++) {
        n = nst_service_item_count(svc, (enum nst_item)k);
        for (i = 0; i < n && i < 16; i++) {
            for (f = NST_FIELD_NAME; f <= NST_FIELD_BOTTLENECK_HOP; f++) {
                const char *t = nst_service_item_text(svc, (enum nst_item)k, i, (enum nst_field)f);

                sink += t ? strlen(t) : 0;
                sink +=
                    (size_t)nst_service_item_number(svc, (enum nst_item)k, i, (enum nst_field)f);
            }
        }
    }
    (void)sink;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nst_service *svc = NULL;
    size_t i, n;
    volatile size_t sink = 0;

    nst_diag_clear(fz_ctx);
    if (nst_service_load_mem(fz_ctx, (const char *)data, size, FZ_FORMAT, FZ_NAME, &svc) ==
        NST_OK) {
        if (!svc) {
            abort();
        }
        nst_service_check(svc);
        fz_walk(svc);
        nst_service_free(svc);
    } else if (svc) {
        abort();
    }
    n = nst_diag_count(fz_ctx);
    for (i = 0; i < n; i++) {
        const struct nst_diag *d = nst_diag_get(fz_ctx, i);
        const char *s[5] = {nst_diag_code(d), nst_diag_message(d), nst_diag_path(d),
                            nst_diag_file(d), nst_diag_device(d)};
        int j;

        for (j = 0; j < 5; j++) {
            sink += s[j] ? strlen(s[j]) : 0;
        }
        sink += nst_diag_line(d);
    }
    (void)sink;
    return 0;
}
