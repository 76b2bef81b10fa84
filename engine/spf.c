/*
 * spf.c - check_host() of RFC 7208 section 4, over the restartable DNS
 * lookup of lookup.h.
 *
 * One evaluation is a tree walk: check_host() fetches and parses a record,
 * then evaluates its terms in order; include: and redirect= recurse.  All
 * state lives in one spf_ctx_t on the caller's stack (no globals: many
 * threads).  When a lookup is in flight the context is marked pending, every
 * later lookup is refused at once, and spf_check() reports SPF_PENDING
 * whatever result the unwinding produced.
 */
#include "spf.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spf_internal.h"

/* include/redirect nesting whatever lim.depth says: the walk recurses on
 * the C stack (about 5 KB a level), so a caller's depth is capped here. */
#define SPF_DEPTH_MAX 64
/* Room for an expanded domain-spec; longer ones keep their end (7.3). */
#define EXPAND_MAX 2048
#define NAME_BUF 256

typedef struct spf_ctx {
    const spf_input_t *in;
    spf_limits_t lim;
    eng_lookup_fn lookup;
    void *arg;
    unsigned lookups, voids;
    int pending;
    int v4;
    uint8_t ip[16];     /* IPv4 in ip[0..3] */
    slice_t local, sender_dom;
    spf_result_t *res;
} spf_ctx_t;

/* What evaluating one mechanism found. */
typedef enum { MECH_NOMATCH, MECH_MATCH, MECH_TEMP, MECH_PERM } mech_t;

static void reason(spf_ctx_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void reason(spf_ctx_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->res->reason, sizeof c->res->reason, fmt, ap);
    va_end(ap);
}

/* A name for reasons: printable ASCII only, bounded. */
static const char *show(slice_t s, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < s.n && k + 1 < cap; i++)
        buf[k++] = (s.p[i] >= 0x20 && s.p[i] < 0x7f) ? (char)s.p[i] : '?';
    buf[k] = '\0';
    return buf;
}

/* --- DNS --- */

static dns_answer_t *ask(spf_ctx_t *c, slice_t name, uint16_t type)
{
    if (c->pending)
        return NULL;
    int pend = 0;
    dns_answer_t *a = c->lookup(c->arg, name, type, &pend);
    if (!a && pend)
        c->pending = 1;
    return a;
}

static const char *type_str(uint16_t type)
{
    switch (type) {
    case DNS_T_A: return "A";
    case DNS_T_AAAA: return "AAAA";
    case DNS_T_MX: return "MX";
    case DNS_T_PTR: return "PTR";
    default: return "TXT";
    }
}

static void dns_reason(spf_ctx_t *c, const dns_answer_t *a, slice_t name, uint16_t type)
{
    char nb[NAME_BUF], wb[96];
    if (a && a->limit != DNS_LIMIT_NONE) /* name the limit (--dns-max-answer, ...) */
        reason(c, "%s, for %s %s", dns_answer_why(a, wb, sizeof wb), show(name, nb, sizeof nb),
               type_str(type));
    else
        reason(c, "DNS %s for %s %s", a ? dns_status_str(a->status) : "failure",
               show(name, nb, sizeof nb), type_str(type));
}

/* RFC 7208 4.6.4: the terms that cost a DNS lookup, at most lim.lookups. */
static int count_lookup(spf_ctx_t *c)
{
    if (++c->lookups > c->lim.lookups) {
        reason(c, "too many DNS lookups (limit %u)", c->lim.lookups);
        return -1;
    }
    return 0;
}

/* RFC 7208 4.6.4: answers with no records ("void lookups"), at most 2. */
static int count_void(spf_ctx_t *c)
{
    if (++c->voids > c->lim.void_lookups) {
        reason(c, "too many void DNS lookups (limit %u)", c->lim.void_lookups);
        return -1;
    }
    return 0;
}

static int is_void(const dns_answer_t *a)
{
    return a->status == DNS_NXDOMAIN || a->status == DNS_NODATA ||
           (a->status == DNS_OK && a->nrr == 0);
}

/* --- addresses --- */

static int prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    size_t full = bits / 8;
    if (memcmp(a, b, full) != 0)
        return 0;
    unsigned rest = bits % 8;
    if (!rest)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

/* Does an A/AAAA record equal the client within the prefix? */
static int rr_matches(const spf_ctx_t *c, const dns_rr_t *rr, unsigned cidr4, unsigned cidr6)
{
    if (c->v4)
        return rr->type == DNS_T_A && rr->data.n == 4 && prefix_eq(rr->data.p, c->ip, cidr4);
    return rr->type == DNS_T_AAAA && rr->data.n == 16 && prefix_eq(rr->data.p, c->ip, cidr6);
}

/* RFC 7208 5.5: the reverse name of the client, "in-addr.arpa" or nibbles. */
static size_t reverse_name(const spf_ctx_t *c, char *b)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    if (c->v4) {
        return (size_t)snprintf(b, NAME_BUF, "%u.%u.%u.%u.in-addr.arpa", c->ip[3], c->ip[2],
                                c->ip[1], c->ip[0]);
    }
    for (int i = 15; i >= 0; i--) {
        b[k++] = hex[c->ip[i] & 15];
        b[k++] = '.';
        b[k++] = hex[c->ip[i] >> 4];
        b[k++] = '.';
    }
    memcpy(b + k, "ip6.arpa", 9);
    return k + 8;
}

/* name equals domain or is a subdomain of it (case-insensitive). */
static int in_domain(slice_t name, slice_t domain)
{
    if (name.n && name.p[name.n - 1] == '.')
        name.n--;
    if (domain.n && domain.p[domain.n - 1] == '.')
        domain.n--;
    if (name.n < domain.n)
        return 0;
    slice_t tail = slice_make(name.p + name.n - domain.n, domain.n);
    if (!slice_eq_nocase(tail, domain))
        return 0;
    return name.n == domain.n || name.p[name.n - domain.n - 1] == '.';
}

/* Forward-confirm one PTR name: does it have an address equal to the client? */
static int forward_confirms(spf_ctx_t *c, slice_t name)
{
    dns_answer_t *a = ask(c, name, c->v4 ? DNS_T_A : DNS_T_AAAA);
    int ok = 0;
    /* RFC 7208 5.5: a DNS error here skips the name, it is not an error */
    if (a && a->status == DNS_OK)
        for (size_t i = 0; i < a->nrr && !ok; i++)
            ok = rr_matches(c, &a->rr[i], 32, 128);
    if (a)
        dns_answer_release(a);
    return ok;
}

/*
 * The validated names of the client (RFC 7208 5.5), for ptr and %{p}.
 * want(domain) chooses: ptr asks for a name in `domain`; %{p} (pick != NULL)
 * takes domain itself first, then a subdomain, then any validated name.
 * Returns MECH_MATCH when a name was found, MECH_NOMATCH, or MECH_PERM on
 * the void limit.
 */
static mech_t validated_name(spf_ctx_t *c, slice_t domain, int for_macro, char *pick,
                             int count_voids)
{
    char rev[NAME_BUF];
    size_t rn = reverse_name(c, rev);
    dns_answer_t *a = ask(c, slice_make(rev, rn), DNS_T_PTR);
    if (!a)
        return MECH_NOMATCH;
    mech_t r = MECH_NOMATCH;
    if (is_void(a)) {
        if (count_voids && count_void(c) < 0)
            r = MECH_PERM;
        dns_answer_release(a);
        return r;
    }
    int best = 0; /* %{p}: 3 = the domain, 2 = a subdomain, 1 = any */
    /* RFC 7208 4.6.4: only the first 10 PTR names are looked at */
    size_t n = a->nrr < c->lim.ptr_names ? a->nrr : c->lim.ptr_names;
    for (size_t i = 0; a->status == DNS_OK && i < n; i++) {
        slice_t name = a->rr[i].data;
        int rank = 1;
        if (in_domain(name, domain))
            rank = (name.n == domain.n || (name.n == domain.n + 1)) ? 3 : 2;
        if (!for_macro && rank == 1)
            continue; /* cannot match: spare the lookup */
        if (rank <= best || name.n == 0 || name.n >= NAME_BUF)
            continue;
        if (!forward_confirms(c, name))
            continue;
        r = MECH_MATCH;
        best = rank;
        if (pick) {
            memcpy(pick, name.p, name.n);
            pick[name.n] = '\0';
        }
        if (!for_macro || best == 3)
            break;
    }
    dns_answer_release(a);
    return r;
}

/* --- macros and targets --- */

static void macro_env(const spf_ctx_t *c, slice_t domain, slice_t validated,
                      spf_macro_env_t *e)
{
    memset(e, 0, sizeof *e);
    e->local = c->local;
    e->sender_dom = c->sender_dom;
    e->domain = domain;
    e->helo = c->in->helo;
    e->validated = validated;
    e->receiver = slice_cstr(c->in->receiver ? c->in->receiver : "unknown");
    e->v4 = c->v4;
    e->ip = c->ip;
    e->now = c->in->now;
}

/* Expand s (mode SPF_MACRO_*) for <domain>; the p macro is resolved first. */
static int expand(spf_ctx_t *c, slice_t domain, slice_t s, int mode, char *out, size_t cap,
                  size_t *n)
{
    char p[NAME_BUF] = "unknown";
    if (spf_macro_uses_p(s))
        validated_name(c, domain, 1, p, 0);
    spf_macro_env_t e;
    macro_env(c, domain, slice_cstr(p), &e);
    return spf_macro_expand(&e, s, mode, out, cap, n);
}

/*
 * The <target-name> of a term: its domain-spec expanded (7.3, truncated to
 * 253 octets), or <domain> when it has none.  Returns 0, or -1 (permerror,
 * reason set).
 */
static int target_name(spf_ctx_t *c, slice_t domain, slice_t spec, char *buf, slice_t *out)
{
    if (spec.n == 0) {
        *out = domain;
        return 0;
    }
    size_t n = 0;
    int r = expand(c, domain, spec, SPF_MACRO_DOMAIN | SPF_MACRO_TAIL, buf, EXPAND_MAX, &n);
    if (r != SPF_MACRO_OK) {
        reason(c, r == SPF_MACRO_TOO_LONG ? "macro expansion too long"
                                          : "bad macro in domain-spec");
        return -1;
    }
    *out = spf_domain_truncate(slice_make(buf, n));
    return 0;
}

/* --- mechanisms (RFC 7208 5) --- */

static eng_result_t check_host(spf_ctx_t *c, slice_t domain, unsigned depth, int want_exp);

/* An address query whose void answers count (a, mx's MX query, exists). */
static mech_t ask_counted(spf_ctx_t *c, slice_t name, uint16_t type, dns_answer_t **out)
{
    *out = NULL;
    if (!spf_domain_shape_ok(name))
        return MECH_NOMATCH; /* no such name can exist: nothing to ask */
    dns_answer_t *a = ask(c, name, type);
    if (!a || dns_status_is_temp(a->status)) {
        dns_reason(c, a, name, type);
        if (a)
            dns_answer_release(a);
        return MECH_TEMP;
    }
    if (is_void(a)) {
        dns_answer_release(a);
        return count_void(c) < 0 ? MECH_PERM : MECH_NOMATCH;
    }
    *out = a;
    return MECH_MATCH;
}

static mech_t mech_a(spf_ctx_t *c, slice_t name, const spf_term_t *t)
{
    dns_answer_t *a;
    mech_t r = ask_counted(c, name, c->v4 ? DNS_T_A : DNS_T_AAAA, &a);
    if (!a)
        return r;
    r = MECH_NOMATCH;
    for (size_t i = 0; i < a->nrr && r == MECH_NOMATCH; i++)
        if (rr_matches(c, &a->rr[i], t->cidr4, t->cidr6))
            r = MECH_MATCH;
    dns_answer_release(a);
    return r;
}

static mech_t mech_mx(spf_ctx_t *c, slice_t name, const spf_term_t *t)
{
    dns_answer_t *mx;
    mech_t r = ask_counted(c, name, DNS_T_MX, &mx);
    if (!mx)
        return r;
    r = MECH_NOMATCH;
    for (size_t i = 0; i < mx->nrr && r == MECH_NOMATCH; i++) {
        slice_t host = mx->rr[i].data;
        /* RFC 7208 4.6.4: looking up an 11th MX name is permerror (names
         * are taken in answer order, so the same answer gives the same
         * verdict) */
        if (i == c->lim.mx_names) {
            reason(c, "too many MX names (limit %u)", c->lim.mx_names);
            r = MECH_PERM;
            break;
        }
        if (!spf_domain_shape_ok(host))
            continue; /* the null MX "." (RFC 7505) names no host */
        uint16_t type = c->v4 ? DNS_T_A : DNS_T_AAAA;
        dns_answer_t *a = ask(c, host, type);
        if (!a || dns_status_is_temp(a->status)) {
            dns_reason(c, a, host, type);
            r = MECH_TEMP;
        } else if (a->status == DNS_OK) {
            for (size_t k = 0; k < a->nrr && r == MECH_NOMATCH; k++)
                if (rr_matches(c, &a->rr[k], t->cidr4, t->cidr6))
                    r = MECH_MATCH;
        }
        if (a)
            dns_answer_release(a);
    }
    dns_answer_release(mx);
    return r;
}

static mech_t mech_exists(spf_ctx_t *c, slice_t name)
{
    dns_answer_t *a;
    /* RFC 7208 5.7: an A query whatever the client's family */
    mech_t r = ask_counted(c, name, DNS_T_A, &a);
    if (a)
        dns_answer_release(a);
    return r;
}

static mech_t mech_include(spf_ctx_t *c, slice_t name, unsigned depth)
{
    char nb[NAME_BUF];
    /* RFC 7208 5.2: the included record's result decides the match */
    switch (check_host(c, name, depth + 1, 0)) {
    case ENG_PASS:
        return MECH_MATCH;
    case ENG_FAIL:
    case ENG_SOFTFAIL:
    case ENG_NEUTRAL:
        return MECH_NOMATCH;
    case ENG_TEMPERROR:
        return MECH_TEMP;
    case ENG_NONE:
        reason(c, "include:%s has no SPF record", show(name, nb, sizeof nb));
        return MECH_PERM;
    default:
        return MECH_PERM;
    }
}

static mech_t eval_mech(spf_ctx_t *c, slice_t domain, const spf_term_t *t, unsigned depth)
{
    char buf[EXPAND_MAX];
    slice_t name;
    switch (t->kind) {
    case SPF_M_ALL:
        return MECH_MATCH;
    case SPF_M_IP4:
        return c->v4 && prefix_eq(t->addr, c->ip, t->cidr4) ? MECH_MATCH : MECH_NOMATCH;
    case SPF_M_IP6:
        return !c->v4 && prefix_eq(t->addr, c->ip, t->cidr6) ? MECH_MATCH : MECH_NOMATCH;
    default:
        break;
    }
    if (count_lookup(c) < 0 || target_name(c, domain, t->domain, buf, &name) < 0)
        return MECH_PERM;
    switch (t->kind) {
    case SPF_M_A:
        return mech_a(c, name, t);
    case SPF_M_MX:
        return mech_mx(c, name, t);
    case SPF_M_EXISTS:
        return mech_exists(c, name);
    case SPF_M_INCLUDE:
        return mech_include(c, name, depth);
    case SPF_M_PTR:
        return validated_name(c, name, 0, NULL, 1);
    default:
        return MECH_NOMATCH;
    }
}

/* --- records --- */

static eng_result_t qual_result(char q)
{
    switch (q) {
    case '-': return ENG_FAIL;
    case '~': return ENG_SOFTFAIL;
    case '?': return ENG_NEUTRAL;
    default: return ENG_PASS;
    }
}

/*
 * RFC 7208 6.2: the explanation of a fail.  Any trouble (DNS, not exactly
 * one TXT record, bad macros) leaves the default: no explanation.
 */
static void explain(spf_ctx_t *c, slice_t domain, slice_t spec)
{
    char buf[EXPAND_MAX];
    slice_t name;
    char keep[sizeof c->res->reason];
    memcpy(keep, c->res->reason, sizeof keep); /* the fail's reason stands */
    if (target_name(c, domain, spec, buf, &name) < 0 || !spf_domain_shape_ok(name)) {
        memcpy(c->res->reason, keep, sizeof keep);
        return;
    }
    dns_answer_t *a = ask(c, name, DNS_T_TXT);
    if (a && a->status == DNS_OK && a->nrr == 1) {
        spf_result_t *r = c->res;
        size_t n = 0;
        int k = expand(c, domain, a->rr[0].data, SPF_MACRO_EXP, r->explanation,
                       sizeof r->explanation - 1, &n);
        if (k == SPF_MACRO_OK || k == SPF_MACRO_TOO_LONG) {
            r->explanation[n] = '\0';
            r->has_explanation = 1;
        }
    }
    if (a)
        dns_answer_release(a);
    memcpy(c->res->reason, keep, sizeof keep);
}

/* RFC 7208 4.5: the one "v=spf1" record among the TXT records, or a result. */
static eng_result_t select_record(spf_ctx_t *c, slice_t domain, const dns_answer_t *a,
                                  slice_t *rec)
{
    char nb[NAME_BUF];
    if (!a || dns_status_is_temp(a->status)) {
        dns_reason(c, a, domain, DNS_T_TXT);
        return ENG_TEMPERROR;
    }
    size_t found = 0;
    for (size_t i = 0; a->status == DNS_OK && i < a->nrr; i++)
        if (spf_record_is_v1(a->rr[i].data)) {
            *rec = a->rr[i].data;
            found++;
        }
    if (found == 1)
        return ENG_PASS; /* "selected", not a verdict */
    if (found > 1) {
        reason(c, "several SPF records at %s", show(domain, nb, sizeof nb));
        return ENG_PERMERROR;
    }
    reason(c, "no SPF record at %s", show(domain, nb, sizeof nb));
    return ENG_NONE;
}

static eng_result_t eval_record(spf_ctx_t *c, slice_t domain, const spf_record_t *rec,
                                unsigned depth, int want_exp)
{
    char tb[128];
    size_t pos = 0;
    spf_term_t t;
    const char *why;
    while (spf_term_next(rec->body, &pos, &t, &why) == 1) {
        if (t.kind >= SPF_MOD_REDIRECT)
            continue;
        switch (eval_mech(c, domain, &t, depth)) {
        case MECH_NOMATCH:
            continue;
        case MECH_TEMP:
            return ENG_TEMPERROR;
        case MECH_PERM:
            return ENG_PERMERROR;
        case MECH_MATCH:
            break;
        }
        eng_result_t r = qual_result(t.qual);
        reason(c, "matched %s", show(t.text, tb, sizeof tb));
        if (r == ENG_FAIL && want_exp && rec->has_exp)
            explain(c, domain, rec->exp);
        return r;
    }
    if (!rec->has_redirect) {
        reason(c, "no mechanism matched");
        return ENG_NEUTRAL; /* RFC 7208 4.7 */
    }
    /* RFC 7208 6.1: the redirect target's result is the result */
    char buf[EXPAND_MAX];
    slice_t name;
    if (count_lookup(c) < 0 || target_name(c, domain, rec->redirect, buf, &name) < 0)
        return ENG_PERMERROR;
    eng_result_t r = check_host(c, name, depth + 1, want_exp);
    if (r == ENG_NONE) {
        char nb[NAME_BUF];
        reason(c, "redirect=%s has no SPF record", show(name, nb, sizeof nb));
        return ENG_PERMERROR;
    }
    return r;
}

static eng_result_t check_host(spf_ctx_t *c, slice_t domain, unsigned depth, int want_exp)
{
    char nb[NAME_BUF];
    /* RFC 7208 4.6.4 bounds nesting through the lookup limit only; a caller
     * that raises --spf-max-lookups still gets a bounded walk (--max-depth:
     * a record reached through more includes/redirects than that is
     * permerror, as 11.1 asks of anything that grows the work) */
    unsigned max = c->lim.depth < SPF_DEPTH_MAX ? c->lim.depth : SPF_DEPTH_MAX;
    if (depth > max) {
        reason(c, "include/redirect nesting too deep (limit %u)", max);
        return ENG_PERMERROR;
    }
    if (!spf_domain_shape_ok(domain)) {
        reason(c, "not a valid domain name: %s", show(domain, nb, sizeof nb));
        return ENG_NONE;
    }
    dns_answer_t *a = ask(c, domain, DNS_T_TXT);
    if (a && a->status == DNS_NXDOMAIN) {
        /* RFC 7208 4.3: NXDOMAIN is "none" */
        dns_answer_release(a);
        reason(c, "no such domain: %s", show(domain, nb, sizeof nb));
        return ENG_NONE;
    }
    slice_t txt = SLICE_NULL;
    eng_result_t r = select_record(c, domain, a, &txt);
    if (r == ENG_PASS) {
        spf_record_t rec;
        const char *why = NULL;
        if (spf_record_parse(txt, &rec, &why) < 0) {
            reason(c, "bad SPF record at %s: %s", show(domain, nb, sizeof nb), why);
            r = ENG_PERMERROR;
        } else {
            r = eval_record(c, domain, &rec, depth, want_exp);
        }
    }
    if (a)
        dns_answer_release(a);
    return r;
}

/* --- the entry point --- */

/* RFC 7208 4.3: a multi-label name whose labels fit and whose last is a toplabel. */
static int initial_domain_ok(slice_t d)
{
    if (d.n && d.p[d.n - 1] == '.')
        d.n--;
    return spf_domain_shape_ok(d) && memchr(d.p, '.', d.n) && spf_toplabel_ok(d);
}

static void client_ip(spf_ctx_t *c, const spf_input_t *in)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    memset(c->ip, 0, sizeof c->ip);
    if (in->af == AF_INET6 && memcmp(in->ip, mapped, 12) != 0) {
        c->v4 = 0;
        memcpy(c->ip, in->ip, 16);
        return;
    }
    /* RFC 7208 5: an IPv4-mapped IPv6 client is checked as IPv4 */
    c->v4 = 1;
    memcpy(c->ip, in->af == AF_INET6 ? in->ip + 12 : in->ip, 4);
}

spf_status_t spf_check(const spf_input_t *in, const spf_limits_t *lim,
                       eng_lookup_fn lookup, void *arg, spf_result_t *res)
{
    spf_ctx_t c;
    memset(&c, 0, sizeof c);
    memset(res, 0, sizeof *res);
    c.in = in;
    c.lim = lim ? *lim : SPF_LIMITS_DEFAULT;
    c.lookup = lookup;
    c.arg = arg;
    c.res = res;
    client_ip(&c, in);

    /* RFC 7208 2.3, 2.4: no MAIL FROM: postmaster@HELO; 4.3: no local-part:
     * "postmaster" */
    slice_t mf = in->mailfrom;
    c.local = SLICE_LIT("postmaster");
    c.sender_dom = in->helo;
    if (mf.n) {
        const uint8_t *at = NULL;
        for (size_t i = mf.n; i > 0 && !at; i--)
            if (mf.p[i - 1] == '@')
                at = mf.p + i - 1;
        if (at) {
            if (at > mf.p)
                c.local = slice_make(mf.p, (size_t)(at - mf.p));
            c.sender_dom = slice_make(at + 1, mf.n - (size_t)(at - mf.p) - 1);
        } else {
            c.sender_dom = mf;
        }
    }
    slice_t domain = c.sender_dom;
    char nb[NAME_BUF];
    show(domain, res->domain, sizeof res->domain);
    if (mf.n > 512 || in->helo.n > 255) {
        res->result = ENG_NONE;
        reason(&c, "%s too long", mf.n > 512 ? "MAIL FROM" : "HELO");
    } else if (!initial_domain_ok(domain)) {
        res->result = ENG_NONE;
        reason(&c, "not a valid domain name: %s", show(domain, nb, sizeof nb));
    } else {
        res->result = check_host(&c, domain, 0, 1);
    }
    if (c.pending) {
        memset(res, 0, sizeof *res);
        return SPF_PENDING;
    }
    return SPF_DONE;
}
