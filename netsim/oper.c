/*
 * oper.c: operational data and canned replies to vendor RPCs, for post-change verification.
 *
 * A push ends by reading state back: a BGP session's state and received prefixes (docs/vendors.md
 * section 8), through <get> on most vendors and through an RPC on Junos
 * (<get-bgp-neighbor-information>). netsim has no routing protocols, so a test supplies that
 * state, and may change it between steps like the faults file:
 *
 *   <statedir>/<device>/oper.xml            state (config false) data, XML in the device's
 *                                           models; merged into every <get> reply
 *   <statedir>/<device>/rpc-reply/NAME.xml  the output of RPC NAME (one of the device's
 *                                           models' RPCs that netsim does not implement),
 *                                           e.g. rpc-reply/get-bgp-neighbor-information.xml
 *                                           holding <bgp-information>...</bgp-information>
 *
 * Both are read at every request, so rewriting them (atomically, temp file + mv) takes
 * effect at the next RPC. The config keys `oper = FILE` and `rpc-reply = NAME FILE` seed them
 * at start; otherwise stale ones from an earlier run are removed. A file that does not parse
 * against the device's models makes the RPC fail with operation-failed naming the file, so
 * a broken fixture is visible instead of silently returning nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "lyutil.h"
#include "netsim.h"

static nst_err
oper_copy(const char *from, const char *to)
{
    FILE *in = NULL, *out = NULL;
    char buf[8192], *tmp = nst_asprintf("%s.tmp", to);
    size_t n;
    nst_err ret = NST_EIO;

    if (!tmp) {
        return NST_ENOMEM;
    }
    in = fopen(from, "r");
    out = fopen(tmp, "w");
    if (!in || !out) {
        goto cleanup;
    }
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, n, out) != n) {
            goto cleanup;
        }
    }
    if (ferror(in)) {
        goto cleanup;
    }
    if (fclose(out)) {
        out = NULL;
        goto cleanup;
    }
    out = NULL;
    if (!rename(tmp, to)) {
        ret = NST_OK;
    }

cleanup:
    if (in) {
        fclose(in);
    }
    if (out) {
        fclose(out);
    }
    if (ret) {
        unlink(tmp);
    }
    nst_free(tmp);
    return ret;
}

nst_err
sim_oper_setup(struct sim_dev *dev, char **errmsg)
{
    const struct sim_dev_cfg *dc = dev->cfg;
    char *path = NULL, *dir = NULL, *name = NULL, *file, *sp;
    DIR *d;
    struct dirent *de;
    int i;
    nst_err ret = NST_OK;

    path = nst_asprintf("%s/oper.xml", dev->dir);
    dir = nst_asprintf("%s/rpc-reply", dev->dir);
    if (!path || !dir) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    if (!dc->oper) {
        unlink(path);
    } else if (oper_copy(dc->oper, path)) {
        *errmsg = nst_asprintf("device %s: cannot copy oper file %s: %s", dc->name, dc->oper,
                               strerror(errno));
        ret = NST_EIO;
        goto cleanup;
    }
    /* Start from an empty rpc-reply dir, then seed it. */
    d = opendir(dir);
    if (d) {
        while ((de = readdir(d))) {
            if (de->d_name[0] != '.') {
                nst_free(name);
                name = nst_asprintf("%s/%s", dir, de->d_name);
                if (name) {
                    unlink(name);
                }
            }
        }
        closedir(d);
    }
    if (dc->nreplies && mkdir(dir, 0755) && errno != EEXIST) {
        *errmsg = nst_asprintf("device %s: cannot create %s", dc->name, dir);
        ret = NST_EIO;
        goto cleanup;
    }
    for (i = 0; i < dc->nreplies; i++) {
        /* "NAME FILE", split at the first blank. */
        sp = strpbrk(dc->replies[i], " \t");
        file = sp ? sp + strspn(sp, " \t") : NULL;
        if (!sp || !*file) {
            *errmsg = nst_asprintf("device %s: rpc-reply needs \"NAME FILE\", got \"%s\"", dc->name,
                                   dc->replies[i]);
            ret = NST_EINPUT;
            goto cleanup;
        }
        nst_free(name);
        name = nst_asprintf("%s/%.*s.xml", dir, (int)(sp - dc->replies[i]), dc->replies[i]);
        if (!name || oper_copy(file, name)) {
            *errmsg = nst_asprintf("device %s: cannot copy rpc-reply file %s", dc->name, file);
            ret = NST_EIO;
            goto cleanup;
        }
    }

cleanup:
    nst_free(path);
    nst_free(dir);
    nst_free(name);
    return ret;
}

nst_err
sim_oper_merge(struct sim_dev *dev, struct lyd_node **data, struct nc_server_reply **err)
{
    struct lyd_node *oper = NULL;
    char *path = nst_asprintf("%s/oper.xml", dev->dir), msg[512];
    struct stat st;
    nst_err ret = NST_OK;

    if (!path) {
        return NST_ENOMEM;
    }
    if (stat(path, &st)) {
        goto cleanup;
    }
    ly_err_clean(dev->ctx, NULL);
    if (lyd_parse_data_path(dev->ctx, path, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &oper)) {
        snprintf(msg, sizeof msg, "netsim: %s does not match the device models: %s", path,
                 ly_errmsg(dev->ctx));
        ly_err_clean(dev->ctx, NULL);
        *err = sim_reply_err(dev, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, NULL, msg);
        ret = NST_EINPUT;
        goto cleanup;
    }
    if (oper && lyd_merge_siblings(data, oper, LYD_MERGE_DESTRUCT)) {
        lyd_free_siblings(oper);
    }

cleanup:
    nst_free(path);
    return ret;
}

struct nc_server_reply *
sim_oper_rpc_reply(struct sim_dev *dev, const struct lyd_node *rpc)
{
    const struct lys_module *mod = rpc->schema->module;
    char *path = NULL, *body = NULL, *xml = NULL, msg[512];
    struct lyd_node *tree = NULL, *op = NULL;
    struct ly_in *in = NULL;
    struct nc_server_reply *reply = NULL;
    FILE *f;
    long len;

    path = nst_asprintf("%s/rpc-reply/%s.xml", dev->dir, ly_node_name(rpc));
    if (!path) {
        goto cleanup;
    }
    f = fopen(path, "r");
    if (!f) {
        reply = sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                              "netsim implements no such operation (a canned reply may be put in "
                              "<statedir>/<device>/rpc-reply/<name>.xml)");
        goto cleanup;
    }
    if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
        !(body = nst_malloc((size_t)len + 1)) || fread(body, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        goto cleanup;
    }
    fclose(f);
    body[len] = '\0';
    /* The file holds the output children; wrap them in the operation element. */
    xml = nst_asprintf(
        "<%s xmlns=\"%s\">%s</%s>", ly_node_name(rpc), mod->ns,
        strncmp(body, "<?xml", 5) ? body : (strstr(body, "?>") ? strstr(body, "?>") + 2 : body),
        ly_node_name(rpc));
    if (!xml || ly_in_new_memory(xml, &in)) {
        goto cleanup;
    }
    ly_err_clean(dev->ctx, NULL);
    if (lyd_parse_op(dev->ctx, NULL, in, LYD_XML, LYD_TYPE_REPLY_YANG, &tree, &op) || !op) {
        snprintf(msg, sizeof msg, "netsim: %s is not a valid %s output: %s", path,
                 ly_node_name(rpc), ly_errmsg(dev->ctx));
        ly_err_clean(dev->ctx, NULL);
        reply = sim_reply_err(dev, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, NULL, msg);
        goto cleanup;
    }
    reply = nc_server_reply_data(tree, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
    tree = NULL;

cleanup:
    ly_in_free(in, 0);
    lyd_free_all(tree);
    nst_free(xml);
    nst_free(body);
    nst_free(path);
    return reply;
}
