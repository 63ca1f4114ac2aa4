/* No lost events (API.md section 5): user events are written to the outbox in the transaction
 * of the change and relayed to JetStream with Nats-Msg-Id "outbox-<row id>". With a private
 * NATS and a private database (so the shared stack's relays never see these rows):
 *   - a sign-up and a profile change committed while NATS is stopped are delivered after it
 *     returns, with growing per-user versions, even though the instance that committed them
 *     was stopped in between (the rows wait in PostgreSQL);
 *   - a row whose publish already reached the stream (a relay that died before deleting it)
 *     is delivered once: the stream drops the repeat by its Nats-Msg-Id;
 *   - mf_js_publish_id itself: two publishes with one id are one message. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "harness.h"
#include "micro/alloc.h"
#include "micro/error.h"
#include "micro/jetstream.h"
#include "micro/nats.h"

#define RUN_TIMEOUT_MS 30000

/* What a test started, stopped by the teardown also when an assertion failed. */
static th_instance in;
static th_server ns;
static char *dbname;
static char *tmp;

/* Runs sql on the stack's PostgreSQL (database db): its output (heap) or NULL on failure. */
static char *psql(const char *db, const char *sql)
{
    char *log = mf_asprintf("%s/psql.out", tmp);
    const char *argv[] = {"psql", "-h",       "127.0.0.1", "-p", th_stack("PG_PORT"),
                          "-U",   "postgres", "-d",        db,   "-tAc",
                          sql,    NULL};
    unlink(log);
    char *out = th_run(argv, log, RUN_TIMEOUT_MS) == 0 ? th_read_file(log) : NULL;
    free(log);
    return out;
}

static int stop_all(void **state)
{
    (void)state;
    th_instance_stop(&in);
    if (ns.pid > 0 || ns.dir)
        th_server_stop(&ns);
    memset(&ns, 0, sizeof ns);
    if (dbname) {
        char *sql = mf_asprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
        free(psql("postgres", sql));
        free(sql);
        free(dbname);
        dbname = NULL;
    }
    if (tmp) {
        th_rmrf(tmp);
        free(tmp);
        tmp = NULL;
    }
    return 0;
}

/* Events of one user seen by a test consumer. */
typedef struct {
    pthread_mutex_t mu;
    const char *want_id;
    int created, updated;
    long long created_version, updated_version;
    char *updated_name;
} seen;

static int on_event(const char *subject, json_t *data, const char *request_id, void *ctx)
{
    (void)request_id;
    seen *s = ctx;
    const char *id = th_jstr(data, "id");
    long long v = json_integer_value(json_object_get(data, "version"));
    pthread_mutex_lock(&s->mu);
    if (id && strcmp(id, s->want_id) == 0) {
        if (strcmp(subject, "user.created") == 0) {
            s->created++;
            s->created_version = v;
        } else if (strcmp(subject, "user.updated") == 0) {
            s->updated++;
            s->updated_version = v;
            free(s->updated_name);
            s->updated_name = mf_strdup(th_jstr(data, "name"));
        }
    }
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static bool got_both(void *ctx)
{
    seen *s = ctx;
    pthread_mutex_lock(&s->mu);
    bool v = s->created > 0 && s->updated > 0;
    pthread_mutex_unlock(&s->mu);
    return v;
}

static void start_auth(void)
{
    char *url = mf_asprintf("NATS_URL=%s", ns.url);
    char *db = mf_asprintf("DB_NAME=%s", dbname);
    const char *ov[] = {url, db, NULL};
    th_instance_start(&in, "auth", ov);
    free(url);
    free(db);
}

static void test_events_survive_nats_down(void **state)
{
    (void)state;
    tmp = th_tmpdir("outbox");
    char *hex = th_random_hex(6);
    dbname = mf_asprintf("outbox_%s", hex);
    char *create = mf_asprintf("CREATE DATABASE %s", dbname);
    char *out = psql("postgres", create);
    assert_non_null(out);
    free(out);
    free(create);
    assert_int_equal(th_nats_start(&ns, true), 0);
    start_auth(); /* creates the USERS stream on the private NATS */

    th_server_kill(&ns); /* NATS down, its stream kept on disk */
    th_user u;
    th_signup(in.api, &u, "outbox-down");
    th_expect(in.api, "PUT", "/profile/mine", u.access, "{\"name\":\"Outboxed Name\"}", 200,
              "profile updated successfully");
    /* the instance that committed them goes away: the events wait in PostgreSQL */
    th_instance_stop(&in);
    out = psql(dbname, "SELECT min(id) || ' ' || count(*) FROM outbox");
    long first = 0, rows = 0;
    assert_non_null(out);
    assert_int_equal(sscanf(out, "%ld %ld", &first, &rows), 2);
    assert_int_equal(rows, 2);
    free(out);
    char *sql = mf_asprintf("SELECT payload::text FROM outbox WHERE id = %ld", first);
    char *payload = psql(dbname, sql);
    assert_non_null(payload);
    free(sql);

    assert_int_equal(th_server_restart(&ns, true), 0);
    /* A relay that published the first row and died before deleting it: the same message with
     * the same Nats-Msg-Id is already in the stream. */
    mf_nats *nc = mf_nats_connect(ns.url, "auth-it-outbox", NULL, NULL, 5000);
    assert_non_null(nc);
    json_t *data = json_loads(payload, 0, NULL);
    assert_non_null(data);
    char *msg_id = mf_asprintf("outbox-%ld", first);
    assert_int_equal(mf_js_publish_id(nc, "user.created", data, msg_id, NULL, 5000), 0);
    json_decref(data);

    start_auth(); /* its relay sends both rows */
    seen s = {.want_id = u.id};
    pthread_mutex_init(&s.mu, NULL);
    char *durable = mf_asprintf("outbox-it-%s", hex);
    assert_int_equal(mf_js_consume(nc, "USERS", durable, "user.>", on_event, &s), 0);
    assert_true(th_poll(got_both, &s, 15000));
    usleep(1500 * 1000); /* a duplicate would have arrived by now */
    pthread_mutex_lock(&s.mu);
    assert_int_equal(s.created, 1);
    assert_int_equal(s.updated, 1);
    assert_string_equal(s.updated_name, "Outboxed Name");
    assert_true(s.created_version >= 1);
    assert_true(s.updated_version > s.created_version);
    pthread_mutex_unlock(&s.mu);
    /* relayed rows are deleted */
    out = psql(dbname, "SELECT count(*) FROM outbox");
    assert_non_null(out);
    assert_int_equal(atoi(out), 0);
    free(out);

    mf_nats_free(nc);
    free(s.updated_name);
    pthread_mutex_destroy(&s.mu);
    free(durable);
    free(msg_id);
    free(payload);
    free(hex);
    th_user_release(&u);
}

typedef struct {
    pthread_mutex_t mu;
    int n, marker;
} count_ctx;

static int on_count(const char *subject, json_t *data, const char *request_id, void *ctx)
{
    (void)request_id;
    (void)data;
    count_ctx *c = ctx;
    pthread_mutex_lock(&c->mu);
    if (strcmp(subject, "dedup.one") == 0)
        c->n++;
    else
        c->marker++;
    pthread_mutex_unlock(&c->mu);
    return 0;
}

static bool got_marker(void *ctx)
{
    count_ctx *c = ctx;
    pthread_mutex_lock(&c->mu);
    bool v = c->marker > 0;
    pthread_mutex_unlock(&c->mu);
    return v;
}

static void test_publish_id_dedup(void **state)
{
    (void)state;
    assert_int_equal(th_nats_start(&ns, true), 0);
    mf_nats *nc = mf_nats_connect(ns.url, "auth-it-dedup", NULL, NULL, 5000);
    assert_non_null(nc);
    static const char *const subjects[] = {"dedup.>"};
    assert_int_equal(mf_js_stream_ensure(nc, "DEDUP", subjects, 1), 0);
    json_t *d = json_pack("{s:s}", "k", "v");
    /* a retry after a lost ack: acknowledged again, stored once */
    assert_int_equal(mf_js_publish_id(nc, "dedup.one", d, "outbox-1", NULL, 5000), 0);
    assert_int_equal(mf_js_publish_id(nc, "dedup.one", d, "outbox-1", NULL, 5000), 0);
    assert_int_equal(mf_js_publish_id(nc, "dedup.marker", d, "outbox-2", NULL, 5000), 0);
    json_decref(d);
    count_ctx c = {0};
    pthread_mutex_init(&c.mu, NULL);
    assert_int_equal(mf_js_consume(nc, "DEDUP", "dedup-it", "dedup.>", on_count, &c), 0);
    assert_true(th_poll(got_marker, &c, 10000));
    pthread_mutex_lock(&c.mu);
    assert_int_equal(c.n, 1);
    pthread_mutex_unlock(&c.mu);
    mf_nats_free(nc);
    pthread_mutex_destroy(&c.mu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_events_survive_nats_down, stop_all),
        cmocka_unit_test_teardown(test_publish_id_dedup, stop_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
