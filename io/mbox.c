/*
 * mbox.c - where mbox messages begin and end, and mbox un-quoting.
 *
 * The From_ rule (mboxo, mboxrd, and mboxcl2 without a usable Content-Length):
 * a message begins after a line starting "From " at the start of the file or
 * after a LF.  The writer puts one extra line end after every message, so a
 * message is the bytes after its From_ line up to, not including, the LF that
 * begins the next "\nFrom "; at the end of the file one trailing LF is
 * dropped.  Nothing more is stripped: a message may end without a newline
 * ("body\nFrom " gives "body").  When the From_ line itself ends in CRLF the
 * writer stored the whole mbox with CRLF and the extra line end is "\r\n", so
 * that CR goes too.  Archives that keep only the messages in CRLF (From_ line
 * and extra line end in LF, e.g. "body\r\n\nFrom ") keep the message's CRLF.
 */
#include <string.h>

#include "io_internal.h"

enum { CUT_FALLBACK = -1 };

static int starts_from(const uint8_t *p, size_t n)
{
    return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/* First "\nFrom " in p[0..n), as an offset, or n. */
static size_t find_sep(const uint8_t *p, size_t n)
{
    const uint8_t *hit = io_find(p, n, "\nFrom ", 6);
    return hit ? (size_t)(hit - p) : n;
}

/* ---- the From_ rule --------------------------------------------------- */

static int from_cut(slice_t w, int eof, size_t start, int crlf,
                    io_cut_state_t *st, io_cut_t *c)
{
    /* The From_ line is followed at once by another: an empty message. */
    if (starts_from(w.p + start, w.n - start)) {
        c->end = c->next = start;
        return IO_CUT_DONE;
    }
    size_t from = st->scan > start ? st->scan : start;
    size_t q = from + find_sep(w.p + from, w.n - from);
    if (q < w.n) {
        size_t end = q;
        if (crlf && end > start && w.p[end - 1] == '\r')
            end--;
        c->end = end;
        c->next = q + 1;
        return IO_CUT_DONE;
    }
    if (!eof) {
        /* The last 5 bytes may begin a separator that is not complete yet. */
        size_t done = w.n >= 5 ? w.n - 5 : 0;
        st->scan = done > from ? done : from;
        return IO_CUT_MORE;
    }
    size_t end = w.n;
    if (end > start && w.p[end - 1] == '\n') {
        end--;
        if (crlf && end > start && w.p[end - 1] == '\r')
            end--;
    }
    c->end = end;
    c->next = w.n;
    return IO_CUT_DONE;
}

/* ---- mboxcl2 ---------------------------------------------------------- */

typedef struct cl2_hdr {
    uint64_t body; /* first byte after the blank line */
    uint64_t cl;   /* the Content-Length value */
    int have_cl;
} cl2_hdr_t;

/*
 * A "Content-Length:" field line (without its LF): 1 and *val when it holds
 * just a decimal number, -1 when it is this field but malformed, 0 when it is
 * another field.  WSP before the colon is allowed (RFC 5322 4.5 obsolete
 * syntax); a trailing CR belongs to a CRLF line end.
 */
static int parse_content_length(const uint8_t *p, size_t n, uint64_t *val)
{
    static const char name[] = "content-length";
    size_t k = sizeof(name) - 1, i;
    uint64_t v = 0;

    if (n < k || !slice_eq_cstr_nocase(slice_make(p, k), name))
        return 0;
    i = k;
    while (i < n && slice_is_wsp(p[i]))
        i++;
    if (i >= n || p[i] != ':')
        return 0;
    i++;
    while (i < n && slice_is_wsp(p[i]))
        i++;
    size_t digits = i;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
        i++;
    }
    if (i == digits)
        return -1;
    while (i < n && (slice_is_wsp(p[i]) || p[i] == '\r'))
        i++;
    if (i != n)
        return -1;
    *val = v;
    return 1;
}

/*
 * The header block of a cl2 message: IO_CUT_DONE when a blank line ends it
 * (h->body set), CUT_FALLBACK when a From_ line or the end of the data comes
 * first (no body, so Content-Length means nothing), IO_CUT_MORE when the
 * window ends inside it.  Only the first Content-Length field counts.
 */
static int cl2_header(slice_t w, int eof, size_t start, cl2_hdr_t *h)
{
    size_t i = start;
    int seen = 0;

    h->have_cl = 0;
    for (;;) {
        size_t rest = w.n - i;
        if (rest == 0)
            return eof ? CUT_FALLBACK : IO_CUT_MORE;
        if (w.p[i] == '\n') {
            h->body = i + 1;
            return IO_CUT_DONE;
        }
        if (w.p[i] == '\r') {
            if (rest < 2)
                return eof ? CUT_FALLBACK : IO_CUT_MORE;
            if (w.p[i + 1] == '\n') {
                h->body = i + 2;
                return IO_CUT_DONE;
            }
        }
        if (starts_from(w.p + i, rest))
            return CUT_FALLBACK;
        /* A line shorter than 5 bytes with its LF cannot be "From ". */
        const uint8_t *lf = memchr(w.p + i, '\n', rest);
        if (!lf)
            return eof ? CUT_FALLBACK : IO_CUT_MORE;
        size_t j = (size_t)(lf - w.p);
        if (!seen) {
            int r = parse_content_length(w.p + i, j - i, &h->cl);
            if (r) {
                seen = 1;
                h->have_cl = r > 0;
            }
        }
        i = j + 1;
    }
}

/*
 * Does a message ending at e sit where the writer would put it: at the end
 * of the data (optionally with the one extra line end) or just before
 * "\nFrom " ("\r\nFrom " for a CRLF mbox)?  1 valid (*next = the next From_
 * line), 0 not, -1 cannot tell yet.
 */
static int cl2_check_end(slice_t w, int eof, const io_peek_t *peek, uint64_t e,
                         int crlf, uint64_t *next)
{
    uint8_t tmp[8];
    const uint8_t *look;
    size_t have;
    int at_end;

    if (e <= w.n && w.n - e >= 7) {
        look = w.p + e;
        have = 7;
        at_end = 0;
    } else if (eof) {
        if (e > w.n)
            return 0;
        look = w.p + e;
        have = (size_t)(w.n - e);
        at_end = 1;
    } else if (peek && peek->fn) {
        /* From one byte early: no byte at all means e lies past the end. */
        ssize_t got = peek->fn(peek->arg, e - 1, tmp, sizeof(tmp));
        if (got < 0)
            return -1;
        if (got == 0)
            return 0;
        look = tmp + 1;
        have = (size_t)got - 1;
        at_end = have < sizeof(tmp) - 1;
    } else {
        return -1;
    }
    if (at_end && have == 0) {
        *next = e;
        return 1;
    }
    if (at_end && have == 1 && look[0] == '\n') {
        *next = e + 1;
        return 1;
    }
    if (have >= 6 && memcmp(look, "\nFrom ", 6) == 0) {
        *next = e + 1;
        return 1;
    }
    if (crlf && at_end && have == 2 && look[0] == '\r' && look[1] == '\n') {
        *next = e + 2;
        return 1;
    }
    if (crlf && have >= 7 && memcmp(look, "\r\nFrom ", 7) == 0) {
        *next = e + 2;
        return 1;
    }
    return 0;
}

/* Content-Length end of the message at start: IO_CL_* in *how. */
static int cl2_end(slice_t w, int eof, const io_peek_t *peek, size_t start,
                   int crlf, io_cut_state_t *st, io_cut_t *c)
{
    cl2_hdr_t h;
    int r = cl2_header(w, eof, start, &h);
    if (r != IO_CUT_DONE)
        return r;
    if (!h.have_cl || h.cl > UINT64_MAX - 16 - h.body)
        return CUT_FALLBACK;
    uint64_t e = h.body + h.cl;
    if (!st->cl_known) {
        int v = cl2_check_end(w, eof, peek, e, crlf, &st->cl_next);
        if (v < 0) {
            c->cl = IO_CL_PENDING;
            c->body = h.body;
            c->end = e;
            c->need = e + 7;
            return IO_CUT_MORE;
        }
        st->cl_known = v ? 1 : 2;
    }
    /* A file that shrank after a peek: the window is the truth. */
    if (st->cl_known == 1 && eof && st->cl_next > w.n)
        st->cl_known = 2;
    if (st->cl_known != 1)
        return CUT_FALLBACK;
    c->cl = IO_CL_VALID;
    c->body = h.body;
    c->end = e;
    c->next = st->cl_next;
    if (c->next > w.n) {
        c->need = c->next;
        return IO_CUT_MORE;
    }
    return IO_CUT_DONE;
}

/* ---- one message ------------------------------------------------------ */

int io_mbox_cut(slice_t w, int eof, io_mbox_fmt_t fmt, const io_peek_t *peek,
                io_cut_state_t *st, io_cut_t *c)
{
    size_t start;
    int crlf;

    memset(c, 0, sizeof(*c));
    if (st->have_start) {
        start = 0;
        crlf = st->crlf;
    } else {
        if (w.n == 0)
            return eof ? IO_CUT_END : IO_CUT_MORE;
        const uint8_t *lf = memchr(w.p, '\n', w.n);
        if (!lf) {
            if (!eof)
                return IO_CUT_MORE;
            /* A From_ line cut off by the end of the file: an empty message. */
            c->have_start = 1;
            c->start = w.n;
            c->end = c->next = w.n;
            return IO_CUT_DONE;
        }
        start = (size_t)(lf - w.p) + 1;
        crlf = lf > w.p && lf[-1] == '\r';
    }
    c->have_start = 1;
    c->start = start;
    c->crlf = crlf;
    if (fmt == IO_MBOX_CL2 && !st->no_cl) {
        int r = cl2_end(w, eof, peek, start, crlf, st, c);
        if (r != CUT_FALLBACK)
            return r;
        c->cl = IO_CL_NONE;
    }
    return from_cut(w, eof, start, crlf, st, c);
}

/* ---- detection -------------------------------------------------------- */

/*
 * mboxcl2 only when the first message proves it: a Content-Length that lands
 * exactly on a From_ line (or the end) AND a body that holds an unquoted
 * From_ line, which no From_-quoting writer (mboxo, mboxrd) produces.  When
 * the body has none, the From_ rule cuts that message the same way, so
 * nothing is lost by not trusting the header.  Otherwise mboxrd: mboxrd and
 * mboxo un-quote the same lines except "^>>+From ", which an mboxo writer
 * only produces from an original that already had that line quoted, and
 * modern archivers write mboxrd.  --mbox= overrides this guess.
 */
int io_mbox_detect_window(slice_t w, int eof, const io_peek_t *peek,
                          uint64_t *need)
{
    io_cut_state_t st = { 0 };
    io_cut_t c;

    *need = 0;
    if (w.n < 5)
        return (!eof && memcmp(w.p, "From ", w.n) == 0) ? -1 : IO_MBOX_RD;
    if (!starts_from(w.p, w.n))
        return IO_MBOX_RD;
    const uint8_t *lf = memchr(w.p, '\n', w.n);
    if (!lf)
        return eof ? IO_MBOX_RD : -1;
    size_t start = (size_t)(lf - w.p) + 1;
    int crlf = lf > w.p && lf[-1] == '\r';
    memset(&c, 0, sizeof(c));
    int r = cl2_end(w, eof, peek, start, crlf, &st, &c);
    if (r == CUT_FALLBACK)
        return IO_MBOX_RD;
    if (c.cl != IO_CL_VALID) {
        if (eof)
            return IO_MBOX_RD;
        *need = c.need;
        return -1;
    }
    if (c.end > w.n) {
        /* cl2_check_end() never says valid past the end of the data. */
        *need = c.end;
        return eof ? IO_MBOX_RD : -1;
    }
    size_t b = (size_t)c.body, e = (size_t)c.end;
    if (starts_from(w.p + b, e - b) || find_sep(w.p + b, e - b) < e - b)
        return IO_MBOX_CL2;
    return IO_MBOX_RD;
}

/* Offset of the first From_ line (start of data or after a LF), or n. */
static size_t first_from(slice_t s)
{
    if (starts_from(s.p, s.n))
        return 0;
    size_t q = find_sep(s.p, s.n);
    return q < s.n ? q + 1 : s.n;
}

io_mbox_fmt_t io_mbox_detect(slice_t head)
{
    uint64_t need;
    if (!head.p)
        return IO_MBOX_RD;
    size_t off = first_from(head);
    /* The head is taken as the whole file: never "need more". */
    return (io_mbox_fmt_t)io_mbox_detect_window(slice_sub(head, off, head.n), 1,
                                                NULL, &need);
}

void io_mbox_split(slice_t mbox, io_mbox_fmt_t fmt, io_mbox_fn fn, void *arg)
{
    if (!mbox.p)
        return;
    /* Bytes before the first From_ line belong to no message. */
    size_t pos = first_from(mbox);
    if (fmt == IO_MBOX_AUTO)
        fmt = io_mbox_detect(mbox);
    while (pos < mbox.n) {
        io_cut_state_t st = { 0 };
        io_cut_t c;
        slice_t w = slice_sub(mbox, pos, mbox.n);
        if (io_mbox_cut(w, 1, fmt, NULL, &st, &c) != IO_CUT_DONE)
            break;
        fn(arg, slice_make(w.p + c.start, (size_t)(c.end - c.start)),
           (uint64_t)(pos + c.start));
        if (c.next == 0)
            break; /* cannot happen without have_start; never loop */
        pos += (size_t)c.next;
    }
}

/* ---- un-quoting ------------------------------------------------------- */

/*
 * Next quoted line at or after *search: sets *q to the '>' to drop and moves
 * *search past it.  mboxrd: "^>+From " (RFC 4155 variants; one '>' goes);
 * mboxo: only "^>From ".  mboxcl2 never quotes.
 */
static int next_quoted(slice_t msg, io_mbox_fmt_t fmt, size_t *search, size_t *q)
{
    if (fmt == IO_MBOX_CL2)
        return 0;
    while (*search < msg.n) {
        const uint8_t *hit = io_find(msg.p + *search, msg.n - *search, ">From ", 6);
        if (!hit)
            break;
        size_t h = (size_t)(hit - msg.p), s = h;
        if (fmt != IO_MBOX_O)
            while (s > 0 && msg.p[s - 1] == '>')
                s--;
        *search = h + 1;
        if (s == 0 || msg.p[s - 1] == '\n') {
            *q = s;
            return 1;
        }
    }
    *search = msg.n;
    return 0;
}

int io_mbox_needs_unquote(slice_t msg, io_mbox_fmt_t fmt)
{
    size_t search = 0, q;
    if (!msg.p)
        return 0;
    return next_quoted(msg, fmt, &search, &q);
}

size_t io_mbox_unquote(slice_t msg, io_mbox_fmt_t fmt, uint8_t *out)
{
    size_t search = 0, q, from = 0, o = 0;

    if (!msg.p || !next_quoted(msg, fmt, &search, &q))
        return msg.n;
    /*
     * memmove, not memcpy: out may be msg.p.  In place, the bytes written
     * (below o) always lie before the bytes still to be searched and read
     * (from `from` on), since o + (q - from) <= q < search.
     */
    do {
        memmove(out + o, msg.p + from, q - from);
        o += q - from;
        from = q + 1; /* the dropped '>' */
    } while (next_quoted(msg, fmt, &search, &q));
    memmove(out + o, msg.p + from, msg.n - from);
    return o + msg.n - from;
}
