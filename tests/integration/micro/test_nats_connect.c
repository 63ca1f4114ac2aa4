/*
 * NATS connection life: a service that starts before nats-server, reconnection after a
 * server restart (endpoints keep serving), requests failing fast while disconnected, and
 * user/password authentication.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <nats/nats.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/jetstream.h"
#include "micro/log.h"
#include "micro/nats.h"

static th_server srv;
static mf_nats *conns[3];

static int setup(void **state)
{
    (void)state;
    mf_log_init("test_nats_connect", MF_LOG_ERROR);
    return th_nats_start(&srv, false);
}

/* Runs also after a failed assertion: nothing outlives the test. */
static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++) {
        mf_nats_free(conns[i]);
        conns[i] = NULL;
    }
    th_server_stop(&srv);
    return 0;
}

static int ok_handler(json_t *data, const char *request_id, void *ctx, json_t **reply, int *status,
                      char **errmsg)
{
    (void)data;
    (void)request_id;
    (void)ctx;
    (void)status;
    (void)errmsg;
    *reply = json_string("pong");
    return 0;
}

static bool ping_ok(void *ctx)
{
    return mf_nats_ping(ctx) == 0;
}

static bool ping_down(void *ctx)
{
    return mf_nats_ping(ctx) != 0;
}

static bool request_ok(void *ctx)
{
    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    int rc = mf_nats_request(ctx, "c.ping", NULL, 500, NULL, &reply, &status, &errmsg);
    bool ok = rc == 0 && json_is_string(reply) && strcmp(json_string_value(reply), "pong") == 0;
    json_decref(reply);
    free(errmsg);
    return ok;
}

static void test_start_before_server(void **state)
{
    (void)state;
    th_server_kill(&srv); /* keep its port and dir: "NATS is not up yet" */

    int64_t start = mf_mono_ms();
    conns[0] = mf_nats_connect(srv.url, "early", NULL, NULL, 300);
    int64_t took = mf_mono_ms() - start;
    assert_non_null(conns[0]); /* a handle, not a failure: it connects later */
    assert_true(took >= 250 && took < 3000);
    assert_int_not_equal(mf_nats_ping(conns[0]), 0);

    /* Requests while down fail at once instead of waiting for their timeout. */
    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    start = mf_mono_ms();
    int rc = mf_nats_request(conns[0], "c.ping", NULL, 3000, NULL, &reply, &status, &errmsg);
    assert_int_equal(rc, MF_ERR_UNAVAILABLE);
    assert_true(mf_mono_ms() - start < 200);
    /* Endpoints can be mounted before the first connection: they start with it. */
    assert_int_equal(mf_nats_serve(conns[0], "c.ping", ok_handler, NULL, 2), 0);

    assert_int_equal(th_server_restart(&srv, false), 0);
    assert_true(th_poll(ping_ok, conns[0], 5000));
    conns[1] = mf_nats_connect(srv.url, "client", NULL, NULL, 2000);
    assert_true(th_poll(request_ok, conns[1], 5000));
}

static atomic_int js_got;
static atomic_bool js_saw_second; /* the message published after a restart arrived */
static atomic_int js_round;       /* "round" field of the next publish */

static int js_count(const char *subject, json_t *data, const char *request_id, void *ctx)
{
    (void)subject;
    (void)request_id;
    (void)ctx;
    atomic_fetch_add(&js_got, 1);
    if (json_integer_value(json_object_get(data, "round")) == 2)
        atomic_store(&js_saw_second, true);
    return 0;
}

static bool js_publish_ok(void *ctx)
{
    json_t *ev = json_pack("{s:i}", "round", atomic_load(&js_round));
    int rc = mf_js_publish(ctx, "early.x", ev, "rid-early", 500);
    json_decref(ev);
    return rc == 0;
}

static bool js_received(void *ctx)
{
    (void)ctx;
    return atomic_load(&js_got) >= 1;
}

/* A service that sets up its stream and consumer before NATS is up gets them once it is. */
static void test_jetstream_setup_waits_for_server(void **state)
{
    (void)state;
    th_server_kill(&srv);
    conns[0] = mf_nats_connect(srv.url, "early-js", NULL, NULL, 200);
    assert_non_null(conns[0]);
    atomic_store(&js_got, 0);
    const char *subjects[] = {"early.>"};
    assert_int_equal(mf_js_stream_ensure(conns[0], "EARLY", subjects, 1), 0);
    assert_int_equal(mf_js_consume(conns[0], "EARLY", "early", NULL, js_count, NULL), 0);
    json_t *ev = json_object();
    assert_int_equal(mf_js_publish(conns[0], "early.x", ev, NULL, 500), MF_ERR_UNAVAILABLE);
    json_decref(ev);

    assert_int_equal(th_server_restart(&srv, true), 0);
    conns[1] = mf_nats_connect(srv.url, "publisher", NULL, NULL, 2000);
    assert_non_null(conns[1]);
    assert_true(th_poll(js_publish_ok, conns[1], 5000)); /* the stream exists */
    assert_true(th_poll(js_received, NULL, 5000));       /* and the consumer runs */
}

static void test_reconnect_keeps_endpoints(void **state)
{
    (void)state;
    conns[0] = mf_nats_connect(srv.url, "svc", NULL, NULL, 2000);
    conns[1] = mf_nats_connect(srv.url, "client", NULL, NULL, 2000);
    assert_non_null(conns[0]);
    assert_non_null(conns[1]);
    assert_int_equal(mf_nats_ping(conns[0]), 0);
    assert_int_equal(mf_nats_serve(conns[0], "c.ping", ok_handler, NULL, 2), 0);
    assert_true(request_ok(conns[1]));

    th_server_kill(&srv);
    assert_true(th_poll(ping_down, conns[0], 5000));
    assert_true(th_poll(ping_down, conns[1], 5000));

    assert_int_equal(th_server_restart(&srv, false), 0);
    assert_true(th_poll(ping_ok, conns[0], 5000));
    assert_true(th_poll(ping_ok, conns[1], 5000));
    /* The subscriptions are replayed on reconnect: the endpoint answers again. */
    assert_true(th_poll(request_ok, conns[1], 5000));
}

static bool js_received_second(void *ctx)
{
    (void)ctx;
    return atomic_load(&js_saw_second);
}

/* The durable consumer (on disk) and our subscription to it survive a server restart. */
static void test_jetstream_survives_restart(void **state)
{
    (void)state;
    assert_int_equal(th_server_restart(&srv, true), 0);
    conns[0] = mf_nats_connect(srv.url, "consumer", NULL, NULL, 2000);
    conns[1] = mf_nats_connect(srv.url, "publisher", NULL, NULL, 2000);
    atomic_store(&js_got, 0);
    atomic_store(&js_saw_second, false);
    atomic_store(&js_round, 1);
    const char *subjects[] = {"early.>"};
    assert_int_equal(mf_js_stream_ensure(conns[1], "EARLY", subjects, 1), 0);
    assert_int_equal(mf_js_consume(conns[0], "EARLY", "early", NULL, js_count, NULL), 0);
    assert_true(js_publish_ok(conns[1]));
    assert_true(th_poll(js_received, NULL, 5000));

    th_server_kill(&srv);
    assert_true(th_poll(ping_down, conns[0], 5000));
    assert_int_equal(th_server_restart(&srv, true), 0);
    atomic_store(&js_round, 2);
    assert_true(th_poll(js_publish_ok, conns[1], 5000));
    assert_true(th_poll(js_received_second, NULL, 5000));
}

static void test_bad_url(void **state)
{
    (void)state;
    assert_null(mf_nats_connect("", "x", NULL, NULL, 100));
    assert_null(mf_nats_connect("nats://127.0.0.1:notaport", "x", NULL, NULL, 100));
}

/* A server of our own with a user and password (the harness starts open servers). */
static void test_user_password(void **state)
{
    (void)state;
    th_server_kill(&srv);
    char port[16];
    snprintf(port, sizeof(port), "%d", srv.port);
    char *log = mf_asprintf("%s/auth.log", srv.dir);
    const char *argv[] = {"nats-server", "-a",  "127.0.0.1", "-p",     port,
                          "--user",      "svc", "--pass",    "s3cret", NULL};
    srv.pid = th_spawn(argv, log); /* srv.pid: teardown stops it */
    free(log);
    assert_true(srv.pid > 0);
    assert_int_equal(th_wait_port(srv.port, 10000), 0);

    conns[0] = mf_nats_connect(srv.url, "good", "svc", "s3cret", 2000);
    assert_non_null(conns[0]);
    assert_int_equal(mf_nats_ping(conns[0]), 0);
    assert_int_equal(mf_nats_serve(conns[0], "c.ping", ok_handler, NULL, 1), 0);
    assert_true(request_ok(conns[0]));

    /* Wrong credentials never reach the connected state (the handle keeps retrying, as for
     * a server that is not up yet, so fixing the server side heals the service). */
    conns[1] = mf_nats_connect(srv.url, "bad", "svc", "wrong", 500);
    assert_non_null(conns[1]);
    assert_int_not_equal(mf_nats_ping(conns[1]), 0);
    conns[2] = mf_nats_connect(srv.url, "anon", NULL, NULL, 500);
    assert_non_null(conns[2]);
    assert_int_not_equal(mf_nats_ping(conns[2]), 0);
    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    assert_int_equal(mf_nats_request(conns[1], "c.ping", NULL, 500, NULL, &reply, &status, &errmsg),
                     MF_ERR_UNAVAILABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_before_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnect_keeps_endpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jetstream_setup_waits_for_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jetstream_survives_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_password, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nats_CloseAndWait(5000);
    return rc;
}
