/*
 * replay.c: run a fuzz harness without libFuzzer. Every argument is a file (one input)
 * or a directory (every regular file in it, in name order, one input each). Used by
 * tests/hardening/t_fuzz_regress.sh to replay the kept crash inputs and the seed corpora
 * in the normal build, where a crash, a sanitizer report (check-asan) or a hang is a test
 * failure. Prints one line per input with -v.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int verbose;

static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long len;

    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        fprintf(stderr, "replay: %s: cannot size\n", path);
        return 1;
    }
    /* A private heap copy of exactly the input's size, as libFuzzer passes it, so that
     * AddressSanitizer sees a read past the end. */
    buf = malloc(len ? (size_t)len : 1);
    if (!buf || (len && fread(buf, 1, (size_t)len, f) != (size_t)len)) {
        fclose(f);
        free(buf);
        fprintf(stderr, "replay: %s: cannot read\n", path);
        return 1;
    }
    fclose(f);
    if (verbose) {
        fprintf(stderr, "replay: %s (%ld bytes)\n", path, len);
    }
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    return 0;
}

static int
replay_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL, path[4096];
    size_t n = 0, i;
    int bad = 0;
    struct stat st;

    if (!d) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    while ((e = readdir(d))) {
        char **v;

        if (e->d_name[0] == '.') {
            continue;
        }
        v = realloc(names, (n + 1) * sizeof *names);
        if (!v || !(v[n] = strdup(e->d_name))) {
            abort();
        }
        names = v;
        n++;
    }
    closedir(d);
    if (n) {
        qsort(names, n, sizeof *names, replay_name_cmp);
    }
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (!stat(path, &st) && S_ISREG(st.st_mode)) {
            bad |= replay_file(path);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return bad;
}

int
main(int argc, char **argv)
{
    unsigned count = 0;
    int i, bad = 0;
    struct stat st;

    if (argc > 1 && !strcmp(argv[1], "-v")) {
        verbose = 1;
        argv++;
        argc--;
    }
    LLVMFuzzerInitialize(&argc, &argv);
    for (i = 1; i < argc; i++) {
        if (stat(argv[i], &st)) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            bad = 1;
        } else if (S_ISDIR(st.st_mode)) {
            bad |= replay_dir(argv[i], &count);
        } else {
            bad |= replay_file(argv[i]);
            count++;
        }
    }
    printf("replayed %u inputs\n", count);
    return bad;
}
