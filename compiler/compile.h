/*
 * compile.h: struct nst_compiled, the result of nst_service_compile(): per device, its
 * IR (kept packed, see compile.c) and what its driver rendered (render.c). The public accessors
 * and the writer of DIR/<device>.xml, DIR/<device>.cli and DIR/plan.json are in
 * compile.c.
 */
#ifndef NST_COMPILE_H
#define NST_COMPILE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "netstitch.h"

struct nst_service;

struct compiled_device {
    const char *name;   /* borrowed from the model */
    const char *vendor; /* borrowed from the model */
    const char *driver; /* static, the driver's name */
    char *ir;           /* the device's IR <device> element, packed (ir_pack), owned */
    bool pending;       /* the driver renders nothing yet */
    /* The payload and the CLI are kept deflated (zlib) from the render on, and inflated
     * for a caller: the accessors inflate once and keep the text (payload, cli), the
     * writer inflates one file at a time. A thousand routers' texts take 58 MB, 6 MB
     * deflated (docs/PERFORMANCE.md). */
    struct compiled_text {
        unsigned char *z; /* deflated, owned; NULL when pending */
        size_t zlen, len; /* deflated and inflated length */
        char *text;       /* inflated, owned; NULL until asked for */
    } payload, cli;
};

struct nst_compiled {
    struct nst_service *svc;         /* borrowed */
    struct compiled_device *devices; /* in model order */
    size_t ndevices;
    size_t jobs;          /* threads that rendered the devices (compile.c; tests read it) */
    pthread_mutex_t lock; /* the accessors' inflating */
    /* NST_COMPILE_KEEP_RENDER: the render states (the workers' first, the compile's
     * last), freed with the result. */
    struct render **held;
    size_t nheld;
};

#endif
