/*
 * arc_internal.h - ARC syntax (RFC 8617 4.1, 4.2.1) shared by arc_parse.c
 * and arc.c, and exposed to the unit tests.  Not part of the engine API.
 *
 * The three ARC header fields of one instance form an ARC set:
 *   ARC-Authentication-Results: i=N; <authres-payload>      (4.1.1)
 *   ARC-Message-Signature:      tag-list with i=N, DKIM-like (4.1.2)
 *   ARC-Seal:                   tag-list with i=N and cv=    (4.1.3)
 * Parsers take slices over the message and return sub-slices; reasons are
 * static strings worded for people.
 */
#ifndef AS_ENG_ARC_INTERNAL_H
#define AS_ENG_ARC_INTERNAL_H

#include <stdint.h>

#include "crypto.h"
#include "dkim.h"
#include "msg.h"
#include "slice.h"

/* RFC 8617 4.2.1 / 5.2 step 1: at most 50 ARC sets. */
#define ARC_MAX_INSTANCES 50

typedef enum { ARC_AAR = 0, ARC_AMS, ARC_AS, ARC_NKINDS } arc_kind_t;

/* The kind of an ARC header field by its name (case-insensitive), or -1. */
int arc_field_kind(slice_t name);
/* "ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal". */
const char *arc_kind_name(arc_kind_t k);
/* "AAR", "AMS", "AS": short names for reasons. */
const char *arc_kind_short(arc_kind_t k);

/*
 * An instance value (3.9 position = 1*2DIGIT, 1..50, as written in an i=
 * tag value with FWS already trimmed).  Returns the value, or 0 when it is
 * not a number of at most 9 digits or is 0.  Values above 50 are returned
 * as they are (the caller reports "more than 50"); leading zeros are read.
 */
unsigned arc_instance_value(slice_t v);

/*
 * AAR value (4.1.1): arc-info = instance [CFWS] ";" authres-payload, with
 * instance = [CFWS] "i" [CFWS] "=" [CFWS] position.  CFWS may hold RFC 5322
 * comments (nested, with quoted-pairs).  On success *inst is the instance
 * and *payload the rest after ';' (leading CFWS not removed) and NULL is
 * returned; else a reason ("AAR has no i= prefix", ...).
 */
const char *arc_aar_parse(slice_t value, unsigned *inst, slice_t *payload);

typedef enum {
    ARC_CV_MISSING = 0, /* no cv= tag */
    ARC_CV_INVALID,     /* cv= with another value (or empty) */
    ARC_CV_NONE,
    ARC_CV_PASS,
    ARC_CV_FAIL
} arc_cv_t;

/*
 * The instance (and for a seal, cv=) of an AMS or AS field value, as needed
 * by the structure checks of 5.2 step 3, without the cost of a full parse.
 * Returns NULL with *inst set, or a reason (tag-list error, missing or
 * invalid i=).  cv may be NULL for an AMS.
 */
const char *arc_sig_instance(slice_t value, unsigned *inst, arc_cv_t *cv);

/* A parsed ARC-Message-Signature or ARC-Seal. */
typedef struct arc_sig {
    unsigned instance;
    crypto_keytype_t keytype;
    crypto_hash_alg_t hash;
    crypto_canon_t hcanon, bcanon; /* AS: always relaxed (4.1.3) */
    slice_t a, domain, selector;   /* as written */
    int64_t l, t, x;               /* -1 when absent (AS: l and x unused) */
    arc_cv_t cv;                   /* AS only */
    slice_t h[DKIM_MAX_H];         /* AMS h= names, empty names dropped */
    size_t nh;
    uint8_t bh[CRYPTO_MAX_DIGEST]; /* AMS only */
    size_t bhlen;
    uint8_t sig[DKIM_MAX_SIG];
    size_t siglen;
    /* The b= value with the FWS around it, as (offset, length) in the
     * field value: removed when hashing the field itself (RFC 6376 3.7). */
    size_t b_off, b_len;
    const char *error;             /* NULL if usable */
} arc_sig_t;

/*
 * Parse an AMS value (4.1.2): the DKIM-Signature rules of RFC 6376 3.5
 * except that v= is ignored, i= is the instance, and h= may be empty.
 * Required: i, a, b, bh, d, h, s.  Known a= values are parsed; whether
 * an algorithm is acceptable is left to the validator.  Returns s->error.
 */
const char *arc_ams_parse(slice_t value, arc_sig_t *s);

/*
 * Parse an AS value (4.1.3): required i, a, b, cv, d, s; t optional; h=
 * present is an error ("h= is not allowed in ARC-Seal"); other tags are
 * ignored.  Returns s->error.
 */
const char *arc_as_parse(slice_t value, arc_sig_t *s);

/* ---- the chain: which field is which instance ---- */

typedef struct arc_set {
    size_t idx[ARC_NKINDS]; /* field index of the (first) field of each kind */
    unsigned cnt[ARC_NKINDS];
    arc_cv_t cv;            /* cv= of the (first) seal */
} arc_set_t;

typedef struct arc_chain {
    unsigned n;           /* highest instance seen (may exceed the limit) */
    size_t nfields;       /* ARC header fields in the message */
    arc_set_t set[ARC_MAX_INSTANCES + 1]; /* [1..n] when error == NULL */
    unsigned bad;         /* the instance at fault, 0 if unknown */
    const char *error;    /* NULL: structure valid (5.2 steps 1-3) */
    char buf[128];
} arc_chain_t;

/*
 * Collect the ARC sets of m and check their structure, RFC 8617 5.2
 * steps 1-3: every ARC field has a valid instance; at most max (capped
 * at 50) sets; the latest seal's cv is not fail; each instance 1..N has
 * exactly one AAR, AMS and AS; cv is none for i=1 and pass above, never
 * fail.  Returns c->error (NULL when the structure is valid, or when
 * there is no ARC field at all: then c->nfields == 0).
 */
const char *arc_chain_collect(const eng_msg_t *m, unsigned max, arc_chain_t *c);

#endif
