/*
 * cmicro-ctl: what an operator asks the running platform, over NATS service discovery.
 *
 *   cmicro-ctl services [--nats URL] [--timeout MS]
 *       every instance ($SRV.STATS): name, version, id, and per endpoint its request and
 *       error counts and average latency
 *   cmicro-ctl health [--nats URL] [--timeout MS]
 *       every instance ($SRV.PING) and, when its metadata has an "http" address, its
 *       GET /health: status and each check. Exit 0 when every instance is OK, 1 otherwise.
 *
 * The NATS URL is --nats, else $NATS_URL, else NATS_URL in .run/stack.env (written by
 * `make run`), else nats://127.0.0.1:4222. Exit 2 for bad usage, 3 when NATS cannot be
 * reached or no instance answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/discovery.h"
#include "micro/log.h"
#include "micro/nats.h"
#include "micro/strbuf.h"

#define DEFAULT_URL     "nats://127.0.0.1:4222"
#define DEFAULT_TIMEOUT 1000
#define STACK_ENV       ".run/stack.env"

static int usage(void)
{
    fprintf(stderr, "usage: cmicro-ctl services|health [--nats URL] [--timeout MS]\n");
    return 2;
}

/* NATS_URL from a NAME=VALUE file (quotes and "export " tolerated); heap or NULL. */
static char *env_file_url(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[1024];
    char *url = NULL;
    while (!url && fgets(line, sizeof line, f)) {
        char *p = line;
        if (strncmp(p, "export ", 7) == 0)
            p += 7;
        if (strncmp(p, "NATS_URL=", 9) != 0)
            continue;
        p += 9;
        p[strcspn(p, "\r\n")] = '\0';
        size_t n = strlen(p);
        if (n >= 2 && (p[0] == '"' || p[0] == '\'') && p[n - 1] == p[0]) {
            p[n - 1] = '\0';
            p++;
        }
        if (*p)
            url = mf_strdup(p);
    }
    fclose(f);
    return url;
}

/* ---- HTTP GET /health, over a plain socket with a deadline ---- */

static int connect_deadline(const char *host, const char *port, int64_t deadline)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            close(fd);
            fd = -1;
            continue;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int left = (int)(deadline - mf_mono_ms());
        int err = 0;
        socklen_t len = sizeof err;
        if (left <= 0 || poll(&p, 1, left) != 1 ||
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    return fd;
}

/* "host:port" or "[v6]:port" -> GET /health. The HTTP status (0 when unreachable) and the
 * parsed body (caller decrefs, may be NULL). */
static int http_health(const char *addr, int timeout_ms, json_t **body)
{
    *body = NULL;
    char *host = NULL;
    const char *port = NULL;
    if (addr[0] == '[') {
        const char *end = strchr(addr, ']');
        if (!end || end[1] != ':')
            return 0;
        host = mf_strndup(addr + 1, (size_t)(end - addr - 1));
        port = end + 2;
    } else {
        const char *colon = strrchr(addr, ':');
        if (!colon)
            return 0;
        host = mf_strndup(addr, (size_t)(colon - addr));
        port = colon + 1;
    }
    int64_t deadline = mf_mono_ms() + timeout_ms;
    int fd = connect_deadline(host, port, deadline);
    free(host);
    if (fd < 0)
        return 0;
    mf_strbuf sb;
    mf_strbuf_init(&sb);
    mf_strbuf_addf(&sb, "GET /health HTTP/1.0\r\nHost: %s\r\n\r\n", addr);
    bool ok = send(fd, sb.buf, sb.len, MSG_NOSIGNAL) == (ssize_t)sb.len;
    mf_strbuf_reset(&sb);
    char buf[4096];
    while (ok) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int left = (int)(deadline - mf_mono_ms());
        if (left <= 0 || poll(&p, 1, left) != 1)
            break;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        mf_strbuf_add(&sb, buf, (size_t)n);
    }
    close(fd);
    int status = 0;
    if (strncmp(sb.buf, "HTTP/1.", 7) == 0 && sb.len > 12)
        status = atoi(sb.buf + 9);
    const char *json = strstr(sb.buf, "\r\n\r\n");
    if (json)
        *body = json_loads(json + 4, 0, NULL);
    mf_strbuf_release(&sb);
    return status;
}

/* ---- commands ---- */

static const char *field(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static long long num(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

static int cmp_instances(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(field(x, "name"), field(y, "name"));
    return c ? c : strcmp(field(x, "id"), field(y, "id"));
}

/* The replies sorted by name, then id (borrowed from replies; caller frees the array). */
static json_t **sorted(json_t *replies)
{
    size_t n = json_array_size(replies);
    json_t **v = mf_calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(replies, i);
    qsort(v, n, sizeof *v, cmp_instances);
    return v;
}

static int cmd_services(json_t *replies)
{
    size_t n = json_array_size(replies);
    json_t **v = sorted(replies);
    printf("%-10s %-10s %-24s %-28s %10s %8s %12s\n", "SERVICE", "VERSION", "ID", "ENDPOINT",
           "REQUESTS", "ERRORS", "AVG_LATENCY");
    for (size_t i = 0; i < n; i++) {
        json_t *eps = json_object_get(v[i], "endpoints");
        if (json_array_size(eps) == 0)
            printf("%-10s %-10s %-24s %-28s %10s %8s %12s\n", field(v[i], "name"),
                   field(v[i], "version"), field(v[i], "id"), "-", "-", "-", "-");
        size_t k;
        json_t *e;
        json_array_foreach(eps, k, e)
        {
            printf("%-10s %-10s %-24s %-28s %10lld %8lld %10.3fms\n", field(v[i], "name"),
                   field(v[i], "version"), field(v[i], "id"), field(e, "subject"),
                   num(e, "num_requests"), num(e, "num_errors"),
                   (double)num(e, "average_processing_time") / 1e6);
        }
    }
    printf("%zu instance(s)\n", n);
    free(v);
    return 0;
}

static int cmd_health(json_t *replies, int timeout_ms)
{
    size_t n = json_array_size(replies);
    json_t **v = sorted(replies);
    int rc = 0;
    printf("%-10s %-10s %-24s %-22s %-6s %s\n", "SERVICE", "VERSION", "ID", "HTTP", "STATUS",
           "CHECKS");
    for (size_t i = 0; i < n; i++) {
        const char *addr =
            json_string_value(json_object_get(json_object_get(v[i], "metadata"), "http"));
        json_t *body = NULL;
        int status = addr ? http_health(addr, timeout_ms, &body) : 0;
        json_t *data = json_object_get(body, "data");
        const char *state = !addr           ? "NATS" /* answers PING, no HTTP to ask */
                            : status == 0   ? "UNREACHABLE"
                            : status == 200 ? "OK"
                                            : "DOWN";
        if (addr && status != 200)
            rc = 1;
        mf_strbuf checks;
        mf_strbuf_init(&checks);
        const char *key;
        json_t *val;
        json_object_foreach(json_object_get(data, "checks"), key, val)
        {
            mf_strbuf_addf(&checks, "%s%s=%s", checks.len ? " " : "", key,
                           json_string_value(val) ? json_string_value(val) : "?");
        }
        json_object_foreach(json_object_get(data, "breakers"), key, val)
        {
            mf_strbuf_addf(&checks, "%sbreaker:%s=%s", checks.len ? " " : "", key,
                           json_string_value(val) ? json_string_value(val) : "?");
        }
        printf("%-10s %-10s %-24s %-22s %-6s %s\n", field(v[i], "name"), field(v[i], "version"),
               field(v[i], "id"), addr ? addr : "-", state, checks.len ? checks.buf : "-");
        mf_strbuf_release(&checks);
        json_decref(body);
    }
    printf("%zu instance(s)\n", n);
    free(v);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage();
        return 0;
    }
    bool services = strcmp(cmd, "services") == 0;
    if (!services && strcmp(cmd, "health") != 0)
        return usage();
    const char *url_opt = NULL;
    int timeout_ms = DEFAULT_TIMEOUT;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--nats") == 0 && i + 1 < argc) {
            url_opt = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            char *end = NULL;
            long t = strtol(argv[++i], &end, 10);
            if (!end || *end || t < 1 || t > 600000)
                return usage();
            timeout_ms = (int)t;
        } else {
            return usage();
        }
    }
    char *url = url_opt                                     ? mf_strdup(url_opt)
                : getenv("NATS_URL") && *getenv("NATS_URL") ? mf_strdup(getenv("NATS_URL"))
                                                            : env_file_url(STACK_ENV);
    if (!url)
        url = mf_strdup(DEFAULT_URL);

    mf_log_init("cmicro-ctl", MF_LOG_ERROR);
    int rc = 3;
    mf_nats *n = mf_nats_connect(url, "cmicro-ctl", NULL, NULL, timeout_ms);
    json_t *replies = NULL;
    if (!n || !mf_nats_connected(n)) {
        fprintf(stderr, "cmicro-ctl: cannot reach NATS at %s\n", url);
    } else if (!(replies =
                     mf_discovery_query(n, services ? "STATS" : "PING", NULL, NULL, timeout_ms))) {
        fprintf(stderr, "cmicro-ctl: discovery request failed\n");
    } else if (json_array_size(replies) == 0) {
        fprintf(stderr, "cmicro-ctl: no instance answered within %d ms\n", timeout_ms);
    } else {
        rc = services ? cmd_services(replies) : cmd_health(replies, timeout_ms);
    }
    json_decref(replies);
    mf_nats_free(n);
    mf_nats_shutdown();
    free(url);
    return rc;
}
