/*
 * dkim_verify.h - verify every DKIM-Signature of a message (RFC 6376 6).
 */
#ifndef AS_ENG_DKIM_VERIFY_H
#define AS_ENG_DKIM_VERIFY_H

#include <stdint.h>

#include "crypto.h"
#include "dns.h"
#include "msg.h"
#include "result.h"

typedef struct eng_dkim_opts {
    int64_t now;        /* clock for x= and t= */
    int legacy;         /* accept rsa-sha1 and 512..1023-bit RSA (RFC 8301 relaxed) */
    unsigned max_sigs;  /* signatures verified per message; later ones get policy */
} eng_dkim_opts_t;

/*
 * Seconds a t= may lie ahead of the clock before it counts as "in the
 * future".  A day: senders with a wrong time zone are common, and a
 * signature a few hours "early" is still a real one (dkimpy allows hours
 * too; mail-auth's 004.txt vector is 5.3 h ahead of its clock).
 */
#define ENG_DKIM_T_SLACK 86400

typedef struct eng_dkim_res {
    /* tag values as written, for the output line (slices of the message) */
    slice_t d, s, i, a, c, b;
    unsigned has; /* ENG_DKIM_HAS_* */
    unsigned key_bits;    /* 0: no key was parsed */
    eng_result_t result;
    int crypto;           /* -1 not attempted, 0 fail, 1 pass */
    const char *reason;   /* NULL for pass; points at reason_buf or static text */
    char reason_buf[96];
} eng_dkim_res_t;

enum {
    ENG_DKIM_HAS_D = 1, ENG_DKIM_HAS_S = 2, ENG_DKIM_HAS_I = 4, ENG_DKIM_HAS_A = 8,
    ENG_DKIM_HAS_C = 16, ENG_DKIM_HAS_B = 32
};

/* Body hashes of one message, one per distinct (c= body, a= hash, l=). */
#define ENG_MAX_BODYHASH 8
typedef struct eng_bodyhash {
    crypto_canon_t canon;
    crypto_hash_alg_t alg;
    int64_t l;
    uint8_t digest[CRYPTO_MAX_DIGEST];
    size_t dlen;
    uint64_t canon_len;  /* the whole canonical body, for the l= check */
} eng_bodyhash_t;

typedef struct eng_bodyhashes {
    eng_bodyhash_t bh[ENG_MAX_BODYHASH];
    size_t n;
} eng_bodyhashes_t;

/*
 * Hash the body for every usable signature (the first max_sigs), so the
 * work is done while the keys are still in flight.  Returns -1 on
 * out-of-memory.
 */
int eng_dkim_prehash(const eng_msg_t *m, unsigned max_sigs, eng_bodyhashes_t *bhs);

/*
 * Verify the message's DKIM-Signature fields in header order, top first.
 * bhs (may be NULL) holds body hashes already computed and gets new ones.
 * *out is an array of *n results (malloc'd; free()); returns 0, or -1 on
 * out-of-memory.  DNS answers come from dns; until the job model of the
 * throughput issue lands, an answer in flight is waited for here.
 */
int eng_dkim_verify(const eng_msg_t *m, dns_t *dns, const eng_dkim_opts_t *o,
                    eng_bodyhashes_t *bhs, eng_dkim_res_t **out, size_t *n);

/*
 * Choose the header fields an h= list signs (RFC 6376 5.4.2): for each name
 * in order, the lowest field of that name not chosen yet.  Writes field
 * indices to out (room for nnames) and returns how many; names with no field
 * left choose nothing.  Returns (size_t)-1 on out-of-memory.
 */
size_t eng_dkim_select(const eng_msg_t *m, const slice_t *names, size_t nnames,
                       size_t *out);

#endif
