/*
 * arc_parse.c - ARC header fields (RFC 8617 4.1) and the structure of the
 * chain (5.2 steps 1-3).  The AMS and AS tag lists reuse the DKIM tag-list
 * parser (RFC 6376 3.2); what differs from DKIM is checked here.
 */
#include <stdio.h>
#include <string.h>

#include "arc_internal.h"
#include "dkim_tags_internal.h"

static const char *const kind_names[ARC_NKINDS] = {
    "ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"
};
static const char *const kind_short[ARC_NKINDS] = { "AAR", "AMS", "AS" };

int arc_field_kind(slice_t name)
{
    for (int k = 0; k < ARC_NKINDS; k++)
        if (slice_eq_cstr_nocase(name, kind_names[k]))
            return k;
    return -1;
}

const char *arc_kind_name(arc_kind_t k)
{
    return (unsigned)k < ARC_NKINDS ? kind_names[k] : "?";
}

const char *arc_kind_short(arc_kind_t k)
{
    return (unsigned)k < ARC_NKINDS ? kind_short[k] : "?";
}

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

unsigned arc_instance_value(slice_t v)
{
    unsigned x = 0;

    /* 3.9: position = 1*2DIGIT; a few leading zeros are harmless, but no
     * more digits than fit comfortably in an unsigned. */
    if (v.n == 0 || v.n > 9)
        return 0;
    for (size_t i = 0; i < v.n; i++) {
        if (!is_digit(v.p[i]))
            return 0;
        x = x * 10 + (unsigned)(v.p[i] - '0');
    }
    return x;
}

/* ---- CFWS (RFC 5322 3.2.2), for the AAR's instance prefix ---- */

#define MAX_COMMENT_DEPTH 32

/*
 * Length of the comment starting at s.p[i] == '(' (nested comments and
 * quoted-pairs allowed), or 0 if it is unterminated or nested too deep.
 */
static size_t comment_len(slice_t s, size_t i)
{
    size_t j = i;
    unsigned depth = 0;

    while (j < s.n) {
        uint8_t c = s.p[j];
        if (c == '\\') {
            j += 2; /* quoted-pair: the next byte is literal */
            continue;
        }
        j++;
        if (c == '(') {
            if (++depth > MAX_COMMENT_DEPTH)
                return 0;
        } else if (c == ')') {
            if (--depth == 0)
                return j - i;
        }
    }
    return 0;
}

static size_t skip_cfws(slice_t s, size_t i)
{
    for (;;) {
        size_t w = dkim_fws_len(s, i);
        if (w) {
            i += w;
            continue;
        }
        if (i < s.n && s.p[i] == '(' && (w = comment_len(s, i)) != 0) {
            i += w;
            continue;
        }
        return i;
    }
}

const char *arc_aar_parse(slice_t v, unsigned *inst, slice_t *payload)
{
    size_t i = skip_cfws(v, 0);

    *inst = 0;
    *payload = SLICE_NULL;
    /* 3.9: instance = [CFWS] %s"i" [CFWS] "=" [CFWS] position */
    if (i >= v.n || v.p[i] != 'i')
        return "no i= at the start";
    i = skip_cfws(v, i + 1);
    if (i >= v.n || v.p[i] != '=')
        return "no i= at the start";
    i = skip_cfws(v, i + 1);
    size_t d = i;
    while (i < v.n && is_digit(v.p[i]))
        i++;
    unsigned x = arc_instance_value(slice_make(v.p + d, i - d));
    if (x == 0)
        return "invalid i=";
    /* 4.1.1: arc-info = instance [CFWS] ";" authres-payload */
    i = skip_cfws(v, i);
    if (i >= v.n || v.p[i] != ';')
        return "no ';' after i=";
    *inst = x;
    *payload = slice_make(v.p + i + 1, v.n - i - 1);
    return NULL;
}

/* ---- AMS and AS tag lists ---- */

static slice_t tag_value(const dkim_taglist_t *tl, const char *name, int *has)
{
    const dkim_tag_t *t = dkim_taglist_get(tl, name);

    if (has)
        *has = t != NULL;
    return t ? t->value : SLICE_NULL;
}

static const char *instance_of(const dkim_taglist_t *tl, unsigned *inst)
{
    int has;
    slice_t v = tag_value(tl, "i", &has);

    if (!has)
        return "missing i=";
    *inst = arc_instance_value(v);
    return *inst ? NULL : "invalid i=";
}

/* 3.9 chain-status = ("none" / "fail" / "pass"); ABNF literals ignore case. */
static arc_cv_t cv_of(const dkim_taglist_t *tl)
{
    int has;
    slice_t v = tag_value(tl, "cv", &has);

    if (!has)
        return ARC_CV_MISSING;
    if (slice_eq_cstr_nocase(v, "none"))
        return ARC_CV_NONE;
    if (slice_eq_cstr_nocase(v, "pass"))
        return ARC_CV_PASS;
    if (slice_eq_cstr_nocase(v, "fail"))
        return ARC_CV_FAIL;
    return ARC_CV_INVALID;
}

const char *arc_sig_instance(slice_t value, unsigned *inst, arc_cv_t *cv)
{
    dkim_taglist_t tl;
    const char *why = dkim_taglist_parse(value, &tl);

    *inst = 0;
    if (cv)
        *cv = ARC_CV_MISSING;
    if (why)
        return why;
    if (cv)
        *cv = cv_of(&tl);
    return instance_of(&tl, inst);
}


/* RFC 6376 3.5 a=; which ones ARC accepts is the validator's decision. */
static const char *check_a(arc_sig_t *s)
{
    return dkim_parse_a(s->a, &s->keytype, &s->hash);
}

/*
 * RFC 6376 3.5 c=: header["/"body].  DKIM's default is simple/simple, but
 * an AMS without c= is relaxed/relaxed: the ARC test suite says so
 * (ams_fields_c_na passes only that way), dkimpy does the same,
 * and ARC sealers sign relaxed/relaxed.  A single name still means
 * "<name>/simple" as in DKIM.
 */
static const char *check_c(const dkim_taglist_t *tl, arc_sig_t *s)
{
    int has;
    slice_t c = tag_value(tl, "c", &has);

    s->hcanon = s->bcanon = CRYPTO_CANON_RELAXED;
    return has ? dkim_parse_c(c, &s->hcanon, &s->bcanon) : NULL;
}

/* RFC 6376 3.5 q=: "dns/txt" is the only method. */
static const char *check_q(const dkim_taglist_t *tl)
{
    int has;
    slice_t q = tag_value(tl, "q", &has), m;
    dkim_list_t l;

    if (!has)
        return NULL;
    dkim_list_init(&l, q);
    while (dkim_list_next(&l, &m))
        if (slice_eq_cstr_nocase(m, "dns/txt"))
            return NULL;
    return "unknown query method";
}

static const char *check_names(const dkim_taglist_t *tl, arc_sig_t *s)
{
    s->domain = tag_value(tl, "d", NULL);
    s->selector = tag_value(tl, "s", NULL);
    if (s->domain.n == 0)
        return "empty d=";
    if (!dkim_valid_name(s->domain))
        return "syntax: d=";
    if (s->selector.n == 0)
        return "empty s=";
    if (!dkim_valid_name(s->selector))
        return "syntax: s=";
    return NULL;
}

/*
 * AMS h=: the DKIM list, but the suite (ams_fields_h_empty, _mis_hdr)
 * passes an empty h= and empty items, and RFC 8617 drops DKIM's "From
 * MUST be signed" (the AMS signs what the sealer chose).  Empty names
 * select nothing (RFC 6376 5.4.2), so they are skipped.
 */
static const char *check_h(const dkim_taglist_t *tl, arc_sig_t *s)
{
    dkim_list_t l;
    slice_t name;

    s->nh = 0;
    dkim_list_init(&l, tag_value(tl, "h", NULL));
    while (dkim_list_next(&l, &name)) {
        if (name.n == 0)
            continue;
        for (size_t i = 0; i < name.n; i++)
            if (name.p[i] <= ' ' || name.p[i] >= 0x7f) /* RFC 5322 ftext */
                return "syntax: h=";
        if (s->nh == DKIM_MAX_H)
            return "too many header names in h=";
        s->h[s->nh++] = name;
    }
    return NULL;
}

static const char *check_times(const dkim_taglist_t *tl, arc_sig_t *s, int ams)
{
    int has;
    slice_t v = tag_value(tl, "t", &has);

    if (has && dkim_parse_digits(v, &s->t) != 0)
        return "syntax: t=";
    if (!ams) /* 4.1.3: only i, a, b, d, s, t (and cv) apply to a seal */
        return NULL;
    v = tag_value(tl, "x", &has);
    if (has && dkim_parse_digits(v, &s->x) != 0)
        return "syntax: x=";
    v = tag_value(tl, "l", &has);
    if (has && dkim_parse_digits(v, &s->l) != 0)
        return "syntax: l=";
    if (s->t >= 0 && s->x >= 0 && s->x < s->t)
        return "x= earlier than t=";
    return NULL;
}

static const char *check_bh(const dkim_taglist_t *tl, arc_sig_t *s)
{
    slice_t bh = tag_value(tl, "bh", NULL);
    size_t n;

    if (bh.n == 0)
        return "empty bh=";
    /* decoded into sig[] first: a bh= too long for any hash can only fail */
    if (crypto_b64_decode(bh, s->sig, sizeof s->sig, &n) != 0)
        return "bh= not base64";
    s->bhlen = n <= sizeof s->bh ? n : 0;
    memcpy(s->bh, s->sig, s->bhlen);
    return NULL;
}

static const char *check_b(const dkim_taglist_t *tl, arc_sig_t *s)
{
    slice_t b = tag_value(tl, "b", NULL);

    if (b.n == 0)
        return "empty b=";
    if (crypto_b64_decode(b, s->sig, sizeof s->sig, &s->siglen) != 0) {
        s->siglen = 0;
        return "b= not base64";
    }
    return NULL;
}

/*
 * RFC 6376 3.7: the field is hashed "with the value of the b= tag
 * (including all surrounding whitespace) deleted": from after '=' to the
 * ';' ending the tag-spec or the end of the value.
 */
static void locate_b(slice_t value, const dkim_tag_t *b, arc_sig_t *s)
{
    size_t i = (size_t)(b->name.p - value.p) + b->name.n;

    while (i < value.n && value.p[i] != '=')
        i++;
    s->b_off = i < value.n ? i + 1 : value.n;
    size_t end = (size_t)(b->value.p - value.p) + b->value.n;
    if (end < s->b_off)
        end = s->b_off;
    end += dkim_fws_len(value, end);
    s->b_len = end - s->b_off;
}

typedef struct required {
    const char *tag, *why;
} required_t;

static const char *check_required(const dkim_taglist_t *tl, const required_t *req)
{
    for (; req->tag; req++)
        if (!dkim_taglist_get(tl, req->tag))
            return req->why;
    return NULL;
}

static const char *parse_common(slice_t value, dkim_taglist_t *tl, arc_sig_t *s,
                                const required_t *req)
{
    const char *why;

    memset(s, 0, sizeof *s);
    s->l = s->t = s->x = -1;
    if ((why = dkim_taglist_parse(value, tl)) || (why = check_required(tl, req)) ||
        (why = instance_of(tl, &s->instance)))
        return why;
    s->a = tag_value(tl, "a", NULL);
    if ((why = check_a(s)) || (why = check_names(tl, s)))
        return why;
    locate_b(value, dkim_taglist_get(tl, "b"), s);
    return NULL;
}

const char *arc_ams_parse(slice_t value, arc_sig_t *s)
{
    /* 4.1.2: RFC 6376 3.5's required tags, with i= for v= */
    static const required_t req[] = {
        { "i", "missing i=" }, { "a", "missing a=" }, { "b", "missing b=" },
        { "bh", "missing bh=" }, { "d", "missing d=" }, { "h", "missing h=" },
        { "s", "missing s=" }, { NULL, NULL },
    };
    dkim_taglist_t tl;
    const char *why;

    /* 4.1.2: a v= tag "MUST be ignored"; i= is the instance, not an AUID */
    if (!(why = parse_common(value, &tl, s, req)) && !(why = check_c(&tl, s)) &&
        !(why = check_q(&tl)) && !(why = check_h(&tl, s)) &&
        !(why = check_times(&tl, s, 1)) && !(why = check_bh(&tl, s)))
        why = check_b(&tl, s);
    s->error = why;
    return why;
}

const char *arc_as_parse(slice_t value, arc_sig_t *s)
{
    /* 4.1.3: i, a, b, d, s from DKIM, and cv */
    static const required_t req[] = {
        { "i", "missing i=" }, { "a", "missing a=" }, { "b", "missing b=" },
        { "cv", "missing cv=" }, { "d", "missing d=" }, { "s", "missing s=" },
        { NULL, NULL },
    };
    dkim_taglist_t tl;
    const char *why;

    if (!(why = parse_common(value, &tl, s, req))) {
        /* 4.1.3: "the DKIM "h" tag is NOT allowed and if found, MUST result
         * in a cv status of "fail"" */
        s->hcanon = s->bcanon = CRYPTO_CANON_RELAXED; /* 4.1.3: relaxed only */
        s->cv = cv_of(&tl);
        if (dkim_taglist_get(&tl, "h"))
            why = "h= is not allowed in ARC-Seal";
        else if (s->cv == ARC_CV_INVALID)
            why = "invalid cv=";
        else if (!(why = check_times(&tl, s, 0)))
            why = check_b(&tl, s);
    }
    s->error = why;
    return why;
}

/* ---- the chain ---- */

static const char *chain_fail(arc_chain_t *c, unsigned bad, const char *why)
{
    c->bad = bad;
    c->error = why;
    return why;
}

static const char *cv_rule(arc_chain_t *c, unsigned i)
{
    static const char *const names[] = { "no cv=", "an invalid cv=", "cv=none",
                                         "cv=pass", "cv=fail" };
    arc_cv_t cv = c->set[i].cv;

    /* 5.2 step 3.3: never fail; none at i=1, pass above */
    if (cv != ARC_CV_FAIL && cv == (i == 1 ? ARC_CV_NONE : ARC_CV_PASS))
        return NULL;
    snprintf(c->buf, sizeof c->buf, "AS i=%u has %s (expected %s)", i, names[cv],
             i == 1 ? "cv=none" : "cv=pass");
    return chain_fail(c, i, c->buf);
}

static const char *check_sets(arc_chain_t *c)
{
    for (unsigned i = 1; i <= c->n; i++)
        for (int k = 0; k < ARC_NKINDS; k++) {
            unsigned cnt = c->set[i].cnt[k];
            if (cnt == 1)
                continue;
            /* 5.2 step 3.1/3.2: exactly one of each, 1..N with no gaps */
            if (cnt == 0)
                snprintf(c->buf, sizeof c->buf, "instance %u has no %s", i,
                         arc_kind_name((arc_kind_t)k));
            else
                snprintf(c->buf, sizeof c->buf, "instance %u has %u %s fields", i, cnt,
                         arc_kind_name((arc_kind_t)k));
            return chain_fail(c, i, c->buf);
        }
    for (unsigned i = 1; i <= c->n; i++)
        if (cv_rule(c, i))
            return c->error;
    return NULL;
}

const char *arc_chain_collect(const eng_msg_t *m, unsigned max, arc_chain_t *c)
{
    memset(c, 0, sizeof *c);
    if (max == 0 || max > ARC_MAX_INSTANCES)
        max = ARC_MAX_INSTANCES;
    for (size_t j = 0; j < m->nf; j++) {
        int k = arc_field_kind(m->f[j].name);
        if (k < 0)
            continue;
        c->nfields++;
        unsigned inst;
        arc_cv_t cv = ARC_CV_MISSING;
        slice_t payload;
        const char *why = k == ARC_AAR ? arc_aar_parse(m->f[j].value, &inst, &payload)
                                       : arc_sig_instance(m->f[j].value, &inst,
                                                          k == ARC_AS ? &cv : NULL);
        if (why) {
            /* 5.2 step 1: a field that names no instance belongs to no set */
            snprintf(c->buf, sizeof c->buf, "%s: %s", arc_kind_short((arc_kind_t)k), why);
            return chain_fail(c, 0, c->buf);
        }
        if (inst > c->n)
            c->n = inst;
        if (inst > max)
            continue;
        arc_set_t *set = &c->set[inst];
        if (set->cnt[k]++ == 0) {
            set->idx[k] = j;
            if (k == ARC_AS)
                set->cv = cv;
        }
    }
    if (c->nfields == 0)
        return NULL;
    if (c->n > max) { /* 5.2 step 1 */
        snprintf(c->buf, sizeof c->buf, "too many ARC sets (limit %u): i=%u", max, c->n);
        return chain_fail(c, c->n, c->buf);
    }
    /* 5.2 step 2: the latest seal says the chain already failed */
    if (c->set[c->n].cnt[ARC_AS] == 1 && c->set[c->n].cv == ARC_CV_FAIL) {
        snprintf(c->buf, sizeof c->buf, "AS i=%u has cv=fail", c->n);
        return chain_fail(c, c->n, c->buf);
    }
    return check_sets(c);
}
