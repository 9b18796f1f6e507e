/*
 * test_cli_rules.c: the CLI-diff dialects of the drivers (drivers/<vendor>.c, struct
 * drv_cli_dialect) against the templates and the device models.
 *
 *   - every node any payload template can emit (templates/<tpl_vendor>/<feature>.xml,
 *     element by element, following <?include?>, whatever its <?if?>s decide) is a node of
 *     the device models and has a CLI-diff rule in its driver's dialect
 *     (diff_cli_covers(): the same answer diff_print_cli() acts on), for every driver;
 *   - every rule names a path of the device models (no stale rule), and so does every
 *     driver's port MTU leaf (drv_ops.port_mtu, diff's MTU-MISMATCH);
 *   - every driver has a dialect, and drv_find()/drv_by_name() find each driver;
 *   - a change the dialect has no rule for is an error line naming device and path
 *     (CLI-RULE-MISSING), never a guessed command: an IOS-XR interface's `shutdown`
 *     presence container, which no template emits and no rule covers.
 * tests/golden/t_diff_cli.sh checks that what the rules print is what the templates print.
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
#include <libyang/libyang.h>

#include "ctx.h"
#include "diff.h"
#include "driver.h"
#include "render.h"

struct env {
    struct nst_ctx *ctx;
    struct render *r;
    struct ly_ctx *ly;
};

static struct env E;

static int
setup(void **state)
{
    (void)state;
    if (nst_ctx_new(NULL, &E.ctx) || render_new(E.ctx, NULL, 0, &E.r)) {
        return -1;
    }
    E.ly = render_ly(E.r);
    /* As lifecycle.c does: the edit's nc:operation comes from ietf-netconf. */
    return ly_ctx_load_module(E.ly, "ietf-netconf", "2011-06-01", NULL) ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    render_free(E.r);
    nst_ctx_free(E.ctx);
    return 0;
}

/* A data child of @parent named @name (@len characters), choices and cases looked through. */
static const struct lysc_node *
child_named(const struct lysc_node *parent, const char *name, size_t len)
{
    for (const struct lysc_node *c = lys_getnext(NULL, parent, NULL, 0); c;
         c = lys_getnext(c, parent, NULL, 0)) {
        if (strlen(c->name) == len && !strncmp(c->name, name, len)) {
            return c;
        }
    }
    return NULL;
}

/* A test a candidate node must pass (NULL: any). */
typedef int (*node_ok_fn)(const struct lysc_node *sn, const void *arg);

/* The schema node of a rule path ("/a/b/c", names only) below @parent that passes @ok, or
 * NULL. Top-level names repeat across modules (OpenConfig's and IOS-XR's "interfaces"):
 * every candidate is tried. */
static const struct lysc_node *
schema_below(const struct lysc_node *parent, const char *p, node_ok_fn ok, const void *arg)
{
    const char *seg, *end;
    size_t len;
    const struct lys_module *mod;
    uint32_t idx = 0;

    /* The end of the path ("" after the last name) is checked before reading past it. */
    if (*p != '/') {
        return !ok || ok(parent, arg) ? parent : NULL;
    }
    seg = p + 1;
    end = strchr(seg, '/');
    len = end ? (size_t)(end - seg) : strlen(seg);
    if (parent) {
        const struct lysc_node *c = child_named(parent, seg, len);

        return c ? schema_below(c, seg + len, ok, arg) : NULL;
    }
    while ((mod = ly_ctx_get_module_iter(E.ly, &idx))) {
        if (!mod->implemented || !mod->compiled) {
            continue;
        }
        for (const struct lysc_node *c = lys_getnext(NULL, NULL, mod->compiled, 0); c;
             c = lys_getnext(c, NULL, mod->compiled, 0)) {
            const struct lysc_node *m;

            if (strlen(c->name) == len && !strncmp(c->name, seg, len) &&
                (m = schema_below(c, seg + len, ok, arg))) {
                return m;
            }
        }
    }
    return NULL;
}

static const struct lysc_node *
schema_by_names(const char *path)
{
    return schema_below(NULL, path, NULL, NULL);
}

/* A list whose key is pm->key and below which pm->leaf is a leaf. */
static int
port_mtu_ok(const struct lysc_node *list, const void *arg)
{
    const struct drv_port_mtu *pm = arg;
    const struct lysc_node *key = child_named(list, pm->key, strlen(pm->key)), *leaf;
    char path[256];

    if (list->nodetype != LYS_LIST || !key || !lysc_is_key(key)) {
        return 0;
    }
    snprintf(path, sizeof path, "/%s", pm->leaf);
    leaf = schema_below(list, path, NULL, NULL);
    return leaf && leaf->nodetype == LYS_LEAF;
}

struct walk {
    const struct drv_ops *drv;
    char dir[512];
    size_t nodes;  /* template elements checked */
    size_t errors; /* uncovered or unknown */
    int depth;     /* include depth */
};

static void walk_template(struct walk *w, const char *feature, const struct lysc_node *parent,
                          const char *ppath);

/* The schema node of template element @e under @parent, by namespace and name. */
static const struct lysc_node *
element_schema(const struct lysc_node *parent, xmlNodePtr e)
{
    const char *ns = e->ns && e->ns->href ? (const char *)e->ns->href : NULL;
    const struct lys_module *mod = ns ? ly_ctx_get_module_implemented_ns(E.ly, ns) : NULL;

    if (!mod && !parent) {
        return NULL;
    }
    return lys_find_child(parent, mod ? mod : parent->module, (const char *)e->name, 0, 0, 0);
}

static void
walk_nodes(struct walk *w, xmlNodePtr first, const struct lysc_node *parent, const char *ppath)
{
    for (xmlNodePtr e = first; e; e = e->next) {
        char path[1024];
        const struct lysc_node *sn;

        if (e->type == XML_PI_NODE && !strcmp((const char *)e->name, "include") && e->content) {
            char feature[128];

            if (sscanf((const char *)e->content, " %127[^ ?]", feature) == 1 && w->depth < 16) {
                w->depth++;
                walk_template(w, feature, parent, ppath);
                w->depth--;
            }
            continue;
        }
        if (e->type != XML_ELEMENT_NODE) {
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", ppath, (const char *)e->name);
        sn = element_schema(parent, e);
        w->nodes++;
        if (!sn) {
            print_error("%s: template element %s is no node of the device models\n", w->drv->name,
                        path);
            w->errors++;
            continue;
        }
        if (!diff_cli_covers(w->drv->cli, sn)) {
            print_error("%s: no CLI-diff rule for %s (the %s dialect, drivers/)\n", w->drv->name,
                        path, w->drv->name);
            w->errors++;
        }
        if (sn->nodetype & (LYS_CONTAINER | LYS_LIST)) {
            walk_nodes(w, e->children, sn, path);
        }
    }
}

static void
walk_template(struct walk *w, const char *feature, const struct lysc_node *parent,
              const char *ppath)
{
    char file[1024];
    xmlDocPtr doc;
    xmlNodePtr root;

    snprintf(file, sizeof file, "%s/templates/%s/%s.xml", NST_SRCDIR, w->drv->tpl_vendor, feature);
    doc = xmlReadFile(file, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (!doc) {
        print_error("cannot read %s\n", file);
        w->errors++;
        return;
    }
    root = xmlDocGetRootElement(doc);
    walk_nodes(w, root ? root->children : NULL, parent, ppath);
    xmlFreeDoc(doc);
}

static void
test_every_template_path_has_a_rule(void **state)
{
    size_t total = 0, drivers = 0, errors = 0;

    (void)state;
    for (size_t i = 0; drv_all[i]; i++) {
        struct walk w = {.drv = drv_all[i]};

        if (!w.drv->features) {
            continue;
        }
        for (size_t f = 0; w.drv->features[f]; f++) {
            walk_template(&w, w.drv->features[f], NULL, "");
        }
        assert_true(w.nodes > 10);
        if (w.errors) {
            print_error("%s: %zu template nodes without a CLI-diff rule or schema node\n",
                        w.drv->name, w.errors);
        }
        errors += w.errors;
        total += w.nodes;
        drivers++;
    }
    /* Every driver is walked before failing, so one run lists every missing rule. */
    assert_int_equal(errors, 0);
    assert_int_equal(drivers, 6);
    assert_true(total > 300);
}

static void
test_every_rule_names_a_model_path(void **state)
{
    (void)state;
    for (size_t i = 0; drv_all[i]; i++) {
        const struct drv_cli_dialect *dia = drv_all[i]->cli;

        assert_non_null(dia);
        for (const struct drv_cli_rule *r = dia->rules; r && r->path; r++) {
            if (!schema_by_names(r->path)) {
                fail_msg("%s: rule %s names no node of the device models", drv_all[i]->name,
                         r->path);
            }
        }
        /* Where diff finds a port's MTU (MTU-MISMATCH): a list, its key, a leaf below it. */
        if (drv_all[i]->port_mtu &&
            !schema_below(NULL, drv_all[i]->port_mtu->list, port_mtu_ok, drv_all[i]->port_mtu)) {
            fail_msg("%s: the port MTU (%s, key %s, leaf %s) is not in the device models",
                     drv_all[i]->name, drv_all[i]->port_mtu->list, drv_all[i]->port_mtu->key,
                     drv_all[i]->port_mtu->leaf);
        }
    }
}

static void
test_registry(void **state)
{
    (void)state;
    for (size_t i = 0; drv_all[i]; i++) {
        assert_ptr_equal(drv_by_name(drv_all[i]->name), drv_all[i]);
        assert_ptr_equal(drv_find(drv_all[i]->vendor, drv_all[i]->platform), drv_all[i]);
    }
    assert_ptr_equal(drv_find("openconfig", "eos"), &drv_eos_ops);
    assert_ptr_equal(drv_find("openconfig", "something-else"), &drv_openconfig_ops);
    assert_ptr_equal(drv_find("openconfig", NULL), &drv_openconfig_ops);
    assert_null(drv_find("nokia", NULL));
    assert_null(drv_by_name("openconfig-eos"));
    assert_null(drv_find(NULL, NULL));
}

static void
test_missing_rule_is_an_error(void **state)
{
    const char *target =
        "<interfaces xmlns=\"http://cisco.com/ns/yang/Cisco-IOS-XR-um-interface-cfg\">"
        "<interface><interface-name>GigabitEthernet0/0/0/9</interface-name>"
        "<mtu>1514</mtu><shutdown/></interface></interfaces>";
    const struct lysc_node *sn = schema_by_names("/interfaces/interface/shutdown");
    struct diff_inputs in = {.target = target};
    struct diff_result r = {.ly = E.ly};
    struct diff_buf b = {0};
    char why[256];

    (void)state;
    assert_non_null(sn);
    assert_false(diff_cli_covers(drv_iosxr_ops.cli, sn));
    assert_true(diff_cli_covers(drv_iosxr_ops.cli, schema_by_names("/interfaces/interface/mtu")));
    /* The flat families spell any node. */
    assert_true(diff_cli_covers(drv_junos_ops.cli, sn));
    assert_int_equal(diff_load(&r, &in, why, sizeof why), NST_OK);
    assert_int_equal(diff_compute(&r, NULL, &in, why, sizeof why), NST_OK);
    diff_print_cli(&b, &r, "pe9", "iosxr", 0);
    assert_false(b.failed);
    assert_non_null(b.s);
    assert_non_null(strstr(b.s, "! error CLI-RULE-MISSING: device pe9: the iosxr driver has no "
                                "CLI rule for /interfaces/interface/shutdown;"));
    /* The rest of the change is still printed, and the node is not guessed at. */
    assert_non_null(strstr(b.s, "interface GigabitEthernet0/0/0/9\n mtu 1514\n"));
    assert_null(strstr(b.s, "\n shutdown"));
    free(b.s);
    diff_result_clear(&r);
}

/*
 * A VRP mode rule whose line is empty for an entry (the public network instance: its peers'
 * statements live in the bgp view) still speaks for its children when the entry is removed,
 * as when it is created: a service that no longer has public peers prints "undo peer" in the
 * bgp view, not nothing. A VPN instance (it has a route distinguisher) is removed whole.
 */
static void
test_empty_mode_removal_walks_children(void **state)
{
    const char *bgp =
        "<bgp xmlns=\"urn:huawei:yang:huawei-bgp\"><base-process><enable>true</enable>"
        "<as>64600</as></base-process></bgp>";
    const char *pub =
        "<network-instance xmlns=\"urn:huawei:yang:huawei-network-instance\"><instances>"
        "<instance><name>_public_</name><bgp xmlns=\"urn:huawei:yang:huawei-bgp\"><base-process>"
        "<peers><peer><address>192.0.2.65</address><remote-as>65010</remote-as></peer></peers>"
        "</base-process></bgp></instance>"
        "<instance><name>corp-l3</name><afs xmlns=\"urn:huawei:yang:huawei-l3vpn\"><af>"
        "<type>ipv4-unicast</type><route-distinguisher>192.0.2.11:4300</route-distinguisher>"
        "</af></afs><bgp xmlns=\"urn:huawei:yang:huawei-bgp\"><base-process><peers><peer>"
        "<address>10.255.20.2</address><remote-as>65201</remote-as></peer></peers>"
        "</base-process></bgp></instance></instances></network-instance>";
    char *owned = NULL;
    struct diff_inputs in = {.target = bgp};
    struct diff_result r = {.ly = E.ly};
    struct diff_buf b = {0};
    struct lyd_node *running = NULL;
    char why[256];

    (void)state;
    owned = malloc(strlen(bgp) + strlen(pub) + 1);
    assert_non_null(owned);
    strcpy(owned, bgp);
    strcat(owned, pub);
    in.owned = owned;
    assert_int_equal(lyd_parse_data_mem(E.ly, owned, LYD_XML, LYD_PARSE_ONLY, 0, &running),
                     LY_SUCCESS);
    assert_int_equal(diff_load(&r, &in, why, sizeof why), NST_OK);
    assert_int_equal(diff_compute(&r, running, &in, why, sizeof why), NST_OK);
    diff_print_cli(&b, &r, "pe-a", "vrp", 0);
    assert_false(b.failed);
    assert_non_null(b.s);
    assert_null(strstr(b.s, "CLI-RULE-MISSING"));
    assert_non_null(strstr(b.s, "bgp 64600\n undo peer 192.0.2.65\n"));
    assert_non_null(strstr(b.s, "undo ip vpn-instance corp-l3\n"));
    assert_null(strstr(b.s, "undo peer 10.255.20.2"));
    free(b.s);
    free(owned);
    diff_result_clear(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_template_path_has_a_rule),
        cmocka_unit_test(test_every_rule_names_a_model_path),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_missing_rule_is_an_error),
        cmocka_unit_test(test_empty_mode_removal_walks_children),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
