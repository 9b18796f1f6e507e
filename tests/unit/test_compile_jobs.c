/*
 * test_compile_jobs.c: a compile renders its devices on several threads (compiler/
 * compile.c, COMPILE_JOBS_MAX) and gives the same result as on one.
 *
 * The service is bench/gen-service.py's at 13 routers (all six drivers, two or three
 * devices each), compiled with NST_COMPILE_JOBS=1 and =4 in the same process:
 * - without errors: every device's payload, CLI and IR, and the plan, byte for byte; the
 *   four-thread compile did use four threads;
 * - with user templates that fail on every device of two drivers (a payload the Junos
 *   models refuse, an unknown variable in an IOS-XR template): the same diagnostics in
 *   the same order (code, file, line, device, path, message), and the log callback told
 *   of them in the same order, which is the order of the devices in the service;
 * - the render state, built on another thread while the service loads: missing device
 *   models fail the compile at the render stage with their diagnostic, and a service that
 *   does not load fails at the load without it;
 * - the set written with two threads: of several files that cannot be written, the one
 *   reported is the first in model order, every time;
 * - the allocation test hook keeps the compile on one thread, whatever NST_COMPILE_JOBS;
 * - NST_COMPILE_KEEP_RENDER: the render states (one per thread) stay with the result and
 *   are freed with it (valgrind and ASan see them freed), the output unchanged;
 * - nst_compile_file_to(): the set written while rendering is the one nst_compiled_write()
 *   writes, a write failure is reported as it was, no temporary directory is left, and
 *   with NST_COMPILE_WRITE_ONLY above 256 devices the texts are not kept.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "compile.h"
#include "render.h"
#include "service.h"

#define GEN NST_SRCDIR "/bench/gen-service.py"

struct fx {
    char tmp[64];
    char svc[128];
};

/* What the log callback heard, in order. */
struct heard {
    char *text;
    size_t len;
};

static void
hear(enum nst_severity level, const char *msg, void *user)
{
    struct heard *h = user;
    size_t n = strlen(msg);

    (void)level;
    h->text = realloc(h->text, h->len + n + 2);
    assert_non_null(h->text);
    memcpy(h->text + h->len, msg, n);
    h->text[h->len + n] = '\n';
    h->text[h->len + n + 1] = '\0';
    h->len += n + 1;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char cmd[512];

    assert_non_null(f);
    snprintf(f->tmp, sizeof f->tmp, "/tmp/nst-jobs-XXXXXX");
    assert_non_null(mkdtemp(f->tmp));
    snprintf(f->svc, sizeof f->svc, "%s/svc-13.xml", f->tmp);
    snprintf(cmd, sizeof cmd, "python3 '%s' 13 > '%s'", GEN, f->svc);
    assert_int_equal(system(cmd), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->tmp);
    assert_int_equal(system(cmd), 0);
    unsetenv("NST_COMPILE_JOBS");
    free(f);
    return 0;
}

static void
write_file(const char *dir, const char *rel, const char *text)
{
    char path[512], sub[512];
    FILE *fp;

    snprintf(sub, sizeof sub, "%s/%.*s", dir, (int)(strchr(rel, '/') - rel), rel);
    mkdir(sub, 0755);
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* One compile of the service with @jobs threads: its result (NULL when it failed), the
 * return code, and the context with its diagnostics and what the log callback heard. */
struct run {
    struct nst_ctx *ctx;
    struct nst_service *svc;
    struct nst_compiled *comp;
    nst_err ret;
    struct heard heard;
};

static void
run_compile(struct fx *f, const char *jobs, const char *const *dirs, size_t ndirs, struct run *r)
{
    memset(r, 0, sizeof *r);
    setenv("NST_COMPILE_JOBS", jobs, 1);
    assert_int_equal(nst_ctx_new(NULL, &r->ctx), NST_OK);
    assert_int_equal(nst_service_load(r->ctx, f->svc, NST_FORMAT_AUTO, &r->svc), NST_OK);
    assert_int_equal(nst_service_check(r->svc), NST_OK);
    /* Only the render's diagnostics are heard. */
    nst_ctx_set_log_cb(r->ctx, hear, &r->heard);
    r->ret = nst_service_compile_with_templates(r->svc, dirs, ndirs, &r->comp);
    nst_ctx_set_log_cb(r->ctx, NULL, NULL);
}

static void
run_free(struct run *r)
{
    nst_compiled_free(r->comp);
    nst_service_free(r->svc);
    nst_ctx_free(r->ctx);
    free(r->heard.text);
}

static const char *
str_or_empty(const char *s)
{
    return s ? s : "";
}

static void
test_same_output(void **state)
{
    struct fx *f = *state;
    struct run one, four;
    char *a, *b;
    size_t i, n;

    run_compile(f, "1", NULL, 0, &one);
    run_compile(f, "4", NULL, 0, &four);
    assert_int_equal(one.ret, NST_OK);
    assert_int_equal(four.ret, NST_OK);
    assert_int_equal(one.comp->jobs, 1);
    assert_int_equal(four.comp->jobs, 4);
    n = nst_compiled_device_count(one.comp);
    assert_int_equal(n, 13);
    assert_int_equal(nst_compiled_device_count(four.comp), n);
    for (i = 0; i < n; i++) {
        assert_string_equal(nst_compiled_device_name(one.comp, i),
                            nst_compiled_device_name(four.comp, i));
        assert_non_null(nst_compiled_device_payload(one.comp, i));
        assert_string_equal(nst_compiled_device_payload(one.comp, i),
                            nst_compiled_device_payload(four.comp, i));
        assert_string_equal(nst_compiled_device_cli(one.comp, i),
                            nst_compiled_device_cli(four.comp, i));
    }
    assert_int_equal(nst_compiled_ir(one.comp, &a), NST_OK);
    assert_int_equal(nst_compiled_ir(four.comp, &b), NST_OK);
    assert_string_equal(a, b);
    nst_free_string(a);
    nst_free_string(b);
    assert_int_equal(nst_compiled_plan(one.comp, &a), NST_OK);
    assert_int_equal(nst_compiled_plan(four.comp, &b), NST_OK);
    assert_string_equal(a, b);
    nst_free_string(a);
    nst_free_string(b);
    run_free(&one);
    run_free(&four);
}

/* @svc compiled with @jobs threads and @flags in a new context: nst_compile_file(), or
 * with @out nst_compile_file_to() into @out. */
static struct nst_compiled *
compile_svc(const char *svc, const char *jobs, const char *out, unsigned flags,
            struct nst_ctx **ctx, struct nst_service **s)
{
    struct nst_compiled *comp = NULL;
    enum nst_stage stage;

    setenv("NST_COMPILE_JOBS", jobs, 1);
    assert_int_equal(nst_ctx_new(NULL, ctx), NST_OK);
    assert_int_equal(
        out ? nst_compile_file_to(*ctx, svc, NST_FORMAT_AUTO, NULL, 0, flags, out, &stage, s, &comp)
            : nst_compile_file(*ctx, svc, NST_FORMAT_AUTO, NULL, 0, flags, &stage, s, &comp),
        NST_OK);
    assert_int_equal(stage, NST_STAGE_DONE);
    return comp;
}

static void
test_keep_render(void **state)
{
    struct fx *f = *state;
    struct nst_ctx *c0, *c1, *c4;
    struct nst_service *s0, *s1, *s4;
    struct nst_compiled *plain = compile_svc(f->svc, "2", NULL, 0, &c0, &s0);
    struct nst_compiled *one = compile_svc(f->svc, "1", NULL, NST_COMPILE_KEEP_RENDER, &c1, &s1);
    struct nst_compiled *four = compile_svc(f->svc, "4", NULL, NST_COMPILE_KEEP_RENDER, &c4, &s4);
    char *a, *b;
    size_t i, n = nst_compiled_device_count(plain);

    /* Freed at the end of the render without the flag; kept, one per thread, with it,
     * the compile's own (the device models) last. */
    assert_int_equal(plain->nheld, 0);
    assert_null(plain->held);
    assert_int_equal(one->nheld, 1);
    assert_int_equal(four->jobs, 4);
    assert_int_equal(four->nheld, 5);
    assert_non_null(render_ly(four->held[4]));
    for (i = 0; i < n; i++) {
        assert_string_equal(nst_compiled_device_payload(plain, i),
                            nst_compiled_device_payload(four, i));
        assert_string_equal(nst_compiled_device_payload(plain, i),
                            nst_compiled_device_payload(one, i));
        assert_string_equal(nst_compiled_device_cli(plain, i), nst_compiled_device_cli(four, i));
    }
    assert_int_equal(nst_compiled_plan(plain, &a), NST_OK);
    assert_int_equal(nst_compiled_plan(four, &b), NST_OK);
    assert_string_equal(a, b);
    nst_free_string(a);
    nst_free_string(b);
    nst_compiled_free(plain);
    nst_compiled_free(one);
    nst_compiled_free(four);
    nst_service_free(s0);
    nst_service_free(s1);
    nst_service_free(s4);
    nst_ctx_free(c0);
    nst_ctx_free(c1);
    nst_ctx_free(c4);
}

static void
test_same_diagnostics(void **state)
{
    struct fx *f = *state;
    const char *dirs[1] = {f->tmp};
    struct run one, four;
    size_t i, n, junos = 0, xr = 0;

    /* Every Junos device: an element the device models do not have (PAYLOAD-INVALID,
     * found by libyang in the worker thread, located in the template). */
    write_file(f->tmp, "junos/interfaces.xml",
               "<template>\n"
               "  <configuration xmlns=\"http://yang.juniper.net/junos/conf/root\">\n"
               "    <interfaces xmlns=\"http://yang.juniper.net/junos/conf/interfaces\">\n"
               "      <no-such-knob>{@name}</no-such-knob>\n"
               "    </interfaces>\n"
               "  </configuration>\n"
               "</template>\n");
    /* Every IOS-XR device: an unknown variable (TEMPLATE-ERROR while rendering). */
    write_file(f->tmp, "iosxr/bgp.xml", "<template>\n\n  <x>{$nope}</x>\n</template>\n");
    run_compile(f, "1", dirs, 1, &one);
    run_compile(f, "4", dirs, 1, &four);
    assert_int_not_equal(one.ret, NST_OK);
    assert_int_equal(four.ret, one.ret);
    assert_null(four.comp);
    n = nst_diag_count(one.ctx);
    assert_int_equal(nst_diag_count(four.ctx), n);
    for (i = 0; i < n; i++) {
        const struct nst_diag *x = nst_diag_get(one.ctx, i), *y = nst_diag_get(four.ctx, i);

        assert_string_equal(nst_diag_code(x), nst_diag_code(y));
        assert_string_equal(str_or_empty(nst_diag_file(x)), str_or_empty(nst_diag_file(y)));
        assert_int_equal(nst_diag_line(x), nst_diag_line(y));
        assert_string_equal(str_or_empty(nst_diag_device(x)), str_or_empty(nst_diag_device(y)));
        assert_string_equal(str_or_empty(nst_diag_path(x)), str_or_empty(nst_diag_path(y)));
        assert_string_equal(nst_diag_message(x), nst_diag_message(y));
        junos += !strcmp(nst_diag_code(x), "PAYLOAD-INVALID");
        xr += !strcmp(nst_diag_code(x), "TEMPLATE-ERROR");
    }
    /* gen-service.py cycles through the six drivers: r0000, r0006, r0012 are Junos,
     * r0001 and r0007 IOS-XR. */
    assert_int_equal(junos, 3);
    assert_int_equal(xr, 2);
    assert_non_null(one.heard.text);
    assert_non_null(four.heard.text);
    assert_string_equal(one.heard.text, four.heard.text);
    /* In device order: r0000 (Junos), r0001 (IOS-XR), ..., r0012. */
    assert_true(strstr(one.heard.text, "r0000-junos") < strstr(one.heard.text, "r0001-iosxr"));
    assert_true(strstr(one.heard.text, "r0007-iosxr") < strstr(one.heard.text, "r0012-junos"));
    run_free(&one);
    run_free(&four);
}

/* The render state is built while the service loads (compile.c, compile_pre): device
 * models that are missing fail the compile at the render, with their diagnostic; a
 * service that does not load fails at the load, without it. */
static void
test_render_state_errors(void **state)
{
    struct fx *f = *state;
    struct nst_ctx *ctx;
    struct nst_service *svc = NULL;
    struct nst_compiled *comp = NULL;
    enum nst_stage stage;
    char cmd[512], yang[128], bad[128];
    size_t i, found = 0;

    snprintf(yang, sizeof yang, "%s/yang", f->tmp);
    snprintf(cmd, sizeof cmd, "cp -r '%s/yang' '%s' && rm -rf '%s/devices'", NST_SRCDIR, yang,
             yang);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(nst_ctx_new(yang, &ctx), NST_OK);
    assert_int_equal(
        nst_compile_file(ctx, f->svc, NST_FORMAT_AUTO, NULL, 0, 0, &stage, &svc, &comp), NST_EENV);
    assert_int_equal(stage, NST_STAGE_RENDER);
    for (i = 0; i < nst_diag_count(ctx); i++) {
        found += strstr(nst_diag_message(nst_diag_get(ctx, i)), "device models not found") != NULL;
    }
    assert_int_equal(found, 1);
    nst_diag_clear(ctx);
    /* A service that does not parse: the load's error only. */
    snprintf(bad, sizeof bad, "%s/bad.xml", f->tmp);
    snprintf(cmd, sizeof cmd, "head -c 5000 '%s' > '%s'", f->svc, bad);
    assert_int_equal(system(cmd), 0);
    assert_int_not_equal(
        nst_compile_file(ctx, bad, NST_FORMAT_AUTO, NULL, 0, 0, &stage, &svc, &comp), NST_OK);
    assert_int_equal(stage, NST_STAGE_LOAD);
    assert_true(nst_diag_count(ctx) > 0);
    for (i = 0; i < nst_diag_count(ctx); i++) {
        assert_null(strstr(nst_diag_message(nst_diag_get(ctx, i)), "device models"));
    }
    nst_ctx_free(ctx);
}

/* Writing the set with two threads: when several files cannot be written (each larger
 * than RLIMIT_FSIZE), the one reported is the first in model order, every time. */
static void
test_write_first_failure(void **state)
{
    struct fx *f = *state;
    struct run r;
    struct rlimit old, lim;
    char out[128], want[256];
    int k;

    run_compile(f, "4", NULL, 0, &r);
    assert_int_equal(r.ret, NST_OK);
    snprintf(out, sizeof out, "%s/out", f->tmp);
    snprintf(want, sizeof want, "%s/r0000-junos.xml", out);
    nst_diag_clear(r.ctx); /* the check's notes */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    for (k = 0; k < 5; k++) {
        lim = old;
        lim.rlim_cur = 4096;
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
        assert_int_equal(nst_compiled_write(r.comp, out), NST_EIO);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
        assert_int_equal(nst_diag_count(r.ctx), 1);
        assert_string_equal(nst_diag_file(nst_diag_get(r.ctx, 0)), want);
        assert_non_null(strstr(nst_diag_message(nst_diag_get(r.ctx, 0)), "File too large"));
        nst_diag_clear(r.ctx);
    }
    signal(SIGXFSZ, SIG_DFL);
    /* Without the limit: the whole set, the plan included. */
    assert_int_equal(nst_compiled_write(r.comp, out), NST_OK);
    snprintf(want, sizeof want, "%s/plan.json", out);
    assert_int_equal(access(want, R_OK), 0);
    snprintf(want, sizeof want, "%s/r0012-junos.cli", out);
    assert_int_equal(access(want, R_OK), 0);
    run_free(&r);
}

/* Entries of @dir whose name holds ".tmp": a temporary directory left behind. */
static int
temp_dirs(const char *dir)
{
    char cmd[256];
    FILE *p;
    int n = 0, ch;

    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c '\\.tmp'", dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    while ((ch = fgetc(p)) != EOF && ch >= '0' && ch <= '9') {
        n = n * 10 + (ch - '0');
    }
    pclose(p);
    return n;
}

/* @svc compiled with @flags into @out, then written under a file size limit of @limit
 * bytes that plan.json does not fit: NST_EIO, one diagnostic naming @out/plan.json ("File
 * too large"), no temporary directory left in @tmp. */
static void
write_over_limit(const char *svc, const char *jobs, const char *out, unsigned flags,
                 rlim_t limit, const char *tmp)
{
    struct nst_ctx *ctx;
    struct nst_service *s;
    struct nst_compiled *comp;
    struct rlimit old, lim;
    char want[256];

    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = limit;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    comp = compile_svc(svc, jobs, out, flags, &ctx, &s);
    nst_diag_clear(ctx);
    assert_int_equal(nst_compiled_write(comp, out), NST_EIO);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(nst_diag_count(ctx), 1);
    snprintf(want, sizeof want, "%s/plan.json", out);
    assert_string_equal(nst_diag_file(nst_diag_get(ctx, 0)), want);
    assert_non_null(strstr(nst_diag_message(nst_diag_get(ctx, 0)), "File too large"));
    assert_int_equal(temp_dirs(tmp), 0);
    nst_compiled_free(comp);
    nst_service_free(s);
    nst_ctx_free(ctx);
}

/* The set written while rendering (nst_compile_file_to): the same files as
 * nst_compiled_write() alone; a write failure reported by nst_compiled_write() as it
 * would have been (the first file in model order), the earlier set untouched; no
 * temporary directory left, whether the result is written, fails to be, or is freed
 * unwritten; another directory than the staged one written from the texts. */
static void
test_staged_set(void **state)
{
    struct fx *f = *state;
    struct nst_ctx *ctx, *ctx2;
    struct nst_service *svc, *svc2;
    struct nst_compiled *comp, *comp2;
    struct rlimit old, lim;
    char a[128], b[128], other[128], want[256], cmd[512];
    size_t i;

    snprintf(a, sizeof a, "%s/plain", f->tmp);
    snprintf(b, sizeof b, "%s/staged", f->tmp);
    snprintf(other, sizeof other, "%s/other", f->tmp);
    comp = compile_svc(f->svc, "2", NULL, 0, &ctx, &svc);
    assert_int_equal(nst_compiled_write(comp, a), NST_OK);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    /* Staged: the devices' files are there before nst_compiled_write(). */
    comp = compile_svc(f->svc, "4", b, NST_COMPILE_WRITE_ONLY, &ctx, &svc);
    assert_int_equal(temp_dirs(f->tmp), 1);
    assert_int_equal(access(b, F_OK), -1);
    assert_int_equal(nst_compiled_write(comp, b), NST_OK);
    assert_int_equal(temp_dirs(f->tmp), 0);
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s'", a, b);
    assert_int_equal(system(cmd), 0);
    for (i = 0; i < nst_compiled_device_count(comp); i++) {
        assert_true(nst_compiled_device_rendered(comp, i));
    }
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    /* A failure while rendering (files above 4 KiB): the compile succeeds, the write
     * reports the first file in model order, the earlier set stays, nothing is left. */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    comp = compile_svc(f->svc, "4", b, NST_COMPILE_WRITE_ONLY, &ctx, &svc);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    nst_diag_clear(ctx);
    assert_int_equal(nst_compiled_write(comp, b), NST_EIO);
    assert_int_equal(nst_diag_count(ctx), 1);
    snprintf(want, sizeof want, "%s/r0000-junos.xml", b);
    assert_string_equal(nst_diag_file(nst_diag_get(ctx, 0)), want);
    assert_non_null(strstr(nst_diag_message(nst_diag_get(ctx, 0)), "File too large"));
    assert_int_equal(temp_dirs(f->tmp), 0);
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s'", a, b);
    assert_int_equal(system(cmd), 0);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    /* Freed unwritten: the staged files go with it. Written elsewhere (the texts are kept
     * at this size): the set there, the staged one removed. */
    comp = compile_svc(f->svc, "4", b, 0, &ctx, &svc);
    comp2 = compile_svc(f->svc, "4", b, 0, &ctx2, &svc2);
    assert_int_equal(temp_dirs(f->tmp), 2);
    nst_compiled_free(comp);
    assert_int_equal(temp_dirs(f->tmp), 1);
    assert_int_equal(nst_compiled_write(comp2, other), NST_OK);
    assert_int_equal(temp_dirs(f->tmp), 0);
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s'", a, other);
    assert_int_equal(system(cmd), 0);
    nst_compiled_free(comp2);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    nst_service_free(svc2);
    nst_ctx_free(ctx2);
}

/* Above 256 devices with NST_COMPILE_WRITE_ONLY the texts are not kept once written:
 * the set is whole, the accessors say there is no text, and writing another directory is
 * refused rather than half done. And the set is the one a compile on one thread gives. */
static void
test_staged_write_only(void **state)
{
    struct fx *f = *state;
    struct nst_ctx *ctx;
    struct nst_service *svc;
    struct nst_compiled *comp;
    char big[128], out[128], other[128], cmd[512];

    snprintf(big, sizeof big, "%s/svc-260.xml", f->tmp);
    snprintf(cmd, sizeof cmd, "python3 '%s' 260 > '%s'", GEN, big);
    assert_int_equal(system(cmd), 0);
    snprintf(out, sizeof out, "%s/big", f->tmp);
    snprintf(other, sizeof other, "%s/big2", f->tmp);
    comp = compile_svc(big, "4", out, NST_COMPILE_WRITE_ONLY, &ctx, &svc);
    assert_true(nst_compiled_device_count(comp) > 256);
    assert_true(nst_compiled_device_rendered(comp, 0));
    assert_null(nst_compiled_device_payload(comp, 0));
    assert_null(nst_compiled_device_cli(comp, 0));
    assert_int_equal(nst_compiled_write(comp, out), NST_OK);
    snprintf(cmd, sizeof cmd, "test $(ls '%s' | wc -l) = %zu", out,
             2 * nst_compiled_device_count(comp) + 1);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(nst_compiled_write(comp, other), NST_EINVAL);
    assert_int_equal(access(other, F_OK), -1);
    assert_int_equal(temp_dirs(f->tmp), 0);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    /* The plan.json streamed chunk by chunk while rendering cannot be written whole (a
     * 1 MiB file size limit: every device's files fit, the plan does not): reported as
     * the plan written after the compile is, nothing left behind. */
    write_over_limit(big, "4", out, NST_COMPILE_WRITE_ONLY, 1 << 20, f->tmp);
    /* Five chunks, each lowered while the one before renders on four threads: the same
     * set as one thread, chunk after chunk, written after the compile. */
    setenv("NST_COMPILE_JOBS", "1", 1);
    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    comp = NULL;
    assert_int_equal(nst_compile_file(ctx, big, NST_FORMAT_AUTO, NULL, 0, 0, NULL, &svc, &comp),
                     NST_OK);
    assert_int_equal(comp->jobs, 1);
    assert_int_equal(nst_compiled_write(comp, other), NST_OK);
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s'", out, other);
    assert_int_equal(system(cmd), 0);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    /* Without the IR (NST_COMPILE_NO_IR, the command's way): the same set, plan.json
     * streamed from the render threads' objects; no IR to give. */
    comp = compile_svc(big, "4", out, NST_COMPILE_WRITE_ONLY | NST_COMPILE_NO_IR, &ctx, &svc);
    {
        char *ir = NULL;

        assert_int_equal(nst_compiled_ir(comp, &ir), NST_EINVAL);
        assert_null(ir);
    }
    assert_int_equal(nst_compiled_write(comp, out), NST_OK);
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s'", out, other);
    assert_int_equal(system(cmd), 0);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
}

/* NST_COMPILE_NO_IR at a size whose plan.json is built whole after the render: the same
 * set as a compile that keeps the IR; no IR to give. Without an output directory the
 * flag changes nothing (the plan is made from the IR then). */
static void
test_no_ir(void **state)
{
    struct fx *f = *state;
    struct nst_ctx *ctx;
    struct nst_service *svc;
    struct nst_compiled *comp;
    char a[128], b[128], cmd[512], *ir = NULL;

    snprintf(a, sizeof a, "%s/with-ir", f->tmp);
    snprintf(b, sizeof b, "%s/no-ir", f->tmp);
    comp = compile_svc(f->svc, "2", a, NST_COMPILE_WRITE_ONLY, &ctx, &svc);
    assert_int_equal(nst_compiled_write(comp, a), NST_OK);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    comp = compile_svc(f->svc, "2", b, NST_COMPILE_WRITE_ONLY | NST_COMPILE_NO_IR, &ctx, &svc);
    assert_int_equal(nst_compiled_ir(comp, &ir), NST_EINVAL);
    assert_int_equal(nst_compiled_write(comp, b), NST_OK);
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s'", a, b);
    assert_int_equal(system(cmd), 0);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    comp = compile_svc(f->svc, "2", NULL, NST_COMPILE_NO_IR, &ctx, &svc);
    assert_int_equal(nst_compiled_ir(comp, &ir), NST_OK);
    nst_free_string(ir);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
}

/* A small compile's plan.json, written from its pieces (the render threads' device
 * objects, the connections made during the render): the bytes of the plan joined in
 * memory, and a plan over a file size limit (every device's files under it) reported as
 * plan.json, the set not put in place, nothing left behind. */
static void
test_plan_pieces(void **state)
{
    struct fx *f = *state;
    struct nst_ctx *ctx;
    struct nst_service *svc;
    struct nst_compiled *comp;
    char svc20[128], a[128], b[128], cmd[512];

    snprintf(svc20, sizeof svc20, "%s/svc-20.xml", f->tmp);
    snprintf(cmd, sizeof cmd, "python3 '%s' 20 > '%s'", GEN, svc20);
    assert_int_equal(system(cmd), 0);
    snprintf(a, sizeof a, "%s/joined", f->tmp);
    snprintf(b, sizeof b, "%s/pieces", f->tmp);
    /* joined: written after the compile from the texts (nothing staged) */
    comp = compile_svc(svc20, "1", NULL, 0, &ctx, &svc);
    assert_int_equal(nst_compiled_write(comp, a), NST_OK);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    comp = compile_svc(svc20, "2", b, NST_COMPILE_WRITE_ONLY | NST_COMPILE_NO_IR, &ctx, &svc);
    assert_int_equal(nst_compiled_write(comp, b), NST_OK);
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s'", a, b);
    assert_int_equal(system(cmd), 0);
    nst_compiled_free(comp);
    nst_service_free(svc);
    nst_ctx_free(ctx);
    /* 256 KiB: every device's files fit, plan.json does not */
    snprintf(cmd, sizeof cmd, "test $(stat -c %%s '%s/plan.json') -gt 262144", a);
    assert_int_equal(system(cmd), 0);
    write_over_limit(svc20, "2", b, NST_COMPILE_WRITE_ONLY | NST_COMPILE_NO_IR, 256 * 1024,
                     f->tmp);
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s'", a, b);
    assert_int_equal(system(cmd), 0); /* the set from before, untouched */
}

static void
test_alloc_hook_keeps_one_thread(void **state)
{
    struct fx *f = *state;
    struct run r;

    nst_alloc_fail_after(-1);
    run_compile(f, "4", NULL, 0, &r);
    assert_int_equal(r.ret, NST_OK);
    assert_int_equal(r.comp->jobs, 1);
    run_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_diagnostics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep_render, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_state_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_first_failure, setup, teardown),
        /* Last: the hook stays set for the rest of the process. */
        cmocka_unit_test_setup_teardown(test_alloc_hook_keeps_one_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staged_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staged_write_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_ir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_pieces, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
