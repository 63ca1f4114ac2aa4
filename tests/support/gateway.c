/* Private gateways and raw HTTP for the gateway tests (see gateway.h). */
#include "gateway.h"

#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#define GW_START_MS 10000

/* Sends raw bytes (for paths curl would normalise) and returns the whole response (heap, caller
 * frees; "" when nothing came back). */
char *th_raw_http(int port, const char *request)
{
    int fd = th_tcp_connect(port);
    assert_true(fd >= 0);
    size_t len = strlen(request);
    assert_int_equal(write(fd, request, len), (ssize_t)len);
    mf_strbuf out;
    mf_strbuf_init(&out);
    int64_t deadline = mf_mono_ms() + 5000;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int left = (int)(deadline - mf_mono_ms());
        if (left <= 0 || poll(&p, 1, left) != 1)
            break;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        mf_strbuf_add(&out, buf, (size_t)n);
    }
    close(fd);
    size_t n = 0;
    char *s = mf_strbuf_detach(&out, &n);
    mf_strbuf_release(&out);
    return s;
}

static char *servers_line(int port)
{
    return mf_asprintf("server 127.0.0.1:%d;", port);
}

void th_gw_start(th_gateway *g, int auth_upstream, int blog_upstream, const char *const *vars)
{
    const char *src = getenv("CMICRO_SOURCE_DIR");
    assert_non_null(src);
    memset(g, 0, sizeof(*g));
    g->dir = th_tmpdir("e2e-gw");
    assert_non_null(g->dir);
    /* nginx's workers run as nobody and must reach tmp/ and cache/ below the prefix. */
    assert_int_equal(chmod(g->dir, 0755), 0);
    const char *subdirs[] = {"logs", "tmp", "cache"};
    for (size_t i = 0; i < 3; i++) {
        char *d = mf_asprintf("%s/%s", g->dir, subdirs[i]);
        assert_int_equal(mkdir(d, 0755), 0);
        if (geteuid() == 0 && i > 0) {
            struct passwd *pw = getpwnam("nobody");
            struct group *gr = getgrnam("nogroup");
            assert_non_null(pw);
            assert_non_null(gr);
            assert_int_equal(chown(d, pw->pw_uid, gr->gr_gid), 0);
        }
        free(d);
    }
    char *tmpl = mf_asprintf("%s/gateway/nginx.conf.in", src);
    char *render = mf_asprintf("%s/gateway/render", src);
    char *conf = mf_asprintf("%s/nginx.conf", g->dir);
    char *errlog = mf_asprintf("%s/logs/error.log", g->dir);
    char *outlog = mf_asprintf("%s/logs/nginx.out", g->dir);
    char *auth = servers_line(auth_upstream);
    char *blog = servers_line(blog_upstream);
    char *env_auth = mf_asprintf("AUTH_SERVERS=%s", auth);
    char *env_blog = mf_asprintf("BLOG_SERVERS=%s", blog);
    char *env_prefix = mf_asprintf("GATEWAY_PREFIX=%s", g->dir);

    /* Another process may take the free port before nginx binds it: try a few. */
    for (int attempt = 0; attempt < 3 && g->pid <= 0; attempt++) {
        g->port = th_free_port();
        char *env_listen = mf_asprintf("GATEWAY_LISTEN=127.0.0.1:%d", g->port);
        const char *argv[32] = {"env",    env_listen, env_prefix,
                                env_auth, env_blog,   "GATEWAY_USER=nobody nogroup"};
        size_t n = 6;
        for (size_t i = 0; vars && vars[i] && n < 28; i++)
            argv[n++] = vars[i];
        argv[n++] = render;
        argv[n++] = tmpl;
        argv[n] = NULL;
        unlink(conf);
        if (th_run(argv, conf, GW_START_MS) != 0)
            fail_msg("gateway/render failed; see %s", conf);
        free(env_listen);

        const char *nginx[] = {"nginx", "-e", errlog, "-p",          g->dir,
                               "-c",    conf, "-g",   "daemon off;", NULL};
        g->pid = th_spawn(nginx, outlog);
        assert_true(g->pid > 0);
        int st = 0;
        if (th_wait_port(g->port, GW_START_MS) != 0 || waitpid(g->pid, &st, WNOHANG) != 0) {
            th_stop(g->pid, 2000);
            g->pid = 0;
        }
    }
    if (g->pid <= 0)
        fail_msg("own nginx did not start; see %s and %s", errlog, outlog);
    free(tmpl);
    free(render);
    free(conf);
    free(errlog);
    free(outlog);
    free(auth);
    free(blog);
    free(env_auth);
    free(env_blog);
    free(env_prefix);
}

void th_gw_stop(th_gateway *g)
{
    if (g->pid > 0)
        th_stop(g->pid, 5000);
    g->pid = 0;
    if (g->dir) {
        th_rmrf(g->dir);
        free(g->dir);
        g->dir = NULL;
    }
}

int th_loopback_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 64), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

int th_verify_count(int auth_port, const char *prefix)
{
    char *svc = th_stack_path("logs/auth1.log");
    /* A sentinel request straight to auth-service, logged after everything sent before it, so
     * the count is complete once the sentinel shows up. */
    char *sentinel = mf_asprintf("%ssentinel-%lld", prefix, (long long)mf_mono_ms());
    th_call_opts o = {.request_id = sentinel};
    th_resp c = th_call_opt((th_api){.port = auth_port}, "GET", "/health", &o, NULL);
    th_resp_release(&c);
    if (!th_wait_log(svc, sentinel, NULL, 1, 10000))
        fail_msg("sentinel %s not in %s", sentinel, svc);
    free(sentinel);
    /* Count "<prefix>" ids with the verify path; the sentinel was /health. */
    int n = th_count_lines(svc, prefix, "\"/verify/apikey\"");
    free(svc);
    return n;
}
