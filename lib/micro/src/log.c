#include "micro/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/trace.h"

static const char *service_name = "cmicro";
static mf_log_level min_level = MF_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void mf_log_init(const char *service, mf_log_level level)
{
    service_name = service;
    min_level = level;
}

int mf_log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void mf_log(mf_log_level level, const char *request_id, json_t *fields, const char *fmt, ...)
{
    if (level < min_level) {
        json_decref(fields);
        return;
    }
    char ts[32];
    mf_time_format(mf_now_ms(), ts);
    va_list ap;
    va_start(ap, fmt);
    char *msg = mf_vasprintf(fmt, ap);
    va_end(ap);

    /* The fixed keys go first so that lines read the same everywhere; extra fields follow. */
    json_t *line = json_object();
    json_object_set_new(line, "ts", json_string(ts));
    json_object_set_new(line, "level", json_string(level_names[level]));
    json_object_set_new(line, "service", json_string(service_name));
    /* A line without an explicit id is still about the request this thread serves. */
    const mf_context *ctx = mf_context_current();
    if (!request_id)
        request_id = ctx->request_id;
    if (request_id)
        json_object_set_new(line, "request_id", json_string(request_id));
    if (ctx->trace)
        json_object_set_new(line, "trace_id", json_string(ctx->trace->trace_id));
    json_object_set_new(line, "msg", json_stringn_nocheck(msg, strlen(msg)));
    if (fields) {
        const char *key;
        json_t *value;
        json_object_foreach(fields, key, value)
        {
            if (!json_object_get(line, key))
                json_object_set(line, key, value);
        }
        json_decref(fields);
    }
    free(msg);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(line);
    if (!text)
        return;
    /* One write per line keeps lines from different threads whole. */
    size_t len = strlen(text);
    text = mf_realloc(text, len + 2);
    text[len] = '\n';
    ssize_t ignored = write(STDERR_FILENO, text, len + 1);
    (void)ignored;
    free(text);
}
