/*
 * zone.c - the in-memory index of a zone file and the answers it gives.
 *
 * Names (lower case, no trailing dot) map to their records in file order.
 * Record data lives in an arena freed with the zone; answers copy what they
 * need (dns_answer_new), so they outlive the zone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"

#define DEFAULT_NEGATIVE_TTL 3600u
#define ARENA_BLOCK 65536u

typedef struct zrr {
    uint16_t type, pref;
    uint32_t ttl;
    const uint8_t *data;
    size_t len;
} zrr_t;

typedef struct zname {
    struct zname *next;
    uint64_t hash;
    const uint8_t *name;
    size_t namelen;
    zrr_t *rr;
    size_t nrr, caprr;
} zname_t;

typedef struct ablock {
    struct ablock *next;
    size_t used, cap;
    uint8_t mem[];
} ablock_t;

struct dns_zone {
    uint64_t key[2];
    zname_t **buckets;
    size_t nbuckets, count; /* nbuckets: power of two */
    ablock_t *arena;
    uint32_t negative_ttl;
};

static void *arena_alloc(dns_zone_t *z, size_t n)
{
    ablock_t *b = z->arena;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        if (cap > SIZE_MAX - sizeof *b)
            return NULL;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = z->arena;
        z->arena = b;
    }
    void *p = b->mem + b->used;
    b->used += n;
    return p;
}

dns_zone_t *dns_zone_new(void)
{
    dns_zone_t *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->nbuckets = 64;
    z->buckets = calloc(z->nbuckets, sizeof *z->buckets);
    if (!z->buckets) {
        free(z);
        return NULL;
    }
    z->negative_ttl = DEFAULT_NEGATIVE_TTL;
    dns_hash_key_init(z->key);
    return z;
}

void dns_zone_free(dns_zone_t *z)
{
    if (!z)
        return;
    for (size_t i = 0; i < z->nbuckets; i++)
        for (zname_t *n = z->buckets[i]; n;) {
            zname_t *next = n->next;
            free(n->rr);
            free(n);
            n = next;
        }
    free(z->buckets);
    for (ablock_t *b = z->arena; b;) {
        ablock_t *next = b->next;
        free(b);
        b = next;
    }
    free(z);
}

void dns_zone_set_negative_ttl(dns_zone_t *z, uint32_t ttl)
{
    z->negative_ttl = ttl;
}

static const zname_t *zone_find(const dns_zone_t *z, slice_t name)
{
    uint64_t h = dns_hash_name(z->key, name, 0);
    for (const zname_t *n = z->buckets[h & (z->nbuckets - 1)]; n; n = n->next)
        if (n->hash == h && slice_eq_nocase(slice_make(n->name, n->namelen), name))
            return n;
    return NULL;
}

static void zone_grow(dns_zone_t *z)
{
    if (z->count <= z->nbuckets || z->nbuckets > SIZE_MAX / 2 / sizeof(void *))
        return;
    size_t nb = z->nbuckets * 2;
    zname_t **b = calloc(nb, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < z->nbuckets; i++)
        for (zname_t *n = z->buckets[i]; n;) {
            zname_t *next = n->next;
            n->next = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
            n = next;
        }
    free(z->buckets);
    z->buckets = b;
    z->nbuckets = nb;
}

static zname_t *zone_intern(dns_zone_t *z, slice_t owner)
{
    zname_t *n = (zname_t *)zone_find(z, owner);
    if (n)
        return n;
    n = calloc(1, sizeof *n);
    uint8_t *name = arena_alloc(z, owner.n + 1);
    if (!n || !name) {
        free(n);
        return NULL;
    }
    for (size_t i = 0; i < owner.n; i++)
        name[i] = slice_lower_byte(owner.p[i]);
    name[owner.n] = 0;
    n->name = name;
    n->namelen = owner.n;
    n->hash = dns_hash_name(z->key, owner, 0);
    n->next = z->buckets[n->hash & (z->nbuckets - 1)];
    z->buckets[n->hash & (z->nbuckets - 1)] = n;
    z->count++;
    zone_grow(z);
    return n;
}

static const zrr_t *name_first_of(const zname_t *n, uint16_t type)
{
    for (size_t i = 0; i < n->nrr; i++)
        if (n->rr[i].type == type)
            return &n->rr[i];
    return NULL;
}

int dns_zone_touch(dns_zone_t *z, slice_t owner)
{
    return zone_intern(z, owner) ? 0 : -1;
}

/* RFC 2181 5: an RRset holds no duplicate records; a record written twice
 * (e.g. by --dns-record seeing it through two queries) is kept once. */
static int name_has_rr(const zname_t *n, uint16_t type, uint16_t pref,
                       slice_t data)
{
    for (size_t i = 0; i < n->nrr; i++) {
        const zrr_t *r = &n->rr[i];
        if (r->type == type && r->pref == pref &&
            slice_eq(slice_make(r->data, r->len), data))
            return 1;
    }
    return 0;
}

int dns_zone_add(dns_zone_t *z, slice_t owner, uint16_t type, uint16_t pref,
                 uint32_t ttl, slice_t data, char *err, size_t errlen)
{
    zname_t *n = zone_intern(z, owner);
    if (!n)
        goto oom;
    if (name_has_rr(n, type, pref, data))
        return 0;
    /* RFC 1034 3.6.2: a name with a CNAME has no other data; two different
     * CNAMEs would make the answer depend on file order. */
    if (type == DNS_T_CNAME && name_first_of(n, DNS_T_CNAME)) {
        snprintf(err, errlen, "a second, different CNAME at this name");
        return -1;
    }
    if (n->nrr == n->caprr) {
        size_t cap = n->caprr ? n->caprr * 2 : 2;
        zrr_t *rr = realloc(n->rr, cap * sizeof *rr);
        if (!rr)
            goto oom;
        n->rr = rr;
        n->caprr = cap;
    }
    uint8_t *copy = arena_alloc(z, data.n ? data.n : 1);
    if (!copy)
        goto oom;
    if (data.n)
        memcpy(copy, data.p, data.n);
    n->rr[n->nrr++] = (zrr_t){ type, pref, ttl, copy, data.n };
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

static int is_pseudo(uint16_t t)
{
    return t == DNS_T_PSEUDO_TIMEOUT || t == DNS_T_PSEUDO_SERVFAIL ||
           t == DNS_T_PSEUDO_REFUSED || t == DNS_T_PSEUDO_BROKEN;
}

/* The pseudo-record that makes a query of type at n fail, if any: one with
 * no data fails every type, one with a 2-byte type code only that type
 * (the first in file order wins). */
static const zrr_t *name_failure(const zname_t *n, uint16_t type)
{
    for (size_t i = 0; i < n->nrr; i++) {
        const zrr_t *r = &n->rr[i];
        if (is_pseudo(r->type) &&
            (r->len == 0 ||
             (r->len == 2 && (uint16_t)(r->data[0] << 8 | r->data[1]) == type)))
            return r;
    }
    return NULL;
}

static dns_status_t pseudo_status(uint16_t t)
{
    switch (t) {
    case DNS_T_PSEUDO_TIMEOUT: return DNS_TIMEOUT;
    case DNS_T_PSEUDO_SERVFAIL: return DNS_SERVFAIL;
    case DNS_T_PSEUDO_REFUSED: return DNS_REFUSED;
    default: return DNS_BROKEN;
    }
}

static dns_answer_t *answer_status(slice_t name, uint16_t type,
                                   dns_status_t st, uint32_t ttl)
{
    dns_answer_t *a = dns_answer_new(name, type, st, NULL, 0, ttl);
    return a ? a : dns_answer_oom(name, type);
}

static dns_answer_t *answer_records(slice_t name, uint16_t type,
                                    const zname_t *n, uint32_t ttl)
{
    size_t k = 0;
    for (size_t i = 0; i < n->nrr; i++)
        k += n->rr[i].type == type;
    dns_rr_t *rr = calloc(k, sizeof *rr);
    if (!rr)
        return dns_answer_oom(name, type);
    k = 0;
    for (size_t i = 0; i < n->nrr; i++) {
        const zrr_t *r = &n->rr[i];
        if (r->type != type)
            continue;
        rr[k++] = (dns_rr_t){ r->type, r->pref, r->ttl, slice_make(r->data, r->len) };
        if (r->ttl < ttl)
            ttl = r->ttl;
    }
    dns_answer_t *a = dns_answer_new(name, type, DNS_OK, rr, k, ttl);
    free(rr);
    return a ? a : dns_answer_oom(name, type);
}

/* The answer, told how many CNAMEs led to it (the cache holds it to
 * --dns-max-cnames). */
static dns_answer_t *with_cnames(dns_answer_t *a, unsigned hops)
{
    if (!dns_answer_is_shared_oom(a))
        a->cnames = hops;
    return a;
}

dns_answer_t *dns_zone_answer(const dns_zone_t *z, slice_t name, uint16_t type)
{
    slice_t asked = dns_name_trim_dot(name);
    slice_t cur = asked;
    uint32_t ttl = UINT32_MAX; /* smallest TTL met on the way */

    for (unsigned hops = 0;; hops++) {
        const zname_t *n = zone_find(z, cur);
        if (!n)
            return with_cnames(answer_status(asked, type, DNS_NXDOMAIN, z->negative_ttl),
                               hops);
        const zrr_t *fail = name_failure(n, type);
        if (fail)
            return with_cnames(answer_status(asked, type, pseudo_status(fail->type), 0),
                               hops);
        const zrr_t *cname = type == DNS_T_CNAME ? NULL
                                                 : name_first_of(n, DNS_T_CNAME);
        if (!cname) {
            if (!name_first_of(n, type))
                return with_cnames(answer_status(asked, type, DNS_NODATA, z->negative_ttl),
                                   hops);
            return with_cnames(answer_records(asked, type, n, ttl), hops);
        }
        /* RFC 1034 3.6.2: restart the query at the canonical name.  A loop
         * stops one past the hard cap, which any --dns-max-cnames refuses. */
        if (hops == DNS_HARD_MAX_CNAMES)
            return with_cnames(answer_status(asked, type, DNS_BROKEN, 0), hops + 1);
        if (cname->ttl < ttl)
            ttl = cname->ttl;
        cur = slice_make(cname->data, cname->len);
    }
}

/* --- the backend --- */

static void zone_query(void *impl, dns_t *d, struct dns_entry *e, slice_t name,
                       uint16_t type)
{
    dns_deliver(d, e, dns_zone_answer(impl, name, type));
}

static void zone_destroy(void *impl)
{
    dns_zone_free(impl);
}

struct dns_backend dns_zone_backend_own(dns_zone_t *z)
{
    return (struct dns_backend){ z, zone_query, zone_destroy, 0, 1 };
}

/* --- loading --- */

static int read_file(const char *path, uint8_t **out, size_t *outlen, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *nb = ncap > cap ? realloc(buf, ncap) : NULL;
            if (!nb) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        goto fail;
    }
    fclose(f);
    *out = buf;
    *outlen = n;
    return 0;
fail:
    free(buf);
    fclose(f);
    return -1;
}

dns_zone_t *dns_zone_load(const char *path, char *err, size_t errlen)
{
    uint8_t *buf;
    size_t n;
    if (read_file(path, &buf, &n, err, errlen) != 0)
        return NULL;
    dns_zone_t *z = dns_zone_parse_mem(slice_make(buf, n), path, err, errlen);
    free(buf);
    return z;
}
