/*
 * The HTTP server: libmicrohttpd set-up, the access handler (request state, body
 * accumulation with size and time limits, routing, guard, handler), completion (access log,
 * cleanup) and the graceful stop.
 *
 * What libmicrohttpd 0.9.75 allows, and how it shapes this file:
 * - The access handler is called once with the headers, once per chunk of body, and once
 *   more when the request is complete. A response can be queued on the first call (MHD then
 *   discards the body and closes the connection) or on the last one, but not while body
 *   chunks are being delivered. So a body over the limit is discarded and answered 413 at
 *   the end (the connection stays usable); with "Expect: 100-continue" the 413 is sent at
 *   once and the client never sends the body.
 * - A body still arriving after request_timeout_ms cannot be answered through MHD; the
 *   server writes the 408 envelope straight to the socket and has MHD close the connection
 *   (see mf_http_write_raw). A client that stops sending altogether is closed by MHD after
 *   conn_timeout_s of silence, like any idle connection.
 * - MHD percent-decodes the URL path before the access handler sees it, so routes and path
 *   parameters see decoded text ("%20" is a space, "%2F" a slash that splits segments).
 *   Query values are decoded too ("+" is a space there).
 * - Malformed HTTP and oversized headers are answered by MHD itself (plain 400/431 pages),
 *   before any of this code runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_internal.h"
#include "micro/clock.h"
#include "micro/envelope.h"
#include "micro/error.h"
#include "micro/log.h"

/* Upper bound on the wait for in-flight requests during a graceful stop. */
#define MF_HTTP_DRAIN_MS 10000
/* Connections above this (or above the fd limit) wait in the kernel's backlog. */
#define MF_HTTP_MAX_CONNECTIONS 10000
/* Largest body buffer allocated up front from Content-Length. */
#define MF_HTTP_BODY_PREALLOC (64 * 1024)
#define CONN_MEMORY           (16 * 1024)

static const mf_route builtin_routes[] = {
    {"GET", "/health", mf_health_handle, 0},
    {"GET", "/metrics", mf_metrics_handle, 0},
};
#define NBUILTIN (sizeof builtin_routes / sizeof builtin_routes[0])

/* ---- lifecycle ---- */

mf_server *mf_server_new(const mf_server_opts *opts)
{
    if (!opts || opts->port < 0 || opts->port > 65535 || opts->threads < 1 ||
        opts->threads > 1024 || opts->max_body == 0 || opts->conn_timeout_s < 1 ||
        opts->request_timeout_ms < 1) {
        mf_log_error(NULL, "http: invalid server options");
        return NULL;
    }
    mf_server *s = mf_calloc(1, sizeof *s);
    s->opts = *opts;
    s->service = mf_strdup(opts->service ? opts->service : "micro");
    s->host = mf_strdup(opts->host ? opts->host : "127.0.0.1");
    s->opts.service = s->service;
    s->opts.host = s->host;
    s->router = mf_router_new();
    s->wake[0] = s->wake[1] = -1;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->idle, &ca);
    pthread_condattr_destroy(&ca);
    if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
        mf_router_add(s->router, builtin_routes, NBUILTIN) != 0) {
        mf_log_error(NULL, "http: cannot initialise the server: %s", strerror(errno));
        mf_server_free(s);
        return NULL;
    }
    mf_http_metrics_mount(s, builtin_routes, NBUILTIN);
    return s;
}

void mf_server_free(mf_server *s)
{
    if (!s) {
        return;
    }
    mf_server_stop(s);
    mf_router_free(s->router);
    mf_http_metrics_release(s);
    for (size_t i = 0; i < s->ndeps; i++) {
        free(s->deps[i].name);
    }
    free(s->deps);
    for (int i = 0; i < 2; i++) {
        if (s->wake[i] >= 0) {
            close(s->wake[i]);
        }
    }
    pthread_cond_destroy(&s->idle);
    pthread_mutex_destroy(&s->lock);
    free(s->service);
    free(s->host);
    free(s);
}

int mf_server_mount(mf_server *s, const mf_route *routes, size_t n)
{
    if (!s || (!routes && n > 0) || s->state != MF_SRV_NEW) {
        return MF_ERR_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        /* A guarded route without a guard would be served to everyone: refuse early. */
        if (routes[i].guard != 0 && !s->opts.guard) {
            mf_log_error(NULL, "http: route %s %s is guarded but the server has no guard",
                         routes[i].method ? routes[i].method : "?",
                         routes[i].pattern ? routes[i].pattern : "?");
            return MF_ERR_INVALID;
        }
        if (!routes[i].handler) {
            return MF_ERR_INVALID;
        }
    }
    int rc = mf_router_add(s->router, routes, n);
    if (rc == 0) {
        mf_http_metrics_mount(s, routes, n);
    }
    return rc;
}

const mf_router *mf_server_router(const mf_server *s)
{
    return s ? s->router : NULL;
}

/* ---- per-request state ---- */

/* The client's id is echoed into headers and logs, so only a conservative alphabet passes. */
static bool request_id_ok(const char *id)
{
    if (!id) {
        return false;
    }
    size_t n = 0;
    for (; id[n]; n++) {
        char c = id[n];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok || n >= MF_REQ_ID_MAX) {
            return false;
        }
    }
    return n > 0;
}

/* Request ids only correlate log lines: a random per-process prefix and a counter make them
 * unique without paying for the CSPRNG on every request (it was 8% of a cached read's CPU). */
static char id_prefix[17];
static _Atomic uint64_t id_counter;

static void id_prefix_init(void)
{
    if (mf_random_hex(8, id_prefix, sizeof id_prefix) != 0)
        snprintf(id_prefix, sizeof id_prefix, "%016llx", (unsigned long long)mf_now_ms());
}

static void new_request_id(char *out, size_t size)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, id_prefix_init);
    snprintf(out, size, "%s%016" PRIx64, id_prefix, atomic_fetch_add(&id_counter, 1) + 1);
}

static mf_req *req_begin(mf_server *s, struct MHD_Connection *conn, const char *url,
                         const char *method)
{
    mf_arena *a = mf_arena_new();
    mf_req *r = mf_arena_alloc(a, sizeof *r);
    r->arena = a;
    r->srv = s;
    r->conn = conn;
    r->method = method;
    r->path = url;
    r->start_ns = mf_mono_ns();
    r->start_ms = r->start_ns / 1000000;
    mf_trace_continue(&r->trace,
                      MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MF_TRACE_HEADER));
    const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "x-request-id");
    if (request_id_ok(rid)) {
        snprintf(r->id, sizeof r->id, "%s", rid);
    } else {
        new_request_id(r->id, sizeof r->id);
    }
    atomic_fetch_add(&s->inflight, 1);
    r->counted = true;
    return r;
}

static void req_end(mf_req *r)
{
    mf_server *s = r->srv;
    json_decref(r->json);
    if (r->user_free) {
        r->user_free(r->user);
    }
    free(r->body);
    bool counted = r->counted;
    mf_arena_free(r->arena); /* r lives in its own arena */
    if (counted && atomic_fetch_sub(&s->inflight, 1) == 1 && atomic_load(&s->draining)) {
        pthread_mutex_lock(&s->lock);
        pthread_cond_broadcast(&s->idle);
        pthread_mutex_unlock(&s->lock);
    }
}

static json_t *log_string(const char *s)
{
    /* MHD decodes the path, which may then be invalid UTF-8: jansson would reject it. */
    json_t *j = json_string(s ? s : "");
    return j ? j : json_string("<not utf-8>");
}

static void access_log(const mf_req *r, enum MHD_RequestTerminationCode toe)
{
    json_t *f = json_object();
    json_object_set_new(f, "method", log_string(r->method));
    json_object_set_new(f, "path", log_string(r->path));
    json_object_set_new(f, "status", json_integer(r->status));
    json_object_set_new(f, "latency_ms", json_integer(mf_mono_ms() - r->start_ms));
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        static const char *const why[] = {"completed",       "error",      "timeout",
                                          "daemon_shutdown", "read_error", "client_abort"};
        json_object_set_new(
            f, "aborted",
            json_string((unsigned)toe < sizeof why / sizeof why[0] ? why[toe] : "unknown"));
    }
    mf_log(MF_LOG_INFO, r->id, f, "request");
}

/* ---- access handler ---- */

static bool timed_out(const mf_req *r)
{
    return mf_mono_ms() - r->start_ms > r->srv->opts.request_timeout_ms;
}

static enum MHD_Result on_headers(mf_req *r)
{
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
    if (!cl) {
        return MHD_YES;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    if (errno != 0 || end == cl) {
        return MHD_YES; /* MHD itself rejects malformed lengths */
    }
    if (n > r->srv->opts.max_body) {
        r->too_large = true;
        const char *expect = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Expect");
        if (expect && strcasecmp(expect, "100-continue") == 0) {
            /* The client waits for a go-ahead: answering now saves it sending the body. */
            mf_respond_error(r, 413, "request body too large");
        }
        return MHD_YES;
    }
    if (n > 0) {
        /* Sized for the declared body, but a client that promises a megabyte and sends
         * nothing should not cost a megabyte: large bodies grow as they arrive. */
        r->body_cap = n < MF_HTTP_BODY_PREALLOC ? (size_t)n + 1 : MF_HTTP_BODY_PREALLOC;
        r->body = mf_malloc(r->body_cap);
    }
    return MHD_YES;
}

static enum MHD_Result on_upload(mf_req *r, const char *data, size_t *size)
{
    size_t n = *size;
    *size = 0;
    if (timed_out(r)) {
        r->timed_out = true;
        if (r->too_large) {
            mf_http_write_raw(r, 413, "request body too large");
        } else {
            mf_http_write_raw(r, 408, "request timeout");
        }
        return MHD_NO; /* MHD closes the connection */
    }
    if (r->too_large) {
        return MHD_YES; /* discard the rest, answer 413 at the end */
    }
    size_t max = r->srv->opts.max_body;
    if (n > max - r->body_len) {
        r->too_large = true;
        free(r->body);
        r->body = NULL;
        r->body_len = r->body_cap = 0;
        return MHD_YES;
    }
    if (r->body_len + n + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 1024;
        while (cap < r->body_len + n + 1) {
            cap *= 2;
        }
        r->body = mf_realloc(r->body, cap);
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return MHD_YES;
}

static void dispatch(mf_req *r)
{
    mf_server *s = r->srv;
    if (r->too_large) {
        mf_respond_error(r, 413, "request body too large");
        return;
    }
    if (r->body_len > 0 && timed_out(r)) {
        mf_respond_error(r, 408, "request timeout");
        return;
    }
    r->route = mf_router_match(s->router, r->method, r->path, &r->params);
    if (!r->route) {
        mf_respond_error(r, 404, "url not found");
        return;
    }
    if (r->route->guard != 0) {
        if (!s->opts.guard) {
            mf_respond_err(r, MF_ERR, "guarded route without a guard");
            return;
        }
        if (!s->opts.guard(r, r->route->guard)) {
            if (!r->responded) {
                mf_respond_err(r, MF_ERR, "guard rejected the request without answering");
            }
            return;
        }
    }
    r->route->handler(r);
    if (!r->responded) {
        mf_respond_err(r, MF_ERR, "handler did not respond");
    }
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)version;
    mf_req *r = *con_cls;
    if (!r) {
        r = req_begin(cls, conn, url, method);
        *con_cls = r;
        return on_headers(r);
    }
    if (*upload_data_size > 0) {
        return on_upload(r, upload_data, upload_data_size);
    }
    if (!r->responded) {
        /* Log lines and NATS messages of guard and handler carry the request's context. */
        mf_context_set(r->id, &r->trace);
        dispatch(r);
        mf_context_clear();
    }
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    mf_req *r = *con_cls;
    if (!r) {
        return;
    }
    *con_cls = NULL;
    mf_http_metrics_count(r);
    mf_context_set(r->id, &r->trace);
    access_log(r, toe);
    mf_context_clear();
    req_end(r);
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }
    /* MHD's note for the connection we close after writing a 408 ourselves: expected. */
    bool ours = strncmp(buf, "Application reported internal error", 35) == 0;
    mf_log(ours ? MF_LOG_DEBUG : MF_LOG_WARN, NULL, NULL, "microhttpd: %s", buf);
}

/* ---- start / stop ---- */

static unsigned connection_limit(void)
{
    struct rlimit rl;
    rlim_t lim = MF_HTTP_MAX_CONNECTIONS;
    /* Leave room for the database, cache and NATS sockets of the process. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < lim + 64) {
        lim = rl.rlim_cur > 128 ? rl.rlim_cur - 64 : 64;
    }
    return (unsigned)lim;
}

int mf_server_start(mf_server *s)
{
    if (!s) {
        return MF_ERR_INVALID;
    }
    pthread_mutex_lock(&s->lock);
    bool fresh = s->state == MF_SRV_NEW;
    pthread_mutex_unlock(&s->lock);
    if (!fresh) {
        return MF_ERR_INVALID;
    }

    char port[8];
    snprintf(port, sizeof port, "%d", s->opts.port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(s->host, port, &hints, &ai);
    if (gai != 0) {
        mf_log_error(NULL, "http: cannot resolve listen address %s: %s", s->host,
                     gai_strerror(gai));
        return MF_ERR;
    }
    struct sockaddr_storage addr;
    memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    bool v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);

    unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_ITC; /* ITC: required by MHD_quiesce_daemon */
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL_INTERNAL_THREAD
                                                                    : MHD_USE_POLL_INTERNAL_THREAD;
    if (v6) {
        flags |= MHD_USE_IPv6;
    }
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: it means SO_REUSEPORT, which would let a second
     * instance share the port silently instead of failing to start. */
    struct MHD_OptionItem o[12];
    size_t no = 0;
    /* The logger first, or MHD reports the options before it on stderr. */
    o[no++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, s};
    o[no++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &addr};
    o[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                      (intptr_t)s->opts.conn_timeout_s, NULL};
    o[no++] =
        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)connection_limit(), NULL};
    o[no++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s};
    /* Each connection's pool is touched in full (libmicrohttpd zeroes it between requests), and
     * a gateway keeps up to 64 idle connections per worker: 16 KB instead of the default 32 KB
     * took blog-service's peak RSS under make bench from 19.2 to 16.7 MB. It still holds headers
     * four times the size of a bearer token and an API key together; larger headers get 431. */
    o[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY, NULL};
    if (s->opts.threads > 1) {
        o[no++] =
            (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)s->opts.threads, NULL};
    }
    o[no++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    s->daemon = MHD_start_daemon(flags, (uint16_t)s->opts.port, NULL, NULL, on_access, s,
                                 MHD_OPTION_ARRAY, o, MHD_OPTION_END);
    if (!s->daemon) {
        mf_log_error(NULL, "http: cannot listen on %s:%d", s->host, s->opts.port);
        return MF_ERR;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : s->opts.port;
    pthread_mutex_lock(&s->lock);
    s->state = MF_SRV_RUNNING;
    pthread_mutex_unlock(&s->lock);
    mf_log_info(NULL, "http: %s listening on %s:%d (%d threads)", s->service, s->host, s->port,
                s->opts.threads);
    return MF_OK;
}

int mf_server_port(const mf_server *s)
{
    return s ? s->port : 0;
}

void mf_server_stop(mf_server *s)
{
    if (!s) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    if (s->state != MF_SRV_RUNNING) {
        s->state = MF_SRV_STOPPED;
        pthread_mutex_unlock(&s->lock);
        return;
    }
    s->state = MF_SRV_STOPPED; /* a concurrent second call returns at once */
    pthread_mutex_unlock(&s->lock);

    atomic_store(&s->draining, true);
    MHD_socket lfd = MHD_quiesce_daemon(s->daemon);
    if (lfd != MHD_INVALID_SOCKET) {
        /* MHD forbids closing the socket before MHD_stop_daemon, but a listening socket
         * that stays open keeps completing handshakes into its backlog. Shutting it down
         * makes Linux refuse new connections right away. */
        shutdown(lfd, SHUT_RDWR);
    }

    int64_t deadline = mf_mono_ms() + MF_HTTP_DRAIN_MS;
    pthread_mutex_lock(&s->lock);
    while (atomic_load(&s->inflight) > 0) {
        int64_t left = deadline - mf_mono_ms();
        if (left <= 0) {
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += left / 1000;
        ts.tv_nsec += (left % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->idle, &s->lock, &ts);
    }
    long left_over = atomic_load(&s->inflight);
    pthread_mutex_unlock(&s->lock);
    if (left_over > 0) {
        mf_log_warn(NULL, "http: stopping with %ld request(s) still in flight", left_over);
    }

    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    if (lfd != MHD_INVALID_SOCKET) {
        close(lfd);
    }
    mf_log_info(NULL, "http: %s stopped", s->service);
}

/* ---- signals ---- */

/* The write end of the self-pipe of the server in mf_server_run_until_signal. */
static volatile sig_atomic_t signal_fd = -1;

static void on_signal(int sig)
{
    int saved = errno;
    int fd = signal_fd;
    if (fd >= 0) {
        char c = (char)sig;
        ssize_t w = write(fd, &c, 1);
        (void)w;
    }
    errno = saved;
}

void mf_server_shutdown(mf_server *s)
{
    if (s && s->wake[1] >= 0) {
        char c = 'x';
        ssize_t w = write(s->wake[1], &c, 1); /* async-signal-safe; full pipe = already asked */
        (void)w;
    }
}

void mf_server_run_until_signal(mf_server *s)
{
    if (!s) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    bool fresh = s->state == MF_SRV_NEW;
    pthread_mutex_unlock(&s->lock);
    if (fresh && mf_server_start(s) != MF_OK) {
        return;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    signal_fd = s->wake[1];
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    struct pollfd p = {.fd = s->wake[0], .events = POLLIN};
    for (;;) {
        int rc = poll(&p, 1, -1);
        if (rc > 0 || (rc < 0 && errno != EINTR)) {
            break;
        }
    }
    char buf[64];
    ssize_t got;
    int sig = 0;
    while ((got = read(s->wake[0], buf, sizeof buf)) > 0) {
        sig = buf[got - 1];
    }

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    signal_fd = -1;
    mf_log_info(NULL, "http: %s shutting down (%s)", s->service,
                sig == SIGINT    ? "SIGINT"
                : sig == SIGTERM ? "SIGTERM"
                                 : "requested");
    mf_server_stop(s);
}
