/*
 * fault.c: fault injection, driven by the file <statedir>/<device>/faults.
 *
 * The file holds one directive per line ('#' starts a comment line):
 *
 *   reject-edit XPATH              an <edit-config> whose config holds a node XPATH selects
 *                                  fails (application/operation-failed, error-app-tag
 *                                  fault-injected, error-path = that node); nothing applied
 *   reject-commit [XPATH]          <commit> fails the same way: always, or only when the
 *                                  candidate differs from running at a node XPATH selects
 *   drop-session RPC [N] [after]   on the Nth (default 1st) RPC named RPC since the file was
 *                                  (re)read, the device drops the session: without replying
 *                                  and without executing the RPC, or with "after" executing it
 *                                  and then dropping instead of replying. RPC is an operation
 *                                  name (edit-config, commit, lock, get-config, ...), "any",
 *                                  or "confirmed-commit" (a <commit> with <confirmed/>) or
 *                                  "confirming-commit" (a <commit> while one is pending)
 *   delay MS [RPC]                 sleep MS milliseconds before handling every RPC (or every
 *                                  RPC named RPC; the most specific delay line wins)
 *   delay-commit MS                shorthand for "delay MS commit"
 *   reply MODE RPC [ARG]           a hostile reply to every RPC named RPC (hostile.c):
 *                                  garbage, truncate [BYTES], oversize MIB, slow MS,
 *                                  raw FILE
 *
 * XPATHs use module names as prefixes (/netsim-test-a:interfaces/interface[name='x']) and
 * are checked against the schema when the file is read.
 *
 * The file is reread whenever its inode, size or mtime changes: at every RPC (so a test that
 * rewrites it and then sends an RPC never races the device) and every loop iteration. Write
 * it atomically (write a temp file, mv it in place). Rereading resets every drop-session
 * counter; removing the file clears all faults. Directives given with `fault =` in the config
 * file are written to the faults file at start; otherwise a stale faults file is removed.
 * Every (re)load, every rejected directive and every fault that fires goes to rpc.log.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "netsim.h"

void
sim_faults_clear(struct sim_faults *f)
{
    int i;

    for (i = 0; i < f->n; i++) {
        nst_free(f->v[i].xpath);
        nst_free(f->v[i].rpc);
        nst_free(f->v[i].file);
    }
    nst_free(f->v);
    f->v = NULL;
    f->n = 0;
}

static char *
fault_path(struct sim_dev *dev)
{
    return nst_asprintf("%s/faults", dev->dir);
}

nst_err
sim_faults_write_initial(struct sim_dev *dev)
{
    char *path = fault_path(dev), *tmp = NULL;
    FILE *f;
    int i;
    nst_err ret = NST_OK;

    if (!path) {
        return NST_ENOMEM;
    }
    if (!dev->cfg->nfaults) {
        unlink(path);
        goto cleanup;
    }
    tmp = nst_asprintf("%s.tmp", path);
    f = tmp ? fopen(tmp, "w") : NULL;
    if (!f) {
        ret = NST_EIO;
        goto cleanup;
    }
    for (i = 0; i < dev->cfg->nfaults; i++) {
        fprintf(f, "%s\n", dev->cfg->faults[i]);
    }
    if (fclose(f) || rename(tmp, path)) {
        ret = NST_EIO;
    }

cleanup:
    nst_free(tmp);
    nst_free(path);
    return ret;
}

/* Check that @p xpath is valid for the device's schema. */
static int
fault_xpath_ok(struct sim_dev *dev, const char *xpath)
{
    struct ly_set *set = NULL;
    LY_ERR r;

    r = lys_find_xpath(dev->ctx, NULL, xpath, 0, &set);
    ly_set_free(set, NULL);
    ly_err_clean(dev->ctx, NULL);
    return r == LY_SUCCESS;
}

/* Parse one directive into @p ft; returns an error message or NULL. */
static const char *
fault_parse_line(struct sim_dev *dev, char *line, struct sim_fault *ft)
{
    char *save = NULL, *verb, *a1, *a2, *a3, *end, *rest;
    unsigned long v;

    verb = strtok_r(line, " \t", &save);
    if (!strcmp(verb, "reject-edit") || !strcmp(verb, "reject-commit")) {
        ft->kind = verb[7] == 'e' ? SIM_FAULT_REJECT_EDIT : SIM_FAULT_REJECT_COMMIT;
        rest = save ? save + strspn(save, " \t") : NULL;
        if (!rest || !*rest) {
            if (ft->kind == SIM_FAULT_REJECT_EDIT) {
                return "reject-edit needs an XPATH";
            }
            return NULL;
        }
        if (!fault_xpath_ok(dev, rest)) {
            return "XPATH does not match this device's schema";
        }
        ft->xpath = nst_strdup(rest);
        return ft->xpath ? NULL : "out of memory";
    }
    a1 = strtok_r(NULL, " \t", &save);
    a2 = strtok_r(NULL, " \t", &save);
    a3 = strtok_r(NULL, " \t", &save);
    if (!strcmp(verb, "drop-session") || !strcmp(verb, "drop")) {
        ft->kind = SIM_FAULT_DROP;
        ft->nth = 1;
        if (!a1) {
            return "drop-session needs an RPC name (or any)";
        }
        if (a2 && !strcmp(a2, "after") && !a3) {
            ft->after = 1;
        } else if (a2) {
            v = strtoul(a2, &end, 10);
            if (*end || !v) {
                return "drop-session: N must be a positive number";
            }
            ft->nth = (unsigned)v;
            if (a3 && strcmp(a3, "after")) {
                return "drop-session: the last word may only be \"after\"";
            }
            ft->after = a3 != NULL;
        }
        ft->rpc = nst_strdup(a1);
        return ft->rpc ? NULL : "out of memory";
    }
    if (!strcmp(verb, "delay") || !strcmp(verb, "delay-commit")) {
        ft->kind = SIM_FAULT_DELAY;
        if (!a1) {
            return "delay needs milliseconds";
        }
        v = strtoul(a1, &end, 10);
        if (*end || v > 600000) {
            return "delay: milliseconds must be a number up to 600000";
        }
        ft->ms = (unsigned)v;
        if (verb[5] == '-') {
            if (a2) {
                return "delay-commit takes only milliseconds";
            }
            a2 = "commit";
        } else if (a3) {
            return "delay takes milliseconds and an optional RPC name";
        }
        if (a2 && strcmp(a2, "any")) {
            ft->rpc = nst_strdup(a2);
            return ft->rpc ? NULL : "out of memory";
        }
        return NULL;
    }
    if (!strcmp(verb, "reply")) {
        ft->kind = SIM_FAULT_REPLY;
        if (!a1 || !a2 || strtok_r(NULL, " \t", &save)) {
            return "reply needs MODE RPC [ARG]";
        }
        return sim_hostile_parse(ft, a1, a2, a3);
    }
    return "unknown directive (reject-edit, reject-commit, drop-session, delay, delay-commit, "
           "reply)";
}

static void
fault_load(struct sim_dev *dev, const char *path)
{
    FILE *f;
    char *line = NULL, *s;
    size_t cap = 0, len;
    int lineno = 0;
    const char *err;
    struct sim_fault ft, *v;

    sim_faults_clear(&dev->faults);
    f = fopen(path, "r");
    if (!f) {
        return;
    }
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        s = line + strspn(line, " \t");
        len = strlen(s);
        while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
                       s[len - 1] == '\t')) {
            s[--len] = '\0';
        }
        if (!*s || *s == '#') {
            continue;
        }
        memset(&ft, 0, sizeof ft);
        ft.line = lineno;
        err = fault_parse_line(dev, s, &ft);
        if (err) {
            sim_log(dev, 0, "event=faults line=%d -> error %s", lineno, err);
            nst_free(ft.xpath);
            nst_free(ft.rpc);
            nst_free(ft.file);
            continue;
        }
        v = nst_realloc(dev->faults.v, (dev->faults.n + 1) * sizeof *v);
        if (!v) {
            nst_free(ft.xpath);
            nst_free(ft.rpc);
            nst_free(ft.file);
            break;
        }
        dev->faults.v = v;
        v[dev->faults.n++] = ft;
    }
    fclose(f);
    free(line);
    sim_log(dev, 0, "event=faults-loaded count=%d -> ok", dev->faults.n);
}

void
sim_faults_check(struct sim_dev *dev)
{
    struct stat st;
    char *path = fault_path(dev);

    if (!path) {
        return;
    }
    if (stat(path, &st)) {
        if (dev->faults.present) {
            dev->faults.present = 0;
            sim_faults_clear(&dev->faults);
            sim_log(dev, 0, "event=faults-cleared -> ok");
        }
    } else if (!dev->faults.present || st.st_ino != dev->faults.ino ||
               st.st_size != dev->faults.size || st.st_mtim.tv_sec != dev->faults.mtime.tv_sec ||
               st.st_mtim.tv_nsec != dev->faults.mtime.tv_nsec) {
        dev->faults.present = 1;
        dev->faults.ino = st.st_ino;
        dev->faults.size = st.st_size;
        dev->faults.mtime = st.st_mtim;
        fault_load(dev, path);
    }
    nst_free(path);
}

static int
fault_rpc_matches(const struct sim_fault *ft, const char *name, const char *pseudo)
{
    return !ft->rpc || !strcmp(ft->rpc, "any") || !strcmp(ft->rpc, name) ||
           (pseudo && !strcmp(ft->rpc, pseudo));
}

const struct sim_fault *
sim_fault_drop(struct sim_dev *dev, const char *name, const char *pseudo)
{
    struct sim_fault *ft;
    int i;

    for (i = 0; i < dev->faults.n; i++) {
        ft = &dev->faults.v[i];
        if (ft->kind != SIM_FAULT_DROP || !fault_rpc_matches(ft, name, pseudo)) {
            continue;
        }
        /* Counted per directive; it fires once, on exactly the nth match. */
        if (++ft->seen == ft->nth) {
            return ft;
        }
    }
    return NULL;
}

unsigned
sim_fault_delay(struct sim_dev *dev, const char *name, const char *pseudo)
{
    const struct sim_fault *ft;
    unsigned generic = 0, specific = 0;
    int i, have_specific = 0;

    for (i = 0; i < dev->faults.n; i++) {
        ft = &dev->faults.v[i];
        if (ft->kind != SIM_FAULT_DELAY || !fault_rpc_matches(ft, name, pseudo)) {
            continue;
        }
        if (ft->rpc && strcmp(ft->rpc, "any")) {
            specific = ft->ms;
            have_specific = 1;
        } else {
            generic = ft->ms;
        }
    }
    return have_specific ? specific : generic;
}

struct lyd_node *
sim_fault_reject(struct sim_dev *dev, enum sim_fault_kind kind, const struct lyd_node *tree)
{
    const struct sim_fault *ft;
    struct ly_set *set = NULL;
    char *path = NULL, *msg = NULL;
    struct lyd_node *err = NULL;
    int i;

    for (i = 0; i < dev->faults.n && !err; i++) {
        ft = &dev->faults.v[i];
        if (ft->kind != kind) {
            continue;
        }
        if (ft->xpath) {
            if (!tree || lyd_find_xpath(tree, ft->xpath, &set) || !set->count) {
                ly_set_free(set, NULL);
                set = NULL;
                ly_err_clean(dev->ctx, NULL);
                continue;
            }
            path = lyd_path(set->dnodes[0], LYD_PATH_STD, NULL, 0);
            ly_set_free(set, NULL);
            set = NULL;
        }
        msg = nst_asprintf("%s rejected by fault injection%s%s",
                           kind == SIM_FAULT_REJECT_EDIT ? "edit" : "commit", ft->xpath ? ": " : "",
                           ft->xpath ? ft->xpath : "");
        err = sim_err_new(dev, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, "fault-injected", path,
                          msg ? msg : "rejected by fault injection");
        sim_log(dev, 0, "event=fault kind=reject-%s line=%d -> fired",
                kind == SIM_FAULT_REJECT_EDIT ? "edit" : "commit", ft->line);
        free(path);
        path = NULL;
        nst_free(msg);
        msg = NULL;
    }
    return err;
}
