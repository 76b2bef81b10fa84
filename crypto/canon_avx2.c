/*
 * canon_avx2.c - body canonicalization, 32 bytes per compare.  Only this
 * file is compiled with -mavx2 (crypto/CMakeLists.txt); canon_dispatch.c
 * calls it only when the CPU reports AVX2.  The rules live in
 * canon_simd_tmpl.h.
 */
#include "canon_internal.h"

#ifdef CRYPTO_CANON_X86
#include <immintrin.h>

#define CANON_FN crypto_canon_body_update_avx2
#define CANON_W 32

/* Bytes the rules look at: CR, LF, and for relaxed SP and HTAB. */
static __m256i avx2_special(__m256i v, int relaxed)
{
    __m256i m = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\r')),
                             _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')));
    if (relaxed)
        m = _mm256_or_si256(m, _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(' ')),
                                         _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t'))));
    return m;
}

static __m256i avx2_load(const uint8_t *p)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

/* Bit k set if p[k] is CR or LF, or (relaxed) SP or HTAB. */
static uint64_t canon_mask(const uint8_t *p, int relaxed)
{
    return (uint32_t)_mm256_movemask_epi8(avx2_special(avx2_load(p), relaxed));
}

/* canon_mask minus single SPs between text and CRLFs after text. */
static uint64_t canon_needs_decision(const uint8_t *p, int relaxed)
{
    __m256i v = avx2_load(p), prev = avx2_load(p - 1);
    __m256i spec = avx2_special(v, relaxed);
    __m256i text_prev = _mm256_cmpeq_epi8(avx2_special(prev, relaxed), _mm256_setzero_si256());
    __m256i text_prev2 =
        _mm256_cmpeq_epi8(avx2_special(avx2_load(p - 2), relaxed), _mm256_setzero_si256());
    __m256i next = avx2_load(p + 1);
    __m256i cr = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\r'));
    __m256i lf = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n'));
    __m256i ok_cr = _mm256_and_si256(_mm256_and_si256(cr, text_prev),
                                  _mm256_cmpeq_epi8(next, _mm256_set1_epi8('\n')));
    __m256i ok_lf = _mm256_and_si256(_mm256_and_si256(lf, text_prev2),
                                  _mm256_cmpeq_epi8(prev, _mm256_set1_epi8('\r')));
    __m256i ok = _mm256_or_si256(ok_cr, ok_lf);
    if (relaxed) {
        __m256i text_next =
            _mm256_cmpeq_epi8(avx2_special(next, relaxed), _mm256_setzero_si256());
        __m256i sp = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(' '));
        ok = _mm256_or_si256(ok, _mm256_and_si256(sp, _mm256_and_si256(text_prev, text_next)));
    }
    return (uint32_t)_mm256_movemask_epi8(_mm256_andnot_si256(ok, spec));
}

static void canon_copy(uint8_t *dst, const uint8_t *src)
{
    _mm256_storeu_si256((__m256i *)(void *)dst, avx2_load(src));
}

/* See canon_simd_tmpl.h: blocks whose only change is LF -> CRLF. */
static int canon_lf_only(const uint8_t *p, int relaxed, uint64_t *lf)
{
    __m256i v = avx2_load(p), prev = avx2_load(p - 1);
    __m256i spec = avx2_special(v, relaxed);
    __m256i text_prev = _mm256_cmpeq_epi8(avx2_special(prev, relaxed), _mm256_setzero_si256());
    __m256i lfs = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n'));
    __m256i ok = _mm256_and_si256(lfs, text_prev);
    if (relaxed) {
        __m256i text_next = _mm256_cmpeq_epi8(avx2_special(avx2_load(p + 1), relaxed), _mm256_setzero_si256());
        __m256i sp = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(' '));
        ok = _mm256_or_si256(ok, _mm256_and_si256(sp, _mm256_and_si256(text_prev, text_next)));
    }
    if (_mm256_movemask_epi8(_mm256_andnot_si256(ok, spec)) != 0)
        return 0;
    *lf = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(lfs, text_prev));
    return 1;
}

#include "canon_simd_tmpl.h"
#endif
