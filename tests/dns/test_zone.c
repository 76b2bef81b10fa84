/*
 * test_zone.c - the zone-file backend: master-file syntax (RFC 1035 5) and
 * the answers it gives (NXDOMAIN vs NODATA, CNAME chains, failure
 * injection), through dns_zone_parse_mem and through dns_open("zone:FILE").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns.h"
#include "dns_internal.h"

static dns_zone_t *parse(const char *text)
{
    char err[256];
    dns_zone_t *z = dns_zone_parse_mem(slice_cstr(text), "t.zone", err, sizeof err);
    if (!z)
        fail_msg("parse failed: %s", err);
    return z;
}

static void assert_parse_error(const char *text, const char *want)
{
    char err[256];
    dns_zone_t *z = dns_zone_parse_mem(slice_cstr(text), "t.zone", err, sizeof err);
    assert_null(z);
    assert_string_equal(err, want);
}

static dns_answer_t *ask(const dns_zone_t *z, const char *name, uint16_t type)
{
    dns_answer_t *a = dns_zone_answer(z, slice_cstr(name), type);
    assert_non_null(a);
    return a;
}

/* One answer with exactly the given records' data, in order. */
static void assert_answer(const dns_zone_t *z, const char *name, uint16_t type,
                          size_t nrr, ...)
{
    dns_answer_t *a = ask(z, name, type);
    va_list ap;
    assert_int_equal(a->status, DNS_OK);
    assert_int_equal(a->type, type);
    assert_int_equal(a->nrr, nrr);
    va_start(ap, nrr);
    for (size_t i = 0; i < nrr; i++) {
        const char *want = va_arg(ap, const char *);
        assert_int_equal(a->rr[i].type, type);
        assert_int_equal(a->rr[i].data.n, strlen(want));
        assert_memory_equal(a->rr[i].data.p, want, strlen(want));
    }
    va_end(ap);
    dns_answer_release(a);
}

/* One record of binary data (A, AAAA). */
static void assert_bytes(const dns_zone_t *z, const char *name, uint16_t type,
                         const char *want, size_t len)
{
    dns_answer_t *a = ask(z, name, type);
    assert_int_equal(a->status, DNS_OK);
    assert_int_equal(a->nrr, 1);
    assert_int_equal(a->rr[0].data.n, len);
    assert_memory_equal(a->rr[0].data.p, want, len);
    dns_answer_release(a);
}

static void assert_status(const dns_zone_t *z, const char *name, uint16_t type,
                          dns_status_t want)
{
    dns_answer_t *a = ask(z, name, type);
    assert_int_equal(a->status, want);
    assert_int_equal(a->nrr, 0);
    assert_null(a->rr);
    dns_answer_release(a);
}

static void txt_strings_concatenate_without_separator(void **state)
{
    dns_zone_t *z = parse("a.example. 300 IN TXT \"v=DKIM1; \" \"p=abc\" def\n");
    assert_answer(z, "a.example", DNS_T_TXT, 1, "v=DKIM1; p=abcdef");
    dns_answer_t *a = ask(z, "a.example", DNS_T_TXT);
    assert_int_equal(a->ttl, 300);
    assert_int_equal(a->rr[0].ttl, 300);
    dns_answer_release(a);
    dns_zone_free(z);
}

static void several_txt_records_at_one_name_stay_apart_in_file_order(void **state)
{
    dns_zone_t *z = parse("m.example. TXT \"second\"\n"
                          "m.example. TXT \"first\" \"-joined\"\n");
    assert_answer(z, "m.example", DNS_T_TXT, 2, "second", "first-joined");
    dns_zone_free(z);
}

static void txt_escapes_decode(void **state)
{
    dns_zone_t *z = parse("e.example. TXT \"q\\\"b\\\\s\\059\\032e\" un\\;q\n"
                          "n.example. TXT \"a\\000b\\255\"\n");
    assert_answer(z, "e.example", DNS_T_TXT, 1, "q\"b\\s; eun;q");
    dns_answer_t *a = ask(z, "n.example", DNS_T_TXT);
    assert_int_equal(a->nrr, 1);
    assert_int_equal(a->rr[0].data.n, 4);
    assert_memory_equal(a->rr[0].data.p, "a\0b\xff", 4);
    dns_answer_release(a);
    dns_zone_free(z);
}

static void semicolon_inside_quotes_is_data_not_comment(void **state)
{
    dns_zone_t *z = parse("c.example. TXT \"v=spf1; a\" ; \"comment\" here\n"
                          "d.example. TXT \"x\";adjacent comment\n");
    assert_answer(z, "c.example", DNS_T_TXT, 1, "v=spf1; a");
    assert_answer(z, "d.example", DNS_T_TXT, 1, "x");
    dns_zone_free(z);
}

static void origin_relative_names_and_at(void **state)
{
    dns_zone_t *z = parse("$ORIGIN Example.COM.\n"
                          "@ TXT \"apex\"\n"
                          "sel._domainkey TXT \"key\"\n"
                          "abs.other. TXT \"abs\"\n"
                          "$ORIGIN sub\n"
                          "r CNAME t\n"
                          "t TXT \"target\"\n");
    assert_answer(z, "example.com", DNS_T_TXT, 1, "apex");
    assert_answer(z, "sel._domainkey.example.com", DNS_T_TXT, 1, "key");
    assert_answer(z, "abs.other", DNS_T_TXT, 1, "abs");
    assert_answer(z, "r.sub.example.com", DNS_T_CNAME, 1, "t.sub.example.com");
    assert_answer(z, "r.sub.example.com", DNS_T_TXT, 1, "target");
    assert_status(z, "sel._domainkey", DNS_T_TXT, DNS_NXDOMAIN);
    dns_zone_free(z);
}

static void relative_name_without_origin_is_taken_as_is(void **state)
{
    dns_zone_t *z = parse("cnamea.example.com 300 IN A 74.125.82.172\n");
    dns_answer_t *a = ask(z, "cnamea.example.com", DNS_T_A);
    assert_int_equal(a->status, DNS_OK);
    assert_int_equal(a->nrr, 1);
    assert_memory_equal(a->rr[0].data.p, "\x4a\x7d\x52\xac", 4);
    dns_answer_release(a);
    dns_zone_free(z);
}

static void omitted_owner_reuses_previous_owner(void **state)
{
    dns_zone_t *z = parse("a.example. TXT \"1\"\n"
                          "  TXT \"2\"\n"
                          "\tA 192.0.2.1\n"
                          "\n"
                          "; a comment line does not reset the owner\n"
                          " TXT \"3\"\n");
    assert_answer(z, "a.example", DNS_T_TXT, 3, "1", "2", "3");
    assert_bytes(z, "a.example", DNS_T_A, "\xc0\x00\x02\x01", 4);
    dns_zone_free(z);
}

static void parentheses_span_lines_and_keep_line_numbers(void **state)
{
    dns_zone_t *z = parse("a. 60 IN TXT ( \"one\"\n"
                          "   ; a comment in the middle\n"
                          "   \"two\" )\n"
                          "b. TXT ( \"x\" ) ; after\n"
                          "c. 60 IN SOA ns. host. (\n 1 ; serial\n 2 3 4 5 )\n");
    assert_answer(z, "a", DNS_T_TXT, 1, "onetwo");
    assert_answer(z, "b", DNS_T_TXT, 1, "x");
    dns_zone_free(z);
    assert_parse_error("a. TXT ( \"one\"\n \"two\" )\nb. BOGUS x\n",
                       "t.zone:3: unknown record type 'BOGUS'");
}

static void ttl_and_class_are_optional_in_either_order(void **state)
{
    dns_zone_t *z = parse("a. IN 60 TXT \"a\"\n"
                          "b. 70 IN TXT \"b\"\n"
                          "c. TXT \"c\"\n" /* no $TTL: the last TTL, RFC 1035 5.1 */
                          "$TTL 1h\n"
                          "d. in txt \"d\"\n"
                          "e. 1w2d TXT \"e\"\n"
                          "f. CH TXT \"chaos class: ignored\"\n");
    static const struct {
        const char *name;
        uint32_t ttl;
    } want[] = { { "a", 60 }, { "b", 70 }, { "c", 70 }, { "d", 3600 }, { "e", 777600 } };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        dns_answer_t *a = ask(z, want[i].name, DNS_T_TXT);
        assert_int_equal(a->status, DNS_OK);
        assert_int_equal(a->ttl, want[i].ttl);
        dns_answer_release(a);
    }
    assert_status(z, "f", DNS_T_TXT, DNS_NXDOMAIN);
    dns_zone_free(z);
}

static void absent_name_is_nxdomain_and_missing_type_is_nodata(void **state)
{
    dns_zone_t *z = parse("$TTL 900\n"
                          "host.example. A 192.0.2.7\n"
                          "spf.example. SPF \"v=spf1 -all\"\n"
                          "ns.example. NS ns1.example.\n");
    dns_answer_t *a = ask(z, "host.example", DNS_T_TXT);
    assert_int_equal(a->status, DNS_NODATA);
    assert_int_equal(a->ttl, 900);
    assert_string_equal(dns_status_str(a->status), "NODATA");
    dns_answer_release(a);
    a = ask(z, "nothere.example", DNS_T_TXT);
    assert_int_equal(a->status, DNS_NXDOMAIN);
    assert_memory_equal(a->name.p, "nothere.example", a->name.n);
    assert_string_equal(dns_status_str(a->status), "NXDOMAIN");
    dns_answer_release(a);
    /* SPF (type 99) is its own type: it does not answer TXT queries. */
    assert_status(z, "spf.example", DNS_T_TXT, DNS_NODATA);
    assert_answer(z, "spf.example", DNS_T_SPF, 1, "v=spf1 -all");
    /* A name owning only ignored types (NS) still exists. */
    assert_status(z, "ns.example", DNS_T_A, DNS_NODATA);
    /* A parent of an owner is not an owner (no empty non-terminals). */
    assert_status(z, "example", DNS_T_TXT, DNS_NXDOMAIN);
    dns_zone_free(z);
}

static void cname_chain_is_followed_within_the_zone(void **state)
{
    dns_zone_t *z = parse("a. 500 CNAME b.\n"
                          "b. 200 CNAME c.\n"
                          "c. 300 TXT \"at c\"\n"
                          "c. 300 A 192.0.2.3\n"
                          "dangling. CNAME gone.\n");
    dns_answer_t *a = ask(z, "a", DNS_T_TXT);
    assert_int_equal(a->status, DNS_OK);
    assert_int_equal(a->nrr, 1);
    assert_memory_equal(a->rr[0].data.p, "at c", 4);
    assert_int_equal(a->name.n, 1);
    assert_memory_equal(a->name.p, "a", 1); /* the name asked for */
    assert_int_equal(a->ttl, 200);          /* smallest on the way */
    dns_answer_release(a);
    assert_answer(z, "a", DNS_T_CNAME, 1, "b");
    assert_status(z, "a", DNS_T_MX, DNS_NODATA);
    assert_status(z, "dangling", DNS_T_TXT, DNS_NXDOMAIN);
    dns_zone_free(z);
}

/* G6: the zone reports the chain's length; the cache holds it to the limit
 * (see the dns_open cases below).  A loop stops one past the hard cap. */
static void cname_chain_length_is_counted_and_a_loop_is_broken(void **state)
{
    dns_zone_t *z = parse("a. CNAME b.\nb. CNAME a.\n"
                          "h0. CNAME h1.\nh1. CNAME h2.\nh2. CNAME h3.\n"
                          "h3. CNAME h4.\nh4. CNAME h5.\nh5. CNAME h6.\n"
                          "h6. CNAME h7.\nh7. CNAME h8.\nh8. CNAME h9.\n"
                          "h9. TXT \"end\"\n");
    dns_answer_t *a = ask(z, "a", DNS_T_TXT);
    assert_int_equal(a->status, DNS_BROKEN);
    assert_int_equal(a->cnames, DNS_HARD_MAX_CNAMES + 1);
    dns_answer_release(a);
    assert_true(dns_status_is_temp(DNS_BROKEN));
    a = ask(z, "h1", DNS_T_TXT);
    assert_int_equal(a->status, DNS_OK);
    assert_int_equal(a->cnames, 8);
    dns_answer_release(a);
    a = ask(z, "h0", DNS_T_TXT);
    assert_int_equal(a->status, DNS_OK);
    assert_int_equal(a->cnames, 9);
    dns_answer_release(a);
    a = ask(z, "h9", DNS_T_TXT);
    assert_int_equal(a->cnames, 0);
    dns_answer_release(a);
    dns_zone_free(z);
}

static void names_match_case_insensitively_with_optional_trailing_dot(void **state)
{
    dns_zone_t *z = parse("MiXeD.Example. TXT \"m\"\n");
    assert_answer(z, "mixed.example", DNS_T_TXT, 1, "m");
    assert_answer(z, "MIXED.EXAMPLE.", DNS_T_TXT, 1, "m");
    dns_answer_t *a = ask(z, "MiXed.EXAMPLE.", DNS_T_TXT);
    assert_int_equal(a->name.n, strlen("mixed.example"));
    assert_memory_equal(a->name.p, "mixed.example", a->name.n);
    dns_answer_release(a);
    assert_status(z, "mixed.example..", DNS_T_TXT, DNS_NXDOMAIN);
    dns_zone_free(z);
}

static void timeout_and_servfail_pseudo_records_fail_every_query(void **state)
{
    dns_zone_t *z = parse("t.example. TIMEOUT\n"
                          "t.example. TXT \"shadowed\"\n"
                          "s.example. 300 IN SERVFAIL\n"
                          "via.example. CNAME t.example.\n");
    assert_status(z, "t.example", DNS_T_TXT, DNS_TIMEOUT);
    assert_status(z, "T.example", DNS_T_A, DNS_TIMEOUT);
    assert_status(z, "s.example", DNS_T_MX, DNS_SERVFAIL);
    assert_status(z, "via.example", DNS_T_TXT, DNS_TIMEOUT);
    assert_true(dns_status_is_temp(DNS_TIMEOUT));
    assert_true(dns_status_is_temp(DNS_SERVFAIL));
    assert_false(dns_status_is_temp(DNS_NXDOMAIN));
    assert_false(dns_status_is_temp(DNS_NODATA));
    assert_string_equal(dns_status_str(DNS_TIMEOUT), "timeout");
    dns_zone_free(z);
}

static void escaped_owner_names_are_decoded(void **state)
{
    dns_zone_t *z = parse("test._domainkey.legitimate.com\\(.attacker.com. TXT \"p\"\n"
                          "sp\\032ace.example. TXT \"s\"\n"
                          "a\\.b.example. TXT \"dot\"\n"
                          "UP\\065.example. TXT \"upper\"\n");
    assert_answer(z, "test._domainkey.legitimate.com(.attacker.com", DNS_T_TXT, 1, "p");
    assert_answer(z, "sp ace.example", DNS_T_TXT, 1, "s");
    assert_answer(z, "a.b.example", DNS_T_TXT, 1, "dot");
    assert_answer(z, "upa.example", DNS_T_TXT, 1, "upper");
    dns_zone_free(z);
}

static void address_mx_and_ptr_records_hold_their_values(void **state)
{
    dns_zone_t *z = parse("$ORIGIN example.com.\n"
                          "@ MX 10 mx\n"
                          "@ MX 20 MX2.Other.\n"
                          "@ AAAA 2001:db8::1\n"
                          "1.2.0.192.in-addr.arpa. PTR host\n");
    dns_answer_t *a = ask(z, "example.com", DNS_T_MX);
    assert_int_equal(a->nrr, 2);
    assert_int_equal(a->rr[0].pref, 10);
    assert_int_equal(a->rr[0].data.n, strlen("mx.example.com"));
    assert_memory_equal(a->rr[0].data.p, "mx.example.com", a->rr[0].data.n);
    assert_int_equal(a->rr[1].pref, 20);
    assert_memory_equal(a->rr[1].data.p, "mx2.other", a->rr[1].data.n);
    dns_answer_release(a);
    assert_bytes(z, "example.com", DNS_T_AAAA,
                 "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    assert_answer(z, "1.2.0.192.in-addr.arpa", DNS_T_PTR, 1, "host.example.com");
    dns_zone_free(z);
}

static void duplicate_records_are_kept_once(void **state)
{
    dns_zone_t *z = parse("d. TXT \"same\"\nd. 60 TXT \"same\"\nd. TXT \"other\"\n"
                          "c. CNAME d.\nc. CNAME d.\n");
    assert_answer(z, "d", DNS_T_TXT, 2, "same", "other");
    assert_answer(z, "c", DNS_T_CNAME, 1, "d");
    dns_zone_free(z);
}

static void empty_txt_record_exists_with_no_bytes(void **state)
{
    dns_zone_t *z = parse("_domainkey.example.com TXT\n");
    dns_answer_t *a = ask(z, "_domainkey.example.com", DNS_T_TXT);
    assert_int_equal(a->status, DNS_OK);
    assert_int_equal(a->nrr, 1);
    assert_int_equal(a->rr[0].data.n, 0);
    dns_answer_release(a);
    dns_zone_free(z);
}

static void crlf_line_ends_and_empty_input_parse(void **state)
{
    dns_zone_t *z = parse("a. TXT \"x\"\r\n\r\nb. A 192.0.2.9\r\n");
    assert_answer(z, "a", DNS_T_TXT, 1, "x");
    assert_bytes(z, "b", DNS_T_A, "\xc0\x00\x02\x09", 4);
    dns_zone_free(z);
    z = parse("");
    assert_status(z, "a", DNS_T_TXT, DNS_NXDOMAIN);
    dns_zone_free(z);
}

static void syntax_errors_name_file_and_line(void **state)
{
    assert_parse_error("a. TXT \"x\"\nb. TXT \"unterminated\nc. TXT \"y\"\n",
                       "t.zone:2: unterminated quoted string");
    assert_parse_error("a. A 300.1.1.1\n", "t.zone:1: bad IPv4 address '300.1.1.1'");
    assert_parse_error("a. AAAA 192.0.2.1\n", "t.zone:1: bad IPv6 address '192.0.2.1'");
    assert_parse_error("a. A\n", "t.zone:1: A needs one address");
    assert_parse_error("\n\na. TXT ( \"x\"\n", "t.zone:4: '(' not closed at end of file");
    assert_parse_error("a. TXT \"x\" )\n", "t.zone:1: ')' without '('");
    assert_parse_error("$INCLUDE other.zone\n", "t.zone:1: $INCLUDE is not supported");
    assert_parse_error("$GENERATE 1-2 a$ A 1.2.3.4\n",
                       "t.zone:1: unknown directive '$GENERATE'");
    assert_parse_error("$ORIGIN\n", "t.zone:1: $ORIGIN needs one domain name");
    assert_parse_error("$TTL forever\n", "t.zone:1: $TTL needs one TTL (0-2147483647)");
    assert_parse_error(" TXT \"x\"\n", "t.zone:1: no owner name (and none before it)");
    assert_parse_error("a. TXT \"\\256\"\n", "t.zone:1: \\DDD escape above 255");
    assert_parse_error("a. TXT \"\\25\"\n", "t.zone:1: \\DDD escape needs three digits");
    assert_parse_error("a..b. TXT x\n", "t.zone:1: empty label in name 'a..b.'");
    assert_parse_error("a. 60\n", "t.zone:1: record type missing");
    assert_parse_error("a. 99999999999 TXT x\n", "t.zone:1: bad TTL '99999999999'");
    assert_parse_error("a. MX mx.example.\n",
                       "t.zone:1: MX needs a preference (0-65535) and a name");
    assert_parse_error("a. CNAME b.\na. CNAME c.\n",
                       "t.zone:2: a second, different CNAME at this name");
    assert_parse_error("a. TIMEOUT now\n", "t.zone:1: TIMEOUT takes no data or one record type");
    assert_parse_error("a. TYPE16 \\# 2 0161\n", "t.zone:1: write TXT, not TYPE16");
    assert_parse_error("a. PTR \"quoted.\"\n", "t.zone:1: a domain name cannot be quoted");
    assert_parse_error("a. TXT x\\", "t.zone:1: '\\' at end of file");
}

static void txt_limits_are_enforced(void **state)
{
    char big[600];
    /* 255 bytes in one string is the most RFC 1035 3.3 allows. */
    int n = snprintf(big, sizeof big, "a. TXT \"%0255d\"\n", 0);
    assert_true(n > 0);
    dns_zone_t *z = parse(big);
    dns_answer_t *a = ask(z, "a", DNS_T_TXT);
    assert_int_equal(a->rr[0].data.n, 255);
    dns_answer_release(a);
    dns_zone_free(z);
    snprintf(big, sizeof big, "a. TXT \"%0256d\"\n", 0);
    assert_parse_error(big, "t.zone:1: TXT string longer than 255 bytes");

    /* 257 strings of 255 bytes are 65535 bytes, the most RDLENGTH allows;
     * the 258th passes it. */
    size_t cap = 300 * 260;
    char *huge = malloc(cap);
    size_t len = (size_t)snprintf(huge, cap, "b. TXT (\n");
    for (int i = 0; i < 258; i++)
        len += (size_t)snprintf(huge + len, cap - len, "\"%0255d\"\n", i);
    snprintf(huge + len, cap - len, ")\n");
    assert_parse_error(huge, "t.zone:259: TXT data longer than 65535 bytes");
    free(huge);
}

static void other_standard_types_are_accepted_and_ignored(void **state)
{
    dns_zone_t *z = parse("$ORIGIN example.org.\n"
                          "@ 3600 IN SOA ns1 hostmaster ( 2024010101 7200 3600\n"
                          "      1209600 300 )\n"
                          "@ NS ns1\n"
                          "_sip._tcp SRV 10 60 5060 sip\n"
                          "@ CAA 0 issue \"ca.example\"\n"
                          "@ TYPE65000 \\# 2 abcd\n"
                          "@ TXT \"kept\"\n");
    assert_answer(z, "example.org", DNS_T_TXT, 1, "kept");
    assert_status(z, "_sip._tcp.example.org", DNS_T_TXT, DNS_NODATA);
    dns_zone_free(z);
}

static char *data_path(const char *file)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", DNS_TEST_DATA, file);
    return path;
}

static void authentication_milter_zone_parses_and_answers(void **state)
{
    char err[256];
    dns_zone_t *z = dns_zone_load(data_path("authentication_milter.zone"), err, sizeof err);
    if (!z)
        fail_msg("%s", err);
    assert_answer(z, "_dmarc.goestheweasel.com", DNS_T_TXT, 1,
                  "v=DMARC1; p=reject; rua=mailto:dmarc.reports@ops.twofiftyeight.ltd.uk; "
                  "rf=afrf; pct=100;");
    assert_answer(z, "_adsp._domainkey.goestheweasel.com", DNS_T_TXT, 1, "dkim=all");
    /* Through a CNAME to an owner written without its trailing dot. */
    assert_bytes(z, "mail-we0-f172.google.com", DNS_T_A, "\x4a\x7d\x52\xac", 4);
    assert_answer(z, "172.82.125.74.in-addr.arpa", DNS_T_PTR, 1,
                  "mail-we0-f172.google.com");
    dns_answer_t *a = ask(z, "marcbradshaw.net", DNS_T_MX);
    assert_int_equal(a->nrr, 7);
    assert_int_equal(a->rr[0].pref, 10);
    assert_memory_equal(a->rr[0].data.p, "aspmx.l.google.com", a->rr[0].data.n);
    dns_answer_release(a);
    /* Unquoted words in parentheses join the quoted string before them. */
    a = ask(z, "tfe2._domainkey.marcbradshaw.net", DNS_T_TXT);
    assert_int_equal(a->nrr, 1);
    assert_memory_equal(a->rr[0].data.p, "v=DKIM1; k=rsa; p=MIIBIjAN", 25);
    assert_memory_equal(a->rr[0].data.p + a->rr[0].data.n - 8, "1wIDAQAB", 8);
    dns_answer_release(a);
    assert_status(z, "_dmarc.example.com", DNS_T_TXT, DNS_NXDOMAIN);
    dns_zone_free(z);
}

static void baddomain_zone_owner_with_escaped_paren_parses(void **state)
{
    char err[256];
    dns_zone_t *z = dns_zone_load(data_path("baddomain.zone"), err, sizeof err);
    if (!z)
        fail_msg("%s", err);
    dns_answer_t *a = ask(z, "test._domainkey.legitimate.com(.attacker.com", DNS_T_TXT);
    assert_int_equal(a->status, DNS_OK);
    assert_memory_equal(a->rr[0].data.p, "v=DKIM1; g=*; k=rsa; p=MIGf", 27);
    dns_answer_release(a);
    dns_zone_free(z);
}

/* ---- through dns_open ---- */

static int woken;
static void count_wake(void *arg)
{
    (void)arg;
    woken++;
}

static char *write_temp_zone(const char *text)
{
    static char path[] = "/tmp/test_dns_zone_XXXXXX";
    strcpy(path, "/tmp/test_dns_zone_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void zone_backend_answers_synchronously_without_waking(void **state)
{
    char spec[128], err[256];
    char *path = write_temp_zone("k._domainkey.example. TXT \"v=DKIM1; p=\"\n");
    snprintf(spec, sizeof spec, "zone:%s", path);
    dns_t *d = dns_open(spec, NULL, err, sizeof err);
    unlink(path);
    assert_non_null(d);
    woken = 0;
    dns_answer_t *a = dns_get(d, SLICE_LIT("K._domainkey.example."), DNS_T_TXT,
                              count_wake, NULL);
    assert_non_null(a);
    assert_int_equal(a->status, DNS_OK);
    assert_memory_equal(a->rr[0].data.p, "v=DKIM1; p=", 11);
    dns_answer_t *b = dns_get(d, SLICE_LIT("k._domainkey.example"), DNS_T_TXT,
                              count_wake, NULL);
    assert_ptr_equal(a, b); /* the cached answer */
    dns_answer_t *c = dns_get(d, SLICE_LIT("nx.example"), DNS_T_TXT, count_wake, NULL);
    assert_int_equal(c->status, DNS_NXDOMAIN);
    assert_int_equal(woken, 0);
    dns_stats_t st;
    dns_get_stats(d, &st);
    assert_int_equal(st.queries, 2);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.coalesced, 0);
    assert_int_equal(st.nxdomain, 1);
    dns_answer_release(a);
    dns_answer_release(b);
    dns_answer_release(c);
    dns_close(d);
}

static dns_t *open_zone_text(const char *text, const dns_opts_t *o)
{
    char spec[128], err[256];
    char *path = write_temp_zone(text);
    snprintf(spec, sizeof spec, "zone:%s", path);
    dns_t *d = dns_open(spec, o, err, sizeof err);
    unlink(path);
    assert_non_null(d);
    return d;
}

static void assert_limited(dns_t *d, const char *name, dns_limit_t lim, size_t seen,
                           size_t max, const char *why)
{
    char buf[96];
    dns_answer_t *a = dns_get(d, slice_cstr(name), DNS_T_TXT, NULL, NULL);
    assert_non_null(a);
    assert_int_equal(a->status, DNS_BROKEN);
    assert_int_equal(a->nrr, 0);
    assert_int_equal(a->limit, lim);
    assert_int_equal(a->limit_seen, seen);
    assert_int_equal(a->limit_max, max);
    assert_string_equal(dns_answer_why(a, buf, sizeof buf), why);
    dns_answer_release(a);
}

/* G6, --dns-max-cnames: enforced as answers enter the cache. */
static void cache_holds_zone_answers_to_the_cname_limit(void **state)
{
    static const char text[] = "c0. CNAME c1.\nc1. CNAME c2.\nc2. CNAME c3.\n"
                               "c3. TXT \"end\"\nl1. CNAME l2.\nl2. CNAME l1.\n";
    dns_opts_t o = { .max_cnames = 2 };
    dns_t *d = open_zone_text(text, &o);
    assert_limited(d, "c0", DNS_LIMIT_CNAMES, 3, 2, "CNAME chain longer than the limit of 2");
    assert_limited(d, "l1", DNS_LIMIT_CNAMES, DNS_HARD_MAX_CNAMES + 1, 2,
                   "CNAME chain longer than the limit of 2");
    dns_answer_t *a = dns_get(d, SLICE_LIT("c1"), DNS_T_TXT, NULL, NULL);
    assert_int_equal(a->status, DNS_OK); /* two: allowed */
    assert_int_equal(a->limit, DNS_LIMIT_NONE);
    dns_answer_release(a);
    dns_close(d);

    d = open_zone_text(text, NULL); /* default 8 */
    a = dns_get(d, SLICE_LIT("c0"), DNS_T_TXT, NULL, NULL);
    assert_int_equal(a->status, DNS_OK);
    dns_answer_release(a);
    assert_limited(d, "l1", DNS_LIMIT_CNAMES, DNS_HARD_MAX_CNAMES + 1, 8,
                   "CNAME chain longer than the limit of 8");
    dns_close(d);
}

/* --dns-max-answer: the record bytes of one answer, TXT strings joined. */
static void cache_holds_zone_answers_to_the_size_limit(void **state)
{
    char *text = malloc(8192);
    size_t n = (size_t)sprintf(text, "big. TXT");
    for (int i = 0; i < 3; i++) { /* 3 x 200 = 600 bytes in one record */
        n += (size_t)sprintf(text + n, " \"");
        memset(text + n, 'a' + i, 200);
        n += 200;
        n += (size_t)sprintf(text + n, "\"");
    }
    /* two records of 300 bytes (two strings each) at one name */
    n += (size_t)sprintf(text + n, "\nsmall. TXT \"x\"\ntwo. TXT \"%0150d\" \"%0150d\"\n"
                                   "two. TXT \"%0150d\" \"%0150d\"\n", 1, 2, 3, 4);
    dns_opts_t o = { .max_answer = 512 };
    dns_t *d = open_zone_text(text, &o);
    assert_limited(d, "big", DNS_LIMIT_ANSWER_SIZE, 600, 512,
                   "DNS answer of 600 bytes exceeds the limit of 512");
    assert_limited(d, "two", DNS_LIMIT_ANSWER_SIZE, 600, 512,
                   "DNS answer of 600 bytes exceeds the limit of 512");
    dns_answer_t *a = dns_get(d, SLICE_LIT("small"), DNS_T_TXT, NULL, NULL);
    assert_int_equal(a->status, DNS_OK);
    dns_answer_release(a);
    dns_close(d);
    d = open_zone_text(text, NULL); /* default 64 KiB */
    a = dns_get(d, SLICE_LIT("big"), DNS_T_TXT, NULL, NULL);
    assert_int_equal(a->status, DNS_OK);
    assert_int_equal(a->rr[0].data.n, 600);
    dns_answer_release(a);
    dns_close(d);
    free(text);
}

static void open_reports_bad_specs(void **state)
{
    char err[256];
    static const char live_usage[] =
        "expected live, live:IP, live:IP:PORT or live:[IPv6]:PORT";
    assert_null(dns_open("live:", NULL, err, sizeof err));
    assert_string_equal(err, live_usage);
    assert_null(dns_open("live:example.org", NULL, err, sizeof err));
    assert_string_equal(err, live_usage);
    assert_null(dns_open("live:192.0.2.1:0", NULL, err, sizeof err));
    assert_string_equal(err, live_usage);
    assert_null(dns_open("live:192.0.2.1:65536", NULL, err, sizeof err));
    assert_string_equal(err, live_usage);
    assert_null(dns_open("live:[::1]x", NULL, err, sizeof err));
    assert_string_equal(err, live_usage);
    assert_null(dns_open("livex", NULL, err, sizeof err));
    assert_string_equal(err, "unknown DNS backend 'livex' (expected zone:FILE or live)");
    assert_null(dns_open("bind:x", NULL, err, sizeof err));
    assert_string_equal(err, "unknown DNS backend 'bind' (expected zone:FILE or live)");
    assert_null(dns_open("zone:", NULL, err, sizeof err));
    assert_string_equal(err, "--dns=zone:FILE needs a file name");
    assert_null(dns_open("zone:/nonexistent/x.zone", NULL, err, sizeof err));
    assert_string_equal(err, "/nonexistent/x.zone: No such file or directory");

    char *path = write_temp_zone("a. TXT \"x\"\nb. NOPE\n");
    char spec[128], want[256];
    snprintf(spec, sizeof spec, "zone:%s", path);
    assert_null(dns_open(spec, NULL, err, sizeof err));
    snprintf(want, sizeof want, "%s:2: unknown record type 'NOPE'", path);
    assert_string_equal(err, want);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(txt_strings_concatenate_without_separator),
        cmocka_unit_test(several_txt_records_at_one_name_stay_apart_in_file_order),
        cmocka_unit_test(txt_escapes_decode),
        cmocka_unit_test(semicolon_inside_quotes_is_data_not_comment),
        cmocka_unit_test(origin_relative_names_and_at),
        cmocka_unit_test(relative_name_without_origin_is_taken_as_is),
        cmocka_unit_test(omitted_owner_reuses_previous_owner),
        cmocka_unit_test(parentheses_span_lines_and_keep_line_numbers),
        cmocka_unit_test(ttl_and_class_are_optional_in_either_order),
        cmocka_unit_test(absent_name_is_nxdomain_and_missing_type_is_nodata),
        cmocka_unit_test(cname_chain_is_followed_within_the_zone),
        cmocka_unit_test(cname_chain_length_is_counted_and_a_loop_is_broken),
        cmocka_unit_test(cache_holds_zone_answers_to_the_cname_limit),
        cmocka_unit_test(cache_holds_zone_answers_to_the_size_limit),
        cmocka_unit_test(names_match_case_insensitively_with_optional_trailing_dot),
        cmocka_unit_test(timeout_and_servfail_pseudo_records_fail_every_query),
        cmocka_unit_test(escaped_owner_names_are_decoded),
        cmocka_unit_test(address_mx_and_ptr_records_hold_their_values),
        cmocka_unit_test(duplicate_records_are_kept_once),
        cmocka_unit_test(empty_txt_record_exists_with_no_bytes),
        cmocka_unit_test(crlf_line_ends_and_empty_input_parse),
        cmocka_unit_test(syntax_errors_name_file_and_line),
        cmocka_unit_test(txt_limits_are_enforced),
        cmocka_unit_test(other_standard_types_are_accepted_and_ignored),
        cmocka_unit_test(authentication_milter_zone_parses_and_answers),
        cmocka_unit_test(baddomain_zone_owner_with_escaped_paren_parses),
        cmocka_unit_test(zone_backend_answers_synchronously_without_waking),
        cmocka_unit_test(open_reports_bad_specs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
