/*
 * util.h: the one utility layer of the library: a growable byte buffer (that can also
 * stream to a file), appending text escaped for XML or JSON, and the FNV-1a hash.
 *
 * Every file of compiler/, drivers/ and netconf/ uses these instead of a copy of its own.
 * Allocation goes through alloc.h, so the fault-injection tests reach every buffer.
 * Nothing here knows netstitch's data; nothing here is global.
 *
 * Deliberately not here: parsing. JSON and XML are parsed by libyang and libxml2 (and the
 * source map's own JSON scanner in srcmap.c, which needs byte offsets no library gives).
 */
#ifndef NST_UTIL_H
#define NST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "netstitch.h"

/*
 * A growable NUL-terminated byte buffer. Zero-initialise it ({0}); free it with
 * buf_clear(). With @f set, bytes are written to that file instead, a block of
 * BUF_STREAM_BLOCK bytes at a time, and nothing else is kept; buf_flush() writes the
 * last one (plan.json is tens of MB at 1000 routers and is streamed,
 * docs/PERFORMANCE.md).
 * A failed allocation or write is sticky: later appends do nothing and report the
 * failure again, so a caller may check once at the end (buf_failed()).
 */
#define BUF_STREAM_BLOCK (64 * 1024)

struct buf {
    char *p; /* the bytes, NUL-terminated; NULL until the first append */
    size_t len, cap;
    size_t min_cap; /* the first allocation (0: 256 bytes) */
    FILE *f;        /* stream to this file instead (borrowed) */
    int oom;        /* an allocation failed */
    int ioerr;      /* a write to f failed: its errno */
};

/* buf_add() when the bytes do not fit, the buffer streams or has failed. */
nst_err buf_add_slow(struct buf *b, const void *s, size_t n);

/* Append @n bytes of @s. NST_OK, NST_ENOMEM, NST_EIO (streaming). The common case (room
 * left, not streaming, no failure) inline: buf_add() is called about 3 million times at
 * 100 routers, mostly for a few bytes. */
static inline nst_err
buf_add(struct buf *b, const void *s, size_t n)
{
    if (!b->f && !(b->oom | b->ioerr) && b->p && n < b->cap - b->len) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
        return NST_OK;
    }
    return buf_add_slow(b, s, n);
}

/* Append a NUL-terminated string. */
static inline nst_err
buf_puts(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}
/* Append formatted text (any length). */
nst_err buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append @s escaped as XML character data, or as an attribute value when @attr is set
 * (also escapes '"', and tab, newline and carriage return as character references). */
nst_err buf_put_xml(struct buf *b, const char *s, int attr);
/* Append @s as a JSON string literal (quotes included); NULL appends null. Bytes >= 0x80
 * pass through unchanged; control characters and DEL become \uXXXX (lowercase hex). */
nst_err buf_put_json_str(struct buf *b, const char *s);
/* Streaming: write the bytes collected so far to @f. Its status, as buf_failed(). */
nst_err buf_flush(struct buf *b);
/* Remove the first @n bytes (n <= len). */
void buf_drop(struct buf *b, size_t n);
/* NST_ENOMEM or NST_EIO if any append failed, else NST_OK. */
nst_err buf_failed(const struct buf *b);
/* Hand the bytes to the caller (freed with nst_free(); NULL if nothing was appended or an
 * append failed) and reset the buffer. */
char *buf_take(struct buf *b);
/* Free the bytes and reset the buffer (f and min_cap are kept). */
void buf_clear(struct buf *b);

/* FNV-1a over @n bytes (32 and 64 bit) and over a NUL-terminated string. Stable: driver
 * output (SR OS stitch ids, shortened names) depends on the 32-bit value. */
uint32_t util_fnv1a32(const void *p, size_t n);
uint64_t util_fnv1a64(const void *p, size_t n);
uint32_t util_fnv1a32_str(const char *s);
uint64_t util_fnv1a64_str(const char *s);

#endif
