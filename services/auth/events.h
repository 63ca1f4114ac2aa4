/*
 * User events on JetStream stream CMICRO_STREAM_USERS: CMICRO_EVENT_USER_CREATED and
 * CMICRO_EVENT_USER_UPDATED with UserPublic. auth-service is the one owner of that stream's
 * configuration (blog-service only binds to it). Events are written to the outbox in the
 * transaction of the change (store_outbox.h) and published by the relay (relay.h), so a
 * consumer never hears of a change that did not happen and never misses one that did.
 * Also the core NATS broadcast CMICRO_SUBJECT_INVALIDATE.
 */
#ifndef AUTH_EVENTS_H
#define AUTH_EVENTS_H

#include "auth.h"
#include "contract.h"
#include "user.h"

/* Creates the stream with CMICRO_STREAM_USERS_SUBJECTS if missing. 0 or MF_ERR (then the
 * first publish tries again). */
int auth_events_init(mf_nats *n);
/* Publishes data (borrowed, an outbox row's payload) on subject with Nats-Msg-Id msg_id,
 * creating the stream first if it was not yet. 0 when the stream acknowledged it (also as a
 * duplicate), MF_ERR_UNAVAILABLE without NATS, or mf_js_publish_id's failure. */
int auth_events_publish_raw(auth_ctx *ctx, const char *subject, json_t *data, const char *msg_id,
                            int timeout_ms);
/* Publishes CMICRO_SUBJECT_INVALIDATE for user_id and waits until NATS has it, so that every
 * subscriber has it queued before the caller answers. 0 (also without NATS: a CLI command
 * that announces nothing), or MF_ERR_UNAVAILABLE when NATS did not confirm it. */
int auth_events_invalidate(auth_ctx *ctx, const char *user_id, const char *request_id);

#endif
