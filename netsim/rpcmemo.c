/*
 * rpcmemo.c: an RPC received again, byte for byte, is not parsed again.
 *
 * libnetconf2 2.0.24 parses every RPC it receives with lyd_parse_op(LYD_TYPE_RPC_NETCONF):
 * the <rpc> envelope as an opaque node, the operation as typed data (the elements of a
 * <filter> anyxml too, with the type plugins). In a live diff every session sends the same
 * filtered <get-config>, so that parse (1.0 M instructions in a Junos device) was the
 * largest part of the device's RPC handling after round 7's reply cache, and printing the
 * same operation again for rpc-xml.log (sim_log_xml()) the next (0.35 M).
 *
 * netsim defines lyd_parse_op() (the executable's definition binds libnetconf2's calls, as
 * hostile.c's ssh_channel_write() does; the real one is found with dlsym(RTLD_NEXT)). For a
 * NETCONF RPC message it keeps the message's text as a key, with the value of the envelope's
 * message-id attribute cut out: two messages equal outside that value are the same request,
 * and a parse is a function of the text (the part of a message-id up to its last ':' stays in
 * the key, see memo_plain_id()). A text seen a second time is parsed, and a copy of
 * its envelope and operation trees is kept with the key; from the third time on the
 * request gets copies of those (lyd_dup_single(), flags kept) with the envelope's message-id
 * set to the new one, instead of a parse. Requests seen once cost a copy of their text and
 * a comparison. The text of the operation rpc-xml.log prints is kept with the entry too.
 *
 * Kept only when it is certainly the same: an RPC, not an action (the operation is the top
 * of its tree and the envelope has no child), the message-id made of letters, digits, '.',
 * '-', '_' or ':' (no entity: the attribute's value is its text), the envelope's start
 * tag read attribute by attribute (quoted values may hold '>'), at most MEMO_MAX_TEXT bytes,
 * MEMO_N entries (the least recently used goes). A parse error is never kept: the next
 * identical text is parsed and fails the same way. Every other call goes to libyang as it
 * came. The schema never changes while a device runs (one context per device process).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "netsim.h"

#define MEMO_N 4
#define MEMO_MAX_TEXT (1024 * 1024)
#define MEMO_NO_CUT ((size_t)-1)

struct memo_entry {
    char *text;            /* the whole message as first received */
    size_t len;            /* its length */
    size_t cut, cut_end;   /* the message-id value [cut, cut_end), or MEMO_NO_CUT */
    struct lyd_node *envp; /* copies of the parse, NULL until the text came twice */
    struct lyd_node *op;
    char *log;          /* rpc-xml.log's text of the operation, or NULL */
    unsigned long used; /* last use, for the replacement */
};

static struct {
    struct memo_entry e[MEMO_N];
    unsigned long clock;
    const struct lyd_node *last_op; /* the operation the last parse returned */
    struct memo_entry *last;        /* and its entry, or NULL */
} memo;

/*
 * Is @p s[0..n) a message-id we can set as is? Letters, digits, '.', '-', '_' and ':' (as
 * in ncclient's "urn:uuid:..."); returns the length of its part up to and including the
 * last ':' (0 without one) in @p head, which stays in the key: libyang keeps the namespaces
 * of an XML attribute value's prefixes with it, and those are all in that part.
 */
static int
memo_plain_id(const char *s, size_t n, size_t *head)
{
    size_t i;

    if (!n || n > 128) {
        return 0;
    }
    *head = 0;
    for (i = 0; i < n; i++) {
        char c = s[i];

        if (c == ':') {
            *head = i + 1;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '-' || c == '_')) {
            return 0;
        }
    }
    return 1;
}

static int
memo_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Find the value of the first element's message-id attribute in @p t. Returns 1 with
 * *id the start of the value, [*cut, *cut_end) its part after the last ':' (all
 * MEMO_NO_CUT when the start tag has no message-id), 0 when the text is not read with
 * certainty (then nothing is kept).
 */
static int
memo_find_id(const char *t, size_t *id, size_t *cut, size_t *cut_end)
{
    const char *p = t, *name, *v, *e;
    size_t head;
    char q;

    *id = *cut = *cut_end = MEMO_NO_CUT;
    while (memo_ws(*p)) {
        p++;
    }
    if (!strncmp(p, "<?xml", 5)) {
        p = strstr(p, "?>");
        if (!p) {
            return 0;
        }
        p += 2;
        while (memo_ws(*p)) {
            p++;
        }
    }
    if (*p != '<' || p[1] == '!' || p[1] == '?' || p[1] == '/') {
        return 0;
    }
    for (p++; *p && !memo_ws(*p) && *p != '>' && *p != '/'; p++) {
    }
    for (;;) {
        while (memo_ws(*p)) {
            p++;
        }
        if (*p == '>' || *p == '/') {
            return 1;
        }
        name = p;
        while (*p && !memo_ws(*p) && *p != '=' && *p != '>' && *p != '/') {
            p++;
        }
        if (p == name) {
            return 0;
        }
        e = p;
        while (memo_ws(*p)) {
            p++;
        }
        if (*p++ != '=') {
            return 0;
        }
        while (memo_ws(*p)) {
            p++;
        }
        q = *p;
        if (q != '"' && q != '\'') {
            return 0;
        }
        v = ++p;
        p = strchr(v, q);
        if (!p) {
            return 0;
        }
        if (e - name == 10 && !strncmp(name, "message-id", 10)) {
            if (*cut != MEMO_NO_CUT || !memo_plain_id(v, (size_t)(p - v), &head)) {
                return 0;
            }
            *id = (size_t)(v - t);
            *cut = *id + head;
            *cut_end = (size_t)(p - t);
        }
        p++;
    }
}

/* Does entry @p m hold text @p t (length @p len, message-id cut at [cut, cut_end))? */
static int
memo_same(const struct memo_entry *m, const char *t, size_t len, size_t cut, size_t cut_end)
{
    if (!m->text || m->cut != cut) {
        return 0;
    }
    if (cut == MEMO_NO_CUT) {
        return m->len == len && !memcmp(m->text, t, len);
    }
    return m->len - (m->cut_end - m->cut) == len - (cut_end - cut) && !memcmp(m->text, t, cut) &&
           !memcmp(m->text + m->cut_end, t + cut_end, len - cut_end);
}

static void
memo_clear(struct memo_entry *m)
{
    if (memo.last == m) {
        memo.last = NULL;
        memo.last_op = NULL;
    }
    free(m->text);
    lyd_free_tree(m->envp);
    lyd_free_tree(m->op);
    free(m->log);
    memset(m, 0, sizeof *m);
}

/* The copies of entry @p m's parse for a message whose message-id is @p id (@p idlen). */
static int
memo_copy(const struct ly_ctx *ctx, const struct memo_entry *m, const char *id, size_t idlen,
          struct lyd_node **envp, struct lyd_node **op)
{
    struct lyd_node *e = NULL, *o = NULL;
    struct lyd_attr *a;
    const char *val;

    if (lyd_dup_single(m->envp, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &e) ||
        lyd_dup_single(m->op, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &o)) {
        goto fail;
    }
    if (id) {
        for (a = ((struct lyd_node_opaq *)e)->attr; a; a = a->next) {
            if (!strcmp(a->name.name, "message-id") && !a->name.prefix) {
                break;
            }
        }
        if (!a || lydict_insert(ctx, id, idlen, &val)) {
            goto fail;
        }
        lydict_remove(ctx, a->value);
        a->value = val;
    }
    *envp = e;
    *op = o;
    return 0;

fail:
    lyd_free_tree(e);
    lyd_free_tree(o);
    return 1;
}

typedef LY_ERR (*memo_parse_fn)(const struct ly_ctx *, struct lyd_node *, struct ly_in *,
                                LYD_FORMAT, enum lyd_type, struct lyd_node **, struct lyd_node **);

__attribute__((visibility("default"))) LY_ERR
lyd_parse_op(const struct ly_ctx *ctx, struct lyd_node *parent, struct ly_in *in, LYD_FORMAT format,
             enum lyd_type data_type, struct lyd_node **tree, struct lyd_node **op)
{
    static memo_parse_fn real;
    struct memo_entry *m = NULL, *victim = NULL;
    const char *t;
    size_t len, id, cut, cut_end;
    LY_ERR r;
    int i;

    if (!real) {
        sim_dlsym(RTLD_NEXT, "lyd_parse_op", &real);
        if (!real) {
            return LY_ESYS;
        }
    }
    memo.last = NULL;
    memo.last_op = NULL;
    t = (in && ctx && !parent && format == LYD_XML && data_type == LYD_TYPE_RPC_NETCONF && tree &&
         op && ly_in_type(in) == LY_IN_MEMORY)
            ? ly_in_memory(in, NULL)
            : NULL;
    if (!t || (len = strlen(t)) > MEMO_MAX_TEXT || !memo_find_id(t, &id, &cut, &cut_end)) {
        return real(ctx, parent, in, format, data_type, tree, op);
    }
    for (i = 0; i < MEMO_N; i++) {
        if (memo_same(&memo.e[i], t, len, cut, cut_end)) {
            m = &memo.e[i];
            break;
        }
        if (!victim || memo.e[i].used < victim->used) {
            victim = &memo.e[i];
        }
    }
    if (m && m->envp &&
        !memo_copy(ctx, m, id == MEMO_NO_CUT ? NULL : t + id, cut_end - id, tree, op)) {
        m->used = ++memo.clock;
        memo.last = m;
        memo.last_op = *op;
        return LY_SUCCESS;
    }
    r = real(ctx, parent, in, format, data_type, tree, op);
    if (r || !*tree || !*op || lyd_parent(*op) || (*op)->prev != *op || lyd_child(*tree)) {
        return r;
    }
    if (!m) {
        /* First time: the text only. */
        m = victim;
        memo_clear(m);
        m->text = malloc(len + 1);
        if (!m->text) {
            return r;
        }
        memcpy(m->text, t, len + 1);
        m->len = len;
        m->cut = cut;
        m->cut_end = cut_end;
    } else if (!m->envp) {
        /* Second time: keep the parse. */
        if (lyd_dup_single(*tree, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &m->envp) ||
            lyd_dup_single(*op, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &m->op)) {
            lyd_free_tree(m->envp);
            lyd_free_tree(m->op);
            m->envp = m->op = NULL;
        }
    }
    m->used = ++memo.clock;
    memo.last = m;
    memo.last_op = *op;
    return r;
}

const char *
sim_memo_log_text(const struct lyd_node *rpc)
{
    return memo.last && memo.last_op == rpc ? memo.last->log : NULL;
}

void
sim_memo_set_log_text(const struct lyd_node *rpc, const char *text)
{
    if (memo.last && memo.last_op == rpc && !memo.last->log && text) {
        memo.last->log = strdup(text);
    }
}

void
sim_memo_free(void)
{
    int i;

    for (i = 0; i < MEMO_N; i++) {
        memo_clear(&memo.e[i]);
    }
}
