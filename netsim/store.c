/*
 * store.c: a device's datastores, their validation, the RPC log and the running.xml dump.
 *
 * Datastores are plain libyang data trees (NULL = empty) in struct sim_dev. Running (and
 * startup) are always valid: every change to them goes through sim_store_validate() on a
 * copy first. The candidate may be invalid between edits, as on real routers; it is validated
 * by <validate> and <commit>.
 *
 * Validation errors become RFC 6241 / RFC 7950 section 15 <rpc-error>s here: libyang's
 * error-app-tag picks the error-tag (instance-required -> data-missing, must-violation or a
 * model's own error-app-tag -> operation-failed), its message becomes error-message and its
 * data path error-path. libyang 2.1.30 stops at the first validation error, so one error is
 * reported per failed validation.
 *
 * Observability for tests, all under <statedir>/<device>/:
 *   rpc.log       one line per RPC and per event (session start/end, rollback, fault),
 *                 "<seconds since start> sid=<n> <what> -> <result>"; passwords never appear
 *   rpc-xml.log   every RPC as received, in full, except that the text of elements whose name
 *                 looks secret (password, secret, authentication-key, auth-key, key-string,
 *                 md5) is replaced by "***"
 *   running.xml   the running datastore, rewritten atomically (temp file + rename) after
 *                 every change, so a script can read it without NETCONF
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "lyutil.h"
#include "netsim.h"

const char *
sim_ds_str(enum sim_ds ds)
{
    switch (ds) {
    case SIM_DS_RUNNING:
        return "running";
    case SIM_DS_CANDIDATE:
        return "candidate";
    case SIM_DS_STARTUP:
        return "startup";
    case SIM_DS_COUNT:
        break;
    }
    return "?";
}

double
sim_now_rel(struct sim_dev *dev)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - dev->t0.tv_sec) + (double)(now.tv_nsec - dev->t0.tv_nsec) / 1e9;
}

void
sim_log(struct sim_dev *dev, uint32_t sid, const char *fmt, ...)
{
    va_list ap;
    char line[2048], *c;

    if (!dev->log) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One event, one line: multi-line libyang messages (long must expressions) are folded. */
    for (c = line; *c; c++) {
        if (*c == '\n' || *c == '\r' || *c == '\t') {
            *c = ' ';
        }
    }
    fprintf(dev->log, "%.3f sid=%u %s\n", sim_now_rel(dev), sid, line);
    fflush(dev->log);
}

/* Does an element named @p name (prefix included, @p len bytes) hold a secret? */
static int
store_secret_name(const char *name, size_t len)
{
    static const char *const words[] = {"password", "secret", "authentication-key", "auth-key",
                                        "key-string", "md5", NULL};
    char buf[128];
    size_t i;

    if (len >= sizeof buf) {
        len = sizeof buf - 1;
    }
    for (i = 0; i < len; i++) {
        buf[i] = (char)tolower((unsigned char)name[i]);
    }
    buf[len] = '\0';
    for (i = 0; words[i]; i++) {
        if (strstr(buf, words[i])) {
            return 1;
        }
    }
    return 0;
}

/*
 * Copy of @p xml with the text of secret-looking elements (BGP MD5 keys, passwords) replaced
 * by "***", so rpc-xml.log never holds a password. Returned string freed with nst_free().
 */
static char *
store_redact(const char *xml)
{
    char *out = nst_malloc(strlen(xml) + 1), *o = out;
    const char *s = xml, *name, *end;
    size_t nlen;

    if (!out) {
        return NULL;
    }
    while (*s) {
        *o++ = *s;
        if (*s++ != '<' || *s == '/' || *s == '?' || *s == '!') {
            continue;
        }
        name = s;
        nlen = strcspn(name, " \t\r\n/>");
        end = strchr(name, '>');
        if (!end || end[-1] == '/' || !store_secret_name(name, nlen)) {
            continue;
        }
        /* Copy the start tag, then replace the text up to the next '<'. */
        memcpy(o, s, (size_t)(end - s + 1));
        o += end - s + 1;
        s = end + 1;
        if (*s && *s != '<') {
            memcpy(o, "***", 3);
            o += 3;
            while (*s && *s != '<') {
                s++;
            }
        }
    }
    *o = '\0';
    return out;
}

/*
 * lyd_print_mem() through a memory FILE: libyang 2.1.30 prints to memory with a vasprintf()
 * and a realloc() of the whole buffer for every piece of output (out.c, ly_vprint_), to a
 * FILE with vfprintf() into stdio's buffer. Same bytes; NULL on failure. An empty @p tree
 * prints as "". Freed with free().
 */
char *
sim_print_xml(const struct lyd_node *tree, uint32_t opts)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    if (!f) {
        return NULL;
    }
    if (tree && lyd_print_file(f, tree, LYD_XML, opts)) {
        fclose(f);
        free(buf);
        return NULL;
    }
    if (fclose(f)) {
        free(buf);
        return NULL;
    }
    return buf;
}

void
sim_log_xml(struct sim_dev *dev, uint32_t sid, const struct lyd_node *rpc)
{
    char *xml = NULL, *red = NULL;
    const char *kept;

    if (!dev->xmllog) {
        return;
    }
    /* The same request text prints the same (rpcmemo.c): printed once per kept entry. */
    kept = sim_memo_log_text(rpc);
    if (!kept) {
        xml = sim_print_xml(rpc, 0);
        red = xml ? store_redact(xml) : NULL;
        sim_memo_set_log_text(rpc, red);
        kept = red ? red : "";
    }
    fprintf(dev->xmllog, "### %.3f sid=%u rpc #%lu %s\n%s\n", sim_now_rel(dev), sid, dev->nrpc,
            ly_node_name(rpc), kept);
    fflush(dev->xmllog);
    nst_free(red);
    free(xml);
}

struct lyd_node *
sim_store_dup(const struct lyd_node *tree)
{
    struct lyd_node *dup = NULL;

    if (tree && lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &dup)) {
        return NULL;
    }
    return dup;
}

void
sim_store_replace(struct sim_dev *dev, enum sim_ds ds, struct lyd_node *tree)
{
    lyd_free_siblings(dev->ds[ds]);
    dev->ds[ds] = tree;
    if (ds == SIM_DS_RUNNING) {
        dev->run_gen++;
        sim_store_dump(dev);
    } else if (ds == SIM_DS_CANDIDATE) {
        dev->cand_gen++;
    } else {
        dev->start_gen++;
    }
}

/* The generation of datastore @p ds: it changes whenever sim_store_replace() replaces it. */
unsigned long
sim_store_gen(const struct sim_dev *dev, enum sim_ds ds)
{
    return ds == SIM_DS_RUNNING     ? dev->run_gen
           : ds == SIM_DS_CANDIDATE ? dev->cand_gen
                                    : dev->start_gen;
}

/*
 * @p xml, libyang's formatted print of data, made what the same print with LYD_PRINT_SHRINK
 * gives, in place. The formatted print differs only by a newline and the indentation
 * before every tag but a leaf's closing one (printer_xml.c: inner nodes print their
 * children on new lines, an inner node without children prints as <x/>, a leaf prints
 * <x>value</x> on one line; '<' and '>' are escaped in values and attributes). So a run of
 * newline and blanks after a '>' and before a '<' (or the end) is formatting, except
 * between a start tag and a closing tag: that is a leaf whose value is such a run.
 */
static void
store_shrink(char *xml)
{
    char *r = xml, *w = xml, *end;
    int start_tag = 0; /* the last tag was a start tag <x ...> */

    while (*r) {
        if (*r == '<') {
            start_tag = r[1] != '/';
        } else if (*r == '>' && r > xml && r[-1] == '/') {
            start_tag = 0;
        }
        *w++ = *r;
        if (*r++ != '>' || *r != '\n') {
            continue;
        }
        for (end = r; *end == '\n' || *end == ' '; end++) {
        }
        if (!*end || (*end == '<' && !(start_tag && end[1] == '/'))) {
            r = end;
        }
    }
    *w = '\0';
}

/*
 * running.xml, formatted; the same print, shrunk, is kept as the text of the next unfiltered
 * <get-config> replies of running (rpc.c, rpc_running_reply), so that a push prints running
 * once, not twice.
 */
void
sim_store_dump(struct sim_dev *dev)
{
    char *tmp = NULL, *path = NULL, *xml;
    FILE *f;

    xml = sim_print_xml(dev->ds[SIM_DS_RUNNING], LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_EXPLICIT);
    tmp = nst_asprintf("%s/.running.xml.tmp", dev->dir);
    path = nst_asprintf("%s/running.xml", dev->dir);
    if (!tmp || !path || !xml) {
        goto cleanup;
    }
    f = fopen(tmp, "w");
    if (!f) {
        sim_log(dev, 0, "event=dump -> error %s", strerror(errno));
        goto cleanup;
    }
    fputs(xml, f);
    if (fclose(f) || rename(tmp, path)) {
        sim_log(dev, 0, "event=dump -> error %s", strerror(errno));
    }
    store_shrink(xml);
    free(dev->run_xml);
    dev->run_xml = xml;
    dev->run_xml_gen = dev->run_gen;
    xml = NULL;

cleanup:
    free(xml);
    nst_free(tmp);
    nst_free(path);
}

/* Strip libyang's 'Data location "/x:y", line number 3.' down to the XPath. */
static char *
store_errpath(const char *path)
{
    const char *s, *e;

    if (!path) {
        return NULL;
    }
    s = strchr(path, '"');
    if (!s) {
        return nst_strdup(path);
    }
    e = strchr(s + 1, '"');
    if (!e) {
        return nst_strdup(s + 1);
    }
    return nst_strndup(s + 1, (size_t)(e - s - 1));
}

/* The error-tag a validation error gets; see the file comment. */
static NC_ERR
store_tag_for(const struct ly_err_item *e, NC_ERR dflt)
{
    if (e->apptag) {
        if (!strcmp(e->apptag, "instance-required") || !strcmp(e->apptag, "missing-choice") ||
            !strcmp(e->apptag, "missing-element")) {
            return NC_ERR_DATA_MISSING;
        }
        return NC_ERR_OP_FAILED;
    }
    if (e->msg && !strncmp(e->msg, "Mandatory node", 14)) {
        return NC_ERR_DATA_MISSING;
    }
    if (e->msg && (strstr(e->msg, "Duplicate instance") || strstr(e->msg, "unique"))) {
        return NC_ERR_OP_FAILED;
    }
    return dflt;
}

struct nc_server_reply *
sim_store_ly_errors(struct sim_dev *dev, NC_ERR dflt_tag)
{
    struct ly_err_item *e;
    struct nc_server_reply *reply = NULL;
    struct lyd_node *err;
    char *path;
    const char *apptag;
    NC_ERR tag;

    for (e = ly_err_first(dev->ctx); e; e = e->next) {
        if (e->level != LY_LLERR) {
            continue;
        }
        tag = store_tag_for(e, dflt_tag);
        apptag = e->apptag;
        if (!apptag && tag == NC_ERR_DATA_MISSING && e->msg && !strncmp(e->msg, "Mandatory", 9)) {
            apptag = "missing-element";
        }
        path = store_errpath(e->path);
        err = sim_err_new(dev, tag, NC_ERR_TYPE_APP, apptag, path, e->msg);
        nst_free(path);
        if (!err) {
            continue;
        }
        if (!reply) {
            reply = nc_server_reply_err(err);
        } else {
            nc_server_reply_add_err(reply, err);
        }
    }
    ly_err_clean(dev->ctx, NULL);
    if (!reply) {
        reply = sim_reply_err(dev, dflt_tag, NC_ERR_TYPE_APP, NULL, NULL,
                              "validation failed (no detail from libyang)");
    }
    return reply;
}

nst_err
sim_store_validate(struct sim_dev *dev, struct lyd_node **tree, struct nc_server_reply **err)
{
    ly_err_clean(dev->ctx, NULL);
    if (lyd_validate_all(tree, dev->ctx, LYD_VALIDATE_NO_STATE, NULL)) {
        *err = sim_store_ly_errors(dev, NC_ERR_OP_FAILED);
        return NST_EINPUT;
    }
    return NST_OK;
}

nst_err
sim_store_load_startup(struct sim_dev *dev, char **errmsg)
{
    struct lyd_node *tree = NULL;
    struct ly_err_item *e;
    int i;

    if (dev->cfg->startup) {
        ly_err_clean(dev->ctx, NULL);
        if (lyd_parse_data_path(dev->ctx, dev->cfg->startup, LYD_XML,
                                LYD_PARSE_STRICT | LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE,
                                &tree)) {
            e = ly_err_first(dev->ctx);
            *errmsg = nst_asprintf("device %s: startup file %s: %s%s%s", dev->cfg->name,
                                   dev->cfg->startup, e && e->msg ? e->msg : "invalid",
                                   e && e->path ? " at " : "", e && e->path ? e->path : "");
            ly_err_clean(dev->ctx, NULL);
            return NST_EINPUT;
        }
    } else if (lyd_validate_all(&tree, dev->ctx, LYD_VALIDATE_NO_STATE, NULL)) {
        *errmsg = nst_asprintf("device %s: the empty config is invalid for these models: %s",
                               dev->cfg->name, ly_errmsg(dev->ctx));
        return NST_EINPUT;
    }
    dev->ds[SIM_DS_RUNNING] = tree;
    for (i = SIM_DS_CANDIDATE; i < SIM_DS_COUNT; i++) {
        if ((i == SIM_DS_CANDIDATE && !(dev->cfg->prof.caps & SIM_CAP_CANDIDATE)) ||
            (i == SIM_DS_STARTUP && !(dev->cfg->prof.caps & SIM_CAP_STARTUP))) {
            continue;
        }
        dev->ds[i] = sim_store_dup(tree);
        if (tree && !dev->ds[i]) {
            *errmsg = nst_strdup("out of memory");
            return NST_ENOMEM;
        }
        if (i == SIM_DS_CANDIDATE) {
            dev->sync_cand_gen = dev->cand_gen;
            dev->sync_run_gen = dev->run_gen;
        }
    }
    return NST_OK;
}

static const char *
store_tag_str(NC_ERR tag)
{
    switch (tag) {
    case NC_ERR_UNKNOWN:
        return "unknown";
    case NC_ERR_IN_USE:
        return "in-use";
    case NC_ERR_INVALID_VALUE:
        return "invalid-value";
    case NC_ERR_TOO_BIG:
        return "too-big";
    case NC_ERR_MISSING_ATTR:
        return "missing-attribute";
    case NC_ERR_BAD_ATTR:
        return "bad-attribute";
    case NC_ERR_UNKNOWN_ATTR:
        return "unknown-attribute";
    case NC_ERR_MISSING_ELEM:
        return "missing-element";
    case NC_ERR_BAD_ELEM:
        return "bad-element";
    case NC_ERR_UNKNOWN_ELEM:
        return "unknown-element";
    case NC_ERR_UNKNOWN_NS:
        return "unknown-namespace";
    case NC_ERR_ACCESS_DENIED:
        return "access-denied";
    case NC_ERR_LOCK_DENIED:
        return "lock-denied";
    case NC_ERR_RES_DENIED:
        return "resource-denied";
    case NC_ERR_ROLLBACK_FAILED:
        return "rollback-failed";
    case NC_ERR_DATA_EXISTS:
        return "data-exists";
    case NC_ERR_DATA_MISSING:
        return "data-missing";
    case NC_ERR_OP_NOT_SUPPORTED:
        return "operation-not-supported";
    case NC_ERR_OP_FAILED:
        return "operation-failed";
    case NC_ERR_MALFORMED_MSG:
        return "malformed-message";
    }
    return "?";
}

/* Remember an error of the RPC being handled, for its rpc.log line. */
void
sim_err_note(struct sim_dev *dev, NC_ERR tag, const char *msg)
{
    size_t len = strlen(dev->result);

    if (len < sizeof dev->result - 1) {
        snprintf(dev->result + len, sizeof dev->result - len, "%s%s%s%s%s", len ? "; " : "",
                 store_tag_str(tag), msg ? " \"" : "", msg ? msg : "", msg ? "\"" : "");
    }
}

struct lyd_node *
sim_err_new(struct sim_dev *dev, NC_ERR tag, NC_ERR_TYPE type, const char *apptag, const char *path,
            const char *msg)
{
    struct lyd_node *err;

    switch (tag) {
    case NC_ERR_LOCK_DENIED:
        /* Carries a session id: rpc.c builds it. */
        return NULL;
    case NC_ERR_DATA_EXISTS:
    case NC_ERR_DATA_MISSING:
    case NC_ERR_MALFORMED_MSG:
        err = nc_err(dev->ctx, tag);
        break;
    case NC_ERR_MISSING_ELEM:
    case NC_ERR_BAD_ELEM:
    case NC_ERR_UNKNOWN_ELEM:
    case NC_ERR_UNKNOWN_NS:
    case NC_ERR_MISSING_ATTR:
    case NC_ERR_BAD_ATTR:
    case NC_ERR_UNKNOWN_ATTR:
        /* These carry error-info: use sim_err_elem(). */
        return NULL;
    default:
        err = nc_err(dev->ctx, tag, type);
        break;
    }
    if (!err) {
        return NULL;
    }
    if (apptag) {
        nc_err_set_app_tag(err, apptag);
    }
    if (path) {
        nc_err_set_path(err, path);
    }
    if (msg) {
        nc_err_set_msg(err, msg, "en");
    }
    sim_err_note(dev, tag, msg ? msg : nc_err_get_msg(err));
    return err;
}

struct lyd_node *
sim_err_elem(struct sim_dev *dev, NC_ERR tag, const char *elem, const char *extra, const char *path,
             const char *msg)
{
    struct lyd_node *err;

    switch (tag) {
    case NC_ERR_UNKNOWN_NS:
        err = nc_err(dev->ctx, tag, NC_ERR_TYPE_APP, elem, extra ? extra : "");
        break;
    case NC_ERR_MISSING_ATTR:
    case NC_ERR_BAD_ATTR:
    case NC_ERR_UNKNOWN_ATTR:
        err = nc_err(dev->ctx, tag, NC_ERR_TYPE_APP, extra ? extra : "", elem);
        break;
    default:
        err = nc_err(dev->ctx, tag, NC_ERR_TYPE_APP, elem);
        break;
    }
    if (!err) {
        return NULL;
    }
    if (path) {
        nc_err_set_path(err, path);
    }
    if (msg) {
        nc_err_set_msg(err, msg, "en");
    }
    sim_err_note(dev, tag, msg ? msg : nc_err_get_msg(err));
    return err;
}

struct nc_server_reply *
sim_reply_err(struct sim_dev *dev, NC_ERR tag, NC_ERR_TYPE type, const char *apptag,
              const char *path, const char *msg)
{
    struct lyd_node *err;

    err = sim_err_new(dev, tag, type, apptag, path, msg);
    if (!err) {
        return NULL;
    }
    return nc_server_reply_err(err);
}
