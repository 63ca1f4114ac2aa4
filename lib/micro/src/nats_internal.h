/*
 * Private to nats.c and jetstream.c: the mf_nats object and the helpers JetStream builds on.
 * The dependency goes one way: jetstream.c uses the connection; nats.c knows nothing of
 * JetStream beyond an add-on slot it stops first and releases last in mf_nats_free.
 * Every natsSubscription is recorded (mf_nats_sub) with an "on complete" callback, so that
 * mf_nats_free can wait until libnats has returned from the last message callback before the
 * handler contexts are released.
 */
#ifndef MF_NATS_INTERNAL_H
#define MF_NATS_INTERNAL_H

#include <jansson.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "micro/breaker.h"
#include "micro/jetstream.h"
#include "micro/nats.h"
#include "micro/trace.h"

#define MF_NATS_HDR_REQUEST_ID "X-Request-Id"
/* Subject breakers per connection (mf_nats_breaker). */
#define MF_NATS_MAX_BREAKERS 16

/* One mf_nats_serve call: what $SRV.INFO and $SRV.STATS report of it. Counted by on_request
 * with atomics; last_error (rare) under err_mu. */
typedef struct mf_nats_endpoint {
    struct mf_nats_endpoint *next;
    char *name; /* the subject with '.', '*' and '>' as '_' (ADR-32 names) */
    char *subject;
    _Atomic uint64_t requests;
    _Atomic uint64_t errors;
    _Atomic uint64_t nanos; /* processing time, summed */
    pthread_mutex_t err_mu;
    char *last_error; /* "" when none */
} mf_nats_endpoint;

/* The service this connection is an instance of (discovery.c fills it in, mf_nats_free
 * frees it); name NULL while undeclared. Strings and metadata under mu. */
typedef struct {
    char *name;
    char *version;
    char *description;
    char id[24];
    char started[32]; /* RFC3339 */
    json_t *metadata; /* object of strings */
} mf_nats_service;

typedef struct mf_nats_sub mf_nats_sub;

struct mf_nats_sub {
    mf_nats_sub *next;
    mf_nats *n;
    natsSubscription *sub;
    char *subject; /* endpoint subject, or "<stream>/<durable>" for a consumer */
    mf_nats_handler_fn fn;
    mf_nats_endpoint *ep; /* mf_nats_serve's endpoint, else NULL */
    mf_js_handler_fn js_fn;
    /* mf_js_consume_batch: the handler and the messages held for its next call (owned by
     * jetstream.c, released by js_batch_free; NULL for other subscriptions) */
    mf_js_batch_fn js_batch_fn;
    void *js_batch;
    void (*js_batch_free)(void *batch);
    mf_nats_event_fn ev_fn;
    void *ctx;
    bool complete; /* libnats delivery thread has finished with this record */
};

/* State that an add-on (JetStream) hangs on a connection: created by the add-on under mu,
 * stopped at the start of mf_nats_free (before subscriptions drain) and freed at its end. */
typedef struct {
    void *state;
    void (*stop)(mf_nats *n);
    void (*release)(mf_nats *n);
} mf_nats_addon;

struct mf_nats {
    natsConnection *nc;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* a subscription completed, or an add-on's state changed */
    mf_nats_sub *subs;
    mf_nats_addon addon;
    mf_nats_endpoint *endpoints; /* newest first, under mu; freed with the connection */
    mf_nats_service service;
    /* Appended under mu, read lock-free up to nbreakers (release/acquire). */
    struct {
        char *subject;
        mf_breaker *breaker;
    } breakers[MF_NATS_MAX_BREAKERS];
    _Atomic int nbreakers;
};

/* Text of the last libnats error of this thread, else of s. Static or libnats-owned. */
const char *mf_nats_errtext(natsStatus s);
/* The request context of a received message: its X-Request-Id (or a fresh id, so every log
 * line has one) and this process's span of its traceparent (or a new trace). begin sets it
 * as the thread's context (micro/trace.h); end clears it and frees rid. */
typedef struct {
    char *rid;
    mf_trace trace;
} mf_nats_msg_ctx;
void mf_nats_msg_context_begin(natsMsg *msg, mf_nats_msg_ctx *c);
void mf_nats_msg_context_end(mf_nats_msg_ctx *c);
/* New message (payload copied) with the request id header when request_id is set, and a
 * traceparent (a child span of the thread's trace) when the thread has one.
 * Destroy with natsMsg_Destroy. */
natsStatus mf_nats_msg_new(natsMsg **out, const char *subject, const char *payload, size_t len,
                           const char *request_id);
/* Compact JSON of data; NULL data becomes "{}". Caller frees. */
char *mf_nats_payload(json_t *data, size_t *len);

/* Subscription record; free with mf_nats_sub_free unless attached (then mf_nats_free owns it). */
mf_nats_sub *mf_nats_sub_new(mf_nats *n, const char *subject, void *ctx);
void mf_nats_sub_free(mf_nats_sub *rec);
/* Hooks the completion callback and hands rec to n. On failure rec is freed. 0 or MF_ERR. */
int mf_nats_sub_attach(mf_nats *n, mf_nats_sub *rec);
/* Subscribes rec (in queue group queue, or none) with cb and attaches it. 0, or MF_ERR with
 * rec freed. */
int mf_nats_sub_subscribe(mf_nats *n, mf_nats_sub *rec, const char *queue, natsMsgHandler cb);

#endif
