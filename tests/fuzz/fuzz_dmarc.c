/*
 * fuzz_dmarc.c - the DMARC record parser and the From address parser on
 * arbitrary bytes (no NUL terminator, exact-length copies so ASan sees any
 * read past the end), plus the name helpers on every parsed domain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_internal.h"

static void names(slice_t d)
{
    size_t k = dmarc_label_count(d);
    for (size_t i = 0; i <= k + 1; i++) {
        slice_t s = dmarc_label_suffix(d, i);
        if (s.n > d.n || (s.n && s.p + s.n != d.p + d.n))
            abort();
        if (!dmarc_domain_within(d, s) && s.n && s.n != d.n && d.p[d.n - s.n - 1] == '.')
            abort();
    }
    (void)dmarc_domain_ok(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    slice_t s = slice_make(buf, size);

    dmarc_record_t r;
    if (dmarc_record_parse(s, &r) == DMARC_REC_OK) {
        if (r.pct > 100 || r.pct < -1 || r.psd < -1 || r.psd > 1)
            abort();
        (void)dmarc_pol_str(r.p);
    }

    char dom[DMARC_MAX_AUTHORS][DMARC_DOMAIN_MAX];
    size_t n = 0;
    dmarc_from_status_t st = dmarc_from_domains(s, dom, DMARC_MAX_AUTHORS, &n);
    if (st == DMARC_FROM_OK && (n == 0 || n > DMARC_MAX_AUTHORS))
        abort();
    for (size_t i = 0; i < n; i++) {
        slice_t d = slice_cstr(dom[i]);
        if (!dmarc_domain_ok(d))
            abort(); /* every domain handed back is usable */
        names(d);
    }
    names(s);
    free(buf);
    return 0;
}
