/* MongoDB going away under a running blog-service: 503 "service unavailable" (never a hang or
 * a 500) and health says mongo DOWN. Before that, an error the server answers with (a duplicate
 * slug) does not open the MongoDB breaker, even when one failure would. The test runs its own
 * MongoDB-wire server (mongod, else FerretDB as the stack does) so that the stack's database is
 * never touched. */

#include "blog_it.h"
#include "mongo_server.h"

static th_user author;
static th_instance inst;
static th_server db;

static int setup(void **state)
{
    (void)state;
    bt_new_user(&author, "md-author", "[\"AUTHOR\"]");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_instance_stop(&inst);
    th_server_stop(&db);
    th_user_release(&author);
    return 0;
}

static bool mongo_down(void *arg)
{
    (void)arg;
    th_resp r = th_call(inst.api, "GET", "/health", NULL, NULL);
    const char *m = r.json ? th_jstr(json_object_get(th_data(&r), "checks"), "mongo") : NULL;
    bool down = r.status == 503 && m && strcmp(m, "DOWN") == 0;
    th_resp_release(&r);
    return down;
}

static void test_mongo_down(void **state)
{
    (void)state;
    assert_int_equal(th_mongo_start(&db), 0);
    char *uri = mf_asprintf("MONGO_URI=%s", db.url);
    const char *env[] = {uri, "MONGO_DB=mongodown", "MONGO_TIMEOUT_MS=500", "BREAKER_FAILURES=1",
                         NULL};
    th_instance_start(&inst, "blog", env);

    char *t = th_random_hex(6);
    char *slug = mf_asprintf("mongo-down-%s", t);
    char *body =
        bt_blog_body("Before the outage", "written while MongoDB was up", slug, "[\"DOWN\"]");
    th_resp r = th_call(inst.api, "POST", "/author", author.access, body);
    th_expect_env(&r, 200, "blog created successfully");
    char *id = mf_strdup(th_jstr(th_data(&r), "_id"));
    th_resp_release(&r);
    /* a duplicate key is the server's answer, not its failure: the breaker stays closed */
    char *dup = mf_asprintf("Blog with slug: %s already exists", slug);
    th_expect(inst.api, "POST", "/author", author.access, body, 400, dup);
    free(dup);
    char *p = mf_asprintf("/author/id/%s", id);
    th_expect(inst.api, "GET", p, author.access, NULL, 200, "success");

    th_server_kill(&db);

    int64_t start = mf_mono_ms();
    r = th_call(inst.api, "GET", p, author.access, NULL);
    th_expect_env(&r, 503, "service unavailable");
    th_resp_release(&r);
    free(p);
    r = th_call(inst.api, "POST", "/author", author.access, body);
    th_expect_env(&r, 503, "service unavailable");
    th_resp_release(&r);
    r = th_call(inst.api, "GET", "/list/latest?page=1&limit=10", NULL, NULL);
    th_expect_env(&r, 503, "service unavailable");
    th_resp_release(&r);
    /* bounded by the selection timeout, not by the client's patience */
    assert_true(mf_mono_ms() - start < 10000);
    assert_true(th_poll(mongo_down, NULL, 10000));
    /* validation does not need the database */
    r = th_call(inst.api, "GET", "/id/123", NULL, NULL);
    th_expect_env(&r, 400, "id must be of length 24");
    th_resp_release(&r);

    free(id);
    free(body);
    free(slug);
    free(t);
    free(uri);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mongo_down),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
