/* POST /signup/basic and POST /signin/basic. */
#include <stdio.h>

#include "dto.h"
#include "handlers.h"
#include "micro/error.h"
#include "ops.h"

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
    if (!mf_req_json(req, &body))
        return;
    mf_valid v;
    mf_valid_init(&v);
    auth_dto_access in;
    auth_dto_signup(body, &v, &in);
    if (!mf_req_valid(req, &v))
        return;
    auth_user *u = NULL;
    json_t *tokens = NULL;
    int rc = auth_op_signup(mf_req_app(req), in.email, in.password, in.name, in.pic, mf_req_id(req),
                            &u, &tokens);
    answer(req, rc, NULL, "signup", u, tokens);
}

void auth_handle_signin(mf_req *req)
{
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    mf_valid v;
    mf_valid_init(&v);
    auth_dto_access in;
    auth_dto_signin(body, &v, &in);
    if (!mf_req_valid(req, &v))
        return;
    auth_user *u = NULL;
    json_t *tokens = NULL;
    const char *msg = NULL;
    int retry_after = 0;
    int rc = auth_op_signin(mf_req_app(req), in.email, in.password,
                            mf_req_header(req, "X-Forwarded-For"), &u, &tokens, &msg, &retry_after);
    if (rc == MF_ERR_LIMITED) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%d", retry_after);
        mf_respond_header(req, "Retry-After", ra);
        mf_respond_error(req, 429, "too many requests");
        return;
    }
    answer(req, rc, msg, "signin", u, tokens);
}
