/*
 * health.c: is the network working? BGP sessions of a service, read from the routers.
 *
 * Place in the pipeline: after a push's confirmed commit has landed on every router and
 * before the confirming commit, the transaction engine (txn.c) runs health_gate(); the
 * `netstitch status` command runs nst_health_check() on demand. Both read the same thing:
 * for each bgp-session of the service, the state of that neighbor on its device and the
 * prefixes it received and accepted (per family and in all), through the device driver's state
 * reader (drivers/state.c; Junos by RPC, the others by <get>), over a NETCONF session of its own
 * (never the transaction's, so reading cannot disturb a pending confirmed commit).
 *
 * Expectations (struct hl_sess), derived from the service and overridable in its
 * bgp-session/health container: the session Established; at least N prefixes accepted,
 * where N is the number of prefixes the far side announces that this side accepts (the
 * far end's bgp-session announce list, or an external site's prefixes; at least 1; none
 * for a session without an accept list, whose import the drivers render deny-all), or
 * health/min-received; the state held for health/stable-time seconds (default 3). A
 * layer-3 VPN (netstitch-multipoint kind l3vpn) adds one session per attachment circuit:
 * the PE's eBGP neighbour to the site's router, in the VPN's VRF (the IR's <vrf>/<neighbor>,
 * named VPN-CIRCUIT; matched by address and VRF, drv_bgp_peer.vrf), expected Established
 * with the site's IPv4 prefixes accepted and the other sites' advertised to the CE, and on
 * a dual-stack circuit (6VPE) a second one, VPN-CIRCUIT-6 to the CE's IPv6 address, judged
 * likewise on the IPv6 prefixes (the other sites' IPv6 prefixes advertised): the
 * advertised count is what shows the VPN itself working (route targets that meet, routes
 * crossing the backbone), which no PE-CE session state does.
 *
 * Fail closed: a device whose driver has no state reader, a state request that fails,
 * times out or returns XML that is malformed, hostile or does not fit the device models
 * (every reply goes through drv_state_check(), drivers/state.c, before its reader), a
 * neighbor the device does not report, or a session that resets during the gate: each
 * makes the session unhealthy with the reason named; never is a missing answer taken as
 * healthy. In the gate, a device's reads cannot outlast the deadline (its session's
 * connect and RPC timeouts are capped at what is left, at least 1 s), and a session that
 * flaps (loses Established twice after the gate began: seen in another state, no longer
 * reported, or its uptime going back; the first loss may be the router applying the
 * change) fails the gate at once. The gate tells its steps to the transaction
 * (health_set_step_cb(): a device's first read and every change of its result, its
 * sessions all healthy, a flap), which journals them.
 *
 * Stability. The gate judges it only by what it observes itself: a session counts as
 * stable once it has been seen healthy in every poll for stable-time seconds, and a
 * reported uptime that shrinks (a reset between two polls) starts the count again. A
 * reported uptime is not trusted in the gate because an unchanged-looking session may
 * still run on the old configuration until the router reacts. `status` has no history on
 * its first look, so there a reported uptime counts too.
 *
 * Not here: the decision to confirm or undo (txn.c), output formatting for the terminal
 * beyond the three formats (the CLI).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libyang/libyang.h>

#include "alloc.h"
#include "driver.h"
#include "health.h"
#include "inventory.h"
#include "model.h"
#include "service.h"
#include "session.h"
#include "state.h"

#define HL_DEFAULT_STABLE_S 3
#define HL_DEFAULT_INTERVAL_MS 500
#define HL_DEFAULT_DEADLINE_MS 60000
/* An uptime is derived from whole seconds on both clocks (the router's, often a time of
 * establishment against ours): it may read a second less than expected without a reset. */
#define HL_UPTIME_SLACK_S 2

/** @brief One device the check reads. */
struct hl_dev {
    const char *name;   /* borrowed from the model */
    const char *driver; /* driver name, borrowed */
    const struct inv_device *inv;
    struct sess *s;
    /* the last read */
    int read_ok;
    char err[512];
    struct drv_bgp_peer *peers;
    size_t npeers;
    /* the gate's steps: the last read's result told (-1 none yet), healthy told */
    int told_read, told_healthy;
};

/** @brief One bgp-session (one end) and what is expected of it. */
struct hl_sess {
    const char *conn, *name, *device, *peer, *peer_name; /* borrowed from the model */
    const char *vrf;                                     /* L3VPN: the PE's VRF, else "" */
    struct hl_dev *dev;
    /* expectation */
    uint32_t min_rx;
    uint32_t min_tx; /* L3VPN: prefixes the PE must advertise to the CE (0: not judged) */
    unsigned stable_s;
    int gate;
    char expect[256]; /* e.g. "Established, accepted >= 1 (far side announces 10.22.22.0/24)" */
    /* observation */
    int reported;
    char state[16];
    long long uptime_s, received, accepted; /* received/accepted: all families */
    long long advertised;                   /* all families, -1 unknown */
    long long fam_rx[2], fam_acc[2];        /* per family (DRV_AF_*), -1 unknown */
    int met;                                /* state and counts as expected now */
    int healthy;                            /* met and held for stable_s */
    long long since;                        /* ms: met continuously since, -1 not met */
    long long last_uptime, last_ms;         /* the last reported uptime, and when (hl_now_ms()) */
    /* the gate: seen Established in the previous poll; times Established was lost (or
     * the uptime went back) since the gate began; flapped: lost twice, the gate fails */
    int was_up, flapped;
    unsigned losses;
    char lost[96];
    char why[640];
};

struct nst_health {
    struct nst_service *svc;
    const struct nst_inventory *inv;
    struct hl_dev *devs;
    size_t ndevs;
    struct hl_sess *sess;
    size_t nsess;
    char (*l3names)[160]; /* names of L3VPN sessions (hl_l3_name()), one per session */
    unsigned interval_ms, deadline_ms;
    int rounds;
    char *known_hosts, *cache_dir;
    char message[512];
    /* the device models each driver's replies are checked against (drv_state_check()) */
    struct {
        const struct drv_state_ops *ops;
        struct ly_ctx *ctx;
    } models[8];
    /* the gate: its end (ms, hl_now_ms()), 0 outside it; who hears of its steps */
    long long gate_end;
    health_step_fn step;
    void *step_user;
};

static long long
hl_now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Is prefix @p in the list @v (exact)? */
static int
hl_prefix_in(const struct m_prefix *p, const struct m_prefix *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].len == p->len && model_addr_equal(&v[i].addr, &p->addr)) {
            return 1;
        }
    }
    return 0;
}

/* The far end's bgp-session of @b (the one on b->peer_dev whose peer is @b's local). */
static const struct m_bgp *
hl_far_session(const struct m_service *m, const struct m_bgp *b)
{
    for (size_t c = 0; c < m->nconns; c++) {
        for (size_t i = 0; i < m->conns[c].nbgp; i++) {
            const struct m_bgp *o = &m->conns[c].bgp[i];

            if (o->dev == b->peer_dev && model_addr_equal(&o->peer, &b->local)) {
                return o;
            }
        }
    }
    return NULL;
}

/* The expectation of @b: defaults from the service, then its health container. */
static void
hl_expect(struct nst_health *h, const struct m_conn *conn, const struct m_bgp *b, struct hl_sess *s)
{
    const struct m_prefix *ann = NULL;
    size_t nann = 0, count = 0;
    char list[160] = "", path[512];
    struct lyd_node *n = NULL;
    int over = 0;

    if (b->peer_dev) {
        const struct m_bgp *far = hl_far_session(h->svc->model, b);

        if (far) {
            ann = far->announce;
            nann = far->nannounce;
        }
    } else if (b->peer_site) {
        ann = b->peer_site->prefixes;
        nann = b->peer_site->nprefixes;
    }
    for (size_t i = 0; i < nann; i++) {
        /* No accept list: the drivers render a deny-all import, so nothing is expected. */
        if (!b->naccept || !hl_prefix_in(&ann[i], b->accept, b->naccept)) {
            continue;
        }
        count++;
        if (strlen(list) + strlen(ann[i].text) + 3 < sizeof list) {
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? ", " : "",
                     ann[i].text);
        }
    }
    s->min_rx = count ? (uint32_t)count : b->naccept ? 1 : 0;
    s->stable_s = HL_DEFAULT_STABLE_S;
    s->gate = 1;
    snprintf(path, sizeof path,
             "/netstitch-intercloud:intercloud/connection[name='%s']/bgp-session[name='%s']/"
             "health",
             conn->name, b->name);
    if (h->svc->tree && !lyd_find_path(h->svc->tree, path, 0, &n) && n) {
        struct lyd_node *c;

        if (!lyd_find_path(n, "min-received", 0, &c)) {
            s->min_rx = (uint32_t)strtoul(lyd_get_value(c), NULL, 10);
            over = 1;
        }
        if (!lyd_find_path(n, "stable-time", 0, &c)) {
            s->stable_s = (unsigned)strtoul(lyd_get_value(c), NULL, 10);
        }
        if (!lyd_find_path(n, "gate", 0, &c) && !strcmp(lyd_get_value(c), "false")) {
            s->gate = 0;
        }
    }
    if (!over && !b->naccept) {
        snprintf(s->expect, sizeof s->expect, "Established (no accept list: accepts nothing)");
    } else if (over || !count) {
        snprintf(s->expect, sizeof s->expect, "Established, accepted >= %u%s", s->min_rx,
                 over ? " (service)" : "");
    } else {
        snprintf(s->expect, sizeof s->expect, "Established, accepted >= %u (%s announces %s)",
                 s->min_rx, s->peer_name, list);
    }
}

/* The observation of @s unknown, and its device @dev's entry (one per device read). */
static void
hl_sess_init(struct nst_health *h, struct hl_sess *s, const struct m_device *dev)
{
    struct hl_dev *d = NULL;

    s->since = -1;
    s->last_uptime = -1;
    s->uptime_s = s->received = s->accepted = s->advertised = -1;
    s->fam_rx[0] = s->fam_rx[1] = s->fam_acc[0] = s->fam_acc[1] = -1;
    for (size_t k = 0; k < h->ndevs; k++) {
        if (!strcmp(h->devs[k].name, dev->name)) {
            d = &h->devs[k];
        }
    }
    if (!d) {
        d = &h->devs[h->ndevs++];
        d->name = dev->name;
        d->driver = dev->drv ? dev->drv->name : dev->vendor_name;
        d->inv = inv_find_device(h->inv, d->name);
    }
    s->dev = d;
}

/* The name of an L3VPN circuit's PE-CE session: VPN-CIRCUIT, or VPN-CIRCUIT-6 for a
 * dual-stack circuit's IPv6 one (@v6), as the IR's <neighbor>s are named
 * (compiler/lower.c, mp_l3_neighbor()); the model has no such string, so the health
 * object owns it. */
static const char *
hl_l3_name(struct nst_health *h, const struct m_mp *mp, const struct m_mp_ac *a, int v6)
{
    size_t i = (size_t)(h->nsess - 1);

    snprintf(h->l3names[i], sizeof h->l3names[i], "%s-%s%s", mp->name, a->name, v6 ? "-6" : "");
    return h->l3names[i];
}

/* Prefixes of @site of family @af: an L3VPN session carries one family (the IPv4 session
 * IPv4 unicast, a dual-stack circuit's second session IPv6 unicast). */
static size_t
hl_site_af(const struct m_site *site, enum m_af af, char *list, size_t len)
{
    size_t n = 0;

    for (size_t k = 0; site && k < site->nprefixes; k++) {
        if (site->prefixes[k].addr.af != af) {
            continue;
        }
        n++;
        if (list && strlen(list) + strlen(site->prefixes[k].text) + 3 < len) {
            snprintf(list + strlen(list), len - strlen(list), "%s%s", *list ? ", " : "",
                     site->prefixes[k].text);
        }
    }
    return n;
}

/* The expectation of an L3VPN circuit's PE-CE session of family @af (a <vrf>/<neighbor> of
 * the IR): Established; accepted at least the site's prefixes of that family (the CE
 * announces them, the PE's import list NS-VPN-AC-IN, or IN6, holds exactly those);
 * advertised to the CE at least the other sites' prefixes of that family (NS-VPN-AC-OUT or
 * OUT6: what the PE has from the other PEs by route target and lets out), so a VPN whose
 * route targets do not meet fails though every session is up. */
static void
hl_expect_l3(const struct m_mp *mp, const struct m_mp_ac *a, enum m_af af, struct hl_sess *s)
{
    char list[160] = "";
    size_t tx = 0;

    s->min_rx = (uint32_t)hl_site_af(a->site, af, list, sizeof list);
    for (size_t j = 0; j < mp->nacs; j++) {
        const struct m_site *o = mp->acs[j].site;
        int seen = !o || o == a->site;

        for (size_t k = 0; k < j && !seen; k++) {
            seen = mp->acs[k].site == o;
        }
        if (!seen) {
            tx += hl_site_af(o, af, NULL, 0);
        }
    }
    s->min_tx = (uint32_t)tx;
    s->stable_s = HL_DEFAULT_STABLE_S;
    s->gate = 1;
    snprintf(s->expect, sizeof s->expect,
             "Established, accepted >= %u (%s announces %s), advertised >= %u (the other "
             "sites' prefixes)",
             s->min_rx, s->peer_name, *list ? list : "nothing", s->min_tx);
}

NST_API nst_err
nst_health_new(struct nst_service *svc, const struct nst_inventory *inv, struct nst_health **out)
{
    struct nst_health *h;
    const struct m_service *m;
    size_t total = 0;

    if (!svc || !inv || !out || !svc->model) {
        return NST_EINVAL;
    }
    m = svc->model;
    for (size_t c = 0; c < m->nconns; c++) {
        total += m->conns[c].nbgp;
    }
    for (size_t v = 0; v < m->nmps; v++) {
        if (m->mps[v].kind == MP_L3VPN) {
            total += 2 * m->mps[v].nacs; /* at most two sessions (families) per circuit */
        }
    }
    h = nst_calloc(1, sizeof *h);
    if (!h || (total && !(h->sess = nst_calloc(total, sizeof *h->sess))) ||
        (total && !(h->devs = nst_calloc(total, sizeof *h->devs))) ||
        (total && !(h->l3names = nst_calloc(total, sizeof *h->l3names)))) {
        nst_health_free(h);
        return NST_ENOMEM;
    }
    h->svc = svc;
    h->inv = inv;
    h->interval_ms = HL_DEFAULT_INTERVAL_MS;
    h->deadline_ms = HL_DEFAULT_DEADLINE_MS;
    for (size_t c = 0; c < m->nconns; c++) {
        for (size_t i = 0; i < m->conns[c].nbgp; i++) {
            const struct m_bgp *b = &m->conns[c].bgp[i];
            struct hl_sess *s = &h->sess[h->nsess++];

            s->conn = m->conns[c].name;
            s->name = b->name;
            s->device = b->dev->name;
            s->peer = b->peer_text;
            s->peer_name = b->peer_dev ? b->peer_dev->name : b->peer_site ? b->peer_site->name : "";
            s->vrf = "";
            hl_sess_init(h, s, b->dev);
            hl_expect(h, &m->conns[c], b, s);
        }
    }
    for (size_t v = 0; v < m->nmps; v++) {
        const struct m_mp *mp = &m->mps[v];

        for (size_t i = 0; mp->kind == MP_L3VPN && i < mp->nacs; i++) {
            const struct m_mp_ac *a = &mp->acs[i];
            struct hl_sess *s;

            if (!a->dev || !a->routing.set || !a->routing.ce_text) {
                continue; /* incomplete: the checker refused the service */
            }
            /* The IPv4 session, and a dual-stack circuit's IPv6 one: every VRF neighbour
             * of the IR is gated, each on its own family's prefixes. */
            for (int v6 = 0; v6 < 2; v6++) {
                if (v6 && !(a->routing.ce6_text && a->routing.pe6_text)) {
                    break; /* as compiler/lower.c renders the second neighbour */
                }
                s = &h->sess[h->nsess++];
                s->conn = mp->name;
                s->name = hl_l3_name(h, mp, a, v6);
                s->device = a->dev->name;
                s->vrf = mp->name; /* the VRF is named after the VPN (docs/ir.md, <vrf>) */
                s->peer = v6 ? a->routing.ce6_text : a->routing.ce_text;
                s->peer_name = a->site ? a->site->name : a->name;
                hl_sess_init(h, s, a->dev);
                hl_expect_l3(mp, a, v6 ? M_AF_V6 : M_AF_V4, s);
            }
        }
    }
    *out = h;
    return NST_OK;
}

void
health_close(struct nst_health *h)
{
    for (size_t i = 0; h && i < h->ndevs; i++) {
        sess_free(h->devs[i].s);
        h->devs[i].s = NULL;
    }
}

NST_API void
nst_health_free(struct nst_health *h)
{
    if (!h) {
        return;
    }
    health_close(h);
    for (size_t i = 0; i < h->ndevs; i++) {
        nst_free(h->devs[i].peers);
    }
    for (size_t i = 0; i < sizeof h->models / sizeof h->models[0]; i++) {
        ly_ctx_destroy(h->models[i].ctx);
    }
    nst_free(h->devs);
    nst_free(h->sess);
    nst_free(h->l3names);
    nst_free(h->known_hosts);
    nst_free(h->cache_dir);
    nst_free(h);
}

NST_API void
nst_health_set_timing(struct nst_health *h, unsigned interval_ms, unsigned deadline_ms)
{
    if (h) {
        h->interval_ms = interval_ms ? interval_ms : HL_DEFAULT_INTERVAL_MS;
        h->deadline_ms = deadline_ms ? deadline_ms : HL_DEFAULT_DEADLINE_MS;
    }
}

NST_API unsigned
nst_health_deadline_ms(const struct nst_health *h)
{
    return h ? h->deadline_ms : 0;
}

/* Open the device's session when it has none (or it died). */
static int
hl_connect(struct nst_health *h, struct hl_dev *d)
{
    struct sess_opts o;
    const char *keys[2] = {NULL, NULL};
    struct sess_error err;
    char cache[4096];

    if (d->s && sess_is_alive(d->s)) {
        return 0;
    }
    sess_free(d->s);
    d->s = NULL;
    if (!d->inv) {
        snprintf(d->err, sizeof d->err, "%s is not in the inventory", d->name);
        return -1;
    }
    inv_sess_opts(d->inv, h->known_hosts, &o, keys);
    if (h->gate_end) {
        /* In the gate no read may outlast its deadline by more than a second: a device
         * that hangs must not keep the confirmed commit pending toward its timeout. */
        long long left = h->gate_end - hl_now_ms();
        int cap = left > 1000 ? (int)left : 1000;

        if (!o.rpc_timeout_ms || o.rpc_timeout_ms > cap) {
            o.rpc_timeout_ms = cap;
        }
        if (!o.connect_timeout_ms || o.connect_timeout_ms > cap) {
            o.connect_timeout_ms = cap;
        }
    }
    if (h->cache_dir) {
        snprintf(cache, sizeof cache, "%s/%s_%u", h->cache_dir, d->inv->address,
                 (unsigned)d->inv->port);
        for (char *c = cache + strlen(h->cache_dir) + 1; *c; c++) {
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
                  (*c >= 'A' && *c <= 'Z') || *c == '.' || *c == '-')) {
                *c = '_';
            }
        }
        mkdir(h->cache_dir, 0700);
        mkdir(cache, 0700);
        o.schema_cache_dir = cache;
    }
    if (sess_connect(&o, &d->s, &err)) {
        d->s = NULL;
        sess_error_format(&err, d->err, sizeof d->err);
        return -1;
    }
    return 0;
}

/* One read of a device's BGP state. */
static void
hl_read(struct nst_health *h, struct hl_dev *d)
{
    const struct drv_state_ops *ops = drv_state_find(d->driver);
    struct sess_error err;
    char *xml = NULL, why[256];
    nst_err rc;

    d->read_ok = 0;
    d->err[0] = '\0';
    nst_free(d->peers);
    d->peers = NULL;
    d->npeers = 0;
    if (!ops) {
        snprintf(d->err, sizeof d->err, "the %s driver cannot read BGP state", d->driver);
        return;
    }
    if (hl_connect(h, d)) {
        return;
    }
    if (ops->kind == DRV_STATE_RPC) {
        char dir[4096];

        snprintf(dir, sizeof dir, "%s/devices/%s", h->svc->ctx->yang_dir,
                 ops->module_dir ? ops->module_dir : "");
        rc = sess_rpc_xml(d->s, ops->op, ops->module, dir, ops->request, &xml, &err);
    } else {
        rc = sess_get(d->s, ops->request, &xml, &err);
    }
    if (rc) {
        sess_error_format(&err, d->err, sizeof d->err);
        return;
    }
    why[0] = '\0';
    {
        /* Every reply is checked against the device models before it is read. */
        struct ly_ctx **ctx = NULL;

        for (size_t i = 0; i < sizeof h->models / sizeof h->models[0] && !ctx; i++) {
            if (!h->models[i].ops || h->models[i].ops == ops) {
                h->models[i].ops = ops;
                ctx = &h->models[i].ctx;
            }
        }
        char *typed = NULL;

        rc = ctx ? drv_state_check_typed(ops, h->svc->ctx->yang_dir, ctx, xml, &typed, why,
                                         sizeof why)
                 : NST_ENOMEM;
        if (rc) {
            snprintf(d->err, sizeof d->err, "%s: %s: %s", d->name, ops->op,
                     why[0] ? why : nst_strerror(rc));
            nst_free(xml);
            return;
        }
        /* The reader reads what libyang parsed against the model, not the device's bytes. */
        if (typed) {
            nst_free(xml);
            xml = typed;
        }
    }
    rc = ops->parse(xml, &d->peers, &d->npeers, why, sizeof why);
    nst_free(xml);
    if (rc) {
        snprintf(d->err, sizeof d->err, "%s: %s: state reply not understood: %s", d->name, ops->op,
                 why[0] ? why : nst_strerror(rc));
        nst_free(d->peers);
        d->peers = NULL;
        d->npeers = 0;
        return;
    }
    d->read_ok = 1;
}

/* Did the session reset since the last poll? Its uptime is below what the last one plus
 * the time since would give, by more than the clocks' slack. */
static int
hl_uptime_reset(const struct hl_sess *s, const struct drv_bgp_peer *p, long long now)
{
    if (s->last_uptime < 0 || p->uptime_s < 0) {
        return 0;
    }
    return p->uptime_s + HL_UPTIME_SLACK_S < s->last_uptime + (now - s->last_ms) / 1000;
}

/* Is @reported (a VRF name as the device reports it) the VRF @vrf? The same name, or the
 * name a driver fitted to its vendor's length limit (drv_fit_name(): IOS-XR's 32, VRP's 31
 * characters), which is what the router then holds. */
static int
hl_vrf_is(const char *reported, const char *vrf)
{
    size_t l = strlen(reported);
    char fit[128];

    if (!strcmp(reported, vrf)) {
        return 1;
    }
    return l >= 8 && l < strlen(vrf) && l < sizeof fit &&
           !strcmp(drv_fit_name(vrf, l, fit, sizeof fit), reported);
}

/* Judge one session from its device's last read; @gate: stability by observation only. */
static void
hl_judge(struct hl_sess *s, long long now, int gate)
{
    const struct hl_dev *d = s->dev;
    const struct drv_bgp_peer *p = NULL;
    long long held;

    s->reported = 0;
    s->met = s->healthy = 0;
    s->state[0] = '\0';
    s->uptime_s = s->received = s->accepted = s->advertised = -1;
    s->fam_rx[0] = s->fam_rx[1] = s->fam_acc[0] = s->fam_acc[1] = -1;
    if (!d->read_ok) {
        snprintf(s->why, sizeof s->why, "no state: %s", d->err);
        s->since = -1;
        return;
    }
    /* The neighbor in the session's table: the same address in a VRF is another one. */
    for (size_t i = 0; i < d->npeers; i++) {
        if (!strcmp(d->peers[i].addr, s->peer) && hl_vrf_is(d->peers[i].vrf, s->vrf)) {
            p = &d->peers[i];
        }
    }
    if (!p) {
        snprintf(s->why, sizeof s->why, "%s reports no BGP session to %s%s%s", d->name, s->peer,
                 *s->vrf ? " in VRF " : "", s->vrf);
        s->since = -1;
        if (gate && s->was_up) {
            s->was_up = 0;
            s->losses++;
            snprintf(s->lost, sizeof s->lost, "Established, then not reported");
        }
        return;
    }
    s->reported = 1;
    snprintf(s->state, sizeof s->state, "%s", p->state);
    if (gate) {
        /* Flapping: Established lost (state or an uptime that went back) twice since the
         * gate began. The first loss may be the router applying the change (a session
         * whose parameters change is reset); a second one is not, and fails the gate. */
        int up = !strcmp(p->state, "Established");
        int reset = up && s->was_up && hl_uptime_reset(s, p, now);

        if ((s->was_up && !up) || reset) {
            s->losses++;
            if (reset) {
                snprintf(s->lost, sizeof s->lost, "uptime went back from %llds to %llds",
                         s->last_uptime, p->uptime_s);
            } else {
                snprintf(s->lost, sizeof s->lost, "Established, then %s", p->state);
            }
        }
        s->was_up = up;
        if (s->losses >= 2) {
            s->flapped = 1;
        }
    }
    if (s->flapped) {
        snprintf(s->why, sizeof s->why,
                 "flapping: lost Established %u times during the gate (last: %s)", s->losses,
                 s->lost);
        s->last_uptime = p->uptime_s;
        s->last_ms = now;
        s->since = -1;
        return;
    }
    s->uptime_s = p->uptime_s;
    s->received = p->received;
    s->accepted = p->accepted;
    s->advertised = p->advertised;
    for (int f = 0; f < 2; f++) {
        s->fam_rx[f] = p->fam_received[f];
        s->fam_acc[f] = p->fam_accepted[f];
    }
    /* A shrinking uptime is a reset between two polls: the session flapped. */
    if (hl_uptime_reset(s, p, now)) {
        s->since = -1;
    }
    s->last_uptime = p->uptime_s;
    s->last_ms = now;
    if (strcmp(p->state, "Established")) {
        snprintf(s->why, sizeof s->why, "state %s", p->state);
        s->since = -1;
        return;
    }
    {
        long long acc = p->accepted >= 0 ? p->accepted : p->received;

        if (s->min_rx && acc < 0) {
            snprintf(s->why, sizeof s->why, "prefix counts not reported");
            s->since = -1;
            return;
        }
        if (acc < (long long)s->min_rx) {
            snprintf(s->why, sizeof s->why,
                     "accepted %lld prefixes (received %lld), expected >= %u", acc, p->received,
                     s->min_rx);
            s->since = -1;
            return;
        }
        /* L3VPN: the CE must get the other sites' prefixes from the PE. */
        if (s->min_tx && p->advertised < 0) {
            snprintf(s->why, sizeof s->why, "advertised prefix count not reported");
            s->since = -1;
            return;
        }
        if (s->min_tx && p->advertised < (long long)s->min_tx) {
            snprintf(s->why, sizeof s->why,
                     "advertised %lld prefixes to %s, expected >= %u (the other sites' "
                     "prefixes: route targets, export policy)",
                     p->advertised, s->peer_name, s->min_tx);
            s->since = -1;
            return;
        }
    }
    s->met = 1;
    if (s->since < 0) {
        s->since = now;
    }
    held = (now - s->since) / 1000;
    /* status: a reported uptime counts; a device that reports none cannot be judged on
     * stability, so its session counts as stable (the gate never does this). */
    if (!gate && p->uptime_s > held) {
        held = p->uptime_s;
    }
    if (!gate && p->uptime_s < 0) {
        held = s->stable_s;
    }
    if (held < (long long)s->stable_s) {
        snprintf(s->why, sizeof s->why, "healthy for %llds of %us", held, s->stable_s);
        return;
    }
    s->healthy = 1;
    s->why[0] = '\0';
}

static void
hl_round(struct nst_health *h, int gate)
{
    long long now;

    for (size_t i = 0; i < h->ndevs; i++) {
        hl_read(h, &h->devs[i]);
    }
    now = hl_now_ms();
    for (size_t i = 0; i < h->nsess; i++) {
        hl_judge(&h->sess[i], now, gate);
    }
    h->rounds++;
}

NST_API int
nst_health_ok(const struct nst_health *h)
{
    if (!h) {
        return 0;
    }
    for (size_t i = 0; i < h->nsess; i++) {
        if (h->sess[i].gate && !h->sess[i].healthy) {
            return 0;
        }
    }
    return 1;
}

static nst_err
hl_state_paths(struct nst_health *h, const char *state_dir)
{
    struct st_dir *st = NULL;
    char why[256];

    if (h->known_hosts) {
        return NST_OK;
    }
    if (st_open(state_dir, &st, why, sizeof why)) {
        snprintf(h->message, sizeof h->message, "%s", why);
        return NST_EIO;
    }
    h->known_hosts = nst_asprintf("%s/known_hosts", st->path);
    h->cache_dir = nst_asprintf("%s/schema-cache", st->path);
    st_close(st);
    return h->known_hosts && h->cache_dir ? NST_OK : NST_ENOMEM;
}

NST_API nst_err
nst_health_check(struct nst_health *h, const char *state_dir)
{
    nst_err rc;

    if (!h) {
        return NST_EINVAL;
    }
    rc = hl_state_paths(h, state_dir);
    if (rc) {
        return rc;
    }
    hl_round(h, 0);
    return NST_OK;
}

/* "s1: why; s2: why" of the gating sessions that are not healthy (@flapped: only those
 * that flapped). */
static void
hl_failures(const struct nst_health *h, int flapped, char *why, size_t len)
{
    size_t o = 0;

    why[0] = '\0';
    for (size_t i = 0; i < h->nsess && o + 1 < len; i++) {
        const struct hl_sess *s = &h->sess[i];
        int n;

        if (!s->gate || s->healthy || (flapped && !s->flapped)) {
            continue;
        }
        n = snprintf(why + o, len - o, "%s%s (%s -> %s): %s", o ? "; " : "", s->name, s->device,
                     s->peer, s->why);
        if (n < 0) {
            break;
        }
        o += (size_t)n < len - o ? (size_t)n : len - o - 1;
    }
}

void
health_set_step_cb(struct nst_health *h, health_step_fn fn, void *user)
{
    if (h) {
        h->step = fn;
        h->step_user = user;
    }
}

/* Tell the gate's listener what this round changed; returns 1 when a session flapped. */
static int
hl_steps(struct nst_health *h)
{
    int flapped = 0;

    for (size_t i = 0; i < h->ndevs; i++) {
        struct hl_dev *d = &h->devs[i];
        int all = 1, any = 0;

        if (d->read_ok != d->told_read) {
            d->told_read = d->read_ok;
            if (h->step) {
                h->step(d->name, "state-read", d->read_ok ? "ok" : "failed", d->err, h->step_user);
            }
        }
        for (size_t k = 0; k < h->nsess; k++) {
            const struct hl_sess *s = &h->sess[k];

            if (s->dev != d || !s->gate) {
                continue;
            }
            any = 1;
            all &= s->healthy;
            if (s->flapped && !flapped) {
                flapped = 1;
                if (h->step) {
                    char line[800];

                    snprintf(line, sizeof line, "%s -> %s: %s", s->name, s->peer, s->why);
                    h->step(d->name, "flap", "failed", line, h->step_user);
                }
            }
        }
        if (any && all && !d->told_healthy) {
            d->told_healthy = 1;
            if (h->step) {
                h->step(d->name, "healthy", "ok", "", h->step_user);
            }
        }
    }
    return flapped;
}

nst_err
health_gate(struct nst_health *h, const char *known_hosts, const char *cache_dir, char *why,
            size_t whylen)
{
    long long start = hl_now_ms(), deadline = start + h->deadline_ms;

    if (!h->known_hosts && known_hosts) {
        h->known_hosts = nst_strdup(known_hosts);
        h->cache_dir = cache_dir ? nst_strdup(cache_dir) : NULL;
    }
    h->gate_end = deadline;
    for (size_t i = 0; i < h->nsess; i++) {
        h->sess[i].since = -1;
        h->sess[i].last_uptime = -1;
        h->sess[i].was_up = h->sess[i].flapped = 0;
        h->sess[i].losses = 0;
    }
    for (size_t i = 0; i < h->ndevs; i++) {
        h->devs[i].told_read = -1;
        h->devs[i].told_healthy = 0;
    }
    for (;;) {
        long long left;
        struct timespec ts;
        int flapped;

        hl_round(h, 1);
        flapped = hl_steps(h);
        if (!flapped && nst_health_ok(h)) {
            why[0] = '\0';
            h->gate_end = 0;
            return NST_OK;
        }
        left = deadline - hl_now_ms();
        if (flapped || left <= 0) {
            /* A flapping session fails the gate at once: waiting cannot make it stable. */
            hl_failures(h, flapped, why, whylen);
            h->gate_end = 0;
            return NST_EENV;
        }
        if (left > (long long)h->interval_ms) {
            left = h->interval_ms;
        }
        ts.tv_sec = left / 1000;
        ts.tv_nsec = (left % 1000) * 1000000;
        while (nanosleep(&ts, &ts) && errno == EINTR) {
        }
    }
}

/*
 * Output
 */

struct hl_buf {
    char *s;
    size_t len, cap;
    int oom;
};

static void __attribute__((format(printf, 2, 3))) hl_out(struct hl_buf *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->oom) {
        return;
    }
    for (;;) {
        size_t room = o->s ? o->cap - o->len : 0;

        va_start(ap, fmt);
        n = vsnprintf(o->s ? o->s + o->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->oom = 1;
            return;
        }
        if ((size_t)n < room) {
            o->len += (size_t)n;
            return;
        }
        {
            size_t cap = o->cap * 2 + (size_t)n + 256;
            char *s = nst_realloc(o->s, cap);

            if (!s) {
                o->oom = 1;
                return;
            }
            o->s = s;
            o->cap = cap;
        }
    }
}

/* @s as a JSON string (quotes included). */
static void
hl_json_str(struct hl_buf *o, const char *s)
{
    hl_out(o, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            hl_out(o, "\\%c", c);
        } else if (c < 0x20) {
            hl_out(o, "\\u%04x", c);
        } else {
            hl_out(o, "%c", c);
        }
    }
    hl_out(o, "\"");
}

/* @s as an OpenMetrics label value (quotes included). */
static void
hl_om_str(struct hl_buf *o, const char *s)
{
    hl_out(o, "\"");
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') {
            hl_out(o, "\\%c", *s);
        } else if (*s == '\n') {
            hl_out(o, "\\n");
        } else {
            hl_out(o, "%c", *s);
        }
    }
    hl_out(o, "\"");
}

static void
hl_num(struct hl_buf *o, long long v)
{
    if (v < 0) {
        hl_out(o, "null");
    } else {
        hl_out(o, "%lld", v);
    }
}

static void
hl_print_text(const struct nst_health *h, struct hl_buf *o)
{
    hl_out(o, "%-16s %-16s %-28s %-12s %8s %4s %8s %8s %8s  %s\n", "SESSION", "DEVICE", "PEER",
           "STATE", "UPTIME", "AFI", "RECEIVED", "ACCEPTED", "EXPECTED", "HEALTH");
    for (size_t i = 0; i < h->nsess; i++) {
        const struct hl_sess *s = &h->sess[i];
        char peer[128], up[24], rx[24], acc[24], ex[24];

        snprintf(peer, sizeof peer, "%s (%s)", s->peer, s->peer_name);
        if (s->uptime_s >= 0) {
            snprintf(up, sizeof up, "%llds", s->uptime_s);
        } else {
            snprintf(up, sizeof up, "-");
        }
        snprintf(rx, sizeof rx, s->received >= 0 ? "%lld" : "-", s->received);
        snprintf(acc, sizeof acc, s->accepted >= 0 ? "%lld" : "-", s->accepted);
        snprintf(ex, sizeof ex, ">=%u", s->min_rx);
        hl_out(o, "%-16s %-16s %-28s %-12s %8s %4s %8s %8s %8s  %s%s%s%s\n", s->name, s->device,
               peer, s->reported ? s->state : "unknown", up, "ipv4", rx, acc, ex,
               s->healthy ? "ok" : "FAIL", s->why[0] ? " (" : "", s->why, s->why[0] ? ")" : "");
        if (!s->gate) {
            hl_out(o, "%-16s   (not gated: health/gate is false)\n", "");
        }
        if (s->min_tx) {
            char tx[24];

            snprintf(tx, sizeof tx, s->advertised >= 0 ? "%lld" : "-", s->advertised);
            hl_out(o, "%-16s   VRF %s: advertised %s to %s, expected >=%u\n", "", s->vrf, tx,
                   s->peer_name, s->min_tx);
        }
    }
    hl_out(o, "%s: %zu session%s, %s\n", h->svc->file ? h->svc->file : "service", h->nsess,
           h->nsess == 1 ? "" : "s", nst_health_ok(h) ? "healthy" : "NOT healthy");
}

static void
hl_print_json(const struct nst_health *h, struct hl_buf *o)
{
    hl_out(o, "{\"service\": ");
    hl_json_str(o, h->svc->file);
    hl_out(o, ", \"healthy\": %s, \"sessions\": [", nst_health_ok(h) ? "true" : "false");
    for (size_t i = 0; i < h->nsess; i++) {
        const struct hl_sess *s = &h->sess[i];

        hl_out(o, "%s\n  {\"connection\": ", i ? "," : "");
        hl_json_str(o, s->conn);
        hl_out(o, ", \"session\": ");
        hl_json_str(o, s->name);
        hl_out(o, ", \"device\": ");
        hl_json_str(o, s->device);
        hl_out(o, ", \"peer\": ");
        hl_json_str(o, s->peer);
        hl_out(o, ", \"peer_name\": ");
        hl_json_str(o, s->peer_name);
        hl_out(o, ", \"vrf\": ");
        if (*s->vrf) {
            hl_json_str(o, s->vrf);
        } else {
            hl_out(o, "null");
        }
        hl_out(o, ", \"reported\": %s, \"state\": ", s->reported ? "true" : "false");
        if (s->reported) {
            hl_json_str(o, s->state);
        } else {
            hl_out(o, "null");
        }
        hl_out(o, ", \"uptime_s\": ");
        hl_num(o, s->uptime_s);
        hl_out(o, ", \"received\": ");
        hl_num(o, s->received);
        hl_out(o, ", \"accepted\": ");
        hl_num(o, s->accepted);
        hl_out(o, ", \"advertised\": ");
        hl_num(o, s->advertised);
        hl_out(o, ", \"families\": {");
        for (int f = 0; f < 2; f++) {
            hl_out(o, "%s\"%s\": {\"received\": ", f ? ", " : "", f ? "ipv6" : "ipv4");
            hl_num(o, s->fam_rx[f]);
            hl_out(o, ", \"accepted\": ");
            hl_num(o, s->fam_acc[f]);
            hl_out(o, "}");
        }
        hl_out(o,
               "}, \"expected\": {\"state\": \"Established\", \"min_accepted\": %u, "
               "\"min_advertised\": %u, \"stable_s\": %u, \"gate\": %s, \"text\": ",
               s->min_rx, s->min_tx, s->stable_s, s->gate ? "true" : "false");
        hl_json_str(o, s->expect);
        hl_out(o, "}, \"met\": %s, \"healthy\": %s, \"reason\": ", s->met ? "true" : "false",
               s->healthy ? "true" : "false");
        if (s->why[0]) {
            hl_json_str(o, s->why);
        } else {
            hl_out(o, "null");
        }
        hl_out(o, "}");
    }
    hl_out(o, "\n]}\n");
}

static void
hl_om_labels(struct hl_buf *o, const struct nst_health *h, const struct hl_sess *s)
{
    hl_out(o, "{service=");
    hl_om_str(o, h->svc->file);
    hl_out(o, ",connection=");
    hl_om_str(o, s->conn);
    hl_out(o, ",session=");
    hl_om_str(o, s->name);
    hl_out(o, ",device=");
    hl_om_str(o, s->device);
    hl_out(o, ",peer=");
    hl_om_str(o, s->peer);
    hl_out(o, "}");
}

/* OpenMetrics text format 1.0: families with TYPE and HELP, then "# EOF". */
static void
hl_print_om(const struct nst_health *h, struct hl_buf *o)
{
    static const struct {
        const char *name, *help;
        int which;
    } fam[] = {
        {"netstitch_bgp_session_established", "1 when the BGP session is Established", 0},
        {"netstitch_bgp_session_uptime_seconds", "Seconds the session has been Established", 1},
        {"netstitch_bgp_prefixes_received", "IPv4 unicast prefixes received from the peer", 2},
        {"netstitch_bgp_prefixes_accepted", "IPv4 unicast prefixes accepted by import policy", 3},
        {"netstitch_bgp_prefixes_expected_min", "Prefixes the service expects accepted", 4},
        {"netstitch_bgp_session_healthy", "1 when the session meets the service's expectation", 5},
        {"netstitch_bgp_state_reported", "1 when the device reported the session", 6},
        {"netstitch_bgp_prefixes_advertised", "Unicast prefixes advertised to the peer", 7},
        {"netstitch_bgp_prefixes_advertised_expected_min",
         "Prefixes the service expects advertised (an L3VPN site's router: the other sites')", 8},
    };

    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        hl_out(o, "# TYPE %s gauge\n# HELP %s %s.\n", fam[f].name, fam[f].name, fam[f].help);
        for (size_t i = 0; i < h->nsess; i++) {
            const struct hl_sess *s = &h->sess[i];
            long long v;

            switch (fam[f].which) {
            case 0:
                v = s->reported && !strcmp(s->state, "Established");
                break;
            case 1:
                v = s->uptime_s;
                break;
            case 2:
                v = s->received;
                break;
            case 3:
                v = s->accepted;
                break;
            case 4:
                v = s->min_rx;
                break;
            case 5:
                v = s->healthy;
                break;
            case 7:
                v = s->advertised;
                break;
            case 8:
                v = s->min_tx ? (long long)s->min_tx : -1; /* only where it is judged */
                break;
            default:
                v = s->reported;
                break;
            }
            if (v < 0) {
                continue; /* unknown: no sample rather than a made-up value */
            }
            hl_out(o, "%s", fam[f].name);
            hl_om_labels(o, h, s);
            hl_out(o, " %lld\n", v);
        }
    }
    hl_out(o, "# TYPE netstitch_service_healthy gauge\n# HELP netstitch_service_healthy 1 when "
              "every gated session of the service is healthy.\nnetstitch_service_healthy{service=");
    hl_om_str(o, h->svc->file);
    hl_out(o, "} %d\n# EOF\n", nst_health_ok(h));
}

NST_API nst_err
nst_health_print(const struct nst_health *h, enum nst_health_format fmt, char **out)
{
    struct hl_buf o = {0};

    if (!h || !out) {
        return NST_EINVAL;
    }
    switch (fmt) {
    case NST_HEALTH_TEXT:
        hl_print_text(h, &o);
        break;
    case NST_HEALTH_JSON:
        hl_print_json(h, &o);
        break;
    case NST_HEALTH_PROMETHEUS:
        hl_print_om(h, &o);
        break;
    default:
        return NST_EINVAL;
    }
    if (o.oom || !o.s) {
        nst_free(o.s);
        return NST_ENOMEM;
    }
    *out = o.s;
    return NST_OK;
}

NST_API size_t
nst_health_session_count(const struct nst_health *h)
{
    return h ? h->nsess : 0;
}

NST_API const char *
nst_health_message(const struct nst_health *h)
{
    return h ? h->message : "";
}

NST_API const char *
nst_health_session_summary(const struct nst_health *h, size_t i, char *buf, size_t len)
{
    const struct hl_sess *s;

    if (!h || i >= h->nsess || !buf || !len) {
        return NULL;
    }
    s = &h->sess[i];
    if (!s->reported) {
        snprintf(buf, len, "%s %s -> %s (%s): not reported, expected >= %u: %s%s%s", s->name,
                 s->device, s->peer, s->peer_name, s->min_rx, s->healthy ? "ok" : "FAIL",
                 s->why[0] ? ": " : "", s->why);
        return buf;
    }
    {
        char rx[24], acc[24];

        snprintf(rx, sizeof rx, s->received >= 0 ? "%lld" : "unknown", s->received);
        snprintf(acc, sizeof acc, s->accepted >= 0 ? "%lld" : "unknown", s->accepted);
        if (s->min_tx) {
            /* L3VPN: what the PE sends the site's router counts too. */
            char tx[24];

            snprintf(tx, sizeof tx, s->advertised >= 0 ? "%lld" : "unknown", s->advertised);
            snprintf(buf, len,
                     "%s %s -> %s (%s, VRF %s): %s, received %s, accepted %s, advertised %s, "
                     "expected >= %u and >= %u advertised: %s%s%s",
                     s->name, s->device, s->peer, s->peer_name, s->vrf, s->state, rx, acc, tx,
                     s->min_rx, s->min_tx, s->healthy ? "ok" : "FAIL", s->why[0] ? ": " : "",
                     s->why);
            return buf;
        }
        snprintf(buf, len, "%s %s -> %s (%s): %s, received %s, accepted %s, expected >= %u: %s%s%s",
                 s->name, s->device, s->peer, s->peer_name, s->state, rx, acc, s->min_rx,
                 s->healthy ? "ok" : "FAIL", s->why[0] ? ": " : "", s->why);
    }
    return buf;
}
