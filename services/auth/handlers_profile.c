/* GET /profile/id/:id, GET /profile/mine, PUT /profile/mine. */
#include "dto.h"
#include "handlers.h"
#include "ops.h"

void auth_handle_profile_by_id(mf_req *req)
{
    const char *id = NULL;
    if (!auth_req_user_id(req, &id))
        return;
    auth_user *u = NULL;
    int rc = auth_op_profile_get(mf_req_app(req), id, &u);
    if (auth_req_op_ok(req, rc, NULL, "profile lookup"))
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
    auth_principal *pr = auth_req_principal(req);
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    mf_valid v;
    mf_valid_init(&v);
    const char *name, *pic;
    auth_dto_profile(body, &v, &name, &pic);
    if (!mf_req_valid(req, &v))
        return;
    auth_user *u = NULL;
    int rc = auth_op_profile_update(mf_req_app(req), pr->user->id, name, pic, mf_req_id(req), &u);
    if (auth_req_op_ok(req, rc, NULL, "profile update"))
        mf_respond_ok(req, "profile updated successfully", auth_user_json(u));
    auth_user_free(u);
}
