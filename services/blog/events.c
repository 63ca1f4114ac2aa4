#include "events.h"

#include "micro/clock.h"
#include "micro/error.h"
#include "micro/jetstream.h"
#include "micro/log.h"
#include "micro/nats.h"
#include "micro/valid.h"

#include "cache.h"
#include "authors.h"

bool blog_events_user_parse(json_t *data, const char **id, const char **name, const char **pic)
{
    *id = json_string_value(json_object_get(data, "id"));
    *name = json_string_value(json_object_get(data, "name"));
    json_t *jpic = json_object_get(data, "profilePicUrl");
    *pic = json_is_string(jpic) ? json_string_value(jpic) : NULL;
    return *id && mf_is_uuid(*id) && *name;
}

int blog_events_handle(const char *subject, json_t *data, const char *request_id, void *arg)
{
    blog_ctx *ctx = arg;
    const char *id, *name, *pic;
    if (!blog_events_user_parse(data, &id, &name, &pic)) {
        /* a redelivery would not make it valid: ack and leave a trace */
        mf_log_warn(request_id, "event %s ignored: malformed user payload", subject);
        return 0;
    }
    int rc = blog_authors_apply(ctx->mongo, id, name, pic, mf_now_ms());
    json_t *published = NULL;
    if (rc == 0)
        rc = blog_authors_published(ctx->mongo, id, &published);
    if (rc != 0) {
        mf_log_warn(request_id, "event %s for user %s not applied: %s", subject, id,
                    mf_err_name(rc));
        return 1;
    }
    /* public answers embed the author: drop them before the event is acknowledged */
    if (json_array_size(published) > 0)
        blog_cache_invalidate_many(ctx, published);
    json_decref(published);
    mf_log_info(request_id, "event %s applied for user %s", subject, id);
    return 0;
}

void blog_events_invalidate(json_t *data, const char *request_id, void *arg)
{
    blog_ctx *ctx = arg;
    const char *id = json_string_value(json_object_get(data, "userId"));
    if (!id || !mf_is_uuid(id)) {
        /* whom it was about is unknown: forgetting everyone is the safe reading */
        mf_log_warn(request_id, "%s without a valid userId: every cached token dropped",
                    BLOG_SUBJECT_INVALIDATE);
        id = NULL;
    }
    blog_auth_cache_drop_user(ctx->auth_cache, id);
}

int blog_events_start(blog_ctx *ctx)
{
    if (mf_nats_subscribe(ctx->nats, BLOG_SUBJECT_INVALIDATE, blog_events_invalidate, ctx) != 0) {
        mf_log_error(NULL, "cannot subscribe to %s", BLOG_SUBJECT_INVALIDATE);
        return MF_ERR;
    }
    const char *const subjects[] = {BLOG_EVENTS_FILTER};
    if (mf_js_stream_ensure(ctx->nats, BLOG_EVENTS_STREAM, subjects, 1) != 0) {
        mf_log_error(NULL, "cannot ensure stream %s", BLOG_EVENTS_STREAM);
        return MF_ERR;
    }
    if (mf_js_consume(ctx->nats, BLOG_EVENTS_STREAM, BLOG_EVENTS_DURABLE, BLOG_EVENTS_FILTER,
                      blog_events_handle, ctx) != 0) {
        mf_log_error(NULL, "cannot start consumer %s", BLOG_EVENTS_DURABLE);
        return MF_ERR;
    }
    return 0;
}
