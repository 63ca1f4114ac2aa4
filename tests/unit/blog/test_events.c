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

#define U1 "0b6f3c1e-9a52-4c1e-8b1a-2f0d3e4c5b6a"
#define U2 "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"

/* A batch of user events: only the newest of each user is applied, and it stands for the
 * others; unversioned and malformed events stand for themselves. */
static void test_coalesce(void **state)
{
    (void)state;
    const char *payloads[] = {
        "{\"id\":\"" U1 "\",\"name\":\"a\",\"version\":1}",     /* 0 */
        "{\"id\":\"" U2 "\",\"name\":\"b\",\"version\":5}",     /* 1 */
        "{\"id\":\"" U1 "\",\"name\":\"c\",\"version\":3}",     /* 2: U1's newest */
        "{\"id\":\"" U1 "\",\"name\":\"d\",\"version\":2}",     /* 3: out of order */
        "{\"id\":\"" U2 "\",\"name\":\"e\"}",                   /* 4: unversioned */
        "{\"id\":\"" U2 "\",\"name\":\"f\",\"version\":5}",     /* 5: redelivery of 1 */
        "{\"id\":\"not-a-uuid\",\"name\":\"g\",\"version\":9}", /* 6: malformed */
        "{\"id\":\"" U2 "\",\"name\":\"h\",\"version\":4}",     /* 7 */
    };
    enum { N = sizeof payloads / sizeof payloads[0] };
    mf_js_msg msgs[N];
    for (size_t i = 0; i < N; i++) {
        msgs[i] = (mf_js_msg){.subject = "user.updated", .request_id = "t"};
        msgs[i].data = json_loads(payloads[i], 0, NULL);
        assert_non_null(msgs[i].data);
    }
    size_t newest[N];
    blog_events_coalesce(msgs, N, newest);
    const size_t want[N] = {2, 5, 2, 2, 4, 5, 6, 5};
    for (size_t i = 0; i < N; i++)
        assert_int_equal(newest[i], want[i]);
    /* one event: itself */
    blog_events_coalesce(msgs, 1, newest);
    assert_int_equal(newest[0], 0);
    for (size_t i = 0; i < N; i++)
        json_decref(msgs[i].data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_parse_with_version),
        cmocka_unit_test(test_coalesce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
