/* Tests for engine/dkim_sig.c: the DKIM-Signature value (RFC 6376 3.5). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dkim.h"

static dkim_sig_t sig;

static void assert_slice(slice_t s, const char *want)
{
    assert_int_equal(s.n, strlen(want));
    if (s.n)
        assert_memory_equal(s.p, want, s.n);
}

static const char *parse(const char *s)
{
    return dkim_sig_parse(slice_cstr(s), &sig);
}

/* 32 zero bytes, and "test". */
#define BH32 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define B4 "dGVzdA=="
#define GOOD_TAIL "d=example.com; s=sel; h=from:to; bh=" BH32 "; b=" B4
#define GOOD "v=1; a=rsa-sha256; " GOOD_TAIL

/*
 * RFC 6376 Appendix A.2, the DKIM-Signature of the example message: the
 * bytes after "DKIM-Signature:" through the end of the field, copied from
 * /work/shared/conformance/rfc-vectors/rfc6376/A.2-signed.eml (CRLF lines).
 */
static const char A2[] =
    " v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
    "      c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
    "      h=Received : From : To : Subject : Date : Message-ID;\r\n"
    "      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    "      b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
    "      4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
    "      KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
    "      4bmp/YzhwvcubU4=;\r\n";

static void assert_a2(void)
{
    static const uint8_t bh[32] = {
        0xda, 0x35, 0x12, 0x38, 0x7f, 0x4d, 0x86, 0xd5, 0x46, 0x09, 0x05,
        0x8d, 0xaf, 0xd0, 0x6b, 0x20, 0x03, 0xeb, 0x78, 0xa4, 0x23, 0x3b,
        0xa4, 0xa7, 0xed, 0x72, 0x24, 0x7c, 0x95, 0x4e, 0xce, 0xff,
    };
    static const char *const h[] = { "Received", "From",    "To",
                                     "Subject",  "Date",    "Message-ID" };

    assert_null(sig.error);
    assert_slice(sig.d, "example.com");
    assert_slice(sig.s, "brisbane");
    assert_slice(sig.i, "joe@football.example.com");
    assert_slice(sig.a, "rsa-sha256");
    assert_slice(sig.c, "simple/simple");
    assert_true(sig.has_d && sig.has_s && sig.has_i && sig.has_a);
    assert_int_equal(sig.keytype, CRYPTO_KEY_RSA);
    assert_int_equal(sig.hash, CRYPTO_SHA256);
    assert_int_equal(sig.hcanon, CRYPTO_CANON_SIMPLE);
    assert_int_equal(sig.bcanon, CRYPTO_CANON_SIMPLE);
    assert_slice(sig.domain, "example.com");
    assert_slice(sig.selector, "brisbane");
    assert_slice(sig.auid, "joe@football.example.com");
    assert_slice(sig.auid_domain, "football.example.com");
    assert_int_equal(sig.l, -1);
    assert_int_equal(sig.t, -1);
    assert_int_equal(sig.x, -1);
    assert_int_equal(sig.nh, 6);
    for (size_t k = 0; k < 6; k++)
        assert_slice(sig.h[k], h[k]);
    assert_int_equal(sig.bhlen, 32);
    assert_memory_equal(sig.bh, bh, 32);
    assert_int_equal(sig.siglen, 128);
    assert_memory_equal(sig.sig, "\x02\xe5\x28\x14", 4);
    assert_memory_equal(sig.sig + 124, "\xf7\x2e\x6d\x4e", 4);
    /* b= value: from after "b=" to the final ';' (3.7). */
    assert_int_equal(sig.b_off, 236);
    assert_int_equal(sig.b_len, 196);
    assert_memory_equal(A2 + sig.b_off, "AuUoFEf", 7);
    assert_memory_equal(A2 + sig.b_off + sig.b_len, ";\r\n", 3);
    assert_slice(sig.b, "AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
                        "      4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
                        "      KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
                        "      4bmp/YzhwvcubU4=");
}

static void rfc6376_a2_signature_parses_exactly(void **state)
{
    assert_null(dkim_sig_parse(slice_make(A2, sizeof A2 - 1), &sig));
    assert_a2();
}

static void rfc6376_a2_without_final_line_break_is_the_same(void **state)
{
    assert_null(dkim_sig_parse(slice_make(A2, sizeof A2 - 3), &sig));
    assert_a2();
}

static void rfc6376_a2_with_lf_folding_is_the_same(void **state)
{
    char lf[sizeof A2];
    size_t o = 0;

    for (size_t k = 0; k < sizeof A2 - 1; k++)
        if (A2[k] != '\r')
            lf[o++] = A2[k];
    assert_null(dkim_sig_parse(slice_make(lf, o), &sig));
    assert_int_equal(sig.nh, 6);
    assert_int_equal(sig.siglen, 128);
    assert_int_equal(sig.bhlen, 32);
    assert_int_equal(sig.b_off, 236 - 4); /* four CRs before b= */
    assert_int_equal(sig.b_len, 196 - 3);
    assert_int_equal(lf[sig.b_off + sig.b_len], ';');
}

static void minimal_signature_gets_defaults(void **state)
{
    assert_null(parse(GOOD));
    assert_int_equal(sig.hcanon, CRYPTO_CANON_SIMPLE);
    assert_int_equal(sig.bcanon, CRYPTO_CANON_SIMPLE);
    assert_slice(sig.auid, "example.com"); /* i= absent: "@" d= */
    assert_slice(sig.auid_domain, "example.com");
    assert_false(sig.has_i);
    assert_int_equal(sig.l, -1);
    assert_int_equal(sig.siglen, 4);
    assert_memory_equal(sig.sig, "test", 4);
    assert_int_equal(sig.bhlen, 32);
}

static void fws_in_every_allowed_place(void **state)
{
    static const char *const v[] = {
        "\n\tv\n =\n 1\n ;\ta = rsa-sha256 ;\n d\n\t=\n\texample.com;s=sel;\n"
        " h\n =\n from\n :\n to\n ;bh=AAAAAAAAAAAAAAAAAAAAAAAAAA\n AAAAAAAAAAAAAAAAA=;\n"
        " b\n =\n dGVz\n dA==\n ;\n",
        "\r\n\tv\r\n =\r\n 1\r\n ;\ta = rsa-sha256 ;\r\n d\r\n\t=\r\n\texample.com;s=sel;\r\n"
        " h\r\n =\r\n from\r\n :\r\n to\r\n ;bh=AAAAAAAAAAAAAAAAAAAAAAAAAA\r\n AAAAAAAAAAAAAAAAA=;\r\n"
        " b\r\n =\r\n dGVz\r\n dA==\r\n ;\r\n",
    };
    for (size_t k = 0; k < 2; k++) {
        assert_null(parse(v[k]));
        assert_slice(sig.d, "example.com");
        assert_int_equal(sig.nh, 2);
        assert_slice(sig.h[0], "from");
        assert_slice(sig.h[1], "to");
        assert_int_equal(sig.bhlen, 32);
        assert_int_equal(sig.siglen, 4);
        assert_memory_equal(sig.sig, "test", 4);
        assert_int_equal(v[k][sig.b_off - 1], '=');
        assert_int_equal(v[k][sig.b_off + sig.b_len], ';');
    }
}

static void each_required_tag_missing_is_named(void **state)
{
    static const struct {
        const char *v, *why;
    } c[] = {
        { "a=rsa-sha256; " GOOD_TAIL, "missing v=" },
        { "v=1; " GOOD_TAIL, "missing a=" },
        { "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH32, "missing b=" },
        { "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=" B4, "missing bh=" },
        { "v=1; a=rsa-sha256; s=sel; h=from; bh=" BH32 "; b=" B4, "missing d=" },
        { "v=1; a=rsa-sha256; d=example.com; s=sel; bh=" BH32 "; b=" B4, "missing h=" },
        { "v=1; a=rsa-sha256; d=example.com; h=from; bh=" BH32 "; b=" B4, "missing s=" },
    };
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        const char *why = parse(c[k].v);
        assert_string_equal(why, c[k].why);
        assert_ptr_equal(sig.error, why);
    }
}

static void version_must_be_1(void **state)
{
    assert_string_equal(parse("v=2; a=rsa-sha256; " GOOD_TAIL), "incompatible version");
    assert_string_equal(parse("v=1.0; a=rsa-sha256; " GOOD_TAIL), "incompatible version");
    assert_string_equal(parse("v=; a=rsa-sha256; " GOOD_TAIL), "incompatible version");
    assert_null(parse("v = 1 ; a=rsa-sha256; " GOOD_TAIL));
}

static void duplicate_tag_still_fills_names(void **state)
{
    assert_string_equal(parse("v=1; a=rsa-sha256; d=example.com; s=sel; s=sel; "
                              "h=from; bh=" BH32 "; b=" B4),
                        "duplicate tag: s");
    assert_slice(sig.d, "example.com");
    assert_slice(sig.s, "sel");
    assert_slice(sig.a, "rsa-sha256");
    assert_true(sig.has_d && sig.has_s && sig.has_a);
    assert_false(sig.has_i);
}

static void syntax_error_fills_tags_before_it(void **state)
{
    assert_string_equal(parse("v=1; d=example.com; s=sel; a=rsa-sha256; h=fr\xc3\xb6m; b=" B4),
                        "tag-list syntax error");
    assert_slice(sig.d, "example.com");
    assert_slice(sig.s, "sel");
    assert_slice(sig.a, "rsa-sha256");
    assert_int_equal(sig.b.n, 0);
}

static void empty_values_are_errors_where_meaningful(void **state)
{
    assert_string_equal(parse("v=1; a=rsa-sha256; d=; s=sel; h=from; bh=" BH32 "; b=" B4),
                        "empty d=");
    assert_true(sig.has_d);
    assert_string_equal(parse("v=1; a=rsa-sha256; d=example.com; s= ; h=from; bh=" BH32
                              "; b=" B4),
                        "empty s=");
    assert_true(sig.has_s);
    assert_string_equal(parse("v=1; a=; " GOOD_TAIL), "unknown algorithm");
    assert_string_equal(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=; bh=" BH32
                              "; b=" B4),
                        "syntax: h=");
    assert_string_equal(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=; b=" B4),
                        "empty bh=");
    assert_string_equal(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH32
                              "; b="),
                        "empty b=");
    assert_int_equal(sig.b_len, 0);
    assert_string_equal(parse(GOOD "; i="), "syntax: i=");
    assert_string_equal(parse(GOOD "; l="), "syntax: l=");
    assert_string_equal(parse(GOOD "; t="), "syntax: t=");
    assert_null(parse(GOOD "; z=; zz="));
}

static void unknown_tags_are_ignored(void **state)
{
    assert_null(parse(GOOD "; zz=whatever; x_y=1; n=a b c; z=From:a@b|To:c@d"));
    assert_int_equal(sig.siglen, 4);
}

static void canonicalization_variants(void **state)
{
    static const struct {
        const char *c;
        crypto_canon_t h, b;
    } ok[] = {
        { "simple", CRYPTO_CANON_SIMPLE, CRYPTO_CANON_SIMPLE },
        { "relaxed", CRYPTO_CANON_RELAXED, CRYPTO_CANON_SIMPLE },
        { "relaxed/relaxed", CRYPTO_CANON_RELAXED, CRYPTO_CANON_RELAXED },
        { "simple/relaxed", CRYPTO_CANON_SIMPLE, CRYPTO_CANON_RELAXED },
        { "relaxed/simple", CRYPTO_CANON_RELAXED, CRYPTO_CANON_SIMPLE },
        { "RELAXED/Simple", CRYPTO_CANON_RELAXED, CRYPTO_CANON_SIMPLE },
    };
    static const char *const bad[] = { "relaxed/fancy", "fancy", "", "relaxed/",
                                       "/relaxed", "relaxed/relaxed/relaxed",
                                       "relaxed /relaxed" };
    char buf[256];

    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        snprintf(buf, sizeof buf, GOOD "; c=%s", ok[k].c);
        assert_null(parse(buf));
        assert_slice(sig.c, ok[k].c);
        assert_int_equal(sig.hcanon, ok[k].h);
        assert_int_equal(sig.bcanon, ok[k].b);
    }
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(buf, sizeof buf, GOOD "; c=%s", bad[k]);
        assert_string_equal(parse(buf), "unknown canonicalization");
        assert_slice(sig.c, bad[k]);
    }
}

static void algorithm_variants(void **state)
{
    static const struct {
        const char *a;
        crypto_keytype_t k;
        crypto_hash_alg_t h;
    } ok[] = {
        { "rsa-sha256", CRYPTO_KEY_RSA, CRYPTO_SHA256 },
        { "rsa-sha1", CRYPTO_KEY_RSA, CRYPTO_SHA1 },
        { "ed25519-sha256", CRYPTO_KEY_ED25519, CRYPTO_SHA256 },
        { "RSA-SHA256", CRYPTO_KEY_RSA, CRYPTO_SHA256 },
        { "Ed25519-SHA256", CRYPTO_KEY_ED25519, CRYPTO_SHA256 },
    };
    static const char *const bad[] = { "rsa-sha512", "rsa", "ed25519", "rsa-sha256x",
                                       "ed448-sha256" };
    char buf[256];

    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        snprintf(buf, sizeof buf, "v=1; a=%s; " GOOD_TAIL, ok[k].a);
        assert_null(parse(buf));
        assert_slice(sig.a, ok[k].a);
        assert_int_equal(sig.keytype, ok[k].k);
        assert_int_equal(sig.hash, ok[k].h);
    }
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(buf, sizeof buf, "v=1; a=%s; " GOOD_TAIL, bad[k]);
        assert_string_equal(parse(buf), "unknown algorithm");
        assert_slice(sig.a, bad[k]);
        assert_true(sig.has_a);
    }
}

static void query_method_must_include_dns_txt(void **state)
{
    assert_null(parse(GOOD "; q=dns/txt"));
    assert_null(parse(GOOD "; q=DNS/TXT"));
    assert_null(parse(GOOD "; q=foo/bar : dns/txt"));
    assert_string_equal(parse(GOOD "; q=dns"), "unknown query method");
    assert_string_equal(parse(GOOD "; q=http"), "unknown query method");
}

static void domain_and_selector_syntax(void **state)
{
    static const char *const bad_d[] = { "edge(example.com", "-a.example.com",
                                         "a-.example.com", ".example.com",
                                         "example..com", "example.com.", "exa mple.com",
                                         "a@b.com", "\"x\".com" };
    static const char *const ok_d[] = { "example.com", "EXAMPLE.Com", "_x.ex-ample.com",
                                        "localhost", "1.2.3.4" };
    static const char *const bad_s[] = { "sel/1", "sel..x", "-sel", "s el", "sel." };
    char buf[512];

    for (size_t k = 0; k < sizeof bad_d / sizeof bad_d[0]; k++) {
        snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=%s; s=sel; h=from; bh=" BH32
                 "; b=" B4, bad_d[k]);
        assert_string_equal(parse(buf), "syntax: d=");
        assert_slice(sig.d, bad_d[k]);
    }
    for (size_t k = 0; k < sizeof ok_d / sizeof ok_d[0]; k++) {
        snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=%s; s=sel; h=from; bh=" BH32
                 "; b=" B4, ok_d[k]);
        assert_null(parse(buf));
        assert_slice(sig.domain, ok_d[k]);
    }
    for (size_t k = 0; k < sizeof bad_s / sizeof bad_s[0]; k++) {
        snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=example.com; s=%s; h=from; bh=" BH32
                 "; b=" B4, bad_s[k]);
        assert_string_equal(parse(buf), "syntax: s=");
    }
    assert_null(parse("v=1; a=rsa-sha256; d=example.com; s=2019_a.Sub-1; h=from; bh=" BH32
                      "; b=" B4));
    assert_slice(sig.selector, "2019_a.Sub-1");
}

static void over_long_labels_and_names_are_rejected(void **state)
{
    char label63[64], label64[65], buf[1024];

    memset(label63, 'a', 63);
    label63[63] = 0;
    memset(label64, 'a', 64);
    label64[64] = 0;
    snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=%s.com; s=sel; h=from; bh=" BH32
             "; b=" B4, label63);
    assert_null(parse(buf));
    snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=%s.com; s=sel; h=from; bh=" BH32
             "; b=" B4, label64);
    assert_string_equal(parse(buf), "syntax: d=");
    /* 4 * 64 = 256 octets: over the 253 of a domain name. */
    snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=%s.%s.%s.%s; s=sel; h=from; bh=" BH32
             "; b=" B4, label63, label63, label63, label63);
    assert_string_equal(parse(buf), "syntax: d=");
}

static void header_list_with_spaces_folding_and_repeats(void **state)
{
    static const char *const want[] = { "From", "to", "from", "Subject", "x-a" };

    assert_null(parse("v=1; a=rsa-sha256; d=example.com; s=sel; "
                      "h= From :\r\n to\r\n\t:from:  Subject\n :x-a ; bh=" BH32 "; b=" B4));
    assert_int_equal(sig.nh, 5);
    for (size_t k = 0; k < 5; k++)
        assert_slice(sig.h[k], want[k]);
}

static void header_list_must_name_from(void **state)
{
    assert_string_equal(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; bh=" BH32
                              "; b=" B4),
                        "From not signed");
    assert_null(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=to:fRoM; bh=" BH32
                      "; b=" B4));
    assert_string_equal(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=to:from-x; bh=" BH32
                              "; b=" B4),
                        "From not signed");
}

static void header_list_empty_name_is_a_syntax_error(void **state)
{
    static const char *const bad[] = { "from::to", "from:", ":from", "from: :to",
                                       "fr om" };
    char buf[256];

    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=example.com; s=sel; h=%s; bh=" BH32
                 "; b=" B4, bad[k]);
        assert_string_equal(parse(buf), "syntax: h=");
    }
}

static void header_list_longer_than_max_is_an_error(void **state)
{
    static char buf[DKIM_MAX_H * 6 + 256];
    size_t o = (size_t)snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=example.com; s=sel; "
                                                 "bh=" BH32 "; b=" B4 "; h=from");

    for (int k = 1; k < DKIM_MAX_H; k++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, ":to");
    assert_null(dkim_sig_parse(slice_make(buf, o), &sig));
    assert_int_equal(sig.nh, DKIM_MAX_H);
    o += (size_t)snprintf(buf + o, sizeof buf - o, ":to");
    assert_string_equal(dkim_sig_parse(slice_make(buf, o), &sig),
                        "too many header names in h=");
}

static void auid_rules(void **state)
{
    assert_null(parse(GOOD "; i=joe@example.com"));
    assert_slice(sig.auid, "joe@example.com");
    assert_slice(sig.auid_domain, "example.com");
    assert_null(parse(GOOD "; i=@example.com"));
    assert_slice(sig.auid_domain, "example.com");
    assert_null(parse(GOOD "; i=news@News.Sub.EXAMPLE.com"));
    assert_slice(sig.auid_domain, "News.Sub.EXAMPLE.com");
    assert_null(parse(GOOD "; i=\"a@b\"@sub.example.com"));
    assert_slice(sig.auid_domain, "sub.example.com");
    assert_string_equal(parse(GOOD "; i=user@other.example.net"), "i= not in d= domain");
    assert_slice(sig.i, "user@other.example.net");
    assert_true(sig.has_i);
    assert_string_equal(parse(GOOD "; i=user@notexample.com"), "i= not in d= domain");
    assert_string_equal(parse(GOOD "; i=user@com"), "i= not in d= domain");
    assert_string_equal(parse(GOOD "; i=example.com"), "syntax: i=");
    assert_string_equal(parse(GOOD "; i=user@"), "syntax: i=");
    assert_string_equal(parse(GOOD "; i=user@exa(mple.com"), "syntax: i=");
}

static void auid_is_dkim_quoted_printable(void **state)
{
    /* Mail::DKIM corpus good_qp_3 / good_qp_2 (t/corpus), i= values. */
    assert_null(parse("v=1; a=rsa-sha256; d=messiah.edu; s=sel; h=from; bh=" BH32 "; b=" B4
                      "; i=jlong=40messiah.edu"));
    assert_slice(sig.i, "jlong=40messiah.edu"); /* as written, for output */
    assert_slice(sig.auid, "jlong@messiah.edu");
    assert_slice(sig.auid_domain, "messiah.edu");
    assert_ptr_equal(sig.auid.p, sig.auid_buf);
    assert_null(parse("v=1; a=rsa-sha256; d=messiah.edu; s=sel; h=from; bh=" BH32 "; b=" B4
                      "; i=jlong@messiah=2eedu"));
    assert_slice(sig.auid_domain, "messiah.edu");
    assert_null(parse(GOOD "; i=a=20b@sub.\r\n example.com"));
    assert_slice(sig.auid, "a b@sub.example.com");
    assert_string_equal(parse(GOOD "; i=x@other=2Eexample.net"), "i= not in d= domain");
    assert_string_equal(parse(GOOD "; i=x@example.com=4"), "syntax: i=");
    assert_string_equal(parse(GOOD "; i=x=ZZ@example.com"), "syntax: i=");
    assert_string_equal(parse(GOOD "; i=x@exa=00mple.com"), "syntax: i=");
}

static void body_length_zero_padded_30_digits(void **state)
{
    assert_null(parse(GOOD "; l=000000000000000000000000008683"));
    assert_int_equal(sig.l, 8683);
    assert_null(parse(GOOD "; l=0"));
    assert_int_equal(sig.l, 0);
}

static void body_length_beyond_int64_saturates(void **state)
{
    assert_null(parse(GOOD "; l=999999999999999999999999999999"));
    assert_int_equal(sig.l, INT64_MAX);
    assert_null(parse(GOOD "; l=9223372036854775807"));
    assert_int_equal(sig.l, INT64_MAX);
    assert_null(parse(GOOD "; l=9223372036854775806"));
    assert_int_equal(sig.l, INT64_MAX - 1);
    assert_null(parse(GOOD "; l=9223372036854775808"));
    assert_int_equal(sig.l, INT64_MAX);
}

static void body_length_must_be_digits(void **state)
{
    assert_string_equal(parse(GOOD "; l=-5"), "syntax: l=");
    assert_string_equal(parse(GOOD "; l=+5"), "syntax: l=");
    assert_string_equal(parse(GOOD "; l=5 0"), "syntax: l=");
    assert_string_equal(parse(GOOD "; l=0x10"), "syntax: l=");
}

static void timestamps(void **state)
{
    assert_null(parse(GOOD "; t=1699913600; x=1699913600"));
    assert_int_equal(sig.t, 1699913600);
    assert_int_equal(sig.x, 1699913600);
    assert_string_equal(parse(GOOD "; t=1699913600; x=1699827200"), "x= earlier than t=");
    assert_null(parse(GOOD "; x=1"));
    assert_int_equal(sig.t, -1);
    assert_int_equal(sig.x, 1);
    assert_null(parse(GOOD "; t=00000000000000001700000000"));
    assert_int_equal(sig.t, 1700000000);
    assert_null(parse(GOOD "; x=99999999999999999999999"));
    assert_int_equal(sig.x, INT64_MAX);
    assert_string_equal(parse(GOOD "; t=soon"), "syntax: t=");
    assert_string_equal(parse(GOOD "; x=-1"), "syntax: x=");
}

static void bad_base64_in_b_and_bh(void **state)
{
    assert_string_equal(parse("v=1; a=rsa-sha256; " GOOD_TAIL "*!"), "b= not base64");
    assert_slice(sig.b, B4 "*!");
    assert_string_equal(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=*" BH32
                              "; b=" B4),
                        "bh= not base64");
    assert_string_equal(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH32
                              "; b=d"),
                        "b= not base64");
}

static void body_hash_of_wrong_length_is_not_a_syntax_error(void **state)
{
    /* 20 bytes in a SHA-256 signature: left to fail as a body hash. */
    assert_null(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; "
                      "bh=FxcXFxcXFxcXFxcXFxcXFxcXFxc=; b=" B4));
    assert_int_equal(sig.bhlen, 20);
    assert_int_equal(sig.bh[19], 0x17);
    /* 96 bytes: more than any digest; recorded as bhlen 0. */
    assert_null(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh="
                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                      "; b=" B4));
    assert_int_equal(sig.bhlen, 0);
    assert_int_equal(sig.siglen, 4);
    assert_memory_equal(sig.sig, "test", 4);
}

static void signature_longer_than_max_is_an_error(void **state)
{
    static char buf[4096];
    size_t o = (size_t)snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=example.com; s=sel; "
                                          "h=from; bh=" BH32 "; b=");
    for (int k = 0; k < (DKIM_MAX_SIG / 3 + 1) * 4; k++)
        buf[o++] = 'A';
    assert_string_equal(dkim_sig_parse(slice_make(buf, o), &sig),
                        "b= longer than any signature");
    /* Exactly DKIM_MAX_SIG bytes fit (2048 = 682 * 3 + 2). */
    o = (size_t)snprintf(buf, sizeof buf, "v=1; a=rsa-sha256; d=example.com; s=sel; "
                                          "h=from; bh=" BH32 "; b=");
    for (int k = 0; k < 682 * 4 + 3; k++)
        buf[o++] = 'A';
    assert_null(dkim_sig_parse(slice_make(buf, o), &sig));
    assert_int_equal(sig.siglen, DKIM_MAX_SIG);
}

static void b_offset_and_length_are_exact(void **state)
{
    static const char mid[] = "v=1; b =\r\n dGVz\r\n\tdA== \r\n ; a=rsa-sha256; "
                              "d=example.com; s=sel; h=from; bh=" BH32;
    static const char end[] = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH32
                              "; b=  dGVzdA==  \r\n";
    static const char empty_at_end[] = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; "
                                       "bh=" BH32 "; b=";

    assert_null(dkim_sig_parse(slice_make(mid, sizeof mid - 1), &sig));
    assert_int_equal(sig.b_off, 8);
    assert_int_equal(sig.b_len, sizeof "\r\n dGVz\r\n\tdA== \r\n " - 1);
    assert_int_equal(mid[sig.b_off + sig.b_len], ';');
    assert_slice(sig.b, "dGVz\r\n\tdA==");

    assert_null(dkim_sig_parse(slice_make(end, sizeof end - 1), &sig));
    assert_int_equal(sig.b_off, strlen(end) - strlen("  dGVzdA==  \r\n"));
    assert_int_equal(sig.b_len, strlen("  dGVzdA==  ")); /* final CRLF excluded */

    assert_string_equal(dkim_sig_parse(slice_make(empty_at_end, sizeof empty_at_end - 1), &sig),
                        "empty b=");
    assert_int_equal(sig.b_off, sizeof empty_at_end - 1);
    assert_int_equal(sig.b_len, 0);
}

static void b_offset_is_zero_when_b_is_absent(void **state)
{
    assert_string_equal(parse("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH32),
                        "missing b=");
    assert_int_equal(sig.b_off, 0);
    assert_int_equal(sig.b_len, 0);
}

static void eight_bit_bytes_in_a_value_are_a_syntax_error(void **state)
{
    assert_string_equal(parse(GOOD "; i=j\xc3\xb6rg@example.com"), "tag-list syntax error");
    assert_slice(sig.d, "example.com");
}

/*
 * The malformed-signature cases of the peer-signed corpus (README "Edge
 * cases"), each the first DKIM-Signature value of its message, copied from
 * /work/shared/conformance/peer-signed/maildir (LF-stored; synthetic keys and
 * domains, generated with seed 4242).  Expected reason NULL: the parse
 * succeeds and the verdict is decided later (key, clock, body).
 */
static const struct {
    const char *name, *value, *why;
} edge[] = {
    /* a_unknown: expect permerror(unknown algorithm) */
    { "a_unknown",
      " v=1; a=rsa-sha512; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1699137203;\n"
      "\th=from:to:subject:date:message-id:references:mime-version:content-type:list-unsubscribe;\n"
      "\tbh=KiUCmO88a+GKyle/ViyhBi0svzxm93QMrnwJs9Vc1ALbunDBLj/HvIM52N8QOLeFfYsPE5aVj9FC/s/RYTC/ZA==;\n"
      "\tb=PAchM0s53egbxgSXPVY6+l7aNYSvATqn4dd4QXBmaXJMBbIhTUH7yif3csqq5STSeW1SnpQ7\n"
      "\t 78yHAWbvc7zd/fBWoSY+3e8WNZzAEQ7bRPvv7d5MF3xbxSf2op1t0yHdaN64IH3dnX9SmY76\n"
      "\t kOBaDevJ8kepSEqtCElmCyElWclL4ap2hMQ7enEGr81p28ZOu/7Eo+ODelNABe3qqjojoSix\n"
      "\t 40G3u5PPYizcobQIZacqHk7MshTkm7iNMkIo6rQoGM2Tnqz/5+XxA7KG1XQslrvYVJWMWrYm\n"
      "\t FvNIC9L30/z32AvLS9WCfc/5ITT2B3qlWAaevWH1VKGurcDPYbFZ7A==",
      "unknown algorithm" },
    /* b_bad_base64: expect permerror(b= not base64) */
    { "b_bad_base64",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1699687168;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type;\n"
      "\tbh=+8QcnpLbkUQaN43QDUfsAmlVh8G+uyL/ESmV00G24W0=; b=EUDrHCVfIYPzNSfx3d24*!8eGVqoosuYbjw9xm5ypp861N8eMRxxuGGnDakUSS4qDwTSQvuK\n"
      "\t VX85xQeODwf9hN2KCfUiiKEqz32cs5RicKl05XU7y86yZx0VybUTQ3acBvb0QDN4t1yb0UnK\n"
      "\t oQZSyznzYi++R0UYQs7Ksmwv1NkIBMRl5qDfiq/aLnDGSA2YSgpNsdIYB/JFcM/ssoQGLwvI\n"
      "\t Hflma4APCS/IzcyXMUkG/FvvpQ9AIoxMpguRe3NLrvFyAReZptmM3Pjr3HnsUmvTwSKtJ0m4\n"
      "\t JEuSN5bLw3tPSB0O1WvjU7BkJW8ToI3W8a84LgAYvXji4rOtuELPfg==",
      "b= not base64" },
    /* bh_wrong_length: expect fail(body hash) */
    { "bh_wrong_length",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1698314642;\n"
      "\th=from:to:subject:date:message-id:cc:references:mime-version:content-type;\n"
      "\tbh=FxcXFxcXFxcXFxcXFxcXFxcXFxc=; b=d6qPxpyvSIDhbIDAxj9cNf3ixGx1wRexD5dVigoM/QOfWBUOGCePwKCr+h0qwlpa7jRt1wHG\n"
      "\t cT3Uirp5ItTl6TgGdzMM1JxlxaQ+8V//858F17bRmyj6pAeaDvmltmkTXLi2YK7HJPI5e+ho\n"
      "\t tGfajM/dAkhiHn5wwL6Hqh8b1YSPhRJB/2sM11rEVsRS7OEAS49AdgB88/x3ndAUrfW69ixu\n"
      "\t JvKuXVixWMWt/uZNxMHasjcmygNqWAW/GonOIZXhpTi7JXAMhHcdNqcZH18kCCcnYt/q6emv\n"
      "\t 0qgzu2kjMjWk7yAzUZImlfPTgdKEDIVBGjCv/LcYIWyZdJkbs5bN5Q==",
      NULL },
    /* c_unknown: expect permerror(unknown canonicalization) */
    { "c_unknown",
      " v=1; a=rsa-sha256; c=relaxed/fancy; d=edge.example.com;\n"
      "\ts=main; t=1699982905;\n"
      "\th=from:to:subject:date:message-id:reply-to:mime-version:content-type:content-transfer-encoding;\n"
      "\tbh=5uXJx6sWi10qjXr+vv91WvXrQy4Z69g9wI+irWLTMag=; b=f6as/fxyeYdZ6da4coFPlM5DQ/PqyMHA9DW/ZK/iiClCBvw9RKy7uwUYTpUi2n1FFWRTZzsP\n"
      "\t j1IdArmVI00pQEAFGslFkj62GuB9i5whSQuyKyxgfYlN4iaxfEOsOK+fSLSqRhxMxNuMCYfs\n"
      "\t sKb3tFckqf297E4EM4QaRuEbjQEaTJY+jFKlbur+RTkR38dJ8FSMZfc3C2wqyMjLexalC7Sx\n"
      "\t itvH4s6HQwXp9Osya1Xl+CN0FbgEBTlm2DlFLkKoy9sfeKitZUdO56OZugepZVn/DHy/r7IP\n"
      "\t jQk8ebPbZpU9M/UKNuZ65ulcebqVaUnYinvkjSaLKZVE1MMbTmvNqA==",
      "unknown canonicalization" },
    /* control_ed25519: expect pass */
    { "control_ed25519",
      " v=1; a=ed25519-sha256; c=simple/relaxed; d=edge.example.com;\n"
      "\ts=ed; t=1699668704;\n"
      "\th=from:to:subject:date:message-id:references:mime-version:content-type;\n"
      "\tbh=JZbivFNAdCvZ1eMgzQmgVB/hXhuJ2UKvrk/ea9vcZlw=; b=AxXSMOE3F1j6Lc4zcTsIapf4pMYtiTKiTotU7VwWON4SYvBmmLp3uS3KreZFnmQQDMTJSOA5\n"
      "\t bM5yZK3hong9Aw==",
      NULL },
    /* control_rsa: expect pass */
    { "control_rsa",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1698521219;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type:list-unsubscribe;\n"
      "\tbh=lI7iV3jXVMSq0r4rBOrq9qCm9k/S2sint/HyRdUyNQk=; b=IpTXxDTHDz95YW1WZIxHvX0BX3asIhRkWBXL8NJwiWpAnR2HGqcIlAEIQpXlfmf7U1LXKHQ9\n"
      "\t VtWgyRfMIbQd08YCuq2UisX6oykhT/GvQI3gAjvAla73BcDJ80RzRKkJSqymwx9/xblqcpFe\n"
      "\t tCyr5dDnHaYDbb3zZjCrRB+mKL1cE0LY3xUI6t9unVOHGUcAel1x4tsbjct3SKL2l+bG2b60\n"
      "\t 6eLC2oVn+IbwUm1yZ34FPb19CiGhtcegC6EOEsvnuvYUq/JBDmjVMnLBs5ryrMU2QaWbVedw\n"
      "\t VJHuvqsAiNL/q7n8OGR6/7vqiWdy2B8oP6FM1q4F0HeUKNvmcIBquQ==",
      NULL },
    /* d_empty: expect permerror(empty d=) */
    { "d_empty",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=; s=main;\n"
      "\tt=1697953032;\n"
      "\th=from:to:subject:date:message-id:cc:mime-version:content-type;\n"
      "\tbh=sKl/9j4p0qHcTutHSoFgXbUm52urmYfscDj72HHGCaM=; b=aXfGFOXofKT2+TPA8KUFdduidpqBcZ5yoIqRZswGmzh6jCzhnaxpJYQUN2e8XeXyDUoGkG1B\n"
      "\t MpaeBBbKjTBgExqDnQ6K9Ax85XONhDPU1wzklQbGUB55ioAVbX5sxW2AA0v3nWW6Fmvbp2Ff\n"
      "\t CSjKFZn+4HWQV/k3E/2hJ3SOcWIhYL0IlW20o8aQin64BZ7JP7NF0c9Y0q0mwISHNwbxBk1I\n"
      "\t WEK6CMakAffRdHQi6JKP7yp45rAY23fxeum380yetLQSl6e1F++e0vSygUeuw+ojO8WLDKjC\n"
      "\t UmOHs4xjtFt7xNWmjbJdnrHLtf87tZx9Q/Ah4jx7T3jc2a6qsvXd8g==",
      "empty d=" },
    /* d_paren: expect permerror(syntax: d=) */
    { "d_paren",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge(example.com;\n"
      "\ts=main; t=1699145643;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type;\n"
      "\tbh=ZhIw6W6/bjICjjqPmzYyv3ckNCoaiDA3IUXIfVs2B9I=; b=FG5CYY7nDrLNJXIbc29mp/J5LLINoOE/g2YMDQeSJW7nREeCb21O2yQ/S18BrSXpqUCLn4E2\n"
      "\t VvGG/qVS3u1qjSZkFhAe27lT7VtwcM0hB1pRzRrh3gh+8cP6MCXsBGJYA2FYeIONmM1IOgng\n"
      "\t Sp+si1FdHF0Qofnsjpe8EvJjOJeVwz3tdF0S+lokBXYdoJMjLzqJ8K3nAAleHdue5HfM36fl\n"
      "\t MYkBq6O/6y4TLb2FKrfihmCGdm469PzwvtWjqHg5zXGCTx0GfWagWXW2qH6/Uq1LiKXIgA//\n"
      "\t gWghPAuf0VM6f1sl5cugrXVqOmW3PMQYz97lVRbwVZGN9E/7Fo2yRQ==",
      "syntax: d=" },
    /* duplicate_tag: expect permerror(duplicate tag) */
    { "duplicate_tag",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; s=main; t=1697702067;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type:content-transfer-encoding;\n"
      "\tbh=GgldZZCK4IGsADovznqcGi0We24ZdNZLcnRavoLiNSE=; b=U0c53J7nBua5w2YE4ctoIaI/yqU1IJYmzyxz0tBfGBFXgg3yepK1fTvdSlcCMJCkT/X9r+bh\n"
      "\t 4Naoub4A+G5iyK9MvQJ2urZBnpAe6a6y5byZ+F5t6euAbFRlW8q09djJCrVHBzqGDFnTP/x/\n"
      "\t 1K3zUoroduXwPn1oZg8xAyt+996odM4gWmRP8gcyZ5PHuEfRID2/Ed335gVOtGbztP0BVBgh\n"
      "\t ZVttB1+KW4WYaB7C4sAcLI7ti0G6Rb+Uq2swSjCptCFNV3/jiyh2j7KMbDJvizaXZOTCAusb\n"
      "\t xGkiV1N43qFW4YyaH1c+93FpynmRNKNQVZL+tv/t6cJgOJFNCfnv8w==",
      "duplicate tag: s" },
    /* h_without_from: expect permerror(From not signed) */
    { "h_without_from",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1699618514; h=to:subject:date:message-id;\n"
      "\tbh=ZLN2haqcqqBGr83KSk8boOGttcTgztw3ARPtvrzcBzM=; b=Zur9OAmEt0fGvyyjjMXl/F/aXqoFsY5cGonwsvyLNYybpOZJOiJIdICm6RWvAkRfy1L0jaRe\n"
      "\t M21kcTI1ptYsIFp86rF/uZUmeXE3QdCo91MyLas7uKMsBbNtRi3ihqigmiXesKBjLqtDQObB\n"
      "\t x8kg/9uNUhwJbjsOw33peUg2RDOwWfRFIABaqEXaMqdeU7x8qZb5DomFI8E9cJQhiE8na+LZ\n"
      "\t CuHkeB4YqRqHqBWflzmgYzSWmvWpg6YWhS7/FyxUibERxpJWqNU6TDlXtWlb0skD6ymtDpji\n"
      "\t BQBQS/JEpGhYCuTmCfj9oNRHM6FrVWgIVmn+lm1ETf6vGvpemTs93w==",
      "From not signed" },
    /* i_outside_d: expect permerror(domain mismatch) */
    { "i_outside_d",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; i=user@other.example.net; t=1698986589;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type;\n"
      "\tbh=X57CYq+DRHgw+QiRooZnekjm95JdeaVRHnRtqvGFAhE=; b=h/LyM4FGt8AW73Zj225esqNeRMIkX/pts2EBlRwVflCoKgrVm/fIMpJfxpmM5cboJjTmdVkm\n"
      "\t f+xA0fiNv6WUxh6hBDhhRDxlx4t6TpmlmeJjO78giPNqkBTh2JlDx/m6rj5Ymg83UwZescs6\n"
      "\t P+zIk0CoNp7tEOJQS2LcyF7dveBaHdN7UbDdr3HORXPn9ow7KFmwBOTPur5kZ6SI9NJUOcDo\n"
      "\t 4XIPWpokeVgdVwDEvhYPIimr2PDg6MDdBL5BFpeiyiyxsaATFRCBECvd5IYhyeMl4KCRM5Hg\n"
      "\t T/oUz3xY1MCRHKzcNYoilhYiKOh7h08KMcyJtwVY0mWmYRg8USPG6Q==",
      "i= not in d= domain" },
    /* i_subdomain_ok: expect pass */
    { "i_subdomain_ok",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; i=news@news.edge.example.com; t=1697592655;\n"
      "\th=from:to:subject:date:message-id:cc:mime-version:content-type:content-transfer-encoding:list-unsubscribe;\n"
      "\tbh=tnHVf+zebjmufHHd9BXdEsoSv2u//o6zO9gJ+Szm57Q=; b=beFAr11LgHC7Nzu3if51v3HswZZltRIIAFam8RRjzpGg1UtuxFAwUGckDVpvJgklb+R+NOi7\n"
      "\t kmAbnN9/DUClbYG4bRh70XqDIDacCEnK/ZZzO3XAGwwAARj+sqoO/KR1L3KRe35wvlfAuhEe\n"
      "\t 70WPv3ZnxlbIW2od1Q5KvyDtgThR3TVfQLBU1d7Ji5mo7ctaF2ovL7fR32OhCEPAqALJPQ9f\n"
      "\t lqOjTAlISSON4RzCOjkYpIbV+EN9B6TGeXZPKxEjPbNq9B4muA2GZ9EFOpZjwkt2SuU+8M7p\n"
      "\t KqnSARAlZH57bYr2VphGIYghGSyGvbdbER0TYqWdTrbxwdrHfRfTvA==",
      NULL },
    /* l_30_digits: expect permerror(l= exceeds body) */
    { "l_30_digits",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; l=999999999999999999999999999999; t=1699581255;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type;\n"
      "\tbh=xxVHCMKEKQ07umjcmLc3LTBFO0t8swaO10e2hc1eEVE=; b=lR61VFhswmVYQIJL3RN3NhR2xr3dBc1I+nAsy72EcF4yb1BDhVbTGuOQ03GemZ/eWsB+NTqE\n"
      "\t lxc5tuA2qkDo7FXbL4arRdQR074QphCbSlgdH7Ahp/4rEscLRajX/y39w/H8UGDuL7/1xZTv\n"
      "\t +nIDA63Vwa9n2bsu7ka6IHRyEO0cDXwQ5WtatZBxDX0M4SngV29Q2rwzmDJX1Z7kF6i97Ha1\n"
      "\t I8Y1Y/j+R5lN8KWWzmkWERfSxptK6kki3KiaBRo/ThMnvNw44Itl4czZD18AOaCUfMggriLG\n"
      "\t orIUAMcenUAFD7N/jbUnTLV2p79KjMoopehQODc8qURtbcaNsqQbqQ==",
      NULL },
    /* l_30_digits_zero_padded: expect pass */
    { "l_30_digits_zero_padded",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; l=000000000000000000000000008683; t=1698307260;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type:content-transfer-encoding;\n"
      "\tbh=TFvgdyWf2iBhqAe83HLI/LFJKPH6dY4919nlvvGXDTI=; b=aWCMq3sJPHTSiyoax2c+Wmoygz93CUx993qs/2wlVVNVzgn+64tfWAz83pDcAaDESZ1MlCb4\n"
      "\t 0hLjtFbdJP1BTL5pmF2fh66GHAWuhiaa8i1RcQqQt+v0K5xd1hnfJbaP5X7HGyp1WO9YFDEw\n"
      "\t GscSIZnRBx6Z/lh1O4dbFKKYkUi2mW8XhJvzVPLeQJ+oAUVHfQmzIbbIx2LadHxzRU1n6ZM2\n"
      "\t D8kZnkuDrFUHJq2nU5Nyyt9dlaUk+ESrcYfjd/Ua8dATDKeGjJCGVf/JKksOu0ZSj3Dcwi4D\n"
      "\t AzSfIkDOft82OFjMPWR2Bxd+IqGwFwiV4INPbkA85rpZQcnUGP6Jcg==",
      NULL },
    /* l_larger_than_body: expect permerror(l= exceeds body) */
    { "l_larger_than_body",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; l=1850; t=1699931649;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type:content-transfer-encoding;\n"
      "\tbh=t/mixCbrnktqDZqaqQFVbf7JZln5MgspLqMNqJhHFgk=; b=YurTnkUK88xNiE4KsBQQSIg8zW07Fvkdhhv1buUTFF6pl4TOvR5CKPNt2QX8KgESHqWWSkgc\n"
      "\t F3e1NbdNn+IAfzV+vXOZlObH9a4LoWWl7EeSmT+r8/8HfCWXopg26SzxwwVHA+iaRjZ0ilhr\n"
      "\t aAVPbAYIK4hmmBTifbs8EZBREJGmPvFnLEmlZc8xMaINrirmUJD9wI9dIagMH3gMa8wHdpRw\n"
      "\t mF8nn7y5ak9lKBYt+7PWhxGGXwHmID0/ntwKTXVvgSTyBNkxCqFgZ70l3sCNdx39tms7wMWo\n"
      "\t ImXCb/ZftimzAQDRtZuhpPuVgezGT/ELA9p1hoJtAiIhY5vI0PegPg==",
      NULL },
    /* missing_a: expect permerror(missing a=) */
    { "missing_a",
      " v=1; c=relaxed/relaxed; d=edge.example.com; s=main;\n"
      "\tt=1699851828;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type:content-transfer-encoding;\n"
      "\tbh=qGNbGLKhUUbU/jgMQ/m+txUU7vDC9JR3E47EPkH2X94=; b=dtXMMIjpBxDR0K70/Z6LRpNoMghOa9TuEfBlQGY2XG5Yk4hv0YI3BcD6vztieoavLZKJ5pJM\n"
      "\t lsVW5D6Fpic101EuZyGK0Pf5fWzwq6fcbeWoTPdDb/gHhTknMF4i1N99L9rXv4VBLWZ/Ah8F\n"
      "\t wQIbZRMdxvs7jzay38hKB6Z0BeN4GMCeZjXcY7J1OjD2uDbhhLyKBKg3U2hrIdO0bykb0rKc\n"
      "\t YDj0fsVFuLbgqO+Ghey8TtQ4Ebc8xmNEeEp/ceOq8MH9Yghaq8UHLKMHI+xOT/DnO8jOssXF\n"
      "\t cu4jke8XQQYBDBefl84ZF3bTWqoFGIb0JjDKPKgDi6FL/KtEtDCAzQ==",
      "missing a=" },
    /* missing_b: expect permerror(missing b=) */
    { "missing_b",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1697884020;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type:content-transfer-encoding:list-unsubscribe;\n"
      "\tbh=YsjsGl2IcKg4BA9yfxfwwz+OPE5OhcUMpVD0dVhRPwI=",
      "missing b=" },
    /* missing_bh: expect permerror(missing bh=) */
    { "missing_bh",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1699497647;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type; b=DmraoT61qg87KYxqjeEs5OrwaSTGxQnQDGTHQ2a8+SlpvXuogl3H2Dhpz5Nxw9JZVDFzTsmR\n"
      "\t gQ2GWgITw6CAOUOOLmmEKIxivnDScHGrEx360Hu9HlWu+nscWqFw0QDakn26zVuAqI6Vcz7O\n"
      "\t R5iMUu1d9lVq2RMjC0Ce8+sCtw13NsETsPzl1BrkItCnbMalX7CbNGfSlmDgytUWqN3i078b\n"
      "\t vX73RMC4ik5VKivH8l249HEo50v2DH5qpYTObaeGaZM9/oMxrwPhchcgU3TPhYchvLGvIKD8\n"
      "\t l/DfDoKRXEbFntGs9J5FfOUkyKe4Xh7m2LPXKMxgmwcYeHquTTdHmg==",
      "missing bh=" },
    /* missing_d: expect permerror(missing d=) */
    { "missing_d",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; s=main; t=1699114248;\n"
      "\th=from:to:subject:date:message-id:references:mime-version:content-type:content-transfer-encoding;\n"
      "\tbh=XA7m9jxOMkw1w3SlJ65nkATkPXdydb/XQcacjPSh20Q=; b=TmDeojbyadVtSEQh1X1pU/HskrrucCndBKUddCwteRkqLdtnwcdpfYggyrmeqQl9zQx39k07\n"
      "\t VxapEzi7EY2ntzbZVTmAEM+AZcHQ0uGOMm9jtwafnTBwETsi9CUWY5FZs2NetckFjR0xKxPw\n"
      "\t VG2+iAcI2SMl/kQ8yjOF0EO+rRd+f6Hyf/ELe/fTIZ+LzhNiEuAjpbyuXZeNcMVFZX0wV26+\n"
      "\t uKspbXq6EYQiJBAeeVHpJ7fP71IGYKZD5zCO+wzsruMNygc+zMMh6j4pLMMmIrpHlECHLII0\n"
      "\t Epl+evKBEHJamFowuA7OACZWa/hHBx/raWau1s1SQLmBq0GCr1ucmA==",
      "missing d=" },
    /* missing_h: expect permerror(missing h=) */
    { "missing_h",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1699509888; bh=3ZIdMlVFUD3HEw1ai0SLaG5rTHTDqk4l74IPH5LxZBU=; b=ObcVIj1l7WYN6Q1C3cokfdveKuvFWbZxegs5ShtwCjL/GnHlP5naKm0hpiKZkWGjU1Tj+mo7\n"
      "\t BMgEwP03ZoRRKs84h7rHV6KD1F+rt81tLFthjmGoH3l23972FADGGvBEIZLUgcxD175gKYOw\n"
      "\t OWsCSZN5xUhPVHKI9xK4vN7KmKKvnATZi6p7X48DGHlZBhhO/vqOq3Z9VasZRXrveJyC93pa\n"
      "\t 3wuUC8mkaNYnsRvgdqzg7ctR7mktNgpeDMpkLA+Ziu+iUG0GuFXyqaQStn40mntw2i3hmx6v\n"
      "\t cLBc4TEMirfItBSyN7Bn1m3Dw1uJg/vzj1hSzwErrduMQE1iFz+23Q==",
      "missing h=" },
    /* missing_s: expect permerror(missing s=) */
    { "missing_s",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\tt=1697843652;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type:content-transfer-encoding:list-unsubscribe;\n"
      "\tbh=88KsVhZ3Hj+50pb+Nu8cyN0hl4gRGh1YThG4/zziFxo=; b=Jm5r5GHdebYx07NFaAXiS9ILenKiCN/f68Cw2DzQ8i0iFON/offAY6oHehTg6luyGMabOz2/\n"
      "\t Tai1Gb6GcV8F7YUWx240wWWvOKoBa4sAVl9+zgH8tqcGMrlAry6gq2c1ZWC+lwNz9kRhdF+p\n"
      "\t 9a1aAWBBWv/QugW7TjGebtDHRqNux2lat4IGjSQXKy9TY1zsyT4ofKyrc9U+QP7hqNpu3z/g\n"
      "\t KlBoqEaQ5Zgd50k2iKMdD6GpDpRAjnn3doQjLGqqGCI57WmikgLASd3+0Uh7jmREVv5vTC/3\n"
      "\t mn6WMneWrVCt3atH/XJpExydnAM1VuNLgSu0khw8DE3RXCk4moxiNA==",
      "missing s=" },
    /* missing_v: expect permerror(missing v=) */
    { "missing_v",
      " a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com; s=main;\n"
      "\tt=1698525426;\n"
      "\th=from:to:subject:date:message-id:cc:mime-version:content-type;\n"
      "\tbh=S1ZKIciw4i9zngM2DpqemDtVAx8/s/u1b6mSBJQSFxE=; b=aCh7eUDRpGFW4PE+e+R/iZqyDpeCinWs4v93f3R+HSP5t5AGkIO07z9aOWGXzIWwesBVmvW1\n"
      "\t paUPiDftb7Hm7TJ74Plrgckb2tdFZi8E9J0Q5gmwjFCIL694r6wZVxtBpQBd5EEVfq8Ts1QH\n"
      "\t eqDEFXUpGzOkyG9x5Dbg8Ob+gYA4UCopZQay2FHdMi5QgMDEry2QSK9XjV1k7hkvBUUG7TNr\n"
      "\t dx8ANKmaPHv0DcBozg3HAPB3XpGQ6uo6GGi4f3rjvvKPIjuvgkVNbDJGkB3lU24O6VWB/Gwk\n"
      "\t 63t3pKmZQXoPPtpO80wU6g2cnsfQNYO+s1L9Pdcy4mXpFqC8sFC1aA==",
      "missing v=" },
    /* s_empty: expect permerror(empty s=) */
    { "s_empty",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=; t=1699672298;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type:content-transfer-encoding;\n"
      "\tbh=8NJLFnAlD72YjYGTX0Apa6Za+PiaWOPkhyc6RfrcQsA=; b=FrdWA+Zm36ywoqrSRIUsTAzQILCIDgxikpBHCRCoSyejCR+F32VBqk5RPfRkDF8/e6LpfCsO\n"
      "\t RdQqGg3HG4uxBFL4ltvrDIJF94bxMZY+UTJ3RzYagJ1GiKkRuiJeFn78DbBF6/iMmtuNmKAo\n"
      "\t xnMQkehFi4rxJkfqdXwV5pGWau32t9hXIRvogkEo7SYawkD2Yr3pTB32A/r0aMgNDYpIu5IB\n"
      "\t a+KKMYzKqgv3Gn0xo+IxRHAv7kG6xnswwA7gmTzWyZeCOAlHByRUCyrhtNjo99yChAqNGjAR\n"
      "\t blW5Hn6vtagU7Lo/fHD3H7oTUYC8bShrsrXhzd0WpcouVqXaXJDETA==",
      "empty s=" },
    /* t_far_future: expect policy(t= in future) */
    { "t_far_future",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=2015446400;\n"
      "\th=from:to:subject:date:message-id:references:mime-version:content-type:content-transfer-encoding;\n"
      "\tbh=Nkp0Yd9MBo/CCBrCcyj+kkOfuUk+quEW75PXS94Tl9M=; b=ZE+33jJz3OKRK5iHcBGDRwbKutwQ8kXPPl9aivMDc6G0+04l41ibQrAE8ofQZMa/JsyQ16yj\n"
      "\t 1FwIyHQis2UvzpAd5z/gkQ97C1Iu7DTlzDXVMVfi/anmiOLCEHLW3zVmdRPXAjLxbd4yEbRK\n"
      "\t RrQ1VpWVfVQy0EkSdMyJZ6lKBAlWnYSrwJGkGjvOI7U/RMistpMSqykS5mMsX/jIZSL7BnE/\n"
      "\t XwnMhv1MQg/GF/YxE+nXy6ock78aOXtCLKuABHp6qyH3EdEnwhIOinCjkd9iYR6lp5GglejW\n"
      "\t qA8wAjXFTd0IofdTuSebvWe5qW/8T+0JZg6oT5mI/hv8A72FD9+3kQ==",
      NULL },
    /* v_2: expect permerror(incompatible version) */
    { "v_2",
      " v=2; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1699183886;\n"
      "\th=from:to:subject:date:message-id:mime-version:content-type;\n"
      "\tbh=7vQXSgOZHFzZsEqdqT2CDdyy9F+pkc1FBBNkFlRZMvc=; b=MaSHE2xdV5ZyzuFKMZiWSMzwC/wlkFP4gIW485dj0GxTzDGhY5Q9fPxV/cQuSHEFUvO8lA0+\n"
      "\t jfLP8ORU5SOejdZ7qMCk4apn7d4hDGNlUr5N3/v7tVJzWQkqZSoLsF3JFJJMJSZOtTeSkehQ\n"
      "\t 3APMTF0ClfBUluIUHamsj8OrUYnYG02DKNjZ15jERcnJ3OurQcijgyXtFhVYI20GhMx9cGoH\n"
      "\t +vTzuxJJv2ECAqWTWrZEmeFSywV7Ak/Mw+HksGdsZym0buFkDjQrR3/hNWf7GGiql8moo9b8\n"
      "\t VyQMjo2VhfPI+CPAfUK7ZmuE+G9NTkANTJjBeMwUbB2lE/5zrDBF2A==",
      "incompatible version" },
    /* x_future_ok: expect pass */
    { "x_future_ok",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1700082800; x=1702678400;\n"
      "\th=from:to:subject:date:message-id:cc:mime-version:content-type:content-transfer-encoding:list-unsubscribe;\n"
      "\tbh=O9lrruT0FGW9FQMukLAaz2W65x3Czx3fhI+9X+78/3Q=; b=TklSVT8ExmVRWBry9lt/f76HTmSsbbd8cgqb0mGl3XDWkIszu7BpKIxG0graZ6T3oYx8EO1s\n"
      "\t vltXeK75ozYJcnr+batPuxjv1psp5SKZXY4S2w/qkYO+Dv3sVljRfOqDon+Cn8WDfvaEeg1W\n"
      "\t athjRGnl8ujtGbA1rls/bey2o6vDKm9yZsERJALZx4VZ1Melthw+xWHr0BMLFlMypDop3jn5\n"
      "\t E32sYCk90LgsasULrVr4Oiw794zTz8XaAostzKNxHh/5dCOccZwDFjKasWZiStVT/ltjKUWA\n"
      "\t BKx872czVv/wTwlhHZqm0aPzvFwDlRJqctwET/0y4TRJB2LrKKrMgg==",
      NULL },
    /* x_less_than_t: expect permerror(x= < t=) */
    { "x_less_than_t",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1699913600; x=1699827200;\n"
      "\th=from:to:subject:date:message-id:cc:mime-version:content-type;\n"
      "\tbh=b7lNDS01QtuB7ct/OO9emPQUdbIeDQXKuAJzkCnaLxE=; b=RYccVW0Q5S5coMceTQBMewzGO3ljW4oLSwMgXD2e6jTY8D0VMXGcIoW0vCleWLvO8m2LfYVu\n"
      "\t gZW9wX8uru6z2Yht2B9AP6Vv910weL+zjtw+XIk9c1qpKf5XKHaA2y+I02Ee+JqmcoNrmN1H\n"
      "\t smwG+5hLbNvPUCo8XHkvbHo+S1H46jGeMj13uLM4b45FtZH1yRQC7u3LzvVh7vYObVGaDI0R\n"
      "\t 3wHpSyh/vjG3Sqprxv1POheFymFbgWZOtFn5u4sqwX5XtCytqH2795IxHeM1XGIH6QuAZSD8\n"
      "\t shdXLvhGtMaBqo9rMVIOCLlk4A0aMRqTgOPLCqzB9DtnASgu5G6t9w==",
      "x= earlier than t=" },
    /* x_past: expect permerror(expired) */
    { "x_past",
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=edge.example.com;\n"
      "\ts=main; t=1699481600; x=1700000000;\n"
      "\th=from:to:subject:date:message-id:references:mime-version:content-type;\n"
      "\tbh=jLt2wXd9PaNmGtZ22XSRDHmaIBqjBBMnejtoWJ3YPGE=; b=h73blIs3lCvSAJdwVWydYqsw8H7XhJjBmVh9sfjTghmkQYJ40zMxoaAgTZ5n+OwZ0WpQPhcG\n"
      "\t uhcDPMpXDHyKorg6ffCkUbYf4agG2MmE/GxwHVWC8oGnzEBaKOqwhHIqAPlQcEFn1DjXztl4\n"
      "\t OhfDQb03JL4MBdD+Ttj5uPdm39s4VWnyiAXXaulcxpcLWjIEL/PQAzaeYiEuZVM765pIrpLJ\n"
      "\t Vj5nQ07X0ISV6tIfIB8ATLyhGxxq5vS/Vb+WlIQI662+HiWxVGOcRcjbYrYtIJmUqgVB4JAF\n"
      "\t hQQ70nCe/Ty0xKlpeZ3+0PIItD4XkkMAxJAr5qiiAYGocS/nPCYY7Q==",
      NULL },
};

static void peer_signed_edge_cases_give_the_stated_reasons(void **state)
{
    for (size_t k = 0; k < sizeof edge / sizeof edge[0]; k++) {
        const char *why = parse(edge[k].value);
        print_message("%s: %s\n", edge[k].name, why ? why : "ok");
        if (edge[k].why)
            assert_string_equal(why, edge[k].why);
        else
            assert_null(why);
        if (strcmp(edge[k].name, "missing_d") != 0 && strcmp(edge[k].name, "d_empty") != 0)
            assert_slice(sig.d, strcmp(edge[k].name, "d_paren") ? "edge.example.com"
                                                                 : "edge(example.com");
        assert_true(sig.b_off + sig.b_len <= strlen(edge[k].value));
    }
}

static void peer_signed_l_values(void **state)
{
    for (size_t k = 0; k < sizeof edge / sizeof edge[0]; k++) {
        if (strcmp(edge[k].name, "l_30_digits") == 0) {
            assert_null(parse(edge[k].value));
            assert_int_equal(sig.l, INT64_MAX);
        } else if (strcmp(edge[k].name, "l_30_digits_zero_padded") == 0) {
            assert_null(parse(edge[k].value));
            assert_int_equal(sig.l, 8683);
        } else if (strcmp(edge[k].name, "l_larger_than_body") == 0) {
            assert_null(parse(edge[k].value));
            assert_int_equal(sig.l, 1850);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc6376_a2_signature_parses_exactly),
        cmocka_unit_test(rfc6376_a2_without_final_line_break_is_the_same),
        cmocka_unit_test(rfc6376_a2_with_lf_folding_is_the_same),
        cmocka_unit_test(minimal_signature_gets_defaults),
        cmocka_unit_test(fws_in_every_allowed_place),
        cmocka_unit_test(each_required_tag_missing_is_named),
        cmocka_unit_test(version_must_be_1),
        cmocka_unit_test(duplicate_tag_still_fills_names),
        cmocka_unit_test(syntax_error_fills_tags_before_it),
        cmocka_unit_test(empty_values_are_errors_where_meaningful),
        cmocka_unit_test(unknown_tags_are_ignored),
        cmocka_unit_test(canonicalization_variants),
        cmocka_unit_test(algorithm_variants),
        cmocka_unit_test(query_method_must_include_dns_txt),
        cmocka_unit_test(domain_and_selector_syntax),
        cmocka_unit_test(over_long_labels_and_names_are_rejected),
        cmocka_unit_test(header_list_with_spaces_folding_and_repeats),
        cmocka_unit_test(header_list_must_name_from),
        cmocka_unit_test(header_list_empty_name_is_a_syntax_error),
        cmocka_unit_test(header_list_longer_than_max_is_an_error),
        cmocka_unit_test(auid_rules),
        cmocka_unit_test(auid_is_dkim_quoted_printable),
        cmocka_unit_test(body_length_zero_padded_30_digits),
        cmocka_unit_test(body_length_beyond_int64_saturates),
        cmocka_unit_test(body_length_must_be_digits),
        cmocka_unit_test(timestamps),
        cmocka_unit_test(bad_base64_in_b_and_bh),
        cmocka_unit_test(body_hash_of_wrong_length_is_not_a_syntax_error),
        cmocka_unit_test(signature_longer_than_max_is_an_error),
        cmocka_unit_test(b_offset_and_length_are_exact),
        cmocka_unit_test(b_offset_is_zero_when_b_is_absent),
        cmocka_unit_test(eight_bit_bytes_in_a_value_are_a_syntax_error),
        cmocka_unit_test(peer_signed_edge_cases_give_the_stated_reasons),
        cmocka_unit_test(peer_signed_l_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
