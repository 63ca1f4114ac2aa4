/* The NATS side of auth-service (API.md section 5): auth.authentication,
 * auth.authorization and auth.profile.user through mf_nats_request, their error envelopes,
 * and the user.created / user.updated events on JetStream, including delivery to a durable
 * consumer created after the event was published, also for a user made by the CLI. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/clock.h"
#include "micro/error.h"
#include "micro/jetstream.h"
#include "micro/nats.h"

static mf_nats *nc;

static int setup(void **state)
{
    (void)state;
    nc = mf_nats_connect(th_stack("NATS_URL"), "auth-it", NULL, NULL, 5000);
    assert_non_null(nc);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mf_nats_free(nc);
    return 0;
}

/* Sends json (JSON text) to subject; returns the mf_nats_request code. */
static int request(const char *subject, const char *json, json_t **reply, int *status, char **err)
{
    json_t *data = json_loads(json, 0, NULL);
    assert_non_null(data);
    *reply = NULL;
    *err = NULL;
    *status = 0;
    int rc = mf_nats_request(nc, subject, data, 5000, "it-req-1", reply, status, err);
    json_decref(data);
    return rc;
}

/* The reply of a request that must succeed (caller decrefs). */
static json_t *expect_reply(const char *subject, const char *json)
{
    json_t *reply;
    int status;
    char *err;
    int rc = request(subject, json, &reply, &status, &err);
    if (rc != 0)
        fail_msg("%s %s: expected a reply, got %d (%d %s)", subject, json, rc, status,
                 err ? err : "");
    return reply;
}

static void expect_error(const char *subject, const char *json, int st, const char *msg)
{
    json_t *reply;
    int status;
    char *err;
    int rc = request(subject, json, &reply, &status, &err);
    if (rc != MF_ERR_REMOTE)
        fail_msg("%s %s: expected remote error, got %d", subject, json, rc);
    assert_int_equal(status, st);
    assert_string_equal(err, msg);
    free(err);
}

static void test_authentication(void **state)
{
    (void)state;
    th_user u;
    th_signup(th_api_auth(), &u, "nats-authn");
    char *req = mf_asprintf("{\"value\":\"Bearer %s\"}", u.access);
    json_t *reply = expect_reply("auth.authentication", req);
    assert_string_equal(th_jstr(reply, "id"), u.id);
    assert_string_equal(th_jstr(reply, "email"), u.email);
    assert_string_equal(th_jstr(reply, "roles.0.code"), "LEARNER");
    json_decref(reply);

    expect_error("auth.authentication", "{}", 401, "permission denied: missing Authorization");
    expect_error("auth.authentication", "{\"value\":\"\"}", 401,
                 "permission denied: missing Authorization");
    expect_error("auth.authentication", "{\"value\":\"Token x\"}", 401,
                 "permission denied: invalid Authorization");
    expect_error("auth.authentication", "{\"value\":\"Bearer a.b.c\"}", 401,
                 "permission denied: invalid access token");
    expect_error("auth.authentication", "{\"value\":42}", 401,
                 "permission denied: missing Authorization");
    /* After signout the same value is refused. */
    th_expect(th_api_auth(), "DELETE", "/signout", u.access, NULL, 200, "signout success");
    expect_error("auth.authentication", req, 401, "permission denied: invalid access token");
    free(req);
    th_user_release(&u);
}

static void test_authorization(void **state)
{
    (void)state;
    th_user u;
    th_signup(th_api_auth(), &u, "nats-authz");
    char *ok = mf_asprintf("{\"user\":{\"id\":\"%s\"},\"roles\":[\"EDITOR\",\"LEARNER\"]}", u.id);
    json_t *reply = expect_reply("auth.authorization", ok);
    assert_string_equal(th_jstr(reply, "id"), u.id);
    assert_non_null(json_object_get(reply, "roles"));
    json_decref(reply);
    free(ok);

    char *none = mf_asprintf("{\"user\":{\"id\":\"%s\"},\"roles\":[]}", u.id);
    expect_error("auth.authorization", none, 403, "permission denied: role missing");
    free(none);
    char *insufficient = mf_asprintf("{\"user\":{\"id\":\"%s\"},\"roles\":[\"ADMIN\"]}", u.id);
    expect_error("auth.authorization", insufficient, 403,
                 "permission denied: does not have suffient role");
    free(insufficient);
    expect_error(
        "auth.authorization",
        "{\"user\":{\"id\":\"0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a\"},\"roles\":[\"LEARNER\"]}", 401,
        "permission denied: invalid access token");
    expect_error("auth.authorization", "{\"user\":{},\"roles\":[\"LEARNER\"]}", 401,
                 "permission denied: invalid access token");
    th_user_release(&u);
}

static void test_profile_user(void **state)
{
    (void)state;
    th_user u;
    th_signup(th_api_auth(), &u, "nats-profile");
    char *req = mf_asprintf("{\"value\":\"%s\"}", u.id);
    json_t *reply = expect_reply("auth.profile.user", req);
    assert_string_equal(th_jstr(reply, "id"), u.id);
    assert_string_equal(th_jstr(reply, "name"), "Test nats-profile");
    assert_null(json_object_get(reply, "email"));
    assert_null(json_object_get(reply, "roles"));
    json_decref(reply);
    free(req);
    expect_error("auth.profile.user", "{\"value\":\"nope\"}", 400, "id must be a valid UUID");
    expect_error("auth.profile.user", "{}", 400, "id must be a valid UUID");
    expect_error("auth.profile.user", "{\"value\":\"0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a\"}", 404,
                 "user does not exists");
    th_user_release(&u);
}

/* Events seen by a test consumer. */
typedef struct {
    pthread_mutex_t mu;
    const char *want_id;
    bool created, updated, email_leaked;
    char *updated_name;
} seen_events;

static int on_event(const char *subject, json_t *data, const char *request_id, void *ctx)
{
    (void)request_id;
    seen_events *s = ctx;
    const char *id = th_jstr(data, "id");
    pthread_mutex_lock(&s->mu);
    if (id && strcmp(id, s->want_id) == 0) {
        if (strcmp(subject, "user.created") == 0)
            s->created = true;
        if (strcmp(subject, "user.updated") == 0) {
            s->updated = true;
            free(s->updated_name);
            s->updated_name = mf_strdup(th_jstr(data, "name"));
        }
        /* UserPublic only: no email in events (asserted on the test thread). */
        if (json_object_get(data, "email"))
            s->email_leaked = true;
    }
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static bool got_created(void *ctx)
{
    seen_events *s = ctx;
    pthread_mutex_lock(&s->mu);
    bool v = s->created;
    pthread_mutex_unlock(&s->mu);
    return v;
}

static bool got_updated(void *ctx)
{
    seen_events *s = ctx;
    pthread_mutex_lock(&s->mu);
    bool v = s->updated;
    pthread_mutex_unlock(&s->mu);
    return v;
}

static void test_events_durable(void **state)
{
    (void)state;
    /* The event is published while no consumer of ours exists... */
    th_user u;
    th_signup(th_api_auth(), &u, "events");
    seen_events s = {.want_id = u.id};
    pthread_mutex_init(&s.mu, NULL);
    /* ...and delivered to a durable consumer created afterwards. */
    mf_nats *c2 = mf_nats_connect(th_stack("NATS_URL"), "auth-it-events", NULL, NULL, 5000);
    assert_non_null(c2);
    char *hex = th_random_hex(8);
    char *durable = mf_asprintf("auth-it-%s", hex);
    assert_int_equal(mf_js_consume(c2, "USERS", durable, "user.>", on_event, &s), 0);
    assert_true(th_poll(got_created, &s, 10000));

    th_expect(th_api_auth(), "PUT", "/profile/mine", u.access, "{\"name\":\"Evented Name\"}", 200,
              "profile updated successfully");
    assert_true(th_poll(got_updated, &s, 10000));
    pthread_mutex_lock(&s.mu);
    assert_string_equal(s.updated_name, "Evented Name");
    assert_false(s.email_leaked);
    pthread_mutex_unlock(&s.mu);
    mf_nats_free(c2);
    free(s.updated_name);
    pthread_mutex_destroy(&s.mu);
    free(durable);
    free(hex);
    th_user_release(&u);
}

/* The CLI goes through the same operations as sign-up: create-admin announces its user. */
static void test_cli_admin_created_event(void **state)
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
    seen_events s = {.want_id = a.id};
    pthread_mutex_init(&s.mu, NULL);
    char *hex = th_random_hex(8);
    char *durable = mf_asprintf("auth-it-cli-%s", hex);
    mf_nats *c2 = mf_nats_connect(th_stack("NATS_URL"), "auth-it-cli", NULL, NULL, 5000);
    assert_non_null(c2);
    assert_int_equal(mf_js_consume(c2, "USERS", durable, "user.>", on_event, &s), 0);
    assert_true(th_poll(got_created, &s, 10000));
    pthread_mutex_lock(&s.mu);
    assert_false(s.email_leaked);
    pthread_mutex_unlock(&s.mu);
    mf_nats_free(c2);
    free(s.updated_name);
    pthread_mutex_destroy(&s.mu);
    free(durable);
    free(hex);
    th_user_release(&a);
    free(email);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authentication),
        cmocka_unit_test(test_authorization),
        cmocka_unit_test(test_profile_user),
        cmocka_unit_test(test_events_durable),
        cmocka_unit_test(test_cli_admin_created_event),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
