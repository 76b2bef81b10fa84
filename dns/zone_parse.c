/*
 * zone_parse.c - RFC 1035 section 5 master files, read into a dns_zone_t.
 *
 * Two layers: a lexer that turns bytes into the tokens of one entry (an
 * entry ends at a line break outside parentheses, RFC 1035 5.1), and an
 * interpreter that reads owner, TTL, class, type and rdata from those tokens.
 * Every error names the file and line.
 *
 * Accepted: $ORIGIN, $TTL, ';' comments, '( )' across lines, '@', relative
 * names, owner omitted (line starts with a blank), TTL and class in either
 * order and optional, \X and \DDD escapes, quoted and unquoted TXT strings.
 * Served types: A, AAAA, CNAME, PTR, MX, TXT, SPF and the TIMEOUT /
 * SERVFAIL / REFUSED / BROKEN pseudo-types (data: nothing, or the one type
 * they fail); other types (SOA, NS, TYPEnnn, ...) are checked for syntax and
 * ignored, since real zone files carry them, but make their name exist.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"

#define NAME_MAX_FLAT 253   /* RFC 1035 3.1: 255 octets in wire form */
#define LABEL_MAX 63
#define CHARSTR_MAX 255     /* RFC 1035 3.3: one length octet */
#define TXT_MAX 65535       /* RFC 1035 3.2.1: RDLENGTH is 16 bits */
#define TTL_MAX 2147483647u /* RFC 2181 8 */
#define DEFAULT_TTL 3600u

typedef enum { TOK_WORD, TOK_QUOTED } tok_kind_t;

typedef struct token {
    tok_kind_t kind;
    slice_t raw; /* quoted: without the quotes; escapes not yet decoded */
    size_t line;
} token_t;

typedef struct name_buf {
    uint8_t b[NAME_MAX_FLAT + 1];
    size_t n;
} name_buf_t;

typedef struct parser {
    const char *fname;
    char *err;
    size_t errlen;
    /* lexer */
    const uint8_t *p, *end;
    size_t line;
    size_t depth; /* open parentheses */
    /* the current entry */
    token_t *tok;
    size_t ntok, captok;
    int blank_start; /* the entry's line began with a blank: owner omitted */
    size_t entry_line;
    /* state carried between entries (RFC 1035 5.1) */
    name_buf_t origin, owner;
    int have_owner;
    uint32_t last_ttl, default_ttl;
    int have_last_ttl, have_default_ttl;
    /* scratch for TXT rdata */
    uint8_t *txt;
    dns_zone_t *z;
} parser_t;

typedef enum {
    RD_A, RD_AAAA, RD_NAME, RD_MX, RD_TXT, RD_PSEUDO, RD_IGNORE
} rdata_kind_t;

typedef struct type_info {
    const char *name;
    uint16_t code;
    rdata_kind_t kind;
} type_info_t;

/* IANA "Resource Record (RR) TYPEs" that may appear in a master file. */
static const type_info_t types[] = {
    { "A", DNS_T_A, RD_A },
    { "AAAA", DNS_T_AAAA, RD_AAAA },
    { "CNAME", DNS_T_CNAME, RD_NAME },
    { "PTR", DNS_T_PTR, RD_NAME },
    { "MX", DNS_T_MX, RD_MX },
    { "TXT", DNS_T_TXT, RD_TXT },
    { "SPF", DNS_T_SPF, RD_TXT },
    { "TIMEOUT", DNS_T_PSEUDO_TIMEOUT, RD_PSEUDO },
    { "SERVFAIL", DNS_T_PSEUDO_SERVFAIL, RD_PSEUDO },
    { "REFUSED", DNS_T_PSEUDO_REFUSED, RD_PSEUDO },
    { "BROKEN", DNS_T_PSEUDO_BROKEN, RD_PSEUDO },
    { "NS", 2, RD_IGNORE }, { "MD", 3, RD_IGNORE }, { "MF", 4, RD_IGNORE },
    { "SOA", 6, RD_IGNORE }, { "MB", 7, RD_IGNORE }, { "MG", 8, RD_IGNORE },
    { "MR", 9, RD_IGNORE }, { "NULL", 10, RD_IGNORE }, { "WKS", 11, RD_IGNORE },
    { "HINFO", 13, RD_IGNORE }, { "MINFO", 14, RD_IGNORE },
    { "RP", 17, RD_IGNORE }, { "AFSDB", 18, RD_IGNORE }, { "X25", 19, RD_IGNORE },
    { "ISDN", 20, RD_IGNORE }, { "RT", 21, RD_IGNORE }, { "NSAP", 22, RD_IGNORE },
    { "NSAP-PTR", 23, RD_IGNORE }, { "SIG", 24, RD_IGNORE },
    { "KEY", 25, RD_IGNORE }, { "PX", 26, RD_IGNORE }, { "GPOS", 27, RD_IGNORE },
    { "LOC", 29, RD_IGNORE }, { "NXT", 30, RD_IGNORE }, { "EID", 31, RD_IGNORE },
    { "NIMLOC", 32, RD_IGNORE }, { "SRV", 33, RD_IGNORE },
    { "ATMA", 34, RD_IGNORE }, { "NAPTR", 35, RD_IGNORE }, { "KX", 36, RD_IGNORE },
    { "CERT", 37, RD_IGNORE }, { "A6", 38, RD_IGNORE }, { "DNAME", 39, RD_IGNORE },
    { "SINK", 40, RD_IGNORE }, { "APL", 42, RD_IGNORE }, { "DS", 43, RD_IGNORE },
    { "SSHFP", 44, RD_IGNORE }, { "IPSECKEY", 45, RD_IGNORE },
    { "RRSIG", 46, RD_IGNORE }, { "NSEC", 47, RD_IGNORE },
    { "DNSKEY", 48, RD_IGNORE }, { "DHCID", 49, RD_IGNORE },
    { "NSEC3", 50, RD_IGNORE }, { "NSEC3PARAM", 51, RD_IGNORE },
    { "TLSA", 52, RD_IGNORE }, { "SMIMEA", 53, RD_IGNORE }, { "HIP", 55, RD_IGNORE },
    { "NINFO", 56, RD_IGNORE }, { "RKEY", 57, RD_IGNORE },
    { "TALINK", 58, RD_IGNORE }, { "CDS", 59, RD_IGNORE },
    { "CDNSKEY", 60, RD_IGNORE }, { "OPENPGPKEY", 61, RD_IGNORE },
    { "CSYNC", 62, RD_IGNORE }, { "ZONEMD", 63, RD_IGNORE },
    { "SVCB", 64, RD_IGNORE }, { "HTTPS", 65, RD_IGNORE },
    { "UINFO", 100, RD_IGNORE }, { "UID", 101, RD_IGNORE },
    { "GID", 102, RD_IGNORE }, { "UNSPEC", 103, RD_IGNORE },
    { "NID", 104, RD_IGNORE }, { "L32", 105, RD_IGNORE }, { "L64", 106, RD_IGNORE },
    { "LP", 107, RD_IGNORE }, { "EUI48", 108, RD_IGNORE },
    { "EUI64", 109, RD_IGNORE }, { "URI", 256, RD_IGNORE },
    { "CAA", 257, RD_IGNORE }, { "AVC", 258, RD_IGNORE }, { "DOA", 259, RD_IGNORE },
    { "AMTRELAY", 260, RD_IGNORE }, { "TA", 32768, RD_IGNORE },
    { "DLV", 32769, RD_IGNORE },
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail_at(parser_t *ps, size_t line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errlen, "%s:%zu: %s", ps->fname, line, msg);
    return -1;
}

/* A token for an error message: at most 40 bytes, non-printables as '?'. */
static const char *tok_show(const token_t *t, char buf[48])
{
    size_t n = t->raw.n > 40 ? 40 : t->raw.n;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = t->raw.p[i];
        buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    strcpy(buf + n, t->raw.n > 40 ? "..." : "");
    return buf;
}

/* ---- lexer ---- */

static int tok_push(parser_t *ps, tok_kind_t kind, slice_t raw, size_t line)
{
    if (ps->ntok == ps->captok) {
        size_t cap = ps->captok ? ps->captok * 2 : 32;
        token_t *t = realloc(ps->tok, cap * sizeof *t);
        if (!t)
            return fail_at(ps, line, "out of memory");
        ps->tok = t;
        ps->captok = cap;
    }
    ps->tok[ps->ntok++] = (token_t){ kind, raw, line };
    return 0;
}

/* Skip one escape starting at the backslash; counts an escaped newline. */
static int lex_escape(parser_t *ps, const uint8_t **q)
{
    if (*q + 1 >= ps->end)
        return fail_at(ps, ps->line, "'\\' at end of file");
    if ((*q)[1] == '\n')
        ps->line++;
    *q += 2;
    return 0;
}

static int lex_quoted(parser_t *ps)
{
    size_t line = ps->line;
    const uint8_t *q = ps->p + 1, *start = q;
    while (q < ps->end && *q != '"') {
        if (*q == '\\') {
            if (lex_escape(ps, &q) != 0)
                return -1;
            continue;
        }
        /* A line break must be written \010 inside a string: an open quote
         * swallowing the rest of the file would hide the real mistake. */
        if (*q == '\n')
            return fail_at(ps, line, "unterminated quoted string");
        q++;
    }
    if (q >= ps->end)
        return fail_at(ps, line, "unterminated quoted string");
    ps->p = q + 1;
    return tok_push(ps, TOK_QUOTED, slice_make(start, (size_t)(q - start)), line);
}

static int is_delim(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' ||
           c == '(' || c == ')' || c == '"';
}

static int lex_word(parser_t *ps)
{
    size_t line = ps->line;
    const uint8_t *q = ps->p;
    while (q < ps->end && !is_delim(*q)) {
        if (*q == '\\') {
            if (lex_escape(ps, &q) != 0)
                return -1;
            continue;
        }
        q++;
    }
    slice_t raw = slice_make(ps->p, (size_t)(q - ps->p));
    ps->p = q;
    return tok_push(ps, TOK_WORD, raw, line);
}

/*
 * Read the tokens of the next entry into ps->tok.  Returns 1 with an entry
 * (possibly empty: a blank or comment line), 0 at end of input, -1 on error.
 */
static int lex_entry(parser_t *ps)
{
    ps->ntok = 0;
    if (ps->p >= ps->end)
        return 0;
    ps->entry_line = ps->line;
    ps->blank_start = *ps->p == ' ' || *ps->p == '\t';
    while (ps->p < ps->end) {
        uint8_t c = *ps->p;
        if (c == ' ' || c == '\t' || c == '\r') {
            ps->p++;
        } else if (c == ';') {
            while (ps->p < ps->end && *ps->p != '\n')
                ps->p++;
        } else if (c == '\n') {
            ps->p++;
            ps->line++;
            if (ps->depth == 0)
                return 1;
        } else if (c == '(') {
            ps->depth++;
            ps->p++;
        } else if (c == ')') {
            if (ps->depth == 0)
                return fail_at(ps, ps->line, "')' without '('");
            ps->depth--;
            ps->p++;
        } else if (c == '"') {
            if (lex_quoted(ps) != 0)
                return -1;
        } else if (lex_word(ps) != 0) {
            return -1;
        }
    }
    if (ps->depth)
        return fail_at(ps, ps->line, "'(' not closed at end of file");
    return 1;
}

/* ---- values ---- */

/* RFC 1035 5.1: \DDD is the octet with decimal value DDD; \X is X.  *i is
 * at the backslash and ends after the escape. */
static int decode_escape(parser_t *ps, const token_t *t, size_t *i, uint8_t *out)
{
    slice_t r = t->raw;
    if (*i + 1 >= r.n)
        return fail_at(ps, t->line, "'\\' at end of a token");
    uint8_t c = r.p[*i + 1];
    if (c < '0' || c > '9') {
        *out = c;
        *i += 2;
        return 0;
    }
    if (*i + 3 >= r.n || r.p[*i + 2] < '0' || r.p[*i + 2] > '9' ||
        r.p[*i + 3] < '0' || r.p[*i + 3] > '9')
        return fail_at(ps, t->line, "\\DDD escape needs three digits");
    unsigned v = (unsigned)(c - '0') * 100 + (unsigned)(r.p[*i + 2] - '0') * 10 +
                 (unsigned)(r.p[*i + 3] - '0');
    if (v > 255)
        return fail_at(ps, t->line, "\\DDD escape above 255");
    *out = (uint8_t)v;
    *i += 4;
    return 0;
}

/*
 * A domain name, relative to the origin unless it ends in an unescaped dot
 * (RFC 1035 5.1); '@' is the origin.  Stored flat: lower case, labels joined
 * by '.', no trailing dot (an escaped dot inside a label becomes a plain
 * dot, as callers ask by flat name).
 */
static int parse_name(parser_t *ps, const token_t *t, name_buf_t *out)
{
    slice_t r = t->raw;
    char show[48];
    if (t->kind != TOK_WORD)
        return fail_at(ps, t->line, "a domain name cannot be quoted");
    if (r.n == 1 && r.p[0] == '@') {
        *out = ps->origin;
        return 0;
    }
    size_t n = 0, label = 0;
    int absolute = 0;
    if (r.n == 1 && r.p[0] == '.') {
        out->n = 0;
        return 0;
    }
    for (size_t i = 0; i < r.n;) {
        uint8_t c = r.p[i];
        if (c == '.') {
            if (label == 0)
                return fail_at(ps, t->line, "empty label in name '%s'",
                               tok_show(t, show));
            i++;
            if (i == r.n) {
                absolute = 1;
                break;
            }
            if (n >= NAME_MAX_FLAT)
                goto too_long;
            out->b[n++] = '.';
            label = 0;
            continue;
        }
        if (c == '\\') {
            if (decode_escape(ps, t, &i, &c) != 0)
                return -1;
        } else {
            i++;
        }
        if (++label > LABEL_MAX)
            return fail_at(ps, t->line, "label longer than 63 bytes in '%s'",
                           tok_show(t, show));
        if (n >= NAME_MAX_FLAT)
            goto too_long;
        out->b[n++] = slice_lower_byte(c);
    }
    if (!absolute && ps->origin.n) {
        if (n + 1 + ps->origin.n > NAME_MAX_FLAT)
            goto too_long;
        out->b[n++] = '.';
        memcpy(out->b + n, ps->origin.b, ps->origin.n);
        n += ps->origin.n;
    }
    out->n = n;
    return 0;
too_long:
    return fail_at(ps, t->line, "name longer than 255 bytes: '%s'", tok_show(t, show));
}

static int word_is(const token_t *t, const char *s)
{
    return t->kind == TOK_WORD && slice_eq_cstr_nocase(t->raw, s);
}

/* Digits only, at most max; -1 if not. */
static int parse_uint(const token_t *t, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (t->kind != TOK_WORD || t->raw.n == 0)
        return -1;
    for (size_t i = 0; i < t->raw.n; i++) {
        uint8_t c = t->raw.p[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (uint64_t)(c - '0');
        if (v > max)
            return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* A TTL: seconds, or BIND's units (1h30m, 2d, 1w), at most 2^31-1. */
static int parse_ttl(const token_t *t, uint32_t *out)
{
    uint64_t total = 0, v = 0;
    int digits = 0;
    if (t->kind != TOK_WORD || t->raw.n == 0)
        return -1;
    for (size_t i = 0; i < t->raw.n; i++) {
        uint8_t c = slice_lower_byte(t->raw.p[i]);
        uint64_t unit = c == 's' ? 1 : c == 'm' ? 60 : c == 'h' ? 3600
                      : c == 'd' ? 86400 : c == 'w' ? 604800 : 0;
        if (c >= '0' && c <= '9') {
            v = v * 10 + (uint64_t)(c - '0');
            digits = 1;
        } else if (unit && digits) {
            total += v * unit;
            v = 0;
            digits = 0;
        } else {
            return -1;
        }
        if (v > TTL_MAX || total > TTL_MAX)
            return -1;
    }
    total += v;
    if (total > TTL_MAX)
        return -1;
    *out = (uint32_t)total;
    return 0;
}

static int starts_with_digit(const token_t *t)
{
    return t->kind == TOK_WORD && t->raw.n && t->raw.p[0] >= '0' && t->raw.p[0] <= '9';
}

/* 1 for a class mnemonic (RFC 1035 3.2.4, RFC 3597 5); *is_in says IN. */
static int parse_class(const token_t *t, int *is_in)
{
    static const char *const other[] = { "CS", "CH", "HS" };
    uint32_t v;
    if (word_is(t, "IN")) {
        *is_in = 1;
        return 1;
    }
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (word_is(t, other[i])) {
            *is_in = 0;
            return 1;
        }
    if (t->kind == TOK_WORD && t->raw.n > 5 &&
        slice_eq_cstr_nocase(slice_sub(t->raw, 0, 5), "CLASS") &&
        parse_uint(&(token_t){ TOK_WORD, slice_sub(t->raw, 5, t->raw.n), 0 },
                   65535, &v) == 0) {
        *is_in = v == 1;
        return 1;
    }
    return 0;
}

static const type_info_t *find_type(const token_t *t)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (word_is(t, types[i].name))
            return &types[i];
    return NULL;
}

/* RFC 3597 5: TYPEnnn for types without a mnemonic; their data is not
 * served, and served types must use their mnemonic (so their data is
 * parsed). */
static int generic_type(parser_t *ps, const token_t *t, type_info_t *out)
{
    char show[48];
    uint32_t code;
    if (t->raw.n > 4 && slice_eq_cstr_nocase(slice_sub(t->raw, 0, 4), "TYPE") &&
        parse_uint(&(token_t){ TOK_WORD, slice_sub(t->raw, 4, t->raw.n), 0 },
                   65535, &code) == 0) {
        for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
            if (types[k].code == code && types[k].kind != RD_IGNORE)
                return fail_at(ps, t->line, "write %s, not TYPE%u", types[k].name,
                               (unsigned)code);
        *out = (type_info_t){ "TYPE", (uint16_t)code, RD_IGNORE };
        return 0;
    }
    return fail_at(ps, t->line, "unknown record type '%s'", tok_show(t, show));
}

/* ---- rdata ---- */

static int rdata_addr(parser_t *ps, const token_t *t, size_t n, int af,
                      uint8_t out[16], size_t *outlen)
{
    char buf[64], show[48];
    if (n != 1 || t[0].kind != TOK_WORD || t[0].raw.n >= sizeof buf)
        return fail_at(ps, n ? t[0].line : ps->entry_line, "%s needs one address",
                       af == AF_INET ? "A" : "AAAA");
    memcpy(buf, t[0].raw.p, t[0].raw.n);
    buf[t[0].raw.n] = 0;
    if (inet_pton(af, buf, out) != 1)
        return fail_at(ps, t[0].line, "bad %s address '%s'",
                       af == AF_INET ? "IPv4" : "IPv6", tok_show(&t[0], show));
    *outlen = af == AF_INET ? 4 : 16;
    return 0;
}

/* RFC 1035 3.3.14: one or more character-strings, each at most 255 bytes;
 * RFC 6376 3.6.2.2 / RFC 7208 3.3 join them with no separator. */
static int rdata_txt(parser_t *ps, const token_t *t, size_t n, size_t *outlen)
{
    size_t len = 0;
    for (size_t k = 0; k < n; k++) {
        size_t start = len;
        slice_t r = t[k].raw;
        for (size_t i = 0; i < r.n;) {
            uint8_t c = r.p[i];
            if (c == '\\') {
                if (decode_escape(ps, &t[k], &i, &c) != 0)
                    return -1;
            } else {
                i++;
            }
            if (len - start == CHARSTR_MAX)
                return fail_at(ps, t[k].line, "TXT string longer than 255 bytes");
            if (len == TXT_MAX)
                return fail_at(ps, t[k].line, "TXT data longer than 65535 bytes");
            ps->txt[len++] = c;
        }
    }
    *outlen = len;
    return 0;
}

static int add(parser_t *ps, const name_buf_t *owner, uint16_t type,
               uint16_t pref, uint32_t ttl, slice_t data)
{
    char why[128];
    if (dns_zone_add(ps->z, slice_make(owner->b, owner->n), type, pref, ttl,
                     data, why, sizeof why) != 0)
        return fail_at(ps, ps->entry_line, "%s", why);
    return 0;
}

/* authsweep's failure injection: no data fails every type at the name; one
 * type (mnemonic or TYPEnnn) fails only that type, stored as its 2-byte
 * code (what --dns-record writes for a failure of one query). */
static int rdata_pseudo(parser_t *ps, const name_buf_t *owner, const type_info_t *ti,
                        const token_t *t, size_t n, size_t line)
{
    if (n == 0)
        return add(ps, owner, ti->code, 0, 0, SLICE_NULL);
    const type_info_t *which = n == 1 ? find_type(&t[0]) : NULL;
    uint32_t code;
    if (which)
        code = which->code;
    else if (n != 1 || t[0].kind != TOK_WORD || t[0].raw.n <= 4 ||
             !slice_eq_cstr_nocase(slice_sub(t[0].raw, 0, 4), "TYPE") ||
             parse_uint(&(token_t){ TOK_WORD, slice_sub(t[0].raw, 4, t[0].raw.n), 0 },
                        65535, &code) != 0)
        return fail_at(ps, line, "%s takes no data or one record type", ti->name);
    uint8_t b[2] = { (uint8_t)(code >> 8), (uint8_t)code };
    return add(ps, owner, ti->code, 0, 0, slice_make(b, 2));
}

static int rdata(parser_t *ps, const name_buf_t *owner, const type_info_t *ti,
                 uint32_t ttl, const token_t *t, size_t n)
{
    uint8_t addr[16];
    size_t len = 0;
    name_buf_t target;
    uint32_t pref;
    size_t line = n ? t[0].line : ps->entry_line;

    switch (ti->kind) {
    case RD_A:
    case RD_AAAA:
        if (rdata_addr(ps, t, n, ti->kind == RD_A ? AF_INET : AF_INET6, addr, &len))
            return -1;
        return add(ps, owner, ti->code, 0, ttl, slice_make(addr, len));
    case RD_NAME:
        if (n != 1)
            return fail_at(ps, line, "%s needs one domain name", ti->name);
        if (parse_name(ps, &t[0], &target) != 0)
            return -1;
        return add(ps, owner, ti->code, 0, ttl, slice_make(target.b, target.n));
    case RD_MX:
        if (n != 2 || parse_uint(&t[0], 65535, &pref) != 0)
            return fail_at(ps, line, "MX needs a preference (0-65535) and a name");
        if (parse_name(ps, &t[1], &target) != 0)
            return -1;
        return add(ps, owner, ti->code, (uint16_t)pref, ttl,
                   slice_make(target.b, target.n));
    case RD_TXT:
        /* No strings at all (seen in Net::DNS test zones) is an empty
         * record: the name exists and has a TXT of zero bytes. */
        if (rdata_txt(ps, t, n, &len) != 0)
            return -1;
        return add(ps, owner, ti->code, 0, ttl, slice_make(ps->txt, len));
    case RD_PSEUDO:
        return rdata_pseudo(ps, owner, ti, t, n, line);
    case RD_IGNORE:
        /* The name exists: other types there are NODATA, not NXDOMAIN. */
        if (dns_zone_touch(ps->z, slice_make(owner->b, owner->n)) != 0)
            return fail_at(ps, line, "out of memory");
        return 0;
    }
    return 0;
}

/* ---- entries ---- */

static int directive(parser_t *ps)
{
    const token_t *t = ps->tok;
    char show[48];
    if (word_is(&t[0], "$ORIGIN")) {
        name_buf_t o;
        if (ps->ntok != 2)
            return fail_at(ps, t[0].line, "$ORIGIN needs one domain name");
        if (parse_name(ps, &t[1], &o) != 0)
            return -1;
        ps->origin = o;
        return 0;
    }
    if (word_is(&t[0], "$TTL")) {
        if (ps->ntok != 2 || parse_ttl(&t[1], &ps->default_ttl) != 0)
            return fail_at(ps, t[0].line, "$TTL needs one TTL (0-2147483647)");
        ps->have_default_ttl = 1;
        return 0;
    }
    if (word_is(&t[0], "$INCLUDE"))
        return fail_at(ps, t[0].line, "$INCLUDE is not supported");
    return fail_at(ps, t[0].line, "unknown directive '%s'", tok_show(&t[0], show));
}

/* RFC 2308 4: $TTL is the default; without it, RFC 1035 5.1's last TTL. */
static uint32_t implicit_ttl(const parser_t *ps)
{
    if (ps->have_default_ttl)
        return ps->default_ttl;
    return ps->have_last_ttl ? ps->last_ttl : DEFAULT_TTL;
}

static int record(parser_t *ps)
{
    const token_t *t = ps->tok;
    size_t i = 0, n = ps->ntok;
    char show[48];

    if (!ps->blank_start) {
        if (parse_name(ps, &t[0], &ps->owner) != 0)
            return -1;
        ps->have_owner = 1;
        i = 1;
    } else if (!ps->have_owner) {
        return fail_at(ps, t[0].line, "no owner name (and none before it)");
    }

    int have_ttl = 0, have_class = 0, is_in = 1;
    uint32_t ttl = 0;
    for (; i < n; i++) {
        if (!have_ttl && starts_with_digit(&t[i])) {
            if (parse_ttl(&t[i], &ttl) != 0)
                return fail_at(ps, t[i].line, "bad TTL '%s'", tok_show(&t[i], show));
            have_ttl = 1;
        } else if (!have_class && parse_class(&t[i], &is_in)) {
            have_class = 1;
        } else {
            break;
        }
    }
    if (i == n)
        return fail_at(ps, t[n - 1].line, "record type missing");
    type_info_t generic;
    const type_info_t *ti = find_type(&t[i]);
    if (!ti) {
        if (generic_type(ps, &t[i], &generic) != 0)
            return -1;
        ti = &generic;
    }
    if (have_ttl) {
        ps->last_ttl = ttl;
        ps->have_last_ttl = 1;
    } else {
        ttl = implicit_ttl(ps);
    }
    if (!is_in)
        return 0; /* CH, HS: nothing a mail checker asks for */
    return rdata(ps, &ps->owner, ti, ttl, t + i + 1, n - i - 1);
}

static int entry(parser_t *ps)
{
    if (ps->ntok == 0)
        return 0;
    if (!ps->blank_start && ps->tok[0].kind == TOK_WORD && ps->tok[0].raw.n &&
        ps->tok[0].raw.p[0] == '$')
        return directive(ps);
    return record(ps);
}

dns_zone_t *dns_zone_parse_mem(slice_t text, const char *fname, char *err,
                               size_t errlen)
{
    static const uint8_t empty[1];
    const uint8_t *p = text.n ? text.p : empty; /* no arithmetic on NULL */
    parser_t ps = { .fname = fname ? fname : "(zone)", .err = err,
                    .errlen = errlen, .p = p, .end = p + text.n, .line = 1 };
    int rc = -1;
    if (errlen)
        err[0] = 0;
    ps.z = dns_zone_new();
    ps.txt = malloc(TXT_MAX);
    if (!ps.z || !ps.txt) {
        fail_at(&ps, 0, "out of memory");
        goto out;
    }
    for (;;) {
        int got = lex_entry(&ps);
        if (got < 0)
            goto out;
        if (got == 0)
            break;
        if (entry(&ps) != 0)
            goto out;
    }
    dns_zone_set_negative_ttl(ps.z, ps.have_default_ttl ? ps.default_ttl : DEFAULT_TTL);
    rc = 0;
out:
    free(ps.tok);
    free(ps.txt);
    if (rc != 0) {
        dns_zone_free(ps.z);
        return NULL;
    }
    return ps.z;
}
