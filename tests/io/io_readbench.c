/*
 * io_readbench.c - read PATHs with the reader and nothing else, to measure
 * what the I/O path costs (not a test: it asserts nothing and is not run
 * by ctest).  Usage: io_readbench sync|uring [-r REPEAT] PATH...
 * Prints messages, bytes, seconds and MB/s of the best of REPEAT runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int repeat = 1, first = 2;
    if (argc < 3 || (strcmp(argv[1], "sync") && strcmp(argv[1], "uring"))) {
        fprintf(stderr, "usage: io_readbench sync|uring [-r REPEAT] PATH...\n");
        return 1;
    }
    if (argc > 4 && !strcmp(argv[2], "-r")) {
        repeat = atoi(argv[3]);
        first = 4;
    }
    io_opts_t o = { .mode = strcmp(argv[1], "uring") ? IO_SYNC : IO_URING };
    double best = 1e30;
    uint64_t msgs = 0, bytes = 0;
    for (int k = 0; k < repeat; k++) {
        double t = now();
        io_reader_t *r = io_reader_new((const char *const *)argv + first,
                                       (size_t)(argc - first), &o);
        io_msg_t m;
        msgs = 0;
        while (io_reader_next(r, &m)) {
            msgs++;
            io_msg_release(&m);
        }
        bytes = io_reader_bytes(r);
        io_reader_free(r);
        t = now() - t;
        if (t < best)
            best = t;
    }
    printf("%s: %llu messages, %llu bytes, %.4f s, %.0f MB/s\n", argv[1],
           (unsigned long long)msgs, (unsigned long long)bytes, best,
           (double)bytes / best / 1e6);
    return 0;
}
