/*
 * The circuit breaker on blog-service's MongoDB client (docs/operations.md):
 *   - with its MongoDB-wire server stopped, uncached reads wait out the server selection
 *     timeout until BREAKER_FAILURES of them have failed; then the breaker is open and they are
 *     answered 503 "service unavailable" with Retry-After in milliseconds, /health and /metrics
 *     show it open, and a read the Redis cache holds is still served. With the server started
 *     again (same port, same data) reads are served again once the breaker's open time is over
 *     and one probe has gone through;
 *   - with the server hung (SIGSTOP) rather than gone, reads wait out the socket and connect
 *     timeouts until the breaker opens, then the same; served again once it runs again.
 *
 * Each instance is all the test's own (MongoDB-wire server, Redis, NATS with no USERS stream):
 * no other test's traffic reaches its breaker, and it takes no user events from the stack's.
 */
#include "blog_it.h"
#include "gateway.h"
#include "mongo_server.h"

#define FAILURES  3
#define OPEN_MS   1500
#define SELECT_MS 2000 /* MONGO_TIMEOUT_MS: selection and connect timeout */
#define SOCKET_MS 1000 /* MONGO_SOCKET_TIMEOUT_MS (and so maxTimeMS) */
#define FAST_MS   200  /* "at once": well below both */
#define MAX_TRIES (FAILURES + 4)
#define LATEST    "/list/latest?page=1&limit=10"
/* back: the rest of the open time, a probe that may still fail (another open time), one that
 * succeeds */
#define BACK_DEADLINE (2 * OPEN_MS + SELECT_MS + 1000)

static th_instance inst;
static th_server redis_srv, nats_srv;
static pid_t db_pid;
static bool db_stopped; /* SIGSTOP */
static int db_port;
static char *db_dir;

static int group_setup(void **state)
{
    (void)state;
    return th_nats_start(&nats_srv, true) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    th_server_stop(&nats_srv);
    return 0;
}

/* A fresh MongoDB-wire server and Redis, and a blog-service instance on them. */
static void start_all(void)
{
    db_dir = th_tmpdir("blog-breaker");
    db_port = th_free_port();
    db_pid = th_mongo_spawn(db_dir, db_port);
    assert_true(db_pid > 0);
    assert_int_equal(th_wait_port(db_port, 30000), 0);
    assert_int_equal(th_redis_start(&redis_srv), 0);
    char *uri = mf_asprintf("MONGO_URI=mongodb://127.0.0.1:%d", db_port);
    char *redis = mf_asprintf("REDIS_PORT=%d", redis_srv.port);
    char *nats = mf_asprintf("NATS_URL=nats://127.0.0.1:%d", nats_srv.port);
    char *failures = mf_asprintf("BREAKER_FAILURES=%d", FAILURES);
    char *open_ms = mf_asprintf("MONGO_BREAKER_OPEN_MS=%d", OPEN_MS);
    char *select_ms = mf_asprintf("MONGO_TIMEOUT_MS=%d", SELECT_MS);
    char *socket_ms = mf_asprintf("MONGO_SOCKET_TIMEOUT_MS=%d", SOCKET_MS);
    const char *env[] = {uri,       redis,     nats, "MONGO_DB=breaker", failures, open_ms,
                         select_ms, socket_ms, NULL};
    th_instance_start(&inst, "blog", env);
    free(uri);
    free(redis);
    free(nats);
    free(failures);
    free(open_ms);
    free(select_ms);
    free(socket_ms);
}

static int stop_all(void **state)
{
    (void)state;
    th_instance_stop(&inst);
    if (db_pid > 0) {
        if (db_stopped)
            kill(db_pid, SIGCONT);
        th_stop(db_pid, 10000);
    }
    db_pid = 0;
    db_stopped = false;
    th_server_stop(&redis_srv);
    memset(&redis_srv, 0, sizeof redis_srv);
    if (db_dir)
        th_rmrf(db_dir);
    free(db_dir);
    db_dir = NULL;
    return 0;
}

/* A raw GET (headers included; heap, caller frees) and how long it took in *ms. */
static char *raw_get(const char *path, int64_t *ms)
{
    char *req =
        mf_asprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    int64_t t0 = mf_mono_ms();
    char *raw = th_raw_http(inst.port, req);
    if (ms)
        *ms = mf_mono_ms() - t0;
    free(req);
    return raw;
}

static long raw_status(const char *raw)
{
    return strncmp(raw, "HTTP/1.1 ", 9) == 0 ? atol(raw + 9) : 0;
}

/* Retry-After's seconds, or -1 when the response has none. */
static int retry_after(const char *raw)
{
    const char *end = strstr(raw, "\r\n\r\n");
    const char *h = strcasestr(raw, "\r\nRetry-After: ");
    return h && (!end || h < end) ? atoi(h + 15) : -1;
}

/* A public read of a blog that does not exist: never cached, so MongoDB is asked every time
 * (404 when it answers). */
static char *uncached_path(void)
{
    char *hex = th_random_hex(12);
    char *p = mf_asprintf("/id/%s", hex);
    free(hex);
    return p;
}

/* The breaker's state in /health ("closed", "open", "half-open"; heap) and /health's status. */
static char *health_breaker(long *status)
{
    th_resp r = th_call(inst.api, "GET", "/health", NULL, NULL);
    *status = r.status;
    const char *st = r.json ? th_jstr(json_object_get(th_data(&r), "breakers"), "mongo") : NULL;
    char *out = st ? mf_strdup(st) : NULL;
    th_resp_release(&r);
    return out;
}

static bool metrics_state(int state)
{
    th_resp r = th_call(inst.api, "GET", "/metrics", NULL, NULL);
    char *line = mf_asprintf("\ncmicro_breaker_state{breaker=\"mongo\"} %d\n", state);
    bool found = r.status == 200 && r.body && strstr(r.body, line);
    free(line);
    th_resp_release(&r);
    return found;
}

static bool served(void *arg)
{
    (void)arg;
    char *p = uncached_path();
    long st = th_status(inst.api, "GET", p, NULL, NULL);
    free(p);
    return st == 404;
}

/* Healthy, and the breaker closed in /health and in /metrics. */
static void expect_breaker_closed(void)
{
    long hs = 0;
    char *b = health_breaker(&hs);
    assert_int_equal(hs, 200);
    assert_non_null(b);
    assert_string_equal(b, "closed");
    free(b);
    assert_true(metrics_state(0));
}

/* Up: MongoDB answers (404), the breaker is closed, and the latest page is now cached. */
static void expect_up(void)
{
    assert_true(served(NULL));
    expect_breaker_closed();
    th_expect(inst.api, "GET", LATEST, NULL, NULL, 200, "success");
}

/* MongoDB is away (stopped or hung): every uncached read is a 503; the first ones wait for it
 * (each at least min_wait_ms, some of them), without Retry-After, until the breaker opens; then
 * reads are answered at once with Retry-After, the breaker shows open, cached reads still work. */
static void expect_breaker_opens(const char *what, int64_t min_wait_ms)
{
    int tries = 0, ra = -1;
    int64_t ms = 0, slowest = 0;
    mf_strbuf took;
    mf_strbuf_init(&took);
    while (ra < 0 && tries < MAX_TRIES) {
        char *p = uncached_path();
        char *raw = raw_get(p, &ms);
        tries++;
        if (raw_status(raw) != 503 || !strstr(raw, "\"service unavailable\""))
            fail_msg("MongoDB %s, GET %s: want 503 service unavailable: %.300s", what, p, raw);
        ra = retry_after(raw);
        if (ra < 0) {
            mf_strbuf_addf(&took, " %lld", (long long)ms);
            slowest = ms > slowest ? ms : slowest;
        }
        free(raw);
        free(p);
    }
    if (ra < 0)
        fail_msg("MongoDB %s: no Retry-After after %d failed reads (took%s ms): the breaker did "
                 "not open",
                 what, tries, took.buf);
    print_message("MongoDB %s, breaker closed: reads took%s ms\n", what, took.buf);
    mf_strbuf_release(&took);
    assert_true(tries >= FAILURES && tries <= FAILURES + 2);
    /* what the breaker saves: a read waits for MongoDB while it is closed */
    assert_true(slowest >= min_wait_ms);

    char *p = uncached_path();
    char *raw = raw_get(p, &ms);
    free(p);
    if (raw_status(raw) != 503 || !strstr(raw, "\"service unavailable\""))
        fail_msg("breaker open: want 503 service unavailable: %.300s", raw);
    ra = retry_after(raw);
    free(raw);
    if (ms >= FAST_MS)
        fail_msg("with the breaker open blog answered in %lld ms, want under %d", (long long)ms,
                 FAST_MS);
    assert_true(ra >= 1 && ra <= (OPEN_MS + 999) / 1000);
    print_message("MongoDB %s, breaker open after %d reads: a read took %lld ms\n", what, tries,
                  (long long)ms);
    assert_true(metrics_state(1));
    /* a cached answer needs no MongoDB: still served */
    th_expect(inst.api, "GET", LATEST, NULL, NULL, 200, "success");
    long hs = 0;
    char *b = health_breaker(&hs);
    assert_int_equal(hs, 503); /* the ping says mongo DOWN */
    assert_non_null(b);
    assert_string_equal(b, "open");
    free(b);
}

/* MongoDB is back: reads are served again within BACK_DEADLINE, the breaker closed. */
static void expect_served_again(const char *what)
{
    int64_t t0 = mf_mono_ms();
    if (!th_poll(served, NULL, BACK_DEADLINE))
        fail_msg("blog does not serve reads %d ms after MongoDB %s", BACK_DEADLINE, what);
    print_message("served again %lld ms after MongoDB %s\n", (long long)(mf_mono_ms() - t0), what);
    expect_breaker_closed();
}

static void test_server_stopped(void **state)
{
    (void)state;
    start_all();
    expect_up();
    assert_int_equal(th_stop(db_pid, 10000), 0);
    db_pid = 0;
    /* the first read may fail at once (its pooled connection is reset), later ones wait out
     * server selection */
    expect_breaker_opens("stopped", SELECT_MS / 2);
    /* same port, same data */
    db_pid = th_mongo_spawn(db_dir, db_port);
    assert_true(db_pid > 0);
    assert_int_equal(th_wait_port(db_port, 30000), 0);
    expect_served_again("listened again");
}

static void test_server_hung(void **state)
{
    (void)state;
    start_all();
    expect_up();
    assert_int_equal(kill(db_pid, SIGSTOP), 0);
    db_stopped = true;
    /* connected: the read waits out the socket timeout; then a new connection's handshake
     * the connect timeout */
    expect_breaker_opens("hung", SOCKET_MS / 2);
    assert_int_equal(kill(db_pid, SIGCONT), 0);
    db_stopped = false;
    expect_served_again("runs again");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_server_stopped, stop_all),
        cmocka_unit_test_teardown(test_server_hung, stop_all),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
