/*
 * fuzz_zone.c - arbitrary bytes as a zone file (dns_zone_parse_mem), then
 * queries through the cache: the parser must accept or reject with a
 * message, never crash or read past the input, and answers must be
 * well-formed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(dns_t *d, slice_t name, uint16_t type)
{
    dns_answer_t *a = dns_get(d, name, type, NULL, NULL);
    if (!a)
        abort(); /* the zone backend answers synchronously */
    if ((a->status == DNS_OK) != (a->nrr > 0) || (a->nrr == 0) != (a->rr == NULL))
        abort();
    for (size_t i = 0; i < a->nrr; i++)
        if (a->rr[i].type != type || (a->rr[i].data.n && !a->rr[i].data.p))
            abort();
    dns_answer_release(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    /* A copy of exactly size bytes: ASan sees any read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    dns_zone_t *z = dns_zone_parse_mem(slice_make(copy, size), "fuzz", err, sizeof err);
    if (!z) {
        if (strncmp(err, "fuzz:", 5) != 0)
            abort(); /* every error names the file and line */
        free(copy);
        return 0;
    }
    struct dns_backend be = dns_zone_backend_own(z);
    dns_t *d = dns_open_backend(&be, NULL);
    if (d) {
        /* The first word of the input is likely an owner name. */
        size_t n = 0;
        while (n < size && n < 255 && data[n] != ' ' && data[n] != '\t' && data[n] != '\n')
            n++;
        static const uint16_t types[] = { DNS_T_TXT, DNS_T_A, DNS_T_AAAA, DNS_T_MX,
                                          DNS_T_CNAME, DNS_T_PTR };
        const slice_t names[] = { slice_make(copy, n), SLICE_LIT("a"),
                                  SLICE_LIT("example.com."), SLICE_LIT("") };
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
                check(d, names[i], types[t]);
                check(d, names[i], types[t]); /* the cached copy */
            }
        dns_close(d);
    }
    free(copy);
    return 0;
}
