/*
 * test_render.c: the render stage and the compile result (compiler/render.c,
 * compiler/compile.c, the drivers' prepare hooks).
 *
 * - every payload of the shipped example and of the multipoint VPLS validates against
 *   the device models, prints back byte for byte and parses back to the same tree
 *   (lyd_compare_siblings, full recursion): the round trip;
 * - hostile descriptions (markup, '&', "]]>", quotes, a newline) stay one text value in
 *   every payload and never add a CLI line;
 * - an invalid payload from a (user) template is an INTERNAL error naming that template
 *   file and the line of the offending element, for a validation error (leafref) and a
 *   parse error (unknown element); a template syntax error names its file and line;
 * - the template search path: a user directory shadows one template, the rest come from
 *   the built-in directory; NST_TEMPLATE_PATH works the same way;
 * - a driver without features leaves its devices pending;
 * - secrets never appear, only their placeholders;
 * - the public accessors, the writer, the driver helpers, and allocation failures at
 *   every allocation (sampled) of a compile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libyang/libyang.h>

#include "alloc.h"
#include "compile.h"
#include "driver.h"
#include "lower.h"
#include "model.h"
#include "render.h"
#include "service.h"

#define EXAMPLE NST_SRCDIR "/examples/twcc-ccx-aws/service.xml"
#define MULTIPOINT NST_SRCDIR "/tests/compile/multipoint/vpls-5-sites.xml"

struct fx {
    struct nst_ctx *ctx;
    struct nst_service *svc;
    struct nst_compiled *comp;
    char tmp[64];
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    assert_int_equal(nst_ctx_new(NULL, &f->ctx), NST_OK);
    snprintf(f->tmp, sizeof f->tmp, "/tmp/nst-render-XXXXXX");
    assert_non_null(mkdtemp(f->tmp));
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    nst_compiled_free(f->comp);
    nst_service_free(f->svc);
    nst_ctx_free(f->ctx);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->tmp);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void
load_checked(struct fx *f, const char *path)
{
    assert_int_equal(nst_service_load(f->ctx, path, NST_FORMAT_AUTO, &f->svc), NST_OK);
    assert_int_equal(nst_service_check(f->svc), NST_OK);
}

static void
load_mem_checked(struct fx *f, const char *text)
{
    assert_int_equal(
        nst_service_load_mem(f->ctx, text, strlen(text), NST_FORMAT_XML, "mem.xml", &f->svc),
        NST_OK);
    assert_int_equal(nst_service_check(f->svc), NST_OK);
}

static void
write_file(const char *dir, const char *rel, const char *text)
{
    char path[512], sub[512], *slash;
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", dir, rel);
    snprintf(sub, sizeof sub, "%s", path);
    slash = strrchr(sub, '/');
    *slash = '\0';
    mkdir(sub, 0755);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static const char *
payload_of(const struct nst_compiled *c, const char *device)
{
    size_t i;

    for (i = 0; i < nst_compiled_device_count(c); i++) {
        if (!strcmp(nst_compiled_device_name(c, i), device)) {
            return nst_compiled_device_payload(c, i);
        }
    }
    fail_msg("no device %s", device);
    return NULL;
}

static const char *
cli_of(const struct nst_compiled *c, const char *device)
{
    size_t i;

    for (i = 0; i < nst_compiled_device_count(c); i++) {
        if (!strcmp(nst_compiled_device_name(c, i), device)) {
            return nst_compiled_device_cli(c, i);
        }
    }
    fail_msg("no device %s", device);
    return NULL;
}

/* The first diagnostic with @code, or NULL. */
static const struct nst_diag *
code_diag(struct nst_ctx *ctx, const char *code)
{
    size_t i;

    for (i = 0; i < nst_diag_count(ctx); i++) {
        if (!strcmp(nst_diag_code(nst_diag_get(ctx, i)), code)) {
            return nst_diag_get(ctx, i);
        }
    }
    return NULL;
}

/* Parse each payload back, print it again: the same text (the render prints the tree
 * itself, byte for byte as libyang's printer: render_tree_text()); parse that: the same
 * tree. At least @min payloads. */
static void
round_trip_all(const struct nst_compiled *c, struct ly_ctx *ly, size_t min)
{
    size_t i, n = 0;

    for (i = 0; i < nst_compiled_device_count(c); i++) {
        const char *p = nst_compiled_device_payload(c, i);
        struct lyd_node *t1 = NULL, *t2 = NULL;
        char *body = NULL, *again;
        const char *open_end;

        assert_non_null(p);
        assert_int_equal(render_parse_payload(ly, p, &t1), NST_OK);
        assert_non_null(t1);
        assert_int_equal(lyd_print_mem(&body, t1, LYD_XML, LYD_PRINT_WITHSIBLINGS), LY_SUCCESS);
        open_end = strchr(p, '\n');
        assert_non_null(open_end);
        /* The payload is "<config ...>\n" + libyang's print + "</config>\n". */
        assert_int_equal(strncmp(open_end + 1, body, strlen(body)), 0);
        assert_string_equal(open_end + 1 + strlen(body), "</config>\n");
        again = nst_asprintf("<config xmlns=\"" RENDER_NC_NS "\">\n%s</config>\n", body);
        assert_int_equal(render_parse_payload(ly, again, &t2), NST_OK);
        assert_int_equal(lyd_compare_siblings(t1, t2, LYD_COMPARE_FULL_RECURSION), LY_SUCCESS);
        lyd_free_siblings(t1);
        lyd_free_siblings(t2);
        nst_free(again);
        free(body);
        n++;
    }
    assert_true(n >= min);
}

static void
test_round_trip_example_and_multipoint(void **state)
{
    struct fx *f = *state;
    struct render *r;
    const char *files[] = {EXAMPLE, MULTIPOINT};
    size_t k;

    assert_int_equal(render_new(f->ctx, NULL, 0, &r), NST_OK);
    for (k = 0; k < 2; k++) {
        load_checked(f, files[k]);
        assert_int_equal(nst_service_compile(f->svc, &f->comp), NST_OK);
        round_trip_all(f->comp, render_ly(r), 5);
        nst_compiled_free(f->comp);
        f->comp = NULL;
        nst_service_free(f->svc);
        f->svc = NULL;
    }
    render_free(r);
}

/* The IR of a device dumped alone (its <device> element). */
static char *
dump_device(xmlNodePtr dev)
{
    xmlBufferPtr b = xmlBufferCreate();
    char *s;

    assert_non_null(b);
    assert_true(xmlNodeDump(b, dev->doc, dev, 0, 0) > 0);
    s = strdup((const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    assert_non_null(s);
    return s;
}

/*
 * Issue 17 (compile memory): the compile lowers a few devices at a time
 * (lower_service_range); every device's IR must be exactly the one lowering the whole
 * service gives, for every range split, on services with every kind of lowering (QinQ
 * stitches, VPLS LDP and BGP, BGP with origination, shared ports, bundles, multipoint VPNs
 * hub-and-spoke and BGP-signalled).
 */
static void
test_lower_ranges_equal_whole(void **state)
{
    struct fx *f = *state;
    const char *files[] = {EXAMPLE, MULTIPOINT,
                           NST_SRCDIR "/tests/compile/junos/junos-features.xml",
                           NST_SRCDIR "/tests/compile/qinq/qinq-bundle.xml",
                           NST_SRCDIR "/tests/compile/shared/shared-ports.xml",
                           NST_SRCDIR "/tests/compile/sros/sros-dual-stack.xml",
                           NST_SRCDIR "/tests/compile/issue11/issue11-render.xml",
                           NST_SRCDIR "/examples/enterprise-wan/service-hub-spoke.xml",
                           NST_SRCDIR "/tests/compile/multipoint/mp-bgp.xml"};
    size_t k, i, lo, step, n;

    for (k = 0; k < sizeof files / sizeof *files; k++) {
        xmlDocPtr whole = NULL, part = NULL;
        xmlNodePtr d, p;

        load_checked(f, files[k]);
        n = f->svc->model->ndevices;
        assert_true(n >= 1);
        assert_int_equal(lower_service(f->svc, &whole), NST_OK);
        for (step = 1; step <= n; step++) {
            d = drv_child(xmlDocGetRootElement(whole), "device");
            for (lo = 0; lo < n; lo += step) {
                size_t hi = lo + step < n ? lo + step : n;

                assert_int_equal(lower_service_range(f->svc, lo, hi, &part), NST_OK);
                p = drv_child(xmlDocGetRootElement(part), "device");
                for (i = lo; i < hi; i++, d = drv_next(d, "device"), p = drv_next(p, "device")) {
                    char *a, *b;

                    assert_non_null(d);
                    assert_non_null(p);
                    a = dump_device(d);
                    b = dump_device(p);
                    if (strcmp(a, b)) {
                        fail_msg("%s: device %zu lowered in [%zu, %zu) differs:\n%s\n%s",
                                 files[k], i, lo, hi, a, b);
                    }
                    free(a);
                    free(b);
                }
                assert_null(p);
                xmlFreeDoc(part);
                part = NULL;
            }
        }
        assert_int_equal(lower_service_range(f->svc, 1, 0, &part), NST_EINVAL);
        assert_int_equal(lower_service_range(f->svc, 0, n + 1, &part), NST_EINVAL);
        xmlFreeDoc(whole);
        nst_service_free(f->svc);
        f->svc = NULL;
    }
}

/* The example's stitched QinQ on both sides of each stitch, and vendor MTU meanings. */
static void
test_example_stitch_facts(void **state)
{
    struct fx *f = *state;
    const char *p;

    load_checked(f, EXAMPLE);
    assert_int_equal(nst_service_compile(f->svc, &f->comp), NST_OK);
    p = payload_of(f->comp, "twaren-taichung");
    assert_non_null(strstr(p, "<mtu>1522</mtu>"));
    assert_non_null(strstr(p, "<outer>0x88a8.3100</outer>"));
    assert_non_null(strstr(p, "<inner>2101</inner>"));
    assert_non_null(strstr(p, "<vlan-id>none</vlan-id>"));
    p = payload_of(f->comp, "twaren-border");
    assert_non_null(strstr(p, "<vlan-tagging/>"));
    assert_non_null(strstr(p, "<mtu>1518</mtu>"));
    p = cli_of(f->comp, "partner-ccx");
    assert_non_null(strstr(p, "interface GigabitEthernet0/0/0/0.3100 l2transport\n"
                              " description netstitch twcc-aws hop 4 (taichung-partner)\n"
                              " encapsulation dot1ad 3100 dot1q 2101\n"
                              " rewrite ingress tag pop 2 symmetric\n"));
    assert_non_null(strstr(p, " encapsulation dot1q 1100 second-dot1q 2101\n"
                              " rewrite ingress tag pop 2 symmetric\n"));
    p = payload_of(f->comp, "partner-ccx");
    /* Its parent MTU 1514 already carries QinQ on IOS-XR: unchanged, so not written
     * (writing the declared value back could lower a port that runs more, issue 11). */
    assert_null(strstr(p, "<mtu>1514</mtu>"));
    assert_null(strstr(p, "<mtu>1522</mtu>"));
    p = payload_of(f->comp, "ccx-pe");
    assert_non_null(strstr(p, "<sap-id>1/1/1:1100.2101</sap-id>"));
    assert_non_null(strstr(p, "<sap-id>1/1/2</sap-id>"));
    assert_non_null(strstr(p, "<encap-type>qinq</encap-type>"));
    assert_non_null(strstr(p, "<encap-type>null</encap-type>"));
    assert_non_null(strstr(p, "<service-mtu>1514</service-mtu>"));
    assert_non_null(strstr(p, "<mtu>1522</mtu>"));
}

/* A Junos-IOS-XR-SR OS service whose port descriptions are hostile. */
static const char hostile_fmt[] =
    "<intercloud xmlns=\"urn:netstitch:yang:intercloud\">"
    "<site><name>a</name><kind>on-premises</kind></site>"
    "<site><name>b</name><kind>on-premises</kind></site>"
    "%s"
    "<segment><name>s1</name><a><site>a</site><node>n1</node></a>"
    "<b><device>r1</device><port>%s</port></b></segment>"
    "<segment><name>s2</name><a><device>r1</device><port>%s</port></a>"
    "<b><site>b</site><node>n2</node></b></segment>"
    "<connection><name>c1</name><ip-mtu>1500</ip-mtu><endpoint>a</endpoint><endpoint>b</endpoint>"
    "<hop><seq>1</seq><segment>s1</segment><encapsulation><qinq><s-tag>100</s-tag>"
    "<c-tag>200</c-tag></qinq></encapsulation></hop>"
    "<hop><seq>2</seq><segment>s2</segment><encapsulation><dot1q><vlan>300</vlan></dot1q>"
    "</encapsulation></hop>"
    "<stitch><device>r1</device><from-hop>1</from-hop><to-hop>2</to-hop></stitch>"
    "</connection></intercloud>";

/* The description as written in the service (XML-escaped) and as the value it means. */
#define EVIL_XML                                                                                   \
    "x &lt;/description&gt;&lt;shutdown/&gt; &amp;amp; ]]&gt; \"q\" 'a' \\ {../@name}&#10;set "    \
    "system root-authentication plain-text-password"
#define EVIL                                                                                       \
    "x </description><shutdown/> &amp; ]]> \"q\" 'a' \\ {../@name}\nset system "                   \
    "root-authentication plain-text-password"

static void
hostile_device(char *buf, size_t len, const char *vendor, const char *p1, const char *p2,
               unsigned mtu)
{
    char dev[2048];

    snprintf(dev, sizeof dev,
             "<device><name>r1</name><vendor>%s</vendor><role>partner-edge</role>"
             "<router-id>10.0.0.1</router-id>"
             "<port><name>%s</name><description>" EVIL_XML "</description>"
             "<bandwidth>1000000</bandwidth><mtu>%u</mtu><max-mtu>9000</max-mtu></port>"
             "<port><name>%s</name><description>plain</description>"
             "<bandwidth>1000000</bandwidth><mtu>%u</mtu><max-mtu>9000</max-mtu></port>"
             "</device>",
             vendor, p1, mtu, p2, mtu);
    snprintf(buf, len, hostile_fmt, dev, p1, p2);
}

static void
test_hostile_descriptions_stay_data(void **state)
{
    static const struct {
        const char *vendor, *p1, *p2;
        unsigned mtu;
        const char *desc_leaf; /* schema node name of the port description */
    } v[] = {
        {"junos", "ge-0/0/1", "ge-0/0/2", 1514, "description"},
        {"iosxr", "GigabitEthernet0/0/0/1", "GigabitEthernet0/0/0/2", 1514, "description"},
        {"sros", "1/1/1", "1/1/2", 1514, "description"},
    };
    struct fx *f = *state;
    struct render *r;
    char text[8192];
    size_t k;

    assert_int_equal(render_new(f->ctx, NULL, 0, &r), NST_OK);
    for (k = 0; k < sizeof v / sizeof v[0]; k++) {
        struct lyd_node *tree = NULL, *n;
        const char *cli;
        size_t found = 0, lines = 0, desc_lines = 0;
        const char *s;

        hostile_device(text, sizeof text, v[k].vendor, v[k].p1, v[k].p2, v[k].mtu);
        load_mem_checked(f, text);
        assert_int_equal(nst_service_compile(f->svc, &f->comp), NST_OK);
        assert_int_equal(render_parse_payload(render_ly(r), payload_of(f->comp, "r1"), &tree),
                         NST_OK);
        /* Exactly one node carries the description; its value is the hostile text (SR OS
         * takes 7-bit printable ASCII, at most 80 characters: the newline becomes a space,
         * as nokia-types-sros' description pattern refuses a line break). No <shutdown>
         * appeared anywhere. */
        LYD_TREE_DFS_BEGIN(tree, n)
        {
            if (n->schema && !strcmp(n->schema->name, "shutdown")) {
                fail_msg("%s: injected <shutdown/>", v[k].vendor);
            }
            if (n->schema && !strcmp(n->schema->name, v[k].desc_leaf) &&
                !strncmp(lyd_get_value(n), "x </description>", 16)) {
                found++;
                if (!strcmp(v[k].vendor, "sros")) {
                    char want[81];

                    memcpy(want, EVIL, 80);
                    want[80] = '\0';
                    *strchr(want, '\n') = ' ';
                    assert_string_equal(lyd_get_value(n), want);
                } else {
                    assert_string_equal(lyd_get_value(n), EVIL);
                }
            }
            LYD_TREE_DFS_END(tree, n);
        }
        /* Next siblings too (several top-level nodes). */
        for (n = tree ? tree->next : NULL; n; n = n->next) {
            struct lyd_node *m;

            LYD_TREE_DFS_BEGIN(n, m)
            {
                if (m->schema && !strcmp(m->schema->name, "shutdown")) {
                    fail_msg("%s: injected <shutdown/>", v[k].vendor);
                }
                LYD_TREE_DFS_END(n, m);
            }
        }
        assert_int_equal(found, 1);
        lyd_free_siblings(tree);
        /* Markup, '&' and quotes printed as libyang prints them. */
        round_trip_all(f->comp, render_ly(r), 1);
        /* CLI: the newline became a space; no line starts with the injected command. */
        cli = cli_of(f->comp, "r1");
        for (s = cli; *s; s++) {
            if (*s == '\n') {
                lines++;
                if (!strncmp(s + 1, "set system", 10)) {
                    fail_msg("%s: a CLI line was injected", v[k].vendor);
                }
            }
        }
        for (s = strstr(cli, "x </description>"); s; s = strstr(s + 1, "x </description>")) {
            desc_lines++;
        }
        assert_int_equal(desc_lines, 1);
        assert_true(lines > 5);
        assert_null(strstr(cli, "\nset system root"));
        nst_compiled_free(f->comp);
        f->comp = NULL;
        nst_service_free(f->svc);
        f->svc = NULL;
    }
    render_free(r);
}

/* A user template that makes an invalid payload: INTERNAL, naming its file and line. */
static void
test_invalid_payload_names_template_line(void **state)
{
    struct fx *f = *state;
    const char *dirs[1] = {f->tmp};
    const struct nst_diag *d;
    char file[512];

    /* SR OS: a VPLS whose customer does not exist (a leafref): validation fails. */
    write_file(f->tmp, "sros/l2-stitch.xml",
               "<template>\n"
               "  <?if {l2-stitch}?>\n"
               "  <configure xmlns=\"urn:nokia.com:sros:ns:yang:sr:conf\">\n"
               "    <service>\n"
               "      <?foreach {l2-stitch}?>\n"
               "      <vpls>\n"
               "        <service-name>{@sros-name}</service-name>\n"
               "        <customer>nobody</customer>\n"
               "      </vpls>\n"
               "      <?end?>\n"
               "    </service>\n"
               "  </configure>\n"
               "  <?end?>\n"
               "</template>\n");
    load_checked(f, EXAMPLE);
    assert_int_equal(nst_service_compile_with_templates(f->svc, dirs, 1, &f->comp), NST_EINTERNAL);
    assert_null(f->comp);
    d = code_diag(f->ctx, "PAYLOAD-INVALID");
    assert_non_null(d);
    snprintf(file, sizeof file, "%s/sros/l2-stitch.xml", f->tmp);
    assert_string_equal(nst_diag_file(d), file);
    assert_int_equal(nst_diag_line(d), 8);
    assert_string_equal(nst_diag_device(d), "ccx-pe");
    assert_string_equal(nst_diag_path(d),
                        "/nokia-conf:configure/service/vpls[service-name='twcc-aws-5-6']/customer");
    assert_non_null(strstr(nst_diag_message(d), "leafref"));
    /* Only that device failed: one PAYLOAD-INVALID diagnostic. */
    assert_int_equal(nst_diag_count_severity(f->ctx, NST_SEV_ERROR), 1);
}

static void
test_unknown_element_names_template_line(void **state)
{
    struct fx *f = *state;
    const char *dirs[1] = {f->tmp};
    const struct nst_diag *d;
    char file[512];

    /* Junos: an element the device models do not have, inside an included template. */
    write_file(f->tmp, "junos/vpls.xml",
               "<template>\n"
               "  <?include vpls-body?>\n"
               "</template>\n");
    write_file(
        f->tmp, "junos/vpls-body.xml",
        "<template>\n"
        "  <?if {vpls}?>\n"
        "  <configuration xmlns=\"http://yang.juniper.net/junos/conf/root\">\n"
        "    <routing-instances xmlns=\"http://yang.juniper.net/junos/conf/routing-instances\">\n"
        "      <?foreach {vpls}?>\n"
        "      <instance>\n"
        "        <name>{@name}</name>\n"
        "        <no-such-knob>1</no-such-knob>\n"
        "      </instance>\n"
        "      <?end?>\n"
        "    </routing-instances>\n"
        "  </configuration>\n"
        "  <?end?>\n"
        "</template>\n");
    load_checked(f, EXAMPLE);
    assert_int_equal(nst_service_compile_with_templates(f->svc, dirs, 1, &f->comp), NST_EINTERNAL);
    d = code_diag(f->ctx, "PAYLOAD-INVALID");
    assert_non_null(d);
    snprintf(file, sizeof file, "%s/junos/vpls-body.xml", f->tmp);
    assert_string_equal(nst_diag_file(d), file);
    assert_int_equal(nst_diag_line(d), 8);
    assert_non_null(strstr(nst_diag_message(d), "no-such-knob"));
    /* Both Junos devices render VPLS: both are reported. */
    assert_int_equal(nst_diag_count_severity(f->ctx, NST_SEV_ERROR), 2);
}

/*
 * The render builds each feature's tree from the template's elements directly and leaves
 * what it does not reproduce exactly to libyang's parser (render.c, xb_build()): a list
 * whose keys come out of key order is one. The parser refuses it, as it always did, and
 * the report is the parser's.
 */
static void
test_keys_out_of_order_left_to_parser(void **state)
{
    struct fx *f = *state;
    const char *dirs[1] = {f->tmp};
    const struct nst_diag *d;

    write_file(
        f->tmp, "eos/interfaces.xml",
        "<template>\n"
        "  <network-instances xmlns=\"http://openconfig.net/yang/network-instance\">\n"
        "    <network-instance>\n"
        "      <name>default</name>\n"
        "      <protocols>\n"
        "        <protocol>\n"
        "          <name>STATIC</name>\n"
        "          <identifier xmlns:oc-pol-types=\"http://openconfig.net/yang/policy-types\">"
        "oc-pol-types:STATIC</identifier>\n"
        "        </protocol>\n"
        "      </protocols>\n"
        "    </network-instance>\n"
        "  </network-instances>\n"
        "</template>\n");
    load_checked(f, EXAMPLE);
    assert_int_equal(nst_service_compile_with_templates(f->svc, dirs, 1, &f->comp), NST_EINTERNAL);
    d = code_diag(f->ctx, "PAYLOAD-INVALID");
    assert_non_null(d);
    assert_non_null(strstr(nst_diag_message(d), "does not parse with"));
    assert_non_null(strstr(nst_diag_message(d), "Invalid position of the key \"identifier\""));
    assert_int_equal(nst_diag_count_severity(f->ctx, NST_SEV_ERROR), 1);
}

static void
test_template_syntax_error(void **state)
{
    struct fx *f = *state;
    const char *dirs[1] = {f->tmp};
    const struct nst_diag *d;
    char file[512];

    write_file(f->tmp, "iosxr/bgp.xml", "<template>\n\n  <?foreach?>\n</template>\n");
    load_checked(f, EXAMPLE);
    assert_int_equal(nst_service_compile_with_templates(f->svc, dirs, 1, &f->comp), NST_EINPUT);
    d = code_diag(f->ctx, "TEMPLATE-ERROR");
    assert_non_null(d);
    snprintf(file, sizeof file, "%s/iosxr/bgp.xml", f->tmp);
    assert_string_equal(nst_diag_file(d), file);
    assert_int_equal(nst_diag_line(d), 3);
    assert_string_equal(nst_diag_device(d), "partner-ccx");
    assert_non_null(strstr(nst_diag_message(d), "foreach"));
}

/* A user directory shadows exactly one template; the others are the built-in ones. */
static void
test_user_template_shadows_one(void **state)
{
    struct fx *f = *state;
    const char *dirs[1] = {f->tmp};
    struct nst_compiled *base = NULL;
    const char *a, *b;

    write_file(f->tmp, "junos/vpls.cli.xml",
               "<cli><?foreach {vpls}?><line># user template: {@name}</line><?end?></cli>\n");
    load_checked(f, EXAMPLE);
    assert_int_equal(nst_service_compile(f->svc, &base), NST_OK);
    assert_int_equal(nst_service_compile_with_templates(f->svc, dirs, 1, &f->comp), NST_OK);
    a = cli_of(base, "twaren-border");
    b = cli_of(f->comp, "twaren-border");
    assert_non_null(strstr(b, "# user template: twaren-ccx\n"));
    assert_null(strstr(b, "set routing-instances"));
    /* Interfaces still come from the built-in template: the same first lines. */
    assert_int_equal(strncmp(a, b, strlen("set interfaces xe-0/0/0 description")), 0);
    assert_non_null(strstr(b, "set interfaces xe-0/0/0 unit 2101 vlan-id 2101\n"));
    /* Payloads are unchanged. */
    assert_string_equal(payload_of(base, "twaren-border"), payload_of(f->comp, "twaren-border"));
    nst_compiled_free(base);

    /* NST_TEMPLATE_PATH: the same lookup. */
    nst_compiled_free(f->comp);
    f->comp = NULL;
    setenv("NST_TEMPLATE_PATH", f->tmp, 1);
    assert_int_equal(nst_service_compile(f->svc, &f->comp), NST_OK);
    unsetenv("NST_TEMPLATE_PATH");
    assert_non_null(strstr(cli_of(f->comp, "twaren-taichung"), "# user template: twaren-ccx\n"));
}

static const char *const no_features_yet = NULL;

/* A driver without features: the device is pending (no payload, no error). */
static void
test_pending_driver(void **state)
{
    struct fx *f = *state;
    struct drv_ops pending = drv_junos_ops;
    struct render *r;
    xmlDocPtr doc;
    char *payload = (char *)"x", *cli = (char *)"x";

    (void)no_features_yet;
    pending.features = NULL;
    doc = xmlReadMemory("<ir><device name=\"d\"/></ir>", 28, NULL, NULL, 0);
    assert_non_null(doc);
    assert_int_equal(render_new(f->ctx, NULL, 0, &r), NST_OK);
    assert_int_equal(
        render_device(r, xmlDocGetRootElement(doc)->children, &pending, &payload, &cli), NST_OK);
    assert_null(payload);
    assert_null(cli);
    /* The real driver renders the same empty device to an empty <config/>. */
    assert_int_equal(
        render_device(r, xmlDocGetRootElement(doc)->children, &drv_junos_ops, &payload, &cli),
        NST_OK);
    assert_string_equal(payload, "<config xmlns=\"" RENDER_NC_NS "\"/>\n");
    assert_string_equal(cli, "");
    nst_free(payload);
    nst_free(cli);
    render_free(r);
    xmlFreeDoc(doc);
}

static void
test_secrets_are_placeholders(void **state)
{
    struct fx *f = *state;
    size_t i;

    load_checked(f, EXAMPLE);
    assert_int_equal(nst_service_compile(f->svc, &f->comp), NST_OK);
    for (i = 0; i < nst_compiled_device_count(f->comp); i++) {
        const char *p = nst_compiled_device_payload(f->comp, i);
        const char *c = nst_compiled_device_cli(f->comp, i);
        const char *name = nst_compiled_device_name(f->comp, i);

        if (!strcmp(name, "twcc-edge") || !strcmp(name, "ccx-transit")) {
            assert_non_null(strstr(p, NST_SECRET_PREFIX "bgp-twcc-ccx" NST_SECRET_SUFFIX));
            assert_non_null(strstr(c, NST_SECRET_PREFIX "bgp-twcc-ccx" NST_SECRET_SUFFIX));
        } else {
            assert_null(strstr(p, NST_SECRET_PREFIX));
        }
    }
}

static void
test_accessors_and_writer(void **state)
{
    struct fx *f = *state;
    char dir[128], path[256], *plan = NULL;
    struct stat st;
    FILE *fp;
    size_t n;

    load_checked(f, EXAMPLE);
    assert_int_equal(nst_service_compile(f->svc, &f->comp), NST_OK);
    assert_int_equal(nst_compiled_device_count(f->comp), 6);
    assert_int_equal(nst_compiled_device_count(NULL), 0);
    assert_string_equal(nst_compiled_device_name(f->comp, 2), "twaren-taichung");
    assert_string_equal(nst_compiled_device_driver(f->comp, 5), "eos");
    assert_null(nst_compiled_device_name(f->comp, 6));
    assert_null(nst_compiled_device_payload(f->comp, 6));
    assert_null(nst_compiled_device_cli(NULL, 0));
    assert_int_equal(nst_compiled_plan(f->comp, &plan), NST_OK);
    assert_non_null(strstr(plan, "\"name\": \"ccx-pe\""));
    assert_non_null(strstr(plan, "\"bottleneck-bandwidth\": \"28.9 Mbit/s\""));
    assert_non_null(strstr(plan, "\"mtu-needed\": 1522"));
    assert_non_null(strstr(plan, "\"code\": \"MTU-PORT-RAISE\""));
    snprintf(dir, sizeof dir, "%s/out", f->tmp);
    assert_int_equal(nst_compiled_write(f->comp, dir), NST_OK);
    snprintf(path, sizeof path, "%s/plan.json", dir);
    fp = fopen(path, "r");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = (size_t)ftell(fp);
    fclose(fp);
    assert_int_equal(n, strlen(plan));
    snprintf(path, sizeof path, "%s/ccx-pe.cli", dir);
    assert_int_equal(stat(path, &st), 0);
    /* The writer inflates each file from the compressed text: the file is the payload
     * the accessor gives (issue 17, compile memory), and asking does not change it. */
    {
        const char *pl;
        char *text;
        size_t k;

        for (k = 0; k < nst_compiled_device_count(f->comp); k++) {
            assert_int_equal(nst_compiled_device_rendered(f->comp, k), 1);
        }
        assert_int_equal(nst_compiled_device_rendered(f->comp, 6), 0);
        assert_int_equal(nst_compiled_device_rendered(NULL, 0), 0);
        snprintf(path, sizeof path, "%s/ccx-pe.xml", dir);
        fp = fopen(path, "r");
        assert_non_null(fp);
        assert_int_equal(fseek(fp, 0, SEEK_END), 0);
        n = (size_t)ftell(fp);
        rewind(fp);
        text = calloc(1, n + 1);
        assert_non_null(text);
        assert_int_equal(fread(text, 1, n, fp), n);
        fclose(fp);
        for (k = 0; k < 6 && strcmp(nst_compiled_device_name(f->comp, k), "ccx-pe"); k++) {
        }
        pl = nst_compiled_device_payload(f->comp, k);
        assert_non_null(pl);
        assert_string_equal(pl, text);
        assert_ptr_equal(nst_compiled_device_payload(f->comp, k), pl);
        free(text);
    }
    snprintf(path, sizeof path, "%s/.ccx-pe.cli.tmp", dir);
    assert_int_not_equal(stat(path, &st), 0);
    /* Writing twice gives the same plan (deterministic), and a missing parent fails. */
    assert_int_equal(nst_compiled_write(f->comp, dir), NST_OK);
    snprintf(dir, sizeof dir, "%s/no/such/dir", f->tmp);
    assert_int_equal(nst_compiled_write(f->comp, dir), NST_EIO);
    assert_int_equal(nst_compiled_write(f->comp, NULL), NST_EINVAL);
    nst_free_string(plan);
}

static void
test_driver_helpers(void **state)
{
    char buf[64], first[64];
    const char *s;

    (void)state;
    assert_string_equal(drv_fit_name("short", 27, buf, sizeof buf), "short");
    s = drv_fit_name("a-very-long-bridge-domain-name-for-tests", 27, buf, sizeof buf);
    assert_int_equal(strlen(s), 27);
    assert_int_equal(strncmp(s, "a-very-long-bridge-", 19), 0);
    assert_int_equal(s[20], '-');
    snprintf(first, sizeof first, "%s", s);
    /* Stable, and distinct for names sharing a prefix. */
    assert_string_equal(
        drv_fit_name("a-very-long-bridge-domain-name-for-tests", 27, buf, sizeof buf), first);
    assert_string_not_equal(
        drv_fit_name("a-very-long-bridge-domain-name-for-test2", 27, buf, sizeof buf), first);
    /* Never cut inside a UTF-8 sequence: "é" is two bytes. */
    s = drv_fit_name("ééééééééééééééééééé", 20, buf, sizeof buf);
    assert_true(strlen(s) <= 20);
    assert_true(xmlCheckUTF8((const unsigned char *)s));
    assert_string_equal(drv_cli_clean("a\nb\tc\x7f"
                                      "d\xc2\x9b"
                                      "e",
                                      buf, sizeof buf),
                        "a b c d e");
    assert_string_equal(drv_cli_clean("ab\xc3\xa9", buf, 4), "ab");
    assert_int_equal(drv_hash(""), 2166136261u);
}

/* Compile under allocation failure at (a sample of) every allocation: NST_OK or
 * NST_ENOMEM, never a crash or a leak (check-asan runs this under valgrind). */
static void
test_alloc_failures(void **state)
{
    struct fx *f = *state;
    long n, total, step;
    nst_err err;

    load_checked(f, MULTIPOINT);
    nst_alloc_fail_after(-1);
    assert_int_equal(nst_service_compile(f->svc, &f->comp), NST_OK);
    total = nst_alloc_fail_after(-1);
    assert_true(total > 50);
    nst_compiled_free(f->comp);
    f->comp = NULL;
    step = total > 60 ? total / 60 : 1;
    for (n = 0; n < total; n += (n < 20 ? 1 : step)) {
        struct nst_compiled *c = NULL;

        nst_alloc_fail_after(n);
        err = nst_service_compile(f->svc, &c);
        nst_alloc_fail_after(-1);
        assert_true(err == NST_OK || err == NST_ENOMEM);
        if (err) {
            assert_null(c);
        }
        nst_compiled_free(c);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_example_and_multipoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_example_stitch_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lower_ranges_equal_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_descriptions_stay_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_payload_names_template_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_element_names_template_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_out_of_order_left_to_parser, setup, teardown),
        cmocka_unit_test_setup_teardown(test_template_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_template_shadows_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_driver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_are_placeholders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accessors_and_writer, setup, teardown),
        cmocka_unit_test(test_driver_helpers),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
