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

#define MF_REQ_ID_MAX 128

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

#endif
