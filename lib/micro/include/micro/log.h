/*
 * Structured logging: one JSON object per line on stderr with ts, level, service,
 * request_id, trace_id, msg and any extra fields. The trace id, and the request id when the
 * caller passes none, come from the calling thread's request context (micro/trace.h).
 * Secrets never go in: callers log key ids and hashes, never keys, tokens or passwords.
 * Thread-safe (one write(2) per line).
 */
#ifndef MF_LOG_H
#define MF_LOG_H

#include <jansson.h>

#include "micro/banned.h"

typedef enum { MF_LOG_DEBUG = 0, MF_LOG_INFO, MF_LOG_WARN, MF_LOG_ERROR } mf_log_level;

/* Sets the service name and the lowest level written. Call once at start. */
void mf_log_init(const char *service, mf_log_level min_level);
/* "debug"/"info"/"warn"/"error" -> level; -1 when unknown. */
int mf_log_level_parse(const char *name);

/* fields: a JSON object merged into the line, or NULL; the reference is stolen. */
void mf_log(mf_log_level level, const char *request_id, json_t *fields, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define mf_log_debug(rid, ...) mf_log(MF_LOG_DEBUG, rid, NULL, __VA_ARGS__)
#define mf_log_info(rid, ...)  mf_log(MF_LOG_INFO, rid, NULL, __VA_ARGS__)
#define mf_log_warn(rid, ...)  mf_log(MF_LOG_WARN, rid, NULL, __VA_ARGS__)
#define mf_log_error(rid, ...) mf_log(MF_LOG_ERROR, rid, NULL, __VA_ARGS__)

#endif
