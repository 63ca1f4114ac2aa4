/*
 * Observability of an in-process mf_server with a real nats-server behind it: a client's
 * traceparent reaches a NATS endpoint through mf_nats_request and both processes' log lines
 * carry its trace id; the response echoes it; GET /metrics counts by route pattern; an open
 * circuit breaker answers 503 with Retry-After at once and shows in /health and /metrics.
 * Responses are read over a raw socket so that every header can be checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "micro/alloc.h"
#include "micro/breaker.h"
#include "micro/error.h"
#include "micro/http.h"
#include "micro/log.h"
#include "micro/nats.h"
#include "micro/strbuf.h"
#include "micro/trace.h"

#define TRACE "4bf92f3577b34da6a3ce929d0e0e4736"

static th_server nats;
static mf_nats *server_side, *client_side;
static mf_server *srv;
static int port;
static char *dir, *log_path;
static int saved_stderr = -1;
static mf_breaker *down_breaker;

/* ---- NATS endpoint and HTTP handlers ---- */

static int ep_echo(json_t *data, const char *request_id, void *ctx, json_t **reply, int *status,
                   char **errmsg)
{
    (void)data, (void)request_id, (void)ctx, (void)status, (void)errmsg;
    const mf_trace *t = mf_context_current()->trace;
    mf_log_info(NULL, "endpoint saw the request");
    *reply = json_pack("{s:s}", "trace", t ? t->trace_id : "");
    return 0;
}

static void h_relay(mf_req *req)
{
    mf_log_info(mf_req_id(req), "handler relays");
    json_t *reply = NULL;
    int rc =
        mf_nats_request(client_side, "t.obs.echo", NULL, 2000, mf_req_id(req), &reply, NULL, NULL);
    if (rc != 0) {
        mf_respond_err(req, rc, "relay");
        return;
    }
    mf_respond_ok(req, "success", reply);
}

static void h_item(mf_req *req)
{
    mf_respond_ok(req, "success", json_string(mf_req_param(req, "id")));
}

static void h_down(mf_req *req)
{
    int rc =
        mf_nats_request(client_side, "t.obs.nobody", NULL, 200, mf_req_id(req), NULL, NULL, NULL);
    mf_respond_err(req, rc, "down");
}

static const mf_route routes[] = {
    {"GET", "/relay", h_relay, 0},
    {"GET", "/id/:id", h_item, 0},
    {"GET", "/down", h_down, 0},
};

static int ping_up(void *ctx)
{
    (void)ctx;
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    dir = th_tmpdir("obs");
    log_path = mf_asprintf("%s/log", dir);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || th_nats_start(&nats, false) != 0)
        return -1;
    /* mf_log writes to stderr: into a file the tests read. */
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    mf_log_init("obs-test", MF_LOG_INFO);
    server_side = mf_nats_connect(nats.url, "obs-server", NULL, NULL, 2000);
    client_side = mf_nats_connect(nats.url, "obs-client", NULL, NULL, 2000);
    if (!server_side || !client_side ||
        mf_nats_serve(server_side, "t.obs.echo", ep_echo, NULL, 1) != 0)
        return -1;
    mf_breaker_opts bo = {.failures = 2, .open_ms = 30000};
    down_breaker = mf_nats_breaker(client_side, "t.obs.nobody", &bo);
    mf_server_opts o = {.service = "obs-test",
                        .host = "127.0.0.1",
                        .port = 0,
                        .threads = 2,
                        .max_body = 4096,
                        .conn_timeout_s = 5,
                        .request_timeout_ms = 2000};
    srv = mf_server_new(&o);
    if (!srv || !down_breaker || mf_server_mount(srv, routes, 3) != 0)
        return -1;
    mf_server_add_health(srv, "upstream", ping_up, NULL);
    if (mf_server_start(srv) != 0)
        return -1;
    port = mf_server_port(srv);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mf_server_free(srv);
    mf_nats_free(client_side);
    mf_nats_free(server_side);
    th_server_stop(&nats);
    if (saved_stderr >= 0) {
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
    }
    th_rmrf(dir);
    free(dir);
    free(log_path);
    return 0;
}

/* ---- a raw HTTP/1.0 GET: the whole response (heap), NULL on failure ---- */

static char *get(const char *path, const char *extra_header)
{
    int fd = th_tcp_connect(port);
    if (fd < 0)
        return NULL;
    mf_strbuf req;
    mf_strbuf_init(&req);
    mf_strbuf_addf(&req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%s%s\r\n", path,
                   extra_header ? extra_header : "", extra_header ? "\r\n" : "");
    ssize_t w = send(fd, req.buf, req.len, MSG_NOSIGNAL);
    mf_strbuf_release(&req);
    mf_strbuf resp;
    mf_strbuf_init(&resp);
    char buf[4096];
    ssize_t n;
    while (w > 0 && (n = recv(fd, buf, sizeof buf, 0)) > 0)
        mf_strbuf_add(&resp, buf, (size_t)n);
    close(fd);
    char *text = mf_strbuf_detach(&resp, NULL);
    mf_strbuf_release(&resp);
    return text;
}

/* Value of a response header (heap), NULL when absent. */
static char *header(const char *resp, const char *name)
{
    char *needle = mf_asprintf("\r\n%s: ", name);
    const char *p = strcasestr(resp, needle);
    size_t skip = strlen(needle);
    free(needle);
    if (!p)
        return NULL;
    p += skip;
    return mf_strndup(p, strcspn(p, "\r\n"));
}

static int status_of(const char *resp)
{
    return resp && strncmp(resp, "HTTP/1.", 7) == 0 ? atoi(resp + 9) : 0;
}

/* ---- tests ---- */

static void test_trace_crosses_nats(void **state)
{
    (void)state;
    char *resp = get("/relay", "traceparent: 00-" TRACE "-00f067aa0ba902b7-01");
    assert_non_null(resp);
    assert_int_equal(status_of(resp), 200);
    /* The endpoint (other connection, other thread) saw the same trace. */
    assert_non_null(strstr(resp, "\"trace\":\"" TRACE "\""));
    char *tp = header(resp, "traceparent");
    assert_non_null(tp);
    assert_int_equal(strncmp(tp, "00-" TRACE "-", 36), 0);
    assert_string_not_equal(tp + 36, "00f067aa0ba902b7-01"); /* our own span id */
    free(tp);
    /* Both processes' lines, and the access log line, carry it. */
    assert_true(th_wait_log(log_path, "handler relays", "\"trace_id\":\"" TRACE "\"", 1, 5000));
    assert_true(
        th_wait_log(log_path, "endpoint saw the request", "\"trace_id\":\"" TRACE "\"", 1, 5000));
    assert_true(
        th_wait_log(log_path, "\"path\":\"/relay\"", "\"trace_id\":\"" TRACE "\"", 1, 5000));
    free(resp);
}

static void test_invalid_traceparent_starts_a_trace(void **state)
{
    (void)state;
    const char *bad[] = {"traceparent: 00-" TRACE "-0000000000000000-01",
                         "traceparent: 00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                         "traceparent: garbage", NULL};
    for (size_t i = 0; i < 4; i++) {
        char *resp = get("/health", bad[i]);
        assert_int_equal(status_of(resp), 200);
        char *tp = header(resp, "traceparent");
        mf_trace t;
        assert_true(mf_trace_parse(tp, &t));
        assert_string_not_equal(t.trace_id, TRACE);
        assert_string_not_equal(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        free(tp);
        free(resp);
    }
}

static bool has_line(const char *text, const char *line)
{
    char *needle = mf_asprintf("\n%s\n", line);
    bool found = strstr(text, needle) != NULL;
    free(needle);
    return found;
}

static void test_metrics_by_route_pattern(void **state)
{
    (void)state;
    char *r;
    for (int i = 0; i < 3; i++) {
        char *path = mf_asprintf("/id/item%d", i);
        r = get(path, NULL);
        assert_int_equal(status_of(r), 200);
        free(r);
        free(path);
    }
    r = get("/no/such/path", NULL);
    assert_int_equal(status_of(r), 404);
    free(r);
    r = get("/relay", NULL);
    free(r);

    char *m = get("/metrics", NULL);
    assert_int_equal(status_of(m), 200);
    char *ct = header(m, "Content-Type");
    assert_non_null(strstr(ct, "text/plain; version=0.0.4"));
    free(ct);
    assert_true(has_line(m, "cmicro_http_requests_total{route=\"/id/:id\",method=\"GET\","
                            "status=\"200\"} 3"));
    assert_null(strstr(m, "item1")); /* never the raw path */
    assert_true(has_line(m, "cmicro_http_requests_total{route=\"unmatched\",method=\"GET\","
                            "status=\"404\"} 1"));
    assert_true(has_line(m, "cmicro_http_request_duration_seconds_count{route=\"/id/:id\","
                            "method=\"GET\"} 3"));
    assert_true(has_line(m, "cmicro_http_request_duration_seconds_bucket{route=\"/id/:id\","
                            "method=\"GET\",le=\"+Inf\"} 3"));
    assert_non_null(strstr(m, "# TYPE cmicro_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(m, "cmicro_nats_requests_total{subject=\"t.obs.echo\",outcome=\"ok\"}"));
    assert_non_null(strstr(m, "cmicro_nats_served_total{subject=\"t.obs.echo\",outcome=\"ok\"}"));
    assert_true(has_line(m, "cmicro_dependency_up{dependency=\"upstream\"} 1"));
    assert_non_null(strstr(m, "\nprocess_resident_memory_bytes "));
    assert_null(strstr(m, "process_resident_memory_bytes 0\n"));
    free(m);
}

static void test_breaker_opens_and_answers_retry_after(void **state)
{
    (void)state;
    /* Two failures (no responders) open it... */
    for (int i = 0; i < 2; i++) {
        char *r = get("/down", NULL);
        assert_int_equal(status_of(r), 503);
        char *ra = header(r, "Retry-After");
        assert_null(ra);
        free(r);
    }
    assert_int_equal(mf_breaker_state_get(down_breaker), MF_BREAKER_OPEN);
    /* ...then callers are refused at once, with a hint when to come back. */
    char *r = get("/down", NULL);
    assert_int_equal(status_of(r), 503);
    assert_non_null(strstr(r, "service unavailable"));
    char *ra = header(r, "Retry-After");
    assert_non_null(ra);
    assert_true(atoi(ra) >= 1 && atoi(ra) <= 30);
    free(ra);
    free(r);

    char *h = get("/health", NULL);
    assert_int_equal(status_of(h), 200); /* the peer is down, not this instance */
    assert_non_null(strstr(h, "\"breakers\":{\"t.obs.nobody\":\"open\"}"));
    free(h);
    char *m = get("/metrics", NULL);
    assert_true(has_line(m, "cmicro_breaker_state{breaker=\"t.obs.nobody\"} 1"));
    assert_non_null(strstr(m, "outcome=\"breaker_open\"} 1\n"));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_crosses_nats),
        cmocka_unit_test(test_invalid_traceparent_starts_a_trace),
        cmocka_unit_test(test_metrics_by_route_pattern),
        cmocka_unit_test(test_breaker_opens_and_answers_retry_after),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    nats_CloseAndWait(5000);
    return rc;
}
