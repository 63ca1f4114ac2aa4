/* RFC3339 timestamps: exact output around the epoch, and every int64 millisecond value
 * formatted without undefined behaviour (found by tests/fuzz/fuzz_bson_blog: a stored
 * datetime of INT64_MIN overflowed the floor division). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "micro/clock.h"

static void expect_time(int64_t ms, const char *want)
{
    char out[32];
    mf_time_format(ms, out);
    assert_string_equal(out, want);
}

static void test_around_epoch(void **state)
{
    (void)state;
    expect_time(0, "1970-01-01T00:00:00.000Z");
    expect_time(1700000000123, "2023-11-14T22:13:20.123Z");
    expect_time(-1, "1969-12-31T23:59:59.999Z");
    expect_time(-1000, "1969-12-31T23:59:59.000Z");
    expect_time(-1001, "1969-12-31T23:59:58.999Z");
}

/* The milliseconds of the extremes: INT64_MIN = -9223372036854776 s + 192 ms and
 * INT64_MAX = 9223372036854775 s + 807 ms (floor division, as for -1 above). */
static void test_int64_extremes(void **state)
{
    (void)state;
    char out[32];
    mf_time_format(INT64_MIN, out);
    assert_true(out[0] == '-');
    assert_string_equal(out + strlen(out) - 5, ".192Z");
    mf_time_format(INT64_MIN + 1, out);
    assert_string_equal(out + strlen(out) - 5, ".193Z");
    mf_time_format(INT64_MAX, out);
    assert_true(out[0] != '-');
    assert_string_equal(out + strlen(out) - 5, ".807Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_around_epoch),
        cmocka_unit_test(test_int64_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
