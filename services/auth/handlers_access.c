/* POST /signup/basic and POST /signin/basic. */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "events.h"
#include "handlers.h"
#include "micro/error.h"
#include "password.h"
#include "session.h"
#include "store_user.h"

#define MSG_ALREADY_REGISTERED "user already registered"
#define MSG_BAD_CREDENTIALS    "invalid email or password"

/* password: required, 6..100 characters, and at most the 72 bytes bcrypt reads. */
static const char *valid_password(mf_valid *v, json_t *body)
{
    const char *p = mf_valid_str(v, body, "password", MF_V_REQUIRED, 6, 100);
    if (p && strlen(p) > AUTH_PASSWORD_MAX_BYTES) {
        mf_valid_fail(v, "password must be at most %d bytes", AUTH_PASSWORD_MAX_BYTES);
        return NULL;
    }
    return p;
}

static void respond_user_tokens(mf_req *req, const auth_user *u, json_t *tokens)
{
    json_t *data = json_object();
    json_object_set_new(data, "user", auth_user_json(u));
    json_object_set_new(data, "tokens", tokens);
    mf_respond_ok(req, "success", data);
}

/* The transaction of a sign-up: user, LEARNER role, first session. */
static int create_user(auth_ctx *ctx, auth_db_conn *c, const char *email, const char *name,
                       const char *pic, const char *hash, char id[37], json_t **tokens)
{
    static const char *const roles[] = {"LEARNER"};
    int rc = auth_db_begin(c);
    if (rc == 0)
        rc = auth_store_user_insert(c, email, name, pic, hash, id);
    if (rc == 0)
        rc = auth_store_user_set_roles(c, id, roles, 1);
    if (rc == 0)
        rc = auth_session_issue(ctx, c, id, tokens);
    if ((rc = auth_db_end(c, rc)) != 0) {
        json_decref(*tokens);
        *tokens = NULL;
    }
    return rc;
}

void auth_handle_signup(mf_req *req)
{
    auth_ctx *ctx = mf_req_app(req);
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

    auth_db_conn *c = auth_db_acquire(ctx->db);
    if (!c) {
        mf_respond_err(req, MF_ERR_UNAVAILABLE, "signup: database");
        return;
    }
    /* Cheap early answer for the common case; the unique index decides races. */
    auth_user *u = NULL;
    int rc = auth_store_user_find_by_email(c, email, &u);
    auth_db_release(ctx->db, c);
    auth_user_free(u);
    if (rc == 0) {
        mf_respond_error(req, 400, MSG_ALREADY_REGISTERED);
        return;
    }
    if (rc != MF_ERR_NOT_FOUND) {
        mf_respond_err(req, rc, "signup: lookup");
        return;
    }

    char *hash = auth_password_hash(password, ctx->bcrypt_cost);
    if (!hash) {
        mf_respond_err(req, MF_ERR, "signup: bcrypt");
        return;
    }
    char id[37] = "";
    json_t *tokens = NULL;
    u = NULL;
    c = auth_db_acquire(ctx->db);
    rc = c ? create_user(ctx, c, email, name, pic, hash, id, &tokens) : MF_ERR_UNAVAILABLE;
    if (rc == 0)
        rc = auth_store_user_find_by_id(c, id, &u);
    auth_db_release(ctx->db, c);
    free(hash);
    if (rc == MF_ERR_CONFLICT) {
        mf_respond_error(req, 400, MSG_ALREADY_REGISTERED);
    } else if (rc != 0) {
        json_decref(tokens);
        mf_respond_err(req, rc, "signup: create");
    } else {
        auth_events_user(ctx, AUTH_EVENT_USER_CREATED, u, mf_req_id(req));
        respond_user_tokens(req, u, tokens);
    }
    auth_user_free(u);
}

void auth_handle_signin(mf_req *req)
{
    auth_ctx *ctx = mf_req_app(req);
    json_t *body = NULL;
    if (!mf_req_json(req, &body))
        return;
    mf_valid v;
    mf_valid_init(&v);
    const char *email = mf_valid_str(&v, body, "email", MF_V_REQUIRED | MF_V_EMAIL, 0, 0);
    const char *password = valid_password(&v, body);
    if (!mf_req_valid(req, &v))
        return;

    auth_db_conn *c = auth_db_acquire(ctx->db);
    auth_user *u = NULL;
    int rc = c ? auth_store_user_find_by_email(c, email, &u) : MF_ERR_UNAVAILABLE;
    /* The connection is not held during bcrypt (the slow part). */
    auth_db_release(ctx->db, c);
    if (rc != 0 && rc != MF_ERR_NOT_FOUND) {
        mf_respond_err(req, rc, "signin: lookup");
        return;
    }
    /* Same work and same answer whether the email is unknown, the user inactive or the
     * password wrong: the response must not tell which. */
    bool ok =
        u ? auth_password_verify(password, u->password_hash) : auth_password_verify_dummy(password);
    if (!ok || !u->status) {
        auth_user_free(u);
        mf_respond_error(req, 401, MSG_BAD_CREDENTIALS);
        return;
    }
    json_t *tokens = NULL;
    c = auth_db_acquire(ctx->db);
    rc = c ? auth_session_issue(ctx, c, u->id, &tokens) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    if (rc != 0)
        mf_respond_err(req, rc, "signin: session");
    else
        respond_user_tokens(req, u, tokens);
    auth_user_free(u);
}
