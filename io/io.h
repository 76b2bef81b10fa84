/*
 * io.h - reading mail archives and cutting them into messages.
 *
 * The reader walks the PATHs it is given in order (a directory recursively,
 * its entries sorted by name so runs are deterministic) and yields one
 * io_msg_t per message.  Message bytes are slices of large, reference-counted
 * read buffers; they stay valid until io_msg_release().  io/ knows nothing
 * about DKIM: it only finds where messages begin and end.
 *
 * Kinds of input:
 *   - mbox (mboxo, mboxrd, mboxcl2): a file whose first line starts "From ".
 *   - maildir: a directory holding cur/ and/or new/ (tmp/ is never read);
 *     each file is one message.
 *   - a single message (.eml or any other regular file not starting "From ").
 *   - a directory that is not a maildir: walked recursively, each file
 *     classified as above.
 *   - "-": standard input, as an mbox if it starts "From ", else one message.
 *   - any of these files gzip-compressed (told by its first bytes, not its
 *     name): decoded as it is read, then classified by the decoded bytes.
 *
 * Line endings are left as stored (LF or CRLF); canonicalization treats a
 * bare LF as CRLF.  The one byte change io/ makes is mbox un-quoting
 * (">From " -> "From "), done in a private copy of the affected message only.
 */
#ifndef AS_IO_H
#define AS_IO_H

#include <stddef.h>
#include <stdint.h>

#include "slice.h"

typedef enum {
    IO_MBOX_AUTO = 0, /* decide per file (see io_mbox_detect) */
    IO_MBOX_O,        /* mboxo: only "^>From " is un-quoted */
    IO_MBOX_RD,       /* mboxrd: "^>+From " loses one '>' */
    IO_MBOX_CL2       /* mboxcl2: Content-Length gives the body size, no quoting */
} io_mbox_fmt_t;

typedef enum { IO_SYNC = 0, IO_URING } io_mode_t;

typedef struct io_opts {
    io_mbox_fmt_t mbox;
    io_mode_t mode;        /* IO_URING falls back to IO_SYNC (one notice on
                              stderr) when the kernel refuses io_uring */
    size_t chunk_size;     /* read size for mbox files; 0 = default (1 MiB);
                              IO_URING keeps 4 reads of at most 1 MiB in flight */
    size_t max_msg_size;   /* larger messages are cut short and flagged
                              (IO_MSG_TRUNCATED); 0 = IO_DEFAULT_MAX_MSG */
    uint64_t max_gz_ratio; /* gzip: past max_msg_size bytes of output, decoding
                              stops when the output exceeds this many times the
                              compressed bytes; 0 = IO_DEFAULT_GZ_RATIO,
                              UINT64_MAX = no cap */
} io_opts_t;

#define IO_DEFAULT_MAX_MSG ((size_t)64 << 20)
#define IO_DEFAULT_GZ_RATIO 100

/* Reference-counted read buffer (opaque). */
typedef struct io_buf io_buf_t;

enum {
    IO_MSG_TRUNCATED = 1u << 0, /* message exceeded max_msg_size; bytes are a prefix */
    IO_MSG_UNQUOTED  = 1u << 1, /* mbox un-quoting changed bytes (private copy) */
    IO_MSG_SHRUNK    = 1u << 2, /* the last message of an mbox that got shorter while
                                   it was read: it ends where the file now ends */
    IO_MSG_DAMAGED   = 1u << 3  /* the message ends where a gzip file's data end
                                   early (cut, damaged, or stopped by the ratio cap);
                                   errstr says which */
};

typedef struct io_msg {
    const char *source;  /* the file the message came from (a maildir message's own file;
                            "-" for stdin); valid for the reader's life */
    uint64_t index;      /* 0-based ordinal of the message within its source */
    uint64_t offset;     /* byte offset of the message (after the From_ line) in the source */
    uint64_t size;       /* size of the message as stored in the source */
    slice_t data;        /* the message bytes (after un-quoting); empty when err != 0 */
    unsigned flags;      /* IO_MSG_* */
    int err;             /* 0, or errno: the source could not be read */
    const char *errstr;  /* static text for err, or for IO_MSG_DAMAGED; else NULL */
    io_buf_t *buf;       /* owner of data; NULL when err != 0 */
} io_msg_t;

typedef struct io_reader io_reader_t;

/* Start reading PATHs.  Returns NULL only on out-of-memory. */
io_reader_t *io_reader_new(const char *const *paths, size_t npaths,
                           const io_opts_t *opts);

/*
 * Next message, in input order.  Returns 1 and fills *m, or 0 at the end.
 * A path that cannot be opened or read yields one io_msg_t with err set
 * (index 0) and the reader moves on; that is never fatal.
 * Not thread-safe: one thread drives a reader.
 */
int io_reader_next(io_reader_t *r, io_msg_t *m);

/* The path in effect: IO_SYNC when asked for, or when io_uring was refused. */
io_mode_t io_reader_mode(const io_reader_t *r);

/* How many paths/files could not be read (for exit code 2). */
size_t io_reader_failures(const io_reader_t *r);

/* Total bytes of input read so far (for progress and the summary). */
uint64_t io_reader_bytes(const io_reader_t *r);
/*
 * Bytes the io_uring mbox readahead read with O_DIRECT (past the page
 * cache), and direct reads the kernel refused and that were read again
 * through it.
 */
void io_reader_direct(const io_reader_t *r, uint64_t *bytes, uint64_t *refused);

void io_reader_free(io_reader_t *r);

/* Drop the message's hold on its buffer.  Safe from any thread. */
void io_msg_release(io_msg_t *m);

/*
 * Split a whole mbox held in memory (for tests and fuzzing): calls fn once per
 * message with its slice and offset.  fmt AUTO is resolved by io_mbox_detect().
 * Un-quoting is not applied here; see io_mbox_unquote().
 */
typedef void (*io_mbox_fn)(void *arg, slice_t msg, uint64_t offset);
void io_mbox_split(slice_t mbox, io_mbox_fmt_t fmt, io_mbox_fn fn, void *arg);

/* Decide the format of an mbox from its first bytes (at least the first message). */
io_mbox_fmt_t io_mbox_detect(slice_t head);

/*
 * Un-quote one message for fmt into out (capacity >= msg.n).  Returns the new
 * length.  Returns msg.n and leaves out untouched if nothing needed changing
 * (io_mbox_needs_unquote() says so without writing).  out may be msg.p: the
 * message is then un-quoted in place (bytes only move towards the start).
 */
int io_mbox_needs_unquote(slice_t msg, io_mbox_fmt_t fmt);
size_t io_mbox_unquote(slice_t msg, io_mbox_fmt_t fmt, uint8_t *out);

#endif
