/*
 * fuzz_key_der.c - crypto_key_parse (crypto/key.c) on arbitrary p= bytes.
 *
 * The DER shape check and the SubjectPublicKeyInfo unwrapping are ours
 * (OpenSSL's generic decoder is slow, see key.c).  Whatever RSA key they
 * accept must be the key OpenSSL's own SPKI decoder, d2i_PUBKEY(), finds in
 * the same bytes, or for a bare RSAPublicKey the one d2i_PublicKey() finds:
 * never more lenient than OpenSSL, never a different key.
 *
 * Input: byte 0 picks the key type (odd: Ed25519), the rest is p= decoded.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *openssl_rsa(const uint8_t *der, size_t n)
{
    const unsigned char *q = der;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &q, (long)n);
    if (!pk) {
        q = der;
        pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)n);
    }
    return pk;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    crypto_keytype_t type = (data[0] & 1) ? CRYPTO_KEY_ED25519 : CRYPTO_KEY_RSA;
    const uint8_t *der = data + 1;
    size_t n = size - 1;
    const char *why = NULL;
    crypto_key_t *k = crypto_key_parse(type, der, n, &why);
    if (!k) {
        if (!why)
            abort(); /* a rejection always says why */
        ERR_clear_error();
        return 0;
    }
    if (crypto_key_type(k) != type || crypto_key_bits(k) == 0)
        abort();
    if (type == CRYPTO_KEY_RSA) {
        EVP_PKEY *ref = openssl_rsa(der, n);
        if (!ref || EVP_PKEY_eq(ref, k->pkey) != 1)
            abort();
        EVP_PKEY_free(ref);
    }
    /* A signature that cannot be right is simply not valid. */
    uint8_t digest[32] = { 0 };
    if (crypto_verify(k, CRYPTO_SHA256, digest, sizeof digest, slice_make(der, n)) != 0)
        abort();
    crypto_key_free(k);
    ERR_clear_error();
    return 0;
}
