/*
 * fuzz_msg_parse.c - engine/msg.c's eng_msg_parse_capped() alone (header
 * splitting and unfolding, RFC 5322 2.2), with the field count and size
 * caps taken from the input's first two bytes.  Beyond "no crash, no read
 * past the message", it checks what the rest of the engine relies on:
 * fields lie inside the data, in order and without overlap; a name holds
 * no colon; a value lies inside its raw bytes; too_large is exactly
 * "raw longer than the cap" and empties the value; the body follows the
 * header; and nothing but a field limit may truncate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(slice_t in, slice_t out)
{
    return in.p >= out.p && in.p + in.n <= out.p + out.n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t max_fields = data[0] ? data[0] : 1000; /* 0: the default */
    size_t max_size = data[1] * 4u;               /* 0: no cap */
    uint8_t *copy = malloc(size - 2 ? size - 2 : 1); /* exact size: ASan sees overreads */
    if (!copy)
        return 0;
    memcpy(copy, data + 2, size - 2);
    slice_t d = slice_make(copy, size - 2);
    eng_msg_t m;
    int truncated = -1;
    if (eng_msg_parse_capped(&m, d, max_fields, max_size, &truncated) < 0)
        abort();
    if (truncated != 0 && truncated != 1)
        abort();
    if (m.nf > max_fields || (truncated && m.nf != max_fields))
        abort();
    const uint8_t *prev_end = d.p;
    size_t too_large = 0;
    for (size_t i = 0; i < m.nf; i++) {
        const eng_field_t *f = &m.f[i];
        if (!inside(f->raw, d) || f->raw.p < prev_end || f->raw.n == 0)
            abort();
        if (!inside(f->name, f->raw) || memchr(f->name.p, ':', f->name.n))
            abort();
        if (f->name.p != f->raw.p)
            abort();
        /* the value starts after the colon that ends the name */
        if (!inside(f->value, f->raw) || f->value.p < f->name.p + f->name.n + 1)
            abort();
        int big = max_size && f->raw.n > max_size;
        if (f->too_large != big || (big && f->value.n != 0))
            abort();
        if (big && too_large++ == 0 && m.first_too_large != i)
            abort();
        prev_end = f->raw.p + f->raw.n;
    }
    if (too_large != m.too_large)
        abort();
    if (m.has_body && (!inside(m.body, d) || m.body.p + m.body.n != d.p + d.n ||
                       m.body.p < prev_end))
        abort();
    if (!m.has_body && m.body.n != 0)
        abort();
    eng_msg_free(&m);
    free(copy);
    return 0;
}
