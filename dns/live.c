/*
 * live.c - live DNS through c-ares, driven by a thread of its own.
 *
 *   worker: dns_get -> cache miss -> live_query: append to the FIFO, poke
 *           the eventfd (never blocks on the network)
 *   loop thread: take queries from the FIFO while fewer than `inflight` are
 *           on the wire -> ares_query -> poll(c-ares sockets + eventfd) ->
 *           ares_process_fd -> on_response: wire.c makes the answer ->
 *           dns_deliver (the cache wakes the waiting jobs)
 *
 * c-ares 1.18's channel is not thread-safe, so only the loop thread touches
 * it.  Sockets are tracked through ARES_OPT_SOCK_STATE_CB and polled, not
 * select()ed: a process reading thousands of files may hold fds past
 * FD_SETSIZE.
 */
#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dns_internal.h"

#define EDNS_UDP_SIZE 1232     /* DNS Flag Day 2020: no IP fragmentation */
#define NEGATIVE_TTL_DEFAULT 300u
#define MAX_SOCKS 64

typedef struct req {
    struct req *next;
    dns_t *d;
    struct dns_entry *e;
    slice_t asked;             /* the entry's name: valid until delivered */
    uint16_t type;
    unsigned cnames;           /* aliases met in earlier responses */
    uint32_t ttl_cap;
    uint8_t cur[DNS_FLAT_MAX + 1]; /* the name asked now (an alias target) */
    size_t curlen;
    struct live *lv;
} req_t;

typedef struct sock {
    ares_socket_t fd;
    int rd, wr;
} sock_t;

typedef struct live {
    ares_channel ch;
    pthread_t thread;
    int efd;                   /* eventfd: queries queued, or stop */
    pthread_mutex_t mu;        /* guards the FIFO and stop */
    req_t *head, *tail;
    int stop;
    unsigned active, inflight; /* loop thread only: on the wire, the cap */
    unsigned max_cnames;       /* stop following past it (dns_opts_t) */
    sock_t socks[MAX_SOCKS];   /* loop thread only */
    size_t nsocks;
} live_t;

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_status;

static void lib_init(void)
{
    lib_status = ares_library_init(ARES_LIB_INIT_ALL);
}

/* ---- sockets c-ares wants watched ---- */

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    live_t *lv = data;
    size_t i = 0;
    while (i < lv->nsocks && lv->socks[i].fd != fd)
        i++;
    if (!readable && !writable) {
        if (i < lv->nsocks)
            lv->socks[i] = lv->socks[--lv->nsocks];
        return;
    }
    if (i == lv->nsocks) {
        if (lv->nsocks == MAX_SOCKS)
            return; /* served by the timeout pass of ares_process_fd */
        lv->nsocks++;
    }
    lv->socks[i] = (sock_t){ fd, readable, writable };
}

/* ---- answers ---- */

static void finish(req_t *r, dns_answer_t *a_own)
{
    live_t *lv = r->lv;
    dns_deliver(r->d, r->e, a_own);
    lv->active--;
    free(r);
}

static dns_status_t status_of(int ares_status)
{
    switch (ares_status) {
    case ARES_ENOTFOUND: return DNS_NXDOMAIN;
    case ARES_ENODATA: return DNS_NODATA;
    case ARES_ESERVFAIL: return DNS_SERVFAIL;
    case ARES_EREFUSED: return DNS_REFUSED;
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED: /* ICMP port unreachable: nobody answers */
        return DNS_TIMEOUT;
    default:
        return DNS_BROKEN;
    }
}

static void send_query(req_t *r);

static void on_response(void *arg, int status, int timeouts, unsigned char *abuf,
                        int alen)
{
    req_t *r = arg;
    if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
        free(r); /* closing: by contract nothing is delivered any more */
        return;
    }
    if (!abuf || alen <= 0) {
        dns_status_t st = status_of(status);
        uint32_t ttl = st == DNS_NXDOMAIN || st == DNS_NODATA ? NEGATIVE_TTL_DEFAULT : 0;
        dns_answer_t *a = dns_answer_new(r->asked, r->type, st, NULL, 0, ttl);
        if (a)
            a->cnames = r->cnames;
        finish(r, a);
        return;
    }
    dns_wire_follow_t f;
    dns_wire_q_t q = { r->asked, slice_make(r->cur, r->curlen), r->type, r->ttl_cap,
                       NEGATIVE_TTL_DEFAULT, r->cnames };
    dns_answer_t *a = dns_wire_answer(&q, slice_make(abuf, (size_t)alen), &f);
    if (a || f.len == 0) {
        finish(r, a);
        return;
    }
    /* Each follow-up query is at least one more alias, so the chain's
     * limit bounds them; the cache turns this into its limit answer. */
    if (f.cnames > r->lv->max_cnames) {
        a = dns_answer_new(r->asked, r->type, DNS_BROKEN, NULL, 0, 0);
        if (a)
            a->cnames = f.cnames;
        finish(r, a);
        return;
    }
    memcpy(r->cur, f.name, f.len);
    r->curlen = f.len;
    r->ttl_cap = f.ttl_cap;
    r->cnames = f.cnames;
    send_query(r);
}

/*
 * c-ares takes a C string and reads '\\' as "the next byte is literal"; a
 * flat name cannot say "a dot inside a label", and a NUL cannot be passed.
 * -1 for names DNS cannot carry: they do not exist (the zone backend says
 * NXDOMAIN for them too).
 */
static int ares_name(const uint8_t *name, size_t n, char *out, size_t cap)
{
    size_t k = 0, label = 0;
    if (n == 0 || n > DNS_FLAT_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = name[i];
        if (c == 0)
            return -1;
        if (c == '.') {
            if (label == 0 || i + 1 == n)
                return -1;
            label = 0;
        } else if (++label > 63) {
            return -1;
        }
        if (k + 3 > cap)
            return -1;
        if (c == '\\')
            out[k++] = '\\';
        out[k++] = (char)c;
    }
    out[k] = 0;
    return 0;
}

static void send_query(req_t *r)
{
    char name[2 * DNS_FLAT_MAX + 2];
    if (ares_name(r->cur, r->curlen, name, sizeof name) != 0) {
        finish(r, dns_answer_new(r->asked, r->type, DNS_NXDOMAIN, NULL, 0,
                                 NEGATIVE_TTL_DEFAULT));
        return;
    }
    ares_query(r->lv->ch, name, 1 /* class IN */, r->type, on_response, r);
}

/* ---- the loop ---- */

/* Move queued queries onto the wire while there is room; 1 if stopping. */
static int start_queued(live_t *lv)
{
    for (;;) {
        pthread_mutex_lock(&lv->mu);
        int stop = lv->stop;
        req_t *r = NULL;
        if (!stop && lv->active < lv->inflight && lv->head) {
            r = lv->head;
            lv->head = r->next;
            if (!lv->head)
                lv->tail = NULL;
        }
        pthread_mutex_unlock(&lv->mu);
        if (stop)
            return 1;
        if (!r)
            return 0;
        lv->active++;
        send_query(r);
    }
}

static int poll_timeout_ms(live_t *lv)
{
    struct timeval tv, *t = ares_timeout(lv->ch, NULL, &tv);
    if (!t)
        return -1;
    long ms = (long)t->tv_sec * 1000 + (t->tv_usec + 999) / 1000;
    return ms > 60000 ? 60000 : (int)ms;
}

static void *loop(void *arg)
{
    live_t *lv = arg;
    struct pollfd pf[MAX_SOCKS + 1];
    for (;;) {
        if (start_queued(lv))
            break;
        size_t n = lv->nsocks;
        pf[0] = (struct pollfd){ .fd = lv->efd, .events = POLLIN };
        for (size_t i = 0; i < n; i++)
            pf[i + 1] = (struct pollfd){
                .fd = lv->socks[i].fd,
                .events = (short)((lv->socks[i].rd ? POLLIN : 0) |
                                  (lv->socks[i].wr ? POLLOUT : 0)) };
        int rc = poll(pf, n + 1, poll_timeout_ms(lv));
        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0 && (pf[0].revents & POLLIN)) {
            uint64_t v;
            if (read(lv->efd, &v, sizeof v) < 0 && errno != EAGAIN)
                break;
        }
        int any = 0;
        for (size_t i = 0; rc > 0 && i < n; i++) {
            short ev = pf[i + 1].revents;
            if (!ev)
                continue;
            any = 1;
            ares_socket_t rfd = ev & (POLLIN | POLLERR | POLLHUP) ? pf[i + 1].fd
                                                                  : ARES_SOCKET_BAD;
            ares_socket_t wfd = ev & (POLLOUT | POLLERR) ? pf[i + 1].fd
                                                          : ARES_SOCKET_BAD;
            ares_process_fd(lv->ch, rfd, wfd);
        }
        if (!any) /* timeouts and retries */
            ares_process_fd(lv->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }
    return NULL;
}

/* ---- the backend ---- */

static void poke(live_t *lv)
{
    uint64_t one = 1;
    /* EAGAIN: the counter is saturated, the loop will wake anyway */
    if (write(lv->efd, &one, sizeof one) < 0 && errno != EAGAIN)
        return;
}

static void live_query(void *impl, dns_t *d, struct dns_entry *e, slice_t name,
                       uint16_t type)
{
    live_t *lv = impl;
    if (name.n > DNS_FLAT_MAX) { /* no such name can exist */
        dns_deliver(d, e, dns_answer_new(name, type, DNS_NXDOMAIN, NULL, 0,
                                         NEGATIVE_TTL_DEFAULT));
        return;
    }
    req_t *r = calloc(1, sizeof *r);
    if (!r) {
        dns_deliver(d, e, NULL); /* the cache turns it into SERVFAIL */
        return;
    }
    *r = (req_t){ .d = d, .e = e, .asked = name, .type = type, .ttl_cap = UINT32_MAX,
                  .curlen = name.n, .lv = lv };
    memcpy(r->cur, name.p, name.n);
    pthread_mutex_lock(&lv->mu);
    if (lv->tail)
        lv->tail->next = r;
    else
        lv->head = r;
    lv->tail = r;
    pthread_mutex_unlock(&lv->mu);
    poke(lv);
}

static void live_free(live_t *lv)
{
    if (lv->ch)
        ares_destroy(lv->ch); /* pending callbacks see ARES_EDESTRUCTION */
    for (req_t *r = lv->head; r;) {
        req_t *next = r->next;
        free(r);
        r = next;
    }
    if (lv->efd >= 0)
        close(lv->efd);
    pthread_mutex_destroy(&lv->mu);
    free(lv);
}

static void live_destroy(void *impl)
{
    live_t *lv = impl;
    pthread_mutex_lock(&lv->mu);
    lv->stop = 1;
    pthread_mutex_unlock(&lv->mu);
    poke(lv);
    pthread_join(lv->thread, NULL);
    live_free(lv);
}

/* "" (resolv.conf), ":IP", ":IP:PORT", ":[IPv6]:PORT" or ":IPv6". */
static int parse_server(const char *spec, struct ares_addr_port_node *srv, int *have,
                        char *err, size_t errlen)
{
    char host[64];
    const char *port = NULL;
    *have = 0;
    if (!*spec)
        return 0;
    if (*spec != ':')
        goto bad;
    spec++;
    memset(srv, 0, sizeof *srv);
    if (*spec == '[') {
        const char *close = strchr(spec, ']');
        if (!close || (size_t)(close - spec - 1) >= sizeof host)
            goto bad;
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = 0;
        if (close[1] == ':')
            port = close + 2;
        else if (close[1])
            goto bad;
    } else if (strlen(spec) < sizeof host && inet_pton(AF_INET6, spec, &srv->addr.addr6) == 1) {
        snprintf(host, sizeof host, "%s", spec);
    } else {
        const char *colon = strrchr(spec, ':');
        size_t hl = colon ? (size_t)(colon - spec) : strlen(spec);
        if (hl >= sizeof host)
            goto bad;
        memcpy(host, spec, hl);
        host[hl] = 0;
        if (colon)
            port = colon + 1;
    }
    if (inet_pton(AF_INET, host, &srv->addr.addr4) == 1)
        srv->family = AF_INET;
    else if (inet_pton(AF_INET6, host, &srv->addr.addr6) == 1)
        srv->family = AF_INET6;
    else
        goto bad;
    int p = 53;
    if (port) {
        char *end;
        long v = strtol(port, &end, 10);
        if (!*port || *end || v < 1 || v > 65535)
            goto bad;
        p = (int)v;
    }
    srv->udp_port = srv->tcp_port = p;
    *have = 1;
    return 0;
bad:
    snprintf(err, errlen, "expected live, live:IP, live:IP:PORT or live:[IPv6]:PORT");
    return -1;
}

int dns_live_backend(const char *spec, const dns_opts_t *opts, struct dns_backend *out,
                     char *err, size_t errlen)
{
    struct ares_addr_port_node srv;
    int have_srv;
    if (parse_server(spec, &srv, &have_srv, err, errlen) != 0)
        return -1;
    pthread_once(&lib_once, lib_init);
    if (lib_status != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: %s", ares_strerror(lib_status));
        return -1;
    }
    live_t *lv = calloc(1, sizeof *lv);
    if (!lv) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    lv->efd = -1;
    pthread_mutex_init(&lv->mu, NULL);
    lv->inflight = opts && opts->inflight ? opts->inflight : DNS_DEFAULT_INFLIGHT;
    lv->max_cnames = opts && opts->max_cnames ? opts->max_cnames : DNS_DEFAULT_MAX_CNAMES;
    if (lv->max_cnames > DNS_HARD_MAX_CNAMES)
        lv->max_cnames = DNS_HARD_MAX_CNAMES;
    struct ares_options o = { 0 };
    /* EDNS0 (RFC 6891); truncated answers are retried over TCP, since
     * ARES_FLAG_IGNTC is not set (a 4096-bit key does not fit in 512).
     * NOCHECKRESP: a SERVFAIL or REFUSED response is handed to us as it is
     * (c-ares 1.18 would retry it and then report only ECONNREFUSED), so
     * the reason says what the server said.  NOSEARCH and NOALIASES
     * (catalogue G5): a key name is asked exactly as built, never with the
     * resolv.conf/LOCALDOMAIN search list appended nor rewritten through
     * HOSTALIASES, so an NXDOMAIN stays an NXDOMAIN. */
    o.flags = ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES |
              ARES_FLAG_NOCHECKRESP;
    o.timeout = (int)(opts && opts->timeout_ms ? opts->timeout_ms : DNS_DEFAULT_TIMEOUT_MS);
    o.tries = (int)(opts && opts->tries ? opts->tries : DNS_DEFAULT_TRIES);
    o.ednspsz = EDNS_UDP_SIZE;
    o.sock_state_cb = sock_state;
    o.sock_state_cb_data = lv;
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ |
               ARES_OPT_SOCK_STATE_CB;
    ares_channel ch = NULL;
    int rc = ares_init_options(&ch, &o, mask);
    if (rc != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
        goto fail;
    }
    lv->ch = ch;
    if (have_srv && (rc = ares_set_servers_ports(lv->ch, &srv)) != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
        goto fail;
    }
    lv->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (lv->efd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        goto fail;
    }
    if (pthread_create(&lv->thread, NULL, loop, lv) != 0) {
        snprintf(err, errlen, "cannot start the DNS thread");
        goto fail;
    }
    *out = (struct dns_backend){ lv, live_query, live_destroy, 1, 0 };
    return 0;
fail:
    live_free(lv);
    return -1;
}
