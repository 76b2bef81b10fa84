/*
 * spf_internal.h - the pieces of the SPF checker (RFC 7208), shared only
 * inside engine/spf*.c and their unit tests and fuzz target.
 *
 *   spf_record.c  record selection (4.5) and the term grammar (4.6, 5, 6)
 *   spf_macro.c   macro expansion (7) and domain-spec checks (7.1, 4.8)
 *   spf.c         check_host() (4): evaluation, DNS, limits, exp=
 */
#ifndef AS_ENG_SPF_INTERNAL_H
#define AS_ENG_SPF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "slice.h"

/* --- records and terms (spf_record.c) --- */

typedef enum {
    SPF_M_ALL,
    SPF_M_INCLUDE,
    SPF_M_A,
    SPF_M_MX,
    SPF_M_PTR,
    SPF_M_IP4,
    SPF_M_IP6,
    SPF_M_EXISTS,
    SPF_MOD_REDIRECT,
    SPF_MOD_EXP,
    SPF_MOD_UNKNOWN
} spf_kind_t;

typedef struct spf_term {
    spf_kind_t kind;
    char qual;          /* '+' '-' '~' '?' (mechanisms; '+' when absent) */
    slice_t text;       /* the whole term, as written (for reasons) */
    slice_t domain;     /* domain-spec or modifier value; empty: none given */
    unsigned cidr4;     /* a, mx, ip4: prefix length (32 when absent) */
    unsigned cidr6;     /* a, mx, ip6: prefix length (128 when absent) */
    uint8_t addr[16];   /* ip4 (first 4 bytes) / ip6 network */
} spf_term_t;

/* 1 if txt is an SPF version 1 record: "v=spf1" then SP or end, any case (4.5). */
int spf_record_is_v1(slice_t txt);

/*
 * The terms of a record after "v=spf1", one at a time: *pos starts at 0.
 * Returns 1 with *t filled, 0 at the end, -1 on a syntax error (*why set to
 * a static string).  Terms are separated by runs of SP (4.6.1).
 */
int spf_term_next(slice_t body, size_t *pos, spf_term_t *t, const char **why);

typedef struct spf_record {
    slice_t body;       /* the text after "v=spf1" */
    int has_redirect, has_exp;
    slice_t redirect, exp;  /* modifier values */
} spf_record_t;

/*
 * Check the whole record's syntax before anything is evaluated (4.6: a
 * syntax error anywhere is permerror) and find redirect= and exp= (6: each at
 * most once).  txt must satisfy spf_record_is_v1.  Returns 0, or -1 with
 * *why set.
 */
int spf_record_parse(slice_t txt, spf_record_t *r, const char **why);

/* --- macros (spf_macro.c) --- */

/* What the macro letters stand for (RFC 7208 7.3). */
typedef struct spf_macro_env {
    slice_t local;      /* l: local-part of the sender */
    slice_t sender_dom; /* o: domain of the sender */
    slice_t domain;     /* d: the current <domain> */
    slice_t helo;       /* h */
    slice_t validated;  /* p: validated name, "unknown" when none */
    slice_t receiver;   /* r */
    int v4;             /* the client is IPv4 (IPv4-mapped IPv6 included) */
    const uint8_t *ip;  /* 4 or 16 bytes */
    int64_t now;        /* t */
} spf_macro_env_t;

enum {
    SPF_MACRO_DOMAIN = 0,
    SPF_MACRO_EXP = 1,
    /* with DOMAIN, for a name to query: when out fills up, the start of the
     * expansion is dropped (out keeps at least the last 256 octets), which
     * is all that the 253-octet truncation of 7.3 keeps anyway; cap >= 512 */
    SPF_MACRO_TAIL = 4
};

enum {
    SPF_MACRO_OK = 0,
    SPF_MACRO_SYNTAX = -1,   /* not a macro-string (permerror) */
    SPF_MACRO_TOO_LONG = -2  /* the expansion does not fit in out */
};

/*
 * Expand a macro-string (mode SPF_MACRO_DOMAIN: a domain-spec, no SP, no
 * c/r/t letters, optionally | SPF_MACRO_TAIL) or an explain-string
 * (SPF_MACRO_EXP: SP and c/r/t allowed).
 * env NULL checks the syntax only.  Writes at most cap bytes to out (no NUL)
 * and the length to *n.  Returns an SPF_MACRO_* code.
 */
int spf_macro_expand(const spf_macro_env_t *env, slice_t s, int mode, char *out,
                     size_t cap, size_t *n);

/* 1 if s mentions the p macro (its value costs DNS lookups). */
int spf_macro_uses_p(slice_t s);

/*
 * A domain-spec as written in a record (RFC 7208 7.1): a macro-string that
 * ends in "." toplabel ["."] or in a macro-expand.  Returns 1 if valid.
 */
int spf_domain_spec_ok(slice_t s);

/* 1 if the last label of name (a trailing dot ignored) is a toplabel (4.8). */
int spf_toplabel_ok(slice_t name);

/*
 * RFC 7208 7.3: a name longer than 253 octets loses labels from the left
 * until it fits.  A trailing dot is dropped first.  Returns the kept part.
 */
slice_t spf_domain_truncate(slice_t name);

/* 1 if name has no empty label, no label over 63 octets, and 1..253 octets. */
int spf_domain_shape_ok(slice_t name);

#endif
