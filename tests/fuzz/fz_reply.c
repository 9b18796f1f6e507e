/*
 * fz_reply.c: the client's handling of NETCONF replies (netconf/session.c), fed whatever a
 * hostile or broken device could send back.
 *
 * The first input byte picks the RPC the reply answers (get-config, get, edit-config,
 * commit, lock, validate, cancel-commit, discard-changes); the rest is the <rpc-reply>
 * message as libnetconf2 hands it over after unframing. sess_reply_parse() parses it the
 * way libnetconf2 2.0.24's nc_recv_reply does and then runs the code every sess_* RPC
 * runs on a reply: <rpc-error> into struct sess_error (first error-severity error wins,
 * error-info flattened, fixed-size fields truncated) and, for get/get-config, <data> to
 * XML text. The context is a client session's: ietf-netconf with the 1.1 features plus
 * the Junos and netsim test models, so <data> is parsed into real trees.
 * Invariants (abort() = a finding): every sess_error text field is NUL-terminated within
 * its size; an error kind is set exactly when the call failed.
 */
#include "fuzz.h"

#include "session.h"

static struct ly_ctx *fz_ly;
static struct lyd_node *fz_ops[8];

static const char *const fz_paths[8] = {
    "/ietf-netconf:get-config/source/running",    "/ietf-netconf:get",
    "/ietf-netconf:edit-config/target/candidate", "/ietf-netconf:commit/confirmed",
    "/ietf-netconf:lock/target/candidate",        "/ietf-netconf:validate/source/candidate",
    "/ietf-netconf:cancel-commit/persist-id",     "/ietf-netconf:discard-changes",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *feats[] = {"writable-running",
                                  "candidate",
                                  "confirmed-commit",
                                  "rollback-on-error",
                                  "validate",
                                  "startup",
                                  "url",
                                  "xpath",
                                  NULL};
    char dir[512];
    int i;

    (void)argc;
    (void)argv;
    fz_quiet_libyang();
    if (ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIR_CWD, &fz_ly)) {
        fz_die("ly_ctx_new");
    }
    snprintf(dir, sizeof dir, "%s/yang/ietf", fz_top());
    ly_ctx_set_searchdir(fz_ly, dir);
    snprintf(dir, sizeof dir, "%s/yang/devices/junos", fz_top());
    ly_ctx_set_searchdir(fz_ly, dir);
    snprintf(dir, sizeof dir, "%s/tests/netsim/models/a", fz_top());
    ly_ctx_set_searchdir(fz_ly, dir);
    if (!ly_ctx_load_module(fz_ly, "ietf-netconf", "2011-06-01", feats) ||
        !ly_ctx_load_module(fz_ly, "junos-conf-root", NULL, NULL) ||
        !ly_ctx_load_module(fz_ly, "junos-conf-interfaces", NULL, NULL) ||
        !ly_ctx_load_module(fz_ly, "netsim-test-a", NULL, NULL)) {
        fz_die("loading the client models");
    }
    for (i = 0; i < 8; i++) {
        if (lyd_new_path(NULL, fz_ly, fz_paths[i], i == 6 ? "p" : NULL, 0, &fz_ops[i]) ||
            !fz_ops[i]) {
            fz_die(fz_paths[i]);
        }
        /* lyd_new_path returns the top node: the operation. */
    }
    return 0;
}

static void
fz_terminated(const char *field, size_t size)
{
    if (!memchr(field, '\0', size)) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct lyd_node *op = fz_ops[size ? data[0] & 7 : 0];
    char *reply = fz_cstr(size ? data + 1 : data, size ? size - 1 : 0), *xml = NULL;
    struct sess_error err;
    char line[2048];
    nst_err rc;

    memset(&err, 0x5a, sizeof err);
    rc = sess_reply_parse(fz_ly, op, reply, &xml, &err);
    if ((rc == NST_OK) != (err.kind == SESS_ERR_NONE)) {
        abort();
    }
    fz_terminated(err.device, sizeof err.device);
    fz_terminated(err.op, sizeof err.op);
    fz_terminated(err.message, sizeof err.message);
    fz_terminated(err.type, sizeof err.type);
    fz_terminated(err.tag, sizeof err.tag);
    fz_terminated(err.app_tag, sizeof err.app_tag);
    fz_terminated(err.path, sizeof err.path);
    fz_terminated(err.info, sizeof err.info);
    sess_error_format(&err, line, sizeof line);
    fz_terminated(line, sizeof line);
    free(xml);
    free(reply);
    return 0;
}
