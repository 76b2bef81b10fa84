/*
 * canon_dispatch.c - chooses the body canonicalization kernel once per
 * process (the zlib-ng functable shape): start from the scalar reference,
 * upgrade per CPU feature, publish.  AS_CANON=scalar|sse2|avx2 forces a
 * kernel for debugging; a forced kernel the CPU lacks is ignored.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "canon_internal.h"

static int always(void)
{
    return 1;
}

#ifdef CRYPTO_CANON_X86
static int has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
}
#endif

/* Reference first, then in order of preference (best last). */
static const crypto_canon_kernel_t kernels[] = {
    { "scalar", crypto_canon_body_update_scalar, always },
#ifdef CRYPTO_CANON_X86
    { "sse2", crypto_canon_body_update_sse2, always }, /* x86-64 baseline */
    { "avx2", crypto_canon_body_update_avx2, has_avx2 },
#endif
};
#define NKERNELS (sizeof(kernels) / sizeof(kernels[0]))

static const crypto_canon_kernel_t *active;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

static void detect(void)
{
    const char *force = getenv("AS_CANON");
    active = &kernels[0];
    for (size_t i = 1; i < NKERNELS; i++)
        if (kernels[i].supported())
            active = &kernels[i];
    if (!force)
        return;
    for (size_t i = 0; i < NKERNELS; i++)
        if (strcmp(force, kernels[i].name) == 0 && kernels[i].supported())
            active = &kernels[i];
}

const crypto_canon_kernel_t *crypto_canon_kernels(size_t *n)
{
    *n = NKERNELS;
    return kernels;
}

const crypto_canon_kernel_t *crypto_canon_kernel_active(void)
{
    pthread_once(&detect_once, detect);
    return active;
}

void crypto_canon_body_update(crypto_canon_body_t *c, const uint8_t *p, size_t n)
{
    crypto_canon_kernel_active()->update(c, p, n);
}
