/* Dependency outages, each with a private auth-service instance started from the stack's env
 * file (the shared stack's servers are never stopped):
 *   - Redis unreachable: sign-in, authenticated requests, API keys and signout still work
 *     from PostgreSQL; health reports redis DOWN with 503.
 *   - PostgreSQL stopped (a private cluster): requests answer 503 "service unavailable",
 *     never 500; health names postgres; when it is back, requests work again. */
#include <glob.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth_it.h"

/* What a test started, stopped by the teardown also when an assertion failed (the
 * postgres child changes uid, which clears its parent-death signal). */
static instance in;

static int stop_instance(void **state)
{
    (void)state;
    instance_stop(&in);
    return 0;
}

static void test_redis_down(void **state)
{
    (void)state;
    char *dir = th_tmpdir("auth-noredis");
    char *redis = mf_asprintf("REDIS_PORT=%d", th_free_port());
    const char *ov[] = {redis};
    instance_start(&in, dir, ov, 1);

    th_resp r;
    it_call_port(in.port, "GET", "/health", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 503);
    json_t *d = it_data(&r);
    assert_string_equal(it_str(d, "status", NULL), "DOWN");
    assert_string_equal(it_str(d, "checks", "redis"), "DOWN");
    assert_string_equal(it_str(d, "checks", "postgres"), "UP");
    th_resp_release(&r);

    /* A user made through the shared instance signs in through this one. */
    it_user u;
    it_signup(&u, "noredis");
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", u.email, u.password);
    it_call_port(in.port, "POST", "/signin/basic", NULL, NULL, body, &r);
    it_assert_envelope(&r, 200, "success");
    char *access = mf_strdup(it_str(it_data(&r), "tokens", "accessToken"));
    th_resp_release(&r);
    for (int i = 0; i < 2; i++) {
        it_call_port(in.port, "GET", "/profile/mine", access, NULL, NULL, &r);
        it_assert_envelope(&r, 200, "success");
        assert_string_equal(it_str(it_data(&r), "id", NULL), u.id);
        th_resp_release(&r);
    }
    char *key = mf_asprintf("x-api-key: %s", th_stack("DEV_API_KEY"));
    it_call_port(in.port, "GET", "/verify/apikey", NULL, key, NULL, &r);
    it_assert_envelope(&r, 200, "success");
    th_resp_release(&r);
    it_call_port(in.port, "GET", "/verify/apikey", NULL, "x-api-key: wrong", NULL, &r);
    it_assert_envelope(&r, 403, "permission denied: invalid x-api-key");
    th_resp_release(&r);
    it_call_port(in.port, "DELETE", "/signout", access, NULL, NULL, &r);
    it_assert_envelope(&r, 200, "signout success");
    th_resp_release(&r);
    it_call_port(in.port, "GET", "/profile/mine", access, NULL, NULL, &r);
    it_assert_envelope(&r, 401, "permission denied: invalid access token");
    th_resp_release(&r);

    instance_stop(&in);
    free(key);
    free(access);
    free(body);
    free(redis);
    it_user_release(&u);
    th_rmrf(dir);
    free(dir);
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
    int st = 0;
    assert_true(p > 0);
    waitpid(p, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
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

static void expect_503(int port, const char *method, const char *path, const char *auth,
                       const char *extra, const char *body)
{
    th_resp r;
    it_call_port(port, method, path, auth, extra, body, &r);
    it_assert_envelope(&r, 503, "service unavailable");
    th_resp_release(&r);
}

/* Two replicas migrating a fresh database at the same moment: the advisory lock serialises
 * them, so both succeed (without it one fails on "relation already exists"). */
static void migrate_twice_at_once(const char *dir, const char *dbport)
{
    char *bin = auth_bin();
    char *envf = mf_asprintf("ENV_FILE=%s", th_stack("AUTH_ENV_FILE"));
    const char *argv[] = {"env", envf, dbport, "DB_NAME=postgres", bin, "migrate", NULL};
    char *log1 = mf_asprintf("%s/migrate1.log", dir), *log2 = mf_asprintf("%s/migrate2.log", dir);
    pid_t p1 = th_spawn(argv, log1), p2 = th_spawn(argv, log2);
    assert_true(p1 > 0 && p2 > 0);
    int s1 = 0, s2 = 0;
    waitpid(p1, &s1, 0);
    waitpid(p2, &s2, 0);
    if (!WIFEXITED(s1) || WEXITSTATUS(s1) != 0 || !WIFEXITED(s2) || WEXITSTATUS(s2) != 0)
        fail_msg("concurrent migrate failed (logs %s, %s)", log1, log2);
    free(log1);
    free(log2);
    free(envf);
    free(bin);
}

static bool signin_works(void *body)
{
    th_resp r;
    it_call_port(in.port, "POST", "/signin/basic", NULL, NULL, body, &r);
    bool ok = r.status == 200;
    th_resp_release(&r);
    return ok;
}

static void test_postgres_down(void **state)
{
    (void)state;
    char *dir = th_tmpdir("auth-nopg");
    chmod(dir, 0755);
    pg_init(&pg, dir);
    char *dbport = mf_asprintf("DB_PORT=%d", pg.port);
    const char *ov[] = {dbport, "DB_NAME=postgres"};
    migrate_twice_at_once(dir, dbport);
    instance_start(&in, dir, ov, 2);

    const char *signup = "{\"email\":\"pgdown@example.com\",\"password\":\"secret1\","
                         "\"name\":\"Pg Down\"}";
    const char *signin = "{\"email\":\"pgdown@example.com\",\"password\":\"secret1\"}";
    th_resp r;
    it_call_port(in.port, "POST", "/signup/basic", NULL, NULL, signup, &r);
    it_assert_envelope(&r, 200, "success");
    char *access = mf_strdup(it_str(it_data(&r), "tokens", "accessToken"));
    char *id = mf_strdup(it_str(it_data(&r), "user", "id"));
    th_resp_release(&r);

    pg_stop(&pg);
    expect_503(in.port, "POST", "/signin/basic", NULL, NULL, signin);
    expect_503(in.port, "POST", "/signup/basic", NULL, NULL,
               "{\"email\":\"pgdown2@example.com\",\"password\":\"secret1\",\"name\":\"Pg\"}");
    char *path = mf_asprintf("/profile/id/%s", id);
    expect_503(in.port, "GET", path, NULL, NULL, NULL);
    expect_503(in.port, "GET", "/verify/apikey", NULL, "x-api-key: never-seen-key", NULL);
    it_call_port(in.port, "GET", "/health", NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 503);
    assert_string_equal(it_str(it_data(&r), "checks", "postgres"), "DOWN");
    th_resp_release(&r);

    /* Back up: the pool reconnects by itself (PostgreSQL accepts TCP a moment before it
     * accepts sessions, so poll). */
    pg_start(&pg);
    assert_true(th_poll(signin_works, (void *)signin, 15000));
    it_call_port(in.port, "GET", path, NULL, NULL, NULL, &r);
    it_assert_envelope(&r, 200, "success");
    th_resp_release(&r);

    instance_stop(&in);
    pg_release(&pg);
    free(path);
    free(id);
    free(access);
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
