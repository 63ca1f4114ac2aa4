#include "relay.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "events.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/jetstream.h"
#include "micro/log.h"
#include "store_outbox.h"

#define RELAY_BATCH        100
#define RELAY_POLL_MS      1000
#define RELAY_BACKOFF_MAX  5000
#define PUBLISH_TIMEOUT_MS 2000

struct auth_relay {
    auth_ctx *ctx;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    bool poked;
};

/* One batch: takes up to RELAY_BATCH rows, publishes them in order, deletes those the stream
 * acknowledged, commits. *sent gets how many were published; MF_ERR_NOT_FOUND when the queue
 * was empty, 0 when every taken row was sent, else the failure (rows left for the next
 * try). */
static int relay_batch(auth_ctx *ctx, int *sent)
{
    *sent = 0;
    if (!ctx->nats || !mf_nats_connected(ctx->nats))
        return MF_ERR_UNAVAILABLE;
    auth_db_conn *c = auth_db_acquire(ctx->db);
    if (!c)
        return MF_ERR_UNAVAILABLE;
    auth_db_res *r = NULL;
    int rc = auth_db_begin(c);
    if (rc == 0)
        rc = auth_store_outbox_take(c, RELAY_BATCH, &r);
    size_t n = rc == 0 ? auth_db_res_rows(r) : 0;
    if (rc == 0 && n == 0)
        rc = MF_ERR_NOT_FOUND;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *id = auth_db_res_get(r, i, 0);
        const char *subject = auth_db_res_get(r, i, 1);
        json_t *data = json_loads(auth_db_res_get(r, i, 2), 0, NULL);
        char msg_id[40];
        snprintf(msg_id, sizeof msg_id, "outbox-%s", id);
        if (!data) {
            /* jsonb always parses; a row that does not would block the queue forever */
            mf_log_error(msg_id, "outbox row with unreadable payload dropped");
            rc = auth_store_outbox_delete(c, id);
            continue;
        }
        rc = auth_events_publish_raw(ctx, subject, data, msg_id, PUBLISH_TIMEOUT_MS);
        json_decref(data);
        /* Deleted only after the ack: a crash in between republishes, which the stream
         * drops as a duplicate of msg_id. */
        if (rc == 0 && (rc = auth_store_outbox_delete(c, id)) == 0)
            (*sent)++;
    }
    auth_db_res_free(r);
    /* Commits the deletes of the rows that were sent even when a later publish failed. */
    int end = auth_db_end(c, rc == 0 || rc == MF_ERR_NOT_FOUND || *sent > 0 ? 0 : rc);
    auth_db_release(ctx->db, c);
    if (end != 0 && rc == 0)
        rc = end;
    return rc;
}

bool auth_relay_drain(auth_ctx *ctx, int timeout_ms)
{
    int64_t until = mf_now_ms() + timeout_ms;
    int sent;
    int rc;
    while ((rc = relay_batch(ctx, &sent)) == 0 && mf_now_ms() < until) {
    }
    return rc == MF_ERR_NOT_FOUND;
}

static void *loop(void *arg)
{
    auth_relay *r = arg;
    long wait_ms = 0;
    long backoff_ms = 100;
    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        if (wait_ms > 0 && !r->poked) {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += wait_ms / 1000;
            until.tv_nsec += (wait_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            while (!r->stop && !r->poked && pthread_cond_timedwait(&r->cv, &r->mu, &until) == 0) {
            }
        }
        if (r->stop)
            break;
        r->poked = false;
        pthread_mutex_unlock(&r->mu);
        int sent = 0;
        int rc = relay_batch(r->ctx, &sent);
        if (rc == 0) {
            wait_ms = 0; /* a full batch: more may be waiting */
            backoff_ms = 100;
        } else if (rc == MF_ERR_NOT_FOUND) {
            wait_ms = RELAY_POLL_MS;
            backoff_ms = 100;
        } else {
            /* NATS or PostgreSQL down: the rows wait, retried with a growing back-off (or
             * sooner when a commit pokes) */
            if (sent == 0)
                mf_log_warn(NULL, "outbox relay: %s, retrying in %ld ms", mf_err_name(rc),
                            backoff_ms);
            wait_ms = backoff_ms;
            backoff_ms = backoff_ms * 2 > RELAY_BACKOFF_MAX ? RELAY_BACKOFF_MAX : backoff_ms * 2;
        }
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

auth_relay *auth_relay_start(auth_ctx *ctx)
{
    auth_relay *r = mf_calloc(1, sizeof(*r));
    r->ctx = ctx;
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&r->thread, NULL, loop, r) != 0) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return NULL;
    }
    return r;
}

void auth_relay_poke(auth_relay *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->poked = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

void auth_relay_stop(auth_relay *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
