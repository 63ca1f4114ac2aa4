/* GET /verify/apikey: the gateway's hot path (SHA-256, Redis, PostgreSQL only on a miss). */
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "micro/error.h"
#include "session_cache.h"
#include "store_apikey.h"

#define MSG_MISSING_KEY "permission denied: missing x-api-key header"
#define MSG_INVALID_KEY "permission denied: invalid x-api-key"
/* Longer values cannot be keys we issued; not worth hashing. */
#define MAX_KEY_LEN 256

void auth_handle_verify_apikey(mf_req *req)
{
    auth_ctx *ctx = mf_req_app(req);
    const char *key = mf_req_header(req, "x-api-key");
    if (!key || !*key) {
        mf_respond_error(req, 401, MSG_MISSING_KEY);
        return;
    }
    if (strlen(key) > MAX_KEY_LEN) {
        mf_respond_error(req, 403, MSG_INVALID_KEY);
        return;
    }
    char hash[65];
    auth_apikey_hash(key, hash);
    int cached = auth_apikey_cache_get(ctx, hash);
    bool valid = cached == 1;
    if (cached < 0) {
        auth_db_conn *c = auth_db_acquire(ctx->db);
        int rc = c ? auth_store_apikey_valid(c, hash, &valid) : MF_ERR_UNAVAILABLE;
        auth_db_release(ctx->db, c);
        if (rc != 0) {
            mf_respond_err(req, rc, "apikey lookup");
            return;
        }
        auth_apikey_cache_put(ctx, hash, valid);
    }
    /* The gateway logs this key id: a prefix of the key's SHA-256, which names the key in logs
     * without revealing it. */
    hash[16] = '\0';
    mf_respond_header(req, "x-api-key-id", hash);
    if (!valid)
        mf_respond_error(req, 403, MSG_INVALID_KEY);
    else
        mf_respond_ok(req, "success", NULL);
}
