/*
 * fuzz_b64.c - the strict base64 decoder (crypto/b64.c).
 *
 * Any input: no overrun, the output fits crypto_b64_decoded_cap, a cap one
 * byte short is refused, and a valid input re-encodes to the same
 * characters (FWS and padding aside, spare bits cleared).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ALPHA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Unpadded encoding, like the input with FWS and '=' removed. */
static size_t encode(const uint8_t *p, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = ALPHA[v >> 18 & 63];
        out[o++] = ALPHA[v >> 12 & 63];
        if (i + 1 < n)
            out[o++] = ALPHA[v >> 6 & 63];
        if (i + 2 < n)
            out[o++] = ALPHA[v & 63];
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cap = crypto_b64_decoded_cap(size);
    uint8_t *out = malloc(cap);
    if (!out)
        abort();
    size_t n = 0;
    if (crypto_b64_decode(slice_make(data, size), out, cap, &n) == 0) {
        if (n > cap)
            abort();
        if (n > 0) {
            size_t m;
            uint8_t *tight = malloc(n);
            if (!tight)
                abort();
            if (crypto_b64_decode(slice_make(data, size), tight, n - 1, &m) != -1)
                abort();
            if (crypto_b64_decode(slice_make(data, size), tight, n, &m) != 0 || m != n ||
                memcmp(tight, out, n) != 0)
                abort();
            free(tight);
        }
        /* the alphabet characters of the input, re-encoded */
        char *enc = malloc(n / 3 * 4 + 4);
        char *chars = malloc(size + 1);
        if (!enc || !chars)
            abort();
        size_t en = encode(out, n, enc), cn = 0;
        for (size_t i = 0; i < size; i++)
            if (memchr(ALPHA, data[i], sizeof(ALPHA) - 1) && data[i])
                chars[cn++] = (char)data[i];
        /* equal except for the spare bits of the last character */
        if (en != cn || (en && memcmp(enc, chars, en - 1) != 0))
            abort();
        free(enc);
        free(chars);
    }
    free(out);
    return 0;
}
