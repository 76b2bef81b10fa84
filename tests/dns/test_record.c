/*
 * test_record.c - --dns-record's zone writer (dns/record.c): what it writes
 * for each status, that the zone parser reads it back to the same answers
 * (hostile bytes in TXT data and names included), that its output does not
 * depend on the order answers come in, and dns_record_write over a cache.
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

/* Write answers to memory; returns the text (caller frees). */
static char *write_all(dns_answer_t **a, size_t n, size_t *len)
{
    /*
     * static: gcc 12 -O3 takes &buf given to open_memstream for a pointer to
     * a local that escapes (-Wdangling-pointer, a false positive).  Each
     * call still returns its own allocation.
     */
    static char *buf;
    buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(dns_record_write_answers(f, a, n), 0);
    fclose(f);
    return buf;
}

static dns_zone_t *reparse(const char *text, size_t len)
{
    char err[256];
    dns_zone_t *z = dns_zone_parse_mem(slice_make(text, len), "rec", err, sizeof err);
    if (!z)
        fail_msg("recording does not parse: %s\n%s", err, text);
    return z;
}

/* The replayed answer has the recorded one's status and records. */
static void assert_same(const dns_zone_t *z, const dns_answer_t *want)
{
    dns_answer_t *got = dns_zone_answer(z, want->name, want->type);
    assert_non_null(got);
    assert_int_equal(got->status, want->status);
    assert_int_equal(got->nrr, want->nrr);
    for (size_t i = 0; i < want->nrr; i++) {
        assert_int_equal(got->rr[i].type, want->rr[i].type);
        assert_int_equal(got->rr[i].pref, want->rr[i].pref);
        assert_int_equal(got->rr[i].data.n, want->rr[i].data.n);
        if (want->rr[i].data.n)
            assert_memory_equal(got->rr[i].data.p, want->rr[i].data.p, want->rr[i].data.n);
    }
    dns_answer_release(got);
}

static dns_answer_t *txt(const char *name, const void *data, size_t n)
{
    dns_rr_t r = { DNS_T_TXT, 0, 300, slice_make(data, n) };
    return dns_answer_new(slice_cstr(name), DNS_T_TXT, DNS_OK, &r, 1, 300);
}

static dns_answer_t *status(const char *name, uint16_t type, dns_status_t st)
{
    return dns_answer_new(slice_cstr(name), type, st, NULL, 0, 120);
}

static void hostile_txt_bytes_round_trip_in_strings_of_at_most_255(void **state)
{
    uint8_t all[600];
    for (size_t i = 0; i < sizeof all; i++)
        all[i] = (uint8_t)(i * 7 + 3); /* every byte value, '"' '\\' NUL CR LF */
    dns_rr_t rr[3] = {
        { DNS_T_TXT, 0, 60, slice_make(all, sizeof all) },
        { DNS_T_TXT, 0, 60, slice_make("", 0) },
        { DNS_T_TXT, 0, 60, slice_make(all, 255) }, /* exactly one string */
    };
    dns_answer_t *a[1] = { dns_answer_new(SLICE_LIT("k._domainkey.ex.org"), DNS_T_TXT,
                                          DNS_OK, rr, 3, 60) };
    size_t len;
    char *text = write_all(a, 1, &len);
    /* 600 bytes: strings of 255, 255 and 90, one record on one line */
    const char *line = strstr(text, "k._domainkey.ex.org. 60 IN TXT \"");
    assert_non_null(line);
    size_t quotes = 0;
    for (const char *p = line; *p != '\n'; p++)
        quotes += *p == '"';
    assert_int_equal(quotes, 6);
    assert_null(memchr(text, 0, len)); /* nothing raw: NUL is \000 */
    dns_zone_t *z = reparse(text, len);
    assert_same(z, a[0]);
    dns_zone_free(z);
    dns_answer_release(a[0]);
    free(text);
}

static void every_status_is_written_as_documented_and_replays(void **state)
{
    uint8_t v4[4] = { 192, 0, 2, 1 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    dns_rr_t a4 = { DNS_T_A, 0, 30, slice_make(v4, 4) };
    dns_rr_t a6 = { DNS_T_AAAA, 0, 30, slice_make(v6, 16) };
    dns_rr_t mx[2] = { { DNS_T_MX, 20, 30, SLICE_LIT("mx2.ex.org") },
                       { DNS_T_MX, 10, 30, SLICE_LIT("mx1.ex.org") } };
    dns_answer_t *a[] = {
        dns_answer_new(SLICE_LIT("ex.org"), DNS_T_A, DNS_OK, &a4, 1, 30),
        dns_answer_new(SLICE_LIT("ex.org"), DNS_T_AAAA, DNS_OK, &a6, 1, 30),
        dns_answer_new(SLICE_LIT("ex.org"), DNS_T_MX, DNS_OK, mx, 2, 30),
        status("ex.org", DNS_T_TXT, DNS_TIMEOUT),   /* only TXT fails at ex.org */
        status("gone.ex.org", DNS_T_TXT, DNS_NXDOMAIN),
        status("empty.ex.org", DNS_T_TXT, DNS_NODATA),
        status("sf.ex.org", DNS_T_TXT, DNS_SERVFAIL),
        status("rf.ex.org", DNS_T_A, DNS_REFUSED),
        status("bk.ex.org", DNS_T_MX, DNS_BROKEN),
    };
    size_t n = sizeof a / sizeof a[0], len;
    char *text = write_all(a, n, &len);
    static const char want[] =
        "bk.ex.org. 0 IN BROKEN MX\n"
        "empty.ex.org. 120 IN TYPE65534 \\# 0 ; TXT NODATA\n"
        "ex.org. 30 IN A 192.0.2.1\n"
        "ex.org. 30 IN MX 20 mx2.ex.org.\n"
        "ex.org. 30 IN MX 10 mx1.ex.org.\n"
        "ex.org. 0 IN TIMEOUT TXT\n"
        "ex.org. 30 IN AAAA 2001:db8::1\n"
        "; gone.ex.org. TXT NXDOMAIN (absent)\n"
        "rf.ex.org. 0 IN REFUSED A\n"
        "sf.ex.org. 0 IN SERVFAIL TXT\n";
    const char *body = strstr(text, "\nbk.ex.org.");
    assert_non_null(body);
    assert_string_equal(body + 1, want);
    dns_zone_t *z = reparse(text, len);
    for (size_t i = 0; i < n; i++)
        assert_same(z, a[i]);
    /* the one-type failure leaves the other types at the name alone */
    dns_answer_t *other = dns_zone_answer(z, SLICE_LIT("ex.org"), DNS_T_PTR);
    assert_int_equal(other->status, DNS_NODATA);
    dns_answer_release(other);
    dns_zone_free(z);
    for (size_t i = 0; i < n; i++)
        dns_answer_release(a[i]);
    free(text);
}

static void hostile_name_bytes_round_trip(void **state)
{
    static const char name[] = "we ird\"(;)\\$@.x\001\177\200\377.ex.org";
    dns_answer_t *a[2] = { txt(name, "k", 1),
                           status("a b.ex.org", DNS_T_TXT, DNS_NODATA) };
    size_t len;
    char *text = write_all(a, 2, &len);
    dns_zone_t *z = reparse(text, len);
    assert_same(z, a[0]);
    assert_same(z, a[1]);
    dns_zone_free(z);
    dns_answer_release(a[0]);
    dns_answer_release(a[1]);
    free(text);
}

static void output_does_not_depend_on_the_order_answers_come_in(void **state)
{
    dns_answer_t *a[] = { txt("b.ex", "2", 1), txt("a.ex", "1", 1), txt("ab.ex", "3", 1),
                          status("a.ex", DNS_T_A, DNS_NODATA), txt("a", "0", 1) };
    dns_answer_t *b[] = { a[3], a[4], a[0], a[2], a[1] };
    size_t la, lb;
    char *ta = write_all(a, 5, &la), *tb = write_all(b, 5, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ta, tb, la);
    /* sorted by name bytes, then type: "a" < "a.ex" (A=1 < TXT=16) < "ab.ex" < "b.ex" */
    const char *p0 = strstr(ta, "\na. "), *p1 = strstr(ta, "\na.ex. 120 IN TYPE65534"),
               *p2 = strstr(ta, "\na.ex. 300 IN TXT"), *p3 = strstr(ta, "\nab.ex."),
               *p4 = strstr(ta, "\nb.ex.");
    assert_true(p0 && p1 && p2 && p3 && p4);
    assert_true(p0 < p1 && p1 < p2 && p2 < p3 && p3 < p4);
    for (size_t i = 0; i < 5; i++)
        dns_answer_release(a[i]);
    free(ta);
    free(tb);
}

static void record_write_over_a_cache_replays_the_answers_seen(void **state)
{
    static const char zone[] =
        "$TTL 300\n"
        "k._domainkey.ex.org. TXT \"v=DKIM1; \" \"p=QUJD\"\n"
        "alias.ex.org. CNAME k._domainkey.ex.org.\n"
        "host.ex.org. A 192.0.2.7\n"
        "t.ex.org. TIMEOUT\n";
    char path[] = "/tmp/as-rec-zoneXXXXXX", out[] = "/tmp/as-rec-outXXXXXX";
    int fd = mkstemp(path), fd2 = mkstemp(out);
    assert_true(fd >= 0 && fd2 >= 0);
    assert_int_equal(write(fd, zone, sizeof zone - 1), (ssize_t)(sizeof zone - 1));
    close(fd);
    close(fd2);
    char spec[64], err[256];
    snprintf(spec, sizeof spec, "zone:%s", path);
    dns_t *d = dns_open(spec, NULL, err, sizeof err);
    assert_non_null(d);
    static const struct { const char *name; uint16_t type; } asks[] = {
        { "alias.ex.org", DNS_T_TXT }, { "host.ex.org", DNS_T_TXT },
        { "nope.ex.org", DNS_T_TXT }, { "t.ex.org", DNS_T_TXT },
        { "K._domainkey.ex.org.", DNS_T_TXT },
    };
    dns_answer_t *seen[5];
    for (size_t i = 0; i < 5; i++)
        seen[i] = dns_get(d, slice_cstr(asks[i].name), asks[i].type, NULL, NULL);
    assert_int_equal(dns_record_write(d, out, err, sizeof err), 0);
    assert_int_equal(dns_record_write(d, "/nonexistent/dir/x", err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/dir/x: No such file or directory");
    dns_close(d);

    snprintf(spec, sizeof spec, "zone:%s", out);
    dns_t *r = dns_open(spec, NULL, err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    for (size_t i = 0; i < 5; i++) {
        dns_answer_t *b = dns_get(r, slice_cstr(asks[i].name), asks[i].type, NULL, NULL);
        assert_int_equal(b->status, seen[i]->status);
        assert_int_equal(b->nrr, seen[i]->nrr);
        for (size_t k = 0; k < b->nrr; k++)
            assert_true(slice_eq(b->rr[k].data, seen[i]->rr[k].data));
        dns_answer_release(b);
        dns_answer_release(seen[i]);
    }
    dns_close(r);
    unlink(path);
    unlink(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_txt_bytes_round_trip_in_strings_of_at_most_255),
        cmocka_unit_test(every_status_is_written_as_documented_and_replays),
        cmocka_unit_test(hostile_name_bytes_round_trip),
        cmocka_unit_test(output_does_not_depend_on_the_order_answers_come_in),
        cmocka_unit_test(record_write_over_a_cache_replays_the_answers_seen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
