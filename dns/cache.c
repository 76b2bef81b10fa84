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
 * be deterministic).  A live backend's answers live for their TTL clamped to
 * [min_ttl, max_ttl] (negative ones too: RFC 2308 5 gives their TTL), and
 * temporary failures for FAILURE_TTL seconds (RFC 2308 7.1: at most five
 * minutes).  An expired entry goes back to PENDING and is asked again; it
 * keeps its old answer until the new one lands, for dns_record_write.
 * Callers woken by a delivery must ask again (dns.h); the entry's `grace`
 * counts them so that a TTL of 0 cannot expire the answer under their feet
 * and send them round again.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_internal.h"

#define DEFAULT_SHARDS 64u
#define MAX_SHARDS 65536u
#define INITIAL_BUCKETS 16u
#define FAILURE_TTL 30u

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
    dns_answer_t *answer; /* the cache's reference: READY, or an expired one */
    uint64_t expires_ms;  /* CLOCK_MONOTONIC; backends with expiry only */
    size_t grace;         /* woken callers yet to ask again */
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
    uint32_t min_ttl, max_ttl;
    size_t max_answer;
    unsigned max_cnames;
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
    d->min_ttl = opts ? opts->min_ttl : 0;
    d->max_ttl = opts && opts->max_ttl ? opts->max_ttl : DNS_DEFAULT_MAX_TTL;
    if (d->min_ttl > d->max_ttl)
        d->min_ttl = d->max_ttl;
    d->max_answer = opts && opts->max_answer ? opts->max_answer : DNS_DEFAULT_MAX_ANSWER;
    d->max_cnames = opts && opts->max_cnames ? opts->max_cnames : DNS_DEFAULT_MAX_CNAMES;
    if (d->max_cnames > DNS_HARD_MAX_CNAMES)
        d->max_cnames = DNS_HARD_MAX_CNAMES;
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

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t lifetime_ms(const dns_t *d, const dns_answer_t *a)
{
    uint32_t t = a->ttl;
    if (dns_status_is_temp(a->status))
        return FAILURE_TTL * 1000ull;
    if (t < d->min_ttl)
        t = d->min_ttl;
    if (t > d->max_ttl)
        t = d->max_ttl;
    return (uint64_t)t * 1000u;
}

/* A READY entry may serve a caller: not expired, or owed to a woken one. */
static int entry_fresh(const dns_t *d, struct dns_entry *e)
{
    if (!d->be.expires || now_ms() < e->expires_ms)
        return 1;
    if (e->grace) {
        e->grace--;
        return 1;
    }
    return 0;
}

/* Insert a new PENDING entry; NULL if out of memory.  Under the lock. */
static struct dns_entry *entry_insert(dns_t *d, shard_t *s, uint64_t hash,
                                      slice_t name, uint16_t type)
{
    struct dns_entry *e = entry_new(hash, name, type, (unsigned)(s - d->shards));
    if (!e)
        return NULL;
    size_t b = hash & (s->nbuckets - 1);
    e->next = s->buckets[b];
    s->buckets[b] = e;
    s->count++;
    shard_grow(s);
    return e;
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
    if (e && e->state == ENTRY_READY && entry_fresh(d, e)) {
        s->stats.hits++;
        a = e->answer;
        dns_answer_ref(a);
        pthread_mutex_unlock(&s->lock);
        return a;
    }
    if (e && e->state == ENTRY_PENDING) {
        s->stats.coalesced++;
        int rc = entry_add_waiter(e, wake, arg);
        pthread_mutex_unlock(&s->lock);
        return rc == 0 ? NULL : dns_answer_oom(name, type);
    }
    if (!e)
        e = entry_insert(d, s, hash, name, type);
    if (!e) {
        pthread_mutex_unlock(&s->lock);
        return dns_answer_oom(name, type);
    }
    e->state = ENTRY_PENDING; /* new, or expired: ask (again) */
    s->stats.queries++;
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
    case DNS_REFUSED: st->refused++; break;
    case DNS_BROKEN: st->broken++; break;
    default: break;
    }
}

static size_t answer_bytes(const dns_answer_t *a)
{
    size_t n = 0;
    for (size_t i = 0; i < a->nrr; i++)
        n += a->rr[i].data.n; /* each at most 64 KiB: no overflow */
    return n;
}

/*
 * The limits of dns_opts_t, applied here so that every backend (zone,
 * slowzone, live) is held to them alike.  An answer over a limit becomes a
 * BROKEN one that says which limit: a temporary failure, since the records
 * may be fine and a run with a larger limit could use them (the same word
 * RFC 9267-style malformed answers and CNAME loops get, catalogue G6).
 */
static dns_answer_t *apply_limits(const dns_t *d, dns_answer_t *a)
{
    dns_limit_t lim = DNS_LIMIT_NONE;
    size_t seen = 0, max = 0;
    if (a->cnames > d->max_cnames) {
        lim = DNS_LIMIT_CNAMES;
        seen = a->cnames;
        max = d->max_cnames;
    } else if ((seen = answer_bytes(a)) > d->max_answer) {
        lim = DNS_LIMIT_ANSWER_SIZE;
        max = d->max_answer;
    }
    if (lim == DNS_LIMIT_NONE)
        return a;
    dns_answer_t *b = dns_answer_new(a->name, a->type, DNS_BROKEN, NULL, 0, 0);
    if (!b)
        b = dns_answer_oom(a->name, a->type);
    else {
        b->limit = lim;
        b->limit_seen = seen;
        b->limit_max = max;
        b->cnames = a->cnames;
    }
    dns_answer_release(a);
    return b;
}

void dns_deliver(dns_t *d, struct dns_entry *e, dns_answer_t *a_own)
{
    shard_t *s = &d->shards[e->shard];
    if (!a_own)
        a_own = dns_answer_oom(slice_make(e->name, e->namelen), e->type);
    else
        a_own = apply_limits(d, a_own);

    pthread_mutex_lock(&s->lock);
    if (e->state == ENTRY_READY) {
        /* A backend delivered twice: keep the first answer. */
        pthread_mutex_unlock(&s->lock);
        dns_answer_release(a_own);
        return;
    }
    dns_answer_t *old = e->answer; /* an expired answer being replaced */
    e->state = ENTRY_READY;
    e->answer = a_own;
    if (d->be.expires)
        e->expires_ms = now_ms() + lifetime_ms(d, a_own);
    count_status(&s->stats, a_own->status);
    s->stats.answered++;
    waiter_t *w = e->waiters;
    size_t n = e->nwaiters;
    e->grace = n;
    e->waiters = NULL;
    e->nwaiters = e->capwaiters = 0;
    pthread_mutex_unlock(&s->lock);
    dns_answer_release(old);

    for (size_t i = 0; i < n; i++)
        w[i].wake(w[i].arg);
    free(w);
}

int dns_answers_at_once(const dns_t *d)
{
    return d->be.at_once;
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
        out->refused += s->stats.refused;
        out->broken += s->stats.broken;
        out->answered += s->stats.answered;
        pthread_mutex_unlock(&s->lock);
    }
}

void dns_cache_each(dns_t *d, void (*fn)(void *arg, dns_answer_t *a), void *arg)
{
    for (unsigned i = 0; i < d->nshards; i++) {
        shard_t *s = &d->shards[i];
        pthread_mutex_lock(&s->lock);
        for (size_t b = 0; b < s->nbuckets; b++)
            for (struct dns_entry *e = s->buckets[b]; e; e = e->next)
                if (e->answer)
                    fn(arg, e->answer);
        pthread_mutex_unlock(&s->lock);
    }
}
