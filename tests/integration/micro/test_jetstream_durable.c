/*
 * JetStream against a real nats-server -js: idempotent stream setup, acknowledged publish,
 * durable consumers (messages wait for a consumer that is not running), nak and
 * redelivery, poison messages, replicas sharing one durable without duplicates, and batch
 * consumers (a backlog handed over in bounded batches).
 * The server's view (stream and consumer info) is read with raw libnats calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdlib.h>

#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/jetstream.h"
#include "micro/log.h"
#include "micro/nats.h"

#define MAX_SEEN 256

typedef struct {
    pthread_mutex_t mu;
    int calls;
    int n;
    char *subject[MAX_SEEN];
    json_t *data[MAX_SEEN];
    char *rid[MAX_SEEN];
    int nak_first; /* nak the first delivery of every message with data.nak == true */
} recorder;

typedef struct {
    th_server srv;
    natsConnection *raw;
    jsCtx *rawjs;
    mf_nats *c[3];
    recorder rec[2];
} fixture;

static int group_setup(void **state)
{
    mf_log_init("test_jetstream", MF_LOG_ERROR);
    fixture *f = mf_calloc(1, sizeof(*f));
    if (th_nats_start(&f->srv, true) != 0) {
        free(f);
        return -1;
    }
    if (natsConnection_ConnectTo(&f->raw, f->srv.url) != NATS_OK ||
        natsConnection_JetStream(&f->rawjs, f->raw, NULL) != NATS_OK) {
        natsConnection_Destroy(f->raw);
        th_server_stop(&f->srv);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *f = *state;
    jsCtx_Destroy(f->rawjs);
    natsConnection_Destroy(f->raw);
    th_server_stop(&f->srv);
    free(f);
    return 0;
}

static int setup(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 2; i++) {
        memset(&f->rec[i], 0, sizeof(f->rec[i]));
        pthread_mutex_init(&f->rec[i].mu, NULL);
    }
    for (int i = 0; i < 3; i++) {
        f->c[i] = mf_nats_connect(f->srv.url, "test-js", NULL, NULL, 2000);
        if (f->c[i] == NULL)
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 3; i++) {
        mf_nats_free(f->c[i]); /* stops the handlers before the recorders go */
        f->c[i] = NULL;
    }
    for (int i = 0; i < 2; i++) {
        recorder *r = &f->rec[i];
        for (int j = 0; j < r->n; j++) {
            free(r->subject[j]);
            free(r->rid[j]);
            json_decref(r->data[j]);
        }
        pthread_mutex_destroy(&r->mu);
    }
    return 0;
}

/* Records every message it acks; naks the first delivery of those asking for it. */
static int record_handler(const char *subject, json_t *data, const char *request_id, void *ctx)
{
    recorder *r = ctx;
    pthread_mutex_lock(&r->mu);
    r->calls++;
    bool nak = false;
    if (r->nak_first && json_is_true(json_object_get(data, "nak"))) {
        /* first time we see this id: refuse it */
        nak = true;
        for (int i = 0; i < r->n && nak; i++)
            nak = !json_equal(json_object_get(r->data[i], "id"), json_object_get(data, "id"));
    }
    if (r->n < MAX_SEEN) {
        r->subject[r->n] = mf_strdup(subject);
        r->data[r->n] = json_incref(data);
        r->rid[r->n] = mf_strdup(request_id != NULL ? request_id : "");
        r->n++;
    }
    pthread_mutex_unlock(&r->mu);
    return nak ? 1 : 0;
}

static int rec_count(recorder *r)
{
    pthread_mutex_lock(&r->mu);
    int n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

typedef struct {
    recorder *r;
    int want;
} want_count;

static bool has_count(void *ctx)
{
    want_count *w = ctx;
    return rec_count(w->r) >= w->want;
}

typedef struct {
    recorder *a, *b;
    int want;
} want_total;

static bool has_total(void *ctx)
{
    want_total *w = ctx;
    return rec_count(w->a) + rec_count(w->b) >= w->want;
}

typedef struct {
    jsCtx *js;
    const char *stream, *durable;
    uint64_t stream_seq; /* all stream messages up to this one delivered */
} settled_ctx;

/* The consumer has delivered everything up to stream_seq and nothing awaits an ack. */
static bool consumer_settled(void *ctx)
{
    settled_ctx *s = ctx;
    jsConsumerInfo *ci = NULL;
    if (js_GetConsumerInfo(&ci, s->js, s->stream, s->durable, NULL, NULL) != NATS_OK)
        return false;
    bool ok = ci->NumAckPending == 0 && ci->NumPending == 0 && ci->AckFloor.Stream >= s->stream_seq;
    jsConsumerInfo_Destroy(ci);
    return ok;
}

static void ensure(fixture *f, const char *stream, const char *subject)
{
    const char *subjects[] = {subject};
    assert_int_equal(mf_js_stream_ensure(f->c[0], stream, subjects, 1), 0);
}

static void publish(mf_nats *n, const char *subject, int id, bool nak, const char *rid)
{
    json_t *ev = json_pack("{s:i,s:b}", "id", id, "nak", nak);
    assert_int_equal(mf_js_publish(n, subject, ev, rid, 2000), 0);
    json_decref(ev);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_stream_ensure_idempotent(void **state)
{
    fixture *f = *state;
    const char *one[] = {"s1.a"};
    assert_int_equal(mf_js_stream_ensure(f->c[0], "S1", one, 1), 0);
    assert_int_equal(mf_js_stream_ensure(f->c[0], "S1", one, 1), 0);
    assert_int_equal(mf_js_stream_ensure(f->c[1], "S1", one, 1), 0);

    jsStreamInfo *si = NULL;
    assert_int_equal(js_GetStreamInfo(&si, f->rawjs, "S1", NULL, NULL), NATS_OK);
    assert_int_equal(si->Config->SubjectsLen, 1);
    assert_string_equal(si->Config->Subjects[0], "s1.a");
    assert_int_equal(si->Config->Storage, js_FileStorage);
    jsStreamInfo_Destroy(si);

    /* New subjects are added to the existing stream, its messages kept. */
    publish(f->c[0], "s1.a", 1, false, NULL);
    const char *two[] = {"s1.a", "s1.b"};
    assert_int_equal(mf_js_stream_ensure(f->c[0], "S1", two, 2), 0);
    publish(f->c[0], "s1.b", 2, false, NULL);
    assert_int_equal(js_GetStreamInfo(&si, f->rawjs, "S1", NULL, NULL), NATS_OK);
    assert_int_equal(si->Config->SubjectsLen, 2);
    assert_int_equal(si->State.Msgs, 2);
    jsStreamInfo_Destroy(si);

    assert_int_equal(mf_js_stream_ensure(f->c[0], "", two, 2), MF_ERR);
    assert_int_equal(mf_js_stream_ensure(f->c[0], "S1", two, 0), MF_ERR);
}

static void test_publish_ack(void **state)
{
    fixture *f = *state;
    ensure(f, "PUB", "pub.>");
    publish(f->c[0], "pub.x", 7, false, "rid-pub");

    jsStreamInfo *si = NULL;
    assert_int_equal(js_GetStreamInfo(&si, f->rawjs, "PUB", NULL, NULL), NATS_OK);
    assert_int_equal(si->State.Msgs, 1); /* stored when mf_js_publish returned */
    jsStreamInfo_Destroy(si);

    /* No stream captures the subject: an error, not a silent drop, and not a long wait. */
    json_t *ev = json_object();
    int64_t start = mf_mono_ms();
    assert_int_equal(mf_js_publish(f->c[0], "nostream.x", ev, NULL, 3000), MF_ERR);
    assert_true(mf_mono_ms() - start < 1000);
    json_decref(ev);
}

static void test_consumer_receives(void **state)
{
    fixture *f = *state;
    ensure(f, "EV", "ev.>");
    assert_int_equal(mf_js_consume(f->c[0], "EV", "recv", NULL, record_handler, &f->rec[0]), 0);
    char rid[32];
    for (int i = 0; i < 5; i++) {
        snprintf(rid, sizeof(rid), "rid-%d", i);
        publish(f->c[1], i % 2 ? "ev.odd" : "ev.even", i, false, rid);
    }
    want_count w = {&f->rec[0], 5};
    assert_true(th_poll(has_count, &w, 5000));
    for (int i = 0; i < 5; i++) {
        snprintf(rid, sizeof(rid), "rid-%d", i);
        assert_string_equal(f->rec[0].subject[i], i % 2 ? "ev.odd" : "ev.even");
        assert_int_equal(json_integer_value(json_object_get(f->rec[0].data[i], "id")), i);
        assert_string_equal(f->rec[0].rid[i], rid);
    }
    settled_ctx s = {f->rawjs, "EV", "recv", 5};
    assert_true(th_poll(consumer_settled, &s, 5000));
    assert_int_equal(f->rec[0].calls, 5);
}

/* The consumer only binds: started before its publisher created the stream, it waits for the
 * stream and then gets everything published to it. */
static void test_consumer_waits_for_stream(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        mf_js_consume(f->c[0], "AWAITED", "awaiting", "awaited.>", record_handler, &f->rec[0]), 0);
    jsStreamInfo *si = NULL;
    assert_int_not_equal(js_GetStreamInfo(&si, f->rawjs, "AWAITED", NULL, NULL), NATS_OK);
    /* the publisher (another connection) creates it */
    const char *subjects[] = {"awaited.>"};
    assert_int_equal(mf_js_stream_ensure(f->c[1], "AWAITED", subjects, 1), 0);
    publish(f->c[1], "awaited.one", 1, false, "rid-awaited");
    want_count w = {&f->rec[0], 1};
    assert_true(th_poll(has_count, &w, 5000));
    assert_string_equal(f->rec[0].subject[0], "awaited.one");
    settled_ctx s = {f->rawjs, "AWAITED", "awaiting", 1};
    assert_true(th_poll(consumer_settled, &s, 5000));
}

static void test_filter_subject(void **state)
{
    fixture *f = *state;
    ensure(f, "FIL", "fil.>");
    assert_int_equal(mf_js_consume(f->c[0], "FIL", "onlya", "fil.a", record_handler, &f->rec[0]),
                     0);
    publish(f->c[1], "fil.b", 1, false, NULL);
    publish(f->c[1], "fil.a", 2, false, NULL);
    want_count w = {&f->rec[0], 1};
    assert_true(th_poll(has_count, &w, 5000));
    settled_ctx s = {f->rawjs, "FIL", "onlya", 2};
    assert_true(th_poll(consumer_settled, &s, 5000));
    assert_int_equal(rec_count(&f->rec[0]), 1);
    assert_string_equal(f->rec[0].subject[0], "fil.a");

    /* Same durable, different filter: refused rather than silently misconfigured. */
    assert_int_equal(mf_js_consume(f->c[1], "FIL", "onlya", "fil.b", record_handler, &f->rec[1]),
                     MF_ERR);
    /* Invalid durable names. */
    assert_int_equal(mf_js_consume(f->c[1], "FIL", "a.b", NULL, record_handler, &f->rec[1]),
                     MF_ERR);
}

/* The durable outlives its consumers: what is published while none runs waits for the next
 * one, and what was acked is not delivered again. */
static void test_message_waits_for_consumer(void **state)
{
    fixture *f = *state;
    ensure(f, "LATE", "late.>");
    publish(f->c[1], "late.x", 1, false, NULL); /* before the consumer ever existed */

    assert_int_equal(mf_js_consume(f->c[0], "LATE", "late", NULL, record_handler, &f->rec[0]), 0);
    want_count w = {&f->rec[0], 1};
    assert_true(th_poll(has_count, &w, 5000));
    settled_ctx s = {f->rawjs, "LATE", "late", 1};
    assert_true(th_poll(consumer_settled, &s, 5000));
    mf_nats_free(f->c[0]); /* the service stops */
    f->c[0] = NULL;

    publish(f->c[1], "late.x", 2, false, "rid-while-down");
    jsConsumerInfo *ci = NULL;
    assert_int_equal(js_GetConsumerInfo(&ci, f->rawjs, "LATE", "late", NULL, NULL), NATS_OK);
    assert_int_equal(ci->NumPending, 1); /* kept for the durable */
    jsConsumerInfo_Destroy(ci);

    assert_int_equal(mf_js_consume(f->c[2], "LATE", "late", NULL, record_handler, &f->rec[1]), 0);
    want_count w2 = {&f->rec[1], 1};
    assert_true(th_poll(has_count, &w2, 5000));
    settled_ctx s2 = {f->rawjs, "LATE", "late", 2};
    assert_true(th_poll(consumer_settled, &s2, 5000));
    assert_int_equal(rec_count(&f->rec[1]), 1); /* only the new one */
    assert_int_equal(json_integer_value(json_object_get(f->rec[1].data[0], "id")), 2);
    assert_string_equal(f->rec[1].rid[0], "rid-while-down");
}

static void test_nak_redelivers(void **state)
{
    fixture *f = *state;
    ensure(f, "NAK", "nak.>");
    f->rec[0].nak_first = 1;
    assert_int_equal(mf_js_consume(f->c[0], "NAK", "nak", NULL, record_handler, &f->rec[0]), 0);
    publish(f->c[1], "nak.x", 1, true, "rid-nak");
    publish(f->c[1], "nak.x", 2, false, NULL);

    settled_ctx s = {f->rawjs, "NAK", "nak", 2};
    assert_true(th_poll(consumer_settled, &s, 5000));
    /* id 1 twice (nak, then ack), id 2 once */
    assert_int_equal(rec_count(&f->rec[0]), 3);
    int ones = 0, twos = 0;
    for (int i = 0; i < 3; i++) {
        json_int_t id = json_integer_value(json_object_get(f->rec[0].data[i], "id"));
        ones += id == 1;
        twos += id == 2;
        if (id == 1)
            assert_string_equal(f->rec[0].rid[i], "rid-nak");
    }
    assert_int_equal(ones, 2);
    assert_int_equal(twos, 1);
}

static void test_poison_message_acked(void **state)
{
    fixture *f = *state;
    ensure(f, "POI", "poi.>");
    assert_int_equal(mf_js_consume(f->c[0], "POI", "poi", NULL, record_handler, &f->rec[0]), 0);
    assert_int_equal(js_Publish(NULL, f->rawjs, "poi.x", "{not json", 9, NULL, NULL), NATS_OK);
    publish(f->c[1], "poi.x", 2, false, NULL);

    settled_ctx s = {f->rawjs, "POI", "poi", 2};
    assert_true(th_poll(consumer_settled, &s, 5000));
    assert_int_equal(f->rec[0].calls, 1); /* the handler never saw the malformed one */
    jsConsumerInfo *ci = NULL;
    assert_int_equal(js_GetConsumerInfo(&ci, f->rawjs, "POI", "poi", NULL, NULL), NATS_OK);
    assert_int_equal(ci->NumRedelivered, 0);
    assert_int_equal(ci->Delivered.Stream, 2);
    jsConsumerInfo_Destroy(ci);
}

static void test_shared_durable_no_duplicates(void **state)
{
    fixture *f = *state;
    ensure(f, "SH", "sh.>");
    assert_int_equal(mf_js_consume(f->c[0], "SH", "shared", NULL, record_handler, &f->rec[0]), 0);
    assert_int_equal(mf_js_consume(f->c[1], "SH", "shared", NULL, record_handler, &f->rec[1]), 0);
    enum { N = 60 };
    for (int i = 0; i < N; i++)
        publish(f->c[2], "sh.x", i, false, NULL);

    want_total w = {&f->rec[0], &f->rec[1], N};
    assert_true(th_poll(has_total, &w, 10000));
    settled_ctx s = {f->rawjs, "SH", "shared", N};
    assert_true(th_poll(consumer_settled, &s, 5000));

    int seen[N] = {0};
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < f->rec[k].n; i++) {
            json_int_t id = json_integer_value(json_object_get(f->rec[k].data[i], "id"));
            assert_true(id >= 0 && id < N);
            seen[id]++;
        }
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    assert_true(f->rec[0].n > 0);
    assert_true(f->rec[1].n > 0);
}

/* mf_js_consume_batch: the handler's calls, for the batch test. */
typedef struct {
    recorder *r;
    int calls, max_n;
} batch_rec;

static void batch_handler(const mf_js_msg *msgs, size_t n, int *results, void *ctx)
{
    batch_rec *b = ctx;
    pthread_mutex_lock(&b->r->mu);
    b->calls++;
    if ((int)n > b->max_n)
        b->max_n = (int)n;
    pthread_mutex_unlock(&b->r->mu);
    for (size_t i = 0; i < n; i++)
        results[i] = record_handler(msgs[i].subject, msgs[i].data, msgs[i].request_id, b->r);
}

/* A backlog reaches a batch consumer in batches (never more than asked for), each message
 * is settled as its handler said (a nak'ed one comes again), and a lone message is handled
 * at once rather than held for company. */
static void test_batch_consumer(void **state)
{
    fixture *f = *state;
    enum { BACKLOG = 40, MAX_BATCH = 16 };
    ensure(f, "BAT", "bat.>");
    f->rec[0].nak_first = 1;
    for (int i = 0; i < BACKLOG; i++)
        publish(f->c[1], "bat.x", i, i == 5 || i == 6, NULL);
    batch_rec b = {&f->rec[0], 0, 0};
    assert_int_equal(mf_js_consume_batch(f->c[0], "BAT", "bat", NULL, MAX_BATCH, batch_handler, &b),
                     0);
    want_count w = {&f->rec[0], BACKLOG + 2};
    assert_true(th_poll(has_count, &w, 10000));
    settled_ctx s = {f->rawjs, "BAT", "bat", BACKLOG};
    assert_true(th_poll(consumer_settled, &s, 10000));
    bool seen[BACKLOG] = {false};
    for (int i = 0; i < rec_count(&f->rec[0]); i++) {
        json_int_t id = json_integer_value(json_object_get(f->rec[0].data[i], "id"));
        assert_true(id >= 0 && id < BACKLOG);
        seen[id] = true;
    }
    for (int i = 0; i < BACKLOG; i++)
        assert_true(seen[i]);
    pthread_mutex_lock(&f->rec[0].mu);
    int calls = b.calls, max_n = b.max_n;
    pthread_mutex_unlock(&f->rec[0].mu);
    assert_true(max_n > 1);          /* batched... */
    assert_true(max_n <= MAX_BATCH); /* ...within the bound */
    assert_true(calls < BACKLOG);
    jsConsumerInfo *ci = NULL;
    assert_int_equal(js_GetConsumerInfo(&ci, f->rawjs, "BAT", "bat", NULL, NULL), NATS_OK);
    assert_int_equal(ci->Config->MaxAckPending, 2 * MAX_BATCH);
    jsConsumerInfo_Destroy(ci);

    /* alone, it is not held waiting for more */
    publish(f->c[1], "bat.x", BACKLOG, false, NULL);
    w.want = BACKLOG + 3;
    assert_true(th_poll(has_count, &w, 5000));
    s.stream_seq = BACKLOG + 1;
    assert_true(th_poll(consumer_settled, &s, 5000));
    assert_int_equal(mf_js_consume_batch(f->c[0], "BAT", "bat2", NULL, 0, batch_handler, &b),
                     MF_ERR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stream_ensure_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_receives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_waits_for_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filter_subject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_waits_for_consumer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nak_redelivers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poison_message_acked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_durable_no_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_consumer, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    nats_CloseAndWait(5000);
    return rc;
}
