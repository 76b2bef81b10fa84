/*
 * json.c - JSON output helpers.
 */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(eng_buf_t *b, size_t need)
{
    if (b->oom)
        return -1;
    if (b->n + need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->n + need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void eng_buf_put(eng_buf_t *b, const void *p, size_t n)
{
    if (n == 0 || grow(b, n) < 0)
        return;
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

void eng_buf_puts(eng_buf_t *b, const char *s)
{
    eng_buf_put(b, s, strlen(s));
}

void eng_buf_printf(eng_buf_t *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        eng_buf_put(b, tmp, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n + 1) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

void eng_buf_free(eng_buf_t *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void eng_json_key(eng_buf_t *b, const char *key, int first)
{
    if (!first)
        eng_buf_put(b, ",", 1);
    eng_buf_put(b, "\"", 1);
    eng_buf_puts(b, key);
    eng_buf_put(b, "\":", 2);
}

/* Length of a valid UTF-8 sequence at p (RFC 3629), or 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t len;
    uint32_t min, cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2; min = 0x80; cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; min = 0x800; cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; min = 0x10000; cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* 1 for printable ASCII that JSON takes as it is (no '"', no '\\'). */
static unsigned json_plain(uint8_t c)
{
    return ((unsigned)(c - 0x20) < 0x5Fu) & (c != '"') & (c != '\\');
}

void eng_json_str(eng_buf_t *b, slice_t s)
{
    eng_buf_put(b, "\"", 1);
    size_t run = 0; /* start of bytes that need no escaping */
    for (size_t i = 0; i < s.n;) {
        uint8_t c = s.p[i];
        size_t ulen = 1;
        if (json_plain(c)) {
            /* then eight at a time without a branch each: the strings
             * are names and reasons, plain ASCII nearly always */
            i++;
            while (s.n - i >= 8) {
                unsigned all = 1;
                for (int k = 0; k < 8; k++)
                    all &= json_plain(s.p[i + k]);
                if (!all)
                    break;
                i += 8;
            }
            continue;
        }
        if (c >= 0x80 && (ulen = utf8_len(s.p + i, s.n - i)) != 0) {
            i += ulen;
            continue;
        }
        eng_buf_put(b, s.p + run, i - run);
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            eng_buf_put(b, e, 2);
        } else {
            eng_buf_printf(b, "\\u%04x", c);
        }
        i++;
        run = i;
    }
    eng_buf_put(b, s.p + run, s.n - run);
    eng_buf_put(b, "\"", 1);
}

void eng_json_cstr(eng_buf_t *b, const char *s)
{
    if (s)
        eng_json_str(b, slice_cstr(s));
    else
        eng_json_null(b);
}

void eng_json_null(eng_buf_t *b)
{
    eng_buf_put(b, "null", 4);
}

/* Decimal by hand: a line carries several numbers, and vsnprintf's
 * format parsing cost more than the rest of the line's building. */
void eng_buf_putu(eng_buf_t *b, unsigned long long v)
{
    char d[20];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    eng_buf_put(b, d + i, sizeof d - i);
}

void eng_json_int(eng_buf_t *b, long long v)
{
    if (v < 0) {
        eng_buf_put(b, "-", 1);
        eng_buf_putu(b, 0ull - (unsigned long long)v);
        return;
    }
    eng_buf_putu(b, (unsigned long long)v);
}
