/* Session lifetime with a private instance configured for short tokens: an access token
 * stops working when it expires, refresh is refused once the refresh token expired, and the
 * cleanup thread deletes the expired keystore rows (checked with psql in the stack's
 * database). */
#include <sys/wait.h>
#include <unistd.h>

#include "auth_it.h"

static instance in;

static int stop_instance(void **state)
{
    (void)state;
    instance_stop(&in);
    return 0;
}

/* Number of keystore rows of user_id, through psql; -1 on failure. */
static long keystore_rows(const char *dir, const char *user_id)
{
    char *log = mf_asprintf("%s/psql.out", dir);
    char *sql = mf_asprintf("SELECT count(*) FROM keystore WHERE user_id = '%s'", user_id);
    const char *argv[] = {"psql", "-h",       "127.0.0.1", "-p",   th_stack("PG_PORT"),
                          "-U",   "postgres", "-d",        "auth", "-tAc",
                          sql,    NULL};
    unlink(log);
    pid_t pid = th_spawn(argv, log);
    int st = 0;
    long n = -1;
    if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        FILE *f = fopen(log, "r");
        if (f && fscanf(f, "%ld", &n) != 1)
            n = -1;
        if (f)
            fclose(f);
    }
    free(sql);
    free(log);
    return n;
}

typedef struct {
    const char *dir, *id;
    long want;
} rows_ctx;

static bool rows_equal(void *arg)
{
    rows_ctx *c = arg;
    return keystore_rows(c->dir, c->id) == c->want;
}

typedef struct {
    const char *token;
} tok_ctx;

static bool token_dead(void *arg)
{
    tok_ctx *c = arg;
    th_resp r;
    it_call_port(in.port, "GET", "/profile/mine", c->token, NULL, NULL, &r);
    bool dead = r.status == 401;
    th_resp_release(&r);
    return dead;
}

static void test_expiry_and_cleanup(void **state)
{
    (void)state;
    char *dir = th_tmpdir("auth-cleanup");
    const char *ov[] = {"ACCESS_TOKEN_VALIDITY_SEC=1", "REFRESH_TOKEN_VALIDITY_SEC=3",
                        "SESSION_CLEANUP_INTERVAL_S=1"};
    instance_start(&in, dir, ov, 3);

    it_user u;
    it_signup(&u, "cleanup"); /* through the stack's instance: a long-lived session */
    char *body = mf_asprintf("{\"email\":\"%s\",\"password\":\"%s\"}", u.email, u.password);
    th_resp r;
    it_call_port(in.port, "POST", "/signin/basic", NULL, NULL, body, &r);
    it_assert_envelope(&r, 200, "success");
    char *access = mf_strdup(it_str(it_data(&r), "tokens", "accessToken"));
    char *refresh = mf_strdup(it_str(it_data(&r), "tokens", "refreshToken"));
    th_resp_release(&r);
    assert_int_equal(keystore_rows(dir, u.id), 2);

    /* The access token dies by itself (cached or not). */
    tok_ctx tc = {access};
    assert_true(th_poll(token_dead, &tc, 5000));
    th_resp p;
    it_call_port(in.port, "GET", "/profile/mine", access, NULL, NULL, &p);
    it_assert_envelope(&p, 401, "permission denied: invalid access token");
    th_resp_release(&p);

    /* The short session's row is swept once expired; the sign-up session stays. */
    rows_ctx rc = {dir, u.id, 1};
    assert_true(th_poll(rows_equal, &rc, 10000));
    char *rb = mf_asprintf("{\"refreshToken\":\"%s\"}", refresh);
    it_call_port(in.port, "POST", "/token/refresh", access, NULL, rb, &r);
    it_assert_envelope(&r, 401, "permission denied: invalid refresh token");
    th_resp_release(&r);

    free(rb);
    free(access);
    free(refresh);
    free(body);
    it_user_release(&u);
    instance_stop(&in);
    th_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_expiry_and_cleanup, stop_instance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
