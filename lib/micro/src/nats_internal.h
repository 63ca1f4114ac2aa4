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
#include <stdbool.h>
#include <stddef.h>

#include "micro/jetstream.h"
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

#endif
