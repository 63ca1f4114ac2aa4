/*
 * The gateway's own behaviour (API.md sections 1 and 2): the x-api-key check and its exact
 * health bypass, envelopes for every error nginx produces itself, request ids kept or
 * generated and logged on both sides, no redirects, body and rate limits, and what happens
 * when an upstream is down, silent or the key check cannot be made.
 *
 * The first group talks to the stack's gateway. Cases that need other gateway settings start
 * their own nginx from the same template (gateway/render) with upstreams pointing at the
 * stack's real services, at a port nobody listens on, or at a socket that accepts and never
 * answers.
 */
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "gateway.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#define MSG_MISSING_KEY "x-api-key header is missing"
#define MSG_INVALID_KEY "permission denied: invalid x-api-key"
#define LOG_TIMEOUT_MS  10000 /* the access log is flushed every second */

static int gw_port;         /* the stack's gateway */
static const char *api_key; /* the dev key */
static int auth_port, blog_port;
static char rnd[17]; /* makes request ids and keys unique per run */

/* ---- HTTP ---------------------------------------------------------------------------------- */

/* 127.0.0.1:port with key as x-api-key (none when NULL). */
static th_api at(int port, const char *key)
{
    return th_api_with_key((th_api){.port = port}, key);
}

/* One request; key and request_id may be NULL (header not sent). */
static th_resp req(int port, const char *method, const char *path, const char *key,
                   const char *request_id, const char *body)
{
    th_call_opts o = {.request_id = request_id};
    return th_call_opt(at(port, key), method, path, &o, body);
}

/* ---- log files ----------------------------------------------------------------------------- */

/* The gateway access-log entry (parsed JSON line) whose request_id is rid; NULL if none yet.
 * Caller decrefs. */
static json_t *access_entry(const char *log, const char *rid, char **raw_line)
{
    FILE *f = fopen(log, "r");
    if (!f)
        return NULL;
    char *line = NULL;
    size_t cap = 0;
    json_t *found = NULL;
    while (!found && getline(&line, &cap, f) >= 0) {
        if (!strstr(line, rid))
            continue;
        json_t *j = json_loads(line, 0, NULL);
        const char *got = json_string_value(json_object_get(j, "request_id"));
        if (got && strcmp(got, rid) == 0) {
            found = j;
            if (raw_line)
                *raw_line = mf_strdup(line);
        } else {
            json_decref(j);
        }
    }
    free(line);
    fclose(f);
    return found;
}

typedef struct {
    const char *log, *rid;
    json_t *entry;
    char *line;
} entry_wait;

static bool entry_found(void *ctx)
{
    entry_wait *w = ctx;
    if (!w->entry)
        w->entry = access_entry(w->log, w->rid, &w->line);
    return w->entry != NULL;
}

/* The private gateway and silent socket of the running test, stopped by its teardown even
 * when the test fails half-way (a SIGKILLed nginx master would orphan its workers). */
static th_gateway own;
static int silent_fd = -1;

static int teardown_own(void **state)
{
    (void)state;
    th_gw_stop(&own);
    if (silent_fd >= 0)
        close(silent_fd);
    silent_fd = -1;
    return 0;
}

/* ---- the stack's gateway ----------------------------------------------------------------- */

static void test_missing_key_401(void **state)
{
    (void)state;
    const char *paths[] = {"/blog/list/latest?page=1&limit=5", "/auth/verify/apikey",
                           "/auth/profile/mine"};
    for (size_t i = 0; i < 3; i++) {
        th_resp c = req(gw_port, "GET", paths[i], NULL, NULL, NULL);
        th_expect_env(&c, 401, MSG_MISSING_KEY);
        assert_null(json_object_get(c.json, "data"));
        th_resp_release(&c);
    }
    th_expect(at(gw_port, NULL), "POST", "/auth/signin/basic", NULL, "{}", 401, MSG_MISSING_KEY);
}

static void test_invalid_key_403(void **state)
{
    (void)state;
    char *bad = mf_asprintf("e2e-invalid-%s", rnd);
    th_expect(at(gw_port, bad), "GET", "/blog/list/latest?page=1&limit=5", NULL, NULL, 403,
              MSG_INVALID_KEY);
    th_expect(at(gw_port, bad), "GET", "/auth/verify/apikey", NULL, NULL, 403, MSG_INVALID_KEY);
    free(bad);
    /* A key that differs from the dev key only in case is another key. */
    char *lower = mf_strdup(api_key);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    th_expect(at(gw_port, lower), "GET", "/blog/list/latest?page=1&limit=5", NULL, NULL, 403,
              MSG_INVALID_KEY);
    free(lower);
    /* The valid key passes. */
    th_expect(at(gw_port, api_key), "GET", "/blog/list/latest?page=1&limit=5", NULL, NULL, 200,
              "success");
}

static void test_health_bypass_exact(void **state)
{
    (void)state;
    const char *open_paths[] = {"/auth/health", "/blog/health"};
    for (size_t i = 0; i < 2; i++) {
        th_resp c = req(gw_port, "GET", open_paths[i], NULL, NULL, NULL);
        th_expect_env(&c, 200, "success");
        assert_string_equal(th_jstr(th_data(&c), "status"), "OK");
        th_resp_release(&c);
    }
    /* Anything else without a key is refused before it reaches a service. */
    const char *method[] = {"POST", "GET", "GET", "GET", "GET", "DELETE"};
    const char *closed[] = {"/auth/health", "/auth/healthz",  "/blog/healthz",
                            "/foo/health",  "/auth/health/x", "/blog/health"};
    for (size_t i = 0; i < 6; i++) {
        th_expect(at(gw_port, NULL), method[i], closed[i], NULL,
                  strcmp(method[i], "POST") == 0 ? "{}" : NULL, 401, MSG_MISSING_KEY);
    }
    /* Dot segments are resolved before the bypass decision (curl would resolve them itself). */
    char *raw = th_raw_http(gw_port, "GET /auth/health/../verify/apikey HTTP/1.1\r\n"
                                     "Host: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if (strncmp(raw, "HTTP/1.1 401", 12) != 0 || !strstr(raw, MSG_MISSING_KEY))
        fail_msg("GET /auth/health/../verify/apikey without key: %.300s", raw);
    free(raw);
}

static void test_trailing_slash_no_redirect(void **state)
{
    (void)state;
    th_resp c = req(gw_port, "GET", "/blog/list/latest/?page=1&limit=5", api_key, NULL, NULL);
    th_expect_env(&c, 200, "success");
    assert_true(json_is_array(th_data(&c)));
    th_resp_release(&c);
    th_expect(at(gw_port, api_key), "GET", "/auth/verify/apikey/", NULL, NULL, 200, "success");
    /* Reaches the route (the service's own 401), not a redirect. */
    th_expect(at(gw_port, api_key), "GET", "/auth/profile/mine/", NULL, NULL, 401,
              "permission denied: missing Authorization");
    th_expect(at(gw_port, NULL), "GET", "/blog/health/", NULL, NULL, 200, "success");
    /* The bare prefixes are unknown paths, not redirects to "/auth/". */
    const char *bare[] = {"/auth", "/blog"};
    for (size_t i = 0; i < 2; i++) {
        th_expect(at(gw_port, api_key), "GET", bare[i], NULL, NULL, 404, "url not found");
    }
}

static void test_unknown_path_404(void **state)
{
    (void)state;
    const char *method[] = {"GET", "GET", "GET", "DELETE", "POST", "GET"};
    const char *paths[] = {"/nothing",          "/auth/nothing",      "/blog/nothing/at/all",
                           "/blog/list/latest", "/auth/profile/mine", "/"};
    for (size_t i = 0; i < 6; i++) {
        th_expect(at(gw_port, api_key), method[i], paths[i], NULL,
                  strcmp(method[i], "POST") == 0 ? "{}" : NULL, 404, "url not found");
    }
}

static void test_request_id_kept_or_generated(void **state)
{
    (void)state;
    char *mine = mf_asprintf("e2e-gw-%s-kept", rnd);
    th_resp c = req(gw_port, "GET", "/blog/list/latest?page=1&limit=5", api_key, mine, NULL);
    th_expect_env(&c, 200, "success");
    assert_string_equal(c.request_id, mine);
    th_resp_release(&c);
    /* Also on the gateway's own errors. */
    c = req(gw_port, "GET", "/nothing", NULL, mine, NULL);
    assert_string_equal(c.request_id, mine);
    th_resp_release(&c);
    free(mine);

    c = req(gw_port, "GET", "/blog/list/latest?page=1&limit=5", api_key, NULL, NULL);
    th_expect_env(&c, 200, "success");
    assert_true(th_is_hex(c.request_id, 32));
    char *first = mf_strdup(c.request_id);
    th_resp_release(&c);
    c = req(gw_port, "GET", "/blog/list/latest?page=1&limit=5", api_key, NULL, NULL);
    assert_true(th_is_hex(c.request_id, 32));
    assert_string_not_equal(c.request_id, first);
    th_resp_release(&c);
    free(first);

    /* An id that could forge log lines is replaced, not passed on. */
    c = req(gw_port, "GET", "/blog/list/latest?page=1&limit=5", api_key, "bad\"id with spaces",
            NULL);
    th_expect_env(&c, 200, "success");
    assert_true(th_is_hex(c.request_id, 32));
    th_resp_release(&c);
}

/* A generated id is in the gateway's access-log line (with key_id, never the key) and in the
 * log line of the service that answered. */
static void check_logged(const char *path, const char *service_log)
{
    th_resp c = req(gw_port, "GET", path, api_key, NULL, NULL);
    assert_true(c.status > 0);
    assert_true(th_is_hex(c.request_id, 32));
    char *rid = mf_strdup(c.request_id);
    th_resp_release(&c);

    char *access = th_stack_path("nginx/logs/access.log");
    entry_wait w = {.log = access, .rid = rid};
    if (!th_poll(entry_found, &w, LOG_TIMEOUT_MS))
        fail_msg("request id %s of GET %s not in %s", rid, path, access);
    const char *key_id = json_string_value(json_object_get(w.entry, "key_id"));
    if (!key_id || !*key_id)
        fail_msg("access-log line of GET %s has no key_id (auth-service must answer "
                 "/verify/apikey with an x-api-key-id header): %s",
                 path, w.line);
    assert_null(strstr(w.line, api_key));
    assert_string_not_equal(key_id, api_key);
    json_decref(w.entry);
    free(w.line);
    free(access);

    char *svc = th_stack_path(service_log);
    if (!th_wait_log(svc, rid, NULL, 1, LOG_TIMEOUT_MS))
        fail_msg("request id %s of GET %s not in %s", rid, path, svc);
    free(svc);
    free(rid);
}

static void test_request_id_in_logs_blog(void **state)
{
    (void)state;
    check_logged("/blog/list/latest?page=1&limit=5", "logs/blog1.log");
}

static void test_request_id_in_logs_auth(void **state)
{
    (void)state;
    check_logged("/auth/profile/id/00000000-0000-4000-8000-000000000000", "logs/auth1.log");
}

/* The key check is a sub-request: it is about the same request and carries the same id. */
static void test_request_id_of_key_check(void **state)
{
    (void)state;
    char *bad = mf_asprintf("e2e-unseen-key-%s", rnd); /* never cached: the check runs */
    th_resp c = req(gw_port, "GET", "/blog/list/latest?page=1&limit=5", bad, NULL, NULL);
    th_expect_env(&c, 403, MSG_INVALID_KEY);
    char *rid = mf_strdup(c.request_id);
    th_resp_release(&c);
    char *svc = th_stack_path("logs/auth1.log");
    if (!th_wait_log(svc, rid, "/verify/apikey", 1, LOG_TIMEOUT_MS))
        fail_msg("the key check of request %s is not logged under that id in %s", rid, svc);
    free(svc);
    free(rid);
    free(bad);
}

static void test_access_log_never_has_keys(void **state)
{
    (void)state;
    char *bad = mf_asprintf("e2e-secret-key-%s", rnd);
    char *rid = mf_asprintf("e2e-gw-%s-secret", rnd);
    th_resp c = req(gw_port, "GET", "/blog/list/latest?page=1&limit=5", bad, rid, NULL);
    th_expect_env(&c, 403, MSG_INVALID_KEY);
    th_resp_release(&c);
    char *access = th_stack_path("nginx/logs/access.log");
    if (!th_wait_log(access, rid, NULL, 1, LOG_TIMEOUT_MS))
        fail_msg("request %s not in %s", rid, access);
    assert_int_equal(th_count_lines(access, bad, NULL), 0);
    assert_int_equal(th_count_lines(access, api_key, NULL), 0);
    free(access);
    free(rid);
    free(bad);
}

static void test_body_over_limit_413(void **state)
{
    (void)state;
    size_t n = 1024 * 1024 + 1;
    char *body = mf_malloc(n + 1);
    memset(body, 'a', n);
    body[0] = '"';
    body[n - 1] = '"';
    body[n] = '\0';
    th_expect(at(gw_port, api_key), "POST", "/auth/signup/basic", NULL, body, 413,
              "request body too large");
    th_expect(at(gw_port, api_key), "PUT", "/blog/author", NULL, body, 413,
              "request body too large");
    free(body);
}

/* ---- private gateways -------------------------------------------------------------------- */

static void test_rate_limit_429(void **state)
{
    (void)state;
    const char *vars[] = {"GATEWAY_RATE_LIMIT=2r/s", "GATEWAY_RATE_BURST=1", NULL};
    th_gw_start(&own, auth_port, blog_port, vars);
    long got[8];
    int limited = 0;
    for (int i = 0; i < 8; i++) {
        th_resp c = req(own.port, "GET", "/blog/list/latest?page=1&limit=5", api_key, NULL, NULL);
        got[i] = c.status;
        if (c.status == 429) {
            th_expect_env(&c, 429, "too many requests");
            limited++;
        } else {
            th_expect_env(&c, 200, "success");
        }
        th_resp_release(&c);
    }
    assert_int_equal(got[0], 200);
    assert_true(limited >= 4);
    /* The limit is per key: another key is not throttled by this one's traffic. */
    th_expect(at(own.port, "e2e-other-key"), "GET", "/blog/list/latest?page=1&limit=5", NULL, NULL,
              403, MSG_INVALID_KEY);
}

/* No replica of a service reachable: 503 "service unavailable" (API.md has no 502), the
 * gateway's own envelope, with Retry-After; the other service keeps answering. */
static void test_upstream_down_503(void **state)
{
    (void)state;
    th_gw_start(&own, auth_port, th_free_port(), NULL);
    for (int i = 0; i < 2; i++) { /* the first try, then with the server marked failed */
        th_expect(at(own.port, api_key), "GET", "/blog/list/latest?page=1&limit=5", NULL, NULL, 503,
                  "service unavailable");
    }
    th_expect(at(own.port, NULL), "GET", "/blog/health", NULL, NULL, 503, "service unavailable");
    th_expect(at(own.port, api_key), "POST", "/blog/author", NULL, "{}", 503,
              "service unavailable");
    char *raw_req = mf_asprintf("GET /blog/list/latest?page=1&limit=5 HTTP/1.1\r\nHost: 127.0.0.1"
                                "\r\nx-api-key: %s\r\nConnection: close\r\n\r\n",
                                api_key);
    char *raw = th_raw_http(own.port, raw_req);
    assert_memory_equal(raw, "HTTP/1.1 503 ", 13);
    const char *ra = strcasestr(raw, "\r\nRetry-After: ");
    assert_non_null(ra);
    assert_true(atoi(ra + strlen("\r\nRetry-After: ")) >= 1);
    free(raw);
    free(raw_req);
    /* The other service is unaffected. */
    th_expect(at(own.port, api_key), "GET", "/auth/verify/apikey", NULL, NULL, 200, "success");
}

static void test_key_check_unreachable_503(void **state)
{
    (void)state;
    th_gw_start(&own, th_free_port(), blog_port, NULL);
    th_expect(at(own.port, api_key), "GET", "/blog/list/latest?page=1&limit=5", NULL, NULL, 503,
              "service unavailable");
    th_expect(at(own.port, api_key), "POST", "/auth/signin/basic", NULL, "{}", 503,
              "service unavailable");
    /* Health needs no key check, so blog's still answers. */
    th_expect(at(own.port, NULL), "GET", "/blog/health", NULL, NULL, 200, "success");
    th_expect(at(own.port, NULL), "GET", "/auth/health", NULL, NULL, 503, "service unavailable");
}

static void test_upstream_timeout_504(void **state)
{
    (void)state;
    int silent_port;
    silent_fd = th_loopback_listener(&silent_port);
    const char *vars[] = {"GATEWAY_UPSTREAM_TIMEOUT=1s", NULL};
    th_gw_start(&own, auth_port, silent_port, vars);
    int64_t t0 = mf_mono_ms();
    th_resp c = req(own.port, "GET", "/blog/list/latest?page=1&limit=5", api_key, NULL, NULL);
    int64_t took = mf_mono_ms() - t0;
    th_expect_env(&c, 504, "gateway timeout");
    th_resp_release(&c);
    assert_true(took >= 900);
    assert_true(took < 8000);
}

static void test_key_cache_valid(void **state)
{
    (void)state;
    const char *vars[] = {"GATEWAY_KEY_TTL_VALID=60s", "GATEWAY_KEY_TTL_INVALID=1s", NULL};
    th_gw_start(&own, auth_port, blog_port, vars);
    char *prefix = mf_asprintf("e2e-kv-%s-", rnd);
    for (int i = 0; i < 20; i++) {
        char *rid = mf_asprintf("%s%d", prefix, i);
        th_resp c = req(own.port, "GET", "/blog/list/latest?page=1&limit=5", api_key, rid, NULL);
        th_expect_env(&c, 200, "success");
        th_resp_release(&c);
        free(rid);
    }
    /* The fresh cache is filled by the first request: one round trip for 20 requests. */
    int n = th_verify_count(auth_port, prefix);
    if (n < 1 || n > 2)
        fail_msg("20 requests with one valid key made %d /verify/apikey requests, want 1", n);
    free(prefix);
}

typedef struct {
    int port;
    const char *key, *prefix;
    int seq;
    int before;
} recheck;

static bool rechecked(void *ctx)
{
    recheck *r = ctx;
    char *rid = mf_asprintf("%s%d", r->prefix, r->seq++);
    th_resp c = req(r->port, "GET", "/blog/list/latest?page=1&limit=5", r->key, rid, NULL);
    th_expect_env(&c, 403, MSG_INVALID_KEY);
    th_resp_release(&c);
    free(rid);
    return th_verify_count(auth_port, r->prefix) > r->before;
}

static void test_key_cache_invalid_ttl(void **state)
{
    (void)state;
    const char *vars[] = {"GATEWAY_KEY_TTL_VALID=60s", "GATEWAY_KEY_TTL_INVALID=1s", NULL};
    th_gw_start(&own, auth_port, blog_port, vars);
    char *prefix = mf_asprintf("e2e-ki-%s-", rnd);
    char *bad = mf_asprintf("e2e-invalid-ttl-%s", rnd);
    recheck r = {.port = own.port, .key = bad, .prefix = prefix};
    int64_t t0 = mf_mono_ms();
    for (int i = 0; i < 3; i++) {
        char *rid = mf_asprintf("%s%d", prefix, r.seq++);
        th_resp c = req(own.port, "GET", "/blog/list/latest?page=1&limit=5", bad, rid, NULL);
        th_expect_env(&c, 403, MSG_INVALID_KEY);
        th_resp_release(&c);
        free(rid);
    }
    /* Three quick requests within the 1 s TTL: the verdict was asked for once. */
    r.before = th_verify_count(auth_port, prefix);
    if (mf_mono_ms() - t0 < 900 && r.before != 1)
        fail_msg("3 requests with one invalid key within its TTL made %d checks, want 1", r.before);
    /* After the TTL the key is asked about again (a key enabled meanwhile would work). */
    if (!th_poll(rechecked, &r, 8000))
        fail_msg("invalid key not re-checked within 8 s (TTL 1 s)");
    assert_true(mf_mono_ms() - t0 >= 900);
    free(prefix);
    free(bad);
}

static bool key_refused(void *ctx)
{
    const recheck *r = ctx;
    th_resp c = req(r->port, "GET", "/blog/list/latest?page=1&limit=5", r->key, NULL, NULL);
    bool refused = c.status == 403;
    if (refused)
        th_expect_env(&c, 403, MSG_INVALID_KEY);
    else
        th_expect_env(&c, 200, "success");
    th_resp_release(&c);
    return refused;
}

/* A verdict asked for again after its TTL replaces the old one (the gateway keeps verdict files
 * open, so this is what shows that a refreshed file is read). */
static void test_key_verdict_refreshed(void **state)
{
    (void)state;
    const char *vars[] = {"GATEWAY_KEY_TTL_VALID=1s", "GATEWAY_KEY_TTL_INVALID=1s", NULL};
    th_gw_start(&own, auth_port, blog_port, vars);
    char *out = NULL;
    const char *create[] = {"create-apikey", "--comment", "gateway verdict refresh", NULL};
    assert_int_equal(th_service_run("auth", NULL, create, &out), 0);
    char *key = th_find_apikey(out);
    free(out);
    assert_non_null(key);
    recheck r = {.port = own.port, .key = key};
    assert_false(key_refused(&r));
    assert_false(key_refused(&r)); /* from the cached verdict */
    const char *disable[] = {"disable-apikey", key, NULL};
    assert_int_equal(th_service_run("auth", NULL, disable, &out), 0);
    free(out);
    if (!th_poll(key_refused, &r, 8000))
        fail_msg("a disabled key still passes 8 s after it was disabled (verdict TTL 1 s)");
    free(key);
}

static int setup(void **state)
{
    (void)state;
    gw_port = atoi(th_stack("GATEWAY_PORT"));
    api_key = th_stack("DEV_API_KEY");
    auth_port = atoi(th_stack("AUTH_PORT"));
    blog_port = atoi(th_stack("BLOG_PORT"));
    return mf_random_hex(4, rnd, sizeof(rnd)) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_key_401),
        cmocka_unit_test(test_invalid_key_403),
        cmocka_unit_test(test_health_bypass_exact),
        cmocka_unit_test(test_trailing_slash_no_redirect),
        cmocka_unit_test(test_unknown_path_404),
        cmocka_unit_test(test_request_id_kept_or_generated),
        cmocka_unit_test(test_request_id_in_logs_blog),
        cmocka_unit_test(test_request_id_in_logs_auth),
        cmocka_unit_test(test_request_id_of_key_check),
        cmocka_unit_test(test_access_log_never_has_keys),
        cmocka_unit_test(test_body_over_limit_413),
        cmocka_unit_test_teardown(test_rate_limit_429, teardown_own),
        cmocka_unit_test_teardown(test_upstream_down_503, teardown_own),
        cmocka_unit_test_teardown(test_key_check_unreachable_503, teardown_own),
        cmocka_unit_test_teardown(test_upstream_timeout_504, teardown_own),
        cmocka_unit_test_teardown(test_key_cache_valid, teardown_own),
        cmocka_unit_test_teardown(test_key_cache_invalid_ttl, teardown_own),
        cmocka_unit_test_teardown(test_key_verdict_refreshed, teardown_own),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
