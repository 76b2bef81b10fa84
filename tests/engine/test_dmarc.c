/*
 * test_dmarc.c - DMARC record syntax, author addresses, name helpers,
 * alignment and the restartable check over a zone file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dmarc.h"
#include "dmarc_internal.h"
#include "dns.h"
#include "lookup.h"

/* ---- records ---- */

static dmarc_record_t rec_ok(const char *txt)
{
    dmarc_record_t r;
    assert_int_equal(dmarc_record_parse(slice_cstr(txt), &r), DMARC_REC_OK);
    return r;
}

static void record_minimal_reject(void **state)
{
    (void)state;
    dmarc_record_t r = rec_ok("v=DMARC1; p=reject");
    assert_int_equal(r.p, DMARC_POL_REJECT);
    assert_int_equal(r.sp, DMARC_POL_ABSENT);
    assert_int_equal(r.np, DMARC_POL_ABSENT);
    assert_int_equal(r.psd, -1);
    assert_int_equal(r.t, -1);
    assert_int_equal(r.pct, -1);
    assert_int_equal(r.adkim_strict, 0);
    assert_int_equal(r.aspf_strict, 0);
    assert_int_equal(r.rua_valid, 0);
}

static void record_every_tag(void **state)
{
    (void)state;
    dmarc_record_t r = rec_ok("v=DMARC1;p=quarantine;sp=Reject;np=NONE;psd=y;t=y;adkim=s;"
                              "aspf=s;pct=50;rua=mailto:a@example.com;ruf=mailto:b@x;fo=1;"
                              "rf=afrf;ri=86400;zz=unknown");
    assert_int_equal(r.p, DMARC_POL_QUARANTINE);
    assert_int_equal(r.sp, DMARC_POL_REJECT);
    assert_int_equal(r.np, DMARC_POL_NONE);
    assert_int_equal(r.psd, 1);
    assert_int_equal(r.t, 1);
    assert_int_equal(r.adkim_strict, 1);
    assert_int_equal(r.aspf_strict, 1);
    assert_int_equal(r.pct, 50);
    assert_int_equal(r.rua_valid, 1);
}

static void record_whitespace_around_tags_and_equals(void **state)
{
    (void)state;
    dmarc_record_t r = rec_ok("  v = DMARC1 ;\tp = reject ; psd=n ;");
    assert_int_equal(r.p, DMARC_POL_REJECT);
    assert_int_equal(r.psd, 0);
}

static void record_version_must_come_first_and_match_exactly(void **state)
{
    (void)state;
    dmarc_record_t r;
    static const char *const bad[] = { "p=reject; v=DMARC1", "v=dmarc1; p=reject",
                                       "v=DMARC10; p=reject", "v=spf1 -all", "", ";",
                                       "v=", "v=DMARC1p=reject", "x=DMARC1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(dmarc_record_parse(slice_cstr(bad[i]), &r), DMARC_REC_NOT_DMARC);
    assert_int_equal(dmarc_record_parse(slice_cstr("V=DMARC1"), &r), DMARC_REC_OK);
    assert_int_equal(r.p, DMARC_POL_ABSENT);
}

static void record_bad_values_fall_back_to_defaults(void **state)
{
    (void)state;
    dmarc_record_t r = rec_ok("v=DMARC1; p=bogus; sp=; pct=101; adkim=x; aspf=strict; psd=u; t=maybe");
    assert_int_equal(r.p, DMARC_POL_INVALID);
    assert_int_equal(r.sp, DMARC_POL_INVALID);
    assert_int_equal(r.pct, -1);
    assert_int_equal(r.adkim_strict, 0);
    assert_int_equal(r.aspf_strict, 0);
    assert_int_equal(r.psd, -1);
    assert_int_equal(r.t, -1);
    assert_int_equal(rec_ok("v=DMARC1; pct=0").pct, 0);
    assert_int_equal(rec_ok("v=DMARC1; pct=1000").pct, -1);
    assert_int_equal(rec_ok("v=DMARC1; pct=-1").pct, -1);
}

static void record_rua_needs_one_valid_uri(void **state)
{
    (void)state;
    assert_int_equal(rec_ok("v=DMARC1; rua=foo").rua_valid, 0);
    assert_int_equal(rec_ok("v=DMARC1; rua=").rua_valid, 0);
    assert_int_equal(rec_ok("v=DMARC1; rua=mailto:").rua_valid, 0);
    assert_int_equal(rec_ok("v=DMARC1; rua=junk, mailto:d@example.com!10m").rua_valid, 1);
    assert_int_equal(rec_ok("v=DMARC1; rua=https://r.example/x").rua_valid, 1);
}

static void record_first_duplicate_wins(void **state)
{
    (void)state;
    dmarc_record_t r = rec_ok("v=DMARC1; p=none; p=reject; junk; =x; adkim=s; adkim=r");
    assert_int_equal(r.p, DMARC_POL_NONE);
    assert_int_equal(r.adkim_strict, 1);
}

static void record_policy_names(void **state)
{
    (void)state;
    assert_string_equal(dmarc_pol_str(DMARC_POL_NONE), "none");
    assert_string_equal(dmarc_pol_str(DMARC_POL_QUARANTINE), "quarantine");
    assert_string_equal(dmarc_pol_str(DMARC_POL_REJECT), "reject");
    assert_string_equal(dmarc_pol_str(DMARC_POL_ABSENT), "");
}

/* ---- From addresses ---- */

static dmarc_from_status_t from(const char *v, char dom[][DMARC_DOMAIN_MAX], size_t *n)
{
    return dmarc_from_domains(slice_cstr(v), dom, DMARC_MAX_AUTHORS, n);
}

static void from_one_domain(const char *v, const char *want)
{
    char dom[DMARC_MAX_AUTHORS][DMARC_DOMAIN_MAX];
    size_t n = 99;
    assert_int_equal(from(v, dom, &n), DMARC_FROM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(dom[0], want);
}

static void from_mailbox_forms(void **state)
{
    (void)state;
    from_one_domain("user@Example.COM", "example.com");
    from_one_domain("  Joe Q. Public <john.q.public@example.com>\r\n", "example.com");
    from_one_domain("\"Joe, the \\\"plumber\\\" @ home\" <joe@example.org>", "example.org");
    from_one_domain("\"a@b\"@example.net", "example.net");
    from_one_domain("joe@example.com (Joe <joe@evil.example>)", "example.com");
    from_one_domain("(comment (nested) ) joe @ (x) example.com.", "example.com");
    from_one_domain("<@route.example,@other.example:joe@example.com>", "example.com");
    from_one_domain("Joe\r\n <joe@\r\n example.com>", "example.com");
}

static void from_several_addresses_dedupe(void **state)
{
    (void)state;
    char dom[DMARC_MAX_AUTHORS][DMARC_DOMAIN_MAX];
    size_t n = 0;
    assert_int_equal(from("a@one.example, B <b@TWO.example>, , c@one.example", dom, &n),
                     DMARC_FROM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(dom[0], "one.example");
    assert_string_equal(dom[1], "two.example");
}

static void from_group_syntax(void **state)
{
    (void)state;
    char dom[DMARC_MAX_AUTHORS][DMARC_DOMAIN_MAX];
    size_t n = 0;
    assert_int_equal(from("Team: a@one.example, b@two.example;, c@three.example", dom, &n),
                     DMARC_FROM_OK);
    assert_int_equal(n, 3);
    assert_string_equal(dom[2], "three.example");
    assert_int_equal(from("undisclosed-recipients:;", dom, &n), DMARC_FROM_EMPTY);
    assert_int_equal(n, 0);
}

static void from_errors(void **state)
{
    (void)state;
    char dom[DMARC_MAX_AUTHORS][DMARC_DOMAIN_MAX];
    size_t n = 0;
    assert_int_equal(from("\"Dear Customer", dom, &n), DMARC_FROM_SYNTAX);
    assert_int_equal(from("Joe <joe@example.com", dom, &n), DMARC_FROM_SYNTAX);
    assert_int_equal(from("Joe joe@example.com>", dom, &n), DMARC_FROM_SYNTAX);
    assert_int_equal(from("(unclosed joe@example.com", dom, &n), DMARC_FROM_SYNTAX);
    assert_int_equal(from("<a@x.example> <b@y.example>", dom, &n), DMARC_FROM_SYNTAX);
    assert_int_equal(from("joe", dom, &n), DMARC_FROM_NO_DOMAIN);
    assert_int_equal(from("joe@", dom, &n), DMARC_FROM_NO_DOMAIN);
    assert_int_equal(from("joe@[192.0.2.1]", dom, &n), DMARC_FROM_NO_DOMAIN);
    assert_int_equal(from("joe@a..example", dom, &n), DMARC_FROM_NO_DOMAIN);
    assert_int_equal(from("", dom, &n), DMARC_FROM_EMPTY);
    assert_int_equal(from("  (just a comment)  ", dom, &n), DMARC_FROM_EMPTY);
    /* RFC 8616 4: a U-label is not looked up as raw UTF-8 (catalogue B4) */
    assert_int_equal(from("alice@b\xc3\xa4nk.example", dom, &n), DMARC_FROM_NOT_LDH);
    assert_int_equal(from("a@ok.example, alice@b\xc3\xa4nk.example", dom, &n),
                     DMARC_FROM_NOT_LDH);
    assert_int_equal(from("alice@xn--bnk-qla.example", dom, &n), DMARC_FROM_OK);
}

/* Catalogue B1: an address without a domain cannot hide the others. */
static void from_domainless_address_does_not_hide_others(void **state)
{
    (void)state;
    char dom[DMARC_MAX_AUTHORS][DMARC_DOMAIN_MAX];
    size_t n = 0;
    assert_int_equal(from("alice@bank.example, joe", dom, &n), DMARC_FROM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(dom[0], "bank.example");
    assert_int_equal(from("joe, jim@[192.0.2.1]", dom, &n), DMARC_FROM_NO_DOMAIN);
    assert_int_equal(n, 0);
}

static void from_too_many_addresses(void **state)
{
    (void)state;
    char v[2048] = "";
    for (int i = 0; i <= DMARC_MAX_AUTHORS; i++) {
        char one[32];
        snprintf(one, sizeof one, "%sa@d%d.example", i ? "," : "", i);
        strcat(v, one);
    }
    char dom[DMARC_MAX_AUTHORS][DMARC_DOMAIN_MAX];
    size_t n = 0;
    assert_int_equal(from(v, dom, &n), DMARC_FROM_TOO_MANY);
}

static void from_is_bounded_without_nul(void **state)
{
    (void)state;
    /* the value ends inside a quoted-pair: nothing may be read past it */
    char *buf = malloc(9);
    memcpy(buf, "\"abc\\\"@x\\", 9);
    char dom[DMARC_MAX_AUTHORS][DMARC_DOMAIN_MAX];
    size_t n = 0;
    assert_int_equal(dmarc_from_domains(slice_make(buf, 9), dom, DMARC_MAX_AUTHORS, &n),
                     DMARC_FROM_SYNTAX);
    free(buf);
}

/* ---- names ---- */

static void names_labels_and_suffixes(void **state)
{
    (void)state;
    slice_t d = slice_cstr("a.b.example.com");
    assert_int_equal(dmarc_label_count(d), 4);
    assert_int_equal(dmarc_label_count(slice_cstr("")), 0);
    slice_t s = dmarc_label_suffix(d, 2);
    assert_true(slice_eq(s, SLICE_LIT("example.com")));
    assert_true(slice_eq(dmarc_label_suffix(d, 4), d));
    assert_true(slice_eq(dmarc_label_suffix(d, 9), d));
    assert_true(dmarc_domain_within(d, slice_cstr("EXAMPLE.com")));
    assert_true(dmarc_domain_within(d, d));
    assert_false(dmarc_domain_within(slice_cstr("badexample.com"), slice_cstr("example.com")));
    assert_false(dmarc_domain_within(slice_cstr("com"), slice_cstr("example.com")));
    assert_true(dmarc_domain_ok(slice_cstr("_x.a-b.example")));
    assert_false(dmarc_domain_ok(slice_cstr(".example")));
    assert_false(dmarc_domain_ok(slice_cstr("a b.example")));
}

/* ---- evaluation over a zone ---- */

static const char ZONE[] =
    "_dmarc.example.com. TXT \"v=DMARC1; p=reject; sp=quarantine; adkim=r; aspf=s\"\n"
    "_dmarc.strict.example. TXT \"v=DMARC1; p=reject; adkim=s\"\n"
    "_dmarc.gov.uk. TXT \"v=DMARC1; p=reject; psd=y\"\n"
    "_dmarc.slow.example. TIMEOUT\n";

typedef struct env {
    char path[64];
    dns_t *dns;
    dmarc_psl_t *psl;
} env_t;

static int env_setup(void **state)
{
    env_t *e = calloc(1, sizeof *e);
    snprintf(e->path, sizeof e->path, "/tmp/test_dmarc_XXXXXX");
    int fd = mkstemp(e->path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, ZONE, sizeof ZONE - 1), (ssize_t)(sizeof ZONE - 1));
    close(fd);
    char spec[96], err[256];
    snprintf(spec, sizeof spec, "zone:%s", e->path);
    e->dns = dns_open(spec, NULL, err, sizeof err);
    assert_non_null(e->dns);
    e->psl = dmarc_psl_open(NULL, err, sizeof err);
    assert_non_null(e->psl);
    *state = e;
    return 0;
}

static int env_teardown(void **state)
{
    env_t *e = *state;
    dmarc_psl_close(e->psl);
    dns_close(e->dns);
    unlink(e->path);
    free(e);
    return 0;
}

static void run(env_t *e, const char *fromv, const char *dkim, const char *spf,
                dmarc_result_t *r9989, dmarc_result_t *r7489)
{
    slice_t f = slice_cstr(fromv), d = slice_cstr(dkim ? dkim : "");
    dmarc_input_t in = { .from = &f, .nfrom = 1, .dkim_pass = &d, .ndkim_pass = dkim ? 1 : 0,
                         .spf_domain = spf ? slice_cstr(spf) : SLICE_NULL,
                         .spf_result = spf ? ENG_PASS : ENG_NONE };
    assert_int_equal(dmarc_check(&in, DMARC_BOTH, e->psl, eng_lookup_wait, e->dns, r9989, r7489),
                     DMARC_DONE);
}

static void check_relaxed_dkim_aligns_subdomain_signer(void **state)
{
    dmarc_result_t a, b;
    run(*state, "u@example.com", "mail.example.com", NULL, &a, &b);
    assert_int_equal(a.result, ENG_PASS);
    assert_int_equal(a.dkim_aligned, 1);
    assert_string_equal(a.policy, "reject");
    assert_int_equal(a.pct, -1);
    assert_int_equal(b.result, ENG_PASS);
    assert_int_equal(b.pct, 100);
}

static void check_strict_spf_refuses_subdomain(void **state)
{
    dmarc_result_t a, b;
    run(*state, "u@news.example.com", NULL, "example.com", &a, &b);
    assert_int_equal(a.result, ENG_FAIL);
    assert_int_equal(a.spf_aligned, 0);
    assert_int_equal(a.aspf_strict, 1);
    assert_string_equal(a.policy, "quarantine");
    assert_string_equal(a.record_domain, "example.com");
    assert_string_equal(b.policy, "quarantine");
}

static void check_strict_dkim_exact_match_ignores_case(void **state)
{
    dmarc_result_t a, b;
    run(*state, "u@strict.example", "STRICT.Example", NULL, &a, &b);
    assert_int_equal(a.result, ENG_PASS);
    assert_int_equal(b.result, ENG_PASS);
    run(*state, "u@strict.example", "x.strict.example", NULL, &a, &b);
    assert_int_equal(a.result, ENG_FAIL);
    assert_int_equal(b.result, ENG_FAIL);
}

static void check_psd_record_found_only_by_tree_walk(void **state)
{
    dmarc_result_t a, b;
    run(*state, "u@a.council.gov.uk", NULL, NULL, &a, &b);
    assert_int_equal(a.result, ENG_FAIL);
    assert_string_equal(a.record_domain, "gov.uk");
    assert_string_equal(a.org_domain, "council.gov.uk");
    assert_string_equal(a.policy, "reject");
    assert_int_equal(a.psd, 1);
    assert_int_equal(b.result, ENG_NONE);
    assert_string_equal(b.org_domain, "council.gov.uk");
}

static void check_dns_timeout_is_temperror(void **state)
{
    dmarc_result_t a, b;
    run(*state, "u@slow.example", "slow.example", NULL, &a, &b);
    assert_int_equal(a.result, ENG_TEMPERROR);
    assert_int_equal(b.result, ENG_TEMPERROR);
    assert_non_null(strstr(a.reason, "_dmarc.slow.example"));
}

static void check_one_mode_leaves_the_other_not_run(void **state)
{
    env_t *e = *state;
    slice_t f = slice_cstr("u@example.com");
    dmarc_input_t in = { .from = &f, .nfrom = 1 };
    dmarc_result_t a, b;
    assert_int_equal(dmarc_check(&in, DMARC_7489, e->psl, eng_lookup_wait, e->dns, &a, &b),
                     DMARC_DONE);
    assert_int_equal(a.result, ENG_NONE);
    assert_string_equal(a.reason, "not run");
    assert_int_equal(b.result, ENG_FAIL);
}

/* A lookup that says "in flight" once for every (name, type) it has not seen. */
typedef struct slow {
    dns_t *dns;
    char seen[64][300];
    int nseen;
    int pendings;
} slow_t;

static dns_answer_t *slow_lookup(void *arg, slice_t name, uint16_t type, int *pending)
{
    slow_t *s = arg;
    char key[300];
    snprintf(key, sizeof key, "%u/%.*s", type, (int)name.n, (const char *)name.p);
    for (int i = 0; i < s->nseen; i++)
        if (strcmp(s->seen[i], key) == 0)
            return eng_lookup_wait(s->dns, name, type, pending);
    assert_true(s->nseen < 64);
    snprintf(s->seen[s->nseen++], sizeof s->seen[0], "%s", key);
    s->pendings++;
    *pending = 1;
    return NULL;
}

static void check_pending_stops_and_rerun_completes(void **state)
{
    env_t *e = *state;
    slow_t *s = calloc(1, sizeof *s);
    s->dns = e->dns;
    slice_t f = slice_cstr("u@a.council.gov.uk"), d = slice_cstr("council.gov.uk");
    dmarc_input_t in = { .from = &f, .nfrom = 1, .dkim_pass = &d, .ndkim_pass = 1 };
    dmarc_result_t a, b;
    int runs = 0;
    while (dmarc_check(&in, DMARC_BOTH, e->psl, slow_lookup, s, &a, &b) == DMARC_PENDING)
        assert_true(++runs < 100);
    /* one run per distinct query, each stopping at its first unseen name */
    assert_int_equal(runs, s->pendings);
    /* _dmarc.a.council.gov.uk, _dmarc.council.gov.uk, _dmarc.gov.uk; the
     * org-domain walk stops at psd=y, 7489 reuses the first two */
    assert_int_equal(runs, 3);
    assert_int_equal(a.result, ENG_PASS);
    assert_int_equal(a.dkim_aligned, 1);
    assert_int_equal(b.result, ENG_NONE);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_minimal_reject),
        cmocka_unit_test(record_every_tag),
        cmocka_unit_test(record_whitespace_around_tags_and_equals),
        cmocka_unit_test(record_version_must_come_first_and_match_exactly),
        cmocka_unit_test(record_bad_values_fall_back_to_defaults),
        cmocka_unit_test(record_rua_needs_one_valid_uri),
        cmocka_unit_test(record_first_duplicate_wins),
        cmocka_unit_test(record_policy_names),
        cmocka_unit_test(from_mailbox_forms),
        cmocka_unit_test(from_several_addresses_dedupe),
        cmocka_unit_test(from_group_syntax),
        cmocka_unit_test(from_errors),
        cmocka_unit_test(from_domainless_address_does_not_hide_others),
        cmocka_unit_test(from_too_many_addresses),
        cmocka_unit_test(from_is_bounded_without_nul),
        cmocka_unit_test(names_labels_and_suffixes),
        cmocka_unit_test_setup_teardown(check_relaxed_dkim_aligns_subdomain_signer, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(check_strict_spf_refuses_subdomain, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(check_strict_dkim_exact_match_ignores_case, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(check_psd_record_found_only_by_tree_walk, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(check_dns_timeout_is_temperror, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(check_one_mode_leaves_the_other_not_run, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(check_pending_stops_and_rerun_completes, env_setup,
                                        env_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
