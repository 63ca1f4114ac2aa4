/* The read models (services/blog/readmodel.h): rebuilt after Redis loses them; a blog never
 * listed after unpublish or delete; concurrent publishes from two replicas sharing one Redis
 * leave every blog listed once; cursor pages (after=<id>) neither skip nor repeat a blog when
 * blogs are published between two page reads. */
#include <pthread.h>
#include <time.h>

#include "blog_it.h"
#include "micro/cache.h"

static th_user author, editor;
static th_instance inst, inst2;
static th_server redis_srv;

static int setup(void **state)
{
    (void)state;
    bt_new_user(&author, "rm-author", "[\"AUTHOR\"]");
    bt_new_user(&editor, "rm-editor", "[\"EDITOR\"]");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_user_release(&author);
    th_user_release(&editor);
    return 0;
}

static int stop_extra(void **state)
{
    (void)state;
    th_instance_stop(&inst);
    th_instance_stop(&inst2);
    if (redis_srv.pid > 0 || redis_srv.dir)
        th_server_stop(&redis_srv);
    memset(&redis_srv, 0, sizeof redis_srv);
    return 0;
}

static char *new_tag(const char *prefix)
{
    char *t = th_random_hex(6);
    char *tag = mf_asprintf("%s%s", prefix, t);
    for (char *p = tag; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    free(t);
    return tag;
}

/* A published blog tagged tag, as author/editor, through api. Caller frees the id. */
static char *publish_at(th_api api, const char *tag, const char *slug_prefix)
{
    char *t = th_random_hex(6);
    char *slug = mf_asprintf("%s-%s", slug_prefix, t);
    char *tags = mf_asprintf("[\"%s\"]", tag);
    char *body = bt_blog_body("Read model probe", "A blog the read models must list", slug, tags);
    th_resp r = th_call(api, "POST", "/author", author.access, body);
    th_expect_env(&r, 200, "blog created successfully");
    char *id = mf_strdup(th_jstr(th_data(&r), "_id"));
    th_resp_release(&r);
    char *p = mf_asprintf("/author/submit/id/%s", id);
    th_expect(api, "PUT", p, author.access, NULL, 200, "blog submitted successfully");
    free(p);
    p = mf_asprintf("/editor/publish/id/%s", id);
    th_expect(api, "PUT", p, editor.access, NULL, 200, "blog published successfully");
    free(p);
    free(body);
    free(tags);
    free(slug);
    free(t);
    return id;
}

/* The ids of a tag page (new array of strings) from api. */
static json_t *tag_page(th_api api, const char *tag, int page, int limit, const char *after)
{
    char *p = after ? mf_asprintf("/list/tag/%s?page=%d&limit=%d&after=%s", tag, page, limit, after)
                    : mf_asprintf("/list/tag/%s?page=%d&limit=%d", tag, page, limit);
    th_resp r = th_call(api, "GET", p, NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *ids = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(th_data(&r), i, v)
        json_array_append_new(ids, json_string(th_jstr(v, "_id")));
    th_resp_release(&r);
    free(p);
    return ids;
}

static bool has(json_t *ids, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) if (strcmp(json_string_value(v), id) == 0) return true;
    return false;
}

static char *redis_cmd(int port, const char *a, const char *b, const char *c)
{
    char *cmd =
        mf_asprintf("redis-cli -p %d %s %s %s 2>/dev/null", port, a, b ? b : "", c ? c : "");
    FILE *f = popen(cmd, "r");
    char buf[256] = "";
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            buf[0] = '\0';
        pclose(f);
    }
    free(cmd);
    buf[strcspn(buf, "\n")] = '\0';
    return mf_strdup(buf);
}

static bool ready(int port)
{
    char *v = redis_cmd(port, "EXISTS", "blog:rm:ready", NULL);
    bool ok = strcmp(v, "1") == 0;
    free(v);
    return ok;
}

static void start_private(th_instance *in)
{
    char *port = mf_asprintf("REDIS_PORT=%d", redis_srv.port);
    const char *env[] = {port, NULL};
    th_instance_start(in, "blog", env);
    free(port);
}

/* Redis loses everything: the models come back, rebuilt from MongoDB, and list the blog. */
static void test_rebuilt_after_loss(void **state)
{
    (void)state;
    assert_int_equal(th_redis_start(&redis_srv), 0);
    start_private(&inst);
    int64_t deadline = mf_mono_ms() + 30000;
    while (!ready(redis_srv.port) && mf_mono_ms() < deadline)
        nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
    assert_true(ready(redis_srv.port));
    char *tag = new_tag("RML");
    char *id = publish_at(inst.api, tag, "rm-loss");
    char *key = mf_asprintf("blog:rm:tag:%s", tag);
    char *score = redis_cmd(redis_srv.port, "ZSCORE", key, id);
    assert_true(score[0] != '\0');
    free(score);
    free(redis_cmd(redis_srv.port, "FLUSHALL", NULL, NULL));
    /* lists stay right while the models are missing (MongoDB answers) */
    json_t *ids = tag_page(inst.api, tag, 1, 10, NULL);
    assert_true(has(ids, id));
    json_decref(ids);
    deadline = mf_mono_ms() + 30000;
    while (!ready(redis_srv.port) && mf_mono_ms() < deadline)
        nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
    assert_true(ready(redis_srv.port));
    score = redis_cmd(redis_srv.port, "ZSCORE", key, id);
    assert_true(score[0] != '\0');
    free(score);
    ids = tag_page(inst.api, tag, 1, 10, NULL);
    assert_true(has(ids, id));
    json_decref(ids);
    free(key);
    free(id);
    free(tag);
}

/* Unpublish and delete take the blog out of every public list and slug at once. */
static void test_never_after_unpublish_or_delete(void **state)
{
    (void)state;
    th_api api = th_api_blog();
    char *tag = new_tag("RMU");
    char *id = publish_at(api, tag, "rm-unpub");
    json_t *ids = tag_page(api, tag, 1, 10, NULL);
    assert_true(has(ids, id));
    json_decref(ids);
    char *p = mf_asprintf("/editor/unpublish/id/%s", id);
    th_expect(api, "PUT", p, editor.access, NULL, 200, "blog unpublished successfully");
    free(p);
    ids = tag_page(api, tag, 1, 10, NULL);
    assert_false(has(ids, id));
    json_decref(ids);
    p = mf_asprintf("/author/submit/id/%s", id);
    th_expect(api, "PUT", p, author.access, NULL, 200, "blog submitted successfully");
    free(p);
    p = mf_asprintf("/editor/publish/id/%s", id);
    th_expect(api, "PUT", p, editor.access, NULL, 200, "blog published successfully");
    free(p);
    ids = tag_page(api, tag, 1, 10, NULL);
    assert_true(has(ids, id));
    json_decref(ids);
    p = mf_asprintf("/author/id/%s", id);
    th_expect(api, "DELETE", p, author.access, NULL, 200, "blog deleted successfully");
    free(p);
    ids = tag_page(api, tag, 1, 10, NULL);
    assert_false(has(ids, id));
    json_decref(ids);
    p = mf_asprintf("/list/similar/id/%s", id);
    assert_int_equal(bt_get(p, NULL), 404);
    free(p);
    free(id);
    free(tag);
}

typedef struct {
    th_api api;
    json_t *ids;
    int ok;
} publisher;

static void *publish_all(void *arg)
{
    publisher *pb = arg;
    size_t i;
    json_t *v;
    json_array_foreach(pb->ids, i, v)
    {
        char *p = mf_asprintf("/editor/publish/id/%s", json_string_value(v));
        th_resp r = th_call(pb->api, "PUT", p, editor.access, NULL);
        if (r.status == 200)
            pb->ok++;
        th_resp_release(&r);
        free(p);
    }
    return NULL;
}

/* Two replicas on one Redis publish the same submitted blogs at once: each blog is listed
 * exactly once. */
static void test_concurrent_publishes_two_replicas(void **state)
{
    (void)state;
    assert_int_equal(th_redis_start(&redis_srv), 0);
    start_private(&inst);
    start_private(&inst2);
    int64_t deadline = mf_mono_ms() + 30000;
    while (!ready(redis_srv.port) && mf_mono_ms() < deadline)
        nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
    char *tag = new_tag("RMC");
    char *tags = mf_asprintf("[\"%s\"]", tag);
    json_t *ids = json_array();
    for (int i = 0; i < 8; i++) {
        char *t = th_random_hex(6);
        char *slug = mf_asprintf("rm-conc-%s", t);
        char *id = bt_create(&author, "Concurrent probe", "Published by two replicas", slug, tags);
        char *p = mf_asprintf("/author/submit/id/%s", id);
        th_expect(th_api_blog(), "PUT", p, author.access, NULL, 200, "blog submitted successfully");
        json_array_append_new(ids, json_string(id));
        free(p);
        free(id);
        free(slug);
        free(t);
    }
    publisher a = {inst.api, ids, 0}, b = {inst2.api, ids, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, publish_all, &a);
    pthread_create(&tb, NULL, publish_all, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    /* exactly once each: the publishes are optimistic updates, atomic on mongod and on FerretDB
     * with scripts/ferretdb-rmw-lock.patch (without it both replicas' could match) */
    assert_int_equal(a.ok + b.ok, 8);
    json_t *page = tag_page(inst2.api, tag, 1, 100, NULL);
    assert_int_equal(json_array_size(page), 8);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) assert_true(has(page, json_string_value(v)));
    json_decref(page);
    json_decref(ids);
    free(tags);
    free(tag);
}

/* Page 1, then two more blogs published, then page 2 after the last id of page 1: exactly the
 * blogs not seen yet, in order (plain page=2 would repeat the last two of page 1). */
static void test_cursor_pages(void **state)
{
    (void)state;
    th_api api = th_api_blog();
    char *tag = new_tag("RMP");
    char *id[5];
    for (int i = 0; i < 5; i++)
        id[i] = publish_at(api, tag, "rm-page");
    json_t *p1 = tag_page(api, tag, 1, 3, NULL);
    assert_int_equal(json_array_size(p1), 3);
    assert_string_equal(json_string_value(json_array_get(p1, 0)), id[4]);
    char *n1 = publish_at(api, tag, "rm-page"), *n2 = publish_at(api, tag, "rm-page");
    json_t *p2 = tag_page(api, tag, 1, 3, json_string_value(json_array_get(p1, 2)));
    assert_int_equal(json_array_size(p2), 2);
    assert_string_equal(json_string_value(json_array_get(p2, 0)), id[1]);
    assert_string_equal(json_string_value(json_array_get(p2, 1)), id[0]);
    json_t *plain = tag_page(api, tag, 2, 3, NULL);
    assert_true(
        has(plain, json_string_value(json_array_get(p1, 1)))); /* the repeat a cursor avoids */
    json_decref(plain);
    json_decref(p1);
    json_decref(p2);
    for (int i = 0; i < 5; i++)
        free(id[i]);
    free(n1);
    free(n2);
    free(tag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_rebuilt_after_loss, stop_extra),
        cmocka_unit_test(test_never_after_unpublish_or_delete),
        cmocka_unit_test_teardown(test_concurrent_publishes_two_replicas, stop_extra),
        cmocka_unit_test(test_cursor_pages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
