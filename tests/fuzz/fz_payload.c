/*
 * fz_payload.c: the parsers of saved configurations: payload files (`push --payloads`,
 * `compile -o`), device snapshots in the state directory, and the running configuration a
 * device returns, as `push`, `rollback`, `recover` and `diff --offline` read them.
 *
 * An input is a configuration text, optionally followed by a line "=====" and a second
 * one (the "before" snapshot; without it the same text plays both parts). Per input:
 *   - render_parse_payload() into a context with every vendor's device models (the
 *     strict, validating payload parser of compile round trips and later stages);
 *   - payload_normalize(), secret_scan(), secret_substitute() with secrets full of
 *     XML specials, secret_placeholderize() of the "before" text, payload_restore() and
 *     payload_touched_equal() (the transaction engine's text helpers).
 * Invariants checked (abort() = a finding): a placeholderized snapshot contains no secret
 * value outside placeholders; a restore payload is well-formed; a configuration compares
 * equal to itself.
 */
#include "fuzz.h"

#include "alloc.h"
#include "netstitch.h"
#include "render.h"
#include "txn.h"

static struct nst_ctx *fz_ctx;
static struct render *fz_render;

/* Values that need escaping, one a prefix of another, one with a placeholder's brace. */
static char fz_n0[] = "k0", fz_n1[] = "k1", fz_n2[] = "bgp-twcc-ccx";
static char fz_v0[] = "s3cr&t<\"key\">", fz_v1[] = "s3cr", fz_v2[] = "x}y'z";
static char *fz_names[] = {fz_n0, fz_n1, fz_n2};
static char *fz_values[] = {fz_v0, fz_v1, fz_v2};
static const struct secret_set fz_set = {fz_names, fz_values, 3};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[512];

    (void)argc;
    (void)argv;
    fz_quiet_libyang();
    snprintf(dir, sizeof dir, "%s/yang", fz_top());
    if (nst_ctx_new(dir, &fz_ctx) || render_new(fz_ctx, NULL, 0, &fz_render)) {
        fz_die("context with the device models");
    }
    return 0;
}

/* @s with every well-formed placeholder replaced by one \x01 (malloc): a separator no
 * test secret contains, so that text on both sides of a placeholder is not joined. */
static char *
fz_cut_placeholders(const char *s)
{
    char *out = strdup(s), *p, *e;

    if (!out) {
        abort();
    }
    while ((p = strstr(out, NST_SECRET_PREFIX)) && (e = strchr(p, '}'))) {
        *p = '\x01';
        memmove(p + 1, e + 1, strlen(e + 1) + 1);
    }
    return out;
}

static void
fz_txn(const char *payload, const char *before)
{
    char why[256], *norm = NULL, **names = NULL, *sub = NULL, *ph = NULL, *restore = NULL;
    char *check = NULL;
    size_t i;
    int equal = 0;

    if (payload_normalize(payload, &norm, why, sizeof why) == NST_OK) {
        if (!norm) {
            abort();
        }
        if (secret_scan(norm, &names) == NST_OK) {
            secret_names_free(names);
        }
        if (secret_substitute(norm, &fz_set, &sub) == NST_OK) {
            secret_wipe_free(sub);
        }
        if (payload_restore(before, norm, 1, &restore) == NST_OK) {
            if (payload_normalize(restore, &check, why, sizeof why) == NST_OK) {
                nst_free(check);
            } else if (strspn(restore, " \t\r\n") != strlen(restore)) {
                /* A non-empty restore payload must be well-formed. */
                abort();
            }
            nst_free(restore);
        }
        if (payload_touched_equal(before, before, norm, &equal) == NST_OK && !equal) {
            abort();
        }
        nst_free(norm);
    }
    if (secret_placeholderize(before, &fz_set, &ph) == NST_OK) {
        char *rest = fz_cut_placeholders(ph);

        for (i = 0; i < 3; i++) {
            /* fz_v1 is a prefix of fz_v0: it must be gone too. */
            if (strstr(rest, fz_values[i])) {
                abort();
            }
        }
        free(rest);
        nst_free(ph);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_cstr(data, size), *before, *sep;
    struct lyd_node *tree = NULL;
    char *printed = NULL;

    sep = strstr(text, "\n=====\n");
    before = text;
    if (sep) {
        *sep = '\0';
        before = sep + 7;
    }
    if (render_parse_payload(render_ly(fz_render), text, &tree) == NST_OK) {
        if (tree && lyd_print_mem(&printed, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS) == LY_SUCCESS) {
            free(printed);
        }
        lyd_free_siblings(tree);
    }
    fz_txn(text, before);
    free(text);
    return 0;
}
