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
    NST_EINTERNAL,    /**< a bug in netstitch; the diagnostic names file:line */
    NST_ESECRET,      /**< a secret is not defined by the inventory or cannot be read */
    NST_EBUSY,        /**< another netstitch process holds a device, service or transaction,
                           or an interrupted transaction awaits recover: nothing was touched */
    NST_ECONFLICT     /**< a rollback would overwrite later changes to the same nodes:
                           refused, nothing was changed (NST_TXN_FORCE overrides) */
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

/* ====================================================================================
 * Reading a loaded service (compiler/query.c): its sites, devices, ports, segments,
 * connections, hops and stitch points and, once nst_service_check() ran (with or without
 * errors), the MTU budget of every hop. For tools that draw or inventory a service, such
 * as `netstitch graph`, including a service whose check failed.
 *
 * Each kind of item is one flat list in input order, addressed by index; a field is
 * read as text or as a number. A field the item kind does not have, an index out of
 * range or a NULL service reads NULL (text) or 0 (number).
 * ==================================================================================== */

/** @brief Kinds of items in a service (nst_service_item_count()). */
enum nst_item {
    NST_ITEM_SITE = 0,   /**< sites (the ends of the service, the operators) */
    NST_ITEM_DEVICE,     /**< routers */
    NST_ITEM_PORT,       /**< ports of every device, device by device */
    NST_ITEM_SEGMENT,    /**< links: two ends, each a device port or an external site node */
    NST_ITEM_CONNECTION, /**< end-to-end services over hops */
    NST_ITEM_HOP,        /**< hops of every connection, connection by connection, by seq */
    NST_ITEM_STITCH,     /**< stitch points of every connection, connection by connection */
    NST_ITEM_MULTIPOINT, /**< multipoint VPNs (netstitch-multipoint) */
    NST_ITEM_ATTACHMENT  /**< attachment circuits of every multipoint VPN, VPN by VPN */
};

/**
 * @brief Fields of an item. (T) text, read with nst_service_item_text(); (N) number,
 *        read with nst_service_item_number(). Text is borrowed from the service.
 *        Fields marked "check" are 0 until nst_service_check() has run.
 */
enum nst_field {
    NST_FIELD_NAME = 0,     /**< T: site, device, port, segment, connection, multipoint,
                                 attachment */
    NST_FIELD_KIND,         /**< T: site ("exchange", ...), segment ("ethernet", "mpls-core"),
                                 stitch ("rewrite", "route") */
    NST_FIELD_VENDOR,       /**< T: device: the service's vendor ("junos", "openconfig", ...) */
    NST_FIELD_PLATFORM,     /**< T: device: the platform ("eos"), NULL when unset */
    NST_FIELD_DRIVER,       /**< T: device: the driver that renders it ("eos") */
    NST_FIELD_ROLE,         /**< T: device ("site-edge", ...) */
    NST_FIELD_SITE,         /**< T: device: its site, NULL when unset */
    NST_FIELD_DEVICE,       /**< T: port, stitch: the device */
    NST_FIELD_CONNECTION,   /**< T: hop, stitch: the connection */
    NST_FIELD_SEGMENT,      /**< T: hop: the segment */
    NST_FIELD_OWNER,        /**< T: segment: the site that owns it (its MTU and bandwidth
                                 are fixed), NULL when netstitch manages it */
    NST_FIELD_MTU_MEANING,  /**< T: port: what the vendor's MTU knob counts; segment: "ip" or
                                 "frame-payload" */
    NST_FIELD_ENCAPSULATION, /**< T: hop: "untagged", "dot1q", "qinq" or "vpls" */
    NST_FIELD_VPLS,         /**< T: hop: the VPLS instance of a "vpls" hop */
    NST_FIELD_A_DEVICE,     /**< T: segment end a: the device, NULL for an external end */
    NST_FIELD_A_PORT,       /**< T: segment end a: the device's port */
    NST_FIELD_A_SITE,       /**< T: segment end a: the external site */
    NST_FIELD_A_NODE,       /**< T: segment end a: the external node */
    NST_FIELD_B_DEVICE,     /**< T: segment end b, as for a */
    NST_FIELD_B_PORT,       /**< T: segment end b */
    NST_FIELD_B_SITE,       /**< T: segment end b */
    NST_FIELD_B_NODE,       /**< T: segment end b */
    NST_FIELD_ASN,          /**< N: site, device; 0 unset */
    NST_FIELD_MTU,          /**< N: port: MTU as configured (vendor meaning); segment: the
                                 fixed MTU, 0 none */
    NST_FIELD_MAX_MTU,      /**< N: port: hardware maximum, 0 cannot be raised */
    NST_FIELD_BANDWIDTH,    /**< N: kbit/s: port; segment (fixed, 0 none); connection
                                 (required, 0 none) */
    NST_FIELD_IP_MTU,       /**< N: connection: the IP MTU it must carry */
    NST_FIELD_SEQ,          /**< N: hop: its sequence number */
    NST_FIELD_OUTER_TAG,    /**< N: hop: dot1q VLAN or QinQ S-tag, 0 none */
    NST_FIELD_INNER_TAG,    /**< N: hop: QinQ C-tag, 0 none */
    NST_FIELD_TPID,         /**< N: hop: outer TPID (0x8100, 0x88a8, 0x9100), 0 untagged */
    NST_FIELD_FROM_HOP,     /**< N: stitch: seq of the hop it joins from */
    NST_FIELD_TO_HOP,       /**< N: stitch: seq of the hop it joins to */
    NST_FIELD_FRAME,        /**< N, check: hop: L2 frame bytes (FCS excluded) */
    NST_FIELD_FRAME_LIMIT,  /**< N, check: hop: frame limit of a fixed segment, 0 none; a
                                 frame larger than its limit is an MTU-FIXED-SEGMENT error */
    NST_FIELD_MAX_IP_MTU,   /**< N, check: hop: largest IP MTU it carries (planned changes
                                 included); connection: the whole path's */
    NST_FIELD_A_MTU_NEEDED, /**< N, check: hop: the port MTU end a needs, 0 external */
    NST_FIELD_B_MTU_NEEDED, /**< N, check: hop: the port MTU end b needs, 0 external */
    NST_FIELD_MTU_NEEDED,   /**< N, check: port: the largest MTU any hop needs, 0 unused */
    NST_FIELD_MTU_PLANNED,  /**< N, check: port: the MTU netstitch will set, 0 no change */
    NST_FIELD_BOTTLENECK_HOP, /**< N, check: connection: seq of its narrowest hop, 0 none */
    NST_FIELD_SUBNET,       /**< T: segment: its IPv4 link subnet ("10.0.0.0/30"), NULL none */
    NST_FIELD_IPV6_SUBNET,  /**< T: segment: its IPv6 link subnet ("2001:db8::/64"), NULL none */
    NST_FIELD_PORT,         /**< T: attachment: the PE's port */
    NST_FIELD_MULTIPOINT,   /**< T: attachment: its multipoint VPN */
    NST_FIELD_SIGNALLING,   /**< T: multipoint: "ldp" or "bgp" (a VPLS), "l3vpn" (a layer-3
                                 VPN: routed, no pseudowires) */
    NST_FIELD_REDUNDANCY_GROUP, /**< T: connection: its redundant group (netstitch-redundancy),
                                     NULL when it is no leg of one */
    NST_FIELD_REDUNDANCY_ROLE   /**< T: connection: "primary" or "secondary" in its group, NULL
                                     when it is no leg of one */
};

/**
 * @brief Number of items of a kind.
 * @param[in] svc a loaded service. Borrowed.
 * @param[in] kind the kind.
 * @return the count; 0 for NULL or an unknown kind.
 */
NST_API size_t nst_service_item_count(const struct nst_service *svc, enum nst_item kind);

/**
 * @brief A text field of the @p i-th item of @p kind.
 * @param[in] svc a loaded service. Borrowed.
 * @param[in] kind the kind.
 * @param[in] i the index, below nst_service_item_count().
 * @param[in] field a (T) field.
 * @return a string borrowed from the service (valid until nst_service_free()), or NULL
 *         when unset, not a field of this kind, or out of range.
 */
NST_API const char *nst_service_item_text(const struct nst_service *svc, enum nst_item kind,
                                          size_t i, enum nst_field field);

/**
 * @brief A number field of the @p i-th item of @p kind.
 * @param[in] svc a loaded service. Borrowed.
 * @param[in] kind the kind.
 * @param[in] i the index, below nst_service_item_count().
 * @param[in] field an (N) field.
 * @return the value; 0 when unset, not yet checked, not a field of this kind, or out of
 *         range.
 */
NST_API uint64_t nst_service_item_number(const struct nst_service *svc, enum nst_item kind,
                                         size_t i, enum nst_field field);

struct nst_compiled;

/**
 * @brief Compile a checked service: lower it to the per-device IR and render each
 * device's NETCONF payload and native CLI with its vendor driver.
 * @param[in] svc a service on which nst_service_check() returned NST_OK. Borrowed; it
 *            must outlive the result.
 * @param[out] out the result, freed with nst_compiled_free().
 * Templates come from NST_TEMPLATE_PATH and the built-in directory; see
 * nst_service_compile_with_templates() for the codes and for user directories.
 * @return NST_OK, NST_EINVAL (a NULL argument), NST_ECHECK (not checked, or its check
 *         reported errors: diagnostic NOT-CHECKED), NST_ENOMEM, NST_EINPUT, NST_EENV,
 *         NST_EINTERNAL.
 */
NST_API nst_err nst_service_compile(struct nst_service *svc, struct nst_compiled **out);

/** @brief The stages of nst_compile_file(), in the order they run. */
enum nst_stage {
    NST_STAGE_LOAD = 1, /**< parse, validate against the service model, build the model */
    NST_STAGE_CHECK,    /**< MTU, tags, stitches, addresses, BGP, bandwidth */
    NST_STAGE_LOWER,    /**< the checked model to the IR */
    NST_STAGE_RENDER,   /**< each device's payload and CLI from its IR */
    NST_STAGE_DONE      /**< every stage asked for succeeded */
};

/** @brief nst_compile_file() flags. */
#define NST_COMPILE_CHECK_ONLY 0x1 /**< stop after the check; no compile result */
/** The render state (every vendor's device models, the template engines) stays with the
 * result and is freed by nst_compiled_free() instead of at the end of the render: for a
 * caller about to exit, which may then skip freeing the result (the netstitch command);
 * others keep the device models in memory as long as the result. */
#define NST_COMPILE_KEEP_RENDER 0x2
/** With nst_compile_file_to(): the caller writes the result to that directory and reads
 * no payload or CLI from it; above 256 devices they are then not kept in memory once
 * written (nst_compiled_device_payload() and nst_compiled_device_cli() return NULL for
 * them). For the netstitch command. */
#define NST_COMPILE_WRITE_ONLY 0x4
/** With nst_compile_file_to() and an output directory: the caller asks for no IR, which
 * is then not kept (nst_compiled_ir() returns NST_EINVAL); plan.json is made as the
 * devices render. For the netstitch command without --emit ir. */
#define NST_COMPILE_NO_IR 0x8

/**
 * @brief The whole pipeline in one call: load a service file, check it, lower it to the
 * IR and render every device, stopping at the first stage that fails.
 *
 * The stages report to the context's diagnostics (and through its log callback), as
 * nst_service_load(), nst_service_check() and nst_service_compile_with_templates() do.
 * @param[in] ctx the context. Borrowed.
 * @param[in] path the service file. Borrowed.
 * @param[in] format its encoding, or NST_FORMAT_AUTO.
 * @param[in] template_dirs user template directories searched first, borrowed (copied);
 *            may be NULL when @p ndirs is 0.
 * @param[in] ndirs number of directories.
 * @param[in] flags 0, NST_COMPILE_CHECK_ONLY or NST_COMPILE_KEEP_RENDER.
 * @param[out] stage if not NULL, NST_STAGE_DONE on success, else the stage that failed.
 * @param[out] svc the loaded and checked service, freed with nst_service_free() after
 *             the compile result. Written only on success.
 * @param[out] out the result, freed with nst_compiled_free(); may be NULL with
 *             NST_COMPILE_CHECK_ONLY. Written only on success.
 * @return NST_OK; NST_EINVAL (an argument); from the load NST_EIO, NST_EINPUT; from the
 *         check NST_ECHECK; from the render NST_EINPUT, NST_EENV, NST_EINTERNAL; NST_ENOMEM
 *         from any stage.
 */
NST_API nst_err nst_compile_file(struct nst_ctx *ctx, const char *path, enum nst_format format,
                                 const char *const *template_dirs, size_t ndirs, unsigned flags,
                                 enum nst_stage *stage, struct nst_service **svc,
                                 struct nst_compiled **out);

/**
 * @brief nst_compile_file(), with the output directory written as the devices are
 *        rendered.
 *
 * As nst_compile_file(); in addition, while the devices are rendered, their files are
 * written into a new directory next to @p outdir (as nst_compiled_write() would write
 * them), so that nst_compiled_write() with the same @p outdir afterwards only adds
 * plan.json and puts the set in place. Nothing changes in what is written, when @p outdir
 * is replaced, or what any failure reports: a failure to write a device's file is
 * reported by nst_compiled_write(), as it would have been; when @p outdir cannot be used
 * (it holds foreign files, or no directory can be created next to it) the files are
 * written by nst_compiled_write() instead. A result never written is discarded with
 * nst_compiled_free(), which removes the new directory.
 * @param[in] outdir the directory nst_compiled_write() will be given; NULL is
 *            nst_compile_file().
 * @param[in] flags as nst_compile_file(), and NST_COMPILE_WRITE_ONLY.
 */
NST_API nst_err nst_compile_file_to(struct nst_ctx *ctx, const char *path, enum nst_format format,
                                    const char *const *template_dirs, size_t ndirs, unsigned flags,
                                    const char *outdir, enum nst_stage *stage,
                                    struct nst_service **svc, struct nst_compiled **out);

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

/**
 * @brief Secret placeholders in compiled output.
 *
 * A payload or CLI never contains a secret. Where a device needs one (a BGP session's
 * authentication key) the output holds NST_SECRET_PREFIX, the secret's *name* (the
 * service's auth-key-ref, a secret of the inventory) and NST_SECRET_SUFFIX, e.g.
 * `$NST_SECRET{bgp-twcc-ccx}`. Push substitutes the value, read from the inventory's
 * source, in memory only (XML-escaped in a payload). The placeholder validates against
 * every device model (all key leaves are strings).
 */
#define NST_SECRET_PREFIX "$NST_SECRET{"
#define NST_SECRET_SUFFIX "}"

/**
 * @brief Like nst_service_compile(), with user template directories searched first.
 *
 * Templates are looked up as `<vendor>/<feature>.xml` in @p template_dirs in order, then
 * in the directories of the NST_TEMPLATE_PATH environment variable (colon-separated),
 * then in the built-in directory; the first directory that has the file wins
 * (docs/templates.md, docs/drivers.md).
 * @param[in] svc a service on which nst_service_check() returned NST_OK. Borrowed; it
 *            must outlive the result.
 * @param[in] template_dirs directories, borrowed (copied); may be NULL when @p ndirs is 0.
 * @param[in] ndirs number of directories.
 * @param[out] out the result, freed with nst_compiled_free().
 * @return NST_OK; NST_EINVAL (a NULL argument); NST_ECHECK (not checked, or its check
 *         reported errors: diagnostic NOT-CHECKED); NST_ENOMEM; NST_EINPUT (a
 *         template error, see the diagnostics); NST_EENV (device models missing);
 *         NST_EINTERNAL (a payload that does not validate against its device models:
 *         the diagnostic names the template file and line).
 */
NST_API nst_err nst_service_compile_with_templates(struct nst_service *svc,
                                                   const char *const *template_dirs,
                                                   size_t ndirs, struct nst_compiled **out);

/**
 * @brief Number of devices in a compile result (every device of the service).
 * @param[in] c the result.
 * @return the count; 0 for NULL.
 */
NST_API size_t nst_compiled_device_count(const struct nst_compiled *c);

/**
 * @brief The name of the @p i-th device (service order).
 * @param[in] c the result.
 * @param[in] i the index.
 * @return a string borrowed from the result, or NULL when @p i is out of range.
 */
NST_API const char *nst_compiled_device_name(const struct nst_compiled *c, size_t i);

/**
 * @brief The driver that rendered the @p i-th device ("junos", "iosxr", "sros", "vrp",
 *        "openconfig", "eos").
 * @param[in] c the result.
 * @param[in] i the index.
 * @return a static string, or NULL when @p i is out of range.
 */
NST_API const char *nst_compiled_device_driver(const struct nst_compiled *c, size_t i);

/**
 * @brief The NETCONF payload of the @p i-th device: one `<config>` element in the
 *        NETCONF base namespace, for edit-config, validated against the device models.
 * @param[in] c the result.
 * @param[in] i the index.
 * @return a string borrowed from the result; NULL when @p i is out of range or the
 *         device is pending (its driver renders nothing yet), or when memory runs out.
 */
NST_API const char *nst_compiled_device_payload(const struct nst_compiled *c, size_t i);

/**
 * @brief Whether the @p i-th device was rendered (it has a payload and a CLI), without
 *        asking for the texts (the result keeps them compressed until asked for).
 * @param[in] c the result.
 * @param[in] i the index.
 * @return 1 when rendered; 0 when pending or @p i is out of range.
 */
NST_API int nst_compiled_device_rendered(const struct nst_compiled *c, size_t i);

/**
 * @brief The native CLI of the @p i-th device (Junos `set` commands, IOS-XR
 *        configuration, SR OS MD-CLI, ...), one command per line.
 * @param[in] c the result.
 * @param[in] i the index.
 * @return a string borrowed from the result; NULL when out of range or pending.
 */
NST_API const char *nst_compiled_device_cli(const struct nst_compiled *c, size_t i);

/**
 * @brief The plan as JSON: devices (status, driver, the changes each gets), the MTU
 *        table per connection and hop, and every diagnostic of the context.
 *        Deterministic: no timestamps, fixed order.
 * @param[in] c the result.
 * @param[out] json a new NUL-terminated string, freed with nst_free_string().
 * @return NST_OK, NST_EINVAL, NST_ENOMEM.
 */
NST_API nst_err nst_compiled_plan(const struct nst_compiled *c, char **json);

/**
 * @brief Write the outputs into a directory: `<device>.xml` (the payload) and
 *        `<device>.cli` for every device that is not pending, and `plan.json`.
 *
 * All or nothing: the set is written into a new directory next to @dir, which then
 * replaces @dir in one rename (an existing @dir, an earlier compile's output, is exchanged
 * atomically and removed). A failure leaves @dir as it was and records an IO-WRITE
 * diagnostic naming the file and the system's reason. An existing @dir that holds files
 * a compile does not write is refused (IO-WRITE), untouched. Byte-for-byte deterministic.
 * @param[in] c the result.
 * @param[in] dir the directory (its parent must exist). Borrowed.
 * @return NST_OK, NST_EINVAL, NST_ENOMEM, NST_EIO (cannot create or write: see the
 *         diagnostics).
 */
NST_API nst_err nst_compiled_write(const struct nst_compiled *c, const char *dir);

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

/* ====================================================================================
 * Inventory, push, rollback and recover (netconf/inventory.c, netconf/txn.c).
 * docs/push.md describes the transaction, the state directory and the exit codes.
 * ==================================================================================== */

struct nst_inventory;
struct nst_txn;

/**
 * @brief Load an inventory (yang/netstitch-inventory.yang) and validate it.
 *
 * Problems are recorded as diagnostics on the context (file, line, data path), like a
 * service's. No secret is read here: passwords and keys are read when they are used.
 * @param[in] ctx the context.
 * @param[in] path the file. Borrowed.
 * @param[in] format its encoding, or NST_FORMAT_AUTO.
 * @param[out] inv the inventory, freed with nst_inventory_free().
 * @return NST_OK, NST_EINVAL, NST_ENOMEM, NST_EIO (unreadable), NST_EINPUT (invalid).
 */
NST_API nst_err nst_inventory_load(struct nst_ctx *ctx, const char *path, enum nst_format format,
                                   struct nst_inventory **inv);

/**
 * @brief Load an inventory from a NUL-terminated string; like nst_inventory_load().
 * @param[in] ctx the context.
 * @param[in] data the text. Borrowed.
 * @param[in] format its encoding, or NST_FORMAT_AUTO (JSON if it starts with '{').
 * @param[in] name the name diagnostics use for the input, or NULL. Borrowed.
 * @param[out] inv the inventory, freed with nst_inventory_free().
 * @return NST_OK, NST_EINVAL, NST_ENOMEM, NST_EINPUT.
 */
NST_API nst_err nst_inventory_load_mem(struct nst_ctx *ctx, const char *data,
                                       enum nst_format format, const char *name,
                                       struct nst_inventory **inv);

/** @brief Free an inventory; NULL is accepted. */
NST_API void nst_inventory_free(struct nst_inventory *inv);

/** @brief Number of devices in the inventory (0 for NULL). */
NST_API size_t nst_inventory_device_count(const struct nst_inventory *inv);

/**
 * @brief The @p i-th device's name.
 * @return borrowed from the inventory, or NULL when @p i is out of range.
 */
NST_API const char *nst_inventory_device_name(const struct nst_inventory *inv, size_t i);

/** @brief How a device is covered by the transaction (chosen from its <hello>). */
enum nst_txn_method {
    NST_TXN_METHOD_UNKNOWN = 0,   /**< not connected yet */
    NST_TXN_METHOD_CONFIRMED,     /**< candidate + confirmed commit, cancel/timeout undo it */
    NST_TXN_METHOD_CANDIDATE,     /**< candidate, plain commit; undone by snapshot restore */
    NST_TXN_METHOD_RUNNING        /**< writable-running only; undone by snapshot restore */
};

/** @brief Where one device ended. */
enum nst_txn_dev_state {
    NST_TXN_DEV_UNTOUCHED = 0,    /**< nothing was changed (maybe not even connected) */
    NST_TXN_DEV_PREPARED,         /**< candidate edited, not committed (transient) */
    NST_TXN_DEV_COMMITTED,        /**< change is live (confirmed devices: confirmed) */
    NST_TXN_DEV_DISCARDED,        /**< candidate edits were discarded; running unchanged */
    NST_TXN_DEV_RESTORED,         /**< change was undone; running verified equal to before */
    NST_TXN_DEV_UNKNOWN           /**< could not be undone or verified: see its errors */
};

/** @brief What the whole transaction did. */
enum nst_txn_outcome {
    NST_TXN_NOT_RUN = 0,          /**< not run, or stopped before any device was touched */
    NST_TXN_COMMITTED,            /**< every device has the change */
    NST_TXN_DRY_RUN_OK,           /**< NST_TXN_DRY_RUN: every device accepted the edit */
    NST_TXN_ABORTED,              /**< failed; every device verified back as before */
    NST_TXN_INCOMPLETE,           /**< failed and some device is UNKNOWN: run recover */
    NST_TXN_NOTHING_TO_DO         /**< recover: the transaction had already finished */
};

/** @brief Phases reported to the progress callback. */
enum nst_txn_phase {
    NST_TXN_PHASE_CONNECT = 0,
    NST_TXN_PHASE_PREPARE,
    NST_TXN_PHASE_COMMIT,
    NST_TXN_PHASE_CONFIRM,
    NST_TXN_PHASE_ABORT,
    NST_TXN_PHASE_RECOVER,
    NST_TXN_PHASE_DONE,
    NST_TXN_PHASE_HEALTH  /**< the health gate (nst_txn_set_health()), before confirm */
};

/** @brief Fields of a device's error (nst_txn_device_error()). */
enum nst_txn_err_field {
    NST_TXN_ERR_TEXT = 0,         /**< one line: "step: kind: message [tag/app-tag] path" */
    NST_TXN_ERR_STEP,             /**< "connect", "lock", "edit-config", "commit", ... */
    NST_TXN_ERR_KIND,             /**< "connect", "host-key", "auth", "rpc-error", ... */
    NST_TXN_ERR_MESSAGE,          /**< the NETCONF error-message or the local reason */
    NST_TXN_ERR_TAG,              /**< NETCONF error-tag */
    NST_TXN_ERR_APP_TAG,          /**< NETCONF error-app-tag */
    NST_TXN_ERR_PATH,             /**< NETCONF error-path */
    NST_TXN_ERR_UNDO              /**< what went wrong while undoing this device */
};

/** @brief Transaction flags (nst_txn_set_flags()). */
#define NST_TXN_DRY_RUN     0x1u  /**< prepare (lock, edit, validate) everywhere, then
                                       discard: nothing is committed */
#define NST_TXN_NO_VALIDATE 0x2u  /**< never send <validate> (commit validates anyway) */
#define NST_TXN_FORCE       0x4u  /**< rollback: also a transaction that did not commit */
#define NST_TXN_ABORT       0x8u  /**< recover: undo even after a "confirm" decision */
#define NST_TXN_FORGET      0x10u /**< recover: touch no device, only mark the transaction
                                       finished ("abandoned"); the operator has made the
                                       devices consistent by other means */

/**
 * @brief Progress callback.
 * @param[in] phase the phase.
 * @param[in] device NULL when a phase starts, else the device a step finished on.
 * @param[in] step NULL when a phase starts, else the step ("connect", "plan", "lock",
 *            "edit-config", "commit", "confirm", "cancel-commit", "restore", "verify", ...).
 * @param[in] result "ok", "failed", or for "plan" the method name. Borrowed.
 * @param[in] user the pointer given to nst_txn_set_progress_cb().
 * Called from worker threads, one call at a time (serialized); phase starts come from
 * the thread that called push/rollback/recover. It must not call nst_txn_* functions.
 */
typedef void (*nst_txn_progress_cb)(enum nst_txn_phase phase, const char *device,
                                    const char *step, const char *result, void *user);

/**
 * @brief Create a transaction for devices of @p inv.
 * @param[in] ctx the context (its log callback gets warnings). Borrowed; must outlive it.
 * @param[in] inv the inventory. Borrowed; must outlive the transaction.
 * @param[out] txn the transaction, freed with nst_txn_free().
 * @return NST_OK, NST_EINVAL, NST_ENOMEM.
 */
NST_API nst_err nst_txn_new(struct nst_ctx *ctx, const struct nst_inventory *inv,
                            struct nst_txn **txn);

/** @brief Free a transaction (closing any session it still holds); NULL is accepted. */
NST_API void nst_txn_free(struct nst_txn *txn);

/**
 * @brief Set the state directory (default $XDG_STATE_HOME/netstitch or
 *        ~/.local/state/netstitch).
 * @param[in] dir the directory, copied; NULL for the default.
 * @return NST_OK, NST_EINVAL, NST_ENOMEM.
 */
NST_API nst_err nst_txn_set_state_dir(struct nst_txn *txn, const char *dir);

/** @brief At most @p jobs devices are worked on at once (0 = the default: every device, within the file-descriptor limit and the available memory; max 256). */
NST_API void nst_txn_set_jobs(struct nst_txn *txn, unsigned jobs);

/**
 * @brief The confirm-timeout of confirmed commits, in seconds (converted to the
 *        vendor's unit). 0 = default: the largest commit timeout of the devices + 60.
 */
NST_API void nst_txn_set_confirm_timeout(struct nst_txn *txn, uint32_t seconds);

/** @brief NST_TXN_* flags. */
NST_API void nst_txn_set_flags(struct nst_txn *txn, unsigned flags);

/** @brief Install a progress callback (NULL to remove); @p user is borrowed. */
NST_API void nst_txn_set_progress_cb(struct nst_txn *txn, nst_txn_progress_cb cb, void *user);

/** @brief What nst_txn_set_note() records in the transaction's history row. */
enum nst_txn_note {
    NST_TXN_NOTE_SERVICE, /**< the service the transaction applies (value: its name) */
    NST_TXN_NOTE_COMMENT, /**< the operator's comment (`--comment`) */
    NST_TXN_NOTE_DELETE   /**< value non-NULL: the push deletes a service (kind "delete") */
};

/**
 * @brief Record a history field of the transaction (`netstitch log`), before it runs.
 * @param[in] value copied; NULL clears.
 * @return NST_OK; NST_EINVAL (already run, or a service name longer than 71 bytes);
 *         NST_ENOMEM.
 */
NST_API nst_err nst_txn_set_note(struct nst_txn *txn, enum nst_txn_note what, const char *value);

/**
 * @brief Add a device and its NETCONF payload to a push.
 * @param[in] device a device name of the inventory. Borrowed.
 * @param[in] vendor its driver name ("junos", ...) for vendor facts such as the
 *            confirm-timeout unit, or NULL (the device's <hello> decides alone). Borrowed.
 * @param[in] xml the edit: top-level config elements, or one NETCONF <config> element.
 *            Secrets appear only as `$NST_SECRET{name}` (NST_SECRET_PREFIX). Copied.
 * @return NST_OK; NST_EINVAL (unknown device or added twice; nst_txn_message() says
 *         which); NST_ESECRET (a secret the inventory does not define); NST_EINPUT (not
 *         well-formed XML, or a malformed placeholder); NST_ENOMEM.
 */
NST_API nst_err nst_txn_add_payload(struct nst_txn *txn, const char *device, const char *vendor,
                                    const char *xml);

/**
 * @brief Run the push: connect, prepare, commit (confirmed), confirm; on any failure undo
 *        everywhere. The report (outcome, per-device state and errors) is read with the
 *        accessors below. Usable once per transaction object.
 * @return NST_OK (committed, or dry run passed); NST_EINVAL (nothing added); NST_ESECRET
 *         (a secret is undefined or cannot be read; nothing touched); NST_EIO (state
 *         directory unusable; nothing touched); NST_EBUSY (another netstitch holds a
 *         device, or an interrupted transaction on one awaits recover; nothing touched);
 *         NST_EENV (a device failed: see the outcome and nst_txn_message()); NST_ENOMEM.
 *         Refusals before any device is touched are also recorded as coded diagnostics
 *         on the context (TXN-*, STATE-*); nst_txn_code() names the code.
 */
NST_API nst_err nst_txn_push(struct nst_txn *txn);

/**
 * @brief Restore the pre-change configuration that transaction @p txid saved, on all
 *        its devices, as one new transaction (same guarantees as a push).
 * @param[in] txid the transaction to roll back. Borrowed.
 * Exactly what @p txid changed is undone: the reverse of the diff between each device's
 * configuration before and right after it (libyang's lyd_diff_siblings and
 * lyd_diff_reverse_all), applied as an edit that touches nothing else. When a later
 * transaction changed the same nodes, the rollback is refused before anything is
 * changed (NST_ECONFLICT; the device's error names the node and the later transaction)
 * unless NST_TXN_FORCE. A transaction recorded without its "after" configuration (before
 * netstitch kept it) is rolled back by restoring its snapshot's touched top-level
 * elements whole.
 * @return as nst_txn_push(); NST_EINVAL also for an unknown id, a transaction that did
 *         not commit (unless NST_TXN_FORCE), or a device missing from the inventory;
 *         NST_ECONFLICT.
 */
NST_API nst_err nst_txn_rollback(struct nst_txn *txn, const char *txid);

/**
 * @brief Finish or undo an interrupted transaction: after a durable "confirm" decision
 *        roll forward (unless NST_TXN_ABORT), else undo every device. Every device's
 *        final state is verified against its snapshot. With NST_TXN_FORGET nothing is
 *        sent: the transaction is only marked finished, which unblocks its devices.
 * @param[in] txid the interrupted transaction. Borrowed.
 * @return NST_OK (consistent: committed everywhere, undone everywhere, or nothing to do:
 *         see the outcome); NST_EINVAL (unknown id); NST_EBUSY (another process runs it);
 *         NST_EENV (some device is still UNKNOWN); NST_EIO; NST_ENOMEM.
 */
NST_API nst_err nst_txn_recover(struct nst_txn *txn, const char *txid);

/** @brief Which transactions nst_txn_list() returns. */
#define NST_TXN_LIST_ALL         0x0u
#define NST_TXN_LIST_INTERRUPTED 0x1u /**< unfinished and not run by a live process */

/**
 * @brief Transactions in the state directory, oldest first.
 * @param[in] which NST_TXN_LIST_*.
 * @param[out] ids NULL-terminated array of ids, freed with nst_txn_list_free().
 * @return NST_OK, NST_EIO, NST_ENOMEM.
 */
NST_API nst_err nst_txn_list(struct nst_txn *txn, unsigned which, char ***ids);

/** @brief Free a list from nst_txn_list(); NULL is accepted. */
NST_API void nst_txn_list_free(char **ids);

/**
 * @brief One line describing a past transaction: "TXID KIND OUTCOME device,device,...".
 * @param[out] line a new string, freed with nst_free_string().
 * @return NST_OK, NST_EINVAL (unknown id), NST_EIO, NST_ENOMEM.
 */
NST_API nst_err nst_txn_describe(struct nst_txn *txn, const char *txid, char **line);

/** @brief The transaction id (state directory name), or NULL before it was created. */
NST_API const char *nst_txn_id(const struct nst_txn *txn);

/** @brief The outcome. */
NST_API enum nst_txn_outcome nst_txn_outcome(const struct nst_txn *txn);

/**
 * @brief A one-line summary of the first failure ("device b failed at edit-config: ..."),
 *        or "" when nothing failed. Borrowed; lives as long as @p txn. Never holds a secret.
 */
NST_API const char *nst_txn_message(const struct nst_txn *txn);

/**
 * @brief The stable diagnostic code ("TXN-DEVICE-BUSY", ...) of the refusal that
 *        nst_txn_message() describes, or "" when the message (if any) is a device failure.
 *        Borrowed; lives as long as @p txn.
 */
NST_API const char *nst_txn_code(const struct nst_txn *txn);

/** @brief Number of devices in the transaction. */
NST_API size_t nst_txn_device_count(const struct nst_txn *txn);

/** @brief The @p i-th device's name; borrowed, NULL when out of range. */
NST_API const char *nst_txn_device_name(const struct nst_txn *txn, size_t i);

/** @brief The @p i-th device's method. */
NST_API enum nst_txn_method nst_txn_device_method(const struct nst_txn *txn, size_t i);

/**
 * @brief The edit the @p i-th device was (or, after a dry run, would be) sent: for a
 *        rollback the reverse diff built in the prepare phase. Secrets as placeholders.
 *        Borrowed; NULL when out of range.
 */
NST_API const char *nst_txn_device_payload(const struct nst_txn *txn, size_t i);


/** @brief The @p i-th device's final state. */
NST_API enum nst_txn_dev_state nst_txn_device_state(const struct nst_txn *txn, size_t i);

/**
 * @brief A field of the @p i-th device's first error.
 * @return borrowed, "" when there is none (NULL when @p i is out of range). Never holds a
 *         secret.
 */
NST_API const char *nst_txn_device_error(const struct nst_txn *txn, size_t i,
                                         enum nst_txn_err_field field);

/** @brief "confirmed-commit", "candidate+restore", "running+restore" or "unknown". */
NST_API const char *nst_txn_method_name(enum nst_txn_method m);
/** @brief "untouched", "prepared", "committed", "discarded", "restored" or "UNKNOWN". */
NST_API const char *nst_txn_dev_state_name(enum nst_txn_dev_state s);
/** @brief "not-run", "committed", "dry-run-ok", "aborted", "incomplete", "nothing-to-do". */
NST_API const char *nst_txn_outcome_name(enum nst_txn_outcome o);
/** @brief "connect", "prepare", "commit", "confirm", "abort", "recover", "done". */
NST_API const char *nst_txn_phase_name(enum nst_txn_phase p);

/* ====================================================================================
 * History: what the state store remembers (netconf/history.c; docs/push.md).
 * ==================================================================================== */

struct nst_history;

/** @brief The text fields of a transaction's history row (nst_history_field()). */
enum nst_history_field {
    NST_HISTORY_ID,
    NST_HISTORY_KIND,        /**< push, delete, rollback, recover */
    NST_HISTORY_OUTCOME,     /**< committed, aborted, ..., or running / interrupted */
    NST_HISTORY_USER,
    NST_HISTORY_HOST,
    NST_HISTORY_SERVICE,     /**< "" when not a service's push or delete */
    NST_HISTORY_COMMENT,     /**< "" when none */
    NST_HISTORY_DEVICES,     /**< "a,b,c" */
    NST_HISTORY_ROLLBACK_OF  /**< "" unless a rollback */
};

/**
 * @brief Open the state store read for its history: every transaction, oldest first.
 * @param[in] state a state directory, a postgresql:// URL, or NULL for the default.
 * @param[out] out freed with nst_history_free().
 * @return NST_OK; NST_EINVAL; NST_EIO (the store cannot be opened: nst_history_message());
 *         NST_ENOMEM.
 */
NST_API nst_err nst_history_open(struct nst_ctx *ctx, const char *state, struct nst_history **out);

/** @brief Free; accepts NULL. */
NST_API void nst_history_free(struct nst_history *h);

/** @brief Why the last call failed, or "". */
NST_API const char *nst_history_message(const struct nst_history *h);

/** @brief Where the history is ("DIR/state.db" or the URL without its password). */
NST_API const char *nst_history_location(const struct nst_history *h);

/** @brief The number of transactions. */
NST_API size_t nst_history_count(const struct nst_history *h);

/** @brief Field @p f of the @p i-th transaction (oldest first); "" when out of range. */
NST_API const char *nst_history_field(const struct nst_history *h, size_t i,
                                      enum nst_history_field f);

/** @brief Start (@p finished 0) or finish time, unix milliseconds; 0 when unknown. */
NST_API long long nst_history_time(const struct nst_history *h, size_t i, int finished);

/** @brief The index of transaction @p id, or (size_t)-1. */
NST_API size_t nst_history_find(const struct nst_history *h, const char *id);

/**
 * @brief A transaction's journal ("MS LINE" per line) or one of its records ("plan",
 *        "dev-<i>.before.xml", "dev-<i>.payload.xml"); secrets are placeholders in both.
 * @param[in] name NULL for the journal.
 * @param[out] text freed with nst_free_string().
 * @return NST_OK; NST_EINVAL (unknown id, or no such record); NST_EIO; NST_ENOMEM.
 */
NST_API nst_err nst_history_text(struct nst_history *h, const char *id, const char *name,
                                 char **text);

/**
 * @brief Delete a finished transaction and its records (`netstitch gc`). Refused for one
 *        that is running or interrupted, and for one a service's ownership record names.
 * @return NST_OK; NST_EINVAL (unknown, unfinished, or still referenced; see the message);
 *         NST_EBUSY; NST_EIO.
 */
NST_API nst_err nst_history_delete(struct nst_history *h, const char *id);

/**
 * @brief The services the store has ownership records of, with what each owns now.
 * @param[out] names NULL-terminated, freed with nst_txn_list_free().
 */
NST_API nst_err nst_history_services(struct nst_history *h, char ***names);

/**
 * @brief Service @p name's current record: the transaction that made it ("" when none
 *        recorded) and its devices ("a,b"), and whether an interrupted push left it
 *        uncertain.
 * @param[out] txid, devices freed with nst_free_string().
 */
NST_API nst_err nst_history_service(struct nst_history *h, const char *name, char **txid,
                                    char **devices, int *uncertain);

/* ====================================================================================
 * Live diff and the service lifecycle (netconf/diff.c, netconf/lifecycle.c).
 * docs/diff.md describes the formats, the exit codes, the ownership model and drift.
 * ==================================================================================== */

struct nst_diff;

/** @brief Formats of nst_diff_print(). */
enum nst_diff_format {
    NST_DIFF_FORMAT_TREE = 0, /**< curly-brace tree with +/- lines (NSO's `outformat cli`) */
    NST_DIFF_FORMAT_CLI,      /**< the native CLI that applies the change, per vendor */
    NST_DIFF_FORMAT_XML,      /**< the NETCONF edit-config payload of each device */
    NST_DIFF_FORMAT_JSON      /**< one JSON document: devices, changes, drift */
};

/** @brief Flags of nst_diff_set_flags() and nst_diff_print(). */
#define NST_DIFF_NO_STATE 0x1u /**< ignore what earlier pushes recorded: compare only what the
                                    target generates and remove nothing */
#define NST_DIFF_COLOR    0x2u /**< print: ANSI colours */
#define NST_DIFF_REDEPLOY 0x4u /**< apply: re-send a device's whole configuration even when
                                    it is in sync (a replaced or reset router) */
#define NST_DIFF_EXITING  0x8u /**< free: the process exits next. nst_diff_free() releases
                                    the service lock, closes the state store and wipes the
                                    secrets it read, and leaves the rest (every device's
                                    trees, the device models) to the exit */

/** @brief Bits of nst_diff_device_status(). */
#define NST_DIFF_DEV_CHANGES   0x1u /**< the device needs changes */
#define NST_DIFF_DEV_DRIFT     0x2u /**< configuration netstitch owns was changed outside it */
#define NST_DIFF_DEV_ERROR     0x4u /**< the device could not be compared (nst_diff_device_error) */
#define NST_DIFF_DEV_UNCERTAIN 0x8u /**< an interrupted push left the ownership record
                                         uncertain: both candidates are treated as owned */
#define NST_DIFF_DEV_SKIPPED   0x10u /**< outside nst_diff_set_limit(): not compared, not
                                          changed, its ownership record kept as it is */
#define NST_DIFF_DEV_FOREIGN   0x20u /**< the device holds configuration with netstitch's
                                          marks for this service that the state store has
                                          no record of (another store pushed it):
                                          nst_diff_message() says where; push refuses it
                                          unless forced */

/**
 * @brief Create a diff of one service against the network.
 * @param[in] ctx the context. Borrowed; must outlive the diff.
 * @param[in] service the service's name: the key of its ownership record in the state
 *            directory (letters, digits, '.', '_', '-'; 1..64 characters). Copied.
 * @param[out] out the diff, freed with nst_diff_free().
 * @return NST_OK, NST_EINVAL (bad name), NST_ENOMEM.
 */
NST_API nst_err nst_diff_new(struct nst_ctx *ctx, const char *service, struct nst_diff **out);

/** @brief Free a diff (and the device sessions' contexts it kept); NULL is accepted. */
NST_API void nst_diff_free(struct nst_diff *d);

/**
 * @brief Compare against the live devices of @p inv (read-only <get-config>, in parallel).
 * @param[in] inv the inventory. Borrowed; must outlive the diff.
 * @return NST_OK, NST_EINVAL.
 */
NST_API nst_err nst_diff_set_inventory(struct nst_diff *d, const struct nst_inventory *inv);

/**
 * @brief Compare against saved running configurations `DIR/<device>.xml` (the format
 *        `compile -o` writes) instead of devices; a missing file is an empty configuration.
 * @param[in] dir the directory, copied.
 * @return NST_OK, NST_EINVAL, NST_ENOMEM.
 */
NST_API nst_err nst_diff_set_offline(struct nst_diff *d, const char *dir);

/**
 * @brief The state directory holding ownership records (default as for push). In
 *        offline mode a state directory that does not exist is not created.
 * @param[in] dir the directory, copied; NULL for the default.
 * @return NST_OK, NST_EINVAL, NST_ENOMEM.
 */
NST_API nst_err nst_diff_set_state_dir(struct nst_diff *d, const char *dir);

/** @brief At most @p jobs devices are read at once (0 = the default: every device, within the file-descriptor limit and the available memory; max 256). */
NST_API void nst_diff_set_jobs(struct nst_diff *d, unsigned jobs);

/** @brief NST_DIFF_NO_STATE. */
NST_API void nst_diff_set_flags(struct nst_diff *d, unsigned flags);

/**
 * @brief Work on these devices only (`--limit`): the others are neither compared, printed
 *        nor changed, and their part of the service's ownership record stays as it was.
 * @param[in] devices names, copied; @p n 0 clears the limit.
 * @return NST_OK; NST_EINVAL (already run); NST_ENOMEM.
 */
NST_API nst_err nst_diff_set_limit(struct nst_diff *d, const char *const *devices, size_t n);

/**
 * @brief The MTU the service declares for a port of a target device ("the port's MTU now",
 *        the service's port mtu): nst_diff_run() compares it with the MTU the router runs
 *        where the payload sets the port's MTU, and the printers report a difference as
 *        MTU-MISMATCH with the device, the port and both numbers (the plan was made from
 *        the declared number).
 * @param[in,out] d the diff, before nst_diff_run(). Borrowed.
 * @param[in] device a device added with nst_diff_add_target(). Copied.
 * @param[in] port the port's name in the service. Copied.
 * @param[in] mtu the declared MTU, in the vendor's meaning.
 * @return NST_OK; NST_EINVAL (NULL or empty argument, an unknown device, after the run);
 *         NST_ENOMEM.
 */
NST_API nst_err nst_diff_add_port(struct nst_diff *d, const char *device, const char *port,
                                  uint32_t mtu);

/**
 * @brief What the service needs on a device: its compiled payload.
 * @param[in] device the device name. Copied.
 * @param[in] driver its driver ("junos", ...; nst_compiled_device_driver()), or NULL.
 * @param[in] payload the payload (nst_compiled_device_payload()), or NULL when the driver
 *            renders none (the device is then reported as an error). Copied.
 * Devices the service owned earlier and no longer has are added by nst_diff_run() with
 * an empty target (everything netstitch created there is removed). A diff without any
 * target is the service's deletion.
 * @return NST_OK, NST_EINVAL (added twice, or after the run), NST_ENOMEM.
 */
NST_API nst_err nst_diff_add_target(struct nst_diff *d, const char *device, const char *driver,
                                    const char *payload);

/**
 * @brief Build the device models' context now and parse the payloads `DIR/<device>.xml`
 *        into it on a thread of its own, while the caller does other work (loads the
 *        service, the inventory): a device later added with nst_diff_add_target() under
 *        the same name with the same text takes its parsed tree instead of parsing it in
 *        nst_diff_run(). Files outside the limit (nst_diff_set_limit(), which must come
 *        first and cannot change afterwards) are not read; a file that does not parse is
 *        left to the run, which reports it as before. nst_diff_run() stops the thread at
 *        its next file, so waits for one file's parse at most.
 * @param[in] dir the payload directory (`diff --payloads`). Copied.
 * @return NST_OK (also when no thread could be started: nothing is parsed ahead);
 *         NST_EINVAL (after the run, or called twice); NST_EENV (the models do not load:
 *         nothing recorded, the run tries again and says so); NST_ENOMEM.
 */
NST_API nst_err nst_diff_preload(struct nst_diff *d, const char *dir);

/**
 * @brief Read the ownership record, fetch (or read) every device's running configuration
 *        and compare. Usable once.
 * @return NST_OK (see each device's status: errors are per device); NST_EINVAL (no
 *         inventory nor offline directory, or a device missing from the inventory); NST_EIO
 *         (the state directory cannot be used); NST_EBUSY (a device drifted from the record
 *         read at the start, and another process applied the service meanwhile: run
 *         again); NST_ENOMEM. nst_diff_message() says why.
 */
NST_API nst_err nst_diff_run(struct nst_diff *d);

/** @brief Number of devices compared (targets and previously owned devices). */
NST_API size_t nst_diff_device_count(const struct nst_diff *d);
/** @brief The @p i-th device's name (borrowed), NULL when out of range. */
NST_API const char *nst_diff_device_name(const struct nst_diff *d, size_t i);
/** @brief NST_DIFF_DEV_* bits of the @p i-th device. */
NST_API unsigned nst_diff_device_status(const struct nst_diff *d, size_t i);
/** @brief Why the @p i-th device could not be compared; "" when it could. Never a secret. */
NST_API const char *nst_diff_device_error(const struct nst_diff *d, size_t i);

/**
 * @brief Print the whole diff.
 * @param[in] fmt the format.
 * @param[in] flags NST_DIFF_COLOR.
 * @param[out] text a new string, freed with nst_free_string(). It never holds a secret.
 * @return NST_OK, NST_EINVAL (not run), NST_ENOMEM.
 */
NST_API nst_err nst_diff_print(const struct nst_diff *d, enum nst_diff_format fmt, unsigned flags,
                               char **text);

/**
 * @brief What a rollback sends (or, after a dry run, would send) every device, as a diff:
 *        the reverse diff in the format of `netstitch diff` (tree: +/- lines; cli: the
 *        vendor's CLI; json: one document {"command": "rollback", "devices": [{"name",
 *        "driver", "status", "changes"...}]}; xml: the edit-config payloads). A device
 *        whose rollback restores whole top-level elements (no reverse diff) shows that
 *        payload. Secrets as placeholders.
 * @param[in] txn a rollback transaction that ran (nst_txn_rollback()).
 * @param[in] fmt the format. @param[in] flags NST_DIFF_COLOR.
 * @param[out] text a new string, freed with nst_free_string().
 * @return NST_OK, NST_EINVAL, NST_ENOMEM.
 */
NST_API nst_err nst_txn_diff_print(const struct nst_txn *txn, enum nst_diff_format fmt,
                                   unsigned flags, char **text);

/** @brief A one-line note or the reason of the last failure, "" when none. Borrowed. */
NST_API const char *nst_diff_message(const struct nst_diff *d);

/**
 * @brief Begin applying the diff through a push transaction: lock the service against
 *        other netstitch processes, record the new ownership durably as pending, and add
 *        every changed device's edit to @p txn.
 * @param[in] txn the transaction (not run yet), or NULL when nothing is to be pushed (the
 *            record is then only prepared).
 * @param[out] added number of devices added to @p txn.
 * @return NST_OK; NST_EINVAL (not run, or a device with an error); NST_EENV (another
 *         process applies this service); NST_EIO; NST_ENOMEM.
 */
NST_API nst_err nst_diff_apply_begin(struct nst_diff *d, struct nst_txn *txn, size_t *added);

/**
 * @brief Finish applying: when @p txn committed (or is NULL: nothing needed pushing) the
 *        pending ownership record becomes the service's record (a deletion leaves an
 *        empty one); otherwise it is dropped. Releases the service lock.
 * @return NST_OK, NST_EINVAL (no apply begun), NST_EIO, NST_ENOMEM.
 */
NST_API nst_err nst_diff_apply_end(struct nst_diff *d, const struct nst_txn *txn);

/* ====================================================================================
 * Health (netconf/health.c): the BGP sessions of a service, read from the routers and
 * judged against what the service expects (docs/push.md, "The health gate"). Used by
 * `netstitch status` and, through nst_txn_set_health(), by push's gate.
 * ==================================================================================== */

struct nst_health;

/** @brief Output formats of nst_health_print(). */
enum nst_health_format {
    NST_HEALTH_TEXT = 0,  /**< one line per session, then a summary line */
    NST_HEALTH_JSON,      /**< one JSON object */
    NST_HEALTH_PROMETHEUS /**< OpenMetrics text (gauges, "# EOF" at the end) */
};

/**
 * @brief A health check of every bgp-session of a service.
 * @param[in] svc a loaded and checked service. Borrowed; must outlive the result.
 * @param[in] inv the inventory that reaches its devices. Borrowed; must outlive the result.
 * @param[out] out the check, freed with nst_health_free().
 * @return NST_OK; NST_EINVAL (no service model); NST_ENOMEM.
 */
NST_API nst_err nst_health_new(struct nst_service *svc, const struct nst_inventory *inv,
                               struct nst_health **out);

/** @brief Free a health check (closes its device sessions); accepts NULL. */
NST_API void nst_health_free(struct nst_health *h);

/**
 * @brief Gate timing: poll every @p interval_ms until @p deadline_ms have passed (0: the
 *        defaults, 500 ms and 60 s).
 */
NST_API void nst_health_set_timing(struct nst_health *h, unsigned interval_ms,
                                   unsigned deadline_ms);

/** @brief The gate's deadline in ms. */
NST_API unsigned nst_health_deadline_ms(const struct nst_health *h);

/**
 * @brief Read every session's state once and judge it. Repeated calls keep the history
 *        that stability is judged by.
 * @param[in] state_dir the state directory (known_hosts, schema cache), NULL = default.
 * @return NST_OK (whether healthy or not: see nst_health_ok()); NST_EIO (state directory);
 *         NST_ENOMEM.
 */
NST_API nst_err nst_health_check(struct nst_health *h, const char *state_dir);

/** @brief 1 when every gated session is healthy, else 0 (also before any check). */
NST_API int nst_health_ok(const struct nst_health *h);

/** @brief Number of sessions (bgp-session entries) checked. */
NST_API size_t nst_health_session_count(const struct nst_health *h);

/**
 * @brief One line on session @p i: state, counts, expectation, verdict and reason.
 * @return @p buf, or NULL when @p i is out of range.
 */
NST_API const char *nst_health_session_summary(const struct nst_health *h, size_t i, char *buf,
                                               size_t len);

/**
 * @brief The last check in a format.
 * @param[out] out the text, freed with nst_free_string().
 * @return NST_OK; NST_EINVAL; NST_ENOMEM.
 */
NST_API nst_err nst_health_print(const struct nst_health *h, enum nst_health_format fmt,
                                 char **out);

/** @brief Why the last check could not run, "" when it could. Borrowed. */
NST_API const char *nst_health_message(const struct nst_health *h);

/**
 * @brief Gate a push on health: after every device holds the confirmed commit, poll @p h
 *        until healthy (confirm) or its deadline (undo everywhere). NULL: no gate.
 *        The journal records the gate's start and outcome; the report names each session's
 *        final state (nst_txn_health_report()).
 * @param[in] h borrowed; must outlive the push.
 * @return NST_OK; NST_EINVAL (the transaction already ran).
 */
NST_API nst_err nst_txn_set_health(struct nst_txn *txn, struct nst_health *h);

/** @brief The gate's outcome: "" (no gate ran), "passed" or "failed: <sessions and why>". */
NST_API const char *nst_txn_health_report(const struct nst_txn *txn);

/**
 * @brief Called once when the confirm window opens (nst_txn_set_confirm_window()), from
 *        the thread running the push; nst_txn_id() and the device accessors work in it.
 */
typedef void (*nst_txn_window_cb)(const struct nst_txn *txn, void *user);

/**
 * @brief A confirm window: after the confirmed commit (and the health gate, if any), do
 *        not confirm at once but wait up to @p seconds for nst_txn_window_decide() (the
 *        `netstitch confirm` or `cancel` command) from another process; undo everywhere on
 *        cancel, when the window ends, or when a device's session ends. 0: no window.
 *        The confirm timeout grows by @p seconds. The journal records
 *        "window open|confirmed|cancelled|expired".
 */
NST_API void nst_txn_set_confirm_window(struct nst_txn *txn, uint32_t seconds,
                                        nst_txn_window_cb cb, void *user);

/**
 * @brief Confirm (@p confirm = 1) or cancel the open confirm window of transaction @p txid,
 *        then wait up to @p wait_s seconds for the process holding it to finish.
 * @return NST_OK (nst_txn_outcome(): COMMITTED or ABORTED, INCOMPLETE when the holder ended
 *         without an outcome); NST_EINVAL (no such transaction, or no window open: see
 *         nst_txn_message()); NST_EENV (no live process holds the window: run recover; or it
 *         did not finish in time); NST_EIO.
 */
NST_API nst_err nst_txn_window_decide(struct nst_txn *txn, const char *txid, int confirm,
                                      uint32_t wait_s);

/** @brief The health check whose gate ran (its sessions' final state), NULL if none ran. */
NST_API const struct nst_health *nst_txn_health(const struct nst_txn *txn);

#ifdef __cplusplus
}
#endif

#endif /* NETSTITCH_H */
