/*
 * output.c: how the command prints diagnostics.
 *
 * Text (the default): one line per diagnostic, `file:line: severity CODE: message [path]`,
 * sorted by file and line, the form compilers use so editors can jump to it; with -v
 * the offending source line and the hint follow. A summary goes to stderr so stdout
 * stays machine-parsable. JSON (--format json): one document with every field, for
 * pipelines.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

int
cli_parse_number(const char *cmd, const char *opt, const char *arg, unsigned long lo,
                 unsigned long hi, const char *unit, unsigned long *out)
{
    const char *p = arg;
    unsigned long v;
    char *end;

    /* Digits only: strtoul() would take a sign ("-1" becomes ULONG_MAX), blanks and
     * "+", and wrap a number too large for the type without a word. */
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    errno = 0;
    v = p != arg && !*p ? strtoul(arg, &end, 10) : 0;
    if (p == arg || *p || errno == ERANGE || v < lo || v > hi) {
        if (unit) {
            fprintf(stderr, "netstitch %s: %s needs %lu..%lu %s\n", cmd, opt, lo, hi, unit);
        } else {
            fprintf(stderr, "netstitch %s: %s needs a positive number\n", cmd, opt);
        }
        return -1;
    }
    *out = v;
    return 0;
}

int
cli_parse_format(const char *s)
{
    if (!strcmp(s, "text")) {
        return OUT_TEXT;
    }
    if (!strcmp(s, "json")) {
        return OUT_JSON;
    }
    return -1;
}

/* Length of the valid UTF-8 sequence at @p (at most @left bytes), 0 if it is not one. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    size_t len = c < 0x80                ? 1
                 : c >= 0xc2 && c < 0xe0 ? 2
                 : c >= 0xe0 && c < 0xf0 ? 3
                 : c >= 0xf0 && c < 0xf5 ? 4
                                         : 0;
    unsigned char lo = 0x80, hi = 0xbf;

    if (!len || len > left) {
        return 0;
    }
    /* No overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
    if (c == 0xe0) {
        lo = 0xa0;
    } else if (c == 0xed) {
        hi = 0x9f;
    } else if (c == 0xf0) {
        lo = 0x90;
    } else if (c == 0xf4) {
        hi = 0x8f;
    }
    for (size_t i = 1; i < len; i++) {
        if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf)) {
            return 0;
        }
    }
    return len;
}

/*
 * A jansson string of @s (NULL gives JSON null). jansson refuses text that is not UTF-8
 * (a file name, say): each byte that is not part of a valid sequence becomes U+FFFD, so
 * that the document stays valid JSON. NULL only when out of memory.
 */
static json_t *
cli_json_string(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n, k = 0, len;
    char *fixed;
    json_t *j;

    if (!s) {
        return json_null();
    }
    j = json_string(s);
    if (j) {
        return j;
    }
    n = strlen(s);
    fixed = malloc(3 * n + 1);
    for (size_t i = 0; fixed && i < n; i += len ? len : 1) {
        len = utf8_len(p + i, n - i);
        if (len) {
            memcpy(fixed + k, p + i, len);
            k += len;
        } else {
            memcpy(fixed + k, "\xef\xbf\xbd", 3);
            k += 3;
        }
    }
    if (!fixed) {
        return NULL;
    }
    fixed[k] = '\0';
    j = json_string(fixed);
    free(fixed);
    return j;
}

void
cli_json_str(FILE *out, const char *s)
{
    json_t *j = cli_json_string(s);

    if (!j || json_dumpf(j, out, JSON_ENCODE_ANY)) {
        fputs("null", out);
    }
    json_decref(j);
}

/* One diagnostic as a compact JSON object, members in this order. */
static void
cli_json_diag(FILE *out, const struct nst_diag *d)
{
    json_t *o = json_object();

    if (o) {
        json_object_set_new(o, "severity", json_string(nst_severity_name(nst_diag_severity(d))));
        json_object_set_new(o, "code", cli_json_string(nst_diag_code(d)));
        json_object_set_new(o, "file", cli_json_string(nst_diag_file(d)));
        json_object_set_new(o, "line", json_integer(nst_diag_line(d)));
        json_object_set_new(o, "path", cli_json_string(nst_diag_path(d)));
        json_object_set_new(o, "device", cli_json_string(nst_diag_device(d)));
        json_object_set_new(o, "message", cli_json_string(nst_diag_message(d)));
        json_object_set_new(o, "hint", cli_json_string(nst_diag_hint(d)));
    }
    if (!o || json_object_size(o) != 8 || json_dumpf(o, out, JSON_COMPACT)) {
        fputs("null", out);
    }
    json_decref(o);
}

/* The @line-th line of @file into @buf, or NULL. */
static const char *
source_line(const char *file, unsigned line, char *buf, size_t len)
{
    FILE *f;
    unsigned n = 0;

    if (!file || !line || !(f = fopen(file, "r"))) {
        return NULL;
    }
    while (fgets(buf, (int)len, f)) {
        size_t l = strlen(buf);
        int whole = l && buf[l - 1] == '\n';

        if (++n == line) {
            fclose(f);
            buf[strcspn(buf, "\r\n")] = '\0';
            return buf;
        }
        /* Skip the rest of an over-long line. */
        while (!whole && fgets(buf, (int)len, f)) {
            l = strlen(buf);
            whole = l && buf[l - 1] == '\n';
        }
    }
    fclose(f);
    return NULL;
}

void
cli_print_diags(FILE *out, struct nst_ctx *ctx, enum out_format fmt, int verbose,
                const char *command, int exit_code)
{
    size_t i, n = nst_diag_count(ctx);
    char buf[512];

    if (fmt == OUT_JSON) {
        fprintf(out, "{\"command\":");
        cli_json_str(out, command);
        fprintf(out, ",\"exit\":%d,\"errors\":%zu,\"warnings\":%zu,\"notes\":%zu,\"diagnostics\":[",
                exit_code, nst_diag_count_severity(ctx, NST_SEV_ERROR),
                nst_diag_count_severity(ctx, NST_SEV_WARNING),
                nst_diag_count_severity(ctx, NST_SEV_NOTE));
        for (i = 0; i < n; i++) {
            const struct nst_diag *d = nst_diag_get(ctx, i);

            fputs(i ? ",\n  " : "\n  ", out);
            cli_json_diag(out, d);
        }
        fputs(n ? "\n]}\n" : "]}\n", out);
        return;
    }
    for (i = 0; i < n; i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);
        const char *path = nst_diag_path(d);

        /* Unknown lines are left out rather than printed as line 0. */
        if (nst_diag_line(d)) {
            fprintf(out, "%s:%u: ", nst_diag_file(d) ? nst_diag_file(d) : "-", nst_diag_line(d));
        } else {
            fprintf(out, "%s: ", nst_diag_file(d) ? nst_diag_file(d) : "-");
        }
        fprintf(out, "%s %s: %s", nst_severity_name(nst_diag_severity(d)), nst_diag_code(d),
                nst_diag_message(d));
        if (path) {
            fprintf(out, " [%s]", path);
        }
        fputc('\n', out);
        if (verbose) {
            const char *src = source_line(nst_diag_file(d), nst_diag_line(d), buf, sizeof buf);

            if (src) {
                fprintf(out, "    %5u | %s\n", nst_diag_line(d), src);
            }
            if (nst_diag_hint(d)) {
                fprintf(out, "    hint: %s\n", nst_diag_hint(d));
            }
        }
    }
}

void
cli_print_fail_json(FILE *out, struct nst_ctx *ctx, const char *command, int exit_code,
                    const char *message)
{
    size_t i, n = ctx ? nst_diag_count(ctx) : 0;

    fprintf(out, "{\"command\":");
    cli_json_str(out, command);
    fprintf(out, ",\"exit\":%d,\"message\":", exit_code);
    cli_json_str(out, message && *message ? message : NULL);
    fprintf(out, ",\"errors\":%zu,\"diagnostics\":[",
            ctx ? nst_diag_count_severity(ctx, NST_SEV_ERROR) : 0);
    for (i = 0; i < n; i++) {
        fputs(i ? ",\n  " : "\n  ", out);
        cli_json_diag(out, nst_diag_get(ctx, i));
    }
    fputs(n ? "\n]}\n" : "]}\n", out);
}
