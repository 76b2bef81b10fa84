/*
 * fuzz_message.c - a whole message through every checker this build has:
 * header fields, From domain, Date, envelope recovery, DKIM (with the RFC
 * 8463 keys, so signed seeds reach the cryptography), SPF, DMARC, ARC and
 * the recorded Authentication-Results, then the JSON line.  Nothing may
 * crash, hang or read past the message, and the line must be complete.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_internal.h"
#include "io_internal.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char zone[] =
    "$ORIGIN football.example.com.\n"
    "brisbane._domainkey IN TXT \"v=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    "test._domainkey IN TXT \"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQ"
    "oBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/"
    "8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\"\n"
    "@ IN TXT \"v=spf1 ip4:192.0.2.0/24 include:%{d2}.example.net -all\"\n"
    "_dmarc IN TXT \"v=DMARC1; p=reject; sp=quarantine; adkim=s\"\n"
    "@ IN MX 10 mx\n"
    "mx IN A 192.0.2.1\n";

static eng_config_t cfg;
static eng_ctx_t ctx;

static void setup(void)
{
    char err[256];
    dns_zone_t *z = dns_zone_parse_mem(slice_make(zone, sizeof zone - 1), "fuzz", err,
                                       sizeof err);
    if (!z)
        abort();
    struct dns_backend be = dns_zone_backend_own(z);
    cfg.checks = eng_checks_available();
    cfg.now = 1700000000;
    cfg.max_sigs = 50;
    cfg.max_fields = 1000;
    cfg.max_field_size = 512; /* small, so seeds reach the header_too_large path */
    cfg.dmarc_mode = DMARC_BOTH;
    cfg.env.border_hop = 1;
    ctx.cfg = &cfg;
    ctx.dns = dns_open_backend(&be, NULL);
    ctx.psl = dmarc_psl_open(NULL, err, sizeof err);
    if (!ctx.dns)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx.dns)
        setup();
    uint8_t *copy = malloc(size ? size : 1); /* exactly size bytes: ASan sees overreads */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    /* sizes 3 and 5 mod 7 stand for a message cut at --max-message-size
     * and for one cut where a gzip file's data end (io/gz.c) */
    io_msg_t m = { .source = "fuzz", .size = size, .data = slice_make(copy, size),
                   .flags = size % 7 == 3 ? IO_MSG_TRUNCATED : 0 };
    if (size % 7 == 5) {
        m.flags = IO_MSG_DAMAGED;
        m.errstr = io_gz_why(IO_GZ_CUT);
    }
    eng_tally_t tally;
    memset(&tally, 0, sizeof tally);
    eng_buf_t line = { 0 };
    eng_report_message(&ctx, &m, &tally, &line);
    if (line.oom || line.n < 2 || line.p[0] != '{' || line.p[line.n - 1] != '\n' ||
        memchr(line.p, '\n', line.n - 1))
        abort(); /* one complete line, always */
    eng_buf_free(&line);
    free(copy);
    return 0;
}
