/*
 * test_query.c: the read-only service view (nst_service_item_*, compiler/query.c) on the
 * shipped example and its MTU-1496 variant: counts, every kind's fields, flat indexing
 * across devices and connections, check results absent before the check and present
 * after it (also when the check fails), and NULL/out-of-range/wrong-kind answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "netstitch.h"

#ifndef NST_SRCDIR
#define NST_SRCDIR "."
#endif

#define GOOD NST_SRCDIR "/examples/twcc-ccx-aws/service.xml"
#define BROKEN NST_SRCDIR "/examples/twcc-ccx-aws/broken/twcc-ccx-aws-mtu-1496.xml"
#define WAN_HUB NST_SRCDIR "/examples/enterprise-wan/service-hub-spoke.xml"
#define ER NST_SRCDIR "/examples/azure-expressroute/service.xml"

struct fx {
    struct nst_ctx *ctx;
    struct nst_service *svc;
};

static int
fx_load(void **state, const char *file)
{
    static struct fx f;

    memset(&f, 0, sizeof f);
    if (nst_ctx_new(NULL, &f.ctx) || nst_service_load(f.ctx, file, NST_FORMAT_AUTO, &f.svc)) {
        return -1;
    }
    *state = &f;
    return 0;
}

static int
setup_good(void **state)
{
    return fx_load(state, GOOD);
}

static int
setup_broken(void **state)
{
    return fx_load(state, BROKEN);
}

static int
setup_wan(void **state)
{
    return fx_load(state, WAN_HUB);
}

static int
setup_er(void **state)
{
    return fx_load(state, ER);
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    nst_service_free(f->svc);
    nst_ctx_free(f->ctx);
    return 0;
}

/* Index of the item of @kind whose @field reads @value, or -1. */
static long
find(const struct nst_service *svc, enum nst_item kind, enum nst_field field, const char *value)
{
    size_t i, n = nst_service_item_count(svc, kind);

    for (i = 0; i < n; i++) {
        const char *s = nst_service_item_text(svc, kind, i, field);

        if (s && !strcmp(s, value)) {
            return (long)i;
        }
    }
    return -1;
}

static long
find_hop(const struct nst_service *svc, const char *conn, uint64_t seq)
{
    size_t i, n = nst_service_item_count(svc, NST_ITEM_HOP);

    for (i = 0; i < n; i++) {
        if (!strcmp(nst_service_item_text(svc, NST_ITEM_HOP, i, NST_FIELD_CONNECTION), conn) &&
            nst_service_item_number(svc, NST_ITEM_HOP, i, NST_FIELD_SEQ) == seq) {
            return (long)i;
        }
    }
    return -1;
}

static void
test_counts(void **state)
{
    struct fx *f = *state;

    assert_int_equal(nst_service_item_count(f->svc, NST_ITEM_SITE), 5);
    assert_int_equal(nst_service_item_count(f->svc, NST_ITEM_DEVICE), 6);
    assert_int_equal(nst_service_item_count(f->svc, NST_ITEM_PORT), 12);
    assert_int_equal(nst_service_item_count(f->svc, NST_ITEM_SEGMENT), 7);
    assert_int_equal(nst_service_item_count(f->svc, NST_ITEM_CONNECTION), 1);
    assert_int_equal(nst_service_item_count(f->svc, NST_ITEM_HOP), 7);
    assert_int_equal(nst_service_item_count(f->svc, NST_ITEM_STITCH), 4);
    assert_int_equal(nst_service_item_count(NULL, NST_ITEM_DEVICE), 0);
    assert_int_equal(nst_service_item_count(f->svc, (enum nst_item)99), 0);
}

static void
test_devices_and_ports(void **state)
{
    struct fx *f = *state;
    long d = find(f->svc, NST_ITEM_DEVICE, NST_FIELD_NAME, "ccx-transit");
    long p;

    assert_int_equal(d, 5);
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_DEVICE, d, NST_FIELD_VENDOR),
                        "openconfig");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_DEVICE, d, NST_FIELD_PLATFORM),
                        "eos");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_DEVICE, d, NST_FIELD_DRIVER),
                        "eos");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_DEVICE, d, NST_FIELD_ROLE),
                        "cloud-edge");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_DEVICE, d, NST_FIELD_SITE), "ccx");
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_DEVICE, d, NST_FIELD_ASN), 65101);
    /* twaren-border has no ASN and no platform. */
    d = find(f->svc, NST_ITEM_DEVICE, NST_FIELD_NAME, "twaren-border");
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_DEVICE, d, NST_FIELD_ASN), 0);
    assert_null(nst_service_item_text(f->svc, NST_ITEM_DEVICE, d, NST_FIELD_PLATFORM));

    /* Ports are flat, device by device: the 4th port is twaren-border's et-0/0/1. */
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_PORT, 3, NST_FIELD_NAME),
                        "et-0/0/1");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_PORT, 3, NST_FIELD_DEVICE),
                        "twaren-border");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_PORT, 11, NST_FIELD_DEVICE),
                        "ccx-transit");
    assert_null(nst_service_item_text(f->svc, NST_ITEM_PORT, 12, NST_FIELD_NAME));
    p = find(f->svc, NST_ITEM_PORT, NST_FIELD_NAME, "xe-0/0/2");
    assert_true(p >= 0);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_PORT, p, NST_FIELD_MTU), 1514);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_PORT, p, NST_FIELD_MAX_MTU), 9192);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_PORT, p, NST_FIELD_BANDWIDTH),
                     10000000);
    assert_non_null(strstr(nst_service_item_text(f->svc, NST_ITEM_PORT, p, NST_FIELD_MTU_MEANING),
                           "Junos"));
    /* Not checked yet: no need, no plan. */
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_PORT, p, NST_FIELD_MTU_NEEDED), 0);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_PORT, p, NST_FIELD_MTU_PLANNED), 0);
    assert_int_equal(nst_service_check(f->svc), NST_OK);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_PORT, p, NST_FIELD_MTU_NEEDED),
                     1522);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_PORT, p, NST_FIELD_MTU_PLANNED),
                     1522);
    /* A port that needs no change. */
    p = find(f->svc, NST_ITEM_PORT, NST_FIELD_NAME, "Ethernet1");
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_PORT, p, NST_FIELD_MTU_NEEDED),
                     1500);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_PORT, p, NST_FIELD_MTU_PLANNED), 0);
}

static void
test_sites_and_segments(void **state)
{
    struct fx *f = *state;
    long s = find(f->svc, NST_ITEM_SITE, NST_FIELD_NAME, "aws");
    long g;

    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SITE, s, NST_FIELD_KIND), "aws");
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_SITE, s, NST_FIELD_ASN), 64512);

    g = find(f->svc, NST_ITEM_SEGMENT, NST_FIELD_NAME, "ccx-vm-net");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_OWNER), "ccx");
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_MTU), 1500);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_BANDWIDTH),
                     28900);
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_MTU_MEANING),
                        "frame-payload");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_KIND),
                        "ethernet");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_A_DEVICE),
                        "ccx-pe");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_A_PORT),
                        "1/1/2");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_B_DEVICE),
                        "ccx-transit");
    assert_null(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_A_SITE));

    /* An external end: a site node, no device. */
    g = find(f->svc, NST_ITEM_SEGMENT, NST_FIELD_NAME, "aws-dx");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_MTU_MEANING),
                        "ip");
    assert_null(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_B_DEVICE));
    assert_null(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_B_PORT));
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_B_SITE), "aws");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_B_NODE),
                        "dx-gateway");

    /* Managed segments have no owner and no fixed MTU. */
    g = find(f->svc, NST_ITEM_SEGMENT, NST_FIELD_NAME, "twaren-core");
    assert_null(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_OWNER));
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_MTU), 0);
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, g, NST_FIELD_KIND),
                        "mpls-core");
}

static void
test_hops_and_stitches(void **state)
{
    struct fx *f = *state;
    long h = find_hop(f->svc, "twcc-aws", 4);
    size_t i, n;

    assert_int_equal(h, 3);
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_HOP, h, NST_FIELD_SEGMENT),
                        "taichung-partner");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_HOP, h, NST_FIELD_ENCAPSULATION),
                        "qinq");
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_OUTER_TAG), 3100);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_INNER_TAG), 2101);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_TPID), 0x88a8);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_FRAME), 0);

    h = find_hop(f->svc, "twcc-aws", 3);
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_HOP, h, NST_FIELD_ENCAPSULATION),
                        "vpls");
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_HOP, h, NST_FIELD_VPLS),
                        "twaren-ccx");
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_OUTER_TAG), 0);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_TPID), 0);

    h = find_hop(f->svc, "twcc-aws", 7);
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_HOP, h, NST_FIELD_ENCAPSULATION),
                        "dot1q");
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_OUTER_TAG), 101);
    assert_null(nst_service_item_text(f->svc, NST_ITEM_HOP, h, NST_FIELD_VPLS));

    n = nst_service_item_count(f->svc, NST_ITEM_STITCH);
    for (i = 0; i < n; i++) {
        const char *dev = nst_service_item_text(f->svc, NST_ITEM_STITCH, i, NST_FIELD_DEVICE);

        assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_STITCH, i,
                                                  NST_FIELD_CONNECTION),
                            "twcc-aws");
        if (!strcmp(dev, "partner-ccx")) {
            assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_STITCH, i,
                                                     NST_FIELD_FROM_HOP), 4);
            assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_STITCH, i,
                                                     NST_FIELD_TO_HOP), 5);
            assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_STITCH, i, NST_FIELD_KIND),
                                "rewrite");
        }
        if (!strcmp(dev, "ccx-transit")) {
            assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_STITCH, i, NST_FIELD_KIND),
                                "route");
        }
    }
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_STITCH, 0, NST_FIELD_DEVICE),
                        "twcc-edge");

    /* After the check: the MTU table of the example (plan.json's numbers). */
    assert_int_equal(nst_service_check(f->svc), NST_OK);
    h = find_hop(f->svc, "twcc-aws", 4);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_FRAME), 1522);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_FRAME_LIMIT), 0);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_A_MTU_NEEDED),
                     1522);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_B_MTU_NEEDED),
                     1514);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_MAX_IP_MTU), 9170);
    h = find_hop(f->svc, "twcc-aws", 6);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_FRAME), 1514);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_FRAME_LIMIT), 1514);
    h = find_hop(f->svc, "twcc-aws", 1);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_A_MTU_NEEDED), 0);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_CONNECTION, 0, NST_FIELD_IP_MTU),
                     1500);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_CONNECTION, 0,
                                             NST_FIELD_MAX_IP_MTU), 1500);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_CONNECTION, 0,
                                             NST_FIELD_BOTTLENECK_HOP), 6);
}

/* The 1496 case: the check fails, the view still answers, with the failing hop. */
static void
test_broken_mtu(void **state)
{
    struct fx *f = *state;
    long h = find_hop(f->svc, "twcc-aws", 6);

    assert_int_equal(nst_service_check(f->svc), NST_ECHECK);
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_HOP, h, NST_FIELD_ENCAPSULATION),
                        "dot1q");
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_FRAME), 1518);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_FRAME_LIMIT), 1514);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, h, NST_FIELD_MAX_IP_MTU), 1496);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_CONNECTION, 0,
                                             NST_FIELD_MAX_IP_MTU), 1496);
}

/* Fields of another kind, numbers read as text and the reverse, bad indexes, NULL. */
static void
test_wrong_questions(void **state)
{
    struct fx *f = *state;

    assert_null(nst_service_item_text(f->svc, NST_ITEM_HOP, 0, NST_FIELD_NAME));
    assert_null(nst_service_item_text(f->svc, NST_ITEM_SITE, 0, NST_FIELD_VENDOR));
    assert_null(nst_service_item_text(f->svc, NST_ITEM_DEVICE, 0, NST_FIELD_MTU));
    assert_null(nst_service_item_text(f->svc, NST_ITEM_DEVICE, 0, (enum nst_field)999));
    assert_null(nst_service_item_text(f->svc, NST_ITEM_DEVICE, 6, NST_FIELD_NAME));
    assert_null(nst_service_item_text(f->svc, (enum nst_item)99, 0, NST_FIELD_NAME));
    assert_null(nst_service_item_text(NULL, NST_ITEM_DEVICE, 0, NST_FIELD_NAME));
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_DEVICE, 0, NST_FIELD_NAME), 0);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_SITE, 0, NST_FIELD_SEQ), 0);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, 7, NST_FIELD_SEQ), 0);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_STITCH, 4, NST_FIELD_TO_HOP), 0);
    assert_int_equal(nst_service_item_number(NULL, NST_ITEM_HOP, 0, NST_FIELD_SEQ), 0);
    assert_int_equal(nst_service_item_number(f->svc, NST_ITEM_HOP, 0, (enum nst_field)999), 0);
    /* The kind field answers per kind: a site's kind. */
    assert_string_equal(nst_service_item_text(f->svc, NST_ITEM_SITE, 0, NST_FIELD_KIND),
                        "research-cloud");
}

/* Issue 14: multipoint VPNs and their attachment circuits, flat across VPNs; the worst
 * pair only after the check. */
static void
test_multipoint(void **state)
{
    struct fx *f = *state;
    const struct nst_service *svc = f->svc;
    long hq;

    assert_int_equal(nst_service_item_count(svc, NST_ITEM_MULTIPOINT), 1);
    assert_int_equal(nst_service_item_count(svc, NST_ITEM_ATTACHMENT), 5);
    assert_int_equal(nst_service_item_count(svc, NST_ITEM_CONNECTION), 0);
    assert_string_equal(nst_service_item_text(svc, NST_ITEM_MULTIPOINT, 0, NST_FIELD_NAME),
                        "corp-wan-hub");
    assert_string_equal(nst_service_item_text(svc, NST_ITEM_MULTIPOINT, 0, NST_FIELD_KIND),
                        "hub-and-spoke");
    assert_string_equal(nst_service_item_text(svc, NST_ITEM_MULTIPOINT, 0, NST_FIELD_SIGNALLING),
                        "ldp");
    assert_int_equal(nst_service_item_number(svc, NST_ITEM_MULTIPOINT, 0, NST_FIELD_IP_MTU), 1500);
    assert_int_equal(nst_service_item_number(svc, NST_ITEM_MULTIPOINT, 0, NST_FIELD_MAX_IP_MTU), 0);
    hq = find(svc, NST_ITEM_ATTACHMENT, NST_FIELD_NAME, "hq");
    assert_true(hq == 0);
    assert_string_equal(nst_service_item_text(svc, NST_ITEM_ATTACHMENT, 0, NST_FIELD_ROLE), "hub");
    assert_string_equal(nst_service_item_text(svc, NST_ITEM_ATTACHMENT, 1, NST_FIELD_ROLE),
                        "spoke");
    assert_string_equal(nst_service_item_text(svc, NST_ITEM_ATTACHMENT, 0, NST_FIELD_DEVICE),
                        "pe-taipei");
    assert_string_equal(nst_service_item_text(svc, NST_ITEM_ATTACHMENT, 0, NST_FIELD_PORT),
                        "xe-0/0/0");
    assert_string_equal(nst_service_item_text(svc, NST_ITEM_ATTACHMENT, 0, NST_FIELD_SITE),
                        "taipei");
    assert_string_equal(nst_service_item_text(svc, NST_ITEM_ATTACHMENT, 4, NST_FIELD_MULTIPOINT),
                        "corp-wan-hub");
    assert_string_equal(nst_service_item_text(svc, NST_ITEM_ATTACHMENT, 2, NST_FIELD_ENCAPSULATION),
                        "qinq");
    assert_int_equal(nst_service_item_number(svc, NST_ITEM_ATTACHMENT, 2, NST_FIELD_OUTER_TAG),
                     300);
    assert_int_equal(nst_service_item_number(svc, NST_ITEM_ATTACHMENT, 2, NST_FIELD_INNER_TAG),
                     100);
    assert_int_equal(nst_service_item_number(svc, NST_ITEM_ATTACHMENT, 2, NST_FIELD_TPID), 0x88a8);
    assert_null(nst_service_item_text(svc, NST_ITEM_ATTACHMENT, 5, NST_FIELD_NAME));
    assert_null(nst_service_item_text(svc, NST_ITEM_MULTIPOINT, 0, NST_FIELD_PORT));
    assert_int_equal(nst_service_check(f->svc), NST_OK);
    assert_int_equal(nst_service_item_number(svc, NST_ITEM_MULTIPOINT, 0, NST_FIELD_MAX_IP_MTU),
                     1574);
}

/* Issue 14: a redundant pair's legs read their group and role; other services read NULL. */
static void
test_redundancy_roles(void **state)
{
    struct fx *f = *state;
    long p = find(f->svc, NST_ITEM_CONNECTION, NST_FIELD_NAME, "er-primary");
    long s = find(f->svc, NST_ITEM_CONNECTION, NST_FIELD_NAME, "er-secondary");

    assert_true(p >= 0 && s >= 0);
    assert_string_equal(
        nst_service_item_text(f->svc, NST_ITEM_CONNECTION, (size_t)p, NST_FIELD_REDUNDANCY_ROLE),
        "primary");
    assert_string_equal(
        nst_service_item_text(f->svc, NST_ITEM_CONNECTION, (size_t)s, NST_FIELD_REDUNDANCY_ROLE),
        "secondary");
    assert_string_equal(
        nst_service_item_text(f->svc, NST_ITEM_CONNECTION, (size_t)s, NST_FIELD_REDUNDANCY_GROUP),
        "expressroute");
    assert_null(nst_service_item_text(f->svc, NST_ITEM_SEGMENT, 0, NST_FIELD_REDUNDANCY_ROLE));
}

static void
test_no_redundancy(void **state)
{
    struct fx *f = *state;

    assert_null(nst_service_item_text(f->svc, NST_ITEM_CONNECTION, 0, NST_FIELD_REDUNDANCY_ROLE));
    assert_int_equal(nst_service_item_count(f->svc, NST_ITEM_MULTIPOINT), 0);
    assert_int_equal(nst_service_item_count(f->svc, NST_ITEM_ATTACHMENT), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counts, setup_good, teardown),
        cmocka_unit_test_setup_teardown(test_devices_and_ports, setup_good, teardown),
        cmocka_unit_test_setup_teardown(test_sites_and_segments, setup_good, teardown),
        cmocka_unit_test_setup_teardown(test_hops_and_stitches, setup_good, teardown),
        cmocka_unit_test_setup_teardown(test_broken_mtu, setup_broken, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_questions, setup_good, teardown),
        cmocka_unit_test_setup_teardown(test_multipoint, setup_wan, teardown),
        cmocka_unit_test_setup_teardown(test_redundancy_roles, setup_er, teardown),
        cmocka_unit_test_setup_teardown(test_no_redundancy, setup_good, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
