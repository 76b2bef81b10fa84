/* SPF records and check_host() (engine/spf.c, spf_record.c, RFC 7208). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "spf.h"
#include "spf_internal.h"

/* --- record syntax --- */

static void v1_records_are_recognised(void **state)
{
    (void)state;
    assert_true(spf_record_is_v1(SLICE_LIT("v=spf1")));
    assert_true(spf_record_is_v1(SLICE_LIT("V=SPF1 -all")));
    assert_false(spf_record_is_v1(SLICE_LIT("v=spf10 -all")));
    assert_false(spf_record_is_v1(SLICE_LIT("v=spf1-all")));
    assert_false(spf_record_is_v1(SLICE_LIT("spf2.0/pra -all")));
    assert_false(spf_record_is_v1(SLICE_LIT("v=spf")));
}

static spf_term_t one_term(const char *s)
{
    spf_term_t t;
    size_t pos = 0;
    const char *why = NULL;
    assert_int_equal(spf_term_next(slice_cstr(s), &pos, &t, &why), 1);
    assert_int_equal(pos, strlen(s));
    return t;
}

static void terms_parse_with_qualifiers_and_cidrs(void **state)
{
    (void)state;
    spf_term_t t = one_term("-a:mail.example.com/24//64");
    assert_int_equal(t.kind, SPF_M_A);
    assert_int_equal(t.qual, '-');
    assert_true(slice_eq(t.domain, SLICE_LIT("mail.example.com")));
    assert_int_equal(t.cidr4, 24);
    assert_int_equal(t.cidr6, 64);

    t = one_term("MX//0");
    assert_int_equal(t.kind, SPF_M_MX);
    assert_int_equal(t.qual, '+');
    assert_int_equal(t.domain.n, 0);
    assert_int_equal(t.cidr4, 32);
    assert_int_equal(t.cidr6, 0);

    t = one_term("~ip4:192.0.2.0/24");
    assert_int_equal(t.kind, SPF_M_IP4);
    assert_int_equal(t.qual, '~');
    assert_memory_equal(t.addr, ((uint8_t[]){ 192, 0, 2, 0 }), 4);
    assert_int_equal(t.cidr4, 24);

    t = one_term("?ip6:2001:db8::/32");
    assert_int_equal(t.kind, SPF_M_IP6);
    assert_memory_equal(t.addr, ((uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8 }), 4);
    assert_int_equal(t.cidr6, 32);

    t = one_term("redirect=_spf.%{d2}");
    assert_int_equal(t.kind, SPF_MOD_REDIRECT);
    assert_true(slice_eq(t.domain, SLICE_LIT("_spf.%{d2}")));

    t = one_term("moo.cow-far_out=man:dog/cat");
    assert_int_equal(t.kind, SPF_MOD_UNKNOWN);
}

static void bad_terms_are_syntax_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "all.", "all:foo", "all/8", "ptr/0", "ptr:", "a:", "a/33", "a//129", "a/24/64",
        "a/024", "a:museum", "a:example.com:8080", "include:foo.com/24", "exists",
        "ip4", "ip4:1.2.3", "ip4:1.2.3.4//32", "ip4:01.2.3.4", "ip4:1.2.3.4/33",
        "ip6:1.2.3.4", "ip6::1/129", "1up=foo", "=all", "+exp=x.example.com",
        "redirect:x.example.com", "foo=%abc", "exp=", "moo.cow/far=x", "a:foo\x01.com",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spf_term_t t;
        size_t pos = 0;
        const char *why = NULL;
        assert_int_equal(spf_term_next(slice_cstr(bad[i]), &pos, &t, &why), -1);
        assert_non_null(why);
    }
}

static void records_reject_repeated_redirect_and_exp(void **state)
{
    (void)state;
    spf_record_t r;
    const char *why = NULL;
    assert_int_equal(spf_record_parse(SLICE_LIT("v=spf1  a  -all exp=e.example.com "), &r, &why), 0);
    assert_true(r.has_exp);
    assert_true(slice_eq(r.exp, SLICE_LIT("e.example.com")));
    assert_int_equal(spf_record_parse(SLICE_LIT("v=spf1 redirect=a.example.com "
                                                "redirect=b.example.com"), &r, &why), -1);
    assert_string_equal(why, "redirect= twice");
    assert_int_equal(spf_record_parse(SLICE_LIT("v=spf1 exp=a.example.com exp=a.example.com"),
                                      &r, &why), -1);
    assert_string_equal(why, "exp= twice");
    /* RFC 7208 4.6: an error anywhere, even after "all" */
    assert_int_equal(spf_record_parse(SLICE_LIT("v=spf1 -all moo"), &r, &why), -1);
    assert_int_equal(spf_record_parse(SLICE_LIT("v=spf1 a\tmx"), &r, &why), -1);
}

/* --- check_host() over a zone file --- */

typedef struct world {
    dns_t *dns;
    char path[64];
    /* the fake-lookup knobs */
    unsigned calls;
    unsigned pending_after; /* 0: never pending */
    unsigned outstanding;   /* answers handed out and not yet released */
} world_t;

static dns_answer_t *lookup(void *arg, slice_t name, uint16_t type, int *pending)
{
    world_t *w = arg;
    w->calls++;
    if (w->pending_after && w->calls >= w->pending_after) {
        *pending = 1;
        return NULL;
    }
    return eng_lookup_wait(w->dns, name, type, pending);
}

static void world_open(world_t *w, const char *zone)
{
    memset(w, 0, sizeof *w);
    snprintf(w->path, sizeof w->path, "/tmp/test_spf_XXXXXX");
    int fd = mkstemp(w->path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, zone, strlen(zone)), (ssize_t)strlen(zone));
    close(fd);
    char spec[80], err[256];
    snprintf(spec, sizeof spec, "zone:%s", w->path);
    w->dns = dns_open(spec, NULL, err, sizeof err);
    if (!w->dns)
        fail_msg("%s", err);
}

static void world_close(world_t *w)
{
    dns_close(w->dns);
    unlink(w->path);
}

static spf_result_t check(world_t *w, const char *ip, const char *mailfrom, const char *helo)
{
    spf_input_t in = { .mailfrom = slice_cstr(mailfrom), .helo = slice_cstr(helo),
                       .receiver = "mx.receiver.example", .now = 1700000000 };
    in.af = strchr(ip, ':') ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(in.af, ip, in.ip), 1);
    spf_result_t r;
    assert_int_equal(spf_check(&in, NULL, lookup, w, &r), SPF_DONE);
    return r;
}

static const char zone_basic[] =
    "example.com.      TXT \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a:mail.example.com\" "
    "\" include:inc.example.com -all exp=why.example.com\"\n"
    "mail.example.com. A 198.51.100.7\n"
    "inc.example.com.  TXT \"v=spf1 ip4:203.0.113.5 ?all\"\n"
    "why.example.com.  TXT \"%{i} may not send for %{d} (%{s})\"\n"
    "soft.example.com. TXT \"v=spf1 mx ~all\"\n"
    "soft.example.com. MX 10 mail.example.com\n"
    "two.example.com.  TXT \"v=spf1 -all\"\n"
    "two.example.com.  TXT \"v=spf1 +all\"\n"
    "other.example.com. TXT \"some verification string\"\n"
    "tmp.example.com.  TIMEOUT\n"
    "inctmp.example.com. TXT \"v=spf1 include:tmp.example.com -all\"\n"
    "helo.example.com. TXT \"v=spf1 a -all\"\n"
    "helo.example.com. A 192.0.2.99\n";

static void verdicts_over_a_zone(void **state)
{
    (void)state;
    world_t w;
    world_open(&w, zone_basic);
    spf_result_t r = check(&w, "192.0.2.10", "alice@example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_PASS);
    assert_string_equal(r.reason, "matched ip4:192.0.2.0/24");
    assert_string_equal(r.domain, "example.com");

    r = check(&w, "2001:db8::1", "alice@example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_PASS);
    r = check(&w, "198.51.100.7", "alice@example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_PASS);
    assert_string_equal(r.reason, "matched a:mail.example.com");

    /* include: neutral inside is "no match" (5.2); the fail carries exp= */
    r = check(&w, "203.0.113.6", "alice@example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_FAIL);
    assert_string_equal(r.reason, "matched -all");
    assert_true(r.has_explanation);
    assert_string_equal(r.explanation,
                        "203.0.113.6 may not send for example.com (alice@example.com)");
    r = check(&w, "203.0.113.5", "alice@example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_PASS);
    assert_string_equal(r.reason, "matched include:inc.example.com");

    r = check(&w, "192.0.2.1", "bob@soft.example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_SOFTFAIL);
    r = check(&w, "198.51.100.7", "bob@soft.example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_PASS);

    r = check(&w, "192.0.2.1", "x@two.example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_PERMERROR);
    assert_string_equal(r.reason, "several SPF records at two.example.com");
    r = check(&w, "192.0.2.1", "x@other.example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_NONE);
    r = check(&w, "192.0.2.1", "x@nowhere.example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_NONE);
    assert_string_equal(r.reason, "no such domain: nowhere.example.com");
    r = check(&w, "192.0.2.1", "x@tmp.example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_TEMPERROR);
    assert_string_equal(r.reason, "DNS timeout for tmp.example.com TXT");
    r = check(&w, "192.0.2.1", "x@inctmp.example.com", "mx.example.org");
    assert_int_equal(r.result, ENG_TEMPERROR);
    world_close(&w);
}

static void null_sender_checks_helo_and_mapped_ipv4_is_ipv4(void **state)
{
    (void)state;
    world_t w;
    world_open(&w, zone_basic);
    spf_result_t r = check(&w, "192.0.2.99", "", "helo.example.com");
    assert_int_equal(r.result, ENG_PASS);
    assert_string_equal(r.domain, "helo.example.com");
    r = check(&w, "::ffff:192.0.2.99", "", "helo.example.com");
    assert_int_equal(r.result, ENG_PASS);
    r = check(&w, "::ffff:192.0.2.98", "", "helo.example.com");
    assert_int_equal(r.result, ENG_FAIL);
    /* RFC 7208 4.3: not a multi-label name, or a literal: none */
    r = check(&w, "192.0.2.99", "", "localhost");
    assert_int_equal(r.result, ENG_NONE);
    r = check(&w, "192.0.2.99", "x@[192.0.2.1]", "helo.example.com");
    assert_int_equal(r.result, ENG_NONE);
    world_close(&w);
}

static void cidr_prefixes_match_bit_by_bit(void **state)
{
    (void)state;
    world_t w;
    world_open(&w, "c.example.com. TXT \"v=spf1 ip4:10.0.0.0/9 ip6:2001:db8:8000::/33 "
                   "a:h.example.com/30//127 -all\"\n"
                   "h.example.com. A 172.16.0.4\n"
                   "h.example.com. AAAA 2001:db9::2\n");
    static const struct {
        const char *ip;
        eng_result_t want;
    } cases[] = {
        { "10.127.255.255", ENG_PASS }, { "10.128.0.0", ENG_FAIL },
        { "2001:db8:8000::1", ENG_PASS }, { "2001:db8:7fff::1", ENG_FAIL },
        { "172.16.0.7", ENG_PASS },     { "172.16.0.8", ENG_FAIL },
        { "2001:db9::3", ENG_PASS },    { "2001:db9::4", ENG_FAIL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        spf_result_t r = check(&w, cases[i].ip, "x@c.example.com", "h.example.com");
        assert_int_equal(r.result, cases[i].want);
    }
    world_close(&w);
}

static void lookup_limits(void **state)
{
    (void)state;
    world_t w;
    world_open(&w,
               /* 10 DNS terms pass, the 11th is permerror (4.6.4) */
               "ten.example.com. TXT \"v=spf1 a a a a a a a a a ip4:192.0.2.1 a -all\"\n"
               "ten.example.com. A 198.51.100.1\n"
               "eleven.example.com. TXT \"v=spf1 a a a a a a a a a a a ip4:192.0.2.1 -all\"\n"
               "eleven.example.com. A 198.51.100.1\n"
               /* two void lookups are fine, a third is permerror */
               "void2.example.com. TXT \"v=spf1 a:n1.example.com a:n2.example.com ?all\"\n"
               "void3.example.com. TXT \"v=spf1 a:n1.example.com a:n2.example.com "
               "exists:n3.example.com ?all\"\n"
               /* an 11th MX name is permerror, a match before it is not */
               "mx11.example.com. TXT \"v=spf1 mx -all\"\n"
               "mx11.example.com. MX 1 m1.example.com\n"
               "mx11.example.com. MX 2 m1.example.com\n"
               "mx11.example.com. MX 3 m1.example.com\n"
               "mx11.example.com. MX 4 m1.example.com\n"
               "mx11.example.com. MX 5 m1.example.com\n"
               "mx11.example.com. MX 6 m1.example.com\n"
               "mx11.example.com. MX 7 m1.example.com\n"
               "mx11.example.com. MX 8 m1.example.com\n"
               "mx11.example.com. MX 9 m1.example.com\n"
               "mx11.example.com. MX 10 m2.example.com\n"
               "mx11.example.com. MX 11 m3.example.com\n"
               "m1.example.com. A 198.51.100.1\n"
               "m2.example.com. A 198.51.100.2\n"
               "m3.example.com. A 198.51.100.3\n"
               /* only the first 10 PTR names are looked at */
               "ptr.example.com. TXT \"v=spf1 ptr -all\"\n"
               "1.2.0.192.in-addr.arpa. PTR p1.example.org\n"
               "1.2.0.192.in-addr.arpa. PTR p2.example.org\n"
               "1.2.0.192.in-addr.arpa. PTR p3.example.org\n"
               "1.2.0.192.in-addr.arpa. PTR p4.example.org\n"
               "1.2.0.192.in-addr.arpa. PTR p5.example.org\n"
               "1.2.0.192.in-addr.arpa. PTR p6.example.org\n"
               "1.2.0.192.in-addr.arpa. PTR p7.example.org\n"
               "1.2.0.192.in-addr.arpa. PTR p8.example.org\n"
               "1.2.0.192.in-addr.arpa. PTR p9.example.org\n"
               "1.2.0.192.in-addr.arpa. PTR p10.example.org\n"
               "1.2.0.192.in-addr.arpa. PTR host.ptr.example.com\n"
               "host.ptr.example.com. A 192.0.2.1\n"
               "2.2.0.192.in-addr.arpa. PTR host2.ptr.example.com\n"
               "host2.ptr.example.com. A 192.0.2.2\n"
               /* include loops end at the lookup limit */
               "loop.example.com. TXT \"v=spf1 include:loop.example.com -all\"\n");
    spf_result_t r = check(&w, "192.0.2.1", "x@ten.example.com", "h.example.com");
    assert_int_equal(r.result, ENG_PASS);
    r = check(&w, "192.0.2.1", "x@eleven.example.com", "h.example.com");
    assert_int_equal(r.result, ENG_PERMERROR);
    assert_string_equal(r.reason, "too many DNS lookups (limit 10)");
    r = check(&w, "192.0.2.1", "x@void2.example.com", "h.example.com");
    assert_int_equal(r.result, ENG_NEUTRAL);
    r = check(&w, "192.0.2.1", "x@void3.example.com", "h.example.com");
    assert_int_equal(r.result, ENG_PERMERROR);
    assert_string_equal(r.reason, "too many void DNS lookups (limit 2)");
    r = check(&w, "198.51.100.2", "x@mx11.example.com", "h.example.com");
    assert_int_equal(r.result, ENG_PASS);
    r = check(&w, "198.51.100.3", "x@mx11.example.com", "h.example.com");
    assert_int_equal(r.result, ENG_PERMERROR);
    assert_string_equal(r.reason, "too many MX names (limit 10)");
    r = check(&w, "192.0.2.1", "x@ptr.example.com", "h.example.com");
    assert_int_equal(r.result, ENG_FAIL);
    r = check(&w, "192.0.2.2", "x@ptr.example.com", "h.example.com");
    assert_int_equal(r.result, ENG_PASS);
    r = check(&w, "192.0.2.1", "x@loop.example.com", "h.example.com");
    assert_int_equal(r.result, ENG_PERMERROR);
    world_close(&w);
}

static spf_result_t check_lim(world_t *w, const char *mailfrom, const spf_limits_t *lim)
{
    spf_input_t in = { .mailfrom = slice_cstr(mailfrom), .helo = slice_cstr("h.example.com"),
                       .af = AF_INET, .now = 1700000000 };
    assert_int_equal(inet_pton(AF_INET, "192.0.2.1", in.ip), 1);
    spf_result_t r;
    assert_int_equal(spf_check(&in, lim, lookup, w, &r), SPF_DONE);
    return r;
}

/* Limits given by the caller (--spf-max-lookups, --spf-max-void, --max-depth). */
static void caller_limits_are_enforced_and_named(void **state)
{
    (void)state;
    world_t w;
    /* d0 includes d1 includes d2 ... d11 passes: 11 levels of nesting */
    char zone[4096];
    size_t k = 0;
    for (int i = 0; i < 11; i++)
        k += (size_t)snprintf(zone + k, sizeof zone - k,
                              "d%d.example.com. TXT \"v=spf1 include:d%d.example.com -all\"\n",
                              i, i + 1);
    snprintf(zone + k, sizeof zone - k, "d11.example.com. TXT \"v=spf1 +all\"\n"
             "v.example.com. TXT \"v=spf1 a:n1.example.com ip4:192.0.2.1 -all\"\n");
    world_open(&w, zone);
    spf_limits_t lim = SPF_LIMITS_DEFAULT;
    /* default: the 11th include is the 11th lookup */
    spf_result_t r = check_lim(&w, "x@d0.example.com", &lim);
    assert_int_equal(r.result, ENG_PERMERROR);
    assert_string_equal(r.reason, "too many DNS lookups (limit 10)");
    /* more lookups allowed: the nesting limit stops the 11th level */
    lim.lookups = 20;
    r = check_lim(&w, "x@d0.example.com", &lim);
    assert_int_equal(r.result, ENG_PERMERROR);
    assert_string_equal(r.reason, "include/redirect nesting too deep (limit 10)");
    lim.depth = 11;
    r = check_lim(&w, "x@d0.example.com", &lim);
    assert_int_equal(r.result, ENG_PASS);
    lim.depth = 3;
    r = check_lim(&w, "x@d5.example.com", &lim);
    assert_string_equal(r.reason, "include/redirect nesting too deep (limit 3)");
    lim.depth = 100000; /* capped: the walk recurses */
    lim.lookups = 100000;
    r = check_lim(&w, "x@d0.example.com", &lim);
    assert_int_equal(r.result, ENG_PASS);
    /* a void lookup past --spf-max-void=0 */
    lim = SPF_LIMITS_DEFAULT;
    lim.void_lookups = 0;
    r = check_lim(&w, "x@v.example.com", &lim);
    assert_int_equal(r.result, ENG_PERMERROR);
    assert_string_equal(r.reason, "too many void DNS lookups (limit 0)");
    lim.void_lookups = 1;
    r = check_lim(&w, "x@v.example.com", &lim);
    assert_int_equal(r.result, ENG_PASS);
    lim.lookups = 0;
    r = check_lim(&w, "x@v.example.com", &lim);
    assert_string_equal(r.reason, "too many DNS lookups (limit 0)");
    world_close(&w);
}

/* RFC 7208 7.1: "%{d0}" is a syntax error, and the reason says macro. */
static void macro_errors_are_named(void **state)
{
    (void)state;
    spf_record_t r;
    const char *why = NULL;
    assert_int_equal(spf_record_parse(SLICE_LIT("v=spf1 exists:%{d0}.x.example -all"), &r, &why),
                     -1);
    assert_string_equal(why, "bad macro or domain-spec in mechanism");
    /* transformers are digits then "r": "ir99" is not a macro */
    assert_int_equal(spf_record_parse(SLICE_LIT("v=spf1 a:%{ir99}.x.example"), &r, &why), -1);
    assert_string_equal(why, "bad macro or domain-spec in mechanism");
    assert_int_equal(spf_record_parse(SLICE_LIT("v=spf1 a/33"), &r, &why), -1);
    assert_string_equal(why, "bad mechanism syntax");
    /* 11 digits: overflow-checked, keeps every label */
    assert_int_equal(spf_record_parse(SLICE_LIT("v=spf1 a:%{i99999999999r}.x.example"), &r,
                                      &why), 0);
}

static void pending_lookup_stops_and_restarts(void **state)
{
    (void)state;
    world_t w;
    world_open(&w, zone_basic);
    spf_input_t in = { .af = AF_INET, .mailfrom = SLICE_LIT("alice@example.com"),
                       .helo = SLICE_LIT("mx.example.org") };
    inet_pton(AF_INET, "203.0.113.5", in.ip);
    spf_result_t r;
    /* every lookup position can be the one in flight */
    for (unsigned k = 1; k <= 3; k++) {
        w.calls = 0;
        w.pending_after = k;
        assert_int_equal(spf_check(&in, NULL, lookup, &w, &r), SPF_PENDING);
        assert_int_equal(w.calls, k); /* stopped at once */
    }
    w.calls = 0;
    w.pending_after = 0;
    assert_int_equal(spf_check(&in, NULL, lookup, &w, &r), SPF_DONE);
    assert_int_equal(r.result, ENG_PASS);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v1_records_are_recognised),
        cmocka_unit_test(terms_parse_with_qualifiers_and_cidrs),
        cmocka_unit_test(bad_terms_are_syntax_errors),
        cmocka_unit_test(records_reject_repeated_redirect_and_exp),
        cmocka_unit_test(verdicts_over_a_zone),
        cmocka_unit_test(null_sender_checks_helo_and_mapped_ipv4_is_ipv4),
        cmocka_unit_test(cidr_prefixes_match_bit_by_bit),
        cmocka_unit_test(lookup_limits),
        cmocka_unit_test(caller_limits_are_enforced_and_named),
        cmocka_unit_test(macro_errors_are_named),
        cmocka_unit_test(pending_lookup_stops_and_restarts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
