/* API keys: auth_op_apikey_verify, auth_op_apikey_create, auth_op_apikey_disable (ops.h). */
#include <string.h>

#include "micro/error.h"
#include "ops.h"
#include "session_cache.h"
#include "store_apikey.h"

int auth_op_apikey_verify(auth_ctx *ctx, const char *key, bool *valid, char key_id[17])
{
    char hash[65];
    auth_apikey_hash(key, hash);
    /* The gateway logs this key id: a prefix of the key's SHA-256, which names the key in logs
     * without revealing it. */
    snprintf(key_id, 17, "%.16s", hash);
    mf_vcache_stamp stamp;
    int cached = auth_apikey_cache_get(ctx, hash, &stamp);
    *valid = cached == 1;
    if (cached >= 0)
        return 0;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_store_apikey_valid(c, hash, valid) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    if (rc == 0)
        auth_apikey_cache_put(ctx, hash, *valid, &stamp);
    return rc;
}

int auth_op_apikey_create(auth_ctx *ctx, const char *key, const char *comment)
{
    char hash[65];
    auth_apikey_hash(key, hash);
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_store_apikey_insert(c, hash, comment) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    return rc;
}

int auth_op_apikey_disable(auth_ctx *ctx, const char *key)
{
    char hash[65];
    auth_apikey_hash(key, hash);
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_store_apikey_disable(c, hash) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    if (rc != 0)
        return rc;
    return auth_apikey_cache_revoke(ctx, hash);
}
