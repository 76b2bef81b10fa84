/*
 * msg.h - a message's header fields, found without copying (RFC 5322 2.2).
 *
 * The header block is cut into fields: each field runs from the first byte
 * of its name through the line break ending its last (folded) line.  Line
 * breaks may be CRLF or bare LF, as archives store them.  The body starts
 * after the first empty line.
 */
#ifndef AS_ENG_MSG_H
#define AS_ENG_MSG_H

#include <stddef.h>

#include "slice.h"

typedef struct eng_field {
    slice_t raw;   /* name through the final line break (included) */
    slice_t name;  /* the field name; WSP before the colon (obs-syntax) removed */
    slice_t value; /* after the colon, up to (not including) the final line break;
                      empty when too_large */
    int too_large; /* raw is longer than the parse's max_field_size */
} eng_field_t;

typedef struct eng_msg {
    slice_t data;
    eng_field_t *f;   /* fields in message order, top first */
    size_t nf;
    slice_t body;     /* after the empty line; empty if there is none */
    int has_body;     /* an empty line separating header and body was seen */
    size_t bad_lines; /* header lines with no colon (kept out of f) */
    size_t too_large; /* fields over max_field_size (kept in f, value empty) */
    size_t first_too_large; /* index in f of the first of them (if too_large) */
    size_t cap_;      /* private: allocated entries of f */
} eng_msg_t;

/*
 * Cut data into fields.  At most max_fields are kept (the rest are counted
 * as *truncated); returns 0, or -1 on out-of-memory.  Never reads past data.
 * Same as eng_msg_parse_capped() with no field size limit.
 */
int eng_msg_parse(eng_msg_t *m, slice_t data, size_t max_fields, int *truncated);

/*
 * As eng_msg_parse(), and a field whose raw bytes (name, folded lines and
 * final line break included) exceed max_field_size (0: no limit) stays in
 * f, in its place and with its raw bytes (DKIM header hashes stay exact),
 * but with too_large set and an empty value, so that no value parser
 * spends work on it; m->too_large counts them.
 */
int eng_msg_parse_capped(eng_msg_t *m, slice_t data, size_t max_fields,
                         size_t max_field_size, int *truncated);
void eng_msg_free(eng_msg_t *m);

/* The first field called `name` (case-insensitive), or NULL. */
const eng_field_t *eng_msg_find(const eng_msg_t *m, const char *name);

/*
 * The domain of the first address in a From value, lower-cased into out
 * (cap bytes); returns its length, or 0 if none could be found.
 */
size_t eng_from_domain(slice_t from_value, char *out, size_t cap);

/*
 * Skip an RFC 5322 comment "( ... )" starting at v.p[i] == '(' (nested,
 * with quoted-pairs); returns the index after it, at most v.n.
 */
size_t eng_skip_comment(slice_t v, size_t i);

/* RFC 5322 3.3 date-time to seconds since the epoch; -1 if unparsable. */
long long eng_parse_date(slice_t value);

#endif
