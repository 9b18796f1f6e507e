/*
 * main.c: the netstitch-netsim command: options, the supervisor, readiness and shutdown.
 *
 *   netstitch-netsim -c CONFIG [-s STATEDIR] [-y YANGROOT] [-n] [-v]
 *
 * The supervisor parses the config (config.c), builds one libyang context per distinct model
 * set (models.c), then forks one process per device (device.c) and waits until every device
 * has reported on its ready pipe that it listens. Then it prints "netsim: ready N devices" on
 * stdout and writes <statedir>/ready (containing its pid), which scripts wait for. A device
 * that fails to start makes the whole command fail (all devices are stopped, every error is
 * printed, exit 1), so a test never runs against half a lab.
 *
 * SIGTERM or SIGINT: forward SIGTERM to every device, wait for them (SIGKILL after 5 s),
 * remove <statedir>/ready, exit 0. A device process that dies on its own (e.g. a test
 * kill -9's <statedir>/<device>/pid to simulate a crash) is reported on stderr; the others
 * keep running and the final exit status is 1. Devices get SIGTERM when the supervisor dies
 * (PR_SET_PDEATHSIG), so a killed test never leaves simulators behind.
 *
 * -n is a check-only mode: parse the config, load every model and startup file, exit.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "netsim.h"

static volatile sig_atomic_t main_stop;

static void
main_on_signal(int sig)
{
    (void)sig;
    main_stop = 1;
}

static void
main_usage(FILE *f)
{
    fprintf(f,
            "usage: netstitch-netsim -c CONFIG [-s STATEDIR] [-y YANGROOT] [-n] [-v]\n"
            "  -c CONFIG    device list (format: netsim/README.md)\n"
            "  -s STATEDIR  state directory (overrides `statedir` in CONFIG)\n"
            "  -y YANGROOT  root of the profiles' module dirs (default %s/yang)\n"
            "  -n           check only: load config, models and startup files, then exit\n"
            "  -v           print libyang/libnetconf2 messages of the supervisor to stderr\n"
            "Ready when \"<STATEDIR>/ready\" exists (and \"netsim: ready\" is printed).\n"
            "SIGTERM stops all devices.\n",
            NST_SRCDIR);
}

static int
main_mkdirs(const char *path)
{
    char *tmp = nst_strdup(path), *p;
    int rc = 0;

    if (!tmp) {
        return -1;
    }
    for (p = tmp + 1; *p && !rc; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) && errno != EEXIST) {
                rc = -1;
            }
            *p = '/';
        }
    }
    if (!rc && mkdir(tmp, 0755) && errno != EEXIST) {
        rc = -1;
    }
    nst_free(tmp);
    return rc;
}

/* Read the one line a device writes on its ready pipe; "ok" or an error message. */
static char *
main_read_ready(int fd)
{
    char buf[1024];
    size_t len = 0;
    ssize_t r;

    while (len < sizeof buf - 1) {
        r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        len += (size_t)r;
        if (memchr(buf, '\n', len)) {
            break;
        }
    }
    buf[len] = '\0';
    if (len && buf[len - 1] == '\n') {
        buf[len - 1] = '\0';
    }
    return nst_strdup(len ? buf : "device process exited during startup");
}

static void
main_stop_all(pid_t *pids, int n)
{
    struct timespec start, now;
    int i, alive, status;

    for (i = 0; i < n; i++) {
        if (pids[i] > 0) {
            kill(pids[i], SIGTERM);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        alive = 0;
        for (i = 0; i < n; i++) {
            if (pids[i] > 0) {
                if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                    pids[i] = 0;
                } else {
                    alive++;
                }
            }
        }
        if (alive) {
            usleep(10000);
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (alive && now.tv_sec - start.tv_sec < 5);
    for (i = 0; i < n; i++) {
        if (pids[i] > 0) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], &status, 0);
            pids[i] = 0;
        }
    }
}

int
main(int argc, char **argv)
{
    const char *cfgpath = NULL, *statedir = NULL, *yang_root = NULL;
    struct sim_cfg *cfg = NULL;
    struct sim_bgp *bgp = NULL;
    struct ly_ctx **ctxs = NULL;
    pid_t *pids = NULL, pid, parent;
    int *fds = NULL, nctx = 0, i, j, opt, check_only = 0, verbose = 0, failed = 0, status;
    int pfd[2], rc = 1;
    char *errmsg = NULL, *msg, *path = NULL, *readypath = NULL;
    struct sigaction sa;
    FILE *f;

    while ((opt = getopt(argc, argv, "c:s:y:nvhV")) != -1) {
        switch (opt) {
        case 'c':
            cfgpath = optarg;
            break;
        case 's':
            statedir = optarg;
            break;
        case 'y':
            yang_root = optarg;
            break;
        case 'n':
            check_only = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'V':
            printf("netstitch-netsim %s\n", NST_VERSION_STRING);
            return 0;
        case 'h':
            main_usage(stdout);
            return 0;
        default:
            main_usage(stderr);
            return 2;
        }
    }
    if (!cfgpath || optind != argc) {
        main_usage(stderr);
        return 2;
    }
    if (!verbose) {
        ly_log_options(LY_LOSTORE_LAST);
    }
    if (sim_cfg_parse(cfgpath, statedir, yang_root, &cfg, &errmsg)) {
        fprintf(stderr, "netsim: %s\n", errmsg ? errmsg : "invalid config");
        goto cleanup;
    }
    if (cfg->bgp && sim_bgp_new(cfg, &bgp, &errmsg)) {
        fprintf(stderr, "netsim: %s\n", errmsg ? errmsg : "invalid BGP description");
        goto cleanup;
    }

    /* One context per distinct model set, built before any fork. */
    ctxs = nst_calloc(cfg->ndevs, sizeof *ctxs);
    pids = nst_calloc(cfg->ndevs, sizeof *pids);
    fds = nst_calloc(cfg->ndevs, sizeof *fds);
    if (!ctxs || !pids || !fds) {
        fprintf(stderr, "netsim: out of memory\n");
        goto cleanup;
    }
    for (i = 0; i < cfg->ndevs; i++) {
        for (j = 0; j < i; j++) {
            if (sim_ctx_same(&cfg->devs[i], &cfg->devs[j])) {
                break;
            }
        }
        if (j < i) {
            cfg->devs[i].ctx_idx = cfg->devs[j].ctx_idx;
            continue;
        }
        if (sim_ctx_build(cfg, &cfg->devs[i], &ctxs[nctx], &errmsg)) {
            fprintf(stderr, "netsim: %s\n", errmsg ? errmsg : "loading models failed");
            goto cleanup;
        }
        cfg->devs[i].ctx_idx = nctx++;
    }

    if (main_mkdirs(cfg->statedir)) {
        fprintf(stderr, "netsim: cannot create state directory %s: %s\n", cfg->statedir,
                strerror(errno));
        goto cleanup;
    }
    readypath = nst_asprintf("%s/ready", cfg->statedir);
    if (!readypath) {
        goto cleanup;
    }
    unlink(readypath);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = main_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fflush(NULL);
    parent = getpid();

    for (i = 0; i < cfg->ndevs; i++) {
        fds[i] = -1;
        if (pipe(pfd)) {
            fprintf(stderr, "netsim: pipe: %s\n", strerror(errno));
            failed = 1;
            break;
        }
        pid = fork();
        if (pid < 0) {
            fprintf(stderr, "netsim: fork: %s\n", strerror(errno));
            close(pfd[0]);
            close(pfd[1]);
            failed = 1;
            break;
        }
        if (pid == 0) {
            /* A supervisor killed with SIGKILL must not leave devices behind. */
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != parent) {
                _exit(1);
            }
            close(pfd[0]);
            for (j = 0; j < i; j++) {
                close(fds[j]);
            }
            _exit(sim_dev_main(cfg, &cfg->devs[i], ctxs[cfg->devs[i].ctx_idx], pfd[1], check_only));
        }
        close(pfd[1]);
        pids[i] = pid;
        fds[i] = pfd[0];
    }
    for (i = 0; i < cfg->ndevs; i++) {
        if (fds[i] < 0) {
            continue;
        }
        msg = main_read_ready(fds[i]);
        close(fds[i]);
        fds[i] = -1;
        if (!msg || strcmp(msg, "ok")) {
            fprintf(stderr, "netsim: %s\n", msg ? msg : "out of memory");
            failed = 1;
        }
        nst_free(msg);
    }
    if (failed || check_only) {
        main_stop_all(pids, cfg->ndevs);
        rc = failed ? 1 : 0;
        if (check_only && !failed) {
            printf("netsim: %d devices OK\n", cfg->ndevs);
        }
        goto cleanup;
    }

    f = fopen(readypath, "w");
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
    printf("netsim: ready %d devices\n", cfg->ndevs);
    fflush(stdout);

    /* Wait for a signal (it interrupts the sleep) or a device that dies on its own. */
    rc = 0;
    while (!main_stop) {
        usleep(50000);
        sim_bgp_tick(bgp);
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            for (i = 0; i < cfg->ndevs; i++) {
                if (pids[i] == pid) {
                    fprintf(stderr, "netsim: device %s (pid %ld) exited unexpectedly (%s %d)\n",
                            cfg->devs[i].name, (long)pid, WIFSIGNALED(status) ? "signal" : "status",
                            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
                    pids[i] = 0;
                    rc = 1;
                }
            }
        }
    }
    main_stop_all(pids, cfg->ndevs);
    unlink(readypath);

cleanup:
    if (fds) {
        for (i = 0; cfg && i < cfg->ndevs; i++) {
            if (fds[i] > 0) {
                close(fds[i]);
            }
        }
    }
    for (i = 0; i < nctx; i++) {
        ly_ctx_destroy(ctxs[i]);
    }
    sim_bgp_free(bgp);
    nst_free(ctxs);
    nst_free(pids);
    nst_free(fds);
    nst_free(path);
    nst_free(readypath);
    nst_free(errmsg);
    sim_cfg_free(cfg);
    return rc;
}
