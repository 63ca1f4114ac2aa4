/* Profiles and roles over HTTP: public profile by id (400/404, no email), own profile read and
 * update (validation, persistence, cache invalidation), and the ADMIN-only role replacement
 * (401/403/400/404/200, effective at once for the user's live sessions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "api.h"
#include "micro/alloc.h"

static void test_profile_by_id(void **state)
{
    (void)state;
    th_api auth = th_api_auth();
    th_user u;
    th_signup(auth, &u, "public");
    char *path = mf_asprintf("/profile/id/%s", u.id);
    th_resp r = th_call(auth, "GET", path, NULL, NULL);
    th_expect_env(&r, 200, "success");
    json_t *d = th_data(&r);
    assert_string_equal(th_jstr(d, "id"), u.id);
    assert_string_equal(th_jstr(d, "name"), "Test public");
    assert_null(json_object_get(d, "email"));
    assert_null(json_object_get(d, "roles"));
    assert_null(json_object_get(d, "profilePicUrl"));
    th_resp_release(&r);
    free(path);

    const char *bad[] = {"/profile/id/123", "/profile/id/not-a-uuid",
                         "/profile/id/0B6F3C1E-9A52-4C1E-8B1A-2F0D3E4C5B6A",
                         "/profile/id/0b6f3c1e9a524c1e8b1a2f0d3e4c5b6a"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        th_expect(auth, "GET", bad[i], NULL, NULL, 400, "id must be a valid UUID");
    th_expect(auth, "GET", "/profile/id/0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a", NULL, NULL, 404,
              "user does not exists");
    th_user_release(&u);
}

static void test_profile_mine_and_update(void **state)
{
    (void)state;
    th_api auth = th_api_auth();
    th_user u;
    th_signup(auth, &u, "mine");
    th_resp r = th_call(auth, "GET", "/profile/mine", u.access, NULL);
    th_expect_env(&r, 200, "success");
    assert_string_equal(th_jstr(th_data(&r), "email"), u.email);
    assert_string_equal(th_jstr(th_data(&r), "roles.0.code"), "LEARNER");
    th_resp_release(&r);

    th_expect(auth, "PUT", "/profile/mine", NULL, "{\"name\":\"Zed\"}", 401,
              "permission denied: missing Authorization");
    th_expect(auth, "PUT", "/profile/mine", u.access, "{\"name\":\"Z\",\"profilePicUrl\":\"nope\"}",
              400, "name must be at least 2 characters, profilepicurl is not a valid URL");
    th_expect(auth, "PUT", "/profile/mine", u.access, "{\"name\":5}", 400, "name must be a string");

    r = th_call(auth, "PUT", "/profile/mine", u.access,
                "{\"name\":\"Zed Zee\",\"profilePicUrl\":\"https://example.com/z.png\","
                "\"email\":\"hijack@example.com\"}");
    th_expect_env(&r, 200, "profile updated successfully");
    json_t *d = th_data(&r);
    assert_string_equal(th_jstr(d, "name"), "Zed Zee");
    assert_string_equal(th_jstr(d, "profilePicUrl"), "https://example.com/z.png");
    assert_string_equal(th_jstr(d, "email"), u.email);
    assert_non_null(json_object_get(d, "roles"));
    th_resp_release(&r);
    /* The cached session sees the change at once, and so does the public profile. */
    r = th_call(auth, "GET", "/profile/mine", u.access, NULL);
    th_expect_env(&r, 200, "success");
    assert_string_equal(th_jstr(th_data(&r), "name"), "Zed Zee");
    th_resp_release(&r);
    char *path = mf_asprintf("/profile/id/%s", u.id);
    r = th_call(auth, "GET", path, NULL, NULL);
    assert_string_equal(th_jstr(th_data(&r), "profilePicUrl"), "https://example.com/z.png");
    th_resp_release(&r);
    free(path);
    /* Only the name: the picture stays. */
    r = th_call(auth, "PUT", "/profile/mine", u.access, "{\"name\":\"Zed\"}");
    th_expect_env(&r, 200, "profile updated successfully");
    assert_string_equal(th_jstr(th_data(&r), "profilePicUrl"), "https://example.com/z.png");
    th_resp_release(&r);
    th_user_release(&u);
}

static char *roles_path(const char *id)
{
    return mf_asprintf("/roles/user/id/%s", id);
}

static void test_roles_update(void **state)
{
    (void)state;
    th_api auth = th_api_auth();
    th_user u, admin;
    th_signup(auth, &u, "roles");
    th_signin_admin(auth, &admin);
    char *path = roles_path(u.id);
    const char *body = "{\"roles\":[\"AUTHOR\",\"EDITOR\"]}";

    th_expect(auth, "PUT", path, NULL, body, 401, "permission denied: missing Authorization");
    th_expect(auth, "PUT", path, u.access, body, 403,
              "permission denied: does not have suffient role");
    th_expect(auth, "PUT", "/roles/user/id/nope", admin.access, body, 400,
              "id must be a valid UUID");
    struct {
        const char *body, *msg;
    } bad[] = {
        {"{}", "roles is required"},
        {"{\"roles\":[]}", "roles is required"},
        {"{\"roles\":\"ADMIN\"}", "roles must be an array"},
        {"{\"roles\":[\"ROOT\"]}", "roles[0] is invalid"},
        {"{\"roles\":[\"AUTHOR\",7]}", "roles[1] must be a string"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        th_expect(auth, "PUT", path, admin.access, bad[i].body, 400, bad[i].msg);
    char *missing = roles_path("0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a");
    th_expect(auth, "PUT", missing, admin.access, body, 404, "user does not exists");
    free(missing);

    /* Cache the user's session first: the change must show through it at once. */
    th_resp r = th_call(auth, "GET", "/profile/mine", u.access, NULL);
    th_resp_release(&r);
    r = th_call(auth, "PUT", path, admin.access, body);
    th_expect_env(&r, 200, "roles updated successfully");
    json_t *roles = th_jget(th_data(&r), "roles");
    assert_int_equal(json_array_size(roles), 2);
    assert_string_equal(th_jstr(th_data(&r), "id"), u.id);
    assert_string_equal(th_jstr(th_data(&r), "email"), u.email);
    th_resp_release(&r);
    r = th_call(auth, "GET", "/profile/mine", u.access, NULL);
    roles = th_jget(th_data(&r), "roles");
    assert_int_equal(json_array_size(roles), 2);
    bool author = false, learner = false;
    for (size_t i = 0; i < 2; i++) {
        const char *code = th_jstr(json_array_get(roles, i), "code");
        author |= strcmp(code, "AUTHOR") == 0;
        learner |= strcmp(code, "LEARNER") == 0;
    }
    assert_true(author);
    assert_false(learner);
    th_resp_release(&r);

    /* Made ADMIN, the user may now grant roles; a duplicate code is harmless. */
    r = th_call(auth, "PUT", path, admin.access, "{\"roles\":[\"ADMIN\",\"ADMIN\"]}");
    th_expect_env(&r, 200, "roles updated successfully");
    assert_int_equal(json_array_size(th_jget(th_data(&r), "roles")), 1);
    th_resp_release(&r);
    th_grant_roles(auth, u.access, u.id, "[\"LEARNER\"]");
    /* ...and, no longer ADMIN, may not. */
    th_expect(auth, "PUT", path, u.access, body, 403,
              "permission denied: does not have suffient role");
    free(path);
    th_user_release(&admin);
    th_user_release(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_by_id),
        cmocka_unit_test(test_profile_mine_and_update),
        cmocka_unit_test(test_roles_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
