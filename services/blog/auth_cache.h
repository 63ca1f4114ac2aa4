/*
 * What auth-service answered for an Authorization header, kept in this process for
 * AUTH_CACHE_TTL_S so that a guarded request does not pay a NATS round trip every time.
 *
 * Correctness rests on invalidation, not on the lifetime: auth-service announces every
 * signout, refresh, role and profile change on `auth.invalidate` before it answers, and every
 * replica drops that user's entries. What could make an entry outlive a change is excluded:
 * - an entry never outlives its token's exp;
 * - an entry is stored only if no invalidation arrived while auth-service was being asked
 *   (the stamp taken before asking), so a reply that raced a signout is not kept;
 * - an entry is used only while the NATS connection is the one it was stored under
 *   (mf_nats_epoch): after a disconnection or dropped messages, everything is asked again.
 * The lifetime bounds the one case left: auth-service unable to reach NATS when it announces.
 *
 * Thread-safe. A NULL cache is a disabled one: every get misses, every put is ignored.
 */
#ifndef BLOG_AUTH_CACHE_H
#define BLOG_AUTH_CACHE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "micro/banned.h"

typedef struct blog_auth_cache blog_auth_cache;

/* NULL (disabled) when max_entries or ttl_ms is 0. Free with blog_auth_cache_free. */
blog_auth_cache *blog_auth_cache_new(size_t max_entries, int64_t ttl_ms);
void blog_auth_cache_free(blog_auth_cache *c);

/* Take before asking auth-service; hand to blog_auth_cache_put with the answer. */
uint64_t blog_auth_cache_stamp(blog_auth_cache *c);

/* The user (new reference: caller decrefs; never modify it, other requests share it) cached
 * for this Authorization header value under connection epoch, else NULL. */
json_t *blog_auth_cache_get(blog_auth_cache *c, const char *authorization, int64_t now_ms,
                            uint64_t epoch);

/* Keeps user (a User object with an "id"; the cache takes its own reference) until
 * min(now + ttl, exp_ms), unless an invalidation came after stamp or the cache is full. */
void blog_auth_cache_put(blog_auth_cache *c, const char *authorization, json_t *user,
                         int64_t exp_ms, int64_t now_ms, uint64_t stamp, uint64_t epoch);

/* Forgets every entry of user_id (NULL: every entry). */
void blog_auth_cache_drop_user(blog_auth_cache *c, const char *user_id);

size_t blog_auth_cache_size(blog_auth_cache *c);

#endif
