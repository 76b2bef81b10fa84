/*
 * canon_internal.h - the body canonicalization kernels and their table.
 *
 * canon_scalar.c is the reference; canon_sse2.c and canon_avx2.c produce
 * exactly its bytes, faster (canon_simd_tmpl.h holds their shared driver).
 * canon_dispatch.c picks one at run time, once per process (zlib-ng's
 * functable): scalar first, upgraded per CPU feature; AS_CANON=scalar|sse2|avx2
 * in the environment forces one (if the CPU has it).  Used inside crypto/ and
 * by its tests only.
 */
#ifndef AS_CANON_INTERNAL_H
#define AS_CANON_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

/* Same contract as crypto_canon_body_update (crypto.h). */
typedef void (*crypto_canon_update_fn)(crypto_canon_body_t *c, const uint8_t *p,
                                       size_t n);

typedef struct crypto_canon_kernel {
    const char *name;              /* "scalar", "sse2", "avx2" */
    crypto_canon_update_fn update;
    int (*supported)(void);        /* 1 if this CPU can run it */
} crypto_canon_kernel_t;

void crypto_canon_body_update_scalar(crypto_canon_body_t *c, const uint8_t *p, size_t n);
#if defined(__x86_64__) || defined(__i386__)
#define CRYPTO_CANON_X86 1
void crypto_canon_body_update_sse2(crypto_canon_body_t *c, const uint8_t *p, size_t n);
void crypto_canon_body_update_avx2(crypto_canon_body_t *c, const uint8_t *p, size_t n);
#endif

/* Every kernel compiled in, reference first; *n gets the count. */
const crypto_canon_kernel_t *crypto_canon_kernels(size_t *n);
/* The kernel crypto_canon_body_update uses (detected on first call). */
const crypto_canon_kernel_t *crypto_canon_kernel_active(void);

#endif
