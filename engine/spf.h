/*
 * spf.h - SPF, RFC 7208, for a checker: check_host() over the DNS layer.
 */
#ifndef AS_ENG_SPF_H
#define AS_ENG_SPF_H

#include <stdint.h>

#include "lookup.h"
#include "result.h"
#include "slice.h"

typedef struct spf_input {
    int af;               /* AF_INET or AF_INET6 */
    uint8_t ip[16];       /* network order; IPv4 in ip[0..3] */
    slice_t mailfrom;     /* MAIL FROM address (no <>); empty: the HELO identity
                             postmaster@helo is checked (RFC 7208 2.3, 2.4) */
    slice_t helo;         /* HELO/EHLO name */
    const char *receiver; /* %{r} (RFC 7208 7.3); NULL: "unknown" */
    int64_t now;          /* %{t} */
} spf_input_t;

typedef struct spf_limits {
    unsigned lookups;     /* DNS-querying terms, RFC 7208 4.6.4: 10 */
    unsigned void_lookups;/* RFC 7208 4.6.4: 2 */
    unsigned mx_names;    /* RFC 7208 4.6.4: 10 */
    unsigned ptr_names;   /* RFC 7208 4.6.4: 10 */
    unsigned depth;       /* include/redirect nesting (--max-depth): 10 */
} spf_limits_t;
#define SPF_LIMITS_DEFAULT ((spf_limits_t){ 10, 2, 10, 10, 10 })

typedef struct spf_result {
    eng_result_t result;  /* pass fail softfail neutral none temperror permerror */
    char domain[256];     /* the domain whose record was checked first (MAIL FROM's or HELO's) */
    char reason[256];     /* for people: "matched ip4:192.0.2.0/24", "no SPF record",
                             "too many DNS lookups (limit 10)", "DNS timeout for x.example" */
    int has_explanation;  /* fail with an exp= that expanded */
    char explanation[512];
} spf_result_t;

typedef enum { SPF_DONE = 0, SPF_PENDING } spf_status_t;

/*
 * check_host() for the MAIL FROM identity (or the HELO identity when
 * mailfrom is empty).  Returns SPF_PENDING if lookup said an answer is in
 * flight (run again later, see lookup.h), else SPF_DONE with *res filled.
 */
spf_status_t spf_check(const spf_input_t *in, const spf_limits_t *lim,
                       eng_lookup_fn lookup, void *arg, spf_result_t *res);

#endif
