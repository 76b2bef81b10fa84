/*
 * canon_simd_ops.h - the block tests of canon_simd_tmpl.h, written once over
 * a few vector operations that each kernel file defines first:
 *   vec_t, V_LOAD(p), V_STORE(p, v), V_SET1(c), V_ZERO, V_EQ(a, b),
 *   V_OR(a, b), V_AND(a, b), V_ANDNOT(a, b) (~a & b), V_MASK(v) (one bit a byte).
 * Gives canon_mask, canon_needs_decision, canon_lf_only and canon_copy as
 * the template documents them.
 */

/* Bytes the rules look at: CR, LF, and for relaxed SP and HTAB. */
static vec_t ops_special(vec_t v, int relaxed)
{
    vec_t m = V_OR(V_EQ(v, V_SET1('\r')), V_EQ(v, V_SET1('\n')));
    if (relaxed)
        m = V_OR(m, V_OR(V_EQ(v, V_SET1(' ')), V_EQ(v, V_SET1('\t'))));
    return m;
}

/* All-ones where p[k] is not a byte the rules look at. */
static vec_t ops_text(const uint8_t *p, int relaxed)
{
    return V_EQ(ops_special(V_LOAD(p), relaxed), V_ZERO);
}

/* Bit k set if p[k] is CR or LF, or (relaxed) SP or HTAB. */
static uint64_t canon_mask(const uint8_t *p, int relaxed)
{
    return (uint32_t)V_MASK(ops_special(V_LOAD(p), relaxed));
}

/* canon_mask minus single SPs between text and CRLFs after text. */
static uint64_t canon_needs_decision(const uint8_t *p, int relaxed)
{
    vec_t v = V_LOAD(p), prev = V_LOAD(p - 1), next = V_LOAD(p + 1);
    vec_t text_prev = ops_text(p - 1, relaxed);
    vec_t ok_cr = V_AND(V_AND(V_EQ(v, V_SET1('\r')), text_prev), V_EQ(next, V_SET1('\n')));
    vec_t ok_lf = V_AND(V_AND(V_EQ(v, V_SET1('\n')), ops_text(p - 2, relaxed)),
                        V_EQ(prev, V_SET1('\r')));
    vec_t ok = V_OR(ok_cr, ok_lf);
    if (relaxed)
        ok = V_OR(ok, V_AND(V_EQ(v, V_SET1(' ')), V_AND(text_prev, ops_text(p + 1, relaxed))));
    return (uint32_t)V_MASK(V_ANDNOT(ok, ops_special(v, relaxed)));
}

static void canon_copy(uint8_t *dst, const uint8_t *src)
{
    V_STORE(dst, V_LOAD(src));
}

/*
 * See canon_simd_tmpl.h: blocks whose only change is LF -> CRLF.  An LF
 * right after an LF (an empty line) qualifies only when the block ends in
 * text: then the empty line is not trailing, and its CRLF is due at once.
 * Without that, every paragraph break of prose left the block path for the
 * byte rules (bench corpus bodies, AVX2: 4.5 -> 5.0 GB/s simple, 3.25 ->
 * 3.6 GB/s relaxed).
 */
static int canon_lf_only(const uint8_t *p, int relaxed, uint64_t *lf)
{
    vec_t v = V_LOAD(p);
    vec_t is_lf = V_EQ(v, V_SET1('\n'));
    vec_t text_prev = ops_text(p - 1, relaxed);
    vec_t lfs = V_AND(is_lf, text_prev);
    vec_t empty = V_AND(is_lf, V_EQ(V_LOAD(p - 1), V_SET1('\n')));
    vec_t ok = V_OR(lfs, empty);
    if (relaxed)
        ok = V_OR(ok, V_AND(V_EQ(v, V_SET1(' ')), V_AND(text_prev, ops_text(p + 1, relaxed))));
    if (V_MASK(V_ANDNOT(ok, ops_special(v, relaxed))) != 0)
        return 0;
    uint32_t e = (uint32_t)V_MASK(empty);
    uint8_t last = p[CANON_W - 1];
    if (e && (last == '\r' || last == '\n' || (relaxed && (last == ' ' || last == '\t'))))
        return 0; /* the block does not end in text */
    *lf = (uint32_t)V_MASK(lfs) | e;
    return 1;
}
