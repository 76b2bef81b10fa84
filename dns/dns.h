/*
 * dns.h - DNS answers for the checkers: resolver backends behind a sharded,
 * coalescing cache.
 *
 * Callers ask for (name, type) and either get the answer at once (cached, or
 * a backend that answers synchronously such as the zone file) or are told it
 * is in flight and woken when it lands: a worker never blocks on DNS.  The
 * backend is chosen by a spec string, so a new backend (c-ares, live DNS)
 * plugs in without changing callers.
 *
 * Backends:
 *   zone:FILE  an RFC 1035 master file ($ORIGIN, $TTL, ';' comments, '( )'
 *              continuation, '@', relative names, optional TTL and class;
 *              TXT with several quoted strings and \X / \DDD escapes, A,
 *              AAAA, MX, PTR, CNAME).  Names absent from the file are
 *              NXDOMAIN; a name present without the asked type is NODATA.
 *              authsweep extension: a record of pseudo-type TIMEOUT,
 *              SERVFAIL, REFUSED or BROKEN makes queries at that name fail
 *              so: every query with no data, or only queries of one type
 *              with a type mnemonic as data ("x.example. 0 IN TIMEOUT TXT").
 *   live       c-ares, servers from /etc/resolv.conf.
 *   live:IP[:PORT], live:[IPv6]:PORT, live:IPv6   one server (port 53 by
 *              default).  EDNS0 (1232-byte UDP payload, DNS Flag Day 2020),
 *              TCP when an answer is truncated, CNAME chains followed.  One
 *              thread of its own drives the queries; at most `inflight` are on
 *              the wire, the rest wait in a FIFO.  Positive answers live for
 *              their TTL (clamped to [min_ttl, max_ttl]), negative ones for
 *              the SOA's negative TTL (RFC 2308 5), failures for 30 seconds
 *              (RFC 2308 7 allows up to five minutes); an expired entry is
 *              asked again.  Zone answers never expire within a run.
 *
 * Recording (dns_record_write) works over any backend: see below.
 */
#ifndef AS_DNS_H
#define AS_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "slice.h"

enum {
    DNS_T_A = 1,
    DNS_T_CNAME = 5,
    DNS_T_PTR = 12,
    DNS_T_MX = 15,
    DNS_T_TXT = 16,
    DNS_T_AAAA = 28
};

typedef enum {
    DNS_OK = 0,    /* at least one record of the asked type */
    DNS_NXDOMAIN,  /* the name does not exist */
    DNS_NODATA,    /* the name exists, but has no record of this type */
    DNS_TIMEOUT,   /* no answer in time (temporary) */
    DNS_SERVFAIL,  /* the server failed (temporary) */
    DNS_REFUSED,   /* the server refused (temporary) */
    DNS_BROKEN     /* the answer could not be used: malformed, CNAME loop (temporary) */
} dns_status_t;

/* 1 for the statuses RFC 6376/7208 treat as temporary failures. */
int dns_status_is_temp(dns_status_t s);
const char *dns_status_str(dns_status_t s); /* "NXDOMAIN", "timeout", ... */

typedef struct dns_rr {
    uint16_t type;
    uint16_t pref;  /* MX preference */
    uint32_t ttl;
    /*
     * TXT: the record's character-strings concatenated with no separator
     * (RFC 6376 3.6.2.2, RFC 7208 3.3).  A: 4 bytes, AAAA: 16 bytes,
     * network order.  MX, PTR, CNAME: the target name, lower case, without
     * the trailing dot.
     */
    slice_t data;
} dns_rr_t;

/* Why an answer is DNS_BROKEN when a configured limit, not the server,
 * made it unusable (dns_opts_t.max_answer, max_cnames). */
typedef enum {
    DNS_LIMIT_NONE = 0,
    DNS_LIMIT_ANSWER_SIZE, /* its records add up to more than max_answer bytes */
    DNS_LIMIT_CNAMES       /* reaching them took more than max_cnames CNAMEs */
} dns_limit_t;

typedef struct dns_answer {
    dns_status_t status;
    uint16_t type;      /* the type asked for */
    slice_t name;       /* the name asked for, lower case, no trailing dot */
    size_t nrr;         /* records of `type`; CNAMEs followed are not listed */
    const dns_rr_t *rr;
    uint32_t ttl;       /* smallest TTL of the answer (negative TTL when none) */
    unsigned cnames;    /* CNAMEs followed from name to the records (or to the
                           NXDOMAIN/NODATA at the end of the chain) */
    /*
     * A limit broke the answer: status is then DNS_BROKEN (a temporary
     * failure: a larger limit could give another result), nrr is 0, and
     * limit_seen > limit_max says by how much (bytes, or CNAMEs; for a
     * chain that loops, limit_seen is just past the limit).
     */
    dns_limit_t limit;
    size_t limit_seen, limit_max;
} dns_answer_t;

/*
 * A short phrase for people saying why the answer is not usable:
 * dns_status_str, or for a limit "DNS answer of 70000 bytes exceeds the
 * limit of 65536" / "CNAME chain longer than the limit of 8".  Returns buf.
 */
const char *dns_answer_why(const dns_answer_t *a, char *buf, size_t n);

typedef struct dns dns_t;

typedef struct dns_opts {
    unsigned shards;      /* cache shards (power of two); 0 = default (64) */
    /* live backend only; 0 means the default */
    unsigned timeout_ms;  /* per try (c-ares doubles it per round); 2000 */
    unsigned tries;       /* attempts per query; 2 */
    unsigned inflight;    /* queries on the wire at once; 64 */
    uint32_t min_ttl;     /* clamp of positive and negative TTLs; 0 */
    uint32_t max_ttl;     /* 0 = default 86400 */
    /*
     * Every backend, enforced where answers enter the cache (so zone,
     * slowzone and live alike); 0 means the default.  An answer over a
     * limit becomes DNS_BROKEN with `limit` set (see dns_answer_t).
     */
    size_t max_answer;    /* bytes of record data in one answer, TXT strings
                             joined (--dns-max-answer); 65536 */
    unsigned max_cnames;  /* CNAMEs followed for one answer (--dns-max-cnames);
                             8, at most DNS_HARD_MAX_CNAMES */
} dns_opts_t;

#define DNS_DEFAULT_TIMEOUT_MS 2000u
#define DNS_DEFAULT_TRIES 2u
#define DNS_DEFAULT_INFLIGHT 64u
#define DNS_DEFAULT_MAX_TTL 86400u
#define DNS_DEFAULT_MAX_ANSWER 65536u
#define DNS_DEFAULT_MAX_CNAMES 8u
/* Backends stop following a chain here whatever the option says: a loop
 * ends as a chain one longer than this. */
#define DNS_HARD_MAX_CNAMES 100u

/*
 * Open a resolver from a spec ("zone:FILE", "live", "live:IP[:PORT]").  On failure returns NULL and
 * writes a one-line reason (with file:line for zone syntax errors) to err.
 */
dns_t *dns_open(const char *spec, const dns_opts_t *opts, char *err, size_t errlen);
void dns_close(dns_t *d);

/* Called once, from any thread, when an answer a caller waited for lands. */
typedef void (*dns_wake_fn)(void *arg);

/*
 * Ask for (name, type).  name: a domain name, any case, trailing dot
 * optional.  Returns the answer with a reference the caller releases; or
 * NULL when the query is in flight, in which case wake(arg) will be called
 * exactly once when it lands and the caller asks again (it will then be
 * cached).  However many callers ask for the same (name, type) while it is in
 * flight, the backend sees one query.
 */
dns_answer_t *dns_get(dns_t *d, slice_t name, uint16_t type, dns_wake_fn wake,
                      void *arg);
void dns_answer_release(dns_answer_t *a);

/*
 * Parsed objects live with the answer (a DKIM key parsed once per record,
 * not once per message).  slot is a small index chosen by the caller
 * (< DNS_ATTACH_SLOTS).  set returns the object now attached: obj if the slot
 * was empty, else the one another thread attached first (the caller then
 * frees its own).  free_fn is called when the answer is dropped from the cache.
 */
#define DNS_ATTACH_SLOTS 4
void *dns_answer_attached(const dns_answer_t *a, unsigned slot);
void *dns_answer_attach(dns_answer_t *a, unsigned slot, void *obj,
                        void (*free_fn)(void *));

typedef struct dns_stats {
    uint64_t queries;    /* sent to the backend */
    uint64_t hits;       /* answered from the cache */
    uint64_t coalesced;  /* waited on a query already in flight */
    uint64_t nxdomain, nodata, timeouts, servfails;
    uint64_t refused, broken;
    uint64_t answered;   /* answers the backend delivered (queries - answered: in flight) */
} dns_stats_t;
void dns_get_stats(dns_t *d, dns_stats_t *out);

/*
 * 1 if every lookup is answered before dns_get() returns (the zone file
 * backend): asking for keys ahead of time then overlaps nothing.
 */
int dns_answers_at_once(const dns_t *d);

/*
 * Write every (name, type) answer the cache holds (the latest answer of
 * each, negative ones included) as a zone file that "zone:FILE" replays to
 * the same statuses and records.  Call after the run, before dns_close; from
 * one thread, with no query outstanding that matters.  Deterministic: lines
 * are sorted by name bytes, then type, records in the order of the answer.
 *   OK        the records, at the asked name (CNAMEs followed are flattened)
 *   NXDOMAIN  the name is absent (a comment line says so)
 *   NODATA    "NAME TTL IN TYPE65534 \# 0": an RFC 3597 record of a
 *             private-use type that makes the name exist and is never served
 *   TIMEOUT, SERVFAIL, REFUSED, BROKEN   the pseudo-type with the asked type
 *             as data ("NAME 0 IN TIMEOUT TXT")
 * TXT bytes outside printable ASCII, '"' and '\' are written \DDD, and
 * each record is cut into strings of at most 255 bytes.  An NXDOMAIN at a
 * name that other answers make exist replays as NODATA (a snapshot taken
 * over time can disagree with itself; both are "no record").  Returns 0, or
 * -1 with a reason in err.
 */
int dns_record_write(dns_t *d, const char *path, char *err, size_t errlen);

#endif
