/*
 * slice.h - the one byte-span type used across authsweep.
 *
 * A slice is a pointer and a length over memory someone else owns (a read
 * buffer, a DNS answer).  Nothing here assumes a NUL terminator: parsers take
 * slices and hand back sub-slices, never copies (see ../shared/STYLE.md).
 */
#ifndef AS_SLICE_H
#define AS_SLICE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct slice {
    const uint8_t *p;
    size_t n;
} slice_t;

#define SLICE_NULL ((slice_t){ NULL, 0 })
/* A slice over a string literal, without its NUL. */
#define SLICE_LIT(s) ((slice_t){ (const uint8_t *)(s), sizeof(s) - 1 })

static inline slice_t slice_make(const void *p, size_t n)
{
    slice_t s = { (const uint8_t *)p, n };
    return s;
}

static inline slice_t slice_cstr(const char *s)
{
    return slice_make(s, s ? strlen(s) : 0);
}

static inline int slice_eq(slice_t a, slice_t b)
{
    /* the first byte inline: most compares are of short names (DKIM tags
     * are one or two letters), where the memcmp call was most of the cost */
    return a.n == b.n && (a.n == 0 || (a.p[0] == b.p[0] && memcmp(a.p, b.p, a.n) == 0));
}

static inline uint8_t slice_lower_byte(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* ASCII case-insensitive equality (header names, tag values, domains). */
static inline int slice_eq_nocase(slice_t a, slice_t b)
{
    if (a.n != b.n)
        return 0;
    for (size_t i = 0; i < a.n; i++)
        if (slice_lower_byte(a.p[i]) != slice_lower_byte(b.p[i]))
            return 0;
    return 1;
}

static inline int slice_eq_cstr_nocase(slice_t a, const char *s)
{
    return slice_eq_nocase(a, slice_cstr(s));
}

static inline int slice_is_wsp(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* Strip RFC 5322 FWS-ish white space (SP, HTAB, CR, LF) from both ends. */
static inline slice_t slice_trim(slice_t s)
{
    while (s.n && (slice_is_wsp(s.p[0]) || s.p[0] == '\r' || s.p[0] == '\n')) {
        s.p++;
        s.n--;
    }
    while (s.n && (slice_is_wsp(s.p[s.n - 1]) || s.p[s.n - 1] == '\r' ||
                   s.p[s.n - 1] == '\n'))
        s.n--;
    return s;
}

/* Sub-slice [off, off+len), clamped to s: never reaches past the end. */
static inline slice_t slice_sub(slice_t s, size_t off, size_t len)
{
    if (off > s.n)
        off = s.n;
    if (len > s.n - off)
        len = s.n - off;
    return slice_make(s.p + off, len);
}

#endif
