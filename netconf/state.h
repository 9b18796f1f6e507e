/*
 * state.h: the local state directory: the one directory on this machine that the state
 * store (store.h) and the sessions keep their files in, and the durable file helpers.
 *
 * Layout (see docs/push.md):
 *   STATE/                      0700, owned by the user, never group/world-writable
 *     state.db (-wal, -shm)     the SQLite state store (store_sqlite.c), 0600
 *     known_hosts               host keys recorded by trust-on-first-use
 *     locks/NAME.lock             flock()ed while a process holds a device, service or
 *                               transaction (SQLite store)
 *     logs/<TXID>.log           session warnings of a transaction
 *     schema-cache/             YANG modules fetched from devices
 *
 * Durability of files: written to a temporary name, fsync()ed, renamed into place and
 * the directory fsync()ed (st_write_durable), so a reader sees either nothing or the
 * complete file.
 *
 * Not here: transactions, journals and ownership records (store.h).
 */
#ifndef NST_STATE_H
#define NST_STATE_H

#include <stddef.h>

#include "netstitch.h"

/** @brief An open state directory. */
struct st_dir {
    char *path;
    int fd; /**< the directory, O_DIRECTORY */
};

/**
 * @brief Open (creating if needed) the state directory.
 * @param[in] path the directory, or NULL for the default: $XDG_STATE_HOME/netstitch when
 *            XDG_STATE_HOME is an absolute path, else $HOME/.local/state/netstitch.
 *            Missing components are created 0700.
 * @param[out] out the directory, freed with st_close(). Written only on success.
 * @param[out] why the reason on failure, always NUL-terminated.
 * @param[in] whylen size of @p why.
 * @return NST_OK; NST_EIO (cannot create or open; not a directory; not owned by the user;
 *         writable by group or others); NST_ENOMEM.
 */
nst_err st_open(const char *path, struct st_dir **out, char *why, size_t whylen);

/** @brief Close a state directory; accepts NULL. */
void st_close(struct st_dir *st);

/**
 * @brief Write a whole file durably and atomically (temp file, fsync, rename, fsync of
 *        the directory). The file is created mode 0600.
 * @param[in] dirfd the directory.
 * @param[in] name the file name inside it.
 * @param[in] data the content (borrowed), @p len bytes.
 * @return NST_OK; NST_EIO.
 */
nst_err st_write_durable(int dirfd, const char *name, const char *data, size_t len);

/**
 * @brief Read a whole file of a directory.
 * @param[out] data the content, NUL-terminated, freed with nst_free(). Written only on
 *             success.
 * @return NST_OK; NST_EIO (missing or unreadable); NST_ENOMEM.
 */
nst_err st_read(int dirfd, const char *name, char **data);

#endif
