/*
 * dmarc_psl.c - RFC 7489 3.2 organizational domain from the public suffix
 * list, through libpsl.  The context is loaded once and only read after
 * that: psl_registrable_domain() takes a const context and keeps no state,
 * so every worker may use it at once.
 */
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>

#include "dmarc.h"

#define DEBIAN_PSL "/usr/share/publicsuffix/public_suffix_list.dat"

struct dmarc_psl {
    psl_ctx_t *ctx;
};

dmarc_psl_t *dmarc_psl_open(const char *path, char *err, size_t errlen)
{
    dmarc_psl_t *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (path) {
        p->ctx = psl_load_file(path);
        if (!p->ctx) {
            snprintf(err, errlen, "cannot load %s", path);
            free(p);
            return NULL;
        }
        return p;
    }
    p->ctx = psl_load_file(DEBIAN_PSL);
    if (!p->ctx)
        p->ctx = (psl_ctx_t *)psl_builtin(); /* psl_free() leaves the built-in alone */
    if (!p->ctx) {
        snprintf(err, errlen, "no public suffix list: %s missing and libpsl has none built in",
                 DEBIAN_PSL);
        free(p);
        return NULL;
    }
    return p;
}

void dmarc_psl_close(dmarc_psl_t *p)
{
    if (!p)
        return;
    psl_free(p->ctx);
    free(p);
}

size_t dmarc_psl_org(const dmarc_psl_t *p, slice_t name, char *out, size_t cap)
{
    char buf[256];
    if (!p || cap == 0 || name.n == 0 || name.n >= sizeof buf)
        return 0;
    if (name.p[0] == '.')
        return 0; /* ".example.com" names no domain (PSL tests.txt) */
    for (size_t i = 0; i < name.n; i++) {
        if (name.p[i] == '\0')
            return 0;
        buf[i] = (char)slice_lower_byte(name.p[i]);
    }
    size_t n = name.n;
    if (buf[n - 1] == '.')
        n--;
    buf[n] = '\0';
    const char *reg = psl_registrable_domain(p->ctx, buf);
    if (!reg)
        return 0;
    size_t len = strlen(reg);
    if (len >= cap)
        return 0;
    memcpy(out, reg, len + 1);
    return len;
}
