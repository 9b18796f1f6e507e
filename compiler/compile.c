/*
 * compile.c: the pipeline, read top to bottom in one function, nst_compile_file():
 *
 *   service file --nst_service_load--> validated libyang tree + model
 *                --nst_service_check--> check results (MTU, tags, IP, BGP, bandwidth)
 *                --compile_render, COMPILE_CHUNK devices at a time:
 *                    lower_service_range --> IR document, one <device> per router
 *                    render_device per device --> NETCONF payload (validated) + CLI
 *                    ir_pack per device --> the device's IR, packed; the document freed
 *
 * The IR of a whole service as a libxml2 document costs about 150 KB per router (an
 * attribute is two nodes); only one chunk's document is alive at a time, and each
 * device's IR is kept packed (a few KB) for plan.json and nst_compiled_ir(), which
 * unpack it one device at a time (docs/PERFORMANCE.md, compile memory).
 *
 * nst_service_compile_with_templates() is the last two stages alone, for a caller that
 * loaded and checked the service itself; it refuses a service that was not checked or
 * whose check failed (NOT-CHECKED).
 *
 * This file owns the result object (struct nst_compiled, compile.h), its public
 * accessors, the plan (plan.json: devices and their changes, the MTU table per hop, the
 * diagnostics) and the writer of the output directory. Rendering lives in render.c,
 * vendor specifics in drivers/.
 *
 * Every device is rendered even after another one failed, so one run reports every
 * broken template; the compile then fails as a whole. The output is deterministic: the
 * IR is built in input order, libyang prints in schema order, the plan is written in
 * model order, and nothing carries a time.
 *
 * Threads (docs/PERFORMANCE.md, round 4: the compile): the devices of a chunk are rendered on one
 * thread per CPU (compile_jobs(), NST_COMPILE_JOBS), each with its own template engine
 * and diagnostics list, whose entries are moved to the context in device order once
 * the chunk is done; the render state is built while the service loads (compile_pre);
 * the writer writes plan.json beside the devices' files (write_set), or, when the compile
 * knows the output directory (nst_compile_file_to), each device's files are written by the
 * thread that rendered it, right after the render (stage_device); the render states are
 * freed when the render ends, or with the result (NST_COMPILE_KEEP_RENDER: the command,
 * which leaves the result to its exit). Neither the output
 * nor the diagnostics, their order or the log callback's calls depend on the threads
 * (test_compile_jobs); while the allocation test hook is in use all of it stays on the
 * calling thread, whose allocations alone the hook sees.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include <libxml/parser.h>

#include "alloc.h"
#include "check.h"
#include "compile.h"
#include "ctx.h"
#include "diag.h"
#include "driver.h"
#include "lower.h"
#include "model.h"
#include "render.h"
#include "service.h"
#include "util.h"

/* --- the packed IR ---
 *
 * A device's IR element as a string of records, every name and value NUL-terminated:
 * 'E' name, then 'A' name value per attribute, then its children, then 'e'; 'T' text
 * for a text node. Exactly the nodes lower.c makes (elements without namespaces,
 * attributes, text), so unpacking gives the same tree, whatever the text holds (a
 * control character from a JSON service would not survive XML's own syntax). */

static void
ir_pack_node(struct buf *b, xmlNodePtr n)
{
    xmlAttrPtr a;
    xmlNodePtr c;

    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        buf_add(b, "T", 1);
        buf_add(b, n->content ? (const char *)n->content : "",
                (n->content ? strlen((const char *)n->content) : 0) + (n->content ? 1 : 1));
        return;
    }
    if (n->type != XML_ELEMENT_NODE) {
        return;
    }
    buf_add(b, "E", 1);
    buf_add(b, (const char *)n->name, strlen((const char *)n->name) + 1);
    for (a = n->properties; a; a = a->next) {
        const char *v =
            a->children && a->children->content ? (const char *)a->children->content : "";

        buf_add(b, "A", 1);
        buf_add(b, (const char *)a->name, strlen((const char *)a->name) + 1);
        buf_add(b, v, strlen(v) + 1);
    }
    for (c = n->children; c; c = c->next) {
        ir_pack_node(b, c);
    }
    buf_add(b, "e", 1);
}

/* @n packed into a new string (ends with a NUL after the last record). */
static nst_err
ir_pack(xmlNodePtr n, char **out)
{
    struct buf b = {0};
    size_t len;
    char *p;

    ir_pack_node(&b, n);
    buf_add(&b, "", 1);
    if (buf_failed(&b)) {
        buf_clear(&b);
        return NST_ENOMEM;
    }
    len = b.len;
    *out = buf_take(&b);
    /* Exactly sized: a thousand of them are kept. */
    p = nst_realloc(*out, len);
    if (p) {
        *out = p;
    }
    return NST_OK;
}

/* Unpack the element at *@p as a new node of @doc (not linked). NULL when out of
 * memory. */
static xmlNodePtr
ir_unpack_node(xmlDocPtr doc, const char **p)
{
    xmlNodePtr n, c;
    const char *name, *value;

    if (**p != 'E') {
        return NULL;
    }
    name = *p + 1;
    *p = name + strlen(name) + 1;
    n = xmlNewDocNode(doc, NULL, (const xmlChar *)name, NULL);
    if (!n) {
        return NULL;
    }
    while (**p == 'A') {
        name = *p + 1;
        value = name + strlen(name) + 1;
        *p = value + strlen(value) + 1;
        if (!xmlNewProp(n, (const xmlChar *)name, (const xmlChar *)value)) {
            xmlFreeNode(n);
            return NULL;
        }
    }
    while (**p == 'E' || **p == 'T') {
        if (**p == 'T') {
            value = *p + 1;
            *p = value + strlen(value) + 1;
            c = xmlNewDocText(doc, (const xmlChar *)value);
        } else {
            c = ir_unpack_node(doc, p);
        }
        if (!c) {
            xmlFreeNode(n);
            return NULL;
        }
        xmlAddChild(n, c);
    }
    if (**p == 'e') {
        (*p)++;
    }
    return n;
}

/* A device's IR as a document of its own (the <device> is the root); NULL when out of
 * memory. */
static xmlDocPtr
ir_unpack(const char *packed)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr n;

    if (!doc) {
        return NULL;
    }
    n = packed ? ir_unpack_node(doc, &packed) : NULL;
    if (!n) {
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlDocSetRootElement(doc, n);
    return doc;
}

/* --- payload and CLI, deflated --- */

/* Keep @text (consumed) deflated in @t. Level 1: the texts are repetitive XML and CLI
 * (10:1), and a higher level costs time for little. A compile of at most
 * COMPILE_DEFLATE_FROM devices keeps them as they are instead: deflating and inflating
 * them again to write them was 5% of the CPU of a 100-router compile, for 6 MB. */
#define COMPILE_DEFLATE_FROM 256

static nst_err
text_keep(struct compiled_text *t, char *text, size_t ndevices)
{
    size_t len = strlen(text);
    uLongf zlen = compressBound((uLong)len);
    unsigned char *z, *p;

    if (ndevices <= COMPILE_DEFLATE_FROM) {
        t->text = text;
        t->len = len;
        return NST_OK;
    }
    z = nst_malloc(zlen ? zlen : 1);
    if (!z) {
        nst_free(text);
        return NST_ENOMEM;
    }
    if (compress2(z, &zlen, (const Bytef *)text, (uLong)len, 1) != Z_OK) {
        nst_free(z);
        nst_free(text);
        return NST_ENOMEM;
    }
    nst_free(text);
    p = nst_realloc(z, zlen ? zlen : 1);
    t->z = p ? p : z;
    t->zlen = zlen;
    t->len = len;
    return NST_OK;
}

/* @t inflated into a new string; NULL when out of memory (or pending). */
static char *
text_inflate(const struct compiled_text *t)
{
    uLongf len = (uLongf)t->len;
    char *s;

    if (!t->z) {
        return NULL;
    }
    s = nst_malloc(t->len + 1);
    if (!s) {
        return NULL;
    }
    if (uncompress((Bytef *)s, &len, t->z, (uLong)t->zlen) != Z_OK || len != t->len) {
        nst_free(s);
        return NULL;
    }
    s[len] = '\0';
    return s;
}

/* The text of @t for a caller of the accessors: inflated once, kept. */
static const char *
text_get(struct nst_compiled *c, struct compiled_text *t)
{
    const char *r;

    pthread_mutex_lock(&c->lock);
    if (!t->text) {
        t->text = text_inflate(t);
    }
    r = t->text;
    pthread_mutex_unlock(&c->lock);
    return r;
}

/* --- the pipeline --- */

/* Devices lowered and rendered together: the IR document of one chunk is all of the
 * IR held as a tree (a few MB); every chunk passes over all connections, skipping
 * other devices' work (0.5 s at 1000 routers in 16 chunks, against 0.46 s in one). */
#define COMPILE_CHUNK 64

/* Threads that render a chunk's devices at once, the calling one included: render and
 * the texts' keeping are per device, and a router's render (about 2.5 ms at the bench's
 * service) is most of a compile (docs/PERFORMANCE.md, issue 17 round 4). At most one per
 * CPU the process may run on, and at most COMPILE_JOBS_MAX; NST_COMPILE_JOBS (1 to
 * COMPILE_JOBS_MAX) sets it instead, whatever the number of devices, for tests and for
 * measuring. Never more than one while the allocation test hook is in use (alloc.h). */
#define COMPILE_JOBS_MAX 8
/* A compile of fewer devices renders on the calling thread alone: each further thread has
 * a template engine of its own, which reads and compiles the templates again. */
#define COMPILE_PARALLEL_FROM 4

/* --- the staged set (nst_compile_file_to) ---
 *
 * The devices' files are written into the new directory nst_compiled_write() would make,
 * by the thread that rendered the device, right after its render: the writing (mostly the
 * kernel creating files) runs beside the other devices' render instead of after all of
 * them, and with NST_COMPILE_WRITE_ONLY a large compile's texts need not be kept (nor
 * deflated and inflated again). nst_compiled_write() with the same directory then reports
 * the first failure in model order, as write_set() does, writes plan.json and puts the set
 * in place; the result of a compile that fails, or is never written, removes it. */

static nst_err write_file(const char *dir, const char *name, const char *text, char **failed,
                          int *err);
static char *device_file(const char *name, const char *ext);
static int existing_set(const char *dir, int *exists, char *foreign, size_t flen);
static char *make_temp_dir(const char *dir);
static void remove_set(const char *dir);
static void plan_device_keep(struct compiled_device *d, xmlNodePtr n);
static void plan_conns_keep(struct nst_compiled *c);
static void plan_head(struct buf *b, const struct nst_compiled *c);
static void plan_tail(struct buf *b, const struct nst_compiled *c);
static nst_err plan_close(const char *dir, struct buf *b, char **failed, int *err);
static void plan_device_at(struct buf *b, const struct nst_compiled *c, size_t i);
static nst_err plan_open(const char *dir, struct buf *b, char **failed, int *err);

/* @dir as nst_compiled_write() resolves it (no trailing '/', a symbolic link followed),
 * newly allocated; NULL when that fails (nst_compiled_write() then reports it). */
static char *
stage_final_dir(const char *dir)
{
    size_t dlen = strlen(dir);
    struct stat lst;
    char *final, *real;

    while (dlen > 1 && dir[dlen - 1] == '/') {
        dlen--;
    }
    final = nst_strndup(dir, dlen);
    if (final && !lstat(final, &lst) && S_ISLNK(lst.st_mode)) {
        real = realpath(final, NULL);
        nst_free(final);
        final = real ? nst_strdup(real) : NULL;
        free(real);
    }
    return final;
}

/* Stage @c's set for @outdir, when it can be: @outdir missing or an earlier compile's
 * output, and a new directory made next to it. Otherwise nothing is staged and
 * nst_compiled_write() does all of it (and reports what stood in the way). */
static void
stage_begin(struct nst_compiled *c, const char *outdir)
{
    char foreign[256], *final = stage_final_dir(outdir);
    int exists;

    if (!final || existing_set(final, &exists, foreign, sizeof foreign)) {
        nst_free(final);
        return;
    }
    c->stage_res = nst_calloc(c->ndevices ? c->ndevices : 1, sizeof *c->stage_res);
    c->stage_tmp = c->stage_res ? make_temp_dir(final) : NULL;
    if (!c->stage_tmp) {
        nst_free(c->stage_res);
        c->stage_res = NULL;
        nst_free(final);
        return;
    }
    c->stage_final = final;
    /* A large set's plan.json is streamed chunk by chunk (stage_plan_chunk), not built
     * after the render from every device's packed IR (2.3 G instructions at N=1000). */
    if (c->ndevices > COMPILE_DEFLATE_FROM) {
        c->stage_plan_res.ret = plan_open(c->stage_tmp, &c->stage_plan, &c->stage_plan_res.failed,
                                          &c->stage_plan_res.err);
        if (c->stage_plan.f) {
            plan_head(&c->stage_plan, c);
        }
    }
}

/* The objects of devices [@lo, @hi), rendered, appended to the streamed plan.json, and
 * their render threads' copies freed. */
static void
stage_plan_chunk(struct nst_compiled *c, size_t lo, size_t hi)
{
    size_t i;

    for (i = lo; i < hi; i++) {
        plan_device_at(&c->stage_plan, c, i);
        nst_free(c->devices[i].plan);
        c->devices[i].plan = NULL;
    }
}

/* Device @i's files into the staged set, NAME.xml then NAME.cli as write_set() writes
 * them; the outcome in c->stage_res[i]. */
static void
stage_device(struct nst_compiled *c, size_t i, const char *payload, const char *cli)
{
    struct write_res *r = &c->stage_res[i];
    char *f = device_file(c->devices[i].name, ".xml");

    r->ret = f ? write_file(c->stage_tmp, f, payload, &r->failed, &r->err) : NST_ENOMEM;
    nst_free(f);
    if (!r->ret) {
        f = device_file(c->devices[i].name, ".cli");
        r->ret = f ? write_file(c->stage_tmp, f, cli, &r->failed, &r->err) : NST_ENOMEM;
        nst_free(f);
    }
    c->devices[i].staged = !r->ret;
}

/* The staged set's state freed; the directory removed when @remove. */
static void
stage_clear(struct nst_compiled *c, bool remove)
{
    size_t i;

    if (c->stage_plan.f) {
        fclose(c->stage_plan.f);
        c->stage_plan.f = NULL;
    }
    buf_clear(&c->stage_plan);
    nst_free(c->stage_plan_res.failed);
    memset(&c->stage_plan_res, 0, sizeof c->stage_plan_res);
    if (c->stage_tmp && remove) {
        remove_set(c->stage_tmp);
    }
    for (i = 0; c->stage_res && i < c->ndevices; i++) {
        nst_free(c->stage_res[i].failed);
    }
    nst_free(c->stage_res);
    nst_free(c->stage_tmp);
    nst_free(c->stage_final);
    c->stage_res = NULL;
    c->stage_tmp = c->stage_final = NULL;
}

/* Device @i of the model from its IR element @n (unlinked from its document, consumed):
 * the IR packed, then the payload and
 * CLI by its driver, diagnostics to @ctx. *stop when the compile cannot go on (out of
 * memory, or the IR out of step with the model); other errors (a broken template) let
 * the next devices be rendered, so that one run reports all of them. */
static nst_err
compile_device(struct nst_compiled *c, struct render *r, struct nst_ctx *ctx,
               struct diag_loc *origin, size_t i, xmlNodePtr n, bool *stop)
{
    struct compiled_device *d = &c->devices[i];
    const char *name = drv_attr(n, "name");
    char *payload = NULL, *cli = NULL;
    nst_err ret;

    *stop = true;
    if (!name || strcmp(name, d->name)) {
        xmlFreeNode(n);
        return DIAG_INTERNAL_ERR(ctx, "IR devices out of step with the model");
    }
    /* NST_COMPILE_NO_IR: nothing reads the packed IR where plan.json's device objects
     * come from the render (stage_tmp, plan_device_keep() below): 0.4 M instructions a
     * device at 100 routers, and 10 to 20 KB of memory a device kept to the end. */
    if (!(c->no_ir && c->stage_tmp)) {
        ret = ir_pack(n, &d->ir);
        if (ret) {
            xmlFreeNode(n);
            return ret;
        }
    }
    d->pending = !c->svc->model->devices[i].drv->features;
    if (c->stage_tmp) {
        plan_device_keep(d, n);
    }
    origin->file = c->svc->model->file;
    origin->line = c->svc->model->devices[i].src.line;
    origin->path = c->svc->model->devices[i].src.path;
    render_set_origin(r, origin);
    /* @n is the render's from here (render_device_take): moved, not copied. */
    ret = render_device_take(r, n, c->svc->model->devices[i].drv, &payload, &cli);
    if (!ret && payload && cli && c->stage_tmp) {
        stage_device(c, i, payload, cli);
        if (d->staged && c->write_only && c->ndevices > COMPILE_DEFLATE_FROM) {
            nst_free(payload);
            nst_free(cli);
            payload = cli = NULL;
        }
    }
    if (!ret && payload) {
        ret = text_keep(&d->payload, payload, c->ndevices);
        payload = NULL;
    }
    if (!ret && cli) {
        ret = text_keep(&d->cli, cli, c->ndevices);
        cli = NULL;
    }
    nst_free(payload);
    nst_free(cli);
    *stop = ret == NST_ENOMEM;
    return ret;
}

/* One device of a chunk rendered by a worker: its result and where its diagnostics are
 * in the worker's list. */
struct compile_slot {
    nst_err ret;
    bool stop, done;
    size_t worker;   /* index in struct compile_par's workers */
    size_t dlo, dhi; /* its diagnostics: the worker's dlo to dhi - 1 */
};

/* A thread rendering devices: its own render state (template engine) and diagnostics,
 * moved to the compile's context in device order once the chunk is done, so that the
 * diagnostics, their order and the log callback's calls do not depend on the threads. */
struct compile_worker {
    struct compile_par *par;
    size_t id;
    struct render *r;     /* render_dup() of the compile's */
    struct nst_ctx diags; /* private: only its diagnostics are used */
    struct diag_loc origin;
    pthread_t tid;
};

/* The parallel render of one chunk: devices handed out in order, one at a time. */
struct compile_par {
    struct nst_compiled *c;
    struct compile_worker *workers;
    size_t nworkers;
    size_t lo;         /* the chunk's first device */
    xmlNodePtr *nodes; /* its IR <device> elements, nnodes of them */
    size_t nnodes;
    struct compile_slot *slots;
    atomic_size_t next; /* the next device to take, from lo */
    atomic_bool stop;   /* a device stopped the compile: take no more */
};

static void *
compile_work(void *arg)
{
    struct compile_worker *w = arg;
    struct compile_par *p = w->par;
    size_t k;

    ctx_ly_quiet();
    while (!atomic_load(&p->stop) && (k = atomic_fetch_add(&p->next, 1)) < p->nnodes) {
        struct compile_slot *s = &p->slots[k];

        s->worker = w->id;
        s->dlo = w->diags.ndiags;
        s->ret =
            compile_device(p->c, w->r, &w->diags, &w->origin, p->lo + k, p->nodes[k], &s->stop);
        s->dhi = w->diags.ndiags;
        s->done = true;
        if (s->stop) {
            atomic_store(&p->stop, true);
        }
    }
    return NULL;
}

/* How many threads render: see COMPILE_JOBS_MAX. */
static size_t
compile_jobs(size_t ndevices)
{
    const char *env = getenv("NST_COMPILE_JOBS");
    cpu_set_t set;
    long n = 0;

    if (nst_alloc_hooked()) {
        return 1;
    }
    if (env && *env) {
        char *end;

        n = strtol(env, &end, 10);
        if (*end || n < 1) {
            n = 1;
        }
    } else if (ndevices < COMPILE_PARALLEL_FROM) {
        n = 1;
    } else if (!sched_getaffinity(0, sizeof set, &set)) {
        n = CPU_COUNT(&set);
    } else {
        n = sysconf(_SC_NPROCESSORS_ONLN);
    }
    return n < 1 ? 1 : n > COMPILE_JOBS_MAX ? COMPILE_JOBS_MAX : (size_t)n;
}

/* Render the chunk's devices on p->nworkers threads, the calling one as worker 0; then
 * their results in device order, as compile_render() would have had them one by one:
 * diagnostics moved to the compile's context, the first error into *first, *stop at a
 * device that stopped the compile (the devices after it are discarded). Returns how many
 * devices were taken in. */
struct lower_job;
static void *lower_run(void *arg);

static size_t
compile_chunk_par(struct compile_par *p, nst_err *first, bool *stop, struct lower_job *next)
{
    struct nst_ctx *ctx = p->c->svc->ctx;
    size_t k, t, started = 1;
    nst_err ret;

    memset(p->slots, 0, p->nnodes * sizeof *p->slots);
    atomic_store(&p->next, 0);
    atomic_store(&p->stop, false);
    for (t = 1; t < p->nworkers && t < p->nnodes; t++) {
        if (pthread_create(&p->workers[t].tid, NULL, compile_work, &p->workers[t])) {
            break; /* the threads started do the work */
        }
        started++;
    }
    /* The calling thread lowers the next chunk first, if asked (compile_render), then
     * takes devices with the others. In the last chunk it first makes plan.json's
     * connections, which need only the model and the check: after the render they were
     * the writer's work alone, one core waiting (55 M instructions at 100 routers). Only
     * for a set being written (stage_tmp: plan.json ends it), and not where plan.json is
     * streamed (above COMPILE_DEFLATE_FROM devices: kept whole, they would add to the
     * peak memory). */
    if (next) {
        lower_run(next);
    } else if (!p->c->plan_conns && p->c->stage_tmp && p->c->ndevices <= COMPILE_DEFLATE_FROM) {
        plan_conns_keep(p->c);
    }
    compile_work(&p->workers[0]);
    for (t = 1; t < started; t++) {
        pthread_join(p->workers[t].tid, NULL);
    }
    for (k = 0; k < p->nnodes && !*stop; k++) {
        struct compile_slot *s = &p->slots[k];

        if (!s->done) {
            break; /* not reached: only the devices after a stop are left undone */
        }
        ret = diag_move(ctx, &p->workers[s->worker].diags, s->dlo, s->dhi);
        if (ret) {
            *first = ret;
            *stop = true;
        } else if (s->stop) {
            *first = s->ret;
            *stop = true;
        } else if (s->ret && !*first) {
            *first = s->ret;
        }
    }
    for (t = 0; t < p->nworkers; t++) {
        nst_diag_clear(&p->workers[t].diags);
    }
    return k;
}

/* @dst: a copy of the compile's context @src for another thread's diagnostics (what the
 * render reads of it, the model directory among them), with a list of its own and no log
 * callback; diag_move() puts them into @src in device order afterwards. */
static void
compile_diag_ctx(const struct nst_ctx *src, struct nst_ctx *dst)
{
    *dst = *src;
    dst->diags = NULL;
    dst->ndiags = dst->cap = 0;
    dst->sorted = 1;
    dst->log_cb = NULL;
    dst->log_user = NULL;
}

/* The workers of a parallel render, each with a render_dup() of @r; NST_OK with
 * p->nworkers 1 (render on the calling thread alone) when @jobs is 1. */
static nst_err
compile_par_init(struct compile_par *p, struct nst_compiled *c, struct render *r, size_t jobs)
{
    size_t t;
    nst_err ret;

    memset(p, 0, sizeof *p);
    p->c = c;
    p->nworkers = 1;
    if (jobs < 2) {
        return NST_OK;
    }
    p->workers = nst_calloc(jobs, sizeof *p->workers);
    p->nodes = nst_calloc(COMPILE_CHUNK, sizeof *p->nodes);
    p->slots = nst_calloc(COMPILE_CHUNK, sizeof *p->slots);
    if (!p->workers || !p->nodes || !p->slots) {
        return NST_ENOMEM;
    }
    for (t = 0; t < jobs; t++) {
        struct compile_worker *w = &p->workers[t];

        /* The compile's context for what render reads of it (the model directory),
         * with a diagnostics list and no log callback of its own. */
        compile_diag_ctx(c->svc->ctx, &w->diags);
        w->par = p;
        w->id = t;
        ret = render_dup(r, &w->diags, &w->r);
        if (ret) {
            return ret;
        }
        p->nworkers = t + 1;
    }
    return NST_OK;
}

/* The workers' render states go to @keep (c->held, room for them) when given, else are
 * freed. */
static void
compile_par_clear(struct compile_par *p, struct nst_compiled *keep)
{
    size_t t;

    for (t = 0; p->workers && t < p->nworkers; t++) {
        if (keep && p->workers[t].r) {
            keep->held[keep->nheld++] = p->workers[t].r;
        } else {
            render_free(p->workers[t].r);
        }
        nst_diag_clear(&p->workers[t].diags);
        nst_free(p->workers[t].diags.diags);
    }
    nst_free(p->workers);
    nst_free(p->nodes);
    nst_free(p->slots);
}

/* A chunk's lowering beside the render of the chunk before (compile_render): the calling
 * thread lowers it while the other render threads take that chunk's devices, then takes
 * devices too. lower.c reads only the model and the check's results, and builds a
 * document of its own. */
struct lower_job {
    struct nst_service *svc;
    size_t lo, hi;
    xmlDocPtr doc;
    nst_err ret;
};

static void *
lower_run(void *arg)
{
    struct lower_job *j = arg;

    j->ret = lower_service_range(j->svc, j->lo, j->hi, &j->doc);
    return NULL;
}

/* The chunk after the one ending at @lo: its end. */
static size_t
chunk_end(const struct nst_compiled *c, size_t lo)
{
    return c->ndevices - lo > COMPILE_CHUNK ? lo + COMPILE_CHUNK : c->ndevices;
}

/* Stages 3 and 4, lower and render, COMPILE_CHUNK devices at a time: each device's IR
 * (packed) and its payload and CLI, by its driver; the devices of a chunk on
 * compile_jobs() threads. @pre: the render state when built already (consumed), else
 * NULL. @keep: the render states go to c->held instead of being freed
 * (NST_COMPILE_KEEP_RENDER). */
static nst_err
compile_render(struct nst_compiled *c, const char *const *dirs, size_t ndirs, struct render **pre,
               bool keep)
{
    struct render *r = pre ? *pre : NULL;
    struct diag_loc origin = {0};
    struct compile_par par;
    struct lower_job next;
    xmlDocPtr doc = NULL;
    xmlNodePtr n;
    size_t i, lo, hi;
    bool stop = false, have_next = false, lowering;
    nst_err ret, first = NST_OK;

    if (pre) {
        *pre = NULL;
    } else {
        ret = render_new(c->svc->ctx, dirs, ndirs, &r);
        if (ret) {
            return ret;
        }
    }
    ret = compile_par_init(&par, c, r, compile_jobs(c->ndevices));
    c->jobs = par.nworkers;
    if (ret) {
        compile_par_clear(&par, NULL);
        render_free(r);
        return ret;
    }
    /* Room for every render state, or they are freed here after all. */
    c->held = keep ? nst_calloc(par.nworkers + 1, sizeof *c->held) : NULL;
    memset(&next, 0, sizeof next);
    next.svc = c->svc;
    for (lo = 0; lo < c->ndevices && !stop; lo = hi) {
        hi = chunk_end(c, lo);
        if (have_next) {
            /* lowered while the chunk before rendered */
            doc = next.doc;
            ret = next.ret;
            next.doc = NULL;
            have_next = false;
        } else {
            ret = lower_service_range(c->svc, lo, hi, &doc);
        }
        if (ret) {
            first = ret;
            break;
        }
        /* With render threads, the next chunk is lowered meanwhile: the lowering is no
         * longer a pause between two chunks' renders (docs/PERFORMANCE.md, round 6). */
        lowering = par.nworkers > 1 && hi < c->ndevices;
        if (lowering) {
            next.lo = hi;
            next.hi = chunk_end(c, hi);
            next.doc = NULL;
        }
        /* The document holds one <device> per model device of the chunk, in order. */
        n = drv_child(xmlDocGetRootElement(doc), "device");
        /* Each <device> is unlinked here, on this thread, and given to the device's
         * render (compile_device), which moves it into a document of its own. */
        if (par.nworkers > 1) {
            xmlNodePtr nx;
            size_t k;

            par.lo = lo;
            for (par.nnodes = 0; par.nnodes < hi - lo && n; n = nx) {
                nx = drv_next(n, "device");
                xmlUnlinkNode(n);
                par.nodes[par.nnodes++] = n;
            }
            i = lo + compile_chunk_par(&par, &first, &stop, lowering ? &next : NULL);
            for (k = 0; k < par.nnodes; k++) {
                if (!par.slots[k].done) {
                    xmlFreeNode(par.nodes[k]); /* not taken: the compile stopped */
                }
            }
        } else {
            xmlNodePtr nx;

            for (i = lo; i < hi && n && !stop; i++, n = nx) {
                nx = drv_next(n, "device");
                xmlUnlinkNode(n);
                ret = compile_device(c, r, c->svc->ctx, &origin, i, n, &stop);
                if (stop) {
                    first = ret;
                } else if (ret && !first) {
                    first = ret;
                }
            }
        }
        have_next = lowering;
        if (c->stage_plan.f && !stop) {
            stage_plan_chunk(c, lo, i);
        }
        xmlFreeDoc(doc);
        doc = NULL;
        if (!stop && i != hi) {
            first = DIAG_INTERNAL_ERR(c->svc->ctx, "IR has fewer devices than the model");
            stop = true;
        }
    }
    if (have_next) {
        xmlFreeDoc(next.doc); /* the compile stopped before it */
    }
    compile_par_clear(&par, c->held ? c : NULL);
    if (c->held) {
        c->held[c->nheld++] = r;
    } else {
        render_free(r);
    }
    return first;
}

/* Stage 3, lower: the checked model to the IR, in a new result. */
static nst_err
compile_lower(struct nst_service *svc, struct nst_compiled **out)
{
    struct nst_compiled *c;
    nst_err ret = NST_OK;
    size_t i;

    if (!svc->check || svc->check_errors) {
        /* A coded error, not a bare NST_EINVAL: the caller skipped or ignored the check. */
        diag_add(svc->ctx, DIAG_NOT_CHECKED, NULL,
                 svc->check ? "the service's check reported errors"
                            : "the service was not checked (call nst_service_check() first)");
        return NST_ECHECK;
    }
    c = nst_calloc(1, sizeof *c);
    if (!c) {
        return NST_ENOMEM;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->svc = svc;
    c->devices = nst_calloc(svc->model->ndevices ? svc->model->ndevices : 1, sizeof *c->devices);
    if (!c->devices) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    c->ndevices = svc->model->ndevices;
    for (i = 0; i < c->ndevices; i++) {
        c->devices[i].name = svc->model->devices[i].name;
        c->devices[i].vendor = svc->model->devices[i].vendor_name;
        c->devices[i].driver = svc->model->devices[i].drv->name;
    }

cleanup:
    if (ret) {
        nst_compiled_free(c);
        return ret;
    }
    *out = c;
    return NST_OK;
}

NST_API nst_err
nst_service_compile_with_templates(struct nst_service *svc, const char *const *template_dirs,
                                   size_t ndirs, struct nst_compiled **out)
{
    struct nst_compiled *c = NULL;
    nst_err ret;

    if (!svc || !out || (ndirs && !template_dirs)) {
        return NST_EINVAL;
    }
    /* libyang must not print: its messages become diagnostics (see ctx.c). */
    ctx_ly_quiet();
    ret = compile_lower(svc, &c);
    if (!ret) {
        ret = compile_render(c, template_dirs, ndirs, NULL, false);
    }
    ctx_ly_restore();
    if (ret) {
        nst_compiled_free(c);
        return ret;
    }
    *out = c;
    return NST_OK;
}

/*
 * The render state (every vendor's device models in a libyang context of their own, the
 * template search path) built on a thread of its own while the service loads and is
 * checked: it needs nothing of the service, and the two contexts share nothing but
 * libyang's plugin list, whose setup has a lock. Its diagnostics (device models that do
 * not load) wait in a private list and reach the compile's context only if the compile
 * gets to the render, as they did when it was built there. Not while the allocation test
 * hook is in use (alloc.h), nor when no thread can be created: the render then builds it.
 */
struct compile_pre {
    struct nst_ctx diags; /* the compile's context, with a diagnostics list of its own */
    const char *const *dirs;
    size_t ndirs;
    size_t warm; /* render_warm()'s engines: 0 for a service too small to render on more
                    than one thread */
    struct render *r;
    nst_err ret;
    pthread_t tid;
};

static void *
compile_pre_run(void *arg)
{
    struct compile_pre *p = arg;

    ctx_ly_quiet();
    p->ret = render_new(&p->diags, p->dirs, p->ndirs, &p->r);
    if (!p->ret) {
        /* the render threads' engines, templates compiled, while the second core waits
         * for the load (about 38 M instructions each at 100 routers) */
        render_warm(p->r, p->warm);
    }
    return NULL;
}

/* A service file this large has enough devices for a parallel render (about 13 KB a
 * router in the bench's services, COMPILE_PARALLEL_FROM devices): only then are the
 * render threads' engines warmed (render_warm()), whose templates a smaller compile would
 * never use. */
#define COMPILE_WARM_FROM_BYTES (32 * 1024)

static bool
compile_pre_start(struct compile_pre *p, struct nst_ctx *ctx, const char *path,
                  const char *const *dirs, size_t ndirs)
{
    struct stat st;
    size_t jobs;

    if (nst_alloc_hooked()) {
        return false;
    }
    compile_diag_ctx(ctx, &p->diags);
    p->dirs = dirs;
    p->ndirs = ndirs;
    jobs = compile_jobs(SIZE_MAX);
    p->warm = jobs > 1 && !stat(path, &st) && st.st_size >= COMPILE_WARM_FROM_BYTES ? jobs : 0;
    xmlInitParser(); /* before another thread uses libxml2 */
    return !pthread_create(&p->tid, NULL, compile_pre_run, p);
}

/* Wait for the render state; with @ctx, its diagnostics moved there and its status
 * returned, its diagnostics go to @ctx from now on. NST_OK when it was not started. */
static nst_err
compile_pre_join(struct compile_pre *p, bool started, struct nst_ctx *ctx)
{
    nst_err ret;

    if (!started) {
        return NST_OK;
    }
    pthread_join(p->tid, NULL);
    if (!ctx) {
        return p->ret;
    }
    ret = diag_move(ctx, &p->diags, 0, p->diags.ndiags);
    render_set_ctx(p->r, ctx);
    return p->ret ? p->ret : ret;
}

static void
compile_pre_clear(struct compile_pre *p)
{
    render_free(p->r);
    p->r = NULL;
    nst_diag_clear(&p->diags);
    nst_free(p->diags.diags);
}

NST_API nst_err
nst_compile_file(struct nst_ctx *ctx, const char *path, enum nst_format format,
                 const char *const *template_dirs, size_t ndirs, unsigned flags,
                 enum nst_stage *stage, struct nst_service **svc_out, struct nst_compiled **out)
{
    return nst_compile_file_to(ctx, path, format, template_dirs, ndirs, flags, NULL, stage, svc_out,
                               out);
}

NST_API nst_err
nst_compile_file_to(struct nst_ctx *ctx, const char *path, enum nst_format format,
                    const char *const *template_dirs, size_t ndirs, unsigned flags,
                    const char *outdir, enum nst_stage *stage, struct nst_service **svc_out,
                    struct nst_compiled **out)
{
    struct nst_service *svc = NULL;
    struct nst_compiled *c = NULL;
    enum nst_stage at = NST_STAGE_LOAD;
    struct compile_pre pre;
    bool pre_started = false;
    nst_err ret;

    memset(&pre, 0, sizeof pre);
    if (!ctx || !path || !svc_out || (!out && !(flags & NST_COMPILE_CHECK_ONLY)) ||
        (ndirs && !template_dirs)) {
        return NST_EINVAL;
    }
    /* The render's device models and templates are made ready on another thread
     * meanwhile (compile_pre_start). */
    if (!(flags & NST_COMPILE_CHECK_ONLY)) {
        pre_started = compile_pre_start(&pre, ctx, path, template_dirs, ndirs);
    }
    /* 1. load: parse the file, validate it against the service model, build the model. */
    ret = nst_service_load(ctx, path, format, &svc);
    if (ret) {
        goto cleanup;
    }
    ctx_log(ctx, NST_SEV_NOTE, "%s: loaded", path);
    /* 2. check: MTU per hop, VLAN tags and stitches, addresses, BGP, bandwidth. Every
     * problem is reported; the pipeline stops here if any is an error. */
    at = NST_STAGE_CHECK;
    ret = nst_service_check(svc);
    if (ret) {
        goto cleanup;
    }
    ctx_log(ctx, NST_SEV_NOTE, "%s: checked", path);
    if (flags & NST_COMPILE_CHECK_ONLY) {
        goto cleanup;
    }
    ctx_ly_quiet();
    /* 3. lower: the checked model to the IR, one <device> per router. */
    at = NST_STAGE_LOWER;
    ret = compile_lower(svc, &c);
    /* 4. render: each device's NETCONF payload (validated against its vendor's models)
     * and native CLI, from its IR by its driver's templates. */
    if (!ret) {
        at = NST_STAGE_RENDER;
        ret = compile_pre_join(&pre, pre_started, ctx);
        pre_started = false;
    }
    if (!ret && outdir && *outdir) {
        c->write_only = (flags & NST_COMPILE_WRITE_ONLY) != 0;
        c->no_ir = (flags & NST_COMPILE_NO_IR) != 0;
        stage_begin(c, outdir);
    }
    if (!ret) {
        ret = compile_render(c, template_dirs, ndirs, pre.r ? &pre.r : NULL,
                             (flags & NST_COMPILE_KEEP_RENDER) != 0);
    }
    ctx_ly_restore();
    if (!ret) {
        ctx_log(ctx, NST_SEV_NOTE, "%s: compiled %zu devices", path, c->ndevices);
    }

cleanup:
    if (pre_started) {
        compile_pre_join(&pre, pre_started, NULL);
    }
    compile_pre_clear(&pre);
    if (stage) {
        *stage = ret ? at : NST_STAGE_DONE;
    }
    if (ret) {
        nst_compiled_free(c);
        nst_service_free(svc);
        return ret;
    }
    *svc_out = svc;
    if (out) {
        *out = c;
    }
    return NST_OK;
}

NST_API nst_err
nst_service_compile(struct nst_service *svc, struct nst_compiled **out)
{
    return nst_service_compile_with_templates(svc, NULL, 0, out);
}

NST_API void
nst_compiled_free(struct nst_compiled *c)
{
    size_t i;

    if (!c) {
        return;
    }
    nst_free(c->plan_conns);
    for (i = 0; i < c->ndevices; i++) {
        nst_free(c->devices[i].ir);
        nst_free(c->devices[i].payload.z);
        nst_free(c->devices[i].payload.text);
        nst_free(c->devices[i].cli.z);
        nst_free(c->devices[i].cli.text);
        nst_free(c->devices[i].plan);
    }
    nst_free(c->devices);
    /* The workers' render states before the compile's, whose device models they use. */
    for (i = 0; i < c->nheld; i++) {
        render_free(c->held[i]);
    }
    nst_free(c->held);
    stage_clear(c, true);
    pthread_mutex_destroy(&c->lock);
    nst_free(c);
}

NST_API nst_err
nst_compiled_ir(const struct nst_compiled *c, char **xml)
{
    xmlChar *buf = NULL;
    xmlDocPtr doc;
    xmlNodePtr root, n;
    size_t i;
    int len = 0;

    if (!c || !xml) {
        return NST_EINVAL;
    }
    for (i = 0; i < c->ndevices; i++) {
        if (!c->devices[i].ir) {
            return NST_EINVAL; /* not kept (NST_COMPILE_NO_IR) */
        }
    }
    /* The document lower_service() would build: <ir source=FILE>, every <device>. */
    doc = xmlNewDoc((const xmlChar *)"1.0");
    root = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)"ir", NULL) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        return NST_ENOMEM;
    }
    xmlDocSetRootElement(doc, root);
    if (c->svc->file &&
        !xmlNewProp(root, (const xmlChar *)"source", (const xmlChar *)c->svc->file)) {
        xmlFreeDoc(doc);
        return NST_ENOMEM;
    }
    for (i = 0; i < c->ndevices; i++) {
        const char *p = c->devices[i].ir;

        n = p ? ir_unpack_node(doc, &p) : NULL;
        if (!n) {
            xmlFreeDoc(doc);
            return NST_ENOMEM;
        }
        xmlAddChild(root, n);
    }
    xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", 1);
    xmlFreeDoc(doc);
    if (!buf) {
        return NST_ENOMEM;
    }
    *xml = nst_strndup((const char *)buf, (size_t)len);
    xmlFree(buf);
    return *xml ? NST_OK : NST_ENOMEM;
}

NST_API void
nst_free_string(char *s)
{
    nst_free(s);
}

NST_API size_t
nst_compiled_device_count(const struct nst_compiled *c)
{
    return c ? c->ndevices : 0;
}

static const struct compiled_device *
device_at(const struct nst_compiled *c, size_t i)
{
    return c && i < c->ndevices ? &c->devices[i] : NULL;
}

NST_API const char *
nst_compiled_device_name(const struct nst_compiled *c, size_t i)
{
    const struct compiled_device *d = device_at(c, i);

    return d ? d->name : NULL;
}

NST_API const char *
nst_compiled_device_driver(const struct nst_compiled *c, size_t i)
{
    const struct compiled_device *d = device_at(c, i);

    return d ? d->driver : NULL;
}

NST_API const char *
nst_compiled_device_payload(const struct nst_compiled *c, size_t i)
{
    const struct compiled_device *d = device_at(c, i);

    return d ? text_get((struct nst_compiled *)(uintptr_t)c,
                        &((struct compiled_device *)(uintptr_t)d)->payload)
             : NULL;
}

NST_API int
nst_compiled_device_rendered(const struct nst_compiled *c, size_t i)
{
    const struct compiled_device *d = device_at(c, i);

    return d && (d->payload.z || d->payload.text || d->staged);
}

NST_API const char *
nst_compiled_device_cli(const struct nst_compiled *c, size_t i)
{
    const struct compiled_device *d = device_at(c, i);

    return d ? text_get((struct nst_compiled *)(uintptr_t)c,
                        &((struct compiled_device *)(uintptr_t)d)->cli)
             : NULL;
}

/* --- plan.json --- */

/* plan.json is written with the utility layer's buffer (util.h): in memory, or streamed
 * to the file (plan.json is 40 MB at 1000 routers, and building it in memory to write it
 * doubled the compile's peak memory, docs/PERFORMANCE.md). A streaming writer is why it
 * is not built as a jansson tree. The layout (two-space indent, one member per line) is
 * jb_indent's and jb_key's. */

static void
jb_indent(struct buf *b, int level)
{
    static const char nl[] = "\n                                ";
    static const char spaces[] = "                                ";
    int n = level * 2;

    if (n >= 0 && n < (int)sizeof nl - 1) {
        buf_add(b, nl, (size_t)n + 1); /* one copy: the newline and the indentation */
        return;
    }
    buf_puts(b, "\n");
    while (n > 0) {
        int k = n < (int)sizeof spaces - 1 ? n : (int)sizeof spaces - 1;

        buf_add(b, spaces, (size_t)k);
        n -= k;
    }
}

/* A member name at @level, after a comma unless it is the first. */
static void
jb_key(struct buf *b, int level, int *first, const char *key)
{
    if (!*first) {
        buf_puts(b, ",");
    }
    *first = 0;
    jb_indent(b, level);
    buf_put_json_str(b, key);
    buf_puts(b, ": ");
}

/* IR attribute values that are plain decimal integers become JSON numbers (and "true"
 * and "false" booleans). */
static int
is_json_number(const char *s)
{
    size_t i;

    if (!s[0] || (s[0] == '0' && s[1]) || strlen(s) > 15) {
        return 0;
    }
    for (i = 0; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* An element holding only text (or nothing) and no attributes: a string member. */
static int
is_text_leaf(xmlNodePtr n)
{
    xmlNodePtr c;

    if (n->properties) {
        return 0;
    }
    for (c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            return 0;
        }
    }
    return 1;
}

static void jb_ir_object(struct buf *b, xmlNodePtr n, int level, int with_kind);

/*
 * An IR element as a JSON object: "object" (the element name) when asked, its attributes
 * in document order, text-only children as strings, and the other children grouped by
 * name into arrays, in order of first appearance.
 */
static void
jb_ir_object(struct buf *b, xmlNodePtr n, int level, int with_kind)
{
    xmlAttrPtr a;
    xmlNodePtr c, d;
    int first = 1;

    buf_puts(b, "{");
    if (with_kind) {
        jb_key(b, level + 1, &first, "object");
        buf_put_json_str(b, (const char *)n->name);
    }
    for (a = n->properties; a; a = a->next) {
        const char *v =
            a->children && a->children->content ? (const char *)a->children->content : "";

        jb_key(b, level + 1, &first, (const char *)a->name);
        if (is_json_number(v) || !strcmp(v, "true") || !strcmp(v, "false")) {
            buf_puts(b, v);
        } else {
            buf_put_json_str(b, v);
        }
    }
    for (c = n->children; c; c = c->next) {
        int seen = 0, firstel = 1;

        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        for (d = n->children; d != c; d = d->next) {
            if (d->type == XML_ELEMENT_NODE && xmlStrEqual(d->name, c->name)) {
                seen = 1;
                break;
            }
        }
        if (seen) {
            continue;
        }
        if (is_text_leaf(c) && !drv_next(c, (const char *)c->name)) {
            xmlChar *t = xmlNodeGetContent(c);

            jb_key(b, level + 1, &first, (const char *)c->name);
            buf_put_json_str(b, t ? (const char *)t : "");
            xmlFree(t);
            continue;
        }
        jb_key(b, level + 1, &first, (const char *)c->name);
        buf_puts(b, "[");
        for (d = c; d; d = drv_next(d, (const char *)c->name)) {
            if (!firstel) {
                buf_puts(b, ",");
            }
            firstel = 0;
            jb_indent(b, level + 2);
            jb_ir_object(b, d, level + 2, 0);
        }
        jb_indent(b, level + 1);
        buf_puts(b, "]");
    }
    if (!first) {
        jb_indent(b, level);
    }
    buf_puts(b, "}");
}

/* The file name of a device's outputs: the name with '/' written as %2F (names match
 * [A-Za-z0-9][A-Za-z0-9._:/-]*, so this is unambiguous and never leaves DIR). */
static char *
device_file(const char *name, const char *ext)
{
    struct buf b = {0};
    const char *p;

    for (p = name; *p; p++) {
        if (*p == '/') {
            buf_puts(&b, "%2F");
        } else {
            buf_add(&b, p, 1);
        }
    }
    buf_puts(&b, ext);
    return buf_take(&b);
}

/* Device @d's object in plan.json's "devices", from its IR element @ir (the render's, or
 * unpacked), as plan_devices() places it after the comma. */
static void
plan_device(struct buf *b, const struct compiled_device *d, xmlNodePtr ir)
{
    xmlNodePtr ch;
    int first = 1, firstch = 1;
    char *f;

    jb_indent(b, 2);
    buf_puts(b, "{");
    jb_key(b, 3, &first, "name");
    buf_put_json_str(b, d->name);
    jb_key(b, 3, &first, "vendor");
    buf_put_json_str(b, d->vendor);
    jb_key(b, 3, &first, "driver");
    buf_put_json_str(b, d->driver);
    jb_key(b, 3, &first, "status");
    buf_put_json_str(b, d->pending ? "pending" : "compiled");
    if (!d->pending) {
        f = device_file(d->name, ".xml");
        jb_key(b, 3, &first, "payload");
        buf_put_json_str(b, f);
        nst_free(f);
        f = device_file(d->name, ".cli");
        jb_key(b, 3, &first, "cli");
        buf_put_json_str(b, f);
        nst_free(f);
    }
    jb_key(b, 3, &first, "changes");
    buf_puts(b, "[");
    for (ch = drv_child(ir, NULL); ch; ch = drv_next(ch, NULL)) {
        buf_puts(b, firstch ? "" : ",");
        firstch = 0;
        jb_indent(b, 4);
        jb_ir_object(b, ch, 4, 1);
    }
    if (!firstch) {
        jb_indent(b, 3);
    }
    buf_puts(b, "]");
    jb_indent(b, 2);
    buf_puts(b, "}");
}

/* Device @d's plan.json object made by its render thread from the render's IR element
 * @n (a staged set of at most COMPILE_DEFLATE_FROM devices, whose plan is built in
 * memory): the plan then only joins them, and the IR need not be unpacked for it. Without
 * it (out of memory) the plan is made from the packed IR. */
static void
plan_device_keep(struct compiled_device *d, xmlNodePtr n)
{
    struct buf b = {0};

    plan_device(&b, d, n);
    if (buf_failed(&b)) {
        buf_clear(&b);
        return;
    }
    d->plan_len = b.len;
    d->plan = buf_take(&b);
}

/* Device @i's object in plan.json's "devices", after a comma but for the first: the one
 * its render thread made, else made here from the packed IR. */
static void
plan_device_at(struct buf *b, const struct nst_compiled *c, size_t i)
{
    const struct compiled_device *d = &c->devices[i];
    xmlDocPtr ir;

    buf_puts(b, i ? "," : "");
    if (d->plan) {
        buf_add(b, d->plan, d->plan_len);
        return;
    }
    ir = ir_unpack(d->ir);
    if (!ir) {
        b->oom = 1;
        return;
    }
    plan_device(b, d, xmlDocGetRootElement(ir));
    xmlFreeDoc(ir);
}

/* One end of a hop: a managed port (with the MTU it needs and will have) or a site. */
static void
plan_hop_end(struct buf *b, const struct nst_compiled *c, const struct m_end *e, uint32_t need,
             int level)
{
    int first = 1;

    buf_puts(b, "{");
    if (e->dev && e->port) {
        const struct chk_port *cp = &c->svc->check->ports[e->port->idx];

        jb_key(b, level + 1, &first, "device");
        buf_put_json_str(b, e->dev->name);
        jb_key(b, level + 1, &first, "port");
        buf_put_json_str(b, e->port->name);
        jb_key(b, level + 1, &first, "mtu-meaning");
        buf_put_json_str(b, e->dev->drv->mtu_meaning_name);
        jb_key(b, level + 1, &first, "mtu-needed");
        buf_printf(b, "%u", need);
        jb_key(b, level + 1, &first, "mtu-before");
        buf_printf(b, "%u", e->port->mtu);
        jb_key(b, level + 1, &first, "mtu");
        buf_printf(b, "%u", cp->planned ? cp->planned : e->port->mtu);
    } else {
        jb_key(b, level + 1, &first, "site");
        buf_put_json_str(b, e->site ? e->site->name : NULL);
        if (e->node) {
            jb_key(b, level + 1, &first, "node");
            buf_put_json_str(b, e->node);
        }
    }
    jb_indent(b, level);
    buf_puts(b, "}");
}

static void
plan_connections(struct buf *b, const struct nst_compiled *c)
{
    const struct chk_result *chk = c->svc->check;
    const struct m_service *m = c->svc->model;
    size_t i, h, k, *at, *rows;

    /* Each model connection's hop rows, in the order of chk->hops: at[i] .. at[i + 1] - 1
     * in rows (a pass over every hop for each connection was quadratic: 1.9 G of
     * plan.json's 4.2 G instructions at 1000 routers). */
    at = nst_calloc(m->nconns + 1, sizeof *at);
    rows = nst_calloc(chk->nhops ? chk->nhops : 1, sizeof *rows);
    if (!at || !rows) {
        nst_free(at);
        nst_free(rows);
        b->oom = 1;
        return;
    }
    for (h = 0; h < chk->nhops; h++) {
        at[chk->hops[h].conn - m->conns + 1]++;
    }
    for (i = 0; i < m->nconns; i++) {
        at[i + 1] += at[i];
    }
    for (h = 0; h < chk->nhops; h++) {
        rows[at[chk->hops[h].conn - m->conns]++] = h;
    }
    for (i = m->nconns; i > 0; i--) {
        at[i] = at[i - 1];
    }
    at[0] = 0;
    buf_puts(b, "[");
    for (i = 0; i < chk->nconns; i++) {
        const struct chk_conn *cc = &chk->conns[i];
        int first = 1, firsth = 1;
        char bw[64];

        buf_puts(b, i ? "," : "");
        jb_indent(b, 2);
        buf_puts(b, "{");
        jb_key(b, 3, &first, "name");
        buf_put_json_str(b, cc->conn->name);
        jb_key(b, 3, &first, "ip-mtu");
        buf_printf(b, "%u", cc->conn->ip_mtu);
        jb_key(b, 3, &first, "max-ip-mtu");
        buf_printf(b, "%u", cc->max_ip);
        if (cc->bottleneck) {
            jb_key(b, 3, &first, "bottleneck-hop");
            buf_printf(b, "%u", cc->bottleneck->seq);
            jb_key(b, 3, &first, "bottleneck-bandwidth");
            buf_put_json_str(b, chk_bw_str(cc->bottleneck_kbps, bw, sizeof bw));
        }
        jb_key(b, 3, &first, "hops");
        buf_puts(b, "[");
        for (k = at[cc->conn - m->conns]; k < at[cc->conn - m->conns + 1]; k++) {
            const struct chk_hop_mtu *hm = &chk->hops[rows[k]];
            char enc[96];
            int fh = 1, e;

            buf_puts(b, firsth ? "" : ",");
            firsth = 0;
            jb_indent(b, 4);
            buf_puts(b, "{");
            jb_key(b, 5, &fh, "hop");
            buf_printf(b, "%u", hm->hop->seq);
            jb_key(b, 5, &fh, "segment");
            buf_put_json_str(b, hm->hop->seg->name);
            jb_key(b, 5, &fh, "encapsulation");
            buf_put_json_str(b, model_encap_str(&hm->hop->encap, enc, sizeof enc));
            jb_key(b, 5, &fh, "frame");
            buf_printf(b, "%u", hm->frame);
            if (hm->limit) {
                jb_key(b, 5, &fh, "segment-limit");
                buf_printf(b, "%u", hm->limit);
            }
            jb_key(b, 5, &fh, "max-ip-mtu");
            buf_printf(b, "%u", hm->max_ip);
            jb_key(b, 5, &fh, "ends");
            buf_puts(b, "[");
            for (e = 0; e < 2; e++) {
                buf_puts(b, e ? "," : "");
                jb_indent(b, 6);
                plan_hop_end(b, c, &hm->hop->seg->end[e], hm->need[e], 6);
            }
            jb_indent(b, 5);
            buf_puts(b, "]");
            jb_indent(b, 4);
            buf_puts(b, "}");
        }
        if (!firsth) {
            jb_indent(b, 3);
        }
        buf_puts(b, "]");
        jb_indent(b, 2);
        buf_puts(b, "}");
    }
    jb_indent(b, 1);
    buf_puts(b, "]");
    nst_free(at);
    nst_free(rows);
}

/* plan_connections() kept in c->plan_conns for plan_tail(); nothing kept when out of
 * memory (plan_tail() then makes them). */
static void
plan_conns_keep(struct nst_compiled *c)
{
    struct buf b = {0};

    b.min_cap = 64 * 1024;
    plan_connections(&b, c);
    if (buf_failed(&b)) {
        buf_clear(&b);
        return;
    }
    c->plan_conns_len = b.len;
    c->plan_conns = buf_take(&b);
}

static void
plan_diags(struct buf *b, const struct nst_compiled *c)
{
    struct nst_ctx *ctx = c->svc->ctx;
    size_t i, n = nst_diag_count(ctx);

    buf_puts(b, "[");
    for (i = 0; i < n; i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);
        int first = 1;

        buf_puts(b, i ? "," : "");
        jb_indent(b, 2);
        buf_puts(b, "{");
        jb_key(b, 3, &first, "severity");
        buf_put_json_str(b, nst_severity_name(nst_diag_severity(d)));
        jb_key(b, 3, &first, "code");
        buf_put_json_str(b, nst_diag_code(d));
        jb_key(b, 3, &first, "message");
        buf_put_json_str(b, nst_diag_message(d));
        if (nst_diag_file(d)) {
            jb_key(b, 3, &first, "file");
            buf_put_json_str(b, nst_diag_file(d));
            jb_key(b, 3, &first, "line");
            buf_printf(b, "%u", nst_diag_line(d));
        }
        if (nst_diag_path(d)) {
            jb_key(b, 3, &first, "path");
            buf_put_json_str(b, nst_diag_path(d));
        }
        if (nst_diag_device(d)) {
            jb_key(b, 3, &first, "device");
            buf_put_json_str(b, nst_diag_device(d));
        }
        jb_indent(b, 2);
        buf_puts(b, "}");
    }
    if (n) {
        jb_indent(b, 1);
    }
    buf_puts(b, "]");
}

/* plan.json up to its first device: what plan_build() writes before plan_device_at(). */
static void
plan_head(struct buf *b, const struct nst_compiled *c)
{
    int first = 1;

    buf_puts(b, "{");
    jb_key(b, 1, &first, "netstitch");
    buf_put_json_str(b, nst_version());
    jb_key(b, 1, &first, "service");
    buf_put_json_str(b, c->svc->file);
    jb_key(b, 1, &first, "devices");
    buf_puts(b, "[");
}

/* plan.json after its last device: the connections and the diagnostics. */
static void
plan_tail(struct buf *b, const struct nst_compiled *c)
{
    int first = 0;

    jb_indent(b, 1);
    buf_puts(b, "]");
    jb_key(b, 1, &first, "connections");
    if (c->plan_conns) {
        buf_add(b, c->plan_conns, c->plan_conns_len);
    } else {
        plan_connections(b, c);
    }
    jb_key(b, 1, &first, "diagnostics");
    plan_diags(b, c);
    buf_puts(b, "\n}\n");
}

static void
plan_build(struct buf *b, const struct nst_compiled *c)
{
    size_t i;

    plan_head(b, c);
    for (i = 0; i < c->ndevices; i++) {
        plan_device_at(b, c, i);
    }
    plan_tail(b, c);
}

NST_API nst_err
nst_compiled_plan(const struct nst_compiled *c, char **json)
{
    struct buf b = {0};

    if (!c || !json) {
        return NST_EINVAL;
    }
    plan_build(&b, c);
    if (buf_failed(&b)) {
        buf_clear(&b);
        return NST_ENOMEM;
    }
    *json = buf_take(&b);
    return NST_OK;
}

/* --- the output directory ---
 *
 * nst_compiled_write() builds the whole set in a new directory next to DIR
 * (DIR/../.BASE.tmp-PID-N), then puts it in place with one rename (DIR missing) or one
 * atomic exchange (renameat2 RENAME_EXCHANGE, DIR an earlier compile's output, which is
 * then removed). A failure leaves DIR as it was and no temporary directory behind; the
 * diagnostic (IO-WRITE) names the file and the system's reason. A DIR holding anything a
 * compile does not write is refused rather than replaced. */

/* Write @text to DIR/NAME (a new file). On NST_EIO, *failed is the path (freed by the
 * caller) and *err the errno. */
static nst_err
write_file(const char *dir, const char *name, const char *text, char **failed, int *err)
{
    char *path = nst_asprintf("%s/%s", dir, name);
    size_t len = strlen(text), off = 0;
    nst_err ret = NST_OK;
    int fd = -1;

    if (!path) {
        return NST_ENOMEM;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        ret = NST_EIO;
        goto cleanup;
    }
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            if (w == 0) {
                errno = EIO;
            }
            ret = NST_EIO;
            goto cleanup;
        }
        off += (size_t)w;
    }
    if (close(fd)) {
        fd = -1;
        ret = NST_EIO;
        goto cleanup;
    }
    fd = -1;

cleanup:
    if (ret == NST_EIO) {
        *err = errno;
        *failed = path;
        path = NULL;
    }
    if (fd >= 0) {
        close(fd);
    }
    nst_free(path);
    return ret;
}

/* DIR/NAME.EXT from one of a device's texts, which are kept deflated: inflated here, one
 * file at a time (compile_device); fails as write_file(). */
static nst_err
write_device_text(const char *dir, const char *name, const char *ext,
                  const struct compiled_text *t, char **failed, int *err)
{
    char *f, *buf;
    const char *text;
    nst_err ret;

    if (!t->text && !t->z) {
        return NST_EINVAL; /* written elsewhere and dropped (NST_COMPILE_WRITE_ONLY) */
    }
    f = device_file(name, ext);
    buf = t->text ? NULL : text_inflate(t);
    text = t->text ? t->text : buf;
    ret = f && text ? write_file(dir, f, text, failed, err) : NST_ENOMEM;

    nst_free(buf);
    nst_free(f);
    return ret;
}

/* DIR/plan.json created and opened to be streamed through @b (b->f, whole blocks written
 * through: BUF_STREAM_BLOCK). NST_OK; NST_EIO with *failed (the path) and *err;
 * NST_ENOMEM. */
static nst_err
plan_open(const char *dir, struct buf *b, char **failed, int *err)
{
    char *path = nst_asprintf("%s/plan.json", dir);
    int fd;

    if (!path) {
        return NST_ENOMEM;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        *err = errno;
        *failed = path;
        return NST_EIO;
    }
    b->f = fdopen(fd, "w");
    if (!b->f) {
        nst_err ret = errno == ENOMEM ? NST_ENOMEM : NST_EIO;

        *err = errno;
        close(fd);
        if (ret == NST_EIO) {
            *failed = path;
            return ret;
        }
        nst_free(path);
        return ret;
    }
    __fsetlocking(b->f, FSETLOCKING_BYCALLER);
    nst_free(path);
    return NST_OK;
}

/* The streamed plan in @b (opened in @dir by plan_open()) finished and closed; fails as
 * write_file(). */
static nst_err
plan_close(const char *dir, struct buf *b, char **failed, int *err)
{
    nst_err ret;

    buf_flush(b);
    ret = b->oom ? NST_ENOMEM : NST_OK;
    errno = b->ioerr;
    if ((b->ioerr || fflush(b->f) || ferror(b->f)) && !ret) {
        ret = NST_EIO;
        if (!errno) {
            errno = EIO;
        }
    }
    if (fclose(b->f) && !ret) {
        ret = NST_EIO;
    }
    b->f = NULL;
    if (ret == NST_EIO) {
        *err = errno;
        *failed = nst_asprintf("%s/plan.json", dir);
        if (!*failed) {
            ret = NST_ENOMEM;
        }
    }
    buf_clear(b);
    return ret;
}

/* DIR/plan.json, streamed (the same bytes as nst_compiled_plan()); fails as write_file(). */
/* plan.json from its pieces, plan_build()'s bytes without joining them: the head, every
 * device's object as its render thread made it (all of them made, else 1: not written),
 * the connections (c->plan_conns, else made here) and the diagnostics, written with
 * writev(). A small compile's plan joined in a buffer was 4.4 MB at 100 routers, copied
 * and its pages faulted in after the render, with one core waiting. Fails as
 * write_file(). */
static int
write_plan_pieces(const char *dir, const struct nst_compiled *c, char **failed, int *err,
                  nst_err *ret)
{
    struct buf head = {0}, mid = {0}, tail = {0};
    struct iovec *iov;
    char *path = NULL;
    size_t i, n = 0, k;
    int fd = -1, first = 0;

    for (i = 0; i < c->ndevices; i++) {
        if (!c->devices[i].plan) {
            return 1;
        }
    }
    iov = nst_calloc(2 * c->ndevices + 4, sizeof *iov);
    if (!iov) {
        return 1;
    }
    plan_head(&head, c);
    jb_indent(&mid, 1);
    buf_puts(&mid, "]");
    jb_key(&mid, 1, &first, "connections");
    if (!c->plan_conns) {
        plan_connections(&mid, c);
    }
    jb_key(&tail, 1, &first, "diagnostics");
    plan_diags(&tail, c);
    buf_puts(&tail, "\n}\n");
    *ret = buf_failed(&head) || buf_failed(&mid) || buf_failed(&tail) ? NST_ENOMEM : NST_OK;
    path = *ret ? NULL : nst_asprintf("%s/plan.json", dir);
    if (!*ret && !path) {
        *ret = NST_ENOMEM;
    }
    if (*ret) {
        goto cleanup;
    }
    iov[n].iov_base = head.p;
    iov[n++].iov_len = head.len;
    for (i = 0; i < c->ndevices; i++) {
        if (i) {
            iov[n].iov_base = (void *)(uintptr_t) ",";
            iov[n++].iov_len = 1;
        }
        iov[n].iov_base = c->devices[i].plan;
        iov[n++].iov_len = c->devices[i].plan_len;
    }
    iov[n].iov_base = mid.p;
    iov[n++].iov_len = mid.len;
    if (c->plan_conns) {
        iov[n].iov_base = c->plan_conns;
        iov[n++].iov_len = c->plan_conns_len;
    }
    iov[n].iov_base = tail.p;
    iov[n++].iov_len = tail.len;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        *ret = NST_EIO;
        goto cleanup;
    }
    for (k = 0; k < n;) {
        ssize_t w = writev(fd, iov + k, (int)(n - k < IOV_MAX ? n - k : IOV_MAX));

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            if (w == 0) {
                errno = EIO;
            }
            *ret = NST_EIO;
            goto cleanup;
        }
        while (k < n && (size_t)w >= iov[k].iov_len) {
            w -= (ssize_t)iov[k++].iov_len;
        }
        if (k < n) {
            iov[k].iov_base = (char *)iov[k].iov_base + w;
            iov[k].iov_len -= (size_t)w;
        }
    }
    if (close(fd)) {
        fd = -1;
        *ret = NST_EIO;
        goto cleanup;
    }
    fd = -1;

cleanup:
    if (*ret == NST_EIO) {
        *err = errno;
        *failed = path;
        path = NULL;
    }
    if (fd >= 0) {
        close(fd);
    }
    nst_free(path);
    nst_free(iov);
    buf_clear(&head);
    buf_clear(&mid);
    buf_clear(&tail);
    return 0;
}

static nst_err
write_plan(const char *dir, const struct nst_compiled *c, char **failed, int *err)
{
    struct buf b = {0};
    nst_err ret;

    /* A small compile's plan is built in memory and written at once (4.4 MB at 100
     * routers): streamed, its million small pieces cost a third of the writer's
     * instructions in stdio. A larger one's is streamed, for the peak memory. */
    if (c->ndevices <= COMPILE_DEFLATE_FROM) {
        if (!write_plan_pieces(dir, c, failed, err, &ret)) {
            return ret;
        }
        b.min_cap = 1 << 20;
        plan_build(&b, c);
        ret = buf_failed(&b) ? NST_ENOMEM : write_file(dir, "plan.json", b.p, failed, err);
        buf_clear(&b);
        return ret;
    }
    ret = plan_open(dir, &b, failed, err);
    if (ret) {
        return ret;
    }
    plan_build(&b, c);
    return plan_close(dir, &b, failed, err);
}

/* A file a compile writes: plan.json, NAME.xml, NAME.cli. */
static int
is_output_name(const char *n)
{
    size_t len = strlen(n);

    return !strcmp(n, "plan.json") ||
           (len > 4 && (!strcmp(n + len - 4, ".xml") || !strcmp(n + len - 4, ".cli")));
}

/* Remove @dir and the plain files in it (a set this writer made). */
static void
remove_set(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d) {
        while ((e = readdir(d))) {
            char *p;

            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
                continue;
            }
            p = nst_asprintf("%s/%s", dir, e->d_name);
            if (p) {
                unlink(p);
            }
            nst_free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* 0 when @dir is missing (*exists = 0) or holds only a compile's outputs (*exists = 1);
 * else -1 with errno, or 1 with the first foreign entry's name in @foreign. */
static int
existing_set(const char *dir, int *exists, char *foreign, size_t flen)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    int ret = 0;

    *exists = 0;
    if (lstat(dir, &st)) {
        return errno == ENOENT ? 0 : -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    *exists = 1;
    d = opendir(dir);
    if (!d) {
        return -1;
    }
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
            continue;
        }
        if (e->d_type == DT_REG || e->d_type == DT_UNKNOWN) {
            if (is_output_name(e->d_name)) {
                continue;
            }
            /* an older writer's temporary file */
            if (e->d_name[0] == '.' && strlen(e->d_name) > 4 &&
                !strcmp(e->d_name + strlen(e->d_name) - 4, ".tmp")) {
                continue;
            }
        }
        snprintf(foreign, flen, "%s", e->d_name);
        ret = 1;
        break;
    }
    closedir(d);
    return ret;
}

/* A new, empty directory next to @dir, named .BASE.tmp-PID-N; NULL with errno. */
static char *
make_temp_dir(const char *dir)
{
    const char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : dir;
    int plen = slash ? (int)(slash - dir) + 1 : 0;
    unsigned n;

    for (n = 0; n < 1000; n++) {
        char *t = nst_asprintf("%.*s.%s.tmp-%ld-%u", plen, dir, base, (long)getpid(), n);

        if (!t) {
            errno = ENOMEM;
            return NULL;
        }
        if (!mkdir(t, 0777)) {
            return t;
        }
        nst_free(t);
        if (errno != EEXIST) {
            return NULL;
        }
    }
    return NULL;
}

/* IO-WRITE for @path, for @reason; NST_EIO. */
static nst_err
write_error(const struct nst_compiled *c, const char *path, const char *reason)
{
    struct diag_loc loc = {0};

    loc.file = path;
    diag_add(c->svc->ctx, DIAG_IO_WRITE, &loc, path, reason);
    return NST_EIO;
}

/*
 * The files of the set into @dir: each device's NAME.xml and NAME.cli, and plan.json. A
 * second thread writes plan.json (a fifth of the writing at 100 routers) and then takes
 * devices too, from the same counter as the calling thread; the result is as if written
 * one by one in model order, plan.json last: the first failure in that order is the one
 * reported (*failed, *err as write_file()). One thread while the allocation test hook is
 * in use (alloc.h), or when no thread can be created.
 */
struct write_job {
    const struct nst_compiled *c;
    const char *dir;
    struct write_res *res, plan; /* res: one per device */
    atomic_size_t next;
    atomic_bool stop;
};

static void
write_devices(struct write_job *j)
{
    size_t i;

    while (!atomic_load(&j->stop) && (i = atomic_fetch_add(&j->next, 1)) < j->c->ndevices) {
        const struct compiled_device *d = &j->c->devices[i];
        struct write_res *r = &j->res[i];

        if (d->pending) {
            continue;
        }
        r->ret = write_device_text(j->dir, d->name, ".xml", &d->payload, &r->failed, &r->err);
        if (!r->ret) {
            r->ret = write_device_text(j->dir, d->name, ".cli", &d->cli, &r->failed, &r->err);
        }
        if (r->ret) {
            atomic_store(&j->stop, true);
        }
    }
}

static void *
write_helper(void *arg)
{
    struct write_job *j = arg;

    j->plan.ret = write_plan(j->dir, j->c, &j->plan.failed, &j->plan.err);
    write_devices(j);
    return NULL;
}

static nst_err
write_set(const struct nst_compiled *c, const char *dir, char **failed, int *err)
{
    struct write_job j;
    struct write_res *first = NULL;
    pthread_t tid;
    bool helper = false;
    nst_err ret = NST_OK;
    size_t i;

    memset(&j, 0, sizeof j);
    j.c = c;
    j.dir = dir;
    atomic_store(&j.next, 0);
    atomic_store(&j.stop, false);
    j.res = nst_calloc(c->ndevices ? c->ndevices : 1, sizeof *j.res);
    if (!j.res) {
        return NST_ENOMEM;
    }
    if (!nst_alloc_hooked() && c->ndevices >= COMPILE_PARALLEL_FROM) {
        helper = !pthread_create(&tid, NULL, write_helper, &j);
    }
    write_devices(&j);
    if (helper) {
        pthread_join(tid, NULL);
    } else if (!atomic_load(&j.stop)) {
        j.plan.ret = write_plan(dir, c, &j.plan.failed, &j.plan.err);
    }
    for (i = 0; i < c->ndevices && !first; i++) {
        first = j.res[i].ret ? &j.res[i] : NULL;
    }
    if (!first && (helper || !atomic_load(&j.stop))) {
        first = j.plan.ret ? &j.plan : NULL;
    }
    if (first) {
        ret = first->ret;
        *failed = first->failed;
        *err = first->err;
        first->failed = NULL;
    }
    for (i = 0; i < c->ndevices; i++) {
        nst_free(j.res[i].failed);
    }
    nst_free(j.plan.failed);
    nst_free(j.res);
    return ret;
}

/* The staged set in @dir finished as write_set() would have written it: the first
 * device failure in model order, else plan.json. */
static nst_err
stage_finish(const struct nst_compiled *c, const char *dir, char **failed, int *err)
{
    size_t i;

    for (i = 0; i < c->ndevices; i++) {
        struct write_res *r = &c->stage_res[i];

        if (r->ret) {
            *failed = r->failed;
            *err = r->err;
            r->failed = NULL;
            return r->ret;
        }
    }
    if (c->stage_plan.f) {
        struct nst_compiled *mc = (struct nst_compiled *)(uintptr_t)c;

        plan_tail(&mc->stage_plan, c);
        return plan_close(dir, &mc->stage_plan, failed, err);
    }
    if (c->stage_plan_res.ret) {
        struct write_res *r = (struct write_res *)(uintptr_t)&c->stage_plan_res;

        *failed = r->failed;
        *err = r->err;
        r->failed = NULL;
        return r->ret;
    }
    return write_plan(dir, c, failed, err);
}

NST_API nst_err
nst_compiled_write(const struct nst_compiled *c, const char *dir)
{
    struct nst_compiled *mc = (struct nst_compiled *)(uintptr_t)c;
    char *tmp = NULL, *failed = NULL, *final = NULL, foreign[256];
    size_t dlen;
    int exists = 0, e = 0, r;
    bool staged = false;
    nst_err ret = NST_OK;

    if (!c || !dir || !*dir) {
        return NST_EINVAL;
    }
    /* "out/" is "out": the temporary directory goes next to it, not inside. */
    dlen = strlen(dir);
    while (dlen > 1 && dir[dlen - 1] == '/') {
        dlen--;
    }
    final = nst_strndup(dir, dlen);
    if (!final) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    /* A symbolic link to the directory: the set replaces the directory it names (never
     * the link, whose target the exchange would otherwise empty). */
    {
        struct stat lst;

        if (!lstat(final, &lst) && S_ISLNK(lst.st_mode)) {
            char *real = realpath(final, NULL);

            if (!real) {
                ret = write_error(c, final, strerror(errno));
                goto cleanup;
            }
            nst_free(final);
            final = nst_strdup(real);
            free(real);
            if (!final) {
                ret = NST_ENOMEM;
                goto cleanup;
            }
        }
    }
    r = existing_set(final, &exists, foreign, sizeof foreign);
    if (r < 0) {
        ret = write_error(c, final, strerror(errno));
        goto cleanup;
    }
    if (r > 0) {
        char *why = nst_asprintf("it holds %s, which compile does not write; name a new "
                                 "directory or an earlier compile's output",
                                 foreign);

        ret = why ? write_error(c, final, why) : NST_ENOMEM;
        nst_free(why);
        goto cleanup;
    }
    /* The set staged for this directory while rendering (nst_compile_file_to()), whose
     * devices' files are written; any other staged set is removed below. */
    if (c->stage_tmp && !strcmp(c->stage_final, final)) {
        tmp = mc->stage_tmp;
        mc->stage_tmp = NULL;
        staged = true;
    }
    tmp = tmp ? tmp : make_temp_dir(final);
    if (!tmp) {
        if (errno == ENOMEM) {
            ret = NST_ENOMEM;
        } else {
            char *why = nst_asprintf("cannot create a directory next to it: %s", strerror(errno));

            ret = why ? write_error(c, final, why) : NST_ENOMEM;
            nst_free(why);
        }
        goto cleanup;
    }
    ret = staged ? stage_finish(c, tmp, &failed, &e) : write_set(c, tmp, &failed, &e);
    if (ret == NST_EIO) {
        /* Name the file as it would have been in DIR, not the temporary one. */
        char *what = nst_asprintf("%s/%s", final, strrchr(failed, '/') + 1);

        ret = what ? write_error(c, what, strerror(e)) : NST_ENOMEM;
        nst_free(what);
        goto cleanup;
    }
    if (ret) {
        goto cleanup;
    }
    if (exists ? renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) : rename(tmp, final)) {
        ret = write_error(c, final, strerror(errno));
        goto cleanup;
    }
    /* tmp now names the earlier set (exchanged), or nothing (renamed). */
    if (!exists) {
        nst_free(tmp);
        tmp = NULL;
    }

cleanup:
    if (tmp) {
        remove_set(tmp);
    }
    nst_free(tmp);
    nst_free(failed);
    nst_free(final);
    /* Whatever happened, a staged set is used up (no directory left behind). */
    stage_clear(mc, true);
    return ret;
}
