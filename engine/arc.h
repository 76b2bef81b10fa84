/*
 * arc.h - ARC, RFC 8617, as a validator.
 */
#ifndef AS_ENG_ARC_H
#define AS_ENG_ARC_H

#include <stdint.h>

#include "dns.h"
#include "msg.h"
#include "result.h"

typedef struct arc_opts {
    int64_t now;           /* clock for t=/x= where they apply */
    unsigned max_instances;/* RFC 8617 4.2.1: at most 50 (0 or more than 50 mean 50) */
    int allow_ed25519;     /* accept ed25519-sha256 seals/signatures (ARC-MULTI); default 1 */
} arc_opts_t;

typedef struct arc_result {
    eng_result_t result;   /* none pass fail (RFC 8617 4.1.3 cv values) */
    unsigned instances;    /* N, the highest instance found (0 when none) */
    unsigned failed;       /* the instance that failed validation, 0 if none or unknown */
    unsigned oldest_pass;  /* RFC 8617 5.2 step 5: the lowest M such that the AMSs M..N all
                              validate (1 when all do, where the RFC writes 0); 0 when the
                              latest AMS was not verified or failed */
    char reason[256];      /* empty for none and pass; else for people:
                              "AS i=2: signature did not verify",
                              "instance 2 has 2 ARC-Seal fields", ... */
} arc_result_t;

/*
 * Validate the ARC chain of m (waits for DNS answers through engine/keys.h).
 * Every error, DNS failures and out-of-memory included, is a fail with a
 * reason (RFC 8617 5.2.1).  rsa-sha1 and RSA keys under 1024 bits fail.
 */
void arc_validate(const eng_msg_t *m, dns_t *dns, const arc_opts_t *o, arc_result_t *r);

/*
 * 1 if m has ARC fields that form a chain worth fetching keys for; 0 when
 * there are none, or when arc_validate() will fail the chain on its shape
 * alone (RFC 8617 5.2 steps 1-3: more than max_instances sets, an instance
 * outside 1..50, a set member missing or repeated, a cv= out of place),
 * which it does before any DNS query or crypto.  For a caller that
 * prefetches keys: skipping those keeps a hostile chain from costing DNS.
 */
int arc_chain_precheck(const eng_msg_t *m, unsigned max_instances);

#endif
