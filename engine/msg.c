/*
 * msg.c - header field splitting, From domain, Date parsing.
 */
#include "msg.h"

#include <stdlib.h>
#include <string.h>

/* End of the line starting at i: index just past its LF (or data end). */
static size_t line_end(slice_t d, size_t i)
{
    const uint8_t *lf = memchr(d.p + i, '\n', d.n - i);
    return lf ? (size_t)(lf - d.p) + 1 : d.n;
}

/* A line is empty if it is only a line break (CRLF or LF). */
static int line_is_empty(slice_t d, size_t i, size_t e)
{
    size_t len = e - i;
    return (len == 1 && d.p[i] == '\n') ||
           (len == 2 && d.p[i] == '\r' && d.p[i + 1] == '\n');
}

/* Length without the final CRLF or LF. */
static size_t strip_eol(const uint8_t *p, size_t n)
{
    if (n && p[n - 1] == '\n') {
        n--;
        if (n && p[n - 1] == '\r')
            n--;
    }
    return n;
}

typedef struct limits {
    size_t max_fields, max_field_size;
} limits_t;

static int add_field(eng_msg_t *m, slice_t raw, const limits_t *lim, int *truncated)
{
    const uint8_t *colon = memchr(raw.p, ':', raw.n);
    if (!colon) {
        m->bad_lines++;
        return 0;
    }
    if (m->nf >= lim->max_fields) {
        *truncated = 1;
        return 0;
    }
    if (m->nf == m->cap_) {
        size_t cap = m->cap_ ? m->cap_ * 2 : 32;
        eng_field_t *f = realloc(m->f, cap * sizeof *f);
        if (!f)
            return -1;
        m->f = f;
        m->cap_ = cap;
    }
    eng_field_t *f = &m->f[m->nf++];
    f->raw = raw;
    f->name = slice_make(raw.p, (size_t)(colon - raw.p));
    /* RFC 5322 4.5: obsolete syntax allows WSP between name and colon. */
    while (f->name.n && slice_is_wsp(f->name.p[f->name.n - 1]))
        f->name.n--;
    size_t voff = (size_t)(colon - raw.p) + 1;
    f->value = slice_make(raw.p + voff, strip_eol(raw.p + voff, raw.n - voff));
    /*
     * RFC 5322 2.1.1 limits lines to 998 characters, but folding makes a
     * field as long as a sender likes; past the cap its value is not
     * parsed (catalogue A4: header_too_large).
     */
    f->too_large = lim->max_field_size && raw.n > lim->max_field_size;
    if (f->too_large) {
        f->value = slice_make(f->value.p, 0);
        if (m->too_large++ == 0)
            m->first_too_large = m->nf - 1;
    }
    return 0;
}

int eng_msg_parse(eng_msg_t *m, slice_t d, size_t max_fields, int *truncated)
{
    return eng_msg_parse_capped(m, d, max_fields, 0, truncated);
}

int eng_msg_parse_capped(eng_msg_t *m, slice_t d, size_t max_fields, size_t max_field_size,
                         int *truncated)
{
    const limits_t lim = { max_fields, max_field_size };
    memset(m, 0, sizeof *m);
    m->data = d;
    *truncated = 0;
    size_t i = 0, start = 0;
    int in_field = 0;
    while (i < d.n) {
        size_t e = line_end(d, i);
        if (line_is_empty(d, i, e)) {
            m->has_body = 1;
            m->body = slice_make(d.p + e, d.n - e);
            break;
        }
        /* RFC 5322 2.2.3: a line starting with WSP continues the field. */
        if (!(in_field && slice_is_wsp(d.p[i]))) {
            if (in_field && add_field(m, slice_make(d.p + start, i - start), &lim,
                                      truncated) < 0)
                return -1;
            start = i;
            in_field = 1;
        }
        i = e;
    }
    if (in_field) {
        size_t end = m->has_body ? (size_t)(m->body.p - d.p) : d.n;
        /* the field ends where the empty line begins */
        if (m->has_body) {
            size_t k = end;
            /* back over the empty line itself */
            k -= (k >= 2 && d.p[k - 2] == '\r') ? 2 : 1;
            end = k;
        }
        if (add_field(m, slice_make(d.p + start, end - start), &lim, truncated) < 0)
            return -1;
    }
    return 0;
}

void eng_msg_free(eng_msg_t *m)
{
    free(m->f);
    m->f = NULL;
    m->nf = m->cap_ = 0;
}

const eng_field_t *eng_msg_find(const eng_msg_t *m, const char *name)
{
    slice_t n = slice_cstr(name);
    for (size_t i = 0; i < m->nf; i++)
        if (slice_eq_nocase(m->f[i].name, n))
            return &m->f[i];
    return NULL;
}

size_t eng_skip_comment(slice_t v, size_t i)
{
    int depth = 0;
    for (; i < v.n; i++) {
        if (v.p[i] == '\\')
            i++;
        else if (v.p[i] == '(')
            depth++;
        else if (v.p[i] == ')' && --depth == 0)
            return i + 1;
    }
    return v.n;
}

/* Copy a domain ending at a delimiter, lower-cased; 0 if empty or too long. */
static size_t copy_domain(slice_t v, size_t i, char *out, size_t cap)
{
    size_t n = 0;
    while (i < v.n) {
        uint8_t c = v.p[i];
        if (c == '>' || c == ',' || c == ';' || c == '(' || c == '"' ||
            slice_is_wsp(c) || c == '\r' || c == '\n')
            break;
        if (n + 1 >= cap)
            return 0;
        out[n++] = (char)slice_lower_byte(c);
        i++;
    }
    while (n && out[n - 1] == '.')
        n--;
    if (n < cap)
        out[n] = '\0';
    return n;
}

size_t eng_from_domain(slice_t v, char *out, size_t cap)
{
    /*
     * Find the first addr-spec: inside <...> if there is an angle-addr
     * before the first ',' outside quotes, else the bare addr-spec.  The
     * domain is what follows the last '@' of it.  Quoted strings and
     * comments are skipped so a display name with '@' does not count.
     */
    size_t at = (size_t)-1, lt = (size_t)-1;
    int inq = 0;
    for (size_t i = 0; i < v.n; i++) {
        uint8_t c = v.p[i];
        if (inq) {
            if (c == '\\')
                i++;
            else if (c == '"')
                inq = 0;
            continue;
        }
        if (c == '"') {
            inq = 1;
        } else if (c == '(') {
            i = eng_skip_comment(v, i) - 1;
        } else if (c == '<') {
            lt = i;
            at = (size_t)-1;
        } else if (c == '@') {
            at = i;
        } else if (c == '>' && lt != (size_t)-1) {
            break;
        } else if (c == ',' && lt == (size_t)-1 && at != (size_t)-1) {
            break;
        }
    }
    if (at == (size_t)-1)
        return 0;
    return copy_domain(v, at + 1, out, cap);
}

/* ---- RFC 5322 3.3 date-time ---- */

static int parse_num(slice_t v, size_t *i, int maxdig, long *out)
{
    long n = 0;
    int d = 0;
    while (*i < v.n && v.p[*i] >= '0' && v.p[*i] <= '9' && d < maxdig) {
        n = n * 10 + (v.p[*i] - '0');
        (*i)++;
        d++;
    }
    *out = n;
    return d;
}

static void skip_cfws(slice_t v, size_t *i)
{
    while (*i < v.n) {
        uint8_t c = v.p[*i];
        if (slice_is_wsp(c) || c == '\r' || c == '\n' || c == ',')
            (*i)++;
        else if (c == '(')
            *i = eng_skip_comment(v, *i);
        else
            break;
    }
}

static int month_index(slice_t v, size_t i)
{
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (i + 3 > v.n)
        return -1;
    for (int m = 0; m < 12; m++)
        if (slice_lower_byte(v.p[i]) == months[m * 3] &&
            slice_lower_byte(v.p[i + 1]) == months[m * 3 + 1] &&
            slice_lower_byte(v.p[i + 2]) == months[m * 3 + 2])
            return m;
    return -1;
}

/* Days since 1970-01-01 (proleptic Gregorian), after Howard Hinnant. */
static long long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (long long)era * 146097 + doe - 719468;
}

static long zone_offset(slice_t v, size_t i)
{
    if (i < v.n && (v.p[i] == '+' || v.p[i] == '-')) {
        int sign = v.p[i] == '-' ? -1 : 1;
        long hhmm;
        i++;
        if (parse_num(v, &i, 4, &hhmm) != 4)
            return 0;
        return sign * ((hhmm / 100) * 3600 + (hhmm % 100) * 60);
    }
    /* RFC 5322 4.3 obs-zone: the US zones; everything else counts as UTC. */
    static const struct { const char *n; int h; } z[] = {
        { "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
        { "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
    };
    for (size_t k = 0; k < sizeof z / sizeof z[0]; k++)
        if (slice_eq_nocase(slice_sub(v, i, 3), slice_cstr(z[k].n)))
            return z[k].h * 3600L;
    return 0;
}

long long eng_parse_date(slice_t v)
{
    size_t i = 0;
    long day, year, hh, mm, ss = 0;
    skip_cfws(v, &i);
    /* optional day-of-week */
    if (i < v.n && !(v.p[i] >= '0' && v.p[i] <= '9')) {
        while (i < v.n && v.p[i] != ',' && !slice_is_wsp(v.p[i]))
            i++;
        skip_cfws(v, &i);
    }
    if (!parse_num(v, &i, 2, &day))
        return -1;
    skip_cfws(v, &i);
    int mon = month_index(v, i);
    if (mon < 0)
        return -1;
    i += 3;
    skip_cfws(v, &i);
    int yd = parse_num(v, &i, 4, &year);
    if (yd < 2)
        return -1;
    if (yd == 2)  /* RFC 5322 4.3 obs-year */
        year += year < 50 ? 2000 : 1900;
    else if (yd == 3)
        year += 1900;
    skip_cfws(v, &i);
    if (!parse_num(v, &i, 2, &hh) || i >= v.n || v.p[i++] != ':' ||
        !parse_num(v, &i, 2, &mm))
        return -1;
    if (i < v.n && v.p[i] == ':') {
        i++;
        if (!parse_num(v, &i, 2, &ss))
            return -1;
    }
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
        return -1;
    skip_cfws(v, &i);
    long long t = days_from_civil(year, mon + 1, day) * 86400LL + hh * 3600 + mm * 60 + ss;
    return t - zone_offset(v, i);
}
