/*
 * fuzz_canon_simd.c - differential: every body canonicalization kernel the
 * CPU has (crypto/canon_sse2.c, canon_avx2.c) must write exactly the bytes
 * of the reference (canon_scalar.c), in one update, in a random chunking,
 * and with kernels mixed from chunk to chunk (they share the state).
 *
 * Input: byte 0 seeds the chunking, byte 1 bounds the chunk size, the rest
 * is the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    uint8_t *p;
    size_t n, cap;
} buf_t;

static void to_buf(void *arg, const uint8_t *p, size_t n)
{
    buf_t *b = arg;
    if (n > b->cap - b->n)
        abort(); /* longer than 2n + 2 */
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

/* k < nk: that kernel; k == nk: a different supported kernel per chunk.
 * chunk == 0: one update. */
static void run(size_t k, crypto_canon_t mode, const uint8_t *in, size_t n,
                unsigned chunk, uint8_t seed, buf_t *out)
{
    size_t nk;
    const crypto_canon_kernel_t *all = crypto_canon_kernels(&nk);
    crypto_canon_body_t c;
    out->n = 0;
    crypto_canon_body_init(&c, mode, to_buf, out);
    uint32_t x = seed | 1u;
    size_t turn = 0;
    for (size_t at = 0; at < n || (at == 0 && n == 0);) {
        size_t len = n - at;
        if (chunk) {
            x = x * 1103515245u + 12345u;
            size_t r = (x >> 16) % (chunk + 1); /* 0-byte chunks too */
            len = r < len ? r : len;
        }
        const crypto_canon_kernel_t *use = &all[k < nk ? k : turn++ % nk];
        if (!use->supported())
            use = &all[0];
        use->update(&c, in + at, len);
        at += len;
        if (n == 0)
            break;
    }
    if (crypto_canon_body_final(&c) != out->n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t seed = data[0];
    unsigned chunk = 1 + data[1] % 80;
    const uint8_t *in = data + 2;
    size_t n = size - 2;
    size_t nk;
    crypto_canon_kernels(&nk);
    buf_t want = { malloc(2 * n + 2), 0, 2 * n + 2 };
    buf_t got = { malloc(2 * n + 2), 0, 2 * n + 2 };
    if (!want.p || !got.p)
        abort();
    for (int m = 0; m < 2; m++) {
        crypto_canon_t mode = (crypto_canon_t)m;
        run(0, mode, in, n, 0, seed, &want);
        for (size_t k = 0; k <= nk; k++) {
            if (k < nk && !crypto_canon_kernels(&nk)[k].supported())
                continue;
            for (int chunked = 0; chunked < 2; chunked++) {
                run(k, mode, in, n, chunked ? chunk : 0, seed, &got);
                if (got.n != want.n || memcmp(got.p, want.p, want.n) != 0)
                    abort();
            }
        }
    }
    free(want.p);
    free(got.p);
    return 0;
}
