/* Cache key names and stamped values (see services/blog/cache.c): a value is served only under
 * the exact generation stamp it was stored with; list pages have one key per scope, kind,
 * page, limit and tag or author. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "ops.h"

static void check(const char *kind, const char *value, const char *want)
{
    char *k = blog_cache_key(kind, value);
    assert_string_equal(k, want);
    free(k);
}

static void test_key_names(void **state)
{
    (void)state;
    check("id", "0123456789abcdef01234567", "blog:id:0123456789abcdef01234567");
    check("slug", "my-slug", "blog:slug:my-slug");
    check("similar", "0123456789abcdef01234567", "blog:similar:0123456789abcdef01234567");
    assert_string_equal(BLOG_CACHE_GEN_KEY, "blog:gen");
}

static void check_list(blog_list_kind kind, const char *arg, long page, long limit,
                       blog_cache_scope want_scope, const char *want)
{
    blog_cache_scope scope = (blog_cache_scope)-1;
    char *k = blog_list_cache_key(kind, arg, page, limit, &scope);
    assert_non_null(k);
    assert_string_equal(k, want);
    assert_int_equal(scope, want_scope);
    free(k);
}

static void test_list_keys(void **state)
{
    (void)state;
    const char *u = "6a5d3bd1-3b4b-4c8e-9b43-0b1f9cbbd3a1";
    check_list(BLOG_LIST_LATEST, NULL, 1, 10, BLOG_SCOPE_PUBLIC, "blog:latest:1:10");
    check_list(BLOG_LIST_TAG, "A:B", 2, 5, BLOG_SCOPE_PUBLIC, "blog:tag:2:5:A:B");
    check_list(BLOG_LIST_AUTHOR_DRAFTS, u, 1, 10, BLOG_SCOPE_AUTHOR,
               "blog:author:drafts:1:10:6a5d3bd1-3b4b-4c8e-9b43-0b1f9cbbd3a1");
    check_list(BLOG_LIST_AUTHOR_SUBMITTED, u, 1, 10, BLOG_SCOPE_AUTHOR,
               "blog:author:submitted:1:10:6a5d3bd1-3b4b-4c8e-9b43-0b1f9cbbd3a1");
    check_list(BLOG_LIST_AUTHOR_PUBLISHED, u, 3, 1000, BLOG_SCOPE_AUTHOR,
               "blog:author:published:3:1000:6a5d3bd1-3b4b-4c8e-9b43-0b1f9cbbd3a1");
    check_list(BLOG_LIST_EDITOR_SUBMITTED, NULL, 1, 10, BLOG_SCOPE_EDITOR,
               "blog:editor:submitted:1:10");
    check_list(BLOG_LIST_EDITOR_PUBLISHED, NULL, 1, 10, BLOG_SCOPE_EDITOR,
               "blog:editor:published:1:10");
}

/* Keys that must never meet: pages, limits, authors, tags, kinds. */
static void test_list_keys_distinct(void **state)
{
    (void)state;
    blog_cache_scope s;
    char *k[] = {
        blog_list_cache_key(BLOG_LIST_TAG, "1", 1, 1, &s),
        blog_list_cache_key(BLOG_LIST_TAG, "1", 11, 1, &s),
        blog_list_cache_key(BLOG_LIST_TAG, "11", 1, 1, &s),
        blog_list_cache_key(BLOG_LIST_LATEST, NULL, 1, 1, &s),
        blog_list_cache_key(BLOG_LIST_AUTHOR_DRAFTS, "a", 1, 1, &s),
        blog_list_cache_key(BLOG_LIST_AUTHOR_DRAFTS, "b", 1, 1, &s),
        blog_list_cache_key(BLOG_LIST_AUTHOR_SUBMITTED, "a", 1, 1, &s),
        blog_list_cache_key(BLOG_LIST_EDITOR_SUBMITTED, NULL, 1, 1, &s),
        blog_list_cache_key(BLOG_LIST_EDITOR_PUBLISHED, NULL, 1, 1, &s),
    };
    size_t n = sizeof k / sizeof k[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(k[i], k[j]);
    for (size_t i = 0; i < n; i++)
        free(k[i]);
}

static void test_stamped_values(void **state)
{
    (void)state;
    const char *json = "{\"title\":\"x y\"}";
    size_t len = 0;
    char *v = blog_cache_stamp_value("abc1.ff", json, strlen(json), &len);
    assert_string_equal(v, "abc1.ff {\"title\":\"x y\"}");
    assert_int_equal(len, strlen(v));

    size_t jl = 0;
    const char *got = blog_cache_stamped_json(v, len, "abc1.ff", &jl);
    assert_non_null(got);
    assert_int_equal(jl, strlen(json));
    assert_memory_equal(got, json, jl);

    /* any other generation, a prefix of the stamp or a longer one: a miss */
    assert_null(blog_cache_stamped_json(v, len, "abc1.fe", &jl));
    assert_null(blog_cache_stamped_json(v, len, "abc1", &jl));
    assert_null(blog_cache_stamped_json(v, len, "abc1.f", &jl));
    assert_null(blog_cache_stamped_json(v, len, "abc1.ff0", &jl));
    assert_null(blog_cache_stamped_json(v, len, "", &jl));
    assert_null(blog_cache_stamped_json(NULL, 0, "abc1.ff", &jl));
    /* an unstamped value (the format before stamps) or an empty answer is a miss too */
    assert_null(blog_cache_stamped_json(json, strlen(json), "abc1.ff", &jl));
    assert_null(blog_cache_stamped_json("abc1.ff ", 8, "abc1.ff", &jl));
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_list_keys),
        cmocka_unit_test(test_list_keys_distinct),
        cmocka_unit_test(test_stamped_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
