/*
 * test_template.c: the template engine (compiler/template.c).
 *
 * Every test renders real template files from tests/unit/data/templates/ against a
 * small IR document built here, serializes the output subtree with libxml2 and compares
 * it byte for byte with the expected text. Around that: escaping of hostile values
 * (checked by parsing the output back), namespace declarations, the search path, every
 * error (code, file, line, expression and message, exactly), determinism, the cache,
 * text (CLI) templates, and allocation failures at every injection point.
 *
 * Directories: default/ is the shipped path, user/ a user directory that shadows it,
 * bad/ holds one broken template per error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "alloc.h"
#include "template.h"

#define TPL_DATA NST_SRCDIR "/tests/unit/data/templates"
#define DEFAULT_DIR TPL_DATA "/default"
#define USER_DIR TPL_DATA "/user"
#define BAD_DIR TPL_DATA "/bad"

#define NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"

static const char ir_xml[] =
    "<device name=\"pe1\" vendor=\"testv\">"
    "<port name=\"GigabitEthernet0/0/0/1\"><mtu>1514</mtu><description>to ccx</description>"
    "<subif index=\"1100\" kind=\"l2\"><outer tpid=\"0x8100\">1100</outer><inner>2101</inner>"
    "<rewrite op=\"pop-2\"/></subif>"
    "<subif index=\"1200\" kind=\"l3\"><outer tpid=\"0x88a8\">1200</outer></subif>"
    "<subif index=\"1300\" kind=\"bvi\"><outer>1300</outer></subif>"
    "</port>"
    "<port name=\"GigabitEthernet0/0/0/2\"><description>no mtu here</description></port>"
    "<bgp-neighbor address=\"172.30.53.5\"><peer-as>65100</peer-as>"
    "<local-as>4200000000</local-as></bgp-neighbor>"
    "</device>";

/* Per test: the IR, an output document with root <out> (or a namespaced root), an engine. */
struct fx {
    xmlDocPtr ir;
    xmlDocPtr out;
    xmlNodePtr root;
    struct tpl_engine *eng;
};

static xmlNodePtr
ir_find(xmlDocPtr doc, const char *xpath)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj;
    xmlNodePtr n;

    assert_non_null(ctx);
    obj = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
    assert_non_null(obj);
    assert_non_null(obj->nodesetval);
    assert_int_equal(obj->nodesetval->nodeNr, 1);
    n = obj->nodesetval->nodeTab[0];
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    return n;
}

/* A fresh output document whose root is <name xmlns=ns> (ns may be NULL). */
static xmlNodePtr
new_out(struct fx *f, const char *name, const char *ns)
{
    if (f->out) {
        xmlFreeDoc(f->out);
    }
    f->out = xmlNewDoc((const xmlChar *)"1.0");
    assert_non_null(f->out);
    f->root = xmlNewDocNode(f->out, NULL, (const xmlChar *)name, NULL);
    assert_non_null(f->root);
    xmlDocSetRootElement(f->out, f->root);
    if (ns) {
        xmlSetNs(f->root, xmlNewNs(f->root, (const xmlChar *)ns, NULL));
    }
    return f->root;
}

static struct tpl_engine *
engine(const char *d1, const char *d2)
{
    const char *dirs[2] = {d1, d2};
    struct tpl_engine *eng = NULL;

    assert_int_equal(tpl_engine_new(dirs, d2 ? 2 : 1, &eng), NST_OK);
    assert_non_null(eng);
    return eng;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    f->ir = xmlReadMemory(ir_xml, (int)strlen(ir_xml), "ir.xml", NULL, XML_PARSE_NONET);
    assert_non_null(f->ir);
    new_out(f, "out", NULL);
    f->eng = engine(DEFAULT_DIR, NULL);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    tpl_engine_free(f->eng);
    xmlFreeDoc(f->ir);
    xmlFreeDoc(f->out);
    free(f);
    return 0;
}

/* The serialization of @n, no formatting; caller frees. */
static char *
dump(xmlNodePtr n)
{
    xmlBufferPtr b = xmlBufferCreate();
    char *s;

    assert_non_null(b);
    assert_true(xmlNodeDump(b, n->doc, n, 0, 0) >= 0);
    s = strdup((const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    return s;
}

static void
assert_dump(xmlNodePtr n, const char *want)
{
    char *got = dump(n);

    assert_string_equal(got, want);
    free(got);
}

/* Render and expect success with an all-clear error record. */
static void
render_ok(struct fx *f, const char *feature, const char *ctx_xpath)
{
    struct tpl_error err;

    memset(&err, 0x55, sizeof err);
    assert_int_equal(tpl_render(f->eng, "testv", feature, ir_find(f->ir, ctx_xpath), f->root,
                                &err),
                     NST_OK);
    assert_string_equal(err.msg, "");
    assert_string_equal(err.file, "");
    assert_int_equal(err.line, 0);
}

/* --- substitution ------------------------------------------------------------------- */

static void
test_substitution(void **state)
{
    struct fx *f = *state;

    render_ok(f, "subst", "/device/port[1]");
    assert_dump(f->root,
                "<out><interfaces xmlns=\"http://cisco.com/ns/yang/Cisco-IOS-XR-um-interface-cfg\">"
                "<interface><interface-name>GigabitEthernet0/0/0/1</interface-name>"
                "<mtu>1514</mtu><description>to ccx</description>"
                "<label>GigabitEthernet0/0/0/1.3 {x} y}</label><frame>1522</frame>"
                "<opt b=\"x\" c=\"}\"/><raw>&lt;raw&gt; 1514</raw><empty/>"
                "</interface></interfaces></out>");
}

/* A leaf whose only content is {expr} and whose node-set is empty is not emitted. */
static void
test_missing_value_removes_leaf(void **state)
{
    struct fx *f = *state;

    render_ok(f, "subst", "/device/port[2]");
    assert_dump(f->root,
                "<out><interfaces xmlns=\"http://cisco.com/ns/yang/Cisco-IOS-XR-um-interface-cfg\">"
                "<interface><interface-name>GigabitEthernet0/0/0/2</interface-name>"
                "<description>no mtu here</description>"
                "<label>GigabitEthernet0/0/0/2.0 {x} y}</label><frame>NaN</frame>"
                "<opt b=\"x\" c=\"}\"/><raw>&lt;raw&gt; </raw><empty/>"
                "</interface></interfaces></out>");
}

/* At the top level of a render there is no element to drop: the text is just absent. */
static void
test_toplevel_empty_text(void **state)
{
    struct fx *f = *state;

    render_ok(f, "toplevel", "/device");
    assert_dump(f->root, "<out><a/>2</out>");
}

static void
test_numbers(void **state)
{
    struct fx *f = *state;

    render_ok(f, "numbers", "/device/bgp-neighbor");
    assert_dump(f->root, "<out><n peer=\"65100\" local=\"4200000000\" quarter=\"0.25\" "
                         "big=\"16800000000\">true</n></out>");
}

/* --- instructions ------------------------------------------------------------------- */

static void
test_nested_foreach(void **state)
{
    struct fx *f = *state;

    render_ok(f, "loops", "/device");
    assert_dump(f->root,
                "<out><interfaces xmlns=\"urn:example:if\">"
                "<interface><name>GigabitEthernet0/0/0/1</name>"
                "<sub n=\"1/3\" parent=\"GigabitEthernet0/0/0/1\"><index>1100</index>"
                "<inner>2101</inner></sub>"
                "<sub n=\"2/3\" parent=\"GigabitEthernet0/0/0/1\"><index>1200</index></sub>"
                "<sub n=\"3/3\" parent=\"GigabitEthernet0/0/0/1\"><index>1300</index></sub>"
                "</interface>"
                "<interface><name>GigabitEthernet0/0/0/2</name></interface>"
                "</interfaces></out>");
}

static void
test_foreach_empty(void **state)
{
    struct fx *f = *state;

    render_ok(f, "cond", "/device/port[2]");
    assert_dump(f->root, "<out/>");
}

static void
test_if_elif_else(void **state)
{
    struct fx *f = *state;

    render_ok(f, "cond", "/device/port[1]");
    assert_dump(f->root, "<out><sub index=\"1100\"><l2transport/><rewrite>pop-2</rewrite></sub>"
                         "<sub index=\"1200\"><routed/></sub>"
                         "<sub index=\"1300\"><other kind=\"bvi\"/></sub></out>");
}

static void
test_set_variables(void **state)
{
    struct fx *f = *state;

    render_ok(f, "vars", "/device/port[1]");
    assert_dump(f->root,
                "<out>"
                "<item parent=\"GigabitEthernet0/0/0/1\" x=\"1100\">sub-1100 of "
                "GigabitEthernet0/0/0/1 mtu 1514</item>"
                "<item parent=\"GigabitEthernet0/0/0/1\" x=\"1200\">sub-1200 of "
                "GigabitEthernet0/0/0/1 mtu 1514</item>"
                "<item parent=\"GigabitEthernet0/0/0/1\" x=\"1300\">sub-1300 of "
                "GigabitEthernet0/0/0/1 mtu 1514</item>"
                "<after x=\"outer\">port GigabitEthernet0/0/0/1 mtu 1514</after></out>");
}

/* Included templates see the includer's variables and context; a dropped leaf at an
 * included template's top level drops the includer's enclosing element. */
static void
test_include(void **state)
{
    struct fx *f = *state;
    struct tpl_stats st;

    render_ok(f, "inc_main", "/device/port[1]");
    assert_dump(f->root, "<out><root xmlns=\"urn:example:inc\">"
                         "<p:sub xmlns:p=\"urn:example:inc-sub\" tag=\"t1100\">1100</p:sub>"
                         "<p:sub xmlns:p=\"urn:example:inc-sub\" tag=\"t1200\">1200</p:sub>"
                         "<p:sub xmlns:p=\"urn:example:inc-sub\" tag=\"t1300\">1300</p:sub>"
                         "<keep>kept</keep></root></out>");
    tpl_engine_stats(f->eng, &st);
    assert_int_equal(st.files_parsed, 3); /* inc_main, inc_sub, inc_frag: each once */
    assert_int_equal(st.cache_hits, 2);   /* inc_sub for the 2nd and 3rd subif */
}

/* --- escaping ----------------------------------------------------------------------- */

static const char hostile_name[] = "x\"/><evil a='1'/>&amp;{../@name}";
static const char hostile_desc[] =
    "</description><shutdown/> &amp; ]]> \"q\" 'a' <![CDATA[x]]> <!-- c --> <?pi?>\ttab";

static xmlDocPtr
hostile_ir(const char *name, const char *desc)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr port, d;

    assert_non_null(doc);
    port = xmlNewDocNode(doc, NULL, (const xmlChar *)"port", NULL);
    xmlDocSetRootElement(doc, port);
    /* xmlNewProp and xmlNewDocText store the bytes as they are (no entity parsing). */
    assert_non_null(xmlNewProp(port, (const xmlChar *)"name", (const xmlChar *)name));
    d = xmlNewDocNode(doc, NULL, (const xmlChar *)"description", NULL);
    xmlAddChild(port, d);
    xmlAddChild(d, xmlNewDocText(doc, (const xmlChar *)desc));
    return doc;
}

static void
test_escaping(void **state)
{
    struct fx *f = *state;
    xmlDocPtr ir = hostile_ir(hostile_name, hostile_desc), back;
    xmlXPathContextPtr ctx;
    xmlXPathObjectPtr obj;
    struct tpl_error err;
    char *text;

    assert_int_equal(tpl_render(f->eng, "testv", "esc", xmlDocGetRootElement(ir), f->root, &err),
                     NST_OK);
    text = dump(f->root);
    assert_string_equal(
        text, "<out><interface name=\"x&quot;/&gt;&lt;evil a='1'/&gt;&amp;amp;{../@name}\">"
              "<description>&lt;/description&gt;&lt;shutdown/&gt; &amp;amp; ]]&gt; \"q\" 'a' "
              "&lt;![CDATA[x]]&gt; &lt;!-- c --&gt; &lt;?pi?&gt;\ttab</description>"
              "<both>&lt;/description&gt;&lt;shutdown/&gt; &amp;amp; ]]&gt; \"q\" 'a' "
              "&lt;![CDATA[x]]&gt; &lt;!-- c --&gt; &lt;?pi?&gt;\ttab|x\"/&gt;&lt;evil "
              "a='1'/&gt;&amp;amp;{../@name}</both></interface></out>");

    /* Parse it back: same values, no injected element, attribute or node. */
    back = xmlReadMemory(text, (int)strlen(text), "back.xml", NULL, XML_PARSE_NONET);
    assert_non_null(back);
    ctx = xmlXPathNewContext(back);
    obj = xmlXPathEvalExpression((const xmlChar *)"string(/out/interface/description)", ctx);
    assert_string_equal((const char *)obj->stringval, hostile_desc);
    xmlXPathFreeObject(obj);
    obj = xmlXPathEvalExpression((const xmlChar *)"string(/out/interface/@name)", ctx);
    assert_string_equal((const char *)obj->stringval, hostile_name);
    xmlXPathFreeObject(obj);
    obj = xmlXPathEvalExpression((const xmlChar *)"count(//node()) + count(//@*)", ctx);
    assert_true(obj->floatval == 7.0); /* out, interface, @name, description, text, both, text */
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(back);
    free(text);
    xmlFreeDoc(ir);
}

/* A value XML 1.0 cannot carry is refused, naming the expression, not emitted broken. */
static void
test_escaping_control_char(void **state)
{
    struct fx *f = *state;
    xmlDocPtr ir = hostile_ir("ok", "bell\x07");
    struct tpl_error err;

    assert_int_equal(tpl_render(f->eng, "testv", "esc", xmlDocGetRootElement(ir), f->root, &err),
                     NST_EINPUT);
    assert_string_equal(err.file, DEFAULT_DIR "/testv/esc.xml");
    assert_int_equal(err.line, 2);
    assert_string_equal(err.expr, "description");
    assert_string_equal(err.msg, "the value of {description} contains a character XML 1.0 "
                                 "cannot carry (U+0007)");
    assert_null(f->root->children); /* nothing half-rendered is left behind */
    xmlFreeDoc(ir);

    ir = hostile_ir("ok", "bad utf8 \xC3\x28");
    assert_int_equal(tpl_render(f->eng, "testv", "esc", xmlDocGetRootElement(ir), f->root, &err),
                     NST_EINPUT);
    assert_string_equal(err.msg, "the value of {description} is not valid UTF-8 (U+00C3)");
    assert_null(f->root->children);
    xmlFreeDoc(ir);
}

/* In text mode a newline in a value would start a new CLI command: refused. */
static void
test_text_injection(void **state)
{
    struct fx *f = *state;
    xmlDocPtr ir = hostile_ir("x", "uplink\ninterface Gi0/0/0/9\n shutdown");
    struct tpl_error err;
    char *text = (char *)"untouched";

    assert_int_equal(tpl_render_text(f->eng, "testv", "desc", xmlDocGetRootElement(ir), &text,
                                     &err),
                     NST_EINPUT);
    assert_string_equal(text, "untouched");
    assert_string_equal(err.file, DEFAULT_DIR "/testv/desc.cli.xml");
    assert_int_equal(err.line, 1);
    assert_string_equal(err.expr, "description");
    assert_string_equal(err.msg, "the value of {description} contains a newline or control "
                                 "character, which a CLI line cannot carry (U+000A)");
    xmlFreeDoc(ir);

    ir = hostile_ir("x", "csi \xC2\x9B" "31m");
    assert_int_equal(tpl_render_text(f->eng, "testv", "desc", xmlDocGetRootElement(ir), &text,
                                     &err),
                     NST_EINPUT);
    assert_string_equal(err.msg, "the value of {description} contains a newline or control "
                                 "character, which a CLI line cannot carry (U+009B)");
    xmlFreeDoc(ir);

    ir = hostile_ir("x", "<b>&amp; \"ok\" {x}");
    assert_int_equal(tpl_render_text(f->eng, "testv", "desc", xmlDocGetRootElement(ir), &text,
                                     &err),
                     NST_OK);
    assert_string_equal(text, "description <b>&amp; \"ok\" {x}\n");
    nst_free(text);
    xmlFreeDoc(ir);
}

/* --- namespaces --------------------------------------------------------------------- */

static void
test_namespaces(void **state)
{
    struct fx *f = *state;
    xmlDocPtr back;
    xmlXPathContextPtr ctx;
    xmlXPathObjectPtr obj;
    char *text;
    size_t i;
    static const struct {
        const char *xpath;
        double want;
    } checks[] = {
        {"count(/nc:config/oi:interfaces/oi:interface/oi:config/vl:tpid)", 1},
        {"count(/nc:config/oi:interfaces/oi:interface/vl:vlan)", 1},
        {"count(/nc:config/oi:interfaces/oi:interface/oi:leaf[@nc:operation='replace'])", 1},
        {"count(/nc:config/configuration/interfaces/interface/name)", 1},
        {"count(/nc:config/bare)", 1},
    };

    new_out(f, "config", NC_NS);
    render_ok(f, "ns", "/device/port[1]");
    text = dump(f->root);
    assert_string_equal(
        text,
        "<config xmlns=\"" NC_NS "\">"
        "<interfaces xmlns=\"http://openconfig.net/yang/interfaces\" "
        "xmlns:t=\"http://openconfig.net/yang/vlan-types\">"
        "<interface><name>GigabitEthernet0/0/0/1</name><config>"
        "<tpid xmlns=\"http://openconfig.net/yang/vlan\">t:TPID_0X88A8</tpid></config>"
        "<vlan xmlns=\"http://openconfig.net/yang/vlan\"/>"
        "<leaf xmlns:nc=\"" NC_NS "\" nc:operation=\"replace\"/></interface></interfaces>"
        "<configuration xmlns=\"\" xmlns:t=\"http://openconfig.net/yang/vlan-types\">"
        "<interfaces><interface><name>GigabitEthernet0/0/0/1</name></interface></interfaces>"
        "</configuration>"
        "<bare xmlns:t=\"http://openconfig.net/yang/vlan-types\" xmlns=\"\"/></config>");

    /* Parsed back, every element is in the namespace the template put it in. */
    back = xmlReadMemory(text, (int)strlen(text), "back.xml", NULL, XML_PARSE_NONET);
    assert_non_null(back);
    ctx = xmlXPathNewContext(back);
    xmlXPathRegisterNs(ctx, (const xmlChar *)"nc", (const xmlChar *)NC_NS);
    xmlXPathRegisterNs(ctx, (const xmlChar *)"oi",
                       (const xmlChar *)"http://openconfig.net/yang/interfaces");
    xmlXPathRegisterNs(ctx, (const xmlChar *)"vl", (const xmlChar *)"http://openconfig.net/yang/vlan");
    for (i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        obj = xmlXPathEvalExpression((const xmlChar *)checks[i].xpath, ctx);
        assert_non_null(obj);
        if (obj->floatval != checks[i].want) {
            fail_msg("%s = %g", checks[i].xpath, obj->floatval);
        }
        xmlXPathFreeObject(obj);
    }
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(back);
    free(text);
}

/* A namespace the output already has in scope is not declared again. */
static void
test_namespace_not_repeated(void **state)
{
    struct fx *f = *state;

    new_out(f, "config", "http://openconfig.net/yang/interfaces");
    render_ok(f, "ns_plain", "/device/port[1]");
    render_ok(f, "ns_plain", "/device/port[2]");
    assert_dump(f->root, "<config xmlns=\"http://openconfig.net/yang/interfaces\">"
                         "<interfaces><interface><name>GigabitEthernet0/0/0/1</name></interface>"
                         "</interfaces>"
                         "<interfaces><interface><name>GigabitEthernet0/0/0/2</name></interface>"
                         "</interfaces></config>");
}

/* --- search path -------------------------------------------------------------------- */

static void
test_search_path_override(void **state)
{
    struct fx *f = *state;

    tpl_engine_free(f->eng);
    f->eng = engine(USER_DIR, DEFAULT_DIR);
    render_ok(f, "shadow", "/device");        /* user/ shadows default/ */
    render_ok(f, "only_default", "/device");  /* not in user/: falls through */
    render_ok(f, "uses_shadow", "/device");   /* includes resolve on the whole path too */
    assert_dump(f->root, "<out><who>user</who><who>only-default</who>"
                         "<uses><who>user</who></uses></out>");
    assert_int_equal(tpl_exists(f->eng, "testv", "shadow"), 1);
    assert_int_equal(tpl_exists(f->eng, "testv", "nope"), 0);
    assert_int_equal(tpl_exists(f->eng, "otherv", "shadow"), 0);
    assert_int_equal(tpl_exists(f->eng, "testv", "iface"), 0);
    assert_int_equal(tpl_text_exists(f->eng, "testv", "iface"), 1);
    assert_int_equal(tpl_exists(f->eng, "..", "x"), 0);
    assert_int_equal(tpl_exists(f->eng, "testv", "../testv/shadow"), 0);

    tpl_engine_free(f->eng);
    f->eng = engine(DEFAULT_DIR, USER_DIR);
    new_out(f, "out", NULL);
    render_ok(f, "shadow", "/device");
    assert_dump(f->root, "<out><who>default</who></out>");
}

/* --- errors ------------------------------------------------------------------------- */

struct err_case {
    const char *feature;
    nst_err rc;
    const char *file; /* relative to bad/testv/ */
    long line;
    const char *expr;
    const char *msg;
};

static const struct err_case err_cases[] = {
    {"malformed_pi", NST_EINPUT, "malformed_pi.xml", 3, "subif",
     "malformed <?foreach?>: expected <?foreach {xpath}?>"},
    {"unbalanced_end", NST_EINPUT, "unbalanced_end.xml", 3, "{subif}",
     "unbalanced <?foreach?>: no matching <?end?> in this element"},
    {"unclosed_if", NST_EINPUT, "unclosed_if.xml", 3, "{mtu}",
     "unbalanced <?if?>: no matching <?end?> in this element"},
    {"else_without_if", NST_EINPUT, "else_without_if.xml", 3, "",
     "<?else?> without <?if?> in this element"},
    {"elif_after_else", NST_EINPUT, "elif_after_else.xml", 6, "{description}",
     "<?elif?> after <?else?>"},
    {"end_arg", NST_EINPUT, "end_arg.xml", 4, "now", "malformed <?end?>: it takes no argument"},
    {"unknown_pi", NST_EINPUT, "unknown_pi.xml", 2, "now", "unknown instruction <?frobnicate?>"},
    {"set_bad", NST_EINPUT, "set_bad.xml", 2, "1X={mtu}",
     "malformed <?set?>: expected <?set NAME={xpath}?> with NAME matching "
     "[A-Za-z_][A-Za-z0-9_.-]*"},
    {"xpath_syntax", NST_EINPUT, "xpath_syntax.xml", 3, "mtu +",
     "XPath syntax error: invalid expression at offset 5"},
    {"unbalanced_paren", NST_EINPUT, "unbalanced_paren.xml", 3, "count(subif",
     "unbalanced parentheses or brackets in expression"},
    {"unterminated", NST_EINPUT, "unterminated.xml", 3, "mtu",
     "unterminated expression: '{' without '}' (write '{{' for a literal '{')"},
    {"empty_expr", NST_EINPUT, "empty_expr.xml", 3, "",
     "empty expression '{}' (write '{{' for a literal '{')"},
    {"unknown_var", NST_EINPUT, "unknown_var.xml", 5, "$NOPE", "unknown variable $NOPE"},
    {"var_scope", NST_EINPUT, "var_scope.xml", 5, "$X", "unknown variable $X"},
    {"unknown_func", NST_EINPUT, "unknown_func.xml", 3, "nosuch(1)",
     "XPath error: unknown function (only XPath 1.0 core functions exist)"},
    {"foreach_type", NST_EINPUT, "foreach_type.xml", 2, "count(subif)",
     "<?foreach?> needs a node-set; this expression gives a number"},
    {"wrong_root", NST_EINPUT, "wrong_root.xml", 1, "",
     "the root element of an XML template must be <template>"},
    {"doctype", NST_EINPUT, "doctype.xml", 1, "", "a template must not have a DOCTYPE"},
    {"loop_a", NST_EINPUT, "loop_b.xml", 4, "loop_a",
     "include loop: testv/loop_a.xml -> testv/loop_b.xml -> testv/loop_a.xml "
     "(included from " BAD_DIR "/testv/loop_a.xml:3)"},
    {"self", NST_EINPUT, "self.xml", 2, "self", "include loop: testv/self.xml -> testv/self.xml"},
    {"include_missing", NST_EINPUT, "include_missing.xml", 3, "no_such_feature",
     "included template testv/no_such_feature.xml not found on the search path"},
    {"include_bad_name", NST_EINPUT, "include_bad_name.xml", 3, "../default/testv/subst",
     "malformed <?include?>: expected <?include FEATURE?> with FEATURE matching "
     "[A-Za-z0-9_][A-Za-z0-9_.-]*"},
    {"include_broken", NST_EINPUT, "inc_broken.xml", 4, "mtu",
     "unterminated expression: '{' without '}' (write '{{' for a literal '{') "
     "(included from " BAD_DIR "/testv/include_broken.xml:2)"},
};

static void
test_errors(void **state)
{
    struct fx *f = *state;
    struct tpl_error err;
    char file[600];
    size_t i;
    nst_err rc;

    xmlGenericErrorFunc generic = xmlGenericError;
    char quiet[] = "/tmp/nst-tpl-stderr-XXXXXX";
    int fd, saved;
    struct stat sb;

    /* Nothing may reach stderr: libxml2 prints unknown functions itself unless silenced. */
    fd = mkstemp(quiet);
    assert_true(fd >= 0);
    fflush(stderr);
    saved = dup(2);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 2), 2);

    tpl_engine_free(f->eng);
    f->eng = engine(BAD_DIR, NULL);
    for (i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
        const struct err_case *c = &err_cases[i];

        memset(&err, 0, sizeof err);
        rc = tpl_render(f->eng, "testv", c->feature, ir_find(f->ir, "/device/port[1]"), f->root,
                        &err);
        snprintf(file, sizeof file, "%s/testv/%s", BAD_DIR, c->file);
        if (rc != c->rc || strcmp(err.file, file) || err.line != c->line ||
            strcmp(err.expr, c->expr) || strcmp(err.msg, c->msg)) {
            dup2(saved, 2);
            fail_msg("%s: got rc=%d %s:%ld expr='%s' msg='%s'", c->feature, rc, err.file,
                     err.line, err.expr, err.msg);
        }
        assert_null(f->root->children);
    }
    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    assert_int_equal(fstat(fd, &sb), 0);
    assert_int_equal(sb.st_size, 0);
    close(fd);
    unlink(quiet);
    /* The caller's libxml2 error handler is back in place. */
    assert_ptr_equal(xmlGenericError, generic);
}

/* libxml2's own message is passed on; its exact text is libxml2's, the line is checked. */
static void
test_error_not_wellformed(void **state)
{
    struct fx *f = *state;
    struct tpl_error err;

    tpl_engine_free(f->eng);
    f->eng = engine(BAD_DIR, NULL);
    assert_int_equal(tpl_render(f->eng, "testv", "not_wellformed", ir_find(f->ir, "/device"),
                                f->root, &err),
                     NST_EINPUT);
    assert_string_equal(err.file, BAD_DIR "/testv/not_wellformed.xml");
    assert_int_equal(err.line, 4);
    assert_string_equal(err.expr, "");
    assert_true(strncmp(err.msg, "template is not well-formed XML: Opening and ending tag "
                                 "mismatch",
                        60) == 0);
    assert_null(strchr(err.msg, '\n'));
}

static void
test_error_text_templates(void **state)
{
    struct fx *f = *state;
    static const struct err_case cases[] = {
        {"elem_in_line", NST_EINPUT, "elem_in_line.cli.xml", 3, "",
         "element <b> inside a <line>: a line holds only text"},
        {"line_break", NST_EINPUT, "line_break.cli.xml", 2, "",
         "a <line> must not contain a line break"},
        {"text_outside_line", NST_EINPUT, "text_outside_line.cli.xml", 3, "",
         "text outside a <line> in a text template"},
        {"include_in_line", NST_EINPUT, "include_in_line.cli.xml", 2, "x",
         "<?include?> is not allowed inside a <line>"},
        {"not_line", NST_EINPUT, "not_line.cli.xml", 2, "",
         "unexpected element <interface>: a text template holds <line> elements"},
    };
    struct tpl_error err;
    char file[600], *text = NULL;
    size_t i;
    nst_err rc;

    tpl_engine_free(f->eng);
    f->eng = engine(BAD_DIR, NULL);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rc = tpl_render_text(f->eng, "testv", cases[i].feature, ir_find(f->ir, "/device/port[1]"),
                             &text, &err);
        snprintf(file, sizeof file, "%s/testv/%s", BAD_DIR, cases[i].file);
        if (rc != cases[i].rc || strcmp(err.file, file) || err.line != cases[i].line ||
            strcmp(err.expr, cases[i].expr) || strcmp(err.msg, cases[i].msg)) {
            fail_msg("%s: got rc=%d %s:%ld expr='%s' msg='%s'", cases[i].feature, rc, err.file,
                     err.line, err.expr, err.msg);
        }
        assert_null(text);
    }
}

/* The line of an expression in a multi-line text node is its own line. */
static void
test_error_line_in_multiline_text(void **state)
{
    struct fx *f = *state;
    xmlDocPtr ir = hostile_ir("x", "nul-ish \x01");
    struct tpl_error err;

    tpl_engine_free(f->eng);
    f->eng = engine(BAD_DIR, NULL);
    assert_int_equal(tpl_render(f->eng, "testv", "multiline", xmlDocGetRootElement(ir), f->root,
                                &err),
                     NST_EINPUT);
    assert_int_equal(err.line, 5);
    assert_string_equal(err.expr, "description");
    xmlFreeDoc(ir);
}

static void
test_error_missing_template(void **state)
{
    struct fx *f = *state;
    struct tpl_error err;
    xmlNodePtr ctx = ir_find(f->ir, "/device");

    assert_int_equal(tpl_render(f->eng, "testv", "no_such", ctx, f->root, &err), NST_EINPUT);
    assert_string_equal(err.file, "testv/no_such.xml");
    assert_int_equal(err.line, 0);
    assert_string_equal(err.msg, "template testv/no_such.xml not found on the search path (" DEFAULT_DIR ")");
    /* Same answer from the negative cache. */
    memset(&err, 0, sizeof err);
    assert_int_equal(tpl_render(f->eng, "testv", "no_such", ctx, f->root, &err), NST_EINPUT);
    assert_string_equal(err.file, "testv/no_such.xml");

    assert_int_equal(tpl_render(f->eng, "../testv", "subst", ctx, f->root, &err), NST_EINVAL);
    assert_string_equal(err.msg,
                        "invalid vendor or feature name (allowed: [A-Za-z0-9_][A-Za-z0-9_.-]*)");
    assert_int_equal(tpl_render(f->eng, "testv", "", ctx, f->root, &err), NST_EINVAL);
    assert_int_equal(tpl_render(f->eng, "testv", "subst", NULL, f->root, &err), NST_EINVAL);
    assert_int_equal(tpl_render(f->eng, "testv", "subst", ctx, NULL, NULL), NST_EINVAL);
    assert_null(f->root->children);
}

static void
test_engine_args(void **state)
{
    const char *dirs[2] = {DEFAULT_DIR, ""};
    struct tpl_engine *eng = NULL;

    (void)state;

    assert_int_equal(tpl_engine_new(dirs, 0, &eng), NST_EINVAL);
    assert_int_equal(tpl_engine_new(dirs, 2, &eng), NST_EINVAL);
    assert_int_equal(tpl_engine_new(NULL, 1, &eng), NST_EINVAL);
    assert_int_equal(tpl_engine_new(dirs, 1, NULL), NST_EINVAL);
    assert_null(eng); /* untouched on failure */
    tpl_engine_free(NULL);
}

/* --- determinism and cache ---------------------------------------------------------- */

static void
test_determinism(void **state)
{
    struct fx *f = *state;
    static const char *const features[] = {"subst", "loops", "cond", "vars", "inc_main", "ns"};
    struct tpl_engine *other = engine(DEFAULT_DIR, NULL);
    char *a, *b, *c;
    size_t i;

    for (i = 0; i < sizeof features / sizeof features[0]; i++) {
        new_out(f, "config", NC_NS);
        render_ok(f, features[i], "/device/port[1]");
        a = dump(f->root);
        new_out(f, "config", NC_NS);
        render_ok(f, features[i], "/device/port[1]");
        b = dump(f->root);
        new_out(f, "config", NC_NS);
        assert_int_equal(tpl_render(other, "testv", features[i],
                                    ir_find(f->ir, "/device/port[1]"), f->root, NULL),
                         NST_OK);
        c = dump(f->root);
        assert_string_equal(a, b);
        assert_string_equal(a, c);
        assert_true(strlen(a) > 60);
        free(a);
        free(b);
        free(c);
    }
    tpl_engine_free(other);
}

static void
write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* Each file is parsed and each expression compiled once per engine. */
static void
test_cache(void **state)
{
    struct fx *f = *state;
    char dir[] = "/tmp/nst-tpl-XXXXXX", sub[64], file[96];
    struct tpl_engine *eng;
    struct tpl_stats st;
    const char *dirs[1];
    int i;

    for (i = 0; i < 3; i++) {
        render_ok(f, "subst", "/device/port[1]");
    }
    tpl_engine_stats(f->eng, &st);
    assert_int_equal(st.files_parsed, 1);
    assert_int_equal(st.xpath_compiled, 11);
    assert_int_equal(st.cache_hits, 2);
    assert_int_equal(st.renders, 3);

    /* Changing the file after the first render changes nothing for this engine. */
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/v", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(file, sizeof file, "%s/v/f.xml", dir);
    write_file(file, "<template><v>{@name}</v></template>");
    dirs[0] = dir;
    assert_int_equal(tpl_engine_new(dirs, 1, &eng), NST_OK);
    new_out(f, "out", NULL);
    assert_int_equal(tpl_exists(eng, "v", "g"), 0);
    assert_int_equal(tpl_render(eng, "v", "f", ir_find(f->ir, "/device"), f->root, NULL), NST_OK);
    write_file(file, "<template><changed/></template>");
    snprintf(file, sizeof file, "%s/v/g.xml", dir);
    write_file(file, "<template><g/></template>");
    assert_int_equal(tpl_render(eng, "v", "f", ir_find(f->ir, "/device"), f->root, NULL), NST_OK);
    assert_int_equal(tpl_exists(eng, "v", "g"), 0); /* a miss is cached too */
    assert_dump(f->root, "<out><v>pe1</v><v>pe1</v></out>");
    tpl_engine_free(eng);
    /* A new engine reads the files again. */
    assert_int_equal(tpl_engine_new(dirs, 1, &eng), NST_OK);
    new_out(f, "out", NULL);
    assert_int_equal(tpl_render(eng, "v", "f", ir_find(f->ir, "/device"), f->root, NULL), NST_OK);
    assert_int_equal(tpl_exists(eng, "v", "g"), 1);
    assert_dump(f->root, "<out><changed/></out>");
    tpl_engine_free(eng);
    unlink(file);
    snprintf(file, sizeof file, "%s/v/f.xml", dir);
    unlink(file);
    rmdir(sub);
    rmdir(dir);
}

/* Includes nest at most 16 deep (the rendered template is level 1). */
static void
test_include_depth(void **state)
{
    struct fx *f = *state;
    char dir[] = "/tmp/nst-tpl-XXXXXX", sub[64], file[96], text[64], want[160];
    struct tpl_engine *eng;
    struct tpl_error err;
    const char *dirs[1];
    int i;

    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/v", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    for (i = 0; i <= 16; i++) {
        snprintf(file, sizeof file, "%s/v/d%d.xml", dir, i);
        if (i < 16) {
            snprintf(text, sizeof text, "<template><?include d%d?></template>", i + 1);
        } else {
            snprintf(text, sizeof text, "<template><leaf/></template>");
        }
        write_file(file, text);
    }
    dirs[0] = dir;
    assert_int_equal(tpl_engine_new(dirs, 1, &eng), NST_OK);
    assert_int_equal(tpl_render(eng, "v", "d1", ir_find(f->ir, "/device"), f->root, &err), NST_OK);
    assert_dump(f->root, "<out><leaf/></out>");
    new_out(f, "out", NULL);
    assert_int_equal(tpl_render(eng, "v", "d0", ir_find(f->ir, "/device"), f->root, &err),
                     NST_EINPUT);
    snprintf(want, sizeof want, "%s/v/d15.xml", dir);
    assert_string_equal(err.file, want);
    assert_int_equal(err.line, 1);
    assert_string_equal(err.expr, "d16");
    snprintf(want, sizeof want, "includes nested deeper than 16 (included from %s/v/d14.xml:1)",
             dir);
    assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
    assert_null(f->root->children);
    tpl_engine_free(eng);
    for (i = 0; i <= 16; i++) {
        snprintf(file, sizeof file, "%s/v/d%d.xml", dir, i);
        unlink(file);
    }
    rmdir(sub);
    rmdir(dir);
}

/* --- checking without rendering ---------------------------------------------------- */

static void
test_check(void **state)
{
    struct fx *f = *state;
    struct tpl_error err;
    struct tpl_stats st;

    assert_int_equal(tpl_check(f->eng, "testv", "inc_main", &err), NST_OK);
    assert_string_equal(err.msg, "");
    tpl_engine_stats(f->eng, &st);
    assert_int_equal(st.files_parsed, 3); /* inc_main and both includes */
    assert_int_equal(tpl_text_check(f->eng, "testv", "iface", &err), NST_OK);
    assert_int_equal(tpl_check(f->eng, "testv", "iface", &err), NST_EINPUT);
    assert_string_equal(err.file, "testv/iface.xml");
    assert_int_equal(tpl_check(f->eng, "testv", "../x", &err), NST_EINVAL);

    tpl_engine_free(f->eng);
    f->eng = engine(BAD_DIR, NULL);
    /* A loop behind a false condition renders fine but is found by the check. */
    render_ok(f, "hidden_loop", "/device");
    assert_dump(f->root, "<out><ok/></out>");
    assert_int_equal(tpl_check(f->eng, "testv", "hidden_loop", &err), NST_EINPUT);
    assert_string_equal(err.file, BAD_DIR "/testv/hidden_loop.xml");
    assert_int_equal(err.line, 3);
    assert_string_equal(err.expr, "hidden_loop");
    assert_string_equal(err.msg, "include loop: testv/hidden_loop.xml -> testv/hidden_loop.xml");

    assert_int_equal(tpl_check(f->eng, "testv", "include_broken", &err), NST_EINPUT);
    assert_string_equal(err.file, BAD_DIR "/testv/inc_broken.xml");
    assert_int_equal(err.line, 4);
    assert_int_equal(tpl_check(f->eng, "testv", "loop_a", &err), NST_EINPUT);
    assert_string_equal(err.file, BAD_DIR "/testv/loop_b.xml");
    assert_int_equal(err.line, 4);
    assert_int_equal(tpl_check(f->eng, "testv", "xpath_syntax", &err), NST_EINPUT);
    assert_int_equal(err.line, 3);
    /* Errors that depend on the IR are only found by rendering. */
    assert_int_equal(tpl_check(f->eng, "testv", "unknown_var", &err), NST_OK);
}

/* Every template shipped in templates/<vendor>/ loads, and so does everything it includes. */
static void
test_shipped_templates(void **state)
{
    const char *dirs[1] = {NST_SRCDIR "/templates"};
    struct tpl_engine *eng;
    struct tpl_error err;
    struct dirent *v, *t;
    DIR *top, *vd;
    char path[1024], feature[256];
    size_t len, n = 0;
    nst_err rc;

    (void)state;
    top = opendir(dirs[0]);
    if (!top) {
        fail_msg("%s: the repository's templates are missing", dirs[0]);
    }
    assert_int_equal(tpl_engine_new(dirs, 1, &eng), NST_OK);
    while ((v = readdir(top))) {
        if (v->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", dirs[0], v->d_name);
        vd = opendir(path);
        if (!vd) {
            continue;
        }
        while ((t = readdir(vd))) {
            len = strlen(t->d_name);
            if (t->d_name[0] == '.' || len < 5 || strcmp(t->d_name + len - 4, ".xml")) {
                continue;
            }
            if (len > 8 && !strcmp(t->d_name + len - 8, ".cli.xml")) {
                snprintf(feature, sizeof feature, "%.*s", (int)(len - 8), t->d_name);
                rc = tpl_text_check(eng, v->d_name, feature, &err);
            } else {
                snprintf(feature, sizeof feature, "%.*s", (int)(len - 4), t->d_name);
                rc = tpl_check(eng, v->d_name, feature, &err);
            }
            if (rc) {
                fail_msg("%s:%ld: %s [%s]", err.file, err.line, err.msg, err.expr);
            }
            n++;
        }
        closedir(vd);
    }
    closedir(top);
    tpl_engine_free(eng);
    print_message("checked %zu shipped templates\n", n);
}

/* --- text templates ----------------------------------------------------------------- */

static void
test_text_template(void **state)
{
    struct fx *f = *state;
    struct tpl_error err;
    char *text = NULL;

    assert_int_equal(tpl_render_text(f->eng, "testv", "iface", ir_find(f->ir, "/device"), &text,
                                     &err),
                     NST_OK);
    assert_string_equal(text, "interface GigabitEthernet0/0/0/1\n"
                              " mtu 1514\n"
                              " description to ccx\n"
                              "\n"
                              "interface GigabitEthernet0/0/0/1.1100 l2transport\n"
                              " encapsulation dot1q 1100 second-dot1q 2101\n"
                              " rewrite ingress tag pop-2 symmetric\n"
                              "pop-2\n"
                              "interface GigabitEthernet0/0/0/1.1200\n"
                              " encapsulation dot1q 1200\n"
                              "interface GigabitEthernet0/0/0/1.1300\n"
                              " encapsulation dot1q 1300\n"
                              "!\n"
                              "interface GigabitEthernet0/0/0/2\n"
                              " description no mtu here\n"
                              "\n"
                              "!\n"
                              "end\n");
    nst_free(text);
    text = NULL;
    /* Only the included tail: the loops run over nothing. */
    assert_int_equal(tpl_render_text(f->eng, "testv", "iface",
                                     ir_find(f->ir, "/device/bgp-neighbor"), &text, &err),
                     NST_OK);
    assert_string_equal(text, "end\n");
    nst_free(text);
    /* Every line dropped: "", not NULL. */
    text = NULL;
    assert_int_equal(tpl_render_text(f->eng, "testv", "onlyleaf", ir_find(f->ir, "/device"),
                                     &text, &err),
                     NST_OK);
    assert_non_null(text);
    assert_string_equal(text, "");
    nst_free(text);
    assert_int_equal(tpl_render_text(f->eng, "testv", "onlyleaf",
                                     ir_find(f->ir, "/device/port[1]"), &text, &err),
                     NST_OK);
    assert_string_equal(text, "to ccx\n");
    nst_free(text);
    /* XML and text templates are separate files. */
    assert_int_equal(tpl_render_text(f->eng, "testv", "subst", ir_find(f->ir, "/device"), &text,
                                     &err),
                     NST_EINPUT);
    assert_string_equal(err.file, "testv/subst.cli.xml");
}

/* --- the simple forms answered without XPath ------------------------------------------ */

/* The IR of the fast-path test: names in and out of namespaces, values that are not one
 * text node, missing and empty attributes. */
static const char fast_ir[] =
    "<device name=\"pe1\" empty=\"\" amp=\"a&amp;b\" xmlns:x=\"urn:x\" x:kind=\"nsattr\">"
    "<port name=\"p1\" mtu=\"1500\"><description>to a</description></port>"
    "<port mtu=\"9000\"/>"
    "<port name=\"p3\" mtu=\"1500\"><description>mixed <b>bold</b> tail</description></port>"
    "<x:port name=\"nsport\" mtu=\"1\"/>"
    "<sub name=\"s1\" kind=\"l3\"><leaf>1</leaf><leaf>2</leaf></sub>"
    "<sub kind=\"l2\"/>"
    "<sub name=\"s3\" kind=\"l2\"><leaf/></sub>"
    "<e></e><e>second</e>"
    "</device>";

/* Each form, answered by the engine's walk, and the same in parentheses, which only XPath
 * answers: as a value alone (an empty node-set drops the line), inside a value, as a
 * condition, as a loop and as a variable. */
static void
fast_template(FILE *f, int slow)
{
    static const char *const values[] = {"@name",
                                         "@empty",
                                         "@amp",
                                         "@missing",
                                         "@kind",
                                         "description",
                                         "missing",
                                         "e",
                                         "description/@x",
                                         "port/@name",
                                         "port/@mtu",
                                         "sub/@name",
                                         "leaf",
                                         "../@name",
                                         "../@missing",
                                         "port[@name]",
                                         "sub[@missing]",
                                         "$V",
                                         "$W",
                                         "$E",
                                         "$D"};
    static const char *const conds[] = {"@name",
                                        "@missing",
                                        "@kind = 'l3'",
                                        "@kind != 'l3'",
                                        "@missing = 'x'",
                                        "@missing != 'x'",
                                        "@empty = ''",
                                        "@empty != ''",
                                        "port/@mtu = '9000'",
                                        "port/@mtu != '1500'",
                                        "port/@mtu = \"1\"",
                                        "sub/@kind = 'l2'",
                                        "sub/@kind != 'l2'",
                                        "leaf/@x = ''",
                                        "description",
                                        "port[@name]",
                                        "sub[@kind]",
                                        "../@name",
                                        "port/@x",
                                        "@kind = 'l3' and port",
                                        "not(@missing)",
                                        "@missing or sub/@kind = 'l2'",
                                        "string-length(description) > 0",
                                        "string-length(@empty) > 0",
                                        "string-length(e) > 0",
                                        "port/@mtu = 1500",
                                        "port/@mtu > 1500",
                                        "port/@mtu < 2000",
                                        "port/@mtu != 9000",
                                        "@name = 1",
                                        "leaf = 2",
                                        "leaf > 1.5",
                                        "(@kind = 'l3' or @kind = 'l2') and not(e)",
                                        "not(not(port) or e[@x])",
                                        "@kind = 'l3' and port or @missing",
                                        "../@name != 'pe1' or string-length(leaf) > 0"};
    static const char *const loops[] = {"port", "sub",     "port[@name]", "sub[@name]",
                                        "leaf", "missing", "e[@missing]", "x"};
    size_t i;

#define P(e) (slow ? "(" : ""), (e), (slow ? ")" : "")
    fputs("<cli>\n", f);
    fprintf(f,
            "<?set V={%s%s%s}?><?set W={%s%s%s}?><?set E={%s%s%s}?>"
            "<?set D=d {@name}?>\n",
            P("@name"), P("../@name"), P("@missing"));
    for (i = 0; i < sizeof values / sizeof *values; i++) {
        fprintf(f, "<line>value %zu [{%s%s%s}]</line><line>{%s%s%s}</line>\n", i, P(values[i]),
                P(values[i]));
    }
    /* A condition's XPath-only twin: "(C) and true()". */
    for (i = 0; i < sizeof conds / sizeof *conds; i++) {
        fprintf(f,
                "<?if {%s%s%s}?><line>cond %zu yes</line><?else?><line>cond %zu no</line>"
                "<?end?>\n",
                slow ? "(" : "", conds[i], slow ? ") and true()" : "", i, i);
    }
    for (i = 0; i < sizeof loops / sizeof *loops; i++) {
        fprintf(f,
                "<?foreach {%s%s%s}?><line>loop %zu {position()}/{last()} [{@name}] "
                "[{../@name}]</line><?end?>\n",
                P(loops[i]), i);
    }
#undef P
    fputs("</cli>\n", f);
}

static void
test_fast_forms_match_xpath(void **state)
{
    static const char *const contexts[] = {"/device",         "/device/port[1]", "/device/port[2]",
                                           "/device/port[3]", "/device/sub[1]",  "/device/sub[3]",
                                           "/device/e[1]"};
    char dir[] = "/tmp/test_template_fast.XXXXXX", path[256];
    xmlDocPtr ir = xmlReadMemory(fast_ir, (int)strlen(fast_ir), "fast.xml", NULL, XML_PARSE_NONET);
    struct tpl_engine *eng;
    struct tpl_error err;
    char *fast, *slow;
    size_t i;
    FILE *f;

    (void)state;
    assert_non_null(ir);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/testv", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/testv/fast.cli.xml", dir);
    assert_non_null(f = fopen(path, "w"));
    fast_template(f, 0);
    fclose(f);
    snprintf(path, sizeof path, "%s/testv/slow.cli.xml", dir);
    assert_non_null(f = fopen(path, "w"));
    fast_template(f, 1);
    fclose(f);
    eng = engine(dir, NULL);
    for (i = 0; i < sizeof contexts / sizeof *contexts; i++) {
        xmlNodePtr n = ir_find(ir, contexts[i]);

        fast = slow = NULL;
        assert_int_equal(tpl_render_text(eng, "testv", "fast", n, &fast, &err), NST_OK);
        assert_int_equal(tpl_render_text(eng, "testv", "slow", n, &slow, &err), NST_OK);
        assert_string_equal(fast, slow);
        nst_free(fast);
        nst_free(slow);
    }
    /* Not vacuous: the forms found what they name. */
    assert_int_equal(
        tpl_render_text(eng, "testv", "fast", ir_find(ir, "/device/port[3]"), &fast, &err), NST_OK);
    assert_non_null(strstr(fast, "value 5 [mixed bold tail]\nmixed bold tail\n"));
    assert_non_null(strstr(fast, "value 13 [pe1]\npe1\nvalue 14 []\nvalue 15"));
    assert_non_null(strstr(fast, "cond 2 no\n"));
    nst_free(fast);
    assert_int_equal(tpl_render_text(eng, "testv", "fast", ir_find(ir, "/device"), &fast, &err),
                     NST_OK);
    assert_non_null(strstr(fast, "value 2 [a&b]\na&b\n"));
    assert_non_null(strstr(fast, "value 7 []\n\nvalue 8"));
    assert_non_null(strstr(fast, "cond 8 yes\ncond 9 yes\ncond 10 no\n"));
    assert_non_null(strstr(fast, "loop 2 1/2 [p1] [pe1]\nloop 2 2/2 [p3] [pe1]\n"));
    nst_free(fast);
    tpl_engine_free(eng);
    xmlFreeDoc(ir);
    snprintf(path, sizeof path, "%s/testv/fast.cli.xml", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/testv/slow.cli.xml", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/testv", dir);
    rmdir(path);
    rmdir(dir);
}

/* --- allocation failures ------------------------------------------------------------ */

/* One full workload; returns NST_OK or the first failure's code. */
static nst_err
workload(struct fx *f)
{
    const char *dirs[2] = {USER_DIR, DEFAULT_DIR};
    static const char *const features[] = {"subst", "loops", "cond", "vars", "inc_main", "ns",
                                           "uses_shadow"};
    struct tpl_engine *eng = NULL;
    struct tpl_error err;
    char *text = NULL;
    size_t i;
    nst_err rc;

    rc = tpl_engine_new(dirs, 2, &eng);
    for (i = 0; !rc && i < sizeof features / sizeof features[0]; i++) {
        new_out(f, "config", NC_NS);
        rc = tpl_render(eng, "testv", features[i], ir_find(f->ir, "/device/port[1]"), f->root,
                        &err);
        if (rc) {
            assert_int_equal(rc, NST_ENOMEM);
            assert_int_equal(strncmp(err.msg, "out of memory", 13), 0);
            assert_null(f->root->children);
        }
    }
    if (!rc) {
        rc = tpl_render_text(eng, "testv", "iface", ir_find(f->ir, "/device"), &text, &err);
        nst_free(text);
    }
    tpl_engine_free(eng);
    eng = NULL;
    if (!rc) {
        rc = tpl_engine_new(dirs, 2, &eng);
    }
    if (!rc) {
        rc = tpl_check(eng, "testv", "inc_main", &err);
    }
    tpl_engine_free(eng);
    return rc;
}

static void
test_alloc_failures(void **state)
{
    struct fx *f = *state;
    long i, total;
    nst_err rc;

    nst_alloc_fail_after(-1);
    assert_int_equal(workload(f), NST_OK);
    total = nst_alloc_fail_after(-1);
    assert_true(total > 50);
    for (i = 0; i < total; i++) {
        nst_alloc_fail_after(i);
        rc = workload(f);
        assert_int_equal(rc, NST_ENOMEM);
    }
    nst_alloc_fail_after(-1);
    assert_int_equal(workload(f), NST_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_substitution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_value_removes_leaf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_toplevel_empty_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_foreach, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreach_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_elif_else, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_variables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_include, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping_control_char, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_injection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namespaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namespace_not_repeated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_path_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_not_wellformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_text_templates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_line_in_multiline_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_missing_template, setup, teardown),
        cmocka_unit_test(test_engine_args),
        cmocka_unit_test_setup_teardown(test_determinism, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_include_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
        cmocka_unit_test(test_shipped_templates),
        cmocka_unit_test_setup_teardown(test_text_template, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
        cmocka_unit_test(test_fast_forms_match_xpath),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
