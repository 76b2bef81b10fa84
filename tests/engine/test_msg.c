/* Header field splitting, From domain and Date parsing (engine/msg.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "msg.h"

static slice_t S(const char *s) { return slice_cstr(s); }

static void assert_slice(slice_t got, const char *want)
{
    assert_int_equal(got.n, strlen(want));
    assert_memory_equal(got.p, want, got.n);
}

static void fields_keep_folding_and_line_breaks(void **state)
{
    (void)state;
    const char *msg = "From: a@example.org\nSubject: one\n two\r\nX:y\n\nbody\n";
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse(&m, S(msg), 100, &trunc), 0);
    assert_int_equal(trunc, 0);
    assert_int_equal(m.nf, 3);
    assert_slice(m.f[0].raw, "From: a@example.org\n");
    assert_slice(m.f[1].raw, "Subject: one\n two\r\n");
    assert_slice(m.f[1].name, "Subject");
    assert_slice(m.f[1].value, " one\n two");
    assert_slice(m.f[2].value, "y");
    assert_true(m.has_body);
    assert_slice(m.body, "body\n");
    eng_msg_free(&m);
}

static void crlf_empty_line_starts_body(void **state)
{
    (void)state;
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse(&m, S("A: 1\r\n\r\n\r\nb"), 100, &trunc), 0);
    assert_int_equal(m.nf, 1);
    assert_slice(m.f[0].raw, "A: 1\r\n");
    assert_slice(m.body, "\r\nb");
    eng_msg_free(&m);
}

static void no_body_separator_means_no_body(void **state)
{
    (void)state;
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse(&m, S("A: 1\nB: 2"), 100, &trunc), 0);
    assert_int_equal(m.nf, 2);
    assert_false(m.has_body);
    assert_int_equal(m.body.n, 0);
    assert_slice(m.f[1].raw, "B: 2");
    eng_msg_free(&m);
}

static void ws_before_colon_is_not_part_of_the_name(void **state)
{
    (void)state;
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse(&m, S("Subject :x\nDate\t: y\n\n"), 100, &trunc), 0);
    assert_slice(m.f[0].name, "Subject");
    assert_slice(m.f[1].name, "Date");
    assert_non_null(eng_msg_find(&m, "DATE"));
    eng_msg_free(&m);
}

static void lines_without_colon_are_counted_not_kept(void **state)
{
    (void)state;
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse(&m, S("garbage line\nA: 1\n\n"), 100, &trunc), 0);
    assert_int_equal(m.nf, 1);
    assert_int_equal(m.bad_lines, 1);
    eng_msg_free(&m);
}

static void field_limit_is_reported(void **state)
{
    (void)state;
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse(&m, S("A: 1\nB: 2\nC: 3\n\n"), 2, &trunc), 0);
    assert_int_equal(m.nf, 2);
    assert_int_equal(trunc, 1);
    eng_msg_free(&m);
}

/* Catalogue A4: the cap counts the whole field, folded lines and line break included. */
static void field_over_size_cap_keeps_raw_but_not_value(void **state)
{
    (void)state;
    /* "Big: 12345\n 678\n" is 16 bytes */
    const char *msg = "A: 1\nBig: 12345\n 678\nC: x\n\nbody";
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse_capped(&m, S(msg), 100, 15, &trunc), 0);
    assert_int_equal(trunc, 0);
    assert_int_equal(m.nf, 3);
    assert_int_equal(m.too_large, 1);
    assert_int_equal(m.first_too_large, 1);
    assert_true(m.f[1].too_large);
    assert_slice(m.f[1].name, "Big");
    assert_slice(m.f[1].raw, "Big: 12345\n 678\n");
    assert_int_equal(m.f[1].value.n, 0);
    assert_false(m.f[0].too_large);
    assert_false(m.f[2].too_large);
    assert_slice(m.f[2].value, " x");
    assert_slice(m.body, "body");
    eng_msg_free(&m);
}

static void field_exactly_at_size_cap_is_read(void **state)
{
    (void)state;
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse_capped(&m, S("Big: 12345\n 678\n\n"), 100, 16, &trunc), 0);
    assert_int_equal(m.too_large, 0);
    assert_false(m.f[0].too_large);
    assert_slice(m.f[0].value, " 12345\n 678");
    eng_msg_free(&m);
    /* 0 means no cap, and eng_msg_parse has none */
    assert_int_equal(eng_msg_parse_capped(&m, S("Big: 12345\n 678\n\n"), 100, 0, &trunc), 0);
    assert_int_equal(m.too_large, 0);
    eng_msg_free(&m);
}

/* Catalogue A4: an endless header block (no empty line) is cut at the field count. */
static void endless_header_block_stops_at_field_limit(void **state)
{
    (void)state;
    static char big[20000];
    size_t n = 0;
    while (n + 6 <= sizeof big) {
        memcpy(big + n, "X: 1\r\n", 6);
        n += 6;
    }
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse_capped(&m, slice_make(big, n), 1000, 65536, &trunc), 0);
    assert_int_equal(trunc, 1);
    assert_int_equal(m.nf, 1000);
    assert_false(m.has_body);
    eng_msg_free(&m);
}

/* Catalogue A4: NUL and 8-bit bytes are octets like any other: no C strings. */
static void nul_and_8bit_bytes_stay_in_values(void **state)
{
    (void)state;
    static const char msg[] = "Subject: a\0b\xff\n\nx\0y";
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse(&m, slice_make(msg, sizeof msg - 1), 100, &trunc), 0);
    assert_int_equal(m.nf, 1);
    assert_int_equal(m.f[0].value.n, 5);
    assert_memory_equal(m.f[0].value.p, " a\0b\xff", 5);
    assert_int_equal(m.body.n, 3);
    eng_msg_free(&m);
}

static void from_domain_of_common_forms(void **state)
{
    (void)state;
    char d[256];
    assert_int_equal(eng_from_domain(S(" Alice <alice@Example.ORG>"), d, sizeof d), 11);
    assert_string_equal(d, "example.org");
    assert_int_equal(eng_from_domain(S(" bob@example.net (Bob)"), d, sizeof d), 11);
    assert_string_equal(d, "example.net");
    assert_int_equal(eng_from_domain(S(" \"a@b.c\" <x@real.example>"), d, sizeof d), 12);
    assert_string_equal(d, "real.example");
    assert_int_equal(eng_from_domain(S(" a@one.example, b@two.example"), d, sizeof d), 11);
    assert_string_equal(d, "one.example");
    assert_int_equal(eng_from_domain(S(" undisclosed"), d, sizeof d), 0);
}

static void dates_parse_with_zones(void **state)
{
    (void)state;
    /* RFC 5322 A.1.1 example */
    assert_int_equal(eng_parse_date(S(" Fri, 21 Nov 1997 09:55:06 -0600")), 880127706);
    assert_int_equal(eng_parse_date(S("21 Nov 1997 15:55:06 +0000 (UTC)")), 880127706);
    assert_int_equal(eng_parse_date(S("Fri, 21 Nov 97 09:55:06 CST")), 880127706);
    assert_int_equal(eng_parse_date(S("Thu, 1 Jan 1970 00:00:00 GMT")), 0);
    assert_int_equal(eng_parse_date(S("not a date")), -1);
    assert_int_equal(eng_parse_date(S("32 Jan 2020 00:00 +0000")), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_keep_folding_and_line_breaks),
        cmocka_unit_test(crlf_empty_line_starts_body),
        cmocka_unit_test(no_body_separator_means_no_body),
        cmocka_unit_test(ws_before_colon_is_not_part_of_the_name),
        cmocka_unit_test(lines_without_colon_are_counted_not_kept),
        cmocka_unit_test(field_limit_is_reported),
        cmocka_unit_test(field_over_size_cap_keeps_raw_but_not_value),
        cmocka_unit_test(field_exactly_at_size_cap_is_read),
        cmocka_unit_test(endless_header_block_stops_at_field_limit),
        cmocka_unit_test(nul_and_8bit_bytes_stay_in_values),
        cmocka_unit_test(from_domain_of_common_forms),
        cmocka_unit_test(dates_parse_with_zones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
