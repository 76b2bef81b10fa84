/*
 * io_test_util.h - helpers shared by the io/ tests: files in a scratch
 * directory under /tmp, and collecting the output of io_mbox_split().
 */
#ifndef AS_IO_TEST_UTIL_H
#define AS_IO_TEST_UTIL_H

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "io.h"
#include "io_internal.h" /* io_buf_t's capacity, to check the memory bound */

/* ---- the reader under test ---- */

/*
 * Each reader test is built twice: IO_TEST_MODE IO_SYNC (pread) and
 * IO_URING.  The io_uring build skips a test when the kernel refuses
 * io_uring (a seccomp'd container): then only the fallback can be tested.
 */
#ifndef IO_TEST_MODE
#define IO_TEST_MODE IO_SYNC
#endif

static inline io_reader_t *t_reader_new(const char *const *paths, size_t n,
                                        const io_opts_t *o)
{
    io_opts_t x = { 0 };
    if (o)
        x = *o;
    x.mode = IO_TEST_MODE;
    io_reader_t *r = io_reader_new(paths, n, &x);
    assert_non_null(r);
    if (io_reader_mode(r) != IO_TEST_MODE) {
        io_reader_free(r);
        fprintf(stderr, "io_uring refused by this kernel: skipped\n");
        skip();
    }
    return r;
}

/* ---- collected messages ---- */

typedef struct tmsg {
    uint8_t *p; /* own copy */
    size_t n;
    uint64_t offset;
} tmsg_t;

typedef struct tsplit {
    tmsg_t *m;
    size_t n, cap;
} tsplit_t;

static inline void tsplit_cb(void *arg, slice_t msg, uint64_t offset)
{
    tsplit_t *t = arg;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->m = realloc(t->m, t->cap * sizeof(*t->m));
        assert_non_null(t->m);
    }
    tmsg_t *x = &t->m[t->n++];
    x->p = malloc(msg.n ? msg.n : 1);
    assert_non_null(x->p);
    if (msg.n)
        memcpy(x->p, msg.p, msg.n);
    x->n = msg.n;
    x->offset = offset;
}

static inline void tsplit_free(tsplit_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->m[i].p);
    free(t->m);
    memset(t, 0, sizeof(*t));
}

static inline tsplit_t tsplit(const void *p, size_t n, io_mbox_fmt_t fmt)
{
    tsplit_t t = { 0 };
    io_mbox_split(slice_make(p, n), fmt, tsplit_cb, &t);
    return t;
}

/* Message i equals the C string s (byte for byte). */
#define assert_msg(t, i, s, off)                                             \
    do {                                                                     \
        assert_true((i) < (t).n);                                            \
        assert_int_equal((t).m[i].n, sizeof(s) - 1);                         \
        assert_memory_equal((t).m[i].p, (s), sizeof(s) - 1);                 \
        assert_int_equal((t).m[i].offset, (off));                            \
    } while (0)

/*
 * The reader over path ("-": stdin) with o must give exactly the messages
 * io_mbox_split() finds in data (the file's bytes, or what they decode to),
 * and count `bytes` read from the file (UINT64_MAX: not checked).
 */
static inline void t_check_reader(const char *path, const uint8_t *data, size_t n,
                                  const io_opts_t *o, uint64_t bytes)
{
    io_mbox_fmt_t fmt = o->mbox ? o->mbox : io_mbox_detect(slice_make(data, n));
    size_t max = o->max_msg_size ? o->max_msg_size : ((size_t)64 << 20);
    tsplit_t t = tsplit(data, n, fmt);
    const char *paths[1] = { path };
    io_reader_t *r = t_reader_new(paths, 1, o);
    io_msg_t m;
    size_t i = 0;

    assert_non_null(r);
    while (io_reader_next(r, &m)) {
        assert_true(i < t.n);
        assert_int_equal(m.err, 0);
        assert_string_equal(m.source, paths[0]);
        assert_int_equal(m.index, i);
        assert_int_equal(m.offset, t.m[i].offset);
        assert_int_equal(m.size, t.m[i].n);
        slice_t stored = slice_make(t.m[i].p, t.m[i].n < max ? t.m[i].n : max);
        uint8_t *want = malloc(stored.n + 1);
        size_t wn = stored.n;
        unsigned flags = t.m[i].n > max ? IO_MSG_TRUNCATED : 0;
        if (io_mbox_needs_unquote(stored, fmt)) {
            wn = io_mbox_unquote(stored, fmt, want);
            flags |= IO_MSG_UNQUOTED;
        } else if (stored.n) {
            memcpy(want, stored.p, stored.n);
        }
        assert_int_equal(m.flags, flags);
        assert_int_equal(m.data.n, wn);
        if (wn)
            assert_memory_equal(m.data.p, want, wn);
        /* Memory stays within a few chunks plus max_msg_size (and 1 KiB
         * for the From_ line while detecting the format). */
        assert_true(m.buf->cap <= 2 * (max + o->chunk_size + 1024));
        free(want);
        io_msg_release(&m);
        assert_null(m.buf);
        i++;
    }
    assert_int_equal(i, t.n);
    assert_int_equal(io_reader_failures(r), 0);
    if (bytes != UINT64_MAX)
        assert_int_equal(io_reader_bytes(r), bytes);
    io_reader_free(r);
    tsplit_free(&t);
}

/* ---- files ---- */

static inline uint8_t *t_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    uint8_t *b = malloc((size_t)len + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

static inline void t_write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* snprintf into a static-sized buffer the caller gives. */
static inline const char *t_path(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    assert_true(k > 0 && (size_t)k < cap);
    return buf;
}

static inline char *t_mkdtemp(void)
{
    char *d = strdup("/tmp/as-io-test-XXXXXX");
    assert_non_null(d);
    assert_non_null(mkdtemp(d));
    return d;
}

static inline void t_mkdir(const char *p)
{
    assert_int_equal(mkdir(p, 0700), 0);
}

static inline int t_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void t_rmtree(char *d)
{
    nftw(d, t_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(d);
}

#endif
