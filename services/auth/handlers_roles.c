/* PUT /roles/user/id/:id (ADMIN): replaces a user's roles. */
#include <stdlib.h>

#include "auth.h"
#include "events.h"
#include "handlers.h"
#include "micro/alloc.h"
#include "micro/error.h"
#include "session_cache.h"
#include "store_user.h"

static int replace_roles(auth_db_conn *c, const char *id, const char *const *codes, size_t n)
{
    int rc = auth_db_begin(c);
    /* The user row lock orders concurrent replacements of the same user's roles. */
    if (rc == 0)
        rc = auth_store_user_lock(c, id);
    if (rc == 0)
        rc = auth_store_user_set_roles(c, id, codes, n);
    return auth_db_end(c, rc);
}

void auth_handle_roles_update(mf_req *req)
{
    auth_ctx *ctx = mf_req_app(req);
    const char *id = mf_req_param(req, "id");
    mf_valid v;
    mf_valid_init(&v);
    mf_valid_check_str(&v, "id", id, MF_V_REQUIRED | MF_V_UUID, 0, 0);
    if (!mf_req_valid(req, &v))
        return;
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
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
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? replace_roles(c, id, codes, n) : MF_ERR_UNAVAILABLE;
    free(codes);
    if (rc == 0)
        rc = auth_store_user_find_by_id(c, id, &u);
    if (rc == 0)
        auth_session_cache_drop_user(ctx, c, id, mf_req_id(req));
    auth_db_release(ctx->db, c);
    if (rc == MF_ERR_NOT_FOUND) {
        mf_respond_error(req, 404, "user does not exists");
    } else if (rc != 0) {
        mf_respond_err(req, rc, "roles update");
    } else {
        auth_events_user(ctx, AUTH_EVENT_USER_UPDATED, u, mf_req_id(req));
        mf_respond_ok(req, "roles updated successfully", auth_user_json(u));
    }
    auth_user_free(u);
}
