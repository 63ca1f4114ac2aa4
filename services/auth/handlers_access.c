/* POST /signup/basic and POST /signin/basic. */
#include "handlers.h"
#include "micro/error.h"
#include "ops.h"
#include "password.h"

/* password: required, 6..100 characters, and at most the bytes bcrypt reads. */
static const char *valid_password(mf_valid *v, json_t *body)
{
    const char *p = mf_valid_str(v, body, "password", MF_V_REQUIRED, 6, 100);
    return auth_password_valid_bytes(v, p) ? p : NULL;
}

static void respond_user_tokens(mf_req *req, const auth_user *u, json_t *tokens)
{
    json_t *data = json_object();
    json_object_set_new(data, "user", auth_user_json(u));
    json_object_set_new(data, "tokens", tokens);
    mf_respond_ok(req, "success", data);
}

void auth_handle_signup(mf_req *req)
{
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    mf_valid v;
    mf_valid_init(&v);
    const char *email = mf_valid_str(&v, body, "email", MF_V_REQUIRED | MF_V_EMAIL, 0, 0);
    const char *password = valid_password(&v, body);
    const char *name = mf_valid_str(&v, body, "name", MF_V_REQUIRED, 2, 200);
    const char *pic = mf_valid_str(&v, body, "profilePicUrl", MF_V_URL, 0, 0);
    if (!mf_req_valid(req, &v))
        return;
    auth_user *u = NULL;
    json_t *tokens = NULL;
    int rc =
        auth_op_signup(mf_req_app(req), email, password, name, pic, mf_req_id(req), &u, &tokens);
    if (rc == MF_ERR_CONFLICT)
        mf_respond_error(req, 400, AUTH_MSG_ALREADY_REGISTERED);
    else if (rc != 0)
        mf_respond_err(req, rc, "signup");
    else
        respond_user_tokens(req, u, tokens);
    auth_user_free(u);
}

void auth_handle_signin(mf_req *req)
{
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    mf_valid v;
    mf_valid_init(&v);
    const char *email = mf_valid_str(&v, body, "email", MF_V_REQUIRED | MF_V_EMAIL, 0, 0);
    const char *password = valid_password(&v, body);
    if (!mf_req_valid(req, &v))
        return;
    auth_user *u = NULL;
    json_t *tokens = NULL;
    const char *msg = NULL;
    int rc = auth_op_signin(mf_req_app(req), email, password, &u, &tokens, &msg);
    if (rc == MF_ERR_INVALID)
        mf_respond_error(req, 401, msg);
    else if (rc != 0)
        mf_respond_err(req, rc, "signin");
    else
        respond_user_tokens(req, u, tokens);
    auth_user_free(u);
}
