/*
 * The operator's view of a running system (API.md 5 "Service discovery" and 5b), on a stack
 * of this test's own with two replicas of each service:
 *   - every instance answers $SRV.PING / INFO / STATS once, typed, with a unique id, and
 *     cmicro-ctl lists all four;
 *   - /metrics on a service's own port has the families API.md names, by route pattern, and
 *     they move with traffic;
 *   - one trace id, sent by the client to the gateway, is in the gateway's, blog's and auth's
 *     log lines of a request that makes blog ask auth;
 *   - with both auth replicas stopped, blog's breaker opens and protected requests get 503
 *     with Retry-After in milliseconds; once auth is back they are served again.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/discovery.h"
#include "micro/log.h"
#include "micro/nats.h"

#define STACK_START_MS 240000
#define DRAFTS         "/author/drafts?page=1&limit=5"

static const char *const stack_vars[] = {"REPLICAS=2", "BREAKER_FAILURES=2", "BREAKER_OPEN_MS=1500",
                                         "AUTH_CACHE_TTL_S=0", NULL};

static struct {
    th_own_stack stack;
    th_api auth[2], blog[2], gw;
    th_user admin;
} s;

static pid_t instance_pid(const char *name)
{
    char *rel = mf_asprintf("pids/%s.pid", name);
    char *path = th_own_stack_path(&s.stack, rel);
    char *text = th_read_file(path);
    assert_non_null(text);
    pid_t pid = (pid_t)atol(text);
    free(text);
    free(path);
    free(rel);
    assert_true(pid > 0);
    return pid;
}

/* ---- discovery ---------------------------------------------------------------------------- */

static void test_every_instance_answers_srv(void **state)
{
    (void)state;
    mf_nats *n =
        mf_nats_connect(th_own_stack_get(&s.stack, "NATS_URL"), "ops-test", NULL, NULL, 5000);
    assert_non_null(n);
    const char *verbs[] = {"PING", "INFO", "STATS"};
    const char *types[] = {MF_DISCOVERY_PING, MF_DISCOVERY_INFO, MF_DISCOVERY_STATS};
    for (int v = 0; v < 3; v++) {
        json_t *all = mf_discovery_query(n, verbs[v], NULL, NULL, 1000);
        assert_non_null(all);
        int per[2] = {0, 0};
        size_t i;
        json_t *r;
        json_array_foreach(all, i, r)
        {
            const char *name = json_string_value(json_object_get(r, "name"));
            assert_non_null(name);
            assert_string_equal(json_string_value(json_object_get(r, "type")), types[v]);
            assert_non_null(json_string_value(json_object_get(r, "id")));
            assert_non_null(json_string_value(json_object_get(r, "version")));
            assert_true(json_is_object(json_object_get(r, "metadata")));
            for (size_t j = 0; j < i; j++)
                assert_string_not_equal(th_jstr(json_array_get(all, j), "id"), th_jstr(r, "id"));
            per[strcmp(name, "auth") == 0 ? 0 : 1]++;
            if (v > 0 && strcmp(name, "auth") == 0) {
                json_t *eps = json_object_get(r, "endpoints");
                assert_true(json_array_size(eps) >= 3);
                assert_string_equal(th_jstr(eps, "0.queue_group"), "q");
            }
        }
        if (per[0] != 2 || per[1] != 2)
            fail_msg("$SRV.%s: %d auth and %d blog answers, want 2 each", verbs[v], per[0], per[1]);
        json_decref(all);
        /* the .<name> form reaches only that service's instances */
        all = mf_discovery_query(n, verbs[v], "blog", NULL, 1000);
        assert_int_equal(json_array_size(all), 2);
        json_decref(all);
    }
    mf_nats_free(n);

    /* cmicro-ctl services lists all four */
    char *ctl = mf_asprintf("%s/tools/ctl/cmicro-ctl", getenv("CMICRO_BUILD_DIR"));
    char *url = mf_strdup(th_own_stack_get(&s.stack, "NATS_URL"));
    char *dir = th_tmpdir("ops-ctl");
    char *log = mf_asprintf("%s/out", dir);
    const char *argv[] = {ctl, "services", "--nats", url, NULL};
    assert_int_equal(th_run(argv, log, 10000), 0);
    char *out = th_read_file(log);
    assert_non_null(out);
    assert_true(th_count_lines(log, "auth", NULL) >= 2);
    assert_true(th_count_lines(log, "blog", NULL) >= 2);
    const char *hargv[] = {ctl, "health", "--nats", url, NULL};
    assert_int_equal(th_run(hargv, log, 10000), 0);
    free(out);
    th_rmrf(dir);
    free(dir);
    free(log);
    free(url);
    free(ctl);
}

/* ---- metrics ------------------------------------------------------------------------------ */

/* The value of the first sample line of /metrics that contains every needle (0 when none). */
static double sample(th_api api, const char *n1, const char *n2)
{
    th_resp r = th_call(api, "GET", "/metrics", NULL, NULL);
    assert_int_equal(r.status, 200);
    double v = 0;
    for (char *line = r.body; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if (line[0] != '#' && strstr(line, n1) && (!n2 || strstr(line, n2))) {
            const char *sp = strrchr(line, ' ');
            v = sp ? atof(sp + 1) : 0;
            break;
        }
        line = end ? end + 1 : NULL;
    }
    th_resp_release(&r);
    return v;
}

static void test_metrics_move_with_traffic(void **state)
{
    (void)state;
    /* traffic of each kind: an authenticated request (NATS to auth) and a cached read */
    th_expect(s.blog[0], "GET", DRAFTS, s.admin.access, NULL, 200, "success");
    th_expect(s.blog[0], "GET", "/list/latest?page=1&limit=5", NULL, NULL, 200, "success");
    th_resp r = th_call(s.blog[0], "GET", "/metrics", NULL, NULL);
    assert_int_equal(r.status, 200);
    const char *families[] = {
        "cmicro_http_requests_total", "cmicro_http_request_duration_seconds_bucket",
        "cmicro_nats_requests_total", "cmicro_cache_requests_total",
        "cmicro_dependency_up",       "process_resident_memory_bytes"};
    for (size_t i = 0; i < 6; i++)
        if (!strstr(r.body, families[i]))
            fail_msg("/metrics of blog-service has no %s", families[i]);
    th_resp_release(&r);
    const char *id = "0123456789abcdef01234567";
    double before = sample(s.blog[0], "route=\"/id/:id\"", "status=\"404\"");
    for (int i = 0; i < 3; i++)
        th_expect(s.blog[0], "GET", "/id/0123456789abcdef01234567", NULL, NULL, 404,
                  "blog not found");
    double after = sample(s.blog[0], "route=\"/id/:id\"", "status=\"404\"");
    assert_true(after >= before + 3);
    /* raw ids never become labels */
    r = th_call(s.blog[0], "GET", "/metrics", NULL, NULL);
    assert_null(strstr(r.body, id));
    th_resp_release(&r);
}

/* ---- tracing ------------------------------------------------------------------------------ */

static void test_trace_id_everywhere(void **state)
{
    (void)state;
    th_user u;
    th_signup(s.auth[0], &u, "ops-trace");
    th_grant_roles(s.auth[0], s.admin.access, u.id, "[\"LEARNER\",\"AUTHOR\"]");
    char *trace = th_random_hex(16);
    char *hdr = mf_asprintf("traceparent: 00-%s-00f067aa0ba902b7-01", trace);
    th_call_opts o = {.token = u.access, .header = hdr};
    th_resp r = th_call_opt(s.gw, "GET", "/blog" DRAFTS, &o, NULL);
    th_expect_env(&r, 200, "success");
    th_resp_release(&r);
    /* gateway, one blog replica and one auth replica (blog asked auth: no auth cache here) */
    char *gw = th_own_stack_path(&s.stack, "nginx/logs/access.log");
    if (!th_wait_log(gw, trace, NULL, 1, 10000))
        fail_msg("trace id %s not in the gateway's access log", trace);
    int blog = 0, auth = 0;
    for (int i = 1; i <= 2; i++) {
        char *rel = mf_asprintf("logs/blog%d.log", i);
        char *p = th_own_stack_path(&s.stack, rel);
        blog += th_count_lines(p, trace, NULL);
        free(p);
        free(rel);
        rel = mf_asprintf("logs/auth%d.log", i);
        p = th_own_stack_path(&s.stack, rel);
        auth += th_count_lines(p, trace, NULL);
        free(p);
        free(rel);
    }
    if (blog < 1 || auth < 1)
        fail_msg("trace id %s: %d blog and %d auth log lines, want some of each", trace, blog,
                 auth);
    free(gw);
    free(hdr);
    free(trace);
    th_user_release(&u);
}

/* ---- breaker ------------------------------------------------------------------------------ */

typedef struct {
    const char *token;
    long want;
} served_ctx;

static bool blog_serves(void *ctx)
{
    served_ctx *c = ctx;
    return th_status(s.blog[0], "GET", DRAFTS, c->token, NULL) == c->want;
}

static void test_breaker_opens_and_closes(void **state)
{
    (void)state;
    th_user u;
    th_signup(s.auth[0], &u, "ops-breaker");
    th_grant_roles(s.auth[0], s.admin.access, u.id, "[\"LEARNER\",\"AUTHOR\"]");
    th_expect(s.blog[0], "GET", DRAFTS, u.access, NULL, 200, "success");
    pid_t a1 = instance_pid("auth1"), a2 = instance_pid("auth2");
    assert_int_equal(kill(a1, SIGSTOP), 0);
    assert_int_equal(kill(a2, SIGSTOP), 0);
    /* the failures that open it: each waits out AUTH_TIMEOUT_MS */
    for (int i = 0; i < 2; i++)
        th_expect(s.blog[0], "GET", DRAFTS, u.access, NULL, 503, "service unavailable");
    int64_t t0 = mf_mono_ms();
    th_resp r = th_call(s.blog[0], "GET", DRAFTS, u.access, NULL);
    int64_t took = mf_mono_ms() - t0;
    th_expect_env(&r, 503, "service unavailable");
    th_resp_release(&r);
    kill(a1, SIGCONT);
    kill(a2, SIGCONT);
    if (took > 200)
        fail_msg("with the breaker open blog answered in %lld ms, want at once", (long long)took);
    /* served again within the open time (1.5 s) plus a probe */
    served_ctx c = {u.access, 200};
    if (!th_poll(blog_serves, &c, 5000))
        fail_msg("blog does not serve again 5 s after auth-service came back");
    th_user_release(&u);
}

static int group_setup(void **state)
{
    (void)state;
    if (th_own_stack_start(&s.stack, stack_vars, 3, STACK_START_MS) != 0)
        return -1;
    int a1 = 0, a2 = 0, b1 = 0, b2 = 0;
    if (sscanf(th_own_stack_get(&s.stack, "AUTH_PORTS"), "%d %d", &a1, &a2) != 2 ||
        sscanf(th_own_stack_get(&s.stack, "BLOG_PORTS"), "%d %d", &b1, &b2) != 2)
        return -1;
    s.auth[0] = (th_api){.port = a1};
    s.auth[1] = (th_api){.port = a2};
    s.blog[0] = (th_api){.port = b1};
    s.blog[1] = (th_api){.port = b2};
    s.gw = th_api_with_key((th_api){.port = atoi(th_own_stack_get(&s.stack, "GATEWAY_PORT"))},
                           th_own_stack_get(&s.stack, "DEV_API_KEY"));
    th_signin_admin(s.auth[0], &s.admin);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    th_user_release(&s.admin);
    th_own_stack_release(&s.stack);
    return 0;
}

int main(void)
{
    mf_log_init("test_operations", MF_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_instance_answers_srv),
        cmocka_unit_test(test_metrics_move_with_traffic),
        cmocka_unit_test(test_trace_id_everywhere),
        cmocka_unit_test(test_breaker_opens_and_closes),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
