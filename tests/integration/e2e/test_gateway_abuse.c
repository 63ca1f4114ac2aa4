/*
 * The gateway tried as an attacker would (issue: "a gateway that cannot be talked around"):
 * every answer nginx makes itself is an envelope, even for requests it cannot parse; headers
 * are bounded below what a service takes; rate limits count a key as auth-service identifies
 * it, whatever the spelling of the header; everything without a valid key (no key, an invalid
 * key, the keyless health checks) and key checks that miss the verdict cache are limited per
 * client address; a disabled key is refused within 2 s.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "gateway.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"

#define MSG_MISSING_KEY "x-api-key header is missing"
#define MSG_INVALID_KEY "permission denied: invalid x-api-key"
#define LATEST          "/blog/list/latest?page=1&limit=5"

static int gw_port; /* the stack's gateway, default settings */
static const char *api_key;
static int auth_port, blog_port;
static th_gateway own;

static int teardown_own(void **state)
{
    (void)state;
    th_gw_stop(&own);
    return 0;
}

/* Checks a raw HTTP response: status line, JSON content type, and the envelope. */
static void expect_raw_env(const char *raw, int status, const char *message)
{
    char line[32];
    snprintf(line, sizeof(line), "HTTP/1.1 %d ", status);
    if (strncmp(raw, line, strlen(line)) != 0)
        fail_msg("want %s..., got: %.300s", line, raw);
    if (!strstr(raw, "Content-Type: application/json; charset=utf-8"))
        fail_msg("no JSON content type: %.300s", raw);
    const char *body = strstr(raw, "\r\n\r\n");
    assert_non_null(body);
    json_t *j = json_loads(body + 4, 0, NULL);
    if (!j)
        fail_msg("body is not JSON: %.300s", body + 4);
    assert_string_equal(json_string_value(json_object_get(j, "code")), "10001");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), status);
    assert_string_equal(json_string_value(json_object_get(j, "message")), message);
    json_decref(j);
}

/* GET path with the given extra header lines (each "Name: value\r\n", may be ""). */
static char *raw_get(int port, const char *path, const char *headers)
{
    char *req = mf_asprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: %s\r\n%s"
                            "Connection: close\r\n\r\n",
                            path, api_key, headers);
    char *raw = th_raw_http(port, req);
    free(req);
    return raw;
}

/* n copies of c (heap). */
static char *fill(size_t n, char c)
{
    char *s = mf_malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ---- envelopes for what nginx cannot parse or will not take ------------------------------ */

static void test_request_line_errors_are_envelopes(void **state)
{
    (void)state;
    const char *paths[] = {"/blog/%zz", "/blog/id/%00", "/blog/../../x", "/blog/a b", "/auth/%"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        char *raw = raw_get(gw_port, paths[i], "");
        expect_raw_env(raw, 400, "bad request");
        free(raw);
    }
}

static void test_oversized_requests_are_envelopes(void **state)
{
    (void)state;
    char *big = fill(9000, 'a');
    char *path = mf_asprintf("/blog/%s", big);
    char *raw = raw_get(gw_port, path, "");
    expect_raw_env(raw, 414, "request URI too long");
    free(raw);
    free(path);

    char *hdr = mf_asprintf("x-big: %s\r\n", big);
    raw = raw_get(gw_port, LATEST, hdr);
    expect_raw_env(raw, 431, "request header fields too large");
    free(raw);
    free(hdr);
    free(big);

    /* Lines the gateway takes one by one, but more of them than a service's connection pool
     * holds (libmicrohttpd's 431 is an HTML page): the gateway refuses them itself. */
    char *line = fill(2900, 'b');
    char *five = mf_asprintf("x-a: %s\r\nx-b: %s\r\nx-c: %s\r\nx-d: %s\r\nx-e: %s\r\n", line, line,
                             line, line, line);
    raw = raw_get(gw_port, LATEST, five);
    expect_raw_env(raw, 431, "request header fields too large");
    free(raw);
    free(five);
    /* What it lets through, the service takes. */
    char *three = mf_asprintf("x-a: %s\r\nx-b: %s\r\nx-c: %s\r\n", line, line, line);
    raw = raw_get(gw_port, LATEST, three);
    if (strncmp(raw, "HTTP/1.1 200 ", 13) != 0 || !strstr(raw, "\"message\":\"success\""))
        fail_msg("9 KB of headers within the gateway's limits: %.300s", raw);
    free(raw);
    free(three);
    free(line);
}

/* ---- rate limits ------------------------------------------------------------------------- */

/* Requests until the first 429 (at most max); returns how many were answered before it, or -1
 * when none was limited. The 429 must be the envelope, with Retry-After. */
static int until_limited(int port, const char *path, const char *const *keys, int max)
{
    for (int i = 0; i < max; i++) {
        const char *key = keys ? keys[i % 8] : NULL;
        char *hdr = key ? mf_asprintf("x-api-key: %s\r\n", key) : mf_strdup("");
        char *req = mf_asprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n",
                                path, hdr);
        char *raw = th_raw_http(port, req);
        bool limited = strncmp(raw, "HTTP/1.1 429 ", 13) == 0;
        if (limited) {
            expect_raw_env(raw, 429, "too many requests");
            if (!strstr(raw, "Retry-After: "))
                fail_msg("429 without Retry-After: %.300s", raw);
        }
        free(raw);
        free(req);
        free(hdr);
        if (limited)
            return i;
    }
    return -1;
}

static const char *const slow_key_rate[] = {"GATEWAY_RATE_LIMIT=2r/s", "GATEWAY_RATE_BURST=1",
                                            NULL};

static void test_spellings_of_a_key_share_its_limit(void **state)
{
    (void)state;
    th_gw_start(&own, auth_port, blog_port, slow_key_rate);
    /* Each spelling verifies as the dev key; each used to get a bucket of its own. */
    char *spelled[8];
    const char *pad[] = {"\t", "\t\t", " \t", "\t ", "  \t", "\t\t\t", "   ", "\t  \t"};
    for (int i = 0; i < 8; i++)
        spelled[i] = mf_asprintf("%s%s", pad[i], api_key);
    int passed = until_limited(own.port, LATEST, (const char *const *)spelled, 8);
    if (passed < 0 || passed > 3)
        fail_msg("8 spellings of one key at 2 r/s (burst 1): %d passed before a 429", passed);
    for (int i = 0; i < 8; i++)
        free(spelled[i]);
}

static const char *const slow_anon_rate[] = {
    "GATEWAY_ANON_RATE_LIMIT=2r/s", "GATEWAY_ANON_RATE_BURST=1", "GATEWAY_RATE_LIMIT=1000r/s",
    "GATEWAY_RATE_BURST=1000", NULL};

static void test_health_checks_limited_per_address(void **state)
{
    (void)state;
    th_gw_start(&own, auth_port, blog_port, slow_anon_rate);
    int passed = until_limited(own.port, "/blog/health", NULL, 8);
    if (passed < 0 || passed > 3)
        fail_msg("keyless health checks at 2 r/s (burst 1): %d passed before a 429", passed);
    /* A client with a valid key is not held up by that address's keyless traffic. */
    th_expect(th_api_with_key((th_api){.port = own.port}, api_key), "GET", LATEST, NULL, NULL, 200,
              "success");
}

static void test_missing_key_limited_per_address(void **state)
{
    (void)state;
    th_gw_start(&own, auth_port, blog_port, slow_anon_rate);
    th_expect((th_api){.port = own.port}, "GET", LATEST, NULL, NULL, 401, MSG_MISSING_KEY);
    int passed = until_limited(own.port, LATEST, NULL, 8);
    if (passed < 0 || passed > 2)
        fail_msg("requests without a key at 2 r/s (burst 1): %d passed before a 429", passed);
}

static void test_invalid_key_limited_per_address(void **state)
{
    (void)state;
    th_gw_start(&own, auth_port, blog_port, slow_anon_rate);
    const char *bad[] = {"abuse-bad-key", "abuse-bad-key", "abuse-bad-key", "abuse-bad-key",
                         "abuse-bad-key", "abuse-bad-key", "abuse-bad-key", "abuse-bad-key"};
    th_expect(th_api_with_key((th_api){.port = own.port}, bad[0]), "GET", LATEST, NULL, NULL, 403,
              MSG_INVALID_KEY);
    int passed = until_limited(own.port, LATEST, bad, 8);
    if (passed < 0 || passed > 2)
        fail_msg("requests with an invalid key at 2 r/s (burst 1): %d passed before a 429", passed);
}

static void test_key_check_misses_limited_before_auth(void **state)
{
    (void)state;
    const char *vars[] = {"GATEWAY_KEY_MISS_RATE_LIMIT=2r/s", "GATEWAY_KEY_MISS_RATE_BURST=1",
                          "GATEWAY_ANON_RATE_LIMIT=1000r/s", "GATEWAY_ANON_RATE_BURST=1000", NULL};
    th_gw_start(&own, auth_port, blog_port, vars);
    char *prefix = th_random_hex(6);
    int limited = 0, refused = 0;
    for (int i = 0; i < 10; i++) {
        /* a fresh key each time: never in the verdict cache */
        char *key = mf_asprintf("abuse-random-%s-%d", prefix, i);
        char *rid = mf_asprintf("%s-%d", prefix, i);
        th_call_opts o = {.request_id = rid};
        th_resp c =
            th_call_opt(th_api_with_key((th_api){.port = own.port}, key), "GET", LATEST, &o, NULL);
        if (c.status == 429) {
            th_expect_env(&c, 429, "too many requests");
            limited++;
        } else {
            th_expect_env(&c, 403, MSG_INVALID_KEY);
            refused++;
        }
        th_resp_release(&c);
        free(rid);
        free(key);
    }
    assert_true(limited >= 6);
    /* Only the checks that were let through reached auth-service. */
    assert_int_equal(th_verify_count(auth_port, prefix), refused);
    free(prefix);
}

/* ---- a disabled key ---------------------------------------------------------------------- */

typedef struct {
    const char *key;
    int64_t refused_at;
} stream_state;

static bool refused_now(void *ctx)
{
    stream_state *s = ctx;
    th_resp c =
        th_call(th_api_with_key((th_api){.port = gw_port}, s->key), "GET", LATEST, NULL, NULL);
    bool refused = c.status == 403;
    if (refused)
        th_expect_env(&c, 403, MSG_INVALID_KEY);
    else
        th_expect_env(&c, 200, "success");
    th_resp_release(&c);
    if (refused)
        s->refused_at = mf_mono_ms();
    return refused;
}

static void test_disabled_key_refused_within_2s(void **state)
{
    (void)state;
    char *out = NULL;
    const char *create[] = {"create-apikey", "--comment", "abuse: disabled while in use", NULL};
    assert_int_equal(th_service_run("auth", NULL, create, &out), 0);
    char *key = th_find_apikey(out);
    free(out);
    assert_non_null(key);
    stream_state s = {.key = key};
    /* requests stream through the stack's gateway (default verdict lifetime) */
    for (int i = 0; i < 20; i++)
        assert_false(refused_now(&s));
    const char *disable[] = {"disable-apikey", key, NULL};
    assert_int_equal(th_service_run("auth", NULL, disable, &out), 0);
    free(out);
    int64_t disabled_at = mf_mono_ms();
    if (!th_poll(refused_now, &s, 5000))
        fail_msg("a disabled key still passes the gateway 5 s later");
    if (s.refused_at - disabled_at > 2000)
        fail_msg("a disabled key was refused only after %lld ms (API.md: 2 s)",
                 (long long)(s.refused_at - disabled_at));
    free(key);
}

static int setup(void **state)
{
    (void)state;
    gw_port = atoi(th_stack("GATEWAY_PORT"));
    api_key = th_stack("DEV_API_KEY");
    auth_port = atoi(th_stack("AUTH_PORT"));
    blog_port = atoi(th_stack("BLOG_PORT"));
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_line_errors_are_envelopes),
        cmocka_unit_test(test_oversized_requests_are_envelopes),
        cmocka_unit_test_teardown(test_spellings_of_a_key_share_its_limit, teardown_own),
        cmocka_unit_test_teardown(test_health_checks_limited_per_address, teardown_own),
        cmocka_unit_test_teardown(test_missing_key_limited_per_address, teardown_own),
        cmocka_unit_test_teardown(test_invalid_key_limited_per_address, teardown_own),
        cmocka_unit_test_teardown(test_key_check_misses_limited_before_auth, teardown_own),
        cmocka_unit_test(test_disabled_key_refused_within_2s),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
