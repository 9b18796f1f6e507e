/*
 * config.c: the netsim config file and the built-in vendor capability profiles.
 *
 * The config file is line-oriented, INI-like (the format is documented in netsim/README.md):
 * global `key = value` lines, then one `[device NAME]` section per device; '#' or ';' starts
 * a comment line, and a '#' after a blank starts a trailing comment. Relative paths are
 * resolved against the directory of the config file, except a profile's own module dirs,
 * which are relative to the yang root (-y, `yang-root`, default <srcdir>/yang).
 *
 * Profiles encode docs/vendors.md A.7: which datastores a vendor's NETCONF server offers,
 * its confirmed-commit flavour, :validate and :rollback-on-error, and the yang/devices/<vendor>
 * dirs its models live in. A device section may override each capability, so a test can build
 * "a Junos-like device without :validate" without a new profile.
 *
 * This file only parses and checks; it loads no model and touches no device state. Every
 * problem is reported with file:line, and parsing stops at the first one (a simulator config
 * is short; the first error is enough to fix).
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "netsim.h"

/* The built-in profiles. Facts from docs/vendors.md A.7; UNCONFIRMED vendor facts are
 * resolved conservatively (capability left out) and listed in netsim/README.md. */
static const struct sim_profile sim_profiles[] = {
    {"generic",
     SIM_CAP_CANDIDATE | SIM_CAP_WRITABLE_RUNNING | SIM_CAP_ROLLBACK | SIM_CAP_VALIDATE |
         SIM_CAP_STARTUP | SIM_CAP_XPATH,
     SIM_CC_11,
     0,
     {NULL}},
    {"junos", SIM_CAP_CANDIDATE | SIM_CAP_VALIDATE, SIM_CC_10, 1, {"devices/junos", NULL}},
    {"iosxr",
     SIM_CAP_CANDIDATE | SIM_CAP_ROLLBACK | SIM_CAP_VALIDATE,
     SIM_CC_11,
     0,
     {"devices/iosxr", NULL}},
    {"sros",
     SIM_CAP_CANDIDATE | SIM_CAP_WRITABLE_RUNNING | SIM_CAP_ROLLBACK | SIM_CAP_VALIDATE |
         SIM_CAP_STARTUP,
     SIM_CC_11,
     0,
     {"devices/sros", NULL}},
    {"vrp",
     SIM_CAP_CANDIDATE | SIM_CAP_WRITABLE_RUNNING | SIM_CAP_ROLLBACK | SIM_CAP_VALIDATE |
         SIM_CAP_STARTUP | SIM_CAP_XPATH,
     SIM_CC_11,
     0,
     {"devices/vrp", NULL}},
    {"openconfig",
     SIM_CAP_CANDIDATE | SIM_CAP_WRITABLE_RUNNING | SIM_CAP_ROLLBACK | SIM_CAP_VALIDATE |
         SIM_CAP_XPATH,
     SIM_CC_11,
     0,
     {"devices/openconfig", NULL}},
    {"eos",
     SIM_CAP_CANDIDATE | SIM_CAP_WRITABLE_RUNNING,
     SIM_CC_NONE,
     0,
     {"devices/openconfig", "devices/eos", NULL}},
};

const struct sim_profile *
sim_profile_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof sim_profiles / sizeof sim_profiles[0]; i++) {
        if (!strcmp(sim_profiles[i].name, name)) {
            return &sim_profiles[i];
        }
    }
    return NULL;
}

const char *
sim_cc_str(enum sim_cc_kind kind)
{
    switch (kind) {
    case SIM_CC_NONE:
        return "none";
    case SIM_CC_10:
        return "1.0";
    case SIM_CC_11:
        return "1.1";
    }
    return "?";
}

/* Parser state: the file, the line being read and the first error. */
struct cfg_parser {
    const char *path;
    char *basedir;
    int line;
    char *err;
};

static void
cfg_error(struct cfg_parser *p, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;

    if (p->err) {
        return;
    }
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) {
        msg = NULL;
    }
    va_end(ap);
    p->err = nst_asprintf("%s:%d: %s", p->path, p->line, msg ? msg : "out of memory");
    free(msg);
}

static char *
cfg_trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s)) {
        s++;
    }
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) {
        *--end = '\0';
    }
    return s;
}

/* Make @p path absolute against @p base; returned string is freed with nst_free. */
static char *
cfg_abspath(const char *base, const char *path)
{
    if (path[0] == '/') {
        return nst_strdup(path);
    }
    return nst_asprintf("%s/%s", base, path);
}

static int
cfg_push(char ***arr, int *n, char *s)
{
    char **v;

    if (!s) {
        return -1;
    }
    v = nst_realloc(*arr, (*n + 1) * sizeof *v);
    if (!v) {
        nst_free(s);
        return -1;
    }
    v[(*n)++] = s;
    *arr = v;
    return 0;
}

static int
cfg_bool(struct cfg_parser *p, const char *key, const char *val, int *out)
{
    if (!strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "1")) {
        *out = 1;
    } else if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "0")) {
        *out = 0;
    } else {
        cfg_error(p, "%s: expected yes or no, got \"%s\"", key, val);
        return -1;
    }
    return 0;
}

static void
cfg_setcap(struct sim_dev_cfg *d, unsigned cap, int on)
{
    if (on) {
        d->prof.caps |= cap;
    } else {
        d->prof.caps &= ~cap;
    }
}

/* rpc-reply = NAME FILE: keep "NAME /absolute/FILE". */
static void
cfg_reply(struct cfg_parser *p, struct sim_dev_cfg *d, const char *val)
{
    const char *sp = strpbrk(val, " \t"), *file;
    char *abs, *entry;

    file = sp ? sp + strspn(sp, " \t") : NULL;
    if (!sp || !*file || strchr(file, ' ')) {
        cfg_error(p, "rpc-reply: expected \"NAME FILE\"");
        return;
    }
    abs = cfg_abspath(p->basedir, file);
    entry = abs ? nst_asprintf("%.*s %s", (int)(sp - val), val, abs) : NULL;
    nst_free(abs);
    if (cfg_push(&d->replies, &d->nreplies, entry)) {
        cfg_error(p, "out of memory");
    }
}

/* One `key = value` line inside a [device] section. */
static void
cfg_dev_key(struct cfg_parser *p, struct sim_dev_cfg *d, const char *key, const char *val,
            int *dirs_replaced)
{
    const struct sim_profile *prof;
    char *end;
    long port;
    int on;

    if (!strcmp(key, "port")) {
        errno = 0;
        port = strtol(val, &end, 10);
        if (errno || *end || port < 1 || port > 65535) {
            cfg_error(p, "port: invalid port \"%s\"", val);
            return;
        }
        d->port = (uint16_t)port;
    } else if (!strcmp(key, "profile")) {
        prof = sim_profile_find(val);
        if (!prof) {
            cfg_error(p,
                      "profile: unknown profile \"%s\" (generic, junos, iosxr, sros, vrp, "
                      "openconfig, eos)",
                      val);
            return;
        }
        d->prof = *prof;
    } else if (!strcmp(key, "startup")) {
        nst_free(d->startup);
        d->startup = cfg_abspath(p->basedir, val);
    } else if (!strcmp(key, "hostkey")) {
        nst_free(d->hostkey);
        d->hostkey = cfg_abspath(p->basedir, val);
    } else if (!strcmp(key, "authorized-key")) {
        if (cfg_push(&d->authkeys, &d->nauthkeys, cfg_abspath(p->basedir, val))) {
            cfg_error(p, "out of memory");
        }
    } else if (!strcmp(key, "user")) {
        nst_free(d->user);
        d->user = nst_strdup(val);
    } else if (!strcmp(key, "password")) {
        nst_free(d->password);
        d->password = nst_strdup(val);
    } else if (!strcmp(key, "modules-dir") || !strcmp(key, "extra-modules-dir")) {
        if (!strcmp(key, "modules-dir")) {
            *dirs_replaced = 1;
        }
        if (cfg_push(&d->dirs, &d->ndirs, cfg_abspath(p->basedir, val))) {
            cfg_error(p, "out of memory");
        }
    } else if (!strcmp(key, "module")) {
        if (cfg_push(&d->modules, &d->nmodules, nst_strdup(val))) {
            cfg_error(p, "out of memory");
        }
    } else if (!strcmp(key, "oper")) {
        nst_free(d->oper);
        d->oper = cfg_abspath(p->basedir, val);
    } else if (!strcmp(key, "rpc-reply")) {
        cfg_reply(p, d, val);
    } else if (!strcmp(key, "fault")) {
        if (cfg_push(&d->faults, &d->nfaults, nst_strdup(val))) {
            cfg_error(p, "out of memory");
        }
    } else if (!strcmp(key, "candidate")) {
        if (!cfg_bool(p, key, val, &on)) {
            cfg_setcap(d, SIM_CAP_CANDIDATE, on);
        }
    } else if (!strcmp(key, "writable-running")) {
        if (!cfg_bool(p, key, val, &on)) {
            cfg_setcap(d, SIM_CAP_WRITABLE_RUNNING, on);
        }
    } else if (!strcmp(key, "rollback-on-error")) {
        if (!cfg_bool(p, key, val, &on)) {
            cfg_setcap(d, SIM_CAP_ROLLBACK, on);
        }
    } else if (!strcmp(key, "startup-datastore")) {
        if (!cfg_bool(p, key, val, &on)) {
            cfg_setcap(d, SIM_CAP_STARTUP, on);
        }
    } else if (!strcmp(key, "xpath")) {
        if (!cfg_bool(p, key, val, &on)) {
            cfg_setcap(d, SIM_CAP_XPATH, on);
        }
    } else if (!strcmp(key, "validate")) {
        if (!strcmp(val, "1.0") || !strcmp(val, "1.1")) {
            cfg_setcap(d, SIM_CAP_VALIDATE, 1);
            d->prof.validate_10 = !strcmp(val, "1.0");
        } else if (!cfg_bool(p, key, val, &on)) {
            cfg_setcap(d, SIM_CAP_VALIDATE, on);
        }
    } else if (!strcmp(key, "confirmed-commit")) {
        if (!strcmp(val, "1.0")) {
            d->prof.confirmed = SIM_CC_10;
        } else if (!strcmp(val, "1.1")) {
            d->prof.confirmed = SIM_CC_11;
        } else if (!strcmp(val, "none") || !strcmp(val, "no")) {
            d->prof.confirmed = SIM_CC_NONE;
        } else {
            cfg_error(p, "confirmed-commit: expected none, 1.0 or 1.1, got \"%s\"", val);
        }
    } else {
        cfg_error(p, "unknown device key \"%s\"", key);
    }
}

/* Checks that need the whole section; also turns profile dirs into absolute paths. */
static void
cfg_dev_finish(struct cfg_parser *p, const struct sim_cfg *cfg, struct sim_dev_cfg *d,
               int dirs_replaced)
{
    struct stat st;
    char **own = NULL;
    int nown = 0, i;

    p->line = d->line;
    if (!d->port) {
        cfg_error(p, "device %s: no port", d->name);
    } else if (!d->hostkey) {
        cfg_error(p, "device %s: no hostkey (a private key file: ssh-keygen -t ed25519)", d->name);
    } else if (!d->user) {
        cfg_error(p, "device %s: no user", d->name);
    } else if (!d->password && !d->nauthkeys) {
        cfg_error(p, "device %s: neither password nor authorized-key: nobody could log in",
                  d->name);
    } else if ((d->prof.caps & (SIM_CAP_CANDIDATE | SIM_CAP_WRITABLE_RUNNING)) == 0) {
        cfg_error(p, "device %s: neither candidate nor writable-running: config is read-only",
                  d->name);
    }
    if (p->err) {
        return;
    }
    if (!(d->prof.caps & SIM_CAP_CANDIDATE)) {
        /* RFC 6241: :confirmed-commit requires :candidate. */
        d->prof.confirmed = SIM_CC_NONE;
    }

    /* Profile dirs come first unless modules-dir replaced them. */
    if (!dirs_replaced) {
        for (i = 0; d->prof.dirs[i]; i++) {
            if (cfg_push(&own, &nown, cfg_abspath(cfg->yang_root, d->prof.dirs[i]))) {
                cfg_error(p, "out of memory");
                goto cleanup;
            }
        }
    }
    for (i = 0; i < d->ndirs; i++) {
        if (cfg_push(&own, &nown, d->dirs[i])) {
            d->dirs[i] = NULL;
            cfg_error(p, "out of memory");
            goto cleanup;
        }
        d->dirs[i] = NULL;
    }
    nst_free(d->dirs);
    d->dirs = own;
    d->ndirs = nown;
    own = NULL;
    nown = 0;
    for (i = 0; i < d->ndirs; i++) {
        if (stat(d->dirs[i], &st) || !S_ISDIR(st.st_mode)) {
            cfg_error(p, "device %s: module dir %s does not exist (profile %s)%s", d->name,
                      d->dirs[i], d->prof.name,
                      dirs_replaced ? "" : "; set modules-dir to use other models");
            goto cleanup;
        }
    }

cleanup:
    for (i = 0; i < nown; i++) {
        nst_free(own[i]);
    }
    nst_free(own);
}

static struct sim_dev_cfg *
cfg_dev_new(struct cfg_parser *p, struct sim_cfg *cfg, const char *name)
{
    struct sim_dev_cfg *v, *d;
    int i;
    const char *c;

    for (c = name; *c; c++) {
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.') {
            cfg_error(p, "device name \"%s\": use letters, digits, '-', '_', '.'", name);
            return NULL;
        }
    }
    if (!name[0] || name[0] == '.') {
        cfg_error(p, "device name \"%s\" is invalid", name);
        return NULL;
    }
    for (i = 0; i < cfg->ndevs; i++) {
        if (!strcmp(cfg->devs[i].name, name)) {
            cfg_error(p, "device %s defined twice", name);
            return NULL;
        }
    }
    v = nst_realloc(cfg->devs, (cfg->ndevs + 1) * sizeof *v);
    if (!v) {
        cfg_error(p, "out of memory");
        return NULL;
    }
    cfg->devs = v;
    d = &v[cfg->ndevs++];
    memset(d, 0, sizeof *d);
    d->name = nst_strdup(name);
    d->prof = *sim_profile_find("generic");
    d->line = p->line;
    if (!d->name) {
        cfg_error(p, "out of memory");
        return NULL;
    }
    return d;
}

nst_err
sim_cfg_parse(const char *path, const char *statedir, const char *yang_root, struct sim_cfg **cfgp,
              char **errmsg)
{
    struct cfg_parser p = {0};
    struct sim_cfg *cfg = NULL;
    struct sim_dev_cfg *dev = NULL;
    FILE *f = NULL;
    char *line = NULL, *s, *eq, *key, *val, *hash, *tmp = NULL, real[PATH_MAX];
    size_t cap = 0;
    int dirs_replaced = 0, i, j;
    nst_err ret = NST_EINPUT;

    p.path = path;
    f = fopen(path, "r");
    if (!f) {
        *errmsg = nst_asprintf("%s: %s", path, strerror(errno));
        ret = NST_EIO;
        goto cleanup;
    }
    if (!realpath(path, real)) {
        *errmsg = nst_asprintf("%s: %s", path, strerror(errno));
        ret = NST_EIO;
        goto cleanup;
    }
    tmp = nst_strdup(real);
    cfg = nst_calloc(1, sizeof *cfg);
    if (!tmp || !cfg) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    p.basedir = nst_strdup(dirname(tmp));
    cfg->path = nst_strdup(real);
    /* Command-line values win over the file, so they are in place before any device
     * section resolves its profile dirs against the yang root. */
    cfg->statedir = statedir ? nst_strdup(statedir) : NULL;
    cfg->yang_root = nst_strdup(yang_root ? yang_root : NST_SRCDIR "/yang");
    if (!p.basedir || !cfg->path || !cfg->yang_root || (statedir && !cfg->statedir)) {
        ret = NST_ENOMEM;
        goto cleanup;
    }

    while (getline(&line, &cap, f) > 0 && !p.err) {
        p.line++;
        s = cfg_trim(line);
        if (!*s || *s == '#' || *s == ';') {
            continue;
        }
        if (*s == '[') {
            if (dev) {
                cfg_dev_finish(&p, cfg, dev, dirs_replaced);
                dev = NULL;
            }
            if (s[strlen(s) - 1] != ']' || strncmp(s, "[device", 7) ||
                !isspace((unsigned char)s[7])) {
                cfg_error(&p, "expected a section header \"[device NAME]\"");
                break;
            }
            s[strlen(s) - 1] = '\0';
            dev = cfg_dev_new(&p, cfg, cfg_trim(s + 7));
            dirs_replaced = 0;
            continue;
        }
        eq = strchr(s, '=');
        if (!eq) {
            cfg_error(&p, "expected \"key = value\"");
            break;
        }
        *eq = '\0';
        key = cfg_trim(s);
        /* A '#' after a blank starts a trailing comment. */
        for (hash = eq + 1; (hash = strchr(hash, '#')); hash++) {
            if (hash[-1] == ' ' || hash[-1] == '\t') {
                *hash = '\0';
                break;
            }
        }
        val = cfg_trim(eq + 1);
        if (!*val) {
            cfg_error(&p, "%s: empty value", key);
            break;
        }
        if (dev) {
            cfg_dev_key(&p, dev, key, val, &dirs_replaced);
        } else if (!strcmp(key, "statedir")) {
            if (!statedir) {
                nst_free(cfg->statedir);
                cfg->statedir = cfg_abspath(p.basedir, val);
            }
        } else if (!strcmp(key, "yang-root")) {
            if (!yang_root) {
                nst_free(cfg->yang_root);
                cfg->yang_root = cfg_abspath(p.basedir, val);
            }
        } else if (!strcmp(key, "bgp")) {
            /* The BGP simulation's description (netsim/bgp.c). */
            nst_free(cfg->bgp);
            cfg->bgp = cfg_abspath(p.basedir, val);
        } else if (!strcmp(key, "search")) {
            if (cfg_push(&cfg->search, &cfg->nsearch, cfg_abspath(p.basedir, val))) {
                cfg_error(&p, "out of memory");
            }
        } else {
            cfg_error(&p, "unknown global key \"%s\" (or a device key before any [device])", key);
        }
    }

    if (!p.err && dev) {
        cfg_dev_finish(&p, cfg, dev, dirs_replaced);
    }
    if (!p.err && !cfg->statedir) {
        cfg_error(&p, "no statedir (set `statedir = DIR` or pass -s DIR)");
    }
    if (!p.err && !cfg->ndevs) {
        cfg_error(&p, "no [device NAME] section");
    }
    for (i = 0; !p.err && i < cfg->ndevs; i++) {
        for (j = 0; j < i; j++) {
            if (cfg->devs[i].port == cfg->devs[j].port) {
                p.line = cfg->devs[i].line;
                cfg_error(&p, "devices %s and %s both use port %u", cfg->devs[j].name,
                          cfg->devs[i].name, cfg->devs[i].port);
            }
        }
    }
    if (p.err) {
        *errmsg = p.err;
        p.err = NULL;
        goto cleanup;
    }
    *cfgp = cfg;
    cfg = NULL;
    ret = NST_OK;

cleanup:
    if (ret == NST_ENOMEM && !*errmsg) {
        *errmsg = nst_strdup("out of memory");
    }
    if (f) {
        fclose(f);
    }
    free(line);
    nst_free(tmp);
    nst_free(p.basedir);
    nst_free(p.err);
    sim_cfg_free(cfg);
    return ret;
}

static void
cfg_strv_free(char **v, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        nst_free(v[i]);
    }
    nst_free(v);
}

void
sim_cfg_free(struct sim_cfg *cfg)
{
    struct sim_dev_cfg *d;
    int i;

    if (!cfg) {
        return;
    }
    nst_free(cfg->bgp);
    for (i = 0; i < cfg->ndevs; i++) {
        d = &cfg->devs[i];
        nst_free(d->name);
        nst_free(d->startup);
        nst_free(d->hostkey);
        cfg_strv_free(d->authkeys, d->nauthkeys);
        nst_free(d->user);
        nst_free(d->password);
        cfg_strv_free(d->dirs, d->ndirs);
        cfg_strv_free(d->modules, d->nmodules);
        cfg_strv_free(d->faults, d->nfaults);
        cfg_strv_free(d->replies, d->nreplies);
        nst_free(d->oper);
    }
    nst_free(cfg->devs);
    cfg_strv_free(cfg->search, cfg->nsearch);
    nst_free(cfg->path);
    nst_free(cfg->statedir);
    nst_free(cfg->yang_root);
    nst_free(cfg);
}
