/*
 * test_cache.c - the sharded cache: hits, coalescing of queries in flight,
 * wake-ups (each waiter exactly once), synchronous backends, attach slots,
 * and a hammer from 8 threads against an asynchronous fake backend.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns.h"
#include "dns_internal.h"

/* An answer whose one TXT record is the name asked for. */
static dns_answer_t *echo_answer(slice_t name, uint16_t type)
{
    dns_rr_t rr = { DNS_T_TXT, 0, 60, name };
    return dns_answer_new(name, type, DNS_OK, &rr, 1, 60);
}

/* ---- a backend the test drives by hand ---- */

typedef struct manual {
    int sync;     /* deliver inside query */
    int queries;
    dns_t *d;
    struct dns_entry *last;
    char last_name[64];
    int destroyed;
} manual_t;

static void manual_query(void *impl, dns_t *d, struct dns_entry *e, slice_t name,
                         uint16_t type)
{
    manual_t *m = impl;
    m->queries++;
    m->d = d;
    m->last = e;
    snprintf(m->last_name, sizeof m->last_name, "%.*s", (int)name.n,
             (const char *)name.p);
    if (m->sync)
        dns_deliver(d, e, echo_answer(name, type));
}

static void manual_destroy(void *impl)
{
    ((manual_t *)impl)->destroyed++;
}

static dns_t *open_manual(manual_t *m, unsigned shards)
{
    struct dns_backend be = { m, manual_query, manual_destroy, 0, 0 };
    dns_opts_t o = { .shards = shards };
    dns_t *d = dns_open_backend(&be, &o);
    assert_non_null(d);
    return d;
}

static int wakes[8];
static void wake_slot(void *arg)
{
    wakes[(int *)arg - wakes]++;
}

static void assert_echo(const dns_answer_t *a, const char *name)
{
    assert_non_null(a);
    assert_int_equal(a->status, DNS_OK);
    assert_int_equal(a->nrr, 1);
    assert_int_equal(a->rr[0].data.n, strlen(name));
    assert_memory_equal(a->rr[0].data.p, name, strlen(name));
}

static void pending_callers_coalesce_and_each_is_woken_once(void **state)
{
    manual_t m = { 0 };
    dns_t *d = open_manual(&m, 0);
    memset(wakes, 0, sizeof wakes);

    assert_null(dns_get(d, SLICE_LIT("Sel._DomainKey.Example."), DNS_T_TXT, wake_slot, &wakes[0]));
    assert_null(dns_get(d, SLICE_LIT("sel._domainkey.example"), DNS_T_TXT, wake_slot, &wakes[1]));
    assert_null(dns_get(d, SLICE_LIT("SEL._domainkey.example."), DNS_T_TXT, wake_slot, &wakes[2]));
    assert_int_equal(m.queries, 1);
    /* The backend is asked with the key's form: lower case, no dot. */
    assert_string_equal(m.last_name, "sel._domainkey.example");
    assert_int_equal(wakes[0] + wakes[1] + wakes[2], 0);

    dns_deliver(m.d, m.last, echo_answer(slice_cstr(m.last_name), DNS_T_TXT));
    assert_int_equal(wakes[0], 1);
    assert_int_equal(wakes[1], 1);
    assert_int_equal(wakes[2], 1);

    dns_answer_t *a = dns_get(d, SLICE_LIT("sel._domainkey.example"), DNS_T_TXT, wake_slot, &wakes[3]);
    assert_echo(a, "sel._domainkey.example");
    assert_int_equal(wakes[3], 0);

    /* A second delivery (a backend bug) changes nothing and wakes nobody. */
    dns_deliver(m.d, m.last, echo_answer(SLICE_LIT("other"), DNS_T_TXT));
    dns_answer_t *b = dns_get(d, SLICE_LIT("sel._domainkey.example"), DNS_T_TXT, NULL, NULL);
    assert_ptr_equal(a, b);
    assert_int_equal(wakes[0] + wakes[1] + wakes[2] + wakes[3], 3);

    dns_stats_t st;
    dns_get_stats(d, &st);
    assert_int_equal(st.queries, 1);
    assert_int_equal(st.coalesced, 2);
    assert_int_equal(st.hits, 2);
    dns_answer_release(a);
    dns_answer_release(b);
    dns_close(d);
    assert_int_equal(m.destroyed, 1);
}

static void synchronous_backend_answer_is_returned_without_wake(void **state)
{
    manual_t m = { .sync = 1 };
    dns_t *d = open_manual(&m, 1);
    memset(wakes, 0, sizeof wakes);
    dns_answer_t *a = dns_get(d, SLICE_LIT("x.example"), DNS_T_TXT, wake_slot, &wakes[0]);
    assert_echo(a, "x.example");
    assert_int_equal(wakes[0], 0);
    dns_answer_release(a);
    dns_close(d);
}

static void name_and_type_together_are_the_key(void **state)
{
    manual_t m = { .sync = 1 };
    dns_t *d = open_manual(&m, 3); /* not a power of two: rounded up */
    dns_answer_t *a = dns_get(d, SLICE_LIT("k.example"), DNS_T_TXT, NULL, NULL);
    dns_answer_t *b = dns_get(d, SLICE_LIT("k.example"), DNS_T_A, NULL, NULL);
    dns_answer_t *c = dns_get(d, SLICE_LIT("k.example."), DNS_T_A, NULL, NULL);
    assert_int_equal(m.queries, 2);
    assert_ptr_not_equal(a, b);
    assert_ptr_equal(b, c);
    assert_int_equal(b->type, DNS_T_A);
    dns_answer_release(a);
    dns_answer_release(b);
    dns_answer_release(c);
    dns_close(d);
}

static void get_without_wake_is_a_prefetch(void **state)
{
    manual_t m = { 0 };
    dns_t *d = open_manual(&m, 0);
    assert_null(dns_get(d, SLICE_LIT("p.example"), DNS_T_TXT, NULL, NULL));
    assert_null(dns_get(d, SLICE_LIT("p.example"), DNS_T_TXT, NULL, NULL));
    dns_deliver(m.d, m.last, echo_answer(SLICE_LIT("p.example"), DNS_T_TXT));
    dns_answer_t *a = dns_get(d, SLICE_LIT("p.example"), DNS_T_TXT, NULL, NULL);
    assert_echo(a, "p.example");
    dns_answer_release(a);
    dns_close(d);
}

static void status_counts_follow_delivered_answers(void **state)
{
    manual_t m = { 0 };
    dns_t *d = open_manual(&m, 0);
    static const dns_status_t sts[] = { DNS_NXDOMAIN, DNS_NODATA, DNS_TIMEOUT,
                                        DNS_SERVFAIL, DNS_NXDOMAIN };
    for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%zu", i);
        assert_null(dns_get(d, slice_cstr(name), DNS_T_TXT, NULL, NULL));
        dns_deliver(m.d, m.last,
                    dns_answer_new(slice_cstr(name), DNS_T_TXT, sts[i], NULL, 0, 0));
    }
    dns_stats_t st;
    dns_get_stats(d, &st);
    assert_int_equal(st.queries, 5);
    assert_int_equal(st.nxdomain, 2);
    assert_int_equal(st.nodata, 1);
    assert_int_equal(st.timeouts, 1);
    assert_int_equal(st.servfails, 1);
    dns_close(d);
}

/* ---- attach slots ---- */

static int freed[4];
static void free_counted(void *obj)
{
    freed[*(int *)obj]++;
}

static void attach_first_writer_wins_and_object_dies_with_answer(void **state)
{
    manual_t m = { .sync = 1 };
    dns_t *d = open_manual(&m, 0);
    int obj1 = 1, obj2 = 2, obj3 = 3;
    memset(freed, 0, sizeof freed);

    dns_answer_t *a = dns_get(d, SLICE_LIT("key.example"), DNS_T_TXT, NULL, NULL);
    assert_null(dns_answer_attached(a, 0));
    assert_ptr_equal(dns_answer_attach(a, 0, &obj1, free_counted), &obj1);
    /* The slot is taken: the second caller gets the first object back. */
    assert_ptr_equal(dns_answer_attach(a, 0, &obj2, free_counted), &obj1);
    assert_ptr_equal(dns_answer_attached(a, 0), &obj1);
    assert_ptr_equal(dns_answer_attach(a, 3, &obj3, free_counted), &obj3);
    assert_null(dns_answer_attached(a, 1));
    assert_null(dns_answer_attach(a, DNS_ATTACH_SLOTS, &obj2, free_counted));
    assert_null(dns_answer_attached(a, DNS_ATTACH_SLOTS));

    /* Another caller sees the same attachment through the cache. */
    dns_answer_t *b = dns_get(d, SLICE_LIT("KEY.example"), DNS_T_TXT, NULL, NULL);
    assert_ptr_equal(dns_answer_attached(b, 0), &obj1);
    dns_answer_release(b);

    /* The cache drops its reference at close; ours keeps it alive. */
    dns_close(d);
    assert_int_equal(freed[1] + freed[3], 0);
    assert_ptr_equal(dns_answer_attached(a, 3), &obj3);
    dns_answer_release(a);
    assert_int_equal(freed[1], 1);
    assert_int_equal(freed[2], 0);
    assert_int_equal(freed[3], 1);
}

#define RACERS 8
typedef struct racer {
    dns_answer_t *a;
    int obj;
    void *got;
    pthread_barrier_t *go;
} racer_t;

static atomic_int race_frees;
static void race_free(void *obj)
{
    (void)obj;
    atomic_fetch_add(&race_frees, 1);
}

static void *race_attach(void *arg)
{
    racer_t *r = arg;
    pthread_barrier_wait(r->go);
    r->got = dns_answer_attach(r->a, 2, &r->obj, race_free);
    return NULL;
}

static void concurrent_attach_has_one_winner(void **state)
{
    dns_answer_t *a = echo_answer(SLICE_LIT("race.example"), DNS_T_TXT);
    pthread_barrier_t go;
    pthread_t th[RACERS];
    racer_t r[RACERS];
    atomic_store(&race_frees, 0);
    pthread_barrier_init(&go, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        r[i] = (racer_t){ a, i, NULL, &go };
        pthread_create(&th[i], NULL, race_attach, &r[i]);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&go);
    void *winner = dns_answer_attached(a, 2);
    int wins = 0;
    for (int i = 0; i < RACERS; i++) {
        assert_ptr_equal(r[i].got, winner);
        wins += winner == &r[i].obj;
    }
    assert_int_equal(wins, 1);
    dns_answer_release(a);
    assert_int_equal(atomic_load(&race_frees), 1);
}

/* ---- the hammer: 8 threads, an asynchronous backend ---- */

#define NTHREADS 8
#define NNAMES 300
#define CALLS_PER_THREAD 3000

typedef struct job {
    dns_t *d;
    struct dns_entry *e;
    slice_t name;
    uint16_t type;
} job_t;

/* Answers from its own thread, a little later, so callers pile up. */
typedef struct async_be {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job_t *q;
    size_t head, tail, cap;
    int stop;
    atomic_int queries, delivered;
    pthread_t thr;
} async_be_t;

static void async_query(void *impl, dns_t *d, struct dns_entry *e, slice_t name,
                        uint16_t type)
{
    async_be_t *b = impl;
    atomic_fetch_add(&b->queries, 1);
    pthread_mutex_lock(&b->mu);
    if (b->tail == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->q = realloc(b->q, b->cap * sizeof *b->q);
    }
    b->q[b->tail++] = (job_t){ d, e, name, type };
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static void *async_main(void *arg)
{
    async_be_t *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (b->head == b->tail && !b->stop)
            pthread_cond_wait(&b->cv, &b->mu);
        if (b->head == b->tail)
            break;
        job_t j = b->q[b->head++];
        pthread_mutex_unlock(&b->mu);
        nanosleep(&(struct timespec){ 0, 100000 }, NULL);
        dns_deliver(j.d, j.e, echo_answer(j.name, j.type));
        atomic_fetch_add(&b->delivered, 1);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

static void async_destroy(void *impl)
{
    async_be_t *b = impl;
    pthread_mutex_lock(&b->mu);
    b->stop = 1;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thr, NULL);
    free(b->q);
}

typedef struct waiter_rec {
    atomic_int woken;
    int name;
    dns_t *d;
} waiter_rec_t;

static atomic_int hammer_errors, hammer_wakes;

static void name_of(int i, char buf[32])
{
    /* Mixed case and an optional trailing dot: all one key. */
    snprintf(buf, 32, (i & 1) ? "Sel%d._domainkey.Example.COM." : "sel%d._domainkey.example.com", i);
}

static int answer_is_name(const dns_answer_t *a, int i)
{
    char want[32];
    snprintf(want, sizeof want, "sel%d._domainkey.example.com", i);
    return a && a->status == DNS_OK && a->nrr == 1 &&
           a->rr[0].data.n == strlen(want) &&
           memcmp(a->rr[0].data.p, want, strlen(want)) == 0;
}

/* The waker asks again at once: the answer must be cached by then. */
static void hammer_wake(void *arg)
{
    waiter_rec_t *w = arg;
    char name[32];
    atomic_fetch_add(&w->woken, 1);
    atomic_fetch_add(&hammer_wakes, 1);
    name_of(w->name, name);
    dns_answer_t *a = dns_get(w->d, slice_cstr(name), DNS_T_TXT, NULL, NULL);
    if (!answer_is_name(a, w->name))
        atomic_fetch_add(&hammer_errors, 1);
    dns_answer_release(a);
}

typedef struct worker {
    dns_t *d;
    unsigned seed;
    waiter_rec_t *recs;
    int nrecs;
} worker_t;

static void *hammer_main(void *arg)
{
    worker_t *w = arg;
    for (int c = 0; c < CALLS_PER_THREAD; c++) {
        w->seed = w->seed * 1103515245u + 12345u;
        int i = (int)((w->seed >> 8) % NNAMES);
        char name[32];
        name_of(i, name);
        waiter_rec_t *rec = &w->recs[c];
        rec->name = i;
        rec->d = w->d;
        dns_answer_t *a = dns_get(w->d, slice_cstr(name), DNS_T_TXT, hammer_wake, rec);
        if (a) {
            if (!answer_is_name(a, i))
                atomic_fetch_add(&hammer_errors, 1);
            dns_answer_release(a);
            rec->name = -1; /* answered: must never be woken */
        } else {
            w->nrecs++;
        }
    }
    return NULL;
}

static void hammer_from_eight_threads_counts_add_up(void **state)
{
    async_be_t *b = calloc(1, sizeof *b);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    pthread_create(&b->thr, NULL, async_main, b);
    struct dns_backend be = { b, async_query, async_destroy, 0, 0 };
    dns_opts_t o = { .shards = 16 };
    dns_t *d = dns_open_backend(&be, &o);
    assert_non_null(d);
    atomic_store(&hammer_errors, 0);
    atomic_store(&hammer_wakes, 0);

    pthread_t th[NTHREADS];
    worker_t w[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        w[t] = (worker_t){ d, (unsigned)t * 7919u + 1, NULL, 0 };
        w[t].recs = calloc(CALLS_PER_THREAD, sizeof *w[t].recs);
        pthread_create(&th[t], NULL, hammer_main, &w[t]);
    }
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);

    /* Wait (bounded) for the backend to answer all it was asked. */
    for (int spin = 0; spin < 10000 && atomic_load(&b->delivered) < NNAMES; spin++)
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);

    dns_stats_t st;
    dns_get_stats(d, &st);
    int pending = 0;
    for (int t = 0; t < NTHREADS; t++)
        pending += w[t].nrecs;
    assert_int_equal(atomic_load(&b->queries), NNAMES);
    assert_int_equal(atomic_load(&b->delivered), NNAMES);
    assert_int_equal(st.queries, NNAMES);
    /* Every re-ask from a wake function is a hit too. */
    assert_int_equal(st.hits + st.coalesced + st.queries,
                     (uint64_t)NTHREADS * CALLS_PER_THREAD + (uint64_t)pending);
    assert_int_equal(atomic_load(&hammer_wakes), pending);
    assert_true(st.coalesced > 0);
    for (int t = 0; t < NTHREADS; t++) {
        for (int c = 0; c < CALLS_PER_THREAD; c++) {
            const waiter_rec_t *r = &w[t].recs[c];
            assert_int_equal(atomic_load(&r->woken), r->name < 0 ? 0 : 1);
        }
        free(w[t].recs);
    }
    assert_int_equal(atomic_load(&hammer_errors), 0);
    dns_close(d);
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* An answer whose TTL is 0, for the expiry cases. */
static void deliver_ttl0(manual_t *m)
{
    dns_rr_t rr = { DNS_T_TXT, 0, 0, SLICE_LIT("v") };
    dns_deliver(m->d, m->last, dns_answer_new(SLICE_LIT("e.example"), DNS_T_TXT,
                                              DNS_OK, &rr, 1, 0));
}

static void expired_answers_are_asked_again_but_woken_callers_get_theirs(void **state)
{
    manual_t m = { 0 };
    struct dns_backend be = { &m, manual_query, manual_destroy, 1, 0 };
    dns_opts_t o = { .shards = 1 };
    dns_t *d = dns_open_backend(&be, &o);
    memset(wakes, 0, sizeof wakes);
    assert_null(dns_get(d, SLICE_LIT("e.example"), DNS_T_TXT, wake_slot, &wakes[0]));
    assert_null(dns_get(d, SLICE_LIT("e.example"), DNS_T_TXT, wake_slot, &wakes[1]));
    deliver_ttl0(&m);
    assert_int_equal(wakes[0] + wakes[1], 2);
    /* TTL 0 has passed, but the two woken callers ask again and are served */
    for (int i = 0; i < 2; i++) {
        dns_answer_t *a = dns_get(d, SLICE_LIT("e.example"), DNS_T_TXT, wake_slot, &wakes[2]);
        assert_non_null(a);
        dns_answer_release(a);
    }
    assert_int_equal(m.queries, 1);
    /* a third caller finds it expired: a new query, the old answer kept until then */
    assert_null(dns_get(d, SLICE_LIT("e.example"), DNS_T_TXT, wake_slot, &wakes[2]));
    assert_int_equal(m.queries, 2);
    deliver_ttl0(&m);
    assert_int_equal(wakes[2], 1);
    dns_close(d);
}

static void min_ttl_clamp_keeps_short_answers(void **state)
{
    manual_t m = { 0 };
    struct dns_backend be = { &m, manual_query, manual_destroy, 1, 0 };
    dns_opts_t o = { .shards = 1, .min_ttl = 3600 };
    dns_t *d = dns_open_backend(&be, &o);
    assert_null(dns_get(d, SLICE_LIT("e.example"), DNS_T_TXT, NULL, NULL));
    deliver_ttl0(&m);
    for (int i = 0; i < 3; i++) {
        dns_answer_t *a = dns_get(d, SLICE_LIT("e.example"), DNS_T_TXT, NULL, NULL);
        assert_non_null(a);
        dns_answer_release(a);
    }
    assert_int_equal(m.queries, 1);
    dns_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expired_answers_are_asked_again_but_woken_callers_get_theirs),
        cmocka_unit_test(min_ttl_clamp_keeps_short_answers),
        cmocka_unit_test(pending_callers_coalesce_and_each_is_woken_once),
        cmocka_unit_test(synchronous_backend_answer_is_returned_without_wake),
        cmocka_unit_test(name_and_type_together_are_the_key),
        cmocka_unit_test(get_without_wake_is_a_prefetch),
        cmocka_unit_test(status_counts_follow_delivered_answers),
        cmocka_unit_test(attach_first_writer_wins_and_object_dies_with_answer),
        cmocka_unit_test(concurrent_attach_has_one_winner),
        cmocka_unit_test(hammer_from_eight_threads_counts_add_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
