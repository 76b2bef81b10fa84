/*
 * checks.c - run DKIM, SPF, DMARC and ARC on one message, in that order.
 */
#include "checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

unsigned eng_checks_available(void)
{
    unsigned c = ENG_CHECK_DKIM;
#ifdef AS_HAVE_SPF
    c |= ENG_CHECK_SPF;
#endif
#ifdef AS_HAVE_DMARC
    c |= ENG_CHECK_DMARC;
#endif
#ifdef AS_HAVE_ARC
    c |= ENG_CHECK_ARC;
#endif
    return c;
}

#ifdef AS_HAVE_SPF
static void run_spf(const eng_ctx_t *ctx, const eng_msg_t *m, int64_t now, eng_verdicts_t *v)
{
    eng_envelope_t *e = &v->env;
    const eng_envelope_opts_t *o = &ctx->cfg->env;
    eng_envelope_get(m, o, ctx->border_by, e);
    v->spf_run = 1;
    memset(&v->spf, 0, sizeof v->spf);
    if (!e->have_ip || !e->have_mailfrom) {
        /* nothing to check without the client and the sender */
        v->spf.result = ENG_NONE;
        snprintf(v->spf.reason, sizeof v->spf.reason, "%s", e->why);
        return;
    }
    spf_input_t in = {
        .af = e->af,
        .mailfrom = slice_cstr(e->mailfrom),
        .helo = slice_cstr(e->helo),
        .receiver = o->receiver,
        .now = now,
    };
    memcpy(in.ip, e->ip, 16);
    spf_limits_t lim = SPF_LIMITS_DEFAULT;
    spf_check(&in, &lim, eng_lookup_wait, ctx->dns, &v->spf);
}
#endif

/* RFC 7489 / 9989: the identity SPF judged is MAIL FROM's domain, or HELO's. */
static slice_t spf_domain(const eng_envelope_t *e)
{
    const char *at = strrchr(e->mailfrom, '@');
    if (e->mailfrom[0])
        return slice_cstr(at ? at + 1 : e->mailfrom);
    return slice_cstr(e->helo);
}

#ifdef AS_HAVE_DMARC
static int run_dmarc(const eng_ctx_t *ctx, const eng_msg_t *m, eng_verdicts_t *v)
{
    size_t nfrom = 0, npass = 0;
    slice_t *from = calloc(m->nf ? m->nf : 1, sizeof *from);
    slice_t *pass = calloc(v->ndkim ? v->ndkim : 1, sizeof *pass);
    if (!from || !pass) {
        free(from);
        free(pass);
        return -1;
    }
    for (size_t i = 0; i < m->nf; i++)
        if (slice_eq_cstr_nocase(m->f[i].name, "from"))
            from[nfrom++] = m->f[i].value;
    for (size_t i = 0; i < v->ndkim; i++)
        if (v->dkim[i].result == ENG_PASS)
            pass[npass++] = v->dkim[i].d;
    dmarc_input_t in = {
        .from = from, .nfrom = nfrom, .dkim_pass = pass, .ndkim_pass = npass,
        .spf_domain = v->spf_run ? spf_domain(&v->env) : SLICE_NULL,
        .spf_result = v->spf_run ? v->spf.result : ENG_NONE,
    };
    v->dmarc_run = 1;
    dmarc_check(&in, (dmarc_mode_t)ctx->cfg->dmarc_mode, ctx->psl, eng_lookup_wait,
                ctx->dns, &v->dmarc9989, &v->dmarc7489);
    free(from);
    free(pass);
    return 0;
}
#endif

int eng_checks_run(const eng_ctx_t *ctx, const eng_msg_t *m, int64_t now, eng_verdicts_t *v)
{
    const eng_config_t *cfg = ctx->cfg;
    unsigned c = cfg->checks;
    memset(v, 0, sizeof *v);
    /* DMARC needs DKIM's passes and SPF's result even when they are not shown */
    if (c & (ENG_CHECK_DKIM | ENG_CHECK_DMARC)) {
        eng_dkim_opts_t o = { now, cfg->legacy, cfg->max_sigs };
        if (eng_dkim_verify(m, ctx->dns, &o, &v->dkim, &v->ndkim) < 0)
            return -1;
    }
#ifdef AS_HAVE_SPF
    if (c & (ENG_CHECK_SPF | ENG_CHECK_DMARC))
        run_spf(ctx, m, now, v);
#endif
#ifdef AS_HAVE_DMARC
    if ((c & ENG_CHECK_DMARC) && run_dmarc(ctx, m, v) < 0)
        return -1;
#endif
#ifdef AS_HAVE_ARC
    if (c & ENG_CHECK_ARC) {
        arc_opts_t ao = { .now = now, .max_instances = 50, .allow_ed25519 = 1 };
        v->arc_run = 1;
        arc_validate(m, ctx->dns, &ao, &v->arc);
    }
#endif
    (void)spf_domain;
    eng_recorded_get(m, cfg->authserv_id, &v->recorded);
    return 0;
}

void eng_verdicts_free(eng_verdicts_t *v)
{
    free(v->dkim);
    v->dkim = NULL;
}
