/*
 * Request accessors. Strings handed out are either MHD's (valid until the request
 * completes) or copies in the request arena, so handlers never free anything.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "http_internal.h"
#include "micro/log.h"

const char *mf_req_path(const mf_req *req)
{
    return req->path;
}

const char *mf_req_id(const mf_req *req)
{
    return req->id;
}

const mf_trace *mf_req_trace(const mf_req *req)
{
    return &req->trace;
}

const char *mf_req_param(mf_req *req, const char *name)
{
    if (!name) {
        return NULL;
    }
    for (size_t i = 0; i < req->params.count && i < MF_ROUTER_MAX_PARAMS; i++) {
        if (strcmp(req->params.items[i].name, name) != 0) {
            continue;
        }
        /* The router points into the path; handlers want a terminated string. */
        if (!req->param_copies[i]) {
            req->param_copies[i] = mf_arena_strndup(req->arena, req->params.items[i].value_start,
                                                    req->params.items[i].value_len);
        }
        return req->param_copies[i];
    }
    return NULL;
}

const char *mf_req_query(mf_req *req, const char *name)
{
    return name ? MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name) : NULL;
}

const char *mf_req_header(mf_req *req, const char *name)
{
    return name ? MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name) : NULL;
}

const char *mf_req_body(const mf_req *req, size_t *len)
{
    if (len) {
        *len = req->body ? req->body_len : 0;
    }
    return req->body ? req->body : "";
}

bool mf_req_json(mf_req *req, json_t **body)
{
    *body = NULL;
    if (req->json_tried) {
        *body = req->json;
        return req->json != NULL;
    }
    req->json_tried = true;
    if (!req->body || req->body_len == 0) {
        mf_respond_error(req, 400, "invalid JSON body");
        return false;
    }
    json_error_t err;
    /* DECODE_ANY: a valid scalar deserves the "must be an object" message, not "invalid". */
    json_t *j = json_loadb(req->body, req->body_len, JSON_DECODE_ANY, &err);
    if (!j) {
        mf_log_debug(req->id, "invalid JSON body: %s (line %d, column %d)", err.text, err.line,
                     err.column);
        mf_respond_error(req, 400, "invalid JSON body");
        return false;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        mf_respond_error(req, 400, "request body must be a JSON object");
        return false;
    }
    req->json = j;
    *body = j;
    return true;
}

void *mf_req_app(const mf_req *req)
{
    return req->srv->opts.app;
}

void mf_req_set_user(mf_req *req, void *user, void (*free_fn)(void *))
{
    if (req->user_free && req->user != user) {
        req->user_free(req->user);
    }
    req->user = user;
    req->user_free = free_fn;
}

void *mf_req_user(const mf_req *req)
{
    return req->user;
}

void *mf_req_alloc(mf_req *req, size_t n)
{
    return mf_arena_alloc(req->arena, n);
}

char *mf_req_strdup(mf_req *req, const char *s)
{
    return s ? mf_arena_strdup(req->arena, s) : NULL;
}

char *mf_req_printf(mf_req *req, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = mf_arena_vprintf(req->arena, fmt, ap);
    va_end(ap);
    return out;
}
