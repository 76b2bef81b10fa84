/*
 * spf_record.c - SPF record selection and term syntax (RFC 7208 4.5, 4.6,
 * 5, 6, 12 ABNF).  Terms are parsed in place over the record's bytes.
 */
#include <arpa/inet.h>
#include <string.h>

#include "spf_internal.h"

static int is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

int spf_record_is_v1(slice_t txt)
{
    /* RFC 7208 4.5: "v=spf1" followed by SP or the end of the record */
    if (txt.n < 6 || !slice_eq_nocase(slice_make(txt.p, 6), SLICE_LIT("v=spf1")))
        return 0;
    return txt.n == 6 || txt.p[6] == ' ';
}

/*
 * ip4-cidr-length = "/" ( "0" / %x31-39 0*1DIGIT ), ip6 likewise with up to
 * three digits (RFC 7208 12): no leading zeros, at most max.
 */
static int cidr_value(slice_t d, unsigned max, unsigned *out)
{
    if (d.n == 0 || d.n > 3 || (d.n > 1 && d.p[0] == '0'))
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < d.n; i++) {
        if (!is_digit(d.p[i]))
            return -1;
        v = v * 10 + (unsigned)(d.p[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* qnum = DIGIT / %x31-39 DIGIT / "1" 2DIGIT / "2" %x30-34 DIGIT / "25" %x30-35 */
static int parse_ip4(slice_t s, uint8_t out[4])
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        if (k) {
            if (i >= s.n || s.p[i] != '.')
                return -1;
            i++;
        }
        size_t st = i;
        unsigned v = 0;
        while (i < s.n && is_digit(s.p[i]) && i - st < 3)
            v = v * 10 + (unsigned)(s.p[i++] - '0');
        if (i == st || v > 255 || (i - st > 1 && s.p[st] == '0'))
            return -1;
        out[k] = (uint8_t)v;
    }
    return i == s.n ? 0 : -1;
}

static int parse_ip6(slice_t s, uint8_t out[16])
{
    char buf[64];
    if (s.n == 0 || s.n >= sizeof buf)
        return -1;
    for (size_t i = 0; i < s.n; i++)
        if (!(is_digit(s.p[i]) || (s.p[i] >= 'a' && s.p[i] <= 'f') ||
              (s.p[i] >= 'A' && s.p[i] <= 'F') || s.p[i] == ':' || s.p[i] == '.'))
            return -1;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

/* "ip4:" ip4-network [ ip4-cidr-length ], and the ip6 twin. */
static int parse_ip_term(slice_t arg, int v6, spf_term_t *t)
{
    const uint8_t *slash = memchr(arg.p, '/', arg.n);
    slice_t net = arg, len = SLICE_NULL;
    if (slash) {
        net.n = (size_t)(slash - arg.p);
        len = slice_make(slash + 1, arg.n - net.n - 1);
        if (cidr_value(len, v6 ? 128 : 32, v6 ? &t->cidr6 : &t->cidr4) < 0)
            return -1;
    }
    return v6 ? parse_ip6(net, t->addr) : parse_ip4(net, t->addr);
}

/* The last "/" DIGITS of s, if any: *digits set and the rest returned. */
static int cut_cidr(slice_t *s, slice_t *digits)
{
    size_t i = s->n;
    while (i && is_digit(s->p[i - 1]))
        i--;
    if (i == s->n || i == 0 || s->p[i - 1] != '/')
        return 0;
    *digits = slice_make(s->p + i, s->n - i);
    s->n = i - 1;
    return 1;
}

/* a and mx: [ ":" domain-spec ] [ ip4-cidr-length ] [ "/" ip6-cidr-length ] */
static int parse_dual(slice_t rest, spf_term_t *t)
{
    slice_t d;
    if (cut_cidr(&rest, &d)) {
        if (rest.n && rest.p[rest.n - 1] == '/') {
            rest.n--;
            if (cidr_value(d, 128, &t->cidr6) < 0)
                return -1;
            if (cut_cidr(&rest, &d) && cidr_value(d, 32, &t->cidr4) < 0)
                return -1;
        } else if (cidr_value(d, 32, &t->cidr4) < 0) {
            return -1;
        }
    }
    if (rest.n == 0)
        return 0;
    if (rest.p[0] != ':')
        return -1;
    t->domain = slice_make(rest.p + 1, rest.n - 1);
    return spf_domain_spec_ok(t->domain) ? 0 : -1;
}

static const struct {
    const char *name;
    spf_kind_t kind;
} mechs[] = {
    { "all", SPF_M_ALL },       { "include", SPF_M_INCLUDE }, { "a", SPF_M_A },
    { "mx", SPF_M_MX },         { "ptr", SPF_M_PTR },         { "ip4", SPF_M_IP4 },
    { "ip6", SPF_M_IP6 },       { "exists", SPF_M_EXISTS },
};

static int parse_mechanism(slice_t name, slice_t rest, spf_term_t *t, const char **why)
{
    size_t k;
    for (k = 0; k < sizeof mechs / sizeof mechs[0]; k++)
        if (slice_eq_cstr_nocase(name, mechs[k].name))
            break;
    if (k == sizeof mechs / sizeof mechs[0]) {
        *why = "unknown mechanism";
        return -1;
    }
    t->kind = mechs[k].kind;
    int colon = rest.n && rest.p[0] == ':';
    slice_t arg = colon ? slice_make(rest.p + 1, rest.n - 1) : SLICE_NULL;
    int bad;
    switch (t->kind) {
    case SPF_M_ALL:
        bad = rest.n != 0;
        break;
    case SPF_M_INCLUDE:
    case SPF_M_EXISTS:
        t->domain = arg;
        bad = !colon || !spf_domain_spec_ok(arg);
        break;
    case SPF_M_PTR:
        t->domain = arg;
        bad = rest.n && (!colon || !spf_domain_spec_ok(arg));
        break;
    case SPF_M_A:
    case SPF_M_MX:
        bad = parse_dual(rest, t) < 0;
        break;
    default: /* ip4, ip6 */
        bad = !colon || parse_ip_term(arg, t->kind == SPF_M_IP6, t) < 0;
        break;
    }
    if (bad) /* RFC 7208 7.1: a macro error is a syntax error of the term */
        *why = t->domain.n && !spf_domain_spec_ok(t->domain)
                   ? "bad macro or domain-spec in mechanism"
                   : "bad mechanism syntax";
    return bad ? -1 : 0;
}

static int parse_modifier(slice_t name, slice_t value, spf_term_t *t, const char **why)
{
    if (slice_eq_cstr_nocase(name, "redirect"))
        t->kind = SPF_MOD_REDIRECT;
    else if (slice_eq_cstr_nocase(name, "exp"))
        t->kind = SPF_MOD_EXP;
    else
        t->kind = SPF_MOD_UNKNOWN;
    t->domain = value;
    if (t->kind != SPF_MOD_UNKNOWN) {
        if (!spf_domain_spec_ok(value)) {
            *why = t->kind == SPF_MOD_EXP ? "bad exp= domain" : "bad redirect= domain";
            return -1;
        }
        return 0;
    }
    /* RFC 7208 6: unknown-modifier = name "=" macro-string; ignored, but it
     * must still parse */
    if (spf_macro_expand(NULL, value, SPF_MACRO_EXP, NULL, 0, NULL) != SPF_MACRO_OK) {
        *why = "bad macro in modifier";
        return -1;
    }
    return 0;
}

int spf_term_next(slice_t body, size_t *pos, spf_term_t *t, const char **why)
{
    size_t i = *pos;
    while (i < body.n && body.p[i] == ' ')
        i++;
    if (i >= body.n) {
        *pos = i;
        return 0;
    }
    size_t end = i;
    while (end < body.n && body.p[end] != ' ')
        end++;
    *pos = end;

    memset(t, 0, sizeof *t);
    t->text = slice_make(body.p + i, end - i);
    t->qual = '+';
    t->cidr4 = 32;
    t->cidr6 = 128;
    int has_qual = 0;
    if (memchr("+-~?", body.p[i], 4)) {
        t->qual = (char)body.p[i++];
        has_qual = 1;
    }
    /* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
    size_t ns = i;
    if (i < end && is_alpha(body.p[i]))
        while (i < end && (is_alpha(body.p[i]) || is_digit(body.p[i]) ||
                           body.p[i] == '-' || body.p[i] == '_' || body.p[i] == '.'))
            i++;
    if (i == ns) {
        *why = "term does not start with a name";
        return -1;
    }
    slice_t name = slice_make(body.p + ns, i - ns);
    slice_t rest = slice_make(body.p + i, end - i);
    if (rest.n && rest.p[0] == '=') {
        if (has_qual) {
            *why = "qualifier on a modifier";
            return -1;
        }
        return parse_modifier(name, slice_make(rest.p + 1, rest.n - 1), t, why) < 0 ? -1 : 1;
    }
    return parse_mechanism(name, rest, t, why) < 0 ? -1 : 1;
}

int spf_record_parse(slice_t txt, spf_record_t *r, const char **why)
{
    memset(r, 0, sizeof *r);
    r->body = txt.n > 6 ? slice_make(txt.p + 6, txt.n - 6) : SLICE_NULL;
    size_t pos = 0;
    spf_term_t t;
    int k;
    while ((k = spf_term_next(r->body, &pos, &t, why)) == 1) {
        if (t.kind == SPF_MOD_REDIRECT) {
            /* RFC 7208 6: redirect and exp appear at most once each */
            if (r->has_redirect) {
                *why = "redirect= twice";
                return -1;
            }
            r->has_redirect = 1;
            r->redirect = t.domain;
        } else if (t.kind == SPF_MOD_EXP) {
            if (r->has_exp) {
                *why = "exp= twice";
                return -1;
            }
            r->has_exp = 1;
            r->exp = t.domain;
        }
    }
    return k < 0 ? -1 : 0;
}
