/*
 * state.h: the durable state directory behind push, rollback and recover.
 *
 * Place in the pipeline: before the transaction engine (txn.c) changes anything on a
 * device it writes the transaction plan and every device's pre-change running
 * configuration here, and while it runs it appends every step to a journal. After a
 * crash, `netstitch recover` reads them back to finish or undo the transaction; at any
 * later time `netstitch rollback TXID` restores the saved configurations.
 *
 * Layout (see docs/push.md):
 *   STATE/                      0700, owned by the user, never group/world-writable
 *     known_hosts               host keys recorded by trust-on-first-use
 *     locks/<host>_<port>.lock  one per device; flock()ed while a process changes it
 *     txn/<TXID>/               0700, one per transaction
 *       lock                    flock()ed by the process running the transaction
 *       plan                    the plan (txn.c's format), written once, durably
 *       dev-<i>.before.xml      device i's running config before the change
 *       dev-<i>.payload.xml     the edit sent to device i, with secrets as placeholders
 *       journal                 one line per step, appended and fdatasync()ed
 *
 * Durability: whole files are written to a temporary name, fsync()ed, renamed into
 * place and the directory is fsync()ed (st_write_durable), so a reader sees either
 * nothing or the complete file. Journal lines are single write()s followed by
 * fdatasync(); a torn last line after a crash is ignored by readers.
 *
 * Locks are flock()s, so they disappear with the process that held them (kill -9
 * included): a lock that can be taken is never stale.
 *
 * Not here: what the plan and the journal mean (txn.c), anything about devices.
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

/** @brief One transaction's directory, locked by this process. */
struct st_txn {
    char id[40];
    char *path;
    int fd;         /**< the directory */
    int lock_fd;    /**< txn/<id>/lock, flock()ed exclusively */
    int journal_fd; /**< -1 until st_journal_open() */
};

/** @brief Held device locks (st_lock_devices). */
struct st_locks {
    int *fds;
    size_t n;
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

/** @brief 1 when @p id has the shape of a transaction id (no path tricks). */
int st_txid_valid(const char *id);

/**
 * @brief Create a new transaction directory with a fresh id and lock it.
 * @param[out] out freed with st_txn_close() (which releases the lock).
 * @return NST_OK; NST_EIO; NST_ENOMEM.
 */
nst_err st_txn_create(struct st_dir *st, struct st_txn **out);

/**
 * @brief Open and lock an existing transaction directory.
 * @param[out] busy set to 1 when another process holds the transaction's lock (then
 *             NST_EBUSY is returned), else 0.
 * @return NST_OK; NST_EINVAL (malformed id); NST_EIO (no such transaction); NST_EBUSY
 *         (busy); NST_ENOMEM.
 */
nst_err st_txn_open(struct st_dir *st, const char *id, struct st_txn **out, int *busy);

/** @brief Close (and unlock) a transaction directory; accepts NULL. */
void st_txn_close(struct st_txn *t);

/** @brief Open the transaction's journal for appending (creating it 0600). */
nst_err st_journal_open(struct st_txn *t);

/**
 * @brief Append one line "<unix-ms> <text>" to the journal and fdatasync() it. The text
 *        must not contain a newline (newlines are replaced by spaces). Not thread-safe:
 *        the caller serializes.
 * @return NST_OK; NST_EIO.
 */
nst_err st_journal_append(struct st_txn *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * @brief The transaction ids in the state directory, oldest first.
 * @param[out] ids NULL-terminated array, freed with st_txn_list_free().
 * @param[out] n number of ids.
 * @return NST_OK; NST_EIO; NST_ENOMEM.
 */
nst_err st_txn_list(struct st_dir *st, char ***ids, size_t *n);

/** @brief Free a list from st_txn_list(); accepts NULL. */
void st_txn_list_free(char **ids);

/**
 * @brief Take the locks of several devices, all or none, without waiting.
 * @param[in] keys device identities ("host:port"), borrowed; any characters.
 * @param[in] labels how the message names each device (e.g. its inventory name), or
 *            NULL to use the keys.
 * @param[in] owner written into each lock file for the message another process shows.
 * @param[out] out held locks, released with st_unlock_devices().
 * @param[out] why on NST_EBUSY, names the busy device and the holder.
 * @return NST_OK; NST_EBUSY (a device is locked by another process); NST_EIO; NST_ENOMEM.
 */
nst_err st_lock_devices(struct st_dir *st, const char *const *keys, const char *const *labels,
                        size_t n, const char *owner, struct st_locks **out, char *why,
                        size_t whylen);

/** @brief Release device locks; accepts NULL. */
void st_unlock_devices(struct st_locks *l);

#endif
