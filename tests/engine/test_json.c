/* JSON string escaping keeps every line valid UTF-8 JSON (engine/json.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

static void keys_and_numbers(void **state)
{
    (void)state;
    eng_buf_t b = { 0 };
    eng_json_key(&b, "a", 1);
    eng_json_int(&b, -5);
    eng_json_key(&b, "b", 0);
    eng_json_cstr(&b, NULL);
    assert_int_equal(b.n, strlen("\"a\":-5,\"b\":null"));
    assert_memory_equal(b.p, "\"a\":-5,\"b\":null", b.n);
    eng_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quotes_backslashes_and_controls_are_escaped),
        cmocka_unit_test(valid_utf8_passes_through),
        cmocka_unit_test(invalid_bytes_become_latin1_escapes),
        cmocka_unit_test(keys_and_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
