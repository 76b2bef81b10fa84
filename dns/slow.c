/*
 * slow.c - a zone file that answers late: --dns=slowzone:MS:FILE.
 *
 * For tests and demonstrations of the job model: every query is answered
 * from the zone, MS milliseconds after it was asked, from this backend's
 * own thread, so callers see answers "in flight" exactly as with live DNS
 * but deterministically and without a network.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_internal.h"

typedef struct slow_q {
    struct slow_q *next;
    struct dns_entry *e;
    dns_t *d;
    uint16_t type;
    struct timespec due;
    size_t n;
    char name[]; /* a copy: no promises about the caller's bytes needed */
} slow_q_t;

typedef struct slow {
    dns_zone_t *zone;
    long delay_ms;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    slow_q_t *head, **tail;
    int stop;
} slow_t;

static void due_in(struct timespec *t, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, t);
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static void *slow_thread(void *arg)
{
    slow_t *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->head && !s->stop)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->stop)
            break;
        slow_q_t *q = s->head;
        /* queries are queued in asking order, so the head is due first */
        if (pthread_cond_timedwait(&s->cv, &s->mu, &q->due) != ETIMEDOUT)
            continue;
        s->head = q->next;
        if (!s->head)
            s->tail = &s->head;
        pthread_mutex_unlock(&s->mu);
        dns_deliver(q->d, q->e, dns_zone_answer(s->zone, slice_make(q->name, q->n), q->type));
        free(q);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void slow_query(void *impl, dns_t *d, struct dns_entry *e, slice_t name,
                       uint16_t type)
{
    slow_t *s = impl;
    slow_q_t *q = malloc(sizeof *q + name.n + 1);
    if (!q) {
        dns_deliver(d, e, dns_answer_oom(name, type));
        return;
    }
    q->next = NULL;
    q->e = e;
    q->d = d;
    q->type = type;
    q->n = name.n;
    memcpy(q->name, name.p, name.n);
    due_in(&q->due, s->delay_ms);
    pthread_mutex_lock(&s->mu);
    *s->tail = q;
    s->tail = &q->next;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void slow_destroy(void *impl)
{
    slow_t *s = impl;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    for (slow_q_t *q = s->head, *n; q; q = n) {
        n = q->next;
        free(q);
    }
    dns_zone_free(s->zone);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int dns_slow_backend(const char *arg, struct dns_backend *be, char *err, size_t errlen)
{
    char *end;
    long ms = strtol(arg, &end, 10);
    if (end == arg || *end != ':' || ms < 0 || ms > 60000 || !end[1]) {
        snprintf(err, errlen, "--dns=slowzone:MS:FILE needs a delay (0..60000 ms) and a file");
        return -1;
    }
    slow_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->zone = dns_zone_load(end + 1, err, errlen);
    if (!s->zone) {
        free(s);
        return -1;
    }
    s->delay_ms = ms;
    s->tail = &s->head;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->th, NULL, slow_thread, s) != 0) {
        snprintf(err, errlen, "cannot start the slowzone thread");
        dns_zone_free(s->zone);
        free(s);
        return -1;
    }
    memset(be, 0, sizeof *be);
    be->impl = s;
    be->query = slow_query;
    be->destroy = slow_destroy;
    be->expires = 0;
    be->at_once = 0; /* the point of it: answers come later */
    return 0;
}
