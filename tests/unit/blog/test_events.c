/* blog-service's reading of user.* payloads: the user fields and the per-user version
 * (CMICRO_FIELD_VERSION), which is 0 for an event without a usable one (an older producer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "events.h"

static int64_t version_of(const char *json)
{
    json_t *d = json_loads(json, 0, NULL);
    assert_non_null(d);
    int64_t v = blog_events_user_version(d);
    json_decref(d);
    return v;
}

static void test_version(void **state)
{
    (void)state;
    assert_int_equal(version_of("{\"id\":\"x\",\"version\":7}"), 7);
    assert_int_equal(version_of("{\"id\":\"x\",\"version\":9007199254740993}"),
                     INT64_C(9007199254740993));
    /* absent, not an integer or not positive: an unversioned event */
    assert_int_equal(version_of("{\"id\":\"x\"}"), 0);
    assert_int_equal(version_of("{\"version\":\"7\"}"), 0);
    assert_int_equal(version_of("{\"version\":7.5}"), 0);
    assert_int_equal(version_of("{\"version\":0}"), 0);
    assert_int_equal(version_of("{\"version\":-3}"), 0);
    assert_int_equal(version_of("{\"version\":null}"), 0);
}

static void test_parse_with_version(void **state)
{
    (void)state;
    json_t *d = json_loads("{\"id\":\"0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a\",\"name\":\"N\","
                           "\"version\":3}",
                           0, NULL);
    const char *id, *name, *pic;
    assert_true(blog_events_user_parse(d, &id, &name, &pic));
    assert_string_equal(name, "N");
    assert_null(pic);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_parse_with_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
