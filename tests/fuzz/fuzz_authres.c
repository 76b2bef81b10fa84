/*
 * fuzz_authres.c - the Authentication-Results reader (engine/authres.c) on
 * arbitrary bytes, and the value writer on the same bytes.
 *
 * Input: byte 0 picks the authserv-id filter (even: none, odd: "mx.example"),
 * the rest is cut at '\0' into up to 8 Authentication-Results values, each
 * an exact-length heap copy so ASan sees a read past its end.  The archived
 * A-R is hostile by nature (RFC 8601 5; CVE-2022-48521): reading it must be
 * bounded, and what it keeps must be lower-case result words that fit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"

#define MAX_FIELDS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_word(const char *w, size_t cap)
{
    size_t n = strnlen(w, cap);
    if (n == cap) /* no NUL inside the array */
        abort();
    for (size_t i = 0; i < n; i++)
        if (w[i] >= 'A' && w[i] <= 'Z')
            abort(); /* kept words are lower-cased */
}

/* eng_authres_value: one token, or one quoted-string with no line break. */
static void check_value(slice_t v)
{
    eng_buf_t b = { 0 };
    eng_authres_value(&b, v);
    if (b.oom) {
        eng_buf_free(&b);
        return;
    }
    if (b.n < v.n)
        abort();
    for (size_t i = 0; i < b.n; i++)
        if (b.p[i] == '\r' || b.p[i] == '\n')
            abort();
    if (b.n > v.n) { /* quoted: "..." with every '"' and '\' escaped */
        if (b.n < 2 || b.p[0] != '"' || b.p[b.n - 1] != '"')
            abort();
        for (size_t i = 1; i + 1 < b.n; i++) {
            if (b.p[i] == '\\')
                i++;
            else if (b.p[i] == '"')
                abort();
        }
    }
    eng_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *want = (data[0] & 1) ? "mx.example" : NULL;
    eng_field_t f[MAX_FIELDS];
    uint8_t *copy[MAX_FIELDS];
    size_t nf = 0, i = 1;
    while (nf < MAX_FIELDS && i <= size) {
        const uint8_t *z = i < size ? memchr(data + i, 0, size - i) : NULL;
        size_t end = z ? (size_t)(z - data) : size;
        size_t n = end - i;
        copy[nf] = malloc(n ? n : 1);
        if (!copy[nf])
            break;
        memcpy(copy[nf], data + i, n);
        memset(&f[nf], 0, sizeof f[nf]);
        f[nf].name = SLICE_LIT("Authentication-Results");
        f[nf].value = slice_make(copy[nf], n);
        f[nf].raw = f[nf].value;
        nf++;
        i = end + 1;
    }
    eng_msg_t m;
    memset(&m, 0, sizeof m);
    m.f = f;
    m.nf = nf;
    eng_recorded_t r;
    eng_recorded_get(&m, want, &r);
    check_word(r.dkim, sizeof r.dkim);
    check_word(r.spf, sizeof r.spf);
    check_word(r.dmarc, sizeof r.dmarc);
    check_word(r.arc, sizeof r.arc);
    if (!r.found && (r.dkim[0] || r.spf[0] || r.dmarc[0] || r.arc[0]))
        abort();
    for (size_t k = 0; k < nf; k++) {
        check_value(f[k].value);
        free(copy[k]);
    }
    return 0;
}
