/* POST /token/refresh and DELETE /signout. */
#include <string.h>

#include "auth.h"
#include "authn.h"
#include "handlers.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/valid.h"
#include "session.h"
#include "session_cache.h"
#include "store_keystore.h"
#include "store_user.h"

/* Rotation in one transaction: the old row must exist and is deleted, the user must still
 * be active, the new row is created. Returns MF_ERR_NOT_FOUND for a dead session. */
static int rotate(auth_ctx *ctx, auth_db_conn *c, const auth_claims *access,
                  const auth_claims *refresh, json_t **tokens)
{
    auth_user *u = NULL;
    int rc = auth_db_begin(c);
    if (rc == 0)
        rc = auth_store_keystore_delete_pair(c, access->sub, access->jti, refresh->jti);
    if (rc == 0)
        rc = auth_store_user_find_by_id(c, access->sub, &u);
    if (rc == 0 && !u->status)
        rc = MF_ERR_NOT_FOUND;
    if (rc == 0)
        rc = auth_session_issue(ctx, c, access->sub, tokens);
    if ((rc = auth_db_end(c, rc)) != 0) {
        json_decref(*tokens);
        *tokens = NULL;
    }
    auth_user_free(u);
    return rc;
}

void auth_handle_refresh(mf_req *req)
{
    auth_ctx *ctx = mf_req_app(req);
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    mf_valid v;
    mf_valid_init(&v);
    const char *refresh_tok = mf_valid_str(&v, body, "refreshToken", MF_V_REQUIRED, 0, 0);
    if (!mf_req_valid(req, &v))
        return;

    const char *msg = NULL;
    const char *access_tok = auth_authn_bearer_token(mf_req_header(req, "Authorization"), &msg);
    if (!access_tok) {
        mf_respond_error(req, 401, msg);
        return;
    }
    int64_t now = mf_now_ms() / 1000;
    auth_claims access, refresh;
    /* The access token may have expired (that is why one refreshes) but must be ours. */
    if (auth_token_verify(ctx->keys, ctx->issuer, ctx->audience, access_tok, now, false, &access) !=
            0 ||
        !mf_is_uuid(access.sub)) {
        mf_respond_error(req, 401, AUTH_MSG_INVALID_ACCESS);
        return;
    }
    if (auth_token_verify(ctx->keys, ctx->issuer, ctx->audience, refresh_tok, now, true,
                          &refresh) != 0) {
        mf_respond_error(req, 401, AUTH_MSG_INVALID_REFRESH);
        return;
    }
    if (strcmp(access.sub, refresh.sub) != 0) {
        mf_respond_error(req, 401, AUTH_MSG_CLAIMS_MISMATCH);
        return;
    }
    json_t *tokens = NULL;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? rotate(ctx, c, &access, &refresh, &tokens) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    if (rc == MF_ERR_NOT_FOUND) {
        mf_respond_error(req, 401, AUTH_MSG_INVALID_REFRESH);
        return;
    }
    if (rc != 0) {
        mf_respond_err(req, rc, "refresh");
        return;
    }
    auth_session_cache_drop(ctx, access.sub, access.jti, mf_req_id(req));
    mf_respond_ok(req, "success", tokens);
}

void auth_handle_signout(mf_req *req)
{
    auth_ctx *ctx = mf_req_app(req);
    auth_principal *pr = auth_req_principal(req);
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_store_keystore_delete(c, pr->user->id, pr->claims.jti) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    /* Dropped after the delete, so a concurrent lookup cannot re-cache a live row. */
    auth_session_cache_drop(ctx, pr->user->id, pr->claims.jti, mf_req_id(req));
    if (rc == MF_ERR_NOT_FOUND) {
        mf_respond_error(req, 401, AUTH_MSG_INVALID_ACCESS);
        return;
    }
    if (rc != 0) {
        mf_respond_err(req, rc, "signout");
        return;
    }
    mf_respond_ok(req, "signout success", NULL);
}
