/*
 * canon_sse2.c - body canonicalization, 16 bytes per compare (SSE2, the
 * x86-64 baseline).  The rules live in canon_simd_tmpl.h.
 */
#include "canon_internal.h"

#ifdef CRYPTO_CANON_X86
#include <emmintrin.h>

#define CANON_FN crypto_canon_body_update_sse2
#define CANON_W 16

/* Bit k set if p[k] is CR or LF, or (relaxed) SP or HTAB. */
static uint64_t canon_mask(const uint8_t *p, int relaxed)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    if (relaxed)
        m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                                         _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))));
    return (uint32_t)_mm_movemask_epi8(m);
}

#include "canon_simd_tmpl.h"
#endif
