/*
 * User events on JetStream stream USERS (subjects "user.>"): user.created and user.updated
 * with {"id","name","profilePicUrl"?}. They are published only after the database commit, so
 * a consumer never hears of a change that did not happen; a failed publish is retried a few
 * times with backoff, then logged (the change itself stands).
 */
#ifndef AUTH_EVENTS_H
#define AUTH_EVENTS_H

#include "auth.h"
#include "user.h"

#define AUTH_EVENTS_STREAM      "USERS"
#define AUTH_EVENT_USER_CREATED "user.created"
#define AUTH_EVENT_USER_UPDATED "user.updated"
/* Core NATS broadcast {"userId"}: forget cached authentications of that user (API.md 5). */
#define AUTH_SUBJECT_INVALIDATE "auth.invalidate"

/* Creates the stream if missing. 0 or MF_ERR (then the first publish tries again). */
int auth_events_init(mf_nats *n);
/* Publishes subject for u (no-op without NATS). 0 when the stream acknowledged it. */
int auth_events_user(auth_ctx *ctx, const char *subject, const auth_user *u,
                     const char *request_id);
/* Publishes auth.invalidate for user_id and waits until NATS has it, so that every
 * subscriber has it queued before the caller answers (no-op without NATS; a failure is
 * logged, and subscribers then rely on their cache lifetime). */
void auth_events_invalidate(auth_ctx *ctx, const char *user_id, const char *request_id);

#endif
