/*
 * history.c: what the history commands share (cli.h: cli_hist_*): opening the history of
 * a state location, times as ISO 8601 UTC, time arguments ("2026-12-01", "2026-12-01T10:00:00",
 * or an age "30m", "12h", "7d"), and one transaction's row as JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>

#include "cli.h"

void
cli_hist_time(long long ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (!ms || !gmtime_r(&t, &tm)) {
        snprintf(buf, len, "-");
        return;
    }
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
cli_hist_parse_age(const char *s, long long *ms)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    long long unit;

    if (end == s || !end[0] || end[1]) {
        return -1;
    }
    switch (end[0]) {
    case 's':
        unit = 1000LL;
        break;
    case 'm':
        unit = 60 * 1000LL;
        break;
    case 'h':
        unit = 3600 * 1000LL;
        break;
    case 'd':
        unit = 86400 * 1000LL;
        break;
    default:
        return -1;
    }
    if (v > 100000ULL * 365) {
        return -1;
    }
    *ms = (long long)v * unit;
    return 0;
}

int
cli_hist_parse_time(const char *s, long long *ms)
{
    struct tm tm;
    const char *end;
    long long age;

    if (!cli_hist_parse_age(s, &age)) {
        *ms = (long long)time(NULL) * 1000 - age;
        return 0;
    }
    memset(&tm, 0, sizeof tm);
    end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) {
        memset(&tm, 0, sizeof tm);
        end = strptime(s, "%Y-%m-%d", &tm);
    }
    if (!end || (*end && strcmp(end, "Z"))) {
        return -1;
    }
    *ms = (long long)timegm(&tm) * 1000;
    return 0;
}

int
cli_state_missing(const char *state, const char *command)
{
    const char *env = getenv("NETSTITCH_STATE");
    struct stat st;

    if ((!state || !*state) && env && *env) {
        state = env;
    }
    /* The default directory and URLs are left to the store; only a directory the user
     * named is checked, since opening it would create it. */
    if (!state || !*state || strstr(state, "://") || stat(state, &st) == 0 || errno != ENOENT) {
        return 0;
    }
    fprintf(stderr,
            "netstitch %s: no state directory '%s': nothing was pushed with it (check "
            "--state-dir or NETSTITCH_STATE)\n",
            command, state);
    return 1;
}

struct nst_history *
cli_hist_open(struct nst_ctx *ctx, const char *state, const char *command)
{
    struct nst_history *h = NULL;

    if (cli_state_missing(state, command)) {
        return NULL;
    }
    if (nst_history_open(ctx, state, &h)) {
        fprintf(stderr, "netstitch %s: %s\n", command,
                h && *nst_history_message(h) ? nst_history_message(h)
                                             : "cannot open the state store");
        nst_history_free(h);
        return NULL;
    }
    return h;
}

int
cli_hist_opt(int c, const char *arg, const char *command, const char **state, int *fmt,
             const char **yang_dir)
{
    if (c == 's') {
        *state = arg;
    } else if (c == 'y') {
        *yang_dir = arg;
    } else if ((*fmt = cli_parse_format(arg)) < 0) {
        fprintf(stderr, "netstitch %s: --format is text or json, not '%s'\n", command, arg);
        return 1;
    }
    return 0;
}

struct nst_history *
cli_hist_open_new(const char *yang_dir, const char *state, const char *command,
                  struct nst_ctx **ctx)
{
    struct nst_history *h;

    *ctx = NULL;
    if (nst_ctx_new(yang_dir, ctx)) {
        fprintf(stderr, "netstitch %s: cannot load the netstitch YANG models\n", command);
        nst_ctx_free(*ctx);
        *ctx = NULL;
        return NULL;
    }
    h = cli_hist_open(*ctx, state, command);
    if (!h) {
        nst_ctx_free(*ctx);
        *ctx = NULL;
    }
    return h;
}

void
cli_hist_row_json(FILE *out, const struct nst_history *h, size_t i)
{
    static const struct {
        const char *key;
        enum nst_history_field f;
    } fields[] = {
        {"id", NST_HISTORY_ID},           {"kind", NST_HISTORY_KIND},
        {"outcome", NST_HISTORY_OUTCOME}, {"user", NST_HISTORY_USER},
        {"host", NST_HISTORY_HOST},       {"service", NST_HISTORY_SERVICE},
        {"comment", NST_HISTORY_COMMENT}, {"rollback_of", NST_HISTORY_ROLLBACK_OF},
    };
    char t[32];
    const char *devs = nst_history_field(h, i, NST_HISTORY_DEVICES);

    fputc('{', out);
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        const char *v = nst_history_field(h, i, fields[k].f);

        fprintf(out, "%s\"%s\": ", k ? ", " : "", fields[k].key);
        /* Optional fields are null when empty. */
        cli_json_str(out, !*v && k >= 5 ? NULL : v);
    }
    cli_hist_time(nst_history_time(h, i, 0), t, sizeof t);
    fprintf(out, ", \"started\": ");
    cli_json_str(out, t);
    cli_hist_time(nst_history_time(h, i, 1), t, sizeof t);
    fprintf(out, ", \"finished\": ");
    cli_json_str(out, nst_history_time(h, i, 1) ? t : NULL);
    fprintf(out, ", \"devices\": [");
    for (const char *d = devs; *d;) {
        const char *c = strchr(d, ',');
        size_t n = c ? (size_t)(c - d) : strlen(d);
        char name[256];

        snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), d);
        fprintf(out, "%s", d == devs ? "" : ", ");
        cli_json_str(out, name);
        d += n + (c ? 1 : 0);
    }
    fputs("]}", out);
}

/* 1 when @list ("a,b,c") holds @name. */
int
cli_hist_has_device(const char *list, const char *name)
{
    size_t n = strlen(name);

    for (const char *d = list; d && *d;) {
        const char *c = strchr(d, ',');
        size_t len = c ? (size_t)(c - d) : strlen(d);

        if (len == n && !strncmp(d, name, n)) {
            return 1;
        }
        d = c ? c + 1 : NULL;
    }
    return 0;
}
