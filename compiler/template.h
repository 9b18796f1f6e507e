/*
 * template.h: the vendor template engine (internal interface; see docs/templates.md).
 *
 * A template file `templates/<vendor>/<feature>.xml` is literal NETCONF payload XML plus
 * a small instruction set in the spirit of Cisco NSO's config templates: `{xpath}`
 * substitution in text and attribute values, and processing instructions foreach, if,
 * elif, else, end, set and include. XPath expressions are evaluated by libxml2 against a
 * node of the per-device IR document. tpl_render() appends the rendered payload to a
 * caller-supplied node of the caller's output document; tpl_render_text() renders a
 * `<feature>.cli.xml` template (root <cli>, one <line> per CLI line) to plain text;
 * tpl_check() lints a template and everything it can include without rendering.
 *
 * An engine owns a search path (ordered directories; the first one holding the file
 * wins), a cache of parsed and compiled templates (each file is read and each XPath
 * expression compiled once per engine) and one libxml2 XPath context. One engine belongs
 * to one thread at a time; render calls must not be nested.
 *
 * Errors: every call that fails returns an nst_err and, when given a struct tpl_error,
 * fills it with the template file, line, offending expression and a message. The engine
 * never prints (libxml2's own error printing is silenced around every call).
 */
#ifndef NST_TEMPLATE_H
#define NST_TEMPLATE_H

#include <stddef.h>

#include <libxml/tree.h>

#include "netstitch.h"

struct tpl_engine;

/*
 * What went wrong, for the user. Filled by every failing call that was given one;
 * cleared (all zero) at the start of every call, so msg[0] == '\0' after success.
 * Strings are always NUL-terminated and truncated to fit.
 */
struct tpl_error {
    char file[512]; /* the template file (its path on the search path), or
                       "<vendor>/<feature>.xml" when no file was found */
    long line;      /* 1-based line in file; 0 when the error is not about one line */
    char expr[256]; /* the XPath expression or instruction text involved, or "" */
    char msg[512];  /* what went wrong, one line, no trailing newline */
};

/* Counters for tests and benchmarks; see tpl_engine_stats(). */
struct tpl_stats {
    size_t files_parsed;   /* template files read, parsed and compiled */
    size_t xpath_compiled; /* XPath expressions compiled (each once per engine) */
    size_t cache_hits;     /* template lookups answered from the cache */
    size_t renders;        /* successful tpl_render() and tpl_render_text() calls */
};

/**
 * @brief Create a template engine.
 * @param[in] search_path directories searched in order for `<vendor>/<feature>.xml`.
 *            The array and the strings are borrowed (copied into the engine).
 * @param[in] n_paths number of directories, at least 1.
 * @param[out] out the new engine, freed with tpl_engine_free(); written only on success.
 * @return NST_OK, NST_EINVAL (NULL argument, no directory, empty directory name),
 *         NST_ENOMEM.
 */
nst_err tpl_engine_new(const char *const *search_path, size_t n_paths, struct tpl_engine **out);

/**
 * @brief Free an engine and every cached template.
 * @param[in] eng the engine, may be NULL. Consumed.
 */
void tpl_engine_free(struct tpl_engine *eng);

/**
 * @brief Whether `<vendor>/<feature>.xml` exists on the search path.
 *
 * Only looks for the file (answers are cached); does not parse it.
 * @param[in] eng the engine.
 * @param[in] vendor vendor directory name, e.g. "iosxr". Borrowed.
 * @param[in] feature feature name, e.g. "interface". Borrowed.
 * @return 1 when the file exists, 0 when it does not or a name is invalid.
 */
int tpl_exists(struct tpl_engine *eng, const char *vendor, const char *feature);

/**
 * @brief Whether the text template `<vendor>/<feature>.cli.xml` exists on the search path.
 * @param[in] eng the engine.
 * @param[in] vendor vendor directory name. Borrowed.
 * @param[in] feature feature name (without ".cli"). Borrowed.
 * @return 1 when the file exists, 0 when it does not or a name is invalid.
 */
int tpl_text_exists(struct tpl_engine *eng, const char *vendor, const char *feature);

/**
 * @brief Render `<vendor>/<feature>.xml` against an IR node into an output tree.
 *
 * The rendered nodes are appended, in order, as children of @p out_parent and belong to
 * its document. On failure nothing is appended (whatever was appended is removed).
 * @param[in] eng the engine.
 * @param[in] vendor vendor directory name ([A-Za-z0-9_][A-Za-z0-9_.-]*). Borrowed.
 * @param[in] feature feature name, same syntax. Borrowed.
 * @param[in] ir_context the XPath context node in the IR document. Borrowed; only read.
 * @param[in,out] out_parent the element that receives the output; must belong to a
 *                document. Borrowed.
 * @param[out] err filled on failure, cleared on success; may be NULL.
 * @return NST_OK, NST_EINVAL (NULL argument, invalid name, node without document),
 *         NST_ENOMEM, NST_EIO (template file unreadable), NST_EINPUT (template missing or
 *         wrong, XPath error, value not representable in XML).
 */
nst_err tpl_render(struct tpl_engine *eng, const char *vendor, const char *feature,
                   xmlNodePtr ir_context, xmlNodePtr out_parent, struct tpl_error *err);

/**
 * @brief Render the text template `<vendor>/<feature>.cli.xml` against an IR node.
 *
 * Each emitted <line> becomes one line of text terminated by "\n".
 * @param[in] eng the engine.
 * @param[in] vendor vendor directory name. Borrowed.
 * @param[in] feature feature name (without ".cli"). Borrowed.
 * @param[in] ir_context the XPath context node in the IR document. Borrowed.
 * @param[out] text_out the text (possibly ""), returned to the caller, freed with
 *             nst_free(); written only on success.
 * @param[out] err filled on failure, cleared on success; may be NULL.
 * @return NST_OK, NST_EINVAL, NST_ENOMEM, NST_EIO, NST_EINPUT (as tpl_render(), and a
 *         substituted value containing a newline or another control character).
 */
nst_err tpl_render_text(struct tpl_engine *eng, const char *vendor, const char *feature,
                        xmlNodePtr ir_context, char **text_out, struct tpl_error *err);

/**
 * @brief Load and compile `<vendor>/<feature>.xml` and every template it includes,
 *        without rendering: a lint for template authors and CI.
 *
 * Reports what loading reports (XML, instruction and XPath syntax errors) for the
 * template and, following every <?include?> in every branch, for each template it can
 * include, plus missing includes, include loops (even behind an <?if?>) and the depth
 * limit. Errors that depend on the IR (unknown variables, XPath type errors, values) are
 * found only by rendering. Loaded templates stay cached for later renders.
 * @param[in] eng the engine.
 * @param[in] vendor vendor directory name. Borrowed.
 * @param[in] feature feature name. Borrowed.
 * @param[out] err filled on failure, cleared on success; may be NULL.
 * @return NST_OK, NST_EINVAL (invalid name), NST_ENOMEM, NST_EIO, NST_EINPUT.
 */
nst_err tpl_check(struct tpl_engine *eng, const char *vendor, const char *feature,
                  struct tpl_error *err);

/**
 * @brief Like tpl_check() for the text template `<vendor>/<feature>.cli.xml`.
 * @param[in] eng the engine.
 * @param[in] vendor vendor directory name. Borrowed.
 * @param[in] feature feature name (without ".cli"). Borrowed.
 * @param[out] err filled on failure, cleared on success; may be NULL.
 * @return NST_OK, NST_EINVAL, NST_ENOMEM, NST_EIO, NST_EINPUT.
 */
nst_err tpl_text_check(struct tpl_engine *eng, const char *vendor, const char *feature,
                       struct tpl_error *err);

/**
 * @brief Load and compile `<vendor>/<feature>.xml` (@p text: `.cli.xml`) into the
 * engine's cache ahead of its first render (render_warm()). Nothing is reported: a
 * template that does not load is loaded again, and reported, by the render that needs it.
 * @param[in] eng the engine.
 * @param[in] vendor vendor directory name. Borrowed.
 * @param[in] feature feature name. Borrowed.
 * @param[in] text nonzero for the text template.
 */
void tpl_preload(struct tpl_engine *eng, const char *vendor, const char *feature, int text);

/**
 * @brief Read the engine's counters.
 * @param[in] eng the engine.
 * @param[out] out the counters, copied.
 */
void tpl_engine_stats(const struct tpl_engine *eng, struct tpl_stats *out);

#endif /* NST_TEMPLATE_H */
