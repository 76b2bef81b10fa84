/* Authentication-Results: reading what was recorded, writing values (engine/authres.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "authres.h"

static void recorded(const char *msg, const char *id, eng_recorded_t *r)
{
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse(&m, slice_cstr(msg), 100, &trunc), 0);
    eng_recorded_get(&m, id, r);
    eng_msg_free(&m);
}

static void topmost_header_with_comments_and_versions(void **state)
{
    (void)state;
    eng_recorded_t r;
    recorded("Authentication-Results: mx.google.com;\n"
             "       dkim=fail (bad sig) header.i=@a.example header.s=s1;\n"
             "       dkim=pass header.i=@b.example;\n"
             "       spf=softfail (google.com: domain of x@a.example does not designate) "
             "smtp.mailfrom=x@a.example;\n"
             "       dmarc = FAIL (p=REJECT sp=NONE dis=NONE) header.from=a.example\n"
             "Authentication-Results: older.example; spf=pass\n\n",
             NULL, &r);
    assert_true(r.found);
    assert_string_equal(r.dkim, "pass"); /* any dkim pass wins */
    assert_string_equal(r.spf, "softfail");
    assert_string_equal(r.dmarc, "fail");
    assert_string_equal(r.arc, "");
}

static void authserv_id_selects_the_header(void **state)
{
    (void)state;
    eng_recorded_t r;
    const char *msg = "Authentication-Results: evil.example; dkim=pass; spf=pass\n"
                      "Authentication-Results: MX.Example.NET 1; arc=fail; dkim/1=neutral\n\n";
    recorded(msg, "mx.example.net", &r);
    assert_true(r.found);
    assert_string_equal(r.arc, "fail");
    assert_string_equal(r.dkim, "neutral");
    assert_string_equal(r.spf, "");
    recorded(msg, "nobody.example", &r);
    assert_false(r.found);
}

static void no_result_and_garbage_are_harmless(void **state)
{
    (void)state;
    eng_recorded_t r;
    recorded("Authentication-Results: mx.example; none\n\n", NULL, &r);
    assert_true(r.found);
    assert_string_equal(r.dkim, "");
    recorded("Authentication-Results: ;;;=;dkim=;(((\n\n", NULL, &r);
    assert_true(r.found);
    assert_string_equal(r.dkim, "");
}

static void values_are_tokens_or_quoted(void **state)
{
    (void)state;
    eng_buf_t b = { 0 };
    eng_authres_value(&b, slice_cstr("example.org"));
    eng_buf_puts(&b, " ");
    eng_authres_value(&b, slice_cstr("user@example.org"));
    eng_buf_puts(&b, " ");
    eng_authres_value(&b, slice_cstr("ab/c+d=="));
    eng_buf_puts(&b, " ");
    eng_authres_value(&b, slice_cstr("body hash \"did\" not verify"));
    const char *want = "example.org user@example.org \"ab/c+d==\" "
                       "\"body hash \\\"did\\\" not verify\"";
    assert_int_equal(b.n, strlen(want));
    assert_memory_equal(b.p, want, b.n);
    eng_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(topmost_header_with_comments_and_versions),
        cmocka_unit_test(authserv_id_selects_the_header),
        cmocka_unit_test(no_result_and_garbage_are_harmless),
        cmocka_unit_test(values_are_tokens_or_quoted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
