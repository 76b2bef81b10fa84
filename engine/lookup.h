/*
 * lookup.h - how policy checkers (SPF, DMARC) ask for DNS answers.
 *
 * A checker is restartable: it asks through an eng_lookup_fn, and when the
 * function says "in flight" (returns NULL with *pending set) the checker
 * stops at once and reports PENDING.  The caller runs it again from the
 * start once the answer lands; every earlier answer is then cached, so the
 * re-run is cheap and deterministic.  That is how a check yields without
 * blocking a worker, whatever the job model around it.
 */
#ifndef AS_ENG_LOOKUP_H
#define AS_ENG_LOOKUP_H

#include "dns.h"

/*
 * Return the answer for (name, type) with a reference the checker releases
 * (dns_answer_release), or NULL with *pending = 1 when it is in flight.
 */
typedef dns_answer_t *(*eng_lookup_fn)(void *arg, slice_t name, uint16_t type,
                                       int *pending);

/* An eng_lookup_fn over a dns_t that waits for answers in flight (arg = dns_t *). */
dns_answer_t *eng_lookup_wait(void *dns, slice_t name, uint16_t type, int *pending);

#endif
