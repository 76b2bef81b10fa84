/*
 * mbox_seen.h - what fuzz_mbox.c and fuzz_mbox_reader.c both check of
 * io_mbox_split(): each message a slice of the input, in order, not
 * overlapping; un-quoting only ever shrinks it, only when
 * io_mbox_needs_unquote() says so, and gives the same bytes in place.
 * The messages are kept (seen_t) for the reader to be compared with.
 */
#ifndef AS_FUZZ_MBOX_SEEN_H
#define AS_FUZZ_MBOX_SEEN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

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

#endif
