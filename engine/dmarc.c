/*
 * dmarc.c - DMARC evaluation: author domains, policy discovery (RFC 9989
 * DNS tree walk, or RFC 7489 author/organizational domain via the PSL),
 * identifier alignment, result and the policy that would apply.
 *
 *   dmarc_check
 *     for each RFC5322.From author domain      (dmarc_from.c)
 *       eval_9989 / eval_7489
 *         discover the policy record            fetch_record (dmarc_record.c)
 *         organizational domain                 org_9989 / dmarc_psl_org
 *         the policy: p, sp or np               applicable_policy
 *         DKIM d= and SPF alignment             aligned
 *     keep the strictest failing verdict        stricter
 *
 * Restartable (lookup.h): whenever a lookup is in flight the whole check
 * stops with DMARC_PENDING and is run again later from the start.
 */
#include <stdio.h>
#include <string.h>

#include "dmarc_internal.h"

/* RFC 9989 4.10: a DNS Tree Walk makes at most this many queries */
#define WALK_SHORTCUT 8

typedef enum {
    F_NONE = 0, /* no DMARC record at the name */
    F_ONE,      /* exactly one: *rec filled */
    F_MANY,     /* several DMARC records */
    F_TEMP,     /* the lookup failed temporarily: c->why says how */
    F_PENDING   /* in flight: stop everything */
} fetch_t;

typedef struct dctx {
    eng_lookup_fn lookup;
    void *arg;
    const dmarc_psl_t *psl;
    const dmarc_input_t *in;
    char why[256]; /* the last DNS failure, for the reason */
} dctx_t;

static void copy_str(char *dst, size_t cap, slice_t s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)slice_lower_byte(s.p[i]);
    dst[n] = '\0';
}

/* Ask for (name, type).  NULL with *st F_PENDING or F_TEMP when there is no answer. */
static dns_answer_t *ask(dctx_t *c, slice_t name, uint16_t type, fetch_t *st)
{
    int pending = 0;
    dns_answer_t *a = c->lookup(c->arg, name, type, &pending);
    if (a && dns_status_is_temp(a->status)) {
        char wb[96];
        if (a->limit != DNS_LIMIT_NONE) /* name the limit (--dns-max-answer, ...) */
            snprintf(c->why, sizeof c->why, "%s, for %.*s", dns_answer_why(a, wb, sizeof wb),
                     (int)name.n, (const char *)name.p);
        else
            snprintf(c->why, sizeof c->why, "DNS %s for %.*s", dns_status_str(a->status),
                     (int)name.n, (const char *)name.p);
        dns_answer_release(a);
        *st = F_TEMP;
        return NULL;
    }
    if (!a) {
        *st = pending ? F_PENDING : F_TEMP;
        if (!pending)
            snprintf(c->why, sizeof c->why, "no DNS answer for %.*s", (int)name.n,
                     (const char *)name.p);
    }
    return a;
}

/* The DMARC record set at _dmarc.<domain> (RFC 7489 6.6.3 steps 1-2, RFC 9989 4.10 step 2). */
static fetch_t fetch_record(dctx_t *c, slice_t domain, dmarc_record_t *rec)
{
    char qname[272];
    int len = snprintf(qname, sizeof qname, "_dmarc.%.*s", (int)domain.n,
                       (const char *)domain.p);
    fetch_t st = F_NONE;
    dns_answer_t *a = ask(c, slice_make(qname, (size_t)len), DNS_T_TXT, &st);
    if (!a)
        return st;
    size_t found = 0;
    if (a->status == DNS_OK) {
        for (size_t i = 0; i < a->nrr; i++) {
            dmarc_record_t r;
            if (a->rr[i].type == DNS_T_TXT &&
                dmarc_record_parse(a->rr[i].data, &r) == DMARC_REC_OK && found++ == 0)
                *rec = r;
        }
    }
    dns_answer_release(a);
    return found == 0 ? F_NONE : found == 1 ? F_ONE : F_MANY;
}

/* RFC 9989 4.10 step 5: below 8 labels drop one; from 8 up, jump to 7. */
static size_t walk_next(size_t labels)
{
    return labels >= WALK_SHORTCUT ? WALK_SHORTCUT - 1 : labels - 1;
}

/*
 * RFC 9989 4.10.1 policy discovery: the first name on the walk with
 * exactly one DMARC record (several at one name are discarded).
 */
static fetch_t discover_9989(dctx_t *c, slice_t dom, dmarc_record_t *rec, slice_t *at)
{
    for (size_t k = dmarc_label_count(dom); k > 0; k = walk_next(k)) {
        slice_t name = dmarc_label_suffix(dom, k);
        fetch_t st = fetch_record(c, name, rec);
        if (st == F_ONE) {
            *at = name;
            return F_ONE;
        }
        if (st == F_TEMP || st == F_PENDING)
            return st;
    }
    return F_NONE;
}

/*
 * RFC 9989 4.10.2 organizational domain: walk up from dom; psd=n names
 * itself, psd=y (above dom) names the domain one label below it, else the
 * record with the fewest labels, else dom itself.
 */
static fetch_t org_9989(dctx_t *c, slice_t dom, slice_t *org)
{
    size_t n = dmarc_label_count(dom);
    slice_t fewest = dom;
    for (size_t k = n; k > 0; k = walk_next(k)) {
        slice_t name = dmarc_label_suffix(dom, k);
        dmarc_record_t rec;
        fetch_t st = fetch_record(c, name, &rec);
        if (st == F_TEMP || st == F_PENDING)
            return st;
        if (st != F_ONE)
            continue;
        if (rec.psd == 0) {
            *org = name;
            return F_NONE;
        }
        if (rec.psd == 1 && k != n) {
            *org = dmarc_label_suffix(dom, k + 1);
            return F_NONE;
        }
        fewest = name;
    }
    *org = fewest;
    return F_NONE;
}

/* RFC 7489 3.2: the registrable domain per the PSL; a public suffix is its own. */
static slice_t org_7489(const dmarc_psl_t *psl, slice_t dom, char *buf, size_t cap)
{
    size_t n = dmarc_psl_org(psl, dom, buf, cap);
    return n ? slice_make(buf, n) : dom;
}

/*
 * RFC 9989 3.2.x non-existent domain: NXDOMAIN or NODATA for A, AAAA and
 * MX.  NXDOMAIN on the first ends it (the name has no records at all).
 */
static fetch_t domain_exists(dctx_t *c, slice_t dom, int *exists)
{
    static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        fetch_t st = F_NONE;
        dns_answer_t *a = ask(c, dom, types[i], &st);
        if (!a)
            return st;
        dns_status_t s = a->status;
        dns_answer_release(a);
        if (s == DNS_OK) {
            *exists = 1;
            return F_NONE;
        }
        if (s == DNS_NXDOMAIN)
            break;
    }
    *exists = 0;
    return F_NONE;
}

/*
 * Identifier alignment (RFC 7489 3.1, RFC 9989 4.4): strict is equality
 * without case; relaxed is equal organizational domains.  Under RFC 9989
 * two names can only share an organizational domain that is a suffix of
 * both, so an identifier outside the author's org domain needs no lookup.
 */
static fetch_t aligned(dctx_t *c, dmarc_mode_t mode, slice_t id, slice_t dom, slice_t org,
                       int strict, int *yes)
{
    *yes = 0;
    while (id.n && id.p[id.n - 1] == '.')
        id.n--;
    if (id.n == 0)
        return F_NONE;
    if (slice_eq_nocase(id, dom)) {
        *yes = 1;
        return F_NONE;
    }
    if (strict)
        return F_NONE;
    if (mode == DMARC_7489) {
        char buf[256];
        *yes = slice_eq_nocase(org_7489(c->psl, id, buf, sizeof buf), org);
        return F_NONE;
    }
    if (!dmarc_domain_within(id, org) || !dmarc_domain_ok(id))
        return F_NONE;
    slice_t id_org;
    fetch_t st = org_9989(c, id, &id_org);
    if (st == F_NONE)
        *yes = slice_eq_nocase(id_org, org);
    return st;
}

static void result_init(dmarc_result_t *r, dmarc_mode_t mode)
{
    memset(r, 0, sizeof *r);
    r->result = ENG_NONE;
    r->pct = -1;
    r->psd = -1;
    r->testing = -1;
    (void)mode;
}

/* What a record found at `at` says for author domain dom. */
typedef struct found {
    dmarc_record_t rec;
    slice_t at;
} found_t;

static void put_tags(dmarc_result_t *r, dmarc_mode_t mode, const found_t *f)
{
    copy_str(r->record_domain, sizeof r->record_domain, f->at);
    snprintf(r->p, sizeof r->p, "%s", dmarc_pol_str(f->rec.p));
    snprintf(r->sp, sizeof r->sp, "%s", dmarc_pol_str(f->rec.sp));
    r->adkim_strict = f->rec.adkim_strict;
    r->aspf_strict = f->rec.aspf_strict;
    if (mode == DMARC_7489) {
        /* 6.3: pct defaults to 100, and a bad value falls back to it */
        r->pct = f->rec.pct < 0 ? 100 : f->rec.pct;
    } else {
        snprintf(r->np, sizeof r->np, "%s", dmarc_pol_str(f->rec.np));
        r->psd = f->rec.psd;
        r->testing = f->rec.t;
    }
}

/*
 * RFC 7489 6.6.3 step 6 (RFC 9989 keeps it): a record whose p= (or sp=,
 * np=) is not valid counts as "v=DMARC1; p=none" when rua= has a valid
 * URI, else no policy applies.  RFC 9989 4.7 also reads an absent p= as none.
 * Returns 0 when the record cannot be used.
 */
static int usable_record(dmarc_mode_t mode, dmarc_record_t *rec, dmarc_result_t *r)
{
    if (mode == DMARC_9989 && rec->p == DMARC_POL_ABSENT)
        rec->p = DMARC_POL_NONE;
    int bad = rec->p == DMARC_POL_ABSENT || rec->p == DMARC_POL_INVALID ||
              rec->sp == DMARC_POL_INVALID ||
              (mode == DMARC_9989 && rec->np == DMARC_POL_INVALID);
    if (!bad)
        return 1;
    const char *what = rec->p == DMARC_POL_ABSENT ? "no p=" :
                       rec->p == DMARC_POL_INVALID ? "invalid p=" :
                       rec->sp == DMARC_POL_INVALID ? "invalid sp=" : "invalid np=";
    if (!rec->rua_valid) {
        snprintf(r->reason, sizeof r->reason,
                 "%s and no valid rua=: the record is unusable (RFC 7489 6.6.3)", what);
        return 0;
    }
    dmarc_record_t none = { .p = DMARC_POL_NONE, .psd = -1, .t = -1, .pct = -1,
                            .rua_valid = 1 };
    *rec = none;
    snprintf(r->reason, sizeof r->reason,
             "%s with a valid rua=: read as p=none (RFC 7489 6.6.3)", what);
    return 1;
}

/* RFC 9989 4.7 p/sp/np, RFC 7489 6.3 p/sp: which one this author domain gets. */
static fetch_t applicable_policy(dctx_t *c, dmarc_mode_t mode, slice_t dom, const found_t *f,
                                 dmarc_pol_t *pol)
{
    if (slice_eq_nocase(f->at, dom)) {
        *pol = f->rec.p;
        return F_NONE;
    }
    *pol = f->rec.sp != DMARC_POL_ABSENT ? f->rec.sp : f->rec.p;
    if (mode == DMARC_9989 && f->rec.np != DMARC_POL_ABSENT) {
        int exists = 1;
        fetch_t st = domain_exists(c, dom, &exists);
        if (st != F_NONE)
            return st;
        if (!exists)
            *pol = f->rec.np;
    }
    return F_NONE;
}

static void set_temp(dmarc_result_t *r, const dctx_t *c)
{
    r->result = ENG_TEMPERROR;
    snprintf(r->reason, sizeof r->reason, "%s", c->why);
}

/* Alignment of every passing DKIM d= and of the SPF domain; the verdict. */
static fetch_t judge(dctx_t *c, dmarc_mode_t mode, slice_t dom, slice_t org, dmarc_result_t *r)
{
    const dmarc_input_t *in = c->in;
    int temp = 0;
    const char *by = NULL;
    size_t by_i = 0;
    for (size_t i = 0; i < in->ndkim_pass && !r->dkim_aligned; i++) {
        fetch_t st = aligned(c, mode, in->dkim_pass[i], dom, org, r->adkim_strict,
                             &r->dkim_aligned);
        if (st == F_PENDING)
            return st;
        temp |= st == F_TEMP;
        if (r->dkim_aligned)
            by = "DKIM d=", by_i = i;
    }
    if (in->spf_result == ENG_PASS) {
        fetch_t st = aligned(c, mode, in->spf_domain, dom, org, r->aspf_strict,
                             &r->spf_aligned);
        if (st == F_PENDING)
            return st;
        temp |= st == F_TEMP;
        if (r->spf_aligned && !by)
            by = "SPF ";
    }
    char note[128] = "";
    if (r->reason[0])
        snprintf(note, sizeof note, "; %.100s", r->reason);
    if (by) {
        slice_t id = by[0] == 'D' ? in->dkim_pass[by_i] : in->spf_domain;
        r->result = ENG_PASS;
        char msg[256];
        snprintf(msg, sizeof msg, "aligned %s%.*s%s", by, (int)(id.n > 100 ? 100 : id.n),
                 (const char *)id.p, note);
        memcpy(r->reason, msg, sizeof msg);
    } else if (temp) {
        set_temp(r, c);
    } else {
        r->result = ENG_FAIL;
        char msg[256];
        snprintf(msg, sizeof msg, "no aligned DKIM pass or SPF pass%s", note);
        memcpy(r->reason, msg, sizeof msg);
    }
    return F_NONE;
}

static fetch_t finish(dctx_t *c, dmarc_mode_t mode, slice_t dom, slice_t org, found_t *f,
                      dmarc_result_t *r)
{
    copy_str(r->org_domain, sizeof r->org_domain, org);
    if (!usable_record(mode, &f->rec, r)) {
        put_tags(r, mode, f);
        r->result = ENG_PERMERROR;
        return F_NONE;
    }
    put_tags(r, mode, f);
    dmarc_pol_t pol;
    fetch_t st = applicable_policy(c, mode, dom, f, &pol);
    if (st == F_PENDING)
        return st;
    if (st == F_TEMP) {
        set_temp(r, c);
        return F_NONE;
    }
    snprintf(r->policy, sizeof r->policy, "%s", dmarc_pol_str(pol));
    return judge(c, mode, dom, org, r);
}

static fetch_t eval_9989(dctx_t *c, slice_t dom, dmarc_result_t *r)
{
    found_t f;
    fetch_t st = discover_9989(c, dom, &f.rec, &f.at);
    if (st == F_PENDING)
        return st;
    if (st == F_TEMP) {
        set_temp(r, c);
        return F_NONE;
    }
    if (st == F_NONE) {
        /* the walk met no record on the way up: dom is its own org domain */
        copy_str(r->org_domain, sizeof r->org_domain, dom);
        snprintf(r->reason, sizeof r->reason, "no DMARC record");
        return F_NONE;
    }
    slice_t org;
    st = org_9989(c, dom, &org);
    if (st == F_PENDING)
        return st;
    if (st == F_TEMP) {
        set_temp(r, c);
        return F_NONE;
    }
    return finish(c, DMARC_9989, dom, org, &f, r);
}

/* RFC 7489 6.6.3 steps 1-5. */
static fetch_t eval_7489(dctx_t *c, slice_t dom, dmarc_result_t *r)
{
    char orgbuf[256];
    slice_t org = org_7489(c->psl, dom, orgbuf, sizeof orgbuf);
    copy_str(r->org_domain, sizeof r->org_domain, org);
    found_t f;
    f.at = dom;
    fetch_t st = fetch_record(c, dom, &f.rec);
    if (st == F_NONE && !slice_eq_nocase(org, dom)) {
        f.at = org;
        st = fetch_record(c, org, &f.rec);
    }
    switch (st) {
    case F_PENDING:
        return st;
    case F_TEMP:
        set_temp(r, c);
        return F_NONE;
    case F_MANY:
        snprintf(r->reason, sizeof r->reason,
                 "several DMARC records at _dmarc.%.*s: no policy (RFC 7489 6.6.3)",
                 (int)(f.at.n > 200 ? 200 : f.at.n), (const char *)f.at.p);
        return F_NONE;
    case F_NONE:
        snprintf(r->reason, sizeof r->reason, "no DMARC record");
        return F_NONE;
    default:
        return finish(c, DMARC_7489, dom, org, &f, r);
    }
}

/* Higher is stricter: a failure under the harshest policy wins (RFC 7489 6.6.1). */
static int severity(const dmarc_result_t *r)
{
    switch (r->result) {
    case ENG_FAIL:
        return 100 + (strcmp(r->policy, "reject") == 0       ? 3
                      : strcmp(r->policy, "quarantine") == 0 ? 2
                                                             : 1);
    case ENG_TEMPERROR: return 50;
    case ENG_PERMERROR: return 40;
    case ENG_PASS: return 20;
    default: return 10;
    }
}

static void set_error(dmarc_result_t *r, eng_result_t res, const char *why)
{
    r->result = res;
    snprintf(r->reason, sizeof r->reason, "%s", why);
}

static const char *from_error(dmarc_from_status_t st)
{
    switch (st) {
    case DMARC_FROM_EMPTY: return "no author domain: no address in From";
    case DMARC_FROM_SYNTAX: return "From field does not parse";
    case DMARC_FROM_TOO_MANY: return "too many author addresses in From";
    case DMARC_FROM_NOT_LDH:
        return "author domain is not a valid domain name (a U-label: LDH/A-label only, RFC 8616)";
    default: return "no author domain: no address in From has a domain";
    }
}

/* One mode over every author domain; *out gets the strictest verdict. */
static fetch_t check_mode(dctx_t *c, dmarc_mode_t mode, char dom[][DMARC_DOMAIN_MAX],
                          size_t ndom, dmarc_result_t *out)
{
    for (size_t i = 0; i < ndom; i++) {
        dmarc_result_t r;
        result_init(&r, mode);
        slice_t d = slice_cstr(dom[i]);
        snprintf(r.from_domain, sizeof r.from_domain, "%s", dom[i]);
        fetch_t st = mode == DMARC_9989 ? eval_9989(c, d, &r) : eval_7489(c, d, &r);
        if (st == F_PENDING)
            return st;
        if (i == 0 || severity(&r) > severity(out))
            *out = r;
    }
    return F_NONE;
}

dmarc_status_t dmarc_check(const dmarc_input_t *in, dmarc_mode_t mode,
                           const dmarc_psl_t *psl, eng_lookup_fn lookup, void *arg,
                           dmarc_result_t *r9989, dmarc_result_t *r7489)
{
    dctx_t c = { .lookup = lookup, .arg = arg, .psl = psl, .in = in };
    char dom[DMARC_MAX_AUTHORS][DMARC_DOMAIN_MAX];
    size_t ndom = 0;
    result_init(r9989, DMARC_9989);
    result_init(r7489, DMARC_7489);
    const char *err = NULL;
    eng_result_t err_res = ENG_PERMERROR;
    /*
     * RFC 7489 6.6.1: several From fields are outside DMARC and must never
     * pass (CVE-2019-16378): permerror.  No author domain at all (no From,
     * an empty group, addresses without a domain) leaves nothing to look
     * up: none, with no DNS query (catalogue E1).
     */
    if (in->nfrom == 0) {
        err = "no author domain: From header absent";
        err_res = ENG_NONE;
    } else if (in->nfrom > 1) {
        err = "several From fields";
    } else {
        dmarc_from_status_t st = dmarc_from_domains(in->from[0], dom, DMARC_MAX_AUTHORS, &ndom);
        if (st != DMARC_FROM_OK)
            err = from_error(st);
        if (st == DMARC_FROM_EMPTY || st == DMARC_FROM_NO_DOMAIN)
            err_res = ENG_NONE;
    }
    if (err) {
        set_error(r9989, err_res, err);
        set_error(r7489, err_res, err);
    } else {
        if ((mode & DMARC_9989) && check_mode(&c, DMARC_9989, dom, ndom, r9989) == F_PENDING)
            return DMARC_PENDING;
        if ((mode & DMARC_7489) && check_mode(&c, DMARC_7489, dom, ndom, r7489) == F_PENDING)
            return DMARC_PENDING;
    }
    if (!(mode & DMARC_9989))
        set_error(r9989, ENG_NONE, "not run");
    if (!(mode & DMARC_7489))
        set_error(r7489, ENG_NONE, "not run");
    return DMARC_DONE;
}
