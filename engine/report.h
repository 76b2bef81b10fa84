/*
 * report.h - turning one message into its JSON line, and the run's tally.
 */
#ifndef AS_ENG_REPORT_H
#define AS_ENG_REPORT_H

#include <stdatomic.h>

#include "checks.h"
#include "dkim_verify.h"
#include "dns.h"
#include "engine.h"
#include "io.h"
#include "json.h"

/* Counts for --summary, updated by every worker. */
typedef struct eng_tally {
    atomic_ullong messages, bytes, errors, signed_msgs, sigs;
    atomic_ullong dkim[ENG_PERMERROR + 1]; /* per eng_result_t */
} eng_tally_t;

/*
 * Verify one message and append its line (with the final "\n") to line.
 * Never fails: problems with the message go in its "error" field.
 */
void eng_report_message(const eng_ctx_t *ctx, const io_msg_t *msg, eng_tally_t *tally,
                        eng_buf_t *line);

void eng_tally_print(const eng_tally_t *t, double seconds);

#endif
