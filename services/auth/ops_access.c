/* How accounts come to be, and sign-in: auth_op_signup, auth_op_signin, auth_op_admin_ensure
 * (ops.h). */
#include <stdlib.h>
#include <string.h>

#include "contract.h"
#include "micro/error.h"
#include "micro/log.h"
#include "ops.h"
#include "throttle.h"
#include "password.h"
#include "relay.h"
#include "session.h"
#include "session_cache.h"
#include "store_outbox.h"
#include "store_user.h"

#define MSG_BAD_CREDENTIALS "invalid email or password"

/* Queues user.created in the creation transaction on c (may be NULL), ends it the way rc
 * says and releases c; once committed, pokes the relay and loads the stored user (*out when
 * out is not NULL). The event commits with the user or not at all: it is never lost, and
 * never announces a user that does not exist. */
static int finish_create(auth_ctx *ctx, auth_db_conn *c, int rc, const char *id, auth_user **out)
{
    auth_user *u = NULL;
    if (c && rc == 0)
        rc = auth_store_outbox_add_user(c, CMICRO_EVENT_USER_CREATED, id);
    if (c && (rc = auth_db_end(c, rc)) == 0) {
        auth_relay_poke(ctx->relay);
        rc = auth_store_user_find_by_id(c, id, &u);
    }
    auth_db_release(ctx->db, c);
    if (out)
        *out = u;
    else
        auth_user_free(u);
    return rc;
}

int auth_op_signup(auth_ctx *ctx, const char *email, const char *password, const char *name,
                   const char *pic, const char *request_id, auth_user **user, json_t **tokens)
{
    static const char *const roles[] = {CMICRO_ROLE_LEARNER};
    (void)request_id; /* the event is sent later by the relay, under its outbox id */
    *user = NULL;
    *tokens = NULL;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    if (!c)
        return MF_ERR_UNAVAILABLE;
    /* Cheap early answer for the common case, before bcrypt; the unique index decides races. */
    auth_user *found = NULL;
    int rc = auth_store_user_find_by_email(c, email, &found);
    auth_db_release(ctx->db, c);
    auth_user_free(found);
    if (rc == 0)
        return MF_ERR_CONFLICT;
    if (rc != MF_ERR_NOT_FOUND)
        return rc;

    char *hash = auth_password_hash(password, ctx->bcrypt_cost);
    if (!hash)
        return MF_ERR;
    char id[37] = "";
    c = auth_db_acquire(ctx->db);
    rc = c ? auth_db_begin(c) : MF_ERR_UNAVAILABLE;
    if (rc == 0)
        rc = auth_store_user_create(c, email, name, pic, hash, roles, 1, id);
    if (rc == 0)
        rc = auth_session_issue(ctx, c, id, tokens);
    free(hash);
    if ((rc = finish_create(ctx, c, rc, id, user)) != 0) {
        json_decref(*tokens);
        *tokens = NULL;
    }
    return rc;
}

int auth_op_signin(auth_ctx *ctx, const char *email, const char *password, const char *client,
                   auth_user **user, json_t **tokens, const char **msg, int *retry_after_s)
{
    *user = NULL;
    *tokens = NULL;
    *retry_after_s = 0;
    /* before any bcrypt work: that is what the limits protect */
    if (!auth_throttle_signin(ctx, email, client, retry_after_s))
        return MF_ERR_LIMITED;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    auth_user *u = NULL;
    int rc = c ? auth_store_user_find_by_email(c, email, &u) : MF_ERR_UNAVAILABLE;
    /* The connection is not held during bcrypt (the slow part). */
    auth_db_release(ctx->db, c);
    if (rc != 0 && rc != MF_ERR_NOT_FOUND)
        return rc;
    /* Same work and same answer whether the email is unknown, the user inactive or the
     * password wrong: the response must not tell which. */
    bool ok =
        u ? auth_password_verify(password, u->password_hash) : auth_password_verify_dummy(password);
    if (!ok || !u->status) {
        auth_user_free(u);
        auth_throttle_signin_failed(ctx, email);
        *msg = MSG_BAD_CREDENTIALS;
        return MF_ERR_INVALID;
    }
    c = auth_db_acquire(ctx->db);
    rc = c ? auth_session_issue(ctx, c, u->id, tokens) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    if (rc != 0) {
        auth_user_free(u);
        return rc;
    }
    *user = u;
    return 0;
}

/* An existing user gets every role, on c (released here). */
static int grant_all_roles(auth_ctx *ctx, auth_db_conn *c, const char *email,
                           const char *request_id)
{
    auth_user *u = NULL;
    int rc = auth_db_begin(c);
    if (rc == 0)
        rc = auth_store_user_find_by_email(c, email, &u);
    if (rc == 0)
        rc = auth_store_user_replace_roles(c, u->id, auth_role_codes, CMICRO_NROLES);
    rc = auth_db_end(c, rc);
    auth_db_release(ctx->db, c);
    /* A grant, not a revocation: a failure only delays the new roles in a cache. */
    if (rc == 0 && auth_session_cache_revoke_user(ctx, u->id, request_id) != 0)
        mf_log_warn(request_id, "role grant not yet visible everywhere");
    auth_user_free(u);
    return rc;
}

int auth_op_admin_ensure(auth_ctx *ctx, const char *email, const char *password, const char *name,
                         bool exists_ok, const char *request_id)
{
    char *hash = auth_password_hash(password, ctx->bcrypt_cost);
    if (!hash)
        return MF_ERR;
    char id[37] = "";
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_db_begin(c) : MF_ERR_UNAVAILABLE;
    if (rc == 0)
        rc = auth_store_user_create(c, email, name, NULL, hash, auth_role_codes, CMICRO_NROLES, id);
    free(hash);
    if (rc == MF_ERR_CONFLICT && exists_ok) {
        /* The failed INSERT aborted the transaction: start over on the existing row. */
        auth_db_rollback(c);
        return grant_all_roles(ctx, c, email, request_id);
    }
    return finish_create(ctx, c, rc, id, NULL);
}
