/*
 * read_uring.c - the io_uring reading paths.
 *
 *   io_ur_*  one ring per reader, and a reaper that marks operations done.
 *   io_ra_*  mbox readahead: IO_RA_DEPTH reads of up to 1 MiB queued ahead of
 *            the cutter, handed over in file order.  Each read lands after a
 *            headroom, so a message that runs past the end of one buffer is
 *            stitched by copying only its own bytes in front of the next.
 *            Reads bypass the page cache (O_DIRECT) where they can.
 *   io_fp_*  many small files (maildir, directory trees): up to IO_FP_DEPTH
 *            files at once going through openat (statx first on a walk), one
 *            read into a reused buffer, close, all submitted together;
 *            results are handed out in the order added.
 *
 * Anything unusual (a short read, EAGAIN, a non-regular entry of a walk)
 * is handed back to the pread path, so both paths give the
 * same messages.  The reader falls back to pread entirely when the kernel
 * refuses io_uring (seccomp, old kernels: EPERM, ENOSYS).
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_internal.h"

#define IO_UR_ENTRIES 256u
#define IO_RA_DEPTH 4u
/*
 * Readahead buffers are at most 1 MiB: on a cached 1 GB mbox, 4 reads of
 * 8 MiB ahead ran at 3.0 GB/s (the data left the CPU caches before the
 * splitter got to it), 4 x 1 MiB at 6.4 GB/s, the pread path's speed.
 */
#define IO_RA_CHUNK_MAX ((size_t)1 << 20)
/*
 * Files in flight per batch.  Their read buffers should stay in the CPU's
 * cache until copied out: on a 40,000-file maildir, 16 x 64 KiB ran at
 * 946 MB/s, 64 x 64 KiB at 550 and 8 x 64 KiB at 821 (pread path: 578).
 */
#define IO_FP_DEPTH 16u

/* ---- the ring --------------------------------------------------------- */

/* One operation's completion: the reaper stores res and clears pending. */
typedef struct io_ur_op {
    int res;
    int pending;
} io_ur_op_t;

struct io_ur {
    struct io_uring ring;
    unsigned queued; /* SQEs prepared and not yet submitted */
};

/* AS_IO_URING_FAIL=EPERM|ENOSYS|...: act as a kernel that refuses io_uring. */
static int forced_failure(void)
{
    const char *v = getenv("AS_IO_URING_FAIL");
    if (!v || !*v)
        return 0;
    if (strcmp(v, "ENOSYS") == 0)
        return ENOSYS;
    if (strcmp(v, "ENOMEM") == 0)
        return ENOMEM;
    return EPERM;
}

static int ops_supported(struct io_uring *ring)
{
    static const int need[] = { IORING_OP_READ, IORING_OP_OPENAT, IORING_OP_STATX,
                                IORING_OP_CLOSE };
    struct io_uring_probe *p = io_uring_get_probe_ring(ring);
    int ok = p != NULL;
    for (size_t i = 0; ok && i < sizeof(need) / sizeof(need[0]); i++)
        ok = io_uring_opcode_supported(p, need[i]);
    if (p)
        io_uring_free_probe(p);
    return ok;
}

int io_ur_new(io_ur_t **out)
{
    int err = forced_failure();
    *out = NULL;
    if (err)
        return err;
    io_ur_t *u = calloc(1, sizeof(*u));
    if (!u)
        return ENOMEM;
    int rc = io_uring_queue_init(IO_UR_ENTRIES, &u->ring, 0);
    if (rc < 0) {
        free(u);
        return -rc;
    }
    if (!ops_supported(&u->ring)) {
        io_uring_queue_exit(&u->ring);
        free(u);
        return ENOSYS;
    }
    *out = u;
    return 0;
}

void io_ur_free(io_ur_t *u)
{
    if (!u)
        return;
    io_uring_submit(&u->ring); /* queued closes */
    io_uring_queue_exit(&u->ring);
    free(u);
}

static void reap(io_ur_t *u)
{
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;

    io_uring_for_each_cqe(&u->ring, head, cqe) {
        io_ur_op_t *op = io_uring_cqe_get_data(cqe);
        if (op) {
            op->res = cqe->res;
            op->pending = 0;
        }
        n++;
    }
    io_uring_cq_advance(&u->ring, n);
}

/* Submit what is queued and wait for at least one completion; <0: -errno. */
static int wait_some(io_ur_t *u)
{
    int rc;
    do {
        rc = io_uring_submit_and_wait(&u->ring, 1);
    } while (rc == -EINTR);
    u->queued = 0;
    reap(u);
    return rc;
}

/* An SQE for op (NULL op: nobody waits for it, e.g. a close). */
static struct io_uring_sqe *get_sqe(io_ur_t *u, io_ur_op_t *op)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    while (!sqe) {
        io_uring_submit(&u->ring);
        u->queued = 0;
        reap(u);
        sqe = io_uring_get_sqe(&u->ring);
    }
    u->queued++;
    io_uring_sqe_set_data(sqe, op);
    if (op) {
        op->pending = 1;
        op->res = 0;
    }
    return sqe;
}

/*
 * One wait for op.  A ring that keeps refusing to wait (not a passing
 * EAGAIN/EBUSY) must not spin the reader forever: after three refusals in
 * a row the op is reported failed, and its caller finishes with pread or
 * reports the error, as for any odd result.
 */
static void wait_once(io_ur_t *u, io_ur_op_t *op, int *fails)
{
    int rc = wait_some(u);
    if (rc >= 0 || rc == -EAGAIN || rc == -EBUSY) {
        *fails = 0;
        return;
    }
    if (++*fails >= 3 && op->pending) {
        op->res = rc;
        op->pending = 0;
    }
}

static void wait_op(io_ur_t *u, io_ur_op_t *op)
{
    int fails = 0;
    while (op->pending)
        wait_once(u, op, &fails);
}

/*
 * The rest of a read the kernel cut short (or refused with EAGAIN) done
 * with pread: res is the completion, dst/want/off what was asked.
 * Returns 0 or an errno value; *got is the total.
 */
static int finish_read(int res, int fd, uint64_t off, uint8_t *dst, size_t want,
                       size_t *got)
{
    size_t more;
    if (res < 0 && res != -EAGAIN && res != -EINTR && res != -ECANCELED) {
        *got = 0;
        return -res;
    }
    size_t have = res > 0 ? (size_t)res : 0;
    if (have == want) {
        *got = have;
        return 0;
    }
    int err = io_read_at(fd, 1, off + have, dst + have, want - have, &more);
    *got = have + more;
    return err;
}

/* ---- mbox readahead --------------------------------------------------- */

typedef struct ra_slot {
    io_ur_op_t op;
    io_buf_t *b;
    uint64_t off;  /* file offset of b->data[headroom] */
    size_t lo, hi; /* unconsumed bytes b->data[lo .. hi) once ready */
    int busy;      /* a read is in flight or not yet checked */
    int direct;    /* that read went through dfd */
    int err;
    int last;      /* the stream ends after this slot */
} ra_slot_t;

struct io_ra {
    io_ur_t *u;
    int fd;
    int dfd;            /* the same file opened O_DIRECT, or -1 */
    int no_direct;      /* a direct read was refused: use fd from now on */
    int force_direct;   /* AS_IO_DIRECT=force: skip the alignment checks */
    io_direct_stats_t *st;
    size_t chunk, room;
    uint64_t next_off;  /* where the next queued read starts */
    int stopped;        /* a slot met the end or an error: queue nothing more */
    unsigned head;
    ra_slot_t s[IO_RA_DEPTH];
};

/*
 * O_DIRECT: the device (or, in a VM, the host) writes the data into our
 * buffer, so the reader thread no longer copies every byte out of the page
 * cache.  On the bench corpus that copy and the page-cache lookups were a
 * third of the reader thread's CPU (0.042 -> 0.028 s a run, median of 21),
 * and the reader's CPU is what -jN shares with the workers; on a 4 GB mbox
 * at -j2 the run took 7.2 s instead of 8.0 (cached) or 10.5 (from disk).
 * A large archive read once also stops evicting everything else from the
 * cache.
 * Direct I/O wants the buffer, the length and the offset aligned to the
 * device's block; DIRECT_ALIGN covers 512- and 4096-byte blocks.  Reads it
 * cannot take go to the buffered fd: reads from small or unaligned buffers
 * (small chunks), the rest of a short read, and every read after a direct
 * one was refused (EINVAL: a file system or device with other rules).
 * AS_IO_DIRECT=off reads through the page cache only; AS_IO_DIRECT=force
 * skips the alignment checks, so tests can watch the kernel refuse.
 */
#define DIRECT_ALIGN 4096u

static void ra_direct_open(io_ra_t *ra, uint64_t off)
{
    const char *mode = getenv("AS_IO_DIRECT");
    char path[64];
    ra->dfd = -1;
    ra->force_direct = mode && strcmp(mode, "force") == 0;
    if (mode && strcmp(mode, "off") == 0)
        return;
    if (!ra->force_direct && (off % DIRECT_ALIGN || ra->chunk % DIRECT_ALIGN))
        return;
    /* the same open file, whatever its name is now: not a second lookup */
    snprintf(path, sizeof path, "/proc/self/fd/%d", ra->fd);
    ra->dfd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
}

static int ra_can_direct(const io_ra_t *ra, const uint8_t *dst)
{
    return ra->dfd >= 0 && !ra->no_direct &&
           (ra->force_direct || (uintptr_t)dst % DIRECT_ALIGN == 0);
}

static void ra_queue(io_ra_t *ra, ra_slot_t *sl, io_buf_t *spare)
{
    if (!sl->b || io_buf_refs(sl->b) != 1) {
        io_buf_unref(sl->b);
        sl->b = NULL;
        if (spare && spare->cap >= ra->room + ra->chunk && io_buf_refs(spare) == 1)
            sl->b = spare;
        else {
            io_buf_unref(spare);
            sl->b = io_buf_new(ra->room + ra->chunk);
        }
    } else {
        io_buf_unref(spare);
    }
    sl->lo = sl->hi = ra->room;
    sl->err = 0;
    sl->last = 0;
    sl->off = ra->next_off;
    if (!sl->b) {
        sl->err = ENOMEM;
        sl->busy = 0;
        sl->last = 1;
        ra->stopped = 1;
        return;
    }
    ra->next_off += ra->chunk;
    sl->busy = 1;
    uint8_t *dst = sl->b->data + ra->room;
    sl->direct = ra_can_direct(ra, dst);
    struct io_uring_sqe *sqe = get_sqe(ra->u, &sl->op);
    io_uring_prep_read(sqe, sl->direct ? ra->dfd : ra->fd, dst, (unsigned)ra->chunk,
                       sl->off);
}

io_ra_t *io_ra_new(io_ur_t *u, int fd, uint64_t off, size_t chunk, io_direct_stats_t *st)
{
    io_ra_t *ra = calloc(1, sizeof(*ra));
    if (!ra)
        return NULL;
    ra->u = u;
    ra->fd = fd;

    ra->chunk = chunk > IO_RA_CHUNK_MAX ? IO_RA_CHUNK_MAX : chunk;
    /*
     * Headroom for the tail of a message, about as large as the chunk: a
     * message up to a chunk long is stitched by copying only its tail.  The
     * whole block is then a power of two, a size class of the buffer pool
     * (buf.c), and one huge page when the chunk is 1 MiB.
     */
    ra->room = ra->chunk > 2 * sizeof(io_buf_t) ? ra->chunk - sizeof(io_buf_t) : ra->chunk;
    ra->next_off = off;
    ra->st = st;
    ra_direct_open(ra, off);
    for (unsigned i = 0; i < IO_RA_DEPTH; i++)
        ra_queue(ra, &ra->s[i], NULL);
    return ra;
}

void io_ra_free(io_ra_t *ra)
{
    if (!ra)
        return;
    for (unsigned i = 0; i < IO_RA_DEPTH; i++) {
        wait_op(ra->u, &ra->s[i].op); /* the kernel still writes into b */
        io_buf_unref(ra->s[i].b);
    }
    if (ra->dfd >= 0)
        close(ra->dfd);
    free(ra);
}

/* The head slot, read and checked (waits for it). */
static ra_slot_t *ra_head(io_ra_t *ra)
{
    ra_slot_t *sl = &ra->s[ra->head];
    if (sl->busy) {
        size_t got;
        wait_op(ra->u, &sl->op);
        sl->busy = 0;
        int res = sl->op.res;
        if (sl->direct && res == -EINVAL) {
            /* direct I/O refused here: read this one again, and the rest,
             * through the page cache.  dfd stays open until io_ra_free:
             * reads queued on it may not be submitted yet. */
            ra->no_direct = 1;
            ra->st->refused++;
            res = 0;
        } else if (sl->direct && res > 0) {
            ra->st->bytes += (uint64_t)res;
        }
        sl->err = finish_read(res, ra->fd, sl->off, sl->b->data + ra->room,
                              ra->chunk, &got);
        sl->hi = ra->room + got;
        if (sl->err || got < ra->chunk) {
            sl->last = 1;
            ra->stopped = 1;
        }
    }
    return sl;
}

size_t io_ra_chunk(const io_ra_t *ra)
{
    return ra->chunk;
}

int io_ra_peek(io_ra_t *ra, io_ra_view_t *v)
{
    ra_slot_t *sl = ra_head(ra);
    v->b = sl->b;
    v->lo = sl->lo;
    v->hi = sl->hi;
    v->off = sl->off + (sl->lo - ra->room);
    v->last = sl->last;
    return sl->err;
}

/* Move on from an exhausted head slot (never past the last one). */
static void ra_advance(io_ra_t *ra, io_buf_t *spare)
{
    ra_slot_t *sl = &ra->s[ra->head];
    if (sl->last) {
        io_buf_unref(spare);
        return;
    }
    if (ra->stopped) {
        /* Nothing more will be read: keep the slot empty and final. */
        io_buf_unref(spare);
        sl->lo = sl->hi;
        sl->last = 1;
    } else {
        ra_queue(ra, sl, spare);
    }
    ra->head = (ra->head + 1) % IO_RA_DEPTH;
}

io_buf_t *io_ra_take(io_ra_t *ra, io_buf_t *spare)
{
    ra_slot_t *sl = ra_head(ra);
    io_buf_t *b = sl->b;
    if (!b) {
        io_buf_unref(spare);
        return NULL;
    }
    b->len = sl->hi;
    sl->b = NULL;
    sl->lo = sl->hi;
    ra_advance(ra, spare);
    return b;
}

int io_ra_read(io_ra_t *ra, uint8_t *dst, size_t want, size_t *got)
{
    size_t n = 0;
    while (n < want) {
        ra_slot_t *sl = ra_head(ra);
        if (sl->err) {
            *got = n;
            return sl->err;
        }
        size_t k = sl->hi - sl->lo;
        if (k > want - n)
            k = want - n;
        if (k)
            memcpy(dst + n, sl->b->data + sl->lo, k);
        sl->lo += k;
        n += k;
        if (sl->lo < sl->hi)
            break;
        if (sl->last)
            break;
        ra_advance(ra, NULL);
    }
    *got = n;
    return 0;
}

/* ---- many small files ------------------------------------------------- */

/*
 * A maildir entry is opened and read at once, with no statx: the kernel
 * hands IORING_OP_STATX to a worker thread every time, which cost more than
 * the read (400-file maildir: 316-590 MB/s with statx, pread path 1.5 GB/s).
 * One read of `first` bytes then says it all: fewer bytes is the whole file,
 * else the rest is read the pread way from the fd kept open.  A walk needs
 * lstat semantics (a fifo must not be opened, a linked directory not
 * followed), so there the statx stays.
 */
enum { FP_FREE = 0, FP_STAT, FP_OPEN, FP_READ, FP_DONE };

typedef struct fp_slot {
    io_ur_op_t op;
    char *path;
    struct statx stx;
    int stage;
    int fd;
    uint8_t *scratch; /* `first` bytes, reused by every file of this slot */
    io_buf_t *b;
    io_fp_res_t res;
} fp_slot_t;

struct io_fp {
    io_ur_t *u;
    int tree;       /* lstat semantics first (a walk), else a maildir */
    size_t first;   /* size of the first read */
    uint8_t *scratch; /* IO_FP_DEPTH x first bytes, one block */
    unsigned head, count;
    fp_slot_t s[IO_FP_DEPTH];
};

io_fp_t *io_fp_new(io_ur_t *u, int tree, size_t first)
{
    io_fp_t *fp = calloc(1, sizeof(*fp));
    if (!fp)
        return NULL;
    fp->u = u;
    fp->tree = tree;
    fp->first = first ? first : 1;
    /* One block, so glibc maps it apart from the heap: the many message
     * buffers allocated and freed at the heap's top do not trim and
     * re-fault around it. */
    fp->scratch = malloc(IO_FP_DEPTH * fp->first);
    if (!fp->scratch) {
        free(fp);
        return NULL;
    }
    for (unsigned i = 0; i < IO_FP_DEPTH; i++) {
        fp->s[i].fd = -1;
        fp->s[i].scratch = fp->scratch + i * fp->first;
    }
    return fp;
}

static void fp_close(io_fp_t *fp, fp_slot_t *sl)
{
    if (sl->fd >= 0) {
        struct io_uring_sqe *sqe = get_sqe(fp->u, NULL);
        io_uring_prep_close(sqe, sl->fd);
        sl->fd = -1;
    }
}

static void fp_finish(io_fp_t *fp, fp_slot_t *sl, int state, int err)
{
    memset(&sl->res, 0, sizeof(sl->res));
    sl->res.fd = -1;
    if (state == IO_FP_PART) {
        sl->res.fd = sl->fd; /* the caller reads on and closes it */
        sl->fd = -1;
    } else {
        fp_close(fp, sl);
    }
    if (state != IO_FP_DONE && state != IO_FP_PART) {
        io_buf_unref(sl->b);
        sl->b = NULL;
    }
    sl->res.state = state;
    sl->res.err = err;
    sl->res.b = sl->b;
    sl->b = NULL;
    sl->stage = FP_DONE;
}

static void fp_queue_open(io_fp_t *fp, fp_slot_t *sl)
{
    struct io_uring_sqe *sqe = get_sqe(fp->u, &sl->op);
    io_uring_prep_openat(sqe, AT_FDCWD, sl->path, O_RDONLY | O_CLOEXEC, 0);
    sl->stage = FP_OPEN;
}

static void fp_queue_read(io_fp_t *fp, fp_slot_t *sl)
{
    struct io_uring_sqe *sqe = get_sqe(fp->u, &sl->op);
    io_uring_prep_read(sqe, sl->fd, sl->scratch, (unsigned)fp->first, 0);
    sl->stage = FP_READ;
}

static void fp_read_done(io_fp_t *fp, fp_slot_t *sl, int res)
{
    if (res == -EAGAIN || res == -EINTR || res == -ECANCELED) {
        fp_finish(fp, sl, IO_FP_SYNC, 0); /* refused for now: the pread path */
    } else if (res < 0) {
        fp_finish(fp, sl, IO_FP_ERR, -res);
    } else if (!(sl->b = io_buf_new((size_t)res))) {
        fp_finish(fp, sl, IO_FP_SYNC, 0);
    } else {
        /* Reads land in the slot's buffer, reused and warm in cache; the
         * message gets a copy of exactly its size (a few kB, also from
         * cache) rather than a fresh 64 KiB buffer per file, which faulted
         * in new pages for every file (5x slower). */
        memcpy(sl->b->data, sl->scratch, (size_t)res);
        sl->b->len = (size_t)res;
        fp_finish(fp, sl, (size_t)res == fp->first ? IO_FP_PART : IO_FP_DONE, 0);
    }
}

/* Move one slot on if its operation completed (never waits). */
static void fp_step(io_fp_t *fp, fp_slot_t *sl)
{
    if (sl->stage == FP_FREE || sl->stage == FP_DONE || sl->op.pending)
        return;
    int res = sl->op.res;
    switch (sl->stage) {
    case FP_STAT: /* a walk: only regular files are opened here */
        if (res < 0 || !S_ISREG(sl->stx.stx_mode))
            fp_finish(fp, sl, IO_FP_SYNC, 0);
        else
            fp_queue_open(fp, sl);
        return;
    case FP_OPEN:
        if (res < 0) {
            fp_finish(fp, sl, IO_FP_ERR, -res);
            return;
        }
        sl->fd = res;
        fp_queue_read(fp, sl);
        return;
    case FP_READ:
        fp_read_done(fp, sl, res);
        return;
    default:
        return;
    }
}

int io_fp_add(io_fp_t *fp, char *path)
{
    if (fp->count == IO_FP_DEPTH)
        return -1;
    fp_slot_t *sl = &fp->s[(fp->head + fp->count) % IO_FP_DEPTH];
    memset(&sl->res, 0, sizeof(sl->res));
    sl->path = path;
    sl->fd = -1;
    sl->b = NULL;
    if (fp->tree) {
        struct io_uring_sqe *sqe = get_sqe(fp->u, &sl->op);
        io_uring_prep_statx(sqe, AT_FDCWD, sl->path, AT_SYMLINK_NOFOLLOW,
                            STATX_TYPE, &sl->stx);
        sl->stage = FP_STAT;
    } else {
        fp_queue_open(fp, sl);
    }
    fp->count++;
    return 0;
}

size_t io_fp_count(const io_fp_t *fp)
{
    return fp->count;
}

char *io_fp_next(io_fp_t *fp, io_fp_res_t *res)
{
    fp_slot_t *h = &fp->s[fp->head];
    int fails = 0;
    for (;;) {
        for (unsigned i = 0; i < fp->count; i++)
            fp_step(fp, &fp->s[(fp->head + i) % IO_FP_DEPTH]);
        if (h->stage == FP_DONE)
            break;
        /* bounded like wait_op: the head's op fails after repeated refusals */
        wait_once(fp->u, &h->op, &fails);
    }
    *res = h->res;
    char *path = h->path;
    h->path = NULL;
    h->stage = FP_FREE;
    fp->head = (fp->head + 1) % IO_FP_DEPTH;
    fp->count--;
    /* Reads and closes that became ready go to the kernel in groups: each
     * io_uring_enter costs about as much as a small read (13 us here). */
    if (fp->u->queued >= IO_FP_DEPTH / 2) {
        io_uring_submit(&fp->u->ring);
        fp->u->queued = 0;
    }
    return path;
}

void io_fp_free(io_fp_t *fp)
{
    if (!fp)
        return;
    while (fp->count) {
        io_fp_res_t res;
        free(io_fp_next(fp, &res));
        io_buf_unref(res.b);
        if (res.fd >= 0)
            close(res.fd);
    }
    if (fp->u->queued) {
        io_uring_submit(&fp->u->ring);
        fp->u->queued = 0;
    }
    free(fp->scratch);
    free(fp);
}
