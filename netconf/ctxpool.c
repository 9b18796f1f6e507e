/*
 * ctxpool.c: one libyang context per device schema set (see ctxpool.h for the holds).
 *
 * Why. A session's context used to be built per connect: ly_ctx_new() and every module
 * of the router parsed again by libnetconf2, about 40% of the client's CPU in a push
 * (docs/PERFORMANCE.md). Routers with the same schema set can share one context, but
 * libnetconf2 2.0.24's nc_connect_inout() always runs nc_ctx_check_and_fill() on the
 * context it is given: that pass writes the context (options, import callback, the
 * re-parse of ietf-netconf-monitoring, ietf-datastores and ietf-netconf-nmda, and
 * lys_set_implemented() of every server module, each running libyang's dep-set code on
 * ctx->unres). A join that adds a module or a feature recompiles, freeing compiled nodes
 * other sessions' trees point to. So a context is shared only when a join on it is known
 * to change nothing, and joins' CPU parts never run beside each other or beside a reader.
 *
 * The set. Its key is the server's hello with the <session-id> content removed (the
 * capabilities, and for RFC 8525 servers the YANG-library content-id), the schema
 * directory and the cache directory. Its record, in the cache directory as
 * .ctxset-<hash of the key>, holds the key, the implemented modules with their revision
 * and enabled features as a private join left them, whether a join on a context built
 * from that list was seen to change nothing ("proven"), and that join's transcript: every
 * message the server sent after its hello, byte for byte. Written with tmp + rename.
 *
 * The life of a set, per process:
 *   NONE      no record: private joins; the first that succeeds writes the record;
 *   UNPROVEN  a record not proven: the first connect builds the context from it and
 *             joins it with no other session on it (PROVE), recording the transcript;
 *             if the change count did not move, the set is SHARED and the record says
 *             proven; else OFF and the record says never (proven -1). Connects that come
 *             while the proof runs go private;
 *   SHARED    every connect joins the context (SHARE) under the baton; the relay checks
 *             each server message against the transcript before libnetconf2 sees it and
 *             ends the attempt on the first difference (sess_connect then reconnects
 *             privately and the record is rewritten from that join); after each join the
 *             change count is checked again, and a move turns the set OFF and removes the
 *             record (stale: the next run rewrites and proves it);
 *   OFF       private joins only.
 * Identical transcript + identical context = libnetconf2 takes the same path and the
 * join changes nothing: the no-op was shown once, and every later join is held to it.
 *
 * Features netstitch turns on itself. libnetconf2 2.0.24 sets ietf-netconf's features to
 * the list of the hello's ietf-netconf capability, so on a :confirmed-commit:1.0 or
 * :validate:1.0 router (Junos) every join turns confirmed-commit and validate off and
 * netstitch turns them on again (session.c, sess_enable_10_features): two recompiles, so
 * such a set could never be proven. A context built from a record compiles them in and
 * then clears their enabled flag in the parsed module (rec_hide), which is the flag
 * libyang compares the join's feature list with and the flag the next compile reads: the
 * join finds the features as it would set them and changes nothing, the compiled schema
 * keeps <confirmed/>, <validate> and the rest, and the session sees them compiled
 * (ctxpool_feature_compiled) instead of enabling them. netsim's profiles advertise the
 * same way (netsim/models.c). A writer that recompiles ietf-netconf (a module loaded
 * after connect) would compile them out: ctxpool_write_release() puts them back.
 *
 * The parses a join repeats. Every join parses ietf-netconf-monitoring (libnetconf2's
 * built-in text) and the <get-schema> reply for ietf-datastores into a context that holds
 * both: libyang parses the whole text, finds the module present and returns it, about a
 * fifth of a shared connect's CPU. During the CPU parts of a join on a pooled context
 * (ctxpool_join_parses(), under the baton) lys_parse_mem() is answered from a memo: the
 * same bytes parsed into the same context at the same change count, whose parse returned
 * an implemented module without changing the context, return that module again; which
 * is what libyang's duplicate path returns (tree_schema.c, lys_parse_in: the module
 * present at that name and revision; implementing it with no features is a no-op). The
 * netstitch executable defines lys_parse_mem() (libnetconf2's calls bind to it, the
 * dynamic linker resolving the executable first) and calls libyang's through
 * dlsym(RTLD_NEXT); outside a join, or without a memo entry, it only passes the call on.
 * The shared library (include/netstitch.map) does not export it, so there it passes on
 * nothing and changes nothing for other programs.
 *
 * Not here: the baton passing (relay.c), the read holds (session.c).
 */
#include "ctxpool.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"

/* Version 2: records of version 1 said "never" (proven -1) for the sets rec_hide() makes
 * shareable; they are rewritten and proven again. */
#define CTXPOOL_MAGIC "netstitch-ctxset 2"
#define CTXPOOL_MAX_FEATS 256

enum ctxpool_state {
    CTXPOOL_S_NONE = 0,
    CTXPOOL_S_UNPROVEN,
    CTXPOOL_S_PROVING,
    CTXPOOL_S_SHARED,
    CTXPOOL_S_OFF
};

struct ctxpool_lock {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned readers, joins, cpu_wait, write_wait;
    int cpu, writer;
};

struct ctxpool_set {
    struct ctxpool_set *next;
    char *key; /* normalized hello \0 schema dir \0 cache dir */
    size_t keylen;
    char path[4096]; /* the record */
    char *schema_dir, *cache_dir;
    enum ctxpool_state state;
    int rewrite; /* the record is stale: the next private join rewrites it */
    char *mods;  /* the record's "mod" lines, as written */
    pthread_mutex_t build_mu;
    int build_failed;
    unsigned users; /* sessions on ctx (ctxpool_get .. ctxpool_put) */
    struct ly_ctx *ctx;
    uint16_t change_count;
    unsigned hidden;           /* bits of ctxpool_own[]: compiled in, enabled flag cleared */
    struct ctxpool_memo *memo; /* the joins' parses; used under the baton only */
    struct ctxpool_msg *msgs;
    size_t nmsgs;
    struct ctxpool_lock lk;
};

/* The ietf-netconf features netstitch enables after a join (session.c), and a node each
 * one puts into the compiled schema. */
static const struct {
    const char *name, *node;
} ctxpool_own[] = {
    {"confirmed-commit", "/ietf-netconf:cancel-commit"},
    {"validate", "/ietf-netconf:validate"},
};
#define CTXPOOL_NOWN (sizeof ctxpool_own / sizeof ctxpool_own[0])

/* A module text a join parsed into the set's context, and what came of it. */
struct ctxpool_memo {
    struct ctxpool_memo *next;
    char *text;
    size_t len;
    LYS_INFORMAT format;
    uint16_t count; /* the context's change count before and after that parse */
    struct lys_module *mod;
};

static pthread_mutex_t ctxpool_mu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local struct ctxpool_set *ctxpool_joining;
static void rec_rehide(struct ctxpool_set *set);
static struct ctxpool_set *ctxpool_sets;
static struct ctxpool_stats ctxpool_st;

/*
 * The lock
 */

static void
lk_init(struct ctxpool_lock *l)
{
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
}

void
ctxpool_read_acquire(struct ctxpool_set *set)
{
    struct ctxpool_lock *l = &set->lk;

    pthread_mutex_lock(&l->mu);
    while (l->writer || l->write_wait || l->cpu || l->cpu_wait) {
        pthread_cond_wait(&l->cv, &l->mu);
    }
    l->readers++;
    pthread_mutex_unlock(&l->mu);
}

void
ctxpool_read_release(struct ctxpool_set *set)
{
    struct ctxpool_lock *l = &set->lk;

    pthread_mutex_lock(&l->mu);
    l->readers--;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static void
join_acquire(struct ctxpool_set *set)
{
    struct ctxpool_lock *l = &set->lk;

    pthread_mutex_lock(&l->mu);
    while (l->writer || l->write_wait) {
        pthread_cond_wait(&l->cv, &l->mu);
    }
    l->joins++;
    pthread_mutex_unlock(&l->mu);
}

static void
join_release(struct ctxpool_set *set)
{
    struct ctxpool_lock *l = &set->lk;

    pthread_mutex_lock(&l->mu);
    l->joins--;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

void
ctxpool_cpu_acquire(struct ctxpool_set *set)
{
    struct ctxpool_lock *l = &set->lk;

    pthread_mutex_lock(&l->mu);
    l->cpu_wait++;
    while (l->readers || l->cpu || l->writer) {
        pthread_cond_wait(&l->cv, &l->mu);
    }
    l->cpu_wait--;
    l->cpu = 1;
    pthread_mutex_unlock(&l->mu);
}

void
ctxpool_cpu_release(struct ctxpool_set *set)
{
    struct ctxpool_lock *l = &set->lk;

    pthread_mutex_lock(&l->mu);
    l->cpu = 0;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

void
ctxpool_write_acquire(struct ctxpool_set *set)
{
    struct ctxpool_lock *l = &set->lk;

    pthread_mutex_lock(&l->mu);
    l->write_wait++;
    while (l->readers || l->joins || l->cpu || l->writer) {
        pthread_cond_wait(&l->cv, &l->mu);
    }
    l->write_wait--;
    l->writer = 1;
    pthread_mutex_unlock(&l->mu);
}

void
ctxpool_write_release(struct ctxpool_set *set)
{
    struct ctxpool_lock *l = &set->lk;

    if (set->hidden) {
        rec_rehide(set);
    }
    /* A module loaded after connect is expected to move the count; joins compare with
     * the count from here on. */
    set->change_count = ly_ctx_get_change_count(set->ctx);
    pthread_mutex_lock(&l->mu);
    l->writer = 0;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

/*
 * Keys and records
 */

void
ctxpool_msgs_free(struct ctxpool_msg *msgs, size_t n)
{
    for (size_t i = 0; msgs && i < n; i++) {
        nst_free(msgs[i].p);
    }
    nst_free(msgs);
}

/* The key: the hello with the digits of its session-id removed, then the two dirs. */
static char *
ctxpool_key(const char *hello, size_t len, const char *sdir, const char *cdir, size_t *keylen)
{
    size_t ls = strlen(sdir), lc = strlen(cdir), o = 0;
    char *k = nst_malloc(len + ls + lc + 3);
    const char *sid = NULL;

    if (!k) {
        return NULL;
    }
    /* "session-id>" of the opening tag (any prefix); its content up to the next '<'. */
    for (size_t i = 0; i + 11 <= len; i++) {
        if (!memcmp(hello + i, "session-id>", 11) && i > 0 && hello[i - 1] != '/') {
            sid = hello + i + 11;
            break;
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (sid && hello + i >= sid && hello[i] != '<') {
            continue;
        }
        if (sid && hello + i >= sid) {
            sid = NULL;
        }
        k[o++] = hello[i];
    }
    k[o++] = '\0';
    memcpy(k + o, sdir, ls + 1);
    o += ls + 1;
    memcpy(k + o, cdir, lc + 1);
    o += lc + 1;
    *keylen = o;
    return k;
}

static uint64_t
ctxpool_fnv(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    }
    return h;
}

/* Read a "<tag> LEN\n<bytes>\n" blob at *p. */
static char *
rec_blob(const char **p, const char *end, const char *tag, size_t *len)
{
    size_t tl = strlen(tag);
    char *e, *out;
    unsigned long long n;

    if ((size_t)(end - *p) < tl + 1 || memcmp(*p, tag, tl) || (*p)[tl] != ' ') {
        return NULL;
    }
    n = strtoull(*p + tl + 1, &e, 10);
    if (*e != '\n' || n > (size_t)(end - e - 1) || (size_t)(end - e - 1) - n < 1 ||
        e[1 + n] != '\n') {
        return NULL;
    }
    out = nst_malloc(n + 1);
    if (!out) {
        return NULL;
    }
    memcpy(out, e + 1, n);
    out[n] = '\0';
    *len = n;
    *p = e + 2 + n;
    return out;
}

/* Load the set's record; a missing or unreadable one leaves state NONE. */
static void
rec_load(struct ctxpool_set *set)
{
    FILE *f = fopen(set->path, "rb");
    char *text = NULL, *key = NULL, *e;
    const char *p, *end, *mods;
    size_t n = 0, cap = 0, klen = 0;
    long proven;
    struct ctxpool_msg *msgs = NULL;
    size_t nmsgs = 0;

    if (!f) {
        return;
    }
    for (;;) {
        size_t got;

        if (cap - n < 65536) {
            char *t = nst_realloc(text, cap + 65536 + 1);

            if (!t) {
                goto cleanup;
            }
            text = t;
            cap += 65536;
        }
        got = fread(text + n, 1, cap - n, f);
        n += got;
        if (!got) {
            break;
        }
    }
    text[n] = '\0';
    p = text;
    end = text + n;
    if (strncmp(p, CTXPOOL_MAGIC "\nproven ", strlen(CTXPOOL_MAGIC) + 8)) {
        goto cleanup;
    }
    proven = strtol(p + strlen(CTXPOOL_MAGIC) + 8, &e, 10);
    if (*e != '\n') {
        goto cleanup;
    }
    p = e + 1;
    key = rec_blob(&p, end, "key", &klen);
    if (!key || klen != set->keylen || memcmp(key, set->key, klen)) {
        goto cleanup; /* another set with the same hash: treated as none */
    }
    {
        size_t dl;
        char *dir = rec_blob(&p, end, "dir", &dl);

        if (!dir) {
            goto cleanup;
        }
        nst_free(set->cache_dir);
        set->cache_dir = dir;
    }
    mods = p;
    while (!strncmp(p, "mod ", 4)) {
        p = strchr(p, '\n');
        if (!p) {
            goto cleanup;
        }
        p++;
    }
    while (!strncmp(p, "msg ", 4)) {
        size_t ml;
        char *m = rec_blob(&p, end, "msg", &ml);
        struct ctxpool_msg *t;

        if (!m || !(t = nst_realloc(msgs, (nmsgs + 1) * sizeof *msgs))) {
            nst_free(m);
            goto cleanup;
        }
        msgs = t;
        msgs[nmsgs].p = m;
        msgs[nmsgs++].len = ml;
    }
    if (strcmp(p, "end\n") || p == mods) {
        goto cleanup;
    }
    set->mods = nst_strndup(mods, (size_t)(p - mods) - 0);
    if (!set->mods) {
        goto cleanup;
    }
    /* Cut the transcript off the module lines. */
    {
        char *m = strstr(set->mods, "msg ");

        if (m) {
            *m = '\0';
        }
    }
    if (proven < 0) {
        set->state = CTXPOOL_S_OFF;
    } else {
        set->state = CTXPOOL_S_UNPROVEN;
        if (proven > 0 && nmsgs) {
            /* Proven in an earlier run: shared from the first join on, each held to the
             * transcript (the context is built by the first connect, ctxpool_get). */
            set->state = CTXPOOL_S_SHARED;
            set->msgs = msgs;
            set->nmsgs = nmsgs;
            msgs = NULL;
            nmsgs = 0;
        }
    }

cleanup:
    ctxpool_msgs_free(msgs, nmsgs);
    nst_free(key);
    nst_free(text);
    fclose(f);
}

static int
rec_put_blob(FILE *f, const char *tag, const char *p, size_t n)
{
    return fprintf(f, "%s %zu\n", tag, n) < 0 || fwrite(p, 1, n, f) != n || fputc('\n', f) == EOF;
}

/* Write the record: tmp + rename, mode 0600. */
static void
rec_write(struct ctxpool_set *set, int proven)
{
    char tmp[4200];
    FILE *f;
    int fd, bad;

    if (!set->mods || snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", set->path) >= (int)sizeof tmp) {
        return;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        return;
    }
    f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        return;
    }
    bad = fprintf(f, "%s\nproven %d\n", CTXPOOL_MAGIC, proven) < 0 ||
          rec_put_blob(f, "key", set->key, set->keylen) ||
          rec_put_blob(f, "dir", set->cache_dir, strlen(set->cache_dir)) ||
          fputs(set->mods, f) == EOF;
    for (size_t i = 0; !bad && proven > 0 && i < set->nmsgs; i++) {
        bad = rec_put_blob(f, "msg", set->msgs[i].p, set->msgs[i].len);
    }
    bad = bad || fputs("end\n", f) == EOF;
    bad = fclose(f) || bad;
    if (bad || rename(tmp, set->path)) {
        unlink(tmp);
        return;
    }
    ctxpool_st.records_written++;
}

/* The "mod" lines of a context: its implemented modules, with their revision and enabled
 * features. */
static char *
rec_mods(const struct ly_ctx *ctx)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    const struct lys_module *mod;
    /* libyang's own modules too: a fresh context has some only imported (ietf-yang-types,
     * ietf-inet-types, ietf-yang-metadata), and a server that lists them gets them
     * implemented by the join. */
    uint32_t i = 0;

    if (!f) {
        return NULL;
    }
    while ((mod = ly_ctx_get_module_iter(ctx, &i))) {
        struct lysp_feature *ft = NULL;
        uint32_t idx = 0;

        if (!mod->implemented || !mod->parsed) {
            continue;
        }
        fprintf(f, "mod %s %s", mod->name, mod->revision ? mod->revision : "-");
        while ((ft = lysp_feature_next(ft, mod->parsed, &idx))) {
            if (ft->flags & LYS_FENABLED) {
                fprintf(f, " %s", ft->name);
            }
        }
        fputc('\n', f);
    }
    if (fclose(f)) {
        free(out);
        return NULL;
    }
    /* open_memstream's buffer comes from malloc: copy it to our allocator's. */
    {
        char *copy = nst_strdup(out);

        free(out);
        return copy;
    }
}

int
ctxpool_feature_compiled(const struct ly_ctx *ctx, const char *feature)
{
    for (size_t i = 0; i < CTXPOOL_NOWN; i++) {
        if (!strcmp(ctxpool_own[i].name, feature)) {
            return ctx && lys_find_path(ctx, NULL, ctxpool_own[i].node, 0) != NULL;
        }
    }
    return 0;
}

/*
 * The feature list of the hello's ietf-netconf module capability
 * ("...?module=ietf-netconf&amp;revision=...&amp;features=a,b"), copied into @buf as
 * ",a,b,". 0 when the hello has no such capability or it has no features parameter
 * (libnetconf2 then leaves the features alone) or the list does not fit.
 */
static int
hello_nc_features(const char *hello, size_t len, char *buf, size_t size)
{
    static const char mod[] = "module=ietf-netconf";
    const char *end = hello + len;

    for (const char *p = hello; (p = memmem(p, (size_t)(end - p), mod, sizeof mod - 1));
         p += sizeof mod - 1) {
        const char *q = p + sizeof mod - 1, *cap_end, *f;
        size_t n;

        if (q < end && *q != '&' && *q != '<') {
            continue; /* ietf-netconf-monitoring, ... */
        }
        cap_end = memchr(q, '<', (size_t)(end - q));
        if (!cap_end) {
            return 0;
        }
        f = memmem(q, (size_t)(cap_end - q), "features=", 9);
        if (!f) {
            return 0;
        }
        f += 9;
        for (n = 0; f + n < cap_end && f[n] != '&'; n++) {
        }
        if (n + 3 > size) {
            return 0;
        }
        buf[0] = ',';
        memcpy(buf + 1, f, n);
        buf[n + 1] = ',';
        buf[n + 2] = '\0';
        return 1;
    }
    return 0;
}

/*
 * Clear the enabled flag of the features of ctxpool_own[] that the context has compiled
 * in and the hello's ietf-netconf feature list lacks: the join will set exactly that list
 * (see "Features netstitch turns on itself" above).
 */
static void
rec_hide(struct ctxpool_set *set, struct ly_ctx *ctx)
{
    struct lys_module *mod = ly_ctx_get_module_implemented(ctx, "ietf-netconf");
    char list[1024], item[80];

    if (!mod || !mod->parsed || !hello_nc_features(set->key, strlen(set->key), list, sizeof list)) {
        return;
    }
    for (size_t i = 0; i < CTXPOOL_NOWN; i++) {
        struct lysp_feature *f = NULL;
        uint32_t idx = 0;

        snprintf(item, sizeof item, ",%s,", ctxpool_own[i].name);
        if (strstr(list, item) || !ctxpool_feature_compiled(ctx, ctxpool_own[i].name)) {
            continue;
        }
        while ((f = lysp_feature_next(f, mod->parsed, &idx))) {
            if (!strcmp(f->name, ctxpool_own[i].name) && (f->flags & LYS_FENABLED)) {
                f->flags &= ~LYS_FENABLED;
                set->hidden |= 1u << i;
            }
        }
    }
}

/*
 * After a writer: if a recompile of ietf-netconf compiled a hidden feature out, compile it
 * in again (its flag set for the compile, cleared after). The caller is the only user of
 * the context.
 */
static void
rec_rehide(struct ctxpool_set *set)
{
    struct lys_module *mod = ly_ctx_get_module_implemented(set->ctx, "ietf-netconf");
    const char *feats[CTXPOOL_MAX_FEATS + 1];
    struct lysp_feature *f = NULL;
    uint32_t idx = 0;
    size_t n = 0;
    int lost = 0;

    if (!mod || !mod->parsed) {
        return;
    }
    for (size_t i = 0; i < CTXPOOL_NOWN; i++) {
        if ((set->hidden & (1u << i)) && !ctxpool_feature_compiled(set->ctx, ctxpool_own[i].name)) {
            lost = 1;
        }
    }
    if (!lost) {
        return;
    }
    while ((f = lysp_feature_next(f, mod->parsed, &idx)) && n < CTXPOOL_MAX_FEATS) {
        int own = 0;

        for (size_t i = 0; i < CTXPOOL_NOWN; i++) {
            own |= (set->hidden & (1u << i)) && !strcmp(f->name, ctxpool_own[i].name);
        }
        if ((f->flags & LYS_FENABLED) || own) {
            feats[n++] = f->name;
        }
    }
    feats[n] = NULL;
    lys_set_implemented(mod, feats);
    f = NULL;
    idx = 0;
    while ((f = lysp_feature_next(f, mod->parsed, &idx))) {
        for (size_t i = 0; i < CTXPOOL_NOWN; i++) {
            if ((set->hidden & (1u << i)) && !strcmp(f->name, ctxpool_own[i].name)) {
                f->flags &= ~LYS_FENABLED;
            }
        }
    }
}

/* Build the set's context from its module lines. */
static struct ly_ctx *
rec_build(struct ctxpool_set *set)
{
    struct ly_ctx *ctx = NULL;
    char *mods = nst_strdup(set->mods), *line, *save = NULL;
    const char *feats[CTXPOOL_MAX_FEATS + 1];

    if (!mods ||
        ly_ctx_new(set->schema_dir, LY_CTX_NO_YANGLIBRARY | LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx) ||
        ly_ctx_set_searchdir(ctx, set->cache_dir)) {
        goto fail;
    }
    for (line = strtok_r(mods, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tok, *s2 = NULL, *name, *rev;
        size_t nf = 0;

        strtok_r(line, " ", &s2); /* "mod" */
        name = strtok_r(NULL, " ", &s2);
        rev = strtok_r(NULL, " ", &s2);
        if (!name || !rev) {
            goto fail;
        }
        while ((tok = strtok_r(NULL, " ", &s2)) && nf < CTXPOOL_MAX_FEATS) {
            feats[nf++] = tok;
        }
        feats[nf] = NULL;
        if (!ly_ctx_load_module(ctx, name, strcmp(rev, "-") ? rev : NULL, feats)) {
            goto fail;
        }
    }
    nst_free(mods);
    rec_hide(set, ctx);
    return ctx;

fail:
    nst_free(mods);
    ly_ctx_destroy(ctx);
    return NULL;
}

/*
 * The parses a join repeats (see the top of the file)
 */

typedef LY_ERR (*ctxpool_parse_fn)(struct ly_ctx *, const char *, LYS_INFORMAT,
                                   struct lys_module **);
static ctxpool_parse_fn ctxpool_parse_real;

static void
memo_resolve(void)
{
    /* The function after this one in the lookup order: libyang's. */
    *(void **)&ctxpool_parse_real = dlsym(RTLD_NEXT, "lys_parse_mem");
}

void
ctxpool_join_parses(struct ctxpool_set *set)
{
    ctxpool_joining = set;
}

static void
memo_free(struct ctxpool_memo *m)
{
    while (m) {
        struct ctxpool_memo *next = m->next;

        nst_free(m->text);
        nst_free(m);
        m = next;
    }
}

__attribute__((visibility("default"))) LY_ERR
lys_parse_mem(struct ly_ctx *ctx, const char *data, LYS_INFORMAT format, struct lys_module **module)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct ctxpool_set *set = ctxpool_joining;
    struct ctxpool_memo *m;
    struct lys_module *mod = NULL;
    uint16_t count;
    size_t len;
    LY_ERR ret;

    pthread_once(&once, memo_resolve);
    if (!ctxpool_parse_real) {
        return LY_EINT;
    }
    if (!set || !ctx || ctx != set->ctx || !data) {
        return ctxpool_parse_real(ctx, data, format, module);
    }
    len = strlen(data);
    count = ly_ctx_get_change_count(ctx);
    for (m = set->memo; m; m = m->next) {
        if (m->len == len && m->format == format && m->count == count && m->mod->implemented &&
            !memcmp(m->text, data, len)) {
            if (module) {
                *module = m->mod;
            }
            pthread_mutex_lock(&ctxpool_mu);
            ctxpool_st.parses_memo++;
            pthread_mutex_unlock(&ctxpool_mu);
            return LY_SUCCESS;
        }
    }
    ret = ctxpool_parse_real(ctx, data, format, &mod);
    if (!ret && mod && mod->implemented && ly_ctx_get_change_count(ctx) == count &&
        (m = nst_calloc(1, sizeof *m))) {
        m->text = nst_malloc(len + 1);
        if (m->text) {
            memcpy(m->text, data, len + 1);
            m->len = len;
            m->format = format;
            m->count = count;
            m->mod = mod;
            m->next = set->memo;
            set->memo = m;
        } else {
            nst_free(m);
        }
    }
    if (module) {
        *module = ret ? NULL : mod;
    }
    return ret;
}

/*
 * The pool
 */

static struct ctxpool_set *
set_find(const char *key, size_t keylen, const char *sdir, const char *pdir, const char *cdir)
{
    struct ctxpool_set *set;

    for (set = ctxpool_sets; set; set = set->next) {
        if (set->keylen == keylen && !memcmp(set->key, key, keylen)) {
            return set;
        }
    }
    set = nst_calloc(1, sizeof *set);
    if (!set) {
        return NULL;
    }
    set->key = nst_malloc(keylen);
    set->schema_dir = nst_strdup(sdir);
    set->cache_dir = nst_strdup(cdir);
    if (!set->key || !set->schema_dir || !set->cache_dir ||
        snprintf(set->path, sizeof set->path, "%s/.ctxset-%016llx", pdir,
                 (unsigned long long)ctxpool_fnv(key, keylen)) >= (int)sizeof set->path) {
        nst_free(set->key);
        nst_free(set->schema_dir);
        nst_free(set->cache_dir);
        nst_free(set);
        return NULL;
    }
    memcpy(set->key, key, keylen);
    set->keylen = keylen;
    lk_init(&set->lk);
    pthread_mutex_init(&set->build_mu, NULL);
    rec_load(set);
    set->next = ctxpool_sets;
    ctxpool_sets = set;
    return set;
}

enum ctxpool_role
ctxpool_get(const char *hello, size_t len, const char *schema_dir, const char *cache_dir,
            int may_share, struct ctxpool_set **setp, struct ly_ctx **ctx)
{
    struct ctxpool_set *set;
    size_t keylen;
    char *key, parent[4096];
    enum ctxpool_role role = CTXPOOL_PRIVATE;

    *setp = NULL;
    *ctx = NULL;
    if (!hello || !cache_dir || !schema_dir) {
        return CTXPOOL_PRIVATE;
    }
    /* Callers keep one cache directory per device under a common parent (txn.c,
     * health.c, lifecycle.c: <store>/schema-cache/<address>_<port>): the set is the
     * parent's, so that routers with one schema set share it; its record lives there. */
    {
        const char *slash = strrchr(cache_dir, '/');
        size_t pl = slash && slash != cache_dir ? (size_t)(slash - cache_dir) : strlen(cache_dir);

        if (pl >= sizeof parent) {
            return CTXPOOL_PRIVATE;
        }
        memcpy(parent, cache_dir, pl);
        parent[pl] = '\0';
    }
    key = ctxpool_key(hello, len, schema_dir, parent, &keylen);
    if (!key) {
        return CTXPOOL_PRIVATE;
    }
    pthread_mutex_lock(&ctxpool_mu);
    set = set_find(key, keylen, schema_dir, parent, cache_dir);
    nst_free(key);
    if (!set) {
        pthread_mutex_unlock(&ctxpool_mu);
        return CTXPOOL_PRIVATE;
    }
    *setp = set;
    switch (may_share ? set->state : CTXPOOL_S_NONE) {
    case CTXPOOL_S_UNPROVEN:
        set->state = CTXPOOL_S_PROVING;
        role = CTXPOOL_PROVE;
        break;
    case CTXPOOL_S_SHARED:
        role = CTXPOOL_SHARE;
        break;
    default:
        break;
    }
    pthread_mutex_unlock(&ctxpool_mu);
    if (role != CTXPOOL_PRIVATE) {
        /* PROVING: nobody else uses the set. SHARED from a record: the first connect
         * builds, the others wait for it (CPU only). */
        pthread_mutex_lock(&set->build_mu);
        if (!set->ctx && !set->build_failed) {
            set->ctx = rec_build(set);
            set->build_failed = !set->ctx;
            if (set->ctx) {
                set->change_count = ly_ctx_get_change_count(set->ctx);
            }
        }
        pthread_mutex_unlock(&set->build_mu);
        if (!set->ctx) {
            pthread_mutex_lock(&ctxpool_mu);
            set->state = CTXPOOL_S_NONE;
            set->rewrite = 1;
            pthread_mutex_unlock(&ctxpool_mu);
            unlink(set->path);
            return CTXPOOL_PRIVATE;
        }
    }
    if (role != CTXPOOL_PRIVATE) {
        pthread_mutex_lock(&ctxpool_mu);
        set->users++;
        pthread_mutex_unlock(&ctxpool_mu);
        join_acquire(set);
        ctxpool_cpu_acquire(set);
        *ctx = set->ctx;
    }
    return role;
}

void
ctxpool_join_done(struct ctxpool_set *set, enum ctxpool_role role, int ok, int mismatch,
                  struct ctxpool_msg *msgs, size_t nmsgs)
{
    pthread_mutex_lock(&ctxpool_mu);
    if (ok < 0 && !mismatch) {
        /* The join failed without a verdict (the device, the network): no change. */
        if (role == CTXPOOL_PROVE) {
            set->state = set->msgs ? CTXPOOL_S_SHARED : CTXPOOL_S_UNPROVEN;
        }
    } else if (role == CTXPOOL_PROVE) {
        /* A proof against an earlier run's transcript must reproduce it exactly. */
        ok = ok > 0;
        if (ok && set->msgs) {
            ok = nmsgs == set->nmsgs;
            for (size_t i = 0; ok && i < nmsgs; i++) {
                ok = msgs[i].len == set->msgs[i].len &&
                     !memcmp(msgs[i].p, set->msgs[i].p, msgs[i].len);
            }
        }
        ctxpool_msgs_free(set->msgs, set->nmsgs);
        set->msgs = NULL;
        set->nmsgs = 0;
        if (ok) {
            set->msgs = msgs;
            set->nmsgs = nmsgs;
            msgs = NULL;
            set->state = CTXPOOL_S_SHARED;
            ctxpool_st.proved++;
            rec_write(set, 1);
        } else if (mismatch || !set->mods) {
            set->state = CTXPOOL_S_NONE;
            set->rewrite = 1;
        } else {
            /* The join changed the context or failed: the context stays with the session
             * that proved it (the pool frees it at the end), nobody else joins it. */
            set->state = CTXPOOL_S_OFF;
            rec_write(set, -1);
        }
    } else if (role == CTXPOOL_SHARE) {
        if (mismatch) {
            ctxpool_st.mismatched++;
            set->rewrite = 1;
        } else if (ok <= 0) {
            set->state = CTXPOOL_S_OFF;
            unlink(set->path);
        } else {
            ctxpool_st.shared++;
        }
    }
    pthread_mutex_unlock(&ctxpool_mu);
    ctxpool_msgs_free(msgs, nmsgs);
    ctxpool_cpu_release(set);
    join_release(set);
}

void
ctxpool_record(struct ctxpool_set *set, const struct ly_ctx *ctx, const char *cache_dir)
{
    char *mods, *dir;

    if (!set) {
        return;
    }
    pthread_mutex_lock(&ctxpool_mu);
    if (set->state != CTXPOOL_S_NONE && !set->rewrite) {
        pthread_mutex_unlock(&ctxpool_mu);
        return;
    }
    set->rewrite = 0;
    pthread_mutex_unlock(&ctxpool_mu);
    mods = rec_mods(ctx);
    if (!mods) {
        return;
    }
    pthread_mutex_lock(&ctxpool_mu);
    if (set->state == CTXPOOL_S_NONE && !set->ctx && (dir = nst_strdup(cache_dir))) {
        /* The modules this join found are in its own cache directory. */
        nst_free(set->cache_dir);
        set->cache_dir = dir;
        nst_free(set->mods);
        set->mods = mods;
        mods = NULL;
        rec_write(set, 0);
        set->state = CTXPOOL_S_UNPROVEN;
    } else if (set->state == CTXPOOL_S_SHARED || set->state == CTXPOOL_S_NONE) {
        /* Rewrite the stale record for the next run; this run keeps its context. */
        char *old = set->mods;

        set->mods = mods;
        mods = NULL;
        rec_write(set, 0);
        nst_free(set->mods);
        set->mods = old;
    }
    pthread_mutex_unlock(&ctxpool_mu);
    nst_free(mods);
}

void
ctxpool_put(struct ctxpool_set *set)
{
    if (set) {
        pthread_mutex_lock(&ctxpool_mu);
        set->users--;
        pthread_mutex_unlock(&ctxpool_mu);
    }
}

const struct ctxpool_msg *
ctxpool_transcript(const struct ctxpool_set *set, size_t *n)
{
    *n = set->nmsgs;
    return set->msgs;
}

struct ly_ctx *
ctxpool_ctx(const struct ctxpool_set *set)
{
    return set->ctx;
}

uint16_t
ctxpool_change_count(const struct ctxpool_set *set)
{
    return set->change_count;
}

void
ctxpool_stats_get(struct ctxpool_stats *st)
{
    pthread_mutex_lock(&ctxpool_mu);
    *st = ctxpool_st;
    pthread_mutex_unlock(&ctxpool_mu);
}

void
ctxpool_clear(void)
{
    struct ctxpool_set *set, *next, **keep;

    pthread_mutex_lock(&ctxpool_mu);
    keep = &ctxpool_sets;
    for (set = ctxpool_sets; set; set = next) {
        next = set->next;
        if (set->users) {
            /* A session still uses it (exit() with sessions open): left to the OS. */
            *keep = set;
            keep = &set->next;
            continue;
        }
        ly_ctx_destroy(set->ctx);
        memo_free(set->memo);
        ctxpool_msgs_free(set->msgs, set->nmsgs);
        nst_free(set->mods);
        nst_free(set->key);
        nst_free(set->schema_dir);
        nst_free(set->cache_dir);
        pthread_mutex_destroy(&set->lk.mu);
        pthread_mutex_destroy(&set->build_mu);
        pthread_cond_destroy(&set->lk.cv);
        nst_free(set);
    }
    *keep = NULL;
    memset(&ctxpool_st, 0, sizeof ctxpool_st);
    pthread_mutex_unlock(&ctxpool_mu);
}

/* Process end: leak nothing under valgrind or LeakSanitizer. */
__attribute__((destructor)) static void
ctxpool_fini(void)
{
    ctxpool_clear();
}
