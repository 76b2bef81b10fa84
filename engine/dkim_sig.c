/*
 * dkim_sig.c - the DKIM-Signature field value (RFC 6376 section 3.5), with
 * the checks of 6.1.1 that need neither the key nor a clock.
 *
 * Each tag has its own small checker; dkim_sig_parse runs them in a fixed
 * order so the reason for a signature broken in several ways is stable.
 */
#include <stddef.h>
#include <string.h>

#include "dkim.h"
#include "dkim_tags_internal.h"

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(uint8_t c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static slice_t tag_value(const dkim_taglist_t *tl, const char *name, int *has)
{
    const dkim_tag_t *t = dkim_taglist_get(tl, name);

    if (has)
        *has = t != NULL;
    return t ? t->value : SLICE_NULL;
}


/* 3.5 a=: sig-a-tag-k "-" sig-a-tag-h. */
static const char *check_a(slice_t a, dkim_sig_t *sig)
{
    return dkim_parse_a(a, &sig->keytype, &sig->hash);
}

/*
 * 3.5 c=: header["/"body], default "simple/simple"; "If only one algorithm
 * is named, that algorithm is used for the header and "simple" is used for
 * the body."
 */
static const char *check_c(slice_t c, int has_c, dkim_sig_t *sig)
{
    sig->hcanon = CRYPTO_CANON_SIMPLE;
    sig->bcanon = CRYPTO_CANON_SIMPLE;
    return has_c ? dkim_parse_c(c, &sig->hcanon, &sig->bcanon) : NULL;
}

/* 3.5 q=: a colon list of methods; "dns/txt" is the only one defined. */
static const char *check_q(slice_t q, int has_q)
{
    dkim_list_t l;
    slice_t m;

    if (!has_q)
        return NULL;
    dkim_list_init(&l, q);
    while (dkim_list_next(&l, &m))
        if (slice_eq_cstr_nocase(m, "dns/txt"))
            return NULL;
    return "unknown query method";
}

/*
 * 3.5 h=: hdr-name *( [FWS] ":" [FWS] hdr-name ), names kept in order and
 * as written (repeats are meaningful: 5.4.2).  6.1.1: "the From header
 * field MUST be signed".
 */
static const char *check_h(slice_t h, dkim_sig_t *sig)
{
    dkim_list_t l;
    slice_t name;
    int from = 0;

    sig->nh = 0;
    dkim_list_init(&l, h);
    while (dkim_list_next(&l, &name)) {
        if (name.n == 0)
            return "syntax: h=";
        for (size_t i = 0; i < name.n; i++)
            if (name.p[i] <= ' ') /* FWS inside a field name */
                return "syntax: h=";
        if (sig->nh == DKIM_MAX_H)
            return "too many header names in h=";
        sig->h[sig->nh++] = name;
        if (slice_eq_cstr_nocase(name, "from"))
            from = 1;
    }
    return from ? NULL : "From not signed";
}

static int hexval(uint8_t c)
{
    if (is_digit(c))
        return c - '0';
    c = slice_lower_byte(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * RFC 6376 2.11 dkim-quoted-printable, as used by i= (3.5): "=XX" is the
 * octet XX, FWS is dropped.  Lower-case hex is accepted too.  Decodes into
 * sig->auid_buf only when there is an escape; -1 if one is malformed or
 * the result does not fit.
 */
static int decode_qp_i(slice_t in, dkim_sig_t *sig, slice_t *out)
{
    size_t o = 0;

    if (!memchr(in.p, '=', in.n)) {
        *out = in;
        return 0;
    }
    for (size_t k = 0; k < in.n; k++) {
        uint8_t c = in.p[k];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            if (in.n - k < 3 || hexval(in.p[k + 1]) < 0 || hexval(in.p[k + 2]) < 0)
                return -1;
            c = (uint8_t)(hexval(in.p[k + 1]) << 4 | hexval(in.p[k + 2]));
            k += 2;
        }
        if (o == sizeof sig->auid_buf)
            return -1;
        sig->auid_buf[o++] = c;
    }
    *out = slice_make(sig->auid_buf, o);
    return 0;
}

/*
 * 3.5 i=: [ Local-part ] "@" domain-name, where the domain "MUST be the same
 * as, or a subdomain of, the value of the d= tag" (compared as domain
 * names: without case).  The last '@' starts the domain, since a quoted
 * local-part may hold one.  Mail::DKIM's corpus signs with i=jlong=40messiah.edu.
 */
static const char *check_i(slice_t i, int has_i, dkim_sig_t *sig)
{
    slice_t d = sig->domain;

    if (!has_i) {
        sig->auid = d;
        sig->auid_domain = d;
        return NULL;
    }
    if (i.n == 0 || decode_qp_i(i, sig, &i) != 0)
        return "syntax: i=";
    size_t at = i.n;
    while (at > 0 && i.p[at - 1] != '@')
        at--;
    if (at == 0)
        return "syntax: i=";
    slice_t dom = slice_sub(i, at, i.n - at);
    if (!dkim_valid_name(dom))
        return "syntax: i=";
    sig->auid = i;
    sig->auid_domain = dom;

    if (slice_eq_nocase(dom, d))
        return NULL;
    if (dom.n > d.n && dom.p[dom.n - d.n - 1] == '.' &&
        slice_eq_nocase(slice_sub(dom, dom.n - d.n, d.n), d))
        return NULL;
    return "i= not in d= domain";
}

static const char *check_times(const dkim_taglist_t *tl, dkim_sig_t *sig)
{
    int has;
    slice_t v;

    v = tag_value(tl, "l", &has);
    if (has && dkim_parse_digits(v, &sig->l) != 0)
        return "syntax: l=";
    v = tag_value(tl, "t", &has);
    if (has && dkim_parse_digits(v, &sig->t) != 0)
        return "syntax: t=";
    v = tag_value(tl, "x", &has);
    if (has && dkim_parse_digits(v, &sig->x) != 0)
        return "syntax: x=";
    /* 3.5 x=: "the value of the "x=" tag MUST be greater than the value of
     * the "t=" tag if both are present". */
    if (sig->t >= 0 && sig->x >= 0 && sig->x < sig->t)
        return "x= earlier than t=";
    return NULL;
}

/* Base64 alphabet or FWS/padding, i.e. what b64 decoding could accept. */
static int b64_chars_only(slice_t v, size_t *symbols)
{
    *symbols = 0;
    for (size_t i = 0; i < v.n; i++) {
        uint8_t c = v.p[i];
        if (is_alnum(c) || c == '+' || c == '/')
            (*symbols)++;
        else if (c != '=' && c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return 0;
    }
    return 1;
}

/*
 * bh=: the decoded length is not checked here (the header says why), but
 * the bytes must fit sig->bh.  Longer text is decoded into sig->sig, which
 * b= overwrites afterwards, and recorded as bhlen 0 so it can only fail
 * as a body hash mismatch.
 */
static const char *check_bh(slice_t bh, dkim_sig_t *sig)
{
    size_t n;

    if (bh.n == 0)
        return "empty bh=";
    if (crypto_b64_decode(bh, sig->sig, sizeof sig->sig, &n) != 0)
        return "bh= not base64";
    if (n > sizeof sig->bh) {
        sig->bhlen = 0;
        return NULL;
    }
    memcpy(sig->bh, sig->sig, n);
    sig->bhlen = n;
    return NULL;
}

static const char *check_b(slice_t b, dkim_sig_t *sig)
{
    size_t symbols;

    if (b.n == 0)
        return "empty b=";
    if (crypto_b64_decode(b, sig->sig, sizeof sig->sig, &sig->siglen) == 0)
        return NULL;
    sig->siglen = 0;
    if (b64_chars_only(b, &symbols) && symbols / 4 * 3 > sizeof sig->sig)
        return "b= longer than any signature";
    return "b= not base64";
}

/*
 * RFC 6376 3.7: the signature covers the field "with the value of the b=
 * tag (including all surrounding whitespace) deleted".  So the span starts
 * right after '=' and runs to the ';' that ends the tag-spec, or to the
 * end of the value (a final line break that ends the field is not part of
 * it).  The tag list already checked that these bytes are FWS and VALCHAR.
 */
static void locate_b(slice_t value, const dkim_tag_t *b, dkim_sig_t *sig)
{
    size_t i = (size_t)(b->name.p - value.p) + b->name.n;

    while (i < value.n && value.p[i] != '=')
        i++;
    sig->b_off = i < value.n ? i + 1 : value.n;
    size_t end = (size_t)(b->value.p - value.p) + b->value.n;
    end += dkim_fws_len(value, end);
    sig->b_len = end - sig->b_off;
}

static void fill_as_written(const dkim_taglist_t *tl, slice_t value, dkim_sig_t *sig)
{
    int has_b, has_c;

    sig->d = tag_value(tl, "d", &sig->has_d);
    sig->s = tag_value(tl, "s", &sig->has_s);
    sig->i = tag_value(tl, "i", &sig->has_i);
    sig->a = tag_value(tl, "a", &sig->has_a);
    sig->c = tag_value(tl, "c", &has_c);
    sig->b = tag_value(tl, "b", &has_b);
    if (has_b)
        locate_b(value, dkim_taglist_get(tl, "b"), sig);
}

/* 6.1.1: v=, then the tags 3.5 marks REQUIRED, in a fixed order. */
static const char *check_required(const dkim_taglist_t *tl)
{
    static const char *const req[][2] = {
        { "a", "missing a=" },   { "b", "missing b=" }, { "bh", "missing bh=" },
        { "d", "missing d=" },   { "h", "missing h=" }, { "s", "missing s=" },
    };
    int has_v;
    slice_t v = tag_value(tl, "v", &has_v);

    if (!has_v)
        return "missing v=";
    if (!slice_eq(v, SLICE_LIT("1")))
        return "incompatible version";
    for (size_t k = 0; k < sizeof req / sizeof req[0]; k++)
        if (!dkim_taglist_get(tl, req[k][0]))
            return req[k][1];
    return NULL;
}

static const char *check_names(dkim_sig_t *sig)
{
    if (sig->d.n == 0)
        return "empty d=";
    if (!dkim_valid_name(sig->d))
        return "syntax: d=";
    sig->domain = sig->d;
    if (sig->s.n == 0)
        return "empty s=";
    if (!dkim_valid_name(sig->s))
        return "syntax: s=";
    sig->selector = sig->s;
    return check_i(sig->i, sig->has_i, sig);
}

static const char *check_all(const dkim_taglist_t *tl, dkim_sig_t *sig)
{
    const char *why;
    int has_c, has_q;
    slice_t c = tag_value(tl, "c", &has_c);
    slice_t q = tag_value(tl, "q", &has_q);

    if ((why = check_required(tl)) || (why = check_a(sig->a, sig)) ||
        (why = check_c(c, has_c, sig)) || (why = check_q(q, has_q)) ||
        (why = check_names(sig)) ||
        (why = check_h(tag_value(tl, "h", NULL), sig)) ||
        (why = check_times(tl, sig)) ||
        (why = check_bh(tag_value(tl, "bh", NULL), sig)) ||
        (why = check_b(sig->b, sig)))
        return why;
    return NULL;
}

const char *dkim_sig_parse(slice_t value, dkim_sig_t *sig)
{
    dkim_taglist_t tl;
    const char *why;

    /*
     * Zero the scalar fields only: h[], bh[], sig[] and auid_buf are about
     * 11 KB and are meaningful only up to nh, bhlen, siglen and the auid
     * slice, which start at zero here.
     */
    memset(sig, 0, offsetof(dkim_sig_t, h));
    sig->nh = sig->bhlen = sig->siglen = 0;
    sig->b_off = sig->b_len = 0;
    sig->error = NULL;
    sig->l = sig->t = sig->x = -1;

    /* On a tag-list error the tags before it are still filled in, so a
     * broken signature can usually be named by its d= and s=. */
    why = dkim_taglist_parse(value, &tl);
    fill_as_written(&tl, value, sig);
    if (!why)
        why = check_all(&tl, sig);
    sig->error = why;
    return why;
}
