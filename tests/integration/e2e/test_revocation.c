/*
 * API.md "Revocation guarantees", tried as an attacker would, with two replicas of each
 * service (a stack of this test's own: scripts/stack start with REPLICAS=2):
 *   - a signout while eight clients use the token on both auth replicas and both blog
 *     replicas, repeated: once it answers success, no auth replica accepts the token, and no
 *     blog replica after 1 s (the old check-then-cache race let about one in five survive);
 *   - a role removal under the same load: gone at once on auth, within 1 s on blog;
 *   - auth's Redis paused (CLIENT PAUSE) during a signout and during a refresh: the revocation
 *     answers 503 rather than a success that does not hold, the credential is refused all the
 *     same once Redis is back, and a refreshed pair retried afterwards works.
 * The stack is always stopped in the teardown; the ctest fixture's stack is not touched.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
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

#define STACK_START_MS 240000
#define START_ATTEMPTS 3
#define SIGNOUT_ROUNDS 25
#define HAMMERS        8
#define BLOG_WITHIN_MS 1000

#define MSG_INVALID_ACCESS "permission denied: invalid access token"
#define DRAFTS             "/author/drafts?page=1&limit=5"

static const char *const stack_vars[] = {"REPLICAS=2", NULL};

static struct {
    th_own_stack stack;
    th_api auth[2], blog[2];
    int redis_port;
    th_user admin;
} s;

/* ---- load on a token ---------------------------------------------------------------------- */

typedef struct {
    const char *token;
    atomic_bool stop;
    atomic_int calls;
    pthread_barrier_t go; /* the threads and load_go: all start at once */
} load;

/* Uses the token on every replica of both services, round robin, until told to stop; starts
 * when told to, all threads at once. */
static void *hammer(void *arg)
{
    load *l = arg;
    pthread_barrier_wait(&l->go);
    for (int i = 0; !atomic_load(&l->stop) && i < 100000; i++) {
        th_api api = (i % 2) ? s.blog[(i / 2) % 2] : s.auth[(i / 2) % 2];
        const char *path = (i % 2) ? DRAFTS : "/profile/mine";
        th_status(api, "GET", path, l->token, NULL);
        atomic_fetch_add(&l->calls, 1);
    }
    return NULL;
}

/* Starts the threads; they fire when load_go is called. */
static void load_start(load *l, pthread_t *t, const char *token)
{
    l->token = token;
    atomic_init(&l->stop, false);
    atomic_init(&l->calls, 0);
    assert_int_equal(pthread_barrier_init(&l->go, NULL, HAMMERS + 1), 0);
    for (int i = 0; i < HAMMERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, l), 0);
}

static void load_go(load *l)
{
    pthread_barrier_wait(&l->go);
}

static void load_stop(load *l, pthread_t *t)
{
    atomic_store(&l->stop, true);
    for (int i = 0; i < HAMMERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&l->go);
}

/* ---- checks ------------------------------------------------------------------------------ */

/* Every auth replica refuses the token now (three tries each: a stale cache entry would pass). */
static void auth_refuses(const char *token, const char *what)
{
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 3; i++) {
            th_resp c = th_call(s.auth[r], "GET", "/profile/mine", token, NULL);
            if (c.status != 401)
                fail_msg("%s: auth replica %d answered %ld to the revoked token: %s", what, r + 1,
                         c.status, c.body);
            th_expect_env(&c, 401, MSG_INVALID_ACCESS);
            th_resp_release(&c);
        }
}

typedef struct {
    th_api api;
    const char *token;
    long want;
} refused_ctx;

static bool blog_answers(void *ctx)
{
    refused_ctx *r = ctx;
    return th_status(r->api, "GET", DRAFTS, r->token, NULL) == r->want;
}

/* Every blog replica answers want to the token within BLOG_WITHIN_MS of since. */
static void blog_within(const char *token, long want, int64_t since, const char *what)
{
    for (int r = 0; r < 2; r++) {
        refused_ctx c = {s.blog[r], token, want};
        if (!th_poll(blog_answers, &c, 5000))
            fail_msg("%s: blog replica %d never answered %ld", what, r + 1, want);
        int64_t took = mf_mono_ms() - since;
        if (took > BLOG_WITHIN_MS)
            fail_msg("%s: blog replica %d answered %ld only after %lld ms", what, r + 1, want,
                     (long long)took);
    }
}

typedef struct {
    th_api api;
    const char *token;
} auth_ctx_t;

static bool auth_refused(void *ctx)
{
    auth_ctx_t *a = ctx;
    return th_status(a->api, "GET", "/profile/mine", a->token, NULL) == 401;
}

/* After a revocation that answered 503 because auth's Redis was paused: the replica that
 * answered no longer trusts the cache, so it refuses at once; the other one may still trust
 * an old entry until the first has reconciled the cache (bumped its epoch), at most about a
 * second after Redis is back (micro/vcache.h). */
static void refused_after_failed_revocation(int answered, const char *token, const char *what)
{
    th_expect(s.auth[answered], "GET", "/profile/mine", token, NULL, 401, MSG_INVALID_ACCESS);
    auth_ctx_t a = {s.auth[1 - answered], token};
    if (!th_poll(auth_refused, &a, 2500))
        fail_msg("%s: the other auth replica still accepts the token 2.5 s later", what);
    auth_refuses(token, what);
}

/* ---- Redis ------------------------------------------------------------------------------- */

/* Sends one command (RESP, arguments without spaces) to auth's Redis; true on +OK. */
static bool redis_cmd(const char *const *argv, int argc)
{
    int fd = th_tcp_connect(s.redis_port);
    assert_true(fd >= 0);
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
    assert_int_equal(write(fd, buf, (size_t)n), n);
    char reply[64] = "";
    ssize_t got = read(fd, reply, sizeof(reply) - 1);
    close(fd);
    return got >= 3 && strncmp(reply, "+OK", 3) == 0;
}

static void redis_pause(int ms)
{
    char t[16];
    snprintf(t, sizeof(t), "%d", ms);
    const char *argv[] = {"CLIENT", "PAUSE", t, "ALL"};
    assert_true(redis_cmd(argv, 4));
}

static void redis_unpause(void)
{
    const char *argv[] = {"CLIENT", "UNPAUSE"};
    assert_true(redis_cmd(argv, 2));
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_signout_race(void **state)
{
    (void)state;
    th_user u;
    th_signup(s.auth[0], &u, "revoke-race");
    th_grant_roles(s.auth[0], s.admin.access, u.id, "[\"LEARNER\",\"AUTHOR\"]");
    for (int round = 0; round < SIGNOUT_ROUNDS; round++) {
        /* A fresh token, cached nowhere yet: the first requests on it read PostgreSQL and
         * store what they read, while the signout deletes it. */
        th_user t;
        th_signin_ok(s.auth[round % 2], &t, u.email, u.password);
        load l;
        pthread_t threads[HAMMERS];
        load_start(&l, threads, t.access);
        load_go(&l);
        th_expect(s.auth[round % 2], "DELETE", "/signout", t.access, NULL, 200, "signout success");
        int64_t done = mf_mono_ms();
        /* the load goes on after the answer: in-flight requests finish and try to cache */
        usleep(20000);
        load_stop(&l, threads);
        auth_refuses(t.access, "signout");
        blog_within(t.access, 401, done, "signout");
        th_user_release(&t);
    }
    th_user_release(&u);
}

static void test_role_removal_under_load(void **state)
{
    (void)state;
    th_user u;
    th_signup(s.auth[0], &u, "revoke-role");
    for (int round = 0; round < SIGNOUT_ROUNDS / 2; round++) {
        th_grant_roles(s.auth[round % 2], s.admin.access, u.id, "[\"LEARNER\",\"AUTHOR\"]");
        th_user t;
        th_signin_ok(s.auth[1 - round % 2], &t, u.email, u.password);
        load l;
        pthread_t threads[HAMMERS];
        load_start(&l, threads, t.access);
        load_go(&l);
        th_grant_roles(s.auth[round % 2], s.admin.access, u.id, "[\"LEARNER\"]");
        int64_t done = mf_mono_ms();
        usleep(20000);
        load_stop(&l, threads);
        for (int r = 0; r < 2; r++)
            for (int i = 0; i < 3; i++) {
                th_resp c = th_call(s.auth[r], "GET", "/profile/mine", t.access, NULL);
                th_expect_env(&c, 200, "success");
                json_t *roles = th_jget(th_data(&c), "roles");
                if (json_array_size(roles) != 1)
                    fail_msg("round %d: auth replica %d still shows the removed role: %s", round,
                             r + 1, c.body);
                assert_string_equal(th_jstr(roles, "0.code"), "LEARNER");
                th_resp_release(&c);
            }
        blog_within(t.access, 403, done, "role removal");
        th_user_release(&t);
    }
    th_user_release(&u);
}

static void test_signout_with_redis_paused(void **state)
{
    (void)state;
    th_user u;
    th_signup(s.auth[0], &u, "revoke-paused");
    /* cached on both replicas */
    for (int r = 0; r < 2; r++)
        th_expect(s.auth[r], "GET", "/profile/mine", u.access, NULL, 200, "success");
    redis_pause(3000);
    th_resp c = th_call(s.auth[0], "DELETE", "/signout", u.access, NULL);
    long status = c.status;
    /* Success only if it holds; with the cache paused it cannot be made to. */
    if (status == 200)
        th_expect_env(&c, 200, "signout success");
    else
        th_expect_env(&c, 503, "service unavailable");
    th_resp_release(&c);
    redis_unpause();
    if (status == 200)
        auth_refuses(u.access, "signout while Redis was paused");
    else
        refused_after_failed_revocation(0, u.access, "signout while Redis was paused");
    th_user_release(&u);
}

static void test_refresh_with_redis_paused(void **state)
{
    (void)state;
    th_user u;
    th_signup(s.auth[0], &u, "revoke-refresh");
    for (int r = 0; r < 2; r++)
        th_expect(s.auth[r], "GET", "/profile/mine", u.access, NULL, 200, "success");
    char *body = mf_asprintf("{\"refreshToken\":\"%s\"}", u.refresh);
    redis_pause(3000);
    th_resp c = th_call(s.auth[1], "POST", "/token/refresh", u.access, body);
    long first = c.status;
    if (first == 200)
        th_expect_env(&c, 200, "success");
    else
        th_expect_env(&c, 503, "service unavailable");
    th_resp_release(&c);
    redis_unpause();
    if (first != 200) {
        /* nothing was changed: the same pair refreshes now (once the replica has reconciled
         * its cache, which a revocation needs) */
        int64_t deadline = mf_mono_ms() + 5000;
        do {
            c = th_call(s.auth[1], "POST", "/token/refresh", u.access, body);
            if (c.status == 200 || mf_mono_ms() > deadline)
                break;
            th_expect_env(&c, 503, "service unavailable");
            th_resp_release(&c);
            usleep(50000);
        } while (true);
        th_expect_env(&c, 200, "success");
        th_resp_release(&c);
    }
    auth_refuses(u.access, "refresh while Redis was paused");
    free(body);
    th_user_release(&u);
}

static int group_setup(void **state)
{
    (void)state;
    if (th_own_stack_start(&s.stack, stack_vars, START_ATTEMPTS, STACK_START_MS) != 0)
        return -1;
    const char *ap = th_own_stack_get(&s.stack, "AUTH_PORTS");
    const char *bp = th_own_stack_get(&s.stack, "BLOG_PORTS");
    int a1 = 0, a2 = 0, b1 = 0, b2 = 0;
    if (!ap || !bp || sscanf(ap, "%d %d", &a1, &a2) != 2 || sscanf(bp, "%d %d", &b1, &b2) != 2)
        return -1;
    s.auth[0] = (th_api){.port = a1};
    s.auth[1] = (th_api){.port = a2};
    s.blog[0] = (th_api){.port = b1};
    s.blog[1] = (th_api){.port = b2};
    s.redis_port = atoi(th_own_stack_get(&s.stack, "REDIS_AUTH_PORT"));
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
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signout_race),
        cmocka_unit_test(test_role_removal_under_load),
        cmocka_unit_test(test_signout_with_redis_paused),
        cmocka_unit_test(test_refresh_with_redis_paused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
