/*
 * jobs.c: the default number of devices worked on at once (see jobs.h for the contract).
 *
 * The default used to be 8: with a router's latency (20 ms per RPC, 500 ms per commit) a
 * push to 50 routers then took 7 times a push to one, the devices waiting for a free
 * worker while the client's cores sat idle. Every device at once is the physical limit
 * for latency-bound work; the bounds below keep a very large transaction from running out
 * of descriptors or memory instead of failing devices at connect. Reading the limits costs
 * one getrlimit and one read of /proc/meminfo per transaction.
 *
 * Not here: choosing per device, or adapting while the transaction runs.
 */
#include "jobs.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* MemAvailable from /proc/meminfo in bytes, or 0 when it cannot be read (then memory
 * does not bound the default). */
static size_t
jobs_mem_available(void)
{
    char line[128];
    unsigned long long kb = 0;
    FILE *f = fopen("/proc/meminfo", "re");

    if (!f) {
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    return (size_t)kb * 1024;
}

unsigned
jobs_count(unsigned jobs, size_t ndevs)
{
    size_t n = ndevs ? ndevs : 1;
    struct rlimit rl;
    size_t mem;

    if (n > JOBS_MAX) {
        n = JOBS_MAX;
    }
    if (jobs) {
        return jobs < n ? jobs : (unsigned)n;
    }
    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY) {
        size_t fds = rl.rlim_cur > JOBS_FDS_RESERVED
                         ? (size_t)(rl.rlim_cur - JOBS_FDS_RESERVED) / JOBS_FDS_PER_SESSION
                         : 1;

        if (n > fds) {
            n = fds;
        }
    }
    mem = jobs_mem_available();
    if (mem && n > mem / JOBS_BYTES_PER_SESSION) {
        n = mem / JOBS_BYTES_PER_SESSION;
    }
    return n ? (unsigned)n : 1;
}
