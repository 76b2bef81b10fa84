/*
 * arc_case_tool.c - a test-only driver for arc_validate: runs it on message
 * files with a zone file and prints one JSON line per message, shaped like
 * authsweep's "arc" member:
 *
 *   arc_case_tool ZONEFILE NOW [--no-ed25519] MESSAGE...
 *   {"source":"MESSAGE","arc":{"result":"pass","instances":2,"failed":null,
 *    "oldest_pass":1,"reason":null}}
 *
 * Used by tests/conformance/run_arc.py --tool, before (and besides) the
 * authsweep command line.  Exit status 2 on a usage or I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "dns.h"
#include "msg.h"

static int read_file(const char *path, uint8_t **out, size_t *n)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, len = 0;
    uint8_t *p = malloc(cap);

    if (!f || !p) {
        if (f)
            fclose(f);
        free(p);
        return -1;
    }
    for (;;) {
        if (len == cap) {
            uint8_t *q = realloc(p, cap *= 2);
            if (!q) {
                free(p);
                fclose(f);
                return -1;
            }
            p = q;
        }
        size_t got = fread(p + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(p);
        return -1;
    }
    *out = p;
    *n = len;
    return 0;
}

static void put_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void put_num_or_null(unsigned v)
{
    if (v)
        printf("%u", v);
    else
        fputs("null", stdout);
}

static int run_one(dns_t *dns, const arc_opts_t *o, const char *path)
{
    uint8_t *data;
    size_t n;
    eng_msg_t m = { 0 };
    int truncated = 0;
    arc_result_t r;

    if (read_file(path, &data, &n) < 0) {
        fprintf(stderr, "arc_case_tool: cannot read %s\n", path);
        return -1;
    }
    if (eng_msg_parse(&m, slice_make(data, n), 100000, &truncated) < 0) {
        fprintf(stderr, "arc_case_tool: out of memory\n");
        free(data);
        return -1;
    }
    arc_validate(&m, dns, o, &r);
    fputs("{\"source\":", stdout);
    put_string(path);
    printf(",\"arc\":{\"result\":\"%s\",\"instances\":%u,\"failed\":",
           eng_result_str(r.result), r.instances);
    put_num_or_null(r.failed);
    fputs(",\"oldest_pass\":", stdout);
    put_num_or_null(r.oldest_pass);
    fputs(",\"reason\":", stdout);
    if (r.reason[0])
        put_string(r.reason);
    else
        fputs("null", stdout);
    fputs("}}\n", stdout);
    eng_msg_free(&m);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    char err[256], spec[4096];
    arc_opts_t o = { .max_instances = 50, .allow_ed25519 = 1 };
    int i = 3, rc = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: arc_case_tool ZONEFILE NOW [--no-ed25519] MESSAGE...\n");
        return 2;
    }
    o.now = strtoll(argv[2], NULL, 10);
    if (strcmp(argv[i], "--no-ed25519") == 0) {
        o.allow_ed25519 = 0;
        i++;
    }
    snprintf(spec, sizeof spec, "zone:%s", argv[1]);
    dns_t *dns = dns_open(spec, NULL, err, sizeof err);
    if (!dns) {
        fprintf(stderr, "arc_case_tool: %s\n", err);
        return 2;
    }
    for (; i < argc; i++)
        if (run_one(dns, &o, argv[i]) < 0)
            rc = 2;
    dns_close(dns);
    return rc;
}
