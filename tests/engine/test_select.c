/* h= chooses header fields bottom-up (RFC 6376 5.4.2), engine/dkim_verify.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dkim_verify.h"

static const char msg[] =
    "Received: one\n"      /* 0 */
    "From: a@example.org\n" /* 1 */
    "Received: two\n"      /* 2 */
    "Subject: s\n"         /* 3 */
    "X-Trace: 1\n"         /* 4 */
    "x-trace: 2\n"         /* 5 */
    "\n";

static size_t pick(const char *const *names, size_t n, size_t *out)
{
    slice_t s[8];
    eng_msg_t m;
    int trunc;
    for (size_t i = 0; i < n; i++)
        s[i] = slice_cstr(names[i]);
    assert_int_equal(eng_msg_parse(&m, slice_cstr(msg), 100, &trunc), 0);
    size_t k = eng_dkim_select(&m, s, n, out);
    eng_msg_free(&m);
    return k;
}

static void repeated_names_take_fields_from_the_bottom_up(void **state)
{
    (void)state;
    const char *h[] = { "received", "Received", "x-trace", "X-TRACE" };
    size_t out[4];
    assert_int_equal(pick(h, 4, out), 4);
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 5);
    assert_int_equal(out[3], 4);
}

static void names_absent_or_exhausted_select_nothing(void **state)
{
    (void)state;
    /* over-signing: a third Received, a Reply-To the message lacks */
    const char *h[] = { "from", "reply-to", "received", "received", "received", "subject" };
    size_t out[6];
    assert_int_equal(pick(h, 6, out), 4);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 2);
    assert_int_equal(out[2], 0);
    assert_int_equal(out[3], 3);
}

static void order_follows_h_not_the_message(void **state)
{
    (void)state;
    const char *h[] = { "subject", "from" };
    size_t out[2];
    assert_int_equal(pick(h, 2, out), 2);
    assert_int_equal(out[0], 3);
    assert_int_equal(out[1], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(repeated_names_take_fields_from_the_bottom_up),
        cmocka_unit_test(names_absent_or_exhausted_select_nothing),
        cmocka_unit_test(order_follows_h_not_the_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
