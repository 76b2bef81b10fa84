/*
 * dkim_verify.c - RFC 6376 section 6 for a verifier, with RFC 8301 (rsa-sha1
 * and short keys) and RFC 8463 (Ed25519).
 *
 * For each DKIM-Signature field, top first:
 *   parse (dkim_sig.c) -> key lookup (dns/) -> key record checks
 *   -> body hash (shared between signatures with the same c=, a=, l=)
 *   -> header hash over the h= fields chosen bottom-up -> signature check
 *   -> policy (RFC 8301, expiry, t= in the future).
 * The cryptography is run whenever a key can be had, even when a key flag
 * or policy already decides the verdict, so `crypto` tells what the maths
 * alone said.
 */
#include "dkim_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "dkim.h"
#include "dnswait.h"
#include "keys.h"

/* ---- body hashes, shared between signatures ---- */

typedef struct vctx {
    const eng_msg_t *m;
    dns_t *dns;
    const eng_dkim_opts_t *o;
    eng_bodyhashes_t *bh;    /* the caller's, or own_bh */
    eng_bodyhashes_t own_bh;
    uint8_t *scratch; /* header canonicalization */
    size_t scratch_cap;
    size_t nkeys;     /* key records at the selector being checked */
} vctx_t;

static const eng_bodyhash_t *bh_find(const eng_bodyhashes_t *bhs, const dkim_sig_t *sig)
{
    for (size_t i = 0; i < bhs->n; i++)
        if (bhs->bh[i].canon == sig->bcanon && bhs->bh[i].alg == sig->hash &&
            bhs->bh[i].l == sig->l)
            return &bhs->bh[i];
    return NULL;
}

/* The body hash for sig's c=, a= and l=, computed once per message. */
static const eng_bodyhash_t *bh_get(eng_bodyhashes_t *bhs, const eng_msg_t *m,
                                    const dkim_sig_t *sig)
{
    const eng_bodyhash_t *found = bh_find(bhs, sig);
    if (found)
        return found;
    /* more distinct combinations than slots: the last slot is recycled */
    eng_bodyhash_t *b = &bhs->bh[bhs->n < ENG_MAX_BODYHASH ? bhs->n++ : ENG_MAX_BODYHASH - 1];
    b->canon = sig->bcanon;
    b->alg = sig->hash;
    b->l = sig->l;
    crypto_bodyhash_t *h = crypto_bodyhash_new(sig->bcanon, sig->hash, sig->l);
    if (!h) {
        bhs->n--;
        return NULL;
    }
    crypto_bodyhash_update(h, m->body.p, m->body.n);
    crypto_bodyhash_final(h, b->digest, &b->dlen, &b->canon_len);
    crypto_bodyhash_free(h);
    return b;
}

static const eng_bodyhash_t *body_hash(vctx_t *v, const dkim_sig_t *sig)
{
    return bh_get(v->bh, v->m, sig);
}

int eng_dkim_prehash(const eng_msg_t *m, unsigned max_sigs, eng_bodyhashes_t *bhs)
{
    unsigned k = 0;
    dkim_sig_t *sig = malloc(sizeof *sig);
    if (!sig)
        return -1;
    for (size_t i = 0; i < m->nf && k < max_sigs; i++) {
        if (!slice_eq_cstr_nocase(m->f[i].name, "dkim-signature"))
            continue;
        k++;
        if (dkim_sig_parse(m->f[i].value, sig) == NULL && !bh_get(bhs, m, sig)) {
            free(sig);
            return -1;
        }
    }
    free(sig);
    return 0;
}

static uint8_t *scratch(vctx_t *v, size_t need)
{
    if (need > v->scratch_cap) {
        uint8_t *p = realloc(v->scratch, need);
        if (!p)
            return NULL;
        v->scratch = p;
        v->scratch_cap = need;
    }
    return v->scratch;
}

static int hash_field(vctx_t *v, crypto_hash_t *h, crypto_canon_t c, slice_t raw,
                      int crlf)
{
    uint8_t *out = scratch(v, crypto_canon_header_cap(raw.n));
    if (!out)
        return -1;
    crypto_hash_update(h, out, crypto_canon_header(c, raw, crlf, out));
    return 0;
}

size_t eng_dkim_select(const eng_msg_t *m, const slice_t *names, size_t nnames,
                       size_t *out)
{
    /*
     * RFC 6376 5.4.2: each h= name takes the next field of that name not
     * yet taken, counting from the bottom; a name with no field left
     * selects nothing (over-signing, which guards against added fields).
     */
    size_t n = 0;
    uint8_t *used = calloc(m->nf ? m->nf : 1, 1);
    if (!used)
        return (size_t)-1;
    for (size_t k = 0; k < nnames; k++) {
        for (size_t j = m->nf; j-- > 0;) {
            if (used[j] || !slice_eq_nocase(m->f[j].name, names[k]))
                continue;
            used[j] = 1;
            out[n++] = j;
            break;
        }
    }
    free(used);
    return n;
}

/*
 * RFC 6376 3.7: the fields chosen by h=, then the DKIM-Signature field
 * itself with the b= value emptied and without its final CRLF.
 */
static int header_hash(vctx_t *v, const dkim_sig_t *sig, const eng_field_t *self,
                       uint8_t *digest, size_t *dlen)
{
    const eng_msg_t *m = v->m;
    int rc = -1;
    size_t *pick = malloc((sig->nh ? sig->nh : 1) * sizeof *pick);
    crypto_hash_t *h = crypto_hash_new(sig->hash);
    uint8_t *selfcopy = malloc(self->raw.n ? self->raw.n : 1);
    size_t npick = pick ? eng_dkim_select(m, sig->h, sig->nh, pick) : (size_t)-1;
    if (npick == (size_t)-1 || !h || !selfcopy)
        goto out;
    for (size_t k = 0; k < npick; k++)
        if (hash_field(v, h, sig->hcanon, m->f[pick[k]].raw, 1) < 0)
            goto out;
    /* The field with the b= value cut out: prefix, then what follows it. */
    size_t pre = (size_t)(self->value.p - self->raw.p) + sig->b_off;
    size_t post = pre + sig->b_len;
    memcpy(selfcopy, self->raw.p, pre);
    memcpy(selfcopy + pre, self->raw.p + post, self->raw.n - post);
    if (hash_field(v, h, sig->hcanon, slice_make(selfcopy, self->raw.n - sig->b_len), 0) < 0)
        goto out;
    *dlen = crypto_hash_final(h, digest);
    rc = 0;
out:
    crypto_hash_free(h);
    free(pick);
    free(selfcopy);
    return rc;
}

/* ---- one signature against one key record ---- */

typedef struct verdict {
    eng_result_t result;
    const char *reason;
    char buf[96];
    int crypto;
    unsigned bits;
} verdict_t;

static void set(verdict_t *vd, eng_result_t r, const char *why)
{
    vd->result = r;
    vd->reason = why;
}

static void set_short_key(verdict_t *vd, eng_result_t r)
{
    snprintf(vd->buf, sizeof vd->buf, "key too short: %u bits", vd->bits);
    set(vd, r, vd->buf);
}

/*
 * The maths alone: body hash, then the signature over the header hash.
 * Returns 1 pass, 0 fail, -2 out of memory.
 */
static int run_crypto(vctx_t *v, const dkim_sig_t *sig, const eng_field_t *self,
                      const crypto_key_t *key, int *bh_ok, uint64_t *canon_len)
{
    const eng_bodyhash_t *b = body_hash(v, sig);
    if (!b)
        return -2;
    *canon_len = b->canon_len;
    *bh_ok = b->dlen == sig->bhlen && memcmp(b->digest, sig->bh, b->dlen) == 0;
    if (!*bh_ok)
        return 0;
    uint8_t digest[CRYPTO_MAX_DIGEST];
    size_t dlen;
    if (header_hash(v, sig, self, digest, &dlen) < 0)
        return -2;
    return crypto_verify(key, sig->hash, digest, dlen,
                         slice_make(sig->sig, sig->siglen));
}

/* RFC 5322 3.6: the fields a message has at most one of. */
static int once_only(slice_t name)
{
    static const char *const once[] = { "from", "sender", "reply-to", "to", "cc",
                                        "bcc", "subject", "date", "message-id",
                                        "in-reply-to", "references" };
    for (size_t i = 0; i < sizeof once / sizeof once[0]; i++)
        if (slice_eq_cstr_nocase(name, once[i]))
            return 1;
    return 0;
}

/*
 * Catalogue B2, RFC 6376 5.4.2 and 8.15: h= picks fields bottom-up, so a
 * copy of a signed field added above the signed one is not covered, yet a
 * reader may be shown it.  The signature still passes; the first such name
 * is returned (as written in h=), or an empty slice.
 */
static slice_t unsigned_duplicate(const eng_msg_t *m, const dkim_sig_t *sig)
{
    for (size_t k = 0; k < sig->nh; k++) {
        slice_t name = sig->h[k];
        if (!once_only(name))
            continue;
        size_t listed = 0, present = 0;
        for (size_t j = 0; j < sig->nh; j++)
            listed += slice_eq_nocase(sig->h[j], name);
        for (size_t j = 0; j < m->nf; j++)
            present += slice_eq_nocase(m->f[j].name, name);
        if (present > listed)
            return name;
    }
    return SLICE_NULL;
}

/*
 * A pass that deserves a word for people: content after l= (catalogue C4,
 * RFC 6376 8.2: anyone may append to such a body), an unsigned duplicate
 * of a signed field (B2), several key records at the selector (G2).
 */
static void pass_notes(vctx_t *v, const dkim_sig_t *sig, uint64_t canon_len, verdict_t *vd)
{
    size_t n = 0;
    vd->buf[0] = 0;
    if (sig->l >= 0 && (uint64_t)sig->l < canon_len)
        n += (size_t)snprintf(vd->buf, sizeof vd->buf,
                              "body partially signed: %llu bytes after l= are unsigned",
                              (unsigned long long)(canon_len - (uint64_t)sig->l));
    slice_t dup = unsigned_duplicate(v->m, sig);
    if (dup.n && n < sizeof vd->buf)
        n += (size_t)snprintf(vd->buf + n, sizeof vd->buf - n,
                              "%sunsigned duplicate header: %.*s", n ? "; " : "",
                              (int)(dup.n > 40 ? 40 : dup.n), (const char *)dup.p);
    if (v->nkeys > 1 && n < sizeof vd->buf)
        snprintf(vd->buf + n, sizeof vd->buf - n, "%smultiple key records", n ? "; " : "");
    set(vd, ENG_PASS, vd->buf[0] ? vd->buf : NULL);
}

static void check_record(vctx_t *v, const dkim_sig_t *sig, const eng_field_t *self,
                         const eng_keyent_t *e, verdict_t *vd)
{
    const dkim_keyrec_t *rec = &e->rec;
    int bh_ok = 0;
    uint64_t canon_len = 0;
    const eng_dkim_opts_t *o = v->o;

    vd->crypto = -1;
    vd->bits = e->key ? crypto_key_bits(e->key) : 0;
    if (rec->revoked)
        return set(vd, ENG_PERMERROR, "key revoked");
    if (e->key && crypto_key_type(e->key) == sig->keytype)
        vd->crypto = run_crypto(v, sig, self, e->key, &bh_ok, &canon_len);
    if (vd->crypto == -2) /* out of memory: say so rather than guess */
        return set(vd, ENG_TEMPERROR, "out of memory");

    /* RFC 6376 6.1.2: the key record's own rules */
    if (rec->error)
        return set(vd, ENG_PERMERROR, rec->error);
    if (!e->key)
        return set(vd, ENG_PERMERROR, e->key_why);
    if (rec->k != sig->keytype || crypto_key_type(e->key) != sig->keytype)
        return set(vd, ENG_PERMERROR, "key type does not match a= (inappropriate key algorithm)");
    if (!(rec->hashes & (1u << sig->hash)))
        return set(vd, ENG_PERMERROR, "key h= does not allow the signature's hash");
    if (rec->strict && !slice_eq_nocase(sig->auid_domain, sig->domain))
        return set(vd, ENG_PERMERROR, "key has t=s but i= is a subdomain of d=");
    if (sig->keytype == CRYPTO_KEY_RSA && vd->bits < 512)
        return set_short_key(vd, ENG_PERMERROR);
    /* RFC 6376 3.5 x=: invalid once the clock is past it (catalogue C2:
     * the times are reported, the clock being --now) */
    if (sig->x >= 0 && o->now > sig->x) {
        snprintf(vd->buf, sizeof vd->buf, "signature expired: x=%lld is before the clock %lld",
                 (long long)sig->x, (long long)o->now);
        return set(vd, ENG_PERMERROR, vd->buf);
    }
    /* RFC 6376 3.5 l=: must not exceed the canonicalized body (6.1.1 PERMFAIL) */
    if (sig->l >= 0 && (uint64_t)sig->l > canon_len)
        return set(vd, ENG_PERMERROR, "l= exceeds body length");
    if (!bh_ok)
        return set(vd, ENG_FAIL, "body hash did not verify");
    if (vd->crypto != 1)
        return set(vd, ENG_FAIL, "signature did not verify");
    /* RFC 8301: what the maths accepts but a verifier must not */
    if (sig->hash == CRYPTO_SHA1 && !o->legacy)
        return set(vd, ENG_POLICY, "rsa-sha1 is not allowed (RFC 8301)");
    if (sig->keytype == CRYPTO_KEY_RSA && vd->bits < 1024 && !o->legacy)
        return set_short_key(vd, ENG_POLICY);
    /* RFC 6376 3.5 t=: a verifier MAY ignore signatures from the future.
     * The maths passed, so this is the verifier's policy (RFC 8601 2.7.1),
     * past ENG_DKIM_T_SLACK of skew; the times are reported (C2). */
    if (sig->t >= 0 && sig->t > o->now + ENG_DKIM_T_SLACK) {
        snprintf(vd->buf, sizeof vd->buf,
                 "t= in the future: t=%lld is over %d s after the clock %lld",
                 (long long)sig->t, ENG_DKIM_T_SLACK, (long long)o->now);
        return set(vd, ENG_POLICY, vd->buf);
    }
    pass_notes(v, sig, canon_len, vd);
}

static int rank(eng_result_t r)
{
    switch (r) {
    case ENG_PASS: return 0;
    case ENG_POLICY: return 1;
    case ENG_FAIL: return 2;
    case ENG_TEMPERROR: return 3;
    default: return 4;
    }
}

static void take_verdict(eng_dkim_res_t *r, const verdict_t *vd)
{
    r->result = vd->result;
    r->crypto = vd->crypto;
    r->key_bits = vd->bits;
    if (vd->reason == vd->buf) {
        memcpy(r->reason_buf, vd->buf, sizeof r->reason_buf);
        r->reason = r->reason_buf;
    } else {
        r->reason = vd->reason;
    }
}

static void lookup_and_check(vctx_t *v, const dkim_sig_t *sig, const eng_field_t *self,
                             eng_dkim_res_t *r)
{
    eng_keyfetch_t kf;
    if (eng_key_fetch(v->dns, sig->selector, sig->domain, &kf) < 0) {
        r->result = kf.result;
        if (eng_key_absent_reason(&kf, r->reason_buf, sizeof r->reason_buf)) {
            r->reason = r->reason_buf; /* catalogue C8 */
        } else if (kf.reason == kf.buf) {
            snprintf(r->reason_buf, sizeof r->reason_buf, "%s", kf.buf);
            r->reason = r->reason_buf;
        } else {
            r->reason = kf.reason;
        }
        eng_keyfetch_done(&kf);
        return;
    }
    /*
     * RFC 6376 6.1.2: with several key records a verifier may try each;
     * the best verdict wins (the first on ties).
     */
    verdict_t best = { .result = ENG_PERMERROR }, vd;
    v->nkeys = kf.ks->n; /* catalogue G2: a pass says there were several */
    for (size_t i = 0; i < kf.ks->n; i++) {
        memset(&vd, 0, sizeof vd);
        check_record(v, sig, self, &kf.ks->e[i], &vd);
        if (i == 0 || rank(vd.result) < rank(best.result)) {
            best = vd;
            if (vd.reason == vd.buf)
                best.reason = best.buf;
        }
    }
    take_verdict(r, &best);
    eng_keyfetch_done(&kf);
}

static void names_as_written(const dkim_sig_t *sig, eng_dkim_res_t *r)
{
    r->d = sig->d;
    r->s = sig->s;
    r->i = sig->i;
    r->a = sig->a;
    r->c = sig->c;
    r->b = sig->b;
    r->has = (sig->has_d ? ENG_DKIM_HAS_D : 0) | (sig->has_s ? ENG_DKIM_HAS_S : 0) |
             (sig->has_i ? ENG_DKIM_HAS_I : 0) | (sig->has_a ? ENG_DKIM_HAS_A : 0) |
             (sig->c.p ? ENG_DKIM_HAS_C : 0) | (sig->b.p ? ENG_DKIM_HAS_B : 0);
}

static void verify_one(vctx_t *v, const eng_field_t *f, dkim_sig_t *sig,
                       size_t ordinal, eng_dkim_res_t *r)
{
    memset(r, 0, sizeof *r);
    r->crypto = -1;
    dkim_sig_parse(f->value, sig);
    names_as_written(sig, r);
    if (ordinal >= v->o->max_sigs) {
        /* a bound on work per message: no DNS, no crypto past it.
         * Catalogue H1 (OpenDKIM#271, go-msgauth#35): permerror. */
        r->result = ENG_PERMERROR;
        snprintf(r->reason_buf, sizeof r->reason_buf,
                 "too many signatures: only the first %u are verified", v->o->max_sigs);
        r->reason = r->reason_buf;
        return;
    }
    if (sig->error) {
        r->result = ENG_PERMERROR;
        r->reason = sig->error;
        return;
    }
    lookup_and_check(v, sig, f, r);
}

int eng_dkim_verify(const eng_msg_t *m, dns_t *dns, const eng_dkim_opts_t *o,
                    eng_bodyhashes_t *bhs, eng_dkim_res_t **out, size_t *n)
{
    size_t count = 0;
    for (size_t i = 0; i < m->nf; i++)
        count += slice_eq_cstr_nocase(m->f[i].name, "dkim-signature");
    *out = NULL;
    *n = 0;
    if (count == 0)
        return 0;
    eng_dkim_res_t *res = calloc(count, sizeof *res);
    dkim_sig_t *sig = malloc(sizeof *sig); /* large: decoded b= and h= lists */
    vctx_t v = { .m = m, .dns = dns, .o = o };
    v.bh = bhs ? bhs : &v.own_bh;
    if (!res || !sig) {
        free(res);
        free(sig);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < m->nf; i++)
        if (slice_eq_cstr_nocase(m->f[i].name, "dkim-signature"))
            verify_one(&v, &m->f[i], sig, k, &res[k]), k++;
    free(sig);
    free(v.scratch);
    *out = res;
    *n = count;
    return 0;
}
