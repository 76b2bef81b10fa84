/*
 * engine.h - one run of authsweep: read messages, verify them, write one
 * JSON line each (schema version 1, see README.md), in input order.
 */
#ifndef AS_ENGINE_H
#define AS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"

enum { ENG_CHECK_DKIM = 1u << 0 };

#define ENG_SCHEMA_VERSION 1

typedef struct eng_config {
    const char *const *paths;
    size_t npaths;
    const char *output;     /* NULL or "-": stdout */
    unsigned jobs;          /* worker threads, >= 1 */
    const char *dns_spec;   /* "zone:FILE" */
    unsigned checks;        /* ENG_CHECK_* */
    int64_t now;            /* clock for x= / t= */
    int now_from_date;      /* use each message's Date (falls back to now) */
    int legacy;             /* RFC 8301 relaxed for old archives */
    unsigned max_sigs;      /* per message */
    size_t max_fields;      /* header fields per message */
    int summary;            /* aggregate table on stderr */
    io_opts_t io;
} eng_config_t;

/* Exit codes (README): */
enum { ENG_EXIT_OK = 0, ENG_EXIT_USAGE = 1, ENG_EXIT_INPUT = 2, ENG_EXIT_OUTPUT = 3 };

/* Run to the end.  Returns an ENG_EXIT_* code; diagnostics go to stderr. */
int eng_run(const eng_config_t *cfg);

#endif
