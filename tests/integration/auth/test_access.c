/* auth-service over HTTP: health, API-key verification, sign-up and sign-in, every row and
 * message of API.md section 3 for them. */
#include "auth_it.h"

static void test_health(void **state)
{
    (void)state;
    th_resp r;
    it_call("GET", "/health", NULL, NULL, &r);
    it_assert_envelope(&r, 200, "success");
    json_t *d = it_data(&r);
    assert_string_equal(it_str(d, "status", NULL), "OK");
    assert_non_null(it_str(d, "timestamp", NULL));
    json_t *checks = json_object_get(d, "checks");
    assert_string_equal(it_str(checks, "postgres", NULL), "UP");
    assert_string_equal(it_str(checks, "redis", NULL), "UP");
    assert_string_equal(it_str(checks, "nats", NULL), "UP");
    assert_non_null(r.request_id);
    th_resp_release(&r);
}

static void apikey(const char *header, th_resp *r)
{
    it_call_port(it_auth_port(), "GET", "/verify/apikey", NULL, header, NULL, r);
}

static void test_verify_apikey(void **state)
{
    (void)state;
    th_resp r;
    apikey(NULL, &r);
    it_assert_envelope(&r, 401, "permission denied: missing x-api-key header");
    assert_null(json_object_get(r.json, "data"));
    th_resp_release(&r);

    char *h = mf_asprintf("x-api-key: %s", th_stack("DEV_API_KEY"));
    /* Twice: the second answer comes from the cache and must agree. */
    for (int i = 0; i < 2; i++) {
        apikey(h, &r);
        it_assert_envelope(&r, 200, "success");
        assert_null(json_object_get(r.json, "data"));
        th_resp_release(&r);
    }
    free(h);

    const char *bad[] = {"x-api-key: 1D3F2DD1A5DE725DD4DF1D82BBB38",
                         "x-api-key: 1d3f2dd1a5de725dd4df1d82bbb37", "x-api-key: ' OR 1=1 --"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (int k = 0; k < 2; k++) {
            apikey(bad[i], &r);
            it_assert_envelope(&r, 403, "permission denied: invalid x-api-key");
            th_resp_release(&r);
        }
    }
    char *huge = mf_malloc(4001);
    memset(huge, 'k', 4000);
    huge[4000] = '\0';
    char *hh = mf_asprintf("x-api-key: %s", huge);
    apikey(hh, &r);
    it_assert_envelope(&r, 403, "permission denied: invalid x-api-key");
    th_resp_release(&r);
    free(hh);
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
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        th_resp r;
        it_call("POST", "/signup/basic", NULL, cases[i].body, &r);
        it_assert_envelope(&r, 400, cases[i].msg);
        th_resp_release(&r);
    }
}

static void test_signup_password_bytes(void **state)
{
    (void)state;
    /* 40 two-byte characters: 40 code points (within 6..100) but 80 bytes (over 72). */
    mf_strbuf pw;
    mf_strbuf_init(&pw);
    for (int i = 0; i < 40; i++)
        mf_strbuf_adds(&pw, "\xc3\xa9");
    char *email = it_unique_email("bytes");
    char *body =
        mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\",\"name\":\"Ann\"}", email, pw.buf);
    th_resp r;
    it_call("POST", "/signup/basic", NULL, body, &r);
    it_assert_envelope(&r, 400, "password must be at most 72 bytes");
    th_resp_release(&r);
    free(body);
    /* Sign-in applies the same rule (a longer password cannot match anything). */
    body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", email, pw.buf);
    it_call("POST", "/signin/basic", NULL, body, &r);
    it_assert_envelope(&r, 400, "password must be at most 72 bytes");
    th_resp_release(&r);
    free(body);
    free(email);
    mf_strbuf_release(&pw);
}

static void test_signup_success_and_duplicate(void **state)
{
    (void)state;
    char *email = it_unique_email("Mixed.Case");
    for (char *p = email; *p && *p != '@'; p++)
        if (*p >= 'a' && *p <= 'z' && (p - email) % 2 == 0)
            *p = (char)(*p - 'a' + 'A');
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"secret1\",\"name\":\"Ann\","
                             "\"profilePicUrl\":\"https://example.com/p.png\",\"status\":false,"
                             "\"roles\":[\"ADMIN\"]}",
                             email);
    th_resp r;
    it_call("POST", "/signup/basic", NULL, body, &r);
    it_assert_envelope(&r, 200, "success");
    json_t *user = json_object_get(it_data(&r), "user");
    json_t *tokens = json_object_get(it_data(&r), "tokens");
    char *lower = mf_strdup(email);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    assert_string_equal(it_str(user, "email", NULL), lower);
    assert_string_equal(it_str(user, "name", NULL), "Ann");
    assert_string_equal(it_str(user, "profilePicUrl", NULL), "https://example.com/p.png");
    assert_true(strlen(it_str(user, "id", NULL)) == 36);
    assert_null(json_object_get(user, "password"));
    assert_null(json_object_get(user, "passwordHash"));
    /* Unknown fields are ignored: the new user is a LEARNER, not an ADMIN. */
    json_t *roles = json_object_get(user, "roles");
    assert_int_equal(json_array_size(roles), 1);
    assert_string_equal(it_str(json_array_get(roles, 0), "code", NULL), "LEARNER");
    assert_non_null(it_str(json_array_get(roles, 0), "id", NULL));
    assert_non_null(it_str(tokens, "accessToken", NULL));
    assert_non_null(it_str(tokens, "refreshToken", NULL));
    /* Claims as the contract says. */
    json_t *claims = it_token_payload(it_str(tokens, "accessToken", NULL));
    assert_string_equal(it_str(claims, "sub", NULL), it_str(user, "id", NULL));
    assert_string_equal(it_str(claims, "iss", NULL), "api.goserve.afteracademy.com");
    assert_string_equal(json_string_value(json_array_get(json_object_get(claims, "aud"), 0)),
                        "goserve.afteracademy.com");
    assert_int_equal(strlen(it_str(claims, "jti", NULL)), 64);
    json_int_t iat = json_integer_value(json_object_get(claims, "iat"));
    assert_int_equal(json_integer_value(json_object_get(claims, "exp")) - iat, 172800);
    json_decref(claims);
    claims = it_token_payload(it_str(tokens, "refreshToken", NULL));
    assert_int_equal(json_integer_value(json_object_get(claims, "exp")) - iat, 604800);
    json_decref(claims);
    th_resp_release(&r);

    /* Same email again, in any case: refused. */
    it_call("POST", "/signup/basic", NULL, body, &r);
    it_assert_envelope(&r, 400, "user already registered");
    th_resp_release(&r);
    char *body2 =
        mf_asprintf("{\"email\":\"%s\",\"password\":\"secret1\",\"name\":\"Ann\"}", lower);
    it_call("POST", "/signup/basic", NULL, body2, &r);
    it_assert_envelope(&r, 400, "user already registered");
    th_resp_release(&r);
    free(body2);
    free(lower);
    free(body);
    free(email);
}

static void test_signin(void **state)
{
    (void)state;
    it_user u;
    it_signup(&u, "signin");
    th_resp r;
    it_call("POST", "/signin/basic", NULL, "{}", &r);
    it_assert_envelope(&r, 400, "email is required, password is required");
    th_resp_release(&r);

    /* Unknown email and wrong password: the same answer. */
    char *unknown = it_unique_email("nobody");
    char *b1 = mf_asprintf("{\"email\":\"%s\",\"password\":\"secret-pw-1\"}", unknown);
    char *b2 = mf_asprintf("{\"email\":\"%s\",\"password\":\"wrong-pw-1\"}", u.email);
    it_call("POST", "/signin/basic", NULL, b1, &r);
    it_assert_envelope(&r, 401, "invalid email or password");
    th_resp_release(&r);
    it_call("POST", "/signin/basic", NULL, b2, &r);
    it_assert_envelope(&r, 401, "invalid email or password");
    th_resp_release(&r);
    free(b1);
    free(b2);
    free(unknown);

    /* Success, with the email in upper case; each sign-in is a new session. */
    char *upper = mf_strdup(u.email);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", upper, u.password);
    it_call("POST", "/signin/basic", NULL, body, &r);
    it_assert_envelope(&r, 200, "success");
    json_t *user = json_object_get(it_data(&r), "user");
    assert_string_equal(it_str(user, "id", NULL), u.id);
    assert_string_equal(it_str(user, "email", NULL), u.email);
    char *a1 = mf_strdup(it_str(it_data(&r), "tokens", "accessToken"));
    th_resp_release(&r);
    it_call("POST", "/signin/basic", NULL, body, &r);
    it_assert_envelope(&r, 200, "success");
    const char *a2 = it_str(it_data(&r), "tokens", "accessToken");
    assert_string_not_equal(a1, a2);
    /* Both sessions are alive, and the sign-up one too. */
    th_resp p;
    const char *toks[] = {a1, a2, u.access};
    for (int i = 0; i < 3; i++) {
        it_call("GET", "/profile/mine", toks[i], NULL, &p);
        it_assert_envelope(&p, 200, "success");
        th_resp_release(&p);
    }
    th_resp_release(&r);
    free(a1);
    free(body);
    free(upper);
    it_user_release(&u);
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
