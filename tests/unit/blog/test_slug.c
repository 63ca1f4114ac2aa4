/* Slug normalisation (API.md section 4, before validation): spaces removed, "/" -> "-",
 * "?" removed, everything else kept as written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "dto.h"

static void check(const char *in, const char *want)
{
    char *got = blog_slug_normalize(in);
    assert_string_equal(got, want);
    free(got);
}

static void test_spaces_removed(void **state)
{
    (void)state;
    check("my first blog", "myfirstblog");
    check("  lead and trail  ", "leadandtrail");
}

static void test_slash_becomes_dash(void **state)
{
    (void)state;
    check("c/cpp/rust", "c-cpp-rust");
    check("/", "-");
}

static void test_question_mark_removed(void **state)
{
    (void)state;
    check("why c?", "whyc");
    check("???", "");
}

static void test_combined_and_untouched(void **state)
{
    (void)state;
    check("what is c/c++ ?", "whatisc-c++");
    check("already-clean_slug.1", "already-clean_slug.1");
    check("", "");
    check("ünïcode slug", "ünïcodeslug");
    check("{\"$gt\":\"\"}", "{\"$gt\":\"\"}"); /* operators are just characters */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spaces_removed),
        cmocka_unit_test(test_slash_becomes_dash),
        cmocka_unit_test(test_question_mark_removed),
        cmocka_unit_test(test_combined_and_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
