/*
 * Limits of the HTTP server against clients that misbehave: bodies over max_body (413),
 * bodies that arrive too slowly (408), connections that send nothing (closed after
 * conn_timeout_s) while other clients are still served. Raw sockets where curl is too
 * polite to misbehave.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/http.h"
#include "micro/log.h"
#include "micro/strbuf.h"

#define MAX_BODY    (1024 * 1024)
#define SLOW_REQ_MS 300
#define SLOW_CONN_S 1

/* Two servers: "roomy" has generous timeouts for the size tests, "strict" short ones. */
static mf_server *roomy, *strict;
static int roomy_port, strict_port;

static void h_hello(mf_req *req)
{
    mf_respond_ok(req, "success", json_pack("{s:s}", "hello", "world"));
}

static void h_len(mf_req *req)
{
    size_t n = 0;
    mf_req_body(req, &n);
    mf_respond_ok(req, "success", json_pack("{s:I}", "len", (json_int_t)n));
}

static const mf_route routes[] = {
    {"GET", "/hello", h_hello, 0},
    {"POST", "/len", h_len, 0},
};

static mf_server *start(int conn_timeout_s, int request_timeout_ms, int *port)
{
    mf_server_opts o = {.service = "http-limits",
                        .host = "127.0.0.1",
                        .port = 0,
                        .threads = 2,
                        .max_body = MAX_BODY,
                        .conn_timeout_s = conn_timeout_s,
                        .request_timeout_ms = request_timeout_ms};
    mf_server *s = mf_server_new(&o);
    if (!s) {
        return NULL;
    }
    if (mf_server_mount(s, routes, sizeof routes / sizeof routes[0]) != 0 ||
        mf_server_start(s) != 0) {
        mf_server_free(s);
        return NULL;
    }
    *port = mf_server_port(s);
    return s;
}

static int setup(void **state)
{
    (void)state;
    mf_log_init("http-limits", MF_LOG_WARN);
    roomy = start(30, 10000, &roomy_port);
    strict = start(SLOW_CONN_S, SLOW_REQ_MS, &strict_port);
    return roomy && strict ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mf_server_free(roomy);
    mf_server_free(strict);
    return 0;
}

/* ---- helpers ---- */

static char *filled(size_t n)
{
    char *b = mf_malloc(n + 1);
    memset(b, 'a', n);
    b[n] = '\0';
    return b;
}

static void post(int port, const char *path, const char *const *headers, const char *body,
                 th_resp *out)
{
    assert_int_equal(th_http_port("POST", port, path, headers, body, out), 0);
}

static void assert_hello(int port)
{
    th_resp r;
    assert_int_equal(th_http_port("GET", port, "/hello", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    th_resp_release(&r);
}

static int tcp_connect(int port)
{
    int fd = th_tcp_connect(port);
    assert_true(fd >= 0);
    return fd;
}

static void send_all(int fd, const char *data, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        data += w;
        n -= (size_t)w;
    }
}

/* Reads into sb until the peer closes, `until` appears `times` times, or the deadline
 * passes. Returns true when the peer closed (EOF or reset). */
static bool read_until(int fd, mf_strbuf *sb, const char *until, int times, int timeout_ms)
{
    int64_t deadline = mf_mono_ms() + timeout_ms;
    for (;;) {
        int seen = 0;
        for (const char *p = sb->buf; until && (p = strstr(p, until)); p++) {
            seen++;
        }
        if (until && seen >= times) {
            return false;
        }
        int64_t left = deadline - mf_mono_ms();
        if (left <= 0) {
            return false;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0) {
            continue;
        }
        char buf[4096];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            return true;
        }
        mf_strbuf_add(sb, buf, (size_t)n);
    }
}

/* Reads until `until` was seen `times` times (or 5 s passed), then closes fd; what was read
 * (heap, caller frees). */
static char *read_and_close(int fd, const char *until, int times)
{
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    read_until(fd, &sb, until, times, 5000);
    close(fd);
    char *text = mf_strbuf_detach(&sb, NULL);
    mf_strbuf_release(&sb);
    return text;
}

/* The JSON body of a raw response (after the blank line), parsed. */
static json_t *raw_body(const char *resp)
{
    const char *b = strstr(resp, "\r\n\r\n");
    return b ? json_loads(b + 4, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
}

/* ---- header size ---- */

/* A header line "x-pad: ppp..." of n characters in all (heap, caller frees). */
static char *pad_header(size_t n)
{
    char *h = filled(n);
    memcpy(h, "x-pad: ", 7);
    return h;
}

/* Headers far beyond a bearer token and an API key still fit the connection's memory. */
static void test_large_headers_accepted(void **state)
{
    (void)state;
    char *pad = pad_header(8000);
    const char *headers[] = {pad, NULL};
    th_resp r;
    post(roomy_port, "/len", headers, "abc", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "data"), "len")),
                     3);
    th_resp_release(&r);
    free(pad);
}

/* Beyond it: refused, and the server goes on. */
static void test_oversized_headers_refused(void **state)
{
    (void)state;
    char *pad = pad_header(20000);
    const char *headers[] = {pad, NULL};
    th_resp r;
    post(roomy_port, "/len", headers, "abc", &r);
    assert_int_equal(r.status, 431);
    th_resp_release(&r);
    free(pad);
    assert_hello(roomy_port);
}

/* ---- body size ---- */

static void test_body_at_limit_accepted(void **state)
{
    (void)state;
    char *body = filled(MAX_BODY);
    th_resp r;
    post(roomy_port, "/len", NULL, body, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "data"), "len")),
                     MAX_BODY);
    th_resp_release(&r);
    free(body);
}

static void test_body_too_large(void **state)
{
    (void)state;
    char *body = filled(2 * MAX_BODY);
    th_resp r;
    /* curl announces a big body with "Expect: 100-continue": answered before it is sent. */
    post(roomy_port, "/len", NULL, body, &r);
    th_expect_env(&r, 413, "request body too large");
    assert_non_null(r.request_id);
    th_resp_release(&r);

    /* Without Expect the body is read and discarded, then answered. */
    const char *const no_expect[] = {"Expect:", NULL};
    post(roomy_port, "/len", no_expect, body, &r);
    th_expect_env(&r, 413, "request body too large");
    th_resp_release(&r);

    /* Chunked: no length to check up front; the limit applies as the chunks arrive. */
    const char *const chunked[] = {"Expect:", "Transfer-Encoding: chunked", NULL};
    post(roomy_port, "/len", chunked, body, &r);
    th_expect_env(&r, 413, "request body too large");
    th_resp_release(&r);

    /* One byte over is over. */
    body[MAX_BODY + 1] = '\0';
    post(roomy_port, "/len", no_expect, body, &r);
    th_expect_env(&r, 413, "request body too large");
    th_resp_release(&r);
    free(body);

    assert_hello(roomy_port);
}

static void test_too_large_keeps_connection(void **state)
{
    (void)state;
    /* After a discarded body the same connection serves the next request. */
    int fd = tcp_connect(roomy_port);
    char *head = mf_asprintf("POST /len HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n",
                             MAX_BODY + 1);
    send_all(fd, head, strlen(head));
    free(head);
    char *body = filled(MAX_BODY + 1);
    send_all(fd, body, MAX_BODY + 1);
    free(body);
    const char *next = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    send_all(fd, next, strlen(next));

    char *got = read_and_close(fd, "\"message\"", 2);
    assert_true(strncmp(got, "HTTP/1.1 413", 12) == 0);
    assert_non_null(strstr(got, "request body too large"));
    const char *second = strstr(got + 12, "HTTP/1.1 ");
    assert_non_null(second);
    assert_true(strncmp(second, "HTTP/1.1 200", 12) == 0);
    assert_non_null(strstr(second, "\"hello\":\"world\""));
    free(got);
}

static void test_expect_gets_413_without_continue(void **state)
{
    (void)state;
    int fd = tcp_connect(roomy_port);
    const char *head = "POST /len HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2097152\r\n"
                       "Expect: 100-continue\r\n\r\n";
    send_all(fd, head, strlen(head));
    char *got = read_and_close(fd, "\"message\"", 1);
    /* The final answer comes first: the client never gets a go-ahead for the body. */
    assert_true(strncmp(got, "HTTP/1.1 413", 12) == 0);
    assert_null(strstr(got, "100 Continue"));
    json_t *j = raw_body(got);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "message")), "request body too large");
    json_decref(j);
    free(got);
}

/* ---- time ---- */

/* Headers promise 100 bytes; the body trickles one byte every 100 ms, so the connection
 * never looks idle but the request outlives SLOW_REQ_MS. */
static void slow_body_gets_408(int fd)
{
    const char *head = "POST /len HTTP/1.1\r\nHost: 127.0.0.1\r\nx-request-id: slow-1\r\n"
                       "Content-Length: 100\r\n\r\nab";
    int64_t t0 = mf_mono_ms();
    send_all(fd, head, strlen(head));
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    bool closed = false;
    int sent = 2;
    while (!closed && mf_mono_ms() - t0 < 5000) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) > 0) {
            char buf[4096];
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                closed = true;
            } else {
                mf_strbuf_add(&sb, buf, (size_t)n);
            }
        } else if (sent < 100) {
            /* pacing of the slow client, not synchronisation */
            if (send(fd, "x", 1, MSG_NOSIGNAL) == 1) {
                sent++;
            }
        }
    }
    int64_t elapsed = mf_mono_ms() - t0;

    /* MHD takes no response mid-body; the server writes the 408 itself and closes. */
    assert_true(closed);
    assert_true(elapsed >= SLOW_REQ_MS);
    assert_true(sent < 100);
    assert_true(strncmp(sb.buf, "HTTP/1.1 408", 12) == 0);
    assert_non_null(strstr(sb.buf, "x-request-id: slow-1\r\n"));
    assert_non_null(strstr(sb.buf, "Content-Type: application/json; charset=utf-8\r\n"));
    json_t *j = raw_body(sb.buf);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "code")), "10001");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 408);
    assert_string_equal(json_string_value(json_object_get(j, "message")), "request timeout");
    json_decref(j);
    mf_strbuf_release(&sb);
}

static void test_slow_body_408(void **state)
{
    (void)state;
    int fd = tcp_connect(strict_port);
    slow_body_gets_408(fd);
    close(fd);

    /* Same on a kept-alive connection that already carried a response. */
    fd = tcp_connect(strict_port);
    const char *get = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    send_all(fd, get, strlen(get));
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    assert_false(read_until(fd, &sb, "\"world\"}", 1, 3000));
    assert_true(strncmp(sb.buf, "HTTP/1.1 200", 12) == 0);
    mf_strbuf_release(&sb);
    slow_body_gets_408(fd);
    close(fd);

    assert_hello(strict_port);
}

static void test_fast_body_within_timeout(void **state)
{
    (void)state;
    th_resp r;
    post(strict_port, "/len", NULL, "{\"quick\":true}", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.json, "data"), "len")),
                     14);
    th_resp_release(&r);
}

typedef struct {
    int fd;
    bool closed;
} sock_wait;

static bool peer_closed(void *ctx)
{
    sock_wait *w = ctx;
    struct pollfd p = {.fd = w->fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0) {
        return false;
    }
    char buf[512];
    ssize_t n = recv(w->fd, buf, sizeof buf, MSG_DONTWAIT);
    w->closed = n == 0 || (n < 0 && errno != EAGAIN);
    return w->closed;
}

static void test_idle_connections_closed(void **state)
{
    (void)state;
    int64_t t0 = mf_mono_ms();
    sock_wait silent = {tcp_connect(strict_port), false};
    sock_wait partial = {tcp_connect(strict_port), false};
    const char *half = "GET /hello HTTP/1.1\r\nHost: 127.0";
    send_all(partial.fd, half, strlen(half));

    /* Others are served while those two hang around. */
    for (int i = 0; i < 5; i++) {
        assert_hello(strict_port);
    }
    if (mf_mono_ms() - t0 < SLOW_CONN_S * 1000 - 200) {
        assert_false(peer_closed(&silent));
    }

    assert_true(th_poll(peer_closed, &silent, SLOW_CONN_S * 1000 + 3000));
    assert_true(th_poll(peer_closed, &partial, SLOW_CONN_S * 1000 + 3000));
    int64_t elapsed = mf_mono_ms() - t0;
    close(silent.fd);
    close(partial.fd);
    /* Closed because of the idle timeout, not straight away. */
    assert_true(elapsed >= SLOW_CONN_S * 1000 - 100);
    assert_hello(strict_port);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_headers_accepted),
        cmocka_unit_test(test_oversized_headers_refused),
        cmocka_unit_test(test_body_at_limit_accepted),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_too_large_keeps_connection),
        cmocka_unit_test(test_expect_gets_413_without_continue),
        cmocka_unit_test(test_slow_body_408),
        cmocka_unit_test(test_fast_body_within_timeout),
        cmocka_unit_test(test_idle_connections_closed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
