/*
 * models.c: the libyang context a simulated device serves.
 *
 * The supervisor builds one context per distinct (module dirs, module list, capability set)
 * before it forks, so devices of the same profile share one compiled schema copy-on-write and
 * a vendor's models are compiled once however many devices use them. A context holds:
 *   - ietf-netconf with exactly the features the profile advertises (libnetconf2 derives the
 *     <hello> capabilities from them), ietf-netconf-monitoring (<get-schema>) and
 *     ietf-netconf-with-defaults, all from yang/ietf (libnetconf2 ships no YANG files);
 *   - every module file found in the profile's module dirs (or only the `module` names the
 *     device section lists), implemented with all features enabled. Submodule files and
 *     modules the context already implements are skipped.
 *
 * sim_ctx_advertise() is the one trick here. :confirmed-commit:1.0 (Junos) has <confirmed/>
 * and <confirm-timeout> but libnetconf2 2.0.24 only ever advertises 1.1, and only if the
 * ietf-netconf feature "confirmed-commit" is enabled, which is also what puts those leaves
 * into the schema. So the feature is compiled in, then its parsed-module flag is cleared:
 * libnetconf2 reads that flag at <hello> time (lys_feature_value) and libyang reads it for the
 * yang-library feature list, while the compiled schema keeps the leaves. The same is done for
 * :validate:1.0. The context is never recompiled afterwards (all modules are loaded before),
 * so the compiled tree and the flag never get out of step in a way libyang would notice.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "netsim.h"

/* Return 1 when @p path holds a YANG submodule: its first keyword after comments. */
static int
mod_is_submodule(const char *path)
{
    FILE *f;
    char buf[4096];
    size_t len;
    const char *s, *end;

    f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    s = buf;
    end = buf + len;
    while (s < end) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
            s++;
        } else if (s[0] == '/' && s[1] == '/') {
            s = strchr(s, '\n');
            if (!s) {
                return 0;
            }
        } else if (s[0] == '/' && s[1] == '*') {
            s = strstr(s + 2, "*/");
            if (!s) {
                return 0;
            }
            s += 2;
        } else {
            return !strncmp(s, "submodule", 9);
        }
    }
    return 0;
}

static int
mod_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every module file of @p dir (or only the names in dc->modules). */
static nst_err
mod_load_dir(struct ly_ctx *ctx, const struct sim_dev_cfg *dc, const char *dir, int *found,
             char **errmsg)
{
    DIR *d = NULL;
    struct dirent *de;
    char **names = NULL, *name = NULL, *rev, *path = NULL;
    const char *features[] = {"*", NULL};
    size_t n = 0, i, len;
    char **tmp;
    int j, want;
    const struct lys_module *mod;
    nst_err ret = NST_OK;

    d = opendir(dir);
    if (!d) {
        *errmsg = nst_asprintf("cannot open module dir %s", dir);
        ret = NST_EIO;
        goto cleanup;
    }
    while ((de = readdir(d))) {
        len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".yang")) {
            continue;
        }
        tmp = nst_realloc(names, (n + 1) * sizeof *names);
        if (!tmp || !(tmp[n] = nst_strdup(de->d_name))) {
            names = tmp ? tmp : names;
            ret = NST_ENOMEM;
            goto cleanup;
        }
        names = tmp;
        n++;
    }
    /* Sorted, so the load order (and any error) is reproducible. */
    if (n) {
        qsort(names, n, sizeof *names, mod_name_cmp);
    }

    for (i = 0; i < n; i++) {
        nst_free(path);
        nst_free(name);
        path = nst_asprintf("%s/%s", dir, names[i]);
        name = nst_strdup(names[i]);
        if (!path || !name) {
            ret = NST_ENOMEM;
            goto cleanup;
        }
        name[strlen(name) - 5] = '\0';
        rev = strchr(name, '@');
        if (rev) {
            *rev++ = '\0';
        }
        want = !dc->nmodules;
        for (j = 0; j < dc->nmodules; j++) {
            if (!strcmp(dc->modules[j], name)) {
                want = 1;
                found[j] = 1;
            }
        }
        if (!want || mod_is_submodule(path) || ly_ctx_get_module_implemented(ctx, name)) {
            continue;
        }
        mod = ly_ctx_load_module(ctx, name, rev, features);
        if (!mod) {
            *errmsg = nst_asprintf("device %s: loading module %s failed: %s", dc->name, path,
                                   ly_errmsg(ctx) ? ly_errmsg(ctx) : "unknown libyang error");
            ret = NST_EINPUT;
            goto cleanup;
        }
    }

cleanup:
    if (d) {
        closedir(d);
    }
    for (i = 0; i < n; i++) {
        nst_free(names[i]);
    }
    nst_free(names);
    nst_free(path);
    nst_free(name);
    return ret;
}

nst_err
sim_ctx_build(const struct sim_cfg *cfg, const struct sim_dev_cfg *dc, struct ly_ctx **ctxp,
              char **errmsg)
{
    struct ly_ctx *ctx = NULL;
    const char *ncfeat[10];
    const char *wd[] = {NULL};
    char *ietf = NULL;
    int nf = 0, i, *found = NULL;
    struct stat st;
    nst_err ret = NST_EINPUT;

    if (ly_ctx_new(NULL, LY_CTX_EXPLICIT_COMPILE | LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx)) {
        *errmsg = nst_strdup("cannot create a libyang context");
        goto cleanup;
    }
    for (i = 0; i < dc->ndirs; i++) {
        ly_ctx_set_searchdir(ctx, dc->dirs[i]);
    }
    for (i = 0; i < cfg->nsearch; i++) {
        ly_ctx_set_searchdir(ctx, cfg->search[i]);
    }
    /* The IETF modules: from the yang root when it has them, else from the source tree. */
    ietf = nst_asprintf("%s/ietf", cfg->yang_root);
    if (!ietf) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    if (!stat(ietf, &st) && S_ISDIR(st.st_mode)) {
        ly_ctx_set_searchdir(ctx, ietf);
    }
    ly_ctx_set_searchdir(ctx, NST_SRCDIR "/yang/ietf");

    /* ietf-netconf: candidate and confirmed-commit are features of the schema itself
     * (<commit>, <confirmed/>), so they must be on whenever the profile uses them. */
    if (dc->prof.caps & SIM_CAP_WRITABLE_RUNNING) {
        ncfeat[nf++] = "writable-running";
    }
    if (dc->prof.caps & SIM_CAP_CANDIDATE) {
        ncfeat[nf++] = "candidate";
    }
    if (dc->prof.confirmed != SIM_CC_NONE) {
        ncfeat[nf++] = "confirmed-commit";
    }
    if (dc->prof.caps & SIM_CAP_ROLLBACK) {
        ncfeat[nf++] = "rollback-on-error";
    }
    if (dc->prof.caps & SIM_CAP_VALIDATE) {
        ncfeat[nf++] = "validate";
    }
    if (dc->prof.caps & SIM_CAP_STARTUP) {
        ncfeat[nf++] = "startup";
    }
    if (dc->prof.caps & SIM_CAP_XPATH) {
        ncfeat[nf++] = "xpath";
    }
    ncfeat[nf] = NULL;
    if (!ly_ctx_load_module(ctx, "ietf-netconf", "2011-06-01", ncfeat) ||
        !ly_ctx_load_module(ctx, "ietf-netconf-monitoring", "2010-10-04", wd) ||
        !ly_ctx_load_module(ctx, "ietf-netconf-with-defaults", "2011-06-01", wd)) {
        *errmsg = nst_asprintf("device %s: loading the IETF NETCONF modules failed: %s (is %s "
                               "or %s/yang/ietf there?)",
                               dc->name, ly_errmsg(ctx), ietf, NST_SRCDIR);
        goto cleanup;
    }

    if (dc->nmodules) {
        found = nst_calloc(dc->nmodules, sizeof *found);
        if (!found) {
            ret = NST_ENOMEM;
            goto cleanup;
        }
    }
    for (i = 0; i < dc->ndirs; i++) {
        ret = mod_load_dir(ctx, dc, dc->dirs[i], found, errmsg);
        if (ret) {
            goto cleanup;
        }
    }
    ret = NST_EINPUT;
    for (i = 0; i < dc->nmodules; i++) {
        if (!found[i]) {
            *errmsg = nst_asprintf("device %s: module %s not found in the module dirs", dc->name,
                                   dc->modules[i]);
            goto cleanup;
        }
    }
    if (ly_ctx_compile(ctx)) {
        *errmsg =
            nst_asprintf("device %s: compiling the models failed: %s", dc->name, ly_errmsg(ctx));
        goto cleanup;
    }
    sim_ctx_advertise(ctx, &dc->prof);
    *ctxp = ctx;
    ctx = NULL;
    ret = NST_OK;

cleanup:
    if (ret == NST_ENOMEM && !*errmsg) {
        *errmsg = nst_strdup("out of memory");
    }
    nst_free(found);
    nst_free(ietf);
    ly_ctx_destroy(ctx);
    return ret;
}

/* Two devices may share a context when everything that shapes it is equal. */
int
sim_ctx_same(const struct sim_dev_cfg *a, const struct sim_dev_cfg *b)
{
    int i;

    if (a->prof.caps != b->prof.caps || a->prof.confirmed != b->prof.confirmed ||
        a->prof.validate_10 != b->prof.validate_10 || a->ndirs != b->ndirs ||
        a->nmodules != b->nmodules) {
        return 0;
    }
    for (i = 0; i < a->ndirs; i++) {
        if (strcmp(a->dirs[i], b->dirs[i])) {
            return 0;
        }
    }
    for (i = 0; i < a->nmodules; i++) {
        if (strcmp(a->modules[i], b->modules[i])) {
            return 0;
        }
    }
    return 1;
}

static void
mod_feature_hide(struct ly_ctx *ctx, const char *feature)
{
    const struct lys_module *mod;
    struct lysp_feature *f = NULL;
    uint32_t idx = 0;

    mod = ly_ctx_get_module_implemented(ctx, "ietf-netconf");
    if (!mod || !mod->parsed) {
        return;
    }
    while ((f = lysp_feature_next(f, mod->parsed, &idx))) {
        if (!strcmp(f->name, feature)) {
            f->flags &= ~LYS_FENABLED;
        }
    }
}

void
sim_ctx_advertise(struct ly_ctx *ctx, const struct sim_profile *prof)
{
    if (prof->confirmed == SIM_CC_10) {
        mod_feature_hide(ctx, "confirmed-commit");
    }
    if ((prof->caps & SIM_CAP_VALIDATE) && prof->validate_10) {
        mod_feature_hide(ctx, "validate");
    }
}
