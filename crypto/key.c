/*
 * key.c - public keys from the p= tag of a DKIM key record.
 *
 * RFC 6376 3.6.1 names a PKCS#1 RSAPublicKey, but nearly every record
 * carries a SubjectPublicKeyInfo (RFC 5280 4.1.2.7); both are accepted.
 * RFC 8463 3 puts the 32 raw bytes of an Ed25519 key in p=.
 *
 * OpenSSL's SPKI decoder understands every key type it knows, including
 * EC keys with explicit curve parameters, whose decoding has had bugs of
 * its own (CVE-2022-0778).  DKIM has no use for them, so the algorithm
 * identifier is checked here first and only RSA reaches the decoder.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto_internal.h"

#define ED25519_KEY_LEN 32

/* rsaEncryption, 1.2.840.113549.1.1.1, as a DER OID TLV (RFC 8017 A.1). */
static const uint8_t OID_RSA[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                   0xf7, 0x0d, 0x01, 0x01, 0x01 };

/*
 * Read one DER tag and length at p[0..n).  Sets *tag, and the content to
 * *body (clamped checks: the content must lie inside p[0..n)).  Returns 0,
 * or -1 if the header is malformed or overruns.  Only the forms a public
 * key uses are needed: one-byte tags, lengths up to 4 bytes.
 */
static int der_read(const uint8_t *p, size_t n, uint8_t *tag, slice_t *body)
{
    if (n < 2)
        return -1;
    *tag = p[0];
    size_t len = p[1], hdr = 2;
    if (len & 0x80) {
        size_t k = len & 0x7f;
        if (k == 0 || k > 4 || n - 2 < k)
            return -1;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | p[2 + i];
        hdr += k;
    }
    if (len > n - hdr)
        return -1;
    *body = slice_make(p + hdr, len);
    return 0;
}

typedef enum { DER_SPKI_RSA, DER_SPKI_OTHER, DER_PKCS1, DER_UNKNOWN } der_shape_t;

/*
 * SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID, params }, BIT STRING }
 * RSAPublicKey         ::= SEQUENCE { INTEGER n, INTEGER e }
 * The first element inside the outer SEQUENCE tells them apart.
 */
static der_shape_t der_shape(const uint8_t *p, size_t n, slice_t *outer)
{
    uint8_t tag;
    slice_t first;
    if (der_read(p, n, &tag, outer) || tag != 0x30)
        return DER_UNKNOWN;
    if (der_read(outer->p, outer->n, &tag, &first))
        return DER_UNKNOWN;
    if (tag == 0x02)
        return DER_PKCS1;
    if (tag != 0x30)
        return DER_UNKNOWN;
    if (first.n >= sizeof(OID_RSA) && memcmp(first.p, OID_RSA, sizeof(OID_RSA)) == 0)
        return DER_SPKI_RSA;
    return DER_SPKI_OTHER;
}

/*
 * The RSAPublicKey inside an RSA SPKI's outer SEQUENCE, when the SPKI has
 * the form every DKIM key has: rsaEncryption with NULL or no parameters,
 * then a BIT STRING without unused bits, and nothing after it.  Returns 0
 * and sets *pkcs1, or -1 for any other form.
 */
static int spki_rsa_key(slice_t outer, slice_t *pkcs1)
{
    static const uint8_t null_param[] = { 0x05, 0x00 };
    uint8_t tag;
    slice_t alg, bits;
    if (der_read(outer.p, outer.n, &tag, &alg) || alg.n < sizeof(OID_RSA))
        return -1;
    slice_t params = slice_make(alg.p + sizeof(OID_RSA), alg.n - sizeof(OID_RSA));
    if (params.n && (params.n != sizeof null_param ||
                     memcmp(params.p, null_param, sizeof null_param) != 0))
        return -1;
    size_t at = (size_t)(alg.p + alg.n - outer.p);
    if (der_read(outer.p + at, outer.n - at, &tag, &bits) || tag != 0x03 || bits.n < 1 ||
        bits.p[0] != 0 || bits.p + bits.n != outer.p + outer.n)
        return -1;
    *pkcs1 = slice_make(bits.p + 1, bits.n - 1);
    return 0;
}

/*
 * d2i_PUBKEY() goes through OpenSSL 3's generic decoder framework: about
 * 100 us per key here, against 1 us for d2i_PublicKey() on the
 * RSAPublicKey inside (8 vs 120 us with the verify contexts), and an
 * archive meets a new key every few dozen messages.  So the usual SPKI is
 * unwrapped here; any other form still goes to d2i_PUBKEY(), so what is
 * accepted is what OpenSSL accepts (fuzz_key_der checks the unwrapping
 * against it).
 */
static EVP_PKEY *rsa_decode(const uint8_t *der, size_t n, const char **why)
{
    const unsigned char *q = der;
    slice_t outer, pkcs1;
    EVP_PKEY *pk = NULL;
    /* Bytes after the DER structure are ignored, as OpenDKIM and dkimpy
     * do: the key is the same. */
    switch (der_shape(der, n, &outer)) {
    case DER_SPKI_RSA:
        if (spki_rsa_key(outer, &pkcs1) == 0) {
            q = pkcs1.p;
            pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)pkcs1.n);
        } else {
            pk = d2i_PUBKEY(NULL, &q, (long)n);
        }
        break;
    case DER_PKCS1:
        pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)n);
        break;
    case DER_SPKI_OTHER:
        *why = "key data is not an RSA key";
        return NULL;
    case DER_UNKNOWN:
        break;
    }
    if (pk && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    if (!pk)
        *why = "key data is not a valid RSA public key";
    return pk;
}

/*
 * Catalogue H2: a key record may be any size, and every message signed
 * with it pays for it.  RFC 8301 3.2 only asks for 1024..4096 bits; keys
 * up to CRYPTO_RSA_MAX_BITS are still verified (DKIM keys of 8192 bits
 * exist), larger ones and exponents over 64 bits are refused here, before
 * any verification (OpenSSL itself stops at 16384 bits, and at 64-bit
 * exponents only for moduli over 3072 bits).
 */
static const char *rsa_size_problem(const EVP_PKEY *pk, int bits)
{
    BIGNUM *e = NULL;
    const char *why = NULL;
    if (bits > CRYPTO_RSA_MAX_BITS)
        return "key too long: over 8192 bits";
    if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e))
        return "key data is not a valid RSA public key";
    if (BN_num_bits(e) > 64)
        why = "key exponent too large: over 64 bits";
    BN_free(e);
    return why;
}

crypto_key_t *crypto_key_parse(crypto_keytype_t type, const uint8_t *der, size_t n,
                               const char **why)
{
    const char *unused;
    EVP_PKEY *pk = NULL;
    crypto_key_t *k = NULL;

    if (!why)
        why = &unused;
    if (n > LONG_MAX) {
        *why = "key data is too large";
        return NULL;
    }
    if (type == CRYPTO_KEY_ED25519) {
        if (n != ED25519_KEY_LEN) {
            *why = "Ed25519 key is not 32 bytes";
            return NULL;
        }
        pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, n);
        if (!pk)
            *why = "key data is not a valid Ed25519 public key";
    } else if (type == CRYPTO_KEY_RSA) {
        pk = rsa_decode(der, n, why);
    } else {
        *why = "unknown key type";
    }
    if (!pk)
        goto out;

    int bits = EVP_PKEY_get_bits(pk);
    if (bits <= 0) {
        *why = "key data is not a valid public key";
        goto out;
    }
    if (type == CRYPTO_KEY_RSA && (*why = rsa_size_problem(pk, bits)) != NULL)
        goto out;
    k = malloc(sizeof(*k));
    if (!k) {
        *why = "out of memory";
        goto out;
    }
    k->pkey = pk;
    k->type = type;
    memset(k->ed25519, 0, sizeof(k->ed25519));
    if (type == CRYPTO_KEY_ED25519)
        memcpy(k->ed25519, der, sizeof(k->ed25519));
    k->rsa_verify[CRYPTO_SHA1] = NULL;
    k->rsa_verify[CRYPTO_SHA256] = NULL;
    if (type == CRYPTO_KEY_RSA) {
        k->rsa_verify[CRYPTO_SHA1] = crypto_rsa_verify_ctx(k->pkey, CRYPTO_SHA1);
        k->rsa_verify[CRYPTO_SHA256] = crypto_rsa_verify_ctx(k->pkey, CRYPTO_SHA256);
    }
    k->bits = (unsigned)bits;
    pk = NULL;
out:
    EVP_PKEY_free(pk);
    /* Failed decodes leave entries in this thread's OpenSSL error queue;
     * they would pile up over millions of messages. */
    ERR_clear_error();
    return k;
}

crypto_keytype_t crypto_key_type(const crypto_key_t *k)
{
    return k->type;
}

unsigned crypto_key_bits(const crypto_key_t *k)
{
    return k->bits;
}

void crypto_key_free(crypto_key_t *k)
{
    if (!k)
        return;
    EVP_PKEY_CTX_free(k->rsa_verify[CRYPTO_SHA1]);
    EVP_PKEY_CTX_free(k->rsa_verify[CRYPTO_SHA256]);
    EVP_PKEY_free(k->pkey);
    free(k);
}
