/*
 * spf_macro.c - SPF macros (RFC 7208 7) and the shape of domain names.
 *
 * A macro-string is expanded into a caller buffer with a hard cap: nothing
 * here allocates, and every loop is bounded by the input or the cap.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "spf_internal.h"

/* Longest value a macro letter may stand for before transformation. */
#define VALUE_MAX 1024

typedef struct out_buf {
    char *p;
    size_t cap, n;
    int over;
    int tail;    /* SPF_MACRO_TAIL: keep the end, drop the start */
    size_t total;/* bytes produced, kept or not */
} out_buf_t;

/* RFC 7208 7.3 truncation only ever keeps the last 253 octets (254 with a
 * trailing dot, plus one to see the dot before them). */
#define TAIL_KEEP 256
#define TAIL_WORK_MAX 65536

static void out_put(out_buf_t *o, const void *s, size_t len)
{
    if (!o->p)
        return;
    /* a bound on the work for hostile records full of macros: no domain
     * name comes from expanding more than this */
    o->total += len;
    if (o->total > TAIL_WORK_MAX) {
        o->over = 1;
        return;
    }
    if (len > o->cap - o->n && o->tail && len <= o->cap - TAIL_KEEP) {
        memmove(o->p, o->p + o->n - TAIL_KEEP, TAIL_KEEP);
        o->n = TAIL_KEEP;
    }
    if (len > o->cap - o->n) {
        o->over = 1;
        len = o->cap - o->n;
    }
    if (len)
        memcpy(o->p + o->n, s, len);
    o->n += len;
}

static void out_byte(out_buf_t *o, char c)
{
    out_put(o, &c, 1);
}

static int is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(uint8_t c)
{
    return is_alpha(c) || is_digit(c);
}

/* RFC 7208 7.1: delimiter = "." / "-" / "+" / "," / "/" / "_" / "=" */
static int is_delim(uint8_t c)
{
    return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' ||
           c == '=';
}

/* RFC 3986 2.3 unreserved: kept as is by the URL escaping of 7.3. */
static int is_unreserved(uint8_t c)
{
    return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 7208 7.1: the macro letters; c, r, t only in explanations. */
static int letter_ok(uint8_t c, int mode)
{
    switch (slice_lower_byte(c)) {
    case 's': case 'l': case 'o': case 'd': case 'i':
    case 'p': case 'h': case 'v':
        return 1;
    case 'c': case 'r': case 't':
        return (mode & SPF_MACRO_EXP) != 0;
    default:
        return 0;
    }
}

static size_t put_hex_nibbles(char *b, const uint8_t *ip)
{
    /* RFC 7208 7.3: IPv6 "i" is dot-format nibbles.  Upper-case hex, as the
     * openspf suite (v-macro-ip6) expects; DNS does not mind the case. */
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        b[k++] = hex[ip[i] >> 4];
        b[k++] = '.';
        b[k++] = hex[ip[i] & 15];
        b[k++] = i == 15 ? '\0' : '.';
    }
    return k - 1;
}

/* The value of one macro letter into b (VALUE_MAX); returns its length or -1. */
static int letter_value(const spf_macro_env_t *e, uint8_t letter, char *b)
{
    slice_t v = SLICE_NULL;
    char tmp[64];
    switch (slice_lower_byte(letter)) {
    case 's': {
        /* <sender>: local-part "@" domain */
        size_t n = e->local.n + 1 + e->sender_dom.n;
        if (n > VALUE_MAX)
            return -1;
        memcpy(b, e->local.p, e->local.n);
        b[e->local.n] = '@';
        memcpy(b + e->local.n + 1, e->sender_dom.p, e->sender_dom.n);
        return (int)n;
    }
    case 'l': v = e->local; break;
    case 'o': v = e->sender_dom; break;
    case 'd': v = e->domain; break;
    case 'h': v = e->helo; break;
    case 'p': v = e->validated; break;
    case 'r': v = e->receiver; break;
    case 'v': v = e->v4 ? SLICE_LIT("in-addr") : SLICE_LIT("ip6"); break;
    case 'i':
        if (!e->v4)
            return (int)put_hex_nibbles(b, e->ip);
        /* IPv4 "i" and "c" are both dotted quads */
        __attribute__((fallthrough));
    case 'c':
        if (!inet_ntop(e->v4 ? AF_INET : AF_INET6, e->ip, tmp, sizeof tmp))
            return -1;
        v = slice_cstr(tmp);
        break;
    case 't':
        snprintf(tmp, sizeof tmp, "%" PRId64, e->now);
        v = slice_cstr(tmp);
        break;
    default:
        return -1;
    }
    if (v.n > VALUE_MAX)
        return -1;
    if (v.n)
        memcpy(b, v.p, v.n);
    return (int)v.n;
}

typedef struct macro_spec {
    uint8_t letter;
    size_t digits;      /* 0: keep every part */
    int reverse;
    uint8_t delims[8];  /* which delimiters split (indexes into ".-+,/_=") */
    size_t ndelim;
} macro_spec_t;

/*
 * Parse "%{" letter transformers *delimiter "}" at s[i] (s[i] == '%',
 * s[i+1] == '{').  Returns the index after '}', or 0 on a syntax error.
 */
static size_t parse_macro(slice_t s, size_t i, int mode, macro_spec_t *m)
{
    memset(m, 0, sizeof *m);
    i += 2;
    if (i >= s.n || !letter_ok(s.p[i], mode))
        return 0;
    m->letter = s.p[i++];
    int have_digits = 0;
    while (i < s.n && is_digit(s.p[i])) {
        have_digits = 1;
        if (m->digits < 100000)
            m->digits = m->digits * 10 + (size_t)(s.p[i] - '0');
        i++;
    }
    /* RFC 7208 7.1: "If a DIGIT is specified, the value MUST be nonzero." */
    if (have_digits && m->digits == 0)
        return 0;
    if (i < s.n && slice_lower_byte(s.p[i]) == 'r') {
        m->reverse = 1;
        i++;
    }
    while (i < s.n && is_delim(s.p[i])) {
        if (m->ndelim < sizeof m->delims && !memchr(m->delims, s.p[i], m->ndelim))
            m->delims[m->ndelim++] = s.p[i];
        i++;
    }
    if (i >= s.n || s.p[i] != '}')
        return 0;
    return i + 1;
}

static int split_here(const macro_spec_t *m, uint8_t c)
{
    if (m->ndelim == 0)
        return c == '.';
    return memchr(m->delims, c, m->ndelim) != NULL;
}

/* RFC 7208 7.3: split, reverse, keep the right-hand parts, join with dots. */
static int expand_one(const spf_macro_env_t *e, const macro_spec_t *m, out_buf_t *o)
{
    char val[VALUE_MAX + 1];
    uint16_t st[VALUE_MAX + 1], en[VALUE_MAX + 1];
    int vn = letter_value(e, m->letter, val);
    if (vn < 0)
        return -1;
    size_t np = 0, start = 0;
    for (size_t i = 0; i <= (size_t)vn; i++) {
        if (i == (size_t)vn || split_here(m, (uint8_t)val[i])) {
            st[np] = (uint16_t)start;
            en[np] = (uint16_t)i;
            np++;
            start = i + 1;
        }
    }
    size_t keep = (m->digits && m->digits < np) ? m->digits : np;
    int escape = m->letter >= 'A' && m->letter <= 'Z';
    for (size_t k = 0; k < keep; k++) {
        /* the kept parts are the last `keep` of the (maybe reversed) list */
        size_t idx = m->reverse ? keep - 1 - k : np - keep + k;
        if (k)
            out_byte(o, '.');
        for (size_t j = st[idx]; j < en[idx]; j++) {
            uint8_t c = (uint8_t)val[j];
            if (escape && !is_unreserved(c)) {
                char pct[4];
                snprintf(pct, sizeof pct, "%%%02X", c);
                out_put(o, pct, 3);
            } else {
                out_byte(o, (char)c);
            }
        }
    }
    return 0;
}

int spf_macro_expand(const spf_macro_env_t *env, slice_t s, int mode, char *out,
                     size_t cap, size_t *n)
{
    out_buf_t o = { env ? out : NULL, cap, 0, 0,
                    (mode & SPF_MACRO_TAIL) && cap >= 2 * TAIL_KEEP, 0 };
    size_t i = 0;
    while (i < s.n) {
        if (o.over) {
            /* the rest cannot fit: only check its syntax (linear) */
            env = NULL;
            o.p = NULL;
        }
        uint8_t c = s.p[i];
        if (c == '%') {
            if (i + 1 >= s.n)
                return SPF_MACRO_SYNTAX;
            uint8_t d = s.p[i + 1];
            if (d == '{') {
                macro_spec_t m;
                size_t next = parse_macro(s, i, mode, &m);
                if (!next)
                    return SPF_MACRO_SYNTAX;
                if (env && expand_one(env, &m, &o) < 0)
                    o.over = 1;
                i = next;
                continue;
            }
            /* RFC 7208 7.1: "%%" "%_" "%-" */
            if (d == '%')
                out_byte(&o, '%');
            else if (d == '_')
                out_byte(&o, ' ');
            else if (d == '-')
                out_put(&o, "%20", 3);
            else
                return SPF_MACRO_SYNTAX;
            i += 2;
            continue;
        }
        /* macro-literal = %x21-24 / %x26-7E; explain-string adds SP */
        if ((c >= 0x21 && c <= 0x7e) || (c == ' ' && (mode & SPF_MACRO_EXP)))
            out_byte(&o, (char)c);
        else
            return SPF_MACRO_SYNTAX;
        i++;
    }
    if (n)
        *n = o.n;
    return o.over ? SPF_MACRO_TOO_LONG : SPF_MACRO_OK;
}

int spf_macro_uses_p(slice_t s)
{
    for (size_t i = 0; i + 2 < s.n; i++)
        if (s.p[i] == '%' && s.p[i + 1] == '{' && slice_lower_byte(s.p[i + 2]) == 'p')
            return 1;
    return 0;
}

/*
 * RFC 7208 4.8: toplabel = ( *alphanum ALPHA *alphanum ) /
 *                          ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
 */
static int toplabel(slice_t l)
{
    if (l.n == 0)
        return 0;
    int alpha = 0, dash = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (is_alpha(l.p[i]))
            alpha = 1;
        else if (l.p[i] == '-')
            dash = 1;
        else if (!is_digit(l.p[i]))
            return 0;
    }
    if (!dash)
        return alpha;
    return is_alnum(l.p[0]) && is_alnum(l.p[l.n - 1]);
}

int spf_toplabel_ok(slice_t name)
{
    if (name.n && name.p[name.n - 1] == '.')
        name.n--;
    size_t i = name.n;
    while (i && name.p[i - 1] != '.')
        i--;
    return toplabel(slice_make(name.p + i, name.n - i));
}

int spf_domain_spec_ok(slice_t s)
{
    if (s.n == 0 || spf_macro_expand(NULL, s, SPF_MACRO_DOMAIN, NULL, 0, NULL) != 0)
        return 0;
    /* domain-end = ( "." toplabel [ "." ] ) / macro-expand: find whether
     * the last token is a macro-expand (a literal '}' is not one) */
    int last_macro = 0;
    for (size_t i = 0; i < s.n;) {
        if (s.p[i] == '%') {
            if (s.p[i + 1] == '{') {
                const uint8_t *close = memchr(s.p + i, '}', s.n - i);
                i = (size_t)(close - s.p) + 1; /* syntax checked above */
            } else {
                i += 2;
            }
            last_macro = 1;
        } else {
            i++;
            last_macro = 0;
        }
    }
    if (last_macro)
        return 1;
    slice_t t = s;
    if (t.p[t.n - 1] == '.')
        t.n--;
    const uint8_t *dot = NULL;
    for (size_t i = t.n; i > 0; i--)
        if (t.p[i - 1] == '.') {
            dot = t.p + i - 1;
            break;
        }
    if (!dot)
        return 0;
    return toplabel(slice_make(dot + 1, (size_t)(t.p + t.n - dot - 1)));
}

slice_t spf_domain_truncate(slice_t name)
{
    if (name.n && name.p[name.n - 1] == '.')
        name.n--;
    while (name.n > 253) {
        const uint8_t *dot = memchr(name.p, '.', name.n);
        if (!dot)
            return slice_make(name.p + name.n, 0);
        size_t cut = (size_t)(dot - name.p) + 1;
        name.p += cut;
        name.n -= cut;
    }
    return name;
}

int spf_domain_shape_ok(slice_t name)
{
    if (name.n && name.p[name.n - 1] == '.')
        name.n--;
    if (name.n == 0 || name.n > 253)
        return 0;
    size_t label = 0;
    for (size_t i = 0; i <= name.n; i++) {
        if (i == name.n || name.p[i] == '.') {
            if (label == 0 || label > 63)
                return 0;
            label = 0;
        } else {
            label++;
        }
    }
    return 1;
}
