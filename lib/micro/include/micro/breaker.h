/*
 * Circuit breaker: after `failures` failed calls in a row to a dependency, the breaker opens
 * and callers get MF_ERR_OPEN at once for open_ms instead of each waiting out a timeout.
 * Then one call at a time is let through as a probe (half-open): its success closes the
 * breaker, its failure opens it for another open_ms. Lock-free (atomics): cheap enough for
 * every request.
 *
 *   if ((rc = mf_breaker_allow(b)) == 0) {
 *       rc = call_the_dependency();
 *       mf_breaker_done(b, !mf_breaker_failure(rc, status));
 *   }
 *
 * mf_nats_breaker (micro/nats.h) does this for every mf_nats_request on a subject. Every
 * breaker of the process is in /metrics (cmicro_breaker_state{breaker}: 0 closed, 1 open,
 * 2 half-open) and in /health ("breakers":{"name":"closed"}). mf_respond_err answers
 * MF_ERR_OPEN with 503 "service unavailable" and Retry-After.
 */
#ifndef MF_BREAKER_H
#define MF_BREAKER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "micro/banned.h"

typedef enum {
    MF_BREAKER_CLOSED = 0,
    MF_BREAKER_OPEN = 1,
    MF_BREAKER_HALF_OPEN = 2,
} mf_breaker_state;

/* Monotonic milliseconds; injectable for tests. */
typedef int64_t (*mf_breaker_clock_fn)(void *ctx);

typedef struct {
    int failures;              /* consecutive failures that open it; >= 1 (default 5) */
    int open_ms;               /* time open before a probe; >= 1 (default 5000) */
    mf_breaker_clock_fn clock; /* NULL = mf_mono_ms */
    void *clock_ctx;
} mf_breaker_opts;

typedef struct mf_breaker mf_breaker;

/* name (copied) labels it in /metrics and /health; opts may be NULL (defaults), zero fields
 * take the defaults. Free with mf_breaker_free once nobody calls through it. */
mf_breaker *mf_breaker_new(const char *name, const mf_breaker_opts *opts);
void mf_breaker_free(mf_breaker *b);
/* 0: go ahead, and report the outcome with mf_breaker_done. MF_ERR_OPEN: do not call. */
int mf_breaker_allow(mf_breaker *b);
void mf_breaker_done(mf_breaker *b, bool ok);
/* Whether a call's result counts against the dependency: timeouts, no responders, lost
 * connections, unexpected errors and remote 5xx do; success and remote 4xx (the dependency
 * answered) do not. status is the remote status for MF_ERR_REMOTE. */
bool mf_breaker_failure(int rc, int status);
mf_breaker_state mf_breaker_state_get(mf_breaker *b);
const char *mf_breaker_state_name(mf_breaker_state s); /* "closed", "open", "half-open" */
const char *mf_breaker_name(const mf_breaker *b);
/* Seconds until a probe may go through (>= 1): for Retry-After. */
int mf_breaker_retry_after_s(mf_breaker *b);
/* mf_breaker_retry_after_s of the last MF_ERR_OPEN returned on this thread (1 when none):
 * what mf_respond_err puts in Retry-After. */
int mf_breaker_thread_retry_after_s(void);
/* {name: state name} of every breaker of the process (caller decrefs). */
json_t *mf_breakers_json(void);

#endif
