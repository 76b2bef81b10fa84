/*
 * crypto.h - canonicalization, hashing, keys and signature checks.
 *
 * Everything DKIM needs from cryptography, with OpenSSL kept behind this one
 * header: engine/ never includes an OpenSSL header.  Nothing here does I/O.
 *
 * Canonicalization (RFC 6376 section 3.4) reads messages as stored in
 * archives: a bare LF counts as CRLF, so an LF-only message canonicalizes to
 * the same bytes as its CRLF form without being copied.  A CR not followed by
 * LF is an ordinary byte.
 */
#ifndef AS_CRYPTO_H
#define AS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "slice.h"

#define CRYPTO_MAX_DIGEST 64

typedef enum { CRYPTO_CANON_SIMPLE = 0, CRYPTO_CANON_RELAXED } crypto_canon_t;
typedef enum { CRYPTO_SHA1 = 0, CRYPTO_SHA256 } crypto_hash_alg_t;
typedef enum { CRYPTO_KEY_RSA = 0, CRYPTO_KEY_ED25519 } crypto_keytype_t;

size_t crypto_hash_len(crypto_hash_alg_t alg); /* 20 or 32 */

/* ---- incremental hash (EVP underneath) ---- */
typedef struct crypto_hash crypto_hash_t;
crypto_hash_t *crypto_hash_new(crypto_hash_alg_t alg); /* NULL on OOM */
void crypto_hash_update(crypto_hash_t *h, const void *p, size_t n);
/* Writes the digest, returns its length; the context may then be reset. */
size_t crypto_hash_final(crypto_hash_t *h, uint8_t out[CRYPTO_MAX_DIGEST]);
void crypto_hash_reset(crypto_hash_t *h);
void crypto_hash_free(crypto_hash_t *h);

/* ---- body canonicalization, streaming ---- */
typedef void (*crypto_sink_fn)(void *arg, const uint8_t *p, size_t n);

/*
 * State of a body canonicalizer.  The body may arrive in chunks split at any
 * byte (even between CR and LF); output goes to sink in pieces, and the
 * concatenation of those pieces is exactly the canonical body of RFC 6376
 * 3.4.3 (simple) or 3.4.4 (relaxed).  Trailing empty lines are held back
 * until it is known whether more text follows, so memory is O(1).
 *
 * crypto_canon_body_update runs the fastest kernel the CPU has (AVX2, SSE2,
 * or the scalar reference of canon_scalar.c), chosen once per process;
 * all give the same bytes (tests/crypto/test_canon_simd.c).  For debugging,
 * AS_CANON=scalar|sse2|avx2 in the environment forces one.  How the output
 * is cut into sink calls is not part of the contract.
 */
typedef struct crypto_canon_body {
    crypto_canon_t mode;
    crypto_sink_fn sink;
    void *arg;
    uint64_t pending_crlf; /* empty lines seen but not yet emitted */
    uint64_t out_len;      /* bytes sent to sink so far */
    int in_line;           /* some text of the current line was seen */
    int pending_wsp;       /* relaxed: a WSP run awaits the next non-WSP byte */
    int pending_cr;        /* last byte seen was CR (maybe half of CRLF) */
} crypto_canon_body_t;

void crypto_canon_body_init(crypto_canon_body_t *c, crypto_canon_t mode,
                            crypto_sink_fn sink, void *arg);
void crypto_canon_body_update(crypto_canon_body_t *c, const uint8_t *p, size_t n);
/* Flush: adds the final CRLF rules of 3.4.3/3.4.4.  Returns the total canonical length. */
uint64_t crypto_canon_body_final(crypto_canon_body_t *c);

/*
 * Body hash: canonicalize, then hash the first `limit` canonical bytes
 * (limit < 0: all of them, i.e. no l= tag).
 */
typedef struct crypto_bodyhash crypto_bodyhash_t;
crypto_bodyhash_t *crypto_bodyhash_new(crypto_canon_t mode, crypto_hash_alg_t alg,
                                       int64_t limit);
void crypto_bodyhash_update(crypto_bodyhash_t *b, const uint8_t *p, size_t n);
/* Writes the digest and its length; *canon_len gets the whole canonical body length. */
void crypto_bodyhash_final(crypto_bodyhash_t *b, uint8_t out[CRYPTO_MAX_DIGEST],
                           size_t *dlen, uint64_t *canon_len);
void crypto_bodyhash_free(crypto_bodyhash_t *b);

/* ---- header canonicalization ---- */
/*
 * Canonicalize one raw header field: `field` runs from the first byte of the
 * name through the end of its last line, with or without the final line
 * break.  Writes to out (capacity >= crypto_canon_header_cap(field.n)) and
 * returns the length.  With crlf != 0 the result ends in CRLF (every field of
 * h=); with crlf == 0 it does not (the DKIM-Signature field itself, RFC 6376
 * 3.7), and for simple the final line break is then dropped too.
 * relaxed (3.4.2): name lower-cased, unfolded, WSP runs -> one SP, WSP around
 * the colon and at the end removed.  simple (3.4.1): bytes unchanged except
 * that a bare LF becomes CRLF.
 */
size_t crypto_canon_header_cap(size_t n);
size_t crypto_canon_header(crypto_canon_t mode, slice_t field, int crlf, uint8_t *out);

/* ---- base64 (RFC 6376 3.5: FWS may appear anywhere in b=, bh= and p=) ---- */
/*
 * Decode, skipping SP, HTAB, CR and LF.  Any other byte outside the
 * alphabet, '=' anywhere but at the end, more than two '=', or a final
 * quantum of one character is invalid; missing padding is tolerated (the
 * bits are unambiguous).  Returns 0 and *outlen on success, -1 if invalid or
 * cap is too small.
 */
int crypto_b64_decode(slice_t in, uint8_t *out, size_t cap, size_t *outlen);
size_t crypto_b64_decoded_cap(size_t n); /* an upper bound of the decoded size */

/* ---- public keys ---- */
typedef struct crypto_key crypto_key_t;

/*
 * Parse the decoded p= of a key record.  RSA: SubjectPublicKeyInfo, or a
 * bare PKCS#1 RSAPublicKey (RFC 6376 3.6.1 names the latter; everyone
 * publishes the former).  Ed25519 (RFC 8463): exactly 32 raw bytes.
 * Returns NULL with *why set to a static reason ("key data is not a valid
 * RSA public key", "Ed25519 key is not 32 bytes", ...) on failure.
 * RSA keys over CRYPTO_RSA_MAX_BITS ("key too long: over 8192 bits") or
 * with an exponent over 64 bits ("key exponent too large: over 64 bits")
 * are refused.  A parsed key is immutable and may be used from many
 * threads at once.
 */
#define CRYPTO_RSA_MAX_BITS 8192
crypto_key_t *crypto_key_parse(crypto_keytype_t type, const uint8_t *der, size_t n,
                               const char **why);
crypto_keytype_t crypto_key_type(const crypto_key_t *k);
unsigned crypto_key_bits(const crypto_key_t *k); /* RSA modulus bits; 256 for Ed25519 */
void crypto_key_free(crypto_key_t *k);

/*
 * Check a signature over the hash of the canonicalized header fields.
 * RSA: RSASSA-PKCS1-v1_5 over `digest` made with alg (DigestInfo is added
 * here).  Ed25519 (RFC 8463 3): PureEdDSA over the 32-byte SHA-256 digest.
 * Returns 1 if it verifies, 0 if not (including malformed signatures).
 */
int crypto_verify(const crypto_key_t *k, crypto_hash_alg_t alg,
                  const uint8_t *digest, size_t dlen, slice_t sig);

#endif
