/*
 * test_maildir.c - walking paths: maildirs, directory trees, symlinks and
 * paths that cannot be read.
 */
#include <errno.h>

#include "io_test_util.h"

#define L(s) (sizeof(s) - 1)

static void put(const char *dir, const char *rel, const char *text)
{
    char p[512];
    t_write_file(t_path(p, sizeof(p), "%s/%s", dir, rel), text, strlen(text));
}

static void sub(const char *dir, const char *rel)
{
    char p[512];
    t_mkdir(t_path(p, sizeof(p), "%s/%s", dir, rel));
}

/* Next message must be text from source at index. */
static void expect(io_reader_t *r, const char *source, uint64_t index, const char *text)
{
    io_msg_t m;
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.err, 0);
    assert_string_equal(m.source, source);
    assert_int_equal(m.index, index);
    assert_int_equal(m.size, strlen(text));
    assert_int_equal(m.data.n, strlen(text));
    assert_memory_equal(m.data.p, text, m.data.n);
    io_msg_release(&m);
}

static void expect_end(io_reader_t *r)
{
    io_msg_t m;
    assert_false(io_reader_next(r, &m));
    assert_false(io_reader_next(r, &m)); /* and stays at the end */
}

static void maildir_reads_cur_then_new_sorted_and_never_tmp(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char md[512];
    t_path(md, sizeof(md), "%s/md", d);
    sub(d, "md");
    sub(d, "md/cur");
    sub(d, "md/new");
    sub(d, "md/tmp");
    sub(d, "md/cur/subdir");
    put(d, "md/cur/1700000002.M2P1.host:2,S", "second\n");
    put(d, "md/cur/1700000001.M1P1.host:2,S", "first\n");
    put(d, "md/cur/.hidden", "dotfile\n");
    put(d, "md/new/1600000000.M0P1.host", "From new\n"); /* maildir files are never mbox */
    put(d, "md/tmp/1800000000.M9P1.host", "being delivered\n");
    const char *paths[] = { md };
    io_reader_t *r = t_reader_new(paths, 1, NULL);
    char f[600];
    /* each maildir message is named by its own file, index 0 */
    expect(r, t_path(f, sizeof(f), "%s/cur/1700000001.M1P1.host:2,S", md), 0, "first\n");
    expect(r, t_path(f, sizeof(f), "%s/cur/1700000002.M2P1.host:2,S", md), 0, "second\n");
    expect(r, t_path(f, sizeof(f), "%s/new/1600000000.M0P1.host", md), 0, "From new\n");
    expect_end(r);
    assert_int_equal(io_reader_failures(r), 0);
    assert_int_equal(io_reader_bytes(r), L("first\n") + L("second\n") + L("From new\n"));
    io_reader_free(r);
    t_rmtree(d);
}

static void maildir_with_only_new_is_a_maildir(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    sub(d, "new");
    put(d, "new/a", "A\n");
    put(d, "other.eml", "not part of the maildir\n");
    const char *paths[] = { d };
    io_reader_t *r = t_reader_new(paths, 1, NULL);
    char f[600];
    expect(r, t_path(f, sizeof(f), "%s/new/a", d), 0, "A\n");
    expect_end(r);
    io_reader_free(r);
    t_rmtree(d);
}

static void tree_walk_is_sorted_and_classifies_each_file(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char p[512], q[512];
    sub(d, "a");
    put(d, "a/x.mbox", "From a@b Mon Jan  1 00:00:00 2024\nm1\n\nFrom a@b Mon Jan  1 00:00:00 2024\nm2\n\n");
    put(d, "a/y.eml", "Subject: y\n\ny\n");
    put(d, "b.eml", "Subject: b\n\nb\n");
    put(d, "empty.eml", "");
    put(d, ".dot.eml", "hidden\n");
    sub(d, "md");
    sub(d, "md/cur");
    put(d, "md/cur/m", "maildir message\n");
    /* A symlinked directory is not followed (it could loop); a symlinked
     * file is read. */
    assert_int_equal(symlink(t_path(p, sizeof(p), "%s", d), t_path(q, sizeof(q), "%s/loop", d)), 0);
    assert_int_equal(symlink("b.eml", t_path(q, sizeof(q), "%s/link.eml", d)), 0);

    const char *paths[] = { d };
    io_reader_t *r = t_reader_new(paths, 1, NULL);
    expect(r, t_path(p, sizeof(p), "%s/a/x.mbox", d), 0, "m1\n");
    expect(r, t_path(p, sizeof(p), "%s/a/x.mbox", d), 1, "m2\n");
    expect(r, t_path(p, sizeof(p), "%s/a/y.eml", d), 0, "Subject: y\n\ny\n");
    expect(r, t_path(p, sizeof(p), "%s/b.eml", d), 0, "Subject: b\n\nb\n");
    expect(r, t_path(p, sizeof(p), "%s/empty.eml", d), 0, "");
    expect(r, t_path(p, sizeof(p), "%s/link.eml", d), 0, "Subject: b\n\nb\n");
    expect(r, t_path(p, sizeof(p), "%s/md/cur/m", d), 0, "maildir message\n");
    expect_end(r);
    assert_int_equal(io_reader_failures(r), 0);
    io_reader_free(r);
    t_rmtree(d);
}

static void missing_path_yields_an_error_and_the_rest_is_read(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char missing[512], eml[512];
    t_path(missing, sizeof(missing), "%s/missing.mbox", d);
    t_path(eml, sizeof(eml), "%s/b.eml", d);
    put(d, "b.eml", "B\n");
    const char *paths[] = { missing, eml, missing };
    io_reader_t *r = t_reader_new(paths, 3, NULL);
    io_msg_t m;
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.err, ENOENT);
    assert_string_equal(m.errstr, "no such file or directory");
    assert_string_equal(m.source, missing);
    assert_int_equal(m.index, 0);
    assert_null(m.buf);
    assert_int_equal(m.data.n, 0);
    io_msg_release(&m);
    expect(r, eml, 0, "B\n");
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.err, ENOENT);
    expect_end(r);
    assert_int_equal(io_reader_failures(r), 2);
    io_reader_free(r);
    t_rmtree(d);
}

static void dangling_symlink_in_a_walk_is_an_error(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char p[512];
    assert_int_equal(symlink("nowhere", t_path(p, sizeof(p), "%s/a.eml", d)), 0);
    put(d, "b.eml", "B\n");
    const char *paths[] = { d };
    io_reader_t *r = t_reader_new(paths, 1, NULL);
    io_msg_t m;
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.err, ENOENT);
    assert_string_equal(m.source, p);
    expect(r, t_path(p, sizeof(p), "%s/b.eml", d), 0, "B\n");
    expect_end(r);
    assert_int_equal(io_reader_failures(r), 1);
    io_reader_free(r);
    t_rmtree(d);
}

static void messages_outlive_the_reader_buffers(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char p[512];
    put(d, "x.mbox", "From a Mon Jan  1 00:00:00 2024\none\n\nFrom a Mon Jan  1 00:00:00 2024\ntwo\n");
    const char *paths[] = { t_path(p, sizeof(p), "%s/x.mbox", d) };
    io_opts_t o = { .chunk_size = 16 };
    io_reader_t *r = t_reader_new(paths, 1, &o);
    io_msg_t a, b, c;
    assert_true(io_reader_next(r, &a));
    assert_true(io_reader_next(r, &b));
    assert_false(io_reader_next(r, &c));
    /* Released in the other order, after the reader has moved on. */
    assert_memory_equal(b.data.p, "two", 3);
    io_msg_release(&b);
    assert_memory_equal(a.data.p, "one\n", 4);
    io_msg_release(&a);
    io_reader_free(r);
    t_rmtree(d);
}

/*
 * Catalogue A5: a maildir file delivered elsewhere (moved new/ -> cur/ by a
 * mail client, or expunged) between the listing and the read.  The race is
 * counted as that file's error; the walk goes on.  With io_uring the file
 * may already be open in a batch: then it is read whole, which is as good.
 */
static void maildir_file_vanishing_after_listing_is_its_own_error(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char md[512], gone[600], f[600];
    t_path(md, sizeof(md), "%s/md", d);
    sub(d, "md");
    sub(d, "md/cur");
    put(d, "md/cur/1", "one\n");
    put(d, "md/cur/2", "two\n");
    put(d, "md/cur/3", "three\n");
    const char *paths[] = { md };
    io_reader_t *r = t_reader_new(paths, 1, NULL);
    expect(r, t_path(f, sizeof(f), "%s/cur/1", md), 0, "one\n");
    assert_int_equal(unlink(t_path(gone, sizeof(gone), "%s/cur/2", md)), 0);
    io_msg_t m;
    assert_true(io_reader_next(r, &m));
    assert_string_equal(m.source, gone);
    if (IO_TEST_MODE == IO_SYNC || m.err) {
        assert_int_equal(m.err, ENOENT);
        assert_string_equal(m.errstr, "no such file or directory");
        assert_int_equal(m.data.n, 0);
        assert_int_equal(io_reader_failures(r), 1);
    } else {
        assert_memory_equal(m.data.p, "two\n", 4);
    }
    io_msg_release(&m);
    expect(r, t_path(f, sizeof(f), "%s/cur/3", md), 0, "three\n");
    expect_end(r);
    io_reader_free(r);
    t_rmtree(d);
}

/*
 * Catalogue H5 (I/O faults): a file whose read() fails with EIO (reading
 * /proc/self/mem at offset 0, unmapped: a real EIO, even for root) among
 * readable ones, as a path, through a symlink in a walk and in a maildir.
 */
static void read_error_eio_is_its_own_error_and_the_rest_is_read(void **state)
{
    (void)state;
    char *d = t_mkdtemp();
    char eml[512], link[512], mlink[512], f[600];
    put(d, "b.eml", "B\n");
    sub(d, "tree");
    assert_int_equal(symlink("/proc/self/mem", t_path(link, sizeof(link), "%s/tree/a.eml", d)),
                     0);
    put(d, "tree/b.eml", "TB\n");
    sub(d, "md");
    sub(d, "md/cur");
    assert_int_equal(symlink("/proc/self/mem", t_path(mlink, sizeof(mlink), "%s/md/cur/0", d)),
                     0);
    put(d, "md/cur/1", "M1\n");
    char tree[512], md[512];
    t_path(eml, sizeof(eml), "%s/b.eml", d);
    t_path(tree, sizeof(tree), "%s/tree", d);
    t_path(md, sizeof(md), "%s/md", d);
    const char *paths[] = { "/proc/self/mem", eml, tree, md };
    io_reader_t *r = t_reader_new(paths, 4, NULL);
    io_msg_t m;
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.err, EIO);
    assert_string_equal(m.errstr, "input/output error");
    assert_string_equal(m.source, "/proc/self/mem");
    io_msg_release(&m);
    expect(r, eml, 0, "B\n");
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.err, EIO);
    assert_string_equal(m.source, link);
    io_msg_release(&m);
    expect(r, t_path(f, sizeof(f), "%s/b.eml", tree), 0, "TB\n");
    assert_true(io_reader_next(r, &m));
    assert_int_equal(m.err, EIO);
    assert_string_equal(m.source, mlink);
    io_msg_release(&m);
    expect(r, t_path(f, sizeof(f), "%s/cur/1", md), 0, "M1\n");
    expect_end(r);
    assert_int_equal(io_reader_failures(r), 3);
    io_reader_free(r);
    t_rmtree(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(maildir_reads_cur_then_new_sorted_and_never_tmp),
        cmocka_unit_test(maildir_with_only_new_is_a_maildir),
        cmocka_unit_test(tree_walk_is_sorted_and_classifies_each_file),
        cmocka_unit_test(missing_path_yields_an_error_and_the_rest_is_read),
        cmocka_unit_test(dangling_symlink_in_a_walk_is_an_error),
        cmocka_unit_test(messages_outlive_the_reader_buffers),
        cmocka_unit_test(maildir_file_vanishing_after_listing_is_its_own_error),
        cmocka_unit_test(read_error_eio_is_its_own_error_and_the_rest_is_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
