/*
 * JetStream on libnats 3.4: streams, acknowledged publishes and durable push consumers with
 * explicit ack shared by replicas through a deliver group. Setup asked for while NATS is
 * unreachable is queued and done by a background thread once the connection is up, so a
 * service can start before NATS.
 */
#include <nats/nats.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/jetstream.h"
#include "micro/log.h"
#include "nats_internal.h"

/* libnats' own default for JetStream API calls. */
#define JS_API_WAIT_MS 5000
/* Redelivery back-off after a nak: base doubles per delivery, capped. */
#define NAK_DELAY_BASE_MS 50
#define NAK_DELAY_MAX_MS  5000
/* How often a consumer looks again for a stream its publisher has not created yet. */
#define STREAM_WAIT_RETRY_MS 500

/* Setup asked for while it could not be done, done later by the setup thread. */
typedef struct js_pending js_pending;

struct js_pending {
    js_pending *next;
    char *stream;
    char **subjects; /* stream setup when non-NULL, else a consumer */
    int nsubjects;
    char *durable;
    char *filter;
    mf_js_handler_fn fn;
    mf_js_batch_fn batch_fn; /* mf_js_consume_batch (then fn is NULL) */
    size_t max_batch;
    void *ctx;
};

/* The JetStream add-on of one mf_nats (n->addon.state); guarded by n->mu, n->cond wakes the
 * setup thread. */
typedef struct {
    jsCtx *js;
    js_pending *pending; /* FIFO: a stream is set up before the consumers that need it */
    pthread_t setup_thread;
    bool setup_started; /* setup_thread must be joined */
    bool setup_running;
    bool stopping;
} js_state;

static void js_pending_free(js_pending *p);

/* Stops the setup thread and drops what it had not done yet (first step of mf_nats_free). */
static void js_stop(mf_nats *n)
{
    js_state *st = n->addon.state;
    pthread_mutex_lock(&n->mu);
    st->stopping = true;
    pthread_cond_broadcast(&n->cond);
    bool join = st->setup_started;
    pthread_mutex_unlock(&n->mu);
    if (join)
        pthread_join(st->setup_thread, NULL);
    while (st->pending != NULL) {
        js_pending *next = st->pending->next;
        js_pending_free(st->pending);
        st->pending = next;
    }
}

static void js_release(mf_nats *n)
{
    js_state *st = n->addon.state;
    jsCtx_Destroy(st->js);
    free(st);
    n->addon.state = NULL;
}

/* The connection's JetStream state, made on first use. NULL when libnats refuses a context. */
static js_state *js_of(mf_nats *n)
{
    pthread_mutex_lock(&n->mu);
    js_state *st = n->addon.state;
    if (st == NULL) {
        st = mf_calloc(1, sizeof(*st));
        natsStatus s = natsConnection_JetStream(&st->js, n->nc, NULL);
        if (s != NATS_OK) {
            mf_log_error(NULL, "nats: JetStream context: %s", mf_nats_errtext(s));
            free(st);
            st = NULL;
        } else {
            n->addon.state = st;
            n->addon.stop = js_stop;
            n->addon.release = js_release;
        }
    }
    pthread_mutex_unlock(&n->mu);
    return st;
}

static bool same_subjects(const jsStreamConfig *cfg, const char *const *subjects, int nsubjects)
{
    if (cfg->SubjectsLen != nsubjects)
        return false;
    for (int i = 0; i < nsubjects; i++) {
        bool found = false;
        for (int j = 0; j < cfg->SubjectsLen && !found; j++)
            found = strcmp(cfg->Subjects[j], subjects[i]) == 0;
        if (!found)
            return false;
    }
    return true;
}

static int stream_ensure_now(js_state *st, const char *stream, const char *const *subjects,
                             int nsubjects)
{
    /* Two replicas may race to create the stream: the loser sees "exists" and updates. */
    for (int attempt = 0; attempt < 3; attempt++) {
        jsStreamInfo *si = NULL;
        jsErrCode jerr = 0;
        natsStatus s = js_GetStreamInfo(&si, st->js, stream, NULL, &jerr);
        if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
            jsStreamConfig cfg;
            jsStreamConfig_Init(&cfg);
            cfg.Name = stream;
            cfg.Subjects = (const char **)subjects;
            cfg.SubjectsLen = nsubjects;
            cfg.Storage = js_FileStorage;
            s = js_AddStream(NULL, st->js, &cfg, NULL, &jerr);
            if (s == NATS_OK) {
                mf_log_info(NULL, "nats: created stream %s", stream);
                return 0;
            }
            if (jerr == JSStreamNameExistErr)
                continue;
            mf_log_error(NULL, "nats: create stream %s: %s", stream, mf_nats_errtext(s));
            return MF_ERR;
        }
        if (s != NATS_OK) {
            mf_log_error(NULL, "nats: stream info %s: %s", stream, mf_nats_errtext(s));
            return s == NATS_TIMEOUT ? MF_ERR_TIMEOUT : MF_ERR;
        }
        if (same_subjects(si->Config, subjects, nsubjects)) {
            jsStreamInfo_Destroy(si);
            return 0;
        }
        /* Keep the rest of the existing configuration; swap the subjects in and back out
         * (the info owns and frees its own array). */
        const char **old = si->Config->Subjects;
        int old_len = si->Config->SubjectsLen;
        si->Config->Subjects = (const char **)subjects;
        si->Config->SubjectsLen = nsubjects;
        s = js_UpdateStream(NULL, st->js, si->Config, NULL, &jerr);
        si->Config->Subjects = old;
        si->Config->SubjectsLen = old_len;
        jsStreamInfo_Destroy(si);
        if (s != NATS_OK) {
            mf_log_error(NULL, "nats: update stream %s: %s", stream, mf_nats_errtext(s));
            return MF_ERR;
        }
        mf_log_info(NULL, "nats: updated subjects of stream %s", stream);
        return 0;
    }
    mf_log_error(NULL, "nats: stream %s: gave up after concurrent changes", stream);
    return MF_ERR;
}

int mf_js_publish(mf_nats *n, const char *subject, json_t *data, const char *request_id,
                  int timeout_ms)
{
    return mf_js_publish_id(n, subject, data, NULL, request_id, timeout_ms);
}

int mf_js_publish_id(mf_nats *n, const char *subject, json_t *data, const char *msg_id,
                     const char *request_id, int timeout_ms)
{
    if (n == NULL || subject == NULL || *subject == '\0')
        return MF_ERR;
    js_state *st = js_of(n);
    if (st == NULL)
        return MF_ERR;
    if (!mf_nats_connected(n)) {
        mf_log_warn(request_id, "nats: JetStream publish %s while disconnected", subject);
        return MF_ERR_UNAVAILABLE;
    }
    size_t len;
    char *payload = mf_nats_payload(data, &len);
    natsMsg *msg = NULL;
    natsStatus s = mf_nats_msg_new(&msg, subject, payload, len, request_id);
    free(payload);
    jsErrCode jerr = 0;
    if (s == NATS_OK) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = timeout_ms > 0 ? timeout_ms : JS_API_WAIT_MS;
        /* Sets the Nats-Msg-Id header: the stream drops a second message with the same id
         * within its duplicate window and still acks it, so a retry is safe. */
        po.MsgId = msg_id;
        s = js_PublishMsg(NULL, st->js, msg, &po, &jerr);
    }
    natsMsg_Destroy(msg);
    if (s == NATS_OK)
        return 0;
    if (s == NATS_TIMEOUT) {
        mf_log_warn(request_id, "nats: JetStream publish %s: no ack within %d ms", subject,
                    timeout_ms);
        return MF_ERR_TIMEOUT;
    }
    /* NATS_NO_RESPONDERS here means no stream captures the subject: a setup error. */
    mf_log_error(request_id, "nats: JetStream publish %s: %s", subject, mf_nats_errtext(s));
    return MF_ERR;
}

static void js_settle(natsMsg *msg, bool ack, const char *rid, const char *where)
{
    natsStatus s;
    if (ack) {
        s = natsMsg_Ack(msg, NULL);
    } else {
        /* Back off a failing handler (its dependency may be down) instead of spinning. */
        int64_t delay = NAK_DELAY_BASE_MS;
        jsMsgMetaData *meta = NULL;
        if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
            for (uint64_t i = 1; i < meta->NumDelivered && delay < NAK_DELAY_MAX_MS; i++)
                delay *= 2;
            jsMsgMetaData_Destroy(meta);
        }
        if (delay > NAK_DELAY_MAX_MS)
            delay = NAK_DELAY_MAX_MS;
        s = natsMsg_NakWithDelay(msg, delay, NULL);
    }
    if (s != NATS_OK)
        mf_log_warn(rid, "nats: %s on %s: %s", ack ? "ack" : "nak", where, mf_nats_errtext(s));
}

/* ---- batches (mf_js_consume_batch) -------------------------------------------------------- */

/* A delivered message waiting for its batch: all three owned. */
typedef struct {
    natsMsg *msg;
    json_t *data;
    char *rid;
} js_held;

typedef struct {
    size_t max, n;
    js_held *held;         /* max slots */
    int64_t last_progress; /* mf_mono_ms of the last mf_js_batch_progress that went out */
} js_batch;

/* The batch the calling thread's handler is working on (mf_js_batch_progress). */
static _Thread_local js_batch *current_batch;

void mf_js_batch_progress(void)
{
    js_batch *b = current_batch;
    if (b == NULL)
        return;
    /* once a second is plenty against an ack wait of seconds, and keeps it cheap to call
     * before every step */
    int64_t now = mf_mono_ms();
    if (now - b->last_progress < 1000)
        return;
    b->last_progress = now;
    for (size_t i = 0; i < b->n; i++)
        natsMsg_InProgress(b->held[i].msg, NULL);
}

static js_batch *js_batch_new(size_t max)
{
    js_batch *b = mf_calloc(1, sizeof(*b));
    b->max = max;
    b->held = mf_calloc(max, sizeof(*b->held));
    return b;
}

/* Unacknowledged messages are just dropped: the server redelivers them after its ack wait. */
static void js_batch_free(void *arg)
{
    js_batch *b = arg;
    for (size_t i = 0; i < b->n; i++) {
        natsMsg_Destroy(b->held[i].msg);
        json_decref(b->held[i].data);
        free(b->held[i].rid);
    }
    free(b->held);
    free(b);
}

static void js_batch_flush(mf_nats_sub *rec, js_batch *b)
{
    mf_js_msg *msgs = mf_calloc(b->n, sizeof(*msgs));
    int *results = mf_calloc(b->n, sizeof(*results));
    for (size_t i = 0; i < b->n; i++) {
        msgs[i].subject = natsMsg_GetSubject(b->held[i].msg);
        msgs[i].data = b->held[i].data;
        msgs[i].request_id = b->held[i].rid;
    }
    b->last_progress = mf_mono_ms();
    current_batch = b;
    rec->js_batch_fn(msgs, b->n, results, rec->ctx);
    current_batch = NULL;
    for (size_t i = 0; i < b->n; i++) {
        js_held *h = &b->held[i];
        if (results[i] != 0)
            mf_log_warn(h->rid, "nats: event on %s not handled (%d), will be redelivered",
                        msgs[i].subject, results[i]);
        js_settle(h->msg, results[i] == 0, h->rid, rec->subject);
        natsMsg_Destroy(h->msg);
        json_decref(h->data);
        free(h->rid);
    }
    b->n = 0;
    free(msgs);
    free(results);
}

/* Holds msg; hands the batch over when nothing more is queued behind it or it is full. The
 * queue only ever holds deliveries of the consumer (it is created without heartbeats or flow
 * control, whose status messages would count as pending), so "pending > 0" means another
 * call of this callback follows at once and the batch is not held waiting. Runs in the
 * subscription's delivery thread, one message at a time, within the last message's trace. */
static void on_js_batch_msg(mf_nats_sub *rec, natsSubscription *sub, natsMsg *msg,
                            const mf_nats_msg_ctx *mc)
{
    js_batch *b = rec->js_batch;
    const char *subject = natsMsg_GetSubject(msg);
    json_error_t jerr;
    json_t *data = json_loadb(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg),
                              JSON_DECODE_ANY, &jerr);
    if (data == NULL) {
        mf_log_error(mc->rid, "nats: dropping malformed event on %s (%s): %s", subject,
                     rec->subject, jerr.text);
        js_settle(msg, true, mc->rid, rec->subject);
        natsMsg_Destroy(msg);
    } else {
        b->held[b->n++] = (js_held){.msg = msg, .data = data, .rid = mf_strdup(mc->rid)};
    }
    int pending = 0;
    if (natsSubscription_GetPending(sub, &pending, NULL) != NATS_OK)
        pending = 0;
    if (b->n > 0 && (b->n >= b->max || pending <= 0))
        js_batch_flush(rec, b);
}

static void on_js_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    mf_nats_sub *rec = closure;
    mf_nats_msg_ctx mc;
    mf_nats_msg_context_begin(msg, &mc);
    if (rec->js_batch_fn != NULL) {
        on_js_batch_msg(rec, sub, msg, &mc);
        mf_nats_msg_context_end(&mc);
        return;
    }
    const char *rid = mc.rid;
    const char *subject = natsMsg_GetSubject(msg);

    json_error_t jerr;
    json_t *data = json_loadb(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg),
                              JSON_DECODE_ANY, &jerr);
    if (data == NULL) {
        /* Redelivering a poison message would loop forever: drop it, loudly. */
        mf_log_error(rid, "nats: dropping malformed event on %s (%s): %s", subject, rec->subject,
                     jerr.text);
        js_settle(msg, true, rid, rec->subject);
    } else {
        int rc = rec->js_fn(subject, data, rid, rec->ctx);
        json_decref(data);
        if (rc != 0)
            mf_log_warn(rid, "nats: event on %s not handled (%d), will be redelivered", subject,
                        rc);
        js_settle(msg, rc == 0, rid, rec->subject);
    }
    mf_nats_msg_context_end(&mc);
    natsMsg_Destroy(msg);
}

/* Creates the durable push consumer unless it exists. It is created here rather than by
 * js_Subscribe because a consumer that js_Subscribe creates is deleted on unsubscribe, and
 * messages published while no replica runs must wait for the next one. */
static int js_consumer_ensure(js_state *st, const char *stream, const char *durable,
                              const char *filter_subject, size_t max_batch)
{
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetConsumerInfo(&ci, st->js, stream, durable, NULL, &jerr);
    if (s == NATS_OK) {
        const char *have = ci->Config->FilterSubject;
        bool filter_ok = (filter_subject == NULL || *filter_subject == '\0')
                             ? (have == NULL || *have == '\0')
                             : (have != NULL && strcmp(have, filter_subject) == 0);
        bool group_ok =
            ci->Config->DeliverGroup != NULL && strcmp(ci->Config->DeliverGroup, durable) == 0;
        jsConsumerInfo_Destroy(ci);
        if (!filter_ok || !group_ok) {
            mf_log_error(NULL,
                         "nats: consumer %s on %s exists with another filter or deliver group; "
                         "delete it to change its configuration",
                         durable, stream);
            return MF_ERR;
        }
        return 0;
    }
    if (jerr == JSStreamNotFoundErr) {
        mf_log_info(NULL, "nats: stream %s does not exist yet (consumer %s waits for it)", stream,
                    durable);
        return MF_ERR_NOT_FOUND;
    }
    if (s != NATS_NOT_FOUND && jerr != JSConsumerNotFoundErr) {
        mf_log_error(NULL, "nats: consumer info %s on %s: %s", durable, stream, mf_nats_errtext(s));
        return s == NATS_TIMEOUT ? MF_ERR_TIMEOUT : MF_ERR;
    }

    char *deliver = mf_asprintf("_MF_DELIVER.%s.%s", stream, durable);
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = durable;
    cc.DeliverSubject = deliver;
    /* The deliver group lets replicas share one durable: each message goes to one of them. */
    cc.DeliverGroup = durable;
    cc.DeliverPolicy = js_DeliverAll;
    cc.AckPolicy = js_AckExplicit;
    if (filter_subject != NULL && *filter_subject != '\0')
        cc.FilterSubject = filter_subject;
    /* A batch consumer's replicas hold messages unacknowledged: a bound on what is out keeps
     * each message's wait (and what the clients buffer) short, and leaves some for every
     * replica. */
    if (max_batch > 0)
        cc.MaxAckPending = (int64_t)(2 * max_batch);
    s = js_AddConsumer(NULL, st->js, stream, &cc, NULL, &jerr);
    free(deliver);
    if (jerr == JSStreamNotFoundErr)
        return MF_ERR_NOT_FOUND; /* deleted between the two calls: wait for it again */
    if (s != NATS_OK && jerr != JSConsumerNameExistErr) {
        mf_log_error(NULL, "nats: create consumer %s on %s: %s", durable, stream,
                     mf_nats_errtext(s));
        return MF_ERR;
    }
    if (s == NATS_OK)
        mf_log_info(NULL, "nats: created durable consumer %s on %s", durable, stream);
    return 0;
}

static int consume_now(mf_nats *n, js_state *st, const js_pending *p)
{
    const char *stream = p->stream, *durable = p->durable, *filter_subject = p->filter;
    int rc = js_consumer_ensure(st, stream, durable, filter_subject, p->max_batch);
    if (rc != 0)
        return rc;

    char *label = mf_asprintf("%s/%s", stream, durable);
    mf_nats_sub *rec = mf_nats_sub_new(n, label, p->ctx);
    free(label);
    rec->js_fn = p->fn;
    if (p->batch_fn != NULL) {
        rec->js_batch_fn = p->batch_fn;
        rec->js_batch = js_batch_new(p->max_batch);
        rec->js_batch_free = js_batch_free;
    }

    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream;
    so.Consumer = durable;
    so.Queue = durable;
    so.ManualAck = true;
    jsErrCode jerr = 0;
    natsStatus s =
        js_Subscribe(&rec->sub, st->js, filter_subject, on_js_msg, rec, NULL, &so, &jerr);
    if (s != NATS_OK) {
        mf_log_error(NULL, "nats: subscribe consumer %s: %s", rec->subject, mf_nats_errtext(s));
        mf_nats_sub_free(rec);
        return MF_ERR;
    }
    if (mf_nats_sub_attach(n, rec) != 0)
        return MF_ERR;
    mf_log_info(NULL, "nats: consuming %s", rec->subject);
    return 0;
}

/* ---- deferred JetStream setup ------------------------------------------------------------- */

static void js_pending_free(js_pending *p)
{
    for (int i = 0; i < p->nsubjects; i++)
        free(p->subjects[i]);
    free(p->subjects);
    free(p->stream);
    free(p->durable);
    free(p->filter);
    free(p);
}

static int js_pending_run(mf_nats *n, js_state *st, js_pending *p)
{
    if (p->subjects != NULL)
        return stream_ensure_now(st, p->stream, (const char *const *)p->subjects, p->nsubjects);
    return consume_now(n, st, p);
}

/* Waits on n->cond until ms passed or stopping; called and returns with n->mu held. */
static void wait_locked(mf_nats *n, js_state *st, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    if (!st->stopping)
        pthread_cond_timedwait(&n->cond, &n->mu, &until);
}

/* Works through the queue once NATS is reachable, retrying failures with a back-off (a
 * missing stream is looked for again soon: its publisher is usually just starting). Exits
 * when the queue is empty (a later deferral starts a new thread) or the mf_nats is freed. */
static void *setup_main(void *arg)
{
    mf_nats *n = arg;
    js_state *st = n->addon.state;
    int backoff_ms = 1000;
    pthread_mutex_lock(&n->mu);
    while (!st->stopping && st->pending != NULL) {
        if (!mf_nats_connected(n)) {
            wait_locked(n, st, 100);
            continue;
        }
        js_pending *p = st->pending;
        pthread_mutex_unlock(&n->mu);
        int rc = js_pending_run(n, st, p);
        pthread_mutex_lock(&n->mu);
        if (rc == 0) {
            st->pending = p->next;
            js_pending_free(p);
            backoff_ms = 1000;
        } else if (rc == MF_ERR_NOT_FOUND) {
            wait_locked(n, st, STREAM_WAIT_RETRY_MS);
        } else {
            mf_log_warn(NULL, "nats: deferred JetStream setup of %s failed, retrying in %d ms",
                        p->stream, backoff_ms);
            wait_locked(n, st, backoff_ms);
            if (backoff_ms < 30000)
                backoff_ms *= 2;
        }
    }
    st->setup_running = false;
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

/* Queues p and makes sure the setup thread runs. Called with n->mu held. Streams go before
 * every consumer: a consumer waiting at the head for its stream must not hold up the setup
 * of that very stream. */
static void enqueue_locked(mf_nats *n, js_state *st, js_pending *p)
{
    js_pending **at = &st->pending;
    while (*at != NULL && (p->subjects == NULL || (*at)->subjects != NULL))
        at = &(*at)->next;
    p->next = *at;
    *at = p;
    if (!st->setup_running) {
        if (st->setup_started)
            pthread_join(st->setup_thread, NULL); /* it has exited: it cleared setup_running */
        st->setup_started = st->setup_running =
            pthread_create(&st->setup_thread, NULL, setup_main, n) == 0;
        if (!st->setup_running)
            mf_log_error(NULL, "nats: cannot start the JetStream setup thread");
    }
    pthread_cond_broadcast(&n->cond);
}

/* Queues p when NATS is down or earlier setup is still queued (order matters). True when
 * queued (p taken); false when the caller should run it now (p untouched). */
static bool js_defer(mf_nats *n, js_state *st, js_pending *p)
{
    pthread_mutex_lock(&n->mu);
    if (st->pending == NULL && mf_nats_connected(n)) {
        pthread_mutex_unlock(&n->mu);
        return false;
    }
    enqueue_locked(n, st, p);
    pthread_mutex_unlock(&n->mu);
    mf_log_warn(NULL, "nats: NATS not reachable, JetStream setup of %s deferred", p->stream);
    return true;
}

int mf_js_stream_ensure(mf_nats *n, const char *stream, const char *const *subjects, int nsubjects)
{
    if (n == NULL || stream == NULL || *stream == '\0' || subjects == NULL || nsubjects < 1)
        return MF_ERR;
    js_state *st = js_of(n);
    if (st == NULL)
        return MF_ERR;
    js_pending *p = mf_calloc(1, sizeof(*p));
    p->stream = mf_strdup(stream);
    p->subjects = mf_calloc((size_t)nsubjects, sizeof(*p->subjects));
    p->nsubjects = nsubjects;
    for (int i = 0; i < nsubjects; i++)
        p->subjects[i] = mf_strdup(subjects[i]);
    if (js_defer(n, st, p))
        return 0;
    js_pending_free(p);
    return stream_ensure_now(st, stream, subjects, nsubjects);
}

static int consume(mf_nats *n, const char *stream, const char *durable, const char *filter_subject,
                   mf_js_handler_fn fn, mf_js_batch_fn batch_fn, size_t max_batch, void *ctx)
{
    if (n == NULL || stream == NULL || *stream == '\0' || durable == NULL || *durable == '\0' ||
        (fn == NULL && batch_fn == NULL))
        return MF_ERR;
    if (strchr(durable, '.') != NULL || strchr(durable, '*') != NULL ||
        strchr(durable, '>') != NULL) {
        mf_log_error(NULL, "nats: invalid durable name %s", durable);
        return MF_ERR;
    }
    js_state *st = js_of(n);
    if (st == NULL)
        return MF_ERR;
    js_pending *p = mf_calloc(1, sizeof(*p));
    p->stream = mf_strdup(stream);
    p->durable = mf_strdup(durable);
    p->filter = filter_subject != NULL ? mf_strdup(filter_subject) : NULL;
    p->fn = fn;
    p->batch_fn = batch_fn;
    p->max_batch = max_batch;
    p->ctx = ctx;
    if (js_defer(n, st, p))
        return 0;
    int rc = consume_now(n, st, p);
    if (rc == MF_ERR_NOT_FOUND) {
        /* the publisher owns the stream and has not created it yet: bind when it has */
        pthread_mutex_lock(&n->mu);
        enqueue_locked(n, st, p);
        pthread_mutex_unlock(&n->mu);
        return 0;
    }
    js_pending_free(p);
    return rc;
}

int mf_js_consume(mf_nats *n, const char *stream, const char *durable, const char *filter_subject,
                  mf_js_handler_fn fn, void *ctx)
{
    if (fn == NULL)
        return MF_ERR;
    return consume(n, stream, durable, filter_subject, fn, NULL, 0, ctx);
}

int mf_js_consume_batch(mf_nats *n, const char *stream, const char *durable,
                        const char *filter_subject, size_t max_batch, mf_js_batch_fn fn, void *ctx)
{
    if (fn == NULL || max_batch == 0 || max_batch > 10000)
        return MF_ERR;
    return consume(n, stream, durable, filter_subject, NULL, fn, max_batch, ctx);
}
