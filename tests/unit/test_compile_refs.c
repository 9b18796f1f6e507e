/*
 * test_compile_refs.c: the references the loader checks instead of libyang (compiler/
 * ctx.c's deviation, load.c's load_check_port_refs): a segment end's, a BGP session's
 * and a VPLS member's device and port, a BGP session's peer device, a stitch's device
 * and a hop's segment. Services of our own (the
 * shipped example with one name changed) must give exactly what libyang gave for each
 * (YANG-BAD-REFERENCE, libyang's message with the leafref's path as the model writes
 * it, the data path, the line), and one more:
 * - a VPLS member naming an unknown device: its port is reported at its own line with
 *   the member's key in the path. When libyang checked the device, it set the key leaf
 *   aside and the port was reported as .../member/port at the VPLS's line.
 * And the load's fast path (load.c, "Two contexts"; docs/PERFORMANCE.md round 6): a
 * service whose siblings are not in schema order (parsed with LYD_PARSE_ORDERED there)
 * compiles to exactly what the same service in order does, and a name that breaks the
 * name typedef's pattern (a plain string in the fast context) gets libyang's error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netstitch.h"
#include "service.h"

#define EXAMPLE NST_SRCDIR "/examples/twcc-ccx-aws/service.xml"

static char *
read_all(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *s;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    rewind(fp);
    s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = '\0';
    fclose(fp);
    return s;
}

/* @text with the @nth (from 1) occurrence of @from replaced by @to; the line it is on
 * into *line. */
static char *
replace_nth(const char *text, const char *from, const char *to, int nth, unsigned *line)
{
    const char *p = text, *q;
    char *r;
    size_t a;

    for (; nth > 0; nth--, p++) {
        p = strstr(p, from);
        assert_non_null(p);
    }
    p--;
    a = (size_t)(p - text);
    r = malloc(strlen(text) + strlen(to) + 1);
    assert_non_null(r);
    memcpy(r, text, a);
    strcpy(r + a, to);
    strcat(r, p + strlen(from));
    *line = 1;
    for (q = text; q < p; q++) {
        *line += *q == '\n';
    }
    return r;
}

/* The errors of loading @text, as "CODE LINE PATH MESSAGE\n" in report order. */
static char *
load_errors(const char *text)
{
    struct nst_ctx *ctx;
    struct nst_service *svc = NULL;
    char *out = calloc(1, 1), line[2048];
    size_t i;

    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    assert_int_equal(nst_service_load_mem(ctx, text, strlen(text), NST_FORMAT_XML, "svc.xml", &svc),
                     NST_EINPUT);
    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        if (nst_diag_severity(d) != NST_SEV_ERROR) {
            continue;
        }
        snprintf(line, sizeof line, "%s %u %s %s\n", nst_diag_code(d), nst_diag_line(d),
                 nst_diag_path(d) ? nst_diag_path(d) : "-", nst_diag_message(d));
        out = realloc(out, strlen(out) + strlen(line) + 1);
        assert_non_null(out);
        strcat(out, line);
    }
    nst_ctx_free(ctx);
    return out;
}

static void
test_segment_end_device(void **state)
{
    char *text = read_all(EXAMPLE), *bad, *errs, want[2048];
    unsigned line;

    (void)state;
    /* The first segment's a end. */
    bad = replace_nth(text, "<a><device>", "<a><device>nosuch-", 1, &line);
    errs = load_errors(bad);
    snprintf(want, sizeof want,
             "YANG-BAD-REFERENCE %u /netstitch-intercloud:intercloud/segment[name='", line);
    assert_non_null(strstr(errs, want));
    assert_non_null(strstr(errs, "/a/device Invalid leafref value \"nosuch-"));
    assert_non_null(strstr(errs, "- no target instance \"/nsi:intercloud/nsi:device/nsi:name\" "
                                 "with the same value."));
    /* Its port resolves to nothing, as before: reported too. */
    assert_non_null(strstr(errs, "/a/port Invalid leafref value"));
    free(errs);
    free(bad);
    free(text);
}

static void
test_hop_segment(void **state)
{
    char *text = read_all(EXAMPLE), *bad, *errs, want[2048];
    unsigned line;

    (void)state;
    /* The first hop's segment: the first <segment> after the first <hop>. */
    {
        const char *hop = strstr(text, "<hop>"), *p;
        int nth = 0;

        assert_non_null(hop);
        for (p = strstr(text, "<segment>"); p && p < hop; p = strstr(p + 1, "<segment>")) {
            nth++;
        }
        bad = replace_nth(text, "<segment>", "<segment>nosuch-", nth + 1, &line);
    }
    errs = load_errors(bad);
    snprintf(want, sizeof want,
             "YANG-BAD-REFERENCE %u /netstitch-intercloud:intercloud/connection[", line);
    assert_non_null(strstr(errs, want));
    assert_non_null(strstr(errs, "/segment Invalid leafref value \"nosuch-"));
    assert_non_null(
        strstr(errs, "- no target instance \"../../../segment/name\" with the same value."));
    free(errs);
    free(bad);
    free(text);
}

static void
test_vpls_member_device_and_port(void **state)
{
    char *text = read_all(EXAMPLE), *bad, *errs, want[2048];
    unsigned line;

    (void)state;
    bad = replace_nth(text, "<member>\n        <device>", "<member>\n        <device>nosuch-", 1,
                      &line);
    errs = load_errors(bad);
    /* The device on the line after <member>, the port on the next one, both with the
     * member's key. */
    snprintf(want, sizeof want,
             "YANG-BAD-REFERENCE %u /netstitch-intercloud:intercloud/connection[name='twcc-aws']/"
             "vpls[name='twaren-ccx']/member[device='nosuch-twaren-border']/device Invalid leafref "
             "value \"nosuch-twaren-border\" - no target instance \"../../../../device/name\" with "
             "the same value.\n",
             line + 1);
    assert_non_null(strstr(errs, want));
    snprintf(want, sizeof want,
             "YANG-BAD-REFERENCE %u /netstitch-intercloud:intercloud/connection[name='twcc-aws']/"
             "vpls[name='twaren-ccx']/member[device='nosuch-twaren-border']/port Invalid leafref "
             "value \"xe-0/0/0\"",
             line + 2);
    assert_non_null(strstr(errs, want));
    assert_null(strstr(errs, "/member/port"));
    free(errs);
    free(bad);
    free(text);
}

/* A stitch's device and a BGP session's peer device (tests/bad/base.xml). */
static void
test_stitch_and_peer_device(void **state)
{
    char *text = read_all(NST_SRCDIR "/tests/bad/base.xml"), *a, *b, *errs, want[2048];
    unsigned line1, line2;

    (void)state;
    a = replace_nth(text, "<stitch>\n      <device>r2", "<stitch>\n      <device>nosuch-r2", 1,
                    &line1);
    b = replace_nth(a, "<peer-site>aws</peer-site>", "<peer-device>nosuch-r1</peer-device>", 1,
                    &line2);
    errs = load_errors(b);
    snprintf(want, sizeof want,
             "YANG-BAD-REFERENCE %u /netstitch-intercloud:intercloud/connection[name='c1']/"
             "stitch[device='nosuch-r2']/device Invalid leafref value \"nosuch-r2\" - no target "
             "instance \"../../../device/name\" with the same value.\n",
             line1 + 1);
    assert_non_null(strstr(errs, want));
    snprintf(want, sizeof want,
             "YANG-BAD-REFERENCE %u /netstitch-intercloud:intercloud/connection[name='c1']/"
             "bgp-session[name='to-aws']/peer-device Invalid leafref value \"nosuch-r1\" - no "
             "target instance \"../../../device/name\" with the same value.\n",
             line2);
    assert_non_null(strstr(errs, want));
    free(errs);
    free(a);
    free(b);
    free(text);
}

/* The IR and plan.json of compiling @text. */
static void
compile_text(const char *text, char **ir, char **plan)
{
    struct nst_ctx *ctx;
    struct nst_service *svc = NULL;
    struct nst_compiled *c = NULL;

    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    assert_int_equal(nst_service_load_mem(ctx, text, strlen(text), NST_FORMAT_XML, "svc.xml", &svc),
                     NST_OK);
    assert_int_equal(nst_service_check(svc), NST_OK);
    assert_int_equal(nst_service_compile(svc, &c), NST_OK);
    assert_int_equal(nst_compiled_ir(c, ir), NST_OK);
    assert_int_equal(nst_compiled_plan(c, plan), NST_OK);
    nst_compiled_free(c);
    nst_service_free(svc);
    nst_ctx_free(ctx);
}

static void
test_fast_path_out_of_order(void **state)
{
    char *text = read_all(EXAMPLE), *swapped, *moved, *ir, *plan, *ir2, *plan2;
    const char *dev, *conn, *end;
    unsigned line;
    size_t a;

    (void)state;
    compile_text(text, &ir, &plan);
    /* A device's role before its vendor (schema order: vendor, then role). */
    swapped = replace_nth(text, "<vendor>vrp</vendor>\n    <role>site-edge</role>",
                          "<role>site-edge</role>\n    <vendor>vrp</vendor>", 1, &line);
    compile_text(swapped, &ir2, &plan2);
    assert_string_equal(ir, ir2);
    assert_string_equal(plan, plan2);
    free(ir2);
    free(plan2);
    /* The first connection moved before the first device. */
    dev = strstr(text, "  <device>");
    conn = strstr(text, "  <connection>");
    assert_non_null(dev);
    assert_non_null(conn);
    end = strstr(conn, "  </connection>\n");
    assert_non_null(end);
    end += strlen("  </connection>\n");
    moved = malloc(strlen(text) + 1);
    assert_non_null(moved);
    a = (size_t)(dev - text);
    memcpy(moved, text, a);
    memcpy(moved + a, conn, (size_t)(end - conn));
    memcpy(moved + a + (size_t)(end - conn), dev, (size_t)(conn - dev));
    strcpy(moved + a + (size_t)(end - conn) + (size_t)(conn - dev), end);
    assert_int_equal(strlen(moved), strlen(text));
    compile_text(moved, &ir2, &plan2);
    /* The plan's notes name the connection's new lines: the IR is the same. */
    assert_string_equal(ir, ir2);
    free(ir2);
    free(plan2);
    free(moved);
    free(swapped);
    free(ir);
    free(plan);
    free(text);
}

static void
test_fast_path_bad_name(void **state)
{
    char *text = read_all(EXAMPLE), *bad, *errs, want[2048];
    unsigned line;

    (void)state;
    bad = replace_nth(text, "<name>twcc-edge</name>", "<name>twcc edge</name>", 1, &line);
    errs = load_errors(bad);
    snprintf(want, sizeof want,
             "YANG-INVALID-VALUE %u /netstitch-intercloud:intercloud/device/name Unsatisfied "
             "pattern - \"twcc edge\" does not conform to \"[A-Za-z0-9][A-Za-z0-9._:/-]*\".",
             line);
    assert_non_null(strstr(errs, want));
    free(errs);
    free(bad);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segment_end_device),
        cmocka_unit_test(test_hop_segment),
        cmocka_unit_test(test_vpls_member_device_and_port),
        cmocka_unit_test(test_stitch_and_peer_device),
        cmocka_unit_test(test_fast_path_out_of_order),
        cmocka_unit_test(test_fast_path_bad_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
