/*
 * labtest_secrets.c: after a push through the public API and nst_txn_free(), no copy of
 * the BGP key (raw or XML-escaped) or of the SSH password is left anywhere in the
 * process's memory. Run by tests/hardening/t_secrets.sh against a netsim device whose
 * password and key come from files (so that no copy is legitimately in the environment).
 *
 *   labtest_secrets INVENTORY PAYLOAD_DIR DEVICE STATE_DIR KEY_FILE PASSWORD_FILE
 *
 * The needles are read from the files into an mmap()ed page that the scan skips and
 * that is wiped before exit. Freed heap blocks are overwritten (M_PERTURB), as the
 * netstitch command does for commands that handle secrets (cli/main.c): what is found is
 * therefore a live copy.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "netstitch.h"

#define PAGE 4096

static char *needles; /* [0]: key, [1024]: escaped key, [2048]: password */

static int
read_line(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");

    if (!f || !fgets(out, (int)size, f)) {
        if (f) {
            fclose(f);
        }
        return -1;
    }
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

static void
escape(const char *in, char *out, size_t size)
{
    size_t o = 0;

    for (; *in && o + 8 < size; in++) {
        const char *e = *in == '&' ? "&amp;" : *in == '<' ? "&lt;" : *in == '>' ? "&gt;" : NULL;

        if (e) {
            memcpy(out + o, e, strlen(e));
            o += strlen(e);
        } else {
            out[o++] = *in;
        }
    }
    out[o] = '\0';
}

/* Count occurrences of @needle in every readable mapping except the needles' page. */
static int
scan(const char *needle, char *where, size_t wlen)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    FILE *mem = fopen("/proc/self/mem", "rb");
    char line[512];
    int found = 0;
    size_t nlen = strlen(needle);

    where[0] = '\0';
    if (!maps || !mem) {
        fprintf(stderr, "cannot read /proc/self/maps or mem: %s\n", strerror(errno));
        exit(2);
    }
    setvbuf(mem, NULL, _IONBF, 0);
    while (fgets(line, sizeof line, maps)) {
        unsigned long a, b;
        char perms[8], path[256] = "";
        char *buf;

        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &a, &b, perms, path) < 3 ||
            perms[0] != 'r' || !strncmp(path, "[v", 2) || b - a > (512ul << 20)) {
            continue;
        }
        buf = malloc(b - a);
        if (!buf) {
            continue;
        }
        if (fseek(mem, (long)a, SEEK_SET) == 0 && fread(buf, 1, b - a, mem) == b - a) {
            for (size_t i = 0; i + nlen <= b - a; i++) {
                /* Not the needles' own page (the kernel may merge it with neighbouring
                 * anonymous mappings into one line of maps), not the scan buffer. */
                unsigned long at = a + i;

                if (buf[i] == needle[0] && !memcmp(buf + i, needle, nlen) &&
                    !(at >= (unsigned long)(uintptr_t)needles &&
                      at < (unsigned long)(uintptr_t)needles + PAGE) &&
                    !(at >= (unsigned long)(uintptr_t)buf &&
                      at < (unsigned long)(uintptr_t)buf + (b - a))) {
                    found++;
                    snprintf(where, wlen, "%lx %s", a + i, path[0] ? path : "anon");
                }
            }
        }
        memset(buf, 0, b - a);
        free(buf);
    }
    fclose(maps);
    fclose(mem);
    return found;
}

int
main(int argc, char **argv)
{
    struct nst_ctx *ctx = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_txn *txn = NULL;
    char path[4096], where[300];
    FILE *f;
    char *payload = NULL;
    size_t cap = 0;
    nst_err rc;
    int bad = 0, n;

    if (argc != 7) {
        fprintf(stderr, "usage: %s INVENTORY PAYLOAD_DIR DEVICE STATE_DIR KEY_FILE PW_FILE\n",
                argv[0]);
        return 2;
    }
    mallopt(M_PERTURB, 0x5a);
    needles = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (needles == MAP_FAILED || read_line(argv[5], needles, 1000) ||
        read_line(argv[6], needles + 2048, 1000)) {
        fprintf(stderr, "cannot read the secrets\n");
        return 2;
    }
    escape(needles, needles + 1024, 1000);

    if (nst_ctx_new(NULL, &ctx) || nst_inventory_load(ctx, argv[1], NST_FORMAT_AUTO, &inv) ||
        nst_txn_new(ctx, inv, &txn) || nst_txn_set_state_dir(txn, argv[4])) {
        fprintf(stderr, "setup failed\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/%s.xml", argv[2], argv[3]);
    f = fopen(path, "r");
    if (!f || getdelim(&payload, &cap, '\0', f) < 0) {
        fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    fclose(f);
    rc = nst_txn_add_payload(txn, argv[3], NULL, payload);
    free(payload);
    if (rc || nst_txn_push(txn) || nst_txn_outcome(txn) != NST_TXN_COMMITTED) {
        fprintf(stderr, "push failed: %s\n", nst_txn_message(txn));
        return 1;
    }
    nst_txn_free(txn);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);

    n = scan(needles, where, sizeof where);
    printf("key: %d copies%s%s\n", n, n ? ", last at " : "", n ? where : "");
    bad |= n;
    n = scan(needles + 1024, where, sizeof where);
    printf("escaped key: %d copies%s%s\n", n, n ? ", last at " : "", n ? where : "");
    bad |= n;
    n = scan(needles + 2048, where, sizeof where);
    printf("password: %d copies%s%s\n", n, n ? ", last at " : "", n ? where : "");
    bad |= n;
    explicit_bzero(needles, PAGE);
    munmap(needles, PAGE);
    return bad ? 1 : 0;
}
