/*
 * dns_internal.h - shared by the files of dns/ only (and its tests).
 *
 *   dns_get -> cache.c (sharded table of entries) --miss--> backend->query
 *                 ^                                             |
 *                 +------------- dns_deliver(entry, answer) <---+
 *
 * A backend answers each query exactly once through dns_deliver, either
 * before its query function returns (zone file) or later from any thread
 * (live DNS).  The cache owns entries; a backend may keep an entry pointer
 * until it has delivered.
 */
#ifndef AS_DNS_INTERNAL_H
#define AS_DNS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns.h"
#include "slice.h"

struct dns_entry;

/* Pseudo-types of the zone file's failure-injection extension, from the
 * private-use range (RFC 6895 3.1); never sent on the wire. */
enum {
    DNS_T_SOA = 6,
    DNS_T_SPF = 99,
    DNS_T_PSEUDO_TIMEOUT = 65280,
    DNS_T_PSEUDO_SERVFAIL = 65281,
    DNS_T_PSEUDO_REFUSED = 65282,
    DNS_T_PSEUDO_BROKEN = 65283,
    /* --dns-record's NODATA marker: "TYPE65534 \# 0" (RFC 3597 3); the
     * zone parser makes the name exist and serves nothing for it. */
    DNS_T_PSEUDO_NODATA = 65534
};

/* A flat name (labels joined by '.', no trailing dot) is at most 253 bytes
 * (RFC 1035 3.1: 255 octets in wire form). */
#define DNS_FLAT_MAX 253

struct dns_backend {
    void *impl;
    /* Ask for (name, type); name is lower case without trailing dot and
     * stays valid until the answer is delivered.  Must deliver once. */
    void (*query)(void *impl, dns_t *d, struct dns_entry *e, slice_t name,
                  uint16_t type);
    /* Stop (no deliveries after it returns) and free impl. */
    void (*destroy)(void *impl);
    /* Answers expire after their TTL (live DNS).  0: they live for the
     * run, so a replayed run cannot depend on timing (zone file). */
    int expires;
    /* Every query is answered before query() returns (zone file): a job
     * has nothing to overlap with its lookups, so it asks no key ahead. */
    int at_once;
};

/* Hand the answer (and its one reference) to the cache, wake waiters. */
void dns_deliver(dns_t *d, struct dns_entry *e, dns_answer_t *a_own);

/* A cache over any backend; the cache owns be (also on failure). */
dns_t *dns_open_backend(const struct dns_backend *be, const dns_opts_t *opts);

/*
 * A new answer with one reference, copying name, rr and their data into one
 * allocation, so it outlives the backend that built it.  NULL if out of
 * memory.
 */
dns_answer_t *dns_answer_new(slice_t name, uint16_t type, dns_status_t status,
                             const dns_rr_t *rr, size_t nrr, uint32_t ttl);
void dns_answer_ref(dns_answer_t *a);
/*
 * A SERVFAIL answer for when memory runs out: a caller must always get an
 * answer or a wake, and a temporary failure is the honest one.  Never NULL
 * (falls back to a static answer that is never freed).
 */
dns_answer_t *dns_answer_oom(slice_t name, uint16_t type);
/* 1 for that static answer: shared by threads, so never to be written. */
int dns_answer_is_shared_oom(const dns_answer_t *a);

/* SipHash-1-3 of (lower-cased name, type) under a per-table key. */
uint64_t dns_hash_name(const uint64_t key[2], slice_t name, uint16_t type);
void dns_hash_key_init(uint64_t key[2]);

/* name without one trailing dot ("a.b." and "a.b" are one key). */
slice_t dns_name_trim_dot(slice_t name);

/* Every READY answer in the cache, in no particular order (record.c). */
void dns_cache_each(dns_t *d, void (*fn)(void *arg, dns_answer_t *a), void *arg);

/*
 * record.c: write answers as a zone file (see dns_record_write in dns.h).
 * Sorts a[] in place; returns 0, or -1 if writing failed.
 */
int dns_record_write_answers(FILE *f, dns_answer_t **a, size_t n);

/* --- DNS messages (wire.c): RFC 1035 4.1, RFC 2308, RFC 6604 --- */

typedef struct dns_wire_q {
    slice_t asked;         /* the name the answer is for (the cache key) */
    slice_t qname;         /* the name this response answers: asked, or the
                              target of an alias met in an earlier response */
    uint16_t qtype;
    uint32_t ttl_cap;      /* smallest TTL of the aliases met so far */
    uint32_t neg_default;  /* negative TTL when the response has no SOA */
    unsigned cnames;       /* aliases met in earlier responses */
} dns_wire_q_t;

/* Where to ask next when a response ends at an alias it does not answer. */
typedef struct dns_wire_follow {
    uint8_t name[DNS_FLAT_MAX + 1];
    size_t len;            /* 0: nothing to follow */
    uint32_t ttl_cap;      /* the chain's smallest TTL so far */
    unsigned cnames;       /* aliases met so far, this response's included */
} dns_wire_follow_t;

/*
 * Turn a response into an answer for (asked, qtype).  Total over any bytes:
 * a response that cannot be read is a BROKEN answer.  Returns a new answer
 * (one reference) whose `cnames` counts every alias met (q->cnames plus
 * this response's); or NULL with f->len > 0 when the response ends at an
 * alias whose target it does not answer (an authoritative server's CNAME
 * out of its zone): ask f->name next, with the q fields from f.  NULL with
 * f->len == 0: out of memory.  Within one response at most
 * DNS_HARD_MAX_CNAMES aliases are followed (a loop is BROKEN, with cnames
 * one past it).
 */
dns_answer_t *dns_wire_answer(const dns_wire_q_t *q, slice_t msg, dns_wire_follow_t *f);

/* --- the live backend (live.c) --- */

/* spec: what follows "live" ("" or ":IP[:PORT]"). */
/* --dns=slowzone:MS:FILE (slow.c): the zone, answered MS ms late from a thread. */
int dns_slow_backend(const char *arg, struct dns_backend *be, char *err, size_t errlen);

int dns_live_backend(const char *spec, const dns_opts_t *opts,
                     struct dns_backend *out, char *err, size_t errlen);

/* --- zone file (zone.c, zone_parse.c) --- */

typedef struct dns_zone dns_zone_t;

/*
 * Parse master-file text.  fname is used in error messages only
 * ("FNAME:LINE: reason").  NULL on error, with the reason in err.
 */
dns_zone_t *dns_zone_parse_mem(slice_t text, const char *fname, char *err,
                               size_t errlen);
dns_zone_t *dns_zone_load(const char *path, char *err, size_t errlen);
void dns_zone_free(dns_zone_t *z);
/* A fresh answer (one reference) for (name, type); NULL if out of memory. */
dns_answer_t *dns_zone_answer(const dns_zone_t *z, slice_t name, uint16_t type);
/* A backend serving z synchronously; it owns z. */
struct dns_backend dns_zone_backend_own(dns_zone_t *z);

/* zone.c's index, fed by the parser (zone_parse.c). */
dns_zone_t *dns_zone_new(void);
/* 0 on success; -1 with a reason in err (out of memory, conflicting CNAME). */
int dns_zone_add(dns_zone_t *z, slice_t owner, uint16_t type, uint16_t pref,
                 uint32_t ttl, slice_t data, char *err, size_t errlen);
/* The name exists (it owns records this zone does not serve: SOA, NS). */
int dns_zone_touch(dns_zone_t *z, slice_t owner);
void dns_zone_set_negative_ttl(dns_zone_t *z, uint32_t ttl);

#endif
