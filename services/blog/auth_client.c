#include "auth_client.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/base64url.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/nats.h"

#include "contract.h"

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

int blog_auth_client_authenticate(blog_ctx *ctx, const char *authorization, const char *request_id,
                                  json_t **user, int *status, char **message)
{
    *user = NULL;
    *status = 0;
    *message = NULL;
    /* A disconnected process may have missed an auth.invalidate: it must ask (and fail). */
    bool cacheable = ctx->auth_cache && mf_nats_connected(ctx->nats);
    uint64_t epoch = mf_nats_epoch();
    if (cacheable) {
        *user = blog_auth_cache_get(ctx->auth_cache, authorization, mf_now_ms(), epoch);
        if (*user)
            return 0;
    }
    json_t *data = json_pack("{s:s}", CMICRO_FIELD_VALUE, authorization);
    if (!data) /* not UTF-8 */
        return MF_ERR_INVALID;
    uint64_t stamp = blog_auth_cache_stamp(ctx->auth_cache);
    int rc = mf_nats_request(ctx->nats, CMICRO_SUBJECT_AUTHENTICATION, data, ctx->auth_timeout_ms,
                             request_id, user, status, message);
    json_decref(data);
    if (rc != 0)
        return rc;
    if (!json_is_object(*user) || !json_is_string(json_object_get(*user, CMICRO_FIELD_ID))) {
        json_decref(*user);
        *user = NULL;
        *status = 500;
        *message = mf_strdup("malformed " CMICRO_SUBJECT_AUTHENTICATION " reply");
        return MF_ERR_REMOTE;
    }
    int64_t exp_s;
    if (cacheable && blog_bearer_exp(authorization, &exp_s) == 0 && exp_s < INT64_MAX / 1000)
        blog_auth_cache_put(ctx->auth_cache, authorization, *user, exp_s * 1000, mf_now_ms(), stamp,
                            epoch);
    return 0;
}
