/*
 * Private to nats.c and jetstream.c: the mf_nats object and the helpers both files use.
 * Every natsSubscription is recorded (mf_nats_sub) with an "on complete" callback, so that
 * mf_nats_free can wait until libnats has returned from the last message callback before the
 * handler contexts are released.
 */
#ifndef MF_NATS_INTERNAL_H
#define MF_NATS_INTERNAL_H

#include <jansson.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "micro/nats.h"

#define MF_NATS_HDR_REQUEST_ID "X-Request-Id"

typedef struct mf_nats_sub mf_nats_sub;

struct mf_nats_sub {
    mf_nats_sub *next;
    mf_nats *n;
    natsSubscription *sub;
    char *subject; /* endpoint subject, or "<stream>/<durable>" for a consumer */
    mf_nats_handler_fn fn;
    mf_js_handler_fn js_fn;
    mf_nats_event_fn ev_fn;
    void *ctx;
    bool complete; /* libnats delivery thread has finished with this record */
};

/* JetStream setup asked for while NATS was unreachable, done later by the setup thread. */
typedef struct js_pending js_pending;

struct js_pending {
    js_pending *next;
    char *stream;
    char **subjects; /* stream setup when non-NULL, else a consumer */
    int nsubjects;
    char *durable;
    char *filter;
    mf_js_handler_fn fn;
    void *ctx;
};

struct mf_nats {
    natsConnection *nc;
    jsCtx *js;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* subscription completed, setup queued, or stopping */
    mf_nats_sub *subs;
    js_pending *pending; /* FIFO: a stream is set up before the consumers that need it */
    pthread_t setup_thread;
    bool setup_started; /* setup_thread must be joined */
    bool setup_running;
    bool stopping;
};

/* Text of the last libnats error of this thread, else of s. Static or libnats-owned. */
const char *mf_nats_errtext(natsStatus s);
/* The message's X-Request-Id, or a fresh id so every log line has one. Caller frees. */
char *mf_nats_msg_rid(natsMsg *msg);
/* New message (payload copied) with the request id header when request_id is set.
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

/* Stops the deferred JetStream setup thread (jetstream.c); first step of mf_nats_free. */
void mf_js_setup_stop(mf_nats *n);

#endif
