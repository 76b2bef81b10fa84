/*
 * report.c - one message in, one JSON line out (schema version 1).
 *
 * Key order is fixed by the schema: v, source, index, offset, size,
 * message_id, from_domain, dkim, spf, dmarc, arc, auth_results, recorded,
 * error.  A checker left out with --checks is
 * absent from the line.
 */
#include "report.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

/* RFC 6008: header.b carries the first 8 characters of b= (FWS removed). */
static void put_b_prefix(eng_buf_t *line, slice_t b)
{
    char out[8];
    size_t n = 0;
    for (size_t i = 0; i < b.n && n < sizeof out; i++)
        if (!slice_is_wsp(b.p[i]) && b.p[i] != '\r' && b.p[i] != '\n')
            out[n++] = (char)b.p[i];
    eng_json_str(line, slice_make(out, n));
}

static void put_opt(eng_buf_t *line, const char *key, slice_t v, int has)
{
    eng_json_key(line, key, 0);
    if (has)
        eng_json_str(line, v);
    else
        eng_json_null(line);
}

static void put_sig(eng_buf_t *line, const eng_dkim_res_t *r)
{
    eng_json_key(line, "d", 1);
    if (r->has & ENG_DKIM_HAS_D)
        eng_json_str(line, r->d);
    else
        eng_json_null(line);
    put_opt(line, "s", r->s, r->has & ENG_DKIM_HAS_S);
    /* RFC 6376 3.5: an absent i= means "@" d= */
    eng_json_key(line, "i", 0);
    if (r->has & ENG_DKIM_HAS_I) {
        eng_json_str(line, r->i);
    } else if (r->has & ENG_DKIM_HAS_D) {
        eng_buf_t tmp = { 0 };
        eng_buf_put(&tmp, "@", 1);
        eng_buf_put(&tmp, r->d.p, r->d.n);
        eng_json_str(line, slice_make(tmp.p, tmp.n));
        eng_buf_free(&tmp);
    } else {
        eng_json_null(line);
    }
    put_opt(line, "a", r->a, r->has & ENG_DKIM_HAS_A);
    /* RFC 6376 3.5: an absent c= means simple/simple */
    eng_json_key(line, "c", 0);
    if (r->has & ENG_DKIM_HAS_C)
        eng_json_str(line, r->c);
    else
        eng_json_cstr(line, "simple/simple");
    eng_json_key(line, "b", 0);
    if (r->has & ENG_DKIM_HAS_B)
        put_b_prefix(line, r->b);
    else
        eng_json_null(line);
    eng_json_key(line, "key_bits", 0);
    if (r->key_bits)
        eng_json_int(line, r->key_bits);
    else
        eng_json_null(line);
    eng_json_key(line, "result", 0);
    eng_json_cstr(line, eng_result_str(r->result));
    eng_json_key(line, "crypto", 0);
    eng_json_cstr(line, r->crypto < 0 ? NULL : r->crypto ? "pass" : "fail");
    eng_json_key(line, "reason", 0);
    eng_json_cstr(line, r->reason);
}

static void put_dkim(eng_buf_t *line, const eng_dkim_res_t *res, size_t n)
{
    eng_json_key(line, "dkim", 0);
    eng_buf_put(line, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            eng_buf_put(line, ",", 1);
        eng_buf_put(line, "{", 1);
        put_sig(line, &res[i]);
        eng_buf_put(line, "}", 1);
    }
    eng_buf_put(line, "]", 1);
}

static void tally_sigs(eng_tally_t *t, const eng_dkim_res_t *res, size_t n)
{
    if (n)
        atomic_fetch_add(&t->signed_msgs, 1);
    atomic_fetch_add(&t->sigs, n);
    for (size_t i = 0; i < n; i++)
        atomic_fetch_add(&t->dkim[res[i].result], 1);
}

static void put_header_info(eng_buf_t *line, const eng_msg_t *m)
{
    const eng_field_t *mid = m ? eng_msg_find(m, "message-id") : NULL;
    eng_json_key(line, "message_id", 0);
    if (mid)
        eng_json_str(line, slice_trim(mid->value));
    else
        eng_json_null(line);
    const eng_field_t *from = m ? eng_msg_find(m, "from") : NULL;
    char dom[256];
    size_t dn = from ? eng_from_domain(from->value, dom, sizeof dom) : 0;
    eng_json_key(line, "from_domain", 0);
    if (dn)
        eng_json_str(line, slice_make(dom, dn));
    else
        eng_json_null(line);
}

static int64_t message_clock(const eng_config_t *cfg, const eng_msg_t *m)
{
    if (!cfg->now_from_date)
        return cfg->now;
    const eng_field_t *date = eng_msg_find(m, "date");
    long long t = date ? eng_parse_date(date->value) : -1;
    return t >= 0 ? (int64_t)t : cfg->now;
}

static void put_cstr_or_null(eng_buf_t *line, const char *key, const char *v)
{
    eng_json_key(line, key, 0);
    eng_json_cstr(line, v && v[0] ? v : NULL);
}

static void put_bool(eng_buf_t *line, const char *key, int v)
{
    eng_json_key(line, key, 0);
    eng_buf_puts(line, v ? "true" : "false");
}

static void put_spf(eng_buf_t *line, const eng_verdicts_t *v)
{
    const eng_envelope_t *e = &v->env;
    eng_json_key(line, "spf", 0);
    eng_buf_put(line, "{", 1);
    eng_json_key(line, "result", 1);
    eng_json_cstr(line, eng_result_str(v->spf.result));
    put_cstr_or_null(line, "ip", e->have_ip ? e->ip_text : NULL);
    eng_json_key(line, "mailfrom", 0);
    eng_json_cstr(line, e->have_mailfrom ? e->mailfrom : NULL); /* "" is <> */
    put_cstr_or_null(line, "helo", e->have_helo ? e->helo : NULL);
    put_cstr_or_null(line, "reason", v->spf.result == ENG_PASS ? NULL : v->spf.reason);
    put_cstr_or_null(line, "explanation", v->spf.has_explanation ? v->spf.explanation : NULL);
    eng_buf_put(line, "}", 1);
}

static void put_dmarc_fields(eng_buf_t *line, const dmarc_result_t *d)
{
    eng_json_key(line, "result", 1);
    eng_json_cstr(line, eng_result_str(d->result));
    put_cstr_or_null(line, "from_domain", d->from_domain);
    put_cstr_or_null(line, "org_domain", d->org_domain);
    put_cstr_or_null(line, "policy", d->policy);
    put_cstr_or_null(line, "p", d->p);
    put_cstr_or_null(line, "sp", d->sp);
    eng_json_key(line, "pct", 0);
    if (d->pct >= 0)
        eng_json_int(line, d->pct);
    else
        eng_json_null(line);
    /* without a policy record alignment is not evaluated: say so, not "false" */
    if (d->record_domain[0]) {
        put_bool(line, "dkim_aligned", d->dkim_aligned);
        put_bool(line, "spf_aligned", d->spf_aligned);
    } else {
        eng_json_key(line, "dkim_aligned", 0), eng_json_null(line);
        eng_json_key(line, "spf_aligned", 0), eng_json_null(line);
    }
    put_cstr_or_null(line, "np", d->np);
    eng_json_key(line, "psd", 0);
    if (d->psd >= 0)
        eng_buf_puts(line, d->psd ? "true" : "false");
    else
        eng_json_null(line);
    eng_json_key(line, "testing", 0); /* RFC 9989 t=y */
    if (d->testing >= 0)
        eng_buf_puts(line, d->testing ? "true" : "false");
    else
        eng_json_null(line);
    put_cstr_or_null(line, "record_domain", d->record_domain);
    put_cstr_or_null(line, "reason", d->reason);
}

static int dmarc_differs(const dmarc_result_t *a, const dmarc_result_t *b)
{
    return a->result != b->result || strcmp(a->policy, b->policy) != 0 ||
           strcmp(a->org_domain, b->org_domain) != 0 ||
           strcmp(a->record_domain, b->record_domain) != 0;
}

/*
 * The RFC 9989 verdict leads; with --dmarc=7489 the RFC 7489 one does.
 * With --dmarc=both the 7489 verdict is added as "rfc7489" where it differs.
 */
static void put_dmarc(eng_buf_t *line, const eng_config_t *cfg, const eng_verdicts_t *v)
{
    int mode = cfg->dmarc_mode;
    const dmarc_result_t *lead = mode == DMARC_7489 ? &v->dmarc7489 : &v->dmarc9989;
    eng_json_key(line, "dmarc", 0);
    eng_buf_put(line, "{", 1);
    put_dmarc_fields(line, lead);
    if (mode == DMARC_BOTH && dmarc_differs(&v->dmarc9989, &v->dmarc7489)) {
        eng_json_key(line, "rfc7489", 0);
        eng_buf_put(line, "{", 1);
        put_dmarc_fields(line, &v->dmarc7489);
        eng_buf_put(line, "}", 1);
    }
    eng_buf_put(line, "}", 1);
}

static void put_uint_or_null(eng_buf_t *line, const char *key, unsigned v)
{
    eng_json_key(line, key, 0);
    if (v)
        eng_json_int(line, v);
    else
        eng_json_null(line);
}

static void put_arc(eng_buf_t *line, const eng_verdicts_t *v)
{
    const arc_result_t *a = &v->arc;
    eng_json_key(line, "arc", 0);
    eng_buf_put(line, "{", 1);
    eng_json_key(line, "result", 1);
    eng_json_cstr(line, eng_result_str(a->result));
    eng_json_key(line, "instances", 0);
    eng_json_int(line, a->instances);
    put_uint_or_null(line, "failed", a->failed);
    put_uint_or_null(line, "oldest_pass", a->oldest_pass);
    put_cstr_or_null(line, "reason", a->result == ENG_PASS ? NULL : a->reason);
    eng_buf_put(line, "}", 1);
}

/* RFC 8601 resinfo: "; method=result [reason="..."] ptype.prop=value ..." */
static void ar_method(eng_buf_t *ar, const char *method, eng_result_t r, const char *reason)
{
    eng_buf_put(ar, "; ", 2);
    eng_buf_puts(ar, method);
    eng_buf_put(ar, "=", 1);
    eng_buf_puts(ar, eng_result_str(r));
    if (reason && reason[0]) {
        eng_buf_puts(ar, " reason=");
        eng_authres_value(ar, slice_cstr(reason));
    }
}

static void ar_prop(eng_buf_t *ar, const char *prop, slice_t v)
{
    if (v.n == 0)
        return;
    eng_buf_put(ar, " ", 1);
    eng_buf_puts(ar, prop);
    eng_buf_put(ar, "=", 1);
    eng_authres_value(ar, v);
}

static void ar_dkim(eng_buf_t *ar, const eng_verdicts_t *v)
{
    if (v->ndkim == 0)
        ar_method(ar, "dkim", ENG_NONE, NULL);
    for (size_t i = 0; i < v->ndkim; i++) {
        const eng_dkim_res_t *r = &v->dkim[i];
        char b[9] = { 0 };
        size_t n = 0;
        for (size_t k = 0; k < r->b.n && n < 8; k++)
            if (!slice_is_wsp(r->b.p[k]) && r->b.p[k] != '\r' && r->b.p[k] != '\n')
                b[n++] = (char)r->b.p[k];
        ar_method(ar, "dkim", r->result, r->reason);
        ar_prop(ar, "header.d", slice_trim(r->d));
        ar_prop(ar, "header.s", slice_trim(r->s));
        ar_prop(ar, "header.b", slice_make(b, n));
    }
}

/* auth_results: a whole RFC 8601 Authentication-Results value. */
static void put_auth_results(eng_buf_t *line, const eng_config_t *cfg, const eng_verdicts_t *v)
{
    eng_buf_t ar = { 0 };
    eng_authres_value(&ar, slice_cstr(cfg->authserv_id ? cfg->authserv_id : "authsweep"));
    if (cfg->checks & ENG_CHECK_DKIM)
        ar_dkim(&ar, v);
    if (v->spf_run && (cfg->checks & ENG_CHECK_SPF)) {
        ar_method(&ar, "spf", v->spf.result, v->spf.result == ENG_PASS ? NULL : v->spf.reason);
        if (v->env.have_mailfrom && v->env.mailfrom[0])
            ar_prop(&ar, "smtp.mailfrom", slice_cstr(v->env.mailfrom));
        else if (v->env.have_helo)
            ar_prop(&ar, "smtp.helo", slice_cstr(v->env.helo));
    }
    if (v->dmarc_run) {
        const dmarc_result_t *d = cfg->dmarc_mode == DMARC_7489 ? &v->dmarc7489 : &v->dmarc9989;
        ar_method(&ar, "dmarc", d->result, NULL);
        ar_prop(&ar, "header.from", slice_cstr(d->from_domain));
    }
    if (v->arc_run)
        ar_method(&ar, "arc", v->arc.result, NULL);
    eng_json_key(line, "auth_results", 0);
    eng_json_str(line, slice_make(ar.p, ar.n));
    if (ar.oom)
        line->oom = 1;
    eng_buf_free(&ar);
}

static void put_recorded(eng_buf_t *line, const eng_verdicts_t *v)
{
    const eng_recorded_t *r = &v->recorded;
    eng_json_key(line, "recorded", 0);
    if (!r->found) {
        eng_json_null(line);
        return;
    }
    eng_buf_put(line, "{", 1);
    eng_json_key(line, "dkim", 1);
    eng_json_cstr(line, r->dkim[0] ? r->dkim : NULL);
    put_cstr_or_null(line, "spf", r->spf);
    put_cstr_or_null(line, "dmarc", r->dmarc);
    put_cstr_or_null(line, "arc", r->arc);
    eng_buf_put(line, "}", 1);
}

static void put_checks(eng_buf_t *line, const eng_config_t *cfg, const eng_verdicts_t *v,
                       int ran)
{
    unsigned c = cfg->checks;
    if (c & ENG_CHECK_DKIM)
        put_dkim(line, v->dkim, v->ndkim);
    if (!ran) { /* the message could not be read: checkers present, as null */
        if (c & ENG_CHECK_SPF)
            eng_json_key(line, "spf", 0), eng_json_null(line);
        if (c & ENG_CHECK_DMARC)
            eng_json_key(line, "dmarc", 0), eng_json_null(line);
        if (c & ENG_CHECK_ARC)
            eng_json_key(line, "arc", 0), eng_json_null(line);
        eng_json_key(line, "auth_results", 0), eng_json_null(line);
        eng_json_key(line, "recorded", 0), eng_json_null(line);
        return;
    }
    if ((c & ENG_CHECK_SPF) && v->spf_run)
        put_spf(line, v);
    if ((c & ENG_CHECK_DMARC) && v->dmarc_run)
        put_dmarc(line, cfg, v);
    if ((c & ENG_CHECK_ARC) && v->arc_run)
        put_arc(line, v);
    put_auth_results(line, cfg, v);
    put_recorded(line, v);
}

/* 1 if m has a field of an ARC set (RFC 8617 4.1). */
static int is_arc_field(slice_t name)
{
    return slice_eq_cstr_nocase(name, "arc-seal") ||
           slice_eq_cstr_nocase(name, "arc-message-signature") ||
           slice_eq_cstr_nocase(name, "arc-authentication-results");
}

static int has_arc_field(const eng_msg_t *m)
{
    for (size_t i = 0; i < m->nf; i++)
        if (is_arc_field(m->f[i].name))
            return 1;
    return 0;
}

/*
 * A message cut at --max-message-size, or whose header was cut at
 * --max-headers, cannot be judged by the checks that hash it: a body hash
 * over a prefix, or a header selection (RFC 6376 5.4.2, bottom-up) that
 * misses fields below the cut, would give a "fail" (or even a "pass") that
 * says nothing about the message.  Those checks are not run; the checks
 * that need neither (SPF) run as usual.
 */
static void limit_checks(eng_job_t *j, const char *why)
{
    j->v.incomplete = 1; /* DKIM and ARC are filled in by apply_limits() */
    j->error = why;
}

/*
 * The first field over --max-header-size whose value a check or the line
 * reads, or NULL.  Any other field is still hashed from its raw bytes, so
 * the message is fully checked and "error" stays null (README: error).
 */
static const eng_field_t *first_read_too_large(const eng_msg_t *m)
{
    static const char *const read[] = {
        "dkim-signature", "arc-seal", "arc-message-signature", "arc-authentication-results",
        "from", "return-path", "received", "message-id", "date", "authentication-results",
    };
    for (size_t i = m->first_too_large; i < m->nf; i++) {
        if (!m->f[i].too_large)
            continue;
        for (size_t k = 0; k < sizeof read / sizeof read[0]; k++)
            if (slice_eq_cstr_nocase(m->f[i].name, read[k]))
                return &m->f[i];
    }
    return NULL;
}

void eng_job_start(eng_job_t *j, eng_tally_t *tally)
{
    const eng_config_t *cfg = j->ctx->cfg;
    const io_msg_t *msg = j->msg;
    int truncated = 0;

    atomic_fetch_add(&tally->messages, 1);
    atomic_fetch_add(&tally->bytes, msg->size);
    if (msg->err) {
        j->error = msg->errstr ? msg->errstr : "cannot read input";
        return;
    }
    if (eng_msg_parse_capped(&j->m, msg->data, cfg->max_fields, cfg->max_field_size,
                             &truncated) < 0) {
        j->error = "out of memory";
        return;
    }
    j->parsed = 1;
    char *why = j->limit_reason;
    const eng_field_t *f_read;
    if (msg->flags & IO_MSG_DAMAGED) {
        /* first: a stop at --max-gzip-ratio usually cuts a large message too */
        snprintf(why, sizeof j->limit_reason,
                 "%s; this message ends where the readable data end and may be incomplete",
                 msg->errstr ? msg->errstr : "the compressed input is damaged");
        limit_checks(j, why);
    } else if (msg->flags & IO_MSG_TRUNCATED) {
        snprintf(why, sizeof j->limit_reason,
                 "message too large: over the %zu-byte limit (--max-message-size); "
                 "only its first bytes were read",
                 cfg->io.max_msg_size ? cfg->io.max_msg_size : IO_DEFAULT_MAX_MSG);
        limit_checks(j, why);
    } else if (msg->flags & IO_MSG_SHRUNK) {
        snprintf(why, sizeof j->limit_reason,
                 "the input file got shorter while it was read: this message ends where "
                 "the file now ends and may be incomplete");
        limit_checks(j, why);
    } else if (truncated) {
        snprintf(why, sizeof j->limit_reason,
                 "too many header fields: over the %zu-field limit (--max-headers); "
                 "the header was not read in full",
                 cfg->max_fields);
        limit_checks(j, why);
    } else if (j->m.too_large && (f_read = first_read_too_large(&j->m)) != NULL) {
        const eng_field_t *f = f_read;
        snprintf(why, sizeof j->limit_reason,
                 "header too large: a %.*s field of %zu bytes is over the %zu-byte limit "
                 "(--max-header-size); its value was not read",
                 (int)(f->name.n < 40 ? f->name.n : 40), (const char *)f->name.p, f->raw.n,
                 cfg->max_field_size);
        j->error = why;
    }
    j->now = message_clock(cfg, &j->m);
}

static void dmarc_limited(dmarc_result_t *d, const char *why)
{
    d->result = ENG_PERMERROR;
    snprintf(d->reason, sizeof d->reason, "%s", why);
}

/* 1 if data holds a CR not followed by LF. */
static int has_bare_cr(slice_t d)
{
    const uint8_t *p = d.p, *end = d.p + d.n;
    while (p < end && (p = memchr(p, '\r', (size_t)(end - p))) != NULL) {
        if (p + 1 == end || p[1] != '\n')
            return 1;
        p += 2;
    }
    return 0;
}

/*
 * What the archive itself did to a message, said in the DKIM reasons
 * (catalogue A1, A3): a body hash that fails on a message whose ">From "
 * lines were un-quoted may be the archive's doing (mboxo quoting is lossy:
 * qmail mbox(5), RFC 4155), and a pass over bare CRs is flagged because
 * other verifiers may turn them into line breaks (RFC 6376 3.4.4 speaks of
 * CRLF only; we hash the octets as stored).
 */
static void archive_notes(eng_job_t *j)
{
    eng_verdicts_t *v = &j->v;
    int bare_cr = -1;
    for (size_t i = 0; i < v->ndkim; i++) {
        eng_dkim_res_t *r = &v->dkim[i];
        if ((j->msg->flags & IO_MSG_UNQUOTED) && r->result == ENG_FAIL && r->reason &&
            strcmp(r->reason, "body hash did not verify") == 0) {
            snprintf(r->reason_buf, sizeof r->reason_buf,
                     "body hash did not verify; mbox >From un-quoting may explain it "
                     "(mbox_from_quoting)");
            r->reason = r->reason_buf;
        } else if (r->result == ENG_PASS && !r->reason) {
            if (bare_cr < 0)
                bare_cr = has_bare_cr(j->m.data);
            if (bare_cr)
                r->reason = "bare CR in the message: hashed as stored";
        }
    }
}

/*
 * Results a limit made meaningless become permerror with the limit as the
 * reason (RFC 8601 2.7.1: "could not be verified due to some error that is
 * unrecoverable"; a run with the same limits gives the same), never fail.
 * Here: a message cut at --max-message-size or --max-headers, by the end
 * of a file that got shorter while it was read, or where a gzip file's
 * data end early.
 */
#define CUT_BODY (IO_MSG_TRUNCATED | IO_MSG_SHRUNK | IO_MSG_DAMAGED) /* header may be whole */

static void limits_cut(eng_job_t *j)
{
    const eng_config_t *cfg = j->ctx->cfg;
    eng_verdicts_t *v = &j->v;
    const eng_msg_t *m = &j->m;

    /* --max-headers, or a body cut that left no body: the header is not whole */
    int cut_header = !(j->msg->flags & CUT_BODY) || !m->has_body;
    for (size_t i = 0; i < v->ndkim; i++) {
        v->dkim[i].result = ENG_PERMERROR;
        v->dkim[i].reason = j->limit_reason;
    }
    if (cfg->checks & ENG_CHECK_ARC) {
        v->arc_run = 1;
        memset(&v->arc, 0, sizeof v->arc);
        /* the header may hold ARC sets below the cut: say why it is none */
        v->arc.result = has_arc_field(m) ? ENG_PERMERROR : ENG_NONE;
        if (v->arc.result == ENG_PERMERROR || cut_header)
            snprintf(v->arc.reason, sizeof v->arc.reason, "%s", j->limit_reason);
    }
    /* a DMARC fail for want of a DKIM pass we did not look for, or that a
     * lost part of the header may hold, is no verdict */
    int unjudged = v->ndkim > 0 || cut_header;
    if (v->dmarc_run && unjudged) {
        if (v->dmarc9989.result == ENG_FAIL)
            dmarc_limited(&v->dmarc9989, j->limit_reason);
        if (v->dmarc7489.result == ENG_FAIL)
            dmarc_limited(&v->dmarc7489, j->limit_reason);
    }
}

/* The same for fields over --max-header-size whose value a check needed. */
static void limits_field_size(eng_job_t *j)
{
    const eng_config_t *cfg = j->ctx->cfg;
    eng_verdicts_t *v = &j->v;
    const eng_msg_t *m = &j->m;
    /* v->dkim holds one entry per DKIM-Signature field, in header order */
    size_t k = 0;
    const char *unread_sig = NULL;
    for (size_t i = 0; i < m->nf; i++) {
        const eng_field_t *f = &m->f[i];
        if (slice_eq_cstr_nocase(f->name, "dkim-signature") && k++ < v->ndkim &&
            f->too_large) {
            eng_dkim_res_t *r = &v->dkim[k - 1];
            unread_sig = r->reason_buf;
            r->result = ENG_PERMERROR;
            snprintf(r->reason_buf, sizeof r->reason_buf,
                     "header too large: %zu bytes, over the %zu-byte limit (--max-header-size)",
                     f->raw.n, cfg->max_field_size);
            r->reason = r->reason_buf;
        } else if (f->too_large && v->arc_run && is_arc_field(f->name)) {
            v->arc.result = ENG_PERMERROR;
            snprintf(v->arc.reason, sizeof v->arc.reason,
                     "header too large: an %.*s field of %zu bytes is over the %zu-byte "
                     "limit (--max-header-size)",
                     (int)f->name.n, (const char *)f->name.p, f->raw.n, cfg->max_field_size);
        } else if (f->too_large && v->dmarc_run && slice_eq_cstr_nocase(f->name, "from")) {
            /* RFC 7489 6.6.1: the author domain comes from a value we did not read */
            char why[160];
            snprintf(why, sizeof why,
                     "header too large: the From field of %zu bytes is over the %zu-byte "
                     "limit (--max-header-size)",
                     f->raw.n, cfg->max_field_size);
            dmarc_limited(&v->dmarc9989, why);
            dmarc_limited(&v->dmarc7489, why);
        }
    }
    /* a DMARC fail for want of a signature we did not read is no verdict */
    if (unread_sig && v->dmarc_run) {
        if (v->dmarc9989.result == ENG_FAIL)
            dmarc_limited(&v->dmarc9989, unread_sig);
        if (v->dmarc7489.result == ENG_FAIL)
            dmarc_limited(&v->dmarc7489, unread_sig);
    }
}

static void apply_limits(eng_job_t *j)
{
    if (j->v.incomplete)
        limits_cut(j);
    else if (j->m.too_large)
        limits_field_size(j);
}

static void job_wake(void *arg)
{
    eng_job_t *j = arg;
    if (atomic_fetch_sub(&j->waits, 1) == 1)
        j->resume(j->resume_arg, j);
}

/* An eng_lookup_fn that never waits: an answer in flight will wake the job. */
static dns_answer_t *job_lookup(void *arg, slice_t name, uint16_t type, int *pending)
{
    eng_job_t *j = arg;
    atomic_fetch_add(&j->waits, 1);
    dns_answer_t *a = dns_get(j->ctx->dns, name, type, job_wake, j);
    *pending = a == NULL;
    if (a)
        atomic_fetch_sub(&j->waits, 1); /* never the last: the step holds one */
    return a;
}

int eng_job_run(eng_job_t *j)
{
    if (!j->parsed)
        return 0;
    for (;;) {
        atomic_store(&j->waits, 1); /* the step's own hold */
        eng_checks_status_t st =
            eng_checks_step(j->ctx, &j->m, j->now, &j->v, job_lookup, j);
        if (st != ENG_CHECKS_PENDING) {
            if (st == ENG_CHECKS_NOMEM) {
                j->error = "out of memory";
            } else {
                j->ran = 1;
                archive_notes(j);
                apply_limits(j);
            }
            return 0;
        }
        /* every answer it asked for may have landed already: then go on */
        if (atomic_fetch_sub(&j->waits, 1) != 1)
            return 1;
    }
}

void eng_job_finish(eng_job_t *j, eng_tally_t *tally, eng_buf_t *line)
{
    const eng_config_t *cfg = j->ctx->cfg;
    const io_msg_t *msg = j->msg;

    tally_sigs(tally, j->v.dkim, j->v.ndkim);
    if (j->error)
        atomic_fetch_add(&tally->errors, 1);
    eng_buf_puts(line, "{\"v\":");
    eng_buf_putu(line, ENG_SCHEMA_VERSION);
    eng_json_key(line, "source", 0);
    eng_json_cstr(line, msg->source);
    eng_buf_puts(line, ",\"index\":");
    eng_buf_putu(line, msg->index);
    eng_buf_puts(line, ",\"offset\":");
    eng_buf_putu(line, msg->offset);
    eng_buf_puts(line, ",\"size\":");
    eng_buf_putu(line, msg->size);
    put_header_info(line, j->parsed ? &j->m : NULL);
    put_checks(line, cfg, &j->v, j->ran);
    eng_json_key(line, "error", 0);
    eng_json_cstr(line, j->error);
    eng_buf_put(line, "}\n", 2);

    eng_verdicts_free(&j->v);
    if (j->parsed)
        eng_msg_free(&j->m);
    j->parsed = 0;
}

/* ---- the same, synchronously ---- */

typedef struct sync_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int woken;
} sync_wait_t;

static void sync_resume(void *arg, eng_job_t *j)
{
    sync_wait_t *w = arg;
    (void)j;
    pthread_mutex_lock(&w->mu);
    w->woken = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void eng_report_message(const eng_ctx_t *ctx, const io_msg_t *msg, eng_tally_t *tally,
                        eng_buf_t *line)
{
    sync_wait_t w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
    eng_job_t j;
    memset(&j, 0, sizeof j);
    j.ctx = ctx;
    j.msg = msg;
    j.resume = sync_resume;
    j.resume_arg = &w;
    eng_job_start(&j, tally);
    while (eng_job_run(&j)) {
        pthread_mutex_lock(&w.mu);
        while (!w.woken)
            pthread_cond_wait(&w.cv, &w.mu);
        w.woken = 0;
        pthread_mutex_unlock(&w.mu);
    }
    eng_job_finish(&j, tally, line);
}

void eng_tally_print(const eng_tally_t *t, double seconds)
{
    unsigned long long msgs = atomic_load(&t->messages);
    double mb = (double)atomic_load(&t->bytes) / 1e6;
    fprintf(stderr, "\nsummary\n");
    fprintf(stderr, "  messages              %llu (%.1f MB, %.0f msg/s, %.1f MB/s)\n", msgs,
            mb, seconds > 0 ? (double)msgs / seconds : 0.0, seconds > 0 ? mb / seconds : 0.0);
    fprintf(stderr, "  with an error         %llu\n", atomic_load(&t->errors));
    fprintf(stderr, "  with DKIM signatures  %llu\n", atomic_load(&t->signed_msgs));
    fprintf(stderr, "  DKIM signatures       %llu\n", atomic_load(&t->sigs));
    for (int r = ENG_PASS; r <= ENG_PERMERROR; r++) {
        unsigned long long c = atomic_load(&t->dkim[r]);
        if (c)
            fprintf(stderr, "    %-20s%llu\n", eng_result_str((eng_result_t)r), c);
    }
}
