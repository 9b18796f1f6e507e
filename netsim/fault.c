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
 *   flap-bgp ADDRESS [UP [DOWN]]   the BGP session of this device to the neighbor ADDRESS
 *                                  flaps: from the moment the directive is read, up (as its
 *                                  configuration decides) for UP milliseconds (default
 *                                  1000), then forced down (Active) for DOWN (default UP),
 *                                  and so on; each return to Established restarts its
 *                                  uptime (a DOWN shorter than a poller's interval shows
 *                                  only as an uptime that went back). Read by the
 *                                  BGP supervisor (bgp.c, sim_fault_bgp_down()), not by
 *                                  the device process, which only accepts the line
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
    if (!strcmp(verb, "flap-bgp")) {
        /* The BGP supervisor's (sim_fault_bgp_down()); checked here only for its form. */
        ft->kind = SIM_FAULT_FLAP_BGP;
        if (!a1 || strtok_r(NULL, " \t", &save) ||
            (a2 && (!(v = strtoul(a2, &end, 10)) || *end || v > 600000)) ||
            (a3 && (!(v = strtoul(a3, &end, 10)) || *end || v > 600000))) {
            return "flap-bgp needs an address and optional UP and DOWN milliseconds "
                   "(1..600000)";
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
           "reply, flap-bgp)";
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
    char *path = dev->faults.path;

    if (!path) {
        path = dev->faults.path = fault_path(dev);
        if (!path) {
            return;
        }
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

/*
 * flap-bgp, for the BGP supervisor (bgp.c): it has no struct sim_dev, only the device's
 * directory, so it reads the directive from the faults file itself, rereading it when its
 * inode, size or mtime changes (checked at most every tick, 50 ms).
 */
#define FLAP_MAX_DEV 128
#define FLAP_MAX 8

struct flap_dev {
    char *dir;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    int present;
    double loaded; /* supervisor clock when the file was read */
    int reread;    /* the directives changed (read, reread, removed): recompute */
    int n;
    struct {
        char addr[48];
        unsigned up, down_ms;
        int down; /* the phase last reported by sim_fault_bgp_tick() */
    } v[FLAP_MAX];
};

static struct flap_dev flap_devs[FLAP_MAX_DEV];
static int flap_ndevs;

static struct flap_dev *
flap_dev_get(const char *dir, double now, int recheck)
{
    struct flap_dev *f = NULL;
    struct stat st;
    char path[4096];

    for (int i = 0; i < flap_ndevs && !f; i++) {
        if (!strcmp(flap_devs[i].dir, dir)) {
            f = &flap_devs[i];
        }
    }
    if (!f) {
        if (flap_ndevs == FLAP_MAX_DEV || !(flap_devs[flap_ndevs].dir = nst_strdup(dir))) {
            return NULL;
        }
        f = &flap_devs[flap_ndevs++];
    } else if (!recheck) {
        return f; /* nothing in the directory changed (bgp.c, bgp_watch()) */
    }
    snprintf(path, sizeof path, "%s/faults", dir);
    if (stat(path, &st)) {
        f->reread |= f->n > 0;
        f->present = 0;
        f->n = 0;
        return f;
    }
    if (f->present && st.st_ino == f->ino && st.st_size == f->size &&
        st.st_mtim.tv_sec == f->mtime.tv_sec && st.st_mtim.tv_nsec == f->mtime.tv_nsec) {
        return f;
    }
    f->present = 1;
    f->ino = st.st_ino;
    f->size = st.st_size;
    f->mtime = st.st_mtim;
    f->loaded = now;
    f->reread |= f->n > 0;
    f->n = 0;
    {
        FILE *fp = fopen(path, "r");
        char line[512];

        while (fp && fgets(line, sizeof line, fp) && f->n < FLAP_MAX) {
            char verb[32], addr[48];
            unsigned up = 1000, down = 0;
            int k = sscanf(line, " %31s %47s %u %u", verb, addr, &up, &down);

            if (k < 4) {
                down = up;
            }
            if (k >= 2 && !strcmp(verb, "flap-bgp") && up && up <= 600000 && down &&
                down <= 600000) {
                snprintf(f->v[f->n].addr, sizeof f->v[f->n].addr, "%s", addr);
                f->v[f->n].up = up;
                f->v[f->n].down_ms = down;
                f->v[f->n].down = 0;
                f->n++;
            }
        }
        if (fp) {
            fclose(fp);
        }
    }
    return f;
}

/* Is a flap (@up ms up, @down ms down, from the file's reading) down at @now? */
static int
flap_down(const struct flap_dev *f, unsigned up, unsigned down, double now)
{
    double t = (now - f->loaded) * 1000.0;

    return t >= 0 && (unsigned long long)t % (up + down) >= up;
}

int
sim_fault_bgp_down(const char *dir, const char *addr, double now)
{
    /* The tick (sim_fault_bgp_tick()) has just looked at the file if it changed. */
    struct flap_dev *f = dir ? flap_dev_get(dir, now, 0) : NULL;

    for (int i = 0; f && i < f->n; i++) {
        if (!strcmp(f->v[i].addr, addr) && flap_down(f, f->v[i].up, f->v[i].down_ms, now)) {
            return 1;
        }
    }
    return 0;
}

int
sim_fault_bgp_tick(const char *dir, double now, int recheck)
{
    struct flap_dev *f = dir ? flap_dev_get(dir, now, recheck) : NULL;
    int changed = f && f->reread;

    if (f) {
        f->reread = 0;
    }
    for (int i = 0; f && i < f->n; i++) {
        int down = flap_down(f, f->v[i].up, f->v[i].down_ms, now);

        if (down != f->v[i].down) {
            f->v[i].down = down;
            changed = 1;
        }
    }
    return changed;
}
