/*
 * crypto_internal.h - shared between the files of crypto/ only.
 *
 * This is the one place besides the .c files where OpenSSL types appear;
 * nothing outside crypto/ includes it (see crypto.h).
 */
#ifndef AS_CRYPTO_INTERNAL_H
#define AS_CRYPTO_INTERNAL_H

#include <openssl/evp.h>

#include "crypto.h"

/* A parsed public key: immutable after crypto_key_parse returns. */
struct crypto_key {
    EVP_PKEY *pkey;
    crypto_keytype_t type;
    unsigned bits;
    /* Ed25519: the 32 raw bytes of p= (RFC 8463 3), for libsodium. */
    uint8_t ed25519[32];
    /*
     * RSA: verify contexts already set up for PKCS#1 v1.5 with SHA-1 and
     * SHA-256 (indexed by crypto_hash_alg_t), never used directly: each
     * check verifies with a private EVP_PKEY_CTX_dup of one.  Setting a
     * context up costs about 3.8 us (provider lookups), a dup 0.15 us, an
     * RSA-2048 verify 22 us.  NULL where setup failed: verify then builds
     * its context from scratch.
     */
    EVP_PKEY_CTX *rsa_verify[2];
};

/*
 * The digest implementation for alg, fetched once per process so that
 * every init does not repeat OpenSSL 3's provider lookup.  Never NULL for
 * a valid alg unless OpenSSL itself is broken.
 */
const EVP_MD *crypto_md(crypto_hash_alg_t alg);

/* A context ready for EVP_PKEY_verify with RSASSA-PKCS1-v1_5 and alg's
 * DigestInfo (verify.c); NULL on failure. */
EVP_PKEY_CTX *crypto_rsa_verify_ctx(EVP_PKEY *pk, crypto_hash_alg_t alg);

#endif
