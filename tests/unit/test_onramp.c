/*
 * test_onramp.c: the cloud on-ramp profiles (check_onramp.c, the files in yang/onramps), one
 * test per rule and provider. The base is an Azure ExpressRoute service with both legs
 * (two connections from r2, primary and secondary, QinQ hand-off, /30s with the
 * customer on the first address); each test edits it into a clean variant of another
 * provider or breaks exactly one rule, and asserts the code, the line, and that the
 * hint is the provider's rule with its source.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "check_run.h"
#include "netstitch.h"

static const char
    *BASE = "<intercloud xmlns=\"urn:netstitch:yang:intercloud\" "
            "xmlns:nso=\"urn:netstitch:yang:onramp\">\n" /* 1 */
            "<site><name>campus</name><kind>on-premises</kind><asn>65001</asn><prefix>10.1.0.0/24</"
            "prefix></site>\n" /* 2 */
            "<site><name>cloud</name><kind>azure</kind><asn>12076</asn><prefix>10.2.0.0/24</"
            "prefix></site>\n" /* 3 */
            "<device><name>r2</name><vendor>iosxr</vendor><role>cloud-edge</role><site>campus</"
            "site>\n"                                               /* 4 */
            "  <asn>65002</asn><router-id>10.255.0.2</router-id>\n" /* 5 */
            "  "
            "<port><name>b</name><bandwidth>1000000</bandwidth><mtu>1514</mtu><max-mtu>9216</"
            "max-mtu></port>\n" /* 6 */
            "  "
            "<port><name>c</name><bandwidth>1000000</bandwidth><mtu>1514</mtu><max-mtu>9216</"
            "max-mtu></port></device>\n"                                           /* 7 */
            "<segment><name>leg1</name><a><device>r2</device><port>b</port></a>\n" /* 8 */
            "  "
            "<b><site>cloud</site></b><owner>cloud</owner><mtu>1500</mtu><mtu-meaning>ip</"
            "mtu-meaning></segment>\n"                                             /* 9 */
            "<segment><name>leg2</name><a><device>r2</device><port>c</port></a>\n" /* 10 */
            "  "
            "<b><site>cloud</site></b><owner>cloud</owner><mtu>1500</mtu><mtu-meaning>ip</"
            "mtu-meaning></segment>\n" /* 11 */
            "<connection><name>c1</name><ip-mtu>1500</ip-mtu><endpoint>campus</"
            "endpoint><endpoint>cloud</endpoint>\n"        /* 12 */
            "  <hop><seq>1</seq><segment>leg1</segment>\n" /* 13 */
            "    "
            "<encapsulation><qinq><s-tag>100</s-tag><c-tag>300</c-tag></qinq></encapsulation></"
            "hop>\n"                                                                 /* 14 */
            "  <bgp-session><name>primary</name><device>r2</device><port>b</port>\n" /* 15 */
            "    <link-subnet>10.50.0.0/30</link-subnet>\n"                          /* 16 */
            "    <local-address>10.50.0.1</local-address>\n"                         /* 17 */
            "    <peer-address>10.50.0.2</peer-address>\n"                           /* 18 */
            "    <peer-asn>12076</peer-asn><peer-site>cloud</peer-site>\n"           /* 19 */
            "    <announce>10.1.0.0/24</announce><accept>10.2.0.0/24</accept>\n"     /* 20 */
            "    <max-prefix>100</max-prefix><auth-key-ref>k</auth-key-ref>\n"       /* 21 */
            "    <nso:edge-domain>primary</nso:edge-domain></bgp-session>\n"         /* 22 */
            "</connection>\n"                                                        /* 23 */
            "<connection><name>c2</name><ip-mtu>1500</ip-mtu><endpoint>campus</"
            "endpoint><endpoint>cloud</endpoint>\n"        /* 24 */
            "  <hop><seq>1</seq><segment>leg2</segment>\n" /* 25 */
            "    "
            "<encapsulation><qinq><s-tag>100</s-tag><c-tag>300</c-tag></qinq></encapsulation></"
            "hop>\n"                                                                   /* 26 */
            "  <bgp-session><name>secondary</name><device>r2</device><port>c</port>\n" /* 27 */
            "    <link-subnet>10.50.0.4/30</link-subnet>\n"                            /* 28 */
            "    <local-address>10.50.0.5</local-address>\n"                           /* 29 */
            "    <peer-address>10.50.0.6</peer-address>\n"                             /* 30 */
            "    <peer-asn>12076</peer-asn><peer-site>cloud</peer-site>\n"             /* 31 */
            "    <announce>10.1.0.0/24</announce><accept>10.2.0.0/24</accept>\n"       /* 32 */
            "    <max-prefix>100</max-prefix><auth-key-ref>k</auth-key-ref>\n"         /* 33 */
            "    <nso:edge-domain>secondary</nso:edge-domain></bgp-session>\n"         /* 34 */
            "</connection></intercloud>\n" /* 35 */;

/* @s with every occurrence of @old replaced by @new; @s is consumed. */
static char *
replace_all(char *s, const char *old, const char *new)
{
    size_t n = 0, lo = strlen(old), ln = strlen(new);
    const char *p;
    char *r, *w;

    for (p = strstr(s, old); p; p = strstr(p + lo, old)) {
        n++;
    }
    if (!n) {
        fail_msg("edit: '%s' not in the service", old);
    }
    r = malloc(strlen(s) + n * ln + 1);
    w = r;
    for (p = s;;) {
        const char *at = strstr(p, old);

        if (!at) {
            strcpy(w, p);
            break;
        }
        memcpy(w, p, (size_t)(at - p));
        w += at - p;
        memcpy(w, new, ln);
        w += ln;
        p = at + lo;
    }
    free(s);
    return r;
}

/* @base with each (old, new) pair replaced everywhere; NULL-terminated. */
static char *
edit(const char *base, ...)
{
    char *s = strdup(base);
    const char *old;
    va_list ap;

    va_start(ap, base);
    while ((old = va_arg(ap, const char *))) {
        s = replace_all(s, old, va_arg(ap, const char *));
    }
    va_end(ap);
    return s;
}

/* Exactly @n diagnostics with @code, the first at @line, its hint containing @hint. */
static void
expect(struct nst_ctx *ctx, const char *code, size_t n, uint32_t line, const char *hint)
{
    size_t i;

    if (count(ctx, code) != n) {
        dump(ctx);
        fail_msg("expected %zu %s, got %zu", n, code, count(ctx, code));
    }
    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        if (!strcmp(nst_diag_code(d), code)) {
            assert_int_equal(nst_diag_line(d), line);
            assert_string_equal(nst_diag_file(d), "t.xml");
            if (hint && !strstr(nst_diag_hint(d), hint)) {
                fail_msg("hint of %s lacks '%s': %s", code, hint, nst_diag_hint(d));
            }
            return;
        }
    }
}

static void
clean(struct nst_ctx *ctx, const char *text)
{
    if (run(ctx, text) != NST_OK || nst_diag_count_severity(ctx, NST_SEV_ERROR)) {
        dump(ctx);
        fail_msg("the clean variant has errors");
    }
}

#define GCP_PARTNER(base)                                                                          \
    edit((base), "<kind>azure</kind><asn>12076</asn>",                                             \
         "<kind>gcp</kind><asn>16550</asn><nso:onramp>gcp-partner-interconnect</nso:onramp>",      \
         "<peer-asn>12076</peer-asn>", "<peer-asn>16550</peer-asn>",                               \
         "<qinq><s-tag>100</s-tag><c-tag>300</c-tag></qinq>", "<dot1q><vlan>300</vlan></dot1q>",   \
         "10.50.0.0/30", "169.254.7.0/29", "10.50.0.1", "169.254.7.2", "10.50.0.2", "169.254.7.1", \
         "10.50.0.4/30", "169.254.7.8/29", "10.50.0.5", "169.254.7.10", "10.50.0.6",               \
         "169.254.7.9", ">primary<", ">availability-domain-1<", ">secondary<",                     \
         ">availability-domain-2<", "<ip-mtu>1500</ip-mtu>", "<ip-mtu>1440</ip-mtu>",              \
         "<mtu>1500</mtu><mtu-meaning>", "<mtu>1440</mtu><mtu-meaning>", NULL)

#define IBM(base)                                                                                  \
    edit((base), "<kind>azure</kind><asn>12076</asn>", "<kind>ibm</kind><asn>13884</asn>",         \
         "<peer-asn>12076</peer-asn>", "<peer-asn>13884</peer-asn>",                               \
         "<qinq><s-tag>100</s-tag><c-tag>300</c-tag></qinq>", "<dot1q><vlan>300</vlan></dot1q>",   \
         "10.50.0.0/30", "10.50.0.0/31", "10.50.0.1", "10.50.0.0", "10.50.0.2", "10.50.0.1", NULL)

/* Azure with IPv6 private peering: /126 per leg, the customer on the first address. */
#define AZURE6(base)                                                                               \
    edit((base), "10.50.0.0/30", "2001:db8:50::/126", "10.50.0.4/30", "2001:db8:50::4/126",        \
         "10.50.0.1", "2001:db8:50::1", "10.50.0.2", "2001:db8:50::2", "10.50.0.5",                \
         "2001:db8:50::5", "10.50.0.6", "2001:db8:50::6", "10.1.0.0/24", "2001:db8:1::/48",        \
         "10.2.0.0/24", "2001:db8:2::/48", NULL)

/* ---------------------------------------------------------------- Azure ExpressRoute */

static void
test_azure_clean(void **state)
{
    struct nst_ctx *ctx = *state;

    clean(ctx, BASE);
    assert_int_equal(count(ctx, "ONRAMP-EDGE-DOMAIN-UNSET"), 0);
}

static void
test_azure_provider_asn_one(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit(BASE, "<kind>azure</kind><asn>12076</asn>", "<kind>azure</kind>",
                   "<peer-asn>12076</peer-asn>", "<peer-asn>65100</peer-asn>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-PROVIDER-ASN", 2, 19, "AS 12076");
    free(s);
}

static void
test_azure_customer_asn_reserved(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit(BASE, "<asn>65002</asn>", "<asn>65515</asn>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-CUSTOMER-ASN", 2, 15, "65515 to 65520");
    free(s);
}

static void
test_azure_customer_asn_microsoft(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit(BASE, "<asn>65002</asn>", "<asn>8075</asn>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-CUSTOMER-ASN", 2, 15, "8074, 8075 and 12076");
    free(s);
}

static void
test_azure_encapsulation(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit(BASE, "<qinq><s-tag>100</s-tag><c-tag>300</c-tag></qinq>", "<untagged/>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-ENCAPSULATION", 2, 14, "S-tag");
    free(s);
}

static void
test_azure_mtu(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit(BASE, "<ip-mtu>1500</ip-mtu>", "<ip-mtu>1400</ip-mtu>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-MTU", 2, 12, "MTU of the ExpressRoute interface is 1500");
    free(s);
}

static void
test_azure_subnet_size(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit(BASE, "10.50.0.4/30", "10.50.0.0/29", "10.50.0.5", "10.50.0.3", "10.50.0.6",
                   "10.50.0.4", NULL);

    /* The /29 overlaps the primary's /30 too; only the on-ramp finding is asserted. */
    run(ctx, s);
    expect(ctx, "ONRAMP-SUBNET-SIZE", 1, 28, "two /30 subnets");
    assert_int_equal(count(ctx, "ONRAMP-ADDRESS"), 0);
    free(s);
}

static void
test_azure_addresses_swapped(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s =
        edit(BASE, "<local-address>10.50.0.1</local-address>",
             "<local-address>10.50.0.X</local-address>", "<peer-address>10.50.0.2</peer-address>",
             "<peer-address>10.50.0.1</peer-address>", "<local-address>10.50.0.X</local-address>",
             "<local-address>10.50.0.2</local-address>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-ADDRESS", 2, 17, "first IP address of each /30");
    free(s);
}

static void
test_azure_ipv6_clean(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = AZURE6(BASE);

    clean(ctx, s);
    assert_int_equal(count(ctx, "ONRAMP-SUBNET-SIZE"), 0);
    assert_int_equal(count(ctx, "ONRAMP-ADDRESS"), 0);
    free(s);
}

static void
test_azure_ipv6_subnet_size(void **state)
{
    struct nst_ctx *ctx = *state;
    char *a = AZURE6(BASE);
    /* A /127 (RFC 6164, fine elsewhere) where Microsoft takes a /126. */
    char *s = edit(a, "2001:db8:50::4/126", "2001:db8:51::/127", "2001:db8:50::5", "2001:db8:51::",
                   "2001:db8:50::6", "2001:db8:51::1", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-SUBNET-SIZE", 1, 28, "two /126 subnets");
    assert_int_equal(count(ctx, "ONRAMP-ADDRESS"), 0);
    free(a);
    free(s);
}

static void
test_azure_ipv6_addresses_swapped(void **state)
{
    struct nst_ctx *ctx = *state;
    char *a = AZURE6(BASE);
    char *s = edit(a, "<local-address>2001:db8:50::1</local-address>",
                   "<local-address>X</local-address>",
                   "<peer-address>2001:db8:50::2</peer-address>",
                   "<peer-address>2001:db8:50::1</peer-address>", "<local-address>X</local-address>",
                   "<local-address>2001:db8:50::2</local-address>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-ADDRESS", 2, 17, "first IP address of each /126");
    free(a);
    free(s);
}

static void
test_azure_one_leg(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = strdup(BASE), *cut = strstr(s, "<connection><name>c2</name>");

    assert_non_null(cut);
    strcpy(cut, "</intercloud>\n");
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-LEGS", 1, 15, "both BGP sessions");
    free(s);
}

static void
test_azure_same_edge_domain(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit(BASE, ">secondary</nso:edge-domain>", ">primary</nso:edge-domain>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-EDGE-DOMAIN", 1, 27, "primary and secondary");
    free(s);
}

static void
test_azure_edge_domain_unset_warns(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit(BASE, "\n    <nso:edge-domain>primary</nso:edge-domain>", "",
                   "\n    <nso:edge-domain>secondary</nso:edge-domain>", "", NULL);

    assert_int_equal(run(ctx, s), NST_OK);
    assert_int_equal(count(ctx, "ONRAMP-EDGE-DOMAIN-UNSET"), 2);
    free(s);
}

static void
test_unknown_profile(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit(BASE, "<kind>azure</kind>",
                   "<kind>azure</kind><nso:onramp>azure-expressroute-premium</nso:onramp>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-UNKNOWN-PROFILE", 1, 3, NULL);
    free(s);
}

/* ---------------------------------------------------------------- Google Cloud */

static void
test_gcp_partner_clean_1440(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = GCP_PARTNER(BASE);

    clean(ctx, s);
    free(s);
}

static void
test_gcp_partner_asn(void **state)
{
    struct nst_ctx *ctx = *state;
    char *g = GCP_PARTNER(BASE);
    char *s = edit(g, "<asn>16550</asn>", "", "<peer-asn>16550</peer-asn>",
                   "<peer-asn>64514</peer-asn>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-PROVIDER-ASN", 2, 19, "must use ASN 16550");
    free(g);
    free(s);
}

static void
test_gcp_dedicated_private_asn_ok(void **state)
{
    struct nst_ctx *ctx = *state;
    char *g = GCP_PARTNER(BASE);
    char *s = edit(g, "<asn>16550</asn><nso:onramp>gcp-partner-interconnect</nso:onramp>", "",
                   "<peer-asn>16550</peer-asn>", "<peer-asn>64514</peer-asn>", NULL);

    /* The gcp kind defaults to Dedicated, whose Cloud Router may use a private ASN. */
    clean(ctx, s);
    free(g);
    free(s);
}

static void
test_gcp_not_link_local(void **state)
{
    struct nst_ctx *ctx = *state;
    char *g = GCP_PARTNER(BASE);
    char *s = edit(g, "169.254.7.8/29", "10.60.0.8/29", "169.254.7.10", "10.60.0.10", "169.254.7.9",
                   "10.60.0.9", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-SUBNET-RANGE", 1, 28, "169.254.0.0/16");
    free(g);
    free(s);
}

static void
test_gcp_mtu_not_offered(void **state)
{
    struct nst_ctx *ctx = *state;
    char *g = GCP_PARTNER(BASE);
    char *s = edit(g, "<ip-mtu>1440</ip-mtu>", "<ip-mtu>1400</ip-mtu>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-MTU", 2, 12, "1440, 1460, 1500 or 8896");
    free(g);
    free(s);
}

static void
test_gcp_same_availability_domain(void **state)
{
    struct nst_ctx *ctx = *state;
    char *g = GCP_PARTNER(BASE);
    char *s = edit(g, ">availability-domain-2<", ">availability-domain-1<", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-EDGE-DOMAIN", 1, 27, "edge availability domain");
    free(g);
    free(s);
}

/* ---------------------------------------------------------------- IBM Cloud Direct Link */

static void
test_ibm_clean_slash31(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = IBM(BASE);

    clean(ctx, s);
    free(s);
}

static void
test_ibm_subnet_size(void **state)
{
    struct nst_ctx *ctx = *state;
    char *g = IBM(BASE);
    char *s = edit(g, "10.50.0.4/30", "10.50.0.8/29", "10.50.0.5", "10.50.0.9", "10.50.0.6",
                   "10.50.0.10", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-SUBNET-SIZE", 1, 28, "/31 or /30");
    free(g);
    free(s);
}

static void
test_ibm_customer_asn(void **state)
{
    struct nst_ctx *ctx = *state;
    char *g = IBM(BASE);
    char *s = edit(g, "<asn>65002</asn>", "<asn>13884</asn>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-CUSTOMER-ASN", 2, 15, "never IBM's 13884");
    free(g);
    free(s);
}

/* ---------------------------------------------------------------- AWS Direct Connect */

#define AWS(base)                                                                                  \
    edit((base), "<kind>azure</kind><asn>12076</asn>", "<kind>aws</kind><asn>64512</asn>",         \
         "<peer-asn>12076</peer-asn>", "<peer-asn>64512</peer-asn>",                               \
         "<qinq><s-tag>100</s-tag><c-tag>300</c-tag></qinq>", "<dot1q><vlan>300</vlan></dot1q>",   \
         NULL)

static void
test_aws_clean(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = AWS(BASE);

    clean(ctx, s);
    free(s);
}

static void
test_aws_prefix_limit_keeps_code(void **state)
{
    struct nst_ctx *ctx = *state;
    char *g = AWS(BASE), *s, many[101 * 40 + 1] = "";
    int i;

    for (i = 0; i < 101; i++) {
        char one[48];

        snprintf(one, sizeof one, "<announce>10.1.0.%d/32</announce>", i);
        strcat(many, one);
    }
    s = edit(g, "<announce>10.1.0.0/24</announce>", many, NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "AWS-DX-PREFIX-LIMIT", 2, 15, "at most 100 prefixes");
    assert_int_equal(count(ctx, "ONRAMP-PREFIX-LIMIT"), 0);
    free(g);
    free(s);
}

static void
test_aws_provider_asn_public(void **state)
{
    struct nst_ctx *ctx = *state;
    char *g = AWS(BASE);
    char *s = edit(g, "<asn>64512</asn>", "", "<peer-asn>64512</peer-asn>",
                   "<peer-asn>7224</peer-asn>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "ONRAMP-PROVIDER-ASN", 2, 19, "64512 by default");
    free(g);
    free(s);
}

/* ---------------------------------------------------------------- profile files */

/* A model directory with the shipped models and one extra profile file. */
static char *
yang_dir_with(const char *name, const char *text)
{
    char tmpl[] = "/tmp/nst-onramp-XXXXXX", path[512], *dir = mkdtemp(tmpl);
    const char *top = getenv("TOP") ? getenv("TOP") : ".";
    char abs_top[PATH_MAX];
    const char *files[] = {"netstitch-intercloud.yang", "netstitch-inventory.yang",
                           "netstitch-onramp.yang", "ietf", "devices"};
    size_t i;
    FILE *fp;

    assert_non_null(dir);
    assert_non_null(realpath(top, abs_top));
    for (i = 0; i < sizeof files / sizeof *files; i++) {
        char from[PATH_MAX + 64];

        snprintf(from, sizeof from, "%s/yang/%s", abs_top, files[i]);
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        assert_int_equal(symlink(from, path), 0);
    }
    snprintf(path, sizeof path, "%s/onramps", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/onramps/%s", dir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return strdup(dir);
}

static void
rm_yang_dir(char *dir, const char *name)
{
    char path[512];
    const char *files[] = {"netstitch-intercloud.yang", "netstitch-inventory.yang",
                           "netstitch-onramp.yang", "ietf", "devices"};
    size_t i;

    for (i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/onramps/%s", dir, name);
    unlink(path);
    snprintf(path, sizeof path, "%s/onramps", dir);
    rmdir(path);
    rmdir(dir);
    free(dir);
}

static void
test_profile_file_invalid(void **state)
{
    char *dir = yang_dir_with("bad.xml", "<onramps xmlns=\"urn:netstitch:yang:onramp\">\n"
                                         "<profile><name>x</name><provider>X</provider>\n"
                                         "<ip-mtu><allowed>12</allowed><rule>r</rule>"
                                         "<source>s</source></ip-mtu></profile></onramps>\n");
    struct nst_ctx *ctx = NULL;
    size_t i;
    int found = 0;

    (void)state;
    assert_int_equal(nst_ctx_new(dir, &ctx), NST_OK);
    assert_int_equal(run(ctx, BASE), NST_ECHECK);
    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        if (!strcmp(nst_diag_code(d), "ONRAMP-PROFILE-INVALID")) {
            found = 1;
            assert_non_null(strstr(nst_diag_file(d), "onramps/bad.xml"));
        }
    }
    if (!found) {
        dump(ctx);
        fail_msg("no ONRAMP-PROFILE-INVALID");
    }
    nst_ctx_free(ctx);
    rm_yang_dir(dir, "bad.xml");
}

static void
test_profile_code_must_be_alias(void **state)
{
    char *dir = yang_dir_with("x.xml", "<onramps xmlns=\"urn:netstitch:yang:onramp\">\n"
                                       "<profile><name>x</name><provider>X</provider>\n"
                                       "<default-for>azure</default-for>\n"
                                       "<ip-mtu><allowed>1500</allowed><rule>r</rule>"
                                       "<source>s</source><code>BW-BOTTLENECK</code></ip-mtu>"
                                       "</profile></onramps>\n");
    struct nst_ctx *ctx = NULL;

    (void)state;
    assert_int_equal(nst_ctx_new(dir, &ctx), NST_OK);
    assert_int_equal(run(ctx, BASE), NST_ECHECK);
    assert_int_equal(count(ctx, "ONRAMP-PROFILE-INVALID"), 1);
    nst_ctx_free(ctx);
    rm_yang_dir(dir, "x.xml");
}

/* Every allocation of load + check failing in turn: NST_OK or NST_ENOMEM, never a crash. */
static void
test_alloc_failure_everywhere(void **state)
{
    struct nst_ctx *ctx = *state;
    long n, total;
    nst_err err;

    nst_alloc_fail_after(-1);
    run(ctx, BASE);
    total = nst_alloc_fail_after(-1);
    assert_true(total > 10);
    for (n = 0; n < total; n++) {
        nst_alloc_fail_after(n);
        err = run(ctx, BASE);
        nst_alloc_fail_after(-1);
        assert_true(err == NST_OK || err == NST_ENOMEM);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_azure_clean, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_provider_asn_one, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_customer_asn_reserved, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_customer_asn_microsoft, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_encapsulation, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_mtu, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_subnet_size, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_ipv6_clean, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_ipv6_subnet_size, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_ipv6_addresses_swapped, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_addresses_swapped, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_one_leg, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_same_edge_domain, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_azure_edge_domain_unset_warns, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_profile, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_gcp_partner_clean_1440, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_gcp_partner_asn, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_gcp_dedicated_private_asn_ok, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_gcp_not_link_local, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_gcp_mtu_not_offered, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_gcp_same_availability_domain, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_ibm_clean_slash31, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_ibm_subnet_size, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_ibm_customer_asn, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_aws_clean, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_aws_prefix_limit_keeps_code, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_aws_provider_asn_public, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failure_everywhere, ctx_setup, ctx_teardown),
        cmocka_unit_test(test_profile_file_invalid),
        cmocka_unit_test(test_profile_code_must_be_alias),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
