/*
 * report.c - one message in, one JSON line out (schema version 1).
 *
 * Key order is fixed by the schema: v, source, index, offset, size,
 * message_id, from_domain, dkim, error.  A checker left out with --checks is
 * absent from the line.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

/* RFC 6008: header.b carries the first 8 characters of b= (FWS removed). */
static void put_b_prefix(eng_buf_t *line, slice_t b)
{
    char out[8];
    size_t n = 0;
    for (size_t i = 0; i < b.n && n < sizeof out; i++)
        if (!slice_is_wsp(b.p[i]) && b.p[i] != '\r' && b.p[i] != '\n')
            out[n++] = (char)b.p[i];
    eng_json_str(line, slice_make(out, n));
}

static void put_opt(eng_buf_t *line, const char *key, slice_t v, int has)
{
    eng_json_key(line, key, 0);
    if (has)
        eng_json_str(line, v);
    else
        eng_json_null(line);
}

static void put_sig(eng_buf_t *line, const eng_dkim_res_t *r)
{
    eng_json_key(line, "d", 1);
    if (r->has & ENG_DKIM_HAS_D)
        eng_json_str(line, r->d);
    else
        eng_json_null(line);
    put_opt(line, "s", r->s, r->has & ENG_DKIM_HAS_S);
    /* RFC 6376 3.5: an absent i= means "@" d= */
    eng_json_key(line, "i", 0);
    if (r->has & ENG_DKIM_HAS_I) {
        eng_json_str(line, r->i);
    } else if (r->has & ENG_DKIM_HAS_D) {
        eng_buf_t tmp = { 0 };
        eng_buf_put(&tmp, "@", 1);
        eng_buf_put(&tmp, r->d.p, r->d.n);
        eng_json_str(line, slice_make(tmp.p, tmp.n));
        eng_buf_free(&tmp);
    } else {
        eng_json_null(line);
    }
    put_opt(line, "a", r->a, r->has & ENG_DKIM_HAS_A);
    /* RFC 6376 3.5: an absent c= means simple/simple */
    eng_json_key(line, "c", 0);
    if (r->has & ENG_DKIM_HAS_C)
        eng_json_str(line, r->c);
    else
        eng_json_cstr(line, "simple/simple");
    eng_json_key(line, "b", 0);
    if (r->has & ENG_DKIM_HAS_B)
        put_b_prefix(line, r->b);
    else
        eng_json_null(line);
    eng_json_key(line, "key_bits", 0);
    if (r->key_bits)
        eng_json_int(line, r->key_bits);
    else
        eng_json_null(line);
    eng_json_key(line, "result", 0);
    eng_json_cstr(line, eng_result_str(r->result));
    eng_json_key(line, "crypto", 0);
    eng_json_cstr(line, r->crypto < 0 ? NULL : r->crypto ? "pass" : "fail");
    eng_json_key(line, "reason", 0);
    eng_json_cstr(line, r->reason);
}

static void put_dkim(eng_buf_t *line, const eng_dkim_res_t *res, size_t n)
{
    eng_json_key(line, "dkim", 0);
    eng_buf_put(line, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            eng_buf_put(line, ",", 1);
        eng_buf_put(line, "{", 1);
        put_sig(line, &res[i]);
        eng_buf_put(line, "}", 1);
    }
    eng_buf_put(line, "]", 1);
}

static void tally_sigs(eng_tally_t *t, const eng_dkim_res_t *res, size_t n)
{
    if (n)
        atomic_fetch_add(&t->signed_msgs, 1);
    atomic_fetch_add(&t->sigs, n);
    for (size_t i = 0; i < n; i++)
        atomic_fetch_add(&t->dkim[res[i].result], 1);
}

static void put_header_info(eng_buf_t *line, const eng_msg_t *m)
{
    const eng_field_t *mid = m ? eng_msg_find(m, "message-id") : NULL;
    eng_json_key(line, "message_id", 0);
    if (mid)
        eng_json_str(line, slice_trim(mid->value));
    else
        eng_json_null(line);
    const eng_field_t *from = m ? eng_msg_find(m, "from") : NULL;
    char dom[256];
    size_t dn = from ? eng_from_domain(from->value, dom, sizeof dom) : 0;
    eng_json_key(line, "from_domain", 0);
    if (dn)
        eng_json_str(line, slice_make(dom, dn));
    else
        eng_json_null(line);
}

static int64_t message_clock(const eng_config_t *cfg, const eng_msg_t *m)
{
    if (!cfg->now_from_date)
        return cfg->now;
    const eng_field_t *date = eng_msg_find(m, "date");
    long long t = date ? eng_parse_date(date->value) : -1;
    return t >= 0 ? (int64_t)t : cfg->now;
}

void eng_report_message(const eng_config_t *cfg, dns_t *dns, const io_msg_t *msg,
                        eng_tally_t *tally, eng_buf_t *line)
{
    eng_msg_t m;
    int parsed = 0, truncated = 0;
    const char *error = NULL;
    eng_dkim_res_t *res = NULL;
    size_t nres = 0;

    atomic_fetch_add(&tally->messages, 1);
    atomic_fetch_add(&tally->bytes, msg->size);
    if (msg->err) {
        error = msg->errstr ? msg->errstr : "cannot read input";
    } else if (eng_msg_parse(&m, msg->data, cfg->max_fields, &truncated) < 0) {
        error = "out of memory";
    } else {
        parsed = 1;
        if (msg->flags & IO_MSG_TRUNCATED)
            error = "message larger than the size limit; verified on its first bytes only";
        else if (truncated)
            error = "too many header fields; only the first ones were read";
        if (cfg->checks & ENG_CHECK_DKIM) {
            eng_dkim_opts_t o = { message_clock(cfg, &m), cfg->legacy, cfg->max_sigs };
            if (eng_dkim_verify(&m, dns, &o, &res, &nres) < 0)
                error = "out of memory";
            tally_sigs(tally, res, nres);
        }
    }
    if (error)
        atomic_fetch_add(&tally->errors, 1);

    eng_buf_printf(line, "{\"v\":%d", ENG_SCHEMA_VERSION);
    eng_json_key(line, "source", 0);
    eng_json_cstr(line, msg->source);
    eng_buf_printf(line, ",\"index\":%llu,\"offset\":%llu,\"size\":%llu",
                   (unsigned long long)msg->index, (unsigned long long)msg->offset,
                   (unsigned long long)msg->size);
    put_header_info(line, parsed ? &m : NULL);
    if (cfg->checks & ENG_CHECK_DKIM)
        put_dkim(line, res, nres);
    eng_json_key(line, "error", 0);
    eng_json_cstr(line, error);
    eng_buf_put(line, "}\n", 2);

    free(res);
    if (parsed)
        eng_msg_free(&m);
}

void eng_tally_print(const eng_tally_t *t, double seconds)
{
    unsigned long long msgs = atomic_load(&t->messages);
    double mb = (double)atomic_load(&t->bytes) / 1e6;
    fprintf(stderr, "\nsummary\n");
    fprintf(stderr, "  messages              %llu (%.1f MB, %.0f msg/s, %.1f MB/s)\n", msgs,
            mb, seconds > 0 ? (double)msgs / seconds : 0.0, seconds > 0 ? mb / seconds : 0.0);
    fprintf(stderr, "  with an error         %llu\n", atomic_load(&t->errors));
    fprintf(stderr, "  with DKIM signatures  %llu\n", atomic_load(&t->signed_msgs));
    fprintf(stderr, "  DKIM signatures       %llu\n", atomic_load(&t->sigs));
    for (int r = ENG_PASS; r <= ENG_PERMERROR; r++) {
        unsigned long long c = atomic_load(&t->dkim[r]);
        if (c)
            fprintf(stderr, "    %-20s%llu\n", eng_result_str((eng_result_t)r), c);
    }
}
