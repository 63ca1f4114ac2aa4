/*
 * Minimal HTTP client for integration tests (libcurl).
 */
#ifndef TH_HTTP_CLIENT_H
#define TH_HTTP_CLIENT_H

#include <jansson.h>

#include "micro/banned.h"

typedef struct {
    long status;        /* HTTP status, 0 when the request failed */
    char *body;         /* NUL-terminated response body (owned) */
    json_t *json;       /* body parsed as JSON, NULL when it is not JSON (owned) */
    char *request_id;   /* x-request-id response header or NULL (owned) */
    char *content_type; /* Content-Type response header or NULL (owned) */
    char *what;         /* "METHOD url" of the request, for failure messages (owned) */
} th_resp;

/*
 * method/url/body (body may be NULL); headers is a NULL-terminated list of "Name: value"
 * strings or NULL. Returns 0 when a response was received (out filled), -1 on transport
 * failure (out->status 0). Release with th_resp_release.
 */
int th_http(const char *method, const char *url, const char *const *headers, const char *body,
            th_resp *out);
/* th_http to "http://127.0.0.1:<port><path>". */
int th_http_port(const char *method, int port, const char *path, const char *const *headers,
                 const char *body, th_resp *out);
void th_resp_release(th_resp *r);
/* "http://127.0.0.1:<port><path>" (heap, caller frees). */
char *th_url(int port, const char *path);

#endif
