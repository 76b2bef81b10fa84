/* SPF macros and domain-spec checks (engine/spf_macro.c, RFC 7208 7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <strings.h>

#include "spf_internal.h"

/* RFC 7208 7.4: sender strong-bad@email.example.com, client 192.0.2.3. */
static const uint8_t ip4[4] = { 192, 0, 2, 3 };
static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                 0,    0,    0,    0,    0, 0, 0xcb, 0x01 };

static spf_macro_env_t env_rfc(int v4)
{
    spf_macro_env_t e = {
        .local = SLICE_LIT("strong-bad"),
        .sender_dom = SLICE_LIT("email.example.com"),
        .domain = SLICE_LIT("email.example.com"),
        .helo = SLICE_LIT("mx.example.org"),
        .validated = SLICE_LIT("unknown"),
        .receiver = SLICE_LIT("mx.receiver.example"),
        .v4 = v4,
        .ip = v4 ? ip4 : ip6,
        .now = 1700000000,
    };
    return e;
}

static void expands(const spf_macro_env_t *e, int mode, const char *in, const char *want)
{
    char out[512];
    size_t n = 0;
    assert_int_equal(spf_macro_expand(e, slice_cstr(in), mode, out, sizeof out, &n),
                     SPF_MACRO_OK);
    out[n] = '\0';
    assert_string_equal(out, want);
}

static void rfc7208_7_4_examples_ipv4(void **state)
{
    (void)state;
    spf_macro_env_t e = env_rfc(1);
    static const char *const ex[][2] = {
        { "%{s}", "strong-bad@email.example.com" },
        { "%{o}", "email.example.com" },
        { "%{d}", "email.example.com" },
        { "%{d4}", "email.example.com" },
        { "%{d3}", "email.example.com" },
        { "%{d2}", "example.com" },
        { "%{d1}", "com" },
        { "%{dr}", "com.example.email" },
        { "%{d2r}", "example.email" },
        { "%{l}", "strong-bad" },
        { "%{l-}", "strong.bad" },
        { "%{lr}", "strong-bad" },
        { "%{lr-}", "bad.strong" },
        { "%{l1r-}", "strong" },
        { "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
        { "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
        { "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
          "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
        { "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
          "3.2.0.192.in-addr.strong.lp._spf.example.com" },
        { "%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net" },
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++)
        expands(&e, SPF_MACRO_DOMAIN, ex[i][0], ex[i][1]);
}

static void rfc7208_7_4_example_ipv6_nibbles(void **state)
{
    (void)state;
    spf_macro_env_t e = env_rfc(0);
    char out[256];
    size_t n = 0;
    const char *rfc = "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
                      ".ip6._spf.example.com";
    assert_int_equal(spf_macro_expand(&e, SLICE_LIT("%{ir}.%{v}._spf.%{d2}"),
                                      SPF_MACRO_DOMAIN, out, sizeof out, &n),
                     SPF_MACRO_OK);
    out[n] = '\0';
    /* The RFC prints the nibbles in lower case, the openspf suite
     * (v-macro-ip6) in upper case; DNS names compare without case, and we
     * follow the suite for explanations. */
    assert_string_equal(out, "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2"
                             ".ip6._spf.example.com");
    assert_int_equal(strcasecmp(out, rfc), 0);
    expands(&e, SPF_MACRO_EXP, "%{c} %{v}", "2001:db8::cb01 ip6");
}

static void escapes_and_url_encoding(void **state)
{
    (void)state;
    spf_macro_env_t e = env_rfc(1);
    expands(&e, SPF_MACRO_DOMAIN, "a%%b%_c%-d", "a%b c%20d");
    e.local = SLICE_LIT("~jack&jill=up-a_b3.c");
    /* RFC 7208 7.3: upper-case letters URL-escape all but unreserved bytes */
    expands(&e, SPF_MACRO_DOMAIN, "%{L}", "~jack%26jill%3Dup-a_b3.c");
    expands(&e, SPF_MACRO_DOMAIN, "%{l+-=}", "~jack&jill.up.a_b3.c");
}

static void exp_only_letters_and_spaces(void **state)
{
    (void)state;
    spf_macro_env_t e = env_rfc(1);
    char out[64];
    size_t n;
    expands(&e, SPF_MACRO_EXP, "%{c} via %{r} at %{t}",
            "192.0.2.3 via mx.receiver.example at 1700000000");
    /* c, r, t and SP belong to explanations only (7.1) */
    assert_int_equal(spf_macro_expand(&e, SLICE_LIT("%{c}.x.com"), SPF_MACRO_DOMAIN, out,
                                      sizeof out, &n), SPF_MACRO_SYNTAX);
    assert_int_equal(spf_macro_expand(&e, SLICE_LIT("a b"), SPF_MACRO_DOMAIN, out,
                                      sizeof out, &n), SPF_MACRO_SYNTAX);
}

static void syntax_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "%", "foo%", "%x", "%{", "%{d", "%{x}", "%{d0}", "%{d2r", "%(ir)", "%{d!}",
        "caf\xc3\xa9", "a\tb",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(spf_macro_expand(NULL, slice_cstr(bad[i]), SPF_MACRO_EXP, NULL, 0,
                                          NULL), SPF_MACRO_SYNTAX);
}

static void overflow_is_reported(void **state)
{
    (void)state;
    spf_macro_env_t e = env_rfc(1);
    char out[8];
    size_t n = 0;
    assert_int_equal(spf_macro_expand(&e, SLICE_LIT("%{s}"), SPF_MACRO_DOMAIN, out,
                                      sizeof out, &n), SPF_MACRO_TOO_LONG);
    assert_int_equal(n, 8);
    assert_memory_equal(out, "strong-b", 8);
}

static void domain_spec_grammar(void **state)
{
    (void)state;
    static const char *const good[] = {
        "example.com", "example.com.", "foo:bar/baz.example.com", "%{d}", "%{ir}.%{v}._spf.%{d2}",
        "foo.example.xn--zckzah", "a%%", "_spf.%{d2}",
    };
    static const char *const bad[] = {
        "", "museum", "museum.", "abc.123", "111.222.33.44", "example.-com", "foo-bar",
        "example.com:8080", "example.com}", "%{d}com", "foo.com/24",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(spf_domain_spec_ok(slice_cstr(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(spf_domain_spec_ok(slice_cstr(bad[i])));
}

static void long_names_lose_labels_on_the_left(void **state)
{
    (void)state;
    char name[300];
    memset(name, 'a', sizeof name);
    /* 60 "a" labels of 4 "a"s: 299 octets with dots */
    for (size_t i = 4; i < sizeof name; i += 5)
        name[i] = '.';
    slice_t t = spf_domain_truncate(slice_make(name, 299));
    assert_int_equal(t.n, 249); /* 50 labels: the largest count that fits 253 */
    assert_ptr_equal(t.p, name + 50);
    assert_true(spf_domain_shape_ok(t));
    assert_false(spf_domain_shape_ok(SLICE_LIT("a..b")));
    assert_false(spf_domain_shape_ok(slice_make(name, 299)));
    assert_true(spf_domain_shape_ok(SLICE_LIT("example.com.")));
}

static void long_expansions_keep_the_end_for_truncation(void **state)
{
    (void)state;
    spf_macro_env_t e = env_rfc(1);
    e.local = SLICE_LIT("abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi."
                        "abcdefghi.abcdefghi.abcdefghi.abcdefghi.abcdefghi");
    char spec[400] = "";
    for (int i = 0; i < 30; i++)
        strcat(spec, "%{l}.");
    strcat(spec, "%{d2}");
    static char full[8192];
    char tail[512];
    size_t nf = 0, nt = 0;
    assert_int_equal(spf_macro_expand(&e, slice_cstr(spec), SPF_MACRO_DOMAIN, full,
                                      sizeof full, &nf), SPF_MACRO_OK);
    assert_int_equal(nf, 30 * 100 + 11);
    assert_int_equal(spf_macro_expand(&e, slice_cstr(spec), SPF_MACRO_DOMAIN | SPF_MACRO_TAIL,
                                      tail, sizeof tail, &nt), SPF_MACRO_OK);
    assert_true(nt >= 256 && nt <= sizeof tail);
    assert_memory_equal(tail + nt - 256, full + nf - 256, 256);
    /* RFC 7208 7.3: both truncate to the same 253-octet name */
    slice_t a = spf_domain_truncate(slice_make(full, nf));
    slice_t b = spf_domain_truncate(slice_make(tail, nt));
    assert_int_equal(a.n, 24 * 10 + 11); /* 24 labels "abcdefghi." + "example.com" */
    assert_true(slice_eq(a, b));
    assert_memory_equal(b.p + b.n - 21, "abcdefghi.example.com", 21);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc7208_7_4_examples_ipv4),
        cmocka_unit_test(rfc7208_7_4_example_ipv6_nibbles),
        cmocka_unit_test(escapes_and_url_encoding),
        cmocka_unit_test(exp_only_letters_and_spaces),
        cmocka_unit_test(syntax_errors),
        cmocka_unit_test(overflow_is_reported),
        cmocka_unit_test(domain_spec_grammar),
        cmocka_unit_test(long_names_lose_labels_on_the_left),
        cmocka_unit_test(long_expansions_keep_the_end_for_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
