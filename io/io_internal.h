/*
 * io_internal.h - shared between the files of io/ only.
 *
 *   buf.c        reference-counted read buffers (io_buf_t)
 *   mbox.c       the mbox cutter: one message at a time over a window of bytes
 *   scan.c       the vectorized search for "\nFrom " and ">From "
 *   read_sync.c  the reading loop (read/pread), the path of --io=sync
 *   read_uring.c io_uring: mbox readahead and batched small-file reads
 *   walk.c       sorted directory listings, maildir detection
 *   gz.c         gzip archives decoded while they are read (zlib)
 *   reader.c     io_reader_t: paths -> sources -> messages
 */
#ifndef AS_IO_INTERNAL_H
#define AS_IO_INTERNAL_H

#include <stdatomic.h>
#include <sys/types.h>

#include "io.h"

/* ---- buffers ---------------------------------------------------------- */

struct io_buf {
    atomic_uint refs; /* the reader's hold plus one per message slicing it */
    size_t cap;
    size_t len;
    uint8_t data[];
};

io_buf_t *io_buf_new(size_t cap);            /* refs = 1, len = 0 */
io_buf_t *io_buf_grow(io_buf_t *b, size_t cap); /* only while refs == 1; NULL on OOM (b kept) */
void io_buf_ref(io_buf_t *b);
void io_buf_unref(io_buf_t *b);
unsigned io_buf_refs(io_buf_t *b);
void io_buf_pool_drain(void);                 /* free the buffers kept for reuse */

/* ---- the mbox cutter -------------------------------------------------- */

/*
 * The cutter looks at a window of an mbox that begins at a From_ line (or,
 * with io_cut_state_t.have_start, at the first byte of a message) and says
 * where that one message starts and ends.  It is used both by io_mbox_split()
 * (window = the whole file, eof = 1) and by the streaming reader (window = the
 * unread part of the current buffer): it answers IO_CUT_DONE only when the
 * answer cannot change with more bytes, so both give identical splits.
 */
enum { IO_CUT_DONE = 0, IO_CUT_MORE = 1, IO_CUT_END = 2 };
enum { IO_CL_NONE = 0, IO_CL_VALID = 1, IO_CL_PENDING = 2 };

/*
 * Bytes beyond the window, for checking where an mboxcl2 Content-Length
 * lands without reading everything before it.  Copies up to n bytes at
 * window-relative offset off; returns the count (short only at end of file)
 * or -1 when it cannot (a pipe).
 */
typedef struct io_peek {
    ssize_t (*fn)(void *arg, uint64_t off, uint8_t *out, size_t n);
    void *arg;
} io_peek_t;

/* Carried between calls for one message; zero it for each new message. */
typedef struct io_cut_state {
    int have_start; /* window begins at the message itself (long From_ line skipped) */
    int crlf;       /* with have_start: that From_ line ended in CRLF */
    int no_cl;      /* cl2: ignore Content-Length for this message */
    int cl_known;   /* cl2: 1 valid, 2 invalid (cached peek result) */
    uint64_t cl_next;
    size_t scan;    /* From_ rule: no separator LF below this offset */
} io_cut_state_t;

/* Offsets are relative to the window; end/next may lie beyond it (IO_CL_VALID). */
typedef struct io_cut {
    int have_start; /* start is known */
    int crlf;       /* the From_ line ended in CRLF */
    int cl;         /* IO_CL_*: how a cl2 Content-Length was judged */
    size_t start;   /* first byte of the message */
    uint64_t body;  /* cl2: first body byte */
    uint64_t end;   /* one past the last byte of the message */
    uint64_t next;  /* the next From_ line (or the end of the data) */
    uint64_t need;  /* IO_CUT_MORE: window length that settles it, 0 = unknown */
} io_cut_t;

int io_mbox_cut(slice_t w, int eof, io_mbox_fmt_t fmt, const io_peek_t *peek,
                io_cut_state_t *st, io_cut_t *c);

/* io_mbox_detect() over a window: the format, or -1 for "need more" (*need
 * = window length that settles it, 0 if unknown).  Never -1 when eof. */
int io_mbox_detect_window(slice_t w, int eof, const io_peek_t *peek, uint64_t *need);

/*
 * First occurrence of needle (len bytes) in p[0..n), or NULL: memmem(), with
 * a vectorized scan for the needle's first two bytes (scan.c).
 */
const uint8_t *io_find(const uint8_t *p, size_t n, const char *needle, size_t len);

/* ---- reading ---------------------------------------------------------- */

/*
 * The reading loop: fill dst with up to want bytes from fd at file offset
 * off (pread) or from the current position (read, when !seekable).  Short
 * *got means end of file.  Returns 0 or an errno value.  This is the one
 * place that touches the kernel for data; an io_uring path replaces it.
 */
int io_read_at(int fd, int seekable, uint64_t off, uint8_t *dst, size_t want,
               size_t *got);

/* Static text for an errno value (strerror is not required to be). */
const char *io_errstr(int err);

/* ---- gzip (gz.c) ------------------------------------------------------ */

typedef struct io_gz io_gz_t;
typedef enum {
    IO_GZ_RUNNING = 0,
    IO_GZ_END,      /* every member decoded and checked */
    IO_GZ_CUT,      /* the file ends inside a member */
    IO_GZ_CORRUPT,  /* invalid data, or a member's CRC/length check failed */
    IO_GZ_BOMB,     /* stopped by the ratio cap */
    IO_GZ_TRAILING, /* non-gzip bytes after a complete member: ignored */
    IO_GZ_NOMEM
} io_gz_state_t;

/* 1 if p starts like a gzip member (ID1 ID2, CM = deflate). */
int io_gz_magic(const uint8_t *p, size_t n);
typedef struct io_gz_opts {
    uint64_t ratio;    /* cap on output per compressed byte, 0: none ... */
    uint64_t free_out; /* ... once this many bytes are out */
    size_t read_size;  /* compressed bytes per read (at most 256 KiB) */
    uint64_t *counter; /* bytes read from the file are added here (or NULL) */
} io_gz_opts_t;

/*
 * A decoder over fd whose first n bytes are first (copied) and whose next
 * read is at file offset n (pread when seekable, else read).  Returns 0 or
 * ENOMEM.
 */
int io_gz_new(io_gz_t **g, int fd, int seekable, const uint8_t *first, size_t n,
              int first_eof, const io_gz_opts_t *o);
/* Up to want decoded bytes; short *got: the end (io_gz_state() says which
 * kind).  Returns 0, or the errno of a failed read of the file (or ENOMEM). */
int io_gz_read(io_gz_t *g, uint8_t *dst, size_t want, size_t *got);
io_gz_state_t io_gz_state(const io_gz_t *g);
/* What went wrong, for a message line; NULL for RUNNING and END. */
const char *io_gz_why(io_gz_state_t st);
void io_gz_free(io_gz_t *g);

/* ---- io_uring (read_uring.c) ------------------------------------------ */

typedef struct io_ur io_ur_t;

/*
 * A ring for one reader.  Returns 0, or the errno value that says why the
 * kernel refused (EPERM, ENOSYS, ENOMEM...); AS_IO_URING_FAIL=EPERM (or
 * ENOSYS, ENOMEM) in the environment simulates a refusal, for tests.
 */
int io_ur_new(io_ur_t **out);
void io_ur_free(io_ur_t *u); /* after every io_ra/io_fp on it is freed */

/*
 * mbox readahead over fd from file offset off: a stream of the file's
 * bytes in buffers of chunk bytes, several reads in flight.  Each buffer
 * has free room in front of its data (lo > 0) for the caller to put the
 * unfinished message of the previous buffer.
 */
typedef struct io_ra io_ra_t;
typedef struct io_ra_view {
    io_buf_t *b;    /* the head buffer (still owned by the readahead) */
    size_t lo, hi;  /* its unconsumed bytes: b->data[lo .. hi) */
    uint64_t off;   /* file offset of b->data[lo] */
    int last;       /* no bytes follow this buffer (end of file or error) */
} io_ra_view_t;

/* What the readahead read with O_DIRECT, and direct reads it had to redo
 * through the page cache; the reader's, summed over its files. */
typedef struct io_direct_stats {
    uint64_t bytes, refused;
} io_direct_stats_t;
io_ra_t *io_ra_new(io_ur_t *u, int fd, uint64_t off, size_t chunk,
                   io_direct_stats_t *st); /* NULL: OOM */
size_t io_ra_chunk(const io_ra_t *ra); /* bytes per read */
/* Waits for the head buffer.  Returns 0 or the errno of its read. */
int io_ra_peek(io_ra_t *ra, io_ra_view_t *v);
/* Give the head buffer to the caller (len = hi); spare (may be NULL, taken)
 * is recycled for the next read when nothing else holds it. */
io_buf_t *io_ra_take(io_ra_t *ra, io_buf_t *spare);
/* Copy the next want bytes of the stream; short *got means the end. */
int io_ra_read(io_ra_t *ra, uint8_t *dst, size_t want, size_t *got);
void io_ra_free(io_ra_t *ra); /* waits for reads in flight */

/*
 * Many small files at once: paths added in order go through openat (a
 * maildir) or lstat then openat (a walk: tree = 1), then one read of the
 * first `first` bytes, all in flight together; io_fp_next hands out results
 * in the order added.  Non-regular entries of a walk, and anything unusual,
 * come back IO_FP_SYNC: read them the pread way.
 */
typedef struct io_fp io_fp_t;
enum { IO_FP_DONE = 1, IO_FP_PART, IO_FP_ERR, IO_FP_SYNC };
typedef struct io_fp_res {
    int state;    /* IO_FP_* */
    int err;      /* IO_FP_ERR: errno of the open or read */
    io_buf_t *b;  /* DONE: the whole file; PART: its first bytes (yours) */
    int fd;       /* PART: open at offset 0, yours to read on and close; else -1 */
} io_fp_res_t;

io_fp_t *io_fp_new(io_ur_t *u, int tree, size_t first); /* NULL: OOM */
/* Add path (malloc'd; handed back by io_fp_next).  -1 when full. */
int io_fp_add(io_fp_t *fp, char *path);
size_t io_fp_count(const io_fp_t *fp);
/* Oldest result (waits); count must be > 0.  Returns its path (yours). */
char *io_fp_next(io_fp_t *fp, io_fp_res_t *res);
void io_fp_free(io_fp_t *fp); /* drops results not yet taken */

/* ---- directories ------------------------------------------------------ */

/* 1 if dir holds a cur/ or new/ directory. */
int io_is_maildir(const char *dir);

/*
 * Names in dir, sorted by strcmp, dotfiles left out, each prefixed with
 * prefix.  With files_only, only regular files (or links to them).
 * Appends to *names / *n.  Returns 0 or an errno value.
 */
int io_list_dir(const char *dir, int files_only, const char *prefix,
                char ***names, size_t *n);

/* dir + "/" + name in a new allocation (NULL on OOM). */
char *io_path_join(const char *dir, const char *name);

#endif
