/*
 * b64.c - strict base64 decoding for b=, bh= and p= (RFC 6376 3.5, 3.6.1).
 *
 * The tags are FWS-tolerant, so SP, HTAB, CR and LF are skipped wherever
 * they appear.  Everything else is checked: a verifier that accepts junk in
 * b= or p= would report "pass" for text nobody signed.
 */
#include "crypto.h"

#define B64_SKIP 64 /* FWS, ignored */
#define B64_PAD 65  /* '=' */
#define B64_BAD 255

/*
 * 0..63 for the RFC 4648 section 4 alphabet, else one of the classes above.
 * A table, not a chain of range tests: b= is decoded for every signature of
 * every message, and the branches cost a few nanoseconds a character.
 */
static const uint8_t b64_class[256] = {
    255, 255, 255, 255, 255, 255, 255, 255, 255,  64,  64, 255, 255,  64, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
     64, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  62, 255, 255, 255,  63,
     52,  53,  54,  55,  56,  57,  58,  59,  60,  61, 255, 255, 255,  65, 255, 255,
    255,   0,   1,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,  14,
     15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25, 255, 255, 255, 255, 255,
    255,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,
     41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};

size_t crypto_b64_decoded_cap(size_t n)
{
    return n / 4 * 3 + 3;
}

int crypto_b64_decode(slice_t in, uint8_t *out, size_t cap, size_t *outlen)
{
    uint32_t acc = 0; /* bits of the quantum being read */
    size_t q = 0;     /* characters in that quantum, 0..3 */
    size_t pads = 0;
    size_t o = 0;

    for (size_t i = 0; i < in.n; i++) {
        /* Four alphabet characters at a quantum's start, one test for all:
         * b= is mostly long runs of them between folds. */
        while (q == 0 && !pads && in.n - i >= 4 && cap - o >= 3) {
            uint8_t a = b64_class[in.p[i]], b = b64_class[in.p[i + 1]];
            uint8_t c = b64_class[in.p[i + 2]], d = b64_class[in.p[i + 3]];
            if ((a | b | c | d) & 0xC0)
                break;
            uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
            out[o++] = (uint8_t)(w >> 16);
            out[o++] = (uint8_t)(w >> 8);
            out[o++] = (uint8_t)w;
            i += 4;
        }
        if (i == in.n)
            break;
        uint8_t v = b64_class[in.p[i]];
        if (v == B64_SKIP)
            continue;
        if (v == B64_BAD)
            return -1;
        if (v == B64_PAD) {
            if (++pads > 2)
                return -1;
            continue;
        }
        if (pads)
            return -1; /* '=' only at the end (RFC 4648 3.3) */
        acc = acc << 6 | v;
        if (++q == 4) {
            if (cap - o < 3)
                return -1;
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
            q = 0;
        }
    }
    /* The final quantum: 2 characters carry one byte, 3 carry two.  One
     * character is not even a byte; '=' after a full quantum, or more '='
     * than the quantum needs, is malformed.  Fewer '=' than needed (none
     * at all, typically) is tolerated: the bits are unambiguous. */
    if (q == 1 || (q == 0 && pads) || q + pads > 4)
        return -1;
    if (q >= 2) {
        size_t k = q - 1;
        if (cap - o < k)
            return -1;
        acc <<= 6 * (4 - q);
        out[o++] = (uint8_t)(acc >> 16);
        if (k == 2)
            out[o++] = (uint8_t)(acc >> 8);
    }
    *outlen = o;
    return 0;
}
