/*
 * What the hot paths keep in Redis: the user (with roles) behind an access token's jti, and
 * whether an API-key hash is valid. Entries live at most SESSION_CACHE_TTL_S (a session entry
 * never outlives its token) and are deleted on signout, refresh, role or profile change and
 * key disable. Redis being down is a miss: callers fall back to PostgreSQL, which is the
 * truth.
 */
#ifndef AUTH_SESSION_CACHE_H
#define AUTH_SESSION_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "user.h"

/* Cached user for jti when it belongs to sub (auth_user_free), else NULL. */
auth_user *auth_session_cache_get(auth_ctx *ctx, const char *jti, const char *sub);
void auth_session_cache_put(auth_ctx *ctx, const char *jti, const auth_user *u, int64_t exp_s,
                            int64_t now_s);
/* Both drops also tell every blog-service replica to forget what it cached of user_id's
 * authentications (auth_events_invalidate): whatever changed a session or a user goes through
 * here, so no cache anywhere can miss it. */
void auth_session_cache_drop(auth_ctx *ctx, const char *user_id, const char *jti,
                             const char *request_id);
/* Drops the entries of every session of user_id (listed through c). */
void auth_session_cache_drop_user(auth_ctx *ctx, auth_db_conn *c, const char *user_id,
                                  const char *request_id);

/* 1 valid, 0 invalid, -1 not cached. */
int auth_apikey_cache_get(auth_ctx *ctx, const char *key_hash);
void auth_apikey_cache_put(auth_ctx *ctx, const char *key_hash, bool valid);
void auth_apikey_cache_drop(auth_ctx *ctx, const char *key_hash);

#endif
