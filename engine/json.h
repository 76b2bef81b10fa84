/*
 * json.h - building one JSON line in a growable buffer.
 *
 * Strings from messages are arbitrary bytes; the output must still be valid
 * JSON (valid UTF-8).  Valid UTF-8 sequences pass through; any other byte is
 * written as \u00XX (its Latin-1 reading), so nothing is dropped silently.
 */
#ifndef AS_ENG_JSON_H
#define AS_ENG_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "slice.h"

typedef struct eng_buf {
    char *p;
    size_t n, cap;
    int oom; /* an allocation failed: contents are incomplete */
} eng_buf_t;

void eng_buf_put(eng_buf_t *b, const void *p, size_t n);
void eng_buf_puts(eng_buf_t *b, const char *s);
void eng_buf_printf(eng_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void eng_buf_putu(eng_buf_t *b, unsigned long long v); /* decimal */
void eng_buf_free(eng_buf_t *b);

/* "key": (with a leading comma unless first) */
void eng_json_key(eng_buf_t *b, const char *key, int first);
void eng_json_str(eng_buf_t *b, slice_t s);     /* "escaped" */
void eng_json_cstr(eng_buf_t *b, const char *s); /* "escaped", or null for NULL */
void eng_json_null(eng_buf_t *b);
void eng_json_int(eng_buf_t *b, long long v);

#endif
