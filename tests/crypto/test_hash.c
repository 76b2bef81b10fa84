/*
 * test_hash.c - the incremental hash wrapper (crypto/hash.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"

/* FIPS 180-2 appendix B.1 / A.1: the digests of "abc". */
static const uint8_t SHA256_ABC[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
};
static const uint8_t SHA1_ABC[20] = {
    0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
    0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d,
};

static void hash_len_matches_algorithm(void **state)
{
    assert_int_equal(crypto_hash_len(CRYPTO_SHA1), 20);
    assert_int_equal(crypto_hash_len(CRYPTO_SHA256), 32);
}

static void sha256_of_abc_in_pieces(void **state)
{
    uint8_t out[CRYPTO_MAX_DIGEST];
    crypto_hash_t *h = crypto_hash_new(CRYPTO_SHA256);
    assert_non_null(h);
    crypto_hash_update(h, "a", 1);
    crypto_hash_update(h, "", 0);
    crypto_hash_update(h, "bc", 2);
    assert_int_equal(crypto_hash_final(h, out), 32);
    assert_memory_equal(out, SHA256_ABC, 32);
    crypto_hash_free(h);
}

static void sha1_of_abc(void **state)
{
    uint8_t out[CRYPTO_MAX_DIGEST];
    crypto_hash_t *h = crypto_hash_new(CRYPTO_SHA1);
    assert_non_null(h);
    crypto_hash_update(h, "abc", 3);
    assert_int_equal(crypto_hash_final(h, out), 20);
    assert_memory_equal(out, SHA1_ABC, 20);
    crypto_hash_free(h);
    crypto_hash_free(NULL); /* allowed, like free() */
}

static void reset_starts_a_new_digest(void **state)
{
    uint8_t out[CRYPTO_MAX_DIGEST];
    crypto_hash_t *h = crypto_hash_new(CRYPTO_SHA256);
    assert_non_null(h);
    crypto_hash_update(h, "something else", 14);
    crypto_hash_reset(h);
    crypto_hash_update(h, "abc", 3);
    assert_int_equal(crypto_hash_final(h, out), 32);
    assert_memory_equal(out, SHA256_ABC, 32);
    /* and again after a final */
    crypto_hash_reset(h);
    crypto_hash_update(h, "abc", 3);
    assert_int_equal(crypto_hash_final(h, out), 32);
    assert_memory_equal(out, SHA256_ABC, 32);
    crypto_hash_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_len_matches_algorithm),
        cmocka_unit_test(sha256_of_abc_in_pieces),
        cmocka_unit_test(sha1_of_abc),
        cmocka_unit_test(reset_starts_a_new_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
