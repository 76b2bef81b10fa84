/*
 * test_wire.c - DNS responses turned into answers (dns/wire.c): records,
 * TXT strings, CNAME chains, RFC 2308 negative TTLs, RCODEs, and hostile
 * bytes (pointer loops, truncation at every length, bad record shapes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"
#include "dns_internal.h"

/* ---- a tiny response builder ---- */

typedef struct msg {
    uint8_t b[4096];
    size_t n;
} msg_t;

static void put(msg_t *m, const void *p, size_t n)
{
    assert_true(m->n + n <= sizeof m->b);
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

static void put16(msg_t *m, unsigned v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    put(m, b, 2);
}

static void put32(msg_t *m, uint32_t v)
{
    put16(m, v >> 16);
    put16(m, v & 0xFFFF);
}

/* "a.b" as wire labels (no compression). */
static void put_name(msg_t *m, const char *name)
{
    while (*name) {
        size_t l = strcspn(name, ".");
        uint8_t len = (uint8_t)l;
        put(m, &len, 1);
        put(m, name, l);
        name += l + (name[l] == '.');
    }
    put(m, "", 1);
}

static void header(msg_t *m, unsigned rcode, unsigned an, unsigned ns)
{
    m->n = 0;
    put16(m, 0x4242);
    put16(m, 0x8400 | rcode); /* QR, AA */
    put16(m, 1);
    put16(m, an);
    put16(m, ns);
    put16(m, 0);
}

static void question(msg_t *m, const char *name, unsigned type)
{
    put_name(m, name);
    put16(m, type);
    put16(m, 1);
}

/* A record's fixed part; the caller writes rdlen bytes of data. */
static void rr(msg_t *m, const char *owner, unsigned type, uint32_t ttl, unsigned rdlen)
{
    put_name(m, owner);
    put16(m, type);
    put16(m, 1);
    put32(m, ttl);
    put16(m, rdlen);
}

static void txt_rr(msg_t *m, const char *owner, uint32_t ttl, int nstr, ...)
{
    va_list ap;
    size_t len = 0;
    va_start(ap, nstr);
    for (int i = 0; i < nstr; i++)
        len += 1 + strlen(va_arg(ap, const char *));
    va_end(ap);
    rr(m, owner, DNS_T_TXT, ttl, (unsigned)len);
    va_start(ap, nstr);
    for (int i = 0; i < nstr; i++) {
        const char *s = va_arg(ap, const char *);
        uint8_t l = (uint8_t)strlen(s);
        put(m, &l, 1);
        put(m, s, l);
    }
    va_end(ap);
}

static void cname_rr(msg_t *m, const char *owner, uint32_t ttl, const char *target)
{
    rr(m, owner, DNS_T_CNAME, ttl, (unsigned)strlen(target) + 2);
    put_name(m, target);
}

static void soa_rr(msg_t *m, const char *owner, uint32_t ttl, uint32_t minimum)
{
    rr(m, owner, 6, ttl, (unsigned)(strlen(owner) + 2) * 2 + 20);
    put_name(m, owner);
    put_name(m, owner);
    put32(m, 1);
    put32(m, 3600);
    put32(m, 600);
    put32(m, 86400);
    put32(m, minimum);
}

typedef struct result {
    dns_answer_t *a;
    uint8_t follow[DNS_FLAT_MAX + 1];
    size_t flen;
    uint32_t cap;
    unsigned cnames; /* aliases met, when following */
} result_t;

static result_t parse(const msg_t *m, const char *asked, unsigned type)
{
    result_t r;
    dns_wire_follow_t f;
    dns_wire_q_t q = { slice_cstr(asked), slice_cstr(asked), (uint16_t)type, UINT32_MAX,
                       300, 0 };
    r.a = dns_wire_answer(&q, slice_make(m->b, m->n), &f);
    memcpy(r.follow, f.name, f.len);
    r.flen = f.len;
    r.cap = f.ttl_cap;
    r.cnames = f.cnames;
    return r;
}

static void assert_data(const dns_rr_t *r, const char *want)
{
    assert_int_equal(r->data.n, strlen(want));
    assert_memory_equal(r->data.p, want, strlen(want));
}

/* ---- cases ---- */

static void txt_strings_join_within_a_record_and_records_stay_apart(void **state)
{
    msg_t m;
    header(&m, 0, 2, 0);
    question(&m, "s._domainkey.ex.org", DNS_T_TXT);
    txt_rr(&m, "s._domainkey.ex.org", 600, 3, "v=DKIM1; ", "p=AB", "CD");
    txt_rr(&m, "S._DomainKey.EX.org", 120, 1, "second");
    result_t r = parse(&m, "s._domainkey.ex.org", DNS_T_TXT);
    assert_non_null(r.a);
    assert_int_equal(r.a->status, DNS_OK);
    assert_int_equal(r.a->nrr, 2);
    assert_data(&r.a->rr[0], "v=DKIM1; p=ABCD");
    assert_data(&r.a->rr[1], "second");
    assert_int_equal(r.a->rr[0].ttl, 600);
    assert_int_equal(r.a->ttl, 120); /* the smallest */
    dns_answer_release(r.a);
}

static void cname_chain_in_the_response_is_followed(void **state)
{
    msg_t m;
    header(&m, 0, 3, 0);
    question(&m, "alias.ex.org", DNS_T_TXT);
    cname_rr(&m, "alias.ex.org", 50, "mid.ex.net");
    cname_rr(&m, "mid.ex.net", 500, "key.ex.com");
    txt_rr(&m, "key.ex.com", 900, 1, "k=v");
    result_t r = parse(&m, "alias.ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_OK);
    assert_int_equal(r.a->nrr, 1);
    assert_data(&r.a->rr[0], "k=v");
    assert_int_equal(r.a->ttl, 50); /* the chain's smallest TTL */
    assert_int_equal(r.a->cnames, 2); /* for --dns-max-cnames */
    assert_memory_equal(r.a->name.p, "alias.ex.org", 12);
    dns_answer_release(r.a);
}

static void cname_to_a_name_the_response_does_not_answer_is_followed_up(void **state)
{
    msg_t m;
    header(&m, 0, 1, 0);
    question(&m, "alias.ex.org", DNS_T_TXT);
    cname_rr(&m, "alias.ex.org", 70, "Key.Other.NET");
    result_t r = parse(&m, "alias.ex.org", DNS_T_TXT);
    assert_null(r.a);
    assert_int_equal(r.flen, strlen("key.other.net"));
    assert_memory_equal(r.follow, "key.other.net", r.flen);
    assert_int_equal(r.cap, 70);
    assert_int_equal(r.cnames, 1);
}

static void cname_ending_in_nodata_with_soa_is_nodata(void **state)
{
    msg_t m;
    header(&m, 0, 1, 1);
    question(&m, "alias.ex.org", DNS_T_TXT);
    cname_rr(&m, "alias.ex.org", 70, "key.ex.org");
    soa_rr(&m, "ex.org", 3600, 60);
    result_t r = parse(&m, "alias.ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_NODATA);
    assert_int_equal(r.a->ttl, 60);
    dns_answer_release(r.a);
}

static void nxdomain_ttl_is_the_smaller_of_soa_ttl_and_minimum(void **state)
{
    msg_t m;
    header(&m, 3, 0, 1);
    question(&m, "gone.ex.org", DNS_T_TXT);
    soa_rr(&m, "ex.org", 40, 900); /* RFC 2308 5 */
    result_t r = parse(&m, "gone.ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_NXDOMAIN);
    assert_int_equal(r.a->ttl, 40);
    assert_int_equal(r.a->nrr, 0);
    dns_answer_release(r.a);

    header(&m, 3, 0, 0);
    question(&m, "gone.ex.org", DNS_T_TXT);
    r = parse(&m, "gone.ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_NXDOMAIN);
    assert_int_equal(r.a->ttl, 300); /* no SOA: the caller's default */
    dns_answer_release(r.a);
}

static void noerror_without_records_is_nodata(void **state)
{
    msg_t m;
    header(&m, 0, 1, 1);
    question(&m, "x.ex.org", DNS_T_TXT);
    rr(&m, "x.ex.org", DNS_T_A, 10, 4);
    put(&m, "\x7f\0\0\1", 4);
    soa_rr(&m, "ex.org", 3600, 120);
    result_t r = parse(&m, "x.ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_NODATA);
    assert_int_equal(r.a->ttl, 120);
    dns_answer_release(r.a);
}

static void rcodes_map_to_statuses(void **state)
{
    static const struct { unsigned rcode; dns_status_t st; } cases[] = {
        { 2, DNS_SERVFAIL }, { 5, DNS_REFUSED }, { 1, DNS_BROKEN }, { 4, DNS_BROKEN },
        { 9, DNS_BROKEN },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        msg_t m;
        header(&m, cases[i].rcode, 0, 0);
        question(&m, "x.ex.org", DNS_T_TXT);
        result_t r = parse(&m, "x.ex.org", DNS_T_TXT);
        assert_int_equal(r.a->status, cases[i].st);
        dns_answer_release(r.a);
    }
}

static void addresses_mx_and_ptr_are_decoded(void **state)
{
    msg_t m;
    result_t r;
    /* MX targets compressed (RFC 3597 4), one of them in upper case */
    header(&m, 0, 2, 0);
    question(&m, "ex.org", DNS_T_MX);
    rr(&m, "ex.org", DNS_T_MX, 300, 4);
    put16(&m, 10);
    put16(&m, 0xC000 | 12);
    rr(&m, "ex.org", DNS_T_MX, 300, 2 + 4 + 2);
    put16(&m, 20);
    put(&m, "\3MX2", 4);
    put16(&m, 0xC000 | 12);
    r = parse(&m, "ex.org", DNS_T_MX);
    assert_int_equal(r.a->status, DNS_OK);
    assert_int_equal(r.a->nrr, 2);
    assert_int_equal(r.a->rr[0].pref, 10);
    assert_data(&r.a->rr[0], "ex.org");
    assert_int_equal(r.a->rr[1].pref, 20);
    assert_data(&r.a->rr[1], "mx2.ex.org");
    dns_answer_release(r.a);

    header(&m, 0, 1, 0);
    question(&m, "ex.org", DNS_T_AAAA);
    rr(&m, "ex.org", DNS_T_AAAA, 5, 16);
    put(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 16);
    r = parse(&m, "ex.org", DNS_T_AAAA);
    assert_int_equal(r.a->status, DNS_OK);
    assert_int_equal(r.a->rr[0].data.n, 16);
    assert_memory_equal(r.a->rr[0].data.p, "\x20\x01\x0d\xb8", 4);
    dns_answer_release(r.a);
}

static void bad_record_shapes_are_broken(void **state)
{
    msg_t m;
    header(&m, 0, 1, 0);
    question(&m, "ex.org", DNS_T_A);
    rr(&m, "ex.org", DNS_T_A, 5, 3);
    put(&m, "\1\2\3", 3);
    result_t r = parse(&m, "ex.org", DNS_T_A);
    assert_int_equal(r.a->status, DNS_BROKEN);
    dns_answer_release(r.a);

    /* a TXT string running past its rdata */
    header(&m, 0, 1, 0);
    question(&m, "ex.org", DNS_T_TXT);
    rr(&m, "ex.org", DNS_T_TXT, 5, 3);
    put(&m, "\5ab", 3);
    r = parse(&m, "ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_BROKEN);
    dns_answer_release(r.a);

    /* not a response (QR clear) */
    header(&m, 0, 0, 0);
    m.b[2] = 0;
    r = parse(&m, "ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_BROKEN);
    dns_answer_release(r.a);
}

static void compression_loops_and_cname_loops_are_broken(void **state)
{
    msg_t m;
    header(&m, 0, 1, 0);
    question(&m, "ex.org", DNS_T_TXT);
    size_t at = m.n;
    put16(&m, 0xC000 | (unsigned)at); /* the owner points at itself */
    put16(&m, DNS_T_TXT);
    put16(&m, 1);
    put32(&m, 1);
    put16(&m, 0);
    result_t r = parse(&m, "ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_BROKEN);
    dns_answer_release(r.a);

    header(&m, 0, 2, 0);
    question(&m, "a.ex.org", DNS_T_TXT);
    cname_rr(&m, "a.ex.org", 5, "b.ex.org");
    cname_rr(&m, "b.ex.org", 5, "a.ex.org");
    r = parse(&m, "a.ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_BROKEN);
    assert_int_equal(r.a->cnames, DNS_HARD_MAX_CNAMES + 1); /* G6: over any limit */
    dns_answer_release(r.a);
}

static void ttl_with_the_top_bit_set_is_zero(void **state)
{
    msg_t m;
    header(&m, 0, 1, 0);
    question(&m, "ex.org", DNS_T_TXT);
    txt_rr(&m, "ex.org", 0x80000001u, 1, "x"); /* RFC 2181 8 */
    result_t r = parse(&m, "ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_OK);
    assert_int_equal(r.a->ttl, 0);
    dns_answer_release(r.a);
}

static void every_truncation_and_every_flipped_byte_gives_an_answer(void **state)
{
    msg_t m;
    header(&m, 0, 3, 1);
    question(&m, "alias.ex.org", DNS_T_TXT);
    cname_rr(&m, "alias.ex.org", 50, "key.ex.org");
    txt_rr(&m, "key.ex.org", 60, 2, "v=DKIM1; p=", "QUJD");
    txt_rr(&m, "key.ex.org", 60, 0);
    soa_rr(&m, "ex.org", 40, 900);
    msg_t t;
    for (size_t n = 0; n <= m.n; n++) {
        memcpy(t.b, m.b, n);
        t.n = n;
        result_t r = parse(&t, "alias.ex.org", DNS_T_TXT);
        assert_true(r.a != NULL || r.flen > 0);
        if (n < 12 && r.a)
            assert_int_equal(r.a->status, DNS_BROKEN); /* not even a header */
        dns_answer_release(r.a);
    }
    for (size_t i = 0; i < m.n; i++)
        for (unsigned v = 0; v < 256; v += 51) {
            t = m;
            t.b[i] = (uint8_t)v;
            result_t r = parse(&t, "alias.ex.org", DNS_T_TXT);
            assert_true(r.a != NULL || r.flen > 0);
            dns_answer_release(r.a);
        }
    result_t r = parse(&m, "alias.ex.org", DNS_T_TXT);
    assert_int_equal(r.a->status, DNS_OK);
    assert_int_equal(r.a->nrr, 2);
    assert_data(&r.a->rr[0], "v=DKIM1; p=QUJD");
    assert_int_equal(r.a->rr[1].data.n, 0); /* a TXT record of no strings */
    dns_answer_release(r.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(txt_strings_join_within_a_record_and_records_stay_apart),
        cmocka_unit_test(cname_chain_in_the_response_is_followed),
        cmocka_unit_test(cname_to_a_name_the_response_does_not_answer_is_followed_up),
        cmocka_unit_test(cname_ending_in_nodata_with_soa_is_nodata),
        cmocka_unit_test(nxdomain_ttl_is_the_smaller_of_soa_ttl_and_minimum),
        cmocka_unit_test(noerror_without_records_is_nodata),
        cmocka_unit_test(rcodes_map_to_statuses),
        cmocka_unit_test(addresses_mx_and_ptr_are_decoded),
        cmocka_unit_test(bad_record_shapes_are_broken),
        cmocka_unit_test(compression_loops_and_cname_loops_are_broken),
        cmocka_unit_test(ttl_with_the_top_bit_set_is_zero),
        cmocka_unit_test(every_truncation_and_every_flipped_byte_gives_an_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
