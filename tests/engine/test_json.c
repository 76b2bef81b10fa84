/* JSON string escaping keeps every line valid UTF-8 JSON (engine/json.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

#include "json.h"

static void check(const char *in, size_t n, const char *want)
{
    eng_buf_t b = { 0 };
    eng_json_str(&b, slice_make(in, n));
    assert_int_equal(b.n, strlen(want));
    assert_memory_equal(b.p, want, b.n);
    eng_buf_free(&b);
}

static void quotes_backslashes_and_controls_are_escaped(void **state)
{
    (void)state;
    check("a\"b\\c\n\t\x01", 8, "\"a\\\"b\\\\c\\u000a\\u0009\\u0001\"");
}

static void valid_utf8_passes_through(void **state)
{
    (void)state;
    check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
          "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

static void invalid_bytes_become_latin1_escapes(void **state)
{
    (void)state;
    /* lone continuation byte, overlong NUL, truncated sequence, surrogate */
    check("\x80", 1, "\"\\u0080\"");
    check("\xc0\x80", 2, "\"\\u00c0\\u0080\"");
    check("\xe2\x82", 2, "\"\\u00e2\\u0082\"");
    check("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");
    check("x\0y", 3, "\"x\\u0000y\"");
}

/*
 * Runs of plain ASCII are skipped eight bytes at a time: a byte that needs
 * escaping (or a UTF-8 sequence) at every position of a long string must
 * come out as it does alone.
 */
static void special_byte_anywhere_in_a_long_string(void **state)
{
    static const struct {
        const char *in, *out;
    } sp[] = {
        { "\"", "\\\"" }, { "\\", "\\\\" }, { "\x01", "\\u0001" },
        { "\x7f", "\\u007f" }, { "\xff", "\\u00ff" }, { "\xc3\xa9", "\xc3\xa9" },
        { "~", "~" }, { " ", " " },
    };
    (void)state;
    const char *text = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
    for (size_t o = 0; o < sizeof sp / sizeof sp[0]; o++) {
        for (int k = 0; k <= 40; k++) {
            char in[64], want[96];
            int n = snprintf(in, sizeof in, "%.*s%s%s", k, text, sp[o].in, text + k);
            snprintf(want, sizeof want, "\"%.*s%s%s\"", k, text, sp[o].out, text + k);
            check(in, (size_t)n, want);
        }
    }
}

static void keys_and_numbers(void **state)
{
    (void)state;
    eng_buf_t b = { 0 };
    eng_json_key(&b, "a", 1);
    eng_json_int(&b, -5);
    eng_json_key(&b, "c", 0);
    eng_json_int(&b, 0);
    eng_json_key(&b, "d", 0);
    eng_json_int(&b, INT64_MIN);
    eng_json_key(&b, "e", 0);
    eng_buf_putu(&b, UINT64_MAX);
    eng_json_key(&b, "b", 0);
    eng_json_cstr(&b, NULL);
    const char *want = "\"a\":-5,\"c\":0,\"d\":-9223372036854775808,"
                       "\"e\":18446744073709551615,\"b\":null";
    assert_int_equal(b.n, strlen(want));
    assert_memory_equal(b.p, want, b.n);
    eng_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quotes_backslashes_and_controls_are_escaped),
        cmocka_unit_test(special_byte_anywhere_in_a_long_string),
        cmocka_unit_test(valid_utf8_passes_through),
        cmocka_unit_test(invalid_bytes_become_latin1_escapes),
        cmocka_unit_test(keys_and_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
