/*
 * Private state of the HTTP server shared by http_server.c (libmicrohttpd glue, lifecycle),
 * http_request.c (accessors), http_response.c (the one response per request) and health.c.
 * Nothing here is part of the public API.
 */
#ifndef MF_HTTP_INTERNAL_H
#define MF_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "micro/alloc.h"
#include "micro/http.h"
#include "micro/router.h"
#include "micro/trace.h"

#define MF_REQ_ID_MAX 128

/* ---- per-route counters for /metrics (http_metrics.c) ---- */

#define MF_HTTP_STATUS_SLOTS 8
#define MF_HTTP_BUCKETS      12
/* Methods that unmatched requests are counted under (the last one is "OTHER"). */
#define MF_HTTP_UNMATCHED_METHODS 8

typedef struct {
    _Atomic int status; /* 0 = free; claimed by compare-and-swap */
    _Atomic uint64_t count;
} mf_status_slot;

/* Counters of one route (or of the unmatched requests of one method): preallocated at
 * mount time, updated with relaxed atomics, so counting takes no lock and no allocation. */
typedef struct {
    const char *method; /* label values, borrowed from the route table */
    const char *pattern;
    mf_status_slot statuses[MF_HTTP_STATUS_SLOTS];
    _Atomic uint64_t other_status;             /* more distinct statuses than slots */
    _Atomic uint64_t buckets[MF_HTTP_BUCKETS]; /* per bucket, not cumulative */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;
} mf_route_stats;

typedef struct {
    const mf_route *base; /* a mounted table */
    size_t n;
    mf_route_stats *stats; /* n of them */
} mf_route_table_stats;

typedef struct {
    char *name;
    mf_health_ping_fn ping;
    void *ctx;
} mf_health_dep;

enum mf_server_state { MF_SRV_NEW = 0, MF_SRV_RUNNING, MF_SRV_STOPPED };

struct mf_server {
    mf_server_opts opts; /* service and host point to the copies below */
    char *service;
    char *host;
    mf_router *router;
    struct MHD_Daemon *daemon;
    int port;

    mf_health_dep *deps; /* registered before mf_server_start, read-only afterwards */
    size_t ndeps;

    mf_route_table_stats *route_tables; /* one per mounted table, fixed once started */
    size_t nroute_tables;
    mf_route_stats unmatched[MF_HTTP_UNMATCHED_METHODS];

    /* Requests between the first access-handler call and MHD's completion notice; the
     * graceful stop waits for this to reach zero. */
    _Atomic long inflight;
    atomic_bool draining; /* set by mf_server_stop before it waits */
    pthread_mutex_t lock;
    pthread_cond_t idle;
    enum mf_server_state state; /* under lock */

    int wake[2]; /* self-pipe: mf_server_shutdown writes, run_until_signal reads */
};

typedef struct mf_resp_header {
    const char *name; /* arena copies */
    const char *value;
    struct mf_resp_header *next;
} mf_resp_header;

struct mf_req {
    mf_server *srv;
    struct MHD_Connection *conn;
    mf_arena *arena;
    const char *method; /* owned by MHD, valid until completion */
    const char *path;
    char id[MF_REQ_ID_MAX + 1];
    int64_t start_ms; /* monotonic, first access-handler call */
    int64_t start_ns; /* the same, for the duration histogram */
    mf_trace trace;   /* this process's span of the client's traceparent, or a new trace */

    /* Upload: heap buffer (freed at completion), always NUL-terminated once allocated. */
    char *body;
    size_t body_len;
    size_t body_cap;
    bool too_large;
    bool timed_out;

    const mf_route *route;
    mf_params params;
    const char *param_copies[MF_ROUTER_MAX_PARAMS]; /* lazily filled, arena */

    json_t *json; /* parsed body, decref at completion */
    bool json_tried;

    void *user;
    void (*user_free)(void *);

    mf_resp_header *headers; /* from mf_respond_header, in reverse order */
    bool responded;
    int status;   /* 0 until answered */
    bool counted; /* part of srv->inflight */
};

/* http_response.c: the serialised envelope of an error the server produces by itself, for
 * the paths where MHD will not take a response (see mf_http_write_raw). */
void mf_http_write_raw(mf_req *req, int status, const char *message);

/* health.c: the GET /health handler mounted by mf_server_new. */
void mf_health_handle(mf_req *req);

/* http_response.c: queues body (heap, taken over) with content_type and the headers every
 * response carries (x-request-id, traceparent, mf_respond_header's). */
void mf_http_send(mf_req *req, int status, const char *content_type, char *body, size_t len);

/* http_metrics.c: counters for a table mounted on s (before start); counting one finished
 * request; the GET /metrics handler mounted by mf_server_new; releasing the counters. */
void mf_http_metrics_mount(mf_server *s, const mf_route *routes, size_t n);
void mf_http_metrics_count(mf_req *req);
void mf_metrics_handle(mf_req *req);
void mf_http_metrics_release(mf_server *s);

#endif
