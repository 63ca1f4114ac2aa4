/* auth-service over HTTP: health, API-key verification, sign-up and sign-in, every row and
 * message of API.md section 3 for them. */
#include "auth_it.h"

static void test_health(void **state)
{
    (void)state;
    th_resp r = th_call(th_api_auth(), "GET", "/health", NULL, NULL);
    th_expect_env(&r, 200, "success");
    json_t *d = th_data(&r);
    assert_string_equal(th_jstr(d, "status"), "OK");
    assert_non_null(th_jstr(d, "timestamp"));
    assert_string_equal(th_jstr(d, "checks.postgres"), "UP");
    assert_string_equal(th_jstr(d, "checks.redis"), "UP");
    assert_string_equal(th_jstr(d, "checks.nats"), "UP");
    assert_non_null(r.request_id);
    th_resp_release(&r);
}

/* GET /verify/apikey on auth-service with key as x-api-key (none when NULL). */
static th_resp apikey(const char *key)
{
    return th_call(th_api_with_key(th_api_auth(), key), "GET", "/verify/apikey", NULL, NULL);
}

static void test_verify_apikey(void **state)
{
    (void)state;
    th_resp r = apikey(NULL);
    th_expect_env(&r, 401, "permission denied: missing x-api-key header");
    assert_null(json_object_get(r.json, "data"));
    th_resp_release(&r);

    /* Twice: the second answer comes from the cache and must agree. */
    for (int i = 0; i < 2; i++) {
        r = apikey(th_stack("DEV_API_KEY"));
        th_expect_env(&r, 200, "success");
        assert_null(json_object_get(r.json, "data"));
        th_resp_release(&r);
    }

    const char *bad[] = {"1D3F2DD1A5DE725DD4DF1D82BBB38", "1d3f2dd1a5de725dd4df1d82bbb37",
                         "' OR 1=1 --"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (int k = 0; k < 2; k++) {
            r = apikey(bad[i]);
            th_expect_env(&r, 403, "permission denied: invalid x-api-key");
            th_resp_release(&r);
        }
    }
    char *huge = mf_malloc(4001);
    memset(huge, 'k', 4000);
    huge[4000] = '\0';
    r = apikey(huge);
    th_expect_env(&r, 403, "permission denied: invalid x-api-key");
    th_resp_release(&r);
    free(huge);
}

static void test_signup_validation(void **state)
{
    (void)state;
    struct {
        const char *body;
        const char *msg;
    } cases[] = {
        {"{}", "email is required, password is required, name is required"},
        {"{\"email\":\"nope\",\"password\":\"12345\",\"name\":\"A\"}",
         "email is not a valid email, password must be at least 6 characters, name must be at "
         "least 2 characters"},
        {"{\"email\":\"a@b.com\",\"password\":\"123456\",\"name\":\"Ann\",\"profilePicUrl\":\"\"}",
         "profilepicurl is not a valid URL"},
        {"{\"email\":\"a@b.com\",\"password\":\"123456\",\"name\":\"Ann\",\"profilePicUrl\":\"x\"}",
         "profilepicurl is not a valid URL"},
        {"{\"email\":1,\"password\":\"123456\",\"name\":\"Ann\"}", "email must be a string"},
        {"not json", "invalid JSON body"},
        {"[1]", "request body must be a JSON object"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        th_expect(th_api_auth(), "POST", "/signup/basic", NULL, cases[i].body, 400, cases[i].msg);
}

static void test_signup_password_bytes(void **state)
{
    (void)state;
    /* 40 two-byte characters: 40 code points (within 6..100) but 80 bytes (over 72). */
    mf_strbuf pw;
    mf_strbuf_init(&pw);
    for (int i = 0; i < 40; i++)
        mf_strbuf_adds(&pw, "\xc3\xa9");
    char *email = th_unique_email("bytes");
    char *body =
        mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"Ann\"}", email, pw.buf);
    th_expect(th_api_auth(), "POST", "/signup/basic", NULL, body, 400,
              "password must be at most 72 bytes");
    free(body);
    /* Sign-in applies the same rule (a longer password cannot match anything). */
    body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", email, pw.buf);
    th_expect(th_api_auth(), "POST", "/signin/basic", NULL, body, 400,
              "password must be at most 72 bytes");
    free(body);
    free(email);
    mf_strbuf_release(&pw);
}

static void test_signup_success_and_duplicate(void **state)
{
    (void)state;
    char *email = th_unique_email("Mixed.Case");
    for (char *p = email; *p && *p != '@'; p++)
        if (*p >= 'a' && *p <= 'z' && (p - email) % 2 == 0)
            *p = (char)(*p - 'a' + 'A');
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"secret1\",\"name\":\"Ann\","
                             "\"profilePicUrl\":\"https://example.com/p.png\",\"status\":false,"
                             "\"roles\":[\"ADMIN\"]}",
                             email);
    th_resp r = th_call(th_api_auth(), "POST", "/signup/basic", NULL, body);
    th_expect_env(&r, 200, "success");
    json_t *user = th_jget(th_data(&r), "user");
    json_t *tokens = th_jget(th_data(&r), "tokens");
    char *lower = mf_strdup(email);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    assert_string_equal(th_jstr(user, "email"), lower);
    assert_string_equal(th_jstr(user, "name"), "Ann");
    assert_string_equal(th_jstr(user, "profilePicUrl"), "https://example.com/p.png");
    assert_true(strlen(th_jstr(user, "id")) == 36);
    assert_null(json_object_get(user, "password"));
    assert_null(json_object_get(user, "passwordHash"));
    /* Unknown fields are ignored: the new user is a LEARNER, not an ADMIN. */
    json_t *roles = json_object_get(user, "roles");
    assert_int_equal(json_array_size(roles), 1);
    assert_string_equal(th_jstr(roles, "0.code"), "LEARNER");
    assert_non_null(th_jstr(roles, "0.id"));
    assert_non_null(th_jstr(tokens, "accessToken"));
    assert_non_null(th_jstr(tokens, "refreshToken"));
    /* Claims as the contract says. */
    json_t *claims = it_token_payload(th_jstr(tokens, "accessToken"));
    assert_string_equal(th_jstr(claims, "sub"), th_jstr(user, "id"));
    assert_string_equal(th_jstr(claims, "iss"), "api.goserve.afteracademy.com");
    assert_string_equal(th_jstr(claims, "aud.0"), "goserve.afteracademy.com");
    assert_int_equal(strlen(th_jstr(claims, "jti")), 64);
    json_int_t iat = json_integer_value(json_object_get(claims, "iat"));
    assert_int_equal(json_integer_value(json_object_get(claims, "exp")) - iat, 172800);
    json_decref(claims);
    claims = it_token_payload(th_jstr(tokens, "refreshToken"));
    assert_int_equal(json_integer_value(json_object_get(claims, "exp")) - iat, 604800);
    json_decref(claims);
    th_resp_release(&r);

    /* Same email again, in any case: refused. */
    th_expect(th_api_auth(), "POST", "/signup/basic", NULL, body, 400, "user already registered");
    char *body2 =
        mf_asprintf("{\"email\":\"%s\",\"password\":\"secret1\",\"name\":\"Ann\"}", lower);
    th_expect(th_api_auth(), "POST", "/signup/basic", NULL, body2, 400, "user already registered");
    free(body2);
    free(lower);
    free(body);
    free(email);
}

static void test_signin(void **state)
{
    (void)state;
    th_api auth = th_api_auth();
    th_user u;
    th_signup(auth, &u, "signin");
    th_expect(auth, "POST", "/signin/basic", NULL, "{}", 400,
              "email is required, password is required");

    /* Unknown email and wrong password: the same answer. */
    char *unknown = th_unique_email("nobody");
    char *b1 = mf_asprintf("{\"email\":\"%s\",\"password\":\"secret-pw-1\"}", unknown);
    char *b2 = mf_asprintf("{\"email\":\"%s\",\"password\":\"wrong-pw-1\"}", u.email);
    th_expect(auth, "POST", "/signin/basic", NULL, b1, 401, "invalid email or password");
    th_expect(auth, "POST", "/signin/basic", NULL, b2, 401, "invalid email or password");
    free(b1);
    free(b2);
    free(unknown);

    /* Success, with the email in upper case; each sign-in is a new session. */
    char *upper = mf_strdup(u.email);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", upper, u.password);
    th_resp r = th_call(auth, "POST", "/signin/basic", NULL, body);
    th_expect_env(&r, 200, "success");
    assert_string_equal(th_jstr(th_data(&r), "user.id"), u.id);
    assert_string_equal(th_jstr(th_data(&r), "user.email"), u.email);
    char *a1 = mf_strdup(th_jstr(th_data(&r), "tokens.accessToken"));
    th_resp_release(&r);
    r = th_call(auth, "POST", "/signin/basic", NULL, body);
    th_expect_env(&r, 200, "success");
    const char *a2 = th_jstr(th_data(&r), "tokens.accessToken");
    assert_string_not_equal(a1, a2);
    /* Both sessions are alive, and the sign-up one too. */
    const char *toks[] = {a1, a2, u.access};
    for (int i = 0; i < 3; i++)
        th_expect(auth, "GET", "/profile/mine", toks[i], NULL, 200, "success");
    th_resp_release(&r);
    free(a1);
    free(body);
    free(upper);
    th_user_release(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_verify_apikey),
        cmocka_unit_test(test_signup_validation),
        cmocka_unit_test(test_signup_password_bytes),
        cmocka_unit_test(test_signup_success_and_duplicate),
        cmocka_unit_test(test_signin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
