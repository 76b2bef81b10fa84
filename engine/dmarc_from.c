/*
 * dmarc_from.c - author domains from an RFC5322.From field value, and the
 * domain-name helpers the checker needs.
 *
 * RFC 5322 3.4: from = "From:" mailbox-list; mailbox = name-addr / addr-spec;
 * name-addr = [display-name] angle-addr.  Archives also hold obsolete forms
 * (3.4 obs-mbox-list empty elements, 4.4 obs-route) and groups where a
 * mailbox-list belongs, so those are accepted too.  The scanner walks the
 * value once, splitting it into top-level items at ',' ';' and group ':'
 * while skipping quoted strings, comments and angle brackets.
 */
#include "dmarc_internal.h"

#define MAX_COMMENT_DEPTH 32

typedef struct scan {
    slice_t s;
    size_t i;
} scan_t;

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* At a '"': move past the closing quote.  0 if unterminated. */
static int skip_quoted(scan_t *sc)
{
    for (sc->i++; sc->i < sc->s.n; sc->i++) {
        uint8_t c = sc->s.p[sc->i];
        if (c == '\\')
            sc->i++; /* quoted-pair */
        else if (c == '"') {
            sc->i++;
            return 1;
        }
    }
    return 0;
}

/* At a '(': move past the matching ')', nesting bounded.  0 if unbalanced. */
static int skip_comment(scan_t *sc)
{
    int depth = 0;
    for (; sc->i < sc->s.n; sc->i++) {
        uint8_t c = sc->s.p[sc->i];
        if (c == '\\')
            sc->i++;
        else if (c == '(') {
            if (++depth > MAX_COMMENT_DEPTH)
                return 0;
        } else if (c == ')' && --depth == 0) {
            sc->i++;
            return 1;
        }
    }
    return 0;
}

/* One top-level item: its bytes and, if it has one, the inside of <...>. */
typedef struct item {
    slice_t all;
    slice_t angle;
    int has_angle;
} item_t;

/*
 * Scan the next item.  Returns 1 with *it filled, 0 at the end, -1 on a
 * syntax error.  A group's "display-name :" prefix is dropped.
 */
static int next_item(scan_t *sc, item_t *it)
{
    if (sc->i >= sc->s.n)
        return 0;
    size_t start = sc->i;
    it->has_angle = 0;
    it->angle = SLICE_NULL;
    while (sc->i < sc->s.n) {
        uint8_t c = sc->s.p[sc->i];
        if (c == '"') {
            if (!skip_quoted(sc))
                return -1;
        } else if (c == '(') {
            if (!skip_comment(sc))
                return -1;
        } else if (c == '<') {
            size_t open = ++sc->i;
            /* angle-addr holds an addr-spec (and obs-route): quotes, no nesting */
            while (sc->i < sc->s.n && sc->s.p[sc->i] != '>') {
                if (sc->s.p[sc->i] == '"') {
                    if (!skip_quoted(sc))
                        return -1;
                } else if (sc->s.p[sc->i] == '<') {
                    return -1;
                } else {
                    sc->i++;
                }
            }
            if (sc->i >= sc->s.n || it->has_angle)
                return -1; /* unterminated, or two angle-addrs in one mailbox */
            it->angle = slice_make(sc->s.p + open, sc->i - open);
            it->has_angle = 1;
            sc->i++;
        } else if (c == '>') {
            return -1;
        } else if (c == ':' && !it->has_angle) {
            start = ++sc->i; /* group: display-name ":" group-list */
        } else if (c == ',' || c == ';') {
            it->all = slice_make(sc->s.p + start, sc->i - start);
            sc->i++;
            return 1;
        } else {
            sc->i++;
        }
    }
    it->all = slice_make(sc->s.p + start, sc->i - start);
    return 1;
}

/* 1 if the item holds nothing but CFWS (an obs-mbox-list empty element). */
static int item_blank(slice_t s)
{
    scan_t sc = { s, 0 };
    while (sc.i < s.n) {
        if (is_space(s.p[sc.i]))
            sc.i++;
        else if (s.p[sc.i] == '(') {
            if (!skip_comment(&sc))
                return 0;
        } else
            return 0;
    }
    return 1;
}

/*
 * The domain of an addr-spec (after the last '@' outside quotes and
 * comments; an obs-route "@a,@b:" before the local part is skipped by
 * taking the last '@'), with CFWS removed, lower-cased, no trailing dot.
 */
static dmarc_from_status_t addr_domain(slice_t spec, char *out)
{
    scan_t sc = { spec, 0 };
    size_t at = spec.n;
    while (sc.i < spec.n) {
        uint8_t c = spec.p[sc.i];
        if (c == '"') {
            if (!skip_quoted(&sc))
                return DMARC_FROM_SYNTAX;
        } else if (c == '(') {
            if (!skip_comment(&sc))
                return DMARC_FROM_SYNTAX;
        } else {
            if (c == '@')
                at = sc.i;
            sc.i++;
        }
    }
    if (at == spec.n)
        return DMARC_FROM_NO_DOMAIN;
    size_t n = 0;
    sc.i = at + 1;
    while (sc.i < spec.n) {
        uint8_t c = spec.p[sc.i];
        if (c == '(') {
            if (!skip_comment(&sc))
                return DMARC_FROM_SYNTAX;
        } else if (is_space(c)) {
            sc.i++;
        } else {
            if (n + 1 >= DMARC_DOMAIN_MAX)
                return DMARC_FROM_NO_DOMAIN;
            out[n++] = (char)slice_lower_byte(c);
            sc.i++;
        }
    }
    if (n && out[n - 1] == '.')
        n--;
    out[n] = '\0';
    /* RFC 8616 4: DNS names are LDH or A-labels; a U-label would have to be
     * converted (IDNA) before any query, and a raw UTF-8 query is never
     * what the sender published.  Not evaluable: say so, never "none". */
    for (size_t k = 0; k < n; k++)
        if ((uint8_t)out[k] >= 0x80)
            return DMARC_FROM_NOT_LDH;
    /* a domain-literal ([192.0.2.1]) has no DMARC policy: unusable */
    return dmarc_domain_ok(slice_make(out, n)) ? DMARC_FROM_OK : DMARC_FROM_NO_DOMAIN;
}

static int seen_before(char dom[][DMARC_DOMAIN_MAX], size_t n, const char *d)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(dom[i], d) == 0)
            return 1;
    return 0;
}

dmarc_from_status_t dmarc_from_domains(slice_t value, char dom[][DMARC_DOMAIN_MAX],
                                       size_t cap, size_t *ndom)
{
    scan_t sc = { value, 0 };
    item_t it;
    int rc;
    char d[DMARC_DOMAIN_MAX];
    size_t n = 0, addrs = 0, nodomain = 0;
    *ndom = 0;
    while ((rc = next_item(&sc, &it)) > 0) {
        if (!it.has_angle && item_blank(it.all))
            continue;
        if (++addrs > DMARC_MAX_AUTHORS)
            return DMARC_FROM_TOO_MANY;
        dmarc_from_status_t st = addr_domain(it.has_angle ? it.angle : it.all, d);
        if (st == DMARC_FROM_NO_DOMAIN) {
            /* "a@bank.example, joe" must not escape bank.example's policy */
            nodomain++;
            continue;
        }
        if (st != DMARC_FROM_OK)
            return st;
        if (seen_before(dom, n, d))
            continue;
        if (n == cap)
            return DMARC_FROM_TOO_MANY;
        memcpy(dom[n++], d, strlen(d) + 1);
    }
    if (rc < 0)
        return DMARC_FROM_SYNTAX;
    *ndom = n;
    return n ? DMARC_FROM_OK : nodomain ? DMARC_FROM_NO_DOMAIN : DMARC_FROM_EMPTY;
}

/* ---- domain names ---- */

static int label_byte_ok(uint8_t c)
{
    /* LDH plus '_' (seen in real d= values); bytes >= 0x80 are U-labels,
     * kept so the lookup answers NXDOMAIN rather than the parser refusing
     * (author domains refuse them earlier, in addr_domain) */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c >= 0x80;
}

int dmarc_domain_ok(slice_t s)
{
    if (s.n == 0 || s.n > 253)
        return 0;
    size_t len = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == '.') {
            if (len == 0)
                return 0;
            len = 0;
        } else if (!label_byte_ok(s.p[i]) || ++len > 63) {
            return 0;
        }
    }
    return len > 0;
}

size_t dmarc_label_count(slice_t name)
{
    if (name.n == 0)
        return 0;
    size_t k = 1;
    for (size_t i = 0; i < name.n; i++)
        k += name.p[i] == '.';
    return k;
}

slice_t dmarc_label_suffix(slice_t name, size_t k)
{
    if (k == 0)
        return slice_make(name.p + name.n, 0);
    size_t seen = 0;
    for (size_t i = name.n; i > 0; i--) {
        if (name.p[i - 1] == '.' && ++seen == k)
            return slice_make(name.p + i, name.n - i);
    }
    return name;
}

int dmarc_domain_within(slice_t a, slice_t b)
{
    if (b.n == 0 || a.n < b.n)
        return 0;
    slice_t tail = slice_make(a.p + (a.n - b.n), b.n);
    if (!slice_eq_nocase(tail, b))
        return 0;
    return a.n == b.n || a.p[a.n - b.n - 1] == '.';
}
