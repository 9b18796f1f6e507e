/**
 * @file netstitch.h
 * @brief libnetstitch: the one public header.
 *
 * netstitch turns one YANG service-model instance (yang/netstitch-intercloud.yang)
 * into vendor configuration for every router on a path. This header is the whole
 * public surface: a context, loading a service, checking it, and iterating the
 * diagnostics the checker produced. The `netstitch` command uses only this header.
 *
 * Thread rules: a context and everything loaded through it belong to one thread at
 * a time. Two threads may each use their own context concurrently; the library has
 * no mutable global state.
 *
 * Ownership: every `*_new` / `*_load` result is returned to the caller and released
 * with the matching `*_free`, which accepts NULL. Strings returned by accessors are
 * borrowed and live as long as the object they came from.
 *
 * The library never prints, exits or aborts: messages go to the optional log callback
 * and problems with the input go to the context's diagnostic list.
 */
#ifndef NETSTITCH_H
#define NETSTITCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && !defined(NST_NO_VISIBILITY)
#define NST_API __attribute__((visibility("default")))
#else
#define NST_API
#endif

#define NST_VERSION_MAJOR 0
#define NST_VERSION_MINOR 1
#define NST_VERSION_PATCH 0

/** @brief Error codes returned by every fallible call. 0 is success. */
typedef enum nst_err {
    NST_OK = 0,       /**< success */
    NST_EINVAL,       /**< invalid argument from the caller */
    NST_ENOMEM,       /**< out of memory */
    NST_EIO,          /**< a file could not be read or written */
    NST_EINPUT,       /**< the input is invalid; see the diagnostics */
    NST_ECHECK,       /**< the checker found errors; see the diagnostics */
    NST_EENV,         /**< the environment failed (missing model, device refusal) */
    NST_EINTERNAL     /**< a bug in netstitch; the diagnostic names file:line */
} nst_err;

/** @brief Severity of a diagnostic. */
enum nst_severity {
    NST_SEV_NOTE = 0,  /**< information: a planned change, a bottleneck */
    NST_SEV_WARNING,   /**< suspicious but deployable */
    NST_SEV_ERROR      /**< must be fixed before anything is pushed */
};

/** @brief Input encodings of a service or inventory instance. */
enum nst_format {
    NST_FORMAT_AUTO = 0, /**< from the file name's extension (.xml, .json) */
    NST_FORMAT_XML,
    NST_FORMAT_JSON
};

struct nst_ctx;
struct nst_service;
struct nst_diag;

/** @brief Log callback: @p level is an ::nst_severity, @p msg is borrowed for the call. */
typedef void (*nst_log_cb)(enum nst_severity level, const char *msg, void *user);

/**
 * @brief Runtime version string, e.g. "0.1.0".
 * @return a static string.
 */
NST_API const char *nst_version(void);

/**
 * @brief Human-readable name of an error code.
 * @param[in] err the code.
 * @return a static string.
 */
NST_API const char *nst_strerror(nst_err err);

/**
 * @brief Create a context.
 * @param[in] yang_dir directory holding netstitch's YANG models, or NULL for the
 *            default (the NST_YANG_DIR environment variable, else the installed or
 *            source-tree location). Borrowed.
 * @param[out] ctx the new context, freed with nst_ctx_free().
 * @return NST_OK, NST_EINVAL, NST_ENOMEM, NST_EENV (models not found or not loadable).
 */
NST_API nst_err nst_ctx_new(const char *yang_dir, struct nst_ctx **ctx);

/**
 * @brief Free a context and everything that still belongs to it.
 * @param[in] ctx the context, may be NULL. Consumed.
 */
NST_API void nst_ctx_free(struct nst_ctx *ctx);

/**
 * @brief Install a log callback.
 * @param[in] ctx the context.
 * @param[in] cb the callback, NULL to drop messages.
 * @param[in] user passed back to @p cb, borrowed.
 */
NST_API void nst_ctx_set_log_cb(struct nst_ctx *ctx, nst_log_cb cb, void *user);

/**
 * @brief Load a service instance from a file and validate it against the models.
 *
 * Parse and schema errors are recorded as diagnostics with file, line and path.
 * @param[in] ctx the context.
 * @param[in] path the file. Borrowed.
 * @param[in] format its encoding, or NST_FORMAT_AUTO.
 * @param[out] svc the loaded service, freed with nst_service_free().
 * @return NST_OK, NST_EINVAL, NST_ENOMEM, NST_EIO (unreadable), NST_EINPUT (invalid).
 */
NST_API nst_err nst_service_load(struct nst_ctx *ctx, const char *path, enum nst_format format,
                                 struct nst_service **svc);

/**
 * @brief Load a service instance from memory; like nst_service_load().
 * @param[in] ctx the context.
 * @param[in] data the text, need not be NUL-terminated. Borrowed.
 * @param[in] len its length.
 * @param[in] format NST_FORMAT_XML or NST_FORMAT_JSON.
 * @param[in] name the name diagnostics use for the input (a file name). Borrowed.
 * @param[out] svc the loaded service, freed with nst_service_free().
 * @return NST_OK, NST_EINVAL, NST_ENOMEM, NST_EINPUT.
 */
NST_API nst_err nst_service_load_mem(struct nst_ctx *ctx, const char *data, size_t len,
                                     enum nst_format format, const char *name,
                                     struct nst_service **svc);

/**
 * @brief Free a loaded service.
 * @param[in] svc the service, may be NULL. Consumed.
 */
NST_API void nst_service_free(struct nst_service *svc);

/**
 * @brief Run every semantic check on a loaded service.
 *
 * All problems are reported, not only the first, as diagnostics on the context.
 * Notes (planned MTU changes, bottlenecks) and warnings do not make the check fail.
 * @param[in] svc the service.
 * @return NST_OK (no errors), NST_ECHECK (errors recorded), NST_ENOMEM, NST_EINTERNAL.
 */
NST_API nst_err nst_service_check(struct nst_service *svc);

struct nst_compiled;

/**
 * @brief Compile a checked service: lower it to the per-device IR and render each
 * device's NETCONF payload and native CLI with its vendor driver.
 * @param[in] svc a service on which nst_service_check() returned NST_OK. Borrowed; it
 *            must outlive the result.
 * @param[out] out the result, freed with nst_compiled_free().
 * @return NST_OK, NST_EINVAL (not checked, or check errors), NST_ENOMEM, NST_EINTERNAL.
 */
NST_API nst_err nst_service_compile(struct nst_service *svc, struct nst_compiled **out);

/** @brief Free a compile result; NULL is accepted. */
NST_API void nst_compiled_free(struct nst_compiled *c);

/**
 * @brief The IR as canonical XML text.
 * @param[in] c the result.
 * @param[out] xml a new NUL-terminated string, freed with nst_free_string().
 * @return NST_OK, NST_ENOMEM.
 */
NST_API nst_err nst_compiled_ir(const struct nst_compiled *c, char **xml);

/** @brief Free a string returned by the library; NULL is accepted. */
NST_API void nst_free_string(char *s);

/** @brief Number of diagnostics recorded on the context so far. */
NST_API size_t nst_diag_count(const struct nst_ctx *ctx);
/** @brief Number of recorded diagnostics of severity @p sev. */
NST_API size_t nst_diag_count_severity(const struct nst_ctx *ctx, enum nst_severity sev);
/**
 * @brief The @p i-th diagnostic, in report order (by file, line, then code).
 * @return a borrowed record, or NULL when @p i is out of range. Valid until the
 *         next call that records or clears diagnostics.
 */
NST_API const struct nst_diag *nst_diag_get(const struct nst_ctx *ctx, size_t i);
/** @brief Drop all recorded diagnostics. */
NST_API void nst_diag_clear(struct nst_ctx *ctx);

/** @brief The diagnostic's severity. */
NST_API enum nst_severity nst_diag_severity(const struct nst_diag *d);
/** @brief Its stable code, e.g. "MTU-FIXED-SEGMENT". Never NULL. */
NST_API const char *nst_diag_code(const struct nst_diag *d);
/** @brief The message. Never NULL. */
NST_API const char *nst_diag_message(const struct nst_diag *d);
/** @brief A hint on how to fix it, or NULL. */
NST_API const char *nst_diag_hint(const struct nst_diag *d);
/** @brief The YANG data path of the offending node, or NULL. */
NST_API const char *nst_diag_path(const struct nst_diag *d);
/** @brief The input file, or NULL. */
NST_API const char *nst_diag_file(const struct nst_diag *d);
/** @brief The 1-based line in the input, or 0 when unknown. */
NST_API uint32_t nst_diag_line(const struct nst_diag *d);
/** @brief The device the diagnostic is about, or NULL. */
NST_API const char *nst_diag_device(const struct nst_diag *d);
/** @brief "note", "warning" or "error". */
NST_API const char *nst_severity_name(enum nst_severity sev);

#ifdef __cplusplus
}
#endif

#endif /* NETSTITCH_H */
