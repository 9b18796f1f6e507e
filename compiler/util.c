/*
 * util.c: the growable buffer, XML and JSON escaping and the FNV-1a hash (util.h).
 */
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "alloc.h"

nst_err
buf_failed(const struct buf *b)
{
    return b->oom ? NST_ENOMEM : b->ioerr ? NST_EIO : NST_OK;
}

nst_err
buf_add_slow(struct buf *b, const void *s, size_t n)
{
    size_t cap;
    char *np;

    if (b->oom || b->ioerr) {
        return buf_failed(b);
    }
    if (b->f) {
        /* Streaming: collected into blocks of BUF_STREAM_BLOCK bytes, written whole (a
         * write per piece cost more than building the text). */
        if (b->len + n + 1 > BUF_STREAM_BLOCK && buf_flush(b)) {
            return buf_failed(b);
        }
        if (n + 1 > BUF_STREAM_BLOCK) {
            if (fwrite(s, 1, n, b->f) != n) {
                b->ioerr = errno ? errno : EIO;
            }
            return buf_failed(b);
        }
        if (!b->p) {
            b->p = nst_malloc(BUF_STREAM_BLOCK);
            if (!b->p) {
                b->oom = 1;
                return NST_ENOMEM;
            }
            b->cap = BUF_STREAM_BLOCK;
        }
    }
    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : b->min_cap ? b->min_cap : 256;
        while (cap < b->len + n + 1) {
            if (cap > SIZE_MAX / 2) {
                b->oom = 1;
                return NST_ENOMEM;
            }
            cap *= 2;
        }
        np = nst_realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return NST_ENOMEM;
        }
        b->p = np;
        b->cap = cap;
    }
    if (n) {
        memcpy(b->p + b->len, s, n);
    }
    b->len += n;
    b->p[b->len] = '\0';
    return NST_OK;
}

nst_err
buf_flush(struct buf *b)
{
    if (b->oom || b->ioerr) {
        return buf_failed(b);
    }
    if (b->f && b->len) {
        if (fwrite(b->p, 1, b->len, b->f) != b->len) {
            b->ioerr = errno ? errno : EIO;
        }
        b->len = 0;
        b->p[0] = '\0';
    }
    return buf_failed(b);
}

nst_err
buf_printf(struct buf *b, const char *fmt, ...)
{
    char small[256], *big;
    va_list ap;
    int n;
    nst_err ret;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return NST_EINVAL;
    }
    if ((size_t)n < sizeof small) {
        return buf_add(b, small, (size_t)n);
    }
    big = nst_malloc((size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return NST_ENOMEM;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ret = buf_add(b, big, (size_t)n);
    nst_free(big);
    return ret;
}

nst_err
buf_put_xml(struct buf *b, const char *s, int attr)
{
    const char *run = s, *r;

    for (; *s; s++) {
        switch (*s) {
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
            r = attr ? "&quot;" : NULL;
            break;
        case '\t':
            r = attr ? "&#9;" : NULL;
            break;
        case '\n':
            r = attr ? "&#10;" : NULL;
            break;
        case '\r':
            r = "&#13;";
            break;
        default:
            r = NULL;
        }
        if (r) {
            buf_add(b, run, (size_t)(s - run));
            buf_puts(b, r);
            run = s + 1;
        }
    }
    buf_add(b, run, (size_t)(s - run));
    return buf_failed(b);
}

nst_err
buf_put_json_str(struct buf *b, const char *s)
{
    const unsigned char *p, *run;

    if (!s) {
        return buf_puts(b, "null");
    }
    /* Most strings (names, numbers as text) need no escape: one copy, quotes included. */
    for (p = (const unsigned char *)s; *p >= 0x20 && *p != 0x7f && *p != '"' && *p != '\\'; p++) {
    }
    if (!*p) {
        size_t n = (size_t)(p - (const unsigned char *)s);

        if (!b->f && !(b->oom | b->ioerr) && b->p && n + 2 < b->cap - b->len) {
            char *d = b->p + b->len;

            d[0] = '"';
            memcpy(d + 1, s, n);
            d[n + 1] = '"';
            d[n + 2] = '\0';
            b->len += n + 2;
            return NST_OK;
        }
    }
    buf_puts(b, "\"");
    for (p = run = (const unsigned char *)s; *p; p++) {
        const char *r = NULL;
        char u[8];

        switch (*p) {
        case '"':
            r = "\\\"";
            break;
        case '\\':
            r = "\\\\";
            break;
        case '\n':
            r = "\\n";
            break;
        case '\t':
            r = "\\t";
            break;
        case '\r':
            r = "\\r";
            break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(u, sizeof u, "\\u%04x", *p);
                r = u;
            }
        }
        if (r) {
            buf_add(b, run, (size_t)(p - run));
            buf_puts(b, r);
            run = p + 1;
        }
    }
    buf_add(b, run, (size_t)(p - run));
    return buf_puts(b, "\"");
}

void
buf_drop(struct buf *b, size_t n)
{
    if (!b->p || n > b->len) {
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
    b->p[b->len] = '\0';
}

char *
buf_take(struct buf *b)
{
    char *p = b->oom || b->ioerr ? NULL : b->p;

    if (!p) {
        nst_free(b->p);
    }
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = b->ioerr = 0;
    return p;
}

void
buf_clear(struct buf *b)
{
    nst_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = b->ioerr = 0;
}

uint32_t
util_fnv1a32(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 16777619u;
    }
    return h;
}

uint64_t
util_fnv1a64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint32_t
util_fnv1a32_str(const char *s)
{
    return util_fnv1a32(s, strlen(s));
}

uint64_t
util_fnv1a64_str(const char *s)
{
    return util_fnv1a64(s, strlen(s));
}
