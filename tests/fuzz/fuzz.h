/*
 * fuzz.h: what the libFuzzer harnesses in tests/fuzz/ share.
 *
 * Each harness fz_<name>.c defines LLVMFuzzerInitialize (one-time setup: contexts, models,
 * a scratch directory) and LLVMFuzzerTestOneInput (one input, no state carried to the
 * next beyond caches the code under test keeps anyway). The same source is linked two
 * ways:
 *   - with clang -fsanitize=fuzzer,address,undefined by tests/fuzz/run.sh (`make fuzz`);
 *   - with tests/fuzz/replay.c, a plain main() that feeds files to the harness, by
 *     tests/hardening/t_fuzz_regress.sh in the normal build (gcc) and under `make
 *     check-asan`, so every input that ever crashed stays a regression test.
 * A harness never aborts on bad input; the code under test must not either. Harnesses
 * call abort() only when an invariant of the code under test is broken (e.g. a function
 * reported success but returned no result), so libFuzzer records that input too.
 */
#ifndef NST_FUZZ_H
#define NST_FUZZ_H

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libyang/libyang.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The top of the source tree: $TOP when set (the test scripts), else where it was built. */
static inline const char *
fz_top(void)
{
    const char *t = getenv("TOP");

    return t && *t ? t : NST_SRCDIR;
}

/* A NUL-terminated copy of the input (free()); inputs may hold NULs, the copy stops there
 * for the C-string consumers, which is what those consumers would see from a file too. */
static inline char *
fz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s) {
        abort();
    }
    if (size) {
        memcpy(s, data, size);
    }
    s[size] = '\0';
    return s;
}

/* Print "fuzz setup: MSG" and exit: a broken environment, not a finding. */
static inline void
fz_die(const char *what)
{
    fprintf(stderr, "fuzz setup: %s\n", what);
    exit(2);
}

/* Keep libyang errors stored (the code under test reads them) but never printed. */
static inline void
fz_quiet_libyang(void)
{
    ly_log_options(LY_LOSTORE);
}

static char fz_scratch_dir[256];

static inline int
fz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static inline void
fz_scratch_remove(void)
{
    if (fz_scratch_dir[0]) {
        nftw(fz_scratch_dir, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
}

/* A private scratch directory (under $TMPDIR, /dev/shm when it exists), created once and
 * removed at exit. */
static inline const char *
fz_scratch(const char *tag)
{
    char *dir = fz_scratch_dir;
    const char *base = getenv("TMPDIR");

    if (dir[0]) {
        return dir;
    }
    if (!base || !*base) {
        base = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
    }
    snprintf(dir, sizeof fz_scratch_dir, "%s/nst-fz-%s-XXXXXX", base, tag);
    if (!mkdtemp(dir)) {
        fz_die("cannot create a scratch directory");
    }
    atexit(fz_scratch_remove);
    return dir;
}

/* Write @len bytes to @path (whole file), or die. */
static inline void
fz_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f)) {
        fz_die("cannot write a scratch file");
    }
}

#endif
