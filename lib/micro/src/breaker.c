/*
 * Circuit breakers. State, failure run, open time and probe start are atomics; transitions
 * are compare-and-swaps, so of many callers that see an expired open breaker exactly one
 * becomes the probe. A probe whose outcome never comes back (a caller that forgot
 * mf_breaker_done, a stuck call) does not wedge the breaker: after another open_ms in
 * half-open a new probe goes through.
 *
 * Late outcomes of calls let through before the breaker opened are taken as they come: a
 * failure in half-open reopens it, a success in open is ignored (only a probe closes it).
 */
#include "micro/breaker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/log.h"
#include "micro/metrics.h"

#define DEFAULT_FAILURES 5
#define DEFAULT_OPEN_MS  5000

struct mf_breaker {
    mf_breaker *next; /* registry */
    char *name;
    int failures;
    int open_ms;
    mf_breaker_clock_fn clock;
    void *clock_ctx;
    _Atomic int state;
    _Atomic int run;           /* consecutive failures while closed */
    _Atomic int64_t opened_at; /* when it last opened */
    _Atomic int64_t probe_at;  /* when the current probe went through */
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static mf_breaker *registry;
static _Thread_local int thread_retry_after;

static void collect(mf_strbuf *out, void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&registry_mu);
    if (registry)
        mf_metrics_family(out, "cmicro_breaker_state", "gauge",
                          "Circuit breaker state: 0 closed, 1 open, 2 half-open.");
    for (mf_breaker *b = registry; b; b = b->next) {
        mf_strbuf_adds(out, "cmicro_breaker_state{breaker=\"");
        mf_metrics_label(out, b->name);
        mf_strbuf_addf(out, "\"} %d\n", atomic_load(&b->state));
    }
    pthread_mutex_unlock(&registry_mu);
}

static void register_collector(void)
{
    mf_metrics_add(collect, NULL);
}

static int64_t now(const mf_breaker *b)
{
    return b->clock ? b->clock(b->clock_ctx) : mf_mono_ms();
}

mf_breaker *mf_breaker_new(const char *name, const mf_breaker_opts *opts)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_collector);
    mf_breaker *b = mf_calloc(1, sizeof *b);
    b->name = mf_strdup(name ? name : "breaker");
    b->failures = opts && opts->failures > 0 ? opts->failures : DEFAULT_FAILURES;
    b->open_ms = opts && opts->open_ms > 0 ? opts->open_ms : DEFAULT_OPEN_MS;
    b->clock = opts ? opts->clock : NULL;
    b->clock_ctx = opts ? opts->clock_ctx : NULL;
    pthread_mutex_lock(&registry_mu);
    b->next = registry;
    registry = b;
    pthread_mutex_unlock(&registry_mu);
    return b;
}

void mf_breaker_free(mf_breaker *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&registry_mu);
    for (mf_breaker **p = &registry; *p; p = &(*p)->next) {
        if (*p == b) {
            *p = b->next;
            break;
        }
    }
    pthread_mutex_unlock(&registry_mu);
    free(b->name);
    free(b);
}

static void transition(mf_breaker *b, int from, int to)
{
    mf_log(to == MF_BREAKER_OPEN ? MF_LOG_WARN : MF_LOG_INFO, NULL, NULL, "breaker %s: %s -> %s",
           b->name, mf_breaker_state_name((mf_breaker_state)from),
           mf_breaker_state_name((mf_breaker_state)to));
}

static int reject(mf_breaker *b)
{
    thread_retry_after = mf_breaker_retry_after_s(b);
    return MF_ERR_OPEN;
}

int mf_breaker_allow(mf_breaker *b)
{
    if (!b)
        return 0;
    int st = atomic_load(&b->state);
    if (st == MF_BREAKER_CLOSED)
        return 0;
    int64_t t = now(b);
    if (st == MF_BREAKER_OPEN) {
        if (t - atomic_load(&b->opened_at) < b->open_ms)
            return reject(b);
        atomic_store(&b->probe_at, t);
        if (atomic_compare_exchange_strong(&b->state, &st, MF_BREAKER_HALF_OPEN)) {
            transition(b, MF_BREAKER_OPEN, MF_BREAKER_HALF_OPEN);
            return 0; /* this caller is the probe */
        }
        if (st == MF_BREAKER_CLOSED)
            return 0;
        if (st == MF_BREAKER_OPEN)
            return reject(b);
    }
    /* Half-open: one probe at a time, unless the current one has been lost. */
    int64_t probe = atomic_load(&b->probe_at);
    if (t - probe >= b->open_ms && atomic_compare_exchange_strong(&b->probe_at, &probe, t))
        return 0;
    return reject(b);
}

void mf_breaker_done(mf_breaker *b, bool ok)
{
    if (!b)
        return;
    int st = atomic_load(&b->state);
    if (ok) {
        atomic_store(&b->run, 0);
        if (st == MF_BREAKER_HALF_OPEN &&
            atomic_compare_exchange_strong(&b->state, &st, MF_BREAKER_CLOSED))
            transition(b, MF_BREAKER_HALF_OPEN, MF_BREAKER_CLOSED);
        return;
    }
    if (st == MF_BREAKER_CLOSED && atomic_fetch_add(&b->run, 1) + 1 < b->failures)
        return;
    if (st == MF_BREAKER_OPEN)
        return;
    atomic_store(&b->opened_at, now(b));
    if (atomic_compare_exchange_strong(&b->state, &st, MF_BREAKER_OPEN)) {
        atomic_store(&b->run, 0);
        transition(b, st, MF_BREAKER_OPEN);
    }
}

bool mf_breaker_failure(int rc, int status)
{
    switch (rc) {
    case MF_OK:
    case MF_ERR_NOT_FOUND:
    case MF_ERR_CONFLICT:
    case MF_ERR_INVALID:
    case MF_ERR_STATE:
    case MF_ERR_OPEN:
        return false;
    case MF_ERR_REMOTE:
        return status >= 500;
    default:
        return true;
    }
}

mf_breaker_state mf_breaker_state_get(mf_breaker *b)
{
    return b ? (mf_breaker_state)atomic_load(&b->state) : MF_BREAKER_CLOSED;
}

const char *mf_breaker_state_name(mf_breaker_state s)
{
    switch (s) {
    case MF_BREAKER_OPEN:
        return "open";
    case MF_BREAKER_HALF_OPEN:
        return "half-open";
    default:
        return "closed";
    }
}

const char *mf_breaker_name(const mf_breaker *b)
{
    return b ? b->name : NULL;
}

int mf_breaker_retry_after_s(mf_breaker *b)
{
    if (!b || atomic_load(&b->state) != MF_BREAKER_OPEN)
        return 1;
    int64_t left = atomic_load(&b->opened_at) + b->open_ms - now(b);
    int s = (int)((left + 999) / 1000);
    return s < 1 ? 1 : s;
}

int mf_breaker_thread_retry_after_s(void)
{
    return thread_retry_after > 0 ? thread_retry_after : 1;
}

json_t *mf_breakers_json(void)
{
    json_t *o = json_object();
    pthread_mutex_lock(&registry_mu);
    for (mf_breaker *b = registry; b; b = b->next)
        json_object_set_new(
            o, b->name,
            json_string(mf_breaker_state_name((mf_breaker_state)atomic_load(&b->state))));
    pthread_mutex_unlock(&registry_mu);
    return o;
}
