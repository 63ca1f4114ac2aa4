/* Session lifetime with a private instance configured for short tokens: an access token
 * stops working when it expires, refresh is refused once the refresh token expired, and the
 * cleanup thread deletes the expired keystore rows (checked with psql in the stack's
 * database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"

static th_instance in;

static int stop_instance(void **state)
{
    (void)state;
    th_instance_stop(&in);
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
    long n = -1;
    char *out = th_run(argv, log, 30000) == 0 ? th_read_file(log) : NULL;
    if (out == NULL || sscanf(out, "%ld", &n) != 1)
        n = -1;
    free(out);
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

static bool token_dead(void *token)
{
    return th_status(in.api, "GET", "/profile/mine", token, NULL) == 401;
}

static void test_expiry_and_cleanup(void **state)
{
    (void)state;
    char *dir = th_tmpdir("auth-cleanup");
    const char *ov[] = {"ACCESS_TOKEN_VALIDITY_SEC=1", "REFRESH_TOKEN_VALIDITY_SEC=3",
                        "SESSION_CLEANUP_INTERVAL_S=1", NULL};
    th_instance_start(&in, "auth", ov);

    th_user u;
    th_signup(th_api_auth(), &u,
              "cleanup"); /* through the stack's instance: a long-lived session */
    th_user s;
    th_signin_ok(in.api, &s, u.email, u.password);
    assert_int_equal(keystore_rows(dir, u.id), 2);

    /* The access token dies by itself (cached or not). */
    assert_true(th_poll(token_dead, s.access, 5000));
    th_expect(in.api, "GET", "/profile/mine", s.access, NULL, 401,
              "permission denied: invalid access token");

    /* The short session's row is swept once expired; the sign-up session stays. */
    rows_ctx rc = {dir, u.id, 1};
    assert_true(th_poll(rows_equal, &rc, 10000));
    char *rb = mf_asprintf("{\"refreshToken\":\"%s\"}", s.refresh);
    th_expect(in.api, "POST", "/token/refresh", s.access, rb, 401,
              "permission denied: invalid refresh token");

    free(rb);
    th_user_release(&s);
    th_user_release(&u);
    th_instance_stop(&in);
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
