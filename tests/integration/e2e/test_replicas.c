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
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "harness.h"
#include "http_client.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/strbuf.h"

#define REQUESTS       2000
#define KILL_AT        500
#define STACK_START_MS 240000
#define STACK_STOP_MS  120000
#define START_ATTEMPTS 3
#define MAX_REPORTED   10
#define ADMIN_SIGNIN   "{\"email\":\"admin@afteracademy.com\",\"password\":\"changeit\"}"

static struct {
    char *dir;      /* temp dir of this test: env file and script logs */
    char *env_path; /* the second stack's env file */
    json_t *env;    /* its contents */
    bool started;
    int gw_port;
    const char *api_key;
    char *token;   /* the dev admin's access token */
    char *blog_id; /* a published blog */
} s;

/* ---- the second stack ---------------------------------------------------------------------- */

/* Runs scripts/stack with the given command arguments and waits for it; returns its exit
 * status (-1 when it could not run or did not finish within timeout_ms). */
static int run_stack(const char *const *args, int timeout_ms, const char *log)
{
    const char *src = getenv("CMICRO_SOURCE_DIR");
    const char *build = getenv("CMICRO_BUILD_DIR");
    if (!src || !build)
        return -1;
    char *script = mf_asprintf("%s/scripts/stack", src);
    char *build_env = mf_asprintf("CMICRO_BUILD_DIR=%s", build);
    /* env execs the script in place, so the script's parent (which its watchdog follows) is
     * this test process. The gateway's per-key rate limit (gateway/render reads it from the
     * environment) is raised: this stream is one key at full speed, and the test is about
     * fail-over, not throttling. */
    const char *argv[14] = {
        "env",     "REPLICAS=2", "GATEWAY_RATE_LIMIT=100000r/s", "GATEWAY_RATE_BURST=100000",
        build_env, script};
    size_t n = 6;
    for (size_t i = 0; args[i] && n < 13; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = th_spawn(argv, log);
    free(script);
    free(build_env);
    if (pid < 0)
        return -1;
    int64_t deadline = mf_mono_ms() + timeout_ms;
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (w < 0 || mf_mono_ms() > deadline) {
            th_stop(pid, 5000);
            return -1;
        }
        usleep(50 * 1000);
    }
}

static void stack_stop(void)
{
    if (!s.env_path)
        return;
    char *log = mf_asprintf("%s/stack-stop.log", s.dir);
    const char *args[] = {"stop", "--env-in", s.env_path, NULL};
    int rc = run_stack(args, STACK_STOP_MS, log);
    if (rc != 0)
        fprintf(stderr, "test_replicas: stack stop exited %d; see %s\n", rc, log);
    free(log);
}

static json_t *read_env(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    json_t *env = json_object();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        json_object_set_new(env, line, json_string(eq + 1));
    }
    free(line);
    fclose(f);
    return env;
}

static const char *env_get(const char *name)
{
    const char *v = json_string_value(json_object_get(s.env, name));
    if (!v)
        fail_msg("%s missing from %s", name, s.env_path);
    return v;
}

static char *stack_path(const char *rel)
{
    return mf_asprintf("%s/%s", env_get("STACK_DIR"), rel);
}

/* PID recorded by scripts/stack for one instance (e.g. "blog2"). */
static pid_t instance_pid(const char *name)
{
    char *rel = mf_asprintf("pids/%s.pid", name);
    char *path = stack_path(rel);
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

static int count_lines(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    while (getline(&line, &cap, f) >= 0)
        if (strstr(line, needle))
            n++;
    free(line);
    fclose(f);
    return n;
}

/* ---- HTTP ---------------------------------------------------------------------------------- */

static json_t *api(const char *method, const char *path, const char *token, const char *body,
                   long want)
{
    char *url = th_url(s.gw_port, path);
    char *key = mf_asprintf("x-api-key: %s", s.api_key);
    char *auth = token ? mf_asprintf("Authorization: Bearer %s", token) : NULL;
    const char *headers[] = {key, auth, NULL};
    th_resp r;
    th_http(method, url, headers, body, &r);
    if (r.status != want)
        fail_msg("%s %s: status %ld, want %ld: %.300s", method, path, r.status, want,
                 r.body ? r.body : "");
    json_t *data = json_incref(json_object_get(r.json, "data"));
    th_resp_release(&r);
    free(url);
    free(key);
    free(auth);
    return data;
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
    s.dir = th_tmpdir("e2e-replicas");
    if (!s.dir)
        return -1;
    s.env_path = mf_asprintf("%s/stack.env", s.dir);
    char *log = mf_asprintf("%s/stack-start.log", s.dir);
    const char *args[] = {"start", "--test", "--env-out", s.env_path, NULL};
    /* A free port can be taken by another process before a server binds it: the script
     * then fails cleanly (having stopped what it started), and a new attempt picks new
     * ports. */
    for (int attempt = 0; attempt < START_ATTEMPTS && !s.started; attempt++) {
        int rc = run_stack(args, STACK_START_MS, log);
        if (rc == 0) {
            s.started = true;
        } else {
            fprintf(stderr, "test_replicas: stack start attempt %d exited %d; see %s\n",
                    attempt + 1, rc, log);
            stack_stop();
        }
    }
    free(log);
    if (!s.started)
        return -1;
    /* cmocka skips the group teardown when setup fails: stop the stack here. */
    s.env = read_env(s.env_path);
    if (!s.env) {
        stack_stop();
        return -1;
    }
    const char *gw = json_string_value(json_object_get(s.env, "GATEWAY_PORT"));
    s.gw_port = gw ? atoi(gw) : 0;
    s.api_key = json_string_value(json_object_get(s.env, "DEV_API_KEY"));
    const char *auth_ports = json_string_value(json_object_get(s.env, "AUTH_PORTS"));
    const char *blog_ports = json_string_value(json_object_get(s.env, "BLOG_PORTS"));
    /* Two replicas each, or this test proves nothing. */
    if (s.gw_port <= 0 || !s.api_key || !auth_ports || !strchr(auth_ports, ' ') || !blog_ports ||
        !strchr(blog_ports, ' ')) {
        fprintf(stderr, "test_replicas: unexpected env file %s\n", s.env_path);
        stack_stop();
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    stack_stop();
    json_decref(s.env);
    free(s.token);
    free(s.blog_id);
    if (s.dir) {
        th_rmrf(s.dir);
        free(s.dir);
    }
    free(s.env_path);
    return 0;
}

/* ---- the test ------------------------------------------------------------------------------ */

static void prepare_data(void)
{
    json_t *d = api("POST", "/auth/signin/basic", NULL, ADMIN_SIGNIN, 200);
    s.token =
        mf_strdup(json_string_value(json_object_get(json_object_get(d, "tokens"), "accessToken")));
    json_decref(d);
    d = api("POST", "/blog/author", s.token,
            "{\"title\":\"Replicas under fire\",\"description\":\"Two of each, one dies.\","
            "\"draftText\":\"Nobody notices.\",\"slug\":\"replicas-under-fire\","
            "\"imgUrl\":\"https://example.com/r.png\",\"tags\":[\"REPLICAS\"]}",
            200);
    s.blog_id = mf_strdup(json_string_value(json_object_get(d, "_id")));
    json_decref(d);
    char *path = mf_asprintf("/blog/author/submit/id/%s", s.blog_id);
    json_decref(api("PUT", path, s.token, NULL, 200));
    free(path);
    path = mf_asprintf("/blog/editor/publish/id/%s", s.blog_id);
    json_decref(api("PUT", path, s.token, NULL, 200));
    free(path);
}

static void test_replica_killed_mid_stream(void **state)
{
    (void)state;
    prepare_data();

    char *urls[4];
    urls[0] = th_url(s.gw_port, "/blog/list/latest?page=1&limit=5");
    char *by_id = mf_asprintf("/blog/id/%s", s.blog_id);
    urls[1] = th_url(s.gw_port, by_id);
    free(by_id);
    urls[2] = th_url(s.gw_port, "/auth/profile/mine");
    urls[3] = th_url(s.gw_port, "/auth/verify/apikey");
    char *key = mf_asprintf("x-api-key: %s", s.api_key);
    char *auth = mf_asprintf("Authorization: Bearer %s", s.token);
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
    char *blog2_log = stack_path("logs/blog2.log");
    char *auth2_log = stack_path("logs/auth2.log");
    int blog2_served = count_lines(blog2_log, "\"path\":\"/list/latest\"") +
                       count_lines(blog2_log, "\"path\":\"/id/");
    int auth2_served = count_lines(auth2_log, "\"path\":\"/profile/mine\"") +
                       count_lines(auth2_log, "\"path\":\"/verify/apikey\"");
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
        cmocka_unit_test(test_replica_killed_mid_stream),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
