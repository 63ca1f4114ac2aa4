/*
 * auth-service's operations: one function per use case, the same for the HTTP handlers, the
 * NATS endpoints and the CLI, so that whichever way a change comes in, it does and announces
 * the same things. An operation owns its database connection or transaction, the store
 * calls, what its write retires from the session cache, the user events it queues (in the
 * outbox, in the transaction of the change: store_outbox.h; the relay, relay.h, publishes
 * them) and the CMICRO_SUBJECT_INVALIDATE it announces; its callers only parse,
 * validate and answer.
 *
 * Inputs are validated by the caller (emails, uuids, role codes, lengths): an operation never
 * answers bad input, and one given an invalid role code aborts (mf_assert). Every operation
 * returns 0 or a negative code, the same meaning everywhere:
 *   MF_ERR_INVALID      the caller's credentials are refused; *msg is the 401 message of
 *                       API.md section 3 (static). Answered as 401 with *msg, never through
 *                       mf_respond_err (which would make it a 400).
 *   MF_ERR_NOT_FOUND    the user or API key named does not exist (or the user is inactive)
 *   MF_ERR_CONFLICT     the email is taken (AUTH_MSG_ALREADY_REGISTERED)
 *   MF_ERR_STATE        auth_op_authorize only: the user holds none of the roles asked for
 *   MF_ERR_UNAVAILABLE  PostgreSQL is down (503); for a revocation (refresh, signout, roles_set,
 *                       apikey_disable) also: the change is in PostgreSQL but could not be
 *                       made to hold in the caches (Redis or NATS unreachable, see
 *                       session_cache.h), so it is not reported as done; a retry completes it
 *   MF_ERR              an internal fault (500; the detail is logged where it happened)
 * Out-parameters are set only on 0 unless said otherwise: an auth_user is freed by the caller
 * with auth_user_free, a json_t decref'd by the caller. request_id may be NULL (the CLI); it
 * is carried into events and log lines.
 */
#ifndef AUTH_OPS_H
#define AUTH_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "token.h"
#include "user.h"

/* The answer to MF_ERR_CONFLICT of auth_op_signup and auth_op_admin_ensure. */
#define AUTH_MSG_ALREADY_REGISTERED "user already registered"
/* The answer to MF_ERR_NOT_FOUND of the operations that name a user. */
#define AUTH_MSG_NO_USER "user does not exists"

/* ---- access (ops_access.c): how accounts come to be, and sign-in ---- */

/* A new user with role LEARNER and a first session: *user and *tokens
 * ({"accessToken","refreshToken"}); queues user.created. MF_ERR_CONFLICT when the email is
 * taken (also under a concurrent race: the unique index decides). */
int auth_op_signup(auth_ctx *ctx, const char *email, const char *password, const char *name,
                   const char *pic, const char *request_id, auth_user **user, json_t **tokens);
/* A new session for email/password: *user (with its password hash) and *tokens.
 * MF_ERR_INVALID with *msg for an unknown email, an inactive user and a wrong password alike,
 * after the same bcrypt work, so that the answer does not tell which. MF_ERR_LIMITED with
 * *retry_after_s when client (the gateway's X-Forwarded-For, may be NULL) or the email has
 * made too many attempts (throttle.h). */
int auth_op_signin(auth_ctx *ctx, const char *email, const char *password, const char *client,
                   auth_user **user, json_t **tokens, const char **msg, int *retry_after_s);
/* A new user holding every role (CLI create-admin, seed-dev); queues user.created. When
 * the email is taken: MF_ERR_CONFLICT, or with exists_ok that user gets every role (its
 * password is left alone), its cached sessions are dropped and the change is announced on
 * CMICRO_SUBJECT_INVALIDATE. */
int auth_op_admin_ensure(auth_ctx *ctx, const char *email, const char *password, const char *name,
                         bool exists_ok, const char *request_id);

/* ---- authentication (ops_authn.c): the HTTP guard and the NATS endpoints ---- */

/* Authorization header value (may be NULL) -> verified access token -> live session (session
 * cache, PostgreSQL on a miss) -> active user: *user, and *claims when claims is not NULL.
 * MF_ERR_INVALID with *msg for every token or session problem. */
int auth_op_authenticate(auth_ctx *ctx, const char *authorization, auth_user **user,
                         auth_claims *claims, const char **msg);
/* The active user user_id (a uuid) when it holds one of the n codes: *user. MF_ERR_NOT_FOUND
 * for no such active user, MF_ERR_STATE when it holds none of them. */
int auth_op_authorize(auth_ctx *ctx, const char *user_id, const char *const *codes, size_t n,
                      auth_user **user);

/* ---- tokens (ops_token.c): sessions end or rotate ---- */

/* Rotates the session named by the access token of the Authorization header (which may have
 * expired, but must be ours) and refresh_token: the old pair dies, *tokens is a new pair.
 * MF_ERR_INVALID with *msg for every token problem (AUTH_MSG_INVALID_REFRESH,
 * AUTH_MSG_CLAIMS_MISMATCH or the bearer messages). */
int auth_op_refresh(auth_ctx *ctx, const char *authorization, const char *refresh_token,
                    const char *request_id, json_t **tokens, const char **msg);
/* Ends the session jti of user_id and revokes what the caches hold of the user (also when the
 * session was already gone, so a retry completes a revocation that failed half-way);
 * MF_ERR_INVALID with *msg when the session was already gone. */
int auth_op_signout(auth_ctx *ctx, const char *user_id, const char *jti, const char *request_id,
                    const char **msg);
/* Deletes expired sessions (the cleanup thread); *deleted (may be NULL) receives their
 * number. */
int auth_op_sessions_sweep(auth_ctx *ctx, long *deleted);

#define AUTH_MSG_INVALID_REFRESH "permission denied: invalid refresh token"
#define AUTH_MSG_CLAIMS_MISMATCH "permission denied: access and refresh claims mismatch"

/* ---- profile (ops_profile.c) ---- */

/* The active user id (a uuid): *user. MF_ERR_NOT_FOUND for none. */
int auth_op_profile_get(auth_ctx *ctx, const char *id, auth_user **user);
/* Sets the fields that are not NULL and gives back *user. A change drops the user's cached
 * sessions, is announced on CMICRO_SUBJECT_INVALIDATE and queues user.updated; with both
 * NULL nothing changes or is announced. MF_ERR_NOT_FOUND for no such user. */
int auth_op_profile_update(auth_ctx *ctx, const char *id, const char *name, const char *pic,
                           const char *request_id, auth_user **user);

/* ---- roles (ops_roles.c) ---- */

/* Replaces the roles of user id with the n codes (each one of auth_role_codes): *user. Drops
 * the user's cached sessions, announces it on CMICRO_SUBJECT_INVALIDATE and queues
 * user.updated. MF_ERR_NOT_FOUND for no such user. */
int auth_op_roles_set(auth_ctx *ctx, const char *id, const char *const *codes, size_t n,
                      const char *request_id, auth_user **user);

/* ---- API keys (ops_apikey.c): the gateway's x-api-key ---- */

/* *valid = key is an active API key (Redis first, PostgreSQL on a miss), and key_id = the
 * name the gateway logs for it (a prefix of its SHA-256; never the key). */
int auth_op_apikey_verify(auth_ctx *ctx, const char *key, bool *valid, char key_id[17]);
/* Adds key as an active key (idempotent: a known key is left as it is). comment may be NULL.
 */
int auth_op_apikey_create(auth_ctx *ctx, const char *key, const char *comment);
/* Disables key, then outlaws its cached verdict (MF_ERR_UNAVAILABLE when that could not be
 * done: the key is disabled in PostgreSQL, run it again). MF_ERR_NOT_FOUND when
 * unknown. */
int auth_op_apikey_disable(auth_ctx *ctx, const char *key);

#endif
