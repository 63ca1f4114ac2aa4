/* PUT /roles/user/id/:id (ADMIN): replaces a user's roles. */
#include <stdlib.h>

#include "handlers.h"
#include "micro/alloc.h"
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
    json_t *roles = mf_valid_str_array(&v, body, "roles", MF_V_REQUIRED, MF_V_REQUIRED, 0, 0);
    size_t n = roles ? json_array_size(roles) : 0;
    const char **codes = mf_calloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        codes[i] = json_string_value(json_array_get(roles, i));
        if (!auth_role_code_valid(codes[i]))
            mf_valid_fail(&v, "roles[%zu] is invalid", i);
    }
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
