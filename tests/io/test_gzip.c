/*
 * test_gzip.c - gzip-compressed archives (catalogue A6, RFC 1952): a .gz
 * mbox reads as the mbox it holds, at every chunk size and split into
 * members anywhere; a file cut at any byte, a failed CRC, trailing bytes
 * and a decompression bomb each end with the last message flagged and one
 * line saying why; compressed maildir files and single messages decode.
 * The compressed files are made here with zlib (deflate is deterministic,
 * and gzip(1) writes the same format), so no binary fixtures.
 */
#include <zlib.h>

#include "io_test_util.h"

#define L(s) (sizeof(s) - 1)
#define FL "From alice@example.org Mon Jan  1 00:00:00 2024\n"

static const char mixed[] =
    FL "A: 1\n\nbody\n>From quoted\n" "\n"
    FL "\n"
    FL "A: 3\n\nno newline" "\n"
    FL "A: 5\r\n\r\ncrlf body\r\n" "\n"
    FL "A: 6\n\n>>From deep\nend\n" "\n";

static const char cl2[] =
    FL "Content-Length: 12\n\nFrom inside\n" "\n"
    FL "A: 2\n\nplain\n" "\n"
    FL "Content-Length: 20\n\nFrom a\nFrom b\nFrom c\n" "\n";

typedef struct gzbuf {
    uint8_t *p;
    size_t n, cap;
} gzbuf_t;

/* Append one gzip member holding data[0..n) to out. */
static void gz_member(gzbuf_t *out, const void *data, size_t n, int level)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    size_t bound = deflateBound(&zs, (uLong)n) + 32;
    if (out->n + bound > out->cap) {
        out->cap = out->n + bound;
        out->p = realloc(out->p, out->cap);
        assert_non_null(out->p);
    }
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)n;
    zs.next_out = out->p + out->n;
    zs.avail_out = (uInt)(out->cap - out->n);
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out->n += zs.total_out;
    deflateEnd(&zs);
}

static void gz_append(gzbuf_t *out, const void *data, size_t n)
{
    if (out->n + n > out->cap) {
        out->cap = out->n + n;
        out->p = realloc(out->p, out->cap);
        assert_non_null(out->p);
    }
    memcpy(out->p + out->n, data, n);
    out->n += n;
}

/* ---- whole files --------------------------------------------------- */

static void gz_reads_as_plain(const uint8_t *plain, size_t n, const gzbuf_t *gz,
                              size_t chunk, io_mbox_fmt_t fmt)
{
    char *dir = t_mkdtemp();
    char p[512];
    t_write_file(t_path(p, sizeof(p), "%s/x.mbox.gz", dir), gz->p, gz->n);
    io_opts_t o = { .mbox = fmt, .chunk_size = chunk };
    t_check_reader(p, plain, n, &o, gz->n);
    t_rmtree(dir);
}

static void gzip_mbox_reads_as_the_mbox_it_holds_at_every_chunk_size(void **state)
{
    (void)state;
    const char *texts[] = { mixed, cl2 };
    const size_t lens[] = { L(mixed), L(cl2) };
    for (int k = 0; k < 2; k++) {
        gzbuf_t gz = { 0 };
        gz_member(&gz, texts[k], lens[k], 6);
        for (io_mbox_fmt_t fmt = IO_MBOX_AUTO; fmt <= IO_MBOX_CL2; fmt++)
            for (size_t cs = 5; cs <= lens[k] + 1; cs += 7)
                gz_reads_as_plain((const uint8_t *)texts[k], lens[k], &gz, cs, fmt);
        free(gz.p);
    }
}

/* RFC 1952 2.2: a file is a series of members (`cat a.gz b.gz`).  Split
 * the mbox between two members at every offset; zero padding after the
 * last (tar does this) is no error either. */
static void every_member_of_a_multi_member_file_is_read(void **state)
{
    (void)state;
    static const uint8_t zeros[700];
    for (size_t k = 0; k <= L(mixed); k++) {
        gzbuf_t gz = { 0 };
        gz_member(&gz, mixed, k, 1);
        gz_member(&gz, mixed + k, L(mixed) - k, 9);
        if (k % 2)
            gz_append(&gz, zeros, k % 3 ? sizeof(zeros) : 1);
        gz_reads_as_plain((const uint8_t *)mixed, L(mixed), &gz, 64, IO_MBOX_AUTO);
        free(gz.p);
    }
}

/* ---- damaged files ------------------------------------------------- */

/*
 * Read path; the messages before the last one must be the plain mbox's
 * exactly; the last message is flagged IO_MSG_DAMAGED with a reason (when
 * want_flag), and is followed by one line with err set (mbox files) whose
 * text is why_want.  A file that decodes to too little for a From_ line
 * is one message, flagged, and no error line.  Returns the number of
 * messages; *nerr: error lines (0 or 1).
 */
static size_t read_damaged(const char *path, const tsplit_t *t, const io_opts_t *o,
                           const char *why_want, int want_flag, size_t *nerr)
{
    const char *paths[] = { path };
    io_reader_t *r = t_reader_new(paths, 1, o);
    io_msg_t m, last = { 0 };
    size_t i = 0, errs = 0;
    while (io_reader_next(r, &m)) {
        assert_int_equal(errs, 0); /* the error line comes last */
        if (m.err) {
            errs++;
            assert_string_equal(m.errstr, why_want);
            continue;
        }
        if (i > 0) {
            assert_int_equal(last.flags & IO_MSG_DAMAGED, 0);
            assert_true(i - 1 < t->n);
            assert_int_equal(last.size, t->m[i - 1].n);
            assert_int_equal(last.offset, t->m[i - 1].offset);
        }
        io_msg_release(&last);
        last = m;
        i++;
    }
    if (i > 0) {
        int flagged = (last.flags & IO_MSG_DAMAGED) != 0;
        assert_int_equal(flagged, want_flag);
        if (flagged)
            assert_string_equal(last.errstr, why_want);
    }
    io_msg_release(&last);
    assert_int_equal(io_reader_failures(r), 1);
    io_reader_free(r);
    *nerr = errs;
    return i;
}

/* The mixed mbox compressed, its split, and a scratch file for variants. */
typedef struct gzcase {
    char *dir;
    char path[512];
    gzbuf_t gz;
    tsplit_t t;
} gzcase_t;

static void case_init(gzcase_t *c)
{
    memset(c, 0, sizeof(*c));
    c->dir = t_mkdtemp();
    t_path(c->path, sizeof(c->path), "%s/x.gz", c->dir);
    c->t = tsplit(mixed, L(mixed), IO_MBOX_RD);
    gz_member(&c->gz, mixed, L(mixed), 6);
}

static void case_free(gzcase_t *c)
{
    t_rmtree(c->dir);
    tsplit_free(&c->t);
    free(c->gz.p);
}

/* Write the first n bytes of the case's file; read it as read_damaged().
 * A file read as an mbox must end with its error line. */
static size_t case_read(gzcase_t *c, size_t n, size_t chunk, io_gz_state_t why,
                        int want_flag)
{
    size_t nerr;
    t_write_file(c->path, c->gz.p, n);
    io_opts_t o = { .mbox = IO_MBOX_RD, .chunk_size = chunk };
    size_t got = read_damaged(c->path, &c->t, &o, io_gz_why(why), want_flag, &nerr);
    if (got > 1)
        assert_int_equal(nerr, 1);
    return got;
}

/* A .gz cut at every byte: never a crash, never a message passed on as
 * whole when it may not be. */
static void gzip_cut_at_every_byte_flags_the_message_it_cuts(void **state)
{
    (void)state;
    gzcase_t c;
    case_init(&c);
    for (size_t cut = 3; cut < c.gz.n; cut++) {
        size_t got = case_read(&c, cut, 16 + cut % 40, IO_GZ_CUT, 1);
        assert_true(got >= 1 && got <= c.t.n);
    }
    case_free(&c);
}

/* The CRC is known only at a member's end: the messages were handed out
 * by then; the last is flagged and the line after it says the data are
 * damaged (a reader of the output knows the file is not to be trusted). */
static void gzip_with_a_bad_crc_or_length_says_so(void **state)
{
    (void)state;
    gzcase_t c;
    case_init(&c);
    c.gz.p[c.gz.n - 8] ^= 1; /* CRC32, the trailer's first word */
    assert_int_equal(case_read(&c, c.gz.n, 0, IO_GZ_CORRUPT, 1), c.t.n);
    c.gz.p[c.gz.n - 8] ^= 1;
    c.gz.p[c.gz.n - 1] ^= 1; /* ISIZE */
    assert_int_equal(case_read(&c, c.gz.n, 0, IO_GZ_CORRUPT, 1), c.t.n);
    case_free(&c);
}

/* Bytes after the last member that are neither zeros nor a member: the
 * messages are whole (their member's CRC checked), the file is reported. */
static void gzip_with_trailing_garbage_keeps_its_messages(void **state)
{
    (void)state;
    gzcase_t c;
    case_init(&c);
    gz_append(&c.gz, "\0\0junk", 6);
    assert_int_equal(case_read(&c, c.gz.n, 0, IO_GZ_TRAILING, 0), c.t.n);
    case_free(&c);
}

/* Deflate reaches 1032:1.  Past max_msg_size of output, decoding stops at
 * the ratio cap; with no cap (UINT64_MAX) the same file reads to the end. */
static void gzip_bomb_stops_at_the_ratio_cap(void **state)
{
    (void)state;
    enum { BODY = 4 << 20 };
    char *dir = t_mkdtemp();
    char p[512];
    gzbuf_t gz = { 0 };
    uint8_t *mb = malloc(BODY + 200);
    assert_non_null(mb);
    size_t n = (size_t)sprintf((char *)mb, FL "Subject: small\n\nhi\n\n" FL "A: 2\n\n");
    size_t second = L(FL "Subject: small\n\nhi\n\n");
    memset(mb + n, 'a', BODY);
    n += BODY;
    gz_member(&gz, mb, n, 9);
    assert_true(gz.n * 200 < n); /* it is a bomb at ratio 200 */
    t_write_file(t_path(p, sizeof(p), "%s/bomb.gz", dir), gz.p, gz.n);
    const char *paths[] = { p };
    for (int capped = 0; capped < 2; capped++) {
        io_opts_t o = { .chunk_size = 4096, .max_msg_size = 65536,
                        .max_gz_ratio = capped ? 10 : UINT64_MAX };
        io_reader_t *r = t_reader_new(paths, 1, &o);
        io_msg_t m;
        assert_true(io_reader_next(r, &m));
        assert_int_equal(m.flags, 0);
        io_msg_release(&m);
        assert_true(io_reader_next(r, &m));
        assert_int_equal(m.offset, second + L(FL));
        assert_true(m.flags & IO_MSG_TRUNCATED);
        if (capped) {
            /* stopped well short of the 4 MiB body */
            assert_true(m.flags & IO_MSG_DAMAGED);
            assert_true(m.size < (uint64_t)BODY / 2);
            io_msg_release(&m);
            assert_true(io_reader_next(r, &m));
            assert_int_not_equal(m.err, 0);
            assert_string_equal(m.errstr, io_gz_why(IO_GZ_BOMB));
        } else {
            assert_int_equal(m.flags & IO_MSG_DAMAGED, 0);
            assert_int_equal(m.size, n - second - L(FL));
        }
        io_msg_release(&m);
        assert_false(io_reader_next(r, &m));
        assert_int_equal(io_reader_failures(r), capped ? 1 : 0);
        io_reader_free(r);
    }
    t_rmtree(dir);
    free(gz.p);
    free(mb);
}

/* ---- single messages ----------------------------------------------- */

static void expect_message(io_reader_t *r, const char *text, unsigned flags)
{
    io_msg_t m;
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.err, 0);
    assert_int_equal(m.flags, flags);
    assert_int_equal(m.data.n, strlen(text));
    assert_memory_equal(m.data.p, text, m.data.n);
    io_msg_release(&m);
}

/* Compressed maildir files (Dovecot's zlib plugin), an .eml.gz and an
 * .mbox.gz met on a walk: each decoded; a cut one is flagged. */
static void compressed_maildir_files_and_single_messages_decode(void **state)
{
    (void)state;
    static const char a[] = "Subject: a\n\nFrom the first line\n";
    static const char b[] = "Subject: b\r\n\r\nsecond\r\n";
    char *d = t_mkdtemp();
    char p[512], md[512], tree[512];
    gzbuf_t ga = { 0 }, gb = { 0 }, gm = { 0 };
    gz_member(&ga, a, L(a), 6);
    gz_member(&gb, b, L(b), 6);
    gz_member(&gm, mixed, L(mixed), 6);
    t_mkdir(t_path(md, sizeof(md), "%s/md", d));
    t_mkdir(t_path(p, sizeof(p), "%s/md/cur", d));
    t_write_file(t_path(p, sizeof(p), "%s/md/cur/1:2,S", d), ga.p, ga.n);
    t_write_file(t_path(p, sizeof(p), "%s/md/cur/2:2,S", d), gb.p, gb.n - 4);
    t_write_file(t_path(p, sizeof(p), "%s/md/cur/3:2,S", d), b, L(b));
    t_mkdir(t_path(tree, sizeof(tree), "%s/tree", d));
    t_write_file(t_path(p, sizeof(p), "%s/tree/a.eml.gz", d), ga.p, ga.n);
    t_write_file(t_path(p, sizeof(p), "%s/tree/b.mbox.gz", d), gm.p, gm.n);
    const char *paths[] = { md, tree };
    io_reader_t *r = t_reader_new(paths, 2, NULL);
    expect_message(r, a, 0);
    expect_message(r, b, IO_MSG_DAMAGED); /* its ISIZE is cut off */
    expect_message(r, b, 0);
    expect_message(r, a, 0);
    tsplit_t t = tsplit(mixed, L(mixed), IO_MBOX_RD);
    for (size_t i = 0; i < t.n; i++) {
        io_msg_t m;
        assert_true(io_reader_next(r, &m));
        assert_int_equal(m.index, i);
        assert_int_equal(m.offset, t.m[i].offset);
        io_msg_release(&m);
    }
    io_msg_t m;
    assert_false(io_reader_next(r, &m));
    assert_int_equal(io_reader_failures(r), 1); /* the cut one */
    io_reader_free(r);
    tsplit_free(&t);
    t_rmtree(d);
    free(ga.p);
    free(gb.p);
    free(gm.p);
}

/* A gzip stream on stdin (`zcat`-less pipelines): decoded with read(). */
static void gzip_on_stdin_reads_as_the_mbox(void **state)
{
    (void)state;
    gzbuf_t gz = { 0 };
    gz_member(&gz, mixed, L(mixed), 6);
    int fds[2], saved = dup(0);
    assert_true(saved >= 0);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], gz.p, gz.n), (ssize_t)gz.n);
    close(fds[1]);
    assert_int_equal(dup2(fds[0], 0), 0);
    close(fds[0]);
    io_opts_t o = { .chunk_size = 9 };
    t_check_reader("-", (const uint8_t *)mixed, L(mixed), &o, gz.n);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    free(gz.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gzip_mbox_reads_as_the_mbox_it_holds_at_every_chunk_size),
        cmocka_unit_test(every_member_of_a_multi_member_file_is_read),
        cmocka_unit_test(gzip_cut_at_every_byte_flags_the_message_it_cuts),
        cmocka_unit_test(gzip_with_a_bad_crc_or_length_says_so),
        cmocka_unit_test(gzip_with_trailing_garbage_keeps_its_messages),
        cmocka_unit_test(gzip_bomb_stops_at_the_ratio_cap),
        cmocka_unit_test(compressed_maildir_files_and_single_messages_decode),
        cmocka_unit_test(gzip_on_stdin_reads_as_the_mbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
