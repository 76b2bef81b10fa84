/*
 * fuzz_mbox.c - the mbox splitter and un-quoting on hostile bytes.
 *
 * 1. io_mbox_split() with every format: each message is a slice of the
 *    input, in order, not overlapping; un-quoting only ever shrinks it, and
 *    only when io_mbox_needs_unquote() says so.
 * 2. io_find(), the vectorized "\nFrom " / ">From " search, answers as
 *    memmem() does.
 * The streaming reader over the same bytes is checked in
 * fuzz_mbox_reader.c: it needs a file and system calls per chunk, which
 * made this target a hundred times slower.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "io_internal.h"

typedef struct seen {
    const uint8_t *base;
    size_t size;
    uint64_t next_min; /* a message may not start before this */
    io_mbox_fmt_t fmt;
    slice_t *msgs;
    uint64_t *offs;
    size_t n, cap;
} seen_t;

static void check_msg(void *arg, slice_t msg, uint64_t offset)
{
    seen_t *s = arg;
    if (offset > s->size || msg.n > s->size - offset || offset < s->next_min)
        abort();
    if (msg.n && msg.p != s->base + offset)
        abort();
    s->next_min = offset + msg.n;

    uint8_t *out = malloc(msg.n ? msg.n : 1);
    if (!out)
        abort();
    int needs = io_mbox_needs_unquote(msg, s->fmt);
    size_t n = io_mbox_unquote(msg, s->fmt, out);
    if (needs ? n >= msg.n : n != msg.n)
        abort();
    if (needs) {
        /* In place (the reader's way) gives the same bytes. */
        uint8_t *ip = malloc(msg.n);
        if (!ip)
            abort();
        memcpy(ip, msg.p, msg.n);
        if (io_mbox_unquote(slice_make(ip, msg.n), s->fmt, ip) != n || memcmp(ip, out, n) != 0)
            abort();
        free(ip);
    }
    free(out);

    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->msgs = realloc(s->msgs, s->cap * sizeof(*s->msgs));
        s->offs = realloc(s->offs, s->cap * sizeof(*s->offs));
        if (!s->msgs || !s->offs)
            abort();
    }
    s->msgs[s->n] = msg;
    s->offs[s->n++] = offset;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)io_mbox_detect(slice_make(data, size));
    if (io_find(data, size, "\nFrom ", 6) != memmem(data, size, "\nFrom ", 6) ||
        io_find(data, size, ">From ", 6) != memmem(data, size, ">From ", 6))
        abort();
    for (io_mbox_fmt_t fmt = IO_MBOX_AUTO; fmt <= IO_MBOX_CL2; fmt++) {
        seen_t s = { .base = data, .size = size, .fmt = fmt };
        if (fmt == IO_MBOX_AUTO)
            s.fmt = io_mbox_detect(slice_make(data, size));
        io_mbox_split(slice_make(data, size), fmt, check_msg, &s);

        free(s.msgs);
        free(s.offs);
    }
    return 0;
}
