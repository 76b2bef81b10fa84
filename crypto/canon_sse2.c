/*
 * canon_sse2.c - body canonicalization, 16 bytes per compare (SSE2, the
 * x86-64 baseline).  The rules live in canon_simd_tmpl.h.
 */
#include "canon_internal.h"

#ifdef CRYPTO_CANON_X86
#include <emmintrin.h>

#define CANON_FN crypto_canon_body_update_sse2
#define CANON_W 16

/* Bytes the rules look at: CR, LF, and for relaxed SP and HTAB. */
static __m128i sse2_special(__m128i v, int relaxed)
{
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    if (relaxed)
        m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                                         _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))));
    return m;
}

static __m128i sse2_load(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Bit k set if p[k] is CR or LF, or (relaxed) SP or HTAB. */
static uint64_t canon_mask(const uint8_t *p, int relaxed)
{
    return (uint32_t)_mm_movemask_epi8(sse2_special(sse2_load(p), relaxed));
}

/* canon_mask minus single SPs between text and CRLFs after text. */
static uint64_t canon_needs_decision(const uint8_t *p, int relaxed)
{
    __m128i v = sse2_load(p), prev = sse2_load(p - 1);
    __m128i spec = sse2_special(v, relaxed);
    __m128i text_prev = _mm_cmpeq_epi8(sse2_special(prev, relaxed), _mm_setzero_si128());
    __m128i text_prev2 =
        _mm_cmpeq_epi8(sse2_special(sse2_load(p - 2), relaxed), _mm_setzero_si128());
    __m128i next = sse2_load(p + 1);
    __m128i cr = _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'));
    __m128i lf = _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'));
    __m128i ok_cr = _mm_and_si128(_mm_and_si128(cr, text_prev),
                                  _mm_cmpeq_epi8(next, _mm_set1_epi8('\n')));
    __m128i ok_lf = _mm_and_si128(_mm_and_si128(lf, text_prev2),
                                  _mm_cmpeq_epi8(prev, _mm_set1_epi8('\r')));
    __m128i ok = _mm_or_si128(ok_cr, ok_lf);
    if (relaxed) {
        __m128i text_next =
            _mm_cmpeq_epi8(sse2_special(next, relaxed), _mm_setzero_si128());
        __m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
        ok = _mm_or_si128(ok, _mm_and_si128(sp, _mm_and_si128(text_prev, text_next)));
    }
    return (uint32_t)_mm_movemask_epi8(_mm_andnot_si128(ok, spec));
}

static void canon_copy(uint8_t *dst, const uint8_t *src)
{
    _mm_storeu_si128((__m128i *)(void *)dst, sse2_load(src));
}

/* See canon_simd_tmpl.h: blocks whose only change is LF -> CRLF. */
static int canon_lf_only(const uint8_t *p, int relaxed, uint64_t *lf)
{
    __m128i v = sse2_load(p), prev = sse2_load(p - 1);
    __m128i spec = sse2_special(v, relaxed);
    __m128i text_prev = _mm_cmpeq_epi8(sse2_special(prev, relaxed), _mm_setzero_si128());
    __m128i lfs = _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'));
    __m128i ok = _mm_and_si128(lfs, text_prev);
    if (relaxed) {
        __m128i text_next = _mm_cmpeq_epi8(sse2_special(sse2_load(p + 1), relaxed), _mm_setzero_si128());
        __m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
        ok = _mm_or_si128(ok, _mm_and_si128(sp, _mm_and_si128(text_prev, text_next)));
    }
    if (_mm_movemask_epi8(_mm_andnot_si128(ok, spec)) != 0)
        return 0;
    *lf = (uint32_t)_mm_movemask_epi8(_mm_and_si128(lfs, text_prev));
    return 1;
}

#include "canon_simd_tmpl.h"
#endif
