/*
 * HTTP server on libmicrohttpd (epoll + thread pool). Routes come from mf_route tables;
 * each request gets an arena, a request id (the client's x-request-id or a new one, echoed
 * on the response and written in every log line) and exactly one envelope response.
 *
 * The server answers by itself: 404 "url not found", 413 for a body over the limit,
 * 408 when a body is not received within the request timeout, 400 for malformed JSON
 * (through mf_req_json), 500 with the generic message when a handler answers nothing.
 * SIGINT/SIGTERM stop it gracefully: stop accepting, finish in-flight requests, close.
 *
 * Observability is built in: GET /metrics (Prometheus text, micro/metrics.h) counts every
 * request by route pattern (route="unmatched" when none matched), method and status, with a
 * duration histogram per route. A client's W3C traceparent is continued (a new trace when
 * it is missing or invalid) and echoed on the response; guard and handler run with the
 * request's context set (micro/trace.h), so their log lines and NATS messages carry it.
 *
 * Handlers run on the pool's threads and may block (database calls); everything they
 * allocate through mf_req_alloc & co. is freed after the response is queued.
 *
 * One convention for "the response was already sent", in lib/micro and in the services:
 * a function that may answer the request on its caller's behalf (a guard, a body or
 * parameter parser, a validator) returns bool, true when the caller goes on and false when
 * the response has been sent, so the caller just returns.
 */
#ifndef MF_HTTP_H
#define MF_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "micro/banned.h"
#include "micro/router.h"
#include "micro/trace.h"
#include "micro/valid.h"

typedef struct mf_server mf_server;

/*
 * Called before the handler of a route whose guard flags are non-zero. Returns true to let
 * the request through, false when it has answered (401/403/503).
 */
typedef bool (*mf_guard_fn)(mf_req *req, unsigned guard);

typedef struct {
    const char *service;    /* name in logs */
    const char *host;       /* listen address, e.g. "127.0.0.1" or "0.0.0.0" */
    int port;               /* 0 = pick a free port (see mf_server_port) */
    int threads;            /* thread-pool size */
    size_t max_body;        /* bytes; larger bodies get 413 */
    int conn_timeout_s;     /* idle connection timeout */
    int request_timeout_ms; /* time allowed to receive a whole request body */
    mf_guard_fn guard;      /* may be NULL when no route is guarded */
    void *app;              /* service context, see mf_req_app */
} mf_server_opts;

/* NULL on bad options. Free with mf_server_free. */
mf_server *mf_server_new(const mf_server_opts *opts);
void mf_server_free(mf_server *s);
/* Adds a route table (which must outlive the server). Returns 0 or MF_ERR_INVALID. */
int mf_server_mount(mf_server *s, const mf_route *routes, size_t n);
const mf_router *mf_server_router(const mf_server *s);

/* Health: GET /health is mounted by the server. Each registered dependency is pinged; a ping
 * returns 0 when the dependency is up. 200 {"timestamp","status":"OK","checks":{name:"UP"}}
 * or 503 with {"status":"DOWN","checks":{name:"DOWN",...}}. When the process has circuit
 * breakers (micro/breaker.h), "breakers":{name:"closed"|"open"|"half-open"} is added; an open
 * breaker does not make this instance DOWN (its peer is). The same pings give /metrics'
 * cmicro_dependency_up{dependency}. */
typedef int (*mf_health_ping_fn)(void *ctx);
void mf_server_add_health(mf_server *s, const char *name, mf_health_ping_fn ping, void *ctx);

/* Starts listening and serving in background threads. 0 or MF_ERR. */
int mf_server_start(mf_server *s);
/* The bound port (useful with port 0). */
int mf_server_port(const mf_server *s);
/* Starts the server if needed, blocks until SIGINT or SIGTERM (or mf_server_shutdown), then
 * stops gracefully. */
void mf_server_run_until_signal(mf_server *s);
/* Asks a running mf_server_run_until_signal to return (async-signal-safe). */
void mf_server_shutdown(mf_server *s);
/* Graceful stop: no new connections, in-flight requests finish. Idempotent. It waits for
 * requests in progress, so never call it from a handler: use mf_server_shutdown there. */
void mf_server_stop(mf_server *s);

/* ---- request ---- (strings are borrowed and live until the response is sent) */
const char *mf_req_path(const mf_req *req);
const char *mf_req_id(const mf_req *req);
/* This request's span (trace id of the client's traceparent, or of a new trace). */
const mf_trace *mf_req_trace(const mf_req *req);
/* Path parameter by name, NULL when the route has none of that name. */
const char *mf_req_param(mf_req *req, const char *name);
const char *mf_req_query(mf_req *req, const char *name);
const char *mf_req_header(mf_req *req, const char *name);
/* Raw body (may be empty, never NULL) and its length. */
const char *mf_req_body(const mf_req *req, size_t *len);
/*
 * Body parsed as a JSON object into *body (borrowed, lives with the request): true. On
 * malformed JSON or a non-object body it answers 400 ("invalid JSON body" / "request body
 * must be a JSON object") and returns false.
 */
bool mf_req_json(mf_req *req, json_t **body);
void *mf_req_app(const mf_req *req);
/* Per-request slot for what a guard found (e.g. the authenticated user); free_fn runs after
 * the response is sent. */
void mf_req_set_user(mf_req *req, void *user, void (*free_fn)(void *));
void *mf_req_user(const mf_req *req);
/* Arena allocations freed with the request. */
void *mf_req_alloc(mf_req *req, size_t n);
char *mf_req_strdup(mf_req *req, const char *s);
char *mf_req_printf(mf_req *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- response ---- (exactly one per request; later calls are ignored and logged) */
/* data is stolen (may be NULL). */
void mf_respond(mf_req *req, int status, const char *message, json_t *data);
void mf_respond_ok(mf_req *req, const char *message, json_t *data);
/* 200 with data_json (len bytes, borrowed) spliced in as the envelope's data, unparsed: for
 * JSON text the service produced itself (e.g. a cached answer). It must be one valid JSON
 * value; nothing checks it. */
void mf_respond_ok_raw(mf_req *req, const char *message, const char *data_json, size_t len);
void mf_respond_error(mf_req *req, int status, const char *message);
/* Maps an MF_ERR_* code to its status and default message (the one place that does it):
 * 503 "service unavailable" for TIMEOUT/NO_RESPONDERS/UNAVAILABLE, and for OPEN (a circuit
 * breaker, micro/breaker.h) with Retry-After, 404 for NOT_FOUND, 400 for
 * INVALID/CONFLICT/STATE, 500 with the generic text otherwise. Handlers answer NOT_FOUND,
 * CONFLICT, INVALID and STATE with the operation's own message (API.md) where it has one;
 * since INVALID means the caller's bad input only (a programming error is MF_ERR or an
 * mf_assert), no bug can reach a client as a 400. detail goes to the log only. */
void mf_respond_err(mf_req *req, int err, const char *detail);
/* true when v holds no failure; otherwise answers 400 with its joined message and returns
 * false. Releases v either way. */
bool mf_req_valid(mf_req *req, mf_valid *v);
/* A body that is not an envelope (e.g. /metrics): status, content_type and body (heap,
 * taken over) as they are. false when the request was answered already (body freed). */
bool mf_respond_text(mf_req *req, int status, const char *content_type, char *body, size_t len);
/* Adds a response header (copied). */
void mf_respond_header(mf_req *req, const char *name, const char *value);

#endif
