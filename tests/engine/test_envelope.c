/* The SMTP envelope recovered from Return-Path and Received (engine/envelope.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "envelope.h"

static void from_clause(const char *value, const char *helo, const char *ip)
{
    char h[256], txt[64];
    int af = 0;
    uint8_t a[16];
    int got = eng_received_from(slice_cstr(value), h, sizeof h, &af, a);
    assert_string_equal(h, helo);
    if (!ip) {
        assert_int_equal(got, 0);
        return;
    }
    assert_int_equal(got, 1);
    inet_ntop(af, a, txt, sizeof txt);
    assert_string_equal(txt, ip);
}

static void received_from_clauses_of_common_mtas(void **state)
{
    (void)state;
    /* Postfix */
    from_clause(" from mail.example.org (mail.example.org [192.0.2.25])\n"
                "\tby mx.example.net (Postfix) with ESMTPS id 4F1; Tue, 1 Jan 2026 00:00:00 +0000",
                "mail.example.org", "192.0.2.25");
    /* Gmail: rDNS with a trailing dot, IP after it */
    from_clause(" from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])\n"
                "        by mx.google.com with SMTPS id x; Mon, 1 Jan 2024 00:00:00 -0800",
                "mail-sor-f41.google.com", "209.85.220.41");
    /* Exim: IP first, HELO in the comment */
    from_clause(" from [198.51.100.7] (helo=client.example)\n by smtp.example.com with esmtp",
                "client.example", "198.51.100.7");
    /* IPv6 literal */
    from_clause(" from h.example (h.example [IPv6:2001:db8::1]) by mx.example",
                "h.example", "2001:db8::1");
    /* qmail */
    from_clause(" from unknown (HELO relay.example) (203.0.113.9)\n  by mail.example with SMTP",
                "relay.example", "203.0.113.9");
    /* local delivery: no IP */
    from_clause(" by mx.example.net (Postfix, from userid 0) id 1", "", NULL);
    /* empty and blank values (found by fuzz_message: read past the end) */
    from_clause("", "", NULL);
    from_clause("  \n", "", NULL);
    from_clause(" fro", "", NULL);
    /* an IP in the by-part does not count */
    from_clause(" from localhost by mx [192.0.2.1]", "localhost", NULL);
}

static void envelope_from_the_border_hop(void **state)
{
    (void)state;
    const char *msg =
        "Return-Path: <bounce+x@lists.example.org>\n"
        "Received: from mx.example.net (mx.example.net [10.0.0.1]) by store.example.net\n"
        "Received: from out.example.org (out.example.org [192.0.2.33])\n"
        "\tby mx.example.net with ESMTPS\n"
        "From: a@example.org\n\nbody\n";
    eng_msg_t m;
    int trunc;
    eng_envelope_t e;
    eng_envelope_opts_t o = { .border_hop = 2 };
    assert_int_equal(eng_msg_parse(&m, slice_cstr(msg), 100, &trunc), 0);

    eng_envelope_get(&m, &o, NULL, &e);
    assert_true(e.have_ip && e.have_helo && e.have_mailfrom);
    assert_string_equal(e.ip_text, "192.0.2.33");
    assert_string_equal(e.helo, "out.example.org");
    assert_string_equal(e.mailfrom, "bounce+x@lists.example.org");

    /* --border-by picks by the "by" part instead */
    regex_t re;
    assert_int_equal(regcomp(&re, "by store\\.", REG_EXTENDED | REG_ICASE | REG_NOSUB), 0);
    o.border_hop = 0;
    eng_envelope_get(&m, &o, &re, &e);
    assert_string_equal(e.ip_text, "10.0.0.1");
    regfree(&re);

    /* overrides win; an empty --mailfrom is the null sender */
    eng_envelope_opts_t ov = { .ip = "2001:db8::5", .helo = "h.example", .mailfrom = "" };
    eng_envelope_get(&m, &ov, NULL, &e);
    assert_string_equal(e.ip_text, "2001:db8::5");
    assert_string_equal(e.helo, "h.example");
    assert_true(e.have_mailfrom);
    assert_string_equal(e.mailfrom, "");
    eng_msg_free(&m);
}

static void missing_pieces_say_why(void **state)
{
    (void)state;
    eng_msg_t m;
    int trunc;
    eng_envelope_t e;
    eng_envelope_opts_t o = { .border_hop = 1 };
    assert_int_equal(eng_msg_parse(&m, slice_cstr("Return-Path: <>\nFrom: a@b\n\n"), 100, &trunc), 0);
    eng_envelope_get(&m, &o, NULL, &e);
    assert_true(e.have_mailfrom);
    assert_string_equal(e.mailfrom, "");
    assert_false(e.have_ip);
    assert_string_equal(e.why, "no envelope: no Received field at the border hop");
    eng_msg_free(&m);

    assert_int_equal(eng_msg_parse(&m, slice_cstr("Received: from a (a [192.0.2.1]) by b\n\n"),
                                   100, &trunc), 0);
    eng_envelope_get(&m, &o, NULL, &e);
    assert_true(e.have_ip);
    assert_false(e.have_mailfrom);
    assert_string_equal(e.why, "no envelope: no Return-Path field (MAIL FROM unknown)");
    eng_msg_free(&m);
}

static void ip_parsing(void **state)
{
    (void)state;
    int af;
    uint8_t ip[16];
    assert_int_equal(eng_parse_ip(slice_cstr("192.0.2.1"), &af, ip), 0);
    assert_int_equal(af, AF_INET);
    assert_int_equal(eng_parse_ip(slice_cstr("IPv6:::ffff:1.2.3.4"), &af, ip), 0);
    assert_int_equal(af, AF_INET6);
    assert_int_equal(eng_parse_ip(slice_cstr("192.0.2"), &af, ip), -1);
    assert_int_equal(eng_parse_ip(slice_cstr(""), &af, ip), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(received_from_clauses_of_common_mtas),
        cmocka_unit_test(envelope_from_the_border_hop),
        cmocka_unit_test(missing_pieces_say_why),
        cmocka_unit_test(ip_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
