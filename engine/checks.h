/*
 * checks.h - every verdict of one message, and the checkers that fill it.
 *
 * The order is fixed by what each check needs: DKIM first (DMARC aligns
 * with its passes), SPF from the recovered envelope, DMARC from both, ARC
 * on its own; then what the archive itself recorded at delivery.
 */
#ifndef AS_ENG_CHECKS_H
#define AS_ENG_CHECKS_H

#include <regex.h>

#include "arc.h"
#include "authres.h"
#include "dkim_verify.h"
#include "dmarc.h"
#include "dns.h"
#include "engine.h"
#include "envelope.h"
#include "msg.h"
#include "spf.h"

/* What the checkers share for the whole run (read-only once built). */
typedef struct eng_ctx {
    const eng_config_t *cfg;
    dns_t *dns;
    dmarc_psl_t *psl;      /* NULL unless DMARC runs */
    regex_t *border_by;    /* cfg->env.border_by compiled, or NULL */
} eng_ctx_t;

typedef struct eng_verdicts {
    /*
     * Set before the first step when a limit cut the message (its size, its
     * header count): every DKIM signature is listed and none verified, ARC
     * is not run (the report says why in their place).
     */
    int incomplete;
    unsigned done;         /* ENG_STEP_* finished (a check can yield and resume) */
    eng_bodyhashes_t bodyhash; /* hashed while the keys were in flight */
    eng_dkim_res_t *dkim;  /* malloc'd */
    size_t ndkim;
    int spf_run;
    eng_envelope_t env;
    spf_result_t spf;
    int dmarc_run;
    dmarc_result_t dmarc9989, dmarc7489;
    int arc_run;
    arc_result_t arc;
    eng_recorded_t recorded;
} eng_verdicts_t;

enum { ENG_STEP_PREFETCH = 1, ENG_STEP_DKIM = 2, ENG_STEP_SPF = 4, ENG_STEP_DMARC = 8,
       ENG_STEP_ARC = 16 };

typedef enum { ENG_CHECKS_DONE = 0, ENG_CHECKS_PENDING, ENG_CHECKS_NOMEM } eng_checks_status_t;

/*
 * Run the selected checks on m, resuming where the last call stopped
 * (v must be zeroed before the first call).  nb_lookup never waits: when it
 * reports an answer in flight it has arranged for the job to be woken, and
 * this returns ENG_CHECKS_PENDING; call again once woken.  The first step
 * asks for every key the message's signatures and seals need at once, so a
 * message waits for all of them together, not one after another.
 */
eng_checks_status_t eng_checks_step(const eng_ctx_t *ctx, const eng_msg_t *m, int64_t now,
                                    eng_verdicts_t *v, eng_lookup_fn nb_lookup, void *arg);
void eng_verdicts_free(eng_verdicts_t *v);

#endif
