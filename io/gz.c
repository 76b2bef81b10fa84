/*
 * gz.c - gzip archives decoded as they are read (catalogue A6, RFC 1952).
 *
 * zlib inflates; a deflate decoder of our own would be slower and one more
 * parser of hostile bytes to get right.  What this file adds is what an
 * archive reader needs around inflate():
 *
 *   - every member of a multi-member file (RFC 1952 2.2: "a gzip file
 *     consists of a series of members"; `cat a.gz b.gz` is one), and zero
 *     bytes after the last one ignored, as gzip(1) does (tar pads so);
 *   - a clean end told apart from a cut or damaged one, so the reader can
 *     flag the message the end cuts instead of passing it on as whole;
 *   - a cap on how far the output may outgrow the input: deflate reaches
 *     1032:1, so a 1 MB "bomb" is a gigabyte of work.  Mail does not come
 *     near the cap (every message carries incompressible signatures and
 *     IDs); past free_out bytes of output (the reader passes the largest
 *     message it keeps), decoding stops when the output is more than
 *     `ratio` times the compressed bytes consumed.
 *
 * ISIZE is never used as a size: it is the length mod 2^32 (a 5 GB mbox
 * has a small one); zlib checks it, and the CRC, only in that sense.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "io_internal.h"

/* Compressed bytes per read of the file, at most. */
#define IO_GZ_IN ((size_t)256 << 10)

struct io_gz {
    z_stream zs;
    int fd, seekable;
    int in_eof;         /* no more bytes in the file after zs.next_in */
    int between;        /* a member ended; the next byte says what follows */
    io_gz_state_t state;
    uint64_t off;       /* file offset of the next read */
    uint64_t in_total;  /* compressed bytes consumed */
    uint64_t out_total; /* bytes decoded */
    uint64_t ratio;     /* 0: no cap */
    uint64_t free_out;  /* output never held against the ratio */
    uint64_t *counter;  /* bytes read from the file are added here */
    size_t cap;
    uint8_t *in;
};

int io_gz_magic(const uint8_t *p, size_t n)
{
    /* ID1 ID2 and CM = 8 (deflate), the only method RFC 1952 defines */
    return n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;
}

int io_gz_new(io_gz_t **out, int fd, int seekable, const uint8_t *first, size_t n,
              int first_eof, const io_gz_opts_t *o)
{
    io_gz_t *g = calloc(1, sizeof(*g));
    if (!g)
        return ENOMEM;
    g->cap = o->read_size && o->read_size < IO_GZ_IN ? o->read_size : IO_GZ_IN;
    if (g->cap < n)
        g->cap = n;
    g->in = malloc(g->cap);
    /* 16 + 15: a gzip wrapper only (zlib or raw streams are not archives) */
    if (!g->in || inflateInit2(&g->zs, 16 + MAX_WBITS) != Z_OK) {
        free(g->in);
        free(g);
        return ENOMEM;
    }
    memcpy(g->in, first, n);
    g->zs.next_in = g->in;
    g->zs.avail_in = (uInt)n;
    g->fd = fd;
    g->seekable = seekable;
    g->off = n;
    g->in_eof = first_eof;
    g->ratio = o->ratio;
    g->free_out = o->free_out;
    g->counter = o->counter;
    *out = g;
    return 0;
}

void io_gz_free(io_gz_t *g)
{
    if (!g)
        return;
    inflateEnd(&g->zs);
    free(g->in);
    free(g);
}

io_gz_state_t io_gz_state(const io_gz_t *g)
{
    return g->state;
}

const char *io_gz_why(io_gz_state_t st)
{
    switch (st) {
    case IO_GZ_CUT:
        return "the gzip file is cut short (its data end inside a member)";
    case IO_GZ_CORRUPT:
        return "the gzip data are damaged (bad deflate data, or a failed CRC or "
               "length check)";
    case IO_GZ_BOMB:
        return "gzip decoding stopped: the data expand past --max-gzip-ratio "
               "(a decompression bomb?)";
    case IO_GZ_TRAILING:
        return "bytes that are not gzip data follow the last gzip member; ignored";
    default:
        return NULL;
    }
}

/* More compressed bytes; the file's end sets in_eof.  0 or an errno. */
static int gz_fill(io_gz_t *g)
{
    size_t got;
    int err = io_read_at(g->fd, g->seekable, g->off, g->in, g->cap, &got);

    g->off += got;
    if (g->counter)
        *g->counter += got;
    g->zs.next_in = g->in;
    g->zs.avail_in = (uInt)got;
    if (!err && got < g->cap)
        g->in_eof = 1;
    return err;
}

/* After a member: zeros to the end are padding, another member goes on,
 * anything else is trailing garbage. */
static void gz_between(io_gz_t *g)
{
    while (g->zs.avail_in > 0 && g->zs.next_in[0] == 0) {
        g->zs.next_in++;
        g->zs.avail_in--;
        g->in_total++;
        g->between = 2; /* zeros seen: a member may no longer follow */
    }
    if (g->zs.avail_in == 0) {
        if (g->in_eof)
            g->state = IO_GZ_END;
        return;
    }
    if (g->between == 2 || g->zs.next_in[0] != 0x1f) {
        g->state = IO_GZ_TRAILING;
        return;
    }
    inflateReset(&g->zs); /* a bad header after 0x1f is damage, not garbage */
    g->between = 0;
}

/* One inflate() call into dst; updates the state. */
static size_t gz_step(io_gz_t *g, uint8_t *dst, size_t room)
{
    uInt in0 = g->zs.avail_in;
    uInt out0 = room > UINT_MAX ? UINT_MAX : (uInt)room;

    g->zs.next_out = dst;
    g->zs.avail_out = out0;
    int rc = inflate(&g->zs, Z_NO_FLUSH);
    size_t made = out0 - g->zs.avail_out;
    g->in_total += in0 - g->zs.avail_in;
    g->out_total += made;
    if (rc == Z_STREAM_END) {
        g->between = 1;
    } else if (rc == Z_BUF_ERROR) {
        /* no progress: it needs input (room > 0).  At the end of the file
         * that is a cut; else the caller reads more.  Anything else would
         * spin, so it counts as damage. */
        if (g->zs.avail_in != 0)
            g->state = IO_GZ_CORRUPT;
        else if (g->in_eof)
            g->state = IO_GZ_CUT;
    } else if (rc != Z_OK) {
        g->state = rc == Z_MEM_ERROR ? IO_GZ_NOMEM : IO_GZ_CORRUPT;
    }
    if (g->state == IO_GZ_RUNNING && g->ratio && g->out_total > g->free_out &&
        (g->out_total - g->free_out) / g->ratio > g->in_total)
        g->state = IO_GZ_BOMB;
    return made;
}

int io_gz_read(io_gz_t *g, uint8_t *dst, size_t want, size_t *got)
{
    *got = 0;
    while (*got < want && g->state == IO_GZ_RUNNING) {
        if (g->zs.avail_in == 0 && !g->in_eof) {
            int err = gz_fill(g);
            if (err)
                return err;
            continue;
        }
        if (g->between) {
            gz_between(g); /* may need more bytes first: the loop fills */
            continue;
        }
        *got += gz_step(g, dst + *got, want - *got);
    }
    return g->state == IO_GZ_NOMEM ? ENOMEM : 0;
}
