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
#include "util.h"

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
    /* nst_compile_file_to(): its files are written in the staged set (stage_tmp), and
     * with NST_COMPILE_WRITE_ONLY above COMPILE_DEFLATE_FROM devices its texts dropped. */
    bool staged;
    /* Its object in plan.json, made by its render thread when the set is staged and the
     * plan built in memory (compile.c, plan_device_keep); owned, or NULL. */
    char *plan;
    size_t plan_len;
};

/* A staged write's outcome for one file (compile.c: write_file()). */
struct write_res {
    nst_err ret;
    char *failed; /* the path that failed, owned */
    int err;      /* its errno */
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
    /* nst_compile_file_to(): the set written while rendering, for nst_compiled_write()
     * to finish (plan.json, the rename) when given the same directory. */
    char *stage_final;           /* that directory, resolved as nst_compiled_write() does */
    char *stage_tmp;             /* the new directory the devices' files are written to */
    struct write_res *stage_res; /* per device */
    bool write_only;             /* NST_COMPILE_WRITE_ONLY */
    bool no_ir;                  /* NST_COMPILE_NO_IR: the IR not packed where staged */
    /* Above COMPILE_DEFLATE_FROM devices, the staged set's plan.json streamed as the
     * chunks are rendered (stage_plan.f open), or why it could not be opened. */
    struct buf stage_plan;
    struct write_res stage_plan_res;
    /* plan.json's "connections" (plan_connections()), made by the calling thread during
     * the last chunk's render instead of after it (compile_chunk_par), or NULL */
    char *plan_conns;
    size_t plan_conns_len;
};

#endif
