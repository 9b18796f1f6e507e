/*
 * payload.c: NETCONF payload texts (payload.h): normalisation, the restore payload built
 * from a snapshot, and the comparison that decides whether a device is back where it
 * was. Pure functions over libxml2 trees; no device, no state.
 *
 * Place in the pipeline: nst_txn_add_payload() normalises what compile (or a payload
 * file) gives; the engine's undo builds restore payloads and verifies with them.
 *
 * Not here: secrets (secret.c), sending anything (session.c).
 */
#include "payload.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "alloc.h"

#define PAYLOAD_NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"

/*
 * XML helpers
 */

/* Skip whitespace, XML declarations, processing instructions and comments. */
static const char *
pl_skip_prolog(const char *p)
{
    for (;;) {
        p += strspn(p, " \t\r\n");
        if (!strncmp(p, "<?", 2)) {
            const char *e = strstr(p, "?>");

            if (!e) {
                return p;
            }
            p = e + 2;
        } else if (!strncmp(p, "<!--", 4)) {
            const char *e = strstr(p, "-->");

            if (!e) {
                return p;
            }
            p = e + 3;
        } else {
            return p;
        }
    }
}

/* Whether every namespace declared in the subtree of @n is URI-like: libxml2 writes a
 * namespace name back without escaping '<', so a payload or a device snapshot declaring
 * xmlns="a&lt;b" would come back as text that is not well-formed (a restore payload
 * that cannot be sent; found by tests/fuzz/fz_payload.c). */
static int
pl_xml_ns_ok(const xmlNode *n)
{
    const xmlNs *ns;
    const xmlChar *c;

    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) {
            continue;
        }
        for (ns = n->nsDef; ns; ns = ns->next) {
            for (c = ns->href; c && *c; c++) {
                if (*c <= ' ' || *c == '<' || *c == '>' || *c == '"' || *c == 0x7f) {
                    return 0;
                }
            }
        }
        if (!pl_xml_ns_ok(n->children)) {
            return 0;
        }
    }
    return 1;
}

/* Parse a sequence of top-level elements under a synthetic root: NST_ENOMEM when our
 * buffer cannot be built, NST_EINPUT when the text is not well-formed or declares a
 * namespace that is not URI-like. */
static nst_err
pl_xml_parse(const char *xml, xmlDocPtr *doc)
{
    char *buf;
    size_t len;

    *doc = NULL;
    /* Copied, not printed: glibc's vsnprintf copies a %s argument one byte at a time
     * (a fifth of a payload's normalisation). */
    xml = pl_skip_prolog(xml ? xml : "");
    len = strlen(xml);
    if (len > (size_t)INT_MAX - 32) {
        return NST_EINPUT;
    }
    buf = nst_malloc(len + 24);
    if (!buf) {
        return NST_ENOMEM;
    }
    memcpy(buf, "<nst-wrap>", 10);
    memcpy(buf + 10, xml, len);
    memcpy(buf + 10 + len, "</nst-wrap>", 12);
    *doc = xmlReadMemory(buf, (int)(len + 21), "payload.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                             XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    nst_free(buf);
    if (*doc && !pl_xml_ns_ok(xmlDocGetRootElement(*doc))) {
        xmlFreeDoc(*doc);
        *doc = NULL;
    }
    return *doc ? NST_OK : NST_EINPUT;
}

static int
pl_node_is(const xmlNode *n, const char *ns, const char *name)
{
    const char *href = n->ns && n->ns->href ? (const char *)n->ns->href : "";

    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) &&
           !strcmp(href, ns ? ns : "");
}

static const char *
pl_node_ns(const xmlNode *n)
{
    return n->ns && n->ns->href ? (const char *)n->ns->href : "";
}

/* A copy of @n alone in a new document, namespaces declared on its root. */
static xmlDocPtr
pl_xml_isolate(xmlNodePtr n)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr copy;

    if (!doc) {
        return NULL;
    }
    copy = xmlDocCopyNode(n, doc, 1);
    if (!copy) {
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlDocSetRootElement(doc, copy);
    xmlReconciliateNs(doc, copy);
    return doc;
}

/* Append the serialization of @doc's root element to @buf. */
static int
pl_xml_dump_root(xmlBufferPtr buf, xmlDocPtr doc)
{
    return xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 0) < 0 ? -1 : 0;
}

/* Whether @ns is declared on @n, or on one of its ancestors up to and including @top. */
static int
pl_ns_within(const xmlNode *n, const xmlNs *ns, const xmlNode *top)
{
    for (; n; n = n->parent) {
        for (const xmlNs *d = n->nsDef; d; d = d->next) {
            if (d == ns) {
                return 1;
            }
        }
        if (n == top) {
            break;
        }
    }
    return 0;
}

/* Whether the namespace @ns, used in the subtree of @top, leaves pl_xml_isolate()'s copy
 * as it is in place: declared within the subtree, not the xml namespace (which each
 * document binds itself), and its URI declared by no ancestor of @top. */
static int
pl_ns_stays(const xmlNode *n, const xmlNs *ns, const xmlNode *top)
{
    if (!ns) {
        return 1;
    }
    if (!ns->href || xmlStrEqual(ns->href, XML_XML_NAMESPACE) || !pl_ns_within(n, ns, top)) {
        return 0;
    }
    for (const xmlNode *a = top->parent; a && a->type == XML_ELEMENT_NODE; a = a->parent) {
        for (const xmlNs *d = a->nsDef; d; d = d->next) {
            if (xmlStrEqual(d->href, ns->href)) {
                return 0;
            }
        }
    }
    return 1;
}

/*
 * Whether @top's subtree serialises the same in place, after xmlReconciliateNs() there,
 * as pl_xml_isolate()'s copy of it does (and so needs no copy): xmlDocCopyNode() binds a
 * copied node to the copied declaration of its namespace when that declaration is inside
 * the subtree, and xmlReconciliateNs() then searches declarations by URI from @top upwards
 * and names new ones by prefix from @top upwards; in place that search also sees @top's
 * ancestors, so they must declare no URI used below and no prefix (xmlReconciliateNs()
 * names its declarations "default", "default1", ... or after the namespace's own prefix).
 */
static int
pl_xml_self_contained(const xmlNode *top)
{
    const xmlNode *n = top;

    for (const xmlNode *a = top->parent; a && a->type == XML_ELEMENT_NODE; a = a->parent) {
        for (const xmlNs *d = a->nsDef; d; d = d->next) {
            if (d->prefix) {
                return 0;
            }
        }
    }
    /* Depth first over the elements of the subtree, without recursion. */
    while (n) {
        if (n->type == XML_ELEMENT_NODE) {
            if (!pl_ns_stays(n, n->ns, top)) {
                return 0;
            }
            for (const xmlAttr *a = n->properties; a; a = a->next) {
                if (!pl_ns_stays(n, a->ns, top)) {
                    return 0;
                }
            }
            if (n->children) {
                n = n->children;
                continue;
            }
        }
        while (n != top && !n->next) {
            n = n->parent;
        }
        if (n == top) {
            break;
        }
        n = n->next;
    }
    return 1;
}

/*
 * Append to @buf the serialization of element @n of @doc alone, its namespaces
 * declared on it: what pl_xml_isolate() and pl_xml_dump_root() give, without the copy
 * when pl_xml_self_contained() says it changes nothing (a payload rendered by compile:
 * each top-level element declares its namespaces). @n's subtree is reconciled in place.
 * Returns 0, or -1 when out of memory.
 */
static int
pl_xml_dump_alone(xmlBufferPtr buf, xmlDocPtr doc, xmlNodePtr n)
{
    xmlDocPtr one;
    int r;

    if (pl_xml_self_contained(n)) {
        if (xmlReconciliateNs(doc, n) < 0) {
            return -1;
        }
        return xmlNodeDump(buf, doc, n, 0, 0) < 0 ? -1 : 0;
    }
    one = pl_xml_isolate(n);
    r = one ? pl_xml_dump_root(buf, one) : -1;
    xmlFreeDoc(one);
    return r;
}

static char *
pl_buf_take(xmlBufferPtr buf)
{
    char *s = nst_strdup(xmlBufferContent(buf) ? (const char *)xmlBufferContent(buf) : "");

    xmlBufferFree(buf);
    return s;
}

nst_err
payload_normalize(const char *xml, char **out, char *why, size_t whylen)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr root, c, only = NULL;
    xmlBufferPtr buf = NULL;
    size_t nelem = 0;
    const char *start;
    char *res = NULL;
    nst_err ret = NST_OK;

    why[0] = '\0';
    if (!xml) {
        snprintf(why, whylen, "no payload");
        return NST_EINPUT;
    }
    start = pl_skip_prolog(xml);
    ret = pl_xml_parse(xml, &doc);
    if (ret == NST_ENOMEM) {
        return ret;
    }
    if (ret) {
        const xmlError *e = xmlGetLastError();

        snprintf(why, whylen, "payload is not well-formed XML%s%s", e && e->message ? ": " : "",
                 e && e->message ? e->message : "");
        why[strcspn(why, "\n")] = '\0';
        return NST_EINPUT;
    }
    root = xmlDocGetRootElement(doc);
    for (c = root ? root->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            nelem++;
            only = c;
        } else if (c->type == XML_TEXT_NODE && !xmlIsBlankNode(c)) {
            snprintf(why, whylen, "payload has text outside any element");
            ret = NST_EINPUT;
            goto cleanup;
        }
    }
    if (!nelem) {
        snprintf(why, whylen, "payload holds no element");
        ret = NST_EINPUT;
        goto cleanup;
    }
    if (nelem == 1 && pl_node_is(only, PAYLOAD_NC_NS, "config")) {
        /* A <config> wrapper: the edit is its children. */
        buf = xmlBufferCreate();
        if (!buf) {
            ret = NST_ENOMEM;
            goto cleanup;
        }
        nelem = 0;
        for (c = only->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE) {
                continue;
            }
            if (pl_xml_dump_alone(buf, doc, c)) {
                ret = NST_ENOMEM;
                goto cleanup;
            }
            nelem++;
        }
        if (!nelem) {
            snprintf(why, whylen, "payload's <config> is empty");
            ret = NST_EINPUT;
            goto cleanup;
        }
        res = pl_buf_take(buf);
        buf = NULL;
    } else {
        /* Keep the text as written: it is what the compiler rendered. */
        res = nst_strdup(start);
    }
    if (!res) {
        ret = NST_ENOMEM;
    }

cleanup:
    if (buf) {
        xmlBufferFree(buf);
    }
    xmlFreeDoc(doc);
    if (ret) {
        nst_free(res);
        return ret;
    }
    *out = res;
    return NST_OK;
}

/* The touched set: (namespace, name) of the payload's top-level elements, in order,
 * each once. Borrowed from @doc. */
struct pl_touched {
    const xmlNode **nodes;
    size_t n;
};

static nst_err
pl_touched_of(xmlDocPtr doc, struct pl_touched *t)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), c;
    size_t cap = 0;

    t->nodes = NULL;
    t->n = 0;
    for (c = root ? root->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            cap++;
        }
    }
    t->nodes = nst_calloc(cap ? cap : 1, sizeof *t->nodes);
    if (!t->nodes) {
        return NST_ENOMEM;
    }
    for (c = root ? root->children : NULL; c; c = c->next) {
        size_t i;

        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        for (i = 0; i < t->n; i++) {
            if (pl_node_is(t->nodes[i], pl_node_ns(c), (const char *)c->name)) {
                break;
            }
        }
        if (i == t->n) {
            t->nodes[t->n++] = c;
        }
    }
    return NST_OK;
}

nst_err
payload_restore(const char *before, const char *payload, int base11, char **out)
{
    xmlDocPtr bdoc = NULL, pdoc = NULL;
    struct pl_touched t = {NULL, 0};
    xmlBufferPtr buf = NULL;
    nst_err ret = NST_OK;

    ret = pl_xml_parse(before, &bdoc);
    if (!ret) {
        ret = pl_xml_parse(payload, &pdoc);
    }
    if (!ret) {
        ret = pl_touched_of(pdoc, &t);
    }
    if (ret) {
        goto cleanup;
    }
    buf = xmlBufferCreate();
    if (!buf) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < t.n; i++) {
        xmlNodePtr broot = xmlDocGetRootElement(bdoc), c;
        int found = 0;

        for (c = broot ? broot->children : NULL; c; c = c->next) {
            xmlDocPtr one;
            xmlNsPtr nc;
            xmlNodePtr r;

            if (!pl_node_is(c, pl_node_ns(t.nodes[i]), (const char *)t.nodes[i]->name)) {
                continue;
            }
            found = 1;
            one = pl_xml_isolate(c);
            r = one ? xmlDocGetRootElement(one) : NULL;
            nc = r ? xmlNewNs(r, (const xmlChar *)PAYLOAD_NC_NS, (const xmlChar *)"nst-nc") : NULL;
            if (!nc ||
                !xmlSetNsProp(r, nc, (const xmlChar *)"operation", (const xmlChar *)"replace") ||
                pl_xml_dump_root(buf, one)) {
                xmlFreeDoc(one);
                ret = NST_ENOMEM;
                goto cleanup;
            }
            xmlFreeDoc(one);
        }
        if (!found) {
            xmlDocPtr one = xmlNewDoc((const xmlChar *)"1.0");
            xmlNodePtr r = one ? xmlNewDocNode(one, NULL, t.nodes[i]->name, NULL) : NULL;
            xmlNsPtr ns = NULL, nc = NULL;

            if (r) {
                xmlDocSetRootElement(one, r);
                if (*pl_node_ns(t.nodes[i])) {
                    ns = xmlNewNs(r, t.nodes[i]->ns->href, NULL);
                    xmlSetNs(r, ns);
                }
                nc = xmlNewNs(r, (const xmlChar *)PAYLOAD_NC_NS, (const xmlChar *)"nst-nc");
            }
            if (!nc || (*pl_node_ns(t.nodes[i]) && !ns) ||
                !xmlSetNsProp(r, nc, (const xmlChar *)"operation",
                              (const xmlChar *)(base11 ? "remove" : "delete")) ||
                pl_xml_dump_root(buf, one)) {
                xmlFreeDoc(one);
                ret = NST_ENOMEM;
                goto cleanup;
            }
            xmlFreeDoc(one);
        }
    }
    *out = pl_buf_take(buf);
    buf = NULL;
    if (!*out) {
        ret = NST_ENOMEM;
    }

cleanup:
    if (buf) {
        xmlBufferFree(buf);
    }
    nst_free(t.nodes);
    xmlFreeDoc(bdoc);
    xmlFreeDoc(pdoc);
    return ret;
}

/* Append a namespace-qualified, prefix-free rendering of @n: "{ns}name" per element,
 * text escaped, attributes ignored (configuration data carries none that matter, and
 * servers differ in the namespace declarations and prefixes they print). */
static int
pl_canon_node(xmlBufferPtr buf, const xmlNode *n)
{
    for (const xmlNode *c = n; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            xmlChar *esc = xmlEncodeSpecialChars(NULL, c->content);

            if (!esc) {
                return -1;
            }
            xmlBufferCat(buf, esc);
            xmlFree(esc);
            continue;
        }
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        xmlBufferCat(buf, (const xmlChar *)"<{");
        xmlBufferCat(buf, (const xmlChar *)pl_node_ns(c));
        xmlBufferCat(buf, (const xmlChar *)"}");
        xmlBufferCat(buf, c->name);
        xmlBufferCat(buf, (const xmlChar *)">");
        if (pl_canon_node(buf, c->children)) {
            return -1;
        }
        xmlBufferCat(buf, (const xmlChar *)"</>");
    }
    return 0;
}

/* Canonical text of @doc's top-level elements in the touched set, grouped in touched
 * order (so the server's element order does not matter). */
static nst_err
pl_touched_canon(xmlDocPtr doc, const struct pl_touched *t, char **out)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlNodePtr root = xmlDocGetRootElement(doc), c;

    if (!buf) {
        return NST_ENOMEM;
    }
    for (size_t i = 0; i < t->n; i++) {
        for (c = root ? root->children : NULL; c; c = c->next) {
            xmlNodePtr next;
            int r;

            if (!pl_node_is(c, pl_node_ns(t->nodes[i]), (const char *)t->nodes[i]->name)) {
                continue;
            }
            /* One element, not its following siblings. */
            next = c->next;
            c->next = NULL;
            r = pl_canon_node(buf, c);
            c->next = next;
            if (r) {
                xmlBufferFree(buf);
                return NST_ENOMEM;
            }
            xmlBufferCat(buf, (const xmlChar *)"\n");
        }
    }
    *out = pl_buf_take(buf);
    return *out ? NST_OK : NST_ENOMEM;
}

nst_err
payload_touched_equal(const char *a, const char *b, const char *payload, int *equal)
{
    xmlDocPtr adoc = NULL, bdoc = NULL, pdoc = NULL;
    struct pl_touched t = {NULL, 0};
    char *ca = NULL, *cb = NULL;
    nst_err ret;

    ret = pl_xml_parse(a, &adoc);
    if (!ret) {
        ret = pl_xml_parse(b, &bdoc);
    }
    if (!ret) {
        ret = pl_xml_parse(payload, &pdoc);
    }
    if (!ret) {
        ret = pl_touched_of(pdoc, &t);
    }
    if (!ret) {
        ret = pl_touched_canon(adoc, &t, &ca);
    }
    if (!ret) {
        ret = pl_touched_canon(bdoc, &t, &cb);
    }
    if (!ret) {
        *equal = !strcmp(ca, cb);
    }
    nst_free(ca);
    nst_free(cb);
    nst_free(t.nodes);
    xmlFreeDoc(adoc);
    xmlFreeDoc(bdoc);
    xmlFreeDoc(pdoc);
    return ret;
}

/*
 * The router's own text of a configuration (sess_get_config_text(): a reply relay.h calls
 * plain, so no attribute, CDATA, comment, processing instruction or character reference)
 * with every text node in the form libyang prints it: '&', '<' and '>' as &amp; &lt; &gt;,
 * quotes as they are. Markup is copied. A snapshot goes through secret_placeholderize(),
 * which finds a secret's value in libyang's form (among others): a router that escapes
 * differently (a raw '>', an &apos;) would otherwise keep the value out of its reach.
 */
nst_err
payload_canonical_text(const char *in, char **out)
{
    static const struct {
        const char *ent, *ch;
    } named[] = {
        {"&amp;", "&amp;"}, {"&lt;", "&lt;"}, {"&gt;", "&gt;"}, {"&quot;", "\""}, {"&apos;", "'"}};
    size_t n = strlen(in), k = 0;
    char *o = nst_malloc(n * 4 + 1); /* a raw '>' (1 byte) becomes 4 */
    int in_tag = 0;
    char quote = 0; /* inside a tag: the quote of the attribute value we are in */

    if (!o) {
        return NST_ENOMEM;
    }
    for (const char *p = in; *p;) {
        if (in_tag) {
            if (quote) {
                quote = *p == quote ? 0 : quote;
            } else if (*p == '"' || *p == '\'') {
                quote = *p;
            } else {
                in_tag = *p != '>';
            }
            o[k++] = *p++;
        } else if (*p == '<') {
            in_tag = 1;
            o[k++] = *p++;
        } else if (*p == '>') {
            memcpy(o + k, "&gt;", 4);
            k += 4;
            p++;
        } else if (*p == '&') {
            size_t i, len = 0;

            for (i = 0; i < sizeof named / sizeof *named; i++) {
                len = strlen(named[i].ent);
                if (!strncmp(p, named[i].ent, len)) {
                    break;
                }
            }
            if (i == sizeof named / sizeof *named) {
                nst_free(o);
                return NST_EINPUT; /* not one of XML's five: not a plain reply */
            }
            memcpy(o + k, named[i].ch, strlen(named[i].ch));
            k += strlen(named[i].ch);
            p += len;
        } else {
            o[k++] = *p++;
        }
    }
    o[k] = '\0';
    *out = o;
    return NST_OK;
}
