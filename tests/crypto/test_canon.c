/*
 * test_canon.c - RFC 6376 3.4 canonicalization (crypto/canon_scalar.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"

/* ---- helpers ---- */

typedef struct {
    uint8_t buf[8192];
    size_t n;
    size_t calls;
} collect_t;

static void collect(void *arg, const uint8_t *p, size_t n)
{
    collect_t *c = arg;
    assert_true(c->n + n <= sizeof(c->buf));
    memcpy(c->buf + c->n, p, n);
    c->n += n;
    c->calls++;
}

/* Canonicalize `in` in one update; returns the bytes in *out. */
static void canon_body(crypto_canon_t mode, const void *in, size_t n, collect_t *out)
{
    crypto_canon_body_t c;
    memset(out, 0, sizeof(*out));
    crypto_canon_body_init(&c, mode, collect, out);
    crypto_canon_body_update(&c, in, n);
    uint64_t total = crypto_canon_body_final(&c);
    assert_int_equal(total, out->n);
}

static void assert_body(crypto_canon_t mode, const char *in, size_t n, const char *want,
                        size_t want_n)
{
    collect_t out;
    canon_body(mode, in, n, &out);
    assert_int_equal(out.n, want_n);
    assert_memory_equal(out.buf, want, want_n);
}

#define BODY(mode, in, want) assert_body(mode, in, sizeof(in) - 1, want, sizeof(want) - 1)

static size_t canon_hdr(crypto_canon_t mode, const char *in, size_t n, int crlf,
                        uint8_t *out)
{
    size_t cap = crypto_canon_header_cap(n);
    assert_true(cap <= 1024);
    size_t len = crypto_canon_header(mode, slice_make(in, n), crlf, out);
    assert_true(len <= cap);
    return len;
}

static void assert_hdr(crypto_canon_t mode, const char *in, size_t n, int crlf,
                       const char *want, size_t want_n)
{
    uint8_t out[1024];
    size_t len = canon_hdr(mode, in, n, crlf, out);
    assert_int_equal(len, want_n);
    assert_memory_equal(out, want, want_n);
}

#define HDR(mode, in, crlf, want)                                                  \
    assert_hdr(mode, in, sizeof(in) - 1, crlf, want, sizeof(want) - 1)

#define S CRYPTO_CANON_SIMPLE
#define R CRYPTO_CANON_RELAXED

/* ---- RFC 6376 3.4.5, examples 1-3 ---- */

/* The example message, header fields and body (after the empty line). */
static const char EX_A[] = "A: X\r\n";
static const char EX_B[] = "B : Y\t\r\n\tZ  \r\n";
static const char EX_BODY[] = " C \r\nD \t E\r\n\r\n\r\n";

static void rfc6376_example_relaxed_header(void **state)
{
    HDR(R, EX_A, 1, "a:X\r\n");
    HDR(R, EX_B, 1, "b:Y Z\r\n");
}

static void rfc6376_example_simple_header(void **state)
{
    HDR(S, EX_A, 1, "A: X\r\n");
    HDR(S, EX_B, 1, "B : Y\t\r\n\tZ  \r\n");
}

static void rfc6376_example_relaxed_body(void **state)
{
    BODY(R, EX_BODY, " C\r\nD E\r\n");
}

static void rfc6376_example_simple_body(void **state)
{
    BODY(S, EX_BODY, " C \r\nD \t E\r\n");
}

/* ---- body: 3.4.3 simple ---- */

static void simple_empty_body_is_one_crlf(void **state)
{
    BODY(S, "", "\r\n");
    BODY(S, "\r\n", "\r\n");
    BODY(S, "\r\n\r\n\n\r\n", "\r\n");
}

static void simple_drops_trailing_empty_lines_only(void **state)
{
    BODY(S, "a\r\n\r\n\r\n", "a\r\n");
    BODY(S, "\r\n\r\na\r\n\r\nb\r\n\r\n", "\r\n\r\na\r\n\r\nb\r\n");
}

static void simple_appends_missing_final_crlf(void **state)
{
    BODY(S, "a\r\nb", "a\r\nb\r\n");
    BODY(S, "x", "x\r\n");
}

static void simple_keeps_whitespace_lines(void **state)
{
    /* A line of WSP is not empty (3.4.3: zero length is empty). */
    BODY(S, "a\r\n \r\n\t\r\n", "a\r\n \r\n\t\r\n");
    BODY(S, "a \t\r\n", "a \t\r\n");
}

/* ---- body: 3.4.4 relaxed ---- */

static void relaxed_empty_body_is_empty(void **state)
{
    BODY(R, "", "");
    BODY(R, "\r\n\r\n", "");
    BODY(R, " \t \r\n\t\r\n", "");
    BODY(R, "  ", "");
}

static void relaxed_strips_wsp_at_line_end(void **state)
{
    BODY(R, "a \t \r\nb\t\r\n", "a\r\nb\r\n");
}

static void relaxed_reduces_wsp_runs_to_one_space(void **state)
{
    BODY(R, "a  b\t\tc \t d\r\n", "a b c d\r\n");
    BODY(R, "\t lead\r\n", " lead\r\n");
}

static void relaxed_drops_lines_empty_after_stripping_at_end(void **state)
{
    BODY(R, "a\r\n  \r\n\t\r\n", "a\r\n");
    /* ...but not in the middle, where they become empty lines. */
    BODY(R, "a\r\n  \r\nb\r\n", "a\r\n\r\nb\r\n");
}

static void relaxed_appends_missing_final_crlf(void **state)
{
    BODY(R, "a\r\nb  ", "a\r\nb\r\n");
    BODY(R, "a\r\n  ", "a\r\n");
}

/* ---- body: line ends and odd bytes ---- */

static void lf_only_body_equals_crlf_body(void **state)
{
    static const char crlf[] = "Hi.\r\n\r\nWe  lost\t \r\n \r\n\r\nJoe.\r\n\r\n";
    static const char lf[] = "Hi.\n\nWe  lost\t \n \n\nJoe.\n\n";
    static const char mixed[] = "Hi.\r\n\nWe  lost\t \n \r\n\nJoe.\r\n\n";
    for (int m = 0; m < 2; m++) {
        collect_t a, b, c;
        canon_body((crypto_canon_t)m, crlf, sizeof(crlf) - 1, &a);
        canon_body((crypto_canon_t)m, lf, sizeof(lf) - 1, &b);
        canon_body((crypto_canon_t)m, mixed, sizeof(mixed) - 1, &c);
        assert_int_equal(a.n, b.n);
        assert_memory_equal(a.buf, b.buf, a.n);
        assert_int_equal(a.n, c.n);
        assert_memory_equal(a.buf, c.buf, a.n);
    }
}

static void bare_cr_is_an_ordinary_byte(void **state)
{
    BODY(S, "a\rb\r\n", "a\rb\r\n");
    BODY(R, "a \r b\r\n", "a \r b\r\n");
    /* CR before CRLF: the first CR is text. */
    BODY(S, "a\r\r\n", "a\r\r\n");
    BODY(R, "a\r\r\n", "a\r\r\n");
    /* A line holding only CR is not empty, and CR is not WSP. */
    BODY(S, "a\r\n\r\r\n", "a\r\n\r\r\n");
    BODY(R, "a\r\n\r\r\n", "a\r\n\r\r\n");
    /* CR at the very end: text, then the missing CRLF. */
    BODY(S, "a\r", "a\r\r\n");
    BODY(R, "a \r", "a \r\r\n");
    BODY(R, "\r", "\r\r\n");
}

static void nul_bytes_are_ordinary_text(void **state)
{
    BODY(S, "a\0b\r\n\0\r\n", "a\0b\r\n\0\r\n");
    BODY(R, "a\0 \0\r\n\0\r\n", "a\0 \0\r\n\0\r\n");
}

static void eight_bit_bytes_pass_through(void **state)
{
    BODY(R, "\xc3\xa9t\xc3\xa9  \xff\r\n", "\xc3\xa9t\xc3\xa9 \xff\r\n");
}

/* ---- body: streaming in chunks ---- */

static void canon_chunks(crypto_canon_t mode, const uint8_t *in, size_t n,
                         const size_t *cuts, size_t ncuts, collect_t *out)
{
    crypto_canon_body_t c;
    memset(out, 0, sizeof(*out));
    crypto_canon_body_init(&c, mode, collect, out);
    size_t at = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : n;
        crypto_canon_body_update(&c, in + at, end - at);
        at = end;
    }
    uint64_t total = crypto_canon_body_final(&c); /* before reading out->n */
    assert_int_equal(total, out->n);
}

static const char *const SPLIT_BODIES[] = {
    " C \r\nD \t E\r\n\r\n\r\n",
    "a\r\r\n\r\n\r\r\rb\n\n\r\n",
    "  x  \t\r\n \t \r\n\ty\t\n\n \n",
    "\r\n\r\n\r\nlast line no break  \t",
    "trailing CR\r",
    "\r\r\r\n\n\r",
    "",
    "\n",
};

static void every_split_offset_matches_one_shot(void **state)
{
    for (size_t b = 0; b < sizeof(SPLIT_BODIES) / sizeof(SPLIT_BODIES[0]); b++) {
        const uint8_t *in = (const uint8_t *)SPLIT_BODIES[b];
        size_t n = strlen(SPLIT_BODIES[b]);
        for (int m = 0; m < 2; m++) {
            collect_t whole, part;
            canon_body((crypto_canon_t)m, in, n, &whole);
            /* one cut at every offset, and two cuts at every pair */
            for (size_t i = 0; i <= n; i++) {
                for (size_t j = i; j <= n; j++) {
                    size_t cuts[2] = { i, j };
                    canon_chunks((crypto_canon_t)m, in, n, cuts, 2, &part);
                    assert_int_equal(part.n, whole.n);
                    assert_memory_equal(part.buf, whole.buf, whole.n);
                }
            }
        }
    }
}

static void byte_by_byte_matches_one_shot(void **state)
{
    for (size_t b = 0; b < sizeof(SPLIT_BODIES) / sizeof(SPLIT_BODIES[0]); b++) {
        const uint8_t *in = (const uint8_t *)SPLIT_BODIES[b];
        size_t n = strlen(SPLIT_BODIES[b]);
        for (int m = 0; m < 2; m++) {
            collect_t whole, part;
            size_t cuts[64];
            assert_true(n <= 64);
            for (size_t i = 0; i < n; i++)
                cuts[i] = i;
            canon_body((crypto_canon_t)m, in, n, &whole);
            canon_chunks((crypto_canon_t)m, in, n, cuts, n, &part);
            assert_int_equal(part.n, whole.n);
            assert_memory_equal(part.buf, whole.buf, whole.n);
        }
    }
}

static void empty_updates_change_nothing(void **state)
{
    crypto_canon_body_t c;
    collect_t out = { .n = 0 };
    crypto_canon_body_init(&c, R, collect, &out);
    crypto_canon_body_update(&c, NULL, 0);
    crypto_canon_body_update(&c, (const uint8_t *)"a \r", 3);
    crypto_canon_body_update(&c, NULL, 0);
    crypto_canon_body_update(&c, (const uint8_t *)"\n", 1);
    uint64_t total = crypto_canon_body_final(&c);
    assert_int_equal(total, 3);
    assert_int_equal(out.n, 3);
    assert_memory_equal(out.buf, "a\r\n", 3);
}

static void simple_crlf_lines_go_out_in_one_piece(void **state)
{
    /* Not a contract, but the reason the simple path is fast: a CRLF line
     * is at most one sink call, not text and CRLF separately (the scalar
     * kernel makes one per line, the SIMD kernels one per run of lines). */
    collect_t out;
    canon_body(S, "one\r\ntwo\r\nthree\r\n", 17, &out);
    assert_in_range(out.calls, 1, 3);
    assert_memory_equal(out.buf, "one\r\ntwo\r\nthree\r\n", 17);
}

/* ---- header: 3.4.1 simple ---- */

static void simple_header_unchanged(void **state)
{
    HDR(S, "SUBJect:  AbC \r\n", 1, "SUBJect:  AbC \r\n");
    HDR(S, "X: a\r\n\tb\r\n", 1, "X: a\r\n\tb\r\n");
}

static void simple_header_bare_lf_becomes_crlf(void **state)
{
    HDR(S, "X: a\n\tb\n", 1, "X: a\r\n\tb\r\n");
    HDR(S, "X: a\r\n\tb\n", 1, "X: a\r\n\tb\r\n");
}

static void simple_header_adds_missing_crlf(void **state)
{
    HDR(S, "X: a\n\tb", 1, "X: a\r\n\tb\r\n");
}

static void simple_header_without_crlf_drops_final_break(void **state)
{
    HDR(S, "DKIM-Signature: a=1;\r\n b=\r\n", 0, "DKIM-Signature: a=1;\r\n b=");
    HDR(S, "DKIM-Signature: a=1;\n b=\n", 0, "DKIM-Signature: a=1;\r\n b=");
    HDR(S, "DKIM-Signature: a=1;\n b=", 0, "DKIM-Signature: a=1;\r\n b=");
}

static void simple_header_keeps_bare_cr(void **state)
{
    HDR(S, "X: a\rb\r", 1, "X: a\rb\r\r\n");
    HDR(S, "X: a\rb\r", 0, "X: a\rb\r");
}

/* ---- header: 3.4.2 relaxed ---- */

static void relaxed_header_lowercases_name_only(void **state)
{
    HDR(R, "SUBJect: AbC\r\n", 1, "subject:AbC\r\n");
}

static void relaxed_header_unfolds_and_joins_wsp(void **state)
{
    HDR(R, "X: a  \r\n\t b\r\n   c\r\n", 1, "x:a b c\r\n");
    /* a break not followed by WSP is deleted too, without a space */
    HDR(R, "X: a\r\nb\r\n", 1, "x:ab\r\n");
    HDR(R, "X: a\n b\n", 1, "x:a b\r\n");
}

static void relaxed_header_deletes_wsp_around_colon(void **state)
{
    HDR(R, "Subject : hi\r\n", 1, "subject:hi\r\n");
    HDR(R, "Subject\t \t:\t hi \t\r\n", 1, "subject:hi\r\n");
    HDR(R, "Subject:\r\n hi\r\n", 1, "subject:hi\r\n");
}

static void relaxed_header_empty_value(void **state)
{
    HDR(R, "X:\r\n", 1, "x:\r\n");
    HDR(R, "X:   \r\n", 1, "x:\r\n");
    HDR(R, "X: \r\n \r\n", 0, "x:");
}

static void relaxed_header_keeps_colons_in_value(void **state)
{
    HDR(R, "X: a : b\r\n", 1, "x:a : b\r\n");
}

static void relaxed_header_without_crlf(void **state)
{
    HDR(R, "DKIM-Signature: v=1;\r\n b= \r\n", 0, "dkim-signature:v=1; b=");
    HDR(R, "DKIM-Signature: v=1; b=", 0, "dkim-signature:v=1; b=");
}

static void relaxed_header_bare_cr_and_nul_are_text(void **state)
{
    HDR(R, "X: a\r b\r\n", 1, "x:a\r b\r\n");
    HDR(R, "X: a\0\r\n", 1, "x:a\0\r\n");
}

static void relaxed_header_without_colon_is_total(void **state)
{
    /* Not a field, but any bytes give a bounded result. */
    HDR(R, "NoColon  Here \r\n", 1, "nocolon here\r\n");
    HDR(R, "", 1, "\r\n");
    HDR(S, "", 0, "");
}

static void header_cap_is_a_bound(void **state)
{
    assert_int_equal(crypto_canon_header_cap(0), 2);
    assert_int_equal(crypto_canon_header_cap(10), 22);
    assert_int_equal(crypto_canon_header_cap(SIZE_MAX), SIZE_MAX);
    /* worst case for simple: every byte a bare LF */
    uint8_t out[64];
    size_t len = canon_hdr(S, "\n\n\n\n\n", 5, 1, out);
    assert_int_equal(len, 10);
    assert_memory_equal(out, "\r\n\r\n\r\n\r\n\r\n", 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc6376_example_relaxed_header),
        cmocka_unit_test(rfc6376_example_simple_header),
        cmocka_unit_test(rfc6376_example_relaxed_body),
        cmocka_unit_test(rfc6376_example_simple_body),
        cmocka_unit_test(simple_empty_body_is_one_crlf),
        cmocka_unit_test(simple_drops_trailing_empty_lines_only),
        cmocka_unit_test(simple_appends_missing_final_crlf),
        cmocka_unit_test(simple_keeps_whitespace_lines),
        cmocka_unit_test(relaxed_empty_body_is_empty),
        cmocka_unit_test(relaxed_strips_wsp_at_line_end),
        cmocka_unit_test(relaxed_reduces_wsp_runs_to_one_space),
        cmocka_unit_test(relaxed_drops_lines_empty_after_stripping_at_end),
        cmocka_unit_test(relaxed_appends_missing_final_crlf),
        cmocka_unit_test(lf_only_body_equals_crlf_body),
        cmocka_unit_test(bare_cr_is_an_ordinary_byte),
        cmocka_unit_test(nul_bytes_are_ordinary_text),
        cmocka_unit_test(eight_bit_bytes_pass_through),
        cmocka_unit_test(every_split_offset_matches_one_shot),
        cmocka_unit_test(byte_by_byte_matches_one_shot),
        cmocka_unit_test(empty_updates_change_nothing),
        cmocka_unit_test(simple_crlf_lines_go_out_in_one_piece),
        cmocka_unit_test(simple_header_unchanged),
        cmocka_unit_test(simple_header_bare_lf_becomes_crlf),
        cmocka_unit_test(simple_header_adds_missing_crlf),
        cmocka_unit_test(simple_header_without_crlf_drops_final_break),
        cmocka_unit_test(simple_header_keeps_bare_cr),
        cmocka_unit_test(relaxed_header_lowercases_name_only),
        cmocka_unit_test(relaxed_header_unfolds_and_joins_wsp),
        cmocka_unit_test(relaxed_header_deletes_wsp_around_colon),
        cmocka_unit_test(relaxed_header_empty_value),
        cmocka_unit_test(relaxed_header_keeps_colons_in_value),
        cmocka_unit_test(relaxed_header_without_crlf),
        cmocka_unit_test(relaxed_header_bare_cr_and_nul_are_text),
        cmocka_unit_test(relaxed_header_without_colon_is_total),
        cmocka_unit_test(header_cap_is_a_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
