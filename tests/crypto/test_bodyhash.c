/*
 * test_bodyhash.c - bh= computation with l= (crypto/bodyhash.c).
 *
 * Golden values come from independent signers:
 *  - tests/conformance/mailauth/derived/body-hash-vectors.yml (mailauth,
 *    re-computed independently by the conformance collection); its values
 *    are hard-coded below, vector by vector, with the YAML id named;
 *  - RFC 6376 3.4.3 / 3.4.4 (empty body) and the bh= of RFC 6376 A.2 and
 *    RFC 8463 A.3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"

#define S CRYPTO_CANON_SIMPLE
#define R CRYPTO_CANON_RELAXED

/* A small base64 encoder, so that expected values can be written as the
 * bh= strings they are, without relying on the decoder under test. */
static void b64_encode(const uint8_t *p, size_t n, char *out)
{
    static const char A[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = A[v >> 18 & 63];
        out[o++] = A[v >> 12 & 63];
        out[o++] = i + 1 < n ? A[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? A[v & 63] : '=';
    }
    out[o] = '\0';
}

/* Body hash of in[0..n) fed in chunks of `chunk` bytes (0: one update). */
static void bodyhash(crypto_canon_t mode, crypto_hash_alg_t alg, int64_t limit,
                     const void *in, size_t n, size_t chunk, char *b64,
                     uint64_t *canon_len)
{
    uint8_t d[CRYPTO_MAX_DIGEST];
    size_t dlen = 0;
    crypto_bodyhash_t *b = crypto_bodyhash_new(mode, alg, limit);
    assert_non_null(b);
    const uint8_t *p = in;
    if (chunk == 0)
        chunk = n ? n : 1;
    for (size_t at = 0; at < n; at += chunk)
        crypto_bodyhash_update(b, p + at, n - at < chunk ? n - at : chunk);
    crypto_bodyhash_final(b, d, &dlen, canon_len);
    assert_int_equal(dlen, crypto_hash_len(alg));
    b64_encode(d, dlen, b64);
    crypto_bodyhash_free(b);
}

static void assert_bh(crypto_canon_t mode, crypto_hash_alg_t alg, int64_t limit,
                      const void *in, size_t n, const char *want)
{
    char got[128];
    uint64_t len;
    bodyhash(mode, alg, limit, in, n, 0, got, &len);
    assert_string_equal(got, want);
}

/* ---- RFC 6376 3.4.3 / 3.4.4: the empty body ---- */

static void empty_body_hashes_as_rfc_says(void **state)
{
    uint64_t len;
    char got[128];
    bodyhash(S, CRYPTO_SHA1, -1, "", 0, 0, got, &len);
    assert_string_equal(got, "uoq1oCgLlTqpdDX/iUbLy7J1Wic=");
    assert_int_equal(len, 2);
    bodyhash(S, CRYPTO_SHA256, -1, "", 0, 0, got, &len);
    assert_string_equal(got, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
    bodyhash(R, CRYPTO_SHA1, -1, "", 0, 0, got, &len);
    assert_string_equal(got, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    assert_int_equal(len, 0);
    bodyhash(R, CRYPTO_SHA256, -1, "", 0, 0, got, &len);
    assert_string_equal(got, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

/* ---- mailauth body-hash-vectors.yml ---- */

/* id: empty-ish-body (contains one bare LF, which counts as a line break) */
static void mailauth_empty_ish_body(void **state)
{
    static const char body[] = "\r\n\r\n\n\r\n\r\n";
    size_t n = sizeof(body) - 1;
    assert_bh(S, CRYPTO_SHA256, -1, body, n, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
    assert_bh(S, CRYPTO_SHA1, -1, body, n, "uoq1oCgLlTqpdDX/iUbLy7J1Wic=");
    assert_bh(R, CRYPTO_SHA256, -1, body, n, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    assert_bh(R, CRYPTO_SHA1, -1, body, n, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
}

/* The body of message1.eml: everything after the first empty line.  The
 * file has LF line ends; the YAML says to convert them to CRLF first, which
 * the canonicalizer does by itself (a bare LF counts as CRLF). */
typedef struct {
    uint8_t *file;
    const uint8_t *body;
    size_t n;
    uint8_t *crlf; /* the same body with every LF made CRLF */
    size_t crlf_n;
} message1_t;

static int message1_load(void **state)
{
    static message1_t m;
    FILE *f = fopen(MAILAUTH_DIR "/test/fixtures/message1.eml", "rb");
    if (!f)
        return -1;
    m.file = malloc(65536);
    size_t len = fread(m.file, 1, 65536, f);
    fclose(f);
    for (size_t i = 0; i + 1 < len; i++) {
        if (m.file[i] == '\n' && m.file[i + 1] == '\n') {
            m.body = m.file + i + 2;
            m.n = len - i - 2;
            break;
        }
    }
    if (!m.body)
        return -1;
    m.crlf = malloc(2 * m.n);
    for (size_t i = 0; i < m.n; i++) {
        if (m.body[i] == '\n')
            m.crlf[m.crlf_n++] = '\r';
        m.crlf[m.crlf_n++] = m.body[i];
    }
    *state = &m;
    return 0;
}

static int message1_free(void **state)
{
    message1_t *m = *state;
    free(m->file);
    free(m->crlf);
    return 0;
}

/* id: message1 */
static void mailauth_message1(void **state)
{
    message1_t *m = *state;
    static const char *const want[2] = {
        "GjyEkbey2OupCW5AKJv4dzTPsPHSaZjRDMqUSmhpTyQ=", /* simple */
        "D2H5TEwtUgM2u8Ew0gG6vnt/Na6L+Zep7apmSmfy8IQ=", /* relaxed */
    };
    for (int mode = 0; mode < 2; mode++) {
        assert_bh((crypto_canon_t)mode, CRYPTO_SHA256, -1, m->body, m->n, want[mode]);
        assert_bh((crypto_canon_t)mode, CRYPTO_SHA256, -1, m->crlf, m->crlf_n, want[mode]);
    }
}

/* id: message1, fed in chunks of every size from 1 to 64 bytes: the split
 * points land everywhere, including between CR and LF. */
static void mailauth_message1_in_chunks(void **state)
{
    message1_t *m = *state;
    static const char *const want[2] = {
        "GjyEkbey2OupCW5AKJv4dzTPsPHSaZjRDMqUSmhpTyQ=",
        "D2H5TEwtUgM2u8Ew0gG6vnt/Na6L+Zep7apmSmfy8IQ=",
    };
    for (int mode = 0; mode < 2; mode++) {
        for (size_t chunk = 1; chunk <= 64; chunk++) {
            char got[128];
            uint64_t len;
            bodyhash((crypto_canon_t)mode, CRYPTO_SHA256, -1, m->crlf, m->crlf_n, chunk,
                     got, &len);
            assert_string_equal(got, want[mode]);
        }
    }
}

/* id: message1-l0 */
static void mailauth_message1_l0_hashes_nothing(void **state)
{
    message1_t *m = *state;
    char got[128];
    uint64_t len;
    bodyhash(S, CRYPTO_SHA256, 0, m->body, m->n, 0, got, &len);
    assert_string_equal(got, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    assert_true(len > 0); /* the whole canonical length is still reported */
    bodyhash(R, CRYPTO_SHA256, 0, m->body, m->n, 0, got, &len);
    assert_string_equal(got, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

/* id: l20, including its hashed_octets */
static void mailauth_l20_hashes_first_20_canonical_bytes(void **state)
{
    static const char body[] = "tere tere\r\n \r\nvana kere\r\n\r\n";
    char got[128];
    uint64_t len;
    bodyhash(S, CRYPTO_SHA256, 20, body, sizeof(body) - 1, 0, got, &len);
    assert_string_equal(got, "J8tF8/M8X2PLBc/YVY64O+9jaSUEi9VMWKtt85CIHSc=");
    assert_int_equal(len, strlen("tere tere\r\n \r\nvana kere\r\n"));
    bodyhash(R, CRYPTO_SHA256, 20, body, sizeof(body) - 1, 0, got, &len);
    assert_string_equal(got, "RzjCRSQ7oLyYPj0LF/Mi40PvYYf2dtQxQrSgh6WeSUQ=");
    assert_int_equal(len, strlen("tere tere\r\n\r\nvana kere\r\n"));

    /* hashed_octets from the YAML, hashed directly: same digest */
    static const char *const octets[2] = { "tere tere\r\n \r\nvana k",
                                           "tere tere\r\n\r\nvana ke" };
    static const char *const want[2] = { "J8tF8/M8X2PLBc/YVY64O+9jaSUEi9VMWKtt85CIHSc=",
                                         "RzjCRSQ7oLyYPj0LF/Mi40PvYYf2dtQxQrSgh6WeSUQ=" };
    for (int i = 0; i < 2; i++) {
        uint8_t d[CRYPTO_MAX_DIGEST];
        crypto_hash_t *h = crypto_hash_new(CRYPTO_SHA256);
        assert_non_null(h);
        crypto_hash_update(h, octets[i], 20);
        assert_int_equal(crypto_hash_final(h, d), 32);
        b64_encode(d, 32, got);
        assert_string_equal(got, want[i]);
        crypto_hash_free(h);
    }
}

/* ---- RFC example bodies ---- */

static void rfc6376_a2_body_hash(void **state)
{
    /* A.2 with one space ("game. Are"), the layout whose bh= verifies. */
    static const char body[] = "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n";
    assert_bh(S, CRYPTO_SHA256, -1, body, sizeof(body) - 1,
              "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
    /* As printed in the RFC (two spaces): a different, known hash. */
    static const char literal[] =
        "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";
    assert_bh(S, CRYPTO_SHA256, -1, literal, sizeof(literal) - 1,
              "4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=");
}

static void rfc8463_a3_relaxed_body_hash(void **state)
{
    /* RFC 8463 A.3: two spaces, relaxed makes them one: same bh= as A.2. */
    static const char body[] =
        "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";
    assert_bh(R, CRYPTO_SHA256, -1, body, sizeof(body) - 1,
              "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
}

/* ---- buffering and l= around the internal buffer size ---- */

typedef struct {
    uint8_t *p;
    size_t n;
} membuf_t;

static void to_mem(void *arg, const uint8_t *p, size_t n)
{
    membuf_t *m = arg;
    memcpy(m->p + m->n, p, n);
    m->n += n;
}

/* 200 KB of short lines with WSP runs, and one 40 KB line: pieces of every
 * size relative to the 16 KB hashing buffer of bodyhash.c. */
static uint8_t *make_large_body(size_t n)
{
    uint8_t *in = malloc(n);
    assert_non_null(in);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t r = (x >> 16) % 100;
        in[i] = r < 3 ? '\n' : r < 10 ? ' ' : r < 12 ? '\t' : (uint8_t)('a' + r % 26);
        if (i > 50000 && i < 90000)
            in[i] = (uint8_t)('a' + r % 26);
    }
    return in;
}

static void large_body_and_limits_match_plain_hash(void **state)
{
    static const int64_t limits[] = { -1, 0, 1, 16383, 16384, 16385, 32768, 100000, 1000000 };
    static const size_t chunks[] = { 0, 1, 4096, 65536 };
    size_t n = 200000;
    uint8_t *in = make_large_body(n);
    membuf_t canon = { malloc(2 * n + 2), 0 };
    assert_non_null(canon.p);

    for (int mode = 0; mode < 2; mode++) {
        /* reference: canonical bytes in memory, a prefix hashed at once */
        crypto_canon_body_t c;
        canon.n = 0;
        crypto_canon_body_init(&c, (crypto_canon_t)mode, to_mem, &canon);
        crypto_canon_body_update(&c, in, n);
        uint64_t total = crypto_canon_body_final(&c); /* before reading canon.n */
        assert_int_equal(total, canon.n);

        for (size_t li = 0; li < sizeof(limits) / sizeof(limits[0]); li++) {
            size_t take = canon.n;
            if (limits[li] >= 0 && (uint64_t)limits[li] < take)
                take = (size_t)limits[li];
            uint8_t d[CRYPTO_MAX_DIGEST];
            char want[128];
            crypto_hash_t *h = crypto_hash_new(CRYPTO_SHA256);
            assert_non_null(h);
            crypto_hash_update(h, canon.p, take);
            b64_encode(d, crypto_hash_final(h, d), want);
            crypto_hash_free(h);

            for (size_t ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++) {
                char got[128];
                uint64_t len;
                bodyhash((crypto_canon_t)mode, CRYPTO_SHA256, limits[li], in, n, chunks[ci],
                         got, &len);
                assert_string_equal(got, want);
                assert_int_equal(len, canon.n);
            }
        }
    }
    free(canon.p);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_body_hashes_as_rfc_says),
        cmocka_unit_test(mailauth_empty_ish_body),
        cmocka_unit_test(mailauth_l20_hashes_first_20_canonical_bytes),
        cmocka_unit_test(rfc6376_a2_body_hash),
        cmocka_unit_test(rfc8463_a3_relaxed_body_hash),
        cmocka_unit_test(large_body_and_limits_match_plain_hash),
    };
    const struct CMUnitTest m1[] = {
        cmocka_unit_test(mailauth_message1),
        cmocka_unit_test(mailauth_message1_in_chunks),
        cmocka_unit_test(mailauth_message1_l0_hashes_nothing),
    };
    int fails = cmocka_run_group_tests(tests, NULL, NULL);
    fails += cmocka_run_group_tests_name("message1", m1, message1_load, message1_free);
    return fails;
}
