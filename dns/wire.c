/*
 * wire.c - a DNS response (RFC 1035 4.1) turned into an answer.
 *
 * Responses are hostile input: every read is checked against the message's
 * end, compression pointers are followed a bounded number of times, and a
 * response that cannot be read is a BROKEN answer (a temporary failure),
 * never a crash.  Our own parser rather than ares_parse_*_reply: one walk
 * gives records, TTLs, the CNAME chain and the negative TTL of the SOA in
 * the authority section, which c-ares' parsers do not all expose.
 */
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"

#define HEADER_LEN 12
#define MAX_JUMPS 64         /* compression pointers followed per name */
#define WIRE_NAME_MAX 255    /* RFC 1035 3.1 */
#define RCODE_NOERROR 0
#define RCODE_SERVFAIL 2
#define RCODE_NXDOMAIN 3
#define RCODE_REFUSED 5
#define CLASS_IN 1

typedef struct rr_ref {
    uint8_t owner[DNS_FLAT_MAX + 1];
    size_t ownerlen;
    uint16_t type;
    uint32_t ttl;
    size_t rdoff, rdlen;
} rr_ref_t;

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader_t;

static int get16(const reader_t *m, size_t off, uint16_t *v)
{
    if (off > m->n || m->n - off < 2)
        return -1;
    *v = (uint16_t)(m->p[off] << 8 | m->p[off + 1]);
    return 0;
}

static int get32(const reader_t *m, size_t off, uint32_t *v)
{
    if (off > m->n || m->n - off < 4)
        return -1;
    *v = (uint32_t)m->p[off] << 24 | (uint32_t)m->p[off + 1] << 16 |
         (uint32_t)m->p[off + 2] << 8 | m->p[off + 3];
    return 0;
}

/* RFC 2181 8: a TTL with the top bit set is treated as zero. */
static uint32_t ttl_sane(uint32_t ttl)
{
    return ttl & 0x80000000u ? 0 : ttl;
}

/*
 * Read the name at *off into out (flat: lower case, labels joined by '.'),
 * leaving *off after it in the record.  RFC 1035 4.1.4: a pointer (top bits
 * 11) continues the name elsewhere; 01 and 10 are reserved (RFC 6891 drops
 * the extended label types).  -1 if the name runs off the end, loops, or is
 * longer than 255 octets, or has a dot inside a label.
 */
static int read_name(const reader_t *m, size_t *off, uint8_t out[DNS_FLAT_MAX + 1],
                     size_t *outlen)
{
    size_t pos = *off, n = 0, wire = 1, end = 0;
    int jumps = 0, jumped = 0;
    for (;;) {
        if (pos >= m->n)
            return -1;
        uint8_t len = m->p[pos];
        if ((len & 0xC0) == 0xC0) {
            if (pos + 1 >= m->n || ++jumps > MAX_JUMPS)
                return -1;
            if (!jumped)
                end = pos + 2;
            jumped = 1;
            pos = (size_t)(len & 0x3F) << 8 | m->p[pos + 1];
            continue;
        }
        if (len & 0xC0)
            return -1;
        if (len == 0) {
            if (!jumped)
                end = pos + 1;
            break;
        }
        wire += (size_t)len + 1;
        if (wire > WIRE_NAME_MAX || m->n - pos - 1 < len)
            return -1;
        if (n)
            out[n++] = '.';
        for (size_t i = 0; i < len; i++) {
            /* A flat name cannot hold a dot inside a label (RFC 4343 2.1
             * allows one): such a name could not be told apart from
             * another, so the response is not used. */
            if (m->p[pos + 1 + i] == '.')
                return -1;
            out[n++] = slice_lower_byte(m->p[pos + 1 + i]);
        }
        pos += (size_t)len + 1;
    }
    /* wire <= 255 keeps the flat form within 253 bytes */
    *outlen = n;
    *off = end;
    return 0;
}

static int skip_name(const reader_t *m, size_t *off)
{
    uint8_t scratch[DNS_FLAT_MAX + 1];
    size_t n;
    return read_name(m, off, scratch, &n);
}

/* One resource record's fixed part (RFC 1035 4.1.3); *off moves past it. */
static int read_rr(const reader_t *m, size_t *off, rr_ref_t *rr, uint16_t *cls)
{
    uint16_t rdlen;
    if (read_name(m, off, rr->owner, &rr->ownerlen) != 0 ||
        get16(m, *off, &rr->type) != 0 || get16(m, *off + 2, cls) != 0 ||
        get32(m, *off + 4, &rr->ttl) != 0 || get16(m, *off + 8, &rdlen) != 0)
        return -1;
    *off += 10;
    if (m->n - *off < rdlen)
        return -1;
    rr->ttl = ttl_sane(rr->ttl);
    rr->rdoff = *off;
    rr->rdlen = rdlen;
    *off += rdlen;
    return 0;
}

static int owner_is(const rr_ref_t *rr, slice_t name)
{
    return slice_eq(slice_make(rr->owner, rr->ownerlen), name);
}

/* RFC 2308 5: the negative TTL is the smaller of the SOA's TTL and its
 * MINIMUM field.  1 if the authority section has an SOA. */
static int soa_negative_ttl(const reader_t *m, const rr_ref_t *rr, uint32_t *ttl)
{
    size_t off = rr->rdoff;
    reader_t rd = { m->p, rr->rdoff + rr->rdlen }; /* names stay inside rdata */
    uint32_t minimum;
    if (skip_name(&rd, &off) != 0 || skip_name(&rd, &off) != 0 ||
        get32(&rd, off + 16, &minimum) != 0)
        return 0;
    minimum = ttl_sane(minimum);
    *ttl = rr->ttl < minimum ? rr->ttl : minimum;
    return 1;
}

/*
 * Decode one record's data into buf (at least rdlen + DNS_FLAT_MAX + 1
 * bytes): TXT strings concatenated (RFC 6376 3.6.2.2, RFC 7208 3.3), names
 * flat, addresses raw.  -1 if the data does not have its type's shape.
 */
static int decode_rdata(const reader_t *m, const rr_ref_t *rr, uint8_t *buf,
                        dns_rr_t *out)
{
    reader_t rd = { m->p, rr->rdoff + rr->rdlen };
    size_t off = rr->rdoff, n = 0;
    uint16_t pref = 0;
    out->type = rr->type;
    out->ttl = rr->ttl;
    out->pref = 0;
    switch (rr->type) {
    case DNS_T_A:
    case DNS_T_AAAA:
        if (rr->rdlen != (rr->type == DNS_T_A ? 4u : 16u))
            return -1;
        memcpy(buf, m->p + off, rr->rdlen);
        n = rr->rdlen;
        break;
    case DNS_T_TXT:
    case DNS_T_SPF:
        /* RFC 1035 3.3.14: <character-string>s filling the rdata exactly */
        while (off < rd.n) {
            size_t len = m->p[off++];
            if (rd.n - off < len)
                return -1;
            memcpy(buf + n, m->p + off, len);
            n += len;
            off += len;
        }
        break;
    case DNS_T_MX:
    case DNS_T_CNAME:
    case DNS_T_PTR:
        if (rr->type == DNS_T_MX) {
            if (get16(&rd, off, &pref) != 0)
                return -1;
            off += 2;
        }
        /* RFC 3597 4: compression is allowed in these well-known types */
        if (read_name(&rd, &off, buf, &n) != 0 || off != rd.n)
            return -1;
        out->pref = pref;
        break;
    default:
        memcpy(buf, m->p + off, rr->rdlen);
        n = rr->rdlen;
        break;
    }
    out->data = slice_make(buf, n);
    return 0;
}

static dns_answer_t *status_answer(const dns_wire_q_t *q, dns_status_t st,
                                   uint32_t ttl)
{
    dns_answer_t *a = dns_answer_new(q->asked, q->qtype, st, NULL, 0, ttl);
    if (a)
        a->cnames = q->cnames;
    return a;
}

/* RFC 2181 5: an RRset holds no duplicate records (the zone file keeps
 * one of each too, so a recording replays the same set). */
static int is_duplicate(const dns_rr_t *rr, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (rr[i].pref == rr[k].pref && slice_eq(rr[i].data, rr[k].data))
            return 1;
    return 0;
}

/* The records of qtype at name, decoded, as the answer. */
static dns_answer_t *records_answer(const dns_wire_q_t *q, const reader_t *m,
                                    const rr_ref_t *an, size_t nan, slice_t name,
                                    uint32_t ttl)
{
    size_t k = 0, bytes = 0;
    for (size_t i = 0; i < nan; i++)
        if (an[i].type == q->qtype && owner_is(&an[i], name)) {
            k++;
            bytes += an[i].rdlen + DNS_FLAT_MAX + 1;
        }
    dns_rr_t *rr = calloc(k, sizeof *rr);
    uint8_t *buf = malloc(bytes);
    dns_answer_t *a = NULL;
    if (!rr || !buf)
        goto out;
    k = 0;
    bytes = 0;
    for (size_t i = 0; i < nan; i++) {
        if (an[i].type != q->qtype || !owner_is(&an[i], name))
            continue;
        if (decode_rdata(m, &an[i], buf + bytes, &rr[k]) != 0) {
            a = status_answer(q, DNS_BROKEN, 0);
            goto out;
        }
        if (an[i].ttl < ttl)
            ttl = an[i].ttl;
        if (is_duplicate(rr, k))
            continue;
        bytes += rr[k].data.n;
        k++;
    }
    a = dns_answer_new(q->asked, q->qtype, DNS_OK, rr, k, ttl);
out:
    free(rr);
    free(buf);
    return a;
}

static const rr_ref_t *find_at(const rr_ref_t *an, size_t nan, slice_t name,
                               uint16_t type)
{
    for (size_t i = 0; i < nan; i++)
        if (an[i].type == type && owner_is(&an[i], name))
            return &an[i];
    return NULL;
}

dns_answer_t *dns_wire_answer(const dns_wire_q_t *q, slice_t msg, dns_wire_follow_t *f)
{
    reader_t m = { msg.p, msg.n };
    uint16_t flags, qd, ancount, nscount, cls;
    size_t off = HEADER_LEN;
    rr_ref_t *an = NULL, soa;
    dns_answer_t *a = NULL;
    uint32_t neg = q->neg_default, ttl = q->ttl_cap;
    uint8_t cur[DNS_FLAT_MAX + 1];
    slice_t name = q->qname;
    unsigned hops = 0;

    f->len = 0;
    f->ttl_cap = q->ttl_cap;
    f->cnames = q->cnames;
    if (msg.n < HEADER_LEN || get16(&m, 2, &flags) != 0 || !(flags & 0x8000))
        return status_answer(q, DNS_BROKEN, 0);
    get16(&m, 4, &qd);
    get16(&m, 6, &ancount);
    get16(&m, 8, &nscount);
    switch (flags & 0xF) {
    case RCODE_NOERROR:
    case RCODE_NXDOMAIN:
        break;
    case RCODE_SERVFAIL:
        return status_answer(q, DNS_SERVFAIL, 0);
    case RCODE_REFUSED:
        return status_answer(q, DNS_REFUSED, 0);
    default: /* FORMERR, NOTIMP, ...: nothing usable */
        return status_answer(q, DNS_BROKEN, 0);
    }
    for (unsigned i = 0; i < qd; i++) {
        if (skip_name(&m, &off) != 0 || m.n - off < 4)
            return status_answer(q, DNS_BROKEN, 0);
        off += 4;
    }
    /* A record needs 11 bytes at least: the count cannot outrun the message */
    if (ancount > (m.n - off) / 11)
        return status_answer(q, DNS_BROKEN, 0);
    an = calloc(ancount ? ancount : 1, sizeof *an);
    if (!an)
        return NULL;
    size_t nan = 0;
    for (unsigned i = 0; i < ancount; i++) {
        if (read_rr(&m, &off, &an[nan], &cls) != 0) {
            a = status_answer(q, DNS_BROKEN, 0);
            goto out;
        }
        nan += cls == CLASS_IN;
    }
    int have_soa = 0;
    for (unsigned i = 0; i < nscount && !have_soa; i++) {
        if (read_rr(&m, &off, &soa, &cls) != 0)
            break; /* the answer section was fine: use what we read */
        have_soa = soa.type == DNS_T_SOA && cls == CLASS_IN &&
                   soa_negative_ttl(&m, &soa, &neg);
    }

    /* RFC 1034 3.6.2 / 4.3.2: restart at the canonical name, within the
     * response; RFC 6604: the RCODE speaks of the chain's last name. */
    for (;; hops++) {
        if (find_at(an, nan, name, q->qtype)) {
            a = records_answer(q, &m, an, nan, name, ttl);
            goto out;
        }
        const rr_ref_t *cn = q->qtype == DNS_T_CNAME ? NULL
                                                     : find_at(an, nan, name, DNS_T_CNAME);
        if (!cn)
            break;
        if (hops == DNS_HARD_MAX_CNAMES) { /* a loop, or as good as one */
            a = status_answer(q, DNS_BROKEN, 0);
            hops++;
            goto out;
        }
        dns_rr_t target;
        if (decode_rdata(&m, cn, cur, &target) != 0) {
            a = status_answer(q, DNS_BROKEN, 0);
            goto out;
        }
        if (cn->ttl < ttl)
            ttl = cn->ttl;
        name = slice_make(cur, target.data.n);
    }
    if ((flags & 0xF) == RCODE_NXDOMAIN) {
        a = status_answer(q, DNS_NXDOMAIN, neg);
    } else if (name.p != q->qname.p && !have_soa && name.n == 0) {
        a = status_answer(q, DNS_BROKEN, 0); /* an alias of the root */
    } else if (name.p != q->qname.p && !have_soa) {
        /* an alias whose target this server did not answer for */
        memcpy(f->name, name.p, name.n);
        f->len = name.n;
        f->ttl_cap = ttl;
        f->cnames = q->cnames + hops;
    } else {
        a = status_answer(q, DNS_NODATA, neg);
    }
out:
    free(an);
    if (a && !dns_answer_is_shared_oom(a))
        a->cnames = q->cnames + hops;
    return a;
}
