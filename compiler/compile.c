/*
 * compile.c: the compile pipeline, read in one function (compile_run):
 *
 *   checked model --lower_service--> IR document --render_device per device-->
 *       per-device NETCONF payload (validated) + native CLI
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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "check.h"
#include "compile.h"
#include "ctx.h"
#include "driver.h"
#include "lower.h"
#include "model.h"
#include "render.h"
#include "service.h"

/* --- the pipeline --- */

static nst_err
compile_devices(struct nst_compiled *c, const char *const *dirs, size_t ndirs)
{
    struct render *r = NULL;
    struct diag_loc origin = {0};
    xmlNodePtr root = xmlDocGetRootElement(c->ir), n;
    size_t i;
    nst_err ret, first = NST_OK;

    ret = render_new(c->svc->ctx, dirs, ndirs, &r);
    if (ret) {
        return ret;
    }
    /* The IR holds one <device> per model device, in model order. */
    n = drv_child(root, "device");
    for (i = 0; i < c->ndevices && n; i++, n = drv_next(n, "device")) {
        struct compiled_device *d = &c->devices[i];
        const char *name = drv_attr(n, "name");

        if (!name || strcmp(name, d->name)) {
            first = DIAG_INTERNAL_ERR(c->svc->ctx, "IR devices out of step with the model");
            break;
        }
        d->ir = n;
        d->pending = !c->svc->model->devices[i].drv->features;
        origin.file = c->svc->model->file;
        origin.line = c->svc->model->devices[i].src.line;
        origin.path = c->svc->model->devices[i].src.path;
        render_set_origin(r, &origin);
        ret = render_device(r, n, c->svc->model->devices[i].drv, &d->payload, &d->cli);
        if (ret == NST_ENOMEM) {
            first = ret;
            break;
        }
        if (ret && !first) {
            first = ret;
        }
    }
    if (!first && i != c->ndevices) {
        first = DIAG_INTERNAL_ERR(c->svc->ctx, "IR has fewer devices than the model");
    }
    render_free(r);
    return first;
}

static nst_err
compile_run(struct nst_service *svc, const char *const *dirs, size_t ndirs,
            struct nst_compiled **out)
{
    struct nst_compiled *c;
    nst_err ret;
    size_t i;

    c = nst_calloc(1, sizeof *c);
    if (!c) {
        return NST_ENOMEM;
    }
    c->svc = svc;
    ret = lower_service(svc, &c->ir);
    if (ret) {
        goto cleanup;
    }
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
    ret = compile_devices(c, dirs, ndirs);

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
    uint32_t opts = LY_LOSTORE;
    nst_err ret;

    if (!svc || !out || !svc->check || (ndirs && !template_dirs)) {
        return NST_EINVAL;
    }
    /* libyang must not print: its messages become diagnostics (see ctx.c). */
    ly_temp_log_options(&opts);
    ret = compile_run(svc, template_dirs, ndirs, out);
    ly_temp_log_options(NULL);
    return ret;
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
    for (i = 0; i < c->ndevices; i++) {
        nst_free(c->devices[i].payload);
        nst_free(c->devices[i].cli);
    }
    nst_free(c->devices);
    xmlFreeDoc(c->ir);
    nst_free(c);
}

NST_API nst_err
nst_compiled_ir(const struct nst_compiled *c, char **xml)
{
    xmlChar *buf = NULL;
    int len = 0;

    if (!c || !xml) {
        return NST_EINVAL;
    }
    xmlDocDumpFormatMemoryEnc(c->ir, &buf, &len, "UTF-8", 1);
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

    return d ? d->payload : NULL;
}

NST_API const char *
nst_compiled_device_cli(const struct nst_compiled *c, size_t i)
{
    const struct compiled_device *d = device_at(c, i);

    return d ? d->cli : NULL;
}

/* --- plan.json --- */

/* A JSON text in memory, or (f set) streamed to a file: plan.json is 40 MB at 1000
 * routers, and building it in memory to write it doubled the compile's peak memory for
 * it (docs/PERFORMANCE.md). */
struct jbuf {
    char *p;
    size_t len, cap;
    int oom;
    FILE *f;
    int ioerr;
};

static void
jb_add(struct jbuf *b, const char *s, size_t n)
{
    char *np;
    size_t cap;

    if (b->oom) {
        return;
    }
    if (b->f) {
        if (n && fwrite(s, 1, n, b->f) != n) {
            b->ioerr = 1;
        }
        return;
    }
    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        np = nst_realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
jb_raw(struct jbuf *b, const char *s)
{
    jb_add(b, s, strlen(s));
}

static void jb_fmt(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
jb_fmt(struct jbuf *b, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0) {
        jb_add(b, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    }
}

/* A JSON string literal; NULL gives null. */
static void
jb_str(struct jbuf *b, const char *s)
{
    const unsigned char *p;

    if (!s) {
        jb_raw(b, "null");
        return;
    }
    jb_raw(b, "\"");
    for (p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            jb_raw(b, "\\\"");
            break;
        case '\\':
            jb_raw(b, "\\\\");
            break;
        case '\n':
            jb_raw(b, "\\n");
            break;
        case '\t':
            jb_raw(b, "\\t");
            break;
        case '\r':
            jb_raw(b, "\\r");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                jb_fmt(b, "\\u%04x", *p);
            } else {
                jb_add(b, (const char *)p, 1);
            }
        }
    }
    jb_raw(b, "\"");
}

static void
jb_indent(struct jbuf *b, int level)
{
    static const char spaces[] = "                                ";
    int n = level * 2;

    jb_raw(b, "\n");
    while (n > 0) {
        int k = n < (int)sizeof spaces - 1 ? n : (int)sizeof spaces - 1;

        jb_add(b, spaces, (size_t)k);
        n -= k;
    }
}

/* A member name at @level, after a comma unless it is the first. */
static void
jb_key(struct jbuf *b, int level, int *first, const char *key)
{
    if (!*first) {
        jb_raw(b, ",");
    }
    *first = 0;
    jb_indent(b, level);
    jb_str(b, key);
    jb_raw(b, ": ");
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

static void jb_ir_object(struct jbuf *b, xmlNodePtr n, int level, int with_kind);

/*
 * An IR element as a JSON object: "object" (the element name) when asked, its attributes
 * in document order, text-only children as strings, and the other children grouped by
 * name into arrays, in order of first appearance.
 */
static void
jb_ir_object(struct jbuf *b, xmlNodePtr n, int level, int with_kind)
{
    xmlAttrPtr a;
    xmlNodePtr c, d;
    int first = 1;

    jb_raw(b, "{");
    if (with_kind) {
        jb_key(b, level + 1, &first, "object");
        jb_str(b, (const char *)n->name);
    }
    for (a = n->properties; a; a = a->next) {
        const char *v =
            a->children && a->children->content ? (const char *)a->children->content : "";

        jb_key(b, level + 1, &first, (const char *)a->name);
        if (is_json_number(v) || !strcmp(v, "true") || !strcmp(v, "false")) {
            jb_raw(b, v);
        } else {
            jb_str(b, v);
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
            jb_str(b, t ? (const char *)t : "");
            xmlFree(t);
            continue;
        }
        jb_key(b, level + 1, &first, (const char *)c->name);
        jb_raw(b, "[");
        for (d = c; d; d = drv_next(d, (const char *)c->name)) {
            if (!firstel) {
                jb_raw(b, ",");
            }
            firstel = 0;
            jb_indent(b, level + 2);
            jb_ir_object(b, d, level + 2, 0);
        }
        jb_indent(b, level + 1);
        jb_raw(b, "]");
    }
    if (!first) {
        jb_indent(b, level);
    }
    jb_raw(b, "}");
}

/* The file name of a device's outputs: the name with '/' written as %2F (names match
 * [A-Za-z0-9][A-Za-z0-9._:/-]*, so this is unambiguous and never leaves DIR). */
static char *
device_file(const char *name, const char *ext)
{
    struct jbuf b = {0};
    const char *p;

    for (p = name; *p; p++) {
        if (*p == '/') {
            jb_raw(&b, "%2F");
        } else {
            jb_add(&b, p, 1);
        }
    }
    jb_raw(&b, ext);
    if (b.oom) {
        nst_free(b.p);
        return NULL;
    }
    return b.p;
}

static void
plan_devices(struct jbuf *b, const struct nst_compiled *c)
{
    size_t i;

    jb_raw(b, "[");
    for (i = 0; i < c->ndevices; i++) {
        const struct compiled_device *d = &c->devices[i];
        xmlNodePtr ch;
        int first = 1, firstch = 1;
        char *f;

        jb_raw(b, i ? "," : "");
        jb_indent(b, 2);
        jb_raw(b, "{");
        jb_key(b, 3, &first, "name");
        jb_str(b, d->name);
        jb_key(b, 3, &first, "vendor");
        jb_str(b, d->vendor);
        jb_key(b, 3, &first, "driver");
        jb_str(b, d->driver);
        jb_key(b, 3, &first, "status");
        jb_str(b, d->pending ? "pending" : "compiled");
        if (!d->pending) {
            f = device_file(d->name, ".xml");
            jb_key(b, 3, &first, "payload");
            jb_str(b, f);
            nst_free(f);
            f = device_file(d->name, ".cli");
            jb_key(b, 3, &first, "cli");
            jb_str(b, f);
            nst_free(f);
        }
        jb_key(b, 3, &first, "changes");
        jb_raw(b, "[");
        for (ch = drv_child(d->ir, NULL); ch; ch = drv_next(ch, NULL)) {
            jb_raw(b, firstch ? "" : ",");
            firstch = 0;
            jb_indent(b, 4);
            jb_ir_object(b, ch, 4, 1);
        }
        if (!firstch) {
            jb_indent(b, 3);
        }
        jb_raw(b, "]");
        jb_indent(b, 2);
        jb_raw(b, "}");
    }
    jb_indent(b, 1);
    jb_raw(b, "]");
}

/* One end of a hop: a managed port (with the MTU it needs and will have) or a site. */
static void
plan_hop_end(struct jbuf *b, const struct nst_compiled *c, const struct m_end *e, uint32_t need,
             int level)
{
    int first = 1;

    jb_raw(b, "{");
    if (e->dev && e->port) {
        const struct chk_port *cp = &c->svc->check->ports[e->port->idx];

        jb_key(b, level + 1, &first, "device");
        jb_str(b, e->dev->name);
        jb_key(b, level + 1, &first, "port");
        jb_str(b, e->port->name);
        jb_key(b, level + 1, &first, "mtu-meaning");
        jb_str(b, e->dev->drv->mtu_meaning_name);
        jb_key(b, level + 1, &first, "mtu-needed");
        jb_fmt(b, "%u", need);
        jb_key(b, level + 1, &first, "mtu-before");
        jb_fmt(b, "%u", e->port->mtu);
        jb_key(b, level + 1, &first, "mtu");
        jb_fmt(b, "%u", cp->planned ? cp->planned : e->port->mtu);
    } else {
        jb_key(b, level + 1, &first, "site");
        jb_str(b, e->site ? e->site->name : NULL);
        if (e->node) {
            jb_key(b, level + 1, &first, "node");
            jb_str(b, e->node);
        }
    }
    jb_indent(b, level);
    jb_raw(b, "}");
}

static void
plan_connections(struct jbuf *b, const struct nst_compiled *c)
{
    const struct chk_result *chk = c->svc->check;
    size_t i, h;

    jb_raw(b, "[");
    for (i = 0; i < chk->nconns; i++) {
        const struct chk_conn *cc = &chk->conns[i];
        int first = 1, firsth = 1;
        char bw[64];

        jb_raw(b, i ? "," : "");
        jb_indent(b, 2);
        jb_raw(b, "{");
        jb_key(b, 3, &first, "name");
        jb_str(b, cc->conn->name);
        jb_key(b, 3, &first, "ip-mtu");
        jb_fmt(b, "%u", cc->conn->ip_mtu);
        jb_key(b, 3, &first, "max-ip-mtu");
        jb_fmt(b, "%u", cc->max_ip);
        if (cc->bottleneck) {
            jb_key(b, 3, &first, "bottleneck-hop");
            jb_fmt(b, "%u", cc->bottleneck->seq);
            jb_key(b, 3, &first, "bottleneck-bandwidth");
            jb_str(b, chk_bw_str(cc->bottleneck_kbps, bw, sizeof bw));
        }
        jb_key(b, 3, &first, "hops");
        jb_raw(b, "[");
        for (h = 0; h < chk->nhops; h++) {
            const struct chk_hop_mtu *hm = &chk->hops[h];
            char enc[96];
            int fh = 1, e;

            if (hm->conn != cc->conn) {
                continue;
            }
            jb_raw(b, firsth ? "" : ",");
            firsth = 0;
            jb_indent(b, 4);
            jb_raw(b, "{");
            jb_key(b, 5, &fh, "hop");
            jb_fmt(b, "%u", hm->hop->seq);
            jb_key(b, 5, &fh, "segment");
            jb_str(b, hm->hop->seg->name);
            jb_key(b, 5, &fh, "encapsulation");
            jb_str(b, model_encap_str(&hm->hop->encap, enc, sizeof enc));
            jb_key(b, 5, &fh, "frame");
            jb_fmt(b, "%u", hm->frame);
            if (hm->limit) {
                jb_key(b, 5, &fh, "segment-limit");
                jb_fmt(b, "%u", hm->limit);
            }
            jb_key(b, 5, &fh, "max-ip-mtu");
            jb_fmt(b, "%u", hm->max_ip);
            jb_key(b, 5, &fh, "ends");
            jb_raw(b, "[");
            for (e = 0; e < 2; e++) {
                jb_raw(b, e ? "," : "");
                jb_indent(b, 6);
                plan_hop_end(b, c, &hm->hop->seg->end[e], hm->need[e], 6);
            }
            jb_indent(b, 5);
            jb_raw(b, "]");
            jb_indent(b, 4);
            jb_raw(b, "}");
        }
        if (!firsth) {
            jb_indent(b, 3);
        }
        jb_raw(b, "]");
        jb_indent(b, 2);
        jb_raw(b, "}");
    }
    jb_indent(b, 1);
    jb_raw(b, "]");
}

static void
plan_diags(struct jbuf *b, const struct nst_compiled *c)
{
    struct nst_ctx *ctx = c->svc->ctx;
    size_t i, n = nst_diag_count(ctx);

    jb_raw(b, "[");
    for (i = 0; i < n; i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);
        int first = 1;

        jb_raw(b, i ? "," : "");
        jb_indent(b, 2);
        jb_raw(b, "{");
        jb_key(b, 3, &first, "severity");
        jb_str(b, nst_severity_name(nst_diag_severity(d)));
        jb_key(b, 3, &first, "code");
        jb_str(b, nst_diag_code(d));
        jb_key(b, 3, &first, "message");
        jb_str(b, nst_diag_message(d));
        if (nst_diag_file(d)) {
            jb_key(b, 3, &first, "file");
            jb_str(b, nst_diag_file(d));
            jb_key(b, 3, &first, "line");
            jb_fmt(b, "%u", nst_diag_line(d));
        }
        if (nst_diag_path(d)) {
            jb_key(b, 3, &first, "path");
            jb_str(b, nst_diag_path(d));
        }
        if (nst_diag_device(d)) {
            jb_key(b, 3, &first, "device");
            jb_str(b, nst_diag_device(d));
        }
        jb_indent(b, 2);
        jb_raw(b, "}");
    }
    if (n) {
        jb_indent(b, 1);
    }
    jb_raw(b, "]");
}

static void
plan_build(struct jbuf *b, const struct nst_compiled *c)
{
    int first = 1;

    jb_raw(b, "{");
    jb_key(b, 1, &first, "netstitch");
    jb_str(b, nst_version());
    jb_key(b, 1, &first, "service");
    jb_str(b, c->svc->file);
    jb_key(b, 1, &first, "devices");
    plan_devices(b, c);
    jb_key(b, 1, &first, "connections");
    plan_connections(b, c);
    jb_key(b, 1, &first, "diagnostics");
    plan_diags(b, c);
    jb_raw(b, "\n}\n");
}

NST_API nst_err
nst_compiled_plan(const struct nst_compiled *c, char **json)
{
    struct jbuf b = {0};

    if (!c || !json) {
        return NST_EINVAL;
    }
    plan_build(&b, c);
    if (b.oom) {
        nst_free(b.p);
        return NST_ENOMEM;
    }
    *json = b.p;
    return NST_OK;
}

/* --- the output directory --- */

/* Write @text to DIR/NAME whole: a temporary file, then rename. */
static nst_err
write_file(const char *dir, const char *name, const char *text)
{
    char *path = nst_asprintf("%s/%s", dir, name), *tmp = nst_asprintf("%s/.%s.tmp", dir, name);
    size_t len = strlen(text), off = 0;
    nst_err ret = NST_OK;
    int fd = -1;

    if (!path || !tmp) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
    if (rename(tmp, path)) {
        ret = NST_EIO;
    }

cleanup:
    if (fd >= 0) {
        close(fd);
    }
    if (ret && tmp) {
        unlink(tmp);
    }
    nst_free(path);
    nst_free(tmp);
    return ret;
}

/* DIR/plan.json, streamed (the same bytes as nst_compiled_plan()), written whole as
 * write_file() does. */
static nst_err
write_plan(const char *dir, const struct nst_compiled *c)
{
    char *path = nst_asprintf("%s/plan.json", dir), *tmp = nst_asprintf("%s/.plan.json.tmp", dir);
    struct jbuf b = {0};
    nst_err ret = NST_OK;
    int fd = -1;

    if (!path || !tmp) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        ret = NST_EIO;
        goto cleanup;
    }
    b.f = fdopen(fd, "w");
    if (!b.f) {
        ret = errno == ENOMEM ? NST_ENOMEM : NST_EIO;
        goto cleanup;
    }
    fd = -1;
    plan_build(&b, c);
    ret = b.oom ? NST_ENOMEM : NST_OK;
    if ((fclose(b.f) || b.ioerr) && !ret) {
        ret = NST_EIO;
    }
    b.f = NULL;
    if (!ret && rename(tmp, path)) {
        ret = NST_EIO;
    }

cleanup:
    if (fd >= 0) {
        close(fd);
    }
    if (b.f) {
        fclose(b.f);
    }
    if (ret && tmp) {
        unlink(tmp);
    }
    nst_free(path);
    nst_free(tmp);
    return ret;
}

NST_API nst_err
nst_compiled_write(const struct nst_compiled *c, const char *dir)
{
    char *f = NULL;
    size_t i;
    nst_err ret;

    if (!c || !dir || !*dir) {
        return NST_EINVAL;
    }
    if (mkdir(dir, 0777) && errno != EEXIST) {
        return NST_EIO;
    }
    for (i = 0; i < c->ndevices; i++) {
        const struct compiled_device *d = &c->devices[i];

        if (d->pending) {
            continue;
        }
        f = device_file(d->name, ".xml");
        ret = f ? write_file(dir, f, d->payload) : NST_ENOMEM;
        nst_free(f);
        if (ret) {
            return ret;
        }
        f = device_file(d->name, ".cli");
        ret = f ? write_file(dir, f, d->cli) : NST_ENOMEM;
        nst_free(f);
        if (ret) {
            return ret;
        }
    }
    return write_plan(dir, c);
}
