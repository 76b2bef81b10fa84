/*
 * cache.c - the sharded, coalescing cache in front of a backend.
 *
 * Each shard has one mutex and a chained hash table of entries keyed by
 * (lower-cased name, type).  An entry is PENDING (a query is in flight; it
 * lists the callers to wake) or READY (it holds one reference to the
 * answer).  The backend is called and waiters are woken outside the shard
 * lock, so a backend that answers at once (zone file) or a wake function that
 * asks again cannot deadlock.
 *
 * Expiry: the zone backend's answers never expire within a run (output must
 * be deterministic); entry_expired() is the hook where TTL expiry (with
 * min/max clamps) will go when the live backend arrives.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"

#define DEFAULT_SHARDS 64u
#define MAX_SHARDS 65536u
#define INITIAL_BUCKETS 16u

typedef enum { ENTRY_PENDING, ENTRY_READY } entry_state_t;

typedef struct waiter {
    dns_wake_fn wake;
    void *arg;
} waiter_t;

struct dns_entry {
    struct dns_entry *next; /* bucket chain */
    uint64_t hash;
    uint16_t type;
    entry_state_t state;
    unsigned shard;
    dns_answer_t *answer; /* READY: the cache's reference */
    waiter_t *waiters;    /* PENDING: callers to wake */
    size_t nwaiters, capwaiters;
    size_t namelen;
    uint8_t name[]; /* lower case, no trailing dot */
};

typedef struct shard {
    pthread_mutex_t lock;
    struct dns_entry **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    dns_stats_t stats;
} shard_t;

struct dns {
    struct dns_backend be;
    uint64_t key[2];
    unsigned nshards; /* power of two */
    unsigned shard_shift;
    shard_t *shards;
};

static unsigned shards_wanted(const dns_opts_t *opts)
{
    unsigned want = opts && opts->shards ? opts->shards : DEFAULT_SHARDS;
    if (want > MAX_SHARDS)
        want = MAX_SHARDS;
    unsigned n = 1;
    while (n < want)
        n <<= 1;
    return n;
}

static void shards_free(shard_t *shards, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        shard_t *s = &shards[i];
        for (size_t b = 0; b < s->nbuckets; b++) {
            struct dns_entry *e = s->buckets[b];
            while (e) {
                struct dns_entry *next = e->next;
                /* Waiters of a query still pending at close are not woken:
                 * their callers are gone by contract. */
                dns_answer_release(e->answer);
                free(e->waiters);
                free(e);
                e = next;
            }
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->lock);
    }
    free(shards);
}

dns_t *dns_open_backend(const struct dns_backend *be, const dns_opts_t *opts)
{
    dns_t *d = calloc(1, sizeof *d);
    unsigned n = shards_wanted(opts);
    if (!d)
        goto fail;
    d->be = *be;
    d->nshards = n;
    d->shard_shift = 64;
    for (unsigned k = n; k > 1; k >>= 1)
        d->shard_shift--;
    dns_hash_key_init(d->key);
    d->shards = calloc(n, sizeof *d->shards);
    if (!d->shards)
        goto fail;
    for (unsigned i = 0; i < n; i++) {
        shard_t *s = &d->shards[i];
        s->buckets = calloc(INITIAL_BUCKETS, sizeof *s->buckets);
        pthread_mutex_init(&s->lock, NULL);
        s->nbuckets = INITIAL_BUCKETS;
        if (!s->buckets) {
            shards_free(d->shards, i + 1);
            d->shards = NULL;
            goto fail;
        }
    }
    return d;
fail:
    if (be->destroy)
        be->destroy(be->impl);
    free(d);
    return NULL;
}

void dns_close(dns_t *d)
{
    if (!d)
        return;
    /* The backend first: after destroy nothing delivers into the entries. */
    if (d->be.destroy)
        d->be.destroy(d->be.impl);
    shards_free(d->shards, d->nshards);
    free(d);
}

static shard_t *shard_of(dns_t *d, uint64_t hash)
{
    /* High bits pick the shard, low bits the bucket: independent. */
    unsigned i = d->shard_shift >= 64 ? 0 : (unsigned)(hash >> d->shard_shift);
    return &d->shards[i];
}

static struct dns_entry *bucket_find(shard_t *s, uint64_t hash, slice_t name,
                                     uint16_t type)
{
    for (struct dns_entry *e = s->buckets[hash & (s->nbuckets - 1)]; e;
         e = e->next)
        if (e->hash == hash && e->type == type &&
            slice_eq_nocase(slice_make(e->name, e->namelen), name))
            return e;
    return NULL;
}

/* Double the bucket array when the load passes 1; on ENOMEM keep going
 * with longer chains. */
static void shard_grow(shard_t *s)
{
    if (s->count <= s->nbuckets || s->nbuckets > SIZE_MAX / 2 / sizeof(void *))
        return;
    size_t nb = s->nbuckets * 2;
    struct dns_entry **b = calloc(nb, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < s->nbuckets; i++) {
        struct dns_entry *e = s->buckets[i];
        while (e) {
            struct dns_entry *next = e->next;
            e->next = b[e->hash & (nb - 1)];
            b[e->hash & (nb - 1)] = e;
            e = next;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = nb;
}

static struct dns_entry *entry_new(uint64_t hash, slice_t name, uint16_t type,
                                   unsigned shard)
{
    if (name.n > SIZE_MAX - sizeof(struct dns_entry) - 1)
        return NULL;
    struct dns_entry *e = calloc(1, sizeof *e + name.n + 1);
    if (!e)
        return NULL;
    e->hash = hash;
    e->type = type;
    e->state = ENTRY_PENDING;
    e->shard = shard;
    e->namelen = name.n;
    for (size_t i = 0; i < name.n; i++)
        e->name[i] = slice_lower_byte(name.p[i]);
    return e;
}

static int entry_add_waiter(struct dns_entry *e, dns_wake_fn wake, void *arg)
{
    if (!wake)
        return 0; /* a prefetch: nobody to wake */
    if (e->nwaiters == e->capwaiters) {
        size_t cap = e->capwaiters ? e->capwaiters * 2 : 4;
        waiter_t *w = realloc(e->waiters, cap * sizeof *w);
        if (!w)
            return -1;
        e->waiters = w;
        e->capwaiters = cap;
    }
    e->waiters[e->nwaiters++] = (waiter_t){ wake, arg };
    return 0;
}

/* Hook for TTL expiry (live backend); zone answers live for the run. */
static int entry_expired(const struct dns_entry *e)
{
    (void)e;
    return 0;
}

dns_answer_t *dns_get(dns_t *d, slice_t name, uint16_t type, dns_wake_fn wake,
                      void *arg)
{
    name = dns_name_trim_dot(name);
    uint64_t hash = dns_hash_name(d->key, name, type);
    shard_t *s = shard_of(d, hash);
    dns_answer_t *a = NULL;

    pthread_mutex_lock(&s->lock);
    struct dns_entry *e = bucket_find(s, hash, name, type);
    if (e && e->state == ENTRY_READY && !entry_expired(e)) {
        s->stats.hits++;
        a = e->answer;
        dns_answer_ref(a);
        pthread_mutex_unlock(&s->lock);
        return a;
    }
    if (e) {
        s->stats.coalesced++;
        int rc = entry_add_waiter(e, wake, arg);
        pthread_mutex_unlock(&s->lock);
        return rc == 0 ? NULL : dns_answer_oom(name, type);
    }
    e = entry_new(hash, name, type, (unsigned)(s - d->shards));
    if (!e) {
        pthread_mutex_unlock(&s->lock);
        return dns_answer_oom(name, type);
    }
    size_t b = hash & (s->nbuckets - 1);
    e->next = s->buckets[b];
    s->buckets[b] = e;
    s->count++;
    s->stats.queries++;
    shard_grow(s);
    pthread_mutex_unlock(&s->lock);

    d->be.query(d->be.impl, d, e, slice_make(e->name, e->namelen), type);

    /* The answer may have landed already (a synchronous backend, or a fast
     * one on another thread): then return it and wake nobody for us.
     * Otherwise register as a waiter, under the same lock dns_deliver
     * takes, so the wake cannot be lost. */
    pthread_mutex_lock(&s->lock);
    if (e->state == ENTRY_READY) {
        a = e->answer;
        dns_answer_ref(a);
    } else if (entry_add_waiter(e, wake, arg) != 0) {
        a = dns_answer_oom(name, type);
    }
    pthread_mutex_unlock(&s->lock);
    return a;
}

static void count_status(dns_stats_t *st, dns_status_t status)
{
    switch (status) {
    case DNS_NXDOMAIN: st->nxdomain++; break;
    case DNS_NODATA: st->nodata++; break;
    case DNS_TIMEOUT: st->timeouts++; break;
    case DNS_SERVFAIL: st->servfails++; break;
    default: break;
    }
}

void dns_deliver(dns_t *d, struct dns_entry *e, dns_answer_t *a_own)
{
    shard_t *s = &d->shards[e->shard];
    if (!a_own)
        a_own = dns_answer_oom(slice_make(e->name, e->namelen), e->type);

    pthread_mutex_lock(&s->lock);
    if (e->state == ENTRY_READY) {
        /* A backend delivered twice: keep the first answer. */
        pthread_mutex_unlock(&s->lock);
        dns_answer_release(a_own);
        return;
    }
    e->state = ENTRY_READY;
    e->answer = a_own;
    count_status(&s->stats, a_own->status);
    waiter_t *w = e->waiters;
    size_t n = e->nwaiters;
    e->waiters = NULL;
    e->nwaiters = e->capwaiters = 0;
    pthread_mutex_unlock(&s->lock);

    for (size_t i = 0; i < n; i++)
        w[i].wake(w[i].arg);
    free(w);
}

void dns_get_stats(dns_t *d, dns_stats_t *out)
{
    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < d->nshards; i++) {
        shard_t *s = &d->shards[i];
        pthread_mutex_lock(&s->lock);
        out->queries += s->stats.queries;
        out->hits += s->stats.hits;
        out->coalesced += s->stats.coalesced;
        out->nxdomain += s->stats.nxdomain;
        out->nodata += s->stats.nodata;
        out->timeouts += s->stats.timeouts;
        out->servfails += s->stats.servfails;
        pthread_mutex_unlock(&s->lock);
    }
}
