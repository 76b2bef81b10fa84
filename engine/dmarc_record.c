/*
 * dmarc_record.c - the DMARC policy record: tag-list syntax (RFC 7489 6.3,
 * RFC 9989 4.7).  One pass over the TXT data, no copies.
 */
#include "dmarc_internal.h"

static int is_wsp(uint8_t c)
{
    /* RFC 7489 6.4: WSP, and FWS in records that were folded by a tool */
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static slice_t trim_wsp(slice_t s)
{
    while (s.n && is_wsp(s.p[0]))
        s.p++, s.n--;
    while (s.n && is_wsp(s.p[s.n - 1]))
        s.n--;
    return s;
}

/* Split off the next ';'-terminated tag-spec from *rest. */
static slice_t next_tag(slice_t *rest)
{
    size_t i = 0;
    while (i < rest->n && rest->p[i] != ';')
        i++;
    slice_t tag = slice_make(rest->p, i);
    size_t skip = i < rest->n ? i + 1 : i;
    rest->p += skip;
    rest->n -= skip;
    return tag;
}

/* "name = value" with optional WSP around '='; 0 if there is no '='. */
static int split_tag(slice_t spec, slice_t *name, slice_t *value)
{
    for (size_t i = 0; i < spec.n; i++) {
        if (spec.p[i] == '=') {
            *name = trim_wsp(slice_make(spec.p, i));
            *value = trim_wsp(slice_sub(spec, i + 1, spec.n));
            return 1;
        }
    }
    return 0;
}

static dmarc_pol_t parse_pol(slice_t v)
{
    if (slice_eq_cstr_nocase(v, "none"))
        return DMARC_POL_NONE;
    if (slice_eq_cstr_nocase(v, "quarantine"))
        return DMARC_POL_QUARANTINE;
    if (slice_eq_cstr_nocase(v, "reject"))
        return DMARC_POL_REJECT;
    return DMARC_POL_INVALID;
}

/* RFC 7489 6.3 pct: 1*3DIGIT in 0..100; anything else is a syntax error (-1). */
static int parse_pct(slice_t v)
{
    if (v.n == 0 || v.n > 3)
        return -1;
    int n = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return -1;
        n = n * 10 + (v.p[i] - '0');
    }
    return n <= 100 ? n : -1;
}

static int is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * RFC 7489 6.3 dmarc-uri = URI [ "!" size ]: we only need to know whether
 * one URI is syntactically plausible (6.6.3 step 6 asks "at least one
 * syntactically valid reporting URI"): scheme ":" something.
 */
static int uri_ok(slice_t u)
{
    u = trim_wsp(u);
    if (u.n < 3 || !is_alpha(u.p[0]))
        return 0;
    size_t i = 1;
    while (i < u.n && (is_alpha(u.p[i]) || (u.p[i] >= '0' && u.p[i] <= '9') ||
                       u.p[i] == '+' || u.p[i] == '-' || u.p[i] == '.'))
        i++;
    if (i >= u.n || u.p[i] != ':' || i + 1 >= u.n)
        return 0;
    for (size_t j = 0; j < u.n; j++)
        if (u.p[j] <= ' ' || u.p[j] >= 0x7f)
            return 0;
    return 1;
}

static int rua_ok(slice_t v)
{
    while (v.n) {
        size_t i = 0;
        while (i < v.n && v.p[i] != ',')
            i++;
        if (uri_ok(slice_make(v.p, i)))
            return 1;
        v = slice_sub(v, i < v.n ? i + 1 : i, v.n);
    }
    return 0;
}

static int parse_yn(slice_t v, int yes, int no)
{
    if (slice_eq_cstr_nocase(v, "y"))
        return yes;
    if (slice_eq_cstr_nocase(v, "n"))
        return no;
    return -1;
}

/* The first occurrence of a tag wins; later duplicates are ignored. */
static void apply_tag(dmarc_record_t *r, unsigned *seen, slice_t name, slice_t v)
{
    static const char *const names[] = { "p", "sp", "np", "psd", "t", "adkim",
                                         "aspf", "pct", "rua" };
    unsigned k = 0;
    while (k < sizeof names / sizeof names[0] && !slice_eq_cstr_nocase(name, names[k]))
        k++;
    if (k == sizeof names / sizeof names[0] || (*seen & (1u << k)))
        return; /* RFC 9989 4.7: unknown tags MUST be ignored (ruf fo rf ri too) */
    *seen |= 1u << k;
    switch (k) {
    case 0: r->p = parse_pol(v); break;
    case 1: r->sp = parse_pol(v); break;
    case 2: r->np = parse_pol(v); break;
    case 3: r->psd = parse_yn(v, 1, 0); break;  /* 'u' and junk: -1 */
    case 4: r->t = parse_yn(v, 1, 0); break;
    case 5: r->adkim_strict = slice_eq_cstr_nocase(v, "s"); break;
    case 6: r->aspf_strict = slice_eq_cstr_nocase(v, "s"); break;
    case 7: r->pct = parse_pct(v); break;
    default: r->rua_valid = rua_ok(v); break;
    }
}

/* RFC 7489 6.3: dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41 %x52 %x43 %x31 */
static int version_ok(slice_t spec)
{
    slice_t name, value;
    if (!split_tag(spec, &name, &value))
        return 0;
    return slice_eq_cstr_nocase(name, "v") && slice_eq(value, SLICE_LIT("DMARC1"));
}

dmarc_rec_status_t dmarc_record_parse(slice_t txt, dmarc_record_t *out)
{
    dmarc_record_t r = { .psd = -1, .t = -1, .pct = -1 };
    slice_t rest = txt;
    if (!version_ok(next_tag(&rest)))
        return DMARC_REC_NOT_DMARC;
    unsigned seen = 0;
    while (rest.n) {
        slice_t name, value;
        /* RFC 7489 6.3: syntax errors in the rest are ignored, not fatal */
        if (split_tag(next_tag(&rest), &name, &value) && name.n)
            apply_tag(&r, &seen, name, value);
    }
    *out = r;
    return DMARC_REC_OK;
}

const char *dmarc_pol_str(dmarc_pol_t p)
{
    switch (p) {
    case DMARC_POL_NONE: return "none";
    case DMARC_POL_QUARANTINE: return "quarantine";
    case DMARC_POL_REJECT: return "reject";
    case DMARC_POL_INVALID: return "invalid";
    default: return "";
    }
}
