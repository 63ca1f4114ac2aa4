/* GET /profile/id/:id, GET /profile/mine, PUT /profile/mine. */
#include "auth.h"
#include "events.h"
#include "handlers.h"
#include "micro/error.h"
#include "session_cache.h"
#include "store_user.h"

#define MSG_NO_USER "user does not exists"

void auth_handle_profile_by_id(mf_req *req)
{
    auth_ctx *ctx = mf_req_app(req);
    const char *id = mf_req_param(req, "id");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_check_str(&v, "id", id, MF_V_REQUIRED | MF_V_UUID, 0, 0);
    if (!mf_req_valid(req, &v))
        return;
    auth_user *u = NULL;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_store_user_find_by_id(c, id, &u) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    if (rc == MF_ERR_NOT_FOUND || (rc == 0 && !u->status))
        mf_respond_error(req, 404, MSG_NO_USER);
    else if (rc != 0)
        mf_respond_err(req, rc, "profile lookup");
    else
        mf_respond_ok(req, "success", auth_user_public_json(u));
    auth_user_free(u);
}

void auth_handle_profile_mine(mf_req *req)
{
    auth_principal *pr = auth_req_principal(req);
    mf_respond_ok(req, "success", auth_user_json(pr->user));
}

void auth_handle_profile_update(mf_req *req)
{
    auth_ctx *ctx = mf_req_app(req);
    auth_principal *pr = auth_req_principal(req);
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    mf_valid v;
    mf_valid_init(&v);
    const char *name = mf_valid_str(&v, body, "name", 0, 2, 200);
    const char *pic = mf_valid_str(&v, body, "profilePicUrl", MF_V_URL, 0, 0);
    if (!mf_req_valid(req, &v))
        return;

    auth_user *u = NULL;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? 0 : MF_ERR_UNAVAILABLE;
    if (rc == 0 && (name || pic))
        rc = auth_store_user_update_profile(c, pr->user->id, name, pic);
    if (rc == 0)
        rc = auth_store_user_find_by_id(c, pr->user->id, &u);
    if (rc == 0 && (name || pic))
        auth_session_cache_drop_user(ctx, c, u->id, mf_req_id(req));
    auth_db_release(ctx->db, c);
    if (rc == MF_ERR_NOT_FOUND) {
        mf_respond_error(req, 404, MSG_NO_USER);
    } else if (rc != 0) {
        mf_respond_err(req, rc, "profile update");
    } else {
        if (name || pic)
            auth_events_user(ctx, AUTH_EVENT_USER_UPDATED, u, mf_req_id(req));
        mf_respond_ok(req, "profile updated successfully", auth_user_json(u));
    }
    auth_user_free(u);
}
