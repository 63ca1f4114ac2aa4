/* The User / UserPublic JSON shapes, their round trip through the session cache format,
 * role codes, bearer header parsing and the embedded migrations table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "authn.h"
#include "micro/alloc.h"
#include "migrate.h"
#include "store_apikey.h"
#include "user.h"

#define UID "0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a"
#define RID "1c7a4d2f-0b63-4d2f-9c2b-3a1e4f5d6c7b"

static auth_user *sample(bool with_pic)
{
    auth_user *u = auth_user_new();
    snprintf(u->id, sizeof(u->id), "%s", UID);
    u->email = mf_strdup("a@example.com");
    u->name = mf_strdup("Ann");
    u->profile_pic_url = with_pic ? mf_strdup("https://example.com/a.png") : NULL;
    u->password_hash = mf_strdup("$2b$04$secret");
    auth_user_add_role(u, RID, "AUTHOR");
    return u;
}

static void test_private_json(void **state)
{
    (void)state;
    auth_user *u = sample(true);
    json_t *j = auth_user_json(u);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(s, "{\"id\":\"" UID "\",\"email\":\"a@example.com\",\"name\":\"Ann\","
                           "\"profilePicUrl\":\"https://example.com/a.png\","
                           "\"roles\":[{\"id\":\"" RID "\",\"code\":\"AUTHOR\"}]}");
    /* Never the hash. */
    assert_null(strstr(s, "secret"));
    free(s);
    json_decref(j);
    auth_user_free(u);
}

static void test_public_json_has_no_email(void **state)
{
    (void)state;
    auth_user *u = sample(false);
    json_t *j = auth_user_public_json(u);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(s, "{\"id\":\"" UID "\",\"name\":\"Ann\"}");
    free(s);
    json_decref(j);
    auth_user_free(u);
}

static void test_cache_roundtrip(void **state)
{
    (void)state;
    auth_user *u = sample(true);
    json_t *j = auth_user_json(u);
    auth_user *back = auth_user_from_json(j);
    assert_non_null(back);
    assert_string_equal(back->id, UID);
    assert_string_equal(back->email, "a@example.com");
    assert_string_equal(back->profile_pic_url, "https://example.com/a.png");
    assert_int_equal(back->nroles, 1);
    assert_true(auth_user_has_role(back, "AUTHOR"));
    assert_false(auth_user_has_role(back, "ADMIN"));
    json_decref(j);
    auth_user_free(back);
    auth_user_free(u);
    /* Malformed entries are a miss, not a crash. */
    json_t *bad = json_pack("{s:s, s:s, s:s, s:i}", "id", "not-a-uuid", "email", "x", "name", "y",
                            "roles", 1);
    assert_null(auth_user_from_json(bad));
    json_decref(bad);
    assert_null(auth_user_from_json(NULL));
}

static void test_role_codes(void **state)
{
    (void)state;
    assert_true(auth_role_code_valid("LEARNER"));
    assert_true(auth_role_code_valid("ADMIN"));
    assert_false(auth_role_code_valid("admin"));
    assert_false(auth_role_code_valid("ROOT"));
    assert_false(auth_role_code_valid(NULL));
}

static void test_bearer_header(void **state)
{
    (void)state;
    const char *msg = NULL;
    assert_null(auth_authn_bearer_token(NULL, &msg));
    assert_string_equal(msg, CMICRO_MSG_MISSING_AUTHORIZATION);
    assert_null(auth_authn_bearer_token("", &msg));
    assert_string_equal(msg, CMICRO_MSG_MISSING_AUTHORIZATION);
    const char *bad[] = {"Bearer", "Bearer ", "bearer abc", "Basic abc", "abc", "Bearer a b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        msg = NULL;
        assert_null(auth_authn_bearer_token(bad[i], &msg));
        assert_string_equal(msg, CMICRO_MSG_INVALID_AUTHORIZATION);
    }
    assert_string_equal(auth_authn_bearer_token("Bearer abc.def.ghi", &msg), "abc.def.ghi");
}

static void test_embedded_migrations(void **state)
{
    (void)state;
    assert_true(auth_migrations_count >= 2);
    for (size_t i = 0; i < auth_migrations_count; i++) {
        assert_true(auth_migrations[i].version > 0);
        if (i > 0)
            assert_true(auth_migrations[i].version > auth_migrations[i - 1].version);
        assert_non_null(auth_migrations[i].sql);
    }
    assert_string_equal(auth_migrations[0].name, "001_init");
    assert_non_null(strstr(auth_migrations[0].sql, "CREATE TABLE users"));
    assert_non_null(strstr(auth_migrations[1].sql, "'ADMIN'"));
    assert_null(auth_migrations[auth_migrations_count].sql);
}

static void test_apikey_hash(void **state)
{
    (void)state;
    char h[65];
    auth_apikey_hash("abc", h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private_json),    cmocka_unit_test(test_public_json_has_no_email),
        cmocka_unit_test(test_cache_roundtrip), cmocka_unit_test(test_role_codes),
        cmocka_unit_test(test_bearer_header),   cmocka_unit_test(test_embedded_migrations),
        cmocka_unit_test(test_apikey_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
