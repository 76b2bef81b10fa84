/*
 * dkim.h - DKIM syntax: tag lists, DKIM-Signature fields and key records
 * (RFC 6376 sections 3.2, 3.5, 3.6.1; RFC 8301; RFC 8463), and the
 * verifier that uses them (dkim_verify.c).
 *
 * Parsers take slices over the message or the DNS answer and return
 * sub-slices; the only bytes they produce are decoded base64.  Every parser
 * is total: any input gives a filled structure or a reason string, never a
 * read past the end.  Reasons are static strings, worded for people, and
 * become the `reason` of a permerror.
 */
#ifndef AS_ENG_DKIM_H
#define AS_ENG_DKIM_H

#include <stdint.h>

#include "crypto.h"
#include "result.h"
#include "slice.h"

/* ---- tag lists (RFC 6376 3.2) ---- */
#define DKIM_MAX_TAGS 64

typedef struct dkim_tag {
    slice_t name;   /* tag-name, FWS around it removed */
    slice_t value;  /* tag-value, leading and trailing FWS removed; inner FWS kept */
    slice_t raw;    /* from the first byte of the name to the end of the value */
} dkim_tag_t;

typedef struct dkim_taglist {
    dkim_tag_t t[DKIM_MAX_TAGS];
    size_t n;
} dkim_taglist_t;

/*
 * Parse tag-list = tag-spec *( ";" tag-spec ) [ ";" ], with FWS allowed
 * around names, '=' and values.  An empty tag-spec between semicolons is a
 * syntax error except a trailing one.  Returns NULL on success or a reason:
 * "tag-list syntax error", "duplicate tag: X" (a tag name seen twice is a
 * permerror, 3.2; X for the tags DKIM defines, else "duplicate tag"),
 * "too many tags".  Tag names are case-sensitive.
 * Tag names may also contain '-' (seen in published key records).  A
 * final line break ending the input is allowed.  On error, out->t[0..n)
 * holds the tags parsed before the error.
 */
const char *dkim_taglist_parse(slice_t s, dkim_taglist_t *out);
/* The value of tag `name`, or NULL if absent. */
const dkim_tag_t *dkim_taglist_get(const dkim_taglist_t *tl, const char *name);

/* ---- DKIM-Signature (RFC 6376 3.5) ---- */
#define DKIM_MAX_H 512
#define DKIM_MAX_SIG 2048 /* decoded b= bytes: a 16384-bit RSA signature */
#define DKIM_MAX_I 320    /* decoded i=: 64-octet local-part, '@', 253-octet domain */

typedef struct dkim_sig {
    /* As written (empty slice if the tag is absent): used for output. */
    slice_t d, s, i, a, c, b;
    int has_d, has_s, has_i, has_a;

    /* Meaningful only when error == NULL. */
    crypto_keytype_t keytype;
    crypto_hash_alg_t hash;
    crypto_canon_t hcanon, bcanon;
    slice_t domain;         /* d=, validated as a domain name */
    slice_t selector;       /* s=, validated as a selector */
    slice_t auid;           /* i= decoded, or d= when i= is absent (print it as "@" d=) */
    slice_t auid_domain;    /* the part of i= after '@' (d= when i= is absent) */
    int64_t l;              /* l=, or -1 if absent */
    int64_t t, x;           /* t= and x=, or -1 if absent */
    slice_t h[DKIM_MAX_H];  /* h= names in order, as written */
    size_t nh;
    uint8_t bh[CRYPTO_MAX_DIGEST];
    size_t bhlen;
    uint8_t sig[DKIM_MAX_SIG];
    size_t siglen;
    /*
     * i= is dkim-quoted-printable (RFC 6376 3.5, 2.11): when it has "=XX"
     * escapes, auid and auid_domain point into this decoded copy (so a
     * parsed dkim_sig_t must not be copied by value); otherwise into value.
     */
    uint8_t auid_buf[DKIM_MAX_I];
    /*
     * Where the b= value sits in the field's value slice (offset, length):
     * the verifier hashes the field with exactly these bytes removed
     * (RFC 6376 3.7: "with the value of the b= tag deleted").  b_off is
     * the byte after "b=" (after its '='), b_off+b_len the ';' that ends
     * the tag or the end of the value (a final line break excluded): the
     * value with all FWS around it.
     */
    size_t b_off, b_len;

    /* NULL if the signature is usable; else why not (a permerror). */
    const char *error;
} dkim_sig_t;

/*
 * Parse the value of a DKIM-Signature field (the bytes after the colon,
 * through the end of the field, folding included).  Checks every rule of
 * 3.5 and 6.1.1 that needs no key and no clock: v=1 required; a, b, bh, d,
 * h, s required; known a= (rsa-sha1, rsa-sha256, ed25519-sha256) and c=;
 * h= includes "from"; i= is d= or a subdomain of it; d= and s= are
 * non-empty and syntactically valid names; l=, t=, x= are digits (l= over
 * 2^63 is treated as larger than any body, not as an error); x= >= t=
 * when both are present; b= and bh= are valid base64.  Fills what it can
 * even on error (d, s, i, a, c, b as written) so a broken signature is still
 * reported with its names.  Returns sig->error.
 *
 * A bh= that decodes to the wrong length for the hash is not a syntax error:
 * it is left to fail as "body hash did not verify" (that is what it is).
 */
const char *dkim_sig_parse(slice_t value, dkim_sig_t *sig);

/* ---- key records (RFC 6376 3.6.1, RFC 8463 4) ---- */
enum { DKIM_HASH_SHA1 = 1u << CRYPTO_SHA1, DKIM_HASH_SHA256 = 1u << CRYPTO_SHA256 };

typedef struct dkim_keyrec {
    crypto_keytype_t k;  /* k=, default rsa */
    unsigned hashes;     /* h=: DKIM_HASH_* allowed; all when absent */
    int testing;         /* t=y */
    int strict;          /* t=s: i= must be exactly d= */
    int revoked;         /* p= present and empty */
    slice_t p;           /* p= base64 as written (FWS inside allowed) */
    const char *error;   /* NULL, or why the record is unusable */
} dkim_keyrec_t;

/*
 * Parse the TXT data of a key record.  v= if present must be first and be
 * "DKIM1"; k= unknown -> error "unknown key type"; s= must list "*" or
 * "email" else "key not for email"; h= lists hash names (unknown ones
 * ignored); p= required ("key record has no p="); unknown tags ignored.
 * Returns rec->error.
 */
const char *dkim_keyrec_parse(slice_t txt, dkim_keyrec_t *rec);

#endif
