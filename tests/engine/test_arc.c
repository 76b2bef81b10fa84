/*
 * ARC syntax, chain structure and validation (RFC 8617), engine/arc*.c.
 *
 * The signed message is cv_pass_i2_1 of the ValiMail ARC test suite (MIT,
 * tests/conformance/arc_test_suite/), with its key in an in-memory zone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "arc_internal.h"
#include "dns_internal.h"

/* ---- helpers ---- */

static const char signed_i2[] =
    "MIME-Version: 1.0\n"
    "ARC-Seal: a=rsa-sha256;\n"
    "    b=IAqZJ5HwfNxxsrn9R4ayQgiu9RibPKEUVevbt7XFTkSh1baJ533D2Z6IZ2NaBreUhDBb2e\n"
    "    K9Gtcv+eyUhWkD8VTmE6fq/F8CDIK3ScIiJykF8hNL1wpa/mGwWWwBnkozIJGAbTAAX7AgnH\n"
    "    knAehnSW99TeU0lmib0XmOt4TN3sY=; cv=pass; d=example.org; i=2; s=dummy;\n"
    "    t=12346\n"
    "ARC-Message-Signature: a=rsa-sha256;\n"
    "    b=2cDGNznUmp4YSSThCe9nrQIH2Gpd5qPFw3OU8sWFzZgEQ5UZtaVQifVUXUrsSyEzjro3Ul\n"
    "    YPPDx+C1K+LbKRlOZ06il4ws2zlPafsrx1piKsKSCUq0KjFs01hYCDBa3tfdyITSfoWu2HHY\n"
    "    pCjrhPMPH1jruIdBV/5Gk2Fvy+mW8=;\n"
    "    bh=KWSe46TZKCcDbH4klJPo+tjk5LWJnVRlP5pvjXFZYLQ=; c=relaxed/relaxed;\n"
    "    d=example.org; h=from:to:date:subject:mime-version:arc-authentication-results;\n"
    "    i=2; s=dummy; t=12346\n"
    "ARC-Authentication-Results: i=2; lists.example.org;\n"
    "    spf=pass smtp.mfrom=jqd@d1.example;\n"
    "    dkim=pass (1024-bit key) header.i=@d1.example;\n"
    "    dmarc=pass\n"
    "Received: by 10.157.11.240 with SMTP id 103csp420860oth;\n"
    "    Fri, 6 Jan 2017 14:27:31 -0800 (PST)\n"
    "ARC-Seal: a=rsa-sha256;\n"
    "    b=dOdFEyhrk/tw5wl3vMIogoxhaVsKJkrkEhnAcq2XqOLSQhPpGzhGBJzR7k1sWGokon3TmQ\n"
    "    7TX9zQLO6ikRpwd/pUswiRW5DBupy58fefuclXJAhErsrebfvfiueGyhHXV7C1LyJTztywzn\n"
    "    QGG4SCciU/FTlsJ0QANrnLRoadfps=; cv=none; d=example.org; i=1; s=dummy;\n"
    "    t=12345\n"
    "ARC-Message-Signature: a=rsa-sha256;\n"
    "    b=QsRzR/UqwRfVLBc1TnoQomlVw5qi6jp08q8lHpBSl4RehWyHQtY3uOIAGdghDk/mO+/Xpm\n"
    "    9JA5UVrPyDV0f+2q/YAHuwvP11iCkBQkocmFvgTSxN8H+DwFFPrVVUudQYZV7UDDycXoM6UE\n"
    "    cdfzLLzVNPOAHEDIi/uzoV4sUqZ18=;\n"
    "    bh=KWSe46TZKCcDbH4klJPo+tjk5LWJnVRlP5pvjXFZYLQ=; c=relaxed/relaxed;\n"
    "    d=example.org; h=from:to:date:subject:mime-version:arc-authentication-results;\n"
    "    i=1; s=dummy; t=12345\n"
    "ARC-Authentication-Results: i=1; lists.example.org;\n"
    "    spf=pass smtp.mfrom=jqd@d1.example;\n"
    "    dkim=pass (1024-bit key) header.i=@d1.example;\n"
    "    dmarc=pass\n"
    "Received: from segv.d1.example (segv.d1.example [72.52.75.15])\n"
    "    by lists.example.org (8.14.5/8.14.5) with ESMTP id t0EKaNU9010123\n"
    "    for <arc@example.org>; Thu, 14 Jan 2015 15:01:30 -0800 (PST)\n"
    "    (envelope-from jqd@d1.example)\n"
    "Authentication-Results: lists.example.org;\n"
    "    spf=pass smtp.mfrom=jqd@d1.example;\n"
    "    dkim=pass (1024-bit key) header.i=@d1.example;\n"
    "    dmarc=pass\n"
    "Received: by 10.157.14.6 with HTTP; Tue, 3 Jan 2017 12:22:54 -0800 (PST)\n"
    "Message-ID: <54B84785.1060301@d1.example.org>\n"
    "Date: Thu, 14 Jan 2015 15:00:01 -0800\n"
    "From: John Q Doe <jqd@d1.example.org>\n"
    "To: arc@dmarc.org\n"
    "Subject: Example 1\n"
    "\n"
    "Hey gang,\n"
    "This is a test message.\n"
    "--J.\n";

static const char key_zone[] =
    "dummy._domainkey.example.org. 3600 IN TXT \"v=DKIM1; k=rsa; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/"
    "J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO"
    "2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\"\n";

static dns_t *zone_dns(const char *text)
{
    char err[256];
    dns_zone_t *z = dns_zone_parse_mem(slice_cstr(text), "test", err, sizeof err);
    assert_non_null(z);
    struct dns_backend be = dns_zone_backend_own(z);
    dns_t *d = dns_open_backend(&be, NULL);
    assert_non_null(d);
    return d;
}

/* msg with the first `from` replaced by `to` (malloc'd). */
static char *edit(const char *msg, const char *from, const char *to)
{
    const char *at = strstr(msg, from);
    assert_non_null(at);
    size_t pre = (size_t)(at - msg), n = strlen(msg) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, msg, pre);
    strcpy(out + pre, to);
    strcat(out, at + strlen(from));
    return out;
}

static void validate(const char *msg, const char *zone, arc_result_t *r)
{
    arc_opts_t o = { .now = 1700000000, .max_instances = 50, .allow_ed25519 = 1 };
    eng_msg_t m;
    int trunc;
    dns_t *d = zone_dns(zone);
    assert_int_equal(eng_msg_parse(&m, slice_cstr(msg), 1000, &trunc), 0);
    arc_validate(&m, d, &o, r);
    eng_msg_free(&m);
    dns_close(d);
}

static const char *collect(const char *msg, unsigned max, arc_chain_t *c)
{
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse(&m, slice_cstr(msg), 1000, &trunc), 0);
    const char *why = arc_chain_collect(&m, max, c);
    eng_msg_free(&m);
    return why;
}

/* ---- field names and instances ---- */

static void field_kinds_are_matched_without_case(void **state)
{
    (void)state;
    assert_int_equal(arc_field_kind(SLICE_LIT("arc-seal")), ARC_AS);
    assert_int_equal(arc_field_kind(SLICE_LIT("ARC-Message-Signature")), ARC_AMS);
    assert_int_equal(arc_field_kind(SLICE_LIT("Arc-Authentication-Results")), ARC_AAR);
    assert_int_equal(arc_field_kind(SLICE_LIT("ARC-Seal2")), -1);
    assert_int_equal(arc_field_kind(SLICE_LIT("DKIM-Signature")), -1);
}

static void instance_values_are_positive_decimal(void **state)
{
    (void)state;
    assert_int_equal(arc_instance_value(SLICE_LIT("1")), 1);
    assert_int_equal(arc_instance_value(SLICE_LIT("50")), 50);
    assert_int_equal(arc_instance_value(SLICE_LIT("01")), 1);
    assert_int_equal(arc_instance_value(SLICE_LIT("51")), 51); /* limit checked later */
    assert_int_equal(arc_instance_value(SLICE_LIT("0")), 0);
    assert_int_equal(arc_instance_value(SLICE_LIT("")), 0);
    assert_int_equal(arc_instance_value(SLICE_LIT("1a")), 0);
    assert_int_equal(arc_instance_value(SLICE_LIT("-1")), 0);
    assert_int_equal(arc_instance_value(SLICE_LIT("1234567890")), 0);
}

/* ---- ARC-Authentication-Results ---- */

static void aar_prefix_gives_instance_and_payload(void **state)
{
    (void)state;
    unsigned i;
    slice_t p;
    assert_null(arc_aar_parse(SLICE_LIT(" i=3; example.org; spf=pass"), &i, &p));
    assert_int_equal(i, 3);
    assert_true(slice_eq(p, SLICE_LIT(" example.org; spf=pass")));
}

static void aar_prefix_allows_cfws_and_comments(void **state)
{
    (void)state;
    unsigned i;
    slice_t p;
    assert_null(arc_aar_parse(SLICE_LIT("(a (nested) \\) comment)\r\n i (x)= (y)\r\n\t2 (z);x"),
                              &i, &p));
    assert_int_equal(i, 2);
    assert_true(slice_eq(p, SLICE_LIT("x")));
}

static void aar_without_leading_instance_is_rejected(void **state)
{
    (void)state;
    unsigned i = 9;
    slice_t p;
    assert_string_equal(arc_aar_parse(SLICE_LIT("example.org; i=1; spf=pass"), &i, &p),
                        "no i= at the start");
    assert_int_equal(i, 0);
    assert_string_equal(arc_aar_parse(SLICE_LIT("I=1; example.org"), &i, &p),
                        "no i= at the start"); /* 3.9: %s"i" is case-sensitive */
    assert_string_equal(arc_aar_parse(SLICE_LIT("i 1; example.org"), &i, &p),
                        "no i= at the start");
    assert_string_equal(arc_aar_parse(SLICE_LIT("(unterminated i=1; x"), &i, &p),
                        "no i= at the start");
    assert_string_equal(arc_aar_parse(SLICE_LIT(""), &i, &p), "no i= at the start");
}

static void aar_instance_must_be_a_number_then_semicolon(void **state)
{
    (void)state;
    unsigned i;
    slice_t p;
    assert_string_equal(arc_aar_parse(SLICE_LIT("i=; x"), &i, &p), "invalid i=");
    assert_string_equal(arc_aar_parse(SLICE_LIT("i=0; x"), &i, &p), "invalid i=");
    assert_string_equal(arc_aar_parse(SLICE_LIT("i=squanch; x"), &i, &p), "invalid i=");
    assert_string_equal(arc_aar_parse(SLICE_LIT("i=1 lists.example.org; x"), &i, &p),
                        "no ';' after i=");
    assert_string_equal(arc_aar_parse(SLICE_LIT("i=1"), &i, &p), "no ';' after i=");
}

/* ---- AMS and AS ---- */

static void sig_instance_reads_i_and_cv(void **state)
{
    (void)state;
    unsigned i;
    arc_cv_t cv;
    assert_null(arc_sig_instance(SLICE_LIT("a=x; i=2; cv=Pass"), &i, &cv));
    assert_int_equal(i, 2);
    assert_int_equal(cv, ARC_CV_PASS);
    assert_null(arc_sig_instance(SLICE_LIT("i=1; cv=maybe"), &i, &cv));
    assert_int_equal(cv, ARC_CV_INVALID);
    assert_null(arc_sig_instance(SLICE_LIT("i=1"), &i, &cv));
    assert_int_equal(cv, ARC_CV_MISSING);
    assert_string_equal(arc_sig_instance(SLICE_LIT("a=x"), &i, NULL), "missing i=");
    assert_string_equal(arc_sig_instance(SLICE_LIT("i=x"), &i, NULL), "invalid i=");
    assert_string_equal(arc_sig_instance(SLICE_LIT("i=1; i=1"), &i, NULL),
                        "duplicate tag: i");
    assert_string_equal(arc_sig_instance(SLICE_LIT("i=1;; a=b"), &i, NULL),
                        "tag-list syntax error");
}

static const char ams_ok[] =
    "i=4; a=rsa-sha256; d=example.org; s=sel; v=7; h=From : To::Subject;\r\n"
    " bh=KWSe46TZKCcDbH4klJPo+tjk5LWJnVRlP5pvjXFZYLQ=; t=5; b=AAAA ; x=9";

static void ams_parses_like_dkim_with_instance(void **state)
{
    (void)state;
    arc_sig_t *s = malloc(sizeof *s);
    slice_t v = SLICE_LIT(ams_ok);
    assert_null(arc_ams_parse(v, s));
    assert_int_equal(s->instance, 4);
    assert_int_equal(s->keytype, CRYPTO_KEY_RSA);
    assert_int_equal(s->hash, CRYPTO_SHA256);
    assert_true(slice_eq(s->domain, SLICE_LIT("example.org")));
    assert_true(slice_eq(s->selector, SLICE_LIT("sel")));
    /* no c=: relaxed/relaxed (suite case ams_fields_c_na) */
    assert_int_equal(s->hcanon, CRYPTO_CANON_RELAXED);
    assert_int_equal(s->bcanon, CRYPTO_CANON_RELAXED);
    /* empty h= items select nothing and are dropped */
    assert_int_equal(s->nh, 3);
    assert_true(slice_eq(s->h[0], SLICE_LIT("From")));
    assert_true(slice_eq(s->h[2], SLICE_LIT("Subject")));
    assert_int_equal(s->t, 5);
    assert_int_equal(s->x, 9);
    assert_int_equal(s->l, -1);
    assert_int_equal(s->bhlen, 32);
    assert_int_equal(s->siglen, 3);
    /* b= is cut from after '=' to the ';' */
    assert_true(slice_eq(slice_sub(v, s->b_off, s->b_len), SLICE_LIT("AAAA ")));
    free(s);
}

static void ams_canonicalization_and_h_rules(void **state)
{
    (void)state;
    arc_sig_t *s = malloc(sizeof *s);
    assert_null(arc_ams_parse(SLICE_LIT("i=1; a=rsa-sha256; d=a.b; s=s; h=; bh=AAAA; b=AAAA; "
                                        "c=simple"),
                              s));
    assert_int_equal(s->nh, 0); /* suite ams_fields_h_empty passes */
    assert_int_equal(s->hcanon, CRYPTO_CANON_SIMPLE);
    assert_int_equal(s->bcanon, CRYPTO_CANON_SIMPLE);
    assert_null(arc_ams_parse(SLICE_LIT("i=1; a=ed25519-sha256; d=a.b; s=s; h=from; bh=AAAA; "
                                        "b=AAAA; c=simple/relaxed"),
                              s));
    assert_int_equal(s->keytype, CRYPTO_KEY_ED25519);
    assert_int_equal(s->hcanon, CRYPTO_CANON_SIMPLE);
    assert_int_equal(s->bcanon, CRYPTO_CANON_RELAXED);
    assert_string_equal(arc_ams_parse(SLICE_LIT("i=1; a=rsa-sha256; d=a.b; s=s; h=from; "
                                                "bh=AAAA; b=AAAA; c="),
                                      s),
                        "unknown canonicalization");
    assert_string_equal(arc_ams_parse(SLICE_LIT("i=1; a=rsa-sha256; d=a.b; s=s; h=fr om; "
                                                "bh=AAAA; b=AAAA"),
                                      s),
                        "syntax: h=");
    free(s);
}

static void ams_required_tags_and_values(void **state)
{
    (void)state;
    arc_sig_t *s = malloc(sizeof *s);
    static const struct {
        const char *v, *why;
    } cases[] = {
        { "a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA; b=AAAA", "missing i=" },
        { "i=1; d=a.b; s=s; h=from; bh=AAAA; b=AAAA", "missing a=" },
        { "i=1; a=rsa-sha256; d=a.b; s=s; h=from; b=AAAA", "missing bh=" },
        { "i=1; a=rsa-sha256; d=a.b; s=s; bh=AAAA; b=AAAA", "missing h=" },
        { "i=1; a=rsa-sha256; d=a.b; h=from; bh=AAAA; b=AAAA", "missing s=" },
        { "i=0; a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA; b=AAAA", "invalid i=" },
        { "i=1; a=rsa-md5; d=a.b; s=s; h=from; bh=AAAA; b=AAAA", "unknown algorithm" },
        { "i=1; a=rsa-sha256; d=; s=s; h=from; bh=AAAA; b=AAAA", "empty d=" },
        { "i=1; a=rsa-sha256; d=a..b; s=s; h=from; bh=AAAA; b=AAAA", "syntax: d=" },
        { "i=1; a=rsa-sha256; d=a.b; s=s; h=from; bh=; b=AAAA", "empty bh=" },
        { "i=1; a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA; b=", "empty b=" },
        { "i=1; a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA; b=A!AA", "b= not base64" },
        { "i=1; a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA; b=AAAA; t=", "syntax: t=" },
        { "i=1; a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA; b=AAAA; t=9; x=8",
          "x= earlier than t=" },
        { "i=1; a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA; b=AAAA; q=http",
          "unknown query method" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *why = arc_ams_parse(slice_cstr(cases[k].v), s);
        assert_non_null(why);
        assert_string_equal(why, cases[k].why);
        assert_ptr_equal(s->error, why);
    }
    free(s);
}

static void as_rejects_h_and_bad_cv(void **state)
{
    (void)state;
    arc_sig_t *s = malloc(sizeof *s);
    assert_null(arc_as_parse(SLICE_LIT("i=2; cv=pass; a=rsa-sha256; d=a.b; s=s; t=1; b=AAAA; w=x"),
                             s));
    assert_int_equal(s->instance, 2);
    assert_int_equal(s->cv, ARC_CV_PASS);
    assert_int_equal(s->hcanon, CRYPTO_CANON_RELAXED);
    assert_int_equal(s->t, 1);
    /* 4.1.3: h= in a seal is a failure (suite as_fields_h_present) */
    assert_string_equal(arc_as_parse(SLICE_LIT("i=1; cv=none; a=rsa-sha256; d=a.b; s=s; "
                                               "h=from; b=AAAA"),
                                     s),
                        "h= is not allowed in ARC-Seal");
    assert_string_equal(arc_as_parse(SLICE_LIT("i=1; cv=; a=rsa-sha256; d=a.b; s=s; b=AAAA"), s),
                        "invalid cv=");
    assert_string_equal(arc_as_parse(SLICE_LIT("i=1; a=rsa-sha256; d=a.b; s=s; b=AAAA"), s),
                        "missing cv=");
    /* bh= and c= mean nothing in a seal: ignored */
    assert_null(arc_as_parse(SLICE_LIT("i=1; cv=none; a=rsa-sha256; d=a.b; s=s; b=AAAA; "
                                       "bh=!; c=bogus"),
                             s));
    free(s);
}

/* ---- chain structure (5.2 steps 1-3) ---- */

#define SET(i, cv)                                                                     \
    "ARC-Seal: i=" #i "; cv=" cv "; a=rsa-sha256; d=a.b; s=s; b=AAAA\n"               \
    "ARC-Message-Signature: i=" #i "; a=rsa-sha256; d=a.b; s=s; h=from; bh=AAAA; "   \
    "b=AAAA\n"                                                                         \
    "ARC-Authentication-Results: i=" #i "; a.b; spf=pass\n"

static void no_arc_fields_is_no_chain(void **state)
{
    (void)state;
    arc_chain_t c;
    assert_null(collect("From: a@b\nSubject: x\n\nbody\n", 50, &c));
    assert_int_equal(c.nfields, 0);
    assert_int_equal(c.n, 0);
}

static void complete_sets_form_a_chain(void **state)
{
    (void)state;
    arc_chain_t c;
    assert_null(collect(SET(2, "pass") "Received: x\n" SET(1, "none") "From: a@b\n\n", 50, &c));
    assert_int_equal(c.nfields, 6);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.set[2].idx[ARC_AS], 0);
    assert_int_equal(c.set[2].idx[ARC_AAR], 2);
    assert_int_equal(c.set[1].idx[ARC_AS], 4);
    assert_int_equal(c.set[1].idx[ARC_AMS], 5);
    assert_int_equal(c.set[1].cv, ARC_CV_NONE);
}

static void a_gap_in_instances_fails(void **state)
{
    (void)state;
    arc_chain_t c;
    assert_string_equal(collect(SET(3, "pass") SET(1, "none") "\n", 50, &c),
                        "instance 2 has no ARC-Authentication-Results");
    assert_int_equal(c.bad, 2);
    assert_int_equal(c.n, 3);
}

static void a_repeated_field_fails(void **state)
{
    (void)state;
    arc_chain_t c;
    assert_string_equal(collect(SET(1, "none") "ARC-Seal: i=1; cv=none; a=x\n\n", 50, &c),
                        "instance 1 has 2 ARC-Seal fields");
    assert_int_equal(c.bad, 1);
}

static void cv_rules_by_instance(void **state)
{
    (void)state;
    arc_chain_t c;
    assert_string_equal(collect(SET(1, "pass") "\n", 50, &c),
                        "AS i=1 has cv=pass (expected cv=none)");
    assert_string_equal(collect(SET(2, "none") SET(1, "none") "\n", 50, &c),
                        "AS i=2 has cv=none (expected cv=pass)");
    assert_string_equal(collect(SET(2, "pass") SET(1, "fail") "\n", 50, &c),
                        "AS i=1 has cv=fail (expected cv=none)");
    assert_int_equal(c.bad, 1);
}

static void latest_cv_fail_ends_the_chain_first(void **state)
{
    (void)state;
    arc_chain_t c;
    /* step 2 comes before the structure checks: no AAR for i=1 is not reported */
    assert_string_equal(collect(SET(2, "fail")
                                "ARC-Seal: i=1; cv=none; a=x\n\n",
                                50, &c),
                        "AS i=2 has cv=fail");
    assert_int_equal(c.bad, 2);
}

static void more_than_the_limit_fails(void **state)
{
    (void)state;
    arc_chain_t c;
    assert_string_equal(collect(SET(51, "pass") "\n", 50, &c), "too many ARC sets (limit 50): i=51");
    assert_int_equal(c.n, 51);
    assert_string_equal(collect(SET(3, "pass") SET(2, "pass") SET(1, "none") "\n", 2, &c),
                        "too many ARC sets (limit 2): i=3");
    /* a limit of 0 or above 50 means 50 */
    assert_null(collect(SET(1, "none") "\n", 0, &c));
    assert_string_equal(collect(SET(51, "pass") "\n", 1000, &c), "too many ARC sets (limit 50): i=51");
}

static int precheck(const char *msg, unsigned max)
{
    eng_msg_t m;
    int trunc;
    assert_int_equal(eng_msg_parse(&m, slice_cstr(msg), 1000, &trunc), 0);
    int ok = arc_chain_precheck(&m, max);
    eng_msg_free(&m);
    return ok;
}

/* Catalogue F1: a chain that fails on its shape is not worth a key query. */
static void precheck_refuses_what_fails_before_dns(void **state)
{
    (void)state;
    assert_int_equal(precheck("From: a@b\n\nbody\n", 50), 0);
    assert_int_equal(precheck(SET(2, "pass") SET(1, "none") "\n", 50), 1);
    assert_int_equal(precheck(SET(2, "pass") SET(1, "none") "\n", 1), 0);
    assert_int_equal(precheck(SET(51, "pass") "\n", 50), 0);
    assert_int_equal(precheck(SET(2, "pass") "\n", 50), 0);       /* gap: no i=1 */
    assert_int_equal(precheck(SET(1, "pass") "\n", 50), 0);       /* i=1 cv=pass */
    assert_int_equal(precheck(SET(2, "fail") SET(1, "none") "\n", 50), 0);
    assert_int_equal(precheck("ARC-Seal: i=1; none\n\n", 50), 0);
}

static void unparsable_instance_fails(void **state)
{
    (void)state;
    arc_chain_t c;
    assert_string_equal(collect("ARC-Seal: cv=none; a=x\n" SET(1, "none") "\n", 50, &c),
                        "AS: missing i=");
    assert_string_equal(collect(SET(1, "none") "ARC-Authentication-Results: a.b; i=1\n\n", 50, &c),
                        "AAR: no i= at the start");
    assert_int_equal(c.bad, 0);
}

/* ---- validation ---- */

static void signed_chain_passes(void **state)
{
    (void)state;
    arc_result_t r;
    validate(signed_i2, key_zone, &r);
    assert_int_equal(r.result, ENG_PASS);
    assert_int_equal(r.instances, 2);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.oldest_pass, 1);
    assert_string_equal(r.reason, "");
}

static void unsigned_message_is_none(void **state)
{
    (void)state;
    arc_result_t r;
    validate("From: a@b\n\nhi\n", key_zone, &r);
    assert_int_equal(r.result, ENG_NONE);
    assert_int_equal(r.instances, 0);
    assert_int_equal(r.oldest_pass, 0);
    validate("", key_zone, &r);
    assert_int_equal(r.result, ENG_NONE);
}

static void changed_header_fails_the_latest_ams(void **state)
{
    (void)state;
    arc_result_t r;
    char *m = edit(signed_i2, "To: arc@dmarc.org", "To: arc@dmarc.net");
    validate(m, key_zone, &r);
    assert_int_equal(r.result, ENG_FAIL);
    assert_int_equal(r.failed, 2);
    assert_int_equal(r.oldest_pass, 0);
    assert_string_equal(r.reason, "AMS i=2: signature did not verify");
    free(m);
}

static void changed_body_fails_on_body_hash(void **state)
{
    (void)state;
    arc_result_t r;
    char *m = edit(signed_i2, "Hey gang,", "Hey gang!");
    validate(m, key_zone, &r);
    assert_int_equal(r.result, ENG_FAIL);
    assert_string_equal(r.reason, "AMS i=2: body hash did not verify");
    free(m);
}

static void changed_unsigned_aar_fails_its_seal(void **state)
{
    (void)state;
    arc_result_t r;
    /* h=arc-authentication-results of AMS i=2 takes the bottom AAR (i=1):
     * the AAR of i=2 is covered by its seal alone */
    char *m = edit(signed_i2, "i=2; lists.example.org;", "i=2; lists.example.net;");
    validate(m, key_zone, &r);
    assert_int_equal(r.result, ENG_FAIL);
    assert_int_equal(r.failed, 2);
    assert_int_equal(r.oldest_pass, 1); /* every AMS still verifies */
    assert_string_equal(r.reason, "AS i=2: signature did not verify");
    free(m);
}

static void missing_key_fails(void **state)
{
    (void)state;
    arc_result_t r;
    validate(signed_i2, "other.example. 3600 IN TXT \"x\"\n", &r);
    assert_int_equal(r.result, ENG_FAIL);
    assert_string_equal(r.reason, "AMS i=2: no key for signature");
}

static void dns_failure_is_a_permanent_fail(void **state)
{
    (void)state;
    arc_result_t r;
    /* 5.2.1: "All errors, including DNS failures, ... are considered permanent" */
    validate(signed_i2, "dummy._domainkey.example.org. IN SERVFAIL\n", &r);
    assert_int_equal(r.result, ENG_FAIL);
    assert_int_equal(r.failed, 2);
    assert_string_equal(r.reason, "AMS i=2: key lookup failed: SERVFAIL");
}

static void structure_failure_is_reported_with_its_instance(void **state)
{
    (void)state;
    arc_result_t r;
    char *m = edit(signed_i2, "cv=pass; d=example.org; i=2", "cv=none; d=example.org; i=2");
    validate(m, key_zone, &r);
    assert_int_equal(r.result, ENG_FAIL);
    assert_int_equal(r.instances, 2);
    assert_int_equal(r.failed, 2);
    assert_string_equal(r.reason, "AS i=2 has cv=none (expected cv=pass)");
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(field_kinds_are_matched_without_case),
        cmocka_unit_test(instance_values_are_positive_decimal),
        cmocka_unit_test(aar_prefix_gives_instance_and_payload),
        cmocka_unit_test(aar_prefix_allows_cfws_and_comments),
        cmocka_unit_test(aar_without_leading_instance_is_rejected),
        cmocka_unit_test(aar_instance_must_be_a_number_then_semicolon),
        cmocka_unit_test(sig_instance_reads_i_and_cv),
        cmocka_unit_test(ams_parses_like_dkim_with_instance),
        cmocka_unit_test(ams_canonicalization_and_h_rules),
        cmocka_unit_test(ams_required_tags_and_values),
        cmocka_unit_test(as_rejects_h_and_bad_cv),
        cmocka_unit_test(no_arc_fields_is_no_chain),
        cmocka_unit_test(complete_sets_form_a_chain),
        cmocka_unit_test(a_gap_in_instances_fails),
        cmocka_unit_test(a_repeated_field_fails),
        cmocka_unit_test(cv_rules_by_instance),
        cmocka_unit_test(latest_cv_fail_ends_the_chain_first),
        cmocka_unit_test(more_than_the_limit_fails),
        cmocka_unit_test(precheck_refuses_what_fails_before_dns),
        cmocka_unit_test(unparsable_instance_fails),
        cmocka_unit_test(signed_chain_passes),
        cmocka_unit_test(unsigned_message_is_none),
        cmocka_unit_test(changed_header_fails_the_latest_ams),
        cmocka_unit_test(changed_body_fails_on_body_hash),
        cmocka_unit_test(changed_unsigned_aar_fails_its_seal),
        cmocka_unit_test(missing_key_fails),
        cmocka_unit_test(dns_failure_is_a_permanent_fail),
        cmocka_unit_test(structure_failure_is_reported_with_its_instance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
