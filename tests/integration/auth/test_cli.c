/* auth-service subcommands and start-up checks, run against the stack's database with the
 * stack's env file: create-apikey (printed once, verifies), disable-apikey (refused at once,
 * although the key was cached), create-admin (can grant roles), seed-dev and migrate
 * (idempotent), bad usage (exit 2), refusing to start without readable keys (exit 2), and
 * create-admin with NATS unreachable (still done, at once; its user.created waits in the
 * outbox and the stack's serving auth-service relays it). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "api.h"
#include "harness.h"
#include "micro/jetstream.h"
#include "micro/nats.h"
#include "micro/alloc.h"
#include "micro/clock.h"

static long verify_key(const char *key)
{
    return th_status(th_api_with_key(th_api_auth(), key), "GET", "/verify/apikey", NULL, NULL);
}

static void test_create_and_disable_apikey(void **state)
{
    (void)state;
    char *out = NULL;
    const char *args[] = {"create-apikey", "--comment", "integration test", NULL};
    assert_int_equal(th_service_run("auth", NULL, args, &out), 0);
    char *key = th_find_apikey(out);
    if (!key)
        fail_msg("no key printed: %s", out);
    free(out);
    assert_int_equal(verify_key(key), 200);
    assert_int_equal(verify_key(key), 200); /* cached now */
    const char *dis[] = {"disable-apikey", key, NULL};
    assert_int_equal(th_service_run("auth", NULL, dis, &out), 0);
    free(out);
    assert_int_equal(verify_key(key), 403);
    /* Unknown key: failure exit, nothing printed about the key itself. */
    const char *unknown[] = {"disable-apikey", "no-such-key", NULL};
    assert_int_equal(th_service_run("auth", NULL, unknown, &out), 1);
    assert_non_null(strstr(out, "unknown key"));
    free(out);
    free(key);
}

static void test_create_admin(void **state)
{
    (void)state;
    char *email = th_unique_email("cli-admin");
    char *out = NULL;
    const char *args[] = {"create-admin", "--email", email,       "--password",
                          "admin-pw-1",   "--name",  "Cli Admin", NULL};
    assert_int_equal(th_service_run("auth", NULL, args, &out), 0);
    free(out);
    /* Twice: the email is taken. */
    assert_int_equal(th_service_run("auth", NULL, args, &out), 1);
    assert_non_null(strstr(out, "user already registered"));
    free(out);
    th_user a = {0};
    assert_int_equal(th_signin(th_api_auth(), &a, email, "admin-pw-1"), 200);
    th_user u;
    th_signup(th_api_auth(), &u, "granted");
    th_grant_roles(th_api_auth(), a.access, u.id, "[\"AUTHOR\"]");
    /* Bad arguments: usage error. */
    const char *bad[] = {"create-admin", "--email", "nope", NULL};
    assert_int_equal(th_service_run("auth", NULL, bad, &out), 2);
    assert_non_null(strstr(out, "email is not a valid email"));
    free(out);
    th_user_release(&u);
    th_user_release(&a);
    free(email);
}

static void test_seed_and_migrate_idempotent(void **state)
{
    (void)state;
    char *out = NULL;
    const char *seed[] = {"seed-dev", NULL};
    const char *migrate[] = {"migrate", NULL};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(th_service_run("auth", NULL, seed, &out), 0);
        free(out);
        assert_int_equal(th_service_run("auth", NULL, migrate, &out), 0);
        free(out);
    }
    th_user admin;
    th_signin_admin(th_api_auth(), &admin);
    th_resp r = th_call(th_api_auth(), "GET", "/profile/mine", admin.access, NULL);
    assert_int_equal(json_array_size(th_jget(th_data(&r), "roles")), 4);
    th_resp_release(&r);
    th_user_release(&admin);
    assert_int_equal(verify_key(th_stack("DEV_API_KEY")), 200);
    const char *unknown[] = {"frobnicate", NULL};
    assert_int_equal(th_service_run("auth", NULL, unknown, &out), 2);
    free(out);
}

static void test_refuses_to_start_without_keys(void **state)
{
    (void)state;
    char *out = NULL;
    char *port = mf_asprintf("PORT=%d", th_free_port());
    const char *env1[] = {port, "RSA_PRIVATE_KEY_PATH=/nonexistent/private.pem", NULL};
    assert_int_equal(th_service_run("auth", env1, NULL, &out), 2);
    assert_non_null(strstr(out, "RSA_PRIVATE_KEY_PATH"));
    free(out);
    /* A readable file that is not a key. */
    const char *env2[] = {port, "RSA_PUBLIC_KEY_PATH=/etc/hostname", NULL};
    assert_int_equal(th_service_run("auth", env2, NULL, &out), 2);
    assert_non_null(strstr(out, "RSA_PUBLIC_KEY_PATH"));
    free(out);
    free(port);
}

typedef struct {
    pthread_mutex_t mu;
    const char *want_id;
    bool created;
} seen_created;

static int on_created(const char *subject, json_t *data, const char *request_id, void *ctx)
{
    (void)subject;
    (void)request_id;
    seen_created *s = ctx;
    const char *id = th_jstr(data, "id");
    pthread_mutex_lock(&s->mu);
    if (id && strcmp(id, s->want_id) == 0)
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
    /* A short connect attempt and a few quick retries, never NATS's endless reconnecting. */
    assert_true(mf_mono_ms() - t0 < 15000);
    /* the event is not lost: it waits in the outbox, and the stack's serving auth-service
     * relays it to the stack's NATS */
    assert_non_null(strstr(out, "outbox"));
    free(out);
    th_user a = {0};
    assert_int_equal(th_signin(th_api_auth(), &a, email, "admin-pw-1"), 200);
    seen_created s = {.want_id = a.id};
    pthread_mutex_init(&s.mu, NULL);
    char *hex = th_random_hex(8);
    char *durable = mf_asprintf("auth-it-cli-offline-%s", hex);
    mf_nats *nc = mf_nats_connect(th_stack("NATS_URL"), "auth-it-cli-offline", NULL, NULL, 5000);
    assert_non_null(nc);
    assert_int_equal(mf_js_consume(nc, "USERS", durable, "user.created", on_created, &s), 0);
    assert_true(th_poll(got_created, &s, 10000));
    mf_nats_free(nc);
    pthread_mutex_destroy(&s.mu);
    free(durable);
    free(hex);
    th_user_release(&a);
    free(nats);
    free(email);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_disable_apikey),
        cmocka_unit_test(test_create_admin),
        cmocka_unit_test(test_seed_and_migrate_idempotent),
        cmocka_unit_test(test_refuses_to_start_without_keys),
        cmocka_unit_test(test_create_admin_without_nats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
