/*
 * ownership.c: the ownership records of services (ownership.h): what each service last
 * applied on each device, kept in the state store (store.h) as generations.
 *
 * Place in the pipeline: the lifecycle (lifecycle.c) reads a service's record before a
 * diff and writes a new generation around a push or delete; the transaction engine
 * (txn.c) calls own_rollback_applied() after a rollback committed, so that the records
 * follow the devices. This file knows nothing of diffs or transactions: it stores texts.
 *
 * Durability: a generation is written as one store batch, complete before `pending` or
 * `current` names it; each pointer is one durable write.
 *
 * Not here: what the owned texts mean (diff.c), when records change (lifecycle.c).
 */
#include "ownership.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"

#define OWN_KEEP_GENS 3
#define OWN_META_MAGIC "netstitch-service 1"

int
own_service_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (!n || n > 64 || !strcmp(name, ".") || !strcmp(name, "..")) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

void
own_gen_clear(struct own_gen *g)
{
    for (size_t i = 0; i < g->ndevs; i++) {
        nst_free(g->devs[i].name);
        nst_free(g->devs[i].driver);
        nst_free(g->devs[i].owned);
        nst_free(g->devs[i].orig);
    }
    nst_free(g->devs);
    memset(g, 0, sizeof *g);
}

void
own_read_line(struct store *s, const char *service, const char *file, char *buf, size_t len)
{
    char *text = NULL;

    buf[0] = '\0';
    if (store_svc_get(s, service, file, &text)) {
        return;
    }
    text[strcspn(text, "\r\n")] = '\0';
    if (!strncmp(text, "gen-", 4) && strlen(text) < len && !strchr(text, '/')) {
        strcpy(buf, text);
    }
    nst_free(text);
}

nst_err
own_set_line(struct store *s, const char *service, const char *file, const char *gen)
{
    char line[48];

    if (!gen) {
        char *old = NULL;

        /* Deleting what is not there is fine; the store deletes by prefix. */
        if (store_svc_get(s, service, file, &old)) {
            return NST_OK;
        }
        nst_free(old);
        return store_svc_del(s, service, file);
    }
    snprintf(line, sizeof line, "%s\n", gen);
    return store_svc_put(s, service, file, line);
}

/* The text "GEN/FILE" of a service, or NST_EIO. */
static nst_err
own_get(struct store *s, const char *service, const char *gen, const char *file, char **out)
{
    char name[128];

    snprintf(name, sizeof name, "%s/%s", gen, file);
    return store_svc_get(s, service, name, out);
}

static nst_err
own_put(struct store *s, const char *service, const char *gen, const char *file, const char *data)
{
    char name[128];

    snprintf(name, sizeof name, "%s/%s", gen, file);
    return store_svc_put(s, service, name, data);
}

nst_err
own_gen_read(struct store *s, const char *service, const char *name, struct own_gen *g)
{
    char *meta = NULL, *line, *save = NULL, file[64];
    nst_err ret = NST_OK;

    memset(g, 0, sizeof *g);
    ret = own_get(s, service, name, "meta", &meta);
    if (ret) {
        return ret == NST_ENOMEM ? ret : NST_EIO;
    }
    if (strncmp(meta, OWN_META_MAGIC "\n", strlen(OWN_META_MAGIC) + 1)) {
        nst_free(meta);
        return NST_EIO;
    }
    snprintf(g->name, sizeof g->name, "%s", name);
    for (line = strtok_r(meta, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save)) {
        unsigned idx, has_orig;
        char driver[32];
        int off = 0;

        if (!strncmp(line, "txid ", 5)) {
            snprintf(g->txid, sizeof g->txid, "%s", line + 5);
        } else if (!strncmp(line, "previous ", 9)) {
            snprintf(g->previous, sizeof g->previous, "%s", line + 9);
        } else if (!strncmp(line, "service ", 8)) {
            snprintf(g->service, sizeof g->service, "%.71s", line + 8);
        } else if (sscanf(line, "device %u %31s %u %n", &idx, driver, &has_orig, &off) == 3 &&
                   off > 0 && idx == g->ndevs) {
            struct own_gen_dev *v = nst_realloc(g->devs, (g->ndevs + 1) * sizeof *v), *gd;

            if (!v) {
                ret = NST_ENOMEM;
                break;
            }
            g->devs = v;
            gd = &v[g->ndevs++];
            memset(gd, 0, sizeof *gd);
            gd->name = nst_strdup(line + off);
            gd->driver = nst_strdup(strcmp(driver, "-") ? driver : "");
            if (!gd->name || !gd->driver) {
                ret = NST_ENOMEM;
                break;
            }
            snprintf(file, sizeof file, "dev-%u.owned.xml", idx);
            ret = own_get(s, service, name, file, &gd->owned);
            if (!ret && has_orig) {
                snprintf(file, sizeof file, "dev-%u.orig.xml", idx);
                ret = own_get(s, service, name, file, &gd->orig);
            }
        }
    }
    nst_free(meta);
    if (ret) {
        own_gen_clear(g);
    }
    return ret;
}

/* The meta text. */
static char *
own_gen_meta(const char *service, const struct own_gen *g)
{
    char *text, *tmp;

    text = nst_asprintf("%s\nservice %s\ntxid %s\nprevious %s\ncreated %ld\ndevices %zu\n",
                        OWN_META_MAGIC, service, g->txid[0] ? g->txid : "-",
                        g->previous[0] ? g->previous : "-", (long)time(NULL), g->ndevs);
    for (size_t i = 0; text && i < g->ndevs; i++) {
        tmp = nst_asprintf("%sdevice %zu %s %d %s\n", text, i,
                           g->devs[i].driver && *g->devs[i].driver ? g->devs[i].driver : "-",
                           g->devs[i].orig ? 1 : 0, g->devs[i].name);
        nst_free(text);
        text = tmp;
    }
    return text;
}

nst_err
own_gen_write(struct store *s, const char *service, const struct own_gen *g)
{
    char file[64], *meta = NULL;
    nst_err ret;

    ret = store_batch_begin(s);
    if (ret) {
        return ret;
    }
    for (size_t i = 0; i < g->ndevs && !ret; i++) {
        snprintf(file, sizeof file, "dev-%zu.owned.xml", i);
        ret = own_put(s, service, g->name, file, g->devs[i].owned);
        if (!ret && g->devs[i].orig) {
            snprintf(file, sizeof file, "dev-%zu.orig.xml", i);
            ret = own_put(s, service, g->name, file, g->devs[i].orig);
        }
    }
    if (!ret) {
        meta = own_gen_meta(service, g);
        ret = meta ? own_put(s, service, g->name, "meta", meta) : NST_ENOMEM;
    }
    nst_free(meta);
    if (!ret) {
        ret = store_batch_commit(s);
    }
    if (ret) {
        store_batch_abort(s);
    }
    return ret;
}

void
own_gen_remove(struct store *s, const char *service, const char *name)
{
    char prefix[48];

    snprintf(prefix, sizeof prefix, "%s/", name);
    store_svc_del(s, service, prefix);
}

unsigned long
own_gen_next(struct store *s, const char *service)
{
    char **names = NULL;
    unsigned long max = 0;

    if (store_svc_list(s, service, &names)) {
        return (unsigned long)time(NULL);
    }
    for (size_t i = 0; names[i]; i++) {
        unsigned long n;
        char tail[2];

        if (sscanf(names[i], "gen-%lu%1[/]", &n, tail) == 2 && n > max) {
            max = n;
        }
    }
    store_list_free(names);
    return max + 1;
}

void
own_prune(struct store *s, const char *service, const char *keep1, const char *keep2)
{
    unsigned long newest = own_gen_next(s, service);
    char **names = NULL, gen[32];

    if (store_svc_list(s, service, &names)) {
        return;
    }
    for (size_t i = 0; names[i]; i++) {
        unsigned long g;
        char tail[2];

        if (sscanf(names[i], "gen-%lu%1[/]", &g, tail) != 2 || g + OWN_KEEP_GENS >= newest) {
            continue;
        }
        snprintf(gen, sizeof gen, "gen-%lu", g);
        if (strcmp(gen, keep1) && strcmp(gen, keep2) &&
            strcmp(names[i] + strlen(gen), "/meta") == 0) {
            own_gen_remove(s, service, gen);
        }
    }
    store_list_free(names);
}

static int
own_gen_exists(struct store *s, const char *service, const char *name)
{
    struct own_gen g;

    if (own_gen_read(s, service, name, &g)) {
        return 0;
    }
    own_gen_clear(&g);
    return 1;
}

/* Rollback of a rollback of @redo: the service's generation @redo recorded is current
 * again, when the record is where the first rollback left it. */
static void
own_redo(struct store *s, const char *service, const char *redo)
{
    char **names = NULL, cur[48];
    struct own_gen g;

    if (store_svc_list(s, service, &names)) {
        return;
    }
    own_read_line(s, service, "current", cur, sizeof cur);
    for (size_t i = 0; names[i]; i++) {
        char gen[32], tail[8];
        unsigned long n;

        if (sscanf(names[i], "gen-%lu%7s", &n, tail) != 2 || strcmp(tail, "/meta")) {
            continue;
        }
        snprintf(gen, sizeof gen, "gen-%lu", n);
        if (own_gen_read(s, service, gen, &g)) {
            continue;
        }
        if (!strcmp(g.txid, redo) && (!strcmp(cur, g.previous) ||
                                      (!cur[0] && (!g.previous[0] || !strcmp(g.previous, "-"))))) {
            own_set_line(s, service, "current", g.name[0] ? g.name : gen);
            own_gen_clear(&g);
            break;
        }
        own_gen_clear(&g);
    }
    store_list_free(names);
}

void
own_rollback_applied(struct store *s, const char *txid, const char *redo)
{
    char **svcs = NULL, line[48];

    if ((!txid && !redo) || store_svc_list(s, NULL, &svcs)) {
        return;
    }
    for (size_t i = 0; svcs[i]; i++) {
        struct store_lock *lock = NULL;
        struct own_gen g;

        if (!own_service_name_valid(svcs[i]) || store_lock_service(s, svcs[i], &lock)) {
            continue;
        }
        own_read_line(s, svcs[i], "current", line, sizeof line);
        if (!txid) {
            line[0] = '\0';
        }
        /* Generations recorded without a transaction (nothing needed pushing) sit on top of
         * the one the rolled-back transaction recorded: look through them. */
        for (int hops = 0; line[0] && hops < 64 && !own_gen_read(s, svcs[i], line, &g); hops++) {
            int match = !strcmp(g.txid, txid), skip = !strcmp(g.txid, "-");

            if (match && g.previous[0] && strcmp(g.previous, "-") &&
                own_gen_exists(s, svcs[i], g.previous)) {
                own_set_line(s, svcs[i], "current", g.previous);
            } else if (match) {
                /* The service's first push was rolled back: it owns nothing again. */
                own_set_line(s, svcs[i], "current", NULL);
            }
            snprintf(line, sizeof line, "%s", skip && strcmp(g.previous, "-") ? g.previous : "");
            own_gen_clear(&g);
        }
        if (redo && redo[0] && strcmp(redo, "-")) {
            own_redo(s, svcs[i], redo);
        }
        store_unlock(lock);
    }
    store_list_free(svcs);
}
