/*
 * dnswait.c - wait for an answer in flight (see dnswait.h for why).
 */
#include "dnswait.h"
#include "lookup.h"

#include <pthread.h>

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
} waiter_t;

static void waiter_wake(void *arg)
{
    waiter_t *w = arg;
    pthread_mutex_lock(&w->mu);
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

dns_answer_t *eng_dns_get_wait(dns_t *dns, slice_t name, uint16_t type)
{
    /*
     * Every NULL from dns_get registers the waiter and is followed by
     * exactly one wake, so the waiter must outlive each such call.  The
     * last ask passes no waiter (a prefetch) so nothing can wake a dead
     * frame after we give up.
     */
    waiter_t w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
    for (int tries = 0; tries < 4; tries++) {
        dns_answer_t *a = dns_get(dns, name, type, waiter_wake, &w);
        if (a)
            return a;
        pthread_mutex_lock(&w.mu);
        while (!w.done)
            pthread_cond_wait(&w.cv, &w.mu);
        w.done = 0;
        pthread_mutex_unlock(&w.mu);
    }
    return dns_get(dns, name, type, NULL, NULL);
}

dns_answer_t *eng_lookup_wait(void *dns, slice_t name, uint16_t type, int *pending)
{
    dns_answer_t *a = eng_dns_get_wait(dns, name, type);
    *pending = 0;
    return a;
}
