/*
 * answer.c - reference-counted answers and the objects attached to them.
 *
 * An answer is one allocation: the public struct, the record array, the name
 * and all record data.  It is shared by every worker that asked for it, so
 * the count and the attach slots are atomics; the last release frees it and
 * the attached objects.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"

typedef struct answer_impl {
    dns_answer_t pub; /* first: a dns_answer_t * is an answer_impl * */
    atomic_uint refs;
    _Atomic(void *) slot[DNS_ATTACH_SLOTS];
    void (*slot_free[DNS_ATTACH_SLOTS])(void *);
} answer_impl_t;

static answer_impl_t *impl_of(const dns_answer_t *a)
{
    return (answer_impl_t *)(uintptr_t)a;
}

int dns_status_is_temp(dns_status_t s)
{
    return s == DNS_TIMEOUT || s == DNS_SERVFAIL || s == DNS_REFUSED ||
           s == DNS_BROKEN;
}

const char *dns_status_str(dns_status_t s)
{
    switch (s) {
    case DNS_OK: return "ok";
    case DNS_NXDOMAIN: return "NXDOMAIN";
    case DNS_NODATA: return "NODATA";
    case DNS_TIMEOUT: return "timeout";
    case DNS_SERVFAIL: return "SERVFAIL";
    case DNS_REFUSED: return "REFUSED";
    case DNS_BROKEN: return "broken answer";
    }
    return "unknown";
}

const char *dns_answer_why(const dns_answer_t *a, char *buf, size_t n)
{
    switch (a->limit) {
    case DNS_LIMIT_ANSWER_SIZE:
        snprintf(buf, n, "DNS answer of %zu bytes exceeds the limit of %zu",
                 a->limit_seen, a->limit_max);
        break;
    case DNS_LIMIT_CNAMES:
        snprintf(buf, n, "CNAME chain longer than the limit of %zu", a->limit_max);
        break;
    default:
        snprintf(buf, n, "%s", dns_status_str(a->status));
        break;
    }
    return buf;
}

/* Bytes needed for the copy, or SIZE_MAX if it would overflow. */
static size_t answer_size(slice_t name, const dns_rr_t *rr, size_t nrr)
{
    size_t n = sizeof(answer_impl_t);
    if (nrr > (SIZE_MAX - n) / sizeof(dns_rr_t))
        return SIZE_MAX;
    n += nrr * sizeof(dns_rr_t);
    if (name.n > SIZE_MAX - n - 1)
        return SIZE_MAX;
    n += name.n + 1;
    for (size_t i = 0; i < nrr; i++) {
        if (rr[i].data.n > SIZE_MAX - n)
            return SIZE_MAX;
        n += rr[i].data.n;
    }
    return n;
}

dns_answer_t *dns_answer_new(slice_t name, uint16_t type, dns_status_t status,
                             const dns_rr_t *rr, size_t nrr, uint32_t ttl)
{
    size_t size = answer_size(name, rr, nrr);
    answer_impl_t *ai = size == SIZE_MAX ? NULL : calloc(1, size);
    if (!ai)
        return NULL;
    dns_rr_t *out = (dns_rr_t *)(ai + 1);
    uint8_t *p = (uint8_t *)(out + nrr);

    for (size_t i = 0; i < name.n; i++)
        p[i] = slice_lower_byte(name.p[i]);
    ai->pub.name = slice_make(p, name.n);
    p += name.n + 1; /* NUL after the name, for debuggers and printf */
    for (size_t i = 0; i < nrr; i++) {
        out[i] = rr[i];
        if (rr[i].data.n)
            memcpy(p, rr[i].data.p, rr[i].data.n);
        out[i].data = slice_make(p, rr[i].data.n);
        p += rr[i].data.n;
    }
    ai->pub.status = status;
    ai->pub.type = type;
    ai->pub.nrr = nrr;
    ai->pub.rr = nrr ? out : NULL;
    ai->pub.ttl = ttl;
    atomic_init(&ai->refs, 1);
    for (unsigned s = 0; s < DNS_ATTACH_SLOTS; s++)
        atomic_init(&ai->slot[s], NULL);
    return &ai->pub;
}

/* The static one starts with a count no run can release to zero. */
static answer_impl_t fallback = { .pub = { .status = DNS_SERVFAIL }, .refs = 1u << 30 };

int dns_answer_is_shared_oom(const dns_answer_t *a)
{
    return a == &fallback.pub;
}

dns_answer_t *dns_answer_oom(slice_t name, uint16_t type)
{
    dns_answer_t *a = dns_answer_new(name, type, DNS_SERVFAIL, NULL, 0, 0);
    if (a)
        return a;
    atomic_fetch_add_explicit(&fallback.refs, 1, memory_order_relaxed);
    return &fallback.pub;
}

void dns_answer_ref(dns_answer_t *a)
{
    atomic_fetch_add_explicit(&impl_of(a)->refs, 1, memory_order_relaxed);
}

void dns_answer_release(dns_answer_t *a)
{
    if (!a)
        return;
    answer_impl_t *ai = impl_of(a);
    /* acq_rel: the freeing thread sees every write (attachments) made by
     * the threads that released before it. */
    if (atomic_fetch_sub_explicit(&ai->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (unsigned s = 0; s < DNS_ATTACH_SLOTS; s++) {
        void *obj = atomic_load_explicit(&ai->slot[s], memory_order_acquire);
        if (obj && ai->slot_free[s])
            ai->slot_free[s](obj);
    }
    free(ai);
}

void *dns_answer_attached(const dns_answer_t *a, unsigned slot)
{
    if (!a || slot >= DNS_ATTACH_SLOTS)
        return NULL;
    return atomic_load_explicit(&impl_of(a)->slot[slot], memory_order_acquire);
}

void *dns_answer_attach(dns_answer_t *a, unsigned slot, void *obj,
                        void (*free_fn)(void *))
{
    if (!a || slot >= DNS_ATTACH_SLOTS || !obj)
        return NULL;
    answer_impl_t *ai = impl_of(a);
    void *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(&ai->slot[slot], &expected, obj,
                                                memory_order_acq_rel,
                                                memory_order_acquire)) {
        /* Only the winner writes slot_free; it is read after the last
         * release, which the refcount's acq_rel orders after this. */
        ai->slot_free[slot] = free_fn;
        return obj;
    }
    return expected;
}
