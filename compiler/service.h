/*
 * service.h: struct nst_service, the loaded service handle (opaque in the public
 * header). It owns the libyang tree, the model built from it (in its arena) and
 * later stages' results.
 */
#ifndef NST_SERVICE_H
#define NST_SERVICE_H

#include <libyang/libyang.h>

#include "arena.h"
#include "ctx.h"
#include "model.h"

struct nst_service {
    struct nst_ctx *ctx;        /* borrowed: the context outlives the service */
    char *file;                 /* the input's name */
    char *text;                 /* the input for libyang, freed once parsed */
    struct lyd_node *tree;      /* validated instance */
    struct arena arena;         /* model and check results */
    struct m_service *model;
    struct chk_result *check;   /* after nst_service_check, else NULL */
    int check_errors;           /* nst_service_check reported errors */
};

#endif
