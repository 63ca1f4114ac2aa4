/*
 * What operators and browsers expect of the gateway (API.md 5b): the W3C trace context kept or
 * started and handed to the service, CORS only for configured origins (preflights answered
 * without a key), nginx's own figures on a loopback port of their own, the services' /metrics
 * never routed, Retry-After on the gateway's own 429 and 503.
 */
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "gateway.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#define LATEST "/blog/list/latest?page=1&limit=5"
#define TRACE  "4bf92f3577b34da6a3ce929d0e0e4736"
#define TP     "00-" TRACE "-00f067aa0ba902b7-01"

static int gw_port;
static const char *api_key;
static int auth_port, blog_port;
static th_gateway own;
static int upstream_fd = -1;

static int teardown_own(void **state)
{
    (void)state;
    th_gw_stop(&own);
    if (upstream_fd >= 0)
        close(upstream_fd);
    upstream_fd = -1;
    return 0;
}

static char *raw_request(int port, const char *method, const char *path, const char *headers)
{
    char *req = mf_asprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n",
                            method, path, headers);
    char *raw = th_raw_http(port, req);
    free(req);
    return raw;
}

/* The value of header name in a raw response (heap), NULL when absent. */
static char *header_of(const char *raw, const char *name)
{
    char *needle = mf_asprintf("\r\n%s: ", name);
    const char *p = strcasestr(raw, needle);
    char *v = NULL;
    if (p) {
        p += strlen(needle);
        v = mf_strndup(p, strcspn(p, "\r\n"));
    }
    free(needle);
    return v;
}

/* ---- tracing ------------------------------------------------------------------------------ */

/* The first n characters of s are lower-case hex. */
static bool hex_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr("0123456789abcdef", s[i]))
            return false;
    return true;
}

/* Sends a request through the gateway and returns what the upstream received (heap). */
static char *seen_upstream(int gw, const char *headers)
{
    int c = th_tcp_connect(gw);
    assert_true(c >= 0);
    char *req = mf_asprintf("GET /blog/health HTTP/1.1\r\nHost: 127.0.0.1\r\n%s"
                            "Connection: close\r\n\r\n",
                            headers);
    assert_int_equal(write(c, req, strlen(req)), (ssize_t)strlen(req));
    free(req);
    struct pollfd p = {.fd = upstream_fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 5000), 1);
    int s = accept(upstream_fd, NULL, NULL);
    assert_true(s >= 0);
    mf_strbuf got;
    mf_strbuf_init(&got);
    int64_t deadline = mf_mono_ms() + 5000;
    while (!strstr(got.buf ? got.buf : "", "\r\n\r\n") && mf_mono_ms() < deadline) {
        struct pollfd q = {.fd = s, .events = POLLIN};
        if (poll(&q, 1, 1000) != 1)
            continue;
        char buf[4096];
        ssize_t n = read(s, buf, sizeof(buf));
        if (n <= 0)
            break;
        mf_strbuf_add(&got, buf, (size_t)n);
    }
    static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
    assert_int_equal(write(s, answer, sizeof(answer) - 1), (ssize_t)(sizeof(answer) - 1));
    close(s);
    char drain[512];
    while (read(c, drain, sizeof(drain)) > 0) {
    }
    close(c);
    size_t n = 0;
    char *out = mf_strbuf_detach(&got, &n);
    mf_strbuf_release(&got); /* detach leaves an initialised (allocated) buffer */
    return out;
}

static void test_traceparent_kept_or_started(void **state)
{
    (void)state;
    int port;
    upstream_fd = th_loopback_listener(&port);
    th_gw_start(&own, auth_port, port, NULL);

    char *seen = seen_upstream(own.port, "traceparent: " TP "\r\n");
    char *tp = header_of(seen, "traceparent");
    assert_non_null(tp);
    assert_string_equal(tp, TP);
    free(tp);
    free(seen);

    /* None, or an invalid one (all-zero trace id, wrong version): the gateway starts a trace. */
    const char *bad[] = {"",
                         "traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01\r\n",
                         "traceparent: zz-" TRACE "-00f067aa0ba902b7-01\r\n"};
    for (size_t i = 0; i < 3; i++) {
        seen = seen_upstream(own.port, bad[i]);
        tp = header_of(seen, "traceparent");
        if (!tp)
            fail_msg("no traceparent reached the service for %s", bad[i]);
        assert_int_equal(strlen(tp), 55);
        assert_memory_equal(tp, "00-", 3);
        assert_true(hex_run(tp + 3, 32));
        assert_true(hex_run(tp + 36, 16));
        assert_string_not_equal(tp + 3, "00000000000000000000000000000000-00f067aa0ba902b7-01");
        free(tp);
        free(seen);
    }
}

typedef struct {
    const char *log, *rid;
    char *line;
} line_wait;

static bool line_found(void *ctx)
{
    line_wait *w = ctx;
    char *text = th_read_file(w->log);
    char *needle = mf_asprintf("\"request_id\":\"%s\"", w->rid);
    const char *p = text ? strstr(text, needle) : NULL;
    if (p) {
        while (p > text && p[-1] != '\n')
            p--;
        w->line = mf_strndup(p, strcspn(p, "\n"));
    }
    free(needle);
    free(text);
    return w->line != NULL;
}

static void test_trace_id_in_access_log(void **state)
{
    (void)state;
    char *rid = mf_asprintf("ops-trace-%s", th_stack("GATEWAY_PORT"));
    char *hdr =
        mf_asprintf("x-api-key: %s\r\nx-request-id: %s\r\ntraceparent: " TP "\r\n", api_key, rid);
    char *raw = raw_request(gw_port, "GET", LATEST, hdr);
    assert_memory_equal(raw, "HTTP/1.1 200 ", 13);
    free(raw);
    char *log = th_stack_path("nginx/logs/access.log");
    line_wait w = {.log = log, .rid = rid};
    if (!th_poll(line_found, &w, 10000))
        fail_msg("request %s not in %s", rid, log);
    if (!strstr(w.line, "\"trace_id\":\"" TRACE "\""))
        fail_msg("access-log line without the client's trace id: %s", w.line);
    free(w.line);
    free(log);
    free(hdr);
    free(rid);
}

/* ---- CORS --------------------------------------------------------------------------------- */

static void test_no_cors_without_origins(void **state)
{
    (void)state;
    char *hdr = mf_asprintf("x-api-key: %s\r\nOrigin: https://app.example\r\n", api_key);
    char *raw = raw_request(gw_port, "GET", LATEST, hdr);
    assert_memory_equal(raw, "HTTP/1.1 200 ", 13);
    assert_null(strcasestr(raw, "Access-Control-"));
    free(raw);
    /* and no preflight answered without a key */
    raw = raw_request(gw_port, "OPTIONS", "/blog/author",
                      "Origin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n");
    assert_memory_equal(raw, "HTTP/1.1 401 ", 13);
    assert_null(strcasestr(raw, "Access-Control-"));
    free(raw);
    free(hdr);
}

static void test_cors_for_configured_origins(void **state)
{
    (void)state;
    const char *vars[] = {"GATEWAY_CORS_ORIGINS=https://app.example http://localhost:3000", NULL};
    th_gw_start(&own, auth_port, blog_port, vars);
    /* preflight: at the gateway, no key */
    char *raw = raw_request(own.port, "OPTIONS", "/blog/author",
                            "Origin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n"
                            "Access-Control-Request-Headers: x-api-key, content-type\r\n");
    assert_memory_equal(raw, "HTTP/1.1 204 ", 13);
    char *v = header_of(raw, "Access-Control-Allow-Origin");
    assert_string_equal(v, "https://app.example");
    free(v);
    v = header_of(raw, "Access-Control-Allow-Methods");
    assert_non_null(strstr(v, "POST"));
    free(v);
    v = header_of(raw, "Access-Control-Allow-Headers");
    assert_non_null(strstr(v, "x-api-key"));
    assert_non_null(strstr(v, "authorization"));
    free(v);
    free(raw);
    /* an actual request from an allowed origin, and from another */
    char *hdr = mf_asprintf("x-api-key: %s\r\nOrigin: http://localhost:3000\r\n", api_key);
    raw = raw_request(own.port, "GET", LATEST, hdr);
    assert_memory_equal(raw, "HTTP/1.1 200 ", 13);
    v = header_of(raw, "Access-Control-Allow-Origin");
    assert_string_equal(v, "http://localhost:3000");
    free(v);
    free(raw);
    free(hdr);
    hdr = mf_asprintf("x-api-key: %s\r\nOrigin: https://evil.example\r\n", api_key);
    raw = raw_request(own.port, "GET", LATEST, hdr);
    assert_memory_equal(raw, "HTTP/1.1 200 ", 13);
    assert_null(strcasestr(raw, "Access-Control-Allow-Origin"));
    free(raw);
    free(hdr);
    raw = raw_request(own.port, "OPTIONS", "/blog/author",
                      "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n");
    assert_memory_equal(raw, "HTTP/1.1 401 ", 13);
    free(raw);
    /* errors the gateway makes itself carry it too */
    raw = raw_request(own.port, "GET", LATEST, "Origin: https://app.example\r\n");
    assert_memory_equal(raw, "HTTP/1.1 401 ", 13);
    v = header_of(raw, "Access-Control-Allow-Origin");
    assert_string_equal(v, "https://app.example");
    free(v);
    free(raw);
}

/* ---- operations ---------------------------------------------------------------------------- */

static void test_metrics_not_routed(void **state)
{
    (void)state;
    const char *paths[] = {"/auth/metrics", "/blog/metrics", "/blog/metrics/"};
    for (size_t i = 0; i < 3; i++) {
        th_expect(th_api_with_key((th_api){.port = gw_port}, api_key), "GET", paths[i], NULL, NULL,
                  404, "url not found");
    }
}

static void test_status_port_loopback(void **state)
{
    (void)state;
    const char *sp = th_stack("GATEWAY_STATUS_PORT");
    assert_non_null(sp);
    char *raw = raw_request(atoi(sp), "GET", "/nginx_status", "");
    assert_memory_equal(raw, "HTTP/1.1 200 ", 13);
    assert_non_null(strstr(raw, "Active connections:"));
    assert_non_null(strstr(raw, "server accepts handled requests"));
    free(raw);
    /* not on the public port */
    th_expect(th_api_with_key((th_api){.port = gw_port}, api_key), "GET", "/nginx_status", NULL,
              NULL, 404, "url not found");
}

static void test_retry_after_on_own_503(void **state)
{
    (void)state;
    th_gw_start(&own, th_free_port(), blog_port, NULL);
    char *hdr = mf_asprintf("x-api-key: %s\r\n", api_key);
    char *raw = raw_request(own.port, "GET", LATEST, hdr);
    assert_memory_equal(raw, "HTTP/1.1 503 ", 13);
    char *v = header_of(raw, "Retry-After");
    assert_non_null(v);
    assert_true(atoi(v) >= 1);
    free(v);
    free(raw);
    free(hdr);
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
        cmocka_unit_test_teardown(test_traceparent_kept_or_started, teardown_own),
        cmocka_unit_test(test_trace_id_in_access_log),
        cmocka_unit_test(test_no_cors_without_origins),
        cmocka_unit_test_teardown(test_cors_for_configured_origins, teardown_own),
        cmocka_unit_test(test_metrics_not_routed),
        cmocka_unit_test(test_status_port_loopback),
        cmocka_unit_test_teardown(test_retry_after_on_own_503, teardown_own),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
