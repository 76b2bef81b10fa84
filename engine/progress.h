/*
 * progress.h - a live progress line on stderr.
 *
 * Messages, MB, msg/s, MB/s, DNS queries in flight and an ETA from the
 * input sizes, refreshed four times a second from its own thread (never per
 * message).  On a terminal the line is redrawn in place; otherwise one line
 * a second is written.
 */
#ifndef AS_ENG_PROGRESS_H
#define AS_ENG_PROGRESS_H

#include "dns.h"
#include "engine.h"
#include "report.h"

typedef struct eng_progress eng_progress_t;

/* Start it (NULL if it could not start: progress is never essential). */
eng_progress_t *eng_progress_start(const eng_config_t *cfg, const eng_tally_t *t,
                                   dns_t *dns);
/* Stop and erase the line, so the run's last stderr line stays last. */
void eng_progress_stop(eng_progress_t *p);

/* Total bytes under the input paths (files, directories walked); 0 for stdin. */
uint64_t eng_input_bytes(const char *const *paths, size_t n);

#endif
