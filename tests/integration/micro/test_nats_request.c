/*
 * NATS request/reply against a real nats-server: data and error envelopes, timeouts, no
 * responders, the request id header, queue-group load sharing, parallel workers, malformed
 * requests and replies, plain publish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/envelope.h"
#include "micro/error.h"
#include "micro/log.h"
#include "micro/nats.h"

typedef struct {
    th_server srv;
    mf_nats *server; /* serves the endpoints */
    mf_nats *client; /* sends the requests */
} fixture;

static int group_setup(void **state)
{
    mf_log_init("test_nats_request", MF_LOG_ERROR);
    fixture *f = mf_calloc(1, sizeof(*f));
    if (th_nats_start(&f->srv, false) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *f = *state;
    th_server_stop(&f->srv);
    free(f);
    return 0;
}

/* Fresh connections per test so that a test's endpoints never leak into the next one. */
static int setup(void **state)
{
    fixture *f = *state;
    f->server = mf_nats_connect(f->srv.url, "test-server", NULL, NULL, 2000);
    f->client = mf_nats_connect(f->srv.url, "test-client", NULL, NULL, 2000);
    return (f->server != NULL && f->client != NULL) ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mf_nats_free(f->client);
    mf_nats_free(f->server);
    f->client = f->server = NULL;
    return 0;
}

/* ---- handlers ----------------------------------------------------------------------------- */

static atomic_int echo_calls;

/* Echoes the request and the request id it saw. */
static int echo_handler(json_t *data, const char *request_id, void *ctx, json_t **reply,
                        int *status, char **errmsg)
{
    (void)ctx;
    (void)status;
    (void)errmsg;
    atomic_fetch_add(&echo_calls, 1);
    *reply = json_pack("{s:O,s:s}", "echo", data, "rid", request_id != NULL ? request_id : "");
    return 0;
}

/* Fails with the status and message given in the request. */
static int fail_handler(json_t *data, const char *request_id, void *ctx, json_t **reply,
                        int *status, char **errmsg)
{
    (void)request_id;
    (void)ctx;
    (void)reply;
    *status = (int)json_integer_value(json_object_get(data, "status"));
    *errmsg = mf_strdup(json_string_value(json_object_get(data, "message")));
    return MF_ERR;
}

/* Static, not on a test's stack: a failed assertion must not leave a handler polling a
 * dead frame. */
static atomic_bool slow_release;
static atomic_bool slow_done;

/* Blocks until the test sets slow_release (or 5 s pass): slower than any request timeout. */
static int slow_handler(json_t *data, const char *request_id, void *ctx, json_t **reply,
                        int *status, char **errmsg)
{
    (void)data;
    (void)request_id;
    (void)ctx;
    (void)status;
    (void)errmsg;
    int64_t deadline = mf_mono_ms() + 5000;
    while (!atomic_load(&slow_release) && mf_mono_ms() < deadline) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    atomic_store(&slow_done, true);
    *reply = json_true();
    return 0;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_roundtrip_data(void **state)
{
    fixture *f = *state;
    assert_int_equal(mf_nats_serve(f->server, "t.echo", echo_handler, NULL, 2), 0);

    json_t *req = json_pack("{s:i,s:s}", "x", 42, "s", "héllo");
    json_t *reply = NULL;
    int status = -1;
    char *errmsg = NULL;
    int rc =
        mf_nats_request(f->client, "t.echo", req, 2000, "rid-roundtrip", &reply, &status, &errmsg);
    assert_int_equal(rc, 0);
    assert_null(errmsg);
    assert_non_null(reply);
    assert_true(json_equal(json_object_get(reply, "echo"), req));
    assert_string_equal(json_string_value(json_object_get(reply, "rid")), "rid-roundtrip");
    json_decref(reply);
    json_decref(req);
}

static void test_null_data_and_reply(void **state)
{
    fixture *f = *state;
    assert_int_equal(mf_nats_serve(f->server, "t.echo2", echo_handler, NULL, 1), 0);
    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    /* NULL data travels as an empty object. */
    assert_int_equal(
        mf_nats_request(f->client, "t.echo2", NULL, 2000, NULL, &reply, &status, &errmsg), 0);
    assert_true(json_is_object(json_object_get(reply, "echo")));
    assert_int_equal(json_object_size(json_object_get(reply, "echo")), 0);
    /* Without an id from the caller the server side still gets one for its logs. */
    assert_true(strlen(json_string_value(json_object_get(reply, "rid"))) > 0);
    json_decref(reply);
}

static void test_error_envelope(void **state)
{
    fixture *f = *state;
    assert_int_equal(mf_nats_serve(f->server, "t.fail", fail_handler, NULL, 1), 0);

    json_t *req = json_pack("{s:i,s:s}", "status", 404, "message", "user does not exists");
    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    int rc = mf_nats_request(f->client, "t.fail", req, 2000, "rid-err", &reply, &status, &errmsg);
    assert_int_equal(rc, MF_ERR_REMOTE);
    assert_null(reply);
    assert_int_equal(status, 404);
    assert_string_equal(errmsg, "user does not exists");
    free(errmsg);
    json_decref(req);

    /* A 500 never carries the handler's internal text across the wire. */
    req = json_pack("{s:i,s:s}", "status", 500, "message", "pq: connection refused at 10.0.0.1");
    errmsg = NULL;
    rc = mf_nats_request(f->client, "t.fail", req, 2000, "rid-500", &reply, &status, &errmsg);
    assert_int_equal(rc, MF_ERR_REMOTE);
    assert_int_equal(status, 500);
    assert_string_equal(errmsg, MF_MSG_INTERNAL);
    free(errmsg);
    json_decref(req);

    /* A nonsense status from a handler becomes a 500 rather than a "successful" error. */
    req = json_pack("{s:i,s:s}", "status", 200, "message", "odd");
    errmsg = NULL;
    rc = mf_nats_request(f->client, "t.fail", req, 2000, NULL, &reply, &status, &errmsg);
    assert_int_equal(rc, MF_ERR_REMOTE);
    assert_int_equal(status, 500);
    free(errmsg);
    json_decref(req);
}

static void test_timeout(void **state)
{
    fixture *f = *state;
    atomic_store(&slow_release, false);
    assert_int_equal(mf_nats_serve(f->server, "t.slow", slow_handler, NULL, 1), 0);

    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    int64_t start = mf_mono_ms();
    int rc = mf_nats_request(f->client, "t.slow", NULL, 300, "rid-slow", &reply, &status, &errmsg);
    int64_t took = mf_mono_ms() - start;
    atomic_store(&slow_release, true);
    assert_int_equal(rc, MF_ERR_TIMEOUT);
    assert_null(reply);
    assert_null(errmsg);
    assert_true(took >= 250);
    assert_true(took < 2000);
}

static void test_no_responders(void **state)
{
    fixture *f = *state;
    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    int64_t start = mf_mono_ms();
    int rc = mf_nats_request(f->client, "t.nobody.home", NULL, 5000, "rid-none", &reply, &status,
                             &errmsg);
    int64_t took = mf_mono_ms() - start;
    assert_int_equal(rc, MF_ERR_NO_RESPONDERS);
    assert_null(reply);
    assert_true(took < 1000); /* answered by the server at once, not by the 5 s timeout */
}

/* The X-Request-Id header is what carries the id (checked with a raw libnats client), and
 * the reply carries it back. */
static void test_request_id_header(void **state)
{
    fixture *f = *state;
    assert_int_equal(mf_nats_serve(f->server, "t.rid", echo_handler, NULL, 1), 0);

    natsConnection *nc = NULL;
    assert_int_equal(natsConnection_ConnectTo(&nc, f->srv.url), NATS_OK);
    natsMsg *msg = NULL;
    assert_int_equal(natsMsg_Create(&msg, "t.rid", NULL, "{}", 2), NATS_OK);
    assert_int_equal(natsMsgHeader_Set(msg, "X-Request-Id", "hdr-123"), NATS_OK);
    natsMsg *resp = NULL;
    assert_int_equal(natsConnection_RequestMsg(&resp, nc, msg, 2000), NATS_OK);

    json_t *env = json_loadb(natsMsg_GetData(resp), (size_t)natsMsg_GetDataLength(resp), 0, NULL);
    assert_non_null(env);
    assert_string_equal(json_string_value(json_object_get(json_object_get(env, "data"), "rid")),
                        "hdr-123");
    const char *back = NULL;
    assert_int_equal(natsMsgHeader_Get(resp, "X-Request-Id", &back), NATS_OK);
    assert_string_equal(back, "hdr-123");
    json_decref(env);
    natsMsg_Destroy(resp);
    natsMsg_Destroy(msg);

    /* And mf_nats_request puts it in the header (a raw subscriber sees it). */
    natsSubscription *sub = NULL;
    assert_int_equal(natsConnection_SubscribeSync(&sub, nc, "t.rid.raw"), NATS_OK);
    assert_int_equal(natsConnection_FlushTimeout(nc, 2000), NATS_OK);
    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    /* nobody answers: only the sent message matters */
    int rc =
        mf_nats_request(f->client, "t.rid.raw", NULL, 200, "rid-raw", &reply, &status, &errmsg);
    assert_int_equal(rc, MF_ERR_TIMEOUT);
    natsMsg *got = NULL;
    assert_int_equal(natsSubscription_NextMsg(&got, sub, 2000), NATS_OK);
    back = NULL;
    assert_int_equal(natsMsgHeader_Get(got, "X-Request-Id", &back), NATS_OK);
    assert_string_equal(back, "rid-raw");
    natsMsg_Destroy(got);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

typedef struct {
    atomic_int calls;
} counter;

static int count_handler(json_t *data, const char *request_id, void *ctx, json_t **reply,
                         int *status, char **errmsg)
{
    (void)request_id;
    (void)status;
    (void)errmsg;
    counter *c = ctx;
    atomic_fetch_add(&c->calls, 1);
    *reply = json_pack("{s:O}", "seq", json_object_get(data, "seq"));
    return 0;
}

static void test_queue_group_shares(void **state)
{
    fixture *f = *state;
    mf_nats *other = mf_nats_connect(f->srv.url, "test-server-2", NULL, NULL, 2000);
    assert_non_null(other);
    counter a = {0}, b = {0};
    assert_int_equal(mf_nats_serve(f->server, "t.q", count_handler, &a, 2), 0);
    assert_int_equal(mf_nats_serve(other, "t.q", count_handler, &b, 2), 0);

    /* Keep sending until both replicas served some (random spread: 40 are normally plenty). */
    int sent = 0;
    while (sent < 40 ||
           ((atomic_load(&a.calls) == 0 || atomic_load(&b.calls) == 0) && sent < 400)) {
        json_t *req = json_pack("{s:i}", "seq", sent);
        json_t *reply = NULL;
        int status = 0;
        char *errmsg = NULL;
        int rc = mf_nats_request(f->client, "t.q", req, 2000, NULL, &reply, &status, &errmsg);
        assert_int_equal(rc, 0);
        assert_int_equal(json_integer_value(json_object_get(reply, "seq")), sent);
        json_decref(reply);
        json_decref(req);
        sent++;
    }
    /* Exactly once: one answer per request and no extra handler calls anywhere. */
    assert_int_equal(atomic_load(&a.calls) + atomic_load(&b.calls), sent);
    assert_true(atomic_load(&a.calls) > 0);
    assert_true(atomic_load(&b.calls) > 0);
    mf_nats_free(other);
}

/* ---- parallel workers ---- */

typedef struct {
    atomic_int in_flight;
    atomic_int max_seen;
} parallel_state;

static int parallel_handler(json_t *data, const char *request_id, void *ctx, json_t **reply,
                            int *status, char **errmsg)
{
    (void)data;
    (void)request_id;
    (void)status;
    (void)errmsg;
    parallel_state *p = ctx;
    int now = atomic_fetch_add(&p->in_flight, 1) + 1;
    int seen = atomic_load(&p->max_seen);
    while (now > seen && !atomic_compare_exchange_weak(&p->max_seen, &seen, now)) {
    }
    /* Hold on until a second handler runs at the same time (or give up after 3 s). */
    int64_t deadline = mf_mono_ms() + 3000;
    while (atomic_load(&p->max_seen) < 2 && mf_mono_ms() < deadline) {
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    atomic_fetch_sub(&p->in_flight, 1);
    *reply = json_true();
    return 0;
}

typedef struct {
    mf_nats *client;
    int rc;
} requester;

static void *request_thread(void *arg)
{
    requester *r = arg;
    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    r->rc = mf_nats_request(r->client, "t.par", NULL, 5000, NULL, &reply, &status, &errmsg);
    json_decref(reply);
    free(errmsg);
    return NULL;
}

static void test_workers_run_in_parallel(void **state)
{
    fixture *f = *state;
    parallel_state p = {0};
    enum { N = 8 };
    assert_int_equal(mf_nats_serve(f->server, "t.par", parallel_handler, &p, N), 0);
    pthread_t th[N];
    requester r[N];
    for (int i = 0; i < N; i++) {
        r[i].client = f->client;
        r[i].rc = -100;
        assert_int_equal(pthread_create(&th[i], NULL, request_thread, &r[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].rc, 0);
    }
    assert_true(atomic_load(&p.max_seen) >= 2);
}

static void test_malformed_request(void **state)
{
    fixture *f = *state;
    atomic_store(&echo_calls, 0);
    assert_int_equal(mf_nats_serve(f->server, "t.bad", echo_handler, NULL, 1), 0);

    natsConnection *nc = NULL;
    assert_int_equal(natsConnection_ConnectTo(&nc, f->srv.url), NATS_OK);
    const char *bodies[] = {"{bad json", "", "\xff\xfe"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        natsMsg *resp = NULL;
        assert_int_equal(
            natsConnection_Request(&resp, nc, "t.bad", bodies[i], (int)strlen(bodies[i]), 2000),
            NATS_OK);
        json_t *env =
            json_loadb(natsMsg_GetData(resp), (size_t)natsMsg_GetDataLength(resp), 0, NULL);
        assert_non_null(env);
        assert_string_equal(json_string_value(json_object_get(env, "error")), "invalid request");
        assert_int_equal(json_integer_value(json_object_get(env, "status")), 400);
        assert_null(json_object_get(env, "data"));
        json_decref(env);
        natsMsg_Destroy(resp);
    }
    assert_int_equal(atomic_load(&echo_calls), 0);
    natsConnection_Destroy(nc);
}

static void garbage_responder(natsConnection *nc, natsSubscription *sub, natsMsg *msg,
                              void *closure)
{
    (void)sub;
    const char *body = closure;
    natsConnection_PublishString(nc, natsMsg_GetReply(msg), body);
    natsMsg_Destroy(msg);
}

static void test_malformed_reply(void **state)
{
    fixture *f = *state;
    natsConnection *nc = NULL;
    assert_int_equal(natsConnection_ConnectTo(&nc, f->srv.url), NATS_OK);
    natsSubscription *s1 = NULL, *s2 = NULL;
    assert_int_equal(
        natsConnection_Subscribe(&s1, nc, "t.garbage", garbage_responder, (void *)"not json"),
        NATS_OK);
    assert_int_equal(natsConnection_Subscribe(&s2, nc, "t.nodata", garbage_responder,
                                              (void *)"{\"status\":200}"),
                     NATS_OK);
    assert_int_equal(natsConnection_FlushTimeout(nc, 2000), NATS_OK);

    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    assert_int_equal(
        mf_nats_request(f->client, "t.garbage", NULL, 2000, NULL, &reply, &status, &errmsg),
        MF_ERR);
    assert_null(reply);
    assert_null(errmsg);
    assert_int_equal(
        mf_nats_request(f->client, "t.nodata", NULL, 2000, NULL, &reply, &status, &errmsg), MF_ERR);
    assert_null(reply);

    natsSubscription_Unsubscribe(s1);
    natsSubscription_Unsubscribe(s2);
    natsSubscription_Destroy(s1);
    natsSubscription_Destroy(s2);
    natsConnection_Destroy(nc);
}

static void test_publish(void **state)
{
    fixture *f = *state;
    natsConnection *nc = NULL;
    assert_int_equal(natsConnection_ConnectTo(&nc, f->srv.url), NATS_OK);
    natsSubscription *sub = NULL;
    assert_int_equal(natsConnection_SubscribeSync(&sub, nc, "t.events.>"), NATS_OK);
    assert_int_equal(natsConnection_FlushTimeout(nc, 2000), NATS_OK);

    json_t *ev = json_pack("{s:s}", "id", "u1");
    assert_int_equal(mf_nats_publish(f->client, "t.events.user", ev, "rid-pub"), 0);
    natsMsg *got = NULL;
    assert_int_equal(natsSubscription_NextMsg(&got, sub, 2000), NATS_OK);
    assert_string_equal(natsMsg_GetSubject(got), "t.events.user");
    json_t *body = json_loadb(natsMsg_GetData(got), (size_t)natsMsg_GetDataLength(got), 0, NULL);
    assert_true(json_equal(body, ev));
    const char *rid = NULL;
    assert_int_equal(natsMsgHeader_Get(got, "X-Request-Id", &rid), NATS_OK);
    assert_string_equal(rid, "rid-pub");
    json_decref(body);
    json_decref(ev);
    natsMsg_Destroy(got);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

/* mf_nats_free returns only after running handlers are done (no use after free). */
static void test_free_waits_for_handlers(void **state)
{
    fixture *f = *state;
    atomic_store(&slow_release, false);
    atomic_store(&slow_done, false);
    assert_int_equal(mf_nats_serve(f->server, "t.free", slow_handler, NULL, 1), 0);
    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    /* Leaves a handler blocked on `release`. */
    assert_int_equal(
        mf_nats_request(f->client, "t.free", NULL, 100, NULL, &reply, &status, &errmsg),
        MF_ERR_TIMEOUT);
    assert_false(atomic_load(&slow_done));
    atomic_store(&slow_release, true);
    int64_t start = mf_mono_ms();
    mf_nats_free(f->server);
    f->server = NULL;
    assert_true(atomic_load(&slow_done)); /* the handler finished before free returned */
    assert_true(mf_mono_ms() - start < 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_data_and_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_envelope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_responders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_id_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_group_shares, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workers_run_in_parallel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_waits_for_handlers, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    /* Releases libnats' global threads and memory so leak checkers see a clean exit. */
    nats_CloseAndWait(5000);
    return rc;
}
