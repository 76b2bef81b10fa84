/*
 * buf.c - reference-counted read buffers.
 *
 * A buffer is held by the reader while it reads into it and by every message
 * that is a slice of it; the last release frees it, on whatever thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "io_internal.h"

/*
 * Large buffers (readahead chunks, big messages, un-quoted copies) are kept
 * for reuse rather than freed.  glibc gives a freed megabyte block back to
 * the kernel (munmap or a heap trim), so every new buffer page-faulted all
 * its pages in again: on a 73 MB mbox at -j1 the reader thread spent more
 * time in page faults than in reading.  From POOL_MIN_CAP up, a buffer's
 * whole block is a power of two, so that buffers of one class serve each
 * other; the pool is bounded in count and bytes, the oldest entry makes
 * way, and buffers come back from any thread.  Blocks of 2 MiB and more are
 * aligned and offered to transparent huge pages (madvise mode, Debian's
 * default): one fault per 2 MiB instead of 512.
 */
#define POOL_MIN_CAP ((size_t)256 << 10)
#define HUGE_PAGE ((size_t)2 << 20)
#define POOL_SLOTS 16u
#define POOL_BYTES ((size_t)64 << 20)

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static io_buf_t *pool[POOL_SLOTS];
static unsigned pool_n;
static size_t pool_bytes;

/* The capacity of the smallest power-of-two block that holds cap bytes. */
static size_t pool_class(size_t cap)
{
    size_t block = POOL_MIN_CAP;
    while (block - sizeof(io_buf_t) < cap && block <= SIZE_MAX / 4)
        block *= 2;
    return block - sizeof(io_buf_t);
}

static io_buf_t *block_alloc(size_t cap)
{
    size_t bytes = sizeof(io_buf_t) + (cap ? cap : 1);
    if (bytes < HUGE_PAGE || bytes % HUGE_PAGE)
        return malloc(bytes);
    void *p = aligned_alloc(HUGE_PAGE, bytes);
    if (p)
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: refused is fine */
    return p;
}

static io_buf_t *pool_get(size_t cap)
{
    io_buf_t *b = NULL;
    pthread_mutex_lock(&pool_mu);
    for (unsigned i = pool_n; i-- > 0;) {
        if (pool[i]->cap == cap) {
            b = pool[i];
            pool[i] = pool[--pool_n];
            pool_bytes -= b->cap;
            break;
        }
    }
    pthread_mutex_unlock(&pool_mu);
    return b;
}

static void pool_put(io_buf_t *b)
{
    io_buf_t *old[POOL_SLOTS + 1];
    unsigned nold = 0;
    pthread_mutex_lock(&pool_mu);
    if (b->cap > POOL_BYTES) {
        old[nold++] = b;
    } else {
        while (pool_n && (pool_n == POOL_SLOTS || pool_bytes + b->cap > POOL_BYTES)) {
            old[nold++] = pool[0];
            pool_bytes -= pool[0]->cap;
            pool[0] = pool[--pool_n];
        }
        pool[pool_n++] = b;
        pool_bytes += b->cap;
    }
    pthread_mutex_unlock(&pool_mu);
    while (nold)
        free(old[--nold]);
}

void io_buf_pool_drain(void)
{
    pthread_mutex_lock(&pool_mu);
    while (pool_n)
        free(pool[--pool_n]);
    pthread_mutex_unlock(&pool_mu);
}

io_buf_t *io_buf_new(size_t cap)
{
    if (cap > SIZE_MAX / 4)
        return NULL;
    io_buf_t *b = NULL;
    if (cap >= POOL_MIN_CAP) {
        cap = pool_class(cap);
        b = pool_get(cap);
    }
    if (!b)
        b = block_alloc(cap);
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
    if (cap > SIZE_MAX / 4)
        return NULL;
    if (cap >= POOL_MIN_CAP)
        cap = pool_class(cap);
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
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (b->cap >= POOL_MIN_CAP)
        pool_put(b);
    else
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
