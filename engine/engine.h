/*
 * engine.h - one run of authsweep: read messages, verify them, write one
 * JSON line each (schema version 1, see README.md), in input order.
 */
#ifndef AS_ENGINE_H
#define AS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "io.h"

enum {
    ENG_CHECK_DKIM = 1u << 0,
    ENG_CHECK_SPF = 1u << 1,
    ENG_CHECK_DMARC = 1u << 2,
    ENG_CHECK_ARC = 1u << 3,
    ENG_CHECK_ALL = 0xF
};

/* Where the SMTP envelope of an archived message is taken from (SPF). */
typedef struct eng_envelope_opts {
    unsigned border_hop;     /* the Nth Received from the top (1-based); default 1 */
    const char *border_by;   /* or: the first Received whose "by" part matches (ERE, no case) */
    const char *ip;          /* overrides: --ip, --helo, --mailfrom (NULL: from the archive) */
    const char *helo;
    const char *mailfrom;    /* "" is the null sender: the HELO identity is checked */
    const char *receiver;    /* SPF %{r}; NULL: "unknown" */
} eng_envelope_opts_t;

#define ENG_SCHEMA_VERSION 1

typedef struct eng_config {
    const char *const *paths;
    size_t npaths;
    const char *output;     /* NULL or "-": stdout */
    unsigned jobs;          /* worker threads, >= 1 */
    const char *dns_spec;   /* "zone:FILE", "live", "live:IP[:PORT]" */
    dns_opts_t dns;         /* --dns-timeout, --dns-tries, --dns-inflight, TTL clamps */
    const char *dns_record; /* --dns-record FILE: the run's answers as a zone file */
    unsigned checks;        /* ENG_CHECK_* */
    int64_t now;            /* clock for x= / t= */
    int now_from_date;      /* use each message's Date (falls back to now) */
    int legacy;             /* RFC 8301 relaxed for old archives */
    /*
     * Limits (README "Limits"): past one, the message's line says so in a
     * reason or in "error"; nothing crashes, stalls or is dropped.
     * io.max_msg_size and dns.max_answer / dns.max_cnames are the others.
     */
    unsigned max_sigs;      /* --max-signatures: DKIM signatures verified per message */
    size_t max_fields;      /* --max-headers: header fields per message */
    size_t max_field_size;  /* --max-header-size: bytes of one field, folded lines included */
    unsigned max_arc;       /* --max-arc: ARC sets per message (RFC 8617 caps it at 50) */
    unsigned spf_max_lookups; /* --spf-max-lookups: DNS terms (RFC 7208 4.6.4: 10) */
    unsigned spf_max_void;  /* --spf-max-void: void lookups (RFC 7208 4.6.4: 2) */
    unsigned max_depth;     /* --max-depth: SPF include/redirect nesting */
    int summary;            /* aggregate table on stderr */
    int progress;           /* progress line on stderr: 1 on, 0 off, -1 when a terminal */
    io_opts_t io;
    eng_envelope_opts_t env;
    int dmarc_mode;         /* dmarc_mode_t: 9989, 7489 or both */
    const char *psl_file;   /* public suffix list for RFC 7489 (NULL: Debian's) */
    const char *authserv_id;/* ours in auth_results, and whose A-R is "recorded" */
} eng_config_t;

/* Exit codes (README): */
enum { ENG_EXIT_OK = 0, ENG_EXIT_USAGE = 1, ENG_EXIT_INPUT = 2, ENG_EXIT_OUTPUT = 3 };

/* ENG_CHECK_* this build has (a checker lands with its issue). */
unsigned eng_checks_available(void);

/* Run to the end.  Returns an ENG_EXIT_* code; diagnostics go to stderr. */
int eng_run(const eng_config_t *cfg);

#endif
