/*
 * dmarc.h - DMARC: RFC 9989 (DMARCbis, May 2026) and RFC 7489.
 */
#ifndef AS_ENG_DMARC_H
#define AS_ENG_DMARC_H

#include <stddef.h>

#include "lookup.h"
#include "result.h"
#include "slice.h"

typedef enum { DMARC_9989 = 1, DMARC_7489 = 2, DMARC_BOTH = 3 } dmarc_mode_t;

typedef struct dmarc_input {
    const slice_t *from;      /* the value of every From field, top first */
    size_t nfrom;
    const slice_t *dkim_pass; /* d= of every DKIM signature that passed */
    size_t ndkim_pass;
    slice_t spf_domain;       /* MAIL FROM domain, or the HELO name when MAIL FROM was empty */
    eng_result_t spf_result;  /* what SPF said for it (ENG_NONE if SPF not run) */
} dmarc_input_t;

typedef struct dmarc_result {
    eng_result_t result;      /* pass fail none temperror permerror */
    char from_domain[256];    /* the author domain judged (the strictest failing one) */
    char org_domain[256];     /* organizational domain (9989: from the tree walk; 7489: PSL) */
    char record_domain[256];  /* where the policy record was found, "" if none */
    char policy[16];          /* the policy that applies: none quarantine reject, "" if no record */
    char p[16], sp[16], np[16]; /* tags as found ("" if absent) */
    int pct;                  /* 7489 pct= (100 when absent), reported not sampled; -1 for 9989 */
    int psd;                  /* 9989 psd=y (1), n (0), absent (-1) */
    int testing;              /* 9989 t=y (1), t=n (0), absent (-1); policy is still
                                 the one published (reported, not applied) */
    int adkim_strict, aspf_strict;
    int dkim_aligned, spf_aligned;
    char reason[256];         /* for people: "no DMARC record", "From header absent", ... */
} dmarc_result_t;

typedef struct dmarc_psl dmarc_psl_t;
/*
 * The public suffix list for RFC 7489's organizational domain (libpsl).
 * path NULL: Debian's publicsuffix package file, else libpsl's built-in list.
 */
dmarc_psl_t *dmarc_psl_open(const char *path, char *err, size_t errlen);
void dmarc_psl_close(dmarc_psl_t *p);
/* The registrable domain of name per the PSL into out; 0 if none. */
size_t dmarc_psl_org(const dmarc_psl_t *p, slice_t name, char *out, size_t cap);

typedef enum { DMARC_DONE = 0, DMARC_PENDING } dmarc_status_t;

/*
 * Evaluate.  With mode DMARC_BOTH both results are filled; otherwise only
 * the one asked for (the other gets result ENG_NONE and reason "not run").
 * Returns DMARC_PENDING if lookup said an answer is in flight (see lookup.h).
 */
dmarc_status_t dmarc_check(const dmarc_input_t *in, dmarc_mode_t mode,
                           const dmarc_psl_t *psl, eng_lookup_fn lookup, void *arg,
                           dmarc_result_t *r9989, dmarc_result_t *r7489);

#endif
