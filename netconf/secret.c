/*
 * secret.c: secret placeholders, secret sets and the one scrubber (secret.h).
 *
 * Place in the pipeline: between the inventory (which says where a secret comes from)
 * and everything that sends or writes text: the transaction engine substitutes values
 * right before an RPC and placeholderizes snapshots before they are stored; the
 * transaction, the diff and the lifecycle scrub every text meant for a human.
 *
 * Substitution is done in two passes (size, then copy) so that a secret never sits in a
 * block that realloc() would leave behind unwiped.
 *
 * Not here: reading a secret's source (inventory.c), comparing keys (diff.c).
 */
#include "secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "inventory.h"

void
secret_names_free(char **names)
{
    for (size_t i = 0; names && names[i]; i++) {
        nst_free(names[i]);
    }
    nst_free(names);
}

nst_err
secret_scan(const char *payload, char ***out)
{
    char **names = NULL, **tmp;
    size_t n = 0;
    const char *p = payload;
    size_t olen = strlen(SECRET_OPEN);

    names = nst_calloc(1, sizeof *names);
    if (!names) {
        return NST_ENOMEM;
    }
    while ((p = strstr(p, SECRET_OPEN))) {
        const char *s = p + olen, *e = strchr(s, '}');
        size_t i;

        if (!e || e == s || (size_t)(e - s) > 63 || memchr(s, '<', (size_t)(e - s))) {
            secret_names_free(names);
            return NST_EINPUT;
        }
        for (i = 0; i < n; i++) {
            if (strlen(names[i]) == (size_t)(e - s) && !strncmp(names[i], s, (size_t)(e - s))) {
                break;
            }
        }
        if (i == n) {
            tmp = nst_realloc(names, (n + 2) * sizeof *names);
            if (!tmp) {
                secret_names_free(names);
                return NST_ENOMEM;
            }
            names = tmp;
            names[n] = nst_strndup(s, (size_t)(e - s));
            names[n + 1] = NULL;
            if (!names[n]) {
                secret_names_free(names);
                return NST_ENOMEM;
            }
            n++;
        }
        p = e + 1;
    }
    *out = names;
    return NST_OK;
}

/* Length of @v XML-escaped. */
static size_t
secret_xml_escaped_len(const char *v)
{
    size_t n = 0;

    for (; *v; v++) {
        switch (*v) {
        case '&':
            n += 5;
            break;
        case '<':
        case '>':
            n += 4;
            break;
        case '"':
        case '\'':
            n += 6;
            break;
        default:
            n++;
        }
    }
    return n;
}

static char *
secret_xml_escape_into(char *o, const char *v)
{
    for (; *v; v++) {
        const char *r = NULL;

        switch (*v) {
        case '&':
            r = "&amp;";
            break;
        case '<':
            r = "&lt;";
            break;
        case '>':
            r = "&gt;";
            break;
        case '"':
            r = "&quot;";
            break;
        case '\'':
            r = "&apos;";
            break;
        default:
            *o++ = *v;
            continue;
        }
        memcpy(o, r, strlen(r));
        o += strlen(r);
    }
    return o;
}

nst_err
secret_substitute(const char *payload, const struct secret_set *set, char **out)
{
    char *const *names = set->names, *const *values = set->values;
    size_t n = set->n;
    size_t olen = strlen(SECRET_OPEN), total = 0;
    const char *p, *hit;
    char *res = NULL, *o = NULL;

    /* Two passes: size, then copy, so the secret is never in a reallocated block. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            res = nst_malloc(total + 1);
            if (!res) {
                return NST_ENOMEM;
            }
            o = res;
        }
        total = 0;
        p = payload;
        while ((hit = strstr(p, SECRET_OPEN))) {
            const char *s = hit + olen, *e = strchr(s, '}');
            size_t i;

            for (i = 0; e && i < n; i++) {
                if (strlen(names[i]) == (size_t)(e - s) && !strncmp(names[i], s, (size_t)(e - s))) {
                    break;
                }
            }
            if (!e || i == n) {
                if (pass == 1) {
                    secret_wipe_free(res);
                }
                return NST_EINPUT;
            }
            total += (size_t)(hit - p) + secret_xml_escaped_len(values[i]);
            if (pass == 1) {
                memcpy(o, p, (size_t)(hit - p));
                o = secret_xml_escape_into(o + (hit - p), values[i]);
            }
            p = e + 1;
        }
        total += strlen(p);
        if (pass == 1) {
            memcpy(o, p, strlen(p) + 1);
        }
    }
    *out = res;
    return NST_OK;
}

/* Text-only XML escaping (what printers emit in element content): & < > only. */
static char *
secret_xml_text_escape(const char *v)
{
    char *o = nst_malloc(strlen(v) * 5 + 1), *p = o;

    if (!o) {
        return NULL;
    }
    for (; *v; v++) {
        const char *r = *v == '&' ? "&amp;" : *v == '<' ? "&lt;" : *v == '>' ? "&gt;" : NULL;

        if (r) {
            memcpy(p, r, strlen(r));
            p += strlen(r);
        } else {
            *p++ = *v;
        }
    }
    *p = '\0';
    return o;
}

/* Append @len bytes of @s to *buf (@used of *cap bytes, one more for the NUL), growing it. */
static nst_err
secret_put(char **buf, size_t *used, size_t *cap, const char *s, size_t len)
{
    if (*used + len > *cap) {
        size_t ncap = (*used + len) * 2;
        char *nb = nst_realloc(*buf, ncap + 1);

        if (!nb) {
            return NST_ENOMEM;
        }
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *used, s, len);
    *used += len;
    return NST_OK;
}

nst_err
secret_placeholderize(const char *text, const struct secret_set *set, char **out)
{
    char *const *names = set->names, *const *values = set->values;
    size_t n = set->n;
    /* Every form of every value, with the placeholder that replaces it. */
    char **forms = NULL, *res = NULL;
    size_t *owner = NULL, *flen = NULL, nf = 0, cap = 0, olen = strlen(SECRET_OPEN);
    /* Bit (a << 8 | b) is set when some form starts with the bytes a, b (a one-byte form:
     * any b). Only positions whose two bytes pass are compared with the forms: a snapshot
     * of 30 kB against 27 forms was otherwise 800000 strncmp calls, 30% of a push's CPU
     * (docs/PERFORMANCE.md). */
    unsigned char pairs[65536 / 8], first[256];
    size_t used;
    nst_err ret = NST_OK;

    forms = nst_calloc(3 * n + 1, sizeof *forms);
    owner = nst_calloc(3 * n + 1, sizeof *owner);
    if (!forms || !owner) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        char *f[3];

        f[0] = nst_malloc(secret_xml_escaped_len(values[i]) + 1);
        if (f[0]) {
            *secret_xml_escape_into(f[0], values[i]) = '\0';
        }
        f[1] = secret_xml_text_escape(values[i]);
        f[2] = nst_strdup(values[i]);
        for (int k = 0; k < 3; k++) {
            size_t j;

            if (!f[k]) {
                ret = NST_ENOMEM;
                continue;
            }
            for (j = 0; j < nf && strcmp(forms[j], f[k]); j++) {
            }
            if (j < nf || !*f[k]) {
                secret_wipe_free(f[k]);
                continue;
            }
            forms[nf] = f[k];
            owner[nf++] = i;
        }
    }
    if (ret) {
        goto cleanup;
    }
    /* Longest form first, so a value that contains another wins. */
    for (size_t i = 1; i < nf; i++) {
        for (size_t j = i; j > 0 && strlen(forms[j]) > strlen(forms[j - 1]); j--) {
            char *t = forms[j];
            size_t w = owner[j];

            forms[j] = forms[j - 1];
            owner[j] = owner[j - 1];
            forms[j - 1] = t;
            owner[j - 1] = w;
        }
    }
    flen = nst_calloc(nf + 1, sizeof *flen);
    if (!flen) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    memset(pairs, 0, sizeof pairs);
    for (size_t k = 0; k < nf; k++) {
        unsigned a = (unsigned char)forms[k][0];

        flen[k] = strlen(forms[k]);
        for (unsigned c = 0; c < 256; c++) {
            if (flen[k] == 1 || c == (unsigned char)forms[k][1]) {
                pairs[(a << 8 | c) >> 3] |= (unsigned char)(1u << (c & 7));
            }
        }
    }
    /* One pass into a buffer that grows (a placeholder may be longer than what it
     * replaces); the bytes that may start a placeholder or a form stop the scan of a
     * run, NUL included, so a run is one table lookup per byte (two passes of the pair
     * test were most of this function's time). */
    memset(first, 0, sizeof first);
    first[0] = first[(unsigned char)SECRET_OPEN[0]] = 1;
    for (size_t k = 0; k < nf; k++) {
        first[(unsigned char)forms[k][0]] = 1;
    }
    cap = strlen(text) + 64;
    res = nst_malloc(cap + 1);
    if (!res) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    used = 0;
    /* [run, t) is copied as it is when a form or the end is reached; a placeholder
     * already in the text is part of it. */
    for (const char *t = text, *run = text;;) {
        const char *close;
        size_t k;
        unsigned pair;

        while (!first[(unsigned char)*t]) {
            t++;
        }
        if (!*t) {
            if (secret_put(&res, &used, &cap, run, (size_t)(t - run))) {
                ret = NST_ENOMEM;
                goto cleanup;
            }
            break;
        }
        pair = (unsigned)(unsigned char)t[0] << 8 | (unsigned char)t[1];
        if (*t == SECRET_OPEN[0] && !strncmp(t, SECRET_OPEN, olen) &&
            (close = strchr(t + olen, '}'))) {
            t = close + 1;
            continue;
        }
        k = nf;
        if (pairs[pair >> 3] & (1u << (pair & 7))) {
            for (k = 0; k < nf && strncmp(t, forms[k], flen[k]); k++) {
            }
        }
        if (k == nf) {
            t++;
            continue;
        }
        if (secret_put(&res, &used, &cap, run, (size_t)(t - run)) ||
            secret_put(&res, &used, &cap, SECRET_OPEN, olen) ||
            secret_put(&res, &used, &cap, names[owner[k]], strlen(names[owner[k]])) ||
            secret_put(&res, &used, &cap, "}", 1)) {
            ret = NST_ENOMEM;
            goto cleanup;
        }
        t += flen[k];
        run = t;
    }
    res[used] = '\0';
    *out = res;
    res = NULL;

cleanup:
    for (size_t i = 0; i < nf; i++) {
        secret_wipe_free(forms[i]);
    }
    nst_free(forms);
    nst_free(owner);
    nst_free(flen);
    nst_free(res);
    return ret;
}

void
secret_wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        nst_free(s);
    }
}

nst_err
secret_set_add(struct secret_set *set, const char *name, const char *source, char *why,
               size_t whylen)
{
    char **nn, **nv, *value = NULL;
    nst_err ret;

    if (secret_set_find(set, name)) {
        return NST_OK;
    }
    ret = inv_secret_read(source, &value, why, whylen);
    if (ret) {
        return ret;
    }
    nn = nst_realloc(set->names, (set->n + 1) * sizeof *nn);
    if (nn) {
        set->names = nn;
    }
    nv = nst_realloc(set->values, (set->n + 1) * sizeof *nv);
    if (nv) {
        set->values = nv;
    }
    if (!nn || !nv || !(set->names[set->n] = nst_strdup(name))) {
        inv_secret_wipe(value);
        return NST_ENOMEM;
    }
    set->values[set->n++] = value;
    return NST_OK;
}

const char *
secret_set_find(const struct secret_set *set, const char *name)
{
    for (size_t i = 0; set && i < set->n; i++) {
        if (!strcmp(set->names[i], name)) {
            return set->values[i];
        }
    }
    return NULL;
}

void
secret_set_clear(struct secret_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        nst_free(set->names[i]);
        inv_secret_wipe(set->values[i]);
    }
    nst_free(set->names);
    nst_free(set->values);
    memset(set, 0, sizeof *set);
}

/* The three written forms of @v (raw, full escape, text escape), each distinct: NULL
 * entries where a form repeats another. -1 (and every entry NULL) when memory ran out. */
static int
secret_forms(const char *v, char *f[3])
{
    f[0] = nst_strdup(v);
    f[1] = nst_malloc(secret_xml_escaped_len(v) + 1);
    if (f[1]) {
        *secret_xml_escape_into(f[1], v) = '\0';
    }
    f[2] = secret_xml_text_escape(v);
    if (!f[0] || !f[1] || !f[2]) {
        for (int k = 0; k < 3; k++) {
            secret_wipe_free(f[k]);
            f[k] = NULL;
        }
        return -1;
    }
    for (int k = 1; k < 3; k++) {
        for (int j = 0; j < k && f[k]; j++) {
            if (f[j] && !strcmp(f[j], f[k])) {
                secret_wipe_free(f[k]);
                f[k] = NULL;
            }
        }
    }
    return 0;
}

char *
secret_scrub(const struct secret_set *set, const char *text)
{
    char *s = nst_strdup(text ? text : "");

    for (size_t i = 0; s && set && i < set->n; i++) {
        char *f[3];

        if (!set->values[i] || !*set->values[i]) {
            continue;
        }
        if (secret_forms(set->values[i], f)) {
            /* Out of memory: give nothing rather than something unscrubbed. */
            secret_wipe_free(s);
            s = NULL;
        }
        for (int k = 0; k < 3 && s; k++) {
            size_t vl, ml = strlen(SECRET_MASK), n = 0, len;
            const char *p, *hit;
            char *o, *res;

            if (!f[k] || !strstr(s, f[k])) {
                continue;
            }
            vl = strlen(f[k]);
            for (p = s; (hit = strstr(p, f[k])); p = hit + vl) {
                n++;
            }
            len = strlen(s) - n * vl + n * ml;
            res = nst_malloc(len + 1);
            if (!res) {
                secret_wipe_free(s);
                s = NULL;
                break;
            }
            o = res;
            for (p = s; (hit = strstr(p, f[k])); p = hit + vl) {
                memcpy(o, p, (size_t)(hit - p));
                o += hit - p;
                memcpy(o, SECRET_MASK, ml);
                o += ml;
            }
            strcpy(o, p);
            secret_wipe_free(s);
            s = res;
        }
        for (int k = 0; k < 3; k++) {
            secret_wipe_free(f[k]);
        }
    }
    return s;
}

void
secret_scrub_buf(const struct secret_set *set, char *buf, size_t len)
{
    char *s;
    size_t n;

    if (!buf || !len) {
        return;
    }
    s = secret_scrub(set, buf);
    if (!s) {
        explicit_bzero(buf, len);
        return;
    }
    /* The whole buffer is overwritten: a shorter result must not leave the old tail (and
     * a secret in it) behind its terminator. */
    n = strlen(s) < len - 1 ? strlen(s) : len - 1;
    explicit_bzero(buf, len);
    memcpy(buf, s, n);
    nst_free(s);
}
