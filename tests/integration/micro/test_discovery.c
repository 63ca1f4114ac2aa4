/*
 * Service discovery ($SRV, ADR-32) against a real nats-server: two replicas of one service
 * and one of another each answer PING/INFO/STATS once, with the schemas' required fields;
 * the .<name> and .<name>.<id> forms reach only the addressed instances; endpoint stats are
 * counted on the real request path (an error envelope is an error).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <nats/nats.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "micro/alloc.h"
#include "micro/discovery.h"
#include "micro/error.h"
#include "micro/log.h"
#include "micro/nats.h"

#define QUERY_MS 400

typedef struct {
    th_server srv;
    mf_nats *a1, *a2; /* service "alpha", two replicas */
    mf_nats *b;       /* service "beta" */
    mf_nats *client;
} fixture;

static int ok_handler(json_t *data, const char *request_id, void *ctx, json_t **reply, int *status,
                      char **errmsg)
{
    (void)data, (void)request_id, (void)ctx, (void)status, (void)errmsg;
    *reply = json_true();
    return 0;
}

static int fail_handler(json_t *data, const char *request_id, void *ctx, json_t **reply,
                        int *status, char **errmsg)
{
    (void)data, (void)request_id, (void)ctx, (void)reply;
    *status = 404;
    *errmsg = mf_strdup("thing not found");
    return MF_ERR_NOT_FOUND;
}

static mf_nats *instance(fixture *f, const char *name)
{
    mf_nats *n = mf_nats_connect(f->srv.url, name, NULL, NULL, 2000);
    assert_non_null(n);
    mf_discovery_info info = {.name = name, .version = "1.2.3", .description = "test service"};
    char *ok = mf_asprintf("t.%s.ok", name);
    char *fail = mf_asprintf("t.%s.fail", name);
    /* One endpoint before the declaration, one after: both are listed. */
    assert_int_equal(mf_nats_serve(n, ok, ok_handler, NULL, 1), 0);
    assert_int_equal(mf_discovery_start(n, &info), 0);
    assert_int_equal(mf_nats_serve(n, fail, fail_handler, NULL, 1), 0);
    mf_discovery_set_meta(n, "http", "127.0.0.1:1");
    free(ok);
    free(fail);
    return n;
}

static int setup(void **state)
{
    mf_log_init("test_discovery", MF_LOG_ERROR);
    fixture *f = mf_calloc(1, sizeof(*f));
    if (th_nats_start(&f->srv, false) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    f->a1 = instance(f, "alpha");
    f->a2 = instance(f, "alpha");
    f->b = instance(f, "beta");
    f->client = mf_nats_connect(f->srv.url, "client", NULL, NULL, 2000);
    return f->client ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mf_nats_free(f->client);
    mf_nats_free(f->a1);
    mf_nats_free(f->a2);
    mf_nats_free(f->b);
    th_server_stop(&f->srv);
    free(f);
    return 0;
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

/* The fields every schema requires, and the type. */
static void assert_common(json_t *r, const char *type)
{
    assert_string_equal(str(r, "type"), type);
    assert_true(strlen(str(r, "name")) > 0);
    assert_true(strlen(str(r, "id")) > 0);
    assert_string_equal(str(r, "version"), "1.2.3");
    assert_true(json_is_object(json_object_get(r, "metadata")));
}

/* Replies per name; fails when an id answers twice. */
static void count_names(json_t *replies, int *alpha, int *beta)
{
    *alpha = *beta = 0;
    size_t i, j;
    json_t *r, *o;
    json_array_foreach(replies, i, r)
    {
        json_array_foreach(replies, j, o)
        {
            if (i != j)
                assert_string_not_equal(str(r, "id"), str(o, "id"));
        }
        const char *name = str(r, "name");
        *alpha += strcmp(name, "alpha") == 0;
        *beta += strcmp(name, "beta") == 0;
    }
}

static void test_ping_every_instance_once(void **state)
{
    fixture *f = *state;
    json_t *r = mf_discovery_query(f->client, "PING", NULL, NULL, QUERY_MS);
    assert_non_null(r);
    assert_int_equal(json_array_size(r), 3);
    size_t i;
    json_t *p;
    json_array_foreach(r, i, p)
    {
        assert_common(p, MF_DISCOVERY_PING);
        assert_string_equal(str(json_object_get(p, "metadata"), "http"), "127.0.0.1:1");
    }
    int alpha, beta;
    count_names(r, &alpha, &beta);
    assert_int_equal(alpha, 2);
    assert_int_equal(beta, 1);
    json_decref(r);
}

static void test_name_and_id_forms(void **state)
{
    fixture *f = *state;
    json_t *r = mf_discovery_query(f->client, "PING", "alpha", NULL, QUERY_MS);
    int alpha, beta;
    count_names(r, &alpha, &beta);
    assert_int_equal(alpha, 2);
    assert_int_equal(beta, 0);
    json_decref(r);

    char id[24];
    mf_discovery_id(f->a2, id);
    assert_true(strlen(id) >= 16);
    r = mf_discovery_query(f->client, "INFO", "alpha", id, QUERY_MS);
    assert_int_equal(json_array_size(r), 1);
    assert_string_equal(str(json_array_get(r, 0), "id"), id);
    json_decref(r);

    /* An id under the wrong name reaches nobody. */
    r = mf_discovery_query(f->client, "PING", "beta", id, QUERY_MS);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
}

static void test_info_lists_endpoints(void **state)
{
    fixture *f = *state;
    json_t *r = mf_discovery_query(f->client, "INFO", "beta", NULL, QUERY_MS);
    assert_int_equal(json_array_size(r), 1);
    json_t *info = json_array_get(r, 0);
    assert_common(info, MF_DISCOVERY_INFO);
    assert_string_equal(str(info, "description"), "test service");
    json_t *eps = json_object_get(info, "endpoints");
    assert_int_equal(json_array_size(eps), 2);
    json_t *e0 = json_array_get(eps, 0);
    assert_string_equal(str(e0, "subject"), "t.beta.ok");
    assert_string_equal(str(e0, "name"), "t_beta_ok");
    assert_string_equal(str(e0, "queue_group"), "q");
    assert_string_equal(str(json_array_get(eps, 1), "subject"), "t.beta.fail");
    json_decref(r);
}

static json_int_t num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static void test_stats_count_real_requests(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 6; i++) {
        json_t *reply = NULL;
        assert_int_equal(
            mf_nats_request(f->client, "t.alpha.ok", NULL, 2000, NULL, &reply, NULL, NULL), 0);
        json_decref(reply);
    }
    int status = 0;
    char *err = NULL;
    assert_int_equal(
        mf_nats_request(f->client, "t.alpha.fail", NULL, 2000, NULL, NULL, &status, &err),
        MF_ERR_REMOTE);
    assert_int_equal(status, 404);
    free(err);

    json_t *r = mf_discovery_query(f->client, "STATS", "alpha", NULL, QUERY_MS);
    assert_int_equal(json_array_size(r), 2);
    json_int_t ok_reqs = 0, ok_errs = 0, fail_reqs = 0, fail_errs = 0;
    bool saw_error_text = false;
    size_t i;
    json_t *st;
    json_array_foreach(r, i, st)
    {
        assert_common(st, MF_DISCOVERY_STATS);
        const char *started = str(st, "started");
        assert_int_equal(strlen(started), 24); /* 2024-01-02T03:04:05.678Z */
        assert_int_equal(started[10], 'T');
        json_t *eps = json_object_get(st, "endpoints");
        assert_int_equal(json_array_size(eps), 2);
        size_t k;
        json_t *e;
        json_array_foreach(eps, k, e)
        {
            json_int_t n = num(e, "num_requests");
            json_int_t pt = num(e, "processing_time");
            assert_true(pt >= 0);
            assert_int_equal(num(e, "average_processing_time"), n ? pt / n : 0);
            assert_true(json_is_string(json_object_get(e, "last_error")));
            assert_string_equal(str(e, "queue_group"), "q");
            if (strcmp(str(e, "subject"), "t.alpha.ok") == 0) {
                ok_reqs += n;
                ok_errs += num(e, "num_errors");
                if (n > 0)
                    assert_true(pt > 0);
            } else {
                fail_reqs += n;
                fail_errs += num(e, "num_errors");
                if (n > 0)
                    saw_error_text = strstr(str(e, "last_error"), "thing not found") != NULL;
            }
        }
    }
    assert_int_equal(ok_reqs, 6);
    assert_int_equal(ok_errs, 0);
    assert_int_equal(fail_reqs, 1);
    assert_int_equal(fail_errs, 1);
    assert_true(saw_error_text);
    json_decref(r);
}

static void test_invalid_declarations(void **state)
{
    fixture *f = *state;
    mf_discovery_info bad_name = {.name = "has.dot", .version = "1.0.0"};
    mf_discovery_info bad_version = {.name = "gamma", .version = "v1"};
    mf_discovery_info fine = {.name = "gamma", .version = "1.0.0-rc.1"};
    assert_int_equal(mf_discovery_start(f->client, &bad_name), MF_ERR_INVALID);
    assert_int_equal(mf_discovery_start(f->client, &bad_version), MF_ERR_INVALID);
    /* Declared once only. */
    assert_int_equal(mf_discovery_start(f->a1, &fine), MF_ERR_INVALID);
    assert_int_equal(mf_discovery_start(f->client, &fine), 0);
    json_t *r = mf_discovery_query(f->client, "PING", "gamma", NULL, QUERY_MS);
    assert_int_equal(json_array_size(r), 1);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ping_every_instance_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_and_id_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_info_lists_endpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_count_real_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_declarations, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    nats_CloseAndWait(5000);
    return rc;
}
