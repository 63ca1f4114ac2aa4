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

/* Creates the stream if missing. 0 or MF_ERR (then the first publish tries again). */
int auth_events_init(mf_nats *n);
/* Publishes subject for u (no-op without NATS). 0 when the stream acknowledged it. */
int auth_events_user(auth_ctx *ctx, const char *subject, const auth_user *u,
                     const char *request_id);

#endif
