/*
 * driver.c: driver lookup and the MTU arithmetic shared by every driver.
 *
 * Frame sizes, FCS excluded (docs/vendors.md A.6): L2 header 14 bytes, 4 per VLAN tag.
 * An MPLS core frame carrying a VPLS pseudowire: customer frame (IP + 14, customer
 * tags popped at the attachment circuit) + 4 control word + 2 x 4 labels, inside a
 * 14-byte core header: IP + 40.
 *
 * Also the helpers prepare hooks use to read the IR and annotate their copy of it
 * (driver.h, docs/drivers.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "util.h"

#define ETH_HDR 14u
#define TAG 4u
#define PW_OVERHEAD (ETH_HDR + 4u + 8u) /* customer header, control word, two labels */

/*
 * The registry: every driver, once. A new vendor adds its ops here (and nothing anywhere
 * else outside its own file, its templates and its device models).
 */
const struct drv_ops *const drv_all[] = {
    &drv_junos_ops, &drv_iosxr_ops,      &drv_sros_ops, &drv_vrp_ops,
    &drv_eos_ops,   &drv_openconfig_ops, NULL,
};

const struct drv_ops *
drv_find(const char *vendor, const char *platform)
{
    const struct drv_ops *fallback = NULL;

    if (!vendor) {
        return NULL;
    }
    /* A driver for the vendor's platform wins; the vendor's generic driver otherwise. */
    for (size_t i = 0; drv_all[i]; i++) {
        const struct drv_ops *d = drv_all[i];

        if (strcmp(d->vendor, vendor)) {
            continue;
        }
        if (!d->platform) {
            fallback = d;
        } else if (platform && !strcmp(d->platform, platform)) {
            return d;
        }
    }
    return fallback;
}

const struct drv_ops *
drv_by_name(const char *name)
{
    for (size_t i = 0; name && drv_all[i]; i++) {
        if (!strcmp(drv_all[i]->name, name)) {
            return drv_all[i];
        }
    }
    return NULL;
}

enum drv_tagging
drv_tagging_add(enum drv_tagging mode, unsigned tags, unsigned tpid)
{
    if (tags >= 2 || (tags == 1 && tpid != 0x8100)) {
        return DRV_TAGGING_FLEXIBLE;
    }
    if (tags == 1 && mode == DRV_TAGGING_NONE) {
        return DRV_TAGGING_DOT1Q;
    }
    return mode;
}

unsigned
drv_tags_counted(const struct drv_ops *drv, enum drv_tagging mode, unsigned tags)
{
    if (drv->caps.flexible_tagging_counts_two && mode == DRV_TAGGING_FLEXIBLE && tags < 2) {
        return 2;
    }
    return tags;
}

/* A canonical decimal number (no sign, no leading zero) at *@s, ending at @stop; advances
 * *@s. At most 19 digits, so the value fits; the caller checks the range. */
static bool
rt_number(const char **s, char stop, unsigned long long *v)
{
    const char *start = *s;
    int digits = 0;

    *v = 0;
    for (; **s >= '0' && **s <= '9'; (*s)++) {
        if (++digits > 19) {
            return false;
        }
        *v = *v * 10 + (unsigned)(**s - '0');
    }
    return digits > 0 && **s == stop && !(digits > 1 && *start == '0');
}

nst_err
drv_rt_parse(const char *text, struct drv_rt *out, const char **why)
{
    unsigned long long as, num;
    const char *s = text;
    const char *dummy;

    why = why ? why : &dummy;
    if (!s || !rt_number(&s, ':', &as)) {
        *why = "a route target is AS:number in decimal, without leading zeros";
        return NST_EINPUT;
    }
    s++; /* the ':' */
    if (!rt_number(&s, '\0', &num)) {
        *why = "a route target is AS:number in decimal, without leading zeros";
        return NST_EINPUT;
    }
    if (as == 0) {
        *why = "AS 0 is reserved (RFC 7607)";
        return NST_EINPUT;
    }
    if (as > 0xffffffffull) {
        *why = "the AS is larger than 4294967295";
        return NST_EINPUT;
    }
    if (as > 0xffff && num > 0xffff) {
        *why = "with a four-byte AS (above 65535) the number is 16 bits, at most 65535 "
               "(RFC 5668)";
        return NST_EINPUT;
    }
    if (num > 0xffffffffull) {
        *why = "the number is larger than 4294967295";
        return NST_EINPUT;
    }
    out->as = (uint32_t)as;
    out->num = (uint32_t)num;
    out->four_byte_as = as > 0xffff;
    return NST_OK;
}

/* The bytes a core frame of kind @frame adds to the IP packet, the core's own Ethernet
 * header included. */
static uint32_t
core_overhead(enum drv_frame frame)
{
    return frame == DRV_FRAME_L3VPN ? 8u + ETH_HDR : PW_OVERHEAD + ETH_HDR;
}

uint32_t
drv_port_mtu_needed(const struct drv_ops *drv, uint32_t ip_mtu, unsigned tags, enum drv_frame frame)
{
    bool core = frame != DRV_FRAME_ETH;
    uint32_t frame_len = core ? ip_mtu + core_overhead(frame) : ip_mtu + ETH_HDR + TAG * tags;

    switch (drv->caps.mtu_meaning) {
    case DRV_MTU_L2_TAGS:
        return frame_len + (core ? drv->caps.core_reserve : 0);
    case DRV_MTU_L2_PARENT:
        /* Sub-interfaces add their tags on top of the parent's value. */
        return core ? frame_len : ip_mtu + ETH_HDR;
    case DRV_MTU_L3:
        /* The IP MTU governs routed traffic only; L2 frames are bounded by the
         * port's jumbo/L2 limit, which the driver sets large (docs/vendors.md A.6). A
         * layer-3 VPN's labelled packet counts its two labels against it (the MPLS MTU
         * defaults to the interface MTU: UNCONFIRMED, docs/checks.md). */
        return frame == DRV_FRAME_L3VPN ? ip_mtu + 8u : ip_mtu;
    }
    return frame_len;
}

uint32_t
drv_ip_mtu_carried(const struct drv_ops *drv, uint32_t port_mtu, unsigned tags,
                   enum drv_frame frame)
{
    bool core = frame != DRV_FRAME_ETH;
    uint32_t over = core ? core_overhead(frame) : ETH_HDR + TAG * tags;

    switch (drv->caps.mtu_meaning) {
    case DRV_MTU_L2_TAGS:
        over += core ? drv->caps.core_reserve : 0;
        break;
    case DRV_MTU_L2_PARENT:
        over = core ? over : ETH_HDR;
        break;
    case DRV_MTU_L3:
        over = frame == DRV_FRAME_L3VPN ? 8u : 0;
        break;
    }
    return port_mtu > over ? port_mtu - over : 0;
}

/* --- helpers for prepare hooks (driver.h) --- */

const char *
drv_attr(xmlNodePtr n, const char *name)
{
    xmlAttrPtr a;

    if (!n || n->type != XML_ELEMENT_NODE) {
        return NULL;
    }
    for (a = n->properties; a; a = a->next) {
        if (!a->ns && !strcmp((const char *)a->name, name)) {
            /* Attributes set through libxml2's tree API hold one text child. */
            return a->children && a->children->content ? (const char *)a->children->content : "";
        }
    }
    return NULL;
}

unsigned long
drv_attr_ul(xmlNodePtr n, const char *name, unsigned long def)
{
    const char *v = drv_attr(n, name);
    char *end;
    unsigned long x;

    if (!v || !*v) {
        return def;
    }
    x = strtoul(v, &end, 10);
    return *end ? def : x;
}

xmlNodePtr
drv_next(xmlNodePtr n, const char *name)
{
    for (n = n ? n->next : NULL; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && (!name || !strcmp((const char *)n->name, name))) {
            return n;
        }
    }
    return NULL;
}

xmlNodePtr
drv_child(xmlNodePtr n, const char *name)
{
    xmlNodePtr c;

    for (c = n ? n->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && (!name || !strcmp((const char *)c->name, name))) {
            return c;
        }
    }
    return NULL;
}

const char *
drv_child_text(xmlNodePtr n, const char *name)
{
    xmlNodePtr c = drv_child(n, name);

    if (!c) {
        return NULL;
    }
    /* IR text elements hold one text node (xmlNewTextChild), or none when empty. */
    return c->children && c->children->type == XML_TEXT_NODE && c->children->content
               ? (const char *)c->children->content
               : "";
}

void
drv_set_attr(struct drv_prep *p, xmlNodePtr n, const char *name, const char *value)
{
    if (!n || !value) {
        return;
    }
    if (!xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)value)) {
        p->oom = 1;
    }
}

void
drv_set_attrf(struct drv_prep *p, xmlNodePtr n, const char *name, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    drv_set_attr(p, n, name, buf);
}

xmlNodePtr
drv_add_child(struct drv_prep *p, xmlNodePtr parent, const char *name)
{
    xmlNodePtr c = parent ? xmlNewChild(parent, NULL, (const xmlChar *)name, NULL) : NULL;

    if (!c) {
        p->oom = 1;
    }
    return c;
}

nst_err
drv_prep_fail(struct drv_prep *p, const char *fmt, ...)
{
    va_list ap;

    if (!p->failed) {
        va_start(ap, fmt);
        vsnprintf(p->msg, sizeof p->msg, fmt, ap);
        va_end(ap);
    }
    p->failed = 1;
    return NST_EINTERNAL;
}

nst_err
drv_prep_status(const struct drv_prep *p)
{
    if (p->oom) {
        return NST_ENOMEM;
    }
    return p->failed ? NST_EINTERNAL : NST_OK;
}

uint32_t
drv_hash(const char *s)
{
    return util_fnv1a32_str(s ? s : "");
}

const char *
drv_fit_name(const char *s, size_t max, char *buf, size_t len)
{
    size_t n = strlen(s), keep;

    if (len < max + 1 || max < 8) {
        snprintf(buf, len, "%.*s", (int)(len ? len - 1 : 0), s);
        return buf;
    }
    if (n <= max) {
        memcpy(buf, s, n + 1);
        return buf;
    }
    keep = max - 7;
    /* Do not cut inside a UTF-8 sequence: back up over continuation bytes. */
    while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80) {
        keep--;
    }
    snprintf(buf, len, "%.*s-%06x", (int)keep, s, (unsigned)(drv_hash(s) & 0xffffffu));
    return buf;
}

const char *
drv_cli_clean(const char *s, char *buf, size_t len)
{
    size_t i, o = 0;

    if (!len) {
        return buf;
    }
    for (i = 0; s && s[i] && o + 1 < len; i++) {
        unsigned char c = (unsigned char)s[i];

        /* C0 controls and DEL; C1 controls are two-byte UTF-8 sequences C2 80..9F. */
        if (c < 0x20 || c == 0x7f) {
            buf[o++] = ' ';
        } else if (c == 0xc2 && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x9f) {
            buf[o++] = ' ';
            i++;
        } else {
            buf[o++] = (char)c;
        }
    }
    /* Never end inside a UTF-8 sequence cut by the buffer size. */
    while (o > 0 && ((unsigned char)buf[o - 1] & 0x80)) {
        size_t start = o - 1, need;
        unsigned char lead;

        while (start > 0 && ((unsigned char)buf[start] & 0xC0) == 0x80) {
            start--;
        }
        lead = (unsigned char)buf[start];
        need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (o - start >= need) {
            break;
        }
        o = start;
    }
    buf[o] = '\0';
    return buf;
}
