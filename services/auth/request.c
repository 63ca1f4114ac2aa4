/* Request helpers shared by the auth handlers (handlers.h). */
#include "handlers.h"
#include "micro/error.h"
#include "ops.h"

bool auth_req_user_id(mf_req *req, const char **id)
{
    *id = mf_req_param(req, "id");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_check_str(&v, "id", *id, MF_V_REQUIRED | MF_V_UUID, 0, 0);
    return mf_req_valid(req, &v);
}

bool auth_req_op_ok(mf_req *req, int rc, const char *msg, const char *what)
{
    if (rc == 0)
        return true;
    if (rc == MF_ERR_INVALID)
        mf_respond_error(req, 401, msg);
    else if (rc == MF_ERR_NOT_FOUND)
        mf_respond_error(req, 404, AUTH_MSG_NO_USER);
    else if (rc == MF_ERR_CONFLICT)
        mf_respond_error(req, 400, AUTH_MSG_ALREADY_REGISTERED);
    else
        mf_respond_err(req, rc, what);
    return false;
}
