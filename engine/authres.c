/*
 * authres.c - reading and writing Authentication-Results values.
 */
#include "authres.h"

#include <string.h>

/* Skip CFWS: white space, line breaks and nested (comments). */
static size_t skip_cfws(slice_t v, size_t i)
{
    while (i < v.n) {
        uint8_t c = v.p[i];
        if (slice_is_wsp(c) || c == '\r' || c == '\n') {
            i++;
            continue;
        }
        if (c != '(')
            break;
        i = eng_skip_comment(v, i);
    }
    return i;
}

/* RFC 2045 token characters (the specials and SP/CTL excluded). */
static int is_tchar(uint8_t c)
{
    return c > 0x20 && c < 0x7F && !strchr("()<>@,;:\\\"/[]?=", c);
}

static slice_t token_at(slice_t v, size_t *i)
{
    size_t s = *i;
    while (*i < v.n && is_tchar(v.p[*i]))
        (*i)++;
    return slice_make(v.p + s, *i - s);
}

/* Skip a quoted-string or token value; stops at ';' outside quotes. */
static size_t skip_to_semicolon(slice_t v, size_t i)
{
    int inq = 0;
    while (i < v.n) {
        uint8_t c = v.p[i];
        if (inq) {
            if (c == '\\')
                i++;
            else if (c == '"')
                inq = 0;
            i++;
        } else if (c == '"') {
            inq = 1;
            i++;
        } else if (c == '(') {
            i = skip_cfws(v, i);
        } else if (c == ';') {
            return i;
        } else {
            i++;
        }
    }
    return i;
}

static void keep(char *dst, slice_t res)
{
    size_t n = res.n < 15 ? res.n : 15;
    for (size_t k = 0; k < n; k++)
        dst[k] = (char)slice_lower_byte(res.p[k]);
    dst[n] = '\0';
}

/* One resinfo: method [ "/" version ] "=" result ... (RFC 8601 2.2). */
static void take_resinfo(slice_t v, size_t i, eng_recorded_t *r)
{
    i = skip_cfws(v, i);
    slice_t method = token_at(v, &i);
    i = skip_cfws(v, i);
    if (i < v.n && v.p[i] == '/') {
        i = skip_cfws(v, i + 1);
        token_at(v, &i);
        i = skip_cfws(v, i);
    }
    if (i >= v.n || v.p[i] != '=')
        return;
    i = skip_cfws(v, i + 1);
    slice_t res = token_at(v, &i);
    if (res.n == 0)
        return;
    if (slice_eq_cstr_nocase(method, "dkim")) {
        if (!r->dkim[0] || slice_eq_cstr_nocase(res, "pass"))
            keep(r->dkim, res);
    } else if (slice_eq_cstr_nocase(method, "spf") && !r->spf[0]) {
        keep(r->spf, res);
    } else if (slice_eq_cstr_nocase(method, "dmarc") && !r->dmarc[0]) {
        keep(r->dmarc, res);
    } else if (slice_eq_cstr_nocase(method, "arc") && !r->arc[0]) {
        keep(r->arc, res);
    }
}

static slice_t authserv_id(slice_t v, size_t *i)
{
    *i = skip_cfws(v, 0);
    if (*i < v.n && v.p[*i] == '"') { /* a quoted-string id */
        size_t s = ++(*i);
        while (*i < v.n && v.p[*i] != '"')
            *i += v.p[*i] == '\\' ? 2 : 1;
        slice_t id = slice_make(v.p + s, (*i < v.n ? *i : v.n) - s);
        return id;
    }
    slice_t id = slice_make(v.p + *i, 0);
    while (*i < v.n && !slice_is_wsp(v.p[*i]) && v.p[*i] != ';' && v.p[*i] != '(' &&
           v.p[*i] != '\r' && v.p[*i] != '\n')
        (*i)++, id.n++;
    return id;
}

void eng_recorded_get(const eng_msg_t *m, const char *want, eng_recorded_t *r)
{
    memset(r, 0, sizeof *r);
    for (size_t f = 0; f < m->nf; f++) {
        if (!slice_eq_cstr_nocase(m->f[f].name, "authentication-results"))
            continue;
        slice_t v = m->f[f].value;
        size_t i;
        slice_t id = authserv_id(v, &i);
        if (want && !slice_eq_cstr_nocase(id, want))
            continue;
        r->found = 1;
        for (i = skip_to_semicolon(v, i); i < v.n; i = skip_to_semicolon(v, i + 1))
            take_resinfo(v, i + 1, r);
        return;
    }
}

/* A token, or [local-part] "@" domain made of token characters (RFC 8601 2.2 pvalue). */
static int is_bare_pvalue(slice_t v)
{
    size_t ats = 0;
    if (v.n == 0)
        return 0;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == '@')
            ats++;
        else if (!is_tchar(v.p[i]))
            return 0;
    }
    return ats <= 1;
}

void eng_authres_value(eng_buf_t *b, slice_t v)
{
    if (is_bare_pvalue(v)) {
        eng_buf_put(b, v.p, v.n);
        return;
    }
    eng_buf_put(b, "\"", 1);
    for (size_t i = 0; i < v.n; i++) {
        uint8_t c = v.p[i];
        if (c == '"' || c == '\\')
            eng_buf_put(b, "\\", 1);
        if (c == '\r' || c == '\n')
            c = ' ';
        eng_buf_put(b, &c, 1);
    }
    eng_buf_put(b, "\"", 1);
}
