/*
 * fuzz_spf - SPF over arbitrary bytes: the input (after one flag byte) is
 * the TXT record every TXT query gets, the macro-string expanded in both
 * modes, and the explanation text; a fake lookup answers A/AAAA/MX/PTR as
 * the flags say, and may report an answer in flight.  Records and
 * explanations come from DNS: fully attacker-controlled.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"
#include "spf.h"
#include "spf_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    F_ADDR_IS_CLIENT = 1, /* A/AAAA answers hold the client's address */
    F_NXDOMAIN = 2,       /* names starting with 'n' do not exist */
    F_MX = 4,             /* MX answers name two hosts */
    F_PTR = 8,            /* PTR answers name a host under the domain */
    F_TIMEOUT = 16,       /* names starting with 't' time out */
    F_TWO_TXT = 32,       /* every TXT answer also holds "v=spf1 -all" */
    F_IPV6 = 64,
    F_PENDING = 128       /* the Nth lookup is in flight */
};

typedef struct fake {
    uint8_t flags;
    slice_t txt;
    const uint8_t *client;
    unsigned calls, pending_at, live;
} fake_t;

static dns_answer_t *fake_lookup(void *arg, slice_t name, uint16_t type, int *pending)
{
    fake_t *f = arg;
    if (++f->calls > 10000)
        abort(); /* the limits must bound the lookups */
    if ((f->flags & F_PENDING) && f->calls == f->pending_at) {
        *pending = 1;
        return NULL;
    }
    uint8_t first = name.n ? name.p[0] : 0;
    if ((f->flags & F_TIMEOUT) && first == 't')
        return dns_answer_new(name, type, DNS_TIMEOUT, NULL, 0, 0);
    if ((f->flags & F_NXDOMAIN) && first == 'n')
        return dns_answer_new(name, type, DNS_NXDOMAIN, NULL, 0, 0);
    static const uint8_t other[16] = { 198, 51, 100, 9, 0x20, 1, 0xd, 0xb8, 9, 9, 9, 9 };
    const uint8_t *addr = (f->flags & F_ADDR_IS_CLIENT) ? f->client : other;
    dns_rr_t rr[2];
    size_t n = 0;
    switch (type) {
    case DNS_T_TXT:
        rr[n++] = (dns_rr_t){ DNS_T_TXT, 0, 60, f->txt };
        if (f->flags & F_TWO_TXT)
            rr[n++] = (dns_rr_t){ DNS_T_TXT, 0, 60, SLICE_LIT("v=spf1 -all") };
        break;
    case DNS_T_A:
        rr[n++] = (dns_rr_t){ DNS_T_A, 0, 60, slice_make(addr, 4) };
        break;
    case DNS_T_AAAA:
        rr[n++] = (dns_rr_t){ DNS_T_AAAA, 0, 60, slice_make(addr, 16) };
        break;
    case DNS_T_MX:
        if (f->flags & F_MX) {
            rr[n++] = (dns_rr_t){ DNS_T_MX, 10, 60, SLICE_LIT("mx1.example.com") };
            rr[n++] = (dns_rr_t){ DNS_T_MX, 20, 60, SLICE_LIT("nx.example.com") };
        }
        break;
    case DNS_T_PTR:
        if (f->flags & F_PTR)
            rr[n++] = (dns_rr_t){ DNS_T_PTR, 0, 60, SLICE_LIT("host.example.com") };
        break;
    default:
        break;
    }
    return dns_answer_new(name, type, n ? DNS_OK : DNS_NODATA, rr, n, 60);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    slice_t body = slice_make(data + 1, size - 1);

    /* the macro expander alone, both modes, a small and a large buffer */
    static const uint8_t ip4[4] = { 192, 0, 2, 3 };
    static const uint8_t ip6[16] = { 0x20, 1, 0xd, 0xb8, [15] = 1 };
    spf_macro_env_t env = {
        .local = SLICE_LIT("strong-bad"), .sender_dom = SLICE_LIT("email.example.com"),
        .domain = SLICE_LIT("email.example.com"), .helo = SLICE_LIT("mx.example.org"),
        .validated = SLICE_LIT("unknown"), .receiver = SLICE_LIT("mx.example.net"),
        .v4 = !(flags & F_IPV6), .ip = (flags & F_IPV6) ? ip6 : ip4, .now = 1,
    };
    char out[2048];
    for (int mode = 0; mode < 2; mode++) {
        for (size_t cap = 7; cap <= sizeof out; cap += sizeof out - 7) {
            size_t n = (size_t)-1;
            int r = spf_macro_expand(&env, body, mode, out, cap, &n);
            int syn = spf_macro_expand(NULL, body, mode, NULL, 0, NULL);
            if ((r == SPF_MACRO_SYNTAX) != (syn == SPF_MACRO_SYNTAX))
                abort(); /* syntax does not depend on the values */
            if (r != SPF_MACRO_SYNTAX && n > cap)
                abort();
        }
    }
    (void)spf_domain_spec_ok(body);
    slice_t t = spf_domain_truncate(body);
    if (t.n > 253 && t.n != 0)
        abort();

    /* the record: syntax, then check_host() over the fake DNS */
    spf_record_t rec;
    const char *why = NULL;
    if (spf_record_is_v1(body) && spf_record_parse(body, &rec, &why) < 0 && !why)
        abort();

    fake_t f = { .flags = flags, .txt = body,
                 .client = (flags & F_IPV6) ? ip6 : (const uint8_t *)"\xc0\x00\x02\x03"
                                                     "\0\0\0\0\0\0\0\0\0\0\0\0",
                 .pending_at = (unsigned)(size % 13) + 1 };
    spf_input_t in = { .af = (flags & F_IPV6) ? AF_INET6 : AF_INET,
                       .mailfrom = SLICE_LIT("strong-bad@email.example.com"),
                       .helo = SLICE_LIT("mx.example.org"), .now = 1 };
    memcpy(in.ip, f.client, 16);
    spf_result_t res;
    spf_status_t st = spf_check(&in, NULL, fake_lookup, &f, &res);
    if (st == SPF_DONE) {
        if ((unsigned)res.result > ENG_PERMERROR || res.result == ENG_POLICY)
            abort();
        if (res.has_explanation &&
            (res.result != ENG_FAIL || memchr(res.explanation, 0, sizeof res.explanation) == NULL))
            abort();
        if (!memchr(res.reason, 0, sizeof res.reason))
            abort();
    } else if (!(flags & F_PENDING)) {
        abort(); /* pending only when an answer was in flight */
    }
    return 0;
}
