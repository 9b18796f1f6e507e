/*
 * test_util.c: the utility layer (compiler/util.h): the growable buffer in memory and
 * streamed, its sticky failure at every allocation, XML and JSON escaping, and FNV-1a
 * against the published test vectors.
 */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "util.h"

static void
t_buf(void **state)
{
    struct buf b = {0};
    char big[1000];
    char *p;

    (void)state;
    assert_int_equal(buf_add(&b, "", 0), NST_OK);
    assert_non_null(b.p);
    assert_string_equal(b.p, "");
    assert_int_equal(buf_puts(&b, "abc"), NST_OK);
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    /* Longer than buf_printf's stack buffer. */
    assert_int_equal(buf_printf(&b, "%d-%s", 42, big), NST_OK);
    assert_int_equal(b.len, 3 + 3 + 999);
    assert_memory_equal(b.p, "abc42-xx", 8);
    buf_drop(&b, 3);
    assert_memory_equal(b.p, "42-x", 4);
    assert_int_equal(b.len, 3 + 999);
    assert_int_equal(b.p[b.len], '\0');
    p = buf_take(&b);
    assert_non_null(p);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    nst_free(p);
    buf_clear(&b);
    assert_null(buf_take(&b));
}

/* Every allocation of a sequence of appends may fail: the failure sticks, nothing leaks. */
static void
t_buf_oom(void **state)
{
    (void)state;
    for (long n = 0; n < 20; n++) {
        struct buf b = {0};
        nst_err ret = NST_OK;

        nst_alloc_fail_after(n);
        for (int i = 0; i < 200 && !ret; i++) {
            ret = buf_printf(&b, "line %d of the test, long enough to grow the buffer\n", i);
        }
        nst_alloc_fail_after(-1);
        if (ret) {
            assert_int_equal(ret, NST_ENOMEM);
            assert_int_equal(buf_failed(&b), NST_ENOMEM);
            assert_int_equal(buf_puts(&b, "more"), NST_ENOMEM);
            assert_null(buf_take(&b));
        } else {
            buf_clear(&b);
        }
    }
}

static void
t_buf_stream(void **state)
{
    struct buf b = {0};
    char got[64] = "";
    FILE *f = tmpfile();

    (void)state;
    assert_non_null(f);
    b.f = f;
    buf_puts(&b, "{");
    buf_put_json_str(&b, "a\"b");
    buf_puts(&b, "}");
    /* Held until a block fills or buf_flush(). */
    assert_int_equal(ftell(f), 0);
    assert_int_equal(buf_flush(&b), NST_OK);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_failed(&b), NST_OK);
    rewind(f);
    assert_non_null(fgets(got, sizeof got, f));
    assert_string_equal(got, "{\"a\\\"b\"}");
    buf_clear(&b);
    fclose(f);
}

/* Streamed pieces of every size, across block boundaries and larger than a block, come
 * out in order, byte for byte; the block is never exceeded. */
static void
t_buf_stream_blocks(void **state)
{
    struct buf b = {0};
    FILE *f = tmpfile();
    char *want, *got, *big;
    size_t n = 0, i, k, bigsz = 3 * BUF_STREAM_BLOCK + 17;

    (void)state;
    assert_non_null(f);
    want = malloc(8 * BUF_STREAM_BLOCK);
    big = malloc(bigsz);
    assert_non_null(want);
    assert_non_null(big);
    for (i = 0; i < bigsz; i++) {
        big[i] = (char)('a' + i % 26);
    }
    b.f = f;
    for (i = 0; i < 2000; i++) {
        k = i % 97;
        buf_add(&b, big + i % 26, k);
        memcpy(want + n, big + i % 26, k);
        n += k;
        assert_true(b.len < BUF_STREAM_BLOCK);
        if (i == 1000) {
            buf_add(&b, big, bigsz);
            memcpy(want + n, big, bigsz);
            n += bigsz;
        }
    }
    assert_int_equal(buf_flush(&b), NST_OK);
    assert_int_equal(fflush(f), 0);
    assert_int_equal((size_t)ftell(f), n);
    got = malloc(n);
    assert_non_null(got);
    rewind(f);
    assert_int_equal(fread(got, 1, n, f), n);
    assert_memory_equal(got, want, n);
    buf_clear(&b);
    fclose(f);
    free(got);
    free(want);
    free(big);
}

static void
t_escape(void **state)
{
    struct buf b = {0};

    (void)state;
    buf_put_xml(&b, "a<b>&\"c\"\td\n", 0);
    assert_string_equal(b.p, "a&lt;b&gt;&amp;\"c\"\td\n");
    buf_clear(&b);
    buf_put_xml(&b, "a<b>&\"c\"\td\n\r", 1);
    assert_string_equal(b.p, "a&lt;b&gt;&amp;&quot;c&quot;&#9;d&#10;&#13;");
    buf_clear(&b);
    buf_put_json_str(&b, "q\"\\\n\t\r\x01\x7f\xc3\xa9");
    assert_string_equal(b.p, "\"q\\\"\\\\\\n\\t\\r\\u0001\\u007f\xc3\xa9\"");
    buf_clear(&b);
    buf_put_json_str(&b, NULL);
    assert_string_equal(b.p, "null");
    buf_clear(&b);
}

/* Vectors from the FNV reference (http://www.isthe.com/chongo/tech/comp/fnv/). */
static void
t_fnv(void **state)
{
    (void)state;
    assert_int_equal(util_fnv1a32_str(""), 0x811c9dc5u);
    assert_int_equal(util_fnv1a32_str("a"), 0xe40c292cu);
    assert_int_equal(util_fnv1a32_str("foobar"), 0xbf9cf968u);
    assert_true(util_fnv1a64_str("") == 0xcbf29ce484222325ULL);
    assert_true(util_fnv1a64_str("a") == 0xaf63dc4c8601ec8cULL);
    assert_true(util_fnv1a64_str("foobar") == 0x85944171f73967e8ULL);
    assert_true(util_fnv1a64("foobar", 3) == util_fnv1a64_str("foo"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_buf),        cmocka_unit_test(t_buf_oom),
        cmocka_unit_test(t_buf_stream), cmocka_unit_test(t_buf_stream_blocks),
        cmocka_unit_test(t_escape),     cmocka_unit_test(t_fnv),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
