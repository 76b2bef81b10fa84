/*
 * keys.h - DKIM-style public keys from DNS (RFC 6376 3.6.2), parsed once
 * per DNS answer and shared by every message and every checker that uses
 * them (DKIM signatures, ARC-Message-Signature and ARC-Seal).
 */
#ifndef AS_ENG_KEYS_H
#define AS_ENG_KEYS_H

#include "crypto.h"
#include "dkim.h"
#include "dns.h"
#include "result.h"

typedef struct eng_keyent {
    slice_t txt;         /* the TXT record as received (in the DNS answer) */
    dkim_keyrec_t rec;   /* the TXT record's tags (rec.error if unusable) */
    crypto_key_t *key;   /* p= parsed for rec.k; NULL if it could not be */
    const char *key_why; /* why key is NULL */
} eng_keyent_t;

typedef struct eng_keyset {
    size_t n;            /* one entry per TXT record at the name */
    eng_keyent_t e[];
} eng_keyset_t;

/* The parsed records of a TXT answer (attached to it); NULL on out-of-memory. */
eng_keyset_t *eng_keyset_get(dns_answer_t *a);

typedef struct eng_keyfetch {
    dns_answer_t *answer;  /* hold on ks; release with dns_answer_release() */
    eng_keyset_t *ks;      /* NULL when the lookup gave no usable answer */
    eng_result_t result;   /* when ks == NULL: temperror or permerror */
    const char *reason;    /* when ks == NULL: "no key for signature", ... */
    char buf[96];
} eng_keyfetch_t;

/*
 * Look up <selector>._domainkey.<domain> TXT (waiting if in flight) and
 * parse it.  NXDOMAIN, NODATA and an empty answer are permerror "no key for
 * signature"; timeouts, server failures, malformed answers and answers
 * over a DNS limit are temperror "key lookup failed: <what>"
 * (dns_answer_why).  Returns 0 when f->ks is set.
 */
int eng_key_fetch(dns_t *dns, slice_t selector, slice_t domain, eng_keyfetch_t *f);
void eng_keyfetch_done(eng_keyfetch_t *f);

/*
 * After a failed fetch whose key is absent (NXDOMAIN, NODATA, no records):
 * "no key for signature: key absent at query time (NXDOMAIN)" (or "(no TXT
 * record)", "(no records)") in buf (catalogue C8); NULL for other failures.
 */
const char *eng_key_absent_reason(const eng_keyfetch_t *f, char *buf, size_t n);

#endif
