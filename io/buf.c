/*
 * buf.c - reference-counted read buffers.
 *
 * A buffer is held by the reader while it reads into it and by every message
 * that is a slice of it; the last release frees it, on whatever thread.
 */
#include <stdlib.h>

#include "io_internal.h"

io_buf_t *io_buf_new(size_t cap)
{
    if (cap > SIZE_MAX - sizeof(io_buf_t))
        return NULL;
    io_buf_t *b = malloc(sizeof(*b) + (cap ? cap : 1));
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->cap = cap;
    b->len = 0;
    return b;
}

io_buf_t *io_buf_grow(io_buf_t *b, size_t cap)
{
    if (cap <= b->cap)
        return b;
    if (cap > SIZE_MAX - sizeof(io_buf_t))
        return NULL;
    /* Only the reader holds b (refs == 1), so moving it is safe. */
    io_buf_t *nb = realloc(b, sizeof(*nb) + cap);
    if (!nb)
        return NULL;
    nb->cap = cap;
    return nb;
}

void io_buf_ref(io_buf_t *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

void io_buf_unref(io_buf_t *b)
{
    if (!b)
        return;
    /* acq_rel: the freeing thread must see every write made by the others. */
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

unsigned io_buf_refs(io_buf_t *b)
{
    return atomic_load_explicit(&b->refs, memory_order_acquire);
}

void io_msg_release(io_msg_t *m)
{
    if (!m)
        return;
    io_buf_unref(m->buf);
    m->buf = NULL;
    m->data = SLICE_NULL;
}
