/*
 * JetStream on an mf_nats connection: file-backed streams, acknowledged publishes and
 * durable push consumers with explicit ack, shared by replicas through a deliver group.
 * Setup that cannot be done yet (NATS unreachable, or a consumer's stream not created by
 * its publisher yet) is queued and finished by a background thread, so a service can start
 * before NATS and a consumer before the publisher that owns the stream.
 */
#ifndef MF_JETSTREAM_H
#define MF_JETSTREAM_H

#include <jansson.h>
#include <stddef.h>

#include "micro/banned.h"
#include "micro/nats.h"

/* Creates the file-backed stream if missing (updating its subjects otherwise). While NATS is
 * unreachable the setup is queued, finished by a background thread, and 0 is returned. */
int mf_js_stream_ensure(mf_nats *n, const char *stream, const char *const *subjects, int nsubjects);
/* Publishes data (borrowed) and waits for the stream's ack. 0, MF_ERR_TIMEOUT,
 * MF_ERR_UNAVAILABLE (not connected) or MF_ERR. */
int mf_js_publish(mf_nats *n, const char *subject, json_t *data, const char *request_id,
                  int timeout_ms);
/* mf_js_publish with a Nats-Msg-Id (msg_id, may be NULL = none): the stream stores a message
 * with an id it already holds within its duplicate window (2 minutes by default) only once,
 * and acks the repeat as well, so a publish retried after a lost ack is not delivered twice. */
int mf_js_publish_id(mf_nats *n, const char *subject, json_t *data, const char *msg_id,
                     const char *request_id, int timeout_ms);

/* Consumer handler: return 0 to ack, non-zero to nak (the message is redelivered). */
typedef int (*mf_js_handler_fn)(const char *subject, json_t *data, const char *request_id,
                                void *ctx);
/* Durable push consumer with explicit ack on stream, filtered by filter_subject (NULL = all).
 * Messages sent while no consumer ran are delivered when it starts; processes using the same
 * durable share the messages. It only binds: the stream is the publisher's to create, and
 * while it does not exist (or NATS is unreachable) the setup is queued and retried.
 * 0 or MF_ERR. */
int mf_js_consume(mf_nats *n, const char *stream, const char *durable, const char *filter_subject,
                  mf_js_handler_fn fn, void *ctx);

/* One message of a batch; every pointer is borrowed for the handler's call. */
typedef struct {
    const char *subject;
    json_t *data;
    const char *request_id;
} mf_js_msg;
/* Batch handler: sets results[i] to 0 to ack msgs[i], non-zero to nak it (redelivered). */
typedef void (*mf_js_batch_fn)(const mf_js_msg *msgs, size_t n, int *results, void *ctx);
/* mf_js_consume with batches, for a handler that can do several messages at less than the
 * cost of each alone (several events about one thing: only the newest needs the work). A
 * delivered message is held, unacknowledged, while more are already waiting in the client's
 * queue behind it; the held ones (at most max_batch, in delivery order) go to fn together as
 * soon as the queue is empty or max_batch are held. So a lone message is handled at once, and
 * a backlog in batches. Messages held when the consumer stops are dropped unacknowledged: the
 * server redelivers them after its ack wait. The consumer is created with at most
 * 2 * max_batch messages unacknowledged, which bounds what its clients buffer. 0 or MF_ERR. */
int mf_js_consume_batch(mf_nats *n, const char *stream, const char *durable,
                        const char *filter_subject, size_t max_batch, mf_js_batch_fn fn, void *ctx);
/* Called by a batch handler that takes long (inside its mf_js_batch_fn, on that thread): the
 * server is told the batch's messages are still being worked on, so their ack wait starts
 * again and they are not redelivered to another replica meanwhile. At most once a second;
 * a no-op outside a batch handler. */
void mf_js_batch_progress(void);

#endif
