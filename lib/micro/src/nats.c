/*
 * NATS connection, request/reply, queue-group endpoints and plain publish on libnats 3.4
 * (JetStream is built on it in jetstream.c; the shared object is in nats_internal.h).
 */
#include "micro/nats.h"

#include <errno.h>
#include <inttypes.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/envelope.h"
#include "micro/error.h"
#include "micro/log.h"
#include "micro/metrics.h"
#include "nats_internal.h"

/* How long mf_nats_free waits for running handlers to return. */
#define FREE_WAIT_MS 10000

/* ---- helpers ------------------------------------------------------------------------------ */

const char *mf_nats_errtext(natsStatus s)
{
    const char *txt = nats_GetLastError(NULL);
    return (txt != NULL && *txt != '\0') ? txt : natsStatus_GetText(s);
}

bool mf_nats_connected(mf_nats *n)
{
    return n != NULL && n->nc != NULL && natsConnection_Status(n->nc) == NATS_CONN_STATUS_CONNECTED;
}

void mf_nats_msg_context_begin(natsMsg *msg, mf_nats_msg_ctx *c)
{
    const char *rid = NULL;
    if (natsMsgHeader_Get(msg, MF_NATS_HDR_REQUEST_ID, &rid) == NATS_OK && rid != NULL &&
        *rid != '\0') {
        c->rid = mf_strdup(rid);
    } else {
        char uuid[37];
        mf_uuid_new(uuid);
        c->rid = mf_strdup(uuid);
    }
    const char *tp = NULL;
    if (natsMsgHeader_Get(msg, MF_TRACE_HEADER, &tp) != NATS_OK)
        tp = NULL;
    mf_trace_continue(&c->trace, tp);
    mf_context_set(c->rid, &c->trace);
}

void mf_nats_msg_context_end(mf_nats_msg_ctx *c)
{
    mf_context_clear();
    free(c->rid);
    c->rid = NULL;
}

/* New message on subject with payload (copied by libnats) and the request id header. */
natsStatus mf_nats_msg_new(natsMsg **out, const char *subject, const char *payload, size_t len,
                           const char *request_id)
{
    *out = NULL;
    if (len > INT32_MAX)
        return NATS_INVALID_ARG;
    natsStatus s = natsMsg_Create(out, subject, NULL, payload, (int)len);
    if (s == NATS_OK && request_id != NULL && *request_id != '\0')
        s = natsMsgHeader_Set(*out, MF_NATS_HDR_REQUEST_ID, request_id);
    const mf_trace *parent = mf_context_current()->trace;
    if (s == NATS_OK && parent != NULL) {
        mf_trace span;
        char tp[MF_TRACE_HEADER_SIZE];
        mf_trace_child(parent, &span);
        mf_trace_format(&span, tp);
        s = natsMsgHeader_Set(*out, MF_TRACE_HEADER, tp);
    }
    if (s != NATS_OK) {
        natsMsg_Destroy(*out);
        *out = NULL;
    }
    return s;
}

/* Compact JSON of data; NULL data is sent as an empty object. Caller frees. */
char *mf_nats_payload(json_t *data, size_t *len)
{
    char *txt = data != NULL ? json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (txt == NULL)
        txt = mf_strdup("{}");
    *len = strlen(txt);
    return txt;
}

static void on_sub_complete(void *closure)
{
    mf_nats_sub *rec = closure;
    mf_nats *n = rec->n;
    pthread_mutex_lock(&n->mu);
    rec->complete = true;
    pthread_cond_broadcast(&n->cond);
    pthread_mutex_unlock(&n->mu);
}

mf_nats_sub *mf_nats_sub_new(mf_nats *n, const char *subject, void *ctx)
{
    mf_nats_sub *rec = mf_calloc(1, sizeof(*rec));
    rec->n = n;
    rec->subject = mf_strdup(subject);
    rec->ctx = ctx;
    return rec;
}

void mf_nats_sub_free(mf_nats_sub *rec)
{
    natsSubscription_Destroy(rec->sub);
    if (rec->js_batch_free != NULL)
        rec->js_batch_free(rec->js_batch);
    free(rec->subject);
    free(rec);
}

/* Hooks the completion callback and publishes the record in n->subs. */
int mf_nats_sub_attach(mf_nats *n, mf_nats_sub *rec)
{
    natsStatus s = natsSubscription_SetOnCompleteCB(rec->sub, on_sub_complete, rec);
    if (s != NATS_OK) {
        mf_log_error(NULL, "nats: on-complete callback for %s: %s", rec->subject,
                     mf_nats_errtext(s));
        natsSubscription_Unsubscribe(rec->sub);
        mf_nats_sub_free(rec);
        return MF_ERR;
    }
    pthread_mutex_lock(&n->mu);
    rec->next = n->subs;
    n->subs = rec;
    pthread_mutex_unlock(&n->mu);
    return 0;
}

/* ---- connection --------------------------------------------------------------------------- */

/* Process-wide rather than per connection: the callbacks below may run after mf_nats_free
 * (libnats posts them asynchronously), so they use only what libnats hands them and this. */
static _Atomic uint64_t epoch;

uint64_t mf_nats_epoch(void)
{
    return atomic_load(&epoch);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    atomic_fetch_add(&epoch, 1);
    mf_log_warn(NULL, "nats: disconnected, reconnecting in the background");
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    char url[256] = "";
    (void)closure;
    atomic_fetch_add(&epoch, 1);
    natsConnection_GetConnectedUrl(nc, url, sizeof(url));
    mf_log_info(NULL, "nats: reconnected to %s", url);
}

static void on_connected(natsConnection *nc, void *closure)
{
    char url[256] = "";
    (void)closure;
    atomic_fetch_add(&epoch, 1);
    natsConnection_GetConnectedUrl(nc, url, sizeof(url));
    mf_log_info(NULL, "nats: connected to %s", url);
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void)nc;
    (void)sub;
    (void)closure;
    atomic_fetch_add(&epoch, 1);
    mf_log_warn(NULL, "nats: asynchronous error: %s", natsStatus_GetText(err));
}

/* libnats spins on its mutexes by default; on a small machine busy with request handlers that
 * burned a fifth of a service's CPU (measured with the benchmark). Open the library once without
 * spinning, before anything opens it implicitly with the default. */
static void open_library(void)
{
    nats_Open(0);
}

static natsStatus build_options(natsOptions **out, const char *url, const char *name,
                                const char *user, const char *password, int timeout_ms)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, open_library);
    natsOptions *opts = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK && name != NULL && *name != '\0')
        s = natsOptions_SetName(opts, name);
    if (s == NATS_OK && user != NULL && *user != '\0')
        s = natsOptions_SetUserInfo(opts, user, password != NULL ? password : "");
    /* A service outlives any NATS outage: reconnect forever, quickly. */
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(opts, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(opts, 250);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(opts, timeout_ms);
    /* Lets a service start before NATS: connect returns NATS_NOT_YET_CONNECTED and keeps
     * trying in the background. */
    if (s == NATS_OK)
        s = natsOptions_SetRetryOnFailedConnect(opts, true, on_connected, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(opts, on_disconnected, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(opts, on_reconnected, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(opts, on_async_error, NULL);
    /* Request/reply is latency-bound: without this, the flusher waits ~1 ms before each send,
     * on both sides of every auth round trip. */
    if (s == NATS_OK)
        s = natsOptions_SetSendAsap(opts, true);
    if (s != NATS_OK) {
        natsOptions_Destroy(opts);
        opts = NULL;
    }
    *out = opts;
    return s;
}

mf_nats *mf_nats_connect(const char *url, const char *name, const char *user, const char *password,
                         int timeout_ms)
{
    if (url == NULL || *url == '\0') {
        mf_log_error(NULL, "nats: no URL configured");
        return NULL;
    }
    if (timeout_ms <= 0)
        timeout_ms = 2000;

    natsOptions *opts = NULL;
    natsStatus s = build_options(&opts, url, name, user, password, timeout_ms);
    if (s != NATS_OK) {
        mf_log_error(NULL, "nats: invalid options for %s: %s", url, mf_nats_errtext(s));
        return NULL;
    }

    mf_nats *n = mf_calloc(1, sizeof(*n));
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->cond, NULL);

    int64_t deadline = mf_mono_ms() + timeout_ms;
    s = natsConnection_Connect(&n->nc, opts);
    natsOptions_Destroy(opts);
    if (s == NATS_NOT_YET_CONNECTED) {
        /* The first attempt failed; libnats retries every 250 ms. Give it the rest of the
         * caller's budget before returning a handle that is (still) down. */
        while (!mf_nats_connected(n) && mf_mono_ms() < deadline) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (!mf_nats_connected(n)) {
            /* The connection's own last error names the reason (refused, authorization). */
            const char *why = NULL;
            natsConnection_GetLastError(n->nc, &why);
            mf_log_warn(NULL, "nats: %s not reachable yet (%s), retrying in the background", url,
                        (why != NULL && *why != '\0') ? why : "no server available");
        }
        s = NATS_OK;
    } else if (s != NATS_OK) {
        mf_log_error(NULL, "nats: connect to %s: %s", url, mf_nats_errtext(s));
        mf_nats_free(n);
        return NULL;
    } else {
        mf_log_info(NULL, "nats: connected to %s", url);
    }

    return n;
}

void mf_nats_free(mf_nats *n)
{
    if (n == NULL)
        return;

    if (n->addon.stop != NULL)
        n->addon.stop(n);

    pthread_mutex_lock(&n->mu);
    mf_nats_sub *subs = n->subs;
    n->subs = NULL;
    pthread_mutex_unlock(&n->mu);

    /* Let in-flight messages finish; a drain needs a live connection, else just stop. */
    for (mf_nats_sub *rec = subs; rec != NULL; rec = rec->next) {
        if (natsSubscription_Drain(rec->sub) != NATS_OK)
            natsSubscription_Unsubscribe(rec->sub);
    }
    for (mf_nats_sub *rec = subs; rec != NULL; rec = rec->next)
        natsSubscription_WaitForDrainCompletion(rec->sub, 2000);

    if (n->nc != NULL)
        natsConnection_Close(n->nc);

    /* Closing the connection ends every delivery thread; wait for their last callback so
     * no handler runs after we return. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += FREE_WAIT_MS / 1000;
    bool leaked = false;
    pthread_mutex_lock(&n->mu);
    for (mf_nats_sub *rec = subs; rec != NULL; rec = rec->next) {
        while (!rec->complete) {
            if (pthread_cond_timedwait(&n->cond, &n->mu, &until) == ETIMEDOUT)
                break;
        }
        if (!rec->complete)
            leaked = true;
    }
    pthread_mutex_unlock(&n->mu);

    if (leaked) {
        /* A handler is stuck: keeping its records alive is safer than freeing them. */
        mf_log_error(NULL, "nats: a handler did not return within %d ms; leaking it", FREE_WAIT_MS);
    } else {
        while (subs != NULL) {
            mf_nats_sub *next = subs->next;
            mf_nats_sub_free(subs);
            subs = next;
        }
    }

    if (n->addon.release != NULL)
        n->addon.release(n);
    natsConnection_Destroy(n->nc);
    if (!leaked) {
        /* A stuck handler may still read these: they are kept with the rest when leaking. */
        free(n->service.name);
        free(n->service.version);
        free(n->service.description);
        json_decref(n->service.metadata);
        for (int i = 0; i < atomic_load(&n->nbreakers); i++) {
            free(n->breakers[i].subject);
            mf_breaker_free(n->breakers[i].breaker);
        }
        while (n->endpoints != NULL) {
            mf_nats_endpoint *next = n->endpoints->next;
            pthread_mutex_destroy(&n->endpoints->err_mu);
            free(n->endpoints->name);
            free(n->endpoints->subject);
            free(n->endpoints->last_error);
            free(n->endpoints);
            n->endpoints = next;
        }
        pthread_cond_destroy(&n->cond);
        pthread_mutex_destroy(&n->mu);
        free(n);
    }
}

int mf_nats_ping(void *ctx)
{
    mf_nats *n = ctx;
    if (!mf_nats_connected(n))
        return MF_ERR_UNAVAILABLE;
    /* A round trip catches a half-open TCP connection the status cannot see. */
    if (natsConnection_FlushTimeout(n->nc, 1000) != NATS_OK)
        return MF_ERR_UNAVAILABLE;
    return 0;
}

/* ---- request / reply ---------------------------------------------------------------------- */

/* Splits a reply envelope into the out-parameters of mf_nats_request. */
static int parse_reply(natsMsg *msg, json_t **reply, int *status, char **errmsg)
{
    json_error_t jerr;
    json_t *env = json_loadb(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg), 0, &jerr);
    if (env == NULL || !json_is_object(env)) {
        json_decref(env);
        return MF_ERR;
    }
    int rc;
    json_t *err = json_object_get(env, "error");
    json_t *data = json_object_get(env, "data");
    if (json_is_string(err)) {
        json_t *st = json_object_get(env, "status");
        json_int_t code = json_is_integer(st) ? json_integer_value(st) : 500;
        if (code < 400 || code > 599)
            code = 500;
        if (status != NULL)
            *status = (int)code;
        if (errmsg != NULL)
            *errmsg = mf_strdup(json_string_value(err));
        rc = MF_ERR_REMOTE;
    } else if (data != NULL) {
        if (reply != NULL)
            *reply = json_incref(data);
        rc = 0;
    } else {
        rc = MF_ERR;
    }
    json_decref(env);
    return rc;
}

/* ---- metrics and breakers ---------------------------------------------------------------- */

static mf_metric_vec *requests_vec, *served_vec;

static void metrics_init(void)
{
    requests_vec =
        mf_metric_vec_new(MF_METRIC_COUNTER, "cmicro_nats_requests_total",
                          "NATS requests sent, by subject and outcome.", "subject", "outcome");
    served_vec =
        mf_metric_vec_new(MF_METRIC_COUNTER, "cmicro_nats_served_total",
                          "NATS requests served, by subject and outcome.", "subject", "outcome");
}

static void metrics_once(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, metrics_init);
}

/* The outcome label of an mf_nats_request result. */
static const char *outcome(int rc)
{
    switch (rc) {
    case 0:
        return "ok";
    case MF_ERR_REMOTE:
        return "remote_error";
    case MF_ERR_TIMEOUT:
        return "timeout";
    case MF_ERR_NO_RESPONDERS:
        return "no_responders";
    case MF_ERR_UNAVAILABLE:
        return "unavailable";
    case MF_ERR_OPEN:
        return "breaker_open";
    default:
        return "error";
    }
}

mf_breaker *mf_nats_breaker(mf_nats *n, const char *subject, const mf_breaker_opts *opts)
{
    if (n == NULL || subject == NULL || *subject == '\0')
        return NULL;
    pthread_mutex_lock(&n->mu);
    int i = atomic_load(&n->nbreakers);
    mf_breaker *b = NULL;
    if (i < MF_NATS_MAX_BREAKERS) {
        b = mf_breaker_new(subject, opts);
        n->breakers[i].subject = mf_strdup(subject);
        n->breakers[i].breaker = b;
        atomic_store_explicit(&n->nbreakers, i + 1, memory_order_release);
    }
    pthread_mutex_unlock(&n->mu);
    if (b == NULL)
        mf_log_error(NULL, "nats: more than %d breakers", MF_NATS_MAX_BREAKERS);
    return b;
}

static mf_breaker *breaker_for(mf_nats *n, const char *subject)
{
    int nb = atomic_load_explicit(&n->nbreakers, memory_order_acquire);
    for (int i = 0; i < nb; i++)
        if (strcmp(n->breakers[i].subject, subject) == 0)
            return n->breakers[i].breaker;
    return NULL;
}

static int request(mf_nats *n, const char *subject, json_t *data, int timeout_ms,
                   const char *request_id, json_t **reply, int *status, char **errmsg);

int mf_nats_request(mf_nats *n, const char *subject, json_t *data, int timeout_ms,
                    const char *request_id, json_t **reply, int *status, char **errmsg)
{
    if (reply != NULL)
        *reply = NULL;
    if (status != NULL)
        *status = 0;
    if (errmsg != NULL)
        *errmsg = NULL;
    if (n == NULL || subject == NULL || *subject == '\0')
        return MF_ERR;
    metrics_once();
    mf_breaker *b = breaker_for(n, subject);
    int rc = mf_breaker_allow(b);
    if (rc == 0) {
        int st = 0;
        rc = request(n, subject, data, timeout_ms, request_id, reply, &st, errmsg);
        mf_breaker_done(b, !mf_breaker_failure(rc, st));
        if (status != NULL)
            *status = st;
    } else {
        mf_log_warn(request_id, "nats: request %s refused: breaker open", subject);
    }
    mf_metric_vec_add(requests_vec, subject, outcome(rc), 1);
    return rc;
}

/* mf_nats_request without its breaker and counting; out-parameters already cleared. */
static int request(mf_nats *n, const char *subject, json_t *data, int timeout_ms,
                   const char *request_id, json_t **reply, int *status, char **errmsg)
{
    /* Requests would sit in the reconnect buffer until they time out: fail fast instead. */
    if (!mf_nats_connected(n)) {
        mf_log_warn(request_id, "nats: request %s while disconnected", subject);
        return MF_ERR_UNAVAILABLE;
    }
    if (timeout_ms <= 0)
        timeout_ms = 2000;

    size_t len;
    char *payload = mf_nats_payload(data, &len);
    natsMsg *msg = NULL;
    natsMsg *resp = NULL;
    int64_t start = mf_mono_ms();
    natsStatus s = mf_nats_msg_new(&msg, subject, payload, len, request_id);
    free(payload);
    if (s == NATS_OK)
        s = natsConnection_RequestMsg(&resp, n->nc, msg, timeout_ms);
    natsMsg_Destroy(msg);

    int rc;
    switch (s) {
    case NATS_OK:
        rc = parse_reply(resp, reply, status, errmsg);
        if (rc == MF_ERR)
            mf_log_error(request_id, "nats: malformed reply on %s", subject);
        break;
    case NATS_TIMEOUT:
        mf_log_warn(request_id, "nats: request %s timed out after %d ms", subject, timeout_ms);
        rc = MF_ERR_TIMEOUT;
        break;
    case NATS_NO_RESPONDERS:
        mf_log_warn(request_id, "nats: no responders for %s", subject);
        rc = MF_ERR_NO_RESPONDERS;
        break;
    default:
        mf_log_error(request_id, "nats: request %s: %s", subject, mf_nats_errtext(s));
        rc = mf_nats_connected(n) ? MF_ERR : MF_ERR_UNAVAILABLE;
        break;
    }
    natsMsg_Destroy(resp);
    mf_log_debug(request_id, "nats: request %s -> %s in %" PRId64 " ms", subject,
                 rc == 0 ? "ok" : mf_err_name(rc), mf_mono_ms() - start);
    return rc;
}

/* Serialised reply envelope for a handler result (reply stolen, errmsg freed). */
static char *reply_envelope(int rc, json_t *reply, int status, char *errmsg, const char *request_id,
                            const char *subject, size_t *len)
{
    json_t *env;
    if (rc == 0) {
        env = json_pack("{s:o}", "data", reply != NULL ? reply : json_null());
    } else {
        json_decref(reply);
        if (status < 400 || status > 599)
            status = 500;
        const char *msg = errmsg;
        if (status == 500 || msg == NULL || *msg == '\0') {
            /* Internal detail stays in our log, never in a reply that may reach a client. */
            if (errmsg != NULL)
                mf_log_error(request_id, "nats: handler %s failed: %s", subject, errmsg);
            msg = mf_envelope_default_message(status);
        }
        env = json_pack("{s:s,s:i}", "error", msg, "status", status);
    }
    free(errmsg);
    char *txt = json_dumps(env, JSON_COMPACT);
    json_decref(env);
    if (txt == NULL)
        txt = mf_asprintf("{\"error\":\"%s\",\"status\":500}", MF_MSG_INTERNAL);
    *len = strlen(txt);
    return txt;
}

/* Counts one served request of ep (rc non-zero: an error envelope with errmsg). */
static void endpoint_count(mf_nats_endpoint *ep, int rc, int status, const char *errmsg,
                           int64_t nanos)
{
    atomic_fetch_add_explicit(&ep->requests, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&ep->nanos, (uint64_t)(nanos > 0 ? nanos : 0), memory_order_relaxed);
    mf_metric_vec_add(served_vec, ep->subject, rc == 0 ? "ok" : "error", 1);
    if (rc == 0)
        return;
    atomic_fetch_add_explicit(&ep->errors, 1, memory_order_relaxed);
    char *text = mf_asprintf("%d:%s", status, errmsg != NULL ? errmsg : mf_err_name(rc));
    pthread_mutex_lock(&ep->err_mu);
    free(ep->last_error);
    ep->last_error = text;
    pthread_mutex_unlock(&ep->err_mu);
}

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)sub;
    mf_nats_sub *rec = closure;
    mf_nats_msg_ctx mc;
    mf_nats_msg_context_begin(msg, &mc);
    const char *rid = mc.rid;
    const char *reply_to = natsMsg_GetReply(msg);
    int64_t start = mf_mono_ms();
    int64_t start_ns = mf_mono_ns();

    json_error_t jerr;
    json_t *data = json_loadb(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg),
                              JSON_DECODE_ANY, &jerr);
    json_t *reply = NULL;
    int status = 0;
    char *errmsg = NULL;
    int rc;
    if (data == NULL) {
        mf_log_warn(rid, "nats: malformed request on %s: %s", rec->subject, jerr.text);
        rc = MF_ERR_INVALID;
        status = 400;
        errmsg = mf_strdup("invalid request");
    } else {
        rc = rec->fn(data, rid, rec->ctx, &reply, &status, &errmsg);
        json_decref(data);
    }
    if (rc != 0 && (status < 400 || status > 599))
        status = 500; /* what reply_envelope sends */
    endpoint_count(rec->ep, rc, status, errmsg, mf_mono_ns() - start_ns);

    if (reply_to != NULL && *reply_to != '\0') {
        size_t len;
        char *body = reply_envelope(rc, reply, status, errmsg, rid, rec->subject, &len);
        natsMsg *out = NULL;
        natsStatus s = mf_nats_msg_new(&out, reply_to, body, len, rid);
        if (s == NATS_OK)
            s = natsConnection_PublishMsg(nc, out);
        if (s != NATS_OK)
            mf_log_error(rid, "nats: reply on %s: %s", rec->subject, mf_nats_errtext(s));
        natsMsg_Destroy(out);
        free(body);
    } else {
        /* Published without a reply subject: nobody to answer. */
        json_decref(reply);
        free(errmsg);
    }
    mf_log_debug(rid, "nats: served %s (%s) in %" PRId64 " ms", rec->subject,
                 rc == 0 ? "ok" : "error", mf_mono_ms() - start);
    mf_nats_msg_context_end(&mc);
    natsMsg_Destroy(msg);
}

int mf_nats_sub_subscribe(mf_nats *n, mf_nats_sub *rec, const char *queue, natsMsgHandler cb)
{
    natsStatus s =
        queue ? natsConnection_QueueSubscribe(&rec->sub, n->nc, rec->subject, queue, cb, rec)
              : natsConnection_Subscribe(&rec->sub, n->nc, rec->subject, cb, rec);
    if (s != NATS_OK) {
        mf_log_error(NULL, "nats: subscribe %s: %s", rec->subject, mf_nats_errtext(s));
        mf_nats_sub_free(rec);
        return MF_ERR;
    }
    return mf_nats_sub_attach(n, rec);
}

int mf_nats_serve(mf_nats *n, const char *subject, mf_nats_handler_fn fn, void *ctx, int workers)
{
    if (n == NULL || subject == NULL || *subject == '\0' || fn == NULL)
        return MF_ERR;
    if (workers < 1)
        workers = 1;
    metrics_once();
    mf_nats_endpoint *ep = mf_calloc(1, sizeof(*ep));
    ep->subject = mf_strdup(subject);
    ep->name = mf_strdup(subject);
    for (char *p = ep->name; *p; p++)
        if (*p == '.' || *p == '*' || *p == '>')
            *p = '_';
    ep->last_error = mf_strdup("");
    pthread_mutex_init(&ep->err_mu, NULL);
    pthread_mutex_lock(&n->mu);
    ep->next = n->endpoints;
    n->endpoints = ep;
    pthread_mutex_unlock(&n->mu);
    /* Each async subscription has its own delivery thread: `workers` of them in the same
     * queue group give that many requests in parallel. */
    for (int i = 0; i < workers; i++) {
        mf_nats_sub *rec = mf_nats_sub_new(n, subject, ctx);
        rec->fn = fn;
        rec->ep = ep;
        if (mf_nats_sub_subscribe(n, rec, MF_NATS_QUEUE, on_request) != 0)
            return MF_ERR;
    }
    /* Make the subscriptions known to the server before callers start sending requests. */
    if (mf_nats_connected(n))
        natsConnection_FlushTimeout(n->nc, 2000);
    mf_log_info(NULL, "nats: serving %s with %d workers", subject, workers);
    return 0;
}

int mf_nats_publish(mf_nats *n, const char *subject, json_t *data, const char *request_id)
{
    if (n == NULL || subject == NULL || *subject == '\0')
        return MF_ERR;
    size_t len;
    char *payload = mf_nats_payload(data, &len);
    natsMsg *msg = NULL;
    natsStatus s = mf_nats_msg_new(&msg, subject, payload, len, request_id);
    free(payload);
    if (s == NATS_OK)
        s = natsConnection_PublishMsg(n->nc, msg);
    natsMsg_Destroy(msg);
    if (s != NATS_OK) {
        mf_log_error(request_id, "nats: publish %s: %s", subject, mf_nats_errtext(s));
        return MF_ERR;
    }
    return 0;
}

int mf_nats_publish_flush(mf_nats *n, const char *subject, json_t *data, const char *request_id,
                          int timeout_ms)
{
    /* Buffered while reconnecting, it could not be confirmed: say so at once. */
    if (!mf_nats_connected(n))
        return MF_ERR_UNAVAILABLE;
    int rc = mf_nats_publish(n, subject, data, request_id);
    if (rc != 0)
        return rc;
    natsStatus s = natsConnection_FlushTimeout(n->nc, timeout_ms > 0 ? timeout_ms : 1000);
    if (s == NATS_OK)
        return 0;
    mf_log_warn(request_id, "nats: publish %s not confirmed: %s", subject, mf_nats_errtext(s));
    return s == NATS_TIMEOUT ? MF_ERR_TIMEOUT : mf_nats_connected(n) ? MF_ERR : MF_ERR_UNAVAILABLE;
}

static void on_event(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    mf_nats_sub *rec = closure;
    mf_nats_msg_ctx mc;
    mf_nats_msg_context_begin(msg, &mc);
    const char *rid = mc.rid;
    json_error_t jerr;
    json_t *data = json_loadb(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg),
                              JSON_DECODE_ANY, &jerr);
    if (data == NULL)
        mf_log_warn(rid, "nats: malformed message on %s: %s", rec->subject, jerr.text);
    else
        rec->ev_fn(data, rid, rec->ctx);
    json_decref(data);
    mf_nats_msg_context_end(&mc);
    natsMsg_Destroy(msg);
}

int mf_nats_subscribe(mf_nats *n, const char *subject, mf_nats_event_fn fn, void *ctx)
{
    if (n == NULL || subject == NULL || *subject == '\0' || fn == NULL)
        return MF_ERR;
    mf_nats_sub *rec = mf_nats_sub_new(n, subject, ctx);
    rec->ev_fn = fn;
    if (mf_nats_sub_subscribe(n, rec, NULL, on_event) != 0)
        return MF_ERR;
    if (mf_nats_connected(n))
        natsConnection_FlushTimeout(n->nc, 2000);
    return 0;
}

void mf_nats_shutdown(void)
{
    /* Waits for libnats' own threads so that sanitizers see no leak at exit. */
    nats_CloseAndWait(2000);
}
