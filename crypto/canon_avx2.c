/*
 * canon_avx2.c - body canonicalization, 32 bytes per compare.  Only this
 * file is compiled with -mavx2 (crypto/CMakeLists.txt); canon_dispatch.c
 * calls it only when the CPU reports AVX2.  The block tests live in
 * canon_simd_ops.h, the rules in canon_simd_tmpl.h.
 */
#include "canon_internal.h"

#ifdef CRYPTO_CANON_X86
#include <immintrin.h>

#define CANON_FN crypto_canon_body_update_avx2
#define CANON_W 32

typedef __m256i vec_t;
#define V_LOAD(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define V_STORE(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define V_SET1(c) _mm256_set1_epi8(c)
#define V_ZERO _mm256_setzero_si256()
#define V_EQ(a, b) _mm256_cmpeq_epi8((a), (b))
#define V_OR(a, b) _mm256_or_si256((a), (b))
#define V_AND(a, b) _mm256_and_si256((a), (b))
#define V_ANDNOT(a, b) _mm256_andnot_si256((a), (b))
#define V_MASK(v) _mm256_movemask_epi8(v)

#include "canon_simd_ops.h"
#include "canon_simd_tmpl.h"
#endif
