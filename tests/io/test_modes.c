/*
 * test_modes.c - the pread path and the io_uring path give identical
 * messages (bytes, offsets, sizes, indices, sources, flags, errors) on every
 * kind of input; io_uring splits right at every buffer boundary; a refused
 * io_uring falls back to pread with one notice; the readahead's O_DIRECT
 * reads, and direct reads the kernel refuses, change nothing.
 */
#include <errno.h>
#include <fcntl.h>

#include "io_test_util.h"

#define L(s) (sizeof(s) - 1)
#define FL "From alice@example.org Mon Jan  1 00:00:00 2024\n"
#define FLC "From bob@example.org Mon Jan  1 00:00:00 2024\r\n"

static const char mixed[] =
    FL "A: 1\n\nbody\n>From quoted\n" "\n"
    FL "\n"
    FL "A: 3\n\nno newline" "\n"
    FLC "A: 4\r\n\r\nx\r\n" "\r\n"
    FL "A: 5\r\n\r\ncrlf body\r\n" "\n"
    FL "A: 6\n\n>>From deep\nend\n" "\n";

static const char cl2[] =
    FL "Content-Length: 12\n\nFrom inside\n" "\n"
    FL "A: 2\n\nplain\n" "\n"
    FL "Content-Length: 3\n\nFrom x\n" "\n"
    FL "Content-Length: 20\n\nFrom a\nFrom b\nFrom c\n" "\n";

/* ---- one run, recorded ---- */

typedef struct rec {
    char *source;
    uint64_t index, offset, size;
    unsigned flags;
    int err;
    uint8_t *p;
    size_t n;
} rec_t;

typedef struct run {
    rec_t *m;
    size_t n, cap;
    size_t failures;
    uint64_t bytes;
    uint64_t direct, refused; /* io_reader_direct() */
    io_mode_t mode;
} run_t;

static run_t read_all(const char *const *paths, size_t np, const io_opts_t *o,
                      io_mode_t mode)
{
    run_t t = { 0 };
    io_opts_t x = *o;
    io_msg_t m;
    x.mode = mode;
    io_reader_t *r = io_reader_new(paths, np, &x);
    assert_non_null(r);
    t.mode = io_reader_mode(r);
    while (io_reader_next(r, &m)) {
        if (t.n == t.cap) {
            t.cap = t.cap ? 2 * t.cap : 64;
            t.m = realloc(t.m, t.cap * sizeof(*t.m));
            assert_non_null(t.m);
        }
        rec_t *e = &t.m[t.n++];
        e->source = strdup(m.source);
        e->index = m.index;
        e->offset = m.offset;
        e->size = m.size;
        e->flags = m.flags;
        e->err = m.err;
        e->n = m.data.n;
        e->p = malloc(m.data.n + 1);
        assert_non_null(e->p);
        if (m.data.n)
            memcpy(e->p, m.data.p, m.data.n);
        assert_true(m.err == 0 || m.buf == NULL);
        io_msg_release(&m);
    }
    t.failures = io_reader_failures(r);
    t.bytes = io_reader_bytes(r);
    io_reader_direct(r, &t.direct, &t.refused);
    io_reader_free(r);
    return t;
}

static void run_free(run_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->m[i].source);
        free(t->m[i].p);
    }
    free(t->m);
}

static void assert_same(const run_t *a, const run_t *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const rec_t *x = &a->m[i], *y = &b->m[i];
        assert_string_equal(x->source, y->source);
        assert_int_equal(x->index, y->index);
        assert_int_equal(x->offset, y->offset);
        assert_int_equal(x->size, y->size);
        assert_int_equal(x->flags, y->flags);
        assert_int_equal(x->err, y->err);
        assert_int_equal(x->n, y->n);
        if (x->n)
            assert_memory_equal(x->p, y->p, x->n);
    }
    assert_int_equal(a->failures, b->failures);
    assert_int_equal(a->bytes, b->bytes);
}

/* Both modes on paths; the uring one must really use io_uring. */
static void compare_modes(const char *const *paths, size_t np, const io_opts_t *o,
                          size_t want_msgs)
{
    run_t s = read_all(paths, np, o, IO_SYNC);
    run_t u = read_all(paths, np, o, IO_URING);
    assert_int_equal(s.mode, IO_SYNC);
    if (u.mode != IO_URING) {
        run_free(&s);
        run_free(&u);
        fprintf(stderr, "io_uring refused by this kernel: skipped\n");
        skip();
    }
    if (want_msgs)
        assert_int_equal(s.n, want_msgs);
    assert_same(&s, &u);
    run_free(&s);
    run_free(&u);
}

/* ---- the inputs ---- */

static void put(const char *dir, const char *rel, const void *p, size_t n)
{
    char path[512];
    t_write_file(t_path(path, sizeof(path), "%s/%s", dir, rel), p, n);
}

static void put_s(const char *dir, const char *rel, const char *s)
{
    put(dir, rel, s, strlen(s));
}

static void sub(const char *dir, const char *rel)
{
    char p[512];
    t_mkdir(t_path(p, sizeof(p), "%s/%s", dir, rel));
}

/* A ~300 kB mbox (bigger than a prefetched file) of 70-byte lines. */
static uint8_t *long_mbox(size_t *n)
{
    size_t cap = 320000, k = 0;
    uint8_t *b = malloc(cap);
    assert_non_null(b);
    for (int msg = 0; k < cap - 2000; msg++) {
        k += (size_t)sprintf((char *)b + k, FL "Subject: %d\n\n", msg);
        size_t len = (size_t)(msg * 997) % 9000;
        for (size_t i = 0; i < len; i++)
            b[k++] = (i + 1) % 70 ? (uint8_t)('a' + (i + (size_t)msg) % 26) : '\n';
        memcpy(b + k, "\n\n", 2);
        k += 2;
        if (msg % 7 == 3)
            k += (size_t)sprintf((char *)b + k, FL "A: q\n\n>From here\n\n");
    }
    *n = k;
    return b;
}

/* Every kind of input under d; fills paths (returns how many). */
static size_t build_inputs(const char *d, const char **paths, char bufs[][512])
{
    char p[1024];
    size_t n = 0, len;

    put_s(d, "mixed.mbox", mixed);
    put_s(d, "cl2.mbox", cl2);
    uint8_t *lm = long_mbox(&len);
    put(d, "long.mbox", lm, len);
    free(lm);
    uint8_t *ps = t_read_file(t_path(p, sizeof(p), "%s/peer-sample.mbox", IO_TEST_DATA), &len);
    put(d, "peer.mbox", ps, len);
    free(ps);
    /* A maildir of the peer-signed sample, plus an empty file. */
    sub(d, "md");
    sub(d, "md/cur");
    sub(d, "md/new");
    for (int k = 0; k < 6; k++) {
        char rel[64];
        uint8_t *e = t_read_file(t_path(p, sizeof(p), "%s/peer-sample/%d.eml", IO_TEST_DATA, k), &len);
        snprintf(rel, sizeof(rel), "md/%s/17000000%02d.M%dP1.host:2,S", k % 2 ? "new" : "cur", k, k);
        put(d, rel, e, len);
        free(e);
    }
    put_s(d, "md/cur/empty", "");
    /* A tree: nested dirs, an mbox, messages, links, a dangling link, a fifo. */
    sub(d, "tree");
    sub(d, "tree/a");
    sub(d, "tree/a/b");
    put_s(d, "tree/a/x.mbox", mixed);
    put_s(d, "tree/a/b/y.eml", "Subject: y\n\nFrom y\n");
    put_s(d, "tree/z.eml", "Subject: z\r\n\r\nz\r\n");
    put_s(d, "tree/empty.eml", "");
    put_s(d, "tree/short", "From");
    lm = long_mbox(&len);
    put(d, "tree/big.mbox", lm, len);
    put(d, "tree/big.eml", lm + L(FL), len - L(FL));
    put(d, "md/new/big", lm + L(FL), len - L(FL)); /* more than one batch read */
    free(lm);
    assert_int_equal(symlink("z.eml", t_path(p, sizeof(p), "%s/tree/link.eml", d)), 0);
    assert_int_equal(symlink("nowhere", t_path(p, sizeof(p), "%s/tree/dangling.eml", d)), 0);
    assert_int_equal(symlink("a", t_path(p, sizeof(p), "%s/tree/dirlink", d)), 0);
    assert_int_equal(mkfifo(t_path(p, sizeof(p), "%s/tree/fifo", d), 0600), 0);
    sub(d, "tree/md");
    sub(d, "tree/md/new");
    put_s(d, "tree/md/new/1", "maildir in a tree\n");

    static const char *const rel[] = { "mixed.mbox", "cl2.mbox", "long.mbox", "peer.mbox",
                                       "md", "tree", "missing.mbox", "md/cur/empty",
                                       "missing-dir/x" };
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
        paths[n++] = t_path(bufs[i], 512, "%s/%s", d, rel[i]);
    return n;
}

/* ---- tests ---- */

/* Runs first: the notice is printed once per process. */
static void refused_io_uring_falls_back_with_one_notice(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char bufs[16][512], errf[600];
    const char *paths[16];
    size_t np = build_inputs(d, paths, bufs);
    io_opts_t o = { .chunk_size = 100 };

    run_t s = read_all(paths, np, &o, IO_SYNC);
    int saved = dup(2);
    int fd = open(t_path(errf, sizeof(errf), "%s/stderr", d), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    assert_int_equal(dup2(fd, 2), 2);
    assert_int_equal(setenv("AS_IO_URING_FAIL", "EPERM", 1), 0);
    for (int k = 0; k < 3; k++) {
        run_t u = read_all(paths, np, &o, IO_URING);
        assert_int_equal(u.mode, IO_SYNC);
        assert_same(&s, &u);
        run_free(&u);
    }
    unsetenv("AS_IO_URING_FAIL");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    size_t n;
    uint8_t *txt = t_read_file(errf, &n);
    static const char want[] =
        "authsweep: io_uring unavailable (Operation not permitted); reading with pread\n";
    assert_int_equal(n, L(want));
    assert_memory_equal(txt, want, n);
    free(txt);
    run_free(&s);
    t_rmtree(d);
}

static void both_modes_give_identical_messages_on_every_input(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char bufs[16][512];
    const char *paths[16];
    size_t np = build_inputs(d, paths, bufs);
    static const size_t chunks[] = { 7, 64, 1000, 70000, 0 };
    static const size_t maxes[] = { 0, 1000, 50000 };

    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
        for (size_t x = 0; x < sizeof(maxes) / sizeof(maxes[0]); x++)
            for (io_mbox_fmt_t f = IO_MBOX_AUTO; f <= IO_MBOX_CL2; f++) {
                io_opts_t o = { .mbox = f, .chunk_size = chunks[c], .max_msg_size = maxes[x] };
                compare_modes(paths, np, &o, 0);
            }
    /* Each path on its own too (sources and indices start afresh). */
    for (size_t i = 0; i < np; i++) {
        io_opts_t o = { .chunk_size = 512 };
        compare_modes(&paths[i], 1, &o, 0);
    }
    t_rmtree(d);
}

static void both_modes_agree_on_the_peer_sample_counts(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char bufs[16][512];
    const char *paths[16];
    build_inputs(d, paths, bufs);
    io_opts_t o = { 0 };
    compare_modes(&paths[3], 1, &o, 6); /* peer.mbox */
    compare_modes(&paths[4], 1, &o, 8); /* md: six messages, an empty and a big one */
    t_rmtree(d);
}

static void both_modes_agree_on_stdin(void **state)
{
    (void)state;
    static const char *const inputs[] = { mixed, cl2, "Subject: s\n\nFrom x\n" };
    for (size_t i = 0; i < 3; i++) {
        run_t t[2];
        for (int k = 0; k < 2; k++) {
            int fds[2], saved = dup(0);
            assert_int_equal(pipe(fds), 0);
            assert_int_equal(write(fds[1], inputs[i], strlen(inputs[i])), (ssize_t)strlen(inputs[i]));
            close(fds[1]);
            dup2(fds[0], 0);
            close(fds[0]);
            const char *paths[] = { "-" };
            io_opts_t o = { .chunk_size = 9 };
            t[k] = read_all(paths, 1, &o, k ? IO_URING : IO_SYNC);
            dup2(saved, 0);
            close(saved);
        }
        assert_true(t[0].n > 0);
        assert_same(&t[0], &t[1]);
        run_free(&t[0]);
        run_free(&t[1]);
    }
}

/*
 * io_uring readahead: the separator between two messages lands at every
 * offset of a buffer (and the second message spans the boundary), with
 * tails that fit the headroom in front of the next buffer and tails that
 * do not; split exactly as io_mbox_split() does.
 */
static void uring_splits_right_at_every_buffer_offset(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char p[600];
    uint8_t *mb = malloc(4096);
    assert_non_null(mb);
    t_path(p, sizeof(p), "%s/b.mbox", d);
    static const size_t chunks[] = { 8, 33, 128 };
    for (size_t c = 0; c < 3; c++) {
        size_t cs = chunks[c];
        for (size_t pad = 0; pad <= 2 * cs + 8; pad++) {
            size_t n = 0;
            memcpy(mb, FL, L(FL));
            n += L(FL);
            memset(mb + n, 'a', pad);
            n += pad;
            static const char rest[] = "\n\n" FL "B: 2\n\nsecond message body\n\n" FL "C\n";
            memcpy(mb + n, rest, L(rest));
            n += L(rest);
            t_write_file(p, mb, n);
            tsplit_t t = tsplit(mb, n, IO_MBOX_RD);
            const char *paths[] = { p };
            io_opts_t o = { .chunk_size = cs, .mode = IO_URING };
            run_t u = read_all(paths, 1, &o, IO_URING);
            if (u.mode != IO_URING) {
                run_free(&u);
                tsplit_free(&t);
                skip();
            }
            assert_int_equal(u.n, 3);
            assert_int_equal(t.n, 3);
            for (size_t i = 0; i < 3; i++) {
                assert_int_equal(u.m[i].offset, t.m[i].offset);
                assert_int_equal(u.m[i].n, t.m[i].n);
                assert_memory_equal(u.m[i].p, t.m[i].p, t.m[i].n);
            }
            assert_int_equal(u.bytes, n);
            run_free(&u);
            tsplit_free(&t);
        }
    }
    free(mb);
    t_rmtree(d);
}

/*
 * A multi-MiB mbox for the readahead: messages from a few bytes to 1.5 MiB
 * (longer than a readahead buffer's headroom), separators on every side of
 * the 1 MiB read boundaries, and a size that is not a multiple of a block.
 */
static uint8_t *big_mbox(size_t *n)
{
    size_t cap = (size_t)7 << 20, k = 0;
    uint8_t *b = malloc(cap);
    assert_non_null(b);
    for (unsigned msg = 0; k < cap - ((size_t)2 << 20); msg++) {
        k += (size_t)sprintf((char *)b + k, FL "Subject: %u\n\n", msg);
        size_t len = msg == 5 ? (size_t)3 << 19 : (size_t)(msg * 7919u) % 60000;
        for (size_t i = 0; i < len; i++)
            b[k++] = (i + 1) % 77 ? (uint8_t)('a' + (i + msg) % 26) : '\n';
        if (msg % 5 == 2)
            k += (size_t)sprintf((char *)b + k, "\n>From quoted %u\n", msg);
        memcpy(b + k, "\n\n", 2);
        k += 2;
    }
    k += (size_t)sprintf((char *)b + k, FL "Subject: last\n\nodd-sized tail\n");
    *n = k;
    return b;
}

/* big_mbox() written to DIR/big.mbox (its path in p); returns the bytes. */
static uint8_t *put_big_mbox(const char *dir, char *p, size_t cap, size_t *n)
{
    uint8_t *mb = big_mbox(n);
    t_write_file(t_path(p, cap, "%s/big.mbox", dir), mb, *n);
    return mb;
}

/* Can this file be opened O_DIRECT here?  (Not on every file system.) */
static int direct_possible(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECT);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

/* Does this file system refuse a direct read off the block size (EINVAL)?
 * Block devices do; tmpfs, say, takes any alignment. */
static int direct_alignment_enforced(const char *path)
{
    static uint8_t buf[2048];
    int fd = open(path, O_RDONLY | O_DIRECT);
    if (fd < 0)
        return 0;
    ssize_t k = pread(fd, buf + 1, 1000, 1);
    int enforced = k < 0 && errno == EINVAL;
    close(fd);
    return enforced;
}

static void direct_reads_give_the_page_cache_messages(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char p[600];
    size_t n;
    uint8_t *mb = put_big_mbox(d, p, sizeof(p), &n);
    assert_true(n % 4096 != 0);
    const char *paths[] = { p };
    io_opts_t o = { 0 };
    run_t s = read_all(paths, 1, &o, IO_SYNC);
    run_t u = read_all(paths, 1, &o, IO_URING);
    if (u.mode != IO_URING) {
        run_free(&s);
        run_free(&u);
        fprintf(stderr, "io_uring refused by this kernel: skipped\n");
        skip();
    }
    assert_true(s.n > 100);
    assert_same(&s, &u);
    assert_int_equal(s.direct, 0); /* the pread path never reads direct */
    if (direct_possible(p)) {
        /* all but the first read (1 MiB, before the readahead starts) */
        assert_true(u.direct >= n - ((size_t)2 << 20));
        assert_int_equal(u.refused, 0);
    } else {
        fprintf(stderr, "O_DIRECT refused by this file system: page cache only\n");
        assert_int_equal(u.direct, 0);
    }
    /* AS_IO_DIRECT=off: through the page cache, the same messages */
    assert_int_equal(setenv("AS_IO_DIRECT", "off", 1), 0);
    run_t off = read_all(paths, 1, &o, IO_URING);
    unsetenv("AS_IO_DIRECT");
    assert_same(&s, &off);
    assert_int_equal(off.direct, 0);
    run_free(&s);
    run_free(&u);
    run_free(&off);
    free(mb);
    t_rmtree(d);
}

/*
 * Direct reads the kernel refuses (EINVAL: here because AS_IO_DIRECT=force
 * sends them with a length and offsets off the block size) are read again
 * through the page cache, and later ones go there at once.  Where the file
 * system takes any alignment, the forced reads are all direct instead.
 */
static void refused_direct_reads_are_read_again(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char p[600];
    size_t n;
    uint8_t *mb = put_big_mbox(d, p, sizeof(p), &n);
    const char *paths[] = { p };
    io_opts_t o = { .chunk_size = 100000 }; /* not a multiple of any block */
    run_t s = read_all(paths, 1, &o, IO_SYNC);
    assert_int_equal(setenv("AS_IO_DIRECT", "force", 1), 0);
    run_t u = read_all(paths, 1, &o, IO_URING);
    unsetenv("AS_IO_DIRECT");
    if (u.mode != IO_URING) {
        run_free(&s);
        run_free(&u);
        skip();
    }
    assert_same(&s, &u);
    if (direct_alignment_enforced(p)) {
        /* refused at once, and at most the reads already queued after it */
        assert_true(u.refused >= 1 && u.refused <= 4);
        assert_int_equal(u.direct, 0);
    } else if (direct_possible(p)) {
        fprintf(stderr, "this file system takes unaligned direct reads\n");
        assert_int_equal(u.refused, 0);
        assert_true(u.direct > 0);
    } else {
        assert_int_equal(u.direct + u.refused, 0);
    }
    run_free(&s);
    run_free(&u);
    free(mb);
    t_rmtree(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refused_io_uring_falls_back_with_one_notice),
        cmocka_unit_test(both_modes_give_identical_messages_on_every_input),
        cmocka_unit_test(both_modes_agree_on_the_peer_sample_counts),
        cmocka_unit_test(both_modes_agree_on_stdin),
        cmocka_unit_test(uring_splits_right_at_every_buffer_offset),
        cmocka_unit_test(direct_reads_give_the_page_cache_messages),
        cmocka_unit_test(refused_direct_reads_are_read_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
