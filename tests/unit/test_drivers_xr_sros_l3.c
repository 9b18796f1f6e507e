/*
 * test_drivers_xr_sros_l3.c: the L3VPN rendering of the IOS-XR and SR OS drivers
 * (drivers/iosxr.c, drivers/sros.c, templates/{iosxr,sros}/vrf.xml; docs/drivers.md §14),
 * from IR <device> elements as lower_mp_l3 writes them (docs/ir.md), through
 * render_device(): the prepare hook, the templates and libyang validation against
 * yang/devices/. What the goldens do not pin:
 *
 * - IOS-XR: a VRF name longer than vrf-name's 32 characters is fitted once and the same
 *   name appears in vrfs/vrf, router bgp vrf and the interface's vrf;
 * - the prefix limit of a VRF neighbour: the threshold and restart the IR gives (the
 *   lowering writes a session's defaults, 80 % and 30 minutes), on both vendors;
 * - SR OS: a port with only VPRN circuits is in access mode, one that also has a Base
 *   router interface in hybrid mode, and a VPRN circuit is never a Base interface;
 * - refusals (DRIVER-UNSUPPORTED at the device): an SR OS VPLS and VPRN of one device with
 *   the same service id or name, an IOS-XR route distinguisher that is not ADDRESS:0..65535.
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

#include "alloc.h"
#include "ctx.h"
#include "diag.h"
#include "driver.h"
#include "render.h"

/* A VRF of one circuit (GigabitEthernet0/0/0/1.110 or 1/1/1:300) with one CE; @name, the
 * family's extra attributes @fam. */
#define XR_VRF(name, fam)                                                                          \
    "<port name='GigabitEthernet0/0/0/1' mtu='1514'>"                                              \
    "<subif id='110' kind='l3' connection='" name "' hop='1' ip-mtu='1500' vrf='" name "'>"        \
    "<match tags='1' outer='110' tpid='0x8100'/><ipv4 address='10.255.61.1' prefix-length='30'/>"  \
    "</subif></port>"                                                                              \
    "<vrf name='" name "' connection='" name                                                       \
    "' vpn-id='4300' route-distinguisher='192.0.2.21:4300'"                                        \
    " route-target='64600:4300' asn='64600' router-id='192.0.2.21'>"                               \
    "<ac port='GigabitEthernet0/0/0/1' subif='110'/>"                                              \
    "<neighbor address='10.255.61.2' name='n' connection='" name "' peer-as='65201'"               \
    " local-address='10.255.61.1' import='NS-IN' export='NS-OUT' max-prefix='50' "                 \
    "transport='ipv4'>"                                                                            \
    "<family name='ipv4-unicast' import='NS-IN' export='NS-OUT' max-prefix='50'" fam "/>"          \
    "</neighbor></vrf>"                                                                            \
    "<prefix-list name='NS-IN' family='ipv4'><prefix prefix='10.61.0.0/16' address='10.61.0.0'"    \
    " length='16' seq='10'/></prefix-list>"                                                        \
    "<prefix-list name='NS-OUT' family='ipv4'><prefix prefix='10.62.0.0/16' address='10.62.0.0'"   \
    " length='16' seq='10'/></prefix-list>"                                                        \
    "<policy name='NS-IN' prefix-list='NS-IN' direction='import' family='ipv4'/>"                  \
    "<policy name='NS-OUT' prefix-list='NS-OUT' direction='export' family='ipv4'/>"

/* A VRF neighbour's family as lower_mp_l3 writes it with a max-prefix. */
#define LOWERED " threshold='80' restart='30'"

#define SR_VRF(port, sub, fam)                                                                     \
    "<port name='" port "' mtu='1518'>"                                                            \
    "<subif id='" sub "' kind='l3' connection='corp' hop='1' ip-mtu='1500' vrf='corp'>"            \
    "<match tags='1' outer='" sub                                                                  \
    "' tpid='0x8100'/><ipv4 address='10.255.71.1' prefix-length='30'/>"                            \
    "</subif></port>"                                                                              \
    "<vrf name='corp' connection='corp' vpn-id='4700' route-distinguisher='192.0.2.31:4700'"       \
    " route-target='64700:4700' asn='64700' router-id='192.0.2.31'>"                               \
    "<ac port='" port "' subif='" sub "'/>"                                                        \
    "<neighbor address='10.255.71.2' name='corp-f' connection='corp' peer-as='65301'"              \
    " local-address='10.255.71.1' import='NS-IN' export='NS-OUT' max-prefix='40' "                 \
    "transport='ipv4'>"                                                                            \
    "<family name='ipv4-unicast' import='NS-IN' export='NS-OUT' max-prefix='40'" fam "/>"          \
    "</neighbor></vrf>"                                                                            \
    "<prefix-list name='NS-IN' family='ipv4'><prefix prefix='10.71.0.0/16' address='10.71.0.0'"    \
    " length='16' seq='10'/></prefix-list>"                                                        \
    "<prefix-list name='NS-OUT' family='ipv4'><prefix prefix='10.72.0.0/16' address='10.72.0.0'"   \
    " length='16' seq='10'/></prefix-list>"                                                        \
    "<policy name='NS-IN' prefix-list='NS-IN' direction='import' family='ipv4'/>"                  \
    "<policy name='NS-OUT' prefix-list='NS-OUT' direction='export' family='ipv4'/>"

/* SR_VRF's port 1/1/1 also carrying a Base router interface (dot1q 400). */
#define SR_BASE_AND_VRF                                                                            \
    "<port name='1/1/1' mtu='1518'>"                                                               \
    "<subif id='400' kind='l3' connection='dx' hop='1' ip-mtu='1500'>"                             \
    "<match tags='1' outer='400' tpid='0x8100'/><ipv4 address='169.254.41.2' prefix-length='30'/>" \
    "</subif>"                                                                                     \
    "<subif id='300' kind='l3' connection='corp' hop='1' ip-mtu='1500' vrf='corp'>"                \
    "<match tags='1' outer='300' tpid='0x8100'/><ipv4 address='10.255.71.1' prefix-length='30'/>"  \
    "</subif></port>"                                                                              \
    "<vrf name='corp' connection='corp' vpn-id='4700' route-distinguisher='192.0.2.31:4700'"       \
    " route-target='64700:4700' asn='64700' router-id='192.0.2.31'>"                               \
    "<ac port='1/1/1' subif='300'/></vrf>"

#define LONG_NAME "corp-wan-with-a-name-longer-than-32-chars"

struct env {
    struct nst_ctx *ctx;
    struct render *r;
};

static int
setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);

    if (!e || nst_ctx_new(NULL, &e->ctx) || render_new(e->ctx, NULL, 0, &e->r)) {
        return -1;
    }
    *state = e;
    return 0;
}

static int
teardown(void **state)
{
    struct env *e = *state;

    render_free(e->r);
    nst_ctx_free(e->ctx);
    free(e);
    return 0;
}

/* Render device @body (the children of <device name='r1'>) with @driver; returns rc, the
 * payload and CLI in @p and @c (nst_free()). */
static nst_err
rend(struct env *e, const char *driver, const char *body, char **p, char **c)
{
    char ir[8192];
    xmlDocPtr doc;
    nst_err rc;

    snprintf(ir, sizeof ir, "<device name='r1' vendor='%s' driver='%s' asn='64600'>%s</device>",
             driver, driver, body);
    doc = xmlReadMemory(ir, (int)strlen(ir), "ir.xml", NULL, 0);
    assert_non_null(doc);
    *p = *c = NULL;
    nst_diag_clear(e->ctx);
    rc = render_device(e->r, xmlDocGetRootElement(doc), drv_by_name(driver), p, c);
    xmlFreeDoc(doc);
    return rc;
}

/* The number of times @needle occurs in @hay. */
static int
count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle)) {
        n++;
    }
    return n;
}

static void
test_xr_long_vrf_name(void **state)
{
    struct env *e = *state;
    char *p, *c, fitted[64], want[128];

    assert_int_equal(rend(e, "iosxr", XR_VRF(LONG_NAME, LOWERED), &p, &c), NST_OK);
    drv_fit_name(LONG_NAME, 32, fitted, sizeof fitted);
    assert_true(strlen(fitted) <= 32);
    /* The full name only in the VRF's description. */
    assert_null(strstr(p, "<vrf-name>" LONG_NAME));
    assert_null(strstr(p, ">" LONG_NAME "</vrf>"));
    assert_non_null(strstr(p, "<description>netstitch VPN " LONG_NAME "</description>"));
    snprintf(want, sizeof want, "<vrf-name>%s</vrf-name>", fitted);
    assert_int_equal(count(p, want), 2); /* vrfs/vrf and router bgp vrf */
    snprintf(want, sizeof want, "Cisco-IOS-XR-um-if-vrf-cfg\">%s</vrf>", fitted);
    assert_int_equal(count(p, want), 1);
    snprintf(want, sizeof want, "\n vrf %s\n", fitted);
    assert_non_null(strstr(c, want));
    snprintf(want, sizeof want, "vrf %s\n", fitted);
    assert_int_equal(count(c, want), 3); /* vrf, interface, router bgp */
    nst_free(p);
    nst_free(c);
}

static void
test_vrf_prefix_limit(void **state)
{
    struct env *e = *state;
    char *p, *c;

    /* The session defaults, as the lowering writes them. */
    assert_int_equal(rend(e, "iosxr", XR_VRF("corp", LOWERED), &p, &c), NST_OK);
    assert_non_null(strstr(p, "<prefix-limit>50</prefix-limit>"));
    assert_non_null(strstr(p, "<threshold>80</threshold>"));
    assert_non_null(strstr(p, "<restart>30</restart>"));
    assert_non_null(strstr(c, "    maximum-prefix 50 80 restart 30\n"));
    nst_free(p);
    nst_free(c);
    /* Other values in the IR are rendered as they are. */
    assert_int_equal(rend(e, "iosxr", XR_VRF("corp", " threshold='90' restart='5'"), &p, &c),
                     NST_OK);
    assert_non_null(strstr(c, "    maximum-prefix 50 90 restart 5\n"));
    nst_free(p);
    nst_free(c);
    assert_int_equal(rend(e, "sros", SR_VRF("1/1/1", "300", LOWERED), &p, &c), NST_OK);
    assert_non_null(strstr(c, "bgp neighbor \"10.255.71.2\" prefix-limit ipv4 threshold 80\n"));
    assert_non_null(strstr(c, "bgp neighbor \"10.255.71.2\" prefix-limit ipv4 idle-timeout 30\n"));
    nst_free(p);
    nst_free(c);
    assert_int_equal(
        rend(e, "sros", SR_VRF("1/1/1", "300", " threshold='70' restart='15'"), &p, &c), NST_OK);
    assert_non_null(strstr(c, "prefix-limit ipv4 threshold 70\n"));
    assert_non_null(strstr(c, "prefix-limit ipv4 idle-timeout 15\n"));
    nst_free(p);
    nst_free(c);
}

static void
test_sros_port_mode(void **state)
{
    struct env *e = *state;
    char *p, *c;

    /* Only a VPRN circuit: an access port, no Base router interface. */
    assert_int_equal(rend(e, "sros", SR_VRF("1/1/1", "300", LOWERED), &p, &c), NST_OK);
    assert_non_null(strstr(c, "/configure port 1/1/1 ethernet mode access\n"));
    assert_null(strstr(c, "router \"Base\" interface"));
    assert_non_null(strstr(c, "/configure service vprn \"corp\" interface \"corp-hop1\" sap "
                              "1/1/1:300 admin-state enable\n"));
    nst_free(p);
    nst_free(c);
    /* The same port also carries a Base router interface: hybrid. */
    assert_int_equal(rend(e, "sros", SR_BASE_AND_VRF, &p, &c), NST_OK);
    assert_non_null(strstr(c, "/configure port 1/1/1 ethernet mode hybrid\n"));
    assert_int_equal(count(c, "router \"Base\" interface \"dx-hop1\" port 1/1/1:400\n"), 1);
    assert_null(strstr(c, "router \"Base\" interface \"corp-hop1\""));
    nst_free(p);
    nst_free(c);
}

/* Regression: an SR OS interface name (CONNECTION-hopN, router "Base" and VPRN alike) is
 * at most 32 characters (nokia-conf interface-name 1..32); a VPN or connection name longer
 * than about 26 gave a payload the device models refuse after check had passed. */
static void
test_sros_long_interface_name(void **state)
{
    struct env *e = *state;
    const char *body =
        "<port name='1/1/1' mtu='1518'>"
        "<subif id='400' kind='l3' connection='" LONG_NAME "' hop='12' ip-mtu='1500'>"
        "<match tags='1' outer='400' tpid='0x8100'/>"
        "<ipv4 address='169.254.41.2' prefix-length='30'/></subif>"
        "<subif id='300' kind='l3' connection='" LONG_NAME "' hop='1' ip-mtu='1500' vrf='corp'>"
        "<match tags='1' outer='300' tpid='0x8100'/>"
        "<ipv4 address='10.255.71.1' prefix-length='30'/></subif></port>"
        "<vrf name='corp' connection='corp' vpn-id='4700' route-distinguisher='192.0.2.31:4700'"
        " route-target='64700:4700' asn='64700' router-id='192.0.2.31'>"
        "<ac port='1/1/1' subif='300'/></vrf>";
    char *p, *c, fitted[64], want[128];

    assert_int_equal(rend(e, "sros", body, &p, &c), NST_OK);
    assert_null(strstr(p, LONG_NAME "-hop"));
    drv_fit_name(LONG_NAME "-hop12", 32, fitted, sizeof fitted);
    assert_true(strlen(fitted) == 32);
    snprintf(want, sizeof want, "router \"Base\" interface \"%s\" port 1/1/1:400\n", fitted);
    assert_non_null(strstr(c, want));
    drv_fit_name(LONG_NAME "-hop1", 32, fitted, sizeof fitted);
    snprintf(want, sizeof want, "vprn \"corp\" interface \"%s\" sap 1/1/1:300", fitted);
    assert_non_null(strstr(c, want));
    nst_free(p);
    nst_free(c);
}

static void
test_refusals(void **state)
{
    static const struct {
        const char *driver, *body, *message;
    } cases[] = {
        {"sros",
         SR_VRF("1/1/1", "300",
                "") "<port name='1/1/2' mtu='1518'>"
                    "<subif id='500' kind='l2' connection='lab' hop='1' ip-mtu='1500'>"
                    "<match tags='1' outer='500' tpid='0x8100'/>"
                    "<rewrite pop='1' symmetric='true'/></subif></port>"
                    "<vpls name='lab' connection='lab' signalling='ldp' vpls-id='4700' "
                    "mtu='1500'><ac port='1/1/2' subif='500'/>"
                    "<neighbor address='192.0.2.39' device='x' pw-id='4700'/></vpls>",
         "vpls lab and vrf corp would both be SR OS service 4700"},
        {"sros",
         SR_VRF("1/1/1", "300",
                "") "<port name='1/1/2' mtu='1518'>"
                    "<subif id='500' kind='l2' connection='lab' hop='1' ip-mtu='1500'>"
                    "<match tags='1' outer='500' tpid='0x8100'/>"
                    "<rewrite pop='1' symmetric='true'/></subif></port>"
                    "<vpls name='corp' connection='lab' signalling='ldp' vpls-id='4800' "
                    "mtu='1500'><ac port='1/1/2' subif='500'/>"
                    "<neighbor address='192.0.2.39' device='x' pw-id='4800'/></vpls>",
         "vpls corp and vrf corp would both be the SR OS service named \"corp\""},
        {"iosxr",
         "<port name='GigabitEthernet0/0/0/1' mtu='1514'>"
         "<subif id='110' kind='l3' connection='c' hop='1' ip-mtu='1500' vrf='c'>"
         "<match tags='1' outer='110' tpid='0x8100'/>"
         "<ipv4 address='10.255.61.1' prefix-length='30'/></subif></port>"
         "<vrf name='c' connection='c' vpn-id='70000' route-distinguisher='192.0.2.21:70000'"
         " route-target='64600:4300' asn='64600' router-id='192.0.2.21'>"
         "<ac port='GigabitEthernet0/0/0/1' subif='110'/></vrf>",
         "route distinguisher 192.0.2.21:70000 is not ADDRESS:0..65535"},
    };
    struct env *e = *state;

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *p, *c;
        const struct nst_diag *d;

        assert_int_equal(rend(e, cases[k].driver, cases[k].body, &p, &c), NST_EINPUT);
        assert_null(p);
        assert_null(c);
        assert_int_equal(nst_diag_count(e->ctx), 1);
        d = nst_diag_get(e->ctx, 0);
        assert_string_equal(nst_diag_code(d), "DRIVER-UNSUPPORTED");
        assert_string_equal(nst_diag_device(d), "r1");
        if (!strstr(nst_diag_message(d), cases[k].message)) {
            fail_msg("case %zu: \"%s\" lacks \"%s\"", k, nst_diag_message(d), cases[k].message);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xr_long_vrf_name),
        cmocka_unit_test(test_vrf_prefix_limit),
        cmocka_unit_test(test_sros_port_mode),
        cmocka_unit_test(test_sros_long_interface_name),
        cmocka_unit_test(test_refusals),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
