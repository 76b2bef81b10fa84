/*
 * fuzz_dkim_key - dkim_keyrec_parse on arbitrary bytes (a key record is the
 * concatenated TXT strings of a DNS answer: fully attacker-controlled).
 */
#include <stdint.h>
#include <stdlib.h>

#include "dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dkim_keyrec_t rec;

    const char *why = dkim_keyrec_parse(slice_make(data, size), &rec);
    if (why != rec.error)
        abort();
    if (rec.p.n && (rec.p.p < data || rec.p.p + rec.p.n > data + size))
        abort();
    if (!why && rec.revoked != (rec.p.n == 0))
        abort();
    if (rec.hashes & ~(unsigned)(DKIM_HASH_SHA1 | DKIM_HASH_SHA256))
        abort();
    return 0;
}
