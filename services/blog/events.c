#include "events.h"

#include <stdlib.h>
#include <string.h>

#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/jetstream.h"
#include "micro/log.h"
#include "micro/nats.h"
#include "micro/valid.h"

#include "contract.h"
#include "ops.h"

/* Events handed to handle_user_events at most at once (a backlog comes in batches of this). */
#define USER_EVENT_BATCH 256

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

void blog_events_coalesce(const mf_js_msg *msgs, size_t n, size_t *newest)
{
    const char *id, *name, *pic;
    for (size_t i = 0; i < n; i++) {
        newest[i] = i;
        int64_t v = blog_events_user_version(msgs[i].data);
        if (v == 0 || !blog_events_user_parse(msgs[i].data, &id, &name, &pic))
            continue;
        for (size_t j = 0; j < n; j++) {
            const char *jid, *jname, *jpic;
            size_t best = newest[i];
            int64_t bv = blog_events_user_version(msgs[best].data);
            int64_t jv = blog_events_user_version(msgs[j].data);
            /* ties (a redelivery beside its original): the later one */
            if (j != i && jv > 0 && (jv > bv || (jv == bv && j > best)) &&
                blog_events_user_parse(msgs[j].data, &jid, &jname, &jpic) && strcmp(jid, id) == 0)
                newest[i] = j;
        }
    }
}

/* Applies one event: 0 = ack (applied, older than what is stored, or malformed and never
 * applicable), non-zero = nak (MongoDB unavailable: redelivered later). */
static int apply_user_event(blog_ctx *ctx, const mf_js_msg *m, bool alone)
{
    const char *id, *name, *pic;
    if (!blog_events_user_parse(m->data, &id, &name, &pic)) {
        /* a redelivery would not make it valid: ack and leave a trace */
        mf_log_warn(m->request_id, "event %s ignored: malformed user payload", m->subject);
        return 0;
    }
    int64_t version = blog_events_user_version(m->data);
    /* a user.created alone needs only the author record; one that stands for later events of
     * the same user too (coalesced) needs everything user.updated does */
    int rc = alone && strcmp(m->subject, CMICRO_EVENT_USER_CREATED) == 0
                 ? blog_op_record_new_user(ctx, id, name, pic, version)
                 : blog_op_apply_user(ctx, id, name, pic, version);
    if (rc == MF_ERR_STATE) {
        mf_log_info(m->request_id,
                    "event %s for user %s ignored: version %lld is older than the"
                    " stored one",
                    m->subject, id, (long long)version);
        return 0;
    }
    if (rc != 0) {
        mf_log_warn(m->request_id, "event %s for user %s not applied: %s", m->subject, id,
                    mf_err_name(rc));
        return 1;
    }
    mf_log_info(m->request_id, "event %s applied for user %s version %lld", m->subject, id,
                (long long)version);
    return 0;
}

/* The consumer's batch handler (mf_js_batch_fn). Applying a user event is one write (the
 * authors document, store_authors.h) and a cache retirement; a backlog (NATS back after an
 * outage, a burst of renames) still comes in batches, and an event is the
 * user's whole state at its version, so only the newest event of a user in the batch is
 * applied; the older ones are settled with it (acked when it was, nak'ed when it was not). */
static void handle_user_events(const mf_js_msg *msgs, size_t n, int *results, void *arg)
{
    blog_ctx *ctx = arg;
    size_t *newest = mf_calloc(n, sizeof(*newest));
    bool *stands_for_others = mf_calloc(n, sizeof(*stands_for_others));
    blog_events_coalesce(msgs, n, newest);
    for (size_t i = 0; i < n; i++) {
        if (newest[i] != i)
            stands_for_others[newest[i]] = true;
    }
    for (size_t i = 0; i < n; i++) {
        if (newest[i] == i) {
            /* a batch of slow applies can outlast the ack wait: keep it from redelivery */
            mf_js_batch_progress();
            results[i] = apply_user_event(ctx, &msgs[i], !stands_for_others[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t w = newest[i];
        if (w == i)
            continue;
        results[i] = results[w];
        const char *id = json_string_value(json_object_get(msgs[i].data, CMICRO_FIELD_ID));
        mf_log_info(msgs[i].request_id,
                    "event %s for user %s version %lld superseded by version %lld (%s)",
                    msgs[i].subject, id, (long long)blog_events_user_version(msgs[i].data),
                    (long long)blog_events_user_version(msgs[w].data),
                    results[w] == 0 ? "settled" : "not applied");
    }
    free(stands_for_others);
    free(newest);
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
    if (mf_js_consume_batch(ctx->nats, CMICRO_STREAM_USERS, CMICRO_CONSUMER_BLOG,
                            CMICRO_STREAM_USERS_SUBJECTS, USER_EVENT_BATCH, handle_user_events,
                            ctx) != 0) {
        mf_log_error(NULL, "cannot start consumer %s", CMICRO_CONSUMER_BLOG);
        return MF_ERR;
    }
    return 0;
}
