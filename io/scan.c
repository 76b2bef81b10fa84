/*
 * scan.c - finding "\nFrom " (message boundaries) and ">From " (quoted
 * lines) at memory speed.
 *
 * Both needles are looked for in every byte of an mbox, so this is the
 * splitter's inner loop.  With SSE2 (the x86-64 baseline) 32 bytes are
 * tested per step for the needle's first two bytes at once (a byte compare
 * of the block and of the block shifted by one); only the rare positions
 * where both match are checked in full.  Elsewhere, and for the last few
 * bytes, glibc's memmem does the work.
 */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "io_internal.h"

#if defined(__SSE2__)
/* Bit k set when p[k] == a and p[k + 1] == b, for k in 0..15. */
static unsigned pair_mask(const uint8_t *p, __m128i a, __m128i b)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
    return (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(x, a),
                                                     _mm_cmpeq_epi8(y, b)));
}
#endif

const uint8_t *io_find(const uint8_t *p, size_t n, const char *needle, size_t len)
{
    size_t i = 0;

    if (len < 2 || n < len)
        return len == 0 ? p : (len == 1 ? memchr(p, needle[0], n) : NULL);
#if defined(__SSE2__)
    const __m128i a = _mm_set1_epi8(needle[0]), b = _mm_set1_epi8(needle[1]);
    /* Each step reads p[i .. i + 33): stay 33 bytes inside the data. */
    while (n - i >= 33) {
        unsigned m = pair_mask(p + i, a, b) | pair_mask(p + i + 16, a, b) << 16;
        while (m) {
            size_t k = i + (size_t)__builtin_ctz(m);
            if (n - k >= len && memcmp(p + k + 2, needle + 2, len - 2) == 0)
                return p + k;
            m &= m - 1;
        }
        i += 32;
    }
#endif
    return memmem(p + i, n - i, needle, len);
}
