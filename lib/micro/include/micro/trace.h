/*
 * W3C trace context and the calling thread's request context. A trace id (32 hex) names
 * one client request across every process it touches; each process's part of it gets its
 * own span id (16 hex). The id travels in the `traceparent` header
 * ("00-<trace id>-<span id>-<flags>") on HTTP and in the NATS headers.
 *
 * The request context (request id and trace) of the calling thread is what mf_log writes
 * in every line and what mf_nats_request / mf_nats_publish send on. The HTTP server sets it
 * around guard and handler, mf_nats_serve, mf_nats_subscribe and mf_js_consume around their
 * handlers; code that hands a request's work to another thread sets it there itself.
 */
#ifndef MF_TRACE_H
#define MF_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "micro/banned.h"

#define MF_TRACE_HEADER "traceparent"
/* Length of a formatted traceparent, with its NUL. */
#define MF_TRACE_HEADER_SIZE 56

typedef struct {
    char trace_id[33]; /* lower-case hex; "" when there is no trace */
    char span_id[17];  /* this process's span */
    uint8_t flags;     /* trace-flags of the parent (01 = sampled) */
} mf_trace;

/* Parses a traceparent value: version 00 exactly as W3C defines it (future versions by their
 * 00 prefix). true and *t = that trace with the *parent's* span id; false for anything else
 * (wrong lengths, upper-case or non-hex, all-zero ids, version ff), leaving t untouched. */
bool mf_trace_parse(const char *header, mf_trace *t);
/* A new trace: random trace and span ids, flags 01. Cheap (a per-thread PRNG, no syscall). */
void mf_trace_start(mf_trace *t);
/* This process's span of the trace in header: same trace id, new span id; a new trace when
 * header is NULL or invalid. */
void mf_trace_continue(mf_trace *t, const char *header);
/* A child span: same trace id and flags as parent, new span id. */
void mf_trace_child(const mf_trace *parent, mf_trace *child);
/* t as a traceparent value into out. */
void mf_trace_format(const mf_trace *t, char out[MF_TRACE_HEADER_SIZE]);

/* ---- the calling thread's request context ---- */

typedef struct {
    const char *request_id; /* NULL when none */
    const mf_trace *trace;  /* NULL when none */
} mf_context;

/* Sets the calling thread's context; both are borrowed and must outlive it (until the next
 * mf_context_set or mf_context_clear). Either may be NULL. */
void mf_context_set(const char *request_id, const mf_trace *trace);
void mf_context_clear(void);
/* The calling thread's context (fields NULL when unset); never NULL. */
const mf_context *mf_context_current(void);

#endif
