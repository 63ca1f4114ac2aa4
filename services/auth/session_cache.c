#include "session_cache.h"

#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/log.h"

#include "events.h"

/* An unknown key is remembered briefly, so a flood of bad keys does not reach PostgreSQL,
 * while a key created meanwhile works soon. */
#define APIKEY_NEGATIVE_TTL_S 30
#define EPOCH_KEY             "auth:cache:epoch"

mf_vcache *auth_session_cache_new(auth_ctx *ctx)
{
    /* A version must outlive every entry stored under it (at most cache_ttl_s). */
    return mf_vcache_new(ctx->cache, EPOCH_KEY, 2 * ctx->cache_ttl_s + 60);
}

static char *session_key(const char *jti)
{
    return mf_asprintf("auth:session:%s", jti);
}

static char *user_version_key(const char *user_id)
{
    return mf_asprintf("auth:uver:%s", user_id);
}

auth_user *auth_session_cache_get(auth_ctx *ctx, const char *jti, const char *sub,
                                  mf_vcache_stamp *stamp)
{
    char *key = session_key(jti);
    char *ver = user_version_key(sub);
    const char *versions[] = {ver};
    size_t len = 0;
    char *val = mf_vcache_get(ctx->vcache, key, versions, 1, &len, stamp);
    free(key);
    free(ver);
    if (!val)
        return NULL;
    json_t *j = json_loadb(val, len, 0, NULL);
    free(val);
    auth_user *u = j ? auth_user_from_json(j) : NULL;
    json_decref(j);
    if (u && strcmp(u->id, sub) != 0) {
        auth_user_free(u);
        return NULL;
    }
    return u;
}

void auth_session_cache_put(auth_ctx *ctx, const char *jti, const auth_user *u, int64_t exp_s,
                            int64_t now_s, const mf_vcache_stamp *stamp)
{
    int64_t ttl = exp_s - now_s;
    if (ttl > ctx->cache_ttl_s)
        ttl = ctx->cache_ttl_s;
    if (ttl <= 0)
        return;
    json_t *j = auth_user_json(u);
    char *val = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *key = session_key(jti);
    char *ver = user_version_key(u->id);
    const char *versions[] = {ver};
    mf_vcache_put(ctx->vcache, key, val, strlen(val), (int)ttl, versions, 1, stamp);
    free(ver);
    free(key);
    free(val);
}

int auth_session_cache_revoke_user(auth_ctx *ctx, const char *user_id, const char *request_id)
{
    /* Redis first, then the announcement: a blog replica that asks again on hearing it must
     * not be answered from an old entry here. */
    char *ver = user_version_key(user_id);
    int rc = mf_vcache_bump(ctx->vcache, ver);
    free(ver);
    if (rc != 0) {
        mf_log_error(request_id, "revocation for a user not made: the session cache is down");
        return MF_ERR_UNAVAILABLE;
    }
    return auth_events_invalidate(ctx, user_id, request_id);
}

static char *apikey_key(const char *key_hash)
{
    return mf_asprintf("auth:apikey:%s", key_hash);
}

static char *apikey_version_key(const char *key_hash)
{
    return mf_asprintf("auth:kver:%s", key_hash);
}

int auth_apikey_cache_get(auth_ctx *ctx, const char *key_hash, mf_vcache_stamp *stamp)
{
    char *key = apikey_key(key_hash);
    char *ver = apikey_version_key(key_hash);
    const char *versions[] = {ver};
    char *val = mf_vcache_get(ctx->vcache, key, versions, 1, NULL, stamp);
    free(key);
    free(ver);
    int res = !val ? -1 : strcmp(val, "1") == 0 ? 1 : 0;
    free(val);
    return res;
}

void auth_apikey_cache_put(auth_ctx *ctx, const char *key_hash, bool valid,
                           const mf_vcache_stamp *stamp)
{
    char *key = apikey_key(key_hash);
    char *ver = apikey_version_key(key_hash);
    const char *versions[] = {ver};
    mf_vcache_put(ctx->vcache, key, valid ? "1" : "0", 1,
                  valid ? ctx->cache_ttl_s : APIKEY_NEGATIVE_TTL_S, versions, 1, stamp);
    free(ver);
    free(key);
}

int auth_apikey_cache_revoke(auth_ctx *ctx, const char *key_hash)
{
    char *ver = apikey_version_key(key_hash);
    int rc = mf_vcache_bump(ctx->vcache, ver);
    free(ver);
    return rc == 0 ? 0 : MF_ERR_UNAVAILABLE;
}
