/*
 * The one response of a request: an envelope body in a heap buffer handed to MHD (which
 * frees it after sending), the JSON content type, x-request-id and any extra headers.
 */
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "http_internal.h"
#include "micro/breaker.h"
#include "micro/envelope.h"
#include "micro/error.h"
#include "micro/log.h"
#include "micro/strbuf.h"

#define MF_CONTENT_TYPE "application/json; charset=utf-8"

static bool claim(mf_req *req, int status)
{
    if (req->responded) {
        mf_log_warn(req->id, "http: second response (status %d) ignored, first was %d", status,
                    req->status);
        return false;
    }
    req->responded = true;
    req->status = status;
    return true;
}

void mf_http_send(mf_req *req, int status, const char *content_type, char *body, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(resp, "x-request-id", req->id);
    char tp[MF_TRACE_HEADER_SIZE];
    mf_trace_format(&req->trace, tp);
    MHD_add_response_header(resp, MF_TRACE_HEADER, tp);
    for (const mf_resp_header *h = req->headers; h; h = h->next) {
        if (MHD_add_response_header(resp, h->name, h->value) != MHD_YES) {
            mf_log_warn(req->id, "http: response header %s rejected", h->name);
        }
    }
    if (atomic_load(&req->srv->draining)) {
        /* Keep-alive clients would otherwise hold the connection past the stop. */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    if (MHD_queue_response(req->conn, (unsigned)status, resp) != MHD_YES) {
        mf_log_error(req->id, "http: MHD refused the response (status %d)", status);
    }
    MHD_destroy_response(resp);
}

void mf_respond(mf_req *req, int status, const char *message, json_t *data)
{
    if (status < 100 || status > 599) {
        mf_log_error(req->id, "http: invalid status %d replaced by 500", status);
        json_decref(data);
        status = 500;
        message = MF_MSG_INTERNAL;
        data = NULL;
    }
    if (!claim(req, status)) {
        json_decref(data);
        return;
    }
    if (!message) {
        message = mf_envelope_default_message(status);
    }
    size_t len = 0;
    char *body = mf_envelope_dumps(status, message, data, &len);
    if (!body) {
        /* Only data that jansson cannot encode gets here: a handler bug, not the client's. */
        mf_log_error(req->id, "http: cannot serialise the response (status %d)", status);
        req->status = status = 500;
        body = mf_envelope_dumps(500, MF_MSG_INTERNAL, NULL, &len);
    }
    mf_http_send(req, status, MF_CONTENT_TYPE, body, len);
}

bool mf_respond_text(mf_req *req, int status, const char *content_type, char *body, size_t len)
{
    if (!claim(req, status)) {
        free(body);
        return false;
    }
    mf_http_send(req, status, content_type, body, len);
    return true;
}

void mf_respond_ok(mf_req *req, const char *message, json_t *data)
{
    mf_respond(req, 200, message ? message : "success", data);
}

/* Printable ASCII without quote or backslash: JSON text as it is. */
static bool plain_text(const char *s)
{
    for (; *s; s++) {
        if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
            return false;
    }
    return true;
}

void mf_respond_ok_raw(mf_req *req, const char *message, const char *data_json, size_t len)
{
    if (!claim(req, 200))
        return;
    /* The envelope without data, then its closing brace replaced by the data member. A message
     * that needs no escaping (every one the services send) skips the JSON encoder: this is the
     * hottest answer of all, the cached read. */
    if (!message)
        message = "success";
    char *head =
        plain_text(message)
            ? mf_asprintf("{\"code\":\"10000\",\"status\":200,\"message\":\"%s\"}", message)
            : mf_envelope_dumps(200, message, NULL, NULL);
    size_t hlen = strlen(head);
    static const char member[] = ",\"data\":";
    size_t blen = hlen - 1 + (sizeof member - 1) + len + 1;
    char *body = mf_malloc(blen + 1);
    memcpy(body, head, hlen - 1);
    memcpy(body + hlen - 1, member, sizeof member - 1);
    memcpy(body + hlen - 1 + sizeof member - 1, data_json, len);
    body[blen - 1] = '}';
    body[blen] = '\0';
    free(head);
    mf_http_send(req, 200, MF_CONTENT_TYPE, body, blen);
}

void mf_respond_error(mf_req *req, int status, const char *message)
{
    mf_respond(req, status, message, NULL);
}

void mf_respond_err(mf_req *req, int err, const char *detail)
{
    int status;
    switch (err) {
    case MF_ERR_OPEN:
        /* Clients and load balancers may come back when the breaker lets a probe through. */
        mf_respond_header(req, "Retry-After",
                          mf_req_printf(req, "%d", mf_breaker_thread_retry_after_s()));
        status = 503;
        break;
    case MF_ERR_TIMEOUT:
    case MF_ERR_NO_RESPONDERS:
    case MF_ERR_UNAVAILABLE:
        status = 503;
        break;
    case MF_ERR_NOT_FOUND:
        status = 404;
        break;
    case MF_ERR_LIMITED:
        status = 429;
        break;
    case MF_ERR_INVALID:
    case MF_ERR_CONFLICT:
    case MF_ERR_STATE:
        status = 400;
        break;
    default:
        status = 500;
        break;
    }
    mf_log(status >= 500 ? MF_LOG_ERROR : MF_LOG_WARN, req->id, NULL, "http: %s (%d): %s",
           mf_err_name(err), status, detail ? detail : "-");
    mf_respond(req, status, mf_envelope_default_message(status), NULL);
}

bool mf_req_valid(mf_req *req, mf_valid *v)
{
    bool ok = mf_valid_ok(v);
    if (!ok) {
        mf_respond_error(req, 400, mf_valid_message(v));
    }
    mf_valid_release(v);
    return ok;
}

void mf_respond_header(mf_req *req, const char *name, const char *value)
{
    if (!name || !value) {
        return;
    }
    if (req->responded) {
        mf_log_warn(req->id, "http: header %s set after the response, ignored", name);
        return;
    }
    mf_resp_header *h = mf_arena_alloc(req->arena, sizeof *h);
    h->name = mf_arena_strdup(req->arena, name);
    h->value = mf_arena_strdup(req->arena, value);
    h->next = req->headers;
    req->headers = h;
}

/*
 * MHD 0.9.75 takes no response while body chunks are being delivered, so a request whose
 * body is still arriving when its time is up would only see its connection closed. The
 * output side of the connection is idle at that point (the previous response and any
 * "100 Continue" are fully sent before MHD reads a body), so the envelope is written to
 * the socket directly, marked Connection: close, and the caller then lets MHD close.
 * Best effort: a full socket buffer just means the client sees the close.
 */
void mf_http_write_raw(mf_req *req, int status, const char *message)
{
    if (!claim(req, status)) {
        return;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci) {
        return;
    }
    size_t blen = 0;
    char *body = mf_envelope_dumps(status, message, NULL, &blen);
    if (!body) {
        return;
    }
    const char *reason = MHD_get_reason_phrase_for((unsigned)status);
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    mf_strbuf_addf(&sb,
                   "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Type: " MF_CONTENT_TYPE
                   "\r\nx-request-id: %s\r\nContent-Length: %zu\r\n\r\n",
                   status, reason ? reason : "Error", req->id, blen);
    mf_strbuf_add(&sb, body, blen);
    free(body);
    /* MHD may have left the socket corked after an earlier response on this connection;
     * corked bytes would be dropped by the close that follows. */
    int off_flag = 0, on_flag = 1;
    setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_CORK, &off_flag, sizeof off_flag);
    setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_NODELAY, &on_flag, sizeof on_flag);
    size_t off = 0;
    while (off < sb.len) {
        ssize_t w = send(ci->connect_fd, sb.buf + off, sb.len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    if (off < sb.len) {
        mf_log_warn(req->id, "http: %d response only partly written before closing", status);
    }
    mf_strbuf_release(&sb);
}
