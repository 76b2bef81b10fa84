/*
 * sodium-speed.c - Ed25519 verifies per second with libsodium, the library
 * authsweep verifies Ed25519 with.  `openssl speed ed25519` measures
 * OpenSSL's, which is slower; bench/run gives the floor both ways.
 *
 * Verifies the same kind of input DKIM does (a 32-byte SHA-256 digest as
 * the message, RFC 8463), cycling through 64 signatures, for about two
 * seconds; prints "ed25519 VERIFIES_PER_S".
 */
#include <sodium.h>
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    enum { NSIG = 64 };
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    unsigned char msg[NSIG][32], sig[NSIG][crypto_sign_BYTES];

    if (sodium_init() < 0)
        return 1;
    crypto_sign_keypair(pk, sk);
    for (int i = 0; i < NSIG; i++) {
        randombytes_buf(msg[i], sizeof msg[i]);
        crypto_sign_detached(sig[i], NULL, msg[i], sizeof msg[i], sk);
    }
    unsigned long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < NSIG; i++, n++)
            if (crypto_sign_verify_detached(sig[i], msg[i], sizeof msg[i], pk) != 0)
                return 2;
        t = now();
    } while (t - t0 < 2.0);
    printf("ed25519 %.0f\n", (double)n / (t - t0));
    return 0;
}
