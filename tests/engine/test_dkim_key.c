/* Tests for engine/dkim_key.c: key records (RFC 6376 3.6.1, RFC 8463 4). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dkim.h"

static dkim_keyrec_t rec;

static void assert_slice(slice_t s, const char *want)
{
    assert_int_equal(s.n, strlen(want));
    if (s.n)
        assert_memory_equal(s.p, want, s.n);
}

static const char *parse(const char *s)
{
    return dkim_keyrec_parse(slice_cstr(s), &rec);
}

/* The Ed25519 key of the peer-signed corpus (ed._domainkey.edge.example.com). */
#define EDP "X7GCxc18eDHroCnVyADDZWRrxzjlK5ThYiz6DmLcSDk="
/* A stand-in for the long RSA p= values: the parser does not decode p=. */
#define RSAP "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmEgxEhml"

static void plain_rsa_record_gets_defaults(void **state)
{
    assert_null(parse("v=DKIM1; k=rsa; p=" RSAP));
    assert_null(rec.error);
    assert_int_equal(rec.k, CRYPTO_KEY_RSA);
    assert_int_equal(rec.hashes, DKIM_HASH_SHA1 | DKIM_HASH_SHA256);
    assert_false(rec.testing);
    assert_false(rec.strict);
    assert_false(rec.revoked);
    assert_slice(rec.p, RSAP);
}

static void record_without_v_or_k_is_rsa(void **state)
{
    assert_null(parse("p=" RSAP));
    assert_int_equal(rec.k, CRYPTO_KEY_RSA);
    assert_null(parse("k=rsa; p=" RSAP)); /* peer-signed key_no_v */
}

static void ed25519_record(void **state)
{
    assert_null(parse("v=DKIM1; k=ed25519; p=" EDP));
    assert_int_equal(rec.k, CRYPTO_KEY_ED25519);
    assert_slice(rec.p, EDP);
    assert_null(parse("v=DKIM1; k=ED25519; p=" EDP));
    assert_int_equal(rec.k, CRYPTO_KEY_ED25519);
}

static void unknown_key_type_is_an_error(void **state)
{
    assert_string_equal(parse("v=DKIM1; k=dsa; p=" RSAP), "unknown key type");
    assert_string_equal(parse("v=DKIM1; k=; p=" RSAP), "unknown key type");
}

static void empty_p_means_revoked_not_an_error(void **state)
{
    assert_null(parse("v=DKIM1; k=rsa; p="));
    assert_true(rec.revoked);
    assert_int_equal(rec.p.n, 0);
    assert_null(parse("v=DKIM1; p= ;"));
    assert_true(rec.revoked);
}

static void missing_p_is_an_error(void **state)
{
    assert_string_equal(parse("v=DKIM1; k=rsa"), "key record has no p=");
    assert_string_equal(parse("v=DKIM1; k=rsa; P=" RSAP), "key record has no p=");
}

static void p_with_folding_whitespace_is_kept_as_written(void **state)
{
    assert_null(parse("v=DKIM1; p= MIIB IjAN\r\n\tBgkq ;"));
    assert_slice(rec.p, "MIIB IjAN\r\n\tBgkq");
    assert_false(rec.revoked);
}

static void sloppy_but_legal_spacing(void **state)
{
    assert_null(parse(" v = DKIM1 ;k= rsa;  p= " RSAP " ; "));
    assert_slice(rec.p, RSAP);
    assert_null(parse("v=DKIM1;k=rsa;p=" RSAP ";"));
}

static void version_must_be_dkim1_exactly(void **state)
{
    assert_string_equal(parse("v=DKIM2; k=rsa; p=" RSAP), "key version: v= is not DKIM1");
    assert_string_equal(parse("v=dkim1; k=rsa; p=" RSAP), "key version: v= is not DKIM1");
    assert_string_equal(parse("v=; p=" RSAP), "key version: v= is not DKIM1");
}

static void version_must_be_the_first_tag(void **state)
{
    assert_string_equal(parse("k=rsa; v=DKIM1; p=" RSAP), "key version: v= is not the first tag");
}

static void service_types(void **state)
{
    assert_null(parse("v=DKIM1; s=email; p=" RSAP));
    assert_null(parse("v=DKIM1; s=*; p=" RSAP));
    assert_null(parse("v=DKIM1; s=other-service:email; p=" RSAP));
    assert_null(parse("v=DKIM1; s=email:other; p=" RSAP));
    assert_null(parse("v=DKIM1; s= other : EMAIL ; p=" RSAP));
    assert_string_equal(parse("v=DKIM1; s=other-service; p=" RSAP), "key not for email");
    assert_string_equal(parse("v=DKIM1; s=; p=" RSAP), "key not for email");
    assert_string_equal(parse("v=DKIM1; s=emails; p=" RSAP), "key not for email");
}

static void hash_lists(void **state)
{
    assert_null(parse("v=DKIM1; h=sha1; p=" RSAP));
    assert_int_equal(rec.hashes, DKIM_HASH_SHA1);
    assert_null(parse("v=DKIM1; h=sha1:sha256; p=" RSAP));
    assert_int_equal(rec.hashes, DKIM_HASH_SHA1 | DKIM_HASH_SHA256);
    assert_null(parse("v=DKIM1; h=SHA256 : sha512; p=" RSAP));
    assert_int_equal(rec.hashes, DKIM_HASH_SHA256);
    assert_null(parse("v=DKIM1; h=sha512; p=" RSAP)); /* none known: none allowed */
    assert_int_equal(rec.hashes, 0);
}

static void flags(void **state)
{
    assert_null(parse("v=DKIM1; t=y:s; p=" RSAP));
    assert_true(rec.testing);
    assert_true(rec.strict);
    assert_null(parse("v=DKIM1; t=y; p=" RSAP));
    assert_true(rec.testing);
    assert_false(rec.strict);
    assert_null(parse("v=DKIM1; t=s; p=" RSAP));
    assert_false(rec.testing);
    assert_true(rec.strict);
    assert_null(parse("v=DKIM1; t=x:q; p=" RSAP)); /* unknown flags ignored */
    assert_false(rec.testing);
    assert_false(rec.strict);
}

static void unknown_tags_and_notes_are_ignored(void **state)
{
    /* Shape of the peer-signed corpus's unktags record (key_unknown_tags). */
    assert_null(parse("v=DKIM1; k=rsa; n=edge test key; zz=unknown; x-foo=bar:baz; p=" RSAP));
    assert_slice(rec.p, RSAP);
    assert_null(parse("v=DKIM1; g=*; p=" RSAP));
}

static void record_from_many_strings_concatenated(void **state)
{
    /* key_many_strings: the strings are concatenated with no separator. */
    assert_null(parse("v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmE"));
    assert_slice(rec.p, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmE");
}

static void tag_without_value_is_a_syntax_error(void **state)
{
    /* ARC test suite, invalid._domainkey.example.org. */
    assert_string_equal(parse("v=DKIM1; k=rsa; omgwhatsgoingon"), "key record syntax error");
    assert_string_equal(rec.error, "key record syntax error");
    assert_string_equal(parse(""), "key record syntax error");
    assert_string_equal(parse("v=DKIM1;; p=" RSAP), "key record syntax error");
    assert_string_equal(parse("\"v=DKIM1; p=" RSAP "\""), "key record syntax error");
    assert_string_equal(parse("v=DKIM1; p=" RSAP "\xc3\xa9"), "key record syntax error");
}

static void duplicate_tag_is_an_error(void **state)
{
    assert_string_equal(parse("v=DKIM1; p=" RSAP "; p=" RSAP), "key record: duplicate tag");
}

static void error_is_returned_and_stored(void **state)
{
    const char *why = parse("v=DKIM1; k=foo; p=x");
    assert_string_equal(why, "unknown key type");
    assert_ptr_equal(rec.error, why);
    assert_null(parse("p=x"));
    assert_null(rec.error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_rsa_record_gets_defaults),
        cmocka_unit_test(record_without_v_or_k_is_rsa),
        cmocka_unit_test(ed25519_record),
        cmocka_unit_test(unknown_key_type_is_an_error),
        cmocka_unit_test(empty_p_means_revoked_not_an_error),
        cmocka_unit_test(missing_p_is_an_error),
        cmocka_unit_test(p_with_folding_whitespace_is_kept_as_written),
        cmocka_unit_test(sloppy_but_legal_spacing),
        cmocka_unit_test(version_must_be_dkim1_exactly),
        cmocka_unit_test(version_must_be_the_first_tag),
        cmocka_unit_test(service_types),
        cmocka_unit_test(hash_lists),
        cmocka_unit_test(flags),
        cmocka_unit_test(unknown_tags_and_notes_are_ignored),
        cmocka_unit_test(record_from_many_strings_concatenated),
        cmocka_unit_test(tag_without_value_is_a_syntax_error),
        cmocka_unit_test(duplicate_tag_is_an_error),
        cmocka_unit_test(error_is_returned_and_stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
