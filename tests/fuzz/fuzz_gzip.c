/*
 * fuzz_gzip.c - gzip archives through the reader (io/gz.c, io/reader.c).
 *
 * The input's last byte picks what is done with the rest (the payload):
 *
 *   bit 0 clear: the payload is the plain archive.  It is compressed here
 *   (two members split where the payload's length says), and the result is
 *   read back: a whole file must give exactly io_mbox_split()'s messages of
 *   the payload (or the payload as one message when it does not start
 *   "From "); a file cut short (bit 2) must give the same messages up to
 *   the last one, that one flagged IO_MSG_DAMAGED, and count one failure.
 *
 *   bit 0 set: the payload itself is the compressed file (after the gzip
 *   magic): whatever it holds, the reader must end, hand out messages no
 *   longer than max_msg_size, and flag only a message that reaches the end.
 *
 * Bit 3 picks a small max_msg_size and ratio cap.  The reading path is
 * always pread: compressed files are read that way on both paths, and a
 * ring set up per input made this target three times slower.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "io.h"
#include "io_internal.h"
#include "mbox_seen.h"

typedef struct out {
    uint8_t *p;
    size_t n, cap;
} out_t;

static void put(out_t *o, const void *p, size_t n)
{
    if (o->n + n > o->cap) {
        o->cap = 2 * (o->n + n) + 64;
        o->p = realloc(o->p, o->cap);
        if (!o->p)
            abort();
    }
    memcpy(o->p + o->n, p, n);
    o->n += n;
}

static void member(out_t *o, const uint8_t *p, size_t n, int level)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    /* a 512-byte window, memLevel 1: small allocations keep this fast */
    if (deflateInit2(&zs, level, Z_DEFLATED, 16 + 9, 1, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&zs, (uLong)n) + 32;
    uint8_t *tmp = malloc(cap);
    if (!tmp)
        abort();
    zs.next_in = (Bytef *)(uintptr_t)p;
    zs.avail_in = (uInt)n;
    zs.next_out = tmp;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    put(o, tmp, zs.total_out);
    free(tmp);
    deflateEnd(&zs);
}

typedef struct want {
    const seen_t *s; /* the split of the payload, or NULL: one message */
    const uint8_t *plain;
    size_t n;
    int cut;
} want_t;

/* Message i read must be the payload's message i (whole files), or, in a
 * cut file, any message but the last must be. */
static void compare(const want_t *w, const io_msg_t *m, size_t i, size_t max)
{
    uint64_t off = w->s ? w->s->offs[i] : 0;
    size_t size = w->s ? w->s->msgs[i].n : w->n;
    if (m->offset != off || m->size != size)
        abort();
    if (m->flags & IO_MSG_UNQUOTED)
        return; /* un-quoting is fuzz_mbox_reader's business */
    size_t k = size < max ? size : max;
    if (m->data.n != k || (k && memcmp(m->data.p, w->plain + off, k) != 0))
        abort();
}

static void read_back(const uint8_t *file, size_t n, const want_t *w, size_t max,
                      uint64_t ratio)
{
    int fd = memfd_create("fuzz_gzip", 0);
    if (fd < 0)
        return;
    if (write(fd, file, n) != (ssize_t)n) {
        close(fd);
        return;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    const char *paths[] = { path };
    /* chunks of 16..524 bytes: messages span them, and the compressed
     * reads (as large as a chunk) stay few; 1-byte chunks made this target
     * a system call per byte, 700 exec/s.  fuzz_mbox_reader covers the
     * tiniest chunks. */
    io_opts_t o = { .mbox = IO_MBOX_RD, .mode = IO_SYNC, .chunk_size = 16 + n % 509,
                    .max_msg_size = max, .max_gz_ratio = ratio };
    io_reader_t *r = io_reader_new(paths, 1, &o);
    if (!r)
        abort();
    io_msg_t m, prev = { 0 };
    size_t i = 0, errs = 0, nmsg = w && w->s ? w->s->n : 1;
    while (io_reader_next(r, &m)) {
        if (errs)
            abort(); /* the error line is the last */
        if (m.err) {
            errs++;
            continue;
        }
        if (m.data.n > max || (prev.buf && (prev.flags & IO_MSG_DAMAGED)))
            abort(); /* only the last message may be flagged */
        if (w && i >= nmsg)
            abort(); /* more messages than the payload has */
        if (w && prev.buf)
            compare(w, &prev, i - 1, max); /* not the last: whole */
        io_msg_release(&prev);
        prev = m;
        i++;
    }
    if (w && !w->cut) {
        if (i != nmsg || errs || io_reader_failures(r) != 0 || (prev.flags & IO_MSG_DAMAGED))
            abort();
        if (prev.buf)
            compare(w, &prev, i - 1, max);
    }
    if (w && w->cut && (io_reader_failures(r) != 1 ||
                        (prev.buf && !(prev.flags & IO_MSG_DAMAGED))))
        abort();
    io_msg_release(&prev);
    io_reader_free(r);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    uint8_t pick = data[size - 1];
    const uint8_t *pl = data;
    size_t n = size - 1;
    size_t max = (pick & 8) ? 16 + n % 97 : (size_t)64 << 20;
    uint64_t ratio = (pick & 8) ? 1 + pick % 5 : 0;
    out_t file = { 0 };

    if (pick & 1) {
        /* Raw deflate data can expand 1032:1; with the default 64 MiB limit
         * (the ratio cap starts past it) one input decoded megabytes.  A
         * limit of a few KiB keeps each run to ~100 times the input. */
        if (!(pick & 8))
            max = 256 + n % 4096;
        put(&file, "\x1f\x8b\x08", 3);
        put(&file, pl, n);
        read_back(file.p, file.n, NULL, max, ratio);
        free(file.p);
        return 0;
    }
    seen_t s = { .base = pl, .size = n, .fmt = IO_MBOX_RD };
    int mbox = n >= 5 && memcmp(pl, "From ", 5) == 0;
    if (mbox)
        io_mbox_split(slice_make(pl, n), IO_MBOX_RD, check_msg, &s);
    size_t split = n ? (pick >> 4) * n / 15 : 0;
    member(&file, pl, split, 1 + pick % 9);
    size_t first = file.n; /* a cut here leaves a whole one-member file */
    member(&file, pl + split, n - split, 6);
    want_t w = { mbox ? &s : NULL, pl, n, 0 };
    /* the ratio cap would be a legitimate stop: only without it */
    read_back(file.p, file.n, &w, max, UINT64_MAX);
    size_t cut = 3 + n % (file.n - 3);
    if ((pick & 4) && cut != first) {
        w.cut = 1;
        read_back(file.p, cut, &w, max, UINT64_MAX);
    }
    free(file.p);
    free(s.msgs);
    free(s.offs);
    return 0;
}
