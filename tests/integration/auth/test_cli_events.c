/* The CLI goes through the same operations as the HTTP API, events included: a user made by
 * create-admin is announced with user.created on JetStream (a durable consumer created
 * afterwards hears it), and with NATS unreachable create-admin still succeeds, at once, and
 * logs that the event was not sent. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/nats.h"

typedef struct {
    pthread_mutex_t mu;
    const char *want_id;
    bool created;
} seen_created;

static int on_event(const char *subject, json_t *data, const char *request_id, void *ctx)
{
    (void)request_id;
    seen_created *s = ctx;
    const char *id = th_jstr(data, "id");
    pthread_mutex_lock(&s->mu);
    if (id && strcmp(id, s->want_id) == 0 && strcmp(subject, "user.created") == 0)
        s->created = true;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static bool got_created(void *ctx)
{
    seen_created *s = ctx;
    pthread_mutex_lock(&s->mu);
    bool v = s->created;
    pthread_mutex_unlock(&s->mu);
    return v;
}

static void test_create_admin_publishes_user_created(void **state)
{
    (void)state;
    char *email = th_unique_email("cli-event");
    char *out = NULL;
    const char *args[] = {"create-admin", "--email", email,         "--password",
                          "admin-pw-1",   "--name",  "Cli Evented", NULL};
    assert_int_equal(th_service_run("auth", NULL, args, &out), 0);
    free(out);
    th_user a = {0};
    assert_int_equal(th_signin(th_api_auth(), &a, email, "admin-pw-1"), 200);

    seen_created s = {.want_id = a.id};
    pthread_mutex_init(&s.mu, NULL);
    mf_nats *nc = mf_nats_connect(th_stack("NATS_URL"), "auth-it-cli", NULL, NULL, 5000);
    assert_non_null(nc);
    char *hex = th_random_hex(8);
    char *durable = mf_asprintf("auth-it-cli-%s", hex);
    assert_int_equal(mf_js_consume(nc, "USERS", durable, "user.>", on_event, &s), 0);
    assert_true(th_poll(got_created, &s, 10000));
    mf_nats_free(nc);
    pthread_mutex_destroy(&s.mu);
    free(durable);
    free(hex);
    th_user_release(&a);
    free(email);
}

static void test_create_admin_without_nats(void **state)
{
    (void)state;
    char *email = th_unique_email("cli-no-nats");
    char *nats = mf_asprintf("NATS_URL=nats://127.0.0.1:%d", th_free_port());
    const char *env[] = {nats, NULL};
    const char *args[] = {"create-admin", "--email", email,         "--password",
                          "admin-pw-1",   "--name",  "Cli Offline", NULL};
    char *out = NULL;
    int64_t t0 = mf_mono_ms();
    assert_int_equal(th_service_run("auth", env, args, &out), 0);
    /* A short connect attempt and a few quick retries, never NATS's reconnect forever. */
    assert_true(mf_mono_ms() - t0 < 15000);
    assert_non_null(strstr(out, "user.created"));
    assert_non_null(strstr(out, "not published"));
    free(out);
    th_user a = {0};
    assert_int_equal(th_signin(th_api_auth(), &a, email, "admin-pw-1"), 200);
    th_user_release(&a);
    free(nats);
    free(email);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_admin_publishes_user_created),
        cmocka_unit_test(test_create_admin_without_nats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
