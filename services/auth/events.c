#include "events.h"

#include <stdatomic.h>

#include "micro/error.h"
#include "micro/jetstream.h"
#include "micro/log.h"

/* Bounds how long a signout or role change waits for NATS. */
#define INVALIDATE_TIMEOUT_MS 1000

/* Set once the stream is known to exist; until then each publish first tries to create it
 * (NATS may have been down when the service started). */
static atomic_bool stream_ready;

int auth_events_init(mf_nats *n)
{
    static const char *const subjects[] = {CMICRO_STREAM_USERS_SUBJECTS};
    int rc = mf_js_stream_ensure(n, CMICRO_STREAM_USERS, subjects, 1);
    if (rc == 0)
        atomic_store(&stream_ready, true);
    return rc;
}

int auth_events_publish_raw(auth_ctx *ctx, const char *subject, json_t *data, const char *msg_id,
                            int timeout_ms)
{
    if (!ctx->nats)
        return MF_ERR_UNAVAILABLE;
    if (!atomic_load(&stream_ready) && auth_events_init(ctx->nats) != 0)
        return MF_ERR_UNAVAILABLE;
    /* msg_id doubles as the request id of the log lines about this event */
    return mf_js_publish_id(ctx->nats, subject, data, msg_id, msg_id, timeout_ms);
}

int auth_events_invalidate(auth_ctx *ctx, const char *user_id, const char *request_id)
{
    if (!ctx->nats)
        return 0;
    json_t *data = json_pack("{s:s}", CMICRO_FIELD_USER_ID, user_id);
    int rc = mf_nats_publish_flush(ctx->nats, CMICRO_SUBJECT_INVALIDATE, data, request_id,
                                   INVALIDATE_TIMEOUT_MS);
    json_decref(data);
    if (rc != 0) {
        mf_log_error(request_id, CMICRO_SUBJECT_INVALIDATE " for a user not confirmed (%s)",
                     mf_err_name(rc));
        return MF_ERR_UNAVAILABLE;
    }
    return 0;
}
