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

/*
 * The rules written out the slow way, to check the decoder's fast path
 * (four alphabet characters at a time): drop FWS, then the text must be
 * alphabet characters followed by at most two '=', with a final quantum of
 * 2 or 3 characters, or none and no '='.
 */
static int reference_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                            size_t *outlen)
{
    static const char alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t v[64];
    size_t nv = 0, pads = 0, o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pads++;
            continue;
        }
        const char *a = c ? strchr(alpha, c) : NULL;
        if (!a || pads)
            return -1;
        v[nv++] = (uint8_t)(a - alpha);
    }
    size_t q = nv % 4;
    if (pads > 2 || q == 1 || (q == 0 && pads) || q + pads > 4)
        return -1;
    for (size_t i = 0; i + 1 < nv; i += 4) {
        uint32_t w = (uint32_t)v[i] << 18 | (uint32_t)v[i + 1] << 12;
        size_t k = nv - i >= 4 ? 3 : nv - i - 1;
        if (i + 2 < nv)
            w |= (uint32_t)v[i + 2] << 6;
        if (i + 3 < nv)
            w |= v[i + 3];
        for (size_t j = 0; j < k; j++) {
            if (o == cap)
                return -1;
            out[o++] = (uint8_t)(w >> (16 - 8 * j));
        }
    }
    *outlen = o;
    return 0;
}

/* Random texts with FWS, '=' and bad bytes anywhere, and tight caps. */
static void agrees_with_the_rules_on_random_text(void **state)
{
    static const char pool[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789+/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    uint32_t seed = 12345;
    int valid = 0, long_valid = 0;
    for (int iter = 0; iter < 200000; iter++) {
        uint8_t in[48], a[48], b[48];
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % sizeof in;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 1000;
            in[i] = r < 960 ? (uint8_t)pool[r % (sizeof pool - 1)]
                    : r < 975 ? (uint8_t)" \t\r\n"[r % 4]
                    : r < 990 ? '='
                    : (uint8_t)"!-.*\x80\xff\x00;"[r % 8];
        }
        /* a tight cap now and then: the fast path must check it too */
        size_t cap = (iter & 3) ? sizeof a : n * 3 / 4 > 0 ? n * 3 / 4 - (iter & 4 ? 1 : 0) : 0;
        size_t na = 0, nb = 0;
        int ra = crypto_b64_decode(slice_make(in, n), a, cap, &na);
        int rb = reference_decode(in, n, b, cap, &nb);
        assert_int_equal(ra, rb);
        if (ra == 0) {
            assert_int_equal(na, nb);
            assert_memory_equal(a, b, na);
            valid++;
            long_valid += na >= 12;
        }
    }
    /* the mix must reach both answers, and long runs of the fast path */
    assert_true(valid > 20000 && valid < 180000);
    assert_true(long_valid > 5000);
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
        cmocka_unit_test(agrees_with_the_rules_on_random_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
