/*
 * compile.h: struct nst_compiled, the result of nst_service_compile(): per device, its
 * IR (kept packed, see compile.c) and what its driver rendered (render.c). The public accessors
 * and the writer of DIR/<device>.xml, DIR/<device>.cli and DIR/plan.json are in
 * compile.c.
 */
#ifndef NST_COMPILE_H
#define NST_COMPILE_H

#include <stdbool.h>

#include <libxml/tree.h>

#include "netstitch.h"

struct nst_service;

struct compiled_device {
    const char *name;   /* borrowed from the model */
    const char *vendor; /* borrowed from the model */
    const char *driver; /* static, the driver's name */
    char *ir;           /* the device's IR <device> element, packed (ir_pack), owned */
    bool pending;       /* the driver renders nothing yet */
    char *payload;      /* NETCONF <config> payload, owned, NULL when pending */
    char *cli;          /* native CLI, owned, NULL when pending */
};

struct nst_compiled {
    struct nst_service *svc;         /* borrowed */
    struct compiled_device *devices; /* in model order */
    size_t ndevices;
};

#endif
