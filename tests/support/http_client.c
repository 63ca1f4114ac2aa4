/*
 * libcurl client for the integration tests: one easy handle per call (simple, and the
 * tests are not about client speed), loopback only, short timeouts so a hung server fails
 * the test instead of the whole run.
 */
#include <ctype.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>

#include <curl/curl.h>

#include "http_client.h"
#include "micro/alloc.h"
#include "micro/strbuf.h"

#define TH_HTTP_TIMEOUT_MS 10000L

typedef struct {
    mf_strbuf body;
    char *request_id;
    char *content_type;
} collect;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_setup(void)
{
    /* curl_easy_init would do it lazily, but not thread-safely. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    collect *c = ud;
    mf_strbuf_add(&c->body, data, size * nmemb);
    return size * nmemb;
}

/* Value of "Name: value" when the line is that header, else NULL (heap, caller frees). */
static char *header_value(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':') {
        return NULL;
    }
    const char *v = line + k + 1;
    const char *end = line + n;
    while (v < end && isspace((unsigned char)*v)) {
        v++;
    }
    while (end > v && isspace((unsigned char)end[-1])) {
        end--;
    }
    return mf_strndup(v, (size_t)(end - v));
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    collect *c = ud;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new status line (after "100 Continue"): only the final response counts. */
        free(c->request_id);
        free(c->content_type);
        c->request_id = c->content_type = NULL;
        return n;
    }
    char *v;
    if ((v = header_value(line, n, "x-request-id"))) {
        free(c->request_id);
        c->request_id = v;
    } else if ((v = header_value(line, n, "content-type"))) {
        free(c->content_type);
        c->content_type = v;
    }
    return n;
}

int th_http(const char *method, const char *url, const char *const *headers, const char *body,
            th_resp *out)
{
    memset(out, 0, sizeof *out);
    pthread_once(&curl_once, curl_setup);
    collect c = {0};
    mf_strbuf_init(&c.body);

    CURL *h = curl_easy_init();
    struct curl_slist *hl = NULL;
    bool has_type = false;
    for (size_t i = 0; headers && headers[i]; i++) {
        hl = curl_slist_append(hl, headers[i]);
        if (strncasecmp(headers[i], "content-type:", 13) == 0) {
            has_type = true;
        }
    }
    if (body && !has_type) {
        hl = curl_slist_append(hl, "Content-Type: application/json");
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TH_HTTP_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, TH_HTTP_TIMEOUT_MS);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0 || body) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);

    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(hl);

    size_t len = 0;
    out->body = mf_strbuf_detach(&c.body, &len);
    mf_strbuf_release(&c.body); /* detach leaves a fresh empty buffer behind */
    out->request_id = c.request_id;
    out->content_type = c.content_type;
    out->what = mf_asprintf("%s %s", method, url);
    if (rc != CURLE_OK) {
        out->status = 0;
        return -1;
    }
    out->json = json_loadb(out->body, len, 0, NULL);
    return 0;
}

int th_http_port(const char *method, int port, const char *path, const char *const *headers,
                 const char *body, th_resp *out)
{
    char *url = th_url(port, path);
    int rc = th_http(method, url, headers, body, out);
    free(url);
    return rc;
}

void th_resp_release(th_resp *r)
{
    if (!r) {
        return;
    }
    free(r->body);
    json_decref(r->json);
    free(r->request_id);
    free(r->content_type);
    free(r->what);
    memset(r, 0, sizeof *r);
}

char *th_url(int port, const char *path)
{
    return mf_asprintf("http://127.0.0.1:%d%s", port, path ? path : "/");
}
