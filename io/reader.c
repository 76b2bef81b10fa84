/*
 * reader.c - io_reader_t: paths in, messages out.
 *
 *   PATH --stat--> "-" or a file --first bytes "From "?--> mbox source
 *                                                 else --> one message
 *        \-------> directory --cur/ or new/?--> maildir frame (cur/ then new/)
 *                                       else --> walk frame (sorted, recursive)
 *
 * An mbox source reads chunk_size bytes at a time into a reference-counted
 * buffer and asks the cutter (mbox.c) for one message at a time over the
 * unread part of it (the window).  A message that runs past the end of the
 * window is carried: only its bytes move to the front of the next buffer
 * (or of this one when no message holds it), and reading continues after
 * them.  Messages longer than max_msg_size keep a prefix and the rest is
 * skipped, so memory stays at a few chunks plus max_msg_size.
 *
 * With io_uring (read_uring.c) the same logic runs over other byte sources:
 * a seekable mbox reads from a readahead of several chunks in flight, and
 * the files of a maildir or a walked directory are prefetched in batches.
 * Whatever the kernel path cannot settle is done the pread way, so both
 * modes give identical messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_internal.h"

/*
 * 1 MiB, the readahead's read size.  The first read of a file (and every
 * pread-path read) is one chunk; at 8 MiB a -j1 run over the 73 MB bench
 * corpus kept 8 MB more resident (36 -> 28 MB with io_uring, 40 -> 18 MB
 * on the pread path), and fresh pages are what cost on a VM: ~13 us per
 * 4 KiB first touch here.  No slower on either path.
 */
#define IO_DEFAULT_CHUNK ((size_t)1 << 20)
#define IO_DEFAULT_MAX IO_DEFAULT_MAX_MSG
/* Bytes after a message the cutter may look at: "\r\nFrom " and one more. */
#define IO_LOOKAHEAD 8
/* Room for the From_ line before the first message while detecting. */
#define IO_FROMLINE_SLACK ((size_t)1024)
/* io_uring: the first read of each file of a batch (most mail is smaller). */
#define IO_PREFETCH_FIRST ((size_t)64 << 10)
/* Directories nested deeper than this are read without prefetching (each
 * level holds its own batch). */
#define IO_PREFETCH_DEPTH 8
/* The first read must see "From " to tell an mbox from a message. */
#define IO_CLASSIFY_MIN ((size_t)5)
/* Scratch used to count the bytes of an oversized single message. */
#define IO_SKIP_BUF ((size_t)64 << 10)

typedef struct str_node {
    struct str_node *next;
    char s[];
} str_node_t;

typedef struct walk_frame {
    const char *dir; /* kept string */
    char **names;
    size_t n, i;
    int maildir;           /* names are "cur/x", "new/x": one message each */
    uint64_t ordinal;      /* maildir: index of the next message */
    int nerr;              /* listing errors still to report */
    int errs[2];
    const char *err_paths[2];
    io_fp_t *fp;           /* io_uring: names[i .. ahead) are in flight */
    size_t ahead;
} walk_frame_t;

typedef struct mbox_src {
    int active, fd, seekable;
    int own_fd; /* not stdin: close it at the end */
    int eof;   /* buf holds the end of the file */
    int err;   /* a read failed: report it, then stop */
    int dead;
    const char *source;
    io_buf_t *buf;
    size_t pos;       /* window = buf->data[pos .. len) */
    uint64_t base;    /* file offset of buf->data[0] */
    uint64_t rd_off;  /* file offset of the next read */
    uint64_t size_at_start; /* st_size when reading began; 0: not known (a pipe) */
    io_mbox_fmt_t fmt;
    io_cut_state_t st;
    uint64_t index;
    io_ra_t *ra;      /* io_uring readahead from rd_off, or NULL */
    io_gz_t *gz;      /* a gzip file: offsets are of the decoded bytes */
} mbox_src_t;

struct io_reader {
    io_opts_t o;
    const char **paths;
    size_t npaths, next_path;
    walk_frame_t *stack;
    size_t depth, cap;
    mbox_src_t mb;
    str_node_t *strs;
    size_t failures;
    uint64_t bytes;
    io_direct_stats_t direct; /* O_DIRECT reads of the mbox readahead */
    io_ur_t *ur;      /* NULL: the pread path */
};

/* ---- strings that live as long as the reader (io_msg_t.source) -------- */

static const char *keep(io_reader_t *r, const char *s)
{
    size_t n = strlen(s);
    str_node_t *k = malloc(sizeof(*k) + n + 1);
    if (!k)
        return NULL;
    memcpy(k->s, s, n + 1);
    k->next = r->strs;
    r->strs = k;
    return k->s;
}

static int fail(io_reader_t *r, io_msg_t *m, const char *source, uint64_t index,
                int err)
{
    memset(m, 0, sizeof(*m));
    m->source = source ? source : "?";
    m->index = index;
    m->err = err ? err : EIO;
    m->errstr = io_errstr(m->err);
    r->failures++;
    return 1;
}

static int fail_path(io_reader_t *r, io_msg_t *m, const char *path, int err)
{
    return fail(r, m, keep(r, path), 0, err);
}

/* ---- single messages -------------------------------------------------- */

/* First bytes of a file: all of a small regular file, else one chunk. */
static int read_first(io_reader_t *r, int fd, int allow_seek, io_buf_t **bp,
                      int *seekable, int *eof)
{
    struct stat st;
    size_t cap = r->o.chunk_size > IO_CLASSIFY_MIN ? r->o.chunk_size : IO_CLASSIFY_MIN;
    size_t got;

    *seekable = 0;
    if (allow_seek && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        *seekable = 1;
        /* One byte more than the size, so the read itself sees the end. */
        if ((uint64_t)st.st_size < cap)
            cap = (size_t)st.st_size + 1;
    }
    io_buf_t *b = io_buf_new(cap);
    if (!b)
        return ENOMEM;
    int err = io_read_at(fd, *seekable, 0, b->data, cap, &got);
    r->bytes += got;
    b->len = got;
    if (err) {
        io_buf_unref(b);
        return err;
    }
    *eof = got < cap;
    *bp = b;
    return 0;
}

/*
 * A file being read: plain, or decoded from gzip.  Reads count what they
 * took from the file in r->bytes (for a gzip file, compressed bytes: the
 * progress line compares them with the files' sizes).
 */
typedef struct src {
    int fd, seekable;
    io_gz_t *gz;
} src_t;

static int src_read(io_reader_t *r, const src_t *src, uint64_t off, uint8_t *dst,
                    size_t want, size_t *got)
{
    if (src->gz)
        return io_gz_read(src->gz, dst, want, got); /* counts for itself */
    int err = io_read_at(src->fd, src->seekable, off, dst, want, got);
    r->bytes += *got;
    return err;
}

/* Bytes left in src after off, read and thrown away (an oversized message). */
static int count_rest(io_reader_t *r, const src_t *src, uint64_t off, uint64_t *size)
{
    uint8_t *tmp = malloc(IO_SKIP_BUF);
    size_t got;
    int err = 0;

    if (!tmp)
        return ENOMEM;
    do {
        err = src_read(r, src, off, tmp, IO_SKIP_BUF, &got);
        off += got;
    } while (!err && got == IO_SKIP_BUF);
    free(tmp);
    *size = off;
    return err;
}

/* The rest of a one-message file after its first bytes (b, owned) into m. */
static int finish_single(io_reader_t *r, const src_t *src, io_buf_t *b, int eof,
                         io_msg_t *m)
{
    const size_t max = r->o.max_msg_size;
    uint64_t size;
    struct stat st;

    /*
     * A batch read only the first bytes: make room for the whole file at
     * once (no doubling).  A fresh buffer, as read_first() makes, not a
     * realloc: growing a heap block in place made glibc trim and re-fault
     * the heap top for every large file.
     */
    if (!eof && src->seekable && !src->gz && fstat(src->fd, &st) == 0 && st.st_size >= 0 &&
        (uint64_t)st.st_size < max && (size_t)st.st_size + 1 > b->cap) {
        io_buf_t *nb = io_buf_new((size_t)st.st_size + 1);
        if (nb) {
            memcpy(nb->data, b->data, b->len);
            nb->len = b->len;
            io_buf_unref(b);
            b = nb;
        }
    }

    while (!eof && b->len < max) {
        if (b->len == b->cap) {
            size_t nc = b->cap < max / 2 ? b->cap * 2 : max;
            io_buf_t *nb = io_buf_grow(b, nc > b->cap ? nc : b->cap + 1);
            if (!nb) {
                io_buf_unref(b);
                return ENOMEM;
            }
            b = nb;
        }
        size_t want = b->cap - b->len, got;
        int err = src_read(r, src, b->len, b->data + b->len, want, &got);
        b->len += got;
        if (err) {
            io_buf_unref(b);
            return err;
        }
        eof = got < want;
    }
    size = b->len;
    if (!eof) {
        int err = count_rest(r, src, b->len, &size);
        if (err) {
            io_buf_unref(b);
            return err;
        }
    }
    memset(m, 0, sizeof(*m));
    m->buf = b;
    m->size = size;
    m->data = slice_make(b->data, size > max ? max : (size_t)size);
    if (size > max)
        m->flags |= IO_MSG_TRUNCATED;
    return 0;
}

/* ---- gzip files ------------------------------------------------------- */

/*
 * *bp (owned) holds the first bytes of a gzip file: start its decoder and
 * replace *bp with the first decoded chunk (*eof: all of the decoded data).
 * Compressed files are read the pread (or read) way on both paths: inflate,
 * not the reading, is what they cost.  Returns 0 or an errno value.
 */
static int gz_open(io_reader_t *r, int fd, int seekable, io_buf_t **bp, int *eof,
                   io_gz_t **gz)
{
    size_t cap = r->o.chunk_size > IO_CLASSIFY_MIN ? r->o.chunk_size : IO_CLASSIFY_MIN;
    io_gz_opts_t go = {
        .ratio = r->o.max_gz_ratio ? r->o.max_gz_ratio : IO_DEFAULT_GZ_RATIO,
        .free_out = r->o.max_msg_size,
        .read_size = r->o.chunk_size, /* small chunks in tests: small reads */
        .counter = &r->bytes,
    };
    io_buf_t *b = *bp;
    size_t got;

    int err = io_gz_new(gz, fd, seekable, b->data, b->len, *eof, &go);
    io_buf_unref(b);
    *bp = NULL;
    if (err)
        return err;
    b = io_buf_new(cap);
    err = b ? io_gz_read(*gz, b->data, cap, &got) : ENOMEM;
    if (err) {
        if (b)
            io_buf_unref(b);
        io_gz_free(*gz);
        *gz = NULL;
        return err;
    }
    b->len = got;
    *eof = got < cap;
    *bp = b;
    return 0;
}

/*
 * After a one-message file was read from a gzip decoder: a cut or damaged
 * file flags its message (it may be incomplete) and counts as an input not
 * read whole (exit code 2).  Trailing garbage leaves the message whole.
 */
static void gz_single_end(io_reader_t *r, const io_gz_t *gz, const char *path,
                          io_msg_t *m)
{
    io_gz_state_t st = io_gz_state(gz);

    if (st == IO_GZ_END || st == IO_GZ_RUNNING)
        return;
    r->failures++;
    if (st == IO_GZ_TRAILING) {
        fprintf(stderr, "authsweep: %s: %s\n", path, io_gz_why(st));
        return;
    }
    m->flags |= IO_MSG_DAMAGED;
    m->errstr = io_gz_why(st);
}

/* finish_single(), then the end of src's decoder (freed) if it has one. */
static int finish_src(io_reader_t *r, src_t *src, io_buf_t *b, int eof,
                      const char *path, io_msg_t *m)
{
    int err = finish_single(r, src, b, eof, m);
    if (!err && src->gz)
        gz_single_end(r, src->gz, path, m);
    io_gz_free(src->gz);
    return err;
}

/* A one-message file after its first bytes b (owned): into m, decoded
 * first when it is gzip.  Returns 0 or an errno value; closes nothing. */
static int read_single(io_reader_t *r, int fd, int seekable, io_buf_t *b, int eof,
                       const char *path, io_msg_t *m)
{
    src_t src = { fd, seekable, NULL };

    if (io_gz_magic(b->data, b->len)) {
        int err = gz_open(r, fd, seekable, &b, &eof, &src.gz);
        if (err)
            return err;
        src.seekable = 0;
    }
    return finish_src(r, &src, b, eof, path, m);
}

/* ---- mbox sources ----------------------------------------------------- */

static slice_t mb_window(const mbox_src_t *s)
{
    return slice_make(s->buf->data + s->pos, s->buf->len - s->pos);
}

static ssize_t mb_peek(void *arg, uint64_t off, uint8_t *out, size_t n)
{
    mbox_src_t *s = arg;
    size_t got;
    if (io_read_at(s->fd, 1, s->base + s->pos + off, out, n, &got))
        return -1;
    return (ssize_t)got;
}

/*
 * Keep the window (the unfinished message), read more after it.  The
 * window moves to the front of this buffer when nothing else holds it, or
 * to a new one; a message that is longer than a chunk doubles the room each
 * time so its bytes are copied O(1) times each.  target: window length
 * wanted, 0 for "more".
 */
/*
 * io_uring: the next readahead buffer becomes the window when the unread
 * tail fits in its headroom and it holds enough; only the tail is copied.
 * Returns 1 when that was not possible (the caller copies instead).
 */
static int mb_refill_ra(io_reader_t *r, mbox_src_t *s, uint64_t target, int *err)
{
    size_t tail = s->buf->len - s->pos;
    io_ra_view_t v;

    *err = io_ra_peek(s->ra, &v);
    if (*err)
        return 0;
    size_t avail = v.hi - v.lo;
    if (tail > v.lo || avail == 0 || (target && target > tail + avail))
        return 1;
    memcpy(v.b->data + v.lo - tail, s->buf->data + s->pos, tail);
    /* The old buffer goes back to the readahead when no message holds it. */
    io_buf_t *old = s->buf;
    if (io_buf_refs(old) != 1) {
        io_buf_unref(old);
        old = NULL;
    }
    s->buf = io_ra_take(s->ra, old); /* not NULL: the head holds bytes */
    s->pos = v.lo - tail;
    s->base = v.off - v.lo;
    s->rd_off += avail;
    r->bytes += avail;
    s->eof = v.last;
    return 0;
}

/* Fill dst from the file: the readahead when there is one, else pread
 * (or read); a gzip file through its decoder. */
static int mb_read(io_reader_t *r, mbox_src_t *s, uint8_t *dst, size_t want,
                   size_t *got)
{
    if (s->ra) {
        int err = io_ra_read(s->ra, dst, want, got);
        r->bytes += *got;
        return err;
    }
    src_t src = { s->fd, s->seekable, s->gz };
    return src_read(r, &src, s->rd_off, dst, want, got);
}

static int mb_refill(io_reader_t *r, mbox_src_t *s, uint64_t target)
{
    if (r->ur && s->seekable && !s->ra)
        s->ra = io_ra_new(r->ur, s->fd, s->rd_off, r->o.chunk_size,
                          &r->direct); /* NULL: pread */
    if (s->ra) {
        int err;
        if (!mb_refill_ra(r, s, target, &err))
            return err;
    }
    /*
     * With a readahead, this copy is the fallback for a message longer than
     * a readahead buffer's headroom: grow by the readahead's chunk, not by
     * the (larger) pread chunk, so only about the message itself is copied.
     */
    size_t chunk = s->ra ? io_ra_chunk(s->ra) : r->o.chunk_size;
    size_t tail = s->buf->len - s->pos, got;
    size_t cap = tail + (tail > chunk ? tail : chunk);

    if (target > cap)
        cap = (size_t)target;
    if (io_buf_refs(s->buf) == 1 && cap <= s->buf->cap) {
        memmove(s->buf->data, s->buf->data + s->pos, tail);
        s->buf->len = tail;
    } else {
        /* A new buffer rather than a realloc: it comes from the pool (buf.c). */
        io_buf_t *nb = io_buf_new(cap);
        if (!nb)
            return ENOMEM;
        memcpy(nb->data, s->buf->data + s->pos, tail);
        nb->len = tail;
        io_buf_unref(s->buf);
        s->buf = nb;
    }
    s->base += s->pos;
    s->pos = 0;
    size_t want = s->buf->cap - tail;
    int err = mb_read(r, s, s->buf->data + tail, want, &got);
    s->rd_off += got;
    s->buf->len += got;
    if (err)
        return err;
    if (got < want)
        s->eof = 1;
    return 0;
}

/* Continue reading at file offset abs, past the end of the window. */
static int mb_skip_to(io_reader_t *r, mbox_src_t *s, uint64_t abs)
{
    if (abs <= s->base + s->buf->len) {
        s->pos = (size_t)(abs - s->base);
        return 0;
    }
    if (io_buf_refs(s->buf) != 1) {
        io_buf_t *nb = io_buf_new(r->o.chunk_size);
        if (!nb)
            return ENOMEM;
        io_buf_unref(s->buf);
        s->buf = nb;
    }
    s->buf->len = 0;
    s->pos = 0;
    if (s->seekable) {
        r->bytes += abs - s->rd_off; /* skipped counts as consumed */
        s->rd_off = abs;
        io_ra_free(s->ra); /* it read on from the old offset */
        s->ra = NULL;
    }
    while (s->rd_off < abs && !s->eof) {
        uint64_t left = abs - s->rd_off;
        size_t want = left < s->buf->cap ? (size_t)left : s->buf->cap, got;
        int err = mb_read(r, s, s->buf->data, want, &got);
        s->rd_off += got;
        if (err)
            return err;
        s->eof = got < want;
    }
    s->base = s->rd_off;
    return 0;
}

/* Message of size bytes at window offset start; the first max are there. */
static void mb_emit(io_reader_t *r, mbox_src_t *s, size_t start, uint64_t size,
                    io_msg_t *m)
{
    const size_t max = r->o.max_msg_size;
    size_t n = size > max ? max : (size_t)size;
    slice_t d = slice_make(s->buf->data + s->pos + start, n);

    memset(m, 0, sizeof(*m));
    m->source = s->source;
    m->index = s->index++;
    m->offset = s->base + s->pos + start;
    m->size = size;
    if (size > max)
        m->flags |= IO_MSG_TRUNCATED;
    io_buf_ref(s->buf);
    m->buf = s->buf;
    m->data = d;
    if (!io_mbox_needs_unquote(d, s->fmt))
        return;
    /*
     * Un-quote in place: these bytes belong to this message alone and the
     * splitter is done with them, so no copy of the message is needed.
     */
    uint8_t *p = s->buf->data + s->pos + start;
    m->data = slice_make(p, io_mbox_unquote(d, s->fmt, p));
    m->flags |= IO_MSG_UNQUOTED;
}

/*
 * A From_ line longer than max_msg_size: find its LF without keeping the
 * bytes; the window then begins at the message itself.
 */
static int mb_skip_from_line(io_reader_t *r, mbox_src_t *s)
{
    for (;;) {
        slice_t w = mb_window(s);
        /* w.p[0] is the 'F' of "From " or the byte kept for the CR check. */
        const uint8_t *lf = w.n > 1 ? memchr(w.p + 1, '\n', w.n - 1) : NULL;
        if (lf) {
            size_t i = (size_t)(lf - w.p);
            s->st.have_start = 1;
            s->st.crlf = w.p[i - 1] == '\r';
            s->pos += i + 1;
            return 0;
        }
        if (s->eof) {
            s->pos += w.n;
            s->st.have_start = 1;
            s->st.crlf = 0;
            return 0;
        }
        s->pos += w.n - 1;
        int err = mb_refill(r, s, 0);
        if (err)
            return err;
    }
}

/*
 * A From_-rule message longer than max_msg_size: hand out its prefix and
 * look for the next "\nFrom " in the following chunks, keeping only the
 * last 6 bytes of each (5 that may begin a separator, 1 for the CR check).
 * The cutter already ruled out every separator below w.n - 5.
 */
static int mb_emit_scan(io_reader_t *r, mbox_src_t *s, const io_cut_t *c,
                        io_msg_t *m)
{
    slice_t w = mb_window(s);
    uint64_t abs_start = s->base + s->pos + c->start;

    mb_emit(r, s, c->start, UINT64_MAX, m);
    s->pos += w.n - 6;
    for (;;) {
        w = mb_window(s);
        const uint8_t *hit = io_find(w.p + 1, w.n - 1, "\nFrom ", 6);
        if (hit) {
            size_t q = (size_t)(hit - w.p);
            uint64_t end = s->base + s->pos + q;
            if (c->crlf && w.p[q - 1] == '\r')
                end--;
            m->size = end - abs_start;
            s->pos += q + 1;
            break;
        }
        if (s->eof) {
            uint64_t end = s->base + s->pos + w.n;
            if (w.p[w.n - 1] == '\n') {
                end--;
                if (c->crlf && w.p[w.n - 2] == '\r')
                    end--;
            }
            m->size = end - abs_start;
            s->pos += w.n;
            break;
        }
        s->pos += w.n - 6;
        s->err = mb_refill(r, s, 0);
        if (s->err) {
            m->size = s->base + s->buf->len - abs_start; /* as far as we got */
            break;
        }
    }
    memset(&s->st, 0, sizeof(s->st));
    return 1;
}

/* Format for AUTO, once enough of the first message is in the window. */
static int mb_detect(io_reader_t *r, mbox_src_t *s, const io_peek_t *pk)
{
    const uint64_t lim = r->o.max_msg_size + IO_FROMLINE_SLACK;
    slice_t w = mb_window(s);
    uint64_t need;
    int f = io_mbox_detect_window(w, s->eof, pk, &need);

    if (f >= 0) {
        s->fmt = (io_mbox_fmt_t)f;
        return 0;
    }
    if (s->eof || w.n >= lim || need > lim) {
        /* A first message too big to look at whole: mboxrd (see mbox.c). */
        s->fmt = IO_MBOX_RD;
        return 0;
    }
    return mb_refill(r, s, need);
}

/* The cutter wants more than the window: read, skip or truncate. */
static int mb_more(io_reader_t *r, mbox_src_t *s, io_cut_t *c, io_msg_t *m)
{
    const size_t max = r->o.max_msg_size;
    slice_t w = mb_window(s);

    if (!c->have_start) {
        if (w.n > max + IO_LOOKAHEAD)
            s->err = mb_skip_from_line(r, s);
        else
            s->err = mb_refill(r, s, 0);
        return 0;
    }
    uint64_t lim = c->start + max + IO_LOOKAHEAD;
    if (c->cl == IO_CL_VALID) {
        if (c->end - c->start <= max)
            s->err = mb_refill(r, s, c->next);
        else if (w.n < c->start + max)
            s->err = mb_refill(r, s, c->start + max);
        else {
            uint64_t abs_next = s->base + s->pos + c->next;
            mb_emit(r, s, c->start, c->end - c->start, m);
            s->err = mb_skip_to(r, s, abs_next);
            memset(&s->st, 0, sizeof(s->st));
            return 1;
        }
        return 0;
    }
    if (c->cl == IO_CL_PENDING) {
        /* No peeking on a pipe: look only as far as a message may be long. */
        if (c->need <= lim)
            s->err = mb_refill(r, s, c->need);
        else
            s->st.no_cl = 1;
        return 0;
    }
    if (w.n < lim) {
        s->err = mb_refill(r, s, 0);
        return 0;
    }
    if (s->fmt == IO_MBOX_CL2 && !s->st.no_cl) {
        /* A header block longer than max_msg_size: From_ rule. */
        s->st.no_cl = 1;
        return 0;
    }
    return mb_emit_scan(r, s, c, m);
}

/*
 * A message m that reaches the end of the data read: say so when that end
 * is not the archive's own (catalogue A6).  The file got shorter while it
 * was read (rewritten or compacted by a mail client), or its gzip data are
 * cut or damaged: the message is flagged, not passed on as if it were whole.
 */
static void mb_mark_end(const mbox_src_t *s, io_msg_t *m)
{
    if (!s->eof || s->pos != s->buf->len)
        return;
    if (s->rd_off < s->size_at_start)
        m->flags |= IO_MSG_SHRUNK;
    io_gz_state_t st = s->gz ? io_gz_state(s->gz) : IO_GZ_END;
    if (st == IO_GZ_CUT || st == IO_GZ_CORRUPT || st == IO_GZ_BOMB) {
        m->flags |= IO_MSG_DAMAGED;
        m->errstr = io_gz_why(st);
    }
}

/* The end of a source: a gzip file that did not end cleanly gets one line
 * (an input that could not be read whole: exit code 2). */
static int mb_end(io_reader_t *r, mbox_src_t *s, io_msg_t *m)
{
    io_gz_state_t st = s->gz ? io_gz_state(s->gz) : IO_GZ_END;

    if (st == IO_GZ_END || st == IO_GZ_RUNNING)
        return 0;
    s->dead = 1;
    fail(r, m, s->source, s->index, EBADMSG);
    m->errstr = io_gz_why(st);
    return 1;
}

static int mb_next(io_reader_t *r, io_msg_t *m)
{
    mbox_src_t *s = &r->mb;

    for (;;) {
        if (s->err) {
            int err = s->err;
            s->err = 0;
            s->dead = 1;
            return fail(r, m, s->source, s->index, err);
        }
        if (s->dead)
            return 0;
        io_peek_t pk = { s->seekable ? mb_peek : NULL, s };
        if (s->fmt == IO_MBOX_AUTO) {
            s->err = mb_detect(r, s, &pk);
            continue;
        }
        io_cut_t c;
        int rc = io_mbox_cut(mb_window(s), s->eof, s->fmt, &pk, &s->st, &c);
        if (rc == IO_CUT_END)
            return mb_end(r, s, m);
        if (rc == IO_CUT_DONE) {
            mb_emit(r, s, c.start, c.end - c.start, m);
            s->pos += (size_t)c.next;
            memset(&s->st, 0, sizeof(s->st));
            mb_mark_end(s, m);
            return 1;
        }
        if (s->eof)
            return mb_end(r, s, m); /* the cutter settles everything at the end */
        if (mb_more(r, s, &c, m)) {
            mb_mark_end(s, m);
            return 1;
        }
    }
}

static void mb_start(io_reader_t *r, int fd, int own_fd, int seekable,
                     const char *source, io_buf_t *b, int eof, io_gz_t *gz)
{
    mbox_src_t *s = &r->mb;
    memset(s, 0, sizeof(*s));
    s->active = 1;
    s->fd = fd;
    s->own_fd = own_fd;
    s->seekable = seekable;
    s->source = source;
    s->buf = b;
    s->rd_off = b->len;
    s->eof = eof;
    s->fmt = r->o.mbox;
    s->gz = gz;
    struct stat st;
    if (seekable && fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0)
        s->size_at_start = (uint64_t)st.st_size;
}

static void mb_close(io_reader_t *r)
{
    mbox_src_t *s = &r->mb;
    if (!s->active)
        return;
    io_ra_free(s->ra);
    io_gz_free(s->gz);
    io_buf_unref(s->buf);
    if (s->own_fd)
        close(s->fd);
    memset(s, 0, sizeof(*s));
}

/* ---- files and directories -------------------------------------------- */

/*
 * The first bytes b (owned) of a file (source is kept), eof when b holds
 * all of it: an mbox source when they start "From " (returns 0; the source
 * takes fd when own_fd), else one message in m (returns 1; fd is closed
 * when own_fd).  A gzip file is told by its decoded bytes.
 */
static int classify(io_reader_t *r, int fd, int own_fd, int seekable,
                    const char *source, io_buf_t *b, int eof, io_msg_t *m)
{
    io_gz_t *gz = NULL;
    int err = 0;

    if (io_gz_magic(b->data, b->len)) {
        err = gz_open(r, fd, seekable, &b, &eof, &gz);
        seekable = 0; /* decoded bytes: no peeking ahead, no readahead */
    }
    if (!err && b->len >= 5 && memcmp(b->data, "From ", 5) == 0) {
        mb_start(r, fd, own_fd, seekable, source, b, eof, gz);
        return 0;
    }
    if (!err) {
        src_t src = { fd, seekable, gz };
        err = finish_src(r, &src, b, eof, source, m);
    }
    if (own_fd && fd >= 0)
        close(fd);
    if (err)
        return fail(r, m, source, 0, err);
    m->source = source;
    return 1;
}

/* An open file (or stdin, !allow_seek): see classify().  Takes fd, except
 * stdin, which is never closed. */
static int open_stream(io_reader_t *r, int fd, int allow_seek,
                       const char *source, io_msg_t *m)
{
    io_buf_t *b;
    int seekable, eof;
    int err = read_first(r, fd, allow_seek, &b, &seekable, &eof);

    if (err) {
        if (allow_seek)
            close(fd);
        return fail(r, m, source, 0, err);
    }
    return classify(r, fd, allow_seek, seekable, source, b, eof, m);
}

static int open_file(io_reader_t *r, const char *kept, io_msg_t *m)
{
    int fd = open(kept, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(r, m, kept, 0, errno);
    return open_stream(r, fd, 1, kept, m);
}

static int push_frame(io_reader_t *r, const walk_frame_t *f)
{
    if (r->depth == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 8;
        walk_frame_t *ns = realloc(r->stack, nc * sizeof(*ns));
        if (!ns)
            return ENOMEM;
        r->stack = ns;
        r->cap = nc;
    }
    r->stack[r->depth++] = *f;
    return 0;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* List maildir/sub; a missing sub is fine (cur/ or new/ may be absent). */
static void list_maildir_sub(io_reader_t *r, walk_frame_t *f, const char *sub)
{
    char prefix[8];
    char *p = io_path_join(f->dir, sub);

    snprintf(prefix, sizeof(prefix), "%s/", sub);
    int err = p ? io_list_dir(p, 1, prefix, &f->names, &f->n) : ENOMEM;
    if (err && err != ENOENT) {
        f->errs[f->nerr] = err;
        f->err_paths[f->nerr] = p ? keep(r, p) : f->dir;
        f->nerr++;
    }
    free(p);
}

/* A directory (dir is kept): a maildir, or a tree to walk. */
static int start_dir(io_reader_t *r, const char *dir, io_msg_t *m)
{
    walk_frame_t f = { 0 };

    f.dir = dir;
    if (io_is_maildir(dir)) {
        f.maildir = 1;
        list_maildir_sub(r, &f, "cur");
        list_maildir_sub(r, &f, "new");
    } else {
        int err = io_list_dir(dir, 0, "", &f.names, &f.n);
        if (err) {
            free_names(f.names, f.n);
            return fail(r, m, dir, 0, err);
        }
    }
    if (r->ur && r->depth < IO_PREFETCH_DEPTH)
        f.fp = io_fp_new(r->ur, !f.maildir, IO_PREFETCH_FIRST); /* NULL: pread */
    if (push_frame(r, &f)) {
        io_fp_free(f.fp);
        free_names(f.names, f.n);
        return fail(r, m, dir, 0, ENOMEM);
    }
    return 0;
}

/*
 * A maildir message is named by its file: that is what a user opens next,
 * and the ordinal in a listing is not stable as mail arrives.
 */
static int maildir_name(io_reader_t *r, walk_frame_t *f, const char *path,
                        uint64_t index, io_msg_t *m)
{
    const char *kept = keep(r, path);
    m->source = kept ? kept : f->dir;
    m->index = kept ? 0 : index;
    return 1;
}

static int maildir_file(io_reader_t *r, walk_frame_t *f, const char *path,
                        io_msg_t *m)
{
    uint64_t index = f->ordinal++;
    io_buf_t *b;
    int seekable, eof;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return fail_path(r, m, path, errno);
    int err = read_first(r, fd, 1, &b, &seekable, &eof);
    if (!err)
        err = read_single(r, fd, seekable, b, eof, path, m);
    close(fd);
    if (err)
        return fail_path(r, m, path, err);
    return maildir_name(r, f, path, index, m);
}

/* One entry of a walked (non-maildir) directory. */
static int walk_entry(io_reader_t *r, const char *path, io_msg_t *m)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return fail_path(r, m, path, errno);
    if (S_ISLNK(st.st_mode)) {
        if (stat(path, &st) != 0)
            return fail_path(r, m, path, errno);
        if (S_ISDIR(st.st_mode))
            return 0; /* a symlinked directory may loop back: not followed */
    } else if (S_ISDIR(st.st_mode)) {
        const char *kept = keep(r, path);
        return kept ? start_dir(r, kept, m) : fail(r, m, NULL, 0, ENOMEM);
    }
    if (!S_ISREG(st.st_mode))
        return 0; /* fifos, sockets, devices met on a walk are not archives */
    const char *kept = keep(r, path);
    return kept ? open_file(r, kept, m) : fail(r, m, NULL, 0, ENOMEM);
}

/* ---- prefetched entries (io_uring) ------------------------------------ */

/* Keep the frame's batch full, in name order. */
static void prefetch_fill(walk_frame_t *f)
{
    while (f->ahead < f->n) {
        char *path = io_path_join(f->dir, f->names[f->ahead]);
        if (!path)
            return; /* the pread path reports the ENOMEM */
        if (io_fp_add(f->fp, path) != 0) {
            free(path);
            return;
        }
        f->ahead++;
    }
}

/*
 * A file's first bytes read by the batch (b, owned; fd -1 when b holds the
 * whole file, else open for the rest): classify it like open_stream().
 */
static int walk_file_read(io_reader_t *r, const char *path, io_buf_t *b, int fd,
                          io_msg_t *m)
{
    const char *kept = keep(r, path);
    if (!kept) {
        io_buf_unref(b);
        if (fd >= 0)
            close(fd);
        return fail(r, m, NULL, 0, ENOMEM);
    }
    r->bytes += b->len;
    /* With the whole file in b the source never reads: fd -1 unused. */
    return classify(r, fd, fd >= 0, 1, kept, b, fd < 0, m);
}

/* The next entry of a frame whose batch holds it. */
static int walk_prefetched(io_reader_t *r, walk_frame_t *f, io_msg_t *m)
{
    io_fp_res_t res;
    int rc, maildir = f->maildir;
    char *path = io_fp_next(f->fp, &res);

    f->i++;
    /* f is not used after this: walk_entry may grow the stack. */
    if (res.state == IO_FP_SYNC) {
        rc = maildir ? maildir_file(r, f, path, m) : walk_entry(r, path, m);
    } else if (res.state == IO_FP_ERR) {
        if (maildir)
            f->ordinal++;
        rc = fail_path(r, m, path, res.err);
    } else if (maildir) {
        uint64_t index = f->ordinal++;
        r->bytes += res.b->len;
        int err = read_single(r, res.fd, 1, res.b, res.fd < 0, path, m);
        if (res.fd >= 0)
            close(res.fd);
        rc = err ? fail_path(r, m, path, err) : maildir_name(r, f, path, index, m);
    } else {
        rc = walk_file_read(r, path, res.b, res.fd, m);
    }
    free(path);
    return rc;
}

static int walk_step(io_reader_t *r, io_msg_t *m)
{
    walk_frame_t *f = &r->stack[r->depth - 1];

    if (f->nerr) {
        int err = f->errs[0];
        const char *p = f->err_paths[0];
        f->errs[0] = f->errs[1];
        f->err_paths[0] = f->err_paths[1];
        f->nerr--;
        return fail(r, m, p, 0, err);
    }
    if (f->i == f->n) {
        io_fp_free(f->fp);
        free_names(f->names, f->n);
        r->depth--;
        return 0;
    }
    if (f->fp) {
        prefetch_fill(f);
        if (f->i < f->ahead)
            return walk_prefetched(r, f, m);
        f->ahead = f->i + 1; /* this one goes the pread way */
    }
    char *path = io_path_join(f->dir, f->names[f->i++]);
    if (!path)
        return fail(r, m, f->dir, 0, ENOMEM);
    /* f is not used after this: walk_entry may grow the stack. */
    int rc = f->maildir ? maildir_file(r, f, path, m) : walk_entry(r, path, m);
    free(path);
    return rc;
}

static int start_path(io_reader_t *r, const char *kept, io_msg_t *m)
{
    struct stat st;

    if (strcmp(kept, "-") == 0)
        return open_stream(r, 0, 0, kept, m);
    if (stat(kept, &st) != 0)
        return fail(r, m, kept, 0, errno);
    if (S_ISDIR(st.st_mode))
        return start_dir(r, kept, m);
    return open_file(r, kept, m);
}

/* ---- the public face -------------------------------------------------- */

/* The kernel may refuse io_uring (seccomp in containers, old kernels): say
 * so once per process and read with pread. */
static void start_uring(io_reader_t *r)
{
    static atomic_int told;
    int err = io_ur_new(&r->ur);

    if (!err)
        return;
    r->o.mode = IO_SYNC;
    if (!atomic_exchange(&told, 1))
        fprintf(stderr, "authsweep: io_uring unavailable (%s); reading with pread\n",
                strerror(err));
}

io_reader_t *io_reader_new(const char *const *paths, size_t npaths,
                           const io_opts_t *opts)
{
    io_reader_t *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    if (opts)
        r->o = *opts;
    if (!r->o.chunk_size)
        r->o.chunk_size = IO_DEFAULT_CHUNK;
    if (!r->o.max_msg_size)
        r->o.max_msg_size = IO_DEFAULT_MAX;
    r->paths = calloc(npaths ? npaths : 1, sizeof(*r->paths));
    if (!r->paths)
        goto oom;
    for (size_t i = 0; i < npaths; i++) {
        r->paths[i] = keep(r, paths[i] ? paths[i] : "");
        if (!r->paths[i])
            goto oom;
    }
    r->npaths = npaths;
    if (r->o.mode == IO_URING)
        start_uring(r);
    return r;
oom:
    io_reader_free(r);
    return NULL;
}

int io_reader_next(io_reader_t *r, io_msg_t *m)
{
    memset(m, 0, sizeof(*m));
    for (;;) {
        if (r->mb.active) {
            if (mb_next(r, m))
                return 1;
            mb_close(r);
        } else if (r->depth > 0) {
            if (walk_step(r, m))
                return 1;
        } else if (r->next_path < r->npaths) {
            if (start_path(r, r->paths[r->next_path++], m))
                return 1;
        } else {
            return 0;
        }
    }
}

io_mode_t io_reader_mode(const io_reader_t *r)
{
    return r->ur ? IO_URING : IO_SYNC;
}

size_t io_reader_failures(const io_reader_t *r)
{
    return r->failures;
}

uint64_t io_reader_bytes(const io_reader_t *r)
{
    return r->bytes;
}

void io_reader_direct(const io_reader_t *r, uint64_t *bytes, uint64_t *refused)
{
    *bytes = r->direct.bytes;
    *refused = r->direct.refused;
}

void io_reader_free(io_reader_t *r)
{
    if (!r)
        return;
    mb_close(r);
    while (r->depth > 0) {
        walk_frame_t *f = &r->stack[--r->depth];
        io_fp_free(f->fp);
        free_names(f->names, f->n);
    }
    free(r->stack);
    free(r->paths);
    while (r->strs) {
        str_node_t *k = r->strs;
        r->strs = k->next;
        free(k);
    }
    io_ur_free(r->ur); /* last: the readahead and batches used it */
    free(r);
    io_buf_pool_drain(); /* messages still held come back to it and are kept */
}
