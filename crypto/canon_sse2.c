/*
 * canon_sse2.c - body canonicalization, 16 bytes per compare (SSE2, the
 * x86-64 baseline).  The block tests live in canon_simd_ops.h, the rules in
 * canon_simd_tmpl.h.
 */
#include "canon_internal.h"

#ifdef CRYPTO_CANON_X86
#include <emmintrin.h>

#define CANON_FN crypto_canon_body_update_sse2
#define CANON_W 16

typedef __m128i vec_t;
#define V_LOAD(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define V_STORE(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define V_SET1(c) _mm_set1_epi8(c)
#define V_ZERO _mm_setzero_si128()
#define V_EQ(a, b) _mm_cmpeq_epi8((a), (b))
#define V_OR(a, b) _mm_or_si128((a), (b))
#define V_AND(a, b) _mm_and_si128((a), (b))
#define V_ANDNOT(a, b) _mm_andnot_si128((a), (b))
#define V_MASK(v) _mm_movemask_epi8(v)

#include "canon_simd_ops.h"
#include "canon_simd_tmpl.h"
#endif
