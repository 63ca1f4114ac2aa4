#include "nats_endpoints.h"

#include <stdlib.h>

#include "contract.h"
#include "micro/alloc.h"
#include "micro/envelope.h"
#include "micro/error.h"
#include "micro/log.h"
#include "micro/valid.h"
#include "ops.h"

#define MSG_BAD_UUID "id must be a valid UUID"

/* An error envelope (mf_nats_handler_fn answers one by returning non-zero). */
static int fail(int st, const char *msg, int *status, char **errmsg)
{
    *status = st;
    *errmsg = mf_strdup(msg);
    return MF_ERR;
}

/* An operation's fault as an error envelope, like mf_respond_err does for HTTP. */
static int fail_err(int rc, const char *request_id, const char *what, int *status, char **errmsg)
{
    if (rc == MF_ERR_UNAVAILABLE || rc == MF_ERR_TIMEOUT)
        return fail(503, mf_envelope_default_message(503), status, errmsg);
    mf_log_error(request_id, "%s: %s", what, mf_err_name(rc));
    return fail(500, MF_MSG_INTERNAL, status, errmsg);
}

/* The user in one of its two shapes as the reply; frees u. */
static int reply_user(json_t *(*shape)(const auth_user *), auth_user *u, json_t **reply)
{
    *reply = shape(u);
    auth_user_free(u);
    return 0;
}

const char *auth_nats_authentication_parse(json_t *data)
{
    return json_string_value(json_object_get(data, CMICRO_FIELD_VALUE));
}

static int authentication(json_t *data, const char *request_id, void *ctx, json_t **reply,
                          int *status, char **errmsg)
{
    const char *value = auth_nats_authentication_parse(data);
    auth_user *u = NULL;
    const char *msg = NULL;
    int rc = auth_op_authenticate(ctx, value, &u, NULL, &msg);
    if (rc == MF_ERR_INVALID)
        return fail(401, msg, status, errmsg);
    if (rc != 0)
        return fail_err(rc, request_id, CMICRO_SUBJECT_AUTHENTICATION, status, errmsg);
    return reply_user(auth_user_json, u, reply);
}

int auth_nats_authorization_parse(json_t *data, const char **id, const char ***codes, size_t *n,
                                  int *status, const char **msg)
{
    json_t *roles = json_object_get(data, CMICRO_FIELD_ROLES);
    json_t *user = json_object_get(data, CMICRO_FIELD_USER);
    *id = json_string_value(json_object_get(user, CMICRO_FIELD_ID));
    *codes = NULL;
    *n = 0;
    if (!json_is_array(roles) || json_array_size(roles) == 0) {
        *status = 403;
        *msg = CMICRO_MSG_ROLE_MISSING;
        return MF_ERR_INVALID;
    }
    if (!*id || !mf_is_uuid(*id)) {
        *status = 401;
        *msg = CMICRO_MSG_INVALID_ACCESS;
        return MF_ERR_INVALID;
    }
    /* Entries that are not strings name no role: they are skipped, not refused. */
    *codes = mf_calloc(json_array_size(roles), sizeof(char *));
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        if (json_is_string(r))
            (*codes)[(*n)++] = json_string_value(r);
    }
    return 0;
}

static int authorization(json_t *data, const char *request_id, void *ctx, json_t **reply,
                         int *status, char **errmsg)
{
    const char *id, **codes, *msg;
    size_t n;
    if (auth_nats_authorization_parse(data, &id, &codes, &n, status, &msg) != 0)
        return fail(*status, msg, status, errmsg);
    auth_user *u = NULL;
    int rc = auth_op_authorize(ctx, id, codes, n, &u);
    free(codes);
    if (rc == MF_ERR_NOT_FOUND)
        return fail(401, CMICRO_MSG_INVALID_ACCESS, status, errmsg);
    if (rc == MF_ERR_STATE)
        return fail(403, CMICRO_MSG_ROLE_INSUFFICIENT, status, errmsg);
    if (rc != 0)
        return fail_err(rc, request_id, CMICRO_SUBJECT_AUTHORIZATION, status, errmsg);
    return reply_user(auth_user_json, u, reply);
}

const char *auth_nats_profile_parse(json_t *data)
{
    const char *id = json_string_value(json_object_get(data, CMICRO_FIELD_VALUE));
    return id && mf_is_uuid(id) ? id : NULL;
}

static int profile_user(json_t *data, const char *request_id, void *ctx, json_t **reply,
                        int *status, char **errmsg)
{
    const char *id = auth_nats_profile_parse(data);
    if (!id)
        return fail(400, MSG_BAD_UUID, status, errmsg);
    auth_user *u = NULL;
    int rc = auth_op_profile_get(ctx, id, &u);
    if (rc == MF_ERR_NOT_FOUND)
        return fail(404, AUTH_MSG_NO_USER, status, errmsg);
    if (rc != 0)
        return fail_err(rc, request_id, CMICRO_SUBJECT_PROFILE_USER, status, errmsg);
    return reply_user(auth_user_public_json, u, reply);
}

int auth_nats_endpoints_serve(auth_ctx *ctx, int workers)
{
    if (mf_nats_serve(ctx->nats, CMICRO_SUBJECT_AUTHENTICATION, authentication, ctx, workers) !=
            0 ||
        mf_nats_serve(ctx->nats, CMICRO_SUBJECT_AUTHORIZATION, authorization, ctx, workers) != 0 ||
        mf_nats_serve(ctx->nats, CMICRO_SUBJECT_PROFILE_USER, profile_user, ctx, workers) != 0)
        return MF_ERR;
    return 0;
}
