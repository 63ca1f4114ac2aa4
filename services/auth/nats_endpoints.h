/*
 * The request/reply subjects other services call (API.md section 5), served in queue group
 * "q" by several workers: auth.authentication (Bearer value -> User), auth.authorization
 * (user id + roles -> User when it holds one of them) and auth.profile.user (uuid ->
 * UserPublic). Errors carry the same messages and statuses as the HTTP API.
 */
#ifndef AUTH_NATS_ENDPOINTS_H
#define AUTH_NATS_ENDPOINTS_H

#include <jansson.h>

#include "auth.h"

#define AUTH_SUBJECT_AUTHENTICATION "auth.authentication"
#define AUTH_SUBJECT_AUTHORIZATION  "auth.authorization"
#define AUTH_SUBJECT_PROFILE_USER   "auth.profile.user"

/* Subscribes the three subjects. 0 or MF_ERR. */
int auth_nats_endpoints_serve(auth_ctx *ctx, int workers);

/* The handlers (mf_nats_handler_fn, ctx = auth_ctx), exported for tests. */
int auth_nats_authentication(json_t *data, const char *request_id, void *ctx, json_t **reply,
                             int *status, char **errmsg);
int auth_nats_authorization(json_t *data, const char *request_id, void *ctx, json_t **reply,
                            int *status, char **errmsg);
int auth_nats_profile_user(json_t *data, const char *request_id, void *ctx, json_t **reply,
                           int *status, char **errmsg);

#endif
