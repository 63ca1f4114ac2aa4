#include "guard.h"

#include <stdlib.h>
#include <string.h>

#include "micro/envelope.h"
#include "micro/error.h"
#include "micro/log.h"

#include "auth_client.h"
#include "blog.h"
#include "contract.h"

const char *blog_role_check(const json_t *user, const char *role)
{
    json_t *roles = json_object_get(user, CMICRO_FIELD_ROLES);
    if (!json_is_array(roles) || json_array_size(roles) == 0)
        return CMICRO_MSG_ROLE_MISSING;
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        const char *code = json_string_value(json_object_get(r, "code"));
        if (code && strcmp(code, role) == 0)
            return NULL;
    }
    return CMICRO_MSG_ROLE_INSUFFICIENT;
}

static void user_free(void *p)
{
    json_decref(p);
}

/* Answers a failed authentication the way API.md section 4 wants. */
static void answer_failure(mf_req *req, int rc, int status, const char *errmsg)
{
    if (rc == MF_ERR_OPEN) {
        /* the breaker on auth-service is open: 503 with Retry-After, without waiting */
        mf_respond_err(req, rc, "auth-service breaker open");
        return;
    }
    if (rc == MF_ERR_INVALID) {
        mf_respond_error(req, 401, CMICRO_MSG_INVALID_AUTHORIZATION);
        return;
    }
    if (rc == MF_ERR_REMOTE && status >= 400 && status < 500) {
        mf_respond_error(req, status, errmsg ? errmsg : mf_envelope_default_message(status));
        return;
    }
    if (rc == MF_ERR_REMOTE && status != 503) {
        mf_respond_err(req, MF_ERR, errmsg ? errmsg : "auth-service error");
        return;
    }
    /* timeout, no responders, connection lost, auth-service's own dependency down */
    mf_log_warn(mf_req_id(req), "auth-service unavailable: %s", mf_err_name(rc));
    mf_respond_error(req, 503, "service unavailable");
}

bool blog_guard(mf_req *req, unsigned guard)
{
    const char *header = mf_req_header(req, "Authorization");
    if (!header || !*header) {
        mf_respond_error(req, 401, CMICRO_MSG_MISSING_AUTHORIZATION);
        return false;
    }
    json_t *user = NULL;
    int status = 0;
    char *errmsg = NULL;
    int rc = blog_auth_client_authenticate(mf_req_app(req), header, mf_req_id(req), &user, &status,
                                           &errmsg);
    if (rc != 0) {
        answer_failure(req, rc, status, errmsg);
        free(errmsg);
        return false;
    }
    free(errmsg);
    const char *role = (guard & BLOG_GUARD_EDITOR) ? CMICRO_ROLE_EDITOR : CMICRO_ROLE_AUTHOR;
    const char *denied = (guard & BLOG_GUARD_USER) ? NULL : blog_role_check(user, role);
    if (denied) {
        json_decref(user);
        mf_respond_error(req, 403, denied);
        return false;
    }
    mf_req_set_user(req, user, user_free);
    return true;
}

const json_t *blog_req_user(mf_req *req)
{
    return mf_req_user(req);
}

const char *blog_req_user_id(mf_req *req)
{
    return json_string_value(json_object_get(blog_req_user(req), CMICRO_FIELD_ID));
}
