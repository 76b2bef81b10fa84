/*
 * test_canon_simd.c - every body canonicalization kernel the CPU has
 * (crypto/canon_sse2.c, canon_avx2.c) against the reference
 * (canon_scalar.c): byte-identical output on hostile inputs split at every
 * offset and in random chunkings.  Kernels the CPU lacks are skipped, with
 * a line saying so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "canon_internal.h"

typedef struct {
    uint8_t *p;
    size_t n, cap;
} out_t;

static void to_out(void *arg, const uint8_t *p, size_t n)
{
    out_t *o = arg;
    assert_true(n <= o->cap - o->n); /* canonical body <= 2n + 2 */
    memcpy(o->p + o->n, p, n);
    o->n += n;
}

static void out_init(out_t *o, size_t in_n)
{
    o->cap = 2 * in_n + 2;
    o->p = malloc(o->cap);
    o->n = 0;
    assert_non_null(o->p);
}

/*
 * Canonicalize in[0..n) with kernel k (NULL: mix kernels, one per chunk);
 * the chunks end at cuts[0..ncuts) (ascending) and at n.
 */
static void run(const crypto_canon_kernel_t *k, crypto_canon_t mode, const uint8_t *in,
                size_t n, const size_t *cuts, size_t ncuts, out_t *o)
{
    size_t nk;
    const crypto_canon_kernel_t *all = crypto_canon_kernels(&nk);
    crypto_canon_body_t c;
    o->n = 0;
    crypto_canon_body_init(&c, mode, to_out, o);
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : n;
        const crypto_canon_kernel_t *use = k;
        while (!use || !use->supported())
            use = &all[(i + (use ? 1 : 0)) % nk];
        use->update(&c, in + at, end - at);
        at = end;
    }
    uint64_t total = crypto_canon_body_final(&c); /* before reading o->n */
    assert_int_equal(total, o->n);
}

/* The reference output: scalar kernel, one update. */
static void reference(crypto_canon_t mode, const uint8_t *in, size_t n, out_t *o)
{
    run(&crypto_canon_kernels(&(size_t){ 0 })[0], mode, in, n, NULL, 0, o);
}

static void report_skips(void)
{
    static int done;
    size_t nk;
    const crypto_canon_kernel_t *all = crypto_canon_kernels(&nk);
    if (done)
        return;
    done = 1;
    for (size_t i = 0; i < nk; i++)
        if (!all[i].supported())
            printf("# kernel %s skipped: this CPU lacks it\n", all[i].name);
}

/* Every supported kernel, both modes: one update, and two chunks split at
 * every offset, must give the reference's bytes.  Returns kernels run. */
static size_t check_all_splits(const uint8_t *in, size_t n)
{
    size_t nk, ran = 0;
    const crypto_canon_kernel_t *all = crypto_canon_kernels(&nk);
    out_t want, got;
    out_init(&want, n);
    out_init(&got, n);
    report_skips();
    for (int m = 0; m < 2; m++) {
        crypto_canon_t mode = (crypto_canon_t)m;
        reference(mode, in, n, &want);
        for (size_t k = 0; k < nk; k++) {
            if (!all[k].supported())
                continue;
            ran++;
            run(&all[k], mode, in, n, NULL, 0, &got);
            assert_int_equal(got.n, want.n);
            assert_memory_equal(got.p, want.p, want.n);
            for (size_t cut = 0; cut <= n; cut++) {
                run(&all[k], mode, in, n, &cut, 1, &got);
                assert_int_equal(got.n, want.n);
                assert_memory_equal(got.p, want.p, want.n);
            }
        }
    }
    free(want.p);
    free(got.p);
    return ran;
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void kernels_match_reference_on_every_byte_value(void **state)
{
    (void)state;
    uint8_t in[300];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i * 7 + (i >> 8));
    assert_true(check_all_splits(in, sizeof(in)) >= 2);
}

/* Runs of WSP, CR and LF placed at every alignment against the 16- and
 * 32-byte blocks, with text on either side or none. */
static void wsp_cr_lf_runs_match_at_every_alignment(void **state)
{
    (void)state;
    static const char *const pat[] = {
        " ", "\t", "  ", " \t ", "\r", "\n", "\r\n", "\n\r", "\r\r\n", "\r\n\r\n",
        "\n\n\n", " \r\n", "\t\n", "  \r\n\r\n  ", "x \r\ny", "\r \n", " \r",
        "\r\n \r\n\t\r\n", "a b c d e f g h i j k l m n o p q r s t",
        "                                        ",
        "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
    };
    uint8_t in[160];
    for (size_t p = 0; p < sizeof(pat) / sizeof(pat[0]); p++) {
        size_t pn = strlen(pat[p]);
        for (size_t lead = 0; lead <= 40; lead++) {
            for (int tail = 0; tail < 3; tail++) {
                size_t n = 0;
                for (size_t i = 0; i < lead; i++)
                    in[n++] = (uint8_t)('A' + i % 26);
                memcpy(in + n, pat[p], pn);
                n += pn;
                if (tail == 1) /* text after the run */
                    for (size_t i = 0; i < 37; i++)
                        in[n++] = (uint8_t)('a' + i % 26);
                else if (tail == 2) /* the run repeated */
                    for (size_t i = 0; i < 3 && n + pn <= sizeof(in); i++, n += pn)
                        memcpy(in + n, pat[p], pn);
                check_all_splits(in, n);
            }
        }
    }
}

/* Random bodies over an alphabet rich in the bytes the rules care about,
 * in random chunkings, each kernel alone and kernels mixed per chunk. */
static void random_bodies_match_in_random_chunks(void **state)
{
    (void)state;
    static const uint8_t alpha[] = { '\r', '\n', ' ', '\t', 'a', 'b', '\r', '\n', ' ',
                                     '.', 0, 0xff, 'Z', ' ', '\n', '=' };
    size_t nk;
    const crypto_canon_kernel_t *all = crypto_canon_kernels(&nk);
    uint32_t s = 0x9e3779b9u;
    uint8_t in[700];
    size_t cuts[64];
    out_t want, got;
    out_init(&want, sizeof(in));
    out_init(&got, sizeof(in));
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = rnd(&s) % sizeof(in);
        unsigned dense = rnd(&s) % 4; /* 0: mostly text, as real mail */
        for (size_t i = 0; i < n; i++) {
            uint32_t r = rnd(&s);
            in[i] = (dense || r % 8 == 0) ? alpha[(r >> 8) % sizeof(alpha)]
                                           : (uint8_t)('a' + (r >> 8) % 26);
        }
        size_t ncuts = n ? rnd(&s) % 64 : 0;
        for (size_t i = 0; i < ncuts; i++)
            cuts[i] = rnd(&s) % (n + 1);
        for (size_t i = 1; i < ncuts; i++) /* insertion sort */
            for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
                size_t t = cuts[j];
                cuts[j] = cuts[j - 1];
                cuts[j - 1] = t;
            }
        for (int m = 0; m < 2; m++) {
            crypto_canon_t mode = (crypto_canon_t)m;
            reference(mode, in, n, &want);
            for (size_t k = 0; k <= nk; k++) {
                if (k < nk && !all[k].supported())
                    continue;
                run(k < nk ? &all[k] : NULL, mode, in, n, cuts, ncuts, &got);
                assert_int_equal(got.n, want.n);
                assert_memory_equal(got.p, want.p, want.n);
            }
        }
    }
    free(want.p);
    free(got.p);
}

/*
 * LF-only mail (an mbox or maildir written on Unix): the kernels copy whole
 * blocks with a CR put before each LF while the text needs nothing else.
 * Random prose of single-spaced words with, now and then, what ends that
 * fast path (a double space, a TAB, trailing WSP, an empty line, a lone CR,
 * a line longer than a block), at every split offset and both modes.
 */
static void lf_only_prose_matches_at_every_split(void **state)
{
    (void)state;
    static const char *odd[] = { "  ", "\t", " \n", "\n\n", "\r", "\t\n", "\n \n" };
    uint32_t s = 0x2545f491u;
    uint8_t in[400];
    for (int iter = 0; iter < 60; iter++) {
        size_t n = 0;
        while (n < sizeof(in) - 70) { /* room for a 60-byte word and its separator */
            uint32_t r = rnd(&s);
            size_t w = 1 + r % (iter % 3 == 0 ? 60 : 9); /* some words longer than a block */
            for (size_t i = 0; i < w; i++)
                in[n++] = (uint8_t)('a' + (rnd(&s) >> 8) % 26);
            r = rnd(&s) % 40;
            if (r < 28)
                in[n++] = ' ';
            else if (r < 38)
                in[n++] = '\n';
            else {
                const char *o = odd[(r + (uint32_t)iter) % (sizeof(odd) / sizeof(*odd))];
                while (*o)
                    in[n++] = (uint8_t)*o++;
            }
        }
        assert_true(check_all_splits(in, n) > 0);
    }
}

/*
 * Empty lines in LF-only text: the block path takes them when text follows
 * in the same block, and must leave trailing ones (at the end of the body,
 * or of a block) to the byte rules.  1-3 empty lines after a text line of
 * every length up to two AVX2 blocks, then text or more LFs (up to more
 * than two blocks of them: trailing, to be dropped), single-spaced words so
 * relaxed stays on the block path too; at every split offset.
 */
static void empty_lines_in_lf_text_match_at_every_offset(void **state)
{
    (void)state;
    static char lfs[140], wsp[140];
    memset(lfs, '\n', sizeof lfs - 1);
    for (size_t i = 0; i + 1 < sizeof wsp; i++)
        wsp[i] = i % 3 == 2 ? '\n' : ' '; /* lines of spaces: empty to relaxed */
    const char *const tails[] = { "more text here\n", "x", "tail\n\n", "\n", "",
                                  lfs + 80, lfs, wsp };
    uint8_t in[512];
    for (size_t k = 0; k <= 70; k++) {
        for (size_t m = 1; m <= 3; m++) {
            for (size_t t = 0; t < sizeof(tails) / sizeof(*tails); t++) {
                size_t n = 0;
                for (size_t i = 0; i < k; i++) /* words of 5 letters and a space */
                    in[n++] = (uint8_t)(i % 6 == 5 ? ' ' : 'a' + i % 26);
                in[n++] = '\n';
                for (size_t i = 0; i < m; i++)
                    in[n++] = '\n';
                for (const char *c = "and a line after the empty ones\n"; *c; c++)
                    in[n++] = (uint8_t)*c;
                for (size_t i = 0; i < m; i++)
                    in[n++] = '\n';
                for (const char *c = tails[t]; *c; c++)
                    in[n++] = (uint8_t)*c;
                assert_true(check_all_splits(in, n) > 0);
            }
        }
    }
}

/* A realistic body (prose, base64, dot lines, trailing empty lines) through
 * the public entry point and every kernel. */
static void mail_like_body_matches_through_public_entry(void **state)
{
    (void)state;
    static const char body[] =
        "Hello  world,\r\n\r\nthis is\ta test \r\n"
        "TWFpbCBib2R5IGluIGJhc2U2NCB3aXRoIDc2LWNoYXJhY3RlciBsaW5lcyBqdXN0IGxpa2Ug\r\n"
        "YXR0YWNobWVudHMgZG8=\r\n.\r\n-- \r\nsig\n\n \r\n\r\n";
    size_t n = sizeof(body) - 1;
    out_t want, got;
    out_init(&want, n);
    out_init(&got, n);
    reference(CRYPTO_CANON_RELAXED, (const uint8_t *)body, n, &want);
    static const char relaxed[] =
        "Hello world,\r\n\r\nthis is a test\r\n"
        "TWFpbCBib2R5IGluIGJhc2U2NCB3aXRoIDc2LWNoYXJhY3RlciBsaW5lcyBqdXN0IGxpa2Ug\r\n"
        "YXR0YWNobWVudHMgZG8=\r\n.\r\n--\r\nsig\r\n";
    assert_int_equal(want.n, sizeof(relaxed) - 1);
    assert_memory_equal(want.p, relaxed, want.n);
    crypto_canon_body_t c;
    crypto_canon_body_init(&c, CRYPTO_CANON_RELAXED, to_out, &got);
    crypto_canon_body_update(&c, (const uint8_t *)body, n);
    uint64_t total = crypto_canon_body_final(&c);
    assert_int_equal(total, got.n);
    assert_int_equal(got.n, want.n);
    assert_memory_equal(got.p, want.p, want.n);
    check_all_splits((const uint8_t *)body, n);
    free(want.p);
    free(got.p);
}

/* The active kernel is one the CPU has; AS_CANON (set by the second ctest
 * entry) forces the named one. */
static void active_kernel_is_supported_and_as_canon_forces_it(void **state)
{
    (void)state;
    const crypto_canon_kernel_t *a = crypto_canon_kernel_active();
    assert_non_null(a);
    assert_true(a->supported());
    const char *force = getenv("AS_CANON");
    if (force)
        assert_string_equal(a->name, force);
    printf("# active kernel: %s\n", a->name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kernels_match_reference_on_every_byte_value),
        cmocka_unit_test(wsp_cr_lf_runs_match_at_every_alignment),
        cmocka_unit_test(lf_only_prose_matches_at_every_split),
        cmocka_unit_test(empty_lines_in_lf_text_match_at_every_offset),
        cmocka_unit_test(random_bodies_match_in_random_chunks),
        cmocka_unit_test(mail_like_body_matches_through_public_entry),
        cmocka_unit_test(active_kernel_is_supported_and_as_canon_forces_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
