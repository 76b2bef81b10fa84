/*
 * dnswait.h - getting a DNS answer from inside a checker.
 *
 * Until the job model of the throughput issue lands (a job yields and is
 * resumed when its answer arrives), a checker that meets an answer still in
 * flight waits for it here.  Checkers are written as resumable steps where
 * they can be (SPF asks for one name at a time), so only this file changes
 * when yielding arrives.
 */
#ifndef AS_ENG_DNSWAIT_H
#define AS_ENG_DNSWAIT_H

#include "dns.h"

/*
 * The answer for (name, type), waiting if it is in flight.  NULL only if
 * the cache kept answering "in flight" (treated as a temporary failure).
 */
dns_answer_t *eng_dns_get_wait(dns_t *dns, slice_t name, uint16_t type);

#endif
