/*
 * main.c - the authsweep command line.  Parses options into an eng_config_t
 * and hands over to the engine; nothing else lives here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dmarc.h"
#include "engine.h"
#include "envelope.h"

static const char usage[] =
    "usage: authsweep [OPTIONS] PATH...\n"
    "Re-verify the authentication of stored mail; one JSON line per message.\n"
    "PATH: mbox file, maildir, .eml file, directory (walked), or '-' (stdin)\n"
    "\n"
    "  -o, --output FILE          write JSONL to FILE (default stdout)\n"
    "  -j, --jobs N               worker threads (default: all cores)\n"
    "      --dns=live[:IP[:PORT]] live DNS (c-ares; servers from /etc/resolv.conf)\n"
    "      --dns=zone:FILE        answer DNS from a zone file (offline)\n"
    "      --dns-record=FILE      write every DNS answer of the run as a zone file\n"
    "      --dns-timeout=MS       live: per try (default 2000)\n"
    "      --dns-tries=N          live: attempts per query (default 2)\n"
    "      --dns-inflight=N       live: queries on the wire at once (default 64)\n"
    "      --dns-min-ttl=S --dns-max-ttl=S  live: TTL clamps (default 0, 86400)\n"
    "      --checks=LIST          dkim,spf,dmarc,arc (default: all this build has)\n"
    "      --now=EPOCH|message-date  clock for x= and t= (default: now)\n"
    "      --legacy               accept rsa-sha1 and 512..1023-bit RSA keys\n"
    "Limits (past one, the message's line says so; see README \"Limits\"):\n"
    "      --max-message-size=BYTES  per message (default 64 MiB; suffix K, M, G)\n"
    "      --max-headers=N        header fields per message (default 1000)\n"
    "      --max-header-size=BYTES  one header field, folding included (default 1M)\n"
    "      --max-signatures=N     DKIM signatures verified per message (default 50)\n"
    "      --max-arc=N            ARC sets per message (default and at most 50)\n"
    "      --spf-max-lookups=N    SPF DNS-querying terms (default 10)\n"
    "      --spf-max-void=N       SPF void lookups (default 2)\n"
    "      --max-depth=N          SPF include/redirect nesting (default 10)\n"
    "      --dns-max-answer=BYTES one DNS answer (default 64K)\n"
    "      --dns-max-cnames=N     CNAME chain followed (default 8)\n"
    "      --max-gzip-ratio=N     gzip input: past --max-message-size of output, stop\n"
    "                             once it is N times the input (default 100; 0: no cap)\n"
    "      --mbox=o|rd|cl2        mbox variant (default: detected per file)\n"
    "      --io=uring|sync        read with io_uring (default; pread where the\n"
    "                             kernel refuses it) or with pread\n"
    "      --summary              aggregate table on stderr at the end\n"
    "      --progress, --no-progress  progress line on stderr (default: on a terminal)\n"
    "      --border-hop=N         SPF: the Nth Received from the top is the border's (1)\n"
    "      --border-by=REGEX      SPF: the first Received whose 'by' part matches\n"
    "      --ip=IP --helo=NAME --mailfrom=ADDR   SPF: override the archive's envelope\n"
    "                             (--mailfrom= empty: null sender, HELO is checked)\n"
    "      --spf-receiver=NAME    SPF: the %{r} macro (default 'unknown')\n"
    "      --dmarc=9989|7489|both DMARC policy discovery (default 9989)\n"
    "      --psl=FILE             public suffix list for --dmarc=7489 (default Debian's)\n"
    "      --authserv-id=ID       ours in auth_results; whose A-R is 'recorded'\n"
    "  -h, --help                 this text\n"
    "  -V, --version              print the version\n"
    "\n"
    "Exit codes: 0 run completed (whatever the verdicts), 1 bad usage,\n"
    "2 an input could not be read (the others are processed), 3 output failed.\n";

enum {
    OPT_DNS = 256, OPT_CHECKS, OPT_NOW, OPT_LEGACY, OPT_SUMMARY, OPT_MBOX, OPT_MAXSIG,
    OPT_HOP, OPT_BY, OPT_IP, OPT_HELO, OPT_MAILFROM, OPT_RECEIVER, OPT_DMARC, OPT_PSL,
    OPT_AUTHSERV, OPT_DNS_RECORD, OPT_DNS_TIMEOUT, OPT_DNS_TRIES, OPT_DNS_INFLIGHT,
    OPT_DNS_MIN_TTL, OPT_DNS_MAX_TTL, OPT_IO, OPT_PROGRESS, OPT_NOPROGRESS,
    OPT_MAX_MSG, OPT_MAX_HDRS, OPT_MAX_HDR_SIZE, OPT_MAX_ARC, OPT_SPF_LOOKUPS, OPT_SPF_VOID,
    OPT_MAX_DEPTH, OPT_DNS_MAX_ANSWER, OPT_DNS_MAX_CNAMES, OPT_MAX_GZ_RATIO
};

static int bad(const char *what, const char *arg)
{
    fprintf(stderr, "authsweep: %s: '%s'\n%s", what, arg, "Try 'authsweep --help'.\n");
    return ENG_EXIT_USAGE;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* --checks: a checker this build lacks is refused, not silently skipped. */
static int parse_checks(const char *arg, unsigned *out)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        { "dkim", ENG_CHECK_DKIM }, { "spf", ENG_CHECK_SPF },
        { "dmarc", ENG_CHECK_DMARC }, { "arc", ENG_CHECK_ARC },
    };
    char buf[256];
    if (strlen(arg) >= sizeof buf)
        return bad("--checks: list too long", arg);
    strcpy(buf, arg);
    *out = 0;
    for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t k = 0;
        while (k < 4 && strcmp(t, names[k].name) != 0)
            k++;
        if (k == 4)
            return bad("--checks: unknown checker", t);
        if (!(eng_checks_available() & names[k].bit)) {
            fprintf(stderr, "authsweep: --checks: %s is not implemented in this "
                            "build yet\n", t);
            return ENG_EXIT_USAGE;
        }
        *out |= names[k].bit;
    }
    if (!*out)
        return bad("--checks: empty list", arg);
    return 0;
}

static int parse_dmarc(const char *arg, int *mode)
{
    if (!strcmp(arg, "9989"))
        *mode = DMARC_9989;
    else if (!strcmp(arg, "7489"))
        *mode = DMARC_7489;
    else if (!strcmp(arg, "both"))
        *mode = DMARC_BOTH;
    else
        return bad("--dmarc must be 9989, 7489 or both", arg);
    return 0;
}

/* The SPF and DMARC options. */
static int parse_policy_option(int c, const char *arg, eng_config_t *cfg)
{
    unsigned long long v;
    int af;
    uint8_t ip[16];
    switch (c) {
    case OPT_HOP:
        if (parse_uint(arg, 1000, &v) < 0 || v == 0)
            return bad("--border-hop must be a number from 1", arg);
        cfg->env.border_hop = (unsigned)v;
        return 0;
    case OPT_BY:
        cfg->env.border_by = arg;
        return 0;
    case OPT_IP:
        if (eng_parse_ip(slice_cstr(arg), &af, ip) < 0)
            return bad("--ip must be an IPv4 or IPv6 address", arg);
        cfg->env.ip = arg;
        return 0;
    case OPT_HELO:
        cfg->env.helo = arg;
        return 0;
    case OPT_MAILFROM:
        cfg->env.mailfrom = arg;
        return 0;
    case OPT_RECEIVER:
        cfg->env.receiver = arg;
        return 0;
    case OPT_DMARC:
        return parse_dmarc(arg, &cfg->dmarc_mode);
    case OPT_PSL:
        cfg->psl_file = arg;
        return 0;
    case OPT_AUTHSERV:
        cfg->authserv_id = arg;
        return 0;
    default:
        fputs("Try 'authsweep --help'.\n", stderr);
        return ENG_EXIT_USAGE;
    }
}

/* The --dns-* tuning options (numbers; 0 is refused where it means "none"). */
static int parse_dns_option(int c, const char *arg, eng_config_t *cfg)
{
    unsigned long long v;
    switch (c) {
    case OPT_DNS_RECORD:
        cfg->dns_record = arg;
        return 0;
    case OPT_DNS_TIMEOUT:
        if (parse_uint(arg, 600000, &v) < 0 || v == 0)
            return bad("--dns-timeout must be milliseconds from 1 to 600000", arg);
        cfg->dns.timeout_ms = (unsigned)v;
        return 0;
    case OPT_DNS_TRIES:
        if (parse_uint(arg, 100, &v) < 0 || v == 0)
            return bad("--dns-tries must be a number from 1 to 100", arg);
        cfg->dns.tries = (unsigned)v;
        return 0;
    case OPT_DNS_INFLIGHT:
        if (parse_uint(arg, 65536, &v) < 0 || v == 0)
            return bad("--dns-inflight must be a number from 1 to 65536", arg);
        cfg->dns.inflight = (unsigned)v;
        return 0;
    case OPT_DNS_MIN_TTL:
    case OPT_DNS_MAX_TTL:
        if (parse_uint(arg, 2147483647, &v) < 0 || (c == OPT_DNS_MAX_TTL && v == 0))
            return bad(c == OPT_DNS_MIN_TTL ? "--dns-min-ttl must be seconds"
                                            : "--dns-max-ttl must be seconds from 1",
                       arg);
        if (c == OPT_DNS_MIN_TTL)
            cfg->dns.min_ttl = (uint32_t)v;
        else
            cfg->dns.max_ttl = (uint32_t)v;
        return 0;
    default:
        return parse_policy_option(c, arg, cfg);
    }
}

static int parse_mbox(const char *arg, io_mbox_fmt_t *out)
{
    if (!strcmp(arg, "o") || !strcmp(arg, "mboxo"))
        *out = IO_MBOX_O;
    else if (!strcmp(arg, "rd") || !strcmp(arg, "mboxrd"))
        *out = IO_MBOX_RD;
    else if (!strcmp(arg, "cl2") || !strcmp(arg, "mboxcl2"))
        *out = IO_MBOX_CL2;
    else
        return bad("--mbox must be o, rd or cl2", arg);
    return 0;
}

static int parse_limit(int c, const char *arg, eng_config_t *cfg);

static int parse_option(int c, const char *arg, eng_config_t *cfg)
{
    unsigned long long v;
    switch (c) {
    case 'o':
        cfg->output = arg;
        return 0;
    case 'j':
        if (parse_uint(arg, 1024, &v) < 0 || v == 0)
            return bad("--jobs must be a number from 1 to 1024", arg);
        cfg->jobs = (unsigned)v;
        return 0;
    case OPT_DNS:
        cfg->dns_spec = arg;
        return 0;
    case OPT_CHECKS:
        return parse_checks(arg, &cfg->checks);
    case OPT_NOW:
        if (!strcmp(arg, "message-date")) {
            cfg->now_from_date = 1;
            return 0;
        }
        if (parse_uint(arg, (1ULL << 62), &v) < 0)
            return bad("--now must be seconds since the epoch or 'message-date'", arg);
        cfg->now = (int64_t)v;
        return 0;
    case OPT_LEGACY:
        cfg->legacy = 1;
        return 0;
    case OPT_SUMMARY:
        cfg->summary = 1;
        return 0;
    case OPT_PROGRESS:
    case OPT_NOPROGRESS:
        cfg->progress = c == OPT_PROGRESS;
        return 0;
    case OPT_MBOX:
        return parse_mbox(arg, &cfg->io.mbox);
    case OPT_IO:
        if (!strcmp(arg, "uring"))
            cfg->io.mode = IO_URING;
        else if (!strcmp(arg, "sync"))
            cfg->io.mode = IO_SYNC;
        else
            return bad("--io must be uring or sync", arg);
        return 0;
    case OPT_MAXSIG:
        if (parse_uint(arg, 100000, &v) < 0)
            return bad("--max-signatures must be a number", arg);
        cfg->max_sigs = (unsigned)v;
        return 0;
    default:
        return parse_limit(c, arg, cfg);
    }
}

/* A byte count with an optional K, M or G suffix (powers of 1024), >= 1. */
static int parse_size(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10), mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1ull << 10;
    else if (*end == 'M' || *end == 'm')
        mul = 1ull << 20;
    else if (*end == 'G' || *end == 'g')
        mul = 1ull << 30;
    if (mul != 1)
        end++;
    if (errno || *end || v == 0 || v > max / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static int parse_limit(int c, const char *arg, eng_config_t *cfg)
{
    unsigned long long v;
    switch (c) {
    case OPT_MAX_MSG:
        if (parse_size(arg, SIZE_MAX / 2, &v) < 0)
            return bad("--max-message-size must be a byte count (K, M, G)", arg);
        cfg->io.max_msg_size = (size_t)v;
        return 0;
    case OPT_MAX_HDRS:
        if (parse_uint(arg, 1000000, &v) < 0 || v == 0)
            return bad("--max-headers must be a number from 1", arg);
        cfg->max_fields = (size_t)v;
        return 0;
    case OPT_MAX_HDR_SIZE:
        if (parse_size(arg, 1ull << 30, &v) < 0)
            return bad("--max-header-size must be a byte count (K, M)", arg);
        cfg->max_field_size = (size_t)v;
        return 0;
    case OPT_MAX_ARC:
        if (parse_uint(arg, 50, &v) < 0 || v == 0)
            return bad("--max-arc must be a number from 1 to 50", arg);
        cfg->max_arc = (unsigned)v;
        return 0;
    case OPT_SPF_LOOKUPS:
    case OPT_SPF_VOID:
    case OPT_MAX_DEPTH:
        if (parse_uint(arg, 1000, &v) < 0)
            return bad("SPF limits must be a number up to 1000", arg);
        if (c == OPT_SPF_LOOKUPS)
            cfg->spf_max_lookups = (unsigned)v;
        else if (c == OPT_SPF_VOID)
            cfg->spf_max_void = (unsigned)v;
        else
            cfg->max_depth = (unsigned)v;
        return 0;
    case OPT_DNS_MAX_ANSWER:
        if (parse_size(arg, 1ull << 20, &v) < 0 || v < 512)
            return bad("--dns-max-answer must be a byte count from 512", arg);
        cfg->dns.max_answer = (size_t)v;
        return 0;
    case OPT_DNS_MAX_CNAMES:
        if (parse_uint(arg, 100, &v) < 0)
            return bad("--dns-max-cnames must be a number up to 100", arg);
        cfg->dns.max_cnames = (unsigned)v;
        return 0;
    case OPT_MAX_GZ_RATIO:
        /* deflate's own ceiling is 1032:1: a larger cap is no cap */
        if (parse_uint(arg, 1032, &v) < 0)
            return bad("--max-gzip-ratio must be a number up to 1032 (0: no cap)", arg);
        cfg->io.max_gz_ratio = v ? v : UINT64_MAX;
        return 0;
    default:
        return parse_dns_option(c, arg, cfg);
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "output", required_argument, NULL, 'o' },
        { "jobs", required_argument, NULL, 'j' },
        { "dns", required_argument, NULL, OPT_DNS },
        { "checks", required_argument, NULL, OPT_CHECKS },
        { "now", required_argument, NULL, OPT_NOW },
        { "legacy", no_argument, NULL, OPT_LEGACY },
        { "summary", no_argument, NULL, OPT_SUMMARY },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "no-progress", no_argument, NULL, OPT_NOPROGRESS },
        { "mbox", required_argument, NULL, OPT_MBOX },
        { "io", required_argument, NULL, OPT_IO },
        { "max-signatures", required_argument, NULL, OPT_MAXSIG },
        { "max-message-size", required_argument, NULL, OPT_MAX_MSG },
        { "max-headers", required_argument, NULL, OPT_MAX_HDRS },
        { "max-header-size", required_argument, NULL, OPT_MAX_HDR_SIZE },
        { "max-arc", required_argument, NULL, OPT_MAX_ARC },
        { "spf-max-lookups", required_argument, NULL, OPT_SPF_LOOKUPS },
        { "spf-max-void", required_argument, NULL, OPT_SPF_VOID },
        { "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
        { "dns-max-answer", required_argument, NULL, OPT_DNS_MAX_ANSWER },
        { "dns-max-cnames", required_argument, NULL, OPT_DNS_MAX_CNAMES },
        { "max-gzip-ratio", required_argument, NULL, OPT_MAX_GZ_RATIO },
        { "border-hop", required_argument, NULL, OPT_HOP },
        { "border-by", required_argument, NULL, OPT_BY },
        { "ip", required_argument, NULL, OPT_IP },
        { "helo", required_argument, NULL, OPT_HELO },
        { "mailfrom", required_argument, NULL, OPT_MAILFROM },
        { "spf-receiver", required_argument, NULL, OPT_RECEIVER },
        { "dmarc", required_argument, NULL, OPT_DMARC },
        { "psl", required_argument, NULL, OPT_PSL },
        { "authserv-id", required_argument, NULL, OPT_AUTHSERV },
        { "dns-record", required_argument, NULL, OPT_DNS_RECORD },
        { "dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT },
        { "dns-tries", required_argument, NULL, OPT_DNS_TRIES },
        { "dns-inflight", required_argument, NULL, OPT_DNS_INFLIGHT },
        { "dns-min-ttl", required_argument, NULL, OPT_DNS_MIN_TTL },
        { "dns-max-ttl", required_argument, NULL, OPT_DNS_MAX_TTL },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    eng_config_t cfg = {
        .jobs = cores > 0 ? (unsigned)cores : 1,
        .checks = eng_checks_available(),
        .dmarc_mode = DMARC_9989,
        .now = (int64_t)time(NULL),
        .max_sigs = 50,
        .max_fields = 1000,
        .max_field_size = 1024 * 1024, /* real mail has 100 KB fields (peer-signed header_100k_line) */
        .max_arc = 50,
        .spf_max_lookups = 10,
        .spf_max_void = 2,
        .max_depth = 10,
        .progress = -1,
        .io = { .mode = IO_URING, .max_msg_size = 64u << 20 },
        .dns = { .max_answer = 64 * 1024, .max_cnames = 8 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:j:hV", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return ENG_EXIT_OK;
        }
        if (c == 'V') {
            printf("authsweep %s\n", AS_VERSION);
            return ENG_EXIT_OK;
        }
        int rc = parse_option(c, optarg, &cfg);
        if (rc)
            return rc;
    }
    if (optind >= argc) {
        fprintf(stderr, "authsweep: no input given\n%s", usage);
        return ENG_EXIT_USAGE;
    }
    if (!cfg.dns_spec) {
        /* No silent default: a run either asks the network or replays a
         * snapshot, and the user says which. */
        fprintf(stderr, "authsweep: say where DNS answers come from: "
                        "--dns=live[:IP[:PORT]] or --dns=zone:FILE\n");
        return ENG_EXIT_USAGE;
    }
    cfg.paths = (const char *const *)argv + optind;
    cfg.npaths = (size_t)(argc - optind);
    return eng_run(&cfg);
}
