/*
 * bodyhash.c - the bh= value: canonical body -> digest, with the l= limit.
 *
 * The canonicalizer hands over small pieces (a line, a CRLF, one SP); each
 * EVP update has a fixed cost, so pieces are gathered in a buffer and
 * hashed in large updates.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define BODYHASH_BUF 16384
#define BODYHASH_DIRECT 2048 /* pieces this long skip the buffer */

struct crypto_bodyhash {
    crypto_canon_body_t canon;
    crypto_hash_t *hash;
    uint64_t left;    /* canonical bytes still to hash (RFC 6376 3.5 l=) */
    size_t used;      /* bytes waiting in buf */
    uint8_t buf[BODYHASH_BUF];
};

static void flush(crypto_bodyhash_t *b)
{
    crypto_hash_update(b->hash, b->buf, b->used);
    b->used = 0;
}

static void sink(void *arg, const uint8_t *p, size_t n)
{
    crypto_bodyhash_t *b = arg;
    /* l=: only the first `limit` canonical bytes are hashed; the rest is
     * still canonicalized so that the whole length is known. */
    if (n > b->left)
        n = (size_t)b->left;
    if (n == 0)
        return;
    b->left -= n;
    /*
     * Large pieces are hashed in place: the SIMD kernels already gather
     * small ones into pieces of a few KB (their stage), and copying those
     * once more cost a memcpy of the whole body per signature.
     */
    if (n >= BODYHASH_DIRECT || n >= sizeof(b->buf) - b->used) {
        flush(b);
        if (n >= BODYHASH_DIRECT) {
            crypto_hash_update(b->hash, p, n);
            return;
        }
    }
    memcpy(b->buf + b->used, p, n);
    b->used += n;
}

crypto_bodyhash_t *crypto_bodyhash_new(crypto_canon_t mode, crypto_hash_alg_t alg,
                                       int64_t limit)
{
    crypto_bodyhash_t *b = malloc(sizeof(*b));
    if (!b)
        return NULL;
    b->hash = crypto_hash_new(alg);
    if (!b->hash) {
        free(b);
        return NULL;
    }
    b->left = limit < 0 ? UINT64_MAX : (uint64_t)limit;
    b->used = 0;
    crypto_canon_body_init(&b->canon, mode, sink, b);
    return b;
}

void crypto_bodyhash_update(crypto_bodyhash_t *b, const uint8_t *p, size_t n)
{
    crypto_canon_body_update(&b->canon, p, n);
}

void crypto_bodyhash_final(crypto_bodyhash_t *b, uint8_t out[CRYPTO_MAX_DIGEST],
                           size_t *dlen, uint64_t *canon_len)
{
    uint64_t total = crypto_canon_body_final(&b->canon);
    flush(b);
    size_t len = crypto_hash_final(b->hash, out);
    if (dlen)
        *dlen = len;
    if (canon_len)
        *canon_len = total;
}

void crypto_bodyhash_free(crypto_bodyhash_t *b)
{
    if (!b)
        return;
    crypto_hash_free(b->hash);
    free(b);
}
