/*
 * dkim_key.c - DKIM key records (RFC 6376 section 3.6.1; RFC 8463 section 4
 * for k=ed25519).
 *
 * The record is a tag list like the signature, but every tag except p= is
 * optional, unknown tags and unknown list items are ignored (3.6.1:
 * "Unrecognized tags MUST be ignored"), and only what would make the key
 * unusable for email is an error.
 */
#include <string.h>

#include "dkim.h"
#include "dkim_tags_internal.h"

/*
 * 3.6.1 v=: "If specified, this tag MUST be set to "DKIM1" (without the
 * quotes).  This tag MUST be the first tag in the record."
 */
static const char *check_v(const dkim_taglist_t *tl)
{
    const dkim_tag_t *v = dkim_taglist_get(tl, "v");

    if (!v)
        return NULL;
    if (v != &tl->t[0])
        return "key version: v= is not the first tag";
    if (!slice_eq(v->value, SLICE_LIT("DKIM1")))
        return "key version: v= is not DKIM1";
    return NULL;
}

/* 3.6.1 k=, default "rsa"; RFC 8463 4 adds "ed25519". */
static const char *check_k(const dkim_taglist_t *tl, dkim_keyrec_t *rec)
{
    const dkim_tag_t *k = dkim_taglist_get(tl, "k");

    rec->k = CRYPTO_KEY_RSA;
    if (!k || slice_eq_cstr_nocase(k->value, "rsa"))
        return NULL;
    if (slice_eq_cstr_nocase(k->value, "ed25519")) {
        rec->k = CRYPTO_KEY_ED25519;
        return NULL;
    }
    return "unknown key type";
}

/*
 * 3.6.1 h=: a colon list of acceptable hashes, all when absent.  Unknown
 * names are ignored, so a list of only unknown names allows none and any
 * signature then fails as "inappropriate hash algorithm" in the verifier.
 */
static void parse_h(const dkim_taglist_t *tl, dkim_keyrec_t *rec)
{
    const dkim_tag_t *h = dkim_taglist_get(tl, "h");
    dkim_list_t l;
    slice_t item;

    rec->hashes = DKIM_HASH_SHA1 | DKIM_HASH_SHA256;
    if (!h)
        return;
    rec->hashes = 0;
    dkim_list_init(&l, h->value);
    while (dkim_list_next(&l, &item)) {
        if (slice_eq_cstr_nocase(item, "sha1"))
            rec->hashes |= DKIM_HASH_SHA1;
        else if (slice_eq_cstr_nocase(item, "sha256"))
            rec->hashes |= DKIM_HASH_SHA256;
    }
}

/* 3.6.1 s=: service types, default "*"; the key must allow "email". */
static const char *check_s(const dkim_taglist_t *tl)
{
    const dkim_tag_t *s = dkim_taglist_get(tl, "s");
    dkim_list_t l;
    slice_t item;

    if (!s)
        return NULL;
    dkim_list_init(&l, s->value);
    while (dkim_list_next(&l, &item))
        if (slice_eq(item, SLICE_LIT("*")) || slice_eq_cstr_nocase(item, "email"))
            return NULL;
    return "key not for email";
}

/* 3.6.1 t=: flags "y" (testing) and "s" (strict i=); "Unrecognized flags
 * MUST be ignored." */
static void parse_t(const dkim_taglist_t *tl, dkim_keyrec_t *rec)
{
    const dkim_tag_t *t = dkim_taglist_get(tl, "t");
    dkim_list_t l;
    slice_t item;

    if (!t)
        return;
    dkim_list_init(&l, t->value);
    while (dkim_list_next(&l, &item)) {
        if (slice_eq_cstr_nocase(item, "y"))
            rec->testing = 1;
        else if (slice_eq_cstr_nocase(item, "s"))
            rec->strict = 1;
    }
}

static const char *taglist_reason(const char *why)
{
    /* Keep the reason about the key record, not the signature. */
    if (strncmp(why, "duplicate tag", 13) == 0)
        return "key record: duplicate tag";
    if (strcmp(why, "too many tags") == 0)
        return "key record: too many tags";
    return "key record syntax error";
}

const char *dkim_keyrec_parse(slice_t txt, dkim_keyrec_t *rec)
{
    dkim_taglist_t tl;
    const char *why;
    const dkim_tag_t *p;

    rec->k = CRYPTO_KEY_RSA;
    rec->hashes = DKIM_HASH_SHA1 | DKIM_HASH_SHA256;
    rec->testing = rec->strict = rec->revoked = 0;
    rec->p = SLICE_NULL;
    rec->error = NULL;

    why = dkim_taglist_parse(txt, &tl);
    if (why) {
        rec->error = taglist_reason(why);
        return rec->error;
    }
    p = dkim_taglist_get(&tl, "p");
    if (p) {
        rec->p = p->value;
        /* 3.6.1 p=: "An empty value means that this public key has been
         * revoked."  Not a syntax error: the verifier reports it. */
        rec->revoked = p->value.n == 0;
    }
    parse_h(&tl, rec);
    parse_t(&tl, rec);
    if ((why = check_v(&tl)) || (why = (p ? NULL : "key record has no p=")) ||
        (why = check_k(&tl, rec)) || (why = check_s(&tl)))
        rec->error = why;
    return rec->error;
}
