/*
 * cli.h: shared pieces of the netstitch command. Every subcommand lives in its own
 * file (cmd_<name>.c) and uses only the public header netstitch.h.
 */
#ifndef NST_CLI_H
#define NST_CLI_H

#include <stdio.h>

#include "netstitch.h"

/* Exit codes, documented in docs/cli.md. */
#define EXIT_CLEAN 0
#define EXIT_ERRORS 1
#define EXIT_USAGE 2
#define EXIT_PENDING 3

enum out_format { OUT_TEXT, OUT_JSON };

/* Print every diagnostic of @ctx: text lines or one JSON document. @verbose adds the
 * source line and the hint under each text diagnostic. */
void cli_print_diags(FILE *out, struct nst_ctx *ctx, enum out_format fmt, int verbose,
                     const char *command, int exit_code);
/* A failed command's --format json document: {"command", "exit", "message" (or null),
 * "errors", "diagnostics"} (@ctx may be NULL). */
void cli_print_fail_json(FILE *out, struct nst_ctx *ctx, const char *command, int exit_code,
                         const char *message);
/* Print a JSON string literal, escaped. */
void cli_json_str(FILE *out, const char *s);
/* Parse a --format value; -1 when unknown. */
int cli_parse_format(const char *s);
/* Parse option @opt's value @arg as a decimal number in @lo..@hi (digits only: no sign,
 * blank or overflow). On anything else print "netstitch CMD: OPT needs LO..HI UNIT" (or,
 * with @unit NULL, "needs a positive number") and return -1. */
int cli_parse_number(const char *cmd, const char *opt, const char *arg, unsigned long lo,
                     unsigned long hi, const char *unit, unsigned long *out);
/* Whether a command frees the library's objects before it exits (main.c): under
 * AddressSanitizer or LeakSanitizer, whose leak check must see them freed, or with
 * NST_FREE_AT_EXIT set (for valgrind). Otherwise the exit returns the memory at once,
 * and freeing a compile's trees and contexts one block at a time is work nobody uses
 * (docs/PERFORMANCE.md, round 5). */
int cli_free_at_exit(void);

int cmd_check(int argc, char **argv);
int cmd_compile(int argc, char **argv);
/* graph (cmd_graph.c): the service as Graphviz DOT. */
int cmd_graph(int argc, char **argv);

/* push, rollback, recover (cmd_push.c, cmd_rollback.c, cmd_recover.c; docs/push.md); the
 * report and progress they share (txn_report.c). */
#define EXIT_TXN_INCOMPLETE 4
#define EXIT_TXN_BUSY 5
#define EXIT_TXN_WINDOW 7 /* push --confirm-window: committed, the window is open */
struct nst_txn;
/* Progress printer (and test pause hook) for a transaction; free() the result. */
void *cli_txn_progress_new(int quiet);
void cli_test_pause(const char *event);
void cli_txn_attach_progress(struct nst_txn *txn, void *progress);
/* Exit status for a transaction's outcome and the library's return code. */
int cli_txn_exit(const struct nst_txn *txn, nst_err err);
/* Print the transaction report (text or JSON). */
void cli_txn_report(FILE *out, const struct nst_txn *txn, const char *command, int exit_code,
                    enum out_format fmt);
int cmd_push(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_recover(int argc, char **argv);

/*
 * Live progress line on stderr for work on several devices (progress.c). Only on a
 * terminal: cli_display_init() returns 0 when stderr is not a tty or TERM is dumb, and
 * the other calls then do nothing. cli_display_event() takes a transaction's progress
 * events (@device NULL when phase @phase starts; phase "done" erases the line).
 */
#define CLI_DISPLAY_MAX_DEVICES 512
struct cli_display {
    int active;                /* stderr is a terminal */
    char prefix[48];           /* "netstitch push" */
    char phase[32];
    char last[160];            /* "device step result" */
    unsigned long long seen[CLI_DISPLAY_MAX_DEVICES]; /* hashes of devices done in the phase */
    size_t nseen;
    size_t steps;              /* steps finished in the phase */
    size_t total;              /* devices of the transaction, 0 while unknown */
    size_t failed;
    int drawn;                 /* a status line is on the screen */
};
int cli_display_init(struct cli_display *d, const char *command);
/* The number of devices, when known before the first phase. */
void cli_display_set_total(struct cli_display *d, size_t devices);
void cli_display_event(struct cli_display *d, const char *phase, const char *device,
                       const char *step, const char *result);
/* Erase the line. */
void cli_display_end(struct cli_display *d);

/* diff and the service lifecycle (cmd_diff.c, cmd_delete.c, apply.c; docs/diff.md). */
#define EXIT_DRIFT 6
struct nst_diff;
struct cli_apply {
    const char *name;        /* --name, or NULL: derived from the service file */
    const char *state_dir;
    unsigned jobs;
    const char *const *tdirs; /* --templates */
    size_t ntdirs;
    int force;               /* overwrite drift */
    unsigned txn_flags;      /* NST_TXN_DRY_RUN, NST_TXN_NO_VALIDATE */
    enum out_format fmt;
    const char *comment;     /* --comment, for the history */
    int redeploy;            /* re-send in-sync devices' whole configuration (implies force) */
    int diff_fmt;            /* --dry-run: print the diff in this nst_diff_format; -1: none */
    const char *const *limit; /* --limit devices, or NULL */
    size_t nlimit;
};
/* Add the devices of one --limit argument ("a,b") to @list (at most @max); -1 when full. */
int cli_limit_add(const char *arg, const char **list, size_t *n, size_t max, char *buf,
                  size_t buflen, size_t *used);
/* --diff-format: tree|cli|xml|json as an nst_diff_format, -1 when unknown. */
int cli_parse_diff_format(const char *s);
int cmd_diff(int argc, char **argv);
int cmd_delete(int argc, char **argv);
/* The service's name: @given, else the file's base name, or its directory's for service.*. */
int cli_service_name(const char *path, const char *given, char *buf, size_t len);
int cli_diff_add_compiled(struct nst_diff *d, const struct nst_service *svc,
                          const struct nst_compiled *comp);
void cli_diff_summary(FILE *out, const char *command, const char *service,
                      const struct nst_diff *d);
/* Push a run diff's changes through @txn (configured, not run); returns the exit status. */
int cli_diff_apply(struct nst_diff *d, struct nst_txn *txn, const char *command,
                   const char *service, const struct cli_apply *o);
/* Every DIR/<device>.xml (regular files up to 32 MiB, in name order) to @add; messages name
 * @command. Returns the exit status (EXIT_USAGE on an unreadable file or none at all). */
int cli_payload_dir(const char *dir, const char *command,
                    int (*add)(void *user, const char *device, const char *text, const char *path),
                    void *user);
/* The service DIR/plan.json (netstitch compile -o DIR) was compiled from, named as
 * cli_service_name() names it; 0 when found. */
int cli_payload_dir_service(const char *dir, char *buf, size_t len);
/* push --payloads DIR with the lifecycle, as the service @name. */
int cli_push_payloads(struct nst_ctx *ctx, const struct nst_inventory *inv, struct nst_txn *txn,
                      const char *name, const char *dir, const struct cli_apply *o);
/* push SERVICE with the lifecycle: diff the compiled service (@comp, borrowed) against the
 * devices, push the changes, record ownership. */
int cli_push_service(struct nst_ctx *ctx, const struct nst_inventory *inv, struct nst_txn *txn,
                     const struct nst_compiled *comp, const char *path,
                     const struct cli_apply *o);

/* History (history.c; cmd_log.c, cmd_show.c, cmd_services.c, cmd_gc.c; docs/push.md). */
struct nst_history;
/* Non-zero, after saying so on stderr, when @state (else $NETSTITCH_STATE) names a directory
 * that does not exist: commands that only read the store refuse it rather than create an
 * empty store and report "nothing" for a mistyped path. The default directory and
 * postgresql:// URLs are never "missing". */
int cli_state_missing(const char *state, const char *command);
struct nst_history *cli_hist_open(struct nst_ctx *ctx, const char *state, const char *command);
/* The options every history command takes, and their handling: 's' --state-dir/--state,
 * 'f' --format text|json, 'y' --yang-dir. cli_hist_opt() stores @arg; non-zero after
 * printing why a value is refused (exit with usage). */
/* clang-format off */
#define CLI_HIST_LONGOPTS                            \
    {"state-dir", required_argument, NULL, 's'},     \
    {"state", required_argument, NULL, 's'},         \
    {"format", required_argument, NULL, 'f'},        \
    {"yang-dir", required_argument, NULL, 'y'}
/* clang-format on */
int cli_hist_opt(int c, const char *arg, const char *command, const char **state, int *fmt,
                 const char **yang_dir);
/* cli_hist_open() with a new context on @yang_dir (*ctx, freed and NULL on failure, when
 * the reason has been printed). */
struct nst_history *cli_hist_open_new(const char *yang_dir, const char *state, const char *command,
                                      struct nst_ctx **ctx);
/* ISO 8601 UTC of unix milliseconds, "-" for 0. */
void cli_hist_time(long long ms, char *buf, size_t len);
/* "30m", "12h", "7d", "90s" as milliseconds; -1 when malformed. */
int cli_hist_parse_age(const char *s, long long *ms);
/* An age (now minus it) or "YYYY-MM-DD[THH:MM:SS[Z]]" (UTC) as unix ms; -1 when malformed. */
int cli_hist_parse_time(const char *s, long long *ms);
void cli_hist_row_json(FILE *out, const struct nst_history *h, size_t i);
int cli_hist_has_device(const char *list, const char *name);
int cmd_log(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_services(int argc, char **argv);
int cmd_gc(int argc, char **argv);
/* status (cmd_status.c): the health of a service's BGP sessions (docs/push.md). */
int cmd_status(int argc, char **argv);

/* confirm, cancel (cmd_confirm.c): end a push's confirm window (docs/push.md). */
int cmd_confirm(int argc, char **argv);
int cmd_cancel(int argc, char **argv);

#endif
