/*
 * dmarc_case_tool.c - test-only driver of dmarc_check() for the DMARC
 * conformance runner (tests/conformance/run_dmarc.py).  The suites give
 * DKIM-pass and SPF-pass domains as inputs, not messages, so this feeds
 * them straight to the checker and prints both verdicts as one JSON line:
 *
 *   dmarc_case_tool --zone FILE [--from VALUE]... [--dkim-pass D1,D2]
 *                   [--spf-pass D] [--mode 9989|7489|both] [--psl FILE]
 *   dmarc_case_tool --psl FILE --org      names on stdin, one org domain
 *                                         (or "null") per line on stdout
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "dns.h"
#include "lookup.h"

#define MAX_LIST 32

static void put_str(const char *k, const char *v, int comma)
{
    printf("%s\"%s\":", comma ? "," : "", k);
    if (!v || !v[0]) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void put_int(const char *k, int v)
{
    if (v < 0)
        printf(",\"%s\":null", k);
    else
        printf(",\"%s\":%d", k, v);
}

static void put_result(const char *k, const dmarc_result_t *r)
{
    printf("\"%s\":{", k);
    put_str("result", eng_result_str(r->result), 0);
    put_str("from_domain", r->from_domain, 1);
    put_str("org_domain", r->org_domain, 1);
    put_str("record_domain", r->record_domain, 1);
    put_str("policy", r->policy, 1);
    put_str("p", r->p, 1);
    put_str("sp", r->sp, 1);
    put_str("np", r->np, 1);
    put_int("pct", r->pct);
    put_int("psd", r->psd);
    put_int("testing", r->testing);
    printf(",\"adkim_strict\":%s,\"aspf_strict\":%s", r->adkim_strict ? "true" : "false",
           r->aspf_strict ? "true" : "false");
    printf(",\"dkim_aligned\":%s,\"spf_aligned\":%s", r->dkim_aligned ? "true" : "false",
           r->spf_aligned ? "true" : "false");
    put_str("reason", r->reason, 1);
    putchar('}');
}

/* Split a comma list in place into slices. */
static void add_list(char *s, slice_t *out, size_t *n)
{
    for (char *tok = strtok(s, ","); tok && *n < MAX_LIST; tok = strtok(NULL, ","))
        if (*tok)
            out[(*n)++] = slice_cstr(tok);
}

static int run_org(const char *psl_path)
{
    char err[256], line[1024], out[256];
    dmarc_psl_t *psl = dmarc_psl_open(psl_path, err, sizeof err);
    if (!psl) {
        fprintf(stderr, "dmarc_case_tool: %s\n", err);
        return 2;
    }
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strcspn(line, "\r\n");
        size_t len = dmarc_psl_org(psl, slice_make(line, n), out, sizeof out);
        puts(len ? out : "null");
    }
    dmarc_psl_close(psl);
    return 0;
}

int main(int argc, char **argv)
{
    slice_t from[MAX_LIST], dkim[MAX_LIST];
    size_t nfrom = 0, ndkim = 0;
    const char *zone = NULL, *psl_path = NULL, *spf = NULL;
    dmarc_mode_t mode = DMARC_BOTH;
    int org = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--org") == 0) {
            org = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "dmarc_case_tool: %s needs a value\n", a);
            return 1;
        }
        i++;
        if (strcmp(a, "--from") == 0 && nfrom < MAX_LIST)
            from[nfrom++] = slice_cstr(v);
        else if (strcmp(a, "--dkim-pass") == 0)
            add_list(argv[i], dkim, &ndkim);
        else if (strcmp(a, "--spf-pass") == 0)
            spf = v;
        else if (strcmp(a, "--zone") == 0)
            zone = v;
        else if (strcmp(a, "--psl") == 0)
            psl_path = v;
        else if (strcmp(a, "--mode") == 0)
            mode = strcmp(v, "9989") == 0 ? DMARC_9989 : strcmp(v, "7489") == 0 ? DMARC_7489
                                                                                 : DMARC_BOTH;
        else {
            fprintf(stderr, "dmarc_case_tool: unknown option %s\n", a);
            return 1;
        }
    }
    if (org)
        return run_org(psl_path);
    if (!zone) {
        fprintf(stderr, "dmarc_case_tool: --zone is required\n");
        return 1;
    }
    char err[256], spec[4096];
    snprintf(spec, sizeof spec, "zone:%s", zone);
    dns_t *dns = dns_open(spec, NULL, err, sizeof err);
    if (!dns) {
        fprintf(stderr, "dmarc_case_tool: %s\n", err);
        return 2;
    }
    dmarc_psl_t *psl = dmarc_psl_open(psl_path, err, sizeof err);
    if (!psl) {
        fprintf(stderr, "dmarc_case_tool: %s\n", err);
        dns_close(dns);
        return 2;
    }
    dmarc_input_t in = {
        .from = from, .nfrom = nfrom, .dkim_pass = dkim, .ndkim_pass = ndkim,
        .spf_domain = spf ? slice_cstr(spf) : SLICE_NULL,
        .spf_result = spf ? ENG_PASS : ENG_NONE,
    };
    dmarc_result_t r9989, r7489;
    dmarc_status_t st = dmarc_check(&in, mode, psl, eng_lookup_wait, dns, &r9989, &r7489);
    if (st != DMARC_DONE) {
        fprintf(stderr, "dmarc_case_tool: pending after a waiting lookup\n");
        return 2;
    }
    putchar('{');
    put_result("rfc9989", &r9989);
    putchar(',');
    put_result("rfc7489", &r7489);
    puts("}");
    dmarc_psl_close(psl);
    dns_close(dns);
    return 0;
}
