/*
 * test_mbox.c - io_mbox_split / io_mbox_detect / io_mbox_unquote over memory.
 */
#include "io_test_util.h"

#define L(s) (sizeof(s) - 1)
#define FL "From alice@example.org Mon Jan  1 00:00:00 2024\n"
#define FLC "From alice@example.org Mon Jan  1 00:00:00 2024\r\n"

static void from_rule_drops_the_writers_extra_newline(void **state)
{
    (void)state;
    static const char mb[] = FL "A: 1\n\nbody one\n" "\n" FL "A: 2\n\nbody two\n" "\n";
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_RD);
    assert_int_equal(t.n, 2);
    assert_msg(t, 0, "A: 1\n\nbody one\n", L(FL));
    assert_msg(t, 1, "A: 2\n\nbody two\n", 2 * L(FL) + L("A: 1\n\nbody one\n") + 1);
    tsplit_free(&t);
}

static void message_without_trailing_newline_keeps_its_last_byte(void **state)
{
    (void)state;
    static const char mb[] = FL "A: 1\n\nno newline" "\n" FL "A: 2\n\nlast one";
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_RD);
    assert_int_equal(t.n, 2);
    assert_msg(t, 0, "A: 1\n\nno newline", L(FL));
    /* At the end of the file there is no writer newline to drop. */
    assert_msg(t, 1, "A: 2\n\nlast one", 2 * L(FL) + L("A: 1\n\nno newline") + 1);
    tsplit_free(&t);
}

static void only_one_newline_is_dropped_at_end_of_file(void **state)
{
    (void)state;
    static const char mb[] = FL "A: 1\n\nbody\n\n\n";
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_RD);
    assert_int_equal(t.n, 1);
    assert_msg(t, 0, "A: 1\n\nbody\n\n", L(FL));
    tsplit_free(&t);
}

static void empty_messages_between_separators(void **state)
{
    (void)state;
    /* An empty message as written (followed by the extra "\n"), then one
     * whose From_ line is followed at once by the next From_ line. */
    static const char mb[] = FL "\n" FL FL "A: 3\n\nb\n\n";
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_RD);
    assert_int_equal(t.n, 3);
    assert_msg(t, 0, "", L(FL));
    assert_msg(t, 1, "", 2 * L(FL) + 1);
    assert_msg(t, 2, "A: 3\n\nb\n", 3 * L(FL) + 1);
    tsplit_free(&t);
}

static void quoted_first_body_line_stays_in_the_message(void **state)
{
    (void)state;
    static const char mb[] = FL "A: 1\n\n>From the first line\nmore\n\n";
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_RD);
    assert_int_equal(t.n, 1);
    assert_msg(t, 0, "A: 1\n\n>From the first line\nmore\n", L(FL));
    uint8_t out[64];
    slice_t m = slice_make(t.m[0].p, t.m[0].n);
    assert_true(io_mbox_needs_unquote(m, IO_MBOX_RD));
    size_t n = io_mbox_unquote(m, IO_MBOX_RD, out);
    assert_int_equal(n, L("A: 1\n\nFrom the first line\nmore\n"));
    assert_memory_equal(out, "A: 1\n\nFrom the first line\nmore\n", n);
    tsplit_free(&t);
}

static void unquoted_from_body_line_starts_a_new_message(void **state)
{
    (void)state;
    static const char mb[] = FL "A: 1\n\nFrom here on\nx\n\n";
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_RD);
    assert_int_equal(t.n, 2);
    assert_msg(t, 0, "A: 1\n", L(FL));
    assert_msg(t, 1, "x\n", L(FL) + L("A: 1\n\nFrom here on\n"));
    tsplit_free(&t);
}

static const char quoted[] = ">From a\n>>From b\n>>>From c\nx>From d\n>From";

static void unquote_rd_removes_one_gt_from_every_quoted_line(void **state)
{
    (void)state;
    static const char want[] = "From a\n>From b\n>>From c\nx>From d\n>From";
    uint8_t out[sizeof(quoted)];
    slice_t m = slice_make(quoted, L(quoted));
    assert_int_equal(io_mbox_needs_unquote(m, IO_MBOX_RD), 1);
    size_t n = io_mbox_unquote(m, IO_MBOX_RD, out);
    assert_int_equal(n, L(want));
    assert_memory_equal(out, want, n);
    /* AUTO un-quotes as mboxrd. */
    assert_int_equal(io_mbox_unquote(m, IO_MBOX_AUTO, out), L(want));
    /* In place (the reader's way): the same bytes. */
    memcpy(out, quoted, L(quoted));
    n = io_mbox_unquote(slice_make(out, L(quoted)), IO_MBOX_RD, out);
    assert_int_equal(n, L(want));
    assert_memory_equal(out, want, n);
}

static void unquote_o_removes_gt_only_before_from(void **state)
{
    (void)state;
    static const char want[] = "From a\n>>From b\n>>>From c\nx>From d\n>From";
    uint8_t out[sizeof(quoted)];
    slice_t m = slice_make(quoted, L(quoted));
    size_t n = io_mbox_unquote(m, IO_MBOX_O, out);
    assert_int_equal(n, L(want));
    assert_memory_equal(out, want, n);
    static const char deep[] = "a\n>>From b\n";
    assert_int_equal(io_mbox_needs_unquote(SLICE_LIT(deep), IO_MBOX_O), 0);
    assert_int_equal(io_mbox_needs_unquote(SLICE_LIT(deep), IO_MBOX_RD), 1);
}

static void unquote_leaves_out_untouched_when_nothing_changes(void **state)
{
    (void)state;
    uint8_t out[sizeof(quoted)];
    memset(out, 0xAA, sizeof(out));
    slice_t m = slice_make(quoted, L(quoted));
    assert_int_equal(io_mbox_needs_unquote(m, IO_MBOX_CL2), 0);
    assert_int_equal(io_mbox_unquote(m, IO_MBOX_CL2, out), L(quoted));
    static const char plain[] = "A: 1\n\nsay >From here\n";
    assert_int_equal(io_mbox_needs_unquote(SLICE_LIT(plain), IO_MBOX_RD), 0);
    assert_int_equal(io_mbox_unquote(SLICE_LIT(plain), IO_MBOX_RD, out), L(plain));
    for (size_t i = 0; i < sizeof(out); i++)
        assert_int_equal(out[i], 0xAA);
}

static void crlf_mbox_drops_the_crlf_written_after_each_message(void **state)
{
    (void)state;
    static const char mb[] = FLC "A: 1\r\n\r\nbody\r\n" "\r\n" FLC "A: 2\r\n\r\nend" "\r\n"
                             FLC "A: 3\r\n\r\nx\r\n" "\r\n";
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_RD);
    assert_int_equal(t.n, 3);
    assert_msg(t, 0, "A: 1\r\n\r\nbody\r\n", L(FLC));
    assert_msg(t, 1, "A: 2\r\n\r\nend", 2 * L(FLC) + L("A: 1\r\n\r\nbody\r\n") + 2);
    assert_msg(t, 2, "A: 3\r\n\r\nx\r\n",
               3 * L(FLC) + L("A: 1\r\n\r\nbody\r\n") + 2 + L("A: 2\r\n\r\nend") + 2);
    tsplit_free(&t);
}

static void crlf_message_in_lf_mbox_keeps_its_crlf(void **state)
{
    (void)state;
    /* How conformance/peer-signed stores "stored: crlf" messages. */
    static const char mb[] = FL "A: 1\r\n\r\nbody\r\n" "\n" FL "A: 2\r\n\r\nx\r\n" "\n";
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_RD);
    assert_int_equal(t.n, 2);
    assert_msg(t, 0, "A: 1\r\n\r\nbody\r\n", L(FL));
    assert_msg(t, 1, "A: 2\r\n\r\nx\r\n", 2 * L(FL) + L("A: 1\r\n\r\nbody\r\n") + 1);
    tsplit_free(&t);
}

#define CL2_M1 "Content-Length: 12\n\nFrom inside\n"
#define CL2_M2 "content-length :2\r\n\nx\n"
static const char cl2_mbox[] = FL CL2_M1 "\n" FL CL2_M2 "\n";

static void cl2_content_length_covers_unquoted_from_lines(void **state)
{
    (void)state;
    assert_int_equal(io_mbox_detect(SLICE_LIT(cl2_mbox)), IO_MBOX_CL2);
    for (int fmt = IO_MBOX_AUTO; fmt <= IO_MBOX_CL2; fmt += IO_MBOX_CL2) {
        tsplit_t t = tsplit(cl2_mbox, L(cl2_mbox), (io_mbox_fmt_t)fmt);
        assert_int_equal(t.n, 2);
        assert_msg(t, 0, CL2_M1, L(FL));
        assert_msg(t, 1, CL2_M2, 2 * L(FL) + L(CL2_M1) + 1);
        tsplit_free(&t);
    }
    /* Read as mboxrd the same bytes hold three messages. */
    tsplit_t t = tsplit(cl2_mbox, L(cl2_mbox), IO_MBOX_RD);
    assert_int_equal(t.n, 3);
    assert_msg(t, 0, "Content-Length: 12\n", L(FL));
    tsplit_free(&t);
}

#define CL2C_M1 "Content-Length: 13\r\n\r\nFrom inside\r\n"
#define CL2C_M2 "Content-Length: 3\r\n\r\nx\r\n"

static void cl2_crlf_mbox_ends_messages_before_the_crlf(void **state)
{
    (void)state;
    static const char mb[] = FLC CL2C_M1 "\r\n" FLC CL2C_M2 "\r\n";
    assert_int_equal(io_mbox_detect(SLICE_LIT(mb)), IO_MBOX_CL2);
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_AUTO);
    assert_int_equal(t.n, 2);
    assert_msg(t, 0, CL2C_M1, L(FLC));
    assert_msg(t, 1, CL2C_M2, 2 * L(FLC) + L(CL2C_M1) + 2);
    tsplit_free(&t);
}

static void cl2_bad_content_length_falls_back_to_from_rule(void **state)
{
    (void)state;
    static const char wrong[] = FL "Content-Length: 5\n\nFrom inside\n\n" FL "A: 2\n\nb\n\n";
    tsplit_t t = tsplit(wrong, L(wrong), IO_MBOX_CL2);
    assert_int_equal(t.n, 3);
    assert_msg(t, 0, "Content-Length: 5\n", L(FL));
    assert_msg(t, 1, "", L(FL) + L("Content-Length: 5\n\nFrom inside\n"));
    assert_msg(t, 2, "A: 2\n\nb\n", L(wrong) - L("A: 2\n\nb\n\n"));
    tsplit_free(&t);

    static const char huge[] = FL "Content-Length: 99999999999999999999999\n\nbody\n\n" FL "x\n";
    t = tsplit(huge, L(huge), IO_MBOX_CL2);
    assert_int_equal(t.n, 2);
    assert_msg(t, 0, "Content-Length: 99999999999999999999999\n\nbody\n", L(FL));
    assert_msg(t, 1, "x", L(huge) - 2);
    tsplit_free(&t);

    static const char none[] = FL "A: 1\n\nbody\n\n" FL "x\n";
    t = tsplit(none, L(none), IO_MBOX_CL2);
    assert_int_equal(t.n, 2);
    assert_msg(t, 0, "A: 1\n\nbody\n", L(FL));
    tsplit_free(&t);
}

static void detect_prefers_rd_unless_cl2_proves_itself(void **state)
{
    (void)state;
    static const char no_cl[] = FL "A: 1\n\n>From x\n\n";
    static const char cl_no_from[] = FL "Content-Length: 5\n\nbody\n\n" FL "x\n";
    static const char cl_wrong[] = FL "Content-Length: 4\n\nFrom x\n\n";
    static const char not_mbox[] = "Subject: hi\n\nFrom x\n";
    assert_int_equal(io_mbox_detect(SLICE_LIT(no_cl)), IO_MBOX_RD);
    assert_int_equal(io_mbox_detect(SLICE_LIT(cl_no_from)), IO_MBOX_RD);
    assert_int_equal(io_mbox_detect(SLICE_LIT(cl_wrong)), IO_MBOX_RD);
    assert_int_equal(io_mbox_detect(SLICE_LIT(not_mbox)), IO_MBOX_RD);
    assert_int_equal(io_mbox_detect(SLICE_NULL), IO_MBOX_RD);
    assert_int_equal(io_mbox_detect(SLICE_LIT("From")), IO_MBOX_RD);
}

static void bytes_before_first_from_line_are_skipped(void **state)
{
    (void)state;
    static const char mb[] = "garbage\n" FL "x\n\n";
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_AUTO);
    assert_int_equal(t.n, 1);
    assert_msg(t, 0, "x\n", L("garbage\n") + L(FL));
    tsplit_free(&t);
    t = tsplit("no mbox here\n", 13, IO_MBOX_RD);
    assert_int_equal(t.n, 0);
    tsplit_free(&t);
}

static void from_line_cut_off_by_end_of_file_is_an_empty_message(void **state)
{
    (void)state;
    static const char mb[] = FL "x\n\nFrom b";
    tsplit_t t = tsplit(mb, L(mb), IO_MBOX_RD);
    assert_int_equal(t.n, 2);
    assert_msg(t, 0, "x\n", L(FL));
    assert_msg(t, 1, "", L(mb));
    tsplit_free(&t);
}

/* Six messages of conformance/peer-signed (quoting, CRLF, no trailing
 * newline, empty body, NUL bytes, the last message of the file). */
static void peer_signed_sample_matches_its_maildir_bytes(void **state)
{
    (void)state;
    char p[1024];
    size_t n;
    uint8_t *mb = t_read_file(t_path(p, sizeof(p), "%s/peer-sample.mbox", IO_TEST_DATA), &n);
    assert_int_equal(io_mbox_detect(slice_make(mb, n)), IO_MBOX_RD);
    tsplit_t t = tsplit(mb, n, IO_MBOX_AUTO);
    assert_int_equal(t.n, 6);
    assert_int_equal(t.m[0].offset, L("From bounce@edge.example.com Thu Oct 19 14:40:24 2023\n"));
    int unquoted = 0;
    for (size_t i = 0; i < t.n; i++) {
        size_t en;
        uint8_t *want = t_read_file(t_path(p, sizeof(p), "%s/peer-sample/%zu.eml", IO_TEST_DATA, i), &en);
        slice_t m = slice_make(t.m[i].p, t.m[i].n);
        uint8_t *out = malloc(m.n + 1);
        size_t on = io_mbox_unquote(m, IO_MBOX_RD, out);
        if (io_mbox_needs_unquote(m, IO_MBOX_RD))
            unquoted++;
        else
            memcpy(out, m.p, m.n);
        assert_int_equal(on, en);
        assert_memory_equal(out, want, en);
        /* The offset is just after a From_ line. */
        assert_true(t.m[i].offset > 0 && mb[t.m[i].offset - 1] == '\n');
        assert_memory_equal(mb + t.m[i].offset, t.m[i].p, t.m[i].n);
        free(out);
        free(want);
    }
    assert_int_equal(unquoted, 1);
    tsplit_free(&t);
    free(mb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(from_rule_drops_the_writers_extra_newline),
        cmocka_unit_test(message_without_trailing_newline_keeps_its_last_byte),
        cmocka_unit_test(only_one_newline_is_dropped_at_end_of_file),
        cmocka_unit_test(empty_messages_between_separators),
        cmocka_unit_test(quoted_first_body_line_stays_in_the_message),
        cmocka_unit_test(unquoted_from_body_line_starts_a_new_message),
        cmocka_unit_test(unquote_rd_removes_one_gt_from_every_quoted_line),
        cmocka_unit_test(unquote_o_removes_gt_only_before_from),
        cmocka_unit_test(unquote_leaves_out_untouched_when_nothing_changes),
        cmocka_unit_test(crlf_mbox_drops_the_crlf_written_after_each_message),
        cmocka_unit_test(crlf_message_in_lf_mbox_keeps_its_crlf),
        cmocka_unit_test(cl2_content_length_covers_unquoted_from_lines),
        cmocka_unit_test(cl2_crlf_mbox_ends_messages_before_the_crlf),
        cmocka_unit_test(cl2_bad_content_length_falls_back_to_from_rule),
        cmocka_unit_test(detect_prefers_rd_unless_cl2_proves_itself),
        cmocka_unit_test(bytes_before_first_from_line_are_skipped),
        cmocka_unit_test(from_line_cut_off_by_end_of_file_is_an_empty_message),
        cmocka_unit_test(peer_signed_sample_matches_its_maildir_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
