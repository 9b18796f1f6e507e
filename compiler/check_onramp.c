/*
 * check_onramp.c: cloud on-ramp profiles.
 *
 * Every cloud sets its own rules for the BGP hand-off into its network: which ASN its
 * side uses, which customer ASNs it refuses, how the hand-off is tagged, which IP MTUs
 * it offers, how many prefixes a session may announce, the size and place of the
 * peering subnet and which end takes which address, and how many sessions (legs) it
 * wants for redundancy. Those rules are data, not code: yang/netstitch-onramp.yang
 * models a profile and yang/onramps/ ships one file per provider (AWS Direct Connect,
 * Azure ExpressRoute, Google Cloud Dedicated and Partner Interconnect, IBM Cloud Direct
 * Link). Adding a provider is adding a file.
 *
 *   <yang_dir>/onramps/<provider>.xml --libyang (validated)--> struct onr_profile[]
 *   site --onramp leaf, else default-for = site kind--> profile
 *   each session peering with that site --> the profile's rules
 *
 * The profile files are parsed and validated by libyang against netstitch-onramp in
 * the context's own libyang context; a file that does not validate is reported
 * (ONRAMP-PROFILE-INVALID, naming the file and libyang's line) and skipped, the others
 * still apply. Each finding points at the service's node (file:line, data path) and
 * carries the provider's rule and its source as the hint. A rule may name the code to
 * report (the aws-direct-connect profile keeps the AWS-DX-* codes that predate the
 * profiles); only the aliases listed in rule_codes[] are accepted, so a profile
 * cannot make an error a note.
 *
 * The two leaves the profiles need in the service, a site's onramp and a session's
 * edge-domain, are augments of netstitch-onramp; they are read here from the libyang
 * tree by the node's data path, so the C model (model.h) is unchanged.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check.h"
#include "ctx.h"
#include "lyutil.h"

#define ONR_NS "netstitch-onramp"

enum onr_rule {
    ONR_PROVIDER_ASN,
    ONR_CUSTOMER_ASN,
    ONR_ENCAP,
    ONR_MTU,
    ONR_PREFIXES,
    ONR_SUBNET,
    ONR_SUBNET6,
    ONR_REDUNDANCY,
    ONR_NRULES
};

/* The container of a rule in the profile; a switch, as the house style asks. */
static const char *
rule_container(enum onr_rule r)
{
    switch (r) {
    case ONR_PROVIDER_ASN:
        return "provider-asn";
    case ONR_CUSTOMER_ASN:
        return "customer-asn";
    case ONR_ENCAP:
        return "encapsulation";
    case ONR_MTU:
        return "ip-mtu";
    case ONR_PREFIXES:
        return "prefix-limit";
    case ONR_SUBNET:
        return "peering-subnet";
    case ONR_SUBNET6:
        return "ipv6-peering-subnet";
    case ONR_REDUNDANCY:
        return "redundancy";
    case ONR_NRULES:
        break;
    }
    return "";
}

/* The generic code of a rule and the alias a profile may name instead (same arguments). */
static bool
rule_code(enum onr_rule r, const char *alias, enum diag_code *out)
{
    enum diag_code generic, legacy = DIAG_CODE_COUNT;

    switch (r) {
    case ONR_PROVIDER_ASN:
        generic = DIAG_ONRAMP_PROVIDER_ASN;
        break;
    case ONR_CUSTOMER_ASN:
        generic = DIAG_ONRAMP_CUSTOMER_ASN;
        legacy = DIAG_AWS_DX_ASN;
        break;
    case ONR_ENCAP:
        generic = DIAG_ONRAMP_ENCAP;
        legacy = DIAG_AWS_DX_VLAN;
        break;
    case ONR_MTU:
        generic = DIAG_ONRAMP_MTU;
        legacy = DIAG_AWS_DX_MTU;
        break;
    case ONR_PREFIXES:
        generic = DIAG_ONRAMP_PREFIXES;
        legacy = DIAG_AWS_DX_PREFIXES;
        break;
    case ONR_SUBNET:
    case ONR_SUBNET6:
        generic = DIAG_ONRAMP_SUBNET_SIZE; /* the subnet rules report three codes */
        break;
    case ONR_REDUNDANCY:
    default:
        generic = DIAG_ONRAMP_LEGS;
        break;
    }
    if (!alias) {
        *out = generic;
        return true;
    }
    if (!strcmp(alias, diag_code_str(generic))) {
        *out = generic;
        return true;
    }
    if (legacy != DIAG_CODE_COUNT && !strcmp(alias, diag_code_str(legacy))) {
        *out = legacy;
        return true;
    }
    return false;
}

struct onr_range {
    uint32_t lo, hi;
};

struct onr_rule_text {
    bool set;
    enum diag_code code;
    const char *hint; /* "<provider>: <rule> (<source>)", arena */
};

struct onr_profile {
    const char *name, *provider, *default_for, *file;
    struct onr_rule_text t[ONR_NRULES];
    struct onr_range *prov_asn;
    size_t nprov_asn;
    const char *prov_asn_text; /* "12076", "64512-65534 or 4200000000-4294967294" */
    bool cust_private, cust_differ;
    struct onr_range *cust_reserved;
    size_t ncust_reserved;
    unsigned encaps; /* bit (1 << enum m_encap_kind) */
    const char *encaps_text;
    uint32_t *mtus;
    size_t nmtus;
    const char *mtus_text;
    uint32_t announce_max;
    unsigned lens; /* bit (1 << prefix length) for lengths 1..31; bit 0 for 32 */
    const char *lens_text;
    bool has_within;
    uint32_t within_addr;
    uint8_t within_len;
    const char *within_text;
    uint8_t cust_host, prov_host;
    /* ipv6-peering-subnet */
    uint8_t lens6[16]; /* bit l % 8 of byte l / 8 for length l (1..128; 128 in byte 0) */
    const char *lens6_text;
    bool has_within6;
    struct m_prefix within6;
    const char *within6_text;
    uint8_t cust_host6, prov_host6;
    uint8_t min_sessions;
    bool distinct_domains, advise_only;
};

struct onr {
    struct chk *c;
    const struct lyd_node *tree;
    struct onr_profile *profiles;
    size_t nprofiles, cap;
};

/* ---------------------------------------------------------------- profile loading */

static const struct lyd_node *
onr_child(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *n;

    if (!parent) {
        return NULL;
    }
    LY_LIST_FOR(lyd_child(parent), n)
    {
        if (!strcmp(ly_node_name(n), name)) {
            return n;
        }
    }
    return NULL;
}

static const char *
onr_str(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *n = onr_child(parent, name);

    return n ? lyd_get_value(n) : NULL;
}

static bool
parse_range(const char *s, struct onr_range *r)
{
    char *end;
    unsigned long long lo, hi;

    lo = strtoull(s, &end, 10);
    hi = lo;
    if (*end == '-') {
        hi = strtoull(end + 1, &end, 10);
    }
    if (*end || lo > 4294967295ull || hi > 4294967295ull || lo > hi) {
        return false;
    }
    r->lo = (uint32_t)lo;
    r->hi = (uint32_t)hi;
    return true;
}

static bool
in_ranges(const struct onr_range *r, size_t n, uint32_t v)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (v >= r[i].lo && v <= r[i].hi) {
            return true;
        }
    }
    return false;
}

/* Append "a", " or b" to an arena string being built in @buf. */
static void
list_add(char *buf, size_t len, const char *item)
{
    size_t n = strlen(buf);

    snprintf(buf + n, len - n, "%s%s", n ? " or " : "", item);
}

static void
profile_error(struct onr *o, const char *file, uint32_t line, const char *what, const char *msg)
{
    struct diag_loc loc = {file, line, NULL, NULL};
    char buf[768];

    snprintf(buf, sizeof buf, diag_code_template(DIAG_ONRAMP_PROFILE), what, msg);
    if (diag_add_msg(o->c->ctx, DIAG_ONRAMP_PROFILE, &loc, buf) && !o->c->err) {
        o->c->err = NST_ENOMEM;
    }
}

/* The leaf-list values named @name under @parent, each passed to @fn. */
#define ONR_FOR_EACH(parent, leafname, n)                                                          \
    LY_LIST_FOR(lyd_child(parent), n)                                                              \
    if (!strcmp(ly_node_name(n), (leafname)))

/* One <profile> entry into @p; false (reported) when a value is unusable. */
static bool
profile_build(struct onr *o, const char *file, const struct lyd_node *pn, struct onr_profile *p)
{
    struct arena *a = o->c->arena;
    const struct lyd_node *n, *r;
    char buf[512];
    size_t k;

    memset(p, 0, sizeof *p);
    p->file = arena_strdup(a, file);
    p->name = arena_strdup(a, onr_str(pn, "name"));
    p->provider = arena_strdup(a, onr_str(pn, "provider"));
    p->default_for =
        onr_str(pn, "default-for") ? arena_strdup(a, onr_str(pn, "default-for")) : NULL;
    if (!p->file || !p->name || !p->provider) {
        o->c->err = NST_ENOMEM;
        return false;
    }
    for (k = 0; k < ONR_NRULES; k++) {
        const char *alias, *rule, *src;

        r = onr_child(pn, rule_container((enum onr_rule)k));
        if (!r) {
            continue;
        }
        alias = onr_str(r, "code");
        rule = onr_str(r, "rule");
        src = onr_str(r, "source");
        if (!rule_code((enum onr_rule)k, alias, &p->t[k].code)) {
            snprintf(buf, sizeof buf, "%s/%s names code %s, which is not an alias of this rule",
                     p->name, rule_container((enum onr_rule)k), alias);
            profile_error(o, file, 0, p->name, buf);
            return false;
        }
        snprintf(buf, sizeof buf, "%s: %s (%s)", p->provider, rule ? rule : "",
                 src ? src : "no source");
        p->t[k].hint = arena_strdup(a, buf);
        if (!p->t[k].hint) {
            o->c->err = NST_ENOMEM;
            return false;
        }
        p->t[k].set = true;
    }

    /* provider-asn */
    if ((r = onr_child(pn, "provider-asn"))) {
        size_t cnt = 0;

        ONR_FOR_EACH(r, "allowed", n) cnt++;
        p->prov_asn = arena_array(a, cnt ? cnt : 1, sizeof *p->prov_asn);
        if (!p->prov_asn) {
            o->c->err = NST_ENOMEM;
            return false;
        }
        buf[0] = '\0';
        ONR_FOR_EACH(r, "allowed", n)
        {
            if (!parse_range(lyd_get_value(n), &p->prov_asn[p->nprov_asn])) {
                profile_error(o, file, 0, p->name,
                              "provider-asn: a range whose low end exceeds its high end");
                return false;
            }
            p->nprov_asn++;
            list_add(buf, sizeof buf, lyd_get_value(n));
        }
        p->prov_asn_text = arena_strdup(a, buf);
    }
    /* customer-asn */
    if ((r = onr_child(pn, "customer-asn"))) {
        size_t cnt = 0;
        const char *v;

        p->cust_private = (v = onr_str(r, "private-only")) && !strcmp(v, "true");
        p->cust_differ = !(v = onr_str(r, "differ-from-provider")) || !strcmp(v, "true");
        ONR_FOR_EACH(r, "reserved", n) cnt++;
        p->cust_reserved = arena_array(a, cnt ? cnt : 1, sizeof *p->cust_reserved);
        if (!p->cust_reserved) {
            o->c->err = NST_ENOMEM;
            return false;
        }
        ONR_FOR_EACH(r, "reserved", n)
        {
            if (!parse_range(lyd_get_value(n), &p->cust_reserved[p->ncust_reserved++])) {
                profile_error(o, file, 0, p->name,
                              "customer-asn: a reserved range whose low end exceeds its high end");
                return false;
            }
        }
    }
    /* encapsulation */
    if ((r = onr_child(pn, "encapsulation"))) {
        buf[0] = '\0';
        ONR_FOR_EACH(r, "allowed", n)
        {
            const char *v = lyd_get_value(n);

            p->encaps |= 1u << (!strcmp(v, "dot1q")  ? ENCAP_DOT1Q
                                : !strcmp(v, "qinq") ? ENCAP_QINQ
                                                     : ENCAP_UNTAGGED);
            list_add(buf, sizeof buf, !strcmp(v, "qinq") ? "QinQ" : v);
        }
        p->encaps_text = arena_strdup(a, buf);
    }
    /* ip-mtu */
    if ((r = onr_child(pn, "ip-mtu"))) {
        size_t cnt = 0;

        ONR_FOR_EACH(r, "allowed", n) cnt++;
        p->mtus = arena_array(a, cnt ? cnt : 1, sizeof *p->mtus);
        if (!p->mtus) {
            o->c->err = NST_ENOMEM;
            return false;
        }
        buf[0] = '\0';
        ONR_FOR_EACH(r, "allowed", n)
        {
            p->mtus[p->nmtus++] = (uint32_t)strtoul(lyd_get_value(n), NULL, 10);
            list_add(buf, sizeof buf, lyd_get_value(n));
        }
        p->mtus_text = arena_strdup(a, buf);
    }
    /* prefix-limit */
    if ((r = onr_child(pn, "prefix-limit"))) {
        p->announce_max = (uint32_t)strtoul(onr_str(r, "announce-max"), NULL, 10);
    }
    /* peering-subnet */
    if ((r = onr_child(pn, "peering-subnet"))) {
        const char *v;

        buf[0] = '\0';
        ONR_FOR_EACH(r, "prefix-length", n)
        {
            unsigned l = (unsigned)strtoul(lyd_get_value(n), NULL, 10);
            char item[8];

            p->lens |= 1u << (l & 31u);
            snprintf(item, sizeof item, "/%u", l);
            list_add(buf, sizeof buf, item);
        }
        p->lens_text = arena_strdup(a, buf);
        if ((v = onr_str(r, "within"))) {
            char addr[INET_ADDRSTRLEN + 4];
            const char *slash = strchr(v, '/');
            struct in_addr in;

            snprintf(addr, sizeof addr, "%.*s", slash ? (int)(slash - v) : 0, v);
            if (!slash || inet_pton(AF_INET, addr, &in) != 1) {
                profile_error(o, file, 0, p->name, "peering-subnet/within is not an IPv4 prefix");
                return false;
            }
            p->has_within = true;
            p->within_addr = ntohl(in.s_addr);
            p->within_len = (uint8_t)atoi(slash + 1);
            p->within_text = arena_strdup(a, v);
        }
        if ((v = onr_str(r, "customer-host"))) {
            p->cust_host = (uint8_t)atoi(v);
        }
        if ((v = onr_str(r, "provider-host"))) {
            p->prov_host = (uint8_t)atoi(v);
        }
    }
    /* ipv6-peering-subnet */
    if ((r = onr_child(pn, "ipv6-peering-subnet"))) {
        const char *v;

        buf[0] = '\0';
        ONR_FOR_EACH(r, "prefix-length", n)
        {
            unsigned l = (unsigned)strtoul(lyd_get_value(n), NULL, 10);
            char item[8];

            p->lens6[(l & 127u) / 8] |= (uint8_t)(1u << ((l & 127u) % 8));
            snprintf(item, sizeof item, "/%u", l);
            list_add(buf, sizeof buf, item);
        }
        p->lens6_text = arena_strdup(a, buf);
        if ((v = onr_str(r, "within"))) {
            char addr[INET6_ADDRSTRLEN + 4];
            const char *slash = strchr(v, '/');

            snprintf(addr, sizeof addr, "%.*s", slash ? (int)(slash - v) : 0, v);
            if (!slash || !model_addr_parse(addr, &p->within6.addr) ||
                p->within6.addr.af != M_AF_V6) {
                profile_error(o, file, 0, p->name,
                              "ipv6-peering-subnet/within is not an IPv6 prefix");
                return false;
            }
            p->has_within6 = true;
            p->within6.len = (uint8_t)atoi(slash + 1);
            p->within6_text = arena_strdup(a, v);
        }
        if ((v = onr_str(r, "customer-host"))) {
            p->cust_host6 = (uint8_t)atoi(v);
        }
        if ((v = onr_str(r, "provider-host"))) {
            p->prov_host6 = (uint8_t)atoi(v);
        }
    }
    /* redundancy */
    if ((r = onr_child(pn, "redundancy"))) {
        const char *v;

        p->min_sessions = (uint8_t)atoi(onr_str(r, "min-sessions"));
        p->distinct_domains = (v = onr_str(r, "distinct-edge-domains")) && !strcmp(v, "true");
        p->advise_only = (v = onr_str(r, "severity")) && !strcmp(v, "warning");
        if (p->advise_only) {
            p->t[ONR_REDUNDANCY].code = DIAG_ONRAMP_LEGS_ADVISED;
        }
    }
    if ((p->t[ONR_PROVIDER_ASN].set && !p->prov_asn_text) ||
        (p->t[ONR_ENCAP].set && !p->encaps_text) || (p->t[ONR_MTU].set && !p->mtus_text) ||
        (p->t[ONR_SUBNET].set && !p->lens_text) || (p->t[ONR_SUBNET6].set && !p->lens6_text)) {
        o->c->err = NST_ENOMEM;
        return false;
    }
    return true;
}

/* libyang's "line number N", else 0. */
static uint32_t
err_line(const struct ly_err_item *e)
{
    const char *p = NULL;

    if (e && e->path) {
        p = strstr(e->path, "line number ");
    }
    if (!p && e && e->msg) {
        p = strstr(e->msg, "line number ");
    }
    return p ? (uint32_t)strtoul(p + 12, NULL, 10) : 0;
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One profile file: parse, validate, build each profile. */
static void
load_file(struct onr *o, const char *path)
{
    struct ly_ctx *ly = o->c->ctx->ly;
    struct lyd_node *tree = NULL;
    const struct lyd_node *top, *pn;
    uint32_t opts = LY_LOSTORE;

    ly_temp_log_options(&opts);
    if (lyd_parse_data_path(ly, path, LYD_XML, LYD_PARSE_STRICT, LYD_VALIDATE_NO_STATE, &tree) !=
        LY_SUCCESS) {
        const struct ly_err_item *e = ly_err_last(ly);

        profile_error(o, path, err_line(e), "file", e && e->msg ? e->msg : "does not validate");
        ly_err_clean(ly, NULL);
        ly_temp_log_options(NULL);
        lyd_free_all(tree);
        return;
    }
    ly_temp_log_options(NULL);
    LY_LIST_FOR(tree, top)
    {
        if (strcmp(ly_node_name(top), "onramps") || !top->schema ||
            strcmp(top->schema->module->name, ONR_NS)) {
            continue;
        }
        LY_LIST_FOR(lyd_child(top), pn)
        {
            if (o->nprofiles == o->cap) {
                size_t ncap = o->cap ? o->cap * 2 : 8;
                struct onr_profile *np = arena_array(o->c->arena, ncap, sizeof *np);

                if (!np) {
                    o->c->err = NST_ENOMEM;
                    break;
                }
                if (o->nprofiles) {
                    memcpy(np, o->profiles, o->nprofiles * sizeof *np);
                }
                o->profiles = np;
                o->cap = ncap;
            }
            if (profile_build(o, path, pn, &o->profiles[o->nprofiles])) {
                o->nprofiles++;
            }
        }
    }
    lyd_free_all(tree);
}

/* Every .xml file in <yang_dir>/onramps, in name order. */
static void
load_profiles(struct onr *o)
{
    char dir[4096], path[4096 + 256];
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    struct dirent *de;
    DIR *d;

    snprintf(dir, sizeof dir, "%s/onramps", o->c->ctx->yang_dir);
    d = opendir(dir);
    if (!d) {
        return; /* no profiles installed: nothing to apply */
    }
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);

        if (l < 5 || strcmp(de->d_name + l - 4, ".xml") || de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            char **nn = nst_realloc(names, (cap = cap ? cap * 2 : 8) * sizeof *nn);

            if (!nn) {
                o->c->err = NST_ENOMEM;
                break;
            }
            names = nn;
        }
        if (!(names[n] = nst_strdup(de->d_name))) {
            o->c->err = NST_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (n) {
        qsort(names, n, sizeof *names, name_cmp);
    }
    for (i = 0; i < n; i++) {
        if (!o->c->err) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            load_file(o, path);
        }
        nst_free(names[i]);
    }
    nst_free(names);
}

static const struct onr_profile *
profile_find(const struct onr *o, const char *name, bool by_kind)
{
    size_t i;

    for (i = 0; i < o->nprofiles; i++) {
        const char *k = by_kind ? o->profiles[i].default_for : o->profiles[i].name;

        if (k && !strcmp(k, name)) {
            return &o->profiles[i];
        }
    }
    return NULL;
}

/* An augmented leaf of netstitch-onramp under the service node at @src, or NULL. */
static const char *
aug_leaf(const struct onr *o, const struct m_src *src, const char *name)
{
    const struct lyd_node *node = src->node; /* kept by the model */
    const struct lyd_node *n;
    struct lyd_node *found = NULL;

    if (!node) {
        if (!o->tree || !src->path || lyd_find_path(o->tree, src->path, 0, &found) != LY_SUCCESS) {
            ly_err_clean(o->c->ctx->ly, NULL);
            return NULL;
        }
        node = found;
    }
    LY_LIST_FOR(lyd_child(node), n)
    {
        if (!strcmp(ly_node_name(n), name) && n->schema &&
            !strcmp(n->schema->module->name, ONR_NS)) {
            return lyd_get_value(n);
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------- the rules */

static void
onr_report(struct onr *o, const struct onr_profile *p, enum onr_rule r, enum diag_code code,
           const struct m_src *src, const char *device, ...)
{
    struct diag_loc loc = {o->c->svc->file, src ? src->line : 0, src ? src->path : NULL, device};
    char buf[1024];
    va_list ap;

    va_start(ap, device);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(buf, sizeof buf, diag_code_template(code), ap);
#pragma GCC diagnostic pop
    va_end(ap);
    if (diag_add_msg_hint(o->c->ctx, code, &loc, buf, p->t[r].hint) && !o->c->err) {
        o->c->err = NST_ENOMEM;
    }
}

static bool
asn_is_private(uint32_t asn)
{
    return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000u && asn <= 4294967294u);
}

static void
rule_asns(struct onr *o, const struct onr_profile *p, const struct m_bgp *b)
{
    const char *dn = b->dev->name;
    uint32_t provider = b->peer_site->asn ? b->peer_site->asn : b->peer_asn;

    if (p->t[ONR_PROVIDER_ASN].set && !in_ranges(p->prov_asn, p->nprov_asn, b->peer_asn)) {
        onr_report(o, p, ONR_PROVIDER_ASN, p->t[ONR_PROVIDER_ASN].code, &b->peer_asn_src, dn,
                   b->name, p->provider, p->prov_asn_text, b->peer_asn);
    }
    if (!p->t[ONR_CUSTOMER_ASN].set || !b->local_asn) {
        return;
    }
    if (p->cust_private && !asn_is_private(b->local_asn)) {
        onr_report(o, p, ONR_CUSTOMER_ASN, p->t[ONR_CUSTOMER_ASN].code, &b->src, dn, b->name,
                   p->provider, b->local_asn, "it is not a private ASN");
    } else if (in_ranges(p->cust_reserved, p->ncust_reserved, b->local_asn)) {
        onr_report(o, p, ONR_CUSTOMER_ASN, p->t[ONR_CUSTOMER_ASN].code, &b->src, dn, b->name,
                   p->provider, b->local_asn, "the provider reserves it");
    } else if (p->cust_differ && (b->local_asn == b->peer_asn || b->local_asn == provider)) {
        char why[96];

        snprintf(why, sizeof why, "it is the provider side's own AS%u", provider);
        onr_report(o, p, ONR_CUSTOMER_ASN, p->t[ONR_CUSTOMER_ASN].code, &b->src, dn, b->name,
                   p->provider, b->local_asn, why);
    }
}

static void
rule_encap(struct onr *o, const struct onr_profile *p, const struct m_conn *conn,
           const struct m_bgp *b)
{
    const struct m_hop *h;
    char buf[64];

    if (!p->t[ONR_ENCAP].set || !b->port) {
        return;
    }
    h = chk_hop_at_port(conn, b->dev, b->port);
    if (h && !(p->encaps & (1u << h->encap.kind))) {
        onr_report(o, p, ONR_ENCAP, p->t[ONR_ENCAP].code, &h->encap_src, b->dev->name, b->name,
                   p->provider, p->encaps_text, h->seq,
                   model_encap_str(&h->encap, buf, sizeof buf));
    }
}

static void
rule_mtu(struct onr *o, const struct onr_profile *p, const struct m_conn *conn,
         const struct m_bgp *b)
{
    size_t i;

    if (!p->t[ONR_MTU].set) {
        return;
    }
    /* Once per connection and cloud site: the MTU is the connection's. */
    for (i = 0; &conn->bgp[i] != b; i++) {
        if (conn->bgp[i].dev && conn->bgp[i].peer_site == b->peer_site) {
            return;
        }
    }
    for (i = 0; i < p->nmtus; i++) {
        if (p->mtus[i] == conn->ip_mtu) {
            return;
        }
    }
    onr_report(o, p, ONR_MTU, p->t[ONR_MTU].code, &conn->src, b->dev->name, conn->name, p->provider,
               p->mtus_text, conn->ip_mtu);
}

static void
rule_prefixes(struct onr *o, const struct onr_profile *p, const struct m_bgp *b)
{
    if (p->t[ONR_PREFIXES].set && b->nannounce > p->announce_max) {
        onr_report(o, p, ONR_PREFIXES, p->t[ONR_PREFIXES].code, &b->src, b->dev->name, b->name,
                   (unsigned)b->nannounce, p->provider, p->announce_max);
    }
}

static uint32_t
mask_of(unsigned len)
{
    return len ? (uint32_t)(0xffffffffu << (32 - len)) : 0;
}

/* An IPv4 address of the two-family model as a host-order number. */
static uint32_t
v4_of(const struct m_addr *a)
{
    return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 | (uint32_t)a->b[2] << 8 | a->b[3];
}

/* @net plus @host (at most 254) in the last bytes of an IPv6 address. */
static struct m_addr
v6_plus(const struct m_addr *net, unsigned host)
{
    struct m_addr a = *net;

    for (int i = 15; i >= 0 && host; i--) {
        unsigned v = a.b[i] + host;

        a.b[i] = (uint8_t)(v & 0xffu);
        host = v >> 8;
    }
    return a;
}

/*
 * The IPv6 peering-subnet rule (ipv6-peering-subnet): the link-subnet's length, its block
 * and which end takes which address, as for IPv4 below. AWS's /125 stays check_bgp.c's
 * AWS-DX-IPV6-SUBNET (its code predates the profiles).
 */
static void
rule_subnet6(struct onr *o, const struct onr_profile *p, const struct m_bgp *b)
{
    const char *dn = b->dev->name;
    unsigned l = b->subnet.len;
    char want[INET6_ADDRSTRLEN], have[INET6_ADDRSTRLEN];
    struct m_addr a;

    if (!p->t[ONR_SUBNET6].set || b->subnet.addr.af != M_AF_V6) {
        return;
    }
    if (p->lens6_text && *p->lens6_text && !(p->lens6[(l & 127u) / 8] & (1u << ((l & 127u) % 8)))) {
        onr_report(o, p, ONR_SUBNET6, DIAG_ONRAMP_SUBNET_SIZE, &b->subnet_src, dn, b->name,
                   p->provider, p->lens6_text, b->subnet.text, l);
        return; /* the address positions mean nothing in a subnet of the wrong size */
    }
    if (p->has_within6 && !model_prefix_inside(&b->subnet, &p->within6)) {
        onr_report(o, p, ONR_SUBNET6, DIAG_ONRAMP_SUBNET_RANGE, &b->subnet_src, dn, b->name,
                   b->subnet.text, p->within6_text, p->provider);
    }
    if (p->cust_host6 &&
        !model_addr_equal(&b->local, (a = v6_plus(&b->subnet.addr, p->cust_host6), &a))) {
        onr_report(o, p, ONR_SUBNET6, DIAG_ONRAMP_ADDRESS, &b->local_src, dn, b->name, p->provider,
                   "customer", b->subnet.text, model_addr_str(&a, want, sizeof want),
                   model_addr_str(&b->local, have, sizeof have));
    }
    if (p->prov_host6 &&
        !model_addr_equal(&b->peer, (a = v6_plus(&b->subnet.addr, p->prov_host6), &a))) {
        onr_report(o, p, ONR_SUBNET6, DIAG_ONRAMP_ADDRESS, &b->peer_src, dn, b->name, p->provider,
                   "provider", b->subnet.text, model_addr_str(&a, want, sizeof want),
                   model_addr_str(&b->peer, have, sizeof have));
    }
}

/*
 * The peering-subnet rule for an IPv4 link-subnet (the IPv6 one is rule_subnet6()).
 */
static void
rule_subnet(struct onr *o, const struct onr_profile *p, const struct m_bgp *b)
{
    const char *dn = b->dev->name;
    uint32_t net, local, peer;
    char want[INET_ADDRSTRLEN], have[INET_ADDRSTRLEN];

    if (!p->t[ONR_SUBNET].set || b->subnet.addr.af != M_AF_V4) {
        return;
    }
    net = v4_of(&b->subnet.addr) & mask_of(b->subnet.len);
    local = v4_of(&b->local);
    peer = v4_of(&b->peer);
    if (p->lens && !(p->lens & (1u << (b->subnet.len & 31u)))) {
        onr_report(o, p, ONR_SUBNET, DIAG_ONRAMP_SUBNET_SIZE, &b->subnet_src, dn, b->name,
                   p->provider, p->lens_text, b->subnet.text, b->subnet.len);
        return; /* the address positions mean nothing in a subnet of the wrong size */
    }
    if (p->has_within &&
        (b->subnet.len < p->within_len ||
         (net & mask_of(p->within_len)) != (p->within_addr & mask_of(p->within_len)))) {
        onr_report(o, p, ONR_SUBNET, DIAG_ONRAMP_SUBNET_RANGE, &b->subnet_src, dn, b->name,
                   b->subnet.text, p->within_text, p->provider);
    }
    if (p->cust_host && local != net + p->cust_host) {
        onr_report(o, p, ONR_SUBNET, DIAG_ONRAMP_ADDRESS, &b->local_src, dn, b->name, p->provider,
                   "customer", b->subnet.text, model_ip_str(net + p->cust_host, want, sizeof want),
                   model_ip_str(local, have, sizeof have));
    }
    if (p->prov_host && peer != net + p->prov_host) {
        onr_report(o, p, ONR_SUBNET, DIAG_ONRAMP_ADDRESS, &b->peer_src, dn, b->name, p->provider,
                   "provider", b->subnet.text, model_ip_str(net + p->prov_host, want, sizeof want),
                   model_ip_str(peer, have, sizeof have));
    }
}

/* Legs: the sessions of the whole service to one site with a redundancy rule, @all
 * (@nall of them, in model order: chk_onramp() lists them per site once; looking for them
 * in every session for each site was quadratic). */
static void
rule_legs(struct onr *o, const struct onr_profile *p, const struct m_site *site,
          const struct m_bgp *const *all, size_t nall)
{
    const struct m_bgp *const *legs = all;
    const char **dom;
    unsigned n = (unsigned)nall, i, j;

    if (!p->t[ONR_REDUNDANCY].set) {
        return;
    }
    if (!n) {
        return; /* nothing peers with the site: no hand-off to check */
    }
    if (n < p->min_sessions) {
        onr_report(o, p, ONR_REDUNDANCY, p->t[ONR_REDUNDANCY].code, &legs[0]->src,
                   legs[0]->dev->name, p->provider, n, site->name, (unsigned)p->min_sessions);
        return;
    }
    if (!p->distinct_domains) {
        return;
    }
    dom = arena_array(o->c->arena, n, sizeof *dom);
    if (!dom) {
        o->c->err = NST_ENOMEM;
        return;
    }
    for (i = 0; i < n; i++) {
        dom[i] = aug_leaf(o, &legs[i]->src, "edge-domain");
    }
    for (i = 0; i < n; i++) {
        char what[256];

        if (!dom[i]) {
            /* A warning: services written before edge-domain existed stay valid. */
            onr_report(o, p, ONR_REDUNDANCY, DIAG_ONRAMP_EDGE_DOMAIN_UNSET, &legs[i]->src,
                       legs[i]->dev->name, legs[i]->name, site->name);
            continue;
        }
        for (j = 0; j < i; j++) {
            if (dom[j] && !strcmp(dom[i], dom[j])) {
                snprintf(what, sizeof what, "is in edge-domain %s, like session %s", dom[i],
                         legs[j]->name);
                onr_report(o, p, ONR_REDUNDANCY, DIAG_ONRAMP_EDGE_DOMAIN, &legs[i]->src,
                           legs[i]->dev->name, legs[i]->name, site->name, what);
                break;
            }
        }
    }
}

void
chk_onramp(struct chk *c, const struct lyd_node *tree)
{
    const struct m_service *svc = c->svc;
    const struct onr_profile **by_site;
    const struct m_bgp **legs;
    struct onr o;
    size_t i, j, nlegs = 0, *at, *fill;
    bool any = false;

    if (!c->ctx->onramp_loaded) {
        return;
    }
    for (i = 0; i < svc->nconns && !any; i++) {
        for (j = 0; j < svc->conns[i].nbgp && !any; j++) {
            any = svc->conns[i].bgp[j].peer_site != NULL;
        }
    }
    for (i = 0; i < svc->nsites && !any; i++) {
        any = svc->sites[i].kind_name && !strcmp(svc->sites[i].kind_name, "ibm");
    }
    memset(&o, 0, sizeof o);
    o.c = c;
    o.tree = tree;
    if (!any) {
        return; /* no session peers with a site: no profile can apply */
    }
    load_profiles(&o);
    by_site = arena_array(c->arena, svc->nsites ? svc->nsites : 1, sizeof *by_site);
    if (!by_site || c->err) {
        c->err = c->err ? c->err : NST_ENOMEM;
        return;
    }
    for (i = 0; i < svc->nsites; i++) {
        const struct m_site *s = &svc->sites[i];
        const char *name = aug_leaf(&o, &s->src, "onramp");

        by_site[i] = NULL;
        if (name) {
            by_site[i] = profile_find(&o, name, false);
            if (!by_site[i]) {
                chk_report(c, DIAG_ONRAMP_UNKNOWN, &s->src, NULL, s->name, name);
            }
        } else if (s->kind_name) {
            by_site[i] = profile_find(&o, s->kind_name, true);
        }
    }
    for (i = 0; i < svc->nconns; i++) {
        const struct m_conn *conn = &svc->conns[i];

        for (j = 0; j < conn->nbgp; j++) {
            const struct m_bgp *b = &conn->bgp[j];
            const struct onr_profile *p;

            if (!b->dev || !b->peer_site) {
                continue;
            }
            p = by_site[b->peer_site - svc->sites];
            if (!p) {
                continue;
            }
            rule_asns(&o, p, b);
            rule_encap(&o, p, conn, b);
            rule_mtu(&o, p, conn, b);
            rule_prefixes(&o, p, b);
            rule_subnet(&o, p, b);
            rule_subnet6(&o, p, b);
        }
    }
    /* Every site's sessions (from managed devices), in model order: counted per site,
     * then placed; at[i] .. at[i + 1] - 1 are site i's. */
    at = arena_array(c->arena, svc->nsites + 1, sizeof *at);
    fill = arena_array(c->arena, svc->nsites + 1, sizeof *fill);
    for (i = 0; at && fill && i <= svc->nsites; i++) {
        at[i] = 0;
    }
    for (i = 0; at && fill && i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            const struct m_bgp *b = &svc->conns[i].bgp[j];

            if (b->dev && b->peer_site) {
                at[b->peer_site - svc->sites + 1]++;
                nlegs++;
            }
        }
    }
    legs = at && fill ? arena_array(c->arena, nlegs ? nlegs : 1, sizeof *legs) : NULL;
    if (!legs) {
        c->err = NST_ENOMEM;
        return;
    }
    for (i = 0; i < svc->nsites; i++) {
        at[i + 1] += at[i];
        fill[i] = at[i];
    }
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            const struct m_bgp *b = &svc->conns[i].bgp[j];

            if (b->dev && b->peer_site) {
                legs[fill[b->peer_site - svc->sites]++] = b;
            }
        }
    }
    for (i = 0; i < svc->nsites; i++) {
        if (by_site[i]) {
            rule_legs(&o, by_site[i], &svc->sites[i], legs + at[i], at[i + 1] - at[i]);
        }
    }
}
