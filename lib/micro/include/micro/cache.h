/*
 * Redis cache over hiredis: get / set with TTL / delete, safe from many threads (a small
 * pool of connections), reconnecting by itself. A Redis failure is a cache miss for the
 * caller, never an error it must handle; while Redis is down, calls fail fast instead of
 * waiting for a connect timeout on every request.
 */
#ifndef MF_CACHE_H
#define MF_CACHE_H

#include <stddef.h>

#include "micro/banned.h"

typedef struct mf_cache mf_cache;

/* Never fails on an unreachable server (it reconnects later). password may be NULL or "".
 * Free with mf_cache_free. */
mf_cache *mf_cache_new(const char *host, int port, const char *password, int timeout_ms,
                       int pool_size);
void mf_cache_free(mf_cache *c);
/* Value (heap, caller frees; *len set when len != NULL) or NULL on a miss or any failure. */
char *mf_cache_get(mf_cache *c, const char *key, size_t *len);
/* 0 when stored, MF_ERR_UNAVAILABLE when Redis is down, MF_ERR_INVALID when ttl_s <= 0. */
int mf_cache_set(mf_cache *c, const char *key, const char *value, size_t len, int ttl_s);
/*
 * GET of n keys in one round trip (Redis MGET, which reads them all at one instant).
 * values[i] receives each value (heap, caller frees) or NULL when the key is missing or not a
 * string; lens[i] its length (lens may be NULL). 0, or MF_ERR_UNAVAILABLE when Redis is down
 * or failed (then every values[i] is NULL), MF_ERR_INVALID on bad arguments.
 */
int mf_cache_mget(mf_cache *c, const char *const *keys, size_t n, char **values, size_t *lens);
/* Deletes the keys. 0, or MF_ERR_UNAVAILABLE when Redis is down (the caller may ignore it:
 * entries expire by TTL). */
int mf_cache_del(mf_cache *c, const char *const *keys, size_t n);
/* Runs a Lua script (EVAL) with at most 16 keys and 16 arguments, atomically in Redis; its
 * integer result (nil counts as 0) in *out (may be NULL). 0, MF_ERR_UNAVAILABLE when Redis is
 * down or the script failed, MF_ERR_INVALID on bad arguments. */
int mf_cache_eval_int(mf_cache *c, const char *script, const char *const *keys, size_t nkeys,
                      const char *const *args, size_t nargs, long long *out);
/* Names the cache in /metrics (cmicro_cache_requests_total{cache,result}: every GET and
 * each key of an MGET counts as a hit, a miss or an error); "redis" by default. Call at
 * start-up, before the cache is used from other threads. */
void mf_cache_set_name(mf_cache *c, const char *name);
/* Health ping: 0 when Redis answers PING (ctx is the mf_cache). */
int mf_cache_ping(void *ctx);

#endif
