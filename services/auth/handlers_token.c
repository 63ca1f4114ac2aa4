/* POST /token/refresh and DELETE /signout. */
#include "dto.h"
#include "handlers.h"
#include "ops.h"

void auth_handle_refresh(mf_req *req)
{
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    mf_valid v;
    mf_valid_init(&v);
    const char *refresh;
    auth_dto_refresh(body, &v, &refresh);
    if (!mf_req_valid(req, &v))
        return;
    json_t *tokens = NULL;
    const char *msg = NULL;
    int rc = auth_op_refresh(mf_req_app(req), mf_req_header(req, "Authorization"), refresh,
                             mf_req_id(req), &tokens, &msg);
    if (auth_req_op_ok(req, rc, msg, "refresh"))
        mf_respond_ok(req, "success", tokens);
}

void auth_handle_signout(mf_req *req)
{
    auth_principal *pr = auth_req_principal(req);
    const char *msg = NULL;
    int rc = auth_op_signout(mf_req_app(req), pr->user->id, pr->claims.jti, mf_req_id(req), &msg);
    if (auth_req_op_ok(req, rc, msg, "signout"))
        mf_respond_ok(req, "signout success", NULL);
}
