/* Cache key names: one generation prefix, one kind, one value (see services/blog/cache.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "cache.h"

static void check(const char *gen, const char *kind, const char *value, const char *want)
{
    char *k = blog_cache_key(gen, kind, value);
    assert_string_equal(k, want);
    free(k);
}

static void test_key_names(void **state)
{
    (void)state;
    check("g1", "id", "0123456789abcdef01234567", "blog:g1:id:0123456789abcdef01234567");
    check("g1", "slug", "my-slug", "blog:g1:slug:my-slug");
    check("g2", "similar", "0123456789abcdef01234567", "blog:g2:similar:0123456789abcdef01234567");
    assert_string_equal(BLOG_CACHE_GEN_KEY, "blog:gen");
}

static void test_generation_changes_every_key(void **state)
{
    (void)state;
    char *a = blog_cache_key("aaaa", "slug", "x");
    char *b = blog_cache_key("bbbb", "slug", "x");
    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_generation_changes_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
