#include "events.h"

#include <string.h>

#include "micro/error.h"
#include "micro/jetstream.h"
#include "micro/log.h"
#include "micro/nats.h"
#include "micro/valid.h"

#include "contract.h"
#include "ops.h"

bool blog_events_user_parse(json_t *data, const char **id, const char **name, const char **pic)
{
    *id = json_string_value(json_object_get(data, CMICRO_FIELD_ID));
    *name = json_string_value(json_object_get(data, CMICRO_FIELD_NAME));
    json_t *jpic = json_object_get(data, CMICRO_FIELD_PIC);
    *pic = json_is_string(jpic) ? json_string_value(jpic) : NULL;
    return *id && mf_is_uuid(*id) && *name;
}

int64_t blog_events_user_version(json_t *data)
{
    json_t *v = json_object_get(data, CMICRO_FIELD_VERSION);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
}

/* The consumer's handler (mf_js_handler_fn): 0 = ack (applied, or malformed and never
 * applicable), non-zero = nak (MongoDB unavailable: redelivered later). */
static int handle_user_event(const char *subject, json_t *data, const char *request_id, void *arg)
{
    blog_ctx *ctx = arg;
    const char *id, *name, *pic;
    if (!blog_events_user_parse(data, &id, &name, &pic)) {
        /* a redelivery would not make it valid: ack and leave a trace */
        mf_log_warn(request_id, "event %s ignored: malformed user payload", subject);
        return 0;
    }
    int64_t version = blog_events_user_version(data);
    int rc = strcmp(subject, CMICRO_EVENT_USER_CREATED) == 0
                 ? blog_op_record_new_user(ctx, id, name, pic, version)
                 : blog_op_apply_user(ctx, id, name, pic, version);
    if (rc == MF_ERR_STATE) {
        mf_log_info(request_id,
                    "event %s for user %s ignored: version %lld is older than the"
                    " stored one",
                    subject, id, (long long)version);
        return 0;
    }
    if (rc != 0) {
        mf_log_warn(request_id, "event %s for user %s not applied: %s", subject, id,
                    mf_err_name(rc));
        return 1;
    }
    mf_log_info(request_id, "event %s applied for user %s", subject, id);
    return 0;
}

void blog_events_invalidate(json_t *data, const char *request_id, void *arg)
{
    const char *id = json_string_value(json_object_get(data, CMICRO_FIELD_USER_ID));
    if (!id || !mf_is_uuid(id)) {
        /* whom it was about is unknown: forgetting everyone is the safe reading */
        mf_log_warn(request_id, "%s without a valid %s: every cached token dropped",
                    CMICRO_SUBJECT_INVALIDATE, CMICRO_FIELD_USER_ID);
        id = NULL;
    }
    blog_op_forget_user_tokens(arg, id);
}

int blog_events_start(blog_ctx *ctx)
{
    if (mf_nats_subscribe(ctx->nats, CMICRO_SUBJECT_INVALIDATE, blog_events_invalidate, ctx) != 0) {
        mf_log_error(NULL, "cannot subscribe to %s", CMICRO_SUBJECT_INVALIDATE);
        return MF_ERR;
    }
    /* Only binds: auth-service, the publisher, creates and configures the stream; until it
     * has, lib/micro waits for the stream in the background. */
    if (mf_js_consume(ctx->nats, CMICRO_STREAM_USERS, CMICRO_CONSUMER_BLOG,
                      CMICRO_STREAM_USERS_SUBJECTS, handle_user_event, ctx) != 0) {
        mf_log_error(NULL, "cannot start consumer %s", CMICRO_CONSUMER_BLOG);
        return MF_ERR;
    }
    return 0;
}
