/* Profiles and roles over HTTP: public profile by id (400/404, no email), own profile read and
 * update (validation, persistence, cache invalidation), and the ADMIN-only role replacement
 * (401/403/400/404/200, effective at once for the user's live sessions). */
#include "auth_it.h"

static void test_profile_by_id(void **state)
{
    (void)state;
    it_user u;
    it_signup(&u, "public");
    th_resp r;
    char *path = mf_asprintf("/profile/id/%s", u.id);
    it_call("GET", path, NULL, NULL, &r);
    it_assert_envelope(&r, 200, "success");
    json_t *d = it_data(&r);
    assert_string_equal(it_str(d, "id", NULL), u.id);
    assert_string_equal(it_str(d, "name", NULL), "Test public");
    assert_null(json_object_get(d, "email"));
    assert_null(json_object_get(d, "roles"));
    assert_null(json_object_get(d, "profilePicUrl"));
    th_resp_release(&r);
    free(path);

    const char *bad[] = {"/profile/id/123", "/profile/id/not-a-uuid",
                         "/profile/id/0B6F3C1E-9A52-4C1E-8B1A-2F0D3E4C5B6A",
                         "/profile/id/0b6f3c1e9a524c1e8b1a2f0d3e4c5b6a"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        it_call("GET", bad[i], NULL, NULL, &r);
        it_assert_envelope(&r, 400, "id must be a valid UUID");
        th_resp_release(&r);
    }
    it_call("GET", "/profile/id/0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a", NULL, NULL, &r);
    it_assert_envelope(&r, 404, "user does not exists");
    th_resp_release(&r);
    it_user_release(&u);
}

static void test_profile_mine_and_update(void **state)
{
    (void)state;
    it_user u;
    it_signup(&u, "mine");
    th_resp r;
    it_call("GET", "/profile/mine", u.access, NULL, &r);
    it_assert_envelope(&r, 200, "success");
    assert_string_equal(it_str(it_data(&r), "email", NULL), u.email);
    assert_string_equal(
        it_str(json_array_get(json_object_get(it_data(&r), "roles"), 0), "code", NULL), "LEARNER");
    th_resp_release(&r);

    it_call("PUT", "/profile/mine", NULL, "{\"name\":\"Zed\"}", &r);
    it_assert_envelope(&r, 401, "permission denied: missing Authorization");
    th_resp_release(&r);
    it_call("PUT", "/profile/mine", u.access, "{\"name\":\"Z\",\"profilePicUrl\":\"nope\"}", &r);
    it_assert_envelope(&r, 400,
                       "name must be at least 2 characters, profilepicurl is not a valid URL");
    th_resp_release(&r);
    it_call("PUT", "/profile/mine", u.access, "{\"name\":5}", &r);
    it_assert_envelope(&r, 400, "name must be a string");
    th_resp_release(&r);

    it_call("PUT", "/profile/mine", u.access,
            "{\"name\":\"Zed Zee\",\"profilePicUrl\":\"https://example.com/z.png\","
            "\"email\":\"hijack@example.com\"}",
            &r);
    it_assert_envelope(&r, 200, "profile updated successfully");
    json_t *d = it_data(&r);
    assert_string_equal(it_str(d, "name", NULL), "Zed Zee");
    assert_string_equal(it_str(d, "profilePicUrl", NULL), "https://example.com/z.png");
    assert_string_equal(it_str(d, "email", NULL), u.email);
    assert_non_null(json_object_get(d, "roles"));
    th_resp_release(&r);
    /* The cached session sees the change at once, and so does the public profile. */
    it_call("GET", "/profile/mine", u.access, NULL, &r);
    it_assert_envelope(&r, 200, "success");
    assert_string_equal(it_str(it_data(&r), "name", NULL), "Zed Zee");
    th_resp_release(&r);
    char *path = mf_asprintf("/profile/id/%s", u.id);
    it_call("GET", path, NULL, NULL, &r);
    assert_string_equal(it_str(it_data(&r), "profilePicUrl", NULL), "https://example.com/z.png");
    th_resp_release(&r);
    free(path);
    /* Only the name: the picture stays. */
    it_call("PUT", "/profile/mine", u.access, "{\"name\":\"Zed\"}", &r);
    it_assert_envelope(&r, 200, "profile updated successfully");
    assert_string_equal(it_str(it_data(&r), "profilePicUrl", NULL), "https://example.com/z.png");
    th_resp_release(&r);
    it_user_release(&u);
}

static char *roles_path(const char *id)
{
    return mf_asprintf("/roles/user/id/%s", id);
}

static void test_roles_update(void **state)
{
    (void)state;
    it_user u, admin;
    it_signup(&u, "roles");
    it_signin_admin(&admin);
    char *path = roles_path(u.id);
    th_resp r;
    const char *body = "{\"roles\":[\"AUTHOR\",\"EDITOR\"]}";

    it_call("PUT", path, NULL, body, &r);
    it_assert_envelope(&r, 401, "permission denied: missing Authorization");
    th_resp_release(&r);
    it_call("PUT", path, u.access, body, &r);
    it_assert_envelope(&r, 403, "permission denied: does not have suffient role");
    th_resp_release(&r);
    it_call("PUT", "/roles/user/id/nope", admin.access, body, &r);
    it_assert_envelope(&r, 400, "id must be a valid UUID");
    th_resp_release(&r);
    struct {
        const char *body, *msg;
    } bad[] = {
        {"{}", "roles is required"},
        {"{\"roles\":[]}", "roles is required"},
        {"{\"roles\":\"ADMIN\"}", "roles must be an array"},
        {"{\"roles\":[\"ROOT\"]}", "roles[0] is invalid"},
        {"{\"roles\":[\"AUTHOR\",7]}", "roles[1] must be a string"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        it_call("PUT", path, admin.access, bad[i].body, &r);
        it_assert_envelope(&r, 400, bad[i].msg);
        th_resp_release(&r);
    }
    char *missing = roles_path("0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a");
    it_call("PUT", missing, admin.access, body, &r);
    it_assert_envelope(&r, 404, "user does not exists");
    th_resp_release(&r);
    free(missing);

    /* Cache the user's session first: the change must show through it at once. */
    it_call("GET", "/profile/mine", u.access, NULL, &r);
    th_resp_release(&r);
    it_call("PUT", path, admin.access, body, &r);
    it_assert_envelope(&r, 200, "roles updated successfully");
    json_t *roles = json_object_get(it_data(&r), "roles");
    assert_int_equal(json_array_size(roles), 2);
    assert_string_equal(it_str(it_data(&r), "id", NULL), u.id);
    assert_string_equal(it_str(it_data(&r), "email", NULL), u.email);
    th_resp_release(&r);
    it_call("GET", "/profile/mine", u.access, NULL, &r);
    roles = json_object_get(it_data(&r), "roles");
    assert_int_equal(json_array_size(roles), 2);
    bool author = false, learner = false;
    for (size_t i = 0; i < 2; i++) {
        const char *code = it_str(json_array_get(roles, i), "code", NULL);
        author |= strcmp(code, "AUTHOR") == 0;
        learner |= strcmp(code, "LEARNER") == 0;
    }
    assert_true(author);
    assert_false(learner);
    th_resp_release(&r);

    /* Made ADMIN, the user may now grant roles; a duplicate code is harmless. */
    it_call("PUT", path, admin.access, "{\"roles\":[\"ADMIN\",\"ADMIN\"]}", &r);
    it_assert_envelope(&r, 200, "roles updated successfully");
    assert_int_equal(json_array_size(json_object_get(it_data(&r), "roles")), 1);
    th_resp_release(&r);
    it_call("PUT", path, u.access, "{\"roles\":[\"LEARNER\"]}", &r);
    it_assert_envelope(&r, 200, "roles updated successfully");
    th_resp_release(&r);
    /* ...and, no longer ADMIN, may not. */
    it_call("PUT", path, u.access, body, &r);
    it_assert_envelope(&r, 403, "permission denied: does not have suffient role");
    th_resp_release(&r);
    free(path);
    it_user_release(&admin);
    it_user_release(&u);
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
