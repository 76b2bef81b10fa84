/*
 * canon_simd_tmpl.h - the body canonicalization driver shared by the SIMD
 * kernels (RFC 6376 3.4.3 simple, 3.4.4 relaxed).
 *
 * Included by canon_sse2.c and canon_avx2.c (after canon_simd_ops.h, which
 * gives the block tests below from their vector operations) once they define
 *   CANON_FN        the kernel's name,
 *   CANON_W         bytes per vector block,
 *   canon_mask(p, relaxed)  bit k set if p[k] is CR or LF (and, relaxed,
 *                   SP or HTAB), for CANON_W bytes at p (unaligned).
 *   canon_needs_decision(p, relaxed)  the same bits, minus those of a
 *                   single SP between text bytes (relaxed) and of a CR LF
 *                   right after a text byte; reads p[-2] to p[CANON_W].
 *   canon_copy(dst, src)  copy CANON_W bytes (unaligned).
 *   canon_lf_only(p, relaxed, &lf)  1 if the block's only bytes the rules
 *                   change are bare LFs right after a text byte, or right
 *                   after an LF when the block ends in text (and, relaxed,
 *                   SPs are single ones between text bytes), with lf = the
 *                   bits of those LFs; else 0.  Reads p[-1] to p[CANON_W].
 *
 * Why it is faster than the reference: the output of both canonicalizations
 * equals the input almost everywhere.  The driver keeps a "run" of input
 * whose output is the input itself and hands it to the sink in one piece;
 * only the bytes where the rules of 3.4 change something (a bare LF, an
 * empty line that may be trailing, a WSP run or WSP at a line's end in
 * relaxed) end a run.  Between such bytes, whole blocks are skipped with one
 * vector compare.  Every decision mirrors a rule of canon_scalar.c, whose
 * state (crypto_canon_body_t) is shared, so kernels may even be mixed from
 * one chunk to the next.
 */
#include <string.h>

#include "canon_internal.h"

static const uint8_t tmpl_crlf[2] = { '\r', '\n' };
static const uint8_t tmpl_sp[1] = { ' ' };

/*
 * Output of one update call.  Where the input is not canonical as it
 * stands (a bare LF: every line of an LF-only mbox), the output comes in
 * small pieces; they are gathered here so that the sink sees a few large
 * pieces, not two per line.  Long runs skip the buffer and go to the sink
 * in place.  Emptied before the update returns: nothing outlives the call.
 */
#define TMPL_STAGE 4096
#define TMPL_DIRECT 512 /* runs at least this long are not copied */

typedef struct {
    crypto_canon_body_t *c;
    size_t used;
    uint8_t buf[TMPL_STAGE];
} tmpl_out_t;

static void tmpl_flush(tmpl_out_t *o)
{
    if (o->used) {
        o->c->out_len += o->used;
        o->c->sink(o->c->arg, o->buf, o->used);
        o->used = 0;
    }
}

static void tmpl_emit(tmpl_out_t *o, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    if (n >= TMPL_DIRECT) {
        tmpl_flush(o);
        o->c->out_len += n;
        o->c->sink(o->c->arg, p, n);
        return;
    }
    if (n > sizeof(o->buf) - o->used)
        tmpl_flush(o);
    memcpy(o->buf + o->used, p, n);
    o->used += n;
}

static int tmpl_is_wsp(uint8_t b)
{
    return b == ' ' || b == '\t';
}

static int tmpl_is_special(uint8_t b, int relaxed)
{
    return b == '\r' || b == '\n' || (relaxed && tmpl_is_wsp(b));
}

/* First index >= i of a byte the rules care about, n if none. */
static size_t tmpl_next_special(const uint8_t *p, size_t i, size_t n, int relaxed)
{
    while (n - i >= CANON_W) {
        uint64_t m = canon_mask(p + i, relaxed);
        if (m)
            return i + (size_t)__builtin_ctzll(m);
        i += CANON_W;
    }
    while (i < n && !tmpl_is_special(p[i], relaxed))
        i++;
    return i;
}

/*
 * Skip, a block at a time, from i while the bytes need no decision: text,
 * and (checked on the neighbours, loaded one and two bytes back and one
 * ahead) a single SP between text bytes (relaxed) or a CRLF right after
 * text, which are already canonical.  Needs i >= 2 and one byte past each
 * block.  Returns where it stopped: the first byte that needs a decision,
 * or the end of the region it may scan.  Only called with in_line set and
 * no WSP pending, so after a CRLF it skipped the line is closed.
 */
static size_t tmpl_skip_canonical(const uint8_t *p, size_t i, size_t n, int relaxed)
{
    const size_t start = i;
    if (i < 2)
        return i;
    while (n - i > CANON_W) {
        /* Most blocks hold no special byte at all: the plain compare is
         * cheaper than the neighbour checks. */
        uint64_t m = canon_mask(p + i, relaxed);
        if (m && (m = canon_needs_decision(p + i, relaxed)) != 0)
            return i + (size_t)__builtin_ctzll(m);
        i += CANON_W;
    }
    /* Never stop between the CR and LF of a skipped CRLF. */
    if (i != start && p[i - 1] == '\r')
        i--;
    return i;
}

/*
 * LF-only text, the common case of mbox and maildir files written on Unix:
 * every line ends a run at its bare LF, so lines went to the stage one by
 * one.  Here whole blocks whose only change is LF -> CRLF are copied to the
 * stage with a CR before each LF.  Called inside a line with no WSP pending
 * and i >= 1; closes the open run p[*rs..i) before the first block it
 * takes.  Returns where it stopped (i if the first block does not qualify)
 * and sets *in_line from the last byte copied.  An empty line in such a
 * block has text after it in the same block (canon_lf_only), so it is not
 * trailing: its CRLF goes out at once, nothing is held back and
 * pending_crlf stays 0.
 */
static size_t tmpl_lf_blocks(tmpl_out_t *o, const uint8_t *p, size_t i, size_t n,
                             int relaxed, size_t *rs, int *in_line)
{
    uint64_t lf;
    const size_t start = i;
    /*
     * Each piece is moved with one vector copy of a whole block (canon_copy)
     * and only its own length counted: the copy may read up to a block past
     * this one (hence 2 * CANON_W of input left) and write up to a block
     * past the piece (hence 3 * CANON_W of room in the stage).
     */
    while (n - i > 2 * CANON_W && canon_lf_only(p + i, relaxed, &lf)) {
        if (i == start)
            tmpl_emit(o, p + *rs, i - *rs);
        if (sizeof(o->buf) - o->used < 3 * CANON_W)
            tmpl_flush(o);
        uint8_t *d = o->buf + o->used;
        size_t from = 0;
        for (; lf; lf &= lf - 1) {
            size_t k = (size_t)__builtin_ctzll(lf);
            canon_copy(d, p + i + from);
            d += k - from;
            d[0] = '\r';
            d[1] = '\n';
            d += 2;
            from = k + 1;
        }
        canon_copy(d, p + i + from);
        o->used = (size_t)(d + CANON_W - from - o->buf);
        i += CANON_W;
        *in_line = p[i - 1] != '\n';
        *rs = i;
    }
    return i;
}

void CANON_FN(crypto_canon_body_t *c, const uint8_t *p, size_t n)
{
    const int relaxed = c->mode == CRYPTO_CANON_RELAXED;
    size_t i = 0;
    size_t rs = 0; /* the open run is p[rs..i): its output is itself */
    tmpl_out_t out;

    if (n == 0)
        return;
    while (c->pending_cr && i < n) {
        /* A CR ended the previous chunk: let the reference decide with
         * this chunk's first byte whether it was half of a CRLF (that
         * byte may be a CR again). */
        crypto_canon_body_update_scalar(c, p + i, 1);
        rs = ++i;
    }
    out.c = c; /* only after the reference wrote its bytes: order is kept */
    out.used = 0;
#define CLOSE_RUN() tmpl_emit(&out, p + rs, i - rs)
    while (i < n) {
        if (c->in_line && !c->pending_wsp) {
            /* Inside a line's text: ordinary bytes are copied as they are. */
            size_t j = i >= 1 ? tmpl_lf_blocks(&out, p, i, n, relaxed, &rs, &c->in_line) : i;
            if (j != i) {
                i = j;
                continue;
            }
            j = tmpl_skip_canonical(p, i, n, relaxed);
            if (j != i) {
                if (p[j - 1] == '\n')
                    c->in_line = 0; /* the last byte skipped ended a line */
                i = j;
                continue;
            }
            i = tmpl_next_special(p, i, n, relaxed);
            if (i == n)
                break;
        }
        uint8_t b = p[i];
        int crlf = b == '\r' && i + 1 < n && p[i + 1] == '\n';
        if (b == '\n' || crlf) {
            size_t brk = crlf ? 2 : 1;
            if (crlf && c->in_line && !c->pending_wsp) {
                /* A line with text ending in CRLF: already canonical. */
                c->in_line = 0;
                i += 2;
                continue;
            }
            /* Bare LF -> CRLF; 3.4.4 a: WSP at the line's end dropped;
             * an empty line is only counted, it may be trailing (3.4.3). */
            CLOSE_RUN();
            c->pending_wsp = 0;
            if (c->in_line) {
                tmpl_emit(&out, tmpl_crlf, 2);
                c->in_line = 0;
            } else {
                c->pending_crlf++;
            }
            i += brk;
            rs = i;
            continue;
        }
        if (b == '\r' && i + 1 == n) {
            /* Maybe the first half of a CRLF split across chunks. */
            CLOSE_RUN();
            tmpl_flush(&out);
            c->pending_cr = 1;
            return;
        }
        if (relaxed && tmpl_is_wsp(b)) {
            /* 3.4.4 a: a single SP between text stays as it is; any other
             * WSP run becomes one SP, written only if text follows. */
            if (b == ' ' && c->in_line && !c->pending_wsp && i + 1 < n &&
                !tmpl_is_special(p[i + 1], 1)) {
                i++;
                continue;
            }
            CLOSE_RUN();
            c->pending_wsp = 1;
            i++;
            rs = i;
            continue;
        }
        /* Text (a lone CR is text too). */
        if (!c->in_line && !c->pending_crlf && !c->pending_wsp) {
            c->in_line = 1; /* a new line with nothing held back: run goes on */
        } else if (!c->in_line || c->pending_wsp) {
            CLOSE_RUN();
            if (!c->in_line) {
                /* Empty lines followed by text were not trailing. */
                for (; c->pending_crlf; c->pending_crlf--)
                    tmpl_emit(&out, tmpl_crlf, 2);
                c->in_line = 1;
            }
            if (c->pending_wsp) {
                tmpl_emit(&out, tmpl_sp, 1);
                c->pending_wsp = 0;
            }
            rs = i;
        }
        i++;
    }
    CLOSE_RUN();
    tmpl_flush(&out);
#undef CLOSE_RUN
}
