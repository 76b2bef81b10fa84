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
 * One message on its way through the checkers.  A job may yield while a
 * DNS answer is in flight: eng_job_run() then returns 1 and resume(arg, job)
 * is called exactly once, from any thread, when it may run again.  No
 * worker waits for DNS.
 */
typedef struct eng_job {
    const eng_ctx_t *ctx;
    const io_msg_t *msg;
    eng_msg_t m;
    eng_verdicts_t v;
    int parsed, ran;
    const char *error;
    int64_t now;
    /*
     * Why a limit left the message incomplete (v.incomplete: message size,
     * header count) or a field unread; written in place of the verdicts
     * the checks could not give.
     */
    char limit_reason[224];
    atomic_int waits;     /* DNS answers awaited, plus one while a step runs */
    void (*resume)(void *arg, struct eng_job *j);
    void *resume_arg;
} eng_job_t;

/* Parse the message.  The job must be zeroed and ctx, msg, resume set. */
void eng_job_start(eng_job_t *j, eng_tally_t *tally);
/* Run checks until done (0) or until it yields on DNS (1). */
int eng_job_run(eng_job_t *j);
/* Append the line (with its final "\n") and free what the job holds. */
void eng_job_finish(eng_job_t *j, eng_tally_t *tally, eng_buf_t *line);

/*
 * All of the above for one message, waiting for DNS instead of yielding
 * (tests, fuzzing).  Never fails: problems go in the line's "error".
 */
void eng_report_message(const eng_ctx_t *ctx, const io_msg_t *msg, eng_tally_t *tally,
                        eng_buf_t *line);

void eng_tally_print(const eng_tally_t *t, double seconds);

#endif
