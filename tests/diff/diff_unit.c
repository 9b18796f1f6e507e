/*
 * diff_unit.c: the ownership algebra of netconf/diff.c on small Junos trees (no device),
 * and allocation failures during an offline diff of the shipped example. Built and run
 * by t_unit.sh against the build's static library.
 *
 * Each case gives T (target), O (owned), P (originals), X (other services) and R (the
 * router) and checks the edit-config content, the drift and P' the engine computes.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "alloc.h"
#include "diff.h"
#include "diff_int.h"
#include "driver.h"
#include "lifecycle.h"
#include "netstitch.h"
#include "render.h"

static int failures;
static struct ly_ctx *ly;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#define J_OPEN                                                                                     \
    "<configuration xmlns=\"http://yang.juniper.net/junos/conf/root\">"                            \
    "<interfaces xmlns=\"http://yang.juniper.net/junos/conf/interfaces\">"
#define J_CLOSE "</interfaces></configuration>"
#define J(body) J_OPEN body J_CLOSE
#define IF(name, body) "<interface><name>" name "</name>" body "</interface>"
#define UNIT(n) "<unit><name>" n "</name><vlan-id>" n "</vlan-id></unit>"
#define BGP(groups)                                                                                \
    "<configuration xmlns=\"http://yang.juniper.net/junos/conf/root\">"                            \
    "<protocols xmlns=\"http://yang.juniper.net/junos/conf/protocols\"><bgp>" groups               \
    "</bgp></protocols></configuration>"
#define GROUP(n, extra) "<group><name>" n "</name><type>external</type>" extra "</group>"

static int
count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = hay ? strstr(hay, needle) : NULL; p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* The edit removes an element named @name (its start tag carries nc:operation="delete"). */
static int
deleted(const char *edit, const char *name)
{
    char open[64];
    size_t l = (size_t)snprintf(open, sizeof open, "<%s", name);

    for (const char *p = edit ? strstr(edit, open) : NULL; p; p = strstr(p + 1, open)) {
        const char *gt = strchr(p, '>');

        if ((p[l] == ' ' || p[l] == '/') && gt) {
            const char *op = strstr(p, "nc:operation=\"delete\"");

            if (op && op < gt) {
                return 1;
            }
        }
    }
    return 0;
}

/* Run the engine; the result is returned for checks and freed by the caller. */
static int
run(struct diff_result *r, const char *t, const char *o, const char *p, const char *x,
    const char *rtext, char *const *names, char *const *values, size_t nsec)
{
    const char *others[1] = {x};
    struct diff_inputs in = {.target = t,
                             .owned = o,
                             .orig = p,
                             .others = others,
                             .nothers = x ? 1 : 0,
                             .sec_names = names,
                             .sec_values = values,
                             .nsec = nsec};
    struct lyd_node *running = NULL;
    char why[512];

    struct diff_result dr;

    memset(r, 0, sizeof *r);
    r->ly = ly;
    if (diff_load(r, &in, why, sizeof why) || diff_parse(ly, rtext, 0, &running, why, sizeof why) ||
        diff_compute(r, running, &in, why, sizeof why)) {
        printf("FAIL engine: %s\n", why);
        failures++;
        return -1;
    }
    /* Deferred (lifecycle.c's way): nothing printed until diff_complete(), then the same
     * edit and P'. */
    in.defer = 1;
    memset(&dr, 0, sizeof dr);
    dr.ly = ly;
    running = NULL;
    if (diff_load(&dr, &in, why, sizeof why) ||
        diff_parse(ly, rtext, 0, &running, why, sizeof why) ||
        diff_compute(&dr, running, &in, why, sizeof why)) {
        printf("FAIL deferred engine: %s\n", why);
        failures++;
        diff_result_clear(&dr);
        return -1;
    }
    CHECK(dr.deferred && !dr.edit && !dr.next_orig && !diff_complete(&dr) && !dr.deferred,
          "deferred: nothing made before diff_complete()");
    CHECK((!dr.edit && !r->edit) || (dr.edit && r->edit && !strcmp(dr.edit, r->edit)),
          "deferred edit: %s", dr.edit ? dr.edit : "(none)");
    CHECK((!dr.next_orig && !r->next_orig) ||
              (dr.next_orig && r->next_orig && !strcmp(dr.next_orig, r->next_orig)),
          "deferred originals: %s", dr.next_orig ? dr.next_orig : "(none)");
    diff_result_clear(&dr);
    return 0;
}

static void
cases(void)
{
    struct diff_result r;
    struct diff_buf b = {0}, b2 = {0};
    char *names[1] = {(char *)"k1"}, *values[1] = {(char *)"s3cr&t"};

    /* In sync. */
    run(&r, J(IF("ge-0/0/1", "<mtu>1518</mtu>")), J(IF("ge-0/0/1", "<mtu>1518</mtu>")), NULL, NULL,
        J(IF("ge-0/0/1", "<mtu>1518</mtu><description>other</description>")), NULL, NULL, 0);
    CHECK(!r.diff && !r.edit && !r.ndrift, "in sync: %s", r.edit ? r.edit : "");
    diff_result_clear(&r);

    /* An owned unit no longer generated goes; a foreign unit stays. */
    run(&r, J(IF("ge-0/0/1", UNIT("100"))), J(IF("ge-0/0/1", UNIT("100") UNIT("200"))), NULL, NULL,
        J(IF("ge-0/0/1", UNIT("100") UNIT("200") UNIT("300"))), NULL, NULL, 0);
    CHECK(r.edit && count(r.edit, "nc:operation=\"delete\"") == 1 &&
              strstr(r.edit, "<name>200</name>") && !strstr(r.edit, "300"),
          "owned unit removal: %s", r.edit ? r.edit : "(none)");
    diff_result_clear(&r);

    /* Delete: pre-existing leaves get their original values back; the port stays. */
    run(&r, NULL, J(IF("ge-0/0/1", "<description>svc</description><mtu>1518</mtu>" UNIT("100"))),
        J(IF("ge-0/0/1", "<description>orig</description><mtu>1514</mtu>")), NULL,
        J(IF("ge-0/0/1", "<description>svc</description><mtu>1518</mtu>" UNIT("100"))), NULL, NULL,
        0);
    CHECK(r.edit && strstr(r.edit, "<description>orig</description>") &&
              strstr(r.edit, "<mtu>1514</mtu>") && count(r.edit, "operation=\"delete\"") == 1 &&
              deleted(r.edit, "unit"),
          "restore originals: %s", r.edit ? r.edit : "(none)");
    diff_result_clear(&r);

    /* A port netstitch created but someone configured more on: only netstitch's leaf goes. */
    run(&r, NULL, J(IF("ge-0/0/2", "<mtu>1518</mtu>")), NULL, NULL,
        J(IF("ge-0/0/2", "<mtu>1518</mtu><description>someone</description>")), NULL, NULL, 0);
    CHECK(r.edit && deleted(r.edit, "mtu") && !deleted(r.edit, "interface") &&
              !strstr(r.edit, "someone"),
          "foreign content below: %s", r.edit ? r.edit : "(none)");
    diff_result_clear(&r);

    /* Another service owns it: nothing to remove. */
    run(&r, NULL, J(IF("ge-0/0/3", "<mtu>1518</mtu>")), NULL, J(IF("ge-0/0/3", "<mtu>1518</mtu>")),
        J(IF("ge-0/0/3", "<mtu>1518</mtu>")), NULL, NULL, 0);
    CHECK(!r.diff, "owned by another service: %s", r.edit ? r.edit : "");
    diff_result_clear(&r);

    /* Drift: an owned leaf changed on the router. */
    run(&r, J(IF("ge-0/0/1", "<mtu>1518</mtu>")), J(IF("ge-0/0/1", "<mtu>1518</mtu>")), NULL, NULL,
        J(IF("ge-0/0/1", "<mtu>9000</mtu>")), NULL, NULL, 0);
    CHECK(r.ndrift == 1 && !strcmp(r.drift[0].running, "9000") && !strcmp(r.drift[0].owned, "1518"),
          "drift: %zu", r.ndrift);
    CHECK(r.edit && strstr(r.edit, "<mtu>1518</mtu>"), "drift: the edit puts it back");
    diff_result_clear(&r);

    /* A gone owned node is drift too; a removed owned node needs no change. */
    run(&r, J(IF("ge-0/0/1", "<mtu>1518</mtu>")), J(IF("ge-0/0/1", "<mtu>1518</mtu>" UNIT("7"))),
        NULL, NULL, J(IF("ge-0/0/1", "<mtu>1518</mtu>")), NULL, NULL, 0);
    CHECK(!r.diff && r.ndrift == 1 && !r.drift[0].running && !r.drift[0].owned,
          "owned unit gone: diff %p, drift %zu", (void *)r.diff, r.ndrift);
    diff_result_clear(&r);

    /* A presence container with another group: only the owned group goes. */
    run(&r, NULL, BGP(GROUP("G", "")), NULL, NULL, BGP(GROUP("G", "") GROUP("OTHER", "")), NULL,
        NULL, 0);
    CHECK(r.edit && count(r.edit, "operation=\"delete\"") == 1 && deleted(r.edit, "group") &&
              !strstr(r.edit, "OTHER"),
          "presence container kept: %s", r.edit ? r.edit : "(none)");
    diff_result_clear(&r);
    /* ... and alone, netstitch's presence container goes with it. */
    run(&r, NULL, BGP(GROUP("G", "")), NULL, NULL, BGP(GROUP("G", "")), NULL, NULL, 0);
    CHECK(r.edit && deleted(r.edit, "bgp") && !deleted(r.edit, "protocols") &&
              count(r.edit, "operation=\"delete\"") == 1,
          "presence container removed, not its non-presence parent: %s", r.edit ? r.edit : "");
    diff_result_clear(&r);

    /* Secrets: the router's key is the inventory's: in sync; another key: redacted. */
#define KEYED(v)                                                                                   \
    BGP(GROUP("G", "<neighbor><name>192.0.2.1</name><authentication-key>" v                        \
                   "</authentication-key></neighbor>"))
    run(&r, KEYED("$NST_SECRET{k1}"), NULL, NULL, NULL, KEYED("s3cr&amp;t"), names, values, 1);
    CHECK(!r.diff, "the router has the key: %s", r.edit ? r.edit : "");
    diff_result_clear(&r);
    run(&r, KEYED("$NST_SECRET{k1}"), NULL, NULL, NULL, KEYED("other-key"), names, values, 1);
    diff_print_tree(&b, &r, "d", 0);
    diff_print_json(&b, &r);
    diff_print_cli(&b, &r, "d", "junos", 0);
    CHECK(b.s && !strstr(b.s, "other-key") && !strstr(b.s, "s3cr") && strstr(b.s, "- ") &&
              strstr(b.s, DIFF_REDACTED),
          "a foreign key is redacted: %s", b.s ? b.s : "");
    CHECK(r.edit && strstr(r.edit, "$NST_SECRET{k1}") && !strstr(r.edit, "other-key"),
          "the edit sets the placeholder: %s", r.edit ? r.edit : "");
    CHECK(r.next_orig && strstr(r.next_orig, DIFF_REDACTED) && !strstr(r.next_orig, "other-key"),
          "the original key is recorded redacted: %s", r.next_orig ? r.next_orig : "");
    nst_free(b.s);
    diff_result_clear(&r);

    /* A first diff (nothing owned, no originals, no other service): D is T itself, not a
     * copy (diff_desired_is_target()), with the changes a copy gives, in every printer. */
    run(&r, J(IF("ge-0/0/1", "<description>svc</description><mtu>1518</mtu>")), NULL, NULL, NULL,
        J(IF("ge-0/0/1", "<description>other</description><mtu>1514</mtu>")), NULL, NULL, 0);
    CHECK(r.desired_is_target && r.desired == r.target, "first diff: D is T");
    CHECK(r.edit && strstr(r.edit, "<mtu>1518</mtu>") &&
              strstr(r.edit, "<description>svc</description>") && !strstr(r.edit, "operation="),
          "first diff: %s", r.edit ? r.edit : "(none)");
    diff_print_tree(&b2, &r, "d", 0);
    diff_print_cli(&b2, &r, "d", "junos", 0);
    CHECK(b2.s && strstr(b2.s, "+ ") && strstr(b2.s, "1518") && strstr(b2.s, "- ") &&
              strstr(b2.s, "1514"),
          "first diff printed: %s", b2.s ? b2.s : "");
    nst_free(b2.s);
    diff_result_clear(&r);
    /* ... and a copy as soon as something is owned (D then holds O's nodes as well). */
    run(&r, J(IF("ge-0/0/1", "<mtu>1518</mtu>")), J(IF("ge-0/0/1", "<mtu>1518</mtu>")), NULL, NULL,
        J(IF("ge-0/0/1", "<mtu>1514</mtu>")), NULL, NULL, 0);
    CHECK(!r.desired_is_target && r.desired != r.target && r.edit &&
              strstr(r.edit, "<mtu>1518</mtu>"),
          "owned: D is a copy: %s", r.edit ? r.edit : "(none)");
    diff_result_clear(&r);

    /* P': what pre-existed when the service first claims a node. */
    run(&r, J(IF("ge-0/0/1", "<description>svc</description>" UNIT("100"))), NULL, NULL, NULL,
        J(IF("ge-0/0/1", "<description>orig</description><mtu>1514</mtu>")), NULL, NULL, 0);
    CHECK(r.next_orig && strstr(r.next_orig, "<description>orig</description>") &&
              !strstr(r.next_orig, "<unit>") && !strstr(r.next_orig, "1514"),
          "originals: %s", r.next_orig ? r.next_orig : "(none)");
    diff_result_clear(&r);
}

/*
 * Issue 11, defect 8: a port whose MTU on the router is not the MTU the service declares
 * is reported, coded, with the device, the port and both numbers, in every format; a port
 * the router runs at the declared MTU, or whose MTU was not fetched, is not.
 */
static void
mtu_cases(void)
{
    /* ge-0/0/1: declared 1514, planned 1518, the router runs 9192: reported. ge-0/0/2: as
     * declared. ge-0/0/3: the payload does not set its MTU, but R holds it (a saved
     * configuration; a live diff fetches only what the payload sets): 9000, reported.
     * ge-0/0/4: declared 1514, the router already runs the planned 1518 (an earlier push):
     * not reported. */
    struct diff_port ports[5] = {{(char *)"ge-0/0/1", 1514},
                                 {(char *)"ge-0/0/2", 1518},
                                 {(char *)"ge-0/0/3", 1514},
                                 {(char *)"ge-0/0/4", 1514},
                                 {(char *)"ge-0/0/9", 1514}};
    const char *t = J(IF("ge-0/0/1", "<mtu>1518</mtu>") IF("ge-0/0/2", "<mtu>1518</mtu>") IF(
        "ge-0/0/3", "<description>x</description>") IF("ge-0/0/4", "<mtu>1518</mtu>"));
    const char *rtext = J(IF("ge-0/0/1", "<mtu>9192</mtu>") IF("ge-0/0/2", "<mtu>1518</mtu>")
                              IF("ge-0/0/3", "<description>x</description><mtu>9000</mtu>")
                                  IF("ge-0/0/4", "<mtu>1518</mtu>"));
    struct diff_inputs in = {
        .target = t, .ports = ports, .nports = 5, .port_mtu = drv_junos_ops.port_mtu};
    struct diff_result r = {.ly = ly};
    struct lyd_node *running = NULL;
    struct diff_buf b = {0};
    char why[512];

    char *filter = NULL;

    CHECK(drv_junos_ops.port_mtu && drv_iosxr_ops.port_mtu && drv_sros_ops.port_mtu &&
              drv_vrp_ops.port_mtu && drv_openconfig_ops.port_mtu,
          "every driver with a model MTU leaf names it");
    /* The filter fetches every declared port's entry, ge-0/0/9 too (not in the payload),
     * each once. */
    CHECK(!diff_load(&r, &in, why, sizeof why) && !diff_filter(&r, &filter) && filter &&
              count(filter, "<interface><name>ge-0/0/9</name></interface>") == 1 &&
              count(filter, "<name>ge-0/0/1</name>") == 1,
          "the filter selects every declared port: %s", filter ? filter : "(none)");
    nst_free(filter);
    diff_result_clear(&r);
    memset(&r, 0, sizeof r);
    r.ly = ly;
    if (diff_load(&r, &in, why, sizeof why) ||
        diff_parse(ly, rtext, 0, &running, why, sizeof why) ||
        diff_compute(&r, running, &in, why, sizeof why)) {
        printf("FAIL engine: %s\n", why);
        failures++;
        return;
    }
    CHECK(r.nmtu == 2 && !strcmp(r.mtu[0].port, "ge-0/0/1") && r.mtu[0].declared == 1514 &&
              r.mtu[0].running == 9192 && !strcmp(r.mtu[1].port, "ge-0/0/3") &&
              r.mtu[1].running == 9000,
          "MTU mismatches ge-0/0/1 1514/9192 and ge-0/0/3 1514/9000: %zu", r.nmtu);
    diff_print_tree(&b, &r, "pe1", 0);
    CHECK(b.s && strstr(b.s, "! MTU-MISMATCH: device pe1 port ge-0/0/1: the service declares MTU "
                             "1514, the router runs 9192"),
          "tree: %s", b.s ? b.s : "");
    nst_free(b.s);
    memset(&b, 0, sizeof b);
    diff_print_cli(&b, &r, "pe1", "junos", 0);
    CHECK(b.s &&
              strstr(b.s, "# MTU-MISMATCH: device pe1 port ge-0/0/1: the service declares MTU "
                          "1514, the router runs 9192") &&
              !strstr(b.s, "ge-0/0/2:") && !strstr(b.s, "ge-0/0/4:"),
          "cli: %s", b.s ? b.s : "");
    nst_free(b.s);
    memset(&b, 0, sizeof b);
    diff_print_json(&b, &r);
    CHECK(b.s && strstr(b.s, "\"mtu\": [\n      {\"code\": \"MTU-MISMATCH\", \"port\": "
                             "\"ge-0/0/1\", \"declared\": 1514, \"running\": 9192}"),
          "json: %s", b.s ? b.s : "");
    nst_free(b.s);
    diff_result_clear(&r);

    /* netstitch set ge-0/0/1's MTU before (O): the router's 9192 is drift, not a wrong
     * declaration. */
    in.owned = J(IF("ge-0/0/1", "<mtu>1518</mtu>"));
    memset(&r, 0, sizeof r);
    r.ly = ly;
    running = NULL;
    if (!diff_load(&r, &in, why, sizeof why) &&
        !diff_parse(ly, rtext, 0, &running, why, sizeof why) &&
        !diff_compute(&r, running, &in, why, sizeof why)) {
        CHECK(r.nmtu == 1 && !strcmp(r.mtu[0].port, "ge-0/0/3") && r.ndrift == 1,
              "owned MTU: drift, not MTU-MISMATCH: %zu %zu", r.nmtu, r.ndrift);
    }
    diff_result_clear(&r);
    in.owned = NULL;

    /* No driver leaf (or no ports): nothing compared. */
    in.port_mtu = NULL;
    memset(&r, 0, sizeof r);
    r.ly = ly;
    running = NULL;
    if (!diff_load(&r, &in, why, sizeof why) &&
        !diff_parse(ly, rtext, 0, &running, why, sizeof why) &&
        !diff_compute(&r, running, &in, why, sizeof why)) {
        CHECK(r.nmtu == 0, "no port_mtu, no report: %zu", r.nmtu);
    }
    diff_result_clear(&r);
}

/* An offline diff of the example against its own output, failing allocation @k. */
static nst_err
offline(struct nst_ctx *ctx, const struct nst_compiled *comp, const char *dir, const char *state)
{
    struct nst_diff *d = NULL;
    char *text = NULL;
    nst_err ret;

    ret = nst_diff_new(ctx, "example", &d);
    for (size_t i = 0; !ret && i < nst_compiled_device_count(comp); i++) {
        ret = nst_diff_add_target(d, nst_compiled_device_name(comp, i),
                                  nst_compiled_device_driver(comp, i),
                                  nst_compiled_device_payload(comp, i));
    }
    if (!ret) {
        ret = nst_diff_set_offline(d, dir);
    }
    if (!ret) {
        ret = nst_diff_set_state_dir(d, state);
    }
    if (!ret) {
        ret = nst_diff_run(d);
    }
    for (int f = 0; !ret && f < 4; f++) {
        ret = nst_diff_print(d, (enum nst_diff_format)f, 0, &text);
        nst_free_string(text);
        text = NULL;
    }
    for (size_t i = 0; !ret && i < nst_diff_device_count(d); i++) {
        if (nst_diff_device_status(d, i) & NST_DIFF_DEV_ERROR) {
            ret = strstr(nst_diff_device_error(d, i), "memory") ? NST_ENOMEM : NST_EINTERNAL;
        }
    }
    nst_diff_free(d);
    return ret;
}

/*
 * nst_diff_preload() (docs/PERFORMANCE.md, "Round 8: the live diff's critical path"): the
 * payloads of @dir parsed ahead, on a thread of its own; an offline diff against @dir itself. A device takes the preloaded tree
 * only when nst_diff_add_target() gives it the text that was preloaded: here the first
 * device is given another text (a description changed), so a diff that took the file's tree
 * would find no change there. Returns the number of devices with changes, -1 on an error;
 * @changed_first says whether the first device had changes.
 */
static int
preload_run(struct nst_ctx *ctx, const struct nst_compiled *comp, const char *dir,
            const char *state, int change_first, const char *const *limit, size_t nlimit,
            int *changed_first, size_t *adopted)
{
    struct nst_diff *d = NULL;
    int changes = 0;
    char *alt = NULL;
    nst_err ret;

    *changed_first = 0;
    ret = nst_diff_new(ctx, "example", &d);
    if (!ret && nlimit) {
        ret = nst_diff_set_limit(d, limit, nlimit);
    }
    if (!ret) {
        ret = nst_diff_preload(d, dir);
        CHECK(!ret, "nst_diff_preload: %s", nst_strerror(ret));
        CHECK(nst_diff_preload(d, dir) == NST_EINVAL, "a second nst_diff_preload() is refused");
        CHECK(nst_diff_set_limit(d, limit, nlimit) == NST_EINVAL,
              "the limit cannot change while the preload thread reads it");
        lc_preload_finish(d);
    }
    for (size_t i = 0; !ret && i < nst_compiled_device_count(comp); i++) {
        const char *payload = nst_compiled_device_payload(comp, i);

        if (i == 0 && change_first) {
            const char *at = strstr(payload, "<description>");

            CHECK(at != NULL, "the first payload has a description");
            if (!at || asprintf(&alt, "%.*s<description>X%s", (int)(at - payload), payload,
                                at + strlen("<description>")) < 0) {
                ret = NST_ENOMEM;
                break;
            }
            payload = alt;
        }
        ret = nst_diff_add_target(d, nst_compiled_device_name(comp, i),
                                  nst_compiled_device_driver(comp, i), payload);
    }
    if (!ret) {
        ret = nst_diff_set_offline(d, dir);
    }
    if (!ret) {
        ret = nst_diff_set_state_dir(d, state);
    }
    if (!ret) {
        ret = nst_diff_run(d);
    }
    *adopted = d ? lc_preload_adopted(d) : 0;
    for (size_t i = 0; !ret && i < nst_diff_device_count(d); i++) {
        unsigned st = nst_diff_device_status(d, i);

        CHECK(!(st & NST_DIFF_DEV_ERROR), "%s: %s", nst_diff_device_name(d, i),
              nst_diff_device_error(d, i));
        if (st & NST_DIFF_DEV_CHANGES) {
            changes++;
            *changed_first |=
                !strcmp(nst_diff_device_name(d, i), nst_compiled_device_name(comp, 0));
        }
    }
    nst_diff_free(d);
    free(alt);
    return ret ? -1 : changes;
}

static void
preload_cases(struct nst_ctx *ctx, const struct nst_compiled *comp, const char *dir,
              const char *state)
{
    const char *first = nst_compiled_device_name(comp, 0);
    size_t ndev = nst_compiled_device_count(comp), adopted;
    struct nst_diff *d = NULL;
    int n, first_changed;

    /* The payloads are what the devices hold: nothing to change, every device with the
     * preloaded tree. */
    n = preload_run(ctx, comp, dir, state, 0, NULL, 0, &first_changed, &adopted);
    CHECK(n == 0 && adopted == ndev,
          "preload, same texts: %d devices with changes, want 0; "
          "%zu of %zu trees taken",
          n, adopted, ndev);
    /* The first device's target is not the file: its own text is compared. */
    n = preload_run(ctx, comp, dir, state, 1, NULL, 0, &first_changed, &adopted);
    CHECK(n == 1 && first_changed && adopted == ndev - 1,
          "preload, first target changed: %d devices with changes (first %d), want the first "
          "only; %zu trees taken",
          n, first_changed, adopted);
    /* With a limit (set before): only the first device is read ahead and compared. */
    n = preload_run(ctx, comp, dir, state, 1, &first, 1, &first_changed, &adopted);
    CHECK(n == 1 && first_changed && adopted == 0,
          "preload with --limit: %d devices with changes (first %d), %zu trees taken", n,
          first_changed, adopted);
    n = preload_run(ctx, comp, dir, state, 0, &first, 1, &first_changed, &adopted);
    CHECK(n == 0 && adopted == 1, "preload with --limit, same text: %d changes, %zu taken", n,
          adopted);
    /* Freed before the run: the thread is stopped and joined, its trees freed. */
    CHECK(!nst_diff_new(ctx, "example", &d) && !nst_diff_preload(d, dir), "preload then free");
    nst_diff_free(d);
    /* A directory that does not exist: nothing preloaded, the run goes on as before. */
    d = NULL;
    CHECK(!nst_diff_new(ctx, "example", &d) && !nst_diff_preload(d, "/nonexistent/payloads"),
          "preload of a missing directory");
    nst_diff_free(d);
    printf("diff_unit: preload cases done\n");
}

/*
 * Round 7 (docs/PERFORMANCE.md, "the client's side of the live diff"): each fast path of
 * diff.c against the slow path it replaces, on the compiled payloads of every vendor and
 * on random changes of them (fixed seed): the schema-order parse against libyang's usual
 * parse, netstitch's walk of the diff against lyd_diff_siblings() (the metadata included),
 * R' as R itself against the pruned copy.
 */
static unsigned long long fast_seed = 7;

static unsigned
fast_rnd(unsigned n)
{
    fast_seed = fast_seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((fast_seed >> 33) % n);
}

static char *
fast_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *s = NULL;
    long n;

    if (!f) {
        return NULL;
    }
    if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
        (s = calloc(1, (size_t)n + 1)) && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

/* The tree as text, metadata included ("" for none); free()d. */
static char *
fast_print(const struct lyd_node *t)
{
    char *s = NULL;

    if (t) {
        lyd_print_mem(&s, t, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_KEEPEMPTYCONT);
    }
    return s ? s : strdup("");
}

/* Every node of the tree (keys included), in document order. */
static size_t
fast_nodes(struct lyd_node *first, struct lyd_node **v, size_t n, size_t max)
{
    for (struct lyd_node *c = first; c && n < max; c = c->next) {
        v[n++] = c;
        n = fast_nodes(lyd_child(c), v, n, max);
    }
    return n;
}

/* One random change of *@t: a subtree removed, a leaf value changed, a user-ordered entry
 * moved first, a list or leaf-list entry held twice, a leaf-list entry added. */
static void
fast_mutate(struct lyd_node **t)
{
    struct lyd_node *v[4096], *n, *first, *d = NULL;
    size_t cnt = fast_nodes(*t, v, 0, 4096);
    char val[512];

    if (!cnt) {
        return;
    }
    n = v[fast_rnd((unsigned)cnt)];
    if (!n->schema || lysc_is_key(n->schema)) {
        return;
    }
    switch (fast_rnd(5)) {
    case 0:
        if (n == *t) {
            *t = n->next;
        }
        lyd_free_tree(n);
        break;
    case 1:
        if (n->schema->nodetype == LYS_LEAF) {
            snprintf(val, sizeof val, "%s1", lyd_get_value(n));
            lyd_change_term(n, val);
        }
        break;
    case 2:
        for (first = lyd_first_sibling(n); first && first->schema != n->schema;
             first = first->next) {
        }
        if (lysc_is_userordered(n->schema) && first && first != n) {
            lyd_insert_before(first, n);
            if (first == *t) {
                *t = n;
            }
        }
        break;
    case 3:
        /* Not a user-ordered one: libyang 2.1.30's own diff crashes on those (its position
         * arithmetic assumes each instance once). */
        if ((n->schema->nodetype & (LYS_LIST | LYS_LEAFLIST)) && !lysc_is_userordered(n->schema) &&
            lyd_parent(n)) {
            lyd_dup_single(n, (struct lyd_node_inner *)lyd_parent(n), LYD_DUP_RECURSIVE, NULL);
        }
        break;
    default:
        snprintf(val, sizeof val, "%s1",
                 n->schema->nodetype == LYS_LEAFLIST ? lyd_get_value(n) : "");
        if (n->schema->nodetype == LYS_LEAFLIST && lyd_parent(n) &&
            lyd_find_sibling_val(lyd_first_sibling(n), n->schema, val, strlen(val), NULL) &&
            !lyd_dup_single(n, NULL, 0, &d)) {
            if (lyd_change_term(d, val) || lyd_insert_child(lyd_parent(n), d)) {
                lyd_free_tree(d);
            }
        }
        break;
    }
}

/* diff_siblings() and its walk against lyd_diff_siblings(), @a to @b; *@walked counts the
 * pairs the walk did itself. */
static void
fast_diff_pair(const struct lyd_node *a, const struct lyd_node *b, const char *what, int *walked)
{
    struct lyd_node *want = NULL, *got = NULL, *walk = NULL;
    char *ws, *gs, *ks;
    int other = 0;

    CHECK(!lyd_diff_siblings(a, b, 0, &want), "%s: libyang's diff", what);
    CHECK(!diff_siblings(a, b, &got), "%s: diff_siblings()", what);
    CHECK(!diff_siblings_walk(a, b, &walk, &other), "%s: the walk", what);
    ws = fast_print(want);
    gs = fast_print(got);
    ks = fast_print(walk);
    CHECK(!strcmp(ws, gs), "%s: diff_siblings() differs from libyang's\n%s\n---\n%s", what, ws, gs);
    CHECK(other || !strcmp(ws, ks), "%s: the walk differs from libyang's\n%s\n---\n%s", what, ws,
          ks);
    CHECK(!other || !walk, "%s: a walk given up leaves no diff", what);
    *walked += !other;
    free(ws);
    free(gs);
    free(ks);
    lyd_free_siblings(want);
    lyd_free_siblings(got);
    lyd_free_siblings(walk);
}

/* A copy of @xml with the element children of every element after its first in reverse
 * order (a list's first key stays first, so libyang's ordered parse mostly succeeds). */
static char *
fast_reversed(const char *xml)
{
    xmlDocPtr doc;
    xmlChar *out = NULL;
    int len = 0;
    char *s, *wrapped = NULL;

    if (asprintf(&wrapped, "<w>%s</w>", xml) < 0) {
        return NULL;
    }
    doc = xmlReadMemory(wrapped, (int)strlen(wrapped), NULL, NULL, XML_PARSE_NONET);
    free(wrapped);
    if (!doc) {
        return NULL;
    }
    for (xmlNodePtr n = xmlDocGetRootElement(doc); n;) {
        xmlNodePtr c, keep, rest[1024];
        int k = 0;

        /* This element's children: the first kept, the others put back in reverse. */
        keep = n->children;
        for (c = keep ? keep->next : NULL; c && k < 1024; c = c->next) {
            rest[k++] = c;
        }
        if (n != xmlDocGetRootElement(doc) && k < 1024) {
            for (int i = 0; i < k; i++) {
                xmlUnlinkNode(rest[i]);
            }
            for (int i = k - 1; i >= 0; i--) {
                xmlAddChild(n, rest[i]);
            }
        }
        /* On to the next element in document order. */
        for (c = n->children; c && c->type != XML_ELEMENT_NODE; c = c->next) {
        }
        if (c) {
            n = c;
            continue;
        }
        while (n && !n->next) {
            n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
        }
        if (n) {
            n = n->next;
        }
        while (n && n->type != XML_ELEMENT_NODE) {
            n = n->next;
        }
    }
    xmlDocDumpMemory(doc, &out, &len);
    xmlFreeDoc(doc);
    if (!out) {
        return NULL;
    }
    s = strstr((char *)out, "<w>");
    s = s ? strdup(s + 3) : NULL;
    if (s && strstr(s, "</w>")) {
        *strstr(s, "</w>") = '\0';
    }
    xmlFree(out);
    return s;
}

/* The schema-order parse of @text against libyang's usual parse of it; *@caught counts
 * texts libyang's ordered parse took but the check sent back, and whose ordered tree was
 * not libyang's (so the check is needed). */
static void
fast_parse_same(const char *text, const char *what, int in_order, int *caught)
{
    struct lyd_node *fast = NULL, *slow = NULL, *ord = NULL;
    char why[512], *fs, *ss;
    LY_ERR e;

    CHECK(!diff_parse(ly, text, 0, &fast, why, sizeof why), "%s: diff_parse(): %s", what, why);
    CHECK(!lyd_parse_data_mem(ly, text, LYD_XML, LYD_PARSE_ONLY, 0, &slow), "%s: parse", what);
    fs = fast_print(fast);
    ss = fast_print(slow);
    CHECK(!strcmp(fs, ss), "%s: the schema-order parse differs\n%s\n---\n%s", what, fs, ss);
    e = lyd_parse_data_mem(ly, text, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_ORDERED, 0, &ord);
    if (in_order) {
        CHECK(!e && diff_in_schema_order(ord, NULL), "%s: libyang's print not taken in order",
              what);
    } else {
        char *os = fast_print(ord);

        CHECK(e || !diff_in_schema_order(ord, NULL), "%s: out of order, taken in order", what);
        *caught += !e && strcmp(os, ss);
        free(os);
    }
    free(fs);
    free(ss);
    lyd_free_siblings(fast);
    lyd_free_siblings(slow);
    lyd_free_siblings(ord);
    ly_err_clean(ly, NULL);
}

/* diff_compact() on texts whose blanks matter, and the trees parsed from them. */
static void
compact_cases(void)
{
    static const struct {
        const char *in, *out; /* out NULL: nothing left out */
    } c[] = {
        {"<a>\n  <b>x</b>\n  <c/>\n</a>\n", "<a><b>x</b><c/></a>\n"},
        {"<a>\n  <b>  </b>\n</a>", "<a><b>  </b></a>"},          /* a value of blanks stays */
        {"<a>\n  <b> x </b>\n</a>", "<a><b> x </b></a>"},        /* text's own blanks stay */
        {"<a> <!-- c --> <b/> </a>", "<a> <!-- c --> <b/></a>"}, /* kept next to a comment */
        {"<a>\n<b><![CDATA[ ]]></b> <c/></a>", "<a><b><![CDATA[ ]]></b><c/></a>"},
        {"<a x='> <'>\n <b/></a>", "<a x='> <'><b/></a>"}, /* a '>' in an attribute */
        {"<a x=\"1\">\n</a>", NULL},                       /* all of an element's content */
        {"<!DOCTYPE a>\n<a>\n <b/></a>", NULL},            /* not followed */
        {"<a>\n <b", NULL},                                /* unterminated */
        {"<a><b>1</b></a>", NULL},                         /* compact already */
    };

    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *out = (char *)"x";

        CHECK(!diff_compact(c[i].in, strlen(c[i].in), &out), "compact %zu", i);
        CHECK((!c[i].out && !out) || (c[i].out && out && !strcmp(out, c[i].out)), "compact %zu: %s",
              i, out ? out : "(none)");
        nst_free(out);
    }
    /* Through diff_parse(): a description of blanks, a comment, a value with blanks
     * around it. */
    {
        const char *t = "<config>\n  " J_OPEN "\n    " IF(
            "ge-0/0/1", "\n      <description>   "
                        "</description>\n    ") "\n    <!-- x "
                                                "-->\n    " IF("ge-0/0/2", "<description"
                                                                           "> b "
                                                                           "</"
                                                                           "description"
                                                                           ">") "\n "
                                                                                " " J_CLOSE "\n</"
                                                                                "config>"
                                                                                "\n";
        struct lyd_node *tree = NULL, *n = NULL;
        char why[512];

        CHECK(!diff_parse(ly, t, 1, &tree, why, sizeof why), "blanks: %s", why);
        CHECK(!lyd_find_path(tree,
                             "/junos-conf-root:configuration/junos-conf-interfaces:interfaces/"
                             "interface[name='ge-0/0/1']/description",
                             0, &n) &&
                  !strcmp(lyd_get_value(n), "   "),
              "a description of blanks stays blanks");
        CHECK(!lyd_find_path(tree,
                             "/junos-conf-root:configuration/junos-conf-interfaces:interfaces/"
                             "interface[name='ge-0/0/2']/description",
                             0, &n) &&
                  !strcmp(lyd_get_value(n), " b "),
              "a description keeps its blanks");
        lyd_free_siblings(tree);
    }
    /* The filter's key values escaped as before (diff_filter_text()). */
    {
        struct diff_inputs in = {.target = J(IF("ge-0/0/1&amp;&lt;x&gt;y", "<mtu>1500</mtu>"))};
        struct diff_result r = {.ly = ly};
        char why[512], *filter = NULL;

        CHECK(!diff_load(&r, &in, why, sizeof why) && !diff_filter(&r, &filter) && filter &&
                  strstr(filter, "<interface><name>ge-0/0/1&amp;&lt;x&gt;y</name></interface>") &&
                  strstr(filter, "<configuration xmlns=\"http://yang.juniper.net/junos/conf/"
                                 "root\"><interfaces xmlns=\"http://yang.juniper.net/junos/conf/"
                                 "interfaces\">"),
              "filter: %s", filter ? filter : why);
        nst_free(filter);
        diff_result_clear(&r);
    }
}

/* An ordered-by-user entry held twice, by the router or in a payload: refused with its path
 * (libyang 2.1.30's own diff crashed on it). */
static void
twice_cases(void)
{
#define ADDR(a) "<address><name>" a "</name></address>"
#define INET(addrs)                                                                                \
    J(IF("ge-0/0/1", "<unit><name>0</name><family><inet>" addrs "</inet></family></unit>"))
    const char *once = INET(ADDR("10.0.0.1/24") ADDR("10.0.1.1/24"));
    const char *twice =
        INET(ADDR("10.0.1.1/24") ADDR("10.0.0.1/24") ADDR("10.0.1.1/24") ADDR("10.0.0.1/24"));

    for (int k = 0; k < 2; k++) {
        struct diff_inputs in = {.target = k ? twice : once};
        struct diff_result r = {.ly = ly};
        struct lyd_node *running = NULL;
        char why[512] = "";
        nst_err ret = diff_load(&r, &in, why, sizeof why);

        if (!ret) {
            ret = diff_parse(ly, k ? once : twice, 0, &running, why, sizeof why);
        }
        if (!ret) {
            ret = diff_compute(&r, running, &in, why, sizeof why);
        }
        CHECK(ret == NST_EINPUT && strstr(why, k ? "the payload holds" : "configuration holds") &&
                  strstr(why, "address[name='10.0.") && strstr(why, "twice"),
              "an entry held twice (%s): %s", k ? "payload" : "router", why);
        diff_result_clear(&r);
    }
#undef INET
#undef ADDR
}

static void
fast_cases(const char *dir)
{
    DIR *dh = opendir(dir);
    struct dirent *e;
    int pairs = 0, walked = 0, same = 0, copied = 0, files = 0, caught = 0;

    CHECK(dh != NULL, "cannot open %s", dir);
    while (dh && (e = readdir(dh))) {
        char path[4096], why[512], *text, *compact, *rev;
        struct lyd_node *t = NULL;
        size_t l = strlen(e->d_name);

        if (l < 5 || strcmp(e->d_name + l - 4, ".xml") || !strcmp(e->d_name, "plan.json")) {
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        text = fast_slurp(path);
        if (!text || diff_parse(ly, text, 1, &t, why, sizeof why) || !t) {
            CHECK(0, "%s: %s", path, text ? why : "unreadable");
            free(text);
            continue;
        }
        files++;
        /* Printed by libyang: in order. Reversed: parsed again, the same as libyang's. */
        compact = NULL;
        lyd_print_mem(&compact, t, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK);
        fast_parse_same(compact, path, 1, &caught);
        /* Pretty-printed (blanks between tags, diff_compact()): the same tree too. */
        rev = fast_print(t);
        fast_parse_same(rev, path, 1, &caught);
        free(rev);
        rev = fast_reversed(compact);
        CHECK(rev != NULL, "%s: reversed", path);
        if (rev) {
            fast_parse_same(rev, path, 0, &caught);
        }
        free(rev);
        free(compact);
        for (int k = 0; k < 60; k++) {
            struct lyd_node *r = NULL, *copy = NULL;
            char label[4200];

            if (lyd_dup_siblings(t, NULL, LYD_DUP_RECURSIVE, &r)) {
                CHECK(0, "dup");
                break;
            }
            for (unsigned m = 1 + fast_rnd(4); m--;) {
                fast_mutate(&r);
            }
            snprintf(label, sizeof label, "%s #%d", path, k);
            fast_diff_pair(r, t, label, &walked);
            fast_diff_pair(t, r, label, &walked);
            pairs += 2;
            /* R' as R: only where the copy is R node for node. */
            CHECK(!diff_prune_copy(r, t, NULL, &copy), "%s: prune", label);
            if (diff_prune_is_identity(r, t, NULL)) {
                char *a = fast_print(r), *b = fast_print(copy);

                CHECK(!strcmp(a, b), "%s: R' taken as R but the copy differs\n%s\n---\n%s", label,
                      a, b);
                free(a);
                free(b);
                same++;
            } else {
                copied++;
            }
            lyd_free_siblings(copy);
            lyd_free_siblings(r);
        }
        lyd_free_siblings(t);
        free(text);
    }
    if (dh) {
        closedir(dh);
    }
    /* Each path is exercised, not only the fallbacks. */
    CHECK(files >= 6 && caught > 0 && walked > pairs / 2 && walked < pairs && same > 0 &&
              copied > 0,
          "%s: %d payloads (%d out of order caught), %d of %d diffs walked, R' as R %d, copied %d",
          dir, files, caught, walked, pairs, same, copied);
    printf("diff_unit: %s: %d payloads (%d out of order caught), %d of %d diffs walked, R' as R "
           "%d, copied %d\n",
           dir, files, caught, walked, pairs, same, copied);
}

int
main(int argc, char **argv)
{
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;
    struct nst_compiled *comp = NULL;
    struct render *rd = NULL;
    long points, step;

    if (argc < 4) {
        fprintf(stderr, "usage: diff_unit SERVICE OUTDIR STATEDIR [PAYLOADDIR...]\n");
        return 2;
    }
    if (nst_ctx_new(NULL, &ctx) || render_new(ctx, NULL, 0, &rd) ||
        !ly_ctx_load_module(render_ly(rd), "ietf-netconf", "2011-06-01", NULL)) {
        fprintf(stderr, "setup failed\n");
        return 2;
    }
    ly_temp_log_options(NULL);
    ly = render_ly(rd);
    cases();
    mtu_cases();
    compact_cases();
    twice_cases();
    fast_cases(argv[2]);
    for (int i = 4; i < argc; i++) {
        fast_cases(argv[i]);
    }
    render_free(rd);
    ly_temp_log_options(NULL);

    if (nst_service_load(ctx, argv[1], NST_FORMAT_AUTO, &svc) || nst_service_check(svc) ||
        nst_service_compile(svc, &comp)) {
        fprintf(stderr, "cannot compile %s\n", argv[1]);
        return 2;
    }
    CHECK(offline(ctx, comp, argv[2], argv[3]) == NST_OK, "offline diff without injection");
    preload_cases(ctx, comp, argv[2], argv[3]);
    nst_alloc_fail_after(-1);
    offline(ctx, comp, argv[2], argv[3]);
    points = nst_alloc_fail_after(-1);
    /* Every point for the first 300, then a stride: each run loads every device model. */
    step = points > 300 ? points / 60 : 1;
    for (long k = 0; k < points; k += k < 300 ? 1 : step) {
        nst_err ret;

        nst_alloc_fail_after(k);
        ret = offline(ctx, comp, argv[2], argv[3]);
        nst_alloc_fail_after(-1);
        CHECK(ret == NST_OK || ret == NST_ENOMEM || ret == NST_EENV,
              "allocation %ld of %ld failed: %s", k, points, nst_strerror(ret));
    }
    printf("diff_unit: %ld allocation points, %d failure%s\n", points, failures,
           failures == 1 ? "" : "s");
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    return failures ? 1 : 0;
}
