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
/* Print a JSON string literal, escaped. */
void cli_json_str(FILE *out, const char *s);
/* Parse a --format value; -1 when unknown. */
int cli_parse_format(const char *s);

int cmd_check(int argc, char **argv);
int cmd_compile(int argc, char **argv);

#endif
