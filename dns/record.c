/*
 * record.c - --dns-record: the answers a run saw, as a zone file that the
 * zone backend replays to the same statuses and records (dns.h says how
 * each status is written).
 *
 * The writer lives above the backends, on the cache, so it records any of
 * them.  Output is a pure function of the set of answers: sorted by name
 * bytes, then type; records in answer order (a verifier may try them in
 * order, so the order is part of what is replayed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"

#define CHARSTR_MAX 255 /* RFC 1035 3.3: one length octet */

typedef struct collect {
    dns_answer_t **a;
    size_t n, cap;
    int oom;
} collect_t;

static void collect_one(void *arg, dns_answer_t *a)
{
    collect_t *c = arg;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        dns_answer_t **na = realloc(c->a, cap * sizeof *na);
        if (!na) {
            c->oom = 1;
            return;
        }
        c->a = na;
        c->cap = cap;
    }
    dns_answer_ref(a);
    c->a[c->n++] = a;
}

static int cmp_answer(const void *x, const void *y)
{
    const dns_answer_t *a = *(dns_answer_t *const *)x, *b = *(dns_answer_t *const *)y;
    size_t n = a->name.n < b->name.n ? a->name.n : b->name.n;
    int c = n ? memcmp(a->name.p, b->name.p, n) : 0;
    if (c)
        return c;
    if (a->name.n != b->name.n)
        return a->name.n < b->name.n ? -1 : 1;
    return (int)a->type - (int)b->type;
}

/* RFC 1035 5.1: a name as text; bytes other than letters, digits, '-' and
 * '_' as \DDD, so any label survives the zone parser.  Absolute. */
static void put_name(FILE *f, slice_t name)
{
    for (size_t i = 0; i < name.n; i++) {
        uint8_t c = name.p[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.')
            fputc(c, f);
        else if (c >= 'A' && c <= 'Z')
            fputc(c, f);
        else
            fprintf(f, "\\%03u", c);
    }
    fputc('.', f);
}

/* Printable ASCII except '"' and '\\' as is; anything else \DDD.  Cut into
 * strings of at most 255 bytes (one record: the strings are concatenated
 * again when read, RFC 6376 3.6.2.2). */
static void put_txt(FILE *f, slice_t data)
{
    size_t i = 0;
    do {
        size_t end = data.n - i > CHARSTR_MAX ? i + CHARSTR_MAX : data.n;
        fputs(" \"", f);
        for (; i < end; i++) {
            uint8_t c = data.p[i];
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
                fputc(c, f);
            else
                fprintf(f, "\\%03u", c);
        }
        fputc('"', f);
    } while (i < data.n);
}

static const char *type_name(uint16_t t, char buf[16])
{
    switch (t) {
    case DNS_T_A: return "A";
    case DNS_T_AAAA: return "AAAA";
    case DNS_T_CNAME: return "CNAME";
    case DNS_T_PTR: return "PTR";
    case DNS_T_MX: return "MX";
    case DNS_T_TXT: return "TXT";
    case DNS_T_SPF: return "SPF";
    }
    snprintf(buf, 16, "TYPE%u", (unsigned)t);
    return buf;
}

static int servable(uint16_t t)
{
    return t == DNS_T_A || t == DNS_T_AAAA || t == DNS_T_PTR || t == DNS_T_MX ||
           t == DNS_T_TXT || t == DNS_T_SPF;
}

static void put_rr(FILE *f, const dns_answer_t *a, const dns_rr_t *rr)
{
    char ip[INET6_ADDRSTRLEN], tb[16];
    put_name(f, a->name);
    fprintf(f, " %u IN %s", (unsigned)(rr->ttl & 0x7fffffffu), type_name(rr->type, tb));
    switch (rr->type) {
    case DNS_T_A:
    case DNS_T_AAAA:
        if (rr->data.n == (rr->type == DNS_T_A ? 4u : 16u) &&
            inet_ntop(rr->type == DNS_T_A ? AF_INET : AF_INET6, rr->data.p, ip,
                      sizeof ip))
            fprintf(f, " %s", ip);
        break;
    case DNS_T_MX:
        fprintf(f, " %u ", (unsigned)rr->pref);
        put_name(f, rr->data);
        break;
    case DNS_T_PTR:
        fputc(' ', f);
        put_name(f, rr->data);
        break;
    default:
        put_txt(f, rr->data);
        break;
    }
    fputc('\n', f);
}

static const char *pseudo_of(dns_status_t st)
{
    switch (st) {
    case DNS_TIMEOUT: return "TIMEOUT";
    case DNS_SERVFAIL: return "SERVFAIL";
    case DNS_REFUSED: return "REFUSED";
    default: return "BROKEN";
    }
}

/* The records, or the marker of a negative or failed answer. */
static void put_answer(FILE *f, const dns_answer_t *a)
{
    char tb[16];
    const char *tn = type_name(a->type, tb);
    switch (a->status) {
    case DNS_OK:
        for (size_t i = 0; i < a->nrr; i++)
            put_rr(f, a, &a->rr[i]);
        return;
    case DNS_NXDOMAIN:
        fputs("; ", f);
        put_name(f, a->name);
        fprintf(f, " %s NXDOMAIN (absent)\n", tn);
        return;
    case DNS_NODATA:
        put_name(f, a->name);
        fprintf(f, " %u IN TYPE%u \\# 0 ; %s NODATA\n",
                (unsigned)(a->ttl & 0x7fffffffu), (unsigned)DNS_T_PSEUDO_NODATA, tn);
        return;
    default:
        put_name(f, a->name);
        fprintf(f, " 0 IN %s %s", pseudo_of(a->status), tn);
        if (a->limit != DNS_LIMIT_NONE) {
            /* The records were never kept: the replay is BROKEN as well
             * (temperror either way), only its reason is less specific. */
            char why[96];
            fprintf(f, " ; %s", dns_answer_why(a, why, sizeof why));
        }
        fputc('\n', f);
        return;
    }
}

int dns_record_write_answers(FILE *f, dns_answer_t **a, size_t n)
{
    if (n)
        qsort(a, n, sizeof *a, cmp_answer);
    fputs("; authsweep --dns-record: every answer of the run, sorted by name and type.\n"
          "; Replay with --dns=zone:FILE.  NODATA is TYPE65534, a private-use type\n"
          "; that makes the name exist; TIMEOUT/SERVFAIL/REFUSED/BROKEN TYPE fail\n"
          "; queries of TYPE at that name; a name absent from the file is NXDOMAIN.\n",
          f);
    for (size_t i = 0; i < n; i++) {
        /* An answer for a type the zone cannot serve (CNAME asked for
         * itself: writing it would redirect every other type there) is
         * left out; the query replays as NXDOMAIN or NODATA. */
        if (a[i]->status == DNS_OK && !servable(a[i]->type))
            continue;
        put_answer(f, a[i]);
    }
    return ferror(f) ? -1 : 0;
}

int dns_record_write(dns_t *d, const char *path, char *err, size_t errlen)
{
    collect_t c = { 0 };
    int rc = -1;
    dns_cache_each(d, collect_one, &c);
    FILE *f = NULL;
    if (c.oom) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (dns_record_write_answers(f, c.a, c.n) != 0) {
        snprintf(err, errlen, "%s: write error", path);
        goto out;
    }
    rc = 0;
out:
    if (f && fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    for (size_t i = 0; i < c.n; i++)
        dns_answer_release(c.a[i]);
    free(c.a);
    return rc;
}
