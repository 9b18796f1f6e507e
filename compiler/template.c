/*
 * template.c: the vendor template engine, used by the render stage.
 *
 * Place in the pipeline: the lowering stage (lower.c) builds the IR, one libxml2 element
 * per device, and knows nothing of templates; the render stage (render.c) then asks this
 * engine to turn IR nodes into NETCONF payload XML and CLI, one feature template at a
 * time: tpl_render("iosxr", "interface", <port node>, <config node>). The language
 * (documented in docs/templates.md) is literal output XML plus `{xpath}` substitution and
 * the processing instructions foreach / if / elif / else / end / set / include.
 *
 * Two phases, so that the per-device work is only evaluation:
 *   1. compile (tpl_load): a template file is read once per engine, parsed by libxml2
 *      and compiled into a tree of ops (struct tpl_op in struct tpl_block). Every XPath
 *      expression is compiled once here (xmlXPathCtxtCompile). Syntax errors, malformed
 *      or unbalanced instructions, misplaced text are all reported here with file and
 *      line, before anything is rendered. The parsed document is kept: ops borrow element
 *      names and namespace strings from it.
 *   2. render (tpl_run): walks the ops with a struct tpl_render holding the XPath context
 *      node, the variable stack (variables are block scoped, and resolved through our own
 *      lookup callback so that an unknown $NAME is reported by name) and the include
 *      stack (loop and depth checks). Expressions of a few simple forms (@a, e, e/@a, ../@a,
 *      e[@a], $v, and those compared with a string) are answered by walking the IR, with
 *      XPath's answer (enum tpl_fast). Output nodes are built with the libxml2 tree API
 *      only: a substituted value becomes a text node or an attribute value and is escaped
 *      by the serializer, never pasted into markup. Values that XML 1.0 cannot carry
 *      (control characters, broken UTF-8) are refused rather than emitted; in text (CLI)
 *      mode newlines and all other control characters are refused too, so a value can
 *      never start a new CLI line.
 *
 * Main structs: struct tpl_engine (search path, template cache, XPath context, counters),
 * struct tpl_template (one cached file), struct tpl_op / struct tpl_block (compiled code),
 * struct tpl_str (a text or attribute value: literal parts and expressions),
 * struct tpl_render (one render call's state).
 *
 * Deliberately not done here: knowing any vendor or any IR schema, deciding which
 * templates to render for a device (the render stage and the driver do), serializing or
 * sending the payload, XPath extension functions, namespaced IR (expressions match
 * un-namespaced IR element names), and printing anything: libxml2's own error output is
 * silenced for the duration of every public call and errors go to struct tpl_error.
 */
#include "template.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "alloc.h"
#include "util.h"

/* Includes nest at most this deep (the outermost template counts as level 1). */
#define TPL_INCLUDE_DEPTH_MAX 16
/* A template file larger than this is refused: templates are small, this is a typo guard. */
#define TPL_FILE_MAX (4L * 1024 * 1024)
/* Longest vendor or feature name. */
#define TPL_NAME_MAX 128
/* A render call executes at most this many ops (each op of each <?foreach?> iteration
 * counts once). The shipped templates need some 50 per IR node, so a device of 10000
 * ports stays far below; a <?foreach?> over every IR node nested five deep would not end
 * for hours and take gigabytes. */
#define TPL_STEPS_MAX (1L << 20)

/*
 * Expressions of a few simple forms, most of the templates' (83% of the evaluations at the
 * bench's 100 routers), are answered by walking the IR directly, without libxml2's XPath
 * machinery (about 3 000 instructions an evaluation: a parser context, a value stack, result
 * objects). The answer is the one XPath gives (docs/templates.md; name tests match
 * un-namespaced names only, as XPath's do without a prefix); anything else, or a context
 * node that is not an element, or a case the walk does not cover (an attribute or element
 * whose value is not one text node, a variable that is not a string or one node), goes to
 * XPath. Every expression is still compiled by libxml2 (syntax errors are its).
 */
enum tpl_fast {
    TPL_FAST_NONE,
    TPL_FAST_ATTR,         /* @a */
    TPL_FAST_CHILD,        /* e */
    TPL_FAST_CHILD_ATTR,   /* e/@a */
    TPL_FAST_PARENT_ATTR,  /* ../@a */
    TPL_FAST_CHILD_HAS,    /* e[@a] */
    TPL_FAST_VAR,          /* $v */
    TPL_FAST_ATTR_EQ,      /* @a = 'lit', @a != 'lit' (fast_neg) */
    TPL_FAST_CHILD_ATTR_EQ /* e/@a = 'lit', e/@a != 'lit' */
};

/* One piece of a text or attribute value: a literal, or an expression. */
struct tpl_part {
    char *text;               /* the literal, or the expression source; owned */
    size_t len;               /* strlen(text) */
    xmlXPathCompExprPtr comp; /* the compiled expression; NULL for a literal */
    long line;                /* template line of the expression */
    enum tpl_fast fast;       /* a simple form (see enum tpl_fast), or TPL_FAST_NONE */
    int fast_neg;             /* the comparison is != */
    char *fast_buf;           /* owned: fast_e, fast_a and fast_lit point into it */
    const char *fast_e;       /* the element name (e), or the variable's */
    const char *fast_a;       /* the attribute name (a) */
    const char *fast_lit;     /* the literal compared with */
    struct tpl_bool *fast_bool; /* owned: a condition of simple forms (tpl_bool_parse) */
};

/*
 * A condition made of simple forms, answered without XPath where it is a condition
 * (<?if?>, <?elif?>): "or", "and", "not(...)" and parentheses over atoms, an atom being a
 * node-set form (@a, e, e/@a, ../@a, e[@a]: true when not empty), that form compared with
 * a string or number literal (=, !=; < and > with a number), or string-length(form) > 0.
 * XPath's comparison of a node-set is "some node's value compares" (a number: the value
 * as number() converts it); string-length(form) > 0 is "the first node's value is not
 * empty". 55% of the evaluations left to XPath at the bench's 100 routers.
 */
enum tpl_bool_kind { TPL_B_OR, TPL_B_AND, TPL_B_NOT, TPL_B_ATOM };

struct tpl_bool {
    enum tpl_bool_kind kind;
    struct tpl_bool *a, *b; /* operands (b: OR and AND only) */
    struct tpl_part form;   /* ATOM: the node-set form (fast: ATTR...CHILD_HAS) */
    char op;                /* ATOM: 0 (not empty), '=', '!' (!=), '<', '>', 'L' (length) */
    int numeric;            /* ATOM: compared with a number */
    double num;             /* the number */
    char *lit;              /* owned: the string */
};

/* A text or attribute value: literals and expressions, concatenated when rendered. */
struct tpl_str {
    struct tpl_part *parts;
    size_t n;
};

enum tpl_op_kind {
    TPL_OP_ELEMENT, /* a literal output element with attributes and a body */
    TPL_OP_LINE,    /* a <line> of a text template */
    TPL_OP_TEXT,    /* text content */
    TPL_OP_FOREACH, /* <?foreach {x}?> body <?end?> */
    TPL_OP_IF,      /* <?if {x}?> body [<?elif {y}?> body]... [<?else?> body] <?end?> */
    TPL_OP_SET,     /* <?set NAME=value?> */
    TPL_OP_INCLUDE  /* <?include feature?> */
};

struct tpl_op;

/* A sequence of ops: a template body, an element body, a loop or branch body. */
struct tpl_block {
    struct tpl_op *ops;
    size_t n;
};

/* A namespace binding the output element must have in scope. */
struct tpl_nsdecl {
    const xmlChar *prefix; /* NULL for the default namespace; borrowed from the template doc */
    const xmlChar *href;   /* "" undeclares the default namespace; borrowed */
};

struct tpl_attr {
    const xmlChar *name;   /* borrowed from the template doc */
    const xmlChar *prefix; /* namespace prefix or NULL; borrowed */
    const xmlChar *href;   /* namespace or NULL; borrowed */
    struct tpl_str value;
};

/* One <?if?>/<?elif?>/<?else?> branch. */
struct tpl_branch {
    struct tpl_part cond; /* cond.comp == NULL for <?else?> */
    struct tpl_block body;
};

struct tpl_op {
    enum tpl_op_kind kind;
    long line; /* template line, for errors */
    union {
        struct {
            const xmlChar *name;   /* borrowed from the template doc */
            const xmlChar *prefix; /* the element's namespace prefix or NULL; borrowed */
            const xmlChar *href;   /* the element's namespace or NULL; borrowed */
            struct tpl_nsdecl *ns; /* bindings the output element must have in scope */
            size_t n_ns;
            struct tpl_attr *attrs;
            size_t n_attrs;
            struct tpl_block body;
        } elem; /* TPL_OP_ELEMENT, TPL_OP_LINE (body only) */
        struct tpl_str text;
        struct {
            struct tpl_part expr;
            struct tpl_block body;
        } loop;
        struct {
            struct tpl_branch *br;
            size_t n;
        } cond;
        struct {
            char *name; /* owned */
            struct tpl_str value;
        } set;
        struct {
            char *feature; /* owned */
        } include;
    } u;
};

/* One template file in the cache. */
struct tpl_template {
    char *key;     /* "<vendor>/<feature>.xml" or "<vendor>/<feature>.cli.xml"; owned */
    uint32_t hash; /* of key */
    int text;      /* 1 for a .cli.xml text template */
    char *path;    /* the file on the search path; NULL means known to be missing; owned */
    xmlDocPtr doc; /* the parsed file once loaded, else NULL; ops borrow from it */
    struct tpl_block body;
};

struct tpl_render;

struct tpl_engine {
    char **dirs; /* the search path, in order; owned */
    size_t n_dirs;
    struct tpl_template **cache; /* every template looked up so far, found or not */
    size_t n_cache;
    size_t cap_cache;
    xmlXPathContextPtr xp;  /* shared by compile and render; owned */
    struct tpl_render *st;  /* the render in progress, for the variable callback */
    struct tpl_stats stats;
};

/* A variable set by <?set?>, visible to the end of the block that set it. */
struct tpl_var {
    const char *name;       /* borrowed from the op */
    xmlXPathObjectPtr val;  /* owned */
};

/* The state of one render call. */
struct tpl_render {
    struct tpl_engine *eng;
    const char *vendor;  /* borrowed */
    int text;            /* rendering a text template */
    xmlDocPtr out_doc;   /* XML mode: the output document */
    xmlDocPtr ir_doc;    /* the IR document */
    xmlNodePtr node;     /* the XPath context node */
    int pos;             /* its position()... */
    int size;            /* ...and last() */
    struct tpl_var *vars; /* kept in set order; lookups search from the end */
    size_t n_vars;
    size_t cap_vars;
    const struct tpl_template *stack[TPL_INCLUDE_DEPTH_MAX]; /* [0] is the rendered one */
    size_t depth;
    size_t elem_depth;     /* output elements (or lines) open around the current op */
    struct buf scratch;     /* XML mode: a value being built */
    struct buf line;        /* text mode: the line being built */
    struct buf out;         /* text mode: the finished lines */
    long steps;             /* ops executed so far, bounded by TPL_STEPS_MAX */
    char missing_var[128];  /* set by the lookup callback for an unknown variable */
    int lookup_oom;         /* set by the lookup callback when a copy failed */
    struct tpl_error *err;
};

/* Compile-time state. */
struct tpl_compiler {
    struct tpl_engine *eng;
    struct tpl_template *tpl;
    struct tpl_error *err;
};

/* Where a sequence of template nodes sits, which decides what it may contain. */
enum tpl_where {
    TPL_IN_XML,  /* an XML template body or element */
    TPL_IN_CLI,  /* the body of a text template's <cli> root: lines and instructions */
    TPL_IN_LINE  /* inside a <line>: text and instructions except include */
};

enum tpl_pi {
    TPL_PI_FOREACH,
    TPL_PI_IF,
    TPL_PI_ELIF,
    TPL_PI_ELSE,
    TPL_PI_END,
    TPL_PI_SET,
    TPL_PI_INCLUDE,
    TPL_PI_UNKNOWN
};

/* The first error libxml2's parser reports for a template (the last one is often only a
 * consequence, e.g. "Premature end of data" at the end of the file). */
struct tpl_parse_error {
    int set;
    int code;
    int line;
    char msg[256];
};

/* Saved libxml2 global error handlers, restored at the end of a public call. */
struct tpl_quiet {
    xmlGenericErrorFunc generic;
    void *generic_ctx;
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
};

static void tpl_block_clear(struct tpl_block *b);

/* ------------------------------------------------------------------------------------ */
/* Small helpers                                                                          */

/*
 * Fill the error record and return @code. The one check-and-report helper of this file:
 * every failure goes through it so that file, line and expression are never forgotten.
 */
static nst_err
tpl_fail(struct tpl_error *err, nst_err code, const char *file, long line, const char *expr,
         const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static nst_err
tpl_fail(struct tpl_error *err, nst_err code, const char *file, long line, const char *expr,
         const char *fmt, ...)
{
    va_list ap;

    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    snprintf(err->expr, sizeof err->expr, "%s", expr ? expr : "");
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

/* Out of memory is reported like any other error, naming where it happened. */
static nst_err
tpl_oom(struct tpl_error *err, const char *file, long line)
{
    return tpl_fail(err, NST_ENOMEM, file, line, NULL, "out of memory");
}

static int
tpl_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int
tpl_all_space(const char *s)
{
    for (; *s; s++) {
        if (!tpl_is_space(*s)) {
            return 0;
        }
    }
    return 1;
}

static int
tpl_is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/*
 * A vendor or feature name: it becomes a path component, so only [A-Za-z0-9_] first,
 * then [A-Za-z0-9_.-], no "..", bounded length. Nothing can climb out of a search dir.
 */
static int
tpl_name_ok(const char *s)
{
    size_t i;

    if (!s || !(tpl_is_alnum(s[0]) || s[0] == '_')) {
        return 0;
    }
    for (i = 1; s[i]; i++) {
        if (i >= TPL_NAME_MAX) {
            return 0;
        }
        if (!(tpl_is_alnum(s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.')) {
            return 0;
        }
    }
    return strstr(s, "..") == NULL;
}

/* An XPath variable name as <?set?> accepts it: [A-Za-z_][A-Za-z0-9_.-]*. */
static size_t
tpl_varname_len(const char *s)
{
    size_t i;

    if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
        return 0;
    }
    for (i = 1; tpl_is_alnum(s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'; i++) {
    }
    return i;
}


/*
 * Check that a substituted value can be carried: well-formed UTF-8 of characters that
 * XML 1.0 allows (no C0 controls other than tab, LF, CR; no U+FFFE/U+FFFF; no
 * surrogates). In text mode no control character at all (C0, DEL, C1), so a value can
 * never end a CLI line or emit terminal escapes. Returns NULL when fine, else why not
 * (a static string) with the offending code point in *cp.
 */
static const char *
tpl_value_bad(const char *s, size_t len, int text, unsigned long *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k, n;
    unsigned long c, min;

    while (i < len) {
        c = p[i];
        if (c < 0x80) {
            n = 1;
            min = 0;
        } else if ((c & 0xE0) == 0xC0) {
            n = 2;
            c &= 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3;
            c &= 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4;
            c &= 0x07;
            min = 0x10000;
        } else {
            *cp = c;
            return "is not valid UTF-8";
        }
        if (i + n > len) {
            *cp = p[i];
            return "is not valid UTF-8";
        }
        for (k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                *cp = p[i];
                return "is not valid UTF-8";
            }
            c = (c << 6) | (p[i + k] & 0x3F);
        }
        *cp = c;
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            return "is not valid UTF-8";
        }
        if (text && (c < 0x20 || (c >= 0x7F && c <= 0x9F))) {
            return "contains a newline or control character, which a CLI line cannot carry";
        }
        if ((c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) || c == 0xFFFE || c == 0xFFFF) {
            return "contains a character XML 1.0 cannot carry";
        }
        i += n;
    }
    return NULL;
}

static const char *
tpl_xpath_strerror(int code)
{
    switch (code - XML_XPATH_EXPRESSION_OK) {
    case XPATH_NUMBER_ERROR:
        return "malformed number";
    case XPATH_UNFINISHED_LITERAL_ERROR:
        return "unfinished string literal";
    case XPATH_START_LITERAL_ERROR:
        return "string literal expected";
    case XPATH_VARIABLE_REF_ERROR:
        return "malformed variable reference";
    case XPATH_UNDEF_VARIABLE_ERROR:
        return "unknown variable";
    case XPATH_INVALID_PREDICATE_ERROR:
        return "invalid predicate";
    case XPATH_EXPR_ERROR:
        return "invalid expression";
    case XPATH_UNCLOSED_ERROR:
        return "missing closing bracket";
    case XPATH_UNKNOWN_FUNC_ERROR:
        return "unknown function (only XPath 1.0 core functions exist)";
    case XPATH_INVALID_OPERAND:
        return "invalid operand";
    case XPATH_INVALID_TYPE:
        return "wrong argument type";
    case XPATH_INVALID_ARITY:
        return "wrong number of function arguments";
    case XPATH_INVALID_CTXT_SIZE:
    case XPATH_INVALID_CTXT_POSITION:
        return "invalid context";
    case XPATH_MEMORY_ERROR:
        return "out of memory";
    case XPATH_UNDEF_PREFIX_ERROR:
        return "undefined namespace prefix (the IR has no namespaces)";
    case XPATH_ENCODING_ERROR:
        return "encoding error";
    case XPATH_INVALID_CHAR_ERROR:
        return "invalid character";
    default:
        return "XPath error";
    }
}

static void
tpl_silent_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void
tpl_silent_structured(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

static void
tpl_first_error(void *ctx, xmlErrorPtr e)
{
    struct tpl_parse_error *first = ctx;
    size_t len;

    if (first->set || !e || e->level < XML_ERR_ERROR) {
        return;
    }
    first->set = 1;
    first->code = e->code;
    first->line = e->line;
    snprintf(first->msg, sizeof first->msg, "%s", e->message ? e->message : "malformed XML");
    len = strlen(first->msg);
    while (len && tpl_is_space(first->msg[len - 1])) {
        first->msg[--len] = '\0';
    }
}

/*
 * libxml2 prints some errors itself (e.g. "xmlXPathCompOpEval: function foo not found")
 * through its per-thread generic handler. The engine never prints: silence the handlers
 * for the duration of a public call and restore them after.
 */
static void
tpl_quiet_begin(struct tpl_quiet *q)
{
    q->generic = xmlGenericError;
    q->generic_ctx = xmlGenericErrorContext;
    q->structured = xmlStructuredError;
    q->structured_ctx = xmlStructuredErrorContext;
    xmlSetGenericErrorFunc(NULL, tpl_silent_generic);
    xmlSetStructuredErrorFunc(NULL, tpl_silent_structured);
}

static void
tpl_quiet_end(const struct tpl_quiet *q)
{
    xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
    xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
}

/* ------------------------------------------------------------------------------------ */
/* Releasing compiled templates                                                          */

static void tpl_bool_free(struct tpl_bool *b);

static void
tpl_part_clear(struct tpl_part *p)
{
    nst_free(p->text);
    nst_free(p->fast_buf);
    tpl_bool_free(p->fast_bool);
    if (p->comp) {
        xmlXPathFreeCompExpr(p->comp);
    }
    memset(p, 0, sizeof *p);
}

static void
tpl_str_clear(struct tpl_str *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        tpl_part_clear(&s->parts[i]);
    }
    nst_free(s->parts);
    s->parts = NULL;
    s->n = 0;
}

static void
tpl_op_clear(struct tpl_op *op)
{
    size_t i;

    switch (op->kind) {
    case TPL_OP_ELEMENT:
    case TPL_OP_LINE:
        nst_free(op->u.elem.ns);
        for (i = 0; i < op->u.elem.n_attrs; i++) {
            tpl_str_clear(&op->u.elem.attrs[i].value);
        }
        nst_free(op->u.elem.attrs);
        tpl_block_clear(&op->u.elem.body);
        break;
    case TPL_OP_TEXT:
        tpl_str_clear(&op->u.text);
        break;
    case TPL_OP_FOREACH:
        tpl_part_clear(&op->u.loop.expr);
        tpl_block_clear(&op->u.loop.body);
        break;
    case TPL_OP_IF:
        for (i = 0; i < op->u.cond.n; i++) {
            tpl_part_clear(&op->u.cond.br[i].cond);
            tpl_block_clear(&op->u.cond.br[i].body);
        }
        nst_free(op->u.cond.br);
        break;
    case TPL_OP_SET:
        nst_free(op->u.set.name);
        tpl_str_clear(&op->u.set.value);
        break;
    case TPL_OP_INCLUDE:
        nst_free(op->u.include.feature);
        break;
    }
    memset(op, 0, sizeof *op);
}

static void
tpl_block_clear(struct tpl_block *b)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        tpl_op_clear(&b->ops[i]);
    }
    nst_free(b->ops);
    b->ops = NULL;
    b->n = 0;
}

static void
tpl_template_free(struct tpl_template *tpl)
{
    if (!tpl) {
        return;
    }
    tpl_block_clear(&tpl->body);
    if (tpl->doc) {
        xmlFreeDoc(tpl->doc);
    }
    nst_free(tpl->key);
    nst_free(tpl->path);
    nst_free(tpl);
}

/* ------------------------------------------------------------------------------------ */
/* Compiling                                                                              */

/* Append *op to the block; on success *op is moved (zeroed), on failure left to the caller. */
static nst_err
tpl_block_push(struct tpl_block *b, struct tpl_op *op)
{
    struct tpl_op *ops;

    ops = nst_realloc(b->ops, (b->n + 1) * sizeof *ops);
    if (!ops) {
        return NST_ENOMEM;
    }
    b->ops = ops;
    b->ops[b->n++] = *op;
    memset(op, 0, sizeof *op);
    return NST_OK;
}

static nst_err
tpl_str_push(struct tpl_str *s, struct tpl_part *part)
{
    struct tpl_part *parts;

    parts = nst_realloc(s->parts, (s->n + 1) * sizeof *parts);
    if (!parts) {
        return NST_ENOMEM;
    }
    s->parts = parts;
    s->parts[s->n++] = *part;
    memset(part, 0, sizeof *part);
    return NST_OK;
}

/*
 * Find the '}' that closes an expression starting at @s (just after its '{'). Quotes are
 * honoured ('}' may appear in a string literal) and parentheses and brackets must balance
 * (libxml2 2.9 accepts "count(" at the end of an expression; we do not).
 */
static nst_err
tpl_scan_expr(struct tpl_compiler *c, const char *s, long line, size_t *end)
{
    char quote = 0;
    int paren = 0, bracket = 0;
    size_t i;

    for (i = 0; s[i]; i++) {
        if (quote) {
            if (s[i] == quote) {
                quote = 0;
            }
            continue;
        }
        switch (s[i]) {
        case '\'':
        case '"':
            quote = s[i];
            break;
        case '(':
            paren++;
            break;
        case ')':
            paren--;
            break;
        case '[':
            bracket++;
            break;
        case ']':
            bracket--;
            break;
        case '}':
            if (paren || bracket) {
                char *expr = nst_strndup(s, i);
                nst_err rc = tpl_fail(c->err, NST_EINPUT, c->tpl->path, line, expr ? expr : s,
                                      "unbalanced parentheses or brackets in expression");

                nst_free(expr);
                return rc;
            }
            *end = i;
            return NST_OK;
        default:
            break;
        }
    }
    return tpl_fail(c->err, NST_EINPUT, c->tpl->path, line, s,
                    quote ? "unterminated string literal in expression"
                          : "unterminated expression: '{' without '}' (write '{{' for a literal "
                            "'{')");
}

/* The length of the XPath name (an NCName of ASCII letters, digits, '_', '.', '-') at @s;
 * 0 when there is none, or when it is an operator's name. */
static size_t
tpl_fast_name(const char *s)
{
    size_t n = 0;

    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) {
        return 0;
    }
    while (tpl_is_alnum(s[n]) || s[n] == '_' || s[n] == '.' || s[n] == '-') {
        n++;
    }
    if ((n == 2 && !strncmp(s, "or", 2)) ||
        (n == 3 && (!strncmp(s, "and", 3) || !strncmp(s, "div", 3) || !strncmp(s, "mod", 3)))) {
        return 0;
    }
    return n;
}

/* Which simple form (enum tpl_fast) the expression @p->text is, if any, with its names. */
static nst_err
tpl_fast_classify(struct tpl_part *p)
{
    const char *s = p->text, *e = NULL, *a = NULL, *lit = NULL;
    size_t el = 0, al = 0, ll = 0, n;
    enum tpl_fast kind = TPL_FAST_NONE;
    int neg = 0;
    char q, *b;

    if (s[0] == '$' && (n = tpl_fast_name(s + 1)) && !s[1 + n]) {
        kind = TPL_FAST_VAR;
        e = s + 1;
        el = n;
    } else if (!strncmp(s, "../@", 4) && (n = tpl_fast_name(s + 4)) && !s[4 + n]) {
        kind = TPL_FAST_PARENT_ATTR;
        a = s + 4;
        al = n;
    } else {
        if (s[0] == '@' && (n = tpl_fast_name(s + 1))) {
            kind = TPL_FAST_ATTR;
            a = s + 1;
            al = n;
            s += 1 + n;
        } else if ((n = tpl_fast_name(s))) {
            e = s;
            el = n;
            s += n;
            kind = TPL_FAST_CHILD;
            if (s[0] == '/' && s[1] == '@' && (n = tpl_fast_name(s + 2))) {
                kind = TPL_FAST_CHILD_ATTR;
                a = s + 2;
                al = n;
                s += 2 + n;
            } else if (s[0] == '[' && s[1] == '@' && (n = tpl_fast_name(s + 2)) &&
                       s[2 + n] == ']' && !s[3 + n]) {
                kind = TPL_FAST_CHILD_HAS;
                a = s + 2;
                al = n;
                s += 3 + n;
            }
        } else {
            return NST_OK;
        }
        if (*s && (kind == TPL_FAST_ATTR || kind == TPL_FAST_CHILD_ATTR)) {
            /* a comparison with a string literal */
            while (*s == ' ') {
                s++;
            }
            if (s[0] == '!' && s[1] == '=') {
                neg = 1;
                s += 2;
            } else if (s[0] == '=') {
                s++;
            } else {
                return NST_OK;
            }
            while (*s == ' ') {
                s++;
            }
            q = *s;
            if ((q != '\'' && q != '"') || !strchr(s + 1, q)) {
                return NST_OK;
            }
            lit = s + 1;
            ll = (size_t)(strchr(lit, q) - lit);
            s = lit + ll + 1;
            kind = kind == TPL_FAST_ATTR ? TPL_FAST_ATTR_EQ : TPL_FAST_CHILD_ATTR_EQ;
        }
        if (*s) {
            return NST_OK;
        }
    }
    b = nst_malloc(el + al + ll + 3);
    if (!b) {
        return NST_ENOMEM;
    }
    p->fast_buf = b;
    memcpy(b, e ? e : "", el);
    b[el] = '\0';
    memcpy(b + el + 1, a ? a : "", al);
    b[el + 1 + al] = '\0';
    memcpy(b + el + al + 2, lit ? lit : "", ll);
    b[el + al + 2 + ll] = '\0';
    p->fast_e = b;
    p->fast_a = b + el + 1;
    p->fast_lit = b + el + al + 2;
    p->fast_neg = neg;
    p->fast = kind;
    return NST_OK;
}

static void
tpl_bool_free(struct tpl_bool *b)
{
    if (!b) {
        return;
    }
    tpl_bool_free(b->a);
    tpl_bool_free(b->b);
    tpl_part_clear(&b->form);
    nst_free(b->lit);
    nst_free(b);
}

/* Where the top-level " @word " (outside quotes and parentheses) first is in s[0..len),
 * or NULL. */
static const char *
tpl_bool_split(const char *s, size_t len, const char *word)
{
    size_t i, wl = strlen(word);
    int depth = 0;
    char q = 0;

    for (i = 0; i < len; i++) {
        if (q) {
            q = s[i] == q ? 0 : q;
        } else if (s[i] == '\'' || s[i] == '"') {
            q = s[i];
        } else if (s[i] == '(' || s[i] == '[') {
            depth++;
        } else if (s[i] == ')' || s[i] == ']') {
            depth--;
        } else if (!depth && s[i] == ' ' && i + wl + 2 <= len && !strncmp(s + i + 1, word, wl) &&
                   s[i + 1 + wl] == ' ') {
            return s + i;
        }
    }
    return NULL;
}

/* s[0..len) is "(" ... ")" with the first parenthesis closed by the last. */
static int
tpl_bool_wrapped(const char *s, size_t len)
{
    size_t i;
    int depth = 0;
    char q = 0;

    if (len < 2 || s[0] != '(' || s[len - 1] != ')') {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (q) {
            q = s[i] == q ? 0 : q;
        } else if (s[i] == '\'' || s[i] == '"') {
            q = s[i];
        } else if (s[i] == '(') {
            depth++;
        } else if (s[i] == ')' && --depth == 0 && i + 1 < len) {
            return 0;
        }
    }
    return depth == 0;
}

/* A node-set form s[0..len) into @form; 0 when it is not one. */
static int
tpl_bool_form(const char *s, size_t len, struct tpl_part *form)
{
    memset(form, 0, sizeof *form);
    form->text = nst_strndup(s, len);
    if (!form->text || tpl_fast_classify(form)) {
        tpl_part_clear(form);
        return -1;
    }
    if (form->fast == TPL_FAST_NONE || form->fast == TPL_FAST_VAR ||
        form->fast == TPL_FAST_ATTR_EQ || form->fast == TPL_FAST_CHILD_ATTR_EQ) {
        tpl_part_clear(form);
        return 0;
    }
    return 1;
}

/* A decimal literal as XPath reads it: digits, at most one '.', no sign. */
static int
tpl_bool_number(const char *s, size_t len)
{
    size_t i, dots = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '.') {
            dots++;
        } else if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return len > dots && dots <= 1;
}

/* The condition s[0..len) as a tree (*out), or *out NULL when it is not one of those
 * tpl_bool answers. NST_ENOMEM only. */
static nst_err
tpl_bool_parse(const char *s, size_t len, struct tpl_bool **out)
{
    struct tpl_bool *b;
    const char *at, *sp;
    int r;

    *out = NULL;
    while (len && s[0] == ' ') {
        s++;
        len--;
    }
    while (len && s[len - 1] == ' ') {
        len--;
    }
    if (!len) {
        return NST_OK;
    }
    b = nst_calloc(1, sizeof *b);
    if (!b) {
        return NST_ENOMEM;
    }
    if ((at = tpl_bool_split(s, len, "or")) || (at = tpl_bool_split(s, len, "and"))) {
        size_t wl = at[1] == 'o' ? 2 : 3;

        b->kind = wl == 2 ? TPL_B_OR : TPL_B_AND;
        if (tpl_bool_parse(s, (size_t)(at - s), &b->a) ||
            tpl_bool_parse(at + wl + 2, len - (size_t)(at - s) - wl - 2, &b->b)) {
            tpl_bool_free(b);
            return NST_ENOMEM;
        }
        if (!b->a || !b->b) {
            tpl_bool_free(b);
            return NST_OK;
        }
        *out = b;
        return NST_OK;
    }
    if (len > 4 && !strncmp(s, "not(", 4) && tpl_bool_wrapped(s + 3, len - 3)) {
        b->kind = TPL_B_NOT;
        if (tpl_bool_parse(s + 4, len - 5, &b->a)) {
            tpl_bool_free(b);
            return NST_ENOMEM;
        }
        if (!b->a) {
            tpl_bool_free(b);
            return NST_OK;
        }
        *out = b;
        return NST_OK;
    }
    if (tpl_bool_wrapped(s, len)) {
        nst_free(b);
        return tpl_bool_parse(s + 1, len - 2, out);
    }
    b->kind = TPL_B_ATOM;
    if (len > 18 && !strncmp(s, "string-length(", 14) && !strncmp(s + len - 5, ") > 0", 5)) {
        b->op = 'L';
        r = tpl_bool_form(s + 14, len - 19, &b->form);
    } else {
        sp = memchr(s, ' ', len);
        r = tpl_bool_form(s, sp ? (size_t)(sp - s) : len, &b->form);
        if (r > 0 && sp) {
            const char *o = sp + 1, *v;
            size_t rest = len - (size_t)(o - s), ol;

            ol = rest >= 2 && o[0] == '!' && o[1] == '=' ? 2 : 1;
            b->op = ol == 2 ? '!' : o[0];
            if ((b->op != '=' && b->op != '!' && b->op != '<' && b->op != '>') || rest < ol + 2 ||
                o[ol] != ' ') {
                r = 0;
            } else {
                v = o + ol + 1;
                rest -= ol + 1;
                if (rest >= 2 && (v[0] == '\'' || v[0] == '"') && v[rest - 1] == v[0] &&
                    !memchr(v + 1, v[0], rest - 2) && (b->op == '=' || b->op == '!')) {
                    b->lit = nst_strndup(v + 1, rest - 2);
                    r = b->lit ? 1 : -1;
                } else if (tpl_bool_number(v, rest)) {
                    b->lit = nst_strndup(v, rest);
                    r = b->lit ? 1 : -1;
                    b->numeric = 1;
                    b->num = b->lit ? xmlXPathCastStringToNumber((const xmlChar *)b->lit) : 0;
                } else {
                    r = 0;
                }
            }
        }
    }
    if (r <= 0) {
        tpl_bool_free(b);
        return r < 0 ? NST_ENOMEM : NST_OK;
    }
    *out = b;
    return NST_OK;
}

/* Compile the expression src[0..len) (whitespace around it is dropped) into @out. */
static nst_err
tpl_part_expr(struct tpl_compiler *c, const char *src, size_t len, long line,
              struct tpl_part *out)
{
    xmlXPathContextPtr xp = c->eng->xp;
    int code;

    while (len && tpl_is_space(*src)) {
        src++;
        len--;
    }
    while (len && tpl_is_space(src[len - 1])) {
        len--;
    }
    memset(out, 0, sizeof *out);
    out->line = line;
    if (!len) {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, line, "",
                        "empty expression '{}' (write '{{' for a literal '{')");
    }
    out->text = nst_strndup(src, len);
    if (!out->text) {
        return tpl_oom(c->err, c->tpl->path, line);
    }
    out->len = len;
    xmlResetError(&xp->lastError);
    out->comp = xmlXPathCtxtCompile(xp, (const xmlChar *)out->text);
    if (!out->comp) {
        code = xp->lastError.code;
        if (code == XML_ERR_OK || code - XML_XPATH_EXPRESSION_OK == XPATH_MEMORY_ERROR) {
            tpl_fail(c->err, NST_ENOMEM, c->tpl->path, line, out->text,
                     "cannot compile expression: out of memory");
            tpl_part_clear(out);
            return NST_ENOMEM;
        }
        tpl_fail(c->err, NST_EINPUT, c->tpl->path, line, out->text,
                 "XPath syntax error: %s at offset %d", tpl_xpath_strerror(code),
                 xp->lastError.int1);
        tpl_part_clear(out);
        return NST_EINPUT;
    }
    c->eng->stats.xpath_compiled++;
    if (tpl_fast_classify(out) ||
        (!out->fast && tpl_bool_parse(out->text, out->len, &out->fast_bool))) {
        tpl_part_clear(out);
        return tpl_oom(c->err, c->tpl->path, line);
    }
    return NST_OK;
}

/* Move the literal collected in @lit into a part of @out. */
static nst_err
tpl_str_flush(struct tpl_str *out, struct buf *lit, long line)
{
    struct tpl_part part = {0};

    part.text = lit->p;
    part.len = lit->len;
    part.line = line;
    if (tpl_str_push(out, &part)) {
        return NST_ENOMEM;
    }
    lit->p = NULL;
    lit->len = lit->cap = 0;
    return NST_OK;
}

/*
 * Parse a text or attribute value: literal text with `{xpath}` expressions, `{{` for a
 * literal `{`. @line is the line @s starts on; @no_newline refuses line breaks in the
 * literal parts (inside a <line>).
 */
static nst_err
tpl_str_parse(struct tpl_compiler *c, const char *s, long line, int no_newline,
              struct tpl_str *out)
{
    struct buf lit = {0};
    struct tpl_part part = {0};
    size_t i = 0, end, k;
    nst_err rc = NST_OK;

    memset(out, 0, sizeof *out);
    while (s[i]) {
        if (s[i] == '{' && s[i + 1] != '{') {
            rc = tpl_scan_expr(c, s + i + 1, line, &end);
            if (rc) {
                goto cleanup;
            }
            if (lit.len && tpl_str_flush(out, &lit, line)) {
                rc = tpl_oom(c->err, c->tpl->path, line);
                goto cleanup;
            }
            rc = tpl_part_expr(c, s + i + 1, end, line, &part);
            if (rc) {
                goto cleanup;
            }
            if (tpl_str_push(out, &part)) {
                rc = tpl_oom(c->err, c->tpl->path, line);
                goto cleanup;
            }
            for (k = i + 1; k < i + 1 + end; k++) {
                line += s[k] == '\n';
            }
            i += end + 2;
            continue;
        }
        if ((s[i] == '\n' || s[i] == '\r') && no_newline) {
            rc = tpl_fail(c->err, NST_EINPUT, c->tpl->path, line, NULL,
                          "a <line> must not contain a line break");
            goto cleanup;
        }
        line += s[i] == '\n';
        /* "{{" is a literal '{': keep one, skip the other. */
        if (buf_add(&lit, s + i, 1)) {
            rc = tpl_oom(c->err, c->tpl->path, line);
            goto cleanup;
        }
        i += s[i] == '{' ? 2 : 1;
    }
    if (lit.len && tpl_str_flush(out, &lit, line)) {
        rc = tpl_oom(c->err, c->tpl->path, line);
        goto cleanup;
    }
    return NST_OK;

cleanup:
    tpl_part_clear(&part);
    buf_clear(&lit);
    tpl_str_clear(out);
    return rc;
}

static enum tpl_pi
tpl_pi_kind(const xmlChar *name)
{
    static const struct {
        const char *name;
        enum tpl_pi kind;
    } pis[] = {
        {"foreach", TPL_PI_FOREACH}, {"if", TPL_PI_IF},   {"elif", TPL_PI_ELIF},
        {"else", TPL_PI_ELSE},       {"end", TPL_PI_END}, {"set", TPL_PI_SET},
        {"include", TPL_PI_INCLUDE},
    };
    size_t i;

    for (i = 0; i < sizeof pis / sizeof pis[0]; i++) {
        if (!strcmp((const char *)name, pis[i].name)) {
            return pis[i].kind;
        }
    }
    return TPL_PI_UNKNOWN;
}

static const char *
tpl_pi_content(xmlNodePtr n)
{
    return n->content ? (const char *)n->content : "";
}

/* Compile the argument of <?foreach?>, <?if?>, <?elif?>: exactly one `{xpath}`. */
static nst_err
tpl_pi_expr(struct tpl_compiler *c, xmlNodePtr n, struct tpl_part *out)
{
    const char *s = tpl_pi_content(n), *p = s;
    long line = xmlGetLineNo(n);
    size_t end;
    nst_err rc;

    while (tpl_is_space(*p)) {
        p++;
    }
    if (*p != '{' || p[1] == '{') {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, line, s,
                        "malformed <?%s?>: expected <?%s {xpath}?>", (const char *)n->name,
                        (const char *)n->name);
    }
    rc = tpl_scan_expr(c, p + 1, line, &end);
    if (rc) {
        return rc;
    }
    if (!tpl_all_space(p + 1 + end + 1)) {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, line, s,
                        "malformed <?%s?>: text after the expression", (const char *)n->name);
    }
    return tpl_part_expr(c, p + 1, end, line, out);
}

/* <?else?> and <?end?> take no argument. */
static nst_err
tpl_pi_bare(struct tpl_compiler *c, xmlNodePtr n)
{
    if (!tpl_all_space(tpl_pi_content(n))) {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, xmlGetLineNo(n), tpl_pi_content(n),
                        "malformed <?%s?>: it takes no argument", (const char *)n->name);
    }
    return NST_OK;
}

/* Report a block terminator (<?end?>, <?elif?>, <?else?>) that closes nothing. */
static nst_err
tpl_stray(struct tpl_compiler *c, xmlNodePtr n)
{
    if (tpl_pi_kind(n->name) == TPL_PI_END) {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, xmlGetLineNo(n), tpl_pi_content(n),
                        "unbalanced <?end?>: no open <?foreach?> or <?if?> in this element");
    }
    return tpl_fail(c->err, NST_EINPUT, c->tpl->path, xmlGetLineNo(n), tpl_pi_content(n),
                    "<?%s?> without <?if?> in this element", (const char *)n->name);
}

static nst_err tpl_compile_seq(struct tpl_compiler *c, xmlNodePtr first, enum tpl_where where,
                               struct tpl_block *out, xmlNodePtr *stop);

/* <?foreach {x}?> body <?end?>; *next is the node after the <?end?>. */
static nst_err
tpl_compile_foreach(struct tpl_compiler *c, xmlNodePtr n, enum tpl_where where,
                    struct tpl_op *op, xmlNodePtr *next)
{
    xmlNodePtr stop;
    nst_err rc;

    op->kind = TPL_OP_FOREACH;
    rc = tpl_pi_expr(c, n, &op->u.loop.expr);
    if (rc) {
        return rc;
    }
    rc = tpl_compile_seq(c, n->next, where, &op->u.loop.body, &stop);
    if (rc) {
        return rc;
    }
    if (!stop) {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, op->line, tpl_pi_content(n),
                        "unbalanced <?foreach?>: no matching <?end?> in this element");
    }
    if (tpl_pi_kind(stop->name) != TPL_PI_END) {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, xmlGetLineNo(stop),
                        tpl_pi_content(stop), "<?%s?> inside <?foreach?> without <?if?>",
                        (const char *)stop->name);
    }
    *next = stop->next;
    return tpl_pi_bare(c, stop);
}

/* <?if {x}?> body [<?elif {y}?> body]... [<?else?> body] <?end?>. */
static nst_err
tpl_compile_if(struct tpl_compiler *c, xmlNodePtr n, enum tpl_where where, struct tpl_op *op,
               xmlNodePtr *next)
{
    struct tpl_branch br, *brs;
    xmlNodePtr head = n, stop;
    enum tpl_pi kind;
    int saw_else = 0;
    nst_err rc;

    op->kind = TPL_OP_IF;
    for (;;) {
        memset(&br, 0, sizeof br);
        if (!saw_else) {
            rc = tpl_pi_expr(c, head, &br.cond);
            if (rc) {
                return rc;
            }
        }
        rc = tpl_compile_seq(c, head->next, where, &br.body, &stop);
        if (!rc) {
            brs = nst_realloc(op->u.cond.br, (op->u.cond.n + 1) * sizeof *brs);
            if (brs) {
                op->u.cond.br = brs;
                brs[op->u.cond.n++] = br;
                memset(&br, 0, sizeof br);
            } else {
                rc = tpl_oom(c->err, c->tpl->path, xmlGetLineNo(head));
            }
        }
        if (rc) {
            tpl_part_clear(&br.cond);
            tpl_block_clear(&br.body);
            return rc;
        }
        if (!stop) {
            return tpl_fail(c->err, NST_EINPUT, c->tpl->path, op->line, tpl_pi_content(n),
                            "unbalanced <?if?>: no matching <?end?> in this element");
        }
        kind = tpl_pi_kind(stop->name);
        if (kind == TPL_PI_END) {
            *next = stop->next;
            return tpl_pi_bare(c, stop);
        }
        if (saw_else) {
            return tpl_fail(c->err, NST_EINPUT, c->tpl->path, xmlGetLineNo(stop),
                            tpl_pi_content(stop), "<?%s?> after <?else?>",
                            (const char *)stop->name);
        }
        if (kind == TPL_PI_ELSE) {
            rc = tpl_pi_bare(c, stop);
            if (rc) {
                return rc;
            }
            saw_else = 1;
        }
        head = stop;
    }
}

/* <?set NAME=value?>: value is a text value (literals and {xpath}). */
static nst_err
tpl_compile_set(struct tpl_compiler *c, xmlNodePtr n, struct tpl_op *op)
{
    const char *s = tpl_pi_content(n), *p = s, *v;
    size_t len, vlen;
    char *value;
    nst_err rc;

    op->kind = TPL_OP_SET;
    while (tpl_is_space(*p)) {
        p++;
    }
    len = tpl_varname_len(p);
    v = p + len;
    while (tpl_is_space(*v)) {
        v++;
    }
    if (!len || *v != '=') {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, op->line, s,
                        "malformed <?set?>: expected <?set NAME={xpath}?> with NAME matching "
                        "[A-Za-z_][A-Za-z0-9_.-]*");
    }
    op->u.set.name = nst_strndup(p, len);
    if (!op->u.set.name) {
        return tpl_oom(c->err, c->tpl->path, op->line);
    }
    v++;
    while (tpl_is_space(*v)) {
        v++;
    }
    vlen = strlen(v);
    while (vlen && tpl_is_space(v[vlen - 1])) {
        vlen--;
    }
    value = nst_strndup(v, vlen);
    if (!value) {
        return tpl_oom(c->err, c->tpl->path, op->line);
    }
    rc = tpl_str_parse(c, value, op->line, 0, &op->u.set.value);
    nst_free(value);
    return rc;
}

/* <?include feature?>: checked for syntax here, resolved when rendered. */
static nst_err
tpl_compile_include(struct tpl_compiler *c, xmlNodePtr n, enum tpl_where where,
                    struct tpl_op *op)
{
    const char *s = tpl_pi_content(n), *p = s;
    size_t len;

    op->kind = TPL_OP_INCLUDE;
    if (where == TPL_IN_LINE) {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, op->line, s,
                        "<?include?> is not allowed inside a <line>");
    }
    while (tpl_is_space(*p)) {
        p++;
    }
    len = strlen(p);
    while (len && tpl_is_space(p[len - 1])) {
        len--;
    }
    op->u.include.feature = nst_strndup(p, len);
    if (!op->u.include.feature) {
        return tpl_oom(c->err, c->tpl->path, op->line);
    }
    if (!tpl_name_ok(op->u.include.feature)) {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, op->line, s,
                        "malformed <?include?>: expected <?include FEATURE?> with FEATURE "
                        "matching [A-Za-z0-9_][A-Za-z0-9_.-]*");
    }
    return NST_OK;
}

/* Add a binding to an element's list unless its prefix is already there (inner wins). */
static nst_err
tpl_nsdecl_add(struct tpl_op *op, const xmlNs *ns)
{
    struct tpl_nsdecl *decls;
    size_t i;

    if (ns->prefix && !strcmp((const char *)ns->prefix, "xml")) {
        return NST_OK;
    }
    for (i = 0; i < op->u.elem.n_ns; i++) {
        if (xmlStrEqual(op->u.elem.ns[i].prefix, ns->prefix)) {
            return NST_OK;
        }
    }
    decls = nst_realloc(op->u.elem.ns, (op->u.elem.n_ns + 1) * sizeof *decls);
    if (!decls) {
        return NST_ENOMEM;
    }
    op->u.elem.ns = decls;
    decls[op->u.elem.n_ns].prefix = ns->prefix;
    decls[op->u.elem.n_ns].href = ns->href ? ns->href : (const xmlChar *)"";
    op->u.elem.n_ns++;
    return NST_OK;
}

/*
 * A literal output element. The bindings it must have in scope are its own xmlns
 * declarations and, for an element directly under the template root, the root's (which
 * is not emitted): deeper elements inherit the rest from their emitted parent. At render
 * time a binding already in scope in the output is not declared again.
 */
static nst_err
tpl_compile_element(struct tpl_compiler *c, xmlNodePtr n, struct tpl_op *op)
{
    xmlAttrPtr a;
    xmlNsPtr ns;
    xmlChar *value;
    xmlNodePtr stop;
    struct tpl_attr *attrs;
    nst_err rc;

    op->kind = TPL_OP_ELEMENT;
    op->u.elem.name = n->name;
    if (n->ns) {
        op->u.elem.prefix = n->ns->prefix;
        op->u.elem.href = n->ns->href;
    }
    for (ns = n->nsDef; ns; ns = ns->next) {
        if (tpl_nsdecl_add(op, ns)) {
            return tpl_oom(c->err, c->tpl->path, op->line);
        }
    }
    if (n->parent && n->parent->parent && n->parent->parent->type == XML_DOCUMENT_NODE) {
        for (ns = n->parent->nsDef; ns; ns = ns->next) {
            if (tpl_nsdecl_add(op, ns)) {
                return tpl_oom(c->err, c->tpl->path, op->line);
            }
        }
    }
    for (a = n->properties; a; a = a->next) {
        attrs = nst_realloc(op->u.elem.attrs, (op->u.elem.n_attrs + 1) * sizeof *attrs);
        if (!attrs) {
            return tpl_oom(c->err, c->tpl->path, op->line);
        }
        op->u.elem.attrs = attrs;
        memset(&attrs[op->u.elem.n_attrs], 0, sizeof *attrs);
        attrs[op->u.elem.n_attrs].name = a->name;
        if (a->ns) {
            attrs[op->u.elem.n_attrs].prefix = a->ns->prefix;
            attrs[op->u.elem.n_attrs].href = a->ns->href;
        }
        value = xmlNodeGetContent((xmlNodePtr)a);
        if (!value) {
            return tpl_oom(c->err, c->tpl->path, op->line);
        }
        rc = tpl_str_parse(c, (const char *)value, op->line, 0,
                           &attrs[op->u.elem.n_attrs].value);
        xmlFree(value);
        if (rc) {
            return rc;
        }
        op->u.elem.n_attrs++;
    }
    rc = tpl_compile_seq(c, n->children, TPL_IN_XML, &op->u.elem.body, &stop);
    if (!rc && stop) {
        rc = tpl_stray(c, stop);
    }
    return rc;
}

/* A <line> of a text template: text and instructions, no attributes. */
static nst_err
tpl_compile_line(struct tpl_compiler *c, xmlNodePtr n, struct tpl_op *op)
{
    xmlNodePtr stop;
    nst_err rc;

    op->kind = TPL_OP_LINE;
    if (strcmp((const char *)n->name, "line")) {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, op->line, NULL,
                        "unexpected element <%s>: a text template holds <line> elements",
                        (const char *)n->name);
    }
    if (n->properties) {
        return tpl_fail(c->err, NST_EINPUT, c->tpl->path, op->line, NULL,
                        "<line> takes no attributes");
    }
    rc = tpl_compile_seq(c, n->children, TPL_IN_LINE, &op->u.elem.body, &stop);
    if (!rc && stop) {
        rc = tpl_stray(c, stop);
    }
    return rc;
}

/*
 * Line of a text node's first character. libxml2 records the line where the text node
 * was created (where its first chunk ended), so step back over its line breaks, but not
 * before the parent's start tag.
 */
static long
tpl_text_line(xmlNodePtr n)
{
    long line = xmlGetLineNo(n), floor_line = n->parent ? xmlGetLineNo(n->parent) : 1;
    const xmlChar *p;

    for (p = n->content; p && *p; p++) {
        line -= *p == '\n';
    }
    if (line < floor_line) {
        line = floor_line;
    }
    return line < 1 ? 1 : line;
}

/*
 * Compile a sibling sequence starting at @first into @out, until the end of the sibling
 * list (*stop = NULL) or an <?end?>, <?elif?> or <?else?> (*stop = that node), which the
 * caller decides is legal or not. Blocks therefore never cross element boundaries.
 */
static nst_err
tpl_compile_seq(struct tpl_compiler *c, xmlNodePtr first, enum tpl_where where,
                struct tpl_block *out, xmlNodePtr *stop)
{
    struct tpl_op op;
    xmlNodePtr n = first, next;
    enum tpl_pi kind;
    const char *content, *p;
    long line;
    nst_err rc = NST_OK;

    *stop = NULL;
    while (n) {
        memset(&op, 0, sizeof op);
        op.line = xmlGetLineNo(n);
        next = n->next;
        switch (n->type) {
        case XML_ELEMENT_NODE:
            if (where == TPL_IN_LINE) {
                rc = tpl_fail(c->err, NST_EINPUT, c->tpl->path, op.line, NULL,
                              "element <%s> inside a <line>: a line holds only text",
                              (const char *)n->name);
            } else if (where == TPL_IN_CLI) {
                rc = tpl_compile_line(c, n, &op);
            } else {
                rc = tpl_compile_element(c, n, &op);
            }
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            content = n->content ? (const char *)n->content : "";
            if (where != TPL_IN_LINE && tpl_all_space(content)) {
                n = next;
                continue;
            }
            line = tpl_text_line(n);
            /* Report the text at its first visible character. */
            op.line = line;
            for (p = content; tpl_is_space(*p); p++) {
                op.line += *p == '\n';
            }
            if (where == TPL_IN_CLI) {
                rc = tpl_fail(c->err, NST_EINPUT, c->tpl->path, op.line, NULL,
                              "text outside a <line> in a text template");
                break;
            }
            op.kind = TPL_OP_TEXT;
            rc = tpl_str_parse(c, content, line, where == TPL_IN_LINE, &op.u.text);
            break;
        case XML_COMMENT_NODE:
            n = next;
            continue;
        case XML_PI_NODE:
            kind = tpl_pi_kind(n->name);
            switch (kind) {
            case TPL_PI_END:
            case TPL_PI_ELIF:
            case TPL_PI_ELSE:
                *stop = n;
                return NST_OK;
            case TPL_PI_FOREACH:
                rc = tpl_compile_foreach(c, n, where, &op, &next);
                break;
            case TPL_PI_IF:
                rc = tpl_compile_if(c, n, where, &op, &next);
                break;
            case TPL_PI_SET:
                rc = tpl_compile_set(c, n, &op);
                break;
            case TPL_PI_INCLUDE:
                rc = tpl_compile_include(c, n, where, &op);
                break;
            case TPL_PI_UNKNOWN:
                rc = tpl_fail(c->err, NST_EINPUT, c->tpl->path, op.line, tpl_pi_content(n),
                              "unknown instruction <?%s?>", (const char *)n->name);
                break;
            }
            break;
        default:
            rc = tpl_fail(c->err, NST_EINPUT, c->tpl->path, op.line, NULL,
                          "unsupported XML construct in a template (entity reference?)");
            break;
        }
        if (!rc && tpl_block_push(out, &op)) {
            rc = tpl_oom(c->err, c->tpl->path, op.line);
        }
        if (rc) {
            tpl_op_clear(&op);
            return rc;
        }
        n = next;
    }
    return NST_OK;
}

/* Read a whole file into memory (NUL-terminated), refusing absurd sizes. */
static nst_err
tpl_read_file(const char *path, struct buf *buf, struct tpl_error *err)
{
    FILE *f;
    char chunk[8192];
    size_t n;
    nst_err rc = NST_OK;

    f = fopen(path, "rb");
    if (!f) {
        return tpl_fail(err, NST_EIO, path, 0, NULL, "cannot open template: %s",
                        strerror(errno));
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf->len + n > (size_t)TPL_FILE_MAX) {
            rc = tpl_fail(err, NST_EINPUT, path, 0, NULL, "template larger than %ld bytes",
                          TPL_FILE_MAX);
            goto cleanup;
        }
        if (buf_add(buf, chunk, n)) {
            rc = tpl_oom(err, path, 0);
            goto cleanup;
        }
    }
    if (ferror(f)) {
        rc = tpl_fail(err, NST_EIO, path, 0, NULL, "cannot read template: %s", strerror(errno));
    }
cleanup:
    fclose(f);
    return rc;
}

/*
 * Read, parse and compile a cache entry's file. On failure the entry is left unloaded
 * (doc NULL, empty body), so a later call reports the error again.
 */
static nst_err
tpl_load(struct tpl_engine *eng, struct tpl_template *tpl, struct tpl_error *err)
{
    struct tpl_compiler c = {eng, tpl, err};
    struct buf buf = {0};
    struct tpl_parse_error first = {0};
    xmlParserCtxtPtr pctx = NULL;
    xmlNodePtr root, n, stop;
    const char *want = tpl->text ? "cli" : "template";
    nst_err rc;

    rc = tpl_read_file(tpl->path, &buf, err);
    if (rc) {
        goto cleanup;
    }
    pctx = xmlNewParserCtxt();
    if (!pctx) {
        rc = tpl_oom(err, tpl->path, 0);
        goto cleanup;
    }
    /* No network, no entity expansion (XML_PARSE_NOENT is not set), no error printing;
     * CDATA becomes plain text; line numbers beyond 65535 stay right. Parser errors go
     * to tpl_first_error for the duration (we run inside tpl_quiet_begin/end, which
     * restores the caller's handler afterwards). */
    xmlSetStructuredErrorFunc(&first, tpl_first_error);
    tpl->doc = xmlCtxtReadMemory(pctx, buf.p ? buf.p : "", (int)buf.len, tpl->path, NULL,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                     XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
    xmlSetStructuredErrorFunc(NULL, tpl_silent_structured);
    if (!tpl->doc || !pctx->wellFormed) {
        if (first.code == XML_ERR_NO_MEMORY) {
            rc = tpl_oom(err, tpl->path, 0);
            goto cleanup;
        }
        rc = tpl_fail(err, NST_EINPUT, tpl->path, first.set ? first.line : 0, NULL,
                      "template is not well-formed XML: %s",
                      first.set ? first.msg : "malformed XML");
        goto cleanup;
    }
    if (tpl->doc->intSubset || tpl->doc->extSubset) {
        rc = tpl_fail(err, NST_EINPUT, tpl->path, 1, NULL,
                      "a template must not have a DOCTYPE");
        goto cleanup;
    }
    for (n = tpl->doc->children; n; n = n->next) {
        if (n->type == XML_PI_NODE) {
            rc = tpl_fail(err, NST_EINPUT, tpl->path, xmlGetLineNo(n), tpl_pi_content(n),
                          "instruction <?%s?> outside the root element", (const char *)n->name);
            goto cleanup;
        }
    }
    root = xmlDocGetRootElement(tpl->doc);
    if (!root || strcmp((const char *)root->name, want)) {
        rc = tpl_fail(err, NST_EINPUT, tpl->path, root ? xmlGetLineNo(root) : 1, NULL,
                      "the root element of %s template must be <%s>",
                      tpl->text ? "a text (.cli.xml)" : "an XML", want);
        goto cleanup;
    }
    if (root->properties) {
        rc = tpl_fail(err, NST_EINPUT, tpl->path, xmlGetLineNo(root), NULL,
                      "<%s> takes no attributes", want);
        goto cleanup;
    }
    rc = tpl_compile_seq(&c, root->children, tpl->text ? TPL_IN_CLI : TPL_IN_XML, &tpl->body,
                         &stop);
    if (!rc && stop) {
        rc = tpl_stray(&c, stop);
    }
    if (!rc) {
        eng->stats.files_parsed++;
    }

cleanup:
    if (rc) {
        tpl_block_clear(&tpl->body);
        if (tpl->doc) {
            xmlFreeDoc(tpl->doc);
            tpl->doc = NULL;
        }
    }
    if (pctx) {
        xmlFreeParserCtxt(pctx);
    }
    buf_clear(&buf);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* The cache                                                                              */

/*
 * The cache entry for a template, created on first use by searching the path: the first
 * directory holding the file wins. A missing file is cached as such (path NULL). Does not
 * load. Returns NST_OK or NST_ENOMEM.
 */
static nst_err
tpl_resolve(struct tpl_engine *eng, const char *vendor, const char *feature, int text,
            struct tpl_template **out)
{
    struct tpl_template *tpl = NULL, **cache;
    struct stat sb;
    char *key, *path;
    uint32_t hash;
    size_t i;

    key = nst_asprintf("%s/%s%s", vendor, feature, text ? ".cli.xml" : ".xml");
    if (!key) {
        return NST_ENOMEM;
    }
    hash = util_fnv1a32_str(key);
    for (i = 0; i < eng->n_cache; i++) {
        if (eng->cache[i]->hash == hash && !strcmp(eng->cache[i]->key, key)) {
            nst_free(key);
            *out = eng->cache[i];
            return NST_OK;
        }
    }
    if (eng->n_cache == eng->cap_cache) {
        cache = nst_realloc(eng->cache, (eng->cap_cache ? 2 * eng->cap_cache : 16) *
                                            sizeof *cache);
        if (!cache) {
            nst_free(key);
            return NST_ENOMEM;
        }
        eng->cache = cache;
        eng->cap_cache = eng->cap_cache ? 2 * eng->cap_cache : 16;
    }
    tpl = nst_calloc(1, sizeof *tpl);
    if (!tpl) {
        nst_free(key);
        return NST_ENOMEM;
    }
    tpl->key = key;
    tpl->hash = hash;
    tpl->text = text;
    for (i = 0; i < eng->n_dirs; i++) {
        path = nst_asprintf("%s/%s", eng->dirs[i], key);
        if (!path) {
            tpl_template_free(tpl);
            return NST_ENOMEM;
        }
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            tpl->path = path;
            break;
        }
        nst_free(path);
    }
    eng->cache[eng->n_cache++] = tpl;
    *out = tpl;
    return NST_OK;
}

/* Report a template that is not on the search path. */
static nst_err
tpl_missing(struct tpl_engine *eng, const struct tpl_template *tpl, struct tpl_error *err)
{
    char dirs[384] = "";
    size_t i, len = 0;

    for (i = 0; i < eng->n_dirs && len < sizeof dirs; i++) {
        len += (size_t)snprintf(dirs + len, sizeof dirs - len, "%s%s", i ? ", " : "",
                                eng->dirs[i]);
    }
    return tpl_fail(err, NST_EINPUT, tpl->key, 0, NULL,
                    "template %s not found on the search path (%s)", tpl->key, dirs);
}

/* The loaded template for @vendor/@feature, from the cache or read now. */
static nst_err
tpl_get(struct tpl_engine *eng, const char *vendor, const char *feature, int text,
        struct tpl_template **out, struct tpl_error *err)
{
    struct tpl_template *tpl;
    nst_err rc;

    rc = tpl_resolve(eng, vendor, feature, text, &tpl);
    if (rc) {
        return tpl_oom(err, NULL, 0);
    }
    if (!tpl->path) {
        return tpl_missing(eng, tpl, err);
    }
    if (tpl->doc) {
        eng->stats.cache_hits++;
    } else {
        rc = tpl_load(eng, tpl, err);
        if (rc) {
            return rc;
        }
    }
    *out = tpl;
    return NST_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Rendering                                                                              */

/*
 * libxml2 calls this for every $NAME in an expression. Variables are searched innermost
 * first. The result is a copy, which libxml2 frees. An unknown name is remembered so the
 * error can say which variable it was.
 */
static xmlXPathObjectPtr
tpl_var_lookup(void *data, const xmlChar *name, const xmlChar *ns_uri)
{
    struct tpl_engine *eng = data;
    struct tpl_render *st = eng->st;
    xmlXPathObjectPtr copy;
    size_t i;

    if (!st) {
        return NULL;
    }
    for (i = st->n_vars; !ns_uri && i > 0; i--) {
        if (!strcmp(st->vars[i - 1].name, (const char *)name)) {
            copy = xmlXPathObjectCopy(st->vars[i - 1].val);
            st->lookup_oom = copy == NULL;
            return copy;
        }
    }
    snprintf(st->missing_var, sizeof st->missing_var, "%s", (const char *)name);
    return NULL;
}

/* Evaluate an expression against the current context node. */
static nst_err
tpl_eval(struct tpl_render *st, const struct tpl_template *tpl, const struct tpl_part *p,
         xmlXPathObjectPtr *out)
{
    xmlXPathContextPtr xp = st->eng->xp;
    xmlXPathObjectPtr res;
    int code;

    xp->doc = st->ir_doc;
    xp->node = st->node;
    xp->proximityPosition = st->pos;
    xp->contextSize = st->size;
    xmlResetError(&xp->lastError);
    st->missing_var[0] = '\0';
    st->lookup_oom = 0;
    res = xmlXPathCompiledEval(p->comp, xp);
    code = xp->lastError.code;
    if (res && code == XML_ERR_OK) {
        *out = res;
        return NST_OK;
    }
    if (res) {
        xmlXPathFreeObject(res);
    }
    if (st->lookup_oom || code - XML_XPATH_EXPRESSION_OK == XPATH_MEMORY_ERROR) {
        return tpl_oom(st->err, tpl->path, p->line);
    }
    if (st->missing_var[0]) {
        return tpl_fail(st->err, NST_EINPUT, tpl->path, p->line, p->text,
                        "unknown variable $%s", st->missing_var);
    }
    return tpl_fail(st->err, NST_EINPUT, tpl->path, p->line, p->text, "XPath error: %s",
                    code == XML_ERR_OK ? "evaluation failed" : tpl_xpath_strerror(code));
}

static int
tpl_obj_empty_set(const xmlXPathObject *obj)
{
    return obj->type == XPATH_NODESET && (!obj->nodesetval || obj->nodesetval->nodeNr == 0);
}

/* Append the value @str of @p to @buf, checking that it can be carried. */
static nst_err
tpl_str_append(struct tpl_render *st, const struct tpl_template *tpl, const struct tpl_part *p,
               const char *str, struct buf *buf)
{
    unsigned long cp;
    size_t len = strlen(str);
    const char *why = tpl_value_bad(str, len, st->text, &cp);

    if (why) {
        return tpl_fail(st->err, NST_EINPUT, tpl->path, p->line, p->text,
                        "the value of {%s} %s (U+%04lX)", p->text, why, cp);
    }
    if (buf_add(buf, str, len)) {
        return tpl_oom(st->err, tpl->path, p->line);
    }
    return NST_OK;
}

/*
 * Append an evaluated value's string to @buf, checking that it can be carried. Integral
 * numbers are printed in full ("4200000000", where libxml2 would write "4.2e+09").
 */
static nst_err
tpl_obj_append(struct tpl_render *st, const struct tpl_template *tpl, const struct tpl_part *p,
               xmlXPathObjectPtr obj, struct buf *buf)
{
    char num[32];
    xmlChar *s = NULL;
    const char *str;
    double d;
    nst_err rc;

    if (obj->type == XPATH_NUMBER && obj->floatval > -9007199254740992.0 &&
        obj->floatval < 9007199254740992.0 &&
        obj->floatval == (double)(long long)obj->floatval) {
        d = obj->floatval;
        snprintf(num, sizeof num, "%lld", (long long)d);
        str = num;
    } else if (obj->type == XPATH_STRING) {
        str = obj->stringval ? (const char *)obj->stringval : "";
    } else {
        s = xmlXPathCastToString(obj);
        if (!s) {
            return tpl_oom(st->err, tpl->path, p->line);
        }
        str = (const char *)s;
    }
    rc = tpl_str_append(st, tpl, p, str, buf);
    if (s) {
        xmlFree(s);
    }
    return rc;
}

/* --- the simple forms (enum tpl_fast), answered without XPath --- */

/* The un-namespaced attribute @name of element @n (XPath's @name), or NULL. */
static xmlNodePtr
tpl_fast_attr(xmlNodePtr n, const char *name)
{
    xmlAttrPtr a;

    for (a = n->properties; a; a = a->next) {
        if (!a->ns && !strcmp((const char *)a->name, name)) {
            return (xmlNodePtr)a;
        }
    }
    return NULL;
}

/* XPath's string value of the attribute or element @n when it is at most one text node
 * (borrowed); NULL otherwise, for XPath to work out. */
static const char *
tpl_fast_value(xmlNodePtr n)
{
    xmlNodePtr c = n->children;

    if (n->type != XML_ATTRIBUTE_NODE && n->type != XML_ELEMENT_NODE) {
        return NULL;
    }
    if (!c) {
        return "";
    }
    if (c->type == XML_TEXT_NODE && !c->next) {
        return c->content ? (const char *)c->content : "";
    }
    return NULL;
}

/* The innermost variable @name, as tpl_var_lookup() finds it; NULL when unknown. */
static xmlXPathObjectPtr
tpl_fast_var(const struct tpl_render *st, const char *name)
{
    size_t i;

    for (i = st->n_vars; i > 0; i--) {
        if (!strcmp(st->vars[i - 1].name, name)) {
            return st->vars[i - 1].val;
        }
    }
    return NULL;
}

/* The first node, in document order, of the node-set form @p on the element @n; NULL when
 * the set is empty. *ok = 0 when the form is not one of those or does not apply here. */
static xmlNodePtr
tpl_fast_first(const struct tpl_part *p, xmlNodePtr n, int *ok)
{
    xmlNodePtr c, a;

    *ok = 1;
    switch (p->fast) {
    case TPL_FAST_ATTR:
        return tpl_fast_attr(n, p->fast_a);
    case TPL_FAST_PARENT_ATTR:
        if (!n->parent || n->parent->type != XML_ELEMENT_NODE) {
            break;
        }
        return tpl_fast_attr(n->parent, p->fast_a);
    case TPL_FAST_CHILD:
    case TPL_FAST_CHILD_ATTR:
    case TPL_FAST_CHILD_HAS:
        for (c = n->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || c->ns || strcmp((const char *)c->name, p->fast_e)) {
                continue;
            }
            if (p->fast == TPL_FAST_CHILD) {
                return c;
            }
            a = tpl_fast_attr(c, p->fast_a);
            if (a) {
                return p->fast == TPL_FAST_CHILD_HAS ? c : a;
            }
        }
        return NULL;
    default:
        break;
    }
    *ok = 0;
    return NULL;
}

/* The part @p of the value @s appended to @buf as tpl_str_eval() would: 1 when answered
 * here (*rc its status), 0 when XPath must. */
static int
tpl_fast_str(struct tpl_render *st, const struct tpl_template *tpl, const struct tpl_str *s,
             const struct tpl_part *p, struct buf *buf, int *empty, nst_err *rc)
{
    xmlXPathObjectPtr var;
    xmlNodePtr n = NULL;
    const char *v = NULL;
    int ok = 1;

    if (!st->node || st->node->type != XML_ELEMENT_NODE) {
        return 0;
    }
    if (p->fast == TPL_FAST_VAR) {
        var = tpl_fast_var(st, p->fast_e);
        if (!var) {
            return 0; /* XPath reports it */
        }
        if (var->type == XPATH_STRING) {
            v = var->stringval ? (const char *)var->stringval : "";
        } else if (var->type != XPATH_NODESET || (var->nodesetval && var->nodesetval->nodeNr > 1)) {
            return 0;
        } else if (var->nodesetval && var->nodesetval->nodeNr == 1) {
            n = var->nodesetval->nodeTab[0];
        }
    } else {
        n = tpl_fast_first(p, st->node, &ok);
        if (!ok) {
            return 0;
        }
    }
    if (!v && n) {
        v = tpl_fast_value(n);
        if (!v) {
            return 0;
        }
    } else if (!v) {
        /* an empty node-set */
        if (s->n == 1) {
            *empty = 1;
            *rc = NST_OK;
            return 1;
        }
        v = "";
    }
    *rc = tpl_str_append(st, tpl, p, v, buf);
    return 1;
}

/* The boolean of the condition @p (xmlXPathCastToBoolean() of its value): 1 when answered
 * here (*yes), 0 when XPath must. */
static int
tpl_fast_bool(const struct tpl_render *st, const struct tpl_part *p, int *yes)
{
    xmlNodePtr n, c;
    const char *v;
    int ok;

    if (!st->node || st->node->type != XML_ELEMENT_NODE || p->fast == TPL_FAST_NONE ||
        p->fast == TPL_FAST_VAR) {
        return 0;
    }
    if (p->fast == TPL_FAST_ATTR_EQ || p->fast == TPL_FAST_CHILD_ATTR_EQ) {
        /* node-set = string: some node's value is the string; != : some node's is not */
        *yes = 0;
        for (c = p->fast == TPL_FAST_ATTR_EQ ? st->node : st->node->children; c;
             c = p->fast == TPL_FAST_ATTR_EQ ? NULL : c->next) {
            if (p->fast == TPL_FAST_CHILD_ATTR_EQ && (c->type != XML_ELEMENT_NODE || c->ns ||
                                                      strcmp((const char *)c->name, p->fast_e))) {
                continue;
            }
            n = tpl_fast_attr(c, p->fast_a);
            if (!n) {
                continue;
            }
            v = tpl_fast_value(n);
            if (!v) {
                return 0;
            }
            if ((strcmp(v, p->fast_lit) == 0) != p->fast_neg) {
                *yes = 1;
                return 1;
            }
        }
        return 1;
    }
    n = tpl_fast_first(p, st->node, &ok);
    if (!ok) {
        return 0;
    }
    *yes = n != NULL;
    return 1;
}

/* The @k-th node (document order) of the node-set form @p on element @n, or NULL. */
static xmlNodePtr
tpl_fast_nth(const struct tpl_part *p, xmlNodePtr n, size_t k)
{
    xmlNodePtr c, a;

    switch (p->fast) {
    case TPL_FAST_ATTR:
        return k ? NULL : tpl_fast_attr(n, p->fast_a);
    case TPL_FAST_PARENT_ATTR:
        return k ? NULL : tpl_fast_attr(n->parent, p->fast_a);
    default:
        for (c = n->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || c->ns || strcmp((const char *)c->name, p->fast_e)) {
                continue;
            }
            a = p->fast == TPL_FAST_CHILD ? c : tpl_fast_attr(c, p->fast_a);
            if (a && !k--) {
                return p->fast == TPL_FAST_CHILD_ATTR ? a : c;
            }
        }
        return NULL;
    }
}

/* The condition @b on element @n: 1, 0, or -1 when XPath must answer. */
static int
tpl_bool_eval(const struct tpl_bool *b, xmlNodePtr n)
{
    xmlNodePtr m;
    const char *v;
    size_t k;
    int x;

    switch (b->kind) {
    case TPL_B_OR:
    case TPL_B_AND:
        x = tpl_bool_eval(b->a, n);
        if (x < 0 || x == (b->kind == TPL_B_OR)) {
            return x;
        }
        return tpl_bool_eval(b->b, n);
    case TPL_B_NOT:
        x = tpl_bool_eval(b->a, n);
        return x < 0 ? x : !x;
    default:
        break;
    }
    if (b->form.fast == TPL_FAST_PARENT_ATTR &&
        (!n->parent || n->parent->type != XML_ELEMENT_NODE)) {
        return -1;
    }
    for (k = 0; (m = tpl_fast_nth(&b->form, n, k)); k++) {
        if (!b->op) {
            return 1;
        }
        v = tpl_fast_value(m);
        if (!v) {
            return -1;
        }
        if (b->op == 'L') {
            return v[0] != '\0'; /* the first node's value */
        }
        if (b->numeric) {
            double d = xmlXPathCastStringToNumber((const xmlChar *)v);

            x = b->op == '='   ? d == b->num
                : b->op == '!' ? d != b->num
                : b->op == '<' ? d < b->num
                               : d > b->num;
        } else {
            x = (strcmp(v, b->lit) == 0) == (b->op == '=');
        }
        if (x) {
            return 1;
        }
    }
    return 0;
}

/*
 * Evaluate a text or attribute value into @buf. When the value is exactly one expression
 * and that expression yields an empty node-set, nothing is appended and *empty is set:
 * the caller leaves out the attribute, element or line.
 */
static nst_err
tpl_str_eval(struct tpl_render *st, const struct tpl_template *tpl, const struct tpl_str *s,
             struct buf *buf, int *empty)
{
    xmlXPathObjectPtr obj;
    size_t i;
    nst_err rc;

    *empty = 0;
    for (i = 0; i < s->n; i++) {
        if (!s->parts[i].comp) {
            if (buf_add(buf, s->parts[i].text, s->parts[i].len)) {
                return tpl_oom(st->err, tpl->path, s->parts[i].line);
            }
            continue;
        }
        if (s->parts[i].fast && tpl_fast_str(st, tpl, s, &s->parts[i], buf, empty, &rc)) {
            if (rc) {
                return rc;
            }
            continue;
        }
        rc = tpl_eval(st, tpl, &s->parts[i], &obj);
        if (rc) {
            return rc;
        }
        if (s->n == 1 && tpl_obj_empty_set(obj)) {
            *empty = 1;
        } else {
            rc = tpl_obj_append(st, tpl, &s->parts[i], obj, buf);
        }
        xmlXPathFreeObject(obj);
        if (rc) {
            return rc;
        }
    }
    return NST_OK;
}

/* Append @node as the last child of @parent, without libxml2's merging of text nodes. */
static void
tpl_link(xmlNodePtr parent, xmlNodePtr node)
{
    node->parent = parent;
    node->prev = parent->last;
    node->next = NULL;
    if (parent->last) {
        parent->last->next = node;
    } else {
        parent->children = node;
    }
    parent->last = node;
}

static nst_err tpl_render_block(struct tpl_render *st, const struct tpl_template *tpl,
                                const struct tpl_block *b, xmlNodePtr parent, int *drop);

/*
 * Give the new output element @out the namespace bindings the template has in scope,
 * declaring only those not already in scope in the output (so declarations are never
 * repeated), then its own namespace. An un-namespaced element under a default namespace
 * gets xmlns="".
 */
static nst_err
tpl_element_ns(struct tpl_render *st, const struct tpl_op *op, xmlNodePtr out)
{
    const struct tpl_nsdecl *d;
    xmlNsPtr ns;
    size_t i;

    for (i = 0; i < op->u.elem.n_ns; i++) {
        d = &op->u.elem.ns[i];
        ns = xmlSearchNs(st->out_doc, out, d->prefix);
        if (d->href[0] == '\0') {
            /* xmlns="": needed only where a non-empty default is in scope. */
            if (ns && ns->href && ns->href[0] && !xmlNewNs(out, (const xmlChar *)"", NULL)) {
                return NST_ENOMEM;
            }
        } else if (!ns || !ns->href || strcmp((const char *)ns->href, (const char *)d->href)) {
            if (!xmlNewNs(out, d->href, d->prefix)) {
                return NST_ENOMEM;
            }
        }
    }
    if (op->u.elem.href && op->u.elem.href[0]) {
        ns = xmlSearchNs(st->out_doc, out, op->u.elem.prefix);
        if (!ns || !ns->href || strcmp((const char *)ns->href, (const char *)op->u.elem.href)) {
            /* Unreachable with bindings computed from the template; kept for safety. */
            ns = xmlNewNs(out, op->u.elem.href, op->u.elem.prefix);
            if (!ns) {
                return NST_ENOMEM;
            }
        }
        xmlSetNs(out, ns);
    } else {
        ns = xmlSearchNs(st->out_doc, out, NULL);
        if (ns && ns->href && ns->href[0] && !xmlNewNs(out, (const xmlChar *)"", NULL)) {
            return NST_ENOMEM;
        }
    }
    return NST_OK;
}

static nst_err
tpl_render_element(struct tpl_render *st, const struct tpl_template *tpl,
                   const struct tpl_op *op, xmlNodePtr parent)
{
    const struct tpl_attr *a;
    xmlNodePtr out;
    xmlNsPtr ns;
    size_t i;
    int empty, drop = 0;
    nst_err rc = NST_OK;

    out = xmlNewDocNode(st->out_doc, NULL, op->u.elem.name, NULL);
    if (!out) {
        return tpl_oom(st->err, tpl->path, op->line);
    }
    /* Linked first: namespace lookups walk up from it into the caller's tree. */
    tpl_link(parent, out);
    if (tpl_element_ns(st, op, out)) {
        return tpl_oom(st->err, tpl->path, op->line);
    }
    for (i = 0; i < op->u.elem.n_attrs; i++) {
        a = &op->u.elem.attrs[i];
        st->scratch.len = 0;
        rc = buf_add(&st->scratch, "", 0);
        if (rc) {
            return tpl_oom(st->err, tpl->path, op->line);
        }
        rc = tpl_str_eval(st, tpl, &a->value, &st->scratch, &empty);
        if (rc) {
            return rc;
        }
        if (empty) {
            continue;
        }
        ns = a->href ? xmlSearchNs(st->out_doc, out, a->prefix) : NULL;
        if (a->href && !ns) {
            /* Unreachable: the template's bindings were declared above. */
            return tpl_fail(st->err, NST_EINTERNAL, tpl->path, op->line, NULL,
                            "namespace of attribute %s lost", (const char *)a->name);
        }
        /* xmlNewNsProp stores the value as a text node: no entity or markup parsing. */
        if (!xmlNewNsProp(out, ns, a->name, (const xmlChar *)st->scratch.p)) {
            return tpl_oom(st->err, tpl->path, op->line);
        }
    }
    st->elem_depth++;
    rc = tpl_render_block(st, tpl, &op->u.elem.body, out, &drop);
    st->elem_depth--;
    if (!rc && drop) {
        xmlUnlinkNode(out);
        xmlFreeNode(out);
    }
    return rc;
}

static nst_err
tpl_render_line(struct tpl_render *st, const struct tpl_template *tpl, const struct tpl_op *op)
{
    int drop = 0;
    nst_err rc;

    st->line.len = 0;
    if (buf_add(&st->line, "", 0)) {
        return tpl_oom(st->err, tpl->path, op->line);
    }
    st->elem_depth++;
    rc = tpl_render_block(st, tpl, &op->u.elem.body, NULL, &drop);
    st->elem_depth--;
    if (rc || drop) {
        return rc;
    }
    if (buf_add(&st->out, st->line.p, st->line.len) || buf_add(&st->out, "\n", 1)) {
        return tpl_oom(st->err, tpl->path, op->line);
    }
    return NST_OK;
}

static nst_err
tpl_render_text_op(struct tpl_render *st, const struct tpl_template *tpl,
                   const struct tpl_op *op, xmlNodePtr parent, int *drop)
{
    struct buf *buf = st->text ? &st->line : &st->scratch;
    xmlNodePtr node;
    size_t start;
    int empty;
    nst_err rc;

    if (!st->text) {
        buf->len = 0;
    }
    start = buf->len;
    rc = tpl_str_eval(st, tpl, &op->u.text, buf, &empty);
    if (rc) {
        return rc;
    }
    if (empty) {
        /* A leaf whose value is missing is not emitted: drop the enclosing element (or
         * line). With no enclosing element in this render, there is simply no text. */
        *drop = st->elem_depth > 0;
        return NST_OK;
    }
    if (st->text || buf->len == start) {
        return NST_OK;
    }
    node = xmlNewDocTextLen(st->out_doc, (const xmlChar *)buf->p, (int)buf->len);
    if (!node) {
        return tpl_oom(st->err, tpl->path, op->line);
    }
    tpl_link(parent, node);
    return NST_OK;
}

/* <?foreach {e}?> and <?foreach {e[@a]}?> on an element: the children named e (that have
 * @a), in document order, as XPath gives them; 0 when the form is not one of those. */
static int
tpl_fast_foreach(struct tpl_render *st, const struct tpl_template *tpl, const struct tpl_op *op,
                 xmlNodePtr parent, int *drop, nst_err *rc)
{
    const struct tpl_part *p = &op->u.loop.expr;
    xmlNodePtr node = st->node, c, one[16], *nodes = one;
    int pos = st->pos, size = st->size, i, n = 0, cap = 16;

    if ((p->fast != TPL_FAST_CHILD && p->fast != TPL_FAST_CHILD_HAS) || !node ||
        node->type != XML_ELEMENT_NODE) {
        return 0;
    }
    for (c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || c->ns || strcmp((const char *)c->name, p->fast_e) ||
            (p->fast == TPL_FAST_CHILD_HAS && !tpl_fast_attr(c, p->fast_a))) {
            continue;
        }
        if (n == cap) {
            xmlNodePtr *more = nst_malloc(2 * (size_t)cap * sizeof *more);

            if (!more) {
                if (nodes != one) {
                    nst_free(nodes);
                }
                *rc = tpl_oom(st->err, tpl->path, op->line);
                return 1;
            }
            memcpy(more, nodes, (size_t)n * sizeof *more);
            if (nodes != one) {
                nst_free(nodes);
            }
            nodes = more;
            cap *= 2;
        }
        nodes[n++] = c;
    }
    *rc = NST_OK;
    for (i = 0; i < n && !*rc && !*drop; i++) {
        st->node = nodes[i];
        st->pos = i + 1;
        st->size = n;
        *rc = tpl_render_block(st, tpl, &op->u.loop.body, parent, drop);
    }
    st->node = node;
    st->pos = pos;
    st->size = size;
    if (nodes != one) {
        nst_free(nodes);
    }
    return 1;
}

static nst_err
tpl_render_foreach(struct tpl_render *st, const struct tpl_template *tpl,
                   const struct tpl_op *op, xmlNodePtr parent, int *drop)
{
    xmlXPathObjectPtr obj;
    xmlNodePtr node = st->node;
    int pos = st->pos, size = st->size, i, n;
    nst_err rc;

    if (op->u.loop.expr.fast && tpl_fast_foreach(st, tpl, op, parent, drop, &rc)) {
        return rc;
    }
    rc = tpl_eval(st, tpl, &op->u.loop.expr, &obj);
    if (rc) {
        return rc;
    }
    if (obj->type != XPATH_NODESET) {
        rc = tpl_fail(st->err, NST_EINPUT, tpl->path, op->line, op->u.loop.expr.text,
                      "<?foreach?> needs a node-set; this expression gives a %s",
                      obj->type == XPATH_NUMBER    ? "number"
                      : obj->type == XPATH_BOOLEAN ? "boolean"
                                                   : "string");
        xmlXPathFreeObject(obj);
        return rc;
    }
    n = obj->nodesetval ? obj->nodesetval->nodeNr : 0;
    if (n > 1) {
        xmlXPathNodeSetSort(obj->nodesetval);
    }
    for (i = 0; i < n && !rc && !*drop; i++) {
        st->node = obj->nodesetval->nodeTab[i];
        st->pos = i + 1;
        st->size = n;
        rc = tpl_render_block(st, tpl, &op->u.loop.body, parent, drop);
    }
    st->node = node;
    st->pos = pos;
    st->size = size;
    xmlXPathFreeObject(obj);
    return rc;
}

static nst_err
tpl_render_if(struct tpl_render *st, const struct tpl_template *tpl, const struct tpl_op *op,
              xmlNodePtr parent, int *drop)
{
    const struct tpl_branch *br;
    xmlXPathObjectPtr obj;
    size_t i;
    int yes;
    nst_err rc;

    for (i = 0; i < op->u.cond.n; i++) {
        br = &op->u.cond.br[i];
        if (br->cond.comp) {
            yes = -1;
            if (br->cond.fast_bool && st->node && st->node->type == XML_ELEMENT_NODE) {
                yes = tpl_bool_eval(br->cond.fast_bool, st->node);
            } else if (br->cond.fast && !tpl_fast_bool(st, &br->cond, &yes)) {
                yes = -1;
            }
            if (yes < 0) {
                rc = tpl_eval(st, tpl, &br->cond, &obj);
                if (rc) {
                    return rc;
                }
                yes = xmlXPathCastToBoolean(obj);
                xmlXPathFreeObject(obj);
            }
            if (!yes) {
                continue;
            }
        }
        return tpl_render_block(st, tpl, &br->body, parent, drop);
    }
    return NST_OK;
}

static nst_err
tpl_render_set(struct tpl_render *st, const struct tpl_template *tpl, const struct tpl_op *op)
{
    const struct tpl_str *v = &op->u.set.value;
    struct buf buf = {0};
    struct tpl_var *vars;
    xmlXPathObjectPtr obj = NULL;
    int empty;
    nst_err rc = NST_OK;

    if (st->n_vars == st->cap_vars) {
        vars = nst_realloc(st->vars, (st->cap_vars ? 2 * st->cap_vars : 8) * sizeof *vars);
        if (!vars) {
            return tpl_oom(st->err, tpl->path, op->line);
        }
        st->vars = vars;
        st->cap_vars = st->cap_vars ? 2 * st->cap_vars : 8;
    }
    if (v->n == 1 && v->parts[0].comp) {
        /* One expression: the variable keeps its type (a node-set stays a node-set). An
         * attribute of the context node or of its parent is that node-set of at most one. */
        const struct tpl_part *p = &v->parts[0];
        xmlNodePtr n;
        int ok = 0;

        if ((p->fast == TPL_FAST_ATTR || p->fast == TPL_FAST_PARENT_ATTR) && st->node &&
            st->node->type == XML_ELEMENT_NODE) {
            n = tpl_fast_first(p, st->node, &ok);
            if (ok) {
                obj = xmlXPathNewNodeSet(n);
                if (!obj) {
                    return tpl_oom(st->err, tpl->path, op->line);
                }
            }
        }
        if (!ok) {
            rc = tpl_eval(st, tpl, p, &obj);
            if (rc) {
                return rc;
            }
        }
    } else {
        rc = buf_add(&buf, "", 0);
        if (!rc) {
            rc = tpl_str_eval(st, tpl, v, &buf, &empty);
        } else {
            rc = tpl_oom(st->err, tpl->path, op->line);
        }
        if (!rc) {
            obj = xmlXPathNewString((const xmlChar *)buf.p);
            if (!obj) {
                rc = tpl_oom(st->err, tpl->path, op->line);
            }
        }
        buf_clear(&buf);
        if (rc) {
            return rc;
        }
    }
    st->vars[st->n_vars].name = op->u.set.name;
    st->vars[st->n_vars].val = obj;
    st->n_vars++;
    return NST_OK;
}

/* Append " (included from FILE:LINE)" to the error message, space permitting. */
static void
tpl_note_include(struct tpl_error *err, const struct tpl_template *tpl, long line)
{
    size_t len = strlen(err->msg);

    if (len < sizeof err->msg) {
        snprintf(err->msg + len, sizeof err->msg - len, " (included from %s:%ld)", tpl->path,
                 line);
    }
}

/*
 * The loaded template an <?include?> in @tpl names, after the include rules: it exists on
 * the search path, it is not already on the include @stack (a loop), and the nesting
 * stays within TPL_INCLUDE_DEPTH_MAX. Shared by rendering and tpl_check().
 */
static nst_err
tpl_include_target(struct tpl_engine *eng, const char *vendor, int text,
                   const struct tpl_template *const *stack, size_t depth,
                   const struct tpl_template *tpl, const struct tpl_op *op,
                   struct tpl_template **out, struct tpl_error *err)
{
    struct tpl_template *inc;
    char chain[384];
    size_t i, len = 0;
    nst_err rc;

    if (tpl_resolve(eng, vendor, op->u.include.feature, text, &inc)) {
        return tpl_oom(err, tpl->path, op->line);
    }
    if (!inc->path) {
        return tpl_fail(err, NST_EINPUT, tpl->path, op->line, op->u.include.feature,
                        "included template %s not found on the search path", inc->key);
    }
    for (i = 0; i < depth; i++) {
        if (stack[i] == inc) {
            for (i = 0; i < depth && len < sizeof chain; i++) {
                len += (size_t)snprintf(chain + len, sizeof chain - len, "%s -> ",
                                        stack[i]->key);
            }
            if (len < sizeof chain) {
                snprintf(chain + len, sizeof chain - len, "%s", inc->key);
            }
            return tpl_fail(err, NST_EINPUT, tpl->path, op->line, op->u.include.feature,
                            "include loop: %s", chain);
        }
    }
    if (depth >= TPL_INCLUDE_DEPTH_MAX) {
        return tpl_fail(err, NST_EINPUT, tpl->path, op->line, op->u.include.feature,
                        "includes nested deeper than %d", TPL_INCLUDE_DEPTH_MAX);
    }
    if (inc->doc) {
        eng->stats.cache_hits++;
    } else {
        rc = tpl_load(eng, inc, err);
        if (rc) {
            tpl_note_include(err, tpl, op->line);
            return rc;
        }
    }
    *out = inc;
    return NST_OK;
}

static nst_err
tpl_render_include(struct tpl_render *st, const struct tpl_template *tpl,
                   const struct tpl_op *op, xmlNodePtr parent, int *drop)
{
    struct tpl_template *inc = NULL;
    nst_err rc;

    rc = tpl_include_target(st->eng, st->vendor, st->text, st->stack, st->depth, tpl, op, &inc,
                            st->err);
    if (rc) {
        return rc;
    }
    st->stack[st->depth++] = inc;
    rc = tpl_render_block(st, inc, &inc->body, parent, drop);
    st->depth--;
    if (rc) {
        tpl_note_include(st->err, tpl, op->line);
    }
    return rc;
}

/*
 * Render a block. Variables set in it go out of scope at its end. Stops early when an
 * op asks for the enclosing element to be dropped (*drop).
 */
static nst_err
tpl_render_block(struct tpl_render *st, const struct tpl_template *tpl,
                 const struct tpl_block *b, xmlNodePtr parent, int *drop)
{
    const struct tpl_op *op;
    size_t i, mark = st->n_vars;
    nst_err rc = NST_OK;

    for (i = 0; i < b->n && !rc && !*drop; i++) {
        op = &b->ops[i];
        if (++st->steps > TPL_STEPS_MAX) {
            rc = tpl_fail(st->err, NST_EINPUT, tpl->path, op->line, "",
                          "rendering takes more than %ld steps: a <?foreach?> over too large a "
                          "node-set, or nested too deep?",
                          TPL_STEPS_MAX);
            break;
        }
        switch (op->kind) {
        case TPL_OP_ELEMENT:
            rc = tpl_render_element(st, tpl, op, parent);
            break;
        case TPL_OP_LINE:
            rc = tpl_render_line(st, tpl, op);
            break;
        case TPL_OP_TEXT:
            rc = tpl_render_text_op(st, tpl, op, parent, drop);
            break;
        case TPL_OP_FOREACH:
            rc = tpl_render_foreach(st, tpl, op, parent, drop);
            break;
        case TPL_OP_IF:
            rc = tpl_render_if(st, tpl, op, parent, drop);
            break;
        case TPL_OP_SET:
            rc = tpl_render_set(st, tpl, op);
            break;
        case TPL_OP_INCLUDE:
            rc = tpl_render_include(st, tpl, op, parent, drop);
            break;
        }
    }
    while (st->n_vars > mark) {
        st->n_vars--;
        xmlXPathFreeObject(st->vars[st->n_vars].val);
    }
    return rc;
}

/*
 * One render call, both modes: find and load the template, render it, and on failure
 * take back whatever was appended to @out_parent. In text mode @out_parent is NULL and
 * the text is returned in *text.
 */
static nst_err
tpl_run(struct tpl_engine *eng, const char *vendor, const char *feature, int text,
        xmlNodePtr ir_context, xmlNodePtr out_parent, char **text_out, struct tpl_error *err)
{
    struct tpl_render st;
    struct tpl_template *tpl = NULL;
    xmlNodePtr saved_last = out_parent ? out_parent->last : NULL, n, next;
    int drop = 0;
    nst_err rc;

    rc = tpl_get(eng, vendor, feature, text, &tpl, err);
    if (rc) {
        return rc;
    }
    memset(&st, 0, sizeof st);
    st.eng = eng;
    st.vendor = vendor;
    st.text = text;
    st.out_doc = out_parent ? out_parent->doc : NULL;
    st.ir_doc = ir_context->doc;
    st.node = ir_context;
    st.pos = st.size = 1;
    st.stack[0] = tpl;
    st.depth = 1;
    st.err = err;
    eng->st = &st;
    rc = tpl_render_block(&st, tpl, &tpl->body, out_parent, &drop);
    eng->st = NULL;
    if (rc && out_parent) {
        for (n = saved_last ? saved_last->next : out_parent->children; n; n = next) {
            next = n->next;
            xmlUnlinkNode(n);
            xmlFreeNode(n);
        }
    }
    if (!rc && text) {
        if (!st.out.p && buf_add(&st.out, "", 0)) {
            rc = tpl_oom(err, tpl->path, 0);
        } else {
            *text_out = st.out.p;
            st.out.p = NULL;
        }
    }
    if (!rc) {
        eng->stats.renders++;
    }
    nst_free(st.vars);
    buf_clear(&st.scratch);
    buf_clear(&st.line);
    buf_clear(&st.out);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Checking without rendering                                                             */

struct tpl_check {
    struct tpl_engine *eng;
    const char *vendor;
    int text;
    const struct tpl_template *stack[TPL_INCLUDE_DEPTH_MAX];
    size_t depth;
    struct tpl_error *err;
};

static nst_err tpl_check_block(struct tpl_check *ck, const struct tpl_template *tpl,
                               const struct tpl_block *b);

/* Load an included template and check it, with the rules of rendering. */
static nst_err
tpl_check_include(struct tpl_check *ck, const struct tpl_template *tpl, const struct tpl_op *op)
{
    struct tpl_template *inc = NULL;
    nst_err rc;

    rc = tpl_include_target(ck->eng, ck->vendor, ck->text, ck->stack, ck->depth, tpl, op, &inc,
                            ck->err);
    if (rc) {
        return rc;
    }
    ck->stack[ck->depth++] = inc;
    rc = tpl_check_block(ck, inc, &inc->body);
    ck->depth--;
    if (rc) {
        tpl_note_include(ck->err, tpl, op->line);
    }
    return rc;
}

/* Walk every op (all branches, every loop body) and follow every include. */
static nst_err
tpl_check_block(struct tpl_check *ck, const struct tpl_template *tpl, const struct tpl_block *b)
{
    const struct tpl_op *op;
    size_t i, k;
    nst_err rc = NST_OK;

    for (i = 0; i < b->n && !rc; i++) {
        op = &b->ops[i];
        switch (op->kind) {
        case TPL_OP_ELEMENT:
        case TPL_OP_LINE:
            rc = tpl_check_block(ck, tpl, &op->u.elem.body);
            break;
        case TPL_OP_FOREACH:
            rc = tpl_check_block(ck, tpl, &op->u.loop.body);
            break;
        case TPL_OP_IF:
            for (k = 0; k < op->u.cond.n && !rc; k++) {
                rc = tpl_check_block(ck, tpl, &op->u.cond.br[k].body);
            }
            break;
        case TPL_OP_INCLUDE:
            rc = tpl_check_include(ck, tpl, op);
            break;
        case TPL_OP_TEXT:
        case TPL_OP_SET:
            break;
        }
    }
    return rc;
}

static nst_err
tpl_check_kind(struct tpl_engine *eng, const char *vendor, const char *feature, int text,
               struct tpl_error *err)
{
    struct tpl_check ck;
    struct tpl_error local;
    struct tpl_template *tpl;
    struct tpl_quiet q;
    nst_err rc;

    if (!err) {
        err = &local;
    }
    memset(err, 0, sizeof *err);
    if (!eng || !tpl_name_ok(vendor) || !tpl_name_ok(feature)) {
        return tpl_fail(err, NST_EINVAL, NULL, 0, NULL,
                        "invalid vendor or feature name (allowed: [A-Za-z0-9_][A-Za-z0-9_.-]*)");
    }
    tpl_quiet_begin(&q);
    rc = tpl_get(eng, vendor, feature, text, &tpl, err);
    if (!rc) {
        memset(&ck, 0, sizeof ck);
        ck.eng = eng;
        ck.vendor = vendor;
        ck.text = text;
        ck.stack[0] = tpl;
        ck.depth = 1;
        ck.err = err;
        rc = tpl_check_block(&ck, tpl, &tpl->body);
    }
    tpl_quiet_end(&q);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Public calls                                                                           */

nst_err
tpl_engine_new(const char *const *search_path, size_t n_paths, struct tpl_engine **out)
{
    struct tpl_engine *eng;
    size_t i;
    nst_err rc = NST_ENOMEM;

    if (!search_path || !n_paths || !out) {
        return NST_EINVAL;
    }
    for (i = 0; i < n_paths; i++) {
        if (!search_path[i] || !search_path[i][0]) {
            return NST_EINVAL;
        }
    }
    xmlInitParser();
    eng = nst_calloc(1, sizeof *eng);
    if (!eng) {
        return NST_ENOMEM;
    }
    eng->dirs = nst_calloc(n_paths, sizeof *eng->dirs);
    if (!eng->dirs) {
        goto cleanup;
    }
    for (i = 0; i < n_paths; i++) {
        eng->dirs[i] = nst_strdup(search_path[i]);
        if (!eng->dirs[i]) {
            goto cleanup;
        }
        eng->n_dirs++;
    }
    eng->xp = xmlXPathNewContext(NULL);
    if (!eng->xp) {
        goto cleanup;
    }
    /* Errors land in xp->lastError; the handler only keeps libxml2 from printing them. */
    eng->xp->error = tpl_silent_structured;
    xmlXPathRegisterVariableLookup(eng->xp, tpl_var_lookup, eng);
    rc = NST_OK;

cleanup:
    if (rc) {
        tpl_engine_free(eng);
    } else {
        *out = eng;
    }
    return rc;
}

void
tpl_engine_free(struct tpl_engine *eng)
{
    size_t i;

    if (!eng) {
        return;
    }
    for (i = 0; i < eng->n_cache; i++) {
        tpl_template_free(eng->cache[i]);
    }
    nst_free(eng->cache);
    for (i = 0; i < eng->n_dirs; i++) {
        nst_free(eng->dirs[i]);
    }
    nst_free(eng->dirs);
    if (eng->xp) {
        xmlXPathFreeContext(eng->xp);
    }
    nst_free(eng);
}

static int
tpl_exists_kind(struct tpl_engine *eng, const char *vendor, const char *feature, int text)
{
    struct tpl_template *tpl;

    if (!eng || !tpl_name_ok(vendor) || !tpl_name_ok(feature)) {
        return 0;
    }
    return tpl_resolve(eng, vendor, feature, text, &tpl) == NST_OK && tpl->path != NULL;
}

int
tpl_exists(struct tpl_engine *eng, const char *vendor, const char *feature)
{
    return tpl_exists_kind(eng, vendor, feature, 0);
}

int
tpl_text_exists(struct tpl_engine *eng, const char *vendor, const char *feature)
{
    return tpl_exists_kind(eng, vendor, feature, 1);
}

nst_err
tpl_render(struct tpl_engine *eng, const char *vendor, const char *feature,
           xmlNodePtr ir_context, xmlNodePtr out_parent, struct tpl_error *err)
{
    struct tpl_error local;
    struct tpl_quiet q;
    nst_err rc;

    if (!err) {
        err = &local;
    }
    memset(err, 0, sizeof *err);
    if (!eng || !vendor || !feature || !ir_context || !ir_context->doc || !out_parent ||
        out_parent->type != XML_ELEMENT_NODE || !out_parent->doc) {
        return tpl_fail(err, NST_EINVAL, NULL, 0, NULL,
                        "tpl_render: missing engine, name, IR node or output element");
    }
    if (!tpl_name_ok(vendor) || !tpl_name_ok(feature)) {
        return tpl_fail(err, NST_EINVAL, NULL, 0, NULL,
                        "invalid vendor or feature name (allowed: [A-Za-z0-9_][A-Za-z0-9_.-]*)");
    }
    tpl_quiet_begin(&q);
    rc = tpl_run(eng, vendor, feature, 0, ir_context, out_parent, NULL, err);
    tpl_quiet_end(&q);
    return rc;
}

nst_err
tpl_render_text(struct tpl_engine *eng, const char *vendor, const char *feature,
                xmlNodePtr ir_context, char **text_out, struct tpl_error *err)
{
    struct tpl_error local;
    struct tpl_quiet q;
    nst_err rc;

    if (!err) {
        err = &local;
    }
    memset(err, 0, sizeof *err);
    if (!eng || !vendor || !feature || !ir_context || !ir_context->doc || !text_out) {
        return tpl_fail(err, NST_EINVAL, NULL, 0, NULL,
                        "tpl_render_text: missing engine, name, IR node or output pointer");
    }
    if (!tpl_name_ok(vendor) || !tpl_name_ok(feature)) {
        return tpl_fail(err, NST_EINVAL, NULL, 0, NULL,
                        "invalid vendor or feature name (allowed: [A-Za-z0-9_][A-Za-z0-9_.-]*)");
    }
    tpl_quiet_begin(&q);
    rc = tpl_run(eng, vendor, feature, 1, ir_context, NULL, text_out, err);
    tpl_quiet_end(&q);
    return rc;
}

void
tpl_preload(struct tpl_engine *eng, const char *vendor, const char *feature, int text)
{
    struct tpl_template *tpl;
    struct tpl_error err;
    struct tpl_quiet q;

    if (!eng || !vendor || !feature || !tpl_name_ok(vendor) || !tpl_name_ok(feature)) {
        return;
    }
    tpl_quiet_begin(&q);
    (void)tpl_get(eng, vendor, feature, text ? 1 : 0, &tpl, &err);
    tpl_quiet_end(&q);
}

void
tpl_engine_stats(const struct tpl_engine *eng, struct tpl_stats *out)
{
    if (eng && out) {
        *out = eng->stats;
    }
}

nst_err
tpl_check(struct tpl_engine *eng, const char *vendor, const char *feature, struct tpl_error *err)
{
    return tpl_check_kind(eng, vendor, feature, 0, err);
}

nst_err
tpl_text_check(struct tpl_engine *eng, const char *vendor, const char *feature,
               struct tpl_error *err)
{
    return tpl_check_kind(eng, vendor, feature, 1, err);
}
