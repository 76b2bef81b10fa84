/*
 * checks.c - run DKIM, SPF, DMARC and ARC on one message, in that order,
 * as steps that may yield on DNS and resume.
 */
#include "checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "dkim.h"
#include "dkim_tags_internal.h"
#include "lookup.h"

unsigned eng_checks_available(void)
{
    return ENG_CHECK_ALL;
}

/* ---- prefetch: every key name the message will need ---- */

static int prefetch_one(slice_t sel, slice_t dom, eng_lookup_fn lookup, void *arg)
{
    char name[512];
    static const char mid[] = "._domainkey.";
    int pending = 0;
    /* Catalogue C6: a d= or s= the verifier will refuse (NUL, '(', empty
     * label, over 253 octets) must not reach DNS even as a prefetch. */
    if (!dkim_valid_name(sel) || !dkim_valid_name(dom) ||
        sel.n + dom.n + sizeof mid > sizeof name)
        return 0;
    memcpy(name, sel.p, sel.n);
    memcpy(name + sel.n, mid, sizeof mid - 1);
    memcpy(name + sel.n + sizeof mid - 1, dom.p, dom.n);
    dns_answer_t *a = lookup(arg, slice_make(name, sel.n + sizeof mid - 1 + dom.n),
                             DNS_T_TXT, &pending);
    if (a)
        dns_answer_release(a);
    return pending;
}

/*
 * Ask for the keys of DKIM signatures, ARC message signatures and seals.
 * The checkers themselves then find them cached.  Parsing tags twice is
 * cheap next to a DNS round trip.
 */
static int prefetch_keys(const eng_ctx_t *ctx, const eng_msg_t *m, unsigned c,
                         unsigned max_sigs, eng_lookup_fn lookup, void *arg)
{
    int pending = 0;
    size_t nsig = 0;
    int arc_ok = -1; /* is the ARC chain worth keys?  Asked at its first field */
    dkim_taglist_t *tl = malloc(sizeof *tl);
    if (!tl)
        return 0; /* the checkers will ask one by one */
    for (size_t i = 0; i < m->nf; i++) {
        slice_t n = m->f[i].name;
        int dkim = (c & (ENG_CHECK_DKIM | ENG_CHECK_DMARC)) &&
                   slice_eq_cstr_nocase(n, "dkim-signature") && nsig++ < max_sigs;
        int arc = (c & ENG_CHECK_ARC) && (slice_eq_cstr_nocase(n, "arc-message-signature") ||
                                          slice_eq_cstr_nocase(n, "arc-seal"));
        /* RFC 8617 5.2 steps 1-3: a chain that fails on its shape (too many
         * sets, i= out of range, a gap) needs no key at all (catalogue F1) */
        if (arc && arc_ok < 0)
            arc_ok = arc_chain_precheck(m, ctx->cfg->max_arc);
        arc = arc && arc_ok;
        if (!dkim && !arc)
            continue;
        dkim_taglist_parse(m->f[i].value, tl); /* keeps the tags before an error */
        const dkim_tag_t *s = dkim_taglist_get(tl, "s"), *d = dkim_taglist_get(tl, "d");
        if (s && d)
            pending |= prefetch_one(s->value, d->value, lookup, arg);
    }
    free(tl);
    return pending;
}

/* ---- SPF ---- */

static eng_checks_status_t run_spf(const eng_ctx_t *ctx, const eng_msg_t *m, int64_t now,
                                   eng_verdicts_t *v, eng_lookup_fn lookup, void *arg)
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
        return ENG_CHECKS_DONE;
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
    lim.lookups = ctx->cfg->spf_max_lookups;
    lim.void_lookups = ctx->cfg->spf_max_void;
    lim.depth = ctx->cfg->max_depth;
    return spf_check(&in, &lim, lookup, arg, &v->spf) == SPF_PENDING ? ENG_CHECKS_PENDING
                                                                     : ENG_CHECKS_DONE;
}

/* RFC 7489 / 9989: the identity SPF judged is MAIL FROM's domain, or HELO's. */
static slice_t spf_domain(const eng_envelope_t *e)
{
    const char *at = strrchr(e->mailfrom, '@');
    if (e->mailfrom[0])
        return slice_cstr(at ? at + 1 : e->mailfrom);
    return slice_cstr(e->helo);
}

/* ---- DMARC ---- */

static eng_checks_status_t run_dmarc(const eng_ctx_t *ctx, const eng_msg_t *m,
                                     eng_verdicts_t *v, eng_lookup_fn lookup, void *arg)
{
    size_t nfrom = 0, npass = 0;
    slice_t *from = calloc(m->nf ? m->nf : 1, sizeof *from);
    slice_t *pass = calloc(v->ndkim ? v->ndkim : 1, sizeof *pass);
    if (!from || !pass) {
        free(from);
        free(pass);
        return ENG_CHECKS_NOMEM;
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
    dmarc_status_t st = dmarc_check(&in, (dmarc_mode_t)ctx->cfg->dmarc_mode, ctx->psl, lookup,
                                    arg, &v->dmarc9989, &v->dmarc7489);
    free(from);
    free(pass);
    return st == DMARC_PENDING ? ENG_CHECKS_PENDING : ENG_CHECKS_DONE;
}

/* ---- the sequence ---- */

/* Run step `bit` once; a PENDING step runs again (from its start) next call. */
#define STEP(bit, expr)                                                         \
    do {                                                                        \
        if (!(v->done & (bit))) {                                               \
            eng_checks_status_t st_ = (expr);                                   \
            if (st_ != ENG_CHECKS_DONE)                                         \
                return st_;                                                     \
            v->done |= (bit);                                                   \
        }                                                                       \
    } while (0)

static eng_checks_status_t run_dkim(const eng_ctx_t *ctx, const eng_msg_t *m, int64_t now,
                                    unsigned max_sigs, eng_verdicts_t *v)
{
    eng_dkim_opts_t o = { now, ctx->cfg->legacy, max_sigs };
    return eng_dkim_verify(m, ctx->dns, &o, &v->bodyhash, &v->dkim, &v->ndkim) < 0
               ? ENG_CHECKS_NOMEM
               : ENG_CHECKS_DONE;
}

static eng_checks_status_t run_arc(const eng_ctx_t *ctx, const eng_msg_t *m, int64_t now,
                                   eng_verdicts_t *v)
{
    arc_opts_t ao = { .now = now, .max_instances = ctx->cfg->max_arc, .allow_ed25519 = 1 };
    v->arc_run = 1;
    arc_validate(m, ctx->dns, &ao, &v->arc);
    return ENG_CHECKS_DONE;
}

eng_checks_status_t eng_checks_step(const eng_ctx_t *ctx, const eng_msg_t *m, int64_t now,
                                    eng_verdicts_t *v, eng_lookup_fn lookup, void *arg)
{
    unsigned c = ctx->cfg->checks;
    unsigned max_sigs = ctx->cfg->max_sigs;
    if (v->incomplete) {
        c &= ~ENG_CHECK_ARC;
        max_sigs = 0; /* every signature listed, none verified */
    }
    if (!(v->done & ENG_STEP_PREFETCH)) {
        v->done |= ENG_STEP_PREFETCH;
        /* a zone file answers at once: a prefetch would only parse twice */
        if (!dns_answers_at_once(ctx->dns) && prefetch_keys(ctx, m, c, max_sigs, lookup, arg)) {
            /* the body hash needs no key: do it while the keys travel */
            if ((c & (ENG_CHECK_DKIM | ENG_CHECK_DMARC)) &&
                eng_dkim_prehash(m, max_sigs, &v->bodyhash) < 0)
                return ENG_CHECKS_NOMEM;
            return ENG_CHECKS_PENDING;
        }
    }
    /* DMARC needs DKIM's passes and SPF's result even when they are not shown */
    if (c & (ENG_CHECK_DKIM | ENG_CHECK_DMARC))
        STEP(ENG_STEP_DKIM, run_dkim(ctx, m, now, max_sigs, v));
    if (c & (ENG_CHECK_SPF | ENG_CHECK_DMARC))
        STEP(ENG_STEP_SPF, run_spf(ctx, m, now, v, lookup, arg));
    if (c & ENG_CHECK_DMARC)
        STEP(ENG_STEP_DMARC, run_dmarc(ctx, m, v, lookup, arg));
    if (c & ENG_CHECK_ARC)
        STEP(ENG_STEP_ARC, run_arc(ctx, m, now, v));
    eng_recorded_get(m, ctx->cfg->authserv_id, &v->recorded);
    return ENG_CHECKS_DONE;
}

void eng_verdicts_free(eng_verdicts_t *v)
{
    free(v->dkim);
    v->dkim = NULL;
}
