/*
 * HTTP metrics: per-route counters preallocated when a table is mounted, updated at each
 * request's completion with relaxed atomics (no lock, no allocation on the request path),
 * and GET /metrics, which renders them, the dependency pings and every registered
 * collector (micro/metrics.h) in the Prometheus text format.
 *
 * A finished request finds its counters from its mf_route pointer: the tables are arrays,
 * so it is the one whose range holds the pointer (a scan of the few mounted tables).
 * Statuses get one of MF_HTTP_STATUS_SLOTS slots per route, claimed by compare-and-swap on
 * first use; a route answering more distinct statuses than that counts the rest as
 * status="other".
 */
#include <stdlib.h>

#include "http_internal.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/metrics.h"
#include "micro/strbuf.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Upper bounds in seconds; the last bucket, +Inf, is implied by the count. */
static const double bucket_le[MF_HTTP_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   0.5,   1,    2.5};

static const char *const unmatched_methods[MF_HTTP_UNMATCHED_METHODS] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"};

void mf_http_metrics_mount(mf_server *s, const mf_route *routes, size_t n)
{
    if (s->nroute_tables == 0) {
        for (size_t i = 0; i < MF_HTTP_UNMATCHED_METHODS; i++) {
            s->unmatched[i].method = unmatched_methods[i];
            s->unmatched[i].pattern = "unmatched";
        }
    }
    s->route_tables = mf_realloc(s->route_tables, (s->nroute_tables + 1) * sizeof *s->route_tables);
    mf_route_table_stats *t = &s->route_tables[s->nroute_tables++];
    t->base = routes;
    t->n = n;
    t->stats = mf_calloc(n ? n : 1, sizeof *t->stats);
    for (size_t i = 0; i < n; i++) {
        t->stats[i].method = routes[i].method;
        t->stats[i].pattern = routes[i].pattern;
    }
}

void mf_http_metrics_release(mf_server *s)
{
    for (size_t i = 0; i < s->nroute_tables; i++)
        free(s->route_tables[i].stats);
    free(s->route_tables);
    s->route_tables = NULL;
    s->nroute_tables = 0;
}

static mf_route_stats *stats_of(mf_server *s, const mf_req *r)
{
    if (r->route) {
        for (size_t i = 0; i < s->nroute_tables; i++) {
            const mf_route_table_stats *t = &s->route_tables[i];
            if (r->route >= t->base && r->route < t->base + t->n)
                return &t->stats[r->route - t->base];
        }
    }
    size_t m = 0;
    while (m < MF_HTTP_UNMATCHED_METHODS - 1 &&
           strcmp(r->method ? r->method : "", unmatched_methods[m]) != 0)
        m++;
    return &s->unmatched[m];
}

void mf_http_metrics_count(mf_req *r)
{
    if (r->status == 0)
        return; /* never answered (the client went away first) */
    mf_route_stats *st = stats_of(r->srv, r);
    bool counted = false;
    for (size_t i = 0; i < MF_HTTP_STATUS_SLOTS && !counted; i++) {
        mf_status_slot *slot = &st->statuses[i];
        int cur = atomic_load_explicit(&slot->status, memory_order_relaxed);
        if (cur == 0 && atomic_compare_exchange_strong(&slot->status, &cur, r->status))
            cur = r->status;
        if (cur == r->status) {
            atomic_fetch_add_explicit(&slot->count, 1, memory_order_relaxed);
            counted = true;
        }
    }
    if (!counted)
        atomic_fetch_add_explicit(&st->other_status, 1, memory_order_relaxed);

    int64_t ns = mf_mono_ns() - r->start_ns;
    if (ns < 0)
        ns = 0;
    double secs = (double)ns / 1e9;
    size_t b = 0;
    while (b < MF_HTTP_BUCKETS && secs > bucket_le[b])
        b++;
    if (b < MF_HTTP_BUCKETS)
        atomic_fetch_add_explicit(&st->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->sum_ns, (uint64_t)ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->count, 1, memory_order_relaxed);
}

/* ---- rendering ---- */

static void labels(mf_strbuf *out, const mf_route_stats *st)
{
    mf_strbuf_adds(out, "route=\"");
    mf_metrics_label(out, st->pattern);
    mf_strbuf_adds(out, "\",method=\"");
    mf_metrics_label(out, st->method);
    mf_strbuf_addch(out, '"');
}

typedef void (*stats_fn)(mf_strbuf *out, mf_route_stats *st);

static void each_stats(mf_server *s, mf_strbuf *out, stats_fn fn)
{
    for (size_t i = 0; i < s->nroute_tables; i++)
        for (size_t k = 0; k < s->route_tables[i].n; k++)
            fn(out, &s->route_tables[i].stats[k]);
    for (size_t m = 0; m < MF_HTTP_UNMATCHED_METHODS; m++)
        fn(out, &s->unmatched[m]);
}

static void render_requests(mf_strbuf *out, mf_route_stats *st)
{
    for (size_t i = 0; i < MF_HTTP_STATUS_SLOTS; i++) {
        int status = atomic_load(&st->statuses[i].status);
        if (status == 0)
            break;
        mf_strbuf_adds(out, "cmicro_http_requests_total{");
        labels(out, st);
        mf_strbuf_addf(out, ",status=\"%d\"} %llu\n", status,
                       (unsigned long long)atomic_load(&st->statuses[i].count));
    }
    uint64_t other = atomic_load(&st->other_status);
    if (other > 0) {
        mf_strbuf_adds(out, "cmicro_http_requests_total{");
        labels(out, st);
        mf_strbuf_addf(out, ",status=\"other\"} %llu\n", (unsigned long long)other);
    }
}

static void render_histogram(mf_strbuf *out, mf_route_stats *st)
{
    uint64_t count = atomic_load(&st->count);
    if (count == 0)
        return;
    uint64_t cumulative = 0;
    for (size_t b = 0; b < MF_HTTP_BUCKETS; b++) {
        cumulative += atomic_load(&st->buckets[b]);
        mf_strbuf_adds(out, "cmicro_http_request_duration_seconds_bucket{");
        labels(out, st);
        mf_strbuf_addf(out, ",le=\"%g\"} %llu\n", bucket_le[b], (unsigned long long)cumulative);
    }
    /* Read after the buckets: a request counted in between only makes +Inf larger. */
    if (count < cumulative)
        count = cumulative;
    mf_strbuf_adds(out, "cmicro_http_request_duration_seconds_bucket{");
    labels(out, st);
    mf_strbuf_addf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)count);
    mf_strbuf_adds(out, "cmicro_http_request_duration_seconds_sum{");
    labels(out, st);
    mf_strbuf_addf(out, "} %.9f\n", (double)atomic_load(&st->sum_ns) / 1e9);
    mf_strbuf_adds(out, "cmicro_http_request_duration_seconds_count{");
    labels(out, st);
    mf_strbuf_addf(out, "} %llu\n", (unsigned long long)count);
}

void mf_metrics_handle(mf_req *req)
{
    mf_server *s = req->srv;
    mf_strbuf out;
    mf_strbuf_init(&out);
    mf_metrics_family(&out, "cmicro_http_requests_total", "counter",
                      "HTTP requests by route pattern, method and status.");
    each_stats(s, &out, render_requests);
    mf_metrics_family(&out, "cmicro_http_request_duration_seconds", "histogram",
                      "HTTP request duration by route pattern and method.");
    each_stats(s, &out, render_histogram);
    if (s->ndeps > 0)
        mf_metrics_family(&out, "cmicro_dependency_up", "gauge",
                          "1 when the dependency answers its health ping.");
    for (size_t i = 0; i < s->ndeps; i++) {
        mf_strbuf_adds(&out, "cmicro_dependency_up{dependency=\"");
        mf_metrics_label(&out, s->deps[i].name);
        mf_strbuf_addf(&out, "\"} %d\n", s->deps[i].ping(s->deps[i].ctx) == 0);
    }
    mf_metrics_render(&out);
    size_t len = 0;
    char *body = mf_strbuf_detach(&out, &len);
    mf_strbuf_release(&out);
    mf_respond_text(req, 200, METRICS_CONTENT_TYPE, body, len);
}
