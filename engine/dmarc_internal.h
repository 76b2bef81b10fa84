/*
 * dmarc_internal.h - pieces of the DMARC checker shared inside engine/
 * (and by its unit tests and fuzz target): the record parser, the author
 * address parser and domain-name helpers.  Not part of the public API.
 */
#ifndef AS_ENG_DMARC_INTERNAL_H
#define AS_ENG_DMARC_INTERNAL_H

#include <stddef.h>

#include "dmarc.h"
#include "slice.h"

/* ---- policy records (RFC 7489 6.3, RFC 9989 4.7) ---- */

typedef enum {
    DMARC_POL_ABSENT = 0,  /* tag not in the record */
    DMARC_POL_NONE,
    DMARC_POL_QUARANTINE,
    DMARC_POL_REJECT,
    DMARC_POL_INVALID      /* tag present with a value outside the three */
} dmarc_pol_t;

typedef struct dmarc_record {
    dmarc_pol_t p, sp, np;
    int psd;            /* 'y' 1, 'n' 0, 'u' or absent or invalid -1 */
    int t;              /* t=y 1, t=n 0, absent or invalid -1 */
    int adkim_strict;   /* adkim=s; anything else is the default r */
    int aspf_strict;
    int pct;            /* 0..100; -1 when absent or not a valid number */
    int rua_valid;      /* rua= holds at least one syntactically valid URI */
} dmarc_record_t;

typedef enum {
    DMARC_REC_NOT_DMARC = 0, /* does not start with v=DMARC1: not a DMARC record */
    DMARC_REC_OK             /* a DMARC record; *out filled (tags may be invalid) */
} dmarc_rec_status_t;

/*
 * Parse one TXT record.  Total: any bytes give one of the two statuses.
 * "v=DMARC1" must be the first tag, its value compared exactly (RFC 7489
 * 6.3 ABNF %x44.4d.41.52.43.31); other tag names and policy words are
 * compared without case; unknown tags and bad optional values are ignored
 * (RFC 7489 6.3, RFC 9989 4.7).
 */
dmarc_rec_status_t dmarc_record_parse(slice_t txt, dmarc_record_t *out);

/* "none" "quarantine" "reject" "" (absent) "invalid". */
const char *dmarc_pol_str(dmarc_pol_t p);

/* ---- author domains from RFC5322.From ---- */

#define DMARC_MAX_AUTHORS 16
#define DMARC_DOMAIN_MAX 254 /* 253 octets and a NUL */

typedef enum {
    DMARC_FROM_OK = 0,
    DMARC_FROM_EMPTY,     /* no address at all (empty field, empty group) */
    DMARC_FROM_SYNTAX,    /* unbalanced quote, comment or angle bracket */
    DMARC_FROM_NO_DOMAIN, /* addresses, none with a usable domain */
    DMARC_FROM_TOO_MANY,  /* more than DMARC_MAX_AUTHORS addresses */
    DMARC_FROM_NOT_LDH    /* a domain with non-ASCII bytes (a U-label) */
} dmarc_from_status_t;

/*
 * The domains of every mailbox in one From field value (RFC 5322 3.4
 * mailbox-list, with groups, comments, quoted strings, obs-route and folding
 * tolerated), lower-cased, without a trailing dot, each once, into
 * dom[0..*ndom).  An address without a usable domain is skipped when
 * others have one (they are judged, the strictest wins).  Bounded and total.
 */
dmarc_from_status_t dmarc_from_domains(slice_t value, char dom[][DMARC_DOMAIN_MAX],
                                       size_t cap, size_t *ndom);

/* ---- domain names ---- */

/* 1 if s is a syntactically usable DNS name (LDH/underscore labels, 1..63 each, <= 253). */
int dmarc_domain_ok(slice_t s);
/* Number of labels of a name without trailing dot ("a.b" -> 2; "" -> 0). */
size_t dmarc_label_count(slice_t name);
/* The suffix of name holding its last k labels. */
slice_t dmarc_label_suffix(slice_t name, size_t k);
/* 1 if a equals b or is a subdomain of b (labels, any case). */
int dmarc_domain_within(slice_t a, slice_t b);

#endif
