/*
 * Graceful stop of the HTTP server: in-flight requests finish, new connections are refused
 * from the moment the stop begins, stop is idempotent, and mf_server_run_until_signal
 * returns on mf_server_shutdown and on a real SIGTERM.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "http_client.h"
#include "micro/clock.h"
#include "micro/http.h"
#include "micro/log.h"

/* Upper bound of the slow handler's work when the test never releases it. */
#define SLOW_MAX_MS 8000

static atomic_int slow_started;
static atomic_int slow_release;
static atomic_int slow_finished;

static void h_hello(mf_req *req)
{
    mf_respond_ok(req, "success", NULL);
}

/* Simulates work that lasts until the test releases it, so "still in flight" is a fact
 * the test controls rather than a race against a fixed duration. */
static void h_slow(mf_req *req)
{
    atomic_store(&slow_started, 1);
    int64_t end = mf_mono_ms() + SLOW_MAX_MS;
    while (!atomic_load(&slow_release) && mf_mono_ms() < end) {
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    atomic_store(&slow_finished, 1);
    mf_respond_ok(req, "slow done", NULL);
}

static void slow_reset(void)
{
    atomic_store(&slow_started, 0);
    atomic_store(&slow_release, 0);
    atomic_store(&slow_finished, 0);
}

static const mf_route routes[] = {
    {"GET", "/hello", h_hello, 0},
    {"GET", "/slow", h_slow, 0},
};

static mf_server *start_server(void)
{
    mf_server_opts o = {.service = "http-stop",
                        .host = "127.0.0.1",
                        .port = 0,
                        .threads = 4,
                        .max_body = 1 << 20,
                        .conn_timeout_s = 30,
                        .request_timeout_ms = 10000};
    mf_server *s = mf_server_new(&o);
    assert_non_null(s);
    assert_int_equal(mf_server_mount(s, routes, sizeof routes / sizeof routes[0]), 0);
    assert_int_equal(mf_server_start(s), 0);
    assert_true(mf_server_port(s) > 0);
    return s;
}

/* 1 when 127.0.0.1:port refuses a connection right now, 0 when it accepts. */
static int refused(int port)
{
    int fd = th_tcp_connect(port);
    if (fd < 0)
        return errno == ECONNREFUSED;
    close(fd);
    return 0;
}

static bool port_refuses(void *ctx)
{
    return refused(*(int *)ctx);
}

static bool flag_set(void *ctx)
{
    return atomic_load((atomic_int *)ctx) != 0;
}

typedef struct {
    int port;
    const char *path;
    th_resp resp;
    int rc;
} client_job;

static void *client_thread(void *arg)
{
    client_job *j = arg;
    j->rc = th_http_port("GET", j->port, j->path, NULL, NULL, &j->resp);
    return NULL;
}

static atomic_int stop_returned;

static void *stop_thread(void *arg)
{
    mf_server_stop(arg);
    atomic_store(&stop_returned, 1);
    return NULL;
}

static void *run_thread(void *arg)
{
    mf_server_run_until_signal(arg);
    return NULL;
}

/* Joins t, failing the test when it does not end within timeout_ms. */
static void join_within(pthread_t t, int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    assert_int_equal(pthread_timedjoin_np(t, NULL, &ts), 0);
}

static void test_graceful_stop_finishes_in_flight(void **state)
{
    (void)state;
    slow_reset();
    atomic_store(&stop_returned, 0);
    mf_server *s = start_server();
    int port = mf_server_port(s);

    client_job job = {.port = port, .path = "/slow"};
    pthread_t client, stopper;
    assert_int_equal(pthread_create(&client, NULL, client_thread, &job), 0);
    assert_true(th_poll(flag_set, &slow_started, 5000));

    assert_int_equal(pthread_create(&stopper, NULL, stop_thread, s), 0);
    /* New connections are refused while the slow request is still being worked on. */
    assert_true(th_poll(port_refuses, &port, 5000));
    assert_false(atomic_load(&slow_finished));
    /* The stop is waiting for the request, not done. */
    assert_false(atomic_load(&stop_returned));
    atomic_store(&slow_release, 1);

    join_within(client, 10000);
    join_within(stopper, 12000);
    assert_true(atomic_load(&stop_returned));
    assert_int_equal(job.rc, 0);
    assert_int_equal(job.resp.status, 200);
    assert_string_equal(json_string_value(json_object_get(job.resp.json, "message")), "slow done");
    th_resp_release(&job.resp);

    assert_true(refused(port));
    th_resp r;
    assert_int_equal(th_http_port("GET", port, "/hello", NULL, NULL, &r), -1);
    assert_int_equal(r.status, 0);
    th_resp_release(&r);

    mf_server_stop(s); /* idempotent */
    mf_server_free(s);
}

static void test_stop_idempotent(void **state)
{
    (void)state;
    mf_server *s = start_server();
    int port = mf_server_port(s);
    th_resp r;
    assert_int_equal(th_http_port("GET", port, "/hello", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    th_resp_release(&r);
    mf_server_stop(s);
    mf_server_stop(s);
    assert_true(refused(port));
    /* A stopped server does not start again. */
    assert_int_not_equal(mf_server_start(s), 0);
    mf_server_free(s);

    /* Stopping or freeing a server that never started is harmless. */
    mf_server_opts o = {
        .port = 0, .threads = 1, .max_body = 10, .conn_timeout_s = 1, .request_timeout_ms = 1};
    s = mf_server_new(&o);
    assert_non_null(s);
    mf_server_stop(s);
    mf_server_free(s);
    mf_server_free(NULL);
    mf_server_stop(NULL);
}

static void test_run_until_shutdown(void **state)
{
    (void)state;
    mf_server *s = start_server();
    int port = mf_server_port(s);
    pthread_t runner;
    assert_int_equal(pthread_create(&runner, NULL, run_thread, s), 0);

    th_resp r;
    assert_int_equal(th_http_port("GET", port, "/hello", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    th_resp_release(&r);

    mf_server_shutdown(s);
    join_within(runner, 12000);
    assert_true(refused(port));
    mf_server_free(s);
}

static bool sigterm_handled(void *ctx)
{
    (void)ctx;
    struct sigaction cur;
    sigaction(SIGTERM, NULL, &cur);
    return cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN;
}

static void test_run_until_sigterm(void **state)
{
    (void)state;
    mf_server *s = start_server();
    int port = mf_server_port(s);
    pthread_t runner;
    assert_int_equal(pthread_create(&runner, NULL, run_thread, s), 0);
    /* Only signal once the handler is in place, or the default action kills the test. */
    assert_true(th_poll(sigterm_handled, NULL, 5000));

    slow_reset();
    client_job job = {.port = port, .path = "/slow"};
    pthread_t client;
    assert_int_equal(pthread_create(&client, NULL, client_thread, &job), 0);
    assert_true(th_poll(flag_set, &slow_started, 5000));

    assert_int_equal(kill(getpid(), SIGTERM), 0);
    assert_true(th_poll(port_refuses, &port, 5000));
    atomic_store(&slow_release, 1);
    join_within(runner, 12000);
    join_within(client, 10000);
    assert_int_equal(job.resp.status, 200);
    th_resp_release(&job.resp);
    assert_true(refused(port));
    /* The previous disposition is back once the server is down. */
    assert_false(sigterm_handled(NULL));
    mf_server_free(s);
}

int main(void)
{
    mf_log_init("http-stop", MF_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graceful_stop_finishes_in_flight),
        cmocka_unit_test(test_stop_idempotent),
        cmocka_unit_test(test_run_until_shutdown),
        cmocka_unit_test(test_run_until_sigterm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
