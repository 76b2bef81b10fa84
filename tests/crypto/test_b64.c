/*
 * test_b64.c - strict base64 with FWS skipping (crypto/b64.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"

/* Decode a C string; returns the status, bytes in out[0..*n). */
static int dec(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    *n = 12345;
    return crypto_b64_decode(slice_cstr(s), out, cap, n);
}

static void assert_dec(const char *s, const char *want, size_t want_n)
{
    uint8_t out[256];
    size_t n;
    assert_true(crypto_b64_decoded_cap(strlen(s)) <= sizeof(out));
    assert_int_equal(dec(s, out, crypto_b64_decoded_cap(strlen(s)), &n), 0);
    assert_int_equal(n, want_n);
    assert_memory_equal(out, want, want_n);
}

#define DEC(s, want) assert_dec(s, want, sizeof(want) - 1)

static void assert_invalid(const char *s)
{
    uint8_t out[256];
    size_t n;
    assert_int_equal(dec(s, out, sizeof(out), &n), -1);
}

/* RFC 4648 section 10 test vectors. */
static void rfc4648_vectors(void **state)
{
    DEC("", "");
    DEC("Zg==", "f");
    DEC("Zm8=", "fo");
    DEC("Zm9v", "foo");
    DEC("Zm9vYg==", "foob");
    DEC("Zm9vYmE=", "fooba");
    DEC("Zm9vYmFy", "foobar");
}

static void full_alphabet(void **state)
{
    DEC("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4"
        "OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx"
        "cnN0dXZ3eHl6e3x9fn8=",
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"
        "`abcdefghijklmnopqrstuvwxyz{|}~\x7f");
    DEC("+/+/", "\xfb\xff\xbf");
}

static void fws_is_skipped_anywhere(void **state)
{
    /* RFC 6376 3.5: b= and bh= may be folded; 3.6.1: p= too. */
    DEC(" Zm9v\r\n\tYmFy ", "foobar");
    DEC("Z m 9 v Y g = =", "foob");
    DEC("Zm9vYg=\r\n =", "foob");
    DEC("Zm\n9vYmE=\n", "fooba");
    DEC(" \t\r\n", "");
}

static void missing_padding_is_tolerated(void **state)
{
    DEC("Zg", "f");
    DEC("Zm8", "fo");
    DEC("Zm9vYg", "foob");
    DEC("Zm9vYg=", "foob"); /* one of two '=' */
}

static void bytes_outside_alphabet_are_invalid(void **state)
{
    assert_invalid("Zm9v!mFy");
    assert_invalid("Zm9v-mFy"); /* base64url is not base64 */
    assert_invalid("Zm9v_mFy");
    assert_invalid("Zm9v.");
    assert_invalid("Zm9v\v");
    assert_invalid("Zm9v\xc3\xa9");
    uint8_t out[16];
    size_t n;
    assert_int_equal(crypto_b64_decode(slice_make("Zm\0v", 4), out, sizeof(out), &n), -1);
}

static void padding_only_at_the_end(void **state)
{
    assert_invalid("Zg==Zg==");
    assert_invalid("Zm=9v");
    assert_invalid("=Zm9v");
    assert_invalid("Zg===");  /* more than two */
    assert_invalid("Zm8==");  /* more than the quantum needs */
    assert_invalid("Zm9v=");  /* '=' after a full quantum */
    assert_invalid("Zm9v==");
    assert_invalid("=");
    assert_invalid("==");
}

static void single_final_character_is_invalid(void **state)
{
    assert_invalid("Z");
    assert_invalid("Zm9vY");
    assert_invalid("Zm9vY===");
    assert_invalid("Zm9vY=");
}

static void small_cap_is_refused(void **state)
{
    uint8_t out[8];
    size_t n;
    assert_int_equal(dec("Zm9vYmFy", out, 5, &n), -1);
    assert_int_equal(dec("Zm9vYmE=", out, 4, &n), -1);
    assert_int_equal(dec("Zm9vYmE=", out, 5, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(dec("", out, 0, &n), 0);
    assert_int_equal(n, 0);
}

static void decoded_cap_is_a_bound(void **state)
{
    assert_true(crypto_b64_decoded_cap(4) >= 3);
    assert_true(crypto_b64_decoded_cap(3) >= 2);
    assert_true(crypto_b64_decoded_cap(2) >= 1);
    assert_true(crypto_b64_decoded_cap(SIZE_MAX) >= SIZE_MAX / 4 * 3);
}

static void nonzero_trailing_bits_are_accepted(void **state)
{
    /* "Zh" carries 'f' plus 4 non-zero spare bits; like Python's and
     * OpenSSL's decoders, which the peers use, the byte is kept. */
    DEC("Zh==", "f");
    DEC("Zm9=", "fo");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4648_vectors),
        cmocka_unit_test(full_alphabet),
        cmocka_unit_test(fws_is_skipped_anywhere),
        cmocka_unit_test(missing_padding_is_tolerated),
        cmocka_unit_test(bytes_outside_alphabet_are_invalid),
        cmocka_unit_test(padding_only_at_the_end),
        cmocka_unit_test(single_final_character_is_invalid),
        cmocka_unit_test(small_cap_is_refused),
        cmocka_unit_test(decoded_cap_is_a_bound),
        cmocka_unit_test(nonzero_trailing_bits_are_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
