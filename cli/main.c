/*
 * main.c: the netstitch command's entry point: dispatch to a subcommand.
 *
 * Each subcommand is a file cmd_<name>.c with `int cmd_<name>(int argc, char **argv)`
 * returning the exit status. The command uses only the public header.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "cli.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    int secrets; /* reads passwords or keys: see cli_guard_secrets() */
};

static const struct subcommand subcommands[] = {
    {"check", cmd_check, "load a service and report every problem", 0},
    {"compile", cmd_compile, "check, then lower a service to per-device configuration", 0},
    {"push", cmd_push, "change every device in one all-or-nothing NETCONF transaction", 1},
    {"rollback", cmd_rollback, "restore the configuration a past push replaced", 1},
    {"recover", cmd_recover, "finish or undo a transaction a crash interrupted", 1},
    {"graph", cmd_graph, "draw a service as Graphviz DOT: devices, segments, tags, MTUs", 0},
    {"diff", cmd_diff, "show what each router would get, without changing anything", 1},
    {"delete", cmd_delete, "remove everything a service configured, in one transaction", 1},
    {"log", cmd_log, "list the transactions of the state store (who, when, what, outcome)", 0},
    {"show", cmd_show, "show one transaction: its plan, the edit per device, the result", 0},
    {"services", cmd_services, "list the services the state store owns configuration for", 0},
    {"gc", cmd_gc, "delete old finished transactions from the state store", 0},
    {"confirm", cmd_confirm, "keep a push whose confirm window is open, on every device", 0},
    {"cancel", cmd_cancel, "undo a push whose confirm window is open, on every device", 0},
    {"status", cmd_status, "show the BGP sessions of a service and whether they are healthy", 0},
};

#ifndef __has_feature
#define __has_feature(x) 0
#endif

#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer) ||                           \
    __has_feature(leak_sanitizer)
#define CLI_SANITIZED 1
#else
#define CLI_SANITIZED 0
#endif

int
cli_free_at_exit(void)
{
    const char *e = getenv("NST_FREE_AT_EXIT");

    return CLI_SANITIZED || (e && *e && strcmp(e, "0"));
}

/*
 * A command that handles secrets: netstitch wipes its own copies after use, but the
 * NETCONF libraries free message buffers holding a key without wiping them. Every freed
 * block is overwritten (glibc M_PERTURB), and the process is made non-dumpable, so a
 * core dump or another process of the same user cannot read what is left. Not under
 * AddressSanitizer, whose leak checker must ptrace the process.
 */
static void
cli_guard_secrets(void)
{
    mallopt(M_PERTURB, 0x5a);
#if !defined(__SANITIZE_ADDRESS__) && !__has_feature(address_sanitizer)
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

static void
usage(FILE *out)
{
    size_t i;

    fprintf(out, "usage: netstitch <command> [options] [args]\n\ncommands:\n");
    for (i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    }
    fprintf(out, "  %-10s %s\n  %-10s %s\n", "help", "this text, or `help COMMAND`", "version",
            "print the version");
    fprintf(out, "\n`netstitch help COMMAND` or `netstitch COMMAND --help` shows a command's "
                 "options;\nman netstitch, docs/cli.md and docs/guide.md say more.\n");
}

int
main(int argc, char **argv)
{
    size_t i;

    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc > 2) {
            for (i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
                if (!strcmp(argv[2], subcommands[i].name)) {
                    char *args[] = {argv[2], (char *)"--help", NULL};

                    return subcommands[i].run(2, args);
                }
            }
            if (strcmp(argv[2], "help") && strcmp(argv[2], "version")) {
                fprintf(stderr, "netstitch: no command '%s'\n", argv[2]);
                usage(stderr);
                return EXIT_USAGE;
            }
        }
        usage(stdout);
        return EXIT_CLEAN;
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("netstitch %s\n", nst_version());
        return EXIT_CLEAN;
    }
    for (i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        if (!strcmp(argv[1], subcommands[i].name)) {
            if (subcommands[i].secrets) {
                cli_guard_secrets();
            }
            return subcommands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "netstitch: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
