/*
 * fuzz_arc.c - arc_validate over arbitrary messages, with keys from an
 * in-memory zone (the ARC suite's RSA key under several selectors, an
 * Ed25519 key, a 512-bit-looking junk key and broken records), and the ARC
 * field parsers on the raw input.  The verdict must be consistent: none
 * has no instance and no reason, pass has no failed instance and an
 * oldest_pass in 1..N, fail always says why; nothing reads past the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "arc_internal.h"
#include "dns.h"
#include "dns_internal.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SUITE_KEY                                                                       \
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb" \
    "2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5" \
    "QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"

static const char zone_text[] =
    "dummy._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=" SUITE_KEY "\"\n"
    "dummy._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=" SUITE_KEY "\"\n"
    "s._domainkey.a.b. IN TXT \"v=DKIM1; k=rsa; h=sha1; p=" SUITE_KEY "\"\n"
    "ed._domainkey.example.org. IN TXT \"v=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    "bad._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=AAAA\"\n"
    "revoked._domainkey.example.org. IN TXT \"v=DKIM1; p=\"\n"
    "invalid._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; omgwhatsgoingon\"\n"
    "fail._domainkey.example.org. IN SERVFAIL\n";

static dns_t *dns;

static dns_t *zone_dns(void)
{
    char err[256];
    if (dns)
        return dns;
    dns_zone_t *z = dns_zone_parse_mem(slice_cstr(zone_text), "fuzz_arc", err, sizeof err);
    if (!z)
        abort();
    struct dns_backend be = dns_zone_backend_own(z);
    dns = dns_open_backend(&be, NULL);
    if (!dns)
        abort();
    return dns;
}

static void check_verdict(const arc_result_t *r, unsigned max)
{
    if (memchr(r->reason, '\0', sizeof r->reason) == NULL)
        abort();
    switch (r->result) {
    case ENG_NONE:
        if (r->instances || r->failed || r->oldest_pass || r->reason[0])
            abort();
        break;
    case ENG_PASS:
        if (r->failed || r->reason[0] || r->instances == 0 || r->instances > max ||
            r->oldest_pass < 1 || r->oldest_pass > r->instances)
            abort();
        break;
    case ENG_FAIL:
        if (!r->reason[0] || r->failed > r->instances || r->oldest_pass > r->instances)
            abort();
        break;
    default:
        abort();
    }
}

static void parse_fields(slice_t s)
{
    static arc_sig_t sig;
    unsigned inst;
    slice_t payload;
    arc_cv_t cv;

    if (!arc_aar_parse(s, &inst, &payload) &&
        (inst == 0 || payload.p < s.p || payload.p + payload.n != s.p + s.n))
        abort();
    if (!arc_sig_instance(s, &inst, &cv) && inst == 0)
        abort();
    if (!arc_ams_parse(s, &sig) && (sig.b_off + sig.b_len > s.n || sig.instance == 0))
        abort();
    if (!arc_as_parse(s, &sig) && (sig.b_off + sig.b_len > s.n || sig.nh != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes: ASan sees any read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    eng_msg_t m = { 0 };
    int trunc;
    arc_result_t r;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    parse_fields(slice_make(copy, size));
    if (eng_msg_parse(&m, slice_make(copy, size), 1000, &trunc) == 0) {
        /* the message's own clock runs from t=12345 (the suite) to now */
        arc_opts_t o = { .now = 1700000000, .max_instances = 50,
                         .allow_ed25519 = size & 1 };
        arc_validate(&m, zone_dns(), &o, &r);
        check_verdict(&r, 50);
        o.max_instances = 3;
        arc_validate(&m, zone_dns(), &o, &r);
        check_verdict(&r, 3);
        eng_msg_free(&m);
    }
    free(copy);
    return 0;
}
