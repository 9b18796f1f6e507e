/*
 * inventory.c: load an inventory (yang/netstitch-inventory.yang) into struct
 * nst_inventory, and read the secrets it names (see inventory.h).
 *
 *   file --read--> text --libyang (context's models)--> validated tree --copy--> structs
 *
 * The instance is parsed and validated with the context's libyang context, which
 * already holds the inventory model (nst_ctx_new loads it), so every model rule
 * (mandatory address and user, port range, fingerprint pattern, secret-source pattern,
 * the host-key choice being mandatory) is enforced by libyang and reported as a
 * diagnostic with file, line and data path. On top of the model this file checks only
 * what a file name or a shell variable cannot hold: no control characters in names.
 *
 * Not here: whether a key file exists or a password variable is set. Those belong to
 * the moment of use (sess_connect checks them before any network traffic) so that an
 * inventory can be loaded, listed and checked on a machine without the secrets.
 */
#include "inventory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "alloc.h"
#include "ctx.h"
#include "diag.h"

#define INV_NS_MODULE "netstitch-inventory"
#define INV_MAX_BYTES (16u << 20)
#define INV_SECRET_MAX 4096

/*
 * Reading and parsing
 */

static nst_err
inv_read_file(struct nst_ctx *ctx, const char *path, char **data)
{
    struct diag_loc loc = {path, 0, NULL, NULL};
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    ssize_t r;
    int fd;
    nst_err ret = NST_OK;

    /* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below). */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        diag_add(ctx, DIAG_IO_READ, &loc, path, strerror(errno));
        return NST_EIO;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (unsigned long long)st.st_size > INV_MAX_BYTES) {
        diag_add(ctx, DIAG_IO_READ, &loc, path,
                 fstat(fd, &st)        ? strerror(errno)
                 : S_ISREG(st.st_mode) ? "larger than 16 MiB"
                                       : "not a regular file");
        ret = NST_EIO;
        goto cleanup;
    }
    buf = nst_malloc((size_t)st.st_size + 1);
    if (!buf) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    while (got < (size_t)st.st_size) {
        r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            diag_add(ctx, DIAG_IO_READ, &loc, path, r < 0 ? strerror(errno) : "short read");
            ret = NST_EIO;
            goto cleanup;
        }
        got += (size_t)r;
    }
    buf[got] = '\0';

cleanup:
    close(fd);
    if (ret) {
        nst_free(buf);
        return ret;
    }
    *data = buf;
    return NST_OK;
}

/* XML unless the name ends in .json or the text starts with '{'. */
static enum nst_format
inv_guess_format(const char *name, const char *data)
{
    size_t n = strlen(name);

    if (n > 5 && !strcmp(name + n - 5, ".json")) {
        return NST_FORMAT_JSON;
    }
    if (n > 4 && !strcmp(name + n - 4, ".xml")) {
        return NST_FORMAT_XML;
    }
    data += strspn(data, " \t\r\n");
    return *data == '{' ? NST_FORMAT_JSON : NST_FORMAT_XML;
}

/* The quoted path after @key in libyang's location text, newly allocated, or NULL. */
static char *
inv_ly_location(const char *where, const char *key)
{
    const char *p = where ? strstr(where, key) : NULL;
    const char *q;

    if (!p || !(p = strchr(p, '"')) || !(q = strchr(p + 1, '"'))) {
        return NULL;
    }
    return nst_strndup(p + 1, (size_t)(q - p - 1));
}

/* libyang's first error as one diagnostic; returns NST_EINPUT (or NST_ENOMEM). */
static nst_err
inv_ly_error(struct nst_ctx *ctx, const char *file, enum nst_format fmt)
{
    const struct ly_err_item *e;
    struct diag_loc loc = {file, 0, NULL, NULL};
    enum diag_code code = DIAG_YANG_OTHER;
    const char *m, *ln;
    char *path = NULL, *msg = NULL;
    nst_err ret;

    for (e = ly_err_first(ctx->ly); e && e->level != LY_LLERR; e = e->next) {
    }
    if (!e) {
        ret = diag_add_msg(ctx, DIAG_YANG_OTHER, &loc, "the inventory does not validate");
        return ret ? ret : NST_EINPUT;
    }
    m = e->msg ? e->msg : "invalid inventory";
    if (e->vecode == LYVE_SYNTAX_XML || e->vecode == LYVE_SYNTAX_JSON || e->vecode == LYVE_SYNTAX) {
        code = fmt == NST_FORMAT_JSON ? DIAG_JSON_SYNTAX : DIAG_XML_SYNTAX;
    } else if (strstr(m, "Mandatory") || strstr(m, "mandatory")) {
        code = DIAG_YANG_MANDATORY;
    } else if (strstr(m, "Duplicate")) {
        code = DIAG_YANG_DUPLICATE;
    } else if (strstr(m, "not found as a child") || strstr(m, "No module") ||
               strstr(m, "Unknown element")) {
        code = DIAG_YANG_UNKNOWN;
    } else if (strcasestr(m, "invalid") || strstr(m, "Unsatisfied") || strcasestr(m, "value")) {
        code = DIAG_YANG_TYPE;
    }
    path = inv_ly_location(e->path, "Data location");
    if (!path) {
        path = inv_ly_location(e->path, "Schema location");
    }
    loc.path = path;
    ln = e->path ? strstr(e->path, "line number ") : NULL;
    if (!ln) {
        ln = strstr(m, "line number ");
    }
    loc.line = ln ? (uint32_t)strtoul(ln + 12, NULL, 10) : 0;
    msg = nst_strdup(m);
    if (!msg) {
        nst_free(path);
        return NST_ENOMEM;
    }
    for (char *p = msg; *p; p++) {
        if ((unsigned char)*p < 0x20) {
            *p = ' ';
        }
    }
    ret = diag_add_msg(ctx, code, &loc, msg);
    nst_free(msg);
    nst_free(path);
    return ret ? ret : NST_EINPUT;
}

/*
 * Copying the tree into structs
 */

/* The value of child leaf @name of @parent, or NULL. */
static const char *
inv_leaf(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *c;

    LY_LIST_FOR(lyd_child(parent), c)
    {
        if (c->schema && !strcmp(c->schema->name, name)) {
            return lyd_get_value(c);
        }
    }
    return NULL;
}

/* Child container/leaf @name of @parent, or NULL. */
static const struct lyd_node *
inv_child(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *c;

    LY_LIST_FOR(lyd_child(parent), c)
    {
        if (c->schema && !strcmp(c->schema->name, name)) {
            return c;
        }
    }
    return NULL;
}

static int
inv_has_ctrl(const char *s)
{
    for (; s && *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return 1;
        }
    }
    return 0;
}

/* NULL stays NULL; returns 0 on allocation failure of a non-NULL string. */
static int
inv_dup(char **dst, const char *src)
{
    *dst = NULL;
    if (!src) {
        return 1;
    }
    *dst = nst_strdup(src);
    return *dst != NULL;
}

static nst_err
inv_copy_device(struct nst_ctx *ctx, const char *file, const struct lyd_node *n,
                struct inv_device *d)
{
    const struct lyd_node *auth, *hk, *to;
    const char *v;
    char *path;
    nst_err ret;

    d->line = 0;
    if (!inv_dup(&d->name, inv_leaf(n, "name")) || !inv_dup(&d->address, inv_leaf(n, "address")) ||
        !inv_dup(&d->user, inv_leaf(n, "user"))) {
        return NST_ENOMEM;
    }
    if (inv_has_ctrl(d->name) || inv_has_ctrl(d->user) || inv_has_ctrl(d->address)) {
        struct diag_loc loc = {file, 0, NULL, NULL};

        path = lyd_path(n, LYD_PATH_STD, NULL, 0);
        loc.path = path;
        ret = diag_add_msg(ctx, DIAG_YANG_TYPE, &loc,
                           "device name, address and user must not contain control characters");
        free(path);
        return ret ? ret : NST_EINPUT;
    }
    v = inv_leaf(n, "port");
    d->port = (uint16_t)(v ? strtoul(v, NULL, 10) : 830);
    d->auth = INV_AUTH_AGENT;
    auth = inv_child(n, "auth");
    if (auth && inv_leaf(auth, "private-key")) {
        d->auth = INV_AUTH_PUBKEY;
        if (!inv_dup(&d->private_key, inv_leaf(auth, "private-key"))) {
            return NST_ENOMEM;
        }
    } else if (auth && inv_leaf(auth, "password")) {
        d->auth = INV_AUTH_PASSWORD;
        if (!inv_dup(&d->password_src, inv_leaf(auth, "password"))) {
            return NST_ENOMEM;
        }
    }
    /* The host-key choice is mandatory in the model, so validation saw one case. */
    hk = inv_child(n, "host-key");
    if (hk && inv_leaf(hk, "fingerprint")) {
        d->hostkey = INV_HK_FINGERPRINT;
        v = inv_leaf(hk, "fingerprint");
    } else if (hk && inv_leaf(hk, "known-hosts-file")) {
        d->hostkey = INV_HK_KNOWN_HOSTS;
        v = inv_leaf(hk, "known-hosts-file");
    } else {
        d->hostkey = INV_HK_TOFU;
        v = NULL;
    }
    if (!inv_dup(&d->hostkey_value, v)) {
        return NST_ENOMEM;
    }
    to = inv_child(n, "timeouts");
    v = to ? inv_leaf(to, "connect") : NULL;
    d->connect_s = v ? (uint32_t)strtoul(v, NULL, 10) : 10;
    v = to ? inv_leaf(to, "rpc") : NULL;
    d->rpc_s = v ? (uint32_t)strtoul(v, NULL, 10) : 30;
    v = to ? inv_leaf(to, "commit") : NULL;
    d->commit_s = v ? (uint32_t)strtoul(v, NULL, 10) : 120;
    return NST_OK;
}

static nst_err
inv_build(struct nst_ctx *ctx, const char *file, const struct lyd_node *tree,
          struct nst_inventory *inv)
{
    const struct lyd_node *top = NULL, *c;
    size_t nd = 0, ns = 0;
    nst_err ret;

    LY_LIST_FOR(tree, c)
    {
        if (c->schema && !strcmp(c->schema->module->name, INV_NS_MODULE) &&
            !strcmp(c->schema->name, "inventory")) {
            top = c;
        }
    }
    if (!top) {
        struct diag_loc loc = {file, 0, NULL, NULL};

        ret = diag_add_msg(ctx, DIAG_YANG_OTHER, &loc,
                           "the input holds no /netstitch-inventory:inventory container");
        return ret ? ret : NST_EINPUT;
    }
    LY_LIST_FOR(lyd_child(top), c)
    {
        if (!strcmp(c->schema->name, "device")) {
            nd++;
        } else if (!strcmp(c->schema->name, "secret")) {
            ns++;
        }
    }
    inv->devs = nd ? nst_calloc(nd, sizeof *inv->devs) : NULL;
    inv->secrets = ns ? nst_calloc(ns, sizeof *inv->secrets) : NULL;
    if ((nd && !inv->devs) || (ns && !inv->secrets)) {
        return NST_ENOMEM;
    }
    LY_LIST_FOR(lyd_child(top), c)
    {
        if (!strcmp(c->schema->name, "device")) {
            ret = inv_copy_device(ctx, file, c, &inv->devs[inv->ndevs++]);
            if (ret) {
                return ret;
            }
        } else if (!strcmp(c->schema->name, "secret")) {
            struct inv_secret *s = &inv->secrets[inv->nsecrets++];

            if (!inv_dup(&s->name, inv_leaf(c, "name")) ||
                !inv_dup(&s->source, inv_leaf(c, "source"))) {
                return NST_ENOMEM;
            }
        }
    }
    return NST_OK;
}

NST_API nst_err
nst_inventory_load_mem(struct nst_ctx *ctx, const char *data, enum nst_format format,
                       const char *name, struct nst_inventory **out)
{
    struct nst_inventory *inv = NULL;
    struct lyd_node *tree = NULL;
    nst_err ret = NST_OK;
    LY_ERR lr;

    if (!ctx || !data || !out) {
        return NST_EINVAL;
    }
    if (!name) {
        name = "<inventory>";
    }
    if (format == NST_FORMAT_AUTO) {
        format = inv_guess_format(name, data);
    }
    /* libyang may reset this setting in the middle of the parse (the union type plugin
     * of inet:host and secret-source); ctx_ly_quiet() keeps that from printing. */
    ctx_ly_quiet();
    ly_err_clean(ctx->ly, NULL);
    inv = nst_calloc(1, sizeof *inv);
    if (!inv || !(inv->file = nst_strdup(name))) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    lr = lyd_parse_data_mem(ctx->ly, data, format == NST_FORMAT_JSON ? LYD_JSON : LYD_XML,
                            LYD_PARSE_STRICT | LYD_PARSE_NO_STATE | LYD_PARSE_ONLY, 0, &tree);
    if (lr == LY_SUCCESS) {
        lr = lyd_validate_all(&tree, ctx->ly, LYD_VALIDATE_PRESENT | LYD_VALIDATE_NO_STATE, NULL);
    }
    if (lr != LY_SUCCESS) {
        ret = lr == LY_EMEM ? NST_ENOMEM : inv_ly_error(ctx, name, format);
        goto cleanup;
    }
    ret = inv_build(ctx, name, tree, inv);

cleanup:
    lyd_free_all(tree);
    ly_err_clean(ctx->ly, NULL);
    ctx_ly_restore();
    if (ret) {
        nst_inventory_free(inv);
        return ret;
    }
    *out = inv;
    return NST_OK;
}

NST_API nst_err
nst_inventory_load(struct nst_ctx *ctx, const char *path, enum nst_format format,
                   struct nst_inventory **out)
{
    char *data = NULL;
    nst_err ret;

    if (!ctx || !path || !out) {
        return NST_EINVAL;
    }
    ret = inv_read_file(ctx, path, &data);
    if (ret) {
        return ret;
    }
    ret = nst_inventory_load_mem(ctx, data, format, path, out);
    nst_free(data);
    return ret;
}

NST_API void
nst_inventory_free(struct nst_inventory *inv)
{
    if (!inv) {
        return;
    }
    for (size_t i = 0; i < inv->ndevs; i++) {
        struct inv_device *d = &inv->devs[i];

        nst_free(d->name);
        nst_free(d->address);
        nst_free(d->user);
        nst_free(d->private_key);
        nst_free(d->password_src);
        nst_free(d->hostkey_value);
    }
    for (size_t i = 0; i < inv->nsecrets; i++) {
        nst_free(inv->secrets[i].name);
        nst_free(inv->secrets[i].source);
    }
    nst_free(inv->devs);
    nst_free(inv->secrets);
    nst_free(inv->file);
    nst_free(inv);
}

NST_API size_t
nst_inventory_device_count(const struct nst_inventory *inv)
{
    return inv ? inv->ndevs : 0;
}

NST_API const char *
nst_inventory_device_name(const struct nst_inventory *inv, size_t i)
{
    return inv && i < inv->ndevs ? inv->devs[i].name : NULL;
}

/*
 * Lookups and session options
 */

const struct inv_device *
inv_find_device(const struct nst_inventory *inv, const char *name)
{
    for (size_t i = 0; inv && name && i < inv->ndevs; i++) {
        if (!strcmp(inv->devs[i].name, name)) {
            return &inv->devs[i];
        }
    }
    return NULL;
}

const struct inv_secret *
inv_find_secret(const struct nst_inventory *inv, const char *name)
{
    for (size_t i = 0; inv && name && i < inv->nsecrets; i++) {
        if (!strcmp(inv->secrets[i].name, name)) {
            return &inv->secrets[i];
        }
    }
    return NULL;
}

void
inv_sess_opts(const struct inv_device *dev, const char *tofu_known_hosts, struct sess_opts *o,
              const char *keys[2])
{
    memset(o, 0, sizeof *o);
    o->device = dev->name;
    o->host = dev->address;
    o->port = dev->port;
    o->user = dev->user;
    switch (dev->auth) {
    case INV_AUTH_AGENT:
        o->auth = SESS_AUTH_AGENT;
        break;
    case INV_AUTH_PUBKEY:
        o->auth = SESS_AUTH_PUBKEY;
        keys[0] = dev->private_key;
        keys[1] = NULL;
        o->key_files = keys;
        break;
    case INV_AUTH_PASSWORD:
        o->auth = SESS_AUTH_PASSWORD;
        /* The model's pattern guarantees one of the two prefixes. */
        if (!strncmp(dev->password_src, "env:", 4)) {
            o->password_env = dev->password_src + 4;
        } else {
            o->password_file = dev->password_src + 5;
        }
        break;
    }
    switch (dev->hostkey) {
    case INV_HK_FINGERPRINT:
        o->hostkey_sha256 = dev->hostkey_value;
        break;
    case INV_HK_KNOWN_HOSTS:
        o->known_hosts = dev->hostkey_value;
        break;
    case INV_HK_TOFU:
        o->known_hosts = tofu_known_hosts;
        o->flags |= SESS_OPT_TOFU;
        break;
    }
    o->connect_timeout_ms = (int)dev->connect_s * 1000;
    o->rpc_timeout_ms = (int)dev->rpc_s * 1000;
}

/*
 * Secrets
 */

nst_err
inv_secret_read(const char *source, char **value, char *why, size_t whylen)
{
    char *buf = NULL;
    const char *v;
    struct stat st;
    size_t len = 0;
    ssize_t r;
    int fd = -1;
    nst_err ret = NST_OK;

    why[0] = '\0';
    if (!source || !value) {
        snprintf(why, whylen, "no secret source");
        return NST_EINVAL;
    }
    buf = nst_malloc(INV_SECRET_MAX + 1);
    if (!buf) {
        return NST_ENOMEM;
    }
    if (!strncmp(source, "env:", 4)) {
        v = getenv(source + 4);
        if (!v || !*v) {
            snprintf(why, whylen, "environment variable %s is not set", source + 4);
            ret = NST_EINVAL;
            goto cleanup;
        }
        len = strlen(v);
        if (len > INV_SECRET_MAX) {
            snprintf(why, whylen, "environment variable %s is longer than %d bytes", source + 4,
                     INV_SECRET_MAX);
            ret = NST_EINVAL;
            goto cleanup;
        }
        memcpy(buf, v, len + 1);
    } else if (!strncmp(source, "file:", 5)) {
        const char *path = source + 5;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
            ret = NST_EINVAL;
            goto cleanup;
        }
        /* fstat on the open file: the checks and the read see the same inode. */
        if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
            snprintf(why, whylen, "%s is not a regular file", path);
            ret = NST_EINVAL;
            goto cleanup;
        }
        if (st.st_uid != geteuid()) {
            snprintf(why, whylen, "%s is not owned by the user running netstitch", path);
            ret = NST_EINVAL;
            goto cleanup;
        }
        if (st.st_mode & 077) {
            snprintf(why, whylen, "%s is accessible by group or others (mode %03o; use 0600)", path,
                     (unsigned)(st.st_mode & 0777));
            ret = NST_EINVAL;
            goto cleanup;
        }
        while (len < INV_SECRET_MAX) {
            r = read(fd, buf + len, INV_SECRET_MAX - len);
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r < 0) {
                snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
                ret = NST_EINVAL;
                goto cleanup;
            }
            if (r == 0) {
                break;
            }
            len += (size_t)r;
        }
        buf[len] = '\0';
        len = strcspn(buf, "\r\n");
        buf[len] = '\0';
        if (!len) {
            snprintf(why, whylen, "%s is empty", path);
            ret = NST_EINVAL;
            goto cleanup;
        }
    } else {
        snprintf(why, whylen, "secret source must be env:NAME or file:/path");
        ret = NST_EINVAL;
        goto cleanup;
    }

cleanup:
    if (fd >= 0) {
        close(fd);
    }
    if (ret) {
        explicit_bzero(buf, INV_SECRET_MAX + 1);
        nst_free(buf);
        return ret;
    }
    *value = buf;
    return NST_OK;
}

void
inv_secret_wipe(char *value)
{
    if (value) {
        /* Every secret buffer is INV_SECRET_MAX + 1 bytes (inv_secret_read). */
        explicit_bzero(value, INV_SECRET_MAX + 1);
        nst_free(value);
    }
}
