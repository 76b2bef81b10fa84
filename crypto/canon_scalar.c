/*
 * canon_scalar.c - RFC 6376 section 3.4 canonicalization, the reference.
 *
 * This file is meant to be read beside the RFC: every rule of 3.4.1-3.4.4
 * appears once, in the order the RFC gives it.  Faster kernels must produce
 * exactly these bytes.
 *
 * Line ends: stored mail may use CRLF or a bare LF; both end a line and are
 * emitted as CRLF.  A CR not followed by LF is an ordinary (non-WSP) byte.
 */
#include <stdint.h>
#include <string.h>

#include "canon_internal.h"

static const uint8_t CRLF[2] = { '\r', '\n' };
static const uint8_t SP[1] = { ' ' };
static const uint8_t CR[1] = { '\r' };

static int is_wsp(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* ------------------------------------------------------------------ */
/* Body (3.4.3 simple, 3.4.4 relaxed), streaming                       */
/* ------------------------------------------------------------------ */

static void emit(crypto_canon_body_t *c, const uint8_t *p, size_t n)
{
    c->out_len += n;
    c->sink(c->arg, p, n);
}

/*
 * Text is about to be written on the current line.  If it is the line's
 * first text, the empty lines held back before it were not trailing after
 * all (3.4.3: only empty lines at the *end* are ignored): write them now.
 */
static void open_text(crypto_canon_body_t *c)
{
    if (!c->in_line) {
        for (; c->pending_crlf; c->pending_crlf--)
            emit(c, CRLF, 2);
        c->in_line = 1;
    }
}

/*
 * The current line ended.  A line with text gets its CRLF at once; an
 * empty line (for relaxed: one that is empty after dropping WSP at its
 * end, 3.4.4 a) is only counted, since it may be trailing.
 */
static void end_line(crypto_canon_body_t *c)
{
    c->pending_wsp = 0; /* 3.4.4 a: ignore all whitespace at the end of lines */
    if (c->in_line) {
        emit(c, CRLF, 2);
        c->in_line = 0;
    } else {
        c->pending_crlf++;
    }
}

/* 3.4.3: simple changes nothing inside a line. */
static void simple_text(crypto_canon_body_t *c, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    open_text(c);
    emit(c, p, n);
}

/*
 * 3.4.4 a: a run of WSP inside a line becomes one SP; WSP at the line's
 * end is dropped.  A run is therefore only remembered (pending_wsp) and
 * written as one SP when a non-WSP byte follows on the same line.
 * p[0..n) holds bytes of one line without its line break, and may stop
 * mid-line at a chunk boundary.
 */
static void relaxed_text(crypto_canon_body_t *c, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (is_wsp(p[i])) {
            c->pending_wsp = 1;
            i++;
            continue;
        }
        /* A run of non-WSP bytes.  A single SP between two such runs is
         * already canonical, so it stays inside the run: one sink call
         * covers most of a line of prose. */
        size_t j = i;
        for (;;) {
            while (j < n && !is_wsp(p[j]))
                j++;
            if (j + 1 < n && p[j] == ' ' && !is_wsp(p[j + 1])) {
                j++;
                continue;
            }
            break;
        }
        open_text(c);
        if (c->pending_wsp) {
            emit(c, SP, 1);
            c->pending_wsp = 0;
        }
        emit(c, p + i, j - i);
        i = j;
    }
}

static void body_text(crypto_canon_body_t *c, const uint8_t *p, size_t n)
{
    if (c->mode == CRYPTO_CANON_RELAXED)
        relaxed_text(c, p, n);
    else
        simple_text(c, p, n);
}

void crypto_canon_body_init(crypto_canon_body_t *c, crypto_canon_t mode,
                            crypto_sink_fn sink, void *arg)
{
    memset(c, 0, sizeof(*c));
    c->mode = mode;
    c->sink = sink;
    c->arg = arg;
}

/* The public crypto_canon_body_update (canon_dispatch.c) may use a faster
 * kernel; this one is the definition they are tested against. */
void crypto_canon_body_update_scalar(crypto_canon_body_t *c, const uint8_t *p, size_t n)
{
    while (n) {
        if (c->pending_cr) {
            /* The previous chunk ended in CR: it is half of a CRLF only if
             * this byte is LF; otherwise it was an ordinary byte. */
            c->pending_cr = 0;
            if (p[0] == '\n') {
                end_line(c);
                p++;
                n--;
                continue;
            }
            body_text(c, CR, 1);
        }
        const uint8_t *lf = memchr(p, '\n', n);
        if (!lf) {
            /* Rest of the chunk is inside one line; a final CR may be the
             * first half of a CRLF split across chunks. */
            size_t len = n;
            if (p[len - 1] == '\r') {
                c->pending_cr = 1;
                len--;
            }
            body_text(c, p, len);
            return;
        }
        size_t len = (size_t)(lf - p);
        int has_cr = len && p[len - 1] == '\r';
        size_t text = has_cr ? len - 1 : len;
        if (c->mode == CRYPTO_CANON_SIMPLE && text && has_cr) {
            /* simple, non-empty line ending in CRLF: the input bytes are
             * already canonical, so text and CRLF go out in one piece. */
            open_text(c);
            emit(c, p, len + 1);
            c->in_line = 0;
        } else {
            body_text(c, p, text);
            end_line(c);
        }
        p = lf + 1;
        n -= len + 1;
    }
}

uint64_t crypto_canon_body_final(crypto_canon_body_t *c)
{
    if (c->pending_cr) {
        /* A CR at the very end was not followed by LF: ordinary byte. */
        c->pending_cr = 0;
        body_text(c, CR, 1);
    }
    /* 3.4.3 / 3.4.4 b: a last line without line break gets CRLF; the empty
     * lines still held back are trailing and are dropped. */
    c->pending_wsp = 0;
    if (c->in_line) {
        emit(c, CRLF, 2);
        c->in_line = 0;
    }
    c->pending_crlf = 0;
    /* 3.4.3: an empty body is canonicalized as a single CRLF; 3.4.4 leaves
     * it empty. */
    if (c->mode == CRYPTO_CANON_SIMPLE && c->out_len == 0)
        emit(c, CRLF, 2);
    return c->out_len;
}

/* ------------------------------------------------------------------ */
/* Header fields (3.4.1 simple, 3.4.2 relaxed), one field at a time     */
/* ------------------------------------------------------------------ */

size_t crypto_canon_header_cap(size_t n)
{
    /* simple turns every bare LF into CRLF and may append CRLF: 2n + 2.
     * relaxed never grows a field by more than the appended CRLF. */
    if (n > (SIZE_MAX - 2) / 2)
        return SIZE_MAX;
    return 2 * n + 2;
}

/* Length of the line break ending field[0..n), 0 if there is none. */
static size_t final_break_len(const uint8_t *p, size_t n)
{
    if (n && p[n - 1] == '\n')
        return (n >= 2 && p[n - 2] == '\r') ? 2 : 1;
    return 0;
}

/* 3.4.1: the bytes unchanged, except that a bare LF is written as CRLF. */
static size_t header_simple(slice_t f, int crlf, uint8_t *out)
{
    size_t n = f.n - final_break_len(f.p, f.n);
    size_t o = 0;
    const uint8_t *p = f.p;
    while (n) {
        const uint8_t *lf = memchr(p, '\n', n);
        size_t len = lf ? (size_t)(lf - p) : n;
        memcpy(out + o, p, len);
        o += len;
        if (!lf)
            break;
        if (!(len && p[len - 1] == '\r'))
            out[o++] = '\r';
        out[o++] = '\n';
        p = lf + 1;
        n -= len + 1;
    }
    /* With crlf == 0 the final line break is dropped (RFC 6376 3.7: the
     * DKIM-Signature field is hashed without its trailing CRLF). */
    if (crlf) {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    return o;
}

/*
 * Copy p[0..n) with the 3.4.2 white space rules: a CR LF pair or bare LF is
 * deleted (unfolding), a WSP run becomes one SP, WSP at the start (after
 * the colon) or end is deleted.  `lower` lower-cases A-Z (the field name).
 * `keep_lead` keeps a leading WSP run as SP (the name part has no colon
 * before it, so nothing says to delete it).
 */
static size_t relaxed_part(const uint8_t *p, size_t n, int lower, int keep_lead,
                           uint8_t *out)
{
    size_t o = 0;
    int wsp = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (b == '\n' || (b == '\r' && i + 1 < n && p[i + 1] == '\n'))
            continue; /* unfold: the line break vanishes, WSP around it joins */
        if (is_wsp(b)) {
            wsp = 1;
            continue;
        }
        if (wsp && (o || keep_lead))
            out[o++] = ' ';
        wsp = 0;
        out[o++] = (lower && b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b;
    }
    return o; /* a WSP run still pending here is at the end: deleted */
}

static size_t header_relaxed(slice_t f, int crlf, uint8_t *out)
{
    const uint8_t *colon = memchr(f.p, ':', f.n);
    size_t name_n = colon ? (size_t)(colon - f.p) : f.n;
    /* Name: lower-cased, WSP before the colon deleted ("Subject :" is
     * obsolete syntax of RFC 5322 4.5 and still seen). */
    size_t o = relaxed_part(f.p, name_n, 1, 1, out);
    if (colon) {
        out[o++] = ':';
        /* Value: unfolded, WSP runs to SP, WSP after the colon and at the
         * end of the value deleted. */
        o += relaxed_part(colon + 1, f.n - name_n - 1, 0, 0, out + o);
    }
    if (crlf) {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    return o;
}

size_t crypto_canon_header(crypto_canon_t mode, slice_t field, int crlf, uint8_t *out)
{
    if (field.n == 0)
        field.p = (const uint8_t *)""; /* memchr must not see NULL */
    if (mode == CRYPTO_CANON_RELAXED)
        return header_relaxed(field, crlf, out);
    return header_simple(field, crlf, out);
}
