/*
 * test_scan.c - io_find() (the vectorized "\nFrom " / ">From " search)
 * answers exactly as memmem() does, at every alignment and length.
 */
#include "io_test_util.h"
#include "io_internal.h"

static const uint8_t *ref(const uint8_t *p, size_t n, const char *nd, size_t len)
{
    return memmem(p, n, nd, len);
}

static void check(const uint8_t *p, size_t n, const char *nd)
{
    size_t len = strlen(nd);
    assert_ptr_equal(io_find(p, n, nd, len), ref(p, n, nd, len));
}

/* The needle (and a prefix of it cut by the end) at every offset of buffers
 * of every length up to 100, at every alignment. */
static void finds_the_needle_at_every_offset_and_length(void **state)
{
    (void)state;
    static const char *const needles[] = { "\nFrom ", ">From " };
    uint8_t *buf = malloc(200);
    for (size_t k = 0; k < 2; k++) {
        size_t len = strlen(needles[k]);
        for (size_t align = 0; align < 16; align++)
            for (size_t n = 0; n <= 100; n++)
                for (size_t at = 0; at <= n; at++) {
                    uint8_t *p = buf + align;
                    memset(p, 'x', n);
                    size_t put = n - at < len ? n - at : len;
                    memcpy(p + at, needles[k], put); /* whole, or cut by the end */
                    check(p, n, needles[k]);
                }
    }
    free(buf);
}

/* Near misses: "\nFrom" without the space, "\nF", "\n\nFrom ", repeated
 * first bytes, and two hits (the first one counts). */
static void near_misses_and_the_first_of_two(void **state)
{
    (void)state;
    static const char *const hay[] = {
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nFromx\nFrom y",
        "\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nF\nFro\nFrom ",
        "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\nFrom a",
        "0123456789012345678901234567890\nFrom 1 and \nFrom 2 and more bytes here",
        ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>From x",
        "",
        "\nFrom",
    };
    for (size_t i = 0; i < sizeof(hay) / sizeof(hay[0]); i++) {
        const uint8_t *p = (const uint8_t *)hay[i];
        size_t n = strlen(hay[i]);
        check(p, n, "\nFrom ");
        check(p, n, ">From ");
    }
    const uint8_t *two = (const uint8_t *)hay[3];
    assert_ptr_equal(io_find(two, strlen(hay[3]), "\nFrom ", 6), two + 31);
}

/* Random bytes from a small alphabet, so partial matches are frequent. */
static void matches_memmem_on_random_text(void **state)
{
    (void)state;
    static const char alpha[] = "\n>From xr";
    uint32_t x = 12345;
    uint8_t buf[600];
    for (int round = 0; round < 20000; round++) {
        x = x * 1103515245u + 12345u;
        size_t n = (x >> 8) % sizeof(buf);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (uint8_t)alpha[(x >> 16) % (sizeof(alpha) - 1)];
        }
        check(buf, n, "\nFrom ");
        check(buf, n, ">From ");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_the_needle_at_every_offset_and_length),
        cmocka_unit_test(near_misses_and_the_first_of_two),
        cmocka_unit_test(matches_memmem_on_random_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
