#include "nats_endpoints.h"

#include "authn.h"
#include "micro/alloc.h"
#include "micro/envelope.h"
#include "micro/error.h"
#include "micro/log.h"
#include "micro/valid.h"
#include "store_user.h"

static int fail(int st, const char *msg, int *status, char **errmsg)
{
    *status = st;
    *errmsg = mf_strdup(msg);
    return 1;
}

/* An internal error code as an error envelope, like mf_respond_err does for HTTP. */
static int fail_err(int rc, const char *request_id, const char *what, int *status, char **errmsg)
{
    if (rc == MF_ERR_UNAVAILABLE || rc == MF_ERR_TIMEOUT)
        return fail(503, mf_envelope_default_message(503), status, errmsg);
    mf_log_error(request_id, "%s: %s", what, mf_err_name(rc));
    return fail(500, MF_MSG_INTERNAL, status, errmsg);
}

int auth_nats_authentication(json_t *data, const char *request_id, void *ctx, json_t **reply,
                             int *status, char **errmsg)
{
    const char *value = json_string_value(json_object_get(data, "value"));
    auth_user *u = NULL;
    const char *msg = NULL;
    int rc = auth_authn_bearer(ctx, value, &u, NULL, &msg);
    if (rc == MF_ERR_INVALID)
        return fail(401, msg, status, errmsg);
    if (rc != 0)
        return fail_err(rc, request_id, "auth.authentication", status, errmsg);
    *reply = auth_user_json(u);
    auth_user_free(u);
    return 0;
}

static bool holds_any(const auth_user *u, json_t *roles)
{
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        if (json_is_string(r) && auth_user_has_role(u, json_string_value(r)))
            return true;
    }
    return false;
}

static int load_user(auth_ctx *ctx, const char *id, auth_user **u)
{
    auth_db_conn *c = auth_db_acquire(ctx->db);
    int rc = c ? auth_store_user_find_by_id(c, id, u) : MF_ERR_UNAVAILABLE;
    auth_db_release(ctx->db, c);
    if (rc == 0 && !(*u)->status) {
        auth_user_free(*u);
        *u = NULL;
        rc = MF_ERR_NOT_FOUND;
    }
    return rc;
}

int auth_nats_authorization(json_t *data, const char *request_id, void *ctx, json_t **reply,
                            int *status, char **errmsg)
{
    json_t *roles = json_object_get(data, "roles");
    const char *id = json_string_value(json_object_get(json_object_get(data, "user"), "id"));
    if (!json_is_array(roles) || json_array_size(roles) == 0)
        return fail(403, AUTH_MSG_ROLE_MISSING, status, errmsg);
    if (!id || !mf_is_uuid(id))
        return fail(401, AUTH_MSG_INVALID_ACCESS, status, errmsg);
    auth_user *u = NULL;
    int rc = load_user(ctx, id, &u);
    if (rc == MF_ERR_NOT_FOUND)
        return fail(401, AUTH_MSG_INVALID_ACCESS, status, errmsg);
    if (rc != 0)
        return fail_err(rc, request_id, "auth.authorization", status, errmsg);
    if (!holds_any(u, roles)) {
        auth_user_free(u);
        return fail(403, AUTH_MSG_ROLE_INSUFFICIENT, status, errmsg);
    }
    *reply = auth_user_json(u);
    auth_user_free(u);
    return 0;
}

int auth_nats_profile_user(json_t *data, const char *request_id, void *ctx, json_t **reply,
                           int *status, char **errmsg)
{
    const char *id = json_string_value(json_object_get(data, "value"));
    if (!id || !mf_is_uuid(id))
        return fail(400, "id must be a valid UUID", status, errmsg);
    auth_user *u = NULL;
    int rc = load_user(ctx, id, &u);
    if (rc == MF_ERR_NOT_FOUND)
        return fail(404, "user does not exists", status, errmsg);
    if (rc != 0)
        return fail_err(rc, request_id, "auth.profile.user", status, errmsg);
    *reply = auth_user_public_json(u);
    auth_user_free(u);
    return 0;
}

int auth_nats_endpoints_serve(auth_ctx *ctx, int workers)
{
    if (mf_nats_serve(ctx->nats, AUTH_SUBJECT_AUTHENTICATION, auth_nats_authentication, ctx,
                      workers) != 0 ||
        mf_nats_serve(ctx->nats, AUTH_SUBJECT_AUTHORIZATION, auth_nats_authorization, ctx,
                      workers) != 0 ||
        mf_nats_serve(ctx->nats, AUTH_SUBJECT_PROFILE_USER, auth_nats_profile_user, ctx, workers) !=
            0)
        return MF_ERR;
    return 0;
}
