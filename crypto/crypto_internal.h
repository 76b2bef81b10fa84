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
};

/*
 * The digest implementation for alg, fetched once per process so that
 * every init does not repeat OpenSSL 3's provider lookup.  Never NULL for
 * a valid alg unless OpenSSL itself is broken.
 */
const EVP_MD *crypto_md(crypto_hash_alg_t alg);

#endif
