/*
 * jobs.h: how many devices a push, delete, rollback or live diff works on at once
 * (jobs.c).
 *
 * Place in the pipeline: txn.c and lifecycle.c start one worker thread per job; each
 * worker holds one NETCONF session at a time. A push is latency-bound (a router answers
 * an RPC in tens of milliseconds and a commit in about half a second, while the client
 * spends a few milliseconds of CPU per device), so the default is every device of the
 * transaction, bounded by what the process can afford: JOBS_MAX threads, the
 * file-descriptor limit and the available memory. An explicit --jobs is only capped at
 * JOBS_MAX.
 *
 * Not here: the thread pools themselves (txn_for_each, nst_diff_run).
 */
#ifndef NST_JOBS_H
#define NST_JOBS_H

#include <stddef.h>

/* The most workers one transaction starts (threads, and sessions open at once). */
#define JOBS_MAX 256

/* File descriptors one open session holds (the TCP socket, the relay's socketpair, a
 * snapshot or schema file being written) with room to spare. */
#define JOBS_FDS_PER_SESSION 8

/* Descriptors kept for everything else (state directory, logs, the CLI's files). */
#define JOBS_FDS_RESERVED 64

/* Resident memory one open session may need (libssh, libnetconf2, the device's libyang
 * context, its snapshot and payload), with margin: measured in docs/PERFORMANCE.md. */
#define JOBS_BYTES_PER_SESSION ((size_t)16 << 20)

/**
 * @brief The number of workers to use for @p ndevs devices.
 * @param[in] jobs what the caller asked for; 0 means the default.
 * @param[in] ndevs devices in the transaction.
 * @return with @p jobs = 0, min(ndevs, JOBS_MAX, what RLIMIT_NOFILE allows, what
 *         MemAvailable allows), at least 1; otherwise min(jobs, ndevs, JOBS_MAX), at least 1.
 */
unsigned jobs_count(unsigned jobs, size_t ndevs);

#endif
