/* Tests for engine/dkim_tags.c: RFC 6376 3.2 tag lists and colon lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dkim.h"
#include "dkim_tags_internal.h"

static dkim_taglist_t tl;

static void assert_slice(slice_t s, const char *want)
{
    assert_int_equal(s.n, strlen(want));
    if (s.n)
        assert_memory_equal(s.p, want, s.n);
}

static const char *parse(const char *s)
{
    return dkim_taglist_parse(slice_cstr(s), &tl);
}

static void simple_list_gives_names_values_and_raw(void **state)
{
    assert_null(parse("v=1; a=rsa-sha256"));
    assert_int_equal(tl.n, 2);
    assert_slice(tl.t[0].name, "v");
    assert_slice(tl.t[0].value, "1");
    assert_slice(tl.t[0].raw, "v=1");
    assert_slice(tl.t[1].name, "a");
    assert_slice(tl.t[1].value, "rsa-sha256");
    assert_slice(tl.t[1].raw, "a=rsa-sha256");
}

static void fws_allowed_around_name_equals_and_value_lf(void **state)
{
    assert_null(parse(" \t v \n\t= \n  1 ;\n a=b c\n\td ; "));
    assert_int_equal(tl.n, 2);
    assert_slice(tl.t[0].name, "v");
    assert_slice(tl.t[0].value, "1");
    assert_slice(tl.t[0].raw, "v \n\t= \n  1");
    assert_slice(tl.t[1].name, "a");
    assert_slice(tl.t[1].value, "b c\n\td"); /* inner FWS kept */
}

static void fws_allowed_around_name_equals_and_value_crlf(void **state)
{
    assert_null(parse("\r\n v\r\n =\r\n\t1\r\n ;\r\n\tbh = x y\r\n z"));
    assert_int_equal(tl.n, 2);
    assert_slice(tl.t[0].value, "1");
    assert_slice(tl.t[1].name, "bh");
    assert_slice(tl.t[1].value, "x y\r\n z");
}

static void several_folds_in_a_row_are_one_fws(void **state)
{
    assert_null(parse("a=\r\n \r\n\t\n b"));
    assert_slice(tl.t[0].value, "b");
}

static void final_line_break_ends_the_list(void **state)
{
    assert_null(parse("a=1; b=2\r\n"));
    assert_int_equal(tl.n, 2);
    assert_slice(tl.t[1].value, "2");
    assert_null(parse("a=1; b=2;\n"));
    assert_int_equal(tl.n, 2);
    assert_null(parse("a=1  \r\n"));
    assert_slice(tl.t[0].value, "1");
}

static void line_break_without_wsp_inside_is_an_error(void **state)
{
    assert_string_equal(parse("a=1\r\nb=2"), "tag-list syntax error");
    assert_string_equal(parse("a=1\nb=2"), "tag-list syntax error");
    assert_string_equal(parse("a=1\r\n"
                              "\r\n"),
                        "tag-list syntax error");
}

static void bare_cr_is_an_error(void **state)
{
    assert_string_equal(parse("a=1\r b=2"), "tag-list syntax error");
    assert_string_equal(parse("a=1\r"), "tag-list syntax error");
}

static void trailing_semicolon_is_allowed(void **state)
{
    assert_null(parse("a=1;"));
    assert_int_equal(tl.n, 1);
    assert_null(parse("a=1; \r\n "));
    assert_int_equal(tl.n, 1);
}

static void double_semicolon_is_an_error(void **state)
{
    assert_string_equal(parse("a=1;;"), "tag-list syntax error");
    assert_string_equal(parse("a=1; ;b=2"), "tag-list syntax error");
    assert_string_equal(parse(";a=1"), "tag-list syntax error");
}

static void empty_or_blank_list_is_an_error(void **state)
{
    assert_string_equal(parse(""), "tag-list syntax error");
    assert_string_equal(parse(" \t\r\n "), "tag-list syntax error");
    assert_string_equal(parse(";"), "tag-list syntax error");
    assert_string_equal(dkim_taglist_parse(SLICE_NULL, &tl), "tag-list syntax error");
    assert_int_equal(tl.n, 0);
}

static void empty_value_is_allowed(void **state)
{
    assert_null(parse("s=; d= ;p="));
    assert_int_equal(tl.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(tl.t[i].value.n, 0);
    assert_slice(tl.t[1].raw, "d=");
}

static void tag_without_equals_is_an_error(void **state)
{
    /* The ARC test suite's broken key record. */
    assert_string_equal(parse("v=DKIM1; k=rsa; omgwhatsgoingon"),
                        "tag-list syntax error");
    assert_int_equal(tl.n, 2); /* tags before the error are kept */
    assert_string_equal(parse("a"), "tag-list syntax error");
    assert_string_equal(parse("a b=1"), "tag-list syntax error");
}

static void tag_name_must_start_with_a_letter(void **state)
{
    assert_string_equal(parse("1a=b"), "tag-list syntax error");
    assert_string_equal(parse("_a=b"), "tag-list syntax error");
    assert_string_equal(parse("=b"), "tag-list syntax error");
    assert_null(parse("a_1=b; x-foo=bar:baz"));
    assert_slice(tl.t[0].name, "a_1");
    assert_slice(tl.t[1].name, "x-foo");
    assert_slice(tl.t[1].value, "bar:baz");
}

static void bytes_outside_valchar_are_errors(void **state)
{
    static const char *const bad[] = { "a=caf\xc3\xa9", "a=x\x01y", "a=\x7f",
                                       "a=x\x0by", "a\xff=1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_string_equal(parse(bad[i]), "tag-list syntax error");
    const uint8_t nul[] = { 'a', '=', 'x', 0, 'y' };
    assert_string_equal(dkim_taglist_parse(slice_make(nul, sizeof nul), &tl),
                        "tag-list syntax error");
}

/*
 * Long values are scanned eight bytes at a time: one odd byte at every
 * position of a run (and so at every offset within a block) must give the
 * same answer as when it stands alone.
 */
static void odd_byte_anywhere_in_a_long_value(void **state)
{
    static const struct {
        const char *x;
        int ok; /* 1: the value stays one tag, holding x */
    } odd[] = {
        { "\x7f", 0 }, { "\x80", 0 }, { "\x01", 0 }, { "\n", 0 }, { "\r", 0 },
        { "\r\nx", 0 }, { " ", 1 }, { "\t", 1 }, { "\r\n ", 1 }, { "\n\t", 1 },
        { "=", 1 }, { "~", 1 }, { "!", 1 },
    };
    for (size_t o = 0; o < sizeof odd / sizeof odd[0]; o++) {
        for (size_t k = 0; k <= 40; k++) {
            char s[160], want[128];
            int m = snprintf(want, sizeof want, "%.*s%s%.*s", (int)k,
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq", odd[o].x,
                             (int)(40 - k), "0123456789+/0123456789+/0123456789+/01234");
            snprintf(s, sizeof s, "b=%s; d=x", want);
            const char *why = parse(s);
            if (!odd[o].ok) {
                assert_string_equal(why, "tag-list syntax error");
                continue;
            }
            if (k == 0 || k == 40)
                continue; /* FWS at the ends is not part of the value */
            assert_null(why);
            assert_int_equal(tl.n, 2);
            assert_int_equal(tl.t[0].value.n, (size_t)m);
            assert_memory_equal(tl.t[0].value.p, want, (size_t)m);
            assert_slice(tl.t[1].value, "x");
        }
    }
    /* a ';' anywhere ends the value there */
    for (size_t k = 1; k < 40; k++) {
        char s[128];
        snprintf(s, sizeof s, "b=%.*s;c=%.*s", (int)k,
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq", (int)(40 - k),
                 "0123456789+/0123456789+/0123456789+/0123");
        assert_null(parse(s));
        assert_int_equal(tl.t[0].value.n, k);
        assert_int_equal(tl.t[1].value.n, 40 - k);
    }
}

static void equals_sign_inside_value_is_a_valchar(void **state)
{
    assert_null(parse("bh=abc=; b = x=y=="));
    assert_slice(tl.t[0].value, "abc=");
    assert_slice(tl.t[1].value, "x=y==");
}

static void duplicate_tag_is_an_error_naming_the_tag(void **state)
{
    assert_string_equal(parse("d=a; s=main; s=main; t=1"), "duplicate tag: s");
    assert_int_equal(tl.n, 2); /* the first s= is kept */
    assert_slice(tl.t[1].value, "main");
    assert_string_equal(parse("bh=1; bh=2"), "duplicate tag: bh");
    assert_string_equal(parse("foo=1; foo=2"), "duplicate tag");
}

static void tag_names_are_case_sensitive(void **state)
{
    assert_null(parse("a=1; A=2"));
    assert_int_equal(tl.n, 2);
    assert_slice(dkim_taglist_get(&tl, "a")->value, "1");
    assert_slice(dkim_taglist_get(&tl, "A")->value, "2");
    assert_null(dkim_taglist_get(&tl, "b"));
    assert_null(dkim_taglist_get(&tl, ""));
}

static void more_than_max_tags_is_an_error(void **state)
{
    char buf[DKIM_MAX_TAGS * 8 + 16];
    size_t o = 0;

    for (int i = 0; i < DKIM_MAX_TAGS; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "t%d=1;", i);
    assert_null(dkim_taglist_parse(slice_make(buf, o), &tl));
    assert_int_equal(tl.n, DKIM_MAX_TAGS);
    o += (size_t)snprintf(buf + o, sizeof buf - o, "z=1");
    assert_string_equal(dkim_taglist_parse(slice_make(buf, o), &tl), "too many tags");
}

static void list_does_not_read_past_the_slice(void **state)
{
    /* "a=1" followed by bytes that must not be looked at. */
    const char mem[] = "a=1;;;\xff";
    assert_null(dkim_taglist_parse(slice_make(mem, 3), &tl));
    assert_slice(tl.t[0].value, "1");
}

static void colon_list_items_are_trimmed_and_kept_in_order(void **state)
{
    dkim_list_t l;
    slice_t it;
    static const char *const want[] = { "From", "to", "", "x y" };

    dkim_list_init(&l, slice_cstr("From :\r\n to::x y "));
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(dkim_list_next(&l, &it), 1);
        assert_slice(it, want[i]);
    }
    assert_int_equal(dkim_list_next(&l, &it), 0);
    assert_int_equal(dkim_list_next(&l, &it), 0);
}

static void empty_colon_list_gives_one_empty_item(void **state)
{
    dkim_list_t l;
    slice_t it;

    dkim_list_init(&l, SLICE_NULL);
    assert_int_equal(dkim_list_next(&l, &it), 1);
    assert_int_equal(it.n, 0);
    assert_int_equal(dkim_list_next(&l, &it), 0);
}

static void fws_len_counts_only_folds_followed_by_wsp(void **state)
{
    assert_int_equal(dkim_fws_len(slice_cstr(" \t\r\n x"), 0), 5);
    assert_int_equal(dkim_fws_len(slice_cstr(" \r\nx"), 0), 1);
    assert_int_equal(dkim_fws_len(slice_cstr(" \n"), 0), 1);
    assert_int_equal(dkim_fws_len(slice_cstr("x"), 0), 0);
    assert_int_equal(dkim_fws_len(slice_cstr("ab"), 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(simple_list_gives_names_values_and_raw),
        cmocka_unit_test(fws_allowed_around_name_equals_and_value_lf),
        cmocka_unit_test(fws_allowed_around_name_equals_and_value_crlf),
        cmocka_unit_test(several_folds_in_a_row_are_one_fws),
        cmocka_unit_test(final_line_break_ends_the_list),
        cmocka_unit_test(line_break_without_wsp_inside_is_an_error),
        cmocka_unit_test(bare_cr_is_an_error),
        cmocka_unit_test(trailing_semicolon_is_allowed),
        cmocka_unit_test(double_semicolon_is_an_error),
        cmocka_unit_test(empty_or_blank_list_is_an_error),
        cmocka_unit_test(empty_value_is_allowed),
        cmocka_unit_test(tag_without_equals_is_an_error),
        cmocka_unit_test(tag_name_must_start_with_a_letter),
        cmocka_unit_test(bytes_outside_valchar_are_errors),
        cmocka_unit_test(odd_byte_anywhere_in_a_long_value),
        cmocka_unit_test(equals_sign_inside_value_is_a_valchar),
        cmocka_unit_test(duplicate_tag_is_an_error_naming_the_tag),
        cmocka_unit_test(tag_names_are_case_sensitive),
        cmocka_unit_test(more_than_max_tags_is_an_error),
        cmocka_unit_test(list_does_not_read_past_the_slice),
        cmocka_unit_test(colon_list_items_are_trimmed_and_kept_in_order),
        cmocka_unit_test(empty_colon_list_gives_one_empty_item),
        cmocka_unit_test(fws_len_counts_only_folds_followed_by_wsp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
