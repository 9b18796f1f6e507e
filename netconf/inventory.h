/*
 * inventory.h: the loaded inventory (yang/netstitch-inventory.yang) as plain C structs,
 * and the secrets it names.
 *
 * Place in the pipeline: the service says *what* each router gets; the inventory says
 * how to reach it (address, port, user, authentication, host-key policy, timeouts) and
 * where the secrets the service names come from. nst_inventory_load() parses and
 * validates the file against the model (errors become diagnostics with file, line and
 * path, like a service's), then copies every device into struct inv_device; the
 * libyang tree is not kept. The transaction engine (txn.c) turns a device into
 * struct sess_opts with inv_sess_opts() and resolves secrets with inv_secret_read().
 *
 * Secrets. The inventory never holds a secret value, only its source: "env:NAME" (an
 * environment variable) or "file:/path" (a regular file owned by the effective user
 * with no group or other permission bits, 0600 or 0400). Passwords for SSH are resolved
 * by the session layer itself (sess_opts.password_env / password_file) at connect time;
 * named secrets (BGP keys) are read by inv_secret_read() into memory that the caller
 * wipes with inv_secret_wipe(). Nothing here logs or prints a value.
 *
 * Deliberately not here: reaching the devices, deciding anything about datastores.
 */
#ifndef NST_INVENTORY_H
#define NST_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "netstitch.h"
#include "session.h"

/** @brief How the device authenticates us (the model's auth/method choice). */
enum inv_auth {
    INV_AUTH_AGENT = 0, /**< ssh-agent keys (the model's default case) */
    INV_AUTH_PUBKEY,    /**< a private key file */
    INV_AUTH_PASSWORD   /**< a password from env:/file: */
};

/** @brief How the device's host key is checked (the model's host-key/check choice). */
enum inv_hostkey {
    INV_HK_FINGERPRINT = 0, /**< pinned SHA256 fingerprint */
    INV_HK_KNOWN_HOSTS,     /**< an OpenSSH known_hosts file */
    INV_HK_TOFU             /**< trust on first use, recorded in the state directory */
};

/** @brief One /inventory/device entry. Every string is owned by the inventory. */
struct inv_device {
    char *name;
    char *address;
    uint16_t port;
    char *user;
    enum inv_auth auth;
    char *private_key;  /**< INV_AUTH_PUBKEY */
    char *password_src; /**< INV_AUTH_PASSWORD: "env:NAME" or "file:/path" */
    enum inv_hostkey hostkey;
    char *hostkey_value; /**< fingerprint or known_hosts path; NULL for TOFU */
    uint32_t connect_s;  /**< timeouts/connect, seconds */
    uint32_t rpc_s;      /**< timeouts/rpc */
    uint32_t commit_s;   /**< timeouts/commit */
    uint32_t line;       /**< line of the entry in the file, 0 if unknown */
};

/** @brief One /inventory/secret entry. */
struct inv_secret {
    char *name;
    char *source; /**< "env:NAME" or "file:/path" */
};

struct nst_inventory {
    char *file; /**< the input's name */
    struct inv_device *devs;
    size_t ndevs;
    struct inv_secret *secrets;
    size_t nsecrets;
};

/** @brief The device named @p name, or NULL. */
const struct inv_device *inv_find_device(const struct nst_inventory *inv, const char *name);

/** @brief The secret named @p name, or NULL. */
const struct inv_secret *inv_find_secret(const struct nst_inventory *inv, const char *name);

/**
 * @brief Fill session options for one device.
 * @param[in] dev the device; the options borrow its strings.
 * @param[in] tofu_known_hosts the known_hosts file trust-on-first-use records into
 *            (the state directory's), borrowed; used only for INV_HK_TOFU.
 * @param[out] o the options; only the fields derived from the inventory are set, the
 *             rest are zeroed (schema dirs, log callback: the caller's).
 * @param[out] keys storage for the NULL-terminated key file list o->key_files points to.
 */
void inv_sess_opts(const struct inv_device *dev, const char *tofu_known_hosts, struct sess_opts *o,
                   const char *keys[2]);

/**
 * @brief Read a secret from its source.
 *
 * "env:NAME": the variable must be set and non-empty. "file:/path": the file must be a
 * regular file (symbolic links are not followed), owned by the effective user, without
 * group or other permission bits; its first line is the secret (a trailing CR/LF is
 * dropped). The value never appears in @p why.
 * @param[in] source the source text, borrowed.
 * @param[out] value the secret, NUL-terminated, returned to the caller and released with
 *             inv_secret_wipe() (which overwrites it). Written only on success.
 * @param[out] why on failure, the reason (no secret in it); always NUL-terminated.
 * @param[in] whylen size of @p why.
 * @return NST_OK; NST_EINVAL (malformed source, unset variable, unsafe or unreadable
 *         file: see @p why); NST_ENOMEM.
 */
nst_err inv_secret_read(const char *source, char **value, char *why, size_t whylen);

/** @brief Overwrite and free a secret from inv_secret_read(); accepts NULL. */
void inv_secret_wipe(char *value);

#endif
