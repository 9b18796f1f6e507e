/*
 * diff.h: the live diff engine behind `netstitch diff` (diff.c computes, diff_print.c and
 * diff_cli.c print), and the ownership algebra the service lifecycle (lifecycle.c) builds on.
 *
 * Place in the pipeline: after compile, each device has a target payload T. Before
 * anything is pushed, lifecycle.c reads the device's running configuration R (live over
 * NETCONF, or a saved file) and what netstitch knows about the device from earlier pushes
 * of the same service (the state directory, docs/diff.md):
 *   O  owned: what the service last applied (its payload then), secrets as placeholders;
 *   P  originals: for nodes of O that existed on the device before the service first
 *      set them, their value then (so removing the service gives them back);
 *   X  others: what other services own on the same device (never removed for us).
 * diff_compute() turns these into the desired configuration D of the nodes the service
 * manages (T, plus O's nodes no longer generated: restored when they pre-existed or
 * another service owns them, removed otherwise), prunes R to the same nodes (R'), and
 * runs libyang's lyd_diff_siblings(R', D). Configuration that neither T nor O holds is
 * never looked at, so it can never be reported or touched. Drift is R compared with O:
 * what changed on the device since netstitch last set it.
 *
 * All trees of one device live in one libyang context (lifecycle.c uses one with every
 * device model, render.h's, for all devices), are parsed "parse only" (no validation: a
 * filtered running configuration is not a complete one) and are owned by struct
 * diff_result until diff_result_clear(). The functions here are not thread-safe for one
 * context: the caller serialises them.
 *
 * Secrets: payloads carry `$NST_SECRET{name}` placeholders; a device returns the key it
 * holds. Before anything is compared, every leaf of R whose T or O counterpart holds a
 * placeholder is replaced: by that placeholder when the device's value is the secret's
 * value (or when O has it: devices return keys encrypted, so netstitch trusts what it
 * set), else by DIFF_REDACTED. No real key ever reaches a diff tree, a printer or a file.
 *
 * Not here: sessions, the state directory, the public nst_diff object (lifecycle.c).
 */
#ifndef NST_DIFF_H
#define NST_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include <libyang/libyang.h>

#include "netstitch.h"

/* What a device's secret looks like in a diff when its value is unknown or foreign. */
#define DIFF_REDACTED "********"

/* One difference between O (what netstitch set) and R (what the device has). */
struct diff_drift {
    char *path;    /* data path of the node */
    char *owned;   /* the value netstitch set (leaves), NULL for inner nodes */
    char *running; /* the device's value, NULL when the node is gone from the device */
};

struct drv_port_mtu;

/* A port whose MTU the service declares ("the port's MTU now"), to compare with the router. */
struct diff_port {
    char *name; /* owned by whoever fills diff_inputs.ports */
    uint32_t mtu;
};

/* A port whose MTU on the router is not the one the service declares (MTU-MISMATCH). */
struct diff_mtu {
    char *port;
    uint32_t declared, running;
};

/* The inputs of one device. Texts are top-level elements (or a NETCONF <config>), borrowed. */
struct diff_inputs {
    const char *target;             /* T, NULL or "" when the service has nothing for the device */
    const char *owned;              /* O, NULL when never applied */
    const char *orig;               /* P, NULL when nothing pre-existed */
    const char *owned_alt;          /* an uncertain (pending) record: owned too, merged into O */
    const char *orig_alt;           /* its originals, merged into P */
    const char *const *others;      /* X: other services' owned texts */
    const char *const *others_orig; /* their originals, parallel to others (NULL entries) */
    size_t nothers;
    char *const *sec_names; /* secrets the inventory could give, for comparing keys */
    char *const *sec_values;
    size_t nsec;
    /* The ports the service declares on this device, and where the driver keeps a port's
     * MTU (drv_ops.port_mtu); either NULL: no MTU comparison. Borrowed. */
    const struct diff_port *ports;
    size_t nports;
    const struct drv_port_mtu *port_mtu;
    /* Leave the edit's text and P' to diff_complete(): `netstitch diff` prints neither
     * unless asked (--format xml prints the edit, diff_edit_text()); only applying needs
     * both (lifecycle.c). Printing them was a tenth of a live diff's CPU. */
    int defer;
};

/* The result for one device; every tree is in the context given to diff_compute(). */
struct diff_result {
    struct ly_ctx *ly;
    struct lyd_node *target, *owned, *orig, *others, *others_orig, *running; /* inputs */
    int target_parsed; /* target was parsed ahead (nst_diff_preload()): diff_load() keeps it */
    struct lyd_node *owned_cur, *owned_alt; /* an uncertain record's two halves (owned is
                                                their union), NULL otherwise */
    struct lyd_node *desired;               /* D, the managed nodes as they must be */
    int desired_is_target;                  /* D is T itself (diff_desired_is_target()), not
                                               a copy: freed with target */
    struct lyd_node *actual;                /* R', the device pruned to the managed nodes */
    int actual_is_running;                  /* R' is R itself (diff_prune_is_identity()),
                                               not a copy: freed with running */
    struct lyd_node *diff;                  /* lyd_diff_siblings(R', D): NULL when in sync */
    struct diff_drift *drift;               /* O against R, in document order */
    size_t ndrift;
    const struct diff_port *ports; /* diff_load(): in->ports, borrowed (the filter asks for
                                      the router's MTU of each) */
    size_t nports;
    const struct drv_port_mtu *port_mtu;
    struct diff_mtu *mtu; /* declared port MTUs the router does not run, in port order */
    size_t nmtu;
    char *edit;      /* edit-config content bringing R to D; NULL when in sync */
    char *next_orig; /* P after a push of T (text), NULL when nothing pre-existed */
    int deferred;    /* edit and next_orig not computed yet (diff_inputs.defer) */
};

/*
 * Parse a payload or configuration text (top-level elements, or one NETCONF <config>
 * element, possibly empty) into @ly. @strict refuses unknown elements (payloads must fit
 * the device models); without it they become opaque nodes (a device's running config may
 * hold modules netstitch does not know) and are ignored by everything below.
 * Returns NST_OK (NULL tree for empty text), NST_EINPUT (why says), NST_ENOMEM.
 */
nst_err diff_parse(struct ly_ctx *ly, const char *text, int strict, struct lyd_node **tree,
                   char *why, size_t whylen);

/*
 * Parse the inputs (T, O, P, X) into @r (r->ly must be set); T not when r->target_parsed
 * (r->target is then its tree, parsed the same way into r->ly). Returns as diff_parse();
 * @why names the input that failed.
 */
nst_err diff_load(struct diff_result *r, const struct diff_inputs *in, char *why, size_t whylen);

/*
 * The NETCONF subtree filter that selects every node T or O holds: containers as
 * containment nodes, leaves as selection nodes, each list instance by its keys (content
 * match; identityref keys are left out and the other keys select), and the entry of every
 * declared port (r->ports, so its MTU can be compared). @filter is NULL when T and O are
 * empty (nothing to fetch). Freed with nst_free().
 */
nst_err diff_filter(const struct diff_result *r, char **filter);

/*
 * Compare: @running (consumed, freed on every path) is R. Normalises its secret leaves,
 * computes D, R', the diff, the edit, the drift and P'. @r must hold the loaded inputs.
 */
nst_err diff_compute(struct diff_result *r, struct lyd_node *running, const struct diff_inputs *in,
                     char *why, size_t whylen);

/*
 * What diff_compute() left when @in->defer was set: r->edit and r->next_orig, from the
 * trees @r keeps. Does nothing when they were computed. Uses r->ly like diff_compute().
 * Returns NST_OK or NST_ENOMEM.
 */
nst_err diff_complete(struct diff_result *r);

/*
 * The edit-config content bringing R to D (what r->edit holds once computed), NULL in
 * *text when in sync, without keeping it in @r. Freed with nst_free(). Returns NST_OK,
 * NST_ENOMEM or NST_EINTERNAL.
 */
nst_err diff_edit_text(const struct diff_result *r, char **text);

/*
 * The MTU check alone (diff_compute() runs it): for every port of @in->ports, the MTU leaf
 * of R (@in->port_mtu) against the declared MTU (diff_filter() fetches every declared
 * port's entry). Not compared: a port whose leaf R does not hold (the router shows no
 * explicit MTU), a port whose leaf R holds at T's value (the plan is done), a port whose
 * MTU O holds (netstitch set it; a change since is drift). Fills r->mtu. Returns NST_OK or
 * NST_ENOMEM.
 */
nst_err diff_mtu_check(struct diff_result *r, const struct diff_inputs *in);

/* Free everything in @r except r->ly. */
void diff_result_clear(struct diff_result *r);

/* A growable text buffer for the printers; failed is set when memory ran out. */
struct diff_buf {
    char *s;
    size_t len, cap;
    int failed;
};

void diff_buf_printf(struct diff_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void diff_buf_puts(struct diff_buf *b, const char *s);

/* Printers (diff_print.c). @color adds ANSI colours. */
void diff_print_tree(struct diff_buf *b, const struct diff_result *r, const char *device,
                     int color);
/*
 * The vendor CLI (diff_cli.c): the CLI dialect of the driver named @driver (drv_ops.name;
 * "" or an unknown name: the paths the edit sets and deletes). A change the dialect has
 * no rule for is an error line (CLI-RULE-MISSING) naming the device and the path.
 */
void diff_print_cli(struct diff_buf *b, const struct diff_result *r, const char *device,
                    const char *driver, int color);

struct drv_cli_dialect;
/*
 * Whether @dia spells a change of the schema node @sn by a rule (diff_cli.c): 1 yes, 0 when
 * diff_print_cli() would report CLI-RULE-MISSING for it. The flat families spell every
 * node from the schema (1).
 */
int diff_cli_covers(const struct drv_cli_dialect *dia, const struct lysc_node *sn);
/* One MTU-MISMATCH line per port of r->mtu, each starting with @prefix (a comment mark). */
void diff_print_mtu(struct diff_buf *b, const struct diff_result *r, const char *device,
                    const char *prefix, int color);
/* The device's "changes", "drift" and "mtu" JSON members (without braces). */
void diff_print_json(struct diff_buf *b, const struct diff_result *r);
/* JSON string literal. */
void diff_json_str(struct diff_buf *b, const char *s);

#endif
