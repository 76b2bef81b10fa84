/*
 * hash.c - incremental SHA-1 / SHA-256 over OpenSSL's EVP interface.
 */
#include <pthread.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto_internal.h"

struct crypto_hash {
    EVP_MD_CTX *ctx;
    crypto_hash_alg_t alg;
};

static const EVP_MD *md_sha1;
static const EVP_MD *md_sha256;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

/*
 * OpenSSL 3 looks a digest up in its provider store on every init when it
 * is handed the static EVP_sha256(); an explicitly fetched EVP_MD skips
 * that lookup.  The fetched objects live until exit.
 */
static void md_fetch(void)
{
    md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!md_sha1)
        md_sha1 = EVP_sha1();
    if (!md_sha256)
        md_sha256 = EVP_sha256();
    ERR_clear_error();
}

const EVP_MD *crypto_md(crypto_hash_alg_t alg)
{
    pthread_once(&md_once, md_fetch);
    return alg == CRYPTO_SHA1 ? md_sha1 : md_sha256;
}

size_t crypto_hash_len(crypto_hash_alg_t alg)
{
    return alg == CRYPTO_SHA1 ? 20 : 32;
}

crypto_hash_t *crypto_hash_new(crypto_hash_alg_t alg)
{
    crypto_hash_t *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->alg = alg;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || !EVP_DigestInit_ex2(h->ctx, crypto_md(alg), NULL)) {
        crypto_hash_free(h);
        ERR_clear_error();
        return NULL;
    }
    return h;
}

void crypto_hash_update(crypto_hash_t *h, const void *p, size_t n)
{
    if (n)
        EVP_DigestUpdate(h->ctx, p, n);
}

size_t crypto_hash_final(crypto_hash_t *h, uint8_t out[CRYPTO_MAX_DIGEST])
{
    unsigned len = 0;
    if (!EVP_DigestFinal_ex(h->ctx, out, &len)) {
        ERR_clear_error();
        return 0;
    }
    return len;
}

void crypto_hash_reset(crypto_hash_t *h)
{
    if (!EVP_DigestInit_ex2(h->ctx, crypto_md(h->alg), NULL))
        ERR_clear_error();
}

void crypto_hash_free(crypto_hash_t *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}
