/*
 * test_reader.c - the streaming reader gives exactly io_mbox_split()'s
 * messages at every chunk size, from files and from a pipe, and stays
 * bounded on oversized messages.
 */
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

static const char cl2_crlf[] =
    FLC "Content-Length: 13\r\n\r\nFrom inside\r\n" "\r\n"
    FLC "Content-Length: 3\r\n\r\nx\r\n" "\r\n"
    FLC "Content-Length: 99\r\n\r\nwrong length\r\n" "\r\n"
    FLC "Content-Length: 0\r\n\r\n" "\r\n";

/* Read path (or stdin when via_stdin) with o; compare with io_mbox_split(). */
static void check_reader_vs_split(const char *path, const uint8_t *data, size_t n,
                                  const io_opts_t *o, int via_stdin)
{
    t_check_reader(via_stdin ? "-" : path, data, n, o, via_stdin ? UINT64_MAX : n);
}

/* Run check_reader_vs_split() with data on standard input (a pipe). */
static void check_via_pipe(const uint8_t *data, size_t n, const io_opts_t *o)
{
    int fds[2], saved = dup(0);
    assert_true(saved >= 0);
    assert_int_equal(pipe(fds), 0);
    assert_true(n < 65536); /* fits the pipe buffer: no writer thread needed */
    assert_int_equal(write(fds[1], data, n), (ssize_t)n);
    close(fds[1]);
    assert_int_equal(dup2(fds[0], 0), 0);
    close(fds[0]);
    check_reader_vs_split(NULL, data, n, o, 1);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
}

static void with_file(const void *data, size_t n, void (*fn)(const char *, const uint8_t *, size_t))
{
    char *dir = t_mkdtemp();
    char p[512];
    t_write_file(t_path(p, sizeof(p), "%s/x.mbox", dir), data, n);
    fn(p, data, n);
    t_rmtree(dir);
}

/* Every chunk size from 1 byte to the whole file: every message and every
 * separator is cut by a chunk boundary at every offset. */
static void every_chunk_size(const char *path, const uint8_t *data, size_t n)
{
    for (io_mbox_fmt_t fmt = IO_MBOX_AUTO; fmt <= IO_MBOX_CL2; fmt++)
        for (size_t cs = 1; cs <= n + 1; cs++) {
            io_opts_t o = { .mbox = fmt, .chunk_size = cs };
            check_reader_vs_split(path, data, n, &o, 0);
        }
}

static void reader_matches_split_at_every_chunk_boundary(void **state)
{
    (void)state;
    with_file(mixed, L(mixed), every_chunk_size);
}

static void reader_matches_split_for_cl2_at_every_chunk_boundary(void **state)
{
    (void)state;
    assert_int_equal(io_mbox_detect(SLICE_LIT(cl2)), IO_MBOX_CL2);
    with_file(cl2, L(cl2), every_chunk_size);
}

static void reader_matches_split_for_crlf_cl2_at_every_chunk_boundary(void **state)
{
    (void)state;
    assert_int_equal(io_mbox_detect(SLICE_LIT(cl2_crlf)), IO_MBOX_CL2);
    with_file(cl2_crlf, L(cl2_crlf), every_chunk_size);
}

static void reader_matches_split_on_a_pipe(void **state)
{
    (void)state;
    for (size_t cs = 1; cs <= 64; cs++) {
        io_opts_t o = { .chunk_size = cs };
        check_via_pipe((const uint8_t *)mixed, L(mixed), &o);
        check_via_pipe((const uint8_t *)cl2, L(cl2), &o);
        check_via_pipe((const uint8_t *)cl2_crlf, L(cl2_crlf), &o);
    }
}

/* On a pipe the reader cannot peek where a Content-Length lands; one that
 * points further than max_msg_size is not trusted, as it is not trusted
 * when it points past the end of the file. */
static void pipe_does_not_follow_content_length_past_max(void **state)
{
    (void)state;
    static const char mb[] = FL "Content-Length: 5000\n\nFrom x\n\n" FL "A: 2\n\nb\n\n";
    for (size_t cs = 1; cs <= 40; cs += 3) {
        io_opts_t o = { .mbox = IO_MBOX_CL2, .chunk_size = cs, .max_msg_size = 64 };
        check_via_pipe((const uint8_t *)mb, L(mb), &o);
    }
}

static void peer_signed_sample_reads_the_same_at_odd_chunk_sizes(void **state)
{
    (void)state;
    char p[1024];
    size_t n;
    uint8_t *mb = t_read_file(t_path(p, sizeof(p), "%s/peer-sample.mbox", IO_TEST_DATA), &n);
    static const size_t sizes[] = { 1, 7, 100, 4096, 5000, 0 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        io_opts_t o = { .chunk_size = sizes[i] };
        check_reader_vs_split(p, mb, n, &o, 0);
    }
    free(mb);
}

/* An mbox whose second message is ~100 kB, with a quoted line early on. */
static uint8_t *big_mbox(int with_cl, size_t *n)
{
    size_t body = 100000, cap = body + 1024, k = 0;
    uint8_t *b = malloc(cap);
    char hdr[128];
    assert_non_null(b);
    k += (size_t)sprintf((char *)b + k, FL "A: 1\n\nsmall\n\n");
    k += (size_t)sprintf((char *)b + k, FL);
    int hn = with_cl ? snprintf(hdr, sizeof(hdr), "Content-Length: %zu\n\n", body)
                     : snprintf(hdr, sizeof(hdr), "A: 2\n\n");
    memcpy(b + k, hdr, (size_t)hn);
    k += (size_t)hn;
    size_t b0 = k;
    k += (size_t)sprintf((char *)b + k, ">From x\n");
    if (with_cl)
        k += (size_t)sprintf((char *)b + k, "From y\n"); /* only cl2 allows it */
    while (k < b0 + body - 1) {
        b[k] = (k - b0) % 70 ? 'a' : '\n';
        k++;
    }
    b[k++] = '\n';
    k += (size_t)sprintf((char *)b + k, "\n" FL "A: 3\n\nafter\n\n");
    *n = k;
    return b;
}

static void big_message_run(const char *path, const uint8_t *data, size_t n)
{
    for (size_t cs = 512; cs <= 8192; cs *= 4) {
        io_opts_t o = { .chunk_size = cs, .max_msg_size = 1000 };
        check_reader_vs_split(path, data, n, &o, 0);
        o.mbox = IO_MBOX_O;
        check_reader_vs_split(path, data, n, &o, 0);
    }
}

static void message_bigger_than_max_is_cut_short_and_bounded(void **state)
{
    (void)state;
    size_t n;
    uint8_t *mb = big_mbox(0, &n);
    with_file(mb, n, big_message_run);
    /* Show the flags and sizes themselves once. */
    char *dir = t_mkdtemp();
    char p[512];
    t_write_file(t_path(p, sizeof(p), "%s/big.mbox", dir), mb, n);
    const char *paths[] = { p };
    io_opts_t o = { .chunk_size = 512, .max_msg_size = 1000 };
    io_reader_t *r = t_reader_new(paths, 1, &o);
    io_msg_t m;
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.flags, 0);
    io_msg_release(&m);
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.flags, IO_MSG_TRUNCATED | IO_MSG_UNQUOTED);
    assert_int_equal(m.size, L("A: 2\n\n") + 100000);
    assert_int_equal(m.data.n, 999);
    assert_memory_equal(m.data.p, "A: 2\n\nFrom x\naaa", 16);
    io_msg_release(&m);
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.data.n, L("A: 3\n\nafter\n"));
    assert_memory_equal(m.data.p, "A: 3\n\nafter\n", m.data.n);
    io_msg_release(&m);
    assert_false(io_reader_next(r, &m));
    io_reader_free(r);
    t_rmtree(dir);
    free(mb);
}

static void cl2_message_bigger_than_max_is_skipped_by_its_length(void **state)
{
    (void)state;
    size_t n;
    uint8_t *mb = big_mbox(1, &n);
    assert_int_equal(io_mbox_detect(slice_make(mb, n)), IO_MBOX_RD); /* first message proves nothing */
    char *dir = t_mkdtemp();
    char p[512];
    t_write_file(t_path(p, sizeof(p), "%s/big.mbox", dir), mb, n);
    for (size_t cs = 512; cs <= 8192; cs *= 4) {
        io_opts_t o = { .mbox = IO_MBOX_CL2, .chunk_size = cs, .max_msg_size = 1000 };
        check_reader_vs_split(p, mb, n, &o, 0);
    }
    tsplit_t t = tsplit(mb, n, IO_MBOX_CL2);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.m[1].n, L("Content-Length: 100000\n\n") + 100000);
    tsplit_free(&t);
    t_rmtree(dir);
    free(mb);
}

static void from_line_longer_than_max_is_skipped(void **state)
{
    (void)state;
    size_t n = 0;
    uint8_t *mb = malloc(8192);
    memcpy(mb, "From ", 5);
    n = 5;
    while (n < 5000)
        mb[n++] = 'x';
    static const char rest[] = "\r\nA: 1\r\n\r\nbody\r\n\r\n" FL "last\n";
    memcpy(mb + n, rest, L(rest));
    n += L(rest);
    for (size_t cs = 100; cs <= 6000; cs += 700) {
        io_opts_t o = { .chunk_size = cs, .max_msg_size = 1000 };
        char *dir = t_mkdtemp();
        char p[512];
        t_write_file(t_path(p, sizeof(p), "%s/long.mbox", dir), mb, n);
        check_reader_vs_split(p, mb, n, &o, 0);
        t_rmtree(dir);
    }
    tsplit_t t = tsplit(mb, n, IO_MBOX_RD);
    assert_int_equal(t.n, 2);
    assert_msg(t, 0, "A: 1\r\n\r\nbody\r\n", 5002);
    tsplit_free(&t);
    free(mb);
}

/* A CRLF mbox whose long message is last (end of file) or not. */
static void crlf_message_bigger_than_max_at_end_of_file(void **state)
{
    (void)state;
    uint8_t *mb = malloc(8192);
    size_t n = 0;
    for (int last = 0; last < 2; last++) {
        n = 0;
        memcpy(mb, FLC "A: 1\r\n\r\n", L(FLC "A: 1\r\n\r\n"));
        n += L(FLC "A: 1\r\n\r\n");
        while (n < 3000) {
            memcpy(mb + n, "aaaaaaa\r\n", 9);
            n += 9;
        }
        memcpy(mb + n, "\r\n", 2);
        n += 2;
        if (!last) {
            memcpy(mb + n, FLC "x\r\n\r\n", L(FLC "x\r\n\r\n"));
            n += L(FLC "x\r\n\r\n");
        }
        for (size_t cs = 64; cs <= 4096; cs *= 2) {
            io_opts_t o = { .chunk_size = cs, .max_msg_size = 1000 };
            char *dir = t_mkdtemp();
            char p[512];
            t_write_file(t_path(p, sizeof(p), "%s/crlf.mbox", dir), mb, n);
            check_reader_vs_split(p, mb, n, &o, 0);
            check_via_pipe(mb, n, &o);
            t_rmtree(dir);
        }
    }
    tsplit_t t = tsplit(mb, n, IO_MBOX_RD);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.m[0].n, n - L(FLC) - 2);
    assert_memory_equal(t.m[0].p + t.m[0].n - 3, "a\r\n", 3);
    tsplit_free(&t);
    free(mb);
}

static void from_line_longer_than_max_at_end_of_file_is_an_empty_message(void **state)
{
    (void)state;
    uint8_t mb[3000];
    memcpy(mb, "From ", 5);
    memset(mb + 5, 'x', sizeof(mb) - 5);
    for (size_t cs = 64; cs <= 4096; cs *= 4) {
        io_opts_t o = { .chunk_size = cs, .max_msg_size = 1000 };
        check_via_pipe(mb, sizeof(mb), &o);
    }
    tsplit_t t = tsplit(mb, sizeof(mb), IO_MBOX_RD);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.m[0].n, 0);
    assert_int_equal(t.m[0].offset, sizeof(mb));
    tsplit_free(&t);
}

static void single_message_bigger_than_max_is_cut_short(void **state)
{
    (void)state;
    char *dir = t_mkdtemp();
    char p[512];
    uint8_t *b = malloc(5000);
    for (size_t i = 0; i < 5000; i++)
        b[i] = (uint8_t)('a' + i % 26);
    t_write_file(t_path(p, sizeof(p), "%s/big.eml", dir), b, 5000);
    const char *paths[] = { p };
    io_opts_t o = { .chunk_size = 512, .max_msg_size = 1000 };
    io_reader_t *r = t_reader_new(paths, 1, &o);
    io_msg_t m;
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.flags, IO_MSG_TRUNCATED);
    assert_int_equal(m.size, 5000);
    assert_int_equal(m.offset, 0);
    assert_int_equal(m.data.n, 1000);
    assert_memory_equal(m.data.p, b, 1000);
    io_msg_release(&m);
    assert_false(io_reader_next(r, &m));
    assert_int_equal(io_reader_bytes(r), 5000);
    io_reader_free(r);
    t_rmtree(dir);
    free(b);
}

/*
 * Catalogue A6: an mbox that gets shorter while it is read (a mail client
 * compacting it).  The messages before the new end are whole; the one the
 * new end cuts is flagged IO_MSG_SHRUNK; no other message is.  Also when
 * the cut falls exactly between two messages: whether the last one is
 * whole cannot be known.  A file that only grows is not flagged.
 */
static void mbox_that_shrinks_while_read_flags_its_last_message(void **state)
{
    (void)state;
    enum { NMSG = 60, BODY = 2000 };
    char *dir = t_mkdtemp();
    char p[512];
    size_t cap = NMSG * (BODY + 64), n = 0;
    uint8_t *mb = malloc(cap);
    size_t starts[NMSG];
    assert_non_null(mb);
    for (int i = 0; i < NMSG; i++) {
        starts[i] = n;
        n += (size_t)sprintf((char *)mb + n, "From x@y %d\nSubject: %d\n\n", i, i);
        memset(mb + n, 'a' + i % 26, BODY);
        n += BODY;
        mb[n++] = '\n';
    }
    t_write_file(t_path(p, sizeof(p), "%s/mbox", dir), mb, n);
    const char *paths[] = { p };
    /* new end: inside message 40's body; at the start of message 40 (the
     * From_ line of 40 is gone, so 39 is last); past the end (grown) */
    const size_t ends[3] = { starts[40] + 100, starts[40], n + 5 };
    const int last[3] = { 40, 39, NMSG };
    for (int k = 0; k < 3; k++) {
        t_write_file(p, mb, n);
        io_opts_t o = { .chunk_size = 4096 };
        io_reader_t *r = t_reader_new(paths, 1, &o);
        io_msg_t m;
        int i = 0;
        for (; i < 5; i++) {
            assert_true(io_reader_next(r, &m));
            assert_int_equal(m.flags, 0);
            io_msg_release(&m);
        }
        if (ends[k] <= n) {
            assert_int_equal(truncate(p, (off_t)ends[k]), 0);
        } else {
            FILE *f = fopen(p, "ab");
            assert_non_null(f);
            assert_int_equal(fwrite("more\n", 1, 5, f), 5);
            fclose(f);
        }
        while (io_reader_next(r, &m)) {
            assert_int_equal(m.index, i);
            int flagged = (m.flags & IO_MSG_SHRUNK) != 0;
            assert_int_equal(flagged, k < 2 && i == last[k]);
            io_msg_release(&m);
            i++;
        }
        assert_int_equal(i, last[k] + (k == 2 ? 0 : 1));
        io_reader_free(r);
    }
    t_rmtree(dir);
    free(mb);
}

static void stdin_without_from_line_is_one_message(void **state)
{
    (void)state;
    static const char eml[] = "Subject: hi\n\nFrom the start\n";
    int fds[2], saved = dup(0);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], eml, L(eml)), (ssize_t)L(eml));
    close(fds[1]);
    dup2(fds[0], 0);
    close(fds[0]);
    const char *paths[] = { "-" };
    io_reader_t *r = t_reader_new(paths, 1, NULL);
    io_msg_t m;
    assert_true(io_reader_next(r, &m));
    assert_string_equal(m.source, "-");
    assert_int_equal(m.data.n, L(eml));
    assert_memory_equal(m.data.p, eml, L(eml));
    io_msg_release(&m);
    assert_false(io_reader_next(r, &m));
    io_reader_free(r);
    dup2(saved, 0);
    close(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_matches_split_at_every_chunk_boundary),
        cmocka_unit_test(reader_matches_split_for_cl2_at_every_chunk_boundary),
        cmocka_unit_test(reader_matches_split_for_crlf_cl2_at_every_chunk_boundary),
        cmocka_unit_test(reader_matches_split_on_a_pipe),
        cmocka_unit_test(pipe_does_not_follow_content_length_past_max),
        cmocka_unit_test(crlf_message_bigger_than_max_at_end_of_file),
        cmocka_unit_test(from_line_longer_than_max_at_end_of_file_is_an_empty_message),
        cmocka_unit_test(peer_signed_sample_reads_the_same_at_odd_chunk_sizes),
        cmocka_unit_test(message_bigger_than_max_is_cut_short_and_bounded),
        cmocka_unit_test(cl2_message_bigger_than_max_is_skipped_by_its_length),
        cmocka_unit_test(from_line_longer_than_max_is_skipped),
        cmocka_unit_test(single_message_bigger_than_max_is_cut_short),
        cmocka_unit_test(stdin_without_from_line_is_one_message),
        cmocka_unit_test(mbox_that_shrinks_while_read_flags_its_last_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
