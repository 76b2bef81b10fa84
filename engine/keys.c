/*
 * keys.c - key records fetched and parsed once per DNS answer.
 */
#include "keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnswait.h"

#define KEYSET_SLOT 0

static void keyset_free(void *p)
{
    eng_keyset_t *ks = p;
    for (size_t i = 0; i < ks->n; i++)
        crypto_key_free(ks->e[i].key);
    free(ks);
}

static void parse_key(eng_keyent_t *e)
{
    const dkim_keyrec_t *r = &e->rec;
    e->key_why = "key record has no usable p=";
    if (r->p.n == 0)
        return;
    size_t cap = crypto_b64_decoded_cap(r->p.n), len;
    uint8_t *der = malloc(cap ? cap : 1);
    if (!der)
        return;
    if (crypto_b64_decode(r->p, der, cap, &len) < 0)
        e->key_why = "key data is not base64";
    else
        e->key = crypto_key_parse(r->k, der, len, &e->key_why);
    free(der);
}

static int rr_cmp(slice_t x, slice_t y)
{
    int c = memcmp(x.p, y.p, x.n < y.n ? x.n : y.n);
    return c ? c : (x.n > y.n) - (x.n < y.n);
}

/*
 * Several key records at one selector (catalogue G2): they are tried in the
 * order of their text, not in the order a server happened to send them, so
 * that the verdict and reason chosen among equals are the same in every run.
 * Insertion sort: a selector has one or two records.
 */
static void sort_records(eng_keyset_t *ks)
{
    for (size_t i = 1; i < ks->n; i++)
        for (size_t j = i; j > 0 && rr_cmp(ks->e[j - 1].txt, ks->e[j].txt) > 0; j--) {
            eng_keyent_t t = ks->e[j];
            ks->e[j] = ks->e[j - 1];
            ks->e[j - 1] = t;
        }
}

eng_keyset_t *eng_keyset_get(dns_answer_t *a)
{
    eng_keyset_t *ks = dns_answer_attached(a, KEYSET_SLOT);
    if (ks)
        return ks;
    ks = calloc(1, sizeof *ks + a->nrr * sizeof(eng_keyent_t));
    if (!ks)
        return NULL;
    ks->n = a->nrr;
    for (size_t i = 0; i < a->nrr; i++) {
        ks->e[i].txt = a->rr[i].data;
        dkim_keyrec_parse(a->rr[i].data, &ks->e[i].rec);
        parse_key(&ks->e[i]);
    }
    sort_records(ks);
    /* another thread may have parsed the same answer first: keep one */
    eng_keyset_t *won = dns_answer_attach(a, KEYSET_SLOT, ks, keyset_free);
    if (won != ks)
        keyset_free(ks);
    return won;
}

/* RFC 6376 3.6.2.1: the key lives at <selector>._domainkey.<domain>. */
static int key_name(slice_t sel, slice_t dom, char *out, size_t cap)
{
    static const char mid[] = "._domainkey.";
    size_t n = sel.n + sizeof mid - 1 + dom.n;
    if (n >= cap)
        return -1;
    memcpy(out, sel.p, sel.n);
    memcpy(out + sel.n, mid, sizeof mid - 1);
    memcpy(out + sel.n + sizeof mid - 1, dom.p, dom.n);
    out[n] = '\0';
    return (int)n;
}

static int fetch_failed(eng_keyfetch_t *f, eng_result_t r, const char *why)
{
    f->result = r;
    f->reason = why;
    return -1;
}

/*
 * Catalogue C8: archived mail is checked against today's DNS, where a
 * rotated-out selector is simply gone.  The reason says the key was absent
 * *when asked*, so nobody reads it as a forgery; the verdict stays
 * permerror, never fail.  The time of the query is not written: a line
 * must be byte-identical when the run is replayed from --dns-record (the
 * run's own clock and the recording's file time tell when).
 */
const char *eng_key_absent_reason(const eng_keyfetch_t *f, char *buf, size_t n)
{
    const dns_answer_t *a = f->answer;
    if (!a)
        return NULL;
    if (a->status == DNS_OK ? a->nrr != 0 : dns_status_is_temp(a->status))
        return NULL; /* a key was there, or the lookup failed */
    const char *what = a->status == DNS_NXDOMAIN ? "NXDOMAIN"
                       : a->status == DNS_NODATA ? "no TXT record"
                                                 : "no records";
    snprintf(buf, n, "no key for signature: key absent at query time (%s)", what);
    return buf;
}

int eng_key_fetch(dns_t *dns, slice_t selector, slice_t domain, eng_keyfetch_t *f)
{
    char name[512];
    memset(f, 0, sizeof *f);
    int n = key_name(selector, domain, name, sizeof name);
    if (n < 0)
        return fetch_failed(f, ENG_PERMERROR, "key name too long");
    f->answer = eng_dns_get_wait(dns, slice_make(name, (size_t)n), DNS_T_TXT);
    if (!f->answer)
        return fetch_failed(f, ENG_TEMPERROR, "key lookup failed");
    dns_status_t st = f->answer->status;
    if (st != DNS_OK && dns_status_is_temp(st)) {
        char why[80];
        snprintf(f->buf, sizeof f->buf, "key lookup failed: %s",
                 dns_answer_why(f->answer, why, sizeof why));
        return fetch_failed(f, ENG_TEMPERROR, f->buf);
    }
    /* RFC 6376 6.1.2: NXDOMAIN or no TXT record is PERMFAIL, "no key" */
    if (st != DNS_OK || f->answer->nrr == 0)
        return fetch_failed(f, ENG_PERMERROR, "no key for signature");
    f->ks = eng_keyset_get(f->answer);
    if (!f->ks)
        return fetch_failed(f, ENG_TEMPERROR, "out of memory");
    return 0;
}

void eng_keyfetch_done(eng_keyfetch_t *f)
{
    if (f->answer)
        dns_answer_release(f->answer);
    f->answer = NULL;
    f->ks = NULL;
}
