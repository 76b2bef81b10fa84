/*
 * fuzz_canon_header.c - header field canonicalization (crypto/canon_scalar.c).
 *
 * Any bytes as one field, both modes, with and without the final CRLF:
 * the result fits crypto_canon_header_cap, has the 3.4.1 / 3.4.2 shape,
 * and canonicalizing it again changes nothing (see the one exception).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_relaxed(const uint8_t *o, size_t n, int crlf)
{
    size_t body = n;
    if (crlf) {
        if (n < 2 || o[n - 2] != '\r' || o[n - 1] != '\n')
            abort();
        body -= 2;
    }
    const uint8_t *colon = memchr(o, ':', body);
    for (size_t i = 0; i < body; i++) {
        if (o[i] == '\n' || o[i] == '\t')
            abort(); /* unfolded, WSP made SP */
        if (o[i] == ' ' && i + 1 < body && o[i + 1] == ' ')
            abort(); /* no SP runs */
        if (colon && o + i < colon && o[i] >= 'A' && o[i] <= 'Z')
            abort(); /* name lower-cased */
    }
    if (body && o[body - 1] == ' ')
        abort(); /* no WSP at the end */
    if (colon && ((colon > o && colon[-1] == ' ') ||
                  (colon + 1 < o + body && colon[1] == ' ')))
        abort(); /* no WSP around the colon */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cap = crypto_canon_header_cap(size);
    uint8_t *a = malloc(cap);
    if (!a)
        abort();
    for (int m = 0; m < 2; m++) {
        for (int crlf = 0; crlf < 2; crlf++) {
            crypto_canon_t mode = (crypto_canon_t)m;
            size_t n = crypto_canon_header(mode, slice_make(data, size), crlf, a);
            if (n > cap)
                abort();
            if (mode == CRYPTO_CANON_RELAXED)
                check_relaxed(a, n, crlf);
            for (size_t i = 0; i < n; i++)
                if (a[i] == '\n' && (i == 0 || a[i - 1] != '\r'))
                    abort(); /* every LF is part of CRLF */
            /* Idempotent: the canonical form is its own canonical form.
             * Not for simple without CRLF: there a field ending in two line
             * breaks (not a valid field) keeps one, which a second pass
             * drops. */
            if (mode == CRYPTO_CANON_SIMPLE && !crlf)
                continue;
            uint8_t *b = malloc(crypto_canon_header_cap(n));
            if (!b)
                abort();
            size_t n2 = crypto_canon_header(mode, slice_make(a, n), crlf, b);
            if (n2 != n || memcmp(a, b, n) != 0)
                abort();
            free(b);
        }
    }
    free(a);
    return 0;
}
