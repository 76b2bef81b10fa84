/*
 * hash.c - keyed hash of (domain name, type) for the cache and zone tables.
 *
 * Names come from hostile mail (d=, SPF include:), so the tables use
 * SipHash-1-3 under a random per-table key rather than a fixed-seed hash: an
 * attacker cannot precompute names that pile into one bucket.
 */
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dns_internal.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

typedef struct sip {
    uint64_t v0, v1, v2, v3;
} sip_t;

static void sip_round(sip_t *s)
{
    s->v0 += s->v1;
    s->v1 = ROTL(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = ROTL(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = ROTL(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = ROTL(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = ROTL(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = ROTL(s->v2, 32);
}

static void sip_word(sip_t *s, uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    s->v0 ^= m;
}

/* Bytes are lower-cased on the way in: names are case-insensitive
 * (RFC 4343), and this saves copying them. */
uint64_t dns_hash_name(const uint64_t key[2], slice_t name, uint16_t type)
{
    sip_t s = { key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
                key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL };
    uint64_t m = 0;
    size_t total = name.n + 2;
    unsigned fill = 0;

    for (size_t i = 0; i < total; i++) {
        uint8_t c;
        if (i < name.n)
            c = slice_lower_byte(name.p[i]);
        else
            c = (uint8_t)(i == name.n ? type >> 8 : type & 0xff);
        m |= (uint64_t)c << (8 * fill);
        if (++fill == 8) {
            sip_word(&s, m);
            m = 0;
            fill = 0;
        }
    }
    sip_word(&s, m | ((uint64_t)(total & 0xff) << 56));
    s.v2 ^= 0xff;
    for (int r = 0; r < 3; r++)
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

void dns_hash_key_init(uint64_t key[2])
{
    if (getrandom(key, 2 * sizeof key[0], GRND_NONBLOCK) ==
        (ssize_t)(2 * sizeof key[0]))
        return;
    /* No entropy yet (early boot): a weaker key still spreads names. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    key[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)key;
    key[1] = (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)(uintptr_t)&ts;
}

slice_t dns_name_trim_dot(slice_t name)
{
    if (name.n && name.p[name.n - 1] == '.')
        name.n--;
    return name;
}
