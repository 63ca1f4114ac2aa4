/* Path parameters shared by several auth routes (handlers.h). */
#include "handlers.h"

bool auth_req_user_id(mf_req *req, const char **id)
{
    *id = mf_req_param(req, "id");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_check_str(&v, "id", *id, MF_V_REQUIRED | MF_V_UUID, 0, 0);
    return mf_req_valid(req, &v);
}
