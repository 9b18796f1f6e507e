/*
 * compile.h: struct nst_compiled, the result of nst_service_compile(): the IR
 * document and, per device, what its driver rendered. The drivers fill the per-device
 * slots (render stage); the CLI writes them out.
 */
#ifndef NST_COMPILE_H
#define NST_COMPILE_H

#include <libxml/tree.h>

#include "netstitch.h"

struct nst_service;

struct compiled_device {
    const char *name;       /* borrowed from the model */
    const char *driver;
    char *payload;          /* NETCONF <config> payload, owned, NULL until rendered */
    char *cli;              /* native CLI, owned, NULL until rendered */
};

struct nst_compiled {
    struct nst_service *svc;    /* borrowed */
    xmlDocPtr ir;               /* owned */
    struct compiled_device *devices;
    size_t ndevices;
};

#endif
