/* Dependency outages, each with a private auth-service instance started from the stack's env
 * file (the shared stack's servers are never stopped):
 *   - Redis unreachable: sign-in, authenticated requests and API keys still work from
 *     PostgreSQL; a signout ends the session there but, its revocation not being able to
 *     reach the cache, answers 503 (API.md "Revocation guarantees"), and the token is refused
 *     all the same; health reports redis DOWN with 503.
 *   - PostgreSQL stopped (a private cluster): requests answer 503 "service unavailable",
 *     never 500; health names postgres; when it is back, requests work again. */
#include <glob.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"

#define RUN_TIMEOUT_MS 60000

/* What a test started, stopped by the teardown also when an assertion failed (the
 * postgres child changes uid, which clears its parent-death signal). */
static th_instance in;

static int stop_instance(void **state)
{
    (void)state;
    th_instance_stop(&in);
    return 0;
}

static void test_redis_down(void **state)
{
    (void)state;
    char *redis = mf_asprintf("REDIS_PORT=%d", th_free_port());
    const char *ov[] = {redis, NULL};
    th_instance_start(&in, "auth", ov);

    th_resp r = th_call(in.api, "GET", "/health", NULL, NULL);
    th_expect_health_env(&r, 503, "service unavailable");
    json_t *d = th_data(&r);
    assert_string_equal(th_jstr(d, "status"), "DOWN");
    assert_string_equal(th_jstr(d, "checks.redis"), "DOWN");
    assert_string_equal(th_jstr(d, "checks.postgres"), "UP");
    th_resp_release(&r);

    /* A user made through the shared instance signs in through this one. */
    th_user u, s;
    th_signup(th_api_auth(), &u, "noredis");
    th_signin_ok(in.api, &s, u.email, u.password);
    for (int i = 0; i < 2; i++) {
        r = th_call(in.api, "GET", "/profile/mine", s.access, NULL);
        th_expect_env(&r, 200, "success");
        assert_string_equal(th_jstr(th_data(&r), "id"), u.id);
        th_resp_release(&r);
    }
    th_expect(th_api_with_key(in.api, th_stack("DEV_API_KEY")), "GET", "/verify/apikey", NULL, NULL,
              200, "success");
    th_expect(th_api_with_key(in.api, "wrong"), "GET", "/verify/apikey", NULL, NULL, 403,
              "permission denied: invalid x-api-key");
    th_expect(in.api, "DELETE", "/signout", s.access, NULL, 503, "service unavailable");
    th_expect(in.api, "GET", "/profile/mine", s.access, NULL, 401,
              "permission denied: invalid access token");

    th_instance_stop(&in);
    free(redis);
    th_user_release(&s);
    th_user_release(&u);
}

/* ---- a private PostgreSQL ---- */

static char *pg_bin(const char *name)
{
    char *pattern = mf_asprintf("/usr/lib/postgresql/*/bin/%s", name);
    glob_t g;
    char *res = NULL;
    if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0)
        res = mf_strdup(g.gl_pathv[g.gl_pathc - 1]);
    else
        res = mf_strdup(name);
    globfree(&g);
    free(pattern);
    return res;
}

/* argv with "setpriv" prepended when root (PostgreSQL refuses to run as root). */
static pid_t pg_spawn(const char *const *args, const char *log)
{
    const char *argv[24];
    int a = 0;
    if (geteuid() == 0) {
        const char *pre[] = {"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
                             "--"};
        for (size_t i = 0; i < 5; i++)
            argv[a++] = pre[i];
    }
    for (int i = 0; args[i] && a < 23; i++)
        argv[a++] = args[i];
    argv[a] = NULL;
    return th_spawn(argv, log);
}

typedef struct {
    pid_t pid;
    int port;
    char *data, *sock, *log;
} private_pg;

static void pg_start(private_pg *pg)
{
    char *postgres = pg_bin("postgres");
    char *port = mf_asprintf("%d", pg->port);
    const char *args[] = {postgres, "-D", pg->data, "-h", "127.0.0.1", "-p",
                          port,     "-k", pg->sock, "-c", "fsync=off", NULL};
    pg->pid = pg_spawn(args, pg->log);
    assert_true(pg->pid > 0);
    assert_int_equal(th_wait_port(pg->port, 30000), 0);
    free(port);
    free(postgres);
}

static void pg_init(private_pg *pg, const char *dir)
{
    pg->data = mf_asprintf("%s/data", dir);
    pg->sock = mf_strdup(dir);
    pg->log = mf_asprintf("%s/pg.log", dir);
    pg->port = th_free_port();
    if (geteuid() == 0) {
        /* initdb runs as the postgres user and creates the data dir inside dir. */
        struct passwd *pw = getpwnam("postgres");
        assert_non_null(pw);
        assert_int_equal(chown(dir, pw->pw_uid, pw->pw_gid), 0);
    }
    char *initdb = pg_bin("initdb");
    const char *args[] = {initdb,         "-D", pg->data, "-U",          "postgres",
                          "--auth=trust", "-E", "UTF8",   "--no-locale", NULL};
    pid_t p = pg_spawn(args, pg->log);
    assert_true(p > 0);
    if (th_wait_exit(p, RUN_TIMEOUT_MS) != 0)
        fail_msg("initdb failed (log %s)", pg->log);
    free(initdb);
    pg_start(pg);
}

static private_pg pg;

/* SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for the pool's sessions to end. */
static void pg_stop(private_pg *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGINT);
        th_stop(p->pid, 10000);
    }
    p->pid = 0;
}

static void pg_release(private_pg *p)
{
    pg_stop(p);
    free(p->data);
    free(p->sock);
    free(p->log);
    memset(p, 0, sizeof(*p));
}

static int stop_all(void **state)
{
    stop_instance(state);
    pg_release(&pg);
    return 0;
}

/* Two replicas migrating a fresh database at the same moment: the advisory lock serialises
 * them, so both succeed (without it one fails on "relation already exists"). */
static void migrate_twice_at_once(const char *dir, const char *const *env)
{
    const char *args[] = {"migrate", NULL};
    char *log1 = mf_asprintf("%s/migrate1.log", dir), *log2 = mf_asprintf("%s/migrate2.log", dir);
    pid_t p1 = th_service_spawn("auth", env, args, log1);
    pid_t p2 = th_service_spawn("auth", env, args, log2);
    assert_true(p1 > 0 && p2 > 0);
    int s1 = th_wait_exit(p1, RUN_TIMEOUT_MS);
    int s2 = th_wait_exit(p2, RUN_TIMEOUT_MS);
    if (s1 != 0 || s2 != 0)
        fail_msg("concurrent migrate failed (logs %s, %s)", log1, log2);
    free(log1);
    free(log2);
}

static bool signin_works(void *body)
{
    return th_status(in.api, "POST", "/signin/basic", NULL, body) == 200;
}

static void test_postgres_down(void **state)
{
    (void)state;
    char *dir = th_tmpdir("auth-nopg");
    chmod(dir, 0755);
    pg_init(&pg, dir);
    char *dbport = mf_asprintf("DB_PORT=%d", pg.port);
    const char *ov[] = {dbport, "DB_NAME=postgres", NULL};
    migrate_twice_at_once(dir, ov);
    th_instance_start(&in, "auth", ov);

    const char *signin = "{\"email\":\"pgdown@example.com\",\"password\":\"secret1\"}";
    th_user u;
    th_signup_as(in.api, &u, "pgdown@example.com", "secret1", "Pg Down");

    pg_stop(&pg);
    const char *msg = "service unavailable";
    th_expect(in.api, "POST", "/signin/basic", NULL, signin, 503, msg);
    th_expect(in.api, "POST", "/signup/basic", NULL,
              "{\"email\":\"pgdown2@example.com\",\"password\":\"secret1\",\"name\":\"Pg\"}", 503,
              msg);
    char *path = mf_asprintf("/profile/id/%s", u.id);
    th_expect(in.api, "GET", path, NULL, NULL, 503, msg);
    th_expect(th_api_with_key(in.api, "never-seen-key"), "GET", "/verify/apikey", NULL, NULL, 503,
              msg);
    th_resp r = th_call(in.api, "GET", "/health", NULL, NULL);
    th_expect_health_env(&r, 503, "service unavailable");
    assert_string_equal(th_jstr(th_data(&r), "checks.postgres"), "DOWN");
    th_resp_release(&r);
    /* After that run of failures the pool's breaker is open: 503 at once, no connect wait. */
    for (int i = 0; i < 5; i++)
        th_expect(in.api, "GET", path, NULL, NULL, 503, msg);
    int64_t t0 = mf_mono_ms();
    th_expect(in.api, "GET", path, NULL, NULL, 503, msg);
    int64_t took = mf_mono_ms() - t0;
    if (took > 100)
        fail_msg("with PostgreSQL down and the breaker open, a request took %lld ms",
                 (long long)took);
    r = th_call(in.api, "GET", "/health", NULL, NULL);
    assert_string_equal(th_jstr(th_data(&r), "breakers.postgres"), "open");
    th_resp_release(&r);

    /* Back up: the pool reconnects by itself (PostgreSQL accepts TCP a moment before it
     * accepts sessions, so poll). */
    pg_start(&pg);
    assert_true(th_poll(signin_works, (void *)signin, 15000));
    th_expect(in.api, "GET", path, NULL, NULL, 200, "success");

    th_instance_stop(&in);
    pg_release(&pg);
    free(path);
    th_user_release(&u);
    free(dbport);
    th_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_redis_down, stop_instance),
        cmocka_unit_test_teardown(test_postgres_down, stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
