/* Sessions that end or rotate: auth_op_refresh, auth_op_signout, auth_op_sessions_sweep
 * (ops.h). */
#include <string.h>

#include "authn.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "ops.h"
#include "session.h"
#include "session_cache.h"
#include "store_keystore.h"
#include "store_user.h"

/* Rotation in one transaction: the old row must exist and is deleted, the user must still
 * be active, the new row is created. MF_ERR_NOT_FOUND for a dead session or user. */
static int rotate(auth_ctx *ctx, auth_db_conn *c, const auth_claims *access,
                  const auth_claims *refresh, json_t **tokens)
{
    auth_user *u = NULL;
    int rc = auth_db_begin(c);
    if (rc == 0)
        rc = auth_store_keystore_delete_pair(c, access->sub, access->jti, refresh->jti);
    if (rc == 0)
        rc = auth_store_user_find_active(c, access->sub, &u);
    if (rc == 0)
        rc = auth_session_issue(ctx, c, access->sub, tokens);
    if ((rc = auth_db_end(c, rc)) != 0) {
        json_decref(*tokens);
        *tokens = NULL;
    }
    auth_user_free(u);
    return rc;
}

int auth_op_refresh(auth_ctx *ctx, const char *authorization, const char *refresh_token,
                    const char *request_id, json_t **tokens, const char **msg)
{
    *tokens = NULL;
    int64_t now = mf_now_ms() / 1000;
    auth_claims access, refresh;
    /* The access token may have expired (that is why one refreshes) but must be ours. */
    int rc = auth_authn_access_claims(ctx, authorization, false, now, &access, msg);
    if (rc != 0)
        return rc;
    if (auth_token_verify(ctx->keys, ctx->issuer, ctx->audience, refresh_token, now, true,
                          &refresh) != 0) {
        *msg = AUTH_MSG_INVALID_REFRESH;
        return MF_ERR_INVALID;
    }
    if (strcmp(access.sub, refresh.sub) != 0) {
        *msg = AUTH_MSG_CLAIMS_MISMATCH;
        return MF_ERR_INVALID;
    }
    /* The old pair must die everywhere once the new one is handed out: a rotation whose
     * revocation could not be made would leave no pair the client can use, so it is first
     * made sure that the cache and the broadcast can be reached (nothing is changed if not). */
    if ((rc = auth_session_cache_revoke_user(ctx, access.sub, request_id)) != 0)
        return rc;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    rc = c ? rotate(ctx, c, &access, &refresh, tokens) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    if (rc == MF_ERR_NOT_FOUND) {
        *msg = AUTH_MSG_INVALID_REFRESH;
        return MF_ERR_INVALID;
    }
    if (rc == 0 && (rc = auth_session_cache_revoke_user(ctx, access.sub, request_id)) != 0) {
        json_decref(*tokens);
        *tokens = NULL;
    }
    return rc;
}

int auth_op_signout(auth_ctx *ctx, const char *user_id, const char *jti, const char *request_id,
                    const char **msg)
{
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_store_keystore_delete(c, user_id, jti) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    if (rc != 0 && rc != MF_ERR_NOT_FOUND)
        return rc;
    /* After the delete, whatever it found: a signout retried after a failed revocation finds
     * the row gone but must still make the revocation hold. */
    int rv = auth_session_cache_revoke_user(ctx, user_id, request_id);
    if (rv != 0)
        return rv;
    if (rc == MF_ERR_NOT_FOUND) {
        *msg = CMICRO_MSG_INVALID_ACCESS;
        return MF_ERR_INVALID;
    }
    return 0;
}

int auth_op_sessions_sweep(auth_ctx *ctx, long *deleted)
{
    long n = 0;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_store_keystore_delete_expired(c, &n) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    if (deleted)
        *deleted = n;
    return rc;
}
