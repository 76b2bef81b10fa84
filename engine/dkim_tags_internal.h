/*
 * dkim_tags_internal.h - lexical helpers shared by the DKIM syntax parsers
 * (dkim_tags.c, dkim_sig.c, dkim_key.c) and the ARC parser (arc_parse.c).
 * Not part of the engine API.
 */
#ifndef AS_ENG_DKIM_TAGS_INTERNAL_H
#define AS_ENG_DKIM_TAGS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "slice.h"

/*
 * Length of the FWS that starts at s.p[i] (0 if none): runs of SP/HTAB,
 * each line break (CRLF, or the bare LF of archives) counted only when WSP
 * follows it (RFC 5322 3.2.2 folding).  Never reads past s.n.
 */
size_t dkim_fws_len(slice_t s, size_t i);

/*
 * Iterator over a colon-separated list with FWS around the items (h=, q=
 * of a signature; h=, s=, t= of a key record).  Items come back with FWS
 * trimmed and may be empty ("a::b", or an empty value gives one empty item).
 */
typedef struct dkim_list {
    slice_t s;
    size_t pos;
    int done;
} dkim_list_t;

void dkim_list_init(dkim_list_t *l, slice_t s);
/* 1 and the next item in *item, or 0 when the list is exhausted. */
int dkim_list_next(dkim_list_t *l, slice_t *item);

/*
 * RFC 6376 3.5 d=, s= and the i= domain: dot-separated labels of letters,
 * digits and '-' ('_' accepted), at most 63 octets a label and 253 a name.
 */
int dkim_valid_name(slice_t s);

/* 1*DIGIT, saturating at INT64_MAX (t=, x=, l=); -1 if not all digits. */
int dkim_parse_digits(slice_t v, int64_t *out);

/* RFC 6376 3.5 a= (ABNF literals: case-insensitive); NULL or "unknown algorithm". */
const char *dkim_parse_a(slice_t a, crypto_keytype_t *k, crypto_hash_alg_t *h);

/*
 * RFC 6376 3.5 c= as written (present): header["/"body], one name meaning
 * "<name>/simple".  NULL or "unknown canonicalization".  Defaults for an
 * absent c= differ (DKIM simple/simple, ARC relaxed/relaxed): callers set them.
 */
const char *dkim_parse_c(slice_t c, crypto_canon_t *hc, crypto_canon_t *bc);

#endif
