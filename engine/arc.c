/*
 * arc.c - ARC chain validation, RFC 8617 section 5.2:
 *   collect the sets and check their structure (arc_parse.c, steps 1-3)
 *   -> the latest AMS, verified like a DKIM signature (step 4)
 *   -> older AMSs down to the first that fails: oldest-pass (step 5)
 *   -> every AS from N down to 1 over the sets 1..i (step 6) -> pass.
 *
 * Algorithm policy: rsa-sha256 always; rsa-sha1 never (the ARC test suite
 * fails it, RFC 8301); RSA keys under 1024 bits fail (RFC 8301, the suite's
 * as_fields_b_512); ed25519-sha256 when o->allow_ed25519.  RFC 8617 leaves
 * algorithms other than rsa-sha256 to a later document (ARC-MULTI); real
 * sealers use Ed25519 (mail-auth's arc/002.txt is sealed with it) and its
 * key is as strong as RSA-3072, so accepting it is the useful reading.
 *
 * 5.2.1: "All errors, including DNS failures, become unrecoverable and
 * are considered permanent", so a key lookup that times out is a fail.
 */
#include "arc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc_internal.h"
#include "crypto.h"
#include "dkim_verify.h"
#include "keys.h"

typedef struct bodyhash {
    crypto_canon_t canon;
    crypto_hash_alg_t alg;
    int64_t l;
    uint8_t digest[CRYPTO_MAX_DIGEST];
    size_t dlen;
    uint64_t canon_len;
} bodyhash_t;

#define MAX_BODYHASH 4

typedef struct buf {
    uint8_t *p;
    size_t cap;
} buf_t;

typedef struct actx {
    const eng_msg_t *m;
    dns_t *dns;
    const arc_opts_t *o;
    const arc_chain_t *c;
    arc_sig_t *sig;          /* one parsed AMS/AS at a time (large) */
    bodyhash_t bh[MAX_BODYHASH];
    size_t nbh;
    buf_t cut, canon;        /* a field without b=; its canonical form */
    const char *why;         /* why the last verification failed */
    char whybuf[128];
} actx_t;

enum { V_PASS = 0, V_FAIL = 1 };

static int fail(actx_t *a, const char *why)
{
    a->why = why;
    return V_FAIL;
}

static uint8_t *grow(buf_t *b, size_t need)
{
    if (need > b->cap) {
        uint8_t *p = realloc(b->p, need ? need : 1);
        if (!p)
            return NULL;
        b->p = p;
        b->cap = need;
    }
    return b->p;
}

static const eng_field_t *field_of(const actx_t *a, unsigned inst, arc_kind_t k)
{
    return &a->m->f[a->c->set[inst].idx[k]];
}

/* ---- hashing ---- */

/* The body hash for the AMS's c=, a= and l=, computed once per combination. */
static const bodyhash_t *body_hash(actx_t *a, const arc_sig_t *s)
{
    for (size_t i = 0; i < a->nbh; i++)
        if (a->bh[i].canon == s->bcanon && a->bh[i].alg == s->hash && a->bh[i].l == s->l)
            return &a->bh[i];
    /* more combinations than slots: reuse the last (never more than N AMSs) */
    bodyhash_t *b = &a->bh[a->nbh < MAX_BODYHASH ? a->nbh++ : MAX_BODYHASH - 1];
    crypto_bodyhash_t *h = crypto_bodyhash_new(s->bcanon, s->hash, s->l);
    if (!h)
        return NULL;
    b->canon = s->bcanon;
    b->alg = s->hash;
    b->l = s->l;
    crypto_bodyhash_update(h, a->m->body.p, a->m->body.n);
    crypto_bodyhash_final(h, b->digest, &b->dlen, &b->canon_len);
    crypto_bodyhash_free(h);
    return b;
}

static int hash_raw(actx_t *a, crypto_hash_t *h, crypto_canon_t c, slice_t raw, int crlf)
{
    uint8_t *out = grow(&a->canon, crypto_canon_header_cap(raw.n));
    if (!out)
        return -1;
    crypto_hash_update(h, out, crypto_canon_header(c, raw, crlf, out));
    return 0;
}

/* RFC 6376 3.7: the signing field itself, b= value cut out, no final CRLF. */
static int hash_self(actx_t *a, crypto_hash_t *h, const arc_sig_t *s, const eng_field_t *f)
{
    size_t pre = (size_t)(f->value.p - f->raw.p) + s->b_off;
    size_t post = pre + s->b_len;
    uint8_t *cut = grow(&a->cut, f->raw.n);
    if (!cut || post > f->raw.n)
        return -1;
    memcpy(cut, f->raw.p, pre);
    memcpy(cut + pre, f->raw.p + post, f->raw.n - post);
    return hash_raw(a, h, s->hcanon, slice_make(cut, f->raw.n - s->b_len), 0);
}

/* AMS (4.1.2 = RFC 6376 3.7): the h= fields chosen bottom-up, then itself. */
static int ams_digest(actx_t *a, const arc_sig_t *s, const eng_field_t *self,
                      uint8_t *digest, size_t *dlen)
{
    int rc = -1;
    size_t *pick = malloc((s->nh ? s->nh : 1) * sizeof *pick);
    crypto_hash_t *h = crypto_hash_new(s->hash);
    size_t npick = pick ? eng_dkim_select(a->m, s->h, s->nh, pick) : (size_t)-1;

    if (npick == (size_t)-1 || !h)
        goto out;
    for (size_t k = 0; k < npick; k++)
        if (hash_raw(a, h, s->hcanon, a->m->f[pick[k]].raw, 1) < 0)
            goto out;
    if (hash_self(a, h, s, self) < 0)
        goto out;
    *dlen = crypto_hash_final(h, digest);
    rc = 0;
out:
    crypto_hash_free(h);
    free(pick);
    return rc;
}

/*
 * AS (5.1.1): the ARC sets 1..inst in increasing order, each as AAR, AMS,
 * AS, relaxed (4.1.3); the seal being verified last, b= emptied.
 */
static int as_digest(actx_t *a, const arc_sig_t *s, unsigned inst, uint8_t *digest,
                     size_t *dlen)
{
    int rc = -1;
    crypto_hash_t *h = crypto_hash_new(s->hash);

    if (!h)
        return -1;
    for (unsigned i = 1; i <= inst; i++) {
        if (hash_raw(a, h, CRYPTO_CANON_RELAXED, field_of(a, i, ARC_AAR)->raw, 1) < 0 ||
            hash_raw(a, h, CRYPTO_CANON_RELAXED, field_of(a, i, ARC_AMS)->raw, 1) < 0)
            goto out;
        if (i < inst &&
            hash_raw(a, h, CRYPTO_CANON_RELAXED, field_of(a, i, ARC_AS)->raw, 1) < 0)
            goto out;
    }
    if (hash_self(a, h, s, field_of(a, inst, ARC_AS)) < 0)
        goto out;
    *dlen = crypto_hash_final(h, digest);
    rc = 0;
out:
    crypto_hash_free(h);
    return rc;
}

/* ---- keys and policy ---- */

static const char *algorithm_refused(const actx_t *a, const arc_sig_t *s)
{
    if (s->hash == CRYPTO_SHA1)
        return "rsa-sha1 is not allowed (RFC 8301)";
    if (s->keytype == CRYPTO_KEY_ED25519 && !a->o->allow_ed25519)
        return "ed25519-sha256 is not accepted";
    return NULL;
}

/* RFC 6376 3.5 t= and x=, which the AMS keeps from DKIM (4.1.2). */
static const char *clock_refused(const actx_t *a, const arc_sig_t *s)
{
    if (s->x >= 0 && a->o->now > s->x)
        return "signature expired";
    if (s->t >= 0 && s->t > a->o->now + ENG_DKIM_T_SLACK)
        return "t= in the future";
    return NULL;
}

/* One key record: NULL if the signature verifies with it, else why not. */
static const char *try_key(const arc_sig_t *s, const eng_keyent_t *e, const uint8_t *digest,
                           size_t dlen, char *buf, size_t cap)
{
    const dkim_keyrec_t *rec = &e->rec;

    if (rec->revoked)
        return "key revoked";
    if (rec->error)
        return rec->error;
    if (!e->key)
        return e->key_why;
    if (rec->k != s->keytype || crypto_key_type(e->key) != s->keytype)
        return "key type does not match a=";
    if (!(rec->hashes & (1u << s->hash)))
        return "key h= does not allow the signature's hash";
    unsigned bits = crypto_key_bits(e->key);
    if (s->keytype == CRYPTO_KEY_RSA && bits < 1024) { /* RFC 8301 3.2 */
        snprintf(buf, cap, "key too short: %u bits", bits);
        return buf;
    }
    if (crypto_verify(e->key, s->hash, digest, dlen, slice_make(s->sig, s->siglen)) != 1)
        return "signature did not verify";
    return NULL;
}

/* Look up s=._domainkey.d= and check the digest against each record. */
static int check_keys(actx_t *a, const arc_sig_t *s, const uint8_t *digest, size_t dlen)
{
    eng_keyfetch_t kf;
    const char *first = NULL;
    char buf[64];

    if (eng_key_fetch(a->dns, s->selector, s->domain, &kf) < 0) {
        snprintf(a->whybuf, sizeof a->whybuf, "%s", kf.reason);
        eng_keyfetch_done(&kf);
        return fail(a, a->whybuf);
    }
    /* RFC 6376 6.1.2: with several records, any that verifies will do */
    for (size_t i = 0; i < kf.ks->n; i++) {
        const char *why = try_key(s, &kf.ks->e[i], digest, dlen, buf, sizeof buf);
        if (!why) {
            eng_keyfetch_done(&kf);
            return V_PASS;
        }
        if (!first) {
            snprintf(a->whybuf, sizeof a->whybuf, "%s", why);
            first = a->whybuf;
        }
    }
    eng_keyfetch_done(&kf);
    return fail(a, first ? first : "no key for signature");
}

/* ---- the two signatures ---- */

static int has_name(const arc_sig_t *s, const char *name)
{
    for (size_t i = 0; i < s->nh; i++)
        if (slice_eq_cstr_nocase(s->h[i], name))
            return 1;
    return 0;
}

static int verify_ams(actx_t *a, unsigned inst)
{
    const eng_field_t *f = field_of(a, inst, ARC_AMS);
    arc_sig_t *s = a->sig;
    const char *why;
    uint8_t digest[CRYPTO_MAX_DIGEST];
    size_t dlen;

    if ((why = arc_ams_parse(f->value, s)) || (why = algorithm_refused(a, s)))
        return fail(a, why);
    /*
     * 4.1.2: ARC header fields "MUST NOT be included" in h=.  Signing an
     * earlier AMS is harmless and the suite passes it
     * (ams_fields_h_includes_ams); a signed ARC-Seal fails
     * (ams_fields_h_includes_as), as in dkimpy and OpenARC.
     */
    if (has_name(s, "arc-seal"))
        return fail(a, "h= includes ARC-Seal");
    if ((why = clock_refused(a, s)))
        return fail(a, why);
    const bodyhash_t *b = body_hash(a, s);
    if (!b)
        return fail(a, "out of memory");
    if (s->l >= 0 && (uint64_t)s->l > b->canon_len)
        return fail(a, "l= exceeds body length");
    if (b->dlen != s->bhlen || memcmp(b->digest, s->bh, b->dlen) != 0)
        return fail(a, "body hash did not verify");
    if (ams_digest(a, s, f, digest, &dlen) < 0)
        return fail(a, "out of memory");
    return check_keys(a, s, digest, dlen);
}

static int verify_as(actx_t *a, unsigned inst)
{
    arc_sig_t *s = a->sig;
    const char *why;
    uint8_t digest[CRYPTO_MAX_DIGEST];
    size_t dlen;

    if ((why = arc_as_parse(field_of(a, inst, ARC_AS)->value, s)) ||
        (why = algorithm_refused(a, s)) || (why = clock_refused(a, s)))
        return fail(a, why);
    if (as_digest(a, s, inst, digest, &dlen) < 0)
        return fail(a, "out of memory");
    return check_keys(a, s, digest, dlen);
}

/* ---- the validator ---- */

static void set_fail(arc_result_t *r, unsigned inst, const char *what, const char *why)
{
    r->result = ENG_FAIL;
    r->failed = inst;
    if (what)
        snprintf(r->reason, sizeof r->reason, "%s i=%u: %s", what, inst, why);
    else
        snprintf(r->reason, sizeof r->reason, "%s", why);
}

/* 5.2 steps 4-7 over a structurally valid chain of n sets. */
static void validate_sets(actx_t *a, unsigned n, arc_result_t *r)
{
    /* step 4: the latest AMS must verify */
    if (verify_ams(a, n) != V_PASS)
        return set_fail(r, n, "AMS", a->why);
    /*
     * step 5: oldest-pass, the lowest instance M such that the AMSs M..N
     * all verify (RFC 8617 reports 0 when all do; we report 1, and 0 only
     * when none is known, which reads better in a report).
     */
    r->oldest_pass = n;
    for (unsigned i = n - 1; i >= 1 && verify_ams(a, i) == V_PASS; i--)
        r->oldest_pass = i;
    /* step 6: every seal, newest first */
    for (unsigned i = n; i >= 1; i--)
        if (verify_as(a, i) != V_PASS)
            return set_fail(r, i, "AS", a->why);
    r->result = ENG_PASS; /* step 7 */
}

void arc_validate(const eng_msg_t *m, dns_t *dns, const arc_opts_t *o, arc_result_t *r)
{
    arc_chain_t *c = malloc(sizeof *c);
    actx_t a = { .m = m, .dns = dns, .o = o, .c = c };

    memset(r, 0, sizeof *r);
    r->result = ENG_NONE;
    if (!c)
        return set_fail(r, 0, NULL, "out of memory");
    if (arc_chain_collect(m, o->max_instances, c)) {
        r->instances = c->n;
        set_fail(r, c->bad, NULL, c->error);
    } else if (c->nfields > 0) {
        r->instances = c->n;
        a.sig = malloc(sizeof *a.sig);
        if (a.sig)
            validate_sets(&a, c->n, r);
        else
            set_fail(r, 0, NULL, "out of memory");
    }
    free(a.sig);
    free(a.cut.p);
    free(a.canon.p);
    free(c);
}

int arc_chain_precheck(const eng_msg_t *m, unsigned max_instances)
{
    arc_chain_t *c = malloc(sizeof *c);
    if (!c)
        return 1; /* the validator will say out of memory */
    int ok = arc_chain_collect(m, max_instances, c) == NULL && c->nfields > 0;
    free(c);
    return ok;
}
