#include "authn.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "micro/base64url.h"
#include "micro/clock.h"
#include "micro/envelope.h"
#include "micro/error.h"
#include "micro/log.h"
#include "micro/nats.h"

#include "blog.h"

#define SUBJECT_AUTHENTICATION "auth.authentication"

const char *blog_role_check(const json_t *user, const char *role)
{
    json_t *roles = json_object_get(user, "roles");
    if (!json_is_array(roles) || json_array_size(roles) == 0)
        return BLOG_MSG_ROLE_MISSING;
    size_t i;
    json_t *r;
    json_array_foreach(roles, i, r)
    {
        const char *code = json_string_value(json_object_get(r, "code"));
        if (code && strcmp(code, role) == 0)
            return NULL;
    }
    return BLOG_MSG_ROLE_INSUFFICIENT;
}

static void user_free(void *p)
{
    json_decref(p);
}

/* Answers a failed NATS request the way API.md section 4 wants. */
static void answer_failure(mf_req *req, int rc, int status, const char *errmsg)
{
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

int blog_bearer_exp(const char *authorization, int64_t *exp_s)
{
    static const char prefix[] = "Bearer ";
    if (!authorization || strncmp(authorization, prefix, sizeof(prefix) - 1) != 0)
        return MF_ERR_INVALID;
    const char *payload = strchr(authorization + sizeof(prefix) - 1, '.');
    const char *end = payload ? strchr(payload + 1, '.') : NULL;
    if (!end)
        return MF_ERR_INVALID;
    json_t *claims = mf_b64url_decode_object(payload + 1, (size_t)(end - payload - 1));
    json_t *exp = json_object_get(claims, "exp");
    int rc = json_is_integer(exp) ? 0 : MF_ERR_INVALID;
    if (rc == 0)
        *exp_s = json_integer_value(exp);
    json_decref(claims);
    return rc;
}

/* The user auth-service vouches for behind header (caller decrefs), from the cache when it
 * may be used, else by one NATS round trip; NULL once the failure is answered. */
static json_t *authenticate(mf_req *req, blog_ctx *ctx, const char *header)
{
    /* A disconnected process may have missed an auth.invalidate: it must ask (and fail). */
    bool cacheable = ctx->auth_cache && mf_nats_connected(ctx->nats);
    uint64_t epoch = mf_nats_epoch();
    json_t *user =
        cacheable ? blog_auth_cache_get(ctx->auth_cache, header, mf_now_ms(), epoch) : NULL;
    if (user)
        return user;
    json_t *data = json_pack("{s:s}", "value", header);
    if (!data) { /* not UTF-8 */
        mf_respond_error(req, 401, "permission denied: invalid Authorization");
        return NULL;
    }
    uint64_t stamp = blog_auth_cache_stamp(ctx->auth_cache);
    int status = 0;
    char *errmsg = NULL;
    int rc = mf_nats_request(ctx->nats, SUBJECT_AUTHENTICATION, data, ctx->auth_timeout_ms,
                             mf_req_id(req), &user, &status, &errmsg);
    json_decref(data);
    if (rc != 0) {
        answer_failure(req, rc, status, errmsg);
        free(errmsg);
        return NULL;
    }
    if (!json_is_object(user) || !json_is_string(json_object_get(user, "id"))) {
        json_decref(user);
        mf_respond_err(req, MF_ERR, "malformed auth.authentication reply");
        return NULL;
    }
    int64_t exp_s;
    if (cacheable && blog_bearer_exp(header, &exp_s) == 0 && exp_s < INT64_MAX / 1000)
        blog_auth_cache_put(ctx->auth_cache, header, user, exp_s * 1000, mf_now_ms(), stamp, epoch);
    return user;
}

bool blog_guard(mf_req *req, unsigned guard)
{
    blog_ctx *ctx = mf_req_app(req);
    const char *header = mf_req_header(req, "Authorization");
    if (!header || !*header) {
        mf_respond_error(req, 401, "permission denied: missing Authorization");
        return false;
    }
    json_t *user = authenticate(req, ctx, header);
    if (!user)
        return false;
    const char *role = (guard & BLOG_GUARD_EDITOR) ? "EDITOR" : "AUTHOR";
    const char *denied = blog_role_check(user, role);
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
    return json_string_value(json_object_get(blog_req_user(req), "id"));
}
