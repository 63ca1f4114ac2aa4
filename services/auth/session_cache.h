/*
 * What the hot paths keep in Redis: the user (with roles) behind an access token's jti, and
 * whether an API-key hash is valid; and the one way to revoke what they hold.
 *
 * Entries are versioned (micro/vcache.h): a session entry is stored under its user's version,
 * a key verdict under its key's version, both under the cache's epoch. A revocation (signout,
 * refresh, role or profile change, key disable) commits to PostgreSQL, then bumps the version:
 * every entry read before the commit is outlawed at once, and one that a request still in
 * flight tries to store afterwards is refused by Redis (it carries the old version). That is
 * what makes API.md's "Revocation guarantees" hold under races; a revocation whose bump (or,
 * for users, whose announcement to blog-service) fails is reported as not done. Redis being
 * down is a miss: callers fall back to PostgreSQL, which is the truth.
 */
#ifndef AUTH_SESSION_CACHE_H
#define AUTH_SESSION_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "micro/vcache.h"
#include "user.h"

/* The versioned view of ctx->cache for sessions and keys (epoch key "auth:cache:epoch"). Free
 * with mf_vcache_free. */
mf_vcache *auth_session_cache_new(auth_ctx *ctx);

/* Cached user for jti when it belongs to sub (auth_user_free), else NULL with *stamp set for
 * the put that follows the database read. */
auth_user *auth_session_cache_get(auth_ctx *ctx, const char *jti, const char *sub,
                                  mf_vcache_stamp *stamp);
/* Stores u for jti (never past the token's exp), unless sub's version moved since the lookup
 * that gave stamp. */
void auth_session_cache_put(auth_ctx *ctx, const char *jti, const auth_user *u, int64_t exp_s,
                            int64_t now_s, const mf_vcache_stamp *stamp);
/*
 * The one revocation of whatever is cached about user_id, for every change to a session or a
 * user, called after the change is committed: bumps the user's version (every cached session
 * of the user is outlawed), then announces it on CMICRO_SUBJECT_INVALIDATE and waits until
 * NATS has it (every blog-service replica then drops what it cached). 0, or
 * MF_ERR_UNAVAILABLE when either could not be done: the change stands in PostgreSQL, but it
 * does not hold everywhere yet, so the caller must not report it as done.
 */
int auth_session_cache_revoke_user(auth_ctx *ctx, const char *user_id, const char *request_id);

/* 1 valid, 0 invalid, -1 not cached (then *stamp is set for the put). */
int auth_apikey_cache_get(auth_ctx *ctx, const char *key_hash, mf_vcache_stamp *stamp);
void auth_apikey_cache_put(auth_ctx *ctx, const char *key_hash, bool valid,
                           const mf_vcache_stamp *stamp);
/* Outlaws the cached verdict of key_hash (after it was disabled in PostgreSQL). 0 or
 * MF_ERR_UNAVAILABLE, as auth_session_cache_revoke_user. */
int auth_apikey_cache_revoke(auth_ctx *ctx, const char *key_hash);

#endif
