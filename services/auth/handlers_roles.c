/* PUT /roles/user/id/:id (ADMIN): replaces a user's roles. */
#include <stdlib.h>

#include "dto.h"
#include "handlers.h"
#include "ops.h"

void auth_handle_roles_update(mf_req *req)
{
    const char *id = NULL;
    if (!auth_req_user_id(req, &id))
        return;
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    mf_valid v;
    mf_valid_init(&v);
    const char **codes;
    size_t n;
    auth_dto_roles(body, &v, &codes, &n);
    if (!mf_req_valid(req, &v)) {
        free(codes);
        return;
    }
    auth_user *u = NULL;
    int rc = auth_op_roles_set(mf_req_app(req), id, codes, n, mf_req_id(req), &u);
    free(codes);
    if (auth_req_op_ok(req, rc, NULL, "roles update"))
        mf_respond_ok(req, "roles updated successfully", auth_user_json(u));
    auth_user_free(u);
}
