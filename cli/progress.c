/*
 * progress.c: the live progress line for work on several devices (push, rollback,
 * recover), shared by every command that runs a transaction.
 *
 * On a terminal, stderr carries one status line redrawn in place:
 *
 *     netstitch: prepare: 6/6 devices, 21 steps | partner-ccx edit-config ok | 1 failed
 *
 * the phase, how many devices have done a step in it (of how many: the devices seen
 * connecting) and how many steps, the last step, and a count of failures. A failed step is also
 * printed as a line of its own that stays. The line is erased before the command prints its report,
 * so the report reads as without it. When stderr is not a terminal (a pipe, a file, CI),
 * or TERM is "dumb", there is no display at all: cli_display_init() returns 0, every
 * other call does nothing, and the caller keeps its plain log (or nothing, with -q). No
 * escape sequence ever reaches a pipe.
 *
 * Deliberately small: no colours, no threads (the library serializes progress
 * callbacks), no allocation: struct cli_display (cli.h) lives inside its caller's
 * state, and the devices of a phase are remembered by a hash in a fixed table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

static uint64_t
name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    }
    return h ? h : 1;
}

static int
display_wanted(void)
{
    const char *term = getenv("TERM");

    return isatty(STDERR_FILENO) && !(term && !strcmp(term, "dumb"));
}

static size_t
term_width(void)
{
    struct winsize ws;

    if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col >= 20) {
        return ws.ws_col;
    }
    return 80;
}

static void
display_erase(struct cli_display *d)
{
    if (d->drawn) {
        fputs("\r\033[K", stderr);
        d->drawn = 0;
    }
}

static void
display_draw(struct cli_display *d)
{
    char line[512];
    size_t w = term_width();
    int n;

    if (d->total) {
        n = snprintf(line, sizeof line, "%s: %s: %zu/%zu devices, %zu step%s", d->prefix, d->phase,
                     d->nseen, d->total, d->steps, d->steps == 1 ? "" : "s");
    } else {
        n = snprintf(line, sizeof line, "%s: %s: %zu device%s, %zu step%s", d->prefix, d->phase,
                     d->nseen, d->nseen == 1 ? "" : "s", d->steps, d->steps == 1 ? "" : "s");
    }
    if (n > 0 && d->last[0] && (size_t)n < sizeof line) {
        n += snprintf(line + n, sizeof line - (size_t)n, " | %s", d->last);
    }
    if (n > 0 && d->failed && (size_t)n < sizeof line) {
        snprintf(line + n, sizeof line - (size_t)n, " | %zu failed", d->failed);
    }
    /* One column short of the width, so the terminal never wraps the line. */
    if (strlen(line) >= w) {
        line[w - 1] = '\0';
    }
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    d->drawn = 1;
}

int
cli_display_init(struct cli_display *d, const char *command)
{
    memset(d, 0, sizeof *d);
    if (!display_wanted()) {
        return 0;
    }
    d->active = 1;
    snprintf(d->prefix, sizeof d->prefix, "netstitch%s%s", command ? " " : "",
             command ? command : "");
    snprintf(d->phase, sizeof d->phase, "starting");
    return 1;
}

void
cli_display_set_total(struct cli_display *d, size_t devices)
{
    d->total = devices;
}

void
cli_display_event(struct cli_display *d, const char *phase, const char *device, const char *step,
                  const char *result)
{
    unsigned long long h;
    size_t i;

    if (!d->active) {
        return;
    }
    if (!device) {
        /* A new phase: the devices seen connecting are all the transaction has. */
        if (!d->total && d->nseen && !strcmp(d->phase, "connect")) {
            d->total = d->nseen;
        }
        snprintf(d->phase, sizeof d->phase, "%s", phase ? phase : "");
        d->nseen = 0;
        d->steps = 0;
        d->last[0] = '\0';
        if (!strcmp(d->phase, "done")) {
            display_erase(d);
            fflush(stderr);
            return;
        }
        display_draw(d);
        return;
    }
    d->steps++;
    h = name_hash(device);
    for (i = 0; i < d->nseen && d->seen[i] != h; i++) {
    }
    if (i == d->nseen && d->nseen < CLI_DISPLAY_MAX_DEVICES) {
        d->seen[d->nseen++] = h;
    }
    snprintf(d->last, sizeof d->last, "%s %s %s", device, step ? step : "", result ? result : "");
    if (result && !strcmp(result, "failed")) {
        d->failed++;
        /* A failure stays on the screen above the status line. */
        display_erase(d);
        fprintf(stderr, "%s: %s: %s failed\n", d->prefix, device, step ? step : "");
    }
    display_draw(d);
}

void
cli_display_end(struct cli_display *d)
{
    if (d->active) {
        display_erase(d);
        fflush(stderr);
    }
}
