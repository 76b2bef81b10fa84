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

/* Run the selected checks on m.  Returns 0, or -1 on out-of-memory. */
int eng_checks_run(const eng_ctx_t *ctx, const eng_msg_t *m, int64_t now,
                   eng_verdicts_t *v);
void eng_verdicts_free(eng_verdicts_t *v);

#endif
