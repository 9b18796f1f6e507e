/*
 * fz_inventory.c: the inventory loader (nst_inventory_load_mem, XML or JSON by its first
 * character), then what push does with each device before connecting: the session options
 * (inv_sess_opts) and the secret lookup by name. No secret is read (sources are only
 * named in an inventory), no network is touched.
 */
#include "fuzz.h"

#include "inventory.h"
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nst_inventory *inv = NULL;
    char *text = fz_cstr(data, size);
    volatile size_t sink = 0;
    size_t i, n;

    nst_diag_clear(fz_ctx);
    if (nst_inventory_load_mem(fz_ctx, text, NST_FORMAT_AUTO, NULL, &inv) == NST_OK) {
        if (!inv) {
            abort();
        }
        n = nst_inventory_device_count(inv);
        for (i = 0; i < n; i++) {
            const char *name = nst_inventory_device_name(inv, i);
            const struct inv_device *dev = inv_find_device(inv, name);
            struct sess_opts o;
            const char *keys[2];

            if (!name || !dev) {
                abort();
            }
            inv_sess_opts(dev, "/nonexistent/known_hosts", &o, keys);
            sink += strlen(o.host) + strlen(o.user) + o.port;
            sink += inv_find_secret(inv, name) != NULL;
        }
        sink += nst_inventory_device_name(inv, n) != NULL;
        nst_inventory_free(inv);
    }
    n = nst_diag_count(fz_ctx);
    for (i = 0; i < n; i++) {
        const struct nst_diag *d = nst_diag_get(fz_ctx, i);

        sink += strlen(nst_diag_message(d)) + nst_diag_line(d);
    }
    (void)sink;
    free(text);
    return 0;
}
