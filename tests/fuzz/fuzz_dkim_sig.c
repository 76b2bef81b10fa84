/*
 * fuzz_dkim_sig - dkim_sig_parse (and the tag-list parser under it) on
 * arbitrary bytes.  Besides ASan/UBSan, checks that every slice handed back
 * lies inside the input and that b_off+b_len never passes its end.
 */
#include <stdint.h>
#include <stdlib.h>

#include "dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(slice_t s, const uint8_t *data, size_t size)
{
    if (s.n && (s.p < data || s.p + s.n > data + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static dkim_sig_t sig;
    static dkim_taglist_t tl;
    slice_t in = slice_make(data, size);

    const char *why = dkim_taglist_parse(in, &tl);
    if (tl.n > DKIM_MAX_TAGS || (!why && tl.n == 0))
        abort();
    for (size_t k = 0; k < tl.n; k++) {
        inside(tl.t[k].name, data, size);
        inside(tl.t[k].value, data, size);
        inside(tl.t[k].raw, data, size);
        if (tl.t[k].name.n == 0)
            abort();
    }

    why = dkim_sig_parse(in, &sig);
    if (why != sig.error)
        abort();
    if (sig.b_off > size || sig.b_len > size - sig.b_off)
        abort();
    inside(sig.d, data, size);
    inside(sig.s, data, size);
    inside(sig.i, data, size);
    inside(sig.a, data, size);
    inside(sig.c, data, size);
    inside(sig.b, data, size);
    if (!why) {
        if (sig.nh == 0 || sig.nh > DKIM_MAX_H || sig.siglen == 0 ||
            sig.siglen > DKIM_MAX_SIG || sig.bhlen > CRYPTO_MAX_DIGEST)
            abort();
        for (size_t k = 0; k < sig.nh; k++)
            inside(sig.h[k], data, size);
        inside(sig.domain, data, size);
        inside(sig.selector, data, size);
        inside(sig.auid, data, size);
        inside(sig.auid_domain, data, size);
        if (sig.domain.n == 0 || sig.selector.n == 0 || sig.auid_domain.n == 0)
            abort();
        if (sig.t >= 0 && sig.x >= 0 && sig.x < sig.t)
            abort();
    }
    return 0;
}
