/*
 * The $SRV responder and client. One plain subscription to "$SRV.>" (one delivery thread
 * rather than nine) sees every discovery request on the server; the subject's tokens decide
 * whether this instance answers: $SRV.<VERB>, $SRV.<VERB>.<name>, $SRV.<VERB>.<name>.<id>.
 * Replies are built under the connection's mutex from the endpoint records that
 * mf_nats_serve keeps (nats_internal.h).
 */
#include "micro/discovery.h"

#include <nats/nats.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/log.h"
#include "nats_internal.h"

#define SRV_PREFIX "$SRV."

static bool name_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* "MAJOR.MINOR.PATCH" with an optional -pre / +build suffix. */
static bool version_ok(const char *v)
{
    if (!v)
        return false;
    for (int part = 0; part < 3; part++) {
        if (*v < '0' || *v > '9')
            return false;
        while (*v >= '0' && *v <= '9')
            v++;
        if (part < 2 && *v++ != '.')
            return false;
    }
    return *v == '\0' || *v == '-' || *v == '+';
}

/* The common fields of every reply; caller holds n->mu. */
static json_t *reply_base(mf_nats *n, const char *type)
{
    const mf_nats_service *sv = &n->service;
    return json_pack("{s:s,s:s,s:s,s:s,s:O}", "type", type, "name", sv->name, "id", sv->id,
                     "version", sv->version, "metadata", sv->metadata);
}

static json_t *endpoints_json(mf_nats *n, bool stats)
{
    json_t *arr = json_array();
    for (mf_nats_endpoint *ep = n->endpoints; ep; ep = ep->next) {
        json_t *e = json_pack("{s:s,s:s,s:s}", "name", ep->name, "subject", ep->subject,
                              "queue_group", MF_NATS_QUEUE);
        if (stats) {
            uint64_t reqs = atomic_load(&ep->requests);
            uint64_t nanos = atomic_load(&ep->nanos);
            pthread_mutex_lock(&ep->err_mu);
            json_object_set_new(e, "last_error", json_string(ep->last_error));
            pthread_mutex_unlock(&ep->err_mu);
            json_object_set_new(e, "num_requests", json_integer((json_int_t)reqs));
            json_object_set_new(e, "num_errors",
                                json_integer((json_int_t)atomic_load(&ep->errors)));
            json_object_set_new(e, "processing_time", json_integer((json_int_t)nanos));
            json_object_set_new(e, "average_processing_time",
                                json_integer(reqs ? (json_int_t)(nanos / reqs) : 0));
        } else {
            json_object_set_new(e, "metadata", json_object());
        }
        /* The list is newest first: inserting at the front gives the order of serving. */
        json_array_insert_new(arr, 0, e);
    }
    return arr;
}

/* The reply to verb, NULL for an unknown verb. Caller decrefs. */
static json_t *build_reply(mf_nats *n, const char *verb)
{
    json_t *r = NULL;
    pthread_mutex_lock(&n->mu);
    if (strcmp(verb, "PING") == 0) {
        r = reply_base(n, MF_DISCOVERY_PING);
    } else if (strcmp(verb, "INFO") == 0) {
        r = reply_base(n, MF_DISCOVERY_INFO);
        json_object_set_new(r, "description",
                            json_string(n->service.description ? n->service.description : ""));
        json_object_set_new(r, "endpoints", endpoints_json(n, false));
    } else if (strcmp(verb, "STATS") == 0) {
        r = reply_base(n, MF_DISCOVERY_STATS);
        json_object_set_new(r, "started", json_string(n->service.started));
        json_object_set_new(r, "endpoints", endpoints_json(n, true));
    }
    pthread_mutex_unlock(&n->mu);
    return r;
}

/* Whether "$SRV.<verb>[.<name>[.<id>]]" addresses this instance; *verb points into subject. */
static bool addressed(const mf_nats_service *sv, const char *subject, char verb[8])
{
    if (strncmp(subject, SRV_PREFIX, strlen(SRV_PREFIX)) != 0)
        return false;
    const char *p = subject + strlen(SRV_PREFIX);
    const char *dot = strchr(p, '.');
    size_t vlen = dot ? (size_t)(dot - p) : strlen(p);
    if (vlen == 0 || vlen >= 8)
        return false;
    memcpy(verb, p, vlen);
    verb[vlen] = '\0';
    if (!dot)
        return true;
    p = dot + 1;
    dot = strchr(p, '.');
    size_t nlen = dot ? (size_t)(dot - p) : strlen(p);
    if (nlen != strlen(sv->name) || strncmp(p, sv->name, nlen) != 0)
        return false;
    return !dot || strcmp(dot + 1, sv->id) == 0;
}

static void on_srv(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)sub;
    mf_nats_sub *rec = closure;
    mf_nats *n = rec->ctx;
    const char *reply_to = natsMsg_GetReply(msg);
    char verb[8];
    /* name and id never change once declared: read without the lock. */
    if (reply_to && *reply_to && addressed(&n->service, natsMsg_GetSubject(msg), verb)) {
        json_t *r = build_reply(n, verb);
        char *txt = r ? json_dumps(r, JSON_COMPACT) : NULL;
        if (txt) {
            natsStatus s = natsConnection_PublishString(nc, reply_to, txt);
            if (s != NATS_OK)
                mf_log_warn(NULL, "discovery: reply to %s: %s", natsMsg_GetSubject(msg),
                            mf_nats_errtext(s));
        }
        free(txt);
        json_decref(r);
    }
    natsMsg_Destroy(msg);
}

int mf_discovery_start(mf_nats *n, const mf_discovery_info *info)
{
    if (!n || !info || !name_ok(info->name) || !version_ok(info->version)) {
        mf_log_error(NULL, "discovery: invalid service name or version");
        return MF_ERR_INVALID;
    }
    pthread_mutex_lock(&n->mu);
    if (n->service.name) {
        pthread_mutex_unlock(&n->mu);
        return MF_ERR_INVALID;
    }
    n->service.name = mf_strdup(info->name);
    n->service.version = mf_strdup(info->version);
    n->service.description = info->description ? mf_strdup(info->description) : NULL;
    if (!n->service.metadata)
        n->service.metadata = json_object();
    /* 22 characters like a NUID; random, so replicas never collide. */
    if (mf_random_hex(11, n->service.id, sizeof n->service.id) != 0)
        snprintf(n->service.id, sizeof n->service.id, "%016llx%06x",
                 (unsigned long long)mf_now_ms(), (unsigned)getpid() & 0xffffff);
    mf_time_format(mf_now_ms(), n->service.started);
    pthread_mutex_unlock(&n->mu);

    mf_nats_sub *rec = mf_nats_sub_new(n, SRV_PREFIX ">", n);
    if (mf_nats_sub_subscribe(n, rec, NULL, on_srv) != 0)
        return MF_ERR;
    if (mf_nats_connected(n))
        natsConnection_FlushTimeout(n->nc, 2000);
    mf_log_info(NULL, "discovery: %s %s instance %s", info->name, info->version, n->service.id);
    return 0;
}

void mf_discovery_set_meta(mf_nats *n, const char *key, const char *value)
{
    if (!n || !key || !value)
        return;
    pthread_mutex_lock(&n->mu);
    if (!n->service.metadata)
        n->service.metadata = json_object();
    json_object_set_new(n->service.metadata, key, json_string(value));
    pthread_mutex_unlock(&n->mu);
}

void mf_discovery_id(mf_nats *n, char out[24])
{
    out[0] = '\0';
    if (!n)
        return;
    pthread_mutex_lock(&n->mu);
    snprintf(out, 24, "%s", n->service.name ? n->service.id : "");
    pthread_mutex_unlock(&n->mu);
}

json_t *mf_discovery_query(mf_nats *n, const char *verb, const char *name, const char *id,
                           int timeout_ms)
{
    if (!mf_nats_connected(n) || !verb || (id && !name))
        return NULL;
    char *subject = mf_asprintf(SRV_PREFIX "%s%s%s%s%s", verb, name ? "." : "", name ? name : "",
                                id ? "." : "", id ? id : "");
    natsInbox *inbox = NULL;
    natsSubscription *sub = NULL;
    natsStatus s = natsInbox_Create(&inbox);
    if (s == NATS_OK)
        s = natsConnection_SubscribeSync(&sub, n->nc, inbox);
    if (s == NATS_OK)
        s = natsConnection_PublishRequestString(n->nc, subject, inbox, "");
    json_t *out = NULL;
    if (s != NATS_OK) {
        mf_log_warn(NULL, "discovery: query %s: %s", subject, mf_nats_errtext(s));
    } else {
        out = json_array();
        int64_t deadline = mf_mono_ms() + (timeout_ms > 0 ? timeout_ms : 1000);
        for (int64_t left; (left = deadline - mf_mono_ms()) > 0;) {
            natsMsg *m = NULL;
            if (natsSubscription_NextMsg(&m, sub, left) != NATS_OK)
                break;
            json_error_t jerr;
            json_t *j = json_loadb(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), 0, &jerr);
            if (json_is_object(j))
                json_array_append(out, j);
            json_decref(j);
            natsMsg_Destroy(m);
        }
    }
    natsSubscription_Destroy(sub);
    natsInbox_Destroy(inbox);
    free(subject);
    return out;
}
