/*
 * dkim_tags.c - DKIM tag=value lists (RFC 6376 section 3.2), shared by the
 * DKIM-Signature field and the key record parsers.
 *
 *   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  = ALPHA *ALNUMPUNC
 *   tag-value = [ tval *( 1*(WSP / FWS) tval ) ]
 *   tval      = 1*VALCHAR          VALCHAR = %x21-3A / %x3C-7E
 */
#include <string.h>

#include "dkim.h"
#include "dkim_tags_internal.h"

static const char SYNTAX[] = "tag-list syntax error";

static int is_alpha(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(uint8_t c)
{
    return is_alpha(c) || is_digit(c);
}

/*
 * RFC 6376 3.2: ALNUMPUNC = ALPHA / DIGIT / "_".  '-' is accepted too:
 * published key records carry tags like "x-foo=" (the peer-signed corpus's
 * key_unknown_tags case expects such a record to work), and an unknown tag
 * is ignored anyway.
 */
static int is_namechar(uint8_t c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

/* RFC 6376 3.2: VALCHAR = %x21-3A / %x3C-7E (no ';', no space, no 8-bit). */
static int is_valchar(uint8_t c)
{
    return (c >= 0x21 && c <= 0x3A) || (c >= 0x3C && c <= 0x7E);
}

size_t dkim_fws_len(slice_t s, size_t i)
{
    size_t j = i;

    for (;;) {
        while (j < s.n && slice_is_wsp(s.p[j]))
            j++;
        /* RFC 5322 3.2.2: a line break is FWS only when WSP follows it. */
        size_t k = j;
        if (k < s.n && s.p[k] == '\r')
            k++;
        if (k >= s.n || s.p[k] != '\n')
            break;
        k++;
        if (k >= s.n || !slice_is_wsp(s.p[k]))
            break;
        j = k;
    }
    return j - i;
}

/* dkim_fws_len, answering the common case (no FWS here) without a call. */
static size_t fws(slice_t s, size_t i)
{
    if (i >= s.n)
        return 0;
    uint8_t c = s.p[i];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
        return 0;
    return dkim_fws_len(s, i);
}

/*
 * True at the end of the input, or before a final line break that ends it:
 * the caller may pass a field value with its terminating CRLF (or LF).
 */
static int at_end(slice_t s, size_t i)
{
    size_t rest = s.n - i;

    if (i >= s.n)
        return 1;
    return (rest == 1 && s.p[i] == '\n') ||
           (rest == 2 && s.p[i] == '\r' && s.p[i + 1] == '\n');
}

/*
 * The reason for a repeated tag (3.2: "Tags with duplicate names MUST NOT
 * occur within a single tag-list; if a tag name does occur more than once,
 * the entire tag-list is invalid").  Reasons are static strings, so the
 * tags DKIM defines get their own and anything else a generic one.
 */
static const char *duplicate_reason(slice_t name)
{
    static const char *const known[] = {
        "duplicate tag: v",  "duplicate tag: a",  "duplicate tag: b",
        "duplicate tag: bh", "duplicate tag: c",  "duplicate tag: d",
        "duplicate tag: h",  "duplicate tag: i",  "duplicate tag: l",
        "duplicate tag: q",  "duplicate tag: s",  "duplicate tag: t",
        "duplicate tag: x",  "duplicate tag: z",  "duplicate tag: k",
        "duplicate tag: n",  "duplicate tag: p",  "duplicate tag: g",
    };
    const size_t prefix = sizeof "duplicate tag: " - 1;

    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const char *tag = known[i] + prefix;
        if (slice_eq(name, slice_cstr(tag)))
            return known[i];
    }
    return "duplicate tag";
}

static const char *add_tag(dkim_taglist_t *out, slice_t s, size_t name_off,
                           size_t name_end, size_t val_off, size_t val_end)
{
    slice_t name = slice_make(s.p + name_off, name_end - name_off);

    for (size_t k = 0; k < out->n; k++)
        if (slice_eq(out->t[k].name, name)) /* 3.2: names are case-sensitive */
            return duplicate_reason(name);
    if (out->n == DKIM_MAX_TAGS)
        return "too many tags";
    dkim_tag_t *t = &out->t[out->n++];
    t->name = name;
    t->value = slice_make(s.p + val_off, val_end - val_off);
    t->raw = slice_make(s.p + name_off, val_end - name_off);
    return NULL;
}

/* is_valchar without branches: 0x21-0x7E but ';'. */
static unsigned valchar_bit(uint8_t c)
{
    return ((unsigned)(c - 0x21) < 0x5Eu) & (c != ';');
}

/*
 * The end of the run of VALCHARs that starts at s.p[j].  Most of a
 * signature is one long run (b= is 350-700 base64 characters); tested a
 * byte at a time with the two range checks of is_valchar, the mixed
 * letters, digits and '+' of base64 mispredicted a branch every few bytes
 * (the tag-list parser was ~5% of a worker's time on the bench corpus).
 * Eight bytes a step, tested without branches, keep it to one branch a word.
 */
static size_t valchar_run(slice_t s, size_t j)
{
    while (s.n - j >= 8) {
        const uint8_t *p = s.p + j;
        unsigned all = 1;
        for (int k = 0; k < 8; k++)
            all &= valchar_bit(p[k]);
        if (!all)
            break;
        j += 8;
    }
    while (j < s.n && valchar_bit(s.p[j]))
        j++;
    return j;
}

/*
 * Scan a tag-value starting at *i; stops at ';' or the end.  *val_end gets
 * the end of the last tval, so FWS after the value is not part of it.
 */
static int scan_value(slice_t s, size_t *i, size_t *val_end)
{
    size_t j = *i;

    *val_end = j;
    while (j < s.n && s.p[j] != ';') {
        if (is_valchar(s.p[j])) {
            j = valchar_run(s, j);
            *val_end = j;
            continue;
        }
        size_t w = fws(s, j);
        if (w == 0) {
            if (!at_end(s, j))
                return -1; /* a byte outside VALCHAR, or a bare line break */
            j = s.n;
            break;
        }
        j += w;
    }
    *i = j;
    return 0;
}

const char *dkim_taglist_parse(slice_t s, dkim_taglist_t *out)
{
    size_t i = 0;

    out->n = 0;
    for (;;) {
        i += fws(s, i);
        if (at_end(s, i))
            /* Whitespace after a trailing ';' is fine; an empty list is not. */
            return out->n ? NULL : SYNTAX;

        size_t name_off = i;
        if (!is_alpha(s.p[i]))
            return SYNTAX; /* includes ";;": an empty tag-spec */
        while (i < s.n && is_namechar(s.p[i]))
            i++;
        size_t name_end = i;

        i += fws(s, i);
        if (i >= s.n || s.p[i] != '=')
            return SYNTAX;
        i++;
        size_t after_eq = i;
        i += fws(s, i);

        size_t val_off = i, val_end;
        if (scan_value(s, &i, &val_end) != 0)
            return SYNTAX;
        if (val_end == val_off) /* an empty value sits right after '=' */
            val_off = val_end = after_eq;

        const char *why = add_tag(out, s, name_off, name_end, val_off, val_end);
        if (why)
            return why;
        if (i >= s.n)
            return NULL;
        i++; /* the ';' */
    }
}

const dkim_tag_t *dkim_taglist_get(const dkim_taglist_t *tl, const char *name)
{
    slice_t want = slice_cstr(name);

    for (size_t k = 0; k < tl->n; k++)
        if (slice_eq(tl->t[k].name, want))
            return &tl->t[k];
    return NULL;
}

void dkim_list_init(dkim_list_t *l, slice_t s)
{
    l->s = s;
    l->pos = 0;
    l->done = 0;
}

int dkim_list_next(dkim_list_t *l, slice_t *item)
{
    if (l->done)
        return 0;
    size_t start = l->pos, j = start;
    while (j < l->s.n && l->s.p[j] != ':')
        j++;
    *item = l->s.n ? slice_trim(slice_make(l->s.p + start, j - start)) : l->s;
    if (j < l->s.n)
        l->pos = j + 1;
    else
        l->done = 1;
    return 1;
}

/*
 * RFC 6376 3.5 (d=, s=, i= domain): sub-domain *("." sub-domain), from
 * RFC 5321: sub-domain = Let-dig [Ldh-str].  Underscore is accepted
 * leniently (it occurs in real selectors), and the RFC 1035 limits of 63
 * octets a label and 253 a name are enforced so no absurd name reaches DNS.
 * A single label is accepted for d= too (the ABNF asks for two; such a
 * signature simply finds no key).
 */
static int valid_label(slice_t l)
{
    if (l.n == 0 || l.n > 63 || l.p[0] == '-' || l.p[l.n - 1] == '-')
        return 0;
    for (size_t i = 0; i < l.n; i++)
        if (!is_alnum(l.p[i]) && l.p[i] != '-' && l.p[i] != '_')
            return 0;
    return 1;
}

int dkim_valid_name(slice_t s)
{
    size_t start = 0;

    if (s.n == 0 || s.n > 253)
        return 0;
    for (size_t i = 0; i <= s.n; i++) {
        if (i == s.n || s.p[i] == '.') {
            if (!valid_label(slice_make(s.p + start, i - start)))
                return 0;
            start = i + 1;
        }
    }
    return 1;
}

/*
 * 1*DIGIT, saturating at INT64_MAX.  Leading zeros are parsed, not
 * rejected: l=000...0<n> is a valid l= of n (3.5 allows up to 76 digits),
 * and anything past 2^63 is larger than any body we could hold.
 */
int dkim_parse_digits(slice_t v, int64_t *out)
{
    int64_t x = 0;

    if (v.n == 0)
        return -1;
    for (size_t i = 0; i < v.n; i++) {
        if (!is_digit(v.p[i]))
            return -1;
        int d = v.p[i] - '0';
        if (x > (INT64_MAX - d) / 10)
            x = INT64_MAX;
        else
            x = x * 10 + d;
    }
    *out = x;
    return 0;
}

const char *dkim_parse_a(slice_t a, crypto_keytype_t *k, crypto_hash_alg_t *h)
{
    if (slice_eq_cstr_nocase(a, "rsa-sha256")) {
        *k = CRYPTO_KEY_RSA;
        *h = CRYPTO_SHA256;
    } else if (slice_eq_cstr_nocase(a, "rsa-sha1")) {
        *k = CRYPTO_KEY_RSA;
        *h = CRYPTO_SHA1;
    } else if (slice_eq_cstr_nocase(a, "ed25519-sha256")) { /* RFC 8463 3 */
        *k = CRYPTO_KEY_ED25519;
        *h = CRYPTO_SHA256;
    } else {
        return "unknown algorithm";
    }
    return NULL;
}

static int canon_of(slice_t v, crypto_canon_t *out)
{
    if (slice_eq_cstr_nocase(v, "simple"))
        *out = CRYPTO_CANON_SIMPLE;
    else if (slice_eq_cstr_nocase(v, "relaxed"))
        *out = CRYPTO_CANON_RELAXED;
    else
        return -1;
    return 0;
}

const char *dkim_parse_c(slice_t c, crypto_canon_t *hc, crypto_canon_t *bc)
{
    size_t slash = 0;
    while (slash < c.n && c.p[slash] != '/')
        slash++;
    *bc = CRYPTO_CANON_SIMPLE; /* "If only one algorithm is named ... simple for the body" */
    if (canon_of(slice_sub(c, 0, slash), hc) != 0)
        return "unknown canonicalization";
    if (slash < c.n && canon_of(slice_sub(c, slash + 1, c.n - slash - 1), bc) != 0)
        return "unknown canonicalization";
    return NULL;
}
