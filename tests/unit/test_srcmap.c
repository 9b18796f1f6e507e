/*
 * test_srcmap.c: the source map (compiler/srcmap.c) against libyang itself.
 *
 * The contract is "srcmap_find(map, lyd_path(node)) is the node's line", so the
 * main checks parse each instance with libyang, walk every node of the tree and
 * look its lyd_path() up: nodes from the input must resolve exactly, to a line that
 * holds their element or member name; nodes libyang made up (defaults, implicit
 * containers) must not be in the map and must fall back to their parent's line.
 * Around that: hand-checked lines, the ancestor fallback, malformed and truncated
 * input, allocation failures at every point, and a 100k-node instance.
 *
 * The test models are tests/unit/data/srcmap/srcmap-{a,b}.yang.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "alloc.h"
#include "srcmap.h"

#define DATA_DIR NST_SRCDIR "/tests/unit/data/srcmap"
#define IETF_DIR NST_SRCDIR "/yang/ietf"

struct fixture {
    struct ly_ctx *ly;
    char *xml, *json;
    size_t xml_len, json_len;
};

typedef nst_err (*build_fn)(const char *, size_t, const struct ly_ctx *, struct srcmap **);

static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Under valgrind (which preloads its vgpreload_*.so) or a sanitizer everything is
 * 10-50 times slower: the heavy loops then sample instead of covering every byte. */
static int
slow_mode(void)
{
    const char *preload = getenv("LD_PRELOAD");

#if defined(__SANITIZE_ADDRESS__)
    return 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return 1;
#endif
#endif
    /* make check-asan sets NST_SANITIZED. */
    return getenv("NST_SANITIZED") || getenv("NST_TEST_SLOW") ||
           (preload && strstr(preload, "vgpreload"));
}

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);

    assert_non_null(fx);
    /* libyang warns about the key out of order in instance.xml; keep the output clean. */
    ly_log_options(LY_LOSTORE);
    assert_int_equal(ly_ctx_new(DATA_DIR, LY_CTX_NO_YANGLIBRARY, &fx->ly), LY_SUCCESS);
    assert_int_equal(ly_ctx_set_searchdir(fx->ly, IETF_DIR), LY_SUCCESS);
    assert_non_null(ly_ctx_load_module(fx->ly, "srcmap-a", NULL, NULL));
    assert_non_null(ly_ctx_load_module(fx->ly, "srcmap-b", NULL, NULL));
    fx->xml = read_file(DATA_DIR "/instance.xml", &fx->xml_len);
    fx->json = read_file(DATA_DIR "/instance.json", &fx->json_len);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    free(fx->xml);
    free(fx->json);
    ly_ctx_destroy(fx->ly);
    free(fx);
    return 0;
}

/* The text of 1-based line @line of @text, as a pointer and a length. */
static int
get_line(const char *text, size_t len, uint32_t line, const char **start, size_t *n)
{
    const char *p = text, *end = text + len, *nl;
    uint32_t i;

    for (i = 1; i < line; i++) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            return -1;
        }
        p = nl + 1;
    }
    nl = memchr(p, '\n', (size_t)(end - p));
    *start = p;
    *n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    return 0;
}

static int
line_has(const char *text, size_t len, uint32_t line, const char *needle)
{
    const char *s;
    size_t n, k = strlen(needle), i;

    if (get_line(text, len, line, &s, &n)) {
        return 0;
    }
    for (i = 0; i + k <= n; i++) {
        if (!memcmp(s + i, needle, k)) {
            return 1;
        }
    }
    return 0;
}

/* Whether @node's line names it: "<name"/":name" in XML; "name" or "module:name"
 * quoted in JSON, where a list entry may instead start with '{' on its line and a
 * leaf-list entry with its value. */
static int
names_node(const char *text, size_t len, LYD_FORMAT format, const struct lyd_node *node,
           uint32_t line)
{
    char want[256];

    if (format == LYD_XML) {
        snprintf(want, sizeof want, "<%s", node->schema->name);
        if (line_has(text, len, line, want)) {
            return 1;
        }
        snprintf(want, sizeof want, ":%s", node->schema->name);
        return line_has(text, len, line, want) && line_has(text, len, line, "<");
    }
    snprintf(want, sizeof want, "\"%s\"", node->schema->name);
    if (line_has(text, len, line, want)) {
        return 1;
    }
    snprintf(want, sizeof want, ":%s\"", node->schema->name);
    if (line_has(text, len, line, want)) {
        return 1;
    }
    if (node->schema->nodetype == LYS_LIST) {
        return line_has(text, len, line, "{");
    }
    if (node->schema->nodetype == LYS_LEAFLIST) {
        return line_has(text, len, line, lyd_get_value(node));
    }
    return 0;
}

/*
 * The main invariant, over every node of the libyang tree parsed from @text.
 * Returns the number of nodes checked. Paths libyang prints twice (two union key
 * values with one canonical form) are the one ambiguity and are counted once.
 */
static size_t
check_every_node(struct ly_ctx *ly, const char *text, size_t len, LYD_FORMAT format,
                 const struct srcmap *map, int check_names)
{
    struct lyd_node *tree = NULL, *top, *node;
    char *path, *parent_path;
    size_t nodes = 0, from_input = 0;
    uint32_t line;

    if (lyd_parse_data_mem(ly, text, format, 0, LYD_VALIDATE_PRESENT, &tree) != LY_SUCCESS) {
        fail_msg("libyang rejects the instance: %s", ly_errmsg(ly));
    }
    LY_LIST_FOR(tree, top) {
        LYD_TREE_DFS_BEGIN(top, node) {
            path = lyd_path(node, LYD_PATH_STD, NULL, 0);
            assert_non_null(path);
            nodes++;
            if ((node->flags & LYD_DEFAULT) && !srcmap_find_exact(map, path)) {
                /* Made up by libyang (a default, an implicit container): points at
                 * the parent. An empty container written in the input is flagged
                 * default too, but is in the map and checked like any other node. */
                if (!lyd_parent(node)) {
                    assert_int_equal(srcmap_find(map, path), 0);
                } else {
                    parent_path = lyd_path(lyd_parent(node), LYD_PATH_STD, NULL, 0);
                    assert_int_equal(srcmap_find(map, path), srcmap_find(map, parent_path));
                    assert_int_not_equal(srcmap_find(map, path), 0);
                    free(parent_path);
                }
            } else {
                from_input++;
                line = srcmap_find_exact(map, path);
                if (!line) {
                    fail_msg("%s is not in the map", path);
                }
                assert_int_equal(srcmap_find(map, path), line);
                if (check_names && !names_node(text, len, format, node, line)) {
                    fail_msg("%s: line %u does not name the node", path, (unsigned)line);
                }
            }
            free(path);
            LYD_TREE_DFS_END(top, node);
        }
    }
    lyd_free_all(tree);
    (void)from_input;
    return nodes;
}

/*
 * Distinct paths of the tree parsed from @text that come from the input: all nodes
 * but libyang's made-up ones (default-flagged and not in @map). If this equals the
 * map's size, the map holds nothing but paths of real nodes. O(n^2), small inputs.
 */
static size_t
distinct_input_paths(struct ly_ctx *ly, const char *text, LYD_FORMAT format,
                     const struct srcmap *map)
{
    struct lyd_node *tree = NULL, *top, *node;
    char *paths[1024];
    size_t n = 0, i, k;

    assert_int_equal(lyd_parse_data_mem(ly, text, format, 0, LYD_VALIDATE_PRESENT, &tree),
                     LY_SUCCESS);
    LY_LIST_FOR(tree, top) {
        LYD_TREE_DFS_BEGIN(top, node) {
            assert_true(n < 1024);
            paths[n] = lyd_path(node, LYD_PATH_STD, NULL, 0);
            if ((node->flags & LYD_DEFAULT) && !srcmap_find_exact(map, paths[n])) {
                free(paths[n]);
            } else {
                for (i = 0; i < n && strcmp(paths[i], paths[n]); i++) {
                }
                if (i < n) {
                    free(paths[n]);
                } else {
                    n++;
                }
            }
            LYD_TREE_DFS_END(top, node);
        }
    }
    lyd_free_all(tree);
    for (k = 0; k < n; k++) {
        free(paths[k]);
    }
    return n;
}

static void
test_xml_every_node(void **state)
{
    struct fixture *fx = *state;
    struct srcmap *map = NULL;
    size_t nodes;

    assert_int_equal(srcmap_build_xml(fx->xml, fx->xml_len, fx->ly, &map), NST_OK);
    nodes = check_every_node(fx->ly, fx->xml, fx->xml_len, LYD_XML, map, 1);
    assert_true(nodes > 60);
    /* Nothing extra: exactly one entry per distinct input node path. */
    assert_int_equal(srcmap_count(map), distinct_input_paths(fx->ly, fx->xml, LYD_XML, map));
    srcmap_free(map);
}

static void
test_json_every_node(void **state)
{
    struct fixture *fx = *state;
    struct srcmap *map = NULL;
    size_t nodes;

    assert_int_equal(srcmap_build_json(fx->json, fx->json_len, fx->ly, &map), NST_OK);
    nodes = check_every_node(fx->ly, fx->json, fx->json_len, LYD_JSON, map, 1);
    assert_true(nodes > 60);
    assert_int_equal(srcmap_count(map), distinct_input_paths(fx->ly, fx->json, LYD_JSON, map));
    srcmap_free(map);
}

/* Small instances with awkward spellings, each checked node by node against libyang. */
static void
test_edge_instances(void **state)
{
    static const char *const xml[] = {
        /* whitespace-only and escaped values, char references, an empty leaf-list entry */
        "<top xmlns=\"urn:netstitch:test:srcmap-a\">\n"
        "  <label><text>  </text></label>\n"
        "  <label><text>\n</text></label>\n"
        "  <label><text> a&#39;b&quot;&lt;/&gt; </text></label>\n"
        "  <site><region>eu-west</region><id> 7 </id></site>\n"
        "  <tag></tag><tag>x y</tag>\n"
        "  <route><prefix>10.1.2.3/24</prefix></route>\n"
        "  <route><prefix>2001:db8:0:0::1/64</prefix></route>\n"
        "  <ratio>-0.5</ratio>\n"
        "</top>\n",
        /* CRLF line ends, a declaration, prefixed elements only (libyang 2.1 rejects a BOM) */
        "<?xml version=\"1.0\"?>\r\n"
        "<a:top\r\n xmlns:a=\"urn:netstitch:test:srcmap-a\">\r\n"
        "<a:step><a:name>n1</a:name></a:step>\r\n"
        "<a:step><a:name>n0</a:name></a:step>\r\n"
        "<a:mixed><a:k>-128</a:k></a:mixed>\r\n"
        "<a:mixed xmlns=\"urn:netstitch:test:srcmap-a\"><a:k>eu-west</a:k></a:mixed>\r\n"
        "</a:top>\r\n",
        /* whitespace before the declaration, which libyang accepts */
        " \n\t<?xml version='1.0' encoding='UTF-8'?>\n<top xmlns=\"urn:netstitch:test:srcmap-a\">"
        "<name>x</name></top>",
        /* two top-level trees, one of them augmented only */
        "<other xmlns=\"urn:netstitch:test:srcmap-b\"><x/></other>"
        "<top xmlns=\"urn:netstitch:test:srcmap-a\"><flag xmlns=\"urn:netstitch:test:srcmap-b\">"
        "false</flag></top>",
    };
    static const char *const json[] = {
        /* (libyang 2.1 rejects surrogate pairs such as "\\ud83d\\ude00", so none here) */
        "{\"srcmap-a:top\":{\"label\":[{\"text\":\"  \"},{\"text\":\"\\n\"},"
        "{\"text\":\"a'b\\\"</>\\u00e9\"}],\n"
        "\"site\":[{\"id\":7,\"region\":\"eu-west\","
        "\"@id\":{\"ietf-origin:origin\":\"ietf-origin:learned\"}}],\n"
        "\"tag\":[\"\",\"x y\"],\"route\":[{\"prefix\":\"10.1.2.3/24\"},\n"
        "{\"srcmap-a:prefix\":\"2001:db8:0:0::1/64\"}],\"ratio\":\"-0.5\",\n"
        "\"mixed\":[{\"k\":-128},{\"k\":\"srcmap-a:eu-west\"}],\n"
        "\"srcmap-b:flag\":false}}",
        "\r\n{\r\n\"srcmap-b:other\" : {\"x\" : \"\"} ,\r\n\"srcmap-a:top\":{}}\r\n",
    };
    struct fixture *fx = *state;
    struct srcmap *map;
    size_t i;

    for (i = 0; i < sizeof xml / sizeof *xml; i++) {
        map = NULL;
        assert_int_equal(srcmap_build_xml(xml[i], strlen(xml[i]), fx->ly, &map), NST_OK);
        check_every_node(fx->ly, xml[i], strlen(xml[i]), LYD_XML, map, 1);
        assert_int_equal(srcmap_count(map), distinct_input_paths(fx->ly, xml[i], LYD_XML, map));
        srcmap_free(map);
    }
    for (i = 0; i < sizeof json / sizeof *json; i++) {
        map = NULL;
        assert_int_equal(srcmap_build_json(json[i], strlen(json[i]), fx->ly, &map), NST_OK);
        check_every_node(fx->ly, json[i], strlen(json[i]), LYD_JSON, map, 1);
        assert_int_equal(srcmap_count(map), distinct_input_paths(fx->ly, json[i], LYD_JSON, map));
        srcmap_free(map);
    }
}

/*
 * The project's real instances: the shipped examples and the bad-input cases, read
 * against the real models. Every one libyang accepts is checked node by node; the
 * others (broken XML, DOCTYPE) must still build or fail cleanly.
 */
static void
test_real_instances(void **state)
{
    static const char *const patterns[] = {
        NST_SRCDIR "/examples/*/*.xml",        NST_SRCDIR "/examples/*/*.json",
        NST_SRCDIR "/examples/*/broken/*.xml", NST_SRCDIR "/tests/bad/*.xml",
        NST_SRCDIR "/tests/bad/cases/*.xml",   NST_SRCDIR "/tests/bad/cases/*.json",
    };
    struct ly_ctx *ly = NULL;
    struct lyd_node *tree;
    struct srcmap *map;
    glob_t g;
    size_t i, k, len, checked = 0, nodes = 0;
    LYD_FORMAT format;
    char *text;
    nst_err err;

    (void)state;
    assert_int_equal(ly_ctx_new(NST_SRCDIR "/yang", LY_CTX_NO_YANGLIBRARY, &ly), LY_SUCCESS);
    assert_int_equal(ly_ctx_set_searchdir(ly, IETF_DIR), LY_SUCCESS);
    if (!ly_ctx_load_module(ly, "netstitch-intercloud", NULL, NULL) ||
        !ly_ctx_load_module(ly, "netstitch-inventory", NULL, NULL)) {
        ly_ctx_destroy(ly);
        fail_msg("the repository's yang/ modules do not load");
    }
    for (k = 0; k < sizeof patterns / sizeof *patterns; k++) {
        if (glob(patterns[k], 0, NULL, &g)) {
            continue;
        }
        for (i = 0; i < g.gl_pathc; i++) {
            text = read_file(g.gl_pathv[i], &len);
            format = strstr(g.gl_pathv[i], ".json") ? LYD_JSON : LYD_XML;
            map = NULL;
            err = format == LYD_XML ? srcmap_build_xml(text, len, ly, &map)
                                    : srcmap_build_json(text, len, ly, &map);
            assert_true(err == NST_OK || err == NST_EINPUT);
            tree = NULL;
            if (!lyd_parse_data_mem(ly, text, format, 0, LYD_VALIDATE_PRESENT, &tree)) {
                /* libyang takes some truncated JSON as an empty tree ({"m:top": and
                 * nothing else); the scanner rightly calls that a syntax error. */
                if (err && !(format == LYD_JSON && srcmap_json_syntax(text, len, NULL, NULL, 0))) {
                    fail_msg("%s: libyang parses it, the map does not", g.gl_pathv[i]);
                }
                nodes += check_every_node(ly, text, len, format, map, 1);
                checked++;
            }
            lyd_free_all(tree);
            srcmap_free(map);
            free(text);
        }
        globfree(&g);
    }
    print_message("srcmap: %zu real instances, %zu nodes checked\n", checked, nodes);
    ly_ctx_destroy(ly);
    /* At least the shipped example's service and inventory, in both encodings. */
    assert_true(checked >= 4);
}

#define SITE1 "/srcmap-a:top/site[region='srcmap-a:eu-west'][id='7']"
#define SITE2 "/srcmap-a:top/site[region='srcmap-a:us-east'][id='8']"

/* Lines read off instance.xml by hand. */
static void
test_xml_hand_lines(void **state)
{
    struct fixture *fx = *state;
    struct srcmap *map = NULL;

    assert_int_equal(srcmap_build_xml(fx->xml, fx->xml_len, fx->ly, &map), NST_OK);
    /* Start tags spread over lines count from their '<' (libxml2 says 5 and 25). */
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top"), 3);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/port[slot='2'][num='1']"), 24);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/port[slot='2'][num='1']/slot"), 26);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/tag[.=\"it's\"]"), 8);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/tag[.='a<b']"), 9);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/enabled"), 10);
    assert_int_equal(srcmap_find_exact(map, SITE1), 12);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/descr"), 15);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/port[slot='1'][num='24']/vlan[.='20']"), 21);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/srcmap-b:extra-b/item[id='-3']/alias[.='y']"),
                     34);
    /* Keys out of schema order, "+8" canonicalized, identityref via an inner prefix. */
    assert_int_equal(srcmap_find_exact(map, SITE2), 37);
    assert_int_equal(srcmap_find_exact(map, SITE2 "/region"), 39);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/route[prefix='2001:db8::/32']"), 45);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/label[text='say \"hi\"']/text"), 47);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/mixed[k='srcmap-a:us-east']"), 52);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/status/counter[2]/value"), 57);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/status/sample[2]"), 60);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/srcmap-b:flag"), 62);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-b:other/x"), 67);
    /* Unprefixed identityref: the default namespace's module; where that is srcmap-b,
     * the union's identityref member fails and the string member takes "us-east". */
    assert_int_equal(
        srcmap_find_exact(map, "/srcmap-a:top/site[region='srcmap-a:eu-west'][id='9']"), 63);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/mixed[k='us-east']/k"), 64);
    srcmap_free(map);
}

/* Lines read off instance.json by hand. */
static void
test_json_hand_lines(void **state)
{
    struct fixture *fx = *state;
    struct srcmap *map = NULL;

    assert_int_equal(srcmap_build_json(fx->json, fx->json_len, fx->ly, &map), NST_OK);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top"), 2);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/tag[.='blue']"), 4);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/tag[.='a<b']"), 5);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/enabled"), 7);
    /* A list entry starts at its '{'; its members at their names. */
    assert_int_equal(srcmap_find_exact(map, SITE1), 10);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/id"), 12);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/port[slot='1'][num='24']"), 15);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/port[slot='1'][num='24']/vlan[.='20']"), 15);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/port[slot='2'][num='1']"), 16);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/port[slot='2'][num='1']/slot"), 17);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/port[slot='2'][num='1']/optics/wavelength"),
                     20);
    assert_int_equal(srcmap_find_exact(map, SITE1 "/srcmap-b:extra-b/note"), 25);
    assert_int_equal(srcmap_find_exact(map, SITE2), 29);
    assert_int_equal(srcmap_find_exact(map, SITE2 "/region"), 31);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/route[prefix='2001:db8::/32']"), 39);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/label[text='a/b[c]']"), 44);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-b:other/x"), 63);
    /* JSON: an unprefixed identity is the leaf's module's. */
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/mixed[k='srcmap-a:eu-west']"), 52);
    /* {"k": 5} (int8) and {"k": "5"} (string) are two entries with one lyd_path():
     * the first one's line wins. */
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/mixed[k='5']"), 48);
    srcmap_free(map);
}

static void
test_fallback(void **state)
{
    struct fixture *fx = *state;
    struct srcmap *map = NULL;

    assert_int_equal(srcmap_build_xml(fx->xml, fx->xml_len, fx->ly, &map), NST_OK);
    /* Implicit container of the second site: not in the input, so the site's line. */
    assert_int_equal(srcmap_find_exact(map, SITE2 "/srcmap-b:extra-b"), 0);
    assert_int_equal(srcmap_find(map, SITE2 "/srcmap-b:extra-b"), 37);
    assert_int_equal(srcmap_find(map, SITE2 "/descr"), 37);
    /* '/' and '[' inside quoted key values are not segment boundaries. */
    assert_int_equal(srcmap_find(map, "/srcmap-a:top/label[text='a/b[c]']/nope/deeper"), 48);
    assert_int_equal(srcmap_find(map, "/srcmap-a:top/route[prefix='10.1.2.0/24']/next-hop/x"),
                     43);
    assert_int_equal(srcmap_find(map, "/srcmap-a:top/label[text=\"it's/x\"]/text"), 3);
    /* An absent list entry falls back to the container. */
    assert_int_equal(srcmap_find(map, "/srcmap-a:top/label[text='zzz']"), 3);
    assert_int_equal(srcmap_find(map, "/nope:x/y"), 0);
    assert_int_equal(srcmap_find(map, "/"), 0);
    assert_int_equal(srcmap_find(map, ""), 0);
    assert_int_equal(srcmap_find(map, NULL), 0);
    assert_int_equal(srcmap_find(NULL, "/srcmap-a:top"), 0);
    assert_int_equal(srcmap_find_exact(NULL, "/srcmap-a:top"), 0);
    assert_int_equal(srcmap_count(NULL), 0);
    srcmap_free(NULL);
    srcmap_free(map);
}

static void
test_empty_and_args(void **state)
{
    struct fixture *fx = *state;
    struct srcmap *map = NULL;
    static const char *const empties[] = {"", "  \n\t ", "{}", " { } \n"};
    const char *unknown;
    size_t i;

    for (i = 0; i < sizeof empties / sizeof *empties; i++) {
        map = NULL;
        assert_int_equal(srcmap_build_json(empties[i], strlen(empties[i]), fx->ly, &map), NST_OK);
        assert_int_equal(srcmap_count(map), 0);
        srcmap_free(map);
    }
    assert_int_equal(srcmap_build_xml("", 0, fx->ly, &map), NST_OK);
    assert_int_equal(srcmap_count(map), 0);
    srcmap_free(map);
    assert_int_equal(srcmap_build_xml("<?xml version='1.0'?>\n<!-- x -->", 32, fx->ly, &map),
                     NST_OK);
    srcmap_free(map);
    /* Unknown nodes are skipped, not errors. */
    map = NULL;
    unknown = "{\"nope:x\": 1, \"srcmap-a:top\": {\"zz\": 1, \"name\": \"n\"}}";
    assert_int_equal(srcmap_build_json(unknown, strlen(unknown), fx->ly, &map), NST_OK);
    assert_int_equal(srcmap_count(map), 2);
    assert_int_equal(srcmap_find_exact(map, "/srcmap-a:top/name"), 1);
    srcmap_free(map);

    map = NULL;
    assert_int_equal(srcmap_build_xml(NULL, 0, fx->ly, &map), NST_EINVAL);
    assert_int_equal(srcmap_build_json("{}", 2, NULL, &map), NST_EINVAL);
    assert_int_equal(srcmap_build_json("{}", 2, fx->ly, NULL), NST_EINVAL);
    assert_null(map);
}

static void
test_malformed(void **state)
{
    struct fixture *fx = *state;
    static const char *const bad_json[] = {
        "{", "}", "[", "[]", "\"s\"", "1", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{,}",
        "{\"a\":tru}", "{\"a\":nul}", "{\"a\":\"\\x\"}", "{\"a\":\"open", "{\"a\":01}",
        "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12zz\"}",
        "{} x", "{}{}", "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":\"tab\there\"}", "{\"a\"",
        "{\"a\":", "{\"a\":1", "{\"srcmap-a:top\":{\"name\":\"x\\", "{1:2}", "{\"a\":+1}",
    };
    static const char *const bad_xml[] = {
        "<a>", "<a></b>", "<?xml version='1.0'", "<a x='1' x='2'/>", "<a>&undefined;</a>",
        "<!DOCTYPE x [<!ENTITY e 'boom'>]><x>&e;</x>", "</a>", "<a><</a>", "<?xml?><?xml?>",
        "<top xmlns=\"urn:netstitch:test:srcmap-a\"><name>x</top>",
    };
    struct srcmap *map = NULL;
    size_t i;

    for (i = 0; i < sizeof bad_json / sizeof *bad_json; i++) {
        if (srcmap_build_json(bad_json[i], strlen(bad_json[i]), fx->ly, &map) != NST_EINPUT) {
            fail_msg("JSON accepted: %s", bad_json[i]);
        }
        assert_null(map);
        /* The scanner names every one of them a syntax error, with a sentence. */
        {
            uint32_t line = 0;
            char msg[200] = "";

            if (!srcmap_json_syntax(bad_json[i], strlen(bad_json[i]), &line, msg, sizeof msg) ||
                line != 1 || !msg[0]) {
                fail_msg("no syntax error for %s (line %u, \"%s\")", bad_json[i], line, msg);
            }
        }
    }
    for (i = 0; i < sizeof bad_xml / sizeof *bad_xml; i++) {
        if (srcmap_build_xml(bad_xml[i], strlen(bad_xml[i]), fx->ly, &map) != NST_EINPUT) {
            fail_msg("XML accepted: %s", bad_xml[i]);
        }
        assert_null(map);
    }
    /* The length is honoured: the same bytes with a NUL inside, and cut short. */
    assert_int_equal(srcmap_build_json("{\"a\":1}\0junk", 12, fx->ly, &map), NST_EINPUT);
    assert_int_equal(srcmap_build_json("{\"a\":1}junk", 7, fx->ly, &map), NST_OK);
    srcmap_free(map);
}

/* Issue 11, defect 11: JSON syntax errors carry the line the user must edit. */
static void
test_json_syntax_lines(void **state)
{
    static const struct {
        const char *text;
        uint32_t line;
        const char *says;
    } cases[] = {
        /* A missing comma: the line the comma is missing from, not the next one. */
        {"{\n \"a\": 1\n \"b\": 2\n}\n", 2, "expected ',' or '}' after this value, found '\"' on line 3"},
        /* A trailing comma: its own line. */
        {"{\n \"a\": [\n  1,\n\n ]\n}\n", 3, "a comma after the last value of an array"},
        {"{\n \"a\": 1,\n\n}\n", 2, "a comma after the last member"},
        /* Truncated: the last line with text, and the container left open. */
        {"{\n \"a\": {\n  \"b\": 1,\n\n\n", 3, "inside the object opened on line 2"},
        {"{\"netstitch-intercloud:intercloud\":\n\n", 1, "where a value should be"},
        {"{\n \"a\": \"open\n", 2, "a control character inside a string"},
        {"{\n \"a\": \"open", 2, "inside a string"},
        {"{\n \"a\" 1\n}", 2, "expected ':' after the member name \"a\""},
        {"{\n \"a\": yes\n}", 2, "an unknown word"},
        {"\n\n[]", 3, "starts with '{'"},
        {"{}\n\nx", 3, "after the end of the JSON document"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint32_t line = 0;
        char msg[200] = "";

        if (!srcmap_json_syntax(cases[i].text, strlen(cases[i].text), &line, msg, sizeof msg)) {
            fail_msg("case %zu: no syntax error", i);
        }
        if (line != cases[i].line || !strstr(msg, cases[i].says)) {
            fail_msg("case %zu: line %u \"%s\", want line %u \"%s\"", i, line, msg, cases[i].line,
                     cases[i].says);
        }
    }
    /* Valid JSON, empty input and hostile nesting are no syntax error to report. */
    assert_false(srcmap_json_syntax("{\"a\": [1, {\"b\": null}]}", 23, NULL, NULL, 0));
    assert_false(srcmap_json_syntax("", 0, NULL, NULL, 0));
    assert_false(srcmap_json_syntax(NULL, 0, NULL, NULL, 0));
}

/* Hostile nesting must end in NST_EINPUT, not in a stack overflow. */
static void
test_deep_nesting(void **state)
{
    struct fixture *fx = *state;
    struct srcmap *map = NULL;
    size_t depth = 100000, i;
    char *buf = malloc(depth * 8 + 64);
    size_t n = 0;

    assert_non_null(buf);
    for (i = 0; i < depth; i++) {
        memcpy(buf + n, "{\"a\":", 5);
        n += 5;
    }
    assert_int_equal(srcmap_build_json(buf, n, fx->ly, &map), NST_EINPUT);
    n = 0;
    for (i = 0; i < depth; i++) {
        buf[n++] = '[';
    }
    assert_int_equal(srcmap_build_json(buf, n, fx->ly, &map), NST_EINPUT);
    n = 0;
    for (i = 0; i < 5000; i++) {
        memcpy(buf + n, "<a>", 3);
        n += 3;
    }
    for (i = 0; i < 5000; i++) {
        memcpy(buf + n, "</a>", 4);
        n += 4;
    }
    assert_int_equal(srcmap_build_xml(buf, n, fx->ly, &map), NST_EINPUT);
    assert_null(map);
    /* Just inside the limit is fine. */
    n = 0;
    memcpy(buf, "{\"x\":", 5);
    n = 5;
    for (i = 0; i + 2 < SRCMAP_MAX_DEPTH; i++) {
        buf[n++] = '[';
    }
    for (i = 0; i + 2 < SRCMAP_MAX_DEPTH; i++) {
        buf[n++] = ']';
    }
    buf[n++] = '}';
    assert_int_equal(srcmap_build_json(buf, n, fx->ly, &map), NST_OK);
    srcmap_free(map);
    free(buf);
}

/*
 * Every truncation of both instances (every 5th in slow mode), and single-byte
 * corruptions, must give
 * NST_OK or NST_EINPUT: no crash, no read past the length (valgrind and ASan
 * watch this in check-asan; the copies are exactly sized heap blocks).
 */
static void
run_mutations(struct fixture *fx, const char *text, size_t len, build_fn build, size_t stride)
{
    static const char subst[] = {'"', '{', '}', '[', '\\', '<', '>', '/', ':', '\0', '\n'};
    struct srcmap *map;
    char *copy;
    size_t k, s;
    nst_err err;

    for (k = 0; k <= len; k += slow_mode() ? 5 : 1) {
        copy = malloc(k ? k : 1);
        assert_non_null(copy);
        memcpy(copy, text, k);
        map = NULL;
        err = build(copy, k, fx->ly, &map);
        assert_true(err == NST_OK || err == NST_EINPUT);
        srcmap_free(map);
        free(copy);
    }
    copy = malloc(len);
    assert_non_null(copy);
    if (slow_mode()) {
        stride *= 5;
    }
    for (k = 0; k < len; k += stride) {
        for (s = 0; s < sizeof subst; s++) {
            memcpy(copy, text, len);
            copy[k] = subst[s];
            map = NULL;
            err = build(copy, len, fx->ly, &map);
            assert_true(err == NST_OK || err == NST_EINPUT);
            srcmap_free(map);
        }
    }
    free(copy);
}

static void
test_mutations(void **state)
{
    struct fixture *fx = *state;

    run_mutations(fx, fx->json, fx->json_len, srcmap_build_json, 3);
    run_mutations(fx, fx->xml, fx->xml_len, srcmap_build_xml, 7);
}

/* Fail each allocation in turn: NST_ENOMEM every time (leaks show under valgrind). */
static void
run_alloc_failures(struct fixture *fx, const char *text, size_t len, build_fn build)
{
    struct srcmap *map;
    long i, seen;
    nst_err err;

    for (i = 0;; i++) {
        map = NULL;
        nst_alloc_fail_after(i);
        err = build(text, len, fx->ly, &map);
        seen = nst_alloc_fail_after(-1);
        if (seen <= i) {
            assert_int_equal(err, NST_OK);
            srcmap_free(map);
            break;
        }
        assert_int_equal(err, NST_ENOMEM);
        assert_null(map);
    }
    assert_true(i > 5);
}

static void
test_alloc_failures(void **state)
{
    struct fixture *fx = *state;

    run_alloc_failures(fx, fx->json, fx->json_len, srcmap_build_json);
    run_alloc_failures(fx, fx->xml, fx->xml_len, srcmap_build_xml);
}

/* ---- 100k nodes */

struct text {
    char *s;
    size_t len, cap;
};

static void
text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!t->s) {
        t->cap = 1 << 20;
        t->s = malloc(t->cap);
        assert_non_null(t->s);
    }
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        assert_true(n >= 0);
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap *= 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
}

#define BIG_SITES 2000
#define BIG_PORTS 10

/* 2000 sites x 10 ports, one node per line: ~128k nodes over ~150k lines. */
static void
big_xml(struct text *t)
{
    int s, p;

    text_add(t, "<top xmlns=\"urn:netstitch:test:srcmap-a\">\n");
    for (s = 0; s < BIG_SITES; s++) {
        text_add(t, " <site>\n  <region>%s</region>\n  <id>%d</id>\n  <descr>d%d</descr>\n",
                 s % 2 ? "us-east" : "eu-west", s, s);
        for (p = 0; p < BIG_PORTS; p++) {
            text_add(t, "  <port>\n   <slot>%d</slot>\n   <num>%d</num>\n   <vlan>%d</vlan>\n"
                        "   <vlan>%d</vlan>\n   <speed>%d.50</speed>\n  </port>\n",
                     p % 8, p, p + 1, p + 2, p);
        }
        text_add(t, " </site>\n");
    }
    text_add(t, "</top>\n");
}

static void
big_json(struct text *t)
{
    int s, p;

    text_add(t, "{\"srcmap-a:top\": {\n \"site\": [\n");
    for (s = 0; s < BIG_SITES; s++) {
        text_add(t, "  {\n   \"region\": \"srcmap-a:%s\",\n   \"id\": %d,\n   \"descr\": \"d%d\",\n"
                    "   \"port\": [\n", s % 2 ? "us-east" : "eu-west", s, s);
        for (p = 0; p < BIG_PORTS; p++) {
            text_add(t,
                     "    {\n     \"slot\": %d,\n     \"num\": %d,\n     \"vlan\": [\n"
                     "      %d,\n      %d\n     ],\n     \"speed\": \"%d.50\"\n    }%s\n",
                     p % 8, p, p + 1, p + 2, p, p + 1 < BIG_PORTS ? "," : "");
        }
        text_add(t, "   ]\n  }%s\n", s + 1 < BIG_SITES ? "," : "");
    }
    text_add(t, " ]\n}}\n");
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
run_big(struct fixture *fx, struct text *t, LYD_FORMAT format, build_fn build, uint32_t last_line,
        const char *last_path)
{
    struct srcmap *map = NULL;
    double t0, secs;
    size_t nodes;

    t0 = now();
    assert_int_equal(build(t->s, t->len, fx->ly, &map), NST_OK);
    secs = now() - t0;
    print_message("srcmap %s: %zu bytes, %zu paths, built in %.3f s\n",
                  format == LYD_XML ? "XML" : "JSON", t->len, srcmap_count(map), secs);
    assert_true(srcmap_count(map) >= 100000);
    /* Not a benchmark: only a gross regression (quadratic behaviour) trips this. */
    assert_true(secs < (slow_mode() ? 60.0 : 5.0));
    /* Lines past 65535 are exact. */
    assert_true(last_line > 65535);
    assert_int_equal(srcmap_find_exact(map, last_path), last_line);
    if (!slow_mode()) {
        nodes = check_every_node(fx->ly, t->s, t->len, format, map, 0);
        assert_true(nodes >= 100000);
    }
    srcmap_free(map);
}

static uint32_t
count_lines(const struct text *t)
{
    uint32_t n = 1;
    size_t i;

    for (i = 0; i < t->len; i++) {
        n += t->s[i] == '\n';
    }
    return n;
}

static void
test_big_instance(void **state)
{
    struct fixture *fx = *state;
    struct text t = {0};
    char last[256];

    big_xml(&t);
    /* The last port's speed sits 3 lines above the end: "</port>", "</site>", "</top>" + "". */
    snprintf(last, sizeof last,
             "/srcmap-a:top/site[region='srcmap-a:%s'][id='%d']/port[slot='%d'][num='%d']/speed",
             (BIG_SITES - 1) % 2 ? "us-east" : "eu-west", BIG_SITES - 1, (BIG_PORTS - 1) % 8,
             BIG_PORTS - 1);
    run_big(fx, &t, LYD_XML, srcmap_build_xml, count_lines(&t) - 4, last);
    free(t.s);

    memset(&t, 0, sizeof t);
    big_json(&t);
    /* "speed", then "}", "]", "}", " ]", "}}" and the final empty line. */
    run_big(fx, &t, LYD_JSON, srcmap_build_json, count_lines(&t) - 6, last);
    free(t.s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_every_node),
        cmocka_unit_test(test_json_every_node),
        cmocka_unit_test(test_edge_instances),
        cmocka_unit_test(test_real_instances),
        cmocka_unit_test(test_xml_hand_lines),
        cmocka_unit_test(test_json_hand_lines),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_empty_and_args),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_json_syntax_lines),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_big_instance),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
