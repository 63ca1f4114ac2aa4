/*
 * User events on JetStream stream CMICRO_STREAM_USERS: CMICRO_EVENT_USER_CREATED and
 * CMICRO_EVENT_USER_UPDATED with UserPublic. auth-service is the one owner of that stream's
 * configuration (blog-service only binds to it). Events are published only after the
 * database commit, so a consumer never hears of a change that did not happen; a failed
 * publish is retried a few times with backoff, then logged (the change itself stands).
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
/* Publishes event (CMICRO_EVENT_*) for u (no-op without NATS). 0 when the stream
 * acknowledged it; otherwise the failure is logged and returned. */
int auth_events_user(auth_ctx *ctx, const char *event, const auth_user *u, const char *request_id);
/* Publishes CMICRO_SUBJECT_INVALIDATE for user_id and waits until NATS has it, so that every
 * subscriber has it queued before the caller answers. 0 (also without NATS: a CLI command
 * that announces nothing), or MF_ERR_UNAVAILABLE when NATS did not confirm it. */
int auth_events_invalidate(auth_ctx *ctx, const char *user_id, const char *request_id);

#endif
