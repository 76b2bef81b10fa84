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

/* Bit k set if p[k] is CR or LF, or (relaxed) SP or HTAB. */
static uint64_t canon_mask(const uint8_t *p, int relaxed)
{
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i m = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\r')),
                                _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')));
    if (relaxed)
        m = _mm256_or_si256(m,
                            _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(' ')),
                                            _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t'))));
    return (uint32_t)_mm256_movemask_epi8(m);
}

#include "canon_simd_tmpl.h"
#endif
