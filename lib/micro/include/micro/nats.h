/*
 * NATS over libnats: a connection that reconnects forever, JSON request/reply with the
 * {"data":...} / {"error":"...","status":N} envelope, endpoints served in queue group "q"
 * (so replicas share the load), plain publish and broadcast subscriptions. The request id
 * travels in the "X-Request-Id" NATS header and the trace in "traceparent" (both from the
 * thread's request context, micro/trace.h, which handlers run in). Every request and served
 * request is counted for /metrics and for $SRV.STATS (micro/discovery.h). JetStream is
 * built on it: micro/jetstream.h.
 */
#ifndef MF_NATS_H
#define MF_NATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "micro/banned.h"
#include "micro/breaker.h"

#define MF_NATS_QUEUE "q"

typedef struct mf_nats mf_nats;

/* Connects, waiting up to timeout_ms for the first connection. user/password may be NULL.
 * NULL only for an invalid URL or options: an unreachable server (or wrong credentials) still
 * gives a handle that keeps retrying, and mf_nats_ping reports it down. Free with mf_nats_free. */
mf_nats *mf_nats_connect(const char *url, const char *name, const char *user, const char *password,
                         int timeout_ms);
void mf_nats_free(mf_nats *n);
/* Releases libnats' process-wide state; call once at exit after every mf_nats_free. */
void mf_nats_shutdown(void);
/* Health ping: 0 when connected (ctx is the mf_nats). */
int mf_nats_ping(void *ctx);

/*
 * Sends data (borrowed) as the request payload; the
 * reply is an envelope. Results:
 *   0                     *reply = the reply's "data" (caller decrefs)
 *   MF_ERR_REMOTE         *status and *errmsg (caller frees) from the error envelope
 *   MF_ERR_TIMEOUT        no answer within timeout_ms
 *   MF_ERR_NO_RESPONDERS  nobody serves the subject
 *   MF_ERR_UNAVAILABLE    not connected (returned at once, without waiting)
 *   MF_ERR_OPEN           the subject's breaker (mf_nats_breaker) is open (at once)
 *   MF_ERR                anything else (malformed reply, connection closed)
 */
int mf_nats_request(mf_nats *n, const char *subject, json_t *data, int timeout_ms,
                    const char *request_id, json_t **reply, int *status, char **errmsg);

/*
 * Endpoint handler: data is the parsed request (borrowed). Return 0 and set *reply (stolen)
 * for a data envelope, or non-zero and set *status and *errmsg (heap, freed by the caller)
 * for an error envelope.
 */
typedef int (*mf_nats_handler_fn)(json_t *data, const char *request_id, void *ctx, json_t **reply,
                                  int *status, char **errmsg);

/* Serves subject in queue group "q" with `workers` parallel subscriptions. 0 or MF_ERR.
 * An endpoint of the instance's $SRV replies; a handler's non-zero return counts as an
 * error there (with "<status>:<errmsg>" as last_error). */
int mf_nats_serve(mf_nats *n, const char *subject, mf_nats_handler_fn fn, void *ctx, int workers);

/* Fire-and-forget publish of data (borrowed). 0 or MF_ERR. */
int mf_nats_publish(mf_nats *n, const char *subject, json_t *data, const char *request_id);
/* Publish, then wait up to timeout_ms for the server to confirm it has processed it (a PING
 * round trip), so that subscribers have it queued before the caller goes on.
 * 0, MF_ERR_UNAVAILABLE (not connected), MF_ERR_TIMEOUT or MF_ERR. */
int mf_nats_publish_flush(mf_nats *n, const char *subject, json_t *data, const char *request_id,
                          int timeout_ms);

/* Broadcast handler: data is the parsed message (borrowed). */
typedef void (*mf_nats_event_fn)(json_t *data, const char *request_id, void *ctx);
/* Subscribes to subject outside any queue group: every subscribed process gets every message
 * (unlike mf_nats_serve). Core NATS: a message sent while this process is disconnected is
 * lost, which mf_nats_epoch tells. 0 or MF_ERR. */
int mf_nats_subscribe(mf_nats *n, const char *subject, mf_nats_event_fn fn, void *ctx);

/* Puts every later mf_nats_request on subject (exact match) behind a new circuit breaker
 * named after the subject (opts as in mf_breaker_new; NULL = defaults), owned by n and
 * freed with it. Call at start-up, before requests on that subject; up to 16 per
 * connection. The breaker, or NULL when the table is full or the arguments are bad. */
mf_breaker *mf_nats_breaker(mf_nats *n, const char *subject, const mf_breaker_opts *opts);

/* True while the connection is up. */
bool mf_nats_connected(mf_nats *n);
/* A process-wide counter that moves whenever a connection disconnects, reconnects or drops
 * messages (slow consumer): whatever was derived from broadcast messages before it moved may
 * have missed one. */
uint64_t mf_nats_epoch(void);

#endif
