#include "session_cache.h"

#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"

#include "events.h"
#include "store_keystore.h"

/* An unknown key is remembered briefly, so a flood of bad keys does not reach PostgreSQL,
 * while a key created meanwhile works soon. */
#define APIKEY_NEGATIVE_TTL_S 30

static char *session_key(const char *jti)
{
    return mf_asprintf("auth:session:%s", jti);
}

auth_user *auth_session_cache_get(auth_ctx *ctx, const char *jti, const char *sub)
{
    if (!ctx->cache)
        return NULL;
    char *key = session_key(jti);
    size_t len = 0;
    char *val = mf_cache_get(ctx->cache, key, &len);
    free(key);
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
                            int64_t now_s)
{
    int64_t ttl = exp_s - now_s;
    if (ttl > ctx->cache_ttl_s)
        ttl = ctx->cache_ttl_s;
    if (!ctx->cache || ttl <= 0)
        return;
    json_t *j = auth_user_json(u);
    char *val = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *key = session_key(jti);
    mf_cache_set(ctx->cache, key, val, strlen(val), (int)ttl);
    free(key);
    free(val);
}

/* Redis first, then the announcement: a blog replica that asks again on hearing it must not
 * find the old session here. */
void auth_session_cache_drop(auth_ctx *ctx, const char *user_id, const char *jti,
                             const char *request_id)
{
    if (ctx->cache) {
        char *key = session_key(jti);
        const char *keys[] = {key};
        mf_cache_del(ctx->cache, keys, 1);
        free(key);
    }
    auth_events_invalidate(ctx, user_id, request_id);
}

void auth_session_cache_drop_user(auth_ctx *ctx, auth_db_conn *c, const char *user_id,
                                  const char *request_id)
{
    char **jtis = NULL;
    size_t n = 0;
    if (ctx->cache && auth_store_keystore_list(c, user_id, &jtis, &n) == 0) {
        char **keys = mf_calloc(n ? n : 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            keys[i] = session_key(jtis[i]);
            free(jtis[i]);
        }
        if (n)
            mf_cache_del(ctx->cache, (const char *const *)keys, n);
        for (size_t i = 0; i < n; i++)
            free(keys[i]);
        free(keys);
        free(jtis);
    }
    auth_events_invalidate(ctx, user_id, request_id);
}

static char *apikey_key(const char *key_hash)
{
    return mf_asprintf("auth:apikey:%s", key_hash);
}

int auth_apikey_cache_get(auth_ctx *ctx, const char *key_hash)
{
    if (!ctx->cache)
        return -1;
    char *key = apikey_key(key_hash);
    char *val = mf_cache_get(ctx->cache, key, NULL);
    free(key);
    int res = !val ? -1 : strcmp(val, "1") == 0 ? 1 : 0;
    free(val);
    return res;
}

void auth_apikey_cache_put(auth_ctx *ctx, const char *key_hash, bool valid)
{
    if (!ctx->cache)
        return;
    char *key = apikey_key(key_hash);
    mf_cache_set(ctx->cache, key, valid ? "1" : "0", 1,
                 valid ? ctx->cache_ttl_s : APIKEY_NEGATIVE_TTL_S);
    free(key);
}

void auth_apikey_cache_drop(auth_ctx *ctx, const char *key_hash)
{
    if (!ctx->cache)
        return;
    char *key = apikey_key(key_hash);
    const char *keys[] = {key};
    mf_cache_del(ctx->cache, keys, 1);
    free(key);
}
