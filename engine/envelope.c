/*
 * envelope.c - MAIL FROM, client IP and HELO from Return-Path and Received.
 */
#include "envelope.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int eng_parse_ip(slice_t s, int *af, uint8_t ip[16])
{
    char buf[64];
    s = slice_trim(s);
    if (s.n >= 5 && slice_eq_nocase(slice_sub(s, 0, 5), SLICE_LIT("IPv6:")))
        s = slice_sub(s, 5, s.n);
    if (s.n == 0 || s.n >= sizeof buf)
        return -1;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    memset(ip, 0, 16);
    if (inet_pton(AF_INET, buf, ip) == 1) {
        *af = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, ip) == 1) {
        *af = AF_INET6;
        return 0;
    }
    return -1;
}

/* Index of `word` as a whole word (case-insensitive) at or after i, or n. */
static size_t find_word(slice_t v, size_t i, const char *word)
{
    size_t wl = strlen(word);
    for (; i + wl <= v.n; i++) {
        if (!slice_eq_nocase(slice_make(v.p + i, wl), slice_make(word, wl)))
            continue;
        int left = i == 0 || slice_is_wsp(v.p[i - 1]) || v.p[i - 1] == '\n' ||
                   v.p[i - 1] == '\r' || v.p[i - 1] == ')';
        int right = i + wl == v.n || slice_is_wsp(v.p[i + wl]) || v.p[i + wl] == '\r' ||
                    v.p[i + wl] == '\n' || v.p[i + wl] == '(';
        if (left && right)
            return i;
    }
    return v.n;
}

static int is_name_byte(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_' || c == '[' || c == ']' || c == ':';
}

static void copy_token(slice_t v, size_t i, char *out, size_t cap)
{
    size_t n = 0;
    while (i < v.n && is_name_byte(v.p[i]) && n + 1 < cap)
        out[n++] = (char)v.p[i++];
    out[n] = '\0';
}

/* An IP literal in [brackets] within v; 1 if found. */
static int bracketed_ip(slice_t v, int *af, uint8_t ip[16])
{
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] != '[')
            continue;
        const uint8_t *close = memchr(v.p + i, ']', v.n - i);
        if (!close)
            return 0;
        if (eng_parse_ip(slice_make(v.p + i + 1, (size_t)(close - v.p) - i - 1), af, ip) == 0)
            return 1;
    }
    return 0;
}

/* A bare IP in a "(...)" comment, as qmail writes "(1.2.3.4)". */
static int paren_ip(slice_t v, int *af, uint8_t ip[16])
{
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] != '(')
            continue;
        size_t j = i + 1;
        while (j < v.n && v.p[j] != ')' && v.p[j] != '(')
            j++;
        if (j < v.n && v.p[j] == ')' &&
            eng_parse_ip(slice_make(v.p + i + 1, j - i - 1), af, ip) == 0)
            return 1;
    }
    return 0;
}

/* "helo=NAME" (Exim) or "HELO NAME" (qmail) inside the from clause. */
static int helo_in_comment(slice_t v, char *helo, size_t cap)
{
    for (size_t i = 0; i + 5 <= v.n; i++) {
        if (!slice_eq_nocase(slice_make(v.p + i, 4), SLICE_LIT("helo")))
            continue;
        if (v.p[i + 4] == '=' || v.p[i + 4] == ' ') {
            copy_token(v, i + 5, helo, cap);
            if (helo[0])
                return 1;
        }
    }
    return 0;
}

int eng_received_from(slice_t v, char *helo, size_t cap, int *af, uint8_t ip[16])
{
    /* RFC 5321 4.4: the stamp starts with "from" Extended-Domain, then "by" */
    size_t from = 0;
    helo[0] = '\0';
    while (from < v.n && (slice_is_wsp(v.p[from]) || v.p[from] == '\r' || v.p[from] == '\n'))
        from++;
    if (from == v.n || find_word(v, from, "from") != from)
        return 0; /* find_word() says v.n when there is no "from" */
    size_t by = find_word(v, from + 4, "by");
    slice_t clause = slice_make(v.p + from + 4, by - from - 4);
    size_t i = 0;
    while (i < clause.n && (slice_is_wsp(clause.p[i]) || clause.p[i] == '\r' ||
                            clause.p[i] == '\n'))
        i++;
    copy_token(clause, i, helo, cap);
    helo_in_comment(clause, helo, cap);
    return bracketed_ip(clause, af, ip) || paren_ip(clause, af, ip);
}

/* Return-Path: <addr> (RFC 5322 3.6.7); "<>" is the null sender. */
static int return_path(slice_t v, char *out, size_t cap)
{
    v = slice_trim(v);
    const uint8_t *lt = memchr(v.p, '<', v.n);
    if (lt) {
        size_t off = (size_t)(lt - v.p) + 1;
        const uint8_t *gt = memchr(v.p + off, '>', v.n - off);
        if (!gt)
            return -1;
        v = slice_make(v.p + off, (size_t)(gt - v.p) - off);
    }
    v = slice_trim(v);
    if (v.n >= cap || memchr(v.p, ' ', v.n))
        return -1;
    memcpy(out, v.p, v.n);
    out[v.n] = '\0';
    return 0;
}

/* The border's Received field, or NULL. */
static const eng_field_t *border_received(const eng_msg_t *m, const eng_envelope_opts_t *o,
                                          const regex_t *by_re)
{
    unsigned hop = 0;
    for (size_t i = 0; i < m->nf; i++) {
        if (!slice_eq_cstr_nocase(m->f[i].name, "received"))
            continue;
        hop++;
        if (!by_re) {
            if (hop == (o->border_hop ? o->border_hop : 1))
                return &m->f[i];
            continue;
        }
        slice_t v = m->f[i].value;
        size_t by = find_word(v, 0, "by");
        if (by == v.n)
            continue;
        char buf[1024];
        size_t n = v.n - by < sizeof buf - 1 ? v.n - by : sizeof buf - 1;
        memcpy(buf, v.p + by, n);
        buf[n] = '\0';
        if (regexec(by_re, buf, 0, NULL, 0) == 0)
            return &m->f[i];
    }
    return NULL;
}

static void from_received(const eng_msg_t *m, const eng_envelope_opts_t *o,
                          const regex_t *by_re, eng_envelope_t *e)
{
    const eng_field_t *rcv = border_received(m, o, by_re);
    char helo[256];
    int af;
    uint8_t ip[16];
    if (!rcv) {
        /* RFC 7208 2, RFC 8601 5: only the border's own Received names the
         * client; Received-SPF and Authentication-Results are never used */
        e->why = by_re ? "no envelope: no Received field matches --border-by"
                       : "no envelope: no Received field at the border hop";
        return;
    }
    int got_ip = eng_received_from(rcv->value, helo, sizeof helo, &af, ip);
    if (!o->helo && helo[0]) {
        snprintf(e->helo, sizeof e->helo, "%s", helo);
        e->have_helo = 1;
    }
    if (!o->ip) {
        if (got_ip) {
            e->af = af;
            memcpy(e->ip, ip, 16);
            e->have_ip = 1;
        } else {
            e->why = "no envelope: the border Received field names no client IP";
        }
    }
}

void eng_envelope_get(const eng_msg_t *m, const eng_envelope_opts_t *o,
                      const regex_t *by_re, eng_envelope_t *e)
{
    memset(e, 0, sizeof *e);
    if (o->ip && eng_parse_ip(slice_cstr(o->ip), &e->af, e->ip) == 0)
        e->have_ip = 1;
    if (o->helo) {
        snprintf(e->helo, sizeof e->helo, "%s", o->helo);
        e->have_helo = 1;
    }
    if (o->mailfrom) {
        snprintf(e->mailfrom, sizeof e->mailfrom, "%s", o->mailfrom);
        e->have_mailfrom = 1;
    } else {
        const eng_field_t *rp = eng_msg_find(m, "return-path");
        if (rp && return_path(rp->value, e->mailfrom, sizeof e->mailfrom) == 0)
            e->have_mailfrom = 1;
    }
    if (!o->ip || !o->helo)
        from_received(m, o, by_re, e);
    if (e->have_ip)
        inet_ntop(e->af, e->ip, e->ip_text, sizeof e->ip_text);
    if (!e->have_mailfrom && !e->why)
        e->why = "no envelope: no Return-Path field (MAIL FROM unknown)";
}
