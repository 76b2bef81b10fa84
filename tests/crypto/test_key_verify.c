/*
 * test_key_verify.c - p= parsing and signature checks (crypto/key.c,
 * crypto/verify.c), proven against signatures made by others:
 *  - RFC 6376 A.2 (rsa-sha256, simple/simple, key of App. C),
 *  - RFC 8463 A.3 (ed25519-sha256 and rsa-sha256, relaxed/relaxed),
 *  - RFC 8032 7.1 TEST 1 (raw Ed25519),
 *  - fixed vectors made once with the openssl CLI (keys and signatures
 *    below; no signing happens at test time).
 * The RFC fields go through crypto_canon_header and crypto_hash, so these
 * cases also prove header canonicalization end to end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "crypto_internal.h" /* the key's EVP_PKEY, to compare */

/* ---- helpers ---- */

typedef struct {
    uint8_t p[1024];
    size_t n;
} bytes_t;

static bytes_t b64(const char *s)
{
    bytes_t b;
    assert_int_equal(crypto_b64_decode(slice_cstr(s), b.p, sizeof(b.p), &b.n), 0);
    return b;
}

static crypto_key_t *key_b64(crypto_keytype_t type, const char *p)
{
    bytes_t der = b64(p);
    const char *why = NULL;
    crypto_key_t *k = crypto_key_parse(type, der.p, der.n, &why);
    assert_non_null(k);
    assert_null(why);
    return k;
}

static const char *key_reject(crypto_keytype_t type, const uint8_t *p, size_t n)
{
    const char *why = NULL;
    crypto_key_t *k = crypto_key_parse(type, p, n, &why);
    assert_null(k);
    assert_non_null(why);
    return why;
}

/* Hash the canonical form of `fields` (each with CRLF) followed by the
 * signature field (without its final CRLF), as RFC 6376 3.7 says. */
static size_t header_hash(crypto_canon_t mode, crypto_hash_alg_t alg,
                          const char *const *fields, size_t nfields, const char *sigfield,
                          uint8_t out[CRYPTO_MAX_DIGEST])
{
    uint8_t buf[4096];
    crypto_hash_t *h = crypto_hash_new(alg);
    assert_non_null(h);
    for (size_t i = 0; i < nfields; i++) {
        slice_t f = slice_cstr(fields[i]);
        assert_true(crypto_canon_header_cap(f.n) <= sizeof(buf));
        crypto_hash_update(h, buf, crypto_canon_header(mode, f, 1, buf));
    }
    slice_t s = slice_cstr(sigfield);
    assert_true(crypto_canon_header_cap(s.n) <= sizeof(buf));
    crypto_hash_update(h, buf, crypto_canon_header(mode, s, 0, buf));
    size_t n = crypto_hash_final(h, out);
    crypto_hash_free(h);
    return n;
}

/* ---- RFC 6376 Appendix A.2, key of Appendix C ---- */

static const char RFC6376_KEY[] =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYt"
    "IxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0"
    "fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB";

/* The h= fields in order, as in the message (6-space continuation lines,
 * the layout whose signature verifies; see the conformance README). */
static const char *const RFC6376_FIELDS[] = {
    "Received: from client1.football.example.com  [192.0.2.1]\r\n"
    "      by submitserver.example.com with SUBMISSION;\r\n"
    "      Fri, 11 Jul 2003 21:01:54 -0700 (PDT)\r\n",
    "From: Joe SixPack <joe@football.example.com>\r\n",
    "To: Suzie Q <suzie@shopping.example.net>\r\n",
    "Subject: Is dinner ready?\r\n",
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n",
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n",
};

/* The DKIM-Signature field with the value of b= removed (3.7). */
static const char RFC6376_SIGFIELD[] =
    "DKIM-Signature: v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
    "      c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
    "      h=Received : From : To : Subject : Date : Message-ID;\r\n"
    "      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    "      b=;\r\n";

static const char RFC6376_B[] = "AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
                                "      4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
                                "      KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
                                "      4bmp/YzhwvcubU4=";

static void rfc6376_a2_rsa_sha256_simple_verifies(void **state)
{
    uint8_t d[CRYPTO_MAX_DIGEST];
    size_t dn = header_hash(CRYPTO_CANON_SIMPLE, CRYPTO_SHA256, RFC6376_FIELDS, 6,
                            RFC6376_SIGFIELD, d);
    assert_int_equal(dn, 32);
    crypto_key_t *k = key_b64(CRYPTO_KEY_RSA, RFC6376_KEY);
    assert_int_equal(crypto_key_type(k), CRYPTO_KEY_RSA);
    assert_int_equal(crypto_key_bits(k), 1024);
    bytes_t sig = b64(RFC6376_B);
    assert_int_equal(sig.n, 128);
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, dn, slice_make(sig.p, sig.n)), 1);

    /* one flipped bit in the signature, or in the digest: no */
    sig.p[77] ^= 0x10;
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, dn, slice_make(sig.p, sig.n)), 0);
    sig.p[77] ^= 0x10;
    d[0] ^= 1;
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, dn, slice_make(sig.p, sig.n)), 0);
    d[0] ^= 1;
    /* relaxed header canonicalization gives another hash: no */
    uint8_t r[CRYPTO_MAX_DIGEST];
    header_hash(CRYPTO_CANON_RELAXED, CRYPTO_SHA256, RFC6376_FIELDS, 6, RFC6376_SIGFIELD, r);
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, r, 32, slice_make(sig.p, sig.n)), 0);
    /* the right digest claimed as SHA-1 (wrong length, wrong DigestInfo) */
    assert_int_equal(crypto_verify(k, CRYPTO_SHA1, d, 20, slice_make(sig.p, sig.n)), 0);
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, 20, slice_make(sig.p, sig.n)), 0);
    /* truncated and empty signatures */
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, dn, slice_make(sig.p, sig.n - 1)), 0);
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, dn, SLICE_NULL), 0);
    crypto_key_free(k);
}

static void rfc6376_a2_lf_only_fields_give_the_same_hash(void **state)
{
    /* Archives store LF line ends: simple canonicalization must turn them
     * back into the CRLF the signer hashed. */
    const char *lf_fields[6];
    char store[6][256];
    for (int i = 0; i < 6; i++) {
        size_t o = 0;
        for (const char *p = RFC6376_FIELDS[i]; *p; p++)
            if (*p != '\r')
                store[i][o++] = *p;
        store[i][o] = '\0';
        lf_fields[i] = store[i];
    }
    char sig_lf[512];
    size_t o = 0;
    for (const char *p = RFC6376_SIGFIELD; *p; p++)
        if (*p != '\r')
            sig_lf[o++] = *p;
    sig_lf[o] = '\0';
    uint8_t a[CRYPTO_MAX_DIGEST], b[CRYPTO_MAX_DIGEST];
    header_hash(CRYPTO_CANON_SIMPLE, CRYPTO_SHA256, RFC6376_FIELDS, 6, RFC6376_SIGFIELD, a);
    header_hash(CRYPTO_CANON_SIMPLE, CRYPTO_SHA256, lf_fields, 6, sig_lf, b);
    assert_memory_equal(a, b, 32);
}

/* ---- RFC 8463 Appendix A.3 ---- */

static const char *const RFC8463_FIELDS[] = {
    /* h=from : to : subject : date : message-id : from : subject : date;
     * the second from/subject/date name fields that do not exist and
     * contribute nothing (RFC 6376 5.4.2). */
    "From: Joe SixPack <joe@football.example.com>\r\n",
    "To: Suzie Q <suzie@shopping.example.net>\r\n",
    "Subject: Is dinner ready?\r\n",
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n",
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n",
};

static const char RFC8463_ED_KEY[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
static const char RFC8463_ED_SIGFIELD[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=\r\n";
static const char RFC8463_ED_B[] = "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
                                   " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";

static const char RFC8463_RSA_KEY[] =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2"
    "jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5Qjv"
    "HO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
static const char RFC8463_RSA_SIGFIELD[] =
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
    " date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=\r\n";
static const char RFC8463_RSA_B[] =
    "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=";

static void rfc8463_a3_ed25519_relaxed_verifies(void **state)
{
    uint8_t d[CRYPTO_MAX_DIGEST];
    size_t dn = header_hash(CRYPTO_CANON_RELAXED, CRYPTO_SHA256, RFC8463_FIELDS, 5,
                            RFC8463_ED_SIGFIELD, d);
    crypto_key_t *k = key_b64(CRYPTO_KEY_ED25519, RFC8463_ED_KEY);
    assert_int_equal(crypto_key_type(k), CRYPTO_KEY_ED25519);
    assert_int_equal(crypto_key_bits(k), 256);
    bytes_t sig = b64(RFC8463_ED_B);
    assert_int_equal(sig.n, 64);
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, dn, slice_make(sig.p, sig.n)), 1);
    sig.p[0] ^= 1;
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, dn, slice_make(sig.p, sig.n)), 0);
    sig.p[0] ^= 1;
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, dn, slice_make(sig.p, 63)), 0);
    /* simple canonicalization of the same fields: another hash, no */
    header_hash(CRYPTO_CANON_SIMPLE, CRYPTO_SHA256, RFC8463_FIELDS, 5, RFC8463_ED_SIGFIELD, d);
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, dn, slice_make(sig.p, sig.n)), 0);
    crypto_key_free(k);
}

static void rfc8463_a3_rsa_relaxed_verifies(void **state)
{
    uint8_t d[CRYPTO_MAX_DIGEST];
    size_t dn = header_hash(CRYPTO_CANON_RELAXED, CRYPTO_SHA256, RFC8463_FIELDS, 5,
                            RFC8463_RSA_SIGFIELD, d);
    crypto_key_t *k = key_b64(CRYPTO_KEY_RSA, RFC8463_RSA_KEY);
    assert_int_equal(crypto_key_bits(k), 1024);
    bytes_t sig = b64(RFC8463_RSA_B);
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, d, dn, slice_make(sig.p, sig.n)), 1);
    crypto_key_free(k);
}

/* ---- RFC 8032 7.1 TEST 1: PureEdDSA over the empty message ---- */

static void rfc8032_test1_raw_ed25519(void **state)
{
    static const uint8_t pub[32] = {
        0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
        0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
        0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
    };
    static const uint8_t sig[64] = {
        0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72, 0x90, 0x86, 0xe2, 0xcc, 0x80,
        0x6e, 0x82, 0x8a, 0x84, 0x87, 0x7f, 0x1e, 0xb8, 0xe5, 0xd9, 0x74, 0xd8, 0x73,
        0xe0, 0x65, 0x22, 0x49, 0x01, 0x55, 0x5f, 0xb8, 0x82, 0x15, 0x90, 0xa3, 0x3b,
        0xac, 0xc6, 0x1e, 0x39, 0x70, 0x1c, 0xf9, 0xb4, 0x6b, 0xd2, 0x5b, 0xf5, 0xf0,
        0x59, 0x5b, 0xbe, 0x24, 0x65, 0x51, 0x41, 0x43, 0x8e, 0x7a, 0x10, 0x0b,
    };
    const char *why = NULL;
    crypto_key_t *k = crypto_key_parse(CRYPTO_KEY_ED25519, pub, 32, &why);
    assert_non_null(k);
    /* The message is passed as `digest`: crypto_verify signs nothing
     * itself, it checks PureEdDSA over exactly those bytes. */
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, NULL, 0, slice_make(sig, 64)), 1);
    static const uint8_t one[1] = { 0 };
    assert_int_equal(crypto_verify(k, CRYPTO_SHA256, one, 1, slice_make(sig, 64)), 0);
    crypto_key_free(k);
}

/* ---- fixed RSA vectors made once with the openssl CLI ----
 * keys: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:N
 * p= as SPKI: openssl pkey -pubout -outform DER | base64
 * p= as PKCS#1: openssl rsa -RSAPublicKey_out -outform DER | base64
 * sig: printf authsweep | openssl dgst -sha1|-sha256 -sign key.pem | base64 */

static const struct {
    unsigned bits;
    const char *spki, *pkcs1;
} KEYS[] = {
    { 512,
      "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKjddKYBUXk+DjJx1HTEqe5U2qrd2AToohuGihdeNzedC+8CXi5Qz"
      "kEA/J/d0+FXwVealItDcgopYG8mEKKec3kCAwEAAQ==",
      "MEgCQQCo3XSmAVF5Pg4ycdR0xKnuVNqq3dgE6KIbhooXXjc3nQvvAl4uUM5BAPyf3dPhV8FXmpSLQ3IKKWBvJ"
      "hCinnN5AgMBAAE=" },
    { 768,
      "MHwwDQYJKoZIhvcNAQEBBQADawAwaAJhAMxjN4c6oXreJcGp79NSKrPsFinpJa+xy5RKGI3m91YR17DFiI5Ih"
      "UcZDDtz3JpTThxHzBu+umIxih5iNWxsLMSiGyGC34tF3WuPzvViAPEzHVEcIUrjuq1Zg5Pt1Yo+ewIDAQAB",
      "MGgCYQDMYzeHOqF63iXBqe/TUiqz7BYp6SWvscuUShiN5vdWEdewxYiOSIVHGQw7c9yaU04cR8wbvrpiMYoeY"
      "jVsbCzEohshgt+LRd1rj871YgDxMx1RHCFK47qtWYOT7dWKPnsCAwEAAQ==" },
    { 1024,
      "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDK9DNd4SzWizmevH7OTyRTanW3yu8zUpYSvCnJjZcHg6UgH"
      "dt8IES5DNAHy6TseJL7E64T4nB29FLbvBrmD2aVT8p/TP7Kxv7vqtbuAZBqDae3MFAJI/FsQLYRWwB+1vLpLI"
      "WDNyVqAYU2yag4aSxRHcPyjcLCk4o/MrjXSPfbNwIDAQAB",
      "MIGJAoGBAMr0M13hLNaLOZ68fs5PJFNqdbfK7zNSlhK8KcmNlweDpSAd23wgRLkM0AfLpOx4kvsTrhPicHb0U"
      "tu8GuYPZpVPyn9M/srG/u+q1u4BkGoNp7cwUAkj8WxAthFbAH7W8ukshYM3JWoBhTbJqDhpLFEdw/KNwsKTij"
      "8yuNdI99s3AgMBAAE=" },
    { 2048,
      "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzJk+ilpmjg/8u22U6uJysMzHzoi1R25MWsoH3aUA1"
      "OsEMHrbgLh0BRsub3GEaDOq7vEbb+uv8+w5juWt2x3LyRfGk91bC0YxRzz+sjpnIxHcBMM3SGrGaTvvv3Qpyb"
      "zK6H/3b1C3TTmqWtKtqFSRUKZ1f33F1V/la6+p1zQA+Vo06iWghj1y8X7jTdWma6dfphq77Q/F4HlaAeFSLbQ"
      "6+uYyDU70y2oPL0e60rbcZtKwuNHWr9hSkTZpxR50RSzOegbVfLlxbcgYYEPgmBqXKf4zgPhIYXUH7yGeDqAZ"
      "do/qV97zySW18NhRHsLg+qmfzezPcMpWSBbwSFn6dPSSxQIDAQAB",
      "MIIBCgKCAQEAzJk+ilpmjg/8u22U6uJysMzHzoi1R25MWsoH3aUA1OsEMHrbgLh0BRsub3GEaDOq7vEbb+uv8"
      "+w5juWt2x3LyRfGk91bC0YxRzz+sjpnIxHcBMM3SGrGaTvvv3QpybzK6H/3b1C3TTmqWtKtqFSRUKZ1f33F1V"
      "/la6+p1zQA+Vo06iWghj1y8X7jTdWma6dfphq77Q/F4HlaAeFSLbQ6+uYyDU70y2oPL0e60rbcZtKwuNHWr9h"
      "SkTZpxR50RSzOegbVfLlxbcgYYEPgmBqXKf4zgPhIYXUH7yGeDqAZdo/qV97zySW18NhRHsLg+qmfzezPcMpW"
      "SBbwSFn6dPSSxQIDAQAB" },
};

/* SHA-1 of "authsweep" signed with the 1024-bit key, SHA-256 with the
 * 2048-bit and the 512-bit key. */
static const char SIG_1024_SHA1[] =
    "J8hk2FrWSkJu+41J9zsyI9jl/xCG0kOs7hA2tB9Uzg7cEt7vOjGqTluEoZkaFt0jd1gGVXlsTrahG89nXzOHuFls"
    "NeWVGkzCxOXHC/zeMCUeK62gi3s1CicfLfxUrN8K3VXVeP/FL+ovP+ZMhkRbh+AqNm26BmL8thR82KHuXtg=";
static const char SIG_2048_SHA256[] =
    "yr7DZxUPxVAJxoEkVQbze0dv79N8KMLDYCnveDf8C+NkdeVvyloPo1sgmSJd1/4VWUkplmMAT7BXwkb2FOf6k/IY"
    "3yVs/mgOB9Mt7u8eZEsYYZK6r306fgW9p8/P3avTsnEJvtzzQO883CchOa+D6MNqxa1fvVAxSu/u2//xdESi7Yd7"
    "6Flg/2M5I/akbiTwOqmHqlG8KUMxVAsDW4d6HGteXHnSeOG36tlqpknkzoS2BWvaoBqSyz9D/04v2xscav9Y02p+"
    "h86sBnUrtlylTl+j11rgL3PEeaA9UJVRZwktmLjmxSKDygj8Vrf+5mGjzq4SPTDvCnSprkBMvRnPIw==";
static const char SIG_512_SHA256[] =
    "M66QpEgqs8ymN7u4OL488kVWRbEuqwRxZp+LduuewI3SaTr42dqeJqo5e/6HMr49AH/Wm0CPTrrYrJOD1m4Emw==";

static size_t digest_of(crypto_hash_alg_t alg, const char *msg, uint8_t out[CRYPTO_MAX_DIGEST])
{
    crypto_hash_t *h = crypto_hash_new(alg);
    assert_non_null(h);
    crypto_hash_update(h, msg, strlen(msg));
    size_t n = crypto_hash_final(h, out);
    crypto_hash_free(h);
    return n;
}

static void rsa_key_sizes_report_their_bits(void **state)
{
    for (size_t i = 0; i < sizeof(KEYS) / sizeof(KEYS[0]); i++) {
        crypto_key_t *a = key_b64(CRYPTO_KEY_RSA, KEYS[i].spki);
        crypto_key_t *b = key_b64(CRYPTO_KEY_RSA, KEYS[i].pkcs1);
        assert_int_equal(crypto_key_bits(a), KEYS[i].bits);
        assert_int_equal(crypto_key_bits(b), KEYS[i].bits);
        assert_int_equal(crypto_key_type(b), CRYPTO_KEY_RSA);
        crypto_key_free(a);
        crypto_key_free(b);
    }
}

static void pkcs1_and_spki_keys_verify_alike(void **state)
{
    uint8_t d1[CRYPTO_MAX_DIGEST], d256[CRYPTO_MAX_DIGEST];
    size_t n1 = digest_of(CRYPTO_SHA1, "authsweep", d1);
    size_t n256 = digest_of(CRYPTO_SHA256, "authsweep", d256);
    bytes_t s1024 = b64(SIG_1024_SHA1);
    bytes_t s2048 = b64(SIG_2048_SHA256);
    bytes_t s512 = b64(SIG_512_SHA256);
    for (int form = 0; form < 2; form++) {
        crypto_key_t *k512 = key_b64(CRYPTO_KEY_RSA, form ? KEYS[0].pkcs1 : KEYS[0].spki);
        crypto_key_t *k1024 = key_b64(CRYPTO_KEY_RSA, form ? KEYS[2].pkcs1 : KEYS[2].spki);
        crypto_key_t *k2048 = key_b64(CRYPTO_KEY_RSA, form ? KEYS[3].pkcs1 : KEYS[3].spki);
        slice_t sig1024 = slice_make(s1024.p, s1024.n);
        slice_t sig2048 = slice_make(s2048.p, s2048.n);
        slice_t sig512 = slice_make(s512.p, s512.n);
        assert_int_equal(crypto_verify(k1024, CRYPTO_SHA1, d1, n1, sig1024), 1);
        assert_int_equal(crypto_verify(k2048, CRYPTO_SHA256, d256, n256, sig2048), 1);
        /* small keys verify here; refusing them is policy (engine/) */
        assert_int_equal(crypto_verify(k512, CRYPTO_SHA256, d256, n256, sig512), 1);
        /* wrong key, wrong algorithm */
        assert_int_equal(crypto_verify(k2048, CRYPTO_SHA1, d1, n1, sig1024), 0);
        assert_int_equal(crypto_verify(k1024, CRYPTO_SHA256, d1, n1, sig1024), 0);
        crypto_key_free(k512);
        crypto_key_free(k1024);
        crypto_key_free(k2048);
    }
}

/* ---- rejected keys ---- */

static void garbage_rsa_key_is_rejected_with_reason(void **state)
{
    static const uint8_t junk[] = "this is not DER at all";
    assert_string_equal(key_reject(CRYPTO_KEY_RSA, junk, sizeof(junk) - 1),
                        "key data is not a valid RSA public key");
    assert_string_equal(key_reject(CRYPTO_KEY_RSA, junk, 0),
                        "key data is not a valid RSA public key");
    /* a truncated SPKI */
    bytes_t der = b64(KEYS[2].spki);
    for (size_t cut = 0; cut < der.n; cut += 7)
        key_reject(CRYPTO_KEY_RSA, der.p, cut);
    /* a length field pointing past the end */
    der.p[2] = 0xff;
    key_reject(CRYPTO_KEY_RSA, der.p, der.n);
}

static void non_rsa_spki_is_rejected_before_decoding(void **state)
{
    /* A P-256 key and an Ed25519 SPKI, where an RSA key is expected. */
    bytes_t ec = b64("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1Lck7HQKy9BKjFfOLJg7KPc7aLpo9vk5ZmJY"
                     "eJ7uxxn0ys2cohv7FqTuPdk2kGqLoI+rISumC9ryawToOg3laQ==");
    assert_string_equal(key_reject(CRYPTO_KEY_RSA, ec.p, ec.n), "key data is not an RSA key");
    bytes_t ed = b64("MCowBQYDK2VwAyEArSWPHrvTNnLxcAYukrDROFwJWDpVnm5OhtuR57bGao4=");
    assert_string_equal(key_reject(CRYPTO_KEY_RSA, ed.p, ed.n), "key data is not an RSA key");
}

/* What OpenSSL's own SPKI decoder makes of der (NULL: rejected). */
static EVP_PKEY *openssl_spki(const uint8_t *der, size_t n)
{
    const unsigned char *q = der;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &q, (long)n);
    ERR_clear_error();
    return pk;
}

/*
 * key.c unwraps the usual RSA SubjectPublicKeyInfo itself (d2i_PUBKEY is
 * slow) and leaves every other form to d2i_PUBKEY: each form below is
 * accepted exactly when OpenSSL accepts it, and as the key OpenSSL finds;
 * the usual forms as the PKCS#1 key.
 */
static void spki_forms_parse_as_openssl_does(void **state)
{
    bytes_t der = b64(KEYS[2].spki); /* 30 81 9f | 30 0d 06 09 <oid> 05 00 | 03 81 8d 00 ... */
    assert_int_equal(der.n, 162);
    assert_int_equal(der.p[18], 0x03);
    crypto_key_t *want = key_b64(CRYPTO_KEY_RSA, KEYS[2].pkcs1);
    uint8_t forms[6][200];
    size_t len[6];
    int must_parse[6] = { 1, 1, 1, 0, 0, 0 };
    for (int i = 0; i < 6; i++) {
        memcpy(forms[i], der.p, der.n);
        len[i] = der.n;
    }
    /* 1: no parameters (30 0b, outer 0x9d) */
    forms[1][2] = 0x9d;
    forms[1][4] = 0x0b;
    memmove(forms[1] + 16, forms[1] + 18, der.n - 18);
    len[1] = der.n - 2;
    /* 2: two bytes after the SEQUENCE: ignored */
    forms[2][der.n] = 0x05;
    forms[2][der.n + 1] = 0x00;
    len[2] = der.n + 2;
    /* 3: one unused bit in the BIT STRING */
    forms[3][21] = 1;
    /* 4: a NULL after the BIT STRING, inside the SEQUENCE */
    forms[4][2] = 0x9f + 2;
    forms[4][der.n] = 0x05;
    forms[4][der.n + 1] = 0x00;
    len[4] = der.n + 2;
    /* 5: parameters that are not NULL (an OCTET STRING) */
    forms[5][16] = 0x04;
    for (int i = 0; i < 6; i++) {
        crypto_key_t *k = crypto_key_parse(CRYPTO_KEY_RSA, forms[i], len[i], NULL);
        EVP_PKEY *ref = openssl_spki(forms[i], len[i]);
        assert_int_equal(k != NULL, ref != NULL);
        if (must_parse[i])
            assert_non_null(k);
        if (k) /* form 3: OpenSSL clears the unused bit, e = 65536 */
            assert_int_equal(EVP_PKEY_eq(k->pkey, ref), 1);
        if (must_parse[i])
            assert_int_equal(EVP_PKEY_eq(k->pkey, want->pkey), 1);
        crypto_key_free(k);
        EVP_PKEY_free(ref);
    }
    crypto_key_free(want);
}

static void ed25519_key_must_be_32_bytes(void **state)
{
    bytes_t k = b64(RFC8463_ED_KEY);
    assert_int_equal(k.n, 32);
    assert_string_equal(key_reject(CRYPTO_KEY_ED25519, k.p, 31), "Ed25519 key is not 32 bytes");
    k.p[32] = 0;
    assert_string_equal(key_reject(CRYPTO_KEY_ED25519, k.p, 33), "Ed25519 key is not 32 bytes");
    /* An Ed25519 SPKI (44 bytes) is not what RFC 8463 3 publishes. */
    bytes_t spki = b64("MCowBQYDK2VwAyEArSWPHrvTNnLxcAYukrDROFwJWDpVnm5OhtuR57bGao4=");
    assert_string_equal(key_reject(CRYPTO_KEY_ED25519, spki.p, spki.n),
                        "Ed25519 key is not 32 bytes");
}

static void rsa_key_is_not_an_ed25519_key(void **state)
{
    bytes_t der = b64(KEYS[2].spki);
    key_reject(CRYPTO_KEY_ED25519, der.p, der.n);
    /* and the reason pointer is optional */
    assert_null(crypto_key_parse(CRYPTO_KEY_ED25519, der.p, der.n, NULL));
    crypto_key_free(NULL);
}

static void verify_with_no_key_is_no(void **state)
{
    uint8_t d[32] = { 0 };
    assert_int_equal(crypto_verify(NULL, CRYPTO_SHA256, d, 32, SLICE_LIT("x")), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc6376_a2_rsa_sha256_simple_verifies),
        cmocka_unit_test(rfc6376_a2_lf_only_fields_give_the_same_hash),
        cmocka_unit_test(rfc8463_a3_ed25519_relaxed_verifies),
        cmocka_unit_test(rfc8463_a3_rsa_relaxed_verifies),
        cmocka_unit_test(rfc8032_test1_raw_ed25519),
        cmocka_unit_test(rsa_key_sizes_report_their_bits),
        cmocka_unit_test(pkcs1_and_spki_keys_verify_alike),
        cmocka_unit_test(garbage_rsa_key_is_rejected_with_reason),
        cmocka_unit_test(non_rsa_spki_is_rejected_before_decoding),
        cmocka_unit_test(spki_forms_parse_as_openssl_does),
        cmocka_unit_test(ed25519_key_must_be_32_bytes),
        cmocka_unit_test(rsa_key_is_not_an_ed25519_key),
        cmocka_unit_test(verify_with_no_key_is_no),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
