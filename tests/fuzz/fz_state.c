/*
 * fz_state.c: the BGP state readers of the drivers (drivers/state.c and the end of each
 * drivers/<vendor>.c), fed whatever a hostile or broken router could report as its BGP
 * state. The first input byte picks the driver (junos, iosxr, sros, vrp, openconfig); the
 * rest is the reply's content as the session hands it to the reader (the <get> data or the
 * RPC's output children). Invariants (abort() = a finding): a failed parse gives a reason
 * and no peers; every peer's address and state are NUL-terminated within their size, the
 * state is one of the six FSM names, counts are -1 (unknown) or non-negative.
 */
#include "fuzz.h"

#include "alloc.h"
#include "driver.h"

static const char *const fz_drivers[5] = {"junos", "iosxr", "sros", "vrp", "openconfig"};
static const char *const fz_states[6] = {"Idle",     "Connect",     "Active",
                                         "OpenSent", "OpenConfirm", "Established"};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct drv_state_ops *ops;
    struct drv_bgp_peer *p = NULL;
    size_t n = 0;
    char why[256] = "", *xml;
    nst_err rc;

    if (!size) {
        return 0;
    }
    ops = drv_state_find(fz_drivers[data[0] % 5]);
    if (!ops) {
        abort();
    }
    xml = fz_cstr(data + 1, size - 1);
    rc = ops->parse(xml, &p, &n, why, sizeof why);
    free(xml);
    if (rc && (!why[0] || n)) {
        abort();
    }
    if (!memchr(why, '\0', sizeof why)) {
        abort();
    }
    for (size_t i = 0; !rc && i < n; i++) {
        int known = 0;

        if (!memchr(p[i].addr, '\0', sizeof p[i].addr) ||
            !memchr(p[i].state, '\0', sizeof p[i].state)) {
            abort();
        }
        for (int k = 0; k < 6; k++) {
            known |= !strcmp(p[i].state, fz_states[k]);
        }
        /* Junos and SR OS report the state as a free string: passed on as given. */
        if (!known && data[0] % 5 != 0 && data[0] % 5 != 2) {
            abort();
        }
        if (p[i].received < -1 || p[i].accepted < -1 || p[i].uptime_s < -1) {
            abort();
        }
    }
    nst_free(p);
    return 0;
}
