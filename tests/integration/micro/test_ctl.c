/*
 * cmicro-ctl against live instances: two replicas of "alpha" (NATS endpoint and an HTTP
 * server with /health, announced with their address) and one "beta" whose advertised HTTP
 * address is closed. `services` lists every instance with its counts; `health` reports
 * each instance and fails when one is unreachable; bad usage exits 2; no NATS exits 3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <nats/nats.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "micro/alloc.h"
#include "micro/discovery.h"
#include "micro/http.h"
#include "micro/log.h"
#include "micro/nats.h"

typedef struct {
    mf_nats *n;
    mf_server *srv;
    char id[24];
} instance;

static th_server nats;
static instance inst[3];
static mf_nats *client;
static char *dir, *out_path, *ctl;

static int ok_handler(json_t *data, const char *request_id, void *ctx, json_t **reply, int *status,
                      char **errmsg)
{
    (void)data, (void)request_id, (void)ctx, (void)status, (void)errmsg;
    *reply = json_true();
    return 0;
}

static int ping_up(void *ctx)
{
    (void)ctx;
    return 0;
}

static int start_instance(instance *in, const char *name, bool http)
{
    in->n = mf_nats_connect(nats.url, name, NULL, NULL, 2000);
    if (!in->n || mf_nats_serve(in->n, "t.ctl.ok", ok_handler, NULL, 1) != 0)
        return -1;
    char *addr;
    if (http) {
        mf_server_opts o = {.service = name,
                            .host = "127.0.0.1",
                            .threads = 1,
                            .max_body = 1024,
                            .conn_timeout_s = 5,
                            .request_timeout_ms = 1000};
        in->srv = mf_server_new(&o);
        if (!in->srv)
            return -1;
        mf_server_add_health(in->srv, "dep", ping_up, NULL);
        if (mf_server_start(in->srv) != 0)
            return -1;
        addr = mf_asprintf("127.0.0.1:%d", mf_server_port(in->srv));
    } else {
        addr = mf_asprintf("127.0.0.1:%d", th_free_port()); /* nobody listens */
    }
    mf_discovery_set_meta(in->n, "http", addr);
    free(addr);
    mf_discovery_info info = {.name = name, .version = "2.0.1"};
    if (mf_discovery_start(in->n, &info) != 0)
        return -1;
    mf_discovery_id(in->n, in->id);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    mf_log_init("test_ctl", MF_LOG_ERROR);
    dir = th_tmpdir("ctl");
    out_path = mf_asprintf("%s/out", dir);
    const char *build = getenv("CMICRO_BUILD_DIR");
    ctl = mf_asprintf("%s/tools/ctl/cmicro-ctl", build ? build : ".");
    if (th_nats_start(&nats, false) != 0 || start_instance(&inst[0], "alpha", true) != 0 ||
        start_instance(&inst[1], "alpha", true) != 0 ||
        start_instance(&inst[2], "beta", false) != 0)
        return -1;
    client = mf_nats_connect(nats.url, "client", NULL, NULL, 2000);
    for (int i = 0; i < 5; i++) {
        json_t *reply = NULL;
        if (mf_nats_request(client, "t.ctl.ok", NULL, 2000, NULL, &reply, NULL, NULL) != 0)
            return -1;
        json_decref(reply);
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mf_nats_free(client);
    for (int i = 0; i < 3; i++) {
        mf_server_free(inst[i].srv);
        mf_nats_free(inst[i].n);
    }
    th_server_stop(&nats);
    th_rmrf(dir);
    free(dir);
    free(out_path);
    free(ctl);
    return 0;
}

/* Runs cmicro-ctl with args; its exit status, *out = what it printed (caller frees). */
static int run(const char *cmd, const char *url, const char *extra, char **out)
{
    unlink(out_path);
    const char *argv[] = {ctl, cmd, "--nats", url, "--timeout", "500", extra, NULL};
    int rc = th_run(argv, out_path, 20000);
    *out = th_read_file(out_path);
    assert_non_null(*out);
    return rc;
}

static void test_services_lists_every_instance(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(run("services", nats.url, NULL, &out), 0);
    for (int i = 0; i < 3; i++)
        assert_non_null(strstr(out, inst[i].id));
    assert_non_null(strstr(out, "3 instance(s)"));
    assert_non_null(strstr(out, "2.0.1"));
    assert_non_null(strstr(out, "t.ctl.ok"));
    /* Five requests in all, whichever instances served them. */
    long total = 0;
    for (const char *p = strstr(out, "t.ctl.ok"); p; p = strstr(p + 1, "t.ctl.ok"))
        total += strtol(p + strlen("t.ctl.ok"), NULL, 10);
    assert_int_equal(total, 5);
    free(out);
}

static void test_health_checks_each_instance(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(run("health", nats.url, NULL, &out), 1); /* beta is unreachable */
    assert_int_equal(th_count_lines(out_path, "alpha", " OK "), 2);
    assert_int_equal(th_count_lines(out_path, "alpha", "dep=UP"), 2);
    assert_int_equal(th_count_lines(out_path, "beta", "UNREACHABLE"), 1);
    free(out);
}

static void test_usage_and_unreachable_nats(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(run("frobnicate", nats.url, NULL, &out), 2);
    free(out);
    assert_int_equal(run("services", nats.url, "--bogus", &out), 2);
    free(out);
    char *dead = mf_asprintf("nats://127.0.0.1:%d", th_free_port());
    assert_int_equal(run("services", dead, NULL, &out), 3);
    assert_non_null(strstr(out, "cannot reach NATS"));
    free(out);
    free(dead);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_services_lists_every_instance),
        cmocka_unit_test(test_health_checks_each_instance),
        cmocka_unit_test(test_usage_and_unreachable_nats),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    nats_CloseAndWait(5000);
    return rc;
}
