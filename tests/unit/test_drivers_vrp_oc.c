/*
 * test_drivers_vrp_oc.c: the Huawei VRP, generic OpenConfig and Arista EOS drivers
 * (drivers/vrp.c, drivers/openconfig.c, templates/{vrp,openconfig,eos}/).
 *
 * Each test compiles a real service through the public API (load, check, compile:
 * lowering, prepare hooks, templates, libyang validation against yang/devices/) and
 * asserts, by XPath on the payload and by line on the CLI, what a network engineer
 * checks first: tags matched and popped, TPIDs, bridge domains and VSIs, pseudowire
 * encapsulation, BGP peers with both policies, the key placeholder. Around that:
 * every payload parses back to the same tree; two compiles are byte-identical;
 * hostile descriptions stay one text value (XML) and one line (CLI), also with a
 * newline in them; the prepare hooks refuse what their vendor cannot express, with an
 * INTERNAL diagnostic naming the device; allocation failures at every injection point
 * of a device's render.
 *
 * Services: the .xml files of tests/compile/vrp, openconfig and eos, the VRP and OpenConfig
 * L3VPN goldens of tests/compile/multipoint, and the shipped example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libyang/libyang.h>

#include "alloc.h"
#include "compile.h"
#include "ctx.h"
#include "diag.h"
#include "driver.h"
#include "render.h"

#define VRP_SVC NST_SRCDIR "/tests/compile/vrp/vrp-features.xml"
#define OC_SVC NST_SRCDIR "/tests/compile/openconfig/oc-features.xml"
#define EOS_SVC NST_SRCDIR "/tests/compile/eos/eos-features.xml"
#define EXAMPLE_SVC NST_SRCDIR "/examples/twcc-ccx-aws/service.xml"
#define VRP_L3VPN_SVC NST_SRCDIR "/tests/compile/multipoint/l3vpn-vrp.xml"
#define OC_L3VPN_SVC NST_SRCDIR "/tests/compile/multipoint/l3vpn-oc.xml"

#define HOSTILE_VRP "to campus <east> & \"west\" ]]> </description><shutdown/>"
#define HOSTILE_EOS "campus <QinQ> & ]]> \"quoted\""

/* One compiled service. */
struct svc {
    struct nst_ctx *ctx;
    struct nst_service *svc;
    struct nst_compiled *out;
    xmlDocPtr ir; /* nst_compiled_ir() parsed, made by ir_device() */
};

static void
svc_compile(const char *file, struct svc *s)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(nst_ctx_new(NULL, &s->ctx), NST_OK);
    assert_int_equal(nst_service_load(s->ctx, file, NST_FORMAT_AUTO, &s->svc), NST_OK);
    assert_int_equal(nst_service_check(s->svc), NST_OK);
    if (nst_service_compile(s->svc, &s->out) != NST_OK) {
        size_t i;

        for (i = 0; i < nst_diag_count(s->ctx); i++) {
            print_error("%s\n", nst_diag_message(nst_diag_get(s->ctx, i)));
        }
        fail_msg("compile of %s failed", file);
    }
}

static void
svc_free(struct svc *s)
{
    xmlFreeDoc(s->ir);
    nst_compiled_free(s->out);
    nst_service_free(s->svc);
    nst_ctx_free(s->ctx);
}

static size_t
dev_index(const struct svc *s, const char *name)
{
    size_t i;

    for (i = 0; i < nst_compiled_device_count(s->out); i++) {
        if (!strcmp(nst_compiled_device_name(s->out, i), name)) {
            return i;
        }
    }
    fail_msg("no device %s", name);
    return 0;
}

static const char *
payload(const struct svc *s, const char *dev)
{
    const char *p = nst_compiled_device_payload(s->out, dev_index(s, dev));

    assert_non_null(p);
    return p;
}

static const char *
cli(const struct svc *s, const char *dev)
{
    const char *c = nst_compiled_device_cli(s->out, dev_index(s, dev));

    assert_non_null(c);
    return c;
}

/* --- XPath on a payload --- */

struct xp {
    xmlDocPtr doc;
    xmlXPathContextPtr ctx;
};

static void
xp_open(struct xp *x, const char *text)
{
    static const char *const ns[][2] = {
        {"nc", "urn:ietf:params:xml:ns:netconf:base:1.0"},
        {"ifm", "urn:huawei:yang:huawei-ifm"},
        {"eth", "urn:huawei:yang:huawei-ethernet"},
        {"ip", "urn:huawei:yang:huawei-ip"},
        {"devm", "urn:huawei:yang:huawei-devm"},
        {"pic", "urn:huawei:yang:huawei-pic"},
        {"bd", "urn:huawei:yang:huawei-bd"},
        {"l2vpn", "urn:huawei:yang:huawei-l2vpn"},
        {"hbgp", "urn:huawei:yang:huawei-bgp"},
        {"ni", "urn:huawei:yang:huawei-network-instance"},
        {"rp", "urn:huawei:yang:huawei-routing-policy"},
        {"l3vpn", "urn:huawei:yang:huawei-l3vpn"},
        {"oif", "http://openconfig.net/yang/interfaces"},
        {"ovlan", "http://openconfig.net/yang/vlan"},
        {"oip", "http://openconfig.net/yang/interfaces/ip"},
        {"oni", "http://openconfig.net/yang/network-instance"},
        {"orp", "http://openconfig.net/yang/routing-policy"},
        {"cli", "http://arista.com/yang/cli"},
    };
    size_t i;

    x->doc = xmlReadMemory(text, (int)strlen(text), "payload.xml", NULL, XML_PARSE_NONET);
    assert_non_null(x->doc);
    x->ctx = xmlXPathNewContext(x->doc);
    assert_non_null(x->ctx);
    for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        assert_int_equal(
            xmlXPathRegisterNs(x->ctx, (const xmlChar *)ns[i][0], (const xmlChar *)ns[i][1]), 0);
    }
}

static void
xp_close(struct xp *x)
{
    xmlXPathFreeContext(x->ctx);
    xmlFreeDoc(x->doc);
}

/* The number of nodes @expr selects (it must select a node-set). */
static int
xp_count(struct xp *x, const char *expr)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, x->ctx);
    int n;

    if (!o || o->type != XPATH_NODESET) {
        fail_msg("bad XPath %s", expr);
    }
    n = o->nodesetval ? o->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(o);
    return n;
}

/* Exactly one node matches @expr. */
#define assert_one(x, expr)                                                                        \
    do {                                                                                           \
        int n_ = xp_count((x), (expr));                                                            \
        if (n_ != 1) {                                                                             \
            fail_msg("%d nodes match %s", n_, (expr));                                             \
        }                                                                                          \
    } while (0)

#define assert_none(x, expr)                                                                       \
    do {                                                                                           \
        int n_ = xp_count((x), (expr));                                                            \
        if (n_) {                                                                                  \
            fail_msg("%d nodes match %s", n_, (expr));                                             \
        }                                                                                          \
    } while (0)

/* The string value of @expr. Returned to the caller (xmlFree). */
static xmlChar *
xp_string(struct xp *x, const char *expr)
{
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, x->ctx);
    xmlChar *s;

    assert_non_null(o);
    s = xmlXPathCastToString(o);
    xmlXPathFreeObject(o);
    return s;
}

/* --- CLI lines --- */

/* The 1-based line of @text that equals @line exactly, 0 when none. */
static int
cli_line(const char *text, const char *line)
{
    const char *p = text;
    size_t len = strlen(line);
    int n = 1;

    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);

        if (l == len && !memcmp(p, line, len)) {
            return n;
        }
        if (!nl) {
            break;
        }
        p = nl + 1;
        n++;
    }
    return 0;
}

#define assert_cli_line(text, line)                                                                \
    do {                                                                                           \
        if (!cli_line((text), (line))) {                                                           \
            fail_msg("no CLI line \"%s\" in:\n%s", (line), (text));                                \
        }                                                                                          \
    } while (0)

/* --- the feature services --- */

static void
test_vrp_features(void **state)
{
    struct svc s;
    struct xp x;
    const char *c;

    (void)state;
    svc_compile(VRP_SVC, &s);
    xp_open(&x, payload(&s, "vrp-pe1"));
    /* QinQ stitch: TPID on the port, both EVC sub-interfaces pop both tags, one BD. */
    assert_one(&x, "//ifm:interface[ifm:name='GigabitEthernet0/1/0']"
                   "/eth:ethernet/eth:main-interface[eth:qinq-protocol='0x88a8']");
    assert_none(&x, "//ifm:interface[ifm:name='GigabitEthernet0/1/1']/eth:ethernet");
    assert_one(
        &x, "//ifm:interface[ifm:name='GigabitEthernet0/1/0.100'][ifm:class='sub-interface']"
            "[ifm:parent-name='GigabitEthernet0/1/0'][ifm:number='100']"
            "[ifm:l2-mode-enable='true']/eth:ethernet/eth:l2-sub-interface"
            "[eth:qinqs/eth:qinq-vids/eth:qinq-vid[eth:pe-vlan-id='100'][eth:ce-vlan-list='200']]"
            "[eth:flow-action/eth:action-type='pop-double']");
    assert_one(
        &x, "//ifm:interface[ifm:name='GigabitEthernet0/1/1.300']/eth:ethernet/eth:l2-sub-interface"
            "[eth:qinqs/eth:qinq-vids/eth:qinq-vid[eth:pe-vlan-id='300'][eth:ce-vlan-list='200']]"
            "[eth:flow-action/eth:action-type='pop-double']");
    assert_one(&x,
               "//bd:instance[bd:id='16777215'][count(bd:service-points/bd:service-point)=2]"
               "[bd:service-points/bd:service-point/bd:interface-name='GigabitEthernet0/1/0.100']"
               "[bd:service-points/bd:service-point/bd:interface-name='GigabitEthernet0/1/1.300']");
    /* Jumbo frames on every port that carries layer-2 frames or pseudowires, not on L3. */
    assert_int_equal(xp_count(&x, "//devm:port[pic:ethernet/pic:jumbo-frame='9600']"), 5);
    assert_one(&x, "//devm:port[devm:position='0/3/0']");
    assert_none(&x, "//devm:port[devm:position='0/2/0']");
    /* dot1q L3 sub-interface with its address. */
    assert_one(&x,
               "//ifm:interface[ifm:name='GigabitEthernet0/2/0.400']"
               "[eth:ethernet/eth:l3-sub-interface/eth:vlan-type-dot1q/eth:vlan-type-vid='400']"
               "/ip:ipv4/ip:addresses/ip:address[ip:ip='169.254.40.2'][ip:mask='255.255.255.252']");
    /* eBGP: AS, local-as as fake-as, the key placeholder, both filters, route-limit. */
    /* Issue 11 defect 3: the global base-process holds enable and the AS only; the router id
     * is the public instance's (huawei-bgp 8.22.0 NE40E). */
    assert_one(&x, "/nc:config/hbgp:bgp/hbgp:base-process[hbgp:enable='true'][hbgp:as='65100']"
                   "[not(hbgp:router-id)]");
    assert_one(&x, "/nc:config/ni:network-instance/ni:instances/ni:instance[ni:name='_public_']"
                   "/hbgp:bgp/hbgp:base-process[hbgp:router-id='10.255.9.1']");
    assert_one(&x, "//hbgp:peer[hbgp:address='169.254.40.1'][hbgp:remote-as='64512']"
                   "[hbgp:fake-as-parameter/hbgp:fake-as='65101'][hbgp:password-type='cipher']"
                   "[hbgp:password-text='$NST_SECRET{dx-md5}']"
                   "/hbgp:afs/hbgp:af[hbgp:type='ipv4uni']/hbgp:ipv4-unicast"
                   "[hbgp:import-ip-prefix='NS-vrp-pe1-to-aws-IN'][hbgp:export-ip-prefix='NS-vrp-"
                   "pe1-to-aws-OUT']"
                   "[hbgp:route-limit/hbgp:number='50']");
    assert_one(&x, "//rp:ipv4-prefix-filter[rp:name='NS-vrp-pe1-to-aws-OUT']/rp:nodes/rp:node"
                   "[rp:sequence='10'][rp:match-mode='permit'][rp:ip-address='10.100.0.0'][rp:"
                   "masklength='24']");
    /* VSIs: raw (ethernet) pseudowires always; LDP peers; BGP site, RD, RTs; BD binding. */
    assert_int_equal(
        xp_count(&x, "//l2vpn:vpls[l2vpn:encapsulation-type='ethernet'][l2vpn:mtu='1500']"), 2);
    /* A VSI that binds a BD is in bd-mode (upstream vpls/bds: when work-mode='bd-mode'). */
    assert_int_equal(xp_count(&x, "//l2vpn:vpls[l2vpn:bds][l2vpn:work-mode='bd-mode']"), 2);
    assert_one(&x, "//l2vpn:instance[l2vpn:name='ic-ldp'][l2vpn:type='vpls']/l2vpn:vpls"
                   "[l2vpn:member-discovery-mode='static'][l2vpn:bds/l2vpn:bd/l2vpn:id='500']"
                   "/l2vpn:ldp-signaling[l2vpn:vsi-id='500']/l2vpn:pws/l2vpn:pw"
                   "[l2vpn:peer-ip='10.255.9.2'][l2vpn:negotiation-vc-id='500'][l2vpn:"
                   "encapsulation-type='ethernet']");
    assert_one(
        &x, "//l2vpn:instance[l2vpn:name='ic-bgp']/l2vpn:vpls[l2vpn:member-discovery-mode='auto']"
            "[l2vpn:bds/l2vpn:bd/l2vpn:id='4000510']/l2vpn:bgp-signaling"
            "[l2vpn:route-distinguisher='10.255.9.1:12030']"
            "[l2vpn:sites/l2vpn:site[l2vpn:site-id='1'][l2vpn:default-offset='1']]"
            "[count(l2vpn:vpn-targets/l2vpn:vpn-target[l2vpn:rt-value='65100:510'])=2]");
    assert_one(&x, "//bd:instance[bd:id='500']/bd:service-points/bd:service-point"
                   "[bd:interface-name='GigabitEthernet0/2/1.500']");
    assert_one(
        &x,
        "//ifm:interface[ifm:name='GigabitEthernet0/2/1.500']/eth:ethernet/eth:l2-sub-interface"
        "[eth:dot1q/eth:vlans/eth:vlan-list='500'][eth:flow-action/eth:action-type='pop-outer']");
    /* Untagged handoff: EVC sub-interface 4095 "untag", joined with a dot1q one that pops. */
    assert_one(&x, "//ifm:interface[ifm:name='GigabitEthernet0/2/2.4095'][ifm:number='4095']"
                   "/eth:ethernet/eth:l2-sub-interface[eth:untag][not(eth:flow-action)]");
    assert_one(&x,
               "//bd:instance[bd:id='16777214']"
               "[bd:service-points/bd:service-point/bd:interface-name='GigabitEthernet0/2/2.4095']"
               "[bd:service-points/bd:service-point/bd:interface-name='GigabitEthernet0/1/1.700']");
    assert_one(
        &x,
        "//ifm:interface[ifm:name='GigabitEthernet0/1/1.700']//eth:l2-sub-interface"
        "[eth:dot1q/eth:vlans/eth:vlan-list='700'][eth:flow-action/eth:action-type='pop-outer']");
    /* Untagged routed port: the address on the main interface; an empty accept list is an
     * explicit deny-all node, still applied; no key, no route-limit. */
    assert_one(&x, "//ifm:interface[ifm:name='GigabitEthernet0/2/3']/ip:ipv4/ip:addresses"
                   "/ip:address[ip:ip='192.0.2.8'][ip:mask='255.255.255.254']");
    assert_one(&x, "//rp:ipv4-prefix-filter[rp:name='NS-vrp-pe1-to-campus-IN']/rp:nodes"
                   "[count(rp:node)=1]/rp:node[rp:match-mode='deny'][rp:ip-address='0.0.0.0']"
                   "[rp:masklength='0'][rp:masklength-lower='0'][rp:masklength-upper='32']");
    assert_one(&x, "//hbgp:peer[hbgp:address='192.0.2.9'][not(hbgp:password-text)]"
                   "[not(hbgp:fake-as-parameter)]//hbgp:ipv4-unicast"
                   "[hbgp:import-ip-prefix='NS-vrp-pe1-to-campus-IN'][not(hbgp:route-limit)]");
    /* Every peer has both filters, and every filter it names exists. */
    assert_int_equal(xp_count(&x, "//hbgp:peer"), 2);
    assert_int_equal(xp_count(&x, "//hbgp:ipv4-unicast[hbgp:import-ip-prefix = "
                                  "//rp:ipv4-prefix-filter/rp:name][hbgp:export-ip-prefix = "
                                  "//rp:ipv4-prefix-filter/rp:name]"),
                     2);
    xp_close(&x);

    /* pe2: QinQ attachment circuits (default TPID 0x88a8 on the port), its own VE id. */
    xp_open(&x, payload(&s, "vrp-pe2"));
    assert_one(&x, "//eth:main-interface[eth:qinq-protocol='0x88a8']");
    assert_one(&x, "//l2vpn:site[l2vpn:site-id='12']");
    assert_one(&x, "//l2vpn:pw[l2vpn:peer-ip='10.255.9.1']");
    assert_none(&x, "/nc:config/hbgp:bgp");
    xp_close(&x);

    /* CLI: the VSIs and BDs come before the sub-interfaces that join them. */
    c = cli(&s, "vrp-pe1");
    assert_cli_line(c, "interface GigabitEthernet0/1/0.100 mode l2");
    assert_cli_line(c, " encapsulation qinq vid 100 ce-vid 200");
    assert_cli_line(c, " rewrite pop double");
    assert_cli_line(c, " bridge-domain 16777215");
    assert_cli_line(c, " qinq protocol 0x88a8");
    assert_cli_line(c, " vlan-type dot1q 400");
    assert_cli_line(c, " ip address 169.254.40.2 255.255.255.252");
    assert_cli_line(c, " peer 169.254.40.1 password cipher $NST_SECRET{dx-md5}");
    assert_cli_line(c, "  peer 169.254.40.1 ip-prefix NS-vrp-pe1-to-aws-IN import");
    assert_cli_line(c, "  peer 169.254.40.1 ip-prefix NS-vrp-pe1-to-aws-OUT export");
    assert_cli_line(c, "ip ip-prefix NS-vrp-pe1-to-aws-IN index 10 permit 10.20.0.0 24");
    assert_true(cli_line(c, "vsi ic-ldp static") < cli_line(c, "bridge-domain 500"));
    assert_true(cli_line(c, "bridge-domain 500") <
                cli_line(c, "interface GigabitEthernet0/2/1.500 mode l2"));
    assert_true(cli_line(c, " l2 binding vsi ic-ldp") > 0);
    svc_free(&s);
}

static void
test_openconfig_features(void **state)
{
    struct svc s;
    struct xp x;
    const char *c;

    (void)state;
    svc_compile(OC_SVC, &s);
    xp_open(&x, payload(&s, "oc-pe1"));
    /* Mandatory type on every interface; MTU in the OC meaning (L2 + tags). */
    assert_int_equal(xp_count(&x, "//oif:interface"),
                     xp_count(&x, "//oif:interface/oif:config"
                                  "[oif:type='ianaift:ethernetCsmacd']"));
    assert_one(&x, "//oif:interface[oif:name='Ethernet1']/oif:config[oif:mtu='1522']"
                   "[ovlan:tpid='oc-vlan-types:TPID_0X88A8']");
    /* QinQ to QinQ: each side pops its outer tag only, pushes it back with its TPID. */
    assert_one(
        &x,
        "//oif:interface[oif:name='Ethernet1']//oif:subinterface[oif:index='100']/ovlan:vlan"
        "[ovlan:match/ovlan:double-tagged/"
        "ovlan:config[ovlan:outer-vlan-id='100'][ovlan:inner-vlan-id='200']]"
        "[ovlan:ingress-mapping/ovlan:config/ovlan:vlan-stack-action='POP']"
        "[ovlan:egress-mapping/ovlan:config[ovlan:vlan-stack-action='PUSH'][ovlan:vlan-id='100']"
        "[ovlan:tpid='oc-vlan-types:TPID_0X88A8']]");
    assert_one(&x,
               "//oif:interface[oif:name='Ethernet2']//oif:subinterface[oif:index='300']/ovlan:vlan"
               "[ovlan:egress-mapping/"
               "ovlan:config[ovlan:vlan-id='300'][ovlan:tpid='oc-vlan-types:TPID_0X8100']]");
    /* QinQ to dot1q: the QinQ side pops, the dot1q side keeps its tag (it is the inner one). */
    assert_one(&x, "//oif:interface[oif:name='Ethernet5']//ovlan:vlan[ovlan:ingress-mapping]");
    assert_one(&x, "//oif:interface[oif:name='Ethernet6']//ovlan:vlan"
                   "[ovlan:match/ovlan:single-tagged/ovlan:config/ovlan:vlan-id='900']");
    assert_none(&x, "//oif:interface[oif:name='Ethernet6']//ovlan:ingress-mapping");
    /* The local joins are L2P2P instances with two LOCAL endpoints. */
    assert_one(&x, "//oni:network-instance[oni:name='qinq-stitch-1-2']"
                   "[oni:config/oni:type='oc-ni-types:L2P2P']"
                   "[count(oni:connection-points/oni:connection-point/oni:endpoints/oni:endpoint"
                   "[oni:config/oni:type='oc-ni-types:LOCAL'])=2]");
    assert_one(&x, "//oni:network-instance[oni:name='qinq-dot1q-1-2']//oni:local/oni:config"
                   "[oni:interface='Ethernet6'][oni:subinterface='900']");
    /* VPLS: L2VSI, MPLS; LDP remote endpoint; BGP site with RD and RTs. */
    assert_one(&x,
               "//oni:network-instance[oni:name='ic-ldp'][oni:config/oni:type='oc-ni-types:L2VSI']"
               "[oni:encapsulation/oni:config/oni:encapsulation-type='oc-ni-types:MPLS']"
               "//oni:remote/"
               "oni:config[oni:remote-system='10.255.9.2'][oni:virtual-circuit-identifier='500']");
    assert_one(&x, "//oni:network-instance[oni:name='ic-bgp'][oni:config/"
                   "oni:route-distinguisher='10.255.9.1:12030']"
                   "[oni:inter-instance-policies/oni:import-export-policy/oni:config"
                   "[oni:import-route-target='65100:510'][oni:export-route-target='65100:510']]"
                   "//oni:local/oni:config[oni:site-id='1'][oni:site-label-block-offset='1']"
                   "[oni:site-label-block-size='12']");
    /* BGP: both policies always, the key placeholder, local-as, prefix-limit. */
    assert_one(&x, "//oni:neighbor[oni:neighbor-address='169.254.40.1']"
                   "[oni:config[oni:peer-as='64512'][oni:local-as='65101'][oni:auth-password='$NST_"
                   "SECRET{dx-md5}']]"
                   "/oni:afi-safis/oni:afi-safi[oni:config/oni:enabled='true']"
                   "[oni:apply-policy/oni:config[oni:import-policy='NS-oc-pe1-to-aws-IN']"
                   "[oni:export-policy='NS-oc-pe1-to-aws-OUT']]"
                   "[oni:ipv4-unicast/oni:prefix-limit/oni:config/oni:max-prefixes='50']");
    assert_one(
        &x,
        "//orp:policy-definition[orp:name='NS-oc-pe1-to-aws-IN']/orp:statements"
        "[orp:statement[orp:name='10']/orp:conditions/orp:match-prefix-set/orp:config"
        "/orp:prefix-set='NS-oc-pe1-to-aws-IN']"
        "[orp:statement[orp:name='20']/orp:actions/orp:config/orp:policy-result='REJECT_ROUTE']");
    assert_one(&x, "//orp:prefix-set[orp:name='NS-oc-pe1-to-aws-IN']//orp:prefix"
                   "[orp:ip-prefix='10.20.0.0/24'][orp:masklength-range='exact']");
    /* Untagged handoff: subinterface 0 without VLAN, joined with dot1q 700, which pops. */
    assert_one(&x, "//oif:interface[oif:name='Ethernet7']//oif:subinterface[oif:index='0']"
                   "[not(ovlan:vlan)][not(oip:ipv4)]");
    assert_one(&x,
               "//oif:interface[oif:name='Ethernet2']//oif:subinterface[oif:index='700']/ovlan:vlan"
               "[ovlan:ingress-mapping/ovlan:config/ovlan:vlan-stack-action='POP']");
    assert_one(&x, "//oni:network-instance[oni:name='untagged-stitch-1-2']//oni:local/oni:config"
                   "[oni:interface='Ethernet7'][oni:subinterface='0']");
    /* Untagged routed port: subinterface 0 carries the address; the empty set rejects all. */
    assert_one(&x, "//oif:interface[oif:name='Ethernet8']//oif:subinterface[oif:index='0']"
                   "/oip:ipv4/oip:addresses/oip:address/"
                   "oip:config[oip:ip='192.0.2.8'][oip:prefix-length='31']");
    assert_one(&x, "//orp:prefix-set[orp:name='NS-oc-pe1-to-campus-IN'][not(orp:prefixes)]");
    assert_one(&x, "//oni:neighbor[oni:neighbor-address='192.0.2.9']/oni:config"
                   "[not(oni:auth-password)][not(oni:local-as)]");
    assert_int_equal(xp_count(&x, "//oni:neighbor//oni:apply-policy/oni:config"
                                  "[oni:import-policy = //orp:policy-definition/orp:name]"
                                  "[oni:export-policy = //orp:policy-definition/orp:name]"),
                     2);
    xp_close(&x);

    /* The CLI file of a generic device lists the OpenConfig leaves. */
    c = cli(&s, "oc-pe1");
    assert_int_equal(cli_line(c, "# oc-pe1: generic OpenConfig device, no native CLI; "
                                 "the OpenConfig leaves its payload sets"),
                     1);
    assert_cli_line(c, "/interfaces/interface[name=Ethernet1]/config/mtu = 1522");
    assert_cli_line(
        c, "/network-instances/network-instance[name=default]/protocols/"
           "protocol[identifier=BGP][name=BGP]/bgp/neighbors/"
           "neighbor[neighbor-address=169.254.40.1]/config/auth-password = $NST_SECRET{dx-md5}");
    svc_free(&s);
}

/*
 * L3VPN (docs/drivers.md §14) on VRP: the VPN instance with RD and both vpn-targets, the
 * circuits bound to it, the CE peers in the instance's BGP; on the PE that also has a public
 * peer, one BGP process (one global AS) holds both; on the VRF-only PE the global AS comes
 * from the VRF; a VRF peer's prefix limit retries like a public one's.
 */
static void
test_vrp_l3vpn(void **state)
{
    struct svc s;
    struct xp x;
    const char *c;

    (void)state;
    svc_compile(VRP_L3VPN_SVC, &s);
    xp_open(&x, payload(&s, "pe-a"));
    assert_one(&x, "//ni:instance[ni:name='corp-l3']/l3vpn:afs/l3vpn:af[l3vpn:type='ipv4-unicast']"
                   "[l3vpn:route-distinguisher='192.0.2.11:4300']");
    assert_int_equal(xp_count(&x, "//ni:instance[ni:name='corp-l3']//l3vpn:vpn-target"
                                  "[l3vpn:value='64600:4300']"),
                     2);
    assert_one(&x, "//ifm:interface[ifm:name='GigabitEthernet0/1/0.100'][ifm:vrf-name='corp-l3']"
                   "/ip:ipv4/ip:addresses/ip:address[ip:ip='10.255.20.1']");
    assert_none(&x, "//ifm:interface[ifm:name='GigabitEthernet0/2/3'][ifm:vrf-name]");
    assert_one(&x, "/nc:config/hbgp:bgp/hbgp:base-process[hbgp:enable='true'][hbgp:as='64600']");
    assert_one(&x, "//ni:instance[ni:name='corp-l3']/hbgp:bgp/hbgp:base-process"
                   "[hbgp:afs/hbgp:af/hbgp:type='ipv4uni']/hbgp:peers/hbgp:peer"
                   "[hbgp:address='10.255.20.2'][hbgp:remote-as='65201']"
                   "[hbgp:password-text='$NST_SECRET{hq-ce-md5}']"
                   "/hbgp:afs/hbgp:af/hbgp:ipv4-unicast[hbgp:import-ip-prefix='NS-corp-l3-hq-IN']"
                   "[hbgp:export-ip-prefix='NS-corp-l3-hq-OUT']"
                   "/hbgp:route-limit[hbgp:number='50'][hbgp:percent='80']"
                   "[hbgp:type='idle-timeout'][hbgp:idle-timeout='30']");
    assert_one(&x, "//ni:instance[ni:name='_public_']//hbgp:peer[hbgp:address='192.0.2.65']");
    assert_none(&x, "//ni:instance[ni:name='_public_']//hbgp:peer[hbgp:address='10.255.20.2']");
    c = cli(&s, "pe-a");
    assert_int_equal(cli_line(c, "bgp 64600") != 0, 1);
    assert_null(strstr(strstr(c, "\nbgp 64600\n") + 1, "\nbgp "));
    assert_true(cli_line(c, " ip binding vpn-instance corp-l3") <
                cli_line(c, " ip address 10.255.20.1 255.255.255.252"));
    assert_true(cli_line(c, "ip vpn-instance corp-l3") <
                cli_line(c, "interface GigabitEthernet0/1/0.100"));
    assert_cli_line(c, "  vpn-target 64600:4300 export-extcommunity");
    assert_cli_line(c, " ipv4-family vpn-instance corp-l3");
    assert_cli_line(c, "  peer 10.255.20.2 route-limit 50 80 idle-timeout 30");
    xp_close(&x);

    xp_open(&x, payload(&s, "pe-b"));
    assert_one(&x, "/nc:config/hbgp:bgp/hbgp:base-process[hbgp:as='64600']");
    assert_none(&x, "//ni:instance[ni:name='_public_']");
    assert_one(&x, "//ifm:interface[ifm:name='GigabitEthernet0/1/0'][ifm:vrf-name='corp-l3']"
                   "[ifm:mtu='1500']");
    assert_int_equal(xp_count(&x, "//ni:instance[ni:name='corp-l3']//hbgp:peer"), 2);
    /* No prefix limit on the branch circuit: no route-limit at all. */
    assert_none(&x, "//hbgp:peer[hbgp:address='10.255.20.6']//hbgp:route-limit");
    xp_close(&x);
    svc_free(&s);
}

/*
 * L3VPN on OpenConfig: an L3VRF network instance with RD, route targets, its circuits and
 * its own BGP protocol (global AS from the VRF) beside the default instance's.
 */
static void
test_openconfig_l3vpn(void **state)
{
    struct svc s;
    struct xp x;

    (void)state;
    svc_compile(OC_L3VPN_SVC, &s);
    xp_open(&x, payload(&s, "pe-c"));
    assert_one(&x, "//oni:network-instance[oni:name='corp-l3']/oni:config"
                   "[oni:type='oc-ni-types:L3VRF'][oni:route-distinguisher='192.0.2.21:4400']");
    assert_one(&x, "//oni:network-instance[oni:name='corp-l3']/oni:inter-instance-policies/"
                   "oni:import-export-policy/oni:config[oni:export-route-target='64600:4400']"
                   "[oni:import-route-target='64600:4400']");
    assert_one(&x, "//oni:network-instance[oni:name='corp-l3']/oni:interfaces/oni:interface"
                   "[oni:id='Ethernet1.100']/oni:config[oni:interface='Ethernet1']"
                   "[oni:subinterface='100']");
    assert_one(&x, "//oni:network-instance[oni:name='corp-l3']/oni:interfaces/oni:interface"
                   "[oni:id='Ethernet4.0']");
    /* One BGP protocol per instance, each with the AS. */
    assert_int_equal(xp_count(&x, "//oni:protocol[oni:name='BGP']"), 2);
    assert_one(&x, "//oni:network-instance[oni:name='corp-l3']//oni:protocol[oni:name='BGP']"
                   "/oni:bgp/oni:global/oni:config[oni:as='64600']");
    assert_one(&x, "//oni:network-instance[oni:name='corp-l3']//oni:neighbor"
                   "[oni:neighbor-address='10.255.30.2']"
                   "[oni:config/oni:auth-password='$NST_SECRET{hq-ce-md5}']"
                   "[oni:timers/oni:config/oni:restart-time='1800']"
                   "//oni:prefix-limit/oni:config[oni:max-prefixes='50']"
                   "[oni:warning-threshold-pct='80']");
    assert_one(&x, "//oni:network-instance[oni:name='default']//oni:neighbor"
                   "[oni:neighbor-address='192.0.2.67']");
    assert_none(&x, "//oni:network-instance[oni:name='default']//oni:neighbor"
                    "[oni:neighbor-address='10.255.30.2']");
    xp_close(&x);
    xp_open(&x, payload(&s, "pe-d"));
    assert_none(&x, "//oni:network-instance[oni:name='default']");
    assert_one(&x, "//oni:network-instance[oni:name='corp-l3']//oni:global/oni:config"
                   "[oni:as='64600'][oni:router-id='192.0.2.22']");
    xp_close(&x);
    svc_free(&s);
}

static void
test_eos_features(void **state)
{
    struct svc s;
    struct xp x;
    const char *c;
    xmlChar *v;

    (void)state;
    svc_compile(EOS_SVC, &s);
    xp_open(&x, payload(&s, "eos-sw1"));
    /* FlexEncap: 0x88a8 is dot1ad, both tags matched (and popped: no network clause). */
    assert_one(&x, "//cli:command[normalize-space(.)='client dot1ad outer 100 inner 200']");
    assert_one(&x, "//cli:command[normalize-space(.)='client dot1q outer 400 inner 500']");
    assert_one(&x, "//cli:command[normalize-space(.)='client dot1q 300']");
    assert_none(&x, "//cli:command[contains(., 'network')]");
    /* Repeated lines stay distinct: six routed ports, each its own indentation. */
    assert_int_equal(xp_count(&x, "//cli:command[normalize-space(.)='no switchport']"), 7);
    assert_int_equal(xp_count(&x, "//cli:command[normalize-space(.)='encapsulation vlan']"), 4);
    /* The patch panel joins the stitches; an untagged side is the port itself. */
    assert_one(&x, "//cli:command[.='patch panel']/following-sibling::cli:command"
                   "[.='      connector 1 interface Ethernet3']");
    assert_one(&x, "//cli:command[.='      connector 2 interface Ethernet2.300']");
    /* L3 on a 0x88a8 tag: FlexEncap dot1ad, not the classic dot1q encapsulation. */
    assert_one(&x, "//cli:command[.='interface Ethernet7.402']/following-sibling::cli:command"
                   "[normalize-space(.)='client dot1ad 402']");
    assert_one(&x, "//cli:command[normalize-space(.)='ip address 192.0.2.4/31']");
    assert_none(&x, "//cli:command[contains(., 'dot1q vlan 402')]");
    /* L3: classic dot1q, address; the untagged routed port. */
    assert_one(&x, "//cli:command[normalize-space(.)='encapsulation dot1q vlan 401']");
    assert_one(&x, "//cli:command[normalize-space(.)='ip address 192.0.2.0/31']");
    /* BGP and policies through OpenConfig; the empty accept list rejects everything. */
    assert_one(&x, "//oni:neighbor[oni:neighbor-address='169.254.41.1']/oni:config"
                   "[oni:local-as='65201'][oni:auth-password='$NST_SECRET{sw1-dx-md5}']");
    assert_one(&x,
               "//oni:neighbor[oni:neighbor-address='192.0.2.1'][not(oni:config/oni:auth-password)]"
               "//oni:apply-policy/oni:config[oni:import-policy='NS-eos-sw1-to-campus-IN']");
    assert_one(&x, "//orp:prefix-set[orp:name='NS-eos-sw1-to-campus-IN'][not(orp:prefixes)]");
    v = xp_string(&x, "//cli:command[starts-with(normalize-space(.), 'description campus')]");
    assert_string_equal((const char *)v + strspn((const char *)v, " "), "description " HOSTILE_EOS);
    xmlFree(v);
    xp_close(&x);

    c = cli(&s, "eos-sw1");
    assert_cli_line(c, "interface Ethernet1.100");
    assert_cli_line(c, "   encapsulation vlan");
    assert_cli_line(c, "      client dot1ad outer 100 inner 200");
    assert_cli_line(c, "   description " HOSTILE_EOS);
    assert_cli_line(c, "      connector 2 interface Ethernet4.400");
    assert_cli_line(c, "   neighbor 169.254.41.1 local-as 65201 no-prepend replace-as");
    assert_cli_line(c, "   neighbor 169.254.41.1 route-map NS-eos-sw1-to-aws-IN in");
    assert_cli_line(c, "   neighbor 169.254.41.1 route-map NS-eos-sw1-to-aws-OUT out");
    assert_cli_line(c, "route-map NS-eos-sw1-to-campus-IN deny 20");
    assert_int_equal(cli_line(c, "   neighbor 192.0.2.1 password 0 $NST_SECRET{"), 0);
    svc_free(&s);
}

/* The shipped example's VRP and EOS routers. */
static void
test_example_devices(void **state)
{
    struct svc s;
    struct xp x;

    (void)state;
    svc_compile(EXAMPLE_SVC, &s);
    xp_open(&x, payload(&s, "twcc-edge"));
    assert_one(&x, "//ifm:interface[ifm:name='GigabitEthernet0/1/0']/ip:ipv4/ip:addresses"
                   "/ip:address[ip:ip='10.254.1.5'][ip:mask='255.255.255.252']");
    assert_one(&x,
               "//ifm:interface[ifm:name='GigabitEthernet0/1/1.2101']"
               "[eth:ethernet/eth:l3-sub-interface/eth:vlan-type-dot1q/eth:vlan-type-vid='2101']");
    assert_one(
        &x,
        "//hbgp:peer[hbgp:address='172.30.53.5'][hbgp:remote-as='65101']"
        "[hbgp:password-text='$NST_SECRET{bgp-twcc-ccx}']//hbgp:ipv4-unicast"
        "[hbgp:import-ip-prefix='NS-twcc-to-ccx-IN'][hbgp:export-ip-prefix='NS-twcc-to-ccx-OUT']");
    assert_none(&x, "//devm:port");
    xp_close(&x);
    xp_open(&x, payload(&s, "ccx-transit"));
    assert_one(&x, "//cli:command[.='interface Ethernet2.101']");
    assert_int_equal(
        xp_count(&x, "//oni:neighbor/oni:afi-safis/oni:afi-safi/oni:apply-policy/oni:config"
                     "[oni:import-policy][oni:export-policy]"),
        2);
    xp_close(&x);
    assert_cli_line(cli(&s, "ccx-transit"), "   neighbor 169.254.100.1 remote-as 64512");
    svc_free(&s);
}

/*
 * Parse a payload (<config> ... </config>) into a tree of @ly, validated as a whole
 * configuration. Not render_parse_payload(): that one ends the body at the first
 * "</config>", which in an OpenConfig payload is the end of the first config container.
 */
static struct lyd_node *
parse_payload(struct ly_ctx *ly, const char *p, const char **body, size_t *len)
{
    const char *start = strchr(p, '>') + 1, *end = p + strlen(p), *e;
    struct lyd_node *tree = NULL;
    char *text;

    for (e = strstr(start, "</config>"); e; e = strstr(e + 1, "</config>")) {
        end = e;
    }
    assert_true(end > start);
    text = strndup(start, (size_t)(end - start));
    assert_non_null(text);
    if (lyd_parse_data_mem(ly, text, LYD_XML, LYD_PARSE_STRICT, LYD_VALIDATE_PRESENT, &tree)) {
        fail_msg("payload does not parse back: %s", ly_errmsg(ly));
    }
    free(text);
    *body = start;
    *len = (size_t)(end - start);
    return tree;
}

/* Every payload parses back, validated as a whole configuration, to the same tree. */
static void
test_round_trip(void **state)
{
    static const char *const files[] = {VRP_SVC, OC_SVC, EOS_SVC, EXAMPLE_SVC};
    struct render *r;
    size_t f, i, checked = 0;

    (void)state;
    for (f = 0; f < sizeof files / sizeof files[0]; f++) {
        struct svc s;

        svc_compile(files[f], &s);
        assert_int_equal(render_new(s.ctx, NULL, 0, &r), NST_OK);
        for (i = 0; i < nst_compiled_device_count(s.out); i++) {
            const char *drv = nst_compiled_device_driver(s.out, i);
            const char *p = nst_compiled_device_payload(s.out, i), *body;
            struct lyd_node *tree;
            char *again = NULL;
            size_t len;

            if (strcmp(drv, "vrp") && strcmp(drv, "openconfig") && strcmp(drv, "eos")) {
                continue;
            }
            assert_non_null(p);
            tree = parse_payload(render_ly(r), p, &body, &len);
            assert_non_null(tree);
            assert_int_equal(lyd_print_mem(&again, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS),
                             LY_SUCCESS);
            /* The body is the printed tree after the line of the <config> tag. */
            assert_int_equal(*body, '\n');
            assert_int_equal(strlen(again), len - 1);
            assert_memory_equal(body + 1, again, len - 1);
            free(again);
            lyd_free_siblings(tree);
            checked++;
        }
        render_free(r);
        svc_free(&s);
    }
    assert_int_equal(checked, 7);
}

/* Two compiles of the same service are byte-identical. */
static void
test_deterministic(void **state)
{
    static const char *const files[] = {VRP_SVC, OC_SVC, EOS_SVC};
    size_t f, i;

    (void)state;
    for (f = 0; f < sizeof files / sizeof files[0]; f++) {
        struct svc a, b;

        svc_compile(files[f], &a);
        svc_compile(files[f], &b);
        for (i = 0; i < nst_compiled_device_count(a.out); i++) {
            assert_string_equal(nst_compiled_device_payload(a.out, i),
                                nst_compiled_device_payload(b.out, i));
            assert_string_equal(nst_compiled_device_cli(a.out, i),
                                nst_compiled_device_cli(b.out, i));
        }
        svc_free(&a);
        svc_free(&b);
    }
}

/* The IR <device> @name of a compile. */
static xmlNodePtr
ir_device(struct svc *s, const char *name)
{
    xmlNodePtr d;
    char *xml = NULL;

    if (!s->ir) {
        assert_int_equal(nst_compiled_ir(s->out, &xml), NST_OK);
        s->ir = xmlReadMemory(xml, (int)strlen(xml), "ir.xml", NULL, XML_PARSE_NOBLANKS);
        nst_free_string(xml);
        assert_non_null(s->ir);
    }
    for (d = xmlDocGetRootElement(s->ir)->children; d; d = d->next) {
        if (d->type == XML_ELEMENT_NODE && !strcmp(drv_attr(d, "name"), name)) {
            return d;
        }
    }
    fail_msg("no IR device %s", name);
    return NULL;
}

/* Hostile descriptions: one text value in XML, one line in the CLI, even with a newline. */
static void
test_hostile_descriptions(void **state)
{
    static const struct {
        const char *file, *device, *port, *vendor, *platform, *xpath;
    } cases[] = {
        {VRP_SVC, "vrp-pe1", "GigabitEthernet0/1/0", "vrp", NULL,
         "//ifm:interface[ifm:name='GigabitEthernet0/1/0']/ifm:description"},
        {OC_SVC, "oc-pe1", "Ethernet1", "openconfig", NULL,
         "//oif:interface[oif:name='Ethernet1']/oif:config/oif:description"},
        {EOS_SVC, "eos-sw1", "Ethernet1", "openconfig", "eos", NULL},
    };
    const char *nasty = "line one\ninterface Ethernet9 <x/> & ]]>\n shutdown";
    size_t k;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct svc s;
        struct render *r;
        struct xp x;
        xmlNodePtr dev, port, desc = NULL;
        char *p = NULL, *c = NULL;
        xmlChar *v;

        svc_compile(cases[k].file, &s);
        /* As compiled: the markup is text. */
        xp_open(&x, payload(&s, cases[k].device));
        assert_none(&x,
                    "//*[local-name()='shutdown' or local-name()='east' or local-name()='QinQ']");
        if (cases[k].xpath) {
            v = xp_string(&x, cases[k].xpath);
            assert_string_equal((const char *)v, HOSTILE_VRP);
            xmlFree(v);
        }
        xp_close(&x);
        /* A newline in a description must not start a CLI line or a command. */
        dev = ir_device(&s, cases[k].device);
        for (port = dev->children; port; port = port->next) {
            if (port->type == XML_ELEMENT_NODE && !strcmp((const char *)port->name, "port") &&
                !strcmp(drv_attr(port, "name"), cases[k].port)) {
                desc = drv_child(port, "description");
            }
        }
        assert_non_null(desc);
        xmlNodeSetContent(desc, NULL);
        xmlNodeAddContent(desc, (const xmlChar *)nasty);
        assert_int_equal(render_new(s.ctx, NULL, 0, &r), NST_OK);
        assert_int_equal(
            render_device(r, dev, drv_find(cases[k].vendor, cases[k].platform), &p, &c), NST_OK);
        assert_null(strstr(c, "\ninterface Ethernet9"));
        assert_null(strstr(c, "\n shutdown"));
        assert_non_null(strstr(c, "line one interface Ethernet9 <x/> & ]]>  shutdown"));
        xp_open(&x, p);
        assert_none(&x, "//*[local-name()='x']");
        if (!cases[k].xpath) {
            /* Each command is one line. */
            assert_none(&x, "//cli:command[contains(., '&#10;') or contains(., '\n')]");
            assert_one(&x, "//cli:command[contains(., 'line one interface Ethernet9')]");
        } else {
            v = xp_string(&x, cases[k].xpath);
            assert_string_equal((const char *)v, nasty);
            xmlFree(v);
        }
        xp_close(&x);
        nst_free(p);
        nst_free(c);
        render_free(r);
        svc_free(&s);
    }
}

/* A description longer than VRP's limits is cut, on a character boundary, not refused. */
static void
test_vrp_long_description(void **state)
{
    struct svc s;
    struct render *r;
    struct xp x;
    xmlNodePtr dev, port, desc = NULL;
    char *p = NULL, *c = NULL, longtext[901];
    xmlChar *v;
    size_t i;

    (void)state;
    for (i = 0; i < 300; i++) {
        memcpy(longtext + 3 * i, "\xe2\x82\xac", 3); /* U+20AC, three bytes */
    }
    longtext[900] = '\0';
    svc_compile(VRP_SVC, &s);
    dev = ir_device(&s, "vrp-pe1");
    for (port = dev->children; port; port = port->next) {
        if (port->type == XML_ELEMENT_NODE && !strcmp((const char *)port->name, "port") &&
            !strcmp(drv_attr(port, "name"), "GigabitEthernet0/2/0")) {
            desc = drv_child(port, "description");
        }
    }
    assert_non_null(desc);
    xmlNodeSetContent(desc, (const xmlChar *)longtext);
    assert_int_equal(render_new(s.ctx, NULL, 0, &r), NST_OK);
    assert_int_equal(render_device(r, dev, drv_find("vrp", NULL), &p, &c), NST_OK);
    xp_open(&x, p);
    v = xp_string(&x, "//ifm:interface[ifm:name='GigabitEthernet0/2/0']/ifm:description");
    /* 242 bytes would split the 81st character: 80 characters, 240 bytes. */
    assert_int_equal(strlen((const char *)v), 240);
    assert_memory_equal(v, longtext, 240);
    xmlFree(v);
    xp_close(&x);
    longtext[240] = '\0';
    assert_non_null(strstr(c, longtext));
    nst_free(p);
    nst_free(c);
    render_free(r);
    svc_free(&s);
}

/* A VPN longer than huawei-network-instance's 31 characters: the instance and every binding
 * get the same fitted name, and the payload validates. */
static void
test_vrp_long_vrf_name(void **state)
{
    static const char longname[] = "corporate-wan-routed-vpn-for-all-the-offices";
    struct svc s;
    struct render *r;
    struct xp x;
    xmlNodePtr dev, n, sub;
    char *p = NULL, *c = NULL;
    xmlChar *v;
    int renamed = 0;

    (void)state;
    svc_compile(VRP_L3VPN_SVC, &s);
    dev = ir_device(&s, "pe-b");
    for (n = dev->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) {
            continue;
        }
        if (!strcmp((const char *)n->name, "vrf")) {
            xmlSetProp(n, (const xmlChar *)"name", (const xmlChar *)longname);
            renamed++;
        }
        for (sub = n->children; sub; sub = sub->next) {
            if (sub->type == XML_ELEMENT_NODE && drv_attr(sub, "vrf")) {
                xmlSetProp(sub, (const xmlChar *)"vrf", (const xmlChar *)longname);
                renamed++;
            }
        }
    }
    assert_int_equal(renamed, 3); /* the VRF and its two circuits */
    assert_int_equal(render_new(s.ctx, NULL, 0, &r), NST_OK);
    assert_int_equal(render_device(r, dev, drv_find("vrp", NULL), &p, &c), NST_OK);
    xp_open(&x, p);
    v = xp_string(&x, "//ni:instance[l3vpn:afs]/ni:name");
    assert_int_equal(strlen((const char *)v), 31);
    assert_int_equal(strncmp((const char *)v, longname, 24), 0);
    assert_int_equal(xp_count(&x, "//ifm:interface[ifm:vrf-name=//ni:instance[l3vpn:afs]/ni:name]"),
                     2);
    assert_one(&x, "//ni:instance[ni:name=//ni:instance[l3vpn:afs]/ni:name]/hbgp:bgp");
    xp_close(&x);
    assert_non_null(strstr(c, "ip vpn-instance "));
    assert_non_null(strstr(c, (const char *)v));
    xmlFree(v);
    nst_free(p);
    nst_free(c);
    render_free(r);
    svc_free(&s);
}

/* --- the prepare hooks refuse what the vendor cannot express --- */

struct refusal {
    const char *vendor, *platform, *ir, *message;
};

static const struct refusal refusals[] = {
    {"vrp", NULL,
     "<device name='r1' vendor='vrp' driver='vrp'><port name='GigabitEthernet0/1/0' mtu='1500'>"
     "<subif id='100' kind='l3'><match tags='2' outer='100' inner='200' tpid='0x8100'/>"
     "<ipv4 address='192.0.2.1' prefix-length='30'/></subif></port></device>",
     "VRP: port GigabitEthernet0/1/0 sub-interface 100: a layer-3 QinQ termination is not in "
     "the VRP device models"},
    {"openconfig", NULL,
     "<device name='r1' vendor='openconfig' driver='openconfig'><port name='Ethernet1' mtu='1522'>"
     "<subif id='100' kind='l2'><match tags='2' outer='100' inner='200' tpid='0x8100'/>"
     "<rewrite pop='2' symmetric='true'/></subif></port>"
     "<vpls name='v' connection='c' signalling='ldp' vpls-id='7' mtu='1500'>"
     "<ac port='Ethernet1' subif='100'/></vpls></device>",
     "OpenConfig: port Ethernet1 sub-interface 100: the join needs both tags popped, and "
     "OpenConfig mappings act on one tag"},
    {"openconfig", NULL,
     "<device name='r1' vendor='openconfig' driver='openconfig'>"
     "<port name='Ethernet1' mtu='1522'><subif id='100' kind='l2'>"
     "<match tags='2' outer='100' inner='200' tpid='0x8100'/></subif></port>"
     "<port name='Ethernet2' mtu='1514'><subif id='0' kind='l2'><match tags='0'/></subif></port>"
     "<l2-stitch name='s' connection='c' mtu='1500'><ac port='Ethernet1' subif='100'/>"
     "<ac port='Ethernet2' subif='0'/></l2-stitch></device>",
     "OpenConfig: port Ethernet1 sub-interface 100: the join needs both tags popped"},
    {"openconfig", "eos",
     "<device name='r1' vendor='openconfig' driver='eos' platform='eos'>"
     "<port name='Ethernet1' mtu='1500'><subif id='100' kind='l2'>"
     "<match tags='1' outer='100' tpid='0x9100'/></subif></port></device>",
     "EOS: port Ethernet1 sub-interface 100: FlexEncap outer TPID 0x9100 is not supported"},
    {"openconfig", "eos",
     "<device name='r1' vendor='openconfig' driver='eos' platform='eos'>"
     "<vpls name='v' connection='c' signalling='ldp' vpls-id='7' mtu='1500'/></device>",
     "EOS: VPLS is not supported by this driver"},
};

static void
test_refusals(void **state)
{
    struct nst_ctx *ctx;
    struct render *r;
    struct diag_loc origin = {"svc.xml", 42, "/netstitch-intercloud:intercloud/device[name='r1']",
                              NULL};
    size_t k;

    (void)state;
    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    assert_int_equal(render_new(ctx, NULL, 0, &r), NST_OK);
    /* A refusal is the user's input, reported at the service's device (issue 11). */
    render_set_origin(r, &origin);
    for (k = 0; k < sizeof refusals / sizeof refusals[0]; k++) {
        const struct refusal *f = &refusals[k];
        xmlDocPtr doc = xmlReadMemory(f->ir, (int)strlen(f->ir), "ir.xml", NULL, 0);
        char *p = NULL, *c = NULL;
        const struct nst_diag *d;

        assert_non_null(doc);
        nst_diag_clear(ctx);
        assert_int_equal(
            render_device(r, xmlDocGetRootElement(doc), drv_find(f->vendor, f->platform), &p, &c),
            NST_EINPUT);
        assert_null(p);
        assert_null(c);
        assert_int_equal(nst_diag_count(ctx), 1);
        d = nst_diag_get(ctx, 0);
        assert_string_equal(nst_diag_code(d), "DRIVER-UNSUPPORTED");
        assert_string_equal(nst_diag_device(d), "r1");
        assert_string_equal(nst_diag_file(d), "svc.xml");
        assert_int_equal(nst_diag_line(d), 42);
        assert_string_equal(nst_diag_path(d), origin.path);
        if (!strstr(nst_diag_message(d), f->message)) {
            fail_msg("case %zu: \"%s\" lacks \"%s\"", k, nst_diag_message(d), f->message);
        }
        xmlFreeDoc(doc);
    }
    render_free(r);
    nst_ctx_free(ctx);
}

/* Allocation failure at every injection point of one device's render: an error, never a
 * crash or a partial result; then the same render succeeds. */
static void
test_alloc_failures(void **state)
{
    static const struct {
        const char *file, *device, *vendor, *platform;
    } cases[] = {
        {VRP_SVC, "vrp-pe1", "vrp", NULL},
        {OC_SVC, "oc-pe1", "openconfig", NULL},
        {EOS_SVC, "eos-sw1", "openconfig", "eos"},
        {VRP_L3VPN_SVC, "pe-a", "vrp", NULL},
        {OC_L3VPN_SVC, "pe-c", "openconfig", NULL},
    };
    size_t k;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct svc s;
        struct render *r;
        xmlNodePtr dev;
        char *p, *c, *ref_p = NULL, *ref_c = NULL;
        long n;
        nst_err rc;

        svc_compile(cases[k].file, &s);
        assert_int_equal(render_new(s.ctx, NULL, 0, &r), NST_OK);
        dev = ir_device(&s, cases[k].device);
        assert_int_equal(
            render_device(r, dev, drv_find(cases[k].vendor, cases[k].platform), &ref_p, &ref_c),
            NST_OK);
        for (n = 0;; n++) {
            p = c = NULL;
            nst_alloc_fail_after(n);
            rc = render_device(r, dev, drv_find(cases[k].vendor, cases[k].platform), &p, &c);
            nst_alloc_fail_after(-1);
            if (rc == NST_OK) {
                assert_string_equal(p, ref_p);
                assert_string_equal(c, ref_c);
                nst_free(p);
                nst_free(c);
                break;
            }
            assert_int_equal(rc, NST_ENOMEM);
            assert_null(p);
            assert_null(c);
            assert_true(n < 100000);
        }
        nst_free(ref_p);
        nst_free(ref_c);
        render_free(r);
        svc_free(&s);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vrp_features),
        cmocka_unit_test(test_openconfig_features),
        cmocka_unit_test(test_vrp_l3vpn),
        cmocka_unit_test(test_openconfig_l3vpn),
        cmocka_unit_test(test_eos_features),
        cmocka_unit_test(test_example_devices),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_hostile_descriptions),
        cmocka_unit_test(test_vrp_long_description),
        cmocka_unit_test(test_vrp_long_vrf_name),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
