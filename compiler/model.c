/*
 * model.c: libyang tree -> struct m_service (see model.h).
 *
 * The tree has already passed libyang validation, so mandatory leaves exist,
 * leafrefs resolve and values are in range: this file does not re-check what the
 * schema guarantees, it only converts. Lists are counted first and allocated once in
 * the arena; references by name (a segment end's device, a hop's segment) become
 * pointers here, in dependency order: sites, devices, segments, then connections.
 *
 * Deliberately not here: any semantic judgement. That is check*.c.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "diag.h"
#include "lyutil.h"
#include "driver.h"
#include "model.h"
#include "srcmap.h"
#include "util.h"

#define MB_DEPTH 16

struct mb {
    struct nst_ctx *ctx;
    const struct srcmap *map;
    struct arena *arena;
    struct m_service *svc;
    nst_err err;
    /* src_path(): per depth (0: the top node), the node whose path ppath[] is (freed
     * with free()) */
    const struct lyd_node *pnode[MB_DEPTH];
    char *ppath[MB_DEPTH];
};

/* First child named @name, or NULL. */
static const struct lyd_node *
child(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *n;

    if (!parent) {
        return NULL;
    }
    LY_LIST_FOR(lyd_child(parent), n) {
        if (!strcmp(ly_node_name(n), name)) {
            return n;
        }
    }
    return NULL;
}

static size_t
count(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *n;
    size_t c = 0;

    LY_LIST_FOR(lyd_child(parent), n) {
        c += !strcmp(ly_node_name(n), name);
    }
    return c;
}

static const char *
str(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *n = child(parent, name);

    return n ? lyd_get_value(n) : NULL;
}

static uint64_t
num(const struct lyd_node *parent, const char *name)
{
    const char *s = str(parent, name);

    return s ? strtoull(s, NULL, 10) : 0;
}

/*
 * lyd_path(@node, LYD_PATH_STD) (freed with free()), from its parent's path, kept per
 * depth from earlier calls (and made the same way from its own parent's when it is not
 * there): the entities of the model come a few children at a time from the same parent,
 * and lyd_path() rebuilds every ancestor's step with its key predicates (8 000
 * instructions a path at 100 routers, 9% of a check; asking it for each new parent was
 * still 60 M instructions at 100 routers). The step is libyang's: the module name where
 * it changes, the list's keys in schema order as [key='value'] (with double quotes for a
 * value holding a single quote), a leaf-list entry's value as [.='value'] likewise.
 * Anything else (a list without keys, an opaque node, a top-level node, a node deeper
 * than MB_DEPTH) asks libyang.
 */
static char *src_path_at(struct mb *b, const struct lyd_node *node, size_t depth);

/* The path of @par at @depth, from the cache or made and kept there; NULL out of
 * memory. */
static const char *
src_parent_path(struct mb *b, const struct lyd_node *par, size_t depth)
{
    if (b->pnode[depth] != par) {
        free(b->ppath[depth]);
        b->pnode[depth] = NULL;
        b->ppath[depth] = src_path_at(b, par, depth);
        if (!b->ppath[depth]) {
            return NULL;
        }
        b->pnode[depth] = par;
    }
    return b->ppath[depth];
}

/* Append @n bytes of @s at *@end. */
static void
src_put(char **end, const char *s, size_t n)
{
    memcpy(*end, s, n);
    *end += n;
}

static char *
src_path_at(struct mb *b, const struct lyd_node *node, size_t depth)
{
    const struct lyd_node *par = lyd_parent(node), *k;
    const struct lysc_node *sn = node->schema;
    const char *ppath;
    size_t len, cap;
    char *p, *e;

    if (!depth || depth >= MB_DEPTH || !par || !sn || !par->schema ||
        !(sn->nodetype & (LYS_LEAF | LYS_LEAFLIST | LYS_CONTAINER | LYS_LIST)) ||
        (sn->nodetype == LYS_LIST && (sn->flags & LYS_KEYLESS))) {
        return lyd_path(node, LYD_PATH_STD, NULL, 0);
    }
    ppath = src_parent_path(b, par, depth - 1);
    if (!ppath) {
        return NULL;
    }
    len = strlen(ppath);
    cap = len + strlen(sn->module->name) + strlen(sn->name) + 3;
    if (sn->nodetype == LYS_LIST) {
        for (k = lyd_child(node); k && k->schema && (k->schema->flags & LYS_KEY); k = k->next) {
            cap += strlen(k->schema->name) + strlen(lyd_get_value(k)) + 6;
        }
    } else if (sn->nodetype == LYS_LEAFLIST) {
        cap += strlen(lyd_get_value(node)) + 6;
    }
    p = malloc(cap);
    if (!p) {
        return NULL;
    }
    e = p;
    src_put(&e, ppath, len);
    src_put(&e, "/", 1);
    if (sn->module != par->schema->module) {
        src_put(&e, sn->module->name, strlen(sn->module->name));
        src_put(&e, ":", 1);
    }
    src_put(&e, sn->name, strlen(sn->name));
    if (sn->nodetype == LYS_LIST) {
        for (k = lyd_child(node); k && k->schema && (k->schema->flags & LYS_KEY); k = k->next) {
            const char *v = lyd_get_value(k);
            char q = strchr(v, '\'') ? '"' : '\'';

            src_put(&e, "[", 1);
            src_put(&e, k->schema->name, strlen(k->schema->name));
            src_put(&e, "=", 1);
            src_put(&e, &q, 1);
            src_put(&e, v, strlen(v));
            src_put(&e, &q, 1);
            src_put(&e, "]", 1);
        }
    } else if (sn->nodetype == LYS_LEAFLIST) {
        /* An entry: [.='value'], quoted as a key is. */
        const char *v = lyd_get_value(node);
        char q = strchr(v, '\'') ? '"' : '\'';

        src_put(&e, "[.=", 3);
        src_put(&e, &q, 1);
        src_put(&e, v, strlen(v));
        src_put(&e, &q, 1);
        src_put(&e, "]", 1);
    }
    *e = '\0';
#ifdef NST_SRC_PATH_VERIFY
    {
        char *want = lyd_path(node, LYD_PATH_STD, NULL, 0);

        if (want && strcmp(want, p)) {
            fprintf(stderr, "src_path: %s != %s\n", p, want);
            abort();
        }
        free(want);
    }
#endif
    return p;
}

static char *
src_path(struct mb *b, const struct lyd_node *node)
{
    const struct lyd_node *n;
    size_t depth = 0;

    for (n = lyd_parent(node); n; n = lyd_parent(n)) {
        depth++;
    }
    return src_path_at(b, node, depth);
}

static void
src_of(struct mb *b, const struct lyd_node *node, struct m_src *src)
{
    char *p;

    if (!node) {
        return;
    }
    p = src_path(b, node);
    if (!p) {
        b->err = NST_ENOMEM;
        return;
    }
    src->path = arena_strdup(b->arena, p);
    if (!src->path) {
        b->err = NST_ENOMEM;
    }
    src->line = b->map ? srcmap_find(b->map, p) : 0;
    src->node = node;
    free(p);
}

static struct m_addr
ip_parse(const char *s)
{
    struct m_addr a;

    memset(&a, 0, sizeof a);
    if (s) {
        model_addr_parse(s, &a);
    }
    return a;
}

static void
prefix_of(struct mb *b, const struct lyd_node *node, struct m_prefix *p)
{
    const char *text = lyd_get_value(node);
    const char *slash = strchr(text, '/');
    char addr[64];
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);

    if (alen >= sizeof addr) {
        alen = sizeof addr - 1;
    }
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    p->addr = ip_parse(addr);
    p->len = slash ? (uint8_t)atoi(slash + 1) : (uint8_t)model_af_bits(p->addr.af);
    p->text = text;
    src_of(b, node, &p->src);
    p->host_bits = b->map && p->src.path && srcmap_host_bits(b->map, p->src.path);
}

/* Every leaf-list entry named @name under @parent into an arena array. */
static struct m_prefix *
prefixes(struct mb *b, const struct lyd_node *parent, const char *name, size_t *n)
{
    const struct lyd_node *c;
    struct m_prefix *arr;
    size_t i = 0;

    *n = count(parent, name);
    arr = arena_array(b->arena, *n, sizeof *arr);
    if (!arr) {
        b->err = NST_ENOMEM;
        *n = 0;
        return NULL;
    }
    LY_LIST_FOR(lyd_child(parent), c) {
        if (!strcmp(ly_node_name(c), name)) {
            prefix_of(b, c, &arr[i++]);
        }
    }
    return arr;
}

static enum m_tpid
tpid_parse(const char *s)
{
    if (!s) {
        return TPID_NONE;
    }
    if (!strcmp(s, "0x88a8")) {
        return TPID_88A8;
    }
    if (!strcmp(s, "0x9100")) {
        return TPID_9100;
    }
    return TPID_8100;
}

/* /intercloud/connection/hop/encapsulation/qinq-bundle (netstitch-qinq). Ranges are
 * kept as written; the checker reports reversed or overlapping ones. */
static void
encap_bundle(struct mb *b, const struct lyd_node *n, struct m_encap *e)
{
    struct m_vlan_range *r;
    const struct lyd_node *c;
    size_t k = 0, cnt = count(n, "c-vlan");

    e->kind = ENCAP_QINQ;
    e->bundle = true;
    e->outer = (uint16_t)num(n, "s-tag");
    e->tpid = tpid_parse(str(n, "tpid"));
    e->inner_tpid = tpid_parse(str(n, "inner-tpid"));
    e->all_cvlans = child(n, "all-c-vlans") != NULL;
    if (e->all_cvlans || !cnt) {
        e->inner = 1;
        return;
    }
    r = arena_array(b->arena, cnt, sizeof *r);
    if (!r) {
        b->err = NST_ENOMEM;
        return;
    }
    e->inner = 4095;
    LY_LIST_FOR(lyd_child(n), c) {
        const char *v, *dash;

        if (strcmp(ly_node_name(c), "c-vlan")) {
            continue;
        }
        v = lyd_get_value(c);
        dash = strchr(v, '-');
        r[k].lo = (uint16_t)strtoul(v, NULL, 10);
        r[k].hi = dash ? (uint16_t)strtoul(dash + 1, NULL, 10) : r[k].lo;
        if (r[k].lo < e->inner) {
            e->inner = r[k].lo;
        }
        k++;
    }
    e->cvlans = r;
    e->ncvlans = k;
}

static void
encap_of(struct mb *b, const struct lyd_node *enc, struct m_encap *e)
{
    const struct lyd_node *n;

    (void)b;
    e->kind = ENCAP_UNTAGGED;
    if (!enc) {
        return;
    }
    if ((n = child(enc, "dot1q"))) {
        e->kind = ENCAP_DOT1Q;
        e->outer = (uint16_t)num(n, "vlan");
        e->tpid = tpid_parse(str(n, "tpid"));
    } else if ((n = child(enc, "qinq"))) {
        e->kind = ENCAP_QINQ;
        e->outer = (uint16_t)num(n, "s-tag");
        e->inner = (uint16_t)num(n, "c-tag");
        e->tpid = tpid_parse(str(n, "tpid"));
    } else if ((n = child(enc, "vpls"))) {
        e->kind = ENCAP_VPLS;
        e->vpls = lyd_get_value(n);
    } else if ((n = child(enc, "qinq-bundle"))) {
        encap_bundle(b, n, e);
    }
}

static enum m_site_kind
site_kind(const char *s)
{
    static const struct {
        const char *n;
        enum m_site_kind k;
    } kinds[] = {
        {"on-premises", SITE_ON_PREMISES}, {"research-cloud", SITE_RESEARCH_CLOUD},
        {"backbone", SITE_BACKBONE},       {"partner", SITE_PARTNER},
        {"exchange", SITE_EXCHANGE},       {"aws", SITE_AWS},
        {"azure", SITE_AZURE},             {"gcp", SITE_GCP},
    };
    size_t i;

    for (i = 0; s && i < sizeof kinds / sizeof kinds[0]; i++) {
        if (!strcmp(kinds[i].n, s)) {
            return kinds[i].k;
        }
    }
    return SITE_ON_PREMISES;
}

/* /intercloud/site */
static void
build_site(struct mb *b, const struct lyd_node *n, struct m_site *s)
{
    const struct lyd_node *c;
    size_t i = 0;

    s->name = str(n, "name");
    s->kind_name = str(n, "kind");
    s->kind = site_kind(s->kind_name);
    s->asn = (uint32_t)num(n, "asn");
    src_of(b, n, &s->src);
    s->prefixes = prefixes(b, n, "prefix", &s->nprefixes);
    s->ntransit = count(n, "transit-subnet");
    s->transit = arena_array(b->arena, s->ntransit, sizeof *s->transit);
    s->transit_names = arena_array(b->arena, s->ntransit, sizeof *s->transit_names);
    if (!s->transit || !s->transit_names) {
        b->err = NST_ENOMEM;
        s->ntransit = 0;
        return;
    }
    LY_LIST_FOR(lyd_child(n), c) {
        if (!strcmp(ly_node_name(c), "transit-subnet")) {
            s->transit_names[i] = str(c, "name");
            prefix_of(b, child(c, "prefix"), &s->transit[i]);
            i++;
        }
    }
}

/* /intercloud/device */
static void
build_device(struct mb *b, const struct lyd_node *n, struct m_device *d)
{
    const struct lyd_node *c;
    size_t i = 0;

    d->name = str(n, "name");
    d->vendor_name = str(n, "vendor");
    d->platform = str(n, "platform");
    d->role = str(n, "role");
    d->site = str(n, "site") ? model_find_site(b->svc, str(n, "site")) : NULL;
    d->asn = (uint32_t)num(n, "asn");
    d->router_id = str(n, "router-id");
    d->drv = drv_find(d->vendor_name, d->platform);
    src_of(b, n, &d->src);
    d->nports = count(n, "port");
    d->ports = arena_array(b->arena, d->nports, sizeof *d->ports);
    if (!d->ports) {
        b->err = NST_ENOMEM;
        d->nports = 0;
        return;
    }
    LY_LIST_FOR(lyd_child(n), c) {
        struct m_port *p;

        if (strcmp(ly_node_name(c), "port")) {
            continue;
        }
        p = &d->ports[i++];
        p->name = str(c, "name");
        p->dev = d;
        p->bandwidth = num(c, "bandwidth");
        p->mtu = (uint32_t)num(c, "mtu");
        p->max_mtu = (uint32_t)num(c, "max-mtu");
        p->tpid = tpid_parse(str(c, "tpid"));
        p->description = str(c, "description");
        /* netstitch-exchange augments (child() matches by name in any module). */
        p->shared = child(c, "shared") != NULL;
        p->shared_mode = !str(c, "encapsulation-mode")                      ? 0
                         : !strcmp(str(c, "encapsulation-mode"), "dot1q") ? 1
                                                                          : 2;
        p->idx = b->svc->nports++;
        src_of(b, c, &p->src);
    }
}

static void
build_end(struct mb *b, const struct lyd_node *n, struct m_end *e)
{
    const struct lyd_node *a;

    src_of(b, n, &e->src);
    if (str(n, "device")) {
        e->dev = model_find_device(b->svc, str(n, "device"));
        e->port = e->dev ? model_find_port(e->dev, str(n, "port")) : NULL;
    } else {
        e->site = model_find_site(b->svc, str(n, "site"));
        e->node = str(n, "node");
    }
    if ((a = child(n, "address"))) {
        e->has_addr = true;
        e->addr_text = lyd_get_value(a);
        e->addr = ip_parse(e->addr_text);
        src_of(b, a, &e->addr_src);
    }
    if ((a = child(n, "ipv6-address"))) {
        e->has_addr6 = true;
        e->addr6_text = lyd_get_value(a);
        e->addr6 = ip_parse(e->addr6_text);
        src_of(b, a, &e->addr6_src);
    }
}

/* /intercloud/segment */
static void
build_segment(struct mb *b, const struct lyd_node *n, struct m_segment *s)
{
    const struct lyd_node *c;
    const char *kind = str(n, "kind");

    s->name = str(n, "name");
    s->kind = kind && !strcmp(kind, "mpls-core") ? SEG_MPLS_CORE : SEG_ETHERNET;
    src_of(b, n, &s->src);
    build_end(b, child(n, "a"), &s->end[0]);
    build_end(b, child(n, "b"), &s->end[1]);
    s->owner = str(n, "owner") ? model_find_site(b->svc, str(n, "owner")) : NULL;
    s->mtu = (uint32_t)num(n, "mtu");
    s->mtu_is_ip = str(n, "mtu-meaning") && !strcmp(str(n, "mtu-meaning"), "ip");
    s->bandwidth = num(n, "bandwidth");
    if ((c = child(n, "subnet"))) {
        s->has_subnet = true;
        prefix_of(b, c, &s->subnet);
    }
    if ((c = child(n, "ipv6-subnet"))) {
        s->has_subnet6 = true;
        prefix_of(b, c, &s->subnet6);
    }
}

static int
hop_cmp(const void *x, const void *y)
{
    const struct m_hop *a = x, *b = y;

    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* /intercloud/connection/vpls */
static void
build_vpls(struct mb *b, const struct lyd_node *n, struct m_vpls *v)
{
    const struct lyd_node *c;
    const char *sig = str(n, "signalling");
    size_t i = 0;

    v->name = str(n, "name");
    v->signalling = sig && !strcmp(sig, "bgp") ? SIG_BGP : SIG_LDP;
    v->vpls_id = (uint32_t)num(n, "vpls-id");
    v->route_target = str(n, "route-target");
    src_of(b, n, &v->src);
    v->rt_src = v->src;
    src_of(b, child(n, "route-target"), &v->rt_src);
    v->nmembers = count(n, "member");
    v->members = arena_array(b->arena, v->nmembers, sizeof *v->members);
    if (!v->members) {
        b->err = NST_ENOMEM;
        v->nmembers = 0;
        return;
    }
    LY_LIST_FOR(lyd_child(n), c) {
        struct m_vpls_member *m;

        if (strcmp(ly_node_name(c), "member")) {
            continue;
        }
        m = &v->members[i++];
        m->dev = model_find_device(b->svc, str(c, "device"));
        m->port = m->dev ? model_find_port(m->dev, str(c, "port")) : NULL;
        encap_of(b, child(c, "encapsulation"), &m->encap);
        m->ve_id = (uint16_t)num(c, "ve-id");
        src_of(b, c, &m->src);
    }
}

/* An interface address written ADDRESS/LENGTH (the schema's patterns guarantee the form)
 * into @a, its canonical text @text and the link @net (its network, length and text, at
 * @src). False, with nothing set, when the address is not of family @af. */
static bool
build_link_addr(struct mb *b, const char *spec, enum m_af af, struct m_addr *a, const char **text,
                struct m_prefix *net, const struct m_src *src)
{
    const char *slash = strchr(spec, '/');
    size_t alen = slash ? (size_t)(slash - spec) : strlen(spec);
    char addr[64], buf[64], ntext[80];

    if (alen >= sizeof addr) {
        alen = sizeof addr - 1;
    }
    memcpy(addr, spec, alen);
    addr[alen] = '\0';
    *a = ip_parse(addr);
    if (a->af != af) {
        return false;
    }
    /* The canonical text (libyang does not canonicalise a plain string). */
    *text = arena_strdup(b->arena, model_addr_str(a, buf, sizeof buf));
    net->len = slash ? (uint8_t)atoi(slash + 1) : (af == M_AF_V6 ? 128 : 32);
    model_addr_span(a, net->len, false, &net->addr);
    snprintf(ntext, sizeof ntext, "%s/%u", model_addr_str(&net->addr, buf, sizeof buf), net->len);
    net->text = arena_strdup(b->arena, ntext);
    net->src = *src;
    if (!*text || !net->text) {
        b->err = NST_ENOMEM;
    }
    return true;
}

/* The IPv6 side of a dual-stack l3vpn circuit (pe-ipv6-address, ce-ipv6-address). */
static void
build_mp_routing6(struct mb *b, const struct lyd_node *n, struct m_mp_routing *r)
{
    const char *pe = str(n, "pe-ipv6-address");

    r->pe6_src = r->src;
    r->ce6_src = r->src;
    src_of(b, child(n, "pe-ipv6-address"), &r->pe6_src);
    src_of(b, child(n, "ce-ipv6-address"), &r->ce6_src);
    r->ce6_text = str(n, "ce-ipv6-address");
    if (r->ce6_text) {
        r->ce6 = ip_parse(r->ce6_text);
    }
    if (pe && !build_link_addr(b, pe, M_AF_V6, &r->pe6, &r->pe6_text, &r->subnet6, &r->pe6_src)) {
        r->pe6.af = M_AF_NONE;
    }
}

/* /intercloud/multipoint/attachment-circuit/routing (netstitch-multipoint, l3vpn) */
static void
build_mp_routing(struct mb *b, const struct lyd_node *n, struct m_mp_routing *r)
{
    const char *pe = str(n, "pe-address");

    r->set = true;
    src_of(b, n, &r->src);
    src_of(b, child(n, "pe-address"), &r->pe_src);
    src_of(b, child(n, "ce-address"), &r->ce_src);
    src_of(b, child(n, "ce-asn"), &r->ce_asn_src);
    r->max_prefix_src = r->src;
    src_of(b, child(n, "max-prefix"), &r->max_prefix_src);
    r->ce_text = str(n, "ce-address");
    r->ce = ip_parse(r->ce_text);
    r->ce_asn = (uint32_t)num(n, "ce-asn");
    r->auth_key_ref = str(n, "auth-key-ref");
    r->max_prefix = (uint32_t)num(n, "max-prefix");
    r->limit_threshold = M_LIMIT_THRESHOLD;
    r->limit_restart = M_LIMIT_RESTART;
    build_mp_routing6(b, n, r);
    if (pe) { /* mandatory: else the schema reported it */
        build_link_addr(b, pe, M_AF_V4, &r->pe, &r->pe_text, &r->subnet, &r->pe_src);
    }
}

/* /intercloud/multipoint (netstitch-multipoint) */
static void
build_mp(struct mb *b, const struct lyd_node *n, struct m_mp *v)
{
    const struct lyd_node *c;
    const char *sig = str(n, "signalling"), *topo = str(n, "topology"), *kind = str(n, "kind");
    size_t i = 0;

    v->name = str(n, "name");
    v->kind = kind && !strcmp(kind, "l3vpn") ? MP_L3VPN : MP_L2VPN;
    v->vpn_id = (uint32_t)num(n, "vpn-id");
    v->ip_mtu = (uint32_t)num(n, "ip-mtu");
    v->topology = topo && !strcmp(topo, "hub-and-spoke") ? MP_HUB_AND_SPOKE : MP_FULL_MESH;
    v->signalling = sig && !strcmp(sig, "bgp") ? SIG_BGP : SIG_LDP;
    v->vpls_id = (uint32_t)num(n, "vpls-id");
    v->route_target = str(n, "route-target");
    src_of(b, n, &v->src);
    v->rt_src = v->src;
    src_of(b, child(n, "route-target"), &v->rt_src);
    v->nacs = count(n, "attachment-circuit");
    v->acs = arena_array(b->arena, v->nacs ? v->nacs : 1, sizeof *v->acs);
    if (!v->acs) {
        b->err = NST_ENOMEM;
        v->nacs = 0;
        return;
    }
    LY_LIST_FOR(lyd_child(n), c) {
        struct m_mp_ac *a;
        const char *role;

        if (strcmp(ly_node_name(c), "attachment-circuit")) {
            continue;
        }
        a = &v->acs[i++];
        a->name = str(c, "name");
        a->site = model_find_site(b->svc, str(c, "site"));
        a->dev = model_find_device(b->svc, str(c, "device"));
        a->port = a->dev ? model_find_port(a->dev, str(c, "port")) : NULL;
        encap_of(b, child(c, "encapsulation"), &a->encap);
        role = str(c, "role");
        a->hub = role && !strcmp(role, "hub");
        a->ve_id = (uint16_t)num(c, "ve-id");
        src_of(b, c, &a->src);
        a->encap_src = a->src;
        src_of(b, child(c, "encapsulation"), &a->encap_src);
        if (child(c, "routing")) {
            build_mp_routing(b, child(c, "routing"), &a->routing);
        }
    }
    v->vpls.name = v->name;
    v->vpls.signalling = v->signalling;
    v->vpls.vpls_id = v->vpls_id;
    v->vpls.route_target = v->route_target;
    v->vpls.src = v->src;
    v->vpls.rt_src = v->rt_src;
    v->vpls.nmembers = v->nacs;
    v->vpls.members = arena_array(b->arena, v->nacs ? v->nacs : 1, sizeof *v->vpls.members);
    if (!v->vpls.members) {
        b->err = NST_ENOMEM;
        v->vpls.nmembers = 0;
        return;
    }
    for (i = 0; i < v->nacs; i++) {
        v->vpls.members[i].dev = v->acs[i].dev;
        v->vpls.members[i].port = v->acs[i].port;
        v->vpls.members[i].encap = v->acs[i].encap;
        v->vpls.members[i].ve_id = v->acs[i].ve_id;
        v->vpls.members[i].src = v->acs[i].src;
    }
}

/* Every leaf-list entry named @name under @parent as strings. */
static void
communities(struct mb *b, const struct lyd_node *parent, const char *name,
            struct m_communities *out)
{
    const struct lyd_node *c;
    size_t i = 0;

    out->n = parent ? count(parent, name) : 0;
    if (!out->n) {
        return;
    }
    out->v = arena_array(b->arena, out->n, sizeof *out->v);
    if (!out->v) {
        b->err = NST_ENOMEM;
        out->n = 0;
        return;
    }
    LY_LIST_FOR(lyd_child(parent), c) {
        if (!strcmp(ly_node_name(c), name)) {
            if (!i) {
                src_of(b, c, &out->src);
            }
            out->v[i++] = lyd_get_value(c);
        }
    }
}

static bool
flag(const struct lyd_node *parent, const char *name)
{
    const char *v = str(parent, name);

    return v && !strcmp(v, "true");
}

/* The IPv6 and knob parts of a session (revision 2026-12-06). */
static void
build_bgp_knobs(struct mb *b, const struct lyd_node *n, struct m_bgp *s)
{
    const struct lyd_node *c, *x;

    s->afs = 0;
    x = NULL;
    LY_LIST_FOR(lyd_child(n), c) {
        if (!strcmp(ly_node_name(c), "address-family")) {
            unsigned bit = !strcmp(lyd_get_value(c), "ipv6-unicast") ? M_AFS_V6 : M_AFS_V4;

            /* Diagnostics point at the family the transport does not give, if any. */
            if (!x || bit != (s->subnet.addr.af == M_AF_V6 ? M_AFS_V6 : M_AFS_V4)) {
                x = c;
            }
            s->afs_set = true;
            s->afs |= bit;
        }
    }
    if (x) {
        src_of(b, x, &s->afs_src);
    }
    if (!s->afs_set) {
        s->afs = s->subnet.addr.af == M_AF_V6 ? M_AFS_V6 : M_AFS_V4;
        s->afs_src = s->subnet.src;
    }
    if ((c = child(n, "ipv6")) && lyd_child(c)) {
        s->has_nh6 = true;
        src_of(b, c, &s->nh6_src);
        if ((x = child(c, "link-subnet"))) {
            prefix_of(b, x, &s->nh6_subnet);
        }
        if ((x = child(c, "local-address"))) {
            s->nh6_local_text = lyd_get_value(x);
            s->nh6_local = ip_parse(s->nh6_local_text);
            src_of(b, x, &s->nh6_local_src);
        }
        if ((x = child(c, "peer-address"))) {
            s->nh6_peer_text = lyd_get_value(x);
            s->nh6_peer = ip_parse(s->nh6_peer_text);
            src_of(b, x, &s->nh6_peer_src);
        }
    }
    s->local_as_no_prepend = flag(n, "local-as-no-prepend");
    s->local_as_replace_as = flag(n, "local-as-replace-as");
    x = NULL;
    LY_LIST_FOR(lyd_child(n), c) {
        if ((!strcmp(ly_node_name(c), "local-as-no-prepend") ||
             !strcmp(ly_node_name(c), "local-as-replace-as")) &&
            !(c->flags & LYD_DEFAULT) && !x) {
            x = c;
        }
    }
    src_of(b, x ? x : child(n, "local-asn"), &s->local_as_src);
    s->limit_threshold = M_LIMIT_THRESHOLD;
    s->limit_restart = M_LIMIT_RESTART;
    if ((c = child(n, "prefix-limit"))) {
        s->max_prefix_v4 = (uint32_t)num(c, "ipv4-unicast");
        s->max_prefix_v6 = (uint32_t)num(c, "ipv6-unicast");
        if (str(c, "threshold")) {
            s->limit_threshold = (uint8_t)num(c, "threshold");
        }
        if ((x = child(c, "restart"))) {
            s->limit_restart = (uint16_t)num(c, "restart");
            s->limit_restart_set = !(x->flags & LYD_DEFAULT);
        }
        /* Validation adds the container with its defaults: only a written one counts. */
        if (!(c->flags & LYD_DEFAULT)) {
            src_of(b, c, &s->limit_src);
        }
    }
    if ((c = child(n, "bfd"))) {
        s->bfd = true;
        s->bfd_interval = str(c, "interval") ? (uint32_t)num(c, "interval") : 300;
        s->bfd_multiplier = str(c, "multiplier") ? (uint8_t)num(c, "multiplier") : 3;
        src_of(b, c, &s->bfd_src);
    }
    if ((c = child(n, "ebgp-multihop"))) {
        s->multihop = (uint8_t)num(n, "ebgp-multihop");
        src_of(b, c, &s->multihop_src);
    }
    if ((c = child(n, "export"))) {
        s->prepend = (uint8_t)num(c, "as-path-prepend");
        s->has_med = child(c, "med") != NULL;
        s->med = (uint32_t)num(c, "med");
        src_of(b, c, &s->export_src);
        communities(b, c, "community", &s->export_comm);
        communities(b, c, "large-community", &s->export_large);
    }
    if ((c = child(n, "import"))) {
        communities(b, c, "community", &s->import_comm);
        communities(b, c, "large-community", &s->import_large);
    }
}

/* /intercloud/connection/bgp-session */
static void
build_bgp(struct mb *b, const struct lyd_node *n, struct m_bgp *s)
{
    s->name = str(n, "name");
    s->dev = model_find_device(b->svc, str(n, "device"));
    s->port = s->dev ? model_find_port(s->dev, str(n, "port")) : NULL;
    prefix_of(b, child(n, "link-subnet"), &s->subnet);
    s->local_text = str(n, "local-address");
    s->local = ip_parse(s->local_text);
    s->peer_text = str(n, "peer-address");
    s->peer = ip_parse(s->peer_text);
    s->local_asn_set = child(n, "local-asn") != NULL;
    s->local_asn = s->local_asn_set ? (uint32_t)num(n, "local-asn") : (s->dev ? s->dev->asn : 0);
    s->peer_asn = (uint32_t)num(n, "peer-asn");
    s->peer_dev = str(n, "peer-device") ? model_find_device(b->svc, str(n, "peer-device")) : NULL;
    s->peer_site = str(n, "peer-site") ? model_find_site(b->svc, str(n, "peer-site")) : NULL;
    s->announce = prefixes(b, n, "announce", &s->nannounce);
    s->accept = prefixes(b, n, "accept", &s->naccept);
    s->max_prefix = (uint32_t)num(n, "max-prefix");
    s->auth_key_ref = str(n, "auth-key-ref");
    src_of(b, n, &s->src);
    src_of(b, child(n, "local-address"), &s->local_src);
    src_of(b, child(n, "peer-address"), &s->peer_src);
    src_of(b, child(n, "peer-asn"), &s->peer_asn_src);
    src_of(b, child(n, "link-subnet"), &s->subnet_src);
    src_of(b, child(n, "port"), &s->port_src);
    build_bgp_knobs(b, n, s);
}

/* /intercloud/connection */
static void
build_conn(struct mb *b, const struct lyd_node *n, struct m_conn *c)
{
    const struct lyd_node *x;
    size_t ih = 0, is = 0, iv = 0, ib = 0, ie = 0;

    c->name = str(n, "name");
    c->ip_mtu = (uint32_t)num(n, "ip-mtu");
    c->bandwidth = num(n, "bandwidth");
    src_of(b, n, &c->src);
    c->nendpoints = count(n, "endpoint");
    c->nhops = count(n, "hop");
    c->nstitches = count(n, "stitch");
    c->nvpls = count(n, "vpls");
    c->nbgp = count(n, "bgp-session");
    c->endpoints = arena_array(b->arena, c->nendpoints, sizeof *c->endpoints);
    c->hops = arena_array(b->arena, c->nhops, sizeof *c->hops);
    c->stitches = arena_array(b->arena, c->nstitches, sizeof *c->stitches);
    c->vpls = arena_array(b->arena, c->nvpls, sizeof *c->vpls);
    c->bgp = arena_array(b->arena, c->nbgp, sizeof *c->bgp);
    if (!c->endpoints || !c->hops || !c->stitches || !c->vpls || !c->bgp) {
        b->err = NST_ENOMEM;
        c->nendpoints = c->nhops = c->nstitches = c->nvpls = c->nbgp = 0;
        return;
    }
    LY_LIST_FOR(lyd_child(n), x) {
        const char *name = ly_node_name(x);

        if (!strcmp(name, "endpoint")) {
            c->endpoints[ie++] = model_find_site(b->svc, lyd_get_value(x));
        } else if (!strcmp(name, "hop")) {
            struct m_hop *h = &c->hops[ih++];

            h->seq = (uint16_t)num(x, "seq");
            h->seg = model_find_segment(b->svc, str(x, "segment"));
            encap_of(b, child(x, "encapsulation"), &h->encap);
            src_of(b, x, &h->src);
            src_of(b, child(x, "encapsulation"), &h->encap_src);
            if (!h->encap_src.path) {
                h->encap_src = h->src;
            }
        } else if (!strcmp(name, "vpls")) {
            build_vpls(b, x, &c->vpls[iv++]);
        } else if (!strcmp(name, "bgp-session")) {
            c->bgp[ib].conn = c;
            build_bgp(b, x, &c->bgp[ib++]);
        }
    }
    /* Hops are kept in seq order: the path is read in that order everywhere. */
    qsort(c->hops, c->nhops, sizeof *c->hops, hop_cmp);
    LY_LIST_FOR(lyd_child(n), x) {
        struct m_stitch *s;
        const char *kind;

        if (strcmp(ly_node_name(x), "stitch")) {
            continue;
        }
        s = &c->stitches[is++];
        s->dev = model_find_device(b->svc, str(x, "device"));
        s->from = model_find_hop(c, (uint16_t)num(x, "from-hop"));
        s->to = model_find_hop(c, (uint16_t)num(x, "to-hop"));
        kind = str(x, "kind");
        s->kind = kind && !strcmp(kind, "route") ? STITCH_ROUTE : STITCH_REWRITE;
        src_of(b, x, &s->src);
    }
    c->nendpoints = ie;
}

/*
 * Name indexes: every reference by name (a segment end's device, a hop's segment, a
 * session's peer site) is looked up while the model is built and again by the checks.
 * A linear scan per lookup made loading quadratic: at 1000 routers, 10000 connections
 * and 5000 segments, a third of `netstitch check` went to strcmp (docs/PERFORMANCE.md).
 * Open addressing over FNV-1a, at most half full; slots hold the entry's index + 1.
 */
struct m_name_index {
    size_t mask;
    uint32_t *slots;
};


/* The name of entry @i of an array of @stride-byte structs whose name is at @off. */
static const char *
name_at(const void *base, size_t stride, size_t off, size_t i)
{
    return *(const char *const *)(const void *)((const char *)base + i * stride + off);
}

static const struct m_name_index *
index_build(struct mb *b, const void *base, size_t n, size_t stride, size_t off)
{
    struct m_name_index *x;
    size_t cap = 16, i, k;

    if (b->err || n > UINT32_MAX / 4) {
        return NULL;
    }
    while (cap < 2 * n) {
        cap *= 2;
    }
    x = arena_alloc(b->arena, sizeof *x);
    if (x) {
        x->slots = arena_array(b->arena, cap, sizeof *x->slots);
    }
    if (!x || !x->slots) {
        b->err = NST_ENOMEM;
        return NULL;
    }
    memset(x->slots, 0, cap * sizeof *x->slots);
    x->mask = cap - 1;
    for (i = 0; i < n; i++) {
        const char *name = name_at(base, stride, off, i);

        if (!name) {
            continue;
        }
        /* Keys are unique (libyang validated them); keep the first anyway. */
        for (k = util_fnv1a64_str(name) & x->mask; x->slots[k]; k = (k + 1) & x->mask) {
            if (!strcmp(name_at(base, stride, off, x->slots[k] - 1), name)) {
                break;
            }
        }
        if (!x->slots[k]) {
            x->slots[k] = (uint32_t)i + 1;
        }
    }
    return x;
}

/* The index of the entry named @name, or -1; a linear scan without an index. */
static long
index_find(const struct m_name_index *x, const void *base, size_t n, size_t stride, size_t off,
           const char *name)
{
    size_t k;

    if (!name) {
        return -1;
    }
    if (!x) {
        for (k = 0; k < n; k++) {
            if (name_at(base, stride, off, k) && !strcmp(name_at(base, stride, off, k), name)) {
                return (long)k;
            }
        }
        return -1;
    }
    for (k = util_fnv1a64_str(name) & x->mask; x->slots[k]; k = (k + 1) & x->mask) {
        if (!strcmp(name_at(base, stride, off, x->slots[k] - 1), name)) {
            return (long)x->slots[k] - 1;
        }
    }
    return -1;
}

#define BUILD_LIST(b, top, name, arr, narr, fn) \
    do { \
        const struct lyd_node *n_; \
        size_t i_ = 0; \
        (narr) = count((top), (name)); \
        (arr) = arena_array((b)->arena, (narr), sizeof *(arr)); \
        if (!(arr)) { \
            (b)->err = NST_ENOMEM; \
            (narr) = 0; \
            break; \
        } \
        LY_LIST_FOR(lyd_child(top), n_) { \
            if (!strcmp(ly_node_name(n_), (name))) { \
                fn((b), n_, &(arr)[i_++]); \
            } \
        } \
    } while (0)

nst_err
model_build(struct nst_ctx *ctx, const struct lyd_node *tree, const struct srcmap *map,
            const char *file, struct arena *arena, struct m_service **out)
{
    struct mb b;
    const struct lyd_node *top = NULL, *n;
    struct diag_loc loc = {file, 1, NULL, NULL};
    size_t i;

    memset(&b, 0, sizeof b);
    b.ctx = ctx;
    b.map = map;
    b.arena = arena;

    LY_LIST_FOR(tree, n) {
        if (!strcmp(ly_node_name(n), "intercloud") &&
            !strcmp(n->schema->module->name, "netstitch-intercloud")) {
            top = n;
        }
    }
    if (!top) {
        return diag_add(ctx, DIAG_NO_SERVICE, &loc) ? NST_ENOMEM : NST_EINPUT;
    }
    b.svc = arena_alloc(arena, sizeof *b.svc);
    if (!b.svc) {
        return NST_ENOMEM;
    }
    b.svc->file = arena_strdup(arena, file);
    /* Order matters: later lists refer to earlier ones by pointer. */
    BUILD_LIST(&b, top, "site", b.svc->sites, b.svc->nsites, build_site);
    b.svc->site_index = index_build(&b, b.svc->sites, b.svc->nsites, sizeof *b.svc->sites,
                                    offsetof(struct m_site, name));
    BUILD_LIST(&b, top, "device", b.svc->devices, b.svc->ndevices, build_device);
    b.svc->device_index = index_build(&b, b.svc->devices, b.svc->ndevices,
                                      sizeof *b.svc->devices, offsetof(struct m_device, name));
    BUILD_LIST(&b, top, "segment", b.svc->segments, b.svc->nsegments, build_segment);
    b.svc->segment_index = index_build(&b, b.svc->segments, b.svc->nsegments,
                                       sizeof *b.svc->segments, offsetof(struct m_segment, name));
    BUILD_LIST(&b, top, "connection", b.svc->conns, b.svc->nconns, build_conn);
    BUILD_LIST(&b, top, "multipoint", b.svc->mps, b.svc->nmps, build_mp);
    for (i = 0; i < MB_DEPTH; i++) {
        free(b.ppath[i]);
    }
    if (b.err) {
        return b.err;
    }
    *out = b.svc;
    return NST_OK;
}

struct m_device *
model_find_device(const struct m_service *svc, const char *name)
{
    long i = index_find(svc->device_index, svc->devices, svc->ndevices, sizeof *svc->devices,
                        offsetof(struct m_device, name), name);

    return i < 0 ? NULL : &svc->devices[i];
}

struct m_site *
model_find_site(const struct m_service *svc, const char *name)
{
    long i = index_find(svc->site_index, svc->sites, svc->nsites, sizeof *svc->sites,
                        offsetof(struct m_site, name), name);

    return i < 0 ? NULL : &svc->sites[i];
}

struct m_segment *
model_find_segment(const struct m_service *svc, const char *name)
{
    long i = index_find(svc->segment_index, svc->segments, svc->nsegments,
                        sizeof *svc->segments, offsetof(struct m_segment, name), name);

    return i < 0 ? NULL : &svc->segments[i];
}

struct m_port *
model_find_port(const struct m_device *dev, const char *name)
{
    size_t i;

    for (i = 0; name && i < dev->nports; i++) {
        if (!strcmp(dev->ports[i].name, name)) {
            return &dev->ports[i];
        }
    }
    return NULL;
}

struct m_hop *
model_find_hop(const struct m_conn *conn, uint16_t seq)
{
    size_t i;

    for (i = 0; i < conn->nhops; i++) {
        if (conn->hops[i].seq == seq) {
            return &conn->hops[i];
        }
    }
    return NULL;
}

const char *
model_tpid_str(enum m_tpid tpid)
{
    switch (tpid) {
    case TPID_NONE:
        return "none";
    case TPID_8100:
        return "0x8100";
    case TPID_88A8:
        return "0x88a8";
    case TPID_9100:
        return "0x9100";
    }
    return "?";
}

const char *
model_encap_str(const struct m_encap *e, char *buf, size_t len)
{
    switch (e->kind) {
    case ENCAP_UNTAGGED:
        snprintf(buf, len, "untagged");
        break;
    case ENCAP_DOT1Q:
        if (e->tpid == TPID_8100) {
            snprintf(buf, len, "dot1q %u", e->outer);
        } else {
            snprintf(buf, len, "dot1q %s %u", model_tpid_str(e->tpid), e->outer);
        }
        break;
    case ENCAP_QINQ:
        if (e->bundle) {
            size_t i, n;

            n = (size_t)snprintf(buf, len, "QinQ %s %u/", model_tpid_str(e->tpid), e->outer);
            if (e->all_cvlans) {
                snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, "*");
            }
            for (i = 0; !e->all_cvlans && i < e->ncvlans && n < len; i++) {
                n += (size_t)(e->cvlans[i].lo == e->cvlans[i].hi
                                  ? snprintf(buf + n, len - n, "%s%u", i ? "," : "",
                                             e->cvlans[i].lo)
                                  : snprintf(buf + n, len - n, "%s%u-%u", i ? "," : "",
                                             e->cvlans[i].lo, e->cvlans[i].hi));
            }
            break;
        }
        snprintf(buf, len, "QinQ %s %u/%u", model_tpid_str(e->tpid), e->outer, e->inner);
        break;
    case ENCAP_VPLS:
        snprintf(buf, len, "VPLS %s", e->vpls);
        break;
    }
    return buf;
}

unsigned
model_encap_tags(const struct m_encap *e)
{
    switch (e->kind) {
    case ENCAP_DOT1Q:
        return 1;
    case ENCAP_QINQ:
        return 2;
    case ENCAP_UNTAGGED:
    case ENCAP_VPLS:
        break;
    }
    return 0;
}

bool
model_cvlans_equal(const struct m_encap *a, const struct m_encap *b)
{
    size_t i;

    if (a->all_cvlans != b->all_cvlans || a->ncvlans != b->ncvlans ||
        a->inner_tpid != b->inner_tpid) {
        return false;
    }
    for (i = 0; i < a->ncvlans; i++) {
        if (a->cvlans[i].lo != b->cvlans[i].lo || a->cvlans[i].hi != b->cvlans[i].hi) {
            return false;
        }
    }
    return true;
}

bool
model_encap_equal(const struct m_encap *a, const struct m_encap *b)
{
    if (a->kind != b->kind) {
        return false;
    }
    switch (a->kind) {
    case ENCAP_UNTAGGED:
        return true;
    case ENCAP_DOT1Q:
        return a->outer == b->outer && a->tpid == b->tpid;
    case ENCAP_QINQ:
        return a->outer == b->outer && a->inner == b->inner && a->tpid == b->tpid &&
               a->bundle == b->bundle && model_cvlans_equal(a, b);
    case ENCAP_VPLS:
        return a->vpls && b->vpls && !strcmp(a->vpls, b->vpls);
    }
    return false;
}

bool
model_addr_parse(const char *text, struct m_addr *out)
{
    struct m_addr a;

    memset(&a, 0, sizeof a);
    if (strchr(text, ':')) {
        if (inet_pton(AF_INET6, text, a.b) != 1) {
            return false;
        }
        a.af = M_AF_V6;
    } else {
        if (inet_pton(AF_INET, text, a.b) != 1) {
            return false;
        }
        a.af = M_AF_V4;
    }
    *out = a;
    return true;
}

int
model_addr_cmp(const struct m_addr *a, const struct m_addr *b)
{
    if (a->af != b->af) {
        return a->af < b->af ? -1 : 1;
    }
    return memcmp(a->b, b->b, sizeof a->b);
}

bool
model_addr_equal(const struct m_addr *a, const struct m_addr *b)
{
    return !model_addr_cmp(a, b);
}

unsigned
model_af_bits(enum m_af af)
{
    return af == M_AF_V6 ? 128 : 32;
}

void
model_addr_span(const struct m_addr *a, unsigned len, bool last, struct m_addr *out)
{
    unsigned bits = model_af_bits((enum m_af)a->af), i;
    struct m_addr r = *a;

    for (i = 0; i < bits / 8; i++) {
        unsigned keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;
        uint8_t mask = keep ? (uint8_t)(0xffu << (8 - keep)) : 0;

        r.b[i] = last ? (uint8_t)(r.b[i] | (uint8_t)~mask) : (uint8_t)(r.b[i] & mask);
    }
    *out = r;
}

bool
model_addr_in(const struct m_addr *a, const struct m_prefix *p)
{
    struct m_addr x, y;

    if (a->af != p->addr.af) {
        return false;
    }
    model_addr_span(a, p->len, false, &x);
    model_addr_span(&p->addr, p->len, false, &y);
    return model_addr_equal(&x, &y);
}

bool
model_prefix_inside(const struct m_prefix *in, const struct m_prefix *outer)
{
    return in->len >= outer->len && model_addr_in(&in->addr, outer);
}

nst_err
model_bgp_by_dev(const struct m_service *svc, struct m_bgp_by_dev *x)
{
    size_t i, j, n = 0, nd = svc->ndevices, *fill;

    for (i = 0; i < svc->nconns; i++) {
        n += svc->conns[i].nbgp;
    }
    x->list = nst_malloc((n ? n : 1) * sizeof *x->list);
    x->start = nst_calloc(nd + 1, sizeof *x->start);
    fill = nst_malloc((nd ? nd : 1) * sizeof *fill);
    if (!x->list || !x->start || !fill) {
        nst_free(fill);
        model_bgp_by_dev_free(x);
        return NST_ENOMEM;
    }
    /* Counts in [i + 1], prefix sums, then each session at its device's next slot. */
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            if (svc->conns[i].bgp[j].dev) {
                x->start[(size_t)(svc->conns[i].bgp[j].dev - svc->devices) + 1]++;
            }
        }
    }
    for (i = 0; i < nd; i++) {
        x->start[i + 1] += x->start[i];
        fill[i] = x->start[i];
    }
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            const struct m_bgp *t = &svc->conns[i].bgp[j];

            if (t->dev) {
                x->list[fill[t->dev - svc->devices]++] = t;
            }
        }
    }
    nst_free(fill);
    return NST_OK;
}

void
model_bgp_by_dev_free(struct m_bgp_by_dev *x)
{
    nst_free(x->list);
    nst_free(x->start);
    x->list = NULL;
    x->start = NULL;
}

bool
model_bgp_learned_elsewhere(const struct m_service *svc, const struct m_bgp_by_dev *x,
                            const struct m_device *d, const struct m_bgp *self,
                            const struct m_prefix *p)
{
    size_t i = (size_t)(d - svc->devices), j, k;

    for (j = x->start[i]; j < x->start[i + 1]; j++) {
        const struct m_bgp *t = x->list[j];

        if (t == self) {
            continue;
        }
        for (k = 0; k < t->naccept; k++) {
            if (model_prefix_inside(p, &t->accept[k])) {
                return true;
            }
        }
    }
    return false;
}

bool
model_prefix_host_bits(const struct m_prefix *p)
{
    struct m_addr net;

    if (p->host_bits) {
        return true;
    }
    model_addr_span(&p->addr, p->len, false, &net);
    return !model_addr_equal(&net, &p->addr);
}

const char *
model_af_str(enum m_af af)
{
    return af == M_AF_V6 ? "IPv6" : "IPv4";
}

const char *
model_addr_str(const struct m_addr *a, char *buf, size_t len)
{
    if (!inet_ntop(a->af == M_AF_V6 ? AF_INET6 : AF_INET, a->b, buf, (socklen_t)len)) {
        snprintf(buf, len, "?");
    }
    return buf;
}

const char *
model_ip_str(uint32_t addr, char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
             addr & 0xff);
    return buf;
}

const struct m_end *
model_seg_end_on(const struct m_segment *seg, const struct m_device *dev)
{
    if (!seg || !dev) {
        return NULL;
    }
    if (seg->end[0].dev == dev) {
        return &seg->end[0];
    }
    if (seg->end[1].dev == dev) {
        return &seg->end[1];
    }
    return NULL;
}
