/*
 * history.c: the public, read-mostly view of the state store (struct nst_history,
 * netstitch.h): every transaction's history row, its journal and records, the services
 * the store has ownership records of, and the deletion of old transactions (gc).
 *
 * Place in the pipeline: beside it. `netstitch log`, `show`, `services`, `gc` and
 * `rollback --last` read the store through this object only; the transaction engine
 * (txn.c) and the lifecycle (lifecycle.c) write it.
 *
 * A row without an outcome is "running" while a process holds its lock, else
 * "interrupted" (recover finishes it).
 *
 * Not here: writing history (txn.c), the storage (store.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "ownership.h"
#include "store.h"

struct nst_history {
    struct nst_ctx *ctx;
    struct store *st;
    struct store_txn_info *rows;
    size_t n;
    char message[600];
};

static const char *const hist_empty = "";

NST_API nst_err
nst_history_open(struct nst_ctx *ctx, const char *state, struct nst_history **out)
{
    struct nst_history *h;
    char **ids = NULL;
    size_t n = 0;
    nst_err ret;

    if (!ctx || !out) {
        return NST_EINVAL;
    }
    h = nst_calloc(1, sizeof *h);
    if (!h) {
        return NST_ENOMEM;
    }
    h->ctx = ctx;
    ret = store_open(state, &h->st, h->message, sizeof h->message);
    if (!ret) {
        ret = store_txn_list(h->st, &ids, &n);
    }
    if (!ret) {
        h->rows = nst_calloc(n ? n : 1, sizeof *h->rows);
        ret = h->rows ? NST_OK : NST_ENOMEM;
    }
    for (size_t i = 0; !ret && i < n; i++) {
        struct store_txn_info *r = &h->rows[h->n];
        struct store_txn *t = NULL;
        int busy = 0;

        if (store_txn_info(h->st, ids[i], r)) {
            continue;
        }
        if (!r->outcome[0]) {
            /* Unfinished: a live process holds it, or it was interrupted. */
            if (!store_txn_open(h->st, ids[i], &t, &busy)) {
                store_txn_close(t);
            }
            snprintf(r->outcome, sizeof r->outcome, "%s", busy ? "running" : "interrupted");
        }
        h->n++;
    }
    store_list_free(ids);
    if (ret) {
        if (!h->message[0]) {
            snprintf(h->message, sizeof h->message, "cannot read the state store");
        }
        *out = h;
        return ret;
    }
    *out = h;
    return NST_OK;
}

NST_API void
nst_history_free(struct nst_history *h)
{
    if (!h) {
        return;
    }
    for (size_t i = 0; i < h->n; i++) {
        store_txn_info_clear(&h->rows[i]);
    }
    nst_free(h->rows);
    store_close(h->st);
    nst_free(h);
}

NST_API const char *
nst_history_message(const struct nst_history *h)
{
    return h ? h->message : hist_empty;
}

NST_API const char *
nst_history_location(const struct nst_history *h)
{
    return h && h->st ? store_location(h->st) : hist_empty;
}

NST_API size_t
nst_history_count(const struct nst_history *h)
{
    return h ? h->n : 0;
}

NST_API const char *
nst_history_field(const struct nst_history *h, size_t i, enum nst_history_field f)
{
    const struct store_txn_info *r;

    if (!h || i >= h->n) {
        return hist_empty;
    }
    r = &h->rows[i];
    switch (f) {
    case NST_HISTORY_ID:
        return r->id;
    case NST_HISTORY_KIND:
        return r->kind;
    case NST_HISTORY_OUTCOME:
        return r->outcome;
    case NST_HISTORY_USER:
        return r->user;
    case NST_HISTORY_HOST:
        return r->host;
    case NST_HISTORY_SERVICE:
        return r->service;
    case NST_HISTORY_COMMENT:
        return r->comment ? r->comment : hist_empty;
    case NST_HISTORY_DEVICES:
        return r->devices ? r->devices : hist_empty;
    case NST_HISTORY_ROLLBACK_OF:
        return r->rollback_of;
    }
    return hist_empty;
}

NST_API long long
nst_history_time(const struct nst_history *h, size_t i, int finished)
{
    if (!h || i >= h->n) {
        return 0;
    }
    return finished ? h->rows[i].finished_ms : h->rows[i].started_ms;
}

NST_API size_t
nst_history_find(const struct nst_history *h, const char *id)
{
    for (size_t i = 0; h && id && i < h->n; i++) {
        if (!strcmp(h->rows[i].id, id)) {
            return i;
        }
    }
    return (size_t)-1;
}

NST_API nst_err
nst_history_text(struct nst_history *h, const char *id, const char *name, char **text)
{
    struct store_txn *t = NULL;
    int busy = 0;
    nst_err ret;

    if (!h || !id || !text || nst_history_find(h, id) == (size_t)-1) {
        if (h && id) {
            snprintf(h->message, sizeof h->message, "no transaction %s in %s", id,
                     store_location(h->st));
        }
        return NST_EINVAL;
    }
    ret = store_txn_open(h->st, id, &t, &busy);
    if (busy) {
        snprintf(h->message, sizeof h->message,
                 "transaction %s is being run by another netstitch process", id);
        return NST_EBUSY;
    }
    if (ret) {
        return ret;
    }
    ret = name ? store_txn_get(t, name, text) : store_journal_read(t, text);
    if (ret == NST_EIO && name) {
        snprintf(h->message, sizeof h->message, "transaction %s has no %s", id, name);
        ret = NST_EINVAL;
    }
    store_txn_close(t);
    return ret;
}

/* 1 when a service's current or pending generation names @id. */
static int
hist_referenced(struct nst_history *h, const char *id, char *svc, size_t len)
{
    char **names = NULL, gen[48];
    int found = 0;

    if (store_svc_list(h->st, NULL, &names)) {
        return 0;
    }
    for (size_t i = 0; names[i] && !found; i++) {
        for (int k = 0; k < 2 && !found; k++) {
            struct own_gen g;

            own_read_line(h->st, names[i], k ? "pending" : "current", gen, sizeof gen);
            if (gen[0] && !own_gen_read(h->st, names[i], gen, &g)) {
                found = !strcmp(g.txid, id);
                own_gen_clear(&g);
            }
            if (found) {
                snprintf(svc, len, "%s", names[i]);
            }
        }
    }
    store_list_free(names);
    return found;
}

NST_API nst_err
nst_history_delete(struct nst_history *h, const char *id)
{
    struct store_txn *t = NULL;
    char svc[80];
    size_t i;
    int busy = 0;
    nst_err ret;

    if (!h || !id) {
        return NST_EINVAL;
    }
    i = nst_history_find(h, id);
    if (i == (size_t)-1) {
        snprintf(h->message, sizeof h->message, "no transaction %s", id);
        return NST_EINVAL;
    }
    if (!strcmp(h->rows[i].outcome, "running") || !strcmp(h->rows[i].outcome, "interrupted")) {
        snprintf(h->message, sizeof h->message, "transaction %s is %s: recover it first", id,
                 h->rows[i].outcome);
        return NST_EINVAL;
    }
    if (hist_referenced(h, id, svc, sizeof svc)) {
        snprintf(h->message, sizeof h->message,
                 "transaction %s made the ownership record service %s has now", id, svc);
        return NST_EINVAL;
    }
    ret = store_txn_open(h->st, id, &t, &busy);
    if (ret) {
        snprintf(h->message, sizeof h->message, "transaction %s is %s", id,
                 busy ? "being run by another netstitch process" : "unreadable");
        return busy ? NST_EBUSY : ret;
    }
    ret = store_txn_delete(h->st, id);
    store_txn_close(t);
    return ret;
}

NST_API nst_err
nst_history_services(struct nst_history *h, char ***names)
{
    char **all = NULL;
    size_t k = 0;
    nst_err ret;

    if (!h || !names) {
        return NST_EINVAL;
    }
    ret = store_svc_list(h->st, NULL, &all);
    if (ret) {
        return ret;
    }
    /* Only services that own something (or may: a pending generation). */
    for (size_t i = 0; all[i]; i++) {
        char cur[48], pend[48];

        struct own_gen g;
        size_t ndevs = 0;

        own_read_line(h->st, all[i], "current", cur, sizeof cur);
        own_read_line(h->st, all[i], "pending", pend, sizeof pend);
        if (cur[0] && !own_gen_read(h->st, all[i], cur, &g)) {
            ndevs = g.ndevs;
            own_gen_clear(&g);
        }
        /* A deleted service keeps an empty generation: it owns nothing. */
        if (own_service_name_valid(all[i]) && (ndevs || pend[0])) {
            all[k++] = all[i];
        } else {
            nst_free(all[i]);
        }
    }
    all[k] = NULL;
    *names = all;
    return NST_OK;
}

NST_API nst_err
nst_history_service(struct nst_history *h, const char *name, char **txid, char **devices,
                    int *uncertain)
{
    char cur[48], pend[48], *list = NULL, *tmp;
    struct own_gen g;

    if (!h || !name || !txid || !devices || !uncertain) {
        return NST_EINVAL;
    }
    own_read_line(h->st, name, "current", cur, sizeof cur);
    own_read_line(h->st, name, "pending", pend, sizeof pend);
    *uncertain = pend[0] && strcmp(pend, cur);
    memset(&g, 0, sizeof g);
    if (cur[0] && own_gen_read(h->st, name, cur, &g)) {
        snprintf(h->message, sizeof h->message, "the record of service %s cannot be read", name);
        return NST_EIO;
    }
    list = nst_strdup("");
    for (size_t i = 0; list && i < g.ndevs; i++) {
        tmp = nst_asprintf("%s%s%s", list, i ? "," : "", g.devs[i].name);
        nst_free(list);
        list = tmp;
    }
    *txid = nst_strdup(strcmp(g.txid, "-") ? g.txid : "");
    own_gen_clear(&g);
    if (!list || !*txid) {
        nst_free(list);
        nst_free(*txid);
        return NST_ENOMEM;
    }
    *devices = list;
    return NST_OK;
}
