/*
 * fz_template.c: the template engine (compiler/template.c) on hostile templates.
 *
 * An input is one template, optionally followed by a line "=====" and a second one: the
 * first is written as <scratch>/fz/main.xml and main.cli.xml, the second as inc.xml and
 * inc.cli.xml (so <?include inc?> finds it). Then, with a fresh engine (the cache is keyed
 * by path), what `netstitch compile` does with a user template: lint it (tpl_check,
 * tpl_text_check), render it as a payload template and as a CLI template against every
 * <device> of the shipped example's IR, and serialize the output.
 */
#include "fuzz.h"

#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "netstitch.h"
#include "template.h"

static xmlDocPtr fz_ir;
static char fz_dir[512];

static void
fz_ir_build(void)
{
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;
    struct nst_compiled *c = NULL;
    char path[512], *ir = NULL;

    snprintf(path, sizeof path, "%s/yang", fz_top());
    if (nst_ctx_new(path, &ctx)) {
        fz_die("nst_ctx_new");
    }
    snprintf(path, sizeof path, "%s/examples/twcc-ccx-aws/service.xml", fz_top());
    if (nst_service_load(ctx, path, NST_FORMAT_AUTO, &svc) || nst_service_check(svc) ||
        nst_service_compile(svc, &c) || nst_compiled_ir(c, &ir)) {
        fz_die("compiling the example for its IR");
    }
    fz_ir = xmlReadMemory(ir, (int)strlen(ir), "ir.xml", NULL, XML_PARSE_NONET);
    if (!fz_ir) {
        fz_die("parsing the example's IR");
    }
    nst_free_string(ir);
    nst_compiled_free(c);
    nst_service_free(svc);
    nst_ctx_free(ctx);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char vdir[600];

    (void)argc;
    (void)argv;
    fz_quiet_libyang();
    fz_ir_build();
    snprintf(fz_dir, sizeof fz_dir, "%s", fz_scratch("tpl"));
    snprintf(vdir, sizeof vdir, "%s/fz", fz_dir);
    if (mkdir(vdir, 0700)) {
        fz_die("mkdir");
    }
    return 0;
}

static void
fz_put(const char *name, const uint8_t *data, size_t len)
{
    char path[700];

    snprintf(path, sizeof path, "%s/fz/%s", fz_dir, name);
    fz_write(path, data, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n=====\n";
    const char *dirs[1] = {fz_dir};
    struct tpl_engine *eng = NULL;
    struct tpl_error te;
    const uint8_t *inc = NULL;
    size_t main_len = size, inc_len = 0, i;
    xmlNodePtr dev;

    for (i = 0; i + sizeof sep - 1 <= size; i++) {
        if (!memcmp(data + i, sep, sizeof sep - 1)) {
            main_len = i;
            inc = data + i + sizeof sep - 1;
            inc_len = size - main_len - (sizeof sep - 1);
            break;
        }
    }
    fz_put("main.xml", data, main_len);
    fz_put("main.cli.xml", data, main_len);
    fz_put("inc.xml", inc ? inc : data, inc ? inc_len : 0);
    fz_put("inc.cli.xml", inc ? inc : data, inc ? inc_len : 0);

    if (tpl_engine_new(dirs, 1, &eng)) {
        abort();
    }
    tpl_check(eng, "fz", "main", &te);
    tpl_text_check(eng, "fz", "main", &te);
    for (dev = xmlDocGetRootElement(fz_ir)->children; dev; dev = dev->next) {
        xmlDocPtr out;
        xmlNodePtr root;
        char *text = NULL;
        xmlChar *buf = NULL;
        int len = 0;

        if (dev->type != XML_ELEMENT_NODE || xmlStrcmp(dev->name, BAD_CAST "device")) {
            continue;
        }
        out = xmlNewDoc(BAD_CAST "1.0");
        root = xmlNewDocNode(out, NULL, BAD_CAST "config", NULL);
        xmlDocSetRootElement(out, root);
        if (tpl_render(eng, "fz", "main", dev, root, &te) == NST_OK) {
            xmlDocDumpMemory(out, &buf, &len);
            xmlFree(buf);
        } else if (root->children) {
            /* "On failure nothing is appended." */
            abort();
        }
        xmlFreeDoc(out);
        if (tpl_render_text(eng, "fz", "main", dev, &text, &te) == NST_OK) {
            /* A CLI line never carries a control character other than its newline. */
            for (i = 0; text[i]; i++) {
                if ((unsigned char)text[i] < 0x20 && text[i] != '\n') {
                    abort();
                }
            }
            nst_free_string(text);
        }
    }
    tpl_engine_free(eng);
    return 0;
}
