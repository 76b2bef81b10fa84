/*
 * open.c - choose a backend from the --dns spec and put the cache in front.
 *
 * A new backend adds a branch here and a file of its own (zone.c, live.c);
 * callers of dns.h do not change.
 */
#include <stdio.h>
#include <string.h>

#include "dns_internal.h"

static int spec_is(const char *spec, const char *name)
{
    size_t n = strlen(name);
    return strncmp(spec, name, n) == 0 && (spec[n] == '\0' || spec[n] == ':');
}

dns_t *dns_open(const char *spec, const dns_opts_t *opts, char *err, size_t errlen)
{
    if (!spec)
        spec = "";
    if (spec_is(spec, "zone")) {
        const char *file = spec[4] == ':' ? spec + 5 : "";
        if (!*file) {
            snprintf(err, errlen, "--dns=zone:FILE needs a file name");
            return NULL;
        }
        dns_zone_t *z = dns_zone_load(file, err, errlen);
        if (!z)
            return NULL;
        struct dns_backend be = dns_zone_backend_own(z);
        dns_t *d = dns_open_backend(&be, opts);
        if (!d)
            snprintf(err, errlen, "out of memory");
        return d;
    }
    if (spec_is(spec, "slowzone")) {
        struct dns_backend be;
        if (dns_slow_backend(spec[8] == ':' ? spec + 9 : "", &be, err, errlen) != 0)
            return NULL;
        dns_t *d = dns_open_backend(&be, opts);
        if (!d)
            snprintf(err, errlen, "out of memory");
        return d;
    }
    if (spec_is(spec, "live")) {
        struct dns_backend be;
        if (dns_live_backend(spec + 4, opts, &be, err, errlen) != 0)
            return NULL;
        dns_t *d = dns_open_backend(&be, opts);
        if (!d)
            snprintf(err, errlen, "out of memory");
        return d;
    }
    int n = (int)strcspn(spec, ":");
    snprintf(err, errlen, "unknown DNS backend '%.*s' (expected zone:FILE or live)",
             n > 64 ? 64 : n, spec);
    return NULL;
}
