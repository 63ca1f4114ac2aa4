/*
 * Load balancing and fail-over: a second local stack with two replicas of each service
 * behind the gateway serves a stream of 2,000 reads over one keep-alive connection while,
 * a quarter of the way in, one replica of each service is killed with SIGKILL. Not a
 * single request may fail: the gateway retries idempotent requests on the surviving
 * replica and stops sending to the dead one.
 *
 * The stack is started by this test (scripts/stack start with REPLICAS=2) and always
 * stopped in its teardown; the shared stack of the ctest fixture is not touched.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#define REQUESTS       2000
#define KILL_AT        500
#define STACK_START_MS 240000
#define START_ATTEMPTS 3
#define MAX_REPORTED   10

/* Two replicas of each service. The gateway's per-key rate limit (gateway/render reads it from
 * the environment) is raised: this stream is one key at full speed, and the test is about
 * fail-over, not throttling. */
static const char *const stack_vars[] = {"REPLICAS=2", "GATEWAY_RATE_LIMIT=100000r/s",
                                         "GATEWAY_RATE_BURST=100000", NULL};

static struct {
    th_own_stack stack;
    th_api gw;     /* its gateway with its dev key */
    th_user admin; /* the dev admin */
    char *blog_id; /* a published blog */
} s;

/* PID recorded by scripts/stack for one instance (e.g. "blog2"). */
static pid_t instance_pid(const char *name)
{
    char *rel = mf_asprintf("pids/%s.pid", name);
    char *path = th_own_stack_path(&s.stack, rel);
    assert_non_null(path);
    FILE *f = fopen(path, "r");
    long pid = -1;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = -1;
        fclose(f);
    }
    if (pid <= 0)
        fail_msg("no PID in %s", path);
    free(rel);
    free(path);
    return (pid_t)pid;
}

/* True once the process is gone or a zombie (it is not our child: init reaps it). */
static bool process_gone(void *ctx)
{
    pid_t pid = *(pid_t *)ctx;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    char buf[512] = "";
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp && (rp[2] == 'Z' || rp[2] == 'X');
}

static size_t collect(char *data, size_t size, size_t nmemb, void *ud)
{
    mf_strbuf_add(ud, data, size * nmemb);
    return size * nmemb;
}

/* ---- setup / teardown ---------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    /* cmocka skips the group teardown when setup fails: every failure path stops the stack. */
    if (th_own_stack_start(&s.stack, stack_vars, START_ATTEMPTS, STACK_START_MS) != 0)
        return -1;
    const char *gw = th_own_stack_get(&s.stack, "GATEWAY_PORT");
    s.gw.port = gw ? atoi(gw) : 0;
    s.gw.api_key = th_own_stack_get(&s.stack, "DEV_API_KEY");
    const char *auth_ports = th_own_stack_get(&s.stack, "AUTH_PORTS");
    const char *blog_ports = th_own_stack_get(&s.stack, "BLOG_PORTS");
    /* Two replicas each, or this test proves nothing. */
    if (s.gw.port <= 0 || !s.gw.api_key || !auth_ports || !strchr(auth_ports, ' ') || !blog_ports ||
        !strchr(blog_ports, ' ')) {
        fprintf(stderr, "test_replicas: unexpected env file %s\n", s.stack.env_path);
        th_own_stack_release(&s.stack);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_own_stack_release(&s.stack);
    th_user_release(&s.admin);
    free(s.blog_id);
    return 0;
}

/* ---- the test ------------------------------------------------------------------------------ */

static void prepare_data(void)
{
    th_api auth = s.gw, blog = s.gw;
    auth.prefix = "/auth";
    blog.prefix = "/blog";
    th_signin_admin(auth, &s.admin);
    th_resp r =
        th_call(blog, "POST", "/author", s.admin.access,
                "{\"title\":\"Replicas under fire\",\"description\":\"Two of each, one "
                "dies.\",\"draftText\":\"Nobody notices.\",\"slug\":\"replicas-under-fire\","
                "\"imgUrl\":\"https://example.com/r.png\",\"tags\":[\"REPLICAS\"]}");
    th_expect_env(&r, 200, "blog created successfully");
    s.blog_id = mf_strdup(th_jstr(th_data(&r), "_id"));
    th_resp_release(&r);
    char *path = mf_asprintf("/author/submit/id/%s", s.blog_id);
    th_expect(blog, "PUT", path, s.admin.access, NULL, 200, "blog submitted successfully");
    free(path);
    path = mf_asprintf("/editor/publish/id/%s", s.blog_id);
    th_expect(blog, "PUT", path, s.admin.access, NULL, 200, "blog published successfully");
    free(path);
}

/* Ports listed in the env file's NAME ("p1 p2"), at most n of them; how many were read. */
static int ports_of(const char *name, int *ports, int n)
{
    const char *v = th_own_stack_get(&s.stack, name);
    int k = 0;
    for (const char *p = v; p && *p && k < n;) {
        ports[k++] = atoi(p);
        p += strcspn(p, " ");
        p += strspn(p, " ");
    }
    return k;
}

/* A signout on one auth-service replica reaches the auth cache of every blog-service replica
 * (auth.invalidate is a broadcast, not a queue-group message), within the time one NATS
 * message takes (5 s allowed, against a 30 s cache lifetime). */
static void test_signout_reaches_every_blog_replica(void **state)
{
    (void)state;
    int blogs[2], auths[2];
    assert_int_equal(ports_of("BLOG_PORTS", blogs, 2), 2);
    assert_int_equal(ports_of("AUTH_PORTS", auths, 2), 2);
    th_api auth = {.port = auths[1]};
    th_user u = {0};
    th_signin_admin(auth, &u);
    for (int i = 0; i < 2; i++) {
        th_api blog = {.port = blogs[i]};
        th_expect(blog, "GET", "/author/drafts?page=1&limit=1", u.access, NULL, 200, "success");
        th_expect(blog, "GET", "/author/drafts?page=1&limit=1", u.access, NULL, 200, "success");
    }
    th_expect(auth, "DELETE", "/signout", u.access, NULL, 200, "signout success");
    for (int i = 0; i < 2; i++) {
        th_api blog = {.port = blogs[i]};
        th_expect_within(blog, "/author/drafts?page=1&limit=1", u.access, 401,
                         "permission denied: invalid access token", 5000);
    }
    th_user_release(&u);
}

static void test_replica_killed_mid_stream(void **state)
{
    (void)state;
    prepare_data();

    char *urls[4];
    urls[0] = th_url(s.gw.port, "/blog/list/latest?page=1&limit=5");
    char *by_id = mf_asprintf("/blog/id/%s", s.blog_id);
    urls[1] = th_url(s.gw.port, by_id);
    free(by_id);
    urls[2] = th_url(s.gw.port, "/auth/profile/mine");
    urls[3] = th_url(s.gw.port, "/auth/verify/apikey");
    char *key = mf_asprintf("x-api-key: %s", s.gw.api_key);
    char *auth = mf_asprintf("Authorization: Bearer %s", s.admin.access);
    struct curl_slist *plain = curl_slist_append(NULL, key);
    struct curl_slist *with_token = curl_slist_append(curl_slist_append(NULL, key), auth);

    mf_strbuf body;
    mf_strbuf_init(&body);
    CURL *h = curl_easy_init();
    assert_non_null(h);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);

    pid_t blog2 = instance_pid("blog2");
    pid_t auth2 = instance_pid("auth2");
    int failed = 0;
    long connections = 0;
    int64_t t0 = mf_mono_ms();
    for (int i = 0; i < REQUESTS; i++) {
        if (i == KILL_AT) {
            assert_int_equal(kill(blog2, SIGKILL), 0);
            assert_int_equal(kill(auth2, SIGKILL), 0);
            assert_true(th_poll(process_gone, &blog2, 5000));
            assert_true(th_poll(process_gone, &auth2, 5000));
        }
        int kind = i % 4;
        curl_easy_setopt(h, CURLOPT_URL, urls[kind]);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, kind == 2 ? with_token : plain);
        mf_strbuf_reset(&body);
        CURLcode rc = curl_easy_perform(h);
        long status = 0;
        if (rc == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        long opened = 0;
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &opened);
        connections += opened;
        if (status != 200) {
            if (failed < MAX_REPORTED)
                fprintf(stderr, "request %d (%s): %s status %ld: %.200s\n", i, urls[kind],
                        rc == CURLE_OK ? "" : curl_easy_strerror(rc), status, body.buf);
            failed++;
        }
    }
    int64_t took = mf_mono_ms() - t0;
    fprintf(stderr, "test_replicas: %d requests in %lld ms over %ld connection(s), %d failed\n",
            REQUESTS, (long long)took, connections, failed);

    curl_easy_cleanup(h);
    curl_slist_free_all(plain);
    curl_slist_free_all(with_token);
    mf_strbuf_release(&body);
    for (int i = 0; i < 4; i++)
        free(urls[i]);
    free(key);
    free(auth);

    assert_int_equal(failed, 0);
    /* The killed replicas had their share before they died: the stream really was balanced
     * over both, so surviving the kill means something. */
    char *blog2_log = th_own_stack_path(&s.stack, "logs/blog2.log");
    char *auth2_log = th_own_stack_path(&s.stack, "logs/auth2.log");
    int blog2_served = th_count_lines(blog2_log, "\"path\":\"/list/latest\"", NULL) +
                       th_count_lines(blog2_log, "\"path\":\"/id/", NULL);
    int auth2_served = th_count_lines(auth2_log, "\"path\":\"/profile/mine\"", NULL) +
                       th_count_lines(auth2_log, "\"path\":\"/verify/apikey\"", NULL);
    fprintf(stderr, "test_replicas: blog2 served %d, auth2 served %d before the kill\n",
            blog2_served, auth2_served);
    assert_true(blog2_served > 0);
    assert_true(auth2_served > 0);
    free(blog2_log);
    free(auth2_log);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signout_reaches_every_blog_replica),
        cmocka_unit_test(test_replica_killed_mid_stream),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
