/*
 * fuzz_dns_answer.c - arbitrary bytes as a DNS response (dns_wire_answer),
 * then the answer through the --dns-record writer and back through the zone
 * parser.  Input: one byte choosing the query type, the rest the response.
 * The parser must give a well-formed answer (or an alias to follow) for any
 * bytes; a recording of the answer must parse and replay the same status and
 * records.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t qtypes[] = { DNS_T_TXT, DNS_T_A, DNS_T_AAAA, DNS_T_MX,
                                   DNS_T_PTR, DNS_T_SPF, DNS_T_CNAME, DNS_T_TXT };

static void well_formed(const dns_answer_t *a, uint16_t type)
{
    if ((a->status == DNS_OK) != (a->nrr > 0) || (a->nrr == 0) != (a->rr == NULL))
        abort();
    for (size_t i = 0; i < a->nrr; i++) {
        const dns_rr_t *r = &a->rr[i];
        if (r->type != type || (r->data.n && !r->data.p))
            abort();
        if ((type == DNS_T_A && r->data.n != 4) || (type == DNS_T_AAAA && r->data.n != 16))
            abort();
        if ((type == DNS_T_MX || type == DNS_T_PTR || type == DNS_T_CNAME) &&
            r->data.n > DNS_FLAT_MAX)
            abort();
    }
}

/* The recording replays the same status and records. */
static void round_trip(dns_answer_t *a)
{
    char *text = NULL, err[256];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    dns_answer_t *one[1] = { a };
    dns_record_write_answers(f, one, 1);
    fclose(f);
    dns_zone_t *z = dns_zone_parse_mem(slice_make(text, len), "rec", err, sizeof err);
    if (!z) {
        fprintf(stderr, "recording does not parse: %s\n%s", err, text);
        abort();
    }
    dns_answer_t *b = dns_zone_answer(z, a->name, a->type);
    if (!b || b->status != a->status || b->nrr != a->nrr)
        abort();
    for (size_t i = 0; i < a->nrr; i++)
        if (b->rr[i].pref != a->rr[i].pref || !slice_eq(b->rr[i].data, a->rr[i].data))
            abort();
    dns_answer_release(b);
    dns_zone_free(z);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint16_t type = qtypes[data[0] & 7];
    /* A copy of exactly the response's bytes: ASan sees any read past it. */
    size_t n = size - 1;
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, n);
    dns_wire_follow_t f;
    dns_wire_q_t q = { SLICE_LIT("k._domainkey.example.org"),
                       SLICE_LIT("k._domainkey.example.org"), type, UINT32_MAX, 300, 0 };
    dns_answer_t *a = dns_wire_answer(&q, slice_make(copy, n), &f);
    size_t flen = f.len;
    if (a) {
        if (a->cnames > DNS_HARD_MAX_CNAMES + 1)
            abort(); /* the chain is capped within one response */
        well_formed(a, type);
        if (type != DNS_T_CNAME) /* not recorded: see record.c */
            round_trip(a);
        dns_answer_release(a);
    } else if (flen == 0 || flen > DNS_FLAT_MAX) {
        abort(); /* out of memory cannot happen here */
    }
    free(copy);
    return 0;
}
