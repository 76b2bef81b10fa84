/*
 * fuzz_canon_body.c - body canonicalization (crypto/canon_scalar.c) and the
 * body hash (crypto/bodyhash.c).
 *
 * Input: byte 0 picks the split pattern, the rest is the body.  For both
 * modes the output of one update must equal byte-by-byte and chunked
 * updates, obey the 3.4.3 / 3.4.4 shape rules, and hash to what bodyhash
 * computes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    uint8_t *p;
    size_t n, cap;
} buf_t;

static void to_buf(void *arg, const uint8_t *p, size_t n)
{
    buf_t *b = arg;
    if (n > b->cap - b->n)
        abort(); /* output longer than 2n+2: the bound is wrong */
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

/* chunk: 0 one update, else pieces of 1..chunk bytes driven by seed. */
static void run(crypto_canon_t mode, const uint8_t *in, size_t n, unsigned chunk,
                uint8_t seed, buf_t *out)
{
    crypto_canon_body_t c;
    out->n = 0;
    crypto_canon_body_init(&c, mode, to_buf, out);
    if (chunk == 0) {
        crypto_canon_body_update(&c, in, n);
    } else {
        uint32_t x = seed | 1u;
        for (size_t at = 0; at < n;) {
            x = x * 1103515245u + 12345u;
            size_t k = 1 + (x >> 16) % chunk;
            if (k > n - at)
                k = n - at;
            crypto_canon_body_update(&c, in + at, k);
            at += k;
        }
    }
    if (crypto_canon_body_final(&c) != out->n)
        abort();
}

static void check_shape(crypto_canon_t mode, const buf_t *o)
{
    if (mode == CRYPTO_CANON_SIMPLE && o->n == 0)
        abort(); /* 3.4.3: at least CRLF */
    if (o->n && (o->n < 2 || o->p[o->n - 2] != '\r' || o->p[o->n - 1] != '\n'))
        abort(); /* always ends in CRLF when non-empty */
    if (o->n >= 4 && memcmp(o->p + o->n - 4, "\r\n\r\n", 4) == 0 &&
        !(mode == CRYPTO_CANON_SIMPLE && o->n == 2))
        abort(); /* no trailing empty line */
    for (size_t i = 0; i < o->n; i++) {
        if (o->p[i] == '\n' && (i == 0 || o->p[i - 1] != '\r'))
            abort(); /* every LF is part of CRLF */
        if (mode == CRYPTO_CANON_RELAXED) {
            if (o->p[i] == '\t')
                abort();
            if (o->p[i] == ' ' && i + 1 < o->n &&
                (o->p[i + 1] == ' ' || (o->p[i + 1] == '\r' && i + 2 < o->n &&
                                        o->p[i + 2] == '\n')))
                abort(); /* no SP run, no SP before a line end */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t seed = data[0];
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    buf_t a = { malloc(2 * n + 2), 0, 2 * n + 2 };
    buf_t b = { malloc(2 * n + 2), 0, 2 * n + 2 };
    if (!a.p || !b.p)
        abort();
    for (int m = 0; m < 2; m++) {
        crypto_canon_t mode = (crypto_canon_t)m;
        run(mode, in, n, 0, seed, &a);
        check_shape(mode, &a);
        static const unsigned chunks[] = { 1, 3, 17 };
        for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
            run(mode, in, n, chunks[i], seed, &b);
            if (a.n != b.n || memcmp(a.p, b.p, a.n) != 0)
                abort();
        }
        /* bodyhash == hash of the first `limit` canonical bytes */
        int64_t limit = (seed & 0x80) ? -1 : (int64_t)(seed % 64);
        crypto_bodyhash_t *bh = crypto_bodyhash_new(mode, CRYPTO_SHA256, limit);
        crypto_hash_t *h = crypto_hash_new(CRYPTO_SHA256);
        if (!bh || !h)
            abort();
        crypto_bodyhash_update(bh, in, n / 2);
        crypto_bodyhash_update(bh, in + n / 2, n - n / 2);
        uint8_t d1[CRYPTO_MAX_DIGEST], d2[CRYPTO_MAX_DIGEST];
        size_t dn = 0;
        uint64_t total = 0;
        crypto_bodyhash_final(bh, d1, &dn, &total);
        size_t take = (limit >= 0 && (uint64_t)limit < a.n) ? (size_t)limit : a.n;
        crypto_hash_update(h, a.p, take);
        if (crypto_hash_final(h, d2) != dn || memcmp(d1, d2, dn) != 0 || total != a.n)
            abort();
        crypto_bodyhash_free(bh);
        crypto_hash_free(h);
    }
    free(a.p);
    free(b.p);
    return 0;
}
