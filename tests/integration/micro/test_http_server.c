/*
 * HTTP server behaviour seen from a real client: an in-process mf_server on a free port
 * with a small route table, spoken to over loopback with libcurl.
 */
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>

#include <cmocka.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/envelope.h"
#include "micro/http.h"
#include "micro/log.h"

static mf_server *srv;
static int port;
static th_api api; /* {port} */
static atomic_int alpha_down;
static atomic_int users_freed;

/* ---- handlers ---- */

static void h_hello(mf_req *req)
{
    mf_respond_ok(req, "success", json_pack("{s:s}", "hello", "world"));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void h_item(mf_req *req)
{
    mf_respond_ok(req, "success",
                  json_pack("{s:o,s:o,s:o}", "id", str_or_null(mf_req_param(req, "id")), "tag",
                            str_or_null(mf_req_param(req, "tag")), "none",
                            str_or_null(mf_req_param(req, "nope"))));
}

static void h_search(mf_req *req)
{
    mf_respond_ok(req, "success",
                  json_pack("{s:o,s:o,s:s}", "q", str_or_null(mf_req_query(req, "q")), "page",
                            str_or_null(mf_req_query(req, "page")), "path", mf_req_path(req)));
}

static void h_echo(mf_req *req)
{
    json_t *body = NULL;
    if (!mf_req_json(req, &body)) {
        return;
    }
    /* A second call returns the cached value instead of answering again. */
    json_t *data = json_deep_copy(body);
    json_t *again = NULL;
    json_object_set_new(data, "cached", json_boolean(mf_req_json(req, &again) && again == body));
    mf_respond_ok(req, "echo", data);
}

/* Pre-serialised data (the cached read): a plain message and one the encoder must escape. */
static void h_raw(mf_req *req)
{
    static const char data[] = "{\"cached\":[1,2]}";
    const char *msg = mf_req_query(req, "quote") ? "say \"hi\" \\ caf\xc3\xa9" : NULL;
    mf_respond_ok_raw(req, msg, data, sizeof data - 1);
}

static void h_silent(mf_req *req)
{
    (void)req;
}

static void h_twice(mf_req *req)
{
    mf_respond_ok(req, "first", NULL);
    mf_respond_error(req, 400, "second");
    mf_respond_header(req, "x-late", "1");
}

static void h_headers(mf_req *req)
{
    const char *v = mf_req_header(req, "X-Custom");
    mf_respond_header(req, "x-extra", "yes");
    mf_respond_ok(
        req, "success",
        json_pack("{s:o,s:s}", "custom", str_or_null(v), "app", (const char *)mf_req_app(req)));
}

static void h_err(mf_req *req)
{
    const char *code = mf_req_param(req, "code");
    int err = strcmp(code, "timeout") == 0    ? MF_ERR_TIMEOUT
              : strcmp(code, "notfound") == 0 ? MF_ERR_NOT_FOUND
              : strcmp(code, "invalid") == 0  ? MF_ERR_INVALID
              : strcmp(code, "down") == 0     ? MF_ERR_UNAVAILABLE
                                              : MF_ERR;
    mf_respond_err(req, err, "secret internal detail");
}

static void free_user(void *u)
{
    free(u);
    atomic_fetch_add(&users_freed, 1);
}

static void h_guarded(mf_req *req)
{
    mf_respond_ok(req, "success", json_pack("{s:s}", "user", (const char *)mf_req_user(req)));
}

static void h_arena(mf_req *req)
{
    char *a = mf_req_printf(req, "%s-%d", "n", 42);
    char *b = mf_req_strdup(req, "copy");
    unsigned char *z = mf_req_alloc(req, 64);
    size_t len = 99;
    const char *body = mf_req_body(req, &len);
    mf_respond_ok(req, "success",
                  json_pack("{s:s,s:s,s:i,s:i,s:s}", "printf", a, "dup", b, "zero", z[63], "len",
                            (int)len, "body", body));
}

static bool guard(mf_req *req, unsigned flags)
{
    if (flags == 2) {
        return false; /* rejects without answering: the server must answer 500 */
    }
    const char *pass = mf_req_header(req, "x-pass");
    if (!pass || strcmp(pass, "yes") != 0) {
        mf_respond_error(req, 401, "permission denied: missing Authorization");
        return false;
    }
    mf_req_set_user(req, strdup("alice"), free_user);
    return true;
}

static const mf_route routes[] = {
    {"GET", "/hello", h_hello, 0},
    {"GET", "/items/:id", h_item, 0},
    {"GET", "/items/:id/tags/:tag", h_item, 0},
    {"GET", "/search", h_search, 0},
    {"POST", "/echo", h_echo, 0},
    {"GET", "/silent", h_silent, 0},
    {"GET", "/twice", h_twice, 0},
    {"GET", "/headers", h_headers, 0},
    {"GET", "/err/:code", h_err, 0},
    {"GET", "/guarded", h_guarded, 1},
    {"GET", "/guard-silent", h_guarded, 2},
    {"POST", "/arena", h_arena, 0},
    {"GET", "/arena", h_arena, 0},
    {"GET", "/raw", h_raw, 0},
};

static int ping_alpha(void *ctx)
{
    (void)ctx;
    return atomic_load(&alpha_down) ? -1 : 0;
}

static int ping_beta(void *ctx)
{
    return *(int *)ctx;
}

static int beta_state = 0;

static mf_server_opts test_opts(void)
{
    return (mf_server_opts){.service = "http-test",
                            .host = "127.0.0.1",
                            .port = 0,
                            .threads = 4,
                            .max_body = 1 << 20,
                            .conn_timeout_s = 10,
                            .request_timeout_ms = 10000,
                            .guard = guard,
                            .app = "the-app"};
}

static int setup(void **state)
{
    (void)state;
    mf_log_init("http-test", MF_LOG_INFO);
    mf_server_opts o = test_opts();
    srv = mf_server_new(&o);
    if (!srv || mf_server_mount(srv, routes, sizeof routes / sizeof routes[0]) != 0) {
        return -1;
    }
    mf_server_add_health(srv, "alpha", ping_alpha, NULL);
    mf_server_add_health(srv, "beta", ping_beta, &beta_state);
    if (mf_server_start(srv) != 0) {
        return -1;
    }
    port = mf_server_port(srv);
    api = (th_api){.port = port};
    return port > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mf_server_free(srv);
    srv = NULL;
    return 0;
}

/* ---- helpers ---- */

static void req(const char *method, const char *path, const char *const *headers, const char *body,
                th_resp *out)
{
    assert_int_equal(th_http_port(method, port, path, headers, body, out), 0);
}

/* ---- tests ---- */

static void test_success_envelope(void **state)
{
    (void)state;
    th_resp r;
    req("GET", "/hello", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, TH_CT_JSON);
    assert_non_null(r.json);
    assert_string_equal(th_jstr(r.json, "code"), "10000");
    assert_int_equal(json_integer_value(json_object_get(r.json, "status")), 200);
    assert_string_equal(th_jstr(r.json, "message"), "success");
    assert_string_equal(th_jstr(r.json, "data.hello"), "world");
    /* Wire order of the envelope keys, as in API.md. */
    assert_non_null(strstr(r.body, "{\"code\":\"10000\",\"status\":200,\"message\":\"success\""));
    th_resp_release(&r);
}

static void test_raw_envelope(void **state)
{
    (void)state;
    th_resp r;
    req("GET", "/raw", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(
        r.body,
        "{\"code\":\"10000\",\"status\":200,\"message\":\"success\",\"data\":{\"cached\":[1,2]}}");
    th_resp_release(&r);
    req("GET", "/raw?quote=1", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(r.json);
    assert_string_equal(th_jstr(r.json, "message"), "say \"hi\" \\ caf\xc3\xa9");
    assert_int_equal(json_integer_value(th_jget(r.json, "data.cached.1")), 2);
    th_resp_release(&r);
}

static void test_not_found(void **state)
{
    (void)state;
    th_expect(api, "GET", "/nope", NULL, NULL, 404, "url not found");
    th_expect(api, "GET", "/hello/extra", NULL, NULL, 404, "url not found");

    /* A decoded path that is not UTF-8 is still just an unknown path. */
    th_expect(api, "GET", "/%ff%fe/%00x", NULL, NULL, 404, "url not found");

    /* The route exists for GET only: other methods are 404 too, never 405. */
    th_expect(api, "DELETE", "/hello", NULL, NULL, 404, "url not found");
    th_expect(api, "POST", "/hello", NULL, "{}", 404, "url not found");
}

static void test_trailing_slash(void **state)
{
    (void)state;
    th_resp r;
    req("GET", "/hello/", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.hello"), "world");
    th_resp_release(&r);

    req("GET", "/items/42/", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.id"), "42");
    th_resp_release(&r);
}

static void test_path_params(void **state)
{
    (void)state;
    th_resp r;
    req("GET", "/items/abc", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.id"), "abc");
    assert_true(json_is_null(json_object_get(json_object_get(r.json, "data"), "tag")));
    assert_true(json_is_null(json_object_get(json_object_get(r.json, "data"), "none")));
    th_resp_release(&r);

    req("GET", "/items/x1/tags/NEWS", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.id"), "x1");
    assert_string_equal(th_jstr(r.json, "data.tag"), "NEWS");
    th_resp_release(&r);

    /* MHD percent-decodes the path before routing: handlers see decoded parameters. */
    req("GET", "/items/a%20b", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.id"), "a b");
    th_resp_release(&r);

    /* ... so an encoded slash is a real segment separator. */
    req("GET", "/items/a%2Ftags%2Fb", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.id"), "a");
    assert_string_equal(th_jstr(r.json, "data.tag"), "b");
    th_resp_release(&r);
}

static void test_query_params(void **state)
{
    (void)state;
    th_resp r;
    req("GET", "/search?q=hello%20world&page=2", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.q"), "hello world");
    assert_string_equal(th_jstr(r.json, "data.page"), "2");
    /* The path a handler sees has no query string. */
    assert_string_equal(th_jstr(r.json, "data.path"), "/search");
    th_resp_release(&r);

    req("GET", "/search/?q=a+b", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.q"), "a b");
    assert_true(json_is_null(json_object_get(json_object_get(r.json, "data"), "page")));
    th_resp_release(&r);
}

static void test_json_body(void **state)
{
    (void)state;
    th_resp r;
    req("POST", "/echo", NULL, "{\"a\":1,\"b\":[true,null]}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "message"), "echo");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "data"), "a")), 1);
    assert_true(json_is_true(json_object_get(json_object_get(r.json, "data"), "cached")));
    th_resp_release(&r);
}

static void test_bad_json(void **state)
{
    (void)state;
    static const char *const bad[] = {"{bad", "{\"a\":1", "", "{} trailing", "nul\x01l"};
    th_resp r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        th_expect(api, "POST", "/echo", NULL, bad[i], 400, "invalid JSON body");
    }
    /* No body at all is the same problem. */
    th_expect(api, "POST", "/echo", NULL, NULL, 400, "invalid JSON body");

    static const char *const not_obj[] = {"[1,2]", "42", "\"str\"", "null", "true"};
    for (size_t i = 0; i < sizeof not_obj / sizeof not_obj[0]; i++) {
        th_expect(api, "POST", "/echo", NULL, not_obj[i], 400,
                  "request body must be a JSON object");
    }
    /* And the server keeps serving. */
    req("GET", "/hello", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    th_resp_release(&r);
}

static void test_request_id(void **state)
{
    (void)state;
    th_resp r;
    const char *const given[] = {"x-request-id: Abc-123_x.y", NULL};
    req("GET", "/hello", given, NULL, &r);
    assert_string_equal(r.request_id, "Abc-123_x.y");
    th_resp_release(&r);

    req("GET", "/hello", NULL, NULL, &r);
    assert_true(th_is_hex(r.request_id, 32));
    char *first = strdup(r.request_id);
    th_resp_release(&r);
    req("GET", "/nope", NULL, NULL, &r);
    assert_true(th_is_hex(r.request_id, 32));
    assert_string_not_equal(first, r.request_id);
    free(first);
    th_resp_release(&r);

    /* Unsafe or oversized ids are replaced, never echoed. */
    char long_id[160];
    snprintf(long_id, sizeof long_id, "x-request-id: %0129d", 7);
    const char *const bad[][2] = {{"x-request-id: has space", NULL},
                                  {"x-request-id: semi;colon", NULL},
                                  {"x-request-id: \xc3\xa9t\xc3\xa9", NULL},
                                  {long_id, NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        req("GET", "/hello", bad[i], NULL, &r);
        assert_int_equal(r.status, 200);
        assert_true(th_is_hex(r.request_id, 32));
        th_resp_release(&r);
    }
    /* 128 characters is still accepted. */
    char ok_id[160];
    snprintf(ok_id, sizeof ok_id, "x-request-id: %0128d", 7);
    const char *const ok[] = {ok_id, NULL};
    req("GET", "/hello", ok, NULL, &r);
    assert_non_null(r.request_id);
    assert_int_equal(strlen(r.request_id), 128);
    th_resp_release(&r);
}

static void test_handler_without_response(void **state)
{
    (void)state;
    th_expect(api, "GET", "/silent", NULL, NULL, 500, MF_MSG_INTERNAL);
}

static void test_second_response_ignored(void **state)
{
    (void)state;
    th_resp r;
    req("GET", "/twice", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "message"), "first");
    th_resp_release(&r);
}

static void test_headers_and_app(void **state)
{
    (void)state;
    th_resp r;
    const char *const h[] = {"x-custom: v1", NULL};
    req("GET", "/headers", h, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.custom"), "v1");
    assert_string_equal(th_jstr(r.json, "data.app"), "the-app");
    th_resp_release(&r);
}

static void test_respond_err_mapping(void **state)
{
    (void)state;
    th_resp r;
    th_expect(api, "GET", "/err/timeout", NULL, NULL, 503, "service unavailable");
    th_expect(api, "GET", "/err/down", NULL, NULL, 503, "service unavailable");
    req("GET", "/err/notfound", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    th_resp_release(&r);
    req("GET", "/err/invalid", NULL, NULL, &r);
    assert_int_equal(r.status, 400);
    th_resp_release(&r);
    req("GET", "/err/other", NULL, NULL, &r);
    th_expect_env(&r, 500, MF_MSG_INTERNAL);
    /* The detail is for the log only. */
    assert_null(strstr(r.body, "secret"));
    th_resp_release(&r);
}

static bool users_freed_reached(void *ctx)
{
    return atomic_load(&users_freed) >= *(int *)ctx;
}

static void test_guard(void **state)
{
    (void)state;
    th_resp r;
    th_expect(api, "GET", "/guarded", NULL, NULL, 401, "permission denied: missing Authorization");

    int before = atomic_load(&users_freed);
    const char *const pass[] = {"x-pass: yes", NULL};
    req("GET", "/guarded", pass, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.user"), "alice");
    th_resp_release(&r);
    /* The user slot's free function runs once the response is sent. */
    int want = before + 1;
    assert_true(th_poll(users_freed_reached, &want, 2000));

    th_expect(api, "GET", "/guard-silent", NULL, NULL, 500, MF_MSG_INTERNAL);
}

static void test_arena_helpers(void **state)
{
    (void)state;
    th_resp r;
    req("POST", "/arena", NULL, "{\"x\":true}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(th_jstr(r.json, "data.printf"), "n-42");
    assert_string_equal(th_jstr(r.json, "data.dup"), "copy");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "data"), "zero")),
                     0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "data"), "len")),
                     10);
    assert_string_equal(th_jstr(r.json, "data.body"), "{\"x\":true}");
    th_resp_release(&r);

    /* No body: empty string, length 0, never NULL. */
    req("GET", "/arena", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "data"), "len")),
                     0);
    assert_string_equal(th_jstr(r.json, "data.body"), "");
    th_resp_release(&r);
}

static void test_health(void **state)
{
    (void)state;
    th_resp r;
    req("GET", "/health", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, TH_CT_JSON);
    assert_string_equal(th_jstr(r.json, "code"), "10000");
    assert_string_equal(th_jstr(r.json, "message"), "success");
    assert_string_equal(th_jstr(r.json, "data.status"), "OK");
    const char *ts = th_jstr(r.json, "data.timestamp");
    assert_non_null(ts);
    /* RFC3339 UTC: 2024-01-02T03:04:05(.678)Z */
    assert_true(strlen(ts) >= 20 && ts[4] == '-' && ts[10] == 'T' && ts[strlen(ts) - 1] == 'Z');
    json_t *checks = json_object_get(json_object_get(r.json, "data"), "checks");
    assert_string_equal(json_string_value(json_object_get(checks, "alpha")), "UP");
    assert_string_equal(json_string_value(json_object_get(checks, "beta")), "UP");
    th_resp_release(&r);

    atomic_store(&alpha_down, 1);
    req("GET", "/health/", NULL, NULL, &r);
    atomic_store(&alpha_down, 0);
    assert_int_equal(r.status, 503);
    assert_string_equal(th_jstr(r.json, "code"), "10001");
    assert_int_equal(json_integer_value(json_object_get(r.json, "status")), 503);
    assert_string_equal(th_jstr(r.json, "message"), "service unavailable");
    assert_string_equal(th_jstr(r.json, "data.status"), "DOWN");
    assert_non_null(th_jstr(r.json, "data.timestamp"));
    checks = json_object_get(json_object_get(r.json, "data"), "checks");
    assert_string_equal(json_string_value(json_object_get(checks, "alpha")), "DOWN");
    assert_string_equal(json_string_value(json_object_get(checks, "beta")), "UP");
    th_resp_release(&r);

    th_expect(api, "POST", "/health", NULL, "{}", 404, "url not found");
}

typedef struct {
    const char *path;
    const char *needle;
} log_wait;

static bool log_has(void *ctx)
{
    const log_wait *w = ctx;
    FILE *f = fopen(w->path, "r");
    if (!f) {
        return false;
    }
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        found = strstr(line, w->needle) != NULL;
    }
    fclose(f);
    return found;
}

static void test_access_log(void **state)
{
    (void)state;
    char *dir = th_tmpdir("http-log");
    assert_non_null(dir);
    char *path = mf_asprintf("%s/stderr.log", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);

    th_resp r;
    const char *const h[] = {"x-request-id: access-log-1", "authorization: Bearer s3cr3tTok",
                             "x-api-key: k3yValue", NULL};
    char *url = th_url(port, "/search?q=topSecretQuery&page=3");
    int rc = th_http("GET", url, h, NULL, &r);
    free(url);
    log_wait w = {path, "access-log-1"};
    bool logged = th_poll(log_has, &w, 3000);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);

    assert_int_equal(rc, 0);
    assert_int_equal(r.status, 200);
    th_resp_release(&r);
    assert_true(logged);

    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    int access_lines = 0;
    while (fgets(line, sizeof line, f)) {
        assert_null(strstr(line, "topSecretQuery"));
        assert_null(strstr(line, "s3cr3tTok"));
        assert_null(strstr(line, "k3yValue"));
        if (strstr(line, "access-log-1") && strstr(line, "\"latency_ms\"")) {
            access_lines++;
            json_t *j = json_loads(line, 0, NULL);
            assert_non_null(j);
            assert_string_equal(th_jstr(j, "method"), "GET");
            assert_string_equal(th_jstr(j, "path"), "/search");
            assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
            assert_true(json_is_integer(json_object_get(j, "latency_ms")));
            json_decref(j);
        }
    }
    fclose(f);
    assert_int_equal(access_lines, 1);
    th_rmrf(dir);
    free(path);
    free(dir);
}

static void test_options_checked(void **state)
{
    (void)state;
    mf_server_opts o = test_opts();
    o.threads = 0;
    assert_null(mf_server_new(&o));
    o = test_opts();
    o.max_body = 0;
    assert_null(mf_server_new(&o));
    o = test_opts();
    o.port = 70000;
    assert_null(mf_server_new(&o));
    assert_null(mf_server_new(NULL));

    /* A guarded route on a server without a guard would be open to everyone. */
    o = test_opts();
    o.guard = NULL;
    mf_server *s = mf_server_new(&o);
    assert_non_null(s);
    assert_int_equal(mf_server_mount(s, &routes[9], 1), MF_ERR_INVALID);
    assert_int_equal(mf_server_mount(s, routes, 2), 0);
    /* Same method and pattern twice is a table bug. */
    assert_int_equal(mf_server_mount(s, routes, 1), MF_ERR_INVALID);
    assert_non_null(mf_server_router(s));
    mf_server_free(s);

    /* A port already in use fails to start instead of sharing it. */
    o = test_opts();
    o.port = port;
    s = mf_server_new(&o);
    assert_non_null(s);
    assert_int_not_equal(mf_server_start(s), 0);
    mf_server_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_envelope),
        cmocka_unit_test(test_raw_envelope),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_trailing_slash),
        cmocka_unit_test(test_path_params),
        cmocka_unit_test(test_query_params),
        cmocka_unit_test(test_json_body),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_request_id),
        cmocka_unit_test(test_handler_without_response),
        cmocka_unit_test(test_second_response_ignored),
        cmocka_unit_test(test_headers_and_app),
        cmocka_unit_test(test_respond_err_mapping),
        cmocka_unit_test(test_guard),
        cmocka_unit_test(test_arena_helpers),
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_access_log),
        cmocka_unit_test(test_options_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
