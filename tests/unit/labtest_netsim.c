/*
 * labtest_netsim.c: a libnetconf2 2.0.24 C client against netstitch-netsim.
 *
 * Run by tests/netsim/t_lab.sh (through lab.py), which starts netsim and exports:
 *   NETSIM_PORT        port of a `generic` device with models/a and a startup config
 *                      holding interface ge-0/0/1 with mtu 1500
 *   NETSIM_USER        its user
 *   NETSIM_KEY         private key authorized for that user (ed25519)
 *   NETSIM_PASSWORD    its password
 *   NETSIM_SCHEMA_DIR  an empty directory: the client must fetch EVERY module, ietf-netconf
 *                      included, with <get-schema>, which proves netsim's own get-schema
 *                      callback and its yang-library data in <get>
 * What it checks: publickey and password login (and a refused wrong password), that the
 * client's libyang context gets the device's module from yang-library + get-schema, a typed
 * <get-config> tree, <get-schema> text, and it prints session-setup and round-trip times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libyang/libyang.h>
#include <nc_client.h>

static const char *
env(const char *name)
{
    const char *v = getenv(name);

    if (!v || !*v) {
        fprintf(stderr, "labtest_netsim: %s not set (run tests/netsim/t_lab.sh)\n", name);
        exit(77);
    }
    return v;
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
accept_hostkey(const char *hostname, ssh_session session, void *priv)
{
    (void)hostname;
    (void)session;
    (void)priv;
    return 0;
}

static char *
password_clb(const char *username, const char *hostname, void *priv)
{
    (void)username;
    (void)hostname;
    return strdup((const char *)priv);
}

static struct nc_session *
connect_with(int use_key, const char *password)
{
    struct nc_session *s;

    nc_client_ssh_set_username(env("NETSIM_USER"));
    if (use_key) {
        nc_client_ssh_set_auth_pref(NC_SSH_AUTH_PUBLICKEY, 5);
        nc_client_ssh_set_auth_pref(NC_SSH_AUTH_PASSWORD, -1);
        nc_client_ssh_set_auth_pref(NC_SSH_AUTH_INTERACTIVE, -1);
    } else {
        nc_client_ssh_set_auth_pref(NC_SSH_AUTH_PUBLICKEY, -1);
        nc_client_ssh_set_auth_pref(NC_SSH_AUTH_PASSWORD, 5);
        nc_client_ssh_set_auth_pref(NC_SSH_AUTH_INTERACTIVE, -1);
        nc_client_ssh_set_auth_password_clb(password_clb, (void *)(uintptr_t)password);
    }
    s = nc_connect_ssh("127.0.0.1", (uint16_t)atoi(env("NETSIM_PORT")), NULL);
    return s;
}

/* Send @p rpc and return the reply's operation tree (output), or NULL on <rpc-error>. */
static struct lyd_node *
call(struct nc_session *s, struct nc_rpc *rpc, int *is_ok)
{
    struct lyd_node *envp = NULL, *op = NULL;
    uint64_t msgid;
    NC_MSG_TYPE r;

    *is_ok = 0;
    assert_int_equal(nc_send_rpc(s, rpc, 2000, &msgid), NC_MSG_RPC);
    do {
        r = nc_recv_reply(s, rpc, msgid, 10000, &envp, &op);
    } while (r == NC_MSG_NOTIF);
    assert_int_equal(r, NC_MSG_REPLY);
    if (envp && lyd_child(envp) && !strcmp(LYD_NAME(lyd_child(envp)), "ok")) {
        *is_ok = 1;
    }
    lyd_free_tree(envp);
    return op;
}

static void
test_pubkey_typed_get_config(void **state)
{
    struct nc_session *s;
    struct nc_rpc *rpc;
    struct lyd_node *op, *data = NULL, *copy = NULL;
    struct lyd_node_any *any;
    struct ly_set *set = NULL;
    double t0, setup, rtt;
    int i, is_ok, n = 100;

    (void)state;
    t0 = now_ms();
    s = connect_with(1, NULL);
    setup = now_ms() - t0;
    assert_non_null(s);
    /* The device's module reached the client through yang-library + get-schema. */
    assert_non_null(ly_ctx_get_module_implemented(nc_session_get_ctx(s), "netsim-test-a"));

    rpc = nc_rpc_getconfig(NC_DATASTORE_RUNNING, NULL, NC_WD_UNKNOWN, NC_PARAMTYPE_CONST);
    op = call(s, rpc, &is_ok);
    assert_non_null(op);
    assert_int_equal(lyd_find_path(op, "data", 1, &data), LY_SUCCESS);
    any = (struct lyd_node_any *)data;
    assert_int_equal(any->value_type, LYD_ANYDATA_DATATREE);
    assert_int_equal(lyd_dup_siblings(any->value.tree, NULL, LYD_DUP_RECURSIVE, &copy), LY_SUCCESS);
    assert_int_equal(
        lyd_find_xpath(copy, "/netsim-test-a:interfaces/interface[name='ge-0/0/1']/mtu", &set),
        LY_SUCCESS);
    assert_int_equal(set->count, 1);
    assert_string_equal(lyd_get_value(set->dnodes[0]), "1500");
    ly_set_free(set, NULL);
    lyd_free_siblings(copy);
    lyd_free_tree(op);

    t0 = now_ms();
    for (i = 0; i < n; i++) {
        op = call(s, rpc, &is_ok);
        assert_non_null(op);
        lyd_free_tree(op);
    }
    rtt = (now_ms() - t0) / n;
    nc_rpc_free(rpc);
    printf("labtest_netsim: publickey session setup %.1f ms (schemas fetched), get-config round "
           "trip %.2f ms (avg of %d)\n",
           setup, rtt, n);
    nc_session_free(s, NULL);
}

static void
test_get_schema(void **state)
{
    struct nc_session *s;
    struct nc_rpc *rpc;
    struct lyd_node *op, *data = NULL;
    char *text = NULL;
    int is_ok;

    (void)state;
    s = connect_with(1, NULL);
    assert_non_null(s);
    rpc = nc_rpc_getschema("netsim-test-a", NULL, "yang", NC_PARAMTYPE_CONST);
    op = call(s, rpc, &is_ok);
    assert_non_null(op);
    assert_int_equal(lyd_find_path(op, "data", 1, &data), LY_SUCCESS);
    assert_int_equal(lyd_any_value_str(data, &text), LY_SUCCESS);
    assert_non_null(strstr(text, "module netsim-test-a"));
    assert_non_null(strstr(text, "urn:netstitch:netsim:test-a"));
    free(text);
    lyd_free_tree(op);
    nc_rpc_free(rpc);
    nc_session_free(s, NULL);
}

static void
test_password(void **state)
{
    struct nc_session *s;
    double t0;

    (void)state;
    t0 = now_ms();
    s = connect_with(0, env("NETSIM_PASSWORD"));
    assert_non_null(s);
    printf("labtest_netsim: password session setup %.1f ms (schemas cached)\n", now_ms() - t0);
    nc_session_free(s, NULL);
    s = connect_with(0, "wrong-password");
    assert_null(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pubkey_typed_get_config),
        cmocka_unit_test(test_get_schema),
        cmocka_unit_test(test_password),
    };
    char pub[4096];
    int rc;

    env("NETSIM_PORT");
    nc_client_init();
    nc_verbosity(NC_VERB_ERROR);
    nc_client_set_schema_searchpath(env("NETSIM_SCHEMA_DIR"));
    nc_client_ssh_set_auth_hostkey_check_clb(accept_hostkey, NULL);
    snprintf(pub, sizeof pub, "%s.pub", env("NETSIM_KEY"));
    if (nc_client_ssh_add_keypair(pub, env("NETSIM_KEY"))) {
        fprintf(stderr, "labtest_netsim: cannot use key %s\n", env("NETSIM_KEY"));
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    nc_client_destroy();
    return rc;
}
