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
    unsigned max_instances;/* RFC 8617 4.2.1: at most 50 */
    int allow_ed25519;     /* accept ed25519-sha256 seals/signatures (ARC-MULTI); default 1 */
} arc_opts_t;

typedef struct arc_result {
    eng_result_t result;   /* none pass fail (RFC 8617 4.1.3 cv values) */
    unsigned instances;    /* N, the highest instance found (0 when none) */
    unsigned failed;       /* the instance that failed validation, 0 if none */
    unsigned oldest_pass;  /* RFC 8617 5.2: oldest AMS instance that validates, 0 if none */
    char reason[256];      /* null when pass; else for people: "AS i=2 did not verify",
                              "instance 2 has two ARC-Seal fields", ... */
} arc_result_t;

/* Validate the ARC chain of m (waits for DNS answers through engine/keys.h). */
void arc_validate(const eng_msg_t *m, dns_t *dns, const arc_opts_t *o, arc_result_t *r);

#endif
