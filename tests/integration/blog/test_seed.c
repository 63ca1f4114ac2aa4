/* make bench-scale's seeder (bench/seed.c) leaves what blog-service would have written: a
 * blog seeded with comments has its commentCount, its comment read model in Redis before any
 * read (so no read has to scan the comments), the same page as blog-service's own rebuild from
 * MongoDB gives, and takes a new comment through the API like any other blog. */
#include <unistd.h>

#include "blog_it.h"
#include "micro/cache.h"
#include "micro/cache_cmd.h"

#define SEEDED 25

static th_user user;

static int setup(void **state)
{
    (void)state;
    bt_new_user(&user, "seed-user", "[\"AUTHOR\"]");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    th_user_release(&user);
    return 0;
}

static long long zcard(mf_cache *c, const char *key)
{
    const char *argv[] = {"ZCARD", key};
    long long n = -1;
    assert_int_equal(mf_cache_cmd_int(c, 2, argv, &n), 0);
    return n;
}

static json_t *page(const char *id, int limit)
{
    char *p = mf_asprintf("/comments/id/%s?page=1&limit=%d", id, limit);
    json_t *d = NULL;
    assert_int_equal(bt_get(p, &d), 200);
    free(p);
    return d;
}

static long long comment_count(const char *id)
{
    char *p = mf_asprintf("/id/%s", id);
    json_t *d = NULL;
    assert_int_equal(bt_get(p, &d), 200);
    free(p);
    long long n = json_integer_value(json_object_get(d, "commentCount"));
    json_decref(d);
    return n;
}

static void test_seeded_comments(void **state)
{
    (void)state;
    char *bin = mf_asprintf("%s/services/blog/blog-seed", getenv("CMICRO_BUILD_DIR"));
    if (access(bin, X_OK) != 0) {
        free(bin);
        skip(); /* bench/seed.c is optional (not in the images' build context) */
    }
    char *dir = th_tmpdir("seed");
    char *ids = mf_asprintf("%s/ids", dir), *hot = mf_asprintf("%s/hot", dir);
    char *log = mf_asprintf("%s/log", dir);
    char *uri = mf_asprintf("mongodb://127.0.0.1:%s", th_stack("MONGO_PORT"));
    /* FIRST far from 0: slugs of their own, and no tag-count install (an empty database's) */
    char *hex = th_random_hex(3), *first = mf_asprintf("%ld", 100000000L + strtol(hex, NULL, 16));
    char count[16];
    snprintf(count, sizeof count, "%d", SEEDED);
    const char *argv[] = {
        bin,   uri, "blogs", "1", first, user.id, user.name, ids, th_stack("REDIS_BLOG_PORT"),
        count, "0", hot,     NULL};
    assert_int_equal(th_run(argv, log, 60000), 0);
    char *line = th_read_file(hot);
    assert_non_null(line);
    char id[25] = "";
    long n = 0;
    assert_int_equal(sscanf(line, "%24s %ld", id, &n), 2);
    assert_int_equal(n, SEEDED);

    /* the read model is there before any read: sentinel + every comment */
    mf_cache *c = mf_cache_new("127.0.0.1", atoi(th_stack("REDIS_BLOG_PORT")), NULL, 2000, 1);
    assert_non_null(c);
    char *set = mf_asprintf("blog:comments:%s", id);
    assert_int_equal(zcard(c, set), SEEDED + 1);
    assert_int_equal(comment_count(id), SEEDED);

    json_t *seeded = page(id, 100);
    assert_int_equal(json_array_size(seeded), SEEDED);
    int replies = 0;
    for (size_t i = 0; i < json_array_size(seeded); i++) {
        json_t *cm = json_array_get(seeded, i);
        const char *parent = th_jstr(cm, "parentId");
        if (!parent)
            continue;
        replies++;
        bool earlier_top = false; /* a reply names a top-level comment shown before it */
        for (size_t j = 0; j < i && !earlier_top; j++) {
            json_t *p = json_array_get(seeded, j);
            earlier_top = strcmp(th_jstr(p, "_id"), parent) == 0 && !th_jstr(p, "parentId");
        }
        assert_true(earlier_top);
    }
    assert_true(replies > 0);

    /* blog-service's own rebuild from MongoDB gives the same page (another limit: not cached) */
    const char *del[] = {"DEL", set};
    assert_int_equal(mf_cache_cmd_int(c, 2, del, NULL), 0);
    json_t *rebuilt = page(id, 99);
    assert_true(json_equal(seeded, rebuilt));
    assert_int_equal(zcard(c, set), SEEDED + 1);

    /* and a comment through the API joins them */
    char *p = mf_asprintf("/comments/id/%s", id);
    th_expect(th_api_blog(), "POST", p, user.access, "{\"text\":\"after the seed\"}", 200,
              "comment created successfully");
    assert_int_equal(comment_count(id), SEEDED + 1);
    json_t *after = page(id, 100);
    assert_int_equal(json_array_size(after), SEEDED + 1);
    assert_string_equal(th_jstr(json_array_get(after, SEEDED), "text"), "after the seed");

    json_decref(after);
    json_decref(rebuilt);
    json_decref(seeded);
    free(p);
    free(set);
    mf_cache_free(c);
    free(line);
    free(first);
    free(hex);
    free(uri);
    free(log);
    free(hot);
    free(ids);
    th_rmrf(dir);
    free(dir);
    free(bin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeded_comments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
