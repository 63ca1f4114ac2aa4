/* POST /signup/basic and POST /signin/basic. */
#include "handlers.h"
#include "ops.h"
#include "password.h"

/* The body and its first two fields, which both routes check the same way; the caller adds
 * its own fields to v and answers it. false when the body was refused (answered). */
static bool read_credentials(mf_req *req, mf_valid *v, json_t **body, const char **email,
                             const char **password)
{
    if (!mf_req_json(req, body))
        return false;
    mf_valid_init(v);
    *email = mf_valid_str(v, *body, "email", MF_V_REQUIRED | MF_V_EMAIL, 0, 0);
    /* password: required, 6..100 characters, and at most the bytes bcrypt reads. */
    *password = mf_valid_str(v, *body, "password", MF_V_REQUIRED, 6, 100);
    if (!auth_password_valid_bytes(v, *password))
        *password = NULL;
    return true;
}

/* {"user","tokens"}, or the operation's failure; frees u. */
static void answer(mf_req *req, int rc, const char *msg, const char *what, auth_user *u,
                   json_t *tokens)
{
    if (auth_req_op_ok(req, rc, msg, what)) {
        json_t *data = json_object();
        json_object_set_new(data, "user", auth_user_json(u));
        json_object_set_new(data, "tokens", tokens);
        mf_respond_ok(req, "success", data);
    }
    auth_user_free(u);
}

void auth_handle_signup(mf_req *req)
{
    json_t *body = NULL;
    mf_valid v;
    const char *email = NULL, *password = NULL;
    if (!read_credentials(req, &v, &body, &email, &password))
        return;
    const char *name = mf_valid_str(&v, body, "name", MF_V_REQUIRED, 2, 200);
    const char *pic = mf_valid_str(&v, body, "profilePicUrl", MF_V_URL, 0, 0);
    if (!mf_req_valid(req, &v))
        return;
    auth_user *u = NULL;
    json_t *tokens = NULL;
    int rc =
        auth_op_signup(mf_req_app(req), email, password, name, pic, mf_req_id(req), &u, &tokens);
    answer(req, rc, NULL, "signup", u, tokens);
}

void auth_handle_signin(mf_req *req)
{
    json_t *body = NULL;
    mf_valid v;
    const char *email = NULL, *password = NULL;
    if (!read_credentials(req, &v, &body, &email, &password) || !mf_req_valid(req, &v))
        return;
    auth_user *u = NULL;
    json_t *tokens = NULL;
    const char *msg = NULL;
    int rc = auth_op_signin(mf_req_app(req), email, password, &u, &tokens, &msg);
    answer(req, rc, msg, "signin", u, tokens);
}
