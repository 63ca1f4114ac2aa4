/*
 * Sign-in throttling (API.md section 3), on a private auth-service instance with low limits:
 * failed attempts per email, and every attempt per client address (the X-Forwarded-For the
 * gateway sets), each answered 429 "too many requests" with Retry-After, before any bcrypt;
 * another email or address is not held up. And the field bounds of profilePicUrl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "gateway.h"
#include "harness.h"
#include "micro/alloc.h"

static th_instance in;

static int stop_instance(void **state)
{
    (void)state;
    th_instance_stop(&in);
    return 0;
}

/* POST /signin/basic with X-Forwarded-For addr (none when NULL); the status. */
static long signin(const char *email, const char *password, const char *addr, th_resp *out)
{
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    char *hdr = addr ? mf_asprintf("X-Forwarded-For: %s", addr) : NULL;
    th_call_opts o = {.header = hdr};
    th_resp r = th_call_opt(in.api, "POST", "/signin/basic", &o, body);
    long st = r.status;
    if (out)
        *out = r;
    else
        th_resp_release(&r);
    free(hdr);
    free(body);
    return st;
}

static void expect_limited(th_resp *r)
{
    th_expect_env(r, 429, "too many requests");
    th_resp_release(r);
}

static void test_failures_per_email(void **state)
{
    (void)state;
    const char *ov[] = {"SIGNIN_MAX_FAILURES=2", "SIGNIN_MAX_PER_ADDR=0", NULL};
    th_instance_start(&in, "auth", ov);
    th_user u, other;
    th_signup(th_api_auth(), &u, "throttle-email");
    th_signup(th_api_auth(), &other, "throttle-other");
    for (int i = 0; i < 2; i++)
        assert_int_equal(signin(u.email, "wrong-password", NULL, NULL), 401);
    /* the limit holds even for the right password: an attacker must not keep guessing */
    th_resp r;
    assert_int_equal(signin(u.email, TH_USER_PASSWORD, NULL, &r), 429);
    expect_limited(&r);
    /* another account is not affected */
    assert_int_equal(signin(other.email, TH_USER_PASSWORD, NULL, NULL), 200);
    /* successful sign-ins do not count */
    for (int i = 0; i < 4; i++)
        assert_int_equal(signin(other.email, TH_USER_PASSWORD, NULL, NULL), 200);
    th_user_release(&u);
    th_user_release(&other);
}

static void test_attempts_per_address(void **state)
{
    (void)state;
    const char *ov[] = {"SIGNIN_MAX_FAILURES=0", "SIGNIN_MAX_PER_ADDR=3", NULL};
    th_instance_start(&in, "auth", ov);
    th_user u;
    th_signup(th_api_auth(), &u, "throttle-addr");
    for (int i = 0; i < 3; i++)
        assert_int_equal(signin(u.email, TH_USER_PASSWORD, "198.51.100.7", NULL), 200);
    th_resp r;
    assert_int_equal(signin(u.email, TH_USER_PASSWORD, "198.51.100.7", &r), 429);
    expect_limited(&r);
    /* unknown emails cost bcrypt too: they count the same */
    assert_int_equal(signin("nobody-throttle@example.com", "whatever1", "198.51.100.7", &r), 429);
    expect_limited(&r);
    /* another client address signs in */
    assert_int_equal(signin(u.email, TH_USER_PASSWORD, "198.51.100.8", NULL), 200);
    th_user_release(&u);
}

static void test_retry_after(void **state)
{
    (void)state;
    const char *ov[] = {"SIGNIN_MAX_FAILURES=1", "SIGNIN_MAX_PER_ADDR=0", NULL};
    th_instance_start(&in, "auth", ov);
    th_user u;
    th_signup(th_api_auth(), &u, "throttle-retry");
    assert_int_equal(signin(u.email, "wrong-password", NULL, NULL), 401);
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", u.email, TH_USER_PASSWORD);
    char *req =
        mf_asprintf("POST /signin/basic HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                    "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                    strlen(body), body);
    char *raw = th_raw_http(in.api.port, req);
    if (strncmp(raw, "HTTP/1.1 429 ", 13) != 0)
        fail_msg("want 429: %.300s", raw);
    const char *ra = strcasestr(raw, "\r\nRetry-After: ");
    assert_non_null(ra);
    int secs = atoi(ra + 15);
    assert_true(secs >= 1 && secs <= 60);
    assert_non_null(strstr(raw, "\"too many requests\""));
    free(raw);
    free(req);
    free(body);
    th_user_release(&u);
}

static void test_profile_pic_bounds(void **state)
{
    (void)state;
    char *email = th_unique_email("bounds");
    char *long_url = mf_malloc(600);
    snprintf(long_url, 600, "https://img.example.com/%0*d", 480, 0);
    assert_int_equal(strlen(long_url), 504);
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"secret-pw-1\",\"name\":\"Bounds\","
                             "\"profilePicUrl\":\"%s\"}",
                             email, long_url);
    th_expect(th_api_auth(), "POST", "/signup/basic", NULL, body, 400,
              "profilepicurl must be at most 500 characters");
    free(body);
    body = mf_asprintf("{\"email\":\"%s\",\"password\":\"secret-pw-1\",\"name\":\"Bounds\","
                       "\"profilePicUrl\":\"javascript:alert(1)\"}",
                       email);
    th_expect(th_api_auth(), "POST", "/signup/basic", NULL, body, 400,
              "profilepicurl is not a valid URL");
    free(body);
    th_user u;
    th_signup(th_api_auth(), &u, "bounds-ok");
    body = mf_asprintf("{\"profilePicUrl\":\"%s\"}", long_url);
    th_expect(th_api_auth(), "PUT", "/profile/mine", u.access, body, 400,
              "profilepicurl must be at most 500 characters");
    free(body);
    th_expect(th_api_auth(), "PUT", "/profile/mine", u.access,
              "{\"profilePicUrl\":\"https://img.example.com/me.png\"}", 200,
              "profile updated successfully");
    th_user_release(&u);
    free(long_url);
    free(email);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_failures_per_email, stop_instance),
        cmocka_unit_test_teardown(test_attempts_per_address, stop_instance),
        cmocka_unit_test_teardown(test_retry_after, stop_instance),
        cmocka_unit_test(test_profile_pic_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
