/* Bearer authentication, token refresh and signout over HTTP: every 401 message, forged
 * tokens (alg none, HS256 keyed with the public key, tampered payload, wrong iss/aud,
 * expired, nbf in the future, unknown session), refresh rotation and reuse, and that a
 * signed-out token dies although its session was cached. */
#include <openssl/hmac.h>

#include "auth_it.h"

#define ISS "api.goserve.afteracademy.com"
#define AUD "goserve.afteracademy.com"

/* 401 msg for a call with token, or with raw_auth as the whole Authorization line. */
#define expect_401(method, path, token, raw_auth, body, msg)                                       \
    expect_401_at(__LINE__, (method), (path), (token), (raw_auth), (body), (msg))
static void expect_401_at(int line, const char *method, const char *path, const char *token,
                          const char *raw_auth, const char *body, const char *msg)
{
    th_call_opts o = {.token = token, .header = raw_auth};
    th_resp r = th_call_opt(th_api_auth(), method, path, &o, body);
    th_expect_env_at(__FILE__, line, &r, 401, msg);
    th_resp_release(&r);
}

static void test_authorization_header(void **state)
{
    (void)state;
    expect_401("GET", "/profile/mine", NULL, NULL, NULL,
               "permission denied: missing Authorization");
    const char *bad[] = {"Authorization: Basic abc", "Authorization: Bearer",
                         "Authorization: bearer abc", "Authorization: Token x.y.z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_401("GET", "/profile/mine", NULL, bad[i], NULL,
                   "permission denied: invalid Authorization");
    expect_401("GET", "/profile/mine", "garbage", NULL, NULL,
               "permission denied: invalid access token");
    expect_401("DELETE", "/signout", NULL, NULL, NULL, "permission denied: missing Authorization");
}

static char *claims_json(const char *sub, const char *jti, const char *iss, const char *aud,
                         long iat, long nbf, long exp)
{
    return mf_asprintf("{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":[\"%s\"],\"iat\":%ld,"
                       "\"nbf\":%ld,\"exp\":%ld,\"jti\":\"%s\"}",
                       iss, sub, aud, iat, nbf, exp, jti);
}

static void test_forged_tokens(void **state)
{
    (void)state;
    th_user u;
    th_signup(th_api_auth(), &u, "forged");
    json_t *c = it_token_payload(u.access);
    const char *jti = th_jstr(c, "jti");
    long now = (long)(mf_now_ms() / 1000);
    const char *msg = "permission denied: invalid access token";
    const char *rs = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";

    /* Control: a token we sign ourselves for the live session is accepted. */
    char *p = claims_json(u.id, jti, ISS, AUD, now - 5, now - 5, now + 600);
    char *tok = it_sign_rs256(rs, p);
    th_expect(th_api_auth(), "GET", "/profile/mine", tok, NULL, 200, "success");
    free(tok);

    /* alg none, no signature. */
    const char *none = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
    char *h = it_b64url(none, strlen(none));
    char *b = it_b64url(p, strlen(p));
    tok = mf_asprintf("%s.%s.", h, b);
    expect_401("GET", "/profile/mine", tok, NULL, NULL, msg);
    free(tok);
    free(h);

    /* HS256 with the public key as the HMAC secret. */
    char *pubpath = th_env_file_value(th_stack("AUTH_ENV_FILE"), "RSA_PUBLIC_KEY_PATH");
    FILE *f = fopen(pubpath, "r");
    assert_non_null(f);
    char pub[8192];
    size_t publen = fread(pub, 1, sizeof(pub), f);
    fclose(f);
    free(pubpath);
    const char *hs = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    h = it_b64url(hs, strlen(hs));
    char *input = mf_asprintf("%s.%s", h, b);
    unsigned char mac[64];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), pub, (int)publen, (unsigned char *)input, strlen(input), mac, &maclen);
    char *s = it_b64url(mac, maclen);
    tok = mf_asprintf("%s.%s", input, s);
    expect_401("GET", "/profile/mine", tok, NULL, NULL, msg);
    free(tok);
    free(s);
    free(input);
    free(h);
    free(b);

    /* Tampered payload: the real token's signature over another user's claims. */
    th_user v;
    th_signup(th_api_auth(), &v, "victim");
    char *pv = claims_json(v.id, jti, ISS, AUD, now - 5, now - 5, now + 600);
    char *pb = it_b64url(pv, strlen(pv));
    const char *d1 = strchr(u.access, '.'), *d2 = strrchr(u.access, '.');
    tok = mf_asprintf("%.*s.%s%s", (int)(d1 - u.access), u.access, pb, d2);
    expect_401("GET", "/profile/mine", tok, NULL, NULL, msg);
    free(tok);
    free(pb);
    free(pv);

    /* Properly signed but with bad claims. */
    char *bad[] = {
        claims_json(u.id, jti, "evil.example", AUD, now - 5, now - 5, now + 600),
        claims_json(u.id, jti, ISS, "other.example", now - 5, now - 5, now + 600),
        claims_json(u.id, jti, ISS, AUD, now - 700, now - 700, now - 100), /* expired */
        claims_json(u.id, jti, ISS, AUD, now, now + 3600, now + 7200),     /* nbf future */
        claims_json(v.id, jti, ISS, AUD, now - 5, now - 5, now + 600),     /* other user's sub */
        claims_json(u.id, "0123456789abcdef", ISS, AUD, now - 5, now - 5,
                    now + 600), /* no session */
        claims_json("not-a-uuid", jti, ISS, AUD, now - 5, now - 5, now + 600),
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tok = it_sign_rs256(rs, bad[i]);
        expect_401("GET", "/profile/mine", tok, NULL, NULL, msg);
        free(tok);
        free(bad[i]);
    }
    /* RS256 signature but a header naming another alg. */
    tok = it_sign_rs256("{\"alg\":\"RS512\",\"typ\":\"JWT\"}", p);
    expect_401("GET", "/profile/mine", tok, NULL, NULL, msg);
    free(tok);

    /* The refresh token is not an access token for another session. */
    expect_401("GET", "/profile/mine", u.refresh, NULL, NULL, msg);
    free(p);
    json_decref(c);
    th_user_release(&v);
    th_user_release(&u);
}

static char *refresh_body(const char *refresh)
{
    return mf_asprintf("{\"refreshToken\":\"%s\"}", refresh);
}

static void test_refresh_errors(void **state)
{
    (void)state;
    th_user u, w;
    th_signup(th_api_auth(), &u, "refresh-err");
    th_signup(th_api_auth(), &w, "refresh-other");
    th_expect(th_api_auth(), "POST", "/token/refresh", u.access, "{}", 400,
              "refreshtoken is required");
    char *body = refresh_body(u.refresh);
    expect_401("POST", "/token/refresh", NULL, NULL, body,
               "permission denied: missing Authorization");
    expect_401("POST", "/token/refresh", NULL, "Authorization: Basic x", body,
               "permission denied: invalid Authorization");
    expect_401("POST", "/token/refresh", "x.y.z", NULL, body,
               "permission denied: invalid access token");
    char *junk = refresh_body("x.y.z");
    expect_401("POST", "/token/refresh", u.access, NULL, junk,
               "permission denied: invalid refresh token");
    free(junk);
    /* Another user's refresh token. */
    char *other = refresh_body(w.refresh);
    expect_401("POST", "/token/refresh", u.access, NULL, other,
               "permission denied: access and refresh claims mismatch");
    free(other);
    /* Access token as refresh token: same user, but not this session's pair. */
    char *swapped = refresh_body(u.access);
    expect_401("POST", "/token/refresh", u.access, NULL, swapped,
               "permission denied: invalid refresh token");
    free(swapped);
    /* An expired refresh token (signed with the real key) is refused. */
    json_t *rc = it_token_payload(u.refresh);
    long now = (long)(mf_now_ms() / 1000);
    char *p = claims_json(u.id, th_jstr(rc, "jti"), ISS, AUD, now - 100, now - 100, now - 1);
    char *expired = it_sign_rs256("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", p);
    char *eb = refresh_body(expired);
    expect_401("POST", "/token/refresh", u.access, NULL, eb,
               "permission denied: invalid refresh token");
    free(eb);
    free(expired);
    free(p);
    json_decref(rc);
    /* None of the failures killed the session. */
    th_expect(th_api_auth(), "POST", "/token/refresh", u.access, body, 200, "success");
    free(body);
    th_user_release(&u);
    th_user_release(&w);
}

static void test_refresh_rotation_and_reuse(void **state)
{
    (void)state;
    th_user u;
    th_signup(th_api_auth(), &u, "refresh");
    /* Warm the session cache with the old access token. */
    th_api auth = th_api_auth();
    th_expect(auth, "GET", "/profile/mine", u.access, NULL, 200, "success");

    char *body = refresh_body(u.refresh);
    th_resp r = th_call(auth, "POST", "/token/refresh", u.access, body);
    th_expect_env(&r, 200, "success");
    const char *na = th_jstr(th_data(&r), "accessToken");
    const char *nr = th_jstr(th_data(&r), "refreshToken");
    assert_non_null(na);
    assert_non_null(nr);
    assert_string_not_equal(na, u.access);
    char *new_access = mf_strdup(na), *new_refresh = mf_strdup(nr);
    th_resp_release(&r);

    /* Old pair is dead: reuse is refused, the old access token no longer works. */
    r = th_call(auth, "POST", "/token/refresh", u.access, body);
    assert_int_equal(r.status, 401);
    th_resp_release(&r);
    expect_401("GET", "/profile/mine", u.access, NULL, NULL,
               "permission denied: invalid access token");
    /* Old access token with the new refresh token: not a pair. */
    char *mixed = refresh_body(new_refresh);
    r = th_call(auth, "POST", "/token/refresh", u.access, mixed);
    assert_int_equal(r.status, 401);
    th_resp_release(&r);
    /* The new ones work, and can be refreshed in turn. */
    r = th_call(auth, "GET", "/profile/mine", new_access, NULL);
    th_expect_env(&r, 200, "success");
    assert_string_equal(th_jstr(th_data(&r), "id"), u.id);
    th_resp_release(&r);
    th_expect(auth, "POST", "/token/refresh", new_access, mixed, 200, "success");
    free(mixed);
    free(new_access);
    free(new_refresh);
    free(body);
    th_user_release(&u);
}

static void test_refresh_with_expired_access_token(void **state)
{
    (void)state;
    /* The access token may be expired: only its signature and the session pair matter. The
     * stack's tokens live 2 days, so an expired twin of the live access token is signed with
     * the stack's key (same jti, exp in the past). */
    th_user u;
    th_signup(th_api_auth(), &u, "expired-access");
    json_t *c = it_token_payload(u.access);
    long now = (long)(mf_now_ms() / 1000);
    char *p = claims_json(u.id, th_jstr(c, "jti"), ISS, AUD, now - 200, now - 200, now - 100);
    char *expired = it_sign_rs256("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", p);
    expect_401("GET", "/profile/mine", expired, NULL, NULL,
               "permission denied: invalid access token");
    char *body = refresh_body(u.refresh);
    th_expect(th_api_auth(), "POST", "/token/refresh", expired, body, 200, "success");
    free(body);
    free(expired);
    free(p);
    json_decref(c);
    th_user_release(&u);
}

static void test_signout(void **state)
{
    (void)state;
    th_user u;
    th_signup(th_api_auth(), &u, "signout");
    /* A second session of the same user survives the first one's signout. */
    th_api auth = th_api_auth();
    th_user s2 = {0};
    assert_int_equal(th_signin(auth, &s2, u.email, u.password), 200);
    /* Cached now. */
    for (int i = 0; i < 2; i++)
        th_expect(auth, "GET", "/profile/mine", u.access, NULL, 200, "success");
    th_resp r = th_call(auth, "DELETE", "/signout", u.access, NULL);
    th_expect_env(&r, 200, "signout success");
    assert_null(json_object_get(r.json, "data"));
    th_resp_release(&r);
    expect_401("GET", "/profile/mine", u.access, NULL, NULL,
               "permission denied: invalid access token");
    expect_401("DELETE", "/signout", u.access, NULL, NULL,
               "permission denied: invalid access token");
    /* Its refresh token died with it. */
    char *body = refresh_body(u.refresh);
    r = th_call(auth, "POST", "/token/refresh", u.access, body);
    assert_int_equal(r.status, 401);
    th_resp_release(&r);
    free(body);
    th_expect(auth, "GET", "/profile/mine", s2.access, NULL, 200, "success");
    th_user_release(&s2);
    th_user_release(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authorization_header),
        cmocka_unit_test(test_forged_tokens),
        cmocka_unit_test(test_refresh_errors),
        cmocka_unit_test(test_refresh_rotation_and_reuse),
        cmocka_unit_test(test_refresh_with_expired_access_token),
        cmocka_unit_test(test_signout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
