/* Concurrency: 20 parallel sign-ups with one email give exactly one 200 and 400 "user
 * already registered" for all others (never a 500); concurrent refreshes of one pair give
 * exactly one new session. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "api.h"
#include "micro/alloc.h"

#define N 20

typedef struct {
    const char *path;
    const char *auth;
    const char *body;
    pthread_barrier_t *start;
    long status;
    char *message;
} job;

static void *run(void *arg)
{
    job *j = arg;
    pthread_barrier_wait(j->start);
    th_resp r = th_call(th_api_auth(), "POST", j->path, j->auth, j->body);
    j->status = r.status;
    const char *m = r.json ? json_string_value(json_object_get(r.json, "message")) : NULL;
    j->message = mf_strdup(m ? m : "(no envelope)");
    th_resp_release(&r);
    return NULL;
}

/* Runs n copies of the request at once; counts the 200s and checks every other answer. */
static int race(const char *path, const char *auth, const char *body, int n, long other_status,
                const char *other_msg)
{
    pthread_t th[N];
    job jobs[N];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        jobs[i] = (job){.path = path, .auth = auth, .body = body, .start = &start};
        assert_int_equal(pthread_create(&th[i], NULL, run, &jobs[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < n; i++) {
        if (jobs[i].status == 200) {
            ok++;
        } else {
            if (jobs[i].status != other_status || strcmp(jobs[i].message, other_msg) != 0)
                fail_msg("unexpected answer %ld %s", jobs[i].status, jobs[i].message);
        }
        free(jobs[i].message);
    }
    pthread_barrier_destroy(&start);
    return ok;
}

static void test_parallel_signups_same_email(void **state)
{
    (void)state;
    char *email = th_unique_email("race");
    char *body =
        mf_asprintf("{\"email\":\"%s\",\"password\":\"secret1\",\"name\":\"Racer\"}", email);
    assert_int_equal(race("/signup/basic", NULL, body, N, 400, "user already registered"), 1);
    /* And the one account works. */
    th_user u = {0};
    assert_int_equal(th_signin(th_api_auth(), &u, email, "secret1"), 200);
    th_user_release(&u);
    free(body);
    free(email);
}

static void test_parallel_refresh_same_pair(void **state)
{
    (void)state;
    th_user u;
    th_signup(th_api_auth(), &u, "refresh-race");
    char *body = mf_asprintf("{\"refreshToken\":\"%s\"}", u.refresh);
    assert_int_equal(
        race("/token/refresh", u.access, body, 8, 401, "permission denied: invalid refresh token"),
        1);
    free(body);
    th_user_release(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_signups_same_email),
        cmocka_unit_test(test_parallel_refresh_same_pair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
