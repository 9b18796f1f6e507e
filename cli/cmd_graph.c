/*
 * cmd_graph.c: `netstitch graph [--connection NAME] [--format dot|json] [-o FILE]
 *              [--svg FILE] SERVICE`
 *
 * The picture an operator draws on a whiteboard before a build-out, as Graphviz DOT:
 * one box per router (name, vendor, role, ASN, the stitch points it does), grouped in a
 * frame per site; external ends (a gateway node, a cloud's DX gateway) as dashed ovals
 * in their site's frame; one line per segment, labelled with its name, its owner and
 * fixed MTU or bandwidth, and for every hop that uses it the tags on the wire, the frame
 * size against the segment's limit and the largest IP MTU it carries; the port and its
 * MTU (with the planned change) at each end of the line. A segment that fails the check
 * (a frame larger than its fixed limit, or any error diagnostic on one of its hops) is
 * drawn red, a device with an error diagnostic gets a red frame, and the title line says
 * what the whole path carries. The service is checked first, but drawn whatever the
 * check finds: the broken picture is the one worth looking at.
 *
 * A connection that is a leg of a redundant pair (netstitch-redundancy) is named with its
 * role wherever it appears: "er-primary [primary of er]" in the hop lines and the title,
 * and a secondary leg's own segments are drawn dashed. A multipoint VPN (netstitch-
 * multipoint) is a hexagon in the middle of its attachment circuits: one line from the VPN
 * to each circuit's PE, labelled with the circuit, its site, port and tags (the hub's line
 * bold in hub-and-spoke), and the title says what the worst pair of sites carries.
 *
 * --svg FILE pipes the DOT through Graphviz's `dot` (NETSTITCH_DOT names another
 * binary); --format json prints the same facts as one JSON document instead of DOT.
 * Everything comes from the public API: nst_service_item_* (compiler/query.c) and the
 * diagnostics.
 *
 * Exit status: 0 drawn (whatever the check found), 1 the service cannot be loaded (no
 * picture), 2 usage, I/O or dot failure.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

struct graph {
    struct nst_service *svc;
    struct nst_ctx *ctx;
    const char *only; /* --connection, or NULL for every connection */
    const char *file; /* the service's file name */
};

/* A label being built: lines joined by DOT's "\n", each line escaped. */
struct label {
    char *s;
    size_t len, cap;
    int oom;
};

static const char *
txt(const struct graph *g, enum nst_item kind, size_t i, enum nst_field f)
{
    return nst_service_item_text(g->svc, kind, i, f);
}

static uint64_t
num(const struct graph *g, enum nst_item kind, size_t i, enum nst_field f)
{
    return nst_service_item_number(g->svc, kind, i, f);
}

static int
streq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

static void
lb_put(struct label *lb, const char *s, size_t n)
{
    if (lb->oom) {
        return;
    }
    if (lb->len + n + 1 > lb->cap) {
        size_t cap = (lb->len + n + 1) * 2;
        char *p = realloc(lb->s, cap);

        if (!p) {
            lb->oom = 1;
            return;
        }
        lb->s = p;
        lb->cap = cap;
    }
    memcpy(lb->s + lb->len, s, n);
    lb->len += n;
    lb->s[lb->len] = '\0';
}

/* Append one line (printf format), escaped for a DOT quoted string. */
static void __attribute__((format(printf, 2, 3))) lb_line(struct label *lb, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    const char *p;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (lb->len) {
        lb_put(lb, "\\n", 2);
    }
    for (p = buf; *p; p++) {
        if (*p == '"' || *p == '\\') {
            lb_put(lb, "\\", 1);
            lb_put(lb, p, 1);
        } else if (*p == '\n' || *p == '\r') {
            lb_put(lb, " ", 1);
        } else {
            lb_put(lb, p, 1);
        }
    }
}

static const char *
lb_str(const struct label *lb)
{
    return lb->s && !lb->oom ? lb->s : "";
}

static void
lb_free(struct label *lb)
{
    free(lb->s);
    memset(lb, 0, sizeof *lb);
}

/* Print a built label, already escaped, as a DOT quoted string. */
static void
dot_label(FILE *out, const struct label *lb)
{
    fprintf(out, "\"%s\"", lb_str(lb));
}

/* Node ids: "dev:NAME" for a device, "ext:SITE:NODE" for an external end. */
static void
dot_dev_id(FILE *out, const char *dev)
{
    fputs("\"dev:", out);
    for (; *dev; dev++) {
        if (*dev == '"' || *dev == '\\') {
            fputc('\\', out);
        }
        fputc(*dev, out);
    }
    fputc('"', out);
}

static void
dot_ext_id(FILE *out, const char *site, const char *node)
{
    const char *parts[2] = {site ? site : "", node ? node : ""};

    fputs("\"ext:", out);
    for (int k = 0; k < 2; k++) {
        for (const char *p = parts[k]; *p; p++) {
            if (*p == '"' || *p == '\\') {
                fputc('\\', out);
            }
            fputc(*p, out);
        }
        if (!k) {
            fputc(':', out);
        }
    }
    fputc('"', out);
}

static const char *
bw_str(uint64_t kbps, char *buf, size_t len)
{
    static const char *units[] = {"kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"};
    uint64_t div = 1;
    int u = 0;

    while (u < 3 && kbps >= div * 1000) {
        div *= 1000;
        u++;
    }
    if (kbps % div == 0) {
        snprintf(buf, len, "%llu %s", (unsigned long long)(kbps / div), units[u]);
    } else {
        snprintf(buf, len, "%.1f %s", (double)kbps / (double)div, units[u]);
    }
    return buf;
}

/* The tags of hop @h as the checker words them: "dot1q 2101", "QinQ 0x88a8 3100/2101". */
static const char *
encap_str(const struct graph *g, size_t h, char *buf, size_t len)
{
    const char *kind = txt(g, NST_ITEM_HOP, h, NST_FIELD_ENCAPSULATION);
    unsigned outer = (unsigned)num(g, NST_ITEM_HOP, h, NST_FIELD_OUTER_TAG);
    unsigned inner = (unsigned)num(g, NST_ITEM_HOP, h, NST_FIELD_INNER_TAG);
    unsigned tpid = (unsigned)num(g, NST_ITEM_HOP, h, NST_FIELD_TPID);

    if (streq(kind, "dot1q")) {
        if (tpid == 0x8100 || !tpid) {
            snprintf(buf, len, "dot1q %u", outer);
        } else {
            snprintf(buf, len, "dot1q 0x%04x %u", tpid, outer);
        }
    } else if (streq(kind, "qinq")) {
        snprintf(buf, len, "QinQ 0x%04x %u/%u", tpid, outer, inner);
    } else if (streq(kind, "vpls")) {
        snprintf(buf, len, "VPLS %s", txt(g, NST_ITEM_HOP, h, NST_FIELD_VPLS));
    } else {
        snprintf(buf, len, "untagged");
    }
    return buf;
}

static int
conn_wanted(const struct graph *g, const char *conn)
{
    return !g->only || streq(g->only, conn);
}

/* Connection @conn's name with its redundant-pair role, "c [primary of g]", into @buf. */
static const char *
conn_tag(const struct graph *g, const char *conn, char *buf, size_t len)
{
    size_t i, n = nst_service_item_count(g->svc, NST_ITEM_CONNECTION);

    snprintf(buf, len, "%s", conn ? conn : "");
    for (i = 0; i < n; i++) {
        const char *role = txt(g, NST_ITEM_CONNECTION, i, NST_FIELD_REDUNDANCY_ROLE);

        if (role && streq(txt(g, NST_ITEM_CONNECTION, i, NST_FIELD_NAME), conn)) {
            snprintf(buf, len, "%s [%s of %s]", conn, role,
                     txt(g, NST_ITEM_CONNECTION, i, NST_FIELD_REDUNDANCY_GROUP));
        }
    }
    return buf;
}

/* Is segment @seg used only by secondary legs of redundant pairs (drawn dashed)? */
static int
segment_secondary_only(const struct graph *g, const char *seg)
{
    size_t i, k, n = nst_service_item_count(g->svc, NST_ITEM_HOP);
    size_t nc = nst_service_item_count(g->svc, NST_ITEM_CONNECTION);
    int any = 0;

    for (i = 0; i < n; i++) {
        const char *conn = txt(g, NST_ITEM_HOP, i, NST_FIELD_CONNECTION);
        const char *role = NULL;

        if (!streq(txt(g, NST_ITEM_HOP, i, NST_FIELD_SEGMENT), seg)) {
            continue;
        }
        for (k = 0; k < nc; k++) {
            if (streq(txt(g, NST_ITEM_CONNECTION, k, NST_FIELD_NAME), conn)) {
                role = txt(g, NST_ITEM_CONNECTION, k, NST_FIELD_REDUNDANCY_ROLE);
            }
        }
        if (!streq(role, "secondary")) {
            return 0;
        }
        any = 1;
    }
    return any;
}

/* The tags of attachment circuit @a: "dot1q 100", "QinQ 0x88a8 300/100", "QinQ bundle 300". */
static const char *
ac_encap_str(const struct graph *g, size_t a, char *buf, size_t len)
{
    const char *kind = txt(g, NST_ITEM_ATTACHMENT, a, NST_FIELD_ENCAPSULATION);
    unsigned outer = (unsigned)num(g, NST_ITEM_ATTACHMENT, a, NST_FIELD_OUTER_TAG);
    unsigned inner = (unsigned)num(g, NST_ITEM_ATTACHMENT, a, NST_FIELD_INNER_TAG);
    unsigned tpid = (unsigned)num(g, NST_ITEM_ATTACHMENT, a, NST_FIELD_TPID);

    if (streq(kind, "dot1q")) {
        snprintf(buf, len, "dot1q %u", outer);
    } else if (streq(kind, "qinq")) {
        snprintf(buf, len, "QinQ 0x%04x %u/%u", tpid, outer, inner);
    } else if (streq(kind, "qinq-bundle")) {
        snprintf(buf, len, "QinQ bundle 0x%04x %u", tpid, outer);
    } else {
        snprintf(buf, len, "untagged");
    }
    return buf;
}

/* Does a wanted multipoint VPN have an attachment circuit on @dev? */
static int
mp_device(const struct graph *g, const char *dev)
{
    size_t i, n = nst_service_item_count(g->svc, NST_ITEM_ATTACHMENT);

    for (i = 0; i < n; i++) {
        if (streq(txt(g, NST_ITEM_ATTACHMENT, i, NST_FIELD_DEVICE), dev) &&
            conn_wanted(g, txt(g, NST_ITEM_ATTACHMENT, i, NST_FIELD_MULTIPOINT))) {
            return 1;
        }
    }
    return 0;
}

/* Index of hop @seq of connection @conn, or (size_t)-1. */
static size_t
hop_index(const struct graph *g, const char *conn, uint64_t seq)
{
    size_t i, n = nst_service_item_count(g->svc, NST_ITEM_HOP);

    for (i = 0; i < n; i++) {
        if (streq(txt(g, NST_ITEM_HOP, i, NST_FIELD_CONNECTION), conn) &&
            num(g, NST_ITEM_HOP, i, NST_FIELD_SEQ) == seq) {
            return i;
        }
    }
    return (size_t)-1;
}

/* Index of segment @name, or (size_t)-1. */
static size_t
segment_index(const struct graph *g, const char *name)
{
    size_t i, n = nst_service_item_count(g->svc, NST_ITEM_SEGMENT);

    for (i = 0; i < n; i++) {
        if (streq(txt(g, NST_ITEM_SEGMENT, i, NST_FIELD_NAME), name)) {
            return i;
        }
    }
    return (size_t)-1;
}

/* Index of the port @port of device @dev, or (size_t)-1. */
static size_t
port_index(const struct graph *g, const char *dev, const char *port)
{
    size_t i, n = nst_service_item_count(g->svc, NST_ITEM_PORT);

    for (i = 0; i < n; i++) {
        if (streq(txt(g, NST_ITEM_PORT, i, NST_FIELD_DEVICE), dev) &&
            streq(txt(g, NST_ITEM_PORT, i, NST_FIELD_NAME), port)) {
            return i;
        }
    }
    return (size_t)-1;
}

/* What segment @s carries: its fixed bandwidth or its slower port, as the checker
 * finds the bottleneck; 0 when nothing is known. */
static uint64_t
segment_bandwidth(const struct graph *g, size_t s)
{
    static const enum nst_field df[2] = {NST_FIELD_A_DEVICE, NST_FIELD_B_DEVICE};
    static const enum nst_field pf[2] = {NST_FIELD_A_PORT, NST_FIELD_B_PORT};
    uint64_t bw = num(g, NST_ITEM_SEGMENT, s, NST_FIELD_BANDWIDTH);

    for (int e = 0; e < 2; e++) {
        const char *dev = txt(g, NST_ITEM_SEGMENT, s, df[e]);
        size_t p = dev ? port_index(g, dev, txt(g, NST_ITEM_SEGMENT, s, pf[e])) : (size_t)-1;
        uint64_t pbw = p == (size_t)-1 ? 0 : num(g, NST_ITEM_PORT, p, NST_FIELD_BANDWIDTH);

        if (pbw && (!bw || pbw < bw)) {
            bw = pbw;
        }
    }
    return bw;
}

/* A hop of a wanted connection uses segment @seg. */
static int
segment_used(const struct graph *g, const char *seg)
{
    size_t i, n = nst_service_item_count(g->svc, NST_ITEM_HOP);

    for (i = 0; i < n; i++) {
        if (streq(txt(g, NST_ITEM_HOP, i, NST_FIELD_SEGMENT), seg) &&
            conn_wanted(g, txt(g, NST_ITEM_HOP, i, NST_FIELD_CONNECTION))) {
            return 1;
        }
    }
    return 0;
}

/* Segment @s is drawn: every segment, or with --connection those on its hops. */
static int
segment_drawn(const struct graph *g, size_t s)
{
    return !g->only || segment_used(g, txt(g, NST_ITEM_SEGMENT, s, NST_FIELD_NAME));
}

/* Device @dev is drawn: it ends a drawn segment, or stitches a wanted connection. */
static int
device_drawn(const struct graph *g, const char *dev)
{
    size_t i, n = nst_service_item_count(g->svc, NST_ITEM_SEGMENT);

    if (!g->only || mp_device(g, dev)) {
        return 1;
    }
    for (i = 0; i < n; i++) {
        if (segment_drawn(g, i) && (streq(txt(g, NST_ITEM_SEGMENT, i, NST_FIELD_A_DEVICE), dev) ||
                                    streq(txt(g, NST_ITEM_SEGMENT, i, NST_FIELD_B_DEVICE), dev))) {
            return 1;
        }
    }
    n = nst_service_item_count(g->svc, NST_ITEM_STITCH);
    for (i = 0; i < n; i++) {
        if (streq(txt(g, NST_ITEM_STITCH, i, NST_FIELD_DEVICE), dev) &&
            conn_wanted(g, txt(g, NST_ITEM_STITCH, i, NST_FIELD_CONNECTION))) {
            return 1;
        }
    }
    return 0;
}

/*
 * Diagnostics of @sev on a hop: the path names the connection and the hop, e.g.
 * /netstitch-intercloud:intercloud/connection[name='c']/hop[seq='6'] (and deeper).
 * Counts those on hop @seq of @conn and copies the first code into @code.
 */
static size_t
hop_diags(const struct graph *g, const char *conn, uint64_t seq, enum nst_severity sev,
          const char **code)
{
    size_t i, n = nst_diag_count(g->ctx), hits = 0;
    char want[512];

    snprintf(want, sizeof want, "/connection[name='%s']/hop[seq='%llu']", conn,
             (unsigned long long)seq);
    for (i = 0; i < n; i++) {
        const struct nst_diag *d = nst_diag_get(g->ctx, i);
        const char *path = nst_diag_path(d);
        const char *at = path ? strstr(path, want) : NULL;

        if (nst_diag_severity(d) != sev || !at) {
            continue;
        }
        at += strlen(want);
        if (*at && *at != '/') {
            continue;
        }
        if (!hits++) {
            *code = nst_diag_code(d);
        }
    }
    return hits;
}

/* Error diagnostics about device @dev; the first code into @code. */
static size_t
device_errors(const struct graph *g, const char *dev, const char **code)
{
    size_t i, n = nst_diag_count(g->ctx), hits = 0;

    for (i = 0; i < n; i++) {
        const struct nst_diag *d = nst_diag_get(g->ctx, i);

        if (nst_diag_severity(d) == NST_SEV_ERROR && streq(nst_diag_device(d), dev)) {
            if (!hits++) {
                *code = nst_diag_code(d);
            }
        }
    }
    return hits;
}

/* One router: name, vendor and role, site and ASN, and the stitches it does. */
static void
graph_device(FILE *out, const struct graph *g, size_t d, const char *indent)
{
    const char *name = txt(g, NST_ITEM_DEVICE, d, NST_FIELD_NAME);
    const char *vendor = txt(g, NST_ITEM_DEVICE, d, NST_FIELD_VENDOR);
    const char *driver = txt(g, NST_ITEM_DEVICE, d, NST_FIELD_DRIVER);
    const char *code = NULL;
    uint64_t asn = num(g, NST_ITEM_DEVICE, d, NST_FIELD_ASN);
    size_t i, n = nst_service_item_count(g->svc, NST_ITEM_STITCH), stitches = 0, errors;
    struct label lb = {0};
    char b1[64], b2[64];

    lb_line(&lb, "%s", name);
    if (driver && !streq(driver, vendor)) {
        lb_line(&lb, "%s (%s) - %s", vendor, driver, txt(g, NST_ITEM_DEVICE, d, NST_FIELD_ROLE));
    } else {
        lb_line(&lb, "%s - %s", vendor, txt(g, NST_ITEM_DEVICE, d, NST_FIELD_ROLE));
    }
    if (asn) {
        lb_line(&lb, "AS%llu", (unsigned long long)asn);
    }
    for (i = 0; i < n; i++) {
        const char *conn = txt(g, NST_ITEM_STITCH, i, NST_FIELD_CONNECTION);
        uint64_t from = num(g, NST_ITEM_STITCH, i, NST_FIELD_FROM_HOP);
        uint64_t to = num(g, NST_ITEM_STITCH, i, NST_FIELD_TO_HOP);
        size_t hf = hop_index(g, conn, from), ht = hop_index(g, conn, to);

        if (!streq(txt(g, NST_ITEM_STITCH, i, NST_FIELD_DEVICE), name) || !conn_wanted(g, conn)) {
            continue;
        }
        stitches++;
        lb_line(&lb, "stitch %s hop %llu -> %llu (%s)", conn, (unsigned long long)from,
                (unsigned long long)to, txt(g, NST_ITEM_STITCH, i, NST_FIELD_KIND));
        if (hf != (size_t)-1 && ht != (size_t)-1) {
            lb_line(&lb, "%s -> %s", encap_str(g, hf, b1, sizeof b1),
                    encap_str(g, ht, b2, sizeof b2));
        }
    }
    errors = device_errors(g, name, &code);
    if (errors) {
        lb_line(&lb, "ERROR %s%s", code, errors > 1 ? " (and more)" : "");
    }
    fprintf(out, "%s", indent);
    dot_dev_id(out, name);
    fprintf(out, " [label=");
    dot_label(out, &lb);
    if (stitches) {
        fprintf(out, ", style=\"rounded,filled\", fillcolor=\"#fff2b3\", peripheries=2");
    }
    if (errors) {
        fprintf(out, ", color=\"#d62728\", penwidth=2.5");
    }
    fprintf(out, "];\n");
    lb_free(&lb);
}

/* An external end: a site's node that netstitch does not configure. */
static void
graph_ext(FILE *out, const char *site, const char *node, const char *indent)
{
    struct label lb = {0};

    lb_line(&lb, "%s", node ? node : "?");
    lb_line(&lb, "(%s, not configured)", site ? site : "?");
    fprintf(out, "%s", indent);
    dot_ext_id(out, site, node);
    fprintf(out, " [shape=ellipse, style=dashed, label=");
    dot_label(out, &lb);
    fprintf(out, "];\n");
    lb_free(&lb);
}

/* External ends of drawn segments in @site, each once. */
static void
graph_site_exts(FILE *out, const struct graph *g, const char *site, const char *indent)
{
    size_t i, j, n = nst_service_item_count(g->svc, NST_ITEM_SEGMENT);
    static const enum nst_field sf[2] = {NST_FIELD_A_SITE, NST_FIELD_B_SITE};
    static const enum nst_field nf[2] = {NST_FIELD_A_NODE, NST_FIELD_B_NODE};

    for (i = 0; i < n; i++) {
        for (int e = 0; e < 2; e++) {
            const char *node = txt(g, NST_ITEM_SEGMENT, i, nf[e]);
            int seen = 0;

            if (!segment_drawn(g, i) || !streq(txt(g, NST_ITEM_SEGMENT, i, sf[e]), site)) {
                continue;
            }
            /* Drawn already by an earlier segment end? */
            for (j = 0; j <= i && !seen; j++) {
                for (int f = 0; f < 2 && !seen; f++) {
                    if ((j < i || f < e) && segment_drawn(g, j) &&
                        streq(txt(g, NST_ITEM_SEGMENT, j, sf[f]), site) &&
                        streq(txt(g, NST_ITEM_SEGMENT, j, nf[f]), node)) {
                        seen = 1;
                    }
                }
            }
            if (!seen) {
                graph_ext(out, site, node, indent);
            }
        }
    }
}

/* The port label at one end of a segment: name and MTU, with the planned change. */
static void
port_label(const struct graph *g, const char *dev, const char *port, struct label *lb)
{
    size_t p = port_index(g, dev, port);
    uint64_t mtu, planned, needed, max;

    lb_line(lb, "%s", port);
    if (p == (size_t)-1) {
        return;
    }
    mtu = num(g, NST_ITEM_PORT, p, NST_FIELD_MTU);
    planned = num(g, NST_ITEM_PORT, p, NST_FIELD_MTU_PLANNED);
    needed = num(g, NST_ITEM_PORT, p, NST_FIELD_MTU_NEEDED);
    max = num(g, NST_ITEM_PORT, p, NST_FIELD_MAX_MTU);
    if (planned) {
        lb_line(lb, "MTU %llu -> %llu", (unsigned long long)mtu, (unsigned long long)planned);
    } else if (needed > mtu) {
        lb_line(lb, "MTU %llu, needs %llu > max %llu", (unsigned long long)mtu,
                (unsigned long long)needed, (unsigned long long)(max > mtu ? max : mtu));
    } else {
        lb_line(lb, "MTU %llu", (unsigned long long)mtu);
    }
}

/*
 * One segment: a line between its two ends, labelled with what it is and, for every hop
 * on it, the tags and the MTU budget. Returns 1 when it fails the check.
 */
static int
graph_segment(FILE *out, const struct graph *g, size_t s)
{
    static const enum nst_field df[2] = {NST_FIELD_A_DEVICE, NST_FIELD_B_DEVICE};
    static const enum nst_field pf[2] = {NST_FIELD_A_PORT, NST_FIELD_B_PORT};
    static const enum nst_field sf[2] = {NST_FIELD_A_SITE, NST_FIELD_B_SITE};
    static const enum nst_field nf[2] = {NST_FIELD_A_NODE, NST_FIELD_B_NODE};
    const char *name = txt(g, NST_ITEM_SEGMENT, s, NST_FIELD_NAME);
    const char *owner = txt(g, NST_ITEM_SEGMENT, s, NST_FIELD_OWNER);
    const char *kind = txt(g, NST_ITEM_SEGMENT, s, NST_FIELD_KIND);
    uint64_t mtu = num(g, NST_ITEM_SEGMENT, s, NST_FIELD_MTU);
    uint64_t bw = num(g, NST_ITEM_SEGMENT, s, NST_FIELD_BANDWIDTH);
    size_t h, nh = nst_service_item_count(g->svc, NST_ITEM_HOP), hops = 0;
    int fails = 0, warns = 0;
    struct label lb = {0}, ends[2] = {{0}};
    char b1[64], ctag[256];

    lb_line(&lb, "%s%s", name, streq(kind, "mpls-core") ? " (MPLS core)" : "");
    if (owner) {
        char fixed[160] = "";

        if (mtu) {
            snprintf(fixed, sizeof fixed, ", fixed MTU %llu%s", (unsigned long long)mtu,
                     streq(txt(g, NST_ITEM_SEGMENT, s, NST_FIELD_MTU_MEANING), "ip") ? " (IP)"
                                                                                     : "");
        }
        if (bw) {
            size_t l = strlen(fixed);

            snprintf(fixed + l, sizeof fixed - l, ", %s", bw_str(bw, b1, sizeof b1));
        }
        lb_line(&lb, "owned by %s%s", owner, fixed);
    }
    /* Routed segments: their link subnets, IPv4 and IPv6. */
    if (txt(g, NST_ITEM_SEGMENT, s, NST_FIELD_SUBNET) ||
        txt(g, NST_ITEM_SEGMENT, s, NST_FIELD_IPV6_SUBNET)) {
        const char *v4 = txt(g, NST_ITEM_SEGMENT, s, NST_FIELD_SUBNET);
        const char *v6 = txt(g, NST_ITEM_SEGMENT, s, NST_FIELD_IPV6_SUBNET);

        lb_line(&lb, "subnet %s%s%s", v4 ? v4 : "", v4 && v6 ? ", " : "", v6 ? v6 : "");
    }
    for (h = 0; h < nh; h++) {
        const char *conn = txt(g, NST_ITEM_HOP, h, NST_FIELD_CONNECTION);
        uint64_t seq = num(g, NST_ITEM_HOP, h, NST_FIELD_SEQ);
        uint64_t frame = num(g, NST_ITEM_HOP, h, NST_FIELD_FRAME);
        uint64_t limit = num(g, NST_ITEM_HOP, h, NST_FIELD_FRAME_LIMIT);
        uint64_t max_ip = num(g, NST_ITEM_HOP, h, NST_FIELD_MAX_IP_MTU);
        const char *code = NULL;
        int vpls = streq(txt(g, NST_ITEM_HOP, h, NST_FIELD_ENCAPSULATION), "vpls");
        size_t errs, w;

        if (!streq(txt(g, NST_ITEM_HOP, h, NST_FIELD_SEGMENT), name) || !conn_wanted(g, conn)) {
            continue;
        }
        hops++;
        lb_line(&lb, "%s hop %llu: %s", conn_tag(g, conn, ctag, sizeof ctag),
                (unsigned long long)seq, encap_str(g, h, b1, sizeof b1));
        if (limit && frame > limit) {
            fails = 1;
            lb_line(&lb, "frame %llu > limit %llu: FAILS, IP MTU at most %llu",
                    (unsigned long long)frame, (unsigned long long)limit,
                    (unsigned long long)max_ip);
        } else if (limit) {
            lb_line(&lb, "frame %llu <= limit %llu, IP MTU up to %llu", (unsigned long long)frame,
                    (unsigned long long)limit, (unsigned long long)max_ip);
        } else if (frame) {
            lb_line(&lb, "%sframe %llu, IP MTU up to %llu", vpls ? "core " : "",
                    (unsigned long long)frame, (unsigned long long)max_ip);
        }
        errs = hop_diags(g, conn, seq, NST_SEV_ERROR, &code);
        if (errs) {
            fails = 1;
            lb_line(&lb, "ERROR %s%s", code, errs > 1 ? " (and more)" : "");
        }
        w = hop_diags(g, conn, seq, NST_SEV_WARNING, &code);
        if (w) {
            warns = 1;
            lb_line(&lb, "warning %s%s", code, w > 1 ? " (and more)" : "");
        }
    }
    if (!hops) {
        lb_line(&lb, "(no hop uses it)");
    }
    for (int e = 0; e < 2; e++) {
        const char *dev = txt(g, NST_ITEM_SEGMENT, s, df[e]);

        if (dev) {
            port_label(g, dev, txt(g, NST_ITEM_SEGMENT, s, pf[e]), &ends[e]);
        }
    }
    fprintf(out, "  ");
    for (int e = 0; e < 2; e++) {
        const char *dev = txt(g, NST_ITEM_SEGMENT, s, df[e]);

        if (e) {
            fprintf(out, " -- ");
        }
        if (dev) {
            dot_dev_id(out, dev);
        } else {
            dot_ext_id(out, txt(g, NST_ITEM_SEGMENT, s, sf[e]), txt(g, NST_ITEM_SEGMENT, s, nf[e]));
        }
    }
    fprintf(out, " [label=");
    dot_label(out, &lb);
    if (ends[0].len) {
        fprintf(out, ", taillabel=");
        dot_label(out, &ends[0]);
    }
    if (ends[1].len) {
        fprintf(out, ", headlabel=");
        dot_label(out, &ends[1]);
    }
    if (fails) {
        fprintf(out, ", color=\"#d62728\", fontcolor=\"#d62728\", penwidth=3");
    } else if (warns) {
        fprintf(out, ", color=\"#ff7f0e\", penwidth=2");
    } else if (streq(kind, "mpls-core")) {
        fprintf(out, ", color=\"#1f4e9a:#1f4e9a\", penwidth=1.5");
    }
    if (!hops) {
        fprintf(out, ", style=dotted");
    } else if (segment_secondary_only(g, name)) {
        fprintf(out, ", style=dashed"); /* a secondary leg's own segment */
    } else if (owner) {
        fprintf(out, ", style=bold");
    }
    fprintf(out, "];\n");
    lb_free(&lb);
    lb_free(&ends[0]);
    lb_free(&ends[1]);
    return fails;
}

/* The title: the file and, per connection, what the whole path carries. */
static void
graph_title(FILE *out, const struct graph *g)
{
    size_t i, n = nst_service_item_count(g->svc, NST_ITEM_CONNECTION);
    struct label lb = {0};
    char b1[64], ctag[256];

    lb_line(&lb, "netstitch graph: %s", g->file);
    for (i = 0; i < n; i++) {
        const char *conn = txt(g, NST_ITEM_CONNECTION, i, NST_FIELD_NAME);
        uint64_t ip = num(g, NST_ITEM_CONNECTION, i, NST_FIELD_IP_MTU);
        uint64_t max = num(g, NST_ITEM_CONNECTION, i, NST_FIELD_MAX_IP_MTU);
        uint64_t bn = num(g, NST_ITEM_CONNECTION, i, NST_FIELD_BOTTLENECK_HOP);
        char tail[160] = "";

        if (!conn_wanted(g, conn)) {
            continue;
        }
        if (bn) {
            size_t h = hop_index(g, conn, bn);
            const char *seg = h == (size_t)-1 ? NULL : txt(g, NST_ITEM_HOP, h, NST_FIELD_SEGMENT);
            size_t s = seg ? segment_index(g, seg) : (size_t)-1;
            uint64_t bw = s == (size_t)-1 ? 0 : segment_bandwidth(g, s);

            if (seg && bw) {
                snprintf(tail, sizeof tail, "; bottleneck hop %llu (%s) at %s",
                         (unsigned long long)bn, seg, bw_str(bw, b1, sizeof b1));
            } else if (seg) {
                snprintf(tail, sizeof tail, "; bottleneck hop %llu (%s)", (unsigned long long)bn,
                         seg);
            }
        }
        conn_tag(g, conn, ctag, sizeof ctag);
        if (max && max < ip) {
            lb_line(&lb, "%s: IP MTU %llu requested, the path carries at most %llu - FAILS%s", ctag,
                    (unsigned long long)ip, (unsigned long long)max, tail);
        } else {
            lb_line(&lb, "%s: IP MTU %llu end to end%s", ctag, (unsigned long long)ip, tail);
        }
    }
    n = nst_service_item_count(g->svc, NST_ITEM_MULTIPOINT);
    for (i = 0; i < n; i++) {
        const char *mp = txt(g, NST_ITEM_MULTIPOINT, i, NST_FIELD_NAME);
        uint64_t ip = num(g, NST_ITEM_MULTIPOINT, i, NST_FIELD_IP_MTU);
        uint64_t worst = num(g, NST_ITEM_MULTIPOINT, i, NST_FIELD_MAX_IP_MTU);

        if (!conn_wanted(g, mp)) {
            continue;
        }
        if (worst && worst < ip) {
            lb_line(&lb,
                    "%s: multipoint, IP MTU %llu requested, the worst pair of sites carries %llu - "
                    "FAILS",
                    mp, (unsigned long long)ip, (unsigned long long)worst);
        } else {
            lb_line(&lb, "%s: multipoint, IP MTU %llu between every pair of sites%s", mp,
                    (unsigned long long)ip, worst ? "" : " (not computed)");
        }
    }
    fprintf(out, "  label=");
    dot_label(out, &lb);
    fprintf(out, ";\n");
    lb_free(&lb);
}

/* Multipoint VPNs: a hexagon per VPN, a line to each attachment circuit's PE. */
static void
graph_multipoints(FILE *out, const struct graph *g)
{
    size_t i, a, n = nst_service_item_count(g->svc, NST_ITEM_MULTIPOINT);
    size_t na = nst_service_item_count(g->svc, NST_ITEM_ATTACHMENT);
    char b1[64];

    for (i = 0; i < n; i++) {
        const char *mp = txt(g, NST_ITEM_MULTIPOINT, i, NST_FIELD_NAME);
        const char *sig = txt(g, NST_ITEM_MULTIPOINT, i, NST_FIELD_SIGNALLING);
        uint64_t ip = num(g, NST_ITEM_MULTIPOINT, i, NST_FIELD_IP_MTU);
        uint64_t worst = num(g, NST_ITEM_MULTIPOINT, i, NST_FIELD_MAX_IP_MTU);
        struct label lb = {0};
        int fails = worst && worst < ip;

        if (!conn_wanted(g, mp)) {
            continue;
        }
        lb_line(&lb, "VPN %s", mp);
        lb_line(&lb, "%s, %s", txt(g, NST_ITEM_MULTIPOINT, i, NST_FIELD_KIND),
                streq(sig, "bgp")     ? "BGP auto-discovery"
                : streq(sig, "l3vpn") ? "routed (BGP/MPLS IP VPN)"
                                      : "LDP");
        lb_line(&lb, "IP MTU %llu; worst pair %llu%s", (unsigned long long)ip,
                (unsigned long long)worst, fails ? " - FAILS" : "");
        fprintf(out, "  \"mp:%s\" [shape=hexagon, style=filled, fillcolor=\"%s\", label=", mp,
                fails ? "#f7c6c7" : "#dbe9f7");
        dot_label(out, &lb);
        fprintf(out, "];\n");
        lb_free(&lb);
        for (a = 0; a < na; a++) {
            const char *dev = txt(g, NST_ITEM_ATTACHMENT, a, NST_FIELD_DEVICE);
            const char *role = txt(g, NST_ITEM_ATTACHMENT, a, NST_FIELD_ROLE);

            if (!streq(txt(g, NST_ITEM_ATTACHMENT, a, NST_FIELD_MULTIPOINT), mp) || !dev) {
                continue;
            }
            lb_line(&lb, "%s (site %s)%s", txt(g, NST_ITEM_ATTACHMENT, a, NST_FIELD_NAME),
                    txt(g, NST_ITEM_ATTACHMENT, a, NST_FIELD_SITE),
                    streq(role, "hub") ? ": HUB" : "");
            lb_line(&lb, "%s %s", txt(g, NST_ITEM_ATTACHMENT, a, NST_FIELD_PORT),
                    ac_encap_str(g, a, b1, sizeof b1));
            fprintf(out, "  \"mp:%s\" -- ", mp);
            dot_dev_id(out, dev);
            fprintf(out, " [label=");
            dot_label(out, &lb);
            fprintf(out, ", color=\"#6a3d9a\", fontcolor=\"#6a3d9a\"%s];\n",
                    streq(role, "hub") ? ", penwidth=3, style=bold" : "");
            lb_free(&lb);
        }
    }
}

/* The whole DOT document; returns the number of failing segments. */
static size_t
graph_dot(FILE *out, const struct graph *g)
{
    size_t i, j, nsites = nst_service_item_count(g->svc, NST_ITEM_SITE);
    size_t ndev = nst_service_item_count(g->svc, NST_ITEM_DEVICE);
    size_t nseg = nst_service_item_count(g->svc, NST_ITEM_SEGMENT);
    size_t nhop = nst_service_item_count(g->svc, NST_ITEM_HOP);
    size_t fails = 0;
    char *done;

    fprintf(out, "// netstitch graph %s (render: dot -Tsvg)\n", g->file);
    fprintf(out, "graph netstitch {\n");
    fprintf(out, "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=12, labelloc=t, "
                 "nodesep=0.6, ranksep=1.2];\n");
    fprintf(out, "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];\n");
    fprintf(out, "  edge [fontname=\"Helvetica\", fontsize=9, labelfontsize=8];\n");
    graph_title(out, g);

    /* Sites as frames, holding their routers and external ends. */
    for (i = 0; i < nsites; i++) {
        const char *site = txt(g, NST_ITEM_SITE, i, NST_FIELD_NAME);
        uint64_t asn = num(g, NST_ITEM_SITE, i, NST_FIELD_ASN);
        struct label lb = {0};
        int any = 0;

        for (j = 0; j < ndev; j++) {
            any |= streq(txt(g, NST_ITEM_DEVICE, j, NST_FIELD_SITE), site) &&
                   device_drawn(g, txt(g, NST_ITEM_DEVICE, j, NST_FIELD_NAME));
        }
        for (j = 0; j < nseg; j++) {
            any |= segment_drawn(g, j) &&
                   (streq(txt(g, NST_ITEM_SEGMENT, j, NST_FIELD_A_SITE), site) ||
                    streq(txt(g, NST_ITEM_SEGMENT, j, NST_FIELD_B_SITE), site));
        }
        if (!any) {
            continue;
        }
        if (asn) {
            lb_line(&lb, "%s (%s, AS%llu)", site, txt(g, NST_ITEM_SITE, i, NST_FIELD_KIND),
                    (unsigned long long)asn);
        } else {
            lb_line(&lb, "%s (%s)", site, txt(g, NST_ITEM_SITE, i, NST_FIELD_KIND));
        }
        fprintf(out, "  subgraph \"cluster_%zu\" {\n    label=", i);
        dot_label(out, &lb);
        fprintf(out,
                ";\n    style=\"rounded,dashed\"; color=\"#888888\"; labelloc=b; labeljust=r;\n");
        lb_free(&lb);
        for (j = 0; j < ndev; j++) {
            if (streq(txt(g, NST_ITEM_DEVICE, j, NST_FIELD_SITE), site) &&
                device_drawn(g, txt(g, NST_ITEM_DEVICE, j, NST_FIELD_NAME))) {
                graph_device(out, g, j, "    ");
            }
        }
        graph_site_exts(out, g, site, "    ");
        fprintf(out, "  }\n");
    }
    /* Routers without a site. */
    for (j = 0; j < ndev; j++) {
        if (!txt(g, NST_ITEM_DEVICE, j, NST_FIELD_SITE) &&
            device_drawn(g, txt(g, NST_ITEM_DEVICE, j, NST_FIELD_NAME))) {
            graph_device(out, g, j, "  ");
        }
    }

    graph_multipoints(out, g);

    /* Segments in path order (the layout follows the edges), then unused ones. */
    done = calloc(nseg ? nseg : 1, 1);
    if (!done) {
        return fails;
    }
    for (i = 0; i < nhop; i++) {
        size_t s = segment_index(g, txt(g, NST_ITEM_HOP, i, NST_FIELD_SEGMENT));

        if (s != (size_t)-1 && !done[s] && segment_drawn(g, s) &&
            conn_wanted(g, txt(g, NST_ITEM_HOP, i, NST_FIELD_CONNECTION))) {
            done[s] = 1;
            fails += (size_t)graph_segment(out, g, s);
        }
    }
    for (i = 0; i < nseg; i++) {
        if (!done[i] && segment_drawn(g, i)) {
            fails += (size_t)graph_segment(out, g, i);
        }
    }
    free(done);
    fprintf(out, "}\n");
    return fails;
}

/* --- --format json: the same facts, one document ------------------------------------ */

/* The JSON key of a field (the YANG-style names plan.json uses). */
static const char *
field_key(enum nst_field f)
{
    switch (f) {
    case NST_FIELD_NAME:
        return "name";
    case NST_FIELD_KIND:
        return "kind";
    case NST_FIELD_VENDOR:
        return "vendor";
    case NST_FIELD_PLATFORM:
        return "platform";
    case NST_FIELD_DRIVER:
        return "driver";
    case NST_FIELD_ROLE:
        return "role";
    case NST_FIELD_SITE:
        return "site";
    case NST_FIELD_DEVICE:
        return "device";
    case NST_FIELD_CONNECTION:
        return "connection";
    case NST_FIELD_SEGMENT:
        return "segment";
    case NST_FIELD_OWNER:
        return "owner";
    case NST_FIELD_MTU_MEANING:
        return "mtu-meaning";
    case NST_FIELD_ENCAPSULATION:
        return "encapsulation";
    case NST_FIELD_VPLS:
        return "vpls";
    case NST_FIELD_A_DEVICE:
        return "a-device";
    case NST_FIELD_A_PORT:
        return "a-port";
    case NST_FIELD_A_SITE:
        return "a-site";
    case NST_FIELD_A_NODE:
        return "a-node";
    case NST_FIELD_B_DEVICE:
        return "b-device";
    case NST_FIELD_B_PORT:
        return "b-port";
    case NST_FIELD_B_SITE:
        return "b-site";
    case NST_FIELD_B_NODE:
        return "b-node";
    case NST_FIELD_ASN:
        return "asn";
    case NST_FIELD_MTU:
        return "mtu";
    case NST_FIELD_MAX_MTU:
        return "max-mtu";
    case NST_FIELD_BANDWIDTH:
        return "bandwidth";
    case NST_FIELD_IP_MTU:
        return "ip-mtu";
    case NST_FIELD_SEQ:
        return "seq";
    case NST_FIELD_OUTER_TAG:
        return "outer-tag";
    case NST_FIELD_INNER_TAG:
        return "inner-tag";
    case NST_FIELD_TPID:
        return "tpid";
    case NST_FIELD_FROM_HOP:
        return "from-hop";
    case NST_FIELD_TO_HOP:
        return "to-hop";
    case NST_FIELD_FRAME:
        return "frame";
    case NST_FIELD_FRAME_LIMIT:
        return "frame-limit";
    case NST_FIELD_MAX_IP_MTU:
        return "max-ip-mtu";
    case NST_FIELD_A_MTU_NEEDED:
        return "a-mtu-needed";
    case NST_FIELD_B_MTU_NEEDED:
        return "b-mtu-needed";
    case NST_FIELD_MTU_NEEDED:
        return "mtu-needed";
    case NST_FIELD_MTU_PLANNED:
        return "mtu-planned";
    case NST_FIELD_BOTTLENECK_HOP:
        return "bottleneck-hop";
    case NST_FIELD_SUBNET:
        return "subnet";
    case NST_FIELD_IPV6_SUBNET:
        return "ipv6-subnet";
    case NST_FIELD_PORT:
        return "port";
    case NST_FIELD_MULTIPOINT:
        return "multipoint";
    case NST_FIELD_SIGNALLING:
        return "signalling";
    case NST_FIELD_REDUNDANCY_GROUP:
        return "redundancy-group";
    case NST_FIELD_REDUNDANCY_ROLE:
        return "redundancy-role";
    }
    return "?";
}

/* One list of items: text fields as strings (null when unset), numbers as numbers. */
static void
json_items(FILE *out, const struct graph *g, const char *key, enum nst_item kind,
           const enum nst_field *texts, size_t ntexts, const enum nst_field *nums, size_t nnums)
{
    size_t i, k, n = nst_service_item_count(g->svc, kind), shown = 0;

    fprintf(out, ",\n \"%s\": [", key);
    for (i = 0; i < n; i++) {
        if ((kind == NST_ITEM_HOP || kind == NST_ITEM_STITCH) &&
            !conn_wanted(g, txt(g, kind, i, NST_FIELD_CONNECTION))) {
            continue;
        }
        if ((kind == NST_ITEM_CONNECTION || kind == NST_ITEM_MULTIPOINT) &&
            !conn_wanted(g, txt(g, kind, i, NST_FIELD_NAME))) {
            continue;
        }
        if (kind == NST_ITEM_ATTACHMENT && !conn_wanted(g, txt(g, kind, i, NST_FIELD_MULTIPOINT))) {
            continue;
        }
        if (kind == NST_ITEM_SEGMENT && !segment_drawn(g, i)) {
            continue;
        }
        fprintf(out, "%s\n  {", shown++ ? "," : "");
        for (k = 0; k < ntexts; k++) {
            fprintf(out, "%s\"%s\": ", k ? ", " : "", field_key(texts[k]));
            cli_json_str(out, txt(g, kind, i, texts[k]));
        }
        for (k = 0; k < nnums; k++) {
            fprintf(out, "%s\"%s\": %llu", k || ntexts ? ", " : "", field_key(nums[k]),
                    (unsigned long long)num(g, kind, i, nums[k]));
        }
        if (kind == NST_ITEM_HOP) {
            uint64_t limit = num(g, kind, i, NST_FIELD_FRAME_LIMIT);

            fprintf(out, ", \"fails\": %s",
                    limit && num(g, kind, i, NST_FIELD_FRAME) > limit ? "true" : "false");
        }
        fputc('}', out);
    }
    fprintf(out, "%s]", shown ? "\n " : "");
}

static void
graph_json(FILE *out, const struct graph *g, int exit_code)
{
    static const enum nst_field site_t[] = {NST_FIELD_NAME, NST_FIELD_KIND};
    static const enum nst_field site_n[] = {NST_FIELD_ASN};
    static const enum nst_field dev_t[] = {NST_FIELD_NAME,   NST_FIELD_VENDOR, NST_FIELD_PLATFORM,
                                           NST_FIELD_DRIVER, NST_FIELD_ROLE,   NST_FIELD_SITE};
    static const enum nst_field dev_n[] = {NST_FIELD_ASN};
    static const enum nst_field port_t[] = {NST_FIELD_DEVICE, NST_FIELD_NAME,
                                            NST_FIELD_MTU_MEANING};
    static const enum nst_field port_n[] = {NST_FIELD_MTU, NST_FIELD_MAX_MTU, NST_FIELD_BANDWIDTH,
                                            NST_FIELD_MTU_NEEDED, NST_FIELD_MTU_PLANNED};
    static const enum nst_field seg_t[] = {
        NST_FIELD_NAME,     NST_FIELD_KIND,       NST_FIELD_OWNER,  NST_FIELD_MTU_MEANING,
        NST_FIELD_A_DEVICE, NST_FIELD_A_PORT,     NST_FIELD_A_SITE, NST_FIELD_A_NODE,
        NST_FIELD_B_DEVICE, NST_FIELD_B_PORT,     NST_FIELD_B_SITE, NST_FIELD_B_NODE,
        NST_FIELD_SUBNET,   NST_FIELD_IPV6_SUBNET};
    static const enum nst_field seg_n[] = {NST_FIELD_MTU, NST_FIELD_BANDWIDTH};
    static const enum nst_field conn_t[] = {NST_FIELD_NAME, NST_FIELD_REDUNDANCY_GROUP,
                                            NST_FIELD_REDUNDANCY_ROLE};
    static const enum nst_field mp_t[] = {NST_FIELD_NAME, NST_FIELD_KIND, NST_FIELD_SIGNALLING};
    static const enum nst_field mp_n[] = {NST_FIELD_IP_MTU, NST_FIELD_MAX_IP_MTU};
    static const enum nst_field ac_t[] = {
        NST_FIELD_MULTIPOINT, NST_FIELD_NAME,          NST_FIELD_SITE, NST_FIELD_DEVICE,
        NST_FIELD_PORT,       NST_FIELD_ENCAPSULATION, NST_FIELD_ROLE};
    static const enum nst_field ac_n[] = {NST_FIELD_OUTER_TAG, NST_FIELD_INNER_TAG, NST_FIELD_TPID};
    static const enum nst_field conn_n[] = {NST_FIELD_IP_MTU, NST_FIELD_BANDWIDTH,
                                            NST_FIELD_MAX_IP_MTU, NST_FIELD_BOTTLENECK_HOP};
    static const enum nst_field hop_t[] = {NST_FIELD_CONNECTION, NST_FIELD_SEGMENT,
                                           NST_FIELD_ENCAPSULATION, NST_FIELD_VPLS};
    static const enum nst_field hop_n[] = {
        NST_FIELD_SEQ,        NST_FIELD_OUTER_TAG,    NST_FIELD_INNER_TAG,
        NST_FIELD_TPID,       NST_FIELD_FRAME,        NST_FIELD_FRAME_LIMIT,
        NST_FIELD_MAX_IP_MTU, NST_FIELD_A_MTU_NEEDED, NST_FIELD_B_MTU_NEEDED};
    static const enum nst_field st_t[] = {NST_FIELD_CONNECTION, NST_FIELD_DEVICE, NST_FIELD_KIND};
    static const enum nst_field st_n[] = {NST_FIELD_FROM_HOP, NST_FIELD_TO_HOP};
#define N(a) (sizeof(a) / sizeof((a)[0]))

    fprintf(out, "{\"command\": \"graph\", \"exit\": %d, \"service\": ", exit_code);
    cli_json_str(out, g->file);
    fprintf(out, ", \"errors\": %zu, \"warnings\": %zu",
            nst_diag_count_severity(g->ctx, NST_SEV_ERROR),
            nst_diag_count_severity(g->ctx, NST_SEV_WARNING));
    json_items(out, g, "sites", NST_ITEM_SITE, site_t, N(site_t), site_n, N(site_n));
    json_items(out, g, "devices", NST_ITEM_DEVICE, dev_t, N(dev_t), dev_n, N(dev_n));
    json_items(out, g, "ports", NST_ITEM_PORT, port_t, N(port_t), port_n, N(port_n));
    json_items(out, g, "segments", NST_ITEM_SEGMENT, seg_t, N(seg_t), seg_n, N(seg_n));
    json_items(out, g, "connections", NST_ITEM_CONNECTION, conn_t, N(conn_t), conn_n, N(conn_n));
    json_items(out, g, "hops", NST_ITEM_HOP, hop_t, N(hop_t), hop_n, N(hop_n));
    json_items(out, g, "stitches", NST_ITEM_STITCH, st_t, N(st_t), st_n, N(st_n));
    json_items(out, g, "multipoints", NST_ITEM_MULTIPOINT, mp_t, N(mp_t), mp_n, N(mp_n));
    json_items(out, g, "attachments", NST_ITEM_ATTACHMENT, ac_t, N(ac_t), ac_n, N(ac_n));
    fprintf(out, "\n}\n");
#undef N
}

/* --- output: stdout, a file, or SVG through dot ------------------------------------ */

/* Run `dot -Tsvg -o @svg` with @dot (a DOT file) on its stdin. */
static int
run_dot(const char *dotfile, const char *svg)
{
    const char *dot = getenv("NETSTITCH_DOT");
    pid_t pid;
    int status;

    if (!dot || !*dot) {
        dot = "dot";
    }
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "netstitch graph: fork: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    if (!pid) {
        execlp(dot, dot, "-Tsvg", "-o", svg, dotfile, (char *)NULL);
        /* 127, as a shell says for a command it cannot find. */
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0) {
        fprintf(stderr, "netstitch graph: waitpid: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        fprintf(stderr,
                "netstitch graph: --svg needs Graphviz's '%s' (apt-get install graphviz); "
                "the DOT output (-o FILE) can be rendered elsewhere\n",
                dot);
        return EXIT_USAGE;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "netstitch graph: %s failed to render %s\n", dot, svg);
        return EXIT_USAGE;
    }
    return EXIT_CLEAN;
}

static void
graph_usage(FILE *out)
{
    fputs("usage: netstitch graph [--connection NAME] [--format dot|json] [-o FILE]\n"
          "                       [--svg FILE] [--yang-dir DIR] SERVICE\n"
          "\n"
          "Draw SERVICE as Graphviz DOT: routers (vendor, role, stitch points) framed by\n"
          "site, segments with their owner and fixed MTU, the tags of every hop, the frame\n"
          "size against the segment's limit and the port MTUs at each end. Segments that\n"
          "fail the check are red. The service is checked first, and drawn whatever the\n"
          "check finds.\n"
          "  --connection NAME  only the segments and routers of this connection\n"
          "  --format dot|json  DOT (default), or the same facts as JSON\n"
          "  -o, --output FILE  write to FILE instead of stdout\n"
          "  --svg FILE         also render FILE as SVG with Graphviz's dot\n"
          "  --yang-dir DIR     netstitch's YANG models\n"
          "\n"
          "Exit status: 0 drawn (check errors are shown in the picture), 1 the service\n"
          "cannot be loaded, 2 usage or I/O error, or dot is missing or failed.\n",
          out);
}

int
cmd_graph(int argc, char **argv)
{
    static const struct option opts[] = {
        {"connection", required_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"svg", required_argument, NULL, 's'},
        {"yang-dir", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *yang_dir = NULL, *outfile = NULL, *svg = NULL, *format = "dot";
    struct graph g = {0};
    FILE *out = stdout;
    char tmpdot[] = "/tmp/netstitch-graph-XXXXXX";
    int c, rc = EXIT_CLEAN, tmpfd = -1;
    size_t i, fails = 0;
    nst_err err;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            g.only = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            outfile = optarg;
            break;
        case 's':
            svg = optarg;
            break;
        case 'y':
            yang_dir = optarg;
            break;
        case 'h':
            graph_usage(stdout);
            return EXIT_CLEAN;
        default:
            graph_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || (strcmp(format, "dot") && strcmp(format, "json")) ||
        (svg && !strcmp(format, "json"))) {
        graph_usage(stderr);
        return EXIT_USAGE;
    }
    g.file = argv[optind];
    if (nst_ctx_new(yang_dir, &g.ctx)) {
        fprintf(stderr, "netstitch graph: cannot load the netstitch YANG models\n");
        return EXIT_USAGE;
    }
    err = nst_service_load(g.ctx, g.file, NST_FORMAT_AUTO, &g.svc);
    if (err) {
        rc = err == NST_EIO ? EXIT_USAGE : EXIT_ERRORS;
        cli_print_diags(stderr, g.ctx, OUT_TEXT, 0, "graph", rc);
        fprintf(stderr, "netstitch graph: %s cannot be loaded; nothing to draw\n", g.file);
        goto cleanup;
    }
    err = nst_service_check(g.svc);
    if (err && err != NST_ECHECK) {
        fprintf(stderr, "netstitch graph: check: %s\n", nst_strerror(err));
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (g.only) {
        size_t k;

        for (i = 0; i < nst_service_item_count(g.svc, NST_ITEM_CONNECTION); i++) {
            if (streq(txt(&g, NST_ITEM_CONNECTION, i, NST_FIELD_NAME), g.only)) {
                break;
            }
        }
        for (k = 0; k < nst_service_item_count(g.svc, NST_ITEM_MULTIPOINT); k++) {
            if (streq(txt(&g, NST_ITEM_MULTIPOINT, k, NST_FIELD_NAME), g.only)) {
                i = 0; /* --connection may name a multipoint VPN */
                break;
            }
        }
        if (i == nst_service_item_count(g.svc, NST_ITEM_CONNECTION) &&
            k == nst_service_item_count(g.svc, NST_ITEM_MULTIPOINT)) {
            fprintf(stderr, "netstitch graph: no connection '%s' in %s\n", g.only, g.file);
            rc = EXIT_USAGE;
            goto cleanup;
        }
    }
    if (outfile && strcmp(outfile, "-")) {
        out = fopen(outfile, "w");
        if (!out) {
            fprintf(stderr, "netstitch graph: cannot write %s: %s\n", outfile, strerror(errno));
            out = stdout;
            rc = EXIT_USAGE;
            goto cleanup;
        }
    } else if (svg) {
        /* SVG only: the DOT goes to a temporary file for dot to read. */
        tmpfd = mkstemp(tmpdot);
        out = tmpfd < 0 ? NULL : fdopen(tmpfd, "w");
        if (!out) {
            fprintf(stderr, "netstitch graph: cannot create a temporary file: %s\n",
                    strerror(errno));
            out = stdout;
            rc = EXIT_USAGE;
            goto cleanup;
        }
    }
    if (!strcmp(format, "json")) {
        graph_json(out, &g, EXIT_CLEAN);
    } else {
        fails = graph_dot(out, &g);
    }
    if (out != stdout && fclose(out)) {
        fprintf(stderr, "netstitch graph: cannot write %s: %s\n", outfile ? outfile : tmpdot,
                strerror(errno));
        out = stdout;
        rc = EXIT_USAGE;
        goto cleanup;
    }
    if (out == stdout && fflush(stdout)) {
        rc = EXIT_USAGE;
        goto cleanup;
    }
    out = stdout;
    if (svg) {
        rc = run_dot(outfile && strcmp(outfile, "-") ? outfile : tmpdot, svg);
    }
    if (!rc && strcmp(format, "json")) {
        fprintf(stderr, "netstitch graph: %zu error(s), %zu warning(s)%s%s\n",
                nst_diag_count_severity(g.ctx, NST_SEV_ERROR),
                nst_diag_count_severity(g.ctx, NST_SEV_WARNING),
                fails ? "; segments failing the check are drawn red" : "",
                nst_diag_count_severity(g.ctx, NST_SEV_ERROR) ? " (netstitch check tells why)"
                                                              : "");
    }

cleanup:
    if (out != stdout) {
        fclose(out);
    }
    if (tmpfd >= 0) {
        unlink(tmpdot);
    }
    nst_service_free(g.svc);
    nst_ctx_free(g.ctx);
    return rc;
}
